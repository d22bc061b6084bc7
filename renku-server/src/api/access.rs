//! Who may do what with a project.
//!
//! Public projects are readable by everybody; private ones by members and administrators.
//! Maintainers and owners may push; owners (and administrators) manage members and settings.
//! A project the caller may not read is answered as not found, so private names do not leak.

use serde::Serialize;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, blocking};
use crate::state::AppState;
use crate::store::{Project, Role, Visibility};

/// What the caller may do with a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Access {
    /// Clone, fetch, see metadata.
    pub read: bool,
    /// Push.
    pub write: bool,
    /// Manage members, visibility, deletion.
    pub admin: bool,
}

impl Access {
    /// The caller's access given their role.
    pub fn of(project: &Project, caller: &Caller, role: Option<Role>) -> Access {
        if caller.is_admin() {
            return Access {
                read: true,
                write: true,
                admin: true,
            };
        }
        Access {
            read: project.visibility == Visibility::Public || role.is_some(),
            write: role.is_some_and(|r| r >= Role::Maintainer),
            admin: role == Some(Role::Owner),
        }
    }
}

/// The project `namespace/name` with the caller's access to it, readable or not; `None`
/// when there is no such project.
pub async fn project_access(
    state: &AppState,
    caller: &Caller,
    namespace: &str,
    name: &str,
) -> ApiResult<Option<(Project, Access)>> {
    let store = state.store.clone();
    let (ns, n) = (namespace.to_string(), name.to_string());
    let user = caller.user().map(|u| u.id.clone());
    let found = blocking(move || {
        let Some(project) = store.project(&ns, &n)? else {
            return Ok(None);
        };
        let role = match &user {
            Some(id) => store.role(project.id, id)?,
            None => None,
        };
        Ok(Some((project, role)))
    })
    .await?;
    Ok(found.map(|(project, role)| {
        let access = Access::of(&project, caller, role);
        (project, access)
    }))
}

/// The project `namespace/name` if the caller may read it, with their access.
pub async fn readable_project(
    state: &AppState,
    caller: &Caller,
    namespace: &str,
    name: &str,
) -> ApiResult<(Project, Access)> {
    match project_access(state, caller, namespace, name).await? {
        Some((project, access)) if access.read => Ok((project, access)),
        _ => Err(not_found(namespace, name)),
    }
}

/// `Ok` when `allowed`; otherwise 401 for anonymous callers (they may log in) and 403 with
/// `message` for signed-in ones.
pub fn require(caller: &Caller, allowed: bool, message: &str) -> ApiResult<()> {
    if allowed {
        Ok(())
    } else if caller.user().is_none() {
        Err(ApiError::unauthorized("log in first"))
    } else {
        Err(ApiError::forbidden(message))
    }
}

/// The error for a project that does not exist or may not be seen.
pub fn not_found(namespace: &str, name: &str) -> ApiError {
    ApiError::not_found(format!("project '{namespace}/{name}' not found"))
}
