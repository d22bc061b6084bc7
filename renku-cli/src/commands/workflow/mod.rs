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
pub mod visualize;

use clap::Subcommand;
use renku_lib::Result;

use super::Env;

/// Work with the project's plans.
#[derive(Debug, Subcommand)]
pub enum WorkflowCommand {
    Ls(ls::LsArgs),
    Show(show::ShowArgs),
    Compose(compose::ComposeArgs),
    Execute(execute::ExecuteArgs),
    Iterate(iterate::IterateArgs),
    Export(export::ExportArgs),
    Edit(edit::EditArgs),
    Remove(remove::RemoveArgs),
    Revert(revert::RevertArgs),
    /// List the paths recorded as inputs; with PATHS, exit 1 if one of them is not an input.
    Inputs(paths::PathsArgs),
    /// List the paths recorded as outputs; with PATHS, exit 1 if one of them is not an output.
    Outputs(paths::PathsArgs),
    Visualize(visualize::VisualizeArgs),
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
        WorkflowCommand::Visualize(a) => visualize::run(env, a),
    }
}
