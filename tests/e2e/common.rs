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

/// Runs `cmd`, writing `input` to its stdin, and collects its output.
pub fn output_with_input(mut cmd: Command, input: &str) -> Output {
    use std::io::Write;
    let mut child = cmd
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // The command may exit before reading everything; a broken pipe is fine then.
    let _ = stdin.write_all(input.as_bytes());
    drop(stdin);
    child.wait_with_output().unwrap()
}

impl TestEnv {
    /// Runs `renku ARGS` in `cwd`, writing `input` to its stdin.
    pub fn run_with_input(&self, cwd: &Path, args: &[&str], input: &str) -> Output {
        let mut cmd = self.renku_in(cwd);
        cmd.args(args);
        output_with_input(cmd, input)
    }

    /// The full id of HEAD in `root`.
    pub fn head(&self, root: &Path) -> String {
        self.git(root, &["rev-parse", "HEAD"]).trim().to_string()
    }

    /// Number of commits reachable from HEAD.
    pub fn commit_count(&self, root: &Path) -> usize {
        self.git(root, &["rev-list", "--count", "HEAD"])
            .trim()
            .parse()
            .unwrap()
    }

    /// `git status --porcelain --untracked-files=all` in `root`.
    pub fn status(&self, root: &Path) -> String {
        self.git(root, &["status", "--porcelain", "--untracked-files=all"])
    }

    /// Paths (relative to `root`) changed by the commit `rev`, sorted.
    pub fn changed_files(&self, root: &Path, rev: &str) -> Vec<String> {
        let out = self.git(
            root,
            &["show", "--name-only", "--format=", "--no-renames", rev],
        );
        let mut files: Vec<String> = out
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
        files.sort();
        files
    }
}

/// The record files of `kind` under `<root>/.renku/store/`, sorted.
pub fn record_files(root: &Path, kind: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let dir = root.join(".renku/store").join(kind);
    let Ok(shards) = std::fs::read_dir(&dir) else {
        return files;
    };
    for shard in shards {
        let shard = shard.unwrap().path();
        if shard.is_dir() {
            for f in std::fs::read_dir(&shard).unwrap() {
                files.push(f.unwrap().path());
            }
        }
    }
    files.sort();
    files
}

/// Parses a JSON file.
pub fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap())
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// SHA-256 of `data` as lowercase hex (FIPS 180-4; small, for checking checksum files).
pub fn sha256_hex(data: &[u8]) -> String {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let mut msg = data.to_vec();
    let bit_len = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bit_len.to_be_bytes());
    for block in msg.chunks(64) {
        let mut w = [0u32; 64];
        for (i, word) in block.chunks(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
        for i in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            hh = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *x = x.wrapping_add(y);
        }
    }
    h.iter().map(|x| format!("{x:08x}")).collect()
}

/// Clones the renku-python fixture `name` (a `<name>.git.tar.gz` in the shared data) into
/// `dest_parent/<name>` and returns the clone's path.
pub fn clone_fixture(env: &TestEnv, name: &str, dest_parent: &Path) -> PathBuf {
    let tarball = shared_data().join(format!("renku-python-projects/{name}.git.tar.gz"));
    clone_tarball(env, &tarball, name, dest_parent)
}

/// The renku-python fixtures of this repository (`tests/fixtures/renku-python/`).
pub fn renku_python_fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/renku-python")
}

/// Clones the bare repository `<name>.git` packed in `tarball` into `dest_parent/<name>`.
pub fn clone_tarball(env: &TestEnv, tarball: &Path, name: &str, dest_parent: &Path) -> PathBuf {
    assert!(tarball.is_file(), "missing fixture {}", tarball.display());
    let unpack = dest_parent.join(format!("{name}-bare"));
    std::fs::create_dir_all(&unpack).unwrap();
    let status = Command::new("tar")
        .args(["--no-same-owner", "-xzf"])
        .arg(tarball)
        .arg("-C")
        .arg(&unpack)
        .status()
        .unwrap();
    assert!(status.success(), "cannot unpack {}", tarball.display());
    let bare = unpack.join(format!("{name}.git"));
    let clone = dest_parent.join(name);
    env.git(
        dest_parent,
        &[
            "clone",
            "-q",
            bare.to_str().unwrap(),
            clone.to_str().unwrap(),
        ],
    );
    clone
}

/// Asserts that `haystack` contains `needle`, showing both otherwise.
#[track_caller]
pub fn assert_contains(haystack: &str, needle: &str) {
    assert!(
        haystack.contains(needle),
        "expected to find {needle:?} in:\n{haystack}"
    );
}

/// Creates a git template repository at `dir` with one template `custom` (variable
/// `greeting`, default `hello`; files `README.md` and `notes.txt`, plus a `.gitignore` for
/// renku's cache when `with_gitignore`). Tag `v1` has `README.md` ending in `v1`; the branch
/// head (one commit later) has `v2` and a changed `notes.txt`.
pub fn make_template_repo(env: &TestEnv, dir: &Path, with_gitignore: bool) {
    let folder = dir.join("custom");
    std::fs::create_dir_all(&folder).unwrap();
    env.git(dir, &["init", "-q"]);
    std::fs::write(
        dir.join("manifest.yaml"),
        "- id: custom\n  folder: custom\n  name: Custom Template\n  description: A test template\n  variables:\n    greeting:\n      description: A greeting\n      type: string\n      default_value: hello\n",
    )
    .unwrap();
    std::fs::write(
        folder.join("README.md"),
        "# {{ __name__ }}\n{{ greeting }} v1\n",
    )
    .unwrap();
    std::fs::write(folder.join("notes.txt"), "notes v1\n").unwrap();
    if with_gitignore {
        std::fs::write(folder.join(".gitignore"), ".renku/cache\n.renku/tmp\n").unwrap();
    }
    env.git(dir, &["add", "-A"]);
    env.git(dir, &["commit", "-qm", "v1"]);
    env.git(dir, &["tag", "v1"]);
    std::fs::write(
        folder.join("README.md"),
        "# {{ __name__ }}\n{{ greeting }} v2\n",
    )
    .unwrap();
    std::fs::write(folder.join("notes.txt"), "notes v2\n").unwrap();
    env.git(dir, &["commit", "-qam", "v2"]);
}

/// Paths listed twice in the git index of `root` (a corrupt index), if any.
pub fn duplicate_index_entries(env: &TestEnv, root: &Path) -> Vec<String> {
    let listing = env.git(root, &["ls-files", "--stage"]);
    let mut seen = std::collections::BTreeSet::new();
    let mut dups = Vec::new();
    for line in listing.lines() {
        let path = line.split('\t').nth(1).unwrap_or_default().to_string();
        if !seen.insert(path.clone()) {
            dups.push(path);
        }
    }
    dups
}

/// Asserts that the repository at `root` still matches `before` (a [`snapshot`]), ignoring
/// the derived cache under `.renku/cache/`; reports which files differ.
#[track_caller]
pub fn assert_unchanged(
    env: &TestEnv,
    root: &Path,
    before: &(String, String, Vec<(String, Vec<u8>)>),
    context: &str,
) {
    let after = snapshot(env, root);
    assert_eq!(after.0, before.0, "{context}: HEAD moved");
    assert_eq!(after.1, before.1, "{context}: git status changed");
    let relevant = |files: &[(String, Vec<u8>)]| -> std::collections::BTreeMap<String, Vec<u8>> {
        files
            .iter()
            .filter(|(p, _)| !p.starts_with(".renku/cache/"))
            .cloned()
            .collect()
    };
    let (old, new) = (relevant(&before.2), relevant(&after.2));
    let mut diffs = Vec::new();
    for (path, content) in &old {
        match new.get(path) {
            None => diffs.push(format!("removed {path}")),
            Some(c) if c != content => diffs.push(format!("changed {path}")),
            Some(_) => {}
        }
    }
    for path in new.keys().filter(|p| !old.contains_key(*p)) {
        diffs.push(format!("added {path}"));
    }
    assert!(diffs.is_empty(), "{context}: {diffs:?}");
}

/// Writes `files` (path, content) below `root`, creating directories.
pub fn write_files(root: &Path, files: &[(&str, &str)]) {
    for (path, content) in files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }
}

/// The content of `root/path`.
pub fn read_file(root: &Path, path: &str) -> String {
    std::fs::read_to_string(root.join(path)).unwrap()
}

impl TestEnv {
    /// Initialises project `p` with `files` committed.
    pub fn project_with(&self, files: &[(&str, &str)]) -> PathBuf {
        let root = self.init_project("p");
        write_files(&root, files);
        self.git(&root, &["add", "-A"]);
        self.git(&root, &["commit", "-qm", "setup", "--allow-empty"]);
        root
    }

    /// Runs `renku ARGS` in `root`, asserts success and returns stdout.
    #[track_caller]
    pub fn ok(&self, root: &Path, args: &[&str]) -> String {
        let out = self.run_in(root, args);
        assert_success(&out);
        stdout(&out)
    }
}

impl TestEnv {
    /// Runs `renku ARGS` in `root` with its standard output going to `root/out` (as a shell's
    /// `> out` would), and asserts success.
    #[track_caller]
    pub fn ok_to_file(&self, root: &Path, args: &[&str], out: &str) {
        let file = std::fs::File::create(root.join(out)).unwrap();
        let o = self
            .renku_in(root)
            .args(args)
            .stdout(file)
            .output()
            .unwrap();
        assert_success(&o);
    }
}

impl TestEnv {
    /// The visible files of dataset `slug` (`dataset ls-files` paths).
    pub fn dataset_paths(&self, root: &Path, slug: &str) -> Vec<String> {
        self.ok(
            root,
            &["dataset", "ls-files", slug, "--format", "csv", "-c", "path"],
        )
        .lines()
        .skip(1)
        .map(str::to_string)
        .collect()
    }
}

/// pyshacl: on PATH, or in renku-python's reference environment. CI installs it and sets
/// `RENKU_TEST_REQUIRE_PYSHACL=1`, which makes its absence a failure.
pub fn pyshacl() -> Option<PathBuf> {
    let candidates = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join("pyshacl"))
                .collect::<Vec<_>>()
        })
        .chain(
            std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache/renku-ref/bin/pyshacl")),
        );
    let found = candidates.into_iter().find(|c| c.is_file());
    if found.is_none() {
        assert!(
            std::env::var_os("RENKU_TEST_REQUIRE_PYSHACL").is_none(),
            "pyshacl is required (RENKU_TEST_REQUIRE_PYSHACL is set) but was not found"
        );
        eprintln!("pyshacl not found: SHACL conformance check with pyshacl skipped");
    }
    found
}

/// Validates the JSON-LD file `graph` against renku-python's SHACL shape with pyshacl, as
/// `../shared/data/README.md` says (skipped when pyshacl is absent and not required).
#[track_caller]
pub fn assert_pyshacl_conforms(graph: &Path) {
    let Some(pyshacl) = pyshacl() else { return };
    let out = Command::new(pyshacl)
        .args(["-s"])
        .arg(shared_data().join("renku-shacl-shape.json"))
        .args(["-sf", "json-ld", "-df", "json-ld", "-i", "rdfs", "-m", "-a"])
        .arg(graph)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains("Conforms: True"),
        "pyshacl on {}: {report}\n{}",
        graph.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}
