//! `workflow export`: a plan as CWL (a `CommandLineTool`, or a `Workflow` of the steps of a
//! composite plan) or as a renku workflow file.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::composite::{PlanTree, resolve_steps};
use super::cwl::{WorkflowInput, WorkflowStep};
use crate::model::{ParameterKind, Plan};
use crate::repo::ProjectDir;
use crate::{Error, Result};

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// CWL v1.0: a `CommandLineTool` for a plan, a `Workflow` for a composite plan.
    Cwl,
    /// A renku workflow file (YAML).
    Renku,
}

/// Exports the plan `name_or_id` as YAML text. `values` (parameter name → value; for a
/// composite plan, mapping names and `step.parameter` references, or nested mappings) replace
/// the recorded values first.
pub fn export_plan(
    project: &ProjectDir,
    name_or_id: &str,
    format: ExportFormat,
    values: &BTreeMap<String, Value>,
) -> Result<String> {
    let mut plan = super::query::live_plan(project, name_or_id)?;
    let doc = if plan.is_composite() {
        let tree = super::query::plan_tree(project, plan)?;
        export_composite(project, &tree, format, values)?
    } else {
        for (name, value) in values {
            let p = plan
                .parameters
                .iter_mut()
                .find(|p| p.name == *name)
                .ok_or_else(|| {
                    Error::Parameter(format!(
                        "Parameter '{name}' not found in plan '{}'.",
                        plan.name
                    ))
                })?;
            p.default_value = value.clone();
        }
        match format {
            ExportFormat::Cwl => super::cwl::command_line_tool(project.root(), &plan),
            ExportFormat::Renku => json!({
                "name": format!("{}-workflow-file", plan.name),
                "steps": [{ plan.name.clone(): workflow_file_step(&plan) }],
            }),
        }
    };
    serde_saphyr::to_string(&doc).map_err(|e| Error::Failed(format!("Cannot write YAML: {e}")))
}

/// A composite plan: its leaf plans with the values applied as `workflow execute` applies them
/// (mappings, then links), as a CWL `Workflow` of one step per leaf plan, or as a workflow file
/// of one step per child plan.
fn export_composite(
    project: &ProjectDir,
    tree: &PlanTree,
    format: ExportFormat,
    values: &BTreeMap<String, Value>,
) -> Result<Value> {
    if format == ExportFormat::Renku && tree.steps.iter().any(|s| s.plan.is_composite()) {
        return Err(Error::Failed(
            "Cannot export CompositePlans within a CompositePlan to Renku workflow file format"
                .into(),
        ));
    }
    let mut flat = BTreeMap::new();
    crate::exec::execute::flatten("", values, &mut flat);
    let resolved = resolve_steps(tree, &flat);
    if !resolved.unresolved.is_empty() {
        return Err(Error::Parameter(format!(
            "Could not resolve the following parameters in \"{}\" workflow: {}",
            tree.plan.name,
            resolved.unresolved.join(",")
        )));
    }
    let now = chrono::Local::now();
    let mut plans = resolved.plans;
    for p in &mut plans {
        crate::exec::execute::render_values(p, now);
    }
    match format {
        ExportFormat::Renku => {
            let steps: Vec<Value> = plans
                .iter()
                .map(|p| {
                    // A workflow file's steps are named `<file name>.<step>`: the file this
                    // exports to names them `<step>`.
                    let name = p
                        .name
                        .strip_prefix(&tree.plan.name)
                        .and_then(|n| n.strip_prefix('.'))
                        .filter(|_| tree.plan.path.is_some())
                        .unwrap_or(&p.name);
                    json!({ name: workflow_file_step(p) })
                })
                .collect();
            let mut doc = serde_json::Map::new();
            doc.insert("name".into(), json!(tree.plan.name));
            if let Some(d) = &tree.plan.description {
                doc.insert("description".into(), json!(d));
            }
            if !tree.plan.keywords.is_empty() {
                doc.insert("keywords".into(), json!(tree.plan.keywords));
            }
            doc.insert("steps".into(), Value::Array(steps));
            Ok(Value::Object(doc))
        }
        ExportFormat::Cwl => {
            let steps = crate::exec::execute::composite_steps(plans, &resolved.link_dependencies)?;
            // The composite's own mappings are the workflow's inputs.
            let leaves = tree.leaves();
            let inputs: Vec<WorkflowInput> = tree
                .plan
                .mappings
                .iter()
                .map(|m| WorkflowInput {
                    name: m.name.clone(),
                    description: m.description.clone(),
                    targets: m
                        .maps_to
                        .iter()
                        .flat_map(|t| tree.leaf_targets(t))
                        .filter_map(|r| {
                            let i = leaves.iter().position(|l| *l == r.step)?;
                            Some((i, r.id))
                        })
                        .collect(),
                })
                .collect();
            let wf_steps: Vec<WorkflowStep<'_>> = steps
                .iter()
                .map(|s| WorkflowStep {
                    plan: &s.plan,
                    deps: &s.deps,
                })
                .collect();
            Ok(super::cwl::workflow(
                project.root(),
                &tree.plan.name,
                tree.plan.description.as_deref(),
                &wf_steps,
                &inputs,
            )
            .document)
        }
    }
}

/// A plan as a step of a workflow file.
fn workflow_file_step(plan: &Plan) -> Value {
    let entries = |kind: ParameterKind, key: &str| -> Vec<Value> {
        plan.of_kind(kind)
            .map(|p| {
                let mut attrs = serde_json::Map::new();
                attrs.insert(
                    key.into(),
                    if key == "path" {
                        json!(p.value_text())
                    } else {
                        p.default_value.clone()
                    },
                );
                if let Some(prefix) = &p.prefix {
                    attrs.insert("prefix".into(), json!(prefix.trim_end()));
                }
                if let Some(d) = &p.description {
                    attrs.insert("description".into(), json!(d));
                }
                json!({ p.name.clone(): attrs })
            })
            .collect()
    };
    let mut step = serde_json::Map::new();
    step.insert("command".into(), json!(plan.full_command()));
    if let Some(d) = &plan.description {
        step.insert("description".into(), json!(d));
    }
    if !plan.keywords.is_empty() {
        step.insert("keywords".into(), json!(plan.keywords));
    }
    for (kind, section, key) in [
        (ParameterKind::Input, "inputs", "path"),
        (ParameterKind::Output, "outputs", "path"),
        (ParameterKind::Parameter, "parameters", "value"),
    ] {
        let list = entries(kind, key);
        if !list.is_empty() {
            step.insert(section.into(), Value::Array(list));
        }
    }
    if !plan.success_codes.is_empty() {
        step.insert("success_codes".into(), json!(plan.success_codes));
    }
    Value::Object(step)
}

/// Reads and parses the `--values` file at `path` (exit 2 when it cannot be read).
pub fn read_values_file(path: &std::path::Path) -> Result<BTreeMap<String, Value>> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::Usage(format!(
            "Invalid value for '--values': Cannot read '{}': {e}",
            path.display()
        ))
    })?;
    parse_values(&text, &path.display().to_string())
}

/// Parses a `--values` file: a YAML mapping of parameter names to values.
pub fn parse_values(text: &str, origin: &str) -> Result<BTreeMap<String, Value>> {
    let value: Value = serde_saphyr::from_str(text).map_err(|e| {
        Error::Parameter(format!("The values file {origin} is not valid YAML: {e}"))
    })?;
    match value {
        Value::Object(map) => Ok(map.into_iter().collect()),
        Value::Null => Ok(BTreeMap::new()),
        _ => Err(Error::Parameter(format!(
            "The values file {origin} must hold a mapping of parameter names to values."
        ))),
    }
}
