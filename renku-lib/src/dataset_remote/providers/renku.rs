//! Datasets of projects on a Renku server, found through its knowledge graph:
//! `<host>/knowledge-graph/datasets/<id>`, `<host>/knowledge-graph/projects/<ns>/<name>`
//! and that project's `/datasets` list (to find a dataset by slug).
//!
//! With a token from [`crate::dataset_remote::TokenSource`] the requests carry it as a
//! bearer token and go through the gateway route `/api/kg/` instead of
//! `/knowledge-graph/`, as renku clients do. The result names the project's clone URLs and
//! the dataset; the caller clones the project and copies the files.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use super::super::error::{RemoteError, Result};
use super::super::http::{HttpClient, JSON, decode_json, host_port, origin, parse_http_url};
use super::super::model::{ProviderKind, RemoteDataset, RemoteMetadata, RenkuSource};
use super::super::naming;
use super::super::settings::ProviderSettings;
use crate::model::Person;

static PATH_RE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^(?:/projects/((?:[^/]+/)+[^/]+))?/datasets/([^/]+)/?$").ok());

/// `(project path, dataset id or slug)` named by a Renku URL's path:
/// `/projects/<namespace>[/<subgroups>…]/<name>/datasets/<id|slug>` or `/datasets/<id>`.
pub fn parse_path(path: &str) -> Option<(Option<String>, String)> {
    let caps = PATH_RE.as_ref()?.captures(path)?;
    let project = caps.get(1).map(|m| m.as_str().to_string());
    let dataset = caps.get(2)?.as_str().to_string();
    Some((project, dataset))
}

/// Whether `url` names a dataset on a Renku server.
pub fn supports(url: &str) -> bool {
    parse_http_url(url).is_ok_and(|u| parse_path(u.path()).is_some())
}

/// A knowledge-graph client for one Renku host.
struct Kg<'a> {
    client: &'a HttpClient,
    host: String,
    token: Option<String>,
}

enum KgAnswer {
    Found(Value),
    NotFound,
}

impl Kg<'_> {
    fn query(&self, url: &str) -> Result<KgAnswer> {
        let url = match &self.token {
            Some(_) => url.replacen("/knowledge-graph/", "/api/kg/", 1),
            None => url.to_string(),
        };
        let response = self.client.send_get(&url, JSON, self.token.as_deref())?;
        match response.status().as_u16() {
            200 => Ok(KgAnswer::Found(decode_json(&url, response)?)),
            404 => Ok(KgAnswer::NotFound),
            401 | 403 => Err(RemoteError::Unauthorized {
                host: self.host.clone(),
            }),
            _ => Err(super::super::http::check_status(&url, response)
                .err()
                .unwrap_or_else(|| RemoteError::InvalidResponse {
                    url: url.clone(),
                    detail: "unexpected status".to_string(),
                })),
        }
    }
}

fn text(value: &Value, key: &str) -> Option<String> {
    value
        .get(key)
        .and_then(Value::as_str)
        .map(str::to_string)
        .filter(|s| !s.is_empty())
}

fn link(value: &Value, rel: &str) -> Option<String> {
    value
        .get("_links")?
        .as_array()?
        .iter()
        .find(|l| l.get("rel").and_then(Value::as_str) == Some(rel))
        .and_then(|l| text(l, "href"))
}

fn invalid(url: &str, detail: &str) -> RemoteError {
    RemoteError::InvalidResponse {
        url: url.to_string(),
        detail: detail.to_string(),
    }
}

/// Finds the dataset `url` names (`uri` is what the user gave).
pub fn fetch(
    client: &HttpClient,
    uri: &str,
    url: &str,
    settings: &ProviderSettings,
) -> Result<RemoteDataset> {
    let parsed = parse_http_url(url)?;
    let (project_path, dataset_ref) =
        parse_path(parsed.path()).ok_or_else(|| RemoteError::InvalidUrl {
            url: url.to_string(),
            detail: "not the URL of a Renku dataset".to_string(),
        })?;
    let base = origin(&parsed);
    let host = host_port(&parsed);
    let kg = Kg {
        client,
        token: settings.token_for(&host),
        host: host.clone(),
    };

    // The URL may name the dataset by identifier; if the graph does not know it as one,
    // it is taken as a slug.
    let dataset_kg_url = format!("{base}/knowledge-graph/datasets/{dataset_ref}");
    let mut details = match kg.query(&dataset_kg_url)? {
        KgAnswer::Found(v) => Some(v),
        KgAnswer::NotFound => None,
    };
    let slug = details
        .as_ref()
        .and_then(|d| text(d, "slug").or_else(|| text(d, "name")))
        .unwrap_or_else(|| dataset_ref.clone());
    let requested_identifier = details.as_ref().and_then(|d| text(d, "identifier"));

    let project_kg_url = match (&project_path, &details) {
        (Some(path), _) => format!("{base}/knowledge-graph/projects/{path}"),
        (None, Some(d)) => d
            .get("project")
            .and_then(|p| link(p, "project-details"))
            .ok_or_else(|| invalid(&dataset_kg_url, "the dataset names no project"))?,
        (None, None) => {
            return Err(RemoteError::DatasetNotFound {
                dataset: dataset_ref,
                url: dataset_kg_url,
                host,
            });
        }
    };

    let datasets_url = format!("{project_kg_url}/datasets");
    let list = match kg.query(&datasets_url)? {
        KgAnswer::Found(v) => v,
        KgAnswer::NotFound => {
            return Err(RemoteError::ProjectNotFound {
                url: project_kg_url,
            });
        }
    };
    let entries = list
        .as_array()
        .ok_or_else(|| invalid(&datasets_url, "expected a list of datasets"))?;
    let entry = entries
        .iter()
        .find(|d| text(d, "slug").or_else(|| text(d, "name")).as_deref() == Some(slug.as_str()))
        .ok_or_else(|| RemoteError::DatasetNotFound {
            dataset: slug.clone(),
            url: datasets_url.clone(),
            host: host.clone(),
        })?;
    let latest_identifier = text(entry, "identifier")
        .ok_or_else(|| invalid(&datasets_url, "a dataset has no 'identifier'"))?;
    let latest_version_uri = link(entry, "details").map(|h| h.replacen("/knowledge-graph", "", 1));
    let identifier = requested_identifier.unwrap_or_else(|| latest_identifier.clone());

    if details.is_none() {
        // Found by slug: read the details of the version the list names.
        let url = link(entry, "details")
            .unwrap_or_else(|| format!("{base}/knowledge-graph/datasets/{identifier}"));
        if let KgAnswer::Found(v) = kg.query(&url)? {
            details = Some(v);
        }
    }

    let project = match kg.query(&project_kg_url)? {
        KgAnswer::Found(v) => v,
        KgAnswer::NotFound => {
            return Err(RemoteError::ProjectNotFound {
                url: project_kg_url,
            });
        }
    };
    let urls = project.get("urls");
    let project_url_http = urls.and_then(|u| text(u, "http"));
    let project_url_ssh = urls.and_then(|u| text(u, "ssh"));
    let project_path = project_path
        .or_else(|| text(&project, "path"))
        .or_else(|| {
            project_kg_url
                .split_once("/projects/")
                .map(|(_, p)| p.to_string())
        })
        .unwrap_or_default();

    let d = details.unwrap_or(Value::Null);
    let name = text(&d, "name")
        .filter(|_| d.get("slug").is_some())
        .or_else(|| text(&d, "title"))
        .or_else(|| text(&d, "name"))
        .unwrap_or_else(|| slug.clone());
    let published = d.get("published");
    let creators = published
        .and_then(|p| p.get("creator"))
        .or_else(|| d.get("creators"))
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|c| {
                    let name = text(c, "name")?;
                    Some(Person::new(name, text(c, "email"), text(c, "affiliation")))
                })
                .collect()
        })
        .unwrap_or_default();
    let keywords = d
        .get("keywords")
        .and_then(Value::as_array)
        .map(|k| {
            k.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let images = d
        .get("images")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|i| link(i, "view").or_else(|| text(i, "location")))
                .collect()
        })
        .unwrap_or_default();
    let files = d
        .get("hasPart")
        .and_then(Value::as_array)
        .map(|list| list.iter().filter_map(|f| text(f, "atLocation")).collect())
        .unwrap_or_default();
    let version = text(&d, "version");
    let newer_version = (identifier != latest_identifier)
        .then(|| latest_version_uri.clone())
        .flatten();

    Ok(RemoteDataset {
        provider: ProviderKind::Renku,
        uri: uri.to_string(),
        metadata: RemoteMetadata {
            // A dataset keeps its slug when it is imported from another Renku project.
            slug: if crate::util::slugify(&slug, false) == slug {
                slug.clone()
            } else {
                naming::suggest_slug(&slug, None)
            },
            tag: version.as_deref().and_then(naming::tag_name),
            name,
            description: text(&d, "description"),
            creators,
            keywords,
            license: text(&d, "license"),
            version,
            date_published: published
                .and_then(|p| text(p, "datePublished"))
                .or_else(|| text(&d, "datePublished")),
            in_language: None,
            images,
            same_as: uri.to_string(),
        },
        files: Vec::new(),
        newer_version,
        renku: Some(RenkuSource {
            host_url: base,
            project_path,
            project_kg_url,
            project_url_http,
            project_url_ssh,
            dataset_slug: slug,
            dataset_identifier: identifier,
            latest_version_uri,
            files,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dataset_paths() {
        assert_eq!(
            parse_path("/projects/ns/proj/datasets/my-data"),
            Some((Some("ns/proj".to_string()), "my-data".to_string()))
        );
        assert_eq!(
            parse_path("/projects/group/sub/proj/datasets/abc/"),
            Some((Some("group/sub/proj".to_string()), "abc".to_string()))
        );
        assert_eq!(
            parse_path("/datasets/0123abcd"),
            Some((None, "0123abcd".to_string()))
        );
        assert_eq!(parse_path("/projects/ns/datasets/x"), None);
        assert_eq!(parse_path("/projects/ns/proj"), None);
        assert!(supports("https://renkulab.io/datasets/0123"));
        assert!(!supports("https://renkulab.io/projects/ns/proj"));
    }
}
