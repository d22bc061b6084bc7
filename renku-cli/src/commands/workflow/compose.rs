//! `renku workflow compose`.

use std::path::PathBuf;

use clap::Args;
use renku_lib::Result;
use renku_lib::workflow::compose::{ComposeOptions, compose};

use crate::commands::Env;
use crate::commands::status::project_paths;

/// Create a composite plan from existing plans, and print it.
///
/// STEPS are plan names or ids, in order; or, with `--from`/`--to`, the steps are the
/// recorded executions that lead from the `--from` paths to the `--to` paths (default: every
/// output nothing else uses), with one mapping per step parameter holding the value it ran
/// with.
///
/// References name parameters of the steps: `MAPPING`, `@mapping2`, `STEP.PARAM`,
/// `@step1.PARAM`, `STEP.@input2` (also `@output<N>`, `@param<N>`), and `OUTER.INNER.PARAM`
/// inside nested composite plans.
#[derive(Debug, Args)]
pub struct ComposeArgs {
    /// Name of the composite plan.
    pub name: String,
    /// Plans that become the steps (names or ids).
    pub steps: Vec<String>,
    /// Description.
    #[arg(short = 'd', long)]
    pub description: Option<String>,
    /// NAME=REF[,REF…]: a mapping exposing one or more step parameters (repeatable).
    #[arg(short = 'm', long = "map", value_name = "NAME=REF")]
    pub map: Vec<String>,
    /// NAME=VALUE: default value of a mapping (repeatable).
    #[arg(short = 's', long = "set", value_name = "NAME=VALUE")]
    pub set: Vec<String>,
    /// SOURCE=SINK[,SINK…]: pass an output of one step to inputs or parameters of other steps
    /// (repeatable).
    #[arg(short = 'l', long = "link", value_name = "SOURCE=SINK")]
    pub link: Vec<String>,
    /// NAME=TEXT: description of a mapping (repeatable).
    #[arg(short = 'p', long = "describe-param", value_name = "NAME=TEXT")]
    pub describe_param: Vec<String>,
    /// Map every input of every step.
    #[arg(long = "map-inputs")]
    pub map_inputs: bool,
    /// Map every output of every step.
    #[arg(long = "map-outputs")]
    pub map_outputs: bool,
    /// Map every parameter of every step.
    #[arg(long = "map-params")]
    pub map_params: bool,
    /// Map every input, output and parameter of every step.
    #[arg(long = "map-all")]
    pub map_all: bool,
    /// Link every output to the inputs of other steps at the same path (or inside it).
    #[arg(long = "link-all")]
    pub link_all: bool,
    /// Keyword (repeatable).
    #[arg(long = "keyword")]
    pub keywords: Vec<String>,
    /// Start the chain of recorded executions at this path (repeatable).
    #[arg(long = "from", value_name = "FILE")]
    pub from: Vec<PathBuf>,
    /// End the chain of recorded executions at this path (repeatable).
    #[arg(long = "to", value_name = "PATH")]
    pub to: Vec<PathBuf>,
    /// Creator, "Name <email> [affiliation]" (repeatable; default: the git user).
    #[arg(long = "creator")]
    pub creators: Vec<String>,
}

/// Runs `renku workflow compose`.
pub fn run(env: &Env, args: ComposeArgs) -> Result<u8> {
    let project = env.project()?;
    let opts = ComposeOptions {
        name: args.name,
        description: args.description,
        steps: args.steps,
        sources: project_paths(&project, &args.from)?,
        sinks: project_paths(&project, &args.to)?,
        mappings: args.map,
        defaults: args.set,
        links: args.link,
        descriptions: args.describe_param,
        map_inputs: args.map_inputs || args.map_all,
        map_outputs: args.map_outputs || args.map_all,
        map_params: args.map_params || args.map_all,
        link_all: args.link_all,
        keywords: args.keywords,
        creators: args.creators,
    };
    let tree = compose(&env.ctx, &project, &opts)?;
    crate::out!("{}", renku_lib::workflow::describe::plan_view(&tree));
    Ok(0)
}
