//! A reader for renku-python's object database (`.renku/metadata/`, metadata versions 9 and
//! 10): one JSON file per persistent object, zstd-compressed or plain, objects referring to
//! each other by object id, indexes kept in BTrees.

pub mod btree;
pub mod value;

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use sha3::{Digest, Sha3_256};

pub use value::{PyObject, PyValue};

/// The first four bytes of a zstd frame.
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];
/// Largest object file accepted, before and after decompression (the biggest real files are
/// BTree buckets of a few hundred KiB).
const MAX_OBJECT_BYTES: u64 = 256 * 1024 * 1024;

/// What went wrong while reading the database: which object, and why.
#[derive(Debug, thiserror::Error)]
pub enum ObjectDbError {
    /// An object's file is missing.
    #[error("{path}: the object {oid} is missing")]
    Missing {
        /// The object id.
        oid: String,
        /// Its file, relative to the project.
        path: String,
    },
    /// An object's file cannot be read, decompressed or decoded.
    #[error("{path}: {reason}")]
    Damaged {
        /// Its file, relative to the project.
        path: String,
        /// What is wrong.
        reason: String,
    },
}

/// The object id renku-python gives a persistent object with an `id` attribute.
pub fn oid_for_id(id: &str) -> String {
    let digest = Sha3_256::digest(id.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Path of the file holding `oid`, relative to the database directory.
pub fn file_name(oid: &str) -> String {
    let name = oid.to_lowercase();
    if name.len() == 64 && name.is_ascii() {
        format!("{}/{}/{}", &name[0..2], &name[2..4], name)
    } else {
        name
    }
}

/// Decodes the bytes of one object file (compressed or not).
pub fn decode_bytes(bytes: &[u8]) -> Result<PyObject, String> {
    let json: serde_json::Value = if bytes.starts_with(&ZSTD_MAGIC) {
        let decoder = ruzstd::decoding::StreamingDecoder::new(bytes)
            .map_err(|e| format!("not a valid zstd stream: {e}"))?;
        let mut plain = Vec::new();
        decoder
            .take(MAX_OBJECT_BYTES + 1)
            .read_to_end(&mut plain)
            .map_err(|e| format!("cannot decompress: {e}"))?;
        if plain.len() as u64 > MAX_OBJECT_BYTES {
            return Err(format!(
                "decompresses to more than {MAX_OBJECT_BYTES} bytes"
            ));
        }
        serde_json::from_slice(&plain).map_err(|e| format!("not valid JSON: {e}"))?
    } else {
        serde_json::from_slice(bytes).map_err(|e| format!("not valid JSON: {e}"))?
    };
    value::decode_file(json)
}

/// An open object database. Objects are loaded on demand and cached.
#[derive(Debug)]
pub struct ObjectDb {
    dir: PathBuf,
    /// How paths are shown in errors (relative to the project).
    shown_prefix: String,
    cache: Mutex<HashMap<String, Arc<PyObject>>>,
}

impl ObjectDb {
    /// The database in directory `dir`; errors name files as `shown_prefix/<file>`.
    pub fn open(dir: impl Into<PathBuf>, shown_prefix: &str) -> ObjectDb {
        ObjectDb {
            dir: dir.into(),
            shown_prefix: shown_prefix.trim_end_matches('/').to_string(),
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The database directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// How the file of `oid` is named in messages.
    pub fn shown_path(&self, oid: &str) -> String {
        format!("{}/{}", self.shown_prefix, file_name(oid))
    }

    /// Loads the object `oid`.
    pub fn load(&self, oid: &str) -> Result<Arc<PyObject>, ObjectDbError> {
        if let Some(hit) = self.cache.lock().ok().and_then(|c| c.get(oid).cloned()) {
            return Ok(hit);
        }
        let path = self.dir.join(file_name(oid));
        let shown = self.shown_path(oid);
        let damaged = |reason: String| ObjectDbError::Damaged {
            path: shown.clone(),
            reason,
        };
        let bytes = match std::fs::metadata(&path) {
            Ok(meta) if meta.len() > MAX_OBJECT_BYTES => {
                return Err(damaged(format!(
                    "the file is larger than {MAX_OBJECT_BYTES} bytes"
                )));
            }
            Ok(_) => std::fs::read(&path).map_err(|e| damaged(e.to_string()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ObjectDbError::Missing {
                    oid: oid.to_string(),
                    path: shown,
                });
            }
            Err(e) => return Err(damaged(e.to_string())),
        };
        let object = Arc::new(decode_bytes(&bytes).map_err(damaged)?);
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(oid.to_string(), object.clone());
        }
        Ok(object)
    }

    /// Follows a reference; other values are returned as they are (an embedded object).
    pub fn resolve(&self, value: &PyValue) -> Result<Option<Arc<PyObject>>, ObjectDbError> {
        match value {
            PyValue::Ref { oid, .. } => self.load(oid).map(Some),
            PyValue::Object(o) => Ok(Some(o.clone())),
            _ => Ok(None),
        }
    }

    /// The items of the root tree: index name → inline Index or reference.
    pub fn root(&self) -> Result<Vec<(PyValue, PyValue)>, ObjectDbError> {
        let root = self.load("root")?;
        btree::items(self, &root)
    }

    /// The entries `(key, value)` of the index or tree named `name` in the root, or `None`
    /// when the root has no such entry.
    pub fn index(&self, name: &str) -> Result<Option<Vec<(PyValue, PyValue)>>, ObjectDbError> {
        let Some((_, entry)) = self
            .root()?
            .into_iter()
            .find(|(k, _)| k.as_str() == Some(name))
        else {
            return Ok(None);
        };
        let tree = match &entry {
            PyValue::Object(index) if index.class_name() == "Index" => {
                match index.attr("entries") {
                    Some(entries) => self.resolve(entries)?,
                    None => None,
                }
            }
            other => self.resolve(other)?,
        };
        match tree {
            Some(tree) => btree::items(self, &tree).map(Some),
            None => Err(ObjectDbError::Damaged {
                path: self.shown_path("root"),
                reason: format!("the index '{name}' has no entries tree"),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oids_are_sha3_of_the_id() {
        // The activity below and its OID come from a project written by renku-python 2.9.4.
        assert_eq!(
            oid_for_id("/activities/bce5f9807fa54e45bcc13d1ad3a0c12c"),
            "c720b58d9a5b83719137068893ea69f4614bfd4947de23e2d2e1ebe4719791b6"
        );
        assert_eq!(
            file_name("C720b58d9a5b83719137068893ea69f4614bfd4947de23e2d2e1ebe4719791b6"),
            "c7/20/c720b58d9a5b83719137068893ea69f4614bfd4947de23e2d2e1ebe4719791b6"
        );
        assert_eq!(file_name("plans"), "plans");
    }

    #[test]
    fn bad_files_are_reported_with_their_path() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("root"), b"{not json").unwrap();
        std::fs::write(
            dir.path().join("project"),
            [0x28, 0xb5, 0x2f, 0xfd, 1, 2, 3],
        )
        .unwrap();
        let db = ObjectDb::open(dir.path(), ".renku/metadata");
        let e = db.load("root").unwrap_err().to_string();
        assert!(e.starts_with(".renku/metadata/root: not valid JSON"), "{e}");
        let e = db.load("project").unwrap_err().to_string();
        assert!(e.starts_with(".renku/metadata/project:"), "{e}");
        let e = db.load("plans").unwrap_err();
        assert!(matches!(e, ObjectDbError::Missing { .. }));
    }
}
