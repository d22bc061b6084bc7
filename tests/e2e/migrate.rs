//! `renku migrate` of projects written by renku-python 2.9.4 (`tests/fixtures/renku-python/`:
//! the shared old projects as renku-python migrated them to its v10 database, and projects
//! made with renku-python 2.9.4 and 1.11.4 that use most of the model, the latter also as it
//! was before renku-python's migration, in metadata version 9). The migrated project must give
//! the same knowledge graph as renku-python's own export, and the commands a user runs first
//! must print what renku-python printed.

use std::path::{Path, PathBuf};

use crate::common::*;

/// Every v10 fixture (`v10/<name>.git.tar.gz`, renku-python's outputs in `expected/<name>/`).
const V10_FIXTURES: &[&str] = &[
    "old-datasets-v0.16.0",
    "old-datasets-v0.3.0",
    "old-datasets-v0.9.1",
    "old-workflows-complicated-v0.10.3",
    "old-workflows-v0.10.3",
    "test-renku-v0.3.0",
    "rich-v10",
    "rich-v9",
    "cwl-deletions",
    "runs-v8",
];

/// Why our `renku status` of a project with an activity without outputs lists more.
const RUN_WITHOUT_OUTPUTS: &str = "an activity without outputs (`cat input.txt`, \
     `rm scratch.txt`) stays relevant for us; renku-python drops it as overridden by any newer activity (the empty set \
     of outputs is a subset of every other), so it does not list its deleted input";

/// Where our output deliberately differs from renku-python's, with the reason.
const KNOWN_DIFFERENCES: &[(&str, &str, &str)] = &[
    ("old-workflows-v0.10.3", "status.txt", RUN_WITHOUT_OUTPUTS),
    // The same history, continued.
    ("cwl-deletions", "status.txt", RUN_WITHOUT_OUTPUTS),
    // `renku run --no-output rm scratch.txt`.
    ("runs-v8", "status.txt", RUN_WITHOUT_OUTPUTS),
];

fn clone_v10(env: &TestEnv, name: &str) -> PathBuf {
    let tarball = renku_python_fixtures().join(format!("v10/{name}.git.tar.gz"));
    clone_tarball(env, &tarball, name, &env.work())
}

fn expected(name: &str, file: &str) -> String {
    let path = renku_python_fixtures().join(format!("expected/{name}/{file}"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn sorted_lines(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect();
    lines.sort();
    lines
}

fn known_difference(name: &str, file: &str) -> bool {
    KNOWN_DIFFERENCES
        .iter()
        .any(|(n, f, _)| *n == name && *f == file)
}

fn migrate(env: &TestEnv, root: &Path) {
    let out = env.run_in(root, &["migrate"]);
    assert_success(&out);
    assert_eq!(stdout(&out), "OK\n");
}

/// Migrates the clone `root` of the fixture `name` (a renku-python database, v9 or v10) and
/// checks the result against what renku-python 2.9.4 reported about its own migration
/// (`expected/<name>/`): one commit, the same triples, the same listings and log, and
/// nothing left to migrate. `migrated_by_renku_python`: renku-python's outputs are of its
/// migration of this project (not of a project already in its current format).
fn check_migration(env: &TestEnv, root: &Path, name: &str, migrated_by_renku_python: bool) {
    assert!(root.join(".renku/metadata/root").is_file(), "{name}");
    assert_code(&env.run_in(root, &["migrate", "--check"]), 3);
    assert_code(&env.run_in(root, &["dataset", "ls"]), 3);
    let commits = env.commit_count(root);

    migrate(env, root);
    assert_eq!(env.commit_count(root), commits + 1, "{name}: one commit");
    assert_eq!(env.status(root), "", "{name}: clean after the migration");
    assert!(!root.join(".renku/metadata").exists(), "{name}");
    assert!(!root.join(".renku/metadata.yml").exists(), "{name}");
    assert!(root.join(".renku/store/format.json").is_file(), "{name}");
    let attributes = std::fs::read_to_string(root.join(".gitattributes")).unwrap_or_default();
    assert!(!attributes.contains("renkumerge"), "{name}");

    // The same triples as renku-python's export of the same project.
    let ours = env.ok(root, &["graph", "export", "--full", "--format", "nt"]);
    let theirs = expected(name, "graph.nt");
    let (mut ours, mut theirs) = (sorted_lines(&ours), sorted_lines(&theirs));
    if migrated_by_renku_python {
        // A migration records the renku that made it as the project's agent.
        let agent = |lines: &mut Vec<String>| -> Vec<String> {
            let (agent, rest) = lines.drain(..).partition(|l: &String| {
                l.starts_with("<https://localhost/projects/")
                    && l.contains(" <http://schema.org/agent> ")
            });
            *lines = rest;
            agent
        };
        let project = |l: &str| l.split(' ').next().unwrap_or_default().to_string();
        let (our_agent, their_agent) = (agent(&mut ours), agent(&mut theirs));
        assert_eq!(their_agent.len(), 1, "{name}: {their_agent:?}");
        assert_eq!(
            our_agent,
            vec![format!(
                "{} <http://schema.org/agent> \"{}\" .",
                project(&their_agent[0]),
                env!("CARGO_PKG_VERSION")
            )],
            "{name}: the project's agent"
        );
        assert!(their_agent[0].ends_with(" \"2.9.4\" ."), "{their_agent:?}");
    }
    let missing: Vec<_> = theirs.iter().filter(|t| !ours.contains(t)).collect();
    let extra: Vec<_> = ours.iter().filter(|t| !theirs.contains(t)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{name}: triples differ\nmissing: {missing:#?}\nextra: {extra:#?}"
    );
    assert_success(&env.run_in(
        root,
        &["graph", "export", "--full", "--strict", "--format", "nt"],
    ));
    // Imported datasets (v0.9.1, v0.16.0), images (rich-v10) and CWL-era plans conform.
    let jsonld = env.dir.path().join(format!("{name}.jsonld"));
    env.ok_to_file(
        root,
        &["graph", "export", "--full"],
        jsonld.to_str().unwrap(),
    );
    assert_pyshacl_conforms(&jsonld);

    // What a user looks at first agrees with renku-python.
    for (args, file) in [
        (&["dataset", "ls"][..], "dataset-ls.txt"),
        (&["workflow", "ls"][..], "workflow-ls.txt"),
        (&["dataset", "ls-files"][..], "dataset-ls-files.txt"),
        (&["status"][..], "status.txt"),
    ] {
        let out = env.run_in(root, args);
        if file == "status.txt" {
            assert_eq!(
                code(&out).to_string(),
                expected(name, "status.rc").trim(),
                "{name}: status exit code"
            );
        } else {
            assert_success(&out);
        }
        if file == "dataset-ls-files.txt" {
            // Files added at the same second are listed in path order; renku-python lists
            // them in the order its dataset stores them (the order it found them in).
            let (ours, theirs) = (stdout(&out), expected(name, file));
            let header = |t: &str| t.lines().take(2).collect::<Vec<_>>().join("\n");
            assert_eq!(header(&ours), header(&theirs), "{name}: {args:?}");
            assert_eq!(
                sorted_lines(&ours),
                sorted_lines(&theirs),
                "{name}: {args:?}"
            );
            // Within a dataset, by the date added.
            let at = ours.find("ADDED").expect("an ADDED column");
            let rows: Vec<(&str, &str)> = ours
                .lines()
                .skip(2)
                .filter_map(|l| Some((l.split(' ').next()?, l.get(at..at + 19)?)))
                .collect();
            assert!(
                rows.windows(2)
                    .all(|w| w[0].0 != w[1].0 || w[0].1 <= w[1].1),
                "{name}: by date\n{ours}"
            );
        } else if !known_difference(name, file) {
            assert_eq!(stdout(&out), expected(name, file), "{name}: {args:?}");
        }
    }
    // The log: the same entries in the same order; within an entry renku-python lists
    // files and images in set order, which is random, so those lines are compared sorted.
    let log = env.ok(root, &["log"]);
    let theirs = expected(name, "log.txt");
    let headers = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| !l.starts_with('\t'))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(headers(&log), headers(&theirs), "{name}: renku log");
    assert_eq!(
        sorted_lines(&log),
        sorted_lines(&theirs),
        "{name}: renku log"
    );

    // Migrating again has nothing to do.
    let again = env.run_in(root, &["migrate"]);
    assert_success(&again);
    assert_eq!(stdout(&again), "No migrations required.\n");
    assert_code(&env.run_in(root, &["migrate", "--check"]), 0);
    assert_eq!(env.commit_count(root), commits + 1);
}

#[test]
fn migrated_projects_have_renku_pythons_graph_and_listings() {
    let env = TestEnv::new();
    for name in V10_FIXTURES {
        let root = clone_v10(&env, name);
        check_migration(&env, &root, name, false);
    }
}

/// A project written by renku-python 1.11.4 (metadata version 9, `v9/rich-v9`) migrates
/// straight to what renku-python 2.9.4 makes of it (`expected/rich-v9/`, from its migration
/// to v10 and then its export).
#[test]
fn v9_projects_migrate_like_renku_python_does() {
    let env = TestEnv::new();
    let tarball = renku_python_fixtures().join("v9/rich-v9.git.tar.gz");
    let root = clone_tarball(&env, &tarball, "rich-v9", &env.work());
    let version = std::fs::read_to_string(root.join(".renku/metadata/project")).unwrap();
    assert_contains(&version, "\"version\": 9");
    check_migration(&env, &root, "rich-v9", true);
}

#[test]
fn migrated_projects_can_be_worked_on() {
    let env = TestEnv::new();
    let root = clone_v10(&env, "rich-v10");
    migrate(&env, &root);
    let datasets = env.ok(&root, &["dataset", "ls", "--format", "json"]);
    let datasets: serde_json::Value = serde_json::from_str(&datasets).unwrap();
    let slug = datasets[0]["slug"].as_str().unwrap().to_string();
    let before = env.dataset_paths(&root, &slug);

    // A new version of a migrated dataset keeps its migrated files.
    write_files(&root, &[("extra/new-file.txt", "new\n")]);
    env.ok(
        &root,
        &["dataset", "add", "--copy", &slug, "extra/new-file.txt"],
    );
    let after = env.dataset_paths(&root, &slug);
    assert_eq!(after.len(), before.len() + 1, "{after:?}");
    assert!(before.iter().all(|p| after.contains(p)));

    // Plans keep working: a new run, and the migrated history in the log.
    write_files(&root, &[("in.txt", "a\nb\n")]);
    env.git(&root, &["add", "-A"]);
    env.git(&root, &["commit", "-q", "--no-verify", "-m", "input"]);
    env.ok_to_file(
        &root,
        &[
            "run",
            "--name",
            "count-after-migration",
            "wc",
            "-l",
            "in.txt",
        ],
        "count.txt",
    );
    let plans = env.ok(&root, &["workflow", "ls"]);
    assert_contains(&plans, "count-after-migration");
    assert_success(&env.run_in(&root, &["graph", "export", "--full", "--strict"]));
    assert_success(&env.run_in(&root, &["doctor"]));
}

#[test]
fn a_damaged_database_is_reported_and_nothing_changes() {
    let env = TestEnv::new();
    let root = clone_v10(&env, "rich-v10");
    // Damage one plan object.
    let plans = std::fs::read_to_string(root.join(".renku/metadata/plans")).unwrap();
    let oid = plans
        .split("\"@renku_oid\": \"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .find(|o| o.len() == 64)
        .unwrap()
        .to_string();
    let rel = format!(".renku/metadata/{}/{}/{oid}", &oid[0..2], &oid[2..4]);
    std::fs::write(root.join(&rel), b"{\"truncated").unwrap();
    env.git(
        &root,
        &["commit", "-q", "--no-verify", "-am", "break metadata"],
    );

    let snap = snapshot(&env, &root);
    let out = env.run_in(&root, &["migrate"]);
    assert_code(&out, 1);
    let err = stderr(&out);
    assert_contains(&err, &rel);
    assert_contains(&err, "damaged");
    assert_unchanged(&env, &root, &snap, "a failed migration");

    // A missing object, too.
    std::fs::remove_file(root.join(&rel)).unwrap();
    env.git(
        &root,
        &["commit", "-q", "--no-verify", "-am", "lose an object"],
    );
    let snap = snapshot(&env, &root);
    let out = env.run_in(&root, &["migrate"]);
    assert_code(&out, 1);
    assert_contains(
        &stderr(&out),
        &format!("{rel}: the object {oid} is missing"),
    );
    assert_unchanged(&env, &root, &snap, "a failed migration");
}

#[test]
fn a_dirty_work_tree_is_refused() {
    let env = TestEnv::new();
    let root = clone_v10(&env, "old-datasets-v0.9.1");
    write_files(&root, &[("notes.txt", "untracked\n")]);
    let snap = snapshot(&env, &root);
    let out = env.run_in(&root, &["migrate"]);
    assert_code(&out, 1);
    assert_contains(&stderr(&out), "The repository is dirty");
    assert_unchanged(&env, &root, &snap, "a refused migration");
}

#[test]
fn check_outside_a_project_and_on_current_projects() {
    let env = TestEnv::new();
    let out = env.run(&["migrate", "--check"]);
    assert_code(&out, 2);
    let root = env.init_project("fresh");
    assert_code(&env.run_in(&root, &["migrate", "--check"]), 0);
    let out = env.run_in(&root, &["migrate"]);
    assert_success(&out);
    assert_eq!(stdout(&out), "No migrations required.\n");
    // A project written by a newer renku: exit 4.
    std::fs::write(
        root.join(".renku/store/format.json"),
        "{\n  \"format\": \"renku-rs\",\n  \"version\": 99\n}\n",
    )
    .unwrap();
    assert_code(&env.run_in(&root, &["migrate", "--check"]), 4);
    let out = env.run_in(&root, &["migrate"]);
    assert_code(&out, 1);
    assert_contains(&stderr(&out), "version 99");
}
