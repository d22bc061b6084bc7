//! The command tree.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::commands;

/// Renku in Rust: version datasets, record how outputs are made from inputs, see what is out
/// of date and re-run it, and export the provenance as a knowledge graph.
#[derive(Debug, Parser)]
#[command(
    name = "renku",
    version,
    propagate_version = true,
    arg_required_else_help = false
)]
pub struct Cli {
    /// Options that apply to every command.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// Print the path of the global configuration file and exit.
    #[arg(long = "global-config-path")]
    pub global_config_path: bool,
    /// The command to run.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options that apply to every command.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Location of the project (default: the root of the enclosing git work tree).
    #[arg(long, global = true, value_name = "PATH")]
    pub path: Option<PathBuf>,
    /// Do not use Git LFS for large files.
    #[arg(short = 'S', long = "no-external-storage", global = true)]
    pub no_external_storage: bool,
    /// Use Git LFS for large files (the default).
    #[arg(
        long = "external-storage",
        global = true,
        overrides_with = "no_external_storage"
    )]
    pub external_storage: bool,
    /// More log output (-v info, -vv debug, -vvv trace); RUST_LOG overrides it.
    #[arg(short = 'v', long = "verbose", action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    Init(commands::init::InitArgs),
    /// Show and change configuration.
    #[command(subcommand)]
    Config(commands::config::ConfigCommand),
    /// Show and edit project metadata.
    #[command(subcommand)]
    Project(commands::project::ProjectCommand),
    /// List, show, set and update project templates.
    #[command(subcommand)]
    Template(commands::template::TemplateCommand),
    Run(commands::run::RunArgs),
    Log(commands::log::LogArgs),
    Status(commands::status::StatusArgs),
    Update(commands::update::UpdateArgs),
    Rerun(commands::rerun::RerunArgs),
    /// Work with the project's plans.
    #[command(subcommand)]
    Workflow(commands::workflow::WorkflowCommand),
    /// Work with datasets: versioned collections of files with metadata.
    #[command(subcommand)]
    Dataset(commands::dataset::DatasetCommand),
    /// Work with the project's knowledge graph.
    #[command(subcommand)]
    Graph(commands::graph::GraphCommand),
    /// Work with the large files stored in Git LFS.
    #[command(subcommand)]
    Lfs(commands::lfs::LfsCommand),
    /// Deprecated spellings of `renku lfs` commands.
    #[command(subcommand, hide = true)]
    Storage(commands::lfs::StorageCommand),
    Clone(commands::clone::CloneArgs),
    Save(commands::save::SaveArgs),
    Migrate(commands::migrate::MigrateArgs),
    Mv(commands::mv::MvArgs),
    Rm(commands::rm::RmArgs),
    Rollback(commands::rollback::RollbackArgs),
    Gc(commands::gc::GcArgs),
    /// Install and uninstall renku's git hooks.
    #[command(subcommand)]
    Githooks(commands::githooks::GithooksCommand),
    Doctor(commands::doctor::DoctorArgs),
    Completion(commands::completion::CompletionArgs),
    Login(commands::login::LoginArgs),
    Logout(commands::logout::LogoutArgs),
    #[command(hide = true)]
    Credentials(commands::credentials::CredentialsArgs),
}
