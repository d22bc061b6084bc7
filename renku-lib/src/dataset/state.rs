//! Reading datasets from the store: the current version of each dataset and its files.
//!
//! A version stores only the file entries it wrote; the files of a version are folded from
//! it and every version it derives from (through `derived_from` and `merges`), in the order
//! they were written, the newest entry per path winning.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{Dataset, DatasetFile, DatasetTag};
use crate::store::cache::StoreIndex;
use crate::store::{Kind, Record, Store};
use crate::{Error, Result};

use super::state_cache::{self, FoldedVersion};

/// One dataset as it currently is.
#[derive(Debug, Clone)]
pub struct DatasetState {
    /// The current version (its `data.files` are the entries this version wrote; the files of
    /// the dataset are in `entries`).
    pub record: Record<Dataset>,
    /// The version ids of the other heads (non-empty after merging branches that both
    /// changed the dataset).
    pub other_heads: Vec<String>,
    /// Every file entry by path, the newest winning; includes removal entries.
    pub entries: BTreeMap<String, DatasetFile>,
    /// The versions folded into `entries`, in the order they were applied (the key of the
    /// folded-state cache); empty for a dataset that is not in the store yet.
    pub(crate) order: Vec<FoldedVersion>,
}

impl DatasetState {
    /// The state of a dataset whose first version `record` is not written yet.
    pub fn new_dataset(record: Record<Dataset>) -> DatasetState {
        DatasetState {
            record,
            other_heads: Vec::new(),
            entries: BTreeMap::new(),
            order: Vec::new(),
        }
    }

    /// The dataset's current metadata.
    pub fn dataset(&self) -> &Dataset {
        &self.record.data
    }

    /// The files currently in the dataset (entries not recording a removal), by path.
    pub fn files(&self) -> impl Iterator<Item = &DatasetFile> {
        self.entries.values().filter(|f| !f.is_removed())
    }

    /// The current file at `path`, if it is in the dataset.
    pub fn file(&self, path: &str) -> Option<&DatasetFile> {
        self.entries.get(path).filter(|f| !f.is_removed())
    }

    /// Number of files currently in the dataset.
    pub fn file_count(&self) -> usize {
        self.files().count()
    }
}

/// Read access to the datasets of a project.
pub struct Datasets<'a> {
    store: &'a Store,
    index: StoreIndex,
}

impl<'a> Datasets<'a> {
    /// Loads the (refreshed) store index of `store`.
    pub fn load(store: &'a Store) -> Result<Self> {
        Ok(Datasets {
            store,
            index: store.index()?,
        })
    }

    /// The store index.
    pub fn index(&self) -> &StoreIndex {
        &self.index
    }

    /// The version id of the current version of every dataset that is not removed, by slug.
    /// When two live datasets claim the same slug (two branches created it), the newer wins.
    pub fn live_versions(&self) -> BTreeMap<String, String> {
        let mut out: BTreeMap<String, (String, chrono::DateTime<chrono::FixedOffset>)> =
            BTreeMap::new();
        for (vid, entry) in self.index.live(Kind::Dataset) {
            let Some(slug) = entry.slug.clone() else {
                continue;
            };
            let newer = out.get(&slug).is_none_or(|(_, d)| entry.date > *d);
            if newer {
                out.insert(slug, (vid.clone(), entry.date));
            }
        }
        out.into_iter().map(|(s, (v, _))| (s, v)).collect()
    }

    /// Slugs of all live datasets, sorted.
    pub fn slugs(&self) -> Vec<String> {
        self.live_versions().into_keys().collect()
    }

    /// The current state of dataset `slug`, if it exists and is not removed.
    pub fn find(&self, slug: &str) -> Result<Option<DatasetState>> {
        match self.live_versions().get(slug) {
            Some(vid) => self.state_of(vid).map(Some),
            None => Ok(None),
        }
    }

    /// Like [`Datasets::find`], failing with the reference's message when it does not exist.
    pub fn get(&self, slug: &str) -> Result<DatasetState> {
        self.find(slug)?
            .ok_or_else(|| Error::Failed(format!("Dataset '{slug}' is not found.")))
    }

    /// Every live dataset, sorted by slug.
    pub fn all(&self) -> Result<Vec<DatasetState>> {
        self.live_versions()
            .values()
            .map(|vid| self.state_of(vid))
            .collect()
    }

    /// The state of the dataset as of its version `version_id`.
    ///
    /// The state of a dataset's current version comes from the folded-state cache
    /// ([`state_cache`]) when the cache is up to date, is brought up to date from it when
    /// only newer versions were written since, and is folded from the records (and cached)
    /// otherwise. Older versions (tags) are always folded from the records.
    pub fn state_of(&self, version_id: &str) -> Result<DatasetState> {
        let object_id = match self.dataset_entry(version_id) {
            Some(e) => e.object_id.clone(),
            // Unknown to the index: reading it fails with the store's error, or tells.
            None => {
                self.store
                    .read::<serde_json::Value>(Kind::Dataset, version_id)?
                    .object_id
            }
        };
        let heads: Vec<String> = self
            .index
            .heads(Kind::Dataset, Some(&object_id))
            .into_iter()
            .map(|(id, _)| id.clone())
            .collect();
        let other_heads: Vec<String> = heads
            .iter()
            .filter(|id| *id != version_id)
            .cloned()
            .collect();
        // The files of a version are those of its ancestry; the current version of a merged
        // dataset (one of several heads) has every branch's files.
        let tips = if heads.len() > 1 && heads.iter().any(|h| h == version_id) {
            heads
        } else {
            vec![version_id.to_string()]
        };
        let order: Vec<FoldedVersion> = self
            .write_order(&tips)
            .into_iter()
            .map(|id| {
                let len = self.dataset_entry(&id).map_or(0, |e| e.len);
                (id, len)
            })
            .collect();
        let current = self
            .index
            .latest(Kind::Dataset, Some(&object_id))
            .as_deref()
            == Some(version_id);
        let cached = if current {
            state_cache::load(self.store, &object_id)
        } else {
            None
        };
        let (record, entries) = match cached {
            Some(c) if c.order == order && c.record.version_id == version_id => {
                tracing::debug!("dataset {object_id}: state from the cache");
                let entries = state_cache::entries_map(c.entries);
                return Ok(DatasetState {
                    record: c.record,
                    other_heads,
                    entries,
                    order,
                });
            }
            Some(c) if !c.order.is_empty() && order.starts_with(&c.order) => {
                tracing::debug!(
                    "dataset {object_id}: cache brought up to date with {} version(s)",
                    order.len() - c.order.len()
                );
                let entries = state_cache::entries_map(c.entries);
                let record = (c.record.version_id == version_id).then_some(c.record);
                self.fold(entries, record, &order[c.order.len()..], version_id)?
            }
            _ => {
                if current {
                    tracing::debug!("dataset {object_id}: folding {} version(s)", order.len());
                }
                self.fold(BTreeMap::new(), None, &order, version_id)?
            }
        };
        if current
            && let Err(e) = state_cache::save(self.store, &object_id, &order, &record, &entries)
        {
            tracing::warn!("could not save the dataset state cache: {e}");
        }
        Ok(DatasetState {
            record,
            other_heads,
            entries,
            order,
        })
    }

    /// The index entry of the dataset version `version_id`.
    fn dataset_entry(&self, version_id: &str) -> Option<&crate::store::cache::IndexEntry> {
        self.index
            .entries
            .get(&Kind::Dataset)
            .and_then(|e| e.get(version_id))
    }

    /// Every version of the dataset `object_id` (its initial identifier), oldest first.
    pub fn versions(&self, object_id: &str) -> Result<Vec<Record<Dataset>>> {
        let Some(entries) = self.index.entries.get(&Kind::Dataset) else {
            return Ok(Vec::new());
        };
        let mut ids: Vec<(&String, _)> = entries
            .iter()
            .filter(|(_, e)| e.object_id == object_id)
            .map(|(id, e)| (id, e.date))
            .collect();
        ids.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(b.0)));
        ids.into_iter()
            .map(|(id, _)| self.store.read(Kind::Dataset, id))
            .collect()
    }

    /// The versions reachable from `tips` (through `derived_from` and `merges`), every version
    /// after the versions it derives from; versions of parallel branches by date.
    fn write_order(&self, tips: &[String]) -> Vec<String> {
        let Some(entries) = self.index.entries.get(&Kind::Dataset) else {
            return tips.to_vec();
        };
        let parents = |id: &str| -> Vec<String> {
            entries
                .get(id)
                .map(|e| {
                    e.derived_from
                        .iter()
                        .chain(e.merges.iter())
                        .filter(|p| entries.contains_key(*p))
                        .cloned()
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut stack: Vec<String> = tips.to_vec();
        while let Some(id) = stack.pop() {
            if seen.insert(id.clone()) {
                stack.extend(parents(&id));
            }
        }
        // Kahn's algorithm: a version is ready once all its parents are placed; among ready
        // versions the oldest goes first.
        let mut waiting: BTreeMap<String, usize> = seen
            .iter()
            .map(|id| (id.clone(), parents(id).len()))
            .collect();
        let mut children: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for id in &seen {
            for p in parents(id) {
                children.entry(p).or_default().push(id.clone());
            }
        }
        let key = |id: &String| (entries.get(id).map(|e| e.date), id.clone());
        let mut ready: BTreeSet<(Option<chrono::DateTime<chrono::FixedOffset>>, String)> = waiting
            .iter()
            .filter(|(_, n)| **n == 0)
            .map(|(id, _)| key(id))
            .collect();
        let mut out = Vec::with_capacity(seen.len());
        while let Some(first) = ready.iter().next().cloned() {
            ready.remove(&first);
            let id = first.1;
            for c in children.get(&id).cloned().unwrap_or_default() {
                if let Some(n) = waiting.get_mut(&c) {
                    *n -= 1;
                    if *n == 0 {
                        ready.insert(key(&c));
                    }
                }
            }
            out.push(id);
        }
        out
    }

    /// The live tags of the dataset `initial_identifier`, oldest first.
    pub fn tags(&self, initial_identifier: &str) -> Result<Vec<Record<DatasetTag>>> {
        let prefix = format!("{initial_identifier}/");
        let mut out: Vec<Record<DatasetTag>> = self
            .index
            .live(Kind::DatasetTag)
            .into_iter()
            .filter(|(_, e)| e.object_id.starts_with(&prefix))
            .map(|(id, _)| self.store.read(Kind::DatasetTag, id))
            .collect::<Result<_>>()?;
        out.sort_by_key(|t| t.data.date_created);
        Ok(out)
    }
}

/// Applies the file entries one version wrote: the newest entry per path wins.
impl Datasets<'_> {
    /// Applies the records of `versions` (in order) to `entries`, starting from `record`
    /// (the record of `version_id`, when already known); returns the record of `version_id`
    /// and the entries.
    fn fold(
        &self,
        mut entries: BTreeMap<String, DatasetFile>,
        mut record: Option<Record<Dataset>>,
        versions: &[FoldedVersion],
        version_id: &str,
    ) -> Result<(Record<Dataset>, BTreeMap<String, DatasetFile>)> {
        for (id, _) in versions {
            let mut r: Record<Dataset> = self.store.read(Kind::Dataset, id)?;
            if id == version_id {
                apply(&mut entries, r.data.files.clone());
                record = Some(r);
            } else {
                apply(&mut entries, std::mem::take(&mut r.data.files));
            }
        }
        let record = match record {
            Some(r) => r,
            None => self.store.read(Kind::Dataset, version_id)?,
        };
        Ok((record, entries))
    }
}

fn apply(entries: &mut BTreeMap<String, DatasetFile>, files: Vec<DatasetFile>) {
    for f in files {
        entries.insert(f.entity.path.clone(), f);
    }
}

/// Remembers the state of a dataset after a command committed `record`, a new version
/// written on top of `before` (the dataset's current state when the command started), in
/// the folded-state cache, so that the next command need not fold the dataset again. A
/// record that is not such a successor, or a failure to write the cache, only costs that
/// next command a fold.
pub fn remember_written(store: &Store, before: DatasetState, record: &Record<Dataset>) {
    let successor = if before.order.is_empty() {
        // A new dataset: its first version.
        record.derived_from.is_none()
    } else {
        let mut merged = record.data.merges.clone();
        merged.sort();
        let mut others = before.other_heads.clone();
        others.sort();
        record.object_id == before.record.object_id
            && record.derived_from.as_deref() == Some(before.record.version_id.as_str())
            && merged == others
    };
    if !successor {
        return;
    }
    let rel = Store::record_path(Kind::Dataset, &record.version_id);
    let Ok(meta) = std::fs::metadata(store.root().join(&rel)) else {
        return;
    };
    let mut order = before.order;
    order.push((record.version_id.clone(), meta.len()));
    let mut entries = before.entries;
    apply(&mut entries, record.data.files.clone());
    if let Err(e) = state_cache::save(store, &record.object_id, &order, record, &entries) {
        tracing::warn!("could not save the dataset state cache: {e}");
    }
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
