//! One module per command; each parses its arguments, calls one library function and renders
//! the result.

pub mod clone;
pub mod completion;
pub mod config;
pub mod credentials;
pub mod dataset;
pub mod doctor;
pub mod execution;
pub mod gc;
pub mod githooks;
pub mod graph;
pub mod init;
pub mod lfs;
pub mod log;
pub mod login;
pub mod logout;
pub mod migrate;
pub mod mv;
pub mod project;
pub mod rerun;
pub mod rm;
pub mod rollback;
pub mod run;
pub mod save;
pub mod status;
pub mod template;
pub mod update;
pub mod workflow;

use std::path::PathBuf;

use clap::CommandFactory;
use renku_lib::context::CommandContext;
use renku_lib::repo::ProjectDir;
use renku_lib::{Error, Result};

use crate::cli::{Cli, Command, GlobalArgs};

/// What every command gets: global options and the invocation context.
pub struct Env {
    /// Global options.
    pub global: GlobalArgs,
    /// Invocation context for the library.
    pub ctx: CommandContext,
}

impl Env {
    /// Where to look for the project: `--path` or the current directory.
    pub fn start_dir(&self) -> PathBuf {
        self.global
            .path
            .clone()
            .unwrap_or_else(|| PathBuf::from("."))
    }

    /// The directory relative paths on the command line are resolved against.
    pub fn cwd(&self) -> Result<PathBuf> {
        std::env::current_dir().map_err(|e| Error::io("Cannot read the current directory", e))
    }

    /// The project the command works on (exit 2 outside one, 3/4 for other formats).
    pub fn project(&self) -> Result<ProjectDir> {
        let start = self.start_dir();
        if !start.exists() {
            return Err(Error::Usage(format!(
                "Invalid value for '--path': Path '{}' does not exist.",
                start.display()
            )));
        }
        ProjectDir::discover(&start)
    }
}

/// Runs the parsed command line; returns the exit code.
pub fn run(cli: Cli, argv: Vec<String>) -> Result<u8> {
    if cli.global_config_path {
        crate::outln!("{}", renku_lib::config::global_config_path()?.display());
        return Ok(0);
    }
    let mut ctx = CommandContext::new(argv);
    ctx.external_storage = !cli.global.no_external_storage;
    ctx.on_lock_wait = Box::new(|holder| {
        crate::ui::info(&format!(
            "Waiting for another renku process to finish{}...",
            holder.map(|h| format!(" ({h})")).unwrap_or_default()
        ))
    });
    let env = Env {
        global: cli.global,
        ctx,
    };
    let Some(command) = cli.command else {
        Cli::command()
            .print_help()
            .map_err(|e| Error::io("Cannot print help", e))?;
        return Ok(0);
    };
    // The pre-commit hook must not block commits of projects renku cannot read.
    let exempt = matches!(
        command,
        Command::Init(_)
            | Command::Clone(_)
            | Command::Completion(_)
            | Command::Migrate(_)
            | Command::Login(_)
            | Command::Logout(_)
            | Command::Credentials(_)
            | Command::Githooks(githooks::GithooksCommand::PreCommit(_))
    );
    if !exempt {
        ProjectDir::reject_unsupported(&env.start_dir())?;
    }
    match command {
        Command::Init(args) => init::run(&env, args),
        Command::Config(cmd) => config::run(&env, cmd),
        Command::Project(cmd) => project::run(&env, cmd),
        Command::Template(cmd) => template::run(&env, cmd),
        Command::Run(args) => run::run(&env, args),
        Command::Log(args) => log::run(&env, args),
        Command::Status(args) => status::run(&env, args),
        Command::Update(args) => update::run(&env, args),
        Command::Rerun(args) => rerun::run(&env, args),
        Command::Workflow(cmd) => workflow::run(&env, cmd),
        Command::Dataset(cmd) => dataset::run(&env, cmd),
        Command::Clone(args) => clone::run(&env, args),
        Command::Save(args) => save::run(&env, args),
        Command::Migrate(args) => migrate::run(&env, args),
        Command::Mv(args) => mv::run(&env, args),
        Command::Rm(args) => rm::run(&env, args),
        Command::Rollback(args) => rollback::run(&env, args),
        Command::Gc(args) => gc::run(&env, args),
        Command::Graph(cmd) => graph::run(&env, cmd),
        Command::Lfs(cmd) => lfs::run(&env, cmd),
        Command::Storage(cmd) => lfs::run_storage(&env, cmd),
        Command::Githooks(cmd) => githooks::run(&env, cmd),
        Command::Doctor(args) => doctor::run(&env, args),
        Command::Completion(args) => completion::run(args),
        Command::Login(args) => login::run(&env, args),
        Command::Logout(args) => logout::run(&env, args),
        Command::Credentials(args) => credentials::run(&env, args),
    }
}
