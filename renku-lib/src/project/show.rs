//! `renku project show`.

use crate::Result;
use crate::model::Project;
use crate::repo::ProjectDir;

/// The current project metadata.
pub fn show(project: &ProjectDir) -> Result<Project> {
    Ok(project.store().project()?.data)
}
