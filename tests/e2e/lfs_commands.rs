//! `renku lfs track|untrack|ls|pull|push|clean|check|migrate|check-lfs-hook` and the deprecated
//! `renku storage …` aliases, against a real LFS server: a bare git remote whose LFS endpoint
//! is `tests/fixtures/lfs_server.py` (the Git LFS batch API over HTTP, started per test).

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::common::*;
use crate::lfs::{assert_in_git, assert_in_lfs, head_blob, lfs_available, pointer_of};

const LFS_LINE: &str = "filter=lfs diff=lfs merge=lfs -text";

/// Pseudo-random bytes (xorshift), different for every seed.
fn random_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// The LFS test server, killed when dropped.
struct LfsServer {
    child: Child,
    port: u16,
    store: PathBuf,
    log: PathBuf,
}

impl LfsServer {
    /// Starts the server with its store and request log in `dir`; `None` (with a note) when
    /// python3 is not installed.
    fn start(dir: &Path) -> Option<LfsServer> {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/lfs_server.py");
        let store = dir.join("lfs-store");
        let log = dir.join("lfs-requests.jsonl");
        let child = Command::new("python3")
            .arg(&script)
            .arg(&store)
            .arg(&log)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn();
        let Ok(mut child) = child else {
            eprintln!("note: python3 is not installed; skipping this Git LFS server test");
            return None;
        };
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("PORT ")
            .unwrap_or_else(|| panic!("unexpected server output {line:?}"))
            .parse()
            .unwrap();
        Some(LfsServer {
            child,
            port,
            store,
            log,
        })
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    fn has_object(&self, content: &[u8]) -> bool {
        let oid = sha256_hex(content);
        let path = self.store.join(&oid[..2]).join(&oid[2..4]).join(&oid);
        std::fs::read(path).is_ok_and(|stored| stored == content)
    }

    /// The batch requests received so far with `operation`, as the lists of object ids asked
    /// for.
    fn batches(&self, operation: &str) -> Vec<Vec<String>> {
        let Ok(text) = std::fs::read_to_string(&self.log) else {
            return Vec::new();
        };
        text.lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .filter(|r| r["operation"] == operation)
            .map(|r| {
                let mut oids: Vec<String> = r["oids"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|o| o.as_str().unwrap().to_string())
                    .collect();
                oids.sort();
                oids
            })
            .collect()
    }

    fn request_count(&self) -> usize {
        std::fs::read_to_string(&self.log)
            .map(|t| t.lines().count())
            .unwrap_or(0)
    }
}

impl Drop for LfsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A project with LFS set up (`renku init`), a bare remote `origin` and the LFS server as its
/// LFS endpoint; `None` when git-lfs or python3 is missing.
fn remote_project(env: &TestEnv) -> Option<(PathBuf, LfsServer)> {
    if !lfs_available() {
        return None;
    }
    let server = LfsServer::start(env.dir.path())?;
    let root = env.init_project("p");
    let bare = env.dir.path().join("remote.git");
    env.git(
        env.dir.path(),
        &["init", "-q", "--bare", bare.to_str().unwrap()],
    );
    env.git(&root, &["remote", "add", "origin", bare.to_str().unwrap()]);
    env.git(&root, &["config", "lfs.url", &server.url()]);
    env.git(&root, &["config", "lfs.locksverify", "false"]);
    Some((root, server))
}

/// A project with LFS set up and no remote; `None` when git-lfs is missing.
fn local_project(env: &TestEnv) -> Option<PathBuf> {
    if !lfs_available() {
        return None;
    }
    Some(env.init_project("p"))
}

fn attributes(root: &Path) -> String {
    std::fs::read_to_string(root.join(".gitattributes")).unwrap_or_default()
}

/// Writes `content` to `rel` below `root`, creating directories.
fn write_bytes(root: &Path, rel: &str, content: &[u8]) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

/// Commits `paths` with plain git (no renku), bypassing hooks.
fn git_commit(env: &TestEnv, root: &Path, paths: &[&str], message: &str) {
    let mut args = vec!["add", "--"];
    args.extend_from_slice(paths);
    env.git(root, &args);
    env.git(root, &["commit", "-q", "--no-verify", "-m", message]);
}

fn head_message(env: &TestEnv, root: &Path) -> String {
    env.git(root, &["log", "-1", "--format=%B"])
}

fn is_pointer_file(root: &Path, rel: &str, content: &[u8]) -> bool {
    std::fs::read(root.join(rel)).unwrap() == pointer_of(content).into_bytes()
}

/// The project with `big.bin` (untracked) and `data/a.bin`, `data/b c.bin` (committed to
/// plain git) and its tracked state after `renku lfs track big.bin data`.
struct Tracked {
    big: Vec<u8>,
    a: Vec<u8>,
    bc: Vec<u8>,
}

fn track_files(env: &TestEnv, root: &Path) -> Tracked {
    let t = Tracked {
        big: random_bytes(3000, 1),
        a: random_bytes(2000, 2),
        bc: random_bytes(1500, 3),
    };
    write_bytes(root, "data/a.bin", &t.a);
    write_bytes(root, "data/b c.bin", &t.bc);
    git_commit(env, root, &["data"], "data in git");
    write_bytes(root, "big.bin", &t.big);
    let out = env.run_in(root, &["lfs", "track", "big.bin", "data"]);
    assert_success(&out);
    assert_eq!(stdout(&out), "OK\n");
    t
}

#[test]
fn track_commits_pointers_and_stores_the_objects() {
    let env = TestEnv::new();
    let Some(root) = local_project(&env) else {
        return;
    };
    let commits = env.commit_count(&root);
    let t = track_files(&env, &root);

    // The plain-git commit of data/, then the one of `renku lfs track`.
    assert_eq!(env.commit_count(&root), commits + 2, "one commit");
    let message = head_message(&env, &root);
    assert!(
        message.starts_with("renku lfs track big.bin data\n\nrenku-transaction: "),
        "{message}"
    );
    let attrs = attributes(&root);
    assert_contains(&attrs, &format!("\nbig.bin {LFS_LINE}\n"));
    assert_contains(&attrs, &format!("\ndata/** {LFS_LINE}\n"));
    for (rel, content) in [
        ("big.bin", &t.big),
        ("data/a.bin", &t.a),
        ("data/b c.bin", &t.bc),
    ] {
        assert_in_lfs(&env, &root, rel);
        assert_eq!(
            &std::fs::read(root.join(rel)).unwrap(),
            content,
            "{rel} keeps its content"
        );
    }
    let mut changed = env.changed_files(&root, "HEAD");
    changed.sort();
    assert_eq!(
        changed,
        vec![".gitattributes", "big.bin", "data/a.bin", "data/b c.bin"]
    );
    assert_eq!(env.status(&root), "");
    // Stock git-lfs agrees.
    let listed = env.git(&root, &["lfs", "ls-files", "--name-only"]);
    assert_eq!(listed, "big.bin\ndata/a.bin\ndata/b c.bin\n");
    assert_contains(&env.git(&root, &["lfs", "fsck"]), "OK");

    // ls: the files with their oids and sizes, content present.
    let table = env.ok(&root, &["lfs", "ls"]);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 5, "{table}");
    assert!(lines[0].starts_with("PATH"), "{table}");
    assert_contains(lines[0], "OID");
    assert_contains(lines[0], "PRESENT");
    assert!(lines[2].starts_with("big.bin "), "{table}");
    assert_contains(lines[2], &sha256_hex(&t.big)[..10]);
    assert_contains(lines[2], "3.0 KB");
    assert!(lines[4].starts_with("data/b c.bin"), "{table}");
    assert!(lines[4].trim_end().ends_with('*'), "{table}");
    let json: serde_json::Value =
        serde_json::from_str(&env.ok(&root, &["lfs", "ls", "--format", "json"])).unwrap();
    let files = json.as_array().unwrap();
    assert_eq!(files.len(), 3);
    assert_eq!(files[1]["path"], "data/a.bin");
    assert_eq!(files[1]["oid"], sha256_hex(&t.a));
    assert_eq!(files[1]["size"], 2000);
    assert_eq!(files[1]["present"], true);
    assert_eq!(files[1]["cached"], true);

    // Tracking again changes nothing.
    let head = env.head(&root);
    let out = env.run_in(&root, &["lfs", "track", "big.bin"]);
    assert_success(&out);
    assert_contains(&stderr(&out), "Already in Git LFS:\n\tbig.bin");
    assert_eq!(env.head(&root), head);

    // A file .renkulfsignore excludes stays out, and is named.
    write_bytes(&root, "notes.md", &random_bytes(500, 9));
    let out = env.run_in(&root, &["lfs", "track", "notes.md"]);
    assert_success(&out);
    assert_contains(&stderr(&out), "were not tracked:\n\tnotes.md");
    assert_eq!(env.head(&root), head);
    assert!(!attributes(&root).contains("notes.md"));
}

#[test]
fn track_a_directory_with_excluded_files_tracks_the_others_one_by_one() {
    let env = TestEnv::new();
    let Some(root) = local_project(&env) else {
        return;
    };
    let bin = random_bytes(700, 4);
    write_bytes(&root, "mixed/x.bin", &bin);
    write_bytes(&root, "mixed/readme.md", b"# not for LFS\n");
    let out = env.run_in(&root, &["lfs", "track", "mixed"]);
    assert_success(&out);
    assert_contains(&stderr(&out), "were not tracked:\n\tmixed/readme.md");
    let attrs = attributes(&root);
    assert_contains(&attrs, &format!("\nmixed/x.bin {LFS_LINE}\n"));
    assert!(!attrs.contains("mixed/**"), "{attrs}");
    assert_in_lfs(&env, &root, "mixed/x.bin");
    // The excluded file is not touched: still untracked.
    assert_eq!(env.status(&root), "?? mixed/readme.md\n");
    assert_eq!(
        env.changed_files(&root, "HEAD"),
        vec![".gitattributes", "mixed/x.bin"]
    );
}

#[test]
fn pushed_objects_reach_a_stock_git_lfs_clone() {
    let env = TestEnv::new();
    let Some((root, server)) = remote_project(&env) else {
        return;
    };
    let t = track_files(&env, &root);
    let out = env.run_in(&root, &["lfs", "push"]);
    assert_success(&out);
    assert_eq!(stdout(&out), "OK\n");
    for content in [&t.big, &t.a, &t.bc] {
        assert!(server.has_object(content), "the server has every object");
    }
    let mut expected = vec![sha256_hex(&t.big), sha256_hex(&t.a), sha256_hex(&t.bc)];
    expected.sort();
    assert_eq!(server.batches("upload"), vec![expected.clone()]);
    // Pushing again offers the same objects; the server needs none of them.
    let requests = server.request_count();
    assert_success(&env.run_in(&root, &["lfs", "push", "origin"]));
    assert_eq!(
        server.request_count(),
        requests + 1,
        "one batch, no uploads"
    );

    // The commits go with plain git; a stock clone with git-lfs gets the content.
    env.git(&root, &["push", "-q", "origin", "main"]);
    let bare = env.dir.path().join("remote.git");
    let lfs_url = format!("lfs.url={}", server.url());
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
            "-c",
            &lfs_url,
            "clone",
            "-q",
            bare.to_str().unwrap(),
            "clone",
        ],
    );
    let clone = env.work().join("clone");
    assert_eq!(std::fs::read(clone.join("big.bin")).unwrap(), t.big);
    assert_eq!(std::fs::read(clone.join("data/a.bin")).unwrap(), t.a);
    assert_eq!(std::fs::read(clone.join("data/b c.bin")).unwrap(), t.bc);
    let mut downloaded: Vec<String> = server.batches("download").concat();
    downloaded.sort();
    downloaded.dedup();
    assert_eq!(downloaded, expected);
}

#[test]
fn push_then_clean_then_pull_restores_the_content() {
    let env = TestEnv::new();
    let Some((root, server)) = remote_project(&env) else {
        return;
    };
    let t = track_files(&env, &root);
    assert_success(&env.run_in(&root, &["lfs", "push"]));
    let head = env.head(&root);

    // clean: pointer files in the work tree, nothing committed, status clean.
    let out = env.run_in(&root, &["lfs", "clean", "big.bin", "data"]);
    assert_success(&out);
    assert_eq!(stdout(&out), "OK\n");
    assert!(is_pointer_file(&root, "big.bin", &t.big));
    assert!(is_pointer_file(&root, "data/a.bin", &t.a));
    assert!(is_pointer_file(&root, "data/b c.bin", &t.bc));
    assert_eq!(env.head(&root), head);
    assert_eq!(env.status(&root), "");
    let json: serde_json::Value =
        serde_json::from_str(&env.ok(&root, &["lfs", "ls", "--format", "json"])).unwrap();
    for f in json.as_array().unwrap() {
        assert_eq!(f["present"], false, "{f}");
        assert_eq!(
            f["cached"], true,
            "the objects stay in .git/lfs/objects: {f}"
        );
    }
    assert_contains(&env.ok(&root, &["lfs", "ls"]), "-\n");
    // Cleaning pointer files again is harmless.
    assert_success(&env.run_in(&root, &["lfs", "clean", "big.bin"]));

    // pull of one file: from the local store, no download.
    let requests = server.request_count();
    assert_success(&env.run_in(&root, &["lfs", "pull", "big.bin"]));
    assert_eq!(std::fs::read(root.join("big.bin")).unwrap(), t.big);
    assert!(
        is_pointer_file(&root, "data/a.bin", &t.a),
        "only big.bin was pulled"
    );
    assert!(server.batches("download").is_empty());
    assert!(server.request_count() <= requests + 1);
    assert_eq!(env.status(&root), "");

    // Without the local objects (a fresh clone's state), pulling a directory downloads its
    // files in one batch.
    std::fs::remove_dir_all(root.join(".git/lfs/objects")).unwrap();
    let out = env.run_in(&root, &["lfs", "pull", "data"]);
    assert_success(&out);
    assert_eq!(std::fs::read(root.join("data/a.bin")).unwrap(), t.a);
    assert_eq!(std::fs::read(root.join("data/b c.bin")).unwrap(), t.bc);
    let mut expected = vec![sha256_hex(&t.a), sha256_hex(&t.bc)];
    expected.sort();
    assert_eq!(server.batches("download"), vec![expected]);
    assert_eq!(env.status(&root), "");
    assert_eq!(env.head(&root), head);

    // clean of a file without its object in the store puts the content there first.
    assert_success(&env.run_in(&root, &["lfs", "clean", "data/a.bin"]));
    assert!(is_pointer_file(&root, "data/a.bin", &t.a));
    // pull without paths: everything.
    assert_success(&env.run_in(&root, &["lfs", "pull"]));
    assert_eq!(std::fs::read(root.join("data/a.bin")).unwrap(), t.a);
    assert_eq!(env.status(&root), "");
}

#[test]
fn clean_leaves_modified_and_non_lfs_files_alone() {
    let env = TestEnv::new();
    let Some(root) = local_project(&env) else {
        return;
    };
    let t = track_files(&env, &root);
    std::fs::write(root.join("data/a.bin"), b"changed, not committed").unwrap();
    write_bytes(&root, "plain.txt", b"plain git\n");
    git_commit(&env, &root, &["plain.txt"], "plain");
    let out = env.run_in(&root, &["lfs", "clean", "data", "plain.txt", "big.bin"]);
    assert_success(&out);
    assert_contains(
        &stderr(&out),
        "These paths are not stored in Git LFS and were left alone:\n\tplain.txt",
    );
    assert_contains(
        &stderr(&out),
        "These paths have uncommitted changes and were left alone:\n\tdata/a.bin",
    );
    assert_eq!(
        std::fs::read(root.join("data/a.bin")).unwrap(),
        b"changed, not committed"
    );
    assert_eq!(
        std::fs::read_to_string(root.join("plain.txt")).unwrap(),
        "plain git\n"
    );
    assert!(is_pointer_file(&root, "big.bin", &t.big));
    assert!(is_pointer_file(&root, "data/b c.bin", &t.bc));
    assert_eq!(env.status(&root), " M data/a.bin\n");
}

#[test]
fn check_finds_large_files_in_history_and_migrate_moves_them_into_lfs() {
    let env = TestEnv::new();
    let Some(root) = local_project(&env) else {
        return;
    };
    assert_eq!(env.ok(&root, &["lfs", "check"]), "OK\n");

    let big = random_bytes(200_000, 5);
    let doc = random_bytes(150_000, 6);
    write_bytes(&root, "big.bin", &big);
    write_bytes(&root, "manual.md", &doc);
    write_bytes(&root, "small.txt", b"small\n");
    git_commit(
        &env,
        &root,
        &["big.bin", "manual.md", "small.txt"],
        "large files in git",
    );
    write_bytes(&root, "small.txt", b"smaller\n");
    git_commit(&env, &root, &["small.txt"], "second");
    // A large file on another branch only.
    env.git(&root, &["checkout", "-q", "-b", "side"]);
    write_bytes(&root, "side.bin", &random_bytes(120_000, 7));
    git_commit(&env, &root, &["side.bin"], "side");
    env.git(&root, &["checkout", "-q", "main"]);

    let out = env.run_in(&root, &["lfs", "check"]);
    assert_code(&out, 1);
    assert_eq!(
        stdout(&out),
        "Warning: Git history contains large files\n\tbig.bin\t200 KB\n",
        "manual.md is excluded by .renkulfsignore, small.txt is small"
    );
    let out = env.run_in(&root, &["lfs", "check", "--all"]);
    assert_code(&out, 1);
    assert_eq!(
        stdout(&out),
        "Warning: Git history contains large files\n\tbig.bin \t200 KB\n\tside.bin\t120 KB\n"
    );
    // -S does not change what is in the history.
    let out = env.run_in(&root, &["-S", "lfs", "check"]);
    assert_code(&out, 1);

    // migrate without paths or --all: the reference's message, exit 1, nothing changed.
    let before = snapshot(&env, &root);
    let out = env.run_in(&root, &["lfs", "migrate"]);
    assert_code(&out, 1);
    assert_eq!(
        stdout(&out),
        "Please specify paths to migrate or use the --all flag to migrate all large files.\n"
    );
    assert_unchanged(&env, &root, &before, "migrate without arguments");
    // Answering no to --all changes nothing.
    let out = env.run_with_input(&root, &["lfs", "migrate", "--all"], "n\n");
    assert_code(&out, 1);
    assert_contains(
        &stderr(&out),
        "The following files will be moved to Git LFS:\n\tbig.bin",
    );
    assert_unchanged(&env, &root, &before, "migrate --all answered no");
    // A dirty work tree is refused.
    write_bytes(&root, "small.txt", b"dirty\n");
    let dirty = snapshot(&env, &root);
    let out = env.run_with_input(&root, &["lfs", "migrate", "--all"], "y\n");
    assert_code(&out, 1);
    assert_contains(&stderr(&out), "The repository is dirty");
    assert_unchanged(&env, &root, &dirty, "migrate in a dirty work tree");
    env.git(&root, &["checkout", "--", "small.txt"]);

    let commits = env.commit_count(&root);
    let out = env.run_with_input(&root, &["lfs", "migrate", "--all"], "y\n");
    assert_success(&out);
    assert_eq!(
        env.commit_count(&root),
        commits,
        "history rewritten, no extra commit"
    );
    assert_in_lfs(&env, &root, "big.bin");
    assert_eq!(
        std::fs::read(root.join("big.bin")).unwrap(),
        big,
        "content checked out"
    );
    // Every commit of the branch has the pointer now.
    assert_eq!(
        env.git(&root, &["show", "HEAD~1:big.bin"]),
        pointer_of(&big)
    );
    assert_in_git(&env, &root, "manual.md");
    assert_in_git(&env, &root, "small.txt");
    assert_contains(&attributes(&root), &format!("/big.bin {LFS_LINE}"));
    assert_eq!(env.status(&root), "");
    assert_eq!(env.ok(&root, &["lfs", "check"]), "OK\n");
    // The other branch was not rewritten: it still has big.bin in git.
    let out = env.run_in(&root, &["lfs", "check", "--all"]);
    assert_code(&out, 1);
    assert_contains(&stdout(&out), "\tbig.bin \t200 KB\n\tside.bin\t120 KB\n");
    // Nothing left to migrate.
    let out = env.run_in(&root, &["lfs", "migrate", "--all"]);
    assert_success(&out);
    assert_contains(&stderr(&out), "Nothing to migrate");
}

#[test]
fn migrate_paths_moves_exactly_those_and_respects_renkulfsignore() {
    let env = TestEnv::new();
    let Some(root) = local_project(&env) else {
        return;
    };
    let one = random_bytes(500, 10);
    let other = random_bytes(500, 11);
    let nested = random_bytes(800, 12);
    write_bytes(&root, "one.bin", &one);
    write_bytes(&root, "sub/one.bin", &other);
    write_bytes(&root, "dir/inner/x.dat", &nested);
    write_bytes(&root, "dir/guide.md", b"# stays in git\n");
    git_commit(
        &env,
        &root,
        &["one.bin", "sub", "dir"],
        "small files in git",
    );

    let out = env.run_in(&root, &["lfs", "migrate", "one.bin", "dir", "dir/guide.md"]);
    assert_success(&out);
    assert_contains(&stderr(&out), "were not migrated:\n\tdir/guide.md");
    assert_in_lfs(&env, &root, "one.bin");
    assert_in_lfs(&env, &root, "dir/inner/x.dat");
    assert_in_git(&env, &root, "sub/one.bin");
    assert_in_git(&env, &root, "dir/guide.md");
    assert_eq!(std::fs::read(root.join("one.bin")).unwrap(), one);
    assert_eq!(env.status(&root), "");
    let listed = env.git(&root, &["lfs", "ls-files", "--name-only"]);
    assert_eq!(listed, "dir/inner/x.dat\none.bin\n");
    // The branch tracks a remote: the user is told to force-push.
    let bare = env.dir.path().join("r.git");
    env.git(
        env.dir.path(),
        &["init", "-q", "--bare", bare.to_str().unwrap()],
    );
    env.git(&root, &["remote", "add", "origin", bare.to_str().unwrap()]);
    env.git(
        &root,
        &["push", "-q", "--no-verify", "-u", "origin", "main"],
    );
    let out = env.run_in(&root, &["lfs", "migrate", "sub/one.bin"]);
    assert_success(&out);
    assert_contains(&stderr(&out), "git push --force-with-lease origin main");
    assert_in_lfs(&env, &root, "sub/one.bin");
    // Protected paths are refused.
    let before = snapshot(&env, &root);
    let out = env.run_in(&root, &["lfs", "migrate", ".renku"]);
    assert_code(&out, 2);
    assert_contains(&stderr(&out), "Path '.renku' is protected.");
    assert_unchanged(&env, &root, &before, "migrate a protected path");
}

#[test]
fn check_lfs_hook_lists_the_paths_that_should_be_in_lfs() {
    let env = TestEnv::new();
    let Some(root) = local_project(&env) else {
        return;
    };
    assert_success(&env.run_in(&root, &["config", "set", "lfs_threshold", "1kb"]));
    write_bytes(&root, "big.bin", &random_bytes(1000, 20));
    write_bytes(&root, "small.bin", &random_bytes(999, 21));
    write_bytes(&root, "big.md", &random_bytes(5000, 22));
    write_bytes(&root, "tracked.dat", &random_bytes(5000, 23));
    let mut attrs = attributes(&root);
    attrs.push_str(&format!("*.dat {LFS_LINE}\n"));
    std::fs::write(root.join(".gitattributes"), attrs).unwrap();
    let before = snapshot(&env, &root);
    let paths = [
        "big.bin",
        "small.bin",
        "big.md",
        "tracked.dat",
        "data",
        "requirements.txt",
    ];
    write_bytes(&root, "requirements.txt", &random_bytes(5000, 24));
    std::fs::create_dir_all(root.join("data")).unwrap();
    let mut args = vec!["lfs", "check-lfs-hook"];
    args.extend_from_slice(&paths);
    let out = env.run_in(&root, &args);
    assert_code(&out, 1);
    assert_eq!(stdout(&out), "big.bin\n");
    let out = env.run_in(&root, &["lfs", "check-lfs-hook", "small.bin", "big.md"]);
    assert_code(&out, 0);
    assert_eq!(stdout(&out), "");
    // -S: nothing needs LFS.
    let out = env.run_in(&root, &["-S", "lfs", "check-lfs-hook", "big.bin"]);
    assert_code(&out, 0);
    assert_eq!(stdout(&out), "");
    // The deprecated spelling the pre-commit hook uses.
    let out = env.run_in(&root, &["storage", "check-lfs-hook", "big.bin"]);
    assert_code(&out, 1);
    assert_eq!(stdout(&out), "big.bin\n");
    assert_contains(
        &stderr(&out),
        "DeprecationWarning: The command 'check-lfs-hook' is deprecated.",
    );
    // Paths must exist.
    let out = env.run_in(&root, &["lfs", "check-lfs-hook", "nope.bin"]);
    assert_code(&out, 2);
    assert_contains(&stderr(&out), "Path 'nope.bin' does not exist.");
    std::fs::remove_file(root.join("requirements.txt")).unwrap();
    std::fs::remove_dir(root.join("data")).ok();
    assert_unchanged(&env, &root, &before, "check-lfs-hook changes nothing");
}

#[test]
fn untrack_commits_the_content_again() {
    let env = TestEnv::new();
    let Some(root) = local_project(&env) else {
        return;
    };
    let t = track_files(&env, &root);
    let commits = env.commit_count(&root);
    // Untracking a file covered by a directory pattern only says so.
    let head = env.head(&root);
    let out = env.run_in(&root, &["lfs", "untrack", "data/a.bin"]);
    assert_success(&out);
    assert_contains(&stderr(&out), "keep these files in Git LFS:\n\tdata/a.bin");
    assert_eq!(env.head(&root), head);

    // A file whose content is only a pointer and whose object is gone cannot be untracked.
    assert_success(&env.run_in(&root, &["lfs", "clean", "data/b c.bin"]));
    let oid = sha256_hex(&t.bc);
    let object = root
        .join(".git/lfs/objects")
        .join(&oid[..2])
        .join(&oid[2..4])
        .join(&oid);
    let saved = std::fs::read(&object).unwrap();
    std::fs::remove_file(&object).unwrap();
    let before = snapshot(&env, &root);
    let out = env.run_in(&root, &["lfs", "untrack", "data"]);
    assert_code(&out, 1);
    assert_contains(
        &stderr(&out),
        "The content of 'data/b c.bin' is not available locally; run 'renku lfs pull data/b c.bin' first.",
    );
    assert_unchanged(&env, &root, &before, "untrack without the content");
    // With the object back, the pointer file is replaced by the content and committed.
    std::fs::write(&object, saved).unwrap();
    let out = env.run_in(&root, &["lfs", "untrack", "data"]);
    assert_success(&out);
    assert_eq!(stdout(&out), "OK\n");
    assert_eq!(env.commit_count(&root), commits + 1);
    assert!(!attributes(&root).contains("data/**"));
    assert_in_git(&env, &root, "data/a.bin");
    assert_in_git(&env, &root, "data/b c.bin");
    assert_eq!(std::fs::read(root.join("data/b c.bin")).unwrap(), t.bc);
    assert_eq!(head_blob(&env, &root, "data/a.bin"), t.a);
    assert_in_lfs(&env, &root, "big.bin");
    assert!(head_message(&env, &root).starts_with("renku lfs untrack data\n\nrenku-transaction: "));
    assert_eq!(env.status(&root), "");
    assert_eq!(
        env.git(&root, &["lfs", "ls-files", "--name-only"]),
        "big.bin\n"
    );
    // Untracking something that is not tracked commits nothing.
    let head = env.head(&root);
    let out = env.run_in(&root, &["lfs", "untrack", "data"]);
    assert_success(&out);
    assert_contains(
        &stderr(&out),
        "These paths are not tracked in Git LFS:\n\tdata",
    );
    assert_eq!(env.head(&root), head);
}

#[test]
fn no_external_storage_turns_track_pull_and_push_off() {
    let env = TestEnv::new();
    let Some((root, server)) = remote_project(&env) else {
        return;
    };
    write_bytes(&root, "big.bin", &random_bytes(3000, 30));
    let before = snapshot(&env, &root);
    for (args, what) in [
        (vec!["-S", "lfs", "track", "big.bin"], "tracked"),
        (vec!["-S", "lfs", "pull"], "pulled"),
        (vec!["-S", "lfs", "push"], "pushed"),
        (
            vec!["--no-external-storage", "storage", "pull", "big.bin"],
            "pulled",
        ),
    ] {
        let out = env.run_in(&root, &args);
        assert_success(&out);
        assert_contains(
            &stderr(&out),
            &format!("Git LFS is turned off (-S/--no-external-storage): nothing was {what}."),
        );
        assert_unchanged(&env, &root, &before, &args.join(" "));
    }
    assert_eq!(server.request_count(), 0);
}

/// A directory holding only a `git` executable (a link to the real one): on this PATH, git
/// works and git-lfs is missing.
fn path_without_git_lfs(env: &TestEnv) -> PathBuf {
    let git = String::from_utf8(
        Command::new("sh")
            .args(["-c", "command -v git"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap()
    .trim()
    .to_string();
    let bin = env.dir.path().join("bin-without-lfs");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(&git, bin.join("git")).unwrap();
    bin
}

#[test]
fn errors_leave_the_repository_unchanged() {
    let env = TestEnv::new();
    let Some(root) = local_project(&env) else {
        return;
    };
    let t = track_files(&env, &root);
    let before = snapshot(&env, &root);

    // Outside a project: exit 2.
    let plain = env.work().join("plain");
    std::fs::create_dir_all(&plain).unwrap();
    env.git(&plain, &["init", "-q"]);
    for args in [
        vec!["lfs", "ls"],
        vec!["lfs", "check"],
        vec!["lfs", "pull"],
        vec!["lfs", "push"],
        vec!["lfs", "track", "."],
        vec!["storage", "check"],
    ] {
        let out = env.run_in(&plain, &args);
        assert_code(&out, 2);
        assert_contains(&stderr(&out), "is not a renku repository");
    }

    // Paths that do not exist: exit 2.
    for cmd in [
        "track",
        "untrack",
        "pull",
        "clean",
        "migrate",
        "check-lfs-hook",
    ] {
        let out = env.run_in(&root, &["lfs", cmd, "missing.bin"]);
        assert_code(&out, 2);
        assert_contains(
            &stderr(&out),
            "Invalid value for 'PATHS...': Path 'missing.bin' does not exist.",
        );
        assert_unchanged(&env, &root, &before, cmd);
    }
    // Paths outside the project: exit 2.
    let out = env.run_in(&root, &["lfs", "track", "../plain"]);
    assert_code(&out, 2);
    assert_contains(&stderr(&out), "is not inside the project");
    // Protected paths cannot be tracked.
    let out = env.run_in(&root, &["lfs", "track", ".renku/renku.ini"]);
    assert_code(&out, 2);
    assert_contains(&stderr(&out), "Path '.renku/renku.ini' is protected.");
    assert_unchanged(&env, &root, &before, "track a protected path");

    // No remote to push to: exit 1.
    let out = env.run_in(&root, &["lfs", "push"]);
    assert_code(&out, 1);
    assert_contains(
        &stderr(&out),
        "No remote has been set up for the current branch",
    );
    let out = env.run_in(&root, &["lfs", "push", "nowhere"]);
    assert_code(&out, 2);
    assert_contains(&stderr(&out), "Remote 'nowhere' does not exist.");
    assert_unchanged(&env, &root, &before, "push without a remote");

    // An uncommitted edit of .gitattributes is not committed by track.
    let attrs = attributes(&root);
    std::fs::write(root.join(".gitattributes"), format!("{attrs}*.x -text\n")).unwrap();
    write_bytes(&root, "new.bin", &random_bytes(100, 40));
    let dirty = snapshot(&env, &root);
    let out = env.run_in(&root, &["lfs", "track", "new.bin"]);
    assert_code(&out, 1);
    assert_contains(&stderr(&out), "'.gitattributes' has uncommitted changes");
    assert_unchanged(&env, &root, &dirty, "track with .gitattributes edited");
    std::fs::write(root.join(".gitattributes"), attrs).unwrap();
    std::fs::remove_file(root.join("new.bin")).unwrap();

    // git-lfs missing: exit 1 for what needs it.
    let bin = path_without_git_lfs(&env);
    for args in [
        vec!["lfs", "track", "big.bin"],
        vec!["lfs", "pull"],
        vec!["lfs", "push", "origin"],
        vec!["lfs", "migrate", "big.bin"],
    ] {
        let out = env
            .renku_in(&root)
            .env("PATH", &bin)
            .args(&args)
            .output()
            .unwrap();
        assert_code(&out, 1);
        assert_contains(&stderr(&out), "Git LFS is not installed");
        assert_unchanged(&env, &root, &before, &args.join(" "));
    }
    // LFS not set up in the repository.
    env.git(&root, &["lfs", "uninstall", "--local"]);
    let unset = snapshot(&env, &root);
    for args in [
        vec!["lfs", "track", "big.bin"],
        vec!["lfs", "pull", "big.bin"],
    ] {
        let out = env.run_in(&root, &args);
        assert_code(&out, 1);
        assert_contains(&stderr(&out), "Git LFS is not set up in this repository");
        assert_unchanged(&env, &root, &unset, &args.join(" "));
    }
    env.git(&root, &["lfs", "install", "--local"]);

    // A pull whose objects the server does not have fails and changes nothing.
    let Some(server) = LfsServer::start(env.dir.path()) else {
        return;
    };
    env.git(&root, &["config", "lfs.url", &server.url()]);
    assert_success(&env.run_in(&root, &["lfs", "clean", "big.bin"]));
    std::fs::remove_dir_all(root.join(".git/lfs/objects")).unwrap();
    let cleaned = snapshot(&env, &root);
    let out = env.run_in(&root, &["lfs", "pull", "big.bin"]);
    assert_code(&out, 1);
    assert_contains(&stderr(&out), "Pulling Git LFS objects failed");
    assert_unchanged(&env, &root, &cleaned, "pull of missing objects");
    assert!(is_pointer_file(&root, "big.bin", &t.big));
}

#[test]
fn storage_aliases_are_hidden_and_deprecated_but_work() {
    let env = TestEnv::new();
    let Some(root) = local_project(&env) else {
        return;
    };
    let out = env.run_in(&root, &["storage", "check"]);
    assert_success(&out);
    assert_eq!(stdout(&out), "OK\n");
    assert_eq!(
        stderr(&out),
        "DeprecationWarning: The command 'check' is deprecated.\n"
    );
    let out = env.run_in(&root, &["storage", "migrate"]);
    assert_code(&out, 1);
    assert_contains(&stdout(&out), "Please specify paths to migrate");
    assert_contains(&stderr(&out), "The command 'migrate' is deprecated.");
    let t = track_files(&env, &root);
    let out = env.run_in(&root, &["storage", "clean", "big.bin"]);
    assert_success(&out);
    assert_contains(&stderr(&out), "The command 'clean' is deprecated.");
    assert!(is_pointer_file(&root, "big.bin", &t.big));
    let out = env.run_in(&root, &["storage", "pull", "big.bin"]);
    assert_success(&out);
    assert_contains(&stderr(&out), "The command 'pull' is deprecated.");
    assert_eq!(std::fs::read(root.join("big.bin")).unwrap(), t.big);

    let help = stdout(&env.run(&["--help"]));
    assert_contains(&help, "lfs");
    assert!(!help.contains("  storage "), "{help}");
    let help = stdout(&env.run(&["lfs", "--help"]));
    for cmd in [
        "track", "untrack", "ls", "pull", "push", "clean", "check", "migrate",
    ] {
        assert_contains(&help, &format!("  {cmd} "));
    }
    assert!(!help.contains("check-lfs-hook"), "{help}");
}
