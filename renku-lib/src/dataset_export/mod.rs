//! The remote side of `renku dataset export`: deposit clients for Zenodo and Dataverse.
//!
//! The caller (the dataset layer) prepares an [`ExportRequest`] — the metadata of the dataset
//! version to export and the files on disk — and calls [`export`] with a [`Destination`].
//! The access token comes from the global configuration or is asked for once
//! ([`credentials`]); a token the server rejects is removed again. Files are streamed from
//! disk, never read whole into memory, and progress is reported through [`ExportProgress`].
//!
//! A deposit is made in steps on the server (a draft, then its files, then publication), and
//! a remote server cannot be rolled back: when a step fails after the draft was created, the
//! draft is deleted (its URL is reported if that fails too), see
//! [`ExportError::Incomplete`].

pub mod credentials;
pub mod dataverse;
pub mod error;
mod http;
pub mod zenodo;

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDate};

use crate::Result;
use crate::model::dataset::Dataset;
use crate::model::person::Person;

pub use credentials::{GlobalConfigFile, NoPrompt, TokenPrompt, access_token, forget_token};
pub use error::ExportError;

/// The data repositories a dataset can be exported to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Provider {
    /// Zenodo (zenodo.org, its sandbox, or another Invenio deposit server).
    Zenodo,
    /// A Dataverse installation.
    Dataverse,
}

impl Provider {
    /// The name shown to users.
    pub fn display_name(self) -> &'static str {
        match self {
            Provider::Zenodo => "Zenodo",
            Provider::Dataverse => "Dataverse",
        }
    }

    /// The configuration section of the provider's settings (`<section>.access_token`).
    pub fn config_section(self) -> &'static str {
        match self {
            Provider::Zenodo => "zenodo",
            Provider::Dataverse => "dataverse",
        }
    }

    /// The configuration key of the provider's access token.
    pub fn token_key(self) -> &'static str {
        match self {
            Provider::Zenodo => "zenodo.access_token",
            Provider::Dataverse => "dataverse.access_token",
        }
    }
}

/// The metadata of the dataset version being exported.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExportMetadata {
    /// The dataset's title (`schema:name`).
    pub name: String,
    /// Its description.
    pub description: Option<String>,
    /// Its creators (name, e-mail, affiliation; ORCID ids are passed on).
    pub creators: Vec<Person>,
    /// Keywords.
    pub keywords: Vec<String>,
    /// The version: the tag name being exported, or the dataset's own version.
    pub version: Option<String>,
    /// The license (an identifier such as `cc-by-4.0` or a license URL).
    pub license: Option<String>,
    /// When the dataset was published (imported datasets).
    pub date_published: Option<DateTime<FixedOffset>>,
    /// When the dataset was created (local datasets).
    pub date_created: Option<DateTime<FixedOffset>>,
}

impl ExportMetadata {
    /// The metadata of the dataset version `dataset`; `tag` is the name of the tag being
    /// exported, which becomes the version (else the dataset's own version).
    pub fn from_dataset(dataset: &Dataset, tag: Option<&str>) -> Self {
        ExportMetadata {
            name: dataset.name.clone(),
            description: dataset.description.clone(),
            creators: dataset.creators.clone(),
            keywords: dataset.keywords.clone(),
            version: tag.map(str::to_string).or_else(|| dataset.version.clone()),
            license: dataset.license.clone(),
            date_published: dataset.date_published,
            date_created: dataset.date_created,
        }
    }

    /// The publication date to send: the published date, else the creation date (the date
    /// as written, in the timestamp's own offset).
    pub fn publication_date(&self) -> Option<NaiveDate> {
        self.date_published
            .or(self.date_created)
            .map(|d| d.date_naive())
    }
}

/// One file of the deposit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportFile {
    /// The path inside the deposit (`/`-separated, e.g. `raw/a.csv`).
    pub name: String,
    /// The file on disk whose content is uploaded (streamed).
    pub source: PathBuf,
}

/// What to export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRequest {
    /// The dataset's metadata.
    pub metadata: ExportMetadata,
    /// The files, in upload order.
    pub files: Vec<ExportFile>,
    /// Publish the deposit (otherwise it stays a draft the user can review and publish).
    pub publish: bool,
}

/// The result of an export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    /// The page of the record or draft (printed as `Exported to: <url>`).
    pub url: String,
    /// The DOI of the record (for a draft: the DOI reserved for it), without `doi:`.
    pub doi: Option<String>,
    /// Whether the deposit was published.
    pub published: bool,
}

/// Receives progress reports while files are uploaded. All methods default to doing nothing.
pub trait ExportProgress: Send + Sync {
    /// An upload of `name` (of `size` bytes) starts.
    fn file_started(&self, name: &str, size: u64) {
        let _ = (name, size);
    }
    /// `bytes` more bytes of `name` were sent.
    fn bytes(&self, name: &str, bytes: u64) {
        let _ = (name, bytes);
    }
    /// The upload of `name` is complete (the server accepted it).
    fn file_done(&self, name: &str) {
        let _ = name;
    }
}

/// Progress reports that go nowhere.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl ExportProgress for NoProgress {}

/// Where to export to, with the options of `renku dataset export`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// Zenodo.
    Zenodo {
        /// The server; `None` means [`zenodo::default_base_url`] (the `RENKU_ZENODO_URL`
        /// environment variable, else `https://zenodo.org`).
        base_url: Option<String>,
    },
    /// A Dataverse installation.
    Dataverse {
        /// `--dataverse-server`; `None` means the global `dataverse.server_url`.
        server: Option<String>,
        /// `--dataverse-name`: the alias of the collection to create the dataset in.
        dataverse_name: Option<String>,
    },
}

impl Destination {
    /// The provider this destination belongs to.
    pub fn provider(&self) -> Provider {
        match self {
            Destination::Zenodo { .. } => Provider::Zenodo,
            Destination::Dataverse { .. } => Provider::Dataverse,
        }
    }
}

/// Exports `request` to `destination`: resolves the server, gets the access token (from
/// `config`, else through `prompt`, then stored in `config`), makes the deposit and returns
/// where it is. A token the server rejects is removed from `config`.
pub fn export(
    destination: &Destination,
    request: &ExportRequest,
    config: &GlobalConfigFile,
    prompt: &dyn TokenPrompt,
    progress: Arc<dyn ExportProgress>,
) -> Result<Exported> {
    let provider = destination.provider();
    let (token_url, result) = match destination {
        Destination::Zenodo { base_url } => {
            let base = match base_url {
                Some(url) => http::normalize_base_url("Zenodo", url)?,
                None => zenodo::default_base_url()?,
            };
            let token_url = zenodo::token_url(&base);
            let token = access_token(provider, config, prompt, &token_url)?;
            let client = zenodo::ZenodoClient::new(&base, &token)?;
            (token_url, client.export(request, progress))
        }
        Destination::Dataverse {
            server,
            dataverse_name,
        } => {
            let server = match server.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                Some(s) => s.to_string(),
                None => config
                    .get("dataverse", "server_url")?
                    .ok_or(ExportError::MissingServer)?,
            };
            let server = http::normalize_base_url("Dataverse", &server)?;
            let name = dataverse_name
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .ok_or_else(|| ExportError::MissingDataverseName {
                    server: server.clone(),
                })?;
            dataverse::check_request(request)?;
            let token_url = dataverse::token_url(&server);
            let token = access_token(provider, config, prompt, &token_url)?;
            let client = dataverse::DataverseClient::new(&server, &token)?;
            (token_url, client.export(name, request, progress))
        }
    };
    result.map_err(|mut err| {
        if let Some(ExportError::InvalidToken {
            config_key,
            token_url: url,
            removed,
            ..
        }) = invalid_token_mut(&mut err)
        {
            *config_key = provider.token_key();
            *url = token_url.clone();
            match forget_token(provider, config) {
                Ok(was_stored) => *removed = was_stored,
                Err(e) => tracing::warn!("cannot remove the rejected token: {e}"),
            }
        }
        err
    })
}

/// The [`ExportError::InvalidToken`] inside `err`, also behind an `Incomplete` wrapper.
fn invalid_token_mut(err: &mut crate::Error) -> Option<&mut ExportError> {
    let crate::Error::Export(export) = err else {
        return None;
    };
    if matches!(export.as_ref(), ExportError::InvalidToken { .. }) {
        return Some(export.as_mut());
    }
    match export.as_mut() {
        ExportError::Incomplete { source, .. } => invalid_token_mut(source),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dataset() -> Dataset {
        let time = |s: &str| DateTime::parse_from_rfc3339(s).ok();
        Dataset {
            id: Dataset::id_for("abc"),
            identifier: "abc".into(),
            initial_identifier: "abc".into(),
            slug: "d1".into(),
            name: "Dataset one".into(),
            description: Some("About it".into()),
            creators: vec![Person::new("Jane", Some("jane@example.org".into()), None)],
            date_created: time("2024-01-31T23:30:00-02:00"),
            date_published: None,
            date_modified: time("2024-02-02T00:00:00+00:00").unwrap_or_default(),
            date_removed: None,
            derived_from: None,
            same_as: None,
            keywords: vec!["k".into()],
            images: Vec::new(),
            in_language: None,
            license: Some("cc-by-4.0".into()),
            version: Some("2".into()),
            annotations: Vec::new(),
            storage: None,
            datadir: None,
            import_source: None,
            files: Vec::new(),
            merges: Vec::new(),
        }
    }

    #[test]
    fn metadata_of_a_dataset_version_takes_the_tag_as_version() {
        let d = dataset();
        let meta = ExportMetadata::from_dataset(&d, Some("v1.0"));
        assert_eq!(meta.name, "Dataset one");
        assert_eq!(meta.version.as_deref(), Some("v1.0"));
        assert_eq!(meta.creators, d.creators);
        assert_eq!(meta.license.as_deref(), Some("cc-by-4.0"));
        // The date as written in the timestamp's offset, not converted to UTC.
        assert_eq!(
            meta.publication_date(),
            NaiveDate::from_ymd_opt(2024, 1, 31)
        );
        let untagged = ExportMetadata::from_dataset(&d, None);
        assert_eq!(untagged.version.as_deref(), Some("2"));
    }
}
