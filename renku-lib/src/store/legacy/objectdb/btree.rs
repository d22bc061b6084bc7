//! Reading the states of `BTrees` objects (OOBTree, OOBucket, OOTreeSet, OOSet) as
//! renku-python stores them: nested tuples around flat key/value lists, large trees split
//! into buckets stored in files of their own.

use std::collections::HashSet;

use super::{ObjectDb, ObjectDbError, PyObject, PyValue};

/// Deepest tree accepted (a real tree of a million entries is 3 levels deep).
const MAX_LEVELS: usize = 32;

/// The `(key, value)` items of a BTree or bucket object, in key order.
pub fn items(db: &ObjectDb, tree: &PyObject) -> Result<Vec<(PyValue, PyValue)>, ObjectDbError> {
    let flat = keys_and_values(db, tree)?;
    if flat.len() % 2 != 0 {
        return Err(damaged(
            db,
            tree,
            "a bucket holds an odd number of keys and values",
        ));
    }
    let mut out = Vec::with_capacity(flat.len() / 2);
    let mut it = flat.into_iter();
    while let (Some(k), Some(v)) = (it.next(), it.next()) {
        out.push((k, v));
    }
    Ok(out)
}

/// The keys of a tree set or set object, in order.
pub fn set_keys(db: &ObjectDb, set: &PyObject) -> Result<Vec<PyValue>, ObjectDbError> {
    keys_and_values(db, set)
}

/// The flat contents of all buckets of `tree` (alternating keys and values for maps, keys
/// for sets).
fn keys_and_values(db: &ObjectDb, tree: &PyObject) -> Result<Vec<PyValue>, ObjectDbError> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    walk_state(db, tree, &tree.state, &mut out, &mut seen, 0)?;
    Ok(out)
}

fn damaged(db: &ObjectDb, tree: &PyObject, reason: &str) -> ObjectDbError {
    ObjectDbError::Damaged {
        path: db.shown_path(tree.oid.as_deref().unwrap_or("root")),
        reason: format!(
            "{} ({}): {reason}",
            tree.type_name,
            tree.oid.as_deref().unwrap_or("inline")
        ),
    }
}

fn is_bucket_type(type_name: &str) -> bool {
    type_name.ends_with("Bucket") || type_name.ends_with(".OOSet")
}

fn walk_state(
    db: &ObjectDb,
    owner: &PyObject,
    state: &PyValue,
    out: &mut Vec<PyValue>,
    seen: &mut HashSet<String>,
    level: usize,
) -> Result<(), ObjectDbError> {
    if level > MAX_LEVELS {
        return Err(damaged(db, owner, "the tree is nested too deeply"));
    }
    if is_bucket_type(&owner.type_name) && level == 0 {
        return walk_bucket(db, owner, state, out);
    }
    let parts = match state {
        PyValue::None => return Ok(()),
        PyValue::Tuple(parts) => parts,
        _ => return Err(damaged(db, owner, "the state is not a tuple")),
    };
    match parts.as_slice() {
        // A tree whose only bucket is stored inline: ((bucket_state,),)
        [PyValue::Tuple(data)] => match data.as_slice() {
            [bucket @ PyValue::Tuple(_)] => walk_bucket(db, owner, bucket, out),
            [] => Ok(()),
            _ => walk_children(db, owner, data, out, seen, level),
        },
        // A tree of several buckets: ((child0, key1, child1, …), firstbucket)
        [PyValue::Tuple(data), _first_bucket] => walk_children(db, owner, data, out, seen, level),
        _ => Err(damaged(db, owner, "the state has an unknown shape")),
    }
}

fn walk_children(
    db: &ObjectDb,
    owner: &PyObject,
    data: &[PyValue],
    out: &mut Vec<PyValue>,
    seen: &mut HashSet<String>,
    level: usize,
) -> Result<(), ObjectDbError> {
    // Children sit at the even positions; odd positions are separator keys.
    for child in data.iter().step_by(2) {
        let PyValue::Ref { oid, .. } = child else {
            return Err(damaged(db, owner, "a child of the tree is not a reference"));
        };
        if !seen.insert(oid.clone()) {
            return Err(damaged(
                db,
                owner,
                "the tree refers to the same bucket twice",
            ));
        }
        let node = db.load(oid)?;
        if is_bucket_type(&node.type_name) {
            walk_bucket(db, &node, &node.state, out)?;
        } else {
            walk_state(db, &node, &node.state, out, seen, level + 1)?;
        }
    }
    Ok(())
}

/// A bucket state: `((k1, v1, …) [, next_bucket])`; the next link is not followed (the
/// parent lists every bucket).
fn walk_bucket(
    db: &ObjectDb,
    owner: &PyObject,
    state: &PyValue,
    out: &mut Vec<PyValue>,
) -> Result<(), ObjectDbError> {
    match state {
        PyValue::None => Ok(()),
        PyValue::Tuple(parts) => match parts.first() {
            Some(PyValue::Tuple(flat)) => {
                out.extend(flat.iter().cloned());
                Ok(())
            }
            None => Ok(()),
            _ => Err(damaged(db, owner, "a bucket's items are not a tuple")),
        },
        _ => Err(damaged(db, owner, "a bucket's state is not a tuple")),
    }
}

#[cfg(test)]
mod tests {
    use super::super::value::decode_file;
    use super::*;

    fn tuple(items: Vec<serde_json::Value>) -> serde_json::Value {
        serde_json::json!({"@renku_data_type": "builtins.tuple", "@renku_data_value": items})
    }

    fn write(dir: &std::path::Path, oid: &str, json: serde_json::Value) {
        let path = dir.join(super::super::file_name(oid));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, serde_json::to_vec(&json).unwrap()).unwrap();
    }

    #[test]
    fn reads_single_bucket_trees() {
        let state = tuple(vec![tuple(vec![tuple(vec![tuple(vec![
            serde_json::json!("a"),
            serde_json::json!(1),
            serde_json::json!("b"),
            serde_json::json!(2),
        ])])])]);
        let tree = decode_file(serde_json::json!({
            "@renku_data_type": "renku.infrastructure.database.RenkuOOBTree",
            "@renku_data_value": state, "@renku_oid": "plans"
        }))
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let db = ObjectDb::open(dir.path(), ".renku/metadata");
        let got = items(&db, &tree).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].0.as_str(), Some("b"));
        let empty = decode_file(serde_json::json!({
            "@renku_data_type": "BTrees.OOBTree.OOBTree",
            "@renku_data_value": null, "@renku_oid": "x"
        }))
        .unwrap();
        assert!(items(&db, &empty).unwrap().is_empty());
    }

    #[test]
    fn reads_trees_split_into_buckets() {
        let dir = tempfile::tempdir().unwrap();
        let b1 = "1".repeat(64);
        let b2 = "2".repeat(64);
        let bucket_ref = |oid: &str| {
            serde_json::json!({"@renku_data_type": "BTrees.OOBTree.OOBucket",
                               "@renku_oid": oid, "@renku_reference": true})
        };
        write(
            dir.path(),
            &b1,
            serde_json::json!({"@renku_data_type": "BTrees.OOBTree.OOBucket", "@renku_oid": b1,
                "@renku_data_value": tuple(vec![tuple(vec!["a".into(), 1.into()]), bucket_ref(&b2)])}),
        );
        write(
            dir.path(),
            &b2,
            serde_json::json!({"@renku_data_type": "BTrees.OOBTree.OOBucket", "@renku_oid": b2,
                "@renku_data_value": tuple(vec![tuple(vec!["c".into(), 3.into()])])}),
        );
        let tree = decode_file(serde_json::json!({
            "@renku_data_type": "renku.infrastructure.database.RenkuOOBTree", "@renku_oid": "plans",
            "@renku_data_value": tuple(vec![
                tuple(vec![bucket_ref(&b1), "c".into(), bucket_ref(&b2)]),
                bucket_ref(&b1),
            ])
        }))
        .unwrap();
        let db = ObjectDb::open(dir.path(), ".renku/metadata");
        let keys: Vec<_> = items(&db, &tree)
            .unwrap()
            .into_iter()
            .map(|(k, _)| k.as_str().unwrap().to_string())
            .collect();
        assert_eq!(keys, ["a", "c"]);

        // A tree listing the same bucket twice is damaged, not an endless walk.
        let looped = decode_file(serde_json::json!({
            "@renku_data_type": "renku.infrastructure.database.RenkuOOBTree", "@renku_oid": "plans",
            "@renku_data_value": tuple(vec![
                tuple(vec![bucket_ref(&b1), "c".into(), bucket_ref(&b1)]),
                bucket_ref(&b1),
            ])
        }))
        .unwrap();
        assert!(
            items(&db, &looped)
                .unwrap_err()
                .to_string()
                .contains("twice")
        );
    }
}
