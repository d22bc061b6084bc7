//! `renku dataset add`: files from the project, from outside it, from git repositories and
//! from the web into a dataset, as one new version and one commit.

use std::path::{Path, PathBuf};

use crate::context::CommandContext;
use crate::model::{Dataset, DatasetFile, RemoteEntity};
use crate::repo::ProjectDir;
use crate::repo::git::Git;
use crate::repo::lfs::{LfsTracker, Tracked};
use crate::repo::transaction::Transaction;
use crate::{Error, Result};

use super::create::NewDataset;
use super::{DatasetState, Datasets};

/// How local files get into the data directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddAction {
    /// Copy them.
    Copy,
    /// Move them.
    Move,
    /// Symlink to them (project files only).
    Link,
}

impl AddAction {
    /// Parses `renku.default_dataset_add_action`.
    pub fn parse_config(value: &str) -> Result<AddAction> {
        match value.trim() {
            "copy" => Ok(AddAction::Copy),
            "move" => Ok(AddAction::Move),
            "link" => Ok(AddAction::Link),
            other => Err(Error::Failed(format!(
                "Invalid default action for adding to datasets in Renku config: '{other}'. Valid values are 'copy', 'link', and 'move'."
            ))),
        }
    }

    fn verb(self) -> &'static str {
        match self {
            AddAction::Copy => "copied",
            AddAction::Move => "moved",
            AddAction::Link => "linked",
        }
    }
}

/// What `renku dataset add` is asked to do.
#[derive(Debug, Clone, Default)]
pub struct AddRequest {
    /// The dataset.
    pub slug: String,
    /// Local paths (relative to `cwd` or absolute) and URLs.
    pub sources: Vec<String>,
    /// Create the dataset first (`-c/--create`), with this metadata.
    pub create: Option<NewDataset>,
    /// Sub-directory of the data directory to add to.
    pub destination: Option<String>,
    /// How to bring local files in; `None`: the configured default, else ask.
    pub action: Option<AddAction>,
    /// Also add git-ignored files.
    pub force: bool,
    /// Replace files already in the dataset.
    pub overwrite: bool,
    /// Paths or globs inside a git source (`-s/--source`).
    pub source_paths: Vec<String>,
    /// Branch, tag or commit of a git source (`--ref`).
    pub reference: Option<String>,
    /// Directory relative paths are resolved against.
    pub cwd: PathBuf,
}

/// The callbacks `dataset add` talks to the user through.
pub trait AddInteraction {
    /// Shows a warning.
    fn warning(&mut self, message: &str);
    /// Asks a yes/no question (`message` is the whole prompt text).
    fn confirm(&mut self, message: &str) -> bool;
    /// Receives the progress of downloads.
    fn progress(&self) -> &dyn crate::dataset_remote::download::DownloadProgress;
    /// Receives the progress of uploads to a dataset's cloud storage (default: nowhere).
    fn upload_progress(&self) -> &dyn crate::dataset_remote::download::DownloadProgress {
        &crate::dataset_remote::download::NoProgress
    }
    /// Asks for cloud-storage credentials that neither the environment nor the credential
    /// file has (default: never ask, access anonymously).
    fn credential_prompt(
        &mut self,
    ) -> Option<&mut dyn crate::cloud_storage::credentials::CredentialPrompt> {
        None
    }
}

/// What `dataset add` did.
#[derive(Debug, Clone)]
pub struct AddOutcome {
    /// The new version.
    pub dataset: Dataset,
    /// Paths added or replaced.
    pub added: Vec<String>,
    /// Whether the dataset was created by this command.
    pub created: bool,
    /// What went to Git LFS.
    pub lfs: Tracked,
}

/// Where one file to add comes from.
#[derive(Debug, Clone)]
pub(crate) enum Origin {
    /// A local file (absolute path); `project_rel` when it is inside the project.
    Local {
        abs: PathBuf,
        project_rel: Option<String>,
    },
    /// A file of a cloned git repository.
    Git {
        abs: PathBuf,
        url: String,
        path: String,
        blob: String,
    },
    /// A downloaded file (web and cloud-storage sources), in a scratch directory; cloud
    /// objects carry the object they are a copy of.
    Downloaded {
        abs: PathBuf,
        based_on: Option<RemoteEntity>,
    },
}

/// One file to add.
#[derive(Debug, Clone)]
pub(crate) struct Pending {
    /// Destination, relative to the project root.
    pub dest: String,
    /// Where it comes from.
    pub origin: Origin,
    /// The `source` recorded (project-relative path, `../x`, or URL).
    pub source: String,
}

/// Adds the sources of `request` to the dataset as one commit.
pub fn add(
    ctx: &CommandContext,
    project: &ProjectDir,
    request: &AddRequest,
    ui: &mut dyn AddInteraction,
) -> Result<AddOutcome> {
    if request.sources.is_empty() {
        return Err(Error::Usage(
            "Missing argument 'URLS...': give at least one path or URL to add.".into(),
        ));
    }
    if let Some(new) = &request.create {
        super::validate_slug(&new.slug)?;
    }
    let git = project.git()?;
    super::ensure_metadata_clean(&git)?;
    let user = super::git_user(&git)?;
    let classified = classify_sources(request)?;
    let lfs = LfsTracker::new(project.root(), git.repo(), ctx.external_storage)?;
    let mut tx = ctx.begin_transaction(project.root())?;
    let store = project.store();
    let datasets = Datasets::load(&store)?;
    let existing = datasets.find(&request.slug)?;
    let (state, created) = match (existing, &request.create) {
        (Some(_), Some(_)) => {
            return Err(Error::Failed(format!("Dataset exists: '{}'", request.slug)));
        }
        (Some(s), None) => (s, false),
        (None, Some(new)) => {
            let record = super::create::first_version(new, &user, tx.id())?;
            (DatasetState::new_dataset(record), true)
        }
        (None, None) => {
            return Err(Error::Failed(format!(
                "Dataset '{0}' does not exist.\nUse 'renku dataset create {0}' to create the dataset or retry 'renku dataset add {0}' command with '--create' option for automatic dataset creation.",
                request.slug
            )));
        }
    };
    let data_dir = state
        .dataset()
        .data_dir(&super::default_data_dir(project.root())?);
    let dest_root = match &request.destination {
        Some(d) => {
            let joined = crate::util::normalize_path(&Path::new(&data_dir).join(d));
            let joined = joined.to_string_lossy().replace('\\', "/");
            if !(joined == data_dir || joined.starts_with(&format!("{data_dir}/"))) {
                return Err(Error::Parameter(format!(
                    "Destination is not inside the dataset's data directory: {d}"
                )));
            }
            joined
        }
        None => data_dir.clone(),
    };

    let storage = match (&request.create, created) {
        (Some(new), true) => new.storage.clone(),
        _ => state.dataset().storage.clone(),
    };
    if let Some(storage) = storage {
        let mut state = state;
        if created {
            state.record.data.storage = Some(storage);
        }
        let job = super::storage::StorageAdd {
            tx,
            state,
            created,
            data_dir,
            dest_root,
            user: &user,
        };
        return super::storage::add_to_storage(ctx, project, request, ui, job);
    }
    if request.create.as_ref().is_some_and(|n| n.storage.is_some()) {
        return Err(Error::Failed(
            "'--storage' can only be used when the dataset is created.".into(),
        ));
    }

    let mut pending = Vec::new();
    let scratch = if classified
        .iter()
        .any(|s| matches!(s, Source::Web(_) | Source::Cloud(_)))
    {
        Some(super::import::scratch_dir(project)?)
    } else {
        None
    };
    let web: Vec<&String> = classified
        .iter()
        .filter_map(|s| match s {
            Source::Web(u) => Some(u),
            _ => None,
        })
        .collect();
    if let Some(dir) = &scratch {
        let requests: Vec<crate::dataset_remote::download::DownloadRequest> = web
            .iter()
            .map(|u| crate::dataset_remote::download::DownloadRequest::new(u.as_str()))
            .collect();
        let downloader =
            crate::dataset_remote::download::Downloader::new(&super::import::settings())?;
        let done = downloader.download_all(
            &requests,
            dir.path(),
            requests.len().clamp(1, 8),
            ui.progress(),
        )?;
        for d in done {
            let rel = d.relative.to_string_lossy().replace('\\', "/");
            pending.push(Pending {
                dest: format!("{dest_root}/{rel}"),
                origin: Origin::Downloaded {
                    abs: d.path.clone(),
                    based_on: None,
                },
                source: d.url.clone(),
            });
        }
    }
    if let Some(dir) = &scratch {
        for source in &classified {
            if let Source::Cloud(url) = source {
                pending.extend(cloud_pending(url, dir.path(), &dest_root, ui)?);
            }
        }
    }
    for source in &classified {
        match source {
            Source::Local(path) => {
                pending.extend(local_pending(project, path, &dest_root, &data_dir)?);
            }
            Source::Git(url) => {
                pending.extend(super::git_source::pending(
                    project,
                    url,
                    &request.source_paths,
                    request.reference.as_deref(),
                    &dest_root,
                )?);
            }
            Source::Web(_) | Source::Cloud(_) => {}
        }
    }

    let action = choose_action(project, request, &pending, &data_dir, ui)?;
    let pending = filter_pending(&git, &state, pending, request, ui)?;
    if pending.is_empty() {
        if created {
            return Err(Error::Parameter(
                "There are no files to create a dataset".into(),
            ));
        }
        ui.warning("No new file was added to project");
        return Err(Error::NothingToCommit);
    }
    let protected: Vec<String> = pending
        .iter()
        .filter_map(|p| {
            let source = match &p.origin {
                Origin::Local {
                    project_rel: Some(r),
                    ..
                } => Some(r.as_str()),
                _ => None,
            };
            let name = p.dest.rsplit('/').next().unwrap_or(&p.dest);
            [Some(p.dest.as_str()), source, Some(name)]
                .into_iter()
                .flatten()
                .find(|c| super::is_protected(c))
                .map(|_| source.unwrap_or(&p.dest).to_string())
        })
        .collect();
    if !protected.is_empty() {
        return Err(super::protected_error(&protected));
    }

    let mut files = place_files(&mut tx, project, &pending, action)?;
    let dests: Vec<String> = files
        .iter()
        .filter(|(_, linked)| *linked)
        .map(|(p, _)| p.dest.clone())
        .collect();
    let lfs_paths: Vec<String> = files
        .iter()
        .filter(|(_, linked)| !linked)
        .map(|(p, _)| p.dest.clone())
        .collect();
    let tracked = lfs.track(&mut tx, git.repo(), &lfs_paths)?;
    // A linked file is recorded with the content of the file it links to.
    let hashed: Vec<String> = files
        .iter()
        .map(|(p, linked)| match (&p.origin, linked) {
            (
                Origin::Local {
                    project_rel: Some(r),
                    ..
                },
                true,
            ) => r.clone(),
            _ => p.dest.clone(),
        })
        .collect();
    // Each file is read once: its blob is written now and reused by the commit.
    let blobs = git.write_blobs(&hashed)?;
    let mut entries = Vec::with_capacity(files.len());
    for ((p, linked), blob) in files.drain(..).zip(blobs) {
        let size = if linked {
            std::fs::metadata(project.root().join(&p.dest))
                .ok()
                .map(|m| m.len())
        } else {
            Some(blob.size)
        };
        if !linked {
            tx.stage_blob(&p.dest, blob)?;
        }
        let checksum = blob.id.to_string();
        let mut f = DatasetFile::new(&p.dest, &checksum, Some(p.source.clone()), size);
        f.linked = linked;
        if let Origin::Git {
            url, path, blob, ..
        } = &p.origin
        {
            f.based_on = Some(RemoteEntity::new(url, path, blob));
        }
        if let Origin::Downloaded {
            based_on: Some(b), ..
        } = &p.origin
        {
            f.based_on = Some(b.clone());
        }
        if let Some(old) = state.entries.get(&p.dest)
            && !old.is_removed()
            && old.entity.checksum == f.entity.checksum
            && old.source == f.source
        {
            continue;
        }
        entries.push(f);
    }
    for rel in &dests {
        tx.stage_path(rel)?;
    }
    let added: Vec<String> = entries.iter().map(|f| f.entity.path.clone()).collect();
    if entries.is_empty() && !created {
        ui.warning("No new file was added to project");
        return Err(Error::NothingToCommit);
    }
    let record = if created {
        let mut record = state.record.clone();
        record.data.files = entries;
        record
    } else {
        super::next_version(&tx, &state, state.dataset().clone(), entries, &user)
    };
    super::put_version(&store, &mut tx, &record)?;
    tx.commit(&ctx.argv)?;
    super::state::remember_written(&store, state, &record);
    Ok(AddOutcome {
        dataset: record.data,
        added,
        created,
        lfs: tracked,
    })
}

/// A classified `dataset add` argument.
#[derive(Debug, Clone)]
enum Source {
    Local(PathBuf),
    Git(String),
    Web(String),
    /// An `s3://` or `azure://` URI.
    Cloud(String),
}

/// Whether `url` names a git repository (`git+https://`, `git@…`, or ending in `.git`).
pub fn is_git_url(url: &str) -> bool {
    url.starts_with("git+")
        || url.starts_with("git@")
        || url.starts_with("git://")
        || (url.contains("://") && url.trim_end_matches('/').ends_with(".git"))
}

fn classify_sources(request: &AddRequest) -> Result<Vec<Source>> {
    let mut out = Vec::new();
    for s in &request.sources {
        if is_git_url(s) {
            out.push(Source::Git(s.clone()));
        } else if s.starts_with("http://") || s.starts_with("https://") {
            out.push(Source::Web(s.clone()));
        } else if super::storage::is_storage_url(s) {
            super::storage::parse_storage_uri(s)?;
            out.push(Source::Cloud(s.clone()));
        } else if s.contains("://") {
            return Err(Error::Parameter(format!(
                "Cannot add '{s}': unsupported URL scheme."
            )));
        } else {
            let p = Path::new(s);
            let abs = if p.is_absolute() {
                p.to_path_buf()
            } else {
                request.cwd.join(p)
            };
            if std::fs::symlink_metadata(&abs).is_err() {
                return Err(Error::Parameter(format!("Cannot find source file: {s}")));
            }
            out.push(Source::Local(abs));
        }
    }
    let git_count = out.iter().filter(|s| matches!(s, Source::Git(_))).count();
    if !request.source_paths.is_empty() {
        if out.len() > 1 && git_count > 0 {
            return Err(Error::Parameter(
                "Cannot use '--source' with multiple URLs.".into(),
            ));
        }
        if git_count == 0 {
            return Err(Error::Parameter(
                "Cannot use '-s/--src/--source' with URLs or local files.".into(),
            ));
        }
    }
    if request.reference.is_some() && git_count == 0 {
        return Err(Error::Parameter(
            "Cannot use '-r/--ref' with URLs or local files.".into(),
        ));
    }
    Ok(out)
}

/// The files below `abs` (itself when it is a file), as paths relative to `abs`; `.git`
/// directories are left out.
pub(crate) fn walk_files(abs: &Path) -> Result<Vec<PathBuf>> {
    let meta = std::fs::symlink_metadata(abs)
        .map_err(|e| Error::io(format!("Cannot stat {}", abs.display()), e))?;
    if !meta.is_dir() {
        return Ok(vec![PathBuf::new()]);
    }
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let dir = abs.join(&rel);
        let rd = std::fs::read_dir(&dir)
            .map_err(|e| Error::io(format!("Cannot list {}", dir.display()), e))?;
        for entry in rd {
            let entry =
                entry.map_err(|e| Error::io(format!("Cannot list {}", dir.display()), e))?;
            let name = entry.file_name();
            if name == ".git" {
                continue;
            }
            let child = rel.join(&name);
            let ft = entry
                .file_type()
                .map_err(|e| Error::io(format!("Cannot stat {}", child.display()), e))?;
            if ft.is_dir() {
                stack.push(child);
            } else {
                out.push(child);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Downloads the objects a cloud-storage URI names into `dir` for a dataset without storage;
/// each is recorded with `based_on` = (object URI, MD5).
fn cloud_pending(
    url: &str,
    dir: &Path,
    dest_root: &str,
    ui: &mut dyn AddInteraction,
) -> Result<Vec<Pending>> {
    let uri = super::storage::parse_storage_uri(url)?;
    let storage = super::storage::connect(&uri, ui.credential_prompt())?;
    let objects = super::storage::resolve_objects(storage.as_ref(), &uri)?;
    let sub = dir.join(format!("cloud-{}", crate::util::new_hex_id()));
    let fetched =
        super::storage::download_objects(storage.as_ref(), &uri, &objects, &sub, ui.progress())?;
    let mut out = Vec::with_capacity(objects.len());
    for ((rel, info), abs) in objects.iter().zip(fetched) {
        let object = uri.with_path(&info.key).to_string();
        let md5 = match &info.md5 {
            Some(m) => m.clone(),
            None => super::storage::md5_file(&abs)?,
        };
        out.push(Pending {
            dest: format!("{dest_root}/{rel}"),
            origin: Origin::Downloaded {
                abs,
                based_on: Some(RemoteEntity::new(&object, rel, &md5)),
            },
            source: object,
        });
    }
    Ok(out)
}

fn rel_string(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

pub(crate) fn local_pending(
    project: &ProjectDir,
    abs: &Path,
    dest_root: &str,
    data_dir: &str,
) -> Result<Vec<Pending>> {
    let abs_norm = crate::util::normalize_path(abs);
    let root = project.root();
    let project_rel = project.relative_path(&abs_norm);
    if let Some(rel) = &project_rel
        && (rel == ".git" || rel.starts_with(".git/"))
    {
        return Ok(Vec::new());
    }
    let is_dir = abs_norm.is_dir();
    if is_dir && let Some(rel) = &project_rel {
        let contains_datadir = rel.is_empty()
            || rel == "."
            || data_dir == rel
            || data_dir.starts_with(&format!("{rel}/"));
        if contains_datadir {
            return Err(Error::Parameter(format!(
                "Cannot recursively add path containing dataset's data directory: {}",
                if rel.is_empty() { "." } else { rel }
            )));
        }
    }
    let dest_base = if is_dir {
        let name = abs_norm
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let into_contents = abs.to_string_lossy().ends_with('/') && root.join(dest_root).is_dir();
        if into_contents {
            dest_root.to_string()
        } else {
            format!("{dest_root}/{name}")
        }
    } else {
        dest_root.to_string()
    };
    let mut out = Vec::new();
    for inner in walk_files(&abs_norm)? {
        let file_abs = if inner.as_os_str().is_empty() {
            abs_norm.clone()
        } else {
            abs_norm.join(&inner)
        };
        let dest = if is_dir {
            format!("{dest_base}/{}", rel_string(&inner))
        } else {
            let name = abs_norm
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            format!("{dest_base}/{name}")
        };
        let file_rel = project.relative_path(&file_abs);
        let source = match &file_rel {
            Some(r) => r.clone(),
            None => relative_to(&file_abs, root),
        };
        // Files already inside the data directory are registered where they are.
        let dest = match &file_rel {
            Some(r) if r == data_dir || r.starts_with(&format!("{data_dir}/")) => r.clone(),
            _ => dest,
        };
        out.push(Pending {
            dest,
            origin: Origin::Local {
                abs: file_abs,
                project_rel: file_rel,
            },
            source,
        });
    }
    Ok(out)
}

/// `path` relative to `base` with `..` components (`../x` for files next to the project).
fn relative_to(path: &Path, base: &Path) -> String {
    let path = crate::util::normalize_path(path);
    let base = crate::util::normalize_path(base);
    let pc: Vec<_> = path.components().collect();
    let bc: Vec<_> = base.components().collect();
    let common = pc.iter().zip(&bc).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); bc.len() - common];
    parts.extend(
        pc[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

fn filter_pending(
    git: &Git,
    state: &DatasetState,
    pending: Vec<Pending>,
    request: &AddRequest,
    ui: &mut dyn AddInteraction,
) -> Result<Vec<Pending>> {
    let mut out = Vec::with_capacity(pending.len());
    let mut ignored = Vec::new();
    let mut existing = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    let mut ignore = IgnoreCheck::new(git)?;
    for p in pending {
        if !seen.insert(p.dest.clone()) {
            continue;
        }
        if !request.force && ignore.is_ignored(&p.dest)? {
            ignored.push(p.dest.clone());
            continue;
        }
        if !request.overwrite && state.file(&p.dest).is_some() {
            existing.push(p.dest.clone());
            continue;
        }
        out.push(p);
    }
    if !ignored.is_empty() {
        ui.warning(&format!(
            "Theses paths are ignored by one of your .gitignore files (use '--force' flag if you really want to add them):\n\t{}",
            ignored.join("\n\t")
        ));
    }
    if !existing.is_empty() {
        ui.warning(&format!(
            "These existing files were not overwritten (use '--overwrite' flag to overwrite them):\n\t{}",
            existing.join("\n\t")
        ));
    }
    Ok(out)
}

fn choose_action(
    project: &ProjectDir,
    request: &AddRequest,
    pending: &[Pending],
    data_dir: &str,
    ui: &mut dyn AddInteraction,
) -> Result<AddAction> {
    let needs_action: Vec<&Pending> = pending
        .iter()
        .filter(|p| matches!(&p.origin, Origin::Local { project_rel, .. } if project_rel.as_deref() != Some(p.dest.as_str())))
        .collect();
    let outside: Vec<&&Pending> = needs_action
        .iter()
        .filter(|p| {
            matches!(
                &p.origin,
                Origin::Local {
                    project_rel: None,
                    ..
                }
            )
        })
        .collect();
    if request.action == Some(AddAction::Link)
        && let Some(p) = outside.first()
        && let Origin::Local { abs, .. } = &p.origin
    {
        return Err(Error::Parameter(format!(
            "Cannot use '--link' for files outside of project: '{}'",
            abs.display()
        )));
    }
    if let Some(a) = request.action {
        return Ok(a);
    }
    if needs_action.is_empty() {
        return Ok(AddAction::Copy);
    }
    let config = crate::config::Config::load(Some(project.root()))?;
    let configured = config
        .value("renku.default_dataset_add_action")
        .map(|v| AddAction::parse_config(&v))
        .transpose()?;
    match configured {
        Some(AddAction::Link) if outside.is_empty() => return Ok(AddAction::Link),
        Some(AddAction::Link) => {}
        Some(a) => return Ok(a),
        None => {}
    }
    let action = AddAction::Copy;
    let list: Vec<String> = needs_action
        .iter()
        .map(|p| match &p.origin {
            Origin::Local { abs, .. } => format!("\t{}", abs.display()),
            _ => format!("\t{}", p.source),
        })
        .collect();
    let message = format!(
        "The following files will be {} to {data_dir}:\n\t(use '--move' or '--link' to move or symlink them instead, '--copy' to not be asked)\n\t(run 'renku config set renku.default_dataset_add_action copy' to make copying the default)\n{}\nProceed?",
        action.verb(),
        list.join("\n")
    );
    if ui.confirm(&message) {
        Ok(action)
    } else {
        Err(Error::Aborted)
    }
}

/// Puts every pending file in place as part of `tx`; returns them with whether each is a
/// link.
fn place_files(
    tx: &mut Transaction,
    project: &ProjectDir,
    pending: &[Pending],
    action: AddAction,
) -> Result<Vec<(Pending, bool)>> {
    let root = project.root();
    let mut out = Vec::with_capacity(pending.len());
    let mut copies: Vec<(PathBuf, String)> = Vec::new();
    let mut moves: Vec<(String, String)> = Vec::new();
    let mut links: Vec<(String, String)> = Vec::new();
    let mut renames: Vec<(PathBuf, String)> = Vec::new();
    for p in pending {
        match &p.origin {
            Origin::Local { abs, project_rel } => {
                if project_rel.as_deref() == Some(p.dest.as_str()) {
                    out.push((p.clone(), false));
                    continue;
                }
                match (action, project_rel) {
                    (AddAction::Link, Some(rel)) => {
                        links.push((rel.clone(), p.dest.clone()));
                        out.push((p.clone(), true));
                    }
                    (AddAction::Move, Some(rel)) => {
                        moves.push((rel.clone(), p.dest.clone()));
                        out.push((p.clone(), false));
                    }
                    _ => {
                        copies.push((abs.clone(), p.dest.clone()));
                        out.push((p.clone(), false));
                    }
                }
            }
            Origin::Git { abs, .. } => {
                copies.push((abs.clone(), p.dest.clone()));
                out.push((p.clone(), false));
            }
            Origin::Downloaded { abs, .. } => {
                renames.push((abs.clone(), p.dest.clone()));
                out.push((p.clone(), false));
            }
        }
    }
    let mut touched: Vec<String> = copies.iter().map(|(_, d)| d.clone()).collect();
    touched.extend(moves.iter().flat_map(|(s, d)| [s.clone(), d.clone()]));
    touched.extend(links.iter().map(|(_, d)| d.clone()));
    touched.extend(renames.iter().map(|(_, d)| d.clone()));
    tx.protect_files(&touched)?;
    let mut made_dirs = std::collections::HashSet::new();
    for (src, dest) in &copies {
        let target = root.join(dest);
        if let Some(parent) = target.parent()
            && !made_dirs.contains(parent)
        {
            create_parent(&target)?;
            made_dirs.insert(parent.to_path_buf());
        }
        std::fs::copy(src, &target)
            .map_err(|e| Error::io(format!("Cannot copy {} to {dest}", src.display()), e))?;
        crate::interrupt::check()?;
    }
    for (src, dest) in &renames {
        let target = root.join(dest);
        create_parent(&target)?;
        if std::fs::rename(src, &target).is_err() {
            std::fs::copy(src, &target)
                .map_err(|e| Error::io(format!("Cannot write {dest}"), e))?;
        }
    }
    for (src, dest) in &moves {
        let target = root.join(dest);
        create_parent(&target)?;
        std::fs::rename(root.join(src), &target)
            .map_err(|e| Error::io(format!("Cannot move {src} to {dest}"), e))?;
    }
    for (src, dest) in &links {
        let target = root.join(dest);
        create_parent(&target)?;
        let parent = Path::new(dest).parent().unwrap_or(Path::new(""));
        let depth = parent.components().count();
        let mut link = PathBuf::new();
        for _ in 0..depth {
            link.push("..");
        }
        link.push(src);
        if target.exists() || std::fs::symlink_metadata(&target).is_ok() {
            std::fs::remove_file(&target)
                .map_err(|e| Error::io(format!("Cannot replace {dest}"), e))?;
        }
        symlink(&link, &target)?;
        tx.stage_path(src)?;
    }
    for (src, _) in &moves {
        tx.stage_path(src)?;
    }
    Ok(out)
}

fn create_parent(target: &Path) -> Result<()> {
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| Error::io(format!("Cannot create {}", parent.display()), e))?;
    }
    Ok(())
}

#[cfg(unix)]
fn symlink(link: &Path, target: &Path) -> Result<()> {
    std::os::unix::fs::symlink(link, target)
        .map_err(|e| Error::io(format!("Cannot link {}", target.display()), e))
}

#[cfg(not(unix))]
fn symlink(_link: &Path, target: &Path) -> Result<()> {
    Err(Error::Failed(format!(
        "Cannot link {}: symbolic links are not supported on this system",
        target.display()
    )))
}

/// Git blob ids of the files at `rels` (as a commit would hold them: LFS pointers for
/// files git stores in LFS).
pub(crate) fn hash_files(root: &Path, rels: &[String]) -> Result<Vec<String>> {
    let git = Git::open(root)?;
    git.hash_files(rels)
        .map(|ids| ids.into_iter().map(|id| id.to_string()).collect())
}

/// Registers the files already in `data_dir` (for `dataset create`).
pub(crate) fn register_existing(
    project: &ProjectDir,
    git: &Git,
    tx: &mut Transaction,
    data_dir: &str,
    ctx: &CommandContext,
) -> Result<Vec<DatasetFile>> {
    let abs = project.root().join(data_dir);
    if !abs.is_dir() {
        return Ok(Vec::new());
    }
    let mut ignore = IgnoreCheck::new(git)?;
    let mut rels = Vec::new();
    for inner in walk_files(&abs)? {
        let rel = format!("{data_dir}/{}", rel_string(&inner));
        if inner.file_name().is_some_and(|n| n == ".gitkeep") || ignore.is_ignored(&rel)? {
            continue;
        }
        rels.push(rel);
    }
    if rels.is_empty() {
        return Ok(Vec::new());
    }
    let lfs = LfsTracker::new(project.root(), git.repo(), ctx.external_storage)?;
    lfs.track(tx, git.repo(), &rels)?;
    let blobs = git.write_blobs(&rels)?;
    let mut out = Vec::with_capacity(rels.len());
    for (rel, blob) in rels.iter().zip(blobs) {
        out.push(DatasetFile::new(
            rel,
            &blob.id.to_string(),
            Some(rel.clone()),
            Some(blob.size),
        ));
        tx.stage_blob(rel, blob)?;
    }
    Ok(out)
}

/// Tells whether paths are ignored by the project's `.gitignore` files.
pub(crate) struct IgnoreCheck<'repo> {
    stack: gix::AttributeStack<'repo>,
}

impl<'repo> IgnoreCheck<'repo> {
    /// The check of `git`'s repository.
    pub(crate) fn new(git: &'repo Git) -> Result<Self> {
        let repo = git.repo();
        let index = crate::repo::lfs::index_or_empty(repo)?;
        let stack = repo
            .excludes(
                &index,
                None,
                gix::worktree::stack::state::ignore::Source::WorktreeThenIdMappingIfNotSkipped,
            )
            .map_err(|e| Error::git("cannot read .gitignore", e))?;
        Ok(IgnoreCheck { stack })
    }

    /// Whether the file at repository-relative `rel` is ignored.
    pub(crate) fn is_ignored(&mut self, rel: &str) -> Result<bool> {
        let platform = self
            .stack
            .at_entry(rel, Some(gix::index::entry::Mode::FILE))
            .map_err(|e| Error::git(format!("cannot check whether {rel} is ignored"), e))?;
        Ok(platform.is_excluded())
    }
}
