//! `renku update`.

use std::path::PathBuf;

use clap::Args;
use renku_lib::exec::update::{ExecutionReport, UpdateOptions, update};
use renku_lib::repo::ProjectDir;
use renku_lib::{Error, Result};

use super::Env;
use super::execution::{ExecutionArgs, StepPrinter};
use super::status::project_paths;
use crate::ui;

/// Bring outdated outputs up to date.
///
/// Re-executes every recorded run downstream of a changed input, in dependency order and
/// with the values it ran with — independent steps in parallel (`-j`) — and records the new
/// runs in one commit. With PATHS, only what those files or directories need is re-executed.
/// If a step fails, every output is restored and nothing is recorded. Exits 1 when there is
/// nothing to update.
#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// Only update these files or directories.
    pub paths: Vec<PathBuf>,
    /// Update all outdated outputs (the default).
    #[arg(short = 'a', long = "all")]
    pub all: bool,
    /// Show the steps that would run, in order, without running them.
    #[arg(short = 'n', long = "dry-run")]
    pub dry_run: bool,
    /// Ignore outputs that were deleted (and the runs whose outputs are all deleted).
    #[arg(short = 'i', long = "ignore-deleted")]
    pub ignore_deleted: bool,
    #[command(flatten)]
    pub execution: ExecutionArgs,
}

/// Prints the dry-run table of an update or rerun.
pub fn print_plan(project: &ProjectDir, report: &ExecutionReport) {
    let rows: Vec<Vec<String>> = report
        .steps
        .iter()
        .map(|s| {
            vec![
                s.plan_name.clone(),
                s.date_executed.format("%Y-%m-%d %H:%M:%S").to_string(),
                s.modified_inputs
                    .iter()
                    .map(|p| project.display_path(p))
                    .collect::<Vec<_>>()
                    .join(", "),
                s.outputs
                    .iter()
                    .map(|p| project.display_path(p))
                    .collect::<Vec<_>>()
                    .join(", "),
                s.command.clone(),
            ]
        })
        .collect();
    crate::out!(
        "{}",
        ui::table(
            &[
                "plan",
                "date executed",
                "modified inputs",
                "outputs",
                "command"
            ],
            &rows,
            &[],
        )
    );
}

/// Runs `renku update`.
pub fn run(env: &Env, args: UpdateArgs) -> Result<u8> {
    let project = env.project()?;
    if !args.paths.is_empty() && args.all {
        return Err(Error::Parameter(
            "Cannot use PATHS and --all/-a at the same time.".into(),
        ));
    }
    let jobs = args.execution.jobs()?;
    let provider = args.execution.provider_options()?;
    let paths = project_paths(&project, &args.paths)?;
    if paths.is_empty() && !args.all && !args.dry_run {
        let answer = ui::ask(
            "Warning: Updating all outputs could trigger expensive computations. Are you sure? [Y/n]: ",
        )
        .ok_or(Error::Aborted)?;
        if !matches!(answer.to_ascii_lowercase().as_str(), "" | "y" | "yes") {
            return Err(Error::Aborted);
        }
    }
    let report = update(
        &env.ctx,
        &project,
        &UpdateOptions {
            paths,
            dry_run: args.dry_run,
            ignore_deleted: args.ignore_deleted,
            jobs,
            skip_metadata_update: args.execution.skip_metadata_update,
            provider,
        },
        &StepPrinter,
    )?;
    ui::lfs_message(&report.lfs);
    if report.steps.is_empty() {
        return Ok(1);
    }
    if args.dry_run {
        print_plan(&project, &report);
    }
    Ok(0)
}
