//! Azure Storage "Shared Key" authorization (service version 2015-02-21 and later), as the
//! Azure Storage REST reference ("Authorize with Shared Key") specifies: an HMAC-SHA256, keyed
//! with the base64-decoded account key, over the verb, the standard headers, the canonicalized
//! `x-ms-` headers and the canonicalized resource.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use reqwest::Url;
use sha2::Sha256;

/// What is signed.
pub(crate) struct SharedKeyRequest<'a> {
    /// HTTP method in upper case.
    pub method: &'a str,
    /// The URL as it is sent (path already percent-encoded).
    pub url: &'a Url,
    /// All headers of the request except `Authorization` (names in any case).
    pub headers: &'a [(&'a str, String)],
    /// The storage account name.
    pub account: &'a str,
}

/// The standard headers in the order of the string to sign.
const STANDARD_HEADERS: [&str; 11] = [
    "content-encoding",
    "content-language",
    "content-length",
    "content-md5",
    "content-type",
    "date",
    "if-modified-since",
    "if-match",
    "if-none-match",
    "if-unmodified-since",
    "range",
];

/// The `Authorization` header value (`SharedKey <account>:<signature>`) for `req`, signed
/// with the decoded account `key`.
pub(crate) fn authorization(req: &SharedKeyRequest<'_>, key: &[u8]) -> String {
    let lookup = |name: &str| {
        req.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let mut string_to_sign = format!("{}\n", req.method);
    for name in STANDARD_HEADERS {
        let value = lookup(name).unwrap_or("");
        // Since version 2015-02-21 a zero Content-Length is signed as an empty string.
        let value = if name == "content-length" && value == "0" {
            ""
        } else {
            value
        };
        string_to_sign.push_str(value);
        string_to_sign.push('\n');
    }
    let mut ms: Vec<(String, String)> = req
        .headers
        .iter()
        .filter(|(k, _)| k.to_ascii_lowercase().starts_with("x-ms-"))
        .map(|(k, v)| {
            (
                k.to_ascii_lowercase(),
                v.split_whitespace().collect::<Vec<_>>().join(" "),
            )
        })
        .collect();
    ms.sort();
    for (k, v) in &ms {
        string_to_sign.push_str(&format!("{k}:{v}\n"));
    }
    string_to_sign.push_str(&canonicalized_resource(req.url, req.account));

    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(string_to_sign.as_bytes());
    let signature = STANDARD.encode(mac.finalize().into_bytes());
    format!("SharedKey {}:{signature}", req.account)
}

/// `/<account><encoded path>` followed by `\n<name>:<values>` for each query parameter
/// (names lower-cased and sorted, values decoded, sorted and comma-joined).
fn canonicalized_resource(url: &Url, account: &str) -> String {
    let mut out = format!("/{account}{}", url.path());
    let mut params: Vec<(String, Vec<String>)> = Vec::new();
    for (k, v) in url.query_pairs() {
        let k = k.to_ascii_lowercase();
        match params.iter_mut().find(|(name, _)| *name == k) {
            Some((_, values)) => values.push(v.into_owned()),
            None => params.push((k, vec![v.into_owned()])),
        }
    }
    params.sort();
    for (k, mut values) in params {
        values.sort();
        out.push_str(&format!("\n{k}:{}", values.join(",")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_resource_sorts_and_groups_the_query() {
        let url = Url::parse(
            "http://127.0.0.1:10000/devstoreaccount1/cont?restype=container&comp=list&prefix=a%20b&Include=x&include=m",
        )
        .unwrap();
        assert_eq!(
            canonicalized_resource(&url, "devstoreaccount1"),
            "/devstoreaccount1/devstoreaccount1/cont\ncomp:list\ninclude:m,x\nprefix:a b\nrestype:container"
        );
    }

    #[test]
    fn signature_changes_with_every_signed_part() {
        let url = Url::parse("https://acct.blob.core.windows.net/c/blob.txt").unwrap();
        let key = b"secret-key";
        let headers = [
            ("x-ms-date", "Mon, 01 Jan 2024 00:00:00 GMT".to_string()),
            ("x-ms-version", "2021-12-02".to_string()),
            ("Content-Length", "0".to_string()),
        ];
        let base = authorization(
            &SharedKeyRequest {
                method: "GET",
                url: &url,
                headers: &headers,
                account: "acct",
            },
            key,
        );
        assert!(base.starts_with("SharedKey acct:"));
        let other_method = authorization(
            &SharedKeyRequest {
                method: "HEAD",
                url: &url,
                headers: &headers,
                account: "acct",
            },
            key,
        );
        let other_key = authorization(
            &SharedKeyRequest {
                method: "GET",
                url: &url,
                headers: &headers,
                account: "acct",
            },
            b"other",
        );
        // A zero Content-Length is signed like an absent one.
        let no_length = authorization(
            &SharedKeyRequest {
                method: "GET",
                url: &url,
                headers: &headers[..2],
                account: "acct",
            },
            key,
        );
        assert_ne!(base, other_method);
        assert_ne!(base, other_key);
        assert_eq!(base, no_length);
    }
}
