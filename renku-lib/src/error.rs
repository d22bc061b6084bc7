//! Typed errors of the library and their command-line exit codes.

use std::path::PathBuf;

/// Result type of the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// How an error maps onto the exit codes of the `renku` command (DESIGN.md §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// 1: any error of the operation itself.
    Failure = 1,
    /// 2: a bad parameter or wrong usage.
    Usage = 2,
    /// 3: the project has to be migrated with `renku migrate` first.
    MigrationRequired = 3,
    /// 4: the project was written by a newer renku.
    Unsupported = 4,
}

/// Every error the library reports.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The directory is not inside a renku project.
    #[error(
        "{} is not a renku repository.\nTo initialize this as a renku repository use: 'renku init'",
        path.display()
    )]
    NotAProject {
        /// The directory that was searched.
        path: PathBuf,
    },
    /// The project uses an older metadata format (renku-python's formats included).
    #[error(
        "Project version is outdated and a migration is required.\n{detail}\nRun `renku migrate` command to fix the issue."
    )]
    MigrationRequired {
        /// What was found on disk.
        detail: String,
    },
    /// The project was written by a newer version of renku.
    #[error(
        "This project uses metadata format version {found}, but this renku ({}) supports versions up to {supported}.\nUpgrade renku to work with this project.",
        crate::VERSION
    )]
    UnsupportedProject {
        /// Version found in the project.
        found: u32,
        /// Newest version this build understands.
        supported: u32,
    },
    /// A parameter has an invalid value (exit 2).
    #[error("Invalid parameter value - {0}")]
    Parameter(String),
    /// Wrong usage of a command (exit 2), printed without a prefix.
    #[error("{0}")]
    Usage(String),
    /// The project lock could not be taken in time.
    #[error(
        "Unable to acquire lock.\nHint: Please wait for another renku process to finish and then try again.{}",
        holder.as_ref().map(|h| format!("\n(The lock is held by {h}.)")).unwrap_or_default()
    )]
    Locked {
        /// Who holds the lock, as written in the lock file.
        holder: Option<String>,
    },
    /// The work tree has changes the command refuses to touch.
    #[error(
        "The repository is dirty. Please use the \"git\" command to clean it.\n\n{status}\nOnce you have added the untracked files, commit them with \"git commit\"."
    )]
    DirtyRepository {
        /// A `git status`-like list of the changes.
        status: String,
    },
    /// The git user identity is missing.
    #[error(
        "The user name and email are not configured. Please use the \"git config\" command to configure them.\n\n\tgit config --global --add user.name \"John Doe\"\n\tgit config --global --add user.email \"john.doe@example.com\"\n"
    )]
    MissingGitIdentity,
    /// An I/O operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A git operation failed.
    #[error("git: {0}")]
    Git(String),
    /// The metadata store is damaged or inconsistent.
    #[error("Metadata store error: {0}")]
    Store(String),
    /// A template could not be found, read or rendered.
    #[error("{0}")]
    Template(String),
    /// The configuration could not be read or written.
    #[error("{0}")]
    Config(String),
    /// The user answered "no" to a confirmation, or no answer could be read.
    #[error("Aborted!")]
    Aborted,
    /// The operation was interrupted (Ctrl-C); the repository was restored.
    #[error("Interrupted; the repository was left as it was before the command.")]
    Interrupted,
    /// A child process failed.
    #[error("{0}")]
    Command(String),
    /// Nothing changed although the command needs a change to commit.
    #[error("There is nothing to commit.")]
    NothingToCommit,
    /// Any other failure of the operation, with a message for the user.
    #[error("{0}")]
    Failed(String),
}

impl Error {
    /// The exit code the command-line interface uses for this error.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Error::NotAProject { .. } | Error::Parameter(_) | Error::Usage(_) => ExitCode::Usage,
            Error::MigrationRequired { .. } => ExitCode::MigrationRequired,
            Error::UnsupportedProject { .. } => ExitCode::Unsupported,
            _ => ExitCode::Failure,
        }
    }

    /// Wraps an I/O error with what was being done.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    /// Wraps an error of the git layer.
    pub fn git(context: impl std::fmt::Display, err: impl std::fmt::Display) -> Self {
        Error::Git(format!("{context}: {err}"))
    }
}

/// Adds context to I/O results.
pub trait IoContext<T> {
    /// Converts an I/O error into [`Error::Io`] with `context`.
    fn io_context(self, context: impl FnOnce() -> String) -> Result<T>;
}

impl<T> IoContext<T> for std::result::Result<T, std::io::Error> {
    fn io_context(self, context: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|source| Error::Io {
            context: context(),
            source,
        })
    }
}
