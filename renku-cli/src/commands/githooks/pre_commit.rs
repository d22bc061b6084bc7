//! `renku githooks pre-commit` (hidden; renku's pre-commit hook runs it).

use clap::Args;
use renku_lib::Result;
use renku_lib::githooks::pre_commit::check;

use crate::commands::Env;

/// Check what is staged for a commit; exit 1 to refuse it.
#[derive(Debug, Args)]
pub struct PreCommitArgs {}

/// Runs the pre-commit checks and explains a refusal.
pub fn run(env: &Env, _args: PreCommitArgs) -> Result<u8> {
    // A project renku cannot read (damaged or newer metadata) is not the commit's fault:
    // the checks are skipped with a warning, as when the reference's hook cannot run them.
    let report = match env.project().and_then(|project| check(&env.ctx, &project)) {
        Ok(report) => report,
        Err(e) => {
            crate::ui::warning(&format!("renku's pre-commit checks were skipped: {e}"));
            return Ok(0);
        }
    };
    if !report.immutable.is_empty() {
        crate::outln!(
            "You are trying to update files marked as immutable in your project template."
        );
        crate::outln!(
            "This would prevent the project from being updated with new versions of the template in the future."
        );
        crate::outln!("\nImmutable files:");
        for f in &report.immutable {
            crate::outln!("{f}");
        }
        crate::outln!("\nTo commit anyway, use \"git commit --no-verify\".");
        return Ok(1);
    }
    if !report.large.is_empty() {
        crate::outln!("You are trying to commit large files to Git instead of Git-LFS.\n");
        if !report.tracked_in_lfs.is_empty() {
            crate::outln!("Adding files to LFS:");
            for f in &report.tracked_in_lfs {
                crate::outln!("{f}");
            }
            crate::outln!();
        } else {
            crate::outln!("Large files:");
            for f in &report.large {
                crate::outln!("{f}");
            }
            crate::outln!(
                "\nTo track these files in Git LFS use \"renku lfs track <FILENAMES>\" (or \"git lfs track <FILENAMES>\")."
            );
            crate::outln!(
                "\nTo autocommit files to lfs, use \"renku config set autocommit_lfs true\"."
            );
            crate::outln!("\nTo commit anyway, use \"git commit --no-verify\".");
            return Ok(1);
        }
    }
    if !report.datadir.is_empty() {
        crate::outln!("Files in datasets data directory that aren't up to date:\n");
        for (path, slug, modified) in &report.datadir {
            let what = if *modified { "modified" } else { "removed" };
            crate::outln!("{path} ({slug}) {what}");
        }
        crate::outln!(
            "\nRun \"renku dataset update -c --all --no-remote\" to update the datasets."
        );
        crate::outln!(
            "\nTo disable this check, run \"renku config set check_datadir_files false\"."
        );
        return Ok(1);
    }
    Ok(0)
}
