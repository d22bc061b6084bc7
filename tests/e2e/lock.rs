//! The project lock (`.git/renku/lock`): a mutating command waits `RENKU_LOCK_TIMEOUT`
//! seconds for another process's lock, then fails without changing anything.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Output;

use crate::common::*;

/// Takes the project lock the way another renku process would (an exclusive flock).
// `File::lock` is stable since Rust 1.89; the workspace's rust-version may lag behind.
#[allow(clippy::incompatible_msrv)]
fn hold_lock(root: &Path) -> File {
    let dir = root.join(".git/renku");
    std::fs::create_dir_all(&dir).unwrap();
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(dir.join("lock"))
        .unwrap();
    file.lock().unwrap();
    file
}

fn run_with_timeout(env: &TestEnv, root: &Path, timeout: &str, args: &[&str]) -> Output {
    env.renku_in(root)
        .env("RENKU_LOCK_TIMEOUT", timeout)
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn held_lock_blocks_mutating_commands() {
    let env = TestEnv::new();
    let root = env.init_project("p");
    let snap = snapshot(&env, &root);
    let lock = hold_lock(&root);

    for args in [
        &["config", "set", "a.b", "c"][..],
        &["config", "remove", "interactive.default_url"],
        &["project", "edit", "-d", "locked out"],
        &["template", "set", "-f", "python-minimal"],
    ] {
        let started = std::time::Instant::now();
        let out = run_with_timeout(&env, &root, "0.5", args);
        let waited = started.elapsed();
        assert_code(&out, 1);
        let err = stderr(&out);
        assert_contains(&err, "Unable to acquire lock");
        assert!(
            waited >= std::time::Duration::from_millis(400),
            "{args:?} gave up after {waited:?}"
        );
        assert_unchanged(&env, &root, &snap, &format!("{args:?}"));
    }
    // Readers do not block.
    let out = run_with_timeout(&env, &root, "0.5", &["project", "show"]);
    assert_code(&out, 0);
    let out = run_with_timeout(&env, &root, "0.5", &["config", "show", "lfs_threshold"]);
    assert_code(&out, 0);

    // Once released, the same command succeeds.
    drop(lock);
    let out = run_with_timeout(&env, &root, "0.5", &["config", "set", "a.b", "c"]);
    assert_code(&out, 0);
    assert_eq!(env.commit_count(&root), 2);
    let out = env.run_in(&root, &["config", "show", "a.b"]);
    assert_eq!(stdout(&out), "c\n");
}

#[test]
fn zero_timeout_fails_at_once() {
    let env = TestEnv::new();
    let root = env.init_project("p");
    let snap = snapshot(&env, &root);
    let _lock = hold_lock(&root);
    let out = run_with_timeout(&env, &root, "0", &["project", "edit", "-d", "x"]);
    assert_code(&out, 1);
    assert_contains(&stderr(&out), "Unable to acquire lock");
    assert_unchanged(&env, &root, &snap, "");
}

#[test]
fn lock_released_while_waiting() {
    let env = TestEnv::new();
    let root = env.init_project("p");
    let lock = hold_lock(&root);
    let mut child = env
        .renku_in(&root)
        .env("RENKU_LOCK_TIMEOUT", "20")
        .args(["config", "set", "a.b", "c"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Release the lock as soon as the command says it is waiting for it.
    let mut stderr_lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let first = stderr_lines.next().unwrap().unwrap();
    assert_contains(&first, "Waiting for another renku process");
    drop(lock);
    let rest: Vec<String> = stderr_lines.map(Result::unwrap).collect();
    let status = child.wait().unwrap();
    assert!(status.success(), "stderr: {rest:?}");
    assert_eq!(env.commit_count(&root), 2);
}
