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
    /// Details: inputs, outputs, parameters and their values.
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
        let details = serde_json::json!({
            "usages": activity.usages.iter().map(|u| &u.entity.path).collect::<Vec<_>>(),
            "generations": activity.generations.iter().map(|g| &g.entity.path).collect::<Vec<_>>(),
            "parameters": activity.parameters.iter().map(|p| serde_json::json!({"id": p.parameter_id, "value": p.value})).collect::<Vec<_>>(),
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
