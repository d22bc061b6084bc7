//! The mapping of every model type to RDF: the reference's types, predicates, ids and literal
//! forms (`docs/architecture.md`, "graph"). One module per area; the shared parts (persons,
//! agents, images, entities, annotations) live here.

pub mod dataset;
pub mod project;
pub mod workflow;

use oxigraph::io::{JsonLdProfileSet, RdfFormat, RdfParser};
use oxigraph::model::NamedNode;

use super::vocab::{dcterms, oa, prov, renku, schema};
use super::writer::Writer;
use crate::model::{Annotation, Entity, ImageObject, Person, SoftwareAgent};

/// A person (`prov:Person`, `schema:Person`); returns its node.
pub fn person(w: &mut Writer, p: &Person) -> NamedNode {
    let s = w.node(&p.id);
    w.types(&s, &[prov::PERSON, schema::PERSON]);
    w.string(&s, schema::NAME, &p.name);
    w.opt_string(&s, schema::EMAIL, p.email.as_deref());
    w.opt_string(&s, schema::AFFILIATION, p.affiliation.as_deref());
    w.opt_string(&s, schema::ALTERNATE_NAME, p.alternate_name.as_deref());
    s
}

/// The software agent (`prov:SoftwareAgent`); returns its node.
pub fn software_agent(w: &mut Writer, a: &SoftwareAgent) -> NamedNode {
    let s = w.node(&a.id);
    w.types(&s, &[prov::SOFTWARE_AGENT]);
    w.string(&s, schema::NAME, &a.name);
    s
}

/// An image (`schema:ImageObject`) of `owner`.
pub fn image(w: &mut Writer, owner: &NamedNode, img: &ImageObject) {
    let s = w.node(&img.id);
    w.add(owner, schema::IMAGE, s.clone());
    w.types(&s, &[schema::IMAGE_OBJECT]);
    w.string(&s, schema::CONTENT_URL, &img.content_url);
    w.integer(&s, schema::POSITION, i64::from(img.position));
}

/// A file or directory at a checksum (`prov:Entity`, plus `prov:Collection` for
/// directories); returns its node.
pub fn entity(w: &mut Writer, e: &Entity) -> NamedNode {
    let s = w.node(&e.id);
    if e.is_directory {
        w.types(&s, &[prov::COLLECTION, prov::ENTITY]);
    } else {
        w.types(&s, &[prov::ENTITY]);
    }
    w.string(&s, prov::AT_LOCATION, &e.path);
    w.string(&s, renku::CHECKSUM, &e.checksum);
    s
}

/// Custom metadata on `target` (`oa:Annotation`, pointing at its target through
/// `oa:hasTarget`); the user's JSON-LD body becomes its own nodes.
pub fn annotation(w: &mut Writer, target: &NamedNode, a: &Annotation) {
    let s = w.node(&a.id);
    w.types(&s, &[oa::ANNOTATION]);
    w.add(&s, oa::HAS_TARGET, target.clone());
    w.string(&s, dcterms::CREATOR, &a.source);
    annotation_body(w, &s, &a.body);
}

/// Parses the body as JSON-LD (its own `@context` included; relative ids resolve against the
/// host) and links its top nodes with `oa:hasBody`. A body that cannot be read as JSON-LD
/// offline (a remote context, say) is left out with a warning.
fn annotation_body(w: &mut Writer, s: &NamedNode, body: &serde_json::Value) {
    let wrapped = serde_json::json!({
        "@id": s.as_str(),
        oa::HAS_BODY.as_str(): body,
    });
    let text = wrapped.to_string();
    let parser = RdfParser::from_format(RdfFormat::JsonLd {
        profile: JsonLdProfileSet::empty(),
    })
    .rename_blank_nodes();
    let parser = match parser.with_base_iri(format!("{}/", w.host().prefix())) {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!("annotation {}: bad base IRI: {e}", s.as_str());
            return;
        }
    };
    let mut quads = Vec::new();
    for quad in parser.for_slice(text.as_bytes()) {
        match quad {
            Ok(q) => quads.push(q),
            Err(e) => {
                tracing::warn!(
                    "the custom metadata {} is not JSON-LD this export can read; it is left out: {e}",
                    s.as_str()
                );
                return;
            }
        }
    }
    for q in quads {
        w.push(q);
    }
}
