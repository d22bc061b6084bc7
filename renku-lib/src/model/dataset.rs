//! Datasets: versioned collections of files with schema.org metadata.
//!
//! A [`Dataset`] value is one immutable version. In the store (`docs/metadata-format.md`) a
//! version holds only the [`DatasetFile`] entries it changed (added, replaced or removed
//! files); the files of a version are the entries of it and all versions it derives from,
//! the newest entry per path winning. That keeps a change to a dataset of 100 000 files small.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use super::{Annotation, Entity, ImageObject, Person};

/// One version of a dataset (`schema:Dataset`, `prov:Entity`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    /// `/datasets/<identifier>`.
    pub id: String,
    /// 32 hex characters, new for every version (equal to the record's version id).
    pub identifier: String,
    /// Identifier of the dataset's first version; the same for all versions.
    pub initial_identifier: String,
    /// Machine name used on the command line.
    pub slug: String,
    /// Human title (defaults to the slug).
    pub name: String,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Creators.
    #[serde(default)]
    pub creators: Vec<Person>,
    /// When the dataset was created locally (absent for imported datasets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_created: Option<DateTime<FixedOffset>>,
    /// Publication date of an imported dataset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_published: Option<DateTime<FixedOffset>>,
    /// When this version was made.
    pub date_modified: DateTime<FixedOffset>,
    /// Set on the version that removes the dataset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_removed: Option<DateTime<FixedOffset>>,
    /// The version this one derives from (`prov:wasDerivedFrom`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub derived_from: Option<Url>,
    /// The source of an imported dataset (`schema:sameAs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub same_as: Option<Url>,
    /// Keywords.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Images.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<ImageObject>,
    /// Language of an imported dataset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_language: Option<Language>,
    /// License (URL or name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
    /// Version of an imported dataset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Custom JSON-LD metadata.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub annotations: Vec<Annotation>,
    /// Cloud storage URI (`s3://…`, `azure://…`) of a cloud-storage dataset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage: Option<String>,
    /// Data directory, relative to the project root, when set explicitly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datadir: Option<String>,
    /// Where an imported dataset came from, for `dataset update`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub import_source: Option<ImportSource>,
    /// The file entries this version wrote (see the module documentation).
    #[serde(default)]
    pub files: Vec<DatasetFile>,
    /// Other head versions this version supersedes besides the one it derives from (after
    /// a merge of branches that both changed the dataset).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merges: Vec<String>,
}

impl Dataset {
    /// The id of a dataset version with `identifier`.
    pub fn id_for(identifier: &str) -> String {
        format!("/datasets/{identifier}")
    }

    /// Whether this version marks the dataset as removed.
    pub fn is_removed(&self) -> bool {
        self.date_removed.is_some()
    }

    /// The data directory of the dataset: its own, or `<data_dir>/<slug>`.
    pub fn data_dir(&self, default_data_dir: &str) -> String {
        match &self.datadir {
            Some(d) => d.trim_end_matches('/').to_string(),
            None => format!("{}/{}", default_data_dir.trim_end_matches('/'), self.slug),
        }
    }
}

/// A file in a dataset (`schema:DigitalDocument`, `prov:Entity`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetFile {
    /// `/dataset-files/<32 hex>`: random, new whenever the entry changes.
    pub id: String,
    /// The file at its checksum.
    pub entity: Entity,
    /// When the file was added.
    pub date_added: DateTime<FixedOffset>,
    /// Set on the entry that records the file's removal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_removed: Option<DateTime<FixedOffset>>,
    /// Where the file was added from: a path relative to the project root, or a URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Whether the file is external (not stored in the repository).
    #[serde(default)]
    pub is_external: bool,
    /// The file in a remote repository or storage this file is a copy of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub based_on: Option<RemoteEntity>,
    /// Whether the file is a symbolic link to a file elsewhere in the project.
    #[serde(default)]
    pub linked: bool,
    /// Size in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
}

impl DatasetFile {
    /// A new entry for `path` at `checksum`.
    pub fn new(path: &str, checksum: &str, source: Option<String>, size: Option<u64>) -> Self {
        DatasetFile {
            id: format!("/dataset-files/{}", crate::util::new_hex_id()),
            entity: Entity::new(path, checksum, false),
            date_added: crate::util::now(),
            date_removed: None,
            source,
            is_external: false,
            based_on: None,
            linked: false,
            size,
        }
    }

    /// Repository-relative path.
    pub fn path(&self) -> &str {
        &self.entity.path
    }

    /// Whether this entry records a removal.
    pub fn is_removed(&self) -> bool {
        self.date_removed.is_some()
    }

    /// A copy of this entry, with a new id, recording its removal now.
    pub fn removed_copy(&self) -> DatasetFile {
        DatasetFile {
            id: format!("/dataset-files/{}", crate::util::new_hex_id()),
            date_removed: Some(crate::util::now()),
            ..self.clone()
        }
    }
}

/// A file in a remote git repository or storage (`prov:Entity`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteEntity {
    /// `/remote-entities/<quoted host/path of url>/<checksum>/<quoted path>`.
    pub id: String,
    /// Checksum in the remote (git blob id, md5, or 40 zeros when unknown).
    pub checksum: String,
    /// Path in the remote.
    pub path: String,
    /// URL of the remote repository or storage.
    pub url: String,
}

impl RemoteEntity {
    /// The remote entity for `path` at `checksum` in the repository at `url`.
    pub fn new(url: &str, path: &str, checksum: &str) -> Self {
        let location = url_location(url);
        RemoteEntity {
            id: format!(
                "/remote-entities/{}/{checksum}/{}",
                crate::util::quote_path(&location),
                crate::util::quote_path(path)
            ),
            checksum: checksum.to_string(),
            path: path.to_string(),
            url: url.to_string(),
        }
    }
}

/// A URL node (`schema:URL`) for `prov:wasDerivedFrom`, `schema:sameAs` and tags.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Url {
    /// `/urls/<url without scheme>`.
    pub id: String,
    /// The URL: a project-relative id (`/datasets/<identifier>`) or an absolute URL / DOI.
    pub url: String,
    /// Whether `url` is an IRI (internal and Renku references) rather than a literal.
    #[serde(default)]
    pub is_iri: bool,
}

impl Url {
    /// The reference to another version of a dataset of this project.
    pub fn dataset(identifier: &str) -> Url {
        Url {
            id: format!("/urls/datasets/{identifier}"),
            url: Dataset::id_for(identifier),
            is_iri: true,
        }
    }

    /// A reference to an external URL or DOI.
    pub fn external(url: &str, is_iri: bool) -> Url {
        Url {
            id: format!("/urls/{}", crate::util::quote_path(&url_location(url))),
            url: url.to_string(),
            is_iri,
        }
    }

    /// The identifier of the dataset version this URL points at, for internal references.
    pub fn dataset_identifier(&self) -> Option<&str> {
        self.url.strip_prefix("/datasets/")
    }
}

/// A language (`schema:Language`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Language {
    /// `/languages/<quoted name>`.
    pub id: String,
    /// Name (e.g. `English`).
    pub name: String,
    /// Code (e.g. `en`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alternate_name: Option<String>,
}

impl Language {
    /// The language `name` with optional code.
    pub fn new(name: &str, alternate_name: Option<String>) -> Language {
        Language {
            id: format!("/languages/{}", crate::util::quote_path(name)),
            name: name.to_string(),
            alternate_name,
        }
    }
}

/// Where an imported dataset came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportSource {
    /// Provider name (`zenodo`, `dataverse`, `renku`, `doi`, `url`).
    pub provider: String,
    /// The URI the user imported.
    pub uri: String,
    /// The remote version imported, when the provider has versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The tag the dataset was imported at (Renku provider).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
}

/// A named version of a dataset (`schema:PublicationEvent`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetTag {
    /// `/dataset-tags/<quote("<name>@<identifier>")>`.
    pub id: String,
    /// Tag name.
    pub name: String,
    /// Description (empty when none was given).
    #[serde(default)]
    pub description: String,
    /// When the tag was made (`schema:startDate`).
    pub date_created: DateTime<FixedOffset>,
    /// Slug of the dataset when tagged.
    pub dataset_slug: String,
    /// Identifier of the dataset version the tag points at.
    pub dataset_identifier: String,
}

impl DatasetTag {
    /// The id of tag `name` on the dataset version `identifier`.
    pub fn id_for(name: &str, identifier: &str) -> String {
        use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
        const SET: &percent_encoding::AsciiSet = &NON_ALPHANUMERIC
            .remove(b'-')
            .remove(b'_')
            .remove(b'.')
            .remove(b'~');
        format!(
            "/dataset-tags/{}",
            utf8_percent_encode(&format!("{name}@{identifier}"), SET)
        )
    }

    /// The object id tags of one dataset share: `<initial identifier>/<name>`.
    pub fn object_id(initial_identifier: &str, name: &str) -> String {
        format!("{initial_identifier}/{name}")
    }
}

/// `host/path` of a URL: the scheme and leading/trailing `/` stripped.
fn url_location(url: &str) -> String {
    let rest = match url.find("://") {
        Some(i) => &url[i + 3..],
        None => url.strip_prefix("doi:").unwrap_or(url),
    };
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    rest.trim_matches('/').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_the_reference_patterns() {
        let u = Url::dataset("abc");
        assert_eq!(u.id, "/urls/datasets/abc");
        assert_eq!(u.dataset_identifier(), Some("abc"));
        let doi = Url::external("https://doi.org/10.7910/DVN/EV6KLF", false);
        assert_eq!(doi.id, "/urls/doi.org/10.7910/DVN/EV6KLF");
        let r = RemoteEntity::new(
            "https://github.com/SwissDataScienceCenter/renku-jupyter.git",
            "Makefile",
            "abc",
        );
        assert_eq!(
            r.id,
            "/remote-entities/github.com/SwissDataScienceCenter/renku-jupyter.git/abc/Makefile"
        );
        assert_eq!(
            DatasetTag::id_for("v1", "69b1"),
            "/dataset-tags/v1%4069b1".to_string()
        );
    }

    #[test]
    fn data_dir_defaults_to_the_slug() {
        let mut d: Dataset = serde_json::from_value(serde_json::json!({
            "id": "/datasets/a", "identifier": "a", "initial_identifier": "a",
            "slug": "d1", "name": "d1", "date_modified": "2024-01-01T00:00:00+00:00"
        }))
        .unwrap();
        assert_eq!(d.data_dir("data"), "data/d1");
        d.datadir = Some("custom/dir/".into());
        assert_eq!(d.data_dir("data"), "custom/dir");
    }
}
