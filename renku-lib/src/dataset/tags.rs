//! `renku dataset tag|rm-tags|ls-tags`: named versions of a dataset. Tagging writes a tag
//! record; it does not make a new dataset version.

use crate::context::CommandContext;
use crate::model::DatasetTag;
use crate::repo::ProjectDir;
use crate::store::{Kind, Record};
use crate::{Error, Result};

use super::{DatasetState, Datasets};

/// The live tag `name` of the dataset of `state`.
pub fn find_tag(
    datasets: &Datasets<'_>,
    state: &DatasetState,
    name: &str,
) -> Result<Option<Record<DatasetTag>>> {
    Ok(datasets
        .tags(&state.dataset().initial_identifier)?
        .into_iter()
        .find(|t| t.data.name == name))
}

/// A tag with the dataset version it points at.
#[derive(Debug, Clone)]
pub struct TagListing {
    /// The tag.
    pub tag: DatasetTag,
    /// Title of the tagged version.
    pub dataset_name: String,
}

/// Tags the current version of `slug` as `name` (one commit). An existing tag is an error
/// unless `force`, which moves it.
pub fn tag(
    ctx: &CommandContext,
    project: &ProjectDir,
    slug: &str,
    name: &str,
    description: Option<&str>,
    force: bool,
) -> Result<DatasetTag> {
    super::validate_tag(name)?;
    let git = project.git()?;
    super::ensure_metadata_clean(&git)?;
    let mut tx = ctx.begin_transaction(project.root())?;
    let store = project.store();
    let datasets = Datasets::load(&store)?;
    let state = datasets.get(slug)?;
    let ds = state.dataset();
    let existing = find_tag(&datasets, &state, name)?;
    if existing.is_some() && !force {
        return Err(Error::Parameter(format!("Tag '{name}' already exists")));
    }
    let data = DatasetTag {
        id: DatasetTag::id_for(name, &ds.identifier),
        name: name.to_string(),
        description: description.unwrap_or_default().to_string(),
        date_created: crate::util::now(),
        dataset_slug: ds.slug.clone(),
        dataset_identifier: ds.identifier.clone(),
    };
    let record = match &existing {
        Some(old) => old.derive(tx.id(), data),
        None => Record::new(
            Kind::DatasetTag,
            DatasetTag::object_id(&ds.initial_identifier, name),
            tx.id(),
            data,
        ),
    };
    store.put(&mut tx, &record)?;
    tx.commit(&ctx.argv)?;
    Ok(record.data)
}

/// Removes the tags `names` of `slug` (one commit); unknown tags are an error (exit 2).
pub fn remove_tags(
    ctx: &CommandContext,
    project: &ProjectDir,
    slug: &str,
    names: &[String],
) -> Result<()> {
    let git = project.git()?;
    super::ensure_metadata_clean(&git)?;
    let mut tx = ctx.begin_transaction(project.root())?;
    let store = project.store();
    let datasets = Datasets::load(&store)?;
    let state = datasets.get(slug)?;
    let tags = datasets.tags(&state.dataset().initial_identifier)?;
    let missing: Vec<String> = names
        .iter()
        .filter(|n| !tags.iter().any(|t| &t.data.name == *n))
        .map(|n| n.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(Error::Parameter(format!(
            "Tags [{}] not found",
            missing.join(", ")
        )));
    }
    for t in tags.iter().filter(|t| names.contains(&t.data.name)) {
        let mut removed = t.derive(tx.id(), t.data.clone());
        removed.removed = true;
        store.put(&mut tx, &removed)?;
    }
    tx.commit(&ctx.argv)?;
    Ok(())
}

/// A tag as `dataset ls-tags --format json-ld` shows it, in renku-python's shape: one
/// expanded node per tag with its `schema:about` URL nested and plain literal values.
pub fn tag_json_ld(tag: &DatasetTag) -> serde_json::Value {
    let about = crate::model::Url::dataset(&tag.dataset_identifier);
    serde_json::json!({
        "@id": tag.id,
        "@type": ["http://schema.org/PublicationEvent"],
        "http://schema.org/about": {
            "@id": about.id,
            "@type": ["http://schema.org/URL"],
            "http://schema.org/url": {"@id": about.url},
        },
        "http://schema.org/description": tag.description,
        "http://schema.org/name": tag.name,
        "http://schema.org/startDate": tag.date_created.to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
    })
}

/// The tags of `slug`, oldest first.
pub fn list_tags(project: &ProjectDir, slug: &str) -> Result<Vec<TagListing>> {
    let store = project.store();
    let datasets = Datasets::load(&store)?;
    let state = datasets.get(slug)?;
    let mut out = Vec::new();
    for t in datasets.tags(&state.dataset().initial_identifier)? {
        let name =
            match store.read::<crate::model::Dataset>(Kind::Dataset, &t.data.dataset_identifier) {
                Ok(r) => r.data.name,
                Err(_) => state.dataset().name.clone(),
            };
        out.push(TagListing {
            tag: t.data,
            dataset_name: name,
        });
    }
    Ok(out)
}
