//! Dataset operations: `renku dataset create|add|ls|ls-files|show|edit|rm|unlink|tag|…`.
//!
//! Every change writes a new immutable [`Dataset`] version to the store in one transaction
//! (one commit); see [`state`] for how versions and their file entries are read back.

pub mod add;
pub mod conflicts;
pub mod create;
pub mod edit;
pub mod export;
pub mod files;
pub mod git_source;
pub mod history;
pub mod import;
pub(crate) mod reimport;
pub mod remove;
pub mod state;
pub mod state_cache;
pub mod storage;
pub mod tags;
pub mod unlink;
pub mod update;
pub mod update_storage;

use std::path::Path;

use crate::model::{Dataset, DatasetFile, Person, Url};
use crate::repo::git::Git;
use crate::repo::transaction::Transaction;
use crate::store::{Kind, Record, Store};
use crate::{Error, Result};

pub use state::{DatasetState, Datasets};

/// The project's default data directory (`renku.data_directory`, default `data`).
pub fn default_data_dir(root: &Path) -> Result<String> {
    let config = crate::config::Config::load(Some(root))?;
    Ok(config
        .value("renku.data_directory")
        .map(|v| v.trim().trim_matches('/').to_string())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "data".to_string()))
}

/// Checks a dataset slug against renku's rule; the error names a valid alternative.
pub fn validate_slug(slug: &str) -> Result<()> {
    let valid = crate::util::slugify(slug, false);
    if slug.is_empty() || valid != slug {
        let hint = if valid.is_empty() {
            String::new()
        } else {
            format!(" (Hint: '{valid}' is valid)")
        };
        return Err(Error::Parameter(format!(
            "Dataset slug '{slug}' is not valid{hint}."
        )));
    }
    Ok(())
}

/// Checks a tag name against `^(?![.-])[a-zA-Z0-9_.-]{1,128}$`.
pub fn validate_tag(tag: &str) -> Result<()> {
    let ok = !tag.is_empty()
        && tag.len() <= 128
        && !tag.starts_with(['.', '-'])
        && tag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if ok {
        Ok(())
    } else {
        Err(Error::Parameter(format!(
            "Invalid tag name '{tag}': a tag has 1 to 128 letters, digits, '_', '.' or '-' and does not start with '.' or '-'."
        )))
    }
}

/// The git user as a person.
pub fn git_user(git: &Git) -> Result<Person> {
    let (name, email) = git.identity()?;
    Ok(Person::new(name, Some(email), None))
}

/// Paths the dataset commands refuse to start with when they hold uncommitted changes
/// (they commit them).
const METADATA_PATHS: &[&str] = &[".renku/store", ".renku/dataset_images", ".gitattributes"];

/// Fails when the metadata paths dataset commands write have uncommitted changes. Only those
/// paths are looked at (a pathspec per path), so the data files of the project, however
/// many, are neither listed nor stat'ed.
pub fn ensure_metadata_clean(git: &Git) -> Result<()> {
    let pathspecs = METADATA_PATHS
        .iter()
        .map(|p| gix::bstr::BString::from(format!(":(literal){p}")))
        .collect();
    // HEAD's tree is compared with the index only when something may have been staged since
    // renku's last commit (the index stamp): with 100 000 files that comparison is costly.
    let staged = crate::repo::status::index_may_have_staged_changes(git)?;
    let changes = crate::repo::status::changes_matching(git, staged, pathspecs)?;
    let dirty: Vec<&str> = changes
        .iter()
        .map(|c| c.path.as_str())
        .filter(|p| {
            METADATA_PATHS
                .iter()
                .any(|m| *p == *m || p.starts_with(&format!("{m}/")))
        })
        .collect();
    if dirty.is_empty() {
        return Ok(());
    }
    Err(Error::Failed(format!(
        "The renku directory {} contains uncommitted changes.\nPlease use \"git\" command to resolve.\nFiles must be committed or removed:\n\t{}",
        crate::store::STORE_DIR,
        dirty.join("\n\t")
    )))
}

/// Adds `user` to `creators` unless a creator with the same e-mail (or, without e-mail, the
/// same name) is already there.
pub fn add_creator(creators: &mut Vec<Person>, user: &Person) {
    let present = creators.iter().any(|c| match (&c.email, &user.email) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => c.name == user.name,
    });
    if !present {
        creators.push(user.clone());
    }
}

/// Builds the next version of `state`'s dataset holding `data` (metadata changed by the
/// caller) and the file entries `files` it writes; the reference's derivation rules apply:
/// a new identifier, the initial identifier kept, `derived_from` the current version,
/// `same_as` cleared, creation/publication dates kept, `date_modified` now, the git user
/// among the creators, the other heads of a merged dataset superseded.
pub fn next_version(
    tx: &Transaction,
    state: &DatasetState,
    mut data: Dataset,
    files: Vec<DatasetFile>,
    user: &Person,
) -> Record<Dataset> {
    let parent = &state.record;
    let version_id = crate::util::new_hex_id();
    let date = crate::util::now();
    data.identifier = version_id.clone();
    data.id = Dataset::id_for(&version_id);
    data.initial_identifier = parent.data.initial_identifier.clone();
    data.derived_from = Some(Url::dataset(&parent.data.identifier));
    data.same_as = None;
    data.date_created = parent.data.date_created;
    data.date_published = parent.data.date_published;
    data.date_modified = date;
    add_creator(&mut data.creators, user);
    data.files = files;
    data.merges = state.other_heads.clone();
    Record {
        kind: Kind::Dataset,
        object_id: parent.object_id.clone(),
        version_id,
        derived_from: Some(parent.version_id.clone()),
        date,
        removed: false,
        transaction: tx.id().to_string(),
        data,
    }
}

/// Writes a dataset version to the store as part of `tx`.
pub fn put_version(store: &Store, tx: &mut Transaction, record: &Record<Dataset>) -> Result<()> {
    store.put(tx, record).map(|_| ())
}

/// Whether a repository-relative path is protected (renku refuses to use it in commands).
pub fn is_protected(rel: &str) -> bool {
    let first = rel.split('/').next().unwrap_or(rel);
    let set = protected_globs();
    set.is_match(rel) || set.is_match(first)
}

/// [`crate::repo::lfs::PROTECTED_PATHS`] compiled once (a pattern that is not a valid glob
/// matches itself literally).
fn protected_globs() -> &'static globset::GlobSet {
    static SET: std::sync::OnceLock<globset::GlobSet> = std::sync::OnceLock::new();
    SET.get_or_init(|| {
        let mut builder = globset::GlobSetBuilder::new();
        for p in crate::repo::lfs::PROTECTED_PATHS {
            let glob = globset::Glob::new(p).or_else(|_| globset::Glob::new(&globset::escape(p)));
            if let Ok(g) = glob {
                builder.add(g);
            }
        }
        builder
            .build()
            .unwrap_or_else(|_| globset::GlobSet::empty())
    })
}

/// The error for protected paths, in the reference's words.
pub fn protected_error(paths: &[String]) -> Error {
    Error::Failed(format!(
        "The following paths are protected as part of renku:\n\t{}\nThey cannot be used in renku commands.",
        paths.join("\n\t")
    ))
}
