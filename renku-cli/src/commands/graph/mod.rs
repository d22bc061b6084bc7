//! `renku graph …`: the project's knowledge graph.

pub mod export;
pub mod query;

use clap::Subcommand;
use renku_lib::Result;

use super::Env;

/// Work with the project's knowledge graph.
#[derive(Debug, Subcommand)]
pub enum GraphCommand {
    Export(export::ExportArgs),
    Query(query::QueryArgs),
}

/// Runs a `renku graph` command.
pub fn run(env: &Env, cmd: GraphCommand) -> Result<u8> {
    match cmd {
        GraphCommand::Export(a) => export::run(env, a),
        GraphCommand::Query(a) => query::run(env, a),
    }
}
