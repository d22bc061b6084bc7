//! `renku dataset export`.

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, ValueEnum};
use renku_lib::Result;
use renku_lib::dataset::export::{
    DatasetExportRequest, ExportInteraction, ExportOutcome, ExportTarget, export,
};
use renku_lib::dataset_export::{Destination, ExportProgress, GlobalConfigFile, TokenPrompt};
use renku_lib::model::DatasetTag;

use super::progress::TransferBar;
use crate::commands::Env;

/// Where `dataset export` writes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Provider {
    /// Zenodo (the server of RENKU_ZENODO_URL, default https://zenodo.org).
    Zenodo,
    /// OLOS (not supported).
    Olos,
    /// A Dataverse installation.
    Dataverse,
    /// A directory.
    Local,
}

/// Export a dataset version to a directory, Zenodo or Dataverse.
///
/// Exports the current version, or the version tagged --tag; when the dataset has tags and
/// none is given, asks which one (default: the current version, <HEAD>). The files are
/// exported with their content as recorded at that version. The repository must be clean.
///
/// local: copies the files (paths relative to the dataset's data directory) and a
/// METADATA.yml into --path (relative to the project root), default
/// <data directory>/<slug> or <data directory>/<slug>-<tag>; the directory must be missing
/// or empty.
///
/// zenodo, dataverse: deposits the files with the dataset's metadata, as a draft unless
/// --publish. The access token is read from the global configuration
/// (zenodo.access_token, dataverse.access_token) or asked for and then stored there.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The dataset.
    pub slug: String,
    /// Where to export to.
    #[arg(value_enum)]
    pub provider: Provider,
    /// Dataset tag to export.
    #[arg(short = 't', long)]
    pub tag: Option<String>,
    /// Publish the exported dataset (zenodo, dataverse).
    #[arg(long)]
    pub publish: bool,
    /// Dataverse name (collection alias) to export to (dataverse).
    #[arg(long = "dataverse-name")]
    pub dataverse_name: Option<String>,
    /// Dataverse server URL (dataverse; default: the global dataverse.server_url).
    #[arg(long = "dataverse-server")]
    pub dataverse_server: Option<String>,
    /// DLCM server base URL (olos).
    #[arg(long = "dlcm-server")]
    pub dlcm_server: Option<String>,
    /// Path to copy data to (local), relative to the project root.
    ///
    /// After `dataset export` this is the destination; the project's location (the global
    /// --path) then is the current directory.
    #[arg(short = 'p', long = "path", value_name = "PATH")]
    pub path: Option<PathBuf>,
}

/// Where `-p/--path` was given: clap gives the global `--path` (the project's location) and
/// this command's `-p/--path` (the destination) one value, so the command line tells which
/// was meant. Returns whether it appeared after `dataset export` and whether before it.
fn path_positions(argv: &[String]) -> (bool, bool) {
    let is_path = |a: &String| {
        a == "--path" || a.starts_with("--path=") || (a.starts_with("-p") && !a.starts_with("--"))
    };
    let command = argv.iter().position(|a| a == "dataset").and_then(|d| {
        argv[d + 1..]
            .iter()
            .position(|a| a == "export")
            .map(|e| d + 1 + e)
    });
    let Some(at) = command else {
        return (false, argv.iter().any(is_path));
    };
    let before = argv[..at]
        .iter()
        .any(|a| a == "--path" || a.starts_with("--path="));
    let after = argv[at + 1..]
        .iter()
        .take_while(|a| *a != "--")
        .any(is_path);
    (after, before)
}

/// The terminal side of an export: the tag menu, the token prompt and a progress bar.
struct Terminal {
    bar: Arc<TransferBar>,
}

impl ExportInteraction for Terminal {
    fn choose_tag(&self, tags: &[DatasetTag]) -> Result<Option<usize>> {
        let mut menu = String::from("Tag to export: \n\n<HEAD>\t[1]\n");
        for (i, t) in tags.iter().enumerate() {
            menu.push_str(&format!("{}\t[{}]\n", t.name, i + 2));
        }
        let count = tags.len() + 1;
        loop {
            crate::outln!("{menu}");
            // End of input (non-interactive use) means the default, the current version.
            let Some(answer) = crate::ui::ask("Tag [1]: ") else {
                return Ok(None);
            };
            if answer.is_empty() {
                return Ok(None);
            }
            match answer.parse::<usize>() {
                Ok(1) => return Ok(None),
                Ok(n) if (2..=count).contains(&n) => return Ok(Some(n - 2)),
                Ok(n) => crate::ui::warning(&format!(
                    "{n} is not a valid choice. Selected value has to be between 1 and {count}"
                )),
                Err(_) => crate::ui::error(&format!("'{answer}' is not a valid integer.")),
            }
        }
    }

    fn token_prompt(&self) -> &dyn TokenPrompt {
        self
    }

    fn progress(&self) -> Arc<dyn ExportProgress> {
        self.bar.clone()
    }
}

impl TokenPrompt for Terminal {
    fn ask_token(&self, message: &str) -> Result<String> {
        let (intro, prompt) = message.rsplit_once('\n').unwrap_or(("", message));
        if !intro.is_empty() {
            eprintln!("{intro}");
        }
        let prompt = format!("{prompt}: ");
        if crate::ui::interactive() {
            // Hidden input on a terminal.
            eprint!("{prompt}");
            return rpassword::read_password()
                .map_err(|e| renku_lib::Error::io("Cannot read the access token", e));
        }
        Ok(crate::ui::ask(&prompt).unwrap_or_default())
    }
}

/// Runs `renku dataset export`.
pub fn run(env: &Env, args: ExportArgs) -> Result<u8> {
    let (destination_given, location_given) = path_positions(&env.ctx.argv);
    let (project, destination) = if destination_given {
        if location_given {
            return Err(renku_lib::Error::Usage(
                "Cannot give both the project's location (--path before the command) and the destination (-p/--path of 'dataset export'); run the command inside the project instead.".into(),
            ));
        }
        let project = renku_lib::repo::ProjectDir::discover(&env.cwd()?)?;
        (project, args.path)
    } else {
        (env.project()?, None)
    };
    let target = match args.provider {
        Provider::Local => ExportTarget::Local { path: destination },
        Provider::Zenodo => ExportTarget::Remote {
            destination: Destination::Zenodo { base_url: None },
            publish: args.publish,
        },
        Provider::Dataverse => ExportTarget::Remote {
            destination: Destination::Dataverse {
                server: args.dataverse_server,
                dataverse_name: args.dataverse_name,
            },
            publish: args.publish,
        },
        Provider::Olos => ExportTarget::Olos {
            dlcm_server: args.dlcm_server,
        },
    };
    let request = DatasetExportRequest {
        slug: args.slug,
        tag: args.tag,
        target,
    };
    let ui = Terminal {
        bar: Arc::new(TransferBar::new("Exporting")),
    };
    let outcome = export(&project, &request, &GlobalConfigFile::user()?, &ui);
    ui.bar.finish();
    match outcome? {
        ExportOutcome::Local {
            directory,
            metadata_file,
        } => {
            crate::outln!("Dataset metadata was copied to {}", metadata_file.display());
            crate::outln!("Exported to: {}", directory.display());
        }
        ExportOutcome::Remote(exported) => {
            crate::outln!("Exported to: {}", exported.url);
        }
    }
    crate::outln!("OK");
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn tells_the_destination_from_the_project_location() {
        assert_eq!(
            path_positions(&argv("dataset export d1 local -p out")),
            (true, false)
        );
        assert_eq!(
            path_positions(&argv("dataset export --path=out d1 local")),
            (true, false)
        );
        assert_eq!(
            path_positions(&argv("--path proj dataset export d1 local")),
            (false, true)
        );
        assert_eq!(
            path_positions(&argv("dataset --path proj export d1 local")),
            (false, true)
        );
        assert_eq!(
            path_positions(&argv("--path p dataset export export local --path o")),
            (true, true)
        );
        assert_eq!(
            path_positions(&argv("dataset export d1 local")),
            (false, false)
        );
    }
}
