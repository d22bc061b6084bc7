//! Repository access: finding the project, git through gix, the project lock, transactions.

pub mod commit_message;
pub mod git;
pub mod lfs;
pub mod lock;
pub mod status;
pub mod transaction;

use std::path::{Path, PathBuf};

use crate::error::IoContext;
use crate::{Error, Result};

/// Finds the root of the git work tree that contains `start` (the directory holding `.git`).
/// Returns `None` when `start` is not inside a git work tree.
pub fn find_worktree_root(start: &Path) -> Option<PathBuf> {
    absolute(start)
        .ancestors()
        .find(|dir| dir.join(".git").exists())
        .map(Path::to_path_buf)
}

/// `start` as an absolute path without `.` and `..` components (relative paths are taken
/// from the current directory).
pub fn absolute(start: &Path) -> PathBuf {
    let joined = if start.is_absolute() {
        start.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|c| c.join(start))
            .unwrap_or_else(|_| start.to_path_buf())
    };
    crate::util::normalize_path(&joined)
}

/// The git directory of the work tree at `root`: `root/.git`, or where a `.git` file
/// (`gitdir: …`, used by linked work trees and submodules) points.
pub fn git_dir(root: &Path) -> Result<PathBuf> {
    let dot_git = root.join(".git");
    if dot_git.is_dir() {
        return Ok(dot_git);
    }
    let text = std::fs::read_to_string(&dot_git)
        .io_context(|| format!("Cannot read {}", dot_git.display()))?;
    let target = text
        .lines()
        .find_map(|l| l.strip_prefix("gitdir:"))
        .map(str::trim)
        .ok_or_else(|| {
            Error::Git(format!(
                "{} is neither a directory nor a gitdir file",
                dot_git.display()
            ))
        })?;
    let target = Path::new(target);
    Ok(if target.is_absolute() {
        target.to_path_buf()
    } else {
        root.join(target)
    })
}

/// Directory under the git directory where renku keeps its lock and transaction journal.
pub fn renku_git_dir(root: &Path) -> Result<PathBuf> {
    Ok(git_dir(root)?.join("renku"))
}

/// A located renku project: its root directory. Opening one checks the metadata format.
#[derive(Debug, Clone)]
pub struct ProjectDir {
    root: PathBuf,
}

impl ProjectDir {
    /// Finds the project containing `start` (the enclosing git work tree's root, or `start`
    /// itself outside git) and checks that this renku can work on it: exit 2 outside a
    /// project, 3 when the project needs `renku migrate`, 4 when it is too new. Before
    /// returning, an interrupted transaction left by a killed process is rolled back.
    pub fn discover(start: &Path) -> Result<ProjectDir> {
        let root = Self::locate(start);
        crate::store::format::ensure_supported(&root)?;
        transaction::recover_if_abandoned(&root)?;
        Ok(ProjectDir { root })
    }

    /// Where the project for `start` would be: the enclosing work tree's root, else `start`.
    pub fn locate(start: &Path) -> PathBuf {
        find_worktree_root(start).unwrap_or_else(|| absolute(start))
    }

    /// Fails (exit 3 or 4) when `start` lies in a project this renku cannot work on: one
    /// written by renku-python or by a different version of this renku. Directories outside
    /// any project pass. Commands that do not need a project call this so that they, too,
    /// point users of old projects to `renku migrate`.
    pub fn reject_unsupported(start: &Path) -> Result<()> {
        let root = Self::locate(start);
        match crate::store::format::detect(&root)? {
            crate::store::format::ProjectFormat::None => Ok(()),
            _ => match crate::store::format::ensure_supported(&root) {
                Err(Error::NotAProject { .. }) | Ok(()) => Ok(()),
                Err(e) => Err(e),
            },
        }
    }

    /// A project directory known to hold a supported project (used right after `init`).
    pub fn at(root: impl Into<PathBuf>) -> ProjectDir {
        ProjectDir { root: root.into() }
    }

    /// The project root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `path` (absolute, or relative to the current directory) relative to the project root,
    /// `/`-separated; `None` when it lies outside the project.
    pub fn relative_path(&self, path: &Path) -> Option<String> {
        absolute(path)
            .strip_prefix(&self.root)
            .ok()
            .map(|r| r.to_string_lossy().replace('\\', "/"))
    }

    /// The repository-relative path `rel` as seen from the current directory (`../x` from a
    /// sub-directory), as renku-python shows paths.
    pub fn display_path(&self, rel: &str) -> String {
        let target = self.root.join(rel);
        let Ok(cwd) = std::env::current_dir() else {
            return rel.to_string();
        };
        let cwd = absolute(&cwd);
        let base: Vec<_> = cwd.components().collect();
        let dest: Vec<_> = target.components().collect();
        let common = base
            .iter()
            .zip(dest.iter())
            .take_while(|(a, b)| a == b)
            .count();
        if common == 0 {
            return target.to_string_lossy().into_owned();
        }
        let mut out = PathBuf::new();
        for _ in common..base.len() {
            out.push("..");
        }
        for c in &dest[common..] {
            out.push(c.as_os_str());
        }
        let text = out.to_string_lossy().replace('\\', "/");
        if text.is_empty() { ".".into() } else { text }
    }

    /// The metadata store of the project.
    pub fn store(&self) -> crate::store::Store {
        crate::store::Store::new(&self.root)
    }

    /// Opens the git repository of the project.
    pub fn git(&self) -> Result<git::Git> {
        git::Git::open(&self.root)
    }
}
