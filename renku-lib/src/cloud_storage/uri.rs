//! Storage URIs of cloud-storage datasets, in renku-python's forms:
//!
//! * `s3://<endpoint>/<bucket>[/<path>]`: `<endpoint>` is a host with an optional port
//!   (`s3.amazonaws.com`, `s3.eu-central-1.amazonaws.com`, `minio.example.org:9000`,
//!   `127.0.0.1:5000`, `[::1]:9000`). The URI names no protocol: requests use HTTPS, except for
//!   a loopback endpoint (`localhost`, `127.0.0.0/8`, `[::1]`), which is reached over plain HTTP
//!   (local test servers); `RENKU_S3_ENDPOINT_SCHEME=http|https` overrides both
//!   ([`super::StorageOptions`]).
//! * `azure://<account>/<container>[/<path>]`: a Blob storage account and container; the
//!   service is `https://<account>.blob.core.windows.net` unless `RENKU_AZURE_BLOB_ENDPOINT`
//!   names another one (for example Azurite's `http://127.0.0.1:10000/devstoreaccount1`).
//!
//! `<path>` is an object key prefix, taken verbatim (no percent-decoding); a trailing `/` is
//! kept. The scheme is matched case-insensitively and printed in lower case.

use std::fmt;
use std::str::FromStr;

use super::StorageError;

/// Which cloud-storage service a URI names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Provider {
    /// Amazon S3 or an S3-compatible service (MinIO, Ceph, …).
    S3,
    /// Azure Blob storage.
    Azure,
}

impl Provider {
    /// The URI scheme of the provider (`s3` or `azure`).
    pub fn scheme(self) -> &'static str {
        match self {
            Provider::S3 => "s3",
            Provider::Azure => "azure",
        }
    }

    /// What the provider calls a bucket (`bucket` or `container`), for messages.
    pub fn bucket_word(self) -> &'static str {
        match self {
            Provider::S3 => "bucket",
            Provider::Azure => "container",
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Provider::S3 => "S3",
            Provider::Azure => "Azure",
        })
    }
}

/// A parsed cloud-storage URI: a bucket (S3) or container (Azure) and a key prefix in it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StorageUri {
    provider: Provider,
    /// S3: the endpoint `host[:port]` (host lower-cased); Azure: the account name.
    authority: String,
    bucket: String,
    path: String,
}

impl StorageUri {
    /// Whether `text` starts with a cloud-storage scheme (`s3://` or `azure://`), i.e. whether
    /// it should be parsed as a storage URI rather than as a local path or web URL.
    pub fn is_storage_uri(text: &str) -> bool {
        scheme_of(text).is_some()
    }

    /// Parses `s3://<endpoint>/<bucket>[/<path>]` or `azure://<account>/<container>[/<path>]`.
    pub fn parse(text: &str) -> Result<StorageUri, StorageError> {
        let invalid = |reason: &str| StorageError::InvalidUri {
            uri: text.to_string(),
            reason: reason.to_string(),
        };
        let (provider, rest) = scheme_of(text).ok_or_else(|| {
            invalid(
                "expected s3://<endpoint>/<bucket>/<path> or azure://<account>/<container>/<path>",
            )
        })?;
        if rest.chars().any(char::is_control) {
            return Err(invalid("control characters are not allowed"));
        }
        let (authority, after) = rest.split_once('/').unwrap_or((rest, ""));
        let (bucket, path) = after.split_once('/').unwrap_or((after, ""));
        let authority = match provider {
            Provider::S3 => parse_endpoint(authority).map_err(|r| invalid(&r))?,
            Provider::Azure => {
                check_account(authority).map_err(|r| invalid(&r))?;
                authority.to_string()
            }
        };
        if bucket.is_empty() {
            return Err(invalid(&format!(
                "the {} name is missing",
                provider.bucket_word()
            )));
        }
        match provider {
            Provider::S3 => check_bucket(bucket),
            Provider::Azure => check_container(bucket),
        }
        .map_err(|r| invalid(&r))?;
        Ok(StorageUri {
            provider,
            authority,
            bucket: bucket.to_string(),
            path: path.to_string(),
        })
    }

    /// The URI for an S3 bucket (path may be empty).
    pub fn s3(endpoint: &str, bucket: &str, path: &str) -> Result<StorageUri, StorageError> {
        Self::parse(&format!("s3://{endpoint}/{bucket}/{path}"))
    }

    /// The URI for an Azure Blob container (path may be empty).
    pub fn azure(account: &str, container: &str, path: &str) -> Result<StorageUri, StorageError> {
        Self::parse(&format!("azure://{account}/{container}/{path}"))
    }

    /// The provider the URI names.
    pub fn provider(&self) -> Provider {
        self.provider
    }

    /// S3: the endpoint `host[:port]`; `None` for Azure.
    pub fn endpoint(&self) -> Option<&str> {
        (self.provider == Provider::S3).then_some(self.authority.as_str())
    }

    /// Azure: the storage account; `None` for S3.
    pub fn account(&self) -> Option<&str> {
        (self.provider == Provider::Azure).then_some(self.authority.as_str())
    }

    /// The bucket (S3) or container (Azure).
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The key prefix inside the bucket (may be empty; no leading `/`).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The same bucket with another key prefix.
    pub fn with_path(&self, path: &str) -> StorageUri {
        StorageUri {
            path: path.trim_start_matches('/').to_string(),
            ..self.clone()
        }
    }

    /// The URI of `relative` under this URI's path (`s3://e/b/data` + `x/y.csv` →
    /// `s3://e/b/data/x/y.csv`).
    pub fn join(&self, relative: &str) -> StorageUri {
        self.with_path(&self.key_for(relative))
    }

    /// The object key of `relative` under this URI's path.
    pub fn key_for(&self, relative: &str) -> String {
        let relative = relative.trim_start_matches('/');
        if self.path.is_empty() {
            relative.to_string()
        } else if self.path.ends_with('/') {
            format!("{}{relative}", self.path)
        } else {
            format!("{}/{relative}", self.path)
        }
    }

    /// The URI of the bucket or container itself (no path).
    pub fn root(&self) -> StorageUri {
        self.with_path("")
    }

    /// The key under which credentials for this URI are stored: `s3://<endpoint>/<bucket>`
    /// (S3 keys belong to a user of an endpoint, often restricted to buckets) or
    /// `azure://<account>` (an Azure account key opens every container of the account).
    pub fn credential_key(&self) -> String {
        match self.provider {
            Provider::S3 => format!("s3://{}/{}", self.authority, self.bucket),
            Provider::Azure => format!("azure://{}", self.authority),
        }
    }

    /// The less specific credential keys tried after [`Self::credential_key`]: the endpoint
    /// alone for S3 (`s3://<endpoint>`), the container for Azure (`azure://<account>/<c>`).
    pub fn credential_fallback_keys(&self) -> Vec<String> {
        match self.provider {
            Provider::S3 => vec![format!("s3://{}", self.authority)],
            Provider::Azure => vec![format!("azure://{}/{}", self.authority, self.bucket)],
        }
    }
}

impl fmt::Display for StorageUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}://{}/{}",
            self.provider.scheme(),
            self.authority,
            self.bucket
        )?;
        if !self.path.is_empty() {
            write!(f, "/{}", self.path)?;
        }
        Ok(())
    }
}

impl FromStr for StorageUri {
    type Err = StorageError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        StorageUri::parse(s)
    }
}

/// The provider and the text after `<scheme>://`.
fn scheme_of(text: &str) -> Option<(Provider, &str)> {
    let (scheme, rest) = text.split_once("://")?;
    let provider = if scheme.eq_ignore_ascii_case("s3") {
        Provider::S3
    } else if scheme.eq_ignore_ascii_case("azure") {
        Provider::Azure
    } else {
        return None;
    };
    Some((provider, rest))
}

/// Validates `host[:port]` and returns it with the host lower-cased.
fn parse_endpoint(endpoint: &str) -> Result<String, String> {
    if endpoint.is_empty() {
        return Err("the endpoint is missing".into());
    }
    if endpoint.contains(['@', '?', '#', '\\', ' ']) {
        return Err(format!(
            "'{endpoint}' is not an endpoint of the form host[:port]"
        ));
    }
    let url = reqwest::Url::parse(&format!("https://{endpoint}/"))
        .map_err(|e| format!("'{endpoint}' is not an endpoint of the form host[:port]: {e}"))?;
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| format!("'{endpoint}' has no host name"))?;
    if endpoint.ends_with(':') {
        return Err(format!("'{endpoint}' has an empty port"));
    }
    // `Url` drops a default port (443): keep the port as written (validated by `Url`).
    let port = if endpoint.starts_with('[') {
        endpoint.find(']').map(|i| &endpoint[i + 1..])
    } else {
        endpoint.find(':').map(|i| &endpoint[i..])
    }
    .unwrap_or("");
    Ok(format!("{host}{port}"))
}

fn check_bucket(bucket: &str) -> Result<(), String> {
    // S3 rules (3-63 characters of lower-case letters, digits, '.', '-'), relaxed to allow
    // upper case and '_' as legacy buckets and S3-compatible services do.
    let ok = (3..=63).contains(&bucket.len())
        && bucket
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        && bucket.starts_with(|c: char| c.is_ascii_alphanumeric())
        && bucket.ends_with(|c: char| c.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(format!(
            "'{bucket}' is not a valid bucket name (3-63 letters, digits, '.', '-' or '_', starting and ending with a letter or digit)"
        ))
    }
}

fn check_container(container: &str) -> Result<(), String> {
    let special = matches!(container, "$root" | "$web" | "$logs");
    let ok = special
        || ((3..=63).contains(&container.len())
            && container
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !container.starts_with('-')
            && !container.ends_with('-')
            && !container.contains("--"));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "'{container}' is not a valid container name (3-63 lower-case letters, digits and single '-')"
        ))
    }
}

fn check_account(account: &str) -> Result<(), String> {
    if account.is_empty() {
        return Err("the storage account is missing".into());
    }
    let ok = (3..=24).contains(&account.len())
        && account
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(format!(
            "'{account}' is not a valid storage account name (3-24 lower-case letters and digits)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_uris_parse_and_print() {
        let u = StorageUri::parse("s3://s3.amazonaws.com/my-bucket/data/files/").unwrap();
        assert_eq!(u.provider(), Provider::S3);
        assert_eq!(u.endpoint(), Some("s3.amazonaws.com"));
        assert_eq!(u.account(), None);
        assert_eq!(u.bucket(), "my-bucket");
        assert_eq!(u.path(), "data/files/");
        assert_eq!(u.to_string(), "s3://s3.amazonaws.com/my-bucket/data/files/");

        let u: StorageUri = "S3://127.0.0.1:5000/bucket".parse().unwrap();
        assert_eq!(u.endpoint(), Some("127.0.0.1:5000"));
        assert_eq!(u.path(), "");
        assert_eq!(u.to_string(), "s3://127.0.0.1:5000/bucket");

        let u = StorageUri::parse("s3://MinIO.Example.org:443/b_1/x").unwrap();
        assert_eq!(u.endpoint(), Some("minio.example.org:443"));
        let u = StorageUri::parse("s3://[::1]:9000/bucket/k").unwrap();
        assert_eq!(u.endpoint(), Some("[::1]:9000"));
        assert_eq!(u.to_string(), "s3://[::1]:9000/bucket/k");
    }

    #[test]
    fn azure_uris_parse_and_print() {
        let u = StorageUri::parse("azure://devstoreaccount1/container/a/b.csv").unwrap();
        assert_eq!(u.provider(), Provider::Azure);
        assert_eq!(u.account(), Some("devstoreaccount1"));
        assert_eq!(u.endpoint(), None);
        assert_eq!(u.bucket(), "container");
        assert_eq!(u.path(), "a/b.csv");
        assert_eq!(u.to_string(), "azure://devstoreaccount1/container/a/b.csv");
        assert_eq!(u.credential_key(), "azure://devstoreaccount1");
    }

    #[test]
    fn malformed_uris_are_rejected_with_the_reason() {
        let cases = [
            ("http://example.org/b", "expected s3://"),
            ("s3://", "endpoint is missing"),
            ("s3:///bucket/x", "endpoint is missing"),
            ("s3://s3.amazonaws.com", "bucket name is missing"),
            ("s3://s3.amazonaws.com/", "bucket name is missing"),
            ("s3://s3.amazonaws.com/ab", "not a valid bucket name"),
            (
                "s3://s3.amazonaws.com/bad bucket/x",
                "not a valid bucket name",
            ),
            ("s3://user@host/bucket", "host[:port]"),
            ("s3://host:/bucket", "empty port"),
            ("s3://host:99999/bucket", "host[:port]"),
            ("azure://Account/container", "not a valid storage account"),
            ("azure:///container", "storage account is missing"),
            ("azure://account/Container", "not a valid container name"),
            ("azure://account/a--b", "not a valid container name"),
            ("azure://account", "container name is missing"),
            ("s3://host/bucket/a\nb", "control characters"),
        ];
        for (text, reason) in cases {
            let err = StorageUri::parse(text).unwrap_err();
            let msg = err.to_string();
            assert!(
                matches!(err, StorageError::InvalidUri { .. }),
                "{text}: {msg}"
            );
            assert!(msg.contains(reason), "{text}: {msg}");
            assert!(
                msg.contains(text.split('\n').next().unwrap()),
                "{text}: {msg}"
            );
        }
    }

    #[test]
    fn keys_join_under_the_path() {
        let u = StorageUri::parse("s3://e.org/bucket/data").unwrap();
        assert_eq!(u.key_for("x/y.csv"), "data/x/y.csv");
        assert_eq!(u.join("/x.csv").to_string(), "s3://e.org/bucket/data/x.csv");
        let u = StorageUri::parse("s3://e.org/bucket/data/").unwrap();
        assert_eq!(u.key_for("x.csv"), "data/x.csv");
        let u = StorageUri::parse("s3://e.org/bucket").unwrap();
        assert_eq!(u.key_for("x.csv"), "x.csv");
        assert_eq!(u.root().to_string(), "s3://e.org/bucket");
        assert_eq!(u.credential_key(), "s3://e.org/bucket");
        assert_eq!(u.credential_fallback_keys(), vec!["s3://e.org".to_string()]);
        assert!(StorageUri::is_storage_uri("AZURE://a/b"));
        assert!(!StorageUri::is_storage_uri("https://a/b"));
        assert!(!StorageUri::is_storage_uri("data/s3://x"));
    }
}
