//! The knowledge graph of a pushed renku project: project, datasets, dataset details, tags,
//! lineage and search answers; a second push replaces the graph.

use serde_json::Value;

use crate::renku_project::{RenkuRepo, blocking, get_json, indexed, push};
use crate::support::{TestServer, run};

fn link<'a>(value: &'a Value, rel: &str) -> Option<&'a str> {
    value["_links"]
        .as_array()?
        .iter()
        .find(|l| l["rel"] == rel)
        .and_then(|l| l["href"].as_str())
}

/// The flights project: two datasets (one tagged), a chain of two runs.
fn flights(root: &std::path::Path) -> RenkuRepo {
    let repo = RenkuRepo::init(
        root,
        "flights",
        "Flight delays analysis",
        &["aviation", "delays"],
    );
    repo.dataset(
        "airports",
        "Airport codes",
        &["Alice Doe <alice@example.org>"],
        &["geography"],
        &[("codes.csv", "ZRH,Zurich\nGVA,Geneva\n")],
    );
    repo.tag("airports", "v1", "first release");
    repo.run(&["cp", "data/airports/codes.csv", "mid.csv"]);
    repo.run(&["cp", "mid.csv", "final.csv"]);
    repo.dataset(
        "weather",
        "Weather observations",
        &["Bob Roe <bob@example.org>"],
        &["meteorology"],
        &[("obs.csv", "1,2\n")],
    );
    repo
}

fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pushed_project_is_indexed_and_served() {
    let server = TestServer::start().await;
    server.create_project("alice", "flights", "public").await;
    let alice = server.idp.token("alice");
    let work = tempfile::tempdir().expect("work");
    let root = work.path().join("flights");
    let repo = blocking(move || flights(&root)).await;
    let (repo, head) = push(&server, repo, &alice, "alice/flights").await;
    let status = indexed(&server, None, "alice/flights", &head).await;
    assert_eq!(status["activated"], true);
    assert_eq!(status["details"]["status"], "success", "{status}");
    assert_eq!(status["progress"]["percentage"], 100.0);

    // The project, in both API spellings.
    for prefix in ["/knowledge-graph", "/api/kg"] {
        let p = get_json(
            &server,
            &format!("{prefix}/projects/alice/flights"),
            None,
            200,
        )
        .await;
        assert_eq!(p["path"], "alice/flights");
        assert_eq!(p["name"], "flights");
        assert_eq!(p["visibility"], "public");
        assert_eq!(p["description"], "Flight delays analysis");
        assert_eq!(p["keywords"], serde_json::json!(["aviation", "delays"]));
        assert_eq!(p["version"], "10");
        assert_eq!(
            p["urls"]["http"],
            format!("{}/repos/alice/flights.git", server.url)
        );
        assert_eq!(
            link(&p, "datasets"),
            Some(
                format!(
                    "{}/knowledge-graph/projects/alice/flights/datasets",
                    server.url
                )
                .as_str()
            )
        );
    }
    // The clone URL it names is served.
    let clone_url = format!("{}/repos/alice/flights.git", server.url);
    let dir = work.path().to_path_buf();
    let (ok, _, err) =
        blocking(move || run(&dir, "git", &["clone", "-q", &clone_url, "copy"])).await;
    assert!(ok, "{err}");
    assert!(work.path().join("copy/final.csv").is_file());

    // JSON-LD of the project node.
    let response = server
        .get("/knowledge-graph/projects/alice/flights", None)
        .header("accept", "application/ld+json")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    assert!(header(&response, "content-type").starts_with("application/ld+json"));
    let nodes: Value = response.json().await.expect("json-ld");
    let iri = format!("{}/projects/alice/flights", server.url);
    let node = nodes
        .as_array()
        .expect("nodes")
        .iter()
        .find(|n| n["@id"] == iri.as_str())
        .expect("project node");
    assert!(
        node.to_string().contains("Flight delays analysis"),
        "{node}"
    );

    // Datasets: both on the first page by default.
    let response = server
        .get("/knowledge-graph/projects/alice/flights/datasets", None)
        .send()
        .await
        .expect("request");
    assert_eq!(header(&response, "total"), "2");
    let list: Value = response.json().await.expect("json");
    let slugs: Vec<&str> = list
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|d| d["slug"].as_str())
        .collect();
    assert_eq!(slugs, vec!["airports", "weather"]);
    let airports = &list[0];
    assert_eq!(airports["name"], "Airport codes");
    let identifier = airports["identifier"]
        .as_str()
        .expect("identifier")
        .to_string();
    assert_eq!(
        link(airports, "details"),
        Some(format!("{}/knowledge-graph/datasets/{identifier}", server.url).as_str())
    );

    // Dataset details, as renku clients read them to import.
    let d = get_json(
        &server,
        &format!("/knowledge-graph/datasets/{identifier}"),
        None,
        200,
    )
    .await;
    assert_eq!(d["slug"], "airports");
    assert_eq!(d["identifier"], identifier.as_str());
    assert_eq!(d["name"], "Airport codes");
    assert_eq!(d["published"]["creator"][0]["name"], "Alice Doe");
    assert_eq!(d["keywords"], serde_json::json!(["geography"]));
    assert_eq!(
        link(&d["project"], "project-details"),
        Some(format!("{}/knowledge-graph/projects/alice/flights", server.url).as_str())
    );
    let files: Vec<&str> = d["hasPart"]
        .as_array()
        .expect("files")
        .iter()
        .filter_map(|f| f["atLocation"].as_str())
        .collect();
    assert_eq!(files, vec!["data/airports/codes.csv"]);
    assert_eq!(d["usedIn"][0]["path"], "alice/flights");
    get_json(
        &server,
        "/knowledge-graph/datasets/0123456789abcdef",
        None,
        404,
    )
    .await;
    get_json(&server, "/knowledge-graph/datasets/bad%20id", None, 404).await;

    // Tags.
    let tags = get_json(
        &server,
        "/knowledge-graph/projects/alice/flights/datasets/airports/tags",
        None,
        200,
    )
    .await;
    assert_eq!(tags[0]["name"], "v1");
    assert_eq!(tags[0]["description"], "first release");
    assert!(link(&tags[0], "dataset-details").is_some());
    let none = get_json(
        &server,
        "/knowledge-graph/projects/alice/flights/datasets/weather/tags",
        None,
        200,
    )
    .await;
    assert_eq!(none, serde_json::json!([]));
    get_json(
        &server,
        "/knowledge-graph/projects/alice/flights/datasets/nothing/tags",
        None,
        404,
    )
    .await;

    // Lineage of the end of the chain: codes.csv -> run -> mid.csv -> run -> final.csv.
    let lineage = get_json(
        &server,
        "/knowledge-graph/projects/alice/flights/files/final.csv/lineage",
        None,
        200,
    )
    .await;
    let nodes = lineage["lineage"]["nodes"].as_array().expect("nodes");
    let files: Vec<&str> = nodes
        .iter()
        .filter(|n| n["type"] == "File")
        .filter_map(|n| n["location"].as_str())
        .collect();
    assert_eq!(
        files,
        vec!["data/airports/codes.csv", "final.csv", "mid.csv"]
    );
    let runs: Vec<&Value> = nodes.iter().filter(|n| n["type"] == "ProcessRun").collect();
    assert_eq!(runs.len(), 2);
    assert!(
        runs.iter().any(|r| r["label"] == "cp mid.csv final.csv"),
        "{runs:?}"
    );
    let edges = lineage["lineage"]["edges"].as_array().expect("edges");
    assert_eq!(edges.len(), 4);
    assert!(edges.iter().any(|e| e["target"] == "final.csv"));
    // Percent-encoded paths work too; unknown files have no lineage.
    get_json(
        &server,
        "/knowledge-graph/projects/alice/flights/files/data%2Fairports%2Fcodes.csv/lineage",
        None,
        200,
    )
    .await;
    get_json(
        &server,
        "/knowledge-graph/projects/alice/flights/files/README.md/lineage",
        None,
        404,
    )
    .await;

    // Search: words of titles, keywords and creators; type filters; sorting; paging.
    let found = get_json(
        &server,
        "/knowledge-graph/entities?query=airport",
        None,
        200,
    )
    .await;
    assert!(
        found
            .as_array()
            .expect("items")
            .iter()
            .any(|i| i["type"] == "dataset" && i["name"] == "Airport codes"),
        "{found}"
    );
    let by_keyword = get_json(
        &server,
        "/knowledge-graph/entities?query=delays&type=project",
        None,
        200,
    )
    .await;
    assert_eq!(by_keyword[0]["path"], "alice/flights");
    assert_eq!(by_keyword[0]["visibility"], "public");
    assert!(by_keyword[0]["matchingScore"].as_f64().expect("score") > 0.0);
    assert_eq!(
        link(&by_keyword[0], "details"),
        Some(format!("{}/knowledge-graph/projects/alice/flights", server.url).as_str())
    );
    let by_creator = get_json(
        &server,
        "/knowledge-graph/entities?query=Roe&type=dataset",
        None,
        200,
    )
    .await;
    let names: Vec<&str> = by_creator
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["name"].as_str())
        .collect();
    assert_eq!(names, vec!["Weather observations"]);
    let persons = get_json(&server, "/knowledge-graph/entities?type=person", None, 200).await;
    let names: Vec<&str> = persons
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["name"].as_str())
        .collect();
    assert!(
        names.contains(&"Alice Doe") && names.contains(&"Bob Roe"),
        "{names:?}"
    );
    let workflows = get_json(
        &server,
        "/knowledge-graph/entities?type=workflow",
        None,
        200,
    )
    .await;
    assert_eq!(workflows.as_array().expect("items").len(), 2, "{workflows}");
    assert_eq!(workflows[0]["workflowType"], "Plan");

    let response = server
        .get(
            "/knowledge-graph/entities?type=dataset&sort=name:desc&per_page=1&page=1",
            None,
        )
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "total"), "2");
    assert_eq!(header(&response, "total-pages"), "2");
    assert_eq!(header(&response, "per-page"), "1");
    assert_eq!(header(&response, "page"), "1");
    assert_eq!(header(&response, "next-page"), "2");
    assert!(header(&response, "link").contains("rel=\"next\""));
    let first: Value = response.json().await.expect("json");
    assert_eq!(first[0]["name"], "Weather observations");
    let second = get_json(
        &server,
        "/knowledge-graph/entities?type=dataset&sort=name:desc&per_page=1&page=2",
        None,
        200,
    )
    .await;
    assert_eq!(second[0]["name"], "Airport codes");
    get_json(&server, "/knowledge-graph/entities?sort=size", None, 400).await;
    get_json(
        &server,
        "/knowledge-graph/entities?per_page=1000",
        None,
        400,
    )
    .await;

    // The metrics count the job.
    let metrics = server.get("/metrics", None).send().await.expect("metrics");
    let text = metrics.text().await.expect("text");
    assert!(
        text.lines()
            .any(|l| l.starts_with("renku_server_index_jobs_total{outcome=\"done\"}")),
        "{text}"
    );
    drop(repo);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_push_replaces_the_old_graph() {
    let server = TestServer::start().await;
    server.create_project("alice", "flights", "public").await;
    let alice = server.idp.token("alice");
    let owner = Some(alice.as_str());
    let work = tempfile::tempdir().expect("work");
    let root = work.path().join("flights");
    let repo = blocking(move || flights(&root)).await;
    let (repo, head) = push(&server, repo, &alice, "alice/flights").await;
    indexed(&server, None, "alice/flights", &head).await;
    let sparql = |q: &str| {
        let request = server
            .get("/sparql", owner)
            .query(&[("query", q)])
            .header("accept", "application/sparql-results+json");
        async move {
            let response = request.send().await.expect("sparql");
            assert_eq!(response.status(), 200);
            let body: Value = response.json().await.expect("json");
            body["boolean"].as_bool().expect("boolean")
        }
    };
    let old_description = "ASK { ?p <http://schema.org/description> \"Flight delays analysis\" }";
    assert!(sparql(old_description).await);

    let repo = blocking(move || {
        repo.remove_dataset("weather");
        repo.edit_description("Flight delays, revisited");
        repo
    })
    .await;
    let (_repo, head) = push(&server, repo, &alice, "alice/flights").await;
    indexed(&server, None, "alice/flights", &head).await;

    assert!(!sparql(old_description).await, "the old triples are gone");
    assert!(
        sparql("ASK { ?p <http://schema.org/description> \"Flight delays, revisited\" }").await
    );
    let list = get_json(
        &server,
        "/knowledge-graph/projects/alice/flights/datasets",
        None,
        200,
    )
    .await;
    let slugs: Vec<&str> = list
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|d| d["slug"].as_str())
        .collect();
    assert_eq!(slugs, vec!["airports"]);
    let found = get_json(
        &server,
        "/knowledge-graph/entities?query=weather",
        None,
        200,
    )
    .await;
    assert!(
        !found
            .as_array()
            .expect("items")
            .iter()
            .any(|i| i["type"] == "dataset"),
        "{found}"
    );
    let p = get_json(
        &server,
        "/knowledge-graph/projects/alice/flights",
        None,
        200,
    )
    .await;
    assert_eq!(p["description"], "Flight delays, revisited");
}

struct Accept;

impl renku_lib::dataset::import::ImportInteraction for Accept {
    fn warning(&mut self, _message: &str) {}
    fn confirm(&mut self, _remote: &renku_lib::dataset_remote::model::RemoteDataset) -> bool {
        true
    }
    fn progress(&self) -> &dyn renku_lib::dataset_remote::download::DownloadProgress {
        &renku_lib::dataset_remote::download::NoProgress
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_client_imports_a_dataset_from_the_knowledge_graph() {
    let server = TestServer::start().await;
    server.create_project("alice", "flights", "public").await;
    let alice = server.idp.token("alice");
    let work = tempfile::tempdir().expect("work");
    let root = work.path().join("flights");
    let repo = blocking(move || flights(&root)).await;
    let (_repo, head) = push(&server, repo, &alice, "alice/flights").await;
    indexed(&server, None, "alice/flights", &head).await;
    let list = get_json(
        &server,
        "/knowledge-graph/projects/alice/flights/datasets",
        None,
        200,
    )
    .await;
    let identifier = list[0]["identifier"]
        .as_str()
        .expect("identifier")
        .to_string();

    let target = work.path().join("consumer");
    let by_id = format!("{}/datasets/{identifier}", server.url);
    let by_slug = format!("{}/projects/alice/flights/datasets/weather", server.url);
    let imported = blocking(move || {
        let consumer = RenkuRepo::init(&target, "consumer", "Uses flights data", &[]);
        let project = renku_lib::repo::ProjectDir::discover(&consumer.root).expect("project");
        let ctx = renku_lib::context::CommandContext::new(vec!["dataset".into(), "import".into()]);
        let mut slugs = Vec::new();
        for uri in [by_id, by_slug] {
            let request = renku_lib::dataset::import::ImportRequest {
                uri,
                jobs: 1,
                ..Default::default()
            };
            let done = renku_lib::dataset::import::import(&ctx, &project, &request, &mut Accept)
                .expect("import");
            slugs.push(done.dataset.slug.clone());
        }
        (consumer, slugs)
    })
    .await;
    let (consumer, slugs) = imported;
    assert_eq!(slugs, vec!["airports", "weather"]);
    assert_eq!(
        std::fs::read_to_string(consumer.root.join("data/airports/codes.csv")).expect("file"),
        "ZRH,Zurich\nGVA,Geneva\n"
    );
    assert!(consumer.root.join("data/weather/obs.csv").is_file());
}
