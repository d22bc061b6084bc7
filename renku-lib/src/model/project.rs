//! The project: name, description, creator, template it was made from, custom metadata.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use super::{Annotation, ImageObject, Person};

/// A renku project (`schema:Project`, `prov:Location`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Project {
    /// `/projects/<namespace>/<slug>`.
    pub id: String,
    /// Human-readable name.
    pub name: String,
    /// Free-text description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Keywords.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Who created the project.
    pub creator: Person,
    /// When the project was created.
    pub date_created: DateTime<FixedOffset>,
    /// Project image (avatar).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageObject>,
    /// Version of the renku that last wrote the project.
    pub agent_version: String,
    /// The template the project was created from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<TemplateMetadata>,
    /// Custom JSON-LD metadata.
    #[serde(default)]
    pub annotations: Vec<Annotation>,
}

/// Which template a project was rendered from, and with which values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateMetadata {
    /// Template id within its source.
    pub id: String,
    /// `renku` for the bundled templates, else a git URL or local path.
    pub source: String,
    /// Git reference of the template source, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Version of the template (the bundled templates' version, or the source's commit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Whether sessions of the project support SSH.
    #[serde(default)]
    pub ssh_supported: bool,
    /// Files that must not be modified after rendering.
    #[serde(default)]
    pub immutable_files: Vec<String>,
    /// Whether `renku template update` may update the project.
    #[serde(default = "default_true")]
    pub allow_update: bool,
    /// The variables the template was rendered with.
    #[serde(default)]
    pub parameters: std::collections::BTreeMap<String, serde_json::Value>,
    /// For a project migrated from renku-python: its template metadata string as recorded
    /// there (`renku:templateMetadata`), kept verbatim until the template is next applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded_metadata: Option<String>,
}

fn default_true() -> bool {
    true
}

impl Project {
    /// The project id for `namespace` and `name`.
    pub fn make_id(namespace: &str, name: &str) -> String {
        format!(
            "/projects/{}/{}",
            crate::util::quote_path(namespace),
            crate::util::project_slug(name)
        )
    }
}
