//! Groups of activities recorded by one command.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use super::{Person, SoftwareAgent};

/// The activities one command recorded together (`renku update`, `renku rerun`, `renku
/// workflow execute` of a composite plan, when they record more than one activity). As in
/// renku-python it carries nothing but its id and the activities; it is not part of the
/// exported graph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityCollection {
    /// `/activity-collection/<32 hex>`.
    pub id: String,
    /// Ids of the activities (`/activities/<32 hex>`), in execution order.
    pub activities: Vec<String>,
}

impl ActivityCollection {
    /// A new collection of `activities` with a fresh id.
    pub fn new(activities: Vec<String>) -> ActivityCollection {
        ActivityCollection {
            id: format!("/activity-collection/{}", crate::util::new_hex_id()),
            activities,
        }
    }
}

/// One execution of a workflow file (`renku run FILE.yml`): the activities of the steps that
/// ran, associated with the workflow file's composite plan
/// (`renku:WorkflowFileActivityCollection`). Written once, never changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkflowFileActivityCollection {
    /// `/workflow-file-activity-collection/<32 hex>`; its association is `<id>/association`.
    pub id: String,
    /// Ids of the step activities (`/activities/<32 hex>`), in execution order.
    pub activities: Vec<String>,
    /// Id of the version of the workflow file's composite plan that was executed.
    pub plan_id: String,
    /// When the first step started (microsecond precision, as renku-python keeps it).
    pub started_at_time: DateTime<FixedOffset>,
    /// When the last step ended.
    pub ended_at_time: DateTime<FixedOffset>,
    /// The software agent.
    pub agent: SoftwareAgent,
    /// The user who ran the file.
    pub person: Person,
}

impl WorkflowFileActivityCollection {
    /// A new collection id (`/workflow-file-activity-collection/<32 hex>`).
    pub fn new_id() -> String {
        format!(
            "/workflow-file-activity-collection/{}",
            crate::util::new_hex_id()
        )
    }

    /// The id of the collection's association with its plan (`<id>/association`).
    pub fn association_id(&self) -> String {
        format!("{}/association", self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_reference_shapes() {
        let c = ActivityCollection::new(vec!["/activities/a".into()]);
        let hex = c.id.strip_prefix("/activity-collection/").unwrap();
        assert_eq!(hex.len(), 32);
        assert!(hex.bytes().all(|b| b.is_ascii_hexdigit()));
        let id = WorkflowFileActivityCollection::new_id();
        let hex = id
            .strip_prefix("/workflow-file-activity-collection/")
            .unwrap();
        assert_eq!(hex.len(), 32);
    }
}
