//! `renku config show`.

use clap::Args;
use renku_lib::Result;
use renku_lib::config::Scope;

use crate::commands::Env;

/// Show the merged configuration, or the value of KEY (`section.key`; a key without a
/// section is in `renku`).
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Key to show.
    pub key: Option<String>,
    /// Only the project configuration.
    #[arg(long, group = "scope")]
    pub local: bool,
    /// Only the global configuration.
    #[arg(long, group = "scope")]
    pub global: bool,
    /// Only the built-in defaults.
    #[arg(long, group = "scope")]
    pub default: bool,
}

/// Runs `renku config show`.
pub fn run(env: &Env, args: ShowArgs) -> Result<u8> {
    let scope = if args.local {
        Scope::Local
    } else if args.global {
        Scope::Global
    } else if args.default {
        Scope::Default
    } else {
        Scope::Merged
    };
    let project = match scope {
        Scope::Global | Scope::Default => None,
        _ => Some(env.project()?),
    };
    let text = renku_lib::config::ops::show(project.as_ref(), args.key.as_deref(), scope)?;
    // The whole file is followed by an empty line, as renku-python prints it.
    crate::outln!("{text}");
    Ok(0)
}
