//! `renku workflow revert`.

use clap::Args;
use renku_lib::Result;
use renku_lib::exec::revert::{RevertOptions, revert};

use crate::commands::Env;

/// Revert a recorded execution.
///
/// The activity is marked removed: it no longer appears in `status`, `update`, `log` or the
/// recorded inputs and outputs. Each output it was the latest producer of gets the content
/// of the previous producer back, or is deleted when nothing else produced it (refused when
/// other executions used it, unless `--force`).
#[derive(Debug, Args)]
pub struct RevertArgs {
    /// The activity id (`/activities/<id>` or `<id>`, as `renku log` shows it).
    pub activity_id: String,
    /// Only revert the metadata; leave the files alone.
    #[arg(short = 'm', long = "metadata-only")]
    pub metadata_only: bool,
    /// Revert even when other executions used the activity's outputs.
    #[arg(short = 'f', long)]
    pub force: bool,
    /// Also remove the activity's plan when no other execution of it remains.
    #[arg(short = 'p', long)]
    pub plan: bool,
}

/// Runs `renku workflow revert`.
pub fn run(env: &Env, args: RevertArgs) -> Result<u8> {
    let project = env.project()?;
    let report = revert(
        &env.ctx,
        &project,
        &RevertOptions {
            activity_id: args.activity_id,
            metadata_only: args.metadata_only,
            force: args.force,
            plan: args.plan,
        },
    )?;
    for p in &report.restored {
        crate::outln!("Restored {}", project.display_path(p));
    }
    for p in &report.deleted {
        crate::outln!("Deleted {}", project.display_path(p));
    }
    if let Some(plan) = &report.removed_plan {
        crate::outln!("Removed plan '{plan}'");
    }
    crate::outln!("OK");
    Ok(0)
}
