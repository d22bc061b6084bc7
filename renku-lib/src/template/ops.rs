//! The operations behind `renku template ls|show|set|update|validate`.

use super::apply::{FileAction, PlannedFile, plan_fresh, plan_update, read_checksums};
use super::render::RenderContext;
use super::{TemplateEntry, TemplateSource, render};
use crate::context::CommandContext;
use crate::repo::ProjectDir;
use crate::{Error, Result};

/// Lists the templates of a source (bundled when `source` is `None`).
pub fn list(
    source: Option<&str>,
    reference: Option<&str>,
) -> Result<(TemplateSource, Vec<TemplateEntry>)> {
    let src = TemplateSource::open(source, reference)?;
    let entries = src.manifest.templates.clone();
    Ok((src, entries))
}

/// Options of `template set` and `template update`.
#[derive(Debug, Clone, Default)]
pub struct TemplateChange {
    /// Template id (`set` only; default: the project's current one or the default template).
    pub template_id: Option<String>,
    /// Template repository (`set` only).
    pub source: Option<String>,
    /// Reference in the repository (`set` only).
    pub reference: Option<String>,
    /// `-p` values.
    pub parameters: Vec<(String, String)>,
    /// Replace an existing template / overwrite locally modified files.
    pub force: bool,
    /// Only report what would happen.
    pub dry_run: bool,
}

/// What `template set` / `template update` did or would do.
#[derive(Debug, Clone)]
pub struct TemplateChangeReport {
    /// Template id.
    pub template_id: String,
    /// Template id before the change.
    pub old_template_id: Option<String>,
    /// Source of the template.
    pub source: String,
    /// New reference.
    pub reference: Option<String>,
    /// New version.
    pub version: Option<String>,
    /// Per-file actions.
    pub files: Vec<PlannedFile>,
    /// Whether the project was already up to date (`update`).
    pub up_to_date: bool,
}

/// Sets (or, with `force`, replaces) the template of a project.
pub fn set(
    ctx: &CommandContext,
    project: &ProjectDir,
    change: &TemplateChange,
) -> Result<TemplateChangeReport> {
    let store = project.store();
    let current = store.project()?;
    if current.data.template.is_some() && !change.force {
        return Err(Error::Failed(
            "Project already has a template: To set a template use '-f/--force' flag".into(),
        ));
    }
    let git = project.git()?;
    if !change.dry_run {
        crate::repo::status::ensure_clean(&git)?;
    }
    let src = TemplateSource::open(change.source.as_deref(), change.reference.as_deref())?;
    let id = change
        .template_id
        .clone()
        .unwrap_or_else(|| super::DEFAULT_TEMPLATE.to_string());
    let entry = src.template(&id)?.clone();
    let rctx = RenderContext {
        name: current.data.name.clone(),
        description: current.data.description.clone().unwrap_or_default(),
        namespace: namespace_of(&current.data.id),
        parameters: change.parameters.clone(),
        ..Default::default()
    };
    let rendered = render(&src, &entry, &rctx)?;
    let plan = plan_fresh(project.root(), &rendered);
    let report = TemplateChangeReport {
        template_id: entry.id().to_string(),
        old_template_id: current.data.template.as_ref().map(|t| t.id.clone()),
        source: src.source.clone(),
        reference: src.reference.clone(),
        version: src.version.clone(),
        files: plan.clone(),
        up_to_date: false,
    };
    if change.dry_run {
        return Ok(report);
    }
    let mut tx = ctx.begin_transaction(project.root())?;
    super::apply::apply(&mut tx, &rendered, &plan)?;
    let mut data = current.data.clone();
    data.template = Some(rendered.metadata.clone());
    data.agent_version = crate::VERSION.to_string();
    let record = current.derive(tx.id(), data);
    store.put(&mut tx, &record)?;
    tx.commit(&ctx.argv)?;
    Ok(report)
}

/// Updates the project's files to the newest version of its template.
pub fn update(
    ctx: &CommandContext,
    project: &ProjectDir,
    change: &TemplateChange,
) -> Result<TemplateChangeReport> {
    let store = project.store();
    let current = store.project()?;
    let Some(meta) = current.data.template.clone() else {
        return Err(Error::Failed(
            "The project has no template; set one with 'renku template set'.".into(),
        ));
    };
    if !meta.allow_update {
        return Err(Error::Failed(format!(
            "The template '{}' does not allow updates.",
            meta.id
        )));
    }
    let git = project.git()?;
    if !change.dry_run {
        crate::repo::status::ensure_clean(&git)?;
    }
    let src = if meta.source == super::source::BUNDLED_SOURCE {
        TemplateSource::bundled()?
    } else {
        TemplateSource::open(Some(&meta.source), meta.reference.as_deref())?
    };
    let entry = src.template(&meta.id)?.clone();
    let rctx = RenderContext {
        name: current.data.name.clone(),
        description: current.data.description.clone().unwrap_or_default(),
        namespace: namespace_of(&current.data.id),
        parameters: change.parameters.clone(),
        stored: meta.parameters.clone(),
        ..Default::default()
    };
    let rendered = render(&src, &entry, &rctx)?;
    let old = read_checksums(project.root())?;
    let plan = plan_update(
        project.root(),
        &old,
        &rendered,
        &meta.immutable_files,
        change.force,
    )?;
    let up_to_date = src.version == meta.version && !plan.iter().any(|p| p.action.writes());
    let report = TemplateChangeReport {
        template_id: entry.id().to_string(),
        old_template_id: Some(meta.id.clone()),
        source: src.source.clone(),
        reference: src.reference.clone(),
        version: src.version.clone(),
        files: plan.clone(),
        up_to_date,
    };
    if change.dry_run || up_to_date {
        return Ok(report);
    }
    let mut tx = ctx.begin_transaction(project.root())?;
    super::apply::apply(&mut tx, &rendered, &plan)?;
    let mut data = current.data.clone();
    data.template = Some(rendered.metadata.clone());
    data.agent_version = crate::VERSION.to_string();
    let record = current.derive(tx.id(), data);
    store.put(&mut tx, &record)?;
    tx.commit(&ctx.argv)?;
    Ok(report)
}

/// Checks a template source: the manifest, and that every template's folder exists and
/// renders with default values. Returns the problems found (empty: valid).
pub fn validate(source: Option<&str>, reference: Option<&str>) -> Result<Vec<String>> {
    let src = TemplateSource::open(source, reference)?;
    let mut problems = src.manifest.problems();
    if src.manifest.templates.is_empty() {
        problems.push("The manifest lists no templates".into());
    }
    for entry in &src.manifest.templates {
        match src.files(entry) {
            Ok(files) if files.is_empty() => {
                problems.push(format!("Template '{}' has no files", entry.id()))
            }
            Ok(_) => {
                let mut rctx = RenderContext {
                    name: "validation".into(),
                    ..Default::default()
                };
                for (k, var) in &entry.variables {
                    if var.default_value.is_none() {
                        let example = var
                            .choices
                            .as_ref()
                            .and_then(|c| c.first())
                            .map(super::manifest::value_to_text)
                            .unwrap_or_else(|| match var.kind {
                                Some(super::VariableType::Number) => "0".into(),
                                Some(super::VariableType::Boolean) => "true".into(),
                                _ => "x".into(),
                            });
                        rctx.parameters.push((k.clone(), example));
                    }
                }
                if let Err(e) = render(&src, entry, &rctx) {
                    problems.push(format!("Template '{}': {e}", entry.id()));
                }
            }
            Err(e) => problems.push(e.to_string()),
        }
    }
    Ok(problems)
}

fn namespace_of(project_id: &str) -> String {
    let rest = project_id.trim_start_matches("/projects/");
    rest.rsplit_once('/')
        .map(|(ns, _)| ns.to_string())
        .unwrap_or_default()
}

/// Whether a planned action changes the project.
pub fn changes_anything(files: &[PlannedFile]) -> bool {
    files
        .iter()
        .any(|f| f.action != FileAction::Keep && f.action != FileAction::Unchanged)
}
