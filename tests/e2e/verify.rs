//! `renku rerun --check`: re-executing recorded runs in a scratch copy and comparing the
//! outputs with what was recorded, without changing the project.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::*;

/// Initialises project `p` with `files` committed.
fn project(env: &TestEnv, files: &[(&str, &str)]) -> PathBuf {
    env.project_with(files)
}

#[track_caller]
fn ok(env: &TestEnv, root: &Path, args: &[&str]) {
    assert_success(&env.run_in(root, args));
}

/// `renku rerun --check --format json ARGS`: the exit code and the parsed report.
fn check_json(env: &TestEnv, root: &Path, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["rerun", "--check", "--format", "json"];
    all.extend_from_slice(args);
    let out = env.run_in(root, &all);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}):\n{}\nstderr:\n{}",
            stdout(&out),
            stderr(&out)
        )
    });
    (code(&out), report)
}

/// The checked output `path` of the report.
fn output<'a>(report: &'a Value, path: &str) -> &'a Value {
    report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["outputs"].as_array().unwrap())
        .find(|o| o["path"] == path)
        .unwrap_or_else(|| panic!("no output {path} in {report:#}"))
}

/// The checked step of plan `name`.
fn step<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["plan_name"] == name)
        .unwrap_or_else(|| panic!("no step {name} in {report:#}"))
}

fn rev_parse(env: &TestEnv, root: &Path, rev: &str) -> String {
    env.git(root, &["rev-parse", rev]).trim().to_string()
}

/// Asserts that no scratch work tree or branch was left behind.
#[track_caller]
fn assert_no_scratch_left(env: &TestEnv, root: &Path) {
    let worktrees = env.git(root, &["worktree", "list", "--porcelain"]);
    assert_eq!(
        worktrees.matches("worktree ").count(),
        1,
        "only the project's work tree remains:\n{worktrees}"
    );
    let branches = env.git(root, &["branch", "--list"]);
    assert_eq!(branches.lines().count(), 1, "no new branch:\n{branches}");
}

/// A chain in.txt → s1 → mid.txt → s2 → out.txt, committed.
fn chain(env: &TestEnv) -> PathBuf {
    let root = project(env, &[("in.txt", "a\n")]);
    ok(
        env,
        &root,
        &["run", "--name", "s1", "cp", "in.txt", "mid.txt"],
    );
    ok(
        env,
        &root,
        &["run", "--name", "s2", "cp", "mid.txt", "out.txt"],
    );
    root
}

#[test]
fn a_deterministic_chain_is_reproducible_and_the_project_is_left_alone() {
    let env = TestEnv::new();
    let root = chain(&env);
    // Uncommitted work: a modified input, a staged file, an untracked file. The check runs
    // the committed state and must not touch any of it.
    std::fs::write(root.join("in.txt"), "changed, not committed\n").unwrap();
    std::fs::write(root.join("staged.txt"), "staged\n").unwrap();
    env.git(&root, &["add", "staged.txt"]);
    std::fs::write(root.join("untracked.txt"), "u\n").unwrap();
    let before = snapshot(&env, &root);
    let index_before = std::fs::read(root.join(".git/index")).unwrap();
    let commits = env.commit_count(&root);

    let out = env.run_in(&root, &["rerun", "--check", "out.txt"]);
    assert_code(&out, 0);
    let text = stdout(&out);
    assert_contains(
        &text,
        "Reproducible outputs(2):\n\n\tmid.txt\n\tout.txt\n\n",
    );
    assert_contains(&text, "Everything was reproduced at commit ");
    assert!(!text.contains("Drifted"), "{text}");
    // Progress goes to stderr, so that stdout holds the report alone.
    assert_contains(
        &stderr(&out),
        "Executing step 's1': 'cp in.txt mid.txt' ...",
    );
    assert!(!text.contains("Executing step"), "{text}");

    assert_unchanged(&env, &root, &before, "rerun --check");
    assert_eq!(
        std::fs::read(root.join(".git/index")).unwrap(),
        index_before,
        "the index file is untouched"
    );
    assert_eq!(env.commit_count(&root), commits);
    assert_eq!(
        std::fs::read_to_string(root.join("out.txt")).unwrap(),
        "a\n",
        "the work tree's output was not regenerated"
    );
    assert_no_scratch_left(&env, &root);

    // The JSON report: the checked commit, each step, recorded and regenerated checksums.
    let (code, report) = check_json(&env, &root, &["out.txt"]);
    assert_eq!(code, 0);
    assert_eq!(report["commit"], rev_parse(&env, &root, "HEAD"));
    let names: Vec<&str> = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["plan_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["s1", "s2"], "execution order");
    let mid = output(&report, "mid.txt");
    assert_eq!(mid["status"], "reproducible");
    assert_eq!(mid["recorded"], rev_parse(&env, &root, "HEAD:mid.txt"));
    assert_eq!(mid["regenerated"], mid["recorded"]);
    assert_eq!(step(&report, "s2")["status"], "succeeded");
    assert_eq!(step(&report, "s2")["changed_inputs"], serde_json::json!([]));
    // --from selects like rerun --from: only the chain starting at mid.txt.
    let (code, report) = check_json(&env, &root, &["--from", "mid.txt", "out.txt"]);
    assert_eq!(code, 0);
    assert_eq!(report["steps"].as_array().unwrap().len(), 1);
    assert_eq!(report["steps"][0]["plan_name"], "s2");
    assert_unchanged(&env, &root, &before, "rerun --check --format json");
    assert_no_scratch_left(&env, &root);
}

#[test]
fn a_non_deterministic_step_drifts_and_so_does_what_uses_it() {
    let env = TestEnv::new();
    let root = project(&env, &[]);
    ok(
        &env,
        &root,
        &["run", "--name", "stamp", "sh", "-c", "date +%N > stamp.txt"],
    );
    ok(
        &env,
        &root,
        &["run", "--name", "copy", "cp", "stamp.txt", "copy.txt"],
    );
    let before = snapshot(&env, &root);

    let out = env.run_in(&root, &["rerun", "--check", "copy.txt"]);
    assert_code(&out, 1);
    let text = stdout(&out);
    let recorded: String = rev_parse(&env, &root, "HEAD:stamp.txt")
        .chars()
        .take(7)
        .collect();
    assert_contains(&text, "Drifted outputs(2):\n");
    assert_contains(
        &text,
        &format!("\tstamp.txt: step 'stamp', recorded {recorded}, regenerated "),
    );
    assert_contains(
        &text,
        "(its inputs differ from the recorded run: stamp.txt)\n",
    );
    assert_contains(
        &text,
        "0 of 2 outputs of 2 steps were reproduced at commit ",
    );
    assert!(!text.contains("Reproducible outputs"), "{text}");

    let (code, report) = check_json(&env, &root, &["copy.txt"]);
    assert_eq!(code, 1);
    let stamp = output(&report, "stamp.txt");
    assert_eq!(stamp["status"], "drifted");
    assert_eq!(stamp["recorded"], rev_parse(&env, &root, "HEAD:stamp.txt"));
    assert_ne!(stamp["regenerated"], stamp["recorded"]);
    assert!(stamp["regenerated"].as_str().unwrap().len() == 40);
    assert_eq!(
        step(&report, "copy")["changed_inputs"],
        serde_json::json!(["stamp.txt"])
    );
    assert_eq!(
        step(&report, "stamp")["changed_inputs"],
        serde_json::json!([])
    );
    assert_unchanged(&env, &root, &before, "check of a drifting step");
    assert_no_scratch_left(&env, &root);
}

#[test]
fn failing_steps_are_reported_and_the_rest_still_runs() {
    let env = TestEnv::new();
    let root = project(&env, &[("in.txt", "a\n")]);
    // `flag` and `maybe` exist only in the work tree, never in a commit.
    std::fs::write(root.join("flag"), "").unwrap();
    std::fs::write(root.join("maybe"), "").unwrap();
    ok(
        &env,
        &root,
        &[
            "run",
            "--name",
            "flaky",
            "sh",
            "-c",
            "test -f flag || { echo 'first line' >&2; echo 'no flag here' >&2; exit 3; }; cp in.txt f.txt",
        ],
    );
    ok(
        &env,
        &root,
        &["run", "--name", "after", "cp", "f.txt", "g.txt"],
    );
    ok(
        &env,
        &root,
        &[
            "run",
            "--name",
            "optional",
            "sh",
            "-c",
            "test -f maybe && cp in.txt maybe.txt; true",
        ],
    );
    ok(
        &env,
        &root,
        &["run", "--name", "s1", "cp", "in.txt", "mid.txt"],
    );
    assert_contains(&env.status(&root), "?? flag\n");
    let before = snapshot(&env, &root);

    for jobs in ["1", "4"] {
        let out = env.run_in(
            &root,
            &[
                "rerun",
                "--check",
                "-j",
                jobs,
                "g.txt",
                "maybe.txt",
                "mid.txt",
            ],
        );
        assert_code(&out, 1);
        let text = stdout(&out);
        assert_contains(&text, "Reproducible outputs(1):\n\n\tmid.txt\n\n");
        assert_contains(
            &text,
            "Failed steps(1):\n\n\tflaky: exit code 3\n\t\tfirst line\n\t\tno flag here\n\n",
        );
        assert_contains(
            &text,
            "Skipped steps(1):\n  (a step they depend on failed)\n\n\tafter\n\n",
        );
        assert_contains(
            &text,
            "Outputs not generated(1):\n  (the step succeeded without writing them)\n\n\tmaybe.txt: step 'optional'\n\n",
        );
        assert_contains(&text, "1 of 4 outputs of 4 steps were reproduced");
        assert_unchanged(&env, &root, &before, "check with a failing step");
    }

    let (code, report) = check_json(&env, &root, &["g.txt", "maybe.txt"]);
    assert_eq!(code, 1);
    let flaky = step(&report, "flaky");
    assert_eq!(flaky["status"], "failed");
    assert_eq!(flaky["failure"]["exit_code"], 3);
    assert_eq!(
        flaky["failure"]["stderr_tail"],
        serde_json::json!(["first line", "no flag here"])
    );
    assert_eq!(output(&report, "f.txt")["status"], "not_run");
    assert_eq!(step(&report, "after")["status"], "skipped");
    assert_eq!(output(&report, "g.txt")["status"], "not_run");
    assert_eq!(output(&report, "g.txt")["regenerated"], Value::Null);
    assert_eq!(output(&report, "maybe.txt")["status"], "not_generated");
    assert_unchanged(&env, &root, &before, "json check with a failing step");
    assert_no_scratch_left(&env, &root);
}

#[test]
fn directory_outputs_are_compared_as_trees() {
    let env = TestEnv::new();
    let root = project(&env, &[("in.txt", "a\n")]);
    ok(
        &env,
        &root,
        &[
            "run",
            "--name",
            "tree",
            "--output",
            "results",
            "sh",
            "-c",
            "mkdir -p results/sub && cp in.txt results/a && echo b > results/sub/b",
        ],
    );
    ok(
        &env,
        &root,
        &[
            "run",
            "--name",
            "stamps",
            "--output",
            "stamps",
            "sh",
            "-c",
            "mkdir -p stamps && echo same > stamps/fixed && date +%N > stamps/t",
        ],
    );
    // A file the step does not write again is left over in the committed directory: it must
    // not count as regenerated.
    std::fs::write(root.join("results/extra"), "stale\n").unwrap();
    env.git(&root, &["add", "results/extra"]);
    env.git(&root, &["commit", "-qm", "extra"]);
    let before = snapshot(&env, &root);

    let (code, report) = check_json(&env, &root, &["results", "stamps"]);
    assert_eq!(code, 1);
    let stamps = output(&report, "stamps");
    assert_eq!(stamps["is_directory"], true);
    assert_eq!(stamps["status"], "drifted");
    assert_eq!(stamps["recorded"], rev_parse(&env, &root, "HEAD:stamps"));
    let results = output(&report, "results");
    assert_eq!(results["is_directory"], true);
    assert_eq!(results["status"], "reproducible", "{report:#}");
    // The recorded tree is the one committed by the run, before `extra` was added.
    assert_eq!(
        results["recorded"],
        rev_parse(&env, &root, "HEAD~1:results")
    );
    assert_ne!(results["recorded"], rev_parse(&env, &root, "HEAD:results"));
    assert_unchanged(&env, &root, &before, "check of directory outputs");
    assert!(root.join("results/extra").exists());
    assert_no_scratch_left(&env, &root);

    // Only the deterministic directory: everything reproduced.
    let out = env.run_in(&root, &["rerun", "--check", "results"]);
    assert_code(&out, 0);
    assert_contains(&stdout(&out), "\tresults\n");
}

#[test]
fn check_options_and_paths_are_validated() {
    let env = TestEnv::new();
    let root = chain(&env);
    let out = env.run_in(&root, &["rerun", "--check", "--dry-run", "out.txt"]);
    assert_code(&out, 2);
    let out = env.run_in(
        &root,
        &["rerun", "--check", "--skip-metadata-update", "out.txt"],
    );
    assert_code(&out, 2);
    let out = env.run_in(&root, &["rerun", "--format", "json", "out.txt"]);
    assert_code(&out, 2);
    let out = env.run_in(&root, &["rerun", "--check", "-j", "0", "out.txt"]);
    assert_code(&out, 2);
    // A path no run generated: a warning, nothing to check, exit 1.
    let out = env.run_in(&root, &["rerun", "--check", "in.txt"]);
    assert_code(&out, 1);
    assert_contains(
        &stderr(&out),
        "Warning: Path 'in.txt' is not generated by any workflows.",
    );
    assert_eq!(stdout(&out), "");
    let out = env.run_in(&root, &["rerun", "--check", "missing.txt"]);
    assert_code(&out, 2);
    // --help documents the flag.
    let help = stdout(&env.run_in(&root, &["rerun", "--help"]));
    let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
    assert_contains(&help, "--check");
    assert_contains(&help, "temporary copy of the project");
    assert_contains(&help, "Exits 0 when everything was reproduced");
}
