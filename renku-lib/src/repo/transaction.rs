//! Transactions: a mutating command either commits both its file changes and its metadata in
//! one git commit, or leaves the repository exactly as it was.
//!
//! A write-ahead journal lives in `<git dir>/renku/transaction/` (outside the work tree):
//!
//! 1. before a path is touched, its old content is copied to `backup/` and the path is added
//!    to `journal.json` (written atomically and flushed);
//! 2. new content is written to a temporary file inside the journal directory and renamed
//!    into place, so a file is always either old or new, never partial;
//! 3. at commit, blobs and the tree are written, the index is backed up and updated, and HEAD
//!    is moved with a compare-and-swap update — the commit point;
//! 4. the journal is deleted.
//!
//! On an error, on Ctrl-C or when the transaction is dropped without committing, the old
//! contents, the index and any created directories are restored. When the process is killed
//! (`kill -9`, power loss of the process), the journal stays behind; the next renku command
//! on the project finds it and, if HEAD does not carry the transaction's trailer, rolls it
//! back ([`recover_if_abandoned`]).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::git::Git;
use super::lock::ProjectLock;
use crate::error::IoContext;
use crate::{Error, Result};

const JOURNAL_FILE: &str = "journal.json";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum IndexBackup {
    NotTaken,
    Absent,
    Saved,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct JournalEntry {
    path: String,
    backup: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Journal {
    id: String,
    head_before: Option<String>,
    entries: Vec<JournalEntry>,
    created_dirs: Vec<String>,
    index_backup: IndexBackup,
    /// Directories whose whole content the transaction owns: a rollback removes every file in
    /// them that is not a journaled path (files a re-executed step created).
    #[serde(default)]
    owned_dirs: Vec<String>,
    /// When the transaction started (seconds since the Unix epoch).
    #[serde(default)]
    started: u64,
    /// Empty directories the transaction removed (those of submodules it drops); a rollback
    /// creates them again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    removed_dirs: Vec<String>,
}

/// What [`Transaction::commit`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Committed {
    /// The new commit.
    pub commit: gix::ObjectId,
    /// The transaction id written as the commit trailer.
    pub transaction: String,
}

/// An open transaction on a project. Holds the project lock until it ends.
pub struct Transaction {
    root: PathBuf,
    dir: PathBuf,
    journal: Journal,
    finished: bool,
    staged: Vec<String>,
    /// Paths in `journal.entries` and `staged`, for constant-time lookups.
    registered: std::collections::HashSet<String>,
    staged_set: std::collections::HashSet<String>,
    /// Blobs already written for staged paths, reused at commit while the files are unchanged.
    written: std::collections::HashMap<String, super::git::WorktreeBlob>,
    /// Directories known to exist, or to be in `journal.created_dirs`, for cheap journaling
    /// of many files in the same directories.
    known_dirs: std::collections::HashSet<String>,
    _lock: ProjectLock,
}

/// Directory of the journal of the project at `root`.
pub fn journal_dir(root: &Path) -> Result<PathBuf> {
    Ok(super::renku_git_dir(root)?.join("transaction"))
}

impl Transaction {
    /// Starts a transaction on the project at `root` while holding `lock`.
    pub fn begin(root: &Path, lock: ProjectLock) -> Result<Transaction> {
        let dir = journal_dir(root)?;
        if dir.exists() {
            // We hold the lock, so whoever left this journal is gone.
            recover_locked(root, &dir)?;
        }
        let head_before = Git::open(root)?.head_id()?.map(|id| id.to_string());
        std::fs::create_dir_all(dir.join("backup"))
            .io_context(|| format!("Cannot create {}", dir.display()))?;
        std::fs::create_dir_all(dir.join("tmp"))
            .io_context(|| format!("Cannot create {}", dir.display()))?;
        let journal = Journal {
            id: crate::util::new_hex_id(),
            head_before,
            entries: Vec::new(),
            created_dirs: Vec::new(),
            index_backup: IndexBackup::NotTaken,
            owned_dirs: Vec::new(),
            removed_dirs: Vec::new(),
            started: unix_now(),
        };
        let tx = Transaction {
            root: root.to_path_buf(),
            dir,
            journal,
            finished: false,
            staged: Vec::new(),
            registered: Default::default(),
            staged_set: Default::default(),
            written: Default::default(),
            known_dirs: Default::default(),
            _lock: lock,
        };
        tx.save_journal()?;
        Ok(tx)
    }

    /// The transaction id (32 hex characters), written as the `renku-transaction` trailer.
    pub fn id(&self) -> &str {
        &self.journal.id
    }

    /// The project root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Repository-relative paths written or removed so far.
    pub fn touched_paths(&self) -> Vec<String> {
        self.journal
            .entries
            .iter()
            .map(|e| e.path.clone())
            .collect()
    }

    fn save_journal(&self) -> Result<()> {
        let bytes = crate::store::record::canonical_json(&self.journal)?;
        let path = self.dir.join(JOURNAL_FILE);
        let mut tmp = tempfile::Builder::new()
            .prefix(".journal-")
            .tempfile_in(self.dir.join("tmp"))
            .io_context(|| "Cannot write the transaction journal".into())?;
        std::io::Write::write_all(&mut tmp, &bytes)
            .io_context(|| "Cannot write the transaction journal".into())?;
        tmp.as_file()
            .sync_all()
            .io_context(|| "Cannot flush the transaction journal".into())?;
        tmp.persist(&path)
            .map_err(|e| Error::io("Cannot write the transaction journal", e.error))?;
        Ok(())
    }

    /// Registers `rel` in the journal (backing up its current content) if not yet done.
    fn journal_path(&mut self, rel: &str) -> Result<()> {
        self.register_path(rel)?;
        self.save_journal()
    }

    /// Like [`Transaction::journal_path`] without saving the journal: the caller saves it
    /// once for a batch of paths, before touching any of them.
    fn register_path(&mut self, rel: &str) -> Result<()> {
        crate::interrupt::check()?;
        validate_relative(rel)?;
        if self.registered.contains(rel) {
            return Ok(());
        }
        let abs = self.root.join(rel);
        let backup = match std::fs::symlink_metadata(&abs) {
            Ok(meta) if meta.is_dir() => {
                return Err(Error::Failed(format!(
                    "Cannot replace the directory {rel} by a file"
                )));
            }
            Ok(meta) => {
                let name = format!("{}", self.journal.entries.len());
                let target = self.dir.join("backup").join(&name);
                if meta.file_type().is_symlink() {
                    // A link is kept as a link (its target may be missing or outside).
                    let link = std::fs::read_link(&abs)
                        .io_context(|| format!("Cannot read the link {rel}"))?;
                    make_symlink(&link, &target).io_context(|| format!("Cannot back up {rel}"))?;
                } else {
                    std::fs::copy(&abs, &target).io_context(|| format!("Cannot back up {rel}"))?;
                }
                Some(name)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(Error::io(format!("Cannot stat {rel}"), e)),
        };
        // Directories this write will create, outermost first. A directory seen before
        // (existing, or already recorded as created) ends the walk: so are its parents.
        let mut missing = Vec::new();
        let mut parent = Path::new(rel).parent();
        while let Some(p) = parent {
            if p.as_os_str().is_empty() {
                break;
            }
            let d = p.to_string_lossy().replace('\\', "/");
            if self.known_dirs.contains(&d) {
                break;
            }
            if self.root.join(p).exists() {
                self.known_dirs.insert(d);
                break;
            }
            missing.push(d);
            parent = p.parent();
        }
        missing.reverse();
        for d in missing {
            if !self.journal.created_dirs.contains(&d) {
                self.journal.created_dirs.push(d.clone());
            }
            self.known_dirs.insert(d);
        }
        self.registered.insert(rel.to_string());
        self.journal.entries.push(JournalEntry {
            path: rel.to_string(),
            backup,
        });
        Ok(())
    }

    /// Writes `bytes` to the repository-relative path `rel` as part of the transaction.
    pub fn write_file(&mut self, rel: &str, bytes: &[u8]) -> Result<()> {
        self.journal_path(rel)?;
        crate::util::write_atomic(&self.root.join(rel), bytes, Some(&self.dir.join("tmp")))
    }

    /// Copies the file at `source` (an absolute path) to `rel` as part of the transaction.
    pub fn copy_file(&mut self, source: &Path, rel: &str) -> Result<()> {
        let bytes =
            std::fs::read(source).io_context(|| format!("Cannot read {}", source.display()))?;
        self.write_file(rel, &bytes)
    }

    /// Includes `rel`, written by someone else (the command `renku run` records), in the
    /// commit. Its content is not backed up: a rollback leaves the file as it was left, and
    /// only the index is restored.
    pub fn stage_path(&mut self, rel: &str) -> Result<()> {
        validate_relative(rel)?;
        if self.staged_set.insert(rel.to_string()) {
            self.staged.push(rel.to_string());
        }
        Ok(())
    }

    /// Like [`Transaction::stage_path`] for a file whose blob is already written: the commit
    /// reuses `blob` instead of reading the file again, unless the file changed since.
    pub fn stage_blob(&mut self, rel: &str, blob: super::git::WorktreeBlob) -> Result<()> {
        self.stage_path(rel)?;
        if blob.is_reusable() {
            self.written.insert(rel.to_string(), blob);
        }
        Ok(())
    }

    /// Backs up `rel` (a file that may or may not exist) before someone else overwrites it —
    /// a step that `renku update` re-executes — and includes it in the commit. A rollback
    /// puts the old content back, or removes the file if it did not exist.
    pub fn protect_file(&mut self, rel: &str) -> Result<()> {
        self.journal_path(rel)
    }

    /// [`Transaction::protect_file`] for many files, with one journal write.
    pub fn protect_files(&mut self, rels: &[String]) -> Result<()> {
        for rel in rels {
            self.register_path(rel)?;
        }
        self.save_journal()
    }

    /// Writes many files as part of the transaction, journaling them all with one journal
    /// write before the first is touched.
    pub fn write_files(&mut self, files: &[(String, Vec<u8>)]) -> Result<()> {
        for (rel, _) in files {
            self.register_path(rel)?;
        }
        self.save_journal()?;
        for (rel, bytes) in files {
            crate::util::write_atomic(&self.root.join(rel), bytes, Some(&self.dir.join("tmp")))?;
        }
        Ok(())
    }

    /// Like [`Transaction::protect_file`] for a directory: every file in it is backed up, and a
    /// rollback also removes the files created in it since.
    pub fn protect_dir(&mut self, rel: &str) -> Result<()> {
        validate_relative(rel)?;
        let abs = self.root.join(rel);
        if abs.is_dir() {
            for file in files_below(&abs)? {
                let inner = file
                    .strip_prefix(&self.root)
                    .unwrap_or(&file)
                    .to_string_lossy()
                    .replace('\\', "/");
                self.register_path(&inner)?;
            }
        } else {
            // Directories the step will create, outermost first.
            let mut missing = Vec::new();
            let mut cur = Some(Path::new(rel));
            while let Some(p) = cur {
                if p.as_os_str().is_empty() || self.root.join(p).exists() {
                    break;
                }
                missing.push(p.to_string_lossy().replace('\\', "/"));
                cur = p.parent();
            }
            missing.reverse();
            for d in missing {
                if !self.journal.created_dirs.contains(&d) {
                    self.journal.created_dirs.push(d);
                }
            }
        }
        if !self.journal.owned_dirs.iter().any(|d| d == rel) {
            self.journal.owned_dirs.push(rel.to_string());
        }
        self.save_journal()
    }

    /// Removes the file at `rel` as part of the transaction (no error if it does not exist).
    pub fn remove_file(&mut self, rel: &str) -> Result<()> {
        self.journal_path(rel)?;
        match std::fs::remove_file(self.root.join(rel)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io(format!("Cannot remove {rel}"), e)),
        }
    }

    /// Removes the (empty) directory of a submodule at `rel` and includes the removal of the
    /// submodule's entry in the commit. A submodule that is checked out is refused: its
    /// files are not the transaction's to delete.
    pub fn remove_submodule(&mut self, rel: &str) -> Result<()> {
        validate_relative(rel)?;
        let abs = self.root.join(rel);
        if abs.is_dir() {
            let mut entries =
                std::fs::read_dir(&abs).io_context(|| format!("Cannot list {rel}"))?;
            if entries.next().is_some() {
                return Err(Error::Failed(format!(
                    "The submodule {rel} is checked out; remove it first (`git submodule deinit -f {rel}`)."
                )));
            }
            self.journal.removed_dirs.push(rel.to_string());
            self.save_journal()?;
            std::fs::remove_dir(&abs).io_context(|| format!("Cannot remove {rel}"))?;
        }
        self.stage_path(rel)
    }

    /// Removes the files at `rels` as part of the transaction, journaling them all with one
    /// journal write (no error for files that do not exist).
    pub fn remove_files(&mut self, rels: &[String]) -> Result<()> {
        for rel in rels {
            self.register_path(rel)?;
        }
        self.save_journal()?;
        for rel in rels {
            match std::fs::remove_file(self.root.join(rel)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io(format!("Cannot remove {rel}"), e)),
            }
        }
        Ok(())
    }

    /// Commits every path the transaction touched, with the message of the command `argv`
    /// (see [`super::commit_message::for_command`]). Other changes in the work tree and the
    /// index are left as they are. Fails with [`Error::NothingToCommit`] (after rolling back)
    /// when the touched paths end up unchanged.
    pub fn commit(mut self, argv: &[String]) -> Result<Committed> {
        let result = self.commit_inner(argv);
        match result {
            Ok(c) => {
                self.finished = true;
                self.cleanup();
                Ok(c)
            }
            Err(e) => {
                self.finished = true;
                if let Err(rb) = self.rollback_inner() {
                    tracing::error!("rollback after a failed commit failed too: {rb}");
                }
                Err(e)
            }
        }
    }

    fn commit_inner(&mut self, argv: &[String]) -> Result<Committed> {
        crate::interrupt::check()?;
        let git = Git::open(&self.root)?;
        let head = git.head_id()?.map(|id| id.to_string());
        if head != self.journal.head_before {
            return Err(Error::Failed(
                "HEAD changed while the command ran; nothing was committed.".into(),
            ));
        }
        let mut paths = self.touched_paths();
        for p in &self.staged {
            if !self.registered.contains(p) {
                paths.push(p.clone());
            }
        }
        let mut prepared = git.prepare_commit_reusing(&paths, &self.written)?;
        if git.is_empty_change(&prepared)? {
            return Err(Error::NothingToCommit);
        }
        crate::interrupt::check()?;
        let index_path = git.index_path();
        if index_path.exists() {
            std::fs::copy(&index_path, self.dir.join("index.backup"))
                .io_context(|| "Cannot back up the index".into())?;
            self.journal.index_backup = IndexBackup::Saved;
        } else {
            self.journal.index_backup = IndexBackup::Absent;
        }
        self.save_journal()?;
        git.write_index(&mut prepared)?;
        crate::interrupt::check()?;
        let message = super::commit_message::for_command(argv, &self.journal.id);
        let commit = git.finish_commit(&prepared, &message)?;
        if let Err(e) = super::status::record_index_stamp(&git) {
            tracing::debug!("could not record the index stamp: {e}");
        }
        Ok(Committed {
            commit,
            transaction: self.journal.id.clone(),
        })
    }

    /// Ends the transaction without committing and without restoring anything: the files stay
    /// as they are now (`--skip-metadata-update` keeps the outputs a re-execution wrote).
    pub fn keep_files_and_end(mut self) -> Result<()> {
        self.finished = true;
        self.cleanup();
        Ok(())
    }

    /// Restores everything the transaction changed and ends it.
    pub fn rollback(mut self) -> Result<()> {
        self.finished = true;
        self.rollback_inner()
    }

    fn rollback_inner(&mut self) -> Result<()> {
        restore(&self.root, &self.dir, &self.journal)?;
        self.cleanup();
        Ok(())
    }

    fn cleanup(&self) {
        if let Err(e) = std::fs::remove_dir_all(&self.dir) {
            tracing::warn!(
                "could not remove the transaction journal {}: {e}",
                self.dir.display()
            );
        }
    }
}

impl Drop for Transaction {
    fn drop(&mut self) {
        if !self.finished {
            self.finished = true;
            if let Err(e) = self.rollback_inner() {
                tracing::error!("could not roll back transaction {}: {e}", self.journal.id);
            }
        }
    }
}

fn validate_relative(rel: &str) -> Result<()> {
    let p = Path::new(rel);
    if rel.is_empty()
        || p.is_absolute()
        || p.components()
            .any(|c| !matches!(c, std::path::Component::Normal(_)))
        || rel.starts_with(".git/")
        || rel == ".git"
    {
        return Err(Error::Failed(format!(
            "Refusing to write outside the work tree: {rel}"
        )));
    }
    Ok(())
}

/// Puts back the old content of every journaled path, the index, and removes created
/// directories that are empty again.
fn restore(root: &Path, dir: &Path, journal: &Journal) -> Result<()> {
    for owned in &journal.owned_dirs {
        let abs = root.join(owned);
        if !abs.is_dir() {
            continue;
        }
        for file in files_below(&abs)? {
            let rel = file
                .strip_prefix(root)
                .unwrap_or(&file)
                .to_string_lossy()
                .replace('\\', "/");
            if !journal.entries.iter().any(|e| e.path == rel) {
                std::fs::remove_file(&file).io_context(|| format!("Cannot remove {rel}"))?;
            }
        }
        // Directories left empty by that go too (the owned directory itself stays if it
        // existed before; `created_dirs` removes it otherwise).
        remove_empty_dirs_below(&abs);
    }
    for entry in journal.entries.iter().rev() {
        let abs = root.join(&entry.path);
        match &entry.backup {
            Some(name) => {
                let backup = dir.join("backup").join(name);
                if std::fs::symlink_metadata(&backup).is_ok_and(|m| m.file_type().is_symlink()) {
                    let link = std::fs::read_link(&backup)
                        .io_context(|| format!("Cannot read the backup of {}", entry.path))?;
                    match std::fs::remove_file(&abs) {
                        Ok(()) => {}
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                        Err(e) => {
                            return Err(Error::io(format!("Cannot remove {}", entry.path), e));
                        }
                    }
                    make_symlink(&link, &abs)
                        .io_context(|| format!("Cannot restore the link {}", entry.path))?;
                    continue;
                }
                let bytes = std::fs::read(&backup)
                    .io_context(|| format!("Cannot read the backup of {}", entry.path))?;
                crate::util::write_atomic(&abs, &bytes, Some(&dir.join("tmp")))?;
                // The backup is a copy with the original's permissions (an executable stays
                // executable).
                if let Ok(meta) = std::fs::metadata(&backup) {
                    std::fs::set_permissions(&abs, meta.permissions())
                        .io_context(|| format!("Cannot restore the mode of {}", entry.path))?;
                }
            }
            None => match std::fs::remove_file(&abs) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io(format!("Cannot remove {}", entry.path), e)),
            },
        }
    }
    for d in journal.created_dirs.iter().rev() {
        // Only empty directories go; anything else was not ours.
        let _ = std::fs::remove_dir(root.join(d));
    }
    for d in &journal.removed_dirs {
        std::fs::create_dir_all(root.join(d)).io_context(|| format!("Cannot restore {d}"))?;
    }
    let index_path = super::git_dir(root)?.join("index");
    match journal.index_backup {
        IndexBackup::Saved => {
            let bytes = std::fs::read(dir.join("index.backup"))
                .io_context(|| "Cannot read the index backup".into())?;
            crate::util::write_atomic(&index_path, &bytes, Some(&dir.join("tmp")))?;
        }
        IndexBackup::Absent => {
            let _ = std::fs::remove_file(&index_path);
        }
        IndexBackup::NotTaken => {}
    }
    Ok(())
}

/// Outcome of looking for an abandoned transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recovery {
    /// No journal was found.
    Nothing,
    /// Another process holds the lock; its transaction is alive.
    InProgress,
    /// The transaction had reached its commit point; its journal was removed.
    Completed(String),
    /// The transaction was rolled back.
    RolledBack(String),
    /// HEAD moved since; the journal was discarded without touching files.
    Discarded(String),
}

/// If a killed process left a transaction journal behind, finishes or rolls it back (when no
/// other process holds the project lock). Cheap when there is nothing to do: one `stat`.
pub fn recover_if_abandoned(root: &Path) -> Result<Recovery> {
    let Ok(dir) = journal_dir(root) else {
        return Ok(Recovery::Nothing);
    };
    if !dir.exists() {
        return Ok(Recovery::Nothing);
    }
    let Some(_lock) = ProjectLock::try_acquire(root, "recovering an interrupted transaction")?
    else {
        return Ok(Recovery::InProgress);
    };
    recover_locked(root, &dir)
}

fn recover_locked(root: &Path, dir: &Path) -> Result<Recovery> {
    let journal: Option<Journal> = std::fs::read(dir.join(JOURNAL_FILE))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    let Some(journal) = journal else {
        // Killed before the first journal was written: nothing was touched.
        std::fs::remove_dir_all(dir).io_context(|| format!("Cannot remove {}", dir.display()))?;
        return Ok(Recovery::Nothing);
    };
    let git = Git::open(root)?;
    let head = git.head_id()?;
    let outcome = if head.map(|h| h.to_string()) == journal.head_before {
        tracing::warn!(
            "rolling back transaction {} interrupted by a killed renku process",
            journal.id
        );
        restore(root, dir, &journal)?;
        Recovery::RolledBack(journal.id.clone())
    } else {
        let committed = match head {
            Some(h) => {
                super::commit_message::transaction_of(&git.commit_message(h)?)
                    == Some(journal.id.as_str())
            }
            None => false,
        };
        if committed {
            Recovery::Completed(journal.id.clone())
        } else {
            tracing::warn!(
                "discarding the journal of interrupted transaction {}: HEAD moved since, files left as they are",
                journal.id
            );
            Recovery::Discarded(journal.id.clone())
        }
    };
    remove_stale_git_locks(root, journal.started)?;
    std::fs::remove_dir_all(dir).io_context(|| format!("Cannot remove {}", dir.display()))?;
    Ok(outcome)
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Removes the git lock files (`index.lock`, `HEAD.lock`, the branch's `.lock`) a killed
/// transaction left behind: those created since it started. Older ones belong to someone else.
fn remove_stale_git_locks(root: &Path, started: u64) -> Result<()> {
    let git_dir = super::git_dir(root)?;
    let mut candidates = vec![
        git_dir.join("index.lock"),
        git_dir.join("HEAD.lock"),
        git_dir.join("packed-refs.lock"),
    ];
    if let Ok(head) = std::fs::read_to_string(git_dir.join("HEAD"))
        && let Some(reference) = head.trim().strip_prefix("ref: ")
    {
        candidates.push(git_dir.join(format!("{reference}.lock")));
    }
    for lock in candidates {
        let Ok(meta) = std::fs::metadata(&lock) else {
            continue;
        };
        let modified = meta
            .modified()
            .ok()
            .and_then(|m| m.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_secs())
            .unwrap_or(0);
        if modified + 1 >= started {
            tracing::warn!(
                "removing {} left by the interrupted transaction",
                lock.display()
            );
            std::fs::remove_file(&lock)
                .io_context(|| format!("Cannot remove {}", lock.display()))?;
        }
    }
    Ok(())
}

/// Every file (and symlink) below `dir`, recursively.
fn files_below(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).io_context(|| format!("Cannot list {}", d.display()))? {
            let entry = entry.io_context(|| format!("Cannot list {}", d.display()))?;
            let path = entry.path();
            let meta = std::fs::symlink_metadata(&path)
                .io_context(|| format!("Cannot stat {}", path.display()))?;
            if meta.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Removes the empty directories below `dir` (not `dir` itself), deepest first.
fn remove_empty_dirs_below(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            remove_empty_dirs_below(&path);
            let _ = std::fs::remove_dir(&path);
        }
    }
}

/// Creates the symbolic link `path` pointing at `target`.
#[cfg(unix)]
fn make_symlink(target: &Path, path: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, path)
}

/// Creates the symbolic link `path` pointing at `target`.
#[cfg(windows)]
fn make_symlink(target: &Path, path: &Path) -> std::io::Result<()> {
    std::os::windows::fs::symlink_file(target, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let ok = std::process::Command::new("git")
            .args(["init", "-q"])
            .current_dir(dir.path())
            .status()
            .unwrap()
            .success();
        assert!(ok);
        dir
    }

    #[cfg(unix)]
    #[test]
    fn rollback_restores_removed_links_and_submodule_directories() {
        let dir = repo();
        let root = dir.path();
        std::fs::create_dir_all(root.join("refs")).unwrap();
        std::fs::create_dir_all(root.join("vendors/sub")).unwrap();
        // A dangling link: its target does not exist.
        std::os::unix::fs::symlink("../gone/metadata.yml", root.join("refs/ds")).unwrap();
        let lock = ProjectLock::acquire_with_timeout(
            root,
            "test",
            std::time::Duration::from_secs(1),
            &mut |_| {},
        )
        .unwrap();
        let mut tx = Transaction::begin(root, lock).unwrap();
        tx.remove_file("refs/ds").unwrap();
        tx.remove_submodule("vendors/sub").unwrap();
        assert!(std::fs::symlink_metadata(root.join("refs/ds")).is_err());
        assert!(!root.join("vendors/sub").exists());
        tx.rollback().unwrap();
        assert_eq!(
            std::fs::read_link(root.join("refs/ds")).unwrap(),
            Path::new("../gone/metadata.yml")
        );
        assert!(root.join("vendors/sub").is_dir());
    }

    #[test]
    fn a_checked_out_submodule_is_not_removed() {
        let dir = repo();
        let root = dir.path();
        std::fs::create_dir_all(root.join("vendors/sub")).unwrap();
        std::fs::write(root.join("vendors/sub/file"), "x").unwrap();
        let lock = ProjectLock::acquire_with_timeout(
            root,
            "test",
            std::time::Duration::from_secs(1),
            &mut |_| {},
        )
        .unwrap();
        let mut tx = Transaction::begin(root, lock).unwrap();
        let err = tx.remove_submodule("vendors/sub").unwrap_err();
        assert!(err.to_string().contains("git submodule deinit"), "{err}");
        assert!(root.join("vendors/sub/file").is_file());
        tx.rollback().unwrap();
    }
}
