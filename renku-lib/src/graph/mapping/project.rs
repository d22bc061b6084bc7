//! The project node (`schema:Project`, `prov:Location`).

use oxigraph::model::NamedNode;

use super::super::vocab::{prov, renku, schema};
use super::super::writer::Writer;
use crate::model::Project;

/// The schema version the reference writes and the knowledge graph reads.
pub const SCHEMA_VERSION: &str = "10";

/// The project node with its metadata, creator, image, template and annotations. The links
/// to datasets, plans and activities are added by [`link`].
pub fn project(w: &mut Writer, p: &Project) -> NamedNode {
    let s = w.node(&p.id);
    w.types(&s, &[schema::PROJECT, prov::LOCATION]);
    w.string(&s, schema::NAME, &p.name);
    w.opt_string(&s, schema::DESCRIPTION, p.description.as_deref());
    let creator = super::person(w, &p.creator);
    w.add(&s, schema::CREATOR, creator);
    w.date(&s, schema::DATE_CREATED, &p.date_created);
    w.string(&s, schema::AGENT, &p.agent_version);
    w.string(&s, schema::SCHEMA_VERSION, SCHEMA_VERSION);
    for k in &p.keywords {
        w.string(&s, schema::KEYWORDS, k);
    }
    if let Some(img) = &p.image {
        super::image(w, &s, img);
    }
    if let Some(t) = &p.template {
        w.string(&s, renku::TEMPLATE_ID, &t.id);
        w.string(&s, renku::TEMPLATE_SOURCE, &t.source);
        w.opt_string(&s, renku::TEMPLATE_REFERENCE, t.reference.as_deref());
        w.opt_string(&s, renku::TEMPLATE_VERSION, t.version.as_deref());
        if let Some(text) = &t.recorded_metadata {
            w.string(&s, renku::TEMPLATE_METADATA, text);
        } else if let Ok(text) = serde_json::to_string(&t.parameters) {
            w.string(&s, renku::TEMPLATE_METADATA, &text);
        }
        for f in &t.immutable_files {
            w.string(&s, renku::IMMUTABLE_TEMPLATE_FILES, f);
        }
    }
    for a in &p.annotations {
        super::annotation(w, &s, a);
    }
    s
}

/// What the project node links to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// A dataset version (`renku:hasDataset`).
    Dataset,
    /// A plan version (`renku:hasPlan`).
    Plan,
    /// An activity (`renku:hasActivity`).
    Activity,
    /// A workflow-file activity collection (`renku:hasActivityCollection`).
    ActivityCollection,
}

/// Links the project node `project` to the object with store id `id`.
pub fn link(w: &mut Writer, project: &NamedNode, part: Part, id: &str) {
    let p = match part {
        Part::Dataset => renku::HAS_DATASET,
        Part::Plan => renku::HAS_PLAN,
        Part::Activity => renku::HAS_ACTIVITY,
        Part::ActivityCollection => renku::HAS_ACTIVITY_COLLECTION,
    };
    w.link(project, p, id);
}
