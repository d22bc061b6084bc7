//! [`ServerStore`] on an embedded SQLite file.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::{
    IndexJob, JobStatus, Member, NewProject, Project, Role, ServerStore, StoreError, StoreResult,
    UserRecord, Visibility,
};

/// The schema version this code writes (`PRAGMA user_version`).
const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS projects (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    visibility TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    creator TEXT NOT NULL,
    UNIQUE (namespace, name)
);
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY,
    username TEXT,
    email TEXT,
    name TEXT,
    last_seen TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS users_by_username ON users (username);
CREATE TABLE IF NOT EXISTS members (
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    role TEXT NOT NULL,
    PRIMARY KEY (project_id, user_id)
);
CREATE TABLE IF NOT EXISTS index_jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    commit_sha TEXT NOT NULL,
    status TEXT NOT NULL,
    error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS index_jobs_by_status ON index_jobs (status, id);
";

/// The embedded store: one SQLite connection behind a mutex (statements are short).
///
/// Every authenticated request needs its caller's memberships, so they are kept in memory
/// once read. The cache is filled and cleared while the connection is held, by the only
/// writer of the database (this server), so it never outlives a change of membership.
pub struct SqliteStore {
    connection: Mutex<Connection>,
    memberships: Mutex<HashMap<String, Vec<(i64, Role)>>>,
}

/// How many users' memberships are kept at most (the cache is emptied when it is full).
const CACHED_USERS: usize = 10_000;

fn db(error: rusqlite::Error) -> StoreError {
    StoreError::Database(error.to_string())
}

fn parse_time(text: &str) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
        })
}

fn damaged(what: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Text,
        Box::new(StoreError::Damaged(what)),
    )
}

fn now() -> String {
    Utc::now().to_rfc3339()
}

const PROJECT_COLUMNS: &str = "id, namespace, name, visibility, description, created_at, creator";

fn project_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Project> {
    let visibility: String = row.get(3)?;
    let created: String = row.get(5)?;
    Ok(Project {
        id: row.get(0)?,
        namespace: row.get(1)?,
        name: row.get(2)?,
        visibility: Visibility::parse(&visibility)
            .ok_or_else(|| damaged(format!("unknown visibility '{visibility}'")))?,
        description: row.get(4)?,
        created_at: parse_time(&created)?,
        creator: row.get(6)?,
    })
}

const JOB_COLUMNS: &str =
    "id, project_id, commit_sha, status, error, attempts, created_at, updated_at";

fn job_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<IndexJob> {
    let status: String = row.get(3)?;
    let created: String = row.get(6)?;
    let updated: String = row.get(7)?;
    Ok(IndexJob {
        id: row.get(0)?,
        project_id: row.get(1)?,
        commit: row.get(2)?,
        status: JobStatus::parse(&status)
            .ok_or_else(|| damaged(format!("unknown job status '{status}'")))?,
        error: row.get(4)?,
        attempts: row.get(5)?,
        created_at: parse_time(&created)?,
        updated_at: parse_time(&updated)?,
    })
}

fn user_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<UserRecord> {
    Ok(UserRecord {
        id: row.get(0)?,
        username: row.get(1)?,
        email: row.get(2)?,
        name: row.get(3)?,
    })
}

impl SqliteStore {
    /// Opens (creating when missing) the database file.
    pub fn open(path: &Path) -> StoreResult<Self> {
        let connection = Connection::open(path).map_err(db)?;
        Self::init(connection)
    }

    /// An in-memory database (tests).
    pub fn in_memory() -> StoreResult<Self> {
        Self::init(Connection::open_in_memory().map_err(db)?)
    }

    fn init(connection: Connection) -> StoreResult<Self> {
        connection
            .execute_batch("PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;")
            .map_err(db)?;
        // WAL keeps readers from blocking the writer; in-memory databases stay in "memory".
        let _mode: String = connection
            .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
            .map_err(db)?;
        let version: i64 = connection
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .map_err(db)?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::Damaged(format!(
                "the database has schema version {version}, newer than this server's {SCHEMA_VERSION}; use a newer renku-server"
            )));
        }
        connection.execute_batch(SCHEMA).map_err(db)?;
        connection
            .execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION}"))
            .map_err(db)?;
        Ok(SqliteStore {
            connection: Mutex::new(connection),
            memberships: Mutex::new(HashMap::new()),
        })
    }

    fn cached_memberships(&self) -> std::sync::MutexGuard<'_, HashMap<String, Vec<(i64, Role)>>> {
        self.memberships.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs a change of members or projects and forgets the cached memberships (while the
    /// connection is still held, so no reader can cache the state before the change).
    fn changing_members<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> StoreResult<T> {
        self.with(|conn| {
            let result = f(conn);
            self.cached_memberships().clear();
            result
        })
    }

    fn with<T>(&self, f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>) -> StoreResult<T> {
        let mut guard = self
            .connection
            .lock()
            .map_err(|_| StoreError::Database("the database connection was poisoned".into()))?;
        f(&mut guard).map_err(|error| match error {
            rusqlite::Error::FromSqlConversionFailure(_, _, inner) => {
                match inner.downcast::<StoreError>() {
                    Ok(store) => *store,
                    Err(other) => StoreError::Damaged(other.to_string()),
                }
            }
            other => db(other),
        })
    }
}

impl ServerStore for SqliteStore {
    fn create_project(&self, new: &NewProject) -> StoreResult<Project> {
        let path = format!("{}/{}", new.namespace, new.name);
        let result = self.changing_members(|conn| {
            let tx = conn.transaction()?;
            let inserted = tx.execute(
                "INSERT INTO projects (namespace, name, visibility, description, created_at, creator)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (namespace, name) DO NOTHING",
                params![
                    new.namespace,
                    new.name,
                    new.visibility.as_str(),
                    new.description,
                    now(),
                    new.creator
                ],
            )?;
            if inserted == 0 {
                return Ok(None);
            }
            let id = tx.last_insert_rowid();
            tx.execute(
                "INSERT INTO members (project_id, user_id, role) VALUES (?1, ?2, 'owner')",
                params![id, new.creator],
            )?;
            let project = tx.query_row(
                &format!("SELECT {PROJECT_COLUMNS} FROM projects WHERE id = ?1"),
                [id],
                project_row,
            )?;
            tx.commit()?;
            Ok(Some(project))
        })?;
        result.ok_or(StoreError::ProjectExists(path))
    }

    fn project(&self, namespace: &str, name: &str) -> StoreResult<Option<Project>> {
        self.with(|conn| {
            conn.query_row(
                &format!(
                    "SELECT {PROJECT_COLUMNS} FROM projects WHERE namespace = ?1 AND name = ?2"
                ),
                [namespace, name],
                project_row,
            )
            .optional()
        })
    }

    fn project_by_id(&self, id: i64) -> StoreResult<Option<Project>> {
        self.with(|conn| {
            conn.query_row(
                &format!("SELECT {PROJECT_COLUMNS} FROM projects WHERE id = ?1"),
                [id],
                project_row,
            )
            .optional()
        })
    }

    fn projects(&self) -> StoreResult<Vec<Project>> {
        self.with(|conn| {
            let mut statement = conn.prepare(&format!(
                "SELECT {PROJECT_COLUMNS} FROM projects ORDER BY id"
            ))?;
            let rows = statement.query_map([], project_row)?;
            rows.collect()
        })
    }

    fn update_project(
        &self,
        id: i64,
        visibility: Option<Visibility>,
        description: Option<&str>,
    ) -> StoreResult<Project> {
        let result = self.with(|conn| {
            let tx = conn.transaction()?;
            if let Some(visibility) = visibility {
                tx.execute(
                    "UPDATE projects SET visibility = ?1 WHERE id = ?2",
                    params![visibility.as_str(), id],
                )?;
            }
            if let Some(description) = description {
                tx.execute(
                    "UPDATE projects SET description = ?1 WHERE id = ?2",
                    params![description, id],
                )?;
            }
            let project = tx
                .query_row(
                    &format!("SELECT {PROJECT_COLUMNS} FROM projects WHERE id = ?1"),
                    [id],
                    project_row,
                )
                .optional()?;
            tx.commit()?;
            Ok(project)
        })?;
        result.ok_or_else(|| StoreError::NotFound(format!("project {id}")))
    }

    fn delete_project(&self, id: i64) -> StoreResult<()> {
        let deleted =
            self.changing_members(|conn| conn.execute("DELETE FROM projects WHERE id = ?1", [id]))?;
        if deleted == 0 {
            return Err(StoreError::NotFound(format!("project {id}")));
        }
        Ok(())
    }

    fn members(&self, project_id: i64) -> StoreResult<Vec<Member>> {
        self.with(|conn| {
            let mut statement = conn.prepare(
                "SELECT m.user_id, u.username, m.role FROM members m
                 LEFT JOIN users u ON u.id = m.user_id
                 WHERE m.project_id = ?1 ORDER BY m.user_id",
            )?;
            let rows = statement.query_map([project_id], |row| {
                let role: String = row.get(2)?;
                Ok(Member {
                    user_id: row.get(0)?,
                    username: row.get(1)?,
                    role: Role::parse(&role)
                        .ok_or_else(|| damaged(format!("unknown role '{role}'")))?,
                })
            })?;
            rows.collect()
        })
    }

    fn role(&self, project_id: i64, user_id: &str) -> StoreResult<Option<Role>> {
        let role: Option<String> = self.with(|conn| {
            conn.query_row(
                "SELECT role FROM members WHERE project_id = ?1 AND user_id = ?2",
                params![project_id, user_id],
                |row| row.get(0),
            )
            .optional()
        })?;
        match role {
            None => Ok(None),
            Some(text) => Role::parse(&text)
                .map(Some)
                .ok_or_else(|| StoreError::Damaged(format!("unknown role '{text}'"))),
        }
    }

    fn memberships(&self, user_id: &str) -> StoreResult<Vec<(i64, Role)>> {
        if let Some(cached) = self.cached_memberships().get(user_id) {
            return Ok(cached.clone());
        }
        self.with(|conn| {
            let mut statement = conn.prepare_cached(
                "SELECT project_id, role FROM members WHERE user_id = ?1 ORDER BY project_id",
            )?;
            let rows = statement.query_map([user_id], |row| {
                let role: String = row.get(1)?;
                Ok((
                    row.get(0)?,
                    Role::parse(&role).ok_or_else(|| damaged(format!("unknown role '{role}'")))?,
                ))
            })?;
            let memberships: Vec<(i64, Role)> = rows.collect::<rusqlite::Result<_>>()?;
            let mut cache = self.cached_memberships();
            if cache.len() >= CACHED_USERS {
                cache.clear();
            }
            cache.insert(user_id.to_string(), memberships.clone());
            Ok(memberships)
        })
    }

    fn set_member(&self, project_id: i64, user_id: &str, role: Role) -> StoreResult<()> {
        self.changing_members(|conn| {
            conn.execute(
                "INSERT INTO members (project_id, user_id, role) VALUES (?1, ?2, ?3)
                 ON CONFLICT (project_id, user_id) DO UPDATE SET role = excluded.role",
                params![project_id, user_id, role.as_str()],
            )
        })
        .map(|_| ())
    }

    fn remove_member(&self, project_id: i64, user_id: &str) -> StoreResult<bool> {
        self.changing_members(|conn| {
            conn.execute(
                "DELETE FROM members WHERE project_id = ?1 AND user_id = ?2",
                params![project_id, user_id],
            )
        })
        .map(|n| n > 0)
    }

    fn record_user(&self, user: &UserRecord) -> StoreResult<()> {
        self.with(|conn| {
            conn.execute(
                "INSERT INTO users (id, username, email, name, last_seen) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (id) DO UPDATE SET username = excluded.username, email = excluded.email,
                 name = excluded.name, last_seen = excluded.last_seen",
                params![user.id, user.username, user.email, user.name, now()],
            )
        })
        .map(|_| ())
    }

    fn user(&self, id: &str) -> StoreResult<Option<UserRecord>> {
        self.with(|conn| {
            conn.query_row(
                "SELECT id, username, email, name FROM users WHERE id = ?1",
                [id],
                user_row,
            )
            .optional()
        })
    }

    fn user_by_username(&self, username: &str) -> StoreResult<Option<UserRecord>> {
        self.with(|conn| {
            conn.query_row(
                "SELECT id, username, email, name FROM users WHERE username = ?1 ORDER BY last_seen DESC LIMIT 1",
                [username],
                user_row,
            )
            .optional()
        })
    }

    fn enqueue_index(&self, project_id: i64, commit: &str) -> StoreResult<IndexJob> {
        self.with(|conn| {
            let time = now();
            conn.execute(
                "INSERT INTO index_jobs (project_id, commit_sha, status, created_at, updated_at)
                 VALUES (?1, ?2, 'queued', ?3, ?3)",
                params![project_id, commit, time],
            )?;
            let id = conn.last_insert_rowid();
            conn.query_row(
                &format!("SELECT {JOB_COLUMNS} FROM index_jobs WHERE id = ?1"),
                [id],
                job_row,
            )
        })
    }

    fn claim_index_job(&self) -> StoreResult<Option<IndexJob>> {
        self.with(|conn| {
            let tx = conn.transaction()?;
            let job = tx
                .query_row(
                    &format!(
                        "SELECT {JOB_COLUMNS} FROM index_jobs WHERE status = 'queued' ORDER BY id LIMIT 1"
                    ),
                    [],
                    job_row,
                )
                .optional()?;
            let Some(job) = job else {
                return Ok(None);
            };
            // Only the newest queued commit of that project matters.
            let newest: i64 = tx.query_row(
                "SELECT MAX(id) FROM index_jobs WHERE status = 'queued' AND project_id = ?1",
                [job.project_id],
                |row| row.get(0),
            )?;
            let time = now();
            tx.execute(
                "UPDATE index_jobs SET status = 'done', error = 'superseded by a newer push', updated_at = ?1
                 WHERE status = 'queued' AND project_id = ?2 AND id < ?3",
                params![time, job.project_id, newest],
            )?;
            tx.execute(
                "UPDATE index_jobs SET status = 'running', attempts = attempts + 1, updated_at = ?1 WHERE id = ?2",
                params![time, newest],
            )?;
            let claimed = tx.query_row(
                &format!("SELECT {JOB_COLUMNS} FROM index_jobs WHERE id = ?1"),
                [newest],
                job_row,
            )?;
            tx.commit()?;
            Ok(Some(claimed))
        })
    }

    fn finish_index_job(&self, id: i64, status: JobStatus, error: Option<&str>) -> StoreResult<()> {
        self.with(|conn| {
            conn.execute(
                "UPDATE index_jobs SET status = ?1, error = ?2, updated_at = ?3 WHERE id = ?4",
                params![status.as_str(), error, now(), id],
            )
        })
        .map(|_| ())
    }

    fn latest_index_job(&self, project_id: i64) -> StoreResult<Option<IndexJob>> {
        self.with(|conn| {
            conn.query_row(
                &format!(
                    "SELECT {JOB_COLUMNS} FROM index_jobs WHERE project_id = ?1 ORDER BY id DESC LIMIT 1"
                ),
                [project_id],
                job_row,
            )
            .optional()
        })
    }

    fn retry_index_job(&self, id: i64) -> StoreResult<bool> {
        self.with(|conn| {
            conn.execute(
                "UPDATE index_jobs SET status = 'queued', updated_at = ?1
                 WHERE id = ?2 AND status = 'failed' AND id = (
                     SELECT MAX(id) FROM index_jobs
                     WHERE project_id = (SELECT project_id FROM index_jobs WHERE id = ?2))",
                params![now(), id],
            )
        })
        .map(|n| n > 0)
    }

    fn requeue_running_jobs(&self) -> StoreResult<usize> {
        self.with(|conn| {
            conn.execute(
                "UPDATE index_jobs SET status = 'queued', updated_at = ?1 WHERE status = 'running'",
                [now()],
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(store: &SqliteStore, ns: &str, name: &str) -> Project {
        store
            .create_project(&NewProject {
                namespace: ns.into(),
                name: name.into(),
                visibility: Visibility::Private,
                description: String::new(),
                creator: "alice-id".into(),
            })
            .expect("create")
    }

    #[test]
    fn projects_members_and_roles() {
        let store = SqliteStore::in_memory().expect("store");
        let p = project(&store, "alice", "one");
        assert_eq!(
            store.role(p.id, "alice-id").expect("role"),
            Some(Role::Owner)
        );
        let again = store.create_project(&NewProject {
            namespace: "alice".into(),
            name: "one".into(),
            visibility: Visibility::Public,
            description: String::new(),
            creator: "bob".into(),
        });
        assert!(matches!(again, Err(StoreError::ProjectExists(_))));
        store.set_member(p.id, "bob-id", Role::Reader).expect("add");
        store
            .set_member(p.id, "bob-id", Role::Maintainer)
            .expect("change");
        assert_eq!(
            store.role(p.id, "bob-id").expect("role"),
            Some(Role::Maintainer)
        );
        assert_eq!(store.members(p.id).expect("members").len(), 2);
        assert_eq!(
            store.memberships("bob-id").expect("memberships"),
            vec![(p.id, Role::Maintainer)]
        );
        assert!(
            store
                .memberships("carol-id")
                .expect("memberships")
                .is_empty()
        );
        assert!(store.remove_member(p.id, "bob-id").expect("remove"));
        assert!(!store.remove_member(p.id, "bob-id").expect("remove again"));
        let updated = store
            .update_project(p.id, Some(Visibility::Public), Some("text"))
            .expect("update");
        assert_eq!(updated.visibility, Visibility::Public);
        assert_eq!(updated.description, "text");
        store.delete_project(p.id).expect("delete");
        assert!(store.project("alice", "one").expect("get").is_none());
        assert!(store.members(p.id).expect("members").is_empty());
    }

    #[test]
    fn cached_memberships_follow_every_change() {
        let store = SqliteStore::in_memory().expect("store");
        let first = project(&store, "alice", "one");
        let bob = |store: &SqliteStore| store.memberships("bob-id").expect("memberships");
        assert!(bob(&store).is_empty(), "cached as empty");
        store
            .set_member(first.id, "bob-id", Role::Reader)
            .expect("add");
        assert_eq!(bob(&store), vec![(first.id, Role::Reader)]);
        store
            .set_member(first.id, "bob-id", Role::Maintainer)
            .expect("change");
        assert_eq!(bob(&store), vec![(first.id, Role::Maintainer)]);
        let second = store
            .create_project(&NewProject {
                namespace: "bob".into(),
                name: "two".into(),
                visibility: Visibility::Private,
                description: String::new(),
                creator: "bob-id".into(),
            })
            .expect("create");
        assert_eq!(
            bob(&store),
            vec![(first.id, Role::Maintainer), (second.id, Role::Owner)]
        );
        assert!(store.remove_member(first.id, "bob-id").expect("remove"));
        assert_eq!(bob(&store), vec![(second.id, Role::Owner)]);
        store.delete_project(second.id).expect("delete");
        assert!(bob(&store).is_empty());
    }

    #[test]
    fn a_failed_job_is_queued_again_only_while_it_is_the_newest() {
        let store = SqliteStore::in_memory().expect("store");
        let a = project(&store, "alice", "a");
        let job = store.enqueue_index(a.id, "c1").expect("enqueue");
        let claimed = store.claim_index_job().expect("claim").expect("job");
        assert!(
            !store.retry_index_job(job.id).expect("retry"),
            "running, not failed"
        );
        store
            .finish_index_job(claimed.id, JobStatus::Failed, Some("disk full"))
            .expect("finish");
        assert!(store.retry_index_job(job.id).expect("retry"));
        let again = store
            .claim_index_job()
            .expect("claim")
            .expect("the same job");
        assert_eq!((again.id, again.attempts), (job.id, 2));
        store
            .finish_index_job(again.id, JobStatus::Failed, Some("disk full"))
            .expect("finish");
        // A newer push: the old commit is not tried again.
        store.enqueue_index(a.id, "c2").expect("enqueue");
        assert!(!store.retry_index_job(job.id).expect("retry"));
    }

    #[test]
    fn jobs_keep_only_the_newest_commit_per_project() {
        let store = SqliteStore::in_memory().expect("store");
        let a = project(&store, "alice", "a");
        let b = project(&store, "alice", "b");
        store.enqueue_index(a.id, "c1").expect("job");
        store.enqueue_index(b.id, "d1").expect("job");
        let newest = store.enqueue_index(a.id, "c2").expect("job");
        let claimed = store.claim_index_job().expect("claim").expect("a job");
        assert_eq!(claimed.id, newest.id);
        assert_eq!(claimed.commit, "c2");
        assert_eq!(claimed.status, JobStatus::Running);
        assert_eq!(claimed.attempts, 1);
        let next = store.claim_index_job().expect("claim").expect("b's job");
        assert_eq!(next.commit, "d1");
        assert!(store.claim_index_job().expect("claim").is_none());
        store
            .finish_index_job(claimed.id, JobStatus::Failed, Some("boom"))
            .expect("finish");
        let latest = store.latest_index_job(a.id).expect("latest").expect("job");
        assert_eq!(latest.status, JobStatus::Failed);
        assert_eq!(latest.error.as_deref(), Some("boom"));
        assert_eq!(store.requeue_running_jobs().expect("requeue"), 1);
    }

    #[test]
    fn users_are_found_by_name_and_a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("db.sqlite");
        {
            let store = SqliteStore::open(&path).expect("store");
            store
                .record_user(&UserRecord {
                    id: "u1".into(),
                    username: Some("alice".into()),
                    email: None,
                    name: Some("Alice".into()),
                })
                .expect("record");
            assert_eq!(
                store
                    .user_by_username("alice")
                    .expect("find")
                    .expect("user")
                    .id,
                "u1"
            );
        }
        let store = SqliteStore::open(&path).expect("reopen");
        assert!(store.user("u1").expect("user").is_some());
        drop(store);
        let conn = Connection::open(&path).expect("conn");
        conn.execute_batch("PRAGMA user_version = 99")
            .expect("bump");
        drop(conn);
        assert!(matches!(
            SqliteStore::open(&path),
            Err(StoreError::Damaged(_))
        ));
    }
}
