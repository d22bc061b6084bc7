//! `renku project`.

pub mod edit;
pub mod show;

use clap::Subcommand;
use renku_lib::Result;

use super::Env;

/// Show and edit the project's metadata.
#[derive(Debug, Subcommand)]
pub enum ProjectCommand {
    Show(show::ShowArgs),
    Edit(edit::EditArgs),
}

/// Runs a `renku project` command.
pub fn run(env: &Env, cmd: ProjectCommand) -> Result<u8> {
    match cmd {
        ProjectCommand::Show(a) => show::run(env, a),
        ProjectCommand::Edit(a) => edit::run(env, a),
    }
}
