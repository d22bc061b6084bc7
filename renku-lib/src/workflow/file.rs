//! Workflow files (renku-python's "renku" workflow-file format): parsing, validation and the
//! resolution of each step's command into arguments with positions.
//!
//! A workflow file is a YAML mapping with `name`, optional `description` and `keywords`, and
//! `steps` (a mapping, or a list of single-key mappings). Each step has a `command` and
//! optional `description`, `keywords`, `success_codes`, `inputs`, `outputs` and
//! `parameters`. Errors name the file, the line and the problem.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::model::{ParameterKind, Stream};
use crate::{Error, Result};

/// One input, output or parameter of a step.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Name: given, or generated (`<prefix>`, `input-<position>`, `input-<4 hex>`…).
    pub name: String,
    /// Whether the name was given in the file.
    pub named: bool,
    /// Input, output or parameter.
    pub kind: ParameterKind,
    /// Path (inputs, outputs) or value (parameters) as text.
    pub value: String,
    /// Prefix used with `$name` templates.
    pub prefix: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Whether the item is expected not to appear in the command.
    pub implicit: bool,
    /// Inputs and outputs: whether the file is committed.
    pub persist: bool,
    /// Position on the command line (1-based), once resolved.
    pub position: Option<u32>,
    /// Stream the item is connected to by a redirection.
    pub mapped_to: Option<Stream>,
}

/// A step of a workflow file.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// Step name.
    pub name: String,
    /// The command as written.
    pub command: String,
    /// Description.
    pub description: Option<String>,
    /// Keywords.
    pub keywords: Vec<String>,
    /// Exit codes counted as success (default `[0]`).
    pub success_codes: Vec<i32>,
    /// Inputs, outputs and parameters in declaration order.
    pub items: Vec<Item>,
    /// The base command (leading words that match no item).
    pub base_command: Vec<String>,
    /// The argument vector the step runs (without redirections).
    pub argv: Vec<String>,
    /// Warnings found while resolving the command.
    pub warnings: Vec<String>,
}

impl Step {
    /// The resolved command for display: shell-quoted arguments and redirections.
    pub fn display_command(&self) -> String {
        let mut s = self
            .argv
            .iter()
            .map(|a| crate::model::plan::shell_quote(a))
            .collect::<Vec<_>>()
            .join(" ");
        for (stream, sep) in [
            (Stream::Stdin, " < "),
            (Stream::Stdout, " > "),
            (Stream::Stderr, " 2> "),
        ] {
            if let Some(it) = self.items.iter().find(|i| i.mapped_to == Some(stream)) {
                s.push_str(sep);
                s.push_str(&crate::model::plan::shell_quote(&it.value));
            }
        }
        s
    }
}

/// A parsed workflow file.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkflowFile {
    /// Path of the file relative to the project root.
    pub path: String,
    /// Workflow name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Keywords.
    pub keywords: Vec<String>,
    /// Steps in file order.
    pub steps: Vec<Step>,
}

/// Locates keys in the source text to give errors a line number.
struct Source<'a> {
    path: &'a str,
    text: &'a str,
}

impl Source<'_> {
    /// Line (1-based) of the first line defining `key` at or after line `from`.
    fn line_of(&self, key: &str, from: usize) -> usize {
        for (i, line) in self.text.lines().enumerate().skip(from.saturating_sub(1)) {
            let t = line.trim_start().trim_start_matches("- ").trim_start();
            let t = t.trim_start_matches(['"', '\'']);
            if t.starts_with(key)
                && t[key.len()..]
                    .trim_start_matches(['"', '\''])
                    .starts_with(':')
            {
                return i + 1;
            }
        }
        from.max(1)
    }

    fn error(&self, line: usize, problem: impl std::fmt::Display) -> Error {
        Error::Failed(format!("{}:{line}: {problem}", self.path))
    }
}

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

fn valid_name(name: &str, allow_dot: bool) -> bool {
    !name.is_empty()
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || (allow_dot && c == '.'))
}

/// Parses and validates the workflow file `text` found at `path` (relative to the project).
pub fn parse(text: &str, path: &str) -> Result<WorkflowFile> {
    let src = Source { path, text };
    let root: Value = serde_saphyr::from_str(text)
        .map_err(|e| Error::Failed(format!("{path}: invalid YAML: {e}")))?;
    let Value::Object(top) = root else {
        return Err(src.error(1, "Workflow file must be a YAML dictionary"));
    };
    let known = ["name", "description", "keywords", "steps"];
    let unknown: Vec<&String> = top
        .keys()
        .filter(|k| !known.contains(&k.as_str()))
        .collect();
    if let Some(first) = unknown.first() {
        let keys: Vec<&str> = unknown.iter().map(|k| k.as_str()).collect();
        return Err(src.error(
            src.line_of(first, 1),
            format!("Invalid attributes for workflow file: {}", keys.join(", ")),
        ));
    }
    let name = match top.get("name") {
        Some(Value::String(n)) => n.clone(),
        Some(other) => {
            return Err(src.error(
                src.line_of("name", 1),
                format!("Invalid type for attribute 'name' in workflow file: Required 'str' but got '{}'", type_name(other)),
            ));
        }
        None => return Err(src.error(1, "Workflow file has no 'name'")),
    };
    if !valid_name(&name, false) {
        return Err(src.error(
            src.line_of("name", 1),
            format!("Invalid workflow name '{name}': use letters, digits, '-' and '_' (Hint: '{}' is valid)", crate::util::slugify(&name, false).replace('.', "_")),
        ));
    }
    let description = optional_text(&src, &top, "description", 1, "workflow file")?;
    let keywords = keyword_list(&src, &top, 1, "workflow file")?;
    let steps_value = top
        .get("steps")
        .ok_or_else(|| src.error(1, "Workflow file must have at least one step"))?;
    let steps_line = src.line_of("steps", 1);
    let mut raw_steps: Vec<(String, Value)> = Vec::new();
    match steps_value {
        Value::Object(map) => raw_steps.extend(map.iter().map(|(k, v)| (k.clone(), v.clone()))),
        Value::Array(list) => {
            for element in list {
                match element {
                    Value::Object(m) if m.len() == 1 => {
                        let (k, v) = m
                            .iter()
                            .next()
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .unwrap_or_default();
                        raw_steps.push((k, v));
                    }
                    other => {
                        return Err(src.error(
                            steps_line,
                            format!("Expected a step as a mapping with one key but got: {other}"),
                        ));
                    }
                }
            }
        }
        other => {
            return Err(src.error(
                steps_line,
                format!("Invalid type for attribute 'steps' in workflow file: Required 'dict' or 'list' but got '{}'", type_name(other)),
            ));
        }
    }
    if raw_steps.is_empty() {
        return Err(src.error(steps_line, "Workflow file must have at least one step"));
    }
    // serde_json maps are sorted: restore the file order of mapping-form steps.
    raw_steps.sort_by_key(|(n, _)| src.line_of(n, steps_line));
    let mut steps = Vec::new();
    let mut seen = BTreeSet::new();
    for (step_name, body) in raw_steps {
        let line = src.line_of(&step_name, steps_line);
        if !seen.insert(step_name.clone()) {
            return Err(src.error(
                src.line_of(&step_name, line + 1),
                format!("Duplicate step name '{step_name}'"),
            ));
        }
        steps.push(parse_step(&src, &step_name, &body, line)?);
    }
    // A step may only read outputs of steps before it.
    for (i, step) in steps.iter().enumerate() {
        for later in &steps[i + 1..] {
            for input in step
                .items
                .iter()
                .filter(|it| it.kind == ParameterKind::Input)
            {
                if let Some(out) = later.items.iter().find(|o| {
                    o.kind == ParameterKind::Output
                        && (o.value == input.value
                            || input.value.starts_with(&format!("{}/", o.value)))
                }) {
                    return Err(src.error(
                        src.line_of(&step.name, steps_line),
                        format!(
                            "Step '{}' reads '{}', which the later step '{}' writes ({}); reorder the steps",
                            step.name, input.value, later.name, out.name
                        ),
                    ));
                }
            }
        }
    }
    Ok(WorkflowFile {
        path: path.to_string(),
        name,
        description,
        keywords,
        steps,
    })
}

fn optional_text(
    src: &Source<'_>,
    map: &serde_json::Map<String, Value>,
    key: &str,
    from: usize,
    what: &str,
) -> Result<Option<String>> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(src.error(
            src.line_of(key, from),
            format!(
                "Invalid type for attribute '{key}' in {what}: Required 'str' but got '{}'",
                type_name(other)
            ),
        )),
    }
}

fn keyword_list(
    src: &Source<'_>,
    map: &serde_json::Map<String, Value>,
    from: usize,
    what: &str,
) -> Result<Vec<String>> {
    match map.get("keywords") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(list)) => list
            .iter()
            .map(|v| {
                text_of(v).ok_or_else(|| {
                    src.error(
                        src.line_of("keywords", from),
                        format!("Invalid keyword in {what}: {v}"),
                    )
                })
            })
            .collect(),
        Some(other) => Err(src.error(
            src.line_of("keywords", from),
            format!(
                "Invalid type for attribute 'keywords' in {what}: Required 'list' but got '{}'",
                type_name(other)
            ),
        )),
    }
}

fn parse_step(src: &Source<'_>, name: &str, body: &Value, line: usize) -> Result<Step> {
    if !valid_name(name, false) {
        return Err(src.error(
            line,
            format!("Invalid step name '{name}': use letters, digits, '-' and '_'"),
        ));
    }
    let Value::Object(map) = body else {
        return Err(src.error(line, format!("Step '{name}' must be a mapping")));
    };
    let what = format!("step '{name}'");
    let known = [
        "command",
        "description",
        "keywords",
        "inputs",
        "outputs",
        "parameters",
        "success_codes",
    ];
    let unknown: Vec<&str> = map
        .keys()
        .map(String::as_str)
        .filter(|k| !known.contains(k))
        .collect();
    if let Some(first) = unknown.first() {
        return Err(src.error(
            src.line_of(first, line),
            format!("Invalid attributes for {what}: {}", unknown.join(", ")),
        ));
    }
    let command = match map.get("command") {
        Some(Value::String(c)) if !c.trim().is_empty() => c.clone(),
        Some(Value::String(_)) | None => {
            return Err(src.error(
                line,
                format!("Required attribute 'command' isn't set for step '{name}'"),
            ));
        }
        Some(other) => {
            return Err(src.error(
                src.line_of("command", line),
                format!(
                    "Invalid type for attribute 'command' in {what}: Required 'str' but got '{}'",
                    type_name(other)
                ),
            ));
        }
    };
    let description = optional_text(src, map, "description", line, &what)?;
    let keywords = keyword_list(src, map, line, &what)?;
    let success_codes = match map.get("success_codes") {
        None | Some(Value::Null) => vec![0],
        Some(Value::Array(list)) => list
            .iter()
            .map(|v| {
                v.as_i64().map(|c| c as i32).ok_or_else(|| {
                    src.error(
                        src.line_of("success_codes", line),
                        format!("Invalid success code in {what}: {v}"),
                    )
                })
            })
            .collect::<Result<_>>()?,
        Some(other) => {
            return Err(src.error(
                src.line_of("success_codes", line),
                format!("Invalid type for attribute 'success_codes' in {what}: Required 'list' but got '{}'", type_name(other)),
            ));
        }
    };
    let mut items = Vec::new();
    for (key, kind) in [
        ("inputs", ParameterKind::Input),
        ("outputs", ParameterKind::Output),
        ("parameters", ParameterKind::Parameter),
    ] {
        if let Some(v) = map.get(key) {
            items.extend(parse_items(
                src,
                name,
                key,
                kind,
                v,
                src.line_of(key, line),
            )?);
        }
    }
    let mut names = BTreeSet::new();
    for it in &items {
        if !names.insert(it.name.clone()) {
            return Err(src.error(
                line,
                format!(
                    "Duplicate input, output or parameter names found: {}",
                    it.name
                ),
            ));
        }
    }
    let mut step = Step {
        name: name.to_string(),
        command: command.clone(),
        description,
        keywords,
        success_codes,
        items,
        base_command: Vec::new(),
        argv: Vec::new(),
        warnings: Vec::new(),
    };
    resolve_command(src, &mut step, src.line_of("command", line))?;
    Ok(step)
}

fn parse_items(
    src: &Source<'_>,
    step: &str,
    key: &str,
    kind: ParameterKind,
    v: &Value,
    line: usize,
) -> Result<Vec<Item>> {
    let mut raw: Vec<(Option<String>, Value)> = Vec::new();
    match v {
        Value::Null => {}
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by_key(|(n, _)| src.line_of(n, line));
            raw.extend(
                entries
                    .into_iter()
                    .map(|(k, v)| (Some(k.clone()), v.clone())),
            );
        }
        Value::Array(list) => {
            for element in list {
                match element {
                    Value::Object(m) if m.len() == 1 => {
                        let (k, v) = m
                            .iter()
                            .next()
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .unwrap_or_default();
                        raw.push((Some(k), v));
                    }
                    other if text_of(other).is_some() => raw.push((None, other.clone())),
                    other => {
                        return Err(src.error(
                            line,
                            format!("Invalid item in '{key}' of step '{step}': {other}"),
                        ));
                    }
                }
            }
        }
        other => {
            return Err(src.error(
                line,
                format!("Invalid type for attribute '{key}' in step '{step}': Required 'dict' or 'list' but got '{}'", type_name(other)),
            ));
        }
    }
    let value_key = if kind == ParameterKind::Parameter {
        "value"
    } else {
        "path"
    };
    let mut items = Vec::new();
    for (index, (name, attrs)) in raw.into_iter().enumerate() {
        let item_line = name
            .as_deref()
            .map(|n| src.line_of(n, line))
            .unwrap_or(line);
        let mut item = Item {
            name: String::new(),
            named: name.is_some(),
            kind,
            value: String::new(),
            prefix: None,
            description: None,
            implicit: false,
            persist: true,
            position: None,
            mapped_to: None,
        };
        match (&name, &attrs) {
            (None, scalar) => item.value = text_of(scalar).unwrap_or_default(),
            (Some(_), Value::Object(a)) => {
                let allowed: &[&str] = if kind == ParameterKind::Parameter {
                    &["value", "prefix", "description", "implicit"]
                } else {
                    &["path", "prefix", "description", "implicit", "persist"]
                };
                let unknown: Vec<&str> = a
                    .keys()
                    .map(String::as_str)
                    .filter(|k| !allowed.contains(k))
                    .collect();
                if let Some(first) = unknown.first() {
                    return Err(src.error(
                        src.line_of(first, item_line),
                        format!(
                            "Invalid attributes for {} '{}' of step '{step}': {}",
                            kind.as_str(),
                            name.as_deref().unwrap_or(""),
                            unknown.join(", ")
                        ),
                    ));
                }
                let v = a.get(value_key).and_then(text_of).ok_or_else(|| {
                    src.error(
                        item_line,
                        format!(
                            "Attribute '{value_key}' must be set for {} '{}' of step '{step}'",
                            kind.as_str(),
                            name.as_deref().unwrap_or("")
                        ),
                    )
                })?;
                item.value = v;
                item.prefix = a.get("prefix").and_then(text_of);
                item.description = a.get("description").and_then(text_of);
                item.implicit = a.get("implicit").and_then(Value::as_bool).unwrap_or(false);
                item.persist = a.get("persist").and_then(Value::as_bool).unwrap_or(true);
            }
            (Some(n), other) => {
                return Err(src.error(
                    item_line,
                    format!(
                        "Invalid value for {} '{n}' of step '{step}': {other}",
                        kind.as_str()
                    ),
                ));
            }
        }
        if item.value.is_empty() {
            return Err(src.error(
                item_line,
                format!(
                    "Attribute '{value_key}' must be set for an item of '{key}' in step '{step}'"
                ),
            ));
        }
        if kind != ParameterKind::Parameter {
            let p = std::path::Path::new(&item.value);
            if p.is_absolute()
                || p.components()
                    .any(|c| matches!(c, std::path::Component::ParentDir))
            {
                return Err(src.error(
                    item_line,
                    format!("The {} file or directory is not in the repository: {} (Hint: Specify it as a parameter instead.)", kind.as_str(), item.value),
                ));
            }
        }
        item.name = match name {
            Some(n) => {
                if n.is_empty()
                    || crate::util::slugify(&n, false) != n
                    || ["inputs", "outputs", "parameters"].contains(&n.as_str())
                {
                    return Err(src.error(
                        item_line,
                        format!("Invalid name '{n}' for an item of step '{step}'"),
                    ));
                }
                n
            }
            None => format!("{}-{}", kind.as_str(), index + 1),
        };
        items.push(item);
    }
    Ok(items)
}

/// Expands the command template and matches its words to the step's items, giving them
/// positions; fills `base_command` and `argv`.
fn resolve_command(src: &Source<'_>, step: &mut Step, line: usize) -> Result<()> {
    let words = shlex::split(&step.command).ok_or_else(|| {
        src.error(
            line,
            format!(
                "Cannot parse the command of step '{}': unbalanced quotes",
                step.name
            ),
        )
    })?;
    if words
        .iter()
        .any(|w| matches!(w.as_str(), ";" | "&&" | "||" | "|" | "&"))
    {
        return Err(src.error(
            line,
            format!(
                "Cannot run multiple commands/piping in step '{}': {}",
                step.name, step.command
            ),
        ));
    }
    // Redirections.
    let mut args: Vec<String> = Vec::new();
    let mut iter = words.into_iter();
    while let Some(w) = iter.next() {
        let stream = match w.as_str() {
            ">" | "1>" | ">|" => Some(Stream::Stdout),
            "2>" => Some(Stream::Stderr),
            "<" => Some(Stream::Stdin),
            _ => None,
        };
        let Some(stream) = stream else {
            args.push(w);
            continue;
        };
        let target = iter.next().ok_or_else(|| {
            src.error(
                line,
                format!("Missing target of '{w}' in step '{}'", step.name),
            )
        })?;
        let wanted = if stream == Stream::Stdin {
            ParameterKind::Input
        } else {
            ParameterKind::Output
        };
        let idx = match target.strip_prefix('$').filter(|n| !n.starts_with('$')) {
            Some("outputs") if wanted == ParameterKind::Output => {
                let outs: Vec<usize> = step
                    .items
                    .iter()
                    .enumerate()
                    .filter(|(_, i)| i.kind == ParameterKind::Output)
                    .map(|(i, _)| i)
                    .collect();
                if outs.len() != 1 {
                    return Err(src.error(line, format!("'$outputs' as a redirection target needs exactly one output in step '{}'", step.name)));
                }
                Some(outs[0])
            }
            Some(n) => step
                .items
                .iter()
                .position(|i| i.name == n && i.kind == wanted),
            None => step
                .items
                .iter()
                .position(|i| i.value == target && i.kind == wanted),
        };
        let Some(idx) = idx else {
            return Err(src.error(
                line,
                format!(
                    "Cannot find '{}' == '{target}' in {}s of step '{}'",
                    stream.as_str(),
                    wanted.as_str(),
                    step.name
                ),
            ));
        };
        step.items[idx].mapped_to = Some(stream);
    }
    // Templates and literal words.
    let mut position = 0u32;
    let mut base_done = false;
    let mut argv: Vec<String> = Vec::new();
    let mut pending_prefix: Option<String> = None;
    for (i, w) in args.iter().enumerate() {
        if let Some(name) = w
            .strip_prefix('$')
            .filter(|n| !n.is_empty() && !n.starts_with('$'))
        {
            base_done = true;
            let targets: Vec<usize> = match name {
                "inputs" => step
                    .items
                    .iter()
                    .enumerate()
                    .filter(|(_, it)| it.kind == ParameterKind::Input && it.mapped_to.is_none())
                    .map(|(i, _)| i)
                    .collect(),
                "outputs" => step
                    .items
                    .iter()
                    .enumerate()
                    .filter(|(_, it)| it.kind == ParameterKind::Output && it.mapped_to.is_none())
                    .map(|(i, _)| i)
                    .collect(),
                "parameters" => step
                    .items
                    .iter()
                    .enumerate()
                    .filter(|(_, it)| it.kind == ParameterKind::Parameter)
                    .map(|(i, _)| i)
                    .collect(),
                n => vec![
                    step.items
                        .iter()
                        .position(|it| it.name == n)
                        .ok_or_else(|| {
                            src.error(
                                line,
                                format!(
                                    "Cannot find a parameter with name '{n}' in step '{}'",
                                    step.name
                                ),
                            )
                        })?,
                ],
            };
            for t in targets {
                position += 1;
                let it = &mut step.items[t];
                it.position = Some(position);
                match &it.prefix {
                    Some(p) if p.ends_with(' ') => {
                        argv.push(p.trim_end().to_string());
                        argv.push(it.value.clone());
                    }
                    Some(p) => argv.push(format!("{p}{}", it.value)),
                    None => argv.push(it.value.clone()),
                }
            }
            continue;
        }
        let literal = w.replace("$$", "$");
        let matched = [
            ParameterKind::Parameter,
            ParameterKind::Input,
            ParameterKind::Output,
        ]
        .iter()
        .filter(|k| base_done || **k != ParameterKind::Output)
        .find_map(|k| {
            step.items.iter().position(|it| {
                it.kind == *k
                    && it.position.is_none()
                    && it.mapped_to.is_none()
                    && it.value == literal
            })
        });
        match matched {
            Some(t) => {
                base_done = true;
                position += 1;
                let it = &mut step.items[t];
                it.position = Some(position);
                if let Some(p) = pending_prefix.take() {
                    it.prefix = Some(format!("{p} "));
                    argv.push(p);
                }
                argv.push(literal);
            }
            None if !base_done => {
                step.base_command.push(literal.clone());
                argv.push(literal);
            }
            None => {
                if let Some(p) = pending_prefix.take() {
                    argv.push(p);
                }
                // A flag directly followed by the value of a declared item becomes its prefix.
                let next_is_item_value = args.get(i + 1).is_some_and(|n| {
                    step.items
                        .iter()
                        .any(|it| it.position.is_none() && it.value == *n)
                });
                if literal.starts_with('-') && next_is_item_value {
                    pending_prefix = Some(literal);
                } else {
                    argv.push(literal);
                }
            }
        }
    }
    if let Some(p) = pending_prefix {
        argv.push(p);
    }
    for stream in [Stream::Stdin, Stream::Stdout, Stream::Stderr] {
        if let Some(it) = step
            .items
            .iter_mut()
            .find(|it| it.mapped_to == Some(stream))
        {
            position += 1;
            it.position = Some(position);
        }
    }
    let missing: Vec<&str> = step
        .items
        .iter()
        .filter(|it| it.position.is_none() && it.mapped_to.is_none() && !it.implicit)
        .map(|it| it.value.as_str())
        .collect();
    if !missing.is_empty() {
        step.warnings.push(format!(
            "The following inputs/outputs/parameters didn't appear in the command of step '{}': '{}':\n(set 'implicit' attribute for them to 'true' if this is intentional)\n\t{}",
            step.name,
            step.command,
            missing.join("\n\t")
        ));
    }
    step.argv = argv;
    name_unnamed_items(step);
    Ok(())
}

/// Names the unnamed items now that positions are known: the slug of their prefix when that
/// is unique in the step, else `<kind>-<position>`, else `<kind>-<4 hex of the value>`.
fn name_unnamed_items(step: &mut Step) {
    let mut taken: BTreeSet<String> = step
        .items
        .iter()
        .filter(|i| i.named)
        .map(|i| i.name.clone())
        .collect();
    for idx in 0..step.items.len() {
        if step.items[idx].named {
            continue;
        }
        let it = &step.items[idx];
        let from_prefix = it
            .prefix
            .as_deref()
            .map(|p| {
                crate::util::slugify(p.trim_matches(|c| c == ' ' || c == '-' || c == '='), false)
            })
            .filter(|s| !s.is_empty() && !taken.contains(s));
        let name = from_prefix.unwrap_or_else(|| match it.position {
            Some(p) => format!("{}-{p}", it.kind.as_str()),
            // Stable across runs, so that an unchanged step keeps its plan.
            None => format!(
                "{}-{}",
                it.kind.as_str(),
                &crate::util::sha256_hex(it.value.as_bytes())[..4]
            ),
        });
        taken.insert(name.clone());
        step.items[idx].name = name;
    }
}

/// Reads and parses the workflow file at `path` (absolute or relative to the current
/// directory) of `project`.
pub fn load(project: &crate::repo::ProjectDir, path: &std::path::Path) -> Result<WorkflowFile> {
    let rel = project
        .relative_path(path)
        .filter(|r| !r.is_empty())
        .ok_or_else(|| {
            Error::Parameter(format!(
                "The workflow file {} is not inside the project.",
                path.display()
            ))
        })?;
    let text = std::fs::read_to_string(project.root().join(&rel))
        .map_err(|e| Error::Failed(format!("Cannot read the workflow file {rel}: {e}")))?;
    parse(&text, &rel)
}

/// Whether `arg` names a workflow file (a `.yml`/`.yaml` file) rather than a plan.
pub fn looks_like_workflow_file(arg: &str) -> bool {
    let lower = arg.to_ascii_lowercase();
    (lower.ends_with(".yml") || lower.ends_with(".yaml")) && std::path::Path::new(arg).is_file()
}

/// The `workflow show <file>` view.
pub fn describe(file: &WorkflowFile) -> String {
    let mut s = format!("Name: {}\nPath: {}\n", file.name, file.path);
    if !file.keywords.is_empty() {
        s.push_str(&format!("Keywords: {}\n", file.keywords.join(", ")));
    }
    if let Some(d) = &file.description {
        s.push_str(&format!("Description: {d}\n"));
    }
    s.push_str("Steps:\n");
    for step in &file.steps {
        s.push_str(&describe_step(step));
        s.push('\n');
    }
    s
}

fn describe_step(step: &Step) -> String {
    let mut s = format!("    {}:\n", step.name);
    s.push_str(&format!("        Command: {}\n", step.command));
    s.push_str(&format!(
        "        Processed command: {}\n",
        step.base_command.join(" ")
    ));
    if step.success_codes != [0] {
        let codes: Vec<String> = step.success_codes.iter().map(i32::to_string).collect();
        s.push_str(&format!("        Success codes: [{}]\n", codes.join(", ")));
    }
    if !step.keywords.is_empty() {
        s.push_str(&format!("        Keywords: {}\n", step.keywords.join(", ")));
    }
    if let Some(d) = &step.description {
        s.push_str(&format!("        Description: {d}\n"));
    }
    for (kind, header) in [
        (ParameterKind::Input, "Inputs"),
        (ParameterKind::Output, "Outputs"),
        (ParameterKind::Parameter, "Parameters"),
    ] {
        let items: Vec<&Item> = step.items.iter().filter(|i| i.kind == kind).collect();
        if items.is_empty() {
            continue;
        }
        s.push_str(&format!("        {header}:\n"));
        for it in items {
            s.push_str(&format!("            {}:\n", it.name));
            if kind == ParameterKind::Parameter {
                s.push_str(&format!("                Value: {}\n", it.value));
            } else {
                s.push_str(&format!("                Path: {}\n", it.value));
            }
            if let Some(p) = &it.prefix {
                s.push_str(&format!("                Prefix: {p}\n"));
            }
            if let Some(p) = it.position {
                s.push_str(&format!("                Position: {p}\n"));
            }
            if let Some(d) = &it.description {
                s.push_str(&format!("                Description: {d}\n"));
            }
            if it.implicit {
                s.push_str("                Implicit: True\n");
            }
            if kind == ParameterKind::Output && it.persist {
                s.push_str("                Persist: True\n");
            }
            if let Some(m) = it.mapped_to {
                s.push_str(&format!("                Mapped to: {}\n", m.as_str()));
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/data")
            .join(name);
        std::fs::read_to_string(path).unwrap()
    }

    #[test]
    fn parses_the_mapping_fixture() {
        let wf = parse(&fixture("workflow-file.yml"), "workflow-file.yml").unwrap();
        assert_eq!(wf.name, "workflow-file");
        assert_eq!(wf.keywords, ["workflow file", "v1"]);
        let names: Vec<&str> = wf.steps.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["head", "tail", "line-count"]);
        let head = &wf.steps[0];
        assert_eq!(head.success_codes, [0, 127]);
        assert_eq!(head.base_command, ["head"]);
        assert_eq!(
            head.argv,
            [
                "head",
                "-n10",
                "data/collection/models.csv",
                "data/collection/colors.csv"
            ]
        );
        let out = head
            .items
            .iter()
            .find(|i| i.name == "temporary-result")
            .unwrap();
        assert_eq!((out.mapped_to, out.persist), (Some(Stream::Stdout), false));
        let n = head.items.iter().find(|i| i.name == "n").unwrap();
        assert_eq!((n.position, n.prefix.as_deref()), (Some(1), Some("-n")));
        let tail = &wf.steps[1];
        assert_eq!(tail.argv, ["tail", "-n5", "intermediate"]);
        let count = &wf.steps[2];
        assert_eq!(count.argv, ["wc", "-l", "results/output.csv"]);
        let unnamed = count
            .items
            .iter()
            .find(|i| i.value == "data/collection/models.csv")
            .unwrap();
        assert!(
            !unnamed.named && unnamed.name.starts_with("input-") && unnamed.position.is_none(),
            "{unnamed:?}"
        );
        // The unnamed inputs never appear in the command: a warning, not an error.
        assert!(
            count
                .warnings
                .iter()
                .any(|w| w.contains("\tdata/collection/models.csv")),
            "{:?}",
            count.warnings
        );
    }

    #[test]
    fn parses_the_list_fixture() {
        let wf = parse(&fixture("workflow-file-simple.yml"), "wf.yml").unwrap();
        let head = &wf.steps[0];
        assert_eq!(
            head.argv,
            [
                "head",
                "-n",
                "10",
                "data/collection/models.csv",
                "data/collection/colors.csv"
            ]
        );
        assert_eq!(
            head.items
                .iter()
                .find(|i| i.kind == ParameterKind::Output)
                .unwrap()
                .mapped_to,
            Some(Stream::Stdout)
        );
        let tail = &wf.steps[1];
        assert_eq!(tail.base_command, ["tail"]);
        assert_eq!(tail.argv, ["tail", "-n", "5", "intermediate"]);
        let describe_text = describe(&wf);
        assert!(
            describe_text
                .starts_with("Name: workflow-file\nPath: wf.yml\nKeywords: workflow file, v1\n"),
            "{describe_text}"
        );
        assert!(describe_text.contains("    tail:\n        Command: tail -n 5 intermediate > $outputs\n        Processed command: tail\n"), "{describe_text}");
    }

    #[test]
    fn errors_name_file_line_and_problem() {
        let cases = [
            (
                "- a\n- b\n",
                "wf.yml:1: Workflow file must be a YAML dictionary",
            ),
            (
                "name: wf\nsteps:\n  s1:\n    command: echo hi\n    colour: red\n",
                "wf.yml:5: Invalid attributes for step 's1': colour",
            ),
            (
                "name: wf\nsteps:\n  s1:\n    description: no command\n",
                "wf.yml:3: Required attribute 'command' isn't set for step 's1'",
            ),
            (
                "name: wf\nsteps:\n  - s1:\n      command: echo a\n  - s1:\n      command: echo b\n",
                "wf.yml:5: Duplicate step name 's1'",
            ),
            (
                "name: wf\nsteps:\n  first:\n    command: cat $x\n    inputs:\n      x:\n        path: mid.txt\n  second:\n    command: touch mid.txt\n    outputs:\n      - mid.txt\n",
                "wf.yml:3: Step 'first' reads 'mid.txt', which the later step 'second' writes",
            ),
            (
                "name: wf\nsteps:\n  s1:\n    command: cat $nope\n",
                "wf.yml:4: Cannot find a parameter with name 'nope' in step 's1'",
            ),
            (
                "name: wf\nsteps:\n  s1:\n    command: cat a | wc\n",
                "wf.yml:4: Cannot run multiple commands/piping in step 's1'",
            ),
            (
                "name: wf\nunknown: 1\nsteps:\n  s1:\n    command: x\n",
                "wf.yml:2: Invalid attributes for workflow file: unknown",
            ),
            (
                "name: wf\nsteps: {}\n",
                "wf.yml:2: Workflow file must have at least one step",
            ),
        ];
        for (text, expected) in cases {
            let err = parse(text, "wf.yml").unwrap_err().to_string();
            assert!(err.contains(expected), "expected {expected:?}, got {err:?}");
        }
        let bad_yaml = parse("name: [unclosed\n", "wf.yml")
            .unwrap_err()
            .to_string();
        assert!(bad_yaml.contains("wf.yml: invalid YAML"), "{bad_yaml}");
    }
}
