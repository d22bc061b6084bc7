//! Index jobs: failures are reported with their error and keep the last good graph; plain
//! git repositories are indexed as projects; graphs survive restarts (and a damaged graph
//! file is rebuilt from the repository); re-indexing on request; a job that failed for a
//! passing reason is tried again.

use serde_json::Value;

use crate::renku_project::{RenkuRepo, blocking, get_json, indexed, push};
use crate::support::{TestServer, run};

fn labs(root: &std::path::Path) -> RenkuRepo {
    let repo = RenkuRepo::init(root, "labs", "Lab results", &["chemistry"]);
    repo.dataset(
        "samples",
        "Soil samples",
        &["Alice Doe <alice@example.org>"],
        &[],
        &[("soil.csv", "1\n")],
    );
    repo
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn damaged_metadata_fails_the_job_with_its_error_and_keeps_the_last_graph() {
    let server = TestServer::start().await;
    server.create_project("alice", "labs", "public").await;
    let alice = server.idp.token("alice");
    let work = tempfile::tempdir().expect("work");
    let root = work.path().join("labs");
    let repo = blocking(move || labs(&root)).await;
    let (repo, head) = push(&server, repo, &alice, "alice/labs").await;
    indexed(&server, None, "alice/labs", &head).await;

    let repo = blocking(move || {
        repo.commit_file(
            ".renku/store/dataset/ab/ab0123456789abcdef0123456789abcd.json",
            "{ this is not a record",
        );
        repo
    })
    .await;
    let (_repo, head) = push(&server, repo, &alice, "alice/labs").await;
    let status = indexed(&server, None, "alice/labs", &head).await;
    assert_eq!(status["details"]["status"], "failure", "{status}");
    let message = status["details"]["message"].as_str().expect("message");
    assert!(
        message.contains("ab0123456789abcdef0123456789abcd.json")
            && message.contains("not a valid record"),
        "{message}"
    );
    // The graph of the last good commit is still served.
    let list = get_json(
        &server,
        "/knowledge-graph/projects/alice/labs/datasets",
        None,
        200,
    )
    .await;
    assert_eq!(list[0]["slug"], "samples");
    let metrics = server
        .expect_status(reqwest::Method::GET, "/metrics", None, 200)
        .await;
    assert!(
        metrics.contains("renku_server_index_jobs_total{outcome=\"failed\"} 1"),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_that_failed_writing_its_graph_is_tried_again() {
    let server = TestServer::start_with(|config, _, _| {
        config.kg.index_retry_seconds = 1;
    })
    .await;
    server.create_project("alice", "labs", "public").await;
    let alice = server.idp.token("alice");
    let work = tempfile::tempdir().expect("work");
    let root = work.path().join("labs");
    let repo = blocking(move || labs(&root)).await;
    let (repo, first) = push(&server, repo, &alice, "alice/labs").await;
    indexed(&server, None, "alice/labs", &first).await;

    // The graph files cannot be written: the directory is replaced by a file.
    let graphs = server.data_dir.join("graphs");
    let aside = server.data_dir.join("graphs.aside");
    std::fs::rename(&graphs, &aside).expect("move the graphs away");
    std::fs::write(&graphs, "not a directory").expect("block the graphs");
    let repo = blocking(move || {
        repo.commit_file("notes.md", "More samples soon.\n");
        repo
    })
    .await;
    let (_repo, head) = push(&server, repo, &alice, "alice/labs").await;
    let status = indexed(&server, None, "alice/labs", &head).await;
    assert_eq!(status["details"]["status"], "failure", "{status}");
    let message = status["details"]["message"].as_str().expect("message");
    assert!(message.contains("trying again in 1 s"), "{message}");

    // The disk is writable again: the next try succeeds without a push.
    std::fs::remove_file(&graphs).expect("unblock");
    std::fs::rename(&aside, &graphs).expect("move the graphs back");
    let mut last = status;
    for _ in 0..200 {
        last = get_json(&server, "/api/projects/alice/labs/graph/status", None, 200).await;
        if last["details"]["status"] == "success" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(last["details"]["status"], "success", "{last}");
    assert_eq!(last["commit"], head.as_str());
    let metrics = server
        .expect_status(reqwest::Method::GET, "/metrics", None, 200)
        .await;
    assert!(
        metrics.contains("renku_server_index_jobs_total{outcome=\"retried\"}"),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_git_repository_is_indexed_as_a_project() {
    let server = TestServer::start().await;
    server.create_project("alice", "notes", "public").await;
    // Found before anything is pushed.
    let found = get_json(&server, "/knowledge-graph/entities?query=notes", None, 200).await;
    assert_eq!(found[0]["path"], "alice/notes", "{found}");
    let status = get_json(&server, "/api/projects/alice/notes/graph/status", None, 200).await;
    assert_eq!(status, serde_json::json!({"activated": false}));

    let alice = server.idp.token("alice");
    let work = tempfile::tempdir().expect("work");
    let source = work.path().join("notes");
    std::fs::create_dir_all(&source).expect("dir");
    assert!(run(&source, "git", &["init", "-q", "-b", "main"]).0);
    std::fs::write(source.join("README.md"), "notes\n").expect("write");
    assert!(run(&source, "git", &["add", "README.md"]).0);
    assert!(run(&source, "git", &["commit", "-q", "-m", "first"]).0);
    let head = run(&source, "git", &["rev-parse", "HEAD"])
        .1
        .trim()
        .to_string();
    let url = format!(
        "http://oauth2:{alice}@{}/repos/alice/notes.git",
        server.url.trim_start_matches("http://")
    );
    let (ok, _, err) = blocking(move || run(&source, "git", &["push", "-q", &url, "main"])).await;
    assert!(ok, "{err}");
    let status = indexed(&server, None, "alice/notes", &head).await;
    assert_eq!(status["details"]["status"], "success", "{status}");
    assert!(
        status["details"]["message"]
            .as_str()
            .expect("message")
            .contains("no renku metadata"),
        "{status}"
    );
    let p = get_json(&server, "/knowledge-graph/projects/alice/notes", None, 200).await;
    assert_eq!(p["name"], "notes");
    assert_eq!(p["created"]["creator"]["name"], "alice Tester");
    assert!(p["dateModified"].is_string(), "{p}");
    let datasets = get_json(
        &server,
        "/knowledge-graph/projects/alice/notes/datasets",
        None,
        200,
    )
    .await;
    assert_eq!(datasets, serde_json::json!([]));
    let found = get_json(
        &server,
        "/knowledge-graph/entities?query=notes&type=project",
        None,
        200,
    )
    .await;
    assert_eq!(found.as_array().expect("items").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphs_survive_a_restart_and_damaged_files_are_rebuilt() {
    let server = TestServer::start().await;
    server.create_project("alice", "labs", "private").await;
    let alice = server.idp.token("alice");
    let work = tempfile::tempdir().expect("work");
    let root = work.path().join("labs");
    let repo = blocking(move || labs(&root)).await;
    let (_repo, head) = push(&server, repo, &alice, "alice/labs").await;
    indexed(&server, Some(&alice), "alice/labs", &head).await;
    let project_id = server
        .server
        .state
        .store
        .project("alice", "labs")
        .expect("store")
        .expect("project")
        .id;
    let job_before = server
        .server
        .state
        .store
        .latest_index_job(project_id)
        .expect("store")
        .expect("job");

    // A restart loads the graph from its file: no new job, everything served at once.
    let server = server.restart().await;
    let list = get_json(
        &server,
        "/knowledge-graph/projects/alice/labs/datasets",
        Some(&alice),
        200,
    )
    .await;
    assert_eq!(list[0]["slug"], "samples");
    let found = get_json(
        &server,
        "/knowledge-graph/entities?query=soil",
        Some(&alice),
        200,
    )
    .await;
    assert_eq!(found[0]["name"], "Soil samples");
    let nobody = get_json(&server, "/knowledge-graph/entities?query=soil", None, 200).await;
    assert_eq!(
        nobody,
        serde_json::json!([]),
        "visibility survives the restart"
    );
    let job_after = server
        .server
        .state
        .store
        .latest_index_job(project_id)
        .expect("store")
        .expect("job");
    assert_eq!(job_after.id, job_before.id);

    // A damaged file is rebuilt from the repository.
    let file = server.data_dir.join(format!("graphs/{project_id}.nt"));
    std::fs::write(&file, "garbage").expect("damage");
    let server = server.restart().await;
    let status = indexed(&server, Some(&alice), "alice/labs", &head).await;
    assert_eq!(status["details"]["status"], "success");
    let job = server
        .server
        .state
        .store
        .latest_index_job(project_id)
        .expect("store")
        .expect("job");
    assert!(job.id > job_before.id, "a new job rebuilt the graph");
    let list = get_json(
        &server,
        "/knowledge-graph/projects/alice/labs/datasets",
        Some(&alice),
        200,
    )
    .await;
    assert_eq!(list[0]["slug"], "samples");
    let text = std::fs::read_to_string(&file).expect("graph file");
    assert!(text.starts_with("# renku-server graph "), "rewritten");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn maintainers_can_reindex() {
    let server = TestServer::start().await;
    server.create_project("alice", "labs", "public").await;
    let alice = server.idp.token("alice");
    let bob = server.idp.token("bob");
    let reindex = |token: Option<String>| {
        let request = server.send(
            reqwest::Method::POST,
            "/api/projects/alice/labs/graph/reindex",
            token.as_deref(),
        );
        async move { request.send().await.expect("request") }
    };
    // Nothing pushed yet.
    assert_eq!(reindex(Some(alice.clone())).await.status(), 409);
    let work = tempfile::tempdir().expect("work");
    let root = work.path().join("labs");
    let repo = blocking(move || labs(&root)).await;
    let (_repo, head) = push(&server, repo, &alice, "alice/labs").await;
    let first = indexed(&server, None, "alice/labs", &head).await;
    assert_eq!(reindex(None).await.status(), 401);
    assert_eq!(reindex(Some(bob)).await.status(), 403);
    let response = reindex(Some(alice.clone())).await;
    assert_eq!(response.status(), 202);
    let queued: Value = response.json().await.expect("json");
    assert_eq!(queued["commit"], head.as_str());
    let again = indexed(&server, None, "alice/labs", &head).await;
    assert_eq!(again["details"]["status"], "success");
    assert_ne!(again["updated"], first["updated"]);
}

/// Re-indexing a project with a 500-step chain of runs (500 activities and plans). Ignored by
/// default (recording the chain takes a while); run it with `--ignored --nocapture`, with
/// renku-lib and renku-server optimised as in a release (see docs/benchmarks.md). The
/// budget is 2 s for the median of three re-indexes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn reindexing_a_500_activity_project_takes_less_than_2_s() {
    let steps: usize = std::env::var("RENKU_BENCH_STEPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(500);
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("renku_server=debug"))
        .with_writer(std::io::stderr)
        .try_init();
    let server = TestServer::start().await;
    server.create_project("alice", "chain", "public").await;
    let alice = server.idp.token("alice");
    let work = tempfile::tempdir().expect("work");
    let root = work.path().join("chain");
    let started = std::time::Instant::now();
    let repo = blocking(move || {
        let repo = RenkuRepo::init(&root, "chain", "A long chain", &[]);
        repo.commit_file("step-0.txt", "start\n");
        for i in 1..=steps {
            let (from, to) = (format!("step-{}.txt", i - 1), format!("step-{i}.txt"));
            repo.run(&["cp", &from, &to]);
        }
        repo
    })
    .await;
    eprintln!("recorded {steps} runs in {:?}", started.elapsed());
    let (_repo, head) = push(&server, repo, &alice, "alice/chain").await;
    let started = std::time::Instant::now();
    indexed(&server, None, "alice/chain", &head).await;
    eprintln!("first index: {:?}", started.elapsed());
    let mut times = Vec::new();
    for _ in 0..3 {
        let started = std::time::Instant::now();
        server
            .expect_status(
                reqwest::Method::POST,
                "/api/projects/alice/chain/graph/reindex",
                Some(&alice),
                202,
            )
            .await;
        let status = indexed(&server, None, "alice/chain", &head).await;
        assert_eq!(status["details"]["status"], "success");
        let took = started.elapsed();
        eprintln!("re-index: {took:?}");
        times.push(took);
    }
    times.sort();
    let median = times[1];
    let lineage = get_json(
        &server,
        &format!("/knowledge-graph/projects/alice/chain/files/step-{steps}.txt/lineage"),
        None,
        200,
    )
    .await;
    assert_eq!(
        lineage["lineage"]["nodes"].as_array().expect("nodes").len(),
        2 * steps + 1
    );
    assert!(
        median < std::time::Duration::from_secs(2),
        "re-indexing took {times:?}"
    );
}
