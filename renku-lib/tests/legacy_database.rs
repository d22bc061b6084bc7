//! The reader of renku-python's object database, on a database written by renku-python
//! 2.9.4 (`tests/data/renku-python-db`: two datasets — one tagged, one unlinked and
//! removed —, plans run, edited, composed (nested), updated and removed, and a workflow
//! file run), and on damaged copies of it.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use renku_lib::model::{ParameterKind, Person};
use renku_lib::store::legacy::database::{self, LegacyProject};
use renku_lib::store::legacy::objectdb::{self, ObjectDb};

fn sample_db() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/renku-python-db")
}

fn fallback() -> Person {
    Person::new("Fallback", Some("fallback@example.com".into()), None)
}

fn read(dir: &Path) -> Result<LegacyProject, objectdb::ObjectDbError> {
    database::read(&ObjectDb::open(dir, ".renku/metadata"), &fallback())
}

#[test]
fn reads_every_object_kind_of_a_real_database() {
    let p = read(&sample_db()).unwrap();
    assert_eq!(p.schema_version, "10");
    assert_eq!(p.project.id, "/projects/t/p");
    assert_eq!(p.project.creator.id, "mailto:t@example.com");
    assert_eq!(p.project.template.as_ref().unwrap().id, "minimal");

    // Datasets: ds1 (create, add, edit) and ds2 (create, add, unlink, rm).
    assert_eq!(p.datasets.len(), 2);
    let chain = |slug: &str| p.datasets.iter().find(|c| c[0].slug == slug).unwrap();
    let ds1 = chain("ds1");
    let ds2 = chain("ds2");
    assert_eq!(ds1.len(), 3);
    assert!(
        ds1.iter()
            .all(|d| d.initial_identifier == ds1[0].identifier)
    );
    assert_eq!(
        ds1[1].derived_from.as_ref().unwrap().url,
        format!("/datasets/{}", ds1[0].identifier)
    );
    assert_eq!(ds1[2].description.as_deref(), Some("described"));
    let last = ds2.last().unwrap();
    assert!(last.date_removed.is_some());
    let unlinked = ds2
        .iter()
        .flat_map(|d| d.files.iter())
        .find(|f| f.entity.path == "data/ds2/z.txt" && f.date_removed.is_some());
    assert!(
        unlinked.is_some(),
        "the unlinked file is recorded as removed"
    );
    assert_eq!(p.tags.len(), 1);
    assert_eq!(p.tags[0].name, "v1");
    assert_eq!(p.tags[0].dataset_slug, "ds1");
    assert_eq!(p.tags[0].dataset_identifier, ds1[1].identifier);

    // Plans: wc1 and its edit, cat1, the composites, the removed tmp1 and its removal, the
    // workflow file and its three steps.
    assert_eq!(p.plans.len(), 11);
    let named = |name: &'static str| p.plans.iter().filter(move |pl| pl.name == name);
    let wc1: Vec<_> = named("wc1").collect();
    assert_eq!(wc1.len(), 2);
    let edited = wc1.iter().find(|pl| pl.derived_from.is_some()).unwrap();
    assert_eq!(edited.description.as_deref(), Some("counts lines"));
    assert!(
        edited
            .parameters
            .iter()
            .any(|x| x.kind == ParameterKind::Input && x.name == "infile")
    );
    assert!(named("tmp1").any(|pl| pl.date_removed.is_some()));
    let pipe = named("pipe").next().unwrap();
    assert_eq!(pipe.steps.len(), 2);
    assert_eq!(pipe.links.len(), 1);
    assert_eq!(pipe.links[0].source.step, vec![0]);
    assert_eq!(pipe.links[0].sinks[0].step, vec![1]);
    let outer = named("outer").next().unwrap();
    assert_eq!(outer.mappings.len(), 1);
    assert_eq!(outer.mappings[0].maps_to[0].step, vec![0]);
    assert!(outer.mappings[0].maps_to[0].id.contains("/mappings/"));
    let wf = named("workflow-file").next().unwrap();
    assert_eq!(wf.path.as_deref(), Some("wf.yml"));
    assert_eq!(wf.steps.len(), 3);

    // Activities: every one points at a plan that exists.
    assert_eq!(p.activities.len(), 8);
    for (a, _) in &p.activities {
        assert!(p.plans.iter().any(|pl| pl.id == a.plan_id), "{}", a.plan_id);
        assert_eq!(a.agent.name, "renku 2.9.4");
        assert_eq!(a.person.id, "mailto:t@example.com");
    }
    assert_eq!(p.collections.len(), 1);
    assert_eq!(p.workflow_file_collections.len(), 1);
    assert_eq!(p.workflow_file_collections[0].activities.len(), 3);
}

#[test]
fn a_missing_object_is_named_in_the_error() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&sample_db(), dir.path());
    let plan = read(&sample_db()).unwrap().plans[0].id.clone();
    let oid = objectdb::oid_for_id(&plan);
    std::fs::remove_file(dir.path().join(objectdb::file_name(&oid))).unwrap();
    let e = read(dir.path()).unwrap_err().to_string();
    assert!(e.contains(&oid), "{e}");
    assert!(e.starts_with(".renku/metadata/"), "{e}");
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Every object file of the sample, as `(relative path, bytes)`.
fn sample_files() -> Vec<(PathBuf, Vec<u8>)> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                out.push((
                    p.strip_prefix(base).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                ));
            }
        }
    }
    let mut out = Vec::new();
    walk(&sample_db(), &sample_db(), &mut out);
    out.sort();
    out
}

/// The JSON text of an object file (decompressed when needed).
fn plain_json(bytes: &[u8]) -> Vec<u8> {
    if !bytes.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        return bytes.to_vec();
    }
    let mut out = Vec::new();
    let mut decoder = ruzstd::decoding::StreamingDecoder::new(bytes).unwrap();
    std::io::Read::read_to_end(&mut decoder, &mut out).unwrap();
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Arbitrary bytes are an error or an object, never a panic.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = objectdb::decode_bytes(&bytes);
        let mut framed = vec![0x28, 0xb5, 0x2f, 0xfd];
        framed.extend_from_slice(&bytes);
        let _ = objectdb::decode_bytes(&framed);
    }

    /// Real objects with bytes changed, cut or inserted decode or fail, never panic.
    #[test]
    fn mutated_objects_never_panic(
        which in any::<prop::sample::Index>(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..8),
        compressed in any::<bool>(),
    ) {
        let files = sample_files();
        let (_, bytes) = &files[which.index(files.len())];
        let mut data = if compressed { bytes.clone() } else { plain_json(bytes) };
        for (at, byte, op) in edits {
            if data.is_empty() { break; }
            let i = at.index(data.len());
            match op {
                0 => data[i] = byte,
                1 => data.truncate(i),
                _ => data.insert(i, byte),
            }
        }
        let _ = objectdb::decode_bytes(&data);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// A whole database with one object damaged reads or fails with an error naming a file.
    #[test]
    fn a_database_with_a_damaged_object_never_panics(
        which in any::<prop::sample::Index>(),
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let files = sample_files();
        let (rel, bytes) = &files[which.index(files.len())];
        let mut data = plain_json(bytes);
        let i = at.index(data.len());
        data[i] = byte;
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&sample_db(), dir.path());
        std::fs::write(dir.path().join(rel), &data).unwrap();
        if let Err(e) = read(dir.path()) {
            prop_assert!(e.to_string().starts_with(".renku/metadata/"), "{}", e);
        }
    }
}
