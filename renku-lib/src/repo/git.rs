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
