//! Git LFS for large outputs of `renku run` and workflow files, and interoperability of what
//! renku commits with stock git and git-lfs.

use std::path::{Path, PathBuf};

use crate::common::*;

const LFS_LINE: &str = "filter=lfs diff=lfs merge=lfs -text";

/// Whether git-lfs is installed; prints a note when it is not (the test then has nothing to
/// check: `renku init` cannot set LFS up).
pub(crate) fn lfs_available() -> bool {
    let ok = std::process::Command::new("git")
        .args(["lfs", "version"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        eprintln!("note: git-lfs is not installed; skipping this Git LFS test");
    }
    ok
}

/// A project with LFS set up by `renku init` and a committed script `gen.sh SIZE PATH` that
/// writes SIZE bytes of pseudo-random data to PATH.
fn project(env: &TestEnv) -> PathBuf {
    let root = env.init_project("p");
    assert!(
        env.git(&root, &["config", "--local", "--get", "filter.lfs.process"])
            .contains("git-lfs"),
        "renku init sets up the LFS filter"
    );
    std::fs::write(
        root.join("gen.sh"),
        "#!/bin/sh\nmkdir -p \"$(dirname \"$2\")\"\nhead -c \"$1\" /dev/urandom > \"$2\"\n",
    )
    .unwrap();
    make_executable(&root.join("gen.sh"));
    env.git(&root, &["add", "gen.sh"]);
    env.git(&root, &["commit", "-qm", "generator"]);
    root
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn attributes(root: &Path) -> String {
    std::fs::read_to_string(root.join(".gitattributes")).unwrap_or_default()
}

pub(crate) fn head_blob(env: &TestEnv, root: &Path, path: &str) -> Vec<u8> {
    let mut cmd = std::process::Command::new("git");
    cmd.current_dir(root)
        .args(["cat-file", "blob", &format!("HEAD:{path}")])
        .env("HOME", env.home())
        .env("GIT_CONFIG_GLOBAL", env.home().join(".gitconfig"))
        .env("GIT_CONFIG_NOSYSTEM", "1");
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "no {path} in HEAD");
    out.stdout
}

pub(crate) fn pointer_of(content: &[u8]) -> String {
    format!(
        "version https://git-lfs.github.com/spec/v1\noid sha256:{}\nsize {}\n",
        sha256_hex(content),
        content.len()
    )
}

/// Asserts that `path` is committed as the LFS pointer of its work-tree content and that the
/// object is in the repository's LFS store.
#[track_caller]
pub(crate) fn assert_in_lfs(env: &TestEnv, root: &Path, path: &str) {
    let content = std::fs::read(root.join(path)).unwrap();
    let blob = head_blob(env, root, path);
    assert_eq!(
        String::from_utf8_lossy(&blob),
        pointer_of(&content),
        "{path} is committed as its LFS pointer"
    );
    let oid = sha256_hex(&content);
    let object = root
        .join(".git/lfs/objects")
        .join(&oid[..2])
        .join(&oid[2..4])
        .join(&oid);
    assert_eq!(
        std::fs::read(&object).unwrap(),
        content,
        "the LFS object of {path} holds its content"
    );
}

#[track_caller]
pub(crate) fn assert_in_git(env: &TestEnv, root: &Path, path: &str) {
    let content = std::fs::read(root.join(path)).unwrap();
    assert_eq!(
        head_blob(env, root, path),
        content,
        "{path} is committed as plain git content"
    );
}

/// Checksums recorded for `path` in the generations of all activities.
fn generated_checksums(root: &Path, path: &str) -> Vec<String> {
    entity_checksums(root, "generations", path)
}

fn entity_checksums(root: &Path, field: &str, path: &str) -> Vec<String> {
    let mut out = Vec::new();
    for f in record_files(root, "activity") {
        let record = read_json(&f);
        for g in record["data"][field].as_array().unwrap() {
            if g["entity"]["path"] == path {
                out.push(g["entity"]["checksum"].as_str().unwrap().to_string());
            }
        }
    }
    out
}

#[test]
fn large_outputs_go_to_lfs_and_small_ones_stay_in_git() {
    if !lfs_available() {
        return;
    }
    let env = TestEnv::new();
    let root = project(&env);
    std::fs::write(
        root.join("both.sh"),
        "#!/bin/sh\n./gen.sh 200000 big.bin\n./gen.sh 100000 edge.bin\n./gen.sh 99999 below.bin\n./gen.sh 10 small.txt\n",
    )
    .unwrap();
    make_executable(&root.join("both.sh"));
    env.git(&root, &["add", "both.sh"]);
    env.git(&root, &["commit", "-qm", "script"]);

    let out = env.run_in(&root, &["run", "./both.sh"]);
    assert_success(&out);
    // The default threshold is 100kb = 100 000 bytes, inclusive.
    assert_in_lfs(&env, &root, "big.bin");
    assert_in_lfs(&env, &root, "edge.bin");
    assert_in_git(&env, &root, "below.bin");
    assert_in_git(&env, &root, "small.txt");
    let attrs = attributes(&root);
    assert_contains(&attrs, &format!("\nbig.bin {LFS_LINE}\n"));
    assert_contains(&attrs, &format!("\nedge.bin {LFS_LINE}\n"));
    assert!(
        !attrs.contains("below.bin") && !attrs.contains("small.txt"),
        "{attrs}"
    );
    // .gitattributes is part of the run's commit, and nothing is left to commit.
    assert!(
        env.changed_files(&root, "HEAD")
            .contains(&".gitattributes".to_string())
    );
    assert_eq!(env.status(&root), "");
    // The message lists exactly the files that went to LFS.
    assert_contains(
        &stderr(&out),
        "Info: Adding these files to Git LFS:\n\tbig.bin\n\tedge.bin\nTo disable this message in the future, run:\n\trenku config set show_lfs_message false",
    );
    // The activity records the git blob id of what was committed: the pointer's.
    let pointer_blob = env.git(&root, &["rev-parse", "HEAD:big.bin"]);
    assert_eq!(
        generated_checksums(&root, "big.bin"),
        vec![pointer_blob.trim().to_string()]
    );
    let small_blob = env.git(&root, &["rev-parse", "HEAD:small.txt"]);
    assert_eq!(
        generated_checksums(&root, "small.txt"),
        vec![small_blob.trim().to_string()]
    );

    // A later run reading the LFS file records the same checksum for its usage, and leaves
    // the LFS file alone.
    let out = env.run_in(&root, &["run", "--no-output", "wc", "-c", "big.bin"]);
    assert_success(&out);
    assert_eq!(
        entity_checksums(&root, "usages", "big.bin"),
        vec![pointer_blob.trim().to_string()]
    );
    assert_eq!(env.status(&root), "");
}

#[test]
fn stock_git_and_git_lfs_read_what_renku_committed() {
    if !lfs_available() {
        return;
    }
    let env = TestEnv::new();
    let root = project(&env);
    assert_success(&env.run_in(&root, &["run", "./gen.sh", "200000", "data/big.bin"]));
    let content = std::fs::read(root.join("data/big.bin")).unwrap();

    // git-lfs sees the file and its object.
    let listed = env.git(&root, &["lfs", "ls-files", "--name-only"]);
    assert_eq!(listed.trim(), "data/big.bin");
    assert_contains(&env.git(&root, &["lfs", "fsck"]), "OK");
    assert_eq!(
        env.git(&root, &["show", "HEAD:data/big.bin"]),
        pointer_of(&content)
    );
    // git's own clean filter (git-lfs) reproduces the committed pointer: touching the file
    // (forcing git to re-read it) leaves the work tree clean.
    assert_eq!(env.status(&root), "");
    std::thread::sleep(std::time::Duration::from_millis(20));
    let f = std::fs::File::options()
        .append(true)
        .open(root.join("data/big.bin"))
        .unwrap();
    f.set_modified(std::time::SystemTime::now()).unwrap();
    drop(f);
    assert_eq!(env.status(&root), "");
    env.git(&root, &["diff", "--exit-code"]);

    // A fresh clone gets the content: once from a plain path, once from a file:// URL.
    for (name, source) in [
        ("clone-path", root.to_string_lossy().into_owned()),
        ("clone-url", format!("file://{}", root.display())),
    ] {
        let dest = env.work().join(name);
        env.git(&env.work(), &["clone", "-q", &source, name]);
        env.git(&dest, &["lfs", "install", "--local"]);
        env.git(&dest, &["lfs", "pull"]);
        assert_eq!(
            std::fs::read(dest.join("data/big.bin")).unwrap(),
            content,
            "{name}: the clone has the real content"
        );
        assert_eq!(env.status(&dest), "", "{name}: the clone is clean");
    }
    // With the LFS filter configured at clone time, checkout smudges directly.
    let dest = env.work().join("clone-smudged");
    env.git(
        &env.work(),
        &[
            "-c",
            "filter.lfs.process=git-lfs filter-process",
            "-c",
            "filter.lfs.required=true",
            "-c",
            "filter.lfs.smudge=git-lfs smudge -- %f",
            "-c",
            "filter.lfs.clean=git-lfs clean -- %f",
            "clone",
            "-q",
            &root.to_string_lossy(),
            "clone-smudged",
        ],
    );
    assert_eq!(std::fs::read(dest.join("data/big.bin")).unwrap(), content);
    assert_eq!(env.status(&root), "");
}

#[test]
fn renkulfsignore_and_protected_paths_stay_out_of_lfs() {
    if !lfs_available() {
        return;
    }
    let env = TestEnv::new();
    let root = project(&env);
    std::fs::write(root.join(".renkulfsignore"), "*.csv\nkeep/\n!special.csv\n").unwrap();
    env.git(&root, &["add", ".renkulfsignore"]);
    env.git(&root, &["commit", "-qm", "lfs ignore"]);
    std::fs::write(
        root.join("many.sh"),
        "#!/bin/sh\n./gen.sh 200000 big.csv\n./gen.sh 200000 special.csv\n./gen.sh 200000 keep/inner.bin\n./gen.sh 200000 other.bin\n./gen.sh 200000 requirements.txt\n",
    )
    .unwrap();
    make_executable(&root.join("many.sh"));
    env.git(&root, &["add", "many.sh"]);
    env.git(&root, &["commit", "-qm", "script"]);

    let out = env.run_in(&root, &["run", "./many.sh"]);
    assert_success(&out);
    assert_in_git(&env, &root, "big.csv");
    assert_in_git(&env, &root, "keep/inner.bin");
    assert_in_git(&env, &root, "requirements.txt");
    assert_in_lfs(&env, &root, "special.csv");
    assert_in_lfs(&env, &root, "other.bin");
    assert_contains(&stderr(&out), "\tother.bin\n");
    assert!(!stderr(&out).contains("big.csv"), "{}", stderr(&out));
    assert_eq!(env.status(&root), "");
}

#[test]
fn directory_outputs_are_tracked_as_a_whole() {
    if !lfs_available() {
        return;
    }
    let env = TestEnv::new();
    let root = project(&env);
    std::fs::write(
        root.join("dir.sh"),
        "#!/bin/sh\nmkdir -p \"$1/sub\"\nprintf tiny > \"$1/a.txt\"\nprintf more > \"$1/sub/b.txt\"\n",
    )
    .unwrap();
    make_executable(&root.join("dir.sh"));
    env.git(&root, &["add", "dir.sh"]);
    env.git(&root, &["commit", "-qm", "script"]);

    let out = env.run_in(
        &root,
        &["run", "--output", "results", "./dir.sh", "results"],
    );
    assert_success(&out);
    assert_contains(&attributes(&root), &format!("\nresults/** {LFS_LINE}\n"));
    // Whatever their size, the files of a tracked directory are in LFS.
    assert_in_lfs(&env, &root, "results/a.txt");
    assert_in_lfs(&env, &root, "results/sub/b.txt");
    assert_contains(&stderr(&out), "\tresults/**\n");
    assert_eq!(env.status(&root), "");
    // The directory's recorded checksum is the committed tree.
    let tree = env.git(&root, &["rev-parse", "HEAD:results"]);
    assert_eq!(
        generated_checksums(&root, "results"),
        vec![tree.trim().to_string()]
    );
}

#[test]
fn no_external_storage_or_no_lfs_setup_keeps_everything_in_git() {
    if !lfs_available() {
        return;
    }
    let env = TestEnv::new();
    let root = project(&env);
    let attrs_before = attributes(&root);
    let out = env.run_in(&root, &["-S", "run", "./gen.sh", "200000", "big.bin"]);
    assert_success(&out);
    assert_in_git(&env, &root, "big.bin");
    assert_eq!(attributes(&root), attrs_before);
    assert!(!root.join(".git/lfs/objects").exists());
    assert!(!stderr(&out).contains("Git LFS"), "{}", stderr(&out));
    assert_eq!(env.status(&root), "");

    // A repository without the LFS filter configured does not use LFS either.
    env.git(&root, &["lfs", "uninstall", "--local"]);
    assert_success(&env.run_in(&root, &["run", "./gen.sh", "200000", "other.bin"]));
    assert_in_git(&env, &root, "other.bin");
    assert_eq!(attributes(&root), attrs_before);
}

#[test]
fn existing_lfs_patterns_apply_to_outputs_of_any_size() {
    if !lfs_available() {
        return;
    }
    let env = TestEnv::new();
    let root = project(&env);
    let mut attrs = attributes(&root);
    attrs.push_str(&format!("*.dat {LFS_LINE}\n"));
    std::fs::write(root.join(".gitattributes"), &attrs).unwrap();
    env.git(&root, &["add", ".gitattributes"]);
    env.git(&root, &["commit", "-qm", "dat files in LFS"]);

    // Even with -S: git itself filters *.dat through LFS, so renku commits what git would.
    let out = env.run_in(&root, &["-S", "run", "./gen.sh", "50", "small.dat"]);
    assert_success(&out);
    assert_in_lfs(&env, &root, "small.dat");
    assert_eq!(
        attributes(&root),
        attrs,
        "no pattern added for an LFS-filtered path"
    );
    assert!(
        !stderr(&out).contains("Adding these files"),
        "{}",
        stderr(&out)
    );
    assert_eq!(env.status(&root), "");
}

#[test]
fn lfs_threshold_and_message_follow_the_configuration() {
    if !lfs_available() {
        return;
    }
    let env = TestEnv::new();
    let root = project(&env);
    assert_success(&env.run_in(&root, &["config", "set", "lfs_threshold", "1kb"]));
    assert_success(&env.run_in(&root, &["config", "set", "show_lfs_message", "false"]));
    assert_eq!(env.status(&root), "", "renku config set commits");

    let out = env.run_in(&root, &["run", "./gen.sh", "1000", "k.bin"]);
    assert_success(&out);
    assert_in_lfs(&env, &root, "k.bin");
    assert!(
        !stderr(&out).contains("Git LFS"),
        "message disabled: {}",
        stderr(&out)
    );
    let out = env.run_in(&root, &["run", "./gen.sh", "999", "under.bin"]);
    assert_success(&out);
    assert_in_git(&env, &root, "under.bin");

    // An unusable threshold fails before the command runs and changes nothing.
    assert_success(&env.run_in(&root, &["config", "set", "lfs_threshold", "lots"]));
    let before = snapshot(&env, &root);
    let out = env.run_in(&root, &["run", "./gen.sh", "10", "never.bin"]);
    assert_code(&out, 1);
    assert_contains(&stderr(&out), "lfs_threshold");
    assert!(!root.join("never.bin").exists(), "the command did not run");
    assert_unchanged(&env, &root, &before, "bad lfs_threshold");
}

#[test]
fn workflow_file_outputs_go_to_lfs() {
    if !lfs_available() {
        return;
    }
    let env = TestEnv::new();
    let root = project(&env);
    std::fs::write(
        root.join("wf.yml"),
        r#"name: lfs-flow
steps:
  make:
    command: ./gen.sh 200000 $outputs
    outputs:
      big:
        path: out/big.bin
  count:
    command: wc -c $data > $count
    inputs:
      data:
        path: out/big.bin
    outputs:
      count:
        path: out/count.txt
"#,
    )
    .unwrap();
    env.git(&root, &["add", "wf.yml"]);
    env.git(&root, &["commit", "-qm", "workflow"]);
    let out = env.run_in(&root, &["run", "wf.yml"]);
    assert_success(&out);
    assert_in_lfs(&env, &root, "out/big.bin");
    assert_contains(&attributes(&root), &format!("\nout/big.bin {LFS_LINE}\n"));
    assert_contains(
        &stderr(&out),
        "Adding these files to Git LFS:\n\tout/big.bin\n",
    );
    // The step reading the LFS file used exactly what the first step generated.
    let blob = env.git(&root, &["rev-parse", "HEAD:out/big.bin"]);
    assert_eq!(
        generated_checksums(&root, "out/big.bin"),
        vec![blob.trim().to_string()]
    );
    assert_eq!(
        entity_checksums(&root, "usages", "out/big.bin"),
        vec![blob.trim().to_string()]
    );
}

#[test]
fn no_commit_workflow_run_leaves_gitattributes_alone() {
    if !lfs_available() {
        return;
    }
    let env = TestEnv::new();
    let root = project(&env);
    std::fs::write(
        root.join("wf.yml"),
        "name: flow\nsteps:\n  make:\n    command: ./gen.sh 200000 $outputs\n    outputs:\n      big:\n        path: big.bin\n",
    )
    .unwrap();
    env.git(&root, &["add", "wf.yml"]);
    env.git(&root, &["commit", "-qm", "workflow"]);
    let head = env.head(&root);
    let attrs = attributes(&root);
    let out = env.run_in(&root, &["run", "--no-commit", "wf.yml"]);
    assert_success(&out);
    assert_eq!(attributes(&root), attrs);
    assert_eq!(env.head(&root), head);
    assert!(!stderr(&out).contains("Git LFS"), "{}", stderr(&out));
}

/// A project with LFS, threshold 1kb, and two committed recorded steps:
/// `make` (`sh size.sh n.txt out.bin`: as many random bytes as `n.txt` says) and `count`
/// (`sh count.sh out.bin count.txt`: the byte count of `out.bin`). `n.txt` starts at 10, so
/// `out.bin` is in git.
fn sized_project(env: &TestEnv) -> PathBuf {
    let root = project(env);
    assert_success(&env.run_in(&root, &["config", "set", "lfs_threshold", "1kb"]));
    std::fs::write(root.join("size.sh"), "./gen.sh \"$(cat \"$1\")\" \"$2\"\n").unwrap();
    std::fs::write(
        root.join("count.sh"),
        "wc -c < \"$1\" | tr -d ' ' > \"$2\"\n",
    )
    .unwrap();
    std::fs::write(root.join("n.txt"), "10").unwrap();
    env.git(&root, &["add", "size.sh", "count.sh", "n.txt"]);
    env.git(&root, &["commit", "-qm", "scripts"]);
    assert_success(&env.run_in(
        &root,
        &["run", "--name", "make", "sh", "size.sh", "n.txt", "out.bin"],
    ));
    assert_success(&env.run_in(
        &root,
        &[
            "run",
            "--name",
            "count",
            "sh",
            "count.sh",
            "out.bin",
            "count.txt",
        ],
    ));
    assert_in_git(env, &root, "out.bin");
    root
}

/// The checksum the newest activity recorded for `path` in `field` (usages/generations).
fn newest_checksum(root: &Path, field: &str, path: &str) -> String {
    let mut best: Option<(String, String)> = None;
    for f in record_files(root, "activity") {
        let record = read_json(&f);
        let data = &record["data"];
        let ended = data["ended_at_time"].as_str().unwrap().to_string();
        for e in data[field].as_array().unwrap() {
            if e["entity"]["path"] == path && best.as_ref().is_none_or(|(t, _)| ended > *t) {
                best = Some((
                    ended.clone(),
                    e["entity"]["checksum"].as_str().unwrap().to_string(),
                ));
            }
        }
    }
    best.unwrap().1
}

#[test]
fn update_rerun_and_workflow_execute_put_large_new_outputs_into_lfs() {
    if !lfs_available() {
        return;
    }
    let env = TestEnv::new();
    let root = sized_project(&env);
    std::fs::write(root.join("n.txt"), "5000").unwrap();
    env.git(&root, &["commit", "-qam", "bigger"]);

    let out = env.run_in(&root, &["update", "--all"]);
    assert_success(&out);
    assert_in_lfs(&env, &root, "out.bin");
    assert_in_git(&env, &root, "count.txt");
    assert_eq!(
        std::fs::read_to_string(root.join("count.txt")).unwrap(),
        "5000\n"
    );
    assert_contains(&attributes(&root), &format!("\nout.bin {LFS_LINE}\n"));
    assert_contains(
        &stderr(&out),
        "Info: Adding these files to Git LFS:\n\tout.bin\nTo disable this message",
    );
    // .gitattributes is committed with the outputs, in the update's one commit.
    let changed = env.changed_files(&root, "HEAD");
    assert!(
        changed.contains(&".gitattributes".to_string()),
        "{changed:?}"
    );
    assert!(changed.contains(&"out.bin".to_string()), "{changed:?}");
    assert_eq!(env.status(&root), "");
    // The new generation and the downstream usage are the pointer's blob id, so status is
    // clean.
    let pointer = env.git(&root, &["rev-parse", "HEAD:out.bin"]);
    assert_eq!(
        newest_checksum(&root, "generations", "out.bin"),
        pointer.trim()
    );
    assert_eq!(newest_checksum(&root, "usages", "out.bin"), pointer.trim());
    let out = env.run_in(&root, &["status"]);
    assert_code(&out, 0);
    assert_eq!(stdout(&out), "Everything is up-to-date.\n");
    // Stock git-lfs agrees.
    assert_eq!(
        env.git(&root, &["lfs", "ls-files", "--name-only"]).trim(),
        "out.bin"
    );
    assert_contains(&env.git(&root, &["lfs", "fsck"]), "OK");

    // rerun: new random content, already tracked (no new pattern, no message).
    let attrs = attributes(&root);
    let out = env.run_in(&root, &["rerun", "count.txt"]);
    assert_success(&out);
    assert!(
        !stderr(&out).contains("Adding these files"),
        "{}",
        stderr(&out)
    );
    assert_eq!(attributes(&root), attrs);
    assert_in_lfs(&env, &root, "out.bin");
    assert_ne!(env.git(&root, &["rev-parse", "HEAD:out.bin"]), pointer);
    assert_eq!(env.status(&root), "");
    assert_code(&env.run_in(&root, &["status"]), 0);

    // workflow execute with a new, large output path.
    let out = env.run_in(
        &root,
        &[
            "workflow",
            "execute",
            "--set",
            "output-3=data/other.bin",
            "make",
        ],
    );
    assert_success(&out);
    assert_contains(
        &stderr(&out),
        "Adding these files to Git LFS:\n\tdata/other.bin\n",
    );
    assert_in_lfs(&env, &root, "data/other.bin");
    assert!(
        env.changed_files(&root, "HEAD")
            .contains(&".gitattributes".to_string())
    );
    assert_eq!(
        newest_checksum(&root, "generations", "data/other.bin"),
        env.git(&root, &["rev-parse", "HEAD:data/other.bin"]).trim()
    );
    assert_eq!(env.status(&root), "");
    assert_code(&env.run_in(&root, &["status"]), 0);
    assert_contains(&env.git(&root, &["lfs", "fsck"]), "OK");
}

#[test]
fn failed_or_unrecorded_updates_leave_gitattributes_alone_and_s_keeps_git() {
    if !lfs_available() {
        return;
    }
    let env = TestEnv::new();
    let root = sized_project(&env);
    // A third step that fails on large inputs.
    std::fs::write(
        root.join("small-only.sh"),
        "test \"$(wc -c < \"$1\")\" -lt 1000 || { echo 'too large' >&2; exit 3; }\ncp \"$1\" \"$2\"\n",
    )
    .unwrap();
    env.git(&root, &["add", "small-only.sh"]);
    env.git(&root, &["commit", "-qm", "checker"]);
    assert_success(&env.run_in(
        &root,
        &[
            "run",
            "--name",
            "copy",
            "sh",
            "small-only.sh",
            "out.bin",
            "copy.bin",
        ],
    ));
    std::fs::write(root.join("n.txt"), "5000").unwrap();
    env.git(&root, &["commit", "-qam", "bigger"]);
    let before = snapshot(&env, &root);

    // `make` succeeds with a large output, `copy` fails: nothing stays.
    let out = env.run_in(&root, &["update", "--all", "-j", "1"]);
    assert_code(&out, 1);
    assert_contains(&stderr(&out), "'copy' returned 3");
    assert!(
        !stderr(&out).contains("Adding these files"),
        "{}",
        stderr(&out)
    );
    assert_unchanged(&env, &root, &before, "failed update");

    // --skip-metadata-update: the outputs are regenerated, .gitattributes is not touched.
    let attrs = attributes(&root);
    let out = env.run_in(&root, &["update", "--skip-metadata-update", "out.bin"]);
    assert_success(&out);
    assert_eq!(std::fs::metadata(root.join("out.bin")).unwrap().len(), 5000);
    assert_eq!(attributes(&root), attrs);
    assert_eq!(env.head(&root), before.0.trim());

    // -S: large outputs stay in git.
    env.git(&root, &["checkout", "--", "."]);
    let out = env.run_in(&root, &["-S", "update", "out.bin", "count.txt"]);
    assert_success(&out);
    assert_in_git(&env, &root, "out.bin");
    assert_eq!(attributes(&root), attrs);
    assert_eq!(env.status(&root), "");
}

#[test]
fn rerun_check_materialises_lfs_inputs_and_compares_pointers() {
    if !lfs_available() {
        return;
    }
    let env = TestEnv::new();
    let root = project(&env);
    assert_success(&env.run_in(&root, &["config", "set", "lfs_threshold", "1kb"]));
    std::fs::write(
        root.join("det.sh"),
        "yes 'the same line' | head -c \"$1\" > \"$2\"\n",
    )
    .unwrap();
    std::fs::write(
        root.join("count.sh"),
        "wc -c < \"$1\" | tr -d ' ' > \"$2\"\n",
    )
    .unwrap();
    env.git(&root, &["add", "det.sh", "count.sh"]);
    env.git(&root, &["commit", "-qm", "scripts"]);
    assert_success(&env.run_in(
        &root,
        &["run", "--name", "make", "sh", "det.sh", "5000", "big.bin"],
    ));
    assert_success(&env.run_in(
        &root,
        &[
            "run",
            "--name",
            "count",
            "sh",
            "count.sh",
            "big.bin",
            "count.txt",
        ],
    ));
    assert_in_lfs(&env, &root, "big.bin");
    let before = snapshot(&env, &root);
    let pointer = env.git(&root, &["rev-parse", "HEAD:big.bin"]);

    let check = |args: &[&str]| -> (i32, serde_json::Value) {
        let mut all = vec!["rerun", "--check", "--format", "json"];
        all.extend_from_slice(args);
        let out = env.run_in(&root, &all);
        (code(&out), serde_json::from_slice(&out.stdout).unwrap())
    };
    // The LFS output is regenerated and compared as the pointer git would commit.
    let (code, report) = check(&["count.txt"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["steps"][0]["outputs"][0]["path"], "big.bin");
    assert_eq!(report["steps"][0]["outputs"][0]["recorded"], pointer.trim());
    assert_eq!(
        report["steps"][0]["outputs"][0]["regenerated"],
        pointer.trim()
    );
    // Only `count`: its LFS input is the real content, not the pointer (or it would count
    // the pointer's bytes and drift).
    let (code, report) = check(&["--from", "big.bin", "count.txt"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["steps"].as_array().unwrap().len(), 1);
    assert_eq!(report["steps"][0]["changed_inputs"], serde_json::json!([]));
    assert_unchanged(&env, &root, &before, "rerun --check with LFS");

    // Without the LFS object the step cannot run; the check says so.
    let content = std::fs::read(root.join("big.bin")).unwrap();
    let oid = sha256_hex(&content);
    let object = root
        .join(".git/lfs/objects")
        .join(&oid[..2])
        .join(&oid[2..4])
        .join(&oid);
    std::fs::remove_file(&object).unwrap();
    let (code, report) = check(&["--from", "big.bin", "count.txt"]);
    assert_eq!(code, 1);
    let failure = &report["steps"][0]["failure"];
    assert_eq!(report["steps"][0]["status"], "failed");
    let message = failure["message"].as_str().unwrap();
    assert!(
        message.contains("'big.bin'") && message.contains("Git LFS"),
        "{message}"
    );
    assert_eq!(report["steps"][0]["outputs"][0]["status"], "not_run");
    assert_unchanged(&env, &root, &before, "rerun --check without the LFS object");
}
