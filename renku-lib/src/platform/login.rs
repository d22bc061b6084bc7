//! `renku login` and `renku logout`.
//!
//! Login: resolve the endpoint, decide what changes in git (and ask, unless told not to),
//! find the identity provider, run the device flow, store the access token, then make the
//! git changes. Nothing is stored or changed when the login is denied, expires or fails.
//!
//! Logout: remove the endpoint's token (all tokens without an endpoint), renku's credential
//! helper, and put back the remote URLs the login replaced.

use std::path::{Path, PathBuf};

use super::auth_config::{self, AuthConfig};
use super::device_flow::{self, DeviceAuthorization, PollOptions};
use super::endpoint::Endpoint;
use super::git_login::{self, GitLogin, GitLoginPlan, GitLogout};
use super::jwt::{self, Claims};
use super::token_store::{self, TokenStore};
use super::{PlatformError, Result};

/// What `renku login` is asked to do.
#[derive(Debug, Clone)]
pub struct LoginRequest {
    /// The endpoint given on the command line.
    pub endpoint: Option<String>,
    /// Also set up git (remote rewrite and credential helper) when inside a repository.
    pub git: bool,
    /// Change the remote without asking.
    pub yes: bool,
    /// Where renku runs (the repository is found from here).
    pub start_dir: PathBuf,
    /// Polling options (the interval override of tests).
    pub poll: PollOptions,
}

/// How `renku login` talks to the user.
pub trait LoginInteraction {
    /// Asked before the remote of `plan` is changed (unless `--yes` or
    /// `renku.show_login_warning = false`); `false` aborts the login.
    fn confirm_remote_change(&mut self, plan: &GitLoginPlan) -> bool;
    /// Shows where to approve the login (and may open a browser there).
    fn show_verification(&mut self, client_id: &str, auth: &DeviceAuthorization);
    /// Shows a warning.
    fn warning(&mut self, message: &str);
}

/// What a login did.
#[derive(Debug, Clone)]
pub struct LoggedIn {
    /// The deployment.
    pub endpoint: Endpoint,
    /// Its identity provider.
    pub auth: AuthConfig,
    /// Where the token went (`keyring` or the file's path).
    pub store: String,
    /// The token's claims, when it is a JWT.
    pub claims: Option<Claims>,
    /// The git changes, when git was set up.
    pub git: Option<GitLogin>,
}

/// The work tree containing `start`, if any.
fn work_tree(start: &Path) -> Option<PathBuf> {
    let repo = gix::discover(start).ok()?;
    repo.workdir().map(Path::to_path_buf)
}

/// Whether the remote change needs a confirmation (`renku.show_login_warning` unset or
/// `true`, as in renku-python).
fn should_warn(root: &Path) -> bool {
    crate::config::Config::load(Some(root))
        .ok()
        .and_then(|c| c.value("renku.show_login_warning"))
        .is_none_or(|v| v.trim().eq_ignore_ascii_case("true"))
}

/// Logs in with the store `RENKU_TOKEN_STORE` chooses.
pub fn login(request: &LoginRequest, ui: &mut dyn LoginInteraction) -> crate::Result<LoggedIn> {
    let store = token_store::open_default()?;
    Ok(login_with(request, store.as_ref(), ui)?)
}

/// Logs in, keeping the token in `store`.
pub fn login_with(
    request: &LoginRequest,
    store: &dyn TokenStore,
    ui: &mut dyn LoginInteraction,
) -> Result<LoggedIn> {
    let root = work_tree(&request.start_dir);
    let endpoint = Endpoint::resolve(request.endpoint.as_deref(), root.as_deref())?;
    let host = endpoint.token_key();

    let plan = match (&root, request.git) {
        (_, false) => None,
        (None, true) => {
            ui.warning(
                "Not inside a git repository: only the token is stored, no remote is changed.",
            );
            None
        }
        (Some(root), true) => {
            let remote = git_login::default_remote(root)?.ok_or_else(|| {
                PlatformError::NoUniqueRemote {
                    detail: "the repository has no remote, or several and the current branch tracks none".into(),
                }
            })?;
            let plan = git_login::plan_login(&remote, endpoint.scheme(), &host)?;
            if !request.yes && should_warn(root) && !ui.confirm_remote_change(&plan) {
                return Err(PlatformError::Aborted);
            }
            Some(plan)
        }
    };

    let auth = auth_config::discover(&endpoint)?;
    tracing::debug!(?auth, "identity provider");
    let client_id = auth.client_id.clone();
    let token = device_flow::run(&auth, &request.poll, &mut |a| {
        ui.show_verification(&client_id, a)
    })?;
    let claims = jwt::decode_claims(&token.access_token);
    if claims.is_none() {
        ui.warning("The server's access token is not a JWT; renku-python could not use it.");
    }
    store.set(&host, &token.access_token)?;

    let git = match (&root, plan) {
        (Some(root), Some(plan)) => Some(git_login::apply_login(root, &plan)?),
        _ => None,
    };
    Ok(LoggedIn {
        endpoint,
        auth,
        store: store.name(),
        claims,
        git,
    })
}

/// What `renku logout` is asked to do.
#[derive(Debug, Clone)]
pub struct LogoutRequest {
    /// The endpoint to log out from; `None`: all of them.
    pub endpoint: Option<String>,
    /// Where renku runs (the repository is found from here).
    pub start_dir: PathBuf,
}

/// What a logout did.
#[derive(Debug, Clone, Default)]
pub struct LoggedOut {
    /// The hosts whose token was removed.
    pub removed: Vec<String>,
    /// The git changes, inside a repository.
    pub git: Option<GitLogout>,
}

/// Logs out with the store `RENKU_TOKEN_STORE` chooses.
pub fn logout(request: &LogoutRequest) -> crate::Result<LoggedOut> {
    let store = token_store::open_default()?;
    Ok(logout_with(request, store.as_ref())?)
}

/// Logs out, removing tokens from `store`.
pub fn logout_with(request: &LogoutRequest, store: &dyn TokenStore) -> Result<LoggedOut> {
    let host = match request.endpoint.as_deref().map(str::trim) {
        Some(e) if !e.is_empty() => Some(Endpoint::parse(e)?.token_key()),
        _ => None,
    };
    let hosts = match &host {
        Some(h) => vec![h.clone()],
        None => store.hosts()?,
    };
    let mut removed = Vec::new();
    for h in hosts {
        if store.remove(&h)? {
            removed.push(h);
        }
    }
    let git = match work_tree(&request.start_dir) {
        Some(root) => Some(git_login::apply_logout(&root, host.as_deref())?),
        None => None,
    };
    Ok(LoggedOut { removed, git })
}
