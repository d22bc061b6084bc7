//! `renku dataset update` of imported datasets: when the provider has a newer version of the
//! record (or the record's version changed), the dataset is imported again as a whole into
//! its data directory, as a new version of the same dataset.

use std::collections::BTreeSet;

use crate::dataset_remote::download::DownloadProgress;
use crate::dataset_remote::{RemoteDataset, RemoteError};
use crate::model::{Dataset, DatasetFile, Person};
use crate::repo::ProjectDir;
use crate::repo::git::Git;
use crate::repo::lfs::LfsTracker;
use crate::repo::transaction::Transaction;
use crate::{Error, Result};

use super::import::{apply_remote_metadata, copy_from_renku, download, resolve, tag_import};
use super::{DatasetState, Datasets};

/// What an imported dataset needs.
#[derive(Debug, Clone)]
pub(crate) enum Check {
    /// Not imported, or the provider is unknown now, or the remote version is the one recorded.
    UpToDate,
    /// Imported from a Renku project at a tag: never updated.
    PinnedToTag(String),
    /// The remote has another version; `latest` is the record to import.
    Outdated {
        /// The latest record, resolved already when it is the one the dataset names.
        latest: Box<RemoteDataset>,
    },
}

/// The URI to ask the provider about: the one the user imported from, else `same_as`.
fn source_uri(ds: &Dataset) -> Option<&str> {
    ds.import_source
        .as_ref()
        .map(|s| s.uri.as_str())
        .or(ds.same_as.as_ref().map(|u| u.url.as_str()))
        .filter(|u| !u.trim().is_empty())
}

/// Whether `ds` is an imported dataset (one `dataset update` re-imports rather than updating
/// file by file).
pub(crate) fn is_imported(ds: &Dataset) -> bool {
    ds.same_as.is_some() && ds.import_source.is_some()
}

/// Asks the provider whether the imported dataset `ds` has a newer version.
pub(crate) fn check(ds: &Dataset) -> Result<Check> {
    if !is_imported(ds) {
        return Ok(Check::UpToDate);
    }
    if let Some(tag) = ds.import_source.as_ref().and_then(|s| s.tag.clone()) {
        return Ok(Check::PinnedToTag(tag));
    }
    let Some(uri) = source_uri(ds) else {
        return Ok(Check::UpToDate);
    };
    let remote = match resolve(uri) {
        Ok(remote) => remote,
        Err(Error::Remote(RemoteError::ProviderNotFound { .. })) => {
            tracing::debug!(%uri, "no provider for an imported dataset any more");
            return Ok(Check::UpToDate);
        }
        Err(e) => return Err(e),
    };
    let latest = match &remote.newer_version {
        Some(newer) => resolve(newer)?,
        None => remote,
    };
    if latest.newer_version.is_none() && latest.metadata.version == ds.version {
        return Ok(Check::UpToDate);
    }
    Ok(Check::Outdated {
        latest: Box::new(latest),
    })
}

/// Whether a dataset file's name is that of an archive (then the dataset was imported
/// without extracting, and is re-imported the same way).
fn looks_like_archive(path: &str) -> bool {
    crate::dataset_remote::archive::is_archive(std::path::Path::new(path))
}

/// Everything [`reimport`] works with.
pub(crate) struct Reimport<'a> {
    /// The project.
    pub project: &'a ProjectDir,
    /// Its repository.
    pub git: &'a Git,
    /// Git LFS tracking of the new files.
    pub lfs: &'a LfsTracker,
    /// The project's datasets.
    pub datasets: &'a Datasets<'a>,
    /// The git user.
    pub user: &'a Person,
    /// Remove files the new version no longer has from the work tree too.
    pub delete: bool,
    /// Receives download progress.
    pub progress: &'a dyn DownloadProgress,
}

impl Reimport<'_> {
    /// Imports `latest` again as the next version of `state`'s dataset, as part of `tx`:
    /// its files are downloaded (all or nothing) and placed into the data directory
    /// (replacing what is there), the metadata taken from the provider; files of the old
    /// version the new one lacks leave the dataset, and with `delete` the work tree.
    pub(crate) fn apply(
        &self,
        tx: &mut Transaction,
        state: &DatasetState,
        latest: &RemoteDataset,
    ) -> Result<()> {
        let ds = state.dataset();
        let default_dir = super::default_data_dir(self.project.root())?;
        let data_dir = ds.data_dir(&default_dir);
        let mut record = super::next_version(tx, state, ds.clone(), Vec::new(), self.user);
        apply_remote_metadata(&mut record.data, latest, self.user);
        let scratch = super::import::scratch_dir(self.project)?;
        let fetched = match &latest.renku {
            Some(source) => copy_from_renku(self.project, source, None, &mut record, &data_dir)?,
            None => {
                let extract = !state.files().any(|f| looks_like_archive(f.path()));
                download(latest, scratch.path(), extract, 4, self.progress)?
                    .into_iter()
                    .map(|(rel, abs, url)| (format!("{data_dir}/{rel}"), abs, url))
                    .collect()
            }
        };
        super::import::place(tx, self.project, self.lfs, self.git, &fetched, &mut record)?;
        let new_paths: BTreeSet<String> = record
            .data
            .files
            .iter()
            .map(|f| f.path().to_string())
            .collect();
        // Files whose content did not change keep their entries (and their ids).
        record.data.files.retain(|f| {
            state
                .file(f.path())
                .is_none_or(|old| old.entity.checksum != f.entity.checksum)
        });
        let vanished: Vec<&DatasetFile> = state
            .files()
            .filter(|f| !new_paths.contains(f.path()))
            .collect();
        let mut to_delete = Vec::new();
        for f in &vanished {
            record.data.files.push(f.removed_copy());
            if self.delete && self.project.root().join(f.path()).exists() {
                to_delete.push(f.path().to_string());
            }
        }
        if !to_delete.is_empty() {
            tx.remove_files(&to_delete)?;
        }
        let store = self.project.store();
        super::put_version(&store, tx, &record)?;
        let existing: Vec<String> = self
            .datasets
            .tags(&ds.initial_identifier)?
            .into_iter()
            .map(|t| t.data.name)
            .collect();
        tag_import(&store, tx, latest, &record.data, &existing)?;
        drop(scratch);
        Ok(())
    }
}
