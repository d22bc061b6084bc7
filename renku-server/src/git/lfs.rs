//! The Git LFS batch API (`POST …/info/lfs/objects/batch`) and the basic transfer adapter's
//! object uploads and downloads, with objects kept per project under
//! `<data-dir>/lfs/<project id>/<oid[0..2]>/<oid[2..4]>/<oid>`.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::error::ApiError;

/// The media type of LFS API requests and answers.
pub const LFS_MEDIA_TYPE: &str = "application/vnd.git-lfs+json";

/// One object of a batch request.
#[derive(Debug, Deserialize)]
pub struct BatchObject {
    /// SHA-256 of the content, 64 lowercase hex digits.
    pub oid: String,
    /// Size in bytes.
    pub size: u64,
}

/// A batch request.
#[derive(Debug, Deserialize)]
pub struct BatchRequest {
    /// `upload` or `download`.
    pub operation: String,
    /// Transfer adapters the client knows.
    #[serde(default)]
    pub transfers: Vec<String>,
    /// The objects.
    pub objects: Vec<BatchObject>,
}

#[derive(Debug, Serialize)]
struct Action {
    href: String,
    header: serde_json::Map<String, Value>,
    expires_in: u64,
}

/// Whether `oid` is a SHA-256 in lowercase hex.
pub fn valid_oid(oid: &str) -> bool {
    oid.len() == 64
        && oid
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Where an object of a project is kept.
pub fn object_path(project_dir: &Path, oid: &str) -> PathBuf {
    project_dir.join(&oid[0..2]).join(&oid[2..4]).join(oid)
}

fn lfs_json(status: StatusCode, body: Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, LFS_MEDIA_TYPE)],
        body.to_string(),
    )
        .into_response()
}

/// An LFS-style error answer (`{"message": …}`).
pub fn lfs_error(status: StatusCode, message: &str) -> Response {
    lfs_json(status, json!({"message": message}))
}

/// Answers a batch request. `objects_url` is the URL objects are transferred at
/// (`…/info/lfs/objects`), `authorization` the caller's header, passed on in the actions.
pub fn batch(
    request: BatchRequest,
    project_dir: &Path,
    objects_url: &str,
    authorization: Option<&str>,
    may_write: bool,
) -> Response {
    let upload = match request.operation.as_str() {
        "upload" => true,
        "download" => false,
        other => {
            return lfs_error(
                StatusCode::UNPROCESSABLE_ENTITY,
                &format!("unknown operation '{other}'"),
            );
        }
    };
    if upload && !may_write {
        return lfs_error(StatusCode::FORBIDDEN, "you may not push to this project");
    }
    if !request.transfers.is_empty() && !request.transfers.iter().any(|t| t == "basic") {
        return lfs_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "only the 'basic' transfer adapter is supported",
        );
    }
    let mut header_map = serde_json::Map::new();
    if let Some(value) = authorization {
        header_map.insert("Authorization".into(), Value::String(value.to_string()));
    }
    let objects: Vec<Value> = request
        .objects
        .iter()
        .map(|object| {
            if !valid_oid(&object.oid) {
                return json!({"oid": object.oid, "size": object.size,
                    "error": {"code": 422, "message": "the oid is not a SHA-256 in lowercase hex"}});
            }
            let path = object_path(project_dir, &object.oid);
            let stored = std::fs::metadata(&path).ok().map(|m| m.len());
            let action = |verb: &str| {
                json!({verb: Action {
                    href: format!("{objects_url}/{}", object.oid),
                    header: header_map.clone(),
                    expires_in: 3600,
                }})
            };
            match (upload, stored) {
                // Already there: nothing to upload.
                (true, Some(size)) if size == object.size => {
                    json!({"oid": object.oid, "size": object.size, "authenticated": true})
                }
                (true, _) => json!({"oid": object.oid, "size": object.size,
                    "authenticated": true, "actions": action("upload")}),
                (false, Some(size)) if size == object.size => json!({"oid": object.oid,
                    "size": object.size, "authenticated": true, "actions": action("download")}),
                (false, _) => json!({"oid": object.oid, "size": object.size,
                    "error": {"code": 404, "message": "object not found"}}),
            }
        })
        .collect();
    lfs_json(
        StatusCode::OK,
        json!({"transfer": "basic", "objects": objects}),
    )
}

/// Streams a stored object to the caller.
pub async fn download(project_dir: &Path, oid: &str) -> Response {
    if !valid_oid(oid) {
        return lfs_error(StatusCode::UNPROCESSABLE_ENTITY, "the oid is not a SHA-256");
    }
    let path = object_path(project_dir, oid);
    match tokio::fs::File::open(&path).await {
        Ok(file) => {
            let length = file.metadata().await.map(|m| m.len()).ok();
            let mut response =
                Response::new(Body::from_stream(tokio_util::io::ReaderStream::new(file)));
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                header::HeaderValue::from_static("application/octet-stream"),
            );
            if let Some(length) = length {
                headers.insert(header::CONTENT_LENGTH, length.into());
            }
            response
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            lfs_error(StatusCode::NOT_FOUND, "object not found")
        }
        Err(e) => ApiError::internal(e).into_response(),
    }
}

/// Receives an object: streamed to a temporary file next to its place, checked against the
/// oid (and the declared length), then moved into place. A wrong or interrupted upload
/// leaves nothing behind.
pub async fn upload(project_dir: &Path, oid: &str, headers: &HeaderMap, body: Body) -> Response {
    if !valid_oid(oid) {
        return lfs_error(StatusCode::UNPROCESSABLE_ENTITY, "the oid is not a SHA-256");
    }
    let path = object_path(project_dir, oid);
    let Some(dir) = path.parent() else {
        return ApiError::internal("object path without a directory").into_response();
    };
    if let Err(e) = tokio::fs::create_dir_all(dir).await {
        return ApiError::internal(e).into_response();
    }
    let expected_length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let temp = match tempfile::Builder::new().prefix(".upload-").tempfile_in(dir) {
        Ok(temp) => temp,
        Err(e) => return ApiError::internal(e).into_response(),
    };
    let (std_file, temp_path) = temp.into_parts();
    let mut file = tokio::fs::File::from_std(std_file);
    let mut hasher = Sha256::new();
    let mut written: u64 = 0;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(error) => {
                tracing::info!(%error, oid, "LFS upload interrupted");
                return lfs_error(StatusCode::BAD_REQUEST, "the upload was interrupted");
            }
        };
        hasher.update(&chunk);
        written += chunk.len() as u64;
        if let Err(e) = file.write_all(&chunk).await {
            return ApiError::internal(e).into_response();
        }
    }
    if let Err(e) = file.flush().await {
        return ApiError::internal(e).into_response();
    }
    if let Err(e) = file.sync_all().await {
        return ApiError::internal(e).into_response();
    }
    drop(file);
    let digest: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if digest != oid {
        return lfs_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "the content does not match its oid",
        );
    }
    if expected_length.is_some_and(|n| n != written) {
        return lfs_error(StatusCode::BAD_REQUEST, "the upload ended early");
    }
    match temp_path.persist(&path) {
        Ok(()) => StatusCode::OK.into_response(),
        Err(e) => ApiError::internal(e.error).into_response(),
    }
}

/// `POST …/info/lfs/locks/verify`: this server keeps no locks, so there are none to report
/// (git-lfs asks before every push).
pub fn locks_verify() -> Response {
    lfs_json(
        StatusCode::OK,
        json!({"ours": [], "theirs": [], "next_cursor": ""}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oids() {
        assert!(valid_oid(&"a".repeat(64)));
        assert!(!valid_oid(&"A".repeat(64)));
        assert!(!valid_oid("../../etc/passwd"));
        assert!(!valid_oid(&"a".repeat(63)));
    }
}
