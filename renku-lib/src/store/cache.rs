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
pub const CACHE_VERSION: u32 = 3;

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
    /// Plans and activities: the object's own id (`/plans/…`, `/activities/…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_id: Option<String>,
    /// Activities: checksums of the paths used, in the order of `used`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub used_checksums: Vec<String>,
    /// Activities: checksums of the paths generated, in the order of `generated`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub generated_checksums: Vec<String>,
    /// Activities: hidden usages (the workflow file of a workflow-file step) as
    /// `(path, checksum)`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hidden_used: Vec<(String, String)>,
    /// Activities: when the execution ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended: Option<DateTime<FixedOffset>>,
    /// Datasets: the slug.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    /// Other heads this version supersedes (datasets, after a merge).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merges: Vec<String>,
}

/// The index of all records in the store.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreIndex {
    /// Cache layout version.
    pub version: u32,
    /// Entries by kind and version id.
    pub entries: BTreeMap<Kind, BTreeMap<String, IndexEntry>>,
    /// Modification time (ns since the epoch) of each shard directory (`<kind>/<xx>`) when
    /// it was last listed, for shards whose listing can be trusted later.
    #[serde(default)]
    pub shards: BTreeMap<String, u128>,
}

/// A shard directory whose modification time is this close to "now" may still change within
/// the same timestamp tick, so it is listed again next time.
const RACY_WINDOW_NS: u128 = 2_000_000_000;

fn mtime_ns(meta: &std::fs::Metadata) -> Option<u128> {
    meta.modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .map(|d| d.as_nanos())
}

fn now_ns() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

/// What a refresh of the index did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RefreshStats {
    /// Shard directories listed because they changed (or could not be trusted).
    pub listed: usize,
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
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    ended_at_time: Option<DateTime<FixedOffset>>,
    #[serde(default)]
    hidden_usages: Vec<SummaryUse>,
    #[serde(default)]
    plan_id: Option<String>,
    #[serde(default)]
    usages: Vec<SummaryUse>,
    #[serde(default)]
    generations: Vec<SummaryUse>,
    #[serde(default)]
    slug: Option<String>,
    #[serde(default)]
    merges: Vec<String>,
}

#[derive(Deserialize)]
struct SummaryUse {
    entity: SummaryEntity,
}

#[derive(Deserialize)]
struct SummaryEntity {
    path: String,
    #[serde(default)]
    checksum: String,
}

impl StoreIndex {
    /// Loads the cached index (if any) and brings it up to date with the store on disk,
    /// saving it back when it changed.
    pub fn load_fresh(store: &Store) -> Result<StoreIndex> {
        let mut index = Self::load_cached(store).unwrap_or_default();
        let stats = index.refresh(store)?;
        if stats.read > 0 || stats.dropped > 0 || stats.listed > 0 || index.version != CACHE_VERSION
        {
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
            ..Default::default()
        };
        index.refresh(store)?;
        index.save(store)?;
        Ok(index)
    }

    /// Brings the index up to date with the files on disk. A shard directory whose
    /// modification time has not changed since it was listed is not listed again (records are
    /// immutable and only ever added or removed, which changes the directory's time).
    pub fn refresh(&mut self, store: &Store) -> Result<RefreshStats> {
        let mut stats = RefreshStats::default();
        let now = now_ns();
        let mut seen_shards: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
        for &kind in Kind::ALL {
            let kind_dir = store.dir().join(kind.dir_name());
            let shard_dirs = match std::fs::read_dir(&kind_dir) {
                Ok(rd) => rd,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    let entries = self.entries.entry(kind).or_default();
                    stats.dropped += entries.len();
                    entries.clear();
                    continue;
                }
                Err(e) => {
                    return Err(crate::Error::io(
                        format!("Cannot list {}", kind_dir.display()),
                        e,
                    ));
                }
            };
            let mut present_shards = std::collections::BTreeSet::new();
            for shard in shard_dirs {
                let shard = shard.map_err(|e| {
                    crate::Error::io(format!("Cannot list {}", kind_dir.display()), e)
                })?;
                let Ok(meta) = shard.metadata() else { continue };
                if !meta.is_dir() {
                    continue;
                }
                let name = shard.file_name().to_string_lossy().into_owned();
                let key = format!("{}/{name}", kind.dir_name());
                present_shards.insert(name.clone());
                seen_shards.insert(key.clone());
                let mtime = mtime_ns(&meta);
                if let (Some(m), Some(cached)) = (mtime, self.shards.get(&key))
                    && *cached == m
                {
                    continue;
                }
                let on_disk = store.list_shard(kind, &name)?;
                let entries = self.entries.entry(kind).or_default();
                let before = entries.len();
                entries.retain(|id, e| !id.starts_with(&name) || on_disk.get(id) == Some(&e.len));
                stats.dropped += before - entries.len();
                for (id, len) in &on_disk {
                    if entries.contains_key(id) {
                        continue;
                    }
                    entries.insert(id.clone(), read_entry(store, kind, id, *len)?);
                    stats.read += 1;
                }
                match mtime {
                    Some(m) if now.saturating_sub(m) > RACY_WINDOW_NS => {
                        self.shards.insert(key, m);
                    }
                    _ => {
                        self.shards.remove(&key);
                    }
                }
                // A changed shard must be saved even when nothing was read.
                stats.listed += 1;
            }
            let entries = self.entries.entry(kind).or_default();
            let before = entries.len();
            entries.retain(|id, _| present_shards.contains(id.get(..2).unwrap_or_default()));
            stats.dropped += before - entries.len();
        }
        self.shards.retain(|k, _| seen_shards.contains(k));
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
            .flat_map(|e| {
                e.derived_from
                    .as_deref()
                    .into_iter()
                    .chain(e.merges.iter().map(String::as_str))
            })
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

    /// The current version of every object of `kind` that is not removed: per object, its
    /// newest head, unless that head marks a removal.
    pub fn live(&self, kind: Kind) -> Vec<(&String, &IndexEntry)> {
        let mut newest: BTreeMap<&str, (&String, &IndexEntry)> = BTreeMap::new();
        for (id, e) in self.heads(kind, None) {
            let newer = match newest.get(e.object_id.as_str()) {
                Some((other_id, other)) => (e.date, id) > (other.date, *other_id),
                None => true,
            };
            if newer {
                newest.insert(e.object_id.as_str(), (id, e));
            }
        }
        newest.into_values().filter(|(_, e)| !e.removed).collect()
    }

    /// Number of records of `kind`.
    pub fn count(&self, kind: Kind) -> usize {
        self.entries.get(&kind).map_or(0, BTreeMap::len)
    }
}

fn read_entry(store: &Store, kind: Kind, id: &str, len: u64) -> Result<IndexEntry> {
    let rel = Store::record_path(kind, id);
    let bytes = std::fs::read(store.root().join(&rel))
        .map_err(|e| crate::Error::io(format!("Cannot read {rel}"), e))?;
    let summary: Summary = serde_json::from_slice(&bytes)
        .map_err(|e| crate::Error::Store(format!("{rel} is not a valid record: {e}")))?;
    if summary.kind != kind || summary.version_id != id {
        return Err(crate::Error::Store(format!(
            "{rel} holds {:?} version {} (expected {:?} version {id})",
            summary.kind, summary.version_id, kind
        )));
    }
    Ok(IndexEntry {
        object_id: summary.object_id,
        derived_from: summary.derived_from,
        date: summary.date,
        removed: summary.removed,
        len,
        name: if kind == Kind::Plan {
            summary.data.name
        } else {
            None
        },
        plan_id: summary.data.plan_id,
        data_id: summary.data.id,
        used_checksums: summary
            .data
            .usages
            .iter()
            .map(|u| u.entity.checksum.clone())
            .collect(),
        used: summary
            .data
            .usages
            .into_iter()
            .map(|u| u.entity.path)
            .collect(),
        generated_checksums: summary
            .data
            .generations
            .iter()
            .map(|g| g.entity.checksum.clone())
            .collect(),
        generated: summary
            .data
            .generations
            .into_iter()
            .map(|g| g.entity.path)
            .collect(),
        hidden_used: summary
            .data
            .hidden_usages
            .into_iter()
            .map(|u| (u.entity.path, u.entity.checksum))
            .collect(),
        ended: summary.data.ended_at_time,
        slug: summary.data.slug,
        merges: summary.data.merges,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Record, record};

    fn write_record(root: &std::path::Path, id: &str) {
        let mut r = Record::new(
            Kind::Plan,
            format!("/plans/{id}"),
            "t",
            serde_json::json!({"name": format!("p-{id}")}),
        );
        r.version_id = id.to_string();
        let path = root.join(Store::record_path(Kind::Plan, id));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, record::encode(&r).unwrap()).unwrap();
    }

    #[test]
    fn refresh_picks_up_added_and_removed_records() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        write_record(dir.path(), "aa000000000000000000000000000001");
        write_record(dir.path(), "bb000000000000000000000000000001");
        let idx = StoreIndex::load_fresh(&store).unwrap();
        assert_eq!(idx.count(Kind::Plan), 2);
        assert_eq!(
            idx.entries[&Kind::Plan]["aa000000000000000000000000000001"]
                .name
                .as_deref(),
            Some("p-aa000000000000000000000000000001")
        );

        write_record(dir.path(), "aa000000000000000000000000000002");
        std::fs::remove_file(dir.path().join(Store::record_path(
            Kind::Plan,
            "bb000000000000000000000000000001",
        )))
        .unwrap();
        let idx = StoreIndex::load_fresh(&store).unwrap();
        let ids: Vec<&String> = idx.entries[&Kind::Plan].keys().collect();
        assert_eq!(
            ids,
            [
                "aa000000000000000000000000000001",
                "aa000000000000000000000000000002"
            ]
        );
    }

    #[test]
    fn unchanged_trusted_shards_are_not_listed_again() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        write_record(dir.path(), "cc000000000000000000000000000001");
        let mut idx = StoreIndex::rebuild(&store).unwrap();
        // Pretend the shard was listed long ago at its current time: trusted.
        let meta = std::fs::metadata(dir.path().join(".renku/store/plan/cc")).unwrap();
        idx.shards
            .insert("plan/cc".into(), mtime_ns(&meta).unwrap());
        let stats = idx.refresh(&store).unwrap();
        assert_eq!(stats, RefreshStats::default());
        // A different recorded time means the shard changed: it is listed again.
        idx.shards.insert("plan/cc".into(), 1);
        let stats = idx.refresh(&store).unwrap();
        assert_eq!(stats.listed, 1);
    }
}
