//! Changing recorded plans (`workflow remove`) and listing recorded paths
//! (`workflow inputs|outputs`).

use std::collections::BTreeSet;

use super::query;
use crate::context::CommandContext;
use crate::model::Plan;
use crate::repo::ProjectDir;
use crate::store::Kind;
use crate::{Error, Result};

/// Checks that `name_or_id` names a plan that can be removed (before asking the user):
/// a missing or removed one is a bad parameter, as in renku-python.
pub fn check_removable(project: &ProjectDir, name_or_id: &str) -> Result<()> {
    let store = project.store();
    let index = store.index()?;
    match query::find_plan(&store, &index, name_or_id)? {
        Some(r) if !r.removed && r.data.date_removed.is_none() => Ok(()),
        _ => Err(Error::Parameter(format!(
            "The specified workflow '{name_or_id}' cannot be found."
        ))),
    }
}

/// Marks the plan `name_or_id` as removed: a new version with `date_removed` set, committed.
/// Its activities stay in the history.
pub fn remove_plan(ctx: &CommandContext, project: &ProjectDir, name_or_id: &str) -> Result<Plan> {
    let store = project.store();
    let mut tx = ctx.begin_transaction(project.root())?;
    let index = store.index()?;
    let current = query::find_plan(&store, &index, name_or_id)?
        .filter(|r| !r.removed && r.data.date_removed.is_none())
        .ok_or_else(|| {
            Error::Parameter(format!(
                "The specified workflow '{name_or_id}' cannot be found."
            ))
        })?;
    let now = crate::util::now();
    let mut removed = current.data.clone();
    removed.derived_from = Some(current.data.id.clone());
    removed.id = Plan::new_id();
    removed.date_modified = now;
    removed.date_removed = Some(now);
    let mut record = current.derive(tx.id(), removed.clone());
    record.removed = true;
    store.put(&mut tx, &record)?;
    tx.commit(&ctx.argv)?;
    Ok(removed)
}

/// Which recorded paths to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathRole {
    /// Paths activities used.
    Inputs,
    /// Paths activities generated.
    Outputs,
}

/// What `workflow inputs|outputs` found.
#[derive(Debug, Clone, Default)]
pub struct RecordedPaths {
    /// The paths to print.
    pub paths: Vec<String>,
    /// Asked-for paths that are neither recorded nor inside a recorded directory.
    pub unknown: Vec<String>,
}

/// All paths used (or generated) by recorded activities; with `filter` (project-relative
/// paths), only those of the given paths that are recorded or lie inside a recorded
/// directory.
pub fn recorded_paths(
    project: &ProjectDir,
    role: PathRole,
    filter: &[String],
) -> Result<RecordedPaths> {
    let index = project.store().index()?;
    let mut all: BTreeSet<String> = BTreeSet::new();
    for (_, e) in index.live(Kind::Activity) {
        let list = match role {
            PathRole::Inputs => &e.used,
            PathRole::Outputs => &e.generated,
        };
        all.extend(list.iter().cloned());
    }
    if filter.is_empty() {
        return Ok(RecordedPaths {
            paths: all.into_iter().collect(),
            unknown: Vec::new(),
        });
    }
    let mut out = RecordedPaths::default();
    for wanted in filter {
        let inside = all
            .iter()
            .any(|p| p == wanted || wanted.starts_with(&format!("{p}/")));
        let below: Vec<&String> = all
            .iter()
            .filter(|p| p.starts_with(&format!("{wanted}/")))
            .collect();
        if inside {
            out.paths.push(wanted.clone());
        } else if !below.is_empty() {
            // A directory holding recorded paths: they are listed (renku-python lists them
            // too but then exits 1; a directory of inputs is not an error here).
            out.paths.extend(below.into_iter().cloned());
        } else {
            out.unknown.push(wanted.clone());
        }
    }
    out.paths.sort();
    out.paths.dedup();
    Ok(out)
}

/// Changes requested by `workflow edit`.
#[derive(Debug, Clone, Default)]
pub struct PlanEdit {
    /// New name.
    pub name: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// `name=value`: new default value of a parameter (a new parameter when unknown).
    pub set: Vec<String>,
    /// `old=new` parameter renames.
    pub rename: Vec<String>,
    /// `name=text` parameter descriptions.
    pub describe: Vec<String>,
    /// New custom metadata (replaces the annotations from `renku`).
    pub metadata: Option<serde_json::Value>,
    /// New creators (`Name <email> [affiliation]`), replacing the old ones.
    pub creators: Vec<String>,
    /// New keywords, replacing the old ones.
    pub keywords: Vec<String>,
    /// Composite plans: `NAME=REF[,REF…]` adds or replaces a mapping, `NAME=` removes it.
    pub map: Vec<String>,
}

impl PlanEdit {
    /// Whether nothing was asked for.
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.description.is_none()
            && self.set.is_empty()
            && self.rename.is_empty()
            && self.describe.is_empty()
            && self.metadata.is_none()
            && self.creators.is_empty()
            && self.keywords.is_empty()
            && self.map.is_empty()
    }
}

fn split_assignment(text: &str, option: &str) -> Result<(String, String)> {
    let (k, v) = text.split_once('=').ok_or_else(|| {
        Error::Usage(format!(
            "Invalid value for '{option}': '{text}' is not of the form NAME=VALUE."
        ))
    })?;
    let clean = |s: &str| s.trim().trim_matches('"').trim().to_string();
    let (k, v) = (clean(k), clean(v));
    if k.is_empty() {
        return Err(Error::Usage(format!(
            "Invalid value for '{option}': '{text}' has no name."
        )));
    }
    Ok((k, v))
}

/// Applies `edit` to the plan `name_or_id` as a new derived version (committed); returns the
/// new version. With an empty edit, returns the current version and changes nothing.
pub fn edit_plan(
    ctx: &CommandContext,
    project: &ProjectDir,
    name_or_id: &str,
    edit: &PlanEdit,
) -> Result<Plan> {
    let store = project.store();
    let index = store.index()?;
    let found = query::find_plan(&store, &index, name_or_id)?;
    let not_found = format!("The specified workflow '{name_or_id}' cannot be found.");
    let current = match found {
        Some(r) if !r.removed && r.data.date_removed.is_none() => r,
        Some(_) => return Err(Error::Parameter(not_found)),
        None if query::was_removed(&store, &index, name_or_id)? => {
            return Err(Error::Parameter(not_found));
        }
        None => return Err(Error::Failed(not_found)),
    };
    if edit.is_empty() {
        return Ok(current.data);
    }
    let mut plan = current.data.clone();
    if !plan.is_composite() && !edit.map.is_empty() {
        return Err(Error::Usage(format!(
            "'{}' is not a composite plan: --map only applies to composite plans.",
            plan.name
        )));
    }
    let new_id = Plan::new_id();
    if let Some(name) = &edit.name {
        super::run::validate_plan_name(name)?;
        if *name != plan.name && query::active_plan_names(&index).contains(name) {
            return Err(Error::Failed(format!(
                "Duplicate workflow name: Workflow '{name}' already exists."
            )));
        }
        plan.name = name.clone();
    }
    if let Some(d) = &edit.description {
        plan.description = Some(d.clone());
    }
    if !edit.creators.is_empty() {
        plan.creators = edit
            .creators
            .iter()
            .map(|c| crate::model::Person::parse_strict(c))
            .collect::<Result<_>>()?;
    }
    if !edit.keywords.is_empty() {
        plan.keywords = edit.keywords.clone();
    }
    let composite = plan.is_composite();
    if composite {
        plan = edit_composite(project, plan, &new_id, edit)?;
    }
    // A composite's mappings took the parameter edits.
    let plain_only =
        |list: &[String]| -> Vec<String> { if composite { Vec::new() } else { list.to_vec() } };
    for r in &plain_only(&edit.rename) {
        let (old, new) = split_assignment(r, "--rename-param")?;
        if plan.parameters.iter().any(|p| p.name == new) {
            return Err(Error::Parameter(format!(
                "Duplicate input, output or parameter names found: {new}"
            )));
        }
        let p = plan
            .parameters
            .iter_mut()
            .find(|p| p.name == old)
            .ok_or_else(|| {
                Error::Failed(format!(
                    "Parameter '{old}' not found in plan '{}'.",
                    plan.name
                ))
            })?;
        p.name = new;
        p.name_set_by_user = true;
    }
    for d in &plain_only(&edit.describe) {
        let (name, text) = split_assignment(d, "--describe-param")?;
        let p = plan
            .parameters
            .iter_mut()
            .find(|p| p.name == name)
            .ok_or_else(|| {
                Error::Failed(format!(
                    "Parameter '{name}' not found in plan '{}'.",
                    plan.name
                ))
            })?;
        p.description = Some(text);
    }
    for s in &plain_only(&edit.set) {
        let (name, value) = split_assignment(s, "--set")?;
        match plan.parameters.iter_mut().find(|p| p.name == name) {
            Some(p) => {
                p.default_value = serde_json::json!(value);
                p.id = format!(
                    "{new_id}/{}/{}",
                    p.kind.id_segment(),
                    p.id.rsplit('/').next().unwrap_or(&name)
                );
            }
            None => plan.parameters.push(crate::model::CommandParameter {
                id: format!("{new_id}/parameters/{}", crate::util::quote_path(&name)),
                kind: crate::model::ParameterKind::Parameter,
                name: name.clone(),
                description: None,
                default_value: serde_json::json!(value),
                position: None,
                prefix: None,
                mapped_to: None,
                encoding_format: None,
                create_folder: false,
                name_set_by_user: true,
            }),
        }
    }
    if let Some(body) = &edit.metadata {
        plan.annotations.retain(|a| a.source != "renku");
        plan.annotations
            .push(crate::model::Annotation::new(body.clone(), "renku"));
    }
    plan.derived_from = Some(current.data.id.clone());
    plan.id = new_id;
    plan.date_modified = crate::util::now();
    let mut tx = ctx.begin_transaction(project.root())?;
    let record = current.derive(tx.id(), plan.clone());
    store.put(&mut tx, &record)?;
    tx.commit(&ctx.argv)?;
    Ok(plan)
}

/// The mapping edits of a composite plan: `--map` adds, replaces or removes mappings, and
/// `--set`, `--rename-param` and `--describe-param` act on mappings by name.
fn edit_composite(project: &ProjectDir, plan: Plan, new_id: &str, edit: &PlanEdit) -> Result<Plan> {
    let mut tree = query::plan_tree(project, plan)?;
    let plan_name = tree.plan.name.clone();
    let missing = |name: &str| {
        Error::Failed(format!(
            "Cannot find mapping '{name}' on workflow {plan_name}"
        ))
    };
    for m in &edit.map {
        let (name, targets) = split_assignment(m, "--map")?;
        let existing = tree.plan.mappings.iter().position(|x| x.name == name);
        if targets.is_empty() {
            let i = existing.ok_or_else(|| missing(&name))?;
            tree.plan.mappings.remove(i);
            continue;
        }
        let old = existing.map(|i| tree.plan.mappings.remove(i));
        super::compose::add_mapping(&mut tree, &name, &targets, new_id)?;
        if let Some(old) = old
            && let Some(new) = tree.plan.mappings.last_mut()
        {
            new.id = old.id;
            new.description = old.description;
            new.default_value = old.default_value;
        }
    }
    let mapping = |name: &str| {
        tree.plan
            .mappings
            .iter()
            .position(|m| m.name == name)
            .ok_or_else(|| missing(name))
    };
    let mut changes: Vec<(usize, MappingChange)> = Vec::new();
    for s in &edit.set {
        let (name, value) = split_assignment(s, "--set")?;
        changes.push((mapping(&name)?, MappingChange::Default(value)));
    }
    for r in &edit.rename {
        let (old, new) = split_assignment(r, "--rename-param")?;
        changes.push((mapping(&old)?, MappingChange::Name(new)));
    }
    for d in &edit.describe {
        let (name, text) = split_assignment(d, "--describe-param")?;
        changes.push((mapping(&name)?, MappingChange::Description(text)));
    }
    for (i, change) in changes {
        match change {
            MappingChange::Default(v) => {
                tree.plan.mappings[i].default_value = Some(serde_json::Value::String(v));
            }
            MappingChange::Name(new) => {
                if tree.plan.mappings.iter().any(|m| m.name == new) {
                    return Err(Error::Parameter(format!(
                        "Duplicate mapping names found: {new}"
                    )));
                }
                tree.plan.mappings[i].name = new;
            }
            MappingChange::Description(text) => tree.plan.mappings[i].description = Some(text),
        }
    }
    Ok(tree.plan)
}

/// One change to a mapping of a composite plan.
enum MappingChange {
    Default(String),
    Name(String),
    Description(String),
}
