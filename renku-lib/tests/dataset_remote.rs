//! Tests of the remote dataset providers, downloads and archive extraction against a local
//! HTTP server serving the fixtures of `tests/fixtures/providers/`.

#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use renku_lib::dataset_remote::download::{
    DownloadProgress, DownloadRequest, Downloader, NoProgress, TEMP_PREFIX,
};
use renku_lib::dataset_remote::providers::{self, resolve};
use renku_lib::dataset_remote::{
    ChecksumAlgorithm, ProviderKind, ProviderSettings, RemoteError, TokenSource, archive,
};
use renku_lib::error::ExitCode;

// ---------------------------------------------------------------------------------------
// The test server.

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/providers")
}

fn fixture_bytes(name: &str) -> Vec<u8> {
    std::fs::read(fixtures().join(name)).unwrap()
}

fn md5_hex(bytes: &[u8]) -> String {
    use md5::{Digest, Md5};
    Md5::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

const PID: &str = "doi:10.70122/FK2/PPIAXE";
const FILE_PID: &str = "doi:10.70122/FK2/PPIAXE/X4TQ2C";
const DATASET_ID: &str = "9f6d5e2a3b1c4d7e8f90123456789abc";
const HALFWAY: usize = 200_000;

/// Which part of the world the server plays: a Renku server does not answer like a
/// Dataverse installation at `/api/v1/info/version`.
#[derive(Clone, Copy, PartialEq)]
enum Role {
    Repositories,
    Renku,
}

struct Server {
    base: String,
    /// A URL whose server announces a body, sends half of it and closes the connection.
    halfway_url: String,
    server: Arc<tiny_http::Server>,
    thread: Option<JoinHandle<()>>,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn large_body() -> Vec<u8> {
    // Deterministic pseudo-random bytes.
    let mut x: u32 = 12345;
    (0..(1 << 20))
        .map(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (x >> 16) as u8
        })
        .collect()
}

/// A raw TCP server for `/files/halfway.bin`: tiny_http would keep the connection open.
fn halfway_server() -> String {
    use std::io::Read;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let body = large_body();
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            // Read the request head.
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") {
                match stream.read(&mut byte) {
                    Ok(1) => head.push(byte[0]),
                    _ => break,
                }
            }
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {HALFWAY}\r\n\r\n"
            );
            let _ = stream.write_all(&body[..HALFWAY / 2]);
            let _ = stream.flush();
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
    });
    format!("http://127.0.0.1:{port}/files/halfway.bin")
}

impl Server {
    fn start(role: Role) -> Server {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
        let port = server.server_addr().to_ip().unwrap().port();
        let base = format!("http://127.0.0.1:{port}");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let thread = {
            let server = server.clone();
            let base = base.clone();
            let requests = requests.clone();
            std::thread::spawn(move || {
                let large = Arc::new(large_body());
                for request in server.incoming_requests() {
                    requests.lock().unwrap().push(request.url().to_string());
                    let base = base.clone();
                    let large = large.clone();
                    // One thread per request so that parallel downloads overlap.
                    std::thread::spawn(move || handle(request, &base, role, &large));
                }
            })
        };
        Server {
            halfway_url: halfway_server(),
            base,
            server,
            thread: Some(thread),
            requests,
        }
    }

    fn settings(&self) -> ProviderSettings {
        ProviderSettings {
            zenodo_url: format!("{}/zenodo", self.base),
            doi_resolver: format!("{}/doi", self.base),
            timeout: std::time::Duration::from_secs(10),
            ..ProviderSettings::default()
        }
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

fn header(name: &str, value: &str) -> tiny_http::Header {
    tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()).unwrap()
}

fn handle(request: tiny_http::Request, base: &str, role: Role, large: &[u8]) {
    let url = request.url().to_string();
    let (path, query) = url.split_once('?').unwrap_or((&url, ""));
    let params: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let dec = |s: &str| {
                percent_encoding::percent_decode_str(s)
                    .decode_utf8_lossy()
                    .into_owned()
            };
            (dec(k), dec(v))
        })
        .collect();
    let param = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let auth = request
        .headers()
        .iter()
        .find(|h| h.field.equiv("Authorization"))
        .map(|h| h.value.as_str().to_string());

    let json = |name: &str| {
        let text = String::from_utf8(fixture_bytes(name)).unwrap();
        (
            200,
            text.replace("__BASE__", base)
                .replace("__HOST__", "127.0.0.1")
                .into_bytes(),
            vec![],
        )
    };
    let status = |code: u16, body: &str| (code, body.as_bytes().to_vec(), vec![]);

    let renku_path = path
        .strip_prefix("/knowledge-graph/")
        .or_else(|| path.strip_prefix("/api/kg/"));
    let (code, body, headers): (u16, Vec<u8>, Vec<tiny_http::Header>) = match (role, path) {
        (_, "/files/large.bin") => (200, large.to_vec(), vec![]),
        (_, "/files/plain.txt") => (
            200,
            b"hello, renku\n".to_vec(),
            vec![header(
                "Content-Disposition",
                "attachment; filename=\"greeting.txt\"",
            )],
        ),
        (_, "/status/404") => status(404, "{\"message\": \"Not found\"}"),
        (_, "/status/500") => status(500, "{\"message\": \"Internal server error\"}"),
        (_, "/garbage.json") => status(200, "{this is: not json"),
        (_, "/zenodo/api/records/1234567") => json("zenodo/record.json"),
        (_, "/zenodo/api/records/1234561") => json("zenodo/record-old-version.json"),
        (_, "/zenodo/api/records/1234560/versions/latest") => (
            302,
            Vec::new(),
            vec![header(
                "Location",
                &format!("{base}/zenodo/api/records/1234567"),
            )],
        ),
        (_, "/zenodo/api/records/1234567/files/measurements.csv/content") => {
            (200, fixture_bytes("zenodo/files/measurements.csv"), vec![])
        }
        (_, "/zenodo/api/records/1234567/files/README.md/content")
        | (_, "/zenodo/api/records/1234561/files/README.md/content") => {
            (200, fixture_bytes("zenodo/files/README.md"), vec![])
        }
        (_, "/zenodo/api/records/500500") => status(500, "{\"status\": 500}"),
        (_, "/zenodo/api/records/666666") => status(200, "<html>this is not json"),
        (_, p) if p.starts_with("/zenodo/api/records/") => status(404, "{\"status\": 404}"),
        (_, "/doi/10.70122/FK2/PPIAXE") => json("doi/dataverse-dataset.json"),
        (_, "/doi/10.1234/elsewhere.5") => json("doi/unsupported.json"),
        (_, p) if p.starts_with("/doi/") => status(404, "DOI Not Found"),
        (Role::Repositories, "/api/v1/info/version") => json("dataverse/info-version.json"),
        (Role::Repositories, "/api/v1/datasets/export")
            if param("exporter") == Some("schema.org") && param("persistentId") == Some(PID) =>
        {
            json("dataverse/export-schema-org.json")
        }
        (Role::Repositories, "/api/v1/datasets/:persistentId/versions")
            if param("persistentId") == Some(PID) =>
        {
            json("dataverse/versions.json")
        }
        (Role::Repositories, "/api/v1/access/datafile/:persistentId/")
            if param("persistentId") == Some(FILE_PID) =>
        {
            (200, fixture_bytes("dataverse/files/soil.tab"), vec![])
        }
        (Role::Repositories, "/api/access/datafile/43") => {
            (200, fixture_bytes("dataverse/files/codebook.md"), vec![])
        }
        (Role::Renku, _) if renku_path.is_some() => {
            let p = renku_path.unwrap_or_default().trim_end_matches('/');
            if auth.as_deref().is_some_and(|a| a != "Bearer good-token") {
                status(401, "{\"message\": \"Unauthorized\"}")
            } else if p == format!("datasets/{DATASET_ID}") {
                json("renku/dataset.json")
            } else if p == "projects/sdsc/air" {
                json("renku/project.json")
            } else if p == "projects/sdsc/air/datasets" {
                json("renku/project-datasets.json")
            } else {
                status(404, "{\"message\": \"Resource not found\"}")
            }
        }
        _ => status(404, "{\"message\": \"Not found\"}"),
    };
    // Always announce Content-Length (tiny_http switches to chunked encoding above 32 KiB).
    let mut response = tiny_http::Response::from_data(body)
        .with_status_code(code)
        .with_chunked_threshold(usize::MAX);
    for h in headers {
        response.add_header(h);
    }
    let _ = request.respond(response);
}

// ---------------------------------------------------------------------------------------
// Providers.

#[test]
fn zenodo_record_url_resolves_to_metadata_and_files() {
    let server = Server::start(Role::Repositories);
    let uri = format!("{}/zenodo/records/1234567", server.base);
    let ds = resolve(&uri, &server.settings()).unwrap();
    assert_eq!(ds.provider, ProviderKind::Zenodo);
    assert_eq!(ds.uri, uri);
    let m = &ds.metadata;
    assert_eq!(m.name, "Air quality measurements in Zurich, 2019-2022");
    assert_eq!(m.slug, "air_quality_measurem_2.0");
    assert!(m.slug.len() <= 24);
    assert!(
        m.description
            .as_deref()
            .unwrap()
            .starts_with("<p>Hourly NO<sub>2</sub>")
    );
    assert_eq!(m.creators.len(), 2);
    assert_eq!(m.creators[0].name, "Muster, Anna");
    assert_eq!(m.creators[0].affiliation.as_deref(), Some("ETH Zurich"));
    assert_eq!(m.creators[0].id, "https://orcid.org/0000-0002-1825-0097");
    assert_eq!(
        m.creators[1].affiliation.as_deref(),
        Some("Swiss Data Science Center")
    );
    assert_eq!(m.keywords, ["air quality", "Zurich", "NO2"]);
    assert_eq!(m.license.as_deref(), Some("cc-by-4.0"));
    assert_eq!(m.version.as_deref(), Some("2.0"));
    assert_eq!(m.tag.as_deref(), Some("2.0"));
    assert_eq!(m.date_published.as_deref(), Some("2023-06-28"));
    assert_eq!(m.in_language.as_deref(), Some("eng"));
    assert_eq!(m.same_as, "https://doi.org/10.5281/zenodo.1234567");
    assert_eq!(ds.newer_version, None);

    let csv = fixture_bytes("zenodo/files/measurements.csv");
    assert_eq!(ds.files.len(), 2);
    let f = &ds.files[0];
    assert_eq!(f.path.as_deref(), Some(Path::new("measurements.csv")));
    assert_eq!(f.size, Some(csv.len() as u64));
    let checksum = f.checksum.as_ref().unwrap();
    assert_eq!(checksum.algorithm, ChecksumAlgorithm::Md5);
    assert_eq!(checksum.hex, md5_hex(&csv));
    assert_eq!(
        f.url,
        format!(
            "{}/zenodo/api/records/1234567/files/measurements.csv/content",
            server.base
        )
    );
    assert_eq!(ds.files[1].path.as_deref(), Some(Path::new("README.md")));
    assert_eq!(
        ds.total_size(),
        csv.len() as u64 + fixture_bytes("zenodo/files/README.md").len() as u64
    );
}

#[test]
fn zenodo_doi_resolves_without_the_doi_resolver() {
    let server = Server::start(Role::Repositories);
    let ds = resolve("doi:10.5281/zenodo.1234567", &server.settings()).unwrap();
    assert_eq!(ds.provider, ProviderKind::Zenodo);
    assert_eq!(ds.uri, "doi:10.5281/zenodo.1234567");
    assert_eq!(ds.files.len(), 2);
    assert!(server.requests().iter().all(|r| !r.starts_with("/doi/")));
}

#[test]
fn zenodo_older_version_reports_the_newer_one() {
    let server = Server::start(Role::Repositories);
    let uri = format!("{}/zenodo/records/1234561", server.base);
    let ds = resolve(&uri, &server.settings()).unwrap();
    assert_eq!(ds.metadata.version.as_deref(), Some("1.0"));
    assert_eq!(
        ds.newer_version.as_deref(),
        Some(format!("{}/zenodo/api/records/1234567", server.base).as_str())
    );
}

#[test]
fn dataverse_dataset_url_resolves_to_metadata_and_files() {
    let server = Server::start(Role::Repositories);
    let uri = format!("{}/dataset.xhtml?persistentId={PID}", server.base);
    let ds = resolve(&uri, &server.settings()).unwrap();
    assert_eq!(ds.provider, ProviderKind::Dataverse);
    let m = &ds.metadata;
    assert_eq!(
        m.name,
        "Replication Data for: Soil moisture in alpine meadows"
    );
    assert_eq!(m.version.as_deref(), Some("1.0"));
    assert_eq!(m.tag.as_deref(), Some("1.0"));
    assert_eq!(m.slug, "replication_data_for_1.0");
    assert_eq!(
        m.description.as_deref(),
        Some("Volumetric soil moisture measured at twelve alpine meadows at five depths.")
    );
    assert_eq!(m.creators.len(), 2);
    assert_eq!(m.creators[0].name, "Rooth, Mats");
    assert_eq!(
        m.creators[0].affiliation.as_deref(),
        Some("Cornell University")
    );
    assert_eq!(
        m.creators[1].affiliation, None,
        "empty affiliations are dropped"
    );
    assert_eq!(
        m.keywords,
        ["Earth and Environmental Sciences", "soil moisture"]
    );
    assert_eq!(
        m.license.as_deref(),
        Some("http://creativecommons.org/publicdomain/zero/1.0")
    );
    assert_eq!(m.date_published.as_deref(), Some("2021-03-15"));
    assert_eq!(m.same_as, "https://doi.org/10.70122/FK2/PPIAXE");

    let soil = fixture_bytes("dataverse/files/soil.tab");
    let codebook = fixture_bytes("dataverse/files/codebook.md");
    assert_eq!(ds.files.len(), 2);
    assert_eq!(
        ds.files[0].path.as_deref(),
        Some(Path::new("data/soil.tab"))
    );
    assert_eq!(
        ds.files[0].url,
        format!(
            "{}/api/v1/access/datafile/:persistentId/?persistentId=doi%3A10.70122%2FFK2%2FPPIAXE%2FX4TQ2C",
            server.base
        )
    );
    assert_eq!(ds.files[0].size, Some(soil.len() as u64));
    assert_eq!(ds.files[0].checksum.as_ref().unwrap().hex, md5_hex(&soil));
    assert_eq!(ds.files[1].path.as_deref(), Some(Path::new("codebook.md")));
    assert_eq!(
        ds.files[1].url,
        format!("{}/api/access/datafile/43", server.base)
    );
    assert_eq!(
        ds.files[1].checksum.as_ref().unwrap().hex,
        md5_hex(&codebook)
    );

    // The files can be downloaded and their checksums match.
    let dir = tempfile::tempdir().unwrap();
    let got = Downloader::new(&server.settings())
        .unwrap()
        .download_all(&ds.download_requests(), dir.path(), 2, &NoProgress)
        .unwrap();
    assert_eq!(
        std::fs::read(dir.path().join("data/soil.tab")).unwrap(),
        soil
    );
    assert_eq!(got[1].md5, md5_hex(&codebook));
}

#[test]
fn dataverse_doi_goes_through_the_doi_resolver() {
    let server = Server::start(Role::Repositories);
    let ds = resolve("https://doi.org/10.70122/FK2/PPIAXE", &server.settings()).unwrap();
    assert_eq!(ds.provider, ProviderKind::Dataverse);
    assert_eq!(ds.uri, "https://doi.org/10.70122/FK2/PPIAXE");
    assert_eq!(ds.files.len(), 2);
    let requests = server.requests();
    assert_eq!(requests[0], "/doi/10.70122/FK2/PPIAXE");
    assert!(requests.iter().any(|r| r == "/api/v1/info/version"));
}

#[test]
fn doi_of_an_unsupported_repository_is_provider_not_found() {
    let server = Server::start(Role::Renku);
    let err = resolve("10.1234/elsewhere.5", &server.settings()).unwrap_err();
    assert!(matches!(err, RemoteError::ProviderNotFound { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "Provider not found: 10.1234/elsewhere.5\nHint: Supported providers are: Zenodo, Renku, Dataverse"
    );
    assert_eq!(err.exit_code(), ExitCode::Usage);
}

#[test]
fn unknown_doi_names_the_resolver_url() {
    let server = Server::start(Role::Repositories);
    let err = resolve("10.9999/nothing", &server.settings()).unwrap_err();
    assert!(matches!(err, RemoteError::RecordNotFound { .. }), "{err}");
    assert!(
        err.to_string()
            .contains(&format!("{}/doi/10.9999/nothing", server.base)),
        "{err}"
    );
}

#[test]
fn url_of_no_known_provider_is_provider_not_found() {
    let server = Server::start(Role::Renku);
    let uri = format!("{}/some/page", server.base);
    let err = resolve(&uri, &server.settings()).unwrap_err();
    assert!(
        err.to_string()
            .starts_with(&format!("Provider not found: {uri}\n")),
        "{err}"
    );
    let lib: renku_lib::Error = err.into();
    assert_eq!(lib.exit_code(), ExitCode::Usage);
}

#[test]
fn unreachable_server_warns_in_provider_not_found() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let uri = format!("http://127.0.0.1:{port}/page");
    let err = resolve(&uri, &ProviderSettings::default()).unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("Couldn't test provider Dataverse: Network connection failure"),
        "{text}"
    );
    assert!(
        text.contains(&format!("http://127.0.0.1:{port}/api/v1/info/version")),
        "{text}"
    );
}

struct Tokens(&'static str);

impl TokenSource for Tokens {
    fn token(&self, _host: &str) -> Option<String> {
        Some(self.0.to_string())
    }
}

#[test]
fn renku_dataset_by_identifier() {
    let server = Server::start(Role::Renku);
    let uri = format!("{}/datasets/{DATASET_ID}", server.base);
    let ds = resolve(&uri, &server.settings()).unwrap();
    assert_eq!(ds.provider, ProviderKind::Renku);
    assert!(ds.files.is_empty());
    let m = &ds.metadata;
    assert_eq!(m.name, "Air quality in Zurich");
    assert_eq!(m.slug, "air-quality");
    assert_eq!(
        m.description.as_deref(),
        Some("Hourly NO2 and PM10 concentrations.")
    );
    assert_eq!(
        m.creators[0].email.as_deref(),
        Some("anna.muster@example.org")
    );
    assert_eq!(m.creators[0].affiliation.as_deref(), Some("ETH Zurich"));
    assert_eq!(m.creators[1].name, "John Doe");
    assert_eq!(m.keywords, ["air quality", "Zurich"]);
    assert_eq!(
        m.images,
        [format!("{}/sdsc/air/raw/master/air.png", server.base)]
    );
    assert_eq!(m.date_published.as_deref(), Some("2023-06-28"));
    let r = ds.renku.as_ref().unwrap();
    assert_eq!(r.project_path, "sdsc/air");
    assert_eq!(
        r.project_kg_url,
        format!("{}/knowledge-graph/projects/sdsc/air", server.base)
    );
    assert_eq!(
        r.project_url_http.as_deref(),
        Some(format!("{}/repos/sdsc/air.git", server.base).as_str())
    );
    assert_eq!(
        r.project_url_ssh.as_deref(),
        Some("git@127.0.0.1:sdsc/air.git")
    );
    assert_eq!(r.dataset_slug, "air-quality");
    assert_eq!(r.dataset_identifier, DATASET_ID);
    assert_eq!(
        r.files,
        [
            "data/air-quality/measurements.csv",
            "data/air-quality/README.md"
        ]
    );
    assert_eq!(ds.newer_version, None);
}

#[test]
fn renku_dataset_by_project_and_slug() {
    let server = Server::start(Role::Renku);
    let uri = format!("{}/projects/sdsc/air/datasets/air-quality", server.base);
    let ds = resolve(&uri, &server.settings()).unwrap();
    let r = ds.renku.as_ref().unwrap();
    assert_eq!(r.dataset_identifier, DATASET_ID);
    assert_eq!(
        r.latest_version_uri.as_deref(),
        Some(format!("{}/datasets/{DATASET_ID}", server.base).as_str())
    );
    // The metadata comes from the details of the version the project lists.
    assert_eq!(ds.metadata.name, "Air quality in Zurich");
    // (After the Dataverse check, which a Renku server answers with 404.)
    let requests = server.requests();
    assert_eq!(requests[0], "/api/v1/info/version");
    assert_eq!(requests[1], "/knowledge-graph/datasets/air-quality");
    assert_eq!(requests[2], "/knowledge-graph/projects/sdsc/air/datasets");
}

#[test]
fn renku_with_a_token_uses_the_gateway_route() {
    let server = Server::start(Role::Renku);
    let settings = server
        .settings()
        .with_tokens(Arc::new(Tokens("good-token")));
    let uri = format!("{}/datasets/{DATASET_ID}", server.base);
    resolve(&uri, &settings).unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), 4, "{requests:?}");
    assert!(
        requests[1..].iter().all(|r| r.starts_with("/api/kg/")),
        "{requests:?}"
    );

    let settings = server.settings().with_tokens(Arc::new(Tokens("expired")));
    let err = resolve(&uri, &settings).unwrap_err();
    let host = server.base.trim_start_matches("http://");
    assert_eq!(
        err.to_string(),
        format!("Unauthorized access to knowledge graph: Run 'renku login {host}'")
    );
}

#[test]
fn renku_unknown_project_is_reported() {
    let server = Server::start(Role::Renku);
    let uri = format!("{}/projects/sdsc/missing/datasets/x", server.base);
    let err = resolve(&uri, &server.settings()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "Cannot find project in the knowledge graph: {}/knowledge-graph/projects/sdsc/missing",
            server.base
        )
    );
    let uri = format!("{}/projects/sdsc/air/datasets/nope", server.base);
    let err = resolve(&uri, &server.settings()).unwrap_err();
    assert!(matches!(err, RemoteError::DatasetNotFound { .. }), "{err}");
}

#[test]
fn http_errors_and_garbage_are_typed_errors_naming_the_url() {
    let server = Server::start(Role::Repositories);
    let settings = server.settings();
    let err = resolve(&format!("{}/zenodo/records/404404", server.base), &settings).unwrap_err();
    assert!(matches!(err, RemoteError::RecordNotFound { .. }), "{err}");
    assert!(
        err.to_string()
            .contains(&format!("{}/zenodo/api/records/404404", server.base))
    );

    let err = resolve(&format!("{}/zenodo/records/500500", server.base), &settings).unwrap_err();
    assert!(
        matches!(err, RemoteError::HttpStatus { code: 500, .. }),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "Request to '{}/zenodo/api/records/500500' failed with HTTP status 500 Internal Server Error",
            server.base
        )
    );
    assert_eq!(err.exit_code(), ExitCode::Failure);

    let err = resolve(&format!("{}/zenodo/records/666666", server.base), &settings).unwrap_err();
    assert!(matches!(err, RemoteError::InvalidResponse { .. }), "{err}");
    assert!(err.to_string().starts_with(&format!(
        "Unexpected response from '{}/zenodo/api/records/666666'",
        server.base
    )));

    // Valid JSON of the wrong shape.
    let client = renku_lib::dataset_remote::http::HttpClient::new(&settings).unwrap();
    let err = client
        .get_json::<Vec<String>>(
            &format!("{}/zenodo/api/records/1234567", server.base),
            "application/json",
        )
        .unwrap_err();
    assert!(matches!(err, RemoteError::InvalidResponse { .. }), "{err}");
    let err = client
        .get_json::<serde_json::Value>(&format!("{}/garbage.json", server.base), "application/json")
        .unwrap_err();
    assert!(matches!(err, RemoteError::InvalidResponse { .. }), "{err}");

    let lib: renku_lib::Error = RemoteError::Interrupted.into();
    assert!(matches!(lib, renku_lib::Error::Interrupted));
}

#[test]
fn web_url_is_one_file_named_at_download() {
    let ds = providers::url::remote_file("https://example.org/data/table.csv").unwrap();
    assert_eq!(ds.provider, ProviderKind::Web);
    assert_eq!(ds.files.len(), 1);
    assert_eq!(ds.metadata.slug, "table.csv");
}

// ---------------------------------------------------------------------------------------
// Downloads.

#[derive(Default)]
struct Recorder {
    started: AtomicUsize,
    done: AtomicUsize,
    bytes: AtomicU64,
    total: Mutex<Option<(usize, u64)>>,
}

impl DownloadProgress for Recorder {
    fn start(&self, files: usize, bytes: u64) {
        *self.total.lock().unwrap() = Some((files, bytes));
    }
    fn file_started(&self, _: &str, _: Option<u64>) {
        self.started.fetch_add(1, Ordering::SeqCst);
    }
    fn bytes(&self, _: &str, n: u64) {
        self.bytes.fetch_add(n, Ordering::SeqCst);
    }
    fn file_done(&self, _: &str) {
        self.done.fetch_add(1, Ordering::SeqCst);
    }
}

/// Every entry below `dir`, relative, sorted.
fn listing(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            out.push(p.strip_prefix(root).unwrap().to_string_lossy().into_owned());
            if e.file_type().unwrap().is_dir() {
                walk(root, &p, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[test]
fn parallel_download_with_checksums() {
    let server = Server::start(Role::Repositories);
    let ds = resolve(
        &format!("{}/zenodo/records/1234567", server.base),
        &server.settings(),
    )
    .unwrap();
    let mut requests = ds.download_requests();
    requests.push(DownloadRequest::new(format!(
        "{}/files/large.bin",
        server.base
    )));
    requests.push(DownloadRequest::new(format!(
        "{}/files/plain.txt",
        server.base
    )));
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join("data/air");
    let progress = Recorder::default();
    let got = Downloader::new(&server.settings())
        .unwrap()
        .download_all(&requests, &dest, 3, &progress)
        .unwrap();

    assert_eq!(got.len(), 4);
    let csv = fixture_bytes("zenodo/files/measurements.csv");
    assert_eq!(std::fs::read(dest.join("measurements.csv")).unwrap(), csv);
    assert_eq!(got[0].relative, Path::new("measurements.csv"));
    assert_eq!(got[0].md5, md5_hex(&csv));
    assert_eq!(got[0].path, dest.join("measurements.csv"));
    assert_eq!(std::fs::read(dest.join("large.bin")).unwrap(), large_body());
    assert_eq!(got[2].size, 1 << 20);
    // The name of a plain URL comes from Content-Disposition.
    assert_eq!(got[3].relative, Path::new("greeting.txt"));
    assert_eq!(
        std::fs::read_to_string(dest.join("greeting.txt")).unwrap(),
        "hello, renku\n"
    );
    assert_eq!(
        listing(&dest),
        ["README.md", "greeting.txt", "large.bin", "measurements.csv"]
    );

    let total: u64 = got.iter().map(|d| d.size).sum();
    assert_eq!(progress.bytes.load(Ordering::SeqCst), total);
    assert_eq!(progress.started.load(Ordering::SeqCst), 4);
    assert_eq!(progress.done.load(Ordering::SeqCst), 4);
    assert_eq!(*progress.total.lock().unwrap(), Some((4, ds.total_size())));

    // A second call does not overwrite what is there…
    let err = Downloader::new(&server.settings())
        .unwrap()
        .download_all(&requests[..1], &dest, 1, &NoProgress)
        .unwrap_err();
    assert!(
        matches!(err, RemoteError::DestinationExists { .. }),
        "{err}"
    );
    // …unless asked to.
    std::fs::write(dest.join("measurements.csv"), "old").unwrap();
    Downloader::new(&server.settings())
        .unwrap()
        .overwrite(true)
        .download_all(&requests[..1], &dest, 1, &NoProgress)
        .unwrap();
    assert_eq!(std::fs::read(dest.join("measurements.csv")).unwrap(), csv);
}

/// Runs a download call that must fail and checks nothing of it is left.
fn assert_failed_download_leaves_nothing(
    server: &Server,
    requests: &[DownloadRequest],
) -> RemoteError {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("unrelated.txt"), "keep").unwrap();
    let dest = tmp.path().join("data/new");
    let err = Downloader::new(&server.settings())
        .unwrap()
        .download_all(requests, &dest, 2, &NoProgress)
        .unwrap_err();
    assert_eq!(listing(tmp.path()), ["unrelated.txt"], "after: {err}");
    assert!(!dest.exists());
    err
}

#[test]
fn download_broken_off_halfway_leaves_nothing() {
    let server = Server::start(Role::Repositories);
    let halfway = server.halfway_url.clone();
    let requests = [
        DownloadRequest::new(format!("{}/files/plain.txt", server.base)),
        DownloadRequest::new(format!("{}/files/large.bin", server.base)),
        DownloadRequest::new(halfway.clone()),
    ];
    let err = assert_failed_download_leaves_nothing(&server, &requests);
    assert!(
        matches!(&err, RemoteError::Download { url, .. } if *url == halfway),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("the connection broke off after 100000 bytes of 200000"),
        "{err}"
    );
    assert!(err.to_string().contains(&halfway));

    // Into an existing directory: the files that did arrive are removed again, temporary
    // files too, and what was there stays.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("existing.txt"), "keep").unwrap();
    Downloader::new(&server.settings())
        .unwrap()
        .download_all(&requests, tmp.path(), 1, &NoProgress)
        .unwrap_err();
    assert_eq!(listing(tmp.path()), ["existing.txt"]);
    assert!(
        listing(tmp.path())
            .iter()
            .all(|p| !p.starts_with(TEMP_PREFIX))
    );
}

#[test]
fn download_checksum_mismatch_leaves_nothing() {
    let server = Server::start(Role::Repositories);
    let ds = resolve(
        &format!("{}/zenodo/records/1234567", server.base),
        &server.settings(),
    )
    .unwrap();
    let mut requests = ds.download_requests();
    requests[1].checksum.as_mut().unwrap().hex = "0".repeat(32);
    let err = assert_failed_download_leaves_nothing(&server, &requests);
    match &err {
        RemoteError::ChecksumMismatch {
            url,
            algorithm,
            expected,
            actual,
        } => {
            assert_eq!(url, &requests[1].url);
            assert_eq!(algorithm, "md5");
            assert_eq!(expected, &"0".repeat(32));
            assert_eq!(actual, &md5_hex(&fixture_bytes("zenodo/files/README.md")));
        }
        other => panic!("unexpected error: {other}"),
    }
}

#[test]
fn download_http_errors_leave_nothing() {
    let server = Server::start(Role::Repositories);
    for code in [404u16, 500] {
        let url = format!("{}/status/{code}", server.base);
        let requests = [
            DownloadRequest::new(format!("{}/files/plain.txt", server.base)),
            DownloadRequest::new(url.clone()),
        ];
        let err = assert_failed_download_leaves_nothing(&server, &requests);
        assert!(
            matches!(&err, RemoteError::HttpStatus { code: c, .. } if *c == code),
            "{err}"
        );
        assert!(err.to_string().contains(&url));
    }
    // Size announced by the provider but not what the server sends.
    let mut request = DownloadRequest::new(format!("{}/files/plain.txt", server.base));
    request.size = Some(3);
    let err = assert_failed_download_leaves_nothing(&server, &[request]);
    assert!(
        matches!(
            err,
            RemoteError::SizeMismatch {
                expected: 3,
                actual: 13,
                ..
            }
        ),
        "{err}"
    );
    // Unsafe names are refused before anything is fetched.
    let mut request = DownloadRequest::new(format!("{}/files/plain.txt", server.base));
    request.name = Some(PathBuf::from("../escape.txt"));
    let before = server.requests().len();
    let err = assert_failed_download_leaves_nothing(&server, &[request]);
    assert!(matches!(err, RemoteError::InvalidFileName { .. }), "{err}");
    assert_eq!(server.requests().len(), before);
}

#[test]
fn insufficient_disk_space_is_refused() {
    let server = Server::start(Role::Repositories);
    let ds = resolve(
        &format!("{}/zenodo/records/1234567", server.base),
        &server.settings(),
    )
    .unwrap();
    let before = server.requests().len();
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join("d");
    let err = Downloader::new(&server.settings())
        .unwrap()
        .free_space_probe(|_| Ok(1000))
        .download_all(&ds.download_requests(), &dest, 2, &NoProgress)
        .unwrap_err();
    match &err {
        RemoteError::InsufficientDiskSpace {
            required,
            available,
            ..
        } => {
            assert_eq!(*required, ds.total_size());
            assert_eq!(*available, 1000);
        }
        other => panic!("unexpected error: {other}"),
    }
    assert!(
        err.to_string().starts_with("Insufficient disk space"),
        "{err}"
    );
    // Refused before any file was requested.
    assert_eq!(server.requests().len(), before);
    assert!(!dest.exists());

    // Sizes only known from Content-Length are checked as the responses arrive.
    let requests = [DownloadRequest::new(format!(
        "{}/files/large.bin",
        server.base
    ))];
    let err = Downloader::new(&server.settings())
        .unwrap()
        .free_space_probe(|_| Ok(4096))
        .download_all(&requests, &dest, 1, &NoProgress)
        .unwrap_err();
    assert!(
        matches!(
            err,
            RemoteError::InsufficientDiskSpace {
                required: 1_048_576,
                available: 4096,
                ..
            }
        ),
        "{err}"
    );
    assert!(!dest.exists());

    // The real probe reads the file system.
    assert!(renku_lib::dataset_remote::download::free_space(tmp.path()).unwrap() > 0);
}

// ---------------------------------------------------------------------------------------
// Archives.

/// A tar header with a raw name (and link name) that the tar crate's builder would refuse.
fn raw_tar_entry(
    builder: &mut tar::Builder<Vec<u8>>,
    name: &str,
    kind: tar::EntryType,
    link: &str,
    data: &[u8],
) {
    let mut header = tar::Header::new_old();
    {
        let old = header.as_old_mut();
        old.name[..name.len()].copy_from_slice(name.as_bytes());
        old.linkname[..link.len()].copy_from_slice(link.as_bytes());
    }
    header.set_entry_type(kind);
    header.set_size(data.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    builder.append(&header, data).unwrap();
}

fn tar_with(entries: &[(&str, tar::EntryType, &str, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, kind, link, data) in entries {
        raw_tar_entry(&mut builder, name, *kind, link, data);
    }
    builder.into_inner().unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn zip_with(entries: &[(&str, Option<&str>, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, link, data) in entries {
        match link {
            Some(target) => w.add_symlink(*name, *target, opts).unwrap(),
            None => {
                w.start_file(*name, opts).unwrap();
                w.write_all(data).unwrap();
            }
        }
    }
    w.finish().unwrap().into_inner()
}

#[test]
fn safe_archives_are_extracted() {
    use tar::EntryType::{Directory, Regular, Symlink};
    let tar_bytes = tar_with(&[
        ("top/", Directory, "", b""),
        ("top/a.txt", Regular, "", b"alpha"),
        ("top/sub/b.txt", Regular, "", b"beta"),
        ("top/link", Symlink, "sub/b.txt", b""),
        ("c.txt", Regular, "", b"gamma"),
    ]);
    let tmp = tempfile::tempdir().unwrap();
    let mut xz = Vec::new();
    {
        let mut w =
            lzma_rust2::XzWriter::new(&mut xz, lzma_rust2::XzOptions::with_preset(1)).unwrap();
        w.write_all(&tar_bytes).unwrap();
        w.finish().unwrap();
    }
    let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
    bz.write_all(&tar_bytes).unwrap();
    let bz = bz.finish().unwrap();
    let variants: Vec<(&str, Vec<u8>)> = vec![
        ("a.tar", tar_bytes.clone()),
        ("a.tar.gz", gzip(&tar_bytes)),
        ("a.tgz", gzip(&tar_bytes)),
        ("a.tar.bz2", bz),
        ("a.tar.xz", xz),
        ("no-extension", gzip(&tar_bytes)),
    ];
    for (name, bytes) in variants {
        let archive = tmp.path().join(name);
        std::fs::write(&archive, bytes).unwrap();
        let dest = tmp.path().join(format!("out-{name}"));
        let files = archive::extract(&archive, &dest).unwrap();
        assert_eq!(
            files,
            ["top/a.txt", "top/sub/b.txt", "top/link", "c.txt"].map(|p| dest.join(p)),
            "{name}"
        );
        assert_eq!(
            std::fs::read_to_string(dest.join("top/link")).unwrap(),
            "beta"
        );
        assert_eq!(
            listing(&dest),
            [
                "c.txt",
                "top",
                "top/a.txt",
                "top/link",
                "top/sub",
                "top/sub/b.txt"
            ]
        );
    }

    let zip_bytes = zip_with(&[
        ("dir/x.csv", None, b"1,2\n"),
        ("dir/alias", Some("x.csv"), b""),
        ("y.txt", None, b"why"),
    ]);
    let archive = tmp.path().join("data.zip");
    std::fs::write(&archive, zip_bytes).unwrap();
    let dest = tmp.path().join("zip-out");
    std::fs::create_dir(&dest).unwrap();
    std::fs::write(dest.join("existing.txt"), "keep").unwrap();
    let files = archive::extract(&archive, &dest).unwrap();
    assert_eq!(
        files,
        ["dir/x.csv", "dir/alias", "y.txt"].map(|p| dest.join(p))
    );
    assert_eq!(
        std::fs::read_to_string(dest.join("dir/alias")).unwrap(),
        "1,2\n"
    );
    assert_eq!(
        listing(&dest),
        ["dir", "dir/alias", "dir/x.csv", "existing.txt", "y.txt"]
    );

    // Extracting again would replace files: refused, nothing changed.
    let err = archive::extract(&archive, &dest).unwrap_err();
    assert!(
        matches!(err, RemoteError::DestinationExists { .. }),
        "{err}"
    );
    assert_eq!(
        listing(&dest),
        ["dir", "dir/alias", "dir/x.csv", "existing.txt", "y.txt"]
    );
    assert!(archive::is_archive(Path::new("x.TAR.GZ")));
    assert!(!archive::is_archive(Path::new("x.csv")));
}

/// Extracts an archive that must be refused; nothing may appear inside or outside `dest`.
fn assert_refused(name: &str, bytes: &[u8], dest_exists: bool) -> RemoteError {
    let outer = tempfile::tempdir().unwrap();
    let work = outer.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let archive = outer.path().join(name);
    std::fs::write(&archive, bytes).unwrap();
    let dest = work.join("dest");
    if dest_exists {
        std::fs::create_dir(&dest).unwrap();
    }
    let before = listing(outer.path());
    let err = archive::extract(&archive, &dest).unwrap_err();
    assert_eq!(listing(outer.path()), before, "{name}: {err}");
    if dest_exists {
        assert!(listing(&dest).is_empty());
    }
    err
}

#[test]
fn malicious_archives_are_refused() {
    use tar::EntryType::{Link, Regular, Symlink};
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "dotdot.tar",
            tar_with(&[
                ("ok.txt", Regular, "", b"fine"),
                ("../evil.txt", Regular, "", b"evil"),
            ]),
            "contains '..'",
        ),
        (
            "nested-dotdot.tar.gz",
            gzip(&tar_with(&[("a/../../evil.txt", Regular, "", b"evil")])),
            "contains '..'",
        ),
        (
            "absolute.tar",
            tar_with(&[("/tmp/renku-evil.txt", Regular, "", b"evil")]),
            "absolute path",
        ),
        (
            "symlink-abs.tar",
            tar_with(&[
                ("etc", Symlink, "/etc", b""),
                ("etc/evil", Regular, "", b"x"),
            ]),
            "absolute path",
        ),
        (
            "symlink-out.tar",
            tar_with(&[("sub/up", Symlink, "../../outside", b"")]),
            "outside the destination",
        ),
        (
            "hardlink-out.tar",
            tar_with(&[("h", Link, "../../etc/passwd", b"")]),
            "hard link pointing outside",
        ),
        (
            "hardlink-abs.tar",
            tar_with(&[("h", Link, "/etc/passwd", b"")]),
            "hard link pointing outside",
        ),
        (
            // Two links that only escape together: b -> . and a -> b/..
            "link-chain.tar",
            tar_with(&[("b", Symlink, ".", b""), ("a", Symlink, "b/..", b"")]),
            "outside the destination",
        ),
        (
            "write-through-link.tar",
            tar_with(&[
                ("b", Symlink, ".", b""),
                ("a", Symlink, "b/..", b""),
                ("a/escaped.txt", Regular, "", b"x"),
            ]),
            "outside the destination",
        ),
        (
            "zip-dotdot.zip",
            zip_with(&[("ok.txt", None, b"fine"), ("../evil.txt", None, b"evil")]),
            "contains '..'",
        ),
        (
            "zip-absolute.zip",
            zip_with(&[("/tmp/renku-evil.txt", None, b"evil")]),
            "absolute path",
        ),
        (
            "zip-symlink.zip",
            zip_with(&[("passwd", Some("/etc/passwd"), b"")]),
            "absolute path",
        ),
        (
            "zip-symlink-up.zip",
            zip_with(&[("d/up", Some("../../x"), b"")]),
            "outside the destination",
        ),
    ];
    for (name, bytes, reason) in cases {
        for dest_exists in [false, true] {
            let err = assert_refused(name, &bytes, dest_exists);
            assert!(
                matches!(err, RemoteError::UnsafeArchiveEntry { .. }),
                "{name}: {err}"
            );
            assert!(err.to_string().contains(reason), "{name}: {err}");
        }
    }
    assert!(!Path::new("/tmp/renku-evil.txt").exists());

    // Damaged archives are errors too, and leave nothing.
    let mut broken = gzip(&tar_with(&[("a.txt", Regular, "", &[7u8; 5000])]));
    broken.truncate(broken.len() / 2);
    let err = assert_refused("broken.tar.gz", &broken, false);
    assert!(matches!(err, RemoteError::Archive { .. }), "{err}");
    let err = assert_refused("garbage.zip", b"PK\x03\x04 not really", true);
    assert!(matches!(err, RemoteError::Archive { .. }), "{err}");
}
