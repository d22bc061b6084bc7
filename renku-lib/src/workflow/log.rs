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
    /// When it happened.
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
    /// The plan executed.
    pub plan: Option<LogPlan>,
    /// The detailed text block.
    #[serde(skip)]
    pub text: String,
}

/// All log entries, newest first.
pub fn log(project: &ProjectDir) -> Result<Vec<LogEntry>> {
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
            "start_time": activity.started_at_time,
            "end_time": activity.ended_at_time,
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
            description: plan.as_ref().map(|p| p.full_command()).unwrap_or_default(),
            agents: vec![activity.agent.name.clone(), activity.person.full_identity()],
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
