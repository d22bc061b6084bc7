//! Azure Blob storage over its REST API, authorized with the account key (Shared Key).
//!
//! The service URL of an account is `https://<account>.blob.core.windows.net` unless
//! [`StorageOptions::azure_endpoint`] names another (Azurite:
//! `http://127.0.0.1:10000/devstoreaccount1`). Files up to
//! [`StorageOptions::multipart_threshold`] are uploaded with one Put Blob, larger ones as
//! blocks committed with Put Block List; both record the blob's `Content-MD5`.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use md5::{Digest, Md5};
use reqwest::Method;
use reqwest::Url;
use reqwest::blocking::{Body, Client, Response};

use super::shared_key::{self, SharedKeyRequest};
use super::sigv4::{encode_key, uri_encode};
use super::{
    Credentials, ObjectInfo, ObjectStorage, Provider, StorageError, StorageOptions, StorageResult,
    StorageUri, TransferProgress,
};

/// The REST API version requests ask for.
const API_VERSION: &str = "2021-12-02";
/// A block blob has at most this many blocks.
const MAX_BLOCKS: u64 = 50_000;
/// Where Azure credentials come from, for error hints.
const CREDENTIALS_HINT: &str = "AZURE_STORAGE_ACCOUNT_KEY";

/// A container of an Azure storage account.
pub struct AzureStorage {
    uri: StorageUri,
    client: Client,
    /// The account's service URL, without a trailing `/`.
    base: String,
    account: String,
    key: Option<Vec<u8>>,
    options: StorageOptions,
}

impl std::fmt::Debug for AzureStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AzureStorage")
            .field("uri", &self.uri.to_string())
            .field("base", &self.base)
            .field("signed", &self.key.is_some())
            .finish()
    }
}

/// What one request sends.
struct Req<'a> {
    method: Method,
    url: Url,
    headers: Vec<(&'static str, String)>,
    /// The body and its length.
    body: Option<(Body, u64)>,
    timeout: Option<Duration>,
    /// The blob a 404 is about (`None`: the container).
    key: Option<&'a str>,
}

impl AzureStorage {
    /// A handle for the container of `uri`; makes no request.
    pub fn new(
        uri: &StorageUri,
        credentials: &Credentials,
        options: &StorageOptions,
    ) -> StorageResult<AzureStorage> {
        let account = uri
            .account()
            .ok_or_else(|| StorageError::InvalidUri {
                uri: uri.to_string(),
                reason: "not an Azure URI".into(),
            })?
            .to_string();
        let key = match credentials {
            Credentials::Anonymous => None,
            Credentials::AzureSharedKey { account_key } => {
                Some(STANDARD.decode(account_key.trim()).map_err(|e| {
                    StorageError::InvalidCredentials {
                        uri: uri.to_string(),
                        reason: format!("the account key is not base64: {e}"),
                    }
                })?)
            }
            Credentials::S3 { .. } => {
                return Err(StorageError::InvalidCredentials {
                    uri: uri.to_string(),
                    reason: "S3 keys cannot sign Azure requests".into(),
                });
            }
        };
        let base = match &options.azure_endpoint {
            Some(endpoint) => {
                let url = Url::parse(endpoint.trim()).map_err(|e| StorageError::InvalidUri {
                    uri: endpoint.clone(),
                    reason: format!("{} is not a URL: {e}", StorageOptions::AZURE_ENDPOINT_ENV),
                })?;
                if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
                    return Err(StorageError::InvalidUri {
                        uri: endpoint.clone(),
                        reason: format!(
                            "{} must be an http(s) URL",
                            StorageOptions::AZURE_ENDPOINT_ENV
                        ),
                    });
                }
                url.as_str().trim_end_matches('/').to_string()
            }
            None => format!("https://{account}.blob.core.windows.net"),
        };
        Ok(AzureStorage {
            uri: uri.root(),
            client: super::http_client(options)?,
            base,
            account,
            key,
            options: options.clone(),
        })
    }

    /// The URL of the container (`key` empty) or a blob, with a raw `query`.
    fn url(&self, key: &str, query: &str) -> StorageResult<Url> {
        let mut text = format!("{}/{}", self.base, uri_encode(self.uri.bucket()));
        if !key.is_empty() {
            text.push('/');
            text.push_str(&encode_key(key));
        }
        if !query.is_empty() {
            text.push('?');
            text.push_str(query);
        }
        Url::parse(&text).map_err(|e| StorageError::InvalidUri {
            uri: self.uri.to_string(),
            reason: e.to_string(),
        })
    }

    fn send(&self, req: Req<'_>) -> StorageResult<Response> {
        let mut headers = req.headers;
        headers.push((
            "x-ms-date",
            chrono::Utc::now()
                .format("%a, %d %b %Y %H:%M:%S GMT")
                .to_string(),
        ));
        headers.push(("x-ms-version", API_VERSION.to_string()));
        let mut builder = self.client.request(req.method.clone(), req.url.clone());
        if let Some(t) = req.timeout {
            builder = builder.timeout(t);
        }
        for (k, v) in &headers {
            builder = builder.header(*k, v);
        }
        if let Some(key) = &self.key {
            let mut signed = headers.clone();
            if let Some((_, len)) = &req.body {
                // The client sends this Content-Length for a sized body.
                signed.push(("content-length", len.to_string()));
            }
            let auth = shared_key::authorization(
                &SharedKeyRequest {
                    method: req.method.as_str(),
                    url: &req.url,
                    headers: &signed,
                    account: &self.account,
                },
                key,
            );
            builder = builder.header("authorization", auth);
        }
        if let Some((body, _)) = req.body {
            builder = builder.body(body);
        }
        tracing::debug!(method = %req.method, url = %req.url, "Azure request");
        let response = builder
            .send()
            .map_err(|e| super::network_error(&req.url, &e))?;
        self.check(response, req.key)
    }

    /// Passes a 2xx response; turns any other into the matching error.
    fn check(&self, response: Response, key: Option<&str>) -> StorageResult<Response> {
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let header_code = response
            .headers()
            .get("x-ms-error-code")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let mut url = response.url().clone();
        url.set_query(None);
        let body = {
            use std::io::Read;
            let mut text = String::new();
            let _ = response.take(64 * 1024).read_to_string(&mut text);
            text
        };
        let (body_code, message) = super::xml_error(&body);
        let code = header_code.or(body_code);
        let detail = match (&code, &message) {
            (Some(c), Some(m)) => format!("{c}: {m}"),
            (Some(c), None) => c.clone(),
            (None, Some(m)) => m.clone(),
            (None, None) => format!("HTTP {}", status.as_u16()),
        };
        Err(match (status.as_u16(), code.as_deref()) {
            (404, Some("ContainerNotFound")) => self.container_not_found(),
            (404, _) if key.is_some() => StorageError::ObjectNotFound {
                uri: self.uri.with_path(key.unwrap_or_default()).to_string(),
            },
            (404, _) => self.container_not_found(),
            (401 | 403, _) => StorageError::Auth {
                uri: self.uri.to_string(),
                detail,
                hint: CREDENTIALS_HINT,
            },
            (status, _) => StorageError::Service {
                url: url.to_string(),
                status,
                detail,
            },
        })
    }

    fn container_not_found(&self) -> StorageError {
        StorageError::BucketNotFound {
            provider: Provider::Azure,
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
        let body = super::file_body(local, 0, size, &md5, progress)?;
        self.send(Req {
            method: Method::PUT,
            url: self.url(key, "")?,
            headers: vec![("x-ms-blob-type", "BlockBlob".into())],
            body: Some((body, size)),
            timeout: None,
            key: Some(key),
        })?;
        Ok(ObjectInfo {
            key: key.to_string(),
            size,
            md5: super::md5_hex(&md5),
        })
    }

    fn upload_blocks(
        &self,
        local: &Path,
        key: &str,
        size: u64,
        progress: &Arc<dyn TransferProgress>,
    ) -> StorageResult<ObjectInfo> {
        let block_size = super::part_size_for(size, self.options.part_size, MAX_BLOCKS);
        let md5 = Arc::new(Mutex::new(Md5::new()));
        // A fresh prefix per upload: blocks of an earlier, failed upload are not reused.
        let prefix = crate::util::new_hex_id();
        let mut ids = Vec::new();
        let mut offset = 0u64;
        while offset < size {
            let len = block_size.min(size - offset);
            let id = STANDARD.encode(format!("{prefix}-{:06}", ids.len()));
            let query = format!("comp=block&blockid={}", uri_encode(&id));
            let body = super::file_body(local, offset, len, &md5, progress)?;
            self.send(Req {
                method: Method::PUT,
                url: self.url(key, &query)?,
                headers: vec![],
                body: Some((body, len)),
                timeout: None,
                key: Some(key),
            })?;
            ids.push(id);
            offset += len;
        }
        let hex = super::md5_hex(&md5);
        let mut xml = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>");
        for id in &ids {
            xml.push_str(&format!("<Latest>{id}</Latest>"));
        }
        xml.push_str("</BlockList>");
        let mut headers = vec![("content-type", "application/xml".to_string())];
        if let Some(md5) = hex.as_deref().and_then(hex_to_base64) {
            headers.push(("x-ms-blob-content-md5", md5));
        }
        let len = xml.len() as u64;
        self.send(Req {
            method: Method::PUT,
            url: self.url(key, "comp=blocklist")?,
            headers,
            body: Some((Body::from(xml), len)),
            timeout: Some(self.options.request_timeout),
            key: Some(key),
        })?;
        Ok(ObjectInfo {
            key: key.to_string(),
            size,
            md5: hex,
        })
    }
}

#[cfg(any(test, feature = "test-support"))]
impl AzureStorage {
    /// Creates the container, for tests against a local server.
    pub(crate) fn create_container_for_tests(&self) -> StorageResult<()> {
        self.send(Req {
            method: Method::PUT,
            url: self.url("", "restype=container")?,
            headers: vec![],
            body: None,
            timeout: Some(self.options.request_timeout),
            key: None,
        })
        .map(|_| ())
    }
}

impl ObjectStorage for AzureStorage {
    fn uri(&self) -> &StorageUri {
        &self.uri
    }

    fn bucket_exists(&self) -> StorageResult<bool> {
        let result = self.send(Req {
            method: Method::HEAD,
            url: self.url("", "restype=container")?,
            headers: vec![],
            body: None,
            timeout: Some(self.options.request_timeout),
            key: None,
        });
        match result {
            Ok(_) => Ok(true),
            Err(StorageError::BucketNotFound { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    fn list(&self, prefix: &str) -> StorageResult<Vec<ObjectInfo>> {
        #[derive(serde::Deserialize)]
        struct EnumerationResults {
            #[serde(rename = "Blobs", default)]
            blobs: Blobs,
            #[serde(rename = "NextMarker")]
            next_marker: Option<String>,
        }
        #[derive(serde::Deserialize, Default)]
        struct Blobs {
            #[serde(rename = "Blob", default)]
            blob: Vec<Blob>,
        }
        #[derive(serde::Deserialize)]
        struct Blob {
            #[serde(rename = "Name")]
            name: String,
            #[serde(rename = "Properties")]
            properties: Properties,
        }
        #[derive(serde::Deserialize)]
        struct Properties {
            #[serde(rename = "Content-Length")]
            content_length: u64,
            #[serde(rename = "Content-MD5")]
            content_md5: Option<String>,
        }
        let mut out = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let mut query = String::from("restype=container&comp=list");
            if !prefix.is_empty() {
                query.push_str(&format!("&prefix={}", uri_encode(prefix)));
            }
            if let Some(m) = &marker {
                query.push_str(&format!("&marker={}", uri_encode(m)));
            }
            if let Some(n) = self.options.list_page_size {
                query.push_str(&format!("&maxresults={n}"));
            }
            let url = self.url("", &query)?;
            let response = self.send(Req {
                method: Method::GET,
                url: url.clone(),
                headers: vec![],
                body: None,
                timeout: Some(self.options.request_timeout),
                key: None,
            })?;
            let text = response
                .text()
                .map_err(|e| super::network_error(&url, &e))?;
            let page: EnumerationResults =
                quick_xml::de::from_str(&text).map_err(|e| StorageError::InvalidResponse {
                    what: "List Blobs".into(),
                    detail: e.to_string(),
                })?;
            out.extend(page.blobs.blob.into_iter().map(|b| {
                ObjectInfo {
                    key: b.name,
                    size: b.properties.content_length,
                    md5: b
                        .properties
                        .content_md5
                        .as_deref()
                        .and_then(super::base64_md5_to_hex),
                }
            }));
            match page.next_marker.filter(|m| !m.is_empty()) {
                Some(next) => marker = Some(next),
                None => break,
            }
        }
        out.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    }

    fn stat(&self, key: &str) -> StorageResult<Option<ObjectInfo>> {
        let result = self.send(Req {
            method: Method::HEAD,
            url: self.url(key, "")?,
            headers: vec![],
            body: None,
            timeout: Some(self.options.request_timeout),
            key: Some(key),
        });
        let response = match result {
            Ok(r) => r,
            Err(StorageError::ObjectNotFound { .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        let headers = response.headers();
        let size = super::content_length(headers, "Get Blob Properties")?;
        Ok(Some(ObjectInfo {
            key: key.to_string(),
            size,
            md5: headers
                .get("content-md5")
                .and_then(|v| v.to_str().ok())
                .and_then(super::base64_md5_to_hex),
        }))
    }

    fn upload_with_progress(
        &self,
        local: &Path,
        key: &str,
        progress: Arc<dyn TransferProgress>,
    ) -> StorageResult<ObjectInfo> {
        let size = super::file_size(local)?;
        if size > self.options.multipart_threshold {
            self.upload_blocks(local, key, size, &progress)
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
        let response = self.send(Req {
            method: Method::GET,
            url: self.url(key, "")?,
            headers: vec![],
            body: None,
            timeout: None,
            key: Some(key),
        })?;
        // For a whole-blob GET, Content-MD5 is the MD5 stored with the blob.
        let expected = response
            .headers()
            .get("content-md5")
            .and_then(|v| v.to_str().ok())
            .and_then(super::base64_md5_to_hex);
        let uri = self.uri.with_path(key).to_string();
        let (size, md5) = super::receive_to_file(response, local, &uri, expected, &*progress)?;
        Ok(ObjectInfo {
            key: key.to_string(),
            size,
            md5: Some(md5),
        })
    }
}

/// Base64 of the bytes a hex string stands for.
fn hex_to_base64(hex: &str) -> Option<String> {
    let bytes = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect::<Option<Vec<u8>>>()?;
    Some(STANDARD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_defaults_to_the_account_host_and_can_be_overridden() {
        let uri = StorageUri::parse("azure://acct1/cont/p").unwrap();
        let az =
            AzureStorage::new(&uri, &Credentials::Anonymous, &StorageOptions::default()).unwrap();
        assert_eq!(
            az.url("a b.csv", "").unwrap().as_str(),
            "https://acct1.blob.core.windows.net/cont/a%20b.csv"
        );
        let opts = StorageOptions {
            azure_endpoint: Some("http://127.0.0.1:10000/devstoreaccount1/".into()),
            ..StorageOptions::default()
        };
        let az = AzureStorage::new(&uri, &Credentials::Anonymous, &opts).unwrap();
        assert_eq!(
            az.url("", "restype=container").unwrap().as_str(),
            "http://127.0.0.1:10000/devstoreaccount1/cont?restype=container"
        );
        let bad_key = Credentials::AzureSharedKey {
            account_key: "not base64!".into(),
        };
        let err = AzureStorage::new(&uri, &bad_key, &opts).unwrap_err();
        assert!(err.to_string().contains("not base64"), "{err}");
        let bad_endpoint = StorageOptions {
            azure_endpoint: Some("ftp://x".into()),
            ..StorageOptions::default()
        };
        assert!(AzureStorage::new(&uri, &Credentials::Anonymous, &bad_endpoint).is_err());
    }

    #[test]
    fn hex_md5_converts_to_base64_and_back() {
        let hex = "9e107d9d372bb6826bd81d3542a419d6";
        let b64 = hex_to_base64(hex).unwrap();
        assert_eq!(b64, "nhB9nTcrtoJr2B01QqQZ1g==");
        assert_eq!(super::super::base64_md5_to_hex(&b64).as_deref(), Some(hex));
    }
}
