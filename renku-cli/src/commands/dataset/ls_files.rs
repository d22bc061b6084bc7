//! `renku dataset ls-files`.

use clap::{Args, ValueEnum};
use renku_lib::Result;
use renku_lib::dataset::files::{FileFilter, list_files};

use super::{human_size, parse_columns, person_json, print_json, table_date};
use crate::commands::Env;

/// Output format of `dataset ls-files`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LsFilesFormat {
    /// A table.
    Tabular,
    /// Each file's flattened JSON-LD (a list of node lists).
    JsonLd,
    /// JSON.
    Json,
    /// Comma-separated values.
    Csv,
}

const COLUMNS: &[&str] = &[
    "added",
    "checksum",
    "creators",
    "creators_full",
    "dataset",
    "full_path",
    "path",
    "short_name",
    "dataset_slug",
    "size",
    "lfs",
    "source",
];

/// List the files of datasets.
///
/// Patterns of -I/-X match from the right end of a path, like Python's PurePath.match: `*`
/// does not cross `/`, `**` matches any number of directories.
#[derive(Debug, Args)]
pub struct LsFilesArgs {
    /// Only these datasets (default: all).
    pub slugs: Vec<String>,
    /// List the files of the tagged versions.
    #[arg(short = 't', long)]
    pub tag: Option<String>,
    /// Only datasets having all of these creators (comma-separated names).
    #[arg(long)]
    pub creators: Option<String>,
    /// Only paths matching this pattern (repeatable).
    #[arg(short = 'I', long = "include")]
    pub include: Vec<String>,
    /// No paths matching this pattern (repeatable).
    #[arg(short = 'X', long = "exclude")]
    pub exclude: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "tabular")]
    pub format: LsFilesFormat,
    /// Comma-separated columns: added, checksum, creators, creators_full, dataset, full_path,
    /// path, short_name, dataset_slug, size, lfs, source.
    #[arg(short = 'c', long, default_value = "dataset_slug,path,size,added,lfs")]
    pub columns: String,
}

/// Runs `renku dataset ls-files`.
pub fn run(env: &Env, args: LsFilesArgs) -> Result<u8> {
    let columns = parse_columns(&args.columns, COLUMNS)?;
    let project = env.project()?;
    let filter = FileFilter {
        slugs: args.slugs,
        tag: args.tag,
        creators: renku_lib::dataset::files::creator_names(args.creators.as_deref()),
        include: args.include,
        exclude: args.exclude,
    };
    let files = list_files(&project, &filter)?;
    if args.format == LsFilesFormat::JsonLd {
        let list = files
            .iter()
            .map(|f| renku_lib::graph::build::dataset_file_json_ld(&f.file))
            .collect::<Result<Vec<_>>>()?;
        print_json(&serde_json::Value::Array(list))?;
        return Ok(0);
    }
    if args.format == LsFilesFormat::Json {
        let list: Vec<serde_json::Value> = files
            .iter()
            .map(|f| {
                serde_json::json!({
                    "path": f.file.entity.path,
                    "added": f.file.date_added.to_rfc3339(),
                    "size": f.file.size.map(human_size),
                    "is_lfs": f.is_lfs,
                    "dataset_id": renku_lib::model::Dataset::id_for(&f.dataset_id),
                    "dataset_slug": f.dataset_slug,
                    "creators": f.creators.iter().map(person_json).collect::<Vec<_>>(),
                })
            })
            .collect();
        print_json(&serde_json::Value::Array(list))?;
        return Ok(0);
    }
    let root = project.root();
    let mut rows: Vec<Vec<String>> = files
        .iter()
        .map(|f| {
            columns
                .iter()
                .map(|c| match c.as_str() {
                    "added" => table_date(&f.file.date_added),
                    "checksum" => f.file.entity.checksum.clone(),
                    "creators" => f
                        .creators
                        .iter()
                        .map(|p| p.name.clone())
                        .collect::<Vec<_>>()
                        .join(", "),
                    "creators_full" => f
                        .creators
                        .iter()
                        .map(|p| p.full_identity())
                        .collect::<Vec<_>>()
                        .join(", "),
                    "dataset" => f.dataset_name.clone(),
                    "full_path" => root.join(&f.file.entity.path).display().to_string(),
                    "path" => f.file.entity.path.clone(),
                    "short_name" | "dataset_slug" => f.dataset_slug.clone(),
                    "size" => f.file.size.map(human_size).unwrap_or_default(),
                    "lfs" => {
                        if f.is_lfs {
                            "*".into()
                        } else {
                            String::new()
                        }
                    }
                    "source" => f.file.source.clone().unwrap_or_default(),
                    _ => String::new(),
                })
                .collect()
        })
        .collect();
    // Rows come sorted by dataset, then date added; a stable sort keeps that order within
    // equal first columns.
    rows.sort_by(|a, b| a.first().cmp(&b.first()));
    let headers: Vec<String> = columns
        .iter()
        .map(|c| match c.as_str() {
            "dataset_slug" | "short_name" => "dataset slug".to_string(),
            other => other.replace('_', " "),
        })
        .collect();
    if args.format == LsFilesFormat::Csv {
        let mut out = String::new();
        out.push_str(&csv_line(&headers));
        for r in &rows {
            out.push_str(&csv_line(r));
        }
        crate::out!("{out}");
        return Ok(0);
    }
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    // Sizes are right-aligned; the header of an empty listing is not (as in renku-python).
    let right: Vec<bool> = columns
        .iter()
        .map(|c| c == "size" && !rows.is_empty())
        .collect();
    crate::out!("{}", crate::ui::table(&headers, &rows, &right));
    Ok(0)
}

fn csv_line(cells: &[String]) -> String {
    let quoted: Vec<String> = cells
        .iter()
        .map(|c| {
            if c.contains([',', '"', '\n']) {
                format!("\"{}\"", c.replace('"', "\"\""))
            } else {
                c.clone()
            }
        })
        .collect();
    format!("{}\n", quoted.join(","))
}
