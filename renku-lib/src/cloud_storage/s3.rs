//! Amazon S3 and S3-compatible services, over the S3 REST API with requests signed by AWS
//! Signature Version 4 in the `Authorization` header.
//!
//! Addressing: `*.amazonaws.com` endpoints use virtual-hosted URLs
//! (`https://<bucket>.<endpoint>/<key>`) when the bucket name allows it; every other endpoint
//! (MinIO, Ceph, moto, …) and dotted bucket names use path-style URLs
//! (`<scheme>://<endpoint>/<bucket>/<key>`). Files above
//! [`StorageOptions::multipart_threshold`] are uploaded with a multipart upload.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use md5::{Digest, Md5};
use reqwest::Method;
use reqwest::Url;
use reqwest::blocking::{Body, Client, Response};

use super::sigv4::{self, SigningRequest, UNSIGNED_PAYLOAD, encode_key, uri_encode};
use super::{
    Credentials, ObjectInfo, ObjectStorage, Provider, StorageError, StorageOptions, StorageResult,
    StorageUri, TransferProgress,
};

/// S3 allows at most this many parts in a multipart upload.
const MAX_PARTS: u64 = 10_000;
/// The smallest part S3 accepts (except the last one).
const MIN_PART: u64 = 5 * 1024 * 1024;
/// Where S3 credentials come from, for error hints.
const CREDENTIALS_HINT: &str = "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY";

/// A bucket of an S3 service.
pub struct S3Storage {
    uri: StorageUri,
    client: Client,
    /// `<scheme>://<endpoint>/`.
    endpoint: Url,
    virtual_host: bool,
    /// The signing region; updated when AWS says the bucket lives elsewhere.
    region: Mutex<String>,
    keys: Option<Keys>,
    options: StorageOptions,
}

struct Keys {
    id: String,
    secret: String,
    token: Option<String>,
}

impl std::fmt::Debug for S3Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Storage")
            .field("uri", &self.uri.to_string())
            .field("endpoint", &self.endpoint.as_str())
            .field("virtual_host", &self.virtual_host)
            .field("signed", &self.keys.is_some())
            .finish()
    }
}

/// A request and how to rebuild its body (a retry for another region sends it again).
struct Req<'a> {
    method: Method,
    url: Url,
    headers: Vec<(&'static str, String)>,
    payload_hash: String,
    body: Option<&'a dyn Fn() -> StorageResult<Body>>,
    /// `None` for transfers.
    timeout: Option<Duration>,
}

impl S3Storage {
    /// A handle for the bucket of `uri`; makes no request.
    pub fn new(
        uri: &StorageUri,
        credentials: &Credentials,
        options: &StorageOptions,
    ) -> StorageResult<S3Storage> {
        let endpoint_text = uri.endpoint().ok_or_else(|| StorageError::InvalidUri {
            uri: uri.to_string(),
            reason: "not an S3 URI".into(),
        })?;
        let keys = match credentials {
            Credentials::Anonymous => None,
            Credentials::S3 {
                access_key_id,
                secret_access_key,
                session_token,
            } => Some(Keys {
                id: access_key_id.clone(),
                secret: secret_access_key.clone(),
                token: session_token.clone(),
            }),
            Credentials::AzureSharedKey { .. } => {
                return Err(StorageError::InvalidCredentials {
                    uri: uri.to_string(),
                    reason: "an Azure account key cannot sign S3 requests".into(),
                });
            }
        };
        let scheme = match options.s3_scheme.as_deref() {
            None => default_scheme(endpoint_text),
            Some(s @ ("http" | "https")) => s,
            Some(other) => {
                return Err(StorageError::InvalidUri {
                    uri: uri.to_string(),
                    reason: format!(
                        "{} is '{other}'; it must be 'http' or 'https'",
                        StorageOptions::S3_SCHEME_ENV
                    ),
                });
            }
        };
        let endpoint = Url::parse(&format!("{scheme}://{endpoint_text}/")).map_err(|e| {
            StorageError::InvalidUri {
                uri: uri.to_string(),
                reason: e.to_string(),
            }
        })?;
        let host = endpoint.host_str().unwrap_or_default().to_string();
        let bucket = uri.bucket();
        let virtual_host = host.ends_with("amazonaws.com")
            && !bucket.contains('.')
            && bucket
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        let region = region_of_host(&host)
            .or_else(|| options.s3_region.clone())
            .unwrap_or_else(|| "us-east-1".to_string());
        Ok(S3Storage {
            uri: uri.root(),
            client: super::http_client(options)?,
            endpoint,
            virtual_host,
            region: Mutex::new(region),
            keys,
            options: options.clone(),
        })
    }

    /// The signing region currently used.
    pub fn region(&self) -> String {
        self.region
            .lock()
            .map(|r| r.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }

    /// The URL of the bucket (`key` empty) or of an object, with a raw `query`.
    fn url(&self, key: &str, query: &str) -> StorageResult<Url> {
        let mut text = if self.virtual_host {
            let mut u = self.endpoint.clone();
            let host = format!("{}.{}", self.uri.bucket(), u.host_str().unwrap_or_default());
            u.set_host(Some(&host))
                .map_err(|e| self.invalid_url(e.to_string()))?;
            format!("{}{}", u.as_str(), encode_key(key))
        } else if key.is_empty() {
            format!(
                "{}{}",
                self.endpoint.as_str(),
                uri_encode(self.uri.bucket())
            )
        } else {
            format!(
                "{}{}/{}",
                self.endpoint.as_str(),
                uri_encode(self.uri.bucket()),
                encode_key(key)
            )
        };
        if !query.is_empty() {
            text.push('?');
            text.push_str(query);
        }
        Url::parse(&text).map_err(|e| self.invalid_url(e.to_string()))
    }

    fn invalid_url(&self, reason: String) -> StorageError {
        StorageError::InvalidUri {
            uri: self.uri.to_string(),
            reason,
        }
    }

    /// Sends a signed request; when AWS answers that the bucket is in another region, signs
    /// for that region and sends once more.
    fn send(&self, req: &Req<'_>) -> StorageResult<Response> {
        let mut attempt = 0;
        loop {
            let region = self.region();
            let mut builder = self.client.request(req.method.clone(), req.url.clone());
            if let Some(t) = req.timeout {
                builder = builder.timeout(t);
            }
            for (k, v) in &req.headers {
                builder = builder.header(*k, v);
            }
            if let Some(keys) = &self.keys {
                let signed = sigv4::sign(&SigningRequest {
                    method: req.method.as_str(),
                    url: &req.url,
                    headers: &req.headers,
                    payload_hash: &req.payload_hash,
                    region: &region,
                    service: "s3",
                    access_key_id: &keys.id,
                    secret_access_key: &keys.secret,
                    session_token: keys.token.as_deref(),
                    time: chrono::Utc::now(),
                });
                for (k, v) in signed {
                    builder = builder.header(k, v);
                }
            }
            if let Some(body) = req.body {
                builder = builder.body(body()?);
            }
            tracing::debug!(method = %req.method, url = %req.url, "S3 request");
            let response = builder
                .send()
                .map_err(|e| super::network_error(&req.url, &e))?;
            let status = response.status().as_u16();
            if attempt == 0 && matches!(status, 301 | 307 | 400) {
                let other = response
                    .headers()
                    .get("x-amz-bucket-region")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string);
                if let Some(other) = other.filter(|o| *o != region) {
                    tracing::debug!(region = %other, "S3 bucket lives in another region");
                    if let Ok(mut r) = self.region.lock() {
                        *r = other;
                    }
                    attempt += 1;
                    continue;
                }
            }
            return Ok(response);
        }
    }

    /// Sends a request without a body.
    fn send_simple(&self, method: Method, url: Url) -> StorageResult<Response> {
        self.send(&Req {
            method,
            url,
            headers: vec![],
            payload_hash: UNSIGNED_PAYLOAD.into(),
            body: None,
            timeout: Some(self.options.request_timeout),
        })
    }

    /// Passes a 2xx response; turns any other into the matching error. `key` names the
    /// object a 404 is about (`None`: the bucket).
    fn check(&self, response: Response, key: Option<&str>) -> StorageResult<Response> {
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let url = response.url().clone();
        let body = read_error_body(response);
        let (code, message) = super::xml_error(&body);
        Err(self.classify(status.as_u16(), code, message, key, &url))
    }

    fn classify(
        &self,
        status: u16,
        code: Option<String>,
        message: Option<String>,
        key: Option<&str>,
        url: &Url,
    ) -> StorageError {
        let detail = match (&code, &message) {
            (Some(c), Some(m)) => format!("{c}: {m}"),
            (Some(c), None) => c.clone(),
            (None, Some(m)) => m.clone(),
            (None, None) => format!("HTTP {status}"),
        };
        match (status, code.as_deref()) {
            (404, Some("NoSuchBucket")) => self.bucket_not_found(),
            (404, Some("NoSuchKey")) | (404, None) if key.is_some() => {
                StorageError::ObjectNotFound {
                    uri: self.uri.with_path(key.unwrap_or_default()).to_string(),
                }
            }
            (404, None) => self.bucket_not_found(),
            (401 | 403, _)
            | (
                _,
                Some(
                    "InvalidAccessKeyId"
                    | "SignatureDoesNotMatch"
                    | "AccessDenied"
                    | "ExpiredToken"
                    | "InvalidToken"
                    | "AuthorizationHeaderMalformed",
                ),
            ) => StorageError::Auth {
                uri: self.uri.to_string(),
                detail,
                hint: CREDENTIALS_HINT,
            },
            _ => {
                let mut url = url.clone();
                url.set_query(None);
                StorageError::Service {
                    url: url.to_string(),
                    status,
                    detail,
                }
            }
        }
    }

    fn bucket_not_found(&self) -> StorageError {
        StorageError::BucketNotFound {
            provider: Provider::S3,
            bucket: self.uri.bucket().to_string(),
        }
    }

    fn upload_single(
        &self,
        local: &Path,
        key: &str,
        size: u64,
        progress: &Arc<dyn TransferProgress>,
    ) -> StorageResult<ObjectInfo> {
        let md5 = Arc::new(Mutex::new(Md5::new()));
        let url = self.url(key, "")?;
        let make_body = || {
            // A resend (other region) hashes the file anew.
            if let Ok(mut m) = md5.lock() {
                *m = Md5::new();
            }
            super::file_body(local, 0, size, &md5, progress)
        };
        let response = self.send(&Req {
            method: Method::PUT,
            url,
            headers: vec![],
            payload_hash: UNSIGNED_PAYLOAD.into(),
            body: Some(&make_body),
            timeout: None,
        })?;
        self.check(response, Some(key))?;
        Ok(ObjectInfo {
            key: key.to_string(),
            size,
            md5: super::md5_hex(&md5),
        })
    }

    fn upload_multipart(
        &self,
        local: &Path,
        key: &str,
        size: u64,
        progress: &Arc<dyn TransferProgress>,
    ) -> StorageResult<ObjectInfo> {
        let url = self.url(key, "uploads=")?;
        let response = self.send(&Req {
            method: Method::POST,
            url,
            headers: vec![],
            payload_hash: sigv4::sha256_hex(b""),
            body: None,
            timeout: Some(self.options.request_timeout),
        })?;
        let response = self.check(response, Some(key))?;
        let text = response
            .text()
            .map_err(|e| super::network_error(&self.endpoint, &e))?;
        #[derive(serde::Deserialize)]
        struct Initiated {
            #[serde(rename = "UploadId")]
            upload_id: String,
        }
        let upload_id = quick_xml::de::from_str::<Initiated>(&text)
            .map_err(|e| StorageError::InvalidResponse {
                what: "CreateMultipartUpload".into(),
                detail: e.to_string(),
            })?
            .upload_id;

        let result = self.upload_parts(local, key, size, &upload_id, progress);
        if result.is_err() {
            // Leave no invisible parts behind (they would be billed); best effort.
            let query = format!("uploadId={}", uri_encode(&upload_id));
            if let Ok(url) = self.url(key, &query)
                && let Err(e) = self.send_simple(Method::DELETE, url)
            {
                tracing::warn!("cannot abort the multipart upload of {key}: {e}");
            }
        }
        result
    }

    fn upload_parts(
        &self,
        local: &Path,
        key: &str,
        size: u64,
        upload_id: &str,
        progress: &Arc<dyn TransferProgress>,
    ) -> StorageResult<ObjectInfo> {
        let part_size = super::part_size_for(size, self.options.part_size.max(MIN_PART), MAX_PARTS);
        let md5 = Arc::new(Mutex::new(Md5::new()));
        let mut etags = Vec::new();
        let mut offset = 0u64;
        let mut number = 1u32;
        while offset < size {
            let len = part_size.min(size - offset);
            let query = format!("partNumber={number}&uploadId={}", uri_encode(upload_id));
            let url = self.url(key, &query)?;
            let state_before = md5.lock().map(|m| m.clone()).ok();
            let make_body = || {
                if let (Some(before), Ok(mut m)) = (&state_before, md5.lock()) {
                    *m = before.clone();
                }
                super::file_body(local, offset, len, &md5, progress)
            };
            let response = self.send(&Req {
                method: Method::PUT,
                url,
                headers: vec![],
                payload_hash: UNSIGNED_PAYLOAD.into(),
                body: Some(&make_body),
                timeout: None,
            })?;
            let response = self.check(response, Some(key))?;
            let etag = response
                .headers()
                .get("etag")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
                .ok_or_else(|| StorageError::InvalidResponse {
                    what: format!("UploadPart {number}"),
                    detail: "no ETag header".into(),
                })?;
            etags.push((number, etag));
            offset += len;
            number += 1;
        }
        let mut xml = String::from("<CompleteMultipartUpload>");
        for (n, etag) in &etags {
            xml.push_str(&format!(
                "<Part><PartNumber>{n}</PartNumber><ETag>{}</ETag></Part>",
                quick_xml::escape::escape(etag.as_str())
            ));
        }
        xml.push_str("</CompleteMultipartUpload>");
        let query = format!("uploadId={}", uri_encode(upload_id));
        let url = self.url(key, &query)?;
        let body = xml.clone().into_bytes();
        let make_body = || Ok(Body::from(body.clone()));
        let response = self.send(&Req {
            method: Method::POST,
            url,
            headers: vec![("content-type", "application/xml".into())],
            payload_hash: sigv4::sha256_hex(xml.as_bytes()),
            body: Some(&make_body),
            timeout: Some(self.options.request_timeout),
        })?;
        let response = self.check(response, Some(key))?;
        // S3 may report a failure of the completion inside a 200 response.
        let url = response.url().clone();
        let text = response
            .text()
            .map_err(|e| super::network_error(&url, &e))?;
        if let (Some(code), message) = super::xml_error(&text)
            && text.contains("<Error")
        {
            return Err(self.classify(500, Some(code), message, Some(key), &url));
        }
        Ok(ObjectInfo {
            key: key.to_string(),
            size,
            md5: super::md5_hex(&md5),
        })
    }
}

#[cfg(any(test, feature = "test-support"))]
impl S3Storage {
    /// Creates the bucket (`PUT /<bucket>`), for tests against a local server.
    pub(crate) fn create_bucket_for_tests(&self) -> StorageResult<()> {
        let url = self.url("", "")?;
        let response = self.send_simple(Method::PUT, url)?;
        self.check(response, None).map(|_| ())
    }
}

impl ObjectStorage for S3Storage {
    fn uri(&self) -> &StorageUri {
        &self.uri
    }

    fn bucket_exists(&self) -> StorageResult<bool> {
        let url = self.url("", "")?;
        let response = self.send_simple(Method::HEAD, url)?;
        match response.status().as_u16() {
            200..=299 => Ok(true),
            404 => Ok(false),
            _ => self.check(response, None).map(|_| true),
        }
    }

    fn list(&self, prefix: &str) -> StorageResult<Vec<ObjectInfo>> {
        #[derive(serde::Deserialize)]
        struct ListBucketResult {
            #[serde(rename = "Contents", default)]
            contents: Vec<Contents>,
            #[serde(rename = "IsTruncated", default)]
            is_truncated: bool,
            #[serde(rename = "NextContinuationToken")]
            next_continuation_token: Option<String>,
        }
        #[derive(serde::Deserialize)]
        struct Contents {
            #[serde(rename = "Key")]
            key: String,
            #[serde(rename = "Size")]
            size: u64,
            #[serde(rename = "ETag")]
            etag: Option<String>,
        }
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut query = String::from("list-type=2");
            if !prefix.is_empty() {
                query.push_str(&format!("&prefix={}", uri_encode(prefix)));
            }
            if let Some(t) = &token {
                query.push_str(&format!("&continuation-token={}", uri_encode(t)));
            }
            if let Some(n) = self.options.list_page_size {
                query.push_str(&format!("&max-keys={n}"));
            }
            let url = self.url("", &query)?;
            let response = self.send_simple(Method::GET, url.clone())?;
            let response = self.check(response, None)?;
            let text = response
                .text()
                .map_err(|e| super::network_error(&url, &e))?;
            let page: ListBucketResult =
                quick_xml::de::from_str(&text).map_err(|e| StorageError::InvalidResponse {
                    what: "ListObjectsV2".into(),
                    detail: e.to_string(),
                })?;
            out.extend(page.contents.into_iter().map(|c| ObjectInfo {
                md5: c.etag.as_deref().and_then(super::etag_md5),
                key: c.key,
                size: c.size,
            }));
            match page.next_continuation_token.filter(|t| !t.is_empty()) {
                Some(next) if page.is_truncated => token = Some(next),
                _ => break,
            }
        }
        out.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    }

    fn stat(&self, key: &str) -> StorageResult<Option<ObjectInfo>> {
        let url = self.url(key, "")?;
        let response = self.send_simple(Method::HEAD, url)?;
        if response.status().as_u16() == 404 {
            return Ok(None);
        }
        let response = self.check(response, Some(key))?;
        let headers = response.headers();
        let size = super::content_length(headers, "HeadObject")?;
        Ok(Some(ObjectInfo {
            key: key.to_string(),
            size,
            md5: headers
                .get("etag")
                .and_then(|v| v.to_str().ok())
                .and_then(super::etag_md5),
        }))
    }

    fn upload_with_progress(
        &self,
        local: &Path,
        key: &str,
        progress: Arc<dyn TransferProgress>,
    ) -> StorageResult<ObjectInfo> {
        let size = super::file_size(local)?;
        if size > self.options.multipart_threshold.max(MIN_PART) {
            self.upload_multipart(local, key, size, &progress)
        } else {
            self.upload_single(local, key, size, &progress)
        }
    }

    fn download_with_progress(
        &self,
        key: &str,
        local: &Path,
        progress: Arc<dyn TransferProgress>,
    ) -> StorageResult<ObjectInfo> {
        let url = self.url(key, "")?;
        let response = self.send(&Req {
            method: Method::GET,
            url,
            headers: vec![],
            payload_hash: UNSIGNED_PAYLOAD.into(),
            body: None,
            timeout: None,
        })?;
        let response = self.check(response, Some(key))?;
        let expected = expected_md5(response.headers());
        let uri = self.uri.with_path(key).to_string();
        let (size, md5) = super::receive_to_file(response, local, &uri, expected, &*progress)?;
        Ok(ObjectInfo {
            key: key.to_string(),
            size,
            md5: Some(md5),
        })
    }
}

/// The MD5 a GET response's ETag stands for: only an object stored unencrypted or with
/// S3-managed keys has its MD5 as ETag (KMS and customer keys do not; multipart ETags are
/// not MD5s at all).
fn expected_md5(headers: &reqwest::header::HeaderMap) -> Option<String> {
    let sse = headers
        .get("x-amz-server-side-encryption")
        .and_then(|v| v.to_str().ok());
    if !matches!(sse, None | Some("AES256"))
        || headers.contains_key("x-amz-server-side-encryption-customer-algorithm")
    {
        return None;
    }
    headers
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .and_then(super::etag_md5)
}

/// At most 64 KiB of an error response.
fn read_error_body(response: Response) -> String {
    use std::io::Read;
    let mut text = String::new();
    let _ = response.take(64 * 1024).read_to_string(&mut text);
    text
}

/// `http` for loopback endpoints (local test servers), `https` for everything else.
fn default_scheme(endpoint: &str) -> &'static str {
    let host = if let Some(rest) = endpoint.strip_prefix('[') {
        rest.split(']').next().unwrap_or_default()
    } else {
        endpoint.split(':').next().unwrap_or_default()
    };
    let loopback = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false);
    if loopback { "http" } else { "https" }
}

/// The region an AWS endpoint names (`s3.eu-central-1.amazonaws.com`,
/// `s3-eu-west-1.amazonaws.com`, `s3.dualstack.us-east-2.amazonaws.com`); `us-east-1` for the
/// global `s3.amazonaws.com`.
fn region_of_host(host: &str) -> Option<String> {
    let stem = host.strip_suffix(".amazonaws.com")?;
    if stem == "s3" || stem == "s3-external-1" {
        return Some("us-east-1".into());
    }
    let parts: Vec<&str> = stem.split('.').collect();
    match parts.as_slice() {
        ["s3", "dualstack", region] | ["s3", region] => Some((*region).to_string()),
        [single] => single.strip_prefix("s3-").map(str::to_string),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheme_is_http_only_for_loopback_endpoints() {
        assert_eq!(default_scheme("127.0.0.1:5000"), "http");
        assert_eq!(default_scheme("localhost:9000"), "http");
        assert_eq!(default_scheme("[::1]:9000"), "http");
        assert_eq!(default_scheme("s3.amazonaws.com"), "https");
        assert_eq!(default_scheme("10.0.0.1:9000"), "https");
    }

    #[test]
    fn aws_regions_come_from_the_endpoint() {
        assert_eq!(
            region_of_host("s3.amazonaws.com").as_deref(),
            Some("us-east-1")
        );
        assert_eq!(
            region_of_host("s3.eu-central-1.amazonaws.com").as_deref(),
            Some("eu-central-1")
        );
        assert_eq!(
            region_of_host("s3-eu-west-1.amazonaws.com").as_deref(),
            Some("eu-west-1")
        );
        assert_eq!(region_of_host("minio.example.org"), None);
    }

    #[test]
    fn urls_are_virtual_hosted_on_aws_and_path_style_elsewhere() {
        let opts = StorageOptions::default();
        let aws = S3Storage::new(
            &StorageUri::parse("s3://s3.eu-central-1.amazonaws.com/my-bucket/x").unwrap(),
            &Credentials::Anonymous,
            &opts,
        )
        .unwrap();
        assert_eq!(aws.region(), "eu-central-1");
        assert_eq!(
            aws.url("a b/c.csv", "").unwrap().as_str(),
            "https://my-bucket.s3.eu-central-1.amazonaws.com/a%20b/c.csv"
        );
        let minio = S3Storage::new(
            &StorageUri::parse("s3://127.0.0.1:9000/my.bucket").unwrap(),
            &Credentials::Anonymous,
            &opts,
        )
        .unwrap();
        assert_eq!(
            minio.url("k", "").unwrap().as_str(),
            "http://127.0.0.1:9000/my.bucket/k"
        );
        assert_eq!(
            minio.url("", "list-type=2").unwrap().as_str(),
            "http://127.0.0.1:9000/my.bucket?list-type=2"
        );
        let forced = StorageOptions {
            s3_scheme: Some("ftp".into()),
            ..StorageOptions::default()
        };
        let err = S3Storage::new(
            &StorageUri::parse("s3://e.org/bucket").unwrap(),
            &Credentials::Anonymous,
            &forced,
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("must be 'http' or 'https'"),
            "{err}"
        );
        let err = S3Storage::new(
            &StorageUri::parse("s3://e.org/bucket").unwrap(),
            &Credentials::AzureSharedKey {
                account_key: "a2V5".into(),
            },
            &opts,
        )
        .unwrap_err();
        assert!(matches!(err, StorageError::InvalidCredentials { .. }));
    }
}
