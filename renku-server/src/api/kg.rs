//! `/knowledge-graph/...` (also under `/api/kg/...`): projects, their datasets and tags,
//! dataset details, the lineage of a file, free-text search over entities; and the index
//! status and re-index endpoints of a project under `/api/projects/.../graph`.
//!
//! What the caller may not see is answered as not found (404), like what does not exist.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use oxigraph::model::NamedNode;
use serde_json::{Value, json};

use super::access::{Access, readable_project, require};
use super::paging;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, blocking};
use crate::git::repos;
use crate::kg::json::{self, clone_url, link, project_href};
use crate::kg::read;
use crate::kg::store::{GraphScope, GraphStoreError};
use crate::search::request::{SearchRequest, paging as page_params};
use crate::search::{SearchAccess, SearchError};
use crate::state::AppState;
use crate::store::{IndexJob, JobStatus, Project, Role, Visibility};

impl From<GraphStoreError> for ApiError {
    fn from(error: GraphStoreError) -> Self {
        ApiError::internal(error)
    }
}

impl From<SearchError> for ApiError {
    fn from(error: SearchError) -> Self {
        ApiError::internal(error)
    }
}

/// The projects a caller may see, with the caller's roles.
pub struct Visible {
    /// The projects, by id.
    pub projects: Vec<Project>,
    /// The caller's role per project id.
    pub roles: HashMap<i64, Role>,
    /// Whether the caller is an administrator.
    pub admin: bool,
}

impl Visible {
    /// The graphs of the visible projects.
    pub fn scope(&self, state: &AppState) -> GraphScope {
        if self.admin {
            GraphScope::All
        } else {
            state.kg.scope_of(&self.projects)
        }
    }

    /// The visible project whose graph is `graph`.
    pub fn by_graph(&self, state: &AppState, graph: &NamedNode) -> Option<&Project> {
        self.projects
            .iter()
            .find(|p| &state.kg.project_iri(p) == graph)
    }
}

/// The projects `caller` may see.
pub async fn visible_projects(state: &AppState, caller: &Caller) -> ApiResult<Visible> {
    let store = state.store.clone();
    let user = caller.user().map(|u| u.id.clone());
    let admin = caller.is_admin();
    blocking(move || {
        let roles: HashMap<i64, Role> = match &user {
            Some(id) => store.memberships(id)?.into_iter().collect(),
            None => HashMap::new(),
        };
        let projects = store
            .projects()?
            .into_iter()
            .filter(|p| admin || p.visibility == Visibility::Public || roles.contains_key(&p.id))
            .collect();
        Ok(Visible {
            projects,
            roles,
            admin,
        })
    })
    .await
}

fn wants_json_ld(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("application/ld+json"))
}

fn access_level(role: Option<Role>, access: Access) -> Value {
    let (name, value) = match role {
        Some(Role::Owner) => ("Owner", 50),
        Some(Role::Maintainer) => ("Maintainer", 40),
        Some(Role::Reader) => ("Reporter", 20),
        None if access.admin => ("Owner", 50),
        None => return json!({"projectAccess": null}),
    };
    json!({"projectAccess": {"level": {"name": name, "value": value}}})
}

/// `GET /knowledge-graph/projects/{namespace}/{name}`: the project (JSON, or JSON-LD with
/// `Accept: application/ld+json`).
pub async fn project(
    State(state): State<AppState>,
    caller: Caller,
    Path((namespace, name)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (project, access) = readable_project(&state, &caller, &namespace, &name).await?;
    let kg = state.kg.clone();
    let iri = kg.project_iri(&project);
    if wants_json_ld(&headers) {
        let graph = iri.clone();
        let document = blocking(move || {
            let sparql = format!(
                "CONSTRUCT {{ ?s ?p ?o }} WHERE {{
                   {{ BIND({graph} AS ?s) ?s ?p ?o }}
                   UNION {{ {graph} <http://schema.org/creator>|<http://schema.org/image> ?s . ?s ?p ?o }}
                 }}"
            );
            let answer = kg.graph.query(&sparql, &GraphScope::one(&graph), &Default::default())?;
            let triples = match answer {
                crate::kg::store::QueryAnswer::Graph { triples, .. } => triples,
                _ => Vec::new(),
            };
            let rdf = oxigraph::store::Store::new().map_err(ApiError::internal)?;
            rdf.extend(triples.into_iter().map(|t| t.in_graph(oxigraph::model::GraphName::DefaultGraph)))
                .map_err(ApiError::internal)?;
            renku_lib::graph::jsonld::to_json_ld(&rdf).map_err(ApiError::internal)
        })
        .await?;
        return Ok((
            [(header::CONTENT_TYPE, "application/ld+json")],
            Json(document),
        )
            .into_response());
    }
    let store = state.store.clone();
    let user = caller.user().map(|u| u.id.clone());
    let project_id = project.id;
    let graph = iri.clone();
    let (info, role) = blocking(move || {
        let info = read::project(kg.graph.as_ref(), &graph)?;
        let role = match &user {
            Some(id) => store.role(project_id, id)?,
            None => None,
        };
        Ok((info, role))
    })
    .await?;
    let base = state.kg.base().to_string();
    let clone = clone_url(&base, &project);
    let description = info
        .description
        .clone()
        .or_else(|| (!project.description.is_empty()).then(|| project.description.clone()));
    let created = info
        .date_created
        .unwrap_or_else(|| project.created_at.fixed_offset());
    let body = json!({
        "identifier": project.id,
        "id": iri.as_str(),
        "path": project.path(),
        "slug": project.path(),
        "namespace": project.namespace,
        "name": info.name.clone().unwrap_or_else(|| project.name.clone()),
        "description": description,
        "visibility": project.visibility,
        "created": {
            "dateCreated": created.to_rfc3339(),
            "creator": info.creator.as_ref().map(json::person),
        },
        "dateModified": json::date(&info.date_modified),
        "urls": {
            // No SSH here: both name the HTTP clone URL, which renku clients try in turn.
            "ssh": clone,
            "http": clone,
            "web": format!("{base}/api/projects/{}", project.path()),
        },
        "forking": {"forksCount": 0},
        "keywords": info.keywords,
        "starsCount": 0,
        "permissions": access_level(role, access),
        "version": info.schema_version,
        "images": json::images(&info.images),
        "_links": [
            link("self", project_href(&base, &project)),
            link("datasets", format!("{}/datasets", project_href(&base, &project))),
        ],
    });
    Ok(Json(body).into_response())
}

fn request_url(state: &AppState, path: &str) -> String {
    format!("{}{path}", state.kg.base())
}

/// `GET /knowledge-graph/projects/{namespace}/{name}/datasets`: the project's current
/// datasets; all on the first page unless `per_page` is given. `sort=name|dateModified`
/// (`:asc`/`:desc`).
pub async fn datasets(
    State(state): State<AppState>,
    caller: Caller,
    Path((namespace, name)): Path<(String, String)>,
    Query(params): Query<Vec<(String, String)>>,
) -> ApiResult<Response> {
    let (project, _) = readable_project(&state, &caller, &namespace, &name).await?;
    let (page, per_page) = page_params(&params, usize::MAX).map_err(ApiError::bad_request)?;
    let mut sort = ("name", false);
    for (key, value) in &params {
        match key.as_str() {
            "sort" => {
                let (field, direction) = value.split_once(':').unwrap_or((value, "asc"));
                let field = match field {
                    "name" | "title" => "name",
                    "dateModified" => "dateModified",
                    other => {
                        return Err(ApiError::bad_request(format!(
                            "sort must be name or dateModified, not '{other}'"
                        )));
                    }
                };
                let descending = match direction {
                    "asc" => false,
                    "desc" => true,
                    other => {
                        return Err(ApiError::bad_request(format!(
                            "sort direction must be asc or desc, not '{other}'"
                        )));
                    }
                };
                sort = (field, descending);
            }
            "page" | "per_page" => {}
            other => {
                return Err(ApiError::bad_request(format!(
                    "unknown parameter '{other}'"
                )));
            }
        }
    }
    let kg = state.kg.clone();
    let graph = kg.project_iri(&project);
    let mut found =
        blocking(move || read::datasets(kg.graph.as_ref(), &graph).map_err(ApiError::from)).await?;
    match sort.0 {
        "dateModified" => found.sort_by_key(|a| a.date_modified),
        _ => found.sort_by_key(|a| a.name.to_lowercase()),
    }
    if sort.1 {
        found.reverse();
    }
    let base = state.kg.base().to_string();
    let items: Vec<Value> = found
        .iter()
        .map(|d| json::dataset_entry(&base, &project, d))
        .collect();
    let per_page = (per_page != usize::MAX).then_some(per_page);
    let (items, page) = paging::slice(items, page, per_page);
    let url = request_url(
        &state,
        &format!("/knowledge-graph/projects/{}/datasets", project.path()),
    );
    Ok(paging::respond(items, &page, &url, &params))
}

/// `GET /knowledge-graph/projects/{namespace}/{name}/datasets/{slug}/tags`.
pub async fn tags(
    State(state): State<AppState>,
    caller: Caller,
    Path((namespace, name, slug)): Path<(String, String, String)>,
    Query(params): Query<Vec<(String, String)>>,
) -> ApiResult<Response> {
    let (project, _) = readable_project(&state, &caller, &namespace, &name).await?;
    let (page, per_page) = page_params(&params, crate::search::request::DEFAULT_PER_PAGE)
        .map_err(ApiError::bad_request)?;
    let kg = state.kg.clone();
    let graph = kg.project_iri(&project);
    let wanted = slug.clone();
    let (known, found) = blocking(move || {
        let versions = read::datasets(kg.graph.as_ref(), &graph)?;
        let known = versions.iter().any(|d| d.slug == wanted);
        let tags: Vec<_> = read::tags(kg.graph.as_ref(), &graph)?
            .into_iter()
            .filter(|t| t.slug.as_deref() == Some(wanted.as_str()))
            .collect();
        Ok((known, tags))
    })
    .await?;
    if !known {
        return Err(ApiError::not_found(format!(
            "dataset '{slug}' not found in project '{}'",
            project.path()
        )));
    }
    let base = state.kg.base().to_string();
    let items: Vec<Value> = found.iter().map(|t| json::tag_entry(&base, t)).collect();
    let (items, page) = paging::slice(items, page, Some(per_page));
    let url = request_url(
        &state,
        &format!(
            "/knowledge-graph/projects/{}/datasets/{slug}/tags",
            project.path()
        ),
    );
    Ok(paging::respond(items, &page, &url, &params))
}

/// `GET /knowledge-graph/projects/{namespace}/{name}/files/{location}/lineage`.
pub async fn lineage(
    State(state): State<AppState>,
    caller: Caller,
    Path((namespace, name, rest)): Path<(String, String, String)>,
) -> ApiResult<Json<Value>> {
    let Some(location) = rest.strip_suffix("/lineage").filter(|l| !l.is_empty()) else {
        return Err(ApiError::not_found(
            "no such endpoint: use …/files/<path>/lineage",
        ));
    };
    let location = location.to_string();
    let (project, _) = readable_project(&state, &caller, &namespace, &name).await?;
    let kg = state.kg.clone();
    let graph = kg.project_iri(&project);
    let wanted = location.clone();
    let found = blocking(move || {
        let activities = read::activities(kg.graph.as_ref(), &graph)?;
        Ok(crate::kg::lineage::lineage(&activities, &wanted))
    })
    .await?;
    match found {
        Some(lineage) => Ok(Json(json!({ "lineage": lineage }))),
        None => Err(ApiError::not_found(format!(
            "no lineage for '{location}' in project '{}'",
            project.path()
        ))),
    }
}

fn valid_identifier(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 200
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// `GET /knowledge-graph/datasets/{id}`: a dataset version by identifier, in a project the
/// caller may see.
pub async fn dataset(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let missing = || ApiError::not_found(format!("dataset '{id}' not found"));
    if !valid_identifier(&id) {
        return Err(missing());
    }
    let visible = visible_projects(&state, &caller).await?;
    let scope = visible.scope(&state);
    let kg = state.kg.clone();
    let wanted = id.clone();
    let found = blocking(move || {
        let Some((graph, info)) = read::dataset_by_identifier(kg.graph.as_ref(), &scope, &wanted)?
        else {
            return Ok(None);
        };
        let files: Vec<String> = read::dataset_files(kg.graph.as_ref(), &graph, &info.iri)?
            .into_iter()
            .filter(|f| !f.removed)
            .map(|f| f.location)
            .collect();
        let mut ids = vec![info.identifier.clone()];
        if let Some(same) = &info.same_as
            && let Some((_, other)) = same.rsplit_once("/datasets/")
        {
            ids.push(other.to_string());
        }
        let used = read::graphs_with_dataset(kg.graph.as_ref(), &scope, &ids)?;
        let name = read::project(kg.graph.as_ref(), &graph)?.name;
        Ok(Some((graph, info, files, used, name)))
    })
    .await?;
    let Some((graph, info, files, used, name)) = found else {
        return Err(missing());
    };
    let Some(project) = visible.by_graph(&state, &graph) else {
        return Err(missing());
    };
    let base = state.kg.base().to_string();
    let used_in: Vec<Value> = used
        .iter()
        .filter_map(|g| visible.by_graph(&state, g))
        .map(|p| json::project_ref(&base, p, &p.name))
        .collect();
    let project_name = name.unwrap_or_else(|| project.name.clone());
    Ok(Json(json::dataset_details(
        &base,
        project,
        &project_name,
        &info,
        &files,
        used_in,
    )))
}

/// `GET /knowledge-graph/entities`: free-text search over projects, datasets, workflows and
/// persons the caller may see.
pub async fn entities(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<Vec<(String, String)>>,
) -> ApiResult<Response> {
    let request = SearchRequest::from_params(&params).map_err(ApiError::bad_request)?;
    if !request.roles.is_empty() && caller.user().is_none() {
        return Err(ApiError::unauthorized("log in to filter by role"));
    }
    // One trip to the blocking pool: the caller's memberships, then the search.
    let store = state.store.clone();
    let kg = state.kg.clone();
    let user = caller.user().map(|u| (u.id.clone(), u.admin));
    let wanted = request.clone();
    let found = blocking(move || {
        let access = match user {
            None => SearchAccess::anonymous(),
            Some((id, admin)) => search_access(store.memberships(&id)?, admin, &wanted.roles),
        };
        kg.search.search(&wanted, &access).map_err(ApiError::from)
    })
    .await?;
    let page = paging::Page {
        page: request.page,
        per_page: request.per_page,
        total: found.total,
    };
    let url = request_url(&state, "/knowledge-graph/entities");
    Ok(paging::respond_json_text(
        found.json_array(),
        &page,
        &url,
        &params,
    ))
}

/// What a signed-in caller's search may return: with a role filter only the projects where
/// the caller has one of `roles`, otherwise public projects, the caller's projects and, for
/// administrators, everything.
fn search_access(memberships: Vec<(i64, Role)>, admin: bool, roles: &[Role]) -> SearchAccess {
    if roles.is_empty() {
        SearchAccess {
            everything: admin,
            public: true,
            projects: memberships.into_iter().map(|(p, _)| p).collect(),
        }
    } else {
        SearchAccess {
            everything: false,
            public: false,
            projects: memberships
                .into_iter()
                .filter(|(_, role)| roles.contains(role))
                .map(|(p, _)| p)
                .collect(),
        }
    }
}

fn status_json(job: Option<&IndexJob>) -> Value {
    let Some(job) = job else {
        return json!({"activated": false});
    };
    let (done, status, message) = match job.status {
        JobStatus::Queued => (0, "in-progress", "new".to_string()),
        JobStatus::Running => (1, "in-progress", "generating triples".to_string()),
        JobStatus::Done => (
            2,
            "success",
            job.error
                .clone()
                .map(|note| format!("triples store: {note}"))
                .unwrap_or_else(|| "triples store".to_string()),
        ),
        JobStatus::Failed => (
            2,
            "failure",
            job.error
                .clone()
                .unwrap_or_else(|| "indexing failed".to_string()),
        ),
    };
    json!({
        "activated": true,
        "progress": {"done": done, "total": 2, "percentage": f64::from(done) * 50.0},
        "details": {"status": status, "message": message},
        "commit": job.commit,
        "updated": job.updated_at.to_rfc3339(),
    })
}

/// `GET /api/projects/{namespace}/{name}/graph/status`: the state of the project's latest
/// index job.
pub async fn graph_status(
    State(state): State<AppState>,
    caller: Caller,
    Path((namespace, name)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let (project, _) = readable_project(&state, &caller, &namespace, &name).await?;
    let store = state.store.clone();
    let job = blocking(move || store.latest_index_job(project.id).map_err(ApiError::from)).await?;
    Ok(Json(status_json(job.as_ref())))
}

/// `POST /api/projects/{namespace}/{name}/graph/reindex` (maintainers): queues the head of
/// the default branch for indexing.
pub async fn graph_reindex(
    State(state): State<AppState>,
    caller: Caller,
    Path((namespace, name)): Path<(String, String)>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let (project, access) = readable_project(&state, &caller, &namespace, &name).await?;
    require(
        &caller,
        access.write,
        "only the project's maintainers may re-index it",
    )?;
    let store = state.store.clone();
    let path = repos::repository_path(&state.config, &project.namespace, &project.name);
    let job = blocking(move || {
        let Some(commit) = repos::head_commit(&path).map_err(ApiError::internal)? else {
            return Err(ApiError::conflict("nothing was pushed to the project yet"));
        };
        store
            .enqueue_index(project.id, &commit)
            .map_err(ApiError::from)
    })
    .await?;
    state.index_wakeup.notify_one();
    Ok((StatusCode::ACCEPTED, Json(status_json(Some(&job)))))
}
