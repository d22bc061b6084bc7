//! Who is calling: OIDC access tokens (JWTs) validated locally against the issuer's keys.
//!
//! A token arrives as `Authorization: Bearer <jwt>` or as the password of HTTP Basic (that is
//! how git sends it). No header means an anonymous caller; a header with a token that does
//! not validate is refused (401), never treated as anonymous.

pub mod jwks;
pub mod seen;
pub mod token;

use std::sync::Arc;
use std::time::Instant;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use base64::Engine;
use serde::Serialize;

use crate::error::ApiError;
use crate::state::AppState;
use crate::store::UserRecord;

pub use token::{AuthError, Authenticator};

/// A validated user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identity {
    /// `sub`.
    pub id: String,
    /// `preferred_username` (falls back to `sub`).
    pub username: String,
    /// `email`.
    pub email: Option<String>,
    /// `name`.
    pub name: Option<String>,
    /// `given_name`.
    pub first_name: Option<String>,
    /// `family_name`.
    pub last_name: Option<String>,
    /// Whether the admin role is among the token's roles.
    pub admin: bool,
}

/// The caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// No credentials were sent.
    Anonymous,
    /// A valid token was sent.
    User(Arc<Identity>),
}

impl Caller {
    /// The user, if any.
    pub fn user(&self) -> Option<&Identity> {
        match self {
            Caller::Anonymous => None,
            Caller::User(identity) => Some(identity),
        }
    }

    /// Whether the caller is an administrator.
    pub fn is_admin(&self) -> bool {
        self.user().is_some_and(|u| u.admin)
    }
}

/// The token in an `Authorization` header value: `Bearer <t>` or Basic with `<t>` as the
/// password. `Ok(None)` = a scheme that carries no token we accept.
pub fn token_from_header(value: &str) -> Result<Option<String>, AuthError> {
    let value = value.trim();
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("bearer") {
        if rest.is_empty() {
            return Err(AuthError::Malformed("empty bearer token".into()));
        }
        return Ok(Some(rest.to_string()));
    }
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(rest)
            .map_err(|_| AuthError::Malformed("basic credentials are not base64".into()))?;
        let text = String::from_utf8(decoded)
            .map_err(|_| AuthError::Malformed("basic credentials are not UTF-8".into()))?;
        let (_, password) = text
            .split_once(':')
            .ok_or_else(|| AuthError::Malformed("basic credentials without a password".into()))?;
        if password.is_empty() {
            return Err(AuthError::Malformed("empty password".into()));
        }
        return Ok(Some(password.to_string()));
    }
    Err(AuthError::Malformed(format!(
        "unsupported authorization scheme '{scheme}'"
    )))
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(header) = parts.headers.get(axum::http::header::AUTHORIZATION) else {
            return Ok(Caller::Anonymous);
        };
        let header = header
            .to_str()
            .map_err(|_| ApiError::unauthorized("the Authorization header is not text"))?;
        let token = token_from_header(header)
            .map_err(|e| ApiError::unauthorized(e.to_string()))?
            .ok_or_else(|| ApiError::unauthorized("no token in the Authorization header"))?;
        let Some(authenticator) = &state.auth else {
            return Err(ApiError::unauthorized(
                "this server accepts no tokens (no identity provider is configured)",
            ));
        };
        let identity = authenticator.validate(&token).await.map_err(|error| {
            tracing::info!(%error, "token refused");
            match error {
                AuthError::Unavailable(message) => ApiError::unavailable(message),
                other => ApiError::unauthorized(other.to_string()),
            }
        })?;
        let record = UserRecord {
            id: identity.id.clone(),
            username: Some(identity.username.clone()),
            email: identity.email.clone(),
            name: identity.name.clone(),
        };
        // Remembering users lets owners add members by user name; a failure here must not
        // refuse an otherwise valid request. Only a new or changed user (or one not written
        // for an hour) costs a write: most requests skip the database entirely.
        let now = Instant::now();
        if state.seen_users.needs_recording(&record, now) {
            let store = state.store.clone();
            let seen = state.seen_users.clone();
            if let Err(error) = tokio::task::spawn_blocking(move || {
                seen.record_with(&record, now, |r| store.record_user(r))
            })
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| r.map_err(|e| e.to_string()))
            {
                tracing::warn!(%error, "could not record the user");
            }
        }
        Ok(Caller::User(identity))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_from_headers() {
        assert_eq!(
            token_from_header("Bearer abc").expect("ok").as_deref(),
            Some("abc")
        );
        assert_eq!(
            token_from_header("bearer  abc ").expect("ok").as_deref(),
            Some("abc")
        );
        let basic = base64::engine::general_purpose::STANDARD.encode("oauth2:tok:en");
        assert_eq!(
            token_from_header(&format!("Basic {basic}"))
                .expect("ok")
                .as_deref(),
            Some("tok:en")
        );
        assert!(token_from_header("Bearer").is_err());
        assert!(token_from_header("Basic !!!").is_err());
        let no_password = base64::engine::general_purpose::STANDARD.encode("user");
        assert!(token_from_header(&format!("Basic {no_password}")).is_err());
        assert!(token_from_header("Digest x").is_err());
    }
}
