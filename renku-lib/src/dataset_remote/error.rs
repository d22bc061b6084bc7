//! Errors of the remote providers, downloads and archive extraction.

use std::path::PathBuf;

use crate::error::ExitCode;

/// Result type of the remote dataset modules.
pub type Result<T, E = RemoteError> = std::result::Result<T, E>;

/// The providers a URI is tried against, in the order they are tried (for the hint of
/// [`RemoteError::ProviderNotFound`]).
pub const SUPPORTED_PROVIDERS: &str = "Zenodo, Renku, Dataverse";

/// Everything that can go wrong while talking to a data repository, downloading files or
/// unpacking archives. Every variant that concerns a remote resource names its URL.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    /// The URI is neither a DOI nor a URL with scheme and host (exit 2).
    #[error("Cannot parse URL '{uri}'")]
    CannotParseUrl {
        /// The URI as given.
        uri: String,
    },
    /// No provider supports the URI (exit 2).
    #[error(
        "{}Provider not found: {uri}\nHint: Supported providers are: {SUPPORTED_PROVIDERS}",
        warnings.iter().map(|w| format!("{w}\n")).collect::<String>()
    )]
    ProviderNotFound {
        /// The URI as given.
        uri: String,
        /// Why providers that could not be tested failed (one line each).
        warnings: Vec<String>,
    },
    /// The HTTP client could not be set up (TLS configuration of the system).
    #[error("Cannot set up the HTTP client: {detail}")]
    Client {
        /// What failed.
        detail: String,
    },
    /// The URL is not one this operation can fetch (wrong scheme, unparsable).
    #[error("Invalid URL '{url}': {detail}")]
    InvalidUrl {
        /// The URL.
        url: String,
        /// What is wrong with it.
        detail: String,
    },
    /// The server could not be reached, or the connection failed.
    #[error("Network connection failure while requesting '{url}': {detail}")]
    Network {
        /// The URL requested.
        url: String,
        /// The underlying error.
        detail: String,
    },
    /// The server answered with an error status.
    #[error("Request to '{url}' failed with HTTP status {status}")]
    HttpStatus {
        /// The URL requested.
        url: String,
        /// Status code and reason, e.g. `404 Not Found`.
        status: String,
        /// The numeric status code.
        code: u16,
    },
    /// The record, dataset or file does not exist on the provider.
    #[error("{provider} record not found: {url}")]
    RecordNotFound {
        /// Which provider was asked.
        provider: String,
        /// The URL requested.
        url: String,
    },
    /// The response could not be understood (not JSON, or JSON of another shape).
    #[error("Unexpected response from '{url}': {detail}")]
    InvalidResponse {
        /// The URL requested.
        url: String,
        /// What was wrong with it.
        detail: String,
    },
    /// The record has no files that could be imported.
    #[error("No files found in '{url}': the record is empty or its files are not public")]
    NoFiles {
        /// The record's URL.
        url: String,
    },
    /// The knowledge graph refused the request (401/403).
    #[error("Unauthorized access to knowledge graph: Run 'renku login {host}'")]
    Unauthorized {
        /// The Renku host (`host[:port]`).
        host: String,
    },
    /// The project is not known to the knowledge graph.
    #[error("Cannot find project in the knowledge graph: {url}")]
    ProjectNotFound {
        /// The knowledge-graph URL of the project.
        url: String,
    },
    /// The dataset is not known to the knowledge graph.
    #[error(
        "Cannot find dataset '{dataset}' in the knowledge graph: {url}\nHint: If the project is private you need to 'renku login {host}'"
    )]
    DatasetNotFound {
        /// Slug or identifier that was looked up.
        dataset: String,
        /// The URL that was asked.
        url: String,
        /// The Renku host (`host[:port]`).
        host: String,
    },
    /// The files do not fit on the destination's file system.
    #[error(
        "Insufficient disk space to download into {}: {:.2} MB required, {:.2} MB available.",
        dir.display(), *required as f64 / 1e6, *available as f64 / 1e6
    )]
    InsufficientDiskSpace {
        /// The destination directory.
        dir: PathBuf,
        /// Bytes needed.
        required: u64,
        /// Bytes available to the user.
        available: u64,
    },
    /// The transfer broke off or could not be written.
    #[error("Download of '{url}' failed: {detail}")]
    Download {
        /// The URL being downloaded.
        url: String,
        /// What happened.
        detail: String,
    },
    /// The downloaded file does not have the size the provider announced.
    #[error("Download of '{url}' is incomplete: expected {expected} bytes, received {actual}")]
    SizeMismatch {
        /// The URL downloaded.
        url: String,
        /// Announced size.
        expected: u64,
        /// Received size.
        actual: u64,
    },
    /// The downloaded file does not have the checksum the provider announced.
    #[error("Checksum mismatch for '{url}': expected {algorithm} {expected}, got {actual}")]
    ChecksumMismatch {
        /// The URL downloaded.
        url: String,
        /// `md5` or `sha256`.
        algorithm: String,
        /// Announced checksum (hex).
        expected: String,
        /// Checksum of what arrived (hex).
        actual: String,
    },
    /// No usable file name could be found for a download, or the given one is unsafe.
    #[error("Invalid file name '{name}' for '{url}'")]
    InvalidFileName {
        /// The URL.
        url: String,
        /// The offending name.
        name: String,
    },
    /// A destination file exists already and overwriting was not allowed.
    #[error("Destination already exists: {}", path.display())]
    DestinationExists {
        /// The existing path.
        path: PathBuf,
    },
    /// Two files of one call would be written to the same path.
    #[error("Two files would be written to {}", path.display())]
    DuplicateDestination {
        /// The path.
        path: PathBuf,
    },
    /// An archive entry would be written outside the destination, or is a link leaving it.
    #[error("Refusing to extract '{}': entry '{entry}' {reason}", archive.display())]
    UnsafeArchiveEntry {
        /// The archive.
        archive: PathBuf,
        /// The entry's name as stored.
        entry: String,
        /// Why it was refused.
        reason: String,
    },
    /// The archive is damaged or of an unknown kind.
    #[error("Cannot extract '{}': {detail}", archive.display())]
    Archive {
        /// The archive.
        archive: PathBuf,
        /// What went wrong.
        detail: String,
    },
    /// A local file operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The user interrupted the operation (Ctrl-C); partial files were removed.
    #[error("Interrupted; partially downloaded files were removed.")]
    Interrupted,
}

impl RemoteError {
    /// The exit code of the `renku` command for this error: 2 for URIs that cannot be
    /// classified, 1 for everything else.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            RemoteError::CannotParseUrl { .. } | RemoteError::ProviderNotFound { .. } => {
                ExitCode::Usage
            }
            _ => ExitCode::Failure,
        }
    }

    /// Wraps an I/O error with what was being done.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        RemoteError::Io {
            context: context.into(),
            source,
        }
    }
}

impl From<RemoteError> for crate::Error {
    fn from(err: RemoteError) -> Self {
        match err {
            RemoteError::Interrupted => crate::Error::Interrupted,
            // The reference reports these as parameter errors (`Invalid parameter value - …`).
            RemoteError::CannotParseUrl { .. } | RemoteError::ProviderNotFound { .. } => {
                crate::Error::Parameter(err.to_string())
            }
            other => crate::Error::Remote(other),
        }
    }
}
