//! `renku clone`.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use renku_lib::Result;
use renku_lib::platform::StoredTokens;
use renku_lib::sync::clone::{CloneRequest, clone};

use super::Env;

/// Clone a renku project.
///
/// Clones with git, sets Git LFS up and fetches the LFS objects in one batch (unless
/// --no-pull-data or -S), and installs renku's pre-commit hook. Works outside a project.
///
/// An http(s) URL of a deployment you are logged in to (`renku login`) is cloned through
/// the deployment with your token, as `renku login` would set up an existing clone.
#[derive(Debug, Args)]
pub struct CloneArgs {
    /// The repository: a git URL or a local path.
    pub url: String,
    /// Where to clone to (default: the repository's name).
    pub path: Option<PathBuf>,
    /// Do not fetch Git LFS objects (files stay pointers until `renku lfs pull`).
    #[arg(long = "no-pull-data")]
    pub no_pull_data: bool,
}

/// Runs `renku clone`.
pub fn run(env: &Env, args: CloneArgs) -> Result<u8> {
    crate::outln!("Cloning {} ...", args.url);
    let request = CloneRequest {
        url: args.url,
        path: args.path,
        no_pull_data: args.no_pull_data,
        external_storage: env.ctx.external_storage,
        hook_program: std::env::current_exe().ok(),
        tokens: Some(Arc::new(StoredTokens::new())),
        credential_program: std::env::current_exe().ok(),
    };
    clone(&env.cwd()?, &request)?;
    crate::outln!("OK");
    Ok(0)
}
