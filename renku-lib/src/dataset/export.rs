//! `renku dataset export SLUG {local|zenodo|dataverse|olos}`: a version of a dataset (its
//! current version or a tagged one) copied to a local directory or deposited in a data
//! repository.
//!
//! The files are taken as recorded at that version: each file entry's checksum is the git
//! blob id its content had when the version was written, so the content is read from the
//! object database whatever the work tree holds now. A blob that is a Git LFS pointer is
//! resolved to the LFS object under `.git/lfs/objects` (or the work-tree file, when it still
//! has exactly that content).
//!
//! A local export writes into an empty or missing directory and removes what it wrote when
//! it fails half-way. Zenodo and Dataverse exports go through [`crate::dataset_export`].

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use gix::ObjectId;
use sha2::{Digest, Sha256};

use crate::dataset_export::{
    Destination, ExportFile, ExportMetadata, ExportProgress, ExportRequest, Exported,
    GlobalConfigFile, TokenPrompt,
};
use crate::error::IoContext;
use crate::model::DatasetTag;
use crate::repo::ProjectDir;
use crate::repo::lfs::Pointer;
use crate::store::Record;
use crate::{Error, Result};

use super::{DatasetState, Datasets};

/// The name of the metadata file a local export writes.
pub const METADATA_FILE: &str = "METADATA.yml";

/// Where to export a dataset version to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportTarget {
    /// A directory: `path` (absolute, or relative to the project root), else
    /// `<data_directory>/<slug>` (`<data_directory>/<slug>-<tag>` for a tag).
    Local {
        /// `-p/--path`.
        path: Option<PathBuf>,
    },
    /// Zenodo or Dataverse.
    Remote {
        /// The server and its options.
        destination: Destination,
        /// `--publish`: publish the deposit instead of leaving a draft.
        publish: bool,
    },
    /// OLOS (a DLCM server). Not supported: it needs an interactive choice of an
    /// organisational unit on the server.
    Olos {
        /// `--dlcm-server`.
        dlcm_server: Option<String>,
    },
}

/// What `renku dataset export` was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetExportRequest {
    /// The dataset's slug.
    pub slug: String,
    /// `-t/--tag`: the tagged version to export (else the current version, or the one
    /// [`ExportInteraction::choose_tag`] picks).
    pub tag: Option<String>,
    /// Where to.
    pub target: ExportTarget,
}

/// The interactive parts of an export, implemented by the command-line interface.
pub trait ExportInteraction {
    /// Picks the version to export when the dataset has `tags` (oldest first) and no tag was
    /// given: `None` for the current version (`<HEAD>`), `Some(i)` for `tags[i]`.
    fn choose_tag(&self, tags: &[DatasetTag]) -> Result<Option<usize>>;
    /// Asks for a missing access token of Zenodo or Dataverse.
    fn token_prompt(&self) -> &dyn TokenPrompt;
    /// Receives progress reports while files are copied or uploaded.
    fn progress(&self) -> Arc<dyn ExportProgress>;
}

/// The result of an export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportOutcome {
    /// A local export.
    Local {
        /// The directory the files were written to (absolute).
        directory: PathBuf,
        /// The metadata file written there (absolute).
        metadata_file: PathBuf,
    },
    /// A deposit on Zenodo or Dataverse.
    Remote(Exported),
}

/// Exports the dataset version `request` names to its target. The repository must be clean.
/// `config` is the global configuration the access tokens are read from and stored in.
pub fn export(
    project: &ProjectDir,
    request: &DatasetExportRequest,
    config: &GlobalConfigFile,
    ui: &dyn ExportInteraction,
) -> Result<ExportOutcome> {
    if let ExportTarget::Olos { dlcm_server } = &request.target {
        tracing::debug!("OLOS export requested (server {dlcm_server:?})");
        return Err(olos_unsupported());
    }
    let git = project.git()?;
    crate::repo::status::ensure_clean(&git)?;
    let store = project.store();
    let datasets = Datasets::load(&store)?;
    let current = datasets.find(&request.slug)?.ok_or_else(|| {
        Error::Usage(format!(
            "Invalid value: Dataset '{}' is not found.",
            request.slug
        ))
    })?;
    let (state, tag) = select_version(&datasets, current, request.tag.as_deref(), ui)?;
    let default_data_dir = super::default_data_dir(project.root())?;
    let files = resolve_files(&git, &state, &default_data_dir)?;
    match &request.target {
        ExportTarget::Local { path } => {
            let directory = match path {
                Some(p) if p.is_absolute() => crate::util::normalize_path(p),
                Some(p) => crate::util::normalize_path(&project.root().join(p)),
                None => {
                    let name = match &tag {
                        Some(t) => format!("{}-{}", state.dataset().slug, t.name),
                        None => state.dataset().slug.clone(),
                    };
                    project.root().join(&default_data_dir).join(name)
                }
            };
            let project_id = store.project()?.data.id;
            let metadata = metadata_yaml(&state, &project_id)?;
            let metadata_file =
                export_local(&git, &files, &directory, metadata.as_bytes(), ui.progress())?;
            Ok(ExportOutcome::Local {
                directory,
                metadata_file,
            })
        }
        ExportTarget::Remote {
            destination,
            publish,
        } => {
            let staging = tempfile::Builder::new()
                .prefix("renku-export-")
                .tempdir()
                .io_context(|| "Cannot create a temporary directory".into())?;
            let mut upload = Vec::with_capacity(files.len());
            for f in &files {
                let source = match &f.content {
                    Content::Blob { .. } => {
                        let p = staging.path().join(&f.name);
                        write_content(&git, f, &p, &crate::dataset_export::NoProgress)?;
                        p
                    }
                    Content::File { path, .. } => path.clone(),
                };
                upload.push(ExportFile {
                    name: f.name.clone(),
                    source,
                });
            }
            let export_request = ExportRequest {
                metadata: ExportMetadata::from_dataset(
                    state.dataset(),
                    tag.as_ref().map(|t| t.name.as_str()),
                ),
                files: upload,
                publish: *publish,
            };
            let exported = crate::dataset_export::export(
                destination,
                &export_request,
                config,
                ui.token_prompt(),
                ui.progress(),
            )?;
            Ok(ExportOutcome::Remote(exported))
        }
        ExportTarget::Olos { .. } => Err(olos_unsupported()),
    }
}

/// The error of an export to OLOS (exit code 2).
fn olos_unsupported() -> Error {
    Error::Usage(
        "OLOS export is not supported: it needs an organisational unit chosen interactively on the DLCM server. Export to 'local', 'zenodo' or 'dataverse' instead.".into(),
    )
}

/// The version to export: the one tagged `tag`, else the choice of `ui` when the dataset has
/// tags, else the current version. Returns the version's state and its tag.
fn select_version(
    datasets: &Datasets<'_>,
    current: DatasetState,
    tag: Option<&str>,
    ui: &dyn ExportInteraction,
) -> Result<(DatasetState, Option<DatasetTag>)> {
    let tags: Vec<Record<DatasetTag>> = datasets.tags(&current.dataset().initial_identifier)?;
    let chosen: Option<DatasetTag> = match tag {
        Some(name) => Some(
            tags.iter()
                .find(|t| t.data.name == name)
                .map(|t| t.data.clone())
                .ok_or_else(|| {
                    Error::Parameter(format!(
                        "Tag '{name}' not found for dataset '{}'",
                        current.dataset().slug
                    ))
                })?,
        ),
        None if tags.is_empty() => None,
        None => {
            let list: Vec<DatasetTag> = tags.iter().map(|t| t.data.clone()).collect();
            match ui.choose_tag(&list)? {
                None => None,
                Some(i) => Some(list.get(i).cloned().ok_or_else(|| {
                    Error::Parameter(format!("There is no tag number {}.", i + 2))
                })?),
            }
        }
    };
    match chosen {
        None => Ok((current, None)),
        Some(t) if t.dataset_identifier == current.dataset().identifier => Ok((current, Some(t))),
        Some(t) => {
            let state = datasets.state_of(&t.dataset_identifier)?;
            Ok((state, Some(t)))
        }
    }
}

/// Where the content of one exported file comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Content {
    /// A git blob.
    Blob {
        /// The blob id.
        id: ObjectId,
        /// Its size.
        size: u64,
    },
    /// A file on disk: an LFS object, or the work-tree file with the LFS object's content.
    File {
        /// The file.
        path: PathBuf,
        /// Its size.
        size: u64,
    },
}

/// One file to export.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ResolvedFile {
    /// The path inside the export (`/`-separated).
    name: String,
    /// The repository-relative path of the file in the dataset.
    path: String,
    /// Where its content is.
    content: Content,
}

impl ResolvedFile {
    fn size(&self) -> u64 {
        match &self.content {
            Content::Blob { size, .. } | Content::File { size, .. } => *size,
        }
    }
}

/// The path of the dataset file `path` inside an export: relative to the dataset's data
/// directory, or its file name for a file outside it.
pub fn export_name(path: &str, data_dir: &str) -> String {
    let prefix = format!("{}/", data_dir.trim_end_matches('/'));
    match path.strip_prefix(&prefix) {
        Some(rest) if !rest.is_empty() => rest.to_string(),
        _ => path.rsplit('/').next().unwrap_or(path).to_string(),
    }
}

/// The files of `state` with the export name and content source of each, sorted by name.
/// Fails before anything is written when a file's recorded content cannot be found.
fn resolve_files(
    git: &crate::repo::git::Git,
    state: &DatasetState,
    default_data_dir: &str,
) -> Result<Vec<ResolvedFile>> {
    let repo = git.repo();
    let data_dir = state.dataset().data_dir(default_data_dir);
    let lfs_objects = crate::repo::lfs::objects_dir(repo);
    let mut by_name: BTreeMap<String, ResolvedFile> = BTreeMap::new();
    let mut missing: Vec<String> = Vec::new();
    for f in state.files() {
        let path = f.path().to_string();
        let checksum = &f.entity.checksum;
        let Some(id) = ObjectId::from_hex(checksum.as_bytes())
            .ok()
            .filter(|id| repo.has_object(id))
        else {
            missing.push(format!("{path} (content {checksum})"));
            continue;
        };
        let header = repo
            .find_header(id)
            .map_err(|e| Error::git(format!("cannot read the blob of {path}"), e))?;
        if header.kind() != gix::objs::Kind::Blob {
            missing.push(format!("{path} (content {checksum} is not a file)"));
            continue;
        }
        let mut content = Content::Blob {
            id,
            size: header.size(),
        };
        if header.size() <= 1024 {
            let blob = repo
                .find_blob(id)
                .map_err(|e| Error::git(format!("cannot read the blob of {path}"), e))?;
            if let Some(pointer) = Pointer::parse(&blob.data) {
                match lfs_content(&lfs_objects, &git.root().join(&path), &pointer)? {
                    Some(c) => content = c,
                    None => {
                        missing.push(format!(
                            "{path} (Git LFS object {} is not available locally; run 'renku lfs pull {path}')",
                            pointer.oid
                        ));
                        continue;
                    }
                }
            }
        }
        let name = export_name(&path, &data_dir);
        let file = ResolvedFile {
            name: name.clone(),
            path: path.clone(),
            content,
        };
        if let Some(other) = by_name.insert(name.clone(), file) {
            return Err(Error::Failed(format!(
                "Cannot export dataset '{}': the files '{}' and '{path}' would both be exported as '{name}'.",
                state.dataset().slug,
                other.path
            )));
        }
    }
    if !missing.is_empty() {
        return Err(Error::Failed(format!(
            "Cannot export dataset '{}': the content of these files at the exported version is not in the repository:\n\t{}",
            state.dataset().slug,
            missing.join("\n\t")
        )));
    }
    Ok(by_name.into_values().collect())
}

/// The content of the LFS object `pointer` stands for: the object in `objects_dir`, else the
/// work-tree file `work_file` when it has exactly that content.
fn lfs_content(objects_dir: &Path, work_file: &Path, pointer: &Pointer) -> Result<Option<Content>> {
    let object = crate::repo::lfs::object_path(objects_dir, &pointer.oid);
    if std::fs::metadata(&object).is_ok_and(|m| m.is_file() && m.len() == pointer.size) {
        return Ok(Some(Content::File {
            path: object,
            size: pointer.size,
        }));
    }
    let Ok(meta) = std::fs::metadata(work_file) else {
        return Ok(None);
    };
    if !meta.is_file() || meta.len() != pointer.size {
        return Ok(None);
    }
    if sha256_file(work_file)? == pointer.oid {
        return Ok(Some(Content::File {
            path: work_file.to_path_buf(),
            size: pointer.size,
        }));
    }
    Ok(None)
}

/// SHA-256 of the file at `path`, streamed, as lowercase hex.
fn sha256_file(path: &Path) -> Result<String> {
    let mut file =
        std::fs::File::open(path).io_context(|| format!("Cannot read {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = file
            .read(&mut buf)
            .io_context(|| format!("Cannot read {}", path.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Writes the content of `file` to `dest` (creating its directory), reporting progress.
fn write_content(
    git: &crate::repo::git::Git,
    file: &ResolvedFile,
    dest: &Path,
    progress: &dyn ExportProgress,
) -> Result<()> {
    if let Some(parent) = dest.parent() {
        std::fs::create_dir_all(parent)
            .io_context(|| format!("Cannot create {}", parent.display()))?;
    }
    progress.file_started(&file.name, file.size());
    match &file.content {
        Content::Blob { id, .. } => {
            let blob = git
                .repo()
                .find_blob(*id)
                .map_err(|e| Error::git(format!("cannot read the blob of {}", file.path), e))?;
            std::fs::write(dest, &blob.data)
                .io_context(|| format!("Cannot write {}", dest.display()))?;
            progress.bytes(&file.name, blob.data.len() as u64);
        }
        Content::File { path, .. } => {
            let mut input = std::fs::File::open(path)
                .io_context(|| format!("Cannot read {}", path.display()))?;
            let mut output = std::fs::File::create(dest)
                .io_context(|| format!("Cannot write {}", dest.display()))?;
            let mut buf = vec![0u8; 256 * 1024];
            loop {
                if crate::interrupt::is_requested() {
                    return Err(Error::Interrupted);
                }
                let n = input
                    .read(&mut buf)
                    .io_context(|| format!("Cannot read {}", path.display()))?;
                if n == 0 {
                    break;
                }
                output
                    .write_all(&buf[..n])
                    .io_context(|| format!("Cannot write {}", dest.display()))?;
                progress.bytes(&file.name, n as u64);
            }
            output
                .flush()
                .io_context(|| format!("Cannot write {}", dest.display()))?;
        }
    }
    progress.file_done(&file.name);
    Ok(())
}

/// The metadata of the exported version as YAML, as the reference writes it: the version's
/// flattened JSON-LD (the dataset, all files of that version, their entities, creators and
/// the project's link to it) with the store's relative ids.
pub fn metadata_yaml(state: &DatasetState, project_id: &str) -> Result<String> {
    let value =
        crate::graph::build::dataset_version_json_ld(state.dataset(), state.files(), project_id)?;
    serde_saphyr::to_string(&value)
        .map_err(|e| Error::Failed(format!("Cannot render the dataset metadata: {e}")))
}

/// Removes what a local export wrote unless it is disarmed.
struct Cleanup {
    /// The export directory.
    directory: PathBuf,
    /// The topmost directory the export created (`None`: the directory existed, empty).
    created: Option<PathBuf>,
    armed: bool,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let result = match &self.created {
            Some(top) => std::fs::remove_dir_all(top),
            None => std::fs::read_dir(&self.directory).and_then(|entries| {
                for entry in entries {
                    let path = entry?.path();
                    if path.is_dir() && !path.is_symlink() {
                        std::fs::remove_dir_all(&path)?;
                    } else {
                        std::fs::remove_file(&path)?;
                    }
                }
                Ok(())
            }),
        };
        if let Err(e) = result {
            tracing::warn!(
                "cannot remove the unfinished export in {}: {e}",
                self.directory.display()
            );
        }
    }
}

/// Writes `files` and the metadata file into `directory`, which must be missing or empty;
/// returns the metadata file's path. On failure everything written is removed again.
fn export_local(
    git: &crate::repo::git::Git,
    files: &[ResolvedFile],
    directory: &Path,
    metadata: &[u8],
    progress: Arc<dyn ExportProgress>,
) -> Result<PathBuf> {
    let created = match std::fs::metadata(directory) {
        Ok(meta) if meta.is_dir() => {
            let mut entries = std::fs::read_dir(directory)
                .io_context(|| format!("Cannot list {}", directory.display()))?;
            if entries.next().is_some() {
                return Err(Error::Failed(format!(
                    "Destination directory is not empty: '{}'",
                    directory.display()
                )));
            }
            None
        }
        Ok(_) => {
            return Err(Error::Failed(format!(
                "Destination is not a directory: '{}'",
                directory.display()
            )));
        }
        Err(_) => {
            let mut top = directory.to_path_buf();
            while let Some(parent) = top.parent() {
                if parent.as_os_str().is_empty() || parent.exists() {
                    break;
                }
                top = parent.to_path_buf();
            }
            std::fs::create_dir_all(directory)
                .io_context(|| format!("Cannot create {}", directory.display()))?;
            Some(top)
        }
    };
    let mut cleanup = Cleanup {
        directory: directory.to_path_buf(),
        created,
        armed: true,
    };
    let metadata_name = if files.iter().any(|f| f.name == METADATA_FILE) {
        format!("METADATA-{}.yml", uuid::Uuid::new_v4())
    } else {
        METADATA_FILE.to_string()
    };
    for f in files {
        if crate::interrupt::is_requested() {
            return Err(Error::Interrupted);
        }
        write_content(git, f, &directory.join(&f.name), progress.as_ref())?;
    }
    let metadata_file = directory.join(&metadata_name);
    std::fs::write(&metadata_file, metadata)
        .io_context(|| format!("Cannot write {}", metadata_file.display()))?;
    cleanup.armed = false;
    Ok(metadata_file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_names_are_relative_to_the_data_directory() {
        assert_eq!(export_name("data/d1/a.txt", "data/d1"), "a.txt");
        assert_eq!(export_name("data/d1/sub/b.csv", "data/d1/"), "sub/b.csv");
        assert_eq!(export_name("src/other.txt", "data/d1"), "other.txt");
        assert_eq!(export_name("data/d10/x", "data/d1"), "x");
        assert_eq!(export_name("top.txt", "data/d1"), "top.txt");
    }

    #[test]
    fn a_failed_local_export_removes_the_directories_it_created() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("a/b/c");
        {
            let _cleanup = Cleanup {
                directory: target.clone(),
                created: Some(dir.path().join("a")),
                armed: true,
            };
            std::fs::create_dir_all(target.join("sub")).unwrap();
            std::fs::write(target.join("sub/f"), b"x").unwrap();
        }
        assert!(!dir.path().join("a").exists());

        // An existing (empty) destination is emptied again, not removed.
        let existing = dir.path().join("e");
        std::fs::create_dir_all(existing.join("sub")).unwrap();
        std::fs::write(existing.join("f"), b"x").unwrap();
        drop(Cleanup {
            directory: existing.clone(),
            created: None,
            armed: true,
        });
        assert!(existing.is_dir());
        assert_eq!(std::fs::read_dir(&existing).unwrap().count(), 0);
    }
}
