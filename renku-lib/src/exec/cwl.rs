//! The `cwltool` and `toil` providers: the steps are exported as one CWL workflow
//! ([`crate::workflow::cwl::workflow`]) into a temporary directory under `.renku/tmp/`, run
//! with `cwltool` or `toil-cwl-runner`, and the outputs the runner reports are moved into the
//! project at their paths, step by step, so that the caller records them exactly as it does
//! for the local executor.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use super::executor::{ExecObserver, ExecStep, Executor, StepHooks, StepTiming};
use crate::workflow::cwl::{WorkflowStep, workflow};
use crate::{Error, Result};

/// How many lines of the runner's log a failure message quotes.
const LOG_TAIL_LINES: usize = 15;

/// A CWL runner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CwlRunner {
    /// The CWL reference runner, `cwltool`.
    Cwltool,
    /// Toil's CWL runner, `toil-cwl-runner`.
    Toil,
}

impl CwlRunner {
    /// The provider's name (`cwltool`, `toil`).
    pub fn name(self) -> &'static str {
        match self {
            CwlRunner::Cwltool => "cwltool",
            CwlRunner::Toil => "toil",
        }
    }

    /// The program that runs workflows.
    pub fn program(self) -> &'static str {
        match self {
            CwlRunner::Cwltool => "cwltool",
            CwlRunner::Toil => "toil-cwl-runner",
        }
    }

    fn install_hint(self) -> &'static str {
        match self {
            CwlRunner::Cwltool => "pip install cwltool",
            CwlRunner::Toil => "pip install 'toil[cwl]'",
        }
    }
}

/// Runs steps as a CWL workflow with an external runner.
#[derive(Debug, Clone)]
pub struct CwlExecutor {
    runner: CwlRunner,
    program: PathBuf,
    extra_args: Vec<String>,
}

impl CwlExecutor {
    /// An executor that runs `runner` (found on `PATH`) with `extra_args` after its own
    /// options. Fails, naming the program and how to install it, when it is not installed.
    pub fn new(runner: CwlRunner, extra_args: Vec<String>) -> Result<CwlExecutor> {
        let program = find_program(runner.program()).ok_or_else(|| {
            Error::Failed(format!(
                "The {} provider needs '{}', which was not found on PATH. Install it (e.g. `{}`) or choose another provider with '--provider'.",
                runner.name(),
                runner.program(),
                runner.install_hint()
            ))
        })?;
        Ok(CwlExecutor {
            runner,
            program,
            extra_args,
        })
    }

    fn command(&self, root: &Path, work: &Path, outdir: &Path, document: &Path) -> Command {
        let mut cmd = Command::new(&self.program);
        cmd.current_dir(work);
        cmd.arg("--outdir").arg(outdir);
        cmd.arg("--preserve-entire-environment");
        match self.runner {
            CwlRunner::Cwltool => {
                cmd.arg("--relax-path-checks");
            }
            CwlRunner::Toil => {
                cmd.arg("--jobStore").arg(toil_job_store(root, work));
                cmd.args(["--clean", "always", "--logLevel", "ERROR"]);
            }
        }
        cmd.args(&self.extra_args);
        cmd.arg(document);
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }
}

/// Toil's job store: `.renku/tmp/<uuid>`, named after the work directory's unique suffix.
fn toil_job_store(root: &Path, work: &Path) -> PathBuf {
    let name = work
        .file_name()
        .map(|n| n.to_string_lossy().replace("cwl-", "toil-"))
        .unwrap_or_else(|| format!("toil-{}", crate::util::new_hex_id()));
    root.join(crate::store::TMP_DIR).join(name)
}

/// Removes a directory when dropped.
struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        if self.0.exists()
            && let Err(e) = std::fs::remove_dir_all(&self.0)
        {
            tracing::debug!("cannot remove {}: {e}", self.0.display());
        }
    }
}

/// Removes a directory when dropped, if it is empty.
struct RemoveIfEmpty(PathBuf);

impl Drop for RemoveIfEmpty {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.0);
    }
}

impl Executor for CwlExecutor {
    fn execute(
        &self,
        root: &Path,
        steps: &[ExecStep],
        hooks: &mut dyn StepHooks,
        observer: &dyn ExecObserver,
    ) -> Result<Vec<StepTiming>> {
        if steps.is_empty() {
            return Ok(Vec::new());
        }
        let wf_steps: Vec<WorkflowStep<'_>> = steps
            .iter()
            .map(|s| WorkflowStep {
                plan: &s.plan,
                deps: &s.deps,
            })
            .collect();
        let label = if steps.len() == 1 {
            steps[0].name().to_string()
        } else {
            format!("plan-collection-{}", crate::util::new_hex_id())
        };
        let exported = workflow(root, &label, None, &wf_steps, &[]);
        // Scratch space inside the project (outputs move into place without crossing file
        // systems); a `.renku/tmp` made for this run goes again afterwards.
        let tmp = root.join(crate::store::TMP_DIR);
        let _made_tmp = (!tmp.exists()).then(|| RemoveIfEmpty(tmp.clone()));
        std::fs::create_dir_all(&tmp)
            .map_err(|e| Error::io(format!("Cannot create {}", tmp.display()), e))?;
        let work = tempfile::Builder::new()
            .prefix("cwl-")
            .tempdir_in(&tmp)
            .map_err(|e| Error::io(format!("Cannot create a directory in {}", tmp.display()), e))?;
        let document = work.path().join("workflow.cwl");
        let text = serde_saphyr::to_string(&exported.document)
            .map_err(|e| Error::Failed(format!("Cannot write the CWL workflow: {e}")))?;
        std::fs::write(&document, text)
            .map_err(|e| Error::io(format!("Cannot write {}", document.display()), e))?;
        let outdir = work.path().join("out");
        let _job_store = RemoveOnDrop(toil_job_store(root, work.path()));

        for s in steps {
            observer.step_started(s);
        }
        crate::interrupt::check()?;
        let started = crate::util::now_precise();
        let mut cmd = self.command(root, work.path(), &outdir, &document);
        let mut child = cmd.spawn().map_err(|e| {
            Error::Command(format!("Cannot start '{}': {e}", self.program.display()))
        })?;
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let (output, log, status) = std::thread::scope(|scope| {
            let out_reader = stdout.map(|mut out| {
                scope.spawn(move || {
                    let mut text = String::new();
                    let _ = out.read_to_string(&mut text);
                    text
                })
            });
            let log = stderr
                .map(|err| read_log(err, observer))
                .unwrap_or_default();
            let status = child.wait();
            let output = out_reader.and_then(|h| h.join().ok()).unwrap_or_default();
            (output, log, status)
        });
        let status = status.map_err(|e| {
            Error::Command(format!("Cannot wait for '{}': {e}", self.program.display()))
        })?;
        crate::interrupt::check()?;
        if !status.success() {
            return Err(self.failure(steps, &log, status.code()));
        }
        let reported: Value = serde_json::from_str(&output).map_err(|e| {
            Error::Failed(format!(
                "Unable to finish executing workflow: {} did not report its outputs ({e}).",
                self.runner.program()
            ))
        })?;

        // Step by step: the step's inputs are what the project holds after the earlier steps'
        // outputs were moved in, then its own outputs are moved in.
        let mut timings = Vec::with_capacity(steps.len());
        for (i, step) in steps.iter().enumerate() {
            crate::interrupt::check()?;
            hooks.before(i)?;
            for out in exported.outputs.iter().filter(|o| o.step == i) {
                let source = reported
                    .get(&out.id)
                    .and_then(|o| o.get("location"))
                    .and_then(Value::as_str)
                    .and_then(local_path)
                    .ok_or_else(|| {
                        Error::Failed(format!(
                            "Unable to finish executing workflow: {} did not report the output '{}' of step '{}'.",
                            self.runner.program(),
                            out.path,
                            step.name()
                        ))
                    })?;
                // Toil marks every output executable; cwltool keeps the modes.
                move_into(
                    &source,
                    &root.join(&out.path),
                    self.runner == CwlRunner::Cwltool,
                )?;
            }
            timings.push(StepTiming {
                started,
                ended: crate::util::now_precise(),
            });
            hooks.after(i)?;
        }
        Ok(timings)
    }
}

impl CwlExecutor {
    /// The error of a failed run: the step that failed, if the log says, and the log's end.
    fn failure(&self, steps: &[ExecStep], log: &RunnerLog, code: Option<i32>) -> Error {
        let tail = if log.tail.is_empty() {
            String::new()
        } else {
            format!(
                "\n\t{}",
                log.tail.iter().cloned().collect::<Vec<_>>().join("\n\t")
            )
        };
        let status = code.map_or_else(|| "a signal".to_string(), |c| format!("exit status {c}"));
        match log.failed_step.and_then(|i| steps.get(i)) {
            Some(step) => Error::Command(format!(
                "Unable to finish executing workflow: Execution of step '{}' failed under {} ({status}).{tail}",
                step.name(),
                self.runner.program()
            )),
            None => Error::Command(format!(
                "Unable to finish executing workflow: {} failed ({status}).{tail}",
                self.runner.program()
            )),
        }
    }
}

/// What the runner logged: the last lines and the step it reported as failed.
#[derive(Debug, Default)]
struct RunnerLog {
    tail: VecDeque<String>,
    failed_step: Option<usize>,
}

/// Reads the runner's log line by line, passing each line on to `observer`.
fn read_log(reader: impl Read, observer: &dyn ExecObserver) -> RunnerLog {
    let mut log = RunnerLog::default();
    let mut reader = BufReader::new(reader);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                let raw = String::from_utf8_lossy(&buf);
                let line = strip_ansi(raw.trim_end_matches(['\n', '\r']));
                observer.runner_output(&line);
                if log.failed_step.is_none() {
                    log.failed_step = failed_step(&line);
                }
                if log.tail.len() == LOG_TAIL_LINES {
                    log.tail.pop_front();
                }
                log.tail.push_back(line);
            }
        }
    }
    log
}

/// The step a log line reports as failed: cwltool's `[step step_N] completed permanentFail`
/// (or `[job step_N] exited with status`), toil's `Log from job "… .step_N.…" follows`.
fn failed_step(line: &str) -> Option<usize> {
    let after = |marker: &str| -> Option<usize> {
        let rest = &line[line.find(marker)? + marker.len()..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    };
    if line.contains("permanentFail") || line.contains("exited with status") {
        return after("[step step_").or_else(|| after("[job step_"));
    }
    if line.contains("Log from job") {
        return after(".step_");
    }
    None
}

/// `line` without ANSI colour sequences.
fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            chars.next();
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The local path of a `file://` location.
fn local_path(location: &str) -> Option<PathBuf> {
    let path = location.strip_prefix("file://")?;
    let decoded = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .ok()?;
    Some(PathBuf::from(decoded.into_owned()))
}

/// Moves `src` to `dest`: a file replaces what is there; a directory's content is moved into
/// the directory at `dest`, replacing files of the same names and keeping the others (as a
/// step that writes into an existing directory leaves it). A file that replaces another keeps
/// the other's permissions, as a command writing to it would; a new file keeps the runner's,
/// without the execute bits unless `keep_exec`.
fn move_into(src: &Path, dest: &Path, keep_exec: bool) -> Result<()> {
    let meta = std::fs::symlink_metadata(src)
        .map_err(|e| Error::io(format!("Cannot read {}", src.display()), e))?;
    let dest_meta = std::fs::symlink_metadata(dest).ok();
    if meta.is_dir() {
        if dest_meta.is_some_and(|m| !m.is_dir()) {
            std::fs::remove_file(dest)
                .map_err(|e| Error::io(format!("Cannot replace {}", dest.display()), e))?;
        }
        std::fs::create_dir_all(dest)
            .map_err(|e| Error::io(format!("Cannot create {}", dest.display()), e))?;
        let entries = std::fs::read_dir(src)
            .map_err(|e| Error::io(format!("Cannot read {}", src.display()), e))?;
        for entry in entries {
            let entry =
                entry.map_err(|e| Error::io(format!("Cannot read {}", src.display()), e))?;
            move_into(&entry.path(), &dest.join(entry.file_name()), keep_exec)?;
        }
        return Ok(());
    }
    let previous = match &dest_meta {
        Some(m) if m.is_dir() => {
            std::fs::remove_dir_all(dest)
                .map_err(|e| Error::io(format!("Cannot replace {}", dest.display()), e))?;
            None
        }
        Some(m) if m.is_file() => Some(m.permissions()),
        _ => None,
    };
    if let Some(parent) = dest.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| Error::io(format!("Cannot create {}", parent.display()), e))?;
    }
    if std::fs::rename(src, dest).is_err() {
        // Another file system: copy.
        std::fs::copy(src, dest)
            .map_err(|e| Error::io(format!("Cannot write {}", dest.display()), e))?;
    }
    if meta.file_type().is_symlink() {
        return Ok(());
    }
    let permissions = match previous {
        Some(p) => Some(p),
        None if keep_exec => None,
        None => without_exec(&meta.permissions()),
    };
    if let Some(p) = permissions {
        std::fs::set_permissions(dest, p)
            .map_err(|e| Error::io(format!("Cannot set the mode of {}", dest.display()), e))?;
    }
    Ok(())
}

#[cfg(unix)]
fn without_exec(p: &std::fs::Permissions) -> Option<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    let mode = p.mode();
    (mode & 0o111 != 0).then(|| std::fs::Permissions::from_mode(mode & !0o111))
}

#[cfg(not(unix))]
fn without_exec(_p: &std::fs::Permissions) -> Option<std::fs::Permissions> {
    None
}

/// The first executable file `name` in the directories of `PATH`.
pub fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::cwl::step_id;

    #[test]
    fn failed_steps_are_found_in_both_runners_logs() {
        assert_eq!(
            failed_step("WARNING [step step_1] completed permanentFail"),
            Some(1)
        );
        assert_eq!(
            failed_step("WARNING [job step_12] exited with status: 1"),
            Some(12)
        );
        assert_eq!(
            failed_step(
                "Log from job \"'CWLJob' workflow.cwl.step_3.ce77 kind-CWLJob/instance-a v6\" follows:"
            ),
            Some(3)
        );
        assert_eq!(failed_step("INFO [step step_1] completed success"), None);
        assert_eq!(
            failed_step("INFO [workflow ] completed permanentFail"),
            None
        );
        assert_eq!(
            failed_step(&format!("[step {}] completed permanentFail", step_id(7))),
            Some(7)
        );
    }

    #[test]
    fn log_lines_lose_colours_and_locations_decode() {
        assert_eq!(
            strip_ansi("\u{1b}[1;30mWARNING\u{1b}[0m \u{1b}[33m[job step_1] done\u{1b}[0m"),
            "WARNING [job step_1] done"
        );
        assert_eq!(
            local_path("file:///tmp/out/a%20b.txt"),
            Some(PathBuf::from("/tmp/out/a b.txt"))
        );
        assert_eq!(local_path("s3://bucket/x"), None);
    }

    #[test]
    fn directories_merge_into_existing_ones() {
        let dir = tempfile::tempdir().expect("temp dir");
        let src = dir.path().join("src");
        let dest = dir.path().join("dest");
        std::fs::create_dir_all(src.join("sub")).expect("mkdir");
        std::fs::write(src.join("sub/new.txt"), "new").expect("write");
        std::fs::write(src.join("same.txt"), "fresh").expect("write");
        std::fs::create_dir_all(&dest).expect("mkdir");
        std::fs::write(dest.join("same.txt"), "stale").expect("write");
        std::fs::write(dest.join("kept.txt"), "kept").expect("write");
        move_into(&src, &dest, true).expect("move");
        let read = |p: &str| std::fs::read_to_string(dest.join(p)).expect("read");
        assert_eq!(read("sub/new.txt"), "new");
        assert_eq!(read("same.txt"), "fresh");
        assert_eq!(read("kept.txt"), "kept");
        // A file replaces a directory.
        std::fs::write(dir.path().join("f"), "file").expect("write");
        move_into(&dir.path().join("f"), &dest, true).expect("move");
        assert_eq!(std::fs::read_to_string(&dest).expect("read"), "file");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).expect("stat").permissions().mode() & 0o777;
            // A replaced file keeps its mode; a new one loses the execute bits.
            let set = |p: &Path, m: u32| {
                std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).expect("chmod")
            };
            let (a, b) = (dir.path().join("a"), dir.path().join("b"));
            std::fs::write(&a, "a").expect("write");
            set(&a, 0o744);
            set(&dest, 0o640);
            move_into(&a, &dest, false).expect("move");
            assert_eq!(mode(&dest), 0o640);
            std::fs::write(&a, "a").expect("write");
            set(&a, 0o744);
            move_into(&a, &b, false).expect("move");
            assert_eq!(mode(&b), 0o644);
        }
    }
}
