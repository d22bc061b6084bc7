//! `renku dataset ls`.

use clap::{Args, ValueEnum};
use renku_lib::Result;
use renku_lib::dataset::Datasets;

use super::{parse_columns, person_json, print_json};
use crate::commands::Env;

/// Output format of `dataset ls`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LsFormat {
    /// A table.
    Tabular,
    /// Each dataset's flattened JSON-LD (a list of node lists).
    JsonLd,
    /// JSON.
    Json,
}

const COLUMNS: &[&str] = &[
    "id",
    "created",
    "date_created",
    "short_name",
    "name",
    "slug",
    "creators",
    "creators_full",
    "tags",
    "version",
    "title",
    "keywords",
    "description",
    "storage",
    "datadir",
];

/// List the project's datasets.
#[derive(Debug, Args)]
pub struct LsArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "tabular")]
    pub format: LsFormat,
    /// Comma-separated columns: id, created, date_created, short_name, name, slug, creators,
    /// creators_full, tags, version, title, keywords, description, storage, datadir.
    #[arg(
        short = 'c',
        long,
        default_value = "id,slug,name,version,datadir,storage"
    )]
    pub columns: String,
}

/// Runs `renku dataset ls`.
pub fn run(env: &Env, args: LsArgs) -> Result<u8> {
    let columns = parse_columns(&args.columns, COLUMNS)?;
    let project = env.project()?;
    let store = project.store();
    let datasets = Datasets::load(&store)?;
    let all = datasets.all()?;
    let default_dir = renku_lib::dataset::default_data_dir(project.root())?;
    match args.format {
        LsFormat::JsonLd => {
            let project_id = store.project()?.data.id;
            let list = all
                .iter()
                .map(|s| {
                    renku_lib::graph::build::dataset_version_json_ld(
                        s.dataset(),
                        s.files(),
                        &project_id,
                    )
                })
                .collect::<Result<Vec<_>>>()?;
            print_json(&serde_json::Value::Array(list))?;
        }
        LsFormat::Json => {
            let list: Vec<serde_json::Value> = all
                .iter()
                .map(|s| {
                    let d = s.dataset();
                    serde_json::json!({
                        "slug": d.slug,
                        "version": d.version,
                        "created_at": d.date_created.map(|t| t.to_rfc3339()),
                        "date_published": d.date_published.map(|t| t.to_rfc3339()),
                        "name": d.name,
                        "creators": d.creators.iter().map(person_json).collect::<Vec<_>>(),
                        "description": d.description,
                        "keywords": d.keywords,
                        "identifier": d.identifier,
                        "storage": d.storage,
                        "annotations": d.annotations.iter().map(|a| serde_json::json!({"id": a.id, "body": a.body, "source": a.source})).collect::<Vec<_>>(),
                        "data_directory": d.data_dir(&default_dir),
                    })
                })
                .collect();
            print_json(&serde_json::Value::Array(list))?;
        }
        LsFormat::Tabular => {
            let mut rows: Vec<Vec<String>> = Vec::new();
            for s in &all {
                let d = s.dataset();
                let tags = if columns.iter().any(|c| c == "tags") {
                    datasets
                        .tags(&d.initial_identifier)?
                        .iter()
                        .map(|t| t.data.name.clone())
                        .collect::<Vec<_>>()
                        .join(",")
                } else {
                    String::new()
                };
                rows.push(
                    columns
                        .iter()
                        .map(|c| match c.as_str() {
                            "id" => d.identifier.clone(),
                            "created" | "date_created" => d
                                .date_created
                                .or(d.date_published)
                                .map(|t| super::table_date(&t))
                                .unwrap_or_default(),
                            "short_name" | "slug" => d.slug.clone(),
                            "name" | "title" => d.name.clone(),
                            "creators" => d
                                .creators
                                .iter()
                                .map(|p| p.name.clone())
                                .collect::<Vec<_>>()
                                .join(", "),
                            "creators_full" => d
                                .creators
                                .iter()
                                .map(|p| p.full_identity())
                                .collect::<Vec<_>>()
                                .join(", "),
                            "tags" => tags.clone(),
                            "version" => d.version.clone().unwrap_or_default(),
                            "keywords" => d.keywords.join(", "),
                            "description" => wrap(d.description.as_deref().unwrap_or("")),
                            "storage" => d.storage.clone().unwrap_or_default(),
                            "datadir" => d.data_dir(&default_dir),
                            _ => String::new(),
                        })
                        .collect(),
                );
            }
            rows.sort_by(|a, b| a.first().cmp(&b.first()));
            let headers: Vec<String> = columns.iter().map(|c| header(c)).collect();
            let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
            let right = vec![false; headers.len()];
            crate::out!("{}", crate::ui::table(&headers, &rows, &right));
        }
    }
    Ok(0)
}

fn header(column: &str) -> String {
    match column {
        "created" | "date_created" => "date_created".into(),
        "short_name" => "slug".into(),
        other => other.to_string(),
    }
}

/// The description cut to 5 lines of at most 64 characters.
fn wrap(text: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > 64 {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    if lines.len() > 5 {
        lines.truncate(5);
        if let Some(last) = lines.last_mut() {
            last.push_str(" ...");
        }
    }
    lines.join(" ")
}
