//! The background task that indexes projects: it takes queued jobs (woken when a push queues
//! one, and every few seconds anyway), exports the job's commit with renku-lib, installs the
//! graph and its search documents, and records the outcome on the job.
//!
//! A job that failed for a reason that may pass (writing the graph file or the scratch
//! metadata, the graph store, the search index, the database) is queued again after
//! `kg.index_retry_seconds`, twice as long before each further try, up to
//! `kg.index_retries` times — unless a newer push queued the project meanwhile. Damaged
//! metadata or a commit that cannot be read fails for good.

use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use super::export;
use crate::git::repos;
use crate::metrics::JobLabels;
use crate::state::AppState;
use crate::store::{IndexJob, JobStatus};

/// How the work of one job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Indexed; possibly with a remark (no renku metadata, …).
    Done(Option<String>),
    /// Not indexed, with the reason; trying again would give the same.
    Failed(String),
    /// Not indexed for a reason that may pass (I/O, the database): worth another try.
    Transient(String),
}

/// How a failure of installing an export ends the job.
fn install_failure(error: super::KgError) -> Outcome {
    match error {
        super::KgError::Export(export::ExportError::Metadata(_) | export::ExportError::Git(_)) => {
            Outcome::Failed(error.to_string())
        }
        other => Outcome::Transient(other.to_string()),
    }
}

/// Indexes one job (blocking: runs git and renku-lib).
pub fn index_job(state: &AppState, job: &IndexJob) -> Outcome {
    let store = state.store.as_ref();
    let project = match store.project_by_id(job.project_id) {
        Ok(Some(project)) => project,
        Ok(None) => return Outcome::Done(Some("the project was deleted".into())),
        Err(error) => return Outcome::Transient(error.to_string()),
    };
    let creator = match store.user(&project.creator) {
        Ok(user) => user,
        Err(error) => return Outcome::Transient(error.to_string()),
    };
    let repo = repos::repository_path(&state.config, &project.namespace, &project.name);
    let started = Instant::now();
    let exported = match export::export_commit(
        &repo,
        &job.commit,
        state.kg.host(),
        &project,
        creator.as_ref(),
    ) {
        Ok(exported) => exported,
        Err(error @ export::ExportError::Io(_)) => return Outcome::Transient(error.to_string()),
        Err(error) => return Outcome::Failed(error.to_string()),
    };
    let exported_in = started.elapsed();
    let note = exported.note.clone();
    let triples = exported.triples.len();
    match state
        .kg
        .install_export(store, project.id, &job.commit, exported)
    {
        Ok(true) => {
            tracing::info!(
                project = %project.path(),
                commit = %job.commit,
                triples,
                export_ms = exported_in.as_millis() as u64,
                total_ms = started.elapsed().as_millis() as u64,
                "project indexed"
            );
            Outcome::Done(note)
        }
        Ok(false) => Outcome::Done(Some("the project was deleted".into())),
        Err(error) => install_failure(error),
    }
}

/// The delay before retry number `attempt` (1 for the first): `base`, doubled each time.
fn retry_delay(base_seconds: u64, attempt: i64) -> Duration {
    let doublings = u32::try_from(attempt.saturating_sub(1).clamp(0, 16)).unwrap_or(16);
    Duration::from_secs(base_seconds.saturating_mul(1u64 << doublings))
}

async fn run_one(state: &AppState, job: IndexJob) {
    let worker_state = state.clone();
    let worker_job = job.clone();
    let outcome = tokio::task::spawn_blocking(move || index_job(&worker_state, &worker_job))
        .await
        .unwrap_or_else(|error| Outcome::Failed(format!("the indexer stopped: {error}")));
    let retries = i64::try_from(state.config.kg.index_retries).unwrap_or(i64::MAX);
    let mut retry_in = None;
    let (status, message, label) = match &outcome {
        Outcome::Done(note) => (JobStatus::Done, note.clone(), "done"),
        Outcome::Failed(error) => {
            tracing::warn!(project_id = job.project_id, commit = %job.commit, %error, "indexing failed");
            (JobStatus::Failed, Some(error.clone()), "failed")
        }
        Outcome::Transient(error) if job.attempts <= retries => {
            let delay = retry_delay(state.config.kg.index_retry_seconds, job.attempts);
            tracing::warn!(project_id = job.project_id, commit = %job.commit, %error,
                attempt = job.attempts, retry_in_seconds = delay.as_secs(), "indexing failed; will try again");
            retry_in = Some(delay);
            let message = format!(
                "{error} (try {} of {}; trying again in {} s)",
                job.attempts,
                retries + 1,
                delay.as_secs()
            );
            (JobStatus::Failed, Some(message), "retried")
        }
        Outcome::Transient(error) => {
            tracing::warn!(project_id = job.project_id, commit = %job.commit, %error, "indexing failed, no tries left");
            (JobStatus::Failed, Some(error.clone()), "failed")
        }
    };
    state
        .metrics
        .index_jobs
        .get_or_create(&JobLabels {
            outcome: label.to_string(),
        })
        .inc();
    let store = state.store.clone();
    let id = job.id;
    let recorded =
        tokio::task::spawn_blocking(move || store.finish_index_job(id, status, message.as_deref()))
            .await;
    match recorded {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::error!(job = id, %error, "could not record the end of a job"),
        Err(error) => tracing::error!(job = id, %error, "could not record the end of a job"),
    }
    if let Some(delay) = retry_in {
        let state = state.clone();
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            let store = state.store.clone();
            match tokio::task::spawn_blocking(move || store.retry_index_job(id)).await {
                Ok(Ok(true)) => state.index_wakeup.notify_one(),
                Ok(Ok(false)) => tracing::debug!(job = id, "not retried: a newer job exists"),
                Ok(Err(error)) => tracing::error!(job = id, %error, "could not queue a job again"),
                Err(error) => tracing::error!(job = id, %error, "could not queue a job again"),
            }
        });
    }
}

/// Runs until `shutdown` is cancelled: takes queued jobs one at a time, woken by
/// `state.index_wakeup` and every `poll`. A job that was started finishes before it stops.
pub async fn run(state: AppState, poll: Duration, shutdown: CancellationToken) {
    loop {
        loop {
            if shutdown.is_cancelled() {
                return;
            }
            let store = state.store.clone();
            let claimed = tokio::task::spawn_blocking(move || store.claim_index_job()).await;
            match claimed {
                Ok(Ok(Some(job))) => run_one(&state, job).await,
                Ok(Ok(None)) => break,
                Ok(Err(error)) => {
                    tracing::error!(%error, "cannot take index jobs");
                    break;
                }
                Err(error) => {
                    tracing::error!(%error, "cannot take index jobs");
                    break;
                }
            }
        }
        tokio::select! {
            _ = state.index_wakeup.notified() => {}
            _ = tokio::time::sleep(poll) => {}
            _ = shutdown.cancelled() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_wait_twice_as_long_each_time() {
        assert_eq!(retry_delay(10, 1), Duration::from_secs(10));
        assert_eq!(retry_delay(10, 2), Duration::from_secs(20));
        assert_eq!(retry_delay(10, 3), Duration::from_secs(40));
        assert_eq!(retry_delay(1, 0), Duration::from_secs(1));
        assert_eq!(retry_delay(1, 1_000), Duration::from_secs(1 << 16));
    }

    #[test]
    fn only_passing_failures_are_retried() {
        let metadata = super::super::KgError::Export(export::ExportError::Metadata("bad".into()));
        assert!(matches!(install_failure(metadata), Outcome::Failed(_)));
        let io = super::super::KgError::Export(export::ExportError::Io("disk full".into()));
        assert!(matches!(install_failure(io), Outcome::Transient(_)));
    }
}
