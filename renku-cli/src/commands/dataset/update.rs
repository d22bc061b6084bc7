//! `renku dataset update`.

use clap::Args;
use renku_lib::Result;
use renku_lib::dataset::update::{UpdatePlan, UpdateRequest, plan, update};

use super::progress::DownloadBar;
use crate::commands::Env;

/// Update datasets from their sources.
///
/// Imported datasets whose provider has a newer version are imported again as a whole
/// (those imported from a Renku project at a tag are left alone). Local files changed in
/// the work tree, linked files whose target changed, files from git repositories whose
/// remote changed and files from the web whose content changed get new versions. Files
/// whose source is gone are removed from the metadata only with --delete. --dry-run lists
/// what would change and exits with 1 when anything would.
#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// Datasets to update.
    pub slugs: Vec<String>,
    /// Only datasets having all of these creators (comma-separated names).
    #[arg(long)]
    pub creators: Option<String>,
    /// Only files matching this pattern (repeatable).
    #[arg(short = 'I', long = "include")]
    pub include: Vec<String>,
    /// No files matching this pattern (repeatable).
    #[arg(short = 'X', long = "exclude")]
    pub exclude: Vec<String>,
    /// Branch, tag or commit of git sources to update to.
    #[arg(long = "ref")]
    pub reference: Option<String>,
    /// Remove files whose source is gone from the datasets.
    #[arg(long)]
    pub delete: bool,
    /// Skip files from local sources.
    #[arg(long = "no-local")]
    pub no_local: bool,
    /// Skip imported datasets and files from remote sources (git repositories, the web).
    #[arg(long = "no-remote")]
    pub no_remote: bool,
    /// Deprecated; has no effect.
    #[arg(short = 'e', long = "external", hide = true)]
    pub external: bool,
    /// Skip updating external data.
    #[arg(long = "no-external")]
    pub no_external: bool,
    /// Also add files in the data directories that are not in their dataset.
    #[arg(short = 'c', long = "check-data-directory")]
    pub check_data_directory: bool,
    /// Update all datasets.
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Show what would be updated, without changing anything.
    #[arg(short = 'n', long = "dry-run")]
    pub dry_run: bool,
    /// Print machine-readable lines (`f <path> <slug>`, `r <path> <slug>`).
    #[arg(long)]
    pub plain: bool,
}

/// Runs `renku dataset update`.
pub fn run(env: &Env, args: UpdateArgs) -> Result<u8> {
    if args.external && args.no_external {
        return Err(renku_lib::Error::Parameter(
            "Cannot pass both '--external' and '--no-external'".into(),
        ));
    }
    if args.external {
        crate::ui::warning("'-e/--external' argument is deprecated");
    }
    let request = UpdateRequest {
        slugs: args.slugs,
        all: args.all,
        dry_run: args.dry_run,
        delete: args.delete,
        include: args.include,
        exclude: args.exclude,
        creators: renku_lib::dataset::files::creator_names(args.creators.as_deref()),
        reference: args.reference,
        no_local: args.no_local,
        no_remote: args.no_remote,
        check_data_directory: args.check_data_directory,
    };
    let project = env.project()?;
    let bar = DownloadBar::new();
    if args.dry_run {
        let mut credentials = super::storage_ui::TerminalCredentials;
        let plan = plan(&project, &request, &bar, Some(&mut credentials))?;
        drop(bar);
        print_pinned(&plan);
        if plan.is_empty() {
            if !args.plain {
                crate::outln!("Everything is up-to-date");
            }
            return Ok(0);
        }
        if args.plain {
            for d in &plan.datasets {
                crate::outln!("d {d}");
            }
            for f in &plan.updated {
                crate::outln!("f {} {}", f.path, f.slug);
            }
            for f in &plan.deleted {
                crate::outln!("r {} {}", f.path, f.slug);
            }
            return Ok(1);
        }
        if !plan.datasets.is_empty() {
            crate::outln!("The following imported datasets will be updated:");
            for d in &plan.datasets {
                crate::outln!("\t{d}");
            }
        }
        let table = |files: &[renku_lib::dataset::update::FileChange]| {
            let rows: Vec<Vec<String>> = files
                .iter()
                .map(|f| {
                    vec![
                        f.path.clone(),
                        f.slug.clone(),
                        if f.external {
                            "*".into()
                        } else {
                            String::new()
                        },
                    ]
                })
                .collect();
            crate::ui::table(&["path", "dataset", "external"], &rows, &[false; 3])
        };
        if !plan.updated.is_empty() {
            crate::outln!("The following files will be updated:");
            crate::out!("{}", table(&plan.updated));
        }
        if !plan.deleted.is_empty() {
            crate::outln!(
                "The following files will be deleted (pass '--delete' to remove them from datasets' metadata):"
            );
            crate::out!("{}", table(&plan.deleted));
        }
        return Ok(1);
    }
    let mut credentials = super::storage_ui::TerminalCredentials;
    let plan = update(&env.ctx, &project, &request, &bar, Some(&mut credentials))?;
    drop(bar);
    print_pinned(&plan);
    for slug in &plan.datasets {
        crate::outln!("Updated dataset '{slug}' from remote provider");
    }
    if !plan.checked_files {
        return Ok(0);
    }
    let deleted = if request.delete {
        plan.deleted.len()
    } else {
        0
    };
    if request.delete {
        crate::outln!(
            "Updated {} files and deleted {deleted} files",
            plan.updated.len()
        );
    } else {
        crate::outln!("Updated {} files", plan.updated.len());
        if !plan.deleted.is_empty() {
            crate::ui::warning(
                "Some files are deleted: Pass '--delete' to remove them from datasets' metadata",
            );
        }
    }
    Ok(0)
}

/// Names the imported datasets left alone because they were imported at a tag.
fn print_pinned(plan: &UpdatePlan) {
    for (slug, tag) in &plan.pinned {
        crate::outln!("Skipped updating imported Renku dataset '{slug}' with tag '{tag}'");
    }
}
