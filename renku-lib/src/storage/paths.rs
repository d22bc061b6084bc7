//! Paths given on the command line, resolved against the project.

use std::path::{Path, PathBuf};

use crate::repo::ProjectDir;
use crate::{Error, Result};

/// A command-line path inside the project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPath {
    /// The path as the user typed it.
    pub given: String,
    /// The path relative to the project root, `/`-separated; empty for the root itself.
    pub rel: String,
    /// Whether it is a directory (symbolic links are not followed).
    pub is_dir: bool,
}

/// Resolves `paths` (absolute, or relative to the current directory): each must exist and
/// lie inside the project (exit 2 otherwise, as a bad parameter). Duplicates are dropped.
pub fn resolve(project: &ProjectDir, paths: &[PathBuf]) -> Result<Vec<UserPath>> {
    let mut out: Vec<UserPath> = Vec::new();
    for path in paths {
        let given = path.to_string_lossy().into_owned();
        let meta = std::fs::symlink_metadata(path).map_err(|_| {
            Error::Usage(format!(
                "Invalid value for 'PATHS...': Path '{given}' does not exist."
            ))
        })?;
        let rel = project.relative_path(path).ok_or_else(|| {
            Error::Usage(format!(
                "Invalid value for 'PATHS...': Path '{given}' is not inside the project."
            ))
        })?;
        if out.iter().any(|p| p.rel == rel) {
            continue;
        }
        out.push(UserPath {
            given,
            rel,
            is_dir: meta.is_dir(),
        });
    }
    Ok(out)
}

/// Whether repository-relative `path` is `dir` or lies below it (`dir` empty: everything).
pub fn is_within(path: &str, dir: &str) -> bool {
    dir.is_empty()
        || path == dir
        || path
            .strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// Whether `rel` is inside the git directory (`.git` or below it).
pub fn is_git_dir(rel: &str) -> bool {
    is_within(rel, ".git")
}

/// The absolute path of repository-relative `rel`.
pub fn absolute(root: &Path, rel: &str) -> PathBuf {
    if rel.is_empty() {
        root.to_path_buf()
    } else {
        root.join(rel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn within_means_equal_or_below() {
        assert!(is_within("data/a.bin", "data"));
        assert!(is_within("data", "data"));
        assert!(!is_within("database/a.bin", "data"));
        assert!(is_within("x", ""));
        assert!(is_git_dir(".git/config"));
        assert!(!is_git_dir(".gitattributes"));
    }
}
