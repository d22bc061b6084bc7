//! `renku run`.

use clap::Args;
use renku_lib::Result;
use renku_lib::workflow::run::{RunOptions, detect_streams, run as run_command};

use super::Env;
use crate::ui;

/// Run a command and record it: a plan (what the command does, with its inputs, outputs and
/// parameters) and an activity (this execution), committed together with the outputs.
///
/// Inputs are detected from the arguments (existing files and directories inside the
/// project), outputs from the files the command creates or changes, and `< in`, `> out`,
/// `2> err` redirections become stream inputs and outputs. The work tree may hold other
/// changes: only what the command changed is recorded. Put `--` before a command whose
/// options could be taken for renku's.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Name of the plan (letters, digits, `-` and `_`; unique).
    #[arg(long)]
    pub name: Option<String>,
    /// Description of the plan.
    #[arg(long)]
    pub description: Option<String>,
    /// Keyword of the plan (repeatable).
    #[arg(long = "keyword")]
    pub keywords: Vec<String>,
    /// Creator of the plan, "Name <email> [affiliation]" (repeatable; default: you).
    #[arg(long = "creator")]
    pub creators: Vec<String>,
    /// Explicit input, [NAME=]PATH (repeatable).
    #[arg(long = "input", value_name = "[NAME=]PATH")]
    pub inputs: Vec<String>,
    /// Explicit output, [NAME=]PATH (repeatable).
    #[arg(long = "output", value_name = "[NAME=]PATH")]
    pub outputs: Vec<String>,
    /// Explicit parameter, [NAME=]VALUE (repeatable): never treated as a path.
    #[arg(long = "param", value_name = "[NAME=]VALUE")]
    pub params: Vec<String>,
    /// Allow the command to have no outputs.
    #[arg(long = "no-output")]
    pub no_output: bool,
    /// Do not detect inputs from the arguments.
    #[arg(long = "no-input-detection")]
    pub no_input_detection: bool,
    /// Do not detect outputs from the changed files.
    #[arg(long = "no-output-detection")]
    pub no_output_detection: bool,
    /// Do not record non-path arguments as parameters.
    #[arg(long = "no-parameter-detection")]
    pub no_parameter_detection: bool,
    /// Exit code counted as success (repeatable; default 0).
    #[arg(
        long = "success-code",
        value_name = "CODE",
        allow_negative_numbers = true
    )]
    pub success_codes: Vec<i32>,
    /// The command and its arguments.
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "COMMAND"
    )]
    pub command: Vec<String>,
}

/// Runs `renku run`.
pub fn run(env: &Env, args: RunArgs) -> Result<u8> {
    let project = env.project()?;
    let streams = detect_streams();
    // Our own messages must not end up in a file the command's stderr is recorded in.
    let stderr_redirected = streams
        .get(&renku_lib::model::Stream::Stderr)
        .is_some_and(|p| p.starts_with(project.root()));
    let opts = RunOptions {
        command: args.command,
        cwd: std::env::current_dir()
            .map_err(|e| renku_lib::Error::io("Cannot read the current directory", e))?,
        name: args.name,
        description: args.description,
        keywords: args.keywords,
        creators: args.creators,
        inputs: args.inputs,
        outputs: args.outputs,
        params: args.params,
        no_output: args.no_output,
        no_input_detection: args.no_input_detection,
        no_output_detection: args.no_output_detection,
        no_parameter_detection: args.no_parameter_detection,
        success_codes: args.success_codes,
        streams,
    };
    let report = run_command(&env.ctx, &project, &opts)?;
    if env.global.verbose > 0 && !stderr_redirected {
        eprint!("{}", renku_lib::workflow::describe::plan_text(&report.plan));
    }
    if !report.committed_inputs.is_empty() && !stderr_redirected {
        ui::info(&format!(
            "These inputs were not committed yet and were committed with the run:\n\t{}",
            report.committed_inputs.join("\n\t")
        ));
    }
    if !report.left_alone.is_empty() && !stderr_redirected {
        ui::info(&format!(
            "These changes existed before the command and were not recorded:\n\t{}",
            report.left_alone.join("\n\t")
        ));
    }
    Ok(0)
}
