//! `renku dataset ls-files`: the files of datasets, with filters.

use crate::model::{DatasetFile, Person};
use crate::repo::ProjectDir;
use crate::{Error, Result};

use super::{DatasetState, Datasets};

/// Which files to list.
#[derive(Debug, Clone, Default)]
pub struct FileFilter {
    /// Only these datasets (all when empty).
    pub slugs: Vec<String>,
    /// The files of the versions with this tag.
    pub tag: Option<String>,
    /// Only datasets having all of these creator names.
    pub creators: Vec<String>,
    /// Only paths matching one of these globs.
    pub include: Vec<String>,
    /// No paths matching one of these globs.
    pub exclude: Vec<String>,
}

/// One listed file.
#[derive(Debug, Clone)]
pub struct ListedFile {
    /// Slug of its dataset.
    pub dataset_slug: String,
    /// Title of its dataset.
    pub dataset_name: String,
    /// Identifier of the dataset version listed.
    pub dataset_id: String,
    /// Creators of the dataset (shared by all files of the dataset).
    pub creators: std::sync::Arc<Vec<Person>>,
    /// The file entry.
    pub file: DatasetFile,
    /// Whether git stores the file in LFS.
    pub is_lfs: bool,
}

/// Glob patterns matched like Python's `PurePath.match`: anchored at the right end of the
/// path, `*` not crossing `/`; `**` matches any number of directories.
#[derive(Debug, Clone)]
pub struct PathGlobs {
    set: globset::GlobSet,
    empty: bool,
}

impl PathGlobs {
    /// Compiles `patterns` (an empty list matches nothing).
    pub fn new(patterns: &[String]) -> Result<PathGlobs> {
        let mut builder = globset::GlobSetBuilder::new();
        for p in patterns {
            let p = p.trim();
            let anchored = if let Some(rest) = p.strip_prefix('/') {
                rest.to_string()
            } else {
                format!("{{{p},**/{p}}}")
            };
            let glob = globset::GlobBuilder::new(&anchored)
                .literal_separator(true)
                .build()
                .map_err(|e| Error::Parameter(format!("Invalid pattern '{p}': {e}")))?;
            builder.add(glob);
        }
        let set = builder
            .build()
            .map_err(|e| Error::Parameter(format!("Invalid patterns: {e}")))?;
        Ok(PathGlobs {
            set,
            empty: patterns.is_empty(),
        })
    }

    /// Whether no pattern was given.
    pub fn is_empty(&self) -> bool {
        self.empty
    }

    /// Whether `path` matches one of the patterns.
    pub fn matches(&self, path: &str) -> bool {
        self.set.is_match(path)
    }
}

/// The names of a `--creators a,b` argument (comma-separated, trimmed, empty ones dropped).
pub fn creator_names(text: Option<&str>) -> Vec<String> {
    text.map(|t| {
        t.split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    })
    .unwrap_or_default()
}

/// Whether `dataset` has a creator of every one of `names`.
pub fn has_creators(dataset: &crate::model::Dataset, names: &[String]) -> bool {
    names
        .iter()
        .all(|n| dataset.creators.iter().any(|c| c.name == n.trim()))
}

/// Whether `path` passes include (when given) and exclude patterns.
pub fn passes(include: &PathGlobs, exclude: &PathGlobs, path: &str) -> bool {
    (include.is_empty() || include.matches(path)) && !exclude.matches(path)
}

/// Lists the files of the selected datasets, sorted by dataset slug, then date added.
pub fn list_files(project: &ProjectDir, filter: &FileFilter) -> Result<Vec<ListedFile>> {
    let store = project.store();
    let datasets = Datasets::load(&store)?;
    let selected = select(&datasets, &filter.slugs)?;
    let include = PathGlobs::new(&filter.include)?;
    let exclude = PathGlobs::new(&filter.exclude)?;
    let git = project.git()?;
    let index = crate::repo::lfs::index_or_empty(git.repo())?;
    let mut lfs = crate::repo::lfs::LfsFilter::from_attributes(git.repo(), &index)?;
    let mut pointers = crate::storage::history::PointerCache::default();
    let mut out = Vec::new();
    for state in selected {
        let state = match &filter.tag {
            Some(tag) => match super::tags::find_tag(&datasets, &state, tag)? {
                Some(t) => datasets.state_of(&t.data.dataset_identifier)?,
                None => continue,
            },
            None => state,
        };
        let ds = &state.record.data;
        if !has_creators(ds, &filter.creators) {
            continue;
        }
        // The entries are sorted by path: a stable sort by date keeps paths in order.
        let mut files: Vec<DatasetFile> = state
            .entries
            .into_values()
            .filter(|f| !f.is_removed() && passes(&include, &exclude, f.path()))
            .collect();
        files.sort_by_key(|f| f.date_added);
        let creators = std::sync::Arc::new(ds.creators.clone());
        out.reserve(files.len());
        for mut file in files {
            let is_lfs = lfs.applies(file.path())?;
            if file.size.is_none() {
                file.size = recorded_content_size(git.repo(), &mut pointers, &file.entity.checksum);
            }
            out.push(ListedFile {
                dataset_slug: ds.slug.clone(),
                dataset_name: ds.name.clone(),
                dataset_id: ds.identifier.clone(),
                creators: creators.clone(),
                file,
                is_lfs,
            });
        }
    }
    Ok(out)
}

/// The size of the content stored as git object `checksum` (the size an LFS pointer names,
/// else the blob's), for files whose metadata has no size (as renku-python's migrations
/// leave them, which then also reads it from git); `None` when git does not have it.
fn recorded_content_size(
    repo: &gix::Repository,
    pointers: &mut crate::storage::history::PointerCache,
    checksum: &str,
) -> Option<u64> {
    let id = gix::ObjectId::from_hex(checksum.as_bytes()).ok()?;
    let header = repo.find_header(id).ok()?;
    if header.kind() != gix::object::Kind::Blob {
        return None;
    }
    match pointers.pointer(repo, id, header.size()).ok()? {
        Some(pointer) => Some(pointer.size),
        None => Some(header.size()),
    }
}

/// The live datasets named by `slugs` (all when empty); unknown slugs are an error (exit 2).
pub fn select(datasets: &Datasets<'_>, slugs: &[String]) -> Result<Vec<DatasetState>> {
    if slugs.is_empty() {
        return datasets.all();
    }
    let live = datasets.live_versions();
    let missing: Vec<&str> = slugs
        .iter()
        .filter(|s| !live.contains_key(s.as_str()))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return Err(Error::Parameter(format!(
            "These datasets don't exist: {}",
            missing.join(", ")
        )));
    }
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for s in slugs {
        if seen.insert(s) {
            out.push(datasets.state_of(&live[s])?);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn globs(p: &[&str]) -> PathGlobs {
        PathGlobs::new(&p.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn patterns_match_from_the_right() {
        let g = globs(&["*.csv"]);
        assert!(g.matches("data/d1/a.csv"));
        assert!(g.matches("a.csv"));
        assert!(!g.matches("data/d1/a.txt"));
        let g = globs(&["d1/*.csv"]);
        assert!(g.matches("data/d1/a.csv"));
        assert!(!g.matches("data/d1/sub/a.csv"));
        let g = globs(&["d1/**/*.csv"]);
        assert!(g.matches("data/d1/sub/deep/a.csv"));
        let g = globs(&["data/*"]);
        assert!(!g.matches("data/d1/a.csv"));
    }
}
