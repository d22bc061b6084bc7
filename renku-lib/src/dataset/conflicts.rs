//! Datasets changed on two branches: after a merge a dataset can have several head
//! versions. File changes of all branches are combined automatically (see [`super::state`]);
//! a metadata field that both branches changed to different values is a conflict that
//! `renku doctor` reports, with the command that settles it.

use std::collections::BTreeSet;

use crate::Result;
use crate::model::Dataset;
use crate::store::{Kind, Store};

/// One conflicting field of a dataset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The dataset's slug.
    pub slug: String,
    /// The field (`name`, `description`, `keywords`, `creators`, `license`, `custom_metadata`).
    pub field: &'static str,
    /// The values of the heads, newest first.
    pub values: Vec<String>,
    /// The command that settles the conflict.
    pub resolution: String,
}

/// The metadata conflicts of all datasets of the store.
pub fn conflicts(store: &Store) -> Result<Vec<Conflict>> {
    let datasets = super::Datasets::load(store)?;
    let index = datasets.index();
    let mut objects: BTreeSet<String> = BTreeSet::new();
    for (_, e) in index.heads(Kind::Dataset, None) {
        objects.insert(e.object_id.clone());
    }
    let mut out = Vec::new();
    for object in objects {
        let mut heads: Vec<(String, chrono::DateTime<chrono::FixedOffset>)> = index
            .heads(Kind::Dataset, Some(&object))
            .into_iter()
            .map(|(id, e)| (id.clone(), e.date))
            .collect();
        if heads.len() < 2 {
            continue;
        }
        heads.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| b.0.cmp(&a.0)));
        let versions = datasets.versions(&object)?;
        let find = |id: &str| versions.iter().find(|v| v.version_id == id);
        let ancestry = |id: &str| -> BTreeSet<String> {
            let mut seen = BTreeSet::new();
            let mut stack = vec![id.to_string()];
            while let Some(i) = stack.pop() {
                if !seen.insert(i.clone()) {
                    continue;
                }
                if let Some(v) = find(&i) {
                    stack.extend(v.derived_from.iter().cloned());
                    stack.extend(v.data.merges.iter().cloned());
                }
            }
            seen
        };
        let mut common: Option<BTreeSet<String>> = None;
        for (h, _) in &heads {
            let a = ancestry(h);
            common = Some(match common {
                None => a,
                Some(c) => c.intersection(&a).cloned().collect(),
            });
        }
        let base = common
            .unwrap_or_default()
            .into_iter()
            .filter_map(|id| find(&id))
            .max_by(|a, b| a.date.cmp(&b.date))
            .map(|r| &r.data);
        let head_data: Vec<&Dataset> = heads
            .iter()
            .filter_map(|(h, _)| find(h).map(|r| &r.data))
            .collect();
        let Some(newest) = head_data.first() else {
            continue;
        };
        if head_data.iter().any(|d| d.is_removed()) {
            continue;
        }
        for (field, get) in FIELDS {
            let values: Vec<String> = head_data.iter().map(|d| get(d)).collect::<Vec<_>>();
            let base_value = base.map(get);
            let changed: Vec<&String> = values
                .iter()
                .filter(|v| Some(*v) != base_value.as_ref())
                .collect();
            let distinct: BTreeSet<&&String> = changed.iter().collect();
            if changed.len() >= 2 && distinct.len() >= 2 {
                out.push(Conflict {
                    slug: newest.slug.clone(),
                    field,
                    values: values.clone(),
                    resolution: resolution(&newest.slug, field),
                });
            }
        }
    }
    Ok(out)
}

type Getter = fn(&Dataset) -> String;

const FIELDS: [(&str, Getter); 6] = [
    ("name", |d| d.name.clone()),
    ("description", |d| d.description.clone().unwrap_or_default()),
    ("keywords", |d| d.keywords.join(", ")),
    ("creators", |d| {
        d.creators
            .iter()
            .map(|c| c.full_identity())
            .collect::<Vec<_>>()
            .join(", ")
    }),
    ("license", |d| d.license.clone().unwrap_or_default()),
    ("custom_metadata", |d| {
        d.annotations
            .iter()
            .map(|a| a.body.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }),
];

fn resolution(slug: &str, field: &str) -> String {
    match field {
        "name" => format!("renku dataset edit {slug} --name \"<the right name>\""),
        "description" => format!("renku dataset edit {slug} --description \"<the right text>\""),
        "keywords" => format!("renku dataset edit {slug} -k <keyword> [-k <keyword> ...]"),
        "creators" => format!("renku dataset edit {slug} -c \"Name <email>\" [-c ...]"),
        "custom_metadata" => format!("renku dataset edit {slug} -m <file.json>"),
        _ => format!("renku dataset edit {slug} ..."),
    }
}
