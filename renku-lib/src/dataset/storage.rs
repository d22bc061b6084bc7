//! Cloud-storage datasets (`dataset create --storage s3://…|azure://…`): the data lives in a
//! bucket or container, the dataset's data directory is git-ignored and only metadata is
//! committed.
//!
//! * [`connect`] opens a storage with credentials from the environment, the per-user
//!   credential file or a [`CredentialPrompt`], and checks that the bucket exists; prompted
//!   credentials are stored (when the user says so) only once the storage accepted them.
//! * `dataset add` on a storage dataset ([`add_to_storage`], called from
//!   [`super::add::add`]) uploads local files to `<storage>/<path within the data directory>`
//!   and records URIs inside the storage metadata-only; every file gets
//!   `based_on = (object URI, md5)` and the MD5 as its checksum.
//! * [`pull`] downloads the files into the data directory or a remembered `--location`.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use crate::cloud_storage::credentials::{self, CredentialField, CredentialPrompt, CredentialStore};
use crate::cloud_storage::{
    Credentials, ObjectInfo, ObjectStorage, StorageError, StorageUri, TransferProgress,
};
use crate::context::CommandContext;
use crate::dataset_remote::download::DownloadProgress;
use crate::model::{DatasetFile, RemoteEntity};
use crate::repo::ProjectDir;
use crate::repo::transaction::Transaction;
use crate::{Error, Result};

/// How many transfers run at once.
pub const PARALLEL_TRANSFERS: usize = 4;

/// The checksum recorded when a storage does not know an object's MD5 (objects uploaded in
/// parts by other tools).
pub const UNKNOWN_CHECKSUM: &str = "0000000000000000000000000000000000000000";

/// Section of the local (never committed) state file that remembers `pull --location`s.
pub const LOCATIONS_SECTION: &str = "dataset-locations";

/// File name of the local state file inside `<git dir>/renku/`.
pub const LOCAL_STATE_FILE: &str = "local.ini";

/// Parses the `--storage` argument (a bad URI is a usage error, exit 2).
pub fn parse_storage_uri(text: &str) -> Result<StorageUri> {
    Ok(StorageUri::parse(text.trim())?)
}

/// Remembers the answer to "Store credentials?" instead of storing right away, so that
/// credentials the storage refuses are never written.
struct DeferredStore<'a> {
    inner: &'a mut dyn CredentialPrompt,
    store: bool,
}

impl CredentialPrompt for DeferredStore<'_> {
    fn ask_value(&mut self, uri: &StorageUri, field: &CredentialField) -> Result<String> {
        self.inner.ask_value(uri, field)
    }
    fn ask_store(&mut self, uri: &StorageUri) -> Result<bool> {
        self.store = self.inner.ask_store(uri)?;
        Ok(false)
    }
}

/// Opens the storage `uri` names and checks that its bucket or container exists (a missing
/// one is a parameter error, exit 2). Credentials come from the environment, the per-user
/// credential file, or `prompt`; prompted ones are saved once the storage accepted them, if
/// the user asked for it.
pub fn connect(
    uri: &StorageUri,
    prompt: Option<&mut dyn CredentialPrompt>,
) -> Result<Box<dyn ObjectStorage>> {
    let store = CredentialStore::global()?;
    let env = |name: &str| std::env::var(name).ok();
    let (resolved, save) = match prompt {
        Some(inner) => {
            let mut deferred = DeferredStore {
                inner,
                store: false,
            };
            let resolved = credentials::resolve(uri, &store, &env, Some(&mut deferred))?;
            (resolved, deferred.store)
        }
        None => (credentials::resolve(uri, &store, &env, None)?, false),
    };
    tracing::debug!("credentials for {uri}: {:?}", resolved.source);
    let storage = crate::cloud_storage::open(uri, &resolved.credentials)?;
    match storage.ensure_bucket() {
        Ok(()) => {}
        Err(e @ StorageError::BucketNotFound { .. }) => {
            return Err(Error::Parameter(e.to_string()));
        }
        Err(e) => return Err(e.into()),
    }
    if save && resolved.credentials != Credentials::Anonymous {
        store.save(uri, &resolved.credentials)?;
    }
    Ok(storage)
}

/// Makes `record` a storage dataset on `uri` as part of `tx`: records the storage and adds
/// the data directory to `.gitignore`.
pub(crate) fn setup_new_dataset(
    project: &ProjectDir,
    tx: &mut Transaction,
    dataset: &mut crate::model::Dataset,
    uri: &StorageUri,
) -> Result<()> {
    dataset.storage = Some(uri.to_string());
    let data_dir = dataset.data_dir(&super::default_data_dir(project.root())?);
    ignore_data_dir(project, tx, &data_dir)
}

/// Appends `data_dir` to the project's `.gitignore` unless a line already names it.
fn ignore_data_dir(project: &ProjectDir, tx: &mut Transaction, data_dir: &str) -> Result<()> {
    let path = project.root().join(".gitignore");
    let current = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(Error::io("Cannot read .gitignore", e)),
    };
    let line = format!("/{data_dir}");
    if current.lines().any(|l| l.trim() == line) {
        return Ok(());
    }
    let mut text = current;
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&line);
    text.push('\n');
    tx.write_file(".gitignore", text.as_bytes())
}

/// Whether `url` is an `s3://` or `azure://` URI.
pub fn is_storage_url(url: &str) -> bool {
    StorageUri::is_storage_uri(url)
}

/// Whether `object` lies inside the storage `base` (same bucket, key under its path).
pub fn is_inside(base: &StorageUri, object: &StorageUri) -> bool {
    if base.root() != object.root() {
        return false;
    }
    let prefix = base.path().trim_end_matches('/');
    prefix.is_empty() || object.path() == prefix || object.path().starts_with(&format!("{prefix}/"))
}

/// The objects a source URI names: the object itself, or every object under it as a
/// directory. Each comes with its path relative to the URI (the object's name for a single
/// object). Nothing there is [`StorageError::ObjectNotFound`].
pub fn resolve_objects(
    storage: &dyn ObjectStorage,
    uri: &StorageUri,
) -> Result<Vec<(String, ObjectInfo)>> {
    if uri.path().contains(['*', '?']) {
        return Err(Error::Parameter(
            "Wildcards like '*' or '?' are not supported for cloud storage URIs.".into(),
        ));
    }
    let key = uri.path().trim_end_matches('/');
    if !key.is_empty()
        && !uri.path().ends_with('/')
        && let Some(info) = storage.stat(key)?
    {
        let name = key.rsplit('/').next().unwrap_or(key).to_string();
        return Ok(vec![(name, info)]);
    }
    let prefix = if key.is_empty() {
        String::new()
    } else {
        format!("{key}/")
    };
    let listed: Vec<(String, ObjectInfo)> = storage
        .list(&prefix)?
        .into_iter()
        .filter(|o| !o.key.ends_with('/'))
        .map(|o| (o.key[prefix.len()..].to_string(), o))
        .collect();
    if listed.is_empty() {
        return Err(StorageError::ObjectNotFound {
            uri: uri.to_string(),
        }
        .into());
    }
    Ok(listed)
}

/// Counts transferred bytes for [`parallel`], which reports them to a [`DownloadProgress`].
#[derive(Default)]
struct ByteCounter(AtomicU64);

impl TransferProgress for ByteCounter {
    fn advance(&self, bytes: u64) {
        self.0.fetch_add(bytes, Ordering::Relaxed);
    }
}

/// Runs `work` on every item, [`PARALLEL_TRANSFERS`] at a time, reporting transferred bytes
/// to `progress` (`name` names an item for it). Returns every item's result, `None` for
/// items not started because an earlier one failed or the user interrupted.
fn parallel<T, R, W>(
    items: &[T],
    name: impl Fn(&T) -> String + Sync,
    progress: &dyn DownloadProgress,
    work: W,
) -> Vec<Option<Result<R>>>
where
    T: Sync,
    R: Send,
    W: Fn(&T, Arc<dyn TransferProgress>) -> Result<R> + Sync,
{
    let next = AtomicUsize::new(0);
    let abort = AtomicBool::new(false);
    let results: std::sync::Mutex<Vec<Option<Result<R>>>> =
        std::sync::Mutex::new((0..items.len()).map(|_| None).collect());
    let counter = Arc::new(ByteCounter::default());
    let workers = PARALLEL_TRANSFERS.clamp(1, items.len().max(1));
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    while !abort.load(Ordering::SeqCst) {
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        let Some(item) = items.get(i) else { break };
                        let label = name(item);
                        progress.file_started(&label, None);
                        let result = crate::interrupt::check().and_then(|()| {
                            work(item, counter.clone() as Arc<dyn TransferProgress>)
                        });
                        if result.is_err() {
                            abort.store(true, Ordering::SeqCst);
                        } else {
                            progress.file_done(&label);
                        }
                        if let Ok(mut r) = results.lock() {
                            r[i] = Some(result);
                        }
                    }
                })
            })
            .collect();
        // The transfers count bytes; they are reported from here.
        let mut reported = 0u64;
        loop {
            let done = handles.iter().all(|h| h.is_finished());
            let now = counter.0.load(Ordering::Relaxed);
            if now > reported {
                progress.bytes("", now - reported);
                reported = now;
            }
            if done {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    });
    results.into_inner().unwrap_or_else(|p| p.into_inner())
}

/// A file to add to a storage dataset.
#[derive(Debug, Clone)]
struct StorageFile {
    /// Destination, relative to the project root.
    dest: String,
    /// The `source` recorded.
    source: String,
    /// What to do.
    origin: StorageOrigin,
}

#[derive(Debug, Clone)]
enum StorageOrigin {
    /// A local file to upload (and to copy into the data directory afterwards when it is
    /// not there already).
    Local { abs: PathBuf, in_place: bool },
    /// A file downloaded from another storage into a scratch directory, to upload.
    Fetched { abs: PathBuf },
    /// An object already in the dataset's storage: metadata only.
    Object { uri: StorageUri, info: ObjectInfo },
}

/// What [`super::add::add`] hands over for a dataset with storage.
pub(crate) struct StorageAdd<'a> {
    pub(crate) tx: Transaction,
    pub(crate) state: super::DatasetState,
    pub(crate) created: bool,
    pub(crate) data_dir: String,
    pub(crate) dest_root: String,
    pub(crate) user: &'a crate::model::Person,
}

/// `dataset add` for a dataset with a storage: local files are uploaded, URIs inside the
/// storage recorded metadata-only, URIs of other storages downloaded and uploaded. Nothing
/// but metadata (and, for a new dataset, `.gitignore`) is committed. On failure the
/// repository is unchanged; objects uploaded before the failure stay in the storage and
/// the error says so.
pub(crate) fn add_to_storage(
    ctx: &CommandContext,
    project: &ProjectDir,
    request: &super::add::AddRequest,
    ui: &mut dyn super::add::AddInteraction,
    mut job: StorageAdd<'_>,
) -> Result<super::add::AddOutcome> {
    let storage_text = job
        .state
        .dataset()
        .storage
        .clone()
        .ok_or_else(|| Error::Failed("the dataset has no storage".into()))?;
    let base = parse_storage_uri(&storage_text)?;
    if request.action == Some(super::add::AddAction::Link) {
        return Err(Error::Parameter(
            "Cannot use '--link' with a dataset that has a cloud storage.".into(),
        ));
    }
    let storage = connect(&base, ui.credential_prompt())?;
    if job.created {
        setup_new_dataset(project, &mut job.tx, &mut job.state.record.data, &base)?;
    }

    let mut files: Vec<StorageFile> = Vec::new();
    let mut scratch: Option<tempfile::TempDir> = None;
    for source in &request.sources {
        if is_storage_url(source) {
            let uri = parse_storage_uri(source)?;
            if is_inside(&base, &uri) {
                for (rel, info) in resolve_objects(storage.as_ref(), &uri)? {
                    let object = uri.with_path(&info.key);
                    files.push(StorageFile {
                        dest: format!("{}/{rel}", job.dest_root),
                        source: object.to_string(),
                        origin: StorageOrigin::Object { uri: object, info },
                    });
                }
            } else {
                let other = connect(&uri, ui.credential_prompt())?;
                let objects = resolve_objects(other.as_ref(), &uri)?;
                if scratch.is_none() {
                    scratch = Some(super::import::scratch_dir(project)?);
                }
                let dir = scratch
                    .as_ref()
                    .map(|s| s.path().to_path_buf())
                    .unwrap_or_default();
                let fetched =
                    download_objects(other.as_ref(), &uri, &objects, &dir, ui.progress())?;
                for ((rel, info), abs) in objects.iter().zip(fetched) {
                    files.push(StorageFile {
                        dest: format!("{}/{rel}", job.dest_root),
                        source: uri.with_path(&info.key).to_string(),
                        origin: StorageOrigin::Fetched { abs },
                    });
                }
            }
        } else if source.contains("://") || super::add::is_git_url(source) {
            return Err(Error::Parameter(format!(
                "Cannot add '{source}' to a dataset with a cloud storage: only local files and {} URIs can be added.",
                "s3:// or azure://"
            )));
        } else {
            let p = Path::new(source);
            let abs = if p.is_absolute() {
                p.to_path_buf()
            } else {
                request.cwd.join(p)
            };
            if std::fs::symlink_metadata(&abs).is_err() {
                return Err(Error::Parameter(format!(
                    "Cannot find source file: {source}"
                )));
            }
            for pending in super::add::local_pending(project, &abs, &job.dest_root, &job.data_dir)?
            {
                let super::add::Origin::Local { abs, project_rel } = pending.origin else {
                    continue;
                };
                let in_place = project_rel.as_deref() == Some(pending.dest.as_str());
                files.push(StorageFile {
                    dest: pending.dest,
                    source: pending.source,
                    origin: StorageOrigin::Local { abs, in_place },
                });
            }
        }
    }

    // Already in the dataset, or named twice.
    let mut seen = std::collections::BTreeSet::new();
    let mut existing = Vec::new();
    files.retain(|f| {
        if !seen.insert(f.dest.clone()) {
            return false;
        }
        if !request.overwrite && job.state.file(&f.dest).is_some() {
            existing.push(f.dest.clone());
            return false;
        }
        true
    });
    if !existing.is_empty() {
        ui.warning(&format!(
            "These existing files were not overwritten (use '--overwrite' flag to overwrite them):\n\t{}",
            existing.join("\n\t")
        ));
    }
    if files.is_empty() {
        if job.created {
            return Err(Error::Parameter(
                "There are no files to create a dataset".into(),
            ));
        }
        ui.warning("No new file was added to project");
        return Err(Error::NothingToCommit);
    }

    // Upload what is local.
    let data_prefix = format!("{}/", job.data_dir);
    let key_of =
        |dest: &str| -> String { base.key_for(dest.strip_prefix(&data_prefix).unwrap_or(dest)) };
    let uploads: Vec<&StorageFile> = files
        .iter()
        .filter(|f| !matches!(f.origin, StorageOrigin::Object { .. }))
        .collect();
    let total: u64 = uploads
        .iter()
        .filter_map(|f| local_path(f).and_then(|p| std::fs::metadata(p).ok()))
        .map(|m| m.len())
        .sum();
    let progress = ui.upload_progress();
    progress.start(uploads.len(), total);
    let results = parallel(
        &uploads,
        |f| f.dest.clone(),
        progress,
        |f, counter| {
            let local = local_path(f).unwrap_or_else(|| Path::new(""));
            let info = storage.upload_with_progress(local, &key_of(&f.dest), counter)?;
            Ok(info)
        },
    );
    let mut uploaded: Vec<(String, ObjectInfo)> = Vec::new();
    let mut failure = None;
    for (f, r) in uploads.iter().zip(results) {
        match r {
            Some(Ok(info)) => uploaded.push((f.dest.clone(), info)),
            Some(Err(e)) if failure.is_none() => failure = Some(e),
            _ => {}
        }
    }
    if let Some(err) = failure {
        if uploaded.is_empty() {
            return Err(err);
        }
        let list: Vec<String> = uploaded
            .iter()
            .map(|(_, info)| base.with_path(&info.key).to_string())
            .collect();
        return Err(Error::Failed(format!(
            "{err}\nThe dataset was not changed. These objects were uploaded before the failure and stay in the storage:\n\t{}",
            list.join("\n\t")
        )));
    }
    let uploaded: std::collections::BTreeMap<String, ObjectInfo> = uploaded.into_iter().collect();

    // The metadata.
    let mut entries = Vec::new();
    for f in &files {
        let (object, info) = match &f.origin {
            StorageOrigin::Object { uri, info } => (uri.clone(), info.clone()),
            _ => {
                let Some(info) = uploaded.get(&f.dest) else {
                    continue;
                };
                (base.with_path(&info.key), info.clone())
            }
        };
        let md5 = info
            .md5
            .clone()
            .unwrap_or_else(|| UNKNOWN_CHECKSUM.to_string());
        let object_url = object.to_string();
        let mut entry = DatasetFile::new(&f.dest, &md5, Some(f.source.clone()), Some(info.size));
        entry.based_on = Some(RemoteEntity::new(&object_url, &f.dest, &md5));
        if let Some(old) = job.state.entries.get(&f.dest)
            && !old.is_removed()
            && old.entity.checksum == entry.entity.checksum
            && old.source == entry.source
        {
            continue;
        }
        entries.push(entry);
    }
    if entries.is_empty() && !job.created {
        ui.warning("No new file was added to project");
        return Err(Error::NothingToCommit);
    }
    let added: Vec<String> = entries.iter().map(|f| f.entity.path.clone()).collect();
    let record = if job.created {
        let mut record = job.state.record.clone();
        record.data.files = entries;
        record
    } else {
        super::next_version(
            &job.tx,
            &job.state,
            job.state.dataset().clone(),
            entries,
            job.user,
        )
    };
    let store = project.store();
    super::put_version(&store, &mut job.tx, &record)?;
    job.tx.commit(&ctx.argv)?;

    // The data directory (git-ignored) gets a copy of what was uploaded, as after a pull.
    for f in &files {
        let (abs, remove_source) = match &f.origin {
            StorageOrigin::Local { in_place: true, .. } | StorageOrigin::Object { .. } => {
                continue;
            }
            StorageOrigin::Local { abs, .. } => {
                (abs, request.action == Some(super::add::AddAction::Move))
            }
            StorageOrigin::Fetched { abs } => (abs, true),
        };
        let target = project.root().join(&f.dest);
        let copied = target
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| {
                if remove_source {
                    std::fs::rename(abs, &target)
                        .or_else(|_| std::fs::copy(abs, &target).map(|_| ()))
                } else {
                    std::fs::copy(abs, &target).map(|_| ())
                }
            });
        if let Err(e) = copied {
            ui.warning(&format!(
                "Cannot copy {} into the data directory ({e}); 'renku dataset pull {}' fetches it.",
                f.dest, record.data.slug
            ));
        }
    }
    drop(scratch);
    Ok(super::add::AddOutcome {
        dataset: record.data,
        added,
        created: job.created,
        lfs: Default::default(),
    })
}

fn local_path(f: &StorageFile) -> Option<&Path> {
    match &f.origin {
        StorageOrigin::Local { abs, .. } | StorageOrigin::Fetched { abs } => Some(abs),
        StorageOrigin::Object { .. } => None,
    }
}

/// Downloads `objects` (from [`resolve_objects`] of `uri`) into `dir`, keeping their
/// relative paths, in parallel with progress. Returns the local paths in order. On failure
/// the files fetched so far are removed.
pub(crate) fn download_objects(
    storage: &dyn ObjectStorage,
    uri: &StorageUri,
    objects: &[(String, ObjectInfo)],
    dir: &Path,
    progress: &dyn DownloadProgress,
) -> Result<Vec<PathBuf>> {
    for (rel, _) in objects {
        if crate::dataset_remote::naming::sanitize_relative_path(rel).is_none() {
            return Err(Error::Failed(format!(
                "Cannot download '{}': its key is not a safe relative path.",
                uri.with_path(rel)
            )));
        }
    }
    let total = objects.iter().map(|(_, o)| o.size).sum();
    progress.start(objects.len(), total);
    let results = parallel(
        objects,
        |(rel, _)| rel.clone(),
        progress,
        |(rel, info), counter| {
            let local = dir.join(rel);
            storage.download_with_progress(&info.key, &local, counter)?;
            Ok(local)
        },
    );
    let mut out = Vec::with_capacity(objects.len());
    let mut failure = None;
    for r in results {
        match r {
            Some(Ok(p)) => out.push(p),
            Some(Err(e)) if failure.is_none() => failure = Some(e),
            _ => {}
        }
    }
    if let Some(e) = failure {
        for p in &out {
            let _ = std::fs::remove_file(p);
        }
        return Err(e);
    }
    if out.len() != objects.len() {
        return Err(Error::Interrupted);
    }
    Ok(out)
}

/// The MD5 (lower-case hex) of the file at `path`.
pub fn md5_file(path: &Path) -> Result<String> {
    use md5::{Digest, Md5};
    let mut file = std::fs::File::open(path)
        .map_err(|e| Error::io(format!("Cannot read {}", path.display()), e))?;
    let mut md5 = Md5::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = file
            .read(&mut buf)
            .map_err(|e| Error::io(format!("Cannot read {}", path.display()), e))?;
        if n == 0 {
            break;
        }
        md5.update(&buf[..n]);
    }
    Ok(md5.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

// ---- pull ----

/// What `dataset pull` talks to the user through.
pub trait PullInteraction {
    /// Asks a yes/no question.
    fn confirm(&mut self, message: &str) -> bool;
    /// The prompt for missing credentials (`None`: never ask).
    fn credential_prompt(&mut self) -> Option<&mut dyn CredentialPrompt>;
    /// Receives the progress of the downloads.
    fn progress(&self) -> &dyn DownloadProgress;
}

/// What `dataset pull` is asked to do.
#[derive(Debug, Clone, Default)]
pub struct PullRequest {
    /// The dataset.
    pub slug: String,
    /// Where to put the files instead of the data directory (absolute); remembered for the
    /// next pulls. `None`: the remembered location, if any, else the data directory.
    pub location: Option<PathBuf>,
}

/// What `dataset pull` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PullOutcome {
    /// Files downloaded (project-relative paths).
    pub downloaded: Vec<String>,
    /// Files already present with the recorded MD5.
    pub skipped: Vec<String>,
    /// Where the files are when not in the data directory itself (the data directory is a
    /// symbolic link to it).
    pub location: Option<PathBuf>,
}

/// The local state file of the project at `root` (`<git dir>/renku/local.ini`): settings of
/// this clone that are never committed.
pub fn local_state_path(root: &Path) -> Result<PathBuf> {
    Ok(crate::repo::renku_git_dir(root)?.join(LOCAL_STATE_FILE))
}

/// The remembered `pull --location` of dataset `slug`.
pub fn remembered_location(root: &Path, slug: &str) -> Result<Option<PathBuf>> {
    let doc = crate::config::IniDoc::load(&local_state_path(root)?)?;
    Ok(doc.get(LOCATIONS_SECTION, slug).map(PathBuf::from))
}

fn remember_location(root: &Path, slug: &str, location: &Path) -> Result<()> {
    let path = local_state_path(root)?;
    let mut doc = crate::config::IniDoc::load(&path)?;
    doc.set(LOCATIONS_SECTION, slug, &location.to_string_lossy());
    crate::util::write_atomic(&path, doc.render().as_bytes(), None)
}

/// Downloads every file of the storage dataset `request.slug` into its data directory (or
/// the location), in parallel, verifying each file's MD5 against the metadata; files that
/// are already there with the recorded MD5 are skipped. Nothing is committed.
pub fn pull(
    ctx: &CommandContext,
    project: &ProjectDir,
    request: &PullRequest,
    ui: &mut dyn PullInteraction,
) -> Result<PullOutcome> {
    let root = project.root();
    let _lock = ctx.lock(root)?;
    let store = project.store();
    let datasets = super::Datasets::load(&store)?;
    let state = datasets.get(&request.slug)?;
    let ds = state.dataset();
    let Some(storage_text) = ds.storage.clone() else {
        return Err(Error::Parameter(format!(
            "Dataset '{}' doesn't have a storage backend",
            request.slug
        )));
    };
    let base = parse_storage_uri(&storage_text)?;
    let data_dir = ds.data_dir(&super::default_data_dir(root)?);
    let location = match &request.location {
        Some(l) => Some(l.clone()),
        None => remembered_location(root, &request.slug)?,
    };
    let mut files: Vec<(String, StorageUri, String)> = Vec::new();
    for f in state.files() {
        let Some(b) = &f.based_on else {
            return Err(Error::Failed(format!(
                "Dataset file doesn't have a URI: {}",
                f.path()
            )));
        };
        let uri = parse_storage_uri(&b.url)?;
        if uri.root() != base.root() {
            return Err(Error::Failed(format!(
                "Cannot pull {}: it is stored in {}, not in the dataset's storage {base}.",
                f.path(),
                uri.root()
            )));
        }
        files.push((f.path().to_string(), uri, b.checksum.clone()));
    }
    let storage = connect(&base, ui.credential_prompt())?;

    if let Some(location) = &location {
        link_data_dir(root, &data_dir, location, ui)?;
        if request.location.is_some() {
            remember_location(root, &request.slug, location)?;
        }
    }

    let mut outcome = PullOutcome {
        location: location.clone(),
        ..PullOutcome::default()
    };
    let mut todo = Vec::new();
    for (path, uri, md5) in files {
        let target = root.join(&path);
        if target.is_file() && md5_file(&target)? == md5 {
            outcome.skipped.push(path);
        } else {
            todo.push((path, uri, md5));
        }
    }
    let mut sizes = Vec::with_capacity(todo.len());
    for (path, _, _) in &todo {
        sizes.push(state.file(path).and_then(|f| f.size).unwrap_or(0));
    }
    ui.progress().start(todo.len(), sizes.iter().sum());
    let results = parallel(
        &todo,
        |(path, _, _)| path.clone(),
        ui.progress(),
        |(path, uri, md5), counter| {
            let target = root.join(path);
            let name = target
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let tmp = target.with_file_name(format!(".renku-pull-{name}"));
            storage.download_with_progress(uri.path(), &tmp, counter)?;
            let got = md5_file(&tmp)?;
            if *md5 != UNKNOWN_CHECKSUM && got != *md5 {
                let _ = std::fs::remove_file(&tmp);
                return Err(StorageError::Corrupt {
                    uri: uri.to_string(),
                    detail: format!(
                        "its MD5 {got} differs from the recorded {md5} (the object changed; 'renku dataset update {}' records the new content)",
                        request.slug
                    ),
                }
                .into());
            }
            std::fs::rename(&tmp, &target)
                .map_err(|e| Error::io(format!("Cannot write {path}"), e))?;
            Ok(())
        },
    );
    let mut failure = None;
    for ((path, _, _), r) in todo.iter().zip(results) {
        match r {
            Some(Ok(())) => outcome.downloaded.push(path.clone()),
            Some(Err(e)) if failure.is_none() => failure = Some(e),
            _ => {}
        }
    }
    if let Some(e) = failure {
        return Err(e);
    }
    if outcome.downloaded.len() + outcome.skipped.len() < state.file_count() {
        return Err(Error::Interrupted);
    }
    Ok(outcome)
}

/// Makes the data directory a symbolic link to `location` (created when missing); a
/// non-empty data directory is removed after asking.
fn link_data_dir(
    root: &Path,
    data_dir: &str,
    location: &Path,
    ui: &mut dyn PullInteraction,
) -> Result<()> {
    std::fs::create_dir_all(location)
        .map_err(|e| Error::io(format!("Cannot create {}", location.display()), e))?;
    let link = root.join(data_dir);
    match std::fs::symlink_metadata(&link) {
        Ok(meta) if meta.file_type().is_symlink() => {
            if std::fs::read_link(&link).ok().as_deref() == Some(location) {
                return Ok(());
            }
            std::fs::remove_file(&link)
                .map_err(|e| Error::io(format!("Cannot replace {data_dir}"), e))?;
        }
        Ok(meta) if meta.is_dir() => {
            let empty = std::fs::read_dir(&link)
                .map(|mut d| d.next().is_none())
                .unwrap_or(false);
            if !empty
                && !ui.confirm(&format!(
                    "Dataset's data directory will be removed: {data_dir}. Do you want to continue?"
                ))
            {
                return Err(Error::Aborted);
            }
            std::fs::remove_dir_all(&link)
                .map_err(|e| Error::io(format!("Cannot remove {data_dir}"), e))?;
        }
        Ok(_) => {
            return Err(Error::Failed(format!(
                "Cannot use {data_dir} as the dataset's data directory: it is a file."
            )));
        }
        Err(_) => {}
    }
    if let Some(parent) = link.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| Error::io(format!("Cannot create {}", parent.display()), e))?;
    }
    symlink_dir(location, &link)
}

#[cfg(unix)]
fn symlink_dir(target: &Path, link: &Path) -> Result<()> {
    std::os::unix::fs::symlink(target, link)
        .map_err(|e| Error::io(format!("Cannot link {}", link.display()), e))
}

#[cfg(not(unix))]
fn symlink_dir(_target: &Path, link: &Path) -> Result<()> {
    Err(Error::Failed(format!(
        "Cannot link {}: symbolic links are not supported on this system",
        link.display()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inside_means_same_bucket_and_under_the_path() {
        let base = StorageUri::parse("s3://127.0.0.1:9000/bucket/data").unwrap();
        let yes = |t: &str| is_inside(&base, &StorageUri::parse(t).unwrap());
        assert!(yes("s3://127.0.0.1:9000/bucket/data/x.csv"));
        assert!(yes("s3://127.0.0.1:9000/bucket/data"));
        assert!(!yes("s3://127.0.0.1:9000/bucket/database/x.csv"));
        assert!(!yes("s3://127.0.0.1:9000/other/data/x.csv"));
        assert!(!yes("s3://127.0.0.1:9001/bucket/data/x.csv"));
        let whole = StorageUri::parse("azure://acct/cont").unwrap();
        assert!(is_inside(
            &whole,
            &StorageUri::parse("azure://acct/cont/any/thing").unwrap()
        ));
    }

    #[test]
    fn bad_storage_uris_are_usage_errors() {
        let err = parse_storage_uri("s3://").unwrap_err();
        assert_eq!(err.exit_code(), crate::error::ExitCode::Usage, "{err}");
        let err = parse_storage_uri("ftp://x/y").unwrap_err();
        assert_eq!(err.exit_code(), crate::error::ExitCode::Usage, "{err}");
    }

    #[test]
    fn md5_of_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, b"hello\n").unwrap();
        assert_eq!(md5_file(&p).unwrap(), "b1946ac92492d2347c6235b4d2611184");
    }
}
