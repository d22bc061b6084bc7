//! renku-python 2.9.4 as a client of our `renku-server`: it assumes HTTPS and Keycloak under
//! the platform's host, so the server serves TLS with a throw-away certificate authority
//! (given to renku-python through `REQUESTS_CA_BUNDLE` and to git through `GIT_SSL_CAINFO`)
//! and forwards `/auth/…` to the real OIDC test provider.
//!
//! `renku login` (device flow through the forwarding), a renku-python project pushed through
//! the rewritten remote with renku-python's credential helper, indexed by the server from
//! renku-python's own metadata, then `renku clone` and `renku dataset import` from our
//! knowledge graph.
//!
//! renku-python is looked for in `RENKU_REFERENCE` (the `renku` executable) and
//! `~/.cache/renku-ref/bin/renku` (where `.ci/run` installs it); without it the test is
//! skipped with a notice, unless `RENKU_TEST_REQUIRE_REFERENCE=1`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::*;
use crate::hosted::{HostedOptions, HostedServer};
use crate::login::RunningLogin;
use crate::oidc::OidcProvider;

/// renku-python's `renku`, if installed.
fn reference() -> Option<PathBuf> {
    let found = std::env::var_os("RENKU_REFERENCE")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache/renku-ref/bin/renku"))
        })
        .filter(|p| p.is_file());
    if found.is_none() {
        assert!(
            !std::env::var("RENKU_TEST_REQUIRE_REFERENCE").is_ok_and(|v| v == "1"),
            "renku-python is required (RENKU_TEST_REQUIRE_REFERENCE=1) but not installed"
        );
        eprintln!(
            "notice: renku-python 2.9.4 is not installed; the reference-client test is skipped \
             (python3.11 -m venv ~/.cache/renku-ref && ~/.cache/renku-ref/bin/pip install renku==2.9.4)"
        );
    }
    found
}

/// A loopback address whose port 443 this process may listen on; `None` (skipped, with a
/// notice, unless renku-python is required) when binding to port 443 is not permitted.
fn https_address() -> Option<std::net::SocketAddr> {
    let n = std::process::id();
    let ip = std::net::Ipv4Addr::new(127, 42, ((n >> 8) & 0xff) as u8, (n & 0xff).max(2) as u8);
    let address = std::net::SocketAddr::from((ip, 443));
    match std::net::TcpListener::bind(address) {
        Ok(_) => Some(address),
        Err(e) => {
            assert!(
                !std::env::var("RENKU_TEST_REQUIRE_REFERENCE").is_ok_and(|v| v == "1"),
                "renku-python is required, but port 443 of {ip} cannot be used: {e}"
            );
            eprintln!(
                "notice: cannot listen on {address} ({e}); the renku-python client test is skipped"
            );
            None
        }
    }
}

/// Runs renku-python and git with an isolated HOME, the test CA and renku-python first on
/// PATH (its credential helper runs `renku`).
struct Reference<'a> {
    env: &'a TestEnv,
    renku: PathBuf,
    ca: PathBuf,
}

impl Reference<'_> {
    fn command(&self, program: &Path, cwd: &Path) -> Command {
        let bin = self.renku.parent().unwrap();
        let mut paths = vec![bin.to_path_buf()];
        if let Some(p) = std::env::var_os("PATH") {
            paths.extend(std::env::split_paths(&p));
        }
        let mut cmd = Command::new(program);
        cmd.current_dir(cwd)
            .env("HOME", self.env.home())
            .env("GIT_CONFIG_GLOBAL", self.env.home().join(".gitconfig"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("PATH", std::env::join_paths(paths).unwrap())
            .env("REQUESTS_CA_BUNDLE", &self.ca)
            .env("GIT_SSL_CAINFO", &self.ca)
            // No browser opens for the device login.
            .env("BROWSER", "true")
            .env("RENKU_DISABLE_VERSION_CHECK", "1")
            .env_remove("RUST_LOG")
            .stdin(std::process::Stdio::null());
        cmd
    }

    fn renku(&self, cwd: &Path, args: &[&str]) -> Command {
        let mut cmd = self.command(&self.renku, cwd);
        cmd.args(args);
        cmd
    }

    #[track_caller]
    fn ok(&self, cwd: &Path, args: &[&str]) -> String {
        let out = self.renku(cwd, args).output().unwrap();
        assert_ran(&out, &format!("renku-python {args:?}"));
        stdout(&out)
    }

    #[track_caller]
    fn git(&self, cwd: &Path, args: &[&str]) -> String {
        let out = self
            .command(Path::new("git"), cwd)
            .args(args)
            .output()
            .unwrap();
        assert_ran(&out, &format!("git {args:?}"));
        stdout(&out)
    }
}

#[track_caller]
fn assert_ran(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} failed ({:?})\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        stdout(out),
        stderr(out)
    );
}

#[test]
fn renku_python_logs_in_pushes_clones_and_imports_through_our_server() {
    let Some(renku) = reference() else {
        return;
    };
    let Some(provider) = OidcProvider::start() else {
        return;
    };
    // renku-python keeps tokens in an INI file keyed by host, where `host:port` does not
    // survive a round trip (`:` separates keys from values there): the deployment must be on
    // port 443, as real ones are. A loopback address of its own keeps it apart.
    let Some(address) = https_address() else {
        return;
    };
    let server = HostedServer::start_with(
        &provider,
        HostedOptions {
            tls: true,
            auth_proxy: true,
            address: Some(address),
            ..HostedOptions::default()
        },
    );
    assert_eq!(server.url, format!("https://{}", address.ip()));
    let env = TestEnv::new();
    let py = Reference {
        env: &env,
        renku,
        ca: server.ca.clone().unwrap(),
    };
    let alice = provider.token_for("alice");
    server.create_project(&alice, "py-weather", "private");

    // A renku-python project with a dataset.
    let work = env.work();
    py.ok(&work, &["init", "-t", "minimal", "py-weather"]);
    let root = work.join("py-weather");
    let source = work.join("obs.csv");
    std::fs::write(&source, "ZRH,3\nGVA,1\n").unwrap();
    py.ok(
        &root,
        &[
            "dataset",
            "create",
            "weather",
            "--name",
            "Weather observations",
        ],
    );
    py.ok(
        &root,
        &[
            "dataset",
            "add",
            "--copy",
            "weather",
            source.to_str().unwrap(),
        ],
    );
    py.git(
        &root,
        &[
            "remote",
            "add",
            "origin",
            &server.repo_url("alice/py-weather"),
        ],
    );

    // `renku login` inside the project: device flow through the server's /auth forwarding,
    // the remote routed through the deployment with renku-python's credential helper.
    let mut login = RunningLogin::spawn(py.renku(&root, &["login", "--yes", &server.url]));
    let code = login.user_code();
    provider
        .approve(&code, "alice")
        .unwrap_or_else(|e| panic!("{e}\n{}", provider.log()));
    let (status, out, err) = login.finish();
    assert_eq!(status, Some(0), "stdout:\n{out}\nstderr:\n{err}");
    let helper = py.git(&root, &["config", "credential.helper"]);
    assert_contains(&helper, &server.host_key());

    // Pushed with plain git, authenticated by renku-python's helper over HTTPS.
    py.git(&root, &["push", "-q", "-u", "origin", "HEAD"]);
    let head = py.git(&root, &["rev-parse", "HEAD"]);
    server.wait_indexed("alice/py-weather", Some(&alice), head.trim());

    // The server read renku-python's metadata: the dataset is in the knowledge graph.
    let datasets = server.get_json(
        "/knowledge-graph/projects/alice/py-weather/datasets",
        Some(&alice),
        200,
    );
    assert_eq!(datasets.as_array().map(Vec::len), Some(1), "{datasets}");
    assert_eq!(datasets[0]["slug"], "weather", "{datasets}");
    let id = datasets[0]["identifier"].as_str().unwrap().to_string();

    let uri = format!("{}/datasets/{id}", server.url);

    // Our own CLI imports the same dataset: it logs in over HTTPS (trusting the test CA
    // through SSL_CERT_FILE) and reads the cloned project's renku-python metadata as
    // `renku migrate` would.
    let ours_env = |cmd: &mut Command| {
        cmd.env("SSL_CERT_FILE", &py.ca)
            .env("GIT_SSL_CAINFO", &py.ca);
    };
    let mut command = env.renku_login_cmd(&work, &["login", &server.url]);
    ours_env(&mut command);
    let mut login = RunningLogin::spawn(command);
    let code = login.user_code();
    provider.approve(&code, "alice").unwrap();
    let (status, out, err) = login.finish();
    assert_eq!(status, Some(0), "stdout:\n{out}\nstderr:\n{err}");
    let ours = env.init_project("ours");
    let mut command = env.renku_login_cmd(&ours, &["dataset", "import", &uri, "-y"]);
    ours_env(&mut command);
    let out = command.output().unwrap();
    assert_ran(&out, "our dataset import");
    assert_eq!(read_file(&ours, "data/weather/obs.csv"), "ZRH,3\nGVA,1\n");
    let shown = env.ok(&ours, &["dataset", "show", "weather", "--format", "json"]);
    let shown: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(shown["name"], "Weather observations", "{shown}");

    // renku-python 2.9.4 cannot clone with its stored token: it passes the credential helper
    // as a `--config` clone option, which the GitPython it installs refuses as unsafe before git
    // runs — nothing reaches the server. So once the project is public, a renku-python
    // that is not logged in clones it and imports its dataset.
    let (status, _) = server.call(
        "PATCH",
        "/api/projects/alice/py-weather",
        Some(&alice),
        Some(&serde_json::json!({"visibility": "public"})),
    );
    assert_eq!(status, 200);
    let reader = TestEnv::new();
    let py2 = Reference {
        env: &reader,
        renku: py.renku.clone(),
        ca: py.ca.clone(),
    };
    let theirs = reader.work();
    py2.ok(
        &theirs,
        &["clone", &server.repo_url("alice/py-weather"), "cloned"],
    );
    assert_eq!(
        read_file(&theirs.join("cloned"), "data/weather/obs.csv"),
        "ZRH,3\nGVA,1\n"
    );

    // `renku dataset import` from our knowledge graph into another renku-python project.
    py2.ok(&theirs, &["init", "-t", "minimal", "consumer"]);
    let consumer = theirs.join("consumer");
    py2.ok(&consumer, &["dataset", "import", "--yes", &uri]);
    assert_eq!(
        read_file(&consumer, "data/weather/obs.csv"),
        "ZRH,3\nGVA,1\n"
    );
    let listed = py2.ok(&consumer, &["dataset", "ls"]);
    assert_contains(&listed, "weather");
}
