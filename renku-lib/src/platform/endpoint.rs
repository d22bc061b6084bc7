//! A Renku endpoint: the server `renku login ENDPOINT` talks to.
//!
//! As in renku-python, an endpoint without a scheme means `https://`, and any path, query or
//! fragment is dropped: the endpoint is the root of a deployment. An explicit `http://` is
//! kept (renku-python turns it into https; local servers and tests need plain HTTP). Tokens
//! are stored under the endpoint's `host[:port]`.

use std::path::Path;

use super::{PlatformError, Result};

/// The root URL of a Renku deployment (`scheme://host[:port]/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    url: reqwest::Url,
}

impl Endpoint {
    /// Parses an endpoint as the user writes it: `renkulab.io`, `https://renkulab.io/`,
    /// `http://127.0.0.1:8080/anything` (the path is dropped).
    pub fn parse(text: &str) -> Result<Endpoint> {
        let trimmed = text.trim();
        let invalid = |detail: &str| PlatformError::InvalidEndpoint {
            endpoint: text.to_string(),
            detail: detail.to_string(),
        };
        if trimmed.is_empty() {
            return Err(PlatformError::MissingEndpoint);
        }
        let lower = trimmed.to_ascii_lowercase();
        let with_scheme = if lower.starts_with("http://") || lower.starts_with("https://") {
            trimmed.to_string()
        } else if lower.contains("://") {
            return Err(invalid("only http and https endpoints are supported"));
        } else {
            format!("https://{trimmed}")
        };
        let mut url = reqwest::Url::parse(&with_scheme).map_err(|e| invalid(&e.to_string()))?;
        if url.host_str().is_none_or(str::is_empty) {
            return Err(invalid("it names no host"));
        }
        url.set_path("/");
        url.set_query(None);
        url.set_fragment(None);
        // Credentials in the endpoint would end up in logs and messages.
        let _ = url.set_username("");
        let _ = url.set_password(None);
        Ok(Endpoint { url })
    }

    /// The endpoint renku-python derives from a git remote: `https://<remote host>/`
    /// (the port is kept for http(s) remotes, dropped for SSH ones). `None` for local paths
    /// and URLs without a host.
    pub fn from_remote_url(remote: &str) -> Option<Endpoint> {
        let host = remote_web_host(remote)?;
        Endpoint::parse(&format!("https://{host}/")).ok()
    }

    /// The endpoint to use: `explicit` if given, else the configuration's `renku.endpoint`
    /// (project file over global file), else the host of the project's remote. `project_root`
    /// is the work tree `renku` runs in, if any.
    pub fn resolve(explicit: Option<&str>, project_root: Option<&Path>) -> Result<Endpoint> {
        if let Some(e) = explicit.map(str::trim).filter(|e| !e.is_empty()) {
            return Endpoint::parse(e);
        }
        let configured = crate::config::Config::load(project_root)
            .ok()
            .and_then(|c| c.value("renku.endpoint"))
            .filter(|v| !v.trim().is_empty());
        if let Some(e) = configured {
            return Endpoint::parse(&e);
        }
        project_root
            .and_then(|root| super::git_login::default_remote(root).ok().flatten())
            .and_then(|remote| Endpoint::from_remote_url(&remote.url))
            .ok_or(PlatformError::MissingEndpoint)
    }

    /// `host[:port]`: the key the endpoint's token is stored under (the port only when the
    /// URL names a non-default one).
    pub fn token_key(&self) -> String {
        let host = self.url.host_str().unwrap_or_default();
        match self.url.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.to_string(),
        }
    }

    /// The host name, without port.
    pub fn host(&self) -> &str {
        self.url.host_str().unwrap_or_default()
    }

    /// `http` or `https`.
    pub fn scheme(&self) -> &str {
        self.url.scheme()
    }

    /// `scheme://host[:port]`, without a trailing slash.
    pub fn base_url(&self) -> String {
        self.url.as_str().trim_end_matches('/').to_string()
    }

    /// The URL of `path` (relative to the deployment root) on this endpoint.
    pub fn url(&self, path: &str) -> String {
        format!("{}/{}", self.base_url(), path.trim_start_matches('/'))
    }
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.url.as_str())
    }
}

/// A git remote URL split into its host and repository path. Understands
/// `scheme://[user@]host[:port]/path` (http, https, ssh, git, rsync, `git+ssh`) and the
/// scp-like `[user@]host:path`; local paths and `file://` URLs have no host (`None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitRemoteUrl {
    /// The URL scheme (`ssh` for the scp-like form).
    pub scheme: String,
    /// The host name.
    pub host: String,
    /// The port, when the URL names one.
    pub port: Option<u16>,
    /// The repository path without leading or trailing slashes (`group/project.git`).
    pub path: String,
}

impl GitRemoteUrl {
    /// Parses `url` (see the type's documentation).
    pub fn parse(url: &str) -> Option<GitRemoteUrl> {
        let url = url.trim();
        if let Some((scheme, _)) = url.split_once("://") {
            let scheme = scheme.to_ascii_lowercase();
            if scheme == "file" {
                return None;
            }
            let parsed = reqwest::Url::parse(url).ok()?;
            let host = parsed.host_str().filter(|h| !h.is_empty())?.to_string();
            return Some(GitRemoteUrl {
                scheme,
                host,
                port: parsed.port(),
                path: parsed.path().trim_matches('/').to_string(),
            });
        }
        // scp-like syntax: a colon before the first slash (git's own rule).
        let colon = url.find(':')?;
        if url[..colon].contains('/') || colon == 0 {
            return None;
        }
        let (user_host, path) = (&url[..colon], &url[colon + 1..]);
        let host = user_host.rsplit('@').next().unwrap_or(user_host);
        // `C:\repo` is a Windows path, not a host `C`.
        if host.is_empty() || (host.len() == 1 && path.starts_with('\\')) {
            return None;
        }
        Some(GitRemoteUrl {
            scheme: "ssh".to_string(),
            host: host.to_string(),
            port: None,
            path: path.trim_matches('/').to_string(),
        })
    }
}

/// The web host a remote points at: `host[:port]` for http(s), the bare host otherwise.
pub(crate) fn remote_web_host(remote: &str) -> Option<String> {
    let parsed = GitRemoteUrl::parse(remote)?;
    let host = if parsed.host.contains(':') && !parsed.host.starts_with('[') {
        format!("[{}]", parsed.host)
    } else {
        parsed.host
    };
    match (parsed.scheme.as_str(), parsed.port) {
        ("http" | "https", Some(p)) => Some(format!("{host}:{p}")),
        _ => Some(host),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_without_scheme_are_https_and_lose_their_path() {
        let e = Endpoint::parse("renkulab.io/projects/x?y=1").unwrap();
        assert_eq!(e.to_string(), "https://renkulab.io/");
        assert_eq!(e.token_key(), "renkulab.io");
        assert_eq!(e.base_url(), "https://renkulab.io");
        assert_eq!(
            e.url("/api/auth/config"),
            "https://renkulab.io/api/auth/config"
        );
    }

    #[test]
    fn explicit_http_and_ports_are_kept() {
        let e = Endpoint::parse("http://127.0.0.1:8080/x").unwrap();
        assert_eq!(e.scheme(), "http");
        assert_eq!(e.token_key(), "127.0.0.1:8080");
        assert_eq!(e.host(), "127.0.0.1");
        // A default port is not part of the key.
        assert_eq!(
            Endpoint::parse("https://renku.example.org:443")
                .unwrap()
                .token_key(),
            "renku.example.org"
        );
        assert_eq!(
            Endpoint::parse("HTTPS://user:pw@Renku.Example.org:8443")
                .unwrap()
                .to_string(),
            "https://renku.example.org:8443/"
        );
    }

    #[test]
    fn bad_endpoints_are_usage_errors() {
        assert!(matches!(
            Endpoint::parse("  "),
            Err(PlatformError::MissingEndpoint)
        ));
        for bad in ["ftp://x.org", "https://", "http://exa mple.org"] {
            let err = Endpoint::parse(bad).unwrap_err();
            assert!(
                matches!(err, PlatformError::InvalidEndpoint { .. }),
                "{bad}: {err}"
            );
            assert_eq!(err.exit_code(), crate::error::ExitCode::Usage);
        }
    }

    #[test]
    fn remotes_give_their_host() {
        let cases = [
            (
                "git@gitlab.renkulab.io:ns/p.git",
                Some("https://gitlab.renkulab.io/"),
            ),
            (
                "ssh://git@host.org:2222/ns/p.git",
                Some("https://host.org/"),
            ),
            (
                "https://renku.org:8443/gitlab/ns/p.git",
                Some("https://renku.org:8443/"),
            ),
            ("http://127.0.0.1:9/ns/p", Some("https://127.0.0.1:9/")),
            ("/srv/git/p.git", None),
            ("../p.git", None),
            ("file:///srv/git/p.git", None),
        ];
        for (remote, expected) in cases {
            assert_eq!(
                Endpoint::from_remote_url(remote).map(|e| e.to_string()),
                expected.map(str::to_string),
                "{remote}"
            );
        }
    }

    #[test]
    fn git_urls_split_into_host_and_path() {
        let u = GitRemoteUrl::parse("git@gitlab.example.org:group/sub/p.git").unwrap();
        assert_eq!(
            (u.scheme.as_str(), u.host.as_str(), u.path.as_str()),
            ("ssh", "gitlab.example.org", "group/sub/p.git")
        );
        let u = GitRemoteUrl::parse("https://renku.org/gitlab/ns/p.git/").unwrap();
        assert_eq!(u.path, "gitlab/ns/p.git");
        assert!(GitRemoteUrl::parse("C:\\repos\\p").is_none());
    }
}
