//! `renku update`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use renku_lib::exec::executor::{ExecObserver, ExecStep, ProviderOptions, default_jobs};
use renku_lib::exec::update::{ExecutionReport, UpdateOptions, update};
use renku_lib::repo::ProjectDir;
use renku_lib::{Error, Result};

use super::Env;
use super::status::project_paths;
use crate::ui;

/// Where the steps run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Provider {
    /// Child processes on this machine, independent steps in parallel (`-j`).
    Local,
    /// One CWL workflow run by cwltool (must be on PATH).
    Cwltool,
    /// One CWL workflow run by Toil's toil-cwl-runner (must be on PATH).
    Toil,
}

/// The provider options of `-p/--provider` and `-c/--config`.
pub fn provider_options(
    provider: Provider,
    config: Option<&std::path::Path>,
) -> Result<ProviderOptions> {
    use renku_lib::exec::executor::{Provider as P, read_runner_config};
    let runner_args = match config {
        Some(path) => read_runner_config(path)?,
        None => Vec::new(),
    };
    let provider = match provider {
        Provider::Local => {
            if config.is_some() {
                ui::warning("'--config' is ignored by the local provider.");
            }
            P::Local
        }
        Provider::Cwltool => P::Cwltool,
        Provider::Toil => P::Toil,
    };
    Ok(ProviderOptions {
        provider,
        runner_args,
    })
}

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
    /// Where to run the steps (renku-python's default is toil; ours is local).
    #[arg(short = 'p', long, value_enum, default_value = "local")]
    pub provider: Provider,
    /// YAML file of options for the cwltool or toil runner (`key: value` → `--key value`,
    /// `key: true` → `--key`).
    #[arg(short = 'c', long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// How many steps to run at once (default: the number of CPUs).
    #[arg(short = 'j', long)]
    pub jobs: Option<usize>,
    /// Execute, but record and commit nothing.
    #[arg(long = "skip-metadata-update")]
    pub skip_metadata_update: bool,
}

/// Prints each step as it starts, and the lines of steps that run concurrently with their
/// plan's name in front.
pub struct StepPrinter;

impl ExecObserver for StepPrinter {
    fn step_started(&self, step: &ExecStep) {
        crate::outln!(
            "Executing step '{}': '{}' ...",
            step.name(),
            step.plan.full_command()
        );
    }

    fn step_output(&self, step: &ExecStep, line: &str, stderr: bool) {
        if stderr {
            eprintln!("[{}] {line}", step.name());
        } else {
            crate::outln!("[{}] {line}", step.name());
        }
    }

    fn runner_output(&self, line: &str) {
        eprintln!("{line}");
    }
}

/// Validates `-j`.
pub fn jobs(value: Option<usize>) -> Result<usize> {
    match value {
        Some(0) => Err(Error::Parameter("--jobs must be at least 1.".into())),
        Some(n) => Ok(n),
        None => Ok(default_jobs()),
    }
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
    let jobs = jobs(args.jobs)?;
    let provider = provider_options(args.provider, args.config.as_deref())?;
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
            skip_metadata_update: args.skip_metadata_update,
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
