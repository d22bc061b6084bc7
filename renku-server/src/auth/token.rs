//! Validation of one access token.

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
        Authenticator { config, keys }
    }

    /// The configuration in use.
    pub fn config(&self) -> &OidcConfig {
        &self.config
    }

    /// The identity provider's discovery document.
    pub async fn discovery(&self) -> Result<Discovery, AuthError> {
        self.keys.discovery().await
    }

    /// Checks `token` and returns who it belongs to.
    pub async fn validate(&self, token: &str) -> Result<Identity, AuthError> {
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
        self.identity(&data.claims)
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
