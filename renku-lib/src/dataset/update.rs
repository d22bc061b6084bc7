//! `renku dataset update`: bring datasets up to date with their sources — imported datasets
//! whose provider has a newer version (re-imported as a whole), local files changed in the
//! work tree, linked files whose target changed, files from git repositories whose remote
//! changed, files from the web whose content changed — and record deleted ones with
//! `--delete`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::cloud_storage::credentials::CredentialPrompt;
use crate::context::CommandContext;
use crate::dataset_remote::download::{DownloadProgress, DownloadRequest, Downloader};
use crate::dataset_remote::{RemoteDataset, RemoteError};
use crate::model::{DatasetFile, RemoteEntity};
use crate::repo::ProjectDir;
use crate::repo::git::Git;
use crate::{Error, Result};

use super::Datasets;
use super::files::{PathGlobs, passes};
use super::reimport::{Check, Reimport};

/// What `dataset update` is asked to do.
#[derive(Debug, Clone, Default)]
pub struct UpdateRequest {
    /// Datasets to update (all with `all`).
    pub slugs: Vec<String>,
    /// Update every dataset.
    pub all: bool,
    /// Only report what would change.
    pub dry_run: bool,
    /// Remove files whose source is gone from the datasets' metadata.
    pub delete: bool,
    /// Only files matching these globs.
    pub include: Vec<String>,
    /// No files matching these globs.
    pub exclude: Vec<String>,
    /// Only datasets having all of these creator names.
    pub creators: Vec<String>,
    /// Revision of git sources to update to.
    pub reference: Option<String>,
    /// Skip files from local sources.
    pub no_local: bool,
    /// Skip imported datasets and files from remote sources (git repositories, the web).
    pub no_remote: bool,
    /// Also register files in the data directories that are not in their dataset.
    pub check_data_directory: bool,
}

/// One file that would change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    /// Repository-relative path.
    pub path: String,
    /// Its dataset.
    pub slug: String,
    /// Whether the file is external (linked or from a remote).
    pub external: bool,
}

/// What an update changes (or, in a dry run, would change).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpdatePlan {
    /// Imported datasets to re-import (sorted).
    pub datasets: Vec<String>,
    /// Imported datasets left alone because they were imported at a tag: `(slug, tag)`.
    pub pinned: Vec<(String, String)>,
    /// Files whose content changed, or new files found in data directories.
    pub updated: Vec<FileChange>,
    /// Files whose source is gone.
    pub deleted: Vec<FileChange>,
    /// Whether any file of a not-imported dataset was looked at (the reference reports a
    /// file count only then).
    pub checked_files: bool,
}

impl UpdatePlan {
    /// Whether nothing would change.
    pub fn is_empty(&self) -> bool {
        self.datasets.is_empty() && self.updated.is_empty() && self.deleted.is_empty()
    }
}

/// Everything [`compute`] found: the plan, the file updates, the imported datasets to
/// re-import with their latest remote records, and the scratch directories web files were
/// downloaded to (alive until the update is applied).
struct Computed {
    plan: UpdatePlan,
    planned: Vec<Planned>,
    reimports: Vec<(String, Box<RemoteDataset>)>,
    _scratch: Option<tempfile::TempDir>,
}

/// A file update with the new entry to record.
struct Planned {
    change: FileChange,
    entry: Option<DatasetFile>,
    copy_from: Option<std::path::PathBuf>,
}

fn validate(request: &UpdateRequest) -> Result<()> {
    let filters = !request.include.is_empty() || !request.exclude.is_empty();
    if request.slugs.is_empty() && !request.all && !request.dry_run && !filters {
        return Err(Error::Parameter(
            "Either SLUGS, -a/--all, -n/--dry-run, or --include/--exclude should be specified"
                .into(),
        ));
    }
    if request.all && !request.slugs.is_empty() {
        return Err(Error::Parameter(
            "Cannot pass dataset slugs when updating all datasets".into(),
        ));
    }
    if request.all && filters {
        return Err(Error::Parameter(
            "Cannot specify include and exclude filters when updating all datasets".into(),
        ));
    }
    Ok(())
}

/// Computes what [`update`] would do, without changing the project (remote sources are
/// asked, web files downloaded to a scratch directory).
/// `credentials` is asked for cloud-storage credentials the environment and the credential
/// file do not have (`None`: such files fail).
pub fn plan(
    project: &ProjectDir,
    request: &UpdateRequest,
    progress: &dyn DownloadProgress,
    credentials: Option<&mut dyn CredentialPrompt>,
) -> Result<UpdatePlan> {
    validate(request)?;
    let store = project.store();
    let datasets = Datasets::load(&store)?;
    Ok(compute(project, &datasets, request, progress, credentials)?.plan)
}

/// Updates the datasets (one commit); returns what changed. Deleted files are only removed
/// from the metadata with `delete`; imported datasets are re-imported as a whole.
/// `credentials` as for [`plan`].
pub fn update(
    ctx: &CommandContext,
    project: &ProjectDir,
    request: &UpdateRequest,
    progress: &dyn DownloadProgress,
    credentials: Option<&mut dyn CredentialPrompt>,
) -> Result<UpdatePlan> {
    validate(request)?;
    let git = project.git()?;
    super::ensure_metadata_clean(&git)?;
    let user = super::git_user(&git)?;
    let mut tx = ctx.begin_transaction(project.root())?;
    let store = project.store();
    let datasets = Datasets::load(&store)?;
    let Computed {
        plan,
        planned,
        reimports,
        _scratch,
    } = compute(project, &datasets, request, progress, credentials)?;
    if !reimports.is_empty() {
        let lfs =
            crate::repo::lfs::LfsTracker::new(project.root(), git.repo(), ctx.external_storage)?;
        let reimport = Reimport {
            project,
            git: &git,
            lfs: &lfs,
            datasets: &datasets,
            user: &user,
            delete: request.delete,
            progress,
        };
        for (slug, latest) in &reimports {
            reimport.apply(&mut tx, &datasets.get(slug)?, latest)?;
        }
    }
    let mut by_slug: BTreeMap<String, Vec<&Planned>> = BTreeMap::new();
    for p in &planned {
        if p.entry.as_ref().is_some_and(DatasetFile::is_removed) && !request.delete {
            continue;
        }
        by_slug.entry(p.change.slug.clone()).or_default().push(p);
    }
    if by_slug.is_empty() && reimports.is_empty() {
        tx.rollback()?;
        return Ok(plan);
    }
    let copies: Vec<String> = planned
        .iter()
        .filter(|p| p.copy_from.is_some())
        .map(|p| p.change.path.clone())
        .collect();
    tx.protect_files(&copies)?;
    for p in &planned {
        if let Some(src) = &p.copy_from {
            let target = project.root().join(&p.change.path);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| Error::io(format!("Cannot create {}", parent.display()), e))?;
            }
            std::fs::copy(src, &target)
                .map_err(|e| Error::io(format!("Cannot update {}", p.change.path), e))?;
        }
    }
    let rehash: Vec<String> = copies.clone();
    let checksums = super::add::hash_files(project.root(), &rehash)?;
    let new_sums: BTreeMap<&String, String> = rehash.iter().zip(checksums).collect();
    for (slug, items) in by_slug {
        let state = datasets.get(&slug)?;
        let mut entries = Vec::new();
        for p in items {
            let Some(mut e) = p.entry.clone() else {
                continue;
            };
            if let Some(sum) = new_sums.get(&p.change.path) {
                e.entity = crate::model::Entity::new(&p.change.path, sum, false);
            }
            // Files of storage datasets stay out of git: only their metadata changes.
            let metadata_only = p.copy_from.is_none()
                && e.based_on.as_ref().is_some_and(|b| {
                    super::storage::is_storage_url(&b.url) && state.dataset().storage.is_some()
                });
            if !e.is_removed() && !metadata_only {
                tx.stage_path(&p.change.path)?;
            }
            entries.push(e);
        }
        let record = super::next_version(&tx, &state, state.dataset().clone(), entries, &user);
        super::put_version(&store, &mut tx, &record)?;
    }
    let committed = tx.commit(&ctx.argv);
    super::update_storage::cleanup(project);
    committed?;
    Ok(plan)
}

fn compute(
    project: &ProjectDir,
    datasets: &Datasets<'_>,
    request: &UpdateRequest,
    progress: &dyn DownloadProgress,
    credentials: Option<&mut dyn CredentialPrompt>,
) -> Result<Computed> {
    let selected = if request.all || request.slugs.is_empty() {
        datasets.all()?
    } else {
        super::files::select(datasets, &request.slugs)?
    };
    let filters = !request.include.is_empty() || !request.exclude.is_empty();
    if filters
        && !request.slugs.is_empty()
        && selected
            .iter()
            .any(|s| super::reimport::is_imported(s.dataset()))
    {
        return Err(Error::Parameter(
            "--include/--exclude is incompatible with imported datasets".into(),
        ));
    }
    let include = PathGlobs::new(&request.include)?;
    let exclude = PathGlobs::new(&request.exclude)?;
    let root = project.root();
    let git = project.git()?;
    let default_dir = super::default_data_dir(root)?;
    let mut plan = UpdatePlan::default();
    let mut planned = Vec::new();
    let mut reimports = Vec::new();
    let mut git_remotes: BTreeMap<String, Vec<(String, DatasetFile)>> = BTreeMap::new();
    let mut web: Vec<(String, DatasetFile)> = Vec::new();
    let mut cloud_files = Vec::new();
    for state in &selected {
        let ds = state.dataset();
        if super::reimport::is_imported(ds) {
            // Imported datasets are updated as a whole, never file by file.
            if filters || request.no_remote {
                continue;
            }
            match super::reimport::check(ds)? {
                Check::UpToDate => {}
                Check::PinnedToTag(tag) => plan.pinned.push((ds.slug.clone(), tag)),
                Check::Outdated { latest } => {
                    plan.datasets.push(ds.slug.clone());
                    reimports.push((ds.slug.clone(), latest));
                }
            }
            continue;
        }
        if !super::files::has_creators(ds, &request.creators) {
            continue;
        }
        let mut local: Vec<&DatasetFile> = Vec::new();
        for f in state.files() {
            if !passes(&include, &exclude, f.path()) {
                continue;
            }
            plan.checked_files = true;
            if is_web(f) {
                if !request.no_remote {
                    web.push((ds.slug.clone(), f.clone()));
                }
                continue;
            }
            if f.based_on.is_some() {
                if b_is_git(f) && !request.no_remote {
                    git_remotes
                        .entry(b_url(f))
                        .or_default()
                        .push((ds.slug.clone(), f.clone()));
                } else if super::update_storage::is_storage_file(f) && !request.no_remote {
                    cloud_files.push(super::update_storage::StorageFile {
                        slug: ds.slug.clone(),
                        file: f.clone(),
                        in_storage_dataset: ds.storage.is_some(),
                    });
                }
                continue;
            }
            if !request.no_local {
                local.push(f);
            }
        }
        // Local files: compare the work tree with the recorded checksum.
        let mut present = Vec::new();
        for f in &local {
            let hashed = if f.linked {
                link_target(root, f)
            } else {
                Some(f.path().to_string())
            };
            match hashed {
                Some(rel) if root.join(&rel).exists() => present.push((*f, rel)),
                _ => {
                    let change = FileChange {
                        path: f.path().to_string(),
                        slug: ds.slug.clone(),
                        external: f.linked,
                    };
                    plan.deleted.push(change.clone());
                    planned.push(Planned {
                        change,
                        entry: Some(f.removed_copy()),
                        copy_from: None,
                    });
                }
            }
        }
        let rels: Vec<String> = present.iter().map(|(_, r)| r.clone()).collect();
        let sums = git.hash_files(&rels)?;
        for ((f, _), sum) in present.iter().zip(sums) {
            let sum = sum.to_string();
            if sum != f.entity.checksum {
                let change = FileChange {
                    path: f.path().to_string(),
                    slug: ds.slug.clone(),
                    external: f.linked,
                };
                let mut e = DatasetFile::new(f.path(), &sum, f.source.clone(), None);
                e.linked = f.linked;
                e.size = std::fs::metadata(root.join(f.path())).ok().map(|m| m.len());
                plan.updated.push(change.clone());
                planned.push(Planned {
                    change,
                    entry: Some(e),
                    copy_from: None,
                });
            }
        }
        if request.check_data_directory && !request.no_local {
            let dir = ds.data_dir(&default_dir);
            let abs = root.join(&dir);
            if abs.is_dir() {
                let mut ignore = super::add::IgnoreCheck::new(&git)?;
                let mut new_rels = Vec::new();
                for inner in super::add::walk_files(&abs)? {
                    let rel = format!("{dir}/{}", inner.to_string_lossy().replace('\\', "/"));
                    if inner.file_name().is_some_and(|n| n == ".gitkeep")
                        || state.file(&rel).is_some()
                        || ignore.is_ignored(&rel)?
                        || !passes(&include, &exclude, &rel)
                    {
                        continue;
                    }
                    new_rels.push(rel);
                }
                let sums = git.hash_files(&new_rels)?;
                for (rel, sum) in new_rels.iter().zip(sums) {
                    let change = FileChange {
                        path: rel.clone(),
                        slug: ds.slug.clone(),
                        external: false,
                    };
                    let size = std::fs::metadata(root.join(rel)).ok().map(|m| m.len());
                    plan.updated.push(change.clone());
                    planned.push(Planned {
                        change,
                        entry: Some(DatasetFile::new(
                            rel,
                            &sum.to_string(),
                            Some(rel.clone()),
                            size,
                        )),
                        copy_from: None,
                    });
                }
            }
        }
    }
    if git_remotes.len() > 1 && request.reference.is_some() {
        return Err(Error::Parameter(
            "Cannot specify a reference with more than one Git repository.".into(),
        ));
    }
    for (url, files) in git_remotes {
        let co = super::git_source::checkout(project, &url, request.reference.as_deref())?;
        for (slug, f) in files {
            let Some(b) = &f.based_on else { continue };
            match co.files.get(&b.path) {
                Some(blob) if *blob == b.checksum => {}
                Some(blob) => {
                    let change = FileChange {
                        path: f.path().to_string(),
                        slug: slug.clone(),
                        external: true,
                    };
                    let mut e = DatasetFile::new(f.path(), "", f.source.clone(), None);
                    e.based_on = Some(RemoteEntity::new(&b.url, &b.path, blob));
                    e.size = std::fs::metadata(co.dir.join(&b.path))
                        .ok()
                        .map(|m| m.len());
                    plan.updated.push(change.clone());
                    planned.push(Planned {
                        change,
                        entry: Some(e),
                        copy_from: Some(co.dir.join(&b.path)),
                    });
                }
                None => {
                    let change = FileChange {
                        path: f.path().to_string(),
                        slug: slug.clone(),
                        external: true,
                    };
                    plan.deleted.push(change.clone());
                    planned.push(Planned {
                        change,
                        entry: Some(f.removed_copy()),
                        copy_from: None,
                    });
                }
            }
        }
    }
    let scratch = if web.is_empty() {
        None
    } else {
        let dir = super::import::scratch_dir(project)?;
        for p in check_web_files(&git, &web, dir.path(), progress)? {
            if p.entry.as_ref().is_some_and(DatasetFile::is_removed) {
                plan.deleted.push(p.change.clone());
            } else {
                plan.updated.push(p.change.clone());
            }
            planned.push(p);
        }
        Some(dir)
    };
    for c in super::update_storage::check(project, &cloud_files, request.dry_run, credentials)? {
        let change = FileChange {
            path: c.entry.path().to_string(),
            slug: c.slug,
            external: true,
        };
        if c.entry.is_removed() {
            plan.deleted.push(change.clone());
        } else {
            plan.updated.push(change.clone());
        }
        planned.push(Planned {
            change,
            entry: Some(c.entry),
            copy_from: c.copy_from,
        });
    }
    if filters && !plan.checked_files && !request.check_data_directory {
        return Err(Error::Parameter("No files matched the criteria.".into()));
    }
    plan.datasets.sort();
    plan.updated
        .sort_by(|a, b| (&a.slug, &a.path).cmp(&(&b.slug, &b.path)));
    plan.deleted
        .sort_by(|a, b| (&a.slug, &a.path).cmp(&(&b.slug, &b.path)));
    Ok(Computed {
        plan,
        planned,
        reimports,
        _scratch: scratch,
    })
}

/// Whether `f` was added from a web URL (and is updated by downloading it again).
fn is_web(f: &DatasetFile) -> bool {
    f.based_on.is_none()
        && !f.linked
        && f.source
            .as_deref()
            .is_some_and(|s| s.starts_with("http://") || s.starts_with("https://"))
        && !f.source.as_deref().is_some_and(super::add::is_git_url)
}

/// How many web files `dataset update` downloads at once.
const WEB_DOWNLOAD_JOBS: usize = 4;

/// Forwards the progress of single-file downloads that run side by side, announcing the
/// whole batch once instead of once per file.
struct BatchProgress<'a>(&'a dyn DownloadProgress);

impl DownloadProgress for BatchProgress<'_> {
    fn start(&self, _: usize, _: u64) {}
    fn file_started(&self, name: &str, size: Option<u64>) {
        self.0.file_started(name, size);
    }
    fn bytes(&self, name: &str, n: u64) {
        self.0.bytes(name, n);
    }
    fn file_done(&self, name: &str) {
        self.0.file_done(name);
    }
}

/// Downloads every web file again (into `scratch`, [`WEB_DOWNLOAD_JOBS`] at a time) and
/// compares it with the recorded version: a changed file is planned to be replaced, one that
/// cannot be downloaded any more (the server answers with an error) is planned as deleted.
/// Interruptions and local failures end the command.
fn check_web_files(
    git: &Git,
    files: &[(String, DatasetFile)],
    scratch: &std::path::Path,
    progress: &dyn DownloadProgress,
) -> Result<Vec<Planned>> {
    let downloader = Downloader::new(&super::import::settings())?;
    progress.start(files.len(), 0);
    let batch = BatchProgress(progress);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: std::sync::Mutex<Vec<Option<std::result::Result<_, RemoteError>>>> =
        std::sync::Mutex::new((0..files.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..WEB_DOWNLOAD_JOBS.clamp(1, files.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some((_, f)) = files.get(i) else {
                        return;
                    };
                    if crate::interrupt::is_requested() {
                        return;
                    }
                    let name = f.path().rsplit('/').next().unwrap_or(f.path()).to_string();
                    let request = DownloadRequest {
                        url: f.source.clone().unwrap_or_default(),
                        name: Some(PathBuf::from(&name)),
                        size: None,
                        checksum: None,
                    };
                    let dir = scratch.join(i.to_string());
                    let result = downloader.download_all(&[request], &dir, 1, &batch);
                    let mut slots = results.lock().unwrap_or_else(|e| e.into_inner());
                    slots[i] = Some(result);
                }
            });
        }
    });
    crate::interrupt::check()?;
    let results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    let mut out = Vec::new();
    // Downloaded files still to compare: (file, change, downloaded).
    let mut fetched = Vec::new();
    for ((slug, f), result) in files.iter().zip(results) {
        let change = FileChange {
            path: f.path().to_string(),
            slug: slug.clone(),
            external: false,
        };
        let downloaded = match result {
            Some(Ok(mut done)) if !done.is_empty() => done.swap_remove(0),
            Some(Ok(_)) => continue,
            Some(Err(
                e @ (RemoteError::HttpStatus { .. }
                | RemoteError::Network { .. }
                | RemoteError::InvalidUrl { .. }),
            )) => {
                tracing::info!(url = ?f.source, "web source of {} is gone: {e}", f.path());
                out.push(Planned {
                    change,
                    entry: Some(f.removed_copy()),
                    copy_from: None,
                });
                continue;
            }
            Some(Err(e)) => return Err(e.into()),
            None => return Err(Error::Interrupted),
        };
        fetched.push((f, change, downloaded));
    }
    let targets: Vec<(String, PathBuf)> = fetched
        .iter()
        .map(|(f, _, d)| (f.path().to_string(), d.path.clone()))
        .collect();
    let sums = git.hash_files_as(&targets)?;
    for ((f, change, downloaded), sum) in fetched.into_iter().zip(sums) {
        let sum = sum.to_string();
        if sum == f.entity.checksum {
            continue;
        }
        let mut e = DatasetFile::new(f.path(), &sum, f.source.clone(), Some(downloaded.size));
        e.is_external = f.is_external;
        out.push(Planned {
            change,
            entry: Some(e),
            copy_from: Some(downloaded.path),
        });
    }
    Ok(out)
}

fn b_is_git(f: &DatasetFile) -> bool {
    f.based_on
        .as_ref()
        .is_some_and(|b| super::add::is_git_url(&b.url) || b.url.starts_with("file://"))
}

fn b_url(f: &DatasetFile) -> String {
    f.based_on
        .as_ref()
        .map(|b| b.url.clone())
        .unwrap_or_default()
}

/// The project-relative target of a linked dataset file.
fn link_target(root: &std::path::Path, f: &DatasetFile) -> Option<String> {
    let abs = root.join(f.path());
    let target = std::fs::read_link(&abs).ok()?;
    let joined = abs.parent()?.join(target);
    let norm = crate::util::normalize_path(&joined);
    let root = crate::util::normalize_path(root);
    norm.strip_prefix(&root)
        .ok()
        .map(|p| p.to_string_lossy().replace('\\', "/"))
}
