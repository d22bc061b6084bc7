//! `renku migrate` of projects written by renku-python before 1.0 (metadata versions 1–8:
//! YAML datasets, CWL runs, workflow YAML), straight from the original repositories. The
//! results are compared with what renku-python 2.9.4 makes of the same repositories
//! (`tests/fixtures/renku-python/expected/<name>/`): dataset slugs, names, files and tags,
//! plan ids and commands, and the full graph export triple by triple, where every
//! difference left after normalising what renku-python draws at random must be one of the
//! documented ones below (`docs/renku-python-formats.md`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::common::*;

/// A test environment with the identity renku-python's fixtures were made with (projects of
/// metadata version 1 name no creator; both renkus then use the git user).
fn fixture_env() -> TestEnv {
    let env = TestEnv::new();
    std::fs::write(
        env.home().join(".gitconfig"),
        "[user]\n\tname = Renku Fixture\n\temail = fixture@example.com\n[init]\n\tdefaultBranch = master\n",
    )
    .unwrap();
    env
}

/// renku-python's outputs for the fixture `name` after its own migration.
fn reference(name: &str, file: &str) -> String {
    let path = renku_python_fixtures().join(format!("expected/{name}/{file}"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn reference_json(name: &str, file: &str) -> serde_json::Value {
    serde_json::from_str(&reference(name, file)).unwrap()
}

/// `(subject, predicate, object)` of every N-Triples line.
fn triples(text: &str) -> Vec<(String, String, String)> {
    text.lines()
        .filter_map(|l| {
            let l = l.trim().strip_suffix(" .")?;
            let (s, rest) = l.split_once(' ')?;
            let (p, o) = rest.split_once(' ')?;
            Some((s.to_string(), p.to_string(), o.to_string()))
        })
        .collect()
}

const SCHEMA: &str = "http://schema.org/";
const RENKU: &str = "https://swissdatasciencecenter.github.io/renku-ontology#";
const PROV: &str = "http://www.w3.org/ns/prov#";
const RDF_TYPE: &str = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>";

fn iri(ns: &str, local: &str) -> String {
    format!("<{ns}{local}>")
}

fn literal(o: &str) -> String {
    o.trim_start_matches('"')
        .split('"')
        .next()
        .unwrap_or_default()
        .to_string()
}

/// Per dataset slug: the files of its newest version and its tags, read from a graph.
fn files_and_tags(graph: &str) -> BTreeMap<String, (Vec<String>, Vec<String>)> {
    let t = triples(graph);
    let value = |s: &str, p: &str| -> Option<String> {
        t.iter()
            .find(|(a, b, _)| a == s && *b == p)
            .map(|(_, _, o)| o.clone())
    };
    let values = |s: &str, p: &str| -> Vec<String> {
        t.iter()
            .filter(|(a, b, _)| a == s && *b == p)
            .map(|(_, _, o)| o.clone())
            .collect()
    };
    let slug_p = iri(RENKU, "slug");
    let derived_p = iri(PROV, "wasDerivedFrom");
    let url_p = iri(SCHEMA, "url");
    let versions: Vec<(String, String)> = t
        .iter()
        .filter(|(_, p, _)| *p == slug_p)
        .map(|(s, _, o)| (s.clone(), literal(o)))
        .collect();
    let parents: Vec<String> = versions
        .iter()
        .filter_map(|(v, _)| value(v, &derived_p))
        .filter_map(|u| value(&u, &url_p))
        .collect();
    let mut out: BTreeMap<String, (Vec<String>, Vec<String>)> = BTreeMap::new();
    for (v, slug) in &versions {
        if parents.contains(v) || value(v, &iri(PROV, "invalidatedAtTime")).is_some() {
            continue;
        }
        let mut files: Vec<String> = values(v, &iri(SCHEMA, "hasPart"))
            .iter()
            .filter(|f| value(f, &iri(PROV, "invalidatedAtTime")).is_none())
            .filter_map(|f| value(f, &iri(PROV, "entity")))
            .filter_map(|e| value(&e, &iri(PROV, "atLocation")))
            .map(|l| literal(&l))
            .collect();
        files.sort();
        out.entry(slug.clone()).or_default().0 = files;
    }
    let event = iri(SCHEMA, "PublicationEvent");
    for (tag, _, _) in t.iter().filter(|(_, p, o)| *p == RDF_TYPE && *o == event) {
        let name = value(tag, &iri(SCHEMA, "name")).map(|n| literal(&n));
        let version = value(tag, &iri(SCHEMA, "about")).and_then(|u| value(&u, &url_p));
        let slug = version
            .and_then(|v| value(&v, &slug_p))
            .map(|s| literal(&s));
        if let (Some(name), Some(slug)) = (name, slug)
            && let Some(entry) = out.get_mut(&slug)
        {
            entry.1.push(name);
            entry.1.sort();
        }
    }
    out
}

/// `.renku/workflow/file:<renku-python's working copy>/<name>/` prefixes removed.
fn unmangled(text: &str, name: &str) -> String {
    let mut s = text.to_string();
    while let Some(at) = s.find(".renku/workflow/file:") {
        let marker = format!("/{name}/");
        let Some(end) = s[at..].find(&marker) else {
            break;
        };
        s = format!("{}{}", &s[..at], &s[at + end + marker.len()..]);
    }
    s
}

/// Clones fixture `name`, migrates it and checks the commit the migration made.
fn migrated(env: &TestEnv, name: &str) -> PathBuf {
    let root = clone_fixture(env, name, &env.work());
    migrate_checked(env, &root, name);
    root
}

/// Clones the original `tests/fixtures/renku-python/<dir>/<name>` (a project built for these
/// tests), migrates it, and checks the commit, the commands a user runs next and the
/// datasets and plans against renku-python's migration of it.
fn migrated_original(env: &TestEnv, dir: &str, name: &str) -> PathBuf {
    let tarball = renku_python_fixtures().join(format!("{dir}/{name}.git.tar.gz"));
    let root = clone_tarball(env, &tarball, name, &env.work());
    migrate_checked(env, &root, name);
    check_commands(env, &root);
    check_against_reference(env, &root, name);
    root
}

/// Migrates the clone `root` of fixture `name` and checks the commit the migration made.
fn migrate_checked(env: &TestEnv, root: &Path, name: &str) {
    let root = root.to_path_buf();
    let commits = env.commit_count(&root);
    let out = env.run_in(&root, &["migrate", "--check"]);
    assert_code(&out, 3);
    let out = env.run_in(&root, &["migrate"]);
    assert_success(&out);
    assert_eq!(stdout(&out), "OK\n", "{}", stderr(&out));
    assert_eq!(env.commit_count(&root), commits + 1, "one commit");
    assert_eq!(env.status(&root), "", "the work tree is clean");
    let tracked = env.git(&root, &["ls-files", "-s"]);
    for old in [
        ".renku/datasets/",
        ".renku/workflow/",
        ".renku/refs/",
        ".renku/vendors/",
        ".renku/metadata.yml",
    ] {
        assert!(
            !tracked.contains(old),
            "{name}: {old} is still tracked:\n{tracked}"
        );
    }
    assert!(root.join(".renku/store/format.json").is_file());
    assert_success(&env.run_in(&root, &["migrate", "--check"]));
    assert_eq!(env.ok(&root, &["migrate"]), "No migrations required.\n");
}

/// The commands a user runs next all work.
fn check_commands(env: &TestEnv, root: &Path) {
    env.ok(root, &["dataset", "ls"]);
    env.ok(root, &["workflow", "ls"]);
    env.ok(root, &["log"]);
    env.ok(
        root,
        &["graph", "export", "--full", "--strict", "--format", "nt"],
    );
    let jsonld = env.dir.path().join("graph.jsonld");
    env.ok_to_file(
        root,
        &["graph", "export", "--full"],
        jsonld.to_str().unwrap(),
    );
    assert_pyshacl_conforms(&jsonld);
    let status = env.run_in(root, &["status"]);
    assert!(
        matches!(code(&status), 0 | 1),
        "status: {}",
        stderr(&status)
    );
}

fn json(env: &TestEnv, root: &Path, args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&env.ok(root, args)).unwrap()
}

/// Dataset slugs, names, files and tags, and plan ids and commands, as renku-python reports
/// them after its migration (files and tags read from its graph).
fn check_against_reference(env: &TestEnv, root: &Path, name: &str) {
    let theirs_graph = files_and_tags(&reference(name, "graph.nt"));
    let mut want = Vec::new();
    for d in reference_json(name, "dataset-ls.json").as_array().unwrap() {
        let slug = d["slug"].as_str().unwrap().to_string();
        let (files, tags) = theirs_graph.get(&slug).cloned().unwrap_or_default();
        want.push(
            serde_json::json!({"slug": slug, "name": d["name"], "files": files, "tags": tags}),
        );
    }
    want.sort_by_key(|d| d["slug"].as_str().unwrap().to_string());
    let mut datasets = Vec::new();
    for d in json(env, root, &["dataset", "ls", "--format", "json"])
        .as_array()
        .unwrap()
    {
        let slug = d["slug"].as_str().unwrap().to_string();
        let mut files: Vec<String> = json(
            env,
            root,
            &["dataset", "ls-files", &slug, "--format", "json"],
        )
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
        files.sort();
        let mut tags: Vec<String> = json(
            env,
            root,
            &["dataset", "ls-tags", &slug, "--format", "json"],
        )
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect();
        tags.sort();
        datasets.push(serde_json::json!({
            "slug": slug, "name": d["name"], "files": files, "tags": tags,
        }));
    }
    datasets.sort_by_key(|d| d["slug"].as_str().unwrap().to_string());
    assert_eq!(datasets, want, "{name}: datasets");

    let plans = |v: serde_json::Value| -> Vec<(String, String)> {
        let mut p: Vec<(String, String)> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                let command = unmangled(p["command"].as_str().unwrap(), name);
                (
                    p["id"].as_str().unwrap().to_string(),
                    without_streams(&command),
                )
            })
            .collect();
        p.sort();
        p
    };
    assert_eq!(
        plans(json(env, root, &["workflow", "ls", "--format", "json"])),
        plans(reference_json(name, "workflow-ls.json")),
        "{name}: plans"
    );
}

/// A plan's command without stream redirections (` < in`, ` > out`, ` 2> err`), which
/// renku-python's `workflow ls` leaves out.
fn without_streams(command: &str) -> String {
    let cut = [" < ", " > ", " 2> "]
        .iter()
        .filter_map(|m| command.find(m))
        .min()
        .unwrap_or(command.len());
    command[..cut].to_string()
}

/// A triple with the parts that are random in renku-python (ids of dataset files, usages,
/// generations, parameter values; hex suffixes of generated names) and the version of the
/// migrating renku replaced.
fn normalise(line: &str) -> String {
    let mut s = line.to_string();
    for segment in ["dataset-files", "usages", "generations", "parameter-value"] {
        s = replace_hex_after(&s, &format!("/{segment}/"), 32);
    }
    // The renku that migrated the project: renku-python 2.9.4, or this renku.
    for agent in [
        "<https://github.com/swissdatasciencecenter/renku-python/tree/v2.9.4>".to_string(),
        format!(
            "<https://github.com/renku-rs/renku-rs/tree/v{}>",
            env!("CARGO_PKG_VERSION")
        ),
    ] {
        s = s.replace(&agent, "<MIGRATING-RENKU>");
    }
    if s.starts_with("<MIGRATING-RENKU> <http://schema.org/name>") {
        s = "<MIGRATING-RENKU> <http://schema.org/name> \"*\" .".into();
    }
    if s.contains("<http://schema.org/agent>") {
        s = s
            .split("<http://schema.org/agent>")
            .next()
            .unwrap()
            .to_string()
            + "<http://schema.org/agent> \"*\" .";
    }
    if s.contains("/plans/") && s.contains("<http://schema.org/name> \"") {
        // Plan names end in 5 random hex digits, unpositioned parameters' names in 4.
        if let Some(start) = s.find("<http://schema.org/name> \"") {
            let value_start = start + "<http://schema.org/name> \"".len();
            if let Some(len) = s[value_start..].find('"') {
                let value = &s[value_start..value_start + len];
                let stripped = match value.rsplit_once('-') {
                    Some((base, tail))
                        if (tail.len() == 5 || tail.len() == 4)
                            && tail.bytes().all(|b| b.is_ascii_hexdigit()) =>
                    {
                        format!("{base}-*")
                    }
                    _ => value.to_string(),
                };
                s = format!("{}{stripped}{}", &s[..value_start], &s[value_start + len..]);
            }
        }
    }
    s
}

fn replace_hex_after(s: &str, marker: &str, len: usize) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(at) = rest.find(marker) {
        let (head, tail) = rest.split_at(at + marker.len());
        out.push_str(head);
        if tail.len() >= len && tail[..len].bytes().all(|b| b.is_ascii_hexdigit()) {
            out.push('*');
            rest = &tail[len..];
        } else {
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

fn multiset(lines: impl Iterator<Item = String>) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for l in lines.filter(|l| !l.trim().is_empty()) {
        *m.entry(normalise(&l)).or_insert(0) += 1;
    }
    m
}

/// A documented difference between our export and renku-python's: which lines it explains,
/// on which side, and why.
struct Difference {
    reason: &'static str,
    theirs: Box<dyn Fn(&str) -> bool>,
    ours: Box<dyn Fn(&str) -> bool>,
}

fn is_run_date(l: &str) -> bool {
    l.contains("<http://www.w3.org/ns/prov#startedAtTime>")
        || l.contains("<http://www.w3.org/ns/prov#endedAtTime>")
        || (l.starts_with("<https://localhost/plans/")
            && (l.contains("<http://schema.org/dateCreated>")
                || l.contains("<http://schema.org/dateModified>")))
}

const RUN_DATES: &str = "renku-python dates migrated runs and their plans at the time of its own migration; we keep the times the run recorded (CWL runs: its commit's author and committer times)";

const REMOVAL_DATES: &str = "renku-python dates the removal of a dataset whose metadata a commit deleted at the time of its own migration; we take that commit's time";

/// Lines dating the removal of a dataset (the removed version's `invalidatedAtTime` and
/// `dateModified`).
fn is_removal_date(l: &str) -> bool {
    l.starts_with("<https://localhost/datasets/")
        && (l.contains("<http://www.w3.org/ns/prov#invalidatedAtTime>")
            || l.contains("<http://schema.org/dateModified>"))
}

const CWL_PATHS: &str = "renku-python 2.9.4 resolves CWL input paths to file: URIs of its working copy (spec §5.3) and, not finding them, records checksum 0…0; we keep the project-relative path (the CWL file's directory resolved) with its blob id at the run's commit";

/// Lines about the inputs renku-python mangled: its `file:` paths, and on our side the
/// values, usages and entities of the same paths.
fn cwl_path_rules(reference: &[String], name: &str) -> Difference {
    let marker = format!("/{name}/");
    let mut paths: Vec<String> = Vec::new();
    for l in reference {
        let Some(at) = l.find(".renku/workflow/file:") else {
            continue;
        };
        if let Some(m) = l[at..].find(&marker) {
            let rest = &l[at + m + marker.len()..];
            let end = rest.find(['"', '>']).unwrap_or(rest.len());
            let p = rest[..end].to_string();
            if !paths.contains(&p) {
                paths.push(p);
            }
        }
    }
    // Plan names are made from the command line, mangled paths included.
    let mangled_names: Vec<String> = reference
        .iter()
        .filter(|l| l.contains("<http://schema.org/name> \"") && l.contains("_renku_workfl"))
        .filter_map(|l| l.split_once(' ').map(|(subject, _)| subject.to_string()))
        .collect();
    let theirs_names = mangled_names.clone();
    let ours_paths = paths.clone();
    Difference {
        reason: CWL_PATHS,
        theirs: Box::new(move |l| {
            l.contains(".renku/workflow/file:")
                || l.contains(".renku/workflow/file%3A")
                || theirs_names
                    .iter()
                    .any(|s| l.starts_with(&format!("{s} <http://schema.org/name> ")))
        }),
        ours: Box::new(move |l| {
            if mangled_names
                .iter()
                .any(|s| l.starts_with(&format!("{s} <http://schema.org/name> ")))
            {
                return true;
            }
            ours_paths.iter().any(|p| {
                let literal = format!("\"{p}\"");
                let iri_end = format!("/{p}>");
                let value_of_input = (l.contains("<http://schema.org/defaultValue>")
                    && l.contains("/inputs/"))
                    || l.contains("/parameter-value/")
                    || l.contains(
                        "<https://swissdatasciencecenter.github.io/renku-ontology#checksum>",
                    )
                    || l.contains("<http://www.w3.org/ns/prov#atLocation>");
                let about_entity = l.contains("/entities/") && l.contains(&iri_end);
                (l.contains(&literal) && value_of_input) || about_entity
            })
        }),
    }
}

/// Compares our graph export with renku-python's and returns the reasons that explained
/// something; fails on any difference none of `rules` explains.
fn compare_graphs(
    env: &TestEnv,
    root: &Path,
    name: &str,
    rules: &[Difference],
) -> Vec<&'static str> {
    let reference: Vec<String> = reference_lines(name);
    let ours_text = env.ok(root, &["graph", "export", "--full", "--format", "nt"]);
    let theirs = multiset(reference.iter().cloned());
    let ours = multiset(ours_text.lines().map(str::to_string));
    let mut used = Vec::new();
    let mut unexplained = Vec::new();
    let mut differing: Vec<(&String, bool)> = Vec::new();
    for (line, n) in &theirs {
        if ours.get(line).copied().unwrap_or(0) < *n {
            differing.push((line, false));
        }
    }
    for (line, n) in &ours {
        if theirs.get(line).copied().unwrap_or(0) < *n {
            differing.push((line, true));
        }
    }
    for (line, on_our_side) in differing {
        let rule = rules.iter().find(|r| {
            if on_our_side {
                (r.ours)(line)
            } else {
                (r.theirs)(line)
            }
        });
        match rule {
            Some(r) => {
                if !used.contains(&r.reason) {
                    used.push(r.reason);
                }
            }
            None => unexplained.push(format!(
                "{} {line}",
                if on_our_side { "ours  " } else { "theirs" }
            )),
        }
    }
    assert!(
        unexplained.is_empty(),
        "{name}: graph differences without a documented reason:\n{}",
        unexplained.join("\n")
    );
    used
}

fn reference_lines(name: &str) -> Vec<String> {
    reference(name, "graph.nt")
        .lines()
        .map(str::to_string)
        .collect()
}

fn workflow_rules(name: &str) -> Vec<Difference> {
    vec![
        cwl_path_rules(&reference_lines(name), name),
        Difference {
            reason: RUN_DATES,
            theirs: Box::new(is_run_date),
            ours: Box::new(is_run_date),
        },
    ]
}

/// A project written by renku-python 0.16.2 (metadata version 8, `v8/runs-v8`, made by
/// make-v8-project.sh): datasets with versions, a tag, an unlinked file and a removed
/// dataset, and runs recorded as workflow YAML (single runs, a run without outputs, an
/// output directory, `renku update` of two steps, `renku rerun`). The migration gives
/// renku-python's graph but for the dates it takes from its own clock.
#[test]
fn v8_runs_and_datasets_migrate_like_renku_python_does() {
    let env = fixture_env();
    let name = "runs-v8";
    let root = migrated_original(&env, "v8", name);
    let rules = [
        Difference {
            reason: RUN_DATES,
            theirs: Box::new(is_run_date),
            ours: Box::new(is_run_date),
        },
        Difference {
            reason: REMOVAL_DATES,
            theirs: Box::new(is_removal_date),
            ours: Box::new(is_removal_date),
        },
    ];
    let used = compare_graphs(&env, &root, name, &rules);
    assert_eq!(used.len(), 2, "{used:?}");
    // The runs keep the renku that recorded them, as renku-python's migration does.
    let graph = env.ok(&root, &["graph", "export", "--full", "--format", "nt"]);
    assert_contains(
        &graph,
        "<https://github.com/swissdatasciencecenter/renku-python/tree/v0.16.2> <http://schema.org/name> \"renku 0.16.2\" .",
    );
    assert_eq!(
        env.ok(&root, &["dataset", "ls"]),
        reference(name, "dataset-ls.txt")
    );
    let status = env.run_in(&root, &["status"]);
    assert_eq!(
        code(&status).to_string(),
        reference(name, "status.rc").trim()
    );
    // What renku-python reports is reported by us too. We may report more: renku-python
    // drops the run without outputs (`rm scratch.txt`) as overridden by every newer activity
    // (tests/e2e/migrate.rs, RUN_WITHOUT_OUTPUTS), and which of two runs generating
    // sorted.txt is the newer one (the rerun recorded its input at its old commit) depends,
    // for renku-python, on the seconds of its own clock that it dates migrated runs with
    // (RUN_DATES); we keep the recorded times, so the rerun is the newer one.
    let ours = stdout(&status);
    for line in reference(name, "status.txt")
        .lines()
        .filter(|l| l.starts_with('\t'))
    {
        assert!(ours.lines().any(|l| l == line), "{line:?} in\n{ours}");
    }
    assert_contains(&ours, "\tsorted.txt: letters.txt\n");
    assert_contains(
        &ours,
        "Deleted files used to generate outputs:\n\n\tscratch.txt\n",
    );
}

#[test]
fn v8_datasets_migrate_like_renku_python_does() {
    let env = fixture_env();
    let root = migrated(&env, "old-datasets-v0.16.0");
    check_commands(&env, &root);
    check_against_reference(&env, &root, "old-datasets-v0.16.0");
    // Identical but for the random ids of dataset files and the migrating renku's version.
    let used = compare_graphs(&env, &root, "old-datasets-v0.16.0", &[]);
    assert!(used.is_empty());
    // The import from a Renku deployment keeps its source and remote entities.
    let graph = env.ok(&root, &["graph", "export", "--full", "--format", "nt"]);
    assert_contains(
        &graph,
        "<https://localhost/urls/dev.renku.ch/datasets/860f6b5b46364c83b6a9b38ef198bcc0>",
    );
    assert_contains(
        &graph,
        "/remote-entities/git%40dev.renku.ch%3Amohammad.alisafaee/dataset-import.git/156525cb1aa770878361a5c9c9ebf6cbc95fd5a3/",
    );
}

#[test]
fn v2_datasets_with_imports_and_tags_migrate_like_renku_python_does() {
    let env = fixture_env();
    let root = migrated(&env, "old-datasets-v0.9.1");
    check_commands(&env, &root);
    check_against_reference(&env, &root, "old-datasets-v0.9.1");
    let used = compare_graphs(&env, &root, "old-datasets-v0.9.1", &[]);
    assert!(used.is_empty());
    // The tag points at the version of the commit that made it.
    let tags = json(
        &env,
        &root,
        &["dataset", "ls-tags", "mixed", "--format", "json"],
    );
    assert_eq!(
        tags[0]["dataset_id"],
        "/datasets/160d027e17444be03e3cf463ad134ced"
    );
}

#[test]
fn v1_datasets_migrate_like_renku_python_does() {
    let env = fixture_env();
    let root = migrated(&env, "test-renku-v0.3.0");
    check_commands(&env, &root);
    check_against_reference(&env, &root, "test-renku-v0.3.0");
    let used = compare_graphs(&env, &root, "test-renku-v0.3.0", &[]);
    assert!(used.is_empty());
}

#[test]
fn v1_datasets_keep_every_revision_and_submodules_go() {
    let env = fixture_env();
    let root = migrated(&env, "old-datasets-v0.3.0");
    check_commands(&env, &root);
    check_against_reference(&env, &root, "old-datasets-v0.3.0");
    assert!(
        !root.join(".gitmodules").exists(),
        "the submodule's section is gone"
    );
    let revision_rule = |l: &str| {
        l.starts_with("<https://localhost/datasets/")
            || l.starts_with("<https://localhost/urls/datasets/")
            || l.contains("renku-ontology#hasDataset>")
    };
    let used = compare_graphs(
        &env,
        &root,
        "old-datasets-v0.3.0",
        &[
            Difference {
                reason: "renku-python first moves version-1 datasets (data/<name>/metadata.yml) into .renku/datasets and so records only their state at HEAD; we replay every revision of the file (here: create, add, add), so there are three versions with commit-derived identifiers, the first one empty",
                theirs: Box::new(revision_rule),
                ours: Box::new(revision_rule),
            },
            Difference {
                reason: "files added without a source: renku-python writes the string \"None\" as renku:source, we the file's path",
                theirs: Box::new(|l| l.ends_with("renku-ontology#source> \"None\" .")),
                ours: Box::new(|l| {
                    l.ends_with("renku-ontology#source> \"datafile\" .")
                        || l.ends_with("renku-ontology#source> \"datadir/anotherdataset\" .")
                }),
            },
        ],
    );
    assert_eq!(used.len(), 2, "{used:?}");
    let versions = env.git(&root, &["show", "--stat", "HEAD"]);
    assert_contains(&versions, ".gitmodules");
}

#[test]
fn cwl_runs_migrate_to_plans_and_activities() {
    let env = fixture_env();
    let name = "old-workflows-v0.10.3";
    let root = migrated(&env, name);
    check_commands(&env, &root);
    check_against_reference(&env, &root, name);
    let used = compare_graphs(&env, &root, name, &workflow_rules(name));
    assert_eq!(used.len(), 2, "{used:?}");
    // Usages carry the blob ids of the inputs at the run's commit; `-i=` prefixes stay.
    let log = json(&env, &root, &["log", "--format", "json"]);
    assert_eq!(log.as_array().unwrap().len(), 3);
    let plans = env.ok(&root, &["workflow", "ls"]);
    assert_contains(&plans, "  echo -i=4 --jou=5 --yessir\n");
    let stdin_blob = env.git(&root, &["rev-parse", "bdc801c:stdin.txt"]);
    let graph = env.ok(&root, &["graph", "export", "--full", "--format", "nt"]);
    assert_contains(
        &graph,
        &format!("/entities/{}/stdin.txt>", stdin_blob.trim()),
    );
    // input.txt changed after `cat --no-output input.txt` ran ("new input").
    let out = env.run_in(&root, &["status"]);
    assert_code(&out, 1);
    assert_contains(
        &stdout(&out),
        "/activities/2d1c416381cf92c95503ee7cdc45e2385f901913: input.txt",
    );
}

#[test]
fn cwl_workflows_of_reruns_migrate_step_by_step() {
    let env = fixture_env();
    let name = "old-workflows-complicated-v0.10.3";
    let root = migrated(&env, name);
    check_commands(&env, &root);
    check_against_reference(&env, &root, name);
    let used = compare_graphs(&env, &root, name, &workflow_rules(name));
    assert_eq!(used.len(), 2, "{used:?}");
    // The rerun regenerated output_rand, so what cat made of the old one is outdated.
    let out = env.run_in(&root, &["status"]);
    assert_code(&out, 1);
    assert_contains(&stdout(&out), "concat.txt: output_rand");
}

/// The lines of an N-Triples export that record a file as invalidated, sorted.
fn invalidations(graph: &str) -> Vec<String> {
    let mut lines: Vec<String> = graph
        .lines()
        .filter(|l| l.contains("<http://www.w3.org/ns/prov#wasInvalidatedBy>"))
        .map(str::to_string)
        .collect();
    lines.sort();
    lines
}

/// The files a run's commit deleted, as renku-python 2.9.4 records them for
/// `cwl-deletions` (`tests/fixtures/renku-python/v3/`, made by
/// make-cwl-deletions-project.sh): input.txt and scratch/tmp-1.txt by the `wc` run,
/// scratch/tmp-2.txt by the `sort` run; the files renamed in the same commits (one unchanged,
/// one edited) are not deleted.
fn check_cwl_deletions(reference: &str, ours: &str) {
    let theirs = invalidations(reference);
    let mut paths: Vec<&str> = theirs
        .iter()
        .filter_map(|l| l.split_once('>').map(|(s, _)| s))
        .filter_map(|s| s.splitn(6, '/').nth(5))
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        vec!["input.txt", "scratch/tmp-1.txt", "scratch/tmp-2.txt"],
        "{theirs:#?}"
    );
    assert_eq!(invalidations(ours), theirs);
}

#[test]
fn files_deleted_by_cwl_runs_are_invalidated_by_their_activities() {
    let env = fixture_env();
    let name = "cwl-deletions";
    let root = migrated_original(&env, "v3", name);
    let used = compare_graphs(&env, &root, name, &workflow_rules(name));
    assert_eq!(used.len(), 2, "{used:?}");
    let ours = env.ok(&root, &["graph", "export", "--full", "--format", "nt"]);
    check_cwl_deletions(&reference(name, "graph.nt"), &ours);
    // The entity is the file as it was before the run deleted it.
    let blob = env.git(&root, &["rev-parse", "HEAD~3:input.txt"]);
    assert_contains(&ours, &format!("/entities/{}/input.txt>", blob.trim()));
}

/// A project in a damaged state: the migration fails naming the file and the commit, with
/// exit code 1, and changes nothing.
#[track_caller]
fn assert_refused(env: &TestEnv, root: &Path, file: &str, also: &str) {
    let commit = env.git(root, &["rev-parse", "--short=7", "HEAD"]);
    let before = snapshot(env, root);
    let out = env.run_in(root, &["migrate"]);
    assert_code(&out, 1);
    let err = stderr(&out);
    assert_contains(&err, file);
    assert_contains(&err, &format!("commit {}", commit.trim()));
    assert_contains(&err, also);
    assert_unchanged(env, root, &before, "a failed migration");
    assert!(!root.join(".renku/store").exists());
}

#[test]
fn damaged_metadata_is_refused_naming_file_and_commit() {
    let env = fixture_env();
    // A dataset metadata file that is not YAML.
    let root = clone_fixture(&env, "old-datasets-v0.16.0", &env.work());
    let file = ".renku/datasets/535b6e1d-db85-442a-897b-2b3c72aec0c6/metadata.yml";
    std::fs::write(root.join(file), "- '@id': [unclosed\n  key: : :\n").unwrap();
    env.git(&root, &["commit", "-qam", "break a dataset"]);
    assert_refused(&env, &root, file, "not valid YAML");

    // A project metadata file that is YAML but not a project.
    let env = fixture_env();
    let root = clone_fixture(&env, "old-datasets-v0.16.0", &env.work());
    std::fs::write(root.join(".renku/metadata.yml"), "schemaVersion: 8\n- a\n").unwrap();
    env.git(&root, &["commit", "-qam", "break the project"]);
    assert_refused(&env, &root, ".renku/metadata.yml", "YAML");

    // A CWL file without its base command.
    let env = fixture_env();
    let root = clone_fixture(&env, "old-workflows-v0.10.3", &env.work());
    let cwl = ".renku/workflow/f2c6197c9e9f474fada4bbe172a70bf8_cat.cwl";
    let text = read_file(&root, cwl).replace("baseCommand:\n- cat\n", "");
    std::fs::write(root.join(cwl), text).unwrap();
    env.git(&root, &["commit", "-qam", "break a run"]);
    assert_refused(&env, &root, cwl, "baseCommand");
}

/// Clones `tests/fixtures/yaml-migration/v5/<name>-v5.git.tar.gz`: an original repository
/// after renku-python 2.9.4's m_0005 converted its CWL files into workflow YAML (the format
/// of metadata versions 5–8), committed, and stopped (made by `make-v5.sh`).
fn clone_v5_fixture(env: &TestEnv, name: &str) -> PathBuf {
    let tarball = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!(
        "../tests/fixtures/yaml-migration/v5/{name}-v5.git.tar.gz"
    ));
    clone_tarball(env, &tarball, &format!("{name}-v5"), &env.work())
}

fn activity_ids(graph: &str) -> Vec<String> {
    let mut ids: Vec<String> = graph
        .lines()
        .filter(|l| {
            l.ends_with("<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/ns/prov#Activity> .")
        })
        .filter_map(|l| l.split(' ').next().map(str::to_string))
        .collect();
    ids.sort();
    ids
}

#[test]
fn workflow_yaml_runs_migrate_to_the_plans_and_activities_of_their_cwl_originals() {
    for name in [
        "old-workflows-v0.10.3",
        "old-workflows-complicated-v0.10.3",
        "cwl-deletions",
    ] {
        let env = fixture_env();
        let root = clone_v5_fixture(&env, name);
        let out = env.run_in(&root, &["migrate"]);
        assert_success(&out);
        assert_eq!(stdout(&out), "OK\n", "{}", stderr(&out));
        assert!(!env.git(&root, &["ls-files"]).contains(".renku/workflow/"));
        check_commands(&env, &root);
        // The same plans (ids from the runs' ids) and activities (ids from the commits) as
        // renku-python's migration of the CWL originals. These YAML files were written by
        // renku-python 2.9.4, so they carry its mangled input paths, which we keep as found.
        let plans = |v: serde_json::Value| -> Vec<(String, String)> {
            let mut p: Vec<(String, String)> = v
                .as_array()
                .unwrap()
                .iter()
                .map(|p| {
                    let command = unmangled(p["command"].as_str().unwrap(), name);
                    (
                        p["id"].as_str().unwrap().to_string(),
                        without_streams(&command),
                    )
                })
                .collect();
            p.sort();
            p
        };
        let want = plans(reference_json(name, "workflow-ls.json"));
        assert_eq!(
            plans(json(&env, &root, &["workflow", "ls", "--format", "json"])),
            want,
            "{name}"
        );
        let ours = env.ok(&root, &["graph", "export", "--full", "--format", "nt"]);
        let theirs = reference(name, "graph.nt");
        assert_eq!(activity_ids(&ours), activity_ids(&theirs), "{name}");
        assert_eq!(activity_ids(&ours).len(), want.len());
        if name == "cwl-deletions" {
            // The workflow YAML records the deleted files as invalidated entities.
            check_cwl_deletions(&theirs, &ours);
        } else {
            assert_eq!(invalidations(&ours), Vec::<String>::new(), "{name}");
        }
    }
}

#[test]
fn removed_files_and_datasets_are_recorded_as_removed() {
    let env = fixture_env();
    let root = clone_fixture(&env, "old-datasets-v0.16.0", &env.work());
    // A revision of `local` without its file, then `renku-dataset` deleted, as renku-python
    // 0.16 would have written them.
    let local = ".renku/datasets/535b6e1d-db85-442a-897b-2b3c72aec0c6/metadata.yml";
    let text = read_file(&root, local);
    let dropped = text.replace(
        "  http://schema.org/hasPart:\n  - '@id': https://localhost/blob/898111491838f2f85acf34642e49c05e61f8df3f/data/local/README.rst\n",
        "  http://schema.org/hasPart: []\n",
    );
    assert_ne!(dropped, text);
    std::fs::write(root.join(local), dropped).unwrap();
    env.git(&root, &["commit", "-qam", "renku dataset unlink local"]);
    env.git(
        &root,
        &[
            "rm",
            "-rq",
            ".renku/datasets/b1831ede-1197-4c75-858b-bd5fe7b025ef",
            ".renku/refs/datasets/renku-dataset",
        ],
    );
    env.git(&root, &["commit", "-qm", "renku dataset rm renku-dataset"]);
    let unlink = env.git(&root, &["rev-parse", "HEAD~1"]);

    let out = env.run_in(&root, &["migrate"]);
    assert_success(&out);
    check_commands(&env, &root);
    let datasets = json(&env, &root, &["dataset", "ls", "--format", "json"]);
    let slugs: Vec<&str> = datasets
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, vec!["local"]);
    let files = json(
        &env,
        &root,
        &["dataset", "ls-files", "local", "--format", "json"],
    );
    assert_eq!(files, serde_json::json!([]));
    // Both removals are in the graph: the dataset's last version and the file entry of the
    // version that dropped it (a new version, identifier from the commit, as renku-python
    // names a revision whose identifier is taken).
    let graph = env.ok(&root, &["graph", "export", "--full", "--format", "nt"]);
    let t = triples(&graph);
    let removed = |subject_prefix: &str| {
        t.iter()
            .any(|(s, p, _)| s.starts_with(subject_prefix) && *p == iri(PROV, "invalidatedAtTime"))
    };
    assert!(removed("<https://localhost/dataset-files/"), "{graph}");
    let version = format!(
        "<https://localhost/datasets/{}{}>",
        &unlink.trim()[..20],
        &"ef5bfc30e33b4265a7c9df464071ab29"[20..]
    );
    assert!(
        t.iter()
            .any(|(s, p, _)| *s == version && *p == iri(SCHEMA, "hasPart")),
        "{version} lists the removed file:\n{graph}"
    );
    let removed_datasets: Vec<&String> = t
        .iter()
        .filter(|(s, p, _)| {
            s.starts_with("<https://localhost/datasets/") && *p == iri(PROV, "invalidatedAtTime")
        })
        .map(|(s, _, _)| s)
        .collect();
    assert_eq!(removed_datasets.len(), 1, "{graph}");
    assert!(
        t.iter().any(|(s, p, o)| s == removed_datasets[0]
            && *p == iri(RENKU, "slug")
            && o == "\"renku-dataset\""),
        "{graph}"
    );
}
