//! `renku config`.

pub mod remove;
pub mod set;
pub mod show;

use clap::Subcommand;
use renku_lib::Result;

use super::Env;

/// Show and change configuration (project file `.renku/renku.ini`, global file
/// `~/.renku/renku.ini`, built-in defaults).
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    Show(show::ShowArgs),
    Set(set::SetArgs),
    Remove(remove::RemoveArgs),
}

/// Runs a `renku config` command.
pub fn run(env: &Env, cmd: ConfigCommand) -> Result<u8> {
    match cmd {
        ConfigCommand::Show(a) => show::run(env, a),
        ConfigCommand::Set(a) => set::run(env, a),
        ConfigCommand::Remove(a) => remove::run(env, a),
    }
}
