//! `renku lfs …` and the deprecated `renku storage …` aliases.

pub mod check;
pub mod check_lfs_hook;
pub mod clean;
pub mod ls;
pub mod migrate;
pub mod pull;
pub mod push;
pub mod track;
pub mod untrack;

use clap::Subcommand;
use renku_lib::Result;

use super::Env;

/// Work with the large files stored in Git LFS.
#[derive(Debug, Subcommand)]
pub enum LfsCommand {
    Track(track::TrackArgs),
    Untrack(untrack::UntrackArgs),
    Ls(ls::LsArgs),
    Pull(pull::PullArgs),
    Push(push::PushArgs),
    Clean(clean::CleanArgs),
    Check(check::CheckArgs),
    Migrate(migrate::MigrateArgs),
    #[command(name = "check-lfs-hook", hide = true)]
    CheckLfsHook(check_lfs_hook::CheckLfsHookArgs),
}

/// Runs a `renku lfs` command.
pub fn run(env: &Env, cmd: LfsCommand) -> Result<u8> {
    match cmd {
        LfsCommand::Track(a) => track::run(env, a),
        LfsCommand::Untrack(a) => untrack::run(env, a),
        LfsCommand::Ls(a) => ls::run(env, a),
        LfsCommand::Pull(a) => pull::run(env, a),
        LfsCommand::Push(a) => push::run(env, a),
        LfsCommand::Clean(a) => clean::run(env, a),
        LfsCommand::Check(a) => check::run(env, a),
        LfsCommand::Migrate(a) => migrate::run(env, a),
        LfsCommand::CheckLfsHook(a) => check_lfs_hook::run(env, a),
    }
}

/// The deprecated `renku storage` spellings of `renku lfs` commands (hidden).
#[derive(Debug, Subcommand)]
pub enum StorageCommand {
    #[command(hide = true)]
    Pull(pull::PullArgs),
    #[command(hide = true)]
    Clean(clean::CleanArgs),
    #[command(hide = true)]
    Check(check::CheckArgs),
    #[command(hide = true)]
    Migrate(migrate::MigrateArgs),
    #[command(name = "check-lfs-hook", hide = true)]
    CheckLfsHook(check_lfs_hook::CheckLfsHookArgs),
}

/// Runs a `renku storage` command: says it is deprecated, then does what `renku lfs` does.
pub fn run_storage(env: &Env, cmd: StorageCommand) -> Result<u8> {
    let name = match &cmd {
        StorageCommand::Pull(_) => "pull",
        StorageCommand::Clean(_) => "clean",
        StorageCommand::Check(_) => "check",
        StorageCommand::Migrate(_) => "migrate",
        StorageCommand::CheckLfsHook(_) => "check-lfs-hook",
    };
    eprintln!("DeprecationWarning: The command '{name}' is deprecated.");
    match cmd {
        StorageCommand::Pull(a) => pull::run(env, a),
        StorageCommand::Clean(a) => clean::run(env, a),
        StorageCommand::Check(a) => check::run(env, a),
        StorageCommand::Migrate(a) => migrate::run(env, a),
        StorageCommand::CheckLfsHook(a) => check_lfs_hook::run(env, a),
    }
}

/// Prints `Warning: <title>` and the paths, one per line after a tab, if there are any.
fn warn_paths(title: &str, paths: &[String]) {
    if !paths.is_empty() {
        crate::ui::warning(&format!("{title}\n\t{}", paths.join("\n\t")));
    }
}

/// Prints `Info: <title>` and the paths, one per line after a tab, if there are any.
fn info_paths(title: &str, paths: &[String]) {
    if !paths.is_empty() {
        crate::ui::info(&format!("{title}\n\t{}", paths.join("\n\t")));
    }
}

/// Tells that `-S/--no-external-storage` turned Git LFS off, so nothing was `done`.
fn say_disabled(done: &str) {
    crate::ui::info(&format!(
        "Git LFS is turned off (-S/--no-external-storage): nothing was {done}."
    ));
}
