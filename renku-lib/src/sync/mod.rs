//! Sharing a project through git remotes: `renku save` (commit and push) and `renku clone`.
//! Network transfers go through `git` itself (its transports, credential helpers and Git LFS
//! filters), once per command.

pub mod clone;
pub mod save;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::{Error, Result};

/// A `git` command in `dir` (standard input closed).
fn git(dir: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.arg("-C").arg(dir).stdin(Stdio::null());
    cmd
}

/// Runs `cmd`; the output whatever the exit status.
fn output(mut cmd: Command, what: &str) -> Result<Output> {
    tracing::debug!(?cmd, "running git");
    cmd.output()
        .map_err(|e| Error::io(format!("Cannot run git to {what}"), e))
}

/// Runs `cmd` and returns its trimmed standard output; a failure says `what` failed and
/// shows what git printed.
fn run(cmd: Command, what: &str) -> Result<String> {
    let out = output(cmd, what)?;
    if !out.status.success() {
        return Err(Error::Failed(format!("Cannot {what}: {}", printed(&out))));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// What a git process printed (standard error, then standard output), trimmed.
fn printed(out: &Output) -> String {
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stderr).trim(),
        String::from_utf8_lossy(&out.stdout).trim()
    );
    text.trim().to_string()
}
