//! `renku log`: the history of recorded work, newest first.

use chrono::{DateTime, FixedOffset};
use serde::Serialize;

use super::{describe, query};
use crate::Result;
use crate::repo::ProjectDir;

/// Plan reference of a log entry.
#[derive(Debug, Clone, Serialize)]
pub struct LogPlan {
    /// Plan id.
    pub id: String,
    /// Plan name.
    pub name: String,
}

/// One entry of the log.
#[derive(Debug, Clone, Serialize)]
pub struct LogEntry {
    /// Id of the activity.
    #[serde(skip)]
    pub id: String,
    /// When it happened (`+00:00`, not `Z`, as renku-python writes it).
    #[serde(serialize_with = "rfc3339")]
    pub date: DateTime<FixedOffset>,
    /// `Run` for workflow executions.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short description (the full command).
    pub description: String,
    /// Who did it.
    pub agents: Vec<String>,
    /// Details: times, renku version, user, and `[name, value]` pairs of the inputs, outputs
    /// and parameters (`null` when there are none).
    pub details: serde_json::Value,
    /// The plan executed (runs only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<LogPlan>,
    /// The detailed text block.
    #[serde(skip)]
    pub text: String,
}

fn rfc3339<S: serde::Serializer>(date: &DateTime<FixedOffset>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&date.to_rfc3339())
}

/// The log entries of workflow executions (`runs`) and dataset versions (`datasets`),
/// newest first; entries of the same time in the reference's order (executions by id,
/// then dataset versions).
pub fn log(project: &ProjectDir, runs: bool, datasets: bool) -> Result<Vec<LogEntry>> {
    let mut out = if runs {
        let mut entries = run_entries(project)?;
        entries.sort_by(|a, b| a.id.cmp(&b.id));
        entries
    } else {
        Vec::new()
    };
    if datasets {
        out.extend(
            crate::dataset::history::changes(project)?
                .iter()
                .map(dataset_entry),
        );
    }
    out.sort_by_key(|e| std::cmp::Reverse(e.date));
    Ok(out)
}

fn dataset_entry(c: &crate::dataset::history::DatasetChange) -> LogEntry {
    use crate::dataset::history::ChangeKind;
    let slug = &c.dataset.slug;
    let mut parts: Vec<String> = Vec::new();
    match c.kind {
        ChangeKind::Created | ChangeKind::Imported | ChangeKind::Deleted => {
            parts.push(c.kind.label().to_string())
        }
        ChangeKind::Modified => {}
    }
    if !c.files_added.is_empty() {
        parts.push(format!("{} file(s) added", c.files_added.len()));
    }
    if !c.files_removed.is_empty() {
        parts.push(format!("{} file(s) removed", c.files_removed.len()));
    }
    let metadata_changed = c.kind == ChangeKind::Modified
        && (c.name_set.is_some()
            || c.description_set.is_some()
            || !c.creators_added.is_empty()
            || !c.creators_removed.is_empty()
            || !c.keywords_added.is_empty()
            || !c.keywords_removed.is_empty()
            || c.images_set.is_some());
    if metadata_changed {
        parts.push("metadata modified".into());
    }
    if parts.is_empty() {
        parts.push("modified".into());
    }
    let description = format!("Dataset '{slug}': {}", parts.join(", "));
    let mut text = format!("Dataset {slug}\nDate: {}\n", c.date.to_rfc3339());
    // As the reference: files added to a dataset that had none are no modification.
    let modified = (!c.files_added.is_empty() && c.parent_had_files)
        || !c.files_removed.is_empty()
        || metadata_changed;
    let mut changes: Vec<&str> = Vec::new();
    if c.kind != ChangeKind::Modified {
        changes.push(c.kind.label());
    }
    if modified {
        changes.push("modified");
    }
    if !changes.is_empty() {
        text.push_str(&format!("Changes: {}\n", changes.join(", ")));
    }
    if let Some(same) = &c.dataset.same_as {
        text.push_str(&format!("Source: {}\n", same.url));
    }
    if let Some(n) = &c.name_set {
        text.push_str(&format!("Name set to: {n}\n"));
    }
    if let Some(d) = &c.description_set {
        text.push_str(&format!("Description set to: {d}\n"));
    }
    let block = |title: &str, added: &[String], removed: &[String]| -> String {
        if added.is_empty() && removed.is_empty() {
            return String::new();
        }
        let mut s = format!("{title}:\n");
        for a in added {
            s.push_str(&format!("\t+ {a}\n"));
        }
        for r in removed {
            s.push_str(&format!("\t- {r}\n"));
        }
        s
    };
    text.push_str(&block("Files modified", &c.files_added, &c.files_removed));
    text.push_str(&block(
        "Creators modified",
        &c.creators_added,
        &c.creators_removed,
    ));
    text.push_str(&block(
        "Keywords modified",
        &c.keywords_added,
        &c.keywords_removed,
    ));
    if let Some(images) = &c.images_set {
        text.push_str("Images set to:\n");
        for url in images {
            text.push_str(&format!("\t{url}\n"));
        }
    }
    // renku-python's fields: lists that did not change are null.
    let list = |items: &[String]| (!items.is_empty()).then(|| items.to_vec());
    let details = serde_json::json!({
        "created": c.kind == ChangeKind::Created,
        "imported": c.kind == ChangeKind::Imported,
        "deleted": c.kind == ChangeKind::Deleted,
        "migrated": false,
        "modified": modified,
        "files_added": list(&c.files_added),
        "files_removed": list(&c.files_removed),
        "name_changed": c.name_set,
        "description_changed": c.description_set,
        "creators_added": list(&c.creators_added),
        "creators_removed": list(&c.creators_removed),
        "keywords_added": list(&c.keywords_added),
        "keywords_removed": list(&c.keywords_removed),
        "images_changed_to": c.images_set,
        "source": c.dataset.same_as.as_ref().map(|u| u.url.clone()),
    });
    LogEntry {
        id: slug.clone(),
        date: c.date,
        kind: "Dataset".into(),
        description,
        agents: c
            .dataset
            .creators
            .iter()
            .map(|p| p.full_identity())
            .collect(),
        details,
        plan: None,
        text,
    }
}

fn run_entries(project: &ProjectDir) -> Result<Vec<LogEntry>> {
    let store = project.store();
    let index = store.index()?;
    let mut out = Vec::new();
    for activity in query::activities(&store, &index)? {
        let plan = query::plan_by_version_id(&store, &index, &activity.plan_id).ok();
        let values = |kind: crate::model::ParameterKind| -> serde_json::Value {
            let Some(p) = plan.as_ref() else {
                return serde_json::Value::Null;
            };
            let list: Vec<serde_json::Value> = p
                .of_kind(kind)
                .map(|param| {
                    let value = activity
                        .parameters
                        .iter()
                        .find(|v| v.parameter_id == param.id)
                        .map(|v| v.value.clone())
                        .unwrap_or_else(|| param.default_value.clone());
                    serde_json::json!([param.name, value])
                })
                .collect();
            if list.is_empty() {
                serde_json::Value::Null
            } else {
                serde_json::Value::Array(list)
            }
        };
        let details = serde_json::json!({
            "start_time": activity.started_at_time.to_rfc3339(),
            "end_time": activity.ended_at_time.to_rfc3339(),
            "renku_version": activity.agent.name,
            "user": activity.person.full_identity(),
            "inputs": values(crate::model::ParameterKind::Input),
            "outputs": values(crate::model::ParameterKind::Output),
            "parameters": values(crate::model::ParameterKind::Parameter),
        });
        out.push(LogEntry {
            id: activity.id.clone(),
            date: activity.ended_at_time,
            kind: "Run".into(),
            description: plan
                .as_ref()
                .map(|p| crate::exec::update::plan_with_values(p, &activity).argv_text())
                .unwrap_or_default(),
            agents: vec![
                format!("{} <{}>", activity.agent.name, activity.agent.id),
                activity.person.full_identity(),
            ],
            details,
            plan: plan.as_ref().map(|p| LogPlan {
                id: p.id.clone(),
                name: p.name.clone(),
            }),
            text: describe::activity_text(&activity, plan.as_ref()),
        });
    }
    Ok(out)
}
