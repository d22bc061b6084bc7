//! `renku dataset …`: create, add, ls, ls-files, show, edit, rm, unlink, tags, update, the
//! versions they record, their error cases, and merging branches that changed datasets.

use std::path::Path;

use crate::common::*;

/// The current JSON listing of `dataset ls-files`.
fn files_json(env: &TestEnv, root: &Path, extra: &[&str]) -> Vec<serde_json::Value> {
    let mut args = vec!["dataset", "ls-files", "--format", "json"];
    args.extend_from_slice(extra);
    let out = env.ok(root, &args);
    serde_json::from_str::<serde_json::Value>(&out)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn paths(files: &[serde_json::Value]) -> Vec<String> {
    let mut p: Vec<String> = files
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    p.sort();
    p
}

/// The dataset records in the store, parsed.
fn dataset_records(root: &Path) -> Vec<serde_json::Value> {
    record_files(root, "dataset")
        .iter()
        .map(|p| read_json(p))
        .collect()
}

#[test]
fn create_records_a_first_version_and_checks_slugs() {
    let env = TestEnv::new();
    let root = env.project_with(&[]);
    let out = env.ok(
        &root,
        &[
            "dataset",
            "create",
            "d1",
            "-n",
            "My Data",
            "-d",
            "about it",
            "-k",
            "a",
            "-k",
            "b",
            "-c",
            "Ann Author <ann@example.org> [Uni]",
        ],
    );
    assert_contains(&out, "Use the slug \"d1\" to refer to this dataset.");
    assert_eq!(
        env.git(&root, &["log", "-1", "--format=%s"]).trim(),
        "renku dataset create d1 -n My Data -d about it -k a -k b -c Ann Author <ann@example.org> [Uni]"
    );
    let records = dataset_records(&root);
    assert_eq!(records.len(), 1);
    let d = &records[0]["data"];
    assert_eq!(d["slug"], "d1");
    assert_eq!(d["name"], "My Data");
    assert_eq!(d["keywords"], serde_json::json!(["a", "b"]));
    assert_eq!(d["creators"][0]["affiliation"], "Uni");
    assert_eq!(d["identifier"], d["initial_identifier"]);
    assert_eq!(records[0]["version_id"], d["identifier"]);

    let before = snapshot(&env, &root);
    let out = env.run_in(&root, &["dataset", "create", "d1"]);
    assert_code(&out, 1);
    assert_contains(&stderr(&out), "Dataset exists: 'd1'");
    let out = env.run_in(&root, &["dataset", "create", "bad slug"]);
    assert_code(&out, 2);
    assert_contains(
        &stderr(&out),
        "Dataset slug 'bad slug' is not valid (Hint: 'bad_slug' is valid).",
    );
    let out = env.run_in(
        &root,
        &["dataset", "create", "d2", "--datadir", "../outside"],
    );
    assert_code(&out, 2);
    assert_contains(&stderr(&out), "Datadir must be inside repository.");
    let out = env.run_in(&root, &["dataset", "create", "d2", "-c", "No Email"]);
    assert_code(&out, 2);
    assert_contains(&stderr(&out), "Email is invalid");
    assert_unchanged(&env, &root, &before, "failed creates");
}

#[test]
fn create_with_metadata_and_datadir_registers_existing_files() {
    let env = TestEnv::new();
    let root = env.project_with(&[
        ("custom/place/x.csv", "1,2\n"),
        (
            "meta.json",
            r#"{"@context": "https://schema.org", "@type": "Thing", "name": "x"}"#,
        ),
    ]);
    env.ok(
        &root,
        &[
            "dataset",
            "create",
            "d1",
            "--datadir",
            "custom/place",
            "-m",
            "meta.json",
        ],
    );
    assert_eq!(
        paths(&files_json(&env, &root, &[])),
        vec!["custom/place/x.csv"]
    );
    let ls: serde_json::Value =
        serde_json::from_str(&env.ok(&root, &["dataset", "ls", "--format", "json"])).unwrap();
    assert_eq!(ls[0]["data_directory"], "custom/place");
    assert_eq!(ls[0]["annotations"][0]["body"]["name"], "x");
    assert_eq!(ls[0]["annotations"][0]["source"], "renku");
    let bad = root.join("bad.json");
    std::fs::write(&bad, "{not json").unwrap();
    let out = env.run_in(&root, &["dataset", "create", "d2", "-m", "bad.json"]);
    assert_code(&out, 2);
}

#[test]
fn add_copies_files_and_directories_into_the_data_directory() {
    let env = TestEnv::new();
    let root = env.project_with(&[]);
    let outside = env.work().join("outside");
    write_files(
        &outside,
        &[
            ("f.txt", "hello\n"),
            ("dir/a.csv", "a\n"),
            ("dir/sub/deep/b.csv", "b\n"),
        ],
    );
    env.ok(&root, &["dataset", "create", "d1"]);
    let commits = env.commit_count(&root);
    env.ok(
        &root,
        &[
            "dataset",
            "add",
            "--copy",
            "d1",
            outside.join("f.txt").to_str().unwrap(),
            outside.join("dir").to_str().unwrap(),
        ],
    );
    assert_eq!(env.commit_count(&root), commits + 1);
    assert_eq!(
        paths(&files_json(&env, &root, &["d1"])),
        vec![
            "data/d1/dir/a.csv",
            "data/d1/dir/sub/deep/b.csv",
            "data/d1/f.txt"
        ]
    );
    assert_eq!(read_file(&root, "data/d1/dir/sub/deep/b.csv"), "b\n");
    assert!(outside.join("f.txt").exists(), "copy keeps the source");
    assert_eq!(env.status(&root), "", "everything is committed");
    // The files' checksums are the blob ids git committed.
    let records = dataset_records(&root);
    let latest = records
        .iter()
        .find(|r| !r["data"]["files"].as_array().unwrap().is_empty())
        .unwrap();
    for f in latest["data"]["files"].as_array().unwrap() {
        let path = f["entity"]["path"].as_str().unwrap();
        let blob = env.git(&root, &["rev-parse", &format!("HEAD:{path}")]);
        assert_eq!(f["entity"]["checksum"].as_str().unwrap(), blob.trim());
        assert!(f["source"].as_str().unwrap().starts_with("../outside/"));
    }
    // The new version derives from the first, keeps its initial identifier.
    let first = records
        .iter()
        .find(|r| r["derived_from"].is_null())
        .unwrap();
    assert_eq!(latest["derived_from"], first["version_id"]);
    assert_eq!(
        latest["data"]["initial_identifier"],
        first["data"]["identifier"]
    );
    assert_eq!(
        latest["data"]["derived_from"]["url"],
        format!(
            "/datasets/{}",
            first["data"]["identifier"].as_str().unwrap()
        )
    );

    // --destination puts files into a sub-directory.
    env.ok(
        &root,
        &[
            "dataset",
            "add",
            "--copy",
            "d1",
            "-d",
            "sub/dir",
            outside.join("f.txt").to_str().unwrap(),
        ],
    );
    assert!(root.join("data/d1/sub/dir/f.txt").exists());
    let before = snapshot(&env, &root);
    let out = env.run_in(
        &root,
        &[
            "dataset",
            "add",
            "--copy",
            "d1",
            "-d",
            "../../escape",
            outside.join("f.txt").to_str().unwrap(),
        ],
    );
    assert_code(&out, 2);
    assert_unchanged(
        &env,
        &root,
        &before,
        "destination outside the data directory",
    );
}

#[test]
fn a_hundred_files_are_added_in_one_commit() {
    let env = TestEnv::new();
    let root = env.project_with(&[]);
    let src = env.work().join("many");
    for i in 0..100 {
        let dir = src.join(format!("part{}", i % 7));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("f{i:03}.txt")), format!("{i}\n")).unwrap();
    }
    let commits = env.commit_count(&root);
    env.ok(
        &root,
        &[
            "dataset",
            "add",
            "--copy",
            "--create",
            "many",
            src.to_str().unwrap(),
        ],
    );
    assert_eq!(env.commit_count(&root), commits + 1);
    let files = files_json(&env, &root, &["many"]);
    assert_eq!(files.len(), 100);
    assert!(paths(&files).contains(&"data/many/many/part3/f010.txt".to_string()));
    assert_eq!(env.status(&root), "");
}

#[test]
fn identical_re_adds_create_no_version_and_no_commit() {
    let env = TestEnv::new();
    let root = env.project_with(&[]);
    let f = env.work().join("f.txt");
    std::fs::write(&f, "same\n").unwrap();
    env.ok(
        &root,
        &["dataset", "add", "--copy", "-c", "d1", f.to_str().unwrap()],
    );
    let before = snapshot(&env, &root);
    let out = env.run_in(
        &root,
        &["dataset", "add", "--copy", "d1", f.to_str().unwrap()],
    );
    assert_code(&out, 1);
    assert_contains(&stderr(&out), "These existing files were not overwritten");
    assert_contains(&stderr(&out), "No new file was added to project");
    assert_contains(&stderr(&out), "There is nothing to commit.");
    let out = env.run_in(
        &root,
        &[
            "dataset",
            "add",
            "--copy",
            "--overwrite",
            "d1",
            f.to_str().unwrap(),
        ],
    );
    assert_code(&out, 1);
    assert_unchanged(&env, &root, &before, "identical re-add");
    assert_eq!(dataset_records(&root).len(), 1);

    // A changed file with --overwrite makes a new version.
    std::fs::write(&f, "changed\n").unwrap();
    env.ok(
        &root,
        &[
            "dataset",
            "add",
            "--copy",
            "--overwrite",
            "d1",
            f.to_str().unwrap(),
        ],
    );
    assert_eq!(read_file(&root, "data/d1/f.txt"), "changed\n");
    assert_eq!(dataset_records(&root).len(), 2);
}

#[test]
fn add_move_link_and_files_inside_the_data_directory() {
    let env = TestEnv::new();
    let root = env.project_with(&[
        ("raw/m.txt", "move me\n"),
        ("raw/l.txt", "link me\n"),
        ("data/d1/in_place.txt", "already here\n"),
    ]);
    env.ok(&root, &["dataset", "create", "d1"]);
    // create registered the file already in the data directory.
    assert_eq!(
        paths(&files_json(&env, &root, &[])),
        vec!["data/d1/in_place.txt"]
    );
    env.ok(&root, &["dataset", "add", "--move", "d1", "raw/m.txt"]);
    assert!(!root.join("raw/m.txt").exists());
    assert_eq!(read_file(&root, "data/d1/m.txt"), "move me\n");
    env.ok(&root, &["dataset", "add", "--link", "d1", "raw/l.txt"]);
    let link = std::fs::read_link(root.join("data/d1/l.txt")).unwrap();
    assert_eq!(link, Path::new("../../raw/l.txt"));
    assert_eq!(read_file(&root, "data/d1/l.txt"), "link me\n");
    assert_eq!(env.status(&root), "");
    let out = env.ok(&root, &["dataset", "ls-files", "-c", "path,source"]);
    assert_contains(&out, "raw/m.txt");

    // --link outside the project is refused.
    let outside = env.work().join("o.txt");
    std::fs::write(&outside, "o\n").unwrap();
    let before = snapshot(&env, &root);
    let out = env.run_in(
        &root,
        &["dataset", "add", "--link", "d1", outside.to_str().unwrap()],
    );
    assert_code(&out, 2);
    assert_contains(
        &stderr(&out),
        "Cannot use '--link' for files outside of project",
    );
    // Without an action and without a terminal the prompt is answered "no".
    let out = env.run_in(&root, &["dataset", "add", "d1", outside.to_str().unwrap()]);
    assert_code(&out, 1);
    assert_contains(
        &stderr(&out),
        "The following files will be copied to data/d1",
    );
    assert_contains(&stderr(&out), "Aborted!");
    assert_unchanged(&env, &root, &before, "refused adds");
    // Answering yes copies.
    let out = env.run_with_input(
        &root,
        &["dataset", "add", "d1", outside.to_str().unwrap()],
        "y\n",
    );
    assert_success(&out);
    assert!(root.join("data/d1/o.txt").exists());
}

#[test]
fn the_configured_default_action_is_used_and_checked() {
    let env = TestEnv::new();
    let root = env.project_with(&[("raw/a.txt", "a\n"), ("raw/b.txt", "b\n")]);
    env.ok(&root, &["dataset", "create", "d1"]);
    env.ok(
        &root,
        &["config", "set", "renku.default_dataset_add_action", "move"],
    );
    env.ok(&root, &["dataset", "add", "d1", "raw/a.txt"]);
    assert!(!root.join("raw/a.txt").exists());
    env.ok(
        &root,
        &[
            "config",
            "set",
            "renku.default_dataset_add_action",
            "teleport",
        ],
    );
    let before = snapshot(&env, &root);
    let out = env.run_in(&root, &["dataset", "add", "d1", "raw/b.txt"]);
    assert_code(&out, 1);
    assert_contains(
        &stderr(&out),
        "Invalid default action for adding to datasets in Renku config: 'teleport'.",
    );
    assert_unchanged(&env, &root, &before, "invalid default action");
}

#[test]
fn add_error_cases_leave_the_repository_unchanged() {
    let env = TestEnv::new();
    let root = env.project_with(&[
        (".gitignore", "*.log\n"),
        ("x.log", "ignored\n"),
        ("requirements.txt", "numpy\n"),
        ("data/keep.txt", "k\n"),
    ]);
    env.ok(&root, &["dataset", "create", "d1"]);
    let before = snapshot(&env, &root);
    let cases: Vec<(Vec<&str>, i32, &str)> = vec![
        (
            vec!["dataset", "add", "--copy", "d1", "nope.txt"],
            2,
            "Cannot find source file: nope.txt",
        ),
        (
            vec!["dataset", "add", "--copy", "missing", "x.log"],
            1,
            "Dataset 'missing' does not exist.",
        ),
        (
            vec!["dataset", "add", "--copy", "-c", "d1", "data/keep.txt"],
            1,
            "Dataset exists: 'd1'",
        ),
        (
            vec!["dataset", "add", "--copy", "d1", "data"],
            2,
            "Cannot recursively add path containing dataset's data directory",
        ),
        (
            vec!["dataset", "add", "--copy", "d1", "x.log"],
            1,
            "ignored by one of your .gitignore files",
        ),
        (
            vec!["dataset", "add", "--copy", "-c", "new", "x.log"],
            2,
            "There are no files to create a dataset",
        ),
        (
            vec!["dataset", "add", "--copy", "-c", "new2", "nope.txt"],
            2,
            "Cannot find source file",
        ),
        (
            vec!["dataset", "add", "--copy", "d1", "-s", "x", "data/keep.txt"],
            2,
            "Cannot use '-s/--src/--source' with URLs or local files.",
        ),
        (
            vec!["dataset", "add", "--copy", "--move", "d1", "data/keep.txt"],
            2,
            "cannot be used with",
        ),
        (
            vec!["dataset", "add", "--copy", "d1", "ftp://example.org/x"],
            2,
            "unsupported URL scheme",
        ),
    ];
    for (args, code_expected, message) in cases {
        let out = env.run_in(&root, &args);
        assert_code(&out, code_expected);
        assert_contains(&stderr(&out), message);
        assert_unchanged(&env, &root, &before, &format!("{args:?}"));
    }
    // The dataset requested with --create in a failing command does not exist.
    let out = env.run_in(&root, &["dataset", "show", "new2"]);
    assert_code(&out, 1);
    // Ignored files go in with --force; protected names are refused.
    env.ok(
        &root,
        &["dataset", "add", "--copy", "--force", "d1", "x.log"],
    );
    assert!(root.join("data/d1/x.log").exists());
    let before = snapshot(&env, &root);
    let out = env.run_in(
        &root,
        &["dataset", "add", "--copy", "d1", "requirements.txt"],
    );
    assert_code(&out, 1);
    assert_contains(
        &stderr(&out),
        "The following paths are protected as part of renku",
    );
    assert_unchanged(&env, &root, &before, "protected path");
}

#[test]
fn ls_ls_files_and_show_formats_filters_and_errors() {
    let env = TestEnv::new();
    let root = env.project_with(&[
        ("data/d1/a.csv", "1\n"),
        ("data/d1/sub/b.csv", "2\n"),
        ("data/d1/c.txt", "3\n"),
        ("data/d2/z.csv", "4\n"),
    ]);
    env.ok(
        &root,
        &[
            "dataset",
            "create",
            "d1",
            "-n",
            "First",
            "-c",
            "Ann <ann@example.org>",
            "-k",
            "x",
        ],
    );
    env.ok(
        &root,
        &["dataset", "create", "d2", "-c", "Bob <bob@example.org>"],
    );
    let out = env.ok(&root, &["dataset", "ls"]);
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("ID"));
    assert!(lines[0].contains("SLUG") && lines[0].contains("DATADIR"));
    let d1 = lines.iter().find(|l| l.contains(" d1 ")).unwrap();
    assert!(d1.contains("First") && d1.contains("data/d1"));
    assert!(lines.iter().any(|l| l.contains(" d2 ")));
    assert_eq!(lines.len(), 4);
    let out = env.ok(&root, &["dataset", "ls", "-c", "slug,creators,keywords"]);
    assert_contains(&out, "Ann");
    let out = env.run_in(&root, &["dataset", "ls", "-c", "slug,bogus"]);
    assert_code(&out, 2);
    assert_contains(&stderr(&out), "Invalid column name: \"bogus\".");

    assert_eq!(files_json(&env, &root, &[]).len(), 4);
    assert_eq!(
        paths(&files_json(&env, &root, &["-I", "*.csv"])),
        vec!["data/d1/a.csv", "data/d1/sub/b.csv", "data/d2/z.csv"]
    );
    assert_eq!(
        paths(&files_json(&env, &root, &["d1", "-I", "d1/*.csv"])),
        vec!["data/d1/a.csv"]
    );
    assert_eq!(
        paths(&files_json(&env, &root, &["-I", "*.csv", "-X", "sub/*"])),
        vec!["data/d1/a.csv", "data/d2/z.csv"]
    );
    assert_eq!(
        paths(&files_json(&env, &root, &["--creators", "Bob"])),
        vec!["data/d2/z.csv"]
    );
    let f = &files_json(&env, &root, &["d2"])[0];
    assert_eq!(f["dataset_slug"], "d2");
    assert_eq!(f["size"], "2  B");
    assert_eq!(f["is_lfs"], false);
    assert_eq!(f["creators"][0]["email"], "bob@example.org");
    let csv = env.ok(
        &root,
        &[
            "dataset",
            "ls-files",
            "d2",
            "--format",
            "csv",
            "-c",
            "path,checksum",
        ],
    );
    let blob = env.git(&root, &["rev-parse", "HEAD:data/d2/z.csv"]);
    assert_eq!(
        csv,
        format!("path,checksum\ndata/d2/z.csv,{}\n", blob.trim())
    );
    let table = env.ok(&root, &["dataset", "ls-files", "d2"]);
    assert_contains(&table, "DATASET SLUG");
    assert_contains(&table, "data/d2/z.csv");
    let out = env.run_in(&root, &["dataset", "ls-files", "d1", "nope", "other"]);
    assert_code(&out, 2);
    assert_contains(&stderr(&out), "These datasets don't exist: nope, other");

    let show = env.ok(&root, &["dataset", "show", "d1"]);
    assert_contains(&show, "Slug: d1");
    assert_contains(&show, "Name: First");
    assert_contains(&show, "Creator(s): Ann <ann@example.org>");
    assert_contains(&show, "Keywords: x");
    let json: serde_json::Value =
        serde_json::from_str(&env.ok(&root, &["dataset", "show", "d1", "--format", "json"]))
            .unwrap();
    assert_eq!(json["name"], "First");
    let out = env.run_in(&root, &["dataset", "show", "nope"]);
    assert_code(&out, 1);
    assert_contains(&stderr(&out), "Dataset 'nope' is not found.");
}

#[test]
fn edit_changes_metadata_as_new_versions_and_no_op_edits_commit_nothing() {
    let env = TestEnv::new();
    let root = env.project_with(&[("m.json", r#"{"@type": "Thing", "name": "m"}"#)]);
    env.ok(&root, &["dataset", "create", "d1", "-k", "a"]);
    let out = env.ok(
        &root,
        &[
            "dataset",
            "edit",
            "d1",
            "-n",
            "  New Name  ",
            "-d",
            "Text",
            "-k",
            "b",
            "-k",
            "c",
        ],
    );
    assert_contains(&out, "Successfully updated: name, description, keywords.");
    let json: serde_json::Value =
        serde_json::from_str(&env.ok(&root, &["dataset", "show", "d1", "--format", "json"]))
            .unwrap();
    assert_eq!(json["name"], "New Name");
    assert_eq!(json["keywords"], serde_json::json!(["b", "c"]));
    let before = snapshot(&env, &root);
    let out = env.ok(&root, &["dataset", "edit", "d1", "-n", "New Name"]);
    assert_contains(&out, "Nothing to update.");
    let out = env.ok(&root, &["dataset", "edit", "d1"]);
    assert_contains(&out, "Nothing to update.");
    assert_unchanged(&env, &root, &before, "no-op edits");
    let out = env.ok(
        &root,
        &[
            "dataset",
            "edit",
            "d1",
            "-m",
            "m.json",
            "-c",
            "Eve <eve@example.org>",
        ],
    );
    assert_contains(&out, "creators");
    assert_contains(&out, "custom_metadata");
    let json: serde_json::Value =
        serde_json::from_str(&env.ok(&root, &["dataset", "show", "d1", "--format", "json"]))
            .unwrap();
    let emails: Vec<&str> = json["creators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["email"].as_str().unwrap())
        .collect();
    assert!(emails.contains(&"eve@example.org"));
    assert_eq!(json["annotations"][0]["body"]["name"], "m");
    let out = env.ok(
        &root,
        &["dataset", "edit", "d1", "-u", "keywords", "-u", "m"],
    );
    assert_contains(&out, "keywords");
    let json: serde_json::Value =
        serde_json::from_str(&env.ok(&root, &["dataset", "show", "d1", "--format", "json"]))
            .unwrap();
    assert_eq!(json["keywords"], serde_json::json!([]));
    assert_eq!(json["annotations"], serde_json::json!([]));
    let before = snapshot(&env, &root);
    let out = env.run_in(
        &root,
        &["dataset", "edit", "d1", "-k", "x", "-u", "keywords"],
    );
    assert_code(&out, 2);
    let out = env.run_in(&root, &["dataset", "edit", "d1", "-u", "title"]);
    assert_code(&out, 2);
    let out = env.run_in(&root, &["dataset", "edit", "nope", "-n", "x"]);
    assert_code(&out, 1);
    assert_unchanged(&env, &root, &before, "failed edits");
}

#[test]
fn rm_marks_the_dataset_removed_and_frees_the_slug() {
    let env = TestEnv::new();
    let root = env.project_with(&[("data/d1/a.txt", "a\n")]);
    env.ok(&root, &["dataset", "create", "d1"]);
    env.ok(&root, &["dataset", "rm", "d1"]);
    assert!(root.join("data/d1/a.txt").exists(), "files stay");
    assert_eq!(
        env.ok(&root, &["dataset", "ls", "--format", "json"]).trim(),
        "[]"
    );
    let records = dataset_records(&root);
    assert_eq!(records.len(), 2);
    let removed = records.iter().find(|r| r["removed"] == true).unwrap();
    assert!(removed["data"]["date_removed"].is_string());
    let out = env.run_in(&root, &["dataset", "rm", "d1"]);
    assert_code(&out, 1);
    let out = env.run_in(&root, &["dataset", "rm"]);
    assert_code(&out, 2);
    env.ok(&root, &["dataset", "create", "d1"]);
    let ls: serde_json::Value =
        serde_json::from_str(&env.ok(&root, &["dataset", "ls", "--format", "json"])).unwrap();
    assert_eq!(ls.as_array().unwrap().len(), 1);
    assert_ne!(ls[0]["identifier"], removed["data"]["initial_identifier"]);
    let log = env.ok(&root, &["log", "--format", "tabular", "-d"]);
    assert_contains(&log, "Dataset 'd1': deleted");
    assert_contains(&log, "Dataset 'd1': created");
}

#[test]
fn unlink_removes_matching_files_from_the_dataset_and_the_disk() {
    let env = TestEnv::new();
    let root = env.project_with(&[
        ("data/d1/a.csv", "1\n"),
        ("data/d1/b.csv", "2\n"),
        ("data/d1/c.txt", "3\n"),
    ]);
    env.ok(&root, &["dataset", "create", "d1"]);
    let before = snapshot(&env, &root);
    let out = env.run_in(&root, &["dataset", "unlink", "d1"]);
    assert_code(&out, 2);
    assert_contains(&stderr(&out), "include or exclude filters not found.");
    let out = env.run_in(&root, &["dataset", "unlink", "d1", "-I", "*.json", "-y"]);
    assert_code(&out, 2);
    assert_contains(&stderr(&out), "No records found.");
    let out = env.run_in(&root, &["dataset", "unlink", "d1", "-I", "*.csv"]);
    assert_code(&out, 1);
    assert_contains(&stdout(&out), "data/d1/a.csv");
    assert_unchanged(&env, &root, &before, "unlink refused");
    env.ok(
        &root,
        &[
            "dataset", "unlink", "d1", "-I", "*.csv", "-X", "b.csv", "-y",
        ],
    );
    assert!(!root.join("data/d1/a.csv").exists());
    assert!(root.join("data/d1/b.csv").exists());
    assert_eq!(
        paths(&files_json(&env, &root, &[])),
        vec!["data/d1/b.csv", "data/d1/c.txt"]
    );
    assert_eq!(env.status(&root), "");
    // The removal is recorded as an entry with date_removed and a new id.
    let records = dataset_records(&root);
    let last = records
        .iter()
        .find(|r| !r["derived_from"].is_null())
        .unwrap();
    let entry = &last["data"]["files"][0];
    assert_eq!(entry["entity"]["path"], "data/d1/a.csv");
    assert!(entry["date_removed"].is_string());
    let log = env.ok(&root, &["log", "-d"]);
    assert_contains(&log, "- data/d1/a.csv");
}

#[test]
fn tags_name_versions_without_changing_the_dataset() {
    let env = TestEnv::new();
    let root = env.project_with(&[("data/d1/a.txt", "a\n")]);
    env.ok(&root, &["dataset", "create", "d1", "-n", "Title One"]);
    env.ok(&root, &["dataset", "tag", "d1", "v1", "-d", "first"]);
    assert_eq!(dataset_records(&root).len(), 1, "tagging makes no version");
    let before = snapshot(&env, &root);
    let out = env.run_in(&root, &["dataset", "tag", "d1", "v1"]);
    assert_code(&out, 2);
    assert_contains(&stderr(&out), "Tag 'v1' already exists");
    let out = env.run_in(&root, &["dataset", "tag", "d1", ".bad"]);
    assert_code(&out, 2);
    let out = env.run_in(&root, &["dataset", "rm-tags", "d1", "v9"]);
    assert_code(&out, 2);
    assert_contains(&stderr(&out), "Tags [v9] not found");
    assert_unchanged(&env, &root, &before, "tag errors");

    std::fs::write(root.join("data/d1/b.txt"), "b\n").unwrap();
    env.ok(&root, &["dataset", "add", "d1", "data/d1/b.txt"]);
    env.ok(&root, &["dataset", "edit", "d1", "-n", "Title Two"]);
    assert_eq!(
        paths(&files_json(&env, &root, &["-t", "v1"])),
        vec!["data/d1/a.txt"]
    );
    let show = env.ok(&root, &["dataset", "show", "d1", "--tag", "v1"]);
    assert_contains(&show, "Name: Title One");
    let out = env.run_in(&root, &["dataset", "show", "d1", "--tag", "v7"]);
    assert_code(&out, 2);
    let tags = env.ok(&root, &["dataset", "ls-tags", "d1"]);
    assert_contains(&tags, "CREATED");
    assert_contains(&tags, "v1");
    assert_contains(&tags, "Title One");
    env.ok(&root, &["dataset", "tag", "d1", "v1", "--force"]);
    assert_eq!(paths(&files_json(&env, &root, &["-t", "v1"])).len(), 2);
    env.ok(&root, &["dataset", "rm-tags", "d1", "v1"]);
    let tags: serde_json::Value =
        serde_json::from_str(&env.ok(&root, &["dataset", "ls-tags", "d1", "--format", "json"]))
            .unwrap();
    assert_eq!(tags, serde_json::json!([]));
}

/// The `@id`s of each node list in a `--format json-ld` answer.
fn node_ids(env: &TestEnv, root: &Path, args: &[&str]) -> Vec<Vec<String>> {
    let text = env.ok(root, args);
    let lists: serde_json::Value = serde_json::from_str(&text).unwrap();
    lists
        .as_array()
        .unwrap_or_else(|| panic!("a list: {text}"))
        .iter()
        .map(|nodes| {
            nodes
                .as_array()
                .unwrap_or_else(|| panic!("a node list: {text}"))
                .iter()
                .map(|n| n["@id"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .collect()
}

#[test]
fn listings_as_json_ld_are_renku_pythons_node_lists() {
    let env = TestEnv::new();
    let root = env.project_with(&[("data/d1/a.txt", "a\n")]);
    env.ok(&root, &["dataset", "create", "d1"]);
    env.ok(&root, &["dataset", "create", "d2"]);
    env.ok(&root, &["dataset", "tag", "d1", "v1", "-d", "first"]);
    let datasets = node_ids(&env, &root, &["dataset", "ls", "--format", "json-ld"]);
    assert_eq!(datasets.len(), 2, "{datasets:?}");
    // d1: its file, the dataset, the file's entity, the project link, the URL it derives from
    // (registering the existing file made a second version), its creator.
    let d1 = &datasets[0];
    for prefix in [
        "/dataset-files/",
        "/datasets/",
        "/entities/",
        "/projects/",
        "mailto:",
    ] {
        assert!(d1.iter().any(|i| i.starts_with(prefix)), "{prefix}: {d1:?}");
    }
    assert!(!datasets[1].iter().any(|i| i.starts_with("/dataset-files/")));
    let files = node_ids(&env, &root, &["dataset", "ls-files", "--format", "json-ld"]);
    assert_eq!(files.len(), 1);
    assert!(files[0][0].starts_with("/dataset-files/"), "{files:?}");
    assert!(files[0][1].ends_with("/data/d1/a.txt"), "{files:?}");
    let tags: serde_json::Value =
        serde_json::from_str(&env.ok(&root, &["dataset", "ls-tags", "d1", "--format", "json-ld"]))
            .unwrap();
    let tag = &tags[0];
    assert_eq!(tag["http://schema.org/name"], "v1");
    assert_eq!(tag["http://schema.org/description"], "first");
    assert!(
        tag["@id"]
            .as_str()
            .is_some_and(|i| i.starts_with("/dataset-tags/v1%40")),
        "{tag}"
    );
    assert_eq!(
        tag["http://schema.org/about"]["http://schema.org/url"]["@id"],
        d1.iter()
            .find(|i| i.starts_with("/datasets/"))
            .map(String::as_str)
            .unwrap_or_default()
    );
}

#[test]
fn update_follows_local_changes_and_reports_deletions() {
    let env = TestEnv::new();
    let root = env.project_with(&[("data/d1/a.txt", "a\n"), ("data/d1/b.txt", "b\n")]);
    env.ok(&root, &["dataset", "create", "d1"]);
    let out = env.run_in(&root, &["dataset", "update"]);
    assert_code(&out, 2);
    assert_contains(
        &stderr(&out),
        "Either SLUGS, -a/--all, -n/--dry-run, or --include/--exclude should be specified",
    );
    let out = env.run_in(&root, &["dataset", "update", "d1", "--all"]);
    assert_code(&out, 2);
    let out = env.ok(&root, &["dataset", "update", "--dry-run"]);
    assert_contains(&out, "Everything is up-to-date");

    std::fs::write(root.join("data/d1/a.txt"), "changed\n").unwrap();
    // Committed behind renku's back (its pre-commit hook would refuse).
    env.git(&root, &["commit", "--no-verify", "-qam", "change a"]);
    env.git(&root, &["rm", "-q", "data/d1/b.txt"]);
    env.git(&root, &["commit", "-qm", "remove b"]);
    let before = snapshot(&env, &root);
    let out = env.run_in(&root, &["dataset", "update", "--dry-run"]);
    assert_code(&out, 1);
    assert_contains(&stdout(&out), "The following files will be updated:");
    assert_contains(&stdout(&out), "data/d1/a.txt");
    assert_contains(&stdout(&out), "The following files will be deleted");
    let out = env.run_in(&root, &["dataset", "update", "-n", "--plain"]);
    assert_code(&out, 1);
    assert_eq!(stdout(&out), "f data/d1/a.txt d1\nr data/d1/b.txt d1\n");
    assert_unchanged(&env, &root, &before, "dry runs");

    let out = env.run_in(&root, &["dataset", "update", "--all"]);
    assert_success(&out);
    assert_contains(&stdout(&out), "Updated 1 files");
    assert_contains(&stderr(&out), "Some files are deleted");
    let a = files_json(&env, &root, &["-c", "path"]);
    assert_eq!(paths(&a), vec!["data/d1/a.txt", "data/d1/b.txt"]);
    let out = env.ok(&root, &["dataset", "update", "--all", "--delete"]);
    assert_contains(&out, "deleted 1 files");
    assert_eq!(paths(&files_json(&env, &root, &[])), vec!["data/d1/a.txt"]);
    let csv = env.ok(
        &root,
        &["dataset", "ls-files", "--format", "csv", "-c", "checksum"],
    );
    let blob = env.git(&root, &["rev-parse", "HEAD:data/d1/a.txt"]);
    assert_eq!(csv, format!("checksum\n{}\n", blob.trim()));
    // Like the reference, a real run reports the count even when it is 0.
    let out = env.ok(&root, &["dataset", "update", "--all"]);
    assert_contains(&out, "Updated 0 files");

    // --check-data-directory picks up new files.
    std::fs::write(root.join("data/d1/new.txt"), "n\n").unwrap();
    env.git(&root, &["add", "-A"]);
    env.git(&root, &["commit", "--no-verify", "-qm", "new file"]);
    env.ok(&root, &["dataset", "update", "d1", "-c"]);
    assert_eq!(
        paths(&files_json(&env, &root, &[])),
        vec!["data/d1/a.txt", "data/d1/new.txt"]
    );
}

/// A git repository with files to add from, reachable by a `file://` URL ending in `.git`.
fn source_repo(env: &TestEnv) -> (std::path::PathBuf, String) {
    let src = env.work().join("src-work");
    write_files(
        &src,
        &[
            ("README.md", "readme\n"),
            ("data/x.csv", "x1\n"),
            ("data/y.csv", "y1\n"),
            ("docs/z.md", "z\n"),
        ],
    );
    env.git(&src, &["init", "-q"]);
    env.git(&src, &["add", "-A"]);
    env.git(&src, &["commit", "-qm", "one"]);
    env.git(&src, &["tag", "v1"]);
    let bare = env.work().join("remote.git");
    env.git(
        &env.work(),
        &[
            "clone",
            "-q",
            "--bare",
            src.to_str().unwrap(),
            bare.to_str().unwrap(),
        ],
    );
    (src, format!("file://{}", bare.display()))
}

#[test]
fn files_from_git_repositories_keep_their_origin_and_update() {
    let env = TestEnv::new();
    let root = env.project_with(&[]);
    let (src, url) = source_repo(&env);
    env.ok(
        &root,
        &["dataset", "add", "-c", "g", &url, "-s", "data/*.csv"],
    );
    assert_eq!(
        paths(&files_json(&env, &root, &[])),
        vec!["data/g/x.csv", "data/g/y.csv"]
    );
    assert_eq!(read_file(&root, "data/g/x.csv"), "x1\n");
    let rec = dataset_records(&root);
    let f = &rec[0]["data"]["files"][0];
    assert_eq!(f["based_on"]["path"], "data/x.csv");
    assert_eq!(f["based_on"]["url"], url);
    let blob = env.git(&src, &["rev-parse", "HEAD:data/x.csv"]);
    assert_eq!(f["based_on"]["checksum"].as_str().unwrap(), blob.trim());
    assert_eq!(env.status(&root), "", "the clone is in the ignored cache");

    env.ok(
        &root,
        &["dataset", "add", "g", &url, "-s", "docs", "-d", "more"],
    );
    assert_eq!(read_file(&root, "data/g/more/docs/z.md"), "z\n");
    let before = snapshot(&env, &root);
    let out = env.run_in(&root, &["dataset", "add", "g", &url, "-s", "missing/*"]);
    assert_code(&out, 2);
    assert_contains(&stderr(&out), "No such file or directory");
    let out = env.run_in(&root, &["dataset", "add", "g", &url, &url, "-s", "data"]);
    assert_code(&out, 2);
    assert_contains(&stderr(&out), "Cannot use '--source' with multiple URLs.");
    let out = env.run_in(
        &root,
        &["dataset", "add", "g", "file:///nonexistent/repo.git"],
    );
    assert_code(&out, 1);
    assert_unchanged(&env, &root, &before, "failed git adds");

    // The remote changes: update copies the new content and records the new blob.
    std::fs::write(src.join("data/x.csv"), "x2\n").unwrap();
    env.git(&src, &["rm", "-q", "data/y.csv"]);
    env.git(&src, &["commit", "-qam", "two"]);
    env.git(
        &src,
        &[
            "push",
            "-q",
            &url.replace("file://", ""),
            "HEAD:refs/heads/master",
            "HEAD:refs/heads/main",
        ],
    );
    let out = env.run_in(&root, &["dataset", "update", "-n", "--plain", "g"]);
    assert_code(&out, 1);
    assert_eq!(stdout(&out), "f data/g/x.csv g\nr data/g/y.csv g\n");
    env.ok(&root, &["dataset", "update", "g", "--delete"]);
    assert_eq!(read_file(&root, "data/g/x.csv"), "x2\n");
    assert_eq!(
        paths(&files_json(&env, &root, &["-I", "*.csv"])),
        vec!["data/g/x.csv"]
    );
    // --ref goes back to the tagged revision.
    env.ok(
        &root,
        &[
            "dataset",
            "add",
            "-c",
            "old",
            &url,
            "--ref",
            "v1",
            "-s",
            "data/y.csv",
        ],
    );
    assert_eq!(read_file(&root, "data/old/y.csv"), "y1\n");
}

#[test]
fn branches_that_change_datasets_merge_without_conflicts() {
    let env = TestEnv::new();
    let root = env.project_with(&[("data/d1/base.txt", "base\n")]);
    env.ok(&root, &["dataset", "create", "d1", "-n", "Base"]);
    env.git(&root, &["checkout", "-qb", "one"]);
    std::fs::write(root.join("data/d1/one.txt"), "1\n").unwrap();
    env.ok(&root, &["dataset", "add", "d1", "data/d1/one.txt"]);
    env.ok(&root, &["dataset", "edit", "d1", "-n", "Title from one"]);
    env.git(&root, &["checkout", "-q", "main"]);
    env.git(&root, &["checkout", "-qb", "two"]);
    std::fs::write(root.join("data/d1/two.txt"), "2\n").unwrap();
    env.ok(&root, &["dataset", "add", "d1", "data/d1/two.txt"]);
    env.ok(&root, &["dataset", "edit", "d1", "-n", "Title from two"]);
    env.git(&root, &["checkout", "-q", "main"]);
    env.git(&root, &["checkout", "-qb", "three"]);
    std::fs::write(root.join("data/d3/x.txt"), "x\n").unwrap_or_else(|_| {
        std::fs::create_dir_all(root.join("data/d3")).unwrap();
        std::fs::write(root.join("data/d3/x.txt"), "x\n").unwrap();
    });
    env.ok(&root, &["dataset", "create", "d3"]);
    env.git(&root, &["checkout", "-q", "main"]);
    env.git(&root, &["merge", "-q", "--no-edit", "one"]);
    env.git(&root, &["merge", "-q", "--no-edit", "two"]);
    env.git(&root, &["merge", "-q", "--no-edit", "three"]);
    assert_eq!(
        paths(&files_json(&env, &root, &["d1"])),
        vec!["data/d1/base.txt", "data/d1/one.txt", "data/d1/two.txt"]
    );
    assert_eq!(
        paths(&files_json(&env, &root, &["d3"])),
        vec!["data/d3/x.txt"]
    );
    // Both branches renamed the dataset: doctor reports it with the command that settles it.
    let out = env.run_in(&root, &["doctor"]);
    assert_code(&out, 1);
    let report = format!("{}{}", stdout(&out), stderr(&out));
    assert_contains(&report, "dataset 'd1'");
    // Both values are named (their order is the heads' order, newest first; the two edits
    // may fall into the same second).
    assert!(
        report.contains("'Title from two' vs 'Title from one'")
            || report.contains("'Title from one' vs 'Title from two'"),
        "{report}"
    );
    assert_contains(&report, "renku dataset edit d1 --name");
    env.ok(&root, &["dataset", "edit", "d1", "-n", "Title from two"]);
    let out = env.run_in(&root, &["doctor"]);
    assert_success(&out);
    assert_eq!(paths(&files_json(&env, &root, &["d1"])).len(), 3);
    let show = env.ok(&root, &["dataset", "show", "d1"]);
    assert_contains(&show, "Name: Title from two");
}

#[test]
fn dataset_commands_refuse_uncommitted_metadata_and_outside_projects() {
    let env = TestEnv::new();
    let root = env.project_with(&[]);
    env.ok(&root, &["dataset", "create", "d1"]);
    std::fs::write(root.join(".gitattributes"), "*.bin filter=lfs\n").unwrap();
    let out = env.run_in(&root, &["dataset", "create", "d2"]);
    assert_code(&out, 1);
    assert_contains(&stderr(&out), "contains uncommitted changes");
    let out = env.run(&["dataset", "ls"]);
    assert_code(&out, 2);
}

#[test]
fn large_files_go_to_git_lfs_unless_external_storage_is_off() {
    if std::process::Command::new("git-lfs")
        .arg("version")
        .output()
        .is_err()
    {
        eprintln!("note: git-lfs is not installed; skipping this Git LFS test");
        return;
    }
    let env = TestEnv::new();
    let root = env.project_with(&[]);
    env.ok(&root, &["config", "set", "lfs_threshold", "1kb"]);
    let big = env.work().join("big.bin");
    std::fs::write(&big, vec![7u8; 4096]).unwrap();
    let small = env.work().join("small.txt");
    std::fs::write(&small, "s\n").unwrap();
    env.ok(
        &root,
        &[
            "dataset",
            "add",
            "--copy",
            "-c",
            "d1",
            big.to_str().unwrap(),
            small.to_str().unwrap(),
        ],
    );
    let attrs = read_file(&root, ".gitattributes");
    assert_contains(&attrs, "data/d1/big.bin filter=lfs");
    assert!(!attrs.contains("small.txt"));
    let pointer = env.git(&root, &["cat-file", "-p", "HEAD:data/d1/big.bin"]);
    assert!(pointer.starts_with("version https://git-lfs.github.com/spec/v1"));
    let files = files_json(&env, &root, &[]);
    let big_entry = files
        .iter()
        .find(|f| f["path"] == "data/d1/big.bin")
        .unwrap();
    assert_eq!(big_entry["is_lfs"], true);
    let blob = env.git(&root, &["rev-parse", "HEAD:data/d1/big.bin"]);
    let csv = env.ok(
        &root,
        &[
            "dataset",
            "ls-files",
            "--format",
            "csv",
            "-c",
            "path,checksum,lfs",
            "-I",
            "big.bin",
        ],
    );
    assert_eq!(
        csv,
        format!("path,checksum,lfs\ndata/d1/big.bin,{},*\n", blob.trim())
    );
    // -S: nothing goes to LFS.
    let big2 = env.work().join("big2.bin");
    std::fs::write(&big2, vec![8u8; 4096]).unwrap();
    env.ok(
        &root,
        &[
            "-S",
            "dataset",
            "add",
            "--copy",
            "d1",
            big2.to_str().unwrap(),
        ],
    );
    assert!(!read_file(&root, ".gitattributes").contains("big2.bin"));
    assert_eq!(
        env.git(&root, &["cat-file", "-s", "HEAD:data/d1/big2.bin"])
            .trim(),
        "4096"
    );
}

/// The folded-state cache files of datasets (`.renku/cache/datasets/*.json`).
fn state_cache_files(root: &Path) -> Vec<std::path::PathBuf> {
    let dir = root.join(".renku/cache/datasets");
    let mut out: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

#[test]
fn the_dataset_state_cache_follows_checkouts_merges_deletion_and_damage() {
    let env = TestEnv::new();
    let root = env.project_with(&[("a.txt", "a\n"), ("b.txt", "b\n"), ("c.txt", "c\n")]);
    env.ok(&root, &["dataset", "add", "--copy", "-c", "d1", "a.txt"]);
    // Written by the add itself, and git-ignored.
    let caches = state_cache_files(&root);
    assert_eq!(caches.len(), 1, "{caches:?}");
    let cache = caches[0].clone();
    assert_eq!(env.status(&root), "");
    env.ok(&root, &["dataset", "add", "--copy", "d1", "b.txt"]);
    let two = vec!["data/d1/a.txt".to_string(), "data/d1/b.txt".to_string()];
    assert_eq!(env.dataset_paths(&root, "d1"), two);

    // A checkout of the commit before the second add: the cache is stale, not trusted.
    env.git(&root, &["checkout", "-q", "HEAD~1"]);
    assert_eq!(env.dataset_paths(&root, "d1"), ["data/d1/a.txt"]);
    env.git(&root, &["checkout", "-q", "main"]);
    assert_eq!(env.dataset_paths(&root, "d1"), two);

    // A branch that adds a file, merged by git: the version written there is applied.
    env.git(&root, &["checkout", "-qb", "side"]);
    env.ok(&root, &["dataset", "add", "--copy", "d1", "c.txt"]);
    env.git(&root, &["checkout", "-q", "main"]);
    assert_eq!(env.dataset_paths(&root, "d1"), two);
    env.git(&root, &["merge", "-q", "--no-edit", "side"]);
    let three = vec![
        "data/d1/a.txt".to_string(),
        "data/d1/b.txt".to_string(),
        "data/d1/c.txt".to_string(),
    ];
    assert_eq!(env.dataset_paths(&root, "d1"), three);
    let good = std::fs::read(&cache).unwrap();

    // Deleted: rebuilt, with the same content.
    std::fs::remove_file(&cache).unwrap();
    assert_eq!(env.dataset_paths(&root, "d1"), three);
    assert_eq!(std::fs::read(&cache).unwrap(), good);

    // Damaged (a file list that misses c.txt, the checksum left as it was; then garbage):
    // ignored and rebuilt.
    let text = String::from_utf8(good.clone()).unwrap();
    let damaged = text.replace("data/d1/c.txt", "data/d1/X.txt");
    assert_ne!(damaged, text);
    std::fs::write(&cache, damaged).unwrap();
    assert_eq!(env.dataset_paths(&root, "d1"), three);
    assert_eq!(std::fs::read(&cache).unwrap(), good);
    std::fs::write(&cache, "{not json").unwrap();
    assert_eq!(env.dataset_paths(&root, "d1"), three);
    assert_eq!(std::fs::read(&cache).unwrap(), good);

    // `renku gc` removes it with the rest of the cache; nothing is lost.
    env.ok(&root, &["gc"]);
    assert!(state_cache_files(&root).is_empty());
    assert_eq!(env.dataset_paths(&root, "d1"), three);
    assert_eq!(env.status(&root), "");
}

#[test]
fn log_json_has_renku_pythons_fields() {
    let env = TestEnv::new();
    let root = env.project_with(&[("a.txt", "a\n")]);
    env.ok(
        &root,
        &[
            "dataset",
            "create",
            "d1",
            "-k",
            "x",
            "-c",
            "Ann Lee <ann@example.org>",
        ],
    );
    env.ok(&root, &["run", "--name", "copy", "cp", "a.txt", "b.txt"]);
    let log: serde_json::Value =
        serde_json::from_str(&env.ok(&root, &["log", "--format", "json"])).unwrap();
    let entries = log.as_array().unwrap();
    let dataset = entries.iter().find(|e| e["type"] == "Dataset").unwrap();
    assert_eq!(
        dataset["details"],
        serde_json::json!({
            "created": true, "imported": false, "deleted": false, "migrated": false,
            "modified": false, "files_added": null, "files_removed": null,
            "name_changed": "d1", "description_changed": null,
            "creators_added": ["Ann Lee <ann@example.org>"], "creators_removed": null,
            "keywords_added": ["x"], "keywords_removed": null, "images_changed_to": null,
            "source": null
        })
    );
    assert!(dataset.get("plan").is_none(), "{dataset}");
    let run = entries.iter().find(|e| e["type"] == "Run").unwrap();
    assert_eq!(run["plan"]["name"], "copy");
    let agent = run["agents"][0].as_str().unwrap();
    assert!(agent.contains(" <https://"), "name <id>: {agent}");
    for date in [
        &run["date"],
        &run["details"]["start_time"],
        &dataset["date"],
    ] {
        // An offset (`+00:00`), never `Z`.
        let text = date.as_str().unwrap();
        let offset = &text[text.len().saturating_sub(6)..];
        assert!(
            (offset.starts_with('+') || offset.starts_with('-')) && offset.as_bytes()[3] == b':',
            "{text}"
        );
    }
}
