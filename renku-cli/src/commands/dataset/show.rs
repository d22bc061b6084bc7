//! `renku dataset show`.

use clap::{Args, ValueEnum};
use renku_lib::dataset::Datasets;
use renku_lib::{Error, Result};

use super::{person_json, print_json};
use crate::commands::Env;

/// Output format of `dataset show`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShowFormat {
    /// Text.
    Text,
    /// JSON.
    Json,
}

/// Show a dataset's metadata.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The dataset.
    pub slug: String,
    /// Show the version with this tag.
    #[arg(short = 't', long)]
    pub tag: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ShowFormat,
}

/// Runs `renku dataset show`.
pub fn run(env: &Env, args: ShowArgs) -> Result<u8> {
    let project = env.project()?;
    let store = project.store();
    let datasets = Datasets::load(&store)?;
    let mut state = datasets.get(&args.slug)?;
    if let Some(tag) = &args.tag {
        let t = renku_lib::dataset::tags::find_tag(&datasets, &state, tag)?.ok_or_else(|| {
            Error::Parameter(format!("Tag '{tag}' not found for dataset '{}'", args.slug))
        })?;
        state = datasets.state_of(&t.data.dataset_identifier)?;
    }
    let d = state.dataset();
    let default_dir = renku_lib::dataset::default_data_dir(project.root())?;
    if args.format == ShowFormat::Json {
        print_json(&serde_json::json!({
            "slug": d.slug,
            "name": d.name,
            "identifier": d.identifier,
            "description": d.description,
            "creators": d.creators.iter().map(person_json).collect::<Vec<_>>(),
            "keywords": d.keywords,
            "version": d.version,
            "created_at": d.date_created.map(|t| t.to_rfc3339()),
            "date_published": d.date_published.map(|t| t.to_rfc3339()),
            "date_modified": d.date_modified.to_rfc3339(),
            "license": d.license,
            "storage": d.storage,
            "data_directory": d.data_dir(&default_dir),
            "same_as": d.same_as.as_ref().map(|u| u.url.clone()),
            "images": d.images.iter().map(|i| serde_json::json!({"content_url": i.content_url, "position": i.position})).collect::<Vec<_>>(),
            "annotations": d.annotations.iter().map(|a| serde_json::json!({"id": a.id, "body": a.body, "source": a.source})).collect::<Vec<_>>(),
        }))?;
        return Ok(0);
    }
    let created = d
        .date_created
        .or(d.date_published)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S%:z").to_string())
        .unwrap_or_default();
    crate::outln!("Slug: {}", d.slug);
    crate::outln!("Created: {created}");
    crate::outln!("Data Directory: {}", d.data_dir(&default_dir));
    crate::outln!(
        "Creator(s): {}",
        d.creators
            .iter()
            .map(|c| c.full_identity())
            .collect::<Vec<_>>()
            .join(", ")
    );
    crate::outln!("Keywords: {}", d.keywords.join(", "));
    crate::outln!("Version: {}", d.version.clone().unwrap_or_default());
    crate::outln!("Storage: {}", d.storage.clone().unwrap_or_default());
    crate::outln!("Annotations: ");
    if !d.annotations.is_empty() {
        let list: Vec<serde_json::Value> = d
            .annotations
            .iter()
            .map(|a| serde_json::json!({"id": a.id, "body": a.body, "source": a.source}))
            .collect();
        print_json(&serde_json::Value::Array(list))?;
    }
    crate::outln!("Name: {}", d.name);
    crate::outln!("Description: ");
    if let Some(desc) = &d.description {
        crate::outln!("{desc}");
    }
    Ok(0)
}
