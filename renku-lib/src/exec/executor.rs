//! The local executor: runs the steps of an execution graph as child processes, independent
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
}

/// An observer that reports nothing.
pub struct Silent;

impl ExecObserver for Silent {
    fn step_started(&self, _step: &ExecStep) {}
    fn step_output(&self, _step: &ExecStep, _line: &str, _stderr: bool) {}
}

/// When a step ran.
#[derive(Debug, Clone, Copy)]
pub struct StepTiming {
    /// When it started.
    pub started: DateTime<FixedOffset>,
    /// When it ended.
    pub ended: DateTime<FixedOffset>,
}

/// Hooks the caller runs on the executor's thread around each step.
pub trait StepHooks {
    /// Before step `i` starts (e.g. to hash its inputs).
    fn before(&mut self, i: usize) -> Result<()>;
    /// After step `i` succeeded (e.g. to hash its outputs).
    fn after(&mut self, i: usize) -> Result<()>;
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
    let jobs = jobs.max(1);
    let capture = jobs > 1 && steps.len() > 1;
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
    let mut timings: Vec<Option<StepTiming>> = vec![None; steps.len()];
    let mut started_at: Vec<Option<DateTime<FixedOffset>>> = vec![None; steps.len()];
    let mut running: Vec<(usize, u32)> = Vec::new();
    let (tx, rx) = mpsc::channel::<Finished>();
    let mut failure: Option<Error> = None;
    let mut done = 0usize;

    std::thread::scope(|scope| {
        loop {
            // Start what may start.
            while failure.is_none() && running.len() < jobs {
                let Some(i) = ready.pop_front() else { break };
                if let Err(e) = crate::interrupt::check().and_then(|()| hooks.before(i)) {
                    failure = Some(e);
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
                    Err(e) => {
                        failure = Some(e);
                        break;
                    }
                }
            }
            if running.is_empty() {
                break;
            }
            let Ok(finished) = rx.recv() else { break };
            running.retain(|(i, _)| *i != finished.step);
            let step = &steps[finished.step];
            let outcome = check_status(step, &finished);
            match outcome {
                Ok(()) if failure.is_none() => {
                    timings[finished.step] = Some(StepTiming {
                        started: started_at[finished.step].unwrap_or(finished.ended),
                        ended: finished.ended,
                    });
                    if let Err(e) = hooks.after(finished.step) {
                        failure = Some(e);
                    } else {
                        done += 1;
                        for &d in &dependents[finished.step] {
                            waiting_on[d].remove(&finished.step);
                            if waiting_on[d].is_empty() {
                                ready.push_back(d);
                            }
                        }
                    }
                }
                Ok(()) => {}
                Err(e) => {
                    if failure.is_none() {
                        failure = Some(e);
                    }
                }
            }
            if failure.is_some() {
                for (_, pid) in &running {
                    terminate(*pid);
                }
            }
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    if done != steps.len() {
        return Err(Error::Failed(
            "Circular workflows are not supported in Renku. Please remove these cycles.".into(),
        ));
    }
    Ok(timings.into_iter().flatten().collect())
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

fn check_status(step: &ExecStep, finished: &Finished) -> Result<()> {
    let codes = step.success_codes();
    let status = finished.status.as_ref().map_err(|e| {
        Error::Command(format!(
            "Unable to finish executing workflow: Execution of step '{}' failed: {e}",
            step.name()
        ))
    })?;
    let tail = if finished.stderr_tail.is_empty() {
        String::new()
    } else {
        format!("\n\t{}", finished.stderr_tail.join("\n\t"))
    };
    match status.code() {
        Some(code) if codes.contains(&code) => Ok(()),
        Some(code) => Err(Error::Command(format!(
            "Unable to finish executing workflow: Execution of step '{}' returned {code} exit status which is not in [{}]{tail}",
            step.name(),
            codes
                .iter()
                .map(i32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ))),
        None => {
            crate::interrupt::check()?;
            Err(Error::Command(format!(
                "Unable to finish executing workflow: Execution of step '{}' was terminated by a signal.{tail}",
                step.name()
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
    let mut cmd = Command::new(program);
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
