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

/// One dataset as it currently is.
#[derive(Debug, Clone)]
pub struct DatasetState {
    /// The current version.
    pub record: Record<Dataset>,
    /// The version ids of the other heads (non-empty after merging branches that both
    /// changed the dataset).
    pub other_heads: Vec<String>,
    /// Every file entry by path, the newest winning; includes removal entries.
    pub entries: BTreeMap<String, DatasetFile>,
}

impl DatasetState {
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
    pub fn state_of(&self, version_id: &str) -> Result<DatasetState> {
        let record: Record<Dataset> = self.store.read(Kind::Dataset, version_id)?;
        let other_heads: Vec<String> = self
            .index
            .heads(Kind::Dataset, Some(&record.object_id))
            .into_iter()
            .map(|(id, _)| id.clone())
            .filter(|id| id != version_id)
            .collect();
        let entries = self.fold_files(version_id, &record)?;
        Ok(DatasetState {
            record,
            other_heads,
            entries,
        })
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

    /// The ancestors of `version_id` (itself included) in write order.
    fn ancestry(&self, version_id: &str) -> Vec<String> {
        self.write_order(&[version_id.to_string()])
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

    fn fold_files(
        &self,
        version_id: &str,
        current: &Record<Dataset>,
    ) -> Result<BTreeMap<String, DatasetFile>> {
        let mut files: BTreeMap<String, DatasetFile> = BTreeMap::new();
        for id in self.ancestry(version_id) {
            let entries = if id == version_id {
                current.data.files.clone()
            } else {
                self.store.read::<Dataset>(Kind::Dataset, &id)?.data.files
            };
            for f in entries {
                files.insert(f.entity.path.clone(), f);
            }
        }
        // Also fold in the other heads' files when this is the current version of a merged
        // dataset: every branch's additions belong to the dataset.
        let heads: Vec<String> = self
            .index
            .heads(Kind::Dataset, Some(&current.object_id))
            .into_iter()
            .map(|(id, _)| id.clone())
            .collect();
        if heads.len() > 1 && heads.iter().any(|h| h == version_id) {
            files.clear();
            for id in self.write_order(&heads) {
                let entries = if id == version_id {
                    current.data.files.clone()
                } else {
                    self.store.read::<Dataset>(Kind::Dataset, &id)?.data.files
                };
                for f in entries {
                    files.insert(f.entity.path.clone(), f);
                }
            }
        }
        Ok(files)
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
