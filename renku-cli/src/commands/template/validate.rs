//! `renku template validate`.

use clap::Args;
use renku_lib::Result;

use crate::commands::Env;

/// Check a template repository: its manifest, that every template folder exists and that every template renders.
///
/// Exits 1 when problems are found.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Template repository: git URL or local path (default: the bundled templates).
    #[arg(short = 's', long)]
    pub source: Option<String>,
    /// Branch, tag or commit of the template repository.
    #[arg(short = 'r', long)]
    pub reference: Option<String>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `renku template validate`.
pub fn run(_env: &Env, args: ValidateArgs) -> Result<u8> {
    let problems =
        renku_lib::template::ops::validate(args.source.as_deref(), args.reference.as_deref())?;
    if args.json {
        let out = serde_json::json!({ "valid": problems.is_empty(), "errors": problems });
        crate::outln!("{out}");
    } else if problems.is_empty() {
        crate::outln!("OK");
    } else {
        for p in &problems {
            crate::ui::error(p);
        }
    }
    Ok(if problems.is_empty() { 0 } else { 1 })
}
