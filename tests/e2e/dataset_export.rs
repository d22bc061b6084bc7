//! `renku dataset export`: local exports of the current and tagged versions, the errors, and
//! Zenodo / Dataverse deposits against `tests/fixtures/export/mock_deposit_server.py`.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::*;

/// A project with dataset `d1` (creator Jane Doe) holding `data/d1/a.txt` ("one\n") and
/// `data/d1/sub/b.txt` ("bee\n"), copied from `src/`; `notes/outside.txt` is committed too.
fn project(env: &TestEnv) -> PathBuf {
    let root = env.project_with(&[
        ("src/a.txt", "one\n"),
        ("src/sub/b.txt", "bee\n"),
        ("notes/outside.txt", "outside\n"),
    ]);
    env.ok(
        &root,
        &[
            "dataset",
            "create",
            "d1",
            "-c",
            "Jane Doe <jane.doe@example.org>",
        ],
    );
    env.ok(
        &root,
        &["dataset", "add", "--copy", "d1", "src/a.txt", "src/sub"],
    );
    root
}

/// Changes `data/d1/a.txt` to `text` and records the change in the dataset.
fn change_a(env: &TestEnv, root: &Path, text: &str) {
    std::fs::write(root.join("data/d1/a.txt"), text).unwrap();
    env.git(root, &["commit", "-q", "--no-verify", "-am", "change a"]);
    env.ok(root, &["dataset", "update", "d1"]);
    assert_eq!(env.status(root), "");
}

/// The files below `dir` (relative, sorted) with their contents.
fn tree(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((
                    p.strip_prefix(dir).unwrap().to_string_lossy().into_owned(),
                    String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned(),
                ));
            }
        }
    }
    out.sort();
    out
}

fn without_metadata(files: Vec<(String, String)>) -> Vec<(String, String)> {
    files
        .into_iter()
        .filter(|(p, _)| !p.starts_with("METADATA"))
        .collect()
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn local_export_of_the_current_version_and_its_metadata() {
    let env = TestEnv::new();
    let root = project(&env);
    let out = env.ok(&root, &["dataset", "export", "d1", "local", "-p", "out/d1"]);
    let dir = root.join("out/d1");
    assert_eq!(
        out,
        format!(
            "Dataset metadata was copied to {}\nExported to: {}\nOK\n",
            dir.join("METADATA.yml").display(),
            dir.display()
        )
    );
    assert_eq!(
        without_metadata(tree(&dir)),
        pairs(&[("a.txt", "one\n"), ("sub/b.txt", "bee\n")])
    );
    // METADATA.yml: the version's flattened JSON-LD with all of its files, relative ids.
    let text = read_file(&dir, "METADATA.yml");
    let nodes: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
    let nodes = nodes.as_array().expect("a list of nodes");
    let typed = |t: &str| -> Vec<&serde_json::Value> {
        nodes
            .iter()
            .filter(|n| {
                n["@type"]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|x| x == t))
            })
            .collect()
    };
    let value = |n: &serde_json::Value, p: &str| n[p][0]["@value"].clone();
    let datasets = typed("http://schema.org/Dataset");
    assert_eq!(datasets.len(), 1, "{text}");
    let dataset = datasets[0];
    assert_eq!(
        value(
            dataset,
            "https://swissdatasciencecenter.github.io/renku-ontology#slug"
        ),
        "d1"
    );
    assert_eq!(value(dataset, "http://schema.org/name"), "d1");
    assert!(
        dataset["@id"].as_str().unwrap().starts_with("/datasets/"),
        "{text}"
    );
    let creators: Vec<&str> = dataset["http://schema.org/creator"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["@id"].as_str())
        .collect();
    assert!(creators.contains(&"mailto:jane.doe@example.org"), "{text}");
    assert_eq!(
        dataset["http://schema.org/hasPart"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let mut files: Vec<String> = typed("http://www.w3.org/ns/prov#Entity")
        .iter()
        .filter_map(|n| n["http://www.w3.org/ns/prov#atLocation"][0]["@value"].as_str())
        .map(str::to_string)
        .collect();
    files.sort();
    assert_eq!(files, ["data/d1/a.txt", "data/d1/sub/b.txt"]);
    let project_links: Vec<&serde_json::Value> = nodes
        .iter()
        .filter(|n| {
            n["@id"]
                .as_str()
                .is_some_and(|i| i.starts_with("/projects/"))
        })
        .collect();
    assert_eq!(
        project_links[0]["https://swissdatasciencecenter.github.io/renku-ontology#hasDataset"][0]["@id"],
        dataset["@id"]
    );
    let blob = env.git(&root, &["rev-parse", "HEAD:data/d1/a.txt"]);
    assert!(text.contains(blob.trim()), "checksums are in the metadata");
    // The export is left as untracked files; nothing was committed.
    assert_eq!(
        env.status(&root),
        "?? out/d1/METADATA.yml\n?? out/d1/a.txt\n?? out/d1/sub/b.txt\n"
    );
}

#[test]
fn a_tag_exports_the_files_as_they_were_at_that_version() {
    let env = TestEnv::new();
    let root = project(&env);
    env.ok(&root, &["dataset", "tag", "d1", "v1"]);
    let v1_blob = env.git(&root, &["rev-parse", "HEAD:data/d1/a.txt"]);
    change_a(&env, &root, "two\n");
    env.ok(&root, &["dataset", "tag", "d1", "v2"]);
    change_a(&env, &root, "three\n");

    // Default destination: <data dir>/<slug>-<tag>.
    let out = env.ok(&root, &["dataset", "export", "d1", "local", "--tag", "v1"]);
    let dir = root.join("data/d1-v1");
    assert_contains(&out, &format!("Exported to: {}\n", dir.display()));
    assert_eq!(
        without_metadata(tree(&dir)),
        pairs(&[("a.txt", "one\n"), ("sub/b.txt", "bee\n")])
    );
    let meta = read_file(&dir, "METADATA.yml");
    assert!(
        meta.contains(v1_blob.trim()),
        "the tagged version's metadata"
    );
    std::fs::remove_dir_all(&dir).unwrap();

    // Without --tag the tags are offered; "3" is v2.
    let out = env.run_with_input(
        &root,
        &["dataset", "export", "d1", "local", "-p", "x"],
        "3\n",
    );
    assert_success(&out);
    assert_contains(
        &stdout(&out),
        "Tag to export: \n\n<HEAD>\t[1]\nv1\t[2]\nv2\t[3]\n",
    );
    assert_contains(&stderr(&out), "Tag [1]: ");
    assert_eq!(read_file(&root, "x/a.txt"), "two\n");
    std::fs::remove_dir_all(root.join("x")).unwrap();

    // An invalid choice is asked again; no answer (end of input) means <HEAD>.
    let out = env.run_with_input(
        &root,
        &["dataset", "export", "d1", "local", "-p", "x"],
        "9\n",
    );
    assert_success(&out);
    assert_contains(
        &stderr(&out),
        "Warning: 9 is not a valid choice. Selected value has to be between 1 and 3",
    );
    assert_eq!(read_file(&root, "x/a.txt"), "three\n");
    std::fs::remove_dir_all(root.join("x")).unwrap();

    // A tag given on the command line: no menu.
    let out = env.run_in(
        &root,
        &["dataset", "export", "d1", "local", "-t", "v2", "-p", "y"],
    );
    assert_success(&out);
    assert!(!stdout(&out).contains("Tag to export"));
    assert_eq!(read_file(&root, "y/a.txt"), "two\n");
}

#[test]
fn destinations_relative_to_the_project_root_or_absolute() {
    let env = TestEnv::new();
    let root = project(&env);
    // A linked file is exported with the content of the file it links to.
    env.ok(
        &root,
        &["dataset", "add", "--link", "d1", "notes/outside.txt"],
    );
    let sub = root.join("src");
    let out = env.ok(&sub, &["dataset", "export", "d1", "local", "--path", "exp"]);
    assert_contains(
        &out,
        &format!("Exported to: {}\n", root.join("exp").display()),
    );
    assert!(!sub.join("exp").exists());
    let files = tree(&root.join("exp"));
    assert!(
        files.contains(&("outside.txt".into(), "outside\n".into())),
        "{files:?}"
    );
    assert!(
        files.contains(&("sub/b.txt".into(), "bee\n".into())),
        "{files:?}"
    );
    // The export made the repository dirty (untracked files), as the reference does.
    let out = env.run_in(&root, &["dataset", "export", "d1", "local", "-p", "exp2"]);
    assert_code(&out, 1);
    assert_contains(&stderr(&out), "untracked: exp/a.txt");
    std::fs::remove_dir_all(root.join("exp")).unwrap();

    let abs = env.work().join("elsewhere/deep");
    env.ok(
        &root,
        &[
            "dataset",
            "export",
            "d1",
            "local",
            "-p",
            abs.to_str().unwrap(),
        ],
    );
    assert_eq!(read_file(&abs, "a.txt"), "one\n");
    assert!(abs.join("METADATA.yml").is_file());

    // An existing empty directory is fine.
    let empty = env.work().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    env.ok(
        &root,
        &[
            "dataset",
            "export",
            "d1",
            "local",
            "-p",
            empty.to_str().unwrap(),
        ],
    );
    assert_eq!(read_file(&empty, "sub/b.txt"), "bee\n");
}

#[test]
fn a_dataset_file_named_metadata_yml_keeps_its_name() {
    let env = TestEnv::new();
    let root = project(&env);
    write_files(&root, &[("src/METADATA.yml", "mine: true\n")]);
    env.git(&root, &["add", "-A"]);
    env.git(
        &root,
        &["commit", "-q", "--no-verify", "-m", "metadata file"],
    );
    env.ok(
        &root,
        &["dataset", "add", "--copy", "d1", "src/METADATA.yml"],
    );
    let out = env.ok(&root, &["dataset", "export", "d1", "local", "-p", "o"]);
    assert_eq!(read_file(&root, "o/METADATA.yml"), "mine: true\n");
    let written: Vec<String> = tree(&root.join("o"))
        .into_iter()
        .map(|(p, _)| p)
        .filter(|p| p.starts_with("METADATA-") && p.ends_with(".yml"))
        .collect();
    assert_eq!(written.len(), 1, "{written:?}");
    assert_contains(
        &out,
        &format!(
            "Dataset metadata was copied to {}",
            root.join("o").join(&written[0]).display()
        ),
    );
}

#[test]
fn export_errors_leave_everything_unchanged() {
    let env = TestEnv::new();
    let root = project(&env);
    env.ok(&root, &["dataset", "tag", "d1", "v1"]);
    let before = snapshot(&env, &root);

    // The default destination of the current version is the data directory itself.
    let out = env.run_in(&root, &["dataset", "export", "d1", "local"]);
    assert_code(&out, 1);
    assert_contains(
        &stderr(&out),
        &format!(
            "Error: Destination directory is not empty: '{}'",
            root.join("data/d1").display()
        ),
    );
    assert_unchanged(&env, &root, &before, "non-empty destination");

    let full = env.work().join("full");
    write_files(&full, &[("keep.txt", "keep\n")]);
    let out = env.run_in(
        &root,
        &[
            "dataset",
            "export",
            "d1",
            "local",
            "-t",
            "v1",
            "-p",
            full.to_str().unwrap(),
        ],
    );
    assert_code(&out, 1);
    assert_contains(&stderr(&out), "Destination directory is not empty");
    assert_eq!(tree(&full), pairs(&[("keep.txt", "keep\n")]));

    let out = env.run_in(&root, &["dataset", "export", "nope", "local", "-p", "z"]);
    assert_code(&out, 2);
    assert_contains(
        &stderr(&out),
        "Error: Invalid value: Dataset 'nope' is not found.",
    );

    let out = env.run_in(
        &root,
        &["dataset", "export", "d1", "local", "-t", "v9", "-p", "z"],
    );
    assert_code(&out, 2);
    assert_contains(
        &stderr(&out),
        "Error: Invalid parameter value - Tag 'v9' not found for dataset 'd1'",
    );

    let out = env.run_in(&root, &["dataset", "export", "d1", "olos", "-t", "v1"]);
    assert_code(&out, 2);
    assert_contains(&stderr(&out), "OLOS export is not supported");

    let out = env.run_in(&root, &["dataset", "export", "d1", "figshare"]);
    assert_code(&out, 2);
    assert_unchanged(&env, &root, &before, "failed exports");
    assert!(!root.join("z").exists());

    // A dirty repository is refused.
    write_files(&root, &[("untracked.txt", "x\n")]);
    let out = env.run_in(&root, &["dataset", "export", "d1", "local", "-p", "z"]);
    assert_code(&out, 1);
    assert_contains(
        &stderr(&out),
        "Error: The repository is dirty. Please use the \"git\" command to clean it.",
    );
    assert_contains(&stderr(&out), "untracked.txt");
    assert!(!root.join("z").exists());
}

#[test]
fn lfs_files_are_exported_with_their_content_at_the_version() {
    if !crate::lfs::lfs_available() {
        return;
    }
    let env = TestEnv::new();
    let root = env.project_with(&[]);
    let big_v1: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(root.join("src/big.bin"), &big_v1).unwrap();
    env.git(&root, &["add", "-A"]);
    env.git(&root, &["commit", "-q", "--no-verify", "-m", "big"]);
    env.ok(&root, &["dataset", "create", "d1"]);
    env.ok(&root, &["dataset", "add", "--copy", "d1", "src/big.bin"]);
    let blob = crate::lfs::head_blob(&env, &root, "data/d1/big.bin");
    assert_eq!(
        String::from_utf8_lossy(&blob),
        crate::lfs::pointer_of(&big_v1)
    );
    env.ok(&root, &["dataset", "tag", "d1", "v1"]);
    let big_v2: Vec<u8> = big_v1.iter().rev().copied().collect();
    std::fs::write(root.join("data/d1/big.bin"), &big_v2).unwrap();
    env.git(&root, &["commit", "-q", "--no-verify", "-am", "change big"]);
    env.ok(&root, &["dataset", "update", "d1"]);
    assert_eq!(env.status(&root), "");

    env.ok(
        &root,
        &["dataset", "export", "d1", "local", "-t", "v1", "-p", "o1"],
    );
    assert_eq!(std::fs::read(root.join("o1/big.bin")).unwrap(), big_v1);
    std::fs::remove_dir_all(root.join("o1")).unwrap();
    env.ok(&root, &["dataset", "export", "d1", "local", "-p", "../o2"]);
    assert_eq!(
        std::fs::read(env.work().join("o2/big.bin")).unwrap(),
        big_v2
    );

    // Without the LFS objects the old content is not available: a clear error, nothing written.
    std::fs::remove_dir_all(root.join(".git/lfs/objects")).unwrap();
    let out = env.run_in(
        &root,
        &["dataset", "export", "d1", "local", "-t", "v1", "-p", "o3"],
    );
    assert_code(&out, 1);
    assert_contains(&stderr(&out), "data/d1/big.bin (Git LFS object");
    assert!(!root.join("o3").exists());
    // The current version's content is still in the work tree.
    env.ok(&root, &["dataset", "export", "d1", "local", "-p", "o4"]);
    assert_eq!(std::fs::read(root.join("o4/big.bin")).unwrap(), big_v2);
}

// ---------------------------------------------------------------------------------------------
// Zenodo and Dataverse against the mock deposit server.

struct Mock {
    child: std::process::Child,
    base: String,
    store: PathBuf,
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the mock server with `args`; `None` (the test is skipped) without python3.
fn mock(env: &TestEnv, name: &str, args: &[&str]) -> Option<Mock> {
    use std::io::BufRead;
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/export/mock_deposit_server.py");
    let store = env.dir.path().join(name);
    let child = std::process::Command::new("python3")
        .arg(&script)
        .arg(&store)
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            eprintln!("note: python3 is not available ({e}); skipping the deposit test");
            return None;
        }
    };
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .unwrap();
    let port: u16 = line
        .trim()
        .parse()
        .expect("the mock server prints its port");
    Some(Mock {
        child,
        base: format!("http://127.0.0.1:{port}"),
        store,
    })
}

/// Runs `renku ARGS` in `root` with the Zenodo server `base` and `input` on stdin.
fn run_against(env: &TestEnv, root: &Path, base: &str, args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = env
        .renku_in(root)
        .env("RENKU_ZENODO_URL", base)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
    child.wait_with_output().unwrap()
}

fn global_config(env: &TestEnv) -> String {
    std::fs::read_to_string(env.home().join(".renku/renku.ini")).unwrap_or_default()
}

#[test]
fn zenodo_export_prompts_for_the_token_and_publishes() {
    let env = TestEnv::new();
    let Some(server) = mock(&env, "zenodo-store", &["--token", "good-token"]) else {
        return;
    };
    let root = project(&env);
    env.ok(&root, &["dataset", "tag", "d1", "v1"]);
    change_a(&env, &root, "two\n");
    let before = snapshot(&env, &root);

    let out = run_against(
        &env,
        &root,
        &server.base,
        &["dataset", "export", "d1", "zenodo", "-t", "v1", "--publish"],
        "good-token\n",
    );
    assert_success(&out);
    assert_contains(&stderr(&out), "You must configure an access token\n");
    assert_contains(
        &stderr(&out),
        &format!(
            "Create one at: {}/account/settings/applications/tokens/new/\nAccess token: ",
            server.base
        ),
    );
    assert_eq!(
        stdout(&out),
        format!("Exported to: {}/record/542201\nOK\n", server.base)
    );
    assert_contains(
        &global_config(&env),
        "[zenodo]\naccess_token = good-token\n",
    );
    let dep = server.store.join("zenodo/542201");
    assert_eq!(
        read_file(&dep, "files/a.txt"),
        "one\n",
        "the tagged content"
    );
    assert_eq!(read_file(&dep, "files/sub/b.txt"), "bee\n");
    let deposition = read_json(&dep.join("deposition.json"));
    assert_eq!(deposition["state"], "done");
    assert_eq!(deposition["metadata"]["title"], "d1");
    assert_eq!(deposition["metadata"]["version"], "v1");
    assert_unchanged(&env, &root, &before, "a remote export");

    // The stored token is used without asking; without --publish a draft stays.
    let out = run_against(
        &env,
        &root,
        &server.base,
        &["dataset", "export", "d1", "zenodo"],
        "",
    );
    assert_success(&out);
    assert!(!stderr(&out).contains("Access token"), "{}", stderr(&out));
    // The dataset has a tag: the menu was offered and the end of input chose <HEAD>.
    assert_eq!(
        stdout(&out),
        format!(
            "Tag to export: \n\n<HEAD>\t[1]\nv1\t[2]\n\nExported to: {}/deposit/542202\nOK\n",
            server.base
        )
    );
    let dep = server.store.join("zenodo/542202");
    assert_eq!(read_file(&dep, "files/a.txt"), "two\n");
    assert_eq!(
        read_json(&dep.join("deposition.json"))["state"],
        "unsubmitted"
    );
}

#[test]
fn zenodo_rejected_token_is_forgotten_and_a_failed_upload_leaves_no_draft() {
    let env = TestEnv::new();
    let Some(server) = mock(&env, "z1", &["--token", "good-token"]) else {
        return;
    };
    let root = project(&env);
    std::fs::create_dir_all(env.home().join(".renku")).unwrap();
    std::fs::write(
        env.home().join(".renku/renku.ini"),
        "[zenodo]\naccess_token = stale\n",
    )
    .unwrap();
    let out = run_against(
        &env,
        &root,
        &server.base,
        &["dataset", "export", "d1", "zenodo"],
        "",
    );
    assert_code(&out, 1);
    assert_contains(&stderr(&out), "Zenodo rejected the access token (HTTP 401");
    assert_contains(
        &stderr(&out),
        "The token was removed from the global configuration",
    );
    assert!(
        !global_config(&env).contains("stale"),
        "{}",
        global_config(&env)
    );
    // No answer to the prompt now: a clear error.
    let out = run_against(
        &env,
        &root,
        &server.base,
        &["dataset", "export", "d1", "zenodo"],
        "",
    );
    assert_code(&out, 1);
    assert_contains(&stderr(&out), "No access token was entered for Zenodo.");
    drop(server);

    let Some(failing) = mock(&env, "z2", &["--fail-upload", "1"]) else {
        return;
    };
    let out = run_against(
        &env,
        &root,
        &failing.base,
        &["dataset", "export", "d1", "zenodo", "--publish"],
        "any-token\n",
    );
    assert_code(&out, 1);
    assert_contains(&stderr(&out), "HTTP 500");
    assert_contains(&stderr(&out), "was deleted from the server");
    let drafts: Vec<_> = std::fs::read_dir(failing.store.join("zenodo"))
        .map(|d| d.collect())
        .unwrap_or_default();
    assert!(drafts.is_empty(), "no draft is left: {drafts:?}");
}

#[test]
fn dataverse_export_to_a_collection() {
    let env = TestEnv::new();
    let Some(server) = mock(&env, "dv", &["--token", "dv-token", "--dataverse", "root"]) else {
        return;
    };
    let root = project(&env);
    let out = env.run_in(
        &root,
        &[
            "dataset",
            "export",
            "d1",
            "dataverse",
            "--dataverse-name",
            "root",
        ],
    );
    assert_code(&out, 2);
    assert_contains(&stderr(&out), "No Dataverse server given");

    let out = run_against(
        &env,
        &root,
        "http://unused.invalid",
        &[
            "dataset",
            "export",
            "d1",
            "dataverse",
            "--dataverse-server",
            &server.base,
            "--dataverse-name",
            "root",
            "--publish",
        ],
        "dv-token\n",
    );
    assert_success(&out);
    assert_contains(&stderr(&out), "You must configure an access token\n");
    assert!(
        stdout(&out).starts_with("Exported to: "),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).ends_with("\nOK\n"));
    assert_contains(
        &global_config(&env),
        "[dataverse]\naccess_token = dv-token\n",
    );
    let dataset = std::fs::read_dir(server.store.join("dataverse"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    assert_eq!(read_file(&dataset, "files/a.txt"), "one\n");
    assert_eq!(read_file(&dataset, "files/sub/b.txt"), "bee\n");
    let record = read_json(&dataset.join("dataset.json"));
    assert!(
        record.to_string().contains("jane.doe@example.org"),
        "{record}"
    );
}
