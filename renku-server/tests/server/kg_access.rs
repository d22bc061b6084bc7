//! Who sees what of the knowledge graph: a private project's metadata never reaches
//! anonymous callers or non-members, through search, the KG endpoints or SPARQL (whatever
//! the query names); members and administrators see it; visibility changes and deletion
//! take effect at once.

use serde_json::Value;

use crate::renku_project::{RenkuRepo, blocking, get_json, indexed, push};
use crate::support::TestServer;

const SECRET: &str = "Confidential passenger manifest";

async fn private_lab(server: &TestServer) -> String {
    server
        .create_project("alice", "secret-lab", "private")
        .await;
    server.create_project("bob", "open-lab", "public").await;
    let alice = server.idp.token("alice");
    let bob = server.idp.token("bob");
    let work = tempfile::tempdir().expect("work");
    let (secret_root, open_root) = (work.path().join("secret"), work.path().join("open"));
    let (secret, open) = blocking(move || {
        let secret = RenkuRepo::init(&secret_root, "secret-lab", "Internal work", &["hidden"]);
        secret.dataset(
            "manifest",
            SECRET,
            &["Carol Poe <carol@example.org>"],
            &["passengers"],
            &[("manifest.csv", "name,seat\n")],
        );
        secret.tag("manifest", "v1", "sealed");
        secret.run(&["cp", "data/manifest/manifest.csv", "copy.csv"]);
        let open = RenkuRepo::init(&open_root, "open-lab", "Open work", &["public"]);
        open.dataset(
            "timetable",
            "Public timetable",
            &[],
            &[],
            &[("t.csv", "a\n")],
        );
        (secret, open)
    })
    .await;
    let (_secret, head) = push(server, secret, &alice, "alice/secret-lab").await;
    let (_open, open_head) = push(server, open, &bob, "bob/open-lab").await;
    indexed(server, Some(&alice), "alice/secret-lab", &head).await;
    indexed(server, None, "bob/open-lab", &open_head).await;
    drop(work);
    head
}

async fn text_of(server: &TestServer, path: &str, token: Option<&str>) -> (u16, String) {
    let response = server.get(path, token).send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

async fn sparql(server: &TestServer, query: &str, token: Option<&str>) -> (u16, String) {
    let response = server
        .get("/sparql", token)
        .query(&[("query", query)])
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

fn queries(private_graph: &str) -> Vec<String> {
    vec![
        "SELECT * WHERE { ?s ?p ?o }".to_string(),
        "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }".to_string(),
        format!("SELECT * FROM <{private_graph}> WHERE {{ ?s ?p ?o }}"),
        format!("SELECT * FROM NAMED <{private_graph}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"),
        format!("SELECT * WHERE {{ GRAPH <{private_graph}> {{ ?s ?p ?o }} }}"),
        "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }".to_string(),
        "SELECT ?g WHERE { GRAPH ?g { } }".to_string(),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_metadata_never_leaks() {
    let server = TestServer::start().await;
    private_lab(&server).await;
    let alice = server.idp.token("alice");
    let bob = server.idp.token("bob");
    let admin = server.idp.token("admin");
    let private_graph = format!("{}/projects/alice/secret-lab", server.url);
    let dataset_id = {
        let list = get_json(
            &server,
            "/knowledge-graph/projects/alice/secret-lab/datasets",
            Some(&alice),
            200,
        )
        .await;
        list[0]["identifier"]
            .as_str()
            .expect("identifier")
            .to_string()
    };
    let kg_paths = [
        "/knowledge-graph/projects/alice/secret-lab".to_string(),
        "/api/kg/projects/alice/secret-lab".to_string(),
        "/knowledge-graph/projects/alice/secret-lab/datasets".to_string(),
        "/knowledge-graph/projects/alice/secret-lab/datasets/manifest/tags".to_string(),
        "/knowledge-graph/projects/alice/secret-lab/files/copy.csv/lineage".to_string(),
        format!("/knowledge-graph/datasets/{dataset_id}"),
        "/api/projects/alice/secret-lab/graph/status".to_string(),
    ];
    let searches = [
        "/knowledge-graph/entities",
        "/knowledge-graph/entities?query=confidential",
        "/knowledge-graph/entities?query=secret-lab",
        "/knowledge-graph/entities?query=Carol",
        "/knowledge-graph/entities?type=dataset&per_page=100",
        "/knowledge-graph/entities?type=person&per_page=100",
        "/knowledge-graph/entities?visibility=private",
        "/knowledge-graph/entities?namespace=alice",
    ];
    for (who, token) in [("anonymous", None), ("bob", Some(bob.as_str()))] {
        for path in &kg_paths {
            let (status, body) = text_of(&server, path, token).await;
            assert_eq!(status, 404, "{who} GET {path}: {body}");
            assert!(!body.contains(SECRET), "{who} GET {path}: {body}");
        }
        for path in searches {
            let (status, body) = text_of(&server, path, token).await;
            assert_eq!(status, 200, "{who} GET {path}: {body}");
            for word in [SECRET, "secret-lab", "Carol Poe", "Internal work"] {
                assert!(
                    !body.contains(word),
                    "{who} GET {path} shows {word}: {body}"
                );
            }
        }
        for query in queries(&private_graph) {
            let (status, body) = sparql(&server, &query, token).await;
            assert_eq!(status, 200, "{who} {query}: {body}");
            assert!(!body.contains(SECRET), "{who} {query}: {body}");
            assert!(!body.contains("secret-lab"), "{who} {query}: {body}");
        }
        // They do see the public project.
        let (_, body) = sparql(&server, "SELECT * WHERE { ?s ?p ?o }", token).await;
        assert!(body.contains("Public timetable"), "{who}: {body}");
        let (_, body) = text_of(&server, "/knowledge-graph/entities?query=timetable", token).await;
        assert!(body.contains("Public timetable"), "{who}: {body}");
    }
    // The owner and administrators see it everywhere.
    for (who, token) in [("alice", alice.as_str()), ("admin", admin.as_str())] {
        for path in &kg_paths {
            let (status, body) = text_of(&server, path, Some(token)).await;
            assert_eq!(status, 200, "{who} GET {path}: {body}");
        }
        let (_, body) = text_of(
            &server,
            "/knowledge-graph/entities?query=confidential",
            Some(token),
        )
        .await;
        assert!(body.contains(SECRET), "{who}: {body}");
        for query in &queries(&private_graph)[..5] {
            let (status, body) = sparql(&server, query, Some(token)).await;
            assert_eq!(status, 200, "{who} {query}: {body}");
            assert!(body.contains(SECRET), "{who} {query}: {body}");
        }
    }
    // Membership counts at query time: bob as a reader sees it, without any re-indexing.
    let response = server
        .send(
            reqwest::Method::PUT,
            "/api/projects/alice/secret-lab/members",
            Some(&alice),
        )
        .json(&serde_json::json!({"user_id": "bob-id", "role": "reader"}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let (_, body) = text_of(
        &server,
        "/knowledge-graph/entities?query=confidential",
        Some(&bob),
    )
    .await;
    assert!(body.contains(SECRET), "{body}");
    let (_, body) = sparql(&server, "SELECT * WHERE { ?s ?p ?o }", Some(&bob)).await;
    assert!(body.contains(SECRET), "{body}");
    let (status, _) = text_of(
        &server,
        "/knowledge-graph/projects/alice/secret-lab",
        Some(&bob),
    )
    .await;
    assert_eq!(status, 200);
    // role=owner: only projects bob owns.
    let (_, body) = text_of(&server, "/knowledge-graph/entities?role=owner", Some(&bob)).await;
    assert!(
        !body.contains(SECRET) && body.contains("Public timetable"),
        "{body}"
    );
    let (status, _) = text_of(&server, "/knowledge-graph/entities?role=owner", None).await;
    assert_eq!(status, 401);
    // A reader may not re-index; a non-member is not told the project exists.
    server
        .expect_status(
            reqwest::Method::POST,
            "/api/projects/alice/secret-lab/graph/reindex",
            Some(&bob),
            403,
        )
        .await;
    let carol = server.idp.token("carol");
    server
        .expect_status(
            reqwest::Method::POST,
            "/api/projects/alice/secret-lab/graph/reindex",
            Some(&carol),
            404,
        )
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sparql_is_read_only_and_speaks_the_protocol() {
    let server = TestServer::start().await;
    private_lab(&server).await;
    let alice = server.idp.token("alice");
    // POST, form-encoded and direct; answer formats.
    let response = server
        .send(reqwest::Method::POST, "/sparql", Some(&alice))
        .header("content-type", "application/sparql-query")
        .header("accept", "text/csv")
        .body("SELECT DISTINCT ?name WHERE { ?d a <http://schema.org/Dataset> ; <http://schema.org/name> ?name } ORDER BY ?name")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/csv")
    );
    let csv = response.text().await.expect("csv");
    assert_eq!(
        csv.lines().collect::<Vec<_>>(),
        vec!["name", SECRET, "Public timetable"]
    );
    let response = server
        .send(reqwest::Method::POST, "/sparql", None)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("query=ASK%20%7B%20%3Fs%20%3Chttp%3A%2F%2Fschema.org%2Fname%3E%20%22Public%20timetable%22%20%7D")
        .header("accept", "application/sparql-results+xml")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    assert!(
        response
            .text()
            .await
            .expect("xml")
            .contains("<boolean>true</boolean>")
    );
    let response = server
        .get("/sparql", None)
        .query(&[("query", "CONSTRUCT { ?s ?p ?o } WHERE { ?s <http://schema.org/name> \"Public timetable\" ; ?p ?o }")])
        .header("accept", "application/n-triples")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    assert!(
        response
            .text()
            .await
            .expect("nt")
            .contains("\"Public timetable\"")
    );

    // Updates are refused, however they are sent; nothing changed.
    for (content_type, body) in [
        ("application/sparql-update", "DROP ALL".to_string()),
        (
            "application/x-www-form-urlencoded",
            "update=DROP%20ALL".to_string(),
        ),
    ] {
        let response = server
            .send(
                reqwest::Method::POST,
                "/sparql",
                Some(&server.idp.token("admin")),
            )
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 403, "{content_type}");
    }
    let (status, _) = sparql(&server, "DROP ALL", Some(&alice)).await;
    assert_eq!(status, 400);
    let (status, _) = sparql(&server, "SELECT nonsense", Some(&alice)).await;
    assert_eq!(status, 400);
    let (_, body) = sparql(&server, "SELECT * WHERE { ?s ?p ?o }", Some(&alice)).await;
    assert!(body.contains(SECRET));
    let parsed: Value = serde_json::from_str(&body).expect("json results");
    assert!(
        parsed["results"]["bindings"]
            .as_array()
            .expect("rows")
            .len()
            > 10
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn visibility_changes_and_deletion_update_graph_and_search() {
    let server = TestServer::start().await;
    private_lab(&server).await;
    let alice = server.idp.token("alice");
    let bob = server.idp.token("bob");
    // Alice opens her project: everybody finds it at once.
    let response = server
        .send(
            reqwest::Method::PATCH,
            "/api/projects/alice/secret-lab",
            Some(&alice),
        )
        .json(&serde_json::json!({"visibility": "public"}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let (_, body) = text_of(
        &server,
        "/knowledge-graph/entities?query=confidential",
        None,
    )
    .await;
    assert!(body.contains(SECRET), "{body}");
    let found: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(found[0]["visibility"], "public");
    let (status, _) = text_of(&server, "/knowledge-graph/projects/alice/secret-lab", None).await;
    assert_eq!(status, 200);
    let (_, body) = sparql(
        &server,
        "SELECT ?v WHERE { ?p <https://swissdatasciencecenter.github.io/renku-ontology#projectVisibility> ?v }",
        None,
    )
    .await;
    assert!(
        body.contains("\"public\"") && !body.contains("\"private\""),
        "{body}"
    );

    // And closes it again.
    let response = server
        .send(
            reqwest::Method::PATCH,
            "/api/projects/alice/secret-lab",
            Some(&alice),
        )
        .json(&serde_json::json!({"visibility": "private"}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    for token in [None, Some(bob.as_str())] {
        let (_, body) = text_of(
            &server,
            "/knowledge-graph/entities?query=confidential",
            token,
        )
        .await;
        assert!(!body.contains(SECRET), "{body}");
        let (_, body) = sparql(&server, "SELECT * WHERE { ?s ?p ?o }", token).await;
        assert!(!body.contains(SECRET), "{body}");
    }
    let (_, body) = text_of(
        &server,
        "/knowledge-graph/entities?query=confidential",
        Some(&alice),
    )
    .await;
    assert!(body.contains(SECRET), "{body}");

    // Deleted: gone for everybody, its graph file too.
    server
        .expect_status(
            reqwest::Method::DELETE,
            "/api/projects/alice/secret-lab",
            Some(&alice),
            204,
        )
        .await;
    let admin = server.idp.token("admin");
    let (_, body) = text_of(
        &server,
        "/knowledge-graph/entities?query=confidential",
        Some(&admin),
    )
    .await;
    assert!(!body.contains(SECRET), "{body}");
    let (_, body) = sparql(
        &server,
        "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }",
        Some(&admin),
    )
    .await;
    assert!(
        !body.contains(SECRET) && body.contains("Public timetable"),
        "{body}"
    );
    let graphs: Vec<_> = std::fs::read_dir(server.data_dir.join("graphs"))
        .expect("graphs dir")
        .flatten()
        .collect();
    assert_eq!(graphs.len(), 1, "only the open project's graph is left");
}
