//! Who may see and do what on our `renku-server`, with tokens of the real OIDC test
//! provider: anonymous, alice (owner), bob (no membership) and an administrator × a public
//! and a private project × every endpoint — the project API, the knowledge graph, search,
//! SPARQL, git smart HTTP and Git LFS. Every cell is asserted, and no name, dataset or
//! triple of the private project reaches anybody who may not read it. Then tokens that
//! must be refused (bad signature, expired, wrong audience or issuer, `alg: none`, a changed
//! payload) get 401 everywhere, never anonymous access.

use std::path::Path;

use serde_json::{Value, json};

use crate::common::*;
use crate::hosted::{HostedOptions, HostedServer};
use crate::oidc::{OidcProvider, jwt_parts};

/// The callers of the matrix, in the order of every expectation row.
const CALLERS: [&str; 4] = ["anonymous", "alice", "bob", "admin"];

/// A word that occurs only in the private project's metadata.
const SECRET_WORD: &str = "clandestine";
/// A word that occurs only in the public project's metadata.
const OPEN_WORD: &str = "opalescent";

/// A renku project `name` with dataset `slug` (described with `word`) and a run, pushed to
/// `alice/name` on the server with alice's token; returns its head commit.
fn push_project(
    env: &TestEnv,
    server: &HostedServer,
    token: &str,
    name: &str,
    slug: &str,
    word: &str,
) -> String {
    let root = env.init_project(name);
    let source = env.work().join(format!("{name}.csv"));
    std::fs::write(&source, format!("{word},1\n")).unwrap();
    let description = format!("Readings of the {word} sensor");
    env.ok(
        &root,
        &["dataset", "create", slug, "-d", &description, "-k", word],
    );
    env.ok(
        &root,
        &["dataset", "add", "--copy", slug, source.to_str().unwrap()],
    );
    let input = format!("data/{slug}/{name}.csv");
    env.ok(&root, &["run", "sort", &input, "-o", "sorted.csv"]);
    push_with_token(
        env,
        &root,
        &server.repo_url(&format!("alice/{name}")),
        token,
    );
    env.head(&root)
}

/// `git push URL HEAD:refs/heads/master` with `token` as bearer token.
fn push_with_token(env: &TestEnv, root: &Path, url: &str, token: &str) {
    let header = format!("http.extraHeader=Authorization: Bearer {token}");
    env.git(
        root,
        &["-c", &header, "push", "-q", url, "HEAD:refs/heads/master"],
    );
}

/// One request of the matrix: what it is, and the status each caller must get for the
/// public and for the private project.
struct Cell {
    what: &'static str,
    method: &'static str,
    /// `{p}` is replaced by the project's name, `{id}` by its dataset's identifier.
    path: &'static str,
    body: Option<Value>,
    /// A raw body instead (LFS object uploads).
    raw: Option<Vec<u8>>,
    /// Git and LFS requests authenticate with HTTP Basic (the token as password), as git
    /// does; the rest with a bearer token.
    basic: bool,
    public: [u16; 4],
    private: [u16; 4],
}

fn cell(
    what: &'static str,
    method: &'static str,
    path: &'static str,
    public: [u16; 4],
    private: [u16; 4],
) -> Cell {
    Cell {
        what,
        method,
        path,
        body: None,
        raw: None,
        basic: false,
        public,
        private,
    }
}

/// Readable by everybody when public; by the owner and admins only when private, the rest
/// being told it does not exist.
const READ: ([u16; 4], [u16; 4]) = ([200, 200, 200, 200], [404, 200, 404, 200]);
/// Owner and admins only; anonymous callers are asked to log in where the project is
/// visible to them.
const OWNER: ([u16; 4], [u16; 4]) = ([401, 200, 403, 200], [404, 200, 404, 200]);

/// Sends one request as `caller` (`None` = anonymous): (status, body).
fn send(
    server: &HostedServer,
    token: Option<&str>,
    method: &str,
    path: &str,
    cell: &Cell,
) -> (u16, String) {
    let client = reqwest::blocking::Client::new();
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = client.request(method, server.at(path));
    if let Some(t) = token {
        request = if cell.basic {
            request.basic_auth("renku", Some(t))
        } else {
            request.bearer_auth(t)
        };
    }
    if let Some(b) = &cell.body {
        let content_type = if cell.basic {
            "application/vnd.git-lfs+json"
        } else {
            "application/json"
        };
        request = request
            .header("Content-Type", content_type)
            .header("Accept", content_type)
            .body(b.to_string());
    }
    if let Some(bytes) = &cell.raw {
        request = request
            .header("Content-Type", "application/octet-stream")
            .body(bytes.clone());
    }
    let response = request.send().unwrap();
    let status = response.status().as_u16();
    (status, response.text().unwrap_or_default())
}

/// The SHA-256 and size of the LFS object the matrix uploads.
fn lfs_object() -> (String, usize, &'static [u8]) {
    let data: &'static [u8] = b"large binary readings\n";
    (sha256_hex(data), data.len(), data)
}

#[test]
fn every_endpoint_answers_every_caller_as_its_access_allows() {
    let Some(provider) = OidcProvider::start() else {
        return;
    };
    let server = HostedServer::start(&provider);
    let alice = provider.token_for("alice");
    let bob = provider.token_for("bob");
    let admin = provider.token_for("admin");
    let carol = provider.token_for("carol");
    let tokens: [Option<&str>; 4] = [None, Some(&alice), Some(&bob), Some(&admin)];
    // Carol is known to the server (members are added by user name).
    server.get_json("/api/data/user", Some(&carol), 200);
    let carol_id = jwt_parts(&carol).1["sub"].as_str().unwrap().to_string();

    server.create_project(&alice, "open", "public");
    server.create_project(&alice, "secret", "private");
    let env = TestEnv::new();
    let open_head = push_project(&env, &server, &alice, "open", "open-data", OPEN_WORD);
    let secret_head = push_project(&env, &server, &alice, "secret", "secret-data", SECRET_WORD);
    server.wait_indexed("alice/open", Some(&alice), &open_head);
    server.wait_indexed("alice/secret", Some(&alice), &secret_head);
    let dataset_id = |project: &str| -> String {
        let list = server.get_json(
            &format!("/knowledge-graph/projects/alice/{project}/datasets"),
            Some(&alice),
            200,
        );
        list[0]["identifier"].as_str().unwrap().to_string()
    };
    let ids = [
        ("open", dataset_id("open")),
        ("secret", dataset_id("secret")),
    ];
    let (oid, size, data) = lfs_object();
    // The object is in both projects' LFS stores (uploaded by the owner).
    for project in ["open", "secret"] {
        let response = reqwest::blocking::Client::new()
            .put(server.at(&format!(
                "/repos/alice/{project}.git/info/lfs/objects/{oid}"
            )))
            .basic_auth("renku", Some(&alice))
            .header("Content-Type", "application/octet-stream")
            .body(data.to_vec())
            .send()
            .unwrap();
        assert!(response.status().is_success(), "{}", response.status());
    }

    let batch = |operation: &str| {
        json!({
            "operation": operation,
            "transfers": ["basic"],
            "objects": [{"oid": oid, "size": size}],
        })
    };
    let git = |mut c: Cell| {
        c.basic = true;
        c
    };
    let with_body = |mut c: Cell, body: Value| {
        c.body = Some(body);
        c
    };
    let (pr, vr) = READ;
    let (po, vo) = OWNER;
    let cells = vec![
        cell("project", "GET", "/api/projects/alice/{p}", pr, vr),
        cell("members", "GET", "/api/projects/alice/{p}/members", pr, vr),
        with_body(
            cell(
                "change description",
                "PATCH",
                "/api/projects/alice/{p}",
                po,
                vo,
            ),
            json!({"description": "Still being collected"}),
        ),
        with_body(
            cell(
                "add member",
                "PUT",
                "/api/projects/alice/{p}/members",
                po,
                vo,
            ),
            json!({"username": "carol", "role": "reader"}),
        ),
        cell(
            "remove member",
            "DELETE",
            "/api/projects/alice/{p}/members/{carol}",
            [401, 204, 403, 204],
            [404, 204, 404, 204],
        ),
        cell(
            "index status",
            "GET",
            "/api/projects/alice/{p}/graph/status",
            pr,
            vr,
        ),
        cell(
            "re-index",
            "POST",
            "/api/projects/alice/{p}/graph/reindex",
            [401, 202, 403, 202],
            [404, 202, 404, 202],
        ),
        cell(
            "kg project",
            "GET",
            "/knowledge-graph/projects/alice/{p}",
            pr,
            vr,
        ),
        cell(
            "kg project (gateway)",
            "GET",
            "/api/kg/projects/alice/{p}",
            pr,
            vr,
        ),
        cell(
            "kg datasets",
            "GET",
            "/knowledge-graph/projects/alice/{p}/datasets",
            pr,
            vr,
        ),
        cell(
            "kg datasets (gateway)",
            "GET",
            "/api/kg/projects/alice/{p}/datasets",
            pr,
            vr,
        ),
        cell(
            "kg dataset tags",
            "GET",
            "/knowledge-graph/projects/alice/{p}/datasets/{p}-data/tags",
            pr,
            vr,
        ),
        cell(
            "kg lineage",
            "GET",
            "/knowledge-graph/projects/alice/{p}/files/sorted.csv/lineage",
            pr,
            vr,
        ),
        cell(
            "kg dataset",
            "GET",
            "/knowledge-graph/datasets/{id}",
            pr,
            vr,
        ),
        cell(
            "kg dataset (gateway)",
            "GET",
            "/api/kg/datasets/{id}",
            pr,
            vr,
        ),
        git(cell(
            "git fetch refs",
            "GET",
            "/repos/alice/{p}.git/info/refs?service=git-upload-pack",
            [200, 200, 200, 200],
            [401, 200, 404, 200],
        )),
        git(cell(
            "git push refs",
            "GET",
            "/repos/alice/{p}.git/info/refs?service=git-receive-pack",
            [401, 200, 403, 200],
            [401, 200, 404, 200],
        )),
        git(with_body(
            cell(
                "lfs batch download",
                "POST",
                "/repos/alice/{p}.git/info/lfs/objects/batch",
                [200, 200, 200, 200],
                [401, 200, 404, 200],
            ),
            batch("download"),
        )),
        git(with_body(
            cell(
                "lfs batch upload",
                "POST",
                "/repos/alice/{p}.git/info/lfs/objects/batch",
                [401, 200, 403, 200],
                [401, 200, 404, 200],
            ),
            batch("upload"),
        )),
        git(cell(
            "lfs object download",
            "GET",
            "/repos/alice/{p}.git/info/lfs/objects/{oid}",
            [200, 200, 200, 200],
            [401, 200, 404, 200],
        )),
        git(Cell {
            raw: Some(data.to_vec()),
            ..cell(
                "lfs object upload",
                "PUT",
                "/repos/alice/{p}.git/info/lfs/objects/{oid}",
                [401, 200, 403, 200],
                [401, 200, 404, 200],
            )
        }),
        git(cell(
            "lfs locks verify",
            "POST",
            "/repos/alice/{p}.git/info/lfs/locks/verify",
            [401, 200, 403, 200],
            [401, 200, 404, 200],
        )),
    ];

    let mut wrong = Vec::new();
    for cell in &cells {
        for (project, expected) in [("open", cell.public), ("secret", cell.private)] {
            let id = &ids.iter().find(|(p, _)| *p == project).unwrap().1;
            let path = cell
                .path
                .replace("{p}", project)
                .replace("{id}", id)
                .replace("{oid}", &oid)
                .replace("{carol}", &carol_id);
            for (i, caller) in CALLERS.iter().enumerate() {
                let (status, body) = send(&server, tokens[i], cell.method, &path, cell);
                if status != expected[i] {
                    wrong.push(format!(
                        "{} {project} as {caller}: {status}, expected {} ({} {path}): {}",
                        cell.what,
                        expected[i],
                        cell.method,
                        body.chars().take(200).collect::<String>()
                    ));
                }
                // Whatever was refused tells nothing about the private project.
                if status >= 400 && project == "secret" {
                    for leak in [SECRET_WORD] {
                        if body.contains(leak) {
                            wrong.push(format!(
                                "{} as {caller}: the refusal names '{leak}': {body}",
                                cell.what
                            ));
                        }
                    }
                }
                // The member a successful "add member" made is removed again by the
                // next row, so every caller meets the same state.
                if cell.what == "add member" && status == 200 {
                    let (s, _) = server.call(
                        "DELETE",
                        &format!("/api/projects/alice/{project}/members/{carol_id}"),
                        Some(&alice),
                        None,
                    );
                    assert_eq!(s, 204);
                }
                if cell.what == "remove member" && i + 1 < CALLERS.len() {
                    // Put carol back for the next caller's attempt.
                    let body = json!({"username": "carol", "role": "reader"});
                    let (s, _) = server.call(
                        "PUT",
                        &format!("/api/projects/alice/{project}/members"),
                        Some(&alice),
                        Some(&body),
                    );
                    assert_eq!(s, 200);
                }
            }
        }
        if cell.what == "add member" {
            // Before the "remove member" row, carol is a member of both.
            for project in ["open", "secret"] {
                let body = json!({"username": "carol", "role": "reader"});
                server.call(
                    "PUT",
                    &format!("/api/projects/alice/{project}/members"),
                    Some(&alice),
                    Some(&body),
                );
            }
        }
    }

    // Listings, search and SPARQL answer 200 to everybody; what they contain differs.
    let sees_secret = [false, true, false, true];
    let sparql = format!(
        "SELECT ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o FILTER(CONTAINS(STR(?o), \"{SECRET_WORD}\")) }} }}"
    );
    let sparql_default =
        format!("SELECT ?o WHERE {{ ?s ?p ?o FILTER(CONTAINS(STR(?o), \"{SECRET_WORD}\")) }}");
    for (i, caller) in CALLERS.iter().enumerate() {
        let token = tokens[i];
        let listed = if token.is_some() {
            server.get_json("/api/projects", token, 200)
        } else {
            server.get_json("/api/projects", None, 200)
        };
        let names: Vec<&str> = listed
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p["name"].as_str())
            .collect();
        check(
            &mut wrong,
            caller,
            "project list",
            names.contains(&"open"),
            true,
        );
        check(
            &mut wrong,
            caller,
            "project list",
            names.contains(&"secret"),
            sees_secret[i],
        );
        for (query, expected) in [(SECRET_WORD, sees_secret[i]), (OPEN_WORD, true)] {
            for path in ["/knowledge-graph/entities", "/api/kg/entities"] {
                let found = server.get_json(&format!("{path}?query={query}"), token, 200);
                let text = found.to_string();
                check(
                    &mut wrong,
                    caller,
                    &format!("{path} for {query}"),
                    found.as_array().is_some_and(|a| !a.is_empty()),
                    expected,
                );
                if !sees_secret[i] {
                    check(&mut wrong, caller, path, text.contains("secret"), false);
                }
            }
        }
        for query in [&sparql, &sparql_default] {
            let mut request = reqwest::blocking::Client::new()
                .post(server.at("/sparql"))
                .header("Content-Type", "application/sparql-query")
                .header("Accept", "application/sparql-results+json")
                .body(query.clone());
            if let Some(t) = token {
                request = request.bearer_auth(t);
            }
            let response = request.send().unwrap();
            assert_eq!(response.status(), 200, "sparql as {caller}");
            let answer: Value = response.json().unwrap();
            let rows = answer["results"]["bindings"].as_array().unwrap().len();
            check(&mut wrong, caller, "sparql", rows > 0, sees_secret[i]);
        }
        // The protocol's dataset parameters naming the private graph select it only for
        // those who may read it.
        let mut request = reqwest::blocking::Client::new()
            .get(server.at("/sparql"))
            .query(&[
                ("query", sparql_default.as_str()),
                ("default-graph-uri", &server.at("/projects/alice/secret")),
            ])
            .header("Accept", "application/sparql-results+json");
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        let answer: Value = request.send().unwrap().json().unwrap();
        let rows = answer["results"]["bindings"].as_array().map_or(0, Vec::len);
        check(
            &mut wrong,
            caller,
            "sparql default-graph-uri",
            rows > 0,
            sees_secret[i],
        );
        // The caller's own profile.
        let expected = if token.is_some() { 200 } else { 401 };
        let (status, _) = server.call("GET", "/api/data/user", token, None);
        check(
            &mut wrong,
            caller,
            "/api/data/user",
            status == expected,
            true,
        );
        // Only-mine listing needs a login.
        let expected = if token.is_some() { 200 } else { 401 };
        let (status, mine) = server.call("GET", "/api/projects?member=me", token, None);
        check(&mut wrong, caller, "?member=me", status == expected, true);
        if *caller == "bob" {
            assert_eq!(mine, json!([]), "bob is a member of nothing");
        }
    }

    // Deleting: nobody but the owner and admins; anonymous and bob change nothing.
    for (visibility, anonymous, bob_status) in [("public", 401, 403), ("private", 404, 404)] {
        let path = format!("/api/projects/alice/doomed-{visibility}");
        server.create_project(&alice, &format!("doomed-{visibility}"), visibility);
        for (who, token, expected) in [
            ("anonymous", None, anonymous),
            ("bob", Some(bob.as_str()), bob_status),
            ("alice", Some(alice.as_str()), 204),
        ] {
            let (status, _) = server.call("DELETE", &path, token, None);
            check(
                &mut wrong,
                who,
                &format!("delete {visibility}"),
                status == expected,
                true,
            );
        }
        server.get_json(&path, Some(&alice), 404);
        server.create_project(&alice, &format!("doomed-{visibility}"), visibility);
        let (status, _) = server.call("DELETE", &path, Some(&admin), None);
        check(
            &mut wrong,
            "admin",
            &format!("delete {visibility}"),
            status == 204,
            true,
        );
    }

    // Git itself, not only its discovery requests: bob can clone the public project and
    // push to neither; anonymous clones only the public one.
    let clone_as = |token: Option<&str>, project: &str, dest: &str| -> bool {
        let mut cmd = std::process::Command::new("git");
        if let Some(t) = token {
            cmd.args(["-c", &format!("http.extraHeader=Authorization: Bearer {t}")]);
        }
        cmd.args(["clone", "-q", &server.repo_url(project)])
            .arg(env.work().join(dest))
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("HOME", env.home())
            .env("GIT_CONFIG_GLOBAL", env.home().join(".gitconfig"))
            .env("GIT_LFS_SKIP_SMUDGE", "1")
            .output()
            .unwrap()
            .status
            .success()
    };
    check(
        &mut wrong,
        "anonymous",
        "clone open",
        clone_as(None, "alice/open", "a-open"),
        true,
    );
    check(
        &mut wrong,
        "anonymous",
        "clone secret",
        clone_as(None, "alice/secret", "a-secret"),
        false,
    );
    check(
        &mut wrong,
        "bob",
        "clone open",
        clone_as(Some(&bob), "alice/open", "b-open"),
        true,
    );
    check(
        &mut wrong,
        "bob",
        "clone secret",
        clone_as(Some(&bob), "alice/secret", "b-secret"),
        false,
    );
    check(
        &mut wrong,
        "admin",
        "clone secret",
        clone_as(Some(&admin), "alice/secret", "x-secret"),
        true,
    );
    let bobs = env.work().join("b-open");
    write_files(&bobs, &[("bob.txt", "hello\n")]);
    env.git(&bobs, &["add", "bob.txt"]);
    env.git(&bobs, &["commit", "-qm", "bob was here"]);
    let header = format!("http.extraHeader=Authorization: Bearer {bob}");
    let pushed = std::process::Command::new("git")
        .current_dir(&bobs)
        .args([
            "-c",
            &header,
            "push",
            "-q",
            "origin",
            "HEAD:refs/heads/master",
        ])
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("HOME", env.home())
        .env("GIT_CONFIG_GLOBAL", env.home().join(".gitconfig"))
        .output()
        .unwrap();
    check(
        &mut wrong,
        "bob",
        "push open",
        pushed.status.success(),
        false,
    );

    assert!(
        wrong.is_empty(),
        "{} wrong cells:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// Records a mismatch of a yes/no expectation.
fn check(wrong: &mut Vec<String>, caller: &str, what: &str, actual: bool, expected: bool) {
    if actual != expected {
        wrong.push(format!("{what} as {caller}: {actual}, expected {expected}"));
    }
}

/// Changes one character of the JWT part `index` (0 header, 1 payload, 2 signature).
fn tamper(token: &str, index: usize) -> String {
    let mut parts: Vec<String> = token.split('.').map(str::to_string).collect();
    let part = &mut parts[index];
    let mid = part.len() / 2;
    let c = part.as_bytes()[mid];
    let replacement = if c == b'A' { 'B' } else { 'A' };
    part.replace_range(mid..mid + 1, &replacement.to_string());
    parts.join(".")
}

/// Unpadded base64url (RFC 4648 §5).
fn base64_url(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

#[test]
fn tokens_that_must_be_refused_get_401_on_every_kind_of_endpoint() {
    let Some(provider) = OidcProvider::start() else {
        return;
    };
    // Another provider (another issuer, other keys), and one whose tokens live a second.
    let Some(stranger) = OidcProvider::start() else {
        return;
    };
    let Some(short_lived) = OidcProvider::start_with(&["--access-token-ttl", "1"]) else {
        return;
    };
    let server = HostedServer::start(&provider);
    let strict = HostedServer::start_with(
        &short_lived,
        HostedOptions {
            leeway_seconds: Some(0),
            ..HostedOptions::default()
        },
    );
    let picky = HostedServer::start_with(
        &provider,
        HostedOptions {
            audiences: Some(vec!["another-service".into()]),
            ..HostedOptions::default()
        },
    );
    let fresh = provider.token_for("alice");
    // A valid token works, so the refusals below are about the token.
    server.get_json("/api/data/user", Some(&fresh), 200);
    server.create_project(&fresh, "open", "public");

    let (header, payload) = jwt_parts(&fresh);
    assert_eq!(header["alg"], "RS256");
    let unsigned = format!(
        "{}.{}.",
        base64_url(br#"{"alg":"none","typ":"JWT"}"#),
        fresh.split('.').nth(1).unwrap()
    );
    let mut admin_claims = payload.clone();
    admin_claims["realm_access"]["roles"] = json!(["renku-admin"]);
    let parts: Vec<&str> = fresh.split('.').collect();
    let promoted = format!(
        "{}.{}.{}",
        parts[0],
        base64_url(admin_claims.to_string().as_bytes()),
        parts[2]
    );
    let foreign = stranger.token_for("alice");
    let wrong_audience = provider.token_for("alice");
    let expired = short_lived.token_for("alice");
    // (The token is checked before the project is looked up: no project is needed there.)
    std::thread::sleep(std::time::Duration::from_millis(2500));

    let cases: Vec<(&str, &HostedServer, String)> = vec![
        ("bad signature", &server, tamper(&fresh, 2)),
        ("changed payload", &server, promoted),
        ("alg none", &server, unsigned),
        ("another issuer", &server, foreign),
        ("expired", &strict, expired),
        ("wrong audience", &picky, wrong_audience),
        ("not a JWT", &server, "not-a-token".into()),
    ];
    let endpoints = [
        ("GET", "/api/data/user", false),
        ("GET", "/api/projects/alice/open", false),
        ("GET", "/knowledge-graph/entities?query=x", false),
        ("GET", "/sparql?query=ASK%20%7B%7D", false),
        (
            "GET",
            "/repos/alice/open.git/info/refs?service=git-upload-pack",
            true,
        ),
        ("POST", "/repos/alice/open.git/info/lfs/objects/batch", true),
    ];
    let mut wrong = Vec::new();
    for (what, target, token) in &cases {
        for (method, path, basic) in endpoints {
            let client = reqwest::blocking::Client::new();
            let mut request = client.request(
                reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
                target.at(path),
            );
            request = if basic {
                request
                    .basic_auth("renku", Some(token))
                    .header("Content-Type", "application/vnd.git-lfs+json")
                    .body(r#"{"operation":"download","objects":[]}"#)
            } else {
                request.bearer_auth(token)
            };
            let status = request.send().unwrap().status().as_u16();
            if status != 401 {
                wrong.push(format!("{what}: {method} {path} answered {status}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
