//! `dataset update` of files that come from cloud storage: the files of storage datasets
//! (uploaded or recorded metadata-only) and `s3://`/`azure://` sources downloaded into plain
//! datasets. Each object is looked up (`stat`) and its MD5 compared with the recorded one:
//! a changed object gets a new entry (plain datasets: the new content is downloaded and
//! replaces the file), a missing one is reported as deleted.
//!
//! Credentials come from the environment or the per-user credential file, else from the
//! caller's prompt (as for `dataset add`), once per bucket.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::cloud_storage::credentials::CredentialPrompt;
use crate::cloud_storage::{ObjectInfo, StorageUri};
use crate::model::{DatasetFile, RemoteEntity};
use crate::repo::ProjectDir;
use crate::{Error, Result};

/// Directory under `.renku/tmp` that holds the new content of updated files until the
/// update commits.
const SCRATCH: &str = "storage-update";

/// A dataset file whose `based_on` is an `s3://` or `azure://` object.
#[derive(Debug, Clone)]
pub(crate) struct StorageFile {
    /// Slug of its dataset.
    pub(crate) slug: String,
    /// The file entry.
    pub(crate) file: DatasetFile,
    /// Whether the dataset keeps its data in the storage (nothing to download).
    pub(crate) in_storage_dataset: bool,
}

/// What changed about one file.
#[derive(Debug, Clone)]
pub(crate) struct StorageChange {
    /// Slug of its dataset.
    pub(crate) slug: String,
    /// The new entry (a removal entry when the object is gone).
    pub(crate) entry: DatasetFile,
    /// The downloaded new content, to copy over the file (plain datasets only).
    pub(crate) copy_from: Option<PathBuf>,
}

/// Whether `f` is a copy of a cloud-storage object.
pub(crate) fn is_storage_file(f: &DatasetFile) -> bool {
    f.based_on
        .as_ref()
        .is_some_and(|b| super::storage::is_storage_url(&b.url))
}

/// Looks up every file's object and returns the changes. Unless `dry_run`, the new content
/// of changed files of plain datasets is downloaded (to `.renku/tmp/storage-update/`, see
/// [`cleanup`]).
pub(crate) fn check(
    project: &ProjectDir,
    files: &[StorageFile],
    dry_run: bool,
    mut credentials: Option<&mut dyn CredentialPrompt>,
) -> Result<Vec<StorageChange>> {
    cleanup(project);
    if files.is_empty() {
        return Ok(Vec::new());
    }
    // One connection per bucket.
    let mut by_bucket: BTreeMap<String, Vec<(&StorageFile, StorageUri)>> = BTreeMap::new();
    for f in files {
        let Some(b) = &f.file.based_on else { continue };
        let uri = super::storage::parse_storage_uri(&b.url)?;
        by_bucket
            .entry(uri.root().to_string())
            .or_default()
            .push((f, uri));
    }
    let scratch = project.root().join(crate::store::TMP_DIR).join(SCRATCH);
    let mut out = Vec::new();
    for (bucket, items) in by_bucket {
        let root = super::storage::parse_storage_uri(&bucket)?;
        let prompt = credentials
            .as_mut()
            .map(|p| &mut **p as &mut dyn CredentialPrompt);
        let storage = super::storage::connect(&root, prompt)?;
        for (f, uri) in items {
            let Some(b) = &f.file.based_on else { continue };
            let info = storage.stat(uri.path())?;
            let Some(info) = info else {
                out.push(StorageChange {
                    slug: f.slug.clone(),
                    entry: f.file.removed_copy(),
                    copy_from: None,
                });
                continue;
            };
            let Some(md5) = info.md5.clone() else {
                tracing::warn!("{} has no MD5 in the storage; it cannot be compared", b.url);
                continue;
            };
            if md5 == b.checksum {
                continue;
            }
            let mut entry =
                DatasetFile::new(f.file.path(), &md5, f.file.source.clone(), Some(info.size));
            entry.based_on = Some(RemoteEntity::new(&b.url, &b.path, &md5));
            let copy_from = if f.in_storage_dataset || dry_run {
                None
            } else {
                Some(fetch(storage.as_ref(), &info, &scratch)?)
            };
            out.push(StorageChange {
                slug: f.slug.clone(),
                entry,
                copy_from,
            });
        }
    }
    Ok(out)
}

fn fetch(
    storage: &dyn crate::cloud_storage::ObjectStorage,
    info: &ObjectInfo,
    scratch: &Path,
) -> Result<PathBuf> {
    crate::util::ensure_ignored_dir(scratch.parent().unwrap_or(scratch))?;
    let local = scratch.join(crate::util::new_hex_id());
    let got = storage.download(&info.key, &local)?;
    if let (Some(a), Some(b)) = (&got.md5, &info.md5)
        && a != b
    {
        return Err(Error::Failed(format!(
            "{} changed while it was downloaded; run the update again.",
            storage.uri().with_path(&info.key)
        )));
    }
    Ok(local)
}

/// Removes the downloaded contents of a previous [`check`].
pub(crate) fn cleanup(project: &ProjectDir) {
    let dir = project.root().join(crate::store::TMP_DIR).join(SCRATCH);
    if dir.exists()
        && let Err(e) = std::fs::remove_dir_all(&dir)
    {
        tracing::warn!("cannot remove {}: {e}", dir.display());
    }
}
