//! `renku workflow iterate`: running a plan once for every combination of parameter values
//! (a grid search), recording every run in one commit.

use std::collections::BTreeMap;

use serde_json::Value;

use super::execute::{PreparedExecution, flatten, render_values};
use crate::repo::ProjectDir;
use crate::workflow::composite::{PlanTree, resolve_steps};
use crate::workflow::query;
use crate::{Error, Result};

/// The placeholder replaced by the iteration's number (0, 1, …).
pub const ITER_INDEX: &str = "{iter_index}";

/// Options of `renku workflow iterate`.
#[derive(Debug, Clone, Default)]
pub struct IterateOptions {
    /// The plan's name or id.
    pub name_or_id: String,
    /// The `--mapping` file's content (nested mappings address steps of composites).
    pub mapping: BTreeMap<String, Value>,
    /// `NAME=VALUE` from `--map`: VALUE is a YAML value, a list to iterate over, or a template
    /// containing `{iter_index}`. `NAME@TAG` zips the lists with the same tag.
    pub maps: Vec<String>,
    /// Steps to run at once (at least 1).
    pub jobs: usize,
    /// Execute, but record and commit nothing.
    pub skip_metadata_update: bool,
}

/// How one named value varies over the iterations.
#[derive(Debug, Clone, PartialEq)]
enum Variation {
    /// The same value every time.
    Fixed(Value),
    /// A string in which `{iter_index}` is replaced by the iteration's number.
    Indexed(String),
    /// One value per iteration along a dimension of the grid.
    List(Vec<Value>),
}

/// The iterations of a plan, before anything runs.
#[derive(Debug, Clone)]
pub struct Iterations {
    /// The plan (with its steps).
    pub tree: PlanTree,
    /// Warnings about the values (one-element lists used as fixed values).
    pub warnings: Vec<String>,
    /// Names that match no parameter of the plan (they are ignored).
    pub unresolved: Vec<String>,
    /// Names of the values that vary: indexed templates first, then the lists.
    pub columns: Vec<String>,
    /// Whether every value in a column is a number.
    pub numeric: Vec<bool>,
    /// For every iteration, the varying values in column order.
    pub rows: Vec<Vec<String>>,
    /// For every iteration, every value it runs with (reference → value).
    values: Vec<BTreeMap<String, Value>>,
    jobs: usize,
    skip_metadata_update: bool,
}

/// A dimension of the grid: its tag (`None`: one untagged list) and its lists by name.
type Dimension = (Option<String>, Vec<(String, Vec<Value>)>);

/// Splits `name@tag`.
fn split_tag(name: &str) -> (&str, Option<&str>) {
    match name.rsplit_once('@') {
        Some((base, tag))
            if !base.is_empty()
                && !base.ends_with('.')
                && !tag.is_empty()
                && !tag.contains('.') =>
        {
            (base, Some(tag))
        }
        _ => (name, None),
    }
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// How a value varies, and a warning for a one-element list.
fn variation(name: &str, value: Value) -> Result<(Variation, Option<String>)> {
    Ok(match value {
        Value::String(s) if s.contains(ITER_INDEX) => (Variation::Indexed(s), None),
        Value::Array(mut items) if items.len() == 1 => {
            let only = items.remove(0);
            let warning = format!(
                "The parameter '{name}' has only one element '{}', changing it to be a fixed parameter!",
                text_of(&only)
            );
            (Variation::Fixed(only), Some(warning))
        }
        Value::Array(items) if items.is_empty() => {
            return Err(Error::Parameter(format!(
                "The value of '{name}' parameter is an empty list!"
            )));
        }
        Value::Array(items) => (Variation::List(items), None),
        other => (Variation::Fixed(other), None),
    })
}

/// A `--map` value: a template with `{iter_index}`, or a YAML value (`[1, 2]`, `[a, b]`, `3`).
fn parse_map_value(name: &str, raw: &str) -> Result<Value> {
    // Flow lists cannot hold `{` in plain scalars: parse with a stand-in for the placeholder.
    const STAND_IN: &str = "__renku_iter_index__";
    if raw.starts_with('[')
        && let Ok(Value::Array(items)) =
            serde_saphyr::from_str::<Value>(&raw.replace(ITER_INDEX, STAND_IN))
    {
        return Ok(Value::Array(
            items
                .into_iter()
                .map(|v| match v {
                    Value::String(s) => Value::String(s.replace(STAND_IN, ITER_INDEX)),
                    other => other,
                })
                .collect(),
        ));
    }
    if raw.contains(ITER_INDEX) {
        return Ok(Value::String(raw.to_string()));
    }
    serde_saphyr::from_str::<Value>(raw).map_err(|_| {
        Error::Parameter(format!(
            "The value of '{name}' parameter is neither a list nor templated variable!"
        ))
    })
}

/// Works out the iterations of `opts.name_or_id`: the grid of the lists (lists with the same
/// tag are zipped, the rest combined as a Cartesian product, first given varying slowest).
pub fn plan_iterations(project: &ProjectDir, opts: &IterateOptions) -> Result<Iterations> {
    let plan = query::live_plan(project, &opts.name_or_id)?;
    let tree = query::plan_tree(project, plan)?;

    // Named values in the order given: the mapping file first, then --map.
    let mut given: Vec<(String, Value)> = Vec::new();
    let mut flat = BTreeMap::new();
    flatten("", &opts.mapping, &mut flat);
    given.extend(flat);
    for m in &opts.maps {
        let (name, raw) = m.split_once('=').ok_or_else(|| {
            Error::Usage(format!(
                "Invalid value for '--map': '{m}' is not of the form NAME=VALUE."
            ))
        })?;
        let name = name.trim();
        given.retain(|(n, _)| n != name);
        given.push((name.to_string(), parse_map_value(name, raw.trim())?));
    }
    if given.is_empty() {
        return Err(Error::Usage(
            "No mapping has been given for the iteration!".into(),
        ));
    }

    let mut warnings = Vec::new();
    let mut unresolved = Vec::new();
    let mut fixed: Vec<(String, Value)> = Vec::new();
    let mut indexed: Vec<(String, String)> = Vec::new();
    // Dimensions of the grid: untagged lists alone, tagged lists grouped by tag.
    let mut dimensions: Vec<Dimension> = Vec::new();
    for (name, value) in given {
        let (base, tag) = split_tag(&name);
        let (v, warning) = variation(&name, value)?;
        warnings.extend(warning);
        if tree.resolve(base).is_err() {
            unresolved.push(name.clone());
            continue;
        }
        match v {
            Variation::Fixed(v) => fixed.push((base.to_string(), v)),
            Variation::Indexed(t) => indexed.push((base.to_string(), t)),
            Variation::List(items) => {
                let column = (name.clone(), items);
                match tag.and_then(|t| {
                    dimensions
                        .iter_mut()
                        .find(|(dt, _)| dt.as_deref() == Some(t))
                }) {
                    Some((_, members)) => members.push(column),
                    None => dimensions.push((tag.map(str::to_string), vec![column])),
                }
            }
        }
    }
    if fixed.is_empty() && indexed.is_empty() && dimensions.is_empty() {
        return Err(Error::Usage(format!(
            "Please check the provided mappings as none of the parameters are present in the '{}' workflow",
            tree.plan.name
        )));
    }
    for (tag, members) in &dimensions {
        if let (Some(tag), Some((_, first))) = (tag, members.first())
            && let Some((other, items)) = members.iter().find(|(_, v)| v.len() != first.len())
        {
            return Err(Error::Parameter(format!(
                "The parameters tagged '@{tag}' must have the same number of values: '{}' has {}, '{other}' has {}.",
                members[0].0,
                first.len(),
                items.len()
            )));
        }
    }

    let sizes: Vec<usize> = dimensions
        .iter()
        .map(|(_, members)| members.first().map_or(1, |(_, v)| v.len()))
        .collect();
    let count: usize = sizes.iter().product();
    let mut columns: Vec<String> = indexed.iter().map(|(n, _)| n.clone()).collect();
    for (_, members) in &dimensions {
        columns.extend(members.iter().map(|(n, _)| n.clone()));
    }
    let mut rows = Vec::with_capacity(count);
    let mut values = Vec::with_capacity(count);
    let mut numeric = vec![true; columns.len()];
    for i in 0..count {
        let mut these: BTreeMap<String, Value> = fixed.iter().cloned().collect();
        let mut row: Vec<Value> = Vec::with_capacity(columns.len());
        for (name, template) in &indexed {
            let v = Value::String(template.replace(ITER_INDEX, &i.to_string()));
            these.insert(name.clone(), v.clone());
            row.push(v);
        }
        // Mixed radix: the first dimension varies slowest.
        let mut rest = i;
        let mut picks = vec![0; sizes.len()];
        for (d, size) in sizes.iter().enumerate().rev() {
            picks[d] = rest % size;
            rest /= size;
        }
        for ((_, members), pick) in dimensions.iter().zip(&picks) {
            for (name, items) in members {
                let v = match &items[*pick] {
                    Value::String(t) => Value::String(t.replace(ITER_INDEX, &i.to_string())),
                    other => other.clone(),
                };
                these.insert(split_tag(name).0.to_string(), v.clone());
                row.push(v);
            }
        }
        for (c, v) in row.iter().enumerate() {
            numeric[c] &= v.is_number();
        }
        rows.push(row.iter().map(text_of).collect());
        values.push(these);
    }
    Ok(Iterations {
        tree,
        warnings,
        unresolved,
        columns,
        numeric,
        rows,
        values,
        jobs: opts.jobs,
        skip_metadata_update: opts.skip_metadata_update,
    })
}

impl Iterations {
    /// The runs of all iterations, resolved and checked, as one execution.
    pub fn prepare(&self, project: &ProjectDir) -> Result<PreparedExecution> {
        let now = chrono::Local::now();
        let mut groups = Vec::with_capacity(self.values.len());
        for values in &self.values {
            let mut resolved = resolve_steps(&self.tree, values);
            for p in &mut resolved.plans {
                render_values(p, now);
            }
            groups.push(resolved);
        }
        PreparedExecution::new(
            project,
            groups,
            self.unresolved.clone(),
            self.jobs,
            self.skip_metadata_update,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn map_values_are_lists_templates_or_fixed_values() {
        assert_eq!(parse_map_value("n", "[1, 2]").expect("list"), json!([1, 2]));
        assert_eq!(
            parse_map_value("n", "[a,b]").expect("list"),
            json!(["a", "b"])
        );
        assert_eq!(
            parse_map_value("n", "out_{iter_index}.txt").expect("template"),
            json!("out_{iter_index}.txt")
        );
        assert_eq!(parse_map_value("n", "3").expect("fixed"), json!(3));
        assert_eq!(
            parse_map_value("n", "[a_{iter_index}, b]").expect("list of templates"),
            json!(["a_{iter_index}", "b"])
        );
        assert!(parse_map_value("n", "[a, b").is_err());
        let (v, warning) = variation("n", json!([5])).expect("one element");
        assert_eq!(v, Variation::Fixed(json!(5)));
        assert!(warning.expect("warned").contains("'5'"));
        assert!(variation("n", json!([])).is_err());
        assert_eq!(split_tag("n-1@t1"), ("n-1", Some("t1")));
        assert_eq!(split_tag("step.n"), ("step.n", None));
        assert_eq!(split_tag("@step1.n"), ("@step1.n", None));
        assert_eq!(split_tag("@step1.@input1"), ("@step1.@input1", None));
        assert_eq!(split_tag("@step1.@input1@t"), ("@step1.@input1", Some("t")));
    }
}
