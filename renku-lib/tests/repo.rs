//! Repository layer against real git repositories: transactions, recovery, fingerprints.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;
use std::process::Command;

use renku_lib::repo::git::Git;
use renku_lib::repo::lock::ProjectLock;
use renku_lib::repo::status::{ChangeKind, changes, fingerprint};
use renku_lib::repo::transaction::{Recovery, Transaction, journal_dir, recover_if_abandoned};

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "Jane Doe")
        .env("GIT_AUTHOR_EMAIL", "jane@example.org")
        .env("GIT_COMMITTER_NAME", "Jane Doe")
        .env("GIT_COMMITTER_EMAIL", "jane@example.org")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A repository with one commit holding `a.txt`, with a local identity configured.
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q", "-b", "main"]);
    git(dir.path(), &["config", "user.name", "Jane Doe"]);
    git(dir.path(), &["config", "user.email", "jane@example.org"]);
    std::fs::write(dir.path().join("a.txt"), "one\n").unwrap();
    git(dir.path(), &["add", "a.txt"]);
    git(dir.path(), &["commit", "-q", "-m", "first"]);
    dir
}

fn lock(root: &Path) -> ProjectLock {
    ProjectLock::try_acquire(root, "test")
        .unwrap()
        .expect("lock is free")
}

fn argv(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}

#[test]
fn commit_records_touched_paths_only_with_trailer() {
    let dir = repo();
    let root = dir.path();
    std::fs::write(root.join("unrelated.txt"), "user's work\n").unwrap();
    let mut tx = Transaction::begin(root, lock(root)).unwrap();
    let id = tx.id().to_string();
    tx.write_file("new/dir/b.txt", b"two\n").unwrap();
    tx.write_file("a.txt", b"changed\n").unwrap();
    let committed = tx.commit(&argv(&["config", "set", "x", "y"])).unwrap();
    assert_eq!(committed.transaction, id);

    let message = git(root, &["log", "-1", "--format=%B"]);
    assert_eq!(
        message.trim_end(),
        format!("renku config set x y\n\nrenku-transaction: {id}")
    );
    let files = git(root, &["show", "--name-only", "--format=", "HEAD"]);
    let mut files: Vec<&str> = files.lines().collect();
    files.sort();
    assert_eq!(files, vec!["a.txt", "new/dir/b.txt"]);
    // The unrelated file stays untracked, everything else is clean.
    assert_eq!(git(root, &["status", "--porcelain"]), "?? unrelated.txt\n");
    assert!(!journal_dir(root).unwrap().exists());
}

#[test]
fn dropping_a_transaction_restores_files_index_and_directories() {
    let dir = repo();
    let root = dir.path();
    git(root, &["rm", "-q", "--cached", "a.txt"]); // a staged change of the user's
    let status_before = git(root, &["status", "--porcelain"]);
    {
        let mut tx = Transaction::begin(root, lock(root)).unwrap();
        tx.write_file("a.txt", b"overwritten\n").unwrap();
        tx.write_file("deep/er/c.txt", b"new\n").unwrap();
        assert!(root.join("deep/er/c.txt").exists());
    }
    assert_eq!(
        std::fs::read_to_string(root.join("a.txt")).unwrap(),
        "one\n"
    );
    assert!(
        !root.join("deep").exists(),
        "created directories are removed"
    );
    assert_eq!(git(root, &["status", "--porcelain"]), status_before);
    assert!(!journal_dir(root).unwrap().exists());
}

#[test]
fn rolling_back_restores_symbolic_links_as_links() {
    let dir = repo();
    let root = dir.path();
    std::os::unix::fs::symlink("a.txt", root.join("link.txt")).unwrap();
    std::os::unix::fs::symlink("missing/target", root.join("dangling")).unwrap();
    {
        let mut tx = Transaction::begin(root, lock(root)).unwrap();
        tx.write_file("link.txt", b"replaced the link\n").unwrap();
        tx.remove_file("dangling").unwrap();
        assert!(!root.join("link.txt").is_symlink());
    }
    for (link, target) in [("link.txt", "a.txt"), ("dangling", "missing/target")] {
        let path = root.join(link);
        assert!(path.is_symlink(), "{link} is a link again");
        assert_eq!(std::fs::read_link(&path).unwrap(), Path::new(target));
    }
    // The file the link pointed at was not written through it.
    assert_eq!(
        std::fs::read_to_string(root.join("a.txt")).unwrap(),
        "one\n"
    );
}

#[test]
fn nothing_to_commit_rolls_back() {
    let dir = repo();
    let root = dir.path();
    let head = git(root, &["rev-parse", "HEAD"]);
    let mut tx = Transaction::begin(root, lock(root)).unwrap();
    tx.write_file("a.txt", b"one\n").unwrap();
    let err = tx.commit(&argv(&["x"])).unwrap_err();
    assert!(matches!(err, renku_lib::Error::NothingToCommit));
    assert_eq!(git(root, &["rev-parse", "HEAD"]), head);
}

#[test]
fn recovery_leaves_a_live_writer_alone() {
    let dir = repo();
    let root = dir.path();
    let mut tx = Transaction::begin(root, lock(root)).unwrap();
    tx.write_file("a.txt", b"in progress\n").unwrap();
    // The writer is alive (it holds the lock): recovery must not touch its transaction.
    assert_eq!(recover_if_abandoned(root).unwrap(), Recovery::InProgress);
    assert_eq!(
        std::fs::read_to_string(root.join("a.txt")).unwrap(),
        "in progress\n"
    );
    drop(tx);
    assert_eq!(
        std::fs::read_to_string(root.join("a.txt")).unwrap(),
        "one\n"
    );
}

#[test]
fn recovery_rolls_back_when_the_writer_is_gone() {
    let dir = repo();
    let root = dir.path();
    // Run the writer in a child process that exits without cleaning up (like `kill -9`).
    let exe = std::env::current_exe().unwrap();
    let status = Command::new(exe)
        .args([
            "--exact",
            "abandon_transaction_helper",
            "--ignored",
            "--nocapture",
        ])
        .env("RENKU_TEST_REPO", root)
        .status()
        .unwrap();
    assert!(status.success());
    assert!(
        journal_dir(root).unwrap().exists(),
        "the helper left its journal behind"
    );
    assert_eq!(
        std::fs::read_to_string(root.join("a.txt")).unwrap(),
        "half done\n"
    );
    let outcome = recover_if_abandoned(root).unwrap();
    assert!(matches!(outcome, Recovery::RolledBack(_)), "{outcome:?}");
    assert_eq!(
        std::fs::read_to_string(root.join("a.txt")).unwrap(),
        "one\n"
    );
    assert!(!root.join("b.txt").exists());
    assert_eq!(git(root, &["status", "--porcelain"]), "");
    assert_eq!(recover_if_abandoned(root).unwrap(), Recovery::Nothing);
}

/// Run by `recovery_rolls_back_when_the_writer_is_gone` in a child process.
#[test]
#[ignore = "helper run in a child process"]
fn abandon_transaction_helper() {
    let Ok(root) = std::env::var("RENKU_TEST_REPO") else {
        return;
    };
    let root = Path::new(&root);
    let mut tx = Transaction::begin(root, lock(root)).unwrap();
    tx.write_file("a.txt", b"half done\n").unwrap();
    tx.write_file("b.txt", b"half done\n").unwrap();
    std::process::exit(0); // no destructors: the journal stays, the kernel drops the lock
}

#[test]
fn fingerprint_names_exactly_the_changed_paths() {
    let dir = repo();
    let root = dir.path();
    std::fs::write(root.join("pre-existing.txt"), "dirty before\n").unwrap();
    let g = Git::open(root).unwrap();
    let before = fingerprint(&g).unwrap();
    std::fs::write(root.join("a.txt"), "modified by the command\n").unwrap();
    std::fs::write(root.join("out.txt"), "created by the command\n").unwrap();
    let after = fingerprint(&g).unwrap();
    assert_eq!(
        before.changed_paths(&after),
        vec!["a.txt".to_string(), "out.txt".to_string()]
    );
    let kinds: Vec<(String, ChangeKind)> = changes(&g)
        .unwrap()
        .into_iter()
        .map(|c| (c.path, c.kind))
        .collect();
    assert!(kinds.contains(&("a.txt".into(), ChangeKind::Modified)));
    assert!(kinds.contains(&("out.txt".into(), ChangeKind::Untracked)));
    // Rewriting the same content is not a change.
    std::fs::write(root.join("pre-existing.txt"), "dirty before\n").unwrap();
    assert!(after.changed_paths(&fingerprint(&g).unwrap()).is_empty());
}
