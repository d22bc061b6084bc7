//! `renku init`.

use std::path::PathBuf;

use clap::Args;
use renku_lib::project::init::{InitOptions, init};
use renku_lib::template::apply::FileAction;
use renku_lib::{Error, Result};

use super::Env;
use crate::ui;

/// Initialize a renku project.
///
/// Creates, in PATH (default: the current directory), a git repository (if needed) with Git
/// LFS set up, the project's metadata and the files of a template, all in one commit.
///
/// Without -t the bundled `python-minimal` template is used. Existing files are only
/// overwritten after confirmation (or with --force); README files are never overwritten and
/// an existing .gitignore is appended to.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Directory of the project.
    #[arg(id = "project_path", value_name = "PATH", default_value = ".")]
    pub path: PathBuf,
    /// Project name (default: the directory name).
    #[arg(short = 'n', long)]
    pub name: Option<String>,
    /// Project description.
    #[arg(long)]
    pub description: Option<String>,
    /// Keyword (repeatable).
    #[arg(short = 'k', long = "keyword")]
    pub keywords: Vec<String>,
    /// Data directory of the project's datasets.
    #[arg(long, value_name = "DIR")]
    pub datadir: Option<String>,
    /// Project image: a file path or an http(s) URL.
    #[arg(short = 'i', long)]
    pub image: Option<String>,
    /// Template to use (see `renku template ls`).
    #[arg(short = 't', long = "template-id")]
    pub template_id: Option<String>,
    /// Template repository: git URL or local path holding a manifest.yaml.
    #[arg(short = 's', long = "template-source")]
    pub template_source: Option<String>,
    /// Branch, tag or commit of the template repository.
    #[arg(short = 'r', long = "template-ref")]
    pub template_ref: Option<String>,
    /// Template parameter as KEY=VALUE (repeatable).
    #[arg(short = 'p', long = "parameter", value_name = "KEY=VALUE")]
    pub parameters: Vec<String>,
    /// JSON-LD file with custom project metadata.
    #[arg(short = 'm', long = "metadata", value_name = "FILE")]
    pub metadata: Option<PathBuf>,
    /// Overwrite existing files and metadata without asking.
    #[arg(long)]
    pub force: bool,
    /// Copy template files that fail to render as they are.
    #[arg(long = "ignore-template-errors")]
    pub ignore_template_errors: bool,
    /// Name of the first branch of a new repository.
    #[arg(long = "initial-branch", value_name = "BRANCH")]
    pub initial_branch: Option<String>,
    /// Removed: use `renku template ls`.
    #[arg(short = 'l', long = "list-templates", hide = true)]
    pub list_templates: bool,
    /// Removed: use `renku template show`.
    #[arg(short = 'd', long = "describe", hide = true)]
    pub describe: bool,
}

/// Runs `renku init`.
pub fn run(env: &Env, args: InitArgs) -> Result<u8> {
    if args.list_templates || args.describe {
        return Err(Error::Usage(
            "'-l/--list-templates' and '-d/--describe' were removed: use 'renku template ls' and 'renku template show'."
                .into(),
        ));
    }
    let parameters = args
        .parameters
        .iter()
        .map(|p| renku_lib::template::parse_parameter(p))
        .collect::<Result<Vec<_>>>()?;
    let metadata = match &args.metadata {
        None => None,
        Some(file) => Some(renku_lib::model::annotation::read_json_ld(file)?),
    };
    let path = match &env.global.path {
        Some(base) if args.path.is_relative() => base.join(&args.path),
        _ => args.path.clone(),
    };
    if args.template_id.is_none() && args.template_source.is_none() {
        ui::info(&format!(
            "No template given: using '{}' (choose one with -t; see 'renku template ls').",
            renku_lib::template::DEFAULT_TEMPLATE
        ));
    }
    let opts = InitOptions {
        path: path.clone(),
        name: args.name,
        description: args.description,
        keywords: args.keywords,
        datadir: args.datadir,
        image: args.image,
        template_id: args.template_id,
        template_source: args.template_source,
        template_ref: args.template_ref,
        parameters,
        metadata,
        force: args.force,
        ignore_template_errors: args.ignore_template_errors,
        initial_branch: args.initial_branch,
        hook_program: std::env::current_exe().ok(),
    };
    let confirm = |plan: &[renku_lib::template::apply::PlannedFile]| {
        let overwritten: Vec<&str> = plan
            .iter()
            .filter(|p| p.action == FileAction::Overwrite)
            .map(|p| p.path.as_str())
            .collect();
        let appended: Vec<&str> = plan
            .iter()
            .filter(|p| p.action == FileAction::Append)
            .map(|p| p.path.as_str())
            .collect();
        ui::warning(&format!(
            "The following files exist in the directory and will be overwritten:\n\t{}",
            overwritten.join("\n\t")
        ));
        if !appended.is_empty() {
            eprintln!(
                "The following files exist in the directory and will be appended to:\n\t{}",
                appended.join("\n\t")
            );
        }
        if !ui::interactive() {
            ui::info("Use --force to overwrite them without asking.");
            return false;
        }
        ui::confirm("Proceed?")
    };
    let report = init(&env.ctx, &opts, &confirm)?;
    if report.created_git_repository {
        crate::outln!("Initializing Git repository...");
    }
    if !report.ignored_parameters.is_empty() {
        ui::info(&format!(
            "These parameters are not used by the template and were ignored:\n\t{}",
            report.ignored_parameters.join("\n\t")
        ));
    }
    crate::outln!("Initializing new Renku repository...");
    for f in &report.files {
        let verb = match f.action {
            FileAction::Create => "Initializing",
            FileAction::Overwrite => "Overwriting",
            FileAction::Append => "Appending to",
            FileAction::Keep => "Keeping",
            FileAction::Unchanged => continue,
        };
        crate::outln!("{verb} {} ...", f.path);
    }
    if !report.lfs_installed && env.ctx.external_storage {
        ui::warning(
            "git-lfs is not installed: large files will be stored in git. Install git-lfs and run 'git lfs install --local'.",
        );
    }
    crate::outln!("Project initialized.");
    if let Some(branch) = &report.backup_branch {
        crate::outln!(
            "The state before initialization is saved in branch '{branch}'; undo with: git reset --hard {branch}"
        );
    }
    crate::outln!("OK");
    Ok(0)
}
