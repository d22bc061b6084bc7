//! `renku logout`.

use clap::Args;
use renku_lib::Result;
use renku_lib::platform::login::{LogoutRequest, logout};

use super::Env;

/// Log out from a Renku deployment and delete its token.
///
/// Removes the token of ENDPOINT (of every deployment when none is given) and, inside a
/// project, renku's git credential helper; remotes that `renku login` changed get their
/// old URL back (from their renku-backup-<remote> copy, which is removed).
#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// The deployment to log out from (default: all of them).
    pub endpoint: Option<String>,
}

/// Runs `renku logout`.
pub fn run(env: &Env, args: LogoutArgs) -> Result<u8> {
    let request = LogoutRequest {
        endpoint: args.endpoint,
        start_dir: env.start_dir(),
    };
    let done = logout(&request)?;
    for host in &done.removed {
        tracing::info!("removed the token of {host}");
    }
    if let Some(git) = &done.git {
        for (remote, url) in &git.restored {
            tracing::info!("remote '{remote}' points at {url} again");
        }
    }
    crate::outln!("Successfully logged out.");
    Ok(0)
}
