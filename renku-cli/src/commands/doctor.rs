//! `renku doctor`.

use clap::Args;
use renku_lib::Result;

use super::Env;
use crate::ui;

/// Check the project's metadata for problems.
///
/// Looks for damaged or half-written objects, metadata that is not committed, broken version
/// chains, a stale cache and interrupted transactions.
#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Repair what can be repaired: roll back an interrupted transaction, rebuild the cache.
    #[arg(long)]
    pub fix: bool,
    /// Accepted for compatibility; only valid together with --fix.
    #[arg(short = 'f', long, requires = "fix")]
    pub force: bool,
}

/// Runs `renku doctor`.
pub fn run(env: &Env, args: DoctorArgs) -> Result<u8> {
    let project = env.project()?;
    crate::outln!("Checking the project's metadata store, cache and transactions.\n");
    let report = renku_lib::maintenance::doctor::doctor(&project, args.fix)?;
    for f in &report.fixed {
        ui::info(&format!("Fixed: {f}"));
    }
    if report.problems.is_empty() {
        crate::outln!("Everything seems to be ok.");
        return Ok(0);
    }
    for p in &report.problems {
        ui::warning(&format!("{:?}: {}", p.area, p.message));
    }
    if !args.fix {
        crate::outln!("Run with '--fix' flag to try and fix these issues.");
    }
    Ok(1)
}
