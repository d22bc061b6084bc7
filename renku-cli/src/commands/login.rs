//! `renku login`.

use std::io::IsTerminal;

use clap::Args;
use renku_lib::Result;
use renku_lib::platform::device_flow::{DeviceAuthorization, PollOptions};
use renku_lib::platform::git_login::GitLoginPlan;
use renku_lib::platform::login::{LoginInteraction, LoginRequest, login};

use super::Env;

/// Log in to a Renku deployment.
///
/// Asks the deployment's identity provider for a login code (OAuth device flow), shows the
/// page where you approve it (and opens it in a browser on a terminal), and stores the
/// access token: in the OS keyring, or in ~/.renku/tokens.json (readable only by you) when
/// no keyring service runs. RENKU_TOKEN_STORE=file|keyring|auto chooses.
///
/// Inside a project, it also changes the project's remote to go through the deployment
/// (https://<host>/repos/<namespace>/<project>; the old URL is kept in the remote
/// renku-backup-<remote>) and installs `renku credentials` as the repository's git
/// credential helper, after asking (--yes, or `renku config set show_login_warning false`,
/// skips the question). `renku logout` undoes all of it.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The deployment (e.g. renkulab.io; https:// unless a scheme is given). Default: the
    /// `endpoint` setting, else the host of the project's remote.
    pub endpoint: Option<String>,
    /// Only store the token: leave the remote and the git credential helper alone.
    #[arg(long = "no-git", overrides_with = "git")]
    pub no_git: bool,
    /// Set up git for the deployment too (the default).
    #[arg(long = "git", overrides_with = "no_git")]
    pub git: bool,
    /// Change the remote without asking.
    #[arg(short = 'y', long = "yes")]
    pub yes: bool,
}

struct Terminal;

impl LoginInteraction for Terminal {
    fn confirm_remote_change(&mut self, plan: &GitLoginPlan) -> bool {
        crate::ui::warning(&format!(
            "Logging in changes the URL of the remote '{}' to {} (the current URL is kept in the remote '{}').\n\
             To skip this question, pass --yes or run 'renku config set show_login_warning false'.",
            plan.remote.name, plan.new_url, plan.backup
        ));
        crate::ui::confirm("Change the remote?")
    }

    fn show_verification(&mut self, client_id: &str, auth: &DeviceAuthorization) {
        let url = auth.verification_url();
        crate::outln!(
            "To log in, allow '{client_id}' access in your browser (code {}).\nIf no browser window opens, go to {url}",
            auth.user_code
        );
        if std::io::stdin().is_terminal()
            && std::io::stdout().is_terminal()
            && let Err(e) = open::that_detached(&url)
        {
            tracing::info!("cannot open a browser: {e}");
        }
    }

    fn warning(&mut self, message: &str) {
        crate::ui::warning(message);
    }
}

/// Runs `renku login`.
pub fn run(env: &Env, args: LoginArgs) -> Result<u8> {
    let request = LoginRequest {
        endpoint: args.endpoint,
        git: !args.no_git,
        yes: args.yes,
        start_dir: env.start_dir(),
        poll: PollOptions::from_env(),
    };
    let done = login(&request, &mut Terminal)?;
    if let Some(git) = &done.git
        && git.backup_existed
    {
        crate::ui::info(&format!(
            "The remote '{}' exists already and keeps the URL it has.",
            git.plan.backup
        ));
    }
    tracing::info!(
        "token for {} kept in {}{}",
        done.endpoint.token_key(),
        done.store,
        done.claims
            .as_ref()
            .and_then(|c| c.user())
            .map(|u| format!(" (user {u})"))
            .unwrap_or_default()
    );
    crate::outln!("Successfully logged in.");
    Ok(0)
}
