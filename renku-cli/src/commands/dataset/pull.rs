//! `renku dataset pull`.

use std::path::PathBuf;

use clap::Args;
use renku_lib::Result;
use renku_lib::cloud_storage::credentials::CredentialPrompt;
use renku_lib::dataset::storage::{PullInteraction, PullRequest, pull};
use renku_lib::dataset_remote::download::DownloadProgress;

use super::storage_ui::TerminalCredentials;
use crate::commands::Env;

/// Download the files of a dataset with cloud storage.
///
/// Every file is downloaded into the dataset's data directory (or --location, which is then
/// remembered for this clone and linked from the data directory) and checked against the
/// MD5 in the metadata. Files already there with the right content are skipped.
#[derive(Debug, Args)]
pub struct PullArgs {
    /// The dataset.
    pub slug: String,
    /// Directory to put the files in instead of the data directory.
    #[arg(short = 'l', long, value_name = "DIR")]
    pub location: Option<PathBuf>,
}

struct Terminal {
    bar: super::progress::DownloadBar,
    credentials: TerminalCredentials,
}

impl PullInteraction for Terminal {
    fn confirm(&mut self, message: &str) -> bool {
        crate::ui::confirm(message)
    }
    fn credential_prompt(&mut self) -> Option<&mut dyn CredentialPrompt> {
        Some(&mut self.credentials)
    }
    fn progress(&self) -> &dyn DownloadProgress {
        &self.bar
    }
}

/// Runs `renku dataset pull`.
pub fn run(env: &Env, args: PullArgs) -> Result<u8> {
    let project = env.project()?;
    let location = match args.location {
        Some(l) if l.is_absolute() => Some(l),
        Some(l) => Some(renku_lib::util::normalize_path(&env.cwd()?.join(l))),
        None => None,
    };
    let request = PullRequest {
        slug: args.slug,
        location,
    };
    let mut ui = Terminal {
        bar: super::progress::DownloadBar::new(),
        credentials: TerminalCredentials,
    };
    let outcome = pull(&env.ctx, &project, &request, &mut ui)?;
    drop(ui);
    crate::ui::info(&format!(
        "Downloaded {} file(s); {} already up to date.",
        outcome.downloaded.len(),
        outcome.skipped.len()
    ));
    crate::outln!("OK");
    Ok(0)
}
