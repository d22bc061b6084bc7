//! Unit tests of the mapping and the SHACL check on hand-made model values.

use chrono::DateTime;
use oxigraph::model::{GraphNameRef, Literal, NamedNode, QuadRef, Term};
use oxigraph::store::Store as RdfStore;

use super::host::Host;
use super::mapping;
use super::vocab::{RDF_TYPE, oa, prov, renku, schema, xsd};
use super::writer::Writer;
use crate::model::*;

fn date(s: &str) -> chrono::DateTime<chrono::FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

fn jane() -> Person {
    Person::new(
        "Jane Doe",
        Some("jane@example.org".into()),
        Some("SDSC".into()),
    )
}

fn plan() -> Plan {
    let param =
        |kind: ParameterKind, name: &str, value: serde_json::Value, pos: u32| CommandParameter {
            id: format!(
                "/plans/0123456789abcdef0123456789abcdef/{}/{pos}",
                kind.id_segment()
            ),
            kind,
            name: name.into(),
            description: None,
            default_value: value,
            position: Some(pos),
            prefix: None,
            mapped_to: None,
            encoding_format: (kind != ParameterKind::Parameter)
                .then(|| "application/octet-stream".to_string()),
            create_folder: false,
            name_set_by_user: false,
        };
    let mut out = param(
        ParameterKind::Output,
        "output-3",
        serde_json::json!("out.txt"),
        3,
    );
    out.mapped_to = Some(Stream::Stdout);
    Plan {
        id: "/plans/0123456789abcdef0123456789abcdef".into(),
        name: "wc".into(),
        description: None,
        command: "wc".into(),
        parameters: vec![
            param(
                ParameterKind::Input,
                "input-1",
                serde_json::json!("in.txt"),
                1,
            ),
            param(
                ParameterKind::Parameter,
                "flag-2",
                serde_json::json!(true),
                2,
            ),
            out,
        ],
        success_codes: vec![],
        keywords: vec!["k".into()],
        creators: vec![jane()],
        date_created: date("2024-01-01T10:00:00-05:00"),
        date_modified: date("2024-01-01T10:00:00-05:00"),
        date_removed: None,
        derived_from: None,
        annotations: vec![],
        steps: vec![],
        mappings: vec![],
        links: vec![],
        path: None,
    }
}

fn activity(plan: &Plan) -> Activity {
    let mut a = Activity::of_plan(
        "/activities/fedcba9876543210fedcba9876543210".into(),
        plan,
        (
            date("2024-01-01T16:00:00+01:00"),
            date("2024-01-01T16:00:05+01:00"),
        ),
        jane(),
        vec![Entity::new(
            "in.txt",
            "ce013625030ba8dba906f756967f9e9ca394464a",
            false,
        )],
        vec![Entity::new(
            "out.txt",
            "9277b2372890eb2412b400661b07aa4fc50de0a2",
            false,
        )],
    );
    // What migrated activities may carry.
    a.invalidations = vec![Entity::new(
        "old.txt",
        "5716ca5987cbf97d6bb54920bea6adde242d87e6",
        false,
    )];
    a.annotations = vec![Annotation {
        id: "/annotations/00112233445566778899aabbccddeeff".into(),
        body: serde_json::json!({
            "@id": "https://example.com/run-metrics",
            "@type": "https://schema.org/Dataset",
            "https://schema.org/name": "metrics"
        }),
        source: "renku-mls".into(),
    }];
    a
}

fn dataset() -> (Dataset, DatasetFile) {
    let id = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let d: Dataset = serde_json::from_value(serde_json::json!({
        "id": Dataset::id_for(id), "identifier": id, "initial_identifier": id,
        "slug": "d1", "name": "D one", "creators": [jane()],
        "date_created": "2024-01-01T00:00:00+02:00",
        "date_modified": "2024-01-02T00:00:00+02:00",
        "keywords": ["a"],
        "same_as": Url::external("https://doi.org/10.1/x", false),
    }))
    .unwrap();
    let f = DatasetFile::new(
        "data/d1/a.csv",
        "ce013625030ba8dba906f756967f9e9ca394464a",
        None,
        None,
    );
    (d, f)
}

fn graph() -> RdfStore {
    let mut w = Writer::new(Host::new("renku.test"));
    let p = plan();
    mapping::workflow::plan(&mut w, &p, false);
    mapping::workflow::activity(&mut w, &activity(&p));
    let (d, f) = dataset();
    mapping::dataset::dataset(&mut w, &d, [&f]);
    let store = RdfStore::new().unwrap();
    store.extend(w.into_quads()).unwrap();
    store
}

fn has(
    store: &RdfStore,
    s: &str,
    p: oxigraph::model::NamedNodeRef<'_>,
    o: impl Into<Term>,
) -> bool {
    let s = NamedNode::new(s).unwrap();
    let o: Term = o.into();
    store
        .contains(QuadRef::new(&s, p, &o, GraphNameRef::DefaultGraph))
        .unwrap()
}

#[test]
fn the_mapping_uses_the_reference_terms_and_forms() {
    let store = graph();
    let plan = "https://renku.test/plans/0123456789abcdef0123456789abcdef";
    for t in [
        prov::PLAN,
        schema::ACTION,
        schema::CREATIVE_WORK,
        renku::PLAN,
    ] {
        assert!(has(&store, plan, RDF_TYPE, t.into_owned()));
    }
    // Negative offsets are written in UTC; dates are plain strings.
    assert!(has(
        &store,
        plan,
        schema::DATE_CREATED,
        Literal::new_simple_literal("2024-01-01T15:00:00+00:00")
    ));
    assert!(has(
        &store,
        plan,
        schema::CREATOR,
        NamedNode::new("mailto:jane@example.org").unwrap()
    ));
    // A boolean parameter value becomes a string; positions are integers.
    let flag = format!("{plan}/parameters/2");
    assert!(has(
        &store,
        &flag,
        schema::DEFAULT_VALUE,
        Literal::new_simple_literal("true")
    ));
    assert!(has(&store, &flag, renku::POSITION, Literal::from(2)));
    let out = format!("{plan}/outputs/3");
    assert!(has(
        &store,
        &out,
        renku::MAPPED_TO,
        NamedNode::new("https://renku.test/iostreams/stdout").unwrap()
    ));
    // Activity times are xsd:dateTime; the generation hangs off the entity.
    let act = "https://renku.test/activities/fedcba9876543210fedcba9876543210";
    assert!(has(
        &store,
        act,
        prov::STARTED_AT_TIME,
        Literal::new_typed_literal("2024-01-01T16:00:00+01:00", xsd::DATE_TIME)
    ));
    assert!(has(
        &store,
        &format!("{act}/association"),
        prov::HAD_PLAN,
        NamedNode::new(plan).unwrap()
    ));
    let entity = "https://renku.test/entities/9277b2372890eb2412b400661b07aa4fc50de0a2/out.txt";
    let generations: Vec<_> = store
        .quads_for_pattern(
            Some(NamedNode::new(entity).unwrap().as_ref().into()),
            Some(prov::QUALIFIED_GENERATION),
            None,
            None,
        )
        .collect();
    assert_eq!(generations.len(), 1);
    // The dataset: an imported source as a string URL node.
    let ds = "https://renku.test/datasets/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    assert!(has(&store, ds, RDF_TYPE, schema::DATASET.into_owned()));
    assert!(has(
        &store,
        ds,
        renku::SLUG,
        Literal::new_simple_literal("d1")
    ));
    assert!(has(
        &store,
        ds,
        schema::SAME_AS,
        NamedNode::new("https://renku.test/urls/doi.org/10.1/x").unwrap()
    ));
    assert!(has(
        &store,
        "https://renku.test/urls/doi.org/10.1/x",
        schema::URL_P,
        Literal::new_simple_literal("https://doi.org/10.1/x")
    ));
}

#[test]
fn activities_keep_their_invalidations_and_annotations() {
    let store = graph();
    let activity =
        NamedNode::new("https://renku.test/activities/fedcba9876543210fedcba9876543210").unwrap();
    assert!(has(
        &store,
        "https://renku.test/entities/5716ca5987cbf97d6bb54920bea6adde242d87e6/old.txt",
        prov::WAS_INVALIDATED_BY,
        activity.clone()
    ));
    let annotation = "https://renku.test/annotations/00112233445566778899aabbccddeeff";
    assert!(has(&store, annotation, oa::HAS_TARGET, activity));
    assert!(has(
        &store,
        annotation,
        oa::HAS_BODY,
        NamedNode::new("https://example.com/run-metrics").unwrap()
    ));
}

#[test]
fn the_mapping_conforms_to_the_shape() {
    let store = graph();
    let violations = super::shacl::validate(&store).unwrap();
    assert!(
        violations.is_empty(),
        "{}",
        super::shacl::report(&violations)
    );
}

#[test]
fn the_shape_catches_what_the_reference_rejects() {
    let mut w = Writer::new(Host::new("renku.test"));
    let (mut d, f) = dataset();
    d.derived_from = Some(Url::dataset("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"));
    mapping::dataset::dataset(&mut w, &d, [&f]);
    let s = w.node(&d.id);
    // Both sameAs and wasDerivedFrom (the mapping never writes this), an extra predicate on a
    // closed shape, and a second name.
    w.link(&s, schema::SAME_AS, "/urls/x");
    w.string(&s, schema::DATE_PUBLISHED, "2024-01-01");
    w.string(&s, schema::NAME, "another");
    w.string(&s, prov::AT_LOCATION, "x");
    let store = RdfStore::new().unwrap();
    store.extend(w.into_quads()).unwrap();
    let violations = super::shacl::validate(&store).unwrap();
    let text = super::shacl::report(&violations);
    for expected in [
        "Both prov:wasDerivedFrom and schema:sameAs are set.",
        "Both schema:dateCreated and schema:datePublished are set.",
        "MaxCountConstraintComponent",
        "ClosedConstraintComponent",
        "ClassConstraintComponent",
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
}

#[test]
fn json_ld_is_flattened_expanded_and_sorted() {
    let store = graph();
    let doc = super::jsonld::to_json_ld(&store).unwrap();
    let nodes = doc.as_array().unwrap();
    let ids: Vec<&str> = nodes.iter().map(|n| n["@id"].as_str().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);
    let act = nodes
        .iter()
        .find(|n| n["@id"] == "https://renku.test/activities/fedcba9876543210fedcba9876543210")
        .unwrap();
    assert_eq!(
        act["http://www.w3.org/ns/prov#startedAtTime"],
        serde_json::json!([{"@type": "http://www.w3.org/2001/XMLSchema#dateTime", "@value": "2024-01-01T16:00:00+01:00"}])
    );
    let input = nodes
        .iter()
        .find(|n| n["@id"] == "https://renku.test/plans/0123456789abcdef0123456789abcdef/inputs/1")
        .unwrap();
    assert_eq!(
        input["https://swissdatasciencecenter.github.io/renku-ontology#position"],
        serde_json::json!([{"@value": 1}])
    );
}
