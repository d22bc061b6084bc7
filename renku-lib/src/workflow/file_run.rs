//! `renku run FILE.yml [STEP…]`: executing the steps of a workflow file and recording each as
//! a plan (with a stable id derived from the file and step) and an activity, in one commit
//! with the workflow file and the persisted inputs and outputs.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Stdio};

use md5::{Digest, Md5};

use super::file::{Item, Step, WorkflowFile, load};
use crate::context::CommandContext;
use crate::model::{
    Activity, CommandParameter, Entity, ParameterKind, Person, Plan, SoftwareAgent, Stream,
    WorkflowFileActivityCollection,
};
use crate::repo::ProjectDir;
use crate::repo::lfs::{LfsTracker, Tracked};
use crate::store::{Kind, Record};
use crate::{Error, Result};

/// Options of `renku run FILE.yml`.
#[derive(Debug, Clone, Default)]
pub struct FileRunOptions {
    /// Steps to run (default: all), in any order.
    pub steps: Vec<String>,
    /// Only say what would run.
    pub dry_run: bool,
    /// Run, but record and commit nothing.
    pub no_commit: bool,
}

/// What `renku run FILE.yml` did (or would do).
#[derive(Debug, Clone, Default)]
pub struct FileRunReport {
    /// `(plan name, step name, command as written)` of each selected step, in run order.
    pub steps: Vec<(String, String, String)>,
    /// Warnings about the step selection (duplicated step names).
    pub warnings: Vec<String>,
    /// Warnings about items that do not appear in their step's command.
    pub unused_items: Vec<String>,
    /// Plans recorded (empty for dry runs and `--no-commit`).
    pub plans: Vec<Plan>,
    /// Persisted outputs put into Git LFS (the patterns added to `.gitattributes`).
    pub lfs: Tracked,
    /// The record of this execution of the file (`None` for dry runs and `--no-commit`).
    pub collection: Option<WorkflowFileActivityCollection>,
}

/// `/plans/<md5 of text>`.
fn md5_id(text: &str) -> String {
    let digest = Md5::digest(text.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("/plans/{hex}")
}

/// Runs (or, with `dry_run`, lists) the selected steps of the workflow file at `path`.
/// `on_step(plan name, command)` is called before each step runs.
pub fn run_file(
    ctx: &CommandContext,
    project: &ProjectDir,
    path: &Path,
    opts: &FileRunOptions,
    on_step: &dyn Fn(&str, &str),
) -> Result<FileRunReport> {
    let file = load(project, path)?;
    // Step plans are named `<workflow name>.<step>`, as renku-python names them.
    let stem = file.name.clone();
    let mut report = FileRunReport::default();
    let selected = select_steps(&file, &opts.steps, &mut report.warnings)?;
    for step in &selected {
        report.unused_items.extend(step.warnings.iter().cloned());
        report.steps.push((
            format!("{stem}.{}", step.name),
            step.name.clone(),
            step.command.clone(),
        ));
    }
    if opts.dry_run {
        return Ok(report);
    }
    let root = project.root().to_path_buf();
    let git = project.git()?;
    let store = project.store();
    let lfs = LfsTracker::new(&root, git.repo(), ctx.external_storage)?;
    let mut tx = ctx.begin_transaction(&root)?;
    let (user_name, user_email) = git.identity()?;
    let person = Person::new(user_name, Some(user_email), None);
    let index = store.index()?;
    let root_id = md5_id(&file.path);
    let root_previous = index
        .latest(Kind::Plan, Some(&root_id))
        .map(|head| store.read::<Plan>(Kind::Plan, &head))
        .transpose()?
        .filter(|r| !r.removed);
    let own_name = root_previous
        .as_ref()
        .is_some_and(|r| r.data.name == file.name);
    if !own_name && super::query::active_plan_names(&index).contains(&file.name) {
        return Err(Error::Failed(format!(
            "Duplicate workflow file name: Workflow '{}' already exists.",
            file.name
        )));
    }
    let file_checksum = git.hash_path(&file.path)?.to_string();
    // The plan of a step: the same id as long as the step does not change.
    let plan_of = |step: &Step, missing: &BTreeSet<String>| -> Result<(Plan, PlanOrigin)> {
        let plan_name = format!("{stem}.{}", step.name);
        let stable_id = md5_id(&format!("{}::{}", file.path, step.name));
        let mut plan = step_plan(step, &plan_name, &stable_id, missing);
        let previous = index
            .latest(Kind::Plan, Some(&stable_id))
            .map(|head| store.read::<Plan>(Kind::Plan, &head))
            .transpose()?;
        let origin = match previous {
            Some(prev) if prev.removed => {
                // The step's plan was removed: the step starts a new plan.
                plan = step_plan(step, &plan_name, &Plan::new_id(), missing);
                PlanOrigin::New
            }
            Some(prev) if same_plan(&prev.data, &plan) => {
                plan = prev.data.clone();
                PlanOrigin::Reused
            }
            Some(prev) => {
                plan.derived_from = Some(prev.data.id.clone());
                plan.id = Plan::new_id();
                plan.date_created = prev.data.date_created;
                PlanOrigin::Derived(Box::new(prev))
            }
            None => PlanOrigin::New,
        };
        Ok((plan, origin))
    };
    let mut persisted: BTreeSet<String> = BTreeSet::new();
    let mut records: Vec<(Plan, Activity, PlanOrigin)> = Vec::new();
    for step in &selected {
        let plan_name = format!("{stem}.{}", step.name);
        on_step(&plan_name, &step.display_command());
        // Inputs must exist; their content is hashed before the step runs.
        let mut input_hashes: BTreeMap<String, String> = BTreeMap::new();
        for input in step.items.iter().filter(|i| i.kind == ParameterKind::Input) {
            if !root.join(&input.value).exists() {
                return Err(Error::Failed(format!(
                    "Step '{}': the input file or directory '{}' does not exist.",
                    step.name, input.value
                )));
            }
            input_hashes.insert(
                input.value.clone(),
                git.hash_path(&input.value)?.to_string(),
            );
        }
        let missing_outputs = missing_outputs(&root, step);
        // The command may expect the directories of its outputs to exist.
        for output in step
            .items
            .iter()
            .filter(|i| i.kind == ParameterKind::Output)
        {
            if let Some(parent) = root.join(&output.value).parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| Error::io(format!("Cannot create {}", parent.display()), e))?;
            }
        }
        let started = crate::util::now_precise();
        execute_step(&root, step)?;
        let ended = crate::util::now_precise();
        crate::interrupt::check()?;
        for output in step
            .items
            .iter()
            .filter(|i| i.kind == ParameterKind::Output)
        {
            if !root.join(&output.value).exists() {
                return Err(Error::Failed(format!(
                    "Step '{}' did not produce its output '{}'.",
                    step.name, output.value
                )));
            }
        }
        for it in step
            .items
            .iter()
            .filter(|i| i.kind != ParameterKind::Parameter && i.persist)
        {
            persisted.insert(it.value.clone());
        }
        // Large persisted outputs go to Git LFS before their checksums are taken, so that
        // they (and later steps' usages of them) are those of the committed pointers.
        let persisted_outputs: Vec<String> = step
            .items
            .iter()
            .filter(|i| i.kind == ParameterKind::Output && i.persist)
            .map(|i| i.value.clone())
            .collect();
        let tracked = lfs.track(&mut tx, git.repo(), &persisted_outputs)?;
        report.lfs.show_message = tracked.show_message;
        report.lfs.patterns.extend(tracked.patterns);
        let (mut plan, origin) = plan_of(step, &missing_outputs)?;
        // A new plan exists from the moment its step started: the knowledge graph requires an
        // activity to start no earlier than its plan was created.
        let started_s = chrono::SubsecRound::trunc_subsecs(started, 0);
        if plan.date_created > started_s {
            if plan.date_modified == plan.date_created {
                plan.date_modified = started_s;
            }
            plan.date_created = started_s;
        }
        let entity = |rel: &str, before: Option<&String>| -> Result<Entity> {
            let checksum = match before {
                Some(h) => h.clone(),
                None => git.hash_path(rel)?.to_string(),
            };
            Ok(Entity::new(rel, &checksum, root.join(rel).is_dir()))
        };
        let used = step
            .items
            .iter()
            .filter(|i| i.kind == ParameterKind::Input)
            .map(|i| entity(&i.value, input_hashes.get(&i.value)))
            .collect::<Result<Vec<_>>>()?;
        let generated = step
            .items
            .iter()
            .filter(|i| i.kind == ParameterKind::Output)
            .map(|i| entity(&i.value, None))
            .collect::<Result<Vec<_>>>()?;
        let mut activity = Activity::of_plan(
            Activity::new_id(),
            &plan,
            (started, ended),
            person.clone(),
            used,
            generated,
        );
        // The workflow file is a hidden usage: `renku status` reports steps whose file changed.
        activity.add_hidden_usage(Entity::new(&file.path, &file_checksum, false));
        report.plans.push(plan.clone());
        records.push((plan, activity, origin));
    }
    if opts.no_commit {
        tx.rollback()?;
        report.plans.clear();
        report.lfs = Tracked::default();
        return Ok(report);
    }
    // The whole file as a composite plan of its steps: a new version when all steps ran and
    // the file changed; kept as it is when only some steps ran — unless the file has none
    // yet, which then records the plans of the steps that did not run, too.
    let mut extra_plans: Vec<(Plan, PlanOrigin)> = Vec::new();
    let root_plan_id = if selected.len() == file.steps.len() || root_previous.is_none() {
        let mut step_ids = Vec::new();
        for step in &file.steps {
            match records
                .iter()
                .find(|(p, _, _)| p.name == format!("{stem}.{}", step.name))
            {
                Some((p, _, _)) => step_ids.push(p.id.clone()),
                None => {
                    let (plan, origin) = plan_of(step, &missing_outputs(&root, step))?;
                    step_ids.push(plan.id.clone());
                    extra_plans.push((plan, origin));
                }
            }
        }
        let mut root_plan = Plan {
            id: root_id.clone(),
            name: file.name.clone(),
            description: file.description.clone(),
            command: String::new(),
            parameters: Vec::new(),
            success_codes: Vec::new(),
            keywords: file.keywords.clone(),
            creators: Vec::new(),
            date_created: crate::util::now(),
            date_modified: crate::util::now(),
            date_removed: None,
            derived_from: None,
            annotations: Vec::new(),
            steps: step_ids,
            mappings: Vec::new(),
            links: Vec::new(),
            path: Some(file.path.clone()),
        };
        let unchanged = root_previous.as_ref().is_some_and(|prev| {
            prev.data.name == root_plan.name
                && prev.data.description == root_plan.description
                && prev.data.keywords == root_plan.keywords
                && prev.data.steps == root_plan.steps
        });
        match &root_previous {
            Some(prev) if unchanged => prev.data.id.clone(),
            Some(prev) => {
                root_plan.derived_from = Some(prev.data.id.clone());
                root_plan.id = Plan::new_id();
                root_plan.date_created = prev.data.date_created;
                let record = prev.derive(tx.id(), root_plan.clone());
                store.put(&mut tx, &record)?;
                root_plan.id
            }
            None => {
                let record =
                    Record::new(Kind::Plan, root_plan.id.clone(), tx.id(), root_plan.clone());
                store.put(&mut tx, &record)?;
                root_plan.id
            }
        }
    } else {
        root_previous
            .as_ref()
            .map(|prev| prev.data.id.clone())
            .unwrap_or_else(|| root_id.clone())
    };
    tx.stage_path(&file.path)?;
    for rel in &persisted {
        stage_tree(&mut tx, &root, rel)?;
    }
    let unrun = extra_plans
        .iter()
        .map(|(plan, origin)| (plan, None, origin));
    let run = records
        .iter()
        .map(|(plan, activity, origin)| (plan, Some(activity), origin));
    for (plan, activity, origin) in run.chain(unrun) {
        let record = match origin {
            PlanOrigin::Reused => None,
            PlanOrigin::New => Some(Record::new(
                Kind::Plan,
                plan.id.clone(),
                tx.id(),
                plan.clone(),
            )),
            PlanOrigin::Derived(prev) => Some(prev.derive(tx.id(), plan.clone())),
        };
        if let Some(record) = record {
            store.put(&mut tx, &record)?;
        }
        if let Some(activity) = activity {
            let activity_record = Record::new(
                Kind::Activity,
                activity.id.clone(),
                tx.id(),
                activity.clone(),
            );
            store.put(&mut tx, &activity_record)?;
        }
    }
    // This execution of the file, linking its activities to the composite plan.
    if let (Some((_, first, _)), Some((_, last, _))) = (records.first(), records.last()) {
        let collection = WorkflowFileActivityCollection {
            id: WorkflowFileActivityCollection::new_id(),
            activities: records.iter().map(|(_, a, _)| a.id.clone()).collect(),
            plan_id: root_plan_id,
            started_at_time: first.started_at_time,
            ended_at_time: last.ended_at_time,
            agent: SoftwareAgent::current(),
            person: person.clone(),
        };
        let record = Record::new(
            Kind::WorkflowFileActivityCollection,
            collection.id.clone(),
            tx.id(),
            collection.clone(),
        );
        store.put(&mut tx, &record)?;
        report.collection = Some(collection);
    }
    tx.commit(&ctx.argv)?;
    Ok(report)
}

/// Where the plan recorded for a step comes from.
enum PlanOrigin {
    /// First run of the step (or its plan was removed): a new plan.
    New,
    /// The step did not change: the recorded plan is reused.
    Reused,
    /// The step changed: a new version of the recorded plan.
    Derived(Box<Record<Plan>>),
}

/// Stages a file, or every file under a directory.
fn stage_tree(
    tx: &mut crate::repo::transaction::Transaction,
    root: &Path,
    rel: &str,
) -> Result<()> {
    let abs = root.join(rel);
    if abs.is_file() {
        return tx.stage_path(rel);
    }
    let mut stack = vec![abs];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(r) = p.strip_prefix(root) {
                tx.stage_path(&r.to_string_lossy().replace('\\', "/"))?;
            }
        }
    }
    Ok(())
}

fn select_steps<'a>(
    file: &'a WorkflowFile,
    wanted: &[String],
    warnings: &mut Vec<String>,
) -> Result<Vec<&'a Step>> {
    if wanted.is_empty() {
        return Ok(file.steps.iter().collect());
    }
    let unique: BTreeSet<&String> = wanted.iter().collect();
    if unique.len() != wanted.len() {
        warnings.push("Duplicated steps will be included only once.".into());
    }
    let missing: Vec<&str> = unique
        .iter()
        .filter(|w| !file.steps.iter().any(|s| s.name == ***w))
        .map(|w| w.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(Error::Parameter(format!(
            "Cannot find steps: {}",
            missing.join(", ")
        )));
    }
    Ok(file
        .steps
        .iter()
        .filter(|s| unique.contains(&s.name))
        .collect())
}

fn execute_step(root: &Path, step: &Step) -> Result<()> {
    let Some((program, args)) = step.argv.split_first() else {
        return Err(Error::Failed(format!(
            "Step '{}' has an empty command.",
            step.name
        )));
    };
    let mut cmd = Command::new(program);
    cmd.args(args).current_dir(root);
    // Scripts using renku-python's `renku.api` read their values from these.
    for it in &step.items {
        cmd.env(format!("RENKU_ENV_{}", it.name), &it.value);
    }
    let open_out = |it: &Item| -> Result<std::fs::File> {
        let p = root.join(&it.value);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| Error::io(format!("Cannot create {}", parent.display()), e))?;
        }
        std::fs::File::create(&p).map_err(|e| Error::io(format!("Cannot write {}", it.value), e))
    };
    for it in &step.items {
        match it.mapped_to {
            Some(Stream::Stdin) => {
                let f = std::fs::File::open(root.join(&it.value))
                    .map_err(|e| Error::io(format!("Cannot read {}", it.value), e))?;
                cmd.stdin(Stdio::from(f));
            }
            Some(Stream::Stdout) => {
                cmd.stdout(Stdio::from(open_out(it)?));
            }
            Some(Stream::Stderr) => {
                cmd.stderr(Stdio::from(open_out(it)?));
            }
            None => {}
        }
    }
    let status = cmd.status().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied => Error::Usage(format!(
            "Cannot execute command '{program}' of step '{}': This is likely because the executable doesn't exist or has the wrong permissions set.",
            step.name
        )),
        _ => Error::Command(format!("Cannot execute step '{}': {e}", step.name)),
    })?;
    match status.code() {
        Some(code) if step.success_codes.contains(&code) => Ok(()),
        Some(code) => Err(Error::Command(format!(
            "Step '{}' failed: the command returned exit status {code}.",
            step.name
        ))),
        None => {
            crate::interrupt::check()?;
            Err(Error::Command(format!(
                "Step '{}' was terminated by a signal.",
                step.name
            )))
        }
    }
}

/// The outputs of `step` that do not exist (yet).
fn missing_outputs(root: &Path, step: &Step) -> BTreeSet<String> {
    step.items
        .iter()
        .filter(|i| i.kind == ParameterKind::Output && !root.join(&i.value).exists())
        .map(|i| i.value.clone())
        .collect()
}

/// The plan of a step, as renku-python makes it from a workflow file: no creators, no
/// encoding formats, `createFolder` for outputs in a sub-directory that did not exist when
/// the step started (`missing`).
fn step_plan(step: &Step, name: &str, id: &str, missing: &BTreeSet<String>) -> Plan {
    let now = crate::util::now();
    // Ids as renku-python makes them for workflow files: the name when the file gives one,
    // else the parameter's 1-based position among those of its kind.
    let mut counts: std::collections::HashMap<&'static str, usize> = Default::default();
    let parameters = step
        .items
        .iter()
        .map(|it| CommandParameter {
            id: {
                let segment = it.kind.id_segment();
                let n = counts.entry(segment).or_insert(0);
                *n += 1;
                let last = if it.named {
                    crate::util::quote_path(&it.name)
                } else {
                    n.to_string()
                };
                format!("{id}/{segment}/{last}")
            },
            kind: it.kind,
            name: it.name.clone(),
            description: it.description.clone(),
            default_value: serde_json::json!(it.value),
            position: it.position,
            prefix: it.prefix.clone(),
            mapped_to: it.mapped_to,
            encoding_format: None,
            create_folder: it.kind == ParameterKind::Output
                && missing.contains(&it.value)
                && Path::new(&it.value)
                    .parent()
                    .is_some_and(|p| !p.as_os_str().is_empty()),
            name_set_by_user: it.named,
        })
        .collect();
    Plan {
        id: id.to_string(),
        name: name.to_string(),
        description: step.description.clone(),
        command: step.base_command.join(" "),
        parameters,
        success_codes: if step.success_codes == [0] {
            Vec::new()
        } else {
            step.success_codes.clone()
        },
        keywords: step.keywords.clone(),
        creators: Vec::new(),
        date_created: now,
        date_modified: now,
        date_removed: None,
        derived_from: None,
        annotations: Vec::new(),
        steps: Vec::new(),
        mappings: Vec::new(),
        links: Vec::new(),
        path: None,
    }
}

/// Whether two plans describe the same step (ignoring ids and dates).
fn same_plan(a: &Plan, b: &Plan) -> bool {
    let strip = |p: &Plan| {
        let params: Vec<_> = p
            .parameters
            .iter()
            .map(|x| {
                (
                    x.kind,
                    x.name.clone(),
                    x.default_value.clone(),
                    x.position,
                    x.prefix.clone(),
                    x.mapped_to,
                    x.description.clone(),
                )
            })
            .collect();
        (
            p.name.clone(),
            p.command.clone(),
            params,
            p.success_codes.clone(),
            p.keywords.clone(),
            p.description.clone(),
        )
    };
    strip(a) == strip(b)
}
