//! Crash safety: mutating commands killed with SIGKILL at random moments leave the project
//! either exactly as before the command or exactly as after it, once the next renku command
//! (here `renku doctor`) has recovered the abandoned transaction.

use std::collections::BTreeMap;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::*;

const TRIALS: usize = 60;
/// Delays are drawn uniformly from `0 ..= DELAY_FACTOR × measured duration`.
const DELAY_FACTOR: f64 = 1.3;
const BASE_SEED: u64 = 0x5eed_c0de_2024_0001;

/// splitmix64: a tiny deterministic PRNG, enough to spread kill delays.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Description,
    Config,
    Keywords,
}

impl Kind {
    const ALL: [Kind; 3] = [Kind::Description, Kind::Config, Kind::Keywords];

    fn of_trial(n: usize) -> Kind {
        Kind::ALL[n % 3]
    }

    /// The arguments of the command, with a value unique to `tag`.
    fn args(self, tag: &str) -> Vec<String> {
        match self {
            Kind::Description => vec![
                "project".into(),
                "edit".into(),
                "-d".into(),
                format!("description {tag}"),
            ],
            Kind::Config => vec![
                "config".into(),
                "set".into(),
                "section.key".into(),
                format!("value{tag}"),
            ],
            Kind::Keywords => vec![
                "project".into(),
                "edit".into(),
                "-k".into(),
                format!("kw{tag}"),
            ],
        }
    }
}

/// Trial outcome, relative to the commit point of the command.
#[derive(Debug, Default)]
struct Tally {
    /// No commit; nothing had been journaled yet (or the journal was cleaned up already).
    before_clean: usize,
    /// No commit; a journal was left behind and rolled back by recovery.
    before_rolled_back: usize,
    /// Commit landed but the journal was still there (killed between commit and cleanup).
    during: usize,
    /// Commit landed and the command finished its cleanup (or exited normally).
    after: usize,
    /// Of all trials, how many processes exited on their own before the kill.
    exited_normally: usize,
}

fn files_of(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            if rel == ".git" || rel == ".renku/cache" {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else {
                files.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    files
}

fn all_files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

fn commit_count(env: &TestEnv, root: &Path) -> usize {
    env.git(root, &["rev-list", "--count", "HEAD"])
        .trim()
        .parse()
        .unwrap()
}

/// Checks that commit `id` is consistent with the command its message names; returns a
/// description of the problem, if any.
fn check_commit(env: &TestEnv, root: &Path, id: &str) -> Result<(), String> {
    let subject = env.git(root, &["log", "-1", "--format=%s", id]);
    let changes = env.git(
        root,
        &[
            "diff-tree",
            "--no-commit-id",
            "--name-status",
            "-r",
            &format!("{id}~1"),
            id,
        ],
    );
    let lines: Vec<&str> = changes.lines().collect();
    if subject.starts_with("renku project edit") {
        let added_record = lines.iter().any(|l| {
            l.starts_with("A\t.renku/store/project/") && l.ends_with(".json") && {
                let path = &l[2..];
                let blob = env.git(root, &["show", &format!("{id}:{path}")]);
                serde_json::from_str::<serde_json::Value>(&blob).is_ok()
            }
        });
        if !added_record {
            return Err(format!(
                "commit {id} ({}) adds no project record: {changes}",
                subject.trim()
            ));
        }
    } else if subject.starts_with("renku config set")
        && !lines.iter().any(|l| l.ends_with("\t.renku/renku.ini"))
    {
        return Err(format!(
            "commit {id} ({}) does not change .renku/renku.ini: {changes}",
            subject.trim()
        ));
    }
    Ok(())
}

/// Runs the command of `kind` to completion and returns how long it took.
fn timed_run(env: &TestEnv, root: &Path, kind: Kind, tag: &str) -> Duration {
    let start = Instant::now();
    let status = env
        .renku_in(root)
        .args(kind.args(tag))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    let took = start.elapsed();
    assert!(status.success(), "uncontended run of {kind:?} failed");
    took
}

#[test]
fn sigkill_at_any_moment_leaves_before_or_after() {
    let env = TestEnv::new();
    let root = env.init_project("p");
    let journal = root.join(".git/renku/transaction");

    // Normal duration of each command, uncontended: the median of the last few runs (the
    // first run of each command is not counted, it may pay for cold caches). Delays are drawn
    // from 0 to 1.3 times it, so that they cover the whole run time and a little beyond. The
    // estimate is refreshed every few trials, so that a change in the machine's load during
    // the test does not push all kills to one side of the commit point.
    let mut samples: [Vec<Duration>; 3] = Default::default();
    let measure = |samples: &mut [Vec<Duration>; 3], runs: usize, tag: &str| {
        for kind in Kind::ALL {
            for i in 0..runs {
                let took = timed_run(&env, &root, kind, &format!("{tag}{i}"));
                samples[kind as usize].push(took);
            }
        }
    };
    let estimate = |samples: &[Vec<Duration>; 3], kind: Kind| {
        let all = &samples[kind as usize];
        let mut last: Vec<Duration> = all[all.len().saturating_sub(5)..].to_vec();
        last.sort();
        last[last.len() / 2]
    };
    for kind in Kind::ALL {
        timed_run(&env, &root, kind, "cold");
    }
    measure(&mut samples, 5, "warmup");
    eprintln!("measured durations: {samples:?}");

    let mut tally = Tally::default();
    let mut stale_locks: Vec<String> = Vec::new();
    let mut count = commit_count(&env, &root);
    for n in 0..TRIALS {
        if n > 0 && n % 15 == 0 {
            measure(&mut samples, 1, &format!("remeasure{n}-"));
            count = commit_count(&env, &root);
        }
        let kind = Kind::of_trial(n);
        let expected = estimate(&samples, kind);
        let args = kind.args(&n.to_string());
        let seed = BASE_SEED ^ (n as u64).wrapping_mul(0x2545_f491_4f6c_dd1d);
        let delay = expected.mul_f64(DELAY_FACTOR * Rng::new(seed).unit());
        let ctx = format!(
            "trial {n}: `renku {}` killed after {delay:?} (seed {seed:#018x}, measured {:?})",
            args.join(" "),
            expected
        );

        let head_before = env.git(&root, &["rev-parse", "HEAD"]);
        let files_before = files_of(&root);

        let mut child = env
            .renku_in(&root)
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let _ = child.kill();
        let status = child.wait().unwrap();
        let exited = status.success();
        assert!(
            exited || status.signal() == Some(9),
            "{ctx}: command neither succeeded nor was killed: {status:?}"
        );
        let journal_left = journal.exists();

        // No half-written object: every file of the store parses as JSON.
        for f in all_files_under(&root.join(".renku/store")) {
            let bytes = std::fs::read(&f).unwrap();
            assert!(
                serde_json::from_slice::<serde_json::Value>(&bytes).is_ok(),
                "{ctx}: {} is not valid JSON:\n{}",
                f.display(),
                String::from_utf8_lossy(&bytes)
            );
        }

        // The next renku command recovers; doctor then finds nothing wrong.
        let out = env.run_in(&root, &["doctor"]);
        assert!(
            out.status.success() && stdout(&out).contains("Everything seems to be ok."),
            "{ctx}: doctor after the kill failed ({:?})\nstdout:\n{}\nstderr:\n{}",
            out.status.code(),
            stdout(&out),
            stderr(&out)
        );
        assert!(
            !journal.exists(),
            "{ctx}: the transaction journal is still there after recovery"
        );

        // The work tree matches HEAD exactly, with no stray files (ignored ones included,
        // except the cache).
        let status_out = env.git(&root, &["status", "--porcelain", "--untracked-files=all"]);
        assert!(
            status_out.is_empty(),
            "{ctx}: work tree not clean after recovery:\n{status_out}"
        );
        let ignored = env.git(
            &root,
            &[
                "status",
                "--porcelain",
                "--ignored",
                "--untracked-files=all",
            ],
        );
        let stray: Vec<&str> = ignored
            .lines()
            .filter(|l| !l.starts_with("!! .renku/cache/"))
            .collect();
        assert!(stray.is_empty(), "{ctx}: stray files: {stray:?}");

        let new_count = commit_count(&env, &root);
        let head_after = env.git(&root, &["rev-parse", "HEAD"]);
        if new_count == count {
            assert_eq!(
                head_after, head_before,
                "{ctx}: HEAD moved without a commit"
            );
            let files_after = files_of(&root);
            assert!(
                files_after == files_before,
                "{ctx}: no commit, but the files changed: {:?}",
                files_after
                    .iter()
                    .filter(|(k, v)| files_before.get(*k) != Some(*v))
                    .map(|(k, _)| k)
                    .chain(
                        files_before
                            .keys()
                            .filter(|k| !files_after.contains_key(*k))
                    )
                    .collect::<Vec<_>>()
            );
            assert!(
                !exited,
                "{ctx}: the command succeeded but committed nothing"
            );
            if journal_left {
                tally.before_rolled_back += 1;
            } else {
                tally.before_clean += 1;
            }
        } else {
            assert_eq!(
                new_count,
                count + 1,
                "{ctx}: more than one commit from one command"
            );
            let parent = env.git(&root, &["rev-parse", "HEAD~1"]);
            assert_eq!(
                parent, head_before,
                "{ctx}: the new commit's parent is not the old HEAD"
            );
            let subject = env.git(&root, &["log", "-1", "--format=%s"]);
            assert_eq!(
                subject.trim(),
                format!("renku {}", args.join(" ")),
                "{ctx}: unexpected commit message"
            );
            if let Err(e) = check_commit(&env, &root, "HEAD") {
                panic!("{ctx}: {e}");
            }
            if journal_left {
                tally.during += 1;
            } else {
                tally.after += 1;
            }
        }
        if exited {
            tally.exited_normally += 1;
        }
        count = new_count;

        // No leftover git lock files (`index.lock`, `refs/heads/main.lock`): git and renku
        // refuse to write the index or move the branch while one exists, so every later
        // mutating command would fail. Recorded (and removed, so that the remaining trials
        // still test everything else) and asserted on at the end.
        let locks: Vec<PathBuf> = all_files_under(&root.join(".git"))
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "lock"))
            .collect();
        if !locks.is_empty() {
            let names: Vec<String> = locks
                .iter()
                .map(|p| p.strip_prefix(&root).unwrap().display().to_string())
                .collect();
            let next = env.run_in(&root, &["config", "set", "section.probe", &format!("p{n}")]);
            stale_locks.push(format!(
                "{ctx}: left {names:?} behind (journal left: {journal_left}); doctor still \
                 said ok; the next `renku config set` exited {:?}: {}",
                next.status.code(),
                stderr(&next).trim()
            ));
            for l in &locks {
                std::fs::remove_file(l).unwrap();
            }
            count = commit_count(&env, &root);
        }
    }

    eprintln!("crash trials: {TRIALS}, {tally:?}");
    eprintln!(
        "final duration estimates: {:?}",
        Kind::ALL.map(|k| estimate(&samples, k))
    );

    // Every commit of the history is consistent, and the repository is sound.
    for id in env.git(&root, &["rev-list", "HEAD"]).lines() {
        let is_root = !env
            .git(&root, &["rev-list", "--parents", "-n", "1", id])
            .trim()
            .contains(' ');
        if is_root {
            continue; // the root commit (`renku init`)
        }
        if let Err(e) = check_commit(&env, &root, id) {
            panic!("history: {e}");
        }
    }
    env.git(&root, &["fsck", "--no-progress"]);
    let out = env.run_in(&root, &["project", "edit", "-d", "after the crashes"]);
    assert_success(&out);

    assert!(
        stale_locks.is_empty(),
        "{} of {TRIALS} kills left a stale git lock file that recovery does not remove and \
         `renku doctor` does not report; the project is then wedged for writes:\n{}",
        stale_locks.len(),
        stale_locks.join("\n")
    );
    let before = tally.before_clean + tally.before_rolled_back;
    let committed = tally.during + tally.after;
    assert_eq!(before + committed, TRIALS);
    assert!(
        before >= 1,
        "no trial was killed before the commit point; kills did not hit the command mid-flight: {tally:?}"
    );
    assert!(
        committed >= 1,
        "no trial reached the commit point; the delay range is too short: {tally:?}"
    );
}

/// `renku run` killed at any moment: the run is either not recorded at all (HEAD unchanged,
/// no metadata; at most the command's own output file is left in the work tree, as when the
/// command itself fails) or fully recorded (one commit with the output, the plan and the
/// activity).
#[test]
fn renku_run_killed_at_any_moment_is_unrecorded_or_fully_recorded() {
    run_killed_at_any_moment(false);
}

/// The same with an output that goes to Git LFS: an unrecorded run also leaves
/// `.gitattributes` as it was, a recorded one commits it with the pointer.
#[test]
fn renku_run_with_an_lfs_output_killed_at_any_moment_is_unrecorded_or_fully_recorded() {
    if !std::process::Command::new("git")
        .args(["lfs", "version"])
        .output()
        .is_ok_and(|o| o.status.success())
    {
        eprintln!("note: git-lfs is not installed; skipping the Git LFS crash test");
        return;
    }
    run_killed_at_any_moment(true);
}

fn run_killed_at_any_moment(large: bool) {
    const RUN_TRIALS: usize = 60;
    let env = TestEnv::new();
    let root = env.init_project("p");
    let input = if large {
        "input\n".repeat(40_000)
    } else {
        "input\n".to_string()
    };
    std::fs::write(root.join("in.txt"), &input).unwrap();
    env.git(&root, &["add", "in.txt"]);
    // A large input committed to git directly (renku's hook would refuse it).
    env.git(&root, &["commit", "-q", "--no-verify", "-m", "input"]);
    let journal = root.join(".git/renku/transaction");
    let args_for = |tag: &str| -> Vec<String> {
        vec![
            "run".into(),
            "cp".into(),
            "in.txt".into(),
            format!("out-{tag}.txt"),
        ]
    };

    // Normal duration: median of 5 uncontended runs.
    let mut durations = Vec::new();
    for i in 0..5 {
        let start = Instant::now();
        let out = env
            .renku_in(&root)
            .args(args_for(&format!("warm{i}")))
            .output()
            .unwrap();
        durations.push(start.elapsed());
        assert_success(&out);
    }
    durations.sort();
    let expected = durations[2];

    let (mut unrecorded, mut recorded) = (0usize, 0usize);
    for n in 0..RUN_TRIALS {
        let tag = format!("t{n}");
        let output = format!("out-{tag}.txt");
        let args = args_for(&tag);
        let seed = BASE_SEED ^ 0xabcd ^ (n as u64).wrapping_mul(0x2545_f491_4f6c_dd1d);
        let delay = expected.mul_f64(DELAY_FACTOR * Rng::new(seed).unit());
        let ctx = format!(
            "run trial {n}: killed after {delay:?} (seed {seed:#018x}, measured {expected:?})"
        );
        let head_before = env.git(&root, &["rev-parse", "HEAD"]);
        let count = commit_count(&env, &root);

        let mut child = env
            .renku_in(&root)
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let _ = child.kill();
        child.wait().unwrap();

        for f in all_files_under(&root.join(".renku/store")) {
            let bytes = std::fs::read(&f).unwrap();
            assert!(
                serde_json::from_slice::<serde_json::Value>(&bytes).is_ok(),
                "{ctx}: {} is half-written",
                f.display()
            );
        }
        let out = env.run_in(&root, &["doctor"]);
        assert!(
            out.status.success() && stdout(&out).contains("Everything seems to be ok."),
            "{ctx}: doctor failed\nstdout:\n{}\nstderr:\n{}",
            stdout(&out),
            stderr(&out)
        );
        assert!(!journal.exists(), "{ctx}: journal left after recovery");
        let locks: Vec<PathBuf> = all_files_under(&root.join(".git"))
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "lock"))
            .collect();
        assert!(locks.is_empty(), "{ctx}: stale git locks {locks:?}");

        let status = env.git(&root, &["status", "--porcelain", "--untracked-files=all"]);
        let new_count = commit_count(&env, &root);
        if new_count == count {
            assert_eq!(
                env.git(&root, &["rev-parse", "HEAD"]),
                head_before,
                "{ctx}: HEAD moved"
            );
            // Only the command's own output may be left over; no metadata.
            for line in status.lines() {
                assert_eq!(
                    line,
                    format!("?? {output}"),
                    "{ctx}: unexpected change after an unrecorded run:\n{status}"
                );
            }
            let _ = std::fs::remove_file(root.join(&output));
            unrecorded += 1;
        } else {
            assert_eq!(new_count, count + 1, "{ctx}: more than one commit");
            assert!(
                status.is_empty(),
                "{ctx}: work tree not clean after a recorded run:\n{status}"
            );
            let subject = env.git(&root, &["log", "-1", "--format=%s"]);
            assert_eq!(subject.trim(), format!("renku {}", args.join(" ")), "{ctx}");
            let files = env.git(&root, &["show", "--name-only", "--format=", "HEAD"]);
            let files: Vec<&str> = files.lines().collect();
            assert!(
                files.contains(&output.as_str()),
                "{ctx}: output not committed: {files:?}"
            );
            if large {
                assert!(
                    files.contains(&".gitattributes"),
                    "{ctx}: .gitattributes not committed: {files:?}"
                );
                let blob = env.git(&root, &["show", &format!("HEAD:{output}")]);
                assert!(
                    blob.starts_with("version https://git-lfs.github.com/spec/v1\n"),
                    "{ctx}: output not committed as an LFS pointer"
                );
            }
            assert_eq!(
                files
                    .iter()
                    .filter(|f| f.starts_with(".renku/store/plan/"))
                    .count(),
                1,
                "{ctx}: {files:?}"
            );
            assert_eq!(
                files
                    .iter()
                    .filter(|f| f.starts_with(".renku/store/activity/"))
                    .count(),
                1,
                "{ctx}: {files:?}"
            );
            recorded += 1;
        }
    }
    eprintln!("run crash trials: {RUN_TRIALS}, unrecorded {unrecorded}, recorded {recorded}");
    assert!(
        unrecorded >= 1 && recorded >= 1,
        "kills did not hit both sides of the commit point"
    );
    env.git(&root, &["fsck", "--no-progress"]);
    let out = env.run_in(&root, &["workflow", "ls", "--format", "json"]);
    assert_success(&out);
    let plans: Vec<serde_json::Value> = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(plans.len(), recorded + 5, "every recorded run has its plan");
}
