//! Unpacking archives (`dataset import -x`, `dataset add -x`): zip, tar, tar.gz/tgz,
//! tar.bz2/tbz2 and tar.xz/txz.
//!
//! Extraction is all or nothing. A first pass reads every entry's name and link target and
//! refuses the archive — before anything is written — when an entry has an absolute path
//! or a `..` component, or is a symbolic or hard link whose target lies outside the
//! destination. A second pass unpacks into a hidden staging directory inside the
//! destination, checking that no file is written through a link leading out and that no
//! link, once created, resolves outside; only then are the unpacked entries moved into the
//! destination. Any failure removes the staging directory (and the destination, when the
//! call created it). Device files and FIFOs are skipped.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Component, Path, PathBuf};

use super::error::{RemoteError, Result};

/// Prefix of the staging directory an extraction writes into.
pub const STAGING_PREFIX: &str = ".renku-extract-";

/// The archive formats [`extract`] understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveKind {
    /// A zip file.
    Zip,
    /// An uncompressed tar file.
    Tar,
    /// A gzip-compressed tar file (`.tar.gz`, `.tgz`).
    TarGz,
    /// A bzip2-compressed tar file (`.tar.bz2`, `.tbz2`).
    TarBz2,
    /// An xz-compressed tar file (`.tar.xz`, `.txz`).
    TarXz,
}

impl ArchiveKind {
    /// The kind named by a file's extension (case-insensitive).
    pub fn from_name(path: &Path) -> Option<Self> {
        let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
        let kind = if name.ends_with(".zip") {
            ArchiveKind::Zip
        } else if name.ends_with(".tar") {
            ArchiveKind::Tar
        } else if name.ends_with(".tar.gz") || name.ends_with(".tgz") {
            ArchiveKind::TarGz
        } else if name.ends_with(".tar.bz2") || name.ends_with(".tbz2") || name.ends_with(".tbz") {
            ArchiveKind::TarBz2
        } else if name.ends_with(".tar.xz") || name.ends_with(".txz") {
            ArchiveKind::TarXz
        } else {
            return None;
        };
        Some(kind)
    }

    /// The kind of an archive file: from its extension, else from its first bytes.
    pub fn detect(path: &Path) -> Option<Self> {
        if let Some(kind) = Self::from_name(path) {
            return Some(kind);
        }
        let mut head = [0u8; 262];
        let mut file = File::open(path).ok()?;
        let mut n = 0;
        while n < head.len() {
            match file.read(&mut head[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(_) => return None,
            }
        }
        let head = &head[..n];
        if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
            Some(ArchiveKind::Zip)
        } else if head.starts_with(&[0x1f, 0x8b]) {
            Some(ArchiveKind::TarGz)
        } else if head.starts_with(b"BZh") {
            Some(ArchiveKind::TarBz2)
        } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
            Some(ArchiveKind::TarXz)
        } else if head.len() >= 262 && &head[257..262] == b"ustar" {
            Some(ArchiveKind::Tar)
        } else {
            None
        }
    }
}

/// Whether `path` looks like an archive [`extract`] can unpack (by its name).
pub fn is_archive(path: &Path) -> bool {
    ArchiveKind::from_name(path).is_some()
}

/// Unpacks `archive` into `dest` (created when missing) and returns the paths of the files
/// and links it wrote (inside `dest`, in archive order; directories are not listed).
///
/// Refuses unsafe archives with [`RemoteError::UnsafeArchiveEntry`] and leaves nothing
/// behind on any error. Existing files in `dest` are never replaced: an entry that exists
/// already is [`RemoteError::DestinationExists`].
pub fn extract(archive: &Path, dest: &Path) -> Result<Vec<PathBuf>> {
    let kind = ArchiveKind::detect(archive).ok_or_else(|| RemoteError::Archive {
        archive: archive.to_path_buf(),
        detail: "not a zip, tar, tar.gz, tar.bz2 or tar.xz archive".to_string(),
    })?;
    let entries = scan(kind, archive)?;

    let created_dest = !dest.exists();
    std::fs::create_dir_all(dest)
        .map_err(|e| RemoteError::io(format!("Cannot create directory {}", dest.display()), e))?;
    let result = unpack(kind, archive, dest, &entries);
    if result.is_err() && created_dest {
        let _ = std::fs::remove_dir_all(dest);
    }
    result
}

/// What an entry is, after validation.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Dir,
    File,
    Symlink(PathBuf),
    Hardlink(PathBuf),
    Skip,
}

#[derive(Debug, Clone)]
struct Entry {
    path: PathBuf,
    kind: Kind,
}

fn unsafe_entry(archive: &Path, entry: &str, reason: &str) -> RemoteError {
    RemoteError::UnsafeArchiveEntry {
        archive: archive.to_path_buf(),
        entry: entry.to_string(),
        reason: reason.to_string(),
    }
}

fn corrupt(archive: &Path, err: impl std::fmt::Display) -> RemoteError {
    RemoteError::Archive {
        archive: archive.to_path_buf(),
        detail: err.to_string(),
    }
}

/// A stored entry name as a safe relative path; `Ok(None)` for the archive root (`./`).
fn entry_path(archive: &Path, name: &str) -> Result<Option<PathBuf>> {
    let unified = name.replace('\\', "/");
    let bytes = unified.as_bytes();
    if unified.starts_with('/')
        || (bytes.len() >= 2 && bytes[1] == b':' && bytes[0].is_ascii_alphabetic())
    {
        return Err(unsafe_entry(archive, name, "has an absolute path"));
    }
    let mut out = PathBuf::new();
    for part in unified.split('/') {
        match part {
            "" | "." => {}
            ".." => return Err(unsafe_entry(archive, name, "contains '..'")),
            other => {
                if other.contains('\0') {
                    return Err(unsafe_entry(archive, name, "contains a NUL character"));
                }
                out.push(other)
            }
        }
    }
    Ok((!out.as_os_str().is_empty()).then_some(out))
}

/// Checks that a symbolic link at `link` (relative to the root) pointing at `target` stays
/// inside the root when resolved lexically.
fn check_symlink(archive: &Path, name: &str, link: &Path, target: &str) -> Result<PathBuf> {
    let unified = target.replace('\\', "/");
    if unified.is_empty() {
        return Err(unsafe_entry(archive, name, "is a link without a target"));
    }
    if unified.starts_with('/') || Path::new(&unified).is_absolute() {
        return Err(unsafe_entry(archive, name, "is a link to an absolute path"));
    }
    let mut stack: Vec<String> = link
        .parent()
        .map(|p| {
            p.components()
                .filter_map(|c| match c {
                    Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    for part in unified.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if stack.pop().is_none() {
                    return Err(unsafe_entry(
                        archive,
                        name,
                        "is a link pointing outside the destination",
                    ));
                }
            }
            other => stack.push(other.to_string()),
        }
    }
    Ok(PathBuf::from(unified))
}

fn classify(
    archive: &Path,
    name: &str,
    kind: Kind,
    link_target: Option<String>,
) -> Result<Option<Entry>> {
    let Some(path) = entry_path(archive, name)? else {
        return Ok(None);
    };
    let kind = match kind {
        Kind::Symlink(_) => {
            let target = link_target.unwrap_or_default();
            Kind::Symlink(check_symlink(archive, name, &path, &target)?)
        }
        Kind::Hardlink(_) => {
            let target = link_target.unwrap_or_default();
            match entry_path(archive, &target) {
                Ok(Some(t)) => Kind::Hardlink(t),
                _ => {
                    return Err(unsafe_entry(
                        archive,
                        name,
                        "is a hard link pointing outside the destination",
                    ));
                }
            }
        }
        other => other,
    };
    Ok(Some(Entry { path, kind }))
}

// ---------------------------------------------------------------------------------------
// Reading the two formats.

fn open_tar(kind: ArchiveKind, archive: &Path) -> Result<tar::Archive<Box<dyn Read>>> {
    let file = File::open(archive)
        .map_err(|e| RemoteError::io(format!("Cannot open {}", archive.display()), e))?;
    let reader = BufReader::new(file);
    let reader: Box<dyn Read> = match kind {
        ArchiveKind::Tar => Box::new(reader),
        ArchiveKind::TarGz => Box::new(flate2::read::MultiGzDecoder::new(reader)),
        ArchiveKind::TarBz2 => Box::new(bzip2::read::MultiBzDecoder::new(reader)),
        ArchiveKind::TarXz => Box::new(lzma_rust2::XzReader::new(reader, true)),
        ArchiveKind::Zip => return Err(corrupt(archive, "a zip archive is not a tar archive")),
    };
    Ok(tar::Archive::new(reader))
}

fn tar_kind(entry: &tar::Entry<'_, Box<dyn Read>>) -> (Kind, Option<String>) {
    use tar::EntryType;
    let link = || {
        entry
            .link_name_bytes()
            .map(|b| String::from_utf8_lossy(&b).into_owned())
    };
    match entry.header().entry_type() {
        EntryType::Regular | EntryType::Continuous => (Kind::File, None),
        EntryType::Directory => (Kind::Dir, None),
        EntryType::Symlink => (Kind::Symlink(PathBuf::new()), link()),
        EntryType::Link => (Kind::Hardlink(PathBuf::new()), link()),
        _ => (Kind::Skip, None),
    }
}

fn tar_name(entry: &tar::Entry<'_, Box<dyn Read>>) -> String {
    String::from_utf8_lossy(&entry.path_bytes()).into_owned()
}

fn zip_kind(file: &zip::read::ZipFile<'_, File>) -> Kind {
    if file.is_dir() {
        Kind::Dir
    } else if file.is_symlink() {
        Kind::Symlink(PathBuf::new())
    } else {
        Kind::File
    }
}

fn open_zip(archive: &Path) -> Result<zip::ZipArchive<File>> {
    let file = File::open(archive)
        .map_err(|e| RemoteError::io(format!("Cannot open {}", archive.display()), e))?;
    zip::ZipArchive::new(file).map_err(|e| corrupt(archive, e))
}

fn read_to_string_limited(reader: &mut impl Read, archive: &Path) -> Result<String> {
    let mut target = String::new();
    reader
        .take(4096)
        .read_to_string(&mut target)
        .map_err(|e| corrupt(archive, e))?;
    Ok(target)
}

/// First pass: every entry's validated path and kind.
fn scan(kind: ArchiveKind, archive: &Path) -> Result<Vec<Entry>> {
    let mut entries = Vec::new();
    if kind == ArchiveKind::Zip {
        let mut zip = open_zip(archive)?;
        for i in 0..zip.len() {
            let mut file = zip.by_index(i).map_err(|e| corrupt(archive, e))?;
            let name = file.name().map_err(|e| corrupt(archive, e))?.into_owned();
            let k = zip_kind(&file);
            let target = match k {
                Kind::Symlink(_) => Some(read_to_string_limited(&mut file, archive)?),
                _ => None,
            };
            if let Some(e) = classify(archive, &name, k, target)? {
                entries.push(e);
            }
        }
    } else {
        let mut tar = open_tar(kind, archive)?;
        for entry in tar.entries().map_err(|e| corrupt(archive, e))? {
            let entry = entry.map_err(|e| corrupt(archive, e))?;
            let name = tar_name(&entry);
            let (k, target) = tar_kind(&entry);
            if let Some(e) = classify(archive, &name, k, target)? {
                entries.push(e);
            }
        }
    }
    Ok(entries)
}

// ---------------------------------------------------------------------------------------
// Writing.

struct Stage<'a> {
    archive: &'a Path,
    root: PathBuf,
    canonical_root: PathBuf,
    links: Vec<PathBuf>,
}

impl Stage<'_> {
    fn io(&self, what: &str, path: &Path, e: std::io::Error) -> RemoteError {
        RemoteError::io(
            format!(
                "Cannot {what} {} from {}",
                path.display(),
                self.archive.display()
            ),
            e,
        )
    }

    /// Creates the parents of `rel` and checks they resolve inside the staging root.
    fn prepare(&self, rel: &Path) -> Result<PathBuf> {
        let path = self.root.join(rel);
        let parent = path.parent().unwrap_or(&self.root);
        std::fs::create_dir_all(parent).map_err(|e| self.io("create directory", parent, e))?;
        let canonical = parent
            .canonicalize()
            .map_err(|e| self.io("resolve", parent, e))?;
        if !canonical.starts_with(&self.canonical_root) {
            return Err(unsafe_entry(
                self.archive,
                &rel.to_string_lossy(),
                "would be written through a link outside the destination",
            ));
        }
        // Never write through an existing link: replace it.
        if let Ok(meta) = path.symlink_metadata() {
            if meta.file_type().is_symlink() {
                std::fs::remove_file(&path).map_err(|e| self.io("replace", &path, e))?;
            } else if meta.is_dir() {
                return Err(RemoteError::Archive {
                    archive: self.archive.to_path_buf(),
                    detail: format!("entry '{}' is both a directory and a file", rel.display()),
                });
            }
        }
        Ok(path)
    }

    fn write_file(&self, rel: &Path, reader: &mut dyn Read, mode: Option<u32>) -> Result<()> {
        let path = self.prepare(rel)?;
        let mut out = File::create(&path).map_err(|e| self.io("write", &path, e))?;
        std::io::copy(reader, &mut out)
            .map_err(|e| corrupt(self.archive, format!("{}: {e}", rel.display())))?;
        set_mode(&path, mode);
        Ok(())
    }

    fn make_dir(&self, rel: &Path) -> Result<()> {
        let path = self.root.join(rel);
        if let Ok(meta) = path.symlink_metadata() {
            if meta.is_dir() {
                return Ok(());
            }
            return Err(RemoteError::Archive {
                archive: self.archive.to_path_buf(),
                detail: format!("entry '{}' is both a directory and a file", rel.display()),
            });
        }
        let parent = self.prepare(rel)?;
        std::fs::create_dir(&parent).map_err(|e| self.io("create directory", &parent, e))
    }

    fn symlink(&mut self, rel: &Path, target: &Path) -> Result<()> {
        let path = self.prepare(rel)?;
        make_symlink(target, &path).map_err(|e| self.io("create link", &path, e))?;
        self.links.push(rel.to_path_buf());
        Ok(())
    }

    fn hardlink(&self, rel: &Path, target: &Path) -> Result<()> {
        let source = self.root.join(target);
        let meta = source.symlink_metadata().map_err(|_| {
            unsafe_entry(
                self.archive,
                &rel.to_string_lossy(),
                "is a hard link to a file that is not in the archive",
            )
        })?;
        if !meta.is_file() {
            return Err(unsafe_entry(
                self.archive,
                &rel.to_string_lossy(),
                "is a hard link to something that is not a regular file",
            ));
        }
        let canonical = source
            .canonicalize()
            .map_err(|e| self.io("resolve", &source, e))?;
        if !canonical.starts_with(&self.canonical_root) {
            return Err(unsafe_entry(
                self.archive,
                &rel.to_string_lossy(),
                "is a hard link pointing outside the destination",
            ));
        }
        let path = self.prepare(rel)?;
        if path.exists() {
            std::fs::remove_file(&path).map_err(|e| self.io("replace", &path, e))?;
        }
        std::fs::hard_link(&canonical, &path).map_err(|e| self.io("create link", &path, e))
    }

    /// Links whose targets exist must resolve inside the staging root (catches chains of
    /// links that only escape together).
    fn check_links(&self) -> Result<()> {
        for rel in &self.links {
            let path = self.root.join(rel);
            if let Ok(resolved) = path.canonicalize()
                && !resolved.starts_with(&self.canonical_root)
            {
                return Err(unsafe_entry(
                    self.archive,
                    &rel.to_string_lossy(),
                    "is a link pointing outside the destination",
                ));
            }
        }
        Ok(())
    }
}

#[cfg(unix)]
fn make_symlink(target: &Path, path: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, path)
}

#[cfg(not(unix))]
fn make_symlink(target: &Path, path: &Path) -> std::io::Result<()> {
    std::os::windows::fs::symlink_file(target, path)
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: Option<u32>) {
    use std::os::unix::fs::PermissionsExt;
    if let Some(mode) = mode {
        // Keep the permission bits only (no setuid/setgid/sticky); the owner can always
        // read and write what was unpacked.
        let mode = (mode & 0o777) | 0o600;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode));
    }
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: Option<u32>) {}

/// Second pass: unpack into a staging directory, then move the entries into `dest`.
fn unpack(
    kind: ArchiveKind,
    archive: &Path,
    dest: &Path,
    entries: &[Entry],
) -> Result<Vec<PathBuf>> {
    let staging = tempfile::Builder::new()
        .prefix(STAGING_PREFIX)
        .tempdir_in(dest)
        .map_err(|e| {
            RemoteError::io(
                format!("Cannot create a staging directory in {}", dest.display()),
                e,
            )
        })?;
    let canonical_root = staging
        .path()
        .canonicalize()
        .map_err(|e| RemoteError::io(format!("Cannot resolve {}", staging.path().display()), e))?;
    let mut stage = Stage {
        archive,
        root: staging.path().to_path_buf(),
        canonical_root,
        links: Vec::new(),
    };

    let mut index = 0usize;
    let mut next_expected = |name_path: &Path| -> Result<Entry> {
        // The second pass must see the entries the first pass validated, in order.
        let entry = entries
            .get(index)
            .cloned()
            .ok_or_else(|| corrupt(archive, "the archive changed while it was being extracted"))?;
        if entry.path != name_path {
            return Err(corrupt(
                archive,
                "the archive changed while it was being extracted",
            ));
        }
        index += 1;
        Ok(entry)
    };

    if kind == ArchiveKind::Zip {
        let mut zip = open_zip(archive)?;
        for i in 0..zip.len() {
            crate::interrupt::check().map_err(|_| RemoteError::Interrupted)?;
            let mut file = zip.by_index(i).map_err(|e| corrupt(archive, e))?;
            let name = file.name().map_err(|e| corrupt(archive, e))?.into_owned();
            let Some(path) = entry_path(archive, &name)? else {
                continue;
            };
            let entry = next_expected(&path)?;
            let mode = file.unix_mode();
            apply(&mut stage, &entry, &mut file, mode)?;
        }
    } else {
        let mut tar = open_tar(kind, archive)?;
        for item in tar.entries().map_err(|e| corrupt(archive, e))? {
            crate::interrupt::check().map_err(|_| RemoteError::Interrupted)?;
            let mut item = item.map_err(|e| corrupt(archive, e))?;
            let name = tar_name(&item);
            let Some(path) = entry_path(archive, &name)? else {
                continue;
            };
            let entry = next_expected(&path)?;
            let mode = item.header().mode().ok();
            apply(&mut stage, &entry, &mut item, mode)?;
        }
    }
    stage.check_links()?;

    // Move the top-level entries into place, refusing to replace anything.
    let mut top: Vec<std::ffi::OsString> = Vec::new();
    let listing = std::fs::read_dir(staging.path())
        .map_err(|e| RemoteError::io(format!("Cannot read {}", staging.path().display()), e))?;
    for item in listing {
        let item = item
            .map_err(|e| RemoteError::io(format!("Cannot read {}", staging.path().display()), e))?;
        top.push(item.file_name());
    }
    top.sort();
    for name in &top {
        let target = dest.join(name);
        if target.symlink_metadata().is_ok() {
            return Err(RemoteError::DestinationExists { path: target });
        }
    }
    let mut moved: Vec<PathBuf> = Vec::new();
    for name in &top {
        let from = staging.path().join(name);
        let to = dest.join(name);
        if let Err(e) = std::fs::rename(&from, &to) {
            for m in &moved {
                let _ = remove_any(m.as_path());
            }
            return Err(RemoteError::io(
                format!("Cannot move {} into {}", from.display(), dest.display()),
                e,
            ));
        }
        moved.push(to);
    }
    let mut files = Vec::new();
    for entry in entries {
        if matches!(
            entry.kind,
            Kind::File | Kind::Symlink(_) | Kind::Hardlink(_)
        ) {
            // Every such entry was written; listed once even when the archive repeats it.
            let path = dest.join(&entry.path);
            if !files.contains(&path) {
                files.push(path);
            }
        }
    }
    Ok(files)
}

fn apply(
    stage: &mut Stage<'_>,
    entry: &Entry,
    reader: &mut dyn Read,
    mode: Option<u32>,
) -> Result<()> {
    match &entry.kind {
        Kind::Dir => stage.make_dir(&entry.path),
        Kind::File => stage.write_file(&entry.path, reader, mode),
        Kind::Symlink(target) => stage.symlink(&entry.path, target),
        Kind::Hardlink(target) => stage.hardlink(&entry.path, target),
        Kind::Skip => {
            tracing::warn!(entry = %entry.path.display(), "skipping special file in archive");
            Ok(())
        }
    }
}

fn remove_any(path: &Path) -> std::io::Result<()> {
    match path.symlink_metadata() {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(path),
        Ok(_) => std::fs::remove_file(path),
        Err(e) => Err(e),
    }
}
