//! Our `renku-server`, started in this process on 127.0.0.1 for tests that drive the
//! `renku` binary (and other clients) against a hosted deployment: its own data directory,
//! tokens of the real OIDC test provider (`crate::oidc`), optionally HTTPS with a
//! throw-away certificate authority.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use renku_server::config::{OidcConfig, ServerConfig, TlsConfig};
use renku_server::{RunningServer, start};
use serde_json::{Value, json};

use crate::oidc::OidcProvider;

/// A running server; stopped (gracefully) when dropped.
pub struct HostedServer {
    runtime: tokio::runtime::Runtime,
    server: Option<RunningServer>,
    /// `http(s)://127.0.0.1:PORT`.
    pub url: String,
    /// The PEM file of the certificate authority that signed the server's certificate
    /// (HTTPS only).
    pub ca: Option<PathBuf>,
    http: reqwest::blocking::Client,
    _data: tempfile::TempDir,
}

/// How to start a server.
#[derive(Default)]
pub struct HostedOptions {
    /// Serve HTTPS with a throw-away certificate for 127.0.0.1.
    pub tls: bool,
    /// Forward `/auth/…` to the provider (what renku-python needs).
    pub auth_proxy: bool,
    /// Clock skew tolerated for `exp`/`nbf` (default 5 s).
    pub leeway_seconds: Option<u64>,
    /// Accepted audiences (default `renku`, what the provider issues).
    pub audiences: Option<Vec<String>>,
    /// Listen on this address instead of a free port of 127.0.0.1; the public URL is then
    /// `http(s)://<ip>` for port 80/443 (no port in it), and the certificate is for this IP.
    pub address: Option<std::net::SocketAddr>,
}

impl HostedServer {
    /// A plain-HTTP server trusting `provider`'s tokens.
    pub fn start(provider: &OidcProvider) -> HostedServer {
        HostedServer::start_with(provider, HostedOptions::default())
    }

    /// A server with `options`, trusting `provider`'s tokens.
    pub fn start_with(provider: &OidcProvider, options: HostedOptions) -> HostedServer {
        let data = tempfile::tempdir().unwrap();
        let mut config = ServerConfig::new(data.path().join("state"));
        config.bind = options
            .address
            .unwrap_or_else(|| "127.0.0.1:0".parse().unwrap());
        if let Some(address) = options.address {
            let scheme = if options.tls { "https" } else { "http" };
            config.public_url = Some(match address.port() {
                443 | 80 => format!("{scheme}://{}", address.ip()),
                port => format!("{scheme}://{}:{port}", address.ip()),
            });
        }
        config.oidc = Some(OidcConfig {
            issuer: provider.issuer().to_string(),
            audiences: options
                .audiences
                .clone()
                .unwrap_or_else(|| vec!["renku".into()]),
            cli_client_id: crate::oidc::CLI_CLIENT.into(),
            admin_claim: "realm_access.roles".into(),
            admin_role: "renku-admin".into(),
            leeway_seconds: options.leeway_seconds.unwrap_or(5),
        });
        // Index jobs are woken by pushes; the poll only matters for missed wake-ups.
        config.kg.index_poll_seconds = 1;
        if options.auth_proxy {
            config.auth_proxy = Some(provider.base_url());
        }
        let mut http = reqwest::blocking::Client::builder().timeout(Duration::from_secs(60));
        let mut ca = None;
        if options.tls {
            let dir = data.path().join("tls");
            let ip = options.address.map(|a| a.ip().to_string());
            config.tls = Some(make_tls(&dir, ip.as_deref()));
            let pem = std::fs::read(dir.join("ca.pem")).unwrap();
            http = http.tls_certs_only([reqwest::Certificate::from_pem(&pem).unwrap()]);
            ca = Some(dir.join("ca.pem"));
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let server = runtime.block_on(start(config)).expect("the server starts");
        let url = server.url();
        HostedServer {
            runtime,
            server: Some(server),
            url,
            ca,
            http: http.build().unwrap(),
            _data: data,
        }
    }

    /// `127.0.0.1:PORT`, the key a login's token is stored under.
    pub fn host_key(&self) -> String {
        self.url
            .split("://")
            .nth(1)
            .unwrap()
            .trim_end_matches('/')
            .to_string()
    }

    /// The URL of `path` on the server.
    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// The clone URL of `namespace/name`.
    pub fn repo_url(&self, project: &str) -> String {
        self.at(&format!("/repos/{project}.git"))
    }

    /// `method path` with an optional bearer token and JSON body: (status, body as JSON or
    /// as a string).
    pub fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self.http.request(method, self.at(path));
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        if let Some(b) = body {
            request = request.json(b);
        }
        let response = request.send().unwrap();
        let status = response.status().as_u16();
        let text = response.text().unwrap_or_default();
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, value)
    }

    /// `GET path`, asserting `expected`; the JSON answer.
    #[track_caller]
    pub fn get_json(&self, path: &str, token: Option<&str>, expected: u16) -> Value {
        let (status, body) = self.call("GET", path, token, None);
        assert_eq!(status, expected, "GET {path}: {body}");
        body
    }

    /// Creates `name` in the namespace of `token`'s user with `visibility`.
    #[track_caller]
    pub fn create_project(&self, token: &str, name: &str, visibility: &str) -> Value {
        let body = json!({"name": name, "visibility": visibility});
        let (status, answer) = self.call("POST", "/api/projects", Some(token), Some(&body));
        assert_eq!(status, 201, "create {name}: {answer}");
        answer
    }

    /// Waits (at most 60 s) until the project's latest index job for `commit` finished, and
    /// returns its status document; panics when it failed.
    #[track_caller]
    pub fn wait_indexed(&self, project: &str, token: Option<&str>, commit: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        let path = format!("/api/projects/{project}/graph/status");
        loop {
            let status = self.get_json(&path, token, 200);
            let finished = status["progress"]["done"] == 2;
            if status["commit"] == commit && finished {
                assert_eq!(
                    status["details"]["status"], "success",
                    "indexing {project} failed: {status}"
                );
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "{project} at {commit} was not indexed in time: {status}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for HostedServer {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            let _ = self.runtime.block_on(server.stop());
        }
    }
}

/// A throw-away certificate authority and a certificate for 127.0.0.1/localhost (and `ip`)
/// signed by it, written to `dir` (`ca.pem`, `cert.pem`, `key.pem`).
pub fn make_tls(dir: &Path, ip: Option<&str>) -> TlsConfig {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    std::fs::create_dir_all(dir).unwrap();
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "renku e2e test CA");
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate().unwrap();
    let mut names = vec!["127.0.0.1".to_string(), "localhost".to_string()];
    names.extend(ip.map(str::to_string));
    let params = CertificateParams::new(names).unwrap();
    let cert = params.signed_by(&key, &issuer).unwrap();
    std::fs::write(dir.join("ca.pem"), ca_cert.pem()).unwrap();
    std::fs::write(dir.join("cert.pem"), cert.pem()).unwrap();
    std::fs::write(dir.join("key.pem"), key.serialize_pem()).unwrap();
    TlsConfig {
        cert: dir.join("cert.pem"),
        key: dir.join("key.pem"),
    }
}
