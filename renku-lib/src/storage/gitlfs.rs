//! Running `git lfs`: only for what git-lfs alone can do (object transfer with an LFS
//! server, history rewriting), once per command and never once per file.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::{Error, Result};

/// Fails with [`Error::LfsNotInstalled`] unless `git lfs version` runs.
pub fn ensure_installed() -> Result<()> {
    match Command::new("git")
        .args(["lfs", "version"])
        .stdin(Stdio::null())
        .output()
    {
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => {
            let text = String::from_utf8_lossy(&out.stderr);
            let detail = text.lines().next().unwrap_or("").trim();
            Err(Error::LfsNotInstalled(if detail.is_empty() {
                "'git lfs version' failed".to_string()
            } else {
                detail.to_string()
            }))
        }
        Err(e) => Err(Error::LfsNotInstalled(format!("cannot run git: {e}"))),
    }
}

/// Fails with [`Error::LfsNotSetUp`] unless the repository has the LFS filter driver
/// configured (as `git lfs install` does).
pub fn ensure_set_up(root: &Path, repo: &gix::Repository) -> Result<()> {
    if crate::repo::lfs::is_configured(repo) {
        Ok(())
    } else {
        Err(Error::LfsNotSetUp {
            root: root.to_path_buf(),
        })
    }
}

/// Runs `git lfs ARGS` in `root`, feeding `stdin` if given, and returns its standard output.
/// On failure the error says `what` failed and shows what git-lfs printed.
pub fn run(root: &Path, args: &[String], stdin: Option<&[u8]>, what: &str) -> Result<String> {
    tracing::debug!("running git lfs {}", args.join(" "));
    let mut child = Command::new("git")
        .arg("lfs")
        .args(args)
        .current_dir(root)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::LfsNotInstalled(format!("cannot run git: {e}")))?;
    if let (Some(bytes), Some(mut pipe)) = (stdin, child.stdin.take()) {
        // git-lfs may exit before reading everything; its exit status tells what happened.
        let _ = pipe.write_all(bytes);
    }
    let out = child
        .wait_with_output()
        .map_err(|e| Error::io("Cannot wait for git lfs", e))?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if out.status.success() {
        return Ok(stdout);
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let printed: Vec<&str> = stderr
        .lines()
        .chain(stdout.lines())
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty())
        .collect();
    let status = out
        .status
        .code()
        .map(|c| format!("exit status {c}"))
        .unwrap_or_else(|| "killed by a signal".into());
    let sub = args.first().map(String::as_str).unwrap_or("");
    Err(Error::Command(format!(
        "{what} failed ('git lfs {sub}' ended with {status}){}",
        if printed.is_empty() {
            String::new()
        } else {
            format!(":\n\t{}", printed.join("\n\t"))
        }
    )))
}
