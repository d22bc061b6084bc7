//! `renku run`.

use clap::Args;
use renku_lib::Result;
use renku_lib::workflow::run::{RunOptions, detect_streams, run as run_command};

use super::Env;
use crate::ui;

/// Run a command and record it as a plan and an activity.
///
/// The plan says what the command does, with its inputs, outputs and parameters; the activity
/// is this execution. Both are committed together with the outputs.
///
/// Inputs are detected from the arguments (existing files and directories inside the
/// project), outputs from the files the command creates or changes, and `< in`, `> out`,
/// `2> err` redirections become stream inputs and outputs. The work tree may hold other
/// changes: only what the command changed is recorded. Put `--` before a command whose
/// options could be taken for renku's.
///
/// `renku run FILE.yml [STEP…]` runs the steps of a workflow file instead (all, or the named
/// ones) and records each as a plan and an activity, committed with the workflow file and the
/// persisted inputs and outputs; `--dry-run` lists the steps, `--no-commit` records nothing.
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
    /// Run and record the command in a temporary git work tree on a branch of its own, then
    /// fast-forward the current branch to it.
    #[arg(long)]
    pub isolation: bool,
    /// Workflow files: only show which steps would run.
    #[arg(long = "dry-run")]
    pub dry_run: bool,
    /// Workflow files: run the steps but record and commit nothing.
    #[arg(long = "no-commit")]
    pub no_commit: bool,
    /// The command and its arguments, or a workflow file (`.yml`/`.yaml`) and optional step
    /// names.
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
    let cwd = std::env::current_dir()
        .map_err(|e| renku_lib::Error::io("Cannot read the current directory", e))?;
    if renku_lib::workflow::run::is_workflow_file(&args.command[0], &cwd) {
        return run_workflow_file(env, &project, args);
    }
    for (set, flag) in [(args.dry_run, "--dry-run"), (args.no_commit, "--no-commit")] {
        if set {
            ui::warning(&format!(
                "'{flag}' flag is valid only when running workflow files"
            ));
        }
    }
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
    let report = if args.isolation {
        renku_lib::workflow::isolation::run_isolated(&env.ctx, &project, &opts)?
    } else {
        run_command(&env.ctx, &project, &opts)?
    };
    if env.global.verbose > 0 && !stderr_redirected {
        eprint!("{}", renku_lib::workflow::describe::plan_text(&report.plan));
    }
    if !stderr_redirected {
        ui::lfs_message(&report.lfs);
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

fn run_workflow_file(
    env: &Env,
    project: &renku_lib::repo::ProjectDir,
    args: RunArgs,
) -> Result<u8> {
    use renku_lib::workflow::file_run::{FileRunOptions, run_file};
    let command_mode_flags = args.name.is_some()
        || args.description.is_some()
        || !args.keywords.is_empty()
        || !args.creators.is_empty()
        || !args.inputs.is_empty()
        || !args.outputs.is_empty()
        || !args.params.is_empty()
        || args.no_output
        || args.no_input_detection
        || args.no_output_detection
        || args.no_parameter_detection
        || args.isolation
        || !args.success_codes.is_empty();
    if command_mode_flags {
        ui::warning(
            "All flags other than '--verbose', '--dry-run', and '--no-commit' are ignored for workflow files",
        );
    }
    let opts = FileRunOptions {
        steps: args.command[1..].to_vec(),
        dry_run: args.dry_run,
        no_commit: args.no_commit,
    };
    let report = run_file(
        &env.ctx,
        project,
        std::path::Path::new(&args.command[0]),
        &opts,
        &|name, command| {
            crate::outln!("Executing step '{name}': '{command}' ...");
        },
    )?;
    for w in &report.warnings {
        ui::warning(w);
    }
    ui::lfs_message(&report.lfs);
    if args.dry_run {
        for w in &report.unused_items {
            crate::outln!("Warning: {w}");
        }
        for (_, step, command) in &report.steps {
            crate::outln!("Will execute step '{step}': {command}");
        }
    } else if env.global.verbose > 0 {
        for plan in &report.plans {
            eprint!("{}", renku_lib::workflow::describe::plan_text(plan));
        }
    }
    Ok(0)
}
