//! `renku workflow export`: CWL that cwltool accepts and that reproduces the recorded outputs,
//! and renku workflow files.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;

/// cwltool: `$CWLTOOL`, `cwltool` on PATH, or renku-python's reference environment. CI
/// installs it and sets `RENKU_TEST_REQUIRE_CWLTOOL=1`, which makes its absence a failure.
pub(crate) fn cwltool() -> Option<PathBuf> {
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
    assert_contains(&stdout(&out), "default: \"1\"\n");

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

/// Validates `cwl` with cwltool, runs it with `--outdir outdir` and returns the output object
/// cwltool prints.
pub(crate) fn run_cwltool(tool: &Path, cwl: &Path, outdir: &Path) -> serde_json::Value {
    let v = Command::new(tool)
        .arg("--validate")
        .arg(cwl)
        .output()
        .unwrap();
    assert!(
        v.status.success(),
        "cwltool --validate {} failed:\n{}",
        cwl.display(),
        String::from_utf8_lossy(&v.stderr)
    );
    let r = Command::new(tool)
        .args(["--quiet", "--outdir"])
        .arg(outdir)
        .arg(cwl)
        .current_dir(cwl.parent().unwrap())
        .output()
        .unwrap();
    assert!(
        r.status.success(),
        "cwltool {} failed:\n{}",
        cwl.display(),
        String::from_utf8_lossy(&r.stderr)
    );
    serde_json::from_slice(&r.stdout).unwrap()
}

/// The local path of the workflow output `id` in cwltool's output object.
fn output_path(outputs: &serde_json::Value, id: &str) -> PathBuf {
    let location = outputs[id]["location"]
        .as_str()
        .unwrap_or_else(|| panic!("no output {id} in {outputs:#}"));
    PathBuf::from(
        location
            .strip_prefix("file://")
            .unwrap()
            .replace("%20", " "),
    )
}

/// The files below `dir` (or `dir` itself, a file) with their contents, by relative path.
pub(crate) fn tree(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    if dir.is_file() {
        out.insert(String::new(), std::fs::read(dir).unwrap());
        return out;
    }
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// A second copy of the project at `root` (a git clone), at `work/<name>`.
pub(crate) fn copy_of(env: &TestEnv, root: &Path, name: &str) -> PathBuf {
    let dest = env.work().join(name);
    env.git(
        &env.work(),
        &[
            "clone",
            "-q",
            &root.to_string_lossy(),
            &dest.to_string_lossy(),
        ],
    );
    dest
}

/// Exports the composite `plan` of the project at `root` to CWL (with `extra` arguments),
/// runs it with cwltool, executes the plan with `renku workflow execute` (same `extra`) in a
/// copy of the project, and checks that the workflow outputs `(id, path)` have the same
/// content in both. Returns the exported document.
fn export_runs_like_execute(
    env: &TestEnv,
    root: &Path,
    plan: &str,
    extra: &[&str],
    outputs: &[(&str, &str)],
) -> String {
    let copy = copy_of(env, root, &format!("{plan}-copy"));
    let cwl = env.dir.path().join(format!("{plan}.cwl"));
    let mut args = vec!["workflow", "export", plan, "-o"];
    let cwl_arg = cwl.to_string_lossy().into_owned();
    args.push(&cwl_arg);
    args.extend(extra);
    env.ok(root, &args);
    let text = std::fs::read_to_string(&cwl).unwrap();
    assert!(
        text.contains("class: Workflow") && text.contains("cwlVersion: v1.0"),
        "{text}"
    );
    assert!(!text.contains("${"), "no JavaScript expressions:\n{text}");
    let mut args = vec!["workflow", "execute", plan];
    args.extend(extra);
    env.ok(&copy, &args);
    assert_eq!(env.status(&copy), "", "execute committed everything");
    let Some(tool) = cwltool() else {
        return text;
    };
    let outdir = env.dir.path().join(format!("out-{plan}"));
    let reported = run_cwltool(&tool, &cwl, &outdir);
    for (id, path) in outputs {
        assert_eq!(
            tree(&output_path(&reported, id)),
            tree(&copy.join(path)),
            "{plan}: output {id} ({path}) differs from what workflow execute produced"
        );
    }
    text
}

#[test]
fn composite_cwl_export_with_link_and_mapping_runs_like_execute() {
    let env = TestEnv::new();
    let root = env.project_with(&[("a.txt", "hi\n"), ("x.txt", "hello world\n")]);
    env.ok(&root, &["run", "--name", "s1", "cp", "a.txt", "b.txt"]);
    env.ok_to_file(
        &root,
        &["run", "--name", "s2", "wc", "-c", "b.txt"],
        "c.txt",
    );
    env.ok_to_file(
        &root,
        &["run", "--name", "s3", "head", "-n", "1", "a.txt"],
        "d.txt",
    );
    env.ok(
        &root,
        &[
            "workflow",
            "compose",
            "--map",
            "inp=s1.input-1",
            "--set",
            "inp=x.txt",
            "--map",
            "lines=s3.n-1",
            "--link",
            "s1.output-2=s2.c-1",
            "comp",
            "s1",
            "s2",
            "s3",
        ],
    );
    // The mapping's default (x.txt) and a value for a step's output (mid.txt), which the link
    // passes on to s2.
    let values = env.dir.path().join("values.yml");
    std::fs::write(&values, "s1:\n  output-2: mid.txt\nlines: 2\n").unwrap();
    let values_arg = values.to_string_lossy().into_owned();
    let text = export_runs_like_execute(
        &env,
        &root,
        "comp",
        &["--values", &values_arg],
        &[
            ("step_0_output_2", "mid.txt"),
            ("step_1_output_2", "c.txt"),
            ("step_2_output_3", "d.txt"),
        ],
    );
    let copy = env.work().join("comp-copy");
    assert_eq!(read_file(&copy, "mid.txt"), "hello world\n");
    assert_eq!(read_file(&copy, "c.txt"), "12 mid.txt\n");
    // The mappings are the workflow's inputs; s2 reads s1's output.
    assert_contains(&text, "inputs:\n  inp:\n    default:\n      class: File\n");
    assert_contains(&text, "  lines:\n    default: \"2\"\n    type: string\n");
    assert_contains(&text, "c_1: step_0/output_2\n");
    assert_contains(&text, "n_1: lines\n");
}

#[test]
fn workflow_file_composite_exports_and_runs_like_execute() {
    let env = TestEnv::new();
    let root = env.init_project("p");
    std::fs::create_dir_all(root.join("data/collection")).unwrap();
    std::fs::write(
        root.join("data/collection/models.csv"),
        (1..=12).map(|i| format!("{i}\n")).collect::<String>(),
    )
    .unwrap();
    std::fs::write(root.join("data/collection/colors.csv"), "red\ngreen\n").unwrap();
    std::fs::copy(shared_data().join("workflow-file.yml"), root.join("wf.yml")).unwrap();
    env.git(&root, &["add", "data", "wf.yml"]);
    env.git(&root, &["commit", "-q", "-m", "data and workflow"]);
    env.ok(&root, &["run", "wf.yml"]);
    let recorded = read_file(&root, "results/output.csv");
    // New data: the outputs come out different from the recorded ones.
    std::fs::write(
        root.join("data/collection/models.csv"),
        (20..=40).map(|i| format!("{i}\n")).collect::<String>(),
    )
    .unwrap();
    env.git(&root, &["commit", "-qam", "new models"]);
    export_runs_like_execute(
        &env,
        &root,
        "workflow-file",
        &[],
        &[
            ("step_0_temporary_result", "intermediate"),
            ("step_1_models_and_colors", "results/output.csv"),
            ("step_2_output", "results/output.csv.wc"),
        ],
    );
    let copy = env.work().join("workflow-file-copy");
    assert_ne!(read_file(&copy, "results/output.csv"), recorded);

    // As a workflow file: one step per child, named as in the file.
    let out = env.ok(
        &root,
        &["workflow", "export", "workflow-file", "--format", "renku"],
    );
    assert!(
        out.starts_with(
            "description: A sample workflow file used for testing\nkeywords:\n- workflow file\n- v1\nname: workflow-file\nsteps:\n- head:\n"
        ),
        "{out}"
    );
    assert_contains(&out, "\n- tail:\n");
    assert_contains(
        &out,
        "\n- line-count:\n    command: wc -l results/output.csv > results/output.csv.wc\n",
    );
    assert_contains(&out, "    success_codes:\n    - 0\n    - 127\n");
}

#[test]
fn directories_generated_by_a_step_are_read_by_later_ones() {
    let env = TestEnv::new();
    let root = env.project_with(&[("a.txt", "one\ntwo\n"), ("data/old.txt", "old\n")]);
    // mk writes the directory out/; use reads a file inside it, list the whole directory.
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
            "mkdir -p out && cp a.txt out/x.txt && wc -l a.txt > out/n.txt",
        ],
    );
    env.ok_to_file(
        &root,
        &["run", "--name", "use", "wc", "-c", "out/x.txt"],
        "res.txt",
    );
    env.ok_to_file(
        &root,
        &["run", "--name", "list", "ls", "out"],
        "listing.txt",
    );
    // add writes into data/, which sums reads as a whole.
    env.ok(
        &root,
        &["run", "--name", "add", "cp", "a.txt", "data/new.txt"],
    );
    env.ok_to_file(
        &root,
        &[
            "run",
            "--name",
            "sums",
            "--input",
            "data",
            "--",
            "sh",
            "-c",
            "cat data/*",
        ],
        "sums.txt",
    );
    env.ok(
        &root,
        &[
            "workflow", "compose", "dirs", "mk", "use", "list", "add", "sums",
        ],
    );
    std::fs::write(root.join("a.txt"), "three\nfour\nfive\n").unwrap();
    std::fs::write(root.join("data/old.txt"), "older\n").unwrap();
    env.git(&root, &["commit", "-qam", "new a"]);
    let text = export_runs_like_execute(
        &env,
        &root,
        "dirs",
        &[],
        &[
            ("step_0_result", "out"),
            ("step_1_output_2", "res.txt"),
            ("step_2_output_2", "listing.txt"),
            ("step_3_output_2", "data/new.txt"),
            ("step_4_output_2", "sums.txt"),
        ],
    );
    let copy = env.work().join("dirs-copy");
    assert_eq!(read_file(&copy, "res.txt"), "16 out/x.txt\n");
    assert_eq!(read_file(&copy, "listing.txt"), "n.txt\nx.txt\n");
    // use reads out/x.txt from mk's directory output; sums reads a copy of data/ with
    // add's new file in it.
    assert_contains(&text, "step_0/result");
    assert_contains(&text, "entryname: data/new.txt\n");
}

#[test]
fn renku_format_of_composites_and_nested_composites() {
    let env = TestEnv::new();
    let root = env.project_with(&[("a.txt", "hi\n")]);
    env.ok(&root, &["run", "--name", "s1", "cp", "a.txt", "b.txt"]);
    env.ok_to_file(
        &root,
        &["run", "--name", "s2", "wc", "-c", "b.txt"],
        "c.txt",
    );
    env.ok(
        &root,
        &[
            "workflow",
            "compose",
            "--description",
            "two steps",
            "--map",
            "inp=s1.input-1",
            "comp",
            "s1",
            "s2",
        ],
    );
    let values = env.dir.path().join("values.yml");
    std::fs::write(&values, "inp: other.txt\n").unwrap();
    let out = env.ok(
        &root,
        &[
            "workflow",
            "export",
            "comp",
            "--format",
            "renku",
            "--values",
            &values.to_string_lossy(),
        ],
    );
    assert_eq!(
        out,
        "description: two steps\nname: comp\nsteps:\n- s1:\n    command: cp other.txt b.txt\n    inputs:\n    - input-1:\n        path: other.txt\n    outputs:\n    - output-2:\n        path: b.txt\n- s2:\n    command: wc -c b.txt > c.txt\n    inputs:\n    - c-1:\n        path: b.txt\n        prefix: -c\n    outputs:\n    - output-2:\n        path: c.txt\n"
    );
    // Unknown names in --values are an error (exit 2), as for plans.
    std::fs::write(&values, "nope: 1\n").unwrap();
    assert_code(
        &env.run_in(
            &root,
            &[
                "workflow",
                "export",
                "comp",
                "--values",
                &values.to_string_lossy(),
            ],
        ),
        2,
    );

    // A composite inside a composite: no workflow file (exit 1), but CWL of all its leaves.
    env.ok(&root, &["run", "--name", "s3", "cp", "a.txt", "e.txt"]);
    env.ok(&root, &["workflow", "compose", "outer", "comp", "s3"]);
    let out = env.run_in(&root, &["workflow", "export", "outer", "--format", "renku"]);
    assert_code(&out, 1);
    assert_contains(
        &stderr(&out),
        "Cannot export CompositePlans within a CompositePlan to Renku workflow file format",
    );
    let cwl = env.dir.path().join("outer.cwl");
    env.ok(
        &root,
        &["workflow", "export", "outer", "-o", &cwl.to_string_lossy()],
    );
    let text = read_file(env.dir.path(), "outer.cwl");
    for step in ["step_0:", "step_1:", "step_2:"] {
        assert_contains(&text, step);
    }
    assert!(!text.contains("step_3:"), "{text}");
    if let Some(tool) = cwltool() {
        let v = Command::new(tool)
            .arg("--validate")
            .arg(&cwl)
            .output()
            .unwrap();
        assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stderr));
    }
    assert_eq!(env.status(&root), "");
}

#[test]
fn standard_input_comes_from_the_staged_file() {
    let env = TestEnv::new();
    let root = env.project_with(&[("data/in.txt", "1\n2\n")]);
    let run_with_streams = |args: &[&str], stdin: &str, out: &str| {
        let input = std::fs::File::open(root.join(stdin)).unwrap();
        let output = std::fs::File::create(root.join(out)).unwrap();
        let o = env
            .renku_in(&root)
            .args(args)
            .stdin(input)
            .stdout(output)
            .output()
            .unwrap();
        assert_success(&o);
    };
    // sorted reads the project's file on stdin, counted reads sorted's output.
    run_with_streams(
        &["run", "--name", "sorted", "sort", "-r"],
        "data/in.txt",
        "data/s.txt",
    );
    run_with_streams(
        &["run", "--name", "counted", "wc", "-l"],
        "data/s.txt",
        "n.txt",
    );
    env.ok(
        &root,
        &["workflow", "compose", "streams", "sorted", "counted"],
    );
    std::fs::write(root.join("data/in.txt"), "1\n2\n3\n").unwrap();
    env.git(&root, &["commit", "-qam", "more"]);
    let text = export_runs_like_execute(
        &env,
        &root,
        "streams",
        &[],
        &[
            ("step_0_output_3", "data/s.txt"),
            ("step_1_output_3", "n.txt"),
        ],
    );
    assert_eq!(
        read_file(&env.work().join("streams-copy"), "data/s.txt"),
        "3\n2\n1\n"
    );
    assert_contains(&text, "stdin: $(inputs.input_2.path)\n");
}
