//! `renku workflow inputs` and `renku workflow outputs`.

use std::path::PathBuf;

use clap::Args;
use renku_lib::Result;
use renku_lib::workflow::manage::{PathRole, recorded_paths};

use crate::commands::Env;

/// The paths to look up.
#[derive(Debug, Args)]
pub struct PathsArgs {
    /// Paths to check (default: list all).
    pub paths: Vec<PathBuf>,
}

/// Lists recorded input or output paths; exits 1 when a given path is not one.
pub fn run(env: &Env, args: PathsArgs, role: PathRole) -> Result<u8> {
    let project = env.project()?;
    let filter: Vec<String> = args
        .paths
        .iter()
        .map(|p| {
            project
                .relative_path(p)
                .unwrap_or_else(|| p.to_string_lossy().into_owned())
        })
        .collect();
    let found = recorded_paths(&project, role, &filter)?;
    for p in &found.paths {
        crate::outln!("{p}");
    }
    Ok(if found.unknown.is_empty() { 0 } else { 1 })
}
