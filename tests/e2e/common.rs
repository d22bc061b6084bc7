//! Test harness: an isolated environment (own HOME, git identity, config) per test.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// An isolated user environment: a temporary HOME with a git identity, and a work directory.
pub struct TestEnv {
    pub dir: tempfile::TempDir,
}

impl TestEnv {
    pub fn new() -> TestEnv {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("home")).unwrap();
        std::fs::create_dir_all(dir.path().join("work")).unwrap();
        std::fs::write(
            dir.path().join("home/.gitconfig"),
            "[user]\n\tname = Jane Doe\n\temail = jane.doe@example.org\n[init]\n\tdefaultBranch = main\n",
        )
        .unwrap();
        TestEnv { dir }
    }

    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    /// The directory commands run in unless told otherwise.
    pub fn work(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    fn apply_env(&self, cmd: &mut Command) {
        cmd.env("HOME", self.home())
            .env("GIT_CONFIG_GLOBAL", self.home().join(".gitconfig"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env_remove("RUST_LOG")
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .env_remove("GIT_AUTHOR_NAME")
            .env_remove("GIT_AUTHOR_EMAIL")
            .env_remove("GIT_COMMITTER_NAME")
            .env_remove("GIT_COMMITTER_EMAIL")
            .env("RENKU_LOCK_TIMEOUT", "5");
    }

    /// A `renku` command running in `cwd`.
    pub fn renku_in(&self, cwd: &Path) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_renku"));
        cmd.current_dir(cwd).stdin(std::process::Stdio::null());
        self.apply_env(&mut cmd);
        cmd
    }

    /// Runs `renku ARGS` in `cwd`.
    pub fn run_in(&self, cwd: &Path, args: &[&str]) -> Output {
        self.renku_in(cwd).args(args).output().unwrap()
    }

    /// Runs `renku ARGS` in the work directory.
    pub fn run(&self, args: &[&str]) -> Output {
        self.run_in(&self.work(), args)
    }

    /// Runs `git ARGS` in `cwd` and returns stdout; panics on failure.
    pub fn git(&self, cwd: &Path, args: &[&str]) -> String {
        let mut cmd = Command::new("git");
        cmd.current_dir(cwd).args(args);
        self.apply_env(&mut cmd);
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Initialises a project `name` in the work directory (template `minimal`) and returns its root.
    pub fn init_project(&self, name: &str) -> PathBuf {
        let out = self.run(&["init", "-t", "minimal", name]);
        assert_success(&out);
        self.work().join(name)
    }
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

#[track_caller]
pub fn assert_success(out: &Output) {
    assert!(
        out.status.success(),
        "command failed with {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        stdout(out),
        stderr(out)
    );
}

#[track_caller]
pub fn assert_code(out: &Output, expected: i32) {
    assert_eq!(
        code(out),
        expected,
        "unexpected exit code\nstdout:\n{}\nstderr:\n{}",
        stdout(out),
        stderr(out)
    );
}

/// A snapshot of a repository's state: HEAD, `git status --porcelain` and the contents of
/// every file in the work tree (outside `.git`). Used to prove a failed command changed nothing.
pub fn snapshot(env: &TestEnv, root: &Path) -> (String, String, Vec<(String, Vec<u8>)>) {
    let head = env.git(root, &["rev-parse", "HEAD"]);
    let status = env.git(root, &["status", "--porcelain", "--untracked-files=all"]);
    let mut files = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let p = e.path();
            if p.file_name().is_some_and(|n| n == ".git") {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push((
                    p.strip_prefix(root).unwrap().to_string_lossy().into_owned(),
                    std::fs::read(&p).unwrap(),
                ));
            }
        }
    }
    files.sort();
    (head, status, files)
}

/// Path of the shared reference data (`../shared/data` next to the repository).
pub fn shared_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data")
}
