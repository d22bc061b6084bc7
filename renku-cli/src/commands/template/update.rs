//! `renku template update`.

use clap::Args;
use renku_lib::Result;
use renku_lib::template::ops::{TemplateChange, update};

use crate::commands::Env;

/// Update the project's files from the newest version of its template.
///
/// Files you changed are kept unless the template changed them too and --force is given.
#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// Overwrite files changed both locally and in the template.
    #[arg(short = 'f', long)]
    pub force: bool,
    /// Only show what would change.
    #[arg(short = 'n', long = "dry-run")]
    pub dry_run: bool,
}

/// Runs `renku template update`.
pub fn run(env: &Env, args: UpdateArgs) -> Result<u8> {
    let project = env.project()?;
    let change = TemplateChange {
        force: args.force,
        dry_run: args.dry_run,
        ..Default::default()
    };
    let report = update(&env.ctx, &project, &change)?;
    if report.up_to_date {
        crate::outln!("Template is up-to-date");
        return Ok(0);
    }
    super::print_file_actions(&report.files, args.dry_run);
    if !args.dry_run {
        crate::outln!("OK");
    }
    Ok(0)
}
