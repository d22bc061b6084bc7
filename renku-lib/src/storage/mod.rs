//! Git LFS operations on a project: the work behind `renku lfs …` (and the deprecated
//! `renku storage …` aliases).
//!
//! One module per job:
//!
//! * [`track`] — `track`/`untrack`: edit the LFS patterns of `.gitattributes` and re-commit
//!   the files as pointers (tracked) or as content (untracked), in one transaction;
//! * [`list`] — `ls`: the LFS files of the index, with their pointers and whether their
//!   content is present;
//! * [`transfer`] — `pull`/`push`: object transfer through the `git-lfs` executable;
//! * [`clean`] — `clean`: replace the content of LFS files by their pointer files, in-process;
//! * [`check`] — `check` and `check-lfs-hook`: large files that are not in LFS, in history
//!   (walked with gix) or among given paths;
//! * [`migrate`] — `migrate`: rewrite the current branch so that paths are in LFS
//!   (`git lfs migrate import`);
//! * [`history`] — the blobs of a set of commits, each subtree read once;
//! * [`attributes`] — LFS lines of `.gitattributes` as text;
//! * [`gitlfs`] — running `git lfs`;
//! * [`paths`] — command-line paths resolved against the project;
//! * [`size`] — sizes for people.
//!
//! The pointer format, the object store and renku's tracking rule live in
//! [`crate::repo::lfs`].

pub mod attributes;
pub mod check;
pub mod clean;
pub mod gitlfs;
pub mod history;
pub mod list;
pub mod migrate;
pub mod paths;
pub mod size;
pub mod track;
pub mod transfer;
