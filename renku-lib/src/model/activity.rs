//! Activities: one execution of a plan, with what it used and generated.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use super::{Annotation, Person};

/// A file or directory at a given content (`prov:Entity`, or `prov:Collection` for
/// directories).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entity {
    /// `/entities/<checksum>/<quoted path>`.
    pub id: String,
    /// Repository-relative path.
    pub path: String,
    /// Git blob id (files) or tree id (directories) of the content.
    pub checksum: String,
    /// Whether this is a directory.
    #[serde(default)]
    pub is_directory: bool,
}

impl Entity {
    /// The entity for `path` at `checksum`.
    pub fn new(path: &str, checksum: &str, is_directory: bool) -> Entity {
        Entity {
            id: format!("/entities/{checksum}/{}", crate::util::quote_path(path)),
            path: path.to_string(),
            checksum: checksum.to_string(),
            is_directory,
        }
    }
}

/// The use of an entity by an activity (`prov:Usage`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// `<activity id>/usages/<32 hex>`.
    pub id: String,
    /// What was used.
    pub entity: Entity,
}

/// The generation of an entity by an activity (`prov:Generation`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Generation {
    /// `<activity id>/generations/<32 hex>`.
    pub id: String,
    /// What was generated.
    pub entity: Entity,
}

/// The value a plan parameter had in one execution (`renku:ParameterValue`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParameterValue {
    /// `<activity id>/parameter-value/<32 hex>`.
    pub id: String,
    /// Id of the plan's input, output or parameter.
    pub parameter_id: String,
    /// The value.
    pub value: serde_json::Value,
}

/// The software that recorded an activity (`prov:SoftwareAgent`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SoftwareAgent {
    /// Id (a URL identifying the software and version).
    pub id: String,
    /// `renku <version>`.
    pub name: String,
}

impl SoftwareAgent {
    /// This renku.
    pub fn current() -> SoftwareAgent {
        SoftwareAgent {
            id: format!(
                "https://github.com/renku-rs/renku-rs/tree/v{}",
                crate::VERSION
            ),
            name: crate::agent_name(),
        }
    }
}

/// One execution of a plan (`prov:Activity`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Activity {
    /// `/activities/<32 hex>`.
    pub id: String,
    /// Id of the plan version that was executed.
    pub plan_id: String,
    /// When the command started.
    pub started_at_time: DateTime<FixedOffset>,
    /// When it ended.
    pub ended_at_time: DateTime<FixedOffset>,
    /// The software agent.
    pub agent: SoftwareAgent,
    /// The user who ran it.
    pub person: Person,
    /// Inputs used.
    pub usages: Vec<Usage>,
    /// Outputs generated.
    pub generations: Vec<Generation>,
    /// What the activity depended on without reading it as an input: the workflow file of a
    /// workflow-file step (renku-python's hidden usages).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hidden_usages: Vec<Usage>,
    /// Values of every input, output and parameter.
    pub parameters: Vec<ParameterValue>,
    /// The software agent of the association when it differs from `agent` (activities
    /// renku-python migrated from old projects name the renku that first recorded them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub association_agent: Option<SoftwareAgent>,
    /// Custom metadata on the activity (renku-python plugins add it; kept from migrated
    /// projects).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub annotations: Vec<Annotation>,
    /// Entities the activity invalidated (`prov:wasInvalidatedBy`: files its command deleted;
    /// only projects renku-python migrated from its pre-1.0 formats record them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub invalidations: Vec<Entity>,
}

impl Activity {
    /// A new activity id (`/activities/<32 hex>`).
    pub fn new_id() -> String {
        format!("/activities/{}", crate::util::new_hex_id())
    }

    /// The execution `id` of `plan` by `person`, with what it used and generated; every
    /// parameter of the plan gets a value (its default value, i.e. the value it ran with).
    pub fn of_plan(
        id: String,
        plan: &super::Plan,
        times: (DateTime<FixedOffset>, DateTime<FixedOffset>),
        person: Person,
        used: Vec<Entity>,
        generated: Vec<Entity>,
    ) -> Activity {
        let child = |segment: &str| format!("{id}/{segment}/{}", crate::util::new_hex_id());
        Activity {
            plan_id: plan.id.clone(),
            started_at_time: times.0,
            ended_at_time: times.1,
            agent: SoftwareAgent::current(),
            person,
            usages: used
                .into_iter()
                .map(|entity| Usage {
                    id: child("usages"),
                    entity,
                })
                .collect(),
            generations: generated
                .into_iter()
                .map(|entity| Generation {
                    id: child("generations"),
                    entity,
                })
                .collect(),
            hidden_usages: Vec::new(),
            parameters: plan
                .parameters
                .iter()
                .map(|p| ParameterValue {
                    id: child("parameter-value"),
                    parameter_id: p.id.clone(),
                    value: p.default_value.clone(),
                })
                .collect(),
            association_agent: None,
            annotations: Vec::new(),
            invalidations: Vec::new(),
            id,
        }
    }

    /// Adds a hidden usage of `entity` (e.g. the workflow file a step was defined in).
    pub fn add_hidden_usage(&mut self, entity: Entity) {
        self.hidden_usages.push(Usage {
            id: format!("{}/usages/{}", self.id, crate::util::new_hex_id()),
            entity,
        });
    }
}
