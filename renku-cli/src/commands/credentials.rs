//! `renku credentials` (hidden): the git credential helper `renku login` installs.

use std::io::{IsTerminal, Read};

use clap::Args;
use renku_lib::{Error, Result};

use super::Env;

/// A git credential helper answering with the stored Renku token.
///
/// git runs it as `renku credentials --hostname <host> get` and writes the request to its
/// standard input; for that host it prints `username=renku` and `password=<token>`. Other
/// hosts, and the commands `store` and `erase`, get no answer.
#[derive(Debug, Args)]
pub struct CredentialsArgs {
    /// The deployment the helper answers for (`host[:port]`).
    #[arg(long)]
    pub hostname: Option<String>,
    /// The helper command git runs: get, store or erase.
    pub command: String,
}

/// Runs `renku credentials`.
pub fn run(_env: &Env, args: CredentialsArgs) -> Result<u8> {
    let mut input = String::new();
    if args.command == "get" && !std::io::stdin().is_terminal() {
        std::io::stdin()
            .lock()
            .take(64 * 1024)
            .read_to_string(&mut input)
            .map_err(|e| Error::io("Cannot read the credential request", e))?;
    }
    if let Some(answer) = renku_lib::platform::credentials::credentials(
        &args.command,
        args.hostname.as_deref(),
        &input,
    )? {
        crate::out!("{answer}");
    }
    Ok(0)
}
