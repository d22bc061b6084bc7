//! Global behaviour: version, help, usage errors, `--global-config-path`, completion, `--path`,
//! project discovery, the "not a renku repository" error, logging flags.

use std::io::Read;
use std::process::Stdio;

use crate::common::*;

const COMMANDS: [&str; 8] = [
    "init",
    "config",
    "project",
    "template",
    "rollback",
    "gc",
    "doctor",
    "completion",
];

#[test]
fn version_prints_the_version() {
    let env = TestEnv::new();
    for flag in ["--version", "-V"] {
        let out = env.run(&[flag]);
        assert_code(&out, 0);
        assert_eq!(
            stdout(&out).trim(),
            format!("renku {}", env!("CARGO_PKG_VERSION"))
        );
        assert_eq!(stderr(&out), "");
    }
}

#[test]
fn help_lists_every_command() {
    let env = TestEnv::new();
    for args in [&["--help"][..], &["-h"], &["help"], &[]] {
        let out = env.run(args);
        assert_code(&out, 0);
        let text = stdout(&out);
        assert_contains(&text, "Usage: renku [OPTIONS] [COMMAND]");
        for cmd in COMMANDS {
            assert!(
                text.lines()
                    .any(|l| l.trim_start().starts_with(&format!("{cmd} "))),
                "{args:?}: command {cmd} not listed in:\n{text}"
            );
        }
        assert_contains(&text, "--global-config-path");
    }
    // `renku` alone and `renku help` show the same text as `renku --help`.
    let help = stdout(&env.run(&["--help"]));
    assert_eq!(stdout(&env.run(&[])), help);
    assert_eq!(stdout(&env.run(&["help"])), help);
}

#[test]
fn help_of_a_subcommand() {
    let env = TestEnv::new();
    let out = env.run(&["help", "config"]);
    assert_code(&out, 0);
    assert_contains(&stdout(&out), "Usage: renku config");
    let out = env.run(&["config", "set", "--help"]);
    assert_code(&out, 0);
    assert_contains(&stdout(&out), "Usage: renku config set");
    // --help works outside a project, for commands that need one.
    let out = env.run(&["project", "edit", "--help"]);
    assert_code(&out, 0);
    assert_contains(&stdout(&out), "--description");
}

#[test]
fn unknown_command_or_option_is_a_usage_error() {
    let env = TestEnv::new();
    let out = env.run(&["frobnicate"]);
    assert_code(&out, 2);
    assert_eq!(stdout(&out), "");
    assert_contains(&stderr(&out), "frobnicate");

    let out = env.run(&["--no-such-option"]);
    assert_code(&out, 2);
    assert_contains(&stderr(&out), "--no-such-option");

    let root = env.init_project("p");
    let snap = snapshot(&env, &root);
    let out = env.run_in(&root, &["config", "show", "--bogus"]);
    assert_code(&out, 2);
    assert_contains(&stderr(&out), "--bogus");
    // A missing sub-command is a usage error too.
    let out = env.run_in(&root, &["config"]);
    assert_code(&out, 2);
    assert_unchanged(&env, &root, &snap, "");
}

#[test]
fn global_config_path_is_in_home() {
    let env = TestEnv::new();
    let out = env.run(&["--global-config-path"]);
    assert_code(&out, 0);
    assert_eq!(
        stdout(&out).trim_end(),
        env.home().join(".renku/renku.ini").to_str().unwrap()
    );
    // The same inside a project.
    let root = env.init_project("p");
    let out = env.run_in(&root, &["--global-config-path"]);
    assert_code(&out, 0);
    assert_eq!(
        stdout(&out).trim_end(),
        env.home().join(".renku/renku.ini").to_str().unwrap()
    );
}

#[test]
fn completion_scripts() {
    let env = TestEnv::new();
    for (shell, marker) in [
        ("bash", "complete -F _renku"),
        ("zsh", "#compdef renku"),
        ("fish", "complete -c renku"),
    ] {
        let out = env.run(&["completion", shell]);
        assert_code(&out, 0);
        let script = stdout(&out);
        assert_contains(&script, marker);
        // Sub-commands are completed.
        assert_contains(&script, "template");
        assert_contains(&script, "rollback");
    }
    let out = env.run(&["completion", "nosuchshell"]);
    assert_code(&out, 2);
    let out = env.run(&["completion"]);
    assert_code(&out, 2);
}

#[test]
fn path_option_selects_another_project() {
    let env = TestEnv::new();
    let root = env.init_project("p");
    let elsewhere = env.dir.path();
    // Before and after the sub-command.
    for args in [
        &["--path", root.to_str().unwrap(), "project", "show"][..],
        &["project", "show", "--path", root.to_str().unwrap()],
    ] {
        let out = env.run_in(elsewhere, args);
        assert_code(&out, 0);
        assert_contains(&stdout(&out), "Id: /projects/jane.doe/p\n");
    }
    // A relative path is relative to the cwd; mutating commands commit in that project.
    let before = env.commit_count(&root);
    let out = env.run_in(&env.work(), &["--path", "p", "config", "set", "a.b", "c"]);
    assert_code(&out, 0);
    assert_eq!(env.commit_count(&root), before + 1);
    let ini = std::fs::read_to_string(root.join(".renku/renku.ini")).unwrap();
    assert_contains(&ini, "[a]\nb = c\n");
    // A path that does not exist is a usage error.
    let out = env.run(&["--path", "does-not-exist", "project", "show"]);
    assert_code(&out, 2);
    assert_contains(&stderr(&out), "does-not-exist");
}

#[test]
fn subdirectory_finds_the_project_root() {
    let env = TestEnv::new();
    let root = env.init_project("p");
    let sub = root.join("data/deep/er");
    std::fs::create_dir_all(&sub).unwrap();
    let out = env.run_in(&sub, &["project", "show"]);
    assert_code(&out, 0);
    assert_contains(&stdout(&out), "Id: /projects/jane.doe/p\n");

    let out = env.run_in(&sub, &["config", "set", "sub.key", "value"]);
    assert_code(&out, 0);
    assert!(!sub.join(".renku").exists());
    assert_eq!(
        env.changed_files(&root, "HEAD"),
        vec![".renku/renku.ini".to_string()]
    );
    let out = env.run_in(&sub, &["config", "show", "sub.key"]);
    assert_code(&out, 0);
    assert_eq!(stdout(&out), "value\n");
}

#[test]
fn commands_outside_a_project_fail_with_exit_2() {
    let env = TestEnv::new();
    let plain_git = env.work().join("plain-git");
    std::fs::create_dir_all(&plain_git).unwrap();
    env.git(&plain_git, &["init", "-q"]);
    let empty = env.work().join("empty");
    std::fs::create_dir_all(&empty).unwrap();

    let commands: [&[&str]; 11] = [
        &["config", "show"],
        &["config", "show", "lfs_threshold"],
        &["config", "set", "a.b", "c"],
        &["config", "remove", "a.b"],
        &["project", "show"],
        &["project", "edit", "-d", "x"],
        &["doctor"],
        &["gc"],
        &["rollback"],
        &["template", "set", "-f", "minimal"],
        &["template", "update"],
    ];
    for dir in [&plain_git, &empty] {
        for args in commands {
            let out = env.run_in(dir, args);
            assert_code(&out, 2);
            let err = stderr(&out);
            assert!(err.starts_with("Error: "), "{args:?}: {err}");
            assert_contains(&err, "is not a renku repository");
            assert_contains(
                &err,
                "To initialize this as a renku repository use: 'renku init'",
            );
            assert_eq!(stdout(&out), "", "{args:?}");
        }
    }
    // Nothing was created.
    assert_eq!(std::fs::read_dir(&empty).unwrap().count(), 0);
    assert!(!plain_git.join(".renku").exists());
    assert_eq!(env.status(&plain_git), "");
}

#[test]
fn project_independent_commands_work_outside_a_project() {
    let env = TestEnv::new();
    let out = env.run(&["template", "show", "minimal"]);
    assert_code(&out, 0);
    assert_contains(&stdout(&out), "Id: minimal\n");
    let out = env.run(&["template", "validate"]);
    assert_code(&out, 0);
    let out = env.run(&["completion", "bash"]);
    assert_code(&out, 0);
    assert_eq!(std::fs::read_dir(env.work()).unwrap().count(), 0);
}

#[test]
fn verbosity_flags_do_not_change_output() {
    let env = TestEnv::new();
    let root = env.init_project("p");
    let plain = env.run_in(&root, &["project", "show"]);
    assert_code(&plain, 0);
    let plain_cfg = env.run_in(&root, &["config", "show", "lfs_threshold"]);
    assert_eq!(stdout(&plain_cfg), "100kb\n");
    for flags in [&["-v"][..], &["-vv"], &["-vvv"]] {
        let mut args = flags.to_vec();
        args.extend(["project", "show"]);
        let out = env.run_in(&root, &args);
        assert_code(&out, 0);
        assert_eq!(stdout(&out), stdout(&plain), "{flags:?}");

        let mut args = vec!["config", "show", "lfs_threshold"];
        args.extend(flags);
        let out = env.run_in(&root, &args);
        assert_code(&out, 0);
        assert_eq!(stdout(&out), "100kb\n", "{flags:?}");
    }
    for level in [
        "info",
        "debug",
        "trace",
        "renku=trace,warn",
        "not a filter!",
    ] {
        let out = env
            .renku_in(&root)
            .env("RUST_LOG", level)
            .args(["project", "show"])
            .output()
            .unwrap();
        assert_code(&out, 0);
        assert_eq!(stdout(&out), stdout(&plain), "RUST_LOG={level}");
    }
    // Errors keep their exit code and message with logging on.
    let out = env
        .renku_in(&root)
        .env("RUST_LOG", "trace")
        .args(["-vvv", "config", "show", "no.such"])
        .output()
        .unwrap();
    assert_code(&out, 2);
    assert_contains(
        &stderr(&out),
        "Error: Invalid parameter value - Key 'no.such' not found.",
    );
    assert_eq!(stdout(&out), "");
}

#[test]
fn errors_go_to_stderr_with_error_prefix() {
    let env = TestEnv::new();
    let root = env.init_project("p");
    for (args, code) in [
        (&["config", "show", "nope"][..], 2),
        (&["template", "show", "nope"], 1),
        (&["workflow", "show", "nope"], 1),
    ] {
        let out = env.run_in(&root, args);
        assert_code(&out, code);
        assert_eq!(stdout(&out), "", "{args:?}");
        let err = stderr(&out);
        assert!(err.starts_with("Error: "), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

/// Runs renku with a stdout pipe whose reader is closed before the command writes.
fn run_with_closed_stdout(env: &TestEnv, cwd: &std::path::Path, args: &[&str]) -> (i32, String) {
    let mut child = env
        .renku_in(cwd)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    (status.code().unwrap_or(-1), err)
}

#[test]
fn closed_stdout_does_not_panic() {
    let env = TestEnv::new();
    let root = env.init_project("p");
    for args in [
        &["completion", "bash"][..],
        &["project", "show"],
        &["--help"],
    ] {
        let (code, err) = run_with_closed_stdout(&env, &root, args);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_ne!(code, 101, "{args:?}: {err}");
    }
}

#[test]
fn command_help_shows_the_whole_description() {
    let env = TestEnv::new();
    let cases = [
        (
            vec!["rerun", "--help"],
            "With `--check`, the same runs are re-executed",
        ),
        (
            vec!["workflow", "compose", "--help"],
            "References name parameters of the steps",
        ),
        (
            vec!["workflow", "iterate", "--help"],
            "lists whose names carry the same tag",
        ),
        (
            vec!["run", "--help"],
            "Inputs are detected from the arguments",
        ),
    ];
    for (args, text) in cases {
        let out = env.run(&args);
        assert_success(&out);
        assert_contains(&stdout(&out), text);
    }
    // The command list keeps to one short line per command.
    let out = stdout(&env.run(&["--help"]));
    assert_contains(&out, "  init        Initialize a renku project\n");
}
