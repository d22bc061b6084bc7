//! The server's own state: projects, their members, the users it has seen, and the jobs
//! that index projects into the knowledge graph.
//!
//! Handlers use the [`ServerStore`] trait only; [`sqlite::SqliteStore`] is the embedded
//! implementation. Another database (PostgreSQL) slots in as a second implementation.

pub mod sqlite;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Errors of the state store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database failed.
    #[error("server database error: {0}")]
    Database(String),
    /// A project with that namespace and name exists already.
    #[error("project '{0}' exists already")]
    ProjectExists(String),
    /// The named thing does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// A value kept in the database is not one the server knows.
    #[error("damaged server database: {0}")]
    Damaged(String),
}

/// Result of store operations.
pub type StoreResult<T> = Result<T, StoreError>;

/// Who may see a project without being a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    /// Everybody, also anonymous callers.
    Public,
    /// Members (and administrators) only.
    Private,
}

impl Visibility {
    /// The name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Private => "private",
        }
    }

    /// Parses a stored or requested name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "public" => Some(Visibility::Public),
            "private" => Some(Visibility::Private),
            _ => None,
        }
    }
}

/// A member's role in a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// May read (clone, pull, see in the knowledge graph).
    Reader,
    /// May also push.
    Maintainer,
    /// May also manage members and settings.
    Owner,
}

impl Role {
    /// The name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reader => "reader",
            Role::Maintainer => "maintainer",
            Role::Owner => "owner",
        }
    }

    /// Parses a stored or requested name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "reader" => Some(Role::Reader),
            "maintainer" => Some(Role::Maintainer),
            "owner" => Some(Role::Owner),
            _ => None,
        }
    }
}

/// A hosted project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Project {
    /// Numeric id (stable; GitLab's project id played this role).
    pub id: i64,
    /// Namespace (a user or group name).
    pub namespace: String,
    /// Project name within the namespace.
    pub name: String,
    /// Who may see it.
    pub visibility: Visibility,
    /// Free-text description.
    pub description: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// User id of the creator.
    pub creator: String,
}

impl Project {
    /// `namespace/name`.
    pub fn path(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }
}

/// What is needed to create a project.
#[derive(Debug, Clone)]
pub struct NewProject {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// Visibility.
    pub visibility: Visibility,
    /// Description.
    pub description: String,
    /// The creating user (becomes its owner).
    pub creator: String,
}

/// A project member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Member {
    /// The user's id (`sub` of their tokens).
    pub user_id: String,
    /// The user's name, when the server has seen them.
    pub username: Option<String>,
    /// Their role.
    pub role: Role,
}

/// A user the server has seen in a valid token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserRecord {
    /// `sub`.
    pub id: String,
    /// `preferred_username`.
    pub username: Option<String>,
    /// `email`.
    pub email: Option<String>,
    /// `name`.
    pub name: Option<String>,
}

/// State of an indexing job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    /// Waiting for the indexer.
    Queued,
    /// Being indexed.
    Running,
    /// Indexed.
    Done,
    /// Failed (the error is kept).
    Failed,
}

impl JobStatus {
    /// The name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Done => "done",
            JobStatus::Failed => "failed",
        }
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "queued" => Some(JobStatus::Queued),
            "running" => Some(JobStatus::Running),
            "done" => Some(JobStatus::Done),
            "failed" => Some(JobStatus::Failed),
            _ => None,
        }
    }
}

/// One request to (re-)index a project at a commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndexJob {
    /// Job id.
    pub id: i64,
    /// The project.
    pub project_id: i64,
    /// The commit to index (the branch head after the push).
    pub commit: String,
    /// State.
    pub status: JobStatus,
    /// Why it failed.
    pub error: Option<String>,
    /// How often it was started.
    pub attempts: i64,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// The server state, whatever database holds it.
pub trait ServerStore: Send + Sync {
    /// Creates a project and makes its creator the owner.
    fn create_project(&self, new: &NewProject) -> StoreResult<Project>;
    /// The project `namespace/name`.
    fn project(&self, namespace: &str, name: &str) -> StoreResult<Option<Project>>;
    /// The project with that id.
    fn project_by_id(&self, id: i64) -> StoreResult<Option<Project>>;
    /// Every project, by id.
    fn projects(&self) -> StoreResult<Vec<Project>>;
    /// Changes a project's visibility and/or description.
    fn update_project(
        &self,
        id: i64,
        visibility: Option<Visibility>,
        description: Option<&str>,
    ) -> StoreResult<Project>;
    /// Deletes a project (members and jobs with it).
    fn delete_project(&self, id: i64) -> StoreResult<()>;
    /// The members of a project.
    fn members(&self, project_id: i64) -> StoreResult<Vec<Member>>;
    /// The role of a user in a project.
    fn role(&self, project_id: i64, user_id: &str) -> StoreResult<Option<Role>>;
    /// The projects a user is a member of, with their role, by project id.
    fn memberships(&self, user_id: &str) -> StoreResult<Vec<(i64, Role)>>;
    /// Adds a member or changes their role.
    fn set_member(&self, project_id: i64, user_id: &str, role: Role) -> StoreResult<()>;
    /// Removes a member; false when they were none.
    fn remove_member(&self, project_id: i64, user_id: &str) -> StoreResult<bool>;
    /// Records (or refreshes) a user seen in a valid token.
    fn record_user(&self, user: &UserRecord) -> StoreResult<()>;
    /// A user by id.
    fn user(&self, id: &str) -> StoreResult<Option<UserRecord>>;
    /// A user by `preferred_username`.
    fn user_by_username(&self, username: &str) -> StoreResult<Option<UserRecord>>;
    /// Queues indexing of `project_id` at `commit`.
    fn enqueue_index(&self, project_id: i64, commit: &str) -> StoreResult<IndexJob>;
    /// Takes the oldest queued job (marking it running), newest commit per project only:
    /// older queued jobs of the same project are marked done as superseded.
    fn claim_index_job(&self) -> StoreResult<Option<IndexJob>>;
    /// Records the end of a job.
    fn finish_index_job(&self, id: i64, status: JobStatus, error: Option<&str>) -> StoreResult<()>;
    /// The newest job of a project.
    fn latest_index_job(&self, project_id: i64) -> StoreResult<Option<IndexJob>>;

    /// Queues the failed job `id` again, unless a newer job of its project exists; returns
    /// whether it was queued.
    fn retry_index_job(&self, id: i64) -> StoreResult<bool>;
    /// Jobs left running by a previous process go back to the queue.
    fn requeue_running_jobs(&self) -> StoreResult<usize>;
}

/// Why a project name was refused.
pub fn check_name(kind: &str, text: &str) -> Result<(), String> {
    if text.is_empty() || text.len() > 100 {
        return Err(format!("the {kind} must have 1 to 100 characters"));
    }
    let mut chars = text.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    if !first_ok
        || !text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        || text.ends_with(".git")
        || text.ends_with('.')
        || text.contains("..")
    {
        return Err(format!(
            "invalid {kind} '{text}': use letters, digits, '-', '_' and '.', starting with a letter or digit, not ending in '.git'"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(check_name("name", "my-project_1.0").is_ok());
        for bad in ["", ".hidden", "a/b", "x.git", "a..b", "ü", "end.", "-x"] {
            assert!(check_name("name", bad).is_err(), "{bad}");
        }
        assert!(check_name("name", &"a".repeat(101)).is_err());
    }
}
