//! Deciding what happens to each rendered template file in a project, and doing it inside a
//! transaction.

use std::collections::BTreeMap;
use std::path::Path;

use super::render::RenderedTemplate;
use crate::repo::transaction::Transaction;
use crate::{Error, Result};

/// Repository-relative path of the template checksums file.
pub const CHECKSUMS_FILE: &str = ".renku/template_checksums.json";

/// What happens to one template file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileAction {
    /// The file does not exist and is created.
    Create,
    /// The file exists and is replaced.
    Overwrite,
    /// The template content is appended to the existing file (`.gitignore`).
    Append,
    /// The existing file is left alone (READMEs, local changes).
    Keep,
    /// The file already has the rendered content.
    Unchanged,
}

impl FileAction {
    /// Whether the action writes the file.
    pub fn writes(self) -> bool {
        matches!(
            self,
            FileAction::Create | FileAction::Overwrite | FileAction::Append
        )
    }
}

/// One file's planned action, with a reason for `Keep`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedFile {
    /// Repository-relative path.
    pub path: String,
    /// What happens.
    pub action: FileAction,
    /// Why, when the action needs explaining.
    pub reason: Option<String>,
}

fn is_readme(path: &str) -> bool {
    !path.contains('/') && path.to_ascii_lowercase().starts_with("readme")
}

/// Plans rendering into a directory that may already hold files (`init`, `template set`):
/// new files are created, `.gitignore` is appended to, READMEs are never overwritten,
/// identical files are left, everything else is overwritten.
pub fn plan_fresh(root: &Path, rendered: &RenderedTemplate) -> Vec<PlannedFile> {
    rendered
        .files
        .iter()
        .map(|(path, content)| {
            let abs = root.join(path);
            let (action, reason) = match std::fs::read(&abs) {
                Err(_) => (FileAction::Create, None),
                Ok(existing) if existing == *content => (FileAction::Unchanged, None),
                Ok(existing) if path == ".gitignore" => {
                    let text = String::from_utf8_lossy(&existing);
                    let new = String::from_utf8_lossy(content);
                    if new
                        .lines()
                        .filter(|l| !l.trim().is_empty())
                        .all(|l| text.lines().any(|e| e == l))
                    {
                        (FileAction::Unchanged, None)
                    } else {
                        (FileAction::Append, None)
                    }
                }
                Ok(_) if is_readme(path) => (
                    FileAction::Keep,
                    Some("README files are never overwritten".into()),
                ),
                Ok(_) => (FileAction::Overwrite, None),
            };
            PlannedFile {
                path: path.clone(),
                action,
                reason,
            }
        })
        .collect()
}

/// Plans `template update`: `old` are the checksums recorded when the project's files were
/// last rendered. Files the user changed are kept unless the template changed them too, in
/// which case `force` decides (immutable files and the Dockerfile are errors then).
pub fn plan_update(
    root: &Path,
    old: &BTreeMap<String, String>,
    rendered: &RenderedTemplate,
    immutable: &[String],
    force: bool,
) -> Result<Vec<PlannedFile>> {
    let mut plan = Vec::new();
    for (path, content) in &rendered.files {
        let new_sum = &rendered.checksums[path];
        let abs = root.join(path);
        let (action, reason) = match std::fs::read(&abs) {
            Err(_) if old.contains_key(path) => (FileAction::Keep, Some("deleted locally".into())),
            Err(_) => (FileAction::Create, None),
            Ok(existing) if existing == *content => (FileAction::Unchanged, None),
            Ok(existing) => {
                let local_sum = crate::util::sha256_hex(&existing);
                match old.get(path) {
                    Some(old_sum) if *old_sum == local_sum => (FileAction::Overwrite, None),
                    Some(old_sum) if old_sum == new_sum => (
                        FileAction::Keep,
                        Some("modified locally; the template did not change it".into()),
                    ),
                    _ if immutable.iter().any(|f| f == path) => {
                        return Err(Error::Template(format!(
                            "Can't update template as immutable template file '{path}' has local changes."
                        )));
                    }
                    _ if path == "Dockerfile" && !force => {
                        return Err(Error::Template(
                            "Can't update template as Dockerfile has local changes; use --force to overwrite it.".into(),
                        ));
                    }
                    _ if force => (
                        FileAction::Overwrite,
                        Some("modified locally, overwritten (--force)".into()),
                    ),
                    _ => (
                        FileAction::Keep,
                        Some("modified locally; use --force to overwrite".into()),
                    ),
                }
            }
        };
        plan.push(PlannedFile {
            path: path.clone(),
            action,
            reason,
        });
    }
    Ok(plan)
}

/// Writes the planned files and the checksums file through `tx`.
pub fn apply(
    tx: &mut Transaction,
    rendered: &RenderedTemplate,
    plan: &[PlannedFile],
) -> Result<()> {
    let contents: BTreeMap<&str, &Vec<u8>> = rendered
        .files
        .iter()
        .map(|(p, c)| (p.as_str(), c))
        .collect();
    for item in plan {
        let Some(content) = contents.get(item.path.as_str()) else {
            continue;
        };
        match item.action {
            FileAction::Create | FileAction::Overwrite => tx.write_file(&item.path, content)?,
            FileAction::Append => {
                let mut existing = std::fs::read(tx.root().join(&item.path))
                    .map_err(|e| Error::io(format!("Cannot read {}", item.path), e))?;
                if !existing.ends_with(b"\n") {
                    existing.push(b'\n');
                }
                existing.push(b'\n');
                existing.extend_from_slice(content);
                tx.write_file(&item.path, &existing)?;
            }
            FileAction::Keep | FileAction::Unchanged => {}
        }
    }
    let checksums = crate::store::record::canonical_json(&rendered.checksums)?;
    tx.write_file(CHECKSUMS_FILE, &checksums)
}

/// Reads `.renku/template_checksums.json` (empty when missing).
pub fn read_checksums(root: &Path) -> Result<BTreeMap<String, String>> {
    match std::fs::read(root.join(CHECKSUMS_FILE)) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map_err(|e| Error::Template(format!("{CHECKSUMS_FILE} is damaged: {e}"))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
        Err(e) => Err(Error::io(format!("Cannot read {CHECKSUMS_FILE}"), e)),
    }
}
