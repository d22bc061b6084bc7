//! `renku workflow show`.

use clap::Args;
use renku_lib::{Error, Result};

use crate::commands::Env;

/// Show a plan by name or id.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Plan name or id (`/plans/…`).
    pub name_or_id: String,
}

/// Runs `renku workflow show`.
pub fn run(env: &Env, args: ShowArgs) -> Result<u8> {
    let project = env.project()?;
    let plan = renku_lib::workflow::query::plan_by_name_or_id(&project, &args.name_or_id)?
        .ok_or_else(|| {
            Error::Failed(format!(
                "The specified workflow '{}' cannot be found.",
                args.name_or_id
            ))
        })?;
    crate::out!("{}", renku_lib::workflow::describe::plan_text(&plan));
    Ok(0)
}
