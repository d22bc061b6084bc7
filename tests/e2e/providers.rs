//! Workflow providers: `-p cwltool` and `-p toil` for update, rerun, workflow execute and
//! iterate run the steps as one CWL workflow and record exactly what the local provider
//! records. cwltool tests follow the `RENKU_TEST_REQUIRE_CWLTOOL` convention of the export
//! tests; toil tests are skipped (with a note) when `toil-cwl-runner` is not installed.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::*;
use crate::export::{copy_of, cwltool, tree};

/// A `PATH` that reaches `programs` (through links in a directory of the test environment)
/// and everything the current one reaches.
fn path_with(env: &TestEnv, programs: &[PathBuf]) -> OsString {
    let bin = env.dir.path().join("runner-bin");
    std::fs::create_dir_all(&bin).unwrap();
    for p in programs {
        let link = bin.join(p.file_name().unwrap());
        if !link.exists() {
            std::os::unix::fs::symlink(p, &link).unwrap();
        }
    }
    let current = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(&current))).unwrap()
}

/// The current `PATH` without the directories that hold a CWL runner.
fn path_without_runners() -> OsString {
    let current = std::env::var_os("PATH").unwrap_or_default();
    let dirs: Vec<PathBuf> = std::env::split_paths(&current)
        .filter(|d| !d.join("cwltool").exists() && !d.join("toil-cwl-runner").exists())
        .collect();
    std::env::join_paths(dirs).unwrap()
}

/// toil-cwl-runner and the `_toil*` programs next to it (its workers are started by name):
/// `$TOIL_CWL_RUNNER`, `PATH`, or renku-python's reference environment.
fn toil() -> Option<Vec<PathBuf>> {
    let runner = std::env::var_os("TOIL_CWL_RUNNER")
        .map(PathBuf::from)
        .into_iter()
        .chain(std::env::var_os("PATH").into_iter().flat_map(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join("toil-cwl-runner"))
                .collect::<Vec<_>>()
        }))
        .chain(
            std::env::var_os("HOME")
                .map(|h| Path::new(&h).join(".cache/renku-ref/bin/toil-cwl-runner")),
        )
        .find(|c| c.is_file());
    let Some(runner) = runner else {
        eprintln!("note: toil-cwl-runner not found: toil provider tests skipped");
        return None;
    };
    let mut programs = vec![runner.clone()];
    if let Some(dir) = runner.parent() {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            if e.file_name().to_string_lossy().starts_with("_toil") {
                programs.push(e.path());
            }
        }
    }
    Some(programs)
}

/// Runs `renku ARGS` in `root` with `PATH` set to `path`.
fn renku_with_path(env: &TestEnv, root: &Path, path: &OsString, args: &[&str]) -> Output {
    env.renku_in(root)
        .env("PATH", path)
        .args(args)
        .output()
        .unwrap()
}

/// s1: cp a.txt b.txt; s2: wc -c b.txt > c.txt; mk: writes the directory out/; use: reads
/// out/x.txt. Composed as `comp` with a mapping and a link. a.txt is changed afterwards.
fn project(env: &TestEnv) -> PathBuf {
    let root = env.project_with(&[("a.txt", "hi\n"), ("x.txt", "hello\n")]);
    env.ok(&root, &["run", "--name", "s1", "cp", "a.txt", "b.txt"]);
    env.ok_to_file(
        &root,
        &["run", "--name", "s2", "wc", "-c", "b.txt"],
        "c.txt",
    );
    env.ok(
        &root,
        &[
            "run",
            "--name",
            "mk",
            "--input",
            "a.txt",
            "--output",
            "result=out",
            "--no-output-detection",
            "--",
            "sh",
            "-c",
            "mkdir -p out && cp a.txt out/x.txt && chmod +x out/x.txt",
        ],
    );
    env.ok_to_file(
        &root,
        &["run", "--name", "use", "wc", "-c", "out/x.txt"],
        "res.txt",
    );
    env.ok(
        &root,
        &[
            "workflow",
            "compose",
            "--map",
            "inp=s1.input-1",
            "--link",
            "s1.output-2=s2.c-1",
            "comp",
            "s1",
            "s2",
            "mk",
            "use",
        ],
    );
    std::fs::write(root.join("a.txt"), "hi there\n").unwrap();
    env.git(&root, &["commit", "-qam", "new a"]);
    root
}

/// The files of the last commit outside `.renku/` with their modes and blob ids.
fn committed_tree(env: &TestEnv, root: &Path) -> Vec<String> {
    env.git(root, &["ls-tree", "-r", "HEAD"])
        .lines()
        .filter(|l| !l.contains("\t.renku/"))
        .map(str::to_string)
        .collect()
}

/// What the last commit recorded, without ids and times: per activity its plan and the
/// paths and checksums it used and generated; and the changed files outside the store.
fn recorded(env: &TestEnv, root: &Path) -> (Vec<String>, Vec<String>) {
    let changed = env.changed_files(root, "HEAD");
    let mut activities: Vec<String> = changed
        .iter()
        .filter(|f| f.starts_with(".renku/store/activity/"))
        .map(|f| {
            let a = read_json(&root.join(f));
            let entities = |key: &str| -> Vec<String> {
                let mut v: Vec<String> = a["data"][key]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|u| {
                        format!(
                            "{}={}",
                            u["entity"]["path"].as_str().unwrap(),
                            u["entity"]["checksum"].as_str().unwrap()
                        )
                    })
                    .collect();
                v.sort();
                v
            };
            format!(
                "{} uses {:?} generates {:?}",
                a["data"]["plan_id"].as_str().unwrap(),
                entities("usages"),
                entities("generations")
            )
        })
        .collect();
    activities.sort();
    let mut kinds: Vec<String> = changed
        .iter()
        .map(|f| {
            if let Some(rest) = f.strip_prefix(".renku/store/") {
                rest.split('/').next().unwrap().to_string()
            } else {
                f.clone()
            }
        })
        .collect();
    kinds.sort();
    (activities, kinds)
}

#[test]
fn cwltool_provider_records_what_the_local_provider_records() {
    let Some(tool) = cwltool() else { return };
    let env = TestEnv::new();
    let original = project(&env);
    // Two clones, so that both run with the same git and Git LFS set-up.
    let root = copy_of(&env, &original, "cwl");
    let local = copy_of(&env, &original, "local");
    let path = path_with(&env, &[tool]);
    let commits = env.commit_count(&root);
    let args = ["workflow", "execute", "comp", "--set", "inp=a.txt"];
    let mut cwl_args = args.to_vec();
    cwl_args.extend(["-p", "cwltool"]);
    let out = renku_with_path(&env, &root, &path, &cwl_args);
    assert_success(&out);
    let expected = env.ok(&local, &args);
    // The same steps are announced (the local provider may start independent ones in another
    // order).
    let sorted = |text: &str| {
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        lines.sort();
        lines
    };
    assert_eq!(sorted(&stdout(&out)), sorted(&expected));
    assert_contains(
        &stdout(&out),
        "Executing step 'use': 'wc -c out/x.txt > res.txt' ...",
    );
    assert_eq!(env.commit_count(&root), commits + 1, "one commit");
    assert_eq!(env.status(&root), "", "everything committed");
    for path in ["b.txt", "c.txt", "out", "res.txt"] {
        assert_eq!(tree(&root.join(path)), tree(&local.join(path)), "{path}");
    }
    assert_eq!(read_file(&root, "c.txt"), "9 b.txt\n");
    assert_eq!(read_file(&root, "res.txt"), "9 out/x.txt\n");
    // Same files, modes (out/x.txt is executable) and blobs; same activities.
    assert_eq!(committed_tree(&env, &root), committed_tree(&env, &local));
    assert_contains(&committed_tree(&env, &root).join("\n"), "100755 blob");
    assert_eq!(recorded(&env, &root), recorded(&env, &local));
    assert_eq!(
        stdout(&env.run_in(&root, &["status"])),
        stdout(&env.run_in(&local, &["status"]))
    );
    // Nothing is left behind in .renku/tmp.
    let leftovers: Vec<_> = std::fs::read_dir(root.join(".renku/tmp"))
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(leftovers.iter().all(|n| n == ".gitignore"), "{leftovers:?}");
}

#[test]
fn cwltool_provider_updates_reruns_and_iterates() {
    let Some(tool) = cwltool() else { return };
    let env = TestEnv::new();
    let root = env.project_with(&[("a.txt", "one\n")]);
    env.ok(&root, &["run", "--name", "s1", "cp", "a.txt", "b.txt"]);
    env.ok_to_file(
        &root,
        &["run", "--name", "s2", "wc", "-c", "b.txt"],
        "c.txt",
    );
    std::fs::write(root.join("a.txt"), "one two\n").unwrap();
    env.git(&root, &["commit", "-qam", "new a"]);
    // Two clones, so that both run with the same git and Git LFS set-up.
    let original = root;
    let root = copy_of(&env, &original, "cwl");
    let local = copy_of(&env, &original, "local");
    let path = path_with(&env, &[tool]);

    // update: both steps, in one commit, as the local provider does.
    let out = renku_with_path(&env, &root, &path, &["update", "--all", "-p", "cwltool"]);
    assert_success(&out);
    env.ok(&local, &["update", "--all"]);
    assert_eq!(read_file(&root, "c.txt"), "8 b.txt\n");
    assert_eq!(committed_tree(&env, &root), committed_tree(&env, &local));
    assert_eq!(recorded(&env, &root), recorded(&env, &local));
    assert_eq!(env.status(&root), "");
    assert_code(
        &renku_with_path(&env, &root, &path, &["update", "--all", "-p", "cwltool"]),
        1,
    );

    // rerun, with runner options from --config (cwltool logs DEBUG lines with --debug).
    let config = env.dir.path().join("cwltool.yml");
    std::fs::write(&config, "debug: true\nquiet: false\n").unwrap();
    let commits = env.commit_count(&root);
    let out = renku_with_path(
        &env,
        &root,
        &path,
        &[
            "rerun",
            "c.txt",
            "-p",
            "cwltool",
            "-c",
            &config.to_string_lossy(),
        ],
    );
    assert_success(&out);
    assert_contains(&stderr(&out), "DEBUG");
    assert_eq!(env.commit_count(&root), commits + 1);
    assert_eq!(
        stdout(&out),
        "Executing step 's1': 'cp a.txt b.txt' ...\nExecuting step 's2': 'wc -c b.txt > c.txt' ...\n"
    );

    // --skip-metadata-update: outputs written, nothing recorded.
    std::fs::write(root.join("a.txt"), "1\n").unwrap();
    env.git(&root, &["commit", "-qam", "a again"]);
    let head = env.head(&root);
    let out = renku_with_path(
        &env,
        &root,
        &path,
        &["update", "--all", "-p", "cwltool", "--skip-metadata-update"],
    );
    assert_success(&out);
    assert_eq!(env.head(&root), head);
    assert_eq!(read_file(&root, "c.txt"), "2 b.txt\n");
    env.git(&root, &["checkout", "--", "."]);

    // iterate: every iteration is a step of the one workflow.
    let out = renku_with_path(
        &env,
        &root,
        &path,
        &[
            "workflow",
            "iterate",
            "s1",
            "-p",
            "cwltool",
            "--map",
            "output-2=copy_{iter_index}.txt",
            "--map",
            "input-1=[a.txt, b.txt]",
        ],
    );
    assert_success(&out);
    assert_eq!(read_file(&root, "copy_0.txt"), "1\n");
    assert_eq!(read_file(&root, "copy_1.txt"), "one two\n");
    assert_eq!(env.status(&root), "");
}

#[test]
fn cwltool_failures_leave_the_repository_as_it_was() {
    let Some(tool) = cwltool() else { return };
    let env = TestEnv::new();
    let root = env.project_with(&[("a.txt", "hi\n")]);
    env.ok(&root, &["run", "--name", "s1", "cp", "a.txt", "b.txt"]);
    env.ok(
        &root,
        &[
            "run",
            "--name",
            "needs-hi",
            "--input",
            "b.txt",
            "--output",
            "e.txt",
            "--",
            "sh",
            "-c",
            "grep hi b.txt > e.txt",
        ],
    );
    std::fs::write(root.join("a.txt"), "bye\n").unwrap();
    env.git(&root, &["commit", "-qam", "no hi"]);
    let path = path_with(&env, &[tool]);
    let before = snapshot(&env, &root);
    let out = renku_with_path(&env, &root, &path, &["update", "--all", "-p", "cwltool"]);
    assert_code(&out, 1);
    assert_contains(
        &stderr(&out),
        "Unable to finish executing workflow: Execution of step 'needs-hi' failed under cwltool",
    );
    assert_unchanged(&env, &root, &before, "failing step");

    // An option the runner rejects fails the run before any step.
    let config = env.dir.path().join("bad-option.yml");
    std::fs::write(&config, "no-such-option-here: 1\n").unwrap();
    std::fs::write(root.join("a.txt"), "hi again\n").unwrap();
    env.git(&root, &["commit", "-qam", "hi again"]);
    let before = snapshot(&env, &root);
    let out = renku_with_path(
        &env,
        &root,
        &path,
        &[
            "update",
            "--all",
            "-p",
            "cwltool",
            "-c",
            &config.to_string_lossy(),
        ],
    );
    assert_code(&out, 1);
    assert_contains(&stderr(&out), "--no-such-option-here");
    assert_unchanged(&env, &root, &before, "rejected option");
}

#[test]
fn missing_runners_and_bad_configs_change_nothing() {
    let env = TestEnv::new();
    let root = env.project_with(&[("a.txt", "hi\n")]);
    env.ok(&root, &["run", "--name", "s1", "cp", "a.txt", "b.txt"]);
    std::fs::write(root.join("a.txt"), "changed\n").unwrap();
    env.git(&root, &["commit", "-qam", "change"]);
    let before = snapshot(&env, &root);
    let path = path_without_runners();
    for (args, program, install) in [
        (
            vec!["update", "--all", "-p", "cwltool"],
            "cwltool",
            "pip install cwltool",
        ),
        (
            vec!["workflow", "execute", "s1", "-p", "toil"],
            "toil-cwl-runner",
            "pip install 'toil[cwl]'",
        ),
        (
            vec!["rerun", "b.txt", "--provider", "toil"],
            "toil-cwl-runner",
            "toil[cwl]",
        ),
    ] {
        let out = renku_with_path(&env, &root, &path, &args);
        assert_code(&out, 1);
        let err = stderr(&out);
        assert_contains(&err, &format!("'{program}', which was not found on PATH"));
        assert_contains(&err, install);
        assert_unchanged(&env, &root, &before, &args.join(" "));
    }
    // A dry run needs no runner.
    let out = renku_with_path(
        &env,
        &root,
        &path,
        &["update", "--all", "-n", "-p", "cwltool"],
    );
    assert_success(&out);
    assert_contains(&stdout(&out), "cp a.txt b.txt");

    // --config must be a YAML mapping of scalars or lists (exit 2).
    for (name, text) in [
        ("unclosed.yml", "parallel: [true\n"),
        ("list.yml", "- parallel\n"),
        ("nested.yml", "docker:\n  image: x\n"),
    ] {
        let config = env.dir.path().join(name);
        std::fs::write(&config, text).unwrap();
        for args in [
            vec!["update", "--all", "-p", "cwltool", "-c"],
            vec!["workflow", "execute", "s1", "-p", "cwltool", "--config"],
        ] {
            let mut args = args.clone();
            let c = config.to_string_lossy().into_owned();
            args.push(&c);
            let out = renku_with_path(&env, &root, &path, &args);
            assert_code(&out, 2);
            assert_contains(&stderr(&out), "Invalid value for '-c' / '--config'");
            assert_unchanged(&env, &root, &before, name);
        }
    }
    let config = env.dir.path().join("missing.yml");
    assert_code(
        &env.run_in(
            &root,
            &[
                "update",
                "--all",
                "-p",
                "cwltool",
                "-c",
                &config.to_string_lossy(),
            ],
        ),
        2,
    );
    // Unknown providers are a usage error.
    assert_code(&env.run_in(&root, &["update", "--all", "-p", "docker"]), 2);
    assert_unchanged(&env, &root, &before, "usage errors");

    // The local provider ignores --config, with a warning.
    let config = env.dir.path().join("ok.yml");
    std::fs::write(&config, "parallel: true\n").unwrap();
    let out = env.run_in(&root, &["update", "--all", "-c", &config.to_string_lossy()]);
    assert_success(&out);
    assert_contains(
        &stderr(&out),
        "'--config' is ignored by the local provider.",
    );
    assert_eq!(read_file(&root, "b.txt"), "changed\n");
}

#[test]
fn toil_provider_records_what_the_local_provider_records() {
    let Some(programs) = toil() else { return };
    let env = TestEnv::new();
    let original = project(&env);
    // Two clones, so that both run with the same git and Git LFS set-up.
    let root = copy_of(&env, &original, "cwl");
    let local = copy_of(&env, &original, "local");
    let path = path_with(&env, &programs);
    let out = renku_with_path(
        &env,
        &root,
        &path,
        &["workflow", "execute", "comp", "-p", "toil"],
    );
    assert_success(&out);
    env.ok(&local, &["workflow", "execute", "comp"]);
    for path in ["b.txt", "c.txt", "out", "res.txt"] {
        assert_eq!(tree(&root.join(path)), tree(&local.join(path)), "{path}");
    }
    assert_eq!(committed_tree(&env, &root), committed_tree(&env, &local));
    assert_eq!(recorded(&env, &root), recorded(&env, &local));
    assert_eq!(env.status(&root), "");
    // The job store under .renku/tmp is gone.
    let leftovers: Vec<_> = std::fs::read_dir(root.join(".renku/tmp"))
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(leftovers.iter().all(|n| n == ".gitignore"), "{leftovers:?}");

    // A failing step fails the command, names the step, and changes nothing.
    env.ok(
        &root,
        &[
            "run",
            "--name",
            "needs-hi",
            "--input",
            "b.txt",
            "--output",
            "e.txt",
            "--",
            "sh",
            "-c",
            "grep hi b.txt > e.txt",
        ],
    );
    std::fs::write(root.join("a.txt"), "bye\n").unwrap();
    env.git(&root, &["commit", "-qam", "no hi"]);
    let before = snapshot(&env, &root);
    let out = renku_with_path(&env, &root, &path, &["update", "--all", "-p", "toil"]);
    assert_code(&out, 1);
    assert_contains(
        &stderr(&out),
        "Execution of step 'needs-hi' failed under toil-cwl-runner",
    );
    assert_unchanged(&env, &root, &before, "toil failure");
}
