//! `renku dataset import` and `dataset add URL` against a local server that answers like
//! Zenodo, Dataverse, a DOI resolver and plain web servers
//! (`tests/fixtures/providers/mock_server.py`).

use std::io::BufRead;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use crate::common::*;

/// The mock server, stopped when dropped.
pub(crate) struct Mock {
    child: Child,
    pub(crate) base: String,
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn mock() -> Mock {
    start_mock(None)
}

/// The mock server, serving the files of `dir` under `/mutable/`.
fn mock_serving(dir: &Path) -> Mock {
    start_mock(Some(dir))
}

fn start_mock(serve_dir: Option<&Path>) -> Mock {
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/providers/mock_server.py");
    let mut command = Command::new("python3");
    command.arg(script);
    if let Some(dir) = serve_dir {
        command.arg("--serve-dir").arg(dir);
    }
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 runs the mock server");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port: u16 = line
        .trim()
        .parse()
        .expect("the mock server prints its port");
    Mock {
        child,
        base: format!("http://127.0.0.1:{port}"),
    }
}

impl TestEnv {
    pub(crate) fn run_remote(
        &self,
        root: &Path,
        mock: &Mock,
        args: &[&str],
    ) -> std::process::Output {
        self.renku_in(root)
            .env("RENKU_ZENODO_URL", format!("{}/zenodo", mock.base))
            .env("RENKU_DOI_RESOLVER", format!("{}/doi", mock.base))
            .args(args)
            .output()
            .unwrap()
    }
}

fn dataset_json(env: &TestEnv, root: &Path, slug: &str) -> serde_json::Value {
    serde_json::from_str(&env.ok(root, &["dataset", "show", slug, "--format", "json"])).unwrap()
}

#[test]
fn zenodo_records_import_with_metadata_files_and_a_version_tag() {
    let env = TestEnv::new();
    let root = env.project_with(&[]);
    let m = mock();
    let uri = format!("{}/zenodo/records/1234567", m.base);
    let commits = env.commit_count(&root);
    let out = env.run_remote(&root, &m, &["dataset", "import", "-y", &uri]);
    assert_success(&out);
    assert_contains(&stdout(&out), "measurements.csv");
    assert_eq!(env.commit_count(&root), commits + 1);
    let d = dataset_json(&env, &root, "air_quality_measurem_2.0");
    assert_eq!(d["name"], "Air quality measurements in Zurich, 2019-2022");
    assert_eq!(d["version"], "2.0");
    assert_eq!(d["same_as"], "https://doi.org/10.5281/zenodo.1234567");
    assert!(d["created_at"].is_null());
    assert!(d["date_published"].is_string());
    let expected = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures/providers/zenodo/files/measurements.csv"),
    )
    .unwrap();
    assert_eq!(
        std::fs::read(root.join("data/air_quality_measurem_2.0/measurements.csv")).unwrap(),
        expected
    );
    let tags = env.ok(&root, &["dataset", "ls-tags", "air_quality_measurem_2.0"]);
    assert_contains(&tags, "Tag 2.0 created by renku import");
    let log = env.ok(&root, &["log", "--format", "tabular", "-d"]);
    assert_contains(&log, "imported");
    assert_eq!(env.status(&root), "");

    // The same slug again is refused before anything is downloaded.
    let before = snapshot(&env, &root);
    let out = env.run_remote(&root, &m, &["dataset", "import", "-y", &uri]);
    assert_code(&out, 1);
    assert_contains(&stderr(&out), "Dataset exists");
    // --slug names it; without -y and without a terminal the question is answered "no".
    let out = env.run_remote(&root, &m, &["dataset", "import", "--slug", "other", &uri]);
    assert_code(&out, 1);
    assert_contains(&stderr(&out), "Aborted!");
    assert_unchanged(&env, &root, &before, "refused imports");
    let out = env.run_remote(
        &root,
        &m,
        &[
            "dataset",
            "import",
            "-y",
            "-s",
            "other",
            "--datadir",
            "elsewhere",
            &uri,
        ],
    );
    assert_success(&out);
    assert!(root.join("elsewhere/measurements.csv").exists());
}

#[test]
fn dataverse_datasets_import_by_url_and_by_doi() {
    let env = TestEnv::new();
    let root = env.project_with(&[]);
    let m = mock();
    let uri = format!(
        "{}/dataset.xhtml?persistentId=doi:10.70122/FK2/PPIAXE",
        m.base
    );
    let out = env.run_remote(&root, &m, &["dataset", "import", "-y", "-s", "dv", &uri]);
    assert_success(&out);
    let files = env.ok(
        &root,
        &["dataset", "ls-files", "dv", "--format", "csv", "-c", "path"],
    );
    assert!(files.lines().count() >= 2, "files imported: {files}");
    let d = dataset_json(&env, &root, "dv");
    assert_eq!(d["version"], "1.0");
    let out = env.run_remote(
        &root,
        &m,
        &[
            "dataset",
            "import",
            "-y",
            "-s",
            "bydoi",
            "doi:10.70122/FK2/PPIAXE",
        ],
    );
    assert_success(&out);
    let a = env.ok(
        &root,
        &[
            "dataset", "ls-files", "dv", "--format", "csv", "-c", "checksum",
        ],
    );
    let b = env.ok(
        &root,
        &[
            "dataset", "ls-files", "bydoi", "--format", "csv", "-c", "checksum",
        ],
    );
    assert_eq!(a, b, "the same files through the DOI");
}

#[test]
fn broken_remotes_give_clear_errors_and_change_nothing() {
    let env = TestEnv::new();
    let root = env.project_with(&[]);
    let m = mock();
    let before = snapshot(&env, &root);
    let cases: Vec<(String, i32, &str)> = vec![
        (format!("{}/zenodo/records/404404", m.base), 1, "404"),
        (format!("{}/zenodo/records/500500", m.base), 1, "500"),
        (format!("{}/zenodo/records/666666", m.base), 1, "JSON"),
        ("not a url".to_string(), 2, "Cannot parse URL"),
        (
            "https://example.invalid.nowhere/x".to_string(),
            2,
            "Provider not found",
        ),
    ];
    for (uri, expected, message) in &cases {
        let out = env.run_remote(&root, &m, &["dataset", "import", "-y", uri]);
        assert_code(&out, *expected);
        assert_contains(&stderr(&out), message);
        assert_unchanged(&env, &root, &before, uri);
    }
}

#[test]
fn urls_are_downloaded_into_datasets_and_failed_downloads_leave_nothing() {
    let env = TestEnv::new();
    let root = env.project_with(&[]);
    let m = mock();
    env.ok(&root, &["dataset", "create", "web"]);
    let plain = format!("{}/files/plain.txt", m.base);
    let out = env.run_remote(&root, &m, &["dataset", "add", "web", &plain]);
    assert_success(&out);
    assert_eq!(read_file(&root, "data/web/greeting.txt"), "hello, renku\n");
    let csv = env.ok(
        &root,
        &[
            "dataset",
            "ls-files",
            "web",
            "--format",
            "csv",
            "-c",
            "path,source",
        ],
    );
    assert_eq!(csv, format!("path,source\ndata/web/greeting.txt,{plain}\n"));
    let large = format!("{}/files/large.bin", m.base);
    let out = env.run_remote(&root, &m, &["dataset", "add", "web", &large]);
    assert_success(&out);
    assert_eq!(
        std::fs::metadata(root.join("data/web/large.bin"))
            .unwrap()
            .len(),
        1 << 20
    );

    let before = snapshot(&env, &root);
    for (url, message) in [
        (format!("{}/files/halfway.bin", m.base), "halfway.bin"),
        (format!("{}/status/404", m.base), "404"),
        (format!("{}/status/500", m.base), "500"),
    ] {
        let out = env.run_remote(&root, &m, &["dataset", "add", "web", &url]);
        assert_code(&out, 1);
        assert_contains(&stderr(&out), message);
        assert_unchanged(&env, &root, &before, &url);
        assert!(!root.join("data/web/halfway.bin").exists());
    }
    // No temporary download is left behind either.
    let tmp = root.join(".renku/tmp");
    if tmp.exists() {
        let left: Vec<_> = std::fs::read_dir(&tmp)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .filter(|n| n != ".gitignore")
            .collect();
        assert!(left.is_empty(), "leftovers in .renku/tmp: {left:?}");
    }
}

#[test]
fn imported_datasets_update_to_the_newer_remote_version() {
    let env = TestEnv::new();
    let root = env.project_with(&[]);
    let m = mock();
    let old = format!("{}/zenodo/records/1234561", m.base);
    let out = env.run_remote(&root, &m, &["dataset", "import", "-y", "-s", "zen", &old]);
    assert_success(&out);
    assert_contains(&stderr(&out), "Newer version found at");
    assert_eq!(
        env.dataset_paths(&root, "zen"),
        ["data/zen/README.md", "data/zen/calibration.txt"]
    );
    assert_eq!(dataset_json(&env, &root, "zen")["version"], "1.0");

    // Filters cannot be combined with an imported dataset.
    let before = snapshot(&env, &root);
    let out = env.run_remote(&root, &m, &["dataset", "update", "-I", "*.md", "zen"]);
    assert_code(&out, 2);
    assert_contains(&stderr(&out), "incompatible with imported datasets");
    // --no-remote leaves imported datasets alone.
    let out = env.run_remote(&root, &m, &["dataset", "update", "--no-remote", "zen"]);
    assert_success(&out);
    assert!(!stdout(&out).contains("from remote provider"));

    // A dry run names the dataset and exits with 1.
    let out = env.run_remote(&root, &m, &["dataset", "update", "-n", "--all"]);
    assert_code(&out, 1);
    assert_contains(
        &stdout(&out),
        "The following imported datasets will be updated:\n\tzen",
    );
    let out = env.run_remote(&root, &m, &["dataset", "update", "-n", "--plain", "zen"]);
    assert_code(&out, 1);
    assert_eq!(stdout(&out).trim(), "d zen");
    assert_unchanged(&env, &root, &before, "dry runs and refused updates");

    let commits = env.commit_count(&root);
    let out = env.run_remote(&root, &m, &["dataset", "update", "zen"]);
    assert_success(&out);
    assert_contains(&stdout(&out), "Updated dataset 'zen' from remote provider");
    assert_eq!(env.commit_count(&root), commits + 1);
    assert_eq!(env.status(&root), "");
    let d = dataset_json(&env, &root, "zen");
    assert_eq!(d["version"], "2.0");
    assert_eq!(d["same_as"], "https://doi.org/10.5281/zenodo.1234567");
    // The file the new version lacks leaves the dataset, but stays on disk without --delete.
    assert_eq!(
        env.dataset_paths(&root, "zen"),
        ["data/zen/README.md", "data/zen/measurements.csv"]
    );
    assert!(root.join("data/zen/calibration.txt").exists());
    let tags = env.ok(&root, &["dataset", "ls-tags", "zen"]);
    assert_contains(&tags, "Tag 1.0 created by renku import");
    assert_contains(&tags, "Tag 2.0 created by renku import");
    let log = env.ok(&root, &["log", "--format", "tabular", "-d"]);
    assert_contains(&log, "Dataset 'zen': 1 file(s) added, 1 file(s) removed");

    // Now up to date.
    let out = env.run_remote(&root, &m, &["dataset", "update", "-n", "zen"]);
    assert_success(&out);
    assert_contains(&stdout(&out), "Everything is up-to-date");
    let commits = env.commit_count(&root);
    let out = env.run_remote(&root, &m, &["dataset", "update", "zen"]);
    assert_success(&out);
    assert_eq!(env.commit_count(&root), commits);

    // With --delete the vanished file goes from the work tree too.
    let out = env.run_remote(&root, &m, &["dataset", "import", "-y", "-s", "zen2", &old]);
    assert_success(&out);
    let out = env.run_remote(&root, &m, &["dataset", "update", "--delete", "zen2"]);
    assert_success(&out);
    assert!(!root.join("data/zen2/calibration.txt").exists());
    assert!(root.join("data/zen2/measurements.csv").exists());
    assert_eq!(env.status(&root), "");
}

#[test]
fn imported_datasets_whose_remote_fails_are_left_unchanged() {
    let env = TestEnv::new();
    let root = env.project_with(&[]);
    let m = mock();
    let old = format!("{}/zenodo/records/1234561", m.base);
    let out = env.run_remote(&root, &m, &["dataset", "import", "-y", "-s", "zen", &old]);
    assert_success(&out);
    let base = m.base.clone();
    drop(m);
    // The provider is gone: a network error, nothing changes.
    let before = snapshot(&env, &root);
    let out = env
        .renku_in(&root)
        .env("RENKU_ZENODO_URL", format!("{base}/zenodo"))
        .args(["dataset", "update", "zen"])
        .output()
        .unwrap();
    assert_code(&out, 1);
    assert_contains(&stderr(&out), "127.0.0.1");
    assert_unchanged(&env, &root, &before, "update with the provider gone");
}

#[test]
fn web_files_update_when_their_content_changes() {
    let env = TestEnv::new();
    let root = env.project_with(&[]);
    let served = env.work().join("served");
    std::fs::create_dir_all(&served).unwrap();
    std::fs::write(served.join("table.csv"), "a,b\n1,2\n").unwrap();
    let m = mock_serving(&served);
    let url = format!("{}/mutable/table.csv", m.base);
    env.ok(&root, &["dataset", "create", "web"]);
    let out = env.run_remote(&root, &m, &["dataset", "add", "web", &url]);
    assert_success(&out);

    // Unchanged: nothing to do.
    let out = env.run_remote(&root, &m, &["dataset", "update", "-n", "web"]);
    assert_success(&out);
    assert_contains(&stdout(&out), "Everything is up-to-date");
    let out = env.run_remote(&root, &m, &["dataset", "update", "web"]);
    assert_success(&out);
    assert_contains(&stdout(&out), "Updated 0 files");

    // --no-remote skips web files, a dry run lists the changed one.
    std::fs::write(served.join("table.csv"), "a,b\n1,2\n3,4\n").unwrap();
    let before = snapshot(&env, &root);
    let out = env.run_remote(
        &root,
        &m,
        &["dataset", "update", "-n", "--no-remote", "web"],
    );
    assert_success(&out);
    let out = env.run_remote(&root, &m, &["dataset", "update", "-n", "--plain", "web"]);
    assert_code(&out, 1);
    assert_eq!(stdout(&out).trim(), "f data/web/table.csv web");
    assert_unchanged(&env, &root, &before, "dry runs");

    let out = env.run_remote(&root, &m, &["dataset", "update", "web"]);
    assert_success(&out);
    assert_contains(&stdout(&out), "Updated 1 files");
    assert_eq!(read_file(&root, "data/web/table.csv"), "a,b\n1,2\n3,4\n");
    assert_eq!(env.status(&root), "");

    // A source that is gone is reported as deleted; --delete removes it from the metadata.
    std::fs::remove_file(served.join("table.csv")).unwrap();
    let out = env.run_remote(&root, &m, &["dataset", "update", "-n", "--plain", "web"]);
    assert_code(&out, 1);
    assert_eq!(stdout(&out).trim(), "r data/web/table.csv web");
    let out = env.run_remote(&root, &m, &["dataset", "update", "web"]);
    assert_success(&out);
    assert_contains(&stderr(&out), "Pass '--delete'");
    assert_eq!(env.dataset_paths(&root, "web"), ["data/web/table.csv"]);
    let out = env.run_remote(&root, &m, &["dataset", "update", "--delete", "web"]);
    assert_success(&out);
    assert_contains(&stdout(&out), "Updated 0 files and deleted 1 files");
    assert!(env.dataset_paths(&root, "web").is_empty());
}

#[test]
fn web_files_are_downloaded_side_by_side_when_updating() {
    let env = TestEnv::new();
    let root = env.project_with(&[]);
    let served = env.work().join("served");
    std::fs::create_dir_all(&served).unwrap();
    let names = ["a.csv", "b.csv", "c.csv"];
    for n in names {
        std::fs::write(served.join(n), format!("{n}\n")).unwrap();
    }
    let m = mock_serving(&served);
    env.ok(&root, &["dataset", "create", "web"]);
    let urls: Vec<String> = names
        .iter()
        .map(|n| format!("{}/gate/{n}", m.base))
        .collect();
    let mut args = vec!["dataset", "add", "web"];
    args.extend(urls.iter().map(String::as_str));
    assert_success(&env.run_remote(&root, &m, &args));
    // From now on the server answers a download only while another one is in flight:
    // one file after the other would find every source gone.
    std::fs::write(served.join("GATE"), "").unwrap();
    for n in names {
        std::fs::write(served.join(n), format!("{n} changed\n")).unwrap();
    }
    let out = env.run_remote(&root, &m, &["dataset", "update", "web"]);
    assert_success(&out);
    assert_contains(&stdout(&out), "Updated 3 files");
    for n in names {
        assert_eq!(
            read_file(&root, &format!("data/web/{n}")),
            format!("{n} changed\n")
        );
    }
}

#[test]
fn deprecated_external_flag_warns_and_conflicts_with_no_external() {
    let env = TestEnv::new();
    let root = env.project_with(&[("a.txt", "a\n")]);
    env.ok(&root, &["dataset", "add", "--copy", "-c", "d", "a.txt"]);
    let out = env.run_in(&root, &["dataset", "update", "-e", "d"]);
    assert_success(&out);
    assert_contains(&stderr(&out), "'-e/--external' argument is deprecated");
    assert_contains(&stdout(&out), "Updated 0 files");
    let out = env.run_in(&root, &["dataset", "update", "-e", "--no-external", "d"]);
    assert_code(&out, 2);
    assert_contains(
        &stderr(&out),
        "Cannot pass both '--external' and '--no-external'",
    );
    let out = env.run_in(&root, &["dataset", "update", "--no-external", "d"]);
    assert_success(&out);
    let out = env.run_in(&root, &["dataset", "update", "-I", "nothing*", "d"]);
    assert_code(&out, 2);
    assert_contains(&stderr(&out), "No files matched the criteria.");
}
