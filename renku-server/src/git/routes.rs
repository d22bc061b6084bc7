//! `/repos/<namespace>/<name>[.git]/…`: authorization, then git smart HTTP or Git LFS.

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{http_backend, lfs, repos};
use crate::api::access::{Access, project_access};
use crate::api::projects::create_project;
use crate::auth::Caller;
use crate::error::{ApiError, blocking};
use crate::state::AppState;
use crate::store::{NewProject, Project, Role, Visibility};

/// What a request needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    Read,
    Write,
}

enum Target {
    Git,
    LfsBatch,
    LfsObject(String),
    LfsLocksVerify,
}

fn classify(method: &Method, rest: &str, query: &str) -> Option<(Target, Need)> {
    if let Some(lfs_path) = rest.strip_prefix("info/lfs/") {
        if lfs_path == "objects/batch" && method == Method::POST {
            // Upload batches are checked again once the operation is known.
            return Some((Target::LfsBatch, Need::Read));
        }
        if let Some(oid) = lfs_path.strip_prefix("objects/") {
            return match *method {
                Method::GET => Some((Target::LfsObject(oid.to_string()), Need::Read)),
                Method::PUT => Some((Target::LfsObject(oid.to_string()), Need::Write)),
                _ => None,
            };
        }
        if lfs_path == "locks/verify" && method == Method::POST {
            return Some((Target::LfsLocksVerify, Need::Write));
        }
        return None;
    }
    let push = rest == "git-receive-pack"
        || (rest == "info/refs"
            && query
                .split('&')
                .any(|pair| pair == "service=git-receive-pack"));
    Some((Target::Git, if push { Need::Write } else { Need::Read }))
}

/// Refusal that does not tell anonymous callers whether a private project exists: they are
/// asked for credentials; signed-in callers without access get 404 (unreadable) or 403.
fn refuse(caller: &Caller, readable: bool, what: &str) -> Response {
    if caller.user().is_none() {
        return ApiError::unauthorized("authentication required")
            .with_basic_challenge()
            .into_response();
    }
    if readable {
        ApiError::forbidden(format!("you may not {what} this project")).into_response()
    } else {
        ApiError::not_found("repository not found").into_response()
    }
}

/// Push to create: the first step of a push (`info/refs?service=git-receive-pack`) to a
/// project that does not exist in the caller's own namespace (any namespace for
/// administrators) creates it, private, as GitLab does. `None` when this request does not
/// create anything.
async fn create_on_push(
    state: &AppState,
    caller: &Caller,
    namespace: &str,
    name: &str,
    rest: &str,
    need: Need,
) -> Result<Option<(Project, Access)>, ApiError> {
    let Some(user) = caller.user() else {
        return Ok(None);
    };
    if need != Need::Write || rest != "info/refs" || (namespace != user.username && !user.admin) {
        return Ok(None);
    }
    let new = NewProject {
        namespace: namespace.to_string(),
        name: name.to_string(),
        visibility: Visibility::Private,
        description: String::new(),
        creator: user.id.clone(),
    };
    let project = match create_project(state, user, new).await {
        Ok(project) => project,
        // Created by a concurrent push meanwhile: use that one.
        Err(error) if error.status == StatusCode::CONFLICT => {
            return match project_access(state, caller, namespace, name).await? {
                Some((project, access)) if access.read => Ok(Some((project, access))),
                _ => Ok(None),
            };
        }
        Err(error) => return Err(error),
    };
    tracing::info!(project = %project.path(), user = %user.username, "project created by a push");
    let access = Access::of(&project, caller, Some(Role::Owner));
    Ok(Some((project, access)))
}

/// Handles every request under `/repos/{namespace}/{repo}/{*rest}`.
pub async fn repository(
    State(state): State<AppState>,
    caller: Caller,
    Path((namespace, repo, rest)): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
    method: Method,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let name = repo.strip_suffix(".git").unwrap_or(&repo).to_string();
    let query = query.unwrap_or_default();
    let Some((target, need)) = classify(&method, &rest, &query) else {
        return ApiError::not_found("no such repository endpoint").into_response();
    };
    let found = match project_access(&state, &caller, &namespace, &name).await {
        Ok(found) => found,
        Err(error) => return error.into_response(),
    };
    let (project, access) = match found {
        Some((project, access)) if access.read => (project, access),
        Some(_) => return refuse(&caller, false, "read"),
        None => match create_on_push(&state, &caller, &namespace, &name, &rest, need).await {
            Ok(Some(created)) => created,
            Ok(None) => return refuse(&caller, false, "read"),
            Err(error) => return error.into_response(),
        },
    };
    if need == Need::Write && !access.write {
        return refuse(&caller, true, "push to");
    }
    let lfs_dir = state.config.lfs_dir().join(project.id.to_string());
    match target {
        Target::LfsBatch => {
            let bytes = match axum::body::to_bytes(body, 16 << 20).await {
                Ok(bytes) => bytes,
                Err(_) => {
                    return lfs::lfs_error(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "batch request too large",
                    );
                }
            };
            let request: lfs::BatchRequest = match serde_json::from_slice(&bytes) {
                Ok(request) => request,
                Err(e) => {
                    return lfs::lfs_error(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        &format!("invalid batch request: {e}"),
                    );
                }
            };
            if request.operation == "upload" && !access.write {
                return refuse(&caller, true, "push to");
            }
            let objects_url = format!(
                "{}/repos/{}/{}.git/info/lfs/objects",
                state.public_url(),
                project.namespace,
                project.name
            );
            let authorization = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let write = access.write;
            match blocking(move || {
                Ok(lfs::batch(
                    request,
                    &lfs_dir,
                    &objects_url,
                    authorization.as_deref(),
                    write,
                ))
            })
            .await
            {
                Ok(response) => response,
                Err(error) => error.into_response(),
            }
        }
        Target::LfsObject(oid) => {
            if method == Method::PUT {
                lfs::upload(&lfs_dir, &oid, &headers, body).await
            } else {
                lfs::download(&lfs_dir, &oid).await
            }
        }
        Target::LfsLocksVerify => lfs::locks_verify(),
        Target::Git => {
            git(
                state, caller, project, rest, query, method, headers, body, need,
            )
            .await
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn git(
    state: AppState,
    caller: Caller,
    project: Project,
    rest: String,
    query: String,
    method: Method,
    headers: HeaderMap,
    body: Body,
    need: Need,
) -> Response {
    let root = state.config.repositories_dir();
    let request = http_backend::CgiRequest {
        git: &state.config.git,
        project_root: &root,
        path_info: format!("/{}/{}.git/{rest}", project.namespace, project.name),
        query,
        method,
        headers,
        remote_user: caller.user().map(|u| u.username.clone()),
    };
    let (response, mut child) = match http_backend::run(request, body).await {
        Ok(pair) => pair,
        Err(error) => return error.into_response(),
    };
    let is_push = need == Need::Write && rest == "git-receive-pack";
    tokio::spawn(async move {
        let status = child.wait().await;
        match status {
            Ok(status) if status.success() => {
                if is_push {
                    queue_index(&state, &project).await;
                }
            }
            Ok(status) => {
                tracing::warn!(project = %project.path(), %status, "git http-backend failed")
            }
            Err(error) => {
                tracing::warn!(project = %project.path(), %error, "git http-backend lost")
            }
        }
    });
    response
}

/// After an accepted push: queue indexing of the repository's default branch head.
async fn queue_index(state: &AppState, project: &Project) {
    let store = state.store.clone();
    let path = repos::repository_path(&state.config, &project.namespace, &project.name);
    let id = project.id;
    let result = blocking(move || {
        let Some(commit) = repos::head_commit(&path).map_err(ApiError::internal)? else {
            return Ok(None);
        };
        store
            .enqueue_index(id, &commit)
            .map(Some)
            .map_err(ApiError::from)
    })
    .await;
    match result {
        Ok(Some(job)) => {
            tracing::info!(project = %project.path(), commit = %job.commit, "queued indexing");
            state.index_wakeup.notify_one();
        }
        Ok(None) => tracing::info!(project = %project.path(), "push left the default branch empty"),
        Err(error) => {
            tracing::error!(project = %project.path(), ?error, "could not queue indexing")
        }
    }
}
