//! `renku gc`, `renku doctor` and `renku rollback`.

use std::path::Path;

use crate::common::*;

#[test]
fn gc_removes_cache_and_tmp() {
    let env = TestEnv::new();
    let root = env.init_project("p");
    assert_code(&env.run_in(&root, &["project", "show"]), 0);
    assert!(root.join(".renku/cache/store-index.json").is_file());
    std::fs::create_dir_all(root.join(".renku/tmp/sub")).unwrap();
    std::fs::write(root.join(".renku/tmp/sub/scratch"), "x").unwrap();
    let head = env.head(&root);
    let status = env.status(&root);

    let out = env.run_in(&root, &["gc"]);
    assert_code(&out, 0);
    assert!(!root.join(".renku/cache").exists());
    assert!(!root.join(".renku/tmp").exists());
    // Nothing tracked was touched.
    assert!(root.join(".renku/store/format.json").is_file());
    assert!(root.join(".renku/renku.ini").is_file());
    assert_eq!(env.head(&root), head);
    assert_eq!(env.status(&root), status);

    // Twice is fine; and the cache comes back when needed.
    assert_code(&env.run_in(&root, &["gc"]), 0);
    let out = env.run_in(&root, &["project", "show"]);
    assert_code(&out, 0);
    assert_contains(&stdout(&out), "Id: /projects/jane.doe/p\n");
    assert!(root.join(".renku/cache").exists());
}

#[test]
fn doctor_on_a_fresh_project() {
    let env = TestEnv::new();
    let root = env.init_project("p");
    let snap = snapshot(&env, &root);
    let out = env.run_in(&root, &["doctor"]);
    assert_code(&out, 0);
    assert_contains(&stdout(&out), "Everything seems to be ok.");
    assert!(!stderr(&out).contains("Warning"), "{}", stderr(&out));
    assert_eq!(env.head(&root), snap.0.trim());
    assert_eq!(env.status(&root), "");
}

/// The only project record of a fresh project, relative to `root`.
fn only_record(root: &Path) -> String {
    let records = record_files(root, "project");
    assert_eq!(records.len(), 1);
    records[0]
        .strip_prefix(root)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string()
}

#[test]
fn doctor_reports_a_damaged_committed_record() {
    let env = TestEnv::new();
    let root = env.init_project("p");
    let record = only_record(&root);
    let full = root.join(&record);
    let text = std::fs::read(&full).unwrap();
    // Truncated, as a half-written file would be.
    std::fs::write(&full, &text[..text.len() / 2]).unwrap();
    env.git(&root, &["commit", "-qam", "damage"]);

    let out = env.run_in(&root, &["doctor"]);
    assert_code(&out, 1);
    let err = stderr(&out);
    assert!(
        err.lines()
            .any(|l| l.starts_with("Warning:") && l.contains(&record)),
        "{err}"
    );
    assert_contains(
        &stdout(&out),
        "Run with '--fix' flag to try and fix these issues.",
    );
    assert!(!stdout(&out).contains("Everything seems to be ok."));

    // Garbage instead of JSON is reported the same way.
    std::fs::write(&full, "\u{0}\u{1}garbage").unwrap();
    let out = env.run_in(&root, &["doctor"]);
    assert_code(&out, 1);
    assert_contains(&stderr(&out), &record);
    // Reading the project fails with an error that names the file, not a panic.
    let out = env.run_in(&root, &["project", "show"]);
    assert_code(&out, 1);
    assert_contains(&stderr(&out), "Error: ");
    assert_contains(&stderr(&out), &record);
}

#[test]
fn doctor_reports_an_uncommitted_record() {
    let env = TestEnv::new();
    let root = env.init_project("p");
    let record = read_json(&root.join(only_record(&root)));
    // A well-formed, later version of the project that was never committed.
    let version = "abcdefabcdefabcdefabcdefabcdefab";
    let mut extra = record.clone();
    extra["version_id"] = version.into();
    extra["derived_from"] = record["version_id"].clone();
    extra["data"]["description"] = "stray".into();
    let rel = format!(".renku/store/project/ab/{version}.json");
    std::fs::create_dir_all(root.join(".renku/store/project/ab")).unwrap();
    std::fs::write(
        root.join(&rel),
        serde_json::to_string_pretty(&extra).unwrap() + "\n",
    )
    .unwrap();

    let out = env.run_in(&root, &["doctor"]);
    assert_code(&out, 1);
    let err = stderr(&out);
    assert!(
        err.lines()
            .any(|l| l.starts_with("Warning:") && l.contains(&rel) && l.contains("not committed")),
        "{err}"
    );
    std::fs::remove_file(root.join(&rel)).unwrap();
    let out = env.run_in(&root, &["doctor"]);
    assert_code(&out, 0);
}

#[test]
fn doctor_force_requires_fix() {
    let env = TestEnv::new();
    let root = env.init_project("p");
    for flag in ["--force", "-f"] {
        let out = env.run_in(&root, &["doctor", flag]);
        assert_code(&out, 2);
        assert_contains(&stderr(&out), "--fix");
    }
    let out = env.run_in(&root, &["doctor", "--fix", "--force"]);
    assert_code(&out, 0);
}

#[test]
fn doctor_fix_rebuilds_the_cache() {
    let env = TestEnv::new();
    let root = env.init_project("p");
    let index = root.join(".renku/cache/store-index.json");
    let head = env.head(&root);

    // Deleted.
    assert_code(&env.run_in(&root, &["project", "show"]), 0);
    assert!(index.is_file());
    std::fs::remove_file(&index).unwrap();
    let out = env.run_in(&root, &["doctor", "--fix"]);
    assert_code(&out, 0);
    assert_contains(&stdout(&out), "Everything seems to be ok.");
    assert_contains(&stderr(&out), "rebuilt the metadata cache");
    let cache = read_json(&index);
    let record = read_json(&root.join(only_record(&root)));
    let version = record["version_id"].as_str().unwrap();
    assert!(
        cache["entries"]["project"].get(version).is_some(),
        "{cache}"
    );

    // Garbled.
    std::fs::write(&index, "{ this is not json").unwrap();
    let out = env.run_in(&root, &["doctor", "--fix"]);
    assert_code(&out, 0);
    let cache = read_json(&index);
    assert!(cache["entries"]["project"].get(version).is_some());

    // The cache is derived: no commit, clean repository.
    assert_eq!(env.head(&root), head);
    assert_eq!(env.status(&root), "");
    let out = env.run_in(&root, &["project", "show"]);
    assert_contains(&stdout(&out), "Id: /projects/jane.doe/p\n");
}

#[test]
fn garbled_cache_is_rebuilt_transparently() {
    let env = TestEnv::new();
    let root = env.init_project("p");
    assert_code(&env.run_in(&root, &["project", "edit", "-d", "first"]), 0);
    let index = root.join(".renku/cache/store-index.json");
    assert_code(&env.run_in(&root, &["project", "show"]), 0);
    std::fs::write(&index, "garbage").unwrap();
    let out = env.run_in(&root, &["project", "show"]);
    assert_code(&out, 0);
    assert_contains(&stdout(&out), "Description: first\n");
    // A stale cache (one version behind) is noticed too.
    std::fs::copy(&index, root.join("../index-copy.json")).unwrap();
    assert_code(&env.run_in(&root, &["project", "edit", "-d", "second"]), 0);
    std::fs::copy(root.join("../index-copy.json"), &index).unwrap();
    let out = env.run_in(&root, &["project", "show"]);
    assert_contains(&stdout(&out), "Description: second\n");
}

/// A project with three checkpoints: init, `project edit -d x`, `config set a.b c`.
fn project_with_history(env: &TestEnv) -> (std::path::PathBuf, Vec<String>) {
    let root = env.init_project("p");
    assert_code(&env.run_in(&root, &["project", "edit", "-d", "x"]), 0);
    assert_code(&env.run_in(&root, &["config", "set", "a.b", "c"]), 0);
    let commits: Vec<String> = env
        .git(&root, &["rev-list", "HEAD"])
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(commits.len(), 3);
    (root, commits)
}

#[test]
fn rollback_lists_checkpoints_newest_first() {
    let env = TestEnv::new();
    let (root, commits) = project_with_history(&env);
    let out = env.run_with_input(&root, &["rollback"], "q\n");
    assert_code(&out, 0);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().filter(|l| l.starts_with('[')).collect();
    assert_eq!(lines.len(), 3, "{text}");
    for (i, (line, (commit, msg))) in lines
        .iter()
        .zip(commits.iter().zip([
            "renku config set a.b c",
            "renku project edit -d x",
            "renku init -t minimal p",
        ]))
        .enumerate()
    {
        assert!(line.starts_with(&format!("[{i}] ")), "{line}");
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(fields.len(), 3, "{line}");
        assert_eq!(fields[1], &commit[..7], "{line}");
        assert_eq!(fields[2], msg, "{line}");
    }
    assert_contains(&stderr(&out), "Checkpoint ([q] to quit) [q]: ");
}

#[test]
fn rollback_to_a_checkpoint() {
    let env = TestEnv::new();
    let (root, commits) = project_with_history(&env);
    let out = env.run_with_input(&root, &["rollback"], "1\ny\n");
    assert_code(&out, 0);
    let text = stdout(&out);
    assert_contains(&stderr(&out), "Proceed? [y/N]");
    assert_contains(&text, ".renku/renku.ini");
    assert!(text.trim_end().ends_with("OK"), "{text}");
    assert_eq!(env.head(&root), commits[1]);
    assert_eq!(env.status(&root), "");
    assert_code(&env.run_in(&root, &["config", "show", "a.b"]), 2);
    let out = env.run_in(&root, &["project", "show"]);
    assert_contains(&stdout(&out), "Description: x\n");

    // Back to the initial commit: the description is gone too.
    let out = env.run_with_input(&root, &["rollback"], "1\ny\n");
    assert_code(&out, 0);
    assert_contains(&stdout(&out), "Metadata:");
    assert_eq!(env.head(&root), commits[2]);
    let out = env.run_in(&root, &["project", "show"]);
    assert_contains(&stdout(&out), "Description: None\n");
    assert_eq!(record_files(&root, "project").len(), 1);
    assert_eq!(env.status(&root), "");
}

#[test]
fn rollback_to_the_latest_checkpoint_is_a_noop() {
    let env = TestEnv::new();
    let (root, _) = project_with_history(&env);
    let snap = snapshot(&env, &root);
    let out = env.run_with_input(&root, &["rollback"], "0\n");
    assert_code(&out, 0);
    assert_contains(
        &stdout(&out),
        "There would be no changes rolling back to the selected command, exiting.",
    );
    assert_unchanged(&env, &root, &snap, "");
}

#[test]
fn rollback_quit_or_decline_changes_nothing() {
    let env = TestEnv::new();
    let (root, _) = project_with_history(&env);
    let snap = snapshot(&env, &root);
    // Quit at the checkpoint prompt (explicitly, by default, at end of input).
    for input in ["q\n", "\n", ""] {
        let out = env.run_with_input(&root, &["rollback"], input);
        assert_code(&out, 0);
        assert_unchanged(&env, &root, &snap, &format!("{input:?}"));
    }
    // Decline at the confirmation.
    for input in ["1\nn\n", "1\n\n", "1\n"] {
        let out = env.run_with_input(&root, &["rollback"], input);
        assert_code(&out, 1);
        assert_contains(&stderr(&out), "Aborted!");
        assert_unchanged(&env, &root, &snap, &format!("{input:?}"));
    }
    // A choice that is not offered.
    for input in ["7\n", "zz\n"] {
        let out = env.run_with_input(&root, &["rollback"], input);
        assert_ne!(code(&out), 0, "{input:?}");
        assert_unchanged(&env, &root, &snap, &format!("{input:?}"));
    }
}

#[test]
fn rollback_refuses_a_dirty_repository() {
    let env = TestEnv::new();
    let (root, _) = project_with_history(&env);
    std::fs::write(root.join("dirty.txt"), "x\n").unwrap();
    let snap = snapshot(&env, &root);
    let out = env.run_with_input(&root, &["rollback"], "1\ny\n");
    assert_code(&out, 1);
    assert_contains(&stderr(&out), "The repository is dirty");
    assert_unchanged(&env, &root, &snap, "");
}

#[test]
fn rollback_ignores_commits_without_transaction() {
    let env = TestEnv::new();
    let (root, commits) = project_with_history(&env);
    std::fs::write(root.join("plain.txt"), "x\n").unwrap();
    env.git(&root, &["add", "plain.txt"]);
    env.git(&root, &["commit", "-qm", "a plain git commit"]);
    let out = env.run_with_input(&root, &["rollback"], "q\n");
    let text = stdout(&out);
    assert!(!text.contains("a plain git commit"), "{text}");
    assert_contains(&text, "[0] ");
    assert_contains(&text, &commits[0][..7]);
    // Rolling back to the newest checkpoint drops the plain commit.
    let out = env.run_with_input(&root, &["rollback"], "0\ny\n");
    assert_code(&out, 0);
    assert_eq!(env.head(&root), commits[0]);
    assert!(!root.join("plain.txt").exists());
}

/// Rewrites the record at `path` with `edit` applied to its `data`, in the store's canonical
/// encoding (sorted keys, two-space indentation, one trailing newline).
fn edit_record(path: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let mut record = read_json(path);
    edit(&mut record["data"]);
    let text = serde_json::to_string_pretty(&record).unwrap() + "\n";
    std::fs::write(path, text).unwrap();
}

#[test]
fn doctor_reports_references_to_nodes_the_graph_lacks() {
    let env = TestEnv::new();
    let root = env.project_with(&[("in.txt", "a\n")]);
    env.ok_to_file(
        &root,
        &["run", "--name", "count", "wc", "-l", "in.txt"],
        "out.txt",
    );
    let out = env.run_in(&root, &["doctor"]);
    assert_code(&out, 0);

    // An activity whose plan is not in the project (a hand edit, a bad merge).
    let activity = record_files(&root, "activity").pop().unwrap();
    edit_record(&activity, |a| {
        a["plan_id"] = serde_json::json!("/plans/0123456789abcdef0123456789abcdef");
    });
    env.git(&root, &["commit", "-q", "--no-verify", "-am", "hand edits"]);

    let snap = snapshot(&env, &root);
    let out = env.run_in(&root, &["doctor"]);
    assert_code(&out, 1);
    let err = stderr(&out);
    assert_contains(&err, "prov:hadPlan of https://localhost/activities/");
    assert_contains(
        &err,
        "refers to https://localhost/plans/0123456789abcdef0123456789abcdef, which is not in the project's graph",
    );
    assert_unchanged(&env, &root, &snap, "doctor without --fix");
}
