//! Zenodo: records read from `{zenodo}/api/records/<id>`.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use super::super::error::{RemoteError, Result};
use super::super::http::{HttpClient, JSON};
use super::super::model::{
    Checksum, ChecksumAlgorithm, ProviderKind, RemoteDataset, RemoteFile, RemoteMetadata,
};
use super::super::naming;
use super::super::settings::{ProviderSettings, ZENODO_SANDBOX_URL};
use crate::model::Person;

/// Whether `uri` is for Zenodo: it mentions `zenodo` (record URLs, `10.5281/zenodo.<id>`
/// DOIs) or starts with the configured Zenodo URL.
pub fn supports(uri: &str, settings: &ProviderSettings) -> bool {
    let base = settings.zenodo_url.trim_end_matches('/');
    uri.to_ascii_lowercase().contains("zenodo") || (!base.is_empty() && uri.starts_with(base))
}

/// The record id in a Zenodo URI: the last all-digit path segment of a URL, or the number
/// of a `10.5281/zenodo.<id>` DOI.
pub fn record_id(uri: &str) -> Option<String> {
    if let Some(doi) = super::extract_doi(uri) {
        let lower = doi.to_ascii_lowercase();
        let (_, id) = lower.rsplit_once("zenodo.")?;
        return (!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())).then(|| id.to_string());
    }
    record_id_of_url(uri)
}

/// The API server for `uri`: Zenodo's sandbox for sandbox URLs, else the configured URL.
pub fn api_base(uri: &str, settings: &ProviderSettings) -> String {
    if uri.to_ascii_lowercase().contains("sandbox.zenodo.org") {
        ZENODO_SANDBOX_URL.to_string()
    } else {
        settings.zenodo_url.trim_end_matches('/').to_string()
    }
}

/// The API URL of record `id`.
pub fn record_url(base: &str, id: &str) -> String {
    format!("{}/api/records/{id}", base.trim_end_matches('/'))
}

#[derive(Debug, Deserialize)]
struct Record {
    #[serde(default)]
    id: Option<Value>,
    #[serde(default)]
    doi: Option<String>,
    #[serde(default)]
    doi_url: Option<String>,
    #[serde(default)]
    metadata: Option<Metadata>,
    #[serde(default)]
    files: Option<Vec<FileEntry>>,
    #[serde(default)]
    links: BTreeMap<String, Value>,
}

#[derive(Debug, Deserialize)]
struct Metadata {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    doi: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    creators: Vec<Creator>,
    #[serde(default)]
    keywords: Vec<String>,
    #[serde(default)]
    license: Option<Value>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    publication_date: Option<String>,
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    relations: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct Creator {
    name: String,
    #[serde(default)]
    affiliation: Option<String>,
    #[serde(default)]
    orcid: Option<String>,
}

#[derive(Debug, Deserialize)]
struct FileEntry {
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    filename: Option<String>,
    #[serde(default)]
    size: Option<u64>,
    #[serde(default)]
    filesize: Option<u64>,
    #[serde(default)]
    checksum: Option<String>,
    #[serde(default)]
    mimetype: Option<String>,
    #[serde(default, rename = "type")]
    file_type: Option<String>,
    #[serde(default)]
    links: BTreeMap<String, Value>,
}

/// Reads the record `uri` names (a record URL or a Zenodo DOI).
pub fn fetch(client: &HttpClient, uri: &str, settings: &ProviderSettings) -> Result<RemoteDataset> {
    let id = match record_id(uri) {
        Some(id) => id,
        None if super::is_doi(uri) => {
            // A Zenodo DOI of another form: ask the resolver where it points.
            let doi = super::extract_doi(uri).unwrap_or_default();
            let resolved = super::doi::resolve(client, &doi, settings)?;
            record_id(&resolved.url).ok_or_else(|| RemoteError::InvalidUrl {
                url: resolved.url.clone(),
                detail: "no Zenodo record id in the URL".to_string(),
            })?
        }
        None => {
            return Err(RemoteError::InvalidUrl {
                url: uri.to_string(),
                detail: "no Zenodo record id in the URL".to_string(),
            });
        }
    };
    let url = record_url(&api_base(uri, settings), &id);
    let record: Record = match client.get_json(&url, JSON) {
        Err(RemoteError::HttpStatus {
            code: 404 | 410, ..
        }) => {
            return Err(RemoteError::RecordNotFound {
                provider: "Zenodo".to_string(),
                url,
            });
        }
        other => other?,
    };
    to_dataset(client, uri, &url, &id, record)
}

fn invalid(url: &str, detail: &str) -> RemoteError {
    RemoteError::InvalidResponse {
        url: url.to_string(),
        detail: detail.to_string(),
    }
}

fn link(links: &BTreeMap<String, Value>, name: &str) -> Option<String> {
    links.get(name).and_then(Value::as_str).map(str::to_string)
}

fn to_dataset(
    client: &HttpClient,
    uri: &str,
    url: &str,
    id: &str,
    record: Record,
) -> Result<RemoteDataset> {
    let meta = record
        .metadata
        .ok_or_else(|| invalid(url, "the record has no 'metadata'"))?;
    let name = meta
        .title
        .clone()
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| invalid(url, "the record has no title"))?;
    let record_id = match &record.id {
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) => s.clone(),
        _ => id.to_string(),
    };
    let creators = meta
        .creators
        .iter()
        .filter(|c| !c.name.trim().is_empty())
        .map(|c| {
            let mut p = Person::new(c.name.trim(), None, c.affiliation.clone());
            if let Some(orcid) = c.orcid.as_deref().filter(|o| !o.trim().is_empty()) {
                p.id = if orcid.starts_with("http") {
                    orcid.to_string()
                } else {
                    format!("https://orcid.org/{}", orcid.trim())
                };
            }
            p
        })
        .collect();
    let license = match &meta.license {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Object(o)) => o
            .get("id")
            .or_else(|| o.get("url"))
            .and_then(Value::as_str)
            .map(str::to_string),
        _ => None,
    };
    let doi = record.doi.clone().or(meta.doi.clone());
    let same_as = record
        .doi_url
        .clone()
        .or_else(|| doi.as_ref().map(|d| format!("https://doi.org/{d}")))
        .or_else(|| link(&record.links, "html"))
        .unwrap_or_else(|| uri.to_string());

    let mut files = Vec::new();
    for f in record.files.unwrap_or_default() {
        let key = f
            .key
            .clone()
            .or(f.filename.clone())
            .ok_or_else(|| invalid(url, "a file has no 'key'"))?;
        let path =
            naming::sanitize_relative_path(&key).ok_or_else(|| RemoteError::InvalidFileName {
                url: url.to_string(),
                name: key.clone(),
            })?;
        let file_url = link(&f.links, "self")
            .or_else(|| link(&f.links, "download"))
            .or_else(|| link(&f.links, "content"))
            .unwrap_or_else(|| format!("{url}/files/{}/content", crate::util::quote_path(&key)));
        let checksum = f
            .checksum
            .as_deref()
            .and_then(|c| Checksum::parse_prefixed(c, ChecksumAlgorithm::Md5));
        files.push(RemoteFile {
            url: file_url,
            path: Some(path),
            size: f.size.or(f.filesize),
            checksum,
            file_type: f.mimetype.or(f.file_type),
        });
    }
    if files.is_empty() {
        return Err(RemoteError::NoFiles {
            url: url.to_string(),
        });
    }

    let newer_version = newer_version(client, &record.links, meta.relations.as_ref(), &record_id);
    let version = meta.version.clone().filter(|v| !v.trim().is_empty());
    Ok(RemoteDataset {
        provider: ProviderKind::Zenodo,
        uri: uri.to_string(),
        metadata: RemoteMetadata {
            slug: naming::suggest_slug(&name, version.as_deref()),
            tag: version.as_deref().and_then(naming::tag_name),
            name,
            description: meta.description.filter(|d| !d.trim().is_empty()),
            creators,
            keywords: meta.keywords,
            license,
            version,
            date_published: meta.publication_date,
            in_language: meta.language,
            images: Vec::new(),
            same_as,
        },
        files,
        newer_version,
        renku: None,
    })
}

/// The URL of the latest version when this record is not it: Zenodo's version relation
/// says whether the record is the last one; otherwise `links.latest` is followed.
fn newer_version(
    client: &HttpClient,
    links: &BTreeMap<String, Value>,
    relations: Option<&Value>,
    record_id: &str,
) -> Option<String> {
    let is_last = relations
        .and_then(|r| r.get("version"))
        .and_then(Value::as_array)
        .and_then(|v| v.first())
        .and_then(|v| v.get("is_last"))
        .and_then(Value::as_bool);
    if is_last == Some(true) {
        return None;
    }
    let latest = link(links, "latest")?;
    match client.final_url(&latest) {
        Ok(final_url) => {
            let latest_id = record_id_of_url(&final_url)?;
            (latest_id != record_id).then_some(final_url)
        }
        Err(err) => {
            tracing::warn!(url = %latest, error = %err, "cannot check for a newer Zenodo version");
            None
        }
    }
}

fn record_id_of_url(url: &str) -> Option<String> {
    let url = reqwest::Url::parse(url).ok()?;
    url.path_segments()?
        .rfind(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_ids() {
        assert_eq!(
            record_id("https://zenodo.org/records/3352923").as_deref(),
            Some("3352923")
        );
        assert_eq!(
            record_id("https://zenodo.org/record/3352923/").as_deref(),
            Some("3352923")
        );
        assert_eq!(
            record_id("https://zenodo.org/api/records/12/files/x").as_deref(),
            Some("12")
        );
        assert_eq!(
            record_id("10.5281/zenodo.3352923").as_deref(),
            Some("3352923")
        );
        assert_eq!(record_id("doi:10.5281/ZENODO.77").as_deref(), Some("77"));
        assert_eq!(record_id("https://zenodo.org/communities/x"), None);
    }

    #[test]
    fn sandbox_and_configured_servers() {
        let mut s = ProviderSettings::default();
        assert_eq!(
            api_base("https://sandbox.zenodo.org/records/1", &s),
            ZENODO_SANDBOX_URL
        );
        assert_eq!(
            api_base("https://zenodo.org/records/1", &s),
            "https://zenodo.org"
        );
        s.zenodo_url = "http://127.0.0.1:9999/".to_string();
        assert!(supports("http://127.0.0.1:9999/records/5", &s));
        assert!(!supports("http://127.0.0.1:8888/records/5", &s));
        assert_eq!(
            api_base("http://127.0.0.1:9999/records/5", &s),
            "http://127.0.0.1:9999"
        );
    }
}
