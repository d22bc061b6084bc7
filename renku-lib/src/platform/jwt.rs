//! Reading the claims of a JWT access token without verifying it (as renku-python does to
//! check `exp`): the server verifies tokens; the client only wants to say whose token it
//! holds and until when it is valid.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

/// The claims of an access token renku looks at.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Claims {
    /// The subject (account id).
    #[serde(default)]
    pub sub: Option<String>,
    /// The user name.
    #[serde(default)]
    pub preferred_username: Option<String>,
    /// The user's full name.
    #[serde(default)]
    pub name: Option<String>,
    /// The user's e-mail address.
    #[serde(default)]
    pub email: Option<String>,
    /// Expiry, seconds since the Unix epoch.
    #[serde(default)]
    pub exp: Option<i64>,
    /// The issuer.
    #[serde(default)]
    pub iss: Option<String>,
}

impl Claims {
    /// Who the token is for: the user name, else the subject.
    pub fn user(&self) -> Option<&str> {
        self.preferred_username
            .as_deref()
            .or(self.sub.as_deref())
            .filter(|u| !u.is_empty())
    }

    /// Whether the token expired at `now` (seconds since the epoch).
    pub fn expired_at(&self, now: i64) -> bool {
        self.exp.is_some_and(|exp| exp <= now)
    }
}

/// The claims of `token` when it is a JWT (`header.payload.signature` with a JSON object as
/// payload); `None` for opaque tokens.
pub fn decode_claims(token: &str) -> Option<Claims> {
    let mut parts = token.trim().split('.');
    let (_header, payload, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(payload: &str) -> String {
        format!(
            "{}.{}.sig",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256"}"#),
            URL_SAFE_NO_PAD.encode(payload)
        )
    }

    #[test]
    fn claims_of_a_jwt_are_read() {
        let c = decode_claims(&jwt(
            r#"{"sub":"u1","preferred_username":"alice","exp":100,"realm_access":{"roles":[]}}"#,
        ))
        .unwrap();
        assert_eq!(c.user(), Some("alice"));
        assert!(c.expired_at(100));
        assert!(!c.expired_at(99));
        let c = decode_claims(&jwt(r#"{"sub":"u1"}"#)).unwrap();
        assert_eq!(c.user(), Some("u1"));
    }

    #[test]
    fn opaque_tokens_have_no_claims() {
        assert_eq!(decode_claims("opaque-token"), None);
        assert_eq!(decode_claims("a.b"), None);
        assert_eq!(decode_claims("a.!!!.c"), None);
        assert_eq!(decode_claims(&jwt("[1,2]")), None);
        assert_eq!(decode_claims("a.b.c.d"), None);
    }
}
