//! `renku lfs ls`.

use clap::{Args, ValueEnum};
use renku_lib::storage::list::list;
use renku_lib::storage::size::human;
use renku_lib::{Error, Result};

use crate::commands::Env;

/// Output format of `lfs ls`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LsFormat {
    /// A table.
    Tabular,
    /// JSON.
    Json,
}

/// List the files stored in Git LFS.
///
/// The files of the index committed as LFS pointers: path, object id, size, and whether the
/// content is present in the work tree (`*`) or only its pointer file (`-`). JSON adds
/// `cached`: whether the object is in `.git/lfs/objects`.
#[derive(Debug, Args)]
pub struct LsArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "tabular")]
    pub format: LsFormat,
}

/// Runs `renku lfs ls`.
pub fn run(env: &Env, args: LsArgs) -> Result<u8> {
    let project = env.project()?;
    let files = list(&project)?;
    match args.format {
        LsFormat::Json => {
            let text =
                serde_json::to_string_pretty(&files).map_err(|e| Error::Failed(e.to_string()))?;
            crate::outln!("{text}");
        }
        LsFormat::Tabular => {
            let rows: Vec<Vec<String>> = files
                .iter()
                .map(|f| {
                    vec![
                        project.display_path(&f.path),
                        f.oid.chars().take(10).collect(),
                        human(f.size),
                        if f.present { "*" } else { "-" }.to_string(),
                    ]
                })
                .collect();
            crate::out!(
                "{}",
                crate::ui::table(
                    &["path", "oid", "size", "present"],
                    &rows,
                    &[false, false, true, false]
                )
            );
        }
    }
    Ok(0)
}
