//! The HTTP layer shared by the deposit clients: one blocking client, authentication,
//! status and error-message handling, JSON parsing, and streamed, counted uploads.

use std::fs::File;
use std::io::Read;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::Method;
use reqwest::blocking::{Client, RequestBuilder, Response};
use serde_json::Value;

use super::ExportProgress;
use super::error::ExportError;
use crate::Result;

/// Time allowed for a metadata request (create, update, publish, delete).
const API_TIMEOUT: Duration = Duration::from_secs(120);
/// Time allowed to establish a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// The slowest upload rate accepted before an upload times out (bytes per second).
const MIN_UPLOAD_RATE: u64 = 32 * 1024;

/// How requests authenticate.
#[derive(Clone)]
pub(crate) enum Auth {
    /// `Authorization: Bearer <token>` (Zenodo).
    Bearer(String),
    /// `X-Dataverse-key: <token>` (Dataverse).
    DataverseKey(String),
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the token.
        match self {
            Auth::Bearer(_) => f.write_str("Bearer(…)"),
            Auth::DataverseKey(_) => f.write_str("DataverseKey(…)"),
        }
    }
}

/// An authenticated client for one provider's API.
#[derive(Debug, Clone)]
pub(crate) struct Api {
    client: Client,
    provider: &'static str,
    auth: Auth,
    forbidden_is_bad_token: bool,
}

/// A successful JSON answer.
#[derive(Debug)]
pub(crate) struct JsonResponse {
    /// The parsed body (`Value::Null` for an empty body).
    pub body: Value,
}

impl Api {
    /// Builds the client (rustls, system proxy settings, no overall timeout: uploads may take
    /// long, so every request sets its own). HTTP 401 always means a rejected token; with
    /// `forbidden_is_bad_token`, so does 403 (Zenodo: a token without the needed scopes),
    /// otherwise 403 is an ordinary error (Dataverse: no permission on that collection).
    pub(crate) fn new(
        provider: &'static str,
        auth: Auth,
        forbidden_is_bad_token: bool,
    ) -> Result<Api> {
        let client = Client::builder()
            .user_agent(format!("renku-rs/{}", crate::VERSION))
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(None)
            .build()
            .map_err(|e| {
                crate::Error::Failed(format!(
                    "Cannot set up the HTTP client: {}",
                    crate::util::error_chain(&e)
                ))
            })?;
        Ok(Api {
            client,
            provider,
            auth,
            forbidden_is_bad_token,
        })
    }

    fn request(&self, method: Method, url: &str) -> RequestBuilder {
        let builder = self.client.request(method, url);
        match &self.auth {
            Auth::Bearer(token) => builder.bearer_auth(token),
            Auth::DataverseKey(token) => builder.header("X-Dataverse-key", token),
        }
    }

    /// Sends a request with an optional JSON body and returns the parsed JSON answer;
    /// errors for any status of 400 and above.
    pub(crate) fn json(
        &self,
        method: Method,
        url: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Result<JsonResponse> {
        let mut builder = self
            .request(method.clone(), url)
            .timeout(API_TIMEOUT)
            .header(reqwest::header::ACCEPT, "application/json");
        if !query.is_empty() {
            builder = builder.query(query);
        }
        if let Some(body) = body {
            builder = builder.json(body);
        }
        let response = self.send(builder, &method, url, None)?;
        self.parse(&method, url, response)
    }

    /// Uploads a file as the raw request body (streamed from disk).
    pub(crate) fn upload_raw(
        &self,
        method: Method,
        url: &str,
        upload: Upload,
    ) -> Result<JsonResponse> {
        let (reader, len, failure) = upload.open()?;
        let builder = self
            .request(method.clone(), url)
            .timeout(upload_timeout(len))
            .header(reqwest::header::ACCEPT, "application/json")
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .body(reqwest::blocking::Body::sized(reader, len));
        let response = self.send(builder, &method, url, Some(&failure))?;
        self.parse(&method, url, response)
    }

    /// Uploads a file as the `file` part of a multipart form (streamed from disk), with
    /// extra text parts before it.
    pub(crate) fn upload_multipart(
        &self,
        url: &str,
        query: &[(&str, &str)],
        texts: Vec<(&'static str, String)>,
        file_name: &str,
        upload: Upload,
    ) -> Result<JsonResponse> {
        let (reader, len, failure) = upload.open()?;
        let mut form = reqwest::blocking::multipart::Form::new();
        for (name, value) in texts {
            form = form.text(name, value);
        }
        let part = reqwest::blocking::multipart::Part::reader_with_length(reader, len)
            .file_name(file_name.to_string())
            .mime_str("application/octet-stream")
            .map_err(|e| crate::Error::Failed(format!("Cannot build the upload: {e}")))?;
        form = form.part("file", part);
        let builder = self
            .request(Method::POST, url)
            .query(query)
            .timeout(upload_timeout(len))
            .header(reqwest::header::ACCEPT, "application/json")
            .multipart(form);
        let response = self.send(builder, &Method::POST, url, Some(&failure))?;
        self.parse(&Method::POST, url, response)
    }

    fn send(
        &self,
        builder: RequestBuilder,
        method: &Method,
        url: &str,
        read_failure: Option<&ReadFailure>,
    ) -> Result<Response> {
        tracing::debug!("{} {method} {url}", self.provider);
        match builder.send() {
            Ok(response) => Ok(response),
            Err(e) => {
                if let Some(failure) = read_failure
                    && let Some(err) = failure.take()
                {
                    return Err(err.into());
                }
                Err(ExportError::Network {
                    provider: self.provider,
                    url: url.to_string(),
                    message: crate::util::error_chain(&e.without_url()),
                }
                .into())
            }
        }
    }

    fn parse(&self, method: &Method, url: &str, response: Response) -> Result<JsonResponse> {
        let status = response.status();
        let reason = status.canonical_reason().unwrap_or("").to_string();
        let bytes = response.bytes().map_err(|e| ExportError::Network {
            provider: self.provider,
            url: url.to_string(),
            message: format!(
                "reading the answer failed: {}",
                crate::util::error_chain(&e.without_url())
            ),
        })?;
        let code = status.as_u16();
        if code >= 400 {
            let message = server_message(&bytes).unwrap_or(reason);
            if code == 401 || (code == 403 && self.forbidden_is_bad_token) {
                return Err(ExportError::InvalidToken {
                    provider: self.provider,
                    url: url.to_string(),
                    status: code,
                    message,
                    config_key: "",
                    token_url: String::new(),
                    removed: false,
                }
                .into());
            }
            return Err(ExportError::Http {
                provider: self.provider,
                method: method_name(method),
                url: url.to_string(),
                status: code,
                message,
            }
            .into());
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(JsonResponse { body: Value::Null });
        }
        let body = serde_json::from_slice(&bytes).map_err(|e| ExportError::BadResponse {
            provider: self.provider,
            url: url.to_string(),
            message: format!("the answer is not JSON ({e}): {}", excerpt(&bytes)),
        })?;
        Ok(JsonResponse { body })
    }

    /// An error for an answer that lacks what the API documents.
    pub(crate) fn bad_response(&self, url: &str, message: impl Into<String>) -> crate::Error {
        ExportError::BadResponse {
            provider: self.provider,
            url: url.to_string(),
            message: message.into(),
        }
        .into()
    }
}

fn method_name(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        _ => "request",
    }
}

/// Upload timeout: generous, proportional to the size.
fn upload_timeout(len: u64) -> Duration {
    API_TIMEOUT + Duration::from_secs(len / MIN_UPLOAD_RATE)
}

/// The message an API put in its error body: `message` (Zenodo, Dataverse) with Zenodo's
/// detailed `errors`, or a short plain-text body.
fn server_message(bytes: &[u8]) -> Option<String> {
    if let Ok(value) = serde_json::from_slice::<Value>(bytes) {
        let mut message = value
            .get("message")
            .and_then(Value::as_str)
            .map(|m| m.split_whitespace().collect::<Vec<_>>().join(" "))?;
        if let Some(errors) = value.get("errors").and_then(Value::as_array) {
            let details: Vec<String> = errors
                .iter()
                .filter_map(|e| {
                    let msg = e.get("message").map(|m| match m {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })?;
                    Some(match e.get("field").and_then(Value::as_str) {
                        Some(field) => format!("{field}: {msg}"),
                        None => msg,
                    })
                })
                .collect();
            if !details.is_empty() {
                message = format!("{message} ({})", details.join("; "));
            }
        }
        return Some(message);
    }
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim();
    if text.is_empty() || text.starts_with('<') {
        return None;
    }
    Some(excerpt(text.as_bytes()))
}

/// The start of a body, for error messages.
fn excerpt(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim();
    let mut out: String = text.chars().take(200).collect();
    if text.chars().count() > 200 {
        out.push('…');
    }
    if out.is_empty() {
        out = "(empty)".into();
    }
    out
}

/// A file to upload under a name, reporting progress.
pub(crate) struct Upload {
    /// The name inside the deposit (for progress reports).
    pub name: String,
    /// The file on disk.
    pub path: PathBuf,
    /// Where progress goes.
    pub progress: Arc<dyn ExportProgress>,
}

/// Remembers a read error of the file being uploaded (the HTTP client only says the body
/// failed).
#[derive(Clone, Default)]
pub(crate) struct ReadFailure(Arc<Mutex<Option<ExportError>>>);

impl ReadFailure {
    fn set(&self, err: ExportError) {
        if let Ok(mut slot) = self.0.lock() {
            slot.get_or_insert(err);
        }
    }

    fn take(&self) -> Option<ExportError> {
        self.0.lock().ok().and_then(|mut slot| slot.take())
    }
}

impl Upload {
    fn open(self) -> Result<(CountingReader, u64, ReadFailure)> {
        let file_error = |source| ExportError::File {
            path: self.path.clone(),
            source,
        };
        let file = File::open(&self.path).map_err(file_error)?;
        let len = file.metadata().map_err(file_error)?.len();
        self.progress.file_started(&self.name, len);
        let failure = ReadFailure::default();
        Ok((
            CountingReader {
                file,
                path: self.path,
                name: self.name,
                progress: self.progress,
                failure: failure.clone(),
                expected: len,
                sent: 0,
            },
            len,
            failure,
        ))
    }
}

/// Reads a file for an upload, reporting each chunk to the progress callback.
pub(crate) struct CountingReader {
    file: File,
    path: PathBuf,
    name: String,
    progress: Arc<dyn ExportProgress>,
    failure: ReadFailure,
    expected: u64,
    sent: u64,
}

impl Read for CountingReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self.file.read(buf) {
            Ok(0) if self.sent < self.expected => {
                let err = std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    format!(
                        "the file shrank while it was uploaded ({} of {} bytes)",
                        self.sent, self.expected
                    ),
                );
                self.failure.set(ExportError::File {
                    path: self.path.clone(),
                    source: std::io::Error::new(err.kind(), err.to_string()),
                });
                Err(err)
            }
            Ok(n) => {
                self.sent += n as u64;
                if n > 0 {
                    self.progress.bytes(&self.name, n as u64);
                }
                Ok(n)
            }
            Err(e) => {
                self.failure.set(ExportError::File {
                    path: self.path.clone(),
                    source: std::io::Error::new(e.kind(), e.to_string()),
                });
                Err(e)
            }
        }
    }
}

/// Joins `base` (no trailing slash) and a path that starts with `/`.
pub(crate) fn join(base: &str, path: &str) -> String {
    format!("{}{}", base.trim_end_matches('/'), path)
}

/// Percent-encodes one path segment.
pub(crate) fn encode_segment(segment: &str) -> String {
    const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(segment, SEGMENT).to_string()
}

/// Checks that `url` is an absolute http(s) URL and returns it without a trailing slash.
pub(crate) fn normalize_base_url(provider: &'static str, url: &str) -> Result<String> {
    let trimmed = url.trim().trim_end_matches('/');
    let invalid = |message: &str| ExportError::InvalidUrl {
        provider,
        url: url.to_string(),
        message: message.to_string(),
    };
    let rest = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"))
        .ok_or_else(|| invalid("it must start with https:// (or http://)"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() {
        return Err(invalid("it has no host name").into());
    }
    if trimmed.contains(['?', '#', ' ']) {
        return Err(invalid("it must not contain a query, a fragment or spaces").into());
    }
    Ok(trimmed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_messages_are_extracted() {
        let zenodo = br#"{"message": "Validation error", "status": 400,
            "errors": [{"code": 10, "message": "Not a valid choice", "field": "access_right"}]}"#;
        assert_eq!(
            server_message(zenodo).unwrap(),
            "Validation error (access_right: Not a valid choice)"
        );
        let dataverse = br#"{"status":"ERROR","message":"Dataverse 'x' not found"}"#;
        assert_eq!(
            server_message(dataverse).unwrap(),
            "Dataverse 'x' not found"
        );
        assert_eq!(server_message(b"<html>oops</html>"), None);
        assert_eq!(server_message(b"plain failure").unwrap(), "plain failure");
        assert_eq!(server_message(b""), None);
    }

    #[test]
    fn base_urls_are_checked() {
        assert_eq!(
            normalize_base_url("Zenodo", "https://zenodo.org/").unwrap(),
            "https://zenodo.org"
        );
        assert!(normalize_base_url("Zenodo", "zenodo.org").is_err());
        assert!(normalize_base_url("Zenodo", "https:///x").is_err());
        assert!(normalize_base_url("Zenodo", "https://a.b/?x=1").is_err());
    }

    #[test]
    fn segments_are_encoded() {
        assert_eq!(encode_segment("a b#?.csv"), "a%20b%23%3F.csv");
        assert_eq!(encode_segment("ünï"), "%C3%BCn%C3%AF");
    }
}
