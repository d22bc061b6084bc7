//! Plain http(s) URLs (`dataset add URL`): one file, named when it is downloaded.

use super::super::error::{RemoteError, Result};
use super::super::http::parse_http_url;
use super::super::model::{ProviderKind, RemoteDataset, RemoteFile, RemoteMetadata};
use super::super::naming;

/// Whether `url` is a web URL `dataset add` downloads: http or https with a host, not a
/// git repository (ending in `.git`).
pub fn supports(url: &str) -> bool {
    parse_http_url(url).is_ok_and(|u| !u.path().trim_end_matches('/').ends_with(".git"))
}

/// The single file at `url`. Its name comes from the response when it is downloaded
/// (`Content-Disposition`, else the URL's last path segment), so [`RemoteFile::path`] is
/// `None`; the metadata's name is the URL's last segment (or its host).
pub fn remote_file(url: &str) -> Result<RemoteDataset> {
    let parsed = parse_http_url(url)?;
    if !supports(url) {
        return Err(RemoteError::InvalidUrl {
            url: url.to_string(),
            detail: "a git repository is not a web file".to_string(),
        });
    }
    let name = naming::file_name_from_url(url)
        .or_else(|| parsed.host_str().map(str::to_string))
        .unwrap_or_default();
    Ok(RemoteDataset {
        provider: ProviderKind::Web,
        uri: url.to_string(),
        metadata: RemoteMetadata {
            slug: naming::suggest_slug(&name, None),
            name,
            same_as: url.to_string(),
            ..RemoteMetadata::default()
        },
        files: vec![RemoteFile {
            url: url.to_string(),
            path: None,
            size: None,
            checksum: None,
            file_type: None,
        }],
        newer_version: None,
        renku: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_urls() {
        assert!(supports("https://example.org/data/file.csv"));
        assert!(supports("http://127.0.0.1:8000/x"));
        assert!(!supports("https://github.com/org/repo.git"));
        assert!(!supports("ftp://example.org/x"));
        assert!(!supports("not a url"));
        let ds = remote_file("https://example.org/data/my%20file.csv").unwrap();
        assert_eq!(ds.provider, ProviderKind::Web);
        assert_eq!(ds.metadata.name, "my file.csv");
        assert_eq!(ds.files.len(), 1);
        assert_eq!(ds.files[0].path, None);
        assert!(remote_file("https://example.org/repo.git").is_err());
    }
}
