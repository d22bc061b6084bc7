//! `renku update` and `renku rerun`: choosing the recorded activities to execute again,
//! executing their plans with the values they ran with, and recording the new executions.
//!
//! Everything happens in one transaction: the outputs the steps will write are backed up
//! first, and if any step fails (or the command is interrupted) every output is put back and
//! nothing is recorded.

use std::collections::{BTreeMap, BTreeSet};

use super::current::WorkTree;
use super::executor::{
    ExecObserver, ExecStep, Executor, Local, ProviderOptions, StepHooks, StepTiming,
};
use super::graph::{ActivityGraph, PlanFilter, Selection, within};
use super::status::{check_paths_exist, downstream_generating, modified_usages};
use crate::context::CommandContext;
use crate::model::{Activity, CommandParameter, Entity, ParameterKind, Person, Plan};
use crate::repo::ProjectDir;
use crate::repo::git::Git;
use crate::repo::lfs::{LfsTracker, Tracked};
use crate::repo::status::FileState;
use crate::repo::transaction::Transaction;
use crate::store::{Kind, Record};
use crate::workflow::query;
use crate::{Error, Result};

/// Options of `renku update`.
#[derive(Debug, Clone, Default)]
pub struct UpdateOptions {
    /// Only update what these paths (repository-relative files or directories) need.
    pub paths: Vec<String>,
    /// Only list what would run.
    pub dry_run: bool,
    /// Leave out chains whose outputs were all deleted.
    pub ignore_deleted: bool,
    /// Steps to run at once (at least 1).
    pub jobs: usize,
    /// Execute, but record and commit nothing (the outputs stay as the steps wrote them).
    pub skip_metadata_update: bool,
    /// Where the steps run.
    pub provider: ProviderOptions,
}

/// Options of `renku rerun`.
#[derive(Debug, Clone, Default)]
pub struct RerunOptions {
    /// The outputs to generate again (repository-relative).
    pub paths: Vec<String>,
    /// Only re-execute the chains that start at these inputs.
    pub sources: Vec<String>,
    /// Only list what would run.
    pub dry_run: bool,
    /// Steps to run at once (at least 1).
    pub jobs: usize,
    /// Execute, but record and commit nothing (the outputs stay as the steps wrote them).
    pub skip_metadata_update: bool,
    /// Where the steps run.
    pub provider: ProviderOptions,
}

/// One step of an update or rerun, in execution order.
#[derive(Debug, Clone)]
pub struct PlannedStep {
    /// Name of the plan.
    pub plan_name: String,
    /// The activity that is executed again.
    pub activity_id: String,
    /// When that activity ran.
    pub date_executed: chrono::DateTime<chrono::FixedOffset>,
    /// Inputs that changed since (for `rerun`: the `--from` sources it uses).
    pub modified_inputs: Vec<String>,
    /// Its outputs.
    pub outputs: Vec<String>,
    /// The command line, with stream redirections.
    pub command: String,
}

/// What an update or rerun did (or, for a dry run, would do).
#[derive(Debug, Clone, Default)]
pub struct ExecutionReport {
    /// The steps, in execution order. Empty when there was nothing to do.
    pub steps: Vec<PlannedStep>,
    /// The activities recorded (none for a dry run).
    pub activities: Vec<Activity>,
    /// Paths that `rerun` was asked for but no activity generated.
    pub not_generated: Vec<String>,
    /// Outputs put into Git LFS (the patterns added to `.gitattributes`).
    pub lfs: Tracked,
}

fn ignore_deleted_configured(project: &ProjectDir) -> bool {
    crate::config::Config::load(Some(project.root()))
        .ok()
        .and_then(|c| c.value("renku.update_ignore_delete"))
        .is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "true" | "1" | "yes"))
}

/// Brings outdated outputs up to date: executes, in dependency order, every activity
/// downstream of a modified input (restricted to what `paths` need), with the values it ran
/// with, and records the new executions in one commit. `observer` hears about each step.
pub fn update(
    ctx: &CommandContext,
    project: &ProjectDir,
    opts: &UpdateOptions,
    observer: &dyn ExecObserver,
) -> Result<ExecutionReport> {
    check_paths_exist(project, &opts.paths, "[PATHS]...")?;
    let ignore_deleted = opts.ignore_deleted || ignore_deleted_configured(project);
    let root = project.root();
    let store = project.store();
    let index = store.index()?;
    let graph = ActivityGraph::relevant(&index, PlanFilter::ActivePlans);
    if graph.nodes.is_empty() {
        return Ok(ExecutionReport::default());
    }
    let git = project.git()?;
    let tree = WorkTree::load(&git)?;
    let (modified, _deleted) = modified_usages(&graph, &tree)?;
    let mut selected: BTreeSet<usize> = BTreeSet::new();
    let mut changed_inputs: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
    for m in &modified {
        let paths: &[String] =
            if opts.paths.is_empty() || opts.paths.iter().any(|p| within(&m.path, p)) {
                &[]
            } else {
                &opts.paths
            };
        let stale = downstream_generating(&graph, root, m.node, paths, ignore_deleted);
        if stale.contains(&m.node) {
            changed_inputs
                .entry(m.node)
                .or_default()
                .insert(m.path.clone());
        }
        selected.extend(stale);
    }
    let order = graph.execution_order(&selected)?;
    let prepared = prepare_steps(project, &graph, &order, &changed_inputs)?;
    run_selected(
        ctx,
        project,
        &git,
        prepared,
        &RunSettings {
            dry_run: opts.dry_run,
            jobs: opts.jobs,
            skip_metadata_update: opts.skip_metadata_update,
            provider: &opts.provider,
        },
        observer,
    )
}

/// Generates `paths` again: executes the newest activity that generated each of them and
/// everything upstream of it (with `sources`, only the chains that start at one of them),
/// with the values they ran with, and records the new executions in one commit.
pub fn rerun(
    ctx: &CommandContext,
    project: &ProjectDir,
    opts: &RerunOptions,
    observer: &dyn ExecObserver,
    editor: Option<&dyn InputEditor>,
) -> Result<ExecutionReport> {
    let selection = select_rerun(project, &opts.paths, &opts.sources)?;
    let git = project.git()?;
    let mut prepared = prepare_steps(
        project,
        &selection.graph,
        &selection.order,
        &selection.source_uses,
    )?;
    if let Some(editor) = editor {
        edit_inputs(&mut prepared.steps, editor)?;
        for (planned, step) in prepared.planned.iter_mut().zip(&prepared.steps) {
            planned.command = step.plan.full_command();
        }
    }
    let mut report = run_selected(
        ctx,
        project,
        &git,
        prepared,
        &RunSettings {
            dry_run: opts.dry_run,
            jobs: opts.jobs,
            skip_metadata_update: opts.skip_metadata_update,
            provider: &opts.provider,
        },
        observer,
    )?;
    report.not_generated = selection.not_generated;
    Ok(report)
}

/// The activities `renku rerun PATHS --from SOURCES` executes again.
pub(crate) struct RerunSelection {
    /// The relevant activities (removed plans included).
    pub graph: ActivityGraph,
    /// The selected nodes of `graph`, in execution order.
    pub order: Vec<usize>,
    /// For selected nodes that start a chain at a `--from` source: the sources they use.
    pub source_uses: BTreeMap<usize, BTreeSet<String>>,
    /// Paths no activity generated.
    pub not_generated: Vec<String>,
}

/// Selects, for each of `paths`, the newest activity that generated it and everything
/// upstream of it (with `sources`, only the chains that start at one of them), in execution
/// order. The paths and sources must exist in the work tree.
pub(crate) fn select_rerun(
    project: &ProjectDir,
    paths: &[String],
    sources: &[String],
) -> Result<RerunSelection> {
    if paths.is_empty() {
        return Err(Error::Usage("Missing argument 'PATHS...'.".into()));
    }
    check_paths_exist(project, paths, "PATHS...")?;
    check_paths_exist(project, sources, "--from")?;
    let store = project.store();
    let index = store.index()?;
    let graph = ActivityGraph::relevant(&index, PlanFilter::AllPlans);
    let Selection {
        selected,
        not_generated,
        source_uses,
    } = graph.select_generating(paths, sources);
    let order = graph.execution_order(&selected)?;
    Ok(RerunSelection {
        graph,
        order,
        source_uses,
        not_generated,
    })
}

/// `plan` with the values `activity` ran with as its parameters' values.
pub fn plan_with_values(plan: &Plan, activity: &Activity) -> Plan {
    let mut plan = plan.clone();
    for p in &mut plan.parameters {
        if let Some(v) = activity.parameters.iter().find(|v| v.parameter_id == p.id) {
            p.default_value = v.value.clone();
        }
    }
    plan
}

/// Dependencies between steps: a step waits for the earlier steps that generate one of its
/// inputs, and for earlier steps that generate the same outputs.
pub fn set_step_dependencies(steps: &mut [ExecStep]) {
    let mut producers: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, step) in steps.iter_mut().enumerate() {
        let mut deps: BTreeSet<usize> = BTreeSet::new();
        for path in step.inputs().iter().chain(step.outputs().iter()) {
            for (out, who) in &producers {
                if within(path, out) || within(out, path) {
                    deps.extend(who.iter().copied());
                }
            }
        }
        for out in step.outputs() {
            producers.entry(out).or_default().push(i);
        }
        step.deps = deps.into_iter().collect();
    }
}

/// How selected steps run.
struct RunSettings<'a> {
    dry_run: bool,
    jobs: usize,
    skip_metadata_update: bool,
    provider: &'a ProviderOptions,
}

/// Asks for new values of the inputs of re-executed steps (`renku rerun --edit-inputs`).
pub trait InputEditor {
    /// The new value of `input` of the step `step` (`None`: keep it).
    fn edit(&self, step: &str, input: &CommandParameter) -> Result<Option<String>>;
}

/// Lets `editor` change the inputs that no step generates, then orders the steps again.
fn edit_inputs(steps: &mut [ExecStep], editor: &dyn InputEditor) -> Result<()> {
    let generated: Vec<String> = steps.iter().flat_map(|s| s.outputs()).collect();
    for step in steps.iter_mut() {
        let name = step.plan.name.clone();
        for p in step.plan.parameters.iter_mut() {
            if p.kind != ParameterKind::Input {
                continue;
            }
            let current = p.value_text();
            if generated
                .iter()
                .any(|g| within(&current, g) || within(g, &current))
            {
                continue;
            }
            if let Some(new) = editor.edit(&name, p)?.filter(|n| *n != current) {
                let path = std::path::Path::new(&new);
                if path.is_absolute()
                    || path
                        .components()
                        .any(|c| matches!(c, std::path::Component::ParentDir))
                {
                    return Err(Error::Usage(format!(
                        "Invalid input value: '{new}' is not a path inside the project (paths are relative to its root)."
                    )));
                }
                p.default_value = serde_json::Value::String(new);
            }
        }
    }
    set_step_dependencies(steps);
    Ok(())
}

fn run_selected(
    ctx: &CommandContext,
    project: &ProjectDir,
    git: &Git,
    prepared: PreparedSteps,
    settings: &RunSettings<'_>,
    observer: &dyn ExecObserver,
) -> Result<ExecutionReport> {
    let mut report = ExecutionReport::default();
    if prepared.steps.is_empty() {
        return Ok(report);
    }
    report.steps = prepared.planned;
    let steps = prepared.steps;
    // Inputs that no step generates must exist.
    if let Some(input) = missing_inputs(project.root(), &steps).into_iter().next() {
        return Err(Error::Usage(format!(
            "Invalid input value: Input '{input}' does not exist!"
        )));
    }
    if settings.dry_run {
        return Ok(report);
    }

    let executor = settings.provider.executor(settings.jobs)?;
    let recorded = execute_and_record_with(
        ctx,
        project,
        git,
        &steps,
        executor.as_ref(),
        observer,
        settings.skip_metadata_update,
    )?;
    report.activities = recorded.activities;
    report.lfs = recorded.lfs;
    Ok(report)
}

/// The steps that execute the activities `order` (nodes of `graph`) again.
pub(crate) struct PreparedSteps {
    /// What each step is, for reports and the dry-run table.
    pub planned: Vec<PlannedStep>,
    /// The steps, dependencies set, each plan with the values its activity ran with.
    pub steps: Vec<ExecStep>,
    /// The activities executed again, one per step.
    pub activities: Vec<Activity>,
}

/// Reads the activities `order` and their plans and makes one step of each;
/// `changed_inputs` lists, per node, inputs that changed since it ran.
pub(crate) fn prepare_steps(
    project: &ProjectDir,
    graph: &ActivityGraph,
    order: &[usize],
    changed_inputs: &BTreeMap<usize, BTreeSet<String>>,
) -> Result<PreparedSteps> {
    let store = project.store();
    let index = store.index()?;
    let mut planned: Vec<PlannedStep> = Vec::with_capacity(order.len());
    let mut steps: Vec<ExecStep> = Vec::with_capacity(order.len());
    let mut activities: Vec<Activity> = Vec::with_capacity(order.len());
    let mut plans_by_id: BTreeMap<String, Plan> = BTreeMap::new();
    for &n in order {
        let node = &graph.nodes[n];
        let activity: Activity = store.read(Kind::Activity, &node.version)?.data;
        let plan = match plans_by_id.get(&activity.plan_id) {
            Some(p) => p.clone(),
            None => {
                let p = query::plan_by_version_id(&store, &index, &activity.plan_id)?;
                plans_by_id.insert(activity.plan_id.clone(), p.clone());
                p
            }
        };
        let plan = plan_with_values(&plan, &activity);
        planned.push(PlannedStep {
            plan_name: plan.name.clone(),
            activity_id: activity.id.clone(),
            date_executed: activity.ended_at_time,
            modified_inputs: changed_inputs
                .get(&n)
                .map(|s| s.iter().cloned().collect())
                .unwrap_or_default(),
            outputs: plan
                .of_kind(ParameterKind::Output)
                .map(|p| p.value_text())
                .collect(),
            command: plan.full_command(),
        });
        steps.push(ExecStep {
            plan,
            deps: Vec::new(),
        });
        activities.push(activity);
    }
    set_step_dependencies(&mut steps);
    // What differs for each step: its modified inputs and what earlier steps generate.
    for (i, s) in steps.iter().enumerate() {
        let mut changed: BTreeSet<String> = planned[i].modified_inputs.iter().cloned().collect();
        for input in s.inputs() {
            if steps[..i].iter().any(|e| {
                e.outputs()
                    .iter()
                    .any(|o| within(&input, o) || within(o, &input))
            }) {
                changed.insert(input);
            }
        }
        planned[i].modified_inputs = changed.into_iter().collect();
    }
    Ok(PreparedSteps {
        planned,
        steps,
        activities,
    })
}

/// Inputs of `steps` that no step generates and that do not exist below `root`.
pub(crate) fn missing_inputs(root: &std::path::Path, steps: &[ExecStep]) -> Vec<String> {
    let generated: Vec<String> = generated_paths(steps);
    let mut missing = Vec::new();
    for s in steps {
        for input in s.inputs() {
            let produced = generated
                .iter()
                .any(|g| within(&input, g) || within(g, &input));
            if !produced && !root.join(&input).exists() && !missing.contains(&input) {
                missing.push(input);
            }
        }
    }
    missing
}

/// What [`execute_and_record_with`] recorded.
#[derive(Debug, Clone, Default)]
pub struct Recorded {
    /// One new activity per step (none with `skip_metadata_update`).
    pub activities: Vec<Activity>,
    /// Outputs put into Git LFS (the patterns added to `.gitattributes`).
    pub lfs: Tracked,
}

/// Executes `steps` (dependencies set) with the local executor, `jobs` at once, and records
/// them (see [`execute_and_record_with`]).
pub fn execute_and_record(
    ctx: &CommandContext,
    project: &ProjectDir,
    git: &Git,
    steps: &[ExecStep],
    jobs: usize,
    observer: &dyn ExecObserver,
    skip_metadata_update: bool,
) -> Result<Recorded> {
    execute_and_record_with(
        ctx,
        project,
        git,
        steps,
        &Local { jobs },
        observer,
        skip_metadata_update,
    )
}

/// Executes `steps` (dependencies set) with `executor` and records one new activity per step,
/// with the outputs and the inputs git did not have yet, in one commit. All outputs are backed up first, so a
/// failure restores them. With `skip_metadata_update`, the outputs stay as the steps left them
/// and nothing is recorded or committed.
///
/// Large new outputs go to Git LFS as with `renku run` ([`LfsTracker`]): as soon as a step
/// finished, the patterns its outputs need are appended to `.gitattributes` (committed with
/// the rest), so the checksums recorded for them — and for later steps' usages of them — are
/// those of the pointers git commits.
pub fn execute_and_record_with(
    ctx: &CommandContext,
    project: &ProjectDir,
    git: &Git,
    steps: &[ExecStep],
    executor: &dyn Executor,
    observer: &dyn ExecObserver,
    skip_metadata_update: bool,
) -> Result<Recorded> {
    let root = project.root().to_path_buf();
    let store = project.store();
    let mut activities = Vec::with_capacity(steps.len());
    // Built first: an unusable `lfs_threshold` fails before anything runs. Nothing is
    // committed without metadata, so then nothing goes to LFS either.
    let lfs = if skip_metadata_update {
        None
    } else {
        Some(LfsTracker::new(&root, git.repo(), ctx.external_storage)?)
    };
    let mut tx = ctx.begin_transaction(&root)?;
    let before = crate::repo::status::fingerprint(git)?;
    // Every output is backed up before anything runs: a failure puts them all back.
    let mut protected_files = Vec::new();
    for s in steps {
        for p in s.plan.of_kind(ParameterKind::Output) {
            let rel = p.value_text();
            let is_dir =
                root.join(&rel).is_dir() || p.encoding_format.as_deref() == Some("inode/directory");
            if is_dir {
                tx.protect_dir(&rel)?;
            } else {
                protected_files.push(rel);
            }
        }
    }
    tx.protect_files(&protected_files)?;
    let (user_name, user_email) = git.identity()?;
    let person = Person::new(user_name, Some(user_email), None);
    let mut hooks = RecordingHooks {
        git,
        root: &root,
        steps,
        tx: &mut tx,
        lfs: lfs.as_ref(),
        tracked: Tracked::default(),
        used: vec![Vec::new(); steps.len()],
        generated: vec![Vec::new(); steps.len()],
    };
    let timings = executor.execute(&root, steps, &mut hooks, observer)?;
    let RecordingHooks {
        used,
        generated,
        tracked,
        ..
    } = hooks;
    crate::interrupt::check()?;
    if skip_metadata_update {
        tx.keep_files_and_end()?;
        return Ok(Recorded::default());
    }

    // Stage the outputs (files inside output directories included, removed ones too) and the
    // inputs whose content git does not have yet.
    let head = git.head_id()?;
    for s in steps {
        for out in s.outputs() {
            let abs = root.join(&out);
            if abs.is_dir() {
                let mut files: BTreeSet<String> = walk_files(&root, &out);
                if let Some(h) = head {
                    files.extend(git.files_under(h, &out)?.into_keys());
                }
                for f in files {
                    tx.stage_path(&f)?;
                }
            } else {
                tx.stage_path(&out)?;
            }
        }
    }
    for (path, state) in &before.dirty {
        if !matches!(state, FileState::Present(_)) || !root.join(path).is_file() {
            continue;
        }
        let is_input = steps
            .iter()
            .any(|s| s.inputs().iter().any(|i| within(path, i)));
        let is_output = generated_paths(steps).iter().any(|o| within(path, o));
        if is_input && !is_output {
            tx.stage_path(path)?;
        }
    }
    let mut records = Vec::with_capacity(steps.len());
    for (i, s) in steps.iter().enumerate() {
        let timing: StepTiming = timings[i];
        let activity = Activity::of_plan(
            Activity::new_id(),
            &s.plan,
            (timing.started, timing.ended),
            person.clone(),
            used[i].clone(),
            generated[i].clone(),
        );
        records.push(Record::new(
            Kind::Activity,
            activity.id.clone(),
            tx.id(),
            activity.clone(),
        ));
        activities.push(activity);
    }
    store.put_all(&mut tx, &records)?;
    // More than one execution: they are also recorded as one collection.
    if activities.len() > 1 {
        let collection = crate::model::ActivityCollection::new(
            activities.iter().map(|a| a.id.clone()).collect(),
        );
        let record = Record::new(
            Kind::ActivityCollection,
            collection.id.clone(),
            tx.id(),
            collection,
        );
        store.put(&mut tx, &record)?;
    }
    tx.commit(&ctx.argv)?;
    Ok(Recorded {
        activities,
        lfs: tracked,
    })
}

fn generated_paths(steps: &[ExecStep]) -> Vec<String> {
    steps.iter().flat_map(|s| s.outputs()).collect()
}

/// Repository-relative paths of the files below `rel`.
fn walk_files(root: &std::path::Path, rel: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![root.join(rel)];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let p = entry.path();
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(p);
            } else if let Ok(r) = p.strip_prefix(root) {
                out.insert(r.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out
}

/// Hashes each step's inputs before it runs and its outputs after it ran, tracking large
/// outputs in Git LFS first.
struct RecordingHooks<'a> {
    git: &'a Git,
    root: &'a std::path::Path,
    steps: &'a [ExecStep],
    tx: &'a mut Transaction,
    lfs: Option<&'a LfsTracker>,
    tracked: Tracked,
    used: Vec<Vec<Entity>>,
    generated: Vec<Vec<Entity>>,
}

impl RecordingHooks<'_> {
    fn entity(&self, rel: &str) -> Result<Entity> {
        let checksum = self.git.hash_path(rel)?.to_string();
        Ok(Entity::new(rel, &checksum, self.root.join(rel).is_dir()))
    }
}

impl StepHooks for RecordingHooks<'_> {
    fn before(&mut self, i: usize) -> Result<()> {
        let mut used: Vec<Entity> = Vec::new();
        for input in self.steps[i].inputs() {
            if used.iter().any(|e| e.path == input) {
                continue;
            }
            if !self.root.join(&input).exists() {
                return Err(Error::Usage(format!(
                    "Invalid input value: Input '{input}' does not exist!"
                )));
            }
            used.push(self.entity(&input)?);
        }
        self.used[i] = used;
        Ok(())
    }

    fn after(&mut self, i: usize) -> Result<()> {
        if let Some(lfs) = self.lfs {
            let outputs: Vec<String> = self.steps[i]
                .outputs()
                .into_iter()
                .filter(|o| self.root.join(o).exists())
                .collect();
            let tracked = lfs.track(self.tx, self.git.repo(), &outputs)?;
            self.tracked.show_message = tracked.show_message;
            self.tracked.patterns.extend(tracked.patterns);
        }
        let mut generated: Vec<Entity> = Vec::new();
        for output in self.steps[i].outputs() {
            if generated.iter().any(|e| e.path == output) {
                continue;
            }
            if !self.root.join(&output).exists() {
                return Err(Error::Failed(format!(
                    "Step '{}' did not produce its output '{output}'.",
                    self.steps[i].name()
                )));
            }
            generated.push(self.entity(&output)?);
        }
        self.generated[i] = generated;
        Ok(())
    }
}
