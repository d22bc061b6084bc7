//! `renku githooks install|uninstall` and what renku's pre-commit hook refuses.

use std::path::Path;

use crate::common::*;

fn hook(root: &Path) -> std::path::PathBuf {
    root.join(".git/hooks/pre-commit")
}

/// What the hook printed (git sends a hook's stdout to stderr).
fn hook_output(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn git_commit(root: &Path, message: &str) -> std::process::Output {
    std::process::Command::new("git")
        .current_dir(root)
        .args(["commit", "-qm", message])
        .output()
        .unwrap()
}

#[test]
fn init_installs_the_hook_and_githooks_manages_it() {
    let env = TestEnv::new();
    let root = env.project_with(&[]);
    assert!(read_file(&root, ".git/hooks/pre-commit").contains("RENKU HOOK"));
    assert_success(&env.run_in(&root, &["githooks", "uninstall"]));
    assert!(!hook(&root).exists());
    // Someone else's hook is kept unless --force.
    std::fs::write(hook(&root), "#!/bin/sh\nexit 0\n").unwrap();
    let out = env.run_in(&root, &["githooks", "install"]);
    assert_success(&out);
    assert_contains(&stderr(&out), "Hook already exists. Skipping");
    assert_eq!(
        read_file(&root, ".git/hooks/pre-commit"),
        "#!/bin/sh\nexit 0\n"
    );
    // uninstall leaves it too.
    assert_success(&env.run_in(&root, &["githooks", "uninstall"]));
    assert!(hook(&root).exists());
    assert_success(&env.run_in(&root, &["githooks", "install", "--force"]));
    assert!(read_file(&root, ".git/hooks/pre-commit").contains("githooks pre-commit"));
    // Installing again is harmless.
    assert_success(&env.run_in(&root, &["githooks", "install"]));
}

#[test]
fn the_hook_refuses_large_files_outside_lfs_unless_autocommit() {
    if !crate::lfs::lfs_available() {
        return;
    }
    let env = TestEnv::new();
    let root = env.project_with(&[]);
    env.ok(&root, &["config", "set", "lfs_threshold", "1kb"]);
    std::fs::write(root.join("big.bin"), vec![3u8; 4096]).unwrap();
    std::fs::write(root.join("small.txt"), "small\n").unwrap();
    env.git(&root, &["add", "big.bin", "small.txt"]);
    let head = env.head(&root);
    let out = git_commit(&root, "large");
    assert_eq!(out.status.code(), Some(1));
    let text = hook_output(&out);
    assert_contains(
        &text,
        "You are trying to commit large files to Git instead of Git-LFS.",
    );
    assert_contains(&text, "big.bin");
    assert!(!text.contains("small.txt"), "{text}");
    assert_eq!(env.head(&root), head);
    // With autocommit_lfs the hook tracks them and the commit goes ahead with a pointer.
    env.ok(&root, &["config", "set", "autocommit_lfs", "true"]);
    let out = git_commit(&root, "large");
    assert!(out.status.success(), "{}", hook_output(&out));
    assert_contains(&read_file(&root, ".gitattributes"), "big.bin filter=lfs");
    let blob = env.git(&root, &["show", "HEAD:big.bin"]);
    assert_contains(&blob, "version https://git-lfs.github.com/spec/v1");
}

#[test]
fn the_hook_refuses_unregistered_and_changed_dataset_files() {
    let env = TestEnv::new();
    let root = env.project_with(&[("a.txt", "a\n")]);
    env.ok(&root, &["dataset", "add", "--copy", "-c", "d", "a.txt"]);
    // A new file in the data directory that the dataset does not have.
    std::fs::write(root.join("data/d/new.txt"), "n\n").unwrap();
    env.git(&root, &["add", "data/d/new.txt"]);
    let out = git_commit(&root, "new");
    assert_eq!(out.status.code(), Some(1));
    let text = hook_output(&out);
    assert_contains(
        &text,
        "Files in datasets data directory that aren't up to date:",
    );
    assert_contains(&text, "data/d/new.txt (d) modified");
    env.git(&root, &["reset", "-q"]);
    // A changed dataset file.
    std::fs::write(root.join("data/d/a.txt"), "changed\n").unwrap();
    env.git(&root, &["add", "data/d/a.txt"]);
    let out = git_commit(&root, "changed");
    assert_eq!(out.status.code(), Some(1));
    assert_contains(&hook_output(&out), "data/d/a.txt (d) modified");
    // Files elsewhere are fine, and so is everything with the check off.
    env.git(&root, &["reset", "-q"]);
    std::fs::write(root.join("notes.txt"), "n\n").unwrap();
    env.git(&root, &["add", "notes.txt"]);
    assert!(git_commit(&root, "notes").status.success());
    env.ok(&root, &["config", "set", "check_datadir_files", "false"]);
    env.git(&root, &["add", "data/d/a.txt"]);
    assert!(git_commit(&root, "changed").status.success());
}

#[test]
fn the_hook_refuses_changes_to_immutable_template_files() {
    let env = TestEnv::new();
    let tpl = env.dir.path().join("templates");
    make_template_repo(&env, &tpl, true);
    let manifest = read_file(&tpl, "manifest.yaml");
    std::fs::write(
        tpl.join("manifest.yaml"),
        format!("{manifest}  immutable_template_files:\n    - notes.txt\n"),
    )
    .unwrap();
    env.git(&tpl, &["commit", "-qam", "immutable notes"]);
    let out = env.run(&["init", "-s", tpl.to_str().unwrap(), "-t", "custom", "p"]);
    assert_success(&out);
    let root = env.work().join("p");
    std::fs::write(root.join("notes.txt"), "my notes\n").unwrap();
    std::fs::write(root.join("README.md"), "# mine\n").unwrap();
    env.git(&root, &["add", "notes.txt", "README.md"]);
    let out = git_commit(&root, "edit");
    assert_eq!(out.status.code(), Some(1));
    let text = hook_output(&out);
    assert_contains(
        &text,
        "You are trying to update files marked as immutable in your project template.",
    );
    assert_contains(&text, "notes.txt");
    assert!(!text.contains("README.md"), "{text}");
    // README.md alone is fine.
    env.git(&root, &["reset", "-q", "notes.txt"]);
    assert!(git_commit(&root, "readme").status.success());
}
