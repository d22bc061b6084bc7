//! `renku template show`.

use clap::Args;
use renku_lib::{Error, Result};

use crate::commands::Env;

/// Show details of a template.
///
/// Without TEMPLATE_ID, inside a project, shows the project's template.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Template id.
    pub template_id: Option<String>,
    /// Template repository: git URL or local path.
    #[arg(short = 's', long)]
    pub source: Option<String>,
    /// Branch, tag or commit of the template repository.
    #[arg(short = 'r', long)]
    pub reference: Option<String>,
}

/// Runs `renku template show`.
pub fn run(env: &Env, args: ShowArgs) -> Result<u8> {
    let (mut source, mut reference, mut id) = (args.source, args.reference, args.template_id);
    if id.is_none() {
        let project = env.project().map_err(|_| {
            Error::Usage(
                "Give a TEMPLATE_ID, or run the command inside a project to show its template."
                    .into(),
            )
        })?;
        let p = renku_lib::project::show::show(&project)?;
        let t = p
            .template
            .ok_or_else(|| Error::Failed("The project has no template.".into()))?;
        if source.is_none() && t.source != "renku" {
            source = Some(t.source.clone());
            reference = reference.or(t.reference.clone());
        }
        id = Some(t.id);
    }
    let id = id.unwrap_or_default();
    let (src, _) = renku_lib::template::ops::list(source.as_deref(), reference.as_deref())?;
    let t = src.template(&id)?;
    crate::outln!("Id: {}", t.id());
    crate::outln!("Id aliases: {}", t.aliases.join(", "));
    crate::outln!("Name: {}", t.name);
    crate::outln!("Source: {}", src.source);
    crate::outln!("Reference: {}", src.reference.as_deref().unwrap_or(""));
    crate::outln!("Version: {}", src.version.as_deref().unwrap_or(""));
    crate::outln!("Description: {}", t.description);
    crate::outln!("Parameters:");
    for (name, var) in &t.variables {
        let mut extra = Vec::new();
        if let Some(k) = var.kind {
            extra.push(format!("type: {}", format!("{k:?}").to_lowercase()));
        }
        if let Some(c) = &var.choices {
            let list: Vec<String> = c
                .iter()
                .map(renku_lib::template::manifest::value_to_text)
                .collect();
            extra.push(format!("values: {}", list.join(", ")));
        }
        if let Some(d) = &var.default_value {
            extra.push(format!(
                "default: {}",
                renku_lib::template::manifest::value_to_text(d)
            ));
        }
        crate::outln!("\t{name}: {} ({})", var.description, extra.join("; "));
    }
    crate::outln!("Immutable files: {}", t.immutable_template_files.join(", "));
    crate::outln!(
        "SSH Supported: {}",
        if t.ssh_supported { "True" } else { "False" }
    );
    Ok(0)
}
