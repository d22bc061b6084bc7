//! `renku workflow iterate`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::Args;
use renku_lib::exec::iterate::{IterateOptions, plan_iterations};
use renku_lib::{Error, Result};

use crate::commands::Env;
use crate::commands::execution::{ExecutionArgs, StepPrinter};
use crate::ui;

/// Execute a plan once for every combination of values (a grid search), and record every run.
///
/// `--map NAME=[a,b,c]` iterates over a list; lists are combined as a Cartesian product (the
/// first given varies slowest), except that lists whose names carry the same tag
/// (`NAME@TAG=[…]`) are taken together, element by element. A value containing
/// `{iter_index}` gets the iteration's number (0, 1, …); any other value is the same for
/// every run. Names are references as for `workflow compose` (`STEP.NAME` in composite plans).
/// Prints the plan and a table of the values of each run; `--dry-run` stops there.
#[derive(Debug, Args)]
pub struct IterateArgs {
    /// Plan name or id.
    pub name_or_id: String,
    /// YAML file mapping names to values or lists of values (nested mappings for steps).
    #[arg(long, value_name = "FILE")]
    pub mapping: Option<PathBuf>,
    /// NAME=VALUE: a list to iterate over, a template with {iter_index}, or a fixed value
    /// (repeatable).
    #[arg(short = 'm', long = "map", value_name = "NAME=VALUE")]
    pub map: Vec<String>,
    /// Print the plan and the values of each run, and stop.
    #[arg(short = 'n', long = "dry-run")]
    pub dry_run: bool,
    #[command(flatten)]
    pub execution: ExecutionArgs,
}

/// Runs `renku workflow iterate`.
pub fn run(env: &Env, args: IterateArgs) -> Result<u8> {
    let mapping: BTreeMap<String, serde_json::Value> = match &args.mapping {
        None => BTreeMap::new(),
        Some(f) => renku_lib::workflow::export::read_values_file(f)?,
    };
    let provider = args.execution.provider_options()?;
    let project = env.project()?;
    let jobs = args.execution.jobs()?;
    let iterations = plan_iterations(
        &project,
        &IterateOptions {
            name_or_id: args.name_or_id.clone(),
            mapping,
            maps: args.map,
            jobs,
            skip_metadata_update: args.execution.skip_metadata_update,
        },
    )?;
    crate::out!(
        "{}",
        renku_lib::workflow::describe::plan_view(&iterations.tree)
    );
    for w in &iterations.warnings {
        ui::warning(w);
    }
    if !iterations.unresolved.is_empty()
        && !ui::confirm(&format!(
            "Could not resolve the following parameters in \"{}\" workflow: {}. Resume the execution?",
            iterations.tree.plan.name,
            iterations.unresolved.join(",")
        ))
    {
        return Err(Error::Aborted);
    }
    let headers: Vec<&str> = iterations.columns.iter().map(String::as_str).collect();
    if !headers.is_empty() {
        crate::out!(
            "\n\n{}",
            ui::table_as_is(&headers, &iterations.rows, &iterations.numeric)
        );
    }
    if args.dry_run {
        return Ok(0);
    }
    let report = iterations.prepare(&project)?.with_provider(provider).run(
        &env.ctx,
        &project,
        &StepPrinter,
    )?;
    ui::lfs_message(&report.lfs);
    Ok(0)
}
