//! `renku workflow compose` and executing composite plans through mappings and links.

use std::path::{Path, PathBuf};

use crate::common::*;

/// a.txt → s1 (cp) → b.txt → s2 (wc -c, to stdout) → c.txt, committed.
fn two_steps(env: &TestEnv) -> PathBuf {
    let root = env.project_with(&[("a.txt", "hi\n"), ("x.txt", "hello\n")]);
    env.ok(&root, &["run", "--name", "s1", "cp", "a.txt", "b.txt"]);
    env.ok_to_file(
        &root,
        &["run", "--name", "s2", "wc", "-c", "b.txt"],
        "c.txt",
    );
    root
}

/// Ids vary between runs: `/plans/<hex>` becomes `/plans/ID`.
fn without_ids(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("/plans/") {
        out.push_str(&rest[..i + 7]);
        rest = &rest[i + 7..];
        let hex = rest.chars().take_while(|c| c.is_ascii_hexdigit()).count();
        out.push_str("ID");
        rest = &rest[hex..];
    }
    out.push_str(rest);
    out
}

fn chain(env: &TestEnv) -> PathBuf {
    let root = env.project_with(&[("a.txt", "hi\n"), ("x.txt", "hello\n")]);
    env.ok(&root, &["run", "--name", "s1", "cp", "a.txt", "b.txt"]);
    env.ok(&root, &["run", "--name", "s2", "cp", "b.txt", "c.txt"]);
    root
}

fn creator_line(env: &TestEnv, root: &Path) -> String {
    let name = env.git(root, &["config", "user.name"]);
    let email = env.git(root, &["config", "user.email"]);
    format!("Creators: {} <{}>\n", name.trim(), email.trim())
}

#[test]
fn compose_records_mappings_and_links_and_prints_the_composite() {
    let env = TestEnv::new();
    let root = chain(&env);
    let commits = env.commit_count(&root);
    let out = env.ok(
        &root,
        &[
            "workflow",
            "compose",
            "--map",
            "inp=s1.input-1",
            "--link",
            "s1.output-2=s2.input-1",
            "-p",
            "inp=\"the input\"",
            "--set",
            "inp=x.txt",
            "--keyword",
            "k1",
            "comp",
            "s1",
            "s2",
        ],
    );
    let expected = format!(
        "Id: /plans/ID\nName: comp\n{}Keywords: k1\nSteps:\n\t- s1:\n\t\tId: /plans/ID\n\t- s2:\n\t\tId: /plans/ID\nMappings:\n\t- inp:\n\t\tthe input\n\t\tDefault Value: x.txt\n\t\tMaps to: \n\t\t\tinput-1\nLinks: \n\t- From: s1.output-2\n\t\t To: \n\t\t\t- s2.input-1\n",
        creator_line(&env, &root)
    );
    assert_eq!(without_ids(&out), expected);
    assert_eq!(env.commit_count(&root), commits + 1, "one commit");
    assert_eq!(env.status(&root), "", "nothing left uncommitted");
    // The composite is a plan like any other.
    assert_eq!(env.ok(&root, &["workflow", "show", "comp"]), out);
    assert_contains(&env.ok(&root, &["workflow", "ls"]), "comp");
    let listed: serde_json::Value =
        serde_json::from_str(&env.ok(&root, &["workflow", "ls", "--format", "json"])).unwrap();
    let comp = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "comp")
        .expect("listed");
    assert_eq!(comp["type"], "CompositePlan");
    assert_eq!(comp["command"], "");
    // The mapping's default is what the composite runs with: x.txt flows through the link.
    env.ok(&root, &["workflow", "execute", "comp"]);
    assert_eq!(read_file(&root, "b.txt"), "hello\n");
    assert_eq!(read_file(&root, "c.txt"), "hello\n");
}

#[test]
fn values_pass_through_mappings_and_links_and_are_recorded() {
    let env = TestEnv::new();
    let root = two_steps(&env);
    env.ok(
        &root,
        &[
            "workflow",
            "compose",
            "--map",
            "inp=s1.input-1",
            "--link",
            "s1.output-2=s2.c-1",
            "comp",
            "s1",
            "s2",
        ],
    );
    let commits = env.commit_count(&root);
    let out = env.ok(
        &root,
        &[
            "workflow",
            "execute",
            "comp",
            "--set",
            "inp=x.txt",
            "--set",
            "s1.output-2=d.txt",
        ],
    );
    assert_eq!(
        out,
        "Executing step 's1': 'cp x.txt d.txt' ...\nExecuting step 's2': 'wc -c d.txt > c.txt' ...\n"
    );
    assert_eq!(read_file(&root, "d.txt"), "hello\n");
    assert_eq!(read_file(&root, "c.txt"), "6 d.txt\n");
    assert_eq!(env.commit_count(&root), commits + 1);
    assert_eq!(env.status(&root), "");
    // Recorded: status is clean, and d.txt has a generator that can be re-run.
    assert_code(&env.run_in(&root, &["status"]), 0);
    let dry = env.ok(&root, &["rerun", "--dry-run", "c.txt"]);
    assert_contains(&dry, "d.txt");
    // The step names accept the @-grammar too.
    env.ok(
        &root,
        &[
            "workflow",
            "execute",
            "comp",
            "--set",
            "@step1.@output1=e.txt",
        ],
    );
    assert_eq!(read_file(&root, "c.txt"), "3 e.txt\n");
}

#[test]
fn set_on_nested_composites_reaches_the_inner_steps() {
    let env = TestEnv::new();
    let root = two_steps(&env);
    env.ok(
        &root,
        &[
            "workflow",
            "compose",
            "--map",
            "inp=s1.input-1",
            "--link",
            "s1.output-2=s2.c-1",
            "inner",
            "s1",
            "s2",
        ],
    );
    env.ok(&root, &["run", "--name", "s3", "cp", "c.txt", "f.txt"]);
    env.ok(
        &root,
        &[
            "workflow",
            "compose",
            "--map",
            "source=inner.inp",
            "--map",
            "mid=inner.s1.output-2",
            "--link",
            "inner.s2.output-2=s3.input-1",
            "outer",
            "inner",
            "s3",
        ],
    );
    let show = env.ok(&root, &["workflow", "show", "outer"]);
    assert_contains(
        &show,
        "\t- source:\n\t\tDefault Value: None\n\t\tMaps to: \n\t\t\tinp\n",
    );
    assert_contains(
        &show,
        "\t- From: s2.output-2\n\t\t To: \n\t\t\t- s3.input-1\n",
    );

    // A mapping of a mapping, a mapping to a nested parameter, and a dotted name two levels
    // deep; the inner link carries mid.txt on, the outer one carries the count on.
    let out = env.ok(
        &root,
        &[
            "workflow",
            "execute",
            "outer",
            "--set",
            "source=x.txt",
            "--set",
            "mid=m.txt",
            "--set",
            "inner.s2.output-2=count.txt",
            "--set",
            "s3.output-2=final.txt",
        ],
    );
    assert_eq!(
        out,
        "Executing step 's1': 'cp x.txt m.txt' ...\nExecuting step 's2': 'wc -c m.txt > count.txt' ...\nExecuting step 's3': 'cp count.txt final.txt' ...\n"
    );
    assert_eq!(read_file(&root, "final.txt"), "6 m.txt\n");

    // The same through a values file with nested mappings.
    std::fs::write(
        root.join("values.yml"),
        "source: a.txt\ninner:\n  s1:\n    output-2: v.txt\n",
    )
    .unwrap();
    env.git(&root, &["add", "values.yml"]);
    env.git(&root, &["commit", "-qm", "values"]);
    env.ok(
        &root,
        &["workflow", "execute", "outer", "--values", "values.yml"],
    );
    assert_eq!(read_file(&root, "v.txt"), "hi\n");
    assert_eq!(read_file(&root, "c.txt"), "3 v.txt\n");
    assert_eq!(read_file(&root, "f.txt"), "3 v.txt\n");
}

#[test]
fn map_all_and_link_all_expose_and_connect_every_parameter() {
    let env = TestEnv::new();
    let root = two_steps(&env);
    let out = env.ok(
        &root,
        &[
            "workflow",
            "compose",
            "--map-all",
            "--link-all",
            "all",
            "s1",
            "s2",
        ],
    );
    let mappings = &out[out.find("Mappings:").expect("mappings")..];
    assert_eq!(
        mappings,
        "Mappings:\n\t- s1_input-1:\n\t\tDefault Value: a.txt\n\t\tMaps to: \n\t\t\tinput-1\n\t- s2_c-1:\n\t\tDefault Value: b.txt\n\t\tMaps to: \n\t\t\tc-1\n\t- s1_output-2:\n\t\tDefault Value: b.txt\n\t\tMaps to: \n\t\t\toutput-2\n\t- s2_output-2:\n\t\tDefault Value: c.txt\n\t\tMaps to: \n\t\t\toutput-2\nLinks: \n\t- From: s1.output-2\n\t\t To: \n\t\t\t- s2.c-1\n"
    );
    // Through the mappings and the automatic link.
    env.ok(
        &root,
        &["workflow", "execute", "all", "--set", "s1_output-2=z.txt"],
    );
    assert_eq!(read_file(&root, "c.txt"), "3 z.txt\n");
}

#[test]
fn compose_from_recorded_executions_maps_the_values_they_used() {
    let env = TestEnv::new();
    let root = chain(&env);
    env.ok(&root, &["run", "--name", "other", "cp", "x.txt", "y.txt"]);
    let out = env.ok(&root, &["workflow", "compose", "fromto", "--from", "a.txt"]);
    let steps = &out[out.find("Steps:").unwrap()..out.find("Mappings:").unwrap()];
    assert_eq!(
        without_ids(steps),
        "Steps:\n\t- s1:\n\t\tId: /plans/ID\n\t- s2:\n\t\tId: /plans/ID\n"
    );
    let names: Vec<&str> = out
        .lines()
        .filter(|l| {
            l.starts_with("\t- ") && l.contains('-') && !l.contains("s1:") && !l.contains("s2:")
        })
        .collect();
    assert_eq!(
        names,
        vec![
            "\t- 1-input-1:",
            "\t- 1-output-2:",
            "\t- 2-input-1:",
            "\t- 2-output-2:"
        ]
    );
    // --to limits the chain.
    let out = env.ok(&root, &["workflow", "compose", "upto", "--to", "b.txt"]);
    assert!(out.contains("\t- s1:") && !out.contains("\t- s2:"), "{out}");
    let out = env.run_in(&root, &["workflow", "compose", "none", "--to", "a.txt"]);
    assert_code(&out, 1);
    assert_contains(&stderr(&out), "'a.txt' is not generated by any workflows");
}

#[test]
fn compose_errors_change_nothing() {
    let env = TestEnv::new();
    let root = two_steps(&env);
    env.ok(&root, &["workflow", "compose", "comp", "s1", "s2"]);
    // A plan whose values close a cycle a.txt → b.txt → c.txt → a.txt.
    env.ok(&root, &["run", "--name", "back", "cp", "x.txt", "y.txt"]);
    env.ok(
        &root,
        &[
            "workflow",
            "edit",
            "back",
            "--set",
            "input-1=c.txt",
            "--set",
            "output-2=a.txt",
        ],
    );
    let before = snapshot(&env, &root);
    let cases: Vec<(Vec<&str>, i32, &str)> = vec![
        (
            vec!["bad", "s1", "nope"],
            1,
            "The specified workflow 'nope' cannot be found.",
        ),
        (
            vec!["bad"],
            1,
            "Either --from/--to passing run/step names is required.",
        ),
        (
            vec!["bad", "s1", "--from", "a.txt"],
            1,
            "--from/--to cannot be used at the same time as passing run/step names.",
        ),
        (
            vec!["comp", "s1"],
            1,
            "Duplicate workflow name: Workflow 'comp' already exists.",
        ),
        (
            vec!["bad", "s1", "s2", "--link", "s2.c-1=s1.input-1"],
            1,
            "A parameter link can't originate in a command input or command parameter: c-1",
        ),
        (
            vec!["bad", "s1", "s2", "--link", "s1.output-2=s2.output-2"],
            1,
            "A parameter link can't end in a command output: 'output-2'.",
        ),
        (
            vec!["bad", "s1", "s2", "--link", "s1.output-2=s1.input-1"],
            1,
            "Parameter links have to link between different workflows",
        ),
        (
            vec![
                "bad",
                "s1",
                "s2",
                "--link",
                "s1.output-2=s2.c-1",
                "--link",
                "s1.output-2=s2.c-1",
            ],
            1,
            "Parameter link to sink 'c-1' already exists in workflows: bad",
        ),
        (
            vec![
                "bad",
                "s1",
                "s2",
                "--map",
                "m=s1.input-1",
                "--map",
                "n=s1.input-1",
            ],
            1,
            "The following mapping targets already exist on these mappings: \n\tinput-1: m",
        ),
        (
            vec!["bad", "s1", "--map", "m=s9.x"],
            1,
            "Cannot find parameter 's9.x' on workflow bad",
        ),
        (
            vec!["bad", "s1", "--set", "nomap=1"],
            1,
            "Cannot find a mapping 'nomap'",
        ),
        (
            vec!["bad", "s1", "--map", "nomapping"],
            2,
            "is not of the form NAME=VALUE",
        ),
        (
            vec!["bad", "s1", "s2", "back", "--link-all"],
            1,
            "Circular workflows are not supported in Renku. Please remove these cycles:",
        ),
    ];
    for (args, code, message) in cases {
        let mut full = vec!["workflow", "compose"];
        full.extend(&args);
        let out = env.run_in(&root, &full);
        assert_code(&out, code);
        assert_contains(&stderr(&out), message);
        assert_unchanged(&env, &root, &before, &format!("compose {args:?}"));
    }
}

#[test]
fn execute_warns_about_names_that_match_nothing_before_running() {
    let env = TestEnv::new();
    let root = two_steps(&env);
    env.ok(&root, &["workflow", "compose", "comp", "s1", "s2"]);
    let out = env.run_in(
        &root,
        &[
            "workflow", "execute", "comp", "--set", "nope=1", "--set", "s1.zz=3",
        ],
    );
    assert_success(&out);
    assert_contains(
        &stderr(&out),
        "Warning: Could not resolve the following parameters in \"comp\" workflow: nope,s1.zz",
    );
}

#[test]
fn edit_changes_the_mappings_of_a_composite() {
    let env = TestEnv::new();
    let root = chain(&env);
    env.ok(
        &root,
        &[
            "workflow",
            "compose",
            "--map",
            "inp=s1.input-1",
            "comp",
            "s1",
            "s2",
        ],
    );
    let out = env.ok(
        &root,
        &[
            "workflow",
            "edit",
            "comp",
            "--set",
            "inp=x.txt",
            "--describe-param",
            "inp=the source",
            "--map",
            "out=s2.@output1",
            "--rename-param",
            "out=result",
        ],
    );
    assert_contains(
        &out,
        "Mappings:\n\t- inp:\n\t\tthe source\n\t\tDefault Value: x.txt\n\t\tMaps to: \n\t\t\tinput-1\n\t- result:\n\t\tDefault Value: None\n\t\tMaps to: \n\t\t\toutput-2\n",
    );
    // The new version is what runs.
    env.ok(
        &root,
        &["workflow", "execute", "comp", "--set", "result=r.txt"],
    );
    assert_eq!(read_file(&root, "b.txt"), "hello\n");
    assert_eq!(read_file(&root, "r.txt"), "hello\n");
    // NAME= removes a mapping.
    let out = env.ok(&root, &["workflow", "edit", "comp", "--map", "inp="]);
    assert!(!out.contains("- inp:"), "{out}");
    let before = snapshot(&env, &root);
    let out = env.run_in(&root, &["workflow", "edit", "comp", "--map", "nope="]);
    assert_code(&out, 1);
    assert_contains(&stderr(&out), "Cannot find mapping 'nope' on workflow comp");
    let out = env.run_in(&root, &["workflow", "edit", "s1", "--map", "a=s1.input-1"]);
    assert_code(&out, 2);
    assert_unchanged(&env, &root, &before, "failed edits");
}

#[test]
fn removing_a_step_of_a_composite_needs_force() {
    let env = TestEnv::new();
    let root = chain(&env);
    env.ok(&root, &["workflow", "compose", "comp", "s1", "s2"]);
    env.ok(&root, &["workflow", "compose", "other", "s2"]);
    // A newer version of the step is still the same plan.
    env.ok(&root, &["workflow", "edit", "s2", "-d", "copies"]);
    let before = snapshot(&env, &root);
    let out = env.run_in(&root, &["workflow", "remove", "s2"]);
    assert_code(&out, 2);
    assert_contains(
        &stderr(&out),
        "The specified workflow 's2' is part of the following composite workflows and won't be removed (use '--force' to remove anyways):\n\tcomp\n\tother\n",
    );
    assert_unchanged(&env, &root, &before, "refused removal");
    let out = env.run_in(&root, &["workflow", "remove", "--force", "s2"]);
    assert_success(&out);
    assert_contains(
        &stderr(&out),
        "Warning: Removing 's2', which is still used in these workflows:\n\tcomp\n\tother\n",
    );
    assert!(!env.ok(&root, &["workflow", "ls"]).contains("s2"));
    // A plan no composite uses is removed without a warning.
    env.ok(&root, &["run", "--name", "lone", "cp", "x.txt", "y.txt"]);
    let out = env.run_in(&root, &["workflow", "remove", "--force", "lone"]);
    assert_success(&out);
    assert_eq!(stderr(&out), "");
}

#[test]
fn execute_dry_run_shows_the_commands_with_the_values_and_changes_nothing() {
    let env = TestEnv::new();
    let root = two_steps(&env);
    env.ok(
        &root,
        &[
            "workflow",
            "compose",
            "--map",
            "inp=s1.input-1",
            "--link",
            "s1.output-2=s2.c-1",
            "comp",
            "s1",
            "s2",
        ],
    );
    let before = snapshot(&env, &root);
    let out = env.ok(
        &root,
        &[
            "workflow",
            "execute",
            "comp",
            "-n",
            "--set",
            "inp=x.txt",
            "--set",
            "s1.output-2=d.txt",
        ],
    );
    assert_eq!(
        out,
        "STEP    COMMAND\n------  -------------------\ns1      cp x.txt d.txt\ns2      wc -c d.txt > c.txt\n"
    );
    assert_unchanged(&env, &root, &before, "dry run");
    // Checks still apply: a missing input is an error.
    let out = env.run_in(
        &root,
        &["workflow", "execute", "comp", "-n", "--set", "inp=nope.txt"],
    );
    assert_code(&out, 2);
    assert_contains(&stderr(&out), "Input 'nope.txt' does not exist!");
}
