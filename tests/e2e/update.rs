//! `renku status`, `renku update` and `renku rerun`.

use std::path::{Path, PathBuf};

use crate::common::*;

fn project(env: &TestEnv, files: &[(&str, &str)]) -> PathBuf {
    env.project_with(files)
}

fn renku(env: &TestEnv, root: &Path, args: &[&str]) -> std::process::Output {
    env.run_in(root, args)
}

#[track_caller]
fn ok(env: &TestEnv, root: &Path, args: &[&str]) -> String {
    env.ok(root, args)
}

fn read(root: &Path, p: &str) -> String {
    read_file(root, p)
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
fn status_of_a_clean_project_is_up_to_date() {
    let env = TestEnv::new();
    let root = chain(&env);
    let out = renku(&env, &root, &["status"]);
    assert_code(&out, 0);
    assert_eq!(stdout(&out), "Everything is up-to-date.\n");
}

#[test]
fn status_lists_outdated_outputs_and_modified_inputs_and_exits_1() {
    let env = TestEnv::new();
    let root = chain(&env);
    // Uncommitted changes count.
    std::fs::write(root.join("in.txt"), "b\n").unwrap();
    let out = renku(&env, &root, &["status"]);
    assert_code(&out, 1);
    assert_eq!(
        stdout(&out),
        "Outdated outputs(2):\n  (use `renku workflow visualize [<file>...]` to see the full lineage)\n  (use `renku update --all` to generate the file from its latest inputs)\n\n\tmid.txt: in.txt\n\tout.txt: in.txt\n\nModified inputs(1):\n\n\tin.txt\n\n"
    );
    // JSON for scripts.
    let out = renku(&env, &root, &["status", "--format", "json"]);
    assert_code(&out, 1);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["outdated"], true);
    assert_eq!(v["outdated_outputs"]["out.txt"][0], "in.txt");
    assert_eq!(v["modified_inputs"][0], "in.txt");
}

#[test]
fn status_paths_are_shown_relative_to_the_current_directory() {
    let env = TestEnv::new();
    let root = project(&env, &[("data/in.txt", "a\n")]);
    ok(&env, &root, &["run", "cp", "data/in.txt", "data/out.txt"]);
    std::fs::write(root.join("data/in.txt"), "b\n").unwrap();
    std::fs::create_dir_all(root.join("sub")).unwrap();
    let out = renku(&env, &root.join("sub"), &["status"]);
    assert_code(&out, 1);
    assert_contains(&stdout(&out), "\t../data/out.txt: ../data/in.txt\n");
}

#[test]
fn status_with_paths_only_reports_chains_leading_to_them() {
    let env = TestEnv::new();
    let root = project(&env, &[("in.txt", "a\n"), ("other.txt", "o\n")]);
    ok(
        &env,
        &root,
        &["run", "--name", "s1", "cp", "in.txt", "mid.txt"],
    );
    ok(
        &env,
        &root,
        &["run", "--name", "s2", "cp", "mid.txt", "out.txt"],
    );
    ok(
        &env,
        &root,
        &["run", "--name", "s3", "cp", "other.txt", "o2.txt"],
    );
    std::fs::write(root.join("in.txt"), "b\n").unwrap();
    std::fs::write(root.join("other.txt"), "p\n").unwrap();
    let out = renku(&env, &root, &["status", "--format", "json", "mid.txt"]);
    assert_code(&out, 1);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let outputs: Vec<&String> = v["outdated_outputs"].as_object().unwrap().keys().collect();
    assert_eq!(outputs, ["mid.txt"]);
    assert_eq!(v["modified_inputs"], serde_json::json!(["in.txt"]));
    // A modified input among PATHS shows everything downstream of it.
    let out = renku(&env, &root, &["status", "--format", "json", "in.txt"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let outputs: Vec<&String> = v["outdated_outputs"].as_object().unwrap().keys().collect();
    assert_eq!(outputs, ["mid.txt", "out.txt"]);
    // A path that does not exist is a usage error.
    let out = renku(&env, &root, &["status", "missing.txt"]);
    assert_code(&out, 2);
    assert_contains(&stderr(&out), "Path 'missing.txt' does not exist.");
}

#[test]
fn status_reports_deleted_inputs_and_runs_without_outputs() {
    let env = TestEnv::new();
    let root = project(&env, &[("in.txt", "a\n"), ("gone.txt", "g\n")]);
    ok(&env, &root, &["run", "cp", "gone.txt", "copy.txt"]);
    ok(&env, &root, &["run", "--no-output", "cat", "in.txt"]);
    std::fs::remove_file(root.join("gone.txt")).unwrap();
    std::fs::write(root.join("in.txt"), "b\n").unwrap();
    let out = renku(&env, &root, &["status"]);
    assert_code(&out, 1);
    let text = stdout(&out);
    assert_contains(
        &text,
        "Deleted files used to generate outputs:\n\n\tgone.txt\n\n",
    );
    assert_contains(
        &text,
        "Outdated activities that have no outputs(1):\n\n\t/activities/",
    );
    assert_contains(&text, ": in.txt\n");
    assert!(!text.contains("Outdated outputs"), "{text}");
}

#[test]
fn status_with_ignore_deleted_skips_chains_whose_outputs_are_gone() {
    let env = TestEnv::new();
    let root = chain(&env);
    std::fs::write(root.join("in.txt"), "b\n").unwrap();
    std::fs::remove_file(root.join("mid.txt")).unwrap();
    std::fs::remove_file(root.join("out.txt")).unwrap();
    let out = renku(&env, &root, &["status"]);
    assert_code(&out, 1);
    let out = renku(&env, &root, &["status", "-i"]);
    assert_code(&out, 0);
    assert_contains(&stdout(&out), "Deleted files used to generate outputs:");
}

#[test]
fn status_ignores_removed_plans_and_overridden_runs() {
    let env = TestEnv::new();
    let root = chain(&env);
    ok(&env, &root, &["workflow", "remove", "--force", "s2"]);
    std::fs::write(root.join("in.txt"), "b\n").unwrap();
    let out = renku(&env, &root, &["status", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let outputs: Vec<&String> = v["outdated_outputs"].as_object().unwrap().keys().collect();
    assert_eq!(outputs, ["mid.txt"]);

    // A newer run that writes the same output overrides the older one.
    let env = TestEnv::new();
    let root = project(&env, &[("a.txt", "a\n"), ("b.txt", "b\n")]);
    ok(&env, &root, &["run", "cp", "a.txt", "out.txt"]);
    ok(&env, &root, &["run", "cp", "b.txt", "out.txt"]);
    std::fs::write(root.join("a.txt"), "changed\n").unwrap();
    let out = renku(&env, &root, &["status"]);
    assert_code(&out, 0);
    std::fs::write(root.join("b.txt"), "changed\n").unwrap();
    let out = renku(&env, &root, &["status"]);
    assert_code(&out, 1);
    assert_contains(&stdout(&out), "\tout.txt: b.txt\n");
}

#[test]
fn status_reports_changed_workflow_files() {
    let env = TestEnv::new();
    let root = project(
        &env,
        &[
            ("in.txt", "a\n"),
            (
                "wf.yml",
                "name: wf\nsteps:\n  copy:\n    command: cp $inputs $outputs\n    inputs:\n      - src:\n          path: in.txt\n    outputs:\n      - dst:\n          path: out.txt\n",
            ),
        ],
    );
    ok(&env, &root, &["run", "wf.yml"]);
    assert_code(&renku(&env, &root, &["status"]), 0);
    let wf = read(&root, "wf.yml").replace("name: wf", "name: wf\ndescription: changed");
    std::fs::write(root.join("wf.yml"), wf).unwrap();
    let out = renku(&env, &root, &["status"]);
    // Changed workflow files alone do not make the exit code 1.
    assert_code(&out, 0);
    assert_contains(
        &stdout(&out),
        "Outdated workflow files and their outputs(1):\n  (use `renku run [<workflow-file>]` to generate the outputs from the latest workflow file)\n\n\twf.yml: out.txt\n",
    );
}

#[test]
fn update_regenerates_a_chain_in_one_commit() {
    let env = TestEnv::new();
    let root = chain(&env);
    std::fs::write(root.join("in.txt"), "b\n").unwrap();
    env.git(&root, &["commit", "-qam", "change input"]);
    let commits = env.commit_count(&root);
    let out = renku(&env, &root, &["update", "--all"]);
    assert_success(&out);
    let text = stdout(&out);
    let s1 = text
        .find("Executing step 's1': 'cp in.txt mid.txt' ...")
        .unwrap();
    let s2 = text
        .find("Executing step 's2': 'cp mid.txt out.txt' ...")
        .unwrap();
    assert!(s1 < s2, "{text}");
    assert_eq!(read(&root, "out.txt"), "b\n");
    assert_eq!(env.commit_count(&root), commits + 1);
    assert_eq!(env.status(&root), "");
    let changed = env.changed_files(&root, "HEAD");
    assert!(changed.contains(&"mid.txt".to_string()), "{changed:?}");
    assert!(changed.contains(&"out.txt".to_string()), "{changed:?}");
    assert_eq!(
        changed
            .iter()
            .filter(|p| p.starts_with(".renku/store/activity/"))
            .count(),
        2
    );
    assert_eq!(
        env.git(&root, &["log", "-1", "--format=%s"]).trim(),
        "renku update --all"
    );
    assert_code(&renku(&env, &root, &["status"]), 0);
    // The new runs are in the log, associated with the same plans (no new plan versions).
    let log = ok(&env, &root, &["log", "--format", "json"]);
    let entries: serde_json::Value = serde_json::from_str(&log).unwrap();
    assert_eq!(entries.as_array().unwrap().len(), 4);
    assert_eq!(record_files(&root, "plan").len(), 2);
    // The two executions of one update form one activity collection.
    let collections = record_files(&root, "activity_collection");
    assert_eq!(collections.len(), 1);
    let c = read_json(&collections[0]);
    assert_eq!(c["data"]["activities"].as_array().unwrap().len(), 2);
    // Nothing left to do: exit 1 without a message.
    let out = renku(&env, &root, &["update", "--all"]);
    assert_code(&out, 1);
    assert_eq!(stdout(&out), "");
    assert_eq!(stderr(&out), "");
}

#[test]
fn update_dry_run_lists_steps_in_order_and_changes_nothing() {
    let env = TestEnv::new();
    let root = chain(&env);
    std::fs::write(root.join("in.txt"), "b\n").unwrap();
    let before = snapshot(&env, &root);
    let out = renku(&env, &root, &["update", "--dry-run"]);
    assert_success(&out);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "PLAN    DATE EXECUTED        MODIFIED INPUTS    OUTPUTS    COMMAND"
    );
    assert!(lines[2].starts_with("s1  "), "{text}");
    assert!(lines[2].contains("  in.txt  ") && lines[2].ends_with("cp in.txt mid.txt"));
    assert!(lines[3].starts_with("s2  ") && lines[3].contains("  mid.txt  "));
    assert_unchanged(&env, &root, &before, "update --dry-run");
}

#[test]
fn update_with_paths_updates_only_what_they_need() {
    let env = TestEnv::new();
    let root = chain(&env);
    std::fs::write(root.join("in.txt"), "b\n").unwrap();
    ok(&env, &root, &["update", "mid.txt"]);
    assert_eq!(read(&root, "mid.txt"), "b\n");
    assert_eq!(read(&root, "out.txt"), "a\n");
    // The input's new content was committed with the update; out.txt is still outdated.
    let out = renku(&env, &root, &["status"]);
    assert_code(&out, 1);
    assert_contains(&stdout(&out), "\tout.txt: mid.txt\n");
    assert_eq!(env.status(&root), "");
    // PATHS and --all together are refused.
    let out = renku(&env, &root, &["update", "--all", "out.txt"]);
    assert_code(&out, 2);
    assert_contains(
        &stderr(&out),
        "Cannot use PATHS and --all/-a at the same time.",
    );
}

#[test]
fn update_without_all_asks_first() {
    let env = TestEnv::new();
    let root = chain(&env);
    std::fs::write(root.join("in.txt"), "b\n").unwrap();
    let before = snapshot(&env, &root);
    // No answer (end of input): aborted.
    let out = renku(&env, &root, &["update"]);
    assert_code(&out, 1);
    assert_contains(
        &stderr(&out),
        "Updating all outputs could trigger expensive computations",
    );
    assert_unchanged(&env, &root, &before, "update aborted");
    let out = env.run_with_input(&root, &["update"], "n\n");
    assert_code(&out, 1);
    assert_unchanged(&env, &root, &before, "update declined");
    let out = env.run_with_input(&root, &["update"], "\n");
    assert_success(&out);
    assert_eq!(read(&root, "out.txt"), "b\n");
}

#[test]
fn update_of_a_diamond_runs_each_step_once() {
    let env = TestEnv::new();
    let root = project(&env, &[("in.txt", "1\n")]);
    ok(
        &env,
        &root,
        &["run", "--name", "left", "cp", "in.txt", "l.txt"],
    );
    ok(
        &env,
        &root,
        &["run", "--name", "right", "cp", "in.txt", "r.txt"],
    );
    // `join` reads both through a shell: they are declared explicitly.
    ok(
        &env,
        &root,
        &[
            "run",
            "--name",
            "join",
            "--input",
            "l.txt",
            "--input",
            "r.txt",
            "--",
            "sh",
            "-c",
            "cat l.txt r.txt > j.txt",
        ],
    );
    std::fs::write(root.join("in.txt"), "2\n").unwrap();
    let out = renku(&env, &root, &["update", "--all", "-j", "2"]);
    assert_success(&out);
    let text = stdout(&out);
    for step in ["left", "right", "join"] {
        assert_eq!(
            text.matches(&format!("Executing step '{step}'")).count(),
            1,
            "{text}"
        );
    }
    assert_eq!(read(&root, "l.txt"), "2\n");
    assert_eq!(read(&root, "r.txt"), "2\n");
    assert_eq!(read(&root, "j.txt"), "2\n2\n");
    assert!(text.find("'join'").unwrap() > text.find("'left'").unwrap());
    assert!(text.find("'join'").unwrap() > text.find("'right'").unwrap());
    assert_code(&renku(&env, &root, &["status"]), 0);
}

#[test]
fn update_handles_directory_inputs_and_outputs() {
    let env = TestEnv::new();
    let root = project(&env, &[("src/a.txt", "a\n"), ("src/b.txt", "b\n")]);
    ok(
        &env,
        &root,
        &["run", "--name", "copy", "cp", "-r", "src", "out"],
    );
    ok(
        &env,
        &root,
        &[
            "run",
            "--name",
            "count",
            "--input",
            "out",
            "--",
            "sh",
            "-c",
            "ls out > listing.txt",
        ],
    );
    std::fs::write(root.join("src/c.txt"), "c\n").unwrap();
    let out = renku(&env, &root, &["status", "--format", "json"]);
    assert_code(&out, 1);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["modified_inputs"], serde_json::json!(["src"]));
    // `cp -r src out` into an existing directory nests it; clear it so the step is repeatable.
    std::fs::remove_dir_all(root.join("out")).unwrap();
    ok(&env, &root, &["update", "--all"]);
    assert_eq!(read(&root, "out/c.txt"), "c\n");
    assert_contains(&read(&root, "listing.txt"), "c.txt");
    assert_eq!(env.status(&root), "");
    assert_code(&renku(&env, &root, &["status"]), 0);
}

#[test]
fn a_failing_step_restores_every_output_and_records_nothing() {
    let env = TestEnv::new();
    let root = project(
        &env,
        &[
            ("in.txt", "ok\n"),
            (
                "check.sh",
                "grep -q fail \"$1\" && { echo 'bad input' >&2; exit 3; }\ncp \"$1\" \"$2\"\n",
            ),
        ],
    );
    ok(
        &env,
        &root,
        &["run", "--name", "first", "cp", "in.txt", "mid.txt"],
    );
    ok(
        &env,
        &root,
        &[
            "run", "--name", "second", "sh", "check.sh", "mid.txt", "out.txt",
        ],
    );
    ok(
        &env,
        &root,
        &["run", "--name", "third", "cp", "out.txt", "final.txt"],
    );
    std::fs::write(root.join("in.txt"), "fail\n").unwrap();
    let before = snapshot(&env, &root);
    let out = renku(&env, &root, &["update", "--all", "-j", "1"]);
    assert_code(&out, 1);
    let err = stderr(&out);
    assert_contains(
        &err,
        "Execution of step 'second' returned 3 exit status which is not in [0]",
    );
    assert!(!stdout(&out).contains("Executing step 'third'"));
    // mid.txt was regenerated by the first step, then put back.
    assert_unchanged(&env, &root, &before, "failed update");
    // With concurrent steps the error quotes the end of the step's standard error.
    let out = renku(&env, &root, &["update", "--all", "-j", "2"]);
    assert_code(&out, 1);
    assert_contains(&stderr(&out), "bad input");
    assert_unchanged(&env, &root, &before, "failed parallel update");
}

#[test]
fn update_refuses_missing_inputs_that_no_step_generates() {
    let env = TestEnv::new();
    let root = project(&env, &[("in.txt", "a\n"), ("aux.txt", "x\n")]);
    ok(
        &env,
        &root,
        &[
            "run",
            "--name",
            "s1",
            "--input",
            "in.txt",
            "--",
            "sh",
            "-c",
            "cat in.txt aux.txt > out.txt",
        ],
    );
    let _ = renku(&env, &root, &["status"]);
    std::fs::write(root.join("in.txt"), "b\n").unwrap();
    std::fs::remove_file(root.join("aux.txt")).unwrap();
    let out = renku(&env, &root, &["update", "--all"]);
    // aux.txt is not a recorded input of s1, so the update runs (and the shell fails).
    assert_code(&out, 1);
    assert_contains(&stderr(&out), "Execution of step 's1' returned");
}

#[test]
fn rerun_regenerates_an_output_and_its_upstream() {
    let env = TestEnv::new();
    let root = chain(&env);
    // rerun works even when nothing changed.
    let commits = env.commit_count(&root);
    let out = renku(&env, &root, &["rerun", "out.txt"]);
    assert_success(&out);
    let text = stdout(&out);
    assert!(text.contains("Executing step 's1'") && text.contains("Executing step 's2'"));
    assert_eq!(env.commit_count(&root), commits + 1);
    // --from limits the chains.
    let out = renku(
        &env,
        &root,
        &["rerun", "--dry-run", "--from", "mid.txt", "out.txt"],
    );
    assert_success(&out);
    let text = stdout(&out);
    assert!(!text.contains("cp in.txt mid.txt"), "{text}");
    assert_contains(&text, "cp mid.txt out.txt");
    // Not generated by anything: a warning and exit 1.
    let out = renku(&env, &root, &["rerun", "in.txt"]);
    assert_code(&out, 1);
    assert_contains(
        &stderr(&out),
        "Warning: Path 'in.txt' is not generated by any workflows.",
    );
    // Missing path: usage error.
    assert_code(&renku(&env, &root, &["rerun", "nope.txt"]), 2);
}

#[test]
fn rerun_replays_removed_plans() {
    let env = TestEnv::new();
    let root = chain(&env);
    ok(&env, &root, &["workflow", "remove", "--force", "s2"]);
    std::fs::write(root.join("out.txt"), "edited\n").unwrap();
    ok(&env, &root, &["rerun", "out.txt"]);
    assert_eq!(read(&root, "out.txt"), "a\n");
}

#[test]
fn update_runs_independent_steps_concurrently() {
    let env = TestEnv::new();
    let root = project(&env, &[("in.txt", "a\n")]);
    for i in 0..3 {
        let name = format!("fan{i}");
        let out = format!("o{i}.txt");
        ok(&env, &root, &["run", "--name", &name, "cp", "in.txt", &out]);
    }
    std::fs::write(root.join("in.txt"), "b\n").unwrap();
    let out = renku(&env, &root, &["update", "--all", "-j", "3"]);
    assert_success(&out);
    for i in 0..3 {
        assert_eq!(read(&root, &format!("o{i}.txt")), "b\n");
    }
    assert_code(&renku(&env, &root, &["update", "--all", "-j", "0"]), 2);
}

#[test]
fn update_replays_recorded_parameter_values_and_streams() {
    let env = TestEnv::new();
    let root = project(&env, &[("in.txt", "1\n2\n3\n4\n")]);
    // Shell-style redirection: stdout goes to a file opened before renku starts.
    let out_file = std::fs::File::create(root.join("head.txt")).unwrap();
    let out = env
        .renku_in(&root)
        .args(["run", "--name", "hd", "head", "-n", "2", "in.txt"])
        .stdout(out_file)
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(read(&root, "head.txt"), "1\n2\n");
    std::fs::write(root.join("in.txt"), "5\n6\n7\n").unwrap();
    ok(&env, &root, &["update", "--all"]);
    assert_eq!(read(&root, "head.txt"), "5\n6\n");
}

#[test]
fn workflow_execute_runs_a_plan_with_new_values() {
    let env = TestEnv::new();
    let root = project(&env, &[("in.txt", "a\n"), ("other.txt", "o\n")]);
    ok(
        &env,
        &root,
        &["run", "--name", "copy", "cp", "in.txt", "out.txt"],
    );
    let commits = env.commit_count(&root);
    let out = renku(
        &env,
        &root,
        &[
            "workflow",
            "execute",
            "--set",
            "input-1=other.txt",
            "--set",
            "output-2=res-{:%Y}.txt",
            "--set",
            "bogus=1",
            "copy",
        ],
    );
    assert_success(&out);
    let year = chrono_year();
    assert_eq!(read(&root, &format!("res-{year}.txt")), "o\n");
    assert_contains(
        &stderr(&out),
        "Warning: Could not resolve the following parameters in \"copy\" workflow: bogus",
    );
    assert_eq!(env.commit_count(&root), commits + 1);
    assert_eq!(env.status(&root), "");
    assert_eq!(record_files(&root, "plan").len(), 1);
    // A values file works the same way.
    std::fs::write(root.join("values.yml"), "output-2: from-file.txt\n").unwrap();
    ok(
        &env,
        &root,
        &["workflow", "execute", "--values", "values.yml", "copy"],
    );
    assert_eq!(read(&root, "from-file.txt"), "a\n");
    // Unknown plans, bad values, bad values files.
    let out = renku(&env, &root, &["workflow", "execute", "nope"]);
    assert_code(&out, 1);
    assert_contains(
        &stderr(&out),
        "The specified workflow 'nope' cannot be found.",
    );
    assert_code(
        &renku(
            &env,
            &root,
            &["workflow", "execute", "--set", "novalue", "copy"],
        ),
        2,
    );
    std::fs::write(root.join("bad.yml"), "[unclosed\n").unwrap();
    assert_code(
        &renku(
            &env,
            &root,
            &["workflow", "execute", "--values", "bad.yml", "copy"],
        ),
        2,
    );
    // Reading a missing input is refused before anything runs.
    let out = renku(
        &env,
        &root,
        &[
            "workflow",
            "execute",
            "--set",
            "input-1=missing.txt",
            "copy",
        ],
    );
    assert_code(&out, 2);
    assert_contains(
        &stderr(&out),
        "Invalid input value: Input 'missing.txt' does not exist!",
    );
    // Writing the input is a cycle.
    let out = renku(
        &env,
        &root,
        &["workflow", "execute", "--set", "output-2=in.txt", "copy"],
    );
    assert_code(&out, 1);
    assert_contains(&stderr(&out), "Circular workflows are not supported");
}

fn chrono_year() -> String {
    let out = std::process::Command::new("date")
        .arg("+%Y")
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn workflow_execute_runs_the_steps_of_a_workflow_file_plan() {
    let env = TestEnv::new();
    let root = project(
        &env,
        &[
            ("in.txt", "a\n"),
            (
                "wf.yml",
                "name: pipe\nsteps:\n  first:\n    command: cp $inputs $outputs\n    inputs:\n      - src:\n          path: in.txt\n    outputs:\n      - dst:\n          path: mid.txt\n  second:\n    command: cp $inputs $outputs\n    inputs:\n      - src:\n          path: mid.txt\n    outputs:\n      - dst:\n          path: out.txt\n",
            ),
        ],
    );
    ok(&env, &root, &["run", "wf.yml"]);
    let out = ok(
        &env,
        &root,
        &[
            "workflow",
            "execute",
            "--set",
            "second.dst=final.txt",
            "pipe",
        ],
    );
    assert!(
        out.find("'pipe.first'").unwrap() < out.find("'pipe.second'").unwrap(),
        "{out}"
    );
    assert_eq!(read(&root, "final.txt"), "a\n");
}

#[test]
fn workflow_revert_restores_or_deletes_outputs() {
    let env = TestEnv::new();
    let root = chain(&env);
    std::fs::write(root.join("in.txt"), "b\n").unwrap();
    ok(&env, &root, &["update", "--all"]);
    assert_eq!(read(&root, "out.txt"), "b\n");
    let activity = latest_activity_for(&root, "out.txt");
    let out = ok(&env, &root, &["workflow", "revert", &activity]);
    assert_contains(&out, "Restored out.txt");
    assert_eq!(read(&root, "out.txt"), "a\n");
    assert_eq!(env.status(&root), "");
    // The first s2 run is the latest producer again: out.txt is outdated (mid.txt is b).
    let status = renku(&env, &root, &["status"]);
    assert_code(&status, 1);
    assert_contains(&stdout(&status), "\tout.txt: mid.txt\n");
    // Reverting again: already deleted.
    let out = renku(&env, &root, &["workflow", "revert", &activity]);
    assert_code(&out, 2);
    assert_contains(&stderr(&out), "is already deleted");
    assert_code(
        &renku(&env, &root, &["workflow", "revert", "/activities/0000"]),
        2,
    );

    // An output nothing else produced is deleted, unless something used it.
    let env = TestEnv::new();
    let root = chain(&env);
    let first = latest_activity_for(&root, "mid.txt");
    let before = snapshot(&env, &root);
    let out = renku(&env, &root, &["workflow", "revert", &first]);
    assert_code(&out, 2);
    assert_contains(
        &stderr(&out),
        "Activity has downstream dependent activities",
    );
    assert_unchanged(&env, &root, &before, "refused revert");
    let last = latest_activity_for(&root, "out.txt");
    let out = ok(&env, &root, &["workflow", "revert", "--plan", &last]);
    assert_contains(&out, "Deleted out.txt");
    assert_contains(&out, "Removed plan 's2'");
    assert!(!root.join("out.txt").exists());
    assert_eq!(env.status(&root), "");
    let ls = ok(&env, &root, &["workflow", "ls", "--format", "json"]);
    assert!(!ls.contains("\"s2\""), "{ls}");
    let outputs = ok(&env, &root, &["workflow", "outputs"]);
    assert_eq!(outputs, "mid.txt\n");
}

/// The id of the newest activity that generated `path`, read from the store's records.
fn latest_activity_for(root: &Path, path: &str) -> String {
    let mut best: Option<(String, String)> = None;
    for f in record_files(root, "activity") {
        let v = read_json(&f);
        if v["removed"] == true {
            continue;
        }
        let data = &v["data"];
        let generates = data["generations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["entity"]["path"] == path);
        if !generates {
            continue;
        }
        let ended = data["ended_at_time"].as_str().unwrap().to_string();
        let id = data["id"].as_str().unwrap().to_string();
        if best.as_ref().is_none_or(|(e, _)| ended > *e) {
            best = Some((ended, id));
        }
    }
    best.unwrap().1
}

#[test]
fn update_runs_a_project_script_recorded_by_its_path() {
    let env = TestEnv::new();
    let root = project(
        &env,
        &[
            ("script.sh", "#!/bin/sh\ncat in.txt > out.txt\n"),
            ("in.txt", "one\n"),
        ],
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            root.join("script.sh"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
        env.git(&root, &["add", "script.sh"]);
        env.git(&root, &["commit", "-qm", "executable"]);
    }
    ok(
        &env,
        &root,
        &["run", "--name", "scr", "--input", "in.txt", "./script.sh"],
    );
    assert_eq!(read(&root, "out.txt"), "one\n");
    std::fs::write(root.join("in.txt"), "two\n").unwrap();
    ok(&env, &root, &["update", "--all"]);
    assert_eq!(read(&root, "out.txt"), "two\n");
}

#[test]
fn rerun_edit_inputs_asks_for_the_inputs_the_chain_starts_from() {
    let env = TestEnv::new();
    let root = chain(&env);
    write_files(&root, &[("other.txt", "other\n")]);
    env.git(&root, &["add", "other.txt"]);
    env.git(&root, &["commit", "-qm", "other"]);
    let before = snapshot(&env, &root);
    // No answer: nothing runs.
    let out = env.run_with_input(&root, &["rerun", "--edit-inputs", "out.txt"], "");
    assert_code(&out, 1);
    assert_unchanged(&env, &root, &before, "no answer");
    // Outside the project: refused.
    let out = env.run_with_input(&root, &["rerun", "--edit-inputs", "out.txt"], "../x\n");
    assert_code(&out, 2);
    assert_unchanged(&env, &root, &before, "outside");
    // Only in.txt is asked for: mid.txt is generated by the first step.
    let out = env.run_with_input(
        &root,
        &["rerun", "--edit-inputs", "--dry-run", "out.txt"],
        "other.txt\n",
    );
    assert_success(&out);
    let err = stderr(&out);
    assert_eq!(err.matches("New value of input").count(), 1, "{err}");
    assert_contains(&err, "New value of input 'input-1' of step 's1' [in.txt]: ");
    assert_contains(&stdout(&out), "cp other.txt mid.txt");
    assert_unchanged(&env, &root, &before, "dry run");
    let out = env.run_with_input(&root, &["rerun", "--edit-inputs", "out.txt"], "other.txt\n");
    assert_success(&out);
    assert_eq!(read(&root, "out.txt"), "other\n");
    // Recorded with the new value: changing other.txt makes the chain outdated.
    std::fs::write(root.join("other.txt"), "changed\n").unwrap();
    let status = stdout(&env.run_in(&root, &["status"]));
    assert_contains(&status, "out.txt: other.txt");
}

#[test]
fn a_failed_update_restores_executable_outputs_with_their_mode() {
    use std::os::unix::fs::PermissionsExt;
    let env = TestEnv::new();
    let root = env.project_with(&[("a.txt", "hi\n")]);
    env.ok(
        &root,
        &[
            "run",
            "--name",
            "mk",
            "--input",
            "a.txt",
            "--output",
            "tool.sh",
            "--",
            "sh",
            "-c",
            "cp a.txt tool.sh && chmod +x tool.sh",
        ],
    );
    env.ok(
        &root,
        &[
            "run",
            "--name",
            "needs-hi",
            "--input",
            "tool.sh",
            "--output",
            "e.txt",
            "--",
            "sh",
            "-c",
            "grep hi tool.sh > e.txt",
        ],
    );
    std::fs::write(root.join("a.txt"), "bye\n").unwrap();
    env.git(&root, &["commit", "-qam", "no hi"]);
    let before = snapshot(&env, &root);
    // mk rewrites tool.sh, then needs-hi fails: tool.sh comes back, executable as before.
    assert_code(&env.run_in(&root, &["update", "--all"]), 1);
    assert_unchanged(&env, &root, &before, "failed update");
    let mode = std::fs::metadata(root.join("tool.sh"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o111, 0o111, "{mode:o}");
}
