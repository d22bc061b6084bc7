//! What can go wrong while exporting a dataset to a data repository.

use std::path::PathBuf;

/// An error of an export to Zenodo or Dataverse. Every message names the URL or file involved.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The server could not be reached (DNS, refused connection, TLS, timeout, broken stream).
    #[error("Cannot reach {provider} at {url}: {message}")]
    Network {
        /// Zenodo or Dataverse.
        provider: &'static str,
        /// The request URL (without credentials).
        url: String,
        /// What the HTTP client reported.
        message: String,
    },
    /// The server answered with an error status.
    #[error("{provider} answered HTTP {status} for {method} {url}: {message}")]
    Http {
        /// Zenodo or Dataverse.
        provider: &'static str,
        /// The request method.
        method: &'static str,
        /// The request URL (without credentials).
        url: String,
        /// The HTTP status code.
        status: u16,
        /// The server's own message, or the reason phrase when it sent none.
        message: String,
    },
    /// The server refused the access token (HTTP 401 or 403).
    #[error(
        "{provider} rejected the access token (HTTP {status} for {url}): {message}{}",
        token_note(config_key, token_url, *removed)
    )]
    InvalidToken {
        /// Zenodo or Dataverse.
        provider: &'static str,
        /// The request URL (without credentials).
        url: String,
        /// 401 or 403.
        status: u16,
        /// The server's message.
        message: String,
        /// The configuration key that held the token.
        config_key: &'static str,
        /// Where the user can create a new token.
        token_url: String,
        /// Whether the token was removed from the global configuration.
        removed: bool,
    },
    /// The server's answer is not what its API documents (not JSON, fields missing).
    #[error("Unexpected answer from {provider} at {url}: {message}")]
    BadResponse {
        /// Zenodo or Dataverse.
        provider: &'static str,
        /// The request URL.
        url: String,
        /// What was wrong with it.
        message: String,
    },
    /// No Dataverse server was given and none is configured.
    #[error(
        "No Dataverse server given: pass --dataverse-server URL or set it with 'renku config set --global dataverse.server_url URL'."
    )]
    MissingServer,
    /// No Dataverse collection (dataverse alias) was given.
    #[error(
        "No Dataverse collection given for the export to {server}: pass --dataverse-name NAME."
    )]
    MissingDataverseName {
        /// The Dataverse server.
        server: String,
    },
    /// A configured or given URL cannot be used.
    #[error("Invalid {provider} URL '{url}': {message}")]
    InvalidUrl {
        /// Zenodo or Dataverse.
        provider: &'static str,
        /// The URL as given.
        url: String,
        /// Why it cannot be used.
        message: String,
    },
    /// Dataverse requires a contact e-mail and no creator has one.
    #[error(
        "Dataverse needs a contact e-mail address for the dataset, but none of its creators has one; add one with 'renku dataset edit -c \"Name <email>\"'."
    )]
    MissingContact,
    /// No access token was entered at the prompt.
    #[error("No access token was entered for {provider}.")]
    NoToken {
        /// Zenodo or Dataverse.
        provider: &'static str,
    },
    /// A file to upload could not be opened or read.
    #[error("Cannot read {}: {source}", path.display())]
    File {
        /// The file on disk.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The export failed after a draft was created on the server.
    #[error("{source}\n{}", draft_note(draft_url, *deleted))]
    Incomplete {
        /// The page of the draft on the server.
        draft_url: String,
        /// Whether deleting the draft succeeded.
        deleted: bool,
        /// What made the export fail.
        #[source]
        source: Box<crate::Error>,
    },
}

fn token_note(config_key: &str, token_url: &str, removed: bool) -> String {
    let mut note = String::new();
    if removed {
        note.push_str(&format!(
            "\nThe token was removed from the global configuration ({config_key}); run the command again to enter a new one."
        ));
    } else if !config_key.is_empty() {
        note.push_str(&format!(
            "\nCheck the token configured as {config_key} (renku config show --global {config_key})."
        ));
    }
    if !token_url.is_empty() {
        note.push_str(&format!("\nCreate a new one at: {token_url}"));
    }
    note
}

fn draft_note(url: &str, deleted: bool) -> String {
    if deleted {
        format!("The unfinished draft {url} was deleted from the server.")
    } else {
        format!(
            "An unfinished draft was left on the server: {url}\nDelete it there before exporting again."
        )
    }
}

impl ExportError {
    /// The error behind an [`ExportError::Incomplete`] wrapper (or `self`).
    pub fn root(&self) -> &ExportError {
        match self {
            ExportError::Incomplete { source, .. } => match source.as_ref() {
                crate::Error::Export(inner) => inner.root(),
                _ => self,
            },
            other => other,
        }
    }
}

impl From<ExportError> for crate::Error {
    fn from(e: ExportError) -> Self {
        crate::Error::Export(Box::new(e))
    }
}
