//! `renku dataset create`.

use std::path::PathBuf;

use clap::Args;
use renku_lib::Result;
use renku_lib::dataset::create::{NewDataset, create_with_prompt, resolve_datadir};

use crate::commands::Env;

/// Create an empty dataset.
///
/// Files already in the dataset's data directory become its first files.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Machine name of the dataset (letters, digits, '_', '.', '-').
    pub slug: String,
    /// Title of the dataset (default: the slug).
    #[arg(short = 'n', long = "name", visible_alias = "title")]
    pub name: Option<String>,
    /// Description.
    #[arg(short = 'd', long)]
    pub description: Option<String>,
    /// Creator as "Name <email> [affiliation]" (repeatable; default: the git user).
    #[arg(short = 'c', long = "creator")]
    pub creators: Vec<String>,
    /// JSON-LD file with custom metadata.
    #[arg(short = 'm', long = "metadata", value_name = "FILE")]
    pub metadata: Option<PathBuf>,
    /// Keyword (repeatable).
    #[arg(short = 'k', long = "keyword")]
    pub keywords: Vec<String>,
    /// Data directory of the dataset, inside the project (default: data/<slug>).
    #[arg(long)]
    pub datadir: Option<String>,
    /// Cloud storage for the data: s3://<endpoint>/<bucket>[/<path>] or
    /// azure://<account>/<container>[/<path>]. The data directory is then git-ignored and only
    /// metadata is committed.
    #[arg(short = 's', long, value_name = "URI")]
    pub storage: Option<String>,
}

/// Runs `renku dataset create`.
pub fn run(env: &Env, args: CreateArgs) -> Result<u8> {
    let metadata = match &args.metadata {
        Some(f) => Some(renku_lib::model::annotation::read_json_ld(f)?),
        None => None,
    };
    let project = env.project()?;
    let datadir = match &args.datadir {
        Some(d) => Some(resolve_datadir(&project, &env.cwd()?, d)?),
        None => None,
    };
    let new = NewDataset {
        slug: args.slug,
        name: args.name,
        description: args.description,
        creators: args.creators,
        keywords: args.keywords,
        metadata,
        datadir,
        storage: args.storage,
    };
    let mut credentials = super::storage_ui::TerminalCredentials;
    let record = create_with_prompt(&env.ctx, &project, &new, Some(&mut credentials))?;
    crate::outln!(
        "Use the slug \"{}\" to refer to this dataset.",
        record.data.slug
    );
    crate::outln!("OK");
    Ok(0)
}
