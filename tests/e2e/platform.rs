//! The whole platform round trip with our own pieces: the `renku` binary against our
//! `renku-server` (in this process, `crate::hosted`) and the real OIDC test provider
//! (`crate::oidc`, skipped with a notice when node or oidc-provider is missing).
//!
//! `renku login` → `renku save` pushes a project with a dataset and a run through the
//! deployment (the credential helper answers git with the stored token) → the server indexes
//! it → search, dataset details and lineage from the knowledge graph → `renku dataset import`
//! of its dataset into another project.

use std::path::Path;

use crate::common::*;
use crate::hosted::HostedServer;
use crate::login::login_approved;
use crate::oidc::OidcProvider;

/// A project with dataset `weather` (one file) and a `sort` run whose output is
/// `sorted.csv`, pushed to nowhere yet.
fn weather_project(env: &TestEnv, name: &str) -> std::path::PathBuf {
    let root = env.init_project(name);
    let source = env.work().join("obs.csv");
    std::fs::write(&source, "ZRH,3\nGVA,1\nBSL,2\n").unwrap();
    env.ok(
        &root,
        &[
            "dataset",
            "create",
            "weather",
            "-n",
            "Weather observations",
            "-d",
            "Hourly observations at Swiss airports",
            "-k",
            "meteo",
        ],
    );
    env.ok(
        &root,
        &[
            "dataset",
            "add",
            "--copy",
            "weather",
            source.to_str().unwrap(),
        ],
    );
    env.ok(
        &root,
        &[
            "run",
            "--name",
            "sort-obs",
            "sort",
            "data/weather/obs.csv",
            "-o",
            "sorted.csv",
        ],
    );
    root
}

/// `renku ARGS` in `cwd` with the file token store and `renku` on PATH (git's credential
/// helper runs it); asserts success and returns stdout.
#[track_caller]
fn ok_logged_in(env: &TestEnv, cwd: &Path, args: &[&str]) -> String {
    let out = env.renku_login_cmd(cwd, args).output().unwrap();
    assert_success(&out);
    stdout(&out)
}

/// The titles of the entities a search returns.
fn found(answer: &serde_json::Value) -> Vec<(String, String)> {
    answer
        .as_array()
        .unwrap_or_else(|| panic!("a list of entities: {answer}"))
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap_or_default().to_string(),
                e["name"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_project_saved_to_the_server_is_indexed_searched_and_its_dataset_imported() {
    let Some(provider) = OidcProvider::start() else {
        return;
    };
    let server = HostedServer::start(&provider);
    let alice = provider.token_for("alice");
    server.create_project(&alice, "flights", "private");

    // Alice records her work and logs in inside the project.
    let env = TestEnv::new();
    let root = weather_project(&env, "flights");
    env.git(
        &root,
        &["remote", "add", "origin", &server.repo_url("alice/flights")],
    );
    login_approved(&env, &root, &provider, &server.url, &["-y"], "alice");
    let helper = env.git(&root, &["config", "--local", "credential.helper"]);
    assert_eq!(
        helper.trim(),
        format!("!renku credentials --hostname {}", server.host_key())
    );

    // `renku save` commits and pushes through the deployment, authenticated by the helper.
    write_files(&root, &[("notes.md", "Where the delays come from.\n")]);
    let saved = ok_logged_in(&env, &root, &["save", "-m", "Notes on delays"]);
    assert_contains(&saved, "Successfully saved to remote branch");
    let head = env.head(&root);
    let status = server.wait_indexed("alice/flights", Some(&alice), &head);
    assert_eq!(status["details"]["status"], "success");

    // Search: the private project is found by its owner only.
    let query = "/knowledge-graph/entities?query=weather";
    let mine = found(&server.get_json(query, Some(&alice), 200));
    assert!(
        mine.contains(&("dataset".into(), "Weather observations".into())),
        "{mine:?}"
    );
    let anonymous = found(&server.get_json(query, None, 200));
    assert!(anonymous.is_empty(), "{anonymous:?}");
    let bob = provider.token_for("bob");
    assert!(found(&server.get_json(query, Some(&bob), 200)).is_empty());

    // The dataset as clients read it before importing.
    let datasets = server.get_json(
        "/knowledge-graph/projects/alice/flights/datasets",
        Some(&alice),
        200,
    );
    assert_eq!(datasets.as_array().unwrap().len(), 1, "{datasets}");
    assert_eq!(datasets[0]["slug"], "weather");
    let id = datasets[0]["identifier"].as_str().unwrap().to_string();
    let details = server.get_json(
        &format!("/knowledge-graph/datasets/{id}"),
        Some(&alice),
        200,
    );
    assert_eq!(details["name"], "Weather observations");
    assert_eq!(details["project"]["path"], "alice/flights");
    server.get_json(&format!("/knowledge-graph/datasets/{id}"), None, 404);
    server.get_json(&format!("/knowledge-graph/datasets/{id}"), Some(&bob), 404);

    // The lineage of the run's output reaches back to the dataset file through the plan.
    let lineage = server.get_json(
        "/knowledge-graph/projects/alice/flights/files/sorted.csv/lineage",
        Some(&alice),
        200,
    );
    let lineage = &lineage["lineage"];
    let locations: Vec<&str> = lineage["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("lineage nodes: {lineage}"))
        .iter()
        .filter_map(|n| n["location"].as_str())
        .collect();
    assert!(locations.contains(&"data/weather/obs.csv"), "{lineage}");
    assert!(locations.contains(&"sorted.csv"), "{lineage}");
    assert!(
        !lineage["edges"].as_array().unwrap().is_empty(),
        "{lineage}"
    );

    // Import into another project, with the token the login stored: the knowledge graph
    // answers with it, and the private repository is cloned with it.
    let consumer = env.init_project("consumer");
    let uri = format!("{}/datasets/{id}", server.url);
    let imported = ok_logged_in(&env, &consumer, &["dataset", "import", &uri, "-y"]);
    assert_contains(&imported, "OK");
    assert_eq!(
        read_file(&consumer, "data/weather/obs.csv"),
        "ZRH,3\nGVA,1\nBSL,2\n"
    );
    let listed = env.ok(&consumer, &["dataset", "ls", "--format", "json"]);
    let listed: serde_json::Value = serde_json::from_str(&listed).unwrap();
    assert_eq!(listed[0]["slug"], "weather", "{listed}");
    assert_eq!(listed[0]["name"], "Weather observations", "{listed}");
    // The token was used for the clone only: it is nowhere in the cached clone's
    // configuration.
    let cache = consumer.join(".renku/cache/git");
    for entry in walk(&cache) {
        if entry.ends_with("config") {
            let text = std::fs::read_to_string(&entry).unwrap_or_default();
            assert!(!text.contains(&alice), "{}", entry.display());
            assert!(!text.contains("Bearer"), "{}", entry.display());
        }
    }

    // By slug through the project path as well.
    let by_slug = format!("{}/projects/alice/flights/datasets/weather", server.url);
    let again = env.init_project("consumer-2");
    ok_logged_in(
        &env,
        &again,
        &[
            "dataset",
            "import",
            &by_slug,
            "--name",
            "weather-again",
            "-y",
        ],
    );
    assert_eq!(env.dataset_paths(&again, "weather-again").len(), 1);

    // Cloning through the deployment with the stored token, set up as a login would: the
    // clone pushes through the credential helper, and logout restores the URL given.
    let url = server.repo_url("alice/flights");
    ok_logged_in(&env, &env.work(), &["clone", &url, "flights-copy"]);
    let copy = env.work().join("flights-copy");
    assert_eq!(
        read_file(&copy, "notes.md"),
        "Where the delays come from.\n"
    );
    assert_eq!(
        env.git(&copy, &["config", "--local", "credential.helper"])
            .trim(),
        format!("!renku credentials --hostname {}", server.host_key())
    );
    assert_eq!(env.git(&copy, &["remote", "get-url", "origin"]).trim(), url);
    assert_eq!(
        env.git(&copy, &["remote", "get-url", "renku-backup-origin"])
            .trim(),
        url
    );
    assert!(copy.join(".git/hooks/pre-commit").exists());
    let config = std::fs::read_to_string(copy.join(".git/config")).unwrap();
    assert!(
        !config.contains(&alice),
        "no token in the clone's configuration"
    );
    write_files(&copy, &[("more.md", "From the copy.\n")]);
    ok_logged_in(&env, &copy, &["save", "-m", "From the copy"]);
    let pushed = env.head(&copy);
    server.wait_indexed("alice/flights", Some(&alice), &pushed);

    // Someone who is not a member, or not logged in at all, cannot import it; their
    // project stays as it was.
    let outsider = TestEnv::new();
    let theirs = outsider.init_project("theirs");
    let before = snapshot(&outsider, &theirs);
    let out = outsider
        .renku_login_cmd(&theirs, &["dataset", "import", &uri, "-y"])
        .output()
        .unwrap();
    assert_ne!(code(&out), 0, "{}", stdout(&out));
    assert_contains(&stderr(&out), &id);
    assert_unchanged(&outsider, &theirs, &before, "anonymous import");

    login_approved(
        &outsider,
        &outsider.work(),
        &provider,
        &server.url,
        &[],
        "bob",
    );
    let out = outsider
        .renku_login_cmd(&theirs, &["dataset", "import", &uri, "-y"])
        .output()
        .unwrap();
    assert_ne!(code(&out), 0, "{}", stdout(&out));
    assert_unchanged(&outsider, &theirs, &before, "import by a non-member");
    // Nor clone it, logged in or not; no directory is left behind.
    for (who, runner) in [("bob", &outsider), ("anonymous", &TestEnv::new())] {
        let out = runner
            .renku_login_cmd(&runner.work(), &["clone", &url, "stolen"])
            .output()
            .unwrap();
        assert_eq!(code(&out), 1, "{who}: {}", stdout(&out));
        assert_contains(&stderr(&out), "Cannot clone");
        assert!(!runner.work().join("stolen").exists(), "{who}");
    }
}

/// Every file under `dir`.
fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn a_public_project_is_searchable_and_importable_without_logging_in() {
    let Some(provider) = OidcProvider::start() else {
        return;
    };
    let server = HostedServer::start(&provider);
    let carol = provider.token_for("carol");
    server.create_project(&carol, "open-weather", "public");

    let env = TestEnv::new();
    let root = weather_project(&env, "open-weather");
    env.git(
        &root,
        &[
            "remote",
            "add",
            "origin",
            &server.repo_url("carol/open-weather"),
        ],
    );
    login_approved(&env, &root, &provider, &server.url, &["-y"], "carol");
    ok_logged_in(&env, &root, &["save"]);
    // Nothing to commit: `save` pushed the existing commits.
    let head = env.head(&root);
    server.wait_indexed("carol/open-weather", None, &head);

    let anonymous = found(&server.get_json(
        "/knowledge-graph/entities?query=airports&type=dataset",
        None,
        200,
    ));
    assert_eq!(
        anonymous,
        vec![("dataset".to_string(), "Weather observations".to_string())]
    );
    let datasets = server.get_json(
        "/knowledge-graph/projects/carol/open-weather/datasets",
        None,
        200,
    );
    let id = datasets[0]["identifier"].as_str().unwrap().to_string();

    let reader = TestEnv::new();
    let theirs = reader.init_project("reader");
    let uri = format!("{}/datasets/{id}", server.url);
    reader.ok(&theirs, &["dataset", "import", &uri, "-y"]);
    assert_eq!(
        read_file(&theirs, "data/weather/obs.csv"),
        "ZRH,3\nGVA,1\nBSL,2\n"
    );
}
