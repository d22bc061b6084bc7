//! The identity provider's discovery document and signing keys, fetched once and refreshed
//! when a token names a key id the cache does not know (key rotation).

use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use serde::Deserialize;
use tokio::sync::RwLock;

use super::token::AuthError;

/// The parts of `/.well-known/openid-configuration` the server uses.
#[derive(Debug, Clone, Deserialize)]
pub struct Discovery {
    /// Must equal the configured issuer.
    pub issuer: String,
    /// Where the signing keys are.
    pub jwks_uri: String,
    /// Token endpoint (given to CLIs).
    pub token_endpoint: Option<String>,
    /// Device authorization endpoint (given to CLIs).
    pub device_authorization_endpoint: Option<String>,
}

/// Keys are fetched again at most this often when an unknown key id shows up.
const REFRESH_INTERVAL: Duration = Duration::from_secs(10);
/// Bound on the size of the documents read from the provider.
const MAX_DOCUMENT_BYTES: usize = 1 << 20;

struct Cached {
    discovery: Discovery,
    keys: JwkSet,
    /// When keys were last fetched again because of an unknown key id (the first fetch does
    /// not count, so a key rotated right after start is picked up at once).
    refreshed: Option<Instant>,
}

impl Cached {
    fn may_refresh(&self) -> bool {
        self.refreshed
            .is_none_or(|at| at.elapsed() >= REFRESH_INTERVAL)
    }
}

/// Discovery and keys of one issuer, cached.
pub struct KeyCache {
    issuer: String,
    client: reqwest::Client,
    cached: RwLock<Option<Cached>>,
}

async fn get_json<T: serde::de::DeserializeOwned>(
    client: &reqwest::Client,
    url: &str,
) -> Result<T, AuthError> {
    let unavailable =
        |detail: String| AuthError::Unavailable(format!("identity provider at {url}: {detail}"));
    let response = client
        .get(url)
        .send()
        .await
        .map_err(|e| unavailable(e.to_string()))?;
    if !response.status().is_success() {
        return Err(unavailable(format!("HTTP {}", response.status())));
    }
    let body = response
        .bytes()
        .await
        .map_err(|e| unavailable(e.to_string()))?;
    if body.len() > MAX_DOCUMENT_BYTES {
        return Err(unavailable("response too large".into()));
    }
    serde_json::from_slice(&body).map_err(|e| unavailable(format!("invalid JSON: {e}")))
}

impl KeyCache {
    /// A cache for `issuer` (nothing is fetched yet).
    pub fn new(issuer: &str, client: reqwest::Client) -> Self {
        KeyCache {
            issuer: issuer.to_string(),
            client,
            cached: RwLock::new(None),
        }
    }

    async fn fetch(&self) -> Result<Cached, AuthError> {
        let url = format!("{}/.well-known/openid-configuration", self.issuer);
        let discovery: Discovery = get_json(&self.client, &url).await?;
        if discovery.issuer.trim_end_matches('/') != self.issuer {
            return Err(AuthError::Unavailable(format!(
                "the identity provider calls itself '{}', not the configured issuer '{}'",
                discovery.issuer, self.issuer
            )));
        }
        let keys: JwkSet = get_json(&self.client, &discovery.jwks_uri).await?;
        tracing::info!(issuer = %self.issuer, keys = keys.keys.len(), "fetched signing keys");
        Ok(Cached {
            discovery,
            keys,
            refreshed: None,
        })
    }

    /// The discovery document (fetched on first use).
    pub async fn discovery(&self) -> Result<Discovery, AuthError> {
        if let Some(cached) = self.cached.read().await.as_ref() {
            return Ok(cached.discovery.clone());
        }
        let mut guard = self.cached.write().await;
        if guard.is_none() {
            *guard = Some(self.fetch().await?);
        }
        guard
            .as_ref()
            .map(|c| c.discovery.clone())
            .ok_or_else(|| AuthError::Unavailable("no discovery document".into()))
    }

    /// The key set, refreshed first when `kid` is given and not in the cached set (no more
    /// often than every few seconds, so forged key ids cannot hammer the provider).
    pub async fn keys_for(&self, kid: Option<&str>) -> Result<JwkSet, AuthError> {
        {
            let guard = self.cached.read().await;
            if let Some(cached) = guard.as_ref() {
                let known = kid.is_none_or(|kid| cached.keys.find(kid).is_some());
                if known || !cached.may_refresh() {
                    return Ok(cached.keys.clone());
                }
            }
        }
        let mut guard = self.cached.write().await;
        let stale = match guard.as_ref() {
            None => true,
            Some(cached) => {
                kid.is_some_and(|kid| cached.keys.find(kid).is_none()) && cached.may_refresh()
            }
        };
        if stale {
            let first = guard.is_none();
            match self.fetch().await {
                Ok(mut fresh) => {
                    if !first {
                        fresh.refreshed = Some(Instant::now());
                    }
                    *guard = Some(fresh);
                }
                // Keep serving the old keys when a refresh fails.
                Err(error) if !first => {
                    tracing::warn!(%error, "could not refresh signing keys");
                    if let Some(cached) = guard.as_mut() {
                        cached.refreshed = Some(Instant::now());
                    }
                }
                Err(error) => return Err(error),
            }
        }
        guard
            .as_ref()
            .map(|c| c.keys.clone())
            .ok_or_else(|| AuthError::Unavailable("no signing keys".into()))
    }
}
