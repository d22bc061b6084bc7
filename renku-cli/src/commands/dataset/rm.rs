//! `renku dataset rm`.

use clap::Args;
use renku_lib::Result;

use crate::commands::Env;

/// Remove a dataset.
///
/// Writes a final version marking the dataset as removed; its files stay in the project
/// and its history stays in the metadata. The slug can be used again.
#[derive(Debug, Args)]
pub struct RmArgs {
    /// The dataset.
    pub slug: String,
}

/// Runs `renku dataset rm`.
pub fn run(env: &Env, args: RmArgs) -> Result<u8> {
    let project = env.project()?;
    renku_lib::dataset::remove::remove(&env.ctx, &project, &args.slug)?;
    crate::outln!("OK");
    Ok(0)
}
