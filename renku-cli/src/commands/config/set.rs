//! `renku config set`.

use clap::Args;
use renku_lib::Result;

use crate::commands::Env;

/// Set KEY to VALUE in the project configuration (committed) or, with --global, in the
/// user's global configuration.
#[derive(Debug, Args)]
pub struct SetArgs {
    /// Key (`section.key`; a key without a section is in `renku`).
    pub key: String,
    /// Value.
    pub value: String,
    /// Write the global configuration instead of the project's.
    #[arg(long)]
    pub global: bool,
}

/// Runs `renku config set`.
pub fn run(env: &Env, args: SetArgs) -> Result<u8> {
    let project = if args.global {
        None
    } else {
        Some(env.project()?)
    };
    renku_lib::config::ops::set(
        &env.ctx,
        project.as_ref(),
        &args.key,
        &args.value,
        args.global,
    )?;
    crate::outln!("OK");
    Ok(0)
}
