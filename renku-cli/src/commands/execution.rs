//! Options and output shared by the commands that execute plans (`update`, `rerun`,
//! `workflow execute`, `workflow iterate`).

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use renku_lib::exec::executor::{ExecObserver, ExecStep, ProviderOptions, default_jobs};
use renku_lib::{Error, Result};

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

/// How plans are executed: where, with which runner options, how many steps at once, and
/// whether the executions are recorded.
#[derive(Debug, Args)]
pub struct ExecutionArgs {
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

impl ExecutionArgs {
    /// The validated `-j` (default: the number of CPUs).
    pub fn jobs(&self) -> Result<usize> {
        jobs(self.jobs)
    }

    /// The provider options of `-p/--provider` and `-c/--config`.
    pub fn provider_options(&self) -> Result<ProviderOptions> {
        provider_options(self.provider, self.config.as_deref())
    }
}

/// The provider options of `-p/--provider` and `-c/--config`.
fn provider_options(
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
