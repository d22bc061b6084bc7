//! `renku gc`.

use clap::Args;
use renku_lib::Result;

use super::Env;

/// Remove the metadata cache and scratch files.
///
/// Removes the derived cache (`.renku/cache`) and scratch files (`.renku/tmp`). Nothing
/// committed is touched; the cache is rebuilt when next needed.
#[derive(Debug, Args)]
pub struct GcArgs {}

/// Runs `renku gc`.
pub fn run(env: &Env, _args: GcArgs) -> Result<u8> {
    let project = env.project()?;
    for dir in renku_lib::maintenance::gc::gc(&project)? {
        tracing::info!("removed {dir}");
    }
    Ok(0)
}
