//! `renku dataset ls-tags`.

use clap::{Args, ValueEnum};
use renku_lib::Result;

use super::{print_json, table_date};
use crate::commands::Env;

/// Output format of `dataset ls-tags`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LsTagsFormat {
    /// A table.
    Tabular,
    /// Each tag as a JSON-LD node.
    JsonLd,
    /// JSON.
    Json,
}

/// List the tags of a dataset.
#[derive(Debug, Args)]
pub struct LsTagsArgs {
    /// The dataset.
    pub slug: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "tabular")]
    pub format: LsTagsFormat,
}

/// Runs `renku dataset ls-tags`.
pub fn run(env: &Env, args: LsTagsArgs) -> Result<u8> {
    let project = env.project()?;
    let tags = renku_lib::dataset::tags::list_tags(&project, &args.slug)?;
    if args.format == LsTagsFormat::JsonLd {
        let list = tags
            .iter()
            .map(|t| renku_lib::dataset::tags::tag_json_ld(&t.tag))
            .collect();
        return print_json(&serde_json::Value::Array(list)).map(|_| 0);
    }
    if args.format == LsTagsFormat::Json {
        let list: Vec<serde_json::Value> = tags
            .iter()
            .map(|t| {
                serde_json::json!({
                    "name": t.tag.name,
                    "description": t.tag.description,
                    "created": t.tag.date_created.to_rfc3339(),
                    "dataset": t.dataset_name,
                    "dataset_id": renku_lib::model::Dataset::id_for(&t.tag.dataset_identifier),
                })
            })
            .collect();
        return print_json(&serde_json::Value::Array(list)).map(|_| 0);
    }
    let rows: Vec<Vec<String>> = tags
        .iter()
        .map(|t| {
            vec![
                table_date(&t.tag.date_created),
                t.tag.name.clone(),
                t.tag.description.clone(),
                t.dataset_name.clone(),
                renku_lib::model::Dataset::id_for(&t.tag.dataset_identifier),
            ]
        })
        .collect();
    crate::out!(
        "{}",
        crate::ui::table(
            &["created", "name", "description", "dataset", "dataset id"],
            &rows,
            &[false; 5]
        )
    );
    Ok(0)
}
