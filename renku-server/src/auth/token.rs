//! Validation of one access token.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;

use super::Identity;
use super::jwks::{Discovery, KeyCache};
use crate::config::OidcConfig;

/// Why a token was refused.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Not a JWT, or an unusable header.
    #[error("malformed token: {0}")]
    Malformed(String),
    /// Signature, issuer, audience or times do not check out.
    #[error("invalid token: {0}")]
    Invalid(String),
    /// The identity provider could not be asked for its keys.
    #[error("cannot validate tokens now: {0}")]
    Unavailable(String),
}

/// Validates tokens of the configured issuer.
pub struct Authenticator {
    config: OidcConfig,
    keys: KeyCache,
    validated: ValidatedTokens,
}

/// How many validated tokens are remembered at most.
const REMEMBERED_TOKENS: usize = 10_000;

/// Tokens that passed validation, remembered until they expire: a client sends the same
/// token with every request, and checking its signature each time (an RSA verification and
/// key decoding) would cost more than answering many requests. Only the whole token text
/// finds an entry, so a changed token is validated afresh.
#[derive(Default)]
struct ValidatedTokens {
    entries: Mutex<HashMap<String, RememberedToken>>,
}

struct RememberedToken {
    identity: Arc<Identity>,
    /// The last second (Unix time) the token is accepted: its `exp` plus the leeway.
    valid_until: u64,
}

impl ValidatedTokens {
    fn get(&self, token: &str, now: u64) -> Option<Arc<Identity>> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(token)
            .filter(|t| now <= t.valid_until)
            .map(|t| t.identity.clone())
    }

    fn remember(&self, token: &str, identity: Arc<Identity>, valid_until: u64, now: u64) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= REMEMBERED_TOKENS {
            entries.retain(|_, t| now <= t.valid_until);
            if entries.len() >= REMEMBERED_TOKENS {
                entries.clear();
            }
        }
        entries.insert(
            token.to_string(),
            RememberedToken {
                identity,
                valid_until,
            },
        );
    }
}

/// Seconds since the Unix epoch.
fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Signature algorithms accepted: asymmetric ones only (a shared-secret algorithm would let
/// anyone holding the public key forge tokens).
fn accepted(alg: Algorithm) -> bool {
    !matches!(alg, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512)
}

fn key_algorithm_matches(key: &KeyAlgorithm, alg: Algorithm) -> bool {
    let name = format!("{alg:?}");
    format!("{key:?}") == name
}

/// The key of `jwk` usable for `alg`, when its type fits.
fn usable(jwk: &Jwk, alg: Algorithm) -> bool {
    if let Some(key_alg) = &jwk.common.key_algorithm
        && !key_algorithm_matches(key_alg, alg)
    {
        return false;
    }
    matches!(
        (&jwk.algorithm, alg),
        (
            AlgorithmParameters::RSA(_),
            Algorithm::RS256
                | Algorithm::RS384
                | Algorithm::RS512
                | Algorithm::PS256
                | Algorithm::PS384
                | Algorithm::PS512,
        ) | (
            AlgorithmParameters::EllipticCurve(_),
            Algorithm::ES256 | Algorithm::ES384
        ) | (AlgorithmParameters::OctetKeyPair(_), Algorithm::EdDSA)
    )
}

/// Looks `path` (dot-separated) up in the claims.
fn claim<'a>(claims: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .try_fold(claims, |value, key| value.get(key))
}

fn text_claim(claims: &Value, key: &str) -> Option<String> {
    claims.get(key).and_then(Value::as_str).map(str::to_string)
}

impl Authenticator {
    /// An authenticator for `config`, fetching keys with `client`.
    pub fn new(config: OidcConfig, client: reqwest::Client) -> Self {
        let keys = KeyCache::new(&config.issuer, client);
        Authenticator {
            config,
            keys,
            validated: ValidatedTokens::default(),
        }
    }

    /// The configuration in use.
    pub fn config(&self) -> &OidcConfig {
        &self.config
    }

    /// The identity provider's discovery document.
    pub async fn discovery(&self) -> Result<Discovery, AuthError> {
        self.keys.discovery().await
    }

    /// Checks `token` and returns who it belongs to. A token that validated before is
    /// accepted without a new signature check until it expires.
    pub async fn validate(&self, token: &str) -> Result<Arc<Identity>, AuthError> {
        let now = unix_now();
        if let Some(identity) = self.validated.get(token, now) {
            return Ok(identity);
        }
        let (identity, exp) = self.check(token).await?;
        let identity = Arc::new(identity);
        let valid_until = exp.saturating_add(self.config.leeway_seconds);
        self.validated
            .remember(token, identity.clone(), valid_until, now);
        Ok(identity)
    }

    /// Validates `token` fully: its identity and its `exp`.
    async fn check(&self, token: &str) -> Result<(Identity, u64), AuthError> {
        let header =
            jsonwebtoken::decode_header(token).map_err(|e| AuthError::Malformed(e.to_string()))?;
        if !accepted(header.alg) {
            return Err(AuthError::Invalid(format!(
                "signature algorithm {:?} is not accepted",
                header.alg
            )));
        }
        let keys = self.keys.keys_for(header.kid.as_deref()).await?;
        let jwk = match &header.kid {
            Some(kid) => keys
                .find(kid)
                .ok_or_else(|| AuthError::Invalid(format!("unknown signing key '{kid}'")))?,
            None => {
                let mut candidates = keys.keys.iter().filter(|k| usable(k, header.alg));
                match (candidates.next(), candidates.next()) {
                    (Some(only), None) => only,
                    (None, _) => {
                        return Err(AuthError::Invalid("no signing key fits the token".into()));
                    }
                    (Some(_), Some(_)) => {
                        return Err(AuthError::Invalid(
                            "the token names no key and the provider has several".into(),
                        ));
                    }
                }
            }
        };
        if !usable(jwk, header.alg) {
            return Err(AuthError::Invalid(format!(
                "the signing key does not allow algorithm {:?}",
                header.alg
            )));
        }
        let key = DecodingKey::from_jwk(jwk).map_err(|e| AuthError::Invalid(e.to_string()))?;
        let mut validation = Validation::new(header.alg);
        validation.algorithms = vec![header.alg];
        validation.set_issuer(&[&self.config.issuer]);
        validation.set_audience(&self.config.audiences);
        validation.validate_nbf = true;
        validation.leeway = self.config.leeway_seconds;
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        let data = jsonwebtoken::decode::<Value>(token, &key, &validation)
            .map_err(|e| AuthError::Invalid(e.to_string()))?;
        let exp = match data.claims.get("exp") {
            Some(Value::Number(n)) => n
                .as_u64()
                .or_else(|| n.as_f64().map(|f| f.max(0.0) as u64))
                .ok_or_else(|| AuthError::Invalid("the token's exp is not a time".into()))?,
            _ => return Err(AuthError::Invalid("the token's exp is not a time".into())),
        };
        Ok((self.identity(&data.claims)?, exp))
    }

    fn identity(&self, claims: &Value) -> Result<Identity, AuthError> {
        let id = text_claim(claims, "sub")
            .filter(|s| !s.is_empty())
            .ok_or_else(|| AuthError::Invalid("the token has no subject".into()))?;
        let admin = match claim(claims, &self.config.admin_claim) {
            Some(Value::Array(roles)) => roles
                .iter()
                .any(|r| r.as_str() == Some(self.config.admin_role.as_str())),
            Some(Value::String(roles)) => {
                roles.split([' ', ',']).any(|r| r == self.config.admin_role)
            }
            _ => false,
        };
        Ok(Identity {
            username: text_claim(claims, "preferred_username").unwrap_or_else(|| id.clone()),
            id,
            email: text_claim(claims, "email"),
            name: text_claim(claims, "name"),
            first_name: text_claim(claims, "given_name"),
            last_name: text_claim(claims, "family_name"),
            admin,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(id: &str) -> Arc<Identity> {
        Arc::new(Identity {
            id: id.into(),
            username: id.into(),
            email: None,
            name: None,
            first_name: None,
            last_name: None,
            admin: false,
        })
    }

    #[test]
    fn remembered_tokens_expire_and_only_the_same_text_matches() {
        let tokens = ValidatedTokens::default();
        tokens.remember("a.b.c", identity("alice"), 100, 50);
        assert_eq!(
            tokens.get("a.b.c", 100).map(|i| i.id.clone()),
            Some("alice".into())
        );
        assert!(tokens.get("a.b.c", 101).is_none(), "expired");
        assert!(tokens.get("a.b.d", 60).is_none(), "another token");
    }

    #[test]
    fn a_full_cache_drops_expired_tokens_first() {
        let tokens = ValidatedTokens::default();
        for n in 0..REMEMBERED_TOKENS - 1 {
            tokens.remember(&format!("old-{n}"), identity("old"), 10, 0);
        }
        tokens.remember("live", identity("live"), 1_000, 0);
        tokens.remember("new", identity("new"), 1_000, 20);
        assert!(
            tokens.get("live", 20).is_some(),
            "an unexpired token is kept"
        );
        assert!(tokens.get("new", 20).is_some());
        let entries = tokens.entries.lock().expect("lock").len();
        assert_eq!(entries, 2, "the expired tokens were dropped");
    }
}
