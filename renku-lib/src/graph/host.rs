//! The host that makes the store's relative ids absolute (`/datasets/…` →
//! `https://<host>/datasets/…`).

/// Environment variable naming the host explicitly.
pub const DOMAIN_VAR: &str = "RENKU_DOMAIN";

/// The host part of exported ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    prefix: String,
}

impl Host {
    /// A host named explicitly (`renkulab.io`, `localhost:8080`); a scheme, if given, is kept.
    pub fn new(host: &str) -> Host {
        let host = host.trim().trim_end_matches('/');
        let prefix = if host.starts_with("http://") || host.starts_with("https://") {
            host.to_string()
        } else {
            format!("https://{host}")
        };
        Host { prefix }
    }

    /// No host: ids stay as the store writes them (`/datasets/…`), as in the metadata file
    /// of a local dataset export.
    pub fn relative() -> Host {
        Host {
            prefix: String::new(),
        }
    }

    /// The host as the reference chooses it: `RENKU_DOMAIN`, else the host of the git remote
    /// `origin_url`, else `localhost`.
    pub fn resolve(origin_url: Option<&str>) -> Host {
        if let Ok(domain) = std::env::var(DOMAIN_VAR)
            && !domain.trim().is_empty()
        {
            return Host::new(&domain);
        }
        match origin_url.and_then(remote_host) {
            Some(host) => Host::new(&host),
            None => Host::new("localhost"),
        }
    }

    /// `https://<host>`.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The absolute IRI of a store id: ids that start with neither `http` nor `mailto` get
    /// the host prefix.
    pub fn absolute(&self, id: &str) -> String {
        if id.starts_with("http") || id.starts_with("mailto:") {
            id.to_string()
        } else if id.starts_with('/') {
            format!("{}{id}", self.prefix)
        } else {
            format!("{}/{id}", self.prefix)
        }
    }
}

/// The host name of a git remote URL (`https://user@host:443/a/b.git`, `git@host:a/b.git`,
/// `ssh://git@host:22/a/b.git` → `host`). `None` for local paths.
pub fn remote_host(url: &str) -> Option<String> {
    let authority = if let Some((scheme, rest)) = url.split_once("://") {
        if scheme == "file" {
            return None;
        }
        rest.split('/').next()?
    } else if let Some((before, _)) = url.split_once(':') {
        // scp-like syntax; a Windows drive letter or a path is not a host.
        if before.contains('/') || before.len() < 2 {
            return None;
        }
        before
    } else {
        return None;
    };
    let host = authority.rsplit('@').next()?;
    let host = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next()?,
        None => host.split(':').next()?,
    };
    (!host.is_empty()).then(|| host.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_hosts() {
        assert_eq!(
            remote_host("https://gitlab.renkulab.io/ns/p.git").as_deref(),
            Some("gitlab.renkulab.io")
        );
        assert_eq!(
            remote_host("ssh://git@Example.org:22/a/b.git").as_deref(),
            Some("example.org")
        );
        assert_eq!(
            remote_host("git@github.com:a/b.git").as_deref(),
            Some("github.com")
        );
        assert_eq!(remote_host("/srv/repos/p.git"), None);
        assert_eq!(remote_host("file:///srv/p.git"), None);
        assert_eq!(remote_host("../p.git"), None);
    }

    #[test]
    fn absolute_ids() {
        let h = Host::new("renku.example");
        assert_eq!(
            h.absolute("/datasets/ab"),
            "https://renku.example/datasets/ab"
        );
        assert_eq!(h.absolute("mailto:a@b.c"), "mailto:a@b.c");
        assert_eq!(
            h.absolute("https://orcid.org/0000"),
            "https://orcid.org/0000"
        );
        assert_eq!(
            Host::new("http://h:8080/").absolute("/x"),
            "http://h:8080/x"
        );
    }
}
