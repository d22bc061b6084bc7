//! `/api/projects`: creation rules, visibility, members.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::TestServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creating_projects() {
    let server = TestServer::start().await;
    let alice = server.idp.token("alice");
    let created = server.create_project("alice", "first", "private").await;
    assert_eq!(created["namespace"], "alice");
    assert_eq!(created["path"], "alice/first");
    assert_eq!(created["visibility"], "private");
    assert_eq!(
        created["http_url_to_repo"],
        format!("{}/repos/alice/first.git", server.url)
    );
    assert_eq!(
        created["permissions"],
        json!({"read": true, "write": true, "admin": true})
    );
    assert!(
        server
            .data_dir
            .join("repositories/alice/first.git/HEAD")
            .is_file()
    );

    let cases = [
        (None, json!({"name": "x"}), 401),
        (Some(&alice), json!({"name": "first"}), 409),
        (Some(&alice), json!({"name": "../evil"}), 400),
        (Some(&alice), json!({"name": "x.git"}), 400),
        (
            Some(&alice),
            json!({"name": "ok", "visibility": "internal"}),
            400,
        ),
        (Some(&alice), json!({"name": "ok", "namespace": "bob"}), 403),
        (Some(&alice), json!({"name": "ok", "unexpected": 1}), 422),
    ];
    for (token, body, status) in cases {
        let response = server
            .send(Method::POST, "/api/projects", token.map(String::as_str))
            .json(&body)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status().as_u16(), status, "{body}");
    }
    let response = server
        .send(Method::POST, "/api/projects", Some(&alice))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 400);
    // Administrators may create projects in any namespace.
    let admin = server.idp.token("admin");
    let response = server
        .send(Method::POST, "/api/projects", Some(&admin))
        .json(&json!({"name": "shared", "namespace": "team", "visibility": "public"}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 201);
    // Nothing half-made by the refused requests.
    let listed: Value = server
        .get("/api/projects", Some(&admin))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let paths: Vec<&str> = listed
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|p| p["path"].as_str())
        .collect();
    assert_eq!(paths, vec!["alice/first", "team/shared"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn visibility_and_members() {
    let server = TestServer::start().await;
    server.create_project("alice", "secret", "private").await;
    server.create_project("alice", "open", "public").await;
    let alice = server.idp.token("alice");
    let bob = server.idp.token("bob");
    let admin = server.idp.token("admin");

    let status = |token: Option<String>, path: &'static str| {
        let request = server.get(path, token.as_deref());
        async move { request.send().await.expect("request").status().as_u16() }
    };
    assert_eq!(status(None, "/api/projects/alice/secret").await, 404);
    assert_eq!(
        status(Some(bob.clone()), "/api/projects/alice/secret").await,
        404
    );
    assert_eq!(
        status(Some(alice.clone()), "/api/projects/alice/secret").await,
        200
    );
    assert_eq!(
        status(Some(admin.clone()), "/api/projects/alice/secret").await,
        200
    );
    assert_eq!(status(None, "/api/projects/alice/open").await, 200);
    assert_eq!(status(None, "/api/projects/alice/missing").await, 404);

    let names = |token: Option<String>, query: &'static str| {
        let request = server.get(query, token.as_deref());
        async move {
            let response = request.send().await.expect("request");
            if !response.status().is_success() {
                return vec![format!("HTTP {}", response.status().as_u16())];
            }
            let body: Value = response.json().await.expect("json");
            body.as_array()
                .expect("array")
                .iter()
                .map(|p| p["path"].as_str().unwrap_or_default().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(names(None, "/api/projects").await, vec!["alice/open"]);
    assert_eq!(
        names(Some(bob.clone()), "/api/projects").await,
        vec!["alice/open"]
    );
    assert_eq!(
        names(Some(bob.clone()), "/api/projects?member=me").await,
        Vec::<String>::new()
    );
    assert_eq!(
        names(None, "/api/projects?member=me").await,
        vec!["HTTP 401"]
    );
    assert_eq!(
        names(Some(alice.clone()), "/api/projects?member=me").await,
        vec!["alice/secret", "alice/open"]
    );

    // bob has used the server (his token above), so he can be added by user name.
    let response = server
        .send(
            Method::PUT,
            "/api/projects/alice/secret/members",
            Some(&bob),
        )
        .json(&json!({"username": "bob", "role": "owner"}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 404, "a non-member cannot even see it");
    let response = server
        .send(
            Method::PUT,
            "/api/projects/alice/secret/members",
            Some(&alice),
        )
        .json(&json!({"username": "bob", "role": "reader"}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    assert_eq!(
        status(Some(bob.clone()), "/api/projects/alice/secret").await,
        200
    );
    let seen: Value = server
        .get("/api/projects/alice/secret", Some(&bob))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(
        seen["permissions"],
        json!({"read": true, "write": false, "admin": false})
    );
    // A reader cannot manage members or change the project.
    let response = server
        .send(
            Method::PUT,
            "/api/projects/alice/secret/members",
            Some(&bob),
        )
        .json(&json!({"username": "bob", "role": "owner"}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 403);
    let response = server
        .send(Method::PATCH, "/api/projects/alice/secret", Some(&bob))
        .json(&json!({"visibility": "public"}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 403);
    for (body, code) in [
        (json!({"username": "nobody-seen", "role": "reader"}), 404),
        (json!({"username": "bob", "role": "king"}), 400),
        (json!({"role": "reader"}), 400),
    ] {
        let response = server
            .send(
                Method::PUT,
                "/api/projects/alice/secret/members",
                Some(&alice),
            )
            .json(&body)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status().as_u16(), code, "{body}");
    }
    // The last owner stays.
    let response = server
        .send(
            Method::DELETE,
            "/api/projects/alice/secret/members/alice-id",
            Some(&alice),
        )
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 409);
    let response = server
        .send(
            Method::DELETE,
            "/api/projects/alice/secret/members/bob-id",
            Some(&alice),
        )
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 204);
    assert_eq!(
        status(Some(bob.clone()), "/api/projects/alice/secret").await,
        404
    );

    // Owners change visibility; deletion removes the repository.
    let response = server
        .send(Method::PATCH, "/api/projects/alice/secret", Some(&alice))
        .json(&json!({"visibility": "public", "description": "now open"}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    assert_eq!(status(None, "/api/projects/alice/secret").await, 200);
    let response = server
        .send(Method::DELETE, "/api/projects/alice/secret", Some(&admin))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 204);
    assert_eq!(
        status(Some(alice.clone()), "/api/projects/alice/secret").await,
        404
    );
    assert!(
        !server
            .data_dir
            .join("repositories/alice/secret.git")
            .exists()
    );
}
