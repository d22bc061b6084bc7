//! `renku migrate`.

use clap::Args;
use renku_lib::Result;
use renku_lib::project::migrate::{MigrationCheck, check, migrate};

use super::Env;

/// Migrate the project's metadata to the format this renku writes.
///
/// Converts a project written by renku-python into this renku's metadata store, in one
/// commit: the project, every dataset version with its files and tags, every plan version
/// and every activity. Projects of renku-python 1.x and 2.x (the `.renku/metadata` object
/// database) keep their ids; older ones (YAML datasets, CWL runs) are read by replaying
/// the git history, every revision of a dataset becoming a version, and their old metadata
/// files go in the same commit. The work tree must be clean. Prints `OK`, or `No
/// migrations required.` when there is nothing to do.
///
/// With --check nothing changes; the exit code says what is needed: 0 nothing, 3 a
/// migration, 4 the project is too new for this renku.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// Only check whether a migration is needed (exit 3 if so, 4 if unsupported).
    #[arg(short = 'c', long)]
    pub check: bool,
}

/// Runs `renku migrate`.
pub fn run(env: &Env, args: MigrateArgs) -> Result<u8> {
    let start = env.start_dir();
    if args.check {
        return Ok(match check(&start)? {
            MigrationCheck::NotRequired => 0,
            MigrationCheck::Required { from } => {
                crate::ui::info(&format!("The project needs a migration: it holds {from}."));
                3
            }
            MigrationCheck::Unsupported { reason } => {
                crate::ui::error(&format!("This renku cannot work on the project: {reason}."));
                4
            }
        });
    }
    let report = migrate(&env.ctx, &start)?;
    if !report.migrated {
        crate::outln!("No migrations required.");
        return Ok(0);
    }
    for warning in &report.warnings {
        crate::ui::warning(warning);
    }
    crate::ui::info(&format!(
        "Migrated {}: {} datasets ({} versions, {} tags), {} plan versions, {} activities, {} activity collections.",
        report.from,
        report.datasets,
        report.dataset_versions,
        report.tags,
        report.plans,
        report.activities,
        report.collections
    ));
    crate::outln!("OK");
    Ok(0)
}
