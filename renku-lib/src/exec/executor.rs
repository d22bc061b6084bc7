//! Executors, and the local one: it runs the steps of an execution graph as child processes, independent
//! steps concurrently (up to `jobs` at once), each in the project root with its argument vector
//! (no shell), its redirected streams and the `RENKU_ENV_<name>` variables of its inputs,
//! outputs and parameters. The first failure stops the run: no new step starts, the running
//! ones are terminated, and the error names the failed step, its exit status and the end of its
//! standard error.

use std::collections::{BTreeSet, VecDeque};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;

use chrono::{DateTime, FixedOffset};

use crate::model::{ParameterKind, Plan, Stream};
use crate::{Error, Result};

/// How many lines of a failed step's standard error its error message quotes.
const STDERR_TAIL_LINES: usize = 10;

/// One step to execute: a plan whose parameters hold the values to run with.
#[derive(Debug, Clone)]
pub struct ExecStep {
    /// The plan (its default values are the values of this execution).
    pub plan: Plan,
    /// Steps that must have finished before this one starts (indices into the step list).
    pub deps: Vec<usize>,
}

impl ExecStep {
    /// The plan's name.
    pub fn name(&self) -> &str {
        &self.plan.name
    }

    /// Paths of the step's inputs.
    pub fn inputs(&self) -> Vec<String> {
        self.plan
            .of_kind(ParameterKind::Input)
            .map(|p| p.value_text())
            .collect()
    }

    /// Paths of the step's outputs.
    pub fn outputs(&self) -> Vec<String> {
        self.plan
            .of_kind(ParameterKind::Output)
            .map(|p| p.value_text())
            .collect()
    }

    fn success_codes(&self) -> Vec<i32> {
        if self.plan.success_codes.is_empty() {
            vec![0]
        } else {
            self.plan.success_codes.clone()
        }
    }
}

/// What the executor reports while it runs.
pub trait ExecObserver: Sync {
    /// A step is about to start.
    fn step_started(&self, step: &ExecStep);
    /// A line a step printed, when the executor captures output (concurrent runs); `stderr`
    /// tells which stream.
    fn step_output(&self, step: &ExecStep, line: &str, stderr: bool);
    /// A line an external workflow runner (cwltool, toil) logged.
    fn runner_output(&self, _line: &str) {}
}

/// An observer that reports nothing.
pub struct Silent;

impl ExecObserver for Silent {
    fn step_started(&self, _step: &ExecStep) {}
    fn step_output(&self, _step: &ExecStep, _line: &str, _stderr: bool) {}
}

/// When a step ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepTiming {
    /// When it started.
    pub started: DateTime<FixedOffset>,
    /// When it ended.
    pub ended: DateTime<FixedOffset>,
}

/// Hooks the caller runs on the executor's thread around each step.
pub trait StepHooks {
    /// Before step `i` starts, when the project holds the outputs of the steps before it
    /// (e.g. to hash its inputs).
    fn before(&mut self, i: usize) -> Result<()>;
    /// After step `i` succeeded and its outputs are in the project (e.g. to hash them).
    fn after(&mut self, i: usize) -> Result<()>;
}

/// Runs the steps of an execution in a project.
///
/// Whatever runs the commands, an executor calls `hooks.before(i)` while the project holds
/// the outputs of the steps step `i` depends on but not yet its own, and `hooks.after(i)` once
/// step `i`'s outputs are in the project; it returns when every step finished, or with the
/// first failure. The caller protects the outputs beforehand and records the executions
/// afterwards, so every executor records the same activities.
pub trait Executor {
    /// Runs `steps` (dependencies set) in the project at `root`.
    fn execute(
        &self,
        root: &Path,
        steps: &[ExecStep],
        hooks: &mut dyn StepHooks,
        observer: &dyn ExecObserver,
    ) -> Result<Vec<StepTiming>>;
}

/// The local executor: child processes in the project, up to `jobs` steps at once.
#[derive(Debug, Clone, Copy)]
pub struct Local {
    /// Steps to run at once (at least 1).
    pub jobs: usize,
}

impl Executor for Local {
    fn execute(
        &self,
        root: &Path,
        steps: &[ExecStep],
        hooks: &mut dyn StepHooks,
        observer: &dyn ExecObserver,
    ) -> Result<Vec<StepTiming>> {
        execute(root, steps, self.jobs, hooks, observer)
    }
}

/// Where the steps of `update`, `rerun` and `workflow execute` run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Provider {
    /// The local executor (the default).
    #[default]
    Local,
    /// A CWL workflow run by cwltool.
    Cwltool,
    /// A CWL workflow run by Toil.
    Toil,
}

/// The provider to run steps with and its options.
#[derive(Debug, Clone, Default)]
pub struct ProviderOptions {
    /// The provider.
    pub provider: Provider,
    /// Extra command-line options of the CWL runner (from `--config`).
    pub runner_args: Vec<String>,
}

impl ProviderOptions {
    /// The executor of this provider; fails when its runner is not installed.
    pub fn executor(&self, jobs: usize) -> Result<Box<dyn Executor>> {
        use super::cwl::{CwlExecutor, CwlRunner};
        Ok(match self.provider {
            Provider::Local => Box::new(Local { jobs }),
            Provider::Cwltool => Box::new(CwlExecutor::new(
                CwlRunner::Cwltool,
                self.runner_args.clone(),
            )?),
            Provider::Toil => {
                Box::new(CwlExecutor::new(CwlRunner::Toil, self.runner_args.clone())?)
            }
        })
    }
}

/// The runner options a `--config` YAML file gives: every top-level `key: value` becomes
/// `--key value`, `key: true` becomes `--key`, `false` and null leave the option out, and a
/// list repeats the option for each item.
pub fn runner_args_from_config(text: &str, origin: &str) -> Result<Vec<String>> {
    let invalid = |why: String| Error::Usage(format!("Invalid value for '-c' / '--config': {why}"));
    let value: serde_json::Value = serde_saphyr::from_str(text)
        .map_err(|e| invalid(format!("{origin} is not valid YAML: {e}")))?;
    let map = match value {
        serde_json::Value::Object(map) => map,
        serde_json::Value::Null => return Ok(Vec::new()),
        _ => {
            return Err(invalid(format!(
                "{origin} must hold a mapping of option names to values."
            )));
        }
    };
    let scalar = |key: &str, v: &serde_json::Value| -> Result<Option<String>> {
        match v {
            serde_json::Value::String(s) => Ok(Some(s.clone())),
            serde_json::Value::Number(n) => Ok(Some(n.to_string())),
            _ => Err(invalid(format!(
                "the value of '{key}' in {origin} must be a string, a number, a boolean or a list of those."
            ))),
        }
    };
    let mut args = Vec::new();
    for (key, v) in &map {
        let key = key.trim();
        if key.is_empty() {
            return Err(invalid(format!("{origin} has an empty option name.")));
        }
        let option = if key.starts_with('-') {
            key.to_string()
        } else {
            format!("--{key}")
        };
        match v {
            serde_json::Value::Bool(true) => args.push(option),
            serde_json::Value::Bool(false) | serde_json::Value::Null => {}
            serde_json::Value::Array(items) => {
                for item in items {
                    match item {
                        serde_json::Value::Bool(true) => args.push(option.clone()),
                        serde_json::Value::Bool(false) | serde_json::Value::Null => {}
                        other => {
                            if let Some(s) = scalar(key, other)? {
                                args.push(option.clone());
                                args.push(s);
                            }
                        }
                    }
                }
            }
            other => {
                if let Some(s) = scalar(key, other)? {
                    args.push(option);
                    args.push(s);
                }
            }
        }
    }
    Ok(args)
}

/// Reads a `--config` file (see [`runner_args_from_config`]).
pub fn read_runner_config(path: &Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::Usage(format!(
            "Invalid value for '-c' / '--config': Cannot read '{}': {e}",
            path.display()
        ))
    })?;
    runner_args_from_config(&text, &path.display().to_string())
}

/// The number of steps to run at once by default: the number of CPUs.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

struct Finished {
    step: usize,
    status: std::io::Result<ExitStatus>,
    stderr_tail: Vec<String>,
    ended: DateTime<FixedOffset>,
}

/// Why a step failed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StepFailure {
    /// The exit code of the step's process, when it ran and exited with one.
    pub exit_code: Option<i32>,
    /// The last lines the step wrote to its standard error (at most ten).
    pub stderr_tail: Vec<String>,
    /// What went wrong, in words (without the standard error).
    pub message: String,
}

impl StepFailure {
    fn other(error: &Error) -> StepFailure {
        StepFailure {
            exit_code: None,
            stderr_tail: Vec::new(),
            message: error.to_string(),
        }
    }

    /// The failure as the error a run that stops at the first failure returns: the message
    /// followed by the indented standard-error tail.
    fn into_error(self) -> Error {
        if self.stderr_tail.is_empty() {
            Error::Command(self.message)
        } else {
            Error::Command(format!(
                "{}\n\t{}",
                self.message,
                self.stderr_tail.join("\n\t")
            ))
        }
    }
}

/// How one step of [`execute_all`] ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepOutcome {
    /// It ran, exited with an accepted code, and its `after` hook succeeded.
    Succeeded(StepTiming),
    /// It could not start, exited with another code, was killed, or a hook failed.
    Failed(StepFailure),
    /// It did not run because a step it depends on failed or was skipped.
    Skipped,
}

/// What the scheduler does when a step fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OnFailure {
    /// Start nothing more, stop the running steps, return the error.
    Stop,
    /// Skip what depends on the failed step and run everything else.
    KeepGoing,
}

/// Runs `steps` in the project at `root`, at most `jobs` at once, in an order that respects
/// their dependencies (ties: list order). Returns when every step finished, or with the first
/// failure after the running steps were stopped.
pub fn execute(
    root: &Path,
    steps: &[ExecStep],
    jobs: usize,
    hooks: &mut dyn StepHooks,
    observer: &dyn ExecObserver,
) -> Result<Vec<StepTiming>> {
    let outcomes = schedule(root, steps, jobs, OnFailure::Stop, hooks, observer)?;
    let mut timings = Vec::with_capacity(outcomes.len());
    for outcome in outcomes {
        match outcome {
            StepOutcome::Succeeded(t) => timings.push(t),
            StepOutcome::Failed(f) => return Err(f.into_error()),
            StepOutcome::Skipped => {}
        }
    }
    Ok(timings)
}

/// Runs `steps` like [`execute`], but a failing step does not stop the others: the steps that
/// depend on it (directly or not) are skipped and everything else runs. Each step's output is
/// always captured (and passed to `observer`), so a failure carries its standard error. A
/// failing hook fails its step only; an interruption (Ctrl-C) still stops everything and is
/// returned as [`Error::Interrupted`]. Returns one outcome per step, in step order.
pub fn execute_all(
    root: &Path,
    steps: &[ExecStep],
    jobs: usize,
    hooks: &mut dyn StepHooks,
    observer: &dyn ExecObserver,
) -> Result<Vec<StepOutcome>> {
    schedule(root, steps, jobs, OnFailure::KeepGoing, hooks, observer)
}

fn schedule(
    root: &Path,
    steps: &[ExecStep],
    jobs: usize,
    on_failure: OnFailure,
    hooks: &mut dyn StepHooks,
    observer: &dyn ExecObserver,
) -> Result<Vec<StepOutcome>> {
    let jobs = jobs.max(1);
    let keep_going = on_failure == OnFailure::KeepGoing;
    let capture = keep_going || (jobs > 1 && steps.len() > 1);
    let mut waiting_on: Vec<BTreeSet<usize>> = steps
        .iter()
        .map(|s| s.deps.iter().copied().collect())
        .collect();
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); steps.len()];
    for (i, s) in steps.iter().enumerate() {
        for &d in &s.deps {
            if d >= steps.len() || d == i {
                return Err(Error::Failed(format!(
                    "Step '{}' depends on an unknown step.",
                    s.name()
                )));
            }
            dependents[d].push(i);
        }
    }
    let mut ready: VecDeque<usize> = (0..steps.len())
        .filter(|&i| waiting_on[i].is_empty())
        .collect();
    let mut outcomes: Vec<Option<StepOutcome>> = vec![None; steps.len()];
    let mut started_at: Vec<Option<DateTime<FixedOffset>>> = vec![None; steps.len()];
    let mut running: Vec<(usize, u32)> = Vec::new();
    let (tx, rx) = mpsc::channel::<Finished>();
    // What ends the whole run: the first failure when stopping at it, or an interruption.
    let mut fatal: Option<Error> = None;

    std::thread::scope(|scope| {
        loop {
            // Start what may start.
            while fatal.is_none() && running.len() < jobs {
                let Some(i) = ready.pop_front() else { break };
                if let Err(e) = crate::interrupt::check() {
                    fatal = Some(e);
                    break;
                }
                if let Err(e) = hooks.before(i) {
                    if keep_going && !matches!(e, Error::Interrupted) {
                        outcomes[i] = Some(StepOutcome::Failed(StepFailure::other(&e)));
                        continue;
                    }
                    fatal = Some(e);
                    break;
                }
                observer.step_started(&steps[i]);
                started_at[i] = Some(crate::util::now_precise());
                match spawn(root, &steps[i], capture) {
                    Ok(mut child) => {
                        running.push((i, child.id()));
                        let tx = tx.clone();
                        let step = &steps[i];
                        scope.spawn(move || {
                            let stdout = child.stdout.take();
                            let stderr = child.stderr.take();
                            let (stderr_tail, status) = std::thread::scope(|inner| {
                                if let Some(out) = stdout {
                                    inner.spawn(move || {
                                        forward(out, |l| observer.step_output(step, l, false))
                                    });
                                }
                                let err_reader = stderr.map(|err| {
                                    inner.spawn(move || {
                                        let mut tail: VecDeque<String> = VecDeque::new();
                                        forward(err, |l| {
                                            observer.step_output(step, l, true);
                                            if tail.len() == STDERR_TAIL_LINES {
                                                tail.pop_front();
                                            }
                                            tail.push_back(l.to_string());
                                        });
                                        tail.into_iter().collect::<Vec<_>>()
                                    })
                                });
                                let status = child.wait();
                                let tail =
                                    err_reader.and_then(|h| h.join().ok()).unwrap_or_default();
                                (tail, status)
                            });
                            let _ = tx.send(Finished {
                                step: i,
                                status,
                                stderr_tail,
                                ended: crate::util::now_precise(),
                            });
                        });
                    }
                    Err(e) if keep_going => {
                        outcomes[i] = Some(StepOutcome::Failed(StepFailure::other(&e)));
                    }
                    Err(e) => {
                        fatal = Some(e);
                        break;
                    }
                }
            }
            if running.is_empty() {
                break;
            }
            let Ok(finished) = rx.recv() else { break };
            running.retain(|(i, _)| *i != finished.step);
            let i = finished.step;
            let step = &steps[i];
            let outcome = match check_status(step, &finished) {
                Ok(()) if fatal.is_some() => None,
                Ok(()) => match hooks.after(i) {
                    Ok(()) => Some(StepOutcome::Succeeded(StepTiming {
                        started: started_at[i].unwrap_or(finished.ended),
                        ended: finished.ended,
                    })),
                    Err(e) if keep_going && !matches!(e, Error::Interrupted) => {
                        Some(StepOutcome::Failed(StepFailure::other(&e)))
                    }
                    Err(e) => {
                        fatal = Some(e);
                        None
                    }
                },
                Err(Ok(failure)) if keep_going => Some(StepOutcome::Failed(failure)),
                Err(Ok(failure)) => {
                    if fatal.is_none() {
                        fatal = Some(failure.into_error());
                    }
                    None
                }
                Err(Err(e)) => {
                    if fatal.is_none() {
                        fatal = Some(e);
                    }
                    None
                }
            };
            if matches!(outcome, Some(StepOutcome::Succeeded(_))) {
                for &d in &dependents[i] {
                    waiting_on[d].remove(&i);
                    if waiting_on[d].is_empty() {
                        ready.push_back(d);
                    }
                }
            }
            if outcome.is_some() {
                outcomes[i] = outcome;
            }
            if fatal.is_some() {
                for (_, pid) in &running {
                    terminate(*pid);
                }
            }
        }
    });
    if let Some(e) = fatal {
        return Err(e);
    }
    // Steps that never became ready: skipped when something they wait for did not succeed.
    loop {
        let mut changed = false;
        for i in 0..steps.len() {
            if outcomes[i].is_none()
                && steps[i].deps.iter().any(|&d| {
                    matches!(
                        outcomes[d],
                        Some(StepOutcome::Failed(_) | StepOutcome::Skipped)
                    )
                })
            {
                outcomes[i] = Some(StepOutcome::Skipped);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let mut all = Vec::with_capacity(steps.len());
    for outcome in outcomes {
        match outcome {
            Some(o) => all.push(o),
            None => {
                return Err(Error::Failed(
                    "Circular workflows are not supported in Renku. Please remove these cycles."
                        .into(),
                ));
            }
        }
    }
    Ok(all)
}

fn forward(reader: impl Read, mut each: impl FnMut(&str)) {
    let mut reader = BufReader::new(reader);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                let line = String::from_utf8_lossy(&buf);
                each(line.trim_end_matches(['\n', '\r']));
            }
        }
    }
}

fn terminate(pid: u32) {
    let Some(pid) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    else {
        return;
    };
    if let Err(e) = rustix::process::kill_process(pid, rustix::process::Signal::TERM) {
        tracing::debug!("could not stop process {pid:?}: {e}");
    }
}

/// Whether a finished step exited as it should: `Err(Ok(_))` for a failure of the step,
/// `Err(Err(_))` when the run was interrupted.
fn check_status(
    step: &ExecStep,
    finished: &Finished,
) -> std::result::Result<(), Result<StepFailure>> {
    let codes = step.success_codes();
    let failure = |exit_code: Option<i32>, message: String| StepFailure {
        exit_code,
        stderr_tail: finished.stderr_tail.clone(),
        message,
    };
    let status = match finished.status.as_ref() {
        Ok(s) => s,
        Err(e) => {
            return Err(Ok(failure(
                None,
                format!(
                    "Unable to finish executing workflow: Execution of step '{}' failed: {e}",
                    step.name()
                ),
            )));
        }
    };
    match status.code() {
        Some(code) if codes.contains(&code) => Ok(()),
        Some(code) => Err(Ok(failure(
            Some(code),
            format!(
                "Unable to finish executing workflow: Execution of step '{}' returned {code} exit status which is not in [{}]",
                step.name(),
                codes
                    .iter()
                    .map(i32::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ))),
        None => {
            crate::interrupt::check().map_err(Err)?;
            Err(Ok(failure(
                None,
                format!(
                    "Unable to finish executing workflow: Execution of step '{}' was terminated by a signal.",
                    step.name()
                ),
            )))
        }
    }
}

/// Starts the process of one step.
fn spawn(root: &Path, step: &ExecStep, capture: bool) -> Result<std::process::Child> {
    let argv = step.plan.to_argv();
    let Some((program, args)) = argv.split_first() else {
        return Err(Error::Failed(format!(
            "Step '{}' has an empty command.",
            step.name()
        )));
    };
    // A script of the project recorded by its path (`./script.sh` is recorded as the input
    // `script.sh`) runs from the project, not from PATH.
    let is_project_script = !program.contains('/')
        && step
            .plan
            .of_kind(crate::model::ParameterKind::Input)
            .any(|p| p.value_text() == *program)
        && root.join(program).is_file();
    let mut cmd = if is_project_script {
        Command::new(root.join(program))
    } else {
        Command::new(program)
    };
    cmd.args(args).current_dir(root);
    for p in &step.plan.parameters {
        cmd.env(format!("RENKU_ENV_{}", p.name), p.value_text());
    }
    // Outputs may live in directories that do not exist yet.
    for out in step.outputs() {
        if let Some(parent) = root.join(&out).parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| Error::io(format!("Cannot create {}", parent.display()), e))?;
        }
    }
    let stream_file = |s: Stream| -> Option<PathBuf> {
        step.plan
            .parameters
            .iter()
            .find(|p| p.mapped_to == Some(s))
            .map(|p| root.join(p.value_text()))
    };
    match stream_file(Stream::Stdin) {
        Some(p) => {
            let f = std::fs::File::open(&p).map_err(|e| {
                Error::io(
                    format!("Cannot read the standard input of step '{}'", step.name()),
                    e,
                )
            })?;
            cmd.stdin(Stdio::from(f));
        }
        None => {
            cmd.stdin(Stdio::null());
        }
    }
    let create = |p: &Path| {
        std::fs::File::create(p).map_err(|e| Error::io(format!("Cannot write {}", p.display()), e))
    };
    match stream_file(Stream::Stdout) {
        Some(p) => {
            cmd.stdout(Stdio::from(create(&p)?));
        }
        None if capture => {
            cmd.stdout(Stdio::piped());
        }
        None => {}
    }
    match stream_file(Stream::Stderr) {
        Some(p) => {
            cmd.stderr(Stdio::from(create(&p)?));
        }
        None if capture => {
            cmd.stderr(Stdio::piped());
        }
        None => {}
    }
    cmd.spawn().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied => Error::Usage(format!(
            "Cannot execute command '{program}' of step '{}': This is likely because the executable doesn't exist or has the wrong permissions set.",
            step.name()
        )),
        _ => Error::Command(format!("Cannot execute step '{}': {e}", step.name())),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn config_keys_become_runner_options() {
        let args = runner_args_from_config(
            "parallel: true\nquiet: false\ntmpdir-prefix: /scratch/x\nretries: 3\n--raw: v\noverrides: [a.yml, b.yml]\nnothing:\n",
            "c.yml",
        )
        .expect("valid config");
        assert_eq!(
            args,
            [
                "--raw",
                "v",
                "--overrides",
                "a.yml",
                "--overrides",
                "b.yml",
                "--parallel",
                "--retries",
                "3",
                "--tmpdir-prefix",
                "/scratch/x"
            ]
        );
        assert!(
            runner_args_from_config("", "c.yml")
                .expect("empty")
                .is_empty()
        );
        for bad in ["- a\n- b\n", "key: [unclosed\n", "nested: {a: 1}\n"] {
            let err = runner_args_from_config(bad, "c.yml").expect_err(bad);
            assert_eq!(err.exit_code(), crate::error::ExitCode::Usage, "{bad}");
        }
    }
    use crate::model::CommandParameter;

    /// A step running `sh -c SCRIPT`.
    fn step(name: &str, script: &str, deps: &[usize]) -> ExecStep {
        let arg = |i: u32, value: &str| CommandParameter {
            id: format!("/plans/x/parameters/{i}"),
            kind: ParameterKind::Parameter,
            name: format!("p-{i}"),
            description: None,
            default_value: serde_json::Value::String(value.into()),
            position: Some(i),
            prefix: None,
            mapped_to: None,
            encoding_format: None,
            create_folder: false,
            name_set_by_user: false,
        };
        let now = crate::util::now();
        ExecStep {
            plan: Plan {
                id: "/plans/x".into(),
                name: name.into(),
                description: None,
                command: "sh".into(),
                parameters: vec![arg(1, "-c"), arg(2, script)],
                success_codes: Vec::new(),
                keywords: Vec::new(),
                creators: Vec::new(),
                date_created: now,
                date_modified: now,
                date_removed: None,
                derived_from: None,
                annotations: Vec::new(),
                steps: Vec::new(),
                mappings: Vec::new(),
                links: Vec::new(),
                path: None,
            },
            deps: deps.to_vec(),
        }
    }

    /// Records which hooks ran; `before` fails for the steps in `refuse`.
    #[derive(Default)]
    struct Log {
        before: Vec<usize>,
        after: Vec<usize>,
        refuse: Vec<usize>,
    }

    impl StepHooks for Log {
        fn before(&mut self, i: usize) -> Result<()> {
            self.before.push(i);
            if self.refuse.contains(&i) {
                return Err(Error::Failed(format!("step {i} refused")));
            }
            Ok(())
        }
        fn after(&mut self, i: usize) -> Result<()> {
            self.after.push(i);
            Ok(())
        }
    }

    #[test]
    fn keep_going_skips_only_what_depends_on_a_failure() {
        let dir = tempfile::tempdir().unwrap();
        let steps = [
            step("fails", "echo one >&2; echo boom >&2; exit 3", &[]),
            step("needs-fails", "touch never", &[0]),
            step("independent", "touch ran", &[]),
            step("needs-needs", "touch never2", &[1]),
        ];
        for jobs in [1, 3] {
            let mut log = Log::default();
            let outcomes = execute_all(dir.path(), &steps, jobs, &mut log, &Silent).unwrap();
            match &outcomes[0] {
                StepOutcome::Failed(f) => {
                    assert_eq!(f.exit_code, Some(3));
                    assert_eq!(f.stderr_tail, ["one", "boom"], "captured with -j{jobs}");
                    assert!(f.message.contains("'fails' returned 3"), "{}", f.message);
                }
                other => panic!("expected a failure, got {other:?}"),
            }
            assert_eq!(outcomes[1], StepOutcome::Skipped);
            assert!(matches!(outcomes[2], StepOutcome::Succeeded(_)));
            assert_eq!(outcomes[3], StepOutcome::Skipped);
            assert_eq!(log.after, [2]);
            assert!(!log.before.contains(&1) && !log.before.contains(&3));
            assert!(dir.path().join("ran").exists());
            assert!(!dir.path().join("never").exists());
        }
    }

    #[test]
    fn keep_going_turns_a_failing_hook_into_a_failed_step() {
        let dir = tempfile::tempdir().unwrap();
        let steps = [
            step("refused", "touch a", &[]),
            step("fine", "touch b", &[]),
        ];
        let mut log = Log {
            refuse: vec![0],
            ..Log::default()
        };
        let outcomes = execute_all(dir.path(), &steps, 1, &mut log, &Silent).unwrap();
        assert_eq!(
            outcomes[0],
            StepOutcome::Failed(StepFailure {
                exit_code: None,
                stderr_tail: Vec::new(),
                message: "step 0 refused".into(),
            })
        );
        assert!(matches!(outcomes[1], StepOutcome::Succeeded(_)));
        assert!(!dir.path().join("a").exists());
        assert!(dir.path().join("b").exists());
    }

    #[test]
    fn stopping_mode_returns_the_first_failure_with_its_stderr() {
        let dir = tempfile::tempdir().unwrap();
        let steps = [
            step("fails", "echo boom >&2; exit 4", &[]),
            step("after", "touch after", &[0]),
        ];
        let mut log = Log::default();
        // Two jobs: output is captured, so the error quotes it.
        let err = execute(dir.path(), &steps, 2, &mut log, &Silent).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Unable to finish executing workflow: Execution of step 'fails' returned 4 exit status which is not in [0]\n\tboom"
        );
        assert!(!dir.path().join("after").exists());
        let ok = [step("a", "true", &[]), step("b", "true", &[0])];
        assert_eq!(
            execute(dir.path(), &ok, 2, &mut Log::default(), &Silent)
                .unwrap()
                .len(),
            2
        );
    }
}
