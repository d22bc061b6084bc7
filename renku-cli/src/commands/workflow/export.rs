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
    /// CWL v1.0: a CommandLineTool for a plan, a Workflow for a composite plan (runs with
    /// cwltool).
    Cwl,
    /// A renku workflow file.
    Renku,
}

/// Export a plan as CWL or as a renku workflow file.
///
/// A composite plan becomes a CWL Workflow with one step per plan it runs, each reading what
/// earlier steps write from their outputs, and its mappings as workflow inputs; or a workflow
/// file with one step per child plan. The values are those `renku workflow execute` would run
/// with (`--values` applied).
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
    /// YAML file mapping parameter names (for a composite: mappings and STEP.NAME, or nested
    /// mappings) to the values to export with.
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
