//! `renku template set`.

use clap::Args;
use renku_lib::Result;
use renku_lib::template::ops::{TemplateChange, set};

use crate::commands::Env;

/// Set the template of the current project: render it into the project and record it.
///
/// A project that already has a template needs --force.
#[derive(Debug, Args)]
pub struct SetArgs {
    /// Template id (default: python-minimal).
    pub template_id: Option<String>,
    /// Template repository: git URL or local path.
    #[arg(short = 's', long)]
    pub source: Option<String>,
    /// Branch, tag or commit of the template repository.
    #[arg(short = 'r', long)]
    pub reference: Option<String>,
    /// Template parameter as KEY=VALUE (repeatable).
    #[arg(short = 'p', long = "parameter", value_name = "KEY=VALUE")]
    pub parameters: Vec<String>,
    /// Replace the project's current template.
    #[arg(short = 'f', long)]
    pub force: bool,
    /// Only show what would change.
    #[arg(short = 'n', long = "dry-run")]
    pub dry_run: bool,
}

/// Runs `renku template set`.
pub fn run(env: &Env, args: SetArgs) -> Result<u8> {
    let parameters = args
        .parameters
        .iter()
        .map(|p| renku_lib::template::parse_parameter(p))
        .collect::<Result<Vec<_>>>()?;
    let project = env.project()?;
    let change = TemplateChange {
        template_id: args.template_id,
        source: args.source,
        reference: args.reference,
        parameters,
        force: args.force,
        dry_run: args.dry_run,
    };
    let report = set(&env.ctx, &project, &change)?;
    if args.dry_run {
        crate::outln!("Id: {}", report.template_id);
        crate::outln!(
            "Old Id: {}",
            report.old_template_id.as_deref().unwrap_or("")
        );
        crate::outln!("Source: {}", report.source);
        crate::outln!(
            "New reference: {}",
            report.reference.as_deref().unwrap_or("")
        );
        crate::outln!("New version: {}", report.version.as_deref().unwrap_or(""));
        crate::outln!("File changes:");
    }
    super::print_file_actions(&report.files, args.dry_run);
    if !args.dry_run {
        crate::outln!("OK");
    }
    Ok(0)
}
