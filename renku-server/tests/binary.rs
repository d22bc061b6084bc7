//! The `renku-server` binary: start-up errors, serving, graceful stop on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn server() -> Command {
    Command::new(env!("CARGO_BIN_EXE_renku-server"))
}

#[test]
fn bad_configuration_exits_with_2_and_names_the_setting() {
    let dir = tempfile::tempdir().expect("dir");
    let output = server()
        .arg("serve")
        .env_remove("RENKU_SERVER_DATA_DIR")
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("data directory"));

    let output = server()
        .args(["serve", "--bind", "not-an-address", "--data-dir"])
        .arg(dir.path())
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("bind"));

    let file = dir.path().join("server.yaml");
    std::fs::write(&file, "data_dir: [unclosed\n").expect("write");
    let output = server()
        .args(["serve", "--config"])
        .arg(&file)
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("server.yaml"));

    let output = server().arg("--help").output().expect("run");
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("serve"));
}

#[test]
fn serves_until_sigterm_and_keeps_its_state() {
    let dir = tempfile::tempdir().expect("dir");
    let mut child = server()
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--log-format",
            "json",
            "--data-dir",
        ])
        .arg(dir.path().join("data"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("read");
    let url = line
        .trim()
        .strip_prefix("renku-server listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {line}"))
        .to_string();
    let body = reqwest::blocking::get(format!("{url}/healthz"))
        .expect("healthz")
        .text()
        .expect("text");
    assert_eq!(body.trim(), "ok");
    assert!(dir.path().join("data/renku-server.sqlite").is_file());

    let pid = rustix::process::Pid::from_child(&child);
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).expect("signal");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "server did not stop"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status}");
    let mut logs = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut logs)
        .expect("logs");
    let first = logs.lines().next().expect("a log line");
    let parsed: serde_json::Value = serde_json::from_str(first).expect("json log lines");
    assert!(parsed["level"].is_string(), "{first}");
}
