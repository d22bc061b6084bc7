//! `renku dataset rm`: a final version marking the dataset as removed. Its files stay on
//! disk and in git; the slug can be used again.

use crate::Result;
use crate::context::CommandContext;
use crate::repo::ProjectDir;

use super::Datasets;

/// Marks dataset `slug` as removed (one commit).
pub fn remove(ctx: &CommandContext, project: &ProjectDir, slug: &str) -> Result<()> {
    let git = project.git()?;
    super::ensure_metadata_clean(&git)?;
    let user = super::git_user(&git)?;
    let mut tx = ctx.begin_transaction(project.root())?;
    let store = project.store();
    let datasets = Datasets::load(&store)?;
    let state = datasets.get(slug)?;
    let mut record = super::next_version(&tx, &state, state.dataset().clone(), Vec::new(), &user);
    record.data.creators = state.dataset().creators.clone();
    record.data.date_removed = Some(record.date);
    record.removed = true;
    super::put_version(&store, &mut tx, &record)?;
    tx.commit(&ctx.argv)?;
    Ok(())
}
