//! `renku rollback`.

use clap::Args;
use renku_lib::maintenance::rollback::{PathChange, checkpoints, preview, rollback};
use renku_lib::{Error, Result};

use super::Env;
use crate::ui;

/// Roll the project back to the state after an earlier renku command.
///
/// Pick a checkpoint, review what would change, confirm. Needs a clean work tree.
#[derive(Debug, Args)]
pub struct RollbackArgs {}

const PAGE: usize = 50;

/// Runs `renku rollback`.
pub fn run(env: &Env, _args: RollbackArgs) -> Result<u8> {
    let project = env.project()?;
    let git = project.git()?;
    renku_lib::repo::status::ensure_clean(&git)?;
    let mut shown = PAGE;
    let chosen = loop {
        let list = checkpoints(&project, shown + 1)?;
        if list.is_empty() {
            crate::outln!("There are no renku commands to roll back to.");
            return Ok(0);
        }
        let more = list.len() > shown;
        for (i, c) in list.iter().take(shown).enumerate() {
            crate::outln!(
                "[{i}] {} \t{}\t{}",
                c.date.format("%Y-%m-%d %H:%M:%S"),
                c.short_id,
                c.summary
            );
        }
        let prompt = if more {
            "Checkpoint ([q] to quit, [m] for more) [q]: "
        } else {
            "Checkpoint ([q] to quit) [q]: "
        };
        let answer = ui::ask(prompt).unwrap_or_else(|| "q".into());
        match answer.as_str() {
            "" | "q" => return Ok(0),
            "m" if more => shown += PAGE,
            n => match n.parse::<usize>() {
                Ok(i) if i < list.len().min(shown) => break list[i].clone(),
                _ => return Err(Error::Usage(format!("Invalid checkpoint: '{n}'"))),
            },
        }
    };
    let changes = preview(&project, chosen.commit)?;
    if changes.is_empty() {
        crate::outln!("There would be no changes rolling back to the selected command, exiting.");
        return Ok(0);
    }
    let label = |c: PathChange| match c {
        PathChange::Restored => "Restored",
        PathChange::Modified => "Modified",
        PathChange::Removed => "Removed",
    };
    if !changes.metadata.is_empty() {
        crate::outln!("Metadata:");
        for (what, c) in &changes.metadata {
            crate::outln!("\t{}: {what}", label(*c));
        }
    }
    if !changes.files.is_empty() {
        crate::outln!("Files:");
        for (what, c) in &changes.files {
            crate::outln!("\t{}: {what}", label(*c));
        }
    }
    if !ui::confirm("Proceed?") {
        return Err(Error::Aborted);
    }
    rollback(&env.ctx, &project, chosen.commit)?;
    crate::outln!("OK");
    Ok(0)
}
