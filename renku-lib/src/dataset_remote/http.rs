//! The HTTP client the providers and downloads share, and the mapping of its failures onto
//! [`RemoteError`].

use reqwest::blocking::{Client, Response};
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue};
use serde::de::DeserializeOwned;

use super::error::{RemoteError, Result};
use super::settings::ProviderSettings;

/// `Accept` header for JSON APIs.
pub const JSON: &str = "application/json";
/// `Accept` header asking a DOI resolver for CSL-JSON.
pub const CSL_JSON: &str = "application/vnd.citationstyles.csl+json";

/// A blocking HTTP client configured from [`ProviderSettings`] (timeouts, user agent).
#[derive(Debug, Clone)]
pub struct HttpClient {
    client: Client,
}

impl HttpClient {
    /// Builds the client.
    pub fn new(settings: &ProviderSettings) -> Result<Self> {
        let client = Client::builder()
            .user_agent(settings.user_agent.clone())
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .build()
            .map_err(|e| RemoteError::Client {
                detail: e.to_string(),
            })?;
        Ok(HttpClient { client })
    }

    /// `GET url` with `Accept: accept` (and a bearer token when given); a response with an
    /// error status is an error. Redirects are followed.
    pub fn get(&self, url: &str, accept: &str, token: Option<&str>) -> Result<Response> {
        let response = self.send_get(url, accept, token)?;
        check_status(url, response)
    }

    /// `GET url` without turning error statuses into errors (the caller inspects them).
    pub fn send_get(&self, url: &str, accept: &str, token: Option<&str>) -> Result<Response> {
        let parsed = parse_http_url(url)?;
        let mut headers = HeaderMap::new();
        if let Ok(v) = HeaderValue::from_str(accept) {
            headers.insert(ACCEPT, v);
        }
        if let Some(token) = token
            && let Ok(v) = HeaderValue::from_str(&format!("Bearer {token}"))
        {
            headers.insert(AUTHORIZATION, v);
        }
        tracing::debug!(%url, "GET");
        self.client
            .get(parsed)
            .headers(headers)
            .send()
            .map_err(|e| network_error(url, &e))
    }

    /// `HEAD url` following redirects; returns the final URL.
    pub fn final_url(&self, url: &str) -> Result<String> {
        let parsed = parse_http_url(url)?;
        let response = self
            .client
            .head(parsed)
            .send()
            .map_err(|e| network_error(url, &e))?;
        let response = check_status(url, response)?;
        Ok(response.url().to_string())
    }

    /// `GET url` and decode the JSON body as `T`.
    pub fn get_json<T: DeserializeOwned>(&self, url: &str, accept: &str) -> Result<T> {
        self.get_json_with_token(url, accept, None)
    }

    /// `GET url` with an optional bearer token and decode the JSON body as `T`.
    pub fn get_json_with_token<T: DeserializeOwned>(
        &self,
        url: &str,
        accept: &str,
        token: Option<&str>,
    ) -> Result<T> {
        let response = self.get(url, accept, token)?;
        decode_json(url, response)
    }
}

/// Decodes a response body as JSON of type `T`; garbage and wrong shapes are
/// [`RemoteError::InvalidResponse`].
pub fn decode_json<T: DeserializeOwned>(url: &str, response: Response) -> Result<T> {
    let bytes = response.bytes().map_err(|e| network_error(url, &e))?;
    serde_json::from_slice(&bytes).map_err(|e| RemoteError::InvalidResponse {
        url: url.to_string(),
        detail: format!("not the expected JSON ({e})"),
    })
}

/// Turns an error status into [`RemoteError::HttpStatus`].
pub fn check_status(url: &str, response: Response) -> Result<Response> {
    let status = response.status();
    if status.is_success() {
        Ok(response)
    } else {
        Err(RemoteError::HttpStatus {
            url: url.to_string(),
            status: status.to_string(),
            code: status.as_u16(),
        })
    }
}

/// Parses an http(s) URL.
pub fn parse_http_url(url: &str) -> Result<reqwest::Url> {
    let parsed = reqwest::Url::parse(url).map_err(|e| RemoteError::InvalidUrl {
        url: url.to_string(),
        detail: e.to_string(),
    })?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(RemoteError::InvalidUrl {
            url: url.to_string(),
            detail: "only http and https URLs with a host can be fetched".to_string(),
        });
    }
    Ok(parsed)
}

/// A transport failure, with the whole error chain in the message.
pub fn network_error(url: &str, err: &reqwest::Error) -> RemoteError {
    RemoteError::Network {
        url: url.to_string(),
        detail: crate::util::error_chain(err),
    }
}

/// `host[:port]` of a URL (the key tokens are stored under).
pub fn host_port(url: &reqwest::Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => String::new(),
    }
}

/// `scheme://host[:port]` of a URL.
pub fn origin(url: &reqwest::Url) -> String {
    url.origin().ascii_serialization()
}
