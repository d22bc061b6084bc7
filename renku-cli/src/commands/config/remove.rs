//! `renku config remove`.

use clap::Args;
use renku_lib::Result;

use crate::commands::Env;

/// Remove KEY from the project configuration (committed) or, with --global, from the user's global configuration.
///
/// `section.*` removes a whole section.
#[derive(Debug, Args)]
pub struct RemoveArgs {
    /// Key (`section.key`, or `section.*`).
    pub key: String,
    /// Change the global configuration instead of the project's.
    #[arg(long)]
    pub global: bool,
}

/// Runs `renku config remove`.
pub fn run(env: &Env, args: RemoveArgs) -> Result<u8> {
    let project = if args.global {
        None
    } else {
        Some(env.project()?)
    };
    renku_lib::config::ops::remove(&env.ctx, project.as_ref(), &args.key, args.global)?;
    crate::outln!("OK");
    Ok(0)
}
