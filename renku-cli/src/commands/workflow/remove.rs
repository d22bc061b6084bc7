//! `renku workflow remove`.

use clap::Args;
use renku_lib::{Error, Result};

use crate::commands::Env;
use crate::ui;

/// Remove a plan.
///
/// It no longer appears in `workflow ls` and its name becomes free. Its recorded executions
/// stay in the history.
#[derive(Debug, Args)]
pub struct RemoveArgs {
    /// Plan name or id.
    pub name: String,
    /// Do not ask for confirmation, and remove the plan even if composite plans use it.
    #[arg(long)]
    pub force: bool,
}

/// Runs `renku workflow remove`.
pub fn run(env: &Env, args: RemoveArgs) -> Result<u8> {
    let project = env.project()?;
    renku_lib::workflow::manage::check_removable(&project, &args.name)?;
    let users = renku_lib::workflow::query::composites_using(&project, &args.name)?;
    let listed: String = users.iter().map(|u| format!("\n\t{u}")).collect();
    if !users.is_empty() {
        if !args.force {
            return Err(Error::Parameter(format!(
                "The specified workflow '{}' is part of the following composite workflows and won't be removed (use '--force' to remove anyways):{listed}",
                args.name
            )));
        }
        ui::warning(&format!(
            "Removing '{}', which is still used in these workflows:{listed}",
            args.name
        ));
    }
    if !args.force
        && !ui::confirm(&format!(
            "You are about to remove the following workflow '{}'.\n\nDo you wish to continue?",
            args.name
        ))
    {
        return Err(Error::Aborted);
    }
    renku_lib::workflow::manage::remove_plan(&env.ctx, &project, &args.name)?;
    Ok(0)
}
