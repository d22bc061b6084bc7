//! Export to a Dataverse installation through its native API (guides.dataverse.org, API
//! guide).
//!
//! Steps: create a draft dataset in a collection
//! (`POST <server>/api/dataverses/<alias>/datasets` with the citation metadata block), add
//! each file (`POST <server>/api/datasets/:persistentId/add?persistentId=<pid>`, a streamed
//! multipart upload), and with `publish` publish a major version
//! (`POST <server>/api/datasets/:persistentId/actions/:publish?persistentId=<pid>&type=major`).
//! Requests authenticate with the `X-Dataverse-key` header. When a step after the creation
//! fails, the draft is deleted
//! (`DELETE <server>/api/datasets/:persistentId/versions/:draft?persistentId=<pid>`).

use std::sync::Arc;

use reqwest::Method;
use serde_json::{Value, json};

use super::error::ExportError;
use super::http::{Api, Auth, Upload, encode_segment, join, normalize_base_url};
use super::{ExportMetadata, ExportProgress, ExportRequest, Exported};
use crate::Result;

const PROVIDER: &str = "Dataverse";

/// The subject sent for every dataset (the citation block requires one from Dataverse's
/// controlled vocabulary; renku datasets have no subject).
pub const SUBJECT: &str = "Other";

/// Where a user creates an API token on the server at `server`.
pub fn token_url(server: &str) -> String {
    join(server, "/dataverseuser.xhtml?selectTab=apiTokenTab")
}

/// Checks what Dataverse requires before anything is sent: a contact e-mail.
pub fn check_request(request: &ExportRequest) -> Result<()> {
    if contact(&request.metadata).is_none() {
        return Err(ExportError::MissingContact.into());
    }
    Ok(())
}

/// The first creator with an e-mail address: the dataset's contact.
fn contact(meta: &ExportMetadata) -> Option<(&str, &str)> {
    meta.creators.iter().find_map(|p| {
        p.email
            .as_deref()
            .filter(|e| !e.trim().is_empty())
            .map(|e| (p.name.as_str(), e))
    })
}

fn primitive(type_name: &str, value: impl Into<Value>) -> Value {
    json!({"typeName": type_name, "multiple": false, "typeClass": "primitive", "value": value.into()})
}

fn compound(type_name: &str, values: Vec<Value>) -> Value {
    json!({"typeName": type_name, "multiple": true, "typeClass": "compound", "value": values})
}

/// The JSON body that creates a dataset for `meta` (the citation block with title, authors,
/// contact, description, keywords, subject).
pub fn dataset_json(meta: &ExportMetadata) -> Result<Value> {
    let (contact_name, contact_email) = contact(meta).ok_or(ExportError::MissingContact)?;
    let mut fields = vec![primitive("title", meta.name.as_str())];
    let authors: Vec<Value> = meta
        .creators
        .iter()
        .map(|p| {
            let mut author = serde_json::Map::new();
            author.insert(
                "authorName".into(),
                primitive("authorName", p.name.as_str()),
            );
            if let Some(aff) = &p.affiliation {
                author.insert(
                    "authorAffiliation".into(),
                    primitive("authorAffiliation", aff.as_str()),
                );
            }
            Value::Object(author)
        })
        .collect();
    fields.push(compound("author", authors));
    fields.push(compound(
        "datasetContact",
        vec![json!({
            "datasetContactName": primitive("datasetContactName", contact_name),
            "datasetContactEmail": primitive("datasetContactEmail", contact_email),
        })],
    ));
    let description = meta
        .description
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .unwrap_or(&meta.name);
    fields.push(compound(
        "dsDescription",
        vec![json!({"dsDescriptionValue": primitive("dsDescriptionValue", description)})],
    ));
    if !meta.keywords.is_empty() {
        fields.push(compound(
            "keyword",
            meta.keywords
                .iter()
                .map(|k| json!({"keywordValue": primitive("keywordValue", k.as_str())}))
                .collect(),
        ));
    }
    fields.push(json!({
        "typeName": "subject",
        "multiple": true,
        "typeClass": "controlledVocabulary",
        "value": [SUBJECT],
    }));
    if let Some(version) = meta.version.as_deref().filter(|v| !v.is_empty()) {
        // The citation block has no field for a dataset's own version (Dataverse numbers
        // the versions itself), so the exported version is recorded as a note.
        fields.push(primitive("notesText", format!("Version {version}")));
    }
    if let Some(date) = meta.publication_date() {
        fields.push(primitive(
            "productionDate",
            date.format("%Y-%m-%d").to_string(),
        ));
    }
    Ok(json!({
        "datasetVersion": {
            "metadataBlocks": {
                "citation": {
                    "displayName": "Citation Metadata",
                    "fields": fields,
                }
            }
        }
    }))
}

/// A client of one Dataverse server with one API token.
#[derive(Debug, Clone)]
pub struct DataverseClient {
    api: Api,
    server: String,
}

impl DataverseClient {
    /// A client for the server at `server` (e.g. `https://demo.dataverse.org`) using `token`.
    pub fn new(server: &str, token: &str) -> Result<Self> {
        Ok(DataverseClient {
            api: Api::new(PROVIDER, Auth::DataverseKey(token.to_string()), false)?,
            server: normalize_base_url(PROVIDER, server)?,
        })
    }

    /// Makes the deposit described by `request` in the collection `dataverse_name`; see the
    /// module documentation.
    pub fn export(
        &self,
        dataverse_name: &str,
        request: &ExportRequest,
        progress: Arc<dyn ExportProgress>,
    ) -> Result<Exported> {
        let body = dataset_json(&request.metadata)?;
        let pid = self.create(dataverse_name, &body)?;
        tracing::info!("created the Dataverse draft {pid}");
        match self.fill(&pid, request, progress) {
            Ok(exported) => Ok(exported),
            Err(err) => Err(self.abandon(&pid, err)),
        }
    }

    fn page(&self, pid: &str, draft: bool) -> String {
        let mut url = join(&self.server, &format!("/dataset.xhtml?persistentId={pid}"));
        if draft {
            url.push_str("&version=DRAFT");
        }
        url
    }

    fn check_ok(&self, url: &str, body: &Value) -> Result<()> {
        match body.get("status").and_then(Value::as_str) {
            Some("OK") | None => Ok(()),
            Some(other) => {
                let message = body
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("no message");
                Err(self
                    .api
                    .bad_response(url, format!("status '{other}': {message}")))
            }
        }
    }

    fn create(&self, dataverse_name: &str, body: &Value) -> Result<String> {
        let url = join(
            &self.server,
            &format!(
                "/api/dataverses/{}/datasets",
                encode_segment(dataverse_name)
            ),
        );
        let response = self.api.json(Method::POST, &url, &[], Some(body))?;
        self.check_ok(&url, &response.body)?;
        let pid = response
            .body
            .pointer("/data/persistentId")
            .and_then(Value::as_str)
            .filter(|p| !p.is_empty())
            .ok_or_else(|| {
                self.api.bad_response(
                    &url,
                    "the created dataset has no 'data.persistentId'; if a draft was created, find it in the collection and delete it",
                )
            })?;
        Ok(pid.to_string())
    }

    fn fill(
        &self,
        pid: &str,
        request: &ExportRequest,
        progress: Arc<dyn ExportProgress>,
    ) -> Result<Exported> {
        let add_url = join(&self.server, "/api/datasets/:persistentId/add");
        for file in &request.files {
            crate::interrupt::check()?;
            let (directory, file_name) = match file.name.trim_matches('/').rsplit_once('/') {
                Some((dir, name)) => (Some(dir), name),
                None => (None, file.name.trim_matches('/')),
            };
            let mut json_data = json!({"restrict": false});
            if let Some(dir) = directory {
                json_data["directoryLabel"] = json!(dir);
            }
            let response = self.api.upload_multipart(
                &add_url,
                &[("persistentId", pid)],
                vec![("jsonData", json_data.to_string())],
                file_name,
                Upload {
                    name: file.name.clone(),
                    path: file.source.clone(),
                    progress: progress.clone(),
                },
            )?;
            self.check_ok(&add_url, &response.body)?;
            progress.file_done(&file.name);
        }
        let doi = pid.strip_prefix("doi:").map(str::to_string);
        if !request.publish {
            return Ok(Exported {
                url: self.page(pid, true),
                doi,
                published: false,
            });
        }
        crate::interrupt::check()?;
        let url = join(&self.server, "/api/datasets/:persistentId/actions/:publish");
        let response = self.api.json(
            Method::POST,
            &url,
            &[("persistentId", pid), ("type", "major")],
            None,
        )?;
        self.check_ok(&url, &response.body)?;
        Ok(Exported {
            url: self.page(pid, false),
            doi,
            published: true,
        })
    }

    /// Deletes the draft after `err`; returns the error to report.
    fn abandon(&self, pid: &str, err: crate::Error) -> crate::Error {
        let url = join(&self.server, "/api/datasets/:persistentId/versions/:draft");
        let deleted = match self
            .api
            .json(Method::DELETE, &url, &[("persistentId", pid)], None)
        {
            Ok(_) => true,
            Err(e) => {
                tracing::warn!("cannot delete the Dataverse draft {pid}: {e}");
                false
            }
        };
        ExportError::Incomplete {
            draft_url: self.page(pid, true),
            deleted,
            source: Box::new(err),
        }
        .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::person::Person;

    #[test]
    fn citation_block_has_the_required_fields() {
        let meta = ExportMetadata {
            name: "Finches".into(),
            description: Some("Birds.".into()),
            creators: vec![
                Person::new("Finch, Fiona", None, Some("Birds Inc.".into())),
                Person::new("Crow, Carl", Some("carl@example.org".into()), None),
            ],
            keywords: vec!["birds".into()],
            ..Default::default()
        };
        let body = dataset_json(&meta).unwrap();
        let fields = body
            .pointer("/datasetVersion/metadataBlocks/citation/fields")
            .and_then(Value::as_array)
            .unwrap();
        let names: Vec<&str> = fields
            .iter()
            .map(|f| f["typeName"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "title",
                "author",
                "datasetContact",
                "dsDescription",
                "keyword",
                "subject"
            ]
        );
        assert_eq!(fields[0]["value"], "Finches");
        assert_eq!(
            fields[1]["value"][0]["authorAffiliation"]["value"],
            "Birds Inc."
        );
        assert!(fields[1]["value"][1].get("authorAffiliation").is_none());
        assert_eq!(
            fields[2]["value"][0]["datasetContactEmail"]["value"],
            "carl@example.org"
        );
        assert_eq!(fields[4]["value"][0]["keywordValue"]["value"], "birds");
        assert_eq!(fields[5]["value"], json!(["Other"]));
    }

    #[test]
    fn a_contact_email_is_required() {
        let meta = ExportMetadata {
            name: "x".into(),
            creators: vec![Person::new("No Mail", None, None)],
            ..Default::default()
        };
        let err = dataset_json(&meta).unwrap_err();
        assert!(err.to_string().contains("contact e-mail"), "{err}");
    }
}
