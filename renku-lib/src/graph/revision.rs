//! `--revision`: the store records written in a commit or a range of commits.

use std::collections::BTreeSet;

use gix::ObjectId;

use crate::repo::ProjectDir;
use crate::store::{Kind, STORE_DIR};
use crate::{Error, Result};

/// The records (kind, version id) added or changed between the two ends of `rev`: `A..B`
/// compares B with A; a single revision compares the commit with its first parent (the whole
/// tree for a root commit).
pub fn changed_records(project: &ProjectDir, rev: &str) -> Result<BTreeSet<(Kind, String)>> {
    let git = project.git()?;
    let repo = git.repo();
    let resolve = |spec: &str| -> Result<ObjectId> {
        let not_found = || Error::Parameter(format!("Cannot find a commit with revision '{spec}'"));
        let id = repo.rev_parse_single(spec).map_err(|_| not_found())?;
        let commit = id
            .object()
            .map_err(|_| not_found())?
            .peel_to_commit()
            .map_err(|_| not_found())?;
        Ok(commit.id)
    };
    let (from, to) = match rev.split_once("..") {
        Some((a, b)) => {
            let a = if a.is_empty() { "HEAD" } else { a };
            let b = if b.is_empty() { "HEAD" } else { b };
            (Some(resolve(a)?), resolve(b)?)
        }
        None => {
            let to = resolve(rev)?;
            let parent = repo
                .find_commit(to)
                .map_err(|e| Error::git("cannot read commit", e))?
                .parent_ids()
                .next()
                .map(|id| id.detach());
            (parent, to)
        }
    };
    let after = git.files_under(to, STORE_DIR)?;
    let before = match from {
        Some(id) => git.files_under(id, STORE_DIR)?,
        None => Default::default(),
    };
    let mut out = BTreeSet::new();
    for (path, blob) in &after {
        if before.get(path) == Some(blob) {
            continue;
        }
        if let Some(record) = record_of_path(path) {
            out.insert(record);
        }
    }
    Ok(out)
}

/// `(kind, version id)` of a record file path (`.renku/store/<kind>/<xx>/<id>.json`).
pub fn record_of_path(path: &str) -> Option<(Kind, String)> {
    let rest = path.strip_prefix(STORE_DIR)?.strip_prefix('/')?;
    let mut parts = rest.split('/');
    let kind = Kind::from_dir_name(parts.next()?)?;
    let _shard = parts.next()?;
    let file = parts.next()?;
    if parts.next().is_some() {
        return None;
    }
    Some((kind, file.strip_suffix(".json")?.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_paths() {
        assert_eq!(
            record_of_path(".renku/store/dataset/ab/abcd.json"),
            Some((Kind::Dataset, "abcd".into()))
        );
        assert_eq!(record_of_path(".renku/store/format.json"), None);
        assert_eq!(record_of_path(".renku/store/nope/ab/abcd.json"), None);
    }
}
