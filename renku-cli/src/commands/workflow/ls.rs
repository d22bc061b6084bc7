//! `renku workflow ls`.

use clap::{Args, ValueEnum};
use renku_lib::{Error, Result};

use crate::commands::Env;

/// Output format of `workflow ls`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LsFormat {
    /// A table.
    Tabular,
    /// JSON.
    Json,
}

/// List the newest version of every plan that is not removed.
#[derive(Debug, Args)]
pub struct LsArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "tabular")]
    pub format: LsFormat,
    /// Columns: id, name, keywords, description, command.
    #[arg(short = 'c', long, default_value = "id,name,command")]
    pub columns: String,
}

/// Runs `renku workflow ls`.
pub fn run(env: &Env, args: LsArgs) -> Result<u8> {
    let project = env.project()?;
    let plans = renku_lib::workflow::query::list_plans(&project)?;
    let columns: Vec<String> = args
        .columns
        .split(',')
        .map(|c| c.trim().to_lowercase())
        .filter(|c| !c.is_empty())
        .collect();
    const VALID: [&str; 5] = ["id", "name", "keywords", "description", "command"];
    if let Some(bad) = columns.iter().find(|c| !VALID.contains(&c.as_str())) {
        return Err(Error::Usage(format!(
            "Invalid column name: \"{bad}\".\nPossible values: {}",
            VALID.join(", ")
        )));
    }
    match args.format {
        LsFormat::Json => {
            let list: Vec<serde_json::Value> = plans
                .iter()
                .map(|p| {
                    serde_json::json!({
                        "id": p.id, "name": p.name, "description": p.description,
                        "keywords": p.keywords, "command": p.full_command(),
                        "creators": p.creators.iter().map(|c| c.full_identity()).collect::<Vec<_>>(),
                        "created": p.date_created, "type": if p.is_composite() { "CompositePlan" } else { "Plan" },
                    })
                })
                .collect();
            let text =
                serde_json::to_string_pretty(&list).map_err(|e| Error::Failed(e.to_string()))?;
            crate::outln!("{text}");
        }
        LsFormat::Tabular => {
            let mut rows: Vec<Vec<String>> = plans
                .iter()
                .map(|p| {
                    columns
                        .iter()
                        .map(|c| match c.as_str() {
                            "id" => p.id.clone(),
                            "name" => p.name.clone(),
                            "keywords" => p.keywords.join(", "),
                            "description" => p.description.clone().unwrap_or_default(),
                            _ => p.full_command(),
                        })
                        .collect()
                })
                .collect();
            rows.sort();
            let headers: Vec<&str> = columns.iter().map(String::as_str).collect();
            crate::out!("{}", crate::ui::table(&headers, &rows, &[]));
        }
    }
    Ok(0)
}
