//! `renku workflow export`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use renku_lib::workflow::export::{ExportFormat, export_plan};
use renku_lib::{Error, Result};

use crate::commands::Env;

/// Export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A CWL v1.0 CommandLineTool (runs with cwltool).
    Cwl,
    /// A renku workflow file.
    Renku,
}

/// Export a plan as CWL or as a renku workflow file.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Plan name or id.
    pub name_or_id: String,
    /// Output format.
    #[arg(short = 'f', long, value_enum, default_value = "cwl")]
    pub format: Format,
    /// Write to this file instead of stdout.
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
    /// YAML file mapping parameter names to the values to export with.
    #[arg(long, value_name = "FILE")]
    pub values: Option<PathBuf>,
}

/// Runs `renku workflow export`.
pub fn run(env: &Env, args: ExportArgs) -> Result<u8> {
    let values: BTreeMap<String, serde_json::Value> = match &args.values {
        None => BTreeMap::new(),
        Some(f) => renku_lib::workflow::export::read_values_file(f)?,
    };
    let project = env.project()?;
    let format = match args.format {
        Format::Cwl => ExportFormat::Cwl,
        Format::Renku => ExportFormat::Renku,
    };
    let text = export_plan(&project, &args.name_or_id, format, &values)?;
    match &args.output {
        Some(path) => std::fs::write(path, &text)
            .map_err(|e| Error::io(format!("Cannot write {}", path.display()), e))?,
        None => crate::out!("{text}"),
    }
    Ok(0)
}
