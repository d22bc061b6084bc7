//! Custom JSON-LD metadata attached to a project, dataset, plan or activity.

use serde::{Deserialize, Serialize};

/// An annotation (`oa:Annotation`) holding user-supplied JSON-LD verbatim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Annotation {
    /// `/annotations/<32 hex>`.
    pub id: String,
    /// The user's JSON-LD document, stored verbatim.
    pub body: serde_json::Value,
    /// Who supplied it (`renku` unless told otherwise).
    pub source: String,
}

impl Annotation {
    /// Creates an annotation with a fresh id.
    pub fn new(body: serde_json::Value, source: impl Into<String>) -> Self {
        Annotation {
            id: format!("/annotations/{}", crate::util::new_hex_id()),
            body,
            source: source.into(),
        }
    }
}
