//! DOIs: resolved through `{resolver}/<doi>` asking for CSL-JSON, whose `URL` says where the
//! record lives; [`super::resolve`] then hands that URL to the other providers.

use serde::Deserialize;
use serde_json::Value;

use super::super::error::{RemoteError, Result};
use super::super::http::{CSL_JSON, HttpClient, decode_json};
use super::super::settings::ProviderSettings;

/// What the DOI resolver said about a DOI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoiRecord {
    /// The DOI.
    pub doi: String,
    /// The URL the DOI points at (CSL-JSON `URL`).
    pub url: String,
    /// The record's title, if given.
    pub title: Option<String>,
    /// The record's version, if given.
    pub version: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Csl {
    #[serde(rename = "URL")]
    url: Option<String>,
    #[serde(rename = "DOI", default)]
    doi: Option<String>,
    #[serde(default)]
    title: Option<Value>,
    #[serde(default)]
    version: Option<Value>,
}

/// The resolver URL of `doi`.
pub fn doi_url(doi: &str, settings: &ProviderSettings) -> String {
    format!(
        "{}/{}",
        settings.doi_resolver.trim_end_matches('/'),
        doi.trim()
    )
}

/// Asks the DOI resolver for `doi` (a bare `10.…` DOI).
pub fn resolve(client: &HttpClient, doi: &str, settings: &ProviderSettings) -> Result<DoiRecord> {
    let url = doi_url(doi, settings);
    let response = client.send_get(&url, CSL_JSON, None)?;
    if matches!(response.status().as_u16(), 404 | 410) {
        return Err(RemoteError::RecordNotFound {
            provider: "DOI".to_string(),
            url,
        });
    }
    let response = super::super::http::check_status(&url, response)?;
    let csl: Csl = decode_json(&url, response)?;
    let target =
        csl.url
            .filter(|u| !u.trim().is_empty())
            .ok_or_else(|| RemoteError::InvalidResponse {
                url: url.clone(),
                detail: "the DOI metadata has no 'URL'".to_string(),
            })?;
    let text = |v: Option<Value>| match v {
        Some(Value::String(s)) => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::Array(a)) => a.first().and_then(Value::as_str).map(str::to_string),
        _ => None,
    };
    Ok(DoiRecord {
        doi: csl.doi.unwrap_or_else(|| doi.to_string()),
        url: target,
        title: text(csl.title),
        version: text(csl.version),
    })
}
