//! `renku login`, `renku logout` and `renku credentials` against a real OIDC provider
//! (`tests/fixtures/oidc`, skipped with a notice when node or oidc-provider is missing) and
//! small local servers for discovery documents and knowledge-graph requests.
//!
//! Every command runs with `RENKU_TOKEN_STORE=file`, so tokens land in the test's own
//! `~/.renku/tokens.json` and never in a keyring of the machine.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::*;
use crate::oidc::{OidcProvider, jwt_parts};

/// The directory of the `renku` binary under test (git's credential helper runs `renku`).
pub(crate) fn bin_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_renku"))
        .parent()
        .unwrap()
        .to_path_buf()
}

pub(crate) fn path_with_renku() -> std::ffi::OsString {
    let mut paths = vec![bin_dir()];
    if let Some(p) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&p));
    }
    std::env::join_paths(paths).unwrap()
}

impl TestEnv {
    /// `renku ARGS` with the file token store, fast polling and `renku` on PATH.
    pub(crate) fn renku_login_cmd(&self, cwd: &Path, args: &[&str]) -> Command {
        let mut cmd = self.renku_in(cwd);
        cmd.args(args)
            .env("RENKU_TOKEN_STORE", "file")
            .env("RENKU_LOGIN_POLL_INTERVAL", "0.1")
            .env("RENKU_HTTP_TIMEOUT", "10")
            .env("PATH", path_with_renku());
        cmd
    }

    pub(crate) fn run_login(&self, cwd: &Path, args: &[&str]) -> Output {
        self.renku_login_cmd(cwd, args).output().unwrap()
    }

    /// `git ARGS` with `input` on stdin, `renku` on PATH and the file token store.
    pub(crate) fn git_with_input(&self, cwd: &Path, args: &[&str], input: &str) -> Output {
        let mut cmd = Command::new("git");
        cmd.current_dir(cwd)
            .args(args)
            .env("HOME", self.home())
            .env("GIT_CONFIG_GLOBAL", self.home().join(".gitconfig"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("RENKU_TOKEN_STORE", "file")
            .env("PATH", path_with_renku())
            .env_remove("GIT_ASKPASS")
            .env_remove("SSH_ASKPASS");
        with_input(cmd, input)
    }

    fn tokens_file(&self) -> PathBuf {
        self.home().join(".renku/tokens.json")
    }

    /// The tokens stored in the file store, by host.
    pub(crate) fn stored_tokens(&self) -> Vec<(String, String)> {
        let Ok(text) = std::fs::read_to_string(self.tokens_file()) else {
            return Vec::new();
        };
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v["tokens"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, e)| (k.clone(), e["access_token"].as_str().unwrap().to_string()))
            .collect()
    }

    fn credentials(&self, cwd: &Path, hostname: &str, input: &str) -> Output {
        with_input(
            self.renku_login_cmd(cwd, &["credentials", "--hostname", hostname, "get"]),
            input,
        )
    }
}

/// Runs `cmd` with `input` on stdin; its output.
fn with_input(mut cmd: Command, input: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// A `renku login` running in the background; its output is collected as it comes.
pub(crate) struct RunningLogin {
    child: Child,
    lines: mpsc::Receiver<String>,
    stdout: Vec<String>,
    stdout_thread: Option<std::thread::JoinHandle<()>>,
    stderr_thread: Option<std::thread::JoinHandle<String>>,
}

impl RunningLogin {
    pub(crate) fn start(env: &TestEnv, cwd: &Path, args: &[&str]) -> RunningLogin {
        RunningLogin::spawn(env.renku_login_cmd(cwd, args))
    }

    /// Starts `command` (a login of any client that prints `…?user_code=CODE`).
    pub(crate) fn spawn(mut command: Command) -> RunningLogin {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, rx) = mpsc::channel();
        let out = child.stdout.take().unwrap();
        let stdout_thread = std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut err = child.stderr.take().unwrap();
        let stderr_thread = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = std::io::Read::read_to_string(&mut err, &mut s);
            s
        });
        RunningLogin {
            child,
            lines: rx,
            stdout: Vec::new(),
            stdout_thread: Some(stdout_thread),
            stderr_thread: Some(stderr_thread),
        }
    }

    /// Waits for the verification URL and returns its user code.
    pub(crate) fn user_code(&mut self) -> String {
        loop {
            let line = match self.lines.recv_timeout(Duration::from_secs(30)) {
                Ok(l) => l,
                Err(_) => {
                    let (_, out, err) = self.finish_now();
                    panic!("no verification URL came\nstdout:\n{out}\nstderr:\n{err}");
                }
            };
            self.stdout.push(line.clone());
            if let Some(pos) = line.find("user_code=") {
                return line[pos + "user_code=".len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                    .collect();
            }
        }
    }

    fn finish_now(&mut self) -> (Option<i32>, String, String) {
        let _ = self.child.kill();
        self.collect()
    }

    fn collect(&mut self) -> (Option<i32>, String, String) {
        let status = self.child.wait().unwrap();
        if let Some(t) = self.stdout_thread.take() {
            let _ = t.join();
        }
        while let Ok(l) = self.lines.try_recv() {
            self.stdout.push(l);
        }
        let err = self
            .stderr_thread
            .take()
            .map(|t| t.join().unwrap_or_default())
            .unwrap_or_default();
        (status.code(), self.stdout.join("\n"), err)
    }

    /// Waits (at most 60 s) for the command to end: (exit code, stdout, stderr).
    pub(crate) fn finish(mut self) -> (Option<i32>, String, String) {
        for _ in 0..600 {
            if self.child.try_wait().unwrap().is_some() {
                return self.collect();
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let (_, out, err) = self.finish_now();
        panic!("renku login did not finish\nstdout:\n{out}\nstderr:\n{err}");
    }
}

/// Logs in to `endpoint` (extra `args` after it) and approves as `account`; asserts success.
pub(crate) fn login_approved(
    env: &TestEnv,
    cwd: &Path,
    provider: &OidcProvider,
    endpoint: &str,
    args: &[&str],
    account: &str,
) -> String {
    let mut all = vec!["login"];
    if !endpoint.is_empty() {
        all.push(endpoint);
    }
    all.extend_from_slice(args);
    let mut run = RunningLogin::start(env, cwd, &all);
    let code = run.user_code();
    provider
        .approve(&code, account)
        .unwrap_or_else(|e| panic!("{e}\n{}", provider.log()));
    let (status, out, err) = run.finish();
    assert_eq!(status, Some(0), "stdout:\n{out}\nstderr:\n{err}");
    assert_contains(&out, "Successfully logged in.");
    out
}

// ---- a small HTTP server for discovery documents and knowledge-graph requests ----

/// What the local server answers for `/api/auth/config`.
#[derive(Clone)]
enum Discovery {
    /// This JSON document.
    Json(String),
    /// A status and body.
    Status(u16, &'static str, String),
}

/// A request the local server got: (method, path, Authorization header).
type Seen = (String, String, Option<String>);

struct LocalServer {
    base: String,
    port: u16,
    /// Every request.
    requests: Arc<Mutex<Vec<Seen>>>,
    server: Arc<tiny_http::Server>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl LocalServer {
    fn start(discovery: Discovery) -> LocalServer {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
        let port = server.server_addr().to_ip().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (srv, log) = (server.clone(), requests.clone());
        let thread = std::thread::spawn(move || {
            for request in srv.incoming_requests() {
                let auth = request
                    .headers()
                    .iter()
                    .find(|h| h.field.equiv("Authorization"))
                    .map(|h| h.value.as_str().to_string());
                let path = request.url().to_string();
                log.lock()
                    .unwrap()
                    .push((request.method().to_string(), path.clone(), auth));
                let json =
                    tiny_http::Header::from_bytes("Content-Type", "application/json").unwrap();
                let response = if path == "/api/auth/config" {
                    match &discovery {
                        Discovery::Json(body) => {
                            tiny_http::Response::from_string(body.clone()).with_header(json)
                        }
                        Discovery::Status(code, ctype, body) => {
                            tiny_http::Response::from_string(body.clone())
                                .with_status_code(*code)
                                .with_header(
                                    tiny_http::Header::from_bytes("Content-Type", *ctype).unwrap(),
                                )
                        }
                    }
                } else {
                    tiny_http::Response::from_string(r#"{"message":"not found"}"#)
                        .with_status_code(404)
                        .with_header(json)
                };
                let _ = request.respond(response);
            }
        });
        LocalServer {
            base: format!("http://127.0.0.1:{port}"),
            port,
            requests,
            server,
            thread: Some(thread),
        }
    }

    fn requests(&self) -> Vec<Seen> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn discovery_json(provider: &OidcProvider, full: bool) -> String {
    let mut doc = serde_json::json!({
        "issuer": provider.issuer(),
        "client_id": "renku-cli",
        "device_authorization_endpoint": provider.device_authorization_endpoint(),
    });
    if full {
        doc["token_endpoint"] = provider.token_endpoint().into();
    }
    doc.to_string()
}

// ---- the tests ----

#[test]
fn provider_issues_rs256_jwts_with_keycloak_claims() {
    let Some(provider) = OidcProvider::start() else {
        return;
    };
    let response = provider.token_response_for("admin");
    assert_eq!(response["token_type"], "Bearer");
    assert_eq!(response["expires_in"], 86400);
    let token = response["access_token"].as_str().unwrap();
    let (header, claims) = jwt_parts(token);
    assert_eq!(header["alg"], "RS256");
    assert_eq!(claims["iss"], provider.issuer());
    assert_eq!(claims["aud"], "renku");
    assert_eq!(claims["sub"], "admin");
    assert_eq!(claims["preferred_username"], "admin");
    assert_eq!(claims["email"], "admin@example.org");
    assert!(claims["name"].is_string());
    let roles = claims["realm_access"]["roles"].as_array().unwrap();
    assert!(roles.iter().any(|r| r == "renku-admin"), "{claims}");
    let exp = claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap();
    assert_eq!(exp, 86400);
    // The signing key is published.
    let jwks: serde_json::Value = reqwest::blocking::get(provider.jwks_uri())
        .unwrap()
        .json()
        .unwrap();
    let kid = header["kid"].as_str().unwrap();
    assert!(
        jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["kid"] == kid && k["kty"] == "RSA" && k.get("d").is_none()),
        "{jwks}"
    );
    // Plain users have no admin role.
    let (_, alice) = jwt_parts(&provider.token_for("alice"));
    assert_eq!(alice["preferred_username"], "alice");
    assert!(
        !alice["realm_access"]["roles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r == "renku-admin")
    );

    // The audience is configurable.
    let Some(other) = OidcProvider::start_with(&["--audience", "renku-test"]) else {
        return;
    };
    let (_, claims) = jwt_parts(&other.token_for("bob"));
    assert_eq!(claims["aud"], "renku-test");
}

#[test]
fn login_stores_a_jwt_and_the_helper_answers_for_that_host_only() {
    let Some(provider) = OidcProvider::start() else {
        return;
    };
    let env = TestEnv::new();
    // Outside any repository: only the token is stored. The provider's own address is a
    // classic deployment (no /api/auth/config), so the Keycloak layout is used.
    let out = login_approved(
        &env,
        &env.work(),
        &provider,
        &provider.base_url(),
        &[],
        "alice",
    );
    assert_contains(&out, "user_code=");
    let tokens = env.stored_tokens();
    assert_eq!(tokens.len(), 1, "{tokens:?}");
    let (host, token) = &tokens[0];
    assert_eq!(host, &provider.host_key());
    let (header, claims) = jwt_parts(token);
    assert_eq!(header["alg"], "RS256");
    assert_eq!(claims["preferred_username"], "alice");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(env.tokens_file())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }

    let request = format!("protocol=https\nhost={host}\npath=repos/ns/p.git\n\n");
    let answer = env.credentials(&env.work(), host, &request);
    assert_success(&answer);
    assert_eq!(
        stdout(&answer),
        format!("username=renku\npassword={token}\n")
    );
    // Another host gets nothing, even from the helper of this one.
    let other = env.credentials(&env.work(), host, "protocol=https\nhost=github.com\n\n");
    assert_success(&other);
    assert_eq!(stdout(&other), "");
    let unknown = env.credentials(&env.work(), "elsewhere.org", "");
    assert_success(&unknown);
    assert_eq!(stdout(&unknown), "");
    for command in ["store", "erase"] {
        let o = env.run_login(&env.work(), &["credentials", "--hostname", host, command]);
        assert_success(&o);
        assert_eq!(stdout(&o), "");
    }

    let o = env.run_login(&env.work(), &["logout", &provider.base_url()]);
    assert_success(&o);
    assert_contains(&stdout(&o), "Successfully logged out.");
    assert!(env.stored_tokens().is_empty());
}

#[test]
fn login_without_an_endpoint_uses_the_configured_one() {
    let env = TestEnv::new();
    let o = env.run_login(&env.work(), &["login"]);
    assert_code(&o, 2);
    assert_contains(&stderr(&o), "renku config set endpoint");
    let o = env.run_login(&env.work(), &["login", "ftp://x.org"]);
    assert_code(&o, 2);

    let Some(provider) = OidcProvider::start() else {
        return;
    };
    env.ok(
        &env.work(),
        &[
            "config",
            "set",
            "--global",
            "endpoint",
            &provider.base_url(),
        ],
    );
    login_approved(&env, &env.work(), &provider, "", &["--no-git"], "bob");
    assert_eq!(env.stored_tokens()[0].0, provider.host_key());
}

#[test]
fn login_in_a_project_routes_the_remote_through_the_deployment_and_logout_restores_it() {
    let Some(provider) = OidcProvider::start() else {
        return;
    };
    let env = TestEnv::new();
    let root = env.project_with(&[]);
    let original = "git@gitlab.example.org:group/project.git";
    env.git(&root, &["remote", "add", "origin", original]);
    let host = provider.host_key();
    let commits = env.commit_count(&root);

    login_approved(
        &env,
        &root,
        &provider,
        &provider.base_url(),
        &["-y"],
        "carol",
    );
    let url = env.git(&root, &["remote", "get-url", "origin"]);
    assert_eq!(
        url.trim(),
        // The endpoint was named with http://, so the remote stays on http.
        format!("http://{host}/repos/group/project.git")
    );
    let backup = env.git(&root, &["remote", "get-url", "renku-backup-origin"]);
    assert_eq!(backup.trim(), original);
    let helper = env.git(
        &root,
        &["config", "--local", "--get-all", "credential.helper"],
    );
    assert_eq!(
        helper.trim(),
        format!("!renku credentials --hostname {host}")
    );
    let token = env.stored_tokens()[0].1.clone();

    // git itself asks the helper, for the rewritten remote's host.
    let fill = env.git_with_input(
        &root,
        &["credential", "fill"],
        &format!("protocol=https\nhost={host}\npath=repos/group/project.git\n\n"),
    );
    assert!(fill.status.success(), "{}", stderr(&fill));
    let text = stdout(&fill);
    assert_contains(&text, "username=renku\n");
    assert_contains(&text, &format!("password={token}\n"));
    // For any other host, the helper stays silent (git then has nothing and gives up).
    let other = env.git_with_input(
        &root,
        &["credential", "fill"],
        "protocol=https\nhost=github.com\n\n",
    );
    assert!(!stdout(&other).contains(&token));
    assert!(!other.status.success());

    // Logging in again keeps the first backup.
    let out = login_approved(
        &env,
        &root,
        &provider,
        &provider.base_url(),
        &["--yes"],
        "carol",
    );
    assert!(!out.is_empty());
    let backup = env.git(&root, &["remote", "get-url", "renku-backup-origin"]);
    assert_eq!(backup.trim(), original);

    let o = env.run_login(&root, &["logout"]);
    assert_success(&o);
    assert_eq!(
        env.git(&root, &["remote", "get-url", "origin"]).trim(),
        original
    );
    let remotes = env.git(&root, &["remote"]);
    assert_eq!(remotes.trim(), "origin");
    let helper = env.git_with_input(
        &root,
        &["config", "--local", "--get-all", "credential.helper"],
        "",
    );
    assert_eq!(stdout(&helper), "");
    assert!(env.stored_tokens().is_empty());
    // The project's history was not touched by any of this.
    assert_eq!(env.commit_count(&root), commits);
}

#[test]
fn the_remote_is_only_changed_after_confirmation_or_with_the_warning_off() {
    let Some(provider) = OidcProvider::start() else {
        return;
    };
    let env = TestEnv::new();
    let root = env.project_with(&[]);
    let original = "https://gitlab.example.org/gitlab/ns/p.git";
    env.git(&root, &["remote", "add", "origin", original]);

    // No answer to the question (stdin is closed): nothing happens, the provider is not asked.
    let o = env.run_login(&root, &["login", &provider.base_url()]);
    assert_code(&o, 1);
    assert_contains(&stderr(&o), "renku-backup-origin");
    assert!(!stdout(&o).contains("user_code="), "{}", stdout(&o));
    assert!(env.stored_tokens().is_empty());
    assert_eq!(
        env.git(&root, &["remote", "get-url", "origin"]).trim(),
        original
    );

    // With show_login_warning off, no question.
    env.ok(
        &root,
        &["config", "set", "--global", "show_login_warning", "false"],
    );
    login_approved(&env, &root, &provider, &provider.base_url(), &[], "alice");
    assert_eq!(
        env.git(&root, &["remote", "get-url", "origin"]).trim(),
        format!("http://{}/repos/ns/p.git", provider.host_key())
    );
}

#[test]
fn no_git_logs_in_without_touching_the_repository() {
    let Some(provider) = OidcProvider::start() else {
        return;
    };
    let env = TestEnv::new();
    let root = env.project_with(&[]);
    env.git(&root, &["remote", "add", "origin", "git@h.org:ns/p.git"]);
    let config_before = std::fs::read(root.join(".git/config")).unwrap();
    login_approved(
        &env,
        &root,
        &provider,
        &provider.base_url(),
        &["--no-git"],
        "alice",
    );
    assert_eq!(
        std::fs::read(root.join(".git/config")).unwrap(),
        config_before
    );
    assert_eq!(env.stored_tokens().len(), 1);
}

#[test]
fn a_denied_login_stores_nothing_and_changes_nothing() {
    let Some(provider) = OidcProvider::start() else {
        return;
    };
    let env = TestEnv::new();
    let root = env.project_with(&[]);
    env.git(&root, &["remote", "add", "origin", "git@h.org:ns/p.git"]);
    let config_before = std::fs::read(root.join(".git/config")).unwrap();
    let mut run = RunningLogin::start(&env, &root, &["login", &provider.base_url(), "-y"]);
    let code = run.user_code();
    provider.deny(&code).unwrap();
    let (status, out, err) = run.finish();
    assert_eq!(status, Some(1), "stdout:\n{out}\nstderr:\n{err}");
    assert_contains(&err, "Access denied");
    assert!(!out.contains("Successfully"), "{out}");
    assert!(env.stored_tokens().is_empty());
    assert!(!env.tokens_file().exists());
    assert_eq!(
        std::fs::read(root.join(".git/config")).unwrap(),
        config_before
    );
}

#[test]
fn an_expired_login_request_fails_cleanly() {
    let Some(provider) = OidcProvider::start_with(&["--device-code-ttl", "2"]) else {
        return;
    };
    let env = TestEnv::new();
    let mut run = RunningLogin::start(&env, &env.work(), &["login", &provider.base_url()]);
    let _code = run.user_code();
    let (status, out, err) = run.finish();
    assert_eq!(status, Some(1), "stdout:\n{out}\nstderr:\n{err}");
    assert_contains(&err, "expired before it was approved");
    assert!(env.stored_tokens().is_empty());
}

#[test]
fn the_identity_provider_is_discovered_and_the_token_goes_to_the_knowledge_graph() {
    let Some(provider) = OidcProvider::start() else {
        return;
    };
    let env = TestEnv::new();
    // A server that names the provider in /api/auth/config (and knows no datasets).
    let server = LocalServer::start(Discovery::Json(discovery_json(&provider, true)));
    login_approved(&env, &env.work(), &provider, &server.base, &[], "bob");
    let tokens = env.stored_tokens();
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0].0, format!("127.0.0.1:{}", server.port));
    let token = tokens[0].1.clone();
    assert_eq!(jwt_parts(&token).1["preferred_username"], "bob");
    assert_eq!(server.requests()[0].1, "/api/auth/config");

    // `dataset import` from that server sends the token as a bearer token.
    let root = env.project_with(&[]);
    let o = env.run_login(
        &root,
        &[
            "dataset",
            "import",
            "-y",
            &format!("{}/datasets/0123456789abcdef0123456789abcdef", server.base),
        ],
    );
    assert_code(&o, 1);
    let kg: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|(_, p, _)| p.starts_with("/api/kg/"))
        .collect();
    assert!(!kg.is_empty(), "{:?}", server.requests());
    for (_, path, auth) in &kg {
        assert_eq!(
            auth.as_deref(),
            Some(format!("Bearer {token}").as_str()),
            "{path}"
        );
    }

    // A document without the token endpoint is completed from the issuer's metadata.
    let env = TestEnv::new();
    let partial = LocalServer::start(Discovery::Json(discovery_json(&provider, false)));
    login_approved(&env, &env.work(), &provider, &partial.base, &[], "carol");
    assert_eq!(
        env.stored_tokens()[0].0,
        format!("127.0.0.1:{}", partial.port)
    );
}

#[test]
fn broken_discovery_and_unreachable_servers_are_clear_errors() {
    let env = TestEnv::new();
    let cases = [
        (
            Discovery::Status(200, "application/json", "{not json".into()),
            "Unexpected answer from",
        ),
        (
            Discovery::Json(r#"{"issuer": "not a url"}"#.into()),
            "bad issuer",
        ),
        (
            Discovery::Status(503, "text/plain", "maintenance".into()),
            "503",
        ),
    ];
    for (discovery, message) in cases {
        let server = LocalServer::start(discovery);
        let o = env.run_login(&env.work(), &["login", &server.base]);
        assert_code(&o, 1);
        assert_contains(&stderr(&o), message);
        assert_contains(&stderr(&o), &format!("{}/api/auth/config", server.base));
        assert!(!stdout(&o).contains("user_code"), "{}", stdout(&o));
    }
    // Nobody listens.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let o = env.run_login(&env.work(), &["login", &format!("http://127.0.0.1:{port}")]);
    assert_code(&o, 1);
    assert_contains(&stderr(&o), "Cannot connect to");
    assert!(env.stored_tokens().is_empty());
}

#[test]
fn logout_removes_one_or_all_tokens() {
    let env = TestEnv::new();
    std::fs::create_dir_all(env.home().join(".renku")).unwrap();
    std::fs::write(
        env.tokens_file(),
        r#"{"tokens":{"a.org":{"access_token":"ta"},"b.org:8443":{"access_token":"tb"},"c.org":{"access_token":"tc"}}}"#,
    )
    .unwrap();
    let o = env.run_login(&env.work(), &["logout", "https://b.org:8443/some/path"]);
    assert_success(&o);
    let hosts: Vec<String> = env.stored_tokens().into_iter().map(|(h, _)| h).collect();
    assert_eq!(hosts, ["a.org", "c.org"]);
    // The helper reads the same store.
    let a = env.credentials(&env.work(), "a.org", "protocol=https\nhost=a.org\n\n");
    assert_eq!(stdout(&a), "username=renku\npassword=ta\n");
    let o = env.run_login(&env.work(), &["logout"]);
    assert_success(&o);
    assert!(env.stored_tokens().is_empty());
    // Logging out again is fine.
    assert_success(&env.run_login(&env.work(), &["logout"]));
}
