//! `renku workflow execute`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::Args;
use renku_lib::Result;
use renku_lib::exec::execute::{ExecuteOptions, prepare_execution};

use crate::commands::Env;
use crate::commands::execution::{ExecutionArgs, StepPrinter};
use crate::ui;

/// Execute a plan with new values and record the execution.
///
/// Values are matched by parameter name (`--set n=5`, or a `--values` YAML mapping); for a
/// composite plan, `STEP.NAME=VALUE` addresses a parameter of one step. A string value may
/// refer to other values as `{name}`, and to the current time as `{}` or `{:%Y-%m-%d}`.
/// Names that match no parameter are reported and ignored. The outputs and the new
/// executions are committed together; if a step fails, nothing changes.
#[derive(Debug, Args)]
pub struct ExecuteArgs {
    /// Plan name or id.
    pub name_or_id: String,
    /// A value to run with, NAME=VALUE (repeatable; STEP.NAME=VALUE in composite plans).
    #[arg(short = 's', long = "set", value_name = "NAME=VALUE")]
    pub set: Vec<String>,
    /// YAML file mapping parameter names (or step names, for composites) to values.
    #[arg(long, value_name = "FILE")]
    pub values: Option<PathBuf>,
    #[command(flatten)]
    pub execution: ExecutionArgs,
    /// Show the steps and the commands they would run, with the values applied, and stop.
    #[arg(short = 'n', long = "dry-run")]
    pub dry_run: bool,
}

/// Runs `renku workflow execute`.
pub fn run(env: &Env, args: ExecuteArgs) -> Result<u8> {
    let values: BTreeMap<String, serde_json::Value> = match &args.values {
        None => BTreeMap::new(),
        Some(f) => renku_lib::workflow::export::read_values_file(f)?,
    };
    let provider = args.execution.provider_options()?;
    let project = env.project()?;
    let jobs = args.execution.jobs()?;
    let prepared = prepare_execution(
        &project,
        &ExecuteOptions {
            name_or_id: args.name_or_id.clone(),
            set: args.set,
            values,
            jobs,
            skip_metadata_update: args.execution.skip_metadata_update,
            provider,
        },
    )?;
    if !prepared.unresolved.is_empty() {
        ui::warning(&format!(
            "Could not resolve the following parameters in \"{}\" workflow: {}",
            args.name_or_id,
            prepared.unresolved.join(",")
        ));
    }
    if args.dry_run {
        let rows: Vec<Vec<String>> = prepared
            .plans
            .iter()
            .map(|p| vec![p.name.clone(), p.full_command()])
            .collect();
        crate::out!(
            "{}",
            ui::table(&["step", "command"], &rows, &[false, false])
        );
        return Ok(0);
    }
    let report = prepared.run(&env.ctx, &project, &StepPrinter)?;
    ui::lfs_message(&report.lfs);
    Ok(0)
}
