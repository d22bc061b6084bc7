//! `renku workflow edit`.

use std::path::PathBuf;

use clap::Args;
use renku_lib::Result;
use renku_lib::workflow::manage::{PlanEdit, edit_plan};

use crate::commands::Env;

/// Edit a plan (a new version derived from the current one).
///
/// Each edit records a new version derived from the current one (committed) and prints it.
/// Without options, prints the plan.
#[derive(Debug, Args)]
pub struct EditArgs {
    /// Plan name or id.
    pub name_or_id: String,
    /// New name.
    #[arg(short = 'n', long)]
    pub name: Option<String>,
    /// New description.
    #[arg(short = 'd', long)]
    pub description: Option<String>,
    /// NAME=VALUE: new default value of an input, output or parameter (adds a parameter when
    /// NAME is unknown). Repeatable.
    #[arg(short = 's', long = "set", value_name = "NAME=VALUE")]
    pub set: Vec<String>,
    /// OLD=NEW: rename a parameter. Repeatable.
    #[arg(short = 'r', long = "rename-param", value_name = "OLD=NEW")]
    pub rename: Vec<String>,
    /// NAME="TEXT": describe a parameter. Repeatable.
    #[arg(long = "describe-param", value_name = "NAME=TEXT")]
    pub describe: Vec<String>,
    /// JSON-LD file with custom metadata.
    #[arg(short = 'm', long = "metadata", value_name = "FILE")]
    pub metadata: Option<PathBuf>,
    /// Creator, "Name <email> [affiliation]" (repeatable; replaces the creators).
    #[arg(long = "creator")]
    pub creators: Vec<String>,
    /// Keyword (repeatable; replaces the keywords).
    #[arg(long = "keyword")]
    pub keywords: Vec<String>,
    /// Composite plans: NAME=REF[,REF…] adds or replaces a mapping, NAME= removes it
    /// (repeatable). In composite plans, --set, --rename-param and --describe-param act on
    /// mappings.
    #[arg(long = "map", value_name = "NAME=REF")]
    pub map: Vec<String>,
}

/// Runs `renku workflow edit`.
pub fn run(env: &Env, args: EditArgs) -> Result<u8> {
    let metadata = match &args.metadata {
        Some(f) => Some(renku_lib::model::annotation::read_json_ld(f)?),
        None => None,
    };
    let project = env.project()?;
    let edit = PlanEdit {
        name: args.name,
        description: args.description,
        set: args.set,
        rename: args.rename,
        describe: args.describe,
        metadata,
        creators: args.creators,
        keywords: args.keywords,
        map: args.map,
    };
    let plan = edit_plan(&env.ctx, &project, &args.name_or_id, &edit)?;
    let tree = renku_lib::workflow::query::plan_tree(&project, plan)?;
    crate::out!("{}", renku_lib::workflow::describe::plan_view(&tree));
    Ok(0)
}
