//! `renku dataset`.

pub mod add;
pub mod create;
pub mod edit;
pub mod export;
pub mod import;
pub mod ls;
pub mod ls_files;
pub mod ls_tags;
pub mod progress;
pub mod pull;
pub mod rm;
pub mod rm_tags;
pub mod show;
pub mod storage_ui;
pub mod tag;
pub mod unlink;
pub mod update;

use clap::Subcommand;
use renku_lib::Result;

use super::Env;

/// Work with datasets: versioned collections of files with metadata.
#[derive(Debug, Subcommand)]
pub enum DatasetCommand {
    Create(create::CreateArgs),
    Add(add::AddArgs),
    Ls(ls::LsArgs),
    #[command(name = "ls-files")]
    LsFiles(ls_files::LsFilesArgs),
    Show(show::ShowArgs),
    Edit(edit::EditArgs),
    Import(import::ImportArgs),
    Export(export::ExportArgs),
    Rm(rm::RmArgs),
    Unlink(unlink::UnlinkArgs),
    Tag(tag::TagArgs),
    #[command(name = "rm-tags")]
    RmTags(rm_tags::RmTagsArgs),
    #[command(name = "ls-tags")]
    LsTags(ls_tags::LsTagsArgs),
    Update(update::UpdateArgs),
    Pull(pull::PullArgs),
}

/// Runs a `renku dataset` command.
pub fn run(env: &Env, cmd: DatasetCommand) -> Result<u8> {
    match cmd {
        DatasetCommand::Create(a) => create::run(env, a),
        DatasetCommand::Add(a) => add::run(env, a),
        DatasetCommand::Ls(a) => ls::run(env, a),
        DatasetCommand::LsFiles(a) => ls_files::run(env, a),
        DatasetCommand::Show(a) => show::run(env, a),
        DatasetCommand::Edit(a) => edit::run(env, a),
        DatasetCommand::Import(a) => import::run(env, a),
        DatasetCommand::Export(a) => export::run(env, a),
        DatasetCommand::Rm(a) => rm::run(env, a),
        DatasetCommand::Unlink(a) => unlink::run(env, a),
        DatasetCommand::Tag(a) => tag::run(env, a),
        DatasetCommand::RmTags(a) => rm_tags::run(env, a),
        DatasetCommand::LsTags(a) => ls_tags::run(env, a),
        DatasetCommand::Update(a) => update::run(env, a),
        DatasetCommand::Pull(a) => pull::run(env, a),
    }
}

/// Parses a `--columns` list against the valid names (case-insensitive, trimmed).
pub fn parse_columns(text: &str, valid: &[&str]) -> Result<Vec<String>> {
    let columns: Vec<String> = text
        .split(',')
        .map(|c| c.trim().to_lowercase())
        .filter(|c| !c.is_empty())
        .collect();
    if let Some(bad) = columns.iter().find(|c| !valid.contains(&c.as_str())) {
        return Err(renku_lib::Error::Usage(format!(
            "Invalid column name: \"{bad}\".\nPossible values: {}",
            valid.join(", ")
        )));
    }
    Ok(columns)
}

/// A date as the tables print it.
pub fn table_date(d: &chrono::DateTime<chrono::FixedOffset>) -> String {
    use chrono::{Datelike, Timelike};
    // `%Y-%m-%d %H:%M:%S` without parsing the format string for every row.
    if (0..=9999).contains(&d.year()) && d.nanosecond() < 1_000_000_000 {
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            d.year(),
            d.month(),
            d.day(),
            d.hour(),
            d.minute(),
            d.second()
        )
    } else {
        d.format("%Y-%m-%d %H:%M:%S").to_string()
    }
}

/// A size as renku prints it (`6  B`, `2.0 KB`, `1.5 MB`).
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["KB", "MB", "GB", "TB", "PB"];
    if bytes < 1000 {
        return format!("{bytes}  B");
    }
    let mut value = bytes as f64 / 1000.0;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// Renders `value` as pretty JSON on stdout.
pub fn print_json(value: &serde_json::Value) -> Result<()> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| renku_lib::Error::Failed(format!("cannot render JSON: {e}")))?;
    crate::outln!("{text}");
    Ok(())
}

/// A person as the JSON outputs show creators.
pub fn person_json(p: &renku_lib::model::Person) -> serde_json::Value {
    serde_json::json!({"name": p.name, "email": p.email, "affiliation": p.affiliation})
}
