//! Finding a deployment's identity provider.
//!
//! A renku-server answers `GET <endpoint>/api/auth/config` with
//!
//! ```json
//! {"issuer": "https://renku.example.org/auth/realms/Renku",
//!  "client_id": "renku-cli",
//!  "device_authorization_endpoint": "https://…/protocol/openid-connect/auth/device",
//!  "token_endpoint": "https://…/protocol/openid-connect/token"}
//! ```
//!
//! (`token_endpoint`, and even `device_authorization_endpoint`, may be left out: they are then
//! read from the issuer's `/.well-known/openid-configuration`). A deployment that does not
//! know this path (HTTP 404, or an HTML page from a web UI's catch-all route) is taken to be
//! a classic Renku deployment: Keycloak's realm `Renku` under `/auth`, client `renku-cli`,
//! the layout renku-python hard-codes.

use serde::{Deserialize, Serialize};

use super::endpoint::Endpoint;
use super::http::Http;
use super::{PlatformError, Result};

/// Path of the discovery document on a renku-server.
pub const AUTH_CONFIG_PATH: &str = "/api/auth/config";
/// The Keycloak realm of a classic Renku deployment.
pub const KEYCLOAK_REALM_PATH: &str = "/auth/realms/Renku";
/// The OAuth client the command-line interface logs in as.
pub const DEFAULT_CLIENT_ID: &str = "renku-cli";

/// Where and as whom to run the device authorization grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthConfig {
    /// The identity provider's issuer URL.
    pub issuer: String,
    /// The public client to log in as.
    pub client_id: String,
    /// The RFC 8628 device authorization endpoint.
    pub device_authorization_endpoint: String,
    /// The token endpoint that is polled.
    pub token_endpoint: String,
    /// How the configuration was found.
    #[serde(skip)]
    pub source: ConfigSource,
}

/// How an [`AuthConfig`] was found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ConfigSource {
    /// From the server's `/api/auth/config`.
    #[default]
    Discovered,
    /// Keycloak's layout, assumed because the server does not serve `/api/auth/config`.
    KeycloakLayout,
}

/// The discovery document as served (optional fields are completed from the issuer).
#[derive(Debug, Deserialize)]
struct Served {
    issuer: String,
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    device_authorization_endpoint: Option<String>,
    #[serde(default)]
    token_endpoint: Option<String>,
}

/// The parts of OpenID Connect discovery metadata that are used.
#[derive(Debug, Deserialize)]
struct OidcMetadata {
    #[serde(default)]
    device_authorization_endpoint: Option<String>,
    #[serde(default)]
    token_endpoint: Option<String>,
}

/// Finds the identity provider of `endpoint` (see the module documentation).
pub fn discover(endpoint: &Endpoint) -> Result<AuthConfig> {
    discover_with(&Http::from_env()?, endpoint)
}

pub(crate) fn discover_with(http: &Http, endpoint: &Endpoint) -> Result<AuthConfig> {
    let url = endpoint.url(AUTH_CONFIG_PATH);
    let answer = http.get(&url)?;
    match answer.status {
        200 if answer.is_json() => {
            let served: Served = answer.json()?;
            complete(http, &url, served)
        }
        // A web UI answering every path with its index page: not a renku-server.
        200 if answer.content_type == "text/html" => Ok(keycloak_layout(endpoint)),
        200 => Err(PlatformError::InvalidResponse {
            url,
            detail: format!(
                "expected a JSON document, got content type '{}'",
                answer.content_type
            ),
        }),
        404 | 405 | 410 => Ok(keycloak_layout(endpoint)),
        _ => Err(answer.status_error()),
    }
}

/// The layout of a classic deployment: Keycloak's realm `Renku` on the endpoint.
pub fn keycloak_layout(endpoint: &Endpoint) -> AuthConfig {
    let issuer = endpoint.url(KEYCLOAK_REALM_PATH);
    AuthConfig {
        device_authorization_endpoint: format!("{issuer}/protocol/openid-connect/auth/device"),
        token_endpoint: format!("{issuer}/protocol/openid-connect/token"),
        issuer,
        client_id: DEFAULT_CLIENT_ID.to_string(),
        source: ConfigSource::KeycloakLayout,
    }
}

fn complete(http: &Http, url: &str, served: Served) -> Result<AuthConfig> {
    let invalid = |detail: String| PlatformError::InvalidResponse {
        url: url.to_string(),
        detail,
    };
    check_url(&served.issuer).map_err(|d| invalid(format!("bad issuer: {d}")))?;
    let client_id = served
        .client_id
        .filter(|c| !c.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_CLIENT_ID.to_string());
    let (device, token) = match (served.device_authorization_endpoint, served.token_endpoint) {
        (Some(d), Some(t)) => (d, t),
        (device, token) => {
            let meta = issuer_metadata(http, &served.issuer)?;
            let device = device
                .or(meta.device_authorization_endpoint)
                .ok_or_else(|| {
                    invalid(
                        "neither it nor the issuer names a device authorization endpoint".into(),
                    )
                })?;
            let token = token.or(meta.token_endpoint).ok_or_else(|| {
                invalid("neither it nor the issuer names a token endpoint".into())
            })?;
            (device, token)
        }
    };
    check_url(&device).map_err(|d| invalid(format!("bad device_authorization_endpoint: {d}")))?;
    check_url(&token).map_err(|d| invalid(format!("bad token_endpoint: {d}")))?;
    Ok(AuthConfig {
        issuer: served.issuer,
        client_id,
        device_authorization_endpoint: device,
        token_endpoint: token,
        source: ConfigSource::Discovered,
    })
}

fn issuer_metadata(http: &Http, issuer: &str) -> Result<OidcMetadata> {
    let url = format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    );
    let answer = http.get(&url)?;
    if answer.status != 200 {
        return Err(answer.status_error());
    }
    answer.json()
}

fn check_url(url: &str) -> std::result::Result<(), String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("'{url}' ({e})"))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(format!("'{url}' is not an http(s) URL"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keycloak_layout_is_renku_pythons() {
        let e = Endpoint::parse("renku.example.org").unwrap();
        let c = keycloak_layout(&e);
        assert_eq!(c.issuer, "https://renku.example.org/auth/realms/Renku");
        assert_eq!(
            c.device_authorization_endpoint,
            "https://renku.example.org/auth/realms/Renku/protocol/openid-connect/auth/device"
        );
        assert_eq!(
            c.token_endpoint,
            "https://renku.example.org/auth/realms/Renku/protocol/openid-connect/token"
        );
        assert_eq!(c.client_id, "renku-cli");
        assert_eq!(c.source, ConfigSource::KeycloakLayout);
    }

    #[test]
    fn served_documents_need_http_urls() {
        assert!(check_url("https://x.org/t").is_ok());
        assert!(check_url("ftp://x.org/t").is_err());
        assert!(check_url("/relative").is_err());
    }

    /// A server answering `routes` (path → status, content type, body).
    fn serve(routes: Vec<(&'static str, u16, &'static str, String)>) -> String {
        let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
        let port = server.server_addr().to_ip().unwrap().port();
        let base = format!("http://127.0.0.1:{port}");
        std::thread::spawn(move || {
            for request in server.incoming_requests() {
                let found = routes.iter().find(|(p, ..)| *p == request.url());
                let (status, ctype, body) = match found {
                    Some((_, s, c, b)) => (*s, *c, b.clone()),
                    None => (404, "application/json", "{}".to_string()),
                };
                let header = tiny_http::Header::from_bytes("Content-Type", ctype).unwrap();
                let _ = request.respond(
                    tiny_http::Response::from_string(body)
                        .with_status_code(status)
                        .with_header(header),
                );
            }
        });
        base
    }

    fn http() -> Http {
        Http::new(std::time::Duration::from_secs(5), "test").unwrap()
    }

    #[test]
    fn servers_without_the_document_are_classic_deployments() {
        let base = serve(vec![]);
        let e = Endpoint::parse(&base).unwrap();
        let c = discover_with(&http(), &e).unwrap();
        assert_eq!(c.source, ConfigSource::KeycloakLayout);
        assert_eq!(c.issuer, format!("{base}/auth/realms/Renku"));
        // A web UI's index page for every path, too.
        let base = serve(vec![(
            "/api/auth/config",
            200,
            "text/html; charset=utf-8",
            "<html></html>".into(),
        )]);
        let c = discover_with(&http(), &Endpoint::parse(&base).unwrap()).unwrap();
        assert_eq!(c.source, ConfigSource::KeycloakLayout);
    }

    #[test]
    fn a_partial_document_is_completed_from_the_issuer() {
        let issuer_base = serve(vec![(
            "/idp/.well-known/openid-configuration",
            200,
            "application/json",
            r#"{"issuer":"x","device_authorization_endpoint":"https://idp.org/device","token_endpoint":"https://idp.org/token"}"#.into(),
        )]);
        let doc = format!(r#"{{"issuer":"{issuer_base}/idp","client_id":"cli"}}"#);
        let base = serve(vec![("/api/auth/config", 200, "application/json", doc)]);
        let c = discover_with(&http(), &Endpoint::parse(&base).unwrap()).unwrap();
        assert_eq!(c.source, ConfigSource::Discovered);
        assert_eq!(c.client_id, "cli");
        assert_eq!(c.device_authorization_endpoint, "https://idp.org/device");
        assert_eq!(c.token_endpoint, "https://idp.org/token");
    }

    #[test]
    fn broken_documents_are_errors() {
        let cases = [
            (200, "application/json", "{".to_string()),
            (200, "application/json", r#"{"client_id":"x"}"#.to_string()),
            (200, "application/json", r#"{"issuer":"https://i.org","device_authorization_endpoint":"nope","token_endpoint":"https://i.org/t"}"#.to_string()),
            (200, "text/csv", "a,b".to_string()),
            (500, "text/plain", "boom".to_string()),
            (401, "application/json", "{}".to_string()),
        ];
        for (status, ctype, body) in cases {
            let base = serve(vec![("/api/auth/config", status, ctype, body.clone())]);
            let err = discover_with(&http(), &Endpoint::parse(&base).unwrap()).unwrap_err();
            assert!(
                matches!(
                    err,
                    PlatformError::InvalidResponse { .. } | PlatformError::HttpStatus { .. }
                ),
                "{status} {body}: {err}"
            );
            assert!(err.to_string().contains("/api/auth/config"), "{err}");
        }
    }
}
