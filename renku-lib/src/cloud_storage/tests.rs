//! Tests against real servers: moto in server mode for S3 (with IAM authentication switched
//! on, so every signature is verified) and Azurite for Blob storage (which verifies Shared
//! Key signatures). Each test binary starts one server of each kind on a free loopback port;
//! a shell wrapper stops it when the test process exits (its stdin pipe closes).
//!
//! Without `moto_server` / `azurite-blob` the tests print a notice and pass, unless
//! `RENKU_TEST_REQUIRE_CLOUD=1`, which makes them fail.

use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use md5::{Digest, Md5};

use super::*;

/// The well-known key of Azurite's `devstoreaccount1`.
const AZURITE_KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
const AZURITE_ACCOUNT: &str = "devstoreaccount1";

fn require_cloud() -> bool {
    std::env::var("RENKU_TEST_REQUIRE_CLOUD").is_ok_and(|v| v == "1")
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// A server process kept alive for the whole test binary.
struct Server {
    port: u16,
    _child: Child,
    /// Closing it (at process exit) makes the wrapper stop the server.
    _stdin: ChildStdin,
    _dir: tempfile::TempDir,
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address").port()
}

/// Starts `program args…` under `sh`, which stops it when its stdin reaches EOF, and waits
/// until `port` accepts connections.
fn start(program: &Path, args: &[String], env: &[(&str, &str)], port: u16) -> Server {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("server.log");
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(
            r#""$@" >"$SERVER_LOG" 2>&1 & pid=$!; read _eof; kill "$pid" 2>/dev/null; wait "$pid""#,
        )
        .arg("sh")
        .arg(program)
        .args(args)
        .env("SERVER_LOG", &log)
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("start the server");
    let stdin = child.stdin.take().expect("stdin pipe");
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            break;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "{} exited ({status}) before listening: {}",
                program.display(),
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        if Instant::now() > deadline {
            panic!(
                "{} does not listen on port {port}: {}",
                program.display(),
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Server {
        port,
        _child: child,
        _stdin: stdin,
        _dir: dir,
    }
}

fn skip(what: &str) -> Option<&'static Fixture> {
    if require_cloud() {
        panic!("{what} is not installed, but RENKU_TEST_REQUIRE_CLOUD=1");
    }
    // Once per program, and past the test harness's output capture, so that it shows.
    static NOTICED: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let mut noticed = NOTICED.lock().unwrap_or_else(|p| p.into_inner());
    if !noticed.iter().any(|w| w == what) {
        noticed.push(what.to_string());
        let _ = writeln!(
            std::io::stderr(),
            "notice: {what} is not installed; its cloud-storage tests are skipped \
             (set RENKU_TEST_REQUIRE_CLOUD=1 to make them fail instead)"
        );
    }
    None
}

/// A running server and the credentials that work on it.
struct Fixture {
    server: Server,
    credentials: Credentials,
}

// ---- moto (S3) ----

// Two moto servers: one with IAM authentication on, so that signatures are verified (moto
// checks them against the *decoded* path and query, so only keys and prefixes without
// percent-encoded characters pass there; AWS itself checks the encoded form we sign), and
// one without, for keys with spaces and non-ASCII characters, prefixes with `/` and
// multipart uploads.
static MOTO_AUTH: OnceLock<Option<Fixture>> = OnceLock::new();
static MOTO_OPEN: OnceLock<Option<Fixture>> = OnceLock::new();

fn moto_program() -> Option<PathBuf> {
    std::env::var_os("RENKU_TEST_MOTO_SERVER")
        .map(PathBuf::from)
        .or_else(|| on_path("moto_server"))
}

fn start_moto(program: &Path, env: &[(&str, &str)]) -> Server {
    let port = free_port();
    start(
        program,
        &[
            "-H".into(),
            "127.0.0.1".into(),
            "-p".into(),
            port.to_string(),
        ],
        env,
        port,
    )
}

/// moto checking every signature, with an IAM user whose key may do everything.
fn moto_auth() -> Option<&'static Fixture> {
    let fixture = MOTO_AUTH.get_or_init(|| {
        let program = moto_program()?;
        // The first three requests (the IAM set-up below) pass unauthenticated; every later
        // request must carry a valid signature of a known key.
        let server = start_moto(&program, &[("INITIAL_NO_AUTH_ACTION_COUNT", "3")]);
        let credentials = moto_iam_user(server.port);
        Some(Fixture {
            server,
            credentials,
        })
    });
    match fixture {
        Some(f) => Some(f),
        None => skip("moto_server (pip install 'moto[server]')"),
    }
}

/// moto accepting any signature.
fn moto_open() -> Option<&'static Fixture> {
    let fixture = MOTO_OPEN.get_or_init(|| {
        let program = moto_program()?;
        Some(Fixture {
            server: start_moto(&program, &[]),
            credentials: Credentials::S3 {
                access_key_id: "AKIAOPENOPENOPENOPEN".into(),
                secret_access_key: "open".into(),
                session_token: None,
            },
        })
    });
    match fixture {
        Some(f) => Some(f),
        None => skip("moto_server (pip install 'moto[server]')"),
    }
}

/// Sends an IAM query-API action to moto (signed with throw-away keys; moto routes by the
/// signature's service and checks nothing during the unauthenticated start).
fn iam_action(port: u16, params: &[(&str, &str)]) -> String {
    let url = reqwest::Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
    let mut body = String::from("Version=2010-05-08");
    for (k, v) in params {
        body.push_str(&format!("&{k}={}", sigv4::uri_encode(v)));
    }
    let headers = [(
        "content-type",
        "application/x-www-form-urlencoded".to_string(),
    )];
    let signed = sigv4::sign(&sigv4::SigningRequest {
        method: "POST",
        url: &url,
        headers: &headers,
        payload_hash: &sigv4::sha256_hex(body.as_bytes()),
        region: "us-east-1",
        service: "iam",
        access_key_id: "AKIASETUPSETUPSETUP0",
        secret_access_key: "setup",
        session_token: None,
        time: chrono::Utc::now(),
    });
    let client = reqwest::blocking::Client::new();
    let mut req = client.post(url).body(body);
    for (k, v) in headers.iter().map(|(k, v)| (*k, v.clone())).chain(signed) {
        req = req.header(k, v);
    }
    let response = req.send().expect("IAM request");
    let status = response.status();
    let text = response.text().expect("IAM response");
    assert!(status.is_success(), "IAM {params:?}: {status} {text}");
    text
}

fn xml_value(text: &str, tag: &str) -> String {
    let open = format!("<{tag}>");
    let start = text.find(&open).expect(tag) + open.len();
    let end = text[start..].find("</").expect(tag) + start;
    text[start..end].to_string()
}

fn moto_iam_user(port: u16) -> Credentials {
    iam_action(port, &[("Action", "CreateUser"), ("UserName", "renku")]);
    let key = iam_action(
        port,
        &[("Action", "CreateAccessKey"), ("UserName", "renku")],
    );
    iam_action(
        port,
        &[
            ("Action", "PutUserPolicy"),
            ("UserName", "renku"),
            ("PolicyName", "everything"),
            (
                "PolicyDocument",
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
            ),
        ],
    );
    Credentials::S3 {
        access_key_id: xml_value(&key, "AccessKeyId"),
        secret_access_key: xml_value(&key, "SecretAccessKey"),
        session_token: None,
    }
}

/// Bucket names unique within the test binary (tests run in parallel on one server).
fn unique(name: &str) -> String {
    static N: Mutex<u32> = Mutex::new(0);
    let mut n = N.lock().unwrap_or_else(|p| p.into_inner());
    *n += 1;
    format!("{name}-{}-{n}", std::process::id())
}

fn s3_uri(f: &Fixture, bucket: &str) -> StorageUri {
    StorageUri::parse(&format!("s3://127.0.0.1:{}/{bucket}", f.server.port)).unwrap()
}

/// Creates a bucket with a signed `PUT /<bucket>`.
fn create_bucket(f: &Fixture, bucket: &str) -> StorageUri {
    let uri = s3_uri(f, bucket);
    let storage = s3::S3Storage::new(&uri, &f.credentials, &StorageOptions::default()).unwrap();
    storage.create_bucket_for_tests().unwrap();
    uri
}

// ---- Azurite (Azure Blob) ----

static AZURITE: OnceLock<Option<Fixture>> = OnceLock::new();

fn azurite_program() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("RENKU_TEST_AZURITE") {
        return Some(PathBuf::from(p));
    }
    on_path("azurite-blob").or_else(|| {
        let home = std::env::home_dir()?;
        let p = home.join(".cache/renku-azurite/node_modules/.bin/azurite-blob");
        p.is_file().then_some(p)
    })
}

fn azurite() -> Option<&'static Fixture> {
    let fixture = AZURITE.get_or_init(|| {
        let program = azurite_program()?;
        let port = free_port();
        let data = tempfile::tempdir().expect("temp dir");
        let server = start(
            &program,
            &[
                "--blobHost".into(),
                "127.0.0.1".into(),
                "--blobPort".into(),
                port.to_string(),
                "--location".into(),
                data.path().display().to_string(),
                "--silent".into(),
                "--disableTelemetry".into(),
                "--skipApiVersionCheck".into(),
            ],
            &[],
            port,
        );
        // The data directory lives as long as the server (which is never dropped).
        std::mem::forget(data);
        Some(Fixture {
            server,
            credentials: Credentials::AzureSharedKey {
                account_key: AZURITE_KEY.into(),
            },
        })
    });
    match fixture {
        Some(f) => Some(f),
        None => skip("azurite-blob (npm install azurite)"),
    }
}

fn azurite_options(f: &Fixture) -> StorageOptions {
    StorageOptions {
        azure_endpoint: Some(format!(
            "http://127.0.0.1:{}/{AZURITE_ACCOUNT}",
            f.server.port
        )),
        ..StorageOptions::default()
    }
}

fn create_container(f: &Fixture, name: &str) -> StorageUri {
    let uri = StorageUri::parse(&format!("azure://{AZURITE_ACCOUNT}/{name}")).unwrap();
    let storage = azure::AzureStorage::new(&uri, &f.credentials, &azurite_options(f)).unwrap();
    storage.create_container_for_tests().unwrap();
    uri
}

// ---- shared helpers ----

/// Deterministic pseudo-random bytes (xorshift), so big files do not compress or repeat.
fn bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn md5_hex(data: &[u8]) -> String {
    sigv4::hex(&Md5::digest(data))
}

fn write(dir: &Path, name: &str, data: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::File::create(&p).unwrap().write_all(data).unwrap();
    p
}

/// Counts the bytes a transfer reports.
#[derive(Default)]
struct Counter(std::sync::atomic::AtomicU64);

impl TransferProgress for Counter {
    fn advance(&self, bytes: u64) {
        self.0
            .fetch_add(bytes, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Uploads a few files (one of several MB, keys with spaces and non-ASCII), lists them with
/// sizes and MD5s, downloads them back and compares the bytes.
fn round_trip(storage: &dyn ObjectStorage, list_md5_of_big: bool) {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<(String, Vec<u8>)> = vec![
        ("data/small.txt".into(), b"hello cloud\n".to_vec()),
        ("data/sub dir/ünï côdé.csv".into(), b"a,b\n1,2\n".to_vec()),
        ("data/empty".into(), Vec::new()),
        ("data/big.bin".into(), bytes(6 * 1024 * 1024 + 123, 7)),
        ("other/outside.txt".into(), b"not under data/".to_vec()),
    ];
    for (key, data) in &files {
        let local = write(dir.path(), &format!("up/{key}"), data);
        let counter = std::sync::Arc::new(Counter::default());
        let info = storage
            .upload_with_progress(&local, key, counter.clone())
            .unwrap();
        assert_eq!(info.key, *key);
        assert_eq!(info.size, data.len() as u64);
        assert_eq!(info.md5.as_deref(), Some(md5_hex(data).as_str()), "{key}");
        assert_eq!(
            counter.0.load(std::sync::atomic::Ordering::Relaxed),
            data.len() as u64
        );
    }

    let listed = storage.list("data/").unwrap();
    let mut expected: Vec<&(String, Vec<u8>)> = files
        .iter()
        .filter(|(k, _)| k.starts_with("data/"))
        .collect();
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        listed.iter().map(|o| o.key.as_str()).collect::<Vec<_>>(),
        expected.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>()
    );
    for (object, (key, data)) in listed.iter().zip(&expected) {
        assert_eq!(object.size, data.len() as u64, "{key}");
        if list_md5_of_big || key != "data/big.bin" {
            assert_eq!(object.md5.as_deref(), Some(md5_hex(data).as_str()), "{key}");
        }
    }
    assert_eq!(storage.list("").unwrap().len(), files.len());
    assert!(storage.list("nothing/").unwrap().is_empty());

    let stat = storage.stat("data/small.txt").unwrap().unwrap();
    assert_eq!(stat.size, 12);
    assert_eq!(
        stat.md5.as_deref(),
        Some(md5_hex(b"hello cloud\n").as_str())
    );
    assert_eq!(storage.stat("data/missing").unwrap(), None);

    for (key, data) in &files {
        let local = dir.path().join("down").join(key);
        let info = storage.download(key, &local).unwrap();
        assert_eq!(std::fs::read(&local).unwrap(), *data, "{key}");
        assert_eq!(info.size, data.len() as u64);
        assert_eq!(info.md5.as_deref(), Some(md5_hex(data).as_str()));
    }
    // Nothing but the downloaded files is left in the destination.
    let mut names: Vec<String> = std::fs::read_dir(dir.path().join("down/data"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, vec!["big.bin", "empty", "small.txt", "sub dir"]);

    // Uploading again replaces the object.
    let local = write(dir.path(), "new.txt", b"replaced");
    storage.upload(&local, "data/small.txt").unwrap();
    let local = dir.path().join("down/data/small.txt");
    storage.download("data/small.txt", &local).unwrap();
    assert_eq!(std::fs::read(&local).unwrap(), b"replaced");
}

/// A missing object is an error, and neither a new nor an existing destination is touched.
fn missing_download(storage: &dyn ObjectStorage) {
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("sub/fresh.bin");
    let err = storage.download("no/such/key.bin", &fresh).unwrap_err();
    assert!(
        matches!(err, StorageError::ObjectNotFound { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("no/such/key.bin"), "{err}");
    assert!(!fresh.exists());
    let existing = write(dir.path(), "existing.bin", b"keep me");
    storage.download("no/such/key.bin", &existing).unwrap_err();
    assert_eq!(std::fs::read(&existing).unwrap(), b"keep me");
    let leftovers: Vec<_> = walk(dir.path());
    assert_eq!(leftovers, vec![existing], "no temporary file is left");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn paged_listing(storage: &dyn ObjectStorage) {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..5 {
        let local = write(dir.path(), &format!("f{i}"), format!("file {i}").as_bytes());
        storage.upload(&local, &format!("pages/f{i}.txt")).unwrap();
    }
    let listed = storage.list("pages/").unwrap();
    assert_eq!(
        listed.iter().map(|o| o.key.as_str()).collect::<Vec<_>>(),
        vec![
            "pages/f0.txt",
            "pages/f1.txt",
            "pages/f2.txt",
            "pages/f3.txt",
            "pages/f4.txt"
        ]
    );
    assert!(listed.iter().all(|o| o.size == 6));
}

// ---- S3 tests ----

#[test]
fn s3_bucket_exists_and_missing_bucket() {
    let Some(f) = moto_auth() else { return };
    let uri = create_bucket(f, &unique("exists"));
    let storage = open_with(&uri, &f.credentials, &StorageOptions::default()).unwrap();
    assert!(storage.bucket_exists().unwrap());
    storage.ensure_bucket().unwrap();

    let missing = s3_uri(f, &unique("missing"));
    let storage = open_with(&missing, &f.credentials, &StorageOptions::default()).unwrap();
    assert!(!storage.bucket_exists().unwrap());
    let err = storage.ensure_bucket().unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("S3 bucket '{}' doesn't exist.", missing.bucket())
    );
    // Listing a missing bucket says so too.
    let err = storage.list("").unwrap_err();
    assert!(
        matches!(err, StorageError::BucketNotFound { .. }),
        "{err:?}"
    );
}

#[test]
fn s3_signed_requests_pass_verification() {
    let Some(f) = moto_auth() else { return };
    let uri = create_bucket(f, &unique("signed"));
    let storage = open_with(&uri, &f.credentials, &StorageOptions::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let big = bytes(3 * 1024 * 1024 + 5, 11);
    let small = b"small".to_vec();
    storage
        .upload(&write(dir.path(), "big", &big), "big.bin")
        .unwrap();
    storage
        .upload(&write(dir.path(), "small", &small), "small.txt")
        .unwrap();
    let listed = storage.list("").unwrap();
    assert_eq!(
        listed,
        vec![
            ObjectInfo {
                key: "big.bin".into(),
                size: big.len() as u64,
                md5: Some(md5_hex(&big)),
            },
            ObjectInfo {
                key: "small.txt".into(),
                size: 5,
                md5: Some(md5_hex(&small)),
            },
        ]
    );
    assert_eq!(storage.list("sma").unwrap().len(), 1);
    assert_eq!(storage.stat("small.txt").unwrap().unwrap().size, 5);
    let down = dir.path().join("down/big.bin");
    storage.download("big.bin", &down).unwrap();
    assert!(std::fs::read(&down).unwrap() == big);
    missing_download(&*storage);
}

#[test]
fn s3_upload_list_download_round_trip() {
    let Some(f) = moto_open() else { return };
    let uri = create_bucket(f, &unique("roundtrip"));
    let storage = open_with(&uri, &f.credentials, &StorageOptions::default()).unwrap();
    round_trip(&*storage, true);
}

#[test]
fn s3_large_files_upload_in_parts() {
    let Some(f) = moto_open() else { return };
    let uri = create_bucket(f, &unique("multipart"));
    let options = StorageOptions {
        multipart_threshold: 5 * 1024 * 1024,
        part_size: 5 * 1024 * 1024,
        ..StorageOptions::default()
    };
    let storage = open_with(&uri, &f.credentials, &options).unwrap();
    // The 6 MB file of the round trip goes up in two parts.
    round_trip(&*storage, false);
    // Three parts (5 + 5 + 1 MiB and a few bytes).
    let dir = tempfile::tempdir().unwrap();
    let data = bytes(11 * 1024 * 1024 + 123, 3);
    let local = write(dir.path(), "parts.bin", &data);
    let info = storage.upload(&local, "parts.bin").unwrap();
    assert_eq!(info.md5.as_deref(), Some(md5_hex(&data).as_str()));
    let listed = storage.list("parts.bin").unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].size, data.len() as u64);
    assert_eq!(listed[0].md5, None, "a multipart ETag is not an MD5");
    let down = dir.path().join("down.bin");
    storage.download("parts.bin", &down).unwrap();
    assert!(std::fs::read(&down).unwrap() == data);
}

#[test]
fn s3_download_of_missing_key_leaves_no_file() {
    let Some(f) = moto_open() else { return };
    let uri = create_bucket(f, &unique("missingkey"));
    let storage = open_with(&uri, &f.credentials, &StorageOptions::default()).unwrap();
    missing_download(&*storage);
    // A missing bucket is reported as such.
    let other = open_with(
        &s3_uri(f, &unique("nobucket")),
        &f.credentials,
        &StorageOptions::default(),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("k");
    let err = other.download("k", &dest).unwrap_err();
    assert!(
        matches!(err, StorageError::BucketNotFound { .. }),
        "{err:?}"
    );
    assert!(!dest.exists());
}

#[test]
fn s3_listing_follows_continuation_tokens() {
    let Some(f) = moto_open() else { return };
    let uri = create_bucket(f, &unique("pages"));
    let options = StorageOptions {
        list_page_size: Some(2),
        ..StorageOptions::default()
    };
    let storage = open_with(&uri, &f.credentials, &options).unwrap();
    paged_listing(&*storage);
}

#[test]
fn s3_bad_credentials_are_auth_errors() {
    let Some(f) = moto_auth() else { return };
    let uri = create_bucket(f, &unique("auth"));
    let Credentials::S3 { access_key_id, .. } = &f.credentials else {
        unreachable!()
    };
    let wrong_secret = Credentials::S3 {
        access_key_id: access_key_id.clone(),
        secret_access_key: "wrong".into(),
        session_token: None,
    };
    let unknown_key = Credentials::S3 {
        access_key_id: "AKIAUNKNOWNUNKNOWN00".into(),
        secret_access_key: "wrong".into(),
        session_token: None,
    };
    let dir = tempfile::tempdir().unwrap();
    let local = write(dir.path(), "f.txt", b"x");
    // (Unsigned requests make moto fail with a 500, so anonymous access is not tried here.)
    for credentials in [wrong_secret, unknown_key] {
        let storage = open_with(&uri, &credentials, &StorageOptions::default()).unwrap();
        let err = storage.bucket_exists().unwrap_err();
        assert!(
            matches!(err, StorageError::Auth { .. }),
            "{credentials:?}: {err:?}"
        );
        assert!(err.to_string().contains("AWS_ACCESS_KEY_ID"), "{err}");
        let err = storage.list("").unwrap_err();
        assert!(matches!(err, StorageError::Auth { .. }), "{err:?}");
        assert!(
            err.to_string().contains("Access to 's3://127.0.0.1:"),
            "{err}"
        );
        let err = storage.upload(&local, "f.txt").unwrap_err();
        assert!(matches!(err, StorageError::Auth { .. }), "{err:?}");
        let dest = dir.path().join("down.txt");
        let err = storage.download("f.txt", &dest).unwrap_err();
        assert!(matches!(err, StorageError::Auth { .. }), "{err:?}");
        assert!(!dest.exists());
    }
}

#[test]
fn s3_unreachable_endpoint_is_a_network_error() {
    // A port nothing listens on (no server needed).
    let port = free_port();
    let uri = StorageUri::parse(&format!("s3://127.0.0.1:{port}/bucket")).unwrap();
    let storage = open(&uri, &Credentials::Anonymous).unwrap();
    let err = storage.bucket_exists().unwrap_err();
    assert!(matches!(err, StorageError::Network { .. }), "{err:?}");
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
}

// ---- Azure tests ----

#[test]
fn azure_container_exists_and_missing_container() {
    let Some(f) = azurite() else { return };
    let uri = create_container(f, &unique("exists"));
    let storage = open_with(&uri, &f.credentials, &azurite_options(f)).unwrap();
    assert!(storage.bucket_exists().unwrap());
    let missing =
        StorageUri::parse(&format!("azure://{AZURITE_ACCOUNT}/{}", unique("missing"))).unwrap();
    let storage = open_with(&missing, &f.credentials, &azurite_options(f)).unwrap();
    assert!(!storage.bucket_exists().unwrap());
    let err = storage.ensure_bucket().unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("Azure container '{}' doesn't exist.", missing.bucket())
    );
    let err = storage.list("").unwrap_err();
    assert!(
        matches!(err, StorageError::BucketNotFound { .. }),
        "{err:?}"
    );
}

#[test]
fn azure_upload_list_download_round_trip() {
    let Some(f) = azurite() else { return };
    let uri = create_container(f, &unique("roundtrip"));
    let storage = open_with(&uri, &f.credentials, &azurite_options(f)).unwrap();
    round_trip(&*storage, true);
}

#[test]
fn azure_large_files_upload_as_blocks_with_their_md5() {
    let Some(f) = azurite() else { return };
    let uri = create_container(f, &unique("blocks"));
    let options = StorageOptions {
        multipart_threshold: 1024 * 1024,
        part_size: 1024 * 1024,
        ..azurite_options(f)
    };
    let storage = open_with(&uri, &f.credentials, &options).unwrap();
    // The 6 MB file goes up in 7 blocks; its MD5 is recorded with the block list.
    round_trip(&*storage, true);
}

#[test]
fn azure_download_of_missing_blob_leaves_no_file() {
    let Some(f) = azurite() else { return };
    let uri = create_container(f, &unique("missingblob"));
    let storage = open_with(&uri, &f.credentials, &azurite_options(f)).unwrap();
    missing_download(&*storage);
}

#[test]
fn azure_listing_follows_markers() {
    let Some(f) = azurite() else { return };
    let uri = create_container(f, &unique("pages"));
    let options = StorageOptions {
        list_page_size: Some(2),
        ..azurite_options(f)
    };
    let storage = open_with(&uri, &f.credentials, &options).unwrap();
    paged_listing(&*storage);
}

#[test]
fn azure_bad_key_is_an_auth_error() {
    let Some(f) = azurite() else { return };
    let uri = create_container(f, &unique("auth"));
    // A valid base64 key that is not the account's, and no key at all.
    let wrong = Credentials::AzureSharedKey {
        account_key: "d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXk=".into(),
    };
    let dir = tempfile::tempdir().unwrap();
    let local = write(dir.path(), "f.txt", b"x");
    for credentials in [wrong, Credentials::Anonymous] {
        let storage = open_with(&uri, &credentials, &azurite_options(f)).unwrap();
        let err = storage.bucket_exists().unwrap_err();
        assert!(
            matches!(err, StorageError::Auth { .. }),
            "{credentials:?}: {err:?}"
        );
        assert!(
            err.to_string().contains("AZURE_STORAGE_ACCOUNT_KEY"),
            "{err}"
        );
        let err = storage.upload(&local, "f.txt").unwrap_err();
        assert!(matches!(err, StorageError::Auth { .. }), "{err:?}");
        let err = storage.list("").unwrap_err();
        assert!(matches!(err, StorageError::Auth { .. }), "{err:?}");
        let dest = dir.path().join("down.txt");
        let err = storage.download("f.txt", &dest).unwrap_err();
        assert!(matches!(err, StorageError::Auth { .. }), "{err:?}");
        assert!(!dest.exists());
    }
}
