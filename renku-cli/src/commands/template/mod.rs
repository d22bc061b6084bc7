//! `renku template`.

pub mod ls;
pub mod set;
pub mod show;
pub mod update;
pub mod validate;

use clap::Subcommand;
use renku_lib::Result;
use renku_lib::template::apply::{FileAction, PlannedFile};

use super::Env;

/// Work with project templates.
#[derive(Debug, Subcommand)]
pub enum TemplateCommand {
    Ls(ls::LsArgs),
    Show(show::ShowArgs),
    Set(set::SetArgs),
    Update(update::UpdateArgs),
    Validate(validate::ValidateArgs),
}

/// Runs a `renku template` command.
pub fn run(env: &Env, cmd: TemplateCommand) -> Result<u8> {
    match cmd {
        TemplateCommand::Ls(a) => ls::run(env, a),
        TemplateCommand::Show(a) => show::run(env, a),
        TemplateCommand::Set(a) => set::run(env, a),
        TemplateCommand::Update(a) => update::run(env, a),
        TemplateCommand::Validate(a) => validate::run(env, a),
    }
}

/// Prints one line per template file: what happens (or would happen) to it.
pub fn print_file_actions(files: &[PlannedFile], dry_run: bool) {
    for f in files {
        let verb = match (f.action, dry_run) {
            (FileAction::Create, true) => "Initialize",
            (FileAction::Create, false) => "Initializing",
            (FileAction::Overwrite, true) => "Overwrite",
            (FileAction::Overwrite, false) => "Overwriting",
            (FileAction::Append, true) => "Append to",
            (FileAction::Append, false) => "Appending to",
            (FileAction::Keep, _) => "Keep",
            (FileAction::Unchanged, _) => "Ignore unchanged file",
        };
        match &f.reason {
            Some(r) => crate::outln!("{verb} {} ... ({r})", f.path),
            None => crate::outln!("{verb} {} ...", f.path),
        }
    }
}
