//! Tests against real servers (see [`super::testing`]): moto in server mode for S3 (with IAM
//! authentication switched on, so every signature is verified) and Azurite for Blob storage
//! (which verifies Shared Key signatures).
//!
//! Without `moto_server` / `azurite-blob` the tests print a notice and pass, unless
//! `RENKU_TEST_REQUIRE_CLOUD=1`, which makes them fail.

use std::io::Write;
use std::path::{Path, PathBuf};

use md5::{Digest, Md5};

use super::testing::*;
use super::*;

/// Deterministic pseudo-random bytes (xorshift), so big files do not compress or repeat.
fn bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn md5_hex(data: &[u8]) -> String {
    sigv4::hex(&Md5::digest(data))
}

fn write(dir: &Path, name: &str, data: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::File::create(&p).unwrap().write_all(data).unwrap();
    p
}

/// Counts the bytes a transfer reports.
#[derive(Default)]
struct Counter(std::sync::atomic::AtomicU64);

impl TransferProgress for Counter {
    fn advance(&self, bytes: u64) {
        self.0
            .fetch_add(bytes, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Uploads a few files (one of several MB, keys with spaces and non-ASCII), lists them with
/// sizes and MD5s, downloads them back and compares the bytes.
fn round_trip(storage: &dyn ObjectStorage, list_md5_of_big: bool) {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<(String, Vec<u8>)> = vec![
        ("data/small.txt".into(), b"hello cloud\n".to_vec()),
        ("data/sub dir/ünï côdé.csv".into(), b"a,b\n1,2\n".to_vec()),
        ("data/empty".into(), Vec::new()),
        ("data/big.bin".into(), bytes(6 * 1024 * 1024 + 123, 7)),
        ("other/outside.txt".into(), b"not under data/".to_vec()),
    ];
    for (key, data) in &files {
        let local = write(dir.path(), &format!("up/{key}"), data);
        let counter = std::sync::Arc::new(Counter::default());
        let info = storage
            .upload_with_progress(&local, key, counter.clone())
            .unwrap();
        assert_eq!(info.key, *key);
        assert_eq!(info.size, data.len() as u64);
        assert_eq!(info.md5.as_deref(), Some(md5_hex(data).as_str()), "{key}");
        assert_eq!(
            counter.0.load(std::sync::atomic::Ordering::Relaxed),
            data.len() as u64
        );
    }

    let listed = storage.list("data/").unwrap();
    let mut expected: Vec<&(String, Vec<u8>)> = files
        .iter()
        .filter(|(k, _)| k.starts_with("data/"))
        .collect();
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        listed.iter().map(|o| o.key.as_str()).collect::<Vec<_>>(),
        expected.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>()
    );
    for (object, (key, data)) in listed.iter().zip(&expected) {
        assert_eq!(object.size, data.len() as u64, "{key}");
        if list_md5_of_big || key != "data/big.bin" {
            assert_eq!(object.md5.as_deref(), Some(md5_hex(data).as_str()), "{key}");
        }
    }
    assert_eq!(storage.list("").unwrap().len(), files.len());
    assert!(storage.list("nothing/").unwrap().is_empty());

    let stat = storage.stat("data/small.txt").unwrap().unwrap();
    assert_eq!(stat.size, 12);
    assert_eq!(
        stat.md5.as_deref(),
        Some(md5_hex(b"hello cloud\n").as_str())
    );
    assert_eq!(storage.stat("data/missing").unwrap(), None);

    for (key, data) in &files {
        let local = dir.path().join("down").join(key);
        let info = storage.download(key, &local).unwrap();
        assert_eq!(std::fs::read(&local).unwrap(), *data, "{key}");
        assert_eq!(info.size, data.len() as u64);
        assert_eq!(info.md5.as_deref(), Some(md5_hex(data).as_str()));
    }
    // Nothing but the downloaded files is left in the destination.
    let mut names: Vec<String> = std::fs::read_dir(dir.path().join("down/data"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, vec!["big.bin", "empty", "small.txt", "sub dir"]);

    // Uploading again replaces the object.
    let local = write(dir.path(), "new.txt", b"replaced");
    storage.upload(&local, "data/small.txt").unwrap();
    let local = dir.path().join("down/data/small.txt");
    storage.download("data/small.txt", &local).unwrap();
    assert_eq!(std::fs::read(&local).unwrap(), b"replaced");
}

/// A missing object is an error, and neither a new nor an existing destination is touched.
fn missing_download(storage: &dyn ObjectStorage) {
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("sub/fresh.bin");
    let err = storage.download("no/such/key.bin", &fresh).unwrap_err();
    assert!(
        matches!(err, StorageError::ObjectNotFound { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("no/such/key.bin"), "{err}");
    assert!(!fresh.exists());
    let existing = write(dir.path(), "existing.bin", b"keep me");
    storage.download("no/such/key.bin", &existing).unwrap_err();
    assert_eq!(std::fs::read(&existing).unwrap(), b"keep me");
    let leftovers: Vec<_> = walk(dir.path());
    assert_eq!(leftovers, vec![existing], "no temporary file is left");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn paged_listing(storage: &dyn ObjectStorage) {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..5 {
        let local = write(dir.path(), &format!("f{i}"), format!("file {i}").as_bytes());
        storage.upload(&local, &format!("pages/f{i}.txt")).unwrap();
    }
    let listed = storage.list("pages/").unwrap();
    assert_eq!(
        listed.iter().map(|o| o.key.as_str()).collect::<Vec<_>>(),
        vec![
            "pages/f0.txt",
            "pages/f1.txt",
            "pages/f2.txt",
            "pages/f3.txt",
            "pages/f4.txt"
        ]
    );
    assert!(listed.iter().all(|o| o.size == 6));
}

// ---- S3 tests ----

#[test]
fn s3_bucket_exists_and_missing_bucket() {
    let Some(f) = moto_auth() else { return };
    let uri = create_bucket(f, &unique("exists"));
    let storage = open_with(&uri, &f.credentials, &StorageOptions::default()).unwrap();
    assert!(storage.bucket_exists().unwrap());
    storage.ensure_bucket().unwrap();

    let missing = s3_uri(f, &unique("missing"));
    let storage = open_with(&missing, &f.credentials, &StorageOptions::default()).unwrap();
    assert!(!storage.bucket_exists().unwrap());
    let err = storage.ensure_bucket().unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("S3 bucket '{}' doesn't exist.", missing.bucket())
    );
    // Listing a missing bucket says so too.
    let err = storage.list("").unwrap_err();
    assert!(
        matches!(err, StorageError::BucketNotFound { .. }),
        "{err:?}"
    );
}

#[test]
fn s3_signed_requests_pass_verification() {
    let Some(f) = moto_auth() else { return };
    let uri = create_bucket(f, &unique("signed"));
    let storage = open_with(&uri, &f.credentials, &StorageOptions::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let big = bytes(3 * 1024 * 1024 + 5, 11);
    let small = b"small".to_vec();
    storage
        .upload(&write(dir.path(), "big", &big), "big.bin")
        .unwrap();
    storage
        .upload(&write(dir.path(), "small", &small), "small.txt")
        .unwrap();
    let listed = storage.list("").unwrap();
    assert_eq!(
        listed,
        vec![
            ObjectInfo {
                key: "big.bin".into(),
                size: big.len() as u64,
                md5: Some(md5_hex(&big)),
            },
            ObjectInfo {
                key: "small.txt".into(),
                size: 5,
                md5: Some(md5_hex(&small)),
            },
        ]
    );
    assert_eq!(storage.list("sma").unwrap().len(), 1);
    assert_eq!(storage.stat("small.txt").unwrap().unwrap().size, 5);
    let down = dir.path().join("down/big.bin");
    storage.download("big.bin", &down).unwrap();
    assert!(std::fs::read(&down).unwrap() == big);
    missing_download(&*storage);
}

#[test]
fn s3_upload_list_download_round_trip() {
    let Some(f) = moto_open() else { return };
    let uri = create_bucket(f, &unique("roundtrip"));
    let storage = open_with(&uri, &f.credentials, &StorageOptions::default()).unwrap();
    round_trip(&*storage, true);
}

#[test]
fn s3_large_files_upload_in_parts() {
    let Some(f) = moto_open() else { return };
    let uri = create_bucket(f, &unique("multipart"));
    let options = StorageOptions {
        multipart_threshold: 5 * 1024 * 1024,
        part_size: 5 * 1024 * 1024,
        ..StorageOptions::default()
    };
    let storage = open_with(&uri, &f.credentials, &options).unwrap();
    // The 6 MB file of the round trip goes up in two parts.
    round_trip(&*storage, false);
    // Three parts (5 + 5 + 1 MiB and a few bytes).
    let dir = tempfile::tempdir().unwrap();
    let data = bytes(11 * 1024 * 1024 + 123, 3);
    let local = write(dir.path(), "parts.bin", &data);
    let info = storage.upload(&local, "parts.bin").unwrap();
    assert_eq!(info.md5.as_deref(), Some(md5_hex(&data).as_str()));
    let listed = storage.list("parts.bin").unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].size, data.len() as u64);
    assert_eq!(listed[0].md5, None, "a multipart ETag is not an MD5");
    let down = dir.path().join("down.bin");
    storage.download("parts.bin", &down).unwrap();
    assert!(std::fs::read(&down).unwrap() == data);
}

#[test]
fn s3_download_of_missing_key_leaves_no_file() {
    let Some(f) = moto_open() else { return };
    let uri = create_bucket(f, &unique("missingkey"));
    let storage = open_with(&uri, &f.credentials, &StorageOptions::default()).unwrap();
    missing_download(&*storage);
    // A missing bucket is reported as such.
    let other = open_with(
        &s3_uri(f, &unique("nobucket")),
        &f.credentials,
        &StorageOptions::default(),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("k");
    let err = other.download("k", &dest).unwrap_err();
    assert!(
        matches!(err, StorageError::BucketNotFound { .. }),
        "{err:?}"
    );
    assert!(!dest.exists());
}

#[test]
fn s3_listing_follows_continuation_tokens() {
    let Some(f) = moto_open() else { return };
    let uri = create_bucket(f, &unique("pages"));
    let options = StorageOptions {
        list_page_size: Some(2),
        ..StorageOptions::default()
    };
    let storage = open_with(&uri, &f.credentials, &options).unwrap();
    paged_listing(&*storage);
}

#[test]
fn s3_bad_credentials_are_auth_errors() {
    let Some(f) = moto_auth() else { return };
    let uri = create_bucket(f, &unique("auth"));
    let Credentials::S3 { access_key_id, .. } = &f.credentials else {
        unreachable!()
    };
    let wrong_secret = Credentials::S3 {
        access_key_id: access_key_id.clone(),
        secret_access_key: "wrong".into(),
        session_token: None,
    };
    let unknown_key = Credentials::S3 {
        access_key_id: "AKIAUNKNOWNUNKNOWN00".into(),
        secret_access_key: "wrong".into(),
        session_token: None,
    };
    let dir = tempfile::tempdir().unwrap();
    let local = write(dir.path(), "f.txt", b"x");
    // (Unsigned requests make moto fail with a 500, so anonymous access is not tried here.)
    for credentials in [wrong_secret, unknown_key] {
        let storage = open_with(&uri, &credentials, &StorageOptions::default()).unwrap();
        let err = storage.bucket_exists().unwrap_err();
        assert!(
            matches!(err, StorageError::Auth { .. }),
            "{credentials:?}: {err:?}"
        );
        assert!(err.to_string().contains("AWS_ACCESS_KEY_ID"), "{err}");
        let err = storage.list("").unwrap_err();
        assert!(matches!(err, StorageError::Auth { .. }), "{err:?}");
        assert!(
            err.to_string().contains("Access to 's3://127.0.0.1:"),
            "{err}"
        );
        let err = storage.upload(&local, "f.txt").unwrap_err();
        assert!(matches!(err, StorageError::Auth { .. }), "{err:?}");
        let dest = dir.path().join("down.txt");
        let err = storage.download("f.txt", &dest).unwrap_err();
        assert!(matches!(err, StorageError::Auth { .. }), "{err:?}");
        assert!(!dest.exists());
    }
}

#[test]
fn s3_unreachable_endpoint_is_a_network_error() {
    // A port nothing listens on (no server needed).
    let port = free_port();
    let uri = StorageUri::parse(&format!("s3://127.0.0.1:{port}/bucket")).unwrap();
    let storage = open(&uri, &Credentials::Anonymous).unwrap();
    let err = storage.bucket_exists().unwrap_err();
    assert!(matches!(err, StorageError::Network { .. }), "{err:?}");
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
}

// ---- Azure tests ----

#[test]
fn azure_container_exists_and_missing_container() {
    let Some(f) = azurite() else { return };
    let uri = create_container(f, &unique("exists"));
    let storage = open_with(&uri, &f.credentials, &azurite_options(f)).unwrap();
    assert!(storage.bucket_exists().unwrap());
    let missing =
        StorageUri::parse(&format!("azure://{AZURITE_ACCOUNT}/{}", unique("missing"))).unwrap();
    let storage = open_with(&missing, &f.credentials, &azurite_options(f)).unwrap();
    assert!(!storage.bucket_exists().unwrap());
    let err = storage.ensure_bucket().unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("Azure container '{}' doesn't exist.", missing.bucket())
    );
    let err = storage.list("").unwrap_err();
    assert!(
        matches!(err, StorageError::BucketNotFound { .. }),
        "{err:?}"
    );
}

#[test]
fn azure_upload_list_download_round_trip() {
    let Some(f) = azurite() else { return };
    let uri = create_container(f, &unique("roundtrip"));
    let storage = open_with(&uri, &f.credentials, &azurite_options(f)).unwrap();
    round_trip(&*storage, true);
}

#[test]
fn azure_large_files_upload_as_blocks_with_their_md5() {
    let Some(f) = azurite() else { return };
    let uri = create_container(f, &unique("blocks"));
    let options = StorageOptions {
        multipart_threshold: 1024 * 1024,
        part_size: 1024 * 1024,
        ..azurite_options(f)
    };
    let storage = open_with(&uri, &f.credentials, &options).unwrap();
    // The 6 MB file goes up in 7 blocks; its MD5 is recorded with the block list.
    round_trip(&*storage, true);
}

#[test]
fn azure_download_of_missing_blob_leaves_no_file() {
    let Some(f) = azurite() else { return };
    let uri = create_container(f, &unique("missingblob"));
    let storage = open_with(&uri, &f.credentials, &azurite_options(f)).unwrap();
    missing_download(&*storage);
}

#[test]
fn azure_listing_follows_markers() {
    let Some(f) = azurite() else { return };
    let uri = create_container(f, &unique("pages"));
    let options = StorageOptions {
        list_page_size: Some(2),
        ..azurite_options(f)
    };
    let storage = open_with(&uri, &f.credentials, &options).unwrap();
    paged_listing(&*storage);
}

#[test]
fn azure_bad_key_is_an_auth_error() {
    let Some(f) = azurite() else { return };
    let uri = create_container(f, &unique("auth"));
    // A valid base64 key that is not the account's, and no key at all.
    let wrong = Credentials::AzureSharedKey {
        account_key: "d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXk=".into(),
    };
    let dir = tempfile::tempdir().unwrap();
    let local = write(dir.path(), "f.txt", b"x");
    for credentials in [wrong, Credentials::Anonymous] {
        let storage = open_with(&uri, &credentials, &azurite_options(f)).unwrap();
        let err = storage.bucket_exists().unwrap_err();
        assert!(
            matches!(err, StorageError::Auth { .. }),
            "{credentials:?}: {err:?}"
        );
        assert!(
            err.to_string().contains("AZURE_STORAGE_ACCOUNT_KEY"),
            "{err}"
        );
        let err = storage.upload(&local, "f.txt").unwrap_err();
        assert!(matches!(err, StorageError::Auth { .. }), "{err:?}");
        let err = storage.list("").unwrap_err();
        assert!(matches!(err, StorageError::Auth { .. }), "{err:?}");
        let dest = dir.path().join("down.txt");
        let err = storage.download("f.txt", &dest).unwrap_err();
        assert!(matches!(err, StorageError::Auth { .. }), "{err:?}");
        assert!(!dest.exists());
    }
}
