//! `renku init`: make a directory a renku project in one commit.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::context::CommandContext;
use crate::error::IoContext;
use crate::model::{Annotation, ImageObject, Person, Project};
use crate::repo::git::Git;
use crate::store::format::{FORMAT_FILE, FormatMarker, ProjectFormat};
use crate::store::{Kind, Record, Store};
use crate::template::apply::{FileAction, PlannedFile};
use crate::template::render::RenderContext;
use crate::template::{TemplateSource, render};
use crate::{Error, Result};

/// Options of `renku init`.
#[derive(Debug, Clone, Default)]
pub struct InitOptions {
    /// Directory to initialise (created when missing).
    pub path: PathBuf,
    /// Project name (default: the directory name).
    pub name: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Keywords.
    pub keywords: Vec<String>,
    /// Data directory (default `data`).
    pub datadir: Option<String>,
    /// Project image: a path or an http(s) URL.
    pub image: Option<String>,
    /// Template id (default [`crate::template::DEFAULT_TEMPLATE`]).
    pub template_id: Option<String>,
    /// Template repository (git URL or path).
    pub template_source: Option<String>,
    /// Reference in the template repository.
    pub template_ref: Option<String>,
    /// Template parameters.
    pub parameters: Vec<(String, String)>,
    /// Custom JSON-LD metadata.
    pub metadata: Option<serde_json::Value>,
    /// Overwrite existing files and metadata without asking.
    pub force: bool,
    /// Copy template files that fail to render verbatim.
    pub ignore_template_errors: bool,
    /// Name of the first branch of a new git repository.
    pub initial_branch: Option<String>,
    /// The renku program the pre-commit hook should run; `None` installs no hook.
    pub hook_program: Option<PathBuf>,
}

/// What `renku init` did.
#[derive(Debug, Clone)]
pub struct InitReport {
    /// Project root.
    pub root: PathBuf,
    /// Whether a git repository was created.
    pub created_git_repository: bool,
    /// Whether Git LFS was set up.
    pub lfs_installed: bool,
    /// The template used.
    pub template_id: String,
    /// What happened to each template file.
    pub files: Vec<PlannedFile>,
    /// `-p` keys the template does not use.
    pub ignored_parameters: Vec<String>,
    /// Branch pointing at the state before init (when the repository had commits).
    pub backup_branch: Option<String>,
    /// The project.
    pub project: Project,
}

/// Asked before existing files are overwritten; returns whether to go on.
pub type ConfirmOverwrite<'a> = &'a dyn Fn(&[PlannedFile]) -> bool;

/// Initialises a renku project at `opts.path`. `confirm` is asked when existing files would be
/// overwritten and `--force` was not given. On any failure the directory is left as it was
/// (a git repository or directory created by this call is removed again).
pub fn init(
    ctx: &CommandContext,
    opts: &InitOptions,
    confirm: ConfirmOverwrite<'_>,
) -> Result<InitReport> {
    let path = absolute(&opts.path)?;
    if path.is_file() {
        return Err(Error::Usage(format!(
            "Invalid value for '[PATH]': Directory '{}' is a file.",
            opts.path.display()
        )));
    }
    let created_dir = !path.exists();
    if created_dir {
        std::fs::create_dir_all(&path)
            .io_context(|| format!("Cannot create {}", path.display()))?;
    }
    let created_git = !path.join(".git").exists();
    let result = init_in(ctx, opts, &path, created_git, confirm);
    if result.is_err() {
        if created_git {
            let _ = std::fs::remove_dir_all(path.join(".git"));
        }
        if created_dir {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
    result
}

fn init_in(
    ctx: &CommandContext,
    opts: &InitOptions,
    path: &Path,
    created_git: bool,
    confirm: ConfirmOverwrite<'_>,
) -> Result<InitReport> {
    let existing = crate::store::format::detect(path)?;
    if !opts.force
        && matches!(
            existing,
            ProjectFormat::RenkuPythonDatabase { .. } | ProjectFormat::RenkuPythonLegacy { .. }
        )
    {
        crate::store::format::ensure_supported(path)?;
    }
    if !opts.force && existing != ProjectFormat::None {
        let what = match existing {
            ProjectFormat::Native { .. } => "a renku project",
            _ => "a renku-python project (use 'renku migrate' to convert it)",
        };
        return Err(Error::Failed(format!(
            "{} is already {what}. Use --force to initialize it again.",
            path.display()
        )));
    }
    if opts.template_ref.is_some() && opts.template_source.is_none() {
        return Err(Error::Usage(
            "Can't use '--template-ref' without specifying '--template-source'".into(),
        ));
    }
    let datadir = validate_datadir(path, opts.datadir.as_deref())?;
    if let Some(image) = &opts.image
        && !is_url(image)
        && !Path::new(image).is_file()
    {
        return Err(Error::Parameter(format!("Image '{image}' does not exist.")));
    }
    let name = match &opts.name {
        Some(n) if !n.trim().is_empty() => n.trim().to_string(),
        Some(_) => return Err(Error::Parameter("The project name cannot be empty.".into())),
        None => path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "project".into()),
    };

    // Resolve the template before touching anything.
    let source = TemplateSource::open(
        opts.template_source.as_deref(),
        opts.template_ref.as_deref(),
    )?;
    let template_id = opts
        .template_id
        .clone()
        .unwrap_or_else(|| crate::template::DEFAULT_TEMPLATE.to_string());
    let entry = source.template(&template_id)?.clone();

    if created_git {
        git_init(path, opts.initial_branch.as_deref())?;
    }
    crate::repo::transaction::recover_if_abandoned(path)?;
    let git = Git::open(path)?;
    let (user_name, user_email) = git.identity()?;
    let namespace = super::namespace(&git, &user_email);

    let render_ctx = RenderContext {
        name: name.clone(),
        description: opts.description.clone().unwrap_or_default(),
        namespace: namespace.clone(),
        parameters: opts.parameters.clone(),
        stored: Default::default(),
        ignore_template_errors: opts.ignore_template_errors,
    };
    let rendered = render(&source, &entry, &render_ctx)?;
    let mut plan = crate::template::apply::plan_fresh(path, &rendered);
    if !opts.force && plan.iter().any(|p| p.action == FileAction::Overwrite) && !confirm(&plan) {
        return Err(Error::Aborted);
    }

    let lfs_installed = ctx.external_storage && setup_lfs(path);

    let mut tx = ctx.begin_transaction(path)?;
    if opts.force {
        // Drop the metadata of an earlier initialisation (ours or renku-python's; it stays in
        // the git history and the backup branch). Template files are overwritten below.
        for old in [
            ".renku/store",
            ".renku/metadata",
            ".renku/datasets",
            ".renku/workflow",
            ".renku/refs",
        ] {
            remove_tree_files(&mut tx, path, old)?;
        }
        if path.join(".renku/metadata.yml").is_file() {
            tx.remove_file(".renku/metadata.yml")?;
        }
    }
    crate::template::apply::apply(&mut tx, &rendered, &plan)?;

    // Project configuration: the template's renku.ini (as rendered) plus the data directory.
    if opts.datadir.is_some() {
        let config_path = path.join(crate::config::LOCAL_CONFIG);
        let mut config = crate::config::IniDoc::load(&config_path)?;
        config.set("renku", "data_directory", &datadir);
        tx.write_file(crate::config::LOCAL_CONFIG, config.render().as_bytes())?;
    }
    let keep = format!("{datadir}/.gitkeep");
    if !path.join(&keep).exists() {
        tx.write_file(&keep, b"")?;
    }
    if !plan.iter().any(|p| p.path == keep) {
        plan.push(PlannedFile {
            path: keep,
            action: FileAction::Create,
            reason: None,
        });
    }

    // Metadata.
    let creator = Person::new(user_name, Some(user_email), None);
    let id = Project::make_id(&namespace, &name);
    let image = match &opts.image {
        None => None,
        Some(img) => Some(store_project_image(&mut tx, &id, img)?),
    };
    let project = Project {
        id: id.clone(),
        name,
        description: opts.description.clone().filter(|d| !d.is_empty()),
        keywords: dedup(&opts.keywords),
        creator,
        date_created: crate::util::now(),
        image,
        agent_version: crate::VERSION.to_string(),
        template: Some(rendered.metadata.clone()),
        annotations: opts
            .metadata
            .clone()
            .map(|body| vec![Annotation::new(body, "renku")])
            .unwrap_or_default(),
    };
    tx.write_file(
        FORMAT_FILE,
        &crate::store::record::canonical_json(&FormatMarker::current())?,
    )?;
    let store = Store::new(path);
    let record = Record::new(Kind::Project, id, tx.id(), project.clone());
    store.put(&mut tx, &record)?;
    let head_before = git.head_id()?;
    tx.commit(&ctx.argv)?;
    if let Some(program) = &opts.hook_program
        && let Err(e) = crate::githooks::install(path, program, false)
    {
        tracing::warn!("cannot install the pre-commit hook: {e}");
    }

    let backup_branch = match head_before {
        Some(head) => Some(create_backup_branch(&git, head)?),
        None => None,
    };
    Ok(InitReport {
        root: path.to_path_buf(),
        created_git_repository: created_git,
        lfs_installed,
        template_id: entry.id().to_string(),
        files: plan,
        ignored_parameters: rendered.ignored_parameters,
        backup_branch,
        project,
    })
}

fn absolute(p: &Path) -> Result<PathBuf> {
    Ok(crate::repo::absolute(p))
}

/// Checks `--datadir` (relative, inside the project, not `.`, `.renku` or `.git`) and returns
/// it normalised (default `data`).
pub fn validate_datadir(root: &Path, datadir: Option<&str>) -> Result<String> {
    let Some(d) = datadir else {
        return Ok("data".into());
    };
    let invalid = || Error::Parameter(format!("Cannot use {d} as data directory."));
    let p = Path::new(d);
    let rel = if p.is_absolute() {
        p.strip_prefix(root).map_err(|_| invalid())?
    } else {
        p
    };
    let mut parts = Vec::new();
    for c in rel.components() {
        match c {
            std::path::Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            std::path::Component::CurDir => {}
            _ => return Err(invalid()),
        }
    }
    if parts.is_empty() || parts[0] == ".renku" || parts[0] == ".git" {
        return Err(invalid());
    }
    Ok(parts.join("/"))
}

fn is_url(s: &str) -> bool {
    s.starts_with("http://") || s.starts_with("https://")
}

fn dedup(items: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for i in items {
        let i = i.trim();
        if !i.is_empty() && !out.iter().any(|o| o == i) {
            out.push(i.to_string());
        }
    }
    out
}

/// Copies a local project image into `.renku/images/project/0.<ext>` (URLs are kept as they
/// are) and returns the image object.
pub fn store_project_image(
    tx: &mut crate::repo::transaction::Transaction,
    project_id: &str,
    image: &str,
) -> Result<ImageObject> {
    let content_url = if is_url(image) {
        image.to_string()
    } else {
        let src = Path::new(image);
        let ext = src
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_else(|| "png".into());
        let rel = format!(".renku/images/project/0.{ext}");
        tx.copy_file(src, &rel)?;
        rel
    };
    Ok(ImageObject {
        id: format!("{project_id}/images/0"),
        content_url,
        position: 0,
    })
}

pub(crate) fn remove_tree_files(
    tx: &mut crate::repo::transaction::Transaction,
    root: &Path,
    rel_dir: &str,
) -> Result<()> {
    let dir = root.join(rel_dir);
    if !dir.is_dir() {
        return Ok(());
    }
    let mut stack = vec![dir];
    let mut files = Vec::new();
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).io_context(|| format!("Cannot list {}", d.display()))? {
            let entry = entry.io_context(|| format!("Cannot list {}", d.display()))?;
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(rel) = p.strip_prefix(root) {
                files.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    files.sort();
    for f in files {
        tx.remove_file(&f)?;
    }
    Ok(())
}

fn git_init(path: &Path, initial_branch: Option<&str>) -> Result<()> {
    let mut cmd = Command::new("git");
    cmd.arg("init").arg("--quiet");
    if let Some(b) = initial_branch {
        cmd.arg(format!("--initial-branch={b}"));
    }
    let out = cmd
        .arg(path)
        .output()
        .map_err(|e| Error::Command(format!("Cannot run git: {e}")))?;
    if !out.status.success() {
        return Err(Error::Command(format!(
            "git init failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(())
}

/// Runs `git lfs install --local` when git-lfs is available; returns whether it worked.
fn setup_lfs(path: &Path) -> bool {
    let out = Command::new("git")
        .args(["lfs", "install", "--local"])
        .current_dir(path)
        .output();
    match out {
        Ok(o) if o.status.success() => true,
        Ok(o) => {
            tracing::info!(
                "git-lfs is not available: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            );
            false
        }
        Err(e) => {
            tracing::info!("git-lfs is not available: {e}");
            false
        }
    }
}

fn create_backup_branch(git: &Git, head: gix::ObjectId) -> Result<String> {
    let short = head.to_hex_with_len(7).to_string();
    let name = format!("pre_renku_init_{short}");
    git.repo()
        .reference(
            format!("refs/heads/{name}").as_str(),
            head,
            gix::refs::transaction::PreviousValue::Any,
            "renku init: state before initialisation",
        )
        .map_err(|e| Error::git("cannot create the backup branch", e))?;
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datadir_rules() {
        let root = Path::new("/p");
        assert_eq!(validate_datadir(root, None).unwrap(), "data");
        assert_eq!(
            validate_datadir(root, Some("./my/data/")).unwrap(),
            "my/data"
        );
        assert_eq!(validate_datadir(root, Some("/p/x")).unwrap(), "x");
        for bad in [".", ".renku", ".git/x", "../out", "/elsewhere"] {
            assert!(validate_datadir(root, Some(bad)).is_err(), "{bad}");
        }
    }
}
