//! `renku workflow visualize`, and the library's `lineage` on real projects.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::common::*;

/// Initialises project `p` with `files` committed.
fn project(env: &TestEnv, files: &[(&str, &str)]) -> PathBuf {
    env.project_with(files)
}

#[track_caller]
fn ok(env: &TestEnv, root: &Path, args: &[&str]) -> String {
    env.ok(root, args)
}

/// in.txt → s1 → mid.txt → s2 → out.txt.
fn chain(env: &TestEnv) -> PathBuf {
    let root = project(env, &[("in.txt", "a\n")]);
    ok(
        env,
        &root,
        &["run", "--name", "s1", "cp", "in.txt", "mid.txt"],
    );
    ok(
        env,
        &root,
        &["run", "--name", "s2", "cp", "mid.txt", "out.txt"],
    );
    root
}

/// in.txt → left → l.txt, in.txt → right → r.txt, both → join → j.txt.
fn diamond(env: &TestEnv) -> PathBuf {
    let root = project(env, &[("in.txt", "a\n")]);
    ok(
        env,
        &root,
        &["run", "--name", "left", "cp", "in.txt", "l.txt"],
    );
    ok(
        env,
        &root,
        &["run", "--name", "right", "cp", "in.txt", "r.txt"],
    );
    ok(
        env,
        &root,
        &[
            "run",
            "--name",
            "join",
            "--input",
            "l.txt",
            "--input",
            "r.txt",
            "--output",
            "j.txt",
            "sh",
            "-c",
            "cat l.txt r.txt > j.txt",
        ],
    );
    root
}

/// The graph as JSON (`--format json`) with `args`.
fn graph(env: &TestEnv, root: &Path, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["workflow", "visualize", "--format", "json"];
    all.extend_from_slice(args);
    serde_json::from_str(&ok(env, root, &all)).unwrap()
}

/// `(source label, target label)` of every edge of a JSON graph.
fn labelled_edges(g: &serde_json::Value) -> BTreeSet<(String, String)> {
    let label = |id: &serde_json::Value| -> String {
        g["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| &n["id"] == id)
            .map(|n| n["label"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("edge to unknown node {id}"))
    };
    g["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (label(&e["source"]), label(&e["target"])))
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// Index of the first line containing `needle`.
#[track_caller]
fn row(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not in:\n{text}"))
}

#[test]
fn a_chain_is_drawn_top_down() {
    let env = TestEnv::new();
    let root = chain(&env);
    let text = ok(&env, &root, &["workflow", "visualize"]);
    let expected = [
        "      ┌──────┐",
        "      │in.txt│",
        "      └──────┘",
        "          *",
        "          *",
        "          *",
        " ╔═════════════════╗",
        " ║cp in.txt mid.txt║",
        " ╚═════════════════╝",
        "          *",
        "          *",
        "          *",
        "      ┌───────┐",
        "      │mid.txt│",
        "      └───────┘",
        "          *",
        "          *",
        "          *",
        "╔══════════════════╗",
        "║cp mid.txt out.txt║",
        "╚══════════════════╝",
        "          *",
        "          *",
        "          *",
        "      ┌───────┐",
        "      │out.txt│",
        "      └───────┘",
    ];
    assert_eq!(text, format!("{}\n", expected.join("\n")));
    // Not a terminal: no colour codes, no pager, whatever is asked.
    let forced = ok(&env, &root, &["workflow", "visualize", "--pager"]);
    assert_eq!(forced, text);
}

#[test]
fn a_diamond_forks_and_joins() {
    let env = TestEnv::new();
    let root = diamond(&env);
    let text = ok(&env, &root, &["workflow", "visualize"]);
    let left = row(&text, "cp in.txt l.txt");
    assert_eq!(left, row(&text, "cp in.txt r.txt"), "{text}");
    assert!(row(&text, "│in.txt│") < left);
    assert!(row(&text, "│l.txt│") > left);
    assert_eq!(row(&text, "│l.txt│"), row(&text, "│r.txt│"));
    assert!(row(&text, "cat l.txt r.txt > j.txt") > row(&text, "│l.txt│"));
    assert!(row(&text, "│j.txt│") > row(&text, "cat l.txt r.txt"));
    // in.txt is drawn once, above both branches.
    assert_eq!(text.matches("│in.txt│").count(), 1);
    let line = text.lines().nth(left).unwrap();
    assert!(line.find("cp in.txt l.txt") < line.find("cp in.txt r.txt"));
    // Edges leave in.txt towards both sides.
    let below = text.lines().nth(row(&text, "│in.txt│") + 2).unwrap();
    assert!(below.matches('*').count() >= 2, "{text}");

    let g = graph(&env, &root, &[]);
    assert_eq!(
        labelled_edges(&g),
        pairs(&[
            ("in.txt", "cp in.txt l.txt"),
            ("in.txt", "cp in.txt r.txt"),
            ("cp in.txt l.txt", "l.txt"),
            ("cp in.txt r.txt", "r.txt"),
            ("l.txt", "sh -c 'cat l.txt r.txt > j.txt'"),
            ("r.txt", "sh -c 'cat l.txt r.txt > j.txt'"),
            ("sh -c 'cat l.txt r.txt > j.txt'", "j.txt"),
        ])
    );
}

#[test]
fn exclude_files_ascii_and_columns() {
    let env = TestEnv::new();
    let root = diamond(&env);
    let text = ok(&env, &root, &["workflow", "visualize", "-x"]);
    assert!(!text.contains('┌') && !text.contains("│in.txt│"), "{text}");
    assert_eq!(text.matches('╔').count(), 3, "{text}");
    assert!(row(&text, "cat l.txt r.txt") > row(&text, "cp in.txt l.txt"));
    let g = graph(&env, &root, &["-x"]);
    assert_eq!(
        labelled_edges(&g),
        pairs(&[
            ("cp in.txt l.txt", "sh -c 'cat l.txt r.txt > j.txt'"),
            ("cp in.txt r.txt", "sh -c 'cat l.txt r.txt > j.txt'"),
        ])
    );

    let ascii = ok(&env, &root, &["workflow", "visualize", "-a"]);
    assert!(ascii.is_ascii(), "{ascii}");
    assert!(ascii.contains("|in.txt|") && ascii.contains("|cp in.txt l.txt|"));
    assert!(ascii.contains("+=============="), "{ascii}");
    assert!(ascii.contains("+------+"), "{ascii}");

    let ids: Vec<String> = g["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_string())
        .collect();
    let text = ok(&env, &root, &["workflow", "visualize", "-c", "id,plan"]);
    for id in &ids {
        assert!(
            text.contains(&format!("║{id}║")),
            "{id} missing in:\n{text}"
        );
    }
    for plan in ["left", "right", "join"] {
        assert!(
            text.contains(&format!("║{plan} ")),
            "{plan} missing in:\n{text}"
        );
    }
    assert!(!text.contains("cp in.txt"), "{text}");
    assert_eq!(row(&text, "║left"), row(&text, &ids[0]) + 1);
    let dated = ok(&env, &root, &["workflow", "visualize", "-c", "date"]);
    assert!(dated.contains("║20") && dated.contains('T'), "{dated}");
}

#[test]
fn dot_and_mermaid_outputs() {
    let env = TestEnv::new();
    let root = chain(&env);
    let g = graph(&env, &root, &[]);
    let id = |label: &str| -> String {
        g["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["label"] == label)
            .map(|n| n["id"].as_str().unwrap().to_string())
            .unwrap()
    };
    let (s1, s2) = (id("cp in.txt mid.txt"), id("cp mid.txt out.txt"));
    assert!(s1.starts_with("/activities/"));
    let dot = ok(&env, &root, &["workflow", "visualize", "--format", "dot"]);
    assert!(
        dot.starts_with("digraph {\n") && dot.ends_with("}\n"),
        "{dot}"
    );
    let edges: BTreeSet<&str> = dot.lines().filter(|l| l.contains(" -> ")).collect();
    let expected = [
        format!("\"in.txt\" -> \"{s1}\";"),
        format!("\"{s1}\" -> \"mid.txt\";"),
        format!("\"mid.txt\" -> \"{s2}\";"),
        format!("\"{s2}\" -> \"out.txt\";"),
    ];
    assert_eq!(
        edges,
        expected.iter().map(String::as_str).collect::<BTreeSet<_>>()
    );
    assert_contains(
        &dot,
        &format!("\"{s1}\" [label=\"cp in.txt mid.txt\", shape=box, peripheries=2];"),
    );
    assert_contains(&dot, "\"mid.txt\" [label=\"mid.txt\", shape=box];");
    let with_plan = ok(
        &env,
        &root,
        &[
            "workflow",
            "visualize",
            "--format",
            "dot",
            "-c",
            "plan,command",
        ],
    );
    assert_contains(&with_plan, "[label=\"s1\\ncp in.txt mid.txt\"");

    let mermaid = ok(
        &env,
        &root,
        &["workflow", "visualize", "--format", "mermaid"],
    );
    let lines: Vec<&str> = mermaid.lines().collect();
    assert_eq!(lines[0], "flowchart TD");
    let name_of = |label: &str| -> String {
        let line = lines
            .iter()
            .find(|l| l.contains(&format!("\"{label}\"")))
            .unwrap_or_else(|| panic!("{label} not in {mermaid}"));
        line.trim().split(['[', '(']).next().unwrap().to_string()
    };
    assert_contains(&mermaid, "[[\"cp in.txt mid.txt\"]]");
    assert_contains(&mermaid, "[\"in.txt\"]");
    for (a, b) in [
        ("in.txt", "cp in.txt mid.txt"),
        ("cp in.txt mid.txt", "mid.txt"),
        ("mid.txt", "cp mid.txt out.txt"),
        ("cp mid.txt out.txt", "out.txt"),
    ] {
        assert_contains(
            &mermaid,
            &format!("    {} --> {}\n", name_of(a), name_of(b)),
        );
    }
    assert_eq!(mermaid.matches(" --> ").count(), 4);
}

#[test]
fn paths_and_from_select_part_of_the_graph() {
    let env = TestEnv::new();
    let root = chain(&env);
    ok(
        &env,
        &root,
        &["run", "--name", "s3", "cp", "out.txt", "final.txt"],
    );
    std::fs::write(root.join("extra.txt"), "x\n").unwrap();
    env.git(&root, &["add", "extra.txt"]);
    env.git(&root, &["commit", "-qm", "extra"]);
    ok(
        &env,
        &root,
        &["run", "--name", "other", "cp", "extra.txt", "side.txt"],
    );
    let all = ok(&env, &root, &["workflow", "visualize"]);
    for cmd in [
        "cp in.txt mid.txt",
        "cp out.txt final.txt",
        "cp extra.txt side.txt",
    ] {
        assert_contains(&all, cmd);
    }
    // Unconnected parts: the one with the newest execution last.
    assert!(row(&all, "cp extra.txt side.txt") > row(&all, "cp out.txt final.txt"));
    // A subset: what mid.txt needs.
    let mid = ok(&env, &root, &["workflow", "visualize", "mid.txt"]);
    assert_contains(&mid, "cp in.txt mid.txt");
    assert!(
        !mid.contains("cp mid.txt out.txt") && !mid.contains("side.txt"),
        "{mid}"
    );
    // Two targets.
    let two = ok(
        &env,
        &root,
        &["workflow", "visualize", "out.txt", "side.txt"],
    );
    assert_contains(&two, "cp mid.txt out.txt");
    assert_contains(&two, "cp extra.txt side.txt");
    assert!(!two.contains("final.txt"), "{two}");
    // From a source: only the chains starting at mid.txt.
    let from = ok(
        &env,
        &root,
        &["workflow", "visualize", "--from", "mid.txt", "final.txt"],
    );
    assert_contains(&from, "cp mid.txt out.txt");
    assert_contains(&from, "cp out.txt final.txt");
    assert!(!from.contains("cp in.txt mid.txt"), "{from}");
    // Paths are relative to the current directory.
    std::fs::create_dir_all(root.join("sub")).unwrap();
    let sub = ok(
        &env,
        &root.join("sub"),
        &["workflow", "visualize", "../mid.txt"],
    );
    assert_eq!(sub, mid);
}

#[test]
fn directories_and_files_inside_them() {
    let env = TestEnv::new();
    let root = project(&env, &[("in.txt", "a\n")]);
    ok(
        &env,
        &root,
        &[
            "run",
            "--name",
            "split",
            "--no-output-detection",
            "--output",
            "out",
            "sh",
            "-c",
            "mkdir -p out && cp in.txt out/a.txt && cp in.txt out/b.txt",
        ],
    );
    ok(
        &env,
        &root,
        &[
            "run",
            "--name",
            "pick",
            "--input",
            "out/a.txt",
            "--output",
            "sum.txt",
            "sh",
            "-c",
            "cat out/a.txt > sum.txt",
        ],
    );
    ok(
        &env,
        &root,
        &[
            "run",
            "--name",
            "list",
            "--input",
            "out",
            "--output",
            "list.txt",
            "sh",
            "-c",
            "ls out > list.txt",
        ],
    );
    let g = graph(&env, &root, &[]);
    let kind = |label: &str| {
        g["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["label"] == label)
            .map(|n| n["type"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(kind("out"), "directory");
    assert_eq!(kind("out/a.txt"), "file");
    let edges = labelled_edges(&g);
    for (a, b) in [
        ("out", "out/a.txt"),
        ("out/a.txt", "sh -c 'cat out/a.txt > sum.txt'"),
        ("out", "sh -c 'ls out > list.txt'"),
    ] {
        assert!(
            edges.contains(&(a.into(), b.into())),
            "{a} -> {b} missing: {edges:?}"
        );
    }
    let text = ok(&env, &root, &["workflow", "visualize"]);
    assert!(row(&text, "│out│") < row(&text, "│out/a.txt│"), "{text}");
    assert!(row(&text, "│out/a.txt│") < row(&text, "cat out/a.txt > sum.txt"));
    let dot = ok(&env, &root, &["workflow", "visualize", "--format", "dot"]);
    assert_contains(&dot, "\"out\" [label=\"out\", shape=folder];");
    assert_contains(&dot, "\"out\" -> \"out/a.txt\";");
    // A file inside a generated directory as the target: the directory's producer.
    let inner = ok(&env, &root, &["workflow", "visualize", "out/b.txt"]);
    assert_contains(&inner, "mkdir -p out");
    assert!(!inner.contains("sum.txt"), "{inner}");

    // When the files inside were recorded as outputs too, they hang off the activity.
    ok(
        &env,
        &root,
        &[
            "run",
            "--name",
            "split2",
            "--output",
            "out2",
            "sh",
            "-c",
            "mkdir -p out2 && cp in.txt out2/a.txt",
        ],
    );
    ok(
        &env,
        &root,
        &[
            "run",
            "--name",
            "pick2",
            "--input",
            "out2/a.txt",
            "--output",
            "sum2.txt",
            "sh",
            "-c",
            "cat out2/a.txt > sum2.txt",
        ],
    );
    let g = graph(&env, &root, &["sum2.txt"]);
    let edges = labelled_edges(&g);
    let split2 = "sh -c 'mkdir -p out2 && cp in.txt out2/a.txt'";
    assert!(edges.contains(&(split2.into(), "out2".into())), "{edges:?}");
    assert!(
        edges.contains(&(split2.into(), "out2/a.txt".into()))
            || edges.contains(&("out2".into(), "out2/a.txt".into())),
        "{edges:?}"
    );
    assert!(edges.contains(&(
        "out2/a.txt".into(),
        "sh -c 'cat out2/a.txt > sum2.txt'".into()
    )));
}

#[test]
fn a_workflow_file_is_drawn_as_a_dependency_of_its_steps() {
    let env = TestEnv::new();
    let root = project(
        &env,
        &[
            ("in.txt", "a\n"),
            (
                "wf.yml",
                "name: pipe\nsteps:\n  first:\n    command: cp in.txt mid.txt\n    inputs:\n      - in.txt\n    outputs:\n      - mid.txt\n  second:\n    command: cp mid.txt out.txt\n    inputs:\n      - mid.txt\n    outputs:\n      - out.txt\n",
            ),
        ],
    );
    ok(&env, &root, &["run", "wf.yml"]);
    let g = graph(&env, &root, &[]);
    let edges = labelled_edges(&g);
    assert!(
        edges.contains(&("wf.yml".into(), "cp in.txt mid.txt".into())),
        "{edges:?}"
    );
    assert!(
        edges.contains(&("wf.yml".into(), "cp mid.txt out.txt".into())),
        "{edges:?}"
    );
    let text = ok(&env, &root, &["workflow", "visualize"]);
    assert_eq!(text.matches("│wf.yml│").count(), 1, "{text}");
    assert!(row(&text, "│wf.yml│") < row(&text, "cp in.txt mid.txt"));
    let plans = ok(&env, &root, &["workflow", "visualize", "-x", "-c", "plan"]);
    assert_contains(&plans, "║pipe.first║");
    assert_contains(&plans, "║pipe.second║");
}

#[test]
fn revision_shows_the_provenance_of_earlier_content() {
    let env = TestEnv::new();
    let root = chain(&env);
    let before = graph(&env, &root, &[]);
    let old_ids: BTreeSet<String> = before["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["type"] == "activity")
        .map(|n| n["id"].as_str().unwrap().to_string())
        .collect();
    let old_head = env.head(&root);
    std::fs::write(root.join("in.txt"), "b\n").unwrap();
    env.git(&root, &["commit", "-qam", "new input"]);
    ok(&env, &root, &["update", "--all"]);
    let now = graph(&env, &root, &["out.txt"]);
    let ids = |g: &serde_json::Value| -> BTreeSet<String> {
        g["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["type"] == "activity")
            .map(|n| n["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids(&now).len(), 2);
    assert!(ids(&now).is_disjoint(&old_ids));
    let then = graph(&env, &root, &["--revision", &old_head, "out.txt"]);
    assert_eq!(ids(&then), old_ids);
    let text = ok(
        &env,
        &root,
        &["workflow", "visualize", "--revision", "HEAD~2", "out.txt"],
    );
    assert_contains(&text, "cp mid.txt out.txt");

    let out = env.run_in(
        &root,
        &["workflow", "visualize", "--revision", "HEAD~4", "out.txt"],
    );
    assert_code(&out, 1);
    assert_contains(
        &stderr(&out),
        "Couldn't find file out.txt at revision HEAD~4",
    );
    let out = env.run_in(
        &root,
        &["workflow", "visualize", "--revision", "nope", "out.txt"],
    );
    assert_code(&out, 1);
    assert_contains(&stderr(&out), "Cannot find a commit with revision 'nope'");
    let out = env.run_in(&root, &["workflow", "visualize", "--revision", "HEAD"]);
    assert_code(&out, 2);
    assert_contains(
        &stderr(&out),
        "Error: Invalid parameter value - Can't use --revision without specifying PATHS.",
    );
}

#[test]
fn bad_arguments_and_nothing_to_show() {
    let env = TestEnv::new();
    let root = project(&env, &[("in.txt", "a\n")]);
    // No executions: nothing to draw.
    let out = env.run_in(&root, &["workflow", "visualize"]);
    assert_code(&out, 0);
    assert_eq!(stdout(&out), "");
    assert_eq!(
        ok(&env, &root, &["workflow", "visualize", "--format", "dot"]),
        "digraph {\n}\n"
    );
    ok(
        &env,
        &root,
        &["run", "--name", "s1", "cp", "in.txt", "mid.txt"],
    );
    // A path nothing generated: a warning, nothing drawn.
    let out = env.run_in(&root, &["workflow", "visualize", "in.txt", "nope.txt"]);
    assert_code(&out, 0);
    assert_eq!(stdout(&out), "");
    assert_contains(
        &stderr(&out),
        "Warning: Path 'nope.txt' is not generated by any workflows.",
    );
    assert_contains(
        &stderr(&out),
        "Warning: Path 'in.txt' is not generated by any workflows.",
    );
    // A source no chain starts at.
    let out = env.run_in(&root, &["workflow", "visualize", "--from", "other.txt"]);
    assert_code(&out, 0);
    assert_eq!(stdout(&out), "");
    // Outside the project.
    let out = env.run_in(&root, &["workflow", "visualize", "/tmp"]);
    assert_code(&out, 2);
    assert_contains(&stderr(&out), "is not inside the project");
    let out = env.run_in(&root, &["workflow", "visualize", "-c", "command,bogus"]);
    assert_code(&out, 2);
    assert_contains(
        &stderr(&out),
        "Error: Invalid parameter value for columns 'bogus': you can use any of 'command,id,date,plan'",
    );
    let out = env.run_in(&root, &["workflow", "visualize", "--pager", "--no-pager"]);
    assert_code(&out, 2);
    assert_contains(&stderr(&out), "Can't use both --pager and --no-pager.");
    let out = env.run_in(&root, &["workflow", "visualize", "--format", "png"]);
    assert_code(&out, 2);
    // The interactive viewer does not exist.
    let out = env.run_in(&root, &["workflow", "visualize", "-i"]);
    assert_code(&out, 2);
    // Outside a project.
    let out = env.run(&["workflow", "visualize"]);
    assert_code(&out, 2);
}

#[test]
fn lineage_of_a_file_goes_both_ways() {
    use renku_lib::exec::lineage::{NodeKind, lineage};
    use renku_lib::repo::ProjectDir;

    let env = TestEnv::new();
    let root = chain(&env);
    ok(
        &env,
        &root,
        &["run", "--name", "s3", "cp", "out.txt", "final.txt"],
    );
    ok(
        &env,
        &root,
        &["run", "--name", "other", "cp", "in.txt", "side.txt"],
    );
    let project = ProjectDir::discover(&root).unwrap();
    let g = lineage(&project, "out.txt").unwrap();
    let commands: BTreeSet<String> = g.activities().map(|n| n.label.clone()).collect();
    assert_eq!(
        commands,
        [
            "cp in.txt mid.txt",
            "cp mid.txt out.txt",
            "cp out.txt final.txt"
        ]
        .map(String::from)
        .into()
    );
    // Upstream of its producer and downstream of its consumer, not the side branch.
    assert!(g.node("side.txt").is_none());
    assert_eq!(g.node("in.txt").map(|n| n.kind), Some(NodeKind::File));
    let s2 = g
        .activities()
        .find(|n| n.label == "cp mid.txt out.txt")
        .unwrap();
    let details = s2.activity.as_ref().unwrap();
    assert_eq!(details.plan_name, "s2");
    assert!(details.plan_id.starts_with("/plans/"));
    assert!(
        g.edges
            .iter()
            .any(|e| e.source == s2.id && e.target == "out.txt")
    );
    // The serialised shape.
    let v = serde_json::to_value(&g).unwrap();
    let node = v["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == s2.id.as_str())
        .unwrap();
    assert_eq!(node["type"], "activity");
    assert_eq!(node["label"], "cp mid.txt out.txt");
    assert_eq!(node["plan_name"], "s2");
    assert!(node["ended"].as_str().unwrap().starts_with("20"));
    let file = v["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == "in.txt")
        .unwrap();
    assert_eq!(
        file,
        &serde_json::json!({"id": "in.txt", "type": "file", "label": "in.txt"})
    );
    assert!(v["edges"][0]["source"].is_string() && v["edges"][0]["target"].is_string());

    // An input only: what used it.
    let from_input = lineage(&project, "in.txt").unwrap();
    assert_eq!(from_input.activities().count(), 4);
    // Unknown.
    let err = lineage(&project, "nope.txt").unwrap_err();
    assert_eq!(err.exit_code(), renku_lib::error::ExitCode::Usage);
    assert_contains(&err.to_string(), "'nope.txt'");
}
