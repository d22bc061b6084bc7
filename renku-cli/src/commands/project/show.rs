//! `renku project show`.

use clap::{Args, ValueEnum};
use renku_lib::Result;

use crate::commands::Env;

/// Output format of `project show`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ShowFormat {
    /// Human-readable lines.
    Text,
    /// JSON.
    Json,
}

/// Show the project's metadata.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ShowFormat,
}

/// Runs `renku project show`.
pub fn run(env: &Env, args: ShowArgs) -> Result<u8> {
    let project = env.project()?;
    let p = renku_lib::project::show::show(&project)?;
    match args.format {
        ShowFormat::Json => {
            let text = serde_json::to_string_pretty(&p)
                .map_err(|e| renku_lib::Error::Failed(e.to_string()))?;
            crate::outln!("{text}");
        }
        ShowFormat::Text => {
            crate::outln!("Id: {}", p.id);
            crate::outln!("Name: {}", p.name);
            crate::outln!(
                "Description: {}",
                p.description
                    .as_deref()
                    .filter(|d| !d.is_empty())
                    .unwrap_or("None")
            );
            crate::outln!("Creator: {}", p.creator);
            crate::outln!("Created: {}", p.date_created.to_rfc3339());
            crate::outln!("Keywords: {}", p.keywords.join(", "));
            crate::outln!("Renku Version: {}", p.agent_version);
            match &p.template {
                Some(t) => {
                    crate::outln!(
                        "Project Template: {} ({})",
                        t.id,
                        t.version.as_deref().unwrap_or("")
                    );
                    crate::outln!(
                        "SSH Supported: {}",
                        if t.ssh_supported { "True" } else { "False" }
                    );
                }
                None => crate::outln!("Project Template: "),
            }
            if let Some(img) = &p.image {
                crate::outln!("Image: {}", img.content_url);
            }
            if !p.annotations.is_empty() {
                let bodies: Vec<&serde_json::Value> =
                    p.annotations.iter().map(|a| &a.body).collect();
                crate::outln!(
                    "Annotations: {}",
                    serde_json::to_string(&bodies).unwrap_or_default()
                );
            }
        }
    }
    Ok(0)
}
