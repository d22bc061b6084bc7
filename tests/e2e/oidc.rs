//! A real OpenID Connect provider for tests: `tests/fixtures/oidc/provider.mjs` (npm
//! `oidc-provider`, Keycloak's layout under `/auth/realms/Renku`, device flow, RS256 JWT
//! access tokens with Keycloak's claims). See `tests/fixtures/oidc/README.md`.
//!
//! Self-contained (std, reqwest and serde_json only) so that other test crates can include
//! it with `#[path = "…/tests/e2e/oidc.rs"] mod oidc;`.
//!
//! [`OidcProvider::start`] returns `None` (the test is skipped, with a notice) when `node` or
//! the `oidc-provider` package is missing, unless `RENKU_TEST_REQUIRE_OIDC=1`, which makes
//! that a failure. The package is looked for in `RENKU_OIDC_NODE_MODULES`, `NODE_PATH` and
//! `~/.cache/renku-oidc/node_modules` (where `.ci/run` installs it).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The accounts the provider knows.
pub const ACCOUNTS: [&str; 4] = ["alice", "bob", "carol", "admin"];
/// The public client of the command-line interface.
pub const CLI_CLIENT: &str = "renku-cli";
/// The confidential client (authorization code flow) and its secret.
pub const WEB_CLIENT: (&str, &str) = ("renku", "renku-secret");
/// The realm path of the issuer.
pub const REALM_PATH: &str = "/auth/realms/Renku";

/// Whether `RENKU_TEST_REQUIRE_OIDC=1` demands the provider.
pub fn required() -> bool {
    std::env::var("RENKU_TEST_REQUIRE_OIDC").is_ok_and(|v| v == "1")
}

/// The provider script in the repository.
pub fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/oidc/provider.mjs")
}

fn skip(why: &str) -> Option<OidcProvider> {
    assert!(
        !required(),
        "the OIDC test provider is required (RENKU_TEST_REQUIRE_OIDC=1) but cannot run: {why}"
    );
    eprintln!(
        "notice: {why}; tests that need the OIDC provider are skipped \
         (install it with `npm install --prefix ~/.cache/renku-oidc oidc-provider@9`)"
    );
    None
}

/// A running provider on 127.0.0.1; the node process is killed when this is dropped.
pub struct OidcProvider {
    child: Child,
    issuer: String,
    port: u16,
    log: tempfile::NamedTempFile,
    http: reqwest::blocking::Client,
}

impl OidcProvider {
    /// Starts a provider with the defaults (audience `renku`, 24 h tokens, 10 min codes).
    pub fn start() -> Option<OidcProvider> {
        OidcProvider::start_with(&[])
    }

    /// Starts a provider with extra command-line options of `provider.mjs`
    /// (`--audience A`, `--access-token-ttl S`, `--device-code-ttl S`).
    pub fn start_with(args: &[&str]) -> Option<OidcProvider> {
        match Command::new("node").arg("--version").output() {
            Ok(o) if o.status.success() => {}
            _ => return skip("node is not installed"),
        }
        let log = tempfile::NamedTempFile::new().expect("a log file");
        let mut child = Command::new("node")
            .arg(script())
            .args(["--port", "0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log.reopen().expect("reopen the log"))
            .spawn()
            .expect("start node");
        let stdout = child.stdout.take().expect("stdout pipe");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx.recv_timeout(Duration::from_secs(60)).unwrap_or_default();
        if line.trim().is_empty() {
            let status = child.try_wait().ok().flatten();
            let _ = child.kill();
            let _ = child.wait();
            let text = std::fs::read_to_string(log.path()).unwrap_or_default();
            if status.and_then(|s| s.code()) == Some(3) {
                return skip(&format!(
                    "the npm package oidc-provider is missing ({})",
                    text.trim()
                ));
            }
            panic!("the OIDC provider did not start ({status:?}): {text}");
        }
        let info: serde_json::Value =
            serde_json::from_str(line.trim()).expect("the provider prints a JSON line");
        let issuer = info["issuer"].as_str().expect("issuer").to_string();
        let port = info["port"].as_u64().expect("port") as u16;
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Some(OidcProvider {
            child,
            issuer,
            port,
            log,
            http,
        })
    }

    /// The issuer: `http://127.0.0.1:PORT/auth/realms/Renku`.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// `http://127.0.0.1:PORT` (a Renku endpoint whose `/auth/realms/Renku` is this provider).
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:PORT`, the key a login's token is stored under.
    pub fn host_key(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The device authorization endpoint.
    pub fn device_authorization_endpoint(&self) -> String {
        format!("{}/protocol/openid-connect/auth/device", self.issuer)
    }

    /// The token endpoint.
    pub fn token_endpoint(&self) -> String {
        format!("{}/protocol/openid-connect/token", self.issuer)
    }

    /// The JWKS endpoint.
    pub fn jwks_uri(&self) -> String {
        format!("{}/protocol/openid-connect/certs", self.issuer)
    }

    /// What the provider wrote on stderr so far (for failure messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }

    fn scripted(&self, form: &[(&str, &str)]) -> Result<(), String> {
        let response = self
            .http
            .post(format!("{}/test/device/approve", self.base_url()))
            .form(form)
            .send()
            .map_err(|e| e.to_string())?;
        let status = response.status();
        let body = response.text().unwrap_or_default();
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("{status}: {body}"))
        }
    }

    /// Approves the pending device login `user_code` as `account`, as the consent screen
    /// would.
    pub fn approve(&self, user_code: &str, account: &str) -> Result<(), String> {
        self.scripted(&[("user_code", user_code), ("account", account)])
    }

    /// Denies the pending device login `user_code`.
    pub fn deny(&self, user_code: &str) -> Result<(), String> {
        self.scripted(&[("user_code", user_code), ("deny", "1")])
    }

    /// Starts a device login for `client_id`: `(device_code, user_code)`.
    pub fn device_authorization(&self, client_id: &str) -> (String, String) {
        let answer: serde_json::Value = self
            .http
            .post(self.device_authorization_endpoint())
            .form(&[("client_id", client_id)])
            .send()
            .and_then(|r| r.error_for_status())
            .and_then(|r| r.json())
            .unwrap_or_else(|e| panic!("device authorization failed: {e}\n{}", self.log()));
        (
            answer["device_code"].as_str().unwrap().to_string(),
            answer["user_code"].as_str().unwrap().to_string(),
        )
    }

    /// Runs a whole device flow over HTTP for `account` (device authorization request,
    /// scripted approval, token request) and returns the JWT access token.
    pub fn token_for(&self, account: &str) -> String {
        self.token_response_for(account)["access_token"]
            .as_str()
            .expect("an access token")
            .to_string()
    }

    /// Like [`OidcProvider::token_for`], returning the whole token response.
    pub fn token_response_for(&self, account: &str) -> serde_json::Value {
        let (device_code, user_code) = self.device_authorization(CLI_CLIENT);
        self.approve(&user_code, account)
            .unwrap_or_else(|e| panic!("approval failed: {e}\n{}", self.log()));
        let response = self
            .http
            .post(self.token_endpoint())
            .form(&[
                ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                ("device_code", device_code.as_str()),
                ("client_id", CLI_CLIENT),
            ])
            .send()
            .expect("token request");
        let status = response.status();
        let body: serde_json::Value = response.json().expect("a JSON token response");
        assert!(status.is_success(), "token request: {status} {body}");
        body
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The decoded (unverified) header and payload of a JWT.
pub fn jwt_parts(token: &str) -> (serde_json::Value, serde_json::Value) {
    let decode = |part: &str| -> serde_json::Value {
        let bytes = base64_url_decode(part).expect("base64url");
        serde_json::from_slice(&bytes).expect("JSON")
    };
    let mut parts = token.split('.');
    let header = decode(parts.next().expect("header"));
    let payload = decode(parts.next().expect("payload"));
    assert!(parts.next().is_some(), "a signature part");
    (header, payload)
}

/// Decodes unpadded base64url (RFC 4648 §5).
fn base64_url_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut buffer = 0u32;
    let mut bits = 0;
    for c in text.trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        } as u32;
        buffer = (buffer << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Some(out)
}
