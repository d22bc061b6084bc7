//! Export to Zenodo through its REST deposit API (developers.zenodo.org).
//!
//! Steps: create an empty draft deposition (`POST /api/deposit/depositions`), set its
//! metadata (`PUT /api/deposit/depositions/<id>`, before any upload so that a rejected field
//! costs no transfer), stream each file into the deposition's bucket
//! (`PUT <links.bucket>/<name>`), and with `publish` publish it
//! (`POST <links.publish>`). Requests authenticate with `Authorization: Bearer <token>`.
//! When a step after the creation fails, the draft is deleted (`DELETE <links.self>`).

use std::sync::Arc;

use reqwest::Method;
use serde_json::{Map, Value, json};

use super::error::ExportError;
use super::http::{Api, Auth, JsonResponse, Upload, encode_segment, join, normalize_base_url};
use super::{ExportMetadata, ExportProgress, ExportRequest, Exported};
use crate::Result;

/// The public Zenodo server.
pub const DEFAULT_URL: &str = crate::dataset_remote::settings::DEFAULT_ZENODO_URL;
/// Zenodo's sandbox server, for trying exports out (its tokens are separate).
pub const SANDBOX_URL: &str = crate::dataset_remote::settings::ZENODO_SANDBOX_URL;
/// The environment variable that overrides the Zenodo server (`RENKU_ZENODO_URL`, the one
/// `dataset import` reads).
pub const URL_ENV: &str = crate::dataset_remote::settings::ZENODO_URL_ENV;

const PROVIDER: &str = "Zenodo";

/// The Zenodo server to use: `RENKU_ZENODO_URL` when set, else [`DEFAULT_URL`].
pub fn default_base_url() -> Result<String> {
    match std::env::var(URL_ENV) {
        Ok(url) if !url.trim().is_empty() => normalize_base_url(PROVIDER, &url),
        _ => Ok(DEFAULT_URL.to_string()),
    }
}

/// Where a user creates an access token on the server at `base_url`.
pub fn token_url(base_url: &str) -> String {
    join(base_url, "/account/settings/applications/tokens/new/")
}

/// A client of one Zenodo server with one access token.
#[derive(Debug, Clone)]
pub struct ZenodoClient {
    api: Api,
    base: String,
}

/// The parts of a deposition resource the export uses.
#[derive(Debug, Clone)]
struct Deposition {
    /// `links.self`: the API URL of the deposition.
    api_url: String,
    /// `links.html`: the page of the draft.
    html_url: String,
    /// `links.bucket`: where files are put.
    bucket: String,
    /// `links.publish`.
    publish_url: String,
    /// The DOI reserved for the draft.
    reserved_doi: Option<String>,
}

impl ZenodoClient {
    /// A client for the server at `base_url` (e.g. [`DEFAULT_URL`]) using `token`.
    pub fn new(base_url: &str, token: &str) -> Result<Self> {
        let base = normalize_base_url(PROVIDER, base_url)?;
        Ok(ZenodoClient {
            api: Api::new(PROVIDER, Auth::Bearer(token.to_string()), true)?,
            base,
        })
    }

    /// Makes the deposit described by `request`; see the module documentation.
    pub fn export(
        &self,
        request: &ExportRequest,
        progress: Arc<dyn ExportProgress>,
    ) -> Result<Exported> {
        let deposition = self.create()?;
        tracing::info!("created the Zenodo draft {}", deposition.html_url);
        match self.fill(&deposition, request, progress) {
            Ok(exported) => Ok(exported),
            Err(err) => Err(self.abandon(&deposition, err)),
        }
    }

    fn create(&self) -> Result<Deposition> {
        let url = join(&self.base, "/api/deposit/depositions");
        let response = self.api.json(Method::POST, &url, &[], Some(&json!({})))?;
        self.parse_deposition(&url, &response)
    }

    fn parse_deposition(&self, url: &str, response: &JsonResponse) -> Result<Deposition> {
        let body = &response.body;
        let id = match body.get("id") {
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            _ => return Err(self.api.bad_response(url, "the deposition has no 'id'")),
        };
        let link = |name: &str| {
            body.pointer(&format!("/links/{name}"))
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let api_url = link("self")
            .unwrap_or_else(|| join(&self.base, &format!("/api/deposit/depositions/{id}")));
        let html_url = link("html").unwrap_or_else(|| join(&self.base, &format!("/deposit/{id}")));
        let publish_url = link("publish").unwrap_or_else(|| format!("{api_url}/actions/publish"));
        let reserved_doi = body
            .pointer("/metadata/prereserve_doi/doi")
            .and_then(Value::as_str)
            .map(str::to_string);
        let Some(bucket) = link("bucket") else {
            // The draft exists; make sure it is cleaned up.
            let deposition = Deposition {
                api_url,
                html_url,
                bucket: String::new(),
                publish_url,
                reserved_doi,
            };
            let err = self.api.bad_response(
                url,
                "the deposition has no 'links.bucket' to upload files to",
            );
            return Err(self.abandon(&deposition, err));
        };
        Ok(Deposition {
            api_url,
            html_url,
            bucket,
            publish_url,
            reserved_doi,
        })
    }

    fn fill(
        &self,
        deposition: &Deposition,
        request: &ExportRequest,
        progress: Arc<dyn ExportProgress>,
    ) -> Result<Exported> {
        let metadata = json!({ "metadata": deposition_metadata(&request.metadata) });
        self.api
            .json(Method::PUT, &deposition.api_url, &[], Some(&metadata))?;
        for file in &request.files {
            crate::interrupt::check()?;
            let key = file
                .name
                .split('/')
                .filter(|s| !s.is_empty())
                .map(encode_segment)
                .collect::<Vec<_>>()
                .join("/");
            let url = format!("{}/{}", deposition.bucket.trim_end_matches('/'), key);
            self.api.upload_raw(
                Method::PUT,
                &url,
                Upload {
                    name: file.name.clone(),
                    path: file.source.clone(),
                    progress: progress.clone(),
                },
            )?;
            progress.file_done(&file.name);
        }
        if !request.publish {
            return Ok(Exported {
                url: deposition.html_url.clone(),
                doi: deposition.reserved_doi.clone(),
                published: false,
            });
        }
        crate::interrupt::check()?;
        let response = self
            .api
            .json(Method::POST, &deposition.publish_url, &[], None)?;
        let body = &response.body;
        let text = |pointer: &str| {
            body.pointer(pointer)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let url = text("/links/record_html")
            .or_else(|| text("/record_url"))
            .or_else(|| text("/links/latest_html"))
            .or_else(|| text("/doi_url"))
            .or_else(|| text("/links/html"))
            .unwrap_or_else(|| deposition.html_url.clone());
        let doi = text("/doi")
            .or_else(|| text("/metadata/doi"))
            .or_else(|| deposition.reserved_doi.clone());
        Ok(Exported {
            url,
            doi,
            published: true,
        })
    }

    /// Deletes the draft after `err`; returns the error to report.
    fn abandon(&self, deposition: &Deposition, err: crate::Error) -> crate::Error {
        let deleted = match self
            .api
            .json(Method::DELETE, &deposition.api_url, &[], None)
        {
            Ok(_) => true,
            Err(e) => {
                tracing::warn!("cannot delete the Zenodo draft {}: {e}", deposition.api_url);
                false
            }
        };
        ExportError::Incomplete {
            draft_url: deposition.html_url.clone(),
            deleted,
            source: Box::new(err),
        }
        .into()
    }
}

/// The deposition metadata Zenodo receives for `meta` (the `metadata` object of
/// `PUT /api/deposit/depositions/<id>`).
pub fn deposition_metadata(meta: &ExportMetadata) -> Value {
    let mut m = Map::new();
    m.insert("title".into(), json!(meta.name));
    m.insert("upload_type".into(), json!("dataset"));
    // Zenodo requires a description and renders it as HTML.
    let description = meta
        .description
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .unwrap_or(&meta.name);
    m.insert("description".into(), json!(escape_html(description)));
    let creators: Vec<Value> = meta
        .creators
        .iter()
        .map(|p| {
            let mut c = Map::new();
            c.insert("name".into(), json!(p.name));
            if let Some(aff) = &p.affiliation {
                c.insert("affiliation".into(), json!(aff));
            }
            if let Some(orcid) = orcid(&p.id) {
                c.insert("orcid".into(), json!(orcid));
            }
            Value::Object(c)
        })
        .collect();
    m.insert("creators".into(), Value::Array(creators));
    if !meta.keywords.is_empty() {
        m.insert("keywords".into(), json!(meta.keywords));
    }
    if let Some(version) = meta.version.as_deref().filter(|v| !v.is_empty()) {
        m.insert("version".into(), json!(version));
    }
    if let Some(license) = meta.license.as_deref() {
        match license_id(license) {
            Some(id) => {
                m.insert("license".into(), json!(id));
            }
            None => tracing::warn!("the license '{license}' has no Zenodo identifier; not sent"),
        }
    }
    if let Some(date) = meta.publication_date() {
        m.insert(
            "publication_date".into(),
            json!(date.format("%Y-%m-%d").to_string()),
        );
    }
    Value::Object(m)
}

/// The ORCID iD in a person id such as `https://orcid.org/0000-0002-1694-233X`.
fn orcid(id: &str) -> Option<&str> {
    let rest = id.split_once("orcid.org/")?.1.trim_end_matches('/');
    let valid = rest.len() == 19
        && rest.split('-').count() == 4
        && rest
            .chars()
            .all(|c| c.is_ascii_digit() || c == '-' || c == 'X');
    valid.then_some(rest)
}

/// Zenodo's identifier for a license given as an identifier or a well-known URL
/// (Creative Commons, SPDX, opensource.org); `None` for other URLs.
pub fn license_id(license: &str) -> Option<String> {
    let l = license.trim();
    if l.is_empty() {
        return None;
    }
    let Some((_, rest)) = l.split_once("://") else {
        return Some(l.to_ascii_lowercase());
    };
    let rest = rest.trim_start_matches("www.").trim_end_matches('/');
    let mut parts = rest.split('/');
    let host = parts.next()?;
    let path: Vec<&str> = parts.filter(|p| !p.is_empty()).collect();
    match (host, path.as_slice()) {
        ("creativecommons.org", ["publicdomain", "zero", v, ..]) => Some(format!("cc0-{v}")),
        ("creativecommons.org", ["licenses", kind, v, ..]) => Some(format!("cc-{kind}-{v}")),
        ("spdx.org", ["licenses", id, ..]) | ("opensource.org", ["licenses", id, ..]) => Some(
            id.trim_end_matches(".html")
                .trim_end_matches(".php")
                .to_ascii_lowercase(),
        ),
        _ => None,
    }
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::person::Person;

    #[test]
    fn metadata_maps_the_dataset_fields() {
        let mut orcid_person = Person::new("Doe, Jane", None, None);
        orcid_person.id = "https://orcid.org/0000-0002-1694-233X".into();
        let meta = ExportMetadata {
            name: "My data".into(),
            description: Some("a < b & c".into()),
            creators: vec![
                Person::new("John Doe", Some("j@x.org".into()), Some("SDSC".into())),
                orcid_person,
            ],
            keywords: vec!["k1".into(), "k2".into()],
            version: Some("v1".into()),
            license: Some("https://creativecommons.org/licenses/by/4.0/".into()),
            date_published: None,
            date_created: chrono::DateTime::parse_from_rfc3339("2024-03-05T10:00:00+01:00").ok(),
        };
        assert_eq!(
            deposition_metadata(&meta),
            json!({
                "title": "My data",
                "upload_type": "dataset",
                "description": "a &lt; b &amp; c",
                "creators": [
                    {"name": "John Doe", "affiliation": "SDSC"},
                    {"name": "Doe, Jane", "orcid": "0000-0002-1694-233X"}
                ],
                "keywords": ["k1", "k2"],
                "version": "v1",
                "license": "cc-by-4.0",
                "publication_date": "2024-03-05"
            })
        );
    }

    #[test]
    fn minimal_metadata_uses_the_title_as_description() {
        let meta = ExportMetadata {
            name: "T".into(),
            ..Default::default()
        };
        assert_eq!(
            deposition_metadata(&meta),
            json!({"title": "T", "upload_type": "dataset", "description": "T", "creators": []})
        );
    }

    #[test]
    fn licenses_map_to_zenodo_ids() {
        assert_eq!(license_id("CC-BY-4.0").as_deref(), Some("cc-by-4.0"));
        assert_eq!(
            license_id("https://creativecommons.org/publicdomain/zero/1.0/").as_deref(),
            Some("cc0-1.0")
        );
        assert_eq!(
            license_id("http://www.creativecommons.org/licenses/by-sa/4.0/legalcode").as_deref(),
            Some("cc-by-sa-4.0")
        );
        assert_eq!(
            license_id("https://spdx.org/licenses/MIT.html").as_deref(),
            Some("mit")
        );
        assert_eq!(license_id("https://example.org/my-license"), None);
        assert_eq!(license_id(" "), None);
    }
}
