//! The folded-state cache of datasets (`.renku/cache/datasets/<object id>.json`).
//!
//! A dataset version stores only the file entries it wrote, so the files of a dataset are
//! folded from every version of its history ([`super::state`]). For a dataset of 100 000
//! files that means reading and folding 100 000 entries on every command. This cache keeps,
//! per dataset, the folded state of its current version: the version's metadata and every
//! file entry by path.
//!
//! It is derived and git-ignored, like the store index: deleting it never loses anything.
//! A cache file is keyed by what it was built from: the versions folded, in the order they
//! were applied, each with the size of its record file. Records are immutable and named by
//! id, so when that list equals the one the store index gives now, the cached state is the
//! state; when it is a prefix of it (new versions were written on top, the usual case), only
//! the newer records are read and applied; otherwise (a `git checkout` of another branch, a
//! merge that interleaves versions, records that vanished) the state is folded from scratch
//! and the cache rewritten. A file whose checksum does not match its content (damage, a
//! partial write) or that cannot be decoded is ignored and rebuilt, never trusted.
//!
//! File layout: one header line `renku-dataset-state <layout> <crc32 of the payload as 8 hex
//! digits> <payload length>`, then the payload: compact JSON of [`CachedState`].

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::model::{Dataset, DatasetFile};
use crate::store::{CACHE_DIR, Record, Store};
use crate::{Error, Result};

/// Directory of the dataset state cache inside `.renku/cache/`.
pub const DIR: &str = "datasets";
/// Version of the cache file layout; a file of another layout is ignored and rebuilt.
pub const LAYOUT: u32 = 1;
const MAGIC: &str = "renku-dataset-state";

/// One version folded into a state: its version id and the size of its record file.
pub type FoldedVersion = (String, u64);

/// The cached state of one dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CachedState {
    /// The dataset's object id (its initial identifier).
    pub object_id: String,
    /// The versions folded, in the order they were applied (the cache key).
    pub order: Vec<FoldedVersion>,
    /// The record of the version the state is of, with the file entries it wrote.
    pub record: Record<Dataset>,
    /// Every file entry by path, removal entries included, sorted by path.
    pub entries: Vec<DatasetFile>,
}

/// Path of the cache file of the dataset `object_id`.
pub fn path(store: &Store, object_id: &str) -> PathBuf {
    store
        .root()
        .join(CACHE_DIR)
        .join(DIR)
        .join(format!("{}.json", file_stem(object_id)))
}

/// A file name for `object_id`: itself when it is plain (letters, digits, `-`, `_`), else
/// its bytes in hex.
fn file_stem(object_id: &str) -> String {
    let plain = !object_id.is_empty()
        && object_id.len() <= 128
        && object_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if plain {
        object_id.to_string()
    } else {
        let hex: String = object_id.bytes().map(|b| format!("{b:02x}")).collect();
        format!("x-{}", &hex[..hex.len().min(200)])
    }
}

/// Reads the cached state of `object_id`; `None` when there is none or it cannot be trusted
/// (missing, damaged, of another layout, or of another dataset).
pub fn load(store: &Store, object_id: &str) -> Option<CachedState> {
    let path = path(store, object_id);
    let bytes = std::fs::read(&path).ok()?;
    match decode(&bytes) {
        Ok(state) if state.object_id == object_id => Some(state),
        Ok(_) => {
            tracing::debug!("{} holds another dataset: ignored", path.display());
            None
        }
        Err(e) => {
            tracing::debug!("ignoring the dataset state cache {}: {e}", path.display());
            None
        }
    }
}

/// Writes the state of `record`'s dataset, folded from the versions `order`, as its cache
/// file (atomically: readers see the old file or the new one). Not flushed to disk: a file
/// torn by a crash fails its checksum and is rebuilt.
pub fn save(
    store: &Store,
    object_id: &str,
    order: &[FoldedVersion],
    record: &Record<Dataset>,
    entries: &BTreeMap<String, DatasetFile>,
) -> Result<()> {
    let bytes = encode_parts(&StateRef {
        object_id,
        order,
        record,
        entries: entries.values().collect(),
    })?;
    let cache_dir = store.root().join(CACHE_DIR);
    crate::util::ensure_ignored_dir(&cache_dir)?;
    let path = path(store, object_id);
    let dir = cache_dir.join(DIR);
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::io(format!("Cannot create {}", dir.display()), e))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".renku-tmp-")
        .tempfile_in(&dir)
        .map_err(|e| Error::io(format!("Cannot write {}", path.display()), e))?;
    tmp.write_all(&bytes)
        .map_err(|e| Error::io(format!("Cannot write {}", path.display()), e))?;
    tmp.persist(&path)
        .map_err(|e| Error::io(format!("Cannot write {}", path.display()), e.error))?;
    Ok(())
}

/// [`CachedState`] by reference, for writing without copying the entries.
#[derive(Serialize)]
struct StateRef<'a> {
    object_id: &'a str,
    order: &'a [FoldedVersion],
    record: &'a Record<Dataset>,
    entries: Vec<&'a DatasetFile>,
}

/// Removes the cached state of `object_id`, if any.
pub fn remove(store: &Store, object_id: &str) {
    let _ = std::fs::remove_file(path(store, object_id));
}

/// The bytes of a cache file holding `state`.
pub fn encode(state: &CachedState) -> Result<Vec<u8>> {
    encode_parts(&StateRef {
        object_id: &state.object_id,
        order: &state.order,
        record: &state.record,
        entries: state.entries.iter().collect(),
    })
}

fn encode_parts(state: &StateRef<'_>) -> Result<Vec<u8>> {
    let payload = serde_json::to_vec(state)
        .map_err(|e| Error::Store(format!("cannot encode the dataset state cache: {e}")))?;
    let header = format!(
        "{MAGIC} {LAYOUT} {:08x} {}\n",
        crc32fast::hash(&payload),
        payload.len()
    );
    let mut out = Vec::with_capacity(header.len() + payload.len());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(&payload);
    Ok(out)
}

/// Decodes a cache file, checking its layout, length and checksum.
pub fn decode(bytes: &[u8]) -> std::result::Result<CachedState, String> {
    let newline = bytes
        .iter()
        .position(|b| *b == b'\n')
        .ok_or("no header line")?;
    let header = std::str::from_utf8(&bytes[..newline]).map_err(|_| "header is not text")?;
    let payload = &bytes[newline + 1..];
    let fields: Vec<&str> = header.split(' ').collect();
    let [magic, layout, crc, len] = fields[..] else {
        return Err(format!("bad header {header:?}"));
    };
    if magic != MAGIC {
        return Err(format!("bad header {header:?}"));
    }
    if layout != LAYOUT.to_string() {
        return Err(format!("layout {layout}, expected {LAYOUT}"));
    }
    if len.parse::<usize>().ok() != Some(payload.len()) {
        return Err(format!(
            "payload of {} bytes, header says {len}",
            payload.len()
        ));
    }
    let crc = u32::from_str_radix(crc, 16).map_err(|_| format!("bad checksum {crc:?}"))?;
    if crc32fast::hash(payload) != crc {
        return Err("checksum mismatch".into());
    }
    serde_json::from_slice(payload).map_err(|e| format!("cannot decode: {e}"))
}

/// The entries of a cached state as the map [`super::DatasetState`] holds.
pub fn entries_map(entries: Vec<DatasetFile>) -> BTreeMap<String, DatasetFile> {
    entries
        .into_iter()
        .map(|f| (f.entity.path.clone(), f))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Kind;

    fn sample() -> CachedState {
        let data: Dataset = serde_json::from_value(serde_json::json!({
            "id": "/datasets/a", "identifier": "a", "initial_identifier": "a",
            "slug": "d1", "name": "d1", "date_modified": "2024-01-01T00:00:00+00:00"
        }))
        .unwrap();
        let mut file = DatasetFile::new("data/d1/x.txt", "abc", Some("x.txt".into()), Some(3));
        file.date_removed = Some(crate::util::now());
        CachedState {
            object_id: "a".into(),
            order: vec![("a".into(), 10)],
            record: Record::new(Kind::Dataset, "a", "t", data),
            entries: vec![file],
        }
    }

    #[test]
    fn round_trips_and_rejects_damage() {
        let state = sample();
        let bytes = encode(&state).unwrap();
        assert_eq!(decode(&bytes).unwrap(), state);
        // One changed byte in the payload: the checksum no longer matches.
        let mut damaged = bytes.clone();
        let last = damaged.len() - 3;
        damaged[last] ^= 0x01;
        assert!(decode(&damaged).is_err());
        // Truncated.
        assert!(decode(&bytes[..bytes.len() - 1]).is_err());
        // Another layout.
        let text = String::from_utf8(bytes).unwrap();
        let other = text.replacen(&format!("{MAGIC} {LAYOUT} "), &format!("{MAGIC} 999 "), 1);
        assert!(decode(other.as_bytes()).is_err());
        assert!(decode(b"").is_err());
        assert!(decode(b"garbage\n{}").is_err());
    }

    #[test]
    fn file_names_are_safe() {
        assert_eq!(file_stem("0123abcd"), "0123abcd");
        assert_eq!(file_stem("../x"), "x-2e2e2f78");
    }
}
