//! Local S3 and Azure Blob servers for tests: moto in server mode (one with IAM
//! authentication switched on, so every signature is verified, and one accepting any
//! signature) and Azurite. Each server is started once per test process on a free loopback
//! port; a shell wrapper stops it when the process exits (its stdin pipe closes).
//!
//! Without `moto_server` / `azurite-blob` the fixture functions print a notice and return
//! `None` (the caller skips its test), unless `RENKU_TEST_REQUIRE_CLOUD=1`, which makes them
//! panic. Compiled for the crate's own tests and with the `test-support` feature (the
//! end-to-end tests of the command-line interface use it).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use super::{Credentials, StorageOptions, StorageUri, azure, s3, sigv4};

/// The well-known key of Azurite's `devstoreaccount1`.
pub const AZURITE_KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
/// The account name of Azurite.
pub const AZURITE_ACCOUNT: &str = "devstoreaccount1";

/// Whether `RENKU_TEST_REQUIRE_CLOUD=1` demands the servers (missing ones fail the tests).
pub fn require_cloud() -> bool {
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

/// A loopback port that was free a moment ago.
pub fn free_port() -> u16 {
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
pub struct Fixture {
    server: Server,
    /// Credentials the server accepts.
    pub credentials: Credentials,
}

impl Fixture {
    /// The loopback port the server listens on.
    pub fn port(&self) -> u16 {
        self.server.port
    }
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
pub fn moto_auth() -> Option<&'static Fixture> {
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
pub fn moto_open() -> Option<&'static Fixture> {
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
pub fn unique(name: &str) -> String {
    static N: Mutex<u32> = Mutex::new(0);
    let mut n = N.lock().unwrap_or_else(|p| p.into_inner());
    *n += 1;
    format!("{name}-{}-{n}", std::process::id())
}

/// The URI of `bucket` on the moto server of `f`.
pub fn s3_uri(f: &Fixture, bucket: &str) -> StorageUri {
    StorageUri::parse(&format!("s3://127.0.0.1:{}/{bucket}", f.port())).unwrap()
}

/// Creates a bucket with a signed `PUT /<bucket>`.
pub fn create_bucket(f: &Fixture, bucket: &str) -> StorageUri {
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

/// Azurite's Blob service, started on first use (`None`: not installed, the test is skipped).
pub fn azurite() -> Option<&'static Fixture> {
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

/// Storage options that send Azure requests to the Azurite server of `f`.
pub fn azurite_options(f: &Fixture) -> StorageOptions {
    StorageOptions {
        azure_endpoint: Some(azurite_endpoint(f)),
        ..StorageOptions::default()
    }
}

/// The Blob service URL of Azurite's account (the value for `RENKU_AZURE_BLOB_ENDPOINT`).
pub fn azurite_endpoint(f: &Fixture) -> String {
    format!("http://127.0.0.1:{}/{AZURITE_ACCOUNT}", f.port())
}

/// Creates the container `name` on the Azurite server of `f`.
pub fn create_container(f: &Fixture, name: &str) -> StorageUri {
    let uri = StorageUri::parse(&format!("azure://{AZURITE_ACCOUNT}/{name}")).unwrap();
    let storage = azure::AzureStorage::new(&uri, &f.credentials, &azurite_options(f)).unwrap();
    storage.create_container_for_tests().unwrap();
    uri
}

// ---- shared helpers ----
