//! Plans, composite plans, activities and workflow-file activity collections.

use oxigraph::model::{Literal, NamedNode};

use super::super::vocab::{prov, renku, schema};
use super::super::writer::{Writer, value_literal};
use crate::model::{
    Activity, CommandParameter, ParameterKind, ParameterLink, ParameterMapping, Plan,
    WorkflowFileActivityCollection,
};

/// A plan or composite plan version. `workflow_file_step` marks the plan of a step of a
/// workflow file (`renku:WorkflowFilePlan`); a composite with a path is the workflow file's
/// own plan (`renku:WorkflowFileCompositePlan`).
pub fn plan(w: &mut Writer, p: &Plan, workflow_file_step: bool) -> NamedNode {
    let s = w.node(&p.id);
    w.types(&s, &[prov::PLAN, schema::ACTION, schema::CREATIVE_WORK]);
    if p.is_composite() {
        w.types(&s, &[renku::COMPOSITE_PLAN]);
        if p.path.is_some() {
            w.types(&s, &[renku::WORKFLOW_FILE_COMPOSITE_PLAN]);
        }
    } else {
        w.types(&s, &[renku::PLAN]);
        if workflow_file_step {
            w.types(&s, &[renku::WORKFLOW_FILE_PLAN]);
        }
    }
    w.string(&s, schema::NAME, &p.name);
    w.opt_string(&s, schema::DESCRIPTION, p.description.as_deref());
    for k in &p.keywords {
        w.string(&s, schema::KEYWORDS, k);
    }
    for c in &p.creators {
        let n = super::person(w, c);
        w.add(&s, schema::CREATOR, n);
    }
    w.date(&s, schema::DATE_CREATED, &p.date_created);
    w.date(&s, schema::DATE_MODIFIED, &p.date_modified);
    if let Some(removed) = &p.date_removed {
        w.date(&s, prov::INVALIDATED_AT_TIME, removed);
    }
    if let Some(from) = &p.derived_from
        && from != &p.id
    {
        w.link(&s, prov::WAS_DERIVED_FROM, from);
    }
    if p.is_composite() {
        for step in &p.steps {
            w.link(&s, renku::HAS_SUBPROCESS, step);
        }
        for m in &p.mappings {
            let n = mapping(w, m);
            w.add(&s, renku::HAS_MAPPINGS, n);
        }
        for l in &p.links {
            let n = link(w, l);
            w.add(&s, renku::WORKFLOW_LINKS, n);
        }
        w.opt_string(&s, prov::AT_LOCATION, p.path.as_deref());
    } else {
        w.string(&s, renku::COMMAND, &p.command);
        for param in &p.parameters {
            let n = parameter(w, param);
            let predicate = match param.kind {
                ParameterKind::Input => renku::HAS_INPUTS,
                ParameterKind::Output => renku::HAS_OUTPUTS,
                ParameterKind::Parameter => renku::HAS_ARGUMENTS,
            };
            w.add(&s, predicate, n);
        }
        for code in &p.success_codes {
            w.integer(&s, renku::SUCCESS_CODES, i64::from(*code));
        }
    }
    for a in &p.annotations {
        super::annotation(w, &s, a);
    }
    s
}

/// An input, output or parameter of a plan.
pub fn parameter(w: &mut Writer, p: &CommandParameter) -> NamedNode {
    let s = w.node(&p.id);
    let kind = match p.kind {
        ParameterKind::Input => renku::COMMAND_INPUT,
        ParameterKind::Output => renku::COMMAND_OUTPUT,
        ParameterKind::Parameter => renku::COMMAND_PARAMETER,
    };
    w.types(&s, &[renku::COMMAND_PARAMETER_BASE, schema::PROPERTY, kind]);
    w.string(&s, schema::NAME, &p.name);
    w.opt_string(&s, schema::DESCRIPTION, p.description.as_deref());
    match p.kind {
        // Paths are strings; parameter values keep their number type.
        ParameterKind::Input | ParameterKind::Output => {
            w.string(&s, schema::DEFAULT_VALUE, &p.value_text())
        }
        ParameterKind::Parameter => {
            w.add(&s, schema::DEFAULT_VALUE, value_literal(&p.default_value))
        }
    }
    if let Some(pos) = p.position {
        w.integer(&s, renku::POSITION, i64::from(pos));
    }
    w.opt_string(&s, renku::PREFIX, p.prefix.as_deref());
    if p.kind != ParameterKind::Parameter {
        w.opt_string(&s, schema::ENCODING_FORMAT, p.encoding_format.as_deref());
        if let Some(stream) = p.mapped_to {
            let n = w.node(&stream.id());
            w.types(&n, &[renku::IO_STREAM]);
            w.string(&n, renku::STREAM_TYPE, stream.as_str());
            w.add(&s, renku::MAPPED_TO, n);
        }
    }
    if p.kind == ParameterKind::Output {
        w.boolean(&s, renku::CREATE_FOLDER, p.create_folder);
    }
    s
}

/// A mapping of a composite plan (`renku:ParameterMapping`).
pub fn mapping(w: &mut Writer, m: &ParameterMapping) -> NamedNode {
    let s = w.node(&m.id);
    w.types(
        &s,
        &[
            renku::COMMAND_PARAMETER_BASE,
            schema::PROPERTY,
            renku::PARAMETER_MAPPING,
        ],
    );
    w.string(&s, schema::NAME, &m.name);
    w.opt_string(&s, schema::DESCRIPTION, m.description.as_deref());
    if let Some(v) = &m.default_value {
        let text = match v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        w.add(&s, schema::DEFAULT_VALUE, Literal::new_simple_literal(text));
    }
    for target in &m.maps_to {
        w.link(&s, renku::MAPS_TO, &target.id);
    }
    s
}

/// A link of a composite plan (`renku:ParameterLink`).
pub fn link(w: &mut Writer, l: &ParameterLink) -> NamedNode {
    let s = w.node(&l.id);
    w.types(&s, &[renku::PARAMETER_LINK, schema::PROPERTY]);
    w.link(&s, renku::LINK_SOURCE, &l.source.id);
    for sink in &l.sinks {
        w.link(&s, renku::LINK_SINK, &sink.id);
    }
    s
}

/// An activity with its association, usages, generations and parameter values.
pub fn activity(w: &mut Writer, a: &Activity) -> NamedNode {
    let s = w.node(&a.id);
    w.types(&s, &[prov::ACTIVITY]);
    w.date_time(&s, prov::STARTED_AT_TIME, &a.started_at_time);
    w.date_time(&s, prov::ENDED_AT_TIME, &a.ended_at_time);
    let agent = super::software_agent(w, &a.agent);
    let person = super::person(w, &a.person);
    w.add(&s, prov::WAS_ASSOCIATED_WITH, agent.clone());
    w.add(&s, prov::WAS_ASSOCIATED_WITH, person);
    let assoc = w.node(&format!("{}/association", a.id));
    w.types(&assoc, &[prov::ASSOCIATION]);
    let assoc_agent = match &a.association_agent {
        Some(other) => super::software_agent(w, other),
        None => agent,
    };
    w.add(&assoc, prov::AGENT, assoc_agent);
    w.link(&assoc, prov::HAD_PLAN, &a.plan_id);
    w.add(&s, prov::QUALIFIED_ASSOCIATION, assoc);
    for u in &a.usages {
        let n = w.node(&u.id);
        w.types(&n, &[prov::USAGE]);
        let e = super::entity(w, &u.entity);
        w.add(&n, prov::ENTITY_P, e);
        w.add(&s, prov::QUALIFIED_USAGE, n);
    }
    for g in &a.generations {
        let n = w.node(&g.id);
        w.types(&n, &[prov::GENERATION]);
        w.add(&n, prov::ACTIVITY_P, s.clone());
        let e = super::entity(w, &g.entity);
        w.add(&e, prov::QUALIFIED_GENERATION, n);
    }
    for v in &a.parameters {
        let n = w.node(&v.id);
        w.types(&n, &[renku::PARAMETER_VALUE, schema::PROPERTY_VALUE]);
        w.link(&n, schema::VALUE_REFERENCE, &v.parameter_id);
        w.add(&n, schema::VALUE, value_literal(&v.value));
        w.add(&s, renku::PARAMETER, n);
    }
    for e in &a.invalidations {
        let e = super::entity(w, e);
        w.add(&e, prov::WAS_INVALIDATED_BY, s.clone());
    }
    for annotation in &a.annotations {
        super::annotation(w, &s, annotation);
    }
    s
}

/// One execution of a workflow file (`renku:WorkflowFileActivityCollection`).
pub fn workflow_file_collection(w: &mut Writer, c: &WorkflowFileActivityCollection) -> NamedNode {
    let s = w.node(&c.id);
    w.types(
        &s,
        &[renku::WORKFLOW_FILE_ACTIVITY_COLLECTION, prov::COLLECTION],
    );
    for a in &c.activities {
        w.link(&s, schema::HAS_PART, a);
    }
    let agent = super::software_agent(w, &c.agent);
    let person = super::person(w, &c.person);
    w.add(&s, prov::WAS_ASSOCIATED_WITH, agent.clone());
    w.add(&s, prov::WAS_ASSOCIATED_WITH, person);
    let assoc = w.node(&c.association_id());
    w.types(&assoc, &[prov::ASSOCIATION]);
    w.add(&assoc, prov::AGENT, agent);
    w.link(&assoc, prov::HAD_PLAN, &c.plan_id);
    w.add(&s, prov::QUALIFIED_ASSOCIATION, assoc);
    w.date_time_precise(&s, prov::STARTED_AT_TIME, &c.started_at_time);
    w.date_time_precise(&s, prov::ENDED_AT_TIME, &c.ended_at_time);
    s
}
