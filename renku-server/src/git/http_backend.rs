//! Git smart HTTP by delegating to `git http-backend` (a CGI program): the request goes to
//! its standard input, its standard output is a CGI header block followed by the body.

use std::path::Path;
use std::process::Stdio;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Response, StatusCode};
use futures_util::TryStreamExt;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};
use tokio_util::io::{ReaderStream, StreamReader};

use crate::error::ApiError;

/// One request for `git http-backend`.
pub struct CgiRequest<'a> {
    /// The `git` executable.
    pub git: &'a Path,
    /// `GIT_PROJECT_ROOT`: the directory of all repositories.
    pub project_root: &'a Path,
    /// `PATH_INFO`: `/<namespace>/<name>.git/<rest>`.
    pub path_info: String,
    /// The query string (without `?`).
    pub query: String,
    /// The method.
    pub method: Method,
    /// Request headers (content type, encoding, git protocol).
    pub headers: HeaderMap,
    /// `REMOTE_USER`; pushes are refused by `http-backend` without one.
    pub remote_user: Option<String>,
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// Runs `git http-backend` for `request` with `body` as its input. Returns the response
/// and the running child, so the caller can wait for it and act on its outcome.
pub async fn run(request: CgiRequest<'_>, body: Body) -> Result<(Response<Body>, Child), ApiError> {
    let mut command = Command::new(request.git);
    command
        .arg("http-backend")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("GIT_PROJECT_ROOT", request.project_root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("PATH_INFO", &request.path_info)
        .env("QUERY_STRING", &request.query)
        .env("REQUEST_METHOD", request.method.as_str())
        .env("SERVER_PROTOCOL", "HTTP/1.1")
        .env("GATEWAY_INTERFACE", "CGI/1.1")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", request.project_root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    if let Some(user) = &request.remote_user {
        command.env("REMOTE_USER", user);
    }
    for (header, variable) in [
        ("content-type", "CONTENT_TYPE"),
        ("content-length", "CONTENT_LENGTH"),
        ("content-encoding", "HTTP_CONTENT_ENCODING"),
        ("git-protocol", "GIT_PROTOCOL"),
    ] {
        if let Some(value) = header_text(&request.headers, header) {
            command.env(variable, value);
        }
    }
    let mut child = command
        .spawn()
        .map_err(|e| ApiError::internal(format!("cannot run git http-backend: {e}")))?;

    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| ApiError::internal("git http-backend has no input pipe"))?;
    let input = body.into_data_stream().map_err(std::io::Error::other);
    tokio::spawn(async move {
        let mut reader = StreamReader::new(input);
        if let Err(error) = tokio::io::copy(&mut reader, &mut stdin).await {
            tracing::info!(%error, "request body for git http-backend ended early");
        }
        let _ = stdin.shutdown().await;
    });
    if let Some(stderr) = child.stderr.take() {
        tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                tracing::info!(target: "git_http_backend", "{line}");
            }
        });
    }

    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| ApiError::internal("git http-backend has no output pipe"))?;
    let mut reader = BufReader::new(stdout);
    let mut status = StatusCode::OK;
    let mut headers = HeaderMap::new();
    loop {
        let mut line = String::new();
        let read = reader
            .read_line(&mut line)
            .await
            .map_err(|e| ApiError::internal(format!("reading git http-backend: {e}")))?;
        if read == 0 {
            return Err(ApiError::internal(
                "git http-backend ended before its headers",
            ));
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            break;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(ApiError::internal(format!("bad CGI header line '{line}'")));
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("status") {
            let code = value.split_whitespace().next().unwrap_or_default();
            status = code
                .parse::<u16>()
                .ok()
                .and_then(|c| StatusCode::from_u16(c).ok())
                .ok_or_else(|| ApiError::internal(format!("bad CGI status '{value}'")))?;
            continue;
        }
        let name = HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| ApiError::internal(format!("bad CGI header name in '{line}'")))?;
        let value = HeaderValue::from_str(value)
            .map_err(|_| ApiError::internal(format!("bad CGI header value in '{line}'")))?;
        headers.append(name, value);
    }
    let mut response = Response::new(Body::from_stream(ReaderStream::new(reader)));
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    Ok((response, child))
}
