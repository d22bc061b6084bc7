//! The envelope every stored object version is wrapped in, and its deterministic encoding.

use chrono::{DateTime, FixedOffset};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The kinds of objects the store holds. Each kind has its own directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Project metadata (one lineage per project).
    Project,
    /// Plans (one lineage per plan name history).
    Plan,
    /// Activities (one version each).
    Activity,
    /// Activity collections: the activities one command recorded together (one version each).
    ActivityCollection,
    /// Workflow-file activity collections: one execution of a workflow file (one version each).
    WorkflowFileActivityCollection,
    /// Dataset versions (one lineage per dataset, from `dataset create` to `dataset rm`).
    Dataset,
    /// Dataset tags (one lineage per tag name of a dataset).
    DatasetTag,
}

impl Kind {
    /// All kinds, in a fixed order.
    pub const ALL: &'static [Kind] = &[
        Kind::Project,
        Kind::Plan,
        Kind::Activity,
        Kind::ActivityCollection,
        Kind::WorkflowFileActivityCollection,
        Kind::Dataset,
        Kind::DatasetTag,
    ];

    /// Name of the kind's directory under `.renku/store/`.
    pub fn dir_name(self) -> &'static str {
        match self {
            Kind::Project => "project",
            Kind::Plan => "plan",
            Kind::Activity => "activity",
            Kind::ActivityCollection => "activity_collection",
            Kind::WorkflowFileActivityCollection => "workflow_file_activity_collection",
            Kind::Dataset => "dataset",
            Kind::DatasetTag => "dataset_tag",
        }
    }

    /// The kind stored in directory `name`.
    pub fn from_dir_name(name: &str) -> Option<Kind> {
        Kind::ALL.iter().copied().find(|k| k.dir_name() == name)
    }
}

/// One immutable version of a stored object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record<T> {
    /// What kind of object this is.
    pub kind: Kind,
    /// Identity of the object across its versions (e.g. the project id).
    pub object_id: String,
    /// Id of this version: 32 hex characters, also the file name.
    pub version_id: String,
    /// The version this one replaces, if any.
    pub derived_from: Option<String>,
    /// When this version was written.
    pub date: DateTime<FixedOffset>,
    /// Whether this version marks the object as removed.
    #[serde(default)]
    pub removed: bool,
    /// The transaction (commit trailer) that wrote this version.
    pub transaction: String,
    /// The object itself.
    pub data: T,
}

impl<T> Record<T> {
    /// A first version of a new object.
    pub fn new(kind: Kind, object_id: impl Into<String>, transaction: &str, data: T) -> Self {
        Record {
            kind,
            object_id: object_id.into(),
            version_id: crate::util::new_hex_id(),
            derived_from: None,
            date: crate::util::now(),
            removed: false,
            transaction: transaction.to_string(),
            data,
        }
    }

    /// A new version derived from this one, holding `data`.
    pub fn derive<U>(&self, transaction: &str, data: U) -> Record<U> {
        Record {
            kind: self.kind,
            object_id: self.object_id.clone(),
            version_id: crate::util::new_hex_id(),
            derived_from: Some(self.version_id.clone()),
            date: crate::util::now(),
            removed: false,
            transaction: transaction.to_string(),
            data,
        }
    }
}

/// Encodes a record deterministically: JSON with sorted keys, two-space indentation and one
/// trailing newline. The same content always gives the same bytes.
pub fn encode<T: Serialize>(record: &Record<T>) -> Result<Vec<u8>> {
    canonical_json(record)
}

/// Encodes any value as canonical JSON (sorted keys, pretty, trailing newline).
pub fn canonical_json<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>> {
    // serde_json's Map is a BTreeMap (no `preserve_order`), so going through Value sorts keys.
    let value = serde_json::to_value(value)
        .map_err(|e| Error::Store(format!("cannot encode object: {e}")))?;
    let mut bytes = serde_json::to_vec_pretty(&value)
        .map_err(|e| Error::Store(format!("cannot encode object: {e}")))?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Decodes a record.
pub fn decode<T: DeserializeOwned>(
    bytes: &[u8],
) -> std::result::Result<Record<T>, serde_json::Error> {
    serde_json::from_slice(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_is_sorted_and_stable() {
        let mut r = Record::new(
            Kind::Project,
            "/projects/a/b",
            "t1",
            serde_json::json!({"z": 1, "a": [2, 1]}),
        );
        r.version_id = "0123456789abcdef0123456789abcdef".into();
        let one = encode(&r).unwrap();
        let two = encode(&decode::<serde_json::Value>(&one).unwrap()).unwrap();
        assert_eq!(one, two);
        let text = String::from_utf8(one).unwrap();
        assert!(text.ends_with("}\n"));
        let a = text.find("\"a\"").unwrap();
        let z = text.find("\"z\"").unwrap();
        assert!(a < z, "keys must be sorted: {text}");
        assert!(text.find("\"data\"").unwrap() < text.find("\"version_id\"").unwrap());
    }
}
