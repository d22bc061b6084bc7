//! AWS Signature Version 4 for requests signed in the `Authorization` header (the scheme S3 and
//! every S3-compatible service accept), as specified in the S3 API reference, "Authenticating
//! Requests: Using the Authorization Header". Bodies are not hashed: callers pass
//! `UNSIGNED-PAYLOAD` (or the SHA-256 of a small body) as the payload hash.

use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use reqwest::Url;
use sha2::{Digest, Sha256};

/// The payload hash of requests whose body is not signed.
pub(crate) const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// Characters kept as they are in SigV4 URI encoding (RFC 3986 unreserved).
const SIGV4_ESCAPE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Encodes one path segment or query component the way SigV4 expects.
pub(crate) fn uri_encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, SIGV4_ESCAPE).to_string()
}

/// Encodes an object key for a URL path: every segment encoded, `/` kept.
pub(crate) fn encode_key(key: &str) -> String {
    key.split('/').map(uri_encode).collect::<Vec<_>>().join("/")
}

/// What is signed: the request line, the headers to sign and the key material.
pub(crate) struct SigningRequest<'a> {
    /// HTTP method in upper case.
    pub method: &'a str,
    /// The URL as it is sent; its path must already be encoded with [`encode_key`].
    pub url: &'a Url,
    /// Headers to sign besides `host`, `x-amz-date`, `x-amz-content-sha256` and
    /// `x-amz-security-token` (which are added); names in any case.
    pub headers: &'a [(&'a str, String)],
    /// Hex SHA-256 of the body, or [`UNSIGNED_PAYLOAD`].
    pub payload_hash: &'a str,
    /// The signing region (`us-east-1`, …).
    pub region: &'a str,
    /// The service name (`s3`, `iam`, …).
    pub service: &'a str,
    /// Access key id.
    pub access_key_id: &'a str,
    /// Secret access key.
    pub secret_access_key: &'a str,
    /// Session token of temporary credentials.
    pub session_token: Option<&'a str>,
    /// The request time.
    pub time: DateTime<Utc>,
}

/// The headers to send with the request: `x-amz-date`, `x-amz-content-sha256`, the session
/// token if any, and `authorization`.
pub(crate) fn sign(req: &SigningRequest<'_>) -> Vec<(&'static str, String)> {
    let amz_date = req.time.format("%Y%m%dT%H%M%SZ").to_string();
    let date = req.time.format("%Y%m%d").to_string();

    let mut headers: Vec<(String, String)> = req
        .headers
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), normalize_value(v)))
        .collect();
    headers.push(("host".into(), host_header(req.url)));
    headers.push(("x-amz-date".into(), amz_date.clone()));
    headers.push(("x-amz-content-sha256".into(), req.payload_hash.to_string()));
    if let Some(token) = req.session_token {
        headers.push(("x-amz-security-token".into(), token.to_string()));
    }
    headers.sort();
    let signed_headers = headers
        .iter()
        .map(|(k, _)| k.as_str())
        .collect::<Vec<_>>()
        .join(";");
    let canonical_headers: String = headers.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();

    let canonical_request = format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        req.method,
        canonical_path(req.url),
        canonical_query(req.url),
        canonical_headers,
        signed_headers,
        req.payload_hash
    );
    let scope = format!("{date}/{}/{}/aws4_request", req.region, req.service);
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex(&Sha256::digest(canonical_request.as_bytes()))
    );
    let mut key = hmac(
        format!("AWS4{}", req.secret_access_key).as_bytes(),
        date.as_bytes(),
    );
    for part in [req.region, req.service, "aws4_request"] {
        key = hmac(&key, part.as_bytes());
    }
    let signature = hex(&hmac(&key, string_to_sign.as_bytes()));

    let mut out = vec![
        ("x-amz-date", amz_date),
        ("x-amz-content-sha256", req.payload_hash.to_string()),
    ];
    if let Some(token) = req.session_token {
        out.push(("x-amz-security-token", token.to_string()));
    }
    out.push((
        "authorization",
        format!(
            "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
            req.access_key_id
        ),
    ));
    out
}

/// Hex SHA-256 of `bytes` (the payload hash of a small body).
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// The `Host` header an HTTP client sends for `url`: the host, and the port unless it is the
/// scheme's default.
fn host_header(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

fn canonical_path(url: &Url) -> &str {
    match url.path() {
        "" => "/",
        p => p,
    }
}

fn canonical_query(url: &Url) -> String {
    let mut pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (uri_encode(&k), uri_encode(&v)))
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// Header values are trimmed and inner runs of spaces collapse to one.
fn normalize_value(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// Lower-case hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    fn example(method: &str, url: &str, headers: &[(&str, String)]) -> String {
        let url = Url::parse(url).unwrap();
        let out = sign(&SigningRequest {
            method,
            url: &url,
            headers,
            payload_hash: EMPTY_SHA256,
            region: "us-east-1",
            service: "s3",
            access_key_id: "AKIAIOSFODNN7EXAMPLE",
            secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            session_token: None,
            time: Utc.with_ymd_and_hms(2013, 5, 24, 0, 0, 0).unwrap(),
        });
        out.into_iter()
            .find(|(k, _)| *k == "authorization")
            .unwrap()
            .1
    }

    // The examples of the S3 API reference ("Examples of Signature Calculations").
    #[test]
    fn signs_the_reference_get_object_example() {
        let auth = example(
            "GET",
            "https://examplebucket.s3.amazonaws.com/test.txt",
            &[("Range", "bytes=0-9".into())],
        );
        assert_eq!(
            auth,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, \
             SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, \
             Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        );
    }

    #[test]
    fn signs_the_reference_list_objects_example_with_sorted_query() {
        let auth = example(
            "GET",
            "https://examplebucket.s3.amazonaws.com/?prefix=J&max-keys=2",
            &[],
        );
        assert!(
            auth.ends_with(
                "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"
            ),
            "{auth}"
        );
    }

    #[test]
    fn keys_are_encoded_per_segment() {
        assert_eq!(encode_key("a b/c+d/é~x.csv"), "a%20b/c%2Bd/%C3%A9~x.csv");
        assert_eq!(uri_encode("a/b"), "a%2Fb");
    }
}
