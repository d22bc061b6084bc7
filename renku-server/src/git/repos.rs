//! Bare repositories of hosted projects: `<data-dir>/repositories/<namespace>/<name>.git`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::config::ServerConfig;

/// The bare repository of `namespace/name`.
pub fn repository_path(config: &ServerConfig, namespace: &str, name: &str) -> PathBuf {
    config
        .repositories_dir()
        .join(namespace)
        .join(format!("{name}.git"))
}

/// Creates an empty bare repository whose default branch is `main`. An existing directory
/// is an error (never reused: it could hold another project's history).
pub fn create(config: &ServerConfig, path: &Path) -> Result<(), String> {
    if path.exists() {
        return Err(format!("{} exists already", path.display()));
    }
    let parent = path
        .parent()
        .ok_or_else(|| format!("{} has no parent directory", path.display()))?;
    std::fs::create_dir_all(parent)
        .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    let output = Command::new(&config.git)
        .args(["init", "--quiet", "--bare", "--initial-branch=main"])
        .arg(path)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", config.git.display()))?;
    if !output.status.success() {
        let _ = std::fs::remove_dir_all(path);
        return Err(format!(
            "git init failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(())
}

/// Deletes a project's repository.
pub fn delete(path: &Path) -> Result<(), String> {
    match std::fs::remove_dir_all(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("cannot delete {}: {e}", path.display())),
    }
}

/// The commit of the repository's default branch (`None` while it has no branches). When
/// `HEAD` names a branch that was never pushed but others were (a first push of `master`),
/// `HEAD` is pointed at one of them: `main`, else `master`, else the first by name.
pub fn head_commit(repo: &Path) -> Result<Option<String>, String> {
    let repository = gix::open(repo).map_err(|e| format!("cannot open {}: {e}", repo.display()))?;
    if let Ok(id) = repository.head_id() {
        return Ok(Some(id.to_string()));
    }
    let platform = repository
        .references()
        .map_err(|e| format!("cannot list branches of {}: {e}", repo.display()))?;
    let mut branches: Vec<(String, String)> = platform
        .local_branches()
        .map_err(|e| format!("cannot list branches of {}: {e}", repo.display()))?
        .filter_map(Result::ok)
        .filter_map(|mut reference| {
            let name = reference.name().as_bstr().to_string();
            let id = reference.peel_to_id().ok()?.to_string();
            Some((name, id))
        })
        .collect();
    branches.sort();
    let chosen = ["refs/heads/main", "refs/heads/master"]
        .iter()
        .find_map(|wanted| branches.iter().find(|(name, _)| name == wanted))
        .or_else(|| branches.first())
        .cloned();
    let Some((name, id)) = chosen else {
        return Ok(None);
    };
    let head = repo.join("HEAD");
    let temp = repo.join("HEAD.renku-server.tmp");
    std::fs::write(&temp, format!("ref: {name}\n"))
        .and_then(|()| std::fs::rename(&temp, &head))
        .map_err(|e| format!("cannot set HEAD of {}: {e}", repo.display()))?;
    tracing::info!(repository = %repo.display(), branch = %name, "default branch set");
    Ok(Some(id))
}
