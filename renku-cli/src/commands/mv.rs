//! `renku mv`.

use std::path::PathBuf;

use clap::Args;
use renku_lib::Result;
use renku_lib::worktree::move_paths::{MoveInteraction, MoveRequest, move_paths};

use super::Env;

/// Move or rename files, directories and links, keeping dataset metadata in step.
///
/// With one source whose destination does not exist (or a file onto a file) the source is
/// renamed; otherwise the sources are moved into the destination directory. Dataset files
/// moved within their data directory keep their place in the dataset under the new path;
/// files moved into a dataset's data directory join it; moving dataset files out of their
/// data directory removes them from the dataset (after asking). Git LFS tracking follows
/// the files. Needs a clean work tree; makes one commit. With -v/--verbose (the global
/// option) every move is listed as `<source> -> <destination>`.
#[derive(Debug, Args)]
pub struct MvArgs {
    /// Files or directories to move, then the destination.
    #[arg(required = true, num_args = 2.., value_name = "SOURCES... DESTINATION")]
    pub paths: Vec<PathBuf>,
    /// Overwrite existing files (and do not ask about dataset files).
    #[arg(short = 'f', long)]
    pub force: bool,
    /// A target dataset to move files to.
    #[arg(long = "to-dataset", value_name = "SLUG")]
    pub to_dataset: Option<String>,
}

struct Terminal;

impl MoveInteraction for Terminal {
    fn confirm_leaving_datasets(&mut self, files: &[String]) -> bool {
        crate::ui::confirm(&format!(
            "Warning: You are trying to move dataset files out of a datasets data directory. These files will be removed from the source dataset:\n\t{}",
            files.join("\n\t")
        ))
    }
    fn warning(&mut self, message: &str) {
        crate::ui::warning(message);
    }
}

/// Runs `renku mv`.
pub fn run(env: &Env, args: MvArgs) -> Result<u8> {
    let project = env.project()?;
    let mut paths = args.paths;
    let destination = paths.pop().unwrap_or_default();
    let request = MoveRequest {
        sources: paths,
        destination,
        force: args.force,
        to_dataset: args.to_dataset,
    };
    let moved = move_paths(&env.ctx, &project, &env.cwd()?, &request, &mut Terminal)?;
    crate::ui::lfs_message(&moved.lfs);
    if env.global.verbose > 0 {
        for (src, dst) in &moved.files {
            crate::outln!("{src} -> {dst}");
        }
    }
    Ok(0)
}
