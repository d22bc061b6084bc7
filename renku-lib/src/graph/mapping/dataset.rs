//! Datasets: every version a `schema:Dataset` node with all its files, tags as
//! `schema:PublicationEvent` nodes.

use oxigraph::model::{Literal, NamedNode};

use super::super::vocab::{prov, renku, schema};
use super::super::writer::{Writer, date_only_text};
use crate::model::{Dataset, DatasetFile, DatasetTag, Language, RemoteEntity, Url};

/// One dataset version with `files`: every entry of the version and the versions it derives
/// from (files removed in or before this version included, as the reference exports them).
pub fn dataset<'a>(
    w: &mut Writer,
    d: &Dataset,
    files: impl IntoIterator<Item = &'a DatasetFile>,
) -> NamedNode {
    let s = w.node(&d.id);
    w.types(&s, &[prov::ENTITY, schema::DATASET]);
    w.string(&s, schema::IDENTIFIER, &d.identifier);
    w.string(&s, renku::ORIGINAL_IDENTIFIER, &d.initial_identifier);
    w.string(&s, renku::SLUG, &d.slug);
    w.string(&s, schema::NAME, &d.name);
    w.opt_string(&s, schema::DESCRIPTION, d.description.as_deref());
    for c in &d.creators {
        let p = super::person(w, c);
        w.add(&s, schema::CREATOR, p);
    }
    // Exactly one of dateCreated/datePublished: imported datasets carry the publication date.
    match (&d.date_published, &d.date_created) {
        (Some(published), _) => w.string(&s, schema::DATE_PUBLISHED, &date_only_text(published)),
        (None, Some(created)) => w.date(&s, schema::DATE_CREATED, created),
        (None, None) => {}
    }
    w.date(&s, schema::DATE_MODIFIED, &d.date_modified);
    if let Some(removed) = &d.date_removed {
        w.date(&s, prov::INVALIDATED_AT_TIME, removed);
    }
    // A derived version is no longer the imported one: never both sameAs and wasDerivedFrom.
    match (&d.derived_from, &d.same_as) {
        (Some(from), _) => {
            let u = url(w, from);
            w.add(&s, prov::WAS_DERIVED_FROM, u);
        }
        (None, Some(same)) => {
            let u = url(w, same);
            w.add(&s, schema::SAME_AS, u);
        }
        (None, None) => {}
    }
    for k in &d.keywords {
        w.string(&s, schema::KEYWORDS, k);
    }
    for img in &d.images {
        super::image(w, &s, img);
    }
    if let Some(lang) = &d.in_language {
        let l = language(w, lang);
        w.add(&s, schema::IN_LANGUAGE, l);
    }
    w.opt_string(&s, schema::LICENSE, d.license.as_deref());
    w.opt_string(&s, schema::VERSION, d.version.as_deref());
    for f in files {
        let n = dataset_file(w, f);
        w.add(&s, schema::HAS_PART, n);
    }
    for a in &d.annotations {
        super::annotation(w, &s, a);
    }
    s
}

/// A file of a dataset (`schema:DigitalDocument`, `prov:Entity`).
pub fn dataset_file(w: &mut Writer, f: &DatasetFile) -> NamedNode {
    let s = w.node(&f.id);
    w.types(&s, &[prov::ENTITY, schema::DIGITAL_DOCUMENT]);
    let e = super::entity(w, &f.entity);
    w.add(&s, prov::ENTITY_P, e);
    w.date(&s, schema::DATE_CREATED, &f.date_added);
    if let Some(removed) = &f.date_removed {
        w.date(&s, prov::INVALIDATED_AT_TIME, removed);
    }
    let source = f.source.as_deref().unwrap_or(f.entity.path.as_str());
    w.string(&s, renku::SOURCE, source);
    w.boolean(&s, renku::EXTERNAL, f.is_external);
    if let Some(based_on) = &f.based_on {
        let r = remote_entity(w, based_on);
        w.add(&s, schema::IS_BASED_ON, r);
    }
    s
}

/// A file in another repository (`prov:Entity`).
pub fn remote_entity(w: &mut Writer, r: &RemoteEntity) -> NamedNode {
    let s = w.node(&r.id);
    w.types(&s, &[prov::ENTITY]);
    w.string(&s, renku::CHECKSUM, &r.checksum);
    w.string(&s, prov::AT_LOCATION, &r.path);
    w.string(&s, schema::URL_P, &r.url);
    s
}

/// A URL node (`schema:URL`): `schema:url` is an IRI for references to datasets and Renku
/// projects, a string for DOIs and other URLs.
pub fn url(w: &mut Writer, u: &Url) -> NamedNode {
    let s = w.node(&u.id);
    w.types(&s, &[schema::URL]);
    if u.is_iri {
        let target = w.node(&u.url);
        w.add(&s, schema::URL_P, target);
    } else {
        w.add(&s, schema::URL_P, Literal::new_simple_literal(&u.url));
    }
    s
}

/// A language (`schema:Language`).
pub fn language(w: &mut Writer, l: &Language) -> NamedNode {
    let s = w.node(&l.id);
    w.types(&s, &[schema::LANGUAGE]);
    w.string(&s, schema::NAME, &l.name);
    w.opt_string(&s, schema::ALTERNATE_NAME, l.alternate_name.as_deref());
    s
}

/// A tag (`schema:PublicationEvent`) pointing at the version that was current when tagged.
pub fn tag(w: &mut Writer, t: &DatasetTag) -> NamedNode {
    let s = w.node(&t.id);
    w.types(&s, &[schema::PUBLICATION_EVENT]);
    w.string(&s, schema::NAME, &t.name);
    w.string(&s, schema::DESCRIPTION, &t.description);
    w.date(&s, schema::START_DATE, &t.date_created);
    let u = url(w, &Url::dataset(&t.dataset_identifier));
    w.add(&s, schema::ABOUT, u);
    s
}
