//! The blocking HTTP client of the platform modules: timeouts and user agent from
//! [`crate::dataset_remote::ProviderSettings::from_env`], answers read whole (they are small).

use std::time::Duration;

use reqwest::blocking::Client;
use reqwest::header::{ACCEPT, CONTENT_TYPE};

use super::{PlatformError, Result};

/// Answers larger than this are cut (discovery documents and token responses are tiny).
const MAX_BODY: usize = 1 << 20;

/// A response read into memory.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    /// The URL requested.
    pub url: String,
    /// HTTP status code.
    pub status: u16,
    /// Status line text (`404 Not Found`).
    pub status_text: String,
    /// The `Content-Type` header, lower-cased, without parameters.
    pub content_type: String,
    /// The body.
    pub body: Vec<u8>,
}

impl Answer {
    /// Whether the body claims to be JSON (`application/json`, `…+json`).
    pub fn is_json(&self) -> bool {
        self.content_type == "application/json" || self.content_type.ends_with("+json")
    }

    /// Decodes the body as `T`.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|e| PlatformError::InvalidResponse {
            url: self.url.clone(),
            detail: format!("not the expected JSON ({e})"),
        })
    }

    /// An [`PlatformError::HttpStatus`] for this answer.
    pub fn status_error(&self) -> PlatformError {
        let text = String::from_utf8_lossy(&self.body);
        let body: String = text.chars().take(300).collect();
        PlatformError::HttpStatus {
            url: self.url.clone(),
            status: self.status_text.clone(),
            body: if self.is_json() || self.content_type.starts_with("text/plain") {
                body
            } else {
                String::new()
            },
        }
    }
}

/// The platform's HTTP client.
#[derive(Debug, Clone)]
pub(crate) struct Http {
    client: Client,
}

impl Http {
    /// A client with `timeout` per connection and request, sending `user_agent`.
    pub fn new(timeout: Duration, user_agent: &str) -> Result<Http> {
        let client = Client::builder()
            .user_agent(user_agent.to_string())
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()
            .map_err(|e| PlatformError::Client(e.to_string()))?;
        Ok(Http { client })
    }

    /// A client configured from the environment (`RENKU_HTTP_TIMEOUT`).
    pub fn from_env() -> Result<Http> {
        let settings = crate::dataset_remote::ProviderSettings::from_env();
        Http::new(settings.timeout, &settings.user_agent)
    }

    /// `GET url` asking for JSON.
    pub fn get(&self, url: &str) -> Result<Answer> {
        tracing::debug!(%url, "GET");
        let request = self.client.get(url).header(ACCEPT, "application/json");
        read(url, request.send())
    }

    /// `POST url` with a form-encoded body.
    pub fn post_form(&self, url: &str, form: &[(&str, &str)]) -> Result<Answer> {
        tracing::debug!(%url, "POST");
        let request = self
            .client
            .post(url)
            .header(ACCEPT, "application/json")
            .form(form);
        read(url, request.send())
    }
}

fn read(
    url: &str,
    sent: std::result::Result<reqwest::blocking::Response, reqwest::Error>,
) -> Result<Answer> {
    use std::io::Read;
    let response = sent.map_err(|e| network_error(url, &e))?;
    let status = response.status();
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    let mut body = Vec::new();
    response
        .take(MAX_BODY as u64)
        .read_to_end(&mut body)
        .map_err(|e| PlatformError::Network {
            url: url.to_string(),
            detail: format!("reading the answer failed: {e}"),
        })?;
    Ok(Answer {
        url: url.to_string(),
        status: status.as_u16(),
        status_text: status.to_string(),
        content_type,
        body,
    })
}

/// A transport failure with its whole error chain.
fn network_error(url: &str, err: &reqwest::Error) -> PlatformError {
    PlatformError::Network {
        url: url.to_string(),
        detail: crate::util::error_chain(err),
    }
}
