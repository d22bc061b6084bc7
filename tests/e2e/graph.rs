//! `renku graph export`: the knowledge graph of a project that uses everything the model has,
//! validated with pyshacl and our own SHACL check, parsed back from every format, and checked
//! against the knowledge graph's rules (metadata-model §7 item 9).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use renku_lib::graph::oxigraph::io::{JsonLdProfileSet, RdfFormat, RdfParser};
use renku_lib::graph::oxigraph::model::{Graph, Triple};
use renku_lib::graph::oxigraph::sparql::{QueryResults, SparqlEvaluator};
use renku_lib::graph::oxigraph::store::Store;

use crate::common::*;

/// Runs renku with stdin and stdout redirected to files in `root`.
fn run_redirected(env: &TestEnv, root: &Path, args: &[&str], stdin: &str, stdout_to: &str) {
    let out = env
        .renku_in(root)
        .args(args)
        .stdin(std::fs::File::open(root.join(stdin)).unwrap())
        .stdout(std::fs::File::create(root.join(stdout_to)).unwrap())
        .output()
        .unwrap();
    assert_success(&out);
}

const WORKFLOW_FILE: &str = "name: pipeline
steps:
  - up:
      command: sort $inputs > $outputs
      inputs:
        - a.txt
      outputs:
        - upper.txt
  - count:
      command: wc -c $inputs > $outputs
      inputs:
        - upper.txt
      outputs:
        - count.txt
";

/// A project using everything the model has.
fn rich_project(env: &TestEnv) -> PathBuf {
    let root = env.project_with(&[
        ("a.txt", "hello\nworld\n"),
        ("x.txt", "x\n"),
        ("data/in/one.csv", "1,2\n"),
        ("data/in/two.csv", "3,4\n"),
        ("pipeline.yml", WORKFLOW_FILE),
    ]);
    let meta = env.dir.path().join("meta.json");
    std::fs::write(
        &meta,
        r#"{"@context": {"@vocab": "http://schema.org/"}, "@type": "Thing", "name": "custom"}"#,
    )
    .unwrap();
    env.ok(
        &root,
        &[
            "project",
            "edit",
            "-d",
            "A project",
            "-k",
            "graph",
            "-i",
            "https://example.org/logo.png",
            "-m",
            meta.to_str().unwrap(),
        ],
    );
    // Datasets: creators, keywords, custom metadata, tags, a removed file, a removed dataset.
    env.ok(
        &root,
        &[
            "dataset",
            "create",
            "d1",
            "-n",
            "Dataset One",
            "-c",
            "John Smith <john@example.com> [ETH Zurich]",
            "-k",
            "k1",
            "-k",
            "k2",
            "-m",
            meta.to_str().unwrap(),
        ],
    );
    env.ok(
        &root,
        &[
            "dataset",
            "add",
            "--copy",
            "d1",
            "data/in/one.csv",
            "data/in/two.csv",
        ],
    );
    env.ok(&root, &["dataset", "tag", "d1", "v1", "-d", "first"]);
    env.ok(&root, &["dataset", "unlink", "d1", "-I", "*two.csv", "-y"]);
    env.ok(&root, &["dataset", "edit", "d1", "-d", "edited"]);
    env.ok(&root, &["dataset", "tag", "d1", "v2"]);
    env.ok(&root, &["dataset", "create", "gone"]);
    env.ok(&root, &["dataset", "rm", "gone"]);
    // An imported dataset (Zenodo, served locally) and a version derived from it.
    let zenodo = crate::dataset_import::mock();
    let record = format!("{}/zenodo/records/1234567", zenodo.base);
    let out = env.run_remote(
        &root,
        &zenodo,
        &["dataset", "import", "-y", "--slug", "imp", &record],
    );
    assert_success(&out);
    env.ok(&root, &["dataset", "add", "--copy", "imp", "x.txt"]);
    // Runs: inputs, outputs, parameters, stdin and stdout.
    env.ok(&root, &["run", "--name", "s1", "cp", "a.txt", "b.txt"]);
    env.ok(&root, &["run", "--name", "s2", "cp", "b.txt", "c.txt"]);
    env.ok_to_file(
        &root,
        &["run", "--name", "heads", "head", "-n", "1", "a.txt"],
        "h.txt",
    );
    run_redirected(
        env,
        &root,
        &["run", "--name", "upper", "tr", "a-z", "A-Z"],
        "x.txt",
        "X.txt",
    );
    env.ok(&root, &["run", "--name", "tmp", "cp", "x.txt", "y.txt"]);
    // A workflow file.
    env.ok(&root, &["run", "pipeline.yml"]);
    // A composite plan with a mapping and a link; an edited and a removed plan.
    env.ok(
        &root,
        &[
            "workflow",
            "compose",
            "--map",
            "inp=s1.input-1",
            "--link",
            "s1.output-2=s2.input-1",
            "comp",
            "s1",
            "s2",
        ],
    );
    env.ok(&root, &["workflow", "edit", "heads", "-d", "first line"]);
    env.ok(&root, &["workflow", "remove", "--force", "tmp"]);
    root
}

fn parse(text: &[u8], format: RdfFormat) -> Graph {
    let mut g = Graph::new();
    for q in RdfParser::from_format(format).for_slice(text) {
        let q = q.unwrap();
        g.insert(&Triple::new(q.subject, q.predicate, q.object));
    }
    g
}

fn jsonld() -> RdfFormat {
    RdfFormat::JsonLd {
        profile: JsonLdProfileSet::empty(),
    }
}

fn store_of(g: &Graph) -> Store {
    let store = Store::new().unwrap();
    for t in g.iter() {
        store
            .insert(
                &t.into_owned()
                    .in_graph(renku_lib::graph::oxigraph::model::GraphName::DefaultGraph),
            )
            .unwrap();
    }
    store
}

fn ask(store: &Store, query: &str) -> bool {
    let q = format!(
        "PREFIX prov: <http://www.w3.org/ns/prov#>\nPREFIX schema: <http://schema.org/>\nPREFIX renku: <https://swissdatasciencecenter.github.io/renku-ontology#>\nPREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n{query}"
    );
    match SparqlEvaluator::new()
        .parse_query(&q)
        .unwrap()
        .on_store(store)
        .execute()
        .unwrap()
    {
        QueryResults::Boolean(b) => b,
        _ => panic!("not an ASK query"),
    }
}

#[test]
fn export_of_a_rich_project_conforms_and_round_trips() {
    let env = TestEnv::new();
    let root = rich_project(&env);

    // A healthy project has no graph-level problems for doctor.
    let out = env.run_in(&root, &["doctor"]);
    assert_success(&out);
    assert!(!stdout(&out).contains("graph"), "{}", stdout(&out));

    // Our own SHACL check.
    let out = env.run_in(
        &root,
        &["graph", "export", "--strict", "-o", "graph.jsonld"],
    );
    assert_success(&out);
    let text = std::fs::read(root.join("graph.jsonld")).unwrap();

    // The reference's shape of JSON-LD: nodes sorted by @id, arrays of @id/@value objects.
    let doc: serde_json::Value = serde_json::from_slice(&text).unwrap();
    let nodes = doc.as_array().unwrap();
    let ids: Vec<&str> = nodes.iter().map(|n| n["@id"].as_str().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);
    assert!(nodes.iter().all(|n| n.get("@context").is_none()));
    for n in nodes {
        for (k, v) in n.as_object().unwrap() {
            if k == "@id" {
                continue;
            }
            let values = v
                .as_array()
                .unwrap_or_else(|| panic!("{k} is not an array"));
            if k != "@type" {
                assert!(
                    values
                        .iter()
                        .all(|x| x.get("@id").is_some() || x.get("@value").is_some()),
                    "{k}: {values:?}"
                );
            }
        }
    }
    let project = nodes
        .iter()
        .find(|n| {
            n["@type"]
                .as_array()
                .is_some_and(|t| t.iter().any(|t| t == "http://schema.org/Project"))
        })
        .unwrap();
    assert!(
        project["@id"]
            .as_str()
            .unwrap()
            .starts_with("https://localhost/projects/jane.doe/p")
    );

    // pyshacl, exactly as renku-python validates.
    assert_pyshacl_conforms(&root.join("graph.jsonld"));

    // N-Triples, Turtle, RDF/XML and JSON-LD parse to the same triples.
    let from_jsonld = parse(&text, jsonld());
    for (format, rdf_format) in [
        ("nt", RdfFormat::NTriples),
        ("turtle", RdfFormat::Turtle),
        ("rdf", RdfFormat::RdfXml),
    ] {
        let out = env.run_in(&root, &["graph", "export", "--format", format]);
        assert_success(&out);
        let mut g = parse(&out.stdout, rdf_format);
        let mut j = from_jsonld.clone();
        g.canonicalize(
            renku_lib::graph::oxigraph::model::dataset::CanonicalizationAlgorithm::Unstable,
        );
        j.canonicalize(
            renku_lib::graph::oxigraph::model::dataset::CanonicalizationAlgorithm::Unstable,
        );
        let a: BTreeSet<String> = g.iter().map(|t| t.to_string()).collect();
        let b: BTreeSet<String> = j.iter().map(|t| t.to_string()).collect();
        assert_eq!(
            a.symmetric_difference(&b).collect::<Vec<_>>(),
            Vec::<&String>::new(),
            "{format} and JSON-LD differ"
        );
    }

    let store = store_of(&from_jsonld);
    // Every model type is there.
    for class in [
        "schema:Project",
        "schema:Dataset",
        "schema:DigitalDocument",
        "schema:PublicationEvent",
        "schema:ImageObject",
        "schema:URL",
        "renku:Plan",
        "renku:CompositePlan",
        "renku:WorkflowFilePlan",
        "renku:WorkflowFileCompositePlan",
        "renku:ParameterMapping",
        "renku:ParameterLink",
        "renku:IOStream",
        "renku:CommandParameter",
        "prov:Activity",
        "prov:Usage",
        "prov:Generation",
        "renku:ParameterValue",
        "renku:WorkflowFileActivityCollection",
        "<http://www.w3.org/ns/oa#Annotation>",
    ] {
        assert!(
            ask(&store, &format!("ASK {{ ?x a {class} }}")),
            "no {class}"
        );
    }
    // Removed file, removed dataset, edited and removed plans.
    assert!(ask(
        &store,
        "ASK { ?f a schema:DigitalDocument ; prov:invalidatedAtTime ?t }"
    ));
    assert!(ask(
        &store,
        "ASK { ?d a schema:Dataset ; renku:slug \"gone\" ; prov:invalidatedAtTime ?t }"
    ));
    assert!(ask(
        &store,
        "ASK { ?p a renku:Plan ; schema:name \"tmp\" ; prov:invalidatedAtTime ?t }"
    ));
    assert!(ask(
        &store,
        "ASK { ?p a renku:Plan ; schema:description \"first line\" ; prov:wasDerivedFrom ?old . ?old schema:name \"heads\" }"
    ));
    assert!(ask(
        &store,
        "ASK { ?i renku:mappedTo ?s . ?s renku:streamType \"stdin\" }"
    ));
    assert!(ask(
        &store,
        "ASK { ?o renku:mappedTo ?s . ?s renku:streamType \"stdout\" }"
    ));
    // Every dataset version, plan and activity is linked from the project.
    assert!(!ask(
        &store,
        "ASK { ?d a schema:Dataset . FILTER NOT EXISTS { ?p renku:hasDataset ?d } }"
    ));
    assert!(!ask(
        &store,
        "ASK { ?d a prov:Plan . FILTER NOT EXISTS { ?p renku:hasPlan ?d } }"
    ));
    assert!(!ask(
        &store,
        "ASK { ?d a prov:Activity . FILTER NOT EXISTS { ?p renku:hasActivity ?d } }"
    ));
    // The imported version carries its source and publication date; the version derived
    // from it only its derivation.
    assert!(ask(
        &store,
        "ASK { ?d renku:slug \"imp\" ; schema:sameAs ?u ; schema:datePublished ?p .
               FILTER NOT EXISTS { ?d prov:wasDerivedFrom ?x } }"
    ));
    assert!(ask(
        &store,
        "ASK { ?d renku:slug \"imp\" ; prov:wasDerivedFrom ?u .
               FILTER NOT EXISTS { ?d schema:sameAs ?x } }"
    ));
    // As in renku-python, a version lists its current files and the files it removed: the
    // unlinking version lists two.csv as removed, the later edited version no longer lists it.
    assert!(ask(
        &store,
        "ASK { ?d renku:slug \"d1\" ; schema:hasPart ?kept, ?gone .
               FILTER NOT EXISTS { ?d schema:description \"edited\" }
               ?kept prov:entity/prov:atLocation \"data/d1/one.csv\" .
               ?gone prov:entity/prov:atLocation \"data/d1/two.csv\" ; prov:invalidatedAtTime ?t .
               FILTER NOT EXISTS { ?kept prov:invalidatedAtTime ?t2 } }"
    ));
    assert!(ask(
        &store,
        "ASK { ?d renku:slug \"d1\" ; schema:description \"edited\" ; schema:hasPart ?kept .
               ?kept prov:entity/prov:atLocation \"data/d1/one.csv\" .
               FILTER NOT EXISTS { ?d schema:hasPart/prov:entity/prov:atLocation \"data/d1/two.csv\" } }"
    ));
    // The knowledge graph's rules (metadata-model §7 item 9).
    assert!(!ask(
        &store,
        "ASK { ?a a prov:Activity ; renku:parameter ?v ; prov:qualifiedAssociation/prov:hadPlan ?plan .
               ?plan renku:hasInputs ?in . ?v schema:valueReference ?in ; schema:value ?value .
               FILTER NOT EXISTS { ?a prov:qualifiedUsage/prov:entity/prov:atLocation ?value } }"
    ), "an input value without a usage at the same location");
    assert!(!ask(
        &store,
        "ASK { ?a a prov:Activity ; renku:parameter ?v ; prov:qualifiedAssociation/prov:hadPlan ?plan .
               ?plan renku:hasOutputs ?out . ?v schema:valueReference ?out ; schema:value ?value .
               FILTER NOT EXISTS { ?g prov:activity ?a . ?e prov:qualifiedGeneration ?g ; prov:atLocation ?value } }"
    ), "an output value without a generation at the same location");
    assert!(!ask(
        &store,
        "ASK { ?a a prov:Activity ; prov:startedAtTime ?start ; prov:qualifiedAssociation/prov:hadPlan ?plan .
               ?plan schema:dateCreated ?created .
               FILTER (?start < xsd:dateTime(?created)) }"
    ), "an activity starts before its plan was created");
    assert!(
        !ask(
            &store,
            "ASK { ?x prov:qualifiedAssociation/prov:hadPlan ?plan . FILTER NOT EXISTS { ?plan a prov:Plan } }"
        ),
        "an association's plan is missing"
    );
}

#[test]
fn strict_fails_on_a_broken_graph() {
    let env = TestEnv::new();
    let root = env.project_with(&[("a.txt", "a\n")]);
    env.ok(&root, &["dataset", "create", "d1"]);
    // Break the metadata: a dataset version with an identifier that is not 32 hex
    // characters and no name.
    let files = record_files(&root, "dataset");
    let path = &files[0];
    let mut record = read_json(path);
    record["data"]["identifier"] = serde_json::json!("NOT-HEX");
    std::fs::write(path, serde_json::to_vec_pretty(&record).unwrap()).unwrap();
    let out = env.run_in(&root, &["graph", "export", "--strict"]);
    assert_code(&out, 1);
    let err = stderr(&out);
    assert_contains(&err, "Conforms: False");
    assert_contains(&err, "PatternConstraintComponent");
    assert_contains(&err, "schema:identifier");
    assert!(stdout(&out).is_empty(), "nothing is written on failure");
    // Without --strict the export still works.
    assert_success(&env.run_in(&root, &["graph", "export", "--format", "nt"]));
}

#[test]
fn host_revision_and_formats() {
    let env = TestEnv::new();
    let root = env.project_with(&[("a.txt", "a\n")]);
    env.ok(&root, &["dataset", "create", "d1"]);
    env.ok(&root, &["run", "--name", "s1", "cp", "a.txt", "b.txt"]);

    // The host comes from the git remote, and RENKU_DOMAIN wins over it.
    env.git(
        &root,
        &[
            "remote",
            "add",
            "origin",
            "git@gitlab.example.org:group/p.git",
        ],
    );
    let nt = env.ok(&root, &["graph", "export", "--format", "NT"]);
    assert_contains(&nt, "<https://gitlab.example.org/datasets/");
    assert_contains(&nt, "<mailto:jane.doe@example.org>");
    let out = env
        .renku_in(&root)
        .args(["graph", "export", "--format", "nt"])
        .env("RENKU_DOMAIN", "renku.example.com")
        .output()
        .unwrap();
    assert_success(&out);
    assert_contains(&stdout(&out), "<https://renku.example.com/activities/");

    // --revision HEAD: only what the last commit (the run) wrote.
    let last = env.ok(
        &root,
        &["graph", "export", "--revision", "HEAD", "--format", "nt"],
    );
    assert_contains(&last, "<http://www.w3.org/ns/prov#Activity>");
    assert!(!last.contains("<http://schema.org/Dataset>"), "{last}");
    // A range over both commits holds both; --full wins over --revision.
    let first = env.git(&root, &["rev-list", "--max-parents=0", "HEAD"]);
    let range = format!("{}..HEAD", first.trim());
    let both = env.ok(
        &root,
        &["graph", "export", "--revision", &range, "--format", "nt"],
    );
    assert_contains(&both, "<http://schema.org/Dataset>");
    assert_contains(&both, "<http://www.w3.org/ns/prov#Activity>");
    let full = env.ok(
        &root,
        &[
            "graph",
            "export",
            "-f",
            "--revision",
            "HEAD",
            "--format",
            "nt",
        ],
    );
    assert_contains(&full, "<http://schema.org/Project>");
    let out = env.run_in(&root, &["graph", "export", "--revision", "nope"]);
    assert_code(&out, 2);

    // Formats.
    let dot = env.ok(&root, &["graph", "export", "--format", "dot"]);
    assert!(dot.starts_with("digraph {"));
    assert_contains(&dot, "prov:hadPlan");
    let out = env.run_in(&root, &["graph", "export", "--format", "yaml"]);
    assert_code(&out, 2);
    let compact = env.ok(&root, &["graph", "export", "--no-indent"]);
    assert_eq!(compact.trim_end().lines().count(), 1);
}

#[test]
fn graph_query_answers_select_ask_and_construct_from_a_cache_that_follows_changes() {
    let env = TestEnv::new();
    let root = env.project_with(&[("a.txt", "a\n")]);
    env.ok(&root, &["run", "--name", "copy-a", "cp", "a.txt", "b.txt"]);
    env.ok(&root, &["dataset", "add", "--copy", "-c", "d", "a.txt"]);
    let plans = "PREFIX prov: <http://www.w3.org/ns/prov#>\nPREFIX schema: <http://schema.org/>\nSELECT ?name WHERE { ?plan a prov:Plan ; schema:name ?name } ORDER BY ?name";
    let out = env.ok(&root, &["graph", "query", "--format", "csv", plans]);
    assert_eq!(out.replace('\r', ""), "name\ncopy-a\n");
    // The graph is cached for the committed metadata, outside git.
    let cache = root.join(".renku/cache/graph");
    assert_eq!(std::fs::read_dir(&cache).unwrap().count(), 1);
    assert_eq!(env.status(&root), "");
    // A new plan is seen by the next query (the cache follows the metadata).
    env.ok(&root, &["run", "--name", "copy-b", "cp", "b.txt", "c.txt"]);
    let out = env.ok(&root, &["graph", "query", "--format", "tsv", plans]);
    assert_eq!(out, "?name\n\"copy-a\"\n\"copy-b\"\n");
    // The table shortens IRIs; ASK prints a boolean; CONSTRUCT prints N-Triples.
    let out = env.ok(
        &root,
        &[
            "graph",
            "query",
            "SELECT ?t WHERE { ?s a ?t } ORDER BY ?t LIMIT 50",
        ],
    );
    assert_contains(&out, "schema:Dataset");
    let q = root.join("ask.rq");
    std::fs::write(&q, "ASK { ?d a <http://schema.org/Dataset> }").unwrap();
    assert_eq!(
        env.ok(&root, &["graph", "query", "-f", "ask.rq"]).trim(),
        "true"
    );
    let out = env.ok(
        &root,
        &[
            "graph",
            "query",
            "--format",
            "json",
            "ASK { ?x a <http://example.org/Nothing> }",
        ],
    );
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["boolean"], false);
    let out = env.ok(
        &root,
        &["graph", "query", "CONSTRUCT { ?d <http://example.org/is> ?t } WHERE { ?d a ?t . ?d a <http://schema.org/Dataset> }"],
    );
    let triples = parse(out.as_bytes(), RdfFormat::NTriples);
    assert!(!triples.is_empty());
    // Bad queries and formats are usage errors.
    let out = env.run_in(&root, &["graph", "query", "SELEC nothing"]);
    assert_code(&out, 2);
    assert_contains(&stderr(&out), "Invalid SPARQL query");
    let out = env.run_in(&root, &["graph", "query", "--format", "xml", plans]);
    assert_code(&out, 2);
    let out = env.run_in(&root, &["graph", "query", "-f", "missing.rq"]);
    assert_code(&out, 1);
}

#[test]
fn doctor_reports_a_dataset_both_imported_and_derived() {
    let env = TestEnv::new();
    let root = env.project_with(&[("a.txt", "a\n")]);
    env.ok(&root, &["dataset", "add", "--copy", "-c", "d", "a.txt"]);
    env.ok(&root, &["dataset", "edit", "d", "-n", "New title"]);
    // Give the derived version a sameAs too, as a hand edit or a buggy tool could.
    let mut changed = false;
    for f in record_files(&root, "dataset") {
        let mut json = read_json(&f);
        if !json["data"]["derived_from"].is_null() {
            json["data"]["same_as"] = serde_json::json!({
                "id": "/urls/doi.org/10.1234/x",
                "url": "https://doi.org/10.1234/x",
                "is_iri": false
            });
            std::fs::write(&f, serde_json::to_vec_pretty(&json).unwrap()).unwrap();
            changed = true;
        }
    }
    assert!(changed, "a derived dataset version exists");
    env.git(&root, &["commit", "--no-verify", "-qam", "hand edit"]);
    let out = env.run_in(&root, &["doctor"]);
    assert_code(&out, 1);
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert_contains(&text, "has both schema:sameAs and prov:wasDerivedFrom");
}
