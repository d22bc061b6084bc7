//! `renku rerun --check`: re-executing recorded runs in a scratch copy of the project and
//! comparing what they generate with what was recorded.
//!
//! The activities are selected exactly as `renku rerun PATHS [--from SOURCES]` selects them
//! ([`super::update::rerun`]). They are executed again — with the values they ran with, in
//! dependency order, independent steps in parallel — in a temporary linked work tree checked
//! out at `HEAD` in the system's temporary directory (`TMPDIR`). The checkout is made with the
//! Git LFS filter turned off; LFS pointers are then replaced by their content from
//! `.git/lfs/objects` (nothing is downloaded). The project's work tree, index, branch and
//! metadata are never touched and nothing is committed; the temporary work tree is removed at
//! the end. Checksums are taken as a recording takes them ([`Git::hash_path`]: blob ids, the
//! pointer's blob id for files stored in LFS, tree ids for directories), so a directory is
//! compared as a whole.
//!
//! Before a step runs, its outputs are removed from the scratch copy (the files of an output
//! directory are removed, the directory itself stays), so that an output the step no longer
//! writes is reported as not generated rather than compared in its committed form. An output
//! that is also an input of the same step is left in place. A failing step does not stop the
//! check: the steps that depend on it are skipped, everything else runs.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::executor::{ExecObserver, ExecStep, StepFailure, StepHooks, StepOutcome, execute_all};
use super::graph::within;
use super::update::{prepare_steps, select_rerun};
use crate::error::IoContext;
use crate::model::Activity;
use crate::repo::ProjectDir;
use crate::repo::git::Git;
use crate::workflow::isolation::git_command;
use crate::{Error, Result};

/// Options of `renku rerun --check`.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// The outputs whose generation is checked (repository-relative).
    pub paths: Vec<String>,
    /// Only check the chains that start at these inputs.
    pub sources: Vec<String>,
    /// Steps to run at once (at least 1).
    pub jobs: usize,
}

/// How a regenerated output compares with the recorded one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputStatus {
    /// The step wrote exactly the recorded content.
    Reproducible,
    /// The step wrote other content.
    Drifted,
    /// The step ran but did not write the output (or left its directory empty).
    NotGenerated,
    /// The step failed or was skipped, so the output was not regenerated.
    NotRun,
}

/// One output of a checked step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckedOutput {
    /// Repository-relative path.
    pub path: String,
    /// Whether the output is a directory (compared by its tree id).
    pub is_directory: bool,
    /// The checksum the recorded run generated (`None` if it recorded none for the path).
    pub recorded: Option<String>,
    /// The checksum of what the re-execution generated.
    pub regenerated: Option<String>,
    /// The verdict.
    pub status: OutputStatus,
}

/// How a checked step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    /// The step ran and exited successfully.
    Succeeded,
    /// The step could not run or exited with an unexpected status.
    Failed,
    /// The step did not run because a step it depends on failed or was skipped.
    Skipped,
}

/// One re-executed step and what it generated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckedStep {
    /// Name of the plan.
    pub plan_name: String,
    /// The recorded activity that was executed again.
    pub activity_id: String,
    /// The command line, with stream redirections.
    pub command: String,
    /// How the step ended.
    pub status: StepStatus,
    /// Why it failed (for [`StepStatus::Failed`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<StepFailure>,
    /// Inputs whose content, when the step started, differed from what the recorded run used
    /// (an upstream output that drifted, or an input committed after the run).
    pub changed_inputs: Vec<String>,
    /// Its outputs.
    pub outputs: Vec<CheckedOutput>,
}

/// What `renku rerun --check` found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CheckReport {
    /// The commit that was checked out and re-executed (`HEAD`).
    pub commit: String,
    /// The steps, in execution order. Empty when nothing was selected.
    pub steps: Vec<CheckedStep>,
    /// Paths the check was asked for that no activity generated.
    pub not_generated: Vec<String>,
}

impl CheckReport {
    /// Whether every step succeeded and every output was reproduced.
    pub fn reproduced(&self) -> bool {
        !self.steps.is_empty()
            && self.steps.iter().all(|s| {
                s.status == StepStatus::Succeeded
                    && s.outputs
                        .iter()
                        .all(|o| o.status == OutputStatus::Reproducible)
            })
    }

    /// The outputs of all steps with `status`, in step order.
    pub fn outputs_with(&self, status: OutputStatus) -> Vec<(&CheckedStep, &CheckedOutput)> {
        self.steps
            .iter()
            .flat_map(|s| s.outputs.iter().map(move |o| (s, o)))
            .filter(|(_, o)| o.status == status)
            .collect()
    }
}

/// Re-executes what `renku rerun opts.paths --from opts.sources` would re-execute, in a
/// scratch copy of the project at `HEAD`, and compares every regenerated output with the
/// checksum its recorded run generated. Changes nothing in the project (see the module
/// documentation). `observer` hears about each step and its output lines.
pub fn check(
    project: &ProjectDir,
    opts: &CheckOptions,
    observer: &dyn ExecObserver,
) -> Result<CheckReport> {
    let selection = select_rerun(project, &opts.paths, &opts.sources)?;
    let mut report = CheckReport {
        not_generated: selection.not_generated.clone(),
        ..CheckReport::default()
    };
    if selection.order.is_empty() {
        return Ok(report);
    }
    let prepared = prepare_steps(
        project,
        &selection.graph,
        &selection.order,
        &selection.source_uses,
    )?;
    let git = project.git()?;
    let Some(head) = git.head_id()? else {
        return Err(Error::Failed(
            "Cannot check the reproducibility of a project without commits.".into(),
        ));
    };
    report.commit = head.to_string();

    let scratch = Scratch::create(project.root(), &report.commit)?;
    let scratch_git = Git::open(scratch.dir())?;
    let lfs = crate::repo::lfs::materialize_pointers(scratch_git.repo())?;
    let mut hooks = CheckHooks {
        git: &scratch_git,
        root: scratch.dir(),
        steps: &prepared.steps,
        activities: &prepared.activities,
        missing_lfs: lfs.missing,
        changed_inputs: vec![Vec::new(); prepared.steps.len()],
        regenerated: vec![Vec::new(); prepared.steps.len()],
    };
    let outcomes = execute_all(
        scratch.dir(),
        &prepared.steps,
        opts.jobs,
        &mut hooks,
        observer,
    )?;
    let CheckHooks {
        changed_inputs,
        regenerated,
        ..
    } = hooks;

    for (i, outcome) in outcomes.into_iter().enumerate() {
        let step = &prepared.steps[i];
        let activity = &prepared.activities[i];
        let (status, failure) = match outcome {
            StepOutcome::Succeeded(_) => (StepStatus::Succeeded, None),
            StepOutcome::Failed(f) => (StepStatus::Failed, Some(f)),
            StepOutcome::Skipped => (StepStatus::Skipped, None),
        };
        let mut outputs: Vec<CheckedOutput> = Vec::new();
        for path in step.outputs() {
            if outputs.iter().any(|o| o.path == path) {
                continue;
            }
            let recorded = activity
                .generations
                .iter()
                .find(|g| g.entity.path == path)
                .map(|g| &g.entity);
            let is_directory =
                recorded.is_some_and(|e| e.is_directory) || is_directory_output(step, &path);
            let recorded = recorded.map(|e| e.checksum.clone());
            let found = regenerated[i].iter().find(|r| r.path == path);
            let regenerated_checksum = found.and_then(|r| r.checksum.clone());
            let output_status = if status != StepStatus::Succeeded {
                OutputStatus::NotRun
            } else if recorded.is_some() && recorded == regenerated_checksum {
                OutputStatus::Reproducible
            } else if regenerated_checksum.is_none() || found.is_some_and(|r| r.empty_dir) {
                OutputStatus::NotGenerated
            } else {
                OutputStatus::Drifted
            };
            outputs.push(CheckedOutput {
                path,
                is_directory,
                recorded,
                regenerated: regenerated_checksum,
                status: output_status,
            });
        }
        report.steps.push(CheckedStep {
            plan_name: prepared.planned[i].plan_name.clone(),
            activity_id: activity.id.clone(),
            command: prepared.planned[i].command.clone(),
            status,
            failure,
            changed_inputs: changed_inputs[i].clone(),
            outputs,
        });
    }
    drop(scratch);
    Ok(report)
}

/// Whether the plan of `step` declares `path` as a directory output.
fn is_directory_output(step: &ExecStep, path: &str) -> bool {
    step.plan
        .of_kind(crate::model::ParameterKind::Output)
        .any(|p| p.value_text() == path && p.encoding_format.as_deref() == Some("inode/directory"))
}

/// What a re-executed step left at one of its outputs.
#[derive(Debug, Clone)]
struct Regenerated {
    path: String,
    /// `None` when the output does not exist.
    checksum: Option<String>,
    /// The output is a directory without any file in it.
    empty_dir: bool,
}

/// Compares inputs before each step and hashes outputs after it, in the scratch copy.
struct CheckHooks<'a> {
    git: &'a Git,
    root: &'a Path,
    steps: &'a [ExecStep],
    activities: &'a [Activity],
    /// LFS files whose content is not available locally.
    missing_lfs: Vec<String>,
    changed_inputs: Vec<Vec<String>>,
    regenerated: Vec<Vec<Regenerated>>,
}

impl StepHooks for CheckHooks<'_> {
    fn before(&mut self, i: usize) -> Result<()> {
        let step = &self.steps[i];
        let inputs = step.inputs();
        let mut changed: BTreeSet<String> = BTreeSet::new();
        for input in &inputs {
            if !self.root.join(input).exists() {
                return Err(Error::Failed(format!(
                    "Step '{}': the input '{input}' does not exist at the checked commit.",
                    step.name()
                )));
            }
            if let Some(missing) = self
                .missing_lfs
                .iter()
                .find(|m| within(m, input) || within(input, m))
            {
                return Err(Error::Failed(format!(
                    "Step '{}': the input '{missing}' is stored in Git LFS and its content is not in the local LFS store; fetch it first (git lfs pull).",
                    step.name()
                )));
            }
            let recorded = self.activities[i]
                .usages
                .iter()
                .find(|u| &u.entity.path == input)
                .map(|u| u.entity.checksum.as_str());
            if let Some(recorded) = recorded
                && self.git.hash_path(input)?.to_string().as_str() != recorded
            {
                changed.insert(input.clone());
            }
        }
        self.changed_inputs[i] = changed.into_iter().collect();
        // The step must write its outputs afresh: remove what the checkout holds.
        for output in step.outputs() {
            if inputs.iter().any(|input| within(&output, input)) {
                continue;
            }
            clear_output(self.root, &output)?;
        }
        Ok(())
    }

    fn after(&mut self, i: usize) -> Result<()> {
        let mut found: Vec<Regenerated> = Vec::new();
        for path in self.steps[i].outputs() {
            if found.iter().any(|r| r.path == path) {
                continue;
            }
            let abs = self.root.join(&path);
            let regenerated = if std::fs::symlink_metadata(&abs).is_ok() {
                Regenerated {
                    checksum: Some(self.git.hash_path(&path)?.to_string()),
                    empty_dir: abs.is_dir() && !has_files(&abs)?,
                    path,
                }
            } else {
                Regenerated {
                    path,
                    checksum: None,
                    empty_dir: false,
                }
            };
            found.push(regenerated);
        }
        self.regenerated[i] = found;
        Ok(())
    }
}

/// Removes the file at `rel`, or everything inside the directory at `rel`.
fn clear_output(root: &Path, rel: &str) -> Result<()> {
    let abs = root.join(rel);
    let Ok(meta) = std::fs::symlink_metadata(&abs) else {
        return Ok(());
    };
    if !meta.is_dir() {
        return std::fs::remove_file(&abs).io_context(|| format!("Cannot remove {rel}"));
    }
    for entry in std::fs::read_dir(&abs).io_context(|| format!("Cannot list {rel}"))? {
        let entry = entry.io_context(|| format!("Cannot list {rel}"))?;
        let path = entry.path();
        let removed = if entry.file_type().is_ok_and(|t| t.is_dir()) {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        removed.io_context(|| format!("Cannot remove {}", path.display()))?;
    }
    Ok(())
}

/// Whether any file (not counting directories) lies below `dir`.
fn has_files(dir: &Path) -> Result<bool> {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).io_context(|| format!("Cannot list {}", d.display()))? {
            let entry = entry.io_context(|| format!("Cannot list {}", d.display()))?;
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(entry.path());
            } else {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// A temporary linked work tree of the project, detached at one commit, removed on drop.
struct Scratch {
    project_root: PathBuf,
    /// Holds the work tree; removing it removes everything left behind.
    _parent: tempfile::TempDir,
    dir: PathBuf,
}

impl Scratch {
    /// Checks out `commit` of the project at `root` into a new temporary work tree, with no
    /// hooks and the Git LFS filter turned off (pointers stay pointers).
    fn create(root: &Path, commit: &str) -> Result<Scratch> {
        let parent = tempfile::Builder::new()
            .prefix("renku-check-")
            .tempdir()
            .io_context(|| "Cannot create a temporary directory".into())?;
        let dir = parent.path().join("project");
        let dir_text = dir.to_string_lossy().into_owned();
        git_command(
            root,
            &[
                "-c",
                "core.hooksPath=/dev/null",
                "-c",
                "filter.lfs.process=",
                "-c",
                "filter.lfs.smudge=",
                "-c",
                "filter.lfs.required=false",
                "worktree",
                "add",
                "--detach",
                "--quiet",
                &dir_text,
                commit,
            ],
        )?;
        Ok(Scratch {
            project_root: root.to_path_buf(),
            _parent: parent,
            dir,
        })
    }

    /// The root of the scratch work tree.
    fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let dir = self.dir.to_string_lossy().into_owned();
        if let Err(e) = git_command(&self.project_root, &["worktree", "remove", "--force", &dir]) {
            tracing::debug!("could not remove the scratch work tree {dir}: {e}");
            let _ = std::fs::remove_dir_all(&self.dir);
            let _ = git_command(&self.project_root, &["worktree", "prune"]);
        }
    }
}
