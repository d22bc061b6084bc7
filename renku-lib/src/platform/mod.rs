//! Talking to a Renku server: logging in with the OAuth 2.0 device authorization grant,
//! keeping the access tokens, and the git side of a login (a remote that goes through the
//! server, authenticated by `renku credentials`).
//!
//! * [`endpoint`]: what `renku login ENDPOINT` means, and the key tokens are stored under.
//! * [`auth_config`]: where the server's identity provider is (`/api/auth/config`, else
//!   Keycloak's layout `/auth/realms/Renku`).
//! * [`device_flow`]: RFC 8628 — device authorization, then polling the token endpoint.
//! * [`token_store`]: the OS keyring (Secret Service) with a `0600` file as fallback.
//! * [`git_login`]: the remote rewrite, its backup and the credential helper.
//! * [`login`]: the `renku login` / `renku logout` operations.
//! * [`credentials`]: the git credential helper protocol (`renku credentials get`).

pub mod auth_config;
pub mod credentials;
pub mod device_flow;
pub mod endpoint;
pub mod git_login;
pub mod jwt;
pub mod login;
pub mod token_store;

mod http;

use crate::error::ExitCode;

pub use endpoint::Endpoint;
pub use token_store::{StoredTokens, TokenStore};

/// Result type of the platform modules.
pub type Result<T, E = PlatformError> = std::result::Result<T, E>;

/// Everything that can go wrong while logging in to, or out of, a Renku server.
#[derive(Debug, thiserror::Error)]
pub enum PlatformError {
    /// No endpoint was given, none is configured and no remote names a host (exit 2).
    #[error(
        "No Renku endpoint given.\nHint: pass one ('renku login renkulab.io'), or set it once with 'renku config set endpoint <URL>'."
    )]
    MissingEndpoint,
    /// The endpoint cannot be parsed as a URL with a host (exit 2).
    #[error("Invalid endpoint '{endpoint}': {detail}")]
    InvalidEndpoint {
        /// The endpoint as given.
        endpoint: String,
        /// What is wrong with it.
        detail: String,
    },
    /// The HTTP client could not be set up.
    #[error("Cannot set up the HTTP client: {0}")]
    Client(String),
    /// The server could not be reached, or the connection broke.
    #[error("Cannot connect to {url}: {detail}")]
    Network {
        /// The URL requested.
        url: String,
        /// The underlying error.
        detail: String,
    },
    /// The server answered with an unexpected HTTP status.
    #[error("{url} answered with HTTP status {status}{}", body_hint(body))]
    HttpStatus {
        /// The URL requested.
        url: String,
        /// Status code and reason.
        status: String,
        /// The start of the response body, when it had one.
        body: String,
    },
    /// The server's answer is not the JSON document expected.
    #[error("Unexpected answer from {url}: {detail}")]
    InvalidResponse {
        /// The URL requested.
        url: String,
        /// What is wrong with it.
        detail: String,
    },
    /// The user (or the identity provider) refused the login.
    #[error(
        "Access denied: the login was not approved{}.",
        description_hint(description)
    )]
    AccessDenied {
        /// The server's `error_description`, if any.
        description: Option<String>,
    },
    /// The device code expired before the login was approved.
    #[error(
        "The login request expired before it was approved.\nHint: run 'renku login' again and approve it in the browser within {} s.",
        expires_in
    )]
    Expired {
        /// The lifetime of the device code, in seconds.
        expires_in: u64,
    },
    /// The authorization server answered with an OAuth error other than the expected ones.
    #[error(
        "The authorization server at {url} refused the request: {error}{}",
        description_hint(description)
    )]
    OAuth {
        /// The token or device endpoint.
        url: String,
        /// The OAuth `error` code.
        error: String,
        /// The `error_description`, if any.
        description: Option<String>,
    },
    /// The token store could not be read or written.
    #[error("Cannot {action} the login token in the {store}: {detail}")]
    TokenStore {
        /// What was being done (`read`, `store`, `remove`).
        action: &'static str,
        /// Which store (`keyring`, the file's path).
        store: String,
        /// The underlying error.
        detail: String,
    },
    /// `RENKU_TOKEN_STORE` names no known store, or asks for one that is not available.
    #[error("{0}")]
    StoreUnavailable(String),
    /// The project's remote cannot be chosen (none, or several and no upstream; exit 2).
    #[error(
        "Cannot find a unique remote for the project: {detail}\nHint: pass '--no-git' to log in without changing the remote."
    )]
    NoUniqueRemote {
        /// Why.
        detail: String,
    },
    /// Reading or writing the git configuration failed.
    #[error("Cannot update the git configuration at {path}: {detail}")]
    GitConfig {
        /// The configuration file.
        path: String,
        /// What failed.
        detail: String,
    },
    /// The user declined the remote change.
    #[error("Aborted!")]
    Aborted,
    /// Interrupted (Ctrl-C) while waiting for the approval.
    #[error("Interrupted; nothing was stored.")]
    Interrupted,
}

fn body_hint(body: &str) -> String {
    if body.trim().is_empty() {
        String::new()
    } else {
        format!(": {}", body.trim())
    }
}

fn description_hint(description: &Option<String>) -> String {
    match description.as_deref().map(str::trim) {
        Some(d) if !d.is_empty() => format!(" ({d})"),
        _ => String::new(),
    }
}

impl PlatformError {
    /// The command-line exit code of this error.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            PlatformError::MissingEndpoint
            | PlatformError::InvalidEndpoint { .. }
            | PlatformError::NoUniqueRemote { .. } => ExitCode::Usage,
            _ => ExitCode::Failure,
        }
    }
}

impl From<PlatformError> for crate::Error {
    fn from(e: PlatformError) -> Self {
        match e {
            PlatformError::Aborted => crate::Error::Aborted,
            other => crate::Error::Platform(Box::new(other)),
        }
    }
}
