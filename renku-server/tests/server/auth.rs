//! Token validation: what is accepted, and every way a token is refused with 401.

use base64::Engine;
use serde_json::{Value, json};

use crate::support::{TestKey, TestServer};

async fn user_status(server: &TestServer, token: &str) -> u16 {
    server
        .get("/api/data/user", Some(token))
        .send()
        .await
        .expect("request")
        .status()
        .as_u16()
}

fn b64(value: &Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_valid_token_names_the_user_and_admins_come_from_the_role_claim() {
    let server = TestServer::start().await;
    let response = server
        .get("/api/data/user", Some(&server.idp.token("alice")))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["id"], "alice-id");
    assert_eq!(body["username"], "alice");
    assert_eq!(body["email"], "alice@example.org");
    assert_eq!(body["first_name"], "alice");
    assert_eq!(body["last_name"], "Tester");
    assert_eq!(body["is_admin"], false);

    let body: Value = server
        .get("/api/data/user", Some(&server.idp.token("admin")))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(body["is_admin"], true);

    // Anonymous callers have no profile.
    let response = server
        .get("/api/data/user", None)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.expect("json");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );

    // HTTP Basic with the token as the password (how git sends it).
    let response = server
        .http
        .get(format!("{}/api/data/user", server.url))
        .basic_auth("oauth2", Some(server.idp.token("bob")))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["username"], "bob");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_tokens_are_refused_with_401() {
    let server = TestServer::start().await;
    let idp = &server.idp;
    let now = chrono::Utc::now().timestamp();

    let mut expired = idp.claims("alice");
    expired["exp"] = json!(now - 3600);
    let mut not_yet = idp.claims("alice");
    not_yet["nbf"] = json!(now + 3600);
    let mut wrong_audience = idp.claims("alice");
    wrong_audience["aud"] = json!(["someone-else"]);
    let mut wrong_issuer = idp.claims("alice");
    wrong_issuer["iss"] = json!("http://127.0.0.1:1/auth/realms/Other");
    let mut no_exp = idp.claims("alice");
    no_exp.as_object_mut().expect("object").remove("exp");
    let mut no_sub = idp.claims("alice");
    no_sub.as_object_mut().expect("object").remove("sub");

    let other_key = TestKey::load("test-key-2.pem", "key-1");
    let valid = idp.token("alice");
    let (header, rest) = valid.split_once('.').expect("jwt");
    let (payload, _) = rest.split_once('.').expect("jwt");

    let alg_none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT", "kid": "key-1"})),
        payload
    );
    // HS256 "signed" with the public key: the classic algorithm-confusion forgery.
    let hs256 = {
        let n = match &idp.key.jwk.algorithm {
            jsonwebtoken::jwk::AlgorithmParameters::RSA(rsa) => rsa.n.clone(),
            _ => unreachable!("rsa key"),
        };
        let mut h = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
        h.kid = Some("key-1".into());
        jsonwebtoken::encode(
            &h,
            &idp.claims("alice"),
            &jsonwebtoken::EncodingKey::from_secret(n.as_bytes()).expect("hmac key"),
        )
        .expect("sign")
    };
    let mut tampered_claims = idp.claims("alice");
    tampered_claims["sub"] = json!("admin-id");
    let tampered = format!(
        "{header}.{}.{}",
        b64(&tampered_claims),
        valid.rsplit('.').next().expect("sig")
    );
    let mut unknown_kid_key = other_key.clone();
    unknown_kid_key.kid = "key-unknown".into();

    let cases: Vec<(&str, String)> = vec![
        ("expired", idp.sign(&expired, &idp.key)),
        ("not yet valid", idp.sign(&not_yet, &idp.key)),
        ("wrong audience", idp.sign(&wrong_audience, &idp.key)),
        ("wrong issuer", idp.sign(&wrong_issuer, &idp.key)),
        ("no exp", idp.sign(&no_exp, &idp.key)),
        ("no sub", idp.sign(&no_sub, &idp.key)),
        ("bad signature", idp.sign(&idp.claims("alice"), &other_key)),
        (
            "unknown key",
            idp.sign(&idp.claims("alice"), &unknown_kid_key),
        ),
        ("alg none", alg_none),
        ("hs256 with the public key", hs256),
        ("tampered payload", tampered),
        ("not a jwt", "garbage".to_string()),
        ("empty segments", "..".to_string()),
    ];
    for (what, token) in cases {
        assert_eq!(
            user_status(&server, &token).await,
            401,
            "{what} must be refused"
        );
        // Also on the git route, where a refused token must not fall back to anonymous.
        let status = server
            .get(
                "/repos/alice/anything.git/info/refs?service=git-upload-pack",
                Some(&token),
            )
            .send()
            .await
            .expect("request")
            .status();
        assert_eq!(status, 401, "{what} on git");
    }
    let response = server
        .get("/api/data/user", None)
        .header("Authorization", "Digest abc")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 401);
    assert!(response.headers().contains_key("www-authenticate"));
    assert_eq!(user_status(&server, &idp.token("alice")).await, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotated_keys_are_fetched_when_a_token_names_an_unknown_key() {
    let server = TestServer::start().await;
    let idp = &server.idp;
    assert_eq!(user_status(&server, &idp.token("alice")).await, 200);
    let fetched = idp.jwks_requests();
    // Known key: served from the cache.
    assert_eq!(user_status(&server, &idp.token("alice")).await, 200);
    assert_eq!(idp.jwks_requests(), fetched);

    let new_key = TestKey::load("test-key-2.pem", "key-2");
    idp.publish(vec![idp.key.jwk.clone(), new_key.jwk.clone()]);
    let token = idp.sign(&idp.claims("bob"), &new_key);
    assert_eq!(
        user_status(&server, &token).await,
        200,
        "new key fetched on demand"
    );
    assert_eq!(idp.jwks_requests(), fetched + 1);

    // A token naming a key the provider does not have: refused, and the provider is not
    // asked again for every such token.
    let mut bogus = new_key.clone();
    bogus.kid = "key-3".into();
    let forged = idp.sign(&idp.claims("bob"), &bogus);
    for _ in 0..5 {
        assert_eq!(user_status(&server, &forged).await, 401);
    }
    assert!(
        idp.jwks_requests() <= fetched + 2,
        "refetches are rate limited"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remembered_token_is_refused_once_it_expires() {
    let server = TestServer::start_with(|config, _, _| {
        if let Some(oidc) = config.oidc.as_mut() {
            oidc.leeway_seconds = 0;
        }
    })
    .await;
    let idp = &server.idp;
    let mut claims = idp.claims("alice");
    let exp = chrono::Utc::now().timestamp() + 2;
    claims["exp"] = json!(exp);
    let token = idp.sign(&claims, &idp.key);
    assert_eq!(user_status(&server, &token).await, 200);
    assert_eq!(user_status(&server, &token).await, 200, "remembered");
    while chrono::Utc::now().timestamp() <= exp {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(user_status(&server, &token).await, 401, "expired");
    // A fresh token of the same user still works.
    assert_eq!(user_status(&server, &idp.token("alice")).await, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_health_metrics_and_version() {
    let server = TestServer::start().await;
    let config: Value = server
        .get("/api/auth/config", None)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(config["issuer"], server.idp.issuer);
    assert_eq!(config["client_id"], "renku-cli");
    assert!(
        config["device_authorization_endpoint"]
            .as_str()
            .is_some_and(|u| u.ends_with("/protocol/openid-connect/auth/device"))
    );
    assert!(
        config["token_endpoint"]
            .as_str()
            .is_some_and(|u| u.ends_with("/token"))
    );

    let health = server.get("/healthz", None).send().await.expect("request");
    assert_eq!(health.status(), 200);
    let version: Value = server
        .get("/api/data/version", None)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert!(version["version"].is_string());

    let metrics = server
        .expect_status(reqwest::Method::GET, "/metrics", None, 200)
        .await;
    assert!(
        metrics.contains("renku_server_http_requests_total"),
        "{metrics}"
    );
    assert!(metrics.contains("route=\"/healthz\""), "{metrics}");
    assert!(metrics.contains("renku_server_http_request_duration_seconds_bucket"));
    assert!(metrics.trim_end().ends_with("# EOF"));

    let openapi: Value = server
        .get("/api/openapi.json", None)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert!(openapi["paths"]["/api/projects"]["post"].is_object());
}

/// The user row as the database holds it: (email, last_seen).
fn user_row(server: &TestServer, id: &str) -> Option<(Option<String>, String)> {
    let db = rusqlite::Connection::open(server.data_dir.join("renku-server.sqlite")).expect("db");
    db.query_row(
        "SELECT email, last_seen FROM users WHERE id = ?1",
        [id],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )
    .ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_is_written_once_and_again_only_when_the_token_says_something_new() {
    let server = TestServer::start().await;
    let token = server.idp.token("carol");
    assert_eq!(user_status(&server, &token).await, 200);
    let (email, first_seen) = user_row(&server, "carol-id").expect("carol is recorded");
    assert_eq!(email.as_deref(), Some("carol@example.org"));

    // More requests with the same claims write nothing (the row keeps its time).
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    for _ in 0..3 {
        assert_eq!(user_status(&server, &token).await, 200);
        server
            .expect_status(
                reqwest::Method::GET,
                "/knowledge-graph/entities?query=x",
                Some(&token),
                200,
            )
            .await;
    }
    assert_eq!(
        user_row(&server, "carol-id"),
        Some((Some("carol@example.org".to_string()), first_seen.clone()))
    );

    // A changed email is written at once.
    let mut claims = server.idp.claims("carol");
    claims["email"] = json!("carol@new.example.org");
    let changed = server.idp.sign(&claims, &server.idp.key);
    assert_eq!(user_status(&server, &changed).await, 200);
    let (email, seen) = user_row(&server, "carol-id").expect("carol is recorded");
    assert_eq!(email.as_deref(), Some("carol@new.example.org"));
    assert_ne!(seen, first_seen);
}
