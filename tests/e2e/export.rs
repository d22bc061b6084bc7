//! `renku workflow export`: CWL that cwltool accepts and that reproduces the recorded outputs,
//! and renku workflow files.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;

/// cwltool: `$CWLTOOL`, `cwltool` on PATH, or renku-python's reference environment. CI
/// installs it and sets `RENKU_TEST_REQUIRE_CWLTOOL=1`, which makes its absence a failure.
fn cwltool() -> Option<PathBuf> {
    let candidates = std::env::var_os("CWLTOOL")
        .map(PathBuf::from)
        .into_iter()
        .chain(std::env::var_os("PATH").into_iter().flat_map(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join("cwltool"))
                .collect::<Vec<_>>()
        }))
        .chain(
            std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache/renku-ref/bin/cwltool")),
        );
    let found = candidates.into_iter().find(|c| c.is_file());
    if found.is_none() {
        assert!(
            std::env::var_os("RENKU_TEST_REQUIRE_CWLTOOL").is_none(),
            "cwltool is required (RENKU_TEST_REQUIRE_CWLTOOL is set) but was not found"
        );
        eprintln!("cwltool not found: CWL validation and execution skipped");
    }
    found
}

fn setup(env: &TestEnv) -> PathBuf {
    let root = env.init_project("p");
    std::fs::write(root.join("data/in.txt"), "a\nb\nc\n").unwrap();
    env.git(&root, &["add", "data/in.txt"]);
    env.git(&root, &["commit", "-q", "-m", "input"]);
    let run_to = |args: &[&str], out: &str| {
        let file = std::fs::File::create(root.join(out)).unwrap();
        let o = env
            .renku_in(&root)
            .args(args)
            .stdout(file)
            .output()
            .unwrap();
        assert_success(&o);
    };
    run_to(
        &["run", "--name", "lines", "wc", "-l", "data/in.txt"],
        "data/count.txt",
    );
    run_to(
        &["run", "--name", "head2", "head", "-n", "2", "data/in.txt"],
        "top.txt",
    );
    std::fs::create_dir_all(root.join("results")).unwrap();
    assert_success(&env.run_in(
        &root,
        &[
            "run",
            "--name",
            "copy",
            "cp",
            "data/in.txt",
            "results/copy.txt",
        ],
    ));
    root
}

#[test]
fn cwl_export_validates_and_reproduces_the_outputs() {
    let env = TestEnv::new();
    let root = setup(&env);
    let tool = cwltool();
    for (plan, output, file_name) in [
        ("lines", "data/count.txt", "count.txt"),
        ("head2", "top.txt", "top.txt"),
        ("copy", "results/copy.txt", "copy.txt"),
    ] {
        let cwl = env.dir.path().join(format!("{plan}.cwl"));
        let out = env.run_in(
            &root,
            &["workflow", "export", plan, "-o", &cwl.to_string_lossy()],
        );
        assert_success(&out);
        let text = std::fs::read_to_string(&cwl).unwrap();
        assert!(
            text.contains("class: CommandLineTool") && text.contains("cwlVersion: v1.0"),
            "{text}"
        );
        // Same document on stdout without -o.
        let stdout_doc = stdout(&env.run_in(&root, &["workflow", "export", plan]));
        assert!(stdout_doc.contains("class: CommandLineTool"));
        let Some(tool) = &tool else { continue };
        let v = Command::new(tool)
            .arg("--validate")
            .arg(&cwl)
            .output()
            .unwrap();
        assert!(
            v.status.success(),
            "{plan}: cwltool --validate failed:\n{}",
            String::from_utf8_lossy(&v.stderr)
        );
        let outdir = env.dir.path().join(format!("out-{plan}"));
        let r = Command::new(tool)
            .args(["--quiet", "--outdir"])
            .arg(&outdir)
            .arg(&cwl)
            .current_dir(env.dir.path())
            .output()
            .unwrap();
        assert!(
            r.status.success(),
            "{plan}: cwltool run failed:\n{}",
            String::from_utf8_lossy(&r.stderr)
        );
        assert_eq!(
            std::fs::read_to_string(outdir.join(file_name)).unwrap(),
            std::fs::read_to_string(root.join(output)).unwrap(),
            "{plan}: cwltool produced other content than renku run"
        );
    }
}

#[test]
fn export_with_values_and_renku_format() {
    let env = TestEnv::new();
    let root = setup(&env);
    let values = env.dir.path().join("values.yml");
    std::fs::write(&values, "n-1: 1\n").unwrap();
    let out = env.run_in(
        &root,
        &[
            "workflow",
            "export",
            "head2",
            "--format",
            "renku",
            "--values",
            &values.to_string_lossy(),
        ],
    );
    assert_success(&out);
    let text = stdout(&out);
    assert!(
        text.starts_with("name: head2-workflow-file\nsteps:\n- head2:\n"),
        "{text}"
    );
    assert_contains(&text, "command: head -n 1 data/in.txt > top.txt");
    assert_contains(&text, "- input-2:\n        path: data/in.txt");
    assert_contains(&text, "- n-1:\n        prefix: -n\n        value: 1");
    // CWL with the value applied.
    let out = env.run_in(
        &root,
        &[
            "workflow",
            "export",
            "head2",
            "--values",
            &values.to_string_lossy(),
        ],
    );
    assert_success(&out);
    assert_contains(&stdout(&out), "default: 1\n");

    // Errors: unknown plan (exit 1), unknown parameter in --values (exit 2), bad YAML (exit 2).
    assert_code(&env.run_in(&root, &["workflow", "export", "nope"]), 1);
    std::fs::write(&values, "zzz: 1\n").unwrap();
    assert_code(
        &env.run_in(
            &root,
            &[
                "workflow",
                "export",
                "head2",
                "--values",
                &values.to_string_lossy(),
            ],
        ),
        2,
    );
    std::fs::write(&values, "- a list\n").unwrap();
    assert_code(
        &env.run_in(
            &root,
            &[
                "workflow",
                "export",
                "head2",
                "--values",
                &values.to_string_lossy(),
            ],
        ),
        2,
    );
    assert_eq!(env.git(&root, &["status", "--porcelain"]), "");
}
