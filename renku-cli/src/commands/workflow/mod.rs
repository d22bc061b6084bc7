//! `renku workflow`.

pub mod ls;
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
}

/// Runs a `renku workflow` command.
pub fn run(env: &Env, cmd: WorkflowCommand) -> Result<u8> {
    match cmd {
        WorkflowCommand::Ls(a) => ls::run(env, a),
        WorkflowCommand::Show(a) => show::run(env, a),
    }
}
