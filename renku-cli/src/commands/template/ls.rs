//! `renku template ls`.

use clap::Args;
use renku_lib::Result;

use crate::commands::Env;

/// List the templates of a template source (default: the bundled templates).
///
/// With the global `-v/--verbose`, descriptions and parameters are shown too.
#[derive(Debug, Args)]
pub struct LsArgs {
    /// Template repository: git URL or local path.
    #[arg(short = 's', long)]
    pub source: Option<String>,
    /// Branch, tag or commit of the template repository.
    #[arg(short = 'r', long)]
    pub reference: Option<String>,
}

/// Runs `renku template ls`.
pub fn run(env: &Env, args: LsArgs) -> Result<u8> {
    let verbose = env.global.verbose > 0;
    let (_src, entries) =
        renku_lib::template::ops::list(args.source.as_deref(), args.reference.as_deref())?;
    let rows: Vec<Vec<String>> = entries
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let mut row = vec![(i + 1).to_string(), t.id().to_string()];
            if verbose {
                row.push(t.description.clone());
                row.push(t.variables.keys().cloned().collect::<Vec<_>>().join(", "));
            }
            row
        })
        .collect();
    let text = if verbose {
        crate::ui::table(
            &["index", "id", "description", "parameters"],
            &rows,
            &[true, false, false, false],
        )
    } else {
        crate::ui::table(&["index", "id"], &rows, &[true, false])
    };
    crate::out!("{text}");
    Ok(0)
}
