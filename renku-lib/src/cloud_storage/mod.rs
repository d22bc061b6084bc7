//! Cloud storage for datasets created with `--storage s3://…` or `--storage azure://…`.
//!
//! * [`uri`]: the storage URIs (`s3://<endpoint>/<bucket>/<path>`,
//!   `azure://<account>/<container>/<path>`).
//! * [`ObjectStorage`]: what the dataset commands need from a bucket: does it exist, list
//!   objects with sizes and MD5 checksums, upload a local file, download an object. [`open`]
//!   returns the implementation for a URI: [`s3::S3Storage`] (AWS Signature V4 over the
//!   blocking reqwest client) or [`azure::AzureStorage`] (Shared Key over the same client).
//! * [`credentials`]: where access keys come from (environment, the per-user credential file
//!   outside every repository, or a [`credentials::CredentialPrompt`]).
//!
//! Transfers stream: uploads read the file while sending it (large files in parts), downloads
//! write to a temporary file next to the destination that is renamed into place only when
//! the object was received completely, so a failed download leaves no partial file.

pub mod azure;
pub mod credentials;
pub mod s3;
mod shared_key;
mod sigv4;
pub mod uri;

#[cfg(any(test, feature = "test-support"))]
pub mod testing;
#[cfg(test)]
mod tests;

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use md5::{Digest, Md5};

pub use credentials::Credentials;
pub use uri::{Provider, StorageUri};

/// Result type of the cloud-storage operations.
pub type StorageResult<T> = std::result::Result<T, StorageError>;

/// An object in a bucket or container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectInfo {
    /// The full object key inside the bucket.
    pub key: String,
    /// Size in bytes.
    pub size: u64,
    /// MD5 of the content as lower-case hex, when the service knows it (S3: the ETag of an
    /// object uploaded in one request; Azure: the blob's `Content-MD5`) or it was computed
    /// while transferring the content.
    pub md5: Option<String>,
}

/// Receives the progress of a transfer. Implementations must be cheap: they are called for
/// every chunk, possibly from the HTTP client's thread.
pub trait TransferProgress: Send + Sync {
    /// `bytes` more were sent or received.
    fn advance(&self, bytes: u64);
}

/// Progress that goes nowhere.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl TransferProgress for NoProgress {
    fn advance(&self, _bytes: u64) {}
}

/// A bucket (S3) or container (Azure) and the operations dataset commands use on it. Keys
/// are full object keys inside the bucket (see [`StorageUri::key_for`]).
pub trait ObjectStorage: Send + Sync {
    /// The storage this handle was opened for.
    fn uri(&self) -> &StorageUri;

    /// Whether the bucket or container exists. Missing credentials or a key without access
    /// give [`StorageError::Auth`], not `false`.
    fn bucket_exists(&self) -> StorageResult<bool>;

    /// Fails with [`StorageError::BucketNotFound`] unless the bucket exists.
    fn ensure_bucket(&self) -> StorageResult<()> {
        if self.bucket_exists()? {
            Ok(())
        } else {
            Err(StorageError::BucketNotFound {
                provider: self.uri().provider(),
                bucket: self.uri().bucket().to_string(),
            })
        }
    }

    /// All objects whose key starts with `prefix` (every page of the listing), sorted by key.
    fn list(&self, prefix: &str) -> StorageResult<Vec<ObjectInfo>>;

    /// The object `key`, or `None` when there is none.
    fn stat(&self, key: &str) -> StorageResult<Option<ObjectInfo>>;

    /// Uploads the file `local` to `key`, replacing any object there, reporting progress.
    /// The returned info carries the MD5 computed while reading the file.
    fn upload_with_progress(
        &self,
        local: &Path,
        key: &str,
        progress: Arc<dyn TransferProgress>,
    ) -> StorageResult<ObjectInfo>;

    /// Downloads `key` to the file `local` (parent directories are created; an existing file
    /// is replaced), reporting progress. On any failure `local` is left as it was.
    fn download_with_progress(
        &self,
        key: &str,
        local: &Path,
        progress: Arc<dyn TransferProgress>,
    ) -> StorageResult<ObjectInfo>;

    /// [`Self::upload_with_progress`] without progress.
    fn upload(&self, local: &Path, key: &str) -> StorageResult<ObjectInfo> {
        self.upload_with_progress(local, key, Arc::new(NoProgress))
    }

    /// [`Self::download_with_progress`] without progress.
    fn download(&self, key: &str, local: &Path) -> StorageResult<ObjectInfo> {
        self.download_with_progress(key, local, Arc::new(NoProgress))
    }
}

/// The errors of cloud-storage operations.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// A storage URI could not be parsed.
    #[error("Invalid storage URI '{uri}': {reason}.")]
    InvalidUri {
        /// The text given.
        uri: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The bucket or container does not exist.
    #[error("{provider} {} '{bucket}' doesn't exist.", provider.bucket_word())]
    BucketNotFound {
        /// S3 or Azure.
        provider: Provider,
        /// The bucket or container name.
        bucket: String,
    },
    /// The object does not exist.
    #[error("'{uri}' doesn't exist.")]
    ObjectNotFound {
        /// The URI of the object.
        uri: String,
    },
    /// The service refused the credentials or their permissions.
    #[error(
        "Access to '{uri}' was denied: {detail}\nHint: check the credentials ({hint}, or the ones stored in ~/.renku/{}).",
        credentials::STORE_FILE_NAME
    )]
    Auth {
        /// The storage URI.
        uri: String,
        /// The service's error code and message.
        detail: String,
        /// Where credentials come from for this provider.
        hint: &'static str,
    },
    /// Credentials are unusable (wrong provider, malformed key).
    #[error("Invalid credentials for '{uri}': {reason}")]
    InvalidCredentials {
        /// The storage URI.
        uri: String,
        /// What is wrong.
        reason: String,
    },
    /// The service could not be reached or the connection failed.
    #[error("Cannot reach the storage service at {url}: {detail}")]
    Network {
        /// The URL of the request (never carries credentials).
        url: String,
        /// The client's error with its causes.
        detail: String,
    },
    /// The service answered with an unexpected error status.
    #[error("The storage service answered {status} for {url}: {detail}")]
    Service {
        /// URL of the request.
        url: String,
        /// HTTP status code.
        status: u16,
        /// The service's error code and message, if any.
        detail: String,
    },
    /// A response could not be understood.
    #[error("Unexpected answer of the storage service to {what}: {detail}")]
    InvalidResponse {
        /// Which request.
        what: String,
        /// What was wrong.
        detail: String,
    },
    /// Received content did not match what the service announced.
    #[error("Download of '{uri}' is corrupt: {detail}")]
    Corrupt {
        /// The object URI.
        uri: String,
        /// Which check failed.
        detail: String,
    },
    /// The credential file could not be read or written.
    #[error("{0}")]
    CredentialStore(String),
    /// A local file could not be read or written.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl StorageError {
    fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        StorageError::Io {
            context: context.into(),
            source,
        }
    }

    /// Whether the error means "bad input" (exit code 2) rather than a failed operation.
    pub fn is_usage(&self) -> bool {
        matches!(self, StorageError::InvalidUri { .. })
    }
}

/// Settings of storage access that are not part of the URI. [`StorageOptions::from_env`]
/// reads them from the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageOptions {
    /// `http` or `https` for S3 endpoints, overriding the default (https, http for loopback
    /// endpoints). Env `RENKU_S3_ENDPOINT_SCHEME`.
    pub s3_scheme: Option<String>,
    /// The S3 signing region. Default: from an `s3.<region>.amazonaws.com` endpoint, else
    /// `AWS_REGION`, else `AWS_DEFAULT_REGION`, else `us-east-1`; AWS's redirect to a
    /// bucket's real region is followed.
    pub s3_region: Option<String>,
    /// The Blob service URL of the account (e.g. `http://127.0.0.1:10000/devstoreaccount1`),
    /// instead of `https://<account>.blob.core.windows.net`. Env `RENKU_AZURE_BLOB_ENDPOINT`.
    pub azure_endpoint: Option<String>,
    /// Files larger than this are uploaded in parts (S3 multipart upload, Azure block list).
    pub multipart_threshold: u64,
    /// The size of one part (raised when a file would need more parts than the service
    /// allows).
    pub part_size: u64,
    /// Connect timeout of every request.
    pub connect_timeout: Duration,
    /// Timeout of requests that transfer no file (HEAD, listings, …).
    pub request_timeout: Duration,
    /// How many objects one listing request asks for (`None`: the service's maximum, 1000
    /// for S3, 5000 for Azure).
    pub list_page_size: Option<u32>,
}

impl Default for StorageOptions {
    fn default() -> Self {
        StorageOptions {
            s3_scheme: None,
            s3_region: None,
            azure_endpoint: None,
            multipart_threshold: 256 * 1024 * 1024,
            part_size: 64 * 1024 * 1024,
            connect_timeout: Duration::from_secs(30),
            request_timeout: Duration::from_secs(120),
            list_page_size: None,
        }
    }
}

impl StorageOptions {
    /// Env var overriding the scheme of S3 endpoints (`http` or `https`).
    pub const S3_SCHEME_ENV: &'static str = "RENKU_S3_ENDPOINT_SCHEME";
    /// Env var naming the Azure Blob service URL of the account.
    pub const AZURE_ENDPOINT_ENV: &'static str = "RENKU_AZURE_BLOB_ENDPOINT";

    /// The defaults with the overrides of the process environment.
    pub fn from_env() -> StorageOptions {
        Self::from_env_with(|name| std::env::var(name).ok())
    }

    /// The defaults with the overrides `env` returns (for tests and embedding).
    pub fn from_env_with(env: impl Fn(&str) -> Option<String>) -> StorageOptions {
        let get = |name: &str| env(name).filter(|v| !v.trim().is_empty());
        StorageOptions {
            s3_scheme: get(Self::S3_SCHEME_ENV).map(|s| s.trim().to_ascii_lowercase()),
            s3_region: get("AWS_REGION").or_else(|| get("AWS_DEFAULT_REGION")),
            azure_endpoint: get(Self::AZURE_ENDPOINT_ENV),
            ..StorageOptions::default()
        }
    }
}

/// Opens the storage `uri` names with `credentials` and the options of the environment.
/// No request is made yet.
pub fn open(uri: &StorageUri, credentials: &Credentials) -> StorageResult<Box<dyn ObjectStorage>> {
    open_with(uri, credentials, &StorageOptions::from_env())
}

/// Opens the storage `uri` names with `credentials` and explicit `options`.
pub fn open_with(
    uri: &StorageUri,
    credentials: &Credentials,
    options: &StorageOptions,
) -> StorageResult<Box<dyn ObjectStorage>> {
    Ok(match uri.provider() {
        Provider::S3 => Box::new(s3::S3Storage::new(uri, credentials, options)?),
        Provider::Azure => Box::new(azure::AzureStorage::new(uri, credentials, options)?),
    })
}

// ---- shared plumbing of the implementations ----

/// The blocking HTTP client of a storage handle: no overall timeout (transfers may take
/// long), a connect timeout, TCP keep-alive.
fn http_client(options: &StorageOptions) -> StorageResult<reqwest::blocking::Client> {
    reqwest::blocking::Client::builder()
        .user_agent(format!("renku-rs/{}", crate::VERSION))
        .connect_timeout(options.connect_timeout)
        .timeout(None)
        .tcp_keepalive(Duration::from_secs(60))
        // A redirect would be followed without the signature (another host) or with a body
        // that cannot be sent twice; S3's region redirects are handled by the S3 backend.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| StorageError::Network {
            url: String::new(),
            detail: format!(
                "cannot set up the HTTP client: {}",
                crate::util::error_chain(&e)
            ),
        })
}

/// Maps a client error to [`StorageError::Network`] (without the query string of `url`).
fn network_error(url: &reqwest::Url, err: &reqwest::Error) -> StorageError {
    let mut url = url.clone();
    url.set_query(None);
    StorageError::Network {
        url: url.to_string(),
        detail: crate::util::error_chain(err),
    }
}

/// The `<Code>` and `<Message>` of an XML error body (S3 and Azure use the same shape).
fn xml_error(body: &str) -> (Option<String>, Option<String>) {
    #[derive(serde::Deserialize)]
    struct ErrorBody {
        #[serde(rename = "Code")]
        code: Option<String>,
        #[serde(rename = "Message")]
        message: Option<String>,
    }
    match quick_xml::de::from_str::<ErrorBody>(body) {
        Ok(e) => (
            e.code,
            e.message
                .map(|m| m.lines().next().unwrap_or("").to_string()),
        ),
        Err(_) => (None, None),
    }
}

/// Reads and hashes a file while the HTTP client sends it.
struct HashingReader<R> {
    inner: R,
    md5: Arc<Mutex<Md5>>,
    progress: Arc<dyn TransferProgress>,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n > 0 {
            if let Ok(mut md5) = self.md5.lock() {
                md5.update(&buf[..n]);
            }
            self.progress.advance(n as u64);
        }
        Ok(n)
    }
}

/// Lower-case hex of an MD5 state.
fn md5_hex(md5: &Arc<Mutex<Md5>>) -> Option<String> {
    let md5 = md5.lock().ok()?.clone();
    Some(sigv4::hex(&md5.finalize()))
}

/// The upload body of `len` bytes of `path` starting at `offset`, hashed into `md5`.
fn file_body(
    path: &Path,
    offset: u64,
    len: u64,
    md5: &Arc<Mutex<Md5>>,
    progress: &Arc<dyn TransferProgress>,
) -> StorageResult<reqwest::blocking::Body> {
    use std::io::{Seek, SeekFrom};
    let mut file = std::fs::File::open(path)
        .map_err(|e| StorageError::io(format!("Cannot read {}", path.display()), e))?;
    if offset > 0 {
        file.seek(SeekFrom::Start(offset))
            .map_err(|e| StorageError::io(format!("Cannot read {}", path.display()), e))?;
    }
    let reader = HashingReader {
        inner: file.take(len),
        md5: Arc::clone(md5),
        progress: Arc::clone(progress),
    };
    Ok(reqwest::blocking::Body::sized(reader, len))
}

/// The `Content-Length` of a response to the request `what` (an object's size).
fn content_length(headers: &reqwest::header::HeaderMap, what: &str) -> StorageResult<u64> {
    headers
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| StorageError::InvalidResponse {
            what: what.into(),
            detail: "no Content-Length".into(),
        })
}

/// Size of the local file to upload.
fn file_size(path: &Path) -> StorageResult<u64> {
    let meta = std::fs::metadata(path)
        .map_err(|e| StorageError::io(format!("Cannot read {}", path.display()), e))?;
    if !meta.is_file() {
        return Err(StorageError::io(
            format!("Cannot upload {}", path.display()),
            std::io::Error::other("not a regular file"),
        ));
    }
    Ok(meta.len())
}

/// Writes the body of a successful GET to a temporary file next to `local` and renames it
/// into place after checking the length against `Content-Length` and the MD5 against
/// `expected_md5` (hex) when given. Returns the size and MD5 of what was written.
fn receive_to_file(
    mut response: reqwest::blocking::Response,
    local: &Path,
    uri: &str,
    expected_md5: Option<String>,
    progress: &dyn TransferProgress,
) -> StorageResult<(u64, String)> {
    let parent = match local.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent)
        .map_err(|e| StorageError::io(format!("Cannot create {}", parent.display()), e))?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".renku-download-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Like a file created by `File::create`: the umask decides.
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(&parent).map_err(|e| {
        StorageError::io(format!("Cannot create a file in {}", parent.display()), e)
    })?;
    let announced = response.content_length();
    let mut md5 = Md5::new();
    let mut size = 0u64;
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = match response.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(StorageError::Network {
                    url: uri.to_string(),
                    detail: format!(
                        "the download broke off after {size} bytes: {}",
                        crate::util::error_chain(&e)
                    ),
                });
            }
        };
        tmp.write_all(&buf[..n])
            .map_err(|e| StorageError::io(format!("Cannot write {}", local.display()), e))?;
        md5.update(&buf[..n]);
        size += n as u64;
        progress.advance(n as u64);
    }
    if let Some(expected) = announced
        && expected != size
    {
        return Err(StorageError::Corrupt {
            uri: uri.to_string(),
            detail: format!("{expected} bytes announced, {size} received"),
        });
    }
    let md5 = sigv4::hex(&md5.finalize());
    if let Some(expected) = expected_md5
        && expected != md5
    {
        return Err(StorageError::Corrupt {
            uri: uri.to_string(),
            detail: format!("MD5 {md5} differs from the stored {expected}"),
        });
    }
    tmp.as_file()
        .sync_all()
        .map_err(|e| StorageError::io(format!("Cannot write {}", local.display()), e))?;
    tmp.persist(local)
        .map_err(|e| StorageError::io(format!("Cannot write {}", local.display()), e.error))?;
    Ok((size, md5))
}

/// Decodes a base64 `Content-MD5` into hex.
fn base64_md5_to_hex(value: &str) -> Option<String> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(value.trim())
        .ok()?;
    (bytes.len() == 16).then(|| sigv4::hex(&bytes))
}

/// An S3 ETag that is an MD5 (32 hex digits, quotes removed), i.e. not a multipart ETag.
fn etag_md5(etag: &str) -> Option<String> {
    let etag = etag.trim().trim_matches('"').to_ascii_lowercase();
    (etag.len() == 32 && etag.chars().all(|c| c.is_ascii_hexdigit())).then_some(etag)
}

/// How many bytes each part of a multipart upload of `size` bytes has, given the wanted
/// `part_size` and the service's limit on the number of parts.
fn part_size_for(size: u64, part_size: u64, max_parts: u64) -> u64 {
    let part_size = part_size.max(1);
    let needed = size.div_ceil(max_parts);
    part_size.max(needed)
}
