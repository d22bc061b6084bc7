//! `renku dataset unlink`: remove files matching patterns from a dataset (and from disk
//! when they are inside the dataset's data directory).

use crate::context::CommandContext;
use crate::model::DatasetFile;
use crate::repo::ProjectDir;
use crate::{Error, Result};

use super::Datasets;
use super::files::{PathGlobs, passes};

/// The files of `slug` that `include`/`exclude` select (at least one pattern is required).
pub fn matching_files(
    project: &ProjectDir,
    slug: &str,
    include: &[String],
    exclude: &[String],
) -> Result<Vec<DatasetFile>> {
    if include.is_empty() && exclude.is_empty() {
        return Err(Error::Parameter(
            "include or exclude filters not found.\nCheck available filters with 'renku dataset unlink --help'\nHint: 'renku dataset unlink my-dataset -I path'".into(),
        ));
    }
    let store = project.store();
    let datasets = Datasets::load(&store)?;
    let state = datasets.get(slug)?;
    let include = PathGlobs::new(include)?;
    let exclude = PathGlobs::new(exclude)?;
    let files: Vec<DatasetFile> = state
        .files()
        .filter(|f| passes(&include, &exclude, f.path()))
        .cloned()
        .collect();
    if files.is_empty() {
        return Err(Error::Parameter("No records found.".into()));
    }
    Ok(files)
}

/// Removes `files` (from [`matching_files`]) from dataset `slug` in one commit; files inside
/// the data directory are deleted from disk too.
pub fn unlink(
    ctx: &CommandContext,
    project: &ProjectDir,
    slug: &str,
    files: &[DatasetFile],
) -> Result<()> {
    let git = project.git()?;
    super::ensure_metadata_clean(&git)?;
    let user = super::git_user(&git)?;
    let mut tx = ctx.begin_transaction(project.root())?;
    let store = project.store();
    let datasets = Datasets::load(&store)?;
    let state = datasets.get(slug)?;
    let data_dir = state
        .dataset()
        .data_dir(&super::default_data_dir(project.root())?);
    let mut entries = Vec::new();
    let mut to_delete = Vec::new();
    for f in files {
        let Some(current) = state.file(f.path()) else {
            continue;
        };
        entries.push(current.removed_copy());
        let inside = f.path().starts_with(&format!("{data_dir}/"));
        if inside || current.linked {
            to_delete.push(f.path().to_string());
        }
    }
    tx.remove_files(&to_delete)?;
    let record = super::next_version(&tx, &state, state.dataset().clone(), entries, &user);
    super::put_version(&store, &mut tx, &record)?;
    tx.commit(&ctx.argv)?;
    Ok(())
}
