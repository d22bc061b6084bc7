//! Names derived from remote metadata: slugs, tags and safe file names.

use std::path::{Path, PathBuf};

use crate::util::slugify;

/// Longest slug suggested for an imported dataset.
pub const MAX_SLUG_LENGTH: usize = 24;
/// Longest version part of a suggested slug.
const MAX_VERSION_LENGTH: usize = 10;

/// The slug suggested for a dataset imported with title `name` at `version`.
///
/// A title that is already a valid slug of at most 24 characters is kept. Otherwise the
/// title is slugified (lower case, cli-reference §1.8) and `_<version>` appended (the version
/// slugified and cut to 10 characters), the title part being shortened so that the whole
/// slug has at most 24 characters. (renku-python cuts the version's length off the title
/// even when the title is short; we only cut what does not fit.)
pub fn suggest_slug(name: &str, version: Option<&str>) -> String {
    if !name.is_empty() && slugify(name, false) == name && name.len() <= MAX_SLUG_LENGTH {
        return name.to_string();
    }
    let base = slugify(name, true);
    let version = version
        .map(|v| truncate(&slugify(v, true), MAX_VERSION_LENGTH))
        .filter(|v| !v.is_empty());
    let slug = match version {
        Some(v) => {
            let room = MAX_SLUG_LENGTH.saturating_sub(v.len() + 1);
            let base = truncate(&base, room);
            if base.is_empty() {
                v
            } else {
                format!("{base}_{v}")
            }
        }
        None => truncate(&base, MAX_SLUG_LENGTH),
    };
    // Cutting may leave a separator at the end, or two in a row: slugify again.
    let slug = slugify(&slug, true);
    if slug.is_empty() {
        "dataset".to_string()
    } else {
        slug
    }
}

fn truncate(text: &str, max: usize) -> String {
    // Slugs are ASCII, so byte and character counts agree.
    text.chars().take(max).collect()
}

/// The tag created for an imported dataset's remote version: every character outside
/// `[a-zA-Z0-9._-]` becomes `_`. `None` for an empty version.
pub fn tag_name(version: &str) -> Option<String> {
    let version = version.trim();
    if version.is_empty() {
        return None;
    }
    let tag: String = version
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    // Tags may not start with `.` or `-` (cli-reference §1.8).
    let tag = if tag.starts_with(['.', '-']) {
        format!("_{}", &tag[1..])
    } else {
        tag
    };
    Some(tag.chars().take(128).collect())
}

/// A single file name made safe: path separators and control characters become `_`;
/// `None` for an empty name, `.` or `..`.
pub fn sanitize_file_name(name: &str) -> Option<String> {
    let cleaned: String = name
        .trim()
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    match cleaned.as_str() {
        "" | "." | ".." => None,
        _ => Some(cleaned),
    }
}

/// A relative path made safe: components are sanitised like file names, empty and `.`
/// components dropped. `None` when the path is absolute, has a `..` component, or ends up
/// empty.
pub fn sanitize_relative_path(path: &str) -> Option<PathBuf> {
    let path = path.replace('\\', "/");
    if path.starts_with('/') || has_drive_prefix(&path) {
        return None;
    }
    let mut out = PathBuf::new();
    for part in path.split('/') {
        match part {
            "" | "." => continue,
            ".." => return None,
            other => out.push(sanitize_file_name(other)?),
        }
    }
    (!out.as_os_str().is_empty()).then_some(out)
}

/// Whether `path` is a relative path without `..` (as [`sanitize_relative_path`] produces).
pub fn is_safe_relative(path: &Path) -> bool {
    use std::path::Component;
    !path.as_os_str().is_empty()
        && path
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

fn has_drive_prefix(path: &str) -> bool {
    let b = path.as_bytes();
    b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':'
}

/// The last non-empty segment of a URL's path, percent-decoded and sanitised.
pub fn file_name_from_url(url: &str) -> Option<String> {
    let parsed = reqwest::Url::parse(url).ok()?;
    let segment = parsed.path_segments()?.rev().find(|s| !s.is_empty())?;
    let decoded = percent_encoding::percent_decode_str(segment).decode_utf8_lossy();
    sanitize_file_name(&decoded)
}

/// The file name of a `Content-Disposition` header: `filename*` (RFC 5987, percent-decoded)
/// if present, else `filename`; sanitised, directories stripped.
pub fn file_name_from_content_disposition(header: &str) -> Option<String> {
    let mut plain = None;
    let mut extended = None;
    for param in split_params(header).into_iter().skip(1) {
        let Some((key, value)) = param.split_once('=') else {
            continue;
        };
        let key = key.trim().to_ascii_lowercase();
        let value = value.trim();
        if key == "filename*" {
            // charset'language'percent-encoded
            let encoded = value.splitn(3, '\'').nth(2).unwrap_or(value);
            extended = Some(
                percent_encoding::percent_decode_str(encoded.trim_matches('"'))
                    .decode_utf8_lossy()
                    .into_owned(),
            );
        } else if key == "filename" {
            plain = Some(unquote(value));
        }
    }
    let name = extended.or(plain)?;
    // Keep only the last path component a server might send.
    let last = name.rsplit(['/', '\\']).next().unwrap_or(&name);
    sanitize_file_name(last)
}

/// Splits a header value at `;` outside double quotes.
fn split_params(header: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut escaped = false;
    for c in header.chars() {
        if escaped {
            current.push(c);
            escaped = false;
            continue;
        }
        match c {
            '\\' if quoted => {
                current.push(c);
                escaped = true;
            }
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            ';' if !quoted => parts.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    parts.push(current);
    parts
}

fn unquote(value: &str) -> String {
    let value = value.trim();
    if value.len() >= 2 && value.starts_with('"') && value.ends_with('"') {
        let inner = &value[1..value.len() - 1];
        let mut out = String::with_capacity(inner.len());
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                if let Some(next) = chars.next() {
                    out.push(next);
                }
            } else {
                out.push(c);
            }
        }
        out
    } else {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slug_from_title_and_version() {
        assert_eq!(
            suggest_slug("Climate Data of Switzerland 1900-2000", Some("1.2")),
            "climate_data_of_swit_1.2"
        );
        assert!(suggest_slug("Climate Data of Switzerland 1900-2000", Some("1.2")).len() <= 24);
        assert_eq!(suggest_slug("My data", Some("1")), "my_data_1");
        assert_eq!(suggest_slug("My data", None), "my_data");
        // A valid slug is kept as it is.
        assert_eq!(suggest_slug("raw-data.v2", Some("3")), "raw-data.v2");
        // Version longer than 10 characters is cut.
        assert_eq!(
            suggest_slug("A Title", Some("2024-01-01-final")),
            "a_title_2024-01-01"
        );
        assert_eq!(suggest_slug("Ünïcödé Title!", None), "unicode_title");
        assert_eq!(suggest_slug("???", None), "dataset");
    }

    #[test]
    fn tag_from_version() {
        assert_eq!(tag_name("1.0").as_deref(), Some("1.0"));
        assert_eq!(tag_name("v 2/beta").as_deref(), Some("v_2_beta"));
        assert_eq!(tag_name(".hidden").as_deref(), Some("_hidden"));
        assert_eq!(tag_name("  "), None);
    }

    #[test]
    fn relative_paths_are_sanitised() {
        assert_eq!(
            sanitize_relative_path("a/./b//c.txt"),
            Some(PathBuf::from("a/b/c.txt"))
        );
        assert_eq!(sanitize_relative_path("../etc/passwd"), None);
        assert_eq!(sanitize_relative_path("a/../../b"), None);
        assert_eq!(sanitize_relative_path("/etc/passwd"), None);
        assert_eq!(sanitize_relative_path("C:/x"), None);
        assert_eq!(sanitize_relative_path("a\\b"), Some(PathBuf::from("a/b")));
        assert_eq!(sanitize_relative_path(""), None);
        assert_eq!(
            sanitize_relative_path("x\u{0}y"),
            Some(PathBuf::from("x_y"))
        );
    }

    #[test]
    fn names_from_urls_and_headers() {
        assert_eq!(
            file_name_from_url("https://example.org/files/my%20data.csv?x=1").as_deref(),
            Some("my data.csv")
        );
        assert_eq!(
            file_name_from_url("https://example.org/dir/").as_deref(),
            Some("dir")
        );
        assert_eq!(file_name_from_url("https://example.org/"), None);
        assert_eq!(file_name_from_url("https://example.org/%2E%2E"), None);
        assert_eq!(
            file_name_from_content_disposition("attachment; filename=\"a;b.csv\"").as_deref(),
            Some("a;b.csv")
        );
        assert_eq!(
            file_name_from_content_disposition(
                "attachment; filename=\"fallback.txt\"; filename*=UTF-8''na%C3%AFve.txt"
            )
            .as_deref(),
            Some("naïve.txt")
        );
        assert_eq!(
            file_name_from_content_disposition("attachment; filename=../../evil.sh").as_deref(),
            Some("evil.sh")
        );
        assert_eq!(file_name_from_content_disposition("inline"), None);
    }
}
