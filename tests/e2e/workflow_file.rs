//! `renku run FILE.yml`: running workflow files.

use std::path::{Path, PathBuf};

use crate::common::*;

fn setup(env: &TestEnv) -> PathBuf {
    let root = env.init_project("p");
    std::fs::create_dir_all(root.join("data/collection")).unwrap();
    std::fs::write(
        root.join("data/collection/models.csv"),
        (1..=12).map(|i| format!("{i}\n")).collect::<String>(),
    )
    .unwrap();
    std::fs::write(
        root.join("data/collection/colors.csv"),
        "red\ngreen\nblue\n",
    )
    .unwrap();
    std::fs::copy(shared_data().join("workflow-file.yml"), root.join("wf.yml")).unwrap();
    env.git(&root, &["add", "data", "wf.yml"]);
    env.git(&root, &["commit", "-q", "-m", "data and workflow"]);
    root
}

fn plans(env: &TestEnv, root: &Path) -> Vec<(String, String)> {
    let out = env.run_in(root, &["workflow", "ls", "--format", "json"]);
    assert_success(&out);
    let list: Vec<serde_json::Value> = serde_json::from_str(&stdout(&out)).unwrap();
    list.iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn md5_plan_id(text: &str) -> String {
    let out = std::process::Command::new("md5sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(text.as_bytes())?;
            c.wait_with_output()
        })
        .unwrap();
    format!(
        "/plans/{}",
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .next()
            .unwrap()
    )
}

#[test]
fn dry_run_lists_the_steps_and_changes_nothing() {
    let env = TestEnv::new();
    let root = setup(&env);
    let before = env.commit_count(&root);
    let out = env.run_in(&root, &["run", "--dry-run", "wf.yml"]);
    assert_success(&out);
    // As renku-python: the warning about items missing from a command comes first, on stdout.
    assert_eq!(
        stdout(&out),
        "Warning: The following inputs/outputs/parameters didn't appear in the command of step 'line-count': 'wc -l $models-and-colors > $output':\n\
         (set 'implicit' attribute for them to 'true' if this is intentional)\n\
         \tdata/collection/models.csv\n\
         \tdata/collection/colors.csv\n\
         Will execute step 'head': head $n $models $colors > $temporary-result\n\
         Will execute step 'tail': tail $parameters intermediate > results/output.csv\n\
         Will execute step 'line-count': wc -l $models-and-colors > $output\n"
    );
    assert_eq!(env.commit_count(&root), before);
    assert_eq!(env.status(&root), "");
}

#[test]
fn running_a_workflow_file_records_every_step_in_one_commit() {
    let env = TestEnv::new();
    let root = setup(&env);
    let before = env.commit_count(&root);
    let out = env.run_in(&root, &["run", "wf.yml"]);
    assert_success(&out);
    assert_contains(
        &stdout(&out),
        "Executing step 'workflow-file.head': 'head -n10 data/collection/models.csv data/collection/colors.csv > intermediate' ...\n",
    );
    assert_eq!(env.commit_count(&root), before + 1);
    assert_eq!(
        env.git(&root, &["log", "-1", "--format=%s"]).trim(),
        "renku run wf.yml"
    );
    // Persisted outputs are committed; `intermediate` (persist: false) is left untracked.
    let files = env.git(&root, &["show", "--name-only", "--format=", "HEAD"]);
    assert!(
        files.lines().any(|f| f == "results/output.csv")
            && files.lines().any(|f| f == "results/output.csv.wc"),
        "{files}"
    );
    assert!(!files.lines().any(|f| f == "intermediate"), "{files}");
    // Three step plans and the composite plan of the file.
    assert_eq!(
        files
            .lines()
            .filter(|f| f.starts_with(".renku/store/plan/"))
            .count(),
        4,
        "{files}"
    );
    assert_eq!(
        files
            .lines()
            .filter(|f| f.starts_with(".renku/store/activity/"))
            .count(),
        3,
        "{files}"
    );
    assert_eq!(env.status(&root), "?? intermediate\n");
    // `tail -n5` of `head -n10 models colors` (head prints file headers for two files).
    assert_eq!(
        std::fs::read_to_string(root.join("results/output.csv")).unwrap(),
        "\n==> data/collection/colors.csv <==\nred\ngreen\nblue\n"
    );
    assert_eq!(
        std::fs::read_to_string(root.join("results/output.csv.wc")).unwrap(),
        "5 results/output.csv\n"
    );

    // Plan ids derive from the file and step names; the whole file is a composite plan.
    let ids = plans(&env, &root);
    assert_eq!(
        ids.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
        [
            "workflow-file",
            "workflow-file.head",
            "workflow-file.line-count",
            "workflow-file.tail"
        ]
    );
    for (name, id) in &ids {
        let expected = match name.strip_prefix("workflow-file.") {
            Some(step) => md5_plan_id(&format!("wf.yml::{step}")),
            None => md5_plan_id("wf.yml"),
        };
        assert_eq!(*id, expected, "{name}");
    }
    let shown = stdout(&env.run_in(&root, &["workflow", "show", "workflow-file"]));
    assert_contains(
        &shown,
        "Path: wf.yml\nSteps:\n\t- workflow-file.head:\n\t\tId: ",
    );
    assert_contains(&shown, "\t- workflow-file.tail:\n");
    // The composite exports as a CWL workflow of its steps.
    let exported = stdout(&env.run_in(&root, &["workflow", "export", "workflow-file"]));
    assert_contains(&exported, "class: Workflow\n");
    assert_contains(&exported, "  step_2:\n");

    // An unchanged file reuses the plans: only activities are added.
    assert_success(&env.run_in(&root, &["run", "wf.yml"]));
    let files = env.git(&root, &["show", "--name-only", "--format=", "HEAD"]);
    assert_eq!(
        files
            .lines()
            .filter(|f| f.starts_with(".renku/store/plan/"))
            .count(),
        0,
        "{files}"
    );
    assert_eq!(
        files
            .lines()
            .filter(|f| f.starts_with(".renku/store/activity/"))
            .count(),
        3,
        "{files}"
    );
    assert_eq!(plans(&env, &root), ids);

    // A changed step gets a new plan version; the others keep theirs.
    let text = std::fs::read_to_string(root.join("wf.yml"))
        .unwrap()
        .replace("value: 5", "value: 3");
    std::fs::write(root.join("wf.yml"), text).unwrap();
    let out = env.run_in(&root, &["run", "wf.yml", "tail"]);
    assert_success(&out);
    let files = env.git(&root, &["show", "--name-only", "--format=", "HEAD"]);
    assert!(
        files.lines().any(|f| f == "wf.yml"),
        "the changed workflow file is committed: {files}"
    );
    let after = plans(&env, &root);
    let tail_before = &ids
        .iter()
        .find(|(n, _)| n == "workflow-file.tail")
        .unwrap()
        .1;
    let tail_after = &after
        .iter()
        .find(|(n, _)| n == "workflow-file.tail")
        .unwrap()
        .1;
    assert_ne!(tail_before, tail_after);
    let shown = stdout(&env.run_in(&root, &["workflow", "show", "workflow-file.tail"]));
    assert_contains(
        &shown,
        "Command: tail -n3 intermediate > results/output.csv",
    );
    assert_eq!(
        after
            .iter()
            .filter(|(n, _)| n != "workflow-file.tail")
            .collect::<Vec<_>>(),
        ids.iter()
            .filter(|(n, _)| n != "workflow-file.tail")
            .collect::<Vec<_>>()
    );
    assert_code(&env.run_in(&root, &["doctor"]), 0);
    let log: Vec<serde_json::Value> =
        serde_json::from_str(&stdout(&env.run_in(&root, &["log", "--format", "json"]))).unwrap();
    assert_eq!(log.len(), 7);
}

#[test]
fn selected_steps_no_commit_and_failures() {
    let env = TestEnv::new();
    let root = setup(&env);
    let before = env.commit_count(&root);
    // Unknown step: exit 2, nothing ran.
    let out = env.run_in(&root, &["run", "wf.yml", "head", "nope"]);
    assert_code(&out, 2);
    assert_contains(&stderr(&out), "Cannot find steps: nope");
    assert!(!root.join("intermediate").exists());

    // --no-commit runs the step and records nothing.
    let out = env.run_in(&root, &["run", "--no-commit", "wf.yml", "head"]);
    assert_success(&out);
    assert!(root.join("intermediate").exists());
    assert_eq!(env.commit_count(&root), before);
    assert!(!root.join(".renku/store/plan").exists());

    // A failing step: exit 1, names the step, nothing recorded.
    let wf = "name: failing\nsteps:\n  ok:\n    command: touch $out\n    outputs:\n      out:\n        path: made.txt\n  bad:\n    command: sh -c 'exit 3'\n";
    std::fs::write(root.join("fail.yml"), wf).unwrap();
    let out = env.run_in(&root, &["run", "fail.yml"]);
    assert_code(&out, 1);
    assert_contains(
        &stderr(&out),
        "Step 'bad' failed: the command returned exit status 3.",
    );
    assert_eq!(env.commit_count(&root), before);
    assert!(!root.join(".renku/store/plan").exists());

    // A missing input: exit 1 before running anything.
    let wf = "name: missing\nsteps:\n  s1:\n    command: cat $x\n    inputs:\n      x:\n        path: absent.txt\n";
    std::fs::write(root.join("missing.yml"), wf).unwrap();
    let out = env.run_in(&root, &["run", "missing.yml"]);
    assert_code(&out, 1);
    assert_contains(&stderr(&out), "'absent.txt' does not exist");

    // A malformed file: exit 2 with file and line.
    std::fs::write(
        root.join("bad.yml"),
        "name: bad\nsteps:\n  s1:\n    commnd: echo\n",
    )
    .unwrap();
    let out = env.run_in(&root, &["run", "bad.yml"]);
    assert_code(&out, 1);
    assert_contains(
        &stderr(&out),
        "bad.yml:4: Invalid attributes for step 's1': commnd",
    );
    assert_eq!(env.commit_count(&root), before);
}

#[test]
fn steps_see_their_values_in_renku_env_variables() {
    let env = TestEnv::new();
    let root = setup(&env);
    let wf = "name: envs\nsteps:\n  show:\n    command: sh -c 'echo $RENKU_ENV_n $RENKU_ENV_models > env.txt'\n    inputs:\n      models:\n        path: data/collection/models.csv\n        implicit: true\n    outputs:\n      out:\n        path: env.txt\n        implicit: true\n    parameters:\n      n:\n        value: 7\n        implicit: true\n";
    std::fs::write(root.join("envs.yml"), wf).unwrap();
    let out = env.run_in(&root, &["run", "envs.yml"]);
    assert_success(&out);
    assert_eq!(
        std::fs::read_to_string(root.join("env.txt")).unwrap(),
        "7 data/collection/models.csv\n"
    );
}

#[test]
fn output_directories_are_created_and_short_names_accepted() {
    let env = TestEnv::new();
    let root = setup(&env);
    // `cp` does not create `work/`; the step's output directory is made before it runs.
    let wf = "name: t\nsteps:\n  s:\n    command: cp $in $out\n    inputs:\n      in:\n        path: data/collection/colors.csv\n    outputs:\n      out:\n        path: work/deep/colors.csv\n";
    std::fs::write(root.join("short.yml"), wf).unwrap();
    let out = env.run_in(&root, &["run", "short.yml"]);
    assert_success(&out);
    assert_contains(
        &stdout(&out),
        "Executing step 't.s': 'cp data/collection/colors.csv work/deep/colors.csv' ...",
    );
    assert_eq!(
        std::fs::read_to_string(root.join("work/deep/colors.csv")).unwrap(),
        "red\ngreen\nblue\n"
    );
    let files = env.git(&root, &["show", "--name-only", "--format=", "HEAD"]);
    assert!(
        files.lines().any(|f| f == "work/deep/colors.csv"),
        "{files}"
    );
    assert_success(&env.run_in(&root, &["workflow", "show", "t.s"]));
}

#[test]
fn workflow_name_must_not_collide_with_another_plan() {
    let env = TestEnv::new();
    let root = setup(&env);
    assert_success(&env.run_in(
        &root,
        &["run", "--no-output", "--name", "workflow-file", "true"],
    ));
    let before = env.commit_count(&root);
    let out = env.run_in(&root, &["run", "wf.yml"]);
    assert_code(&out, 1);
    assert_contains(
        &stderr(&out),
        "Duplicate workflow file name: Workflow 'workflow-file' already exists.",
    );
    assert_eq!(env.commit_count(&root), before);
}

/// The workflow-file activity collections recorded so far, oldest first.
fn collections(root: &Path) -> Vec<serde_json::Value> {
    let mut out: Vec<serde_json::Value> = record_files(root, "workflow_file_activity_collection")
        .iter()
        .map(|f| read_json(f)["data"].clone())
        .collect();
    out.sort_by(|a, b| {
        a["started_at_time"]
            .as_str()
            .cmp(&b["started_at_time"].as_str())
    });
    out
}

/// Activity ids of every activity record, by the plan they executed.
fn activities_by_plan(root: &Path) -> Vec<(String, String)> {
    record_files(root, "activity")
        .iter()
        .map(|f| {
            let d = read_json(f)["data"].clone();
            (
                d["plan_id"].as_str().unwrap().to_string(),
                d["id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn each_execution_of_a_file_is_recorded_as_an_activity_collection() {
    let env = TestEnv::new();
    let root = setup(&env);
    assert_success(&env.run_in(&root, &["run", "wf.yml"]));
    let root_id = md5_plan_id("wf.yml");
    let cs = collections(&root);
    assert_eq!(cs.len(), 1, "{cs:?}");
    let c = &cs[0];
    let hex = c["id"]
        .as_str()
        .unwrap()
        .strip_prefix("/workflow-file-activity-collection/")
        .unwrap();
    assert_eq!(hex.len(), 32);
    assert_eq!(c["plan_id"], root_id.as_str());
    assert_eq!(
        c["agent"]["name"],
        format!("renku {}", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(c["person"]["email"], "jane.doe@example.org");
    // The collection lists the three step activities, in execution order.
    let by_plan = activities_by_plan(&root);
    let expected: Vec<String> = ["head", "tail", "line-count"]
        .iter()
        .map(|s| {
            let plan = md5_plan_id(&format!("wf.yml::{s}"));
            by_plan.iter().find(|(p, _)| *p == plan).unwrap().1.clone()
        })
        .collect();
    let listed: Vec<String> = c["activities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    assert_eq!(listed, expected);
    assert!(c["started_at_time"].as_str() <= c["ended_at_time"].as_str());
    // Committed with the run, and consistent for `renku doctor`.
    let files = env.changed_files(&root, "HEAD");
    assert!(
        files
            .iter()
            .any(|f| f.starts_with(".renku/store/workflow_file_activity_collection/")),
        "{files:?}"
    );
    let out = env.run_in(&root, &["doctor"]);
    assert_success(&out);

    // Running one step again: a second collection with one activity, for the same composite.
    assert_success(&env.run_in(&root, &["run", "wf.yml", "tail"]));
    let cs = collections(&root);
    assert_eq!(cs.len(), 2);
    assert_eq!(cs[1]["plan_id"], root_id.as_str());
    assert_eq!(cs[1]["activities"].as_array().unwrap().len(), 1);
    // --no-commit and --dry-run record none.
    assert_success(&env.run_in(&root, &["run", "--no-commit", "wf.yml"]));
    assert_success(&env.run_in(&root, &["run", "--dry-run", "wf.yml"]));
    assert_eq!(collections(&root).len(), 2);
    // `renku log` lists activities only, as renku-python does.
    let out = env.run_in(&root, &["log", "--format", "json"]);
    assert_success(&out);
    let log: Vec<serde_json::Value> = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(log.len(), 4);
    assert!(log.iter().all(|e| e["type"] == "Run"), "{log:?}");
}

#[test]
fn running_some_steps_of_a_new_file_records_its_composite_plan() {
    let env = TestEnv::new();
    let root = setup(&env);
    assert_success(&env.run_in(&root, &["run", "wf.yml", "head"]));
    // The composite of the whole file exists, with the plans of all three steps.
    let ids = plans(&env, &root);
    let names: Vec<&str> = ids.iter().map(|(n, _)| n.as_str()).collect();
    for n in [
        "workflow-file",
        "workflow-file.head",
        "workflow-file.tail",
        "workflow-file.line-count",
    ] {
        assert!(names.contains(&n), "{names:?}");
    }
    let cs = collections(&root);
    assert_eq!(cs.len(), 1);
    assert_eq!(cs[0]["plan_id"], md5_plan_id("wf.yml").as_str());
    // Only the step that ran has an activity.
    assert_eq!(record_files(&root, "activity").len(), 1);
    // Running the rest later reuses the step plans and the composite.
    assert_success(&env.run_in(&root, &["run", "wf.yml"]));
    assert_eq!(plans(&env, &root), ids);
    assert_eq!(
        collections(&root)[1]["plan_id"],
        md5_plan_id("wf.yml").as_str()
    );
    assert_success(&env.run_in(&root, &["doctor"]));
}

#[test]
fn step_plans_have_renku_pythons_ids_and_no_creators() {
    let env = TestEnv::new();
    let root = env.init_project("p");
    std::fs::create_dir_all(root.join("data/collection")).unwrap();
    std::fs::write(root.join("data/collection/models.csv"), "1\n2\n3\n").unwrap();
    std::fs::copy(
        shared_data().join("workflow-file-simple.yml"),
        root.join("wf.yml"),
    )
    .unwrap();
    std::fs::write(root.join("data/collection/colors.csv"), "red\n").unwrap();
    env.git(&root, &["add", "data", "wf.yml"]);
    env.git(&root, &["commit", "-q", "-m", "data and workflow"]);
    assert_success(&env.run_in(&root, &["run", "wf.yml"]));
    let nt = env.ok(&root, &["graph", "export", "--full", "--format", "nt"]);
    let triples: Vec<&str> = nt.lines().filter(|l| l.contains("/plans/")).collect();
    // Unnamed parameters are numbered within their kind; the file names none of them.
    for id in ["/inputs/1>", "/inputs/2>", "/outputs/1>", "/parameters/1>"] {
        assert!(triples.iter().any(|t| t.contains(id)), "{id} in\n{nt}");
    }
    assert!(
        !triples.iter().any(|t| t.contains("/inputs/input-")),
        "{nt}"
    );
    // renku-python gives workflow-file plans no creators and no encoding formats.
    assert!(
        !triples
            .iter()
            .any(|t| t.starts_with("<https://localhost/plans/")
                && t.contains("<http://schema.org/creator>")),
        "{nt}"
    );
    assert!(!nt.contains("encodingFormat"), "{nt}");
    // `results/output.csv` did not exist before and is in a sub-directory.
    let output = triples
        .iter()
        .find(|t| t.contains("defaultValue> \"results/output.csv\"") && t.contains("/outputs/"))
        .and_then(|t| t.split_whitespace().next())
        .unwrap_or_else(|| panic!("the output of tail in\n{nt}"));
    assert!(
        nt.lines()
            .any(|l| l.starts_with(output) && l.contains("#createFolder> \"true\"")),
        "{nt}"
    );
}
