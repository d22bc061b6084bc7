//! Where the providers send their requests, and how.

use std::sync::Arc;
use std::time::Duration;

/// Environment variable overriding the Zenodo base URL (default `https://zenodo.org`).
pub const ZENODO_URL_ENV: &str = "RENKU_ZENODO_URL";
/// Environment variable overriding the DOI resolver (default `https://doi.org`).
pub const DOI_RESOLVER_ENV: &str = "RENKU_DOI_RESOLVER";
/// Environment variable setting the network timeout in seconds (default 30).
pub const HTTP_TIMEOUT_ENV: &str = "RENKU_HTTP_TIMEOUT";

/// The public Zenodo server.
pub const DEFAULT_ZENODO_URL: &str = "https://zenodo.org";
/// Zenodo's sandbox; record URLs on this host are always fetched from it.
pub const ZENODO_SANDBOX_URL: &str = "https://sandbox.zenodo.org";
/// The public DOI resolver.
pub const DEFAULT_DOI_RESOLVER: &str = "https://doi.org";

/// Supplies access tokens for Renku servers (implemented by the login machinery).
pub trait TokenSource: Send + Sync {
    /// The bearer token stored for `host` (`host[:port]`), if the user logged in there.
    fn token(&self, host: &str) -> Option<String>;
}

/// API base URLs and HTTP options of the providers.
#[derive(Clone)]
pub struct ProviderSettings {
    /// Base URL of the Zenodo server (`https://zenodo.org`); records are read from
    /// `{zenodo_url}/api/records/<id>`.
    pub zenodo_url: String,
    /// Base URL of the DOI resolver (`https://doi.org`); a DOI is looked up at
    /// `{doi_resolver}/<doi>`.
    pub doi_resolver: String,
    /// Timeout of connecting and of each read or write on a connection.
    pub timeout: Duration,
    /// The `User-Agent` header sent with every request.
    pub user_agent: String,
    /// Tokens for Renku servers' knowledge graphs; `None` sends requests without a token.
    pub tokens: Option<Arc<dyn TokenSource>>,
}

impl std::fmt::Debug for ProviderSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderSettings")
            .field("zenodo_url", &self.zenodo_url)
            .field("doi_resolver", &self.doi_resolver)
            .field("timeout", &self.timeout)
            .field("user_agent", &self.user_agent)
            .field("tokens", &self.tokens.as_ref().map(|_| "<token source>"))
            .finish()
    }
}

impl Default for ProviderSettings {
    /// The public servers, a 30 s timeout, the user agent `renku-rs/<version>`, no tokens.
    fn default() -> Self {
        ProviderSettings {
            zenodo_url: DEFAULT_ZENODO_URL.to_string(),
            doi_resolver: DEFAULT_DOI_RESOLVER.to_string(),
            timeout: Duration::from_secs(30),
            user_agent: format!("renku-rs/{}", crate::VERSION),
            tokens: None,
        }
    }
}

impl ProviderSettings {
    /// The defaults, with `RENKU_ZENODO_URL`, `RENKU_DOI_RESOLVER` and `RENKU_HTTP_TIMEOUT`
    /// applied when set (empty values are ignored).
    pub fn from_env() -> Self {
        let mut settings = ProviderSettings::default();
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        if let Some(url) = var(ZENODO_URL_ENV) {
            settings.zenodo_url = url.trim().trim_end_matches('/').to_string();
        }
        if let Some(url) = var(DOI_RESOLVER_ENV) {
            settings.doi_resolver = url.trim().trim_end_matches('/').to_string();
        }
        if let Some(secs) = var(HTTP_TIMEOUT_ENV).and_then(|v| v.trim().parse::<f64>().ok())
            && secs.is_finite()
            && secs > 0.0
        {
            settings.timeout = Duration::from_secs_f64(secs);
        }
        settings
    }

    /// The same settings with `tokens` as the token source.
    pub fn with_tokens(mut self, tokens: Arc<dyn TokenSource>) -> Self {
        self.tokens = Some(tokens);
        self
    }

    /// The token stored for `host`, if any.
    pub fn token_for(&self, host: &str) -> Option<String> {
        self.tokens.as_ref().and_then(|t| t.token(host))
    }
}
