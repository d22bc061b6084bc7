//! `renku rerun`, and `renku rerun --check`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use renku_lib::exec::executor::{ExecObserver, ExecStep};
use renku_lib::exec::update::{InputEditor, RerunOptions, rerun};
use renku_lib::exec::verify::{CheckOptions, CheckReport, OutputStatus, StepStatus, check};
use renku_lib::model::CommandParameter;
use renku_lib::repo::ProjectDir;
use renku_lib::{Error, Result};

use super::Env;
use super::status::project_paths;
use super::update::{Provider, StepPrinter, jobs, print_plan, provider_options};
use crate::ui;

/// Output format of `renku rerun --check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// Blocks of text.
    Text,
    /// One JSON object (paths relative to the project root).
    Json,
}

/// Generate outputs again by re-executing the runs that produced them.
///
/// Re-executes the newest run that generated each of PATHS and every run upstream of it (with
/// `--from`, only the chains that start at those inputs), with the values they ran with, and
/// records the new runs in one commit. Plans removed with `renku workflow remove` are still
/// re-executed. If a step fails, every output is restored and nothing is recorded.
///
/// With `--check`, the same runs are re-executed in a temporary copy of the project at HEAD
/// (Git LFS files taken from the local LFS store) and every output they generate is compared
/// with the checksum its run recorded: the report lists the outputs that were reproduced, those
/// that drifted, those not generated, and the steps that failed (with their exit code and the
/// end of their standard error). The project itself is left untouched: nothing is written,
/// staged or committed. Exits 0 when everything was reproduced, 1 otherwise.
#[derive(Debug, Args)]
pub struct RerunArgs {
    /// The outputs to generate again.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Only re-execute from these inputs on (repeatable).
    #[arg(long = "from", value_name = "FILE")]
    pub sources: Vec<PathBuf>,
    /// Show the steps that would run, in order, without running them.
    #[arg(short = 'n', long = "dry-run")]
    pub dry_run: bool,
    /// Ask for a new value of every input that no re-executed step generates (Enter keeps
    /// it); the runs are recorded with the new values.
    #[arg(long = "edit-inputs", conflicts_with = "check")]
    pub edit_inputs: bool,
    /// Re-execute in a temporary copy of the project and report whether the outputs come out
    /// as recorded; changes nothing.
    #[arg(long, conflicts_with_all = ["dry_run", "skip_metadata_update"])]
    pub check: bool,
    /// Output format of the `--check` report.
    #[arg(long, value_enum, default_value = "text", requires = "check")]
    pub format: CheckFormat,
    /// Where to run the steps (renku-python's default is toil; ours is local).
    #[arg(short = 'p', long, value_enum, default_value = "local")]
    pub provider: Provider,
    /// YAML file of options for the cwltool or toil runner (`key: value` → `--key value`,
    /// `key: true` → `--key`).
    #[arg(short = 'c', long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// How many steps to run at once (default: the number of CPUs).
    #[arg(short = 'j', long)]
    pub jobs: Option<usize>,
    /// Execute, but record and commit nothing.
    #[arg(long = "skip-metadata-update")]
    pub skip_metadata_update: bool,
}

/// Runs `renku rerun`.
pub fn run(env: &Env, args: RerunArgs) -> Result<u8> {
    let project = env.project()?;
    let jobs = jobs(args.jobs)?;
    let paths = project_paths(&project, &args.paths)?;
    let sources = project_paths(&project, &args.sources)?;
    let provider = provider_options(args.provider, args.config.as_deref())?;
    if args.check {
        if args.provider != Provider::Local {
            return Err(Error::Usage(
                "'--check' re-executes with the local provider only.".into(),
            ));
        }
        let report = check(
            &project,
            &CheckOptions {
                paths,
                sources,
                jobs,
            },
            &CheckPrinter,
        )?;
        return render_check(&project, &report, args.format);
    }
    let report = rerun(
        &env.ctx,
        &project,
        &RerunOptions {
            paths,
            sources,
            dry_run: args.dry_run,
            jobs,
            skip_metadata_update: args.skip_metadata_update,
            provider,
        },
        &StepPrinter,
        args.edit_inputs
            .then_some(&PromptEditor as &dyn InputEditor),
    )?;
    warn_not_generated(&project, &report.not_generated);
    ui::lfs_message(&report.lfs);
    if report.steps.is_empty() {
        return Ok(1);
    }
    if args.dry_run {
        print_plan(&project, &report);
    }
    Ok(0)
}

/// Asks on the terminal for new input values.
struct PromptEditor;

impl InputEditor for PromptEditor {
    fn edit(&self, step: &str, input: &CommandParameter) -> Result<Option<String>> {
        let current = input.value_text();
        let answer = ui::ask(&format!(
            "New value of input '{}' of step '{step}' [{current}]: ",
            input.name
        ))
        .ok_or(Error::Aborted)?;
        Ok((!answer.is_empty()).then_some(answer))
    }
}

fn warn_not_generated(project: &ProjectDir, paths: &[String]) {
    for p in paths {
        ui::warning(&format!(
            "Path '{}' is not generated by any workflows.",
            project.display_path(p)
        ));
    }
}

/// Reports the steps of a check on standard error, so that standard output holds the report
/// alone.
struct CheckPrinter;

impl ExecObserver for CheckPrinter {
    fn step_started(&self, step: &ExecStep) {
        eprintln!(
            "Executing step '{}': '{}' ...",
            step.name(),
            step.plan.full_command()
        );
    }

    fn step_output(&self, step: &ExecStep, line: &str, _stderr: bool) {
        eprintln!("[{}] {line}", step.name());
    }
}

/// Prints the report of `rerun --check`; the exit code is 0 when everything was reproduced.
fn render_check(project: &ProjectDir, report: &CheckReport, format: CheckFormat) -> Result<u8> {
    warn_not_generated(project, &report.not_generated);
    if report.steps.is_empty() {
        return Ok(1);
    }
    match format {
        CheckFormat::Json => {
            let json = serde_json::to_string_pretty(report)
                .map_err(|e| Error::Failed(format!("Cannot encode the report: {e}")))?;
            crate::outln!("{json}");
        }
        CheckFormat::Text => crate::out!("{}", check_text(project, report)),
    }
    Ok(if report.reproduced() { 0 } else { 1 })
}

/// The first characters of a checksum, as git abbreviates object ids.
fn short(checksum: Option<&String>) -> String {
    checksum
        .map(|c| c.chars().take(7).collect())
        .unwrap_or_else(|| "none".into())
}

fn check_text(project: &ProjectDir, report: &CheckReport) -> String {
    let show = |p: &str| project.display_path(p);
    let commit: String = report.commit.chars().take(7).collect();
    let mut out = String::new();
    let reproducible = report.outputs_with(OutputStatus::Reproducible);
    if !reproducible.is_empty() {
        out.push_str(&format!(
            "Reproducible outputs({}):\n\n",
            reproducible.len()
        ));
        for (_, o) in &reproducible {
            out.push_str(&format!("\t{}\n", show(&o.path)));
        }
        out.push('\n');
    }
    let drifted = report.outputs_with(OutputStatus::Drifted);
    if !drifted.is_empty() {
        out.push_str(&format!(
            "Drifted outputs({}):\n  (re-executing the step generated other content than it recorded)\n\n",
            drifted.len()
        ));
        for (s, o) in &drifted {
            out.push_str(&format!(
                "\t{}: step '{}', recorded {}, regenerated {}",
                show(&o.path),
                s.plan_name,
                short(o.recorded.as_ref()),
                short(o.regenerated.as_ref())
            ));
            if !s.changed_inputs.is_empty() {
                let inputs: Vec<String> = s.changed_inputs.iter().map(|p| show(p)).collect();
                out.push_str(&format!(
                    " (its inputs differ from the recorded run: {})",
                    inputs.join(", ")
                ));
            }
            out.push('\n');
        }
        out.push('\n');
    }
    let missing = report.outputs_with(OutputStatus::NotGenerated);
    if !missing.is_empty() {
        out.push_str(&format!(
            "Outputs not generated({}):\n  (the step succeeded without writing them)\n\n",
            missing.len()
        ));
        for (s, o) in &missing {
            out.push_str(&format!("\t{}: step '{}'\n", show(&o.path), s.plan_name));
        }
        out.push('\n');
    }
    let failed: Vec<_> = report
        .steps
        .iter()
        .filter(|s| s.status == StepStatus::Failed)
        .collect();
    if !failed.is_empty() {
        out.push_str(&format!("Failed steps({}):\n\n", failed.len()));
        for s in &failed {
            let Some(f) = &s.failure else { continue };
            match f.exit_code {
                Some(code) => out.push_str(&format!("\t{}: exit code {code}\n", s.plan_name)),
                None => out.push_str(&format!("\t{}: {}\n", s.plan_name, f.message)),
            }
            for line in &f.stderr_tail {
                out.push_str(&format!("\t\t{line}\n"));
            }
        }
        out.push('\n');
    }
    let skipped: Vec<_> = report
        .steps
        .iter()
        .filter(|s| s.status == StepStatus::Skipped)
        .collect();
    if !skipped.is_empty() {
        out.push_str(&format!(
            "Skipped steps({}):\n  (a step they depend on failed)\n\n",
            skipped.len()
        ));
        for s in &skipped {
            out.push_str(&format!("\t{}\n", s.plan_name));
        }
        out.push('\n');
    }
    let total: usize = report.steps.iter().map(|s| s.outputs.len()).sum();
    let steps = count(report.steps.len(), "step");
    if report.reproduced() {
        out.push_str(&format!(
            "Everything was reproduced at commit {commit}: {} of {steps}.\n",
            count(total, "output")
        ));
    } else {
        out.push_str(&format!(
            "{} of {} of {steps} were reproduced at commit {commit}.\n",
            reproducible.len(),
            count(total, "output")
        ));
    }
    out
}

/// `1 step`, `2 steps`.
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
