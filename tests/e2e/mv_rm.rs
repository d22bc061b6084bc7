//! `renku mv` and `renku rm`: files move and go with their dataset metadata and Git LFS
//! tracking in step, in one commit; bad arguments change nothing.

use crate::common::*;

/// A project with dataset `d1` holding `data/d1/a.txt` and plain files `b.txt`, `x/c.txt`.
fn project(env: &TestEnv) -> std::path::PathBuf {
    let root = env.project_with(&[("a.txt", "a\n"), ("b.txt", "b\n"), ("x/c.txt", "c\n")]);
    env.ok(&root, &["dataset", "add", "--copy", "-c", "d1", "a.txt"]);
    root
}

#[test]
fn renames_and_moves_follow_the_reference_rules() {
    let env = TestEnv::new();
    let root = project(&env);
    // A plain rename: one commit named after the command, nothing left over.
    let commits = env.commit_count(&root);
    let out = env.run_in(&root, &["mv", "b.txt", "b2.txt"]);
    assert_success(&out);
    assert_eq!(env.commit_count(&root), commits + 1);
    assert_eq!(
        env.git(&root, &["log", "-1", "--format=%s"]).trim(),
        "renku mv b.txt b2.txt"
    );
    assert!(!root.join("b.txt").exists());
    assert_eq!(read_file(&root, "b2.txt"), "b\n");
    assert_eq!(env.status(&root), "");

    // Into an existing directory; -v lists the moves. A file moved into a dataset's data
    // directory joins the dataset.
    let out = env.run_in(&root, &["mv", "-v", "x/c.txt", "data/d1/"]);
    assert_success(&out);
    assert_contains(&stdout(&out), "x/c.txt -> data/d1/c.txt");
    assert_eq!(
        env.dataset_paths(&root, "d1"),
        ["data/d1/a.txt", "data/d1/c.txt"]
    );
    // Within the data directory: the dataset follows, with the same checksum.
    let before_sum = env.ok(
        &root,
        &[
            "dataset", "ls-files", "d1", "-I", "a.txt", "--format", "csv", "-c", "checksum",
        ],
    );
    let out = env.run_in(&root, &["mv", "data/d1/a.txt", "data/d1/sub/a2.txt"]);
    assert_success(&out);
    assert_eq!(
        env.dataset_paths(&root, "d1"),
        ["data/d1/c.txt", "data/d1/sub/a2.txt"]
    );
    let after_sum = env.ok(
        &root,
        &[
            "dataset", "ls-files", "d1", "-I", "a2.txt", "--format", "csv", "-c", "checksum",
        ],
    );
    assert_eq!(before_sum, after_sum);
    assert_eq!(env.status(&root), "");
    // Several sources go into the destination directory.
    std::fs::create_dir_all(root.join("dest")).unwrap();
    write_files(
        &root,
        &[("dest/.keep", ""), ("p.txt", "p\n"), ("q.txt", "q\n")],
    );
    env.git(&root, &["add", "-A"]);
    env.git(&root, &["commit", "-qm", "more"]);
    assert_success(&env.run_in(&root, &["mv", "p.txt", "q.txt", "dest"]));
    assert_eq!(read_file(&root, "dest/p.txt"), "p\n");
    assert_eq!(read_file(&root, "dest/q.txt"), "q\n");
    // A directory is renamed with what is in it.
    assert_success(&env.run_in(&root, &["mv", "dest", "moved"]));
    assert_eq!(read_file(&root, "moved/q.txt"), "q\n");
    assert!(!root.join("dest").exists());
    assert_eq!(env.status(&root), "");
}

#[test]
fn moving_dataset_files_out_asks_and_to_dataset_adds_them() {
    let env = TestEnv::new();
    let root = project(&env);
    let before = snapshot(&env, &root);
    // Without a terminal the question is answered "no".
    let out = env.run_in(&root, &["mv", "data/d1/a.txt", "out.txt"]);
    assert_code(&out, 1);
    assert_contains(
        &stderr(&out),
        "These files will be removed from the source dataset",
    );
    assert_unchanged(&env, &root, &before, "declined move out of the dataset");
    let out = env.run_with_input(&root, &["mv", "data/d1/a.txt", "out.txt"], "y\n");
    assert_success(&out);
    assert!(env.dataset_paths(&root, "d1").is_empty());
    assert_eq!(read_file(&root, "out.txt"), "a\n");

    // --to-dataset: the destination must be in that dataset's data directory.
    env.ok(&root, &["dataset", "create", "d2"]);
    let before = snapshot(&env, &root);
    let out = env.run_in(
        &root,
        &["mv", "--to-dataset", "d2", "b.txt", "elsewhere.txt"],
    );
    assert_code(&out, 2);
    assert_contains(&stderr(&out), "must be in data/d2 when moving to a dataset");
    let out = env.run_in(
        &root,
        &["mv", "--to-dataset", "nope", "b.txt", "data/nope/b.txt"],
    );
    assert_code(&out, 1);
    assert_unchanged(&env, &root, &before, "refused --to-dataset");
    let out = env.run_in(
        &root,
        &["mv", "--to-dataset", "d2", "b.txt", "data/d2/b.txt"],
    );
    assert_success(&out);
    assert_eq!(env.dataset_paths(&root, "d2"), ["data/d2/b.txt"]);
}

#[test]
fn bad_moves_are_refused_and_change_nothing() {
    let env = TestEnv::new();
    let root = project(&env);
    write_files(&root, &[("z.txt", "z\n")]);
    env.git(&root, &["add", "z.txt"]);
    env.git(&root, &["commit", "-qm", "z"]);
    let before = snapshot(&env, &root);
    let cases: &[(&[&str], i32, &str)] = &[
        (
            &["mv", "missing.txt", "y.txt"],
            2,
            "Path 'missing.txt' does not exist.",
        ),
        (
            &["mv", ".gitignore", "g"],
            2,
            "Path '.gitignore' is protected.",
        ),
        (
            &["mv", "z.txt", "../outside.txt"],
            2,
            "is outside the project.",
        ),
        (
            &["mv", "z.txt", "data/d1/a.txt"],
            2,
            "The following move target exist, use '--force' flag to overwrite them:",
        ),
        (&["mv", "x", "x/inner"], 2, "into itself"),
        (&["mv", "z.txt"], 2, "DESTINATION"),
    ];
    for (args, expected, message) in cases {
        let out = env.run_in(&root, args);
        eprintln!("case: {args:?}");
        assert_code(&out, *expected);
        assert_contains(&stderr(&out), message);
        assert_unchanged(&env, &root, &before, &args.join(" "));
    }
    // A dirty work tree is refused.
    write_files(&root, &[("z.txt", "changed\n")]);
    let out = env.run_in(&root, &["mv", "b.txt", "b3.txt"]);
    assert_code(&out, 1);
    assert!(root.join("b.txt").exists());
    env.git(&root, &["checkout", "z.txt"]);

    // --force overwrites, and the dataset entry of the overwritten file is updated.
    let out = env.run_in(&root, &["mv", "-f", "z.txt", "data/d1/a.txt"]);
    assert_success(&out);
    assert_eq!(read_file(&root, "data/d1/a.txt"), "z\n");
    let sum = env.ok(
        &root,
        &[
            "dataset", "ls-files", "d1", "--format", "csv", "-c", "checksum",
        ],
    );
    let blob = env.git(&root, &["rev-parse", "HEAD:data/d1/a.txt"]);
    assert_eq!(sum, format!("checksum\n{}\n", blob.trim()));
}

#[test]
fn rm_removes_files_from_the_project_and_every_dataset() {
    let env = TestEnv::new();
    let root = project(&env);
    write_files(&root, &[("data/d1/sub/s.txt", "s\n")]);
    env.git(&root, &["add", "-A"]);
    env.git(&root, &["commit", "--no-verify", "-qm", "s"]);
    env.ok(&root, &["dataset", "add", "d1", "data/d1/sub/s.txt"]);
    env.ok(&root, &["dataset", "add", "--copy", "-c", "other", "b.txt"]);
    let before = snapshot(&env, &root);
    let out = env.run_in(&root, &["rm", "missing.txt"]);
    assert_code(&out, 2);
    assert_contains(&stderr(&out), "does not exist");
    let out = env.run_in(&root, &["rm", ".renku"]);
    assert_code(&out, 2);
    assert_contains(&stderr(&out), "is protected");
    assert_unchanged(&env, &root, &before, "refused rm");

    let commits = env.commit_count(&root);
    let out = env.run_in(&root, &["rm", "data/d1", "data/other/b.txt"]);
    assert_success(&out);
    assert_contains(&stdout(&out), "rm 'data/d1/a.txt'");
    assert_contains(&stdout(&out), "rm 'data/d1/sub/s.txt'");
    assert_eq!(env.commit_count(&root), commits + 1);
    assert!(!root.join("data/d1").exists());
    assert!(env.dataset_paths(&root, "d1").is_empty());
    assert!(env.dataset_paths(&root, "other").is_empty());
    assert_eq!(env.status(&root), "");
    let log = env.ok(&root, &["log", "--format", "tabular", "-d"]);
    assert_contains(&log, "Dataset 'd1': 2 file(s) removed");
    // Plain files go too.
    assert_success(&env.run_in(&root, &["rm", "x/c.txt"]));
    assert!(!root.join("x").exists());
    assert_eq!(env.status(&root), "");
}

#[test]
fn lfs_tracking_follows_moved_and_removed_files() {
    if !crate::lfs::lfs_available() {
        return;
    }
    let env = TestEnv::new();
    let root = env.init_project("p");
    assert_success(&env.run_in(&root, &["config", "set", "lfs_threshold", "1kb"]));
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(root.join("src/big.bin"), vec![7u8; 4096]).unwrap();
    env.git(&root, &["add", "src"]);
    env.git(&root, &["commit", "--no-verify", "-qm", "source"]);
    env.ok(
        &root,
        &["dataset", "add", "--copy", "-c", "d", "src/big.bin"],
    );
    let attrs = read_file(&root, ".gitattributes");
    assert_contains(&attrs, "data/d/big.bin filter=lfs");
    assert_success(&env.run_in(&root, &["mv", "data/d/big.bin", "data/d/moved.bin"]));
    let attrs = read_file(&root, ".gitattributes");
    assert!(!attrs.contains("data/d/big.bin"), "{attrs}");
    assert_contains(&attrs, "data/d/moved.bin filter=lfs");
    // Stock git sees a pointer in the commit.
    let blob = env.git(&root, &["show", "HEAD:data/d/moved.bin"]);
    assert_contains(&blob, "version https://git-lfs.github.com/spec/v1");
    assert_eq!(env.status(&root), "");
    assert_success(&env.run_in(&root, &["rm", "data/d/moved.bin"]));
    assert!(!read_file(&root, ".gitattributes").contains("moved.bin"));
    assert_eq!(env.status(&root), "");
}
