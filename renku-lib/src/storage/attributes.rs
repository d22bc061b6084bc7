//! The Git LFS lines of the root `.gitattributes`, edited as text: other lines stay
//! byte for byte.

use std::path::Path;

use crate::repo::lfs::LFS_ATTRIBUTES;
use crate::{Error, Result};

/// The file name.
pub const FILE: &str = ".gitattributes";

/// The root `.gitattributes` of the work tree at `root` (empty when there is none).
pub fn read(root: &Path) -> Result<String> {
    match std::fs::read(root.join(FILE)) {
        Ok(bytes) => String::from_utf8(bytes)
            .map_err(|_| Error::Failed(format!("{FILE} is not valid UTF-8 text."))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(e) => Err(Error::io(format!("Cannot read {FILE}"), e)),
    }
}

/// The pattern of an LFS line (`<pattern> … filter=lfs …`), `None` for other lines.
fn lfs_pattern(line: &str) -> Option<&str> {
    let mut words = line.split_whitespace();
    let pattern = words.next()?;
    if pattern.starts_with('#') {
        return None;
    }
    words.any(|w| w == "filter=lfs").then_some(pattern)
}

/// Patterns that `text` puts into LFS.
pub fn lfs_patterns(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(lfs_pattern)
        .map(str::to_string)
        .collect()
}

/// `text` with a `<pattern> filter=lfs diff=lfs merge=lfs -text` line appended for each of
/// `patterns` that has no LFS line yet.
pub fn with_patterns(text: &str, patterns: &[String]) -> String {
    let mut out = text.to_string();
    for p in patterns {
        if out.lines().filter_map(lfs_pattern).any(|e| e == p) {
            continue;
        }
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(&format!("{p} {LFS_ATTRIBUTES}\n"));
    }
    out
}

/// `text` without the LFS lines of `patterns`, and the patterns whose lines were removed.
pub fn without_patterns(text: &str, patterns: &[String]) -> (String, Vec<String>) {
    let mut removed: Vec<String> = Vec::new();
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        match lfs_pattern(line) {
            Some(p) if patterns.iter().any(|x| x == p) => {
                if !removed.iter().any(|r| r == p) {
                    removed.push(p.to_string());
                }
            }
            _ => out.push_str(line),
        }
    }
    (out, removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "# comment filter=lfs\n*.csv filter=lfs diff=lfs merge=lfs -text\n.renku/metadata/**    merge=renkumerge\nbig.bin filter=lfs diff=lfs merge=lfs -text";

    #[test]
    fn lists_only_lfs_lines() {
        assert_eq!(lfs_patterns(TEXT), vec!["*.csv", "big.bin"]);
    }

    #[test]
    fn appends_missing_patterns_once() {
        let out = with_patterns(
            TEXT,
            &["big.bin".into(), "data/**".into(), "data/**".into()],
        );
        assert_eq!(
            out,
            format!("{TEXT}\ndata/** filter=lfs diff=lfs merge=lfs -text\n")
        );
        assert_eq!(
            with_patterns("", &["a".into()]),
            "a filter=lfs diff=lfs merge=lfs -text\n"
        );
    }

    #[test]
    fn removes_exactly_the_given_lfs_lines() {
        let (out, removed) = without_patterns(TEXT, &["big.bin".into(), "nope".into()]);
        assert_eq!(removed, vec!["big.bin"]);
        assert_eq!(
            out,
            "# comment filter=lfs\n*.csv filter=lfs diff=lfs merge=lfs -text\n.renku/metadata/**    merge=renkumerge\n"
        );
        let (same, none) = without_patterns(TEXT, &[".renku/metadata/**".into()]);
        assert_eq!(same, TEXT);
        assert!(none.is_empty());
    }
}
