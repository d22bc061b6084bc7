//! `renku init`.

use std::path::Path;

use crate::common::*;

const PYTHON_MINIMAL_FILES: [&str; 14] = [
    ".dockerignore",
    ".gitattributes",
    ".gitignore",
    ".renku/renku.ini",
    ".renku/template_checksums.json",
    ".renkulfsignore",
    "Dockerfile",
    "README.md",
    "data/.gitkeep",
    "environment.yml",
    "notebooks/.gitkeep",
    "requirements.txt",
    "workflows/my-workflow.yaml",
    ".renku/store/format.json",
];

/// Asserts `message` is `renku <argv>` + blank line + `renku-transaction: <32 hex>`.
#[track_caller]
fn assert_renku_message(message: &str, first_line: &str) {
    let message = message.trim_end_matches('\n');
    let (head, trailer) = message
        .split_once("\n\nrenku-transaction: ")
        .unwrap_or_else(|| panic!("no transaction trailer in {message:?}"));
    assert_eq!(head, first_line);
    assert_eq!(trailer.len(), 32, "{message:?}");
    assert!(
        trailer
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)),
        "{message:?}"
    );
}

/// Every file in `dir` (recursively, `.git` included), with its contents.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            if p.is_dir() {
                out.push((rel + "/", Vec::new()));
                stack.push(p);
            } else {
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn init_python_minimal_makes_one_commit() {
    let env = TestEnv::new();
    let out = env.run(&["init", "-t", "python-minimal", "proj"]);
    assert_code(&out, 0);
    let text = stdout(&out);
    assert_contains(&text, "Initializing Git repository...");
    assert_contains(&text, "Initializing Dockerfile ...");
    assert_contains(&text, "Project initialized.");
    assert!(text.trim_end().ends_with("OK"), "{text}");
    let root = env.work().join("proj");

    assert_eq!(env.commit_count(&root), 1);
    let message = env.git(&root, &["log", "-1", "--format=%B"]);
    assert_renku_message(&message, "renku init -t python-minimal proj");
    assert_eq!(
        env.git(&root, &["log", "-1", "--format=%an <%ae>"]).trim(),
        "Jane Doe <jane.doe@example.org>"
    );
    assert_eq!(env.status(&root), "");
    assert_eq!(env.git(&root, &["branch", "--show-current"]).trim(), "main");

    let tracked = env.git(&root, &["ls-files"]);
    let tracked: Vec<&str> = tracked.lines().collect();
    for f in PYTHON_MINIMAL_FILES {
        assert!(root.join(f).is_file(), "{f} missing");
        assert!(tracked.contains(&f), "{f} not committed");
    }
    assert!(!tracked.iter().any(|f| f.starts_with(".renku/cache")));

    // Exactly one project record, committed, with no predecessor.
    let records = record_files(&root, "project");
    assert_eq!(records.len(), 1);
    let record = read_json(&records[0]);
    assert_eq!(record["kind"], "project");
    assert_eq!(record["derived_from"], serde_json::Value::Null);
    assert_eq!(record["data"]["name"], "proj");
    assert_eq!(record["data"]["id"], "/projects/jane.doe/proj");
    let transaction = message.trim_end().rsplit(' ').next().unwrap().to_string();
    assert_eq!(record["transaction"], transaction.as_str());
    assert_eq!(
        records[0].file_name().unwrap().to_str().unwrap(),
        format!("{}.json", record["version_id"].as_str().unwrap())
    );
    let format = read_json(&root.join(".renku/store/format.json"));
    assert_eq!(format["version"], 1);

    // Contents of a few files.
    let gitignore = std::fs::read_to_string(root.join(".gitignore")).unwrap();
    assert_contains(&gitignore, ".renku/cache\n");
    assert_contains(&gitignore, ".renku/tmp\n");
    assert_eq!(
        std::fs::read_to_string(root.join(".dockerignore")).unwrap(),
        "data\n.renku\n.git\n"
    );
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(readme.starts_with("# proj\n"), "{readme}");
    let dockerfile = std::fs::read_to_string(root.join("Dockerfile")).unwrap();
    assert_contains(&dockerfile, "renku/renkulab-py:3.11-");
    assert_contains(&dockerfile, "# Renku install section - do not edit");
    assert_contains(&dockerfile, "# End Renku install section");
    assert!(!dockerfile.contains("{{"), "{dockerfile}");
    let ini = std::fs::read_to_string(root.join(".renku/renku.ini")).unwrap();
    assert!(
        ini.starts_with("[interactive]\ndefault_url = /lab\n"),
        "{ini}"
    );
}

#[test]
fn template_checksums_match_the_files() {
    let env = TestEnv::new();
    let out = env.run(&["init", "-t", "python-minimal", "proj"]);
    assert_code(&out, 0);
    let root = env.work().join("proj");
    let checksums = read_json(&root.join(".renku/template_checksums.json"));
    let checksums = checksums.as_object().unwrap();
    for f in PYTHON_MINIMAL_FILES {
        // `.renku/renku.ini` is covered by `renku_ini_checksum_matches_the_file`.
        if f.starts_with(".renku/") {
            continue;
        }
        let expected = sha256_hex(&std::fs::read(root.join(f)).unwrap());
        assert_eq!(
            checksums.get(f).and_then(|v| v.as_str()),
            Some(expected.as_str()),
            "checksum of {f}"
        );
    }
    assert!(!checksums.contains_key(".renku/template_checksums.json"));
    assert_eq!(
        sha256_hex(b""),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
}

#[test]
fn renku_ini_checksum_matches_the_file() {
    let env = TestEnv::new();
    let root = env.init_project("p");
    let checksums = read_json(&root.join(".renku/template_checksums.json"));
    let ini = std::fs::read(root.join(".renku/renku.ini")).unwrap();
    assert_eq!(
        checksums[".renku/renku.ini"].as_str(),
        Some(sha256_hex(&ini).as_str())
    );
}

#[test]
fn init_minimal_template() {
    let env = TestEnv::new();
    let out = env.run(&["init", "-t", "minimal", "proj"]);
    assert_code(&out, 0);
    let root = env.work().join("proj");
    for f in [
        ".dockerignore",
        ".gitattributes",
        ".gitignore",
        ".renku/renku.ini",
        ".renku/template_checksums.json",
        ".renkulfsignore",
        "Dockerfile",
        "README.md",
        "workflows/my-workflow.yaml",
        "data/.gitkeep",
    ] {
        assert!(root.join(f).is_file(), "{f} missing");
    }
    for f in ["requirements.txt", "environment.yml", "notebooks"] {
        assert!(!root.join(f).exists(), "{f} should not exist");
    }
    assert_eq!(env.status(&root), "");
    let out = env.run_in(&root, &["project", "show"]);
    assert_contains(&stdout(&out), "Project Template: minimal (");
}

#[test]
fn default_template_is_python_minimal() {
    let env = TestEnv::new();
    let out = env.run(&["init", "proj"]);
    assert_code(&out, 0);
    let err = stderr(&out);
    assert!(
        err.lines()
            .any(|l| l.starts_with("Info:") && l.contains("python-minimal")),
        "{err}"
    );
    let root = env.work().join("proj");
    assert!(root.join("requirements.txt").is_file());
    let out = env.run_in(&root, &["project", "show", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["template"]["id"], "python-minimal");
    assert_eq!(json["template"]["parameters"]["python_version"], "3.11");
}

#[test]
fn init_in_current_directory() {
    let env = TestEnv::new();
    let root = env.work().join("here");
    std::fs::create_dir_all(&root).unwrap();
    let out = env.run_in(&root, &["init", "-t", "minimal"]);
    assert_code(&out, 0);
    assert_eq!(env.commit_count(&root), 1);
    let out = env.run_in(&root, &["project", "show"]);
    assert_contains(&stdout(&out), "Name: here\n");
}

#[test]
fn name_description_and_keywords() {
    let env = TestEnv::new();
    let out = env.run(&[
        "init",
        "-t",
        "python-minimal",
        "--name",
        "My Project",
        "--description",
        "A fine project",
        "-k",
        "alpha",
        "-k",
        "beta",
        "dir",
    ]);
    assert_code(&out, 0);
    let root = env.work().join("dir");
    let out = env.run_in(&root, &["project", "show"]);
    assert_code(&out, 0);
    let text = stdout(&out);
    assert_contains(&text, "Id: /projects/jane.doe/my-project\n");
    assert_contains(&text, "Name: My Project\n");
    assert_contains(&text, "Description: A fine project\n");
    assert_contains(&text, "Keywords: alpha, beta\n");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(readme.starts_with("# My Project\n"), "{readme}");
    assert_contains(&readme, "A fine project");
    let message = env.git(&root, &["log", "-1", "--format=%B"]);
    assert_renku_message(
        &message,
        "renku init -t python-minimal --name My Project --description A fine project -k alpha -k beta dir",
    );
}

#[test]
fn datadir_option() {
    let env = TestEnv::new();
    let out = env.run(&["init", "-t", "minimal", "--datadir", "my/data", "proj"]);
    assert_code(&out, 0);
    let root = env.work().join("proj");
    assert!(root.join("my/data/.gitkeep").is_file());
    let tracked = env.git(&root, &["ls-files", "my/data"]);
    assert_eq!(tracked, "my/data/.gitkeep\n");
    let ini = std::fs::read_to_string(root.join(".renku/renku.ini")).unwrap();
    assert_contains(&ini, "[renku]\n");
    assert_contains(&ini, "data_directory = my/data\n");
    let out = env.run_in(&root, &["config", "show", "data_directory"]);
    assert_code(&out, 0);
    assert_eq!(stdout(&out), "my/data\n");
    assert_eq!(env.status(&root), "");
}

#[test]
fn invalid_datadir_is_rejected() {
    let env = TestEnv::new();
    for dir in [".renku", ".", ".git", "../outside", ".renku/sub"] {
        let out = env.run(&["init", "-t", "minimal", "--datadir", dir, "proj"]);
        assert_code(&out, 2);
        assert_contains(
            &stderr(&out),
            &format!("Cannot use {dir} as data directory"),
        );
        assert!(!env.work().join("proj").exists(), "{dir}: project created");
    }
}

#[test]
fn template_parameter_is_rendered() {
    let env = TestEnv::new();
    let out = env.run(&[
        "init",
        "-t",
        "python-minimal",
        "-p",
        "python_version=3.10",
        "p",
    ]);
    assert_code(&out, 0);
    let root = env.work().join("p");
    let dockerfile = std::fs::read_to_string(root.join("Dockerfile")).unwrap();
    assert!(
        dockerfile.starts_with("ARG RENKU_BASE_IMAGE=renku/renkulab-py:3.10-"),
        "{dockerfile}"
    );
    let out = env.run_in(&root, &["project", "show", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["template"]["parameters"]["python_version"], "3.10");
}

#[test]
fn malformed_parameter_is_a_usage_error() {
    let env = TestEnv::new();
    for p in ["foo", "=value"] {
        let out = env.run(&["init", "-t", "python-minimal", "-p", p, "p"]);
        assert_code(&out, 2);
        assert_contains(&stderr(&out), "Parameter format must be");
        assert!(!env.work().join("p").exists());
    }
}

#[test]
fn unknown_parameter_is_ignored_with_info() {
    let env = TestEnv::new();
    let out = env.run(&["init", "-t", "python-minimal", "-p", "foo=bar", "p"]);
    assert_code(&out, 0);
    let err = stderr(&out);
    assert_contains(
        &err,
        "Info: These parameters are not used by the template and were ignored:",
    );
    assert_contains(&err, "\tfoo\n");
    let root = env.work().join("p");
    let out = env.run_in(&root, &["project", "show", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(json["template"]["parameters"].get("foo").is_none());
    // The minimal template has no parameters at all.
    let out = env.run(&["init", "-t", "minimal", "-p", "python_version=3.10", "m"]);
    assert_code(&out, 0);
    assert_contains(&stderr(&out), "\tpython_version\n");
}

#[test]
fn bad_enum_value_is_rejected() {
    let env = TestEnv::new();
    let out = env.run(&[
        "init",
        "-t",
        "python-minimal",
        "-p",
        "python_version=2.7",
        "p",
    ]);
    assert_code(&out, 2);
    let err = stderr(&out);
    assert!(
        err.starts_with("Error: ") || err.contains("\nError: "),
        "{err}"
    );
    assert_contains(&err, "2.7");
    assert_contains(&err, "python_version");
    assert!(!env.work().join("p").exists());
}

#[test]
fn unknown_template_is_an_error() {
    let env = TestEnv::new();
    let out = env.run(&["init", "-t", "no-such-template", "p"]);
    assert_code(&out, 1);
    assert_contains(
        &stderr(&out),
        "Error: The template with id 'no-such-template' is not available",
    );
    assert!(!env.work().join("p").exists());
}

#[test]
fn template_ref_needs_template_source() {
    let env = TestEnv::new();
    let out = env.run(&["init", "-t", "minimal", "--template-ref", "v1", "p"]);
    assert_code(&out, 2);
    assert_contains(
        &stderr(&out),
        "Can't use '--template-ref' without specifying '--template-source'",
    );
    assert!(!env.work().join("p").exists());
}

#[test]
fn template_from_a_local_git_repository() {
    let env = TestEnv::new();
    let tpl = env.dir.path().join("templates");
    make_template_repo(&env, &tpl, true);
    let source = tpl.to_str().unwrap();

    // The branch head.
    let out = env.run(&["init", "-s", source, "-t", "custom", "head"]);
    assert_code(&out, 0);
    let root = env.work().join("head");
    assert_eq!(
        std::fs::read_to_string(root.join("README.md")).unwrap(),
        "# head\nhello v2\n"
    );
    assert_eq!(
        std::fs::read_to_string(root.join("notes.txt")).unwrap(),
        "notes v2\n"
    );
    assert!(!root.join("Dockerfile").exists());
    assert_eq!(env.status(&root), "");
    let out = env.run_in(&root, &["project", "show", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["template"]["id"], "custom");
    assert_eq!(json["template"]["source"], source);
    assert_eq!(
        json["template"]["version"],
        env.git(&tpl, &["rev-parse", "HEAD"]).trim()
    );

    // A tag, with a parameter.
    let out = env.run(&[
        "init",
        "-s",
        source,
        "-r",
        "v1",
        "-t",
        "custom",
        "-p",
        "greeting=hey",
        "tagged",
    ]);
    assert_code(&out, 0);
    let root = env.work().join("tagged");
    assert_eq!(
        std::fs::read_to_string(root.join("README.md")).unwrap(),
        "# tagged\nhey v1\n"
    );
    assert_eq!(
        std::fs::read_to_string(root.join("notes.txt")).unwrap(),
        "notes v1\n"
    );
    let out = env.run_in(&root, &["project", "show", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["template"]["reference"], "v1");
    assert_eq!(json["template"]["parameters"]["greeting"], "hey");
    assert_eq!(
        json["template"]["version"],
        env.git(&tpl, &["rev-parse", "v1^{commit}"]).trim()
    );

    // An id the source does not have, and a reference it does not have.
    let out = env.run(&["init", "-s", source, "-t", "minimal", "x1"]);
    assert_code(&out, 1);
    assert_contains(&stderr(&out), "is not available");
    let out = env.run(&[
        "init",
        "-s",
        source,
        "-r",
        "no-such-ref",
        "-t",
        "custom",
        "x2",
    ]);
    assert_ne!(code(&out), 0);
    assert!(!env.work().join("x1").exists());
    assert!(!env.work().join("x2").exists());
}

#[test]
fn cache_is_ignored_even_if_the_template_has_no_gitignore() {
    let env = TestEnv::new();
    let tpl = env.dir.path().join("templates");
    make_template_repo(&env, &tpl, false);
    let out = env.run(&["init", "-s", tpl.to_str().unwrap(), "-t", "custom", "p"]);
    assert_code(&out, 0);
    let root = env.work().join("p");
    let out = env.run_in(&root, &["project", "show"]);
    assert_code(&out, 0);
    assert!(root.join(".renku/cache").exists());
    assert_eq!(env.status(&root), "");
    // So commands that need a clean repository still work.
    let out = env.run_in(&root, &["template", "update"]);
    assert_code(&out, 0);
}

#[test]
fn initial_branch() {
    let env = TestEnv::new();
    let out = env.run(&["init", "-t", "minimal", "--initial-branch", "trunk", "p"]);
    assert_code(&out, 0);
    let root = env.work().join("p");
    assert_eq!(
        env.git(&root, &["branch", "--show-current"]).trim(),
        "trunk"
    );
    assert_eq!(env.git(&root, &["branch", "--list"]).trim(), "* trunk");
}

#[test]
fn custom_metadata_is_stored() {
    let env = TestEnv::new();
    let meta = env.dir.path().join("meta.jsonld");
    std::fs::write(
        &meta,
        r#"{"@context": {"@vocab": "http://schema.org/"}, "@type": "Thing", "name": "custom"}"#,
    )
    .unwrap();
    let out = env.run(&[
        "init",
        "-t",
        "minimal",
        "--metadata",
        meta.to_str().unwrap(),
        "p",
    ]);
    assert_code(&out, 0);
    let root = env.work().join("p");
    let out = env.run_in(&root, &["project", "show", "--format", "json"]);
    assert_code(&out, 0);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let annotations = json["annotations"].as_array().unwrap();
    assert_eq!(annotations.len(), 1);
    assert_eq!(annotations[0]["source"], "renku");
    assert_eq!(annotations[0]["body"]["@type"], "Thing");
    assert_eq!(annotations[0]["body"]["name"], "custom");
    let out = env.run_in(&root, &["project", "show"]);
    assert_contains(&stdout(&out), "Annotations: ");
    assert_contains(&stdout(&out), "\"name\":\"custom\"");
}

#[test]
fn bad_metadata_creates_nothing() {
    let env = TestEnv::new();
    let bad = env.dir.path().join("bad.jsonld");
    std::fs::write(&bad, "{not json").unwrap();
    let out = env.run(&["init", "-t", "minimal", "-m", bad.to_str().unwrap(), "p"]);
    assert_ne!(code(&out), 0);
    assert_contains(&stderr(&out), "Error: ");
    assert!(!env.work().join("p").exists());

    // In an existing empty directory: it stays empty (no .git either).
    let dir = env.work().join("empty");
    std::fs::create_dir_all(&dir).unwrap();
    let out = env.run_in(
        &dir,
        &["init", "-t", "minimal", "-m", bad.to_str().unwrap()],
    );
    assert_ne!(code(&out), 0);
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);

    let missing = env.dir.path().join("missing.jsonld");
    let out = env.run(&[
        "init",
        "-t",
        "minimal",
        "-m",
        missing.to_str().unwrap(),
        "q",
    ]);
    assert_code(&out, 2);
    assert!(!env.work().join("q").exists());
}

#[test]
fn init_into_a_file_fails() {
    let env = TestEnv::new();
    let file = env.work().join("afile");
    std::fs::write(&file, "precious\n").unwrap();
    let out = env.run(&["init", "-t", "minimal", "afile"]);
    assert_code(&out, 2);
    assert_contains(&stderr(&out), "afile");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "precious\n");
    assert_eq!(std::fs::read_dir(env.work()).unwrap().count(), 1);
}

#[test]
fn init_twice_fails_and_changes_nothing() {
    let env = TestEnv::new();
    let root = env.init_project("p");
    let snap = snapshot(&env, &root);
    for args in [
        &["init", "-t", "minimal", "p"][..],
        &["init", "-t", "python-minimal", "p"],
    ] {
        let out = env.run(args);
        assert_code(&out, 1);
        assert_contains(&stderr(&out), "already a renku project");
        assert_unchanged(&env, &root, &snap, "");
    }
    // Also from inside the project.
    let out = env.run_in(&root, &["init", "-t", "minimal"]);
    assert_code(&out, 1);
    assert_unchanged(&env, &root, &snap, "");
    assert_eq!(env.commit_count(&root), 1);
}

/// A git repository with one commit holding `README.md`, `.gitignore` and `a.txt`.
fn existing_repo(env: &TestEnv, name: &str) -> std::path::PathBuf {
    let root = env.work().join(name);
    std::fs::create_dir_all(&root).unwrap();
    env.git(&root, &["init", "-q"]);
    std::fs::write(root.join("README.md"), "# My own readme\n").unwrap();
    std::fs::write(root.join(".gitignore"), "*.log\nsecret/\n").unwrap();
    std::fs::write(root.join("a.txt"), "a\n").unwrap();
    env.git(&root, &["add", "-A"]);
    env.git(&root, &["commit", "-qm", "first"]);
    root
}

#[test]
fn init_in_a_git_repository_with_commits() {
    let env = TestEnv::new();
    let root = existing_repo(&env, "repo");
    let old_head = env.head(&root);
    let out = env.run_in(&root, &["init", "-t", "python-minimal"]);
    assert_code(&out, 0);
    let text = stdout(&out);
    let backup = format!("pre_renku_init_{}", &old_head[..7]);
    assert_contains(&text, &backup);
    assert_contains(&text, "Appending to .gitignore");
    assert_contains(&text, "Keeping README.md");
    // The backup branch points at the old HEAD; the init commit follows it.
    assert_eq!(
        env.git(&root, &["rev-parse", &backup]).trim(),
        old_head.as_str()
    );
    assert_eq!(env.git(&root, &["rev-parse", "HEAD^"]).trim(), old_head);
    assert_eq!(env.commit_count(&root), 2);
    assert_renku_message(
        &env.git(&root, &["log", "-1", "--format=%B"]),
        "renku init -t python-minimal",
    );
    // README.md is never overwritten, .gitignore keeps its lines and gets renku's.
    assert_eq!(
        std::fs::read_to_string(root.join("README.md")).unwrap(),
        "# My own readme\n"
    );
    let gitignore = std::fs::read_to_string(root.join(".gitignore")).unwrap();
    assert!(gitignore.starts_with("*.log\nsecret/\n"), "{gitignore}");
    assert_contains(&gitignore, ".renku/cache\n");
    // What HEAD holds is what is on disk.
    assert_eq!(env.git(&root, &["show", "HEAD:.gitignore"]), gitignore);
    assert_eq!(env.git(&root, &["show", "HEAD:a.txt"]), "a\n");
    let out = env.run_in(&root, &["project", "show"]);
    assert_contains(&stdout(&out), "Name: repo\n");
}

#[test]
fn init_in_a_git_repository_leaves_a_clean_status() {
    let env = TestEnv::new();
    // Tracked README.md and .gitignore (appended to).
    let root = env.work().join("repo");
    std::fs::create_dir_all(&root).unwrap();
    env.git(&root, &["init", "-q"]);
    std::fs::write(root.join("README.md"), "# mine\n").unwrap();
    std::fs::write(root.join(".gitignore"), "foo\n*.log\n").unwrap();
    env.git(&root, &["add", "-A"]);
    env.git(&root, &["commit", "-qm", "first"]);
    let out = env.run_in(&root, &["init", "-t", "python-minimal"]);
    assert_code(&out, 0);
    assert_eq!(duplicate_index_entries(&env, &root), Vec::<String>::new());
    assert_eq!(env.status(&root), "");

    // A tracked Dockerfile overwritten with --force.
    let root = env.work().join("docker");
    std::fs::create_dir_all(&root).unwrap();
    env.git(&root, &["init", "-q"]);
    std::fs::write(root.join("Dockerfile"), "FROM mine\n").unwrap();
    std::fs::write(root.join("a.txt"), "a\n").unwrap();
    env.git(&root, &["add", "-A"]);
    env.git(&root, &["commit", "-qm", "first"]);
    let out = env.run_in(&root, &["init", "-t", "minimal", "--force"]);
    assert_code(&out, 0);
    assert_eq!(duplicate_index_entries(&env, &root), Vec::<String>::new());
    assert_eq!(env.status(&root), "");
}

#[test]
fn init_in_a_non_empty_directory() {
    let env = TestEnv::new();
    let root = env.work().join("dir");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("README.md"), "# Mine\n").unwrap();
    std::fs::write(root.join(".gitignore"), "foo\nbar/\n").unwrap();
    let out = env.run_in(&root, &["init", "-t", "python-minimal"]);
    assert_code(&out, 0);
    assert_eq!(
        std::fs::read_to_string(root.join("README.md")).unwrap(),
        "# Mine\n"
    );
    let gitignore = std::fs::read_to_string(root.join(".gitignore")).unwrap();
    assert!(gitignore.starts_with("foo\nbar/\n"), "{gitignore}");
    assert_contains(&gitignore, "# Renku\n");
    assert_contains(&gitignore, ".renku/cache\n");
    assert_eq!(env.git(&root, &["show", "HEAD:.gitignore"]), gitignore);
    assert_eq!(env.commit_count(&root), 1);
    // No backup branch without earlier commits.
    assert_eq!(env.git(&root, &["branch", "--list"]).trim(), "* main");
}

#[test]
fn existing_dockerfile_needs_force() {
    let env = TestEnv::new();
    // A plain directory: nothing is created, not even .git.
    let dir = env.work().join("plain");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("Dockerfile"), "FROM mine\n").unwrap();
    let before = tree(&dir);
    let out = env.run_in(&dir, &["init", "-t", "minimal"]);
    assert_ne!(code(&out), 0);
    let err = stderr(&out);
    assert_contains(&err, "Dockerfile");
    assert_contains(&err, "--force");
    assert_eq!(tree(&dir), before);

    // A git repository: no commit, no branch, no file changed.
    let root = env.work().join("repo");
    std::fs::create_dir_all(&root).unwrap();
    env.git(&root, &["init", "-q"]);
    std::fs::write(root.join("Dockerfile"), "FROM mine\n").unwrap();
    env.git(&root, &["add", "-A"]);
    env.git(&root, &["commit", "-qm", "first"]);
    let snap = snapshot(&env, &root);
    let branches = env.git(&root, &["branch", "--list"]);
    let out = env.run_in(&root, &["init", "-t", "minimal"]);
    assert_ne!(code(&out), 0);
    assert_unchanged(&env, &root, &snap, "");
    assert_eq!(env.git(&root, &["branch", "--list"]), branches);

    // With --force the Dockerfile is replaced and committed.
    let out = env.run_in(&root, &["init", "-t", "minimal", "--force"]);
    assert_code(&out, 0);
    assert_contains(&stdout(&out), "Overwriting Dockerfile");
    let dockerfile = std::fs::read_to_string(root.join("Dockerfile")).unwrap();
    assert_contains(&dockerfile, "# Renku install section - do not edit");
    assert_eq!(env.git(&root, &["show", "HEAD:Dockerfile"]), dockerfile);
    assert_eq!(env.commit_count(&root), 2);
}

#[test]
fn removed_list_and_describe_options() {
    let env = TestEnv::new();
    for flag in ["-l", "--list-templates", "-d", "--describe"] {
        let out = env.run(&["init", flag, "p"]);
        assert_code(&out, 2);
        assert_contains(&stderr(&out), "renku template");
        assert!(!env.work().join("p").exists());
    }
    assert_eq!(std::fs::read_dir(env.work()).unwrap().count(), 0);
}

#[test]
fn missing_git_identity_fails_and_creates_nothing() {
    let env = TestEnv::new();
    std::fs::write(env.home().join(".gitconfig"), "").unwrap();
    let run = |cwd: &Path, args: &[&str]| {
        env.renku_in(cwd)
            .args(args)
            .env_remove("EMAIL")
            .output()
            .unwrap()
    };
    let out = run(&env.work(), &["init", "-t", "minimal", "p"]);
    assert_code(&out, 1);
    assert_contains(&stderr(&out), "user name and email are not configured");
    assert!(!env.work().join("p").exists());

    let dir = env.work().join("existing");
    std::fs::create_dir_all(&dir).unwrap();
    let out = run(&dir, &["init", "-t", "minimal"]);
    assert_code(&out, 1);
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
}
