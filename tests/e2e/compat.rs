//! Projects this renku cannot work on directly: renku-python projects (exit 3, "run renku
//! migrate") and projects written by a newer renku (exit 4). Nothing may be changed.

use std::path::Path;

use crate::common::*;

/// Every command that needs a project, including mutating ones.
const PROJECT_COMMANDS: [&[&str]; 15] = [
    &["config", "show"],
    &["config", "show", "lfs_threshold"],
    &["config", "set", "a.b", "c"],
    &["config", "remove", "interactive.default_url"],
    &["project", "show"],
    &["project", "show", "--format", "json"],
    &["project", "edit", "-d", "new"],
    &["doctor"],
    &["doctor", "--fix"],
    &["gc"],
    &["rollback"],
    &["template", "show"],
    &["template", "set", "-f", "minimal"],
    &["template", "update"],
    &["template", "update", "-n"],
];

#[track_caller]
fn assert_migration_required(env: &TestEnv, root: &Path, cwd: &Path) {
    let snap = snapshot(env, root);
    let git_config = std::fs::read(root.join(".git/config")).unwrap();
    for args in PROJECT_COMMANDS {
        let out = env.run_in(cwd, args);
        assert_code(&out, 3);
        let err = stderr(&out);
        assert!(err.starts_with("Error: "), "{args:?}: {err}");
        assert_contains(&err, "migration is required");
        assert_contains(&err, "renku migrate");
        assert_eq!(stdout(&out), "", "{args:?}");
    }
    assert_unchanged(env, root, &snap, "a command changed the project");
    assert_eq!(std::fs::read(root.join(".git/config")).unwrap(), git_config);
    assert!(!root.join(".renku/store").exists());
    assert!(!root.join(".renku/cache").exists());
}

#[test]
fn renku_python_fixture_requires_migration() {
    let env = TestEnv::new();
    let root = clone_fixture(&env, "old-datasets-v0.16.0", &env.work());
    assert!(root.join(".renku/metadata.yml").is_file());
    assert_migration_required(&env, &root, &root);
    // Also from a sub-directory of the project.
    let sub = root.join("data");
    assert!(sub.is_dir());
    assert_migration_required(&env, &root, &sub);
}

#[test]
fn renku_python_v10_database_requires_migration() {
    let env = TestEnv::new();
    let root = env.work().join("v10");
    std::fs::create_dir_all(root.join(".renku/metadata")).unwrap();
    env.git(&root, &["init", "-q"]);
    std::fs::write(root.join(".renku/metadata/root"), "{}").unwrap();
    std::fs::write(root.join(".renku/metadata/project"), r#"{"version": "10"}"#).unwrap();
    env.git(&root, &["add", "-A"]);
    env.git(&root, &["commit", "-qm", "renku-python project"]);
    assert_migration_required(&env, &root, &root);
}

#[test]
fn renku_python_legacy_yaml_requires_migration() {
    let env = TestEnv::new();
    let root = env.work().join("legacy");
    std::fs::create_dir_all(root.join(".renku")).unwrap();
    env.git(&root, &["init", "-q"]);
    std::fs::write(
        root.join(".renku/metadata.yml"),
        "'@type': ['prov:Location', 'foaf:Project']\nname: legacy\n",
    )
    .unwrap();
    env.git(&root, &["add", "-A"]);
    env.git(&root, &["commit", "-qm", "legacy project"]);
    assert_migration_required(&env, &root, &root);
}

#[test]
fn newer_store_format_is_unsupported() {
    let env = TestEnv::new();
    let root = env.init_project("p");
    let format = root.join(".renku/store/format.json");
    let mut value = read_json(&format);
    assert_eq!(value["version"], 1);
    value["version"] = 99.into();
    std::fs::write(
        &format,
        serde_json::to_string_pretty(&value).unwrap() + "\n",
    )
    .unwrap();
    env.git(&root, &["commit", "-qam", "from the future"]);

    let snap = snapshot(&env, &root);
    for args in PROJECT_COMMANDS {
        let out = env.run_in(&root, args);
        assert_code(&out, 4);
        let err = stderr(&out);
        assert!(err.starts_with("Error: "), "{args:?}: {err}");
        assert_contains(&err, "99");
    }
    assert_unchanged(&env, &root, &snap, "");
}
