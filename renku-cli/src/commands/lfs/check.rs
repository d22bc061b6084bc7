//! `renku lfs check` (and the deprecated `renku storage check`).

use clap::Args;
use renku_lib::Result;
use renku_lib::storage::check::large_files;
use renku_lib::storage::history::Scope;
use renku_lib::storage::size::human;

use crate::commands::Env;

/// Check whether large files are committed to git instead of Git LFS.
///
/// Lists the files of the current branch's history (`--all`: of every branch, remote branch
/// and tag) that have `renku.lfs_threshold` bytes or more and are stored in git, not in LFS
/// (`.renkulfsignore` and renku's protected paths excepted), and exits 1; prints `OK` when
/// there are none. `renku lfs migrate` moves them into LFS.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Include all branches.
    #[arg(long)]
    pub all: bool,
}

/// Runs `renku lfs check`.
pub fn run(env: &Env, args: CheckArgs) -> Result<u8> {
    let project = env.project()?;
    let scope = if args.all {
        Scope::AllRefs
    } else {
        Scope::Head
    };
    let files = large_files(&project, scope)?;
    if files.is_empty() {
        crate::outln!("OK");
        return Ok(0);
    }
    let width = files
        .iter()
        .map(|f| f.path.chars().count())
        .max()
        .unwrap_or(0);
    let lines: Vec<String> = files
        .iter()
        .map(|f| format!("{:<width$}\t{}", f.path, human(f.size)))
        .collect();
    crate::outln!(
        "Warning: Git history contains large files\n\t{}",
        lines.join("\n\t")
    );
    Ok(1)
}
