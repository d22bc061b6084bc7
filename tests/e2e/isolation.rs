//! `renku run --isolation`: running and recording in a temporary work tree, then
//! fast-forwarding the current branch.

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::common::*;

fn project(env: &TestEnv) -> PathBuf {
    let root = env.init_project("p");
    std::fs::write(root.join("in.txt"), "one\ntwo\nthree\n").unwrap();
    env.git(&root, &["add", "in.txt"]);
    env.git(&root, &["commit", "-qm", "input"]);
    root
}

/// Asserts that no isolation branch or work tree is left.
#[track_caller]
fn assert_no_leftovers(env: &TestEnv, root: &Path) {
    assert_eq!(
        env.git(root, &["branch", "--list", "renku/run/isolation/*"]),
        "",
        "isolation branch left"
    );
    assert_eq!(
        env.git(root, &["worktree", "list"]).lines().count(),
        1,
        "isolation work tree left"
    );
    let dir = root.join(".git/renku/isolation");
    assert!(
        !dir.exists() || std::fs::read_dir(&dir).unwrap().next().is_none(),
        "isolation directory left"
    );
}

#[test]
fn isolated_run_is_recorded_on_the_current_branch() {
    let env = TestEnv::new();
    let root = project(&env);
    let head = env.head(&root);
    let out = env
        .renku_in(&root)
        .args([
            "run",
            "--isolation",
            "--name",
            "count",
            "wc",
            "-l",
            "in.txt",
        ])
        .stdout(File::create(root.join("count.txt")).unwrap())
        .output()
        .unwrap();
    assert_success(&out);
    // One new commit on main, a fast-forward of the old HEAD.
    assert_eq!(env.git(&root, &["rev-parse", "HEAD~1"]).trim(), head);
    assert_eq!(
        env.git(&root, &["rev-parse", "--abbrev-ref", "HEAD"])
            .trim(),
        "main"
    );
    assert_eq!(
        env.git(&root, &["log", "-1", "--format=%s"]).trim(),
        "renku run --isolation --name count wc -l in.txt"
    );
    assert_eq!(
        std::fs::read_to_string(root.join("count.txt")).unwrap(),
        "3 in.txt\n"
    );
    let files = env.changed_files(&root, "HEAD");
    assert!(files.contains(&"count.txt".to_string()), "{files:?}");
    assert_eq!(env.status(&root), "");
    assert_no_leftovers(&env, &root);
    // The plan saw the redirection like a plain run does.
    let out = env.run_in(&root, &["workflow", "show", "count"]);
    assert_success(&out);
    assert_contains(&stdout(&out), "wc -l in.txt > count.txt");
    assert_success(&env.run_in(&root, &["doctor"]));
    let log = env.run_in(&root, &["log", "--format", "json"]);
    assert_eq!(
        serde_json::from_str::<Vec<serde_json::Value>>(&stdout(&log))
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn isolated_run_from_a_subdirectory_with_a_created_output() {
    let env = TestEnv::new();
    let root = project(&env);
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::write(root.join("sub/.keep"), "").unwrap();
    env.git(&root, &["add", "sub"]);
    env.git(&root, &["commit", "-qm", "sub"]);
    let out = env.run_in(
        &root.join("sub"),
        &["run", "--isolation", "cp", "../in.txt", "copy.txt"],
    );
    assert_success(&out);
    assert_eq!(
        std::fs::read_to_string(root.join("sub/copy.txt")).unwrap(),
        "one\ntwo\nthree\n"
    );
    assert!(
        env.changed_files(&root, "HEAD")
            .contains(&"sub/copy.txt".to_string())
    );
    assert_eq!(env.status(&root), "");
    assert_no_leftovers(&env, &root);

    // The command ran in the temporary work tree, in the matching subdirectory.
    let out = env.run_in(
        &root.join("sub"),
        &["run", "--isolation", "sh", "-c", "pwd > where.txt"],
    );
    assert_success(&out);
    let place = std::fs::read_to_string(root.join("sub/where.txt")).unwrap();
    let expected_prefix = format!("{}/.git/renku/isolation/", root.display());
    assert!(
        place.starts_with(&expected_prefix) && place.trim_end().ends_with("/sub"),
        "{place}"
    );
    assert_no_leftovers(&env, &root);
}

#[test]
fn failed_isolated_command_records_nothing_and_keeps_its_output_file() {
    let env = TestEnv::new();
    let root = project(&env);
    let before = snapshot(&env, &root);
    let out = env
        .renku_in(&root)
        .args(["run", "--isolation", "sh", "-c", "echo partial; exit 4"])
        .stdout(File::create(root.join("partial.txt")).unwrap())
        .output()
        .unwrap();
    assert_code(&out, 1);
    assert_contains(&stderr(&out), "Command returned non-zero exit status 4.");
    // As after a plain failed run: the redirection target holds what the command wrote.
    assert_eq!(
        std::fs::read_to_string(root.join("partial.txt")).unwrap(),
        "partial\n"
    );
    std::fs::remove_file(root.join("partial.txt")).unwrap();
    assert_unchanged(&env, &root, &before, "failed isolated run");
    assert_no_leftovers(&env, &root);
}

#[test]
fn isolated_run_whose_branch_cannot_be_fast_forwarded_changes_nothing() {
    let env = TestEnv::new();
    let root = project(&env);
    // The command itself moves the project's branch while the isolated run is going on.
    let script = format!(
        "git -C '{}' commit -q --allow-empty -m elsewhere && echo done > result.txt",
        root.display()
    );
    let out = env.run_in(&root, &["run", "--isolation", "sh", "-c", &script]);
    assert_code(&out, 1);
    assert_contains(&stderr(&out), "Failed merge of branch renku/run/isolation/");
    assert_contains(&stderr(&out), "with args --ff-only");
    // The project is at the commit the command made; nothing of the run arrived.
    assert_eq!(
        env.git(&root, &["log", "-1", "--format=%s"]).trim(),
        "elsewhere"
    );
    assert!(!root.join("result.txt").exists());
    assert!(record_files(&root, "activity").is_empty());
    assert_eq!(env.status(&root), "");
    assert_no_leftovers(&env, &root);
}
