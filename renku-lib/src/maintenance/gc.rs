//! `renku gc`: remove the derived cache and scratch files.

use crate::repo::ProjectDir;
use crate::store::{CACHE_DIR, TMP_DIR};
use crate::{Error, Result};

/// Deletes `.renku/cache` and `.renku/tmp`; returns the directories that were removed.
pub fn gc(project: &ProjectDir) -> Result<Vec<String>> {
    let mut removed = Vec::new();
    for dir in [CACHE_DIR, TMP_DIR] {
        let abs = project.root().join(dir);
        match std::fs::remove_dir_all(&abs) {
            Ok(()) => removed.push(dir.to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(format!("Cannot remove {dir}"), e)),
        }
    }
    Ok(removed)
}
