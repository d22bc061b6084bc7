//! `renku workflow execute`: running a plan (or the steps of a composite plan) with values
//! given on the command line or in a values file, and recording the executions.

use std::collections::BTreeMap;

use serde_json::Value;

use super::executor::{ExecObserver, ExecStep, ProviderOptions};
use super::graph::within;
use super::update::execute_and_record_with;
use crate::context::CommandContext;
use crate::model::{Activity, ParameterKind, Plan};
use crate::repo::ProjectDir;
use crate::workflow::composite::{ResolvedSteps, resolve_steps};
use crate::workflow::query;
use crate::{Error, Result};

/// Options of `renku workflow execute`.
#[derive(Debug, Clone, Default)]
pub struct ExecuteOptions {
    /// The plan's name or id.
    pub name_or_id: String,
    /// `NAME=VALUE` assignments; `step.NAME=VALUE` for a step of a composite plan.
    pub set: Vec<String>,
    /// Values from a `--values` file (a mapping; nested mappings for composite steps).
    pub values: BTreeMap<String, Value>,
    /// Steps to run at once (at least 1).
    pub jobs: usize,
    /// Execute, but record and commit nothing.
    pub skip_metadata_update: bool,
    /// Where the steps run.
    pub provider: ProviderOptions,
}

/// What `renku workflow execute` did.
#[derive(Debug, Clone, Default)]
pub struct ExecuteReport {
    /// The plans as executed (their default values are the values used).
    pub plans: Vec<Plan>,
    /// Value names that matched no parameter (ignored).
    pub unresolved: Vec<String>,
    /// The activities recorded.
    pub activities: Vec<Activity>,
    /// Outputs put into Git LFS (the patterns added to `.gitattributes`).
    pub lfs: crate::repo::lfs::Tracked,
}

/// Flattens nested value mappings into dotted names (`train.lr`).
pub(crate) fn flatten(
    prefix: &str,
    values: &BTreeMap<String, Value>,
    out: &mut BTreeMap<String, Value>,
) {
    for (k, v) in values {
        let name = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            Value::Object(map) => {
                let inner: BTreeMap<String, Value> =
                    map.iter().map(|(a, b)| (a.clone(), b.clone())).collect();
                flatten(&name, &inner, out);
            }
            other => {
                out.insert(name, other.clone());
            }
        }
    }
}

/// The values to apply: the values file, overridden by `--set` assignments.
fn collect_values(opts: &ExecuteOptions) -> Result<BTreeMap<String, Value>> {
    let mut out = BTreeMap::new();
    flatten("", &opts.values, &mut out);
    for s in &opts.set {
        let Some((k, v)) = s.split_once('=') else {
            return Err(Error::Parameter(format!(
                "'{s}' is not a NAME=VALUE assignment."
            )));
        };
        let k = k.trim();
        if k.is_empty() {
            return Err(Error::Parameter(format!(
                "'{s}' is not a NAME=VALUE assignment."
            )));
        }
        out.insert(k.to_string(), Value::String(v.to_string()));
    }
    Ok(out)
}

/// Renders `{name}` placeholders with the plan's other values, and `{}` / `{:FORMAT}` with the
/// current time (strftime format, default `%Y-%m-%d %H:%M:%S`), as renku-python's
/// `str.format` templating does. `{{` and `}}` are literal braces; `{iter_index}` and unknown
/// names are kept as they are.
pub fn render_template(
    text: &str,
    values: &BTreeMap<String, String>,
    now: chrono::DateTime<chrono::Local>,
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix("{{") {
            out.push('{');
            rest = after;
            continue;
        }
        if let Some(after) = tail.strip_prefix("}}") {
            out.push('}');
            rest = after;
            continue;
        }
        if let Some(after) = tail.strip_prefix('}') {
            out.push('}');
            rest = after;
            continue;
        }
        let Some(end) = tail.find('}') else {
            out.push_str(tail);
            rest = "";
            break;
        };
        let field = &tail[1..end];
        let replacement = if field.is_empty() {
            Some(now.format("%Y-%m-%d %H:%M:%S").to_string())
        } else if let Some(fmt) = field.strip_prefix(':') {
            let mut s = String::new();
            use std::fmt::Write;
            // An invalid format leaves the placeholder alone instead of panicking.
            write!(s, "{}", now.format(fmt)).ok().map(|()| s)
        } else if field == "iter_index" {
            None
        } else {
            values.get(field).cloned()
        };
        match replacement {
            Some(r) => out.push_str(&r),
            None => out.push_str(&tail[..=end]),
        }
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    out
}

/// Renders the templates in the values of `plan`'s parameters.
pub fn render_values(plan: &mut Plan, now: chrono::DateTime<chrono::Local>) {
    let texts: BTreeMap<String, String> = plan
        .parameters
        .iter()
        .map(|p| (p.name.clone(), p.value_text()))
        .collect();
    for p in &mut plan.parameters {
        if let Value::String(s) = &p.default_value
            && s.contains(['{', '}'])
        {
            p.default_value = Value::String(render_template(s, &texts, now));
        }
    }
}

/// Executes the plan `opts.name_or_id` (a composite: its steps, in order) with the given values
/// and records the executions in one commit.
pub fn execute_workflow(
    ctx: &CommandContext,
    project: &ProjectDir,
    opts: &ExecuteOptions,
    observer: &dyn ExecObserver,
) -> Result<ExecuteReport> {
    prepare_execution(project, opts)?.run(ctx, project, observer)
}

/// An execution of a plan, resolved and checked, not started yet.
#[derive(Debug, Clone)]
pub struct PreparedExecution {
    /// The plans to run, with the values they run with.
    pub plans: Vec<Plan>,
    /// Value names that matched no parameter (ignored).
    pub unresolved: Vec<String>,
    steps: Vec<ExecStep>,
    jobs: usize,
    skip_metadata_update: bool,
    provider: ProviderOptions,
}

impl PreparedExecution {
    /// The same execution with its steps run by `provider` (the local executor by default).
    pub fn with_provider(mut self, provider: ProviderOptions) -> PreparedExecution {
        self.provider = provider;
        self
    }

    /// Runs the steps and records the executions in one commit.
    pub fn run(
        self,
        ctx: &CommandContext,
        project: &ProjectDir,
        observer: &dyn ExecObserver,
    ) -> Result<ExecuteReport> {
        let git = project.git()?;
        let executor = self.provider.executor(self.jobs)?;
        let recorded = execute_and_record_with(
            ctx,
            project,
            &git,
            &self.steps,
            executor.as_ref(),
            observer,
            self.skip_metadata_update,
        )?;
        Ok(ExecuteReport {
            plans: self.plans,
            unresolved: self.unresolved,
            activities: recorded.activities,
            lfs: recorded.lfs,
        })
    }
}

/// Finds the plan `opts.name_or_id`, applies the values and checks the steps can run.
pub fn prepare_execution(project: &ProjectDir, opts: &ExecuteOptions) -> Result<PreparedExecution> {
    let plan = query::live_plan(project, &opts.name_or_id)?;
    let values = collect_values(opts)?;
    let tree = query::plan_tree(project, plan)?;
    let mut resolved = resolve_steps(&tree, &values);
    let now = chrono::Local::now();
    for p in &mut resolved.plans {
        render_values(p, now);
    }
    let unresolved = std::mem::take(&mut resolved.unresolved);
    Ok(PreparedExecution::new(
        project,
        vec![resolved],
        unresolved,
        opts.jobs,
        opts.skip_metadata_update,
    )?
    .with_provider(opts.provider.clone()))
}

impl PreparedExecution {
    /// Checks and orders groups of leaf plans (one group per execution of a plan: each
    /// iteration of `workflow iterate` is one), with the link dependencies inside each group.
    pub(crate) fn new(
        project: &ProjectDir,
        groups: Vec<ResolvedSteps>,
        unresolved: Vec<String>,
        jobs: usize,
        skip_metadata_update: bool,
    ) -> Result<PreparedExecution> {
        let mut plans: Vec<Plan> = Vec::new();
        let mut link_dependencies: Vec<(usize, usize)> = Vec::new();
        for group in groups {
            check_cycles(&group.plans)?;
            let offset = plans.len();
            link_dependencies.extend(
                group
                    .link_dependencies
                    .iter()
                    .map(|(a, b)| (a + offset, b + offset)),
            );
            plans.extend(group.plans);
        }
        let steps = steps_with_dependencies(plans.clone(), &link_dependencies);
        let generated: Vec<String> = steps.iter().flat_map(|s| s.outputs()).collect();
        for s in &steps {
            for input in s.inputs() {
                let produced = generated
                    .iter()
                    .any(|g| within(&input, g) || within(g, &input));
                if !produced && !project.root().join(&input).exists() {
                    return Err(Error::Usage(format!(
                        "Invalid input value: Input '{input}' does not exist!"
                    )));
                }
            }
        }
        Ok(PreparedExecution {
            plans,
            unresolved,
            steps,
            jobs,
            skip_metadata_update,
            provider: ProviderOptions::default(),
        })
    }
}

/// The steps that run `plans` (the leaf plans of a composite, in order, values applied):
/// each waits for the earlier steps that generate its inputs and for the sources of its links.
/// A step may not read what it (or a later step) writes.
pub fn composite_steps(
    plans: Vec<Plan>,
    link_dependencies: &[(usize, usize)],
) -> Result<Vec<ExecStep>> {
    check_cycles(&plans)?;
    Ok(steps_with_dependencies(plans, link_dependencies))
}

/// Steps of `plans` that wait for the earlier steps generating their inputs and for the
/// sources of their links (`(from, to)` indices).
fn steps_with_dependencies(
    plans: Vec<Plan>,
    link_dependencies: &[(usize, usize)],
) -> Vec<ExecStep> {
    let mut steps: Vec<ExecStep> = plans
        .into_iter()
        .map(|plan| ExecStep {
            plan,
            deps: Vec::new(),
        })
        .collect();
    super::update::set_step_dependencies(&mut steps);
    for &(from, to) in link_dependencies {
        if from != to && to < steps.len() && !steps[to].deps.contains(&from) {
            steps[to].deps.push(from);
        }
    }
    steps
}

/// A step may not read what it (or a later step) writes.
fn check_cycles(plans: &[Plan]) -> Result<()> {
    for (i, p) in plans.iter().enumerate() {
        let inputs: Vec<String> = p
            .of_kind(ParameterKind::Input)
            .map(|x| x.value_text())
            .collect();
        for later in &plans[i..] {
            for o in later.of_kind(ParameterKind::Output).map(|x| x.value_text()) {
                if let Some(input) = inputs.iter().find(|x| within(x, &o) || within(&o, x)) {
                    return Err(Error::Failed(format!(
                        "Circular workflows are not supported in Renku. Please remove these cycles:\n\t{input} -> {} -> {o}",
                        later.name
                    )));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn templates_use_other_values_and_the_time() {
        let values = BTreeMap::from([("n".to_string(), "10".to_string())]);
        let now = chrono::Local
            .with_ymd_and_hms(2026, 3, 4, 5, 6, 7)
            .single()
            .expect("valid time");
        assert_eq!(render_template("out-{n}.txt", &values, now), "out-10.txt");
        assert_eq!(
            render_template("{:%Y-%m-%d}.csv", &values, now),
            "2026-03-04.csv"
        );
        assert_eq!(render_template("{}", &values, now), "2026-03-04 05:06:07");
        assert_eq!(
            render_template("{{literal}} {iter_index} {unknown}", &values, now),
            "{literal} {iter_index} {unknown}"
        );
        assert_eq!(render_template("open {", &values, now), "open {");
    }

    #[test]
    fn nested_values_flatten_to_dotted_names() {
        let opts = ExecuteOptions {
            values: BTreeMap::from([(
                "train".to_string(),
                serde_json::json!({"lr": 0.1, "inner": {"x": "y"}}),
            )]),
            set: vec!["train.lr=0.9".into(), "n=3".into()],
            ..Default::default()
        };
        let v = collect_values(&opts).expect("valid values");
        assert_eq!(v["train.lr"], serde_json::json!("0.9"));
        assert_eq!(v["train.inner.x"], serde_json::json!("y"));
        assert_eq!(v["n"], serde_json::json!("3"));
        assert!(
            collect_values(&ExecuteOptions {
                set: vec!["novalue".into()],
                ..Default::default()
            })
            .is_err()
        );
    }
}
