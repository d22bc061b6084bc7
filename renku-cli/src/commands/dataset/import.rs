//! `renku dataset import`.

use clap::Args;
use renku_lib::Result;
use renku_lib::dataset::create::resolve_datadir;
use renku_lib::dataset::import::{ImportInteraction, ImportRequest, import};
use renku_lib::dataset_remote::RemoteDataset;
use renku_lib::dataset_remote::download::DownloadProgress;

use super::human_size;
use super::progress::DownloadBar;
use crate::commands::Env;

/// Import a dataset from Zenodo, Dataverse, a DOI or another Renku project.
///
/// Lists the files and asks before downloading them (unless -y); the dataset is recorded
/// with the remote metadata, a tag named after the remote version, and committed.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Record URL, DOI or Renku dataset URL.
    pub uri: String,
    /// Slug of the new dataset (default: from the remote title).
    #[arg(
        short = 's',
        long = "slug",
        visible_alias = "name",
        alias = "short-name"
    )]
    pub slug: Option<String>,
    /// Unpack downloaded archives.
    #[arg(short = 'x', long)]
    pub extract: bool,
    /// Do not ask for confirmation.
    #[arg(short = 'y', long = "yes")]
    pub yes: bool,
    /// Data directory of the new dataset.
    #[arg(long)]
    pub datadir: Option<String>,
    /// Import the version with this tag (Renku datasets).
    #[arg(long)]
    pub tag: Option<String>,
}

struct Terminal {
    yes: bool,
    bar: DownloadBar,
}

impl ImportInteraction for Terminal {
    fn warning(&mut self, message: &str) {
        crate::ui::warning(message);
    }
    fn confirm(&mut self, remote: &RemoteDataset) -> bool {
        let rows: Vec<Vec<String>> = remote
            .files
            .iter()
            .map(|f| {
                vec![
                    f.path
                        .as_ref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_else(|| f.url.clone()),
                    f.size.map(human_size).unwrap_or_default(),
                    f.file_type.clone().unwrap_or_default(),
                ]
            })
            .collect();
        if !rows.is_empty() {
            crate::out!(
                "{}",
                crate::ui::table(&["name", "size", "type"], &rows, &[false, true, false])
            );
        }
        self.yes || crate::ui::confirm("Do you wish to download this version?")
    }
    fn progress(&self) -> &dyn DownloadProgress {
        &self.bar
    }
}

/// Runs `renku dataset import`.
pub fn run(env: &Env, args: ImportArgs) -> Result<u8> {
    let project = env.project()?;
    let datadir = match &args.datadir {
        Some(d) => Some(resolve_datadir(&project, &env.cwd()?, d)?),
        None => None,
    };
    let request = ImportRequest {
        uri: args.uri,
        slug: args.slug,
        extract: args.extract,
        datadir,
        tag: args.tag,
        jobs: 4,
    };
    let mut ui = Terminal {
        yes: args.yes,
        bar: DownloadBar::new(),
    };
    let imported = import(&env.ctx, &project, &request, &mut ui)?;
    drop(ui);
    crate::ui::lfs_message(&imported.lfs);
    crate::outln!("OK");
    Ok(0)
}
