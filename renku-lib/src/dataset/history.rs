//! What each dataset version changed, for `renku log`.

use chrono::{DateTime, FixedOffset};

use crate::Result;
use crate::model::Dataset;
use crate::repo::ProjectDir;

use super::Datasets;

/// What kind of change a version made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// The dataset was created.
    Created,
    /// The dataset was imported.
    Imported,
    /// The dataset was modified.
    Modified,
    /// The dataset was removed.
    Deleted,
}

impl ChangeKind {
    /// Lower-case label (`created`, `imported`, `modified`, `deleted`).
    pub fn label(self) -> &'static str {
        match self {
            ChangeKind::Created => "created",
            ChangeKind::Imported => "imported",
            ChangeKind::Modified => "modified",
            ChangeKind::Deleted => "deleted",
        }
    }
}

/// The changes one dataset version made compared to the version it derives from.
#[derive(Debug, Clone)]
pub struct DatasetChange {
    /// The version.
    pub dataset: Dataset,
    /// When it was made.
    pub date: DateTime<FixedOffset>,
    /// What kind of change.
    pub kind: ChangeKind,
    /// Files added.
    pub files_added: Vec<String>,
    /// Files removed.
    pub files_removed: Vec<String>,
    /// Creators added (full identities).
    pub creators_added: Vec<String>,
    /// Creators removed.
    pub creators_removed: Vec<String>,
    /// Keywords added.
    pub keywords_added: Vec<String>,
    /// Keywords removed.
    pub keywords_removed: Vec<String>,
    /// The new title, when it changed.
    pub name_set: Option<String>,
    /// The new description, when it changed.
    pub description_set: Option<String>,
    /// Whether the version this one derives from had files (the reference counts files
    /// added to an empty dataset as no modification).
    pub parent_had_files: bool,
    /// The image URLs, in position order, when they changed.
    pub images_set: Option<Vec<String>>,
}

/// The changes of every dataset version of the project, oldest first.
pub fn changes(project: &ProjectDir) -> Result<Vec<DatasetChange>> {
    let store = project.store();
    let datasets = Datasets::load(&store)?;
    let mut objects: Vec<String> = datasets
        .index()
        .entries
        .get(&crate::store::Kind::Dataset)
        .map(|e| e.values().map(|v| v.object_id.clone()).collect())
        .unwrap_or_default();
    objects.sort();
    objects.dedup();
    let mut out = Vec::new();
    for object in objects {
        let versions = datasets.versions(&object)?;
        let mut by_id = std::collections::BTreeMap::new();
        for v in &versions {
            by_id.insert(v.version_id.clone(), &v.data);
        }
        for v in &versions {
            let parent = v.derived_from.as_ref().and_then(|p| by_id.get(p)).copied();
            let d = &v.data;
            let kind = if d.is_removed() {
                ChangeKind::Deleted
            } else if parent.is_none() && (d.same_as.is_some() || d.import_source.is_some()) {
                ChangeKind::Imported
            } else if parent.is_none() {
                ChangeKind::Created
            } else {
                ChangeKind::Modified
            };
            let mut files_added = Vec::new();
            let mut files_removed = Vec::new();
            for f in &d.files {
                if f.is_removed() {
                    files_removed.push(f.entity.path.clone());
                } else {
                    files_added.push(f.entity.path.clone());
                }
            }
            let ids = |ds: Option<&Dataset>| -> Vec<String> {
                ds.map(|x| x.creators.iter().map(|c| c.full_identity()).collect())
                    .unwrap_or_default()
            };
            let before = ids(parent);
            let after = ids(Some(d));
            let kw_before: Vec<String> = parent.map(|p| p.keywords.clone()).unwrap_or_default();
            // A file added where the parent had one replaces it: the reference lists the
            // old one as removed too.
            let mut parent_had_files = false;
            if let (Some(p), false) = (&v.derived_from, files_added.is_empty()) {
                let state = datasets.state_of(p)?;
                parent_had_files = state.file_count() > 0;
                for added in &files_added {
                    if state.file(added).is_some() && !files_removed.contains(added) {
                        files_removed.push(added.clone());
                    }
                }
            }
            files_added.sort();
            files_removed.sort();
            let image_urls = |ds: Option<&Dataset>| -> Vec<String> {
                let mut images: Vec<_> = ds.map(|x| x.images.clone()).unwrap_or_default();
                images.sort_by_key(|i| i.position);
                images.into_iter().map(|i| i.content_url).collect()
            };
            let images_set = match parent {
                Some(_) => image_urls(parent) != image_urls(Some(d)),
                None => !d.images.is_empty(),
            }
            .then(|| image_urls(Some(d)));
            out.push(DatasetChange {
                dataset: d.clone(),
                date: v.date,
                kind,
                files_added,
                files_removed,
                creators_added: after
                    .iter()
                    .filter(|c| !before.contains(c))
                    .cloned()
                    .collect(),
                creators_removed: before
                    .iter()
                    .filter(|c| !after.contains(c))
                    .cloned()
                    .collect(),
                keywords_added: d
                    .keywords
                    .iter()
                    .filter(|k| !kw_before.contains(k))
                    .cloned()
                    .collect(),
                keywords_removed: kw_before
                    .iter()
                    .filter(|k| !d.keywords.contains(k))
                    .cloned()
                    .collect(),
                name_set: (parent.is_none_or(|p| p.name != d.name)).then(|| d.name.clone()),
                description_set: d
                    .description
                    .clone()
                    .filter(|desc| parent.is_none_or(|p| p.description.as_ref() != Some(desc))),
                parent_had_files,
                images_set,
            });
        }
    }
    out.sort_by_key(|c| c.date);
    Ok(out)
}
