//! `renku project edit`.

use std::path::PathBuf;

use clap::Args;
use renku_lib::Result;
use renku_lib::project::edit::{ProjectEdit, UnsetField, edit};

use crate::commands::Env;

/// Edit the project's metadata.
///
/// Each edit writes a new version of the metadata and commits it.
#[derive(Debug, Args)]
pub struct EditArgs {
    /// New description.
    #[arg(short = 'd', long)]
    pub description: Option<String>,
    /// Keyword (repeatable; replaces all keywords).
    #[arg(short = 'k', long = "keyword")]
    pub keywords: Vec<String>,
    /// Creator as "Name <email> [affiliation]".
    #[arg(short = 'c', long)]
    pub creator: Option<String>,
    /// Project image: a file path or an http(s) URL.
    #[arg(short = 'i', long)]
    pub image: Option<String>,
    /// JSON-LD file with custom metadata.
    #[arg(short = 'm', long = "metadata", value_name = "FILE")]
    pub metadata: Option<PathBuf>,
    /// Source recorded with the custom metadata (default: renku).
    #[arg(long = "metadata-source")]
    pub metadata_source: Option<String>,
    /// Clear a field: keywords|k, metadata|m, description|d, image|i (repeatable).
    #[arg(short = 'u', long = "unset")]
    pub unset: Vec<String>,
}

/// Runs `renku project edit`.
pub fn run(env: &Env, args: EditArgs) -> Result<u8> {
    let unset = args
        .unset
        .iter()
        .map(|u| UnsetField::parse(u))
        .collect::<Result<Vec<_>>>()?;
    let metadata = match &args.metadata {
        Some(f) => Some(renku_lib::model::annotation::read_json_ld(f)?),
        None => None,
    };
    let changes = ProjectEdit {
        description: args.description,
        keywords: (!args.keywords.is_empty()).then_some(args.keywords),
        creator: args.creator,
        image: args.image,
        metadata,
        metadata_source: args.metadata_source,
        unset,
    };
    let project = env.project()?;
    let outcome = edit(&env.ctx, &project, &changes)?;
    let changed = outcome.changed;
    if changed.is_empty() {
        crate::outln!(
            "Nothing to update. Check available fields with `renku project edit --help`\n"
        );
    } else {
        crate::outln!("Successfully updated: {}.", changed.join(", "));
    }
    for w in &outcome.warnings {
        crate::ui::warning(w);
    }
    Ok(0)
}
