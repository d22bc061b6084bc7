//! `renku githooks install|uninstall` and the hidden `renku githooks pre-commit`.

pub mod install;
pub mod pre_commit;
pub mod uninstall;

use clap::Subcommand;
use renku_lib::Result;

use super::Env;

/// Install and uninstall renku's git hooks.
#[derive(Debug, Subcommand)]
pub enum GithooksCommand {
    Install(install::InstallArgs),
    Uninstall(uninstall::UninstallArgs),
    #[command(name = "pre-commit", hide = true)]
    PreCommit(pre_commit::PreCommitArgs),
}

/// Runs a `renku githooks` command.
pub fn run(env: &Env, command: GithooksCommand) -> Result<u8> {
    match command {
        GithooksCommand::Install(a) => install::run(env, a),
        GithooksCommand::Uninstall(a) => uninstall::run(env, a),
        GithooksCommand::PreCommit(a) => pre_commit::run(env, a),
    }
}
