//! `manifest.yaml`: the list of templates in a template source.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The type of a template variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VariableType {
    /// Free text.
    String,
    /// A number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// One of a list of values.
    Enum,
}

/// A template variable (parameter).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Variable {
    /// What the variable is for.
    #[serde(default)]
    pub description: String,
    /// Its type; untyped variables take any text.
    #[serde(default, rename = "type")]
    pub kind: Option<VariableType>,
    /// The value used when none is given.
    #[serde(default)]
    pub default_value: Option<serde_json::Value>,
    /// Allowed values of an `enum` variable.
    #[serde(default, alias = "possible_values")]
    #[serde(rename = "enum")]
    pub choices: Option<Vec<serde_json::Value>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum VariableSpec {
    Description(String),
    Full(Variable),
}

fn deserialize_variables<'de, D>(d: D) -> std::result::Result<BTreeMap<String, Variable>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let raw: Option<BTreeMap<String, VariableSpec>> = Option::deserialize(d)?;
    Ok(raw
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| {
            let var = match v {
                VariableSpec::Description(description) => Variable {
                    description,
                    kind: None,
                    default_value: None,
                    choices: None,
                },
                VariableSpec::Full(v) => v,
            };
            (k, var)
        })
        .collect())
}

/// One template of a manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateEntry {
    /// Template id; defaults to the folder name.
    #[serde(default)]
    pub id: Option<String>,
    /// Folder holding the template's files.
    pub folder: String,
    /// Display name.
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Variables the template takes.
    #[serde(default, deserialize_with = "deserialize_variables")]
    pub variables: BTreeMap<String, Variable>,
    /// Icon file, relative to the source root.
    #[serde(default)]
    pub icon: Option<String>,
    /// Whether sessions support SSH.
    #[serde(default)]
    pub ssh_supported: bool,
    /// Files users must not change.
    #[serde(default)]
    pub immutable_template_files: Vec<String>,
    /// Whether `template update` may update projects made from it.
    #[serde(default = "yes")]
    pub allow_template_update: bool,
    /// Other ids the template answers to.
    #[serde(default)]
    pub aliases: Vec<String>,
}

fn yes() -> bool {
    true
}

impl TemplateEntry {
    /// The template's id.
    pub fn id(&self) -> &str {
        self.id.as_deref().unwrap_or(&self.folder)
    }

    /// Whether the template answers to `id` (its id or an alias).
    pub fn matches(&self, id: &str) -> bool {
        self.id() == id || self.aliases.iter().any(|a| a == id)
    }
}

/// A parsed `manifest.yaml`.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// The templates, in manifest order.
    pub templates: Vec<TemplateEntry>,
}

impl Manifest {
    /// Parses manifest YAML text.
    pub fn parse(text: &str, origin: &str) -> Result<Manifest> {
        let templates: Vec<TemplateEntry> = serde_saphyr::from_str(text)
            .map_err(|e| Error::Template(format!("Invalid template manifest {origin}: {e}")))?;
        Ok(Manifest { templates })
    }

    /// Finds a template by id or alias.
    pub fn find(&self, id: &str) -> Option<&TemplateEntry> {
        self.templates.iter().find(|t| t.matches(id))
    }

    /// Problems of the manifest itself: duplicate ids or aliases, bad variables.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for t in &self.templates {
            for name in std::iter::once(t.id()).chain(t.aliases.iter().map(String::as_str)) {
                if !seen.insert(name.to_string()) {
                    problems.push(format!("Found duplicate IDs or aliases: {name}"));
                }
            }
            if t.name.trim().is_empty() {
                problems.push(format!("Template '{}' has no name", t.id()));
            }
            for (var, spec) in &t.variables {
                if spec.kind == Some(VariableType::Enum)
                    && spec.choices.as_ref().is_none_or(Vec::is_empty)
                {
                    problems.push(format!(
                        "Template variable '{var}' of template '{}' is an enum without a list of values",
                        t.id()
                    ));
                }
                if let (Some(default), Some(_)) = (&spec.default_value, spec.kind)
                    && let Err(e) = convert_value(var, spec, &value_to_text(default))
                {
                    problems.push(format!("Template '{}': default of {e}", t.id()));
                }
            }
        }
        problems
    }
}

/// Text form of a JSON value as a user would type it.
pub fn value_to_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Converts a text value for variable `name` according to its type.
pub fn convert_value(name: &str, var: &Variable, text: &str) -> Result<serde_json::Value> {
    match var.kind {
        None | Some(VariableType::String) => Ok(serde_json::Value::String(text.to_string())),
        Some(VariableType::Number) => {
            if let Ok(i) = text.trim().parse::<i64>() {
                return Ok(i.into());
            }
            text.trim()
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(serde_json::Value::Number)
                .ok_or_else(|| {
                    Error::Parameter(format!(
                        "Value '{text}' is not a number for template variable '{name}'"
                    ))
                })
        }
        Some(VariableType::Boolean) => match text.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "y" => Ok(true.into()),
            "false" | "0" | "no" | "n" => Ok(false.into()),
            _ => Err(Error::Parameter(format!(
                "Value '{text}' is not a boolean for template variable '{name}'"
            ))),
        },
        Some(VariableType::Enum) => {
            let choices = var.choices.clone().unwrap_or_default();
            choices.iter().find(|c| value_to_text(c) == text).cloned().ok_or_else(|| {
                let list: Vec<String> = choices.iter().map(value_to_text).collect();
                Error::Parameter(format!(
                    "Value '{text}' is not in the possible values [{}] of template variable '{name}'",
                    list.join(", ")
                ))
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST: &str = r#"
- folder: python-minimal
  name: Python
  description: d
  variables:
    version:
      description: v
      type: enum
      enum: ["3.10", "3.11"]
      default_value: "3.11"
    legacy: a plain description
  ssh_supported: true
- id: mini
  folder: minimal
  name: Minimal
  aliases: [tiny]
"#;

    #[test]
    fn parses_entries_variables_and_aliases() {
        let m = Manifest::parse(MANIFEST, "test").unwrap();
        assert_eq!(m.templates.len(), 2);
        assert_eq!(m.templates[0].id(), "python-minimal");
        assert_eq!(
            m.templates[0].variables["legacy"].description,
            "a plain description"
        );
        assert_eq!(m.find("tiny").unwrap().folder, "minimal");
        assert!(m.problems().is_empty(), "{:?}", m.problems());
    }

    #[test]
    fn converts_typed_values() {
        let m = Manifest::parse(MANIFEST, "test").unwrap();
        let var = &m.templates[0].variables["version"];
        assert_eq!(
            convert_value("version", var, "3.10").unwrap(),
            serde_json::json!("3.10")
        );
        assert!(convert_value("version", var, "2.7").is_err());
        let b = Variable {
            description: String::new(),
            kind: Some(VariableType::Boolean),
            default_value: None,
            choices: None,
        };
        assert_eq!(
            convert_value("b", &b, "True").unwrap(),
            serde_json::json!(true)
        );
    }

    #[test]
    fn reports_duplicates_and_bad_yaml() {
        let m = Manifest::parse("- folder: a\n  name: A\n- folder: a\n  name: B\n", "t").unwrap();
        assert!(m.problems()[0].contains("duplicate"));
        assert!(Manifest::parse("- folder: [unclosed", "t").is_err());
    }
}
