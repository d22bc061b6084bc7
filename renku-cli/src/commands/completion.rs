//! `renku completion SHELL`.

use clap::{Args, CommandFactory};
use clap_complete::Shell;
use renku_lib::Result;

/// Print a shell completion script.
///
/// For example `renku completion bash > ~/.local/share/bash-completion/completions/renku`.
#[derive(Debug, Args)]
pub struct CompletionArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Writes the completion script to stdout.
pub fn run(args: CompletionArgs) -> Result<u8> {
    let mut cmd = crate::cli::Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "renku", &mut script);
    crate::out!("{}", String::from_utf8_lossy(&script));
    Ok(0)
}
