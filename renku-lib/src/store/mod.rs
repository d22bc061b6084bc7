//! The metadata store on disk (DESIGN.md §4; documented in `docs/metadata-format.md`).
//!
//! Every metadata object version is one immutable JSON file under `.renku/store/`:
//! `.renku/store/<kind>/<first two hex of the version id>/<version id>.json`. A change writes a
//! new version that names the version it derives from; a removal writes a version marked
//! `removed`. There are no committed indexes, so two branches that both recorded changes merge
//! with plain `git merge`. Everything derivable lives in the git-ignored cache
//! (`.renku/cache/`, see [`cache`]).

pub mod cache;
pub mod doctor;
pub mod format;
pub mod legacy;
pub mod record;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;

pub use record::{Kind, Record};

use crate::error::IoContext;
use crate::model::Project;
use crate::repo::transaction::Transaction;
use crate::{Error, Result};

/// Directory of the store, relative to the project root.
pub const STORE_DIR: &str = ".renku/store";
/// Directory of the derived cache, relative to the project root (git-ignored).
pub const CACHE_DIR: &str = ".renku/cache";
/// Scratch directory, relative to the project root (git-ignored).
pub const TMP_DIR: &str = ".renku/tmp";

/// Access to the metadata store of one project.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

impl Store {
    /// The store of the project rooted at `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Store { root: root.into() }
    }

    /// Project root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Absolute path of the store directory.
    pub fn dir(&self) -> PathBuf {
        self.root.join(STORE_DIR)
    }

    /// Repository-relative path of a record file.
    pub fn record_path(kind: Kind, version_id: &str) -> String {
        let shard = version_id.get(..2).unwrap_or("00");
        format!("{STORE_DIR}/{}/{shard}/{version_id}.json", kind.dir_name())
    }

    /// Reads and decodes one record.
    pub fn read<T: DeserializeOwned>(&self, kind: Kind, version_id: &str) -> Result<Record<T>> {
        let rel = Self::record_path(kind, version_id);
        let bytes =
            std::fs::read(self.root.join(&rel)).io_context(|| format!("Cannot read {rel}"))?;
        record::decode(&bytes).map_err(|e| Error::Store(format!("{rel}: {e}")))
    }

    /// Stages a new record in `tx`. Records are immutable: writing a version id that already
    /// exists with different content is an error.
    pub fn put<T: Serialize>(&self, tx: &mut Transaction, record: &Record<T>) -> Result<String> {
        let rel = Self::record_path(record.kind, &record.version_id);
        let bytes = record::encode(record)?;
        let abs = self.root.join(&rel);
        if abs.exists() {
            let existing = std::fs::read(&abs).io_context(|| format!("Cannot read {rel}"))?;
            if existing == bytes {
                return Ok(rel);
            }
            return Err(Error::Store(format!(
                "refusing to overwrite the immutable object {rel}"
            )));
        }
        tx.write_file(&rel, &bytes)?;
        Ok(rel)
    }

    /// Stages many new records in `tx` with one journal write (see [`Store::put`]).
    pub fn put_all<T: Serialize>(&self, tx: &mut Transaction, records: &[Record<T>]) -> Result<()> {
        let mut files = Vec::with_capacity(records.len());
        for record in records {
            let rel = Self::record_path(record.kind, &record.version_id);
            let bytes = record::encode(record)?;
            if self.root.join(&rel).exists() {
                return Err(Error::Store(format!(
                    "refusing to overwrite the immutable object {rel}"
                )));
            }
            files.push((rel, bytes));
        }
        tx.write_files(&files)
    }

    /// The index of all records, refreshed from disk (see [`cache::StoreIndex`]).
    pub fn index(&self) -> Result<cache::StoreIndex> {
        cache::StoreIndex::load_fresh(self)
    }

    /// The current version of the project metadata.
    pub fn project(&self) -> Result<Record<Project>> {
        let index = self.index()?;
        let head = index
            .latest(Kind::Project, None)
            .ok_or_else(|| Error::Store("the store holds no project metadata".into()))?;
        self.read(Kind::Project, &head)
    }

    /// Lists `(version id, file size)` of the record files in one shard directory of `kind`.
    pub fn list_shard(&self, kind: Kind, shard: &str) -> Result<BTreeMap<String, u64>> {
        let dir = self.dir().join(kind.dir_name()).join(shard);
        let mut out = BTreeMap::new();
        let rd = match std::fs::read_dir(&dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(Error::io(format!("Cannot list {}", dir.display()), e)),
        };
        for entry in rd {
            let entry = entry.io_context(|| format!("Cannot list {}", dir.display()))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let Some(id) = name.strip_suffix(".json") else {
                continue;
            };
            let len = entry.metadata().map(|m| m.len()).unwrap_or(0);
            out.insert(id.to_string(), len);
        }
        Ok(out)
    }
}
