//! `renku dataset create`: the first version of a new dataset.

use crate::context::CommandContext;
use crate::model::{Annotation, Dataset, Person};
use crate::repo::ProjectDir;
use crate::store::{Kind, Record};
use crate::{Error, Result};

/// The metadata of a new dataset.
#[derive(Debug, Clone, Default)]
pub struct NewDataset {
    /// Slug (checked against the naming rule).
    pub slug: String,
    /// Title; defaults to the slug.
    pub name: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Creators as `Name <email> [affiliation]`; the git user when empty.
    pub creators: Vec<String>,
    /// Keywords.
    pub keywords: Vec<String>,
    /// Custom JSON-LD metadata (annotation with source `renku`).
    pub metadata: Option<serde_json::Value>,
    /// Data directory, relative to the project root.
    pub datadir: Option<String>,
    /// Cloud storage of the data (`s3://…`, `azure://…`); its data directory is then
    /// git-ignored and only metadata is committed.
    pub storage: Option<String>,
}

/// Resolves a `--datadir` argument (relative to `cwd`, or absolute) to a path relative to
/// the project root; it must lie inside the project.
pub fn resolve_datadir(
    project: &ProjectDir,
    cwd: &std::path::Path,
    datadir: &str,
) -> Result<String> {
    let abs = crate::util::normalize_path(&cwd.join(datadir));
    let rel = project
        .relative_path(&abs)
        .filter(|r| !r.is_empty() && r != "." && !r.starts_with(".git/") && r != ".git")
        .ok_or_else(|| Error::Parameter("Datadir must be inside repository.".into()))?;
    if super::is_protected(&rel) {
        return Err(super::protected_error(&[rel]));
    }
    Ok(rel.trim_end_matches('/').to_string())
}

/// Builds the first version of a dataset (not yet stored): checks the slug and creators.
pub fn first_version(
    new: &NewDataset,
    user: &Person,
    transaction: &str,
) -> Result<Record<Dataset>> {
    super::validate_slug(&new.slug)?;
    let creators = if new.creators.is_empty() {
        vec![user.clone()]
    } else {
        new.creators
            .iter()
            .map(|c| Person::parse_strict(c))
            .collect::<Result<Vec<_>>>()?
    };
    let mut keywords: Vec<String> = Vec::new();
    for k in &new.keywords {
        let k = k.trim();
        if !k.is_empty() && !keywords.iter().any(|x| x == k) {
            keywords.push(k.to_string());
        }
    }
    let identifier = crate::util::new_hex_id();
    let now = crate::util::now();
    let name = new
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or(&new.slug)
        .to_string();
    let data = Dataset {
        id: Dataset::id_for(&identifier),
        identifier: identifier.clone(),
        initial_identifier: identifier.clone(),
        slug: new.slug.clone(),
        name,
        description: new.description.clone().filter(|d| !d.is_empty()),
        creators,
        date_created: Some(now),
        date_published: None,
        date_modified: now,
        date_removed: None,
        derived_from: None,
        same_as: None,
        keywords,
        images: Vec::new(),
        in_language: None,
        license: None,
        version: None,
        annotations: new
            .metadata
            .iter()
            .map(|m| Annotation::new(m.clone(), "renku"))
            .collect(),
        storage: None,
        datadir: new.datadir.clone(),
        import_source: None,
        files: Vec::new(),
        merges: Vec::new(),
    };
    Ok(Record {
        kind: Kind::Dataset,
        object_id: identifier.clone(),
        version_id: identifier,
        derived_from: None,
        date: now,
        removed: false,
        transaction: transaction.to_string(),
        data,
    })
}

/// Creates dataset `new.slug` in one commit. Files already in its data directory become
/// its first files. Returns the new version. A dataset with storage gets credentials from
/// the environment or the credential file only; see [`create_with_prompt`].
pub fn create(
    ctx: &CommandContext,
    project: &ProjectDir,
    new: &NewDataset,
) -> Result<Record<Dataset>> {
    create_with_prompt(ctx, project, new, None)
}

/// [`create`], asking `prompt` for storage credentials that neither the environment nor the
/// credential file has. With `new.storage` the bucket must exist (checked before anything
/// changes), the data directory is added to `.gitignore` in the same commit and files
/// already in it are not registered.
pub fn create_with_prompt(
    ctx: &CommandContext,
    project: &ProjectDir,
    new: &NewDataset,
    prompt: Option<&mut dyn crate::cloud_storage::credentials::CredentialPrompt>,
) -> Result<Record<Dataset>> {
    super::validate_slug(&new.slug)?;
    let storage = match &new.storage {
        Some(text) => {
            let uri = super::storage::parse_storage_uri(text)?;
            super::storage::connect(&uri, prompt)?;
            Some(uri)
        }
        None => None,
    };
    let git = project.git()?;
    super::ensure_metadata_clean(&git)?;
    let user = super::git_user(&git)?;
    let mut tx = ctx.begin_transaction(project.root())?;
    let result = (|| {
        let store = project.store();
        let datasets = super::Datasets::load(&store)?;
        if datasets.find(&new.slug)?.is_some() {
            return Err(Error::Failed(format!("Dataset exists: '{}'", new.slug)));
        }
        let mut record = first_version(new, &user, tx.id())?;
        if let Some(uri) = &storage {
            super::storage::setup_new_dataset(project, &mut tx, &mut record.data, uri)?;
            super::put_version(&store, &mut tx, &record)?;
            return Ok(record);
        }
        let data_dir = record
            .data
            .data_dir(&super::default_data_dir(project.root())?);
        record.data.files = super::add::register_existing(project, &git, &mut tx, &data_dir, ctx)?;
        super::put_version(&store, &mut tx, &record)?;
        Ok(record)
    })();
    match result {
        Ok(record) => {
            tx.commit(&ctx.argv)?;
            Ok(record)
        }
        Err(e) => {
            tx.rollback()?;
            Err(e)
        }
    }
}
