//! `renku workflow iterate`.

use std::path::PathBuf;

use crate::common::*;

/// A project with n.txt and m.txt and the plan `hd`: `head -n 2 n.txt > h.txt`.
fn head_plan(env: &TestEnv) -> PathBuf {
    let root = env.project_with(&[
        ("n.txt", "1\n2\n3\n4\n"),
        ("m.txt", "a\nb\nc\nd\n"),
        ("k.txt", "x\ny\nz\n"),
    ]);
    env.ok_to_file(
        &root,
        &["run", "--name", "hd", "head", "-n", "2", "n.txt"],
        "h.txt",
    );
    root
}

#[test]
fn a_two_by_three_grid_runs_six_times_in_one_commit() {
    let env = TestEnv::new();
    let root = head_plan(&env);
    let grid = [
        "workflow",
        "iterate",
        "hd",
        "--map",
        "n-1=[1,2,3]",
        "--map",
        "input-2=[n.txt, m.txt]",
        "--map",
        "output-3=out_{iter_index}.txt",
    ];
    let mut dry = grid.to_vec();
    dry.push("--dry-run");
    let before = snapshot(&env, &root);
    let out = env.ok(&root, &dry);
    let table = &out[out.find("\n\n\n").expect("blank lines before the table") + 3..];
    assert_eq!(
        table,
        "output-3      n-1  input-2\n----------  -----  ---------\nout_0.txt       1  n.txt\nout_1.txt       1  m.txt\nout_2.txt       2  n.txt\nout_3.txt       2  m.txt\nout_4.txt       3  n.txt\nout_5.txt       3  m.txt\n"
    );
    assert!(
        out.starts_with("Id: /plans/"),
        "the plan comes first: {out}"
    );
    assert_unchanged(&env, &root, &before, "dry run");

    let commits = env.commit_count(&root);
    let out = env.ok(&root, &grid);
    assert_eq!(out.matches("Executing step 'hd'").count(), 6, "{out}");
    let expected = [
        ("out_0.txt", "1\n"),
        ("out_1.txt", "a\n"),
        ("out_2.txt", "1\n2\n"),
        ("out_3.txt", "a\nb\n"),
        ("out_4.txt", "1\n2\n3\n"),
        ("out_5.txt", "a\nb\nc\n"),
    ];
    for (file, content) in expected {
        assert_eq!(read_file(&root, file), content, "{file}");
    }
    assert_eq!(env.commit_count(&root), commits + 1, "one commit");
    assert_eq!(env.status(&root), "");
    // Every run is recorded: each output has its own generator.
    assert_code(&env.run_in(&root, &["status"]), 0);
    std::fs::write(root.join("m.txt"), "changed\n").unwrap();
    let status = stdout(&env.run_in(&root, &["status"]));
    for file in ["out_1.txt", "out_3.txt", "out_5.txt"] {
        assert_contains(&status, &format!("{file}: m.txt"));
    }
    assert!(!status.contains("out_0.txt"), "{status}");
}

#[test]
fn tagged_lists_are_zipped_and_combined_with_the_others() {
    let env = TestEnv::new();
    let root = head_plan(&env);
    let out = env.ok(
        &root,
        &[
            "workflow",
            "iterate",
            "hd",
            "-n",
            "--map",
            "input-2@files=[n.txt, m.txt, k.txt]",
            "--map",
            "output-3@files=[o1, o2, o3]",
        ],
    );
    assert_contains(
        &out,
        "input-2@files    output-3@files\n---------------  ----------------\nn.txt            o1\nm.txt            o2\nk.txt            o3\n",
    );
    // Two tag groups and an untagged list: 2 × 3.
    let out = env.ok(
        &root,
        &[
            "workflow",
            "iterate",
            "hd",
            "--map",
            "n-1=[1,2]",
            "--map",
            "input-2@f=[n.txt, m.txt, k.txt]",
            "--map",
            "output-3@f=[r_{iter_index}_n, r_{iter_index}_m, r_{iter_index}_k]",
        ],
    );
    assert_eq!(out.matches("Executing step").count(), 6, "{out}");
    assert_eq!(read_file(&root, "r_0_n"), "1\n");
    assert_eq!(read_file(&root, "r_5_k"), "x\ny\n");
}

#[test]
fn composites_iterate_through_mappings_and_step_references() {
    let env = TestEnv::new();
    let root = env.project_with(&[("a.txt", "one\n"), ("x.txt", "two\n")]);
    env.ok(&root, &["run", "--name", "s1", "cp", "a.txt", "b.txt"]);
    env.ok(&root, &["run", "--name", "s2", "cp", "b.txt", "c.txt"]);
    env.ok(
        &root,
        &[
            "workflow",
            "compose",
            "--map",
            "inp=s1.input-1",
            "--link",
            "s1.output-2=s2.input-1",
            "comp",
            "s1",
            "s2",
        ],
    );
    write_files(
        &root,
        &[(
            "grid.yml",
            "inp: [a.txt, x.txt]\ns1:\n  output-2: mid_{iter_index}\ns2:\n  output-2: [end_a, end_b]\n",
        )],
    );
    env.git(&root, &["add", "grid.yml"]);
    env.git(&root, &["commit", "-qm", "grid"]);
    let out = env.ok(
        &root,
        &["workflow", "iterate", "comp", "--mapping", "grid.yml"],
    );
    assert_eq!(out.matches("Executing step 's1'").count(), 4, "{out}");
    // Iteration 1: a.txt, end_b; iteration 2: x.txt, end_a (the file's first list varies
    // slowest).
    assert_eq!(read_file(&root, "mid_1"), "one\n");
    assert_eq!(read_file(&root, "mid_2"), "two\n");
    assert_eq!(read_file(&root, "end_a"), "two\n");
    assert_eq!(read_file(&root, "end_b"), "two\n");
}

#[test]
fn iterate_errors_and_warnings() {
    let env = TestEnv::new();
    let root = head_plan(&env);
    let before = snapshot(&env, &root);
    let cases: Vec<(Vec<&str>, i32, &str)> = vec![
        (
            vec!["hd"],
            2,
            "No mapping has been given for the iteration!",
        ),
        (
            vec!["hd", "--map", "zz=[1,2]"],
            2,
            "Please check the provided mappings as none of the parameters are present in the 'hd' workflow",
        ),
        (
            vec!["hd", "--map", "n-1=[1,"],
            2,
            "The value of 'n-1' parameter is neither a list nor templated variable!",
        ),
        (
            vec![
                "hd",
                "--map",
                "n-1@t=[1,2]",
                "--map",
                "input-2@t=[n.txt,m.txt,k.txt]",
            ],
            2,
            "The parameters tagged '@t' must have the same number of values",
        ),
        (
            vec!["nope", "--map", "n-1=[1,2]"],
            1,
            "The specified workflow 'nope' cannot be found.",
        ),
        (
            vec!["hd", "--map", "n-1"],
            2,
            "is not of the form NAME=VALUE",
        ),
    ];
    for (args, code, message) in cases {
        let mut full = vec!["workflow", "iterate"];
        full.extend(&args);
        let out = env.run_in(&root, &full);
        assert_code(&out, code);
        assert_contains(&stderr(&out), message);
        assert_unchanged(&env, &root, &before, &format!("iterate {args:?}"));
    }
    // Unknown names are confirmed; "no" (or no answer) aborts before anything runs.
    let args = [
        "workflow",
        "iterate",
        "hd",
        "--map",
        "n-1=[1,2]",
        "--map",
        "zz=[3,4]",
        "--map",
        "output-3=o{iter_index}",
    ];
    let out = env.run_with_input(&root, &args, "n\n");
    assert_code(&out, 1);
    assert_contains(
        &stderr(&out),
        "Could not resolve the following parameters in \"hd\" workflow: zz. Resume the execution? [y/N]",
    );
    assert_unchanged(&env, &root, &before, "declined");
    let out = env.run_with_input(&root, &args, "y\n");
    assert_success(&out);
    assert_eq!(read_file(&root, "o1"), "1\n2\n");
    // A one-element list is a fixed value.
    let out = env.run_in(
        &root,
        &[
            "workflow",
            "iterate",
            "hd",
            "--map",
            "n-1=[3]",
            "--map",
            "output-3=[f1, f2]",
        ],
    );
    assert_success(&out);
    assert_contains(
        &stderr(&out),
        "The parameter 'n-1' has only one element '3', changing it to be a fixed parameter!",
    );
    assert_eq!(read_file(&root, "f2"), "1\n2\n3\n");
}
