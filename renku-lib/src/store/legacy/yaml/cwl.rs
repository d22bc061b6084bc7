//! The CWL files renku-python 0.10 recorded runs in (metadata versions 3 and 4):
//! `.renku/workflow/<uuid>_<command>.cwl`, one `CommandLineTool` per `renku run`, and a
//! `Workflow` whose steps name other CWL files per `renku rerun`/`update`. Read into
//! [`OldRun`]s the way renku-python's m_0005 does, except that input paths are resolved
//! against the directory of the CWL file (renku-python 2.9.4 resolves them to `file:` URIs
//! of the working copy, a known bug we do not copy).

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::workflows::{OldParam, OldRun};
use super::{YamlError, parse_yaml_as};
use crate::model::Stream;

/// Directory the CWL files live in.
pub const WORKFLOW_DIR: &str = ".renku/workflow";

/// Map entries in document order (a CWL `inputs:` mapping), or list items with an `id`.
#[derive(Debug, Default, Clone)]
pub struct Entries(pub Vec<(String, Value)>);

impl<'de> Deserialize<'de> for Entries {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Entries;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a mapping or a list of entries with an id")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Value>()? {
                    out.push((k, v));
                }
                Ok(Entries(out))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Entries, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = seq.next_element::<Value>()? {
                    let id = v
                        .get("id")
                        .and_then(Value::as_str)
                        .ok_or_else(|| de::Error::custom("a list entry has no id"))?
                        .trim_start_matches('#')
                        .to_string();
                    out.push((id, v));
                }
                Ok(Entries(out))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Entries, E> {
                Ok(Entries::default())
            }
            fn visit_none<E: de::Error>(self) -> Result<Entries, E> {
                Ok(Entries::default())
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Deserialize)]
struct RawCwl {
    class: Option<String>,
    #[serde(rename = "baseCommand")]
    base_command: Option<Value>,
    #[serde(default)]
    arguments: Option<Value>,
    #[serde(default)]
    inputs: Option<Entries>,
    #[serde(default)]
    outputs: Option<Entries>,
    #[serde(default)]
    steps: Option<Entries>,
    stdin: Option<Value>,
    stdout: Option<Value>,
    stderr: Option<Value>,
    #[serde(default)]
    requirements: Option<Value>,
    #[serde(rename = "successCodes", default)]
    success_codes: Option<Value>,
}

/// An input of a `CommandLineTool`.
#[derive(Debug, Clone)]
struct Input {
    id: String,
    default: Value,
    position: Option<i64>,
    prefix: Option<String>,
    separate: bool,
    has_binding: bool,
}

/// An output of a `CommandLineTool`.
#[derive(Debug, Clone)]
struct Output {
    id: String,
    glob: Option<String>,
}

/// A parsed CWL file.
#[derive(Debug, Clone)]
pub enum Cwl {
    /// One command.
    Tool(Tool),
    /// Steps, each naming another CWL file (relative to this one).
    Workflow(Vec<String>),
}

/// A `CommandLineTool`.
#[derive(Debug, Clone)]
pub struct Tool {
    base_command: Vec<String>,
    arguments: Vec<(Option<i64>, String)>,
    inputs: Vec<Input>,
    outputs: Vec<Output>,
    stdin: Option<String>,
    stdout: Option<String>,
    stderr: Option<String>,
    created_dirs: Vec<String>,
    success_codes: Vec<i32>,
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Parses a CWL file; `shown` names it (and the commit) in errors.
pub fn parse(text_: &str, shown: &str) -> Result<Cwl, YamlError> {
    let raw: RawCwl = parse_yaml_as(text_, shown)?;
    let damaged = |reason: String| YamlError::Damaged {
        file: shown.to_string(),
        reason,
    };
    match raw.class.as_deref() {
        Some("Workflow") => {
            let steps = raw
                .steps
                .ok_or_else(|| damaged("the workflow has no steps".into()))?;
            let mut runs = Vec::new();
            for (name, step) in steps.0 {
                let run = step
                    .get("run")
                    .and_then(Value::as_str)
                    .ok_or_else(|| damaged(format!("step '{name}' names no CWL file to run")))?;
                runs.push(run.trim_start_matches("file://").to_string());
            }
            if runs.is_empty() {
                return Err(damaged("the workflow has no steps".into()));
            }
            Ok(Cwl::Workflow(runs))
        }
        Some("CommandLineTool") => {
            let base_command = match raw.base_command {
                Some(Value::String(s)) => vec![s],
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|i| {
                        text(i).ok_or_else(|| damaged("baseCommand holds a non-string".into()))
                    })
                    .collect::<Result<_, _>>()?,
                _ => return Err(damaged("the tool has no baseCommand".into())),
            };
            let mut arguments = Vec::new();
            if let Some(Value::Array(items)) = raw.arguments {
                for a in items {
                    match &a {
                        Value::Object(m) => {
                            let value = m
                                .get("valueFrom")
                                .and_then(text)
                                .ok_or_else(|| damaged("an argument has no valueFrom".into()))?;
                            arguments.push((m.get("position").and_then(Value::as_i64), value));
                        }
                        other => arguments.push((
                            None,
                            text(other).ok_or_else(|| damaged("an argument is not text".into()))?,
                        )),
                    }
                }
            }
            let mut inputs = Vec::new();
            for (id, def) in raw.inputs.unwrap_or_default().0 {
                let binding = def.get("inputBinding").filter(|b| b.is_object());
                inputs.push(Input {
                    default: def.get("default").cloned().unwrap_or(Value::Null),
                    position: binding
                        .and_then(|b| b.get("position"))
                        .and_then(Value::as_i64),
                    prefix: binding
                        .and_then(|b| b.get("prefix"))
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    separate: binding
                        .and_then(|b| b.get("separate"))
                        .and_then(Value::as_bool)
                        .unwrap_or(true),
                    has_binding: binding.is_some(),
                    id,
                });
            }
            let mut outputs = Vec::new();
            for (id, def) in raw.outputs.unwrap_or_default().0 {
                let glob = def
                    .get("outputBinding")
                    .and_then(|b| b.get("glob"))
                    .and_then(Value::as_str)
                    .map(str::to_string);
                outputs.push(Output { id, glob });
            }
            let mut created_dirs = Vec::new();
            if let Some(Value::Array(reqs)) = raw.requirements {
                for r in reqs {
                    if r.get("class").and_then(Value::as_str) != Some("InitialWorkDirRequirement") {
                        continue;
                    }
                    if let Some(Value::Array(listing)) = r.get("listing") {
                        for l in listing {
                            let entry = l.get("entry").and_then(Value::as_str).unwrap_or("");
                            if entry.replace(' ', "")
                                == "$({\"listing\":[],\"class\":\"Directory\"})"
                                && let Some(name) = l.get("entryname").and_then(Value::as_str)
                            {
                                created_dirs.push(name.to_string());
                            }
                        }
                    }
                }
            }
            let success_codes = match raw.success_codes {
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|c| {
                        c.as_i64()
                            .and_then(|c| i32::try_from(c).ok())
                            .ok_or_else(|| damaged("a success code is not an integer".into()))
                    })
                    .collect::<Result<_, _>>()?,
                _ => Vec::new(),
            };
            let stream = |v: Option<Value>| v.as_ref().and_then(text);
            Ok(Cwl::Tool(Tool {
                base_command,
                arguments,
                inputs,
                outputs,
                stdin: stream(raw.stdin),
                stdout: stream(raw.stdout),
                stderr: stream(raw.stderr),
                created_dirs,
                success_codes,
            }))
        }
        other => Err(damaged(format!(
            "unknown CWL class {}",
            other
                .map(|c| format!("'{c}'"))
                .unwrap_or_else(|| "(none)".into())
        ))),
    }
}

/// `base/rel` with `.` and `..` resolved; `None` when it leaves the repository.
pub fn join_normalized(base: &str, rel: &str) -> Option<String> {
    let mut parts: Vec<&str> = if rel.starts_with('/') {
        Vec::new()
    } else {
        base.split('/').filter(|p| !p.is_empty()).collect()
    };
    for seg in rel.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// The name of an expression `$(inputs.NAME)` or `$(inputs.NAME.path)`.
fn input_ref(expr: &str) -> Option<&str> {
    let inner = expr.strip_prefix("$(inputs.")?.strip_suffix(')')?;
    Some(inner.split('.').next().unwrap_or(inner))
}

/// The path a `File`/`Directory` default names, relative to the project root.
fn default_path(default: &Value, cwl_dir: &str) -> Option<String> {
    let m = default.as_object()?;
    let class = m.get("class").and_then(Value::as_str)?;
    if class != "File" && class != "Directory" {
        return None;
    }
    let raw = m
        .get("path")
        .or_else(|| m.get("location"))
        .and_then(Value::as_str)?;
    join_normalized(cwl_dir, raw.trim_start_matches("file://"))
}

/// Python's `str()` of a CWL default value (renku-python stored argument values so).
fn python_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Null => "None".into(),
        other => other.to_string(),
    }
}

fn position_u32(p: Option<i64>) -> Option<u32> {
    p.and_then(|p| u32::try_from(p).ok()).filter(|p| *p > 0)
}

/// The run a `CommandLineTool` describes, as renku-python's m_0005 builds it: stdin/stdout/
/// stderr streams, outputs bound to inputs, remaining inputs (files) and arguments.
/// `cwl_path` is the tool's path in the repository; `id_hex` the plan's identifier; `is_dir`
/// tells whether a path was a directory at the run's commit.
pub fn tool_to_run(
    tool: &Tool,
    cwl_path: &str,
    id_hex: String,
    is_dir: &dyn Fn(&str) -> bool,
    shown: &str,
) -> Result<OldRun, YamlError> {
    let damaged = |reason: String| YamlError::Damaged {
        file: shown.to_string(),
        reason,
    };
    let cwl_dir = cwl_path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    let mut inputs_left: Vec<Input> = tool.inputs.clone();
    let mut outputs_left: Vec<Output> = tool.outputs.clone();
    let mut run = OldRun {
        id_hex,
        command: tool.base_command.join(" "),
        success_codes: tool.success_codes.clone(),
        ..OldRun::default()
    };

    if let Some(stdin) = &tool.stdin {
        let name = input_ref(stdin)
            .ok_or_else(|| damaged(format!("stdin '{stdin}' names no input")))?
            .to_string();
        let at = inputs_left
            .iter()
            .position(|i| i.id.ends_with(&name))
            .ok_or_else(|| damaged(format!("stdin names the missing input '{name}'")))?;
        let input = inputs_left.remove(at);
        let path = default_path(&input.default, cwl_dir)
            .ok_or_else(|| damaged(format!("the stdin input '{name}' has no file")))?;
        run.inputs.push(OldParam {
            postfix: "stdin".into(),
            stream: Some(Stream::Stdin),
            is_dir: is_dir(&path),
            value: path,
            ..OldParam::default()
        });
    }
    for (stream, value, output_id) in [
        (Stream::Stdout, &tool.stdout, "output_stdout"),
        (Stream::Stderr, &tool.stderr, "output_stderr"),
    ] {
        let Some(path) = value else { continue };
        let path =
            join_normalized("", path).ok_or_else(|| damaged(format!("bad path '{path}'")))?;
        run.outputs.push(OldParam {
            postfix: stream.as_str().into(),
            stream: Some(stream),
            is_dir: is_dir(&path),
            value: path,
            ..OldParam::default()
        });
        if let Some(at) = outputs_left.iter().position(|o| o.id.ends_with(output_id)) {
            outputs_left.remove(at);
        }
    }

    let all_inputs = inputs_left.clone();
    for o in &outputs_left {
        let Some(glob) = &o.glob else {
            // `type: stdout` without a file: nothing recorded.
            continue;
        };
        let (path, prefix, position) = if let Some(name) = input_ref(glob) {
            let input = all_inputs
                .iter()
                .find(|i| i.id.ends_with(name))
                .ok_or_else(|| {
                    damaged(format!(
                        "output '{}' names the missing input '{name}'",
                        o.id
                    ))
                })?;
            inputs_left.retain(|i| i.id != input.id);
            let path = match default_path(&input.default, cwl_dir) {
                Some(p) => p,
                None => {
                    let raw = python_str(&input.default);
                    join_normalized("", &raw)
                        .ok_or_else(|| damaged(format!("output '{}' has no usable path", o.id)))?
                }
            };
            let (prefix, position) = if input.has_binding {
                let prefix = input
                    .prefix
                    .clone()
                    .map(|p| if input.separate { format!("{p} ") } else { p });
                (prefix, position_u32(input.position))
            } else {
                (None, None)
            };
            (path, prefix, position)
        } else {
            let path = join_normalized("", glob)
                .ok_or_else(|| damaged(format!("output '{}' has no usable path", o.id)))?;
            (path, None, None)
        };
        let dir = is_dir(&path);
        let folder = if dir {
            Some(path.as_str())
        } else {
            path.rsplit_once('/').map(|(d, _)| d)
        };
        let create_folder = folder.is_some_and(|f| tool.created_dirs.iter().any(|c| c == f));
        run.outputs.push(OldParam {
            postfix: position.map(|p| p.to_string()).unwrap_or_default(),
            prefix,
            position,
            is_dir: dir,
            create_folder,
            value: path,
            ..OldParam::default()
        });
    }

    for i in &inputs_left {
        let (prefix, position) = if i.has_binding {
            let prefix = i
                .prefix
                .clone()
                .map(|p| if i.separate { format!("{p} ") } else { p });
            (prefix, position_u32(i.position))
        } else {
            (None, None)
        };
        let postfix = position.map(|p| p.to_string()).unwrap_or_default();
        match default_path(&i.default, cwl_dir) {
            Some(path) => run.inputs.push(OldParam {
                postfix,
                prefix,
                position,
                is_dir: is_dir(&path),
                value: path,
                ..OldParam::default()
            }),
            None => run.arguments.push(OldParam {
                postfix,
                prefix,
                position,
                value: python_str(&i.default),
                ..OldParam::default()
            }),
        }
    }
    for (position, value) in &tool.arguments {
        let position = position_u32(*position);
        run.arguments.push(OldParam {
            postfix: position.map(|p| p.to_string()).unwrap_or_default(),
            position,
            value: value.clone(),
            ..OldParam::default()
        });
    }
    Ok(run)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAT: &str = "arguments: []\nbaseCommand:\n- cat\nclass: CommandLineTool\ninputs:\n  input_1:\n    default:\n      class: File\n      path: ../../input1.txt\n    inputBinding:\n      position: 1\n      prefix: '-'\n      separate: true\n    type: File\n  input_stdin:\n    default:\n      class: File\n      path: ../../output_rand\n    type: File\noutputs:\n  output_stdout:\n    type: stdout\nstdin: $(inputs.input_stdin.path)\nstdout: concat.txt\n";

    #[test]
    fn a_tool_becomes_a_run_with_streams_and_project_relative_paths() {
        let Cwl::Tool(tool) = parse(CAT, "cat.cwl").unwrap() else {
            panic!("not a tool")
        };
        let run = tool_to_run(
            &tool,
            ".renku/workflow/x_cat.cwl",
            "ab".into(),
            &|_| false,
            "cat.cwl",
        )
        .unwrap();
        assert_eq!(run.command, "cat");
        let ins: Vec<(&str, &str, Option<&str>)> = run
            .inputs
            .iter()
            .map(|i| (i.postfix.as_str(), i.value.as_str(), i.prefix.as_deref()))
            .collect();
        assert_eq!(
            ins,
            vec![
                ("stdin", "output_rand", None),
                ("1", "input1.txt", Some("- "))
            ]
        );
        assert_eq!(run.outputs[0].postfix, "stdout");
        assert_eq!(run.outputs[0].value, "concat.txt");
    }

    #[test]
    fn outputs_bound_to_inputs_take_their_position_and_arguments_their_text() {
        let text = "baseCommand: [openssl, rand]\nclass: CommandLineTool\ninputs:\n  input_1:\n    default: ut\n    inputBinding: {position: 1, prefix: -o, separate: false}\n  input_2:\n    default: output_rand\n    inputBinding: {position: 2, separate: true}\n  input_3:\n    default: 32\n    inputBinding: {position: 3}\noutputs:\n  output_0:\n    outputBinding: {glob: $(inputs.input_2)}\n";
        let Cwl::Tool(tool) = parse(text, "t").unwrap() else {
            panic!()
        };
        let run =
            tool_to_run(&tool, ".renku/workflow/t.cwl", "ab".into(), &|_| false, "t").unwrap();
        assert_eq!(run.command, "openssl rand");
        assert_eq!(run.outputs.len(), 1);
        assert_eq!(
            (run.outputs[0].position, run.outputs[0].value.as_str()),
            (Some(2), "output_rand")
        );
        let args: Vec<(&str, Option<&str>)> = run
            .arguments
            .iter()
            .map(|a| (a.value.as_str(), a.prefix.as_deref()))
            .collect();
        assert_eq!(args, vec![("ut", Some("-o")), ("32", None)]);
    }

    #[test]
    fn workflows_list_their_steps_in_document_order() {
        let text =
            "class: Workflow\nsteps:\n  step_2:\n    run: b.cwl\n  step_1:\n    run: a.cwl\n";
        let Cwl::Workflow(steps) = parse(text, "w").unwrap() else {
            panic!()
        };
        assert_eq!(steps, vec!["b.cwl", "a.cwl"]);
    }

    #[test]
    fn missing_fields_are_errors_naming_the_file() {
        let err = parse(
            "class: CommandLineTool\ninputs: {}\n",
            ".renku/workflow/x.cwl at 1234567",
        )
        .unwrap_err();
        assert!(
            err.to_string().contains(".renku/workflow/x.cwl at 1234567"),
            "{err}"
        );
        assert!(err.to_string().contains("baseCommand"), "{err}");
        let err = parse("class: Workflow\n", "w").unwrap_err();
        assert!(err.to_string().contains("no steps"), "{err}");
        assert!(parse("class: Other\n", "w").is_err());
        assert!(parse("{{{", "w").is_err());
    }

    #[test]
    fn paths_are_normalized_inside_the_repository() {
        assert_eq!(
            join_normalized(".renku/workflow", "../../a/b.txt").as_deref(),
            Some("a/b.txt")
        );
        assert_eq!(join_normalized(".renku/workflow", "../../../x"), None);
        assert_eq!(join_normalized("", "./a//b").as_deref(), Some("a/b"));
    }
}
