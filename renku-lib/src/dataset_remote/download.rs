//! Streaming, parallel downloads that leave nothing behind when they fail.
//!
//! Every body is streamed into a temporary file (`.renku-download-*`) inside the destination
//! directory, so the final move is a rename on the same file system and no file is ever held
//! in memory. Only when every request of a call has arrived complete (size and checksum
//! checked when the provider announced them) are the files moved to their names. On any
//! failure — an HTTP error, a connection that breaks off, a checksum mismatch, too little
//! disk space, an interrupt — every temporary file, every file already moved and every
//! directory the call created is removed again, and the error names the URL.

use std::collections::HashSet;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use md5::{Digest, Md5};
use reqwest::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::error::{RemoteError, Result};
use super::http::HttpClient;
use super::model::{Checksum, ChecksumAlgorithm};
use super::naming;
use super::settings::ProviderSettings;

/// Prefix of the temporary files a download writes.
pub const TEMP_PREFIX: &str = ".renku-download-";
const CHUNK: usize = 64 * 1024;

/// One file to download.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownloadRequest {
    /// The http(s) URL.
    pub url: String,
    /// Destination relative to the destination directory; `None` takes the name from the
    /// response's `Content-Disposition`, else from the URL's last path segment.
    pub name: Option<PathBuf>,
    /// Size announced by the provider (checked, and counted in the disk-space check).
    pub size: Option<u64>,
    /// Checksum announced by the provider (checked).
    pub checksum: Option<Checksum>,
}

impl DownloadRequest {
    /// A request for `url` with nothing known about the file.
    pub fn new(url: impl Into<String>) -> Self {
        DownloadRequest {
            url: url.into(),
            name: None,
            size: None,
            checksum: None,
        }
    }
}

/// A file that was downloaded and moved into place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Downloaded {
    /// The URL it came from.
    pub url: String,
    /// Where it is now (inside the destination directory).
    pub path: PathBuf,
    /// `path` relative to the destination directory.
    pub relative: PathBuf,
    /// Its size in bytes.
    pub size: u64,
    /// Its MD5 digest (lower-case hex).
    pub md5: String,
    /// The response's `Content-Type`, if any.
    pub content_type: Option<String>,
}

/// Receives progress of a download call; the CLI draws bars, the server logs. Methods are
/// called from the download threads.
pub trait DownloadProgress: Sync {
    /// The call starts: `total_files` files, `total_bytes` announced bytes (files whose
    /// size is not known in advance count 0).
    fn start(&self, total_files: usize, total_bytes: u64);
    /// A file's transfer starts; `size` when known.
    fn file_started(&self, name: &str, size: Option<u64>);
    /// `n` more bytes of the file `name` arrived (the name is passed so that parallel
    /// transfers can be told apart).
    fn bytes(&self, name: &str, n: u64);
    /// The file `name` arrived completely and was verified.
    fn file_done(&self, name: &str);
}

/// A [`DownloadProgress`] that ignores everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl DownloadProgress for NoProgress {
    fn start(&self, _: usize, _: u64) {}
    fn file_started(&self, _: &str, _: Option<u64>) {}
    fn bytes(&self, _: &str, _: u64) {}
    fn file_done(&self, _: &str) {}
}

/// Returns the bytes available to the user on the file system holding a directory.
pub type FreeSpaceProbe = dyn Fn(&Path) -> std::io::Result<u64> + Send + Sync;

/// The bytes available to an unprivileged user on the file system of `path` (statvfs).
pub fn free_space(path: &Path) -> std::io::Result<u64> {
    let stat = rustix::fs::statvfs(path).map_err(std::io::Error::from)?;
    Ok(stat.f_bavail.saturating_mul(stat.f_frsize))
}

/// Downloads `requests` into `dest_dir` with `jobs` parallel transfers, using the
/// settings of [`ProviderSettings::from_env`]. See [`Downloader::download_all`].
pub fn download_all(
    requests: &[DownloadRequest],
    dest_dir: &Path,
    jobs: usize,
    progress: &dyn DownloadProgress,
) -> Result<Vec<Downloaded>> {
    Downloader::new(&ProviderSettings::from_env())?.download_all(requests, dest_dir, jobs, progress)
}

/// Downloads files; configured once, usable for many calls.
pub struct Downloader {
    client: HttpClient,
    overwrite: bool,
    free_space: Box<FreeSpaceProbe>,
}

impl std::fmt::Debug for Downloader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Downloader")
            .field("overwrite", &self.overwrite)
            .finish_non_exhaustive()
    }
}

impl Downloader {
    /// A downloader using the timeouts and user agent of `settings`; existing files are not
    /// overwritten, free space is read with statvfs.
    pub fn new(settings: &ProviderSettings) -> Result<Self> {
        Ok(Downloader {
            client: HttpClient::new(settings)?,
            overwrite: false,
            free_space: Box::new(free_space),
        })
    }

    /// Whether existing destination files may be replaced (default: no, which makes an
    /// existing file an error before anything is fetched).
    pub fn overwrite(mut self, overwrite: bool) -> Self {
        self.overwrite = overwrite;
        self
    }

    /// Replaces how free disk space is measured (tests inject a number here).
    pub fn free_space_probe(
        mut self,
        probe: impl Fn(&Path) -> std::io::Result<u64> + Send + Sync + 'static,
    ) -> Self {
        self.free_space = Box::new(probe);
        self
    }

    /// Downloads every request into `dest_dir` (created when missing), `jobs` at a time.
    ///
    /// Returns the files in the order of `requests`. On failure nothing of this call is left
    /// on disk and the error names the URL that failed.
    pub fn download_all(
        &self,
        requests: &[DownloadRequest],
        dest_dir: &Path,
        jobs: usize,
        progress: &dyn DownloadProgress,
    ) -> Result<Vec<Downloaded>> {
        let mut created = CreatedDirs::default();
        let result = self.run(requests, dest_dir, jobs, progress, &mut created);
        if result.is_err() {
            created.remove();
        }
        result
    }

    fn run(
        &self,
        requests: &[DownloadRequest],
        dest_dir: &Path,
        jobs: usize,
        progress: &dyn DownloadProgress,
        created: &mut CreatedDirs,
    ) -> Result<Vec<Downloaded>> {
        // Validate everything that can be validated before a byte is fetched.
        let mut names = Vec::with_capacity(requests.len());
        let mut seen = HashSet::new();
        for req in requests {
            super::http::parse_http_url(&req.url)?;
            let name = match &req.name {
                Some(name) => Some(validated_name(&req.url, name)?),
                None => None,
            };
            if let Some(name) = &name {
                if !seen.insert(name.clone()) {
                    return Err(RemoteError::DuplicateDestination {
                        path: dest_dir.join(name),
                    });
                }
                self.check_destination(&dest_dir.join(name))?;
            }
            names.push(name);
        }
        if requests.is_empty() {
            return Ok(Vec::new());
        }

        created.create_all(dest_dir)?;
        let available = (self.free_space)(dest_dir).map_err(|e| {
            RemoteError::io(
                format!("Cannot read free space of {}", dest_dir.display()),
                e,
            )
        })?;
        let known: u64 = requests.iter().filter_map(|r| r.size).sum();
        if known > available {
            return Err(RemoteError::InsufficientDiskSpace {
                dir: dest_dir.to_path_buf(),
                required: known,
                available,
            });
        }
        progress.start(requests.len(), known);

        let shared = Shared {
            next: AtomicUsize::new(0),
            abort: AtomicBool::new(false),
            reserved: AtomicU64::new(known),
            available,
            first_error: Mutex::new(None),
            staged: Mutex::new((0..requests.len()).map(|_| None).collect()),
        };
        let workers = jobs.clamp(1, requests.len());
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| {
                    self.worker(requests, &names, dest_dir, &shared, progress);
                });
            }
        });

        if let Some(err) = shared.take_error() {
            // Dropping the staged temporary files deletes them.
            return Err(err);
        }
        crate::interrupt::check().map_err(|_| RemoteError::Interrupted)?;
        let staged: Vec<Staged> = shared
            .staged
            .into_inner()
            .unwrap_or_else(|p| p.into_inner())
            .into_iter()
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| RemoteError::Download {
                url: String::new(),
                detail: "a transfer ended without a result".to_string(),
            })?;
        self.move_into_place(staged, dest_dir, created)
    }

    fn check_destination(&self, path: &Path) -> Result<()> {
        if !self.overwrite && path.symlink_metadata().is_ok() {
            return Err(RemoteError::DestinationExists {
                path: path.to_path_buf(),
            });
        }
        if path.is_dir() {
            return Err(RemoteError::DestinationExists {
                path: path.to_path_buf(),
            });
        }
        Ok(())
    }

    fn worker(
        &self,
        requests: &[DownloadRequest],
        names: &[Option<PathBuf>],
        dest_dir: &Path,
        shared: &Shared,
        progress: &dyn DownloadProgress,
    ) {
        loop {
            if shared.abort.load(Ordering::SeqCst) {
                return;
            }
            let index = shared.next.fetch_add(1, Ordering::SeqCst);
            let Some(req) = requests.get(index) else {
                return;
            };
            match self.fetch(req, names[index].clone(), dest_dir, shared, progress) {
                Ok(Some(staged)) => {
                    if let Ok(mut slots) = shared.staged.lock() {
                        slots[index] = Some(staged);
                    }
                }
                Ok(None) => return,
                Err(err) => {
                    tracing::debug!(url = %req.url, error = %err, "download failed");
                    shared.fail(err);
                    return;
                }
            }
        }
    }

    /// Fetches one file into a temporary file; `Ok(None)` when another transfer failed and
    /// this one stopped early.
    fn fetch(
        &self,
        req: &DownloadRequest,
        name: Option<PathBuf>,
        dest_dir: &Path,
        shared: &Shared,
        progress: &dyn DownloadProgress,
    ) -> Result<Option<Staged>> {
        let url = req.url.as_str();
        let mut response = self.client.get(url, "*/*", None)?;
        let header = |h| {
            response
                .headers()
                .get(h)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .map(str::to_string)
        };
        let content_type = header(CONTENT_TYPE);
        let relative = match name {
            Some(name) => name,
            None => {
                let from_header = header(CONTENT_DISPOSITION)
                    .and_then(|h| naming::file_name_from_content_disposition(&h));
                let name = from_header
                    .or_else(|| naming::file_name_from_url(url))
                    .or_else(|| naming::file_name_from_url(response.url().as_str()))
                    .ok_or_else(|| RemoteError::InvalidFileName {
                        url: url.to_string(),
                        name: String::new(),
                    })?;
                let name = PathBuf::from(name);
                self.check_destination(&dest_dir.join(&name))?;
                name
            }
        };
        let content_length = response.content_length();
        if let (Some(announced), Some(length)) = (req.size, content_length)
            && announced != length
        {
            return Err(RemoteError::SizeMismatch {
                url: url.to_string(),
                expected: announced,
                actual: length,
            });
        }
        if req.size.is_none()
            && let Some(length) = content_length
        {
            let reserved = shared.reserved.fetch_add(length, Ordering::SeqCst) + length;
            if reserved > shared.available {
                return Err(RemoteError::InsufficientDiskSpace {
                    dir: dest_dir.to_path_buf(),
                    required: reserved,
                    available: shared.available,
                });
            }
        }
        let expected = req.size.or(content_length);
        let display = relative.to_string_lossy().into_owned();
        progress.file_started(&display, expected);

        let mut tmp = tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .tempfile_in(dest_dir)
            .map_err(|e| {
                RemoteError::io(
                    format!("Cannot create a temporary file in {}", dest_dir.display()),
                    e,
                )
            })?;
        let mut md5 = Md5::new();
        let mut sha256 = matches!(
            req.checksum.as_ref().map(|c| c.algorithm),
            Some(ChecksumAlgorithm::Sha256)
        )
        .then(Sha256::new);
        let mut buf = vec![0u8; CHUNK];
        let mut received: u64 = 0;
        loop {
            if crate::interrupt::is_requested() {
                return Err(RemoteError::Interrupted);
            }
            if shared.abort.load(Ordering::SeqCst) {
                return Ok(None);
            }
            let n = match response.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(RemoteError::Download {
                        url: url.to_string(),
                        detail: format!(
                            "the connection broke off after {received} bytes{}: {}",
                            expected.map(|e| format!(" of {e}")).unwrap_or_default(),
                            io_chain(&e)
                        ),
                    });
                }
            };
            received += n as u64;
            if let Some(expected) = expected
                && received > expected
            {
                return Err(RemoteError::SizeMismatch {
                    url: url.to_string(),
                    expected,
                    actual: received,
                });
            }
            tmp.write_all(&buf[..n])
                .map_err(|e| RemoteError::io(format!("Cannot write the download of '{url}'"), e))?;
            md5.update(&buf[..n]);
            if let Some(h) = sha256.as_mut() {
                h.update(&buf[..n]);
            }
            progress.bytes(&display, n as u64);
        }
        if let Some(expected) = expected
            && received != expected
        {
            return Err(RemoteError::SizeMismatch {
                url: url.to_string(),
                expected,
                actual: received,
            });
        }
        tmp.as_file_mut()
            .sync_all()
            .map_err(|e| RemoteError::io(format!("Cannot write the download of '{url}'"), e))?;
        let md5 = hex(&md5.finalize());
        if let Some(checksum) = &req.checksum {
            let actual = match checksum.algorithm {
                ChecksumAlgorithm::Md5 => md5.clone(),
                ChecksumAlgorithm::Sha256 => sha256.map(|h| hex(&h.finalize())).unwrap_or_default(),
            };
            if actual != checksum.hex {
                return Err(RemoteError::ChecksumMismatch {
                    url: url.to_string(),
                    algorithm: checksum.algorithm.name().to_string(),
                    expected: checksum.hex.clone(),
                    actual,
                });
            }
        }
        progress.file_done(&display);
        Ok(Some(Staged {
            url: url.to_string(),
            tmp,
            relative,
            size: received,
            md5,
            content_type,
        }))
    }

    fn move_into_place(
        &self,
        staged: Vec<Staged>,
        dest_dir: &Path,
        created: &mut CreatedDirs,
    ) -> Result<Vec<Downloaded>> {
        // Names taken from responses may collide with each other.
        let mut seen = HashSet::new();
        for s in &staged {
            if !seen.insert(s.relative.clone()) {
                return Err(RemoteError::DuplicateDestination {
                    path: dest_dir.join(&s.relative),
                });
            }
        }
        let mut moved: Vec<PathBuf> = Vec::new();
        let mut out = Vec::with_capacity(staged.len());
        let result = (|| {
            for s in staged {
                let path = dest_dir.join(&s.relative);
                if let Some(parent) = path.parent() {
                    created.create_all(parent)?;
                }
                self.check_destination(&path)?;
                let persisted = if self.overwrite {
                    s.tmp.persist(&path)
                } else {
                    s.tmp.persist_noclobber(&path)
                };
                persisted.map_err(|e| {
                    RemoteError::io(
                        format!(
                            "Cannot move the download of '{}' to {}",
                            s.url,
                            path.display()
                        ),
                        e.error,
                    )
                })?;
                moved.push(path.clone());
                out.push(Downloaded {
                    url: s.url,
                    path,
                    relative: s.relative,
                    size: s.size,
                    md5: s.md5,
                    content_type: s.content_type,
                });
            }
            Ok(())
        })();
        match result {
            Ok(()) => Ok(out),
            Err(err) => {
                for path in moved {
                    let _ = std::fs::remove_file(path);
                }
                Err(err)
            }
        }
    }
}

/// A downloaded body waiting in its temporary file.
struct Staged {
    url: String,
    tmp: tempfile::NamedTempFile,
    relative: PathBuf,
    size: u64,
    md5: String,
    content_type: Option<String>,
}

struct Shared {
    next: AtomicUsize,
    abort: AtomicBool,
    reserved: AtomicU64,
    available: u64,
    first_error: Mutex<Option<RemoteError>>,
    staged: Mutex<Vec<Option<Staged>>>,
}

impl Shared {
    fn fail(&self, err: RemoteError) {
        self.abort.store(true, Ordering::SeqCst);
        if let Ok(mut first) = self.first_error.lock()
            && first.is_none()
        {
            *first = Some(err);
        }
    }

    fn take_error(&self) -> Option<RemoteError> {
        self.first_error.lock().ok().and_then(|mut e| e.take())
    }
}

/// Directories a call created, removed again (deepest first, only when empty) on failure.
#[derive(Default)]
struct CreatedDirs(Vec<PathBuf>);

impl CreatedDirs {
    fn create_all(&mut self, dir: &Path) -> Result<()> {
        let mut missing = Vec::new();
        let mut cur = Some(dir);
        while let Some(d) = cur {
            if d.as_os_str().is_empty() || d.exists() {
                break;
            }
            missing.push(d.to_path_buf());
            cur = d.parent();
        }
        for d in missing.into_iter().rev() {
            std::fs::create_dir(&d)
                .or_else(|e| if d.is_dir() { Ok(()) } else { Err(e) })
                .map_err(|e| {
                    RemoteError::io(format!("Cannot create directory {}", d.display()), e)
                })?;
            self.0.push(d);
        }
        Ok(())
    }

    fn remove(&mut self) {
        for d in self.0.drain(..).rev() {
            let _ = std::fs::remove_dir(d);
        }
    }
}

fn validated_name(url: &str, name: &Path) -> Result<PathBuf> {
    let text = name.to_string_lossy();
    naming::sanitize_relative_path(&text)
        .filter(|p| naming::is_safe_relative(p))
        .ok_or_else(|| RemoteError::InvalidFileName {
            url: url.to_string(),
            name: text.into_owned(),
        })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn io_chain(err: &std::io::Error) -> String {
    use std::error::Error as _;
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let t = s.to_string();
        if !text.contains(&t) {
            text.push_str(": ");
            text.push_str(&t);
        }
        source = s.source();
    }
    text
}
