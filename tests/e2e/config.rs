//! `renku config show|set|remove`.

use std::os::unix::fs::PermissionsExt;

use crate::common::*;

const DEFAULTS: &str = "[interactive]\ndefault_url = /lab\n\n[renku]\nautocommit_lfs = false\nlfs_threshold = 100kb\ncheck_datadir_files = true\n";

#[test]
fn show_merged_local_global_default() {
    let env = TestEnv::new();
    let root = env.init_project("p");

    let out = env.run_in(&root, &["config", "show"]);
    assert_code(&out, 0);
    assert_eq!(stdout(&out).trim_end(), DEFAULTS.trim_end());

    let out = env.run_in(&root, &["config", "show", "--default"]);
    assert_code(&out, 0);
    assert_eq!(stdout(&out).trim_end(), DEFAULTS.trim_end());

    let out = env.run_in(&root, &["config", "show", "--local"]);
    assert_code(&out, 0);
    assert_eq!(stdout(&out).trim_end(), "[interactive]\ndefault_url = /lab");

    // No global file yet: empty.
    let out = env.run_in(&root, &["config", "show", "--global"]);
    assert_code(&out, 0);
    assert_eq!(stdout(&out).trim(), "");
    assert!(!env.home().join(".renku/renku.ini").exists());
}

#[test]
fn show_flags_are_mutually_exclusive() {
    let env = TestEnv::new();
    let root = env.init_project("p");
    for flags in [
        &["--local", "--global"][..],
        &["--local", "--default"],
        &["--global", "--default"],
        &["--local", "--global", "--default"],
    ] {
        let mut args = vec!["config", "show"];
        args.extend(flags);
        let out = env.run_in(&root, &args);
        assert_code(&out, 2);
        assert_eq!(stdout(&out), "");
    }
}

#[test]
fn show_a_key() {
    let env = TestEnv::new();
    let root = env.init_project("p");
    for (key, value) in [
        ("lfs_threshold", "100kb"),
        ("renku.lfs_threshold", "100kb"),
        ("autocommit_lfs", "false"),
        ("check_datadir_files", "true"),
        ("interactive.default_url", "/lab"),
    ] {
        let out = env.run_in(&root, &["config", "show", key]);
        assert_code(&out, 0);
        assert_eq!(stdout(&out), format!("{value}\n"), "{key}");
    }
    let out = env.run_in(&root, &["config", "show", "--default", "lfs_threshold"]);
    assert_eq!(stdout(&out), "100kb\n");
    let out = env.run_in(
        &root,
        &["config", "show", "--local", "interactive.default_url"],
    );
    assert_eq!(stdout(&out), "/lab\n");
}

#[test]
fn unknown_key_is_a_usage_error() {
    let env = TestEnv::new();
    let root = env.init_project("p");
    for key in ["nope", "renku.nope", "some.key", "interactive.nope"] {
        let out = env.run_in(&root, &["config", "show", key]);
        assert_code(&out, 2);
        assert_contains(&stderr(&out), &format!("Key '{key}' not found."));
        assert_eq!(stdout(&out), "");
    }
    // Defined only in the defaults: not found locally or globally.
    let out = env.run_in(&root, &["config", "show", "--local", "lfs_threshold"]);
    assert_code(&out, 2);
    assert_contains(&stderr(&out), "Key 'lfs_threshold' not found.");
    let out = env.run_in(&root, &["config", "show", "--global", "lfs_threshold"]);
    assert_code(&out, 2);
}

#[test]
fn set_local_commits_only_the_config_file() {
    let env = TestEnv::new();
    let root = env.init_project("p");
    // Unrelated changes: an untracked file, a modified tracked file, a staged file.
    std::fs::write(root.join("untracked.txt"), "u\n").unwrap();
    std::fs::write(root.join("README.md"), "changed\n").unwrap();
    std::fs::write(root.join("staged.txt"), "s\n").unwrap();
    env.git(&root, &["add", "staged.txt"]);
    let status_before = env.status(&root);
    let head = env.head(&root);

    let out = env.run_in(&root, &["config", "set", "section.key", "some value"]);
    assert_code(&out, 0);
    assert_eq!(stdout(&out).trim(), "OK");

    assert_eq!(env.commit_count(&root), 2);
    assert_eq!(env.git(&root, &["rev-parse", "HEAD^"]).trim(), head);
    assert_eq!(
        env.changed_files(&root, "HEAD"),
        vec![".renku/renku.ini".to_string()]
    );
    let message = env.git(&root, &["log", "-1", "--format=%B"]);
    assert!(
        message.starts_with("renku config set section.key some value\n\nrenku-transaction: "),
        "{message}"
    );
    assert_eq!(
        env.git(&root, &["log", "-1", "--format=%an <%ae>"]).trim(),
        "Jane Doe <jane.doe@example.org>"
    );
    // The unrelated changes are still there, uncommitted.
    assert_eq!(env.status(&root), status_before);
    assert_eq!(
        std::fs::read_to_string(root.join("README.md")).unwrap(),
        "changed\n"
    );

    let ini = std::fs::read_to_string(root.join(".renku/renku.ini")).unwrap();
    assert_contains(&ini, "[section]\nkey = some value\n");
    assert_contains(&ini, "[interactive]\ndefault_url = /lab\n");
    assert_eq!(env.git(&root, &["show", "HEAD:.renku/renku.ini"]), ini);

    let out = env.run_in(&root, &["config", "show", "section.key"]);
    assert_eq!(stdout(&out), "some value\n");
}

#[test]
fn key_without_section_is_in_renku() {
    let env = TestEnv::new();
    let root = env.init_project("p");
    let out = env.run_in(&root, &["config", "set", "lfs_threshold", "1mb"]);
    assert_code(&out, 0);
    let ini = std::fs::read_to_string(root.join(".renku/renku.ini")).unwrap();
    // As renku-python, a set also writes the built-in defaults the file lacks.
    assert_contains(
        &ini,
        "[renku]\nautocommit_lfs = false\nlfs_threshold = 1mb\ncheck_datadir_files = true\n",
    );
    let out = env.run_in(&root, &["config", "show", "renku.lfs_threshold"]);
    assert_eq!(stdout(&out), "1mb\n");
    let out = env.run_in(&root, &["config", "show", "--local", "lfs_threshold"]);
    assert_eq!(stdout(&out), "1mb\n");
    // The default is unchanged.
    let out = env.run_in(&root, &["config", "show", "--default", "lfs_threshold"]);
    assert_eq!(stdout(&out), "100kb\n");
}

#[test]
fn set_global_writes_home_file_without_commit() {
    let env = TestEnv::new();
    let root = env.init_project("p");
    let snap = snapshot(&env, &root);
    let out = env.run_in(
        &root,
        &["config", "set", "--global", "zenodo.access_token", "secret"],
    );
    assert_code(&out, 0);
    assert_eq!(stdout(&out).trim(), "OK");
    assert_unchanged(&env, &root, &snap, "global set touched the project");

    let global = env.home().join(".renku/renku.ini");
    let text = std::fs::read_to_string(&global).unwrap();
    assert_contains(&text, "[zenodo]\naccess_token = secret\n");
    assert_contains(&text, "[interactive]\ndefault_url = /lab\n");
    assert_contains(&text, "lfs_threshold = 100kb\n");
    let mode = std::fs::metadata(&global).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "mode {mode:o}");

    let out = env.run_in(&root, &["config", "show", "zenodo.access_token"]);
    assert_eq!(stdout(&out), "secret\n");
    let out = env.run_in(&root, &["config", "show", "--global"]);
    assert_contains(&stdout(&out), "[zenodo]\naccess_token = secret");
    let out = env.run_in(&root, &["config", "show", "--local", "zenodo.access_token"]);
    assert_code(&out, 2);

    // Works outside a project too.
    let out = env.run(&[
        "config",
        "set",
        "--global",
        "renku.endpoint",
        "renku.example.org",
    ]);
    assert_code(&out, 0);
    let text = std::fs::read_to_string(&global).unwrap();
    assert_contains(&text, "endpoint = renku.example.org");
    assert_contains(&text, "access_token = secret");
    let out = env.run(&["config", "show", "--global", "renku.endpoint"]);
    assert_code(&out, 0);
    assert_eq!(stdout(&out), "renku.example.org\n");
}

#[test]
fn local_overrides_global_overrides_default() {
    let env = TestEnv::new();
    let root = env.init_project("p");
    let show = |args: &[&str]| {
        let mut all = vec!["config", "show"];
        all.extend(args);
        let out = env.run_in(&root, &all);
        assert_code(&out, 0);
        stdout(&out)
    };
    assert_eq!(show(&["lfs_threshold"]), "100kb\n");
    assert_code(
        &env.run_in(
            &root,
            &["config", "set", "--global", "lfs_threshold", "1mb"],
        ),
        0,
    );
    assert_eq!(show(&["lfs_threshold"]), "1mb\n");
    assert_code(
        &env.run_in(&root, &["config", "set", "lfs_threshold", "2mb"]),
        0,
    );
    assert_eq!(show(&["lfs_threshold"]), "2mb\n");
    assert_eq!(show(&["--global", "lfs_threshold"]), "1mb\n");
    assert_eq!(show(&["--local", "lfs_threshold"]), "2mb\n");
    assert_eq!(show(&["--default", "lfs_threshold"]), "100kb\n");
    assert_contains(&show(&[]), "lfs_threshold = 2mb");
    // Removing the local value uncovers the global one.
    assert_code(
        &env.run_in(&root, &["config", "remove", "lfs_threshold"]),
        0,
    );
    assert_eq!(show(&["lfs_threshold"]), "1mb\n");
    assert_code(
        &env.run_in(&root, &["config", "remove", "--global", "lfs_threshold"]),
        0,
    );
    assert_eq!(show(&["lfs_threshold"]), "100kb\n");
}

#[test]
fn set_without_value_is_a_usage_error() {
    let env = TestEnv::new();
    let root = env.init_project("p");
    let snap = snapshot(&env, &root);
    let out = env.run_in(&root, &["config", "set", "a.b"]);
    assert_code(&out, 2);
    let out = env.run_in(&root, &["config", "set"]);
    assert_code(&out, 2);
    let out = env.run_in(&root, &["config", "remove"]);
    assert_code(&out, 2);
    assert_unchanged(&env, &root, &snap, "");
}

#[test]
fn remove_key_and_section() {
    let env = TestEnv::new();
    let root = env.init_project("p");
    for (k, v) in [("x.one", "1"), ("x.two", "2"), ("y.three", "3")] {
        assert_code(&env.run_in(&root, &["config", "set", k, v]), 0);
    }
    let commits = env.commit_count(&root);

    let out = env.run_in(&root, &["config", "remove", "x.one"]);
    assert_code(&out, 0);
    assert_eq!(stdout(&out).trim(), "OK");
    assert_eq!(env.commit_count(&root), commits + 1);
    assert_eq!(
        env.changed_files(&root, "HEAD"),
        vec![".renku/renku.ini".to_string()]
    );
    let message = env.git(&root, &["log", "-1", "--format=%B"]);
    assert!(
        message.starts_with("renku config remove x.one\n\nrenku-transaction: "),
        "{message}"
    );
    assert_code(&env.run_in(&root, &["config", "show", "x.one"]), 2);
    let out = env.run_in(&root, &["config", "show", "x.two"]);
    assert_eq!(stdout(&out), "2\n");

    let out = env.run_in(&root, &["config", "remove", "x.*"]);
    assert_code(&out, 0);
    let ini = std::fs::read_to_string(root.join(".renku/renku.ini")).unwrap();
    assert!(!ini.contains("[x]"), "{ini}");
    assert!(!ini.contains("two"), "{ini}");
    assert_contains(&ini, "[y]\nthree = 3\n");
    assert_eq!(env.status(&root), "");

    // Removing what is not there changes nothing and succeeds, as in renku-python.
    let snap = snapshot(&env, &root);
    let out = env.run_in(&root, &["config", "remove", "x.one"]);
    assert_code(&out, 0);
    assert_eq!(stdout(&out), "OK\n");
    assert_unchanged(&env, &root, &snap, "");
}

#[test]
fn remove_global_key() {
    let env = TestEnv::new();
    let root = env.init_project("p");
    assert_code(&env.run(&["config", "set", "--global", "g.key", "v"]), 0);
    let snap = snapshot(&env, &root);
    let out = env.run_in(&root, &["config", "remove", "--global", "g.key"]);
    assert_code(&out, 0);
    assert_unchanged(&env, &root, &snap, "");
    let text = std::fs::read_to_string(env.home().join(".renku/renku.ini")).unwrap();
    assert!(!text.contains("key = v"), "{text}");
    assert_code(&env.run_in(&root, &["config", "show", "g.key"]), 2);
}

#[test]
fn data_directory_cannot_be_changed_once_set() {
    let env = TestEnv::new();
    let out = env.run(&["init", "-t", "minimal", "--datadir", "my/data", "p"]);
    assert_code(&out, 0);
    let root = env.work().join("p");
    let snap = snapshot(&env, &root);
    for args in [
        &["config", "set", "data_directory", "other"][..],
        &["config", "set", "renku.data_directory", "other"],
        &["config", "remove", "data_directory"],
        &["config", "remove", "renku.data_directory"],
    ] {
        let out = env.run_in(&root, args);
        assert_code(&out, 2);
        assert_contains(
            &stderr(&out),
            "Configuration data_directory cannot be modified.",
        );
        assert_unchanged(&env, &root, &snap, &format!("{args:?}"));
    }
    let out = env.run_in(&root, &["config", "show", "data_directory"]);
    assert_eq!(stdout(&out), "my/data\n");

    // Set once on a project without one, it is then fixed too.
    let root = env.init_project("q");
    assert_code(
        &env.run_in(&root, &["config", "set", "data_directory", "mydata"]),
        0,
    );
    let out = env.run_in(&root, &["config", "set", "data_directory", "other"]);
    assert_code(&out, 2);
    assert_contains(&stderr(&out), "cannot be modified");
    let out = env.run_in(&root, &["config", "show", "data_directory"]);
    assert_eq!(stdout(&out), "mydata\n");
}
