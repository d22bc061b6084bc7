//! The derived, git-ignored cache of the store (`.renku/cache/store-index.json`).
//!
//! The index summarises every record (kind, object id, version it derives from, date,
//! removal). Records are immutable and named by their version id, so the set of file names
//! (with their sizes) determines the content: the cache is refreshed incrementally by listing
//! the store directories, reading only records it has not seen and dropping those that
//! vanished. Deleting the cache never loses anything; it is rebuilt on the next read.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use super::{CACHE_DIR, Kind, Store};
use crate::Result;

/// File name of the index inside `.renku/cache/`.
pub const INDEX_FILE: &str = "store-index.json";
/// Version of the cache layout; a different version is discarded and rebuilt.
pub const CACHE_VERSION: u32 = 1;

/// Summary of one record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexEntry {
    /// Identity of the object across versions.
    pub object_id: String,
    /// The version this one derives from.
    pub derived_from: Option<String>,
    /// When the version was written.
    pub date: DateTime<FixedOffset>,
    /// Whether the version marks a removal.
    pub removed: bool,
    /// Size of the record file, to notice replaced files.
    pub len: u64,
    /// Plans: the plan's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Activities: the id of the plan they executed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_id: Option<String>,
    /// Activities: paths used.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub used: Vec<String>,
    /// Activities: paths generated.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub generated: Vec<String>,
}

/// The index of all records in the store.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreIndex {
    /// Cache layout version.
    pub version: u32,
    /// Entries by kind and version id.
    pub entries: BTreeMap<Kind, BTreeMap<String, IndexEntry>>,
}

/// What a refresh of the index did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RefreshStats {
    /// Records read from disk because the cache did not know them.
    pub read: usize,
    /// Cache entries dropped because their file is gone or changed.
    pub dropped: usize,
}

#[derive(Deserialize)]
struct Summary {
    object_id: String,
    derived_from: Option<String>,
    date: DateTime<FixedOffset>,
    #[serde(default)]
    removed: bool,
    kind: Kind,
    version_id: String,
    #[serde(default)]
    data: SummaryData,
}

#[derive(Deserialize, Default)]
struct SummaryData {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    plan_id: Option<String>,
    #[serde(default)]
    usages: Vec<SummaryUse>,
    #[serde(default)]
    generations: Vec<SummaryUse>,
}

#[derive(Deserialize)]
struct SummaryUse {
    entity: SummaryEntity,
}

#[derive(Deserialize)]
struct SummaryEntity {
    path: String,
}

impl StoreIndex {
    /// Loads the cached index (if any) and brings it up to date with the store on disk,
    /// saving it back when it changed.
    pub fn load_fresh(store: &Store) -> Result<StoreIndex> {
        let mut index = Self::load_cached(store).unwrap_or_default();
        let stats = index.refresh(store)?;
        if stats.read > 0 || stats.dropped > 0 || index.version != CACHE_VERSION {
            index.version = CACHE_VERSION;
            if let Err(e) = index.save(store) {
                tracing::warn!("could not save the metadata cache: {e}");
            }
        }
        Ok(index)
    }

    /// Reads the cached index without checking it against the store. `None` when there is no
    /// usable cache (missing, unreadable or of another layout version).
    pub fn load_cached(store: &Store) -> Option<StoreIndex> {
        let path = store.root().join(CACHE_DIR).join(INDEX_FILE);
        let bytes = std::fs::read(path).ok()?;
        let index: StoreIndex = serde_json::from_slice(&bytes).ok()?;
        (index.version == CACHE_VERSION).then_some(index)
    }

    /// Builds the index from scratch by reading every record.
    pub fn rebuild(store: &Store) -> Result<StoreIndex> {
        let mut index = StoreIndex {
            version: CACHE_VERSION,
            entries: BTreeMap::new(),
        };
        index.refresh(store)?;
        index.save(store)?;
        Ok(index)
    }

    /// Brings the index up to date with the files on disk.
    pub fn refresh(&mut self, store: &Store) -> Result<RefreshStats> {
        let mut stats = RefreshStats::default();
        for &kind in Kind::ALL {
            let on_disk = store.list_files(kind)?;
            let entries = self.entries.entry(kind).or_default();
            let before = entries.len();
            entries.retain(|id, e| on_disk.get(id) == Some(&e.len));
            stats.dropped += before - entries.len();
            for (id, len) in &on_disk {
                if entries.contains_key(id) {
                    continue;
                }
                let rel = Store::record_path(kind, id);
                let bytes = std::fs::read(store.root().join(&rel))
                    .map_err(|e| crate::Error::io(format!("Cannot read {rel}"), e))?;
                let summary: Summary = serde_json::from_slice(&bytes).map_err(|e| {
                    crate::Error::Store(format!("{rel} is not a valid record: {e}"))
                })?;
                if summary.kind != kind || summary.version_id != *id {
                    return Err(crate::Error::Store(format!(
                        "{rel} holds {:?} version {} (expected {:?} version {id})",
                        summary.kind, summary.version_id, kind
                    )));
                }
                entries.insert(
                    id.clone(),
                    IndexEntry {
                        object_id: summary.object_id,
                        derived_from: summary.derived_from,
                        date: summary.date,
                        removed: summary.removed,
                        len: *len,
                        name: if kind == Kind::Plan {
                            summary.data.name
                        } else {
                            None
                        },
                        plan_id: summary.data.plan_id,
                        used: summary
                            .data
                            .usages
                            .into_iter()
                            .map(|u| u.entity.path)
                            .collect(),
                        generated: summary
                            .data
                            .generations
                            .into_iter()
                            .map(|g| g.entity.path)
                            .collect(),
                    },
                );
                stats.read += 1;
            }
        }
        self.entries.retain(|_, e| !e.is_empty());
        Ok(stats)
    }

    /// Writes the index to the cache directory atomically.
    pub fn save(&self, store: &Store) -> Result<()> {
        let dir = store.root().join(CACHE_DIR);
        crate::util::ensure_ignored_dir(&dir)?;
        let bytes = serde_json::to_vec(self)
            .map_err(|e| crate::Error::Store(format!("cannot encode cache: {e}")))?;
        crate::util::write_atomic(&dir.join(INDEX_FILE), &bytes, None)
    }

    /// The head versions of `kind` (versions no other version derives from), optionally only
    /// those of one object.
    pub fn heads(&self, kind: Kind, object_id: Option<&str>) -> Vec<(&String, &IndexEntry)> {
        let Some(entries) = self.entries.get(&kind) else {
            return Vec::new();
        };
        let superseded: BTreeSet<&str> = entries
            .values()
            .filter_map(|e| e.derived_from.as_deref())
            .collect();
        entries
            .iter()
            .filter(|(id, e)| {
                !superseded.contains(id.as_str()) && object_id.is_none_or(|o| o == e.object_id)
            })
            .collect()
    }

    /// The newest head of `kind` (optionally of one object): when two branches each wrote a
    /// version, the one written last wins, ties broken by version id.
    pub fn latest(&self, kind: Kind, object_id: Option<&str>) -> Option<String> {
        self.heads(kind, object_id)
            .into_iter()
            .max_by(|a, b| a.1.date.cmp(&b.1.date).then_with(|| a.0.cmp(b.0)))
            .map(|(id, _)| id.clone())
    }

    /// Number of records of `kind`.
    pub fn count(&self, kind: Kind) -> usize {
        self.entries.get(&kind).map_or(0, BTreeMap::len)
    }
}
