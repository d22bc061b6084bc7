//! Small helpers shared by several modules: atomic file writes, ids, hashing, naming rules.

use std::io::Write;
use std::path::Path;

use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;

use crate::error::{IoContext, Result};

/// `err` and its sources, joined with `: ` (reqwest and others hide the cause otherwise);
/// a source whose text is already in the message is not repeated.
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// Writes `bytes` to `path` atomically: a temporary file in `tmp_dir` (or next to `path`) is
/// written, flushed to disk and renamed over `path`, so readers see the old or the new
/// content, never a part of it.
pub fn write_atomic(path: &Path, bytes: &[u8], tmp_dir: Option<&Path>) -> Result<()> {
    let parent = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)
        .io_context(|| format!("Cannot create directory {}", parent.display()))?;
    let dir = tmp_dir.unwrap_or(parent);
    std::fs::create_dir_all(dir)
        .io_context(|| format!("Cannot create directory {}", dir.display()))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".renku-tmp-")
        .tempfile_in(dir)
        .io_context(|| format!("Cannot create a temporary file in {}", dir.display()))?;
    tmp.write_all(bytes)
        .io_context(|| format!("Cannot write {}", path.display()))?;
    tmp.as_file()
        .sync_all()
        .io_context(|| format!("Cannot flush {}", path.display()))?;
    tmp.persist(path)
        .map_err(|e| crate::Error::io(format!("Cannot write {}", path.display()), e.error))?;
    Ok(())
}

/// Creates `dir` (if needed) with a `.gitignore` holding `*`, so git ignores everything in it
/// whatever the project's own `.gitignore` says. Used for the cache and scratch directories.
pub fn ensure_ignored_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)
        .io_context(|| format!("Cannot create directory {}", dir.display()))?;
    let ignore = dir.join(".gitignore");
    if !ignore.exists() {
        std::fs::write(&ignore, "*\n")
            .io_context(|| format!("Cannot write {}", ignore.display()))?;
    }
    Ok(())
}

/// Removes `.` and `..` components from a path without touching the file system.
pub fn normalize_path(p: &Path) -> std::path::PathBuf {
    let mut out = std::path::PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// A new random identifier: 32 lowercase hex characters (a UUID v4 without dashes), the id
/// shape renku uses for transactions, activities, plans and dataset identifiers.
pub fn new_hex_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// SHA-256 of `bytes` as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in digest.iter() {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// The current local time with its UTC offset, without sub-second precision (the form renku
/// records dates in).
pub fn now() -> chrono::DateTime<chrono::FixedOffset> {
    use chrono::{SubsecRound, TimeZone};
    let local = chrono::Local::now().trunc_subsecs(0);
    let offset = *local.offset();
    let fixed: chrono::FixedOffset = offset.fix();
    fixed.from_utc_datetime(&local.naive_utc())
}

use chrono::Offset;

/// The current local time with its UTC offset, to the microsecond (for activity times, which
/// order the log).
pub fn now_precise() -> chrono::DateTime<chrono::FixedOffset> {
    use chrono::{SubsecRound, TimeZone};
    let local = chrono::Local::now().trunc_subsecs(6);
    let fixed: chrono::FixedOffset = local.offset().fix();
    fixed.from_utc_datetime(&local.naive_utc())
}

/// Turns arbitrary text into a slug following renku's rules: whitespace becomes `_`, the
/// text is reduced to ASCII (NFKD), every character outside `[A-Za-z0-9_.-]` becomes `_`,
/// runs of `._-` collapse to their first character, leading and trailing `._-` are stripped,
/// and a trailing `.lock` becomes `_lock`. With `lowercase` the result is lower-cased.
pub fn slugify(text: &str, lowercase: bool) -> String {
    let mut ascii = String::with_capacity(text.len());
    for c in text.trim().nfkd() {
        if c.is_whitespace() {
            ascii.push('_');
        } else if c.is_ascii() {
            ascii.push(c);
        }
    }
    let mut out = String::with_capacity(ascii.len());
    let mut last_sep = false;
    for c in ascii.chars() {
        let c = if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
            c
        } else {
            '_'
        };
        let is_sep = matches!(c, '_' | '.' | '-');
        if is_sep && last_sep {
            continue;
        }
        last_sep = is_sep;
        out.push(c);
    }
    let mut out = out
        .trim_matches(|c| matches!(c, '_' | '.' | '-'))
        .to_string();
    if let Some(stripped) = out.strip_suffix(".lock") {
        out = format!("{stripped}_lock");
    }
    if lowercase { out.to_lowercase() } else { out }
}

/// The slug of a project name as used in project ids: lower-cased, with every run of
/// characters other than ASCII letters and digits turned into a single `-`.
pub fn project_slug(name: &str) -> String {
    let base = slugify(name, true);
    let mut out = String::with_capacity(base.len());
    let mut last_dash = false;
    for c in base.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
            last_dash = false;
        } else if !last_dash {
            out.push('-');
            last_dash = true;
        }
    }
    out.trim_matches('-').to_string()
}

/// Percent-encodes a path segment the way renku quotes ids (`/` kept).
pub fn quote_path(text: &str) -> String {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    const SET: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'/')
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    utf8_percent_encode(text, SET).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugify_follows_renku_rules() {
        assert_eq!(slugify("My Dataset", false), "My_Dataset");
        assert_eq!(slugify("a--b__c..d", false), "a-b_c.d");
        assert_eq!(slugify("-leading.", false), "leading");
        assert_eq!(slugify("Ünïcödé", true), "unicode");
        assert_eq!(slugify("x.lock", false), "x_lock");
        assert_eq!(slugify("a/b:c", false), "a_b_c");
    }

    #[test]
    fn project_slug_matches_reference_example() {
        assert_eq!(project_slug("old-datasets-v0.16.0"), "old-datasets-v0-16-0");
        assert_eq!(project_slug("My Project"), "my-project");
        assert_eq!(project_slug("pre_2.0 project"), "pre-2-0-project");
    }

    #[test]
    fn quote_path_keeps_slashes() {
        assert_eq!(quote_path("a b/c"), "a%20b/c");
        assert_eq!(
            quote_path("Rooth, Mats [Cornell]"),
            "Rooth%2C%20Mats%20%5BCornell%5D"
        );
    }

    #[test]
    fn hex_ids_are_32_lowercase_hex() {
        let id = new_hex_id();
        assert_eq!(id.len(), 32);
        assert!(
            id.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_ne!(id, new_hex_id());
    }

    #[test]
    fn atomic_write_replaces_content() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/file.txt");
        write_atomic(&p, b"one", None).unwrap();
        write_atomic(&p, b"two", None).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("sub")).unwrap().collect();
        assert_eq!(leftovers.len(), 1);
    }
}
