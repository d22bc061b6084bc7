//! `renku dataset edit`.

use std::path::PathBuf;

use clap::Args;
use renku_lib::Result;
use renku_lib::dataset::edit::{DatasetEdit, UnsetField, edit};

use crate::commands::Env;

/// Edit a dataset's metadata.
///
/// Each edit that changes something writes a new version of the dataset and commits it.
#[derive(Debug, Args)]
pub struct EditArgs {
    /// The dataset.
    pub slug: String,
    /// New title.
    #[arg(short = 'n', long = "name", visible_alias = "title")]
    pub name: Option<String>,
    /// New description.
    #[arg(short = 'd', long)]
    pub description: Option<String>,
    /// Creator as "Name <email> [affiliation]" (repeatable; replaces all creators).
    #[arg(short = 'c', long = "creator")]
    pub creators: Vec<String>,
    /// Keyword (repeatable; replaces all keywords).
    #[arg(short = 'k', long = "keyword")]
    pub keywords: Vec<String>,
    /// JSON-LD file with custom metadata.
    #[arg(short = 'm', long = "metadata", value_name = "FILE")]
    pub metadata: Option<PathBuf>,
    /// Source recorded with the custom metadata (default: renku; only with -m).
    #[arg(long = "metadata-source")]
    pub metadata_source: Option<String>,
    /// Clear a field: keywords|k, images|i, metadata|m (repeatable).
    #[arg(short = 'u', long = "unset")]
    pub unset: Vec<String>,
}

/// Runs `renku dataset edit`.
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
    let changes = DatasetEdit {
        name: args.name,
        description: args.description,
        creators: (!args.creators.is_empty()).then_some(args.creators),
        keywords: (!args.keywords.is_empty()).then_some(args.keywords),
        metadata,
        metadata_source: args.metadata_source,
        unset,
    };
    let project = env.project()?;
    let outcome = edit(&env.ctx, &project, &args.slug, &changes)?;
    for w in &outcome.warnings {
        crate::ui::warning(w);
    }
    if outcome.changed.is_empty() {
        crate::outln!(
            "Nothing to update. Check available fields with `renku dataset edit --help`\n\nHint: `renku dataset edit --name \"new name\"`"
        );
    } else {
        crate::outln!("Successfully updated: {}.", outcome.changed.join(", "));
    }
    Ok(0)
}
