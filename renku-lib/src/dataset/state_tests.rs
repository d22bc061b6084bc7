//! Tests of folding dataset versions and of the folded-state cache.

use super::*;
use crate::store::record;

const OBJECT: &str = "aa000000000000000000000000000000";

fn id(n: u32) -> String {
    format!("{n:02x}{:030x}", n)
}

/// Writes version `n` of the test dataset, derived from `parent` (and merging `merges`),
/// holding `files` (paths; a path starting with `-` records the removal of that path).
fn write_version(
    root: &std::path::Path,
    n: u32,
    parent: Option<u32>,
    merges: &[u32],
    files: &[&str],
) {
    let vid = if n == 0 { OBJECT.to_string() } else { id(n) };
    let parent_id = parent.map(|p| if p == 0 { OBJECT.to_string() } else { id(p) });
    let date =
        chrono::DateTime::parse_from_rfc3339(&format!("2024-01-01T00:00:{n:02}+00:00")).unwrap();
    let files: Vec<DatasetFile> = files
        .iter()
        .map(|p| {
            let (path, removed) = match p.strip_prefix('-') {
                Some(rest) => (rest, true),
                None => (*p, false),
            };
            let mut f = DatasetFile::new(path, &format!("{n:040}"), Some(path.into()), Some(1));
            f.date_added = date;
            if removed {
                f.date_removed = Some(date);
            }
            f
        })
        .collect();
    let data: Dataset = serde_json::from_value(serde_json::json!({
        "id": format!("/datasets/{vid}"), "identifier": vid, "initial_identifier": OBJECT,
        "slug": "d1", "name": format!("version {n}"), "date_modified": date.to_rfc3339(),
        "files": files,
        "merges": merges.iter().map(|m| id(*m)).collect::<Vec<_>>(),
    }))
    .unwrap();
    let r = Record {
        kind: Kind::Dataset,
        object_id: OBJECT.to_string(),
        version_id: vid.clone(),
        derived_from: parent_id,
        date,
        removed: false,
        transaction: "t".into(),
        data,
    };
    let path = root.join(Store::record_path(Kind::Dataset, &vid));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, record::encode(&r).unwrap()).unwrap();
}

fn remove_version(root: &std::path::Path, n: u32) {
    std::fs::remove_file(root.join(Store::record_path(Kind::Dataset, &id(n)))).unwrap();
}

/// The current state of `d1`, read through the cache.
fn current(store: &Store) -> DatasetState {
    Datasets::load(store).unwrap().get("d1").unwrap()
}

/// The current state of `d1` folded from the records alone (the cache deleted first).
fn folded(store: &Store) -> DatasetState {
    state_cache::remove(store, OBJECT);
    let state = current(store);
    state_cache::remove(store, OBJECT);
    state
}

fn files(state: &DatasetState) -> Vec<String> {
    state.files().map(|f| f.path().to_string()).collect()
}

fn cache_file(store: &Store) -> std::path::PathBuf {
    state_cache::path(store, OBJECT)
}

fn cached(store: &Store) -> state_cache::CachedState {
    state_cache::decode(&std::fs::read(cache_file(store)).unwrap()).unwrap()
}

fn same(a: &DatasetState, b: &DatasetState) {
    assert_eq!(a.record, b.record);
    assert_eq!(a.entries, b.entries);
    assert_eq!(a.other_heads, b.other_heads);
    assert_eq!(a.order, b.order);
}

#[test]
fn the_current_state_is_cached_and_read_back_from_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path());
    write_version(dir.path(), 0, None, &[], &["a", "b"]);
    write_version(dir.path(), 1, Some(0), &[], &["c", "-a"]);
    let first = current(&store);
    assert_eq!(files(&first), ["b", "c"]);
    assert_eq!(first.record.version_id, id(1));
    assert_eq!(
        first.record.data.files.len(),
        2,
        "the entries version 1 wrote"
    );
    assert_eq!(first.record.data.name, "version 1");
    let c = cached(&store);
    assert_eq!(
        c.order.iter().map(|(v, _)| v.clone()).collect::<Vec<_>>(),
        [OBJECT.to_string(), id(1)]
    );
    assert_eq!(c.entries.len(), 3, "removal entries are kept");
    // The second read is served by the cache: it does not read the records (here: the
    // first one replaced by blanks of the same size, which the store index does not notice).
    let r0 = dir.path().join(Store::record_path(Kind::Dataset, OBJECT));
    let saved = std::fs::read(&r0).unwrap();
    std::fs::write(&r0, vec![b' '; saved.len()]).unwrap();
    same(&current(&store), &first);
    std::fs::write(&r0, &saved).unwrap();
}

#[test]
fn a_version_written_since_is_applied_on_top_of_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path());
    write_version(dir.path(), 0, None, &[], &["a", "b"]);
    let before = current(&store);
    assert_eq!(files(&before), ["a", "b"]);
    // Another version arrives (a merge of a branch that added a file, a pull …).
    write_version(dir.path(), 1, Some(0), &[], &["c"]);
    write_version(dir.path(), 2, Some(1), &[], &["-b"]);
    let after = current(&store);
    assert_eq!(files(&after), ["a", "c"]);
    assert_eq!(after.record.version_id, id(2));
    assert_eq!(cached(&store).order.len(), 3);
    same(&after, &folded(&store));
}

#[test]
fn a_checkout_of_an_older_or_other_history_rebuilds_the_state() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path());
    write_version(dir.path(), 0, None, &[], &["a"]);
    write_version(dir.path(), 1, Some(0), &[], &["b"]);
    write_version(dir.path(), 2, Some(1), &[], &["c"]);
    assert_eq!(files(&current(&store)), ["a", "b", "c"]);
    // `git checkout` of a commit before version 2: its record is gone.
    remove_version(dir.path(), 2);
    let older = current(&store);
    assert_eq!(files(&older), ["a", "b"]);
    assert_eq!(older.record.version_id, id(1));
    // Another branch: version 3 on top of version 0.
    remove_version(dir.path(), 1);
    write_version(dir.path(), 3, Some(0), &[], &["x"]);
    let other = current(&store);
    assert_eq!(files(&other), ["a", "x"]);
    same(&other, &folded(&store));
}

#[test]
fn merged_heads_fold_every_branch_and_the_merging_version_extends_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path());
    write_version(dir.path(), 0, None, &[], &["base"]);
    assert_eq!(files(&current(&store)), ["base"]);
    // Two branches, merged by git: two heads.
    write_version(dir.path(), 1, Some(0), &[], &["one"]);
    write_version(dir.path(), 2, Some(0), &[], &["two"]);
    let merged = current(&store);
    assert_eq!(files(&merged), ["base", "one", "two"]);
    assert_eq!(merged.record.version_id, id(2));
    assert_eq!(merged.other_heads, [id(1)]);
    same(&merged, &folded(&store));
    // The next change joins the heads; the cached state is its prefix.
    write_version(dir.path(), 3, Some(2), &[1], &["three"]);
    let joined = current(&store);
    assert_eq!(files(&joined), ["base", "one", "three", "two"]);
    assert!(joined.other_heads.is_empty());
    same(&joined, &folded(&store));
}

#[test]
fn a_deleted_or_damaged_cache_is_rebuilt_not_trusted() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path());
    write_version(dir.path(), 0, None, &[], &["a", "b"]);
    write_version(dir.path(), 1, Some(0), &[], &["-a"]);
    let good = current(&store);
    let path = cache_file(&store);
    let bytes = std::fs::read(&path).unwrap();

    std::fs::remove_file(&path).unwrap();
    same(&current(&store), &good);
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "rebuilt identically");

    // Damaged: a changed byte, a truncated file, garbage, an empty file.
    let mut flipped = bytes.clone();
    let pos = flipped.len() / 2;
    flipped[pos] ^= 0x20;
    for damaged in [
        flipped,
        bytes[..bytes.len() / 2].to_vec(),
        b"garbage".to_vec(),
        Vec::new(),
    ] {
        std::fs::write(&path, &damaged).unwrap();
        same(&current(&store), &good);
        assert_eq!(
            std::fs::read(&path).unwrap(),
            bytes,
            "damaged cache rewritten"
        );
    }

    // A well-formed cache built from other versions (here: claiming the file `a` is still
    // there, as of version 0 alone) is not used for version 1.
    let mut stale = cached(&store);
    stale.order.truncate(1);
    stale.order[0].1 += 1;
    stale.entries.iter_mut().for_each(|f| f.date_removed = None);
    std::fs::write(&path, state_cache::encode(&stale).unwrap()).unwrap();
    same(&current(&store), &good);
    assert_eq!(files(&current(&store)), ["b"]);
}

#[test]
fn remembering_a_written_version_matches_what_the_next_read_folds() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path());
    write_version(dir.path(), 0, None, &[], &["a"]);
    let before = current(&store);
    write_version(dir.path(), 1, Some(0), &[], &["b"]);
    let record: Record<Dataset> = store.read(Kind::Dataset, &id(1)).unwrap();
    remember_written(&store, before, &record);
    let remembered = cached(&store);
    let read = current(&store);
    assert_eq!(
        cached(&store),
        remembered,
        "the remembered state was used as it was"
    );
    same(&read, &folded(&store));
}

#[test]
fn tagged_versions_are_folded_without_touching_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path());
    write_version(dir.path(), 0, None, &[], &["a"]);
    write_version(dir.path(), 1, Some(0), &[], &["b"]);
    let now = current(&store);
    let bytes = std::fs::read(cache_file(&store)).unwrap();
    let old = Datasets::load(&store).unwrap().state_of(OBJECT).unwrap();
    assert_eq!(files(&old), ["a"]);
    assert_eq!(std::fs::read(cache_file(&store)).unwrap(), bytes);
    same(&current(&store), &now);
}
