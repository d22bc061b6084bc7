//! `renku credentials`: a git credential helper (see `gitcredentials(7)`) answering with the
//! stored login token.
//!
//! git runs `renku credentials --hostname <host> get` with the request on standard input
//! (`protocol=https`, `host=<host[:port]>`, …, then an empty line). For a request about the
//! helper's host, the answer is `username=renku` and `password=<token>`. Requests about any
//! other host get no answer (renku-python answers every request with its token, which would
//! hand it to whatever other server the repository talks to), and neither do hosts without
//! a token. `store` and `erase` are accepted and do nothing: the token is managed by
//! `renku login` and `renku logout`.

use std::collections::BTreeMap;

use super::Result;
use super::token_store::TokenStore;

/// The user name the helper answers with (the server takes the token as password).
pub const USERNAME: &str = "renku";

/// The `key=value` attributes of a credential request (up to the first empty line).
pub fn parse_request(input: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for line in input.lines() {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once('=') {
            out.insert(k.to_string(), v.to_string());
        }
    }
    out
}

/// Whether a request for `requested` (git's `host` attribute) is about `helper_host`.
fn same_host(helper_host: &str, requested: &str) -> bool {
    let requested = requested.to_ascii_lowercase();
    let helper = helper_host.to_ascii_lowercase();
    requested == helper || helper.strip_prefix("gitlab.") == Some(requested.as_str())
}

/// The helper's answer to `command` (`get`, `store`, `erase`) with the request `input`, for
/// the helper installed for `hostname` (`None`: the request's own host). `None` means "print
/// nothing".
pub fn answer(
    store: &dyn TokenStore,
    command: &str,
    hostname: Option<&str>,
    input: &str,
) -> Result<Option<String>> {
    if command != "get" {
        return Ok(None);
    }
    let request = parse_request(input);
    if let Some(protocol) = request.get("protocol")
        && !matches!(protocol.as_str(), "https" | "http")
    {
        return Ok(None);
    }
    let requested = request.get("host").map(String::as_str);
    let host = match (hostname.filter(|h| !h.is_empty()), requested) {
        (Some(h), Some(r)) if !same_host(h, r) => return Ok(None),
        (Some(h), _) => h,
        (None, Some(r)) => r,
        (None, None) => return Ok(None),
    };
    Ok(store
        .get(host)?
        .filter(|t| !t.is_empty())
        .map(|token| format!("username={USERNAME}\npassword={token}\n")))
}

/// [`answer`] with the store `RENKU_TOKEN_STORE` chooses.
pub fn credentials(
    command: &str,
    hostname: Option<&str>,
    input: &str,
) -> crate::Result<Option<String>> {
    if command != "get" {
        return Ok(None);
    }
    let store = super::token_store::open_default()?;
    Ok(answer(store.as_ref(), command, hostname, input)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::token_store::MemoryStore;

    fn store() -> MemoryStore {
        let s = MemoryStore::default();
        s.set("renku.org", "jwt-a").unwrap();
        s.set("127.0.0.1:8443", "jwt-b").unwrap();
        s
    }

    #[test]
    fn get_answers_for_the_helpers_host() {
        let s = store();
        let input = "protocol=https\nhost=renku.org\npath=repos/ns/p.git\n\n";
        assert_eq!(
            answer(&s, "get", Some("renku.org"), input)
                .unwrap()
                .as_deref(),
            Some("username=renku\npassword=jwt-a\n")
        );
        assert_eq!(
            answer(
                &s,
                "get",
                Some("127.0.0.1:8443"),
                "protocol=https\nhost=127.0.0.1:8443\n"
            )
            .unwrap()
            .as_deref(),
            Some("username=renku\npassword=jwt-b\n")
        );
        // Without a request host, the helper's host counts; without --hostname, the request's.
        assert!(answer(&s, "get", Some("renku.org"), "").unwrap().is_some());
        assert!(answer(&s, "get", None, input).unwrap().is_some());
    }

    #[test]
    fn other_hosts_and_commands_get_nothing() {
        let s = store();
        let github = "protocol=https\nhost=github.com\n\n";
        assert_eq!(answer(&s, "get", Some("renku.org"), github).unwrap(), None);
        assert_eq!(answer(&s, "get", None, github).unwrap(), None);
        assert_eq!(answer(&s, "get", Some("unknown.org"), "").unwrap(), None);
        assert_eq!(
            answer(
                &s,
                "get",
                Some("renku.org"),
                "protocol=ssh\nhost=renku.org\n"
            )
            .unwrap(),
            None
        );
        assert_eq!(answer(&s, "store", Some("renku.org"), "").unwrap(), None);
        assert_eq!(answer(&s, "erase", Some("renku.org"), "").unwrap(), None);
        assert_eq!(answer(&s, "get", None, "").unwrap(), None);
    }

    #[test]
    fn requests_stop_at_the_empty_line() {
        let r = parse_request("protocol=https\r\nhost=a.org\n\nhost=b.org\n");
        assert_eq!(r.get("host").map(String::as_str), Some("a.org"));
        assert_eq!(r.len(), 2);
    }
}
