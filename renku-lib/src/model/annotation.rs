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

/// Reads a JSON-LD document for custom metadata (`--metadata FILE`): valid JSON holding an
/// object or an array.
pub fn read_json_ld(file: &std::path::Path) -> crate::Result<serde_json::Value> {
    use crate::Error;
    let text = std::fs::read_to_string(file).map_err(|e| {
        Error::Usage(format!(
            "Invalid value for '-m' / '--metadata': Cannot read '{}': {e}",
            file.display()
        ))
    })?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        Error::Parameter(format!(
            "The metadata file {} is not valid JSON: {e}",
            file.display()
        ))
    })?;
    if !value.is_object() && !value.is_array() {
        return Err(Error::Parameter(format!(
            "The metadata file {} must hold a JSON-LD object",
            file.display()
        )));
    }
    Ok(value)
}
