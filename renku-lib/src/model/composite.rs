//! The parts of a composite plan that connect its steps: mappings and links.

use serde::{Deserialize, Serialize};

/// A parameter of a step of a composite plan, or a mapping of a step that is itself a
/// composite plan.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ParameterRef {
    /// 0-based step indices from the composite down to the plan that holds the parameter
    /// (`[1]` is the second step; `[0, 2]` the third step of the first step).
    pub step: Vec<usize>,
    /// Id of the parameter (`…/inputs/1`) or of the mapping (`…/mappings/<name>`).
    pub id: String,
}

impl ParameterRef {
    /// Whether the reference names a mapping of a nested composite plan.
    pub fn is_mapping(&self) -> bool {
        self.id.contains("/mappings/")
    }
}

/// A named value of a composite plan that is passed on to one or more parameters of its
/// steps (`renku:ParameterMapping`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParameterMapping {
    /// `<composite id>/mappings/<quoted name>`.
    pub id: String,
    /// Name, unique within the composite plan.
    pub name: String,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Default value; `None` leaves the targets' own values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_value: Option<serde_json::Value>,
    /// The parameters (or nested mappings) that receive the value.
    pub maps_to: Vec<ParameterRef>,
}

/// An output of one step that becomes the value of inputs or parameters of other steps
/// (`renku:ParameterLink`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParameterLink {
    /// `<composite id>/links/<uuid with dashes>`.
    pub id: String,
    /// The output.
    pub source: ParameterRef,
    /// The inputs or parameters that receive the output's value.
    pub sinks: Vec<ParameterRef>,
}
