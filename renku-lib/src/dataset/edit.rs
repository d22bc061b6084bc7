//! `renku dataset edit`: a new version with changed metadata.

use crate::context::CommandContext;
use crate::model::{Annotation, Person};
use crate::repo::ProjectDir;
use crate::{Error, Result};

use super::Datasets;

/// Fields `dataset edit -u/--unset` can clear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnsetField {
    /// Keywords.
    Keywords,
    /// Images.
    Images,
    /// Custom metadata.
    Metadata,
}

impl UnsetField {
    /// Parses `keywords|k|images|i|metadata|m`.
    pub fn parse(s: &str) -> Result<UnsetField> {
        match s {
            "keywords" | "k" => Ok(UnsetField::Keywords),
            "images" | "i" => Ok(UnsetField::Images),
            "metadata" | "m" => Ok(UnsetField::Metadata),
            other => Err(Error::Usage(format!(
                "Invalid value for '-u' / '--unset': '{other}' is not one of 'keywords', 'k', 'images', 'i', 'metadata', 'm'."
            ))),
        }
    }
}

/// Changes requested by `dataset edit`.
#[derive(Debug, Clone, Default)]
pub struct DatasetEdit {
    /// New title (whitespace-stripped).
    pub name: Option<String>,
    /// New description (verbatim).
    pub description: Option<String>,
    /// New creators (replace the list; the git user is appended when absent).
    pub creators: Option<Vec<String>>,
    /// New keywords (replace the list).
    pub keywords: Option<Vec<String>>,
    /// New custom metadata.
    pub metadata: Option<serde_json::Value>,
    /// Source of the custom metadata (default `renku`).
    pub metadata_source: Option<String>,
    /// Fields to clear.
    pub unset: Vec<UnsetField>,
}

/// What `dataset edit` did.
#[derive(Debug, Clone, Default)]
pub struct EditOutcome {
    /// Changed fields (`creators, description, keywords, name, images, custom_metadata`);
    /// empty: nothing changed, nothing committed.
    pub changed: Vec<&'static str>,
    /// Warnings (creators without a valid e-mail).
    pub warnings: Vec<String>,
}

/// Applies `edit` to dataset `slug` as a new version (one commit), or does nothing when
/// nothing changes.
pub fn edit(
    ctx: &CommandContext,
    project: &ProjectDir,
    slug: &str,
    edit: &DatasetEdit,
) -> Result<EditOutcome> {
    for u in &edit.unset {
        let clash = match u {
            UnsetField::Keywords => edit.keywords.is_some().then_some("keywords"),
            UnsetField::Metadata => edit.metadata.is_some().then_some("metadata"),
            UnsetField::Images => None,
        };
        if let Some(field) = clash {
            return Err(Error::Parameter(format!(
                "Cannot set and unset '{field}' at the same time."
            )));
        }
    }
    if edit.metadata_source.is_some() && edit.metadata.is_none() {
        return Err(Error::Parameter(
            "'--metadata-source' can only be used with '-m/--metadata'.".into(),
        ));
    }
    let git = project.git()?;
    super::ensure_metadata_clean(&git)?;
    let user = super::git_user(&git)?;
    let mut tx = ctx.begin_transaction(project.root())?;
    let store = project.store();
    let datasets = Datasets::load(&store)?;
    let state = datasets.get(slug)?;
    let mut data = state.dataset().clone();
    let mut changed = Vec::new();
    let mut warnings = Vec::new();

    if let Some(name) = &edit.name {
        let name = name.trim();
        if name.is_empty() {
            return Err(Error::Parameter("The name cannot be empty.".into()));
        }
        if data.name != name {
            data.name = name.to_string();
            changed.push("name");
        }
    }
    if let Some(d) = &edit.description
        && data.description.as_deref() != Some(d.as_str())
    {
        data.description = Some(d.clone());
        changed.push("description");
    }
    if let Some(creators) = &edit.creators {
        let mut people: Vec<Person> = Vec::new();
        for c in creators {
            let (p, w) = Person::parse_lenient(c);
            warnings.extend(w);
            people.push(p);
        }
        super::add_creator(&mut people, &user);
        if data.creators != people {
            data.creators = people;
            changed.push("creators");
        }
    }
    if let Some(k) = &edit.keywords {
        let mut kws: Vec<String> = Vec::new();
        for kw in k {
            let kw = kw.trim();
            if !kw.is_empty() && !kws.iter().any(|x| x == kw) {
                kws.push(kw.to_string());
            }
        }
        if data.keywords != kws {
            data.keywords = kws;
            changed.push("keywords");
        }
    }
    if let Some(body) = &edit.metadata {
        let source = edit
            .metadata_source
            .clone()
            .unwrap_or_else(|| "renku".into());
        let same: Vec<&Annotation> = data
            .annotations
            .iter()
            .filter(|a| a.source == source)
            .collect();
        if !(same.len() == 1 && same[0].body == *body) {
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
            UnsetField::Images if !data.images.is_empty() => {
                data.images.clear();
                changed.push("images");
            }
            UnsetField::Metadata if !data.annotations.is_empty() => {
                data.annotations.clear();
                changed.push("custom_metadata");
            }
            _ => {}
        }
    }
    changed.dedup();
    if changed.is_empty() && !state.other_heads.is_empty() {
        // Settling a dataset changed on two branches: the given values win, even when they
        // equal the newest branch's.
        if edit.name.is_some() {
            changed.push("name");
        }
        if edit.description.is_some() {
            changed.push("description");
        }
        if edit.creators.is_some() {
            changed.push("creators");
        }
        if edit.keywords.is_some() {
            changed.push("keywords");
        }
        if edit.metadata.is_some() {
            changed.push("custom_metadata");
        }
    }
    if changed.is_empty() {
        tx.rollback()?;
        return Ok(EditOutcome { changed, warnings });
    }
    // The edit sets the creators explicitly; keep them as given (plus the git user).
    let creators = data.creators.clone();
    let mut record = super::next_version(&tx, &state, data, Vec::new(), &user);
    if edit.creators.is_some() {
        record.data.creators = creators;
    }
    super::put_version(&store, &mut tx, &record)?;
    tx.commit(&ctx.argv)?;
    Ok(EditOutcome { changed, warnings })
}
