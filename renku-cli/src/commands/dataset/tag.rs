//! `renku dataset tag`.

use clap::Args;
use renku_lib::Result;

use crate::commands::Env;

/// Tag the current version of a dataset.
///
/// Tagging does not change the dataset; it names its current version.
#[derive(Debug, Args)]
pub struct TagArgs {
    /// The dataset.
    pub slug: String,
    /// Tag name: 1 to 128 letters, digits, '_', '.', '-', not starting with '.' or '-'.
    pub tag: String,
    /// Description of the tag.
    #[arg(short = 'd', long)]
    pub description: Option<String>,
    /// Move an existing tag to the current version.
    #[arg(short = 'f', long)]
    pub force: bool,
}

/// Runs `renku dataset tag`.
pub fn run(env: &Env, args: TagArgs) -> Result<u8> {
    let project = env.project()?;
    renku_lib::dataset::tags::tag(
        &env.ctx,
        &project,
        &args.slug,
        &args.tag,
        args.description.as_deref(),
        args.force,
    )?;
    crate::outln!("OK");
    Ok(0)
}
