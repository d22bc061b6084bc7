//! `renku project show` and `renku project edit`.

use std::path::{Path, PathBuf};

use crate::common::*;

fn show_json(env: &TestEnv, root: &Path) -> serde_json::Value {
    let out = env.run_in(root, &["project", "show", "--format", "json"]);
    assert_code(&out, 0);
    serde_json::from_str(&stdout(&out)).unwrap()
}

#[test]
fn show_text() {
    let env = TestEnv::new();
    let out = env.run(&[
        "init",
        "-t",
        "minimal",
        "-k",
        "k1",
        "-k",
        "k2",
        "--description",
        "D",
        "p",
    ]);
    assert_code(&out, 0);
    let root = env.work().join("p");
    let out = env.run_in(&root, &["project", "show"]);
    assert_code(&out, 0);
    assert_eq!(stderr(&out), "");
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "Id: /projects/jane.doe/p");
    assert_eq!(lines[1], "Name: p");
    assert_eq!(lines[2], "Description: D");
    assert_eq!(lines[3], "Creator: Jane Doe <jane.doe@example.org>");
    assert!(lines[4].starts_with("Created: "), "{text}");
    assert_eq!(lines[5], "Keywords: k1, k2");
    assert_eq!(
        lines[6],
        format!("Renku Version: {}", env!("CARGO_PKG_VERSION"))
    );
    assert!(
        lines[7].starts_with("Project Template: minimal ("),
        "{text}"
    );
    assert_eq!(lines[8], "SSH Supported: True");
    assert!(!text.contains("Annotations:"), "{text}");
}

#[test]
fn show_json_format() {
    let env = TestEnv::new();
    let root = env.init_project("p");
    let json = show_json(&env, &root);
    assert_eq!(json["id"], "/projects/jane.doe/p");
    assert_eq!(json["name"], "p");
    assert_eq!(json["creator"]["name"], "Jane Doe");
    assert_eq!(json["creator"]["email"], "jane.doe@example.org");
    assert_eq!(json["keywords"], serde_json::json!([]));
    assert_eq!(json["agent_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(json["template"]["id"], "minimal");
    assert_eq!(json["annotations"], serde_json::json!([]));
    assert!(json["date_created"].as_str().unwrap().starts_with("20"));
    let out = env.run_in(&root, &["project", "show", "--format", "yaml"]);
    assert_code(&out, 2);
}

#[test]
fn namespace_is_the_local_part_of_the_email() {
    let env = TestEnv::new();
    std::fs::write(
        env.home().join(".gitconfig"),
        "[user]\n\tname = Max Muster\n\temail = max.m@uni.example.ch\n[init]\n\tdefaultBranch = main\n",
    )
    .unwrap();
    let root = env.init_project("Some Project");
    let out = env.run_in(&root, &["project", "show"]);
    let text = stdout(&out);
    assert_contains(&text, "Id: /projects/max.m/some-project\n");
    assert_contains(&text, "Name: Some Project\n");
    assert_contains(&text, "Creator: Max Muster <max.m@uni.example.ch>\n");

    // The id is a slug of the name.
    let out = env.run(&["init", "-t", "minimal", "--name", "Mein Projekt ü!", "uni"]);
    assert_code(&out, 0);
    let out = env.run_in(&env.work().join("uni"), &["project", "show"]);
    assert_contains(&stdout(&out), "Id: /projects/max.m/mein-projekt-u\n");
    assert_contains(&stdout(&out), "Name: Mein Projekt ü!\n");
}

/// Runs a `project edit` that must create exactly one commit with one new project record
/// derived from the previous one; returns the new record.
#[track_caller]
fn edit_once(env: &TestEnv, root: &Path, args: &[&str], updated: &str) -> serde_json::Value {
    let before: Vec<PathBuf> = record_files(root, "project");
    let latest_before = latest_record(&before);
    let head = env.head(root);

    let mut all = vec!["project", "edit"];
    all.extend(args);
    let out = env.run_in(root, &all);
    assert_code(&out, 0);
    assert_eq!(
        stdout(&out).trim(),
        format!("Successfully updated: {updated}.")
    );

    assert_eq!(env.git(root, &["rev-parse", "HEAD^"]).trim(), head);
    let message = env.git(root, &["log", "-1", "--format=%B"]);
    assert!(
        message.starts_with(&format!("renku {}\n\nrenku-transaction: ", all.join(" "))),
        "{message}"
    );
    let after = record_files(root, "project");
    assert_eq!(after.len(), before.len() + 1);
    let new: Vec<&PathBuf> = after.iter().filter(|p| !before.contains(p)).collect();
    assert_eq!(new.len(), 1);
    let rel = new[0]
        .strip_prefix(root)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(env.changed_files(root, "HEAD"), vec![rel]);
    let record = read_json(new[0]);
    assert_eq!(record["kind"], "project");
    assert_eq!(record["derived_from"], latest_before["version_id"]);
    assert_eq!(record["object_id"], latest_before["object_id"]);
    assert_eq!(env.status(root), "");
    record
}

/// The record no other record derives from.
fn latest_record(files: &[PathBuf]) -> serde_json::Value {
    let records: Vec<serde_json::Value> = files.iter().map(|f| read_json(f)).collect();
    let mut tips: Vec<&serde_json::Value> = records
        .iter()
        .filter(|r| !records.iter().any(|o| o["derived_from"] == r["version_id"]))
        .collect();
    assert_eq!(tips.len(), 1, "not a single chain of versions");
    tips.pop().unwrap().clone()
}

#[test]
fn edit_each_field() {
    let env = TestEnv::new();
    let root = env.init_project("p");

    let r = edit_once(&env, &root, &["-d", "A description"], "description");
    assert_eq!(r["data"]["description"], "A description");
    assert_contains(
        &stdout(&env.run_in(&root, &["project", "show"])),
        "Description: A description\n",
    );

    let r = edit_once(&env, &root, &["-k", "a", "-k", "b"], "keywords");
    assert_eq!(r["data"]["keywords"], serde_json::json!(["a", "b"]));
    // Keywords are replaced, not added to.
    let r = edit_once(&env, &root, &["-k", "c"], "keywords");
    assert_eq!(r["data"]["keywords"], serde_json::json!(["c"]));
    assert_contains(
        &stdout(&env.run_in(&root, &["project", "show"])),
        "Keywords: c\n",
    );

    let r = edit_once(
        &env,
        &root,
        &["-c", "John Smith <john@example.com> [ETH Zurich]"],
        "creator",
    );
    assert_eq!(r["data"]["creator"]["name"], "John Smith");
    assert_eq!(r["data"]["creator"]["email"], "john@example.com");
    assert_contains(
        &stdout(&env.run_in(&root, &["project", "show"])),
        "Creator: John Smith <john@example.com> [ETH Zurich]\n",
    );

    let meta = env.dir.path().join("meta.json");
    std::fs::write(&meta, r#"{"@type": "Thing", "name": "m"}"#).unwrap();
    edit_once(
        &env,
        &root,
        &["-m", meta.to_str().unwrap()],
        "custom_metadata",
    );
    let json = show_json(&env, &root);
    assert_eq!(json["annotations"][0]["body"]["name"], "m");
    assert_contains(
        &stdout(&env.run_in(&root, &["project", "show"])),
        "Annotations: ",
    );

    edit_once(&env, &root, &["-u", "k"], "keywords");
    edit_once(&env, &root, &["-u", "description"], "description");
    edit_once(&env, &root, &["-u", "m"], "custom_metadata");
    let json = show_json(&env, &root);
    assert_eq!(json["keywords"], serde_json::json!([]));
    assert_eq!(json["annotations"], serde_json::json!([]));
    assert!(json["description"].is_null() || json["description"] == "");
    // The name and id never change.
    assert_eq!(json["id"], "/projects/jane.doe/p");
    assert_eq!(json["name"], "p");
    // init + 8 edits.
    assert_eq!(env.commit_count(&root), 9);
    assert_eq!(record_files(&root, "project").len(), 9);
}

#[test]
fn edit_several_fields_at_once() {
    let env = TestEnv::new();
    let root = env.init_project("p");
    let r = edit_once(
        &env,
        &root,
        &["-d", "D", "-k", "x", "-c", "A B <a@b.org>"],
        "creator, description, keywords",
    );
    assert_eq!(r["data"]["description"], "D");
    assert_eq!(r["data"]["keywords"], serde_json::json!(["x"]));
}

#[test]
fn noop_edit_changes_nothing() {
    let env = TestEnv::new();
    let root = env.init_project("p");
    assert_code(&env.run_in(&root, &["project", "edit", "-d", "same"]), 0);
    let snap = snapshot(&env, &root);
    for args in [
        &["project", "edit"][..],
        &["project", "edit", "-d", "same"],
        &["project", "edit", "-u", "keywords"],
    ] {
        let out = env.run_in(&root, args);
        assert_code(&out, 0);
        assert_contains(
            &stdout(&out),
            "Nothing to update. Check available fields with `renku project edit --help`",
        );
        assert_unchanged(&env, &root, &snap, &format!("{args:?}"));
    }
}

#[test]
fn creator_without_email_is_accepted_with_a_warning() {
    // `project edit` is lenient about creators, like renku-python: the text becomes the name.
    let env = TestEnv::new();
    let root = env.init_project("p");
    let out = env.run_in(&root, &["project", "edit", "-c", "John Doe [SDSC]"]);
    assert_code(&out, 0);
    assert_contains(&stdout(&out), "Successfully updated: creator.");
    assert_contains(
        &stderr(&out),
        "Warning: No email or wrong format for: John Doe [SDSC]",
    );
    let json: serde_json::Value = serde_json::from_str(&stdout(
        &env.run_in(&root, &["project", "show", "--format", "json"]),
    ))
    .unwrap();
    assert_eq!(json["creator"]["name"], "John Doe");
    assert_eq!(json["creator"]["affiliation"], "SDSC");
    assert!(json["creator"].get("email").is_none(), "{json}");
    assert_eq!(json["creator"]["id"], "/persons/John%20Doe%20%5BSDSC%5D");

    // An empty creator is refused and changes nothing.
    let snap = snapshot(&env, &root);
    let out = env.run_in(&root, &["project", "edit", "-c", " "]);
    assert_code(&out, 2);
    assert_contains(&stderr(&out), "creator");
    assert_unchanged(&env, &root, &snap, "empty creator");
}

#[test]
fn bad_unset_value_is_rejected() {
    let env = TestEnv::new();
    let root = env.init_project("p");
    let snap = snapshot(&env, &root);
    let out = env.run_in(&root, &["project", "edit", "-u", "bogus"]);
    assert_code(&out, 2);
    assert_contains(&stderr(&out), "bogus");
    assert_unchanged(&env, &root, &snap, "");
}

#[test]
fn edit_with_bad_metadata_file_changes_nothing() {
    let env = TestEnv::new();
    let root = env.init_project("p");
    let snap = snapshot(&env, &root);
    let bad = env.dir.path().join("bad.json");
    std::fs::write(&bad, "{nope").unwrap();
    let out = env.run_in(&root, &["project", "edit", "-m", bad.to_str().unwrap()]);
    assert_ne!(code(&out), 0);
    assert_contains(&stderr(&out), "Error: ");
    let out = env.run_in(&root, &["project", "edit", "-m", "/does/not/exist.json"]);
    assert_code(&out, 2);
    assert_unchanged(&env, &root, &snap, "");
}

#[test]
fn edit_leaves_unrelated_changes_alone() {
    let env = TestEnv::new();
    let root = env.init_project("p");
    std::fs::write(root.join("untracked.txt"), "u\n").unwrap();
    std::fs::write(root.join("README.md"), "changed\n").unwrap();
    std::fs::write(root.join("staged.txt"), "s\n").unwrap();
    env.git(&root, &["add", "staged.txt"]);
    let status = env.status(&root);
    let out = env.run_in(&root, &["project", "edit", "-d", "x"]);
    assert_code(&out, 0);
    let files = env.changed_files(&root, "HEAD");
    assert_eq!(files.len(), 1);
    assert!(files[0].starts_with(".renku/store/project/"), "{files:?}");
    assert_eq!(env.status(&root), status);
}
