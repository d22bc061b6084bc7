//! `renku dataset unlink`.

use clap::Args;
use renku_lib::dataset::unlink::{matching_files, unlink};
use renku_lib::{Error, Result};

use crate::commands::Env;

/// Remove files from a dataset.
///
/// The files matching the patterns are removed from the dataset, and deleted from disk
/// when they are inside the dataset's data directory.
#[derive(Debug, Args)]
pub struct UnlinkArgs {
    /// The dataset.
    pub slug: String,
    /// Remove paths matching this pattern (repeatable).
    #[arg(short = 'I', long = "include")]
    pub include: Vec<String>,
    /// Keep paths matching this pattern (repeatable).
    #[arg(short = 'X', long = "exclude")]
    pub exclude: Vec<String>,
    /// Do not ask for confirmation.
    #[arg(short = 'y', long = "yes")]
    pub yes: bool,
}

/// Runs `renku dataset unlink`.
pub fn run(env: &Env, args: UnlinkArgs) -> Result<u8> {
    let project = env.project()?;
    let files = matching_files(&project, &args.slug, &args.include, &args.exclude)?;
    if !args.yes {
        let list: Vec<String> = files.iter().map(|f| format!("\t{}", f.path())).collect();
        crate::outln!(
            "You are about to remove following from \"{}\" dataset.",
            args.slug
        );
        crate::outln!("{}", list.join("\n"));
        if !crate::ui::confirm("Do you wish to continue?") {
            return Err(Error::Aborted);
        }
    }
    unlink(&env.ctx, &project, &args.slug, &files)?;
    crate::outln!("OK");
    Ok(0)
}
