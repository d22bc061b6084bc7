//! The background task that indexes projects: it takes queued jobs (woken when a push queues
//! one, and every few seconds anyway), exports the job's commit with renku-lib, installs the
//! graph and its search documents, and records the outcome on the job.

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
    /// Not indexed, with the reason.
    Failed(String),
}

/// Indexes one job (blocking: runs git and renku-lib).
pub fn index_job(state: &AppState, job: &IndexJob) -> Outcome {
    let store = state.store.as_ref();
    let project = match store.project_by_id(job.project_id) {
        Ok(Some(project)) => project,
        Ok(None) => return Outcome::Done(Some("the project was deleted".into())),
        Err(error) => return Outcome::Failed(error.to_string()),
    };
    let creator = match store.user(&project.creator) {
        Ok(user) => user,
        Err(error) => return Outcome::Failed(error.to_string()),
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
        Err(error) => Outcome::Failed(error.to_string()),
    }
}

async fn run_one(state: &AppState, job: IndexJob) {
    let worker_state = state.clone();
    let worker_job = job.clone();
    let outcome = tokio::task::spawn_blocking(move || index_job(&worker_state, &worker_job))
        .await
        .unwrap_or_else(|error| Outcome::Failed(format!("the indexer stopped: {error}")));
    let (status, message, label) = match &outcome {
        Outcome::Done(note) => (JobStatus::Done, note.clone(), "done"),
        Outcome::Failed(error) => {
            tracing::warn!(project_id = job.project_id, commit = %job.commit, %error, "indexing failed");
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
