//! `renku workflow show`.

use clap::Args;
use renku_lib::{Error, Result};

use crate::commands::Env;

/// Show a plan by name or id.
///
/// Also shows the steps of a workflow file given by its path, even one that was never run.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Plan name or id (`/plans/…`), or the path of a workflow file.
    pub name_or_id: String,
}

/// Runs `renku workflow show`.
pub fn run(env: &Env, args: ShowArgs) -> Result<u8> {
    let project = env.project()?;
    if renku_lib::workflow::file::looks_like_workflow_file(&args.name_or_id) {
        let file =
            renku_lib::workflow::file::load(&project, std::path::Path::new(&args.name_or_id))?;
        for step in &file.steps {
            for w in &step.warnings {
                crate::outln!("Warning: {w}");
            }
        }
        crate::out!("{}", renku_lib::workflow::file::describe(&file));
        return Ok(0);
    }
    let plan = renku_lib::workflow::query::plan_by_name_or_id(&project, &args.name_or_id)?
        .ok_or_else(|| {
            Error::Failed(format!(
                "The specified workflow '{}' cannot be found.",
                args.name_or_id
            ))
        })?;
    let tree = renku_lib::workflow::query::plan_tree(&project, plan)?;
    crate::out!("{}", renku_lib::workflow::describe::plan_view(&tree));
    Ok(0)
}
