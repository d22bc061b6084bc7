//! An interrupted download removes what it wrote. (Its own test binary: the interrupt flag
//! is process-wide.)

#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};

use renku_lib::dataset_remote::download::{DownloadProgress, DownloadRequest, Downloader};
use renku_lib::dataset_remote::{ProviderSettings, RemoteError};

/// Serves a body of 16 MiB (about five seconds) slowly, chunk by chunk, to every connection.
fn slow_server() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            std::thread::spawn(move || {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    match stream.read(&mut byte) {
                        Ok(1) => head.push(byte[0]),
                        _ => return,
                    }
                }
                let size = 16 << 20;
                let _ = write!(stream, "HTTP/1.1 200 OK\r\nContent-Length: {size}\r\n\r\n");
                let chunk = vec![b'x'; 64 * 1024];
                for _ in 0..size / chunk.len() {
                    if stream.write_all(&chunk).is_err() {
                        return;
                    }
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
            });
        }
    });
    format!("http://127.0.0.1:{port}")
}

/// Presses Ctrl-C once the first bytes arrived.
struct CtrlC;

impl DownloadProgress for CtrlC {
    fn start(&self, _: usize, _: u64) {}
    fn file_started(&self, _: &str, _: Option<u64>) {}
    fn bytes(&self, _: &str, _: u64) {
        renku_lib::interrupt::request();
    }
    fn file_done(&self, _: &str) {}
}

#[test]
fn interrupted_download_leaves_nothing() {
    let base = slow_server();
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join("data");
    let requests = [
        DownloadRequest::new(format!("{base}/a.bin")),
        DownloadRequest::new(format!("{base}/b.bin")),
    ];
    let started = std::time::Instant::now();
    let err = Downloader::new(&ProviderSettings::default())
        .unwrap()
        .download_all(&requests, &dest, 2, &CtrlC)
        .unwrap_err();
    assert!(matches!(err, RemoteError::Interrupted), "{err}");
    // It stopped at once, not after the whole (slow) body.
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
    assert!(!dest.exists());
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
    let lib: renku_lib::Error = err.into();
    assert!(matches!(lib, renku_lib::Error::Interrupted));
}
