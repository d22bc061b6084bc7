//! `renku template ls|show|validate|set|update`.

use crate::common::*;

#[test]
fn ls_lists_bundled_templates() {
    let env = TestEnv::new();
    let out = env.run(&["template", "ls"]);
    assert_code(&out, 0);
    let text = stdout(&out);
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    // renku-python's layout: columns at least two wider than their header.
    assert_eq!(header, "  INDEX  ID", "{text}");
    assert_contains(header, "ID");
    assert!(lines.next().unwrap().starts_with("---"), "{text}");
    let rows: Vec<&str> = lines.collect();
    assert!(
        rows.iter()
            .any(|r| r.split_whitespace().nth(1) == Some("python-minimal")),
        "{text}"
    );
    assert!(
        rows.iter()
            .any(|r| r.split_whitespace().nth(1) == Some("minimal")),
        "{text}"
    );
    assert_eq!(rows[0].split_whitespace().next(), Some("1"), "{text}");
}

#[test]
fn ls_verbose_shows_descriptions_and_parameters() {
    let env = TestEnv::new();
    for flag in ["-v", "--verbose"] {
        let out = env.run(&["template", "ls", flag]);
        assert_code(&out, 0);
        let text = stdout(&out);
        assert_contains(&text, "python-minimal");
        assert_contains(&text, "A Python Renku project");
        assert_contains(&text, "python_version");
    }
}

#[test]
fn ls_of_a_template_source() {
    let env = TestEnv::new();
    let tpl = env.dir.path().join("templates");
    make_template_repo(&env, &tpl, true);
    let out = env.run(&["template", "ls", "-s", tpl.to_str().unwrap()]);
    assert_code(&out, 0);
    let text = stdout(&out);
    assert_contains(&text, "custom");
    assert!(!text.contains("python-minimal"), "{text}");
}

#[test]
fn show_a_bundled_template() {
    let env = TestEnv::new();
    let out = env.run(&["template", "show", "python-minimal"]);
    assert_code(&out, 0);
    let text = stdout(&out);
    assert_contains(&text, "Id: python-minimal\n");
    assert_contains(&text, "Name: Python Project\n");
    assert_contains(&text, "Source: renku\n");
    assert_contains(&text, "Description: ");
    let params = text.split("Parameters:").nth(1).unwrap();
    assert_contains(params, "python_version");
    assert_contains(params, "3.11");

    let out = env.run(&["template", "show", "minimal"]);
    assert_code(&out, 0);
    assert_contains(&stdout(&out), "Id: minimal\n");
    assert_contains(&stdout(&out), "Name: Basic Project\n");
}

#[test]
fn show_unknown_template_fails() {
    let env = TestEnv::new();
    let out = env.run(&["template", "show", "nope"]);
    assert_code(&out, 1);
    assert_contains(
        &stderr(&out),
        "Error: The template with id 'nope' is not available",
    );
    assert_eq!(stdout(&out), "");
}

#[test]
fn show_without_id_uses_the_project_template() {
    let env = TestEnv::new();
    let root = env.init_project("p");
    let out = env.run_in(&root, &["template", "show"]);
    assert_code(&out, 0);
    assert_contains(&stdout(&out), "Id: minimal\n");

    let out = env.run(&["init", "-t", "python-minimal", "q"]);
    assert_code(&out, 0);
    let out = env.run_in(&env.work().join("q"), &["template", "show"]);
    assert_code(&out, 0);
    assert_contains(&stdout(&out), "Id: python-minimal\n");

    // Outside a project an id is required.
    let out = env.run(&["template", "show"]);
    assert_ne!(code(&out), 0);
    assert_contains(&stderr(&out), "Error: ");
}

#[test]
fn show_a_template_from_a_source() {
    let env = TestEnv::new();
    let tpl = env.dir.path().join("templates");
    make_template_repo(&env, &tpl, true);
    let out = env.run(&["template", "show", "-s", tpl.to_str().unwrap(), "custom"]);
    assert_code(&out, 0);
    let text = stdout(&out);
    assert_contains(&text, "Id: custom\n");
    assert_contains(&text, "Name: Custom Template\n");
    assert_contains(&text, "greeting");
}

#[test]
fn validate_bundled_templates() {
    let env = TestEnv::new();
    let out = env.run(&["template", "validate"]);
    assert_code(&out, 0);
    assert_contains(&stdout(&out), "OK");
    let out = env.run(&["template", "validate", "--json"]);
    assert_code(&out, 0);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["valid"], true);
    assert_eq!(json["errors"], serde_json::json!([]));
}

#[test]
fn validate_a_good_local_template_repository() {
    let env = TestEnv::new();
    let tpl = env.dir.path().join("templates");
    make_template_repo(&env, &tpl, true);
    let out = env.run(&["template", "validate", "-s", tpl.to_str().unwrap()]);
    assert_code(&out, 0);
    let out = env.run(&[
        "template",
        "validate",
        "-s",
        tpl.to_str().unwrap(),
        "-r",
        "v1",
    ]);
    assert_code(&out, 0);
}

#[test]
fn validate_a_broken_template_directory() {
    let env = TestEnv::new();
    let dir = env.dir.path().join("broken");
    std::fs::create_dir_all(dir.join("a")).unwrap();
    std::fs::write(dir.join("a/README.md"), "x\n").unwrap();
    std::fs::write(
        dir.join("manifest.yaml"),
        "- id: a\n  folder: a\n  name: A\n- id: a\n  folder: missing\n  name: B\n",
    )
    .unwrap();
    let out = env.run(&["template", "validate", "-s", dir.to_str().unwrap()]);
    assert_code(&out, 1);
    let err = stderr(&out);
    assert_contains(&err, "Found duplicate IDs or aliases: a");
    assert_contains(&err, "missing");

    let out = env.run(&[
        "template",
        "validate",
        "-s",
        dir.to_str().unwrap(),
        "--json",
    ]);
    assert_code(&out, 1);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["valid"], false);
    let errors = json["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors
            .iter()
            .any(|e| e.as_str().unwrap().contains("duplicate"))
    );
    assert!(
        errors
            .iter()
            .any(|e| e.as_str().unwrap().contains("'missing'"))
    );

    // Only a missing folder.
    std::fs::write(
        dir.join("manifest.yaml"),
        "- id: a\n  folder: a\n  name: A\n- id: b\n  folder: nowhere\n  name: B\n",
    )
    .unwrap();
    let out = env.run(&["template", "validate", "-s", dir.to_str().unwrap()]);
    assert_code(&out, 1);
    assert_contains(&stderr(&out), "nowhere");

    // A broken manifest.
    std::fs::write(dir.join("manifest.yaml"), "- id: [unclosed\n").unwrap();
    let out = env.run(&["template", "validate", "-s", dir.to_str().unwrap()]);
    assert_code(&out, 1);

    // A source that does not exist.
    let out = env.run(&["template", "validate", "-s", "/does/not/exist"]);
    assert_ne!(code(&out), 0);
}

#[test]
fn set_requires_force_when_the_project_has_a_template() {
    let env = TestEnv::new();
    let root = env.init_project("p");
    let snap = snapshot(&env, &root);
    for args in [
        &["template", "set", "python-minimal"][..],
        &["template", "set"],
        &["template", "set", "-n", "python-minimal"],
    ] {
        let out = env.run_in(&root, args);
        assert_code(&out, 1);
        assert_contains(
            &stderr(&out),
            "Project already has a template: To set a template use '-f/--force' flag",
        );
        assert_unchanged(&env, &root, &snap, &format!("{args:?}"));
    }
}

#[test]
fn set_dry_run_changes_nothing() {
    let env = TestEnv::new();
    let out = env.run(&["init", "-t", "python-minimal", "p"]);
    assert_code(&out, 0);
    let root = env.work().join("p");
    let snap = snapshot(&env, &root);
    for flag in ["-n", "--dry-run"] {
        let out = env.run_in(&root, &["template", "set", "-f", flag, "minimal"]);
        assert_code(&out, 0);
        let text = stdout(&out);
        assert_contains(&text, "Id: minimal\n");
        assert_contains(&text, "Old Id: python-minimal\n");
        assert_contains(&text, "File changes:\n");
        assert_contains(&text, "Overwrite Dockerfile ...");
        assert_contains(&text, "Keep README.md ...");
        assert_unchanged(&env, &root, &snap, "");
    }
}

#[test]
fn set_with_force_commits_the_new_template() {
    let env = TestEnv::new();
    let out = env.run(&["init", "-t", "python-minimal", "p"]);
    assert_code(&out, 0);
    let root = env.work().join("p");
    let head = env.head(&root);
    let readme = std::fs::read(root.join("README.md")).unwrap();

    let out = env.run_in(&root, &["template", "set", "-f", "minimal"]);
    assert_code(&out, 0);
    assert!(stdout(&out).trim_end().ends_with("OK"), "{}", stdout(&out));
    assert_eq!(env.commit_count(&root), 2);
    assert_eq!(env.git(&root, &["rev-parse", "HEAD^"]).trim(), head);
    let message = env.git(&root, &["log", "-1", "--format=%B"]);
    assert!(
        message.starts_with("renku template set -f minimal\n\nrenku-transaction: "),
        "{message}"
    );
    let changed = env.changed_files(&root, "HEAD");
    assert!(changed.contains(&"Dockerfile".to_string()), "{changed:?}");
    assert!(
        changed
            .iter()
            .any(|f| f.starts_with(".renku/store/project/")),
        "{changed:?}"
    );
    assert!(!changed.contains(&"README.md".to_string()), "{changed:?}");
    assert_eq!(std::fs::read(root.join("README.md")).unwrap(), readme);

    let dockerfile = std::fs::read_to_string(root.join("Dockerfile")).unwrap();
    assert!(!dockerfile.contains("requirements.txt"), "{dockerfile}");
    let out = env.run_in(&root, &["project", "show"]);
    assert_contains(&stdout(&out), "Project Template: minimal (");
    assert_eq!(env.status(&root), "");
    // The checksums now describe the minimal template's files.
    let checksums = read_json(&root.join(".renku/template_checksums.json"));
    assert_eq!(
        checksums["Dockerfile"].as_str().unwrap(),
        sha256_hex(dockerfile.as_bytes())
    );

    // And back, with a parameter.
    let out = env.run_in(
        &root,
        &[
            "template",
            "set",
            "-f",
            "python-minimal",
            "-p",
            "python_version=3.12",
        ],
    );
    assert_code(&out, 0);
    let dockerfile = std::fs::read_to_string(root.join("Dockerfile")).unwrap();
    assert_contains(&dockerfile, "renkulab-py:3.12-");
    assert_eq!(env.commit_count(&root), 3);
}

#[test]
fn update_when_up_to_date() {
    let env = TestEnv::new();
    let root = env.init_project("p");
    let snap = snapshot(&env, &root);
    let out = env.run_in(&root, &["template", "update"]);
    assert_code(&out, 0);
    assert_contains(&stdout(&out), "Template is up-to-date");
    let out = env.run_in(&root, &["template", "update", "-n"]);
    assert_code(&out, 0);
    assert_contains(&stdout(&out), "Template is up-to-date");
    assert_unchanged(&env, &root, &snap, "");
}

#[test]
fn update_from_a_newer_template_version() {
    let env = TestEnv::new();
    let tpl = env.dir.path().join("templates");
    make_template_repo(&env, &tpl, true);
    let out = env.run(&["init", "-s", tpl.to_str().unwrap(), "-t", "custom", "p"]);
    assert_code(&out, 0);
    let root = env.work().join("p");
    let out = env.run_in(&root, &["template", "update"]);
    assert_code(&out, 0);
    assert_contains(&stdout(&out), "Template is up-to-date");

    // The template moves on: notes.txt changes.
    std::fs::write(tpl.join("custom/notes.txt"), "notes v3\n").unwrap();
    env.git(&tpl, &["commit", "-qam", "v3"]);
    let snap = snapshot(&env, &root);
    let out = env.run_in(&root, &["template", "update", "-n"]);
    assert_code(&out, 0);
    assert_contains(&stdout(&out), "notes.txt");
    assert_unchanged(&env, &root, &snap, "");

    let out = env.run_in(&root, &["template", "update"]);
    assert_code(&out, 0);
    assert_eq!(
        std::fs::read_to_string(root.join("notes.txt")).unwrap(),
        "notes v3\n"
    );
    assert_eq!(env.git(&root, &["show", "HEAD:notes.txt"]), "notes v3\n");
    let message = env.git(&root, &["log", "-1", "--format=%B"]);
    assert!(
        message.starts_with("renku template update\n\nrenku-transaction: "),
        "{message}"
    );
    let out = env.run_in(&root, &["project", "show", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        json["template"]["version"],
        env.git(&tpl, &["rev-parse", "HEAD"]).trim()
    );
    let out = env.run_in(&root, &["template", "update"]);
    assert_contains(&stdout(&out), "Template is up-to-date");
}

#[test]
fn update_that_adds_files_leaves_a_clean_status() {
    let env = TestEnv::new();
    let tpl = env.dir.path().join("templates");
    make_template_repo(&env, &tpl, true);
    let out = env.run(&["init", "-s", tpl.to_str().unwrap(), "-t", "custom", "p"]);
    assert_code(&out, 0);
    let root = env.work().join("p");
    std::fs::write(tpl.join("custom/notes.txt"), "notes v3\n").unwrap();
    std::fs::write(tpl.join("custom/new.txt"), "new\n").unwrap();
    env.git(&tpl, &["add", "-A"]);
    env.git(&tpl, &["commit", "-qm", "v3"]);
    let out = env.run_in(&root, &["template", "update"]);
    assert_code(&out, 0);
    assert_eq!(duplicate_index_entries(&env, &root), Vec::<String>::new());
    assert_eq!(env.status(&root), "");
}

#[test]
fn update_with_a_relative_template_source() {
    let env = TestEnv::new();
    let tpl = env.work().join("templates");
    make_template_repo(&env, &tpl, true);
    let out = env.run(&["init", "-s", "./templates", "-t", "custom", "p"]);
    assert_code(&out, 0);
    let root = env.work().join("p");
    std::fs::write(tpl.join("custom/notes.txt"), "notes v3\n").unwrap();
    env.git(&tpl, &["commit", "-qam", "v3"]);
    let out = env.run_in(&root, &["template", "update"]);
    assert_code(&out, 0);
    assert_eq!(
        std::fs::read_to_string(root.join("notes.txt")).unwrap(),
        "notes v3\n"
    );
}

#[test]
fn set_and_update_refuse_a_dirty_repository() {
    let env = TestEnv::new();
    let root = env.init_project("p");
    for dirt in ["untracked", "modified", "staged"] {
        match dirt {
            "untracked" => std::fs::write(root.join("new.txt"), "x\n").unwrap(),
            "modified" => std::fs::write(root.join("README.md"), "changed\n").unwrap(),
            _ => {
                std::fs::write(root.join("staged.txt"), "s\n").unwrap();
                env.git(&root, &["add", "staged.txt"]);
            }
        }
        let snap = snapshot(&env, &root);
        for args in [
            &["template", "set", "-f", "python-minimal"][..],
            &["template", "update"],
        ] {
            let out = env.run_in(&root, args);
            assert_code(&out, 1);
            let err = stderr(&out);
            assert_contains(
                &err,
                "Error: The repository is dirty. Please use the \"git\" command to clean it.",
            );
            assert_unchanged(&env, &root, &snap, &format!("{dirt}: {args:?}"));
        }
        env.git(&root, &["reset", "-q", "--hard"]);
        env.git(&root, &["clean", "-qfd"]);
    }
}
