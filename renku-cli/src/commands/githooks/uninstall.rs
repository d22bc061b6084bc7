//! `renku githooks uninstall`.

use clap::Args;
use renku_lib::Result;

use crate::commands::Env;

/// Remove renku's git hooks (hooks that are not renku's stay).
#[derive(Debug, Args)]
pub struct UninstallArgs {}

/// Runs `renku githooks uninstall`.
pub fn run(env: &Env, _args: UninstallArgs) -> Result<u8> {
    let project = env.project()?;
    renku_lib::githooks::uninstall(project.root())?;
    crate::outln!("OK");
    Ok(0)
}
