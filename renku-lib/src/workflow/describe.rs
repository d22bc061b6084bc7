//! Human-readable descriptions of plans and activities (`workflow show`, `run --verbose`,
//! `renku log`).

use super::composite::PlanTree;
use crate::model::{Activity, CommandParameter, ParameterKind, Plan};

/// The `workflow show` view of a plan, with the steps, mappings and links of a composite.
pub fn plan_view(tree: &PlanTree) -> String {
    if tree.plan.is_composite() {
        composite_text(tree)
    } else {
        plan_text(&tree.plan)
    }
}

/// The `workflow show` view of a composite plan: its steps, mappings and links.
pub fn composite_text(tree: &PlanTree) -> String {
    let plan = &tree.plan;
    let mut s = format!("Id: {}\nName: {}\n", plan.id, plan.name);
    if let Some(d) = &plan.description {
        s.push_str(&format!("{d}\n"));
    }
    let creators: Vec<String> = plan.creators.iter().map(|c| c.full_identity()).collect();
    s.push_str(&format!("Creators: {}\n", creators.join(", ")));
    if !plan.keywords.is_empty() {
        s.push_str(&format!("Keywords: {}\n", plan.keywords.join(", ")));
    }
    if let Some(path) = &plan.path {
        s.push_str(&format!("Path: {path}\n"));
    }
    s.push_str("Steps:\n");
    for step in &tree.steps {
        s.push_str(&format!(
            "\t- {}:\n\t\tId: {}\n",
            step.plan.name, step.plan.id
        ));
    }
    if !plan.mappings.is_empty() {
        s.push_str("Mappings:\n");
        for m in &plan.mappings {
            s.push_str(&format!("\t- {}:\n", m.name));
            if let Some(d) = &m.description {
                s.push_str(&format!("\t\t{d}\n"));
            }
            let value = match &m.default_value {
                None | Some(serde_json::Value::Null) => "None".to_string(),
                Some(serde_json::Value::String(v)) => v.clone(),
                Some(other) => other.to_string(),
            };
            s.push_str(&format!("\t\tDefault Value: {value}\n\t\tMaps to: \n"));
            for t in &m.maps_to {
                s.push_str(&format!("\t\t\t{}\n", tree.target_name(t)));
            }
        }
    }
    if !plan.links.is_empty() {
        s.push_str("Links: \n");
        for l in &plan.links {
            s.push_str(&format!(
                "\t- From: {}\n\t\t To: \n",
                tree.display(&l.source)
            ));
            for sink in &l.sinks {
                s.push_str(&format!("\t\t\t- {}\n", tree.display(sink)));
            }
        }
    }
    s
}

/// The `workflow show` view of a plan.
pub fn plan_text(plan: &Plan) -> String {
    let mut s = String::new();
    s.push_str(&format!("Id: {}\nName: {}\n", plan.id, plan.name));
    if let Some(d) = &plan.description {
        s.push_str(&format!("{d}\n"));
    }
    let creators: Vec<String> = plan.creators.iter().map(|c| c.full_identity()).collect();
    s.push_str(&format!("Creators: {}\n", creators.join(", ")));
    if !plan.keywords.is_empty() {
        s.push_str(&format!("Keywords: {}\n", plan.keywords.join(", ")));
    }
    s.push_str(&format!("Command: {}\n", plan.full_command()));
    let codes: Vec<String> = plan.success_codes.iter().map(i32::to_string).collect();
    s.push_str(&format!("Success Codes: {}\n", codes.join(", ")));
    if !plan.annotations.is_empty() {
        let bodies: Vec<&serde_json::Value> = plan.annotations.iter().map(|a| &a.body).collect();
        s.push_str(&format!(
            "Annotations: {}\n",
            serde_json::to_string(&bodies).unwrap_or_default()
        ));
    }
    for (kind, header) in [
        (ParameterKind::Input, "Inputs"),
        (ParameterKind::Output, "Outputs"),
        (ParameterKind::Parameter, "Parameters"),
    ] {
        let params: Vec<&CommandParameter> = plan.of_kind(kind).collect();
        if params.is_empty() {
            continue;
        }
        s.push_str(&format!("{header}:\n"));
        for p in params {
            s.push_str(&format!("\t- {}:\n", p.name));
            if let Some(d) = &p.description {
                s.push_str(&format!("\t\t{d}\n"));
            }
            s.push_str(&format!("\t\tDefault Value: {}\n", p.value_text()));
            if let Some(pos) = p.position {
                s.push_str(&format!("\t\tPosition: {pos}\n"));
            }
            if let Some(prefix) = &p.prefix {
                s.push_str(&format!("\t\tPrefix: {prefix}\n"));
            }
        }
    }
    s
}

/// The detailed `renku log` entry of an activity.
pub fn activity_text(activity: &Activity, plan: Option<&Plan>) -> String {
    let mut s = String::new();
    s.push_str(&format!("Activity {}\n", activity.id));
    s.push_str(&format!(
        "Start Time: {}\n",
        activity.started_at_time.to_rfc3339()
    ));
    s.push_str(&format!(
        "End Time: {}\n",
        activity.ended_at_time.to_rfc3339()
    ));
    s.push_str(&format!("User: {}\n", activity.person.full_identity()));
    s.push_str(&format!("Renku Version: {}\n", activity.agent.name));
    s.push_str("Plan:\n");
    s.push_str(&format!("\tId: {}\n", activity.plan_id));
    if let Some(p) = plan {
        s.push_str(&format!("\tName: {}\n", p.name));
        // The command with the values this execution used, as the reference shows it.
        let with_values = crate::exec::update::plan_with_values(p, activity);
        s.push_str(&format!("Command: {}\n", with_values.argv_text()));
        for (kind, header) in [
            (ParameterKind::Input, "Inputs"),
            (ParameterKind::Output, "Outputs"),
            (ParameterKind::Parameter, "Parameters"),
        ] {
            let values: Vec<(String, String)> = p
                .of_kind(kind)
                .map(|param| {
                    let value = activity
                        .parameters
                        .iter()
                        .find(|v| v.parameter_id == param.id)
                        .map(|v| match &v.value {
                            serde_json::Value::String(s) => s.clone(),
                            other => other.to_string(),
                        })
                        .unwrap_or_else(|| param.value_text());
                    (param.name.clone(), value)
                })
                .collect();
            if values.is_empty() {
                continue;
            }
            s.push_str(&format!("{header}:\n"));
            for (n, v) in values {
                s.push_str(&format!("\t{n}: {v}\n"));
            }
        }
    }
    s
}
