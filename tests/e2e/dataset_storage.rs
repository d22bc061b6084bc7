//! Cloud-storage datasets (`dataset create --storage`, `add`, `ls-files`, `pull`, `update`)
//! against local servers: moto (S3, with every signature verified) and Azurite (Azure Blob).
//! Without `moto_server` / `azurite-blob` the tests print a notice and pass, unless
//! `RENKU_TEST_REQUIRE_CLOUD=1`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use renku_lib::cloud_storage::testing::{self, Fixture};
use renku_lib::cloud_storage::{Credentials, ObjectStorage, StorageOptions, StorageUri};

use crate::common::*;

/// Where a test's renku commands find their storage.
struct Cloud {
    fixture: &'static Fixture,
    /// The bucket (or container) URI.
    bucket: StorageUri,
    azure: bool,
}

impl Cloud {
    fn s3() -> Option<Cloud> {
        let fixture = testing::moto_auth()?;
        let bucket = testing::create_bucket(fixture, &testing::unique("ds"));
        Some(Cloud {
            fixture,
            bucket,
            azure: false,
        })
    }

    /// moto without signature checks: it verifies signatures against the decoded query, so
    /// listings with a `/` in the prefix only work there (see `cloud_storage::testing`).
    fn s3_unchecked() -> Option<Cloud> {
        let fixture = testing::moto_open()?;
        let bucket = testing::create_bucket(fixture, &testing::unique("ds"));
        Some(Cloud {
            fixture,
            bucket,
            azure: false,
        })
    }

    fn azure() -> Option<Cloud> {
        let fixture = testing::azurite()?;
        let bucket = testing::create_container(fixture, &testing::unique("ds"));
        Some(Cloud {
            fixture,
            bucket,
            azure: true,
        })
    }

    fn options(&self) -> StorageOptions {
        if self.azure {
            testing::azurite_options(self.fixture)
        } else {
            StorageOptions::default()
        }
    }

    /// A handle on the bucket for checking and preparing objects.
    fn storage(&self) -> Box<dyn ObjectStorage> {
        renku_lib::cloud_storage::open_with(
            &self.bucket,
            &self.fixture.credentials,
            &self.options(),
        )
        .unwrap()
    }

    fn uri(&self, path: &str) -> String {
        self.bucket.with_path(path).to_string()
    }

    /// Puts `data` at `key` directly (not through renku).
    fn put(&self, key: &str, data: &[u8]) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("obj");
        std::fs::write(&p, data).unwrap();
        self.storage().upload(&p, key).unwrap();
    }

    /// The environment without any credentials (only the endpoint settings).
    fn bare(&self, env: &TestEnv, cwd: &Path) -> Command {
        let mut cmd = env.renku_in(cwd);
        for var in [
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
            "AZURE_STORAGE_ACCOUNT",
            "AZURE_STORAGE_ACCOUNT_KEY",
            "AZURE_STORAGE_KEY",
            "RENKU_S3_ENDPOINT_SCHEME",
        ] {
            cmd.env_remove(var);
        }
        if self.azure {
            cmd.env(
                "RENKU_AZURE_BLOB_ENDPOINT",
                testing::azurite_endpoint(self.fixture),
            );
        } else {
            cmd.env_remove("RENKU_AZURE_BLOB_ENDPOINT");
        }
        cmd
    }

    /// A renku command with `credentials` in the environment.
    fn with(&self, env: &TestEnv, cwd: &Path, credentials: &Credentials) -> Command {
        let mut cmd = self.bare(env, cwd);
        match credentials {
            Credentials::S3 {
                access_key_id,
                secret_access_key,
                ..
            } => {
                cmd.env("AWS_ACCESS_KEY_ID", access_key_id)
                    .env("AWS_SECRET_ACCESS_KEY", secret_access_key);
            }
            Credentials::AzureSharedKey { account_key } => {
                cmd.env("AZURE_STORAGE_ACCOUNT_KEY", account_key);
            }
            Credentials::Anonymous => {}
        }
        cmd
    }

    /// The access key id and secret of an S3 fixture.
    fn s3_keys(&self) -> (&str, &str) {
        match &self.fixture.credentials {
            Credentials::S3 {
                access_key_id,
                secret_access_key,
                ..
            } => (access_key_id.as_str(), secret_access_key.as_str()),
            _ => panic!("S3 credentials"),
        }
    }

    /// Runs renku with the working credentials in the environment.
    fn run(&self, env: &TestEnv, cwd: &Path, args: &[&str]) -> Output {
        self.with(env, cwd, &self.fixture.credentials)
            .args(args)
            .output()
            .unwrap()
    }

    #[track_caller]
    fn ok(&self, env: &TestEnv, cwd: &Path, args: &[&str]) -> String {
        let out = self.run(env, cwd, args);
        assert_success(&out);
        stdout(&out)
    }
}

/// `ls-files` rows of `slug` as (path, checksum, source).
fn listed(env: &TestEnv, root: &Path, slug: &str) -> Vec<(String, String, String)> {
    let out = env.ok(
        root,
        &["dataset", "ls-files", slug, "-c", "path,checksum,source"],
    );
    out.lines()
        .skip(2)
        .map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            (
                cols[0].to_string(),
                cols[1].to_string(),
                cols.get(2).unwrap_or(&"").to_string(),
            )
        })
        .collect()
}

fn md5_hex(data: &[u8]) -> String {
    let f = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(f.path(), data).unwrap();
    renku_lib::dataset::storage::md5_file(f.path()).unwrap()
}

/// A file outside the project with `data`.
fn outside(env: &TestEnv, name: &str, data: &[u8]) -> PathBuf {
    let p = env.dir.path().join("outside").join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, data).unwrap();
    p
}

/// A project with a storage dataset `ds` on `cloud` at the prefix `data` holding two files
/// (`a.csv`, `sub/b.txt`), added through renku. Returns the project root.
fn project_with_storage_dataset(env: &TestEnv, cloud: &Cloud) -> PathBuf {
    let root = env.project_with(&[]);
    let storage = cloud.uri("prefix");
    cloud.ok(
        env,
        &root,
        &["dataset", "create", "ds", "--storage", &storage],
    );
    let a = outside(env, "a.csv", b"x,y\n1,2\n");
    let dir = outside(env, "sub/b.txt", b"hello storage\n");
    let dir = dir.parent().unwrap();
    cloud.ok(
        env,
        &root,
        &[
            "dataset",
            "add",
            "ds",
            a.to_str().unwrap(),
            dir.to_str().unwrap(),
        ],
    );
    root
}

fn git_files(env: &TestEnv, root: &Path) -> Vec<String> {
    env.git(root, &["ls-files"])
        .lines()
        .map(str::to_string)
        .collect()
}

fn clone(env: &TestEnv, root: &Path, name: &str) -> PathBuf {
    let dest = env.dir.path().join(name);
    env.git(
        env.dir.path(),
        &[
            "clone",
            "-q",
            root.to_str().unwrap(),
            dest.to_str().unwrap(),
        ],
    );
    dest
}

#[test]
fn create_with_a_missing_bucket_changes_nothing() {
    let Some(cloud) = Cloud::s3() else { return };
    let env = TestEnv::new();
    let root = env.project_with(&[]);
    let before = snapshot(&env, &root);
    let missing = cloud.bucket.root().to_string().replace("/ds-", "/nope-");
    let out = cloud.run(
        &env,
        &root,
        &["dataset", "create", "ds", "--storage", &missing],
    );
    assert_code(&out, 2);
    let err = stderr(&out);
    assert!(err.contains("S3 bucket 'nope-"), "{err}");
    assert!(err.contains("doesn't exist"), "{err}");
    assert_unchanged(&env, &root, &before, "missing bucket");
    // A malformed URI is a usage error too.
    let out = cloud.run(&env, &root, &["dataset", "create", "ds", "-s", "s3://"]);
    assert_code(&out, 2);
    assert!(
        stderr(&out).contains("Invalid storage URI"),
        "{}",
        stderr(&out)
    );
    assert_unchanged(&env, &root, &before, "bad URI");
}

#[test]
fn create_and_add_upload_the_files_and_commit_only_metadata() {
    let Some(cloud) = Cloud::s3() else { return };
    let env = TestEnv::new();
    let root = project_with_storage_dataset(&env, &cloud);

    // The data directory is git-ignored; git holds no data.
    let gitignore = std::fs::read_to_string(root.join(".gitignore")).unwrap();
    assert!(gitignore.lines().any(|l| l == "/data/ds"), "{gitignore}");
    let files = git_files(&env, &root);
    assert!(
        !files.iter().any(|f| f.starts_with("data/ds")),
        "data in git: {files:?}"
    );
    assert_eq!(env.status(&root), "", "work tree clean");
    // The objects are in the bucket under the storage path.
    let storage = cloud.storage();
    let a = storage
        .stat("prefix/a.csv")
        .unwrap()
        .expect("a.csv uploaded");
    assert_eq!(a.md5.as_deref(), Some(md5_hex(b"x,y\n1,2\n").as_str()));
    let b = storage
        .stat("prefix/sub/b.txt")
        .unwrap()
        .expect("sub/b.txt uploaded");
    assert_eq!(b.size, 14);
    // The metadata records the MD5s; ls-files needs no network.
    let rows = listed(&env, &root, "ds");
    assert_eq!(
        rows.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(),
        vec!["data/ds/a.csv", "data/ds/sub/b.txt"]
    );
    assert_eq!(rows[0].1, md5_hex(b"x,y\n1,2\n"));
    assert_eq!(rows[1].1, md5_hex(b"hello storage\n"));
    let out = env.ok(&root, &["dataset", "ls", "-c", "slug,storage"]);
    assert!(out.contains(&cloud.uri("prefix")), "{out}");
    let json = env.ok(&root, &["dataset", "ls", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v[0]["storage"], cloud.uri("prefix"));
    // The data directory has copies of what was uploaded.
    assert_eq!(
        std::fs::read(root.join("data/ds/sub/b.txt")).unwrap(),
        b"hello storage\n"
    );
    // based_on is the object's URI in the committed metadata.
    let store = env.git(
        &root,
        &[
            "grep",
            "-h",
            "remote-entities",
            "HEAD",
            "--",
            ".renku/store",
        ],
    );
    assert!(store.contains("prefix/a.csv"), "{store}");
}

#[test]
fn a_uri_inside_the_storage_is_recorded_metadata_only() {
    let Some(cloud) = Cloud::s3_unchecked() else {
        return;
    };
    let env = TestEnv::new();
    let root = env.project_with(&[]);
    cloud.ok(
        &env,
        &root,
        &[
            "dataset",
            "add",
            "ds",
            "--create",
            "--storage",
            &cloud.uri("prefix"),
            &outside(&env, "first.txt", b"1").display().to_string(),
        ],
    );
    cloud.put("prefix/existing/one.csv", b"one\n");
    cloud.put("prefix/existing/two.csv", b"two\n");
    let head = env.head(&root);
    cloud.ok(
        &env,
        &root,
        &["dataset", "add", "ds", &cloud.uri("prefix/existing")],
    );
    assert_ne!(env.head(&root), head);
    let rows = listed(&env, &root, "ds");
    let paths: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(
        paths,
        vec!["data/ds/first.txt", "data/ds/one.csv", "data/ds/two.csv"]
    );
    let one = rows.iter().find(|r| r.0 == "data/ds/one.csv").unwrap();
    assert_eq!(one.1, md5_hex(b"one\n"));
    assert_eq!(one.2, cloud.uri("prefix/existing/one.csv"));
    // Metadata only: nothing downloaded, nothing uploaded elsewhere.
    assert!(!root.join("data/ds/one.csv").exists());
    assert!(cloud.storage().stat("prefix/one.csv").unwrap().is_none());

    // A missing object is a clear error and changes nothing.
    let before = snapshot(&env, &root);
    let out = cloud.run(
        &env,
        &root,
        &["dataset", "add", "ds", &cloud.uri("prefix/nothing.csv")],
    );
    assert_code(&out, 1);
    assert!(
        stderr(&out).contains("prefix/nothing.csv' doesn't exist"),
        "{}",
        stderr(&out)
    );
    assert_unchanged(&env, &root, &before, "missing object");
    // --storage only with --create.
    let out = cloud.run(
        &env,
        &root,
        &["dataset", "add", "ds", "--storage", &cloud.uri("x"), "x"],
    );
    assert_code(&out, 2);
}

#[test]
fn pull_downloads_into_a_fresh_clone_and_to_a_location() {
    let Some(cloud) = Cloud::s3() else { return };
    let env = TestEnv::new();
    let root = project_with_storage_dataset(&env, &cloud);

    let fresh = clone(&env, &root, "fresh");
    assert!(!fresh.join("data/ds").exists());
    let out = cloud.run(&env, &fresh, &["dataset", "pull", "ds"]);
    assert_success(&out);
    assert!(
        stderr(&out).contains("Downloaded 2 file(s); 0 already"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read(fresh.join("data/ds/a.csv")).unwrap(),
        b"x,y\n1,2\n"
    );
    assert_eq!(
        std::fs::read(fresh.join("data/ds/sub/b.txt")).unwrap(),
        b"hello storage\n"
    );
    assert_eq!(env.status(&fresh), "", "pulled data stays out of git");
    // Files with the recorded content are skipped; a damaged one is fetched again.
    std::fs::write(fresh.join("data/ds/a.csv"), b"damaged").unwrap();
    let out = cloud.run(&env, &fresh, &["dataset", "pull", "ds"]);
    assert_success(&out);
    assert!(
        stderr(&out).contains("Downloaded 1 file(s); 1 already"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read(fresh.join("data/ds/a.csv")).unwrap(),
        b"x,y\n1,2\n"
    );

    // An object that no longer matches the metadata is refused.
    cloud.put("prefix/a.csv", b"changed behind our back");
    std::fs::remove_file(fresh.join("data/ds/a.csv")).unwrap();
    let out = cloud.run(&env, &fresh, &["dataset", "pull", "ds"]);
    assert_code(&out, 1);
    assert!(
        stderr(&out).contains("differs from the recorded"),
        "{}",
        stderr(&out)
    );
    assert!(!fresh.join("data/ds/a.csv").exists());
    cloud.put("prefix/a.csv", b"x,y\n1,2\n");

    // --location: the files go there, the data directory links to it, and the location is
    // remembered outside the repository.
    let other = clone(&env, &root, "other");
    let loc = env.dir.path().join("elsewhere");
    cloud.ok(
        &env,
        &other,
        &["dataset", "pull", "ds", "-l", loc.to_str().unwrap()],
    );
    assert_eq!(std::fs::read(loc.join("a.csv")).unwrap(), b"x,y\n1,2\n");
    assert_eq!(
        std::fs::read(loc.join("sub/b.txt")).unwrap(),
        b"hello storage\n"
    );
    assert_eq!(std::fs::read_link(other.join("data/ds")).unwrap(), loc);
    let state = std::fs::read_to_string(other.join(".git/renku/local.ini")).unwrap();
    assert!(state.contains(loc.to_str().unwrap()), "{state}");
    assert_eq!(
        env.status(&other),
        "",
        "location state is not in the work tree"
    );
    std::fs::remove_file(loc.join("a.csv")).unwrap();
    let out = cloud.run(&env, &other, &["dataset", "pull", "ds"]);
    assert_success(&out);
    assert!(loc.join("a.csv").is_file(), "remembered location used");

    // A dataset without storage.
    env.ok(&other, &["dataset", "create", "plain"]);
    let out = cloud.run(&env, &other, &["dataset", "pull", "plain"]);
    assert_code(&out, 2);
    assert!(
        stderr(&out).contains("Dataset 'plain' doesn't have a storage backend"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn prompted_credentials_are_stored_privately_and_reused() {
    let Some(cloud) = Cloud::s3() else { return };
    let (access_key_id, secret_access_key) = cloud.s3_keys();
    let env = TestEnv::new();
    let root = env.project_with(&[]);
    let mut cmd = cloud.bare(&env, &root);
    cmd.args(["dataset", "create", "ds", "--storage", &cloud.uri("p")]);
    let out = output_with_input(cmd, &format!("{access_key_id}\n{secret_access_key}\ny\n"));
    assert_success(&out);
    let err = stderr(&out);
    assert!(err.contains("Enter a value for 'Access Key ID'"), "{err}");
    assert!(
        err.contains("Enter a value for 'Secret Access Key'"),
        "{err}"
    );
    assert!(err.contains("Store credentials?"), "{err}");
    let file = env.home().join(".renku/storage-credentials.json");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains(secret_access_key));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // Nothing of it is in the repository.
    let grep = Command::new("git")
        .current_dir(&root)
        .args(["grep", "-c", secret_access_key, "HEAD"])
        .output()
        .unwrap();
    assert_eq!(stdout(&grep), "", "the secret is not committed");
    let grep = Command::new("grep")
        .current_dir(&root)
        .args(["-r", "-l", secret_access_key, "."])
        .output()
        .unwrap();
    assert_eq!(stdout(&grep), "", "the secret is nowhere in the project");
    // The next command finds them without asking (stdin is closed).
    let f = outside(&env, "f.txt", b"stored creds work");
    let out = cloud
        .bare(&env, &root)
        .args(["dataset", "add", "ds", f.to_str().unwrap()])
        .output()
        .unwrap();
    assert_success(&out);
    assert!(!stderr(&out).contains("Enter a value"), "{}", stderr(&out));
    assert!(cloud.storage().stat("p/f.txt").unwrap().is_some());
}

#[test]
fn wrong_credentials_are_a_clear_error_and_change_nothing() {
    let Some(cloud) = Cloud::s3() else { return };
    let env = TestEnv::new();
    let root = env.project_with(&[]);
    let wrong = match &cloud.fixture.credentials {
        Credentials::S3 { access_key_id, .. } => Credentials::S3 {
            access_key_id: access_key_id.clone(),
            secret_access_key: "not-the-secret".into(),
            session_token: None,
        },
        other => other.clone(),
    };
    let before = snapshot(&env, &root);
    let out = cloud
        .with(&env, &root, &wrong)
        .args(["dataset", "create", "ds", "--storage", &cloud.uri("p")])
        .output()
        .unwrap();
    assert_code(&out, 1);
    assert!(stderr(&out).contains("was denied"), "{}", stderr(&out));
    assert_unchanged(&env, &root, &before, "create with wrong credentials");

    cloud.ok(
        &env,
        &root,
        &["dataset", "create", "ds", "--storage", &cloud.uri("p")],
    );
    let before = snapshot(&env, &root);
    let f = outside(&env, "f.txt", b"data");
    let out = cloud
        .with(&env, &root, &wrong)
        .args(["dataset", "add", "ds", f.to_str().unwrap()])
        .output()
        .unwrap();
    assert_code(&out, 1);
    assert!(stderr(&out).contains("was denied"), "{}", stderr(&out));
    assert_unchanged(&env, &root, &before, "add with wrong credentials");
    assert!(cloud.storage().stat("p/f.txt").unwrap().is_none());
}

#[test]
fn an_s3_source_is_downloaded_into_a_plain_dataset() {
    let Some(cloud) = Cloud::s3() else { return };
    let env = TestEnv::new();
    let root = env.project_with(&[]);
    cloud.put("shared/table.csv", b"a,b\n3,4\n");
    cloud.ok(
        &env,
        &root,
        &[
            "dataset",
            "add",
            "plain",
            "--create",
            &cloud.uri("shared/table.csv"),
        ],
    );
    assert_eq!(
        std::fs::read(root.join("data/plain/table.csv")).unwrap(),
        b"a,b\n3,4\n"
    );
    assert!(git_files(&env, &root).contains(&"data/plain/table.csv".to_string()));
    let rows = listed(&env, &root, "plain");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].2, cloud.uri("shared/table.csv"));
    let store = env.git(
        &root,
        &[
            "grep",
            "-h",
            md5_hex(b"a,b\n3,4\n").as_str(),
            "HEAD",
            "--",
            ".renku/store",
        ],
    );
    assert!(
        store.contains("remote-entities"),
        "based_on has the MD5: {store}"
    );

    // dataset update compares the MD5 and downloads the new content.
    cloud.put("shared/table.csv", b"a,b\n5,6\n");
    let out = cloud.run(&env, &root, &["dataset", "update", "--dry-run", "--plain"]);
    assert_code(&out, 1);
    assert!(
        stdout(&out).contains("f data/plain/table.csv plain"),
        "{}",
        stdout(&out)
    );
    let out = cloud.run(&env, &root, &["dataset", "update", "--no-remote", "plain"]);
    assert_success(&out);
    assert_eq!(
        std::fs::read(root.join("data/plain/table.csv")).unwrap(),
        b"a,b\n3,4\n"
    );
    cloud.ok(&env, &root, &["dataset", "update", "plain"]);
    assert_eq!(
        std::fs::read(root.join("data/plain/table.csv")).unwrap(),
        b"a,b\n5,6\n"
    );
    assert_eq!(env.status(&root), "");
    let out = cloud.run(&env, &root, &["dataset", "update", "--dry-run"]);
    assert_success(&out);
}

#[test]
fn update_of_a_storage_dataset_records_changed_objects() {
    let Some(cloud) = Cloud::s3() else { return };
    let env = TestEnv::new();
    let root = project_with_storage_dataset(&env, &cloud);
    cloud.put("prefix/a.csv", b"new content\n");
    let out = cloud.run(&env, &root, &["dataset", "update", "--dry-run", "--plain"]);
    assert_code(&out, 1);
    assert_eq!(stdout(&out).trim(), "f data/ds/a.csv ds");
    cloud.ok(&env, &root, &["dataset", "update", "ds"]);
    let rows = listed(&env, &root, "ds");
    let a = rows.iter().find(|r| r.0 == "data/ds/a.csv").unwrap();
    assert_eq!(a.1, md5_hex(b"new content\n"));
    let b = rows.iter().find(|r| r.0 == "data/ds/sub/b.txt").unwrap();
    assert_eq!(b.1, md5_hex(b"hello storage\n"));
    assert!(
        !git_files(&env, &root)
            .iter()
            .any(|f| f.starts_with("data/ds")),
        "update commits no data"
    );
    assert_eq!(env.status(&root), "");
}

#[test]
fn update_asks_for_missing_credentials() {
    let Some(cloud) = Cloud::s3() else { return };
    let (access_key_id, secret_access_key) = cloud.s3_keys();
    let env = TestEnv::new();
    let root = project_with_storage_dataset(&env, &cloud);
    cloud.put("prefix/a.csv", b"changed again\n");
    // No credentials in the environment or the credential file: asked for, not stored.
    let mut cmd = cloud.bare(&env, &root);
    cmd.args(["dataset", "update", "ds"]);
    let out = output_with_input(cmd, &format!("{access_key_id}\n{secret_access_key}\nn\n"));
    assert_success(&out);
    assert_contains(&stderr(&out), "Enter a value for 'Access Key ID'");
    let rows = listed(&env, &root, "ds");
    let a = rows.iter().find(|r| r.0 == "data/ds/a.csv").unwrap();
    assert_eq!(a.1, md5_hex(b"changed again\n"));
    assert!(!env.home().join(".renku/storage-credentials.json").exists());
    // Without answers the update fails and changes nothing.
    cloud.put("prefix/a.csv", b"and again\n");
    let before = snapshot(&env, &root);
    let out = cloud
        .bare(&env, &root)
        .args(["dataset", "update", "ds"])
        .output()
        .unwrap();
    assert_ne!(code(&out), 0, "{}", stdout(&out));
    assert_unchanged(&env, &root, &before, "update without credentials");
}

#[test]
fn azure_storage_dataset_round_trip() {
    let Some(cloud) = Cloud::azure() else { return };
    let env = TestEnv::new();
    let root = project_with_storage_dataset(&env, &cloud);
    let storage = cloud.storage();
    let a = storage
        .stat("prefix/a.csv")
        .unwrap()
        .expect("a.csv uploaded");
    assert_eq!(a.md5.as_deref(), Some(md5_hex(b"x,y\n1,2\n").as_str()));
    assert!(
        !git_files(&env, &root)
            .iter()
            .any(|f| f.starts_with("data/ds"))
    );
    // Blobs under a prefix of the container: metadata only.
    cloud.put("prefix/more/x.csv", b"x\n");
    cloud.ok(
        &env,
        &root,
        &["dataset", "add", "ds", &cloud.uri("prefix/more")],
    );
    let rows = listed(&env, &root, "ds");
    let x = rows.iter().find(|r| r.0 == "data/ds/x.csv").unwrap();
    assert_eq!(x.1, md5_hex(b"x\n"));
    let fresh = clone(&env, &root, "fresh");
    cloud.ok(&env, &fresh, &["dataset", "pull", "ds"]);
    assert_eq!(
        std::fs::read(fresh.join("data/ds/sub/b.txt")).unwrap(),
        b"hello storage\n"
    );
    assert_eq!(std::fs::read(fresh.join("data/ds/x.csv")).unwrap(), b"x\n");
}
