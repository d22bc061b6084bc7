//! `renku doctor`: check the store, the cache and leftover transactions; `--fix` repairs what
//! can be repaired without losing anything.

use crate::Result;
use crate::repo::ProjectDir;
use crate::repo::transaction::{Recovery, journal_dir, recover_if_abandoned};
use crate::store::cache::StoreIndex;
use crate::store::doctor::{Problem, ProblemArea, check_cache, check_store};

/// What `doctor` found and did.
#[derive(Debug, Clone)]
pub struct DoctorReport {
    /// Problems remaining.
    pub problems: Vec<Problem>,
    /// Repairs made (with `--fix`).
    pub fixed: Vec<String>,
}

/// Runs all checks; with `fix`, rebuilds the cache and finishes or rolls back an interrupted
/// transaction first.
pub fn doctor(project: &ProjectDir, fix: bool) -> Result<DoctorReport> {
    let store = project.store();
    let mut fixed = Vec::new();
    if fix {
        match recover_if_abandoned(project.root())? {
            Recovery::RolledBack(id) => {
                fixed.push(format!("rolled back interrupted transaction {id}"))
            }
            Recovery::Completed(id) => fixed.push(format!("finished interrupted transaction {id}")),
            Recovery::Discarded(id) => {
                fixed.push(format!("discarded the journal of transaction {id}"))
            }
            Recovery::Nothing | Recovery::InProgress => {}
        }
        StoreIndex::rebuild(&store)?;
        fixed.push("rebuilt the metadata cache".into());
    }
    let git = project.git()?;
    let mut problems = Vec::new();
    if journal_dir(project.root())?.exists() {
        problems.push(Problem {
            area: ProblemArea::Transaction,
            message: "a transaction is in progress or was interrupted (another renku process may be running)".into(),
        });
    }
    problems.extend(check_store(&store, &git)?);
    problems.extend(check_cache(&store)?);
    // A damaged store is reported above; the dataset check needs a readable one.
    let conflicts = crate::dataset::conflicts::conflicts(&store).unwrap_or_else(|e| {
        tracing::debug!("dataset conflicts not checked: {e}");
        Vec::new()
    });
    for c in conflicts {
        problems.push(Problem {
            area: ProblemArea::Dataset,
            message: format!(
                "dataset '{}': the {} was changed differently on merged branches ({}); the newest is used. To settle it, run: {}",
                c.slug,
                c.field,
                c.values
                    .iter()
                    .map(|v| format!("'{v}'"))
                    .collect::<Vec<_>>()
                    .join(" vs "),
                c.resolution
            ),
        });
    }
    // The graph checks need a readable store too; a damaged one is reported above.
    match crate::graph::checks::check(project) {
        Ok(found) => problems.extend(found.into_iter().map(|g| Problem {
            area: ProblemArea::Graph,
            message: g.message,
        })),
        Err(e) => tracing::debug!("graph not checked: {e}"),
    }
    Ok(DoctorReport { problems, fixed })
}
