//! `renku save` and `renku clone` against local bare repositories.

use std::path::{Path, PathBuf};

use crate::common::*;

/// A bare repository holding the project at `root` (pushed, `origin` upstream of the
/// current branch).
fn bare_remote(env: &TestEnv, root: &Path) -> PathBuf {
    let bare = env.work().join("remote.git");
    env.git(
        &env.work(),
        &["init", "-q", "--bare", bare.to_str().unwrap()],
    );
    env.git(root, &["remote", "add", "origin", bare.to_str().unwrap()]);
    env.git(root, &["push", "-q", "-u", "origin", "HEAD"]);
    bare
}

fn branch(env: &TestEnv, root: &Path) -> String {
    env.git(root, &["symbolic-ref", "--short", "HEAD"])
        .trim()
        .to_string()
}

fn remote_log(env: &TestEnv, bare: &Path, rev: &str) -> String {
    env.git(bare, &["log", "--format=%s", rev])
}

#[test]
fn save_commits_and_pushes_to_the_upstream() {
    let env = TestEnv::new();
    let root = env.project_with(&[("a.txt", "a\n")]);
    let bare = bare_remote(&env, &root);
    let b = branch(&env, &root);
    std::fs::write(root.join("a.txt"), "changed\n").unwrap();
    std::fs::write(root.join("new.txt"), "new\n").unwrap();
    let out = env.run_in(&root, &["save", "-m", "my changes"]);
    assert_success(&out);
    assert_contains(
        &stdout(&out),
        &format!("Successfully saved to remote branch {b}: \n\ta.txt\n\tnew.txt"),
    );
    assert_contains(&stdout(&out), "OK");
    assert_eq!(env.status(&root), "");
    assert_eq!(
        remote_log(&env, &bare, &b).lines().next(),
        Some("my changes")
    );
    assert_eq!(
        env.git(&root, &["config", "credential.helper"]).trim(),
        "cache"
    );
    // Only the given path, with the default message; nothing to commit still pushes.
    std::fs::write(root.join("a.txt"), "again\n").unwrap();
    std::fs::write(root.join("other.txt"), "o\n").unwrap();
    assert_success(&env.run_in(&root, &["save", "a.txt"]));
    assert_eq!(
        remote_log(&env, &bare, &b).lines().next(),
        Some("Saved changes to: a.txt")
    );
    assert_eq!(env.status(&root).trim(), "?? other.txt");
    let out = env.run_in(&root, &["save", "a.txt"]);
    assert_success(&out);
    assert_contains(
        &stdout(&out),
        &format!("Successfully saved to remote branch {b}."),
    );
    // Staged files that are not passed are refused.
    env.git(&root, &["add", "other.txt"]);
    let head = env.head(&root);
    let out = env.run_in(&root, &["save", "a.txt"]);
    assert_code(&out, 1);
    assert_contains(
        &stderr(&out),
        "These files are in the git staging area, but weren't passed to renku save.",
    );
    assert_eq!(env.head(&root), head);
}

#[test]
fn save_without_a_remote_commits_nothing() {
    let env = TestEnv::new();
    let root = env.project_with(&[("a.txt", "a\n")]);
    std::fs::write(root.join("a.txt"), "changed\n").unwrap();
    let head = env.head(&root);
    let out = env.run_in(&root, &["save"]);
    assert_code(&out, 1);
    assert_contains(
        &stderr(&out),
        "No remote has been set up for the current branch",
    );
    assert_eq!(env.head(&root), head);
    // -d names a remote by URL: it is added as origin and pushed to.
    let bare = env.work().join("fresh.git");
    env.git(
        &env.work(),
        &["init", "-q", "--bare", bare.to_str().unwrap()],
    );
    let out = env.run_in(&root, &["save", "-d", bare.to_str().unwrap()]);
    assert_success(&out);
    let b = branch(&env, &root);
    assert_eq!(
        remote_log(&env, &bare, &b).lines().next(),
        Some("Saved changes to: a.txt")
    );
}

#[test]
fn save_pulls_remote_changes_and_uses_a_new_branch_on_conflicts() {
    let env = TestEnv::new();
    let root = env.project_with(&[("a.txt", "a\n"), ("b.txt", "b\n")]);
    let bare = bare_remote(&env, &root);
    let b = branch(&env, &root);
    // Someone else pushes a change to b.txt.
    let other = env.work().join("other");
    env.git(
        &env.work(),
        &[
            "clone",
            "-q",
            bare.to_str().unwrap(),
            other.to_str().unwrap(),
        ],
    );
    std::fs::write(other.join("b.txt"), "theirs\n").unwrap();
    env.git(&other, &["commit", "--no-verify", "-qam", "theirs"]);
    env.git(&other, &["push", "-q"]);
    // Ours to a.txt merges and goes on top.
    std::fs::write(root.join("a.txt"), "ours\n").unwrap();
    assert_success(&env.run_in(&root, &["save", "-m", "ours"]));
    assert_eq!(read_file(&root, "b.txt"), "theirs\n");
    let log = remote_log(&env, &bare, &b);
    assert!(log.contains("ours") && log.contains("theirs"), "{log}");

    // A conflicting change: ours goes to renku/autobranch/…, the branch is reset.
    env.git(&other, &["pull", "-q"]);
    std::fs::write(other.join("a.txt"), "conflict theirs\n").unwrap();
    env.git(&other, &["commit", "--no-verify", "-qam", "theirs again"]);
    env.git(&other, &["push", "-q"]);
    std::fs::write(root.join("a.txt"), "conflict ours\n").unwrap();
    let out = env.run_in(&root, &["save", "-m", "conflicting"]);
    assert_success(&out);
    assert_contains(&stdout(&out), "renku/autobranch/");
    let branches = env.git(&bare, &["branch", "--list", "renku/autobranch/*"]);
    let auto = branches.trim().trim_start_matches("* ").to_string();
    assert!(
        auto.starts_with(&format!("renku/autobranch/{b}/")),
        "{branches}"
    );
    assert_eq!(
        remote_log(&env, &bare, &auto).lines().next(),
        Some("conflicting")
    );
    assert_eq!(read_file(&root, "a.txt"), "conflict theirs\n");
    assert_eq!(env.status(&root), "");
}

#[test]
fn save_to_a_protected_branch_pushes_to_a_new_one() {
    let env = TestEnv::new();
    let root = env.project_with(&[("a.txt", "a\n")]);
    let bare = bare_remote(&env, &root);
    let b = branch(&env, &root);
    let hook = bare.join("hooks/pre-receive");
    std::fs::write(
        &hook,
        format!("#!/bin/sh\nwhile read old new ref; do [ \"$ref\" = refs/heads/{b} ] && {{ echo protected >&2; exit 1; }}; done\nexit 0\n"),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::fs::write(root.join("a.txt"), "changed\n").unwrap();
    let out = env.run_in(&root, &["save", "-m", "blocked"]);
    assert_success(&out);
    assert_contains(&stdout(&out), &format!("renku/autobranch/{b}/"));
    assert_ne!(remote_log(&env, &bare, &b).lines().next(), Some("blocked"));
}

#[test]
fn clone_gets_a_working_project_with_hooks() {
    let env = TestEnv::new();
    let root = env.project_with(&[("a.txt", "a\n")]);
    env.ok(&root, &["dataset", "add", "--copy", "-c", "d", "a.txt"]);
    let bare = bare_remote(&env, &root);
    let out = env.run(&["clone", bare.to_str().unwrap(), "copy"]);
    assert_success(&out);
    assert_contains(&stdout(&out), &format!("Cloning {} ...", bare.display()));
    let copy = env.work().join("copy");
    assert_eq!(read_file(&copy, "data/d/a.txt"), "a\n");
    assert!(read_file(&copy, ".git/hooks/pre-commit").contains("RENKU HOOK"));
    let listed = env.ok(
        &copy,
        &["dataset", "ls-files", "--format", "csv", "-c", "path"],
    );
    assert_eq!(listed, "path\ndata/d/a.txt\n");
    // Default directory name, and --no-pull-data.
    let out = env.run(&["clone", "--no-pull-data", bare.to_str().unwrap()]);
    assert_success(&out);
    assert!(env.work().join("remote/a.txt").exists());
    // An existing non-empty destination and a bad URL are refused, leaving nothing new.
    let out = env.run(&["clone", bare.to_str().unwrap(), "copy"]);
    assert_code(&out, 1);
    assert_contains(&stderr(&out), "already exists");
    let out = env.run(&["clone", "/nonexistent/repo.git", "gone"]);
    assert_code(&out, 1);
    assert!(!env.work().join("gone").exists());
}
