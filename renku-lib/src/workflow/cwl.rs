//! CWL v1.0 documents of plans: a `CommandLineTool` per plan, and a `Workflow` whose steps
//! are the tools of several plans, wired so that a step reads what earlier steps wrote.
//!
//! Every tool runs its command exactly as recorded: the same argument vector, with inputs
//! staged (`InitialWorkDirRequirement`) at the same relative paths, the directories that hold
//! outputs created beforehand (as the local executor does), and the `RENKU_ENV_<name>`
//! variables set. In a workflow, an input of a step that an earlier step generates — the same
//! path, a path inside a directory the earlier step generates, or a directory that contains
//! what it generates — is staged from that step's output instead of the project, so the
//! workflow produces the same files as the steps run one after another in the project. The
//! documents use no JavaScript expressions (cwltool needs no `node`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::{Map, Value, json};

use crate::exec::graph::within;
use crate::model::{CommandParameter, ParameterKind, Plan, Stream};

/// A step of a workflow: a plan whose parameters hold the values to run with, and the steps
/// it depends on through links (indices of earlier steps).
#[derive(Debug, Clone, Copy)]
pub struct WorkflowStep<'a> {
    /// The plan.
    pub plan: &'a Plan,
    /// Earlier steps whose outputs reach this step's parameters through links.
    pub deps: &'a [usize],
}

/// A named value of a composite plan exposed as an input of the workflow.
#[derive(Debug, Clone)]
pub struct WorkflowInput {
    /// The mapping's name.
    pub name: String,
    /// Its description.
    pub description: Option<String>,
    /// The parameters it reaches: (step index, parameter id).
    pub targets: Vec<(usize, String)>,
}

/// An output of a workflow: where the file or directory of a step output belongs in the
/// project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowOutput {
    /// The id of the workflow output (`step_<i>_<output>`).
    pub id: String,
    /// The step that generates it.
    pub step: usize,
    /// Its path relative to the project root.
    pub path: String,
    /// Whether it is a directory.
    pub directory: bool,
}

/// A CWL workflow and what its outputs are.
#[derive(Debug, Clone)]
pub struct CwlWorkflow {
    /// The document (`class: Workflow`).
    pub document: Value,
    /// Its outputs, in step order.
    pub outputs: Vec<WorkflowOutput>,
}

/// The id of the step at `index` in a workflow.
pub fn step_id(index: usize) -> String {
    format!("step_{index}")
}

/// A `file://` URI of an absolute path.
pub fn file_uri(path: &Path) -> String {
    format!(
        "file://{}",
        crate::util::quote_path(&path.to_string_lossy().replace('\\', "/"))
    )
}

/// The CWL `CommandLineTool` of a plain plan (its inputs read from the project at `root`).
pub fn command_line_tool(root: &Path, plan: &Plan) -> Value {
    let tool = step_tool(root, plan, &[], &[], &BTreeMap::new());
    let mut doc = Map::new();
    doc.insert("cwlVersion".into(), json!("v1.0"));
    doc.insert("id".into(), json!(crate::util::new_hex_id()));
    doc.extend(tool.doc);
    Value::Object(doc)
}

/// The CWL `Workflow` of `steps` (in an order where a step comes after the steps whose
/// outputs it reads), named `label`, with one input per entry of `inputs`.
pub fn workflow(
    root: &Path,
    label: &str,
    description: Option<&str>,
    steps: &[WorkflowStep<'_>],
    inputs: &[WorkflowInput],
) -> CwlWorkflow {
    // Workflow inputs: one per mapping, typed and valued like the first parameter it reaches.
    let mut ids = Ids::default();
    let mut input_docs: Vec<(String, Value)> = Vec::new();
    let mut mapped: Vec<BTreeMap<String, String>> = vec![BTreeMap::new(); steps.len()];
    for input in inputs {
        let Some(first) = input
            .targets
            .iter()
            .find_map(|(s, id)| parameter(steps, *s, id))
        else {
            continue;
        };
        let id = ids.fresh(&cwl_id(&input.name));
        let mut doc = Map::new();
        match first.kind {
            ParameterKind::Input => {
                let class = class_of(root, first);
                doc.insert("type".into(), json!(class));
                doc.insert(
                    "default".into(),
                    json!({"class": class, "location": file_uri(&root.join(first.value_text()))}),
                );
            }
            ParameterKind::Output => {
                doc.insert("type".into(), json!("string"));
                doc.insert("default".into(), json!(first.value_text()));
            }
            ParameterKind::Parameter => {
                doc.insert("type".into(), json!("string"));
                doc.insert("default".into(), json!(first.value_text()));
            }
        }
        if let Some(d) = &input.description {
            doc.insert("doc".into(), json!(d));
        }
        // Only parameters that run with the mapping's value take it: a value given for the
        // parameter itself, or passed through a link, is stronger.
        for (s, pid) in &input.targets {
            if let Some(p) = parameter(steps, *s, pid)
                && p.kind == first.kind
                && p.default_value == first.default_value
            {
                mapped[*s].insert(pid.clone(), id.clone());
            }
        }
        input_docs.push((id, Value::Object(doc)));
    }

    let mut produced: Vec<Produced> = Vec::new();
    let mut step_docs = Map::new();
    let mut outputs = Vec::new();
    let mut output_docs = Map::new();
    let mut used_inputs: BTreeSet<String> = BTreeSet::new();
    for (i, step) in steps.iter().enumerate() {
        let linked: Vec<&Produced> = produced
            .iter()
            .filter(|o| step.deps.contains(&o.step))
            .collect();
        let tool = step_tool(root, step.plan, &produced, &linked, &mapped[i]);
        for source in tool.step_in.values() {
            if let Some(s) = source.as_str() {
                used_inputs.insert(s.to_string());
            }
        }
        let out_ids: Vec<&str> = tool.outputs.iter().map(|o| o.id.as_str()).collect();
        let mut doc = Map::new();
        doc.insert("in".into(), Value::Object(tool.step_in.clone()));
        doc.insert("out".into(), json!(out_ids));
        doc.insert("run".into(), Value::Object(tool.doc.clone()));
        step_docs.insert(step_id(i), Value::Object(doc));
        for o in tool.outputs {
            let id = format!("{}_{}", step_id(i), o.id);
            output_docs.insert(
                id.clone(),
                json!({
                    "type": if o.directory { "Directory" } else { "File" },
                    "outputSource": format!("{}/{}", step_id(i), o.id),
                }),
            );
            outputs.push(WorkflowOutput {
                id,
                step: i,
                path: o.path.clone(),
                directory: o.directory,
            });
            produced.push(Produced {
                step: i,
                output: o.id,
                path: o.path,
                directory: o.directory,
            });
        }
    }
    let mut doc = Map::new();
    doc.insert("cwlVersion".into(), json!("v1.0"));
    doc.insert("class".into(), json!("Workflow"));
    doc.insert("id".into(), json!(crate::util::new_hex_id()));
    doc.insert("label".into(), json!(label));
    if let Some(d) = description {
        doc.insert("doc".into(), json!(d));
    }
    let inputs: Map<String, Value> = input_docs
        .into_iter()
        .filter(|(id, _)| used_inputs.contains(id))
        .collect();
    doc.insert("inputs".into(), Value::Object(inputs));
    doc.insert("outputs".into(), Value::Object(output_docs));
    doc.insert("steps".into(), Value::Object(step_docs));
    CwlWorkflow {
        document: Value::Object(doc),
        outputs,
    }
}

fn parameter<'a>(
    steps: &[WorkflowStep<'a>],
    step: usize,
    id: &str,
) -> Option<&'a CommandParameter> {
    steps.get(step)?.plan.parameters.iter().find(|p| p.id == id)
}

/// An output of an earlier step of a workflow.
#[derive(Debug, Clone)]
struct Produced {
    step: usize,
    output: String,
    path: String,
    directory: bool,
}

impl Produced {
    fn source(&self) -> Value {
        json!(format!("{}/{}", step_id(self.step), self.output))
    }

    fn class(&self) -> &'static str {
        if self.directory { "Directory" } else { "File" }
    }
}

/// An output of a tool.
struct ToolOutput {
    id: String,
    path: String,
    directory: bool,
}

/// A tool and how a workflow step feeds it.
struct StepTool {
    /// The `CommandLineTool` (without `cwlVersion` and `id`).
    doc: Map<String, Value>,
    /// The step's `in`: tool input id → source.
    step_in: Map<String, Value>,
    outputs: Vec<ToolOutput>,
}

/// A file or directory placed in the tool's working directory.
struct Stage {
    /// The tool input that holds it.
    input: String,
    /// Its path relative to the working directory.
    entryname: String,
    /// Whether it comes from the project (not from an earlier step).
    from_project: bool,
}

/// Unique CWL identifiers.
#[derive(Default)]
struct Ids {
    used: BTreeSet<String>,
}

impl Ids {
    fn fresh(&mut self, base: &str) -> String {
        let mut id = base.to_string();
        let mut n = 2;
        while self.used.contains(&id) {
            id = format!("{base}_{n}");
            n += 1;
        }
        self.used.insert(id.clone());
        id
    }
}

/// The tool of `plan` as a step after the steps that produced `earlier`; `linked` are the
/// outputs of the steps it depends on through links, `mapped` the parameters (by id) that take
/// a workflow input (by id).
fn step_tool(
    root: &Path,
    plan: &Plan,
    earlier: &[Produced],
    linked: &[&Produced],
    mapped: &BTreeMap<String, String>,
) -> StepTool {
    let mut ids = Ids::default();
    let mut inputs = Map::new();
    let mut tool_outputs = Map::new();
    let mut outputs: Vec<ToolOutput> = Vec::new();
    let mut env = Map::new();
    let mut doc = Map::new();
    let mut stages: Vec<Stage> = Vec::new();
    let mut step_in = Map::new();
    // The latest earlier output at each path.
    let latest = |pred: &dyn Fn(&Produced) -> bool| earlier.iter().rev().find(|o| pred(o)).cloned();
    let staged = |stages: &[Stage], path: &str| stages.iter().any(|s| s.entryname == path);

    for p in &plan.parameters {
        env.insert(
            format!("RENKU_ENV_{}", p.name),
            json!(literal(&p.value_text())),
        );
        let rel = p.value_text();
        match p.kind {
            ParameterKind::Input => {
                let stdin = p.mapped_to == Some(Stream::Stdin);
                if stdin {
                    // Where the runner staged the file (a relative path is not one it knows).
                    doc.insert("stdin".into(), json!(literal(&rel)));
                } else if p.position.is_some() {
                    let id = ids.fresh(&format!("{}_arg", cwl_id(&p.name)));
                    inputs.insert(
                        id,
                        json!({"type": "string", "default": rel, "inputBinding": binding(p)}),
                    );
                }
                if let Some(st) = stages.iter().find(|s| s.entryname == rel) {
                    if stdin {
                        let id = st.input.clone();
                        doc.insert("stdin".into(), json!(format!("$(inputs.{id}.path)")));
                    }
                    continue;
                }
                if let Some(o) = latest(&|o: &Produced| o.path == rel) {
                    // Generated by an earlier step.
                    let id = ids.fresh(&cwl_id(&p.name));
                    if stdin {
                        doc.insert("stdin".into(), json!(format!("$(inputs.{id}.path)")));
                    }
                    inputs.insert(id.clone(), json!({"type": o.class()}));
                    step_in.insert(id.clone(), o.source());
                    stages.push(Stage {
                        input: id,
                        entryname: rel,
                        from_project: false,
                    });
                } else if let Some(o) = latest(&|o: &Produced| o.directory && within(&rel, &o.path))
                {
                    // Inside a directory an earlier step generates: that whole directory.
                    if !staged(&stages, &o.path) {
                        let id = ids.fresh(&cwl_id(&p.name));
                        inputs.insert(id.clone(), json!({"type": "Directory"}));
                        step_in.insert(id.clone(), o.source());
                        stages.push(Stage {
                            input: id,
                            entryname: o.path.clone(),
                            from_project: false,
                        });
                    }
                } else {
                    let class = class_of(root, p);
                    // A directory that holds what earlier steps generate: its other entries
                    // come from the project, those from the steps.
                    let mut inner: BTreeMap<String, Produced> = BTreeMap::new();
                    if class == "Directory" {
                        for o in earlier
                            .iter()
                            .filter(|o| within(&o.path, &rel) && o.path != rel)
                        {
                            inner.insert(o.path.clone(), o.clone());
                        }
                    }
                    if inner.is_empty() {
                        let id = ids.fresh(&cwl_id(&p.name));
                        if stdin {
                            doc.insert("stdin".into(), json!(format!("$(inputs.{id}.path)")));
                        }
                        inputs.insert(
                            id.clone(),
                            json!({
                                "type": class,
                                "default": {"class": class, "location": file_uri(&root.join(&rel))},
                            }),
                        );
                        if let Some(source) = mapped.get(&p.id) {
                            step_in.insert(id.clone(), json!(source));
                        }
                        stages.push(Stage {
                            input: id,
                            entryname: rel.clone(),
                            from_project: true,
                        });
                        continue;
                    }
                    // Only the outermost generated paths (a file inside a generated
                    // directory comes with it).
                    let outermost: Vec<String> = inner
                        .keys()
                        .filter(|k| !inner.keys().any(|o| o != *k && within(k, o)))
                        .cloned()
                        .collect();
                    for (path, directory) in project_entries(root, &rel, &outermost) {
                        let class = if directory { "Directory" } else { "File" };
                        let id = ids.fresh(&cwl_id(&format!("{}_{path}", p.name)));
                        inputs.insert(
                            id.clone(),
                            json!({
                                "type": class,
                                "default": {"class": class, "location": file_uri(&root.join(&path))},
                            }),
                        );
                        stages.push(Stage {
                            input: id,
                            entryname: path,
                            from_project: true,
                        });
                    }
                    for path in outermost {
                        let Some(o) = inner.get(&path) else { continue };
                        let id = ids.fresh(&cwl_id(&format!("{}_{path}", p.name)));
                        inputs.insert(id.clone(), json!({"type": o.class()}));
                        step_in.insert(id.clone(), o.source());
                        stages.push(Stage {
                            input: id,
                            entryname: path,
                            from_project: false,
                        });
                    }
                }
            }
            ParameterKind::Output => {
                let directory = class_of(root, p) == "Directory";
                let id = ids.fresh(&cwl_id(&p.name));
                let mut glob = json!(literal(&rel));
                match p.mapped_to {
                    Some(Stream::Stdout) => {
                        doc.insert("stdout".into(), json!(literal(&rel)));
                    }
                    Some(Stream::Stderr) => {
                        doc.insert("stderr".into(), json!(literal(&rel)));
                    }
                    _ if p.position.is_some() => {
                        let arg = ids.fresh(&format!("{id}_arg"));
                        inputs.insert(
                            arg.clone(),
                            json!({"type": "string", "default": rel, "inputBinding": binding(p)}),
                        );
                        if let Some(source) = mapped.get(&p.id) {
                            step_in.insert(arg.clone(), json!(source));
                            glob = json!(format!("$(inputs.{arg})"));
                        }
                    }
                    _ => {}
                }
                tool_outputs.insert(
                    id.clone(),
                    json!({
                        "type": if directory { "Directory" } else { "File" },
                        "outputBinding": {"glob": glob},
                    }),
                );
                outputs.push(ToolOutput {
                    id,
                    path: rel,
                    directory,
                });
            }
            ParameterKind::Parameter => {
                let id = ids.fresh(&cwl_id(&p.name));
                // The text the local executor passes (CWL would render numbers and booleans
                // its own way).
                let mut input = Map::new();
                input.insert("type".into(), json!("string"));
                input.insert("default".into(), json!(p.value_text()));
                if p.position.is_some() {
                    input.insert("inputBinding".into(), binding(p));
                }
                inputs.insert(id.clone(), Value::Object(input));
                if let Some(source) = mapped.get(&p.id) {
                    step_in.insert(id, json!(source));
                }
                // A path passed on through a link: the file it names is staged, too.
                if let Some(o) = linked.iter().rev().find(|o| o.path == rel)
                    && !staged(&stages, &rel)
                {
                    let id = ids.fresh(&cwl_id(&format!("{}_file", p.name)));
                    inputs.insert(id.clone(), json!({"type": o.class()}));
                    step_in.insert(id.clone(), o.source());
                    stages.push(Stage {
                        input: id,
                        entryname: rel,
                        from_project: false,
                    });
                }
            }
        }
    }

    // What lies inside a directory staged from the project is in it already.
    let project_dirs: Vec<String> = stages
        .iter()
        .filter(|s| s.from_project)
        .map(|s| s.entryname.clone())
        .collect();
    stages.retain(|s| {
        !s.from_project
            || !project_dirs
                .iter()
                .any(|d| d != &s.entryname && within(&s.entryname, d))
    });
    stages.sort_by(|a, b| a.entryname.cmp(&b.entryname));
    let output_paths: Vec<&str> = outputs.iter().map(|o| o.path.as_str()).collect();
    let mut listing: Vec<Value> = Vec::new();
    for s in &stages {
        // A staged directory that something is put or written into is a copy, never the
        // original.
        let writable = stages
            .iter()
            .any(|o| o.entryname != s.entryname && within(&o.entryname, &s.entryname))
            || output_paths.iter().any(|o| within(o, &s.entryname));
        listing.push(json!({
            "entry": format!("$(inputs.{})", s.input),
            "entryname": literal(&s.entryname),
            "writable": writable,
        }));
    }
    // The directories that hold outputs exist before the command runs.
    let mut dirs: BTreeSet<String> = BTreeSet::new();
    for out in &output_paths {
        let Some(parent) = Path::new(out)
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
        else {
            continue;
        };
        let parent = parent.to_string_lossy().replace('\\', "/");
        let covered = stages
            .iter()
            .any(|s| within(&s.entryname, &parent) || within(&parent, &s.entryname));
        if !covered {
            dirs.insert(parent);
        }
    }
    listing.extend(directory_literals(&dirs));

    let base: Vec<&str> = plan.command.split(' ').filter(|w| !w.is_empty()).collect();
    doc.insert("class".into(), json!("CommandLineTool"));
    doc.insert("label".into(), json!(plan.name));
    if let Some(d) = &plan.description {
        doc.insert("doc".into(), json!(d));
    }
    if !base.is_empty() {
        doc.insert("baseCommand".into(), json!(base));
    }
    doc.insert("inputs".into(), Value::Object(inputs));
    doc.insert("outputs".into(), Value::Object(tool_outputs));
    let mut requirements = Map::new();
    if !listing.is_empty() {
        requirements.insert(
            "InitialWorkDirRequirement".into(),
            json!({ "listing": listing }),
        );
    }
    requirements.insert("EnvVarRequirement".into(), json!({ "envDef": env }));
    doc.insert("requirements".into(), Value::Object(requirements));
    if !plan.success_codes.is_empty() {
        doc.insert("successCodes".into(), json!(plan.success_codes));
    }
    StepTool {
        doc,
        step_in,
        outputs,
    }
}

/// The entries of the project directory `dir` (relative to `root`) other than `generated`
/// paths inside it, as `(path, is directory)`: directories that hold a generated path are
/// broken up into their entries, the others kept whole.
fn project_entries(root: &Path, dir: &str, generated: &[String]) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
        return out;
    };
    let mut names: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for name in names {
        let path = format!("{dir}/{name}");
        if generated.contains(&path) {
            continue;
        }
        let directory = root.join(&path).is_dir();
        if directory && generated.iter().any(|g| within(g, &path)) {
            out.extend(project_entries(root, &path, generated));
        } else {
            out.push((path, directory));
        }
    }
    out
}

/// CWL directory literals (nested) that create `dirs` in the working directory.
fn directory_literals(dirs: &BTreeSet<String>) -> Vec<Value> {
    #[derive(Default)]
    struct Node(BTreeMap<String, Node>);
    let mut tree = Node::default();
    for d in dirs {
        let mut node = &mut tree;
        for part in d.split('/').filter(|p| !p.is_empty() && *p != ".") {
            node = node.0.entry(part.to_string()).or_default();
        }
    }
    fn to_values(node: &Node) -> Vec<Value> {
        node.0
            .iter()
            .map(|(name, child)| {
                json!({"class": "Directory", "basename": name, "listing": to_values(child)})
            })
            .collect()
    }
    to_values(&tree)
}

/// `File` or `Directory`: what the recorded value of an input or output is.
fn class_of(root: &Path, p: &CommandParameter) -> &'static str {
    if p.encoding_format.as_deref() == Some("inode/directory") || root.join(p.value_text()).is_dir()
    {
        "Directory"
    } else {
        "File"
    }
}

/// A CWL identifier made from a name: letters, digits and `_`, not starting with a digit.
pub fn cwl_id(name: &str) -> String {
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
    let mut b = Map::new();
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

/// `text` as a literal in a CWL field that may hold parameter references.
fn literal(text: &str) -> String {
    text.replace("$(", "\\$(").replace("${", "\\${")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param(kind: ParameterKind, name: &str, value: &str, pos: Option<u32>) -> CommandParameter {
        CommandParameter {
            id: format!("/plans/x/{}/{name}", kind.id_segment()),
            kind,
            name: name.into(),
            description: None,
            default_value: json!(value),
            position: pos,
            prefix: None,
            mapped_to: None,
            encoding_format: None,
            create_folder: false,
            name_set_by_user: false,
        }
    }

    fn plan(name: &str, parameters: Vec<CommandParameter>) -> Plan {
        Plan {
            id: format!("/plans/{name}"),
            name: name.into(),
            description: None,
            command: "cp".into(),
            parameters,
            success_codes: vec![],
            keywords: vec![],
            creators: vec![],
            date_created: crate::util::now(),
            date_modified: crate::util::now(),
            date_removed: None,
            derived_from: None,
            annotations: vec![],
            steps: vec![],
            mappings: vec![],
            links: vec![],
            path: None,
        }
    }

    fn listing(step: &Value) -> Vec<Value> {
        step["run"]["requirements"]["InitialWorkDirRequirement"]["listing"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    #[test]
    fn later_steps_read_what_earlier_steps_generate() {
        let root = Path::new("/nonexistent-project");
        let mut dir_out = param(ParameterKind::Output, "output-2", "out", Some(2));
        dir_out.encoding_format = Some("inode/directory".into());
        let first = plan(
            "first",
            vec![
                param(ParameterKind::Input, "input-1", "a.txt", Some(1)),
                dir_out,
            ],
        );
        let second = plan(
            "second",
            vec![
                param(ParameterKind::Input, "input-1", "out/mid.txt", Some(1)),
                param(ParameterKind::Input, "input-2", "out/other.txt", Some(2)),
                param(ParameterKind::Output, "output-3", "res/r.txt", Some(3)),
            ],
        );
        let steps = [
            WorkflowStep {
                plan: &first,
                deps: &[],
            },
            WorkflowStep {
                plan: &second,
                deps: &[],
            },
        ];
        let wf = workflow(root, "wf", None, &steps, &[]);
        let doc = &wf.document;
        assert_eq!(doc["class"], "Workflow");
        let s1 = &doc["steps"]["step_1"];
        // Both inputs lie inside the directory of step 0: it is staged once, from step 0.
        assert_eq!(s1["in"], json!({"input_1": "step_0/output_2"}));
        let l = listing(s1);
        assert_eq!(
            l[0],
            json!({"entry": "$(inputs.input_1)", "entryname": "out", "writable": false})
        );
        // The directory of the output is created by a literal.
        assert_eq!(
            l[1],
            json!({"class": "Directory", "basename": "res", "listing": []})
        );
        assert_eq!(
            wf.outputs,
            vec![
                WorkflowOutput {
                    id: "step_0_output_2".into(),
                    step: 0,
                    path: "out".into(),
                    directory: true
                },
                WorkflowOutput {
                    id: "step_1_output_3".into(),
                    step: 1,
                    path: "res/r.txt".into(),
                    directory: false
                },
            ]
        );
        assert_eq!(
            doc["outputs"]["step_1_output_3"]["outputSource"],
            "step_1/output_3"
        );
    }

    #[test]
    fn mapped_parameters_take_workflow_inputs() {
        let root = Path::new("/nonexistent-project");
        let a = plan(
            "a",
            vec![
                param(ParameterKind::Input, "input-1", "x.txt", Some(1)),
                param(ParameterKind::Parameter, "n", "5", Some(2)),
                param(ParameterKind::Output, "output-3", "y.txt", Some(3)),
            ],
        );
        let steps = [WorkflowStep {
            plan: &a,
            deps: &[],
        }];
        let inputs = [
            WorkflowInput {
                name: "inp".into(),
                description: Some("the input".into()),
                targets: vec![(0, "/plans/x/inputs/input-1".into())],
            },
            WorkflowInput {
                name: "out".into(),
                description: None,
                targets: vec![(0, "/plans/x/outputs/output-3".into())],
            },
            WorkflowInput {
                name: "gone".into(),
                description: None,
                targets: vec![(0, "/plans/x/parameters/none".into())],
            },
        ];
        let wf = workflow(root, "wf", None, &steps, &inputs);
        let doc = &wf.document;
        assert_eq!(doc["inputs"]["inp"]["type"], "File");
        assert_eq!(
            doc["inputs"]["inp"]["default"]["location"],
            "file:///nonexistent-project/x.txt"
        );
        assert_eq!(doc["inputs"]["out"]["default"], "y.txt");
        assert!(doc["inputs"].get("gone").is_none());
        let s0 = &doc["steps"]["step_0"];
        assert_eq!(s0["in"]["input_1"], "inp");
        assert_eq!(s0["in"]["output_3_arg"], "out");
        assert_eq!(
            s0["run"]["outputs"]["output_3"]["outputBinding"]["glob"],
            "$(inputs.output_3_arg)"
        );
    }

    #[test]
    fn directory_inputs_take_files_earlier_steps_generate() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        std::fs::create_dir_all(root.join("data/sub")).expect("mkdir");
        for f in ["data/old.txt", "data/new.txt", "data/sub/s.txt"] {
            std::fs::write(root.join(f), "recorded").expect("write");
        }
        let first = plan(
            "first",
            vec![param(
                ParameterKind::Output,
                "output-1",
                "data/new.txt",
                Some(1),
            )],
        );
        let mut dir_in = param(ParameterKind::Input, "input-1", "data", Some(1));
        dir_in.encoding_format = Some("inode/directory".into());
        let second = plan(
            "second",
            vec![
                dir_in,
                param(ParameterKind::Output, "output-2", "o.txt", Some(2)),
            ],
        );
        let steps = [
            WorkflowStep {
                plan: &first,
                deps: &[],
            },
            WorkflowStep {
                plan: &second,
                deps: &[],
            },
        ];
        let wf = workflow(root, "wf", None, &steps, &[]);
        let s1 = &wf.document["steps"]["step_1"];
        // The generated file comes from the first step, the directory's other entries from
        // the project (never the project's directory itself, which holds a stale copy).
        let entries: Vec<(String, bool)> = listing(s1)
            .iter()
            .map(|e| {
                (
                    e["entryname"].as_str().unwrap_or_default().to_string(),
                    s1["in"]
                        .get(
                            e["entry"]
                                .as_str()
                                .unwrap_or_default()
                                .trim_start_matches("$(inputs.")
                                .trim_end_matches(')'),
                        )
                        .is_some(),
                )
            })
            .collect();
        assert_eq!(
            entries,
            vec![
                ("data/new.txt".to_string(), true),
                ("data/old.txt".to_string(), false),
                ("data/sub".to_string(), false),
            ]
        );
        assert_eq!(s1["in"]["input_1_data_new_txt"], "step_0/output_1");
        // The first step's output directory is created by a literal, not a staged file.
        let l0 = listing(&wf.document["steps"]["step_0"]);
        assert_eq!(
            l0,
            vec![json!({"class": "Directory", "basename": "data", "listing": []})]
        );
    }

    #[test]
    fn ids_are_unique_and_valid() {
        assert_eq!(cwl_id("input-1"), "input_1");
        assert_eq!(cwl_id("1st"), "_1st");
        let mut ids = Ids::default();
        assert_eq!(ids.fresh("a"), "a");
        assert_eq!(ids.fresh("a"), "a_2");
        assert_eq!(file_uri(Path::new("/p/a b.txt")), "file:///p/a%20b.txt");
        assert_eq!(literal("a$(b)${c}"), "a\\$(b)\\${c}");
        assert_eq!(literal("plain.txt"), "plain.txt");
    }
}
