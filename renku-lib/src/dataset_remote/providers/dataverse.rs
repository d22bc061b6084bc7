//! Dataverse: a server is recognised by `<server>/api/v1/info/version`; a dataset's
//! metadata comes from its schema.org export
//! (`api/v1/datasets/export?exporter=schema.org&persistentId=…`), its version and file
//! checksums from `api/v1/datasets/:persistentId/versions`, and files are downloaded from
//! `api/v1/access/datafile/:persistentId/?persistentId=…`.

use serde::Deserialize;
use serde_json::Value;

use super::super::error::{RemoteError, Result};
use super::super::http::{HttpClient, JSON, decode_json, origin, parse_http_url};
use super::super::model::{
    Checksum, ChecksumAlgorithm, ProviderKind, RemoteDataset, RemoteFile, RemoteMetadata,
};
use super::super::naming;
use crate::model::Person;

/// The version-info URL of the server of `url`.
pub fn version_url(url: &str) -> Result<String> {
    Ok(format!(
        "{}/api/v1/info/version",
        origin(&parse_http_url(url)?)
    ))
}

/// Whether the server of `url` is a Dataverse installation: its `api/v1/info/version`
/// answers 200 with `{"status": …, "data": {"version": …}}`. Only a transport failure is
/// an error; any other answer means "no".
pub fn detect(client: &HttpClient, url: &str) -> Result<bool> {
    let version_url = version_url(url)?;
    let response = client.send_get(&version_url, JSON, None)?;
    if response.status().as_u16() != 200 {
        return Ok(false);
    }
    let Ok(body) = decode_json::<Value>(&version_url, response) else {
        return Ok(false);
    };
    Ok(body.get("status").is_some() && body.get("data").and_then(|d| d.get("version")).is_some())
}

/// The export URL of dataset `persistent_id` on `base`.
pub fn export_url(base: &str, persistent_id: &str) -> Result<String> {
    with_query(
        &format!("{base}/api/v1/datasets/export"),
        &[("exporter", "schema.org"), ("persistentId", persistent_id)],
    )
}

/// The versions URL of dataset `persistent_id` on `base`.
pub fn versions_url(base: &str, persistent_id: &str) -> Result<String> {
    with_query(
        &format!("{base}/api/v1/datasets/:persistentId/versions"),
        &[("persistentId", persistent_id)],
    )
}

/// The download URL of file `persistent_id` on `base`.
pub fn file_url(base: &str, persistent_id: &str) -> Result<String> {
    with_query(
        &format!("{base}/api/v1/access/datafile/:persistentId/"),
        &[("persistentId", persistent_id)],
    )
}

fn with_query(url: &str, params: &[(&str, &str)]) -> Result<String> {
    reqwest::Url::parse_with_params(url, params)
        .map(|u| u.to_string())
        .map_err(|e| RemoteError::InvalidUrl {
            url: url.to_string(),
            detail: e.to_string(),
        })
}

/// The `persistentId` query parameter of a Dataverse dataset URL.
pub fn persistent_id(url: &str) -> Option<String> {
    let parsed = reqwest::Url::parse(url).ok()?;
    parsed
        .query_pairs()
        .find(|(k, _)| k == "persistentId")
        .map(|(_, v)| v.into_owned())
        .filter(|v| !v.is_empty())
}

#[derive(Debug, Deserialize)]
struct Export {
    #[serde(default)]
    identifier: Option<Value>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    headline: Option<String>,
    #[serde(default)]
    description: Option<Value>,
    #[serde(default)]
    creator: Option<Vec<Value>>,
    #[serde(default)]
    author: Option<Vec<Value>>,
    #[serde(default)]
    keywords: Option<Value>,
    #[serde(default)]
    license: Option<Value>,
    #[serde(default)]
    version: Option<Value>,
    #[serde(rename = "datePublished", default)]
    date_published: Option<String>,
    #[serde(rename = "inLanguage", default)]
    in_language: Option<Value>,
    #[serde(default)]
    image: Option<Value>,
    #[serde(default)]
    distribution: Vec<Distribution>,
}

#[derive(Debug, Deserialize)]
struct Distribution {
    #[serde(default)]
    name: Option<String>,
    #[serde(rename = "contentSize", default)]
    content_size: Option<u64>,
    #[serde(rename = "fileFormat", default)]
    file_format: Option<String>,
    #[serde(rename = "encodingFormat", default)]
    encoding_format: Option<String>,
    #[serde(rename = "contentUrl", default)]
    content_url: Option<String>,
    #[serde(default)]
    identifier: Option<String>,
    #[serde(rename = "@id", default)]
    id: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Versions {
    data: Vec<Version>,
}

#[derive(Debug, Deserialize)]
struct Version {
    #[serde(rename = "versionNumber", default)]
    major: Option<u64>,
    #[serde(rename = "versionMinorNumber", default)]
    minor: Option<u64>,
    #[serde(default)]
    files: Vec<VersionFile>,
}

#[derive(Debug, Deserialize)]
struct VersionFile {
    #[serde(default)]
    label: Option<String>,
    #[serde(rename = "directoryLabel", default)]
    directory_label: Option<String>,
    #[serde(rename = "dataFile")]
    data_file: DataFile,
}

#[derive(Debug, Deserialize)]
struct DataFile {
    #[serde(default)]
    id: Option<u64>,
    #[serde(rename = "persistentId", default)]
    persistent_id: Option<String>,
    #[serde(default)]
    filename: Option<String>,
    #[serde(default)]
    filesize: Option<u64>,
    #[serde(default)]
    md5: Option<String>,
    #[serde(default)]
    checksum: Option<Value>,
}

/// Reads the dataset at `url` (a dataset page with `persistentId`, or what the DOI `doi`
/// resolved to). `uri` is what the user gave.
pub fn fetch(
    client: &HttpClient,
    uri: &str,
    url: &str,
    doi: Option<&str>,
) -> Result<RemoteDataset> {
    let base = origin(&parse_http_url(url)?);
    let pid = persistent_id(url)
        .or_else(|| doi.map(|d| format!("doi:{d}")))
        .ok_or_else(|| RemoteError::InvalidUrl {
            url: url.to_string(),
            detail: "a Dataverse dataset URL needs a 'persistentId' parameter".to_string(),
        })?;
    let export_url = export_url(&base, &pid)?;
    let export: Export = match client.get_json(&export_url, JSON) {
        Err(RemoteError::HttpStatus { code: 404, .. }) => {
            return Err(RemoteError::RecordNotFound {
                provider: "Dataverse".to_string(),
                url: export_url,
            });
        }
        other => other?,
    };
    let versions_url = versions_url(&base, &pid)?;
    let latest = match client.get_json::<Versions>(&versions_url, JSON) {
        Ok(v) => v.data.into_iter().next(),
        Err(err) => {
            tracing::warn!(url = %versions_url, error = %err, "cannot read Dataverse versions");
            None
        }
    };
    to_dataset(uri, &base, &export_url, export, latest)
}

fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Object(o) => o
                    .get("name")
                    .or_else(|| o.get("text"))
                    .or_else(|| o.get("@value"))
                    .and_then(Value::as_str)
                    .map(str::to_string),
                _ => None,
            })
            .collect(),
        Some(Value::Object(o)) => o
            .get("name")
            .or_else(|| o.get("text"))
            .or_else(|| o.get("@value"))
            .and_then(Value::as_str)
            .map(|s| vec![s.to_string()])
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

fn person(value: &Value) -> Option<Person> {
    let obj = value.as_object()?;
    let name = obj.get("name").and_then(Value::as_str)?.trim();
    if name.is_empty() {
        return None;
    }
    let affiliation = strings(obj.get("affiliation")).into_iter().next();
    let email = obj.get("email").and_then(Value::as_str).map(str::to_string);
    let mut p = Person::new(name, email, affiliation);
    let orcid = obj
        .get("sameAs")
        .or_else(|| obj.get("@id"))
        .and_then(Value::as_str)
        .filter(|s| s.contains("orcid.org"));
    if let Some(orcid) = orcid
        && p.email.is_none()
    {
        p.id = orcid.to_string();
    }
    Some(p)
}

fn doi_of(text: &str) -> Option<String> {
    super::extract_doi(text).or_else(|| text.strip_prefix("doi:").map(str::to_string))
}

fn to_dataset(
    uri: &str,
    base: &str,
    export_url: &str,
    export: Export,
    latest: Option<Version>,
) -> Result<RemoteDataset> {
    let name = export
        .name
        .clone()
        .or(export.headline.clone())
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| RemoteError::InvalidResponse {
            url: export_url.to_string(),
            detail: "the dataset has no 'name'".to_string(),
        })?;
    let creators: Vec<Person> = export
        .creator
        .as_ref()
        .or(export.author.as_ref())
        .map(|list| list.iter().filter_map(person).collect())
        .unwrap_or_default();
    let description = strings(export.description.as_ref()).join("\n\n");
    let license = match &export.license {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Object(o)) => o
            .get("url")
            .or_else(|| o.get("@id"))
            .or_else(|| o.get("text"))
            .and_then(Value::as_str)
            .map(str::to_string),
        _ => None,
    };
    let version = latest
        .as_ref()
        .and_then(|v| Some(format!("{}.{}", v.major?, v.minor.unwrap_or(0))))
        .or_else(|| match &export.version {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        });
    let identifier = strings(export.identifier.as_ref()).into_iter().next();
    let same_as = identifier
        .as_deref()
        .and_then(doi_of)
        .map(|d| format!("https://doi.org/{d}"))
        .unwrap_or_else(|| uri.to_string());

    let version_files = latest.map(|v| v.files).unwrap_or_default();
    let mut files = Vec::new();
    for d in &export.distribution {
        let file_doi = d.identifier.as_deref().or(d.id.as_deref()).and_then(doi_of);
        let known = version_files.iter().find(|f| {
            let pid_match = match (
                &file_doi,
                f.data_file.persistent_id.as_deref().and_then(doi_of),
            ) {
                (Some(a), Some(b)) => a.eq_ignore_ascii_case(&b),
                _ => false,
            };
            pid_match
                || (d.name.is_some()
                    && (f.data_file.filename.as_deref() == d.name.as_deref()
                        || f.label.as_deref() == d.name.as_deref()))
        });
        let file_name = d
            .name
            .clone()
            .or_else(|| known.and_then(|k| k.data_file.filename.clone()))
            .ok_or_else(|| RemoteError::InvalidResponse {
                url: export_url.to_string(),
                detail: "a file has no 'name'".to_string(),
            })?;
        let relative = match known.and_then(|k| k.directory_label.as_deref()) {
            Some(dir) if !dir.trim().is_empty() => format!("{dir}/{file_name}"),
            _ => file_name.clone(),
        };
        let path = naming::sanitize_relative_path(&relative).ok_or_else(|| {
            RemoteError::InvalidFileName {
                url: export_url.to_string(),
                name: relative.clone(),
            }
        })?;
        let url = match (
            &file_doi,
            &d.content_url,
            known.and_then(|k| k.data_file.id),
        ) {
            (Some(doi), _, _) => file_url(base, &format!("doi:{doi}"))?,
            (None, Some(content), _) => content.clone(),
            (None, None, Some(id)) => format!("{base}/api/v1/access/datafile/{id}"),
            (None, None, None) => {
                return Err(RemoteError::InvalidResponse {
                    url: export_url.to_string(),
                    detail: format!("file '{file_name}' has no download location"),
                });
            }
        };
        let checksum = known.and_then(|k| {
            k.data_file
                .md5
                .as_deref()
                .and_then(|m| Checksum::new(ChecksumAlgorithm::Md5, m))
                .or_else(|| {
                    let c = k.data_file.checksum.as_ref()?;
                    let algo = ChecksumAlgorithm::parse(c.get("type")?.as_str()?)?;
                    Checksum::new(algo, c.get("value")?.as_str()?)
                })
        });
        files.push(RemoteFile {
            url,
            path: Some(path),
            size: d
                .content_size
                .or_else(|| known.and_then(|k| k.data_file.filesize)),
            checksum,
            file_type: d.file_format.clone().or(d.encoding_format.clone()),
        });
    }
    if files.is_empty() {
        return Err(RemoteError::NoFiles {
            url: export_url.to_string(),
        });
    }
    let images = match &export.image {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    };
    Ok(RemoteDataset {
        provider: ProviderKind::Dataverse,
        uri: uri.to_string(),
        metadata: RemoteMetadata {
            slug: naming::suggest_slug(&name, version.as_deref()),
            tag: version.as_deref().and_then(naming::tag_name),
            name,
            description: Some(description).filter(|d| !d.trim().is_empty()),
            creators,
            keywords: strings(export.keywords.as_ref()),
            license,
            version,
            date_published: export.date_published,
            in_language: strings(export.in_language.as_ref()).into_iter().next(),
            images,
            same_as,
        },
        files,
        newer_version: None,
        renku: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_ids() {
        assert_eq!(
            persistent_id("https://demo.dataverse.org/dataset.xhtml?persistentId=doi:10.70122/FK2/PPIAXE&version=1.0")
                .as_deref(),
            Some("doi:10.70122/FK2/PPIAXE")
        );
        assert_eq!(
            persistent_id("https://demo.dataverse.org/dataverse/x"),
            None
        );
        assert_eq!(
            export_url("https://demo.dataverse.org", "doi:10.70122/FK2/PPIAXE").unwrap(),
            "https://demo.dataverse.org/api/v1/datasets/export?exporter=schema.org&persistentId=doi%3A10.70122%2FFK2%2FPPIAXE"
        );
        assert_eq!(
            file_url("https://demo.dataverse.org", "doi:10.70122/FK2/PPIAXE/X1").unwrap(),
            "https://demo.dataverse.org/api/v1/access/datafile/:persistentId/?persistentId=doi%3A10.70122%2FFK2%2FPPIAXE%2FX1"
        );
        assert_eq!(
            version_url("https://demo.dataverse.org/dataset.xhtml?persistentId=x").unwrap(),
            "https://demo.dataverse.org/api/v1/info/version"
        );
    }
}
