//! `renku log`.

use clap::{Args, ValueEnum};
use renku_lib::Result;
use renku_lib::workflow::log::{LogEntry, log};

use super::Env;

/// Output format of `renku log`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// One block per entry with all details.
    Detailed,
    /// Same as `detailed`.
    Text,
    /// A table (`--columns`).
    Tabular,
    /// JSON.
    Json,
}

/// Show the history of the project's recorded work and dataset changes, newest first.
#[derive(Debug, Args)]
pub struct LogArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "detailed")]
    pub format: LogFormat,
    /// Columns of the tabular format: id, date, type, description, actors.
    #[arg(long, default_value = "date,type,description")]
    pub columns: String,
    /// Only workflow executions.
    #[arg(short = 'w', long)]
    pub workflows: bool,
    /// Only dataset changes.
    #[arg(short = 'd', long)]
    pub datasets: bool,
    /// Accepted for compatibility; output is never paged.
    #[arg(long = "no-pager")]
    pub no_pager: bool,
    /// Accepted for compatibility; output is not colored.
    #[arg(long = "no-color")]
    pub no_color: bool,
}

/// Runs `renku log`.
pub fn run(env: &Env, args: LogArgs) -> Result<u8> {
    let project = env.project()?;
    let columns: Vec<String> = args
        .columns
        .split(',')
        .map(|c| c.trim().to_lowercase())
        .filter(|c| !c.is_empty())
        .collect();
    const VALID: [&str; 5] = ["id", "date", "type", "description", "actors"];
    if let Some(bad) = columns.iter().find(|c| !VALID.contains(&c.as_str())) {
        return Err(renku_lib::Error::Usage(format!(
            "Invalid column name: \"{bad}\".\nPossible values: {}",
            VALID.join(", ")
        )));
    }
    let both = args.workflows == args.datasets;
    let mut entries: Vec<LogEntry> = log(&project, both || args.workflows, both || args.datasets)?;
    match args.format {
        LogFormat::Json => {
            // Oldest first, as the reference writes it.
            entries.sort_by_key(|e| e.date);
            let text = serde_json::to_string_pretty(&entries)
                .map_err(|e| renku_lib::Error::Failed(e.to_string()))?;
            crate::outln!("{text}");
        }
        LogFormat::Detailed | LogFormat::Text => {
            // One blank line between entries, none after the last, as the reference.
            let texts: Vec<&str> = entries
                .iter()
                .map(|e| e.text.trim_end_matches('\n'))
                .collect();
            if !texts.is_empty() {
                crate::outln!("{}", texts.join("\n\n"));
            }
        }
        LogFormat::Tabular => {
            // Sorted by the first column, descending, as the reference does.
            match columns.first().map(String::as_str) {
                Some("date") | None => {}
                Some("id") => entries.sort_by(|a, b| b.id.cmp(&a.id)),
                Some("type") => entries.sort_by(|a, b| b.kind.cmp(&a.kind)),
                Some("description") => entries.sort_by(|a, b| b.description.cmp(&a.description)),
                Some(_) => entries.sort_by_key(|e| std::cmp::Reverse(e.agents.join(", "))),
            }
            let rows: Vec<Vec<String>> = entries
                .iter()
                .map(|e| {
                    columns
                        .iter()
                        .map(|c| match c.as_str() {
                            "id" => e.id.clone(),
                            "date" => e.date.format("%Y-%m-%d %H:%M:%S").to_string(),
                            "type" => e.kind.clone(),
                            "description" => e.description.clone(),
                            _ => e.agents.join(", "),
                        })
                        .collect()
                })
                .collect();
            let headers: Vec<&str> = columns.iter().map(String::as_str).collect();
            crate::out!("{}", crate::ui::table(&headers, &rows, &[]));
        }
    }
    Ok(0)
}
