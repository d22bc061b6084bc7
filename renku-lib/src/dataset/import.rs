//! `renku dataset import URI`: a dataset from a data repository (Zenodo, Dataverse, a DOI,
//! another Renku project) as a new dataset of this project, in one commit.

use std::path::{Path, PathBuf};

use crate::context::CommandContext;
use crate::dataset_remote::download::{DownloadProgress, Downloader};
use crate::dataset_remote::{ProviderKind, ProviderSettings, RemoteDataset};
use crate::model::{Dataset, DatasetFile, DatasetTag, ImageObject, ImportSource, Language, Url};
use crate::repo::ProjectDir;
use crate::repo::lfs::{LfsTracker, Tracked};
use crate::repo::transaction::Transaction;
use crate::store::{Kind, Record};
use crate::{Error, Result};

use super::Datasets;

/// What `dataset import` is asked to do.
#[derive(Debug, Clone, Default)]
pub struct ImportRequest {
    /// The dataset's URI (record URL, DOI, Renku dataset URL).
    pub uri: String,
    /// Slug of the new dataset (default: derived from the remote title and version).
    pub slug: Option<String>,
    /// Unpack downloaded archives.
    pub extract: bool,
    /// Data directory, relative to the project root.
    pub datadir: Option<String>,
    /// Import the version with this tag (Renku datasets).
    pub tag: Option<String>,
    /// Parallel downloads.
    pub jobs: usize,
}

/// The callbacks `dataset import` talks to the user through.
pub trait ImportInteraction {
    /// Shows a warning.
    fn warning(&mut self, message: &str);
    /// Asks whether to import `remote` (the CLI shows its files); `false` aborts.
    fn confirm(&mut self, remote: &RemoteDataset) -> bool;
    /// Receives download progress.
    fn progress(&self) -> &dyn DownloadProgress;
}

/// What `dataset import` did.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The new dataset.
    pub dataset: Dataset,
    /// What went to Git LFS.
    pub lfs: Tracked,
}

/// The provider settings of this machine (environment overrides included), with the tokens
/// `renku login` stored (sent to the Renku deployments they belong to).
pub fn settings() -> ProviderSettings {
    ProviderSettings::from_env()
        .with_tokens(std::sync::Arc::new(crate::platform::StoredTokens::new()))
}

/// Looks `uri` up without downloading anything.
pub fn resolve(uri: &str) -> Result<RemoteDataset> {
    crate::dataset_remote::providers::resolve(uri, &settings()).map_err(Error::from)
}

/// Imports the dataset at `request.uri` (one commit).
pub fn import(
    ctx: &CommandContext,
    project: &ProjectDir,
    request: &ImportRequest,
    ui: &mut dyn ImportInteraction,
) -> Result<Imported> {
    let git = project.git()?;
    super::ensure_metadata_clean(&git)?;
    let user = super::git_user(&git)?;
    let remote = resolve(&request.uri)?;
    if let Some(newer) = &remote.newer_version {
        ui.warning(&format!("Newer version found at {newer}"));
    }
    let slug = request
        .slug
        .clone()
        .unwrap_or_else(|| remote.metadata.slug.clone());
    super::validate_slug(&slug)?;
    let store = project.store();
    if Datasets::load(&store)?.find(&slug)?.is_some() {
        return Err(Error::Failed(format!("Dataset exists: '{slug}'")));
    }
    if remote.renku.is_none() && remote.files.is_empty() {
        return Err(Error::Failed(format!(
            "The dataset at {} has no files to import.",
            request.uri
        )));
    }
    if !ui.confirm(&remote) {
        return Err(Error::Aborted);
    }
    let lfs = LfsTracker::new(project.root(), git.repo(), ctx.external_storage)?;
    let mut tx = ctx.begin_transaction(project.root())?;
    let mut record = first_version(&remote, &slug, request.datadir.clone(), tx.id(), &user);
    let data_dir = record
        .data
        .data_dir(&super::default_data_dir(project.root())?);
    let scratch = scratch_dir(project)?;
    let placed = match &remote.renku {
        Some(source) => copy_from_renku(
            project,
            source,
            request.tag.as_deref(),
            &mut record,
            &data_dir,
        )?,
        None => {
            let downloaded = download(
                &remote,
                scratch.path(),
                request.extract,
                request.jobs,
                ui.progress(),
            )?;
            downloaded
                .into_iter()
                .map(|(rel, abs, url)| (format!("{data_dir}/{rel}"), abs, url))
                .collect()
        }
    };
    let tracked = place(&mut tx, project, &lfs, &git, &placed, &mut record)?;
    let store = project.store();
    super::put_version(&store, &mut tx, &record)?;
    tag_import(&store, &mut tx, &remote, &record.data, &[])?;
    tx.commit(&ctx.argv)?;
    Ok(Imported {
        dataset: record.data,
        lfs: tracked,
    })
}

/// A scratch directory under `.renku/tmp` (git-ignored), removed when dropped.
pub(crate) fn scratch_dir(project: &ProjectDir) -> Result<tempfile::TempDir> {
    let tmp = project.root().join(crate::store::TMP_DIR);
    crate::util::ensure_ignored_dir(&tmp)?;
    tempfile::Builder::new()
        .prefix("download-")
        .tempdir_in(&tmp)
        .map_err(|e| Error::io("Cannot create a download directory", e))
}

/// Tags the imported version `dataset` after the remote version ("Tag <v> created by renku
/// import"), unless the remote has no usable version name or a tag of that name is among
/// `existing`.
pub(crate) fn tag_import(
    store: &crate::store::Store,
    tx: &mut Transaction,
    remote: &RemoteDataset,
    dataset: &Dataset,
    existing: &[String],
) -> Result<()> {
    let Some(tag) = remote
        .metadata
        .tag
        .as_deref()
        .filter(|t| super::validate_tag(t).is_ok())
    else {
        return Ok(());
    };
    if existing.iter().any(|t| t == tag) {
        return Ok(());
    }
    let object_id = DatasetTag::object_id(&dataset.initial_identifier, tag);
    let version = remote
        .metadata
        .version
        .clone()
        .unwrap_or_else(|| tag.to_string());
    let data = DatasetTag {
        id: DatasetTag::id_for(tag, &dataset.identifier),
        name: tag.to_string(),
        description: format!("Tag {version} created by renku import"),
        date_created: crate::util::now(),
        dataset_slug: dataset.slug.clone(),
        dataset_identifier: dataset.identifier.clone(),
    };
    store.put(tx, &Record::new(Kind::DatasetTag, object_id, tx.id(), data))?;
    Ok(())
}

/// Downloads the files of `remote` into `dir` (extracting archives with `extract`); returns
/// `(path relative to the data directory, absolute path, source URL)` of every file.
pub(crate) fn download(
    remote: &RemoteDataset,
    dir: &Path,
    extract: bool,
    jobs: usize,
    progress: &dyn DownloadProgress,
) -> Result<Vec<(String, PathBuf, String)>> {
    let downloader = Downloader::new(&settings())?;
    let requests = remote.download_requests();
    let done = downloader.download_all(&requests, dir, jobs.max(1), progress)?;
    let mut out = Vec::new();
    for d in done {
        let rel = d.relative.to_string_lossy().replace('\\', "/");
        if extract && crate::dataset_remote::archive::is_archive(&d.path) {
            let stem = archive_stem(&rel);
            let target = dir.join(format!("{stem}.extracted"));
            let files = crate::dataset_remote::archive::extract(&d.path, &target)?;
            for f in files {
                let inner = f.strip_prefix(&target).unwrap_or(&f);
                let inner = inner.to_string_lossy().replace('\\', "/");
                out.push((
                    format!("{stem}/{inner}"),
                    target.join(inner.as_str()),
                    d.url.clone(),
                ));
            }
        } else {
            out.push((rel, d.path.clone(), d.url.clone()));
        }
    }
    Ok(out)
}

/// `a/b.tar.gz` → `a/b`.
fn archive_stem(rel: &str) -> String {
    let lower = rel.to_ascii_lowercase();
    for ext in [".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".tar", ".zip"] {
        if lower.ends_with(ext) {
            return rel[..rel.len() - ext.len()].to_string();
        }
    }
    rel.to_string()
}

/// The first version of an imported dataset, with the remote metadata.
fn first_version(
    remote: &RemoteDataset,
    slug: &str,
    datadir: Option<String>,
    transaction: &str,
    user: &crate::model::Person,
) -> Record<Dataset> {
    let identifier = crate::util::new_hex_id();
    let now = crate::util::now();
    let mut data = Dataset {
        id: Dataset::id_for(&identifier),
        identifier: identifier.clone(),
        initial_identifier: identifier.clone(),
        slug: slug.to_string(),
        name: String::new(),
        description: None,
        creators: Vec::new(),
        date_created: None,
        date_published: None,
        date_modified: now,
        date_removed: None,
        derived_from: None,
        same_as: None,
        keywords: Vec::new(),
        images: Vec::new(),
        in_language: None,
        license: None,
        version: None,
        annotations: Vec::new(),
        storage: None,
        datadir,
        import_source: None,
        files: Vec::new(),
        merges: Vec::new(),
    };
    apply_remote_metadata(&mut data, remote, user);
    Record {
        kind: Kind::Dataset,
        object_id: identifier.clone(),
        version_id: identifier,
        derived_from: None,
        date: now,
        removed: false,
        transaction: transaction.to_string(),
        data,
    }
}

/// Sets the metadata of `data` from the provider's: title, description, creators (`user`
/// when the remote names none), keywords, images, language, license, version, publication
/// date, `same_as` and where it was imported from. An imported version is no derivative:
/// `derived_from` is cleared.
pub(crate) fn apply_remote_metadata(
    data: &mut Dataset,
    remote: &RemoteDataset,
    user: &crate::model::Person,
) {
    let m = &remote.metadata;
    data.name = if m.name.trim().is_empty() {
        data.slug.clone()
    } else {
        m.name.trim().to_string()
    };
    data.description = m.description.clone().filter(|d| !d.is_empty());
    data.creators = if m.creators.is_empty() {
        vec![user.clone()]
    } else {
        m.creators.clone()
    };
    data.date_created = None;
    data.date_published = Some(
        m.date_published
            .as_deref()
            .and_then(parse_date)
            .unwrap_or(data.date_modified),
    );
    data.derived_from = None;
    data.same_as = Some(Url::external(
        &m.same_as,
        remote.provider == ProviderKind::Renku,
    ));
    data.keywords = m.keywords.clone();
    data.images = m
        .images
        .iter()
        .enumerate()
        .map(|(i, url)| ImageObject {
            id: format!("{}/images/{i}", data.id),
            content_url: url.clone(),
            position: i as u32,
        })
        .collect();
    data.in_language = m.in_language.as_deref().map(|l| Language::new(l, None));
    data.license = m.license.clone();
    data.version = m.version.clone();
    data.import_source = Some(ImportSource {
        provider: remote.provider.name().to_ascii_lowercase(),
        uri: remote.uri.clone(),
        version: m.version.clone(),
        tag: None,
    });
}

/// `YYYY-MM-DD` or RFC 3339 as a date-time.
fn parse_date(text: &str) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    if let Ok(d) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(d);
    }
    let day = chrono::NaiveDate::parse_from_str(text.get(..10)?, "%Y-%m-%d").ok()?;
    Some(day.and_hms_opt(0, 0, 0)?.and_utc().fixed_offset())
}

/// Copies the files of a dataset of another Renku project: its repository is cloned into
/// the cache, the dataset (at `tag`, or the version the URL names) read from its store.
pub(crate) fn copy_from_renku(
    project: &ProjectDir,
    source: &crate::dataset_remote::RenkuSource,
    tag: Option<&str>,
    record: &mut Record<Dataset>,
    data_dir: &str,
) -> Result<Vec<(String, PathBuf, String)>> {
    let url = source
        .project_url_http
        .clone()
        .or_else(|| source.project_url_ssh.clone())
        .ok_or_else(|| {
            Error::Failed("The knowledge graph gave no repository URL for the project.".into())
        })?;
    // A private project's repository needs the token `renku login` stored for its host.
    let token = crate::platform::Endpoint::from_remote_url(&url)
        .and_then(|endpoint| settings().token_for(&endpoint.token_key()));
    let co = super::git_source::checkout_with_token(project, &url, None, token.as_deref())?;
    // A project renku-python wrote is read as `renku migrate` would convert it, into a
    // scratch directory (the clone stays as it is).
    let legacy = co.dir.join(crate::project::migrate::LEGACY_DATABASE_DIR);
    let converted = if !co.dir.join(crate::store::STORE_DIR).is_dir() && legacy.is_dir() {
        let scratch =
            tempfile::tempdir().map_err(|e| Error::io("Cannot create a temporary directory", e))?;
        let git = project.git()?;
        let (name, email) = git.identity()?;
        let fallback = crate::model::Person::new(name, Some(email), None);
        crate::project::migrate::convert_database_into(&legacy, scratch.path(), &fallback)
            .map_err(|e| {
                Error::Failed(format!(
                    "Cannot read the metadata of {}: {e}",
                    source.project_path
                ))
            })?;
        Some(scratch)
    } else {
        None
    };
    let other = crate::store::Store::new(converted.as_ref().map_or(co.dir.as_path(), |d| d.path()));
    let datasets = Datasets::load(&other)?;
    let mut state = match datasets.find(&source.dataset_slug)? {
        Some(s) => s,
        None => datasets.state_of(&source.dataset_identifier).map_err(|_| {
            Error::Failed(format!(
                "Dataset '{}' is not in the repository of {}.",
                source.dataset_slug, source.project_path
            ))
        })?,
    };
    if let Some(t) = tag {
        let found = super::tags::find_tag(&datasets, &state, t)?
            .ok_or_else(|| Error::Parameter(format!("Cannot find tag '{t}' of the dataset.")))?;
        state = datasets.state_of(&found.data.dataset_identifier)?;
        if let Some(src) = record.data.import_source.as_mut() {
            src.tag = Some(t.to_string());
        }
    }
    let src = state.dataset();
    record.data.name = src.name.clone();
    record.data.description = src.description.clone();
    record.data.creators = src.creators.clone();
    record.data.keywords = src.keywords.clone();
    record.data.license = src.license.clone();
    record.data.annotations = src.annotations.clone();
    let src_dir = src.data_dir(&super::default_data_dir(&co.dir)?);
    let mut out = Vec::new();
    for f in state.files() {
        let inner = f
            .path()
            .strip_prefix(&format!("{src_dir}/"))
            .unwrap_or(f.path())
            .to_string();
        out.push((
            format!("{data_dir}/{inner}"),
            co.dir.join(f.path()),
            url.clone(),
        ));
    }
    Ok(out)
}

/// Moves (or copies) the fetched files to their destinations in the project as part of
/// `tx`, tracks large ones in LFS and records them in `record`.
pub(crate) fn place(
    tx: &mut Transaction,
    project: &ProjectDir,
    lfs: &LfsTracker,
    git: &crate::repo::git::Git,
    files: &[(String, PathBuf, String)],
    record: &mut Record<Dataset>,
) -> Result<Tracked> {
    let dests: Vec<String> = files.iter().map(|(d, _, _)| d.clone()).collect();
    let protected: Vec<String> = dests
        .iter()
        .filter(|d| super::is_protected(d))
        .cloned()
        .collect();
    if !protected.is_empty() {
        return Err(super::protected_error(&protected));
    }
    tx.protect_files(&dests)?;
    for (dest, src, _) in files {
        let target = project.root().join(dest);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| Error::io(format!("Cannot create {}", parent.display()), e))?;
        }
        if std::fs::rename(src, &target).is_err() {
            std::fs::copy(src, &target)
                .map_err(|e| Error::io(format!("Cannot write {dest}"), e))?;
        }
        crate::interrupt::check()?;
    }
    let tracked = lfs.track(tx, git.repo(), &dests)?;
    let sums = super::add::hash_files(project.root(), &dests)?;
    for ((dest, _, url), sum) in files.iter().zip(sums) {
        let size = std::fs::metadata(project.root().join(dest))
            .ok()
            .map(|m| m.len());
        record
            .data
            .files
            .push(DatasetFile::new(dest, &sum, Some(url.clone()), size));
        tx.stage_path(dest)?;
    }
    Ok(tracked)
}
