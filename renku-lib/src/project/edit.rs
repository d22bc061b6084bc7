//! `renku project edit`: a new version of the project metadata.

use crate::context::CommandContext;
use crate::model::{Annotation, Person};
use crate::repo::ProjectDir;
use crate::{Error, Result};

/// Fields `--unset` can clear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnsetField {
    /// Keywords.
    Keywords,
    /// Custom metadata.
    Metadata,
    /// Description.
    Description,
    /// Image.
    Image,
}

impl UnsetField {
    /// Parses the names `renku project edit -u` accepts.
    pub fn parse(s: &str) -> Result<UnsetField> {
        match s {
            "keywords" | "k" => Ok(UnsetField::Keywords),
            "metadata" | "m" => Ok(UnsetField::Metadata),
            "description" | "d" => Ok(UnsetField::Description),
            "image" | "i" => Ok(UnsetField::Image),
            other => Err(Error::Usage(format!(
                "Invalid value for '-u' / '--unset': '{other}' is not one of 'keywords', 'k', 'metadata', 'm', 'description', 'd', 'image', 'i'."
            ))),
        }
    }
}

/// Changes requested by `renku project edit`.
#[derive(Debug, Clone, Default)]
pub struct ProjectEdit {
    /// New description.
    pub description: Option<String>,
    /// New keywords (replace the old ones).
    pub keywords: Option<Vec<String>>,
    /// New creator (`Name <email> [affiliation]`).
    pub creator: Option<String>,
    /// New image: path or URL.
    pub image: Option<String>,
    /// New custom JSON-LD metadata.
    pub metadata: Option<serde_json::Value>,
    /// Source recorded with the metadata (default `renku`).
    pub metadata_source: Option<String>,
    /// Fields to clear.
    pub unset: Vec<UnsetField>,
}

/// What `project edit` did.
#[derive(Debug, Clone, Default)]
pub struct EditOutcome {
    /// Names of the fields that changed (empty: nothing to update, nothing committed).
    pub changed: Vec<&'static str>,
    /// Warnings for the user (e.g. a creator without e-mail).
    pub warnings: Vec<String>,
}

/// Applies `edit` as a new project version in one commit.
pub fn edit(ctx: &CommandContext, project: &ProjectDir, edit: &ProjectEdit) -> Result<EditOutcome> {
    let mut warnings = Vec::new();
    if edit.creator.as_deref().is_some_and(|c| c.trim().is_empty()) {
        return Err(Error::Parameter("The creator cannot be empty.".into()));
    }
    let creator = edit.creator.as_deref().map(|c| {
        let (person, warning) = Person::parse_lenient(c);
        warnings.extend(warning);
        person
    });
    if let Some(image) = &edit.image
        && !(image.starts_with("http://") || image.starts_with("https://"))
        && !std::path::Path::new(image).is_file()
    {
        return Err(Error::Parameter(format!("Image '{image}' does not exist.")));
    }
    let mut tx = ctx.begin_transaction(project.root())?;
    let store = project.store();
    let current = store.project()?;
    let mut data = current.data.clone();
    let mut changed = Vec::new();

    if let Some(c) = creator
        && data.creator != c
    {
        data.creator = c;
        changed.push("creator");
    }
    if let Some(d) = &edit.description
        && data.description.as_deref() != Some(d.as_str())
    {
        data.description = Some(d.clone());
        changed.push("description");
    }
    if let Some(k) = &edit.keywords {
        let mut kws: Vec<String> = Vec::new();
        for kw in k {
            if !kws.contains(kw) {
                kws.push(kw.clone());
            }
        }
        if data.keywords != kws {
            data.keywords = kws;
            changed.push("keywords");
        }
    }
    if let Some(img) = &edit.image {
        let image = super::init::store_project_image(&mut tx, &data.id, img)?;
        if data.image.as_ref() != Some(&image) || !img.starts_with("http") {
            data.image = Some(image);
            changed.push("image");
        }
    }
    if let Some(body) = &edit.metadata {
        let source = edit
            .metadata_source
            .clone()
            .unwrap_or_else(|| "renku".into());
        let same = data.annotations.len() == 1
            && data.annotations[0].body == *body
            && data.annotations[0].source == source;
        if !same {
            data.annotations.retain(|a| a.source != source);
            data.annotations.push(Annotation::new(body.clone(), source));
            changed.push("custom_metadata");
        }
    }
    for field in &edit.unset {
        match field {
            UnsetField::Keywords if !data.keywords.is_empty() => {
                data.keywords.clear();
                changed.push("keywords");
            }
            UnsetField::Description if data.description.is_some() => {
                data.description = None;
                changed.push("description");
            }
            UnsetField::Metadata if !data.annotations.is_empty() => {
                data.annotations.clear();
                changed.push("custom_metadata");
            }
            UnsetField::Image if data.image.is_some() => {
                if let Some(img) = &data.image
                    && img.content_url.starts_with(".renku/images/")
                {
                    tx.remove_file(&img.content_url)?;
                }
                data.image = None;
                changed.push("image");
            }
            _ => {}
        }
    }
    changed.dedup();
    if changed.is_empty() {
        tx.rollback()?;
        return Ok(EditOutcome { changed, warnings });
    }
    data.agent_version = crate::VERSION.to_string();
    let record = current.derive(tx.id(), data);
    store.put(&mut tx, &record)?;
    tx.commit(&ctx.argv)?;
    Ok(EditOutcome { changed, warnings })
}
