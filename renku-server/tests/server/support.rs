//! Test support: a small identity provider (discovery + JWKS, keys swappable for rotation
//! tests), token minting, and a started server.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use axum::routing::get;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use renku_server::config::{OidcConfig, ServerConfig};
use renku_server::{RunningServer, start};
use serde_json::{Value, json};

/// A signing key of the test provider.
#[derive(Clone)]
pub struct TestKey {
    pub kid: String,
    pub encoding: EncodingKey,
    pub jwk: Jwk,
}

impl TestKey {
    pub fn load(file: &str, kid: &str) -> TestKey {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(file);
        let pem = std::fs::read(&path).expect("test key");
        let encoding = EncodingKey::from_rsa_pem(&pem).expect("rsa key");
        let mut jwk = Jwk::from_encoding_key(&encoding, Algorithm::RS256).expect("jwk");
        jwk.common.key_id = Some(kid.to_string());
        TestKey {
            kid: kid.to_string(),
            encoding,
            jwk,
        }
    }
}

#[derive(Clone)]
struct IdpState {
    issuer: Arc<Mutex<String>>,
    keys: Arc<Mutex<Vec<Jwk>>>,
    jwks_requests: Arc<Mutex<usize>>,
}

/// An identity provider serving discovery and keys (tokens are minted by the test).
pub struct TestIdp {
    pub issuer: String,
    pub key: TestKey,
    state: IdpState,
}

impl TestIdp {
    pub async fn start() -> TestIdp {
        let key = TestKey::load("test-key-1.pem", "key-1");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address: SocketAddr = listener.local_addr().expect("address");
        let issuer = format!("http://{address}/auth/realms/Renku");
        let state = IdpState {
            issuer: Arc::new(Mutex::new(issuer.clone())),
            keys: Arc::new(Mutex::new(vec![key.jwk.clone()])),
            jwks_requests: Arc::new(Mutex::new(0)),
        };
        let app = axum::Router::new()
            .route(
                "/auth/realms/Renku/.well-known/openid-configuration",
                get(|State(s): State<IdpState>| async move {
                    let issuer = s.issuer.lock().expect("lock").clone();
                    Json(json!({
                        "issuer": issuer,
                        "jwks_uri": format!("{issuer}/protocol/openid-connect/certs"),
                        "token_endpoint": format!("{issuer}/protocol/openid-connect/token"),
                        "device_authorization_endpoint": format!("{issuer}/protocol/openid-connect/auth/device"),
                    }))
                }),
            )
            .route(
                "/auth/realms/Renku/protocol/openid-connect/certs",
                get(|State(s): State<IdpState>| async move {
                    *s.jwks_requests.lock().expect("lock") += 1;
                    let keys = s.keys.lock().expect("lock").clone();
                    Json(serde_json::to_value(JwkSet { keys }).expect("jwks"))
                }),
            )
            .with_state(state.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        TestIdp { issuer, key, state }
    }

    /// Replaces the published keys (key rotation).
    pub fn publish(&self, keys: Vec<Jwk>) {
        *self.state.keys.lock().expect("lock") = keys;
    }

    /// How often the keys were fetched.
    pub fn jwks_requests(&self) -> usize {
        *self.state.jwks_requests.lock().expect("lock")
    }

    /// Claims of a valid token for `user`.
    pub fn claims(&self, user: &str) -> Value {
        let now = chrono::Utc::now().timestamp();
        let mut claims = json!({
            "iss": self.issuer,
            "aud": ["renku"],
            "sub": format!("{user}-id"),
            "preferred_username": user,
            "email": format!("{user}@example.org"),
            "name": format!("{user} Tester"),
            "given_name": user,
            "family_name": "Tester",
            "iat": now,
            "exp": now + 3600,
            "realm_access": {"roles": []},
        });
        if user == "admin" {
            claims["realm_access"]["roles"] = json!(["renku-admin"]);
        }
        claims
    }

    /// A signed token with these claims.
    pub fn sign(&self, claims: &Value, key: &TestKey) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(key.kid.clone());
        jsonwebtoken::encode(&header, claims, &key.encoding).expect("sign")
    }

    /// A valid token for `user`.
    pub fn token(&self, user: &str) -> String {
        self.sign(&self.claims(user), &self.key)
    }

    pub fn oidc_config(&self) -> OidcConfig {
        OidcConfig {
            issuer: self.issuer.clone(),
            audiences: vec!["renku".into()],
            cli_client_id: "renku-cli".into(),
            admin_claim: "realm_access.roles".into(),
            admin_role: "renku-admin".into(),
            leeway_seconds: 5,
        }
    }
}

/// A server with its data directory and identity provider.
pub struct TestServer {
    pub server: RunningServer,
    pub idp: TestIdp,
    pub url: String,
    pub http: reqwest::Client,
    _data: tempfile::TempDir,
    pub data_dir: std::path::PathBuf,
}

impl TestServer {
    pub async fn start() -> TestServer {
        Self::start_with(|_, _, _| {}).await
    }

    /// A server whose configuration `adjust` changes first (given the identity provider and
    /// a scratch directory); with TLS configured, the client trusts `tls/ca.pem` there.
    pub async fn start_with(adjust: impl FnOnce(&mut ServerConfig, &TestIdp, &Path)) -> TestServer {
        let idp = TestIdp::start().await;
        let data = tempfile::tempdir().expect("data dir");
        let mut config = ServerConfig::new(data.path().join("state"));
        config.bind = "127.0.0.1:0".parse().expect("address");
        config.oidc = Some(idp.oidc_config());
        adjust(&mut config, &idp, data.path());
        let mut http = reqwest::Client::builder();
        if config.tls.is_some() {
            let ca = std::fs::read(data.path().join("tls/ca.pem")).expect("ca");
            http =
                http.tls_certs_only([reqwest::Certificate::from_pem(&ca).expect("ca certificate")]);
        }
        let server = start(config).await.expect("server starts");
        let url = server.url();
        TestServer {
            data_dir: data.path().join("state"),
            server,
            idp,
            url,
            http: http.build().expect("client"),
            _data: data,
        }
    }

    /// Stops the server and starts it again on the same address, data directory and
    /// identity provider.
    pub async fn restart(self) -> TestServer {
        let TestServer {
            server,
            idp,
            _data,
            data_dir,
            ..
        } = self;
        let address = server.address;
        server.stop().await.expect("server stops");
        let mut config = ServerConfig::new(data_dir.clone());
        config.bind = address;
        config.oidc = Some(idp.oidc_config());
        let server = start(config).await.expect("server starts again");
        let url = server.url();
        TestServer {
            server,
            idp,
            url,
            http: reqwest::Client::new(),
            _data,
            data_dir,
        }
    }

    pub fn get(&self, path: &str, token: Option<&str>) -> reqwest::RequestBuilder {
        let request = self.http.get(format!("{}{path}", self.url));
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    pub fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let request = self.http.request(method, format!("{}{path}", self.url));
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    /// Sends `method path` (no body) with `token`, asserts the answer's status and returns
    /// its body.
    pub async fn expect_status(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        status: u16,
    ) -> String {
        let response = self
            .send(method.clone(), path, token)
            .send()
            .await
            .expect("request");
        let code = response.status().as_u16();
        let body = response.text().await.unwrap_or_default();
        assert_eq!(code, status, "{method} {path}: {body}");
        body
    }

    /// Creates a project owned by `owner` and returns its JSON.
    pub async fn create_project(&self, owner: &str, name: &str, visibility: &str) -> Value {
        let token = self.idp.token(owner);
        let response = self
            .send(reqwest::Method::POST, "/api/projects", Some(&token))
            .json(&json!({"name": name, "visibility": visibility}))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 201, "{:?}", response.text().await);
        response.json().await.expect("json")
    }
}

/// Runs a command, returning (success, stdout, stderr).
pub fn run(dir: &Path, program: &str, args: &[&str]) -> (bool, String, String) {
    run_with_env(dir, program, args, &[])
}

/// [`run`] with extra environment variables.
pub fn run_with_env(
    dir: &Path,
    program: &str,
    args: &[&str],
    env: &[(&str, &str)],
) -> (bool, String, String) {
    let output = std::process::Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .current_dir(dir)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .env("GIT_AUTHOR_NAME", "Tester")
        .env("GIT_AUTHOR_EMAIL", "tester@example.org")
        .env("GIT_COMMITTER_NAME", "Tester")
        .env("GIT_COMMITTER_EMAIL", "tester@example.org")
        .output()
        .expect("run");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Whether git-lfs is installed.
pub fn have_git_lfs() -> bool {
    std::process::Command::new("git")
        .args(["lfs", "version"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// A throw-away certificate authority and a server certificate for 127.0.0.1 and
/// localhost, written as `ca.pem`, `cert.pem`, `key.pem` into `dir`.
pub fn make_tls(dir: &Path) -> renku_server::config::TlsConfig {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    std::fs::create_dir_all(dir).expect("tls dir");
    let ca_key = KeyPair::generate().expect("ca key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "renku-server test CA");
    let ca_cert = ca_params.self_signed(&ca_key).expect("ca certificate");
    let issuer = Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate().expect("server key");
    let params = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
        .expect("server params");
    let cert = params.signed_by(&key, &issuer).expect("server certificate");
    std::fs::write(dir.join("ca.pem"), ca_cert.pem()).expect("write");
    std::fs::write(dir.join("cert.pem"), cert.pem()).expect("write");
    std::fs::write(dir.join("key.pem"), key.serialize_pem()).expect("write");
    renku_server::config::TlsConfig {
        cert: dir.join("cert.pem"),
        key: dir.join("key.pem"),
    }
}
