//! `workflow export`: a plan as a CWL `CommandLineTool` or as a renku workflow file.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::model::{CommandParameter, ParameterKind, Plan, Stream};
use crate::repo::ProjectDir;
use crate::{Error, Result};

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// CWL v1.0 `CommandLineTool`.
    Cwl,
    /// A renku workflow file (YAML).
    Renku,
}

/// Exports the plan `name_or_id` as YAML text. `values` (parameter name → value) replace the
/// recorded values first.
pub fn export_plan(
    project: &ProjectDir,
    name_or_id: &str,
    format: ExportFormat,
    values: &BTreeMap<String, Value>,
) -> Result<String> {
    let mut plan = super::query::plan_by_name_or_id(project, name_or_id)?.ok_or_else(|| {
        Error::Failed(format!(
            "The specified workflow '{name_or_id}' cannot be found."
        ))
    })?;
    if plan.is_composite() {
        return Err(Error::Failed(format!(
            "'{}' is a composite plan: exporting composite plans is not supported yet.",
            plan.name
        )));
    }
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
    let doc = match format {
        ExportFormat::Cwl => to_cwl(project, &plan),
        ExportFormat::Renku => to_workflow_file(&plan),
    };
    serde_saphyr::to_string(&doc).map_err(|e| Error::Failed(format!("Cannot write YAML: {e}")))
}

fn cwl_id(name: &str) -> String {
    let mut id: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if id.starts_with(|c: char| c.is_ascii_digit()) || id.is_empty() {
        id.insert(0, '_');
    }
    id
}

fn binding(p: &CommandParameter) -> Value {
    let mut b = serde_json::Map::new();
    if let Some(pos) = p.position {
        b.insert("position".into(), json!(pos));
    }
    match &p.prefix {
        Some(prefix) if prefix.ends_with(' ') => {
            b.insert("prefix".into(), json!(prefix.trim_end()));
            b.insert("separate".into(), json!(true));
        }
        Some(prefix) => {
            b.insert("prefix".into(), json!(prefix));
            b.insert("separate".into(), json!(false));
        }
        None => {}
    }
    Value::Object(b)
}

fn scalar_type(v: &Value) -> &'static str {
    match v {
        Value::Number(n) if n.is_i64() || n.is_u64() => "int",
        Value::Number(_) => "double",
        Value::Bool(_) => "boolean",
        _ => "string",
    }
}

/// The CWL `CommandLineTool` of a plan. Inputs are staged read-only at their paths relative to
/// the working directory (`InitialWorkDirRequirement`), and every argument is passed as the
/// same relative path as in the recorded run, so the tool runs the command exactly as
/// `renku run` did.
fn to_cwl(project: &ProjectDir, plan: &Plan) -> Value {
    let mut inputs = serde_json::Map::new();
    let mut outputs = serde_json::Map::new();
    let mut listing: Vec<Value> = Vec::new();
    let mut env = serde_json::Map::new();
    let mut doc = serde_json::Map::new();
    let mut created_dirs: Vec<String> = Vec::new();
    for p in &plan.parameters {
        let id = cwl_id(&p.name);
        let value = p.default_value.clone();
        env.insert(format!("RENKU_ENV_{}", p.name), json!(p.value_text()));
        match p.kind {
            ParameterKind::Input => {
                let rel = p.value_text();
                let is_dir = p.encoding_format.as_deref() == Some("inode/directory");
                let class = if is_dir { "Directory" } else { "File" };
                let location = format!("file://{}", project.root().join(&rel).display());
                inputs.insert(
                    id.clone(),
                    json!({"type": class, "default": {"class": class, "location": location}}),
                );
                listing.push(json!({"entry": format!("$(inputs.{id})"), "entryname": rel, "writable": false}));
                if p.mapped_to == Some(Stream::Stdin) {
                    doc.insert("stdin".into(), json!(rel));
                } else if p.position.is_some() {
                    inputs.insert(
                        format!("{id}_arg"),
                        json!({"type": "string", "default": rel, "inputBinding": binding(p)}),
                    );
                }
            }
            ParameterKind::Output => {
                let rel = p.value_text();
                let is_dir = p.encoding_format.as_deref() == Some("inode/directory");
                let class = if is_dir { "Directory" } else { "File" };
                outputs.insert(
                    id.clone(),
                    json!({"type": class, "outputBinding": {"glob": rel}}),
                );
                match p.mapped_to {
                    Some(Stream::Stdout) => {
                        doc.insert("stdout".into(), json!(rel));
                    }
                    Some(Stream::Stderr) => {
                        doc.insert("stderr".into(), json!(rel));
                    }
                    _ if p.position.is_some() => {
                        inputs.insert(
                            format!("{id}_arg"),
                            json!({"type": "string", "default": rel, "inputBinding": binding(p)}),
                        );
                    }
                    _ => {}
                }
                // The command expects the directory holding the output to exist.
                if let Some(parent) = std::path::Path::new(&rel)
                    .parent()
                    .filter(|d| !d.as_os_str().is_empty())
                {
                    let parent = parent.to_string_lossy().into_owned();
                    let staged = plan.of_kind(ParameterKind::Input).any(|i| {
                        i.value_text().starts_with(&format!("{parent}/"))
                            || i.value_text() == parent
                    });
                    if !staged && !created_dirs.contains(&parent) {
                        listing.push(
                            json!({"entryname": format!("{parent}/.renku-keep"), "entry": ""}),
                        );
                        created_dirs.push(parent);
                    }
                }
            }
            ParameterKind::Parameter => {
                let mut input = serde_json::Map::new();
                input.insert("type".into(), json!(scalar_type(&value)));
                input.insert("default".into(), value);
                if p.position.is_some() {
                    input.insert("inputBinding".into(), binding(p));
                }
                inputs.insert(id, Value::Object(input));
            }
        }
    }
    let base: Vec<&str> = plan.command.split(' ').filter(|w| !w.is_empty()).collect();
    doc.insert("cwlVersion".into(), json!("v1.0"));
    doc.insert("class".into(), json!("CommandLineTool"));
    doc.insert("id".into(), json!(crate::util::new_hex_id()));
    doc.insert("label".into(), json!(plan.name));
    if let Some(d) = &plan.description {
        doc.insert("doc".into(), json!(d));
    }
    if !base.is_empty() {
        doc.insert("baseCommand".into(), json!(base));
    }
    doc.insert("inputs".into(), Value::Object(inputs));
    doc.insert("outputs".into(), Value::Object(outputs));
    let mut requirements = serde_json::Map::new();
    if !listing.is_empty() {
        requirements.insert(
            "InitialWorkDirRequirement".into(),
            json!({"listing": listing}),
        );
    }
    requirements.insert("EnvVarRequirement".into(), json!({"envDef": env}));
    doc.insert("requirements".into(), Value::Object(requirements));
    if !plan.success_codes.is_empty() {
        doc.insert("successCodes".into(), json!(plan.success_codes));
    }
    Value::Object(doc)
}

/// The renku workflow file of a plan: `name: <plan>-workflow-file` with one step.
fn to_workflow_file(plan: &Plan) -> Value {
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
    json!({ "name": format!("{}-workflow-file", plan.name), "steps": { plan.name.clone(): step } })
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
