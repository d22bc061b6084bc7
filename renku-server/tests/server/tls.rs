//! HTTPS serving and the `/auth/` forwarding to the identity provider (what renku-python
//! needs: it speaks HTTPS only and expects Keycloak under the platform's host).

use serde_json::Value;

use crate::support::{TestServer, make_tls, run, run_with_env};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_with_a_private_ca_and_auth_forwarding() {
    let server = TestServer::start_with(|config, idp, scratch| {
        config.tls = Some(make_tls(&scratch.join("tls")));
        let origin = idp
            .issuer
            .split("/auth/")
            .next()
            .expect("origin")
            .to_string();
        config.auth_proxy = Some(origin);
    })
    .await;
    assert!(
        server.url.starts_with("https://127.0.0.1:"),
        "{}",
        server.url
    );
    let health = server
        .get("/healthz", None)
        .send()
        .await
        .expect("https request");
    assert_eq!(health.status(), 200);

    // The identity provider's documents come through the server, unchanged.
    let response = server
        .get("/auth/realms/Renku/.well-known/openid-configuration", None)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200, "{:?}", response.headers());
    let discovery: Value = response.json().await.expect("json");
    assert_eq!(discovery["issuer"], server.idp.issuer);
    let missing = server
        .get("/auth/realms/Other/nothing", None)
        .send()
        .await
        .expect("request");
    assert_eq!(missing.status(), 404);

    // Project URLs use https, and git works over it with the CA given to git.
    let created = server.create_project("alice", "secure", "public").await;
    let clone_url = created["http_url_to_repo"]
        .as_str()
        .expect("url")
        .to_string();
    assert!(clone_url.starts_with("https://"), "{clone_url}");
    let work = tempfile::tempdir().expect("work");
    let source = work.path().join("source");
    std::fs::create_dir_all(&source).expect("dir");
    assert!(run(&source, "git", &["init", "-q", "-b", "main"]).0);
    std::fs::write(source.join("a.txt"), "a\n").expect("write");
    assert!(run(&source, "git", &["add", "a.txt"]).0);
    assert!(run(&source, "git", &["commit", "-q", "-m", "a"]).0);
    let token = server.idp.token("alice");
    let push_url = clone_url.replacen("https://", &format!("https://oauth2:{token}@"), 1);
    let ca = server
        .data_dir
        .parent()
        .expect("scratch")
        .join("tls/ca.pem");
    let ca_text = ca.to_string_lossy().into_owned();
    let src = source.clone();
    let (ok, _, err) = tokio::task::spawn_blocking(move || {
        run_with_env(
            &src,
            "git",
            &["push", "-q", &push_url, "main"],
            &[("GIT_SSL_CAINFO", &ca_text)],
        )
    })
    .await
    .expect("task");
    assert!(ok, "push over https: {err}");
    let dir = work.path().to_path_buf();
    let (ok, _, err) = tokio::task::spawn_blocking(move || {
        run(
            &dir,
            "git",
            &[
                "-c",
                "http.sslVerify=true",
                "clone",
                "-q",
                &clone_url,
                "copy",
            ],
        )
    })
    .await
    .expect("task");
    assert!(!ok, "a clone without the CA must fail");
    assert!(err.to_lowercase().contains("certificate"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_forwarding_auth_paths_are_not_found() {
    let server = TestServer::start().await;
    server
        .expect_status(
            reqwest::Method::GET,
            "/auth/realms/Renku/.well-known/openid-configuration",
            None,
            404,
        )
        .await;
}
