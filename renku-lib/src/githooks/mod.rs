//! Renku's git hooks: `renku githooks install|uninstall` put a `pre-commit` hook into the
//! repository that runs [`pre_commit::check`] (`renku githooks pre-commit`) in one process.

pub mod pre_commit;

use std::path::{Path, PathBuf};

use crate::repo::git::Git;
use crate::{Error, Result};

/// The hooks renku installs.
pub const HOOKS: &[&str] = &["pre-commit"];

/// The line that marks a hook as renku's.
const MARKER: &str = "# RENKU HOOK. DO NOT REMOVE OR MODIFY.";

/// What [`install`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Installed {
    /// Hooks written.
    pub installed: Vec<PathBuf>,
    /// Hooks of someone else that were left in place (no `force`).
    pub skipped: Vec<PathBuf>,
}

/// The directory git runs hooks from: `core.hooksPath` when set, else `<git dir>/hooks`.
fn hooks_dir(root: &Path) -> Result<PathBuf> {
    let git = Git::open(root)?;
    let repo = git.repo();
    let configured = repo
        .config_snapshot()
        .string("core.hooksPath")
        .map(|p| PathBuf::from(p.to_string()))
        .filter(|p| !p.as_os_str().is_empty());
    Ok(match configured {
        Some(p) if p.is_absolute() => p,
        Some(p) => root.join(p),
        None => repo.common_dir().join("hooks"),
    })
}

/// The text of the pre-commit hook. It prefers the renku that installed it (`renku`),
/// then whatever `renku` is on `PATH`.
fn pre_commit_script(renku: &Path) -> String {
    let installed = renku.display().to_string().replace('\'', "'\\''");
    format!(
        "#!/bin/sh\n\
         ######################################\n\
         {MARKER}\n\
         ######################################\n\
         # Refuses commits of large files outside Git LFS, of changed immutable template\n\
         # files and of files in dataset data directories their dataset does not record.\n\
         if [ -x '{installed}' ]; then\n\
         \x20 RENKU='{installed}'\n\
         elif command -v renku >/dev/null 2>&1; then\n\
         \x20 RENKU=renku\n\
         else\n\
         \x20 echo 'renku not on path; cannot check the commit. Please install renku.'\n\
         \x20 exit 2\n\
         fi\n\
         exec \"$RENKU\" githooks pre-commit\n\
         ######################################\n\
         # END RENKU HOOK.\n\
         ######################################\n"
    )
}

/// Whether the file at `path` is a renku hook.
fn is_renku_hook(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|t| t.contains("RENKU HOOK"))
}

/// Installs renku's hooks into the repository whose work tree is `root`; a hook that is not
/// renku's is replaced only with `force`. `renku` is the program the hook runs (normally the
/// running executable).
pub fn install(root: &Path, renku: &Path, force: bool) -> Result<Installed> {
    let dir = hooks_dir(root)?;
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::io(format!("Cannot create {}", dir.display()), e))?;
    let mut out = Installed::default();
    for hook in HOOKS {
        let path = dir.join(hook);
        if path.exists() && !force && !is_renku_hook(&path) {
            out.skipped.push(path);
            continue;
        }
        let text = pre_commit_script(renku);
        crate::util::write_atomic(&path, text.as_bytes(), None)?;
        make_executable(&path)?;
        out.installed.push(path);
    }
    Ok(out)
}

/// Removes renku's hooks from the repository whose work tree is `root` (hooks of someone
/// else stay); returns the removed ones.
pub fn uninstall(root: &Path) -> Result<Vec<PathBuf>> {
    let dir = hooks_dir(root)?;
    let mut removed = Vec::new();
    for hook in HOOKS {
        let path = dir.join(hook);
        if path.exists() && is_renku_hook(&path) {
            std::fs::remove_file(&path)
                .map_err(|e| Error::io(format!("Cannot remove {}", path.display()), e))?;
            removed.push(path);
        }
    }
    Ok(removed)
}

#[cfg(unix)]
fn make_executable(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .map_err(|e| Error::io(format!("Cannot make {} executable", path.display()), e))
}

#[cfg(not(unix))]
fn make_executable(_path: &Path) -> Result<()> {
    Ok(())
}
