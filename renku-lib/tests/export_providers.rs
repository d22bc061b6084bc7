//! The Zenodo and Dataverse deposit clients against a local HTTP server that implements the
//! documented deposit endpoints, answering with the response bodies of the public API
//! documentation (`tests/fixtures/export/`).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use renku_lib::dataset_export::{
    Destination, ExportError, ExportFile, ExportMetadata, ExportProgress, ExportRequest,
    GlobalConfigFile, NoPrompt, TokenPrompt, export,
};
use renku_lib::model::person::Person;
use serde_json::{Value, json};

const ZENODO_CREATE: &str =
    include_str!("../../tests/fixtures/export/zenodo/create-deposition.json");
const ZENODO_UPLOAD: &str = include_str!("../../tests/fixtures/export/zenodo/upload-file.json");
const ZENODO_PUBLISH: &str = include_str!("../../tests/fixtures/export/zenodo/publish.json");
const ZENODO_401: &str = include_str!("../../tests/fixtures/export/zenodo/error-401.json");
const ZENODO_400: &str = include_str!("../../tests/fixtures/export/zenodo/error-400.json");
const DV_CREATE: &str = include_str!("../../tests/fixtures/export/dataverse/create-dataset.json");
const DV_ADD: &str = include_str!("../../tests/fixtures/export/dataverse/add-file.json");
const DV_PUBLISH: &str = include_str!("../../tests/fixtures/export/dataverse/publish.json");
const DV_401: &str = include_str!("../../tests/fixtures/export/dataverse/error-401.json");
const DV_404: &str = include_str!("../../tests/fixtures/export/dataverse/error-404.json");

const BUCKET_PATH: &str = "/api/files/568377dd-daf8-4235-85e1-a56011ad454b";
const DV_PID: &str = "doi:10.5072/FK2/J8SJZB";

// ---------------------------------------------------------------------------------------------
// The test server.

/// One request the server received.
#[derive(Debug, Clone)]
struct Received {
    method: String,
    /// Path without the query.
    path: String,
    /// Decoded query parameters.
    query: HashMap<String, String>,
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON request body")
    }
}

type Handler = dyn Fn(&Received, &str) -> (u16, String) + Send + Sync;

struct TestServer {
    base: String,
    received: Arc<Mutex<Vec<Received>>>,
    server: Arc<tiny_http::Server>,
    thread: Option<JoinHandle<()>>,
}

impl TestServer {
    /// Starts a server on 127.0.0.1 that answers every request with `handler(request, base)`.
    fn start(handler: impl Fn(&Received, &str) -> (u16, String) + Send + Sync + 'static) -> Self {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind"));
        let port = server.server_addr().to_ip().expect("an IP address").port();
        let base = format!("http://127.0.0.1:{port}");
        let received = Arc::new(Mutex::new(Vec::new()));
        let handler: Box<Handler> = Box::new(handler);
        let thread = {
            let server = server.clone();
            let received = received.clone();
            let base = base.clone();
            std::thread::spawn(move || {
                for mut request in server.incoming_requests() {
                    let mut body = Vec::new();
                    let _ = request.as_reader().read_to_end(&mut body);
                    let (path, query) = match request.url().split_once('?') {
                        Some((p, q)) => (p.to_string(), q.to_string()),
                        None => (request.url().to_string(), String::new()),
                    };
                    let query = query
                        .split('&')
                        .filter(|kv| !kv.is_empty())
                        .map(|kv| {
                            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                            (decode(k), decode(v))
                        })
                        .collect();
                    let headers = request
                        .headers()
                        .iter()
                        .map(|h| {
                            (
                                h.field.as_str().as_str().to_ascii_lowercase(),
                                h.value.as_str().to_string(),
                            )
                        })
                        .collect();
                    let rec = Received {
                        method: request.method().as_str().to_string(),
                        path,
                        query,
                        headers,
                        body,
                    };
                    let (status, text) = handler(&rec, &base);
                    received.lock().unwrap().push(rec);
                    let response = tiny_http::Response::from_string(text)
                        .with_status_code(status)
                        .with_header(
                            "Content-Type: application/json"
                                .parse::<tiny_http::Header>()
                                .unwrap(),
                        );
                    let _ = request.respond(response);
                }
            })
        };
        TestServer {
            base,
            received,
            server,
            thread: Some(thread),
        }
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// `METHOD /path` of every request, in order.
    fn calls(&self) -> Vec<String> {
        self.received()
            .iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn decode(s: &str) -> String {
    percent_decode(&s.replace('+', " "))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

/// A documented response body with its `https://zenodo.org` links pointing at the test server.
fn zenodo_fixture(text: &str, base: &str) -> String {
    text.replace("https://zenodo.org", base)
}

/// The parts of a multipart/form-data body: name → (filename, content).
fn multipart(rec: &Received) -> HashMap<String, (Option<String>, Vec<u8>)> {
    let content_type = rec.header("content-type").expect("a content type");
    let boundary = content_type
        .split("boundary=")
        .nth(1)
        .expect("a boundary")
        .trim_matches('"');
    let delimiter = format!("--{boundary}");
    let body = &rec.body;
    let mut parts = HashMap::new();
    let positions: Vec<usize> = find_all(body, delimiter.as_bytes());
    for pair in positions.windows(2) {
        let part = &body[pair[0] + delimiter.len()..pair[1]];
        let part = part.strip_prefix(b"\r\n").unwrap_or(part);
        let part = part.strip_suffix(b"\r\n").unwrap_or(part);
        let split = find_all(part, b"\r\n\r\n")[0];
        let head = String::from_utf8_lossy(&part[..split]).to_string();
        let content = part[split + 4..].to_vec();
        let disposition = head
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition"))
            .unwrap()
            .to_string();
        let attr = |name: &str| {
            disposition
                .split(';')
                .map(str::trim)
                .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
                .map(|v| v.trim_matches('"').to_string())
        };
        parts.insert(attr("name").unwrap(), (attr("filename"), content));
    }
    parts
}

fn find_all(haystack: &[u8], needle: &[u8]) -> Vec<usize> {
    haystack
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Inputs.

struct Fixture {
    dir: tempfile::TempDir,
    config: GlobalConfigFile,
}

impl Fixture {
    fn new(config_text: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("home/.renku/renku.ini");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        if !config_text.is_empty() {
            std::fs::write(&path, config_text).unwrap();
        }
        Fixture {
            config: GlobalConfigFile::at(path),
            dir,
        }
    }

    fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.dir.path().join("data").join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn config_text(&self) -> String {
        std::fs::read_to_string(self.config.path()).unwrap_or_default()
    }
}

/// Binary content with bytes that could confuse a multipart parser or a text decoder.
fn binary_content() -> Vec<u8> {
    let mut bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    bytes.extend_from_slice(b"\r\n--not-a-boundary\r\n\0end");
    bytes
}

fn request(fixture: &Fixture, publish: bool) -> (ExportRequest, Vec<u8>) {
    let big = binary_content();
    let a = fixture.file("a.bin", &big);
    let b = fixture.file("sub/b c.txt", b"second file\n");
    let request = ExportRequest {
        metadata: ExportMetadata {
            name: "Weather data".into(),
            description: Some("Daily temperatures".into()),
            creators: vec![
                Person::new(
                    "Jane Doe",
                    Some("jane@example.org".into()),
                    Some("SDSC".into()),
                ),
                Person::new("John Roe", None, None),
            ],
            keywords: vec!["weather".into(), "climate".into()],
            version: Some("v1.0".into()),
            license: Some("https://creativecommons.org/licenses/by/4.0/".into()),
            date_published: None,
            date_created: chrono::DateTime::parse_from_rfc3339("2024-02-29T12:00:00+00:00").ok(),
        },
        files: vec![
            ExportFile {
                name: "a.bin".into(),
                source: a,
            },
            ExportFile {
                name: "sub/b c.txt".into(),
                source: b,
            },
        ],
        publish,
    };
    (request, big)
}

#[derive(Default)]
struct Recorder(Mutex<Vec<String>>, Mutex<HashMap<String, u64>>);

impl ExportProgress for Recorder {
    fn file_started(&self, name: &str, size: u64) {
        self.0.lock().unwrap().push(format!("start {name} {size}"));
    }
    fn bytes(&self, name: &str, bytes: u64) {
        *self.1.lock().unwrap().entry(name.to_string()).or_default() += bytes;
    }
    fn file_done(&self, name: &str) {
        self.0.lock().unwrap().push(format!("done {name}"));
    }
}

struct Answer(&'static str, Mutex<Vec<String>>);

impl TokenPrompt for Answer {
    fn ask_token(&self, message: &str) -> renku_lib::Result<String> {
        self.1.lock().unwrap().push(message.to_string());
        Ok(self.0.to_string())
    }
}

fn zenodo(base: &str) -> Destination {
    Destination::Zenodo {
        base_url: Some(base.to_string()),
    }
}

fn export_error(err: &renku_lib::Error) -> &ExportError {
    match err {
        renku_lib::Error::Export(e) => e,
        other => panic!("not an export error: {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Zenodo.

/// Answers the documented Zenodo deposit routes.
fn zenodo_routes(rec: &Received, base: &str) -> (u16, String) {
    let upload_prefix = format!("{BUCKET_PATH}/");
    match (rec.method.as_str(), rec.path.as_str()) {
        ("POST", "/api/deposit/depositions") => (201, zenodo_fixture(ZENODO_CREATE, base)),
        ("PUT", "/api/deposit/depositions/542201") => (200, zenodo_fixture(ZENODO_CREATE, base)),
        ("PUT", p) if p.starts_with(&upload_prefix) => (201, ZENODO_UPLOAD.to_string()),
        ("POST", "/api/deposit/depositions/542201/actions/publish") => {
            (202, zenodo_fixture(ZENODO_PUBLISH, base))
        }
        ("DELETE", "/api/deposit/depositions/542201") => (204, String::new()),
        _ => (404, r#"{"message": "Not found", "status": 404}"#.into()),
    }
}

#[test]
fn zenodo_full_flow_creates_uploads_sets_metadata_and_publishes() {
    let server = TestServer::start(zenodo_routes);
    let fixture = Fixture::new("[zenodo]\naccess_token = tok-123\n");
    let (request, big) = request(&fixture, true);
    let progress = Arc::new(Recorder::default());
    let exported = export(
        &zenodo(&server.base),
        &request,
        &fixture.config,
        &NoPrompt,
        progress.clone(),
    )
    .unwrap();

    assert_eq!(exported.url, format!("{}/record/542201", server.base));
    assert_eq!(exported.doi.as_deref(), Some("10.5072/zenodo.542201"));
    assert!(exported.published);
    assert_eq!(
        server.calls(),
        [
            "POST /api/deposit/depositions".to_string(),
            "PUT /api/deposit/depositions/542201".into(),
            format!("PUT {BUCKET_PATH}/a.bin"),
            format!("PUT {BUCKET_PATH}/sub/b%20c.txt"),
            "POST /api/deposit/depositions/542201/actions/publish".into(),
        ]
    );
    let received = server.received();
    for rec in &received {
        assert_eq!(rec.header("authorization"), Some("Bearer tok-123"));
        assert!(rec.query.is_empty(), "no token in the URL: {:?}", rec.query);
    }
    assert_eq!(received[0].json(), json!({}));
    assert_eq!(received[0].header("content-type"), Some("application/json"));
    assert_eq!(
        received[1].json(),
        json!({"metadata": {
            "title": "Weather data",
            "upload_type": "dataset",
            "description": "Daily temperatures",
            "creators": [
                {"name": "Jane Doe", "affiliation": "SDSC"},
                {"name": "John Roe"}
            ],
            "keywords": ["weather", "climate"],
            "version": "v1.0",
            "license": "cc-by-4.0",
            "publication_date": "2024-02-29"
        }})
    );
    assert_eq!(received[2].body, big, "the exact bytes of a.bin");
    assert_eq!(
        received[2].header("content-length"),
        Some(big.len().to_string().as_str())
    );
    assert_eq!(received[3].body, b"second file\n");
    assert!(received[4].body.is_empty());

    assert_eq!(
        *progress.0.lock().unwrap(),
        [
            format!("start a.bin {}", big.len()),
            "done a.bin".into(),
            "start sub/b c.txt 12".into(),
            "done sub/b c.txt".into(),
        ]
    );
    assert_eq!(progress.1.lock().unwrap()["a.bin"], big.len() as u64);
    assert_eq!(progress.1.lock().unwrap()["sub/b c.txt"], 12);
}

#[test]
fn zenodo_draft_without_publish_and_token_prompted_then_stored_globally() {
    let server = TestServer::start(zenodo_routes);
    let fixture = Fixture::new("[renku]\nlfs_threshold = 1mb\n");
    let (request, _) = request(&fixture, false);
    let prompt = Answer("fresh-token", Mutex::new(Vec::new()));
    let exported = export(
        &zenodo(&server.base),
        &request,
        &fixture.config,
        &prompt,
        Arc::new(renku_lib::dataset_export::NoProgress),
    )
    .unwrap();
    assert_eq!(exported.url, format!("{}/deposit/542201", server.base));
    assert_eq!(exported.doi.as_deref(), Some("10.5072/zenodo.542201"));
    assert!(!exported.published);
    assert!(
        !server.calls().iter().any(|c| c.contains("publish")),
        "{:?}",
        server.calls()
    );
    assert_eq!(
        *prompt.1.lock().unwrap(),
        [format!(
            "You must configure an access token\nCreate one at: {}/account/settings/applications/tokens/new/\nAccess token",
            server.base
        )]
    );
    assert_eq!(
        fixture.config_text(),
        "[renku]\nlfs_threshold = 1mb\n\n[zenodo]\naccess_token = fresh-token\n\n"
    );
    assert_eq!(
        server.received()[0].header("authorization"),
        Some("Bearer fresh-token")
    );
}

#[test]
fn zenodo_rejected_token_is_removed_from_the_global_config() {
    let server = TestServer::start(|_, _| (401, ZENODO_401.to_string()));
    let fixture =
        Fixture::new("[zenodo]\naccess_token = bad\n\n[dataverse]\naccess_token = keep\n");
    let (request, _) = request(&fixture, true);
    let err = export(
        &zenodo(&server.base),
        &request,
        &fixture.config,
        &NoPrompt,
        Arc::new(renku_lib::dataset_export::NoProgress),
    )
    .unwrap_err();
    match export_error(&err) {
        ExportError::InvalidToken {
            status, removed, ..
        } => {
            assert_eq!(*status, 401);
            assert!(removed);
        }
        other => panic!("unexpected {other:?}"),
    }
    let text = err.to_string();
    assert!(
        text.contains("Zenodo rejected the access token (HTTP 401"),
        "{text}"
    );
    assert!(
        text.contains("The server could not verify that you are authorized"),
        "{text}"
    );
    assert!(
        text.contains("removed from the global configuration (zenodo.access_token)"),
        "{text}"
    );
    assert!(
        text.contains("/account/settings/applications/tokens/new/"),
        "{text}"
    );
    assert_eq!(
        fixture.config_text(),
        "[dataverse]\naccess_token = keep\n\n"
    );
    // Nothing was created, so nothing to delete.
    assert_eq!(server.calls(), ["POST /api/deposit/depositions"]);
}

#[test]
fn zenodo_server_error_and_validation_error_are_reported_with_url_and_message() {
    let server = TestServer::start(|_, _| (500, "<html>Internal Server Error</html>".into()));
    let fixture = Fixture::new("[zenodo]\naccess_token = t\n");
    let (request, _) = request(&fixture, false);
    let err = export(
        &zenodo(&server.base),
        &request,
        &fixture.config,
        &NoPrompt,
        Arc::new(renku_lib::dataset_export::NoProgress),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "Zenodo answered HTTP 500 for POST {}/api/deposit/depositions: Internal Server Error",
            server.base
        )
    );
    assert_eq!(err.exit_code(), renku_lib::error::ExitCode::Failure);
    // The token stays: the server failed, not the token.
    assert!(fixture.config_text().contains("access_token = t"));

    // A documented validation error on the metadata: its details reach the user, and the
    // draft made before is deleted.
    let server = TestServer::start(|rec, base| {
        if rec.method == "PUT" && rec.path == "/api/deposit/depositions/542201" {
            (400, ZENODO_400.to_string())
        } else {
            zenodo_routes(rec, base)
        }
    });
    let err = export(
        &zenodo(&server.base),
        &request,
        &fixture.config,
        &NoPrompt,
        Arc::new(renku_lib::dataset_export::NoProgress),
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("HTTP 400 for PUT")
            && text.contains("Validation error (access_right: Not a valid choice)"),
        "{text}"
    );
    assert!(text.contains(&format!(
        "The unfinished draft {}/deposit/542201 was deleted",
        server.base
    )));
    assert_eq!(
        server.calls(),
        [
            "POST /api/deposit/depositions",
            "PUT /api/deposit/depositions/542201",
            "DELETE /api/deposit/depositions/542201"
        ]
    );
}

#[test]
fn zenodo_garbage_json_is_a_clear_error() {
    let server = TestServer::start(|_, _| (201, "{\"id\": 5, oops".into()));
    let fixture = Fixture::new("[zenodo]\naccess_token = t\n");
    let (request, _) = request(&fixture, false);
    let err = export(
        &zenodo(&server.base),
        &request,
        &fixture.config,
        &NoPrompt,
        Arc::new(renku_lib::dataset_export::NoProgress),
    )
    .unwrap_err();
    assert!(matches!(
        export_error(&err),
        ExportError::BadResponse { .. }
    ));
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "Unexpected answer from Zenodo at {}/api/deposit/depositions: the answer is not JSON",
            server.base
        )),
        "{text}"
    );
    assert!(text.contains("{\"id\": 5, oops"), "{text}");
}

#[test]
fn zenodo_deposition_without_bucket_is_deleted() {
    let server = TestServer::start(|rec, base| {
        if rec.method == "POST" {
            let mut v: Value = serde_json::from_str(&zenodo_fixture(ZENODO_CREATE, base)).unwrap();
            v["links"].as_object_mut().unwrap().remove("bucket");
            (201, v.to_string())
        } else {
            zenodo_routes(rec, base)
        }
    });
    let fixture = Fixture::new("[zenodo]\naccess_token = t\n");
    let (request, _) = request(&fixture, false);
    let err = export(
        &zenodo(&server.base),
        &request,
        &fixture.config,
        &NoPrompt,
        Arc::new(renku_lib::dataset_export::NoProgress),
    )
    .unwrap_err();
    assert!(err.to_string().contains("has no 'links.bucket'"), "{err}");
    assert_eq!(
        server.calls(),
        [
            "POST /api/deposit/depositions",
            "DELETE /api/deposit/depositions/542201"
        ]
    );
}

#[test]
fn zenodo_failing_upload_deletes_the_draft() {
    let server = TestServer::start(|rec, base| {
        if rec.method == "PUT" && rec.path.ends_with("/sub/b%20c.txt") {
            (
                500,
                r#"{"message": "Storage backend unavailable", "status": 500}"#.into(),
            )
        } else {
            zenodo_routes(rec, base)
        }
    });
    let fixture = Fixture::new("[zenodo]\naccess_token = t\n");
    let (request, _) = request(&fixture, true);
    let err = export(
        &zenodo(&server.base),
        &request,
        &fixture.config,
        &NoPrompt,
        Arc::new(renku_lib::dataset_export::NoProgress),
    )
    .unwrap_err();
    match export_error(&err) {
        ExportError::Incomplete {
            draft_url, deleted, ..
        } => {
            assert_eq!(*draft_url, format!("{}/deposit/542201", server.base));
            assert!(deleted);
        }
        other => panic!("unexpected {other:?}"),
    }
    let text = err.to_string();
    assert!(
        text.contains(&format!(
            "HTTP 500 for PUT {}{BUCKET_PATH}/sub/b%20c.txt: Storage backend unavailable",
            server.base
        )),
        "{text}"
    );
    assert!(text.contains("was deleted from the server"), "{text}");
    let calls = server.calls();
    assert_eq!(
        calls.last().unwrap(),
        "DELETE /api/deposit/depositions/542201"
    );
    assert!(!calls.iter().any(|c| c.contains("publish")));
}

#[test]
fn zenodo_draft_that_cannot_be_deleted_is_named() {
    let server = TestServer::start(|rec, base| match rec.method.as_str() {
        "PUT" if rec.path.starts_with(BUCKET_PATH) => (500, String::new()),
        "DELETE" => (500, String::new()),
        _ => zenodo_routes(rec, base),
    });
    let fixture = Fixture::new("[zenodo]\naccess_token = t\n");
    let (request, _) = request(&fixture, false);
    let err = export(
        &zenodo(&server.base),
        &request,
        &fixture.config,
        &NoPrompt,
        Arc::new(renku_lib::dataset_export::NoProgress),
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains(&format!(
            "An unfinished draft was left on the server: {}/deposit/542201",
            server.base
        )),
        "{text}"
    );
}

#[test]
fn zenodo_missing_source_file_is_named_and_the_draft_deleted() {
    let server = TestServer::start(zenodo_routes);
    let fixture = Fixture::new("[zenodo]\naccess_token = t\n");
    let (mut request, _) = request(&fixture, false);
    let missing = fixture.dir.path().join("data/gone.csv");
    request.files[1].source = missing.clone();
    let err = export(
        &zenodo(&server.base),
        &request,
        &fixture.config,
        &NoPrompt,
        Arc::new(renku_lib::dataset_export::NoProgress),
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with(&format!("Cannot read {}", missing.display())),
        "{text}"
    );
    assert_eq!(
        server.calls().last().unwrap(),
        "DELETE /api/deposit/depositions/542201"
    );
}

#[test]
fn unreachable_server_is_a_network_error_naming_the_url() {
    // A port that was just free: nothing listens there.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let base = format!("http://127.0.0.1:{port}");
    let fixture = Fixture::new("[zenodo]\naccess_token = t\n");
    let (request, _) = request(&fixture, false);
    let err = export(
        &zenodo(&base),
        &request,
        &fixture.config,
        &NoPrompt,
        Arc::new(renku_lib::dataset_export::NoProgress),
    )
    .unwrap_err();
    assert!(matches!(export_error(&err), ExportError::Network { .. }));
    assert!(
        err.to_string().starts_with(&format!(
            "Cannot reach Zenodo at {base}/api/deposit/depositions: "
        )),
        "{err}"
    );
    assert!(fixture.config_text().contains("access_token = t"));
}

// ---------------------------------------------------------------------------------------------
// Dataverse.

fn dataverse_routes(rec: &Received, _base: &str) -> (u16, String) {
    let pid_ok = rec.query.get("persistentId").map(String::as_str) == Some(DV_PID);
    match (rec.method.as_str(), rec.path.as_str()) {
        ("POST", "/api/dataverses/my-collection/datasets") => (201, DV_CREATE.into()),
        ("POST", p) if p.starts_with("/api/dataverses/") => (404, DV_404.into()),
        ("POST", "/api/datasets/:persistentId/add") if pid_ok => (200, DV_ADD.into()),
        ("POST", "/api/datasets/:persistentId/actions/:publish") if pid_ok => {
            (200, DV_PUBLISH.into())
        }
        ("DELETE", "/api/datasets/:persistentId/versions/:draft") if pid_ok => (
            200,
            r#"{"status":"OK","data":{"message":"Draft version of dataset 42 deleted"}}"#.into(),
        ),
        _ => (
            404,
            r#"{"status":"ERROR","message":"API endpoint does not exist on this server."}"#.into(),
        ),
    }
}

fn dataverse(server: Option<&str>, name: Option<&str>) -> Destination {
    Destination::Dataverse {
        server: server.map(str::to_string),
        dataverse_name: name.map(str::to_string),
    }
}

#[test]
fn dataverse_full_flow_creates_uploads_and_publishes() {
    let server = TestServer::start(dataverse_routes);
    // The server comes from the global configuration.
    let fixture = Fixture::new(&format!(
        "[dataverse]\nserver_url = {}/\naccess_token = dv-key\n",
        server.base
    ));
    let (request, big) = request(&fixture, true);
    let progress = Arc::new(Recorder::default());
    let exported = export(
        &dataverse(None, Some("my-collection")),
        &request,
        &fixture.config,
        &NoPrompt,
        progress.clone(),
    )
    .unwrap();
    assert_eq!(
        exported.url,
        format!("{}/dataset.xhtml?persistentId={DV_PID}", server.base)
    );
    assert_eq!(exported.doi.as_deref(), Some("10.5072/FK2/J8SJZB"));
    assert!(exported.published);
    assert_eq!(
        server.calls(),
        [
            "POST /api/dataverses/my-collection/datasets",
            "POST /api/datasets/:persistentId/add",
            "POST /api/datasets/:persistentId/add",
            "POST /api/datasets/:persistentId/actions/:publish",
        ]
    );
    let received = server.received();
    for rec in &received {
        assert_eq!(rec.header("x-dataverse-key"), Some("dv-key"));
        assert!(rec.header("authorization").is_none());
    }
    let body = received[0].json();
    let fields = body["datasetVersion"]["metadataBlocks"]["citation"]["fields"]
        .as_array()
        .unwrap();
    let field = |name: &str| {
        fields
            .iter()
            .find(|f| f["typeName"] == name)
            .unwrap_or_else(|| panic!("no {name} in {fields:?}"))
            .clone()
    };
    assert_eq!(
        field("title"),
        json!({"typeName": "title", "multiple": false, "typeClass": "primitive", "value": "Weather data"})
    );
    assert_eq!(
        field("author")["value"],
        json!([
            {
                "authorName": {"typeName": "authorName", "multiple": false, "typeClass": "primitive", "value": "Jane Doe"},
                "authorAffiliation": {"typeName": "authorAffiliation", "multiple": false, "typeClass": "primitive", "value": "SDSC"}
            },
            {
                "authorName": {"typeName": "authorName", "multiple": false, "typeClass": "primitive", "value": "John Roe"}
            }
        ])
    );
    assert_eq!(
        field("datasetContact")["value"][0]["datasetContactEmail"]["value"],
        "jane@example.org"
    );
    assert_eq!(
        field("dsDescription")["value"][0]["dsDescriptionValue"]["value"],
        "Daily temperatures"
    );
    assert_eq!(
        field("keyword")["value"],
        json!([
            {"keywordValue": {"typeName": "keywordValue", "multiple": false, "typeClass": "primitive", "value": "weather"}},
            {"keywordValue": {"typeName": "keywordValue", "multiple": false, "typeClass": "primitive", "value": "climate"}}
        ])
    );
    assert_eq!(field("subject")["value"], json!(["Other"]));
    assert_eq!(field("subject")["typeClass"], "controlledVocabulary");

    for (rec, (file_name, dir, content)) in received[1..3].iter().zip([
        ("a.bin", None, big.as_slice()),
        ("b c.txt", Some("sub"), b"second file\n".as_slice()),
    ]) {
        assert_eq!(rec.query["persistentId"], DV_PID);
        let parts = multipart(rec);
        let (name, bytes) = &parts["file"];
        assert_eq!(name.as_deref(), Some(file_name));
        assert_eq!(bytes.as_slice(), content, "exact bytes of {file_name}");
        let json_data: Value = serde_json::from_slice(&parts["jsonData"].1).unwrap();
        assert_eq!(json_data.get("directoryLabel").and_then(Value::as_str), dir);
    }
    assert_eq!(received[3].query["persistentId"], DV_PID);
    assert_eq!(received[3].query["type"], "major");
    assert_eq!(progress.1.lock().unwrap()["a.bin"], big.len() as u64);
}

#[test]
fn dataverse_draft_url_and_explicit_server() {
    let server = TestServer::start(dataverse_routes);
    let fixture = Fixture::new(
        "[dataverse]\nserver_url = https://elsewhere.invalid\naccess_token = dv-key\n",
    );
    let (request, _) = request(&fixture, false);
    let exported = export(
        &dataverse(Some(&server.base), Some("my-collection")),
        &request,
        &fixture.config,
        &NoPrompt,
        Arc::new(renku_lib::dataset_export::NoProgress),
    )
    .unwrap();
    assert_eq!(
        exported.url,
        format!(
            "{}/dataset.xhtml?persistentId={DV_PID}&version=DRAFT",
            server.base
        )
    );
    assert!(!exported.published);
    assert_eq!(server.calls().len(), 3);
}

#[test]
fn dataverse_missing_server_or_collection_are_usage_errors() {
    let fixture = Fixture::new("[dataverse]\naccess_token = k\n");
    let (request, _) = request(&fixture, false);
    let err = export(
        &dataverse(None, Some("c")),
        &request,
        &fixture.config,
        &NoPrompt,
        Arc::new(renku_lib::dataset_export::NoProgress),
    )
    .unwrap_err();
    assert!(matches!(export_error(&err), ExportError::MissingServer));
    assert!(err.to_string().contains("--dataverse-server"));
    assert_eq!(err.exit_code(), renku_lib::error::ExitCode::Usage);

    let err = export(
        &dataverse(Some("https://demo.dataverse.org"), None),
        &request,
        &fixture.config,
        &NoPrompt,
        Arc::new(renku_lib::dataset_export::NoProgress),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "No Dataverse collection given for the export to https://demo.dataverse.org: pass --dataverse-name NAME."
    );
    assert_eq!(err.exit_code(), renku_lib::error::ExitCode::Usage);

    let err = export(
        &dataverse(Some("demo.dataverse.org"), Some("c")),
        &request,
        &fixture.config,
        &NoPrompt,
        Arc::new(renku_lib::dataset_export::NoProgress),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("Invalid Dataverse URL 'demo.dataverse.org'")
    );
}

#[test]
fn dataverse_unknown_collection_reports_the_server_message() {
    let server = TestServer::start(dataverse_routes);
    let fixture = Fixture::new("[dataverse]\naccess_token = k\n");
    let (request, _) = request(&fixture, false);
    let err = export(
        &dataverse(Some(&server.base), Some("nosuch")),
        &request,
        &fixture.config,
        &NoPrompt,
        Arc::new(renku_lib::dataset_export::NoProgress),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "Dataverse answered HTTP 404 for POST {}/api/dataverses/nosuch/datasets: Can't find dataverse with identifier='nosuch'",
            server.base
        )
    );
}

#[test]
fn dataverse_bad_key_is_removed_but_forbidden_is_not() {
    let server = TestServer::start(|_, _| (401, DV_401.to_string()));
    let fixture = Fixture::new("[dataverse]\naccess_token = bad\nserver_url = x\n");
    let (request, _) = request(&fixture, false);
    let err = export(
        &dataverse(Some(&server.base), Some("my-collection")),
        &request,
        &fixture.config,
        &NoPrompt,
        Arc::new(renku_lib::dataset_export::NoProgress),
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("Dataverse rejected the access token (HTTP 401"),
        "{text}"
    );
    assert!(text.contains("Bad api key"), "{text}");
    assert!(
        text.contains("/dataverseuser.xhtml?selectTab=apiTokenTab"),
        "{text}"
    );
    assert_eq!(fixture.config_text(), "[dataverse]\nserver_url = x\n\n");

    // 403 on Dataverse means no permission on the collection: the token stays.
    let server = TestServer::start(|_, _| {
        (
            403,
            r#"{"status":"ERROR","message":"User @jane is not permitted to perform requested action."}"#
                .into(),
        )
    });
    let fixture = Fixture::new("[dataverse]\naccess_token = good\n");
    let err = export(
        &dataverse(Some(&server.base), Some("my-collection")),
        &request,
        &fixture.config,
        &NoPrompt,
        Arc::new(renku_lib::dataset_export::NoProgress),
    )
    .unwrap_err();
    assert!(err.to_string().contains("HTTP 403"), "{err}");
    assert!(err.to_string().contains("not permitted"), "{err}");
    assert!(fixture.config_text().contains("access_token = good"));
}

#[test]
fn dataverse_failing_upload_deletes_the_draft() {
    let server = TestServer::start(|rec, base| {
        if rec.path.ends_with("/add") {
            (
                400,
                r#"{"status":"ERROR","message":"Failed to add file to dataset."}"#.into(),
            )
        } else {
            dataverse_routes(rec, base)
        }
    });
    let fixture = Fixture::new("[dataverse]\naccess_token = k\n");
    let (request, _) = request(&fixture, true);
    let err = export(
        &dataverse(Some(&server.base), Some("my-collection")),
        &request,
        &fixture.config,
        &NoPrompt,
        Arc::new(renku_lib::dataset_export::NoProgress),
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("Failed to add file to dataset."), "{text}");
    assert!(
        text.contains(&format!(
            "The unfinished draft {}/dataset.xhtml?persistentId={DV_PID}&version=DRAFT was deleted",
            server.base
        )),
        "{text}"
    );
    assert_eq!(
        server.calls(),
        [
            "POST /api/dataverses/my-collection/datasets",
            "POST /api/datasets/:persistentId/add",
            "DELETE /api/datasets/:persistentId/versions/:draft",
        ]
    );
    assert_eq!(server.received()[2].query["persistentId"], DV_PID);
}

#[test]
fn dataverse_garbage_json_is_a_clear_error() {
    let server = TestServer::start(|_, _| (201, "Created!".into()));
    let fixture = Fixture::new("[dataverse]\naccess_token = k\n");
    let (request, _) = request(&fixture, false);
    let err = export(
        &dataverse(Some(&server.base), Some("my-collection")),
        &request,
        &fixture.config,
        &NoPrompt,
        Arc::new(renku_lib::dataset_export::NoProgress),
    )
    .unwrap_err();
    assert!(
        err.to_string().starts_with(&format!(
            "Unexpected answer from Dataverse at {}/api/dataverses/my-collection/datasets: the answer is not JSON",
            server.base
        )),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------------
// The stdlib-only mock server for end-to-end tests speaks the same protocol as the clients.

struct MockProcess(std::process::Child);

impl Drop for MockProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_python_mock(store: &std::path::Path, extra: &[&str]) -> Option<(MockProcess, String)> {
    use std::io::BufRead;
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/export/mock_deposit_server.py"
    );
    let child = std::process::Command::new("python3")
        .arg(script)
        .arg(store)
        .args(extra)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            eprintln!("python3 is not available ({e}); skipping the mock server check");
            return None;
        }
    };
    let stdout = child.stdout.take().unwrap();
    let process = MockProcess(child);
    let mut line = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .unwrap();
    let port: u16 = line
        .trim()
        .parse()
        .expect("the mock server prints its port");
    Some((process, format!("http://127.0.0.1:{port}")))
}

#[test]
fn python_mock_server_stores_what_both_clients_deposit() {
    let fixture = Fixture::new("[zenodo]\naccess_token = tok\n\n[dataverse]\naccess_token = tok\n");
    let store = fixture.dir.path().join("store");
    let Some((process, base)) = start_python_mock(&store, &["--token", "tok"]) else {
        return;
    };
    let (request, big) = request(&fixture, true);

    let exported = export(
        &zenodo(&base),
        &request,
        &fixture.config,
        &NoPrompt,
        Arc::new(renku_lib::dataset_export::NoProgress),
    )
    .unwrap();
    assert!(exported.published);
    assert_eq!(exported.url, format!("{base}/record/542201"));
    let dep = store.join("zenodo/542201");
    assert_eq!(std::fs::read(dep.join("files/a.bin")).unwrap(), big);
    assert_eq!(
        std::fs::read(dep.join("files/sub/b c.txt")).unwrap(),
        b"second file\n"
    );
    let deposition: Value =
        serde_json::from_slice(&std::fs::read(dep.join("deposition.json")).unwrap()).unwrap();
    assert_eq!(deposition["state"], "done");
    assert_eq!(deposition["metadata"]["title"], "Weather data");

    let exported = export(
        &dataverse(Some(&base), Some("root")),
        &request,
        &fixture.config,
        &NoPrompt,
        Arc::new(renku_lib::dataset_export::NoProgress),
    )
    .unwrap();
    assert!(exported.published);
    let dataset = store.join("dataverse/542202");
    assert_eq!(std::fs::read(dataset.join("files/a.bin")).unwrap(), big);
    assert_eq!(
        std::fs::read(dataset.join("files/sub/b c.txt")).unwrap(),
        b"second file\n"
    );

    // A failing upload: the draft is deleted from the mock's store as well.
    drop(process);
    let store = fixture.dir.path().join("store2");
    let (_process, base) = start_python_mock(&store, &["--fail-upload", "2"]).unwrap();
    let err = export(
        &zenodo(&base),
        &request,
        &fixture.config,
        &NoPrompt,
        Arc::new(renku_lib::dataset_export::NoProgress),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("Simulated upload failure"),
        "{err}"
    );
    assert!(
        err.to_string().contains("was deleted from the server"),
        "{err}"
    );
    assert!(!store.join("zenodo/542201").exists());
}
