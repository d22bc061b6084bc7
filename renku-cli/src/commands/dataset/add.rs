//! `renku dataset add`.

use std::path::PathBuf;

use clap::Args;
use renku_lib::Result;
use renku_lib::dataset::add::{AddAction, AddInteraction, AddRequest, add};
use renku_lib::dataset::create::{NewDataset, resolve_datadir};

use crate::commands::Env;

/// Add files, directories, URLs or git repositories to a dataset.
///
/// Local files are copied (or moved, or linked) into the dataset's data directory; files
/// already there are registered in place. Git repositories are cloned and the files given
/// with --source (or all) are copied. Everything is committed at once.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// The dataset.
    pub slug: String,
    /// Paths and URLs to add.
    #[arg(value_name = "URLS")]
    pub urls: Vec<String>,
    /// Also add files that .gitignore ignores.
    #[arg(short = 'f', long)]
    pub force: bool,
    /// Replace files already in the dataset.
    #[arg(short = 'o', long)]
    pub overwrite: bool,
    /// Create the dataset if it does not exist.
    #[arg(short = 'c', long)]
    pub create: bool,
    /// Sub-directory of the data directory to add the files to.
    #[arg(short = 'd', long = "destination", visible_alias = "dst")]
    pub destination: Option<String>,
    /// Data directory of a dataset created with --create.
    #[arg(long)]
    pub datadir: Option<String>,
    /// Cloud storage of a dataset created with --create (s3://… or azure://…).
    #[arg(long, value_name = "URI")]
    pub storage: Option<String>,
    /// Branch, tag or commit of a git repository to add from.
    #[arg(short = 'r', long = "ref")]
    pub reference: Option<String>,
    /// Path or glob inside a git repository to add (repeatable).
    #[arg(short = 's', long = "source", visible_alias = "src")]
    pub sources: Vec<String>,
    /// Copy local files into the data directory.
    #[arg(long = "copy", visible_alias = "cp", conflicts_with_all = ["move_files", "link"])]
    pub copy: bool,
    /// Move local files into the data directory.
    #[arg(long = "move", visible_alias = "mv", conflicts_with = "link")]
    pub move_files: bool,
    /// Symlink project files into the data directory.
    #[arg(long = "link", visible_alias = "ln")]
    pub link: bool,
}

struct Terminal {
    bar: super::progress::DownloadBar,
    upload_bar: super::progress::DownloadBar,
    credentials: super::storage_ui::TerminalCredentials,
}

impl AddInteraction for Terminal {
    fn warning(&mut self, message: &str) {
        crate::ui::warning(message);
    }
    fn confirm(&mut self, message: &str) -> bool {
        crate::ui::confirm(message)
    }
    fn progress(&self) -> &dyn renku_lib::dataset_remote::download::DownloadProgress {
        &self.bar
    }
    fn upload_progress(&self) -> &dyn renku_lib::dataset_remote::download::DownloadProgress {
        &self.upload_bar
    }
    fn credential_prompt(
        &mut self,
    ) -> Option<&mut dyn renku_lib::cloud_storage::credentials::CredentialPrompt> {
        Some(&mut self.credentials)
    }
}

/// Runs `renku dataset add`.
pub fn run(env: &Env, args: AddArgs) -> Result<u8> {
    let project = env.project()?;
    let cwd = env.cwd()?;
    if args.datadir.is_some() && !args.create {
        return Err(renku_lib::Error::Parameter(
            "'--datadir' can only be used together with '--create'.".into(),
        ));
    }
    if args.storage.is_some() && !args.create {
        return Err(renku_lib::Error::Parameter(
            "Storage can be set only when creating a dataset (use '--create').".into(),
        ));
    }
    let create = if args.create {
        let datadir = match &args.datadir {
            Some(d) => Some(resolve_datadir(&project, &cwd, d)?),
            None => None,
        };
        Some(NewDataset {
            slug: args.slug.clone(),
            datadir,
            storage: args.storage.clone(),
            ..Default::default()
        })
    } else {
        None
    };
    let action = if args.copy {
        Some(AddAction::Copy)
    } else if args.move_files {
        Some(AddAction::Move)
    } else if args.link {
        Some(AddAction::Link)
    } else {
        None
    };
    let request = AddRequest {
        slug: args.slug,
        sources: args.urls,
        create,
        destination: args.destination,
        action,
        force: args.force,
        overwrite: args.overwrite,
        source_paths: args.sources,
        reference: args.reference,
        cwd: PathBuf::from(&cwd),
    };
    let mut ui = Terminal {
        bar: super::progress::DownloadBar::new(),
        upload_bar: super::progress::DownloadBar::with_verb("Uploading"),
        credentials: super::storage_ui::TerminalCredentials,
    };
    let outcome = add(&env.ctx, &project, &request, &mut ui)?;
    drop(ui);
    crate::ui::lfs_message(&outcome.lfs);
    if outcome.dataset.storage.is_some() {
        crate::ui::info(&format!(
            "To download files from the remote storage use 'renku dataset pull {}'",
            outcome.dataset.slug
        ));
    }
    crate::outln!("OK");
    Ok(0)
}
