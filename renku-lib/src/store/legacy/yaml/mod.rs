//! Reading a project written by renku-python before 1.0 (metadata versions 1–8: YAML and
//! CWL files under `.renku/`) into the same [`LegacyProject`](super::database::LegacyProject) the object-database reader
//! produces, by replaying the git history commit by commit as renku-python's migration
//! m_0009 does: every revision of a dataset's `metadata.yml` becomes a dataset version, every
//! recorded run (CWL file) a plan and an activity whose usages and generations carry the git
//! blob ids at that commit. `docs/renku-python-formats.md` describes the formats and where
//! the result differs from renku-python's own migration.

pub mod cwl;
pub mod datasets;
mod history;
pub mod jsonld;
pub mod project;
#[cfg(test)]
mod tests;
pub mod workflow_yaml;
pub mod workflows;

use serde_json::Value;

use crate::model::Person;
use crate::repo::git::Git;

pub use history::read;

/// Directory of dataset metadata (versions 2–8, and 1 from renku 0.4).
pub const DATASETS_DIR: &str = ".renku/datasets";
/// Directory of dataset references (symbolic links to `metadata.yml` files).
pub const REFS_DIR: &str = ".renku/refs";
/// Directory of repositories renku-python imported data from as git submodules.
pub const VENDORS_DIR: &str = ".renku/vendors";
/// The project metadata file.
pub const PROJECT_FILE: &str = ".renku/metadata.yml";

/// Why the YAML-era metadata could not be read.
#[derive(Debug, thiserror::Error)]
pub enum YamlError {
    /// A file is not valid YAML.
    #[error("{file} is not valid YAML: {reason}")]
    Yaml {
        /// The file (and the commit it was read at).
        file: String,
        /// The parser's message.
        reason: String,
    },
    /// A file is YAML but not what renku-python wrote.
    #[error("{file}: {reason}")]
    Damaged {
        /// The file (and the commit it was read at).
        file: String,
        /// What is wrong.
        reason: String,
    },
    /// The repository could not be read.
    #[error("{0}")]
    Repository(String),
}

impl From<crate::Error> for YamlError {
    fn from(e: crate::Error) -> Self {
        YamlError::Repository(e.to_string())
    }
}

/// Parses YAML text into a JSON value.
pub fn parse_yaml(text: &str, shown: &str) -> Result<Value, YamlError> {
    serde_saphyr::from_str::<Value>(text).map_err(|e| YamlError::Yaml {
        file: shown.to_string(),
        reason: e.to_string().lines().next().unwrap_or_default().to_string(),
    })
}

/// Parses YAML text into `T`.
pub fn parse_yaml_as<T: serde::de::DeserializeOwned>(
    text: &str,
    shown: &str,
) -> Result<T, YamlError> {
    serde_saphyr::from_str::<T>(text).map_err(|e| YamlError::Yaml {
        file: shown.to_string(),
        reason: e.to_string().lines().next().unwrap_or_default().to_string(),
    })
}

/// What [`read`] needs besides the repository.
pub struct ReadContext<'a> {
    /// The repository.
    pub git: &'a Git,
    /// Stands in for a missing project creator (the git user).
    pub fallback_person: &'a Person,
    /// URL of the `origin` remote, which names the project as in renku-python.
    pub origin: Option<&'a str>,
    /// Name of the project directory, for projects that name themselves nowhere.
    pub directory_name: &'a str,
}
