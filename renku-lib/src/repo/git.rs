//! Git access through gix: HEAD, identity, staging and committing selected paths, trees.
//!
//! Committing never spawns `git`: blobs, trees and the commit are written with gix, the index
//! is updated for exactly the committed paths, and HEAD moves with a compare-and-swap
//! reference update (the commit point of a transaction).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use gix::ObjectId;
use gix::bstr::{BStr, ByteSlice};
use gix::objs::tree::EntryKind;

use crate::error::IoContext;
use crate::{Error, Result};

/// A git repository opened with gix.
pub struct Git {
    repo: gix::Repository,
    root: PathBuf,
}

/// A commit prepared in the object database whose index update and HEAD move are pending.
pub struct PreparedCommit {
    tree: ObjectId,
    index: gix::index::File,
    parent: Option<ObjectId>,
}

/// A blob written to the object database for a work-tree file, with the file's stat data at
/// the time it was read: a commit of the path reuses the blob while the stat data are
/// unchanged, instead of reading and hashing the file again ([`Git::write_blobs`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorktreeBlob {
    /// The blob id, as a commit of the path holds it (the LFS pointer's for files git passes
    /// through the LFS filter).
    pub id: ObjectId,
    /// Size of the file in bytes (of the link target's path for symlinks).
    pub size: u64,
    /// Stat data and mode the blob was written with; `None` when a commit must read the file
    /// again (files in LFS, whose content is stored in LFS when they are committed).
    reuse: Option<(gix::index::entry::Stat, gix::index::entry::Mode)>,
}

impl WorktreeBlob {
    /// Whether a commit may reuse this blob instead of reading the file.
    pub fn is_reusable(&self) -> bool {
        self.reuse.is_some()
    }
}

fn git_err(context: &str) -> impl FnOnce(gix::Error) -> Error + '_ {
    move |e| Error::git(context, e)
}

impl Git {
    /// Opens the repository whose work tree is `root`.
    pub fn open(root: &Path) -> Result<Git> {
        let repo = gix::open(root).map_err(|e| {
            Error::git(
                format!("cannot open the repository at {}", root.display()),
                e,
            )
        })?;
        Ok(Git {
            repo,
            root: root.to_path_buf(),
        })
    }

    /// The underlying gix repository.
    pub fn repo(&self) -> &gix::Repository {
        &self.repo
    }

    /// The work tree root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The commit HEAD points to, `None` on an unborn branch.
    pub fn head_id(&self) -> Result<Option<ObjectId>> {
        let mut head = self.repo.head().map_err(git_err("cannot read HEAD"))?;
        Ok(head
            .try_peel_to_id()
            .map_err(git_err("cannot resolve HEAD"))?
            .map(|id| id.detach()))
    }

    /// The full message of commit `id`.
    pub fn commit_message(&self, id: ObjectId) -> Result<String> {
        let commit = self
            .repo
            .find_commit(id)
            .map_err(git_err("cannot read commit"))?;
        let message = commit
            .message_raw()
            .map_err(git_err("cannot read commit message"))?;
        Ok(message.to_str_lossy().into_owned())
    }

    /// The author identity from git configuration (`user.name`, `user.email`, or the
    /// `GIT_AUTHOR_*` variables). Fails with [`Error::MissingGitIdentity`] when unset.
    pub fn identity(&self) -> Result<(String, String)> {
        let author = self
            .repo
            .author()
            .ok_or(Error::MissingGitIdentity)?
            .map_err(git_err("cannot read the git identity"))?;
        let name = author.name.to_str_lossy().trim().to_string();
        let email = author.email.to_str_lossy().trim().to_string();
        if name.is_empty() || email.is_empty() {
            return Err(Error::MissingGitIdentity);
        }
        Ok((name, email))
    }

    /// The URL of the remote named `origin`, if configured.
    pub fn origin_url(&self) -> Option<String> {
        self.repo
            .config_snapshot()
            .string("remote.origin.url")
            .map(|s| s.to_str_lossy().into_owned())
    }

    /// Path of the index file.
    pub fn index_path(&self) -> PathBuf {
        self.repo.index_path()
    }

    /// Writes blobs and a tree for `paths` (repository-relative, `/`-separated) on top of
    /// HEAD's tree, and an updated copy of the index, without touching the index file or
    /// HEAD. Paths that no longer exist in the work tree are removed.
    pub fn prepare_commit(&self, paths: &[String]) -> Result<PreparedCommit> {
        self.prepare_commit_reusing(paths, &std::collections::HashMap::new())
    }

    /// Like [`Git::prepare_commit`], reusing the blobs in `written` (by path) for files whose
    /// stat data have not changed since the blob was written: such a file is not read again.
    pub fn prepare_commit_reusing(
        &self,
        paths: &[String],
        written: &std::collections::HashMap<String, WorktreeBlob>,
    ) -> Result<PreparedCommit> {
        let parent = self.head_id()?;
        let base_tree = match parent {
            Some(id) => self
                .repo
                .find_commit(id)
                .map_err(git_err("cannot read HEAD commit"))?
                .tree_id()
                .map_err(git_err("cannot read HEAD tree"))?
                .detach(),
            None => ObjectId::empty_tree(self.repo.object_hash()),
        };
        let mut editor = self
            .repo
            .edit_tree(base_tree)
            .map_err(git_err("cannot edit tree"))?;
        let mut index = gix::index::File::at_or_default(
            self.repo.index_path(),
            self.repo.object_hash(),
            false,
            Default::default(),
        )
        .map_err(git_err("cannot read the index"))?;
        // Paths git would pass through the LFS clean filter are committed as pointers.
        let mut lfs = super::lfs::LfsFilter::new(&self.repo, &index)?;
        // Lookups use binary search, so new entries are appended only after all lookups.
        let mut new_entries = Vec::new();
        for path in paths {
            let abs = self.root.join(path);
            let rela: &BStr = path.as_bytes().as_bstr();
            if let Some((id, stat, mode)) = written.get(path).and_then(|b| {
                let (stat, mode) = b.reuse?;
                let now = gix::index::fs::Metadata::from_path_no_follow(&abs).ok()?;
                let now = gix::index::entry::Stat::from_fs(&now).ok()?;
                (now == stat).then_some((b.id, stat, mode))
            }) {
                let kind = match mode {
                    gix::index::entry::Mode::FILE_EXECUTABLE => EntryKind::BlobExecutable,
                    gix::index::entry::Mode::SYMLINK => EntryKind::Link,
                    _ => EntryKind::Blob,
                };
                editor
                    .upsert(path.as_str(), kind, id)
                    .map_err(git_err("cannot edit tree"))?;
                match index.entry_index_by_path(rela) {
                    Ok(pos) => {
                        let entry = &mut index.entries_mut()[pos];
                        entry.stat = stat;
                        entry.id = id;
                        entry.mode = mode;
                    }
                    Err(_) => new_entries.push((stat, id, mode, rela.to_owned())),
                }
                continue;
            }
            match std::fs::symlink_metadata(&abs) {
                Ok(meta) if meta.is_file() || meta.file_type().is_symlink() => {
                    let (kind, bytes) = if meta.file_type().is_symlink() {
                        let target = std::fs::read_link(&abs)
                            .io_context(|| format!("Cannot read link {path}"))?;
                        (
                            EntryKind::Link,
                            target.to_string_lossy().into_owned().into_bytes(),
                        )
                    } else {
                        let in_lfs = match lfs.as_mut() {
                            Some(filter) => filter.applies(path)?,
                            None => false,
                        };
                        let bytes = if in_lfs {
                            super::lfs::clean_file(&self.repo, &abs, true)?
                        } else {
                            std::fs::read(&abs).io_context(|| format!("Cannot read {path}"))?
                        };
                        (
                            if is_executable(&meta) {
                                EntryKind::BlobExecutable
                            } else {
                                EntryKind::Blob
                            },
                            bytes,
                        )
                    };
                    let id = self
                        .repo
                        .write_blob(&bytes)
                        .map_err(git_err("cannot write blob"))?
                        .detach();
                    editor
                        .upsert(path.as_str(), kind, id)
                        .map_err(git_err("cannot edit tree"))?;
                    let fs_meta = gix::index::fs::Metadata::from_path_no_follow(&abs)
                        .io_context(|| format!("Cannot stat {path}"))?;
                    let stat = gix::index::entry::Stat::from_fs(&fs_meta)
                        .map_err(|e| Error::Git(format!("bad file time of {path}: {e}")))?;
                    let mode = match kind {
                        EntryKind::BlobExecutable => gix::index::entry::Mode::FILE_EXECUTABLE,
                        EntryKind::Link => gix::index::entry::Mode::SYMLINK,
                        _ => gix::index::entry::Mode::FILE,
                    };
                    match index.entry_index_by_path(rela) {
                        Ok(pos) => {
                            let entry = &mut index.entries_mut()[pos];
                            entry.stat = stat;
                            entry.id = id;
                            entry.mode = mode;
                        }
                        Err(_) => new_entries.push((stat, id, mode, rela.to_owned())),
                    }
                }
                Ok(_) => return Err(Error::Git(format!("cannot commit {path}: not a file"))),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    editor
                        .remove(path.as_str())
                        .map_err(git_err("cannot edit tree"))?;
                    index.remove_entries(|_, p, _| p == rela);
                }
                Err(e) => return Err(Error::io(format!("Cannot stat {path}"), e)),
            }
        }
        if !new_entries.is_empty() {
            for (stat, id, mode, path) in &new_entries {
                index.dangerously_push_entry(
                    *stat,
                    *id,
                    gix::index::entry::Flags::empty(),
                    *mode,
                    path.as_ref(),
                );
            }
            index.sort_entries();
        }
        index.remove_tree();
        let tree = editor
            .write()
            .map_err(git_err("cannot write tree"))?
            .detach();
        Ok(PreparedCommit {
            tree,
            index,
            parent,
        })
    }

    /// Writes the prepared index to disk.
    pub fn write_index(&self, prepared: &mut PreparedCommit) -> Result<()> {
        prepared
            .index
            .write(Default::default())
            .map_err(git_err("cannot write the index"))
    }

    /// Writes the commit object and moves HEAD to it, provided HEAD still points where it
    /// did when the commit was prepared. Returns the new commit id.
    pub fn finish_commit(&self, prepared: &PreparedCommit, message: &str) -> Result<ObjectId> {
        let id = self
            .repo
            .commit("HEAD", message, prepared.tree, prepared.parent)
            .map_err(|e| {
                if self.repo.author().is_none() {
                    Error::MissingGitIdentity
                } else {
                    Error::git("cannot commit", e)
                }
            })?;
        Ok(id.detach())
    }

    /// Whether the prepared commit changes nothing compared to its parent.
    pub fn is_empty_change(&self, prepared: &PreparedCommit) -> Result<bool> {
        let Some(parent) = prepared.parent else {
            return Ok(false);
        };
        let parent_tree = self
            .repo
            .find_commit(parent)
            .map_err(git_err("cannot read HEAD commit"))?
            .tree_id()
            .map_err(git_err("cannot read HEAD tree"))?;
        Ok(parent_tree == prepared.tree)
    }

    /// The git object id the file or directory at `rel` has: a blob id for files and
    /// symlinks, the tree id (of everything in it but `.git`) for directories. For
    /// directories the blobs and trees are written to the object database. Files that git
    /// stores in Git LFS (per `.gitattributes`) are hashed as the pointer git commits for
    /// them, so the id is always that of the blob a commit of the path holds.
    pub fn hash_path(&self, rel: &str) -> Result<ObjectId> {
        let abs = self.root.join(rel);
        let meta = std::fs::symlink_metadata(&abs).io_context(|| format!("Cannot stat {rel}"))?;
        let index = super::lfs::index_or_empty(&self.repo)?;
        let mut lfs = super::lfs::LfsFilter::new(&self.repo, &index)?;
        let mut content = |path: &Path, rel: &str, meta: &std::fs::Metadata| -> Result<Vec<u8>> {
            let in_lfs = match lfs.as_mut() {
                Some(filter) if meta.is_file() => filter.applies(rel)?,
                _ => false,
            };
            if in_lfs {
                super::lfs::clean_file(&self.repo, path, false)
            } else {
                blob_content(path, meta)
            }
        };
        if !meta.is_dir() {
            return blob_id(&self.repo, &content(&abs, rel, &meta)?);
        }
        let mut editor = self
            .repo
            .edit_tree(ObjectId::empty_tree(self.repo.object_hash()))
            .map_err(git_err("cannot edit tree"))?;
        let mut stack = vec![abs.clone()];
        while let Some(dir) = stack.pop() {
            for entry in
                std::fs::read_dir(&dir).io_context(|| format!("Cannot list {}", dir.display()))?
            {
                let entry = entry.io_context(|| format!("Cannot list {}", dir.display()))?;
                let path = entry.path();
                if entry.file_name() == ".git" {
                    continue;
                }
                let meta = std::fs::symlink_metadata(&path)
                    .io_context(|| format!("Cannot stat {}", path.display()))?;
                if meta.is_dir() {
                    stack.push(path);
                    continue;
                }
                let inner = path
                    .strip_prefix(&abs)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .replace('\\', "/");
                let id = self
                    .repo
                    .write_blob(content(&path, &format!("{rel}/{inner}"), &meta)?)
                    .map_err(|e| Error::git("cannot write blob", e))?
                    .detach();
                let kind = if meta.file_type().is_symlink() {
                    EntryKind::Link
                } else if is_executable(&meta) {
                    EntryKind::BlobExecutable
                } else {
                    EntryKind::Blob
                };
                editor
                    .upsert(inner.as_str(), kind, id)
                    .map_err(git_err("cannot edit tree"))?;
            }
        }
        Ok(editor
            .write()
            .map_err(git_err("cannot write tree"))?
            .detach())
    }

    /// The git blob ids of the files or symlinks at `rels` (repository-relative), as a commit
    /// would hold them (LFS pointers for files git stores in LFS), with one attribute lookup
    /// set-up for all of them.
    pub fn hash_files(&self, rels: &[String]) -> Result<Vec<ObjectId>> {
        let index = super::lfs::index_or_empty(&self.repo)?;
        let mut lfs = super::lfs::LfsFilter::new(&self.repo, &index)?;
        let mut out = Vec::with_capacity(rels.len());
        for rel in rels {
            let abs = self.root.join(rel);
            let meta =
                std::fs::symlink_metadata(&abs).io_context(|| format!("Cannot stat {rel}"))?;
            let in_lfs = match lfs.as_mut() {
                Some(filter) if meta.is_file() => filter.applies(rel)?,
                _ => false,
            };
            let bytes = if in_lfs {
                super::lfs::clean_file(&self.repo, &abs, false)?
            } else {
                blob_content(&abs, &meta)?
            };
            out.push(blob_id(&self.repo, &bytes)?);
        }
        Ok(out)
    }

    /// Writes the blobs of the files or symlinks at `rels` (repository-relative) to the
    /// object database, reading each file once, and returns them with the stat data a commit
    /// needs to reuse them ([`Git::prepare_commit_reusing`]). Files that git passes through the
    /// LFS filter are hashed as their pointer and not written (a commit stores their content
    /// in LFS). Writing an object is harmless if it is never committed: unreferenced objects
    /// are what `git gc` prunes.
    pub fn write_blobs(&self, rels: &[String]) -> Result<Vec<WorktreeBlob>> {
        let index = super::lfs::index_or_empty(&self.repo)?;
        let mut lfs = super::lfs::LfsFilter::new(&self.repo, &index)?;
        let mut out = Vec::with_capacity(rels.len());
        for rel in rels {
            let abs = self.root.join(rel);
            let meta = gix::index::fs::Metadata::from_path_no_follow(&abs)
                .io_context(|| format!("Cannot stat {rel}"))?;
            let is_link = meta.is_symlink();
            if !is_link && !meta.is_file() {
                return Err(Error::Failed(format!("{rel} is not a file")));
            }
            let in_lfs = match lfs.as_mut() {
                Some(filter) if !is_link => filter.applies(rel)?,
                _ => false,
            };
            if in_lfs {
                let pointer = super::lfs::clean_file(&self.repo, &abs, false)?;
                out.push(WorktreeBlob {
                    id: blob_id(&self.repo, &pointer)?,
                    size: meta.len(),
                    reuse: None,
                });
                continue;
            }
            let (bytes, mode) = if is_link {
                let target =
                    std::fs::read_link(&abs).io_context(|| format!("Cannot read link {rel}"))?;
                (
                    target.to_string_lossy().into_owned().into_bytes(),
                    gix::index::entry::Mode::SYMLINK,
                )
            } else {
                let bytes = std::fs::read(&abs).io_context(|| format!("Cannot read {rel}"))?;
                let mode = if meta.is_executable() {
                    gix::index::entry::Mode::FILE_EXECUTABLE
                } else {
                    gix::index::entry::Mode::FILE
                };
                (bytes, mode)
            };
            let id = self
                .repo
                .write_blob(&bytes)
                .map_err(git_err("cannot write blob"))?
                .detach();
            let stat = gix::index::entry::Stat::from_fs(&meta)
                .map_err(|e| Error::Git(format!("bad file time of {rel}: {e}")))?;
            out.push(WorktreeBlob {
                id,
                size: meta.len(),
                reuse: Some((stat, mode)),
            });
        }
        Ok(out)
    }

    /// The blob ids the files at `(rel, abs)` (`abs` anywhere on disk) would get if each were
    /// committed at the repository path `rel`: the Git LFS pointer's when `rel` is
    /// LFS-tracked. The index and attributes are read once for all of them.
    pub fn hash_files_as(&self, files: &[(String, PathBuf)]) -> Result<Vec<ObjectId>> {
        let index = super::lfs::index_or_empty(&self.repo)?;
        let mut lfs = super::lfs::LfsFilter::new(&self.repo, &index)?;
        let mut out = Vec::with_capacity(files.len());
        for (rel, abs) in files {
            let meta = std::fs::symlink_metadata(abs)
                .io_context(|| format!("Cannot stat {}", abs.display()))?;
            let in_lfs = match lfs.as_mut() {
                Some(filter) if meta.is_file() => filter.applies(rel)?,
                _ => false,
            };
            let bytes = if in_lfs {
                super::lfs::clean_file(&self.repo, abs, false)?
            } else {
                blob_content(abs, &meta)?
            };
            out.push(blob_id(&self.repo, &bytes)?);
        }
        Ok(out)
    }

    /// Blob ids of all files under `prefix` (a directory, `/`-separated; empty for the whole
    /// tree) in commit `id`.
    pub fn files_under(&self, id: ObjectId, prefix: &str) -> Result<BTreeMap<String, ObjectId>> {
        let tree = self
            .repo
            .find_commit(id)
            .map_err(git_err("cannot read commit"))?
            .tree()
            .map_err(git_err("cannot read tree"))?;
        let mut out = BTreeMap::new();
        if prefix.is_empty() {
            let mut recorder = gix::traverse::tree::Recorder::default();
            tree.traverse()
                .breadthfirst(&mut recorder)
                .map_err(git_err("cannot walk tree"))?;
            for e in recorder.records {
                if e.mode.is_blob() || e.mode.is_link() {
                    out.insert(e.filepath.to_string(), e.oid);
                }
            }
            return Ok(out);
        }
        let entry = tree
            .lookup_entry_by_path(prefix)
            .map_err(git_err("cannot read tree"))?;
        let Some(entry) = entry else { return Ok(out) };
        if !entry.mode().is_tree() {
            return Ok(out);
        }
        let sub = entry
            .object()
            .map_err(git_err("cannot read tree"))?
            .into_tree();
        let mut recorder = gix::traverse::tree::Recorder::default();
        sub.traverse()
            .breadthfirst(&mut recorder)
            .map_err(git_err("cannot walk tree"))?;
        for e in recorder.records {
            if e.mode.is_blob() || e.mode.is_link() {
                out.insert(format!("{prefix}/{}", e.filepath), e.oid);
            }
        }
        Ok(out)
    }
}

/// Who made a commit, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitSignature {
    /// Name.
    pub name: String,
    /// E-mail address.
    pub email: String,
    /// Time, with the offset it was recorded with.
    pub time: chrono::DateTime<chrono::FixedOffset>,
}

/// A commit of the history, as [`Git::history`] lists it.
#[derive(Debug, Clone)]
pub struct HistoryCommit {
    /// Commit id.
    pub id: ObjectId,
    /// Parent commit ids, first parent first.
    pub parents: Vec<ObjectId>,
    /// Root tree.
    pub tree: ObjectId,
    /// Author.
    pub author: CommitSignature,
    /// Committer.
    pub committer: CommitSignature,
    /// Full message.
    pub message: String,
}

/// What a tree holds at a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TreeItem {
    /// A file (blob id).
    File(ObjectId),
    /// A symbolic link (blob id of the target text).
    Link(ObjectId),
    /// A directory (tree id).
    Dir(ObjectId),
    /// A submodule (the commit it is at).
    Submodule(ObjectId),
}

impl TreeItem {
    /// The object id.
    pub fn id(&self) -> ObjectId {
        match self {
            TreeItem::File(id)
            | TreeItem::Link(id)
            | TreeItem::Dir(id)
            | TreeItem::Submodule(id) => *id,
        }
    }
}

/// A file (or symbolic link, or submodule) that differs between two trees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeChange {
    /// Repository-relative path.
    pub path: String,
    /// What the old tree held there, if anything.
    pub old: Option<TreeItem>,
    /// What the new tree holds there, if anything.
    pub new: Option<TreeItem>,
}

fn signature(sig: gix::actor::SignatureRef<'_>) -> Result<CommitSignature> {
    use chrono::TimeZone;
    let time = sig
        .time()
        .map_err(|e| Error::Git(format!("bad commit time: {e}")))?;
    let offset = chrono::FixedOffset::east_opt(time.offset)
        .ok_or_else(|| Error::Git(format!("bad time zone offset {}", time.offset)))?;
    let time = offset
        .timestamp_opt(time.seconds, 0)
        .single()
        .ok_or_else(|| Error::Git(format!("bad commit time {}", time.seconds)))?;
    Ok(CommitSignature {
        name: sig.name.to_str_lossy().trim().to_string(),
        email: sig.email.to_str_lossy().trim().to_string(),
        time,
    })
}

impl Git {
    /// Every commit reachable from HEAD, parents before their children (ties broken by
    /// commit time, oldest first): the order in which to replay the history.
    pub fn history(&self) -> Result<Vec<HistoryCommit>> {
        let Some(head) = self.head_id()? else {
            return Ok(Vec::new());
        };
        let walk = self
            .repo
            .rev_walk([head])
            .all()
            .map_err(git_err("cannot walk the history"))?;
        let mut commits: BTreeMap<ObjectId, HistoryCommit> = BTreeMap::new();
        for info in walk {
            let info = info.map_err(|e| Error::git("cannot walk the history", e))?;
            crate::interrupt::check()?;
            let commit = self
                .repo
                .find_commit(info.id)
                .map_err(git_err("cannot read a commit"))?;
            let decoded = commit
                .decode()
                .map_err(|e| Error::git("cannot read a commit", e))?;
            let author = signature(
                decoded
                    .author()
                    .map_err(|e| Error::git("cannot read a commit", e))?,
            )?;
            let committer = signature(
                decoded
                    .committer()
                    .map_err(|e| Error::git("cannot read a commit", e))?,
            )?;
            commits.insert(
                info.id,
                HistoryCommit {
                    id: info.id,
                    parents: decoded.parents().collect(),
                    tree: decoded.tree(),
                    author,
                    committer,
                    message: decoded.message.to_str_lossy().into_owned(),
                },
            );
        }
        // Kahn's algorithm over the parent links, oldest ready commit first.
        let mut pending: BTreeMap<ObjectId, usize> = BTreeMap::new();
        let mut children: BTreeMap<ObjectId, Vec<ObjectId>> = BTreeMap::new();
        for c in commits.values() {
            let known: Vec<ObjectId> = c
                .parents
                .iter()
                .copied()
                .filter(|p| commits.contains_key(p))
                .collect();
            pending.insert(c.id, known.len());
            for p in known {
                children.entry(p).or_default().push(c.id);
            }
        }
        let mut ready: std::collections::BTreeSet<(i64, ObjectId)> = pending
            .iter()
            .filter(|(_, n)| **n == 0)
            .map(|(id, _)| (commits[id].committer.time.timestamp(), *id))
            .collect();
        let mut order = Vec::with_capacity(commits.len());
        while let Some(first) = ready.iter().next().copied() {
            ready.remove(&first);
            let id = first.1;
            for child in children.get(&id).cloned().unwrap_or_default() {
                if let Some(n) = pending.get_mut(&child) {
                    *n -= 1;
                    if *n == 0 {
                        ready.insert((commits[&child].committer.time.timestamp(), child));
                    }
                }
            }
            if let Some(c) = commits.remove(&id) {
                order.push(c);
            }
        }
        Ok(order)
    }

    /// What tree `tree` holds at `path` (`/`-separated; empty for the tree itself).
    pub fn tree_item(&self, tree: ObjectId, path: &str) -> Result<Option<TreeItem>> {
        if path.is_empty() {
            return Ok(Some(TreeItem::Dir(tree)));
        }
        let tree = self
            .repo
            .find_tree(tree)
            .map_err(git_err("cannot read a tree"))?;
        let entry = tree
            .lookup_entry_by_path(path)
            .map_err(git_err("cannot read a tree"))?;
        Ok(entry.map(|e| item_of(e.mode().kind(), e.object_id())))
    }

    /// The content of blob `id`.
    pub fn blob_bytes(&self, id: ObjectId) -> Result<Vec<u8>> {
        let blob = self
            .repo
            .find_blob(id)
            .map_err(git_err("cannot read a blob"))?;
        Ok(blob.data.clone())
    }

    /// The files (blobs and symbolic links) that going from tree `old` (`None`: the empty
    /// tree) to tree `new` deletes, with their ids in `old`, sorted by path. Renames are told
    /// apart as `git diff -M` does (50% similarity), so a renamed file is not deleted.
    pub fn files_deleted(
        &self,
        old: Option<ObjectId>,
        new: ObjectId,
    ) -> Result<Vec<(String, ObjectId)>> {
        use gix::object::tree::diff::ChangeDetached;
        let Some(old) = old else {
            return Ok(Vec::new());
        };
        let find = |id| {
            self.repo
                .find_tree(id)
                .map_err(git_err("cannot read a tree"))
        };
        let (old, new) = (find(old)?, find(new)?);
        let options =
            gix::diff::Options::default().with_rewrites(Some(gix::diff::Rewrites::default()));
        let changes = self
            .repo
            .diff_tree_to_tree(&old, &new, options)
            .map_err(|e| Error::git("cannot compare two trees", e))?;
        let mut out: Vec<(String, ObjectId)> = changes
            .into_iter()
            .filter_map(|change| match change {
                ChangeDetached::Deletion {
                    location,
                    entry_mode,
                    id,
                    ..
                } if entry_mode.is_blob_or_symlink() => {
                    Some((location.to_str_lossy().into_owned(), id))
                }
                _ => None,
            })
            .collect();
        out.sort();
        Ok(out)
    }

    /// The files (blobs, symbolic links, submodules) under `prefix` that differ between
    /// `old` and `new` (root trees; `None` is an empty tree), sorted by path. Subtrees with
    /// equal ids are skipped without reading them.
    pub fn changes_under(
        &self,
        old: Option<ObjectId>,
        new: Option<ObjectId>,
        prefix: &str,
    ) -> Result<Vec<TreeChange>> {
        let sub = |root: Option<ObjectId>| -> Result<Option<TreeItem>> {
            match root {
                Some(r) => self.tree_item(r, prefix),
                None => Ok(None),
            }
        };
        let mut out = Vec::new();
        self.diff_items(sub(old)?, sub(new)?, prefix, &mut out, 0)?;
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }

    fn tree_entries(&self, id: ObjectId) -> Result<BTreeMap<String, TreeItem>> {
        let tree = self
            .repo
            .find_tree(id)
            .map_err(git_err("cannot read a tree"))?;
        let decoded = tree
            .decode()
            .map_err(|e| Error::git("cannot read a tree", e))?;
        Ok(decoded
            .entries
            .iter()
            .map(|e| {
                (
                    e.filename.to_str_lossy().into_owned(),
                    item_of(e.mode.kind(), e.oid.to_owned()),
                )
            })
            .collect())
    }

    fn diff_items(
        &self,
        old: Option<TreeItem>,
        new: Option<TreeItem>,
        path: &str,
        out: &mut Vec<TreeChange>,
        depth: usize,
    ) -> Result<()> {
        if old == new {
            return Ok(());
        }
        if depth > 256 {
            return Err(Error::Git(format!("the tree at {path} nests too deeply")));
        }
        let old_dir = match old {
            Some(TreeItem::Dir(id)) => Some(id),
            _ => None,
        };
        let new_dir = match new {
            Some(TreeItem::Dir(id)) => Some(id),
            _ => None,
        };
        // A non-directory on either side is a change of that path.
        let old_file = old.filter(|i| !matches!(i, TreeItem::Dir(_)));
        let new_file = new.filter(|i| !matches!(i, TreeItem::Dir(_)));
        if old_file.is_some() || new_file.is_some() {
            out.push(TreeChange {
                path: path.to_string(),
                old: old_file,
                new: new_file,
            });
        }
        if old_dir.is_none() && new_dir.is_none() {
            return Ok(());
        }
        let a = match old_dir {
            Some(id) => self.tree_entries(id)?,
            None => BTreeMap::new(),
        };
        let b = match new_dir {
            Some(id) => self.tree_entries(id)?,
            None => BTreeMap::new(),
        };
        let mut names: Vec<&String> = a.keys().chain(b.keys()).collect();
        names.sort();
        names.dedup();
        for name in names {
            let child = if path.is_empty() {
                name.clone()
            } else {
                format!("{path}/{name}")
            };
            self.diff_items(
                a.get(name).copied(),
                b.get(name).copied(),
                &child,
                out,
                depth + 1,
            )?;
        }
        Ok(())
    }
}

fn item_of(kind: gix::objs::tree::EntryKind, id: ObjectId) -> TreeItem {
    match kind {
        EntryKind::Tree => TreeItem::Dir(id),
        EntryKind::Link => TreeItem::Link(id),
        EntryKind::Commit => TreeItem::Submodule(id),
        EntryKind::Blob | EntryKind::BlobExecutable => TreeItem::File(id),
    }
}

/// The content git stores for the file or symlink at `abs`: the file's bytes, or the link's
/// target path.
pub fn blob_content(abs: &Path, meta: &std::fs::Metadata) -> Result<Vec<u8>> {
    if meta.file_type().is_symlink() {
        Ok(std::fs::read_link(abs)
            .io_context(|| format!("Cannot read link {}", abs.display()))?
            .to_string_lossy()
            .into_owned()
            .into_bytes())
    } else {
        std::fs::read(abs).io_context(|| format!("Cannot read {}", abs.display()))
    }
}

/// The git blob id of `bytes`.
pub fn blob_id(repo: &gix::Repository, bytes: &[u8]) -> Result<ObjectId> {
    gix::objs::compute_hash(repo.object_hash(), gix::objs::Kind::Blob, bytes)
        .map_err(|e| Error::git("cannot hash", e))
}

#[cfg(unix)]
fn is_executable(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_meta: &std::fs::Metadata) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_blobs_are_reused_only_while_their_file_is_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        gix::init(dir.path()).unwrap();
        let config = dir.path().join(".git/config");
        let mut text = std::fs::read_to_string(&config).unwrap();
        text.push_str("[user]\n\tname = Jane Doe\n\temail = jane@example.org\n");
        std::fs::write(&config, text).unwrap();
        std::fs::write(dir.path().join("a.txt"), "one\n").unwrap();
        std::fs::write(dir.path().join("b.txt"), "two\n").unwrap();
        let git = Git::open(dir.path()).unwrap();
        let paths = vec!["a.txt".to_string(), "b.txt".to_string()];
        let blobs = git.write_blobs(&paths).unwrap();
        assert_eq!(blobs[0].id, blob_id(git.repo(), b"one\n").unwrap());
        assert_eq!(blobs[0].size, 4);
        assert!(blobs.iter().all(WorktreeBlob::is_reusable));
        assert!(git.repo().has_object(blobs[0].id), "the blob is written");
        // b.txt changes after its blob was written: the commit reads it again.
        std::fs::write(dir.path().join("b.txt"), "changed\n").unwrap();
        let written: std::collections::HashMap<String, WorktreeBlob> =
            paths.iter().cloned().zip(blobs.iter().copied()).collect();
        let mut prepared = git.prepare_commit_reusing(&paths, &written).unwrap();
        git.write_index(&mut prepared).unwrap();
        let commit = git.finish_commit(&prepared, "add\n").unwrap();
        let files = git.files_under(commit, "").unwrap();
        assert_eq!(files["a.txt"], blobs[0].id);
        assert_eq!(files["b.txt"], blob_id(git.repo(), b"changed\n").unwrap());
        // The index holds the files' stat data: nothing is reported as changed.
        let git = Git::open(dir.path()).unwrap();
        assert_eq!(crate::repo::status::changes(&git).unwrap(), Vec::new());
    }

    #[test]
    fn deleted_files_exclude_renamed_ones() {
        let dir = tempfile::tempdir().unwrap();
        let git_cmd = |args: &[&str]| {
            let out = std::process::Command::new("git")
                .args(["-c", "user.name=A", "-c", "user.email=a@b.c"])
                .args(args)
                .current_dir(dir.path())
                .output()
                .unwrap();
            assert!(out.status.success(), "{args:?}: {out:?}");
        };
        git_cmd(&["init", "-q"]);
        let lines = |word: &str| -> String { (1..=10).map(|i| format!("{word} {i}\n")).collect() };
        std::fs::create_dir(dir.path().join("d")).unwrap();
        for (path, text) in [
            ("gone.txt", "gone\n".to_string()),
            ("d/also-gone.txt", "also gone\n".to_string()),
            ("same.txt", lines("same")),
            ("edited.txt", lines("edited")),
        ] {
            std::fs::write(dir.path().join(path), text).unwrap();
        }
        git_cmd(&["add", "."]);
        git_cmd(&["commit", "-qm", "one"]);
        git_cmd(&["rm", "-q", "gone.txt", "d/also-gone.txt"]);
        git_cmd(&["mv", "same.txt", "same-renamed.txt"]);
        git_cmd(&["mv", "edited.txt", "edited-renamed.txt"]);
        let edited = lines("edited").replace("edited 10", "ten");
        std::fs::write(dir.path().join("edited-renamed.txt"), edited).unwrap();
        git_cmd(&["add", "."]);
        git_cmd(&["commit", "-qm", "two"]);

        let git = Git::open(dir.path()).unwrap();
        let tree = |rev: &str| {
            let id = git.repo().rev_parse_single(rev).unwrap();
            git.repo()
                .find_commit(id)
                .unwrap()
                .tree_id()
                .unwrap()
                .detach()
        };
        let (one, two) = (tree("HEAD~1"), tree("HEAD"));
        let deleted = git.files_deleted(Some(one), two).unwrap();
        let gone = blob_id(git.repo(), b"gone\n").unwrap();
        let also_gone = blob_id(git.repo(), b"also gone\n").unwrap();
        assert_eq!(
            deleted,
            vec![
                ("d/also-gone.txt".to_string(), also_gone),
                ("gone.txt".to_string(), gone)
            ]
        );
        assert_eq!(git.files_deleted(None, two).unwrap(), Vec::new());
        assert_eq!(git.files_deleted(Some(two), one).unwrap(), Vec::new());
    }
}
