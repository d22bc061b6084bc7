//! Renku projects made in the tests with renku-lib (init, datasets, tags, runs), pushed to
//! the test server with real git, and waited for until they are indexed.

use std::path::{Path, PathBuf};
use std::time::Duration;

use renku_lib::context::CommandContext;
use renku_lib::dataset::add::{AddInteraction, AddRequest};
use renku_lib::dataset::create::NewDataset;
use renku_lib::dataset_remote::download::{DownloadProgress, NoProgress};
use renku_lib::project::init::InitOptions;
use renku_lib::repo::ProjectDir;
use renku_lib::workflow::run::RunOptions;
use serde_json::Value;

use crate::support::{TestServer, run};

struct Quiet;

impl AddInteraction for Quiet {
    fn warning(&mut self, _message: &str) {}
    fn confirm(&mut self, _message: &str) -> bool {
        true
    }
    fn progress(&self) -> &dyn DownloadProgress {
        &NoProgress
    }
}

fn ctx(argv: &[&str]) -> CommandContext {
    let mut ctx = CommandContext::new(argv.iter().map(|a| a.to_string()).collect());
    ctx.external_storage = false;
    ctx
}

/// A renku project in a local work tree.
pub struct RenkuRepo {
    /// Its root.
    pub root: PathBuf,
}

impl RenkuRepo {
    /// `git init` with an identity, then `renku init`.
    pub fn init(root: &Path, name: &str, description: &str, keywords: &[&str]) -> RenkuRepo {
        std::fs::create_dir_all(root).expect("dir");
        assert!(run(root, "git", &["init", "-q", "-b", "main"]).0);
        assert!(run(root, "git", &["config", "user.name", "Alice Doe"]).0);
        assert!(run(root, "git", &["config", "user.email", "alice@example.org"]).0);
        let opts = InitOptions {
            path: root.to_path_buf(),
            name: Some(name.to_string()),
            description: Some(description.to_string()),
            keywords: keywords.iter().map(|k| k.to_string()).collect(),
            ..InitOptions::default()
        };
        renku_lib::project::init::init(&ctx(&["init"]), &opts, &|_| true).expect("renku init");
        RenkuRepo {
            root: root.to_path_buf(),
        }
    }

    fn project(&self) -> ProjectDir {
        ProjectDir::discover(&self.root).expect("project")
    }

    /// Creates dataset `slug` with `files` (name, content) in it.
    pub fn dataset(
        &self,
        slug: &str,
        title: &str,
        creators: &[&str],
        keywords: &[&str],
        files: &[(&str, &str)],
    ) {
        let project = self.project();
        let new = NewDataset {
            slug: slug.to_string(),
            name: Some(title.to_string()),
            description: Some(format!("The {title} dataset")),
            creators: creators.iter().map(|c| c.to_string()).collect(),
            keywords: keywords.iter().map(|k| k.to_string()).collect(),
            ..NewDataset::default()
        };
        renku_lib::dataset::create::create(&ctx(&["dataset", "create", slug]), &project, &new)
            .expect("dataset create");
        if files.is_empty() {
            return;
        }
        let sources = tempfile::tempdir().expect("sources");
        let mut paths = Vec::new();
        for (name, content) in files {
            let path = sources.path().join(name);
            std::fs::write(&path, content).expect("write");
            paths.push(path.to_string_lossy().into_owned());
        }
        let request = AddRequest {
            slug: slug.to_string(),
            sources: paths,
            cwd: self.root.clone(),
            ..AddRequest::default()
        };
        renku_lib::dataset::add::add(
            &ctx(&["dataset", "add", slug]),
            &project,
            &request,
            &mut Quiet,
        )
        .expect("dataset add");
    }

    /// Tags the current version of `slug`.
    pub fn tag(&self, slug: &str, tag: &str, description: &str) {
        renku_lib::dataset::tags::tag(
            &ctx(&["dataset", "tag", slug, tag]),
            &self.project(),
            slug,
            tag,
            Some(description),
            false,
        )
        .expect("dataset tag");
    }

    /// Removes dataset `slug`.
    pub fn remove_dataset(&self, slug: &str) {
        renku_lib::dataset::remove::remove(&ctx(&["dataset", "rm", slug]), &self.project(), slug)
            .expect("dataset rm");
    }

    /// `renku run COMMAND…`.
    pub fn run(&self, command: &[&str]) {
        let opts = RunOptions {
            command: command.iter().map(|a| a.to_string()).collect(),
            cwd: self.root.clone(),
            ..RunOptions::default()
        };
        let mut argv = vec!["run"];
        argv.extend_from_slice(command);
        renku_lib::workflow::run::run(&ctx(&argv), &self.project(), &opts).expect("renku run");
    }

    /// `renku project edit --description TEXT`.
    pub fn edit_description(&self, text: &str) {
        let edit = renku_lib::project::edit::ProjectEdit {
            description: Some(text.to_string()),
            ..Default::default()
        };
        renku_lib::project::edit::edit(&ctx(&["project", "edit"]), &self.project(), &edit)
            .expect("project edit");
    }

    /// Writes a file and commits it with git.
    pub fn commit_file(&self, rel: &str, content: &str) {
        let path = self.root.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("dir");
        }
        std::fs::write(&path, content).expect("write");
        assert!(run(&self.root, "git", &["add", "-f", rel]).0);
        assert!(
            run(
                &self.root,
                "git",
                &["commit", "-q", "-m", &format!("write {rel}")]
            )
            .0
        );
    }

    /// The head commit.
    pub fn head(&self) -> String {
        run(&self.root, "git", &["rev-parse", "HEAD"])
            .1
            .trim()
            .to_string()
    }

    /// Pushes `main` to `<server>/repos/<path>.git` as the owner of `token`.
    pub fn push(&self, server: &str, token: &str, path: &str) {
        let base = server.trim_start_matches("http://");
        let url = format!("http://oauth2:{token}@{base}/repos/{path}.git");
        let (ok, _, err) = run(&self.root, "git", &["push", "-q", "--force", &url, "main"]);
        assert!(ok, "push to {path}: {err}");
    }
}

/// Pushes `repo` (off the runtime's workers) and returns it with its head commit.
pub async fn push(
    server: &TestServer,
    repo: RenkuRepo,
    token: &str,
    path: &str,
) -> (RenkuRepo, String) {
    let (url, token, path) = (server.url.clone(), token.to_string(), path.to_string());
    blocking(move || {
        repo.push(&url, &token, &path);
        let head = repo.head();
        (repo, head)
    })
    .await
}

/// Runs blocking test code (renku-lib, git) off the runtime's workers.
pub async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.expect("blocking task")
}

/// Waits until the index status of `path` names `commit` and is finished; returns it.
pub async fn indexed(server: &TestServer, token: Option<&str>, path: &str, commit: &str) -> Value {
    let mut last = Value::Null;
    for _ in 0..600 {
        let response = server
            .get(&format!("/api/projects/{path}/graph/status"), token)
            .send()
            .await
            .expect("status");
        assert_eq!(response.status(), 200, "status of {path}");
        last = response.json().await.expect("json");
        let finished = matches!(
            last["details"]["status"].as_str(),
            Some("success") | Some("failure")
        );
        if finished && last["commit"] == commit {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{path} was not indexed at {commit}: {last}");
}

/// GET `path` as JSON, asserting the status.
pub async fn get_json(server: &TestServer, path: &str, token: Option<&str>, status: u16) -> Value {
    let response = server.get(path, token).send().await.expect("request");
    let code = response.status().as_u16();
    let text = response.text().await.expect("body");
    assert_eq!(code, status, "GET {path}: {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}
