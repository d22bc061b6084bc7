//! `/api/projects`: create, read, list, change and delete projects, and manage members.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::access::{Access, readable_project, require};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, blocking};
use crate::git::repos;
use crate::state::AppState;
use crate::store::{NewProject, Project, Role, Visibility, check_name};

/// Body of `POST /api/projects`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateProject {
    /// Namespace; defaults to the caller's user name. Only administrators may create
    /// projects outside their own namespace.
    pub namespace: Option<String>,
    /// Project name.
    pub name: String,
    /// `public` or `private` (default).
    pub visibility: Option<String>,
    /// Description.
    pub description: Option<String>,
}

/// The JSON of a project as the caller sees it.
pub fn project_json(state: &AppState, project: &Project, access: Access) -> Value {
    let base = state.public_url();
    json!({
        "id": project.id,
        "namespace": project.namespace,
        "name": project.name,
        "path": project.path(),
        "path_with_namespace": project.path(),
        "visibility": project.visibility,
        "description": project.description,
        "created_at": project.created_at.to_rfc3339(),
        "creator": project.creator,
        "http_url_to_repo": format!("{base}/repos/{}.git", project.path()),
        "permissions": access,
    })
}

fn parse_visibility(text: &str) -> ApiResult<Visibility> {
    Visibility::parse(text).ok_or_else(|| {
        ApiError::bad_request(format!(
            "visibility must be 'public' or 'private', not '{text}'"
        ))
    })
}

/// `POST /api/projects`.
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<CreateProject>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let user = caller
        .user()
        .ok_or_else(|| ApiError::unauthorized("log in to create projects"))?
        .clone();
    let namespace = body.namespace.unwrap_or_else(|| user.username.clone());
    let visibility = match &body.visibility {
        Some(text) => parse_visibility(text)?,
        None => Visibility::Private,
    };
    let new = NewProject {
        namespace,
        name: body.name,
        visibility,
        description: body.description.unwrap_or_default(),
        creator: user.id.clone(),
    };
    let project = create_project(&state, &user, new).await?;
    let access = Access::of(&project, &caller, Some(Role::Owner));
    Ok((
        StatusCode::CREATED,
        Json(project_json(&state, &project, access)),
    ))
}

/// Creates `new` for `user` (its namespace must be theirs unless they are an administrator):
/// the record, the bare repository, and the project node in the knowledge graph.
pub async fn create_project(
    state: &AppState,
    user: &crate::auth::Identity,
    new: NewProject,
) -> ApiResult<Project> {
    check_name("namespace", &new.namespace).map_err(ApiError::bad_request)?;
    check_name("project name", &new.name).map_err(ApiError::bad_request)?;
    if new.namespace != user.username && !user.admin {
        return Err(ApiError::forbidden(format!(
            "you may create projects in your own namespace '{}' only",
            user.username
        )));
    }
    let store = state.store.clone();
    let config = state.config.clone();
    let project = blocking(move || {
        let path = repos::repository_path(&config, &new.namespace, &new.name);
        let project = store.create_project(&new)?;
        if let Err(error) = repos::create(&config, &path) {
            // Keep the registry and the disk in step.
            if let Err(undo) = store.delete_project(project.id) {
                tracing::error!(%undo, "could not remove the project record again");
            }
            return Err(ApiError::internal(error));
        }
        Ok(project)
    })
    .await?;
    tracing::info!(project = %project.path(), "project created");
    // Found in the knowledge graph before anything is pushed.
    let kg = state.kg.clone();
    let store = state.store.clone();
    let created = project.clone();
    let indexed = blocking(move || {
        let creator = store.user(&created.creator)?;
        kg.install_empty(&created, creator.as_ref())
            .map_err(ApiError::internal)
    })
    .await;
    if let Err(error) = indexed {
        // The project exists; it becomes searchable with its first indexed push.
        tracing::warn!(project = %project.path(), ?error, "could not add the new project to the knowledge graph");
    }
    Ok(project)
}

/// `GET /api/projects/{namespace}/{name}`.
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path((namespace, name)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let (project, access) = readable_project(&state, &caller, &namespace, &name).await?;
    Ok(Json(project_json(&state, &project, access)))
}

/// Query of `GET /api/projects`.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    /// `me`: only projects the caller is a member of.
    pub member: Option<String>,
}

/// `GET /api/projects`: the projects the caller may see.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<ListQuery>,
) -> ApiResult<Json<Value>> {
    let only_member = match query.member.as_deref() {
        None => false,
        Some("me") => true,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "member must be 'me', not '{other}'"
            )));
        }
    };
    if only_member && caller.user().is_none() {
        return Err(ApiError::unauthorized("log in to list your projects"));
    }
    let store = state.store.clone();
    let user = caller.user().map(|u| u.id.clone());
    let rows = blocking(move || {
        let mut rows = Vec::new();
        for project in store.projects()? {
            let role = match &user {
                Some(id) => store.role(project.id, id)?,
                None => None,
            };
            rows.push((project, role));
        }
        Ok(rows)
    })
    .await?;
    let items: Vec<Value> = rows
        .into_iter()
        .filter(|(_, role)| !only_member || role.is_some())
        .filter_map(|(project, role)| {
            let access = Access::of(&project, &caller, role);
            access.read.then(|| project_json(&state, &project, access))
        })
        .collect();
    Ok(Json(Value::Array(items)))
}

/// Body of `PATCH /api/projects/{namespace}/{name}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateProject {
    /// New visibility.
    pub visibility: Option<String>,
    /// New description.
    pub description: Option<String>,
}

/// `PATCH /api/projects/{namespace}/{name}` (owners and administrators).
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path((namespace, name)): Path<(String, String)>,
    Json(body): Json<UpdateProject>,
) -> ApiResult<Json<Value>> {
    let (project, access) = readable_project(&state, &caller, &namespace, &name).await?;
    require(
        &caller,
        access.admin,
        "only the project's owners may change it",
    )?;
    let visibility = body
        .visibility
        .as_deref()
        .map(parse_visibility)
        .transpose()?;
    let store = state.store.clone();
    let description = body.description;
    let kg = state.kg.clone();
    let updated = blocking(move || {
        let updated = store.update_project(project.id, visibility, description.as_deref())?;
        // The graph and the search documents carry the visibility: they change with it.
        kg.refresh(&updated).map_err(ApiError::internal)?;
        Ok(updated)
    })
    .await?;
    Ok(Json(project_json(&state, &updated, access)))
}

/// `DELETE /api/projects/{namespace}/{name}` (owners and administrators).
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path((namespace, name)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let (project, access) = readable_project(&state, &caller, &namespace, &name).await?;
    require(
        &caller,
        access.admin,
        "only the project's owners may delete it",
    )?;
    let store = state.store.clone();
    let config = state.config.clone();
    let kg = state.kg.clone();
    blocking(move || {
        store.delete_project(project.id)?;
        kg.remove(&project).map_err(ApiError::internal)?;
        repos::delete(&repos::repository_path(
            &config,
            &project.namespace,
            &project.name,
        ))
        .map_err(ApiError::internal)?;
        let lfs = config.lfs_dir().join(project.id.to_string());
        if lfs.exists() {
            std::fs::remove_dir_all(&lfs).map_err(ApiError::internal)?;
        }
        Ok(())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/projects/{namespace}/{name}/members`.
pub async fn members(
    State(state): State<AppState>,
    caller: Caller,
    Path((namespace, name)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let (project, _) = readable_project(&state, &caller, &namespace, &name).await?;
    let store = state.store.clone();
    let members = blocking(move || store.members(project.id).map_err(ApiError::from)).await?;
    Ok(Json(json!(members)))
}

/// Body of `PUT /api/projects/{namespace}/{name}/members`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetMember {
    /// The user's id (`sub`).
    pub user_id: Option<String>,
    /// Or their user name (they must have used the server once).
    pub username: Option<String>,
    /// `reader`, `maintainer` or `owner`.
    pub role: String,
}

/// `PUT /api/projects/{namespace}/{name}/members`: add a member or change their role.
pub async fn set_member(
    State(state): State<AppState>,
    caller: Caller,
    Path((namespace, name)): Path<(String, String)>,
    Json(body): Json<SetMember>,
) -> ApiResult<Json<Value>> {
    let (project, access) = readable_project(&state, &caller, &namespace, &name).await?;
    require(
        &caller,
        access.admin,
        "only the project's owners may manage members",
    )?;
    let role = Role::parse(&body.role).ok_or_else(|| {
        ApiError::bad_request(format!(
            "role must be 'reader', 'maintainer' or 'owner', not '{}'",
            body.role
        ))
    })?;
    let store = state.store.clone();
    let members =
        blocking(move || {
            let user_id = match (body.user_id, body.username) {
            (Some(id), None) => id,
            (None, Some(username)) => store
                .user_by_username(&username)?
                .map(|u| u.id)
                .ok_or_else(|| {
                    ApiError::not_found(format!(
                        "no user '{username}' has used this server yet; give their user_id instead"
                    ))
                })?,
            _ => return Err(ApiError::bad_request("give exactly one of user_id and username")),
        };
            if user_id.is_empty() {
                return Err(ApiError::bad_request("user_id must not be empty"));
            }
            store.set_member(project.id, &user_id, role)?;
            store.members(project.id).map_err(ApiError::from)
        })
        .await?;
    Ok(Json(json!(members)))
}

/// `DELETE /api/projects/{namespace}/{name}/members/{user_id}`.
pub async fn remove_member(
    State(state): State<AppState>,
    caller: Caller,
    Path((namespace, name, user_id)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    let (project, access) = readable_project(&state, &caller, &namespace, &name).await?;
    require(
        &caller,
        access.admin,
        "only the project's owners may manage members",
    )?;
    let store = state.store.clone();
    blocking(move || {
        let members = store.members(project.id)?;
        let owners = members.iter().filter(|m| m.role == Role::Owner).count();
        let removing_owner = members
            .iter()
            .any(|m| m.user_id == user_id && m.role == Role::Owner);
        if removing_owner && owners == 1 {
            return Err(ApiError::conflict("a project keeps at least one owner"));
        }
        if store.remove_member(project.id, &user_id)? {
            Ok(())
        } else {
            Err(ApiError::not_found(format!("'{user_id}' is not a member")))
        }
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
