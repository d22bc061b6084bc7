//! `renku workflow`.

pub mod compose;
pub mod edit;
pub mod execute;
pub mod export;
pub mod iterate;
pub mod ls;
pub mod paths;
pub mod remove;
pub mod revert;
pub mod show;

use clap::Subcommand;
use renku_lib::Result;

use super::Env;

/// Work with the project's plans.
#[derive(Debug, Subcommand)]
pub enum WorkflowCommand {
    /// List the newest version of every plan that is not removed.
    Ls(ls::LsArgs),
    /// Show a plan by name or id.
    Show(show::ShowArgs),
    /// Create a composite plan from existing plans.
    Compose(compose::ComposeArgs),
    /// Execute a plan with new values and record the execution.
    Execute(execute::ExecuteArgs),
    /// Execute a plan once for every combination of values (a grid search).
    Iterate(iterate::IterateArgs),
    /// Export a plan as CWL or as a renku workflow file.
    Export(export::ExportArgs),
    /// Edit a plan (a new version derived from the current one).
    Edit(edit::EditArgs),
    /// Remove a plan (a new version marked removed; its executions stay in the history).
    Remove(remove::RemoveArgs),
    /// Revert a recorded execution (and restore or delete its outputs).
    Revert(revert::RevertArgs),
    /// List the paths recorded as inputs; with PATHS, exit 1 if one of them is not an input.
    Inputs(paths::PathsArgs),
    /// List the paths recorded as outputs; with PATHS, exit 1 if one of them is not an output.
    Outputs(paths::PathsArgs),
}

/// Runs a `renku workflow` command.
pub fn run(env: &Env, cmd: WorkflowCommand) -> Result<u8> {
    match cmd {
        WorkflowCommand::Ls(a) => ls::run(env, a),
        WorkflowCommand::Show(a) => show::run(env, a),
        WorkflowCommand::Export(a) => export::run(env, a),
        WorkflowCommand::Compose(a) => compose::run(env, a),
        WorkflowCommand::Execute(a) => execute::run(env, a),
        WorkflowCommand::Iterate(a) => iterate::run(env, a),
        WorkflowCommand::Edit(a) => edit::run(env, a),
        WorkflowCommand::Remove(a) => remove::run(env, a),
        WorkflowCommand::Revert(a) => revert::run(env, a),
        WorkflowCommand::Inputs(a) => {
            paths::run(env, a, renku_lib::workflow::manage::PathRole::Inputs)
        }
        WorkflowCommand::Outputs(a) => {
            paths::run(env, a, renku_lib::workflow::manage::PathRole::Outputs)
        }
    }
}
