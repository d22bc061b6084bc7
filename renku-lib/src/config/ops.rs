//! The operations behind `renku config show|set|remove`.

use crate::context::CommandContext;
use crate::repo::ProjectDir;
use crate::{Error, Result};

use super::{Config, IniDoc, LOCAL_CONFIG, READ_ONLY_KEYS, Scope, split_key};

/// Renders the configuration of `scope` as INI text, or the value of one `key`.
/// `project` is `None` outside a project (then only defaults and the global file exist).
pub fn show(project: Option<&ProjectDir>, key: Option<&str>, scope: Scope) -> Result<String> {
    if scope == Scope::Local && project.is_none() {
        let cwd = std::env::current_dir().unwrap_or_default();
        return Err(Error::NotAProject { path: cwd });
    }
    let config = Config::load(project.map(ProjectDir::root))?;
    let doc = config.document(scope);
    match key {
        None => Ok(doc.render()),
        Some(key) => {
            let (section, name) = split_key(key)?;
            doc.get(&section, &name)
                .map(str::to_string)
                .ok_or_else(|| Error::Parameter(format!("Key '{key}' not found.")))
        }
    }
}

/// What a `set` or `remove` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigChange {
    /// The file changed (and, for the project file, was committed).
    Changed,
    /// The value was already as requested; nothing was written.
    Unchanged,
}

fn check_writable(local: &IniDoc, section: &str, name: &str) -> Result<()> {
    if READ_ONLY_KEYS
        .iter()
        .any(|(s, k)| *s == section && *k == name)
        && local.get(section, name).is_some()
    {
        return Err(Error::Parameter(format!(
            "Configuration {name} cannot be modified."
        )));
    }
    Ok(())
}

/// Sets `key` to `value` in the global file (`global`) or in the project file, which is then
/// committed as `renku config set …`.
pub fn set(
    ctx: &CommandContext,
    project: Option<&ProjectDir>,
    key: &str,
    value: &str,
    global: bool,
) -> Result<ConfigChange> {
    let (section, name) = split_key(key)?;
    if value.contains(['\n', '\r']) {
        return Err(Error::Parameter(
            "Configuration values cannot span several lines.".into(),
        ));
    }
    if global {
        let mut doc = IniDoc::load(&super::global_config_path()?)?;
        if doc.get(&section, &name) == Some(value) {
            return Ok(ConfigChange::Unchanged);
        }
        with_defaults(&mut doc);
        doc.set(&section, &name, value);
        super::write_global(&doc)?;
        return Ok(ConfigChange::Changed);
    }
    let project = require_project(project)?;
    let mut tx = ctx.begin_transaction(project.root())?;
    let mut doc = IniDoc::load(&project.root().join(LOCAL_CONFIG))?;
    check_writable(&doc, &section, &name)?;
    if doc.get(&section, &name) == Some(value) {
        tx.rollback()?;
        return Ok(ConfigChange::Unchanged);
    }
    with_defaults(&mut doc);
    doc.set(&section, &name, value);
    tx.write_file(LOCAL_CONFIG, doc.render().as_bytes())?;
    tx.commit(&ctx.argv)?;
    Ok(ConfigChange::Changed)
}

/// Adds the built-in defaults `doc` does not set, as renku-python writes them into a file it
/// changes with `config set`.
fn with_defaults(doc: &mut IniDoc) {
    for (section, key, value) in super::DEFAULTS {
        if doc.get(section, key).is_none() {
            doc.set(section, key, value);
        }
    }
}

/// Removes `key` (or a whole section with `section.*`) from the global or the project file.
pub fn remove(
    ctx: &CommandContext,
    project: Option<&ProjectDir>,
    key: &str,
    global: bool,
) -> Result<ConfigChange> {
    let (section, name) = split_key(key)?;
    // Removing a key that is not set changes nothing and is not an error (as in renku-python).
    let apply = |doc: &mut IniDoc| -> bool {
        if name == "*" {
            doc.remove_section(&section)
        } else {
            doc.remove(&section, &name)
        }
    };
    if global {
        let mut doc = IniDoc::load(&super::global_config_path()?)?;
        if !apply(&mut doc) {
            return Ok(ConfigChange::Unchanged);
        }
        super::write_global(&doc)?;
        return Ok(ConfigChange::Changed);
    }
    let project = require_project(project)?;
    let mut tx = ctx.begin_transaction(project.root())?;
    let mut doc = IniDoc::load(&project.root().join(LOCAL_CONFIG))?;
    if name == "*" {
        for (s, k) in READ_ONLY_KEYS {
            if *s == section {
                check_writable(&doc, s, k)?;
            }
        }
    } else {
        check_writable(&doc, &section, &name)?;
    }
    if !apply(&mut doc) {
        tx.rollback()?;
        return Ok(ConfigChange::Unchanged);
    }
    tx.write_file(LOCAL_CONFIG, doc.render().as_bytes())?;
    tx.commit(&ctx.argv)?;
    Ok(ConfigChange::Changed)
}

fn require_project(project: Option<&ProjectDir>) -> Result<&ProjectDir> {
    project.ok_or_else(|| Error::NotAProject {
        path: std::env::current_dir().unwrap_or_default(),
    })
}
