//! Git smart HTTP and Git LFS against hosted repositories, driven by real `git`/`git-lfs`.

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{TestServer, have_git_lfs, run};

fn remote(server: &TestServer, token: Option<&str>, path: &str) -> String {
    let base = server.url.trim_start_matches("http://");
    match token {
        Some(token) => format!("http://oauth2:{token}@{base}/repos/{path}"),
        None => format!("http://{base}/repos/{path}"),
    }
}

fn make_repository(dir: &Path) {
    std::fs::create_dir_all(dir).expect("dir");
    assert!(run(dir, "git", &["init", "-q", "-b", "main"]).0);
    std::fs::write(dir.join("README.md"), "hello\n").expect("write");
    assert!(run(dir, "git", &["add", "README.md"]).0);
    assert!(run(dir, "git", &["commit", "-q", "-m", "first"]).0);
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.expect("blocking task")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_clone_and_who_may_do_which() {
    let server = TestServer::start().await;
    server
        .create_project("alice", "private-repo", "private")
        .await;
    server
        .create_project("alice", "public-repo", "public")
        .await;
    let alice = server.idp.token("alice");
    let bob = server.idp.token("bob");
    let work = tempfile::tempdir().expect("work");
    let source = work.path().join("source");
    make_repository(&source);

    for project in ["alice/private-repo.git", "alice/public-repo.git"] {
        let url = remote(&server, Some(&alice), project);
        let src = source.clone();
        let (ok, _, err) = blocking(move || run(&src, "git", &["push", "-q", &url, "main"])).await;
        assert!(ok, "owner push to {project}: {err}");
    }

    // Clones: owner yes; anonymous and bob only the public one.
    let cases = [
        (Some(alice.clone()), "alice/private-repo.git", true),
        (None, "alice/private-repo.git", false),
        (Some(bob.clone()), "alice/private-repo.git", false),
        (None, "alice/public-repo.git", true),
        (Some(bob.clone()), "alice/public-repo", true),
        (None, "alice/no-such-repo.git", false),
    ];
    for (i, (token, project, allowed)) in cases.into_iter().enumerate() {
        let url = remote(&server, token.as_deref(), project);
        let dest = work.path().join(format!("clone-{i}"));
        let dir = work.path().to_path_buf();
        let dest_text = dest.to_string_lossy().into_owned();
        let (ok, _, err) =
            blocking(move || run(&dir, "git", &["clone", "-q", &url, &dest_text])).await;
        assert_eq!(
            ok,
            allowed,
            "clone {project} as {:?}: {err}",
            token.is_some()
        );
        if allowed {
            assert_eq!(
                std::fs::read_to_string(dest.join("README.md")).expect("file"),
                "hello\n"
            );
        } else {
            assert!(!err.contains("hello"));
        }
    }

    // Pushes: bob cannot push to the public project; once a maintainer, he can.
    std::fs::write(source.join("more.txt"), "more\n").expect("write");
    assert!(run(&source, "git", &["add", "more.txt"]).0);
    assert!(run(&source, "git", &["commit", "-q", "-m", "more"]).0);
    let url = remote(&server, Some(&bob), "alice/public-repo.git");
    let src = source.clone();
    let (ok, _, err) = blocking(move || run(&src, "git", &["push", "-q", &url, "main"])).await;
    assert!(!ok, "reader push must fail");
    assert!(err.contains("403"), "{err}");
    let url = remote(&server, None, "alice/public-repo.git");
    let src = source.clone();
    let (ok, _, _) = blocking(move || run(&src, "git", &["push", "-q", &url, "main"])).await;
    assert!(!ok, "anonymous push must fail");

    let response = server
        .send(
            reqwest::Method::PUT,
            "/api/projects/alice/public-repo/members",
            Some(&alice),
        )
        .json(&json!({"user_id": "bob-id", "role": "maintainer"}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let url = remote(&server, Some(&bob), "alice/public-repo.git");
    let src = source.clone();
    let (ok, _, err) = blocking(move || run(&src, "git", &["push", "-q", &url, "main"])).await;
    assert!(ok, "maintainer push: {err}");

    // Every accepted push queued the new head for indexing.
    let (_, head, _) = run(&source, "git", &["rev-parse", "HEAD"]);
    let project = server
        .server
        .state
        .store
        .project("alice", "public-repo")
        .expect("store")
        .expect("project");
    let mut job = None;
    for _ in 0..50 {
        job = server
            .server
            .state
            .store
            .latest_index_job(project.id)
            .expect("store");
        if job.as_ref().is_some_and(|j| j.commit == head.trim()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(job.expect("a job").commit, head.trim());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_push_of_master_becomes_the_default_branch() {
    let server = TestServer::start().await;
    server.create_project("alice", "legacy", "public").await;
    let alice = server.idp.token("alice");
    let work = tempfile::tempdir().expect("work");
    let source = work.path().join("source");
    make_repository(&source);
    assert!(run(&source, "git", &["branch", "-m", "main", "master"]).0);
    let url = remote(&server, Some(&alice), "alice/legacy.git");
    let src = source.clone();
    let (ok, _, err) = blocking(move || run(&src, "git", &["push", "-q", &url, "master"])).await;
    assert!(ok, "{err}");
    let url = remote(&server, None, "alice/legacy.git");
    let dir = work.path().to_path_buf();
    let (ok, _, err) = blocking(move || run(&dir, "git", &["clone", "-q", &url, "copy"])).await;
    assert!(ok, "{err}");
    let (_, branch, _) = run(
        &work.path().join("copy"),
        "git",
        &["branch", "--show-current"],
    );
    assert_eq!(branch.trim(), "master");
    assert!(work.path().join("copy/README.md").is_file());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lfs_objects_go_up_and_come_back() {
    if !have_git_lfs() {
        eprintln!("skipped: git-lfs is not installed");
        return;
    }
    let server = TestServer::start().await;
    server.create_project("alice", "data", "private").await;
    let alice = server.idp.token("alice");
    let work = tempfile::tempdir().expect("work");
    let source = work.path().join("source");
    std::fs::create_dir_all(&source).expect("dir");
    assert!(run(&source, "git", &["init", "-q", "-b", "main"]).0);
    assert!(run(&source, "git", &["lfs", "install", "--local"]).0);
    assert!(run(&source, "git", &["lfs", "track", "*.bin"]).0);
    let content: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(source.join("big.bin"), &content).expect("write");
    assert!(run(&source, "git", &["add", ".gitattributes", "big.bin"]).0);
    assert!(run(&source, "git", &["commit", "-q", "-m", "data"]).0);
    let url = remote(&server, Some(&alice), "alice/data.git");
    let src = source.clone();
    let (ok, _, err) = blocking(move || run(&src, "git", &["push", "-q", &url, "main"])).await;
    assert!(ok, "push with LFS: {err}");
    let stored: Vec<_> = walk(&server.data_dir.join("lfs"));
    assert_eq!(stored.len(), 1, "one object stored: {stored:?}");

    let dest = work.path().join("copy");
    std::fs::create_dir_all(&dest).expect("dir");
    // `git lfs install` for the clone's HOME, so the smudge filter fetches the object.
    assert!(run(&dest, "git", &["lfs", "install"]).0);
    let url = remote(&server, Some(&alice), "alice/data.git");
    let d = dest.clone();
    let (ok, _, err) = blocking(move || run(&d, "git", &["clone", "-q", &url, "repo"])).await;
    assert!(ok, "clone with LFS: {err}");
    assert_eq!(
        std::fs::read(dest.join("repo/big.bin")).expect("file"),
        content
    );

    // The batch API directly: anonymous is asked for credentials, unknown objects are
    // reported per object, and a wrong upload is refused and leaves nothing behind.
    let batch = |token: Option<String>, body: Value| {
        let request = server
            .send(
                reqwest::Method::POST,
                "/repos/alice/data.git/info/lfs/objects/batch",
                token.as_deref(),
            )
            .header("accept", "application/vnd.git-lfs+json")
            .header("content-type", "application/vnd.git-lfs+json")
            .body(body.to_string());
        async move { request.send().await.expect("request") }
    };
    let oid_missing = "0".repeat(64);
    let response = batch(
        None,
        json!({"operation": "download", "objects": [{"oid": oid_missing, "size": 1}]}),
    )
    .await;
    assert_eq!(response.status(), 401);
    assert!(
        response.headers()["www-authenticate"]
            .to_str()
            .expect("text")
            .starts_with("Basic")
    );
    let response = batch(
        Some(alice.clone()),
        json!({"operation": "download", "objects": [{"oid": oid_missing, "size": 1}]}),
    )
    .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["objects"][0]["error"]["code"], 404);
    let response = batch(Some(alice.clone()), json!({"operation": "fly"})).await;
    assert_eq!(response.status(), 422);
    let bob = server.idp.token("bob");
    let response = batch(Some(bob), json!({"operation": "download", "objects": []})).await;
    assert_eq!(
        response.status(),
        404,
        "a non-member does not learn the project exists"
    );

    let fake_oid = "a".repeat(64);
    let response = server
        .send(
            reqwest::Method::PUT,
            &format!("/repos/alice/data.git/info/lfs/objects/{fake_oid}"),
            Some(&alice),
        )
        .body("not the content of that oid")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 422);
    assert_eq!(
        walk(&server.data_dir.join("lfs")).len(),
        1,
        "nothing left behind"
    );
    let response = server
        .get(
            "/repos/alice/data.git/info/lfs/objects/..%2F..%2Fsecret",
            Some(&alice),
        )
        .send()
        .await
        .expect("request");
    assert!(response.status().is_client_error());
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_to_a_new_project_in_ones_own_namespace_creates_it() {
    let server = TestServer::start().await;
    let alice = server.idp.token("alice");
    let bob = server.idp.token("bob");
    let admin = server.idp.token("admin");
    let work = tempfile::tempdir().expect("work");
    let source = work.path().join("source");
    make_repository(&source);
    let push = |token: Option<&str>, project: &str| {
        let url = remote(&server, token, project);
        let src = source.clone();
        blocking(move || run(&src, "git", &["push", "-q", &url, "main"]))
    };
    let exists = |token: &str, project: &str| {
        let request = server.get(&format!("/api/projects/{project}"), Some(token));
        async move { request.send().await.expect("request").status().as_u16() }
    };

    // Nobody but alice (and admins) creates projects in alice's namespace by pushing.
    let (ok, _, _) = push(None, "alice/by-anonymous.git").await;
    assert!(!ok);
    let (ok, _, _) = push(Some(&bob), "alice/by-bob.git").await;
    assert!(!ok);
    assert_eq!(exists(&admin, "alice/by-anonymous").await, 404);
    assert_eq!(exists(&admin, "alice/by-bob").await, 404);
    // A fetch does not create anything either.
    server
        .expect_status(
            reqwest::Method::GET,
            "/repos/alice/by-fetch.git/info/refs?service=git-upload-pack",
            Some(&alice),
            404,
        )
        .await;
    assert_eq!(exists(&admin, "alice/by-fetch").await, 404);

    // Alice's push creates a private project she owns, with her commits in it.
    let (ok, _, err) = push(Some(&alice), "alice/pushed.git").await;
    assert!(ok, "{err}");
    let project: Value = server
        .get("/api/projects/alice/pushed", Some(&alice))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(project["visibility"], "private", "{project}");
    assert_eq!(exists(&bob, "alice/pushed").await, 404);
    let members: Value = server
        .get("/api/projects/alice/pushed/members", Some(&alice))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(members[0]["role"], "owner", "{members}");
    let clone = work.path().join("clone");
    let url = remote(&server, Some(&alice), "alice/pushed.git");
    let dir = work.path().to_path_buf();
    let dest = clone.to_string_lossy().into_owned();
    let (ok, _, err) = blocking(move || run(&dir, "git", &["clone", "-q", &url, &dest])).await;
    assert!(ok, "{err}");
    assert_eq!(
        std::fs::read_to_string(clone.join("README.md")).expect("file"),
        "hello\n"
    );
    // An administrator may create one anywhere; invalid names are refused.
    let (ok, _, err) = push(Some(&admin), "bob/set-up-for-bob.git").await;
    assert!(ok, "{err}");
    assert_eq!(exists(&admin, "bob/set-up-for-bob").await, 200);
    let (ok, _, _) = push(Some(&alice), "alice/-bad-name-.git").await;
    assert!(!ok);
    assert_eq!(exists(&admin, "alice/-bad-name-").await, 404);
}
