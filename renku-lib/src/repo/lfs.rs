//! Git LFS storage without the `git-lfs` executable on the recording path.
//!
//! Two parts:
//!
//! * **Storing** ([`LfsFilter`], [`store_file`], [`Pointer`]): a path whose `filter` attribute
//!   is `lfs` (from `.gitattributes`), in a repository where the LFS filter driver is
//!   configured (`filter.lfs.process` or `filter.lfs.clean`, as `git lfs install` sets up), is
//!   committed the way git-lfs's clean filter would commit it: the content goes to
//!   `<git common dir>/lfs/objects/<oid[0:2]>/<oid[2:4]>/<oid>` (SHA-256, written atomically)
//!   and the git blob is a pointer file. The work tree keeps the real content, and because the
//!   pointer is byte-identical to what `git-lfs clean` produces, `git status` stays clean.
//! * **Tracking** ([`LfsTracker`]): renku's rule for which new files go to LFS (run outputs,
//!   later dataset files): LFS enabled for the repository (and not `-S`), not a symlink, not
//!   already LFS-filtered, not matched by `.renkulfsignore` (gitignore syntax) or renku's
//!   protected paths, and at least `renku.lfs_threshold` bytes large; a directory is tracked
//!   as `<dir>/**` whatever its size. Tracking appends
//!   `<pattern> filter=lfs diff=lfs merge=lfs -text` lines to `.gitattributes` through the
//!   transaction, so a rollback restores the file.
//!
//! LFS objects written for a transaction that is then rolled back stay in `lfs/objects`: they
//! are content-addressed and harmless, like loose git objects nothing refers to.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use gix::bstr::ByteSlice;
use sha2::{Digest, Sha256};

use super::transaction::Transaction;
use crate::error::IoContext;
use crate::{Error, Result};

/// The `version` line value of LFS pointer files.
pub const POINTER_VERSION: &str = "https://git-lfs.github.com/spec/v1";

/// Pointer files are small; anything larger is content, never a pointer (git-lfs's limit).
const MAX_POINTER_SIZE: u64 = 1024;

/// The attributes appended to `.gitattributes` for a tracked pattern (as `git lfs track`).
pub const LFS_ATTRIBUTES: &str = "filter=lfs diff=lfs merge=lfs -text";

/// The built-in default of `renku.lfs_threshold`.
pub const DEFAULT_THRESHOLD: &str = "100kb";

/// Paths renku never puts into LFS, whatever `.renkulfsignore` says (gitignore syntax).
pub const PROTECTED_PATHS: &[&str] = &[
    ".dockerignore",
    ".git",
    ".git/*",
    ".gitattributes",
    ".gitignore",
    ".gitlab-ci.yml",
    ".renku",
    ".renku/**",
    ".renkulfsignore",
    "Dockerfile*",
    "environment.yml",
    "requirements.txt",
];

/// The file listing paths never to put into LFS, at the project root.
pub const IGNORE_FILE: &str = ".renkulfsignore";

/// A Git LFS pointer: the SHA-256 and size of the content it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pointer {
    /// SHA-256 of the content, 64 lowercase hex characters.
    pub oid: String,
    /// Size of the content in bytes.
    pub size: u64,
}

impl Pointer {
    /// The pointer file's bytes, exactly as `git-lfs clean` writes them:
    /// `version …\noid sha256:<hex>\nsize <n>\n`.
    pub fn encode(&self) -> Vec<u8> {
        format!(
            "version {POINTER_VERSION}\noid sha256:{}\nsize {}\n",
            self.oid, self.size
        )
        .into_bytes()
    }

    /// Parses a pointer file in the canonical form [`Pointer::encode`] writes; anything else
    /// (other keys, other order, a bad oid) is not a pointer.
    pub fn parse(bytes: &[u8]) -> Option<Pointer> {
        if bytes.len() as u64 > MAX_POINTER_SIZE {
            return None;
        }
        let text = std::str::from_utf8(bytes).ok()?;
        let rest = text.strip_prefix(&format!("version {POINTER_VERSION}\n"))?;
        let (oid_line, rest) = rest.split_once('\n')?;
        let oid = oid_line.strip_prefix("oid sha256:")?;
        if oid.len() != 64
            || !oid
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return None;
        }
        let size_text = rest.strip_prefix("size ")?.strip_suffix('\n')?;
        if size_text.is_empty() || !size_text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(Pointer {
            oid: oid.to_string(),
            size: size_text.parse().ok()?,
        })
    }
}

/// Whether the LFS filter driver is configured for the repository (local, global or system
/// git configuration: `filter.lfs.process` or `filter.lfs.clean`).
pub fn is_configured(repo: &gix::Repository) -> bool {
    let config = repo.config_snapshot();
    ["filter.lfs.process", "filter.lfs.clean"]
        .iter()
        .any(|key| config.string(*key).is_some_and(|v| !v.trim().is_empty()))
}

/// `<git common dir>/lfs/objects`, shared by all work trees of the repository.
pub fn objects_dir(repo: &gix::Repository) -> PathBuf {
    repo.common_dir().join("lfs").join("objects")
}

/// Where the object with SHA-256 `oid` lives under `objects_dir`.
pub fn object_path(objects_dir: &Path, oid: &str) -> PathBuf {
    let a = oid.get(..2).unwrap_or("00");
    let b = oid.get(2..4).unwrap_or("00");
    objects_dir.join(a).join(b).join(oid)
}

/// The blob git-lfs's clean filter makes of the file at `abs`, and, with `store`, the LFS
/// object written for it. An empty file stays empty and a file that already is a pointer is
/// kept as it is (as git-lfs does); anything else becomes a pointer to its content.
pub fn clean_file(repo: &gix::Repository, abs: &Path, store: bool) -> Result<Vec<u8>> {
    let meta = std::fs::metadata(abs).io_context(|| format!("Cannot stat {}", abs.display()))?;
    if meta.len() == 0 {
        return Ok(Vec::new());
    }
    if meta.len() <= MAX_POINTER_SIZE {
        let bytes = std::fs::read(abs).io_context(|| format!("Cannot read {}", abs.display()))?;
        if Pointer::parse(&bytes).is_some() {
            return Ok(bytes);
        }
    }
    let pointer = if store {
        store_file(repo, abs)?
    } else {
        hash_file(abs)?
    };
    Ok(pointer.encode())
}

/// The pointer of the file at `abs`, without storing anything.
pub fn hash_file(abs: &Path) -> Result<Pointer> {
    let mut file =
        std::fs::File::open(abs).io_context(|| format!("Cannot read {}", abs.display()))?;
    copy_hashing(&mut file, &mut std::io::sink(), abs)
}

fn copy_hashing(reader: &mut impl Read, writer: &mut impl Write, abs: &Path) -> Result<Pointer> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::io(format!("Cannot read {}", abs.display()), e)),
        };
        hasher.update(&buf[..n]);
        writer
            .write_all(&buf[..n])
            .io_context(|| format!("Cannot copy {} into Git LFS", abs.display()))?;
        size += n as u64;
    }
    let oid: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(Pointer { oid, size })
}

/// Copies the file at `abs` into the repository's LFS object store (once per content; the
/// file is read once, hashed while copied to a temporary file, then renamed into place) and
/// returns its pointer.
pub fn store_file(repo: &gix::Repository, abs: &Path) -> Result<Pointer> {
    crate::interrupt::check()?;
    let objects = objects_dir(repo);
    let tmp_dir = repo.common_dir().join("lfs").join("tmp");
    std::fs::create_dir_all(&tmp_dir)
        .io_context(|| format!("Cannot create {}", tmp_dir.display()))?;
    let mut source =
        std::fs::File::open(abs).io_context(|| format!("Cannot read {}", abs.display()))?;
    let mut tmp = tempfile::Builder::new()
        .prefix("renku-")
        .tempfile_in(&tmp_dir)
        .io_context(|| format!("Cannot create a temporary file in {}", tmp_dir.display()))?;
    let pointer = {
        let mut writer = std::io::BufWriter::new(tmp.as_file_mut());
        let pointer = copy_hashing(&mut source, &mut writer, abs)?;
        writer
            .flush()
            .io_context(|| format!("Cannot copy {} into Git LFS", abs.display()))?;
        pointer
    };
    let target = object_path(&objects, &pointer.oid);
    if let Ok(existing) = std::fs::metadata(&target)
        && existing.len() == pointer.size
    {
        return Ok(pointer);
    }
    tmp.as_file()
        .sync_all()
        .io_context(|| format!("Cannot flush the LFS object of {}", abs.display()))?;
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent)
            .io_context(|| format!("Cannot create {}", parent.display()))?;
    }
    tmp.persist(&target).map_err(|e| {
        Error::io(
            format!("Cannot store the LFS object of {}", abs.display()),
            e.error,
        )
    })?;
    Ok(pointer)
}

/// What [`materialize_pointers`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Materialized {
    /// Files whose pointer was replaced by the content (repository-relative).
    pub replaced: Vec<String>,
    /// Files left as pointers because their object is not in the LFS object store.
    pub missing: Vec<String>,
}

/// Replaces the LFS pointers checked out in the work tree of `repo` — files whose `filter`
/// attribute is `lfs` and whose content is a pointer — with their content from the LFS object
/// store, as git-lfs's smudge filter would, but without fetching anything. A pointer whose
/// object is not stored locally stays and is listed in [`Materialized::missing`]. File modes
/// are kept. Meant for a fresh checkout made with the LFS filter turned off.
pub fn materialize_pointers(repo: &gix::Repository) -> Result<Materialized> {
    let mut out = Materialized::default();
    let Some(root) = repo.workdir().map(Path::to_path_buf) else {
        return Ok(out);
    };
    let index = index_or_empty(repo)?;
    let objects = objects_dir(repo);
    let mut filter = LfsFilter::from_attributes(repo, &index)?;
    for entry in index.entries() {
        // Pointers are small regular files; the stat data of a fresh checkout is exact.
        if entry.mode != gix::index::entry::Mode::FILE
            && entry.mode != gix::index::entry::Mode::FILE_EXECUTABLE
        {
            continue;
        }
        if entry.stat.size == 0 || u64::from(entry.stat.size) > MAX_POINTER_SIZE {
            continue;
        }
        let rel = entry.path(&index).to_str_lossy().into_owned();
        if !filter.applies(&rel)? {
            continue;
        }
        let abs = root.join(&rel);
        let Ok(bytes) = std::fs::read(&abs) else {
            continue;
        };
        let Some(pointer) = Pointer::parse(&bytes) else {
            continue;
        };
        let object = object_path(&objects, &pointer.oid);
        match std::fs::metadata(&object) {
            Ok(meta) if meta.len() == pointer.size => {}
            _ => {
                out.missing.push(rel);
                continue;
            }
        }
        crate::interrupt::check()?;
        let mut source = std::fs::File::open(&object)
            .io_context(|| format!("Cannot read the LFS object of {rel}"))?;
        // Truncating the existing file keeps its permissions (an executable stays one).
        let mut target = std::fs::File::options()
            .write(true)
            .truncate(true)
            .open(&abs)
            .io_context(|| format!("Cannot write {rel}"))?;
        std::io::copy(&mut source, &mut target).io_context(|| format!("Cannot write {rel}"))?;
        out.replaced.push(rel);
    }
    Ok(out)
}

/// Tells which paths git passes through the LFS clean filter: those whose `filter` attribute
/// is `lfs`, when the filter driver is configured. Attributes are read from the work tree's
/// `.gitattributes` files (as git does when adding files), so lines a transaction appended
/// count at once.
pub struct LfsFilter<'repo> {
    stack: gix::AttributeStack<'repo>,
    outcome: gix::attrs::search::Outcome,
}

impl<'repo> LfsFilter<'repo> {
    /// The filter of `repo` given its `index`; `None` when LFS is not configured, so that
    /// repositories without LFS pay nothing.
    pub fn new(repo: &'repo gix::Repository, index: &gix::index::State) -> Result<Option<Self>> {
        if !is_configured(repo) {
            return Ok(None);
        }
        Self::from_attributes(repo, index).map(Some)
    }

    /// The filter of `repo` given its `index`, by the `filter` attributes alone, whether or
    /// not the filter driver is configured (to tell which committed files are pointers).
    pub fn from_attributes(
        repo: &'repo gix::Repository,
        index: &gix::index::State,
    ) -> Result<Self> {
        let stack = repo
            .attributes_only(
                index,
                gix::worktree::stack::state::attributes::Source::WorktreeThenIdMapping,
            )
            .map_err(|e| Error::git("cannot read .gitattributes", e))?;
        let outcome = stack.selected_attribute_matches(["filter"]);
        Ok(LfsFilter { stack, outcome })
    }

    /// Whether the file at repository-relative `rel` is stored in LFS.
    pub fn applies(&mut self, rel: &str) -> Result<bool> {
        let platform = self
            .stack
            .at_entry(rel, Some(gix::index::entry::Mode::FILE))
            .map_err(|e| Error::git(format!("cannot read the attributes of {rel}"), e))?;
        self.outcome.reset();
        platform.matching_attributes(&mut self.outcome);
        Ok(self.outcome.iter_selected().any(|m| {
            matches!(m.assignment.state, gix::attrs::StateRef::Value(v) if v.as_bstr() == "lfs")
        }))
    }
}

/// Opens the index of `repo` (or an empty one) for attribute lookups.
pub fn index_or_empty(repo: &gix::Repository) -> Result<gix::worktree::Index> {
    repo.index_or_empty()
        .map_err(|e| Error::git("cannot read the index", e))
}

/// Matches paths against `.renkulfsignore` and renku's protected paths (gitignore rules: a
/// path is ignored when it or one of its parent directories matches, the last matching
/// pattern wins and `!` re-includes).
pub struct IgnoreRules {
    search: gix::ignore::Search,
}

impl IgnoreRules {
    /// The rules of the project at `root`: the protected paths and `root/.renkulfsignore`
    /// (if present).
    pub fn load(root: &Path) -> Result<IgnoreRules> {
        let mut search = gix::ignore::Search::from_overrides(
            PROTECTED_PATHS.iter().copied(),
            gix::ignore::search::Ignore::default(),
        );
        let path = root.join(IGNORE_FILE);
        match std::fs::read(&path) {
            Ok(bytes) => search
                .add_patterns_buffer(
                    &bytes,
                    path,
                    Some(root),
                    gix::ignore::search::Ignore::default(),
                )
                .io_context(|| format!("Cannot read {IGNORE_FILE}"))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(format!("Cannot read {IGNORE_FILE}"), e)),
        }
        Ok(IgnoreRules { search })
    }

    /// Renku's protected paths alone, without `.renkulfsignore`.
    pub fn protected() -> IgnoreRules {
        IgnoreRules {
            search: gix::ignore::Search::from_overrides(
                PROTECTED_PATHS.iter().copied(),
                gix::ignore::search::Ignore::default(),
            ),
        }
    }

    fn matches_one(&self, rel: &str, is_dir: bool) -> Option<bool> {
        self.search
            .pattern_matching_relative_path(
                rel.as_bytes().as_bstr(),
                Some(is_dir),
                gix::glob::pattern::Case::Sensitive,
            )
            .map(|m| !m.pattern.is_negative())
    }

    /// Whether repository-relative `rel` (a directory when `is_dir`) must stay out of LFS.
    pub fn is_ignored(&self, rel: &str, is_dir: bool) -> bool {
        let mut prefix_end = 0;
        while let Some(pos) = rel[prefix_end..].find('/') {
            let dir = &rel[..prefix_end + pos];
            if self.matches_one(dir, true) == Some(true) {
                return true;
            }
            prefix_end += pos + 1;
        }
        self.matches_one(rel, is_dir) == Some(true)
    }
}

/// The `.gitattributes` pattern for a literal path, escaped as `git lfs track` escapes it:
/// glob characters get a backslash, spaces become `[[:space:]]`, a leading `#` is escaped.
pub fn escape_pattern(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for (i, c) in path.chars().enumerate() {
        match c {
            ' ' => out.push_str("[[:space:]]"),
            '*' | '?' | '[' | ']' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '#' if i == 0 => out.push_str("\\#"),
            _ => out.push(c),
        }
    }
    out
}

/// `renku.lfs_threshold` of the project at `root` in bytes (default [`DEFAULT_THRESHOLD`]);
/// fails on a value that is not a size.
pub fn configured_threshold(root: &Path) -> Result<u64> {
    threshold_of(&crate::config::Config::load(Some(root))?)
}

fn threshold_of(config: &crate::config::Config) -> Result<u64> {
    let text = config
        .value("renku.lfs_threshold")
        .unwrap_or_else(|| DEFAULT_THRESHOLD.to_string());
    crate::config::parse_size(&text).map_err(|_| {
        Error::Config(format!(
            "Invalid value for renku.lfs_threshold: '{text}' (expected a size such as 100kb or 2mb)."
        ))
    })
}

/// renku's decision which new files go to Git LFS (see the module documentation). Built
/// before a command runs, so a bad `lfs_threshold` fails before anything happens.
pub struct LfsTracker {
    root: PathBuf,
    enabled: bool,
    threshold: u64,
    show_message: bool,
    ignore: Option<IgnoreRules>,
}

/// What [`LfsTracker::track`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tracked {
    /// The patterns appended to `.gitattributes` (paths, or `<dir>/**` for directories).
    pub patterns: Vec<String>,
    /// Whether `renku.show_lfs_message` asks to tell the user about them.
    pub show_message: bool,
}

impl LfsTracker {
    /// The tracker of the project at `root`. LFS is used when `external_storage` (no `-S`)
    /// and the repository has the LFS filter configured. Fails on an unparsable
    /// `renku.lfs_threshold`.
    pub fn new(root: &Path, repo: &gix::Repository, external_storage: bool) -> Result<Self> {
        let config = crate::config::Config::load(Some(root))?;
        let threshold = threshold_of(&config)?;
        let show_message = config
            .value("renku.show_lfs_message")
            .is_none_or(|v| !v.trim().eq_ignore_ascii_case("false"));
        let enabled = external_storage && is_configured(repo);
        let ignore = if enabled {
            Some(IgnoreRules::load(root)?)
        } else {
            None
        };
        Ok(LfsTracker {
            root: root.to_path_buf(),
            enabled,
            threshold,
            show_message,
            ignore,
        })
    }

    /// Whether new files may go to LFS at all.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// The size from which a file goes to LFS, in bytes.
    pub fn threshold(&self) -> u64 {
        self.threshold
    }

    /// The `.gitattributes` patterns `paths` (repository-relative files or directories)
    /// need, per renku's rule; paths git already filters through LFS need none.
    pub fn patterns_for(&self, repo: &gix::Repository, paths: &[String]) -> Result<Vec<String>> {
        let Some(ignore) = self.ignore.as_ref().filter(|_| self.enabled) else {
            return Ok(Vec::new());
        };
        let index = index_or_empty(repo)?;
        let Some(mut filter) = LfsFilter::new(repo, &index)? else {
            return Ok(Vec::new());
        };
        let existing = existing_patterns(&self.root)?;
        let mut out: Vec<String> = Vec::new();
        for rel in paths {
            let abs = self.root.join(rel);
            let Ok(meta) = std::fs::symlink_metadata(&abs) else {
                continue;
            };
            if meta.file_type().is_symlink() {
                continue;
            }
            let pattern = if meta.is_dir() {
                if ignore.is_ignored(rel, true) || any_file_ignored(&abs, rel, ignore)? {
                    continue;
                }
                format!("{}/**", escape_pattern(rel))
            } else {
                if filter.applies(rel)? || ignore.is_ignored(rel, false) {
                    continue;
                }
                if meta.len() < self.threshold {
                    continue;
                }
                escape_pattern(rel)
            };
            if !existing.contains(&pattern) && !out.contains(&pattern) {
                out.push(pattern);
            }
        }
        Ok(out)
    }

    /// Tracks those of `paths` that go to LFS: appends their patterns to `.gitattributes`
    /// as part of `tx`. Their content is stored in LFS when the transaction commits.
    pub fn track(
        &self,
        tx: &mut Transaction,
        repo: &gix::Repository,
        paths: &[String],
    ) -> Result<Tracked> {
        let patterns = self.patterns_for(repo, paths)?;
        if !patterns.is_empty() {
            let mut text = match std::fs::read(self.root.join(".gitattributes")) {
                Ok(bytes) => bytes,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
                Err(e) => return Err(Error::io("Cannot read .gitattributes", e)),
            };
            if !text.is_empty() && !text.ends_with(b"\n") {
                text.push(b'\n');
            }
            for p in &patterns {
                text.extend_from_slice(format!("{p} {LFS_ATTRIBUTES}\n").as_bytes());
            }
            tx.write_file(".gitattributes", &text)?;
        }
        Ok(Tracked {
            patterns,
            show_message: self.show_message,
        })
    }
}

/// Patterns already in the root `.gitattributes` with the LFS filter.
fn existing_patterns(root: &Path) -> Result<Vec<String>> {
    let text = match std::fs::read_to_string(root.join(".gitattributes")) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io("Cannot read .gitattributes", e)),
    };
    Ok(text
        .lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            let pattern = words.next()?;
            words
                .any(|w| w == "filter=lfs")
                .then(|| pattern.to_string())
        })
        .collect())
}

/// Whether any file below the directory `abs` (repository-relative `rel`) must stay out of
/// LFS; such a directory is not tracked as a whole.
fn any_file_ignored(abs: &Path, rel: &str, ignore: &IgnoreRules) -> Result<bool> {
    let mut stack = vec![(abs.to_path_buf(), rel.to_string())];
    while let Some((dir, dir_rel)) = stack.pop() {
        for entry in std::fs::read_dir(&dir).io_context(|| format!("Cannot list {dir_rel}"))? {
            let entry = entry.io_context(|| format!("Cannot list {dir_rel}"))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let child_rel = format!("{dir_rel}/{name}");
            let is_dir = entry
                .file_type()
                .io_context(|| format!("Cannot stat {child_rel}"))?
                .is_dir();
            if ignore.is_ignored(&child_rel, is_dir) {
                return Ok(true);
            }
            if is_dir {
                stack.push((entry.path(), child_rel));
            }
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointer_round_trip_and_exact_bytes() {
        let p = Pointer {
            oid: "4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393".into(),
            size: 12345,
        };
        assert_eq!(
            String::from_utf8(p.encode()).unwrap(),
            "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n"
        );
        assert_eq!(Pointer::parse(&p.encode()), Some(p.clone()));
        // Not pointers: other content, a short oid, a missing newline, uppercase hex.
        assert_eq!(Pointer::parse(b"hello\n"), None);
        assert_eq!(
            Pointer::parse(
                b"version https://git-lfs.github.com/spec/v1\noid sha256:abcd\nsize 1\n"
            ),
            None
        );
        let text = String::from_utf8(p.encode()).unwrap();
        assert_eq!(Pointer::parse(text.trim_end().as_bytes()), None);
        assert_eq!(Pointer::parse(text.to_uppercase().as_bytes()), None);
    }

    #[test]
    fn hashing_matches_sha256_and_size() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("f");
        std::fs::write(&f, b"hello world").unwrap();
        let p = hash_file(&f).unwrap();
        assert_eq!(
            p.oid,
            "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
        );
        assert_eq!(p.size, 11);
    }

    #[test]
    fn object_paths_are_sharded() {
        let oid = "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9";
        assert_eq!(
            object_path(Path::new("/o"), oid),
            Path::new("/o/b9/4d").join(oid)
        );
    }

    #[test]
    fn patterns_are_escaped_like_git_lfs_track() {
        assert_eq!(
            escape_pattern("data/big file.csv"),
            "data/big[[:space:]]file.csv"
        );
        assert_eq!(escape_pattern("#x"), "\\#x");
        assert_eq!(escape_pattern("a*b?[c]"), "a\\*b\\?\\[c\\]");
        assert_eq!(escape_pattern("plain/path.bin"), "plain/path.bin");
    }

    #[test]
    fn ignore_rules_follow_gitignore_semantics() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(IGNORE_FILE),
            "# comment\n*.py\nlogs/\n!keep.py\n/rooted.bin\n",
        )
        .unwrap();
        let rules = IgnoreRules::load(dir.path()).unwrap();
        assert!(rules.is_ignored("src/a.py", false));
        assert!(!rules.is_ignored("keep.py", false), "negation re-includes");
        assert!(
            rules.is_ignored("logs/x.bin", false),
            "under an ignored dir"
        );
        assert!(rules.is_ignored("logs", true));
        assert!(!rules.is_ignored("logs", false), "dir-only pattern");
        assert!(rules.is_ignored("rooted.bin", false));
        assert!(
            !rules.is_ignored("sub/rooted.bin", false),
            "anchored pattern"
        );
        assert!(!rules.is_ignored("data/x.bin", false));
        // Protected paths.
        assert!(rules.is_ignored(".renku/store/x.json", false));
        assert!(rules.is_ignored(".gitattributes", false));
        assert!(rules.is_ignored("Dockerfile.gpu", false));
        assert!(rules.is_ignored("requirements.txt", false));
    }
}
