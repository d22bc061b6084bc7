//! `renku dataset rm-tags`.

use clap::Args;
use renku_lib::Result;

use crate::commands::Env;

/// Remove tags from a dataset.
#[derive(Debug, Args)]
pub struct RmTagsArgs {
    /// The dataset.
    pub slug: String,
    /// Tags to remove.
    #[arg(required = true)]
    pub tags: Vec<String>,
}

/// Runs `renku dataset rm-tags`.
pub fn run(env: &Env, args: RmTagsArgs) -> Result<u8> {
    let project = env.project()?;
    renku_lib::dataset::tags::remove_tags(&env.ctx, &project, &args.slug, &args.tags)?;
    crate::outln!("OK");
    Ok(0)
}
