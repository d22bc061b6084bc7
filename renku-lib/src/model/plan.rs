//! Plans: what a recorded command does, with its inputs, outputs and parameters.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use super::{Annotation, Person};

/// A standard stream a command parameter is connected to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stream {
    /// Standard input.
    Stdin,
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

impl Stream {
    /// `stdin`, `stdout` or `stderr`.
    pub fn as_str(self) -> &'static str {
        match self {
            Stream::Stdin => "stdin",
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        }
    }

    /// Id of the stream node (`/iostreams/<stream>`).
    pub fn id(self) -> String {
        format!("/iostreams/{}", self.as_str())
    }
}

/// What a command parameter is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ParameterKind {
    /// A file or directory the command reads.
    Input,
    /// A file or directory the command writes.
    Output,
    /// Any other value.
    Parameter,
}

impl ParameterKind {
    /// `input`, `output` or `parameter`.
    pub fn as_str(self) -> &'static str {
        match self {
            ParameterKind::Input => "input",
            ParameterKind::Output => "output",
            ParameterKind::Parameter => "parameter",
        }
    }

    /// The id segment of this kind (`inputs`, `outputs`, `parameters`).
    pub fn id_segment(self) -> &'static str {
        match self {
            ParameterKind::Input => "inputs",
            ParameterKind::Output => "outputs",
            ParameterKind::Parameter => "parameters",
        }
    }
}

/// An input, output or parameter of a plan (`renku:CommandInput`, `renku:CommandOutput`,
/// `renku:CommandParameter`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommandParameter {
    /// `<plan id>/<inputs|outputs|parameters>/<position, stream or name>`.
    pub id: String,
    /// Input, output or parameter.
    pub kind: ParameterKind,
    /// Name, unique within the plan (`input-1`, `n-2`, `output-94d6`, or the user's).
    pub name: String,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The value the command ran with (a path for inputs and outputs).
    pub default_value: serde_json::Value,
    /// 1-based position on the command line; `None` when not on the command line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<u32>,
    /// Prefix (`-n `, `--out=`); a trailing space means a separate argument.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// Stream the file is connected to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mapped_to: Option<Stream>,
    /// `application/octet-stream` or `inode/directory` for inputs and outputs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding_format: Option<String>,
    /// For outputs: whether the command created the directory holding the output.
    #[serde(default)]
    pub create_folder: bool,
    /// Whether the user gave the name.
    #[serde(default)]
    pub name_set_by_user: bool,
}

impl CommandParameter {
    /// The value as text (as passed on the command line).
    pub fn value_text(&self) -> String {
        match &self.default_value {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        }
    }

    /// The arguments this parameter contributes to a command line: `prefix` + value, split
    /// in two when the prefix ends with a space.
    pub fn to_argv(&self) -> Vec<String> {
        let value = self.value_text();
        match &self.prefix {
            Some(p) if p.ends_with(' ') => vec![p.trim_end().to_string(), value],
            Some(p) => vec![format!("{p}{value}")],
            None => vec![value],
        }
    }
}

/// A plan (`prov:Plan`, `renku:Plan`): a command with its parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// `/plans/<32 hex>`.
    pub id: String,
    /// Name, unique among the newest versions of all plans.
    pub name: String,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Base command (`python`, `git log`); may be empty when the first word is a script.
    pub command: String,
    /// Inputs, outputs and parameters, in the order they were detected.
    pub parameters: Vec<CommandParameter>,
    /// Exit codes that count as success; empty means `{0}`.
    #[serde(default)]
    pub success_codes: Vec<i32>,
    /// Keywords.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Creators.
    #[serde(default)]
    pub creators: Vec<Person>,
    /// When the plan was first created.
    pub date_created: DateTime<FixedOffset>,
    /// When this version was created.
    pub date_modified: DateTime<FixedOffset>,
    /// Set on the version that records the plan's removal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_removed: Option<DateTime<FixedOffset>>,
    /// Id of the plan version this one derives from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub derived_from: Option<String>,
    /// Custom metadata.
    #[serde(default)]
    pub annotations: Vec<Annotation>,
    /// For a composite plan: the ids of its steps' plans, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<String>,
    /// For a composite plan: values passed on to parameters of its steps.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mappings: Vec<super::ParameterMapping>,
    /// For a composite plan: outputs of steps passed on as inputs of other steps.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<super::ParameterLink>,
    /// For the composite plan of a workflow file: the file's path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

impl Plan {
    /// Whether this plan is a composite of other plans (e.g. a whole workflow file).
    pub fn is_composite(&self) -> bool {
        !self.steps.is_empty()
    }

    /// A new plan id (`/plans/<32 hex>`).
    pub fn new_id() -> String {
        format!("/plans/{}", crate::util::new_hex_id())
    }

    /// Parameters of one kind.
    pub fn of_kind(&self, kind: ParameterKind) -> impl Iterator<Item = &CommandParameter> {
        self.parameters.iter().filter(move |p| p.kind == kind)
    }

    /// The command line this plan runs: the base command split on spaces, then every
    /// positioned, non-stream parameter in position order.
    pub fn to_argv(&self) -> Vec<String> {
        let mut argv: Vec<String> = self
            .command
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        let mut positioned: Vec<&CommandParameter> = self
            .parameters
            .iter()
            .filter(|p| p.position.is_some() && p.mapped_to.is_none())
            .collect();
        positioned.sort_by_key(|p| p.position);
        for p in positioned {
            argv.extend(p.to_argv());
        }
        argv
    }

    /// The command line without its streams, shell-quoted: what `renku log` shows, as the
    /// reference does.
    pub fn argv_text(&self) -> String {
        self.to_argv()
            .iter()
            .map(|a| shell_quote(a))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The command line as the reference shows it in `workflow ls/show` and workflow-file
    /// exports: argv shell-quoted, then the streams in the order of the plan's
    /// inputs and outputs (`< in`, `> out`, ` 2> err` — two spaces before `2>`, as there);
    /// streams without a position (plans migrated from old renku-python projects record
    /// them so) are left out, as there.
    pub fn full_command(&self) -> String {
        let mut parts: Vec<String> = self.to_argv().iter().map(|a| shell_quote(a)).collect();
        for kind in [
            ParameterKind::Input,
            ParameterKind::Output,
            ParameterKind::Parameter,
        ] {
            for p in self.of_kind(kind).filter(|p| p.position.is_some()) {
                let value = shell_quote(&p.value_text());
                match p.mapped_to {
                    Some(Stream::Stdin) => parts.push(format!("< {value}")),
                    Some(Stream::Stdout) => parts.push(format!("> {value}")),
                    // The reference writes this one with a leading space (two in the line).
                    Some(Stream::Stderr) => parts.push(format!(" 2> {value}")),
                    None => {}
                }
            }
        }
        parts.join(" ")
    }
}

/// Quotes `arg` for a POSIX shell when it contains anything but safe characters.
pub fn shell_quote(arg: &str) -> String {
    if !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c))
    {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', "'\"'\"'"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param(
        kind: ParameterKind,
        name: &str,
        value: &str,
        pos: Option<u32>,
        prefix: Option<&str>,
    ) -> CommandParameter {
        CommandParameter {
            id: format!("/plans/x/{}/{name}", kind.id_segment()),
            kind,
            name: name.into(),
            description: None,
            default_value: serde_json::json!(value),
            position: pos,
            prefix: prefix.map(str::to_string),
            mapped_to: None,
            encoding_format: None,
            create_folder: false,
            name_set_by_user: false,
        }
    }

    #[test]
    fn argv_orders_by_position_and_splits_spaced_prefixes() {
        let mut out = param(ParameterKind::Output, "output-1", "out.txt", Some(3), None);
        out.mapped_to = Some(Stream::Stdout);
        let plan = Plan {
            id: "/plans/x".into(),
            name: "head".into(),
            description: None,
            command: "head".into(),
            parameters: vec![
                param(
                    ParameterKind::Input,
                    "input-2",
                    "in file.txt",
                    Some(2),
                    None,
                ),
                param(ParameterKind::Parameter, "n-1", "10", Some(1), Some("-n ")),
                out,
            ],
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
        };
        assert_eq!(plan.to_argv(), vec!["head", "-n", "10", "in file.txt"]);
        assert_eq!(plan.full_command(), "head -n 10 'in file.txt' > out.txt");
        // A stream without a position (migrated plans) is not shown, as in the reference.
        let mut unpositioned = plan.clone();
        unpositioned.parameters[2].position = None;
        assert_eq!(unpositioned.full_command(), "head -n 10 'in file.txt'");
        let mut err = plan.clone();
        err.parameters[2].mapped_to = Some(Stream::Stderr);
        assert_eq!(err.full_command(), "head -n 10 'in file.txt'  2> out.txt");
    }
}
