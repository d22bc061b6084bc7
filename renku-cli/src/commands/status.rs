//! `renku status`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use renku_lib::Result;
use renku_lib::exec::status::{StatusOptions, StatusReport, status};
use renku_lib::repo::ProjectDir;

use super::Env;

/// Output format of `renku status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusFormat {
    /// Blocks of text, as renku-python prints them.
    Text,
    /// One JSON object (paths relative to the project root).
    Json,
}

/// Show which outputs are out of date and which inputs changed.
///
/// An output is outdated when an input of the run that produced it — or of any run upstream
/// of that one — has changed since (uncommitted changes count). Lists outdated outputs with
/// the inputs that make them outdated, workflow files changed since their steps ran, modified
/// inputs, deleted inputs, and runs without outputs that used a modified input. Exits 1 when
/// something is outdated, 0 otherwise.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Only show the status of these files or directories.
    pub paths: Vec<PathBuf>,
    /// Ignore outputs that were deleted (and the runs whose outputs are all deleted).
    #[arg(short = 'i', long = "ignore-deleted")]
    pub ignore_deleted: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: StatusFormat,
}

/// Runs `renku status`.
pub fn run(env: &Env, args: StatusArgs) -> Result<u8> {
    let project = env.project()?;
    let paths = project_paths(&project, &args.paths)?;
    let report = status(
        &project,
        &StatusOptions {
            paths,
            ignore_deleted: args.ignore_deleted,
        },
    )?;
    match args.format {
        StatusFormat::Json => {
            let json = serde_json::to_string_pretty(&serde_json::json!({
                "outdated": report.is_outdated(),
                "outdated_outputs": report.outdated_outputs,
                "outdated_workflow_files": report.outdated_workflow_files,
                "modified_inputs": report.modified_inputs,
                "deleted_inputs": report.deleted_inputs,
                "outdated_activities": report.outdated_activities,
            }))
            .map_err(|e| renku_lib::Error::Failed(format!("Cannot encode the status: {e}")))?;
            crate::outln!("{json}");
        }
        StatusFormat::Text => crate::out!("{}", render(&project, &report)),
    }
    Ok(if report.is_outdated() { 1 } else { 0 })
}

/// Paths given on the command line (relative to the current directory), relative to the
/// project root; a path outside the project is a usage error.
pub fn project_paths(project: &ProjectDir, paths: &[PathBuf]) -> Result<Vec<String>> {
    paths
        .iter()
        .map(|p| {
            project
                .relative_path(p)
                .map(|r| r.trim_end_matches('/').to_string())
                .ok_or_else(|| {
                    renku_lib::Error::Usage(format!(
                        "Invalid value for '[PATHS]...': Path '{}' is not inside the project.",
                        p.display()
                    ))
                })
        })
        .collect()
}

fn render(project: &ProjectDir, report: &StatusReport) -> String {
    let show = |p: &str| project.display_path(p);
    let joined = |set: &BTreeSet<String>| -> String {
        let mut v: Vec<String> = set.iter().map(|p| show(p)).collect();
        v.sort();
        v.join(", ")
    };
    let lines = |map: &BTreeMap<String, BTreeSet<String>>, show_key: bool| -> String {
        let mut rows: Vec<String> = map
            .iter()
            .map(|(k, v)| {
                let key = if show_key { show(k) } else { k.clone() };
                format!("\t{key}: {}\n", joined(v))
            })
            .collect();
        rows.sort();
        rows.concat()
    };
    if !report.is_outdated()
        && report.modified_inputs.is_empty()
        && report.deleted_inputs.is_empty()
        && report.outdated_workflow_files.is_empty()
    {
        return "Everything is up-to-date.\n".into();
    }
    let mut out = String::new();
    if report.outdated_outputs.is_empty() && report.outdated_activities.is_empty() {
        out.push_str("All files are generated from the latest inputs.\n\n");
    }
    if !report.outdated_outputs.is_empty() {
        out.push_str(&format!(
            "Outdated outputs({}):\n  (use `renku workflow visualize [<file>...]` to see the full lineage)\n  (use `renku update --all` to generate the file from its latest inputs)\n\n",
            report.outdated_outputs.len()
        ));
        out.push_str(&lines(&report.outdated_outputs, true));
        out.push('\n');
    }
    if !report.outdated_workflow_files.is_empty() {
        out.push_str(&format!(
            "Outdated workflow files and their outputs({}):\n  (use `renku run [<workflow-file>]` to generate the outputs from the latest workflow file)\n\n",
            report.outdated_workflow_files.len()
        ));
        out.push_str(&lines(&report.outdated_workflow_files, true));
        out.push('\n');
    }
    if !report.modified_inputs.is_empty() {
        out.push_str(&format!(
            "Modified inputs({}):\n\n",
            report.modified_inputs.len()
        ));
        for p in &report.modified_inputs {
            out.push_str(&format!("\t{}\n", show(p)));
        }
        out.push('\n');
    }
    if !report.deleted_inputs.is_empty() {
        out.push_str("Deleted files used to generate outputs:\n\n");
        for p in &report.deleted_inputs {
            out.push_str(&format!("\t{}\n", show(p)));
        }
        out.push('\n');
    }
    if !report.outdated_activities.is_empty() {
        out.push_str(&format!(
            "Outdated activities that have no outputs({}):\n\n",
            report.outdated_activities.len()
        ));
        out.push_str(&lines(&report.outdated_activities, false));
        out.push('\n');
    }
    out
}
