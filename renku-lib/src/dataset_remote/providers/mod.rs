//! Import providers: which data repository a URI belongs to, and what it holds there.
//!
//! [`resolve`] classifies a URI the way `renku dataset import` does (cli-reference §8.5):
//! a DOI (see [`extract_doi`]) or an http(s) URL with a host — anything else is
//! [`RemoteError::CannotParseUrl`]. Providers are tried in priority order:
//!
//! 1. [`zenodo`]: the URI mentions `zenodo` or starts with the configured Zenodo URL;
//! 2. [`dataverse`]: a URL whose server answers `<server>/api/v1/info/version` like a
//!    Dataverse installation;
//! 3. [`renku`]: a URL whose path names a dataset (`/projects/<ns>/<name>/datasets/<id>`,
//!    `/datasets/<id>`);
//! 4. [`doi`]: any other DOI is resolved through the DOI resolver and the URL it resolves
//!    to goes through 1–3 again.
//!
//! When none matches, [`RemoteError::ProviderNotFound`] lists the supported providers.
//! [`url`] handles plain web URLs for `dataset add URL`; it is not tried by [`resolve`].

pub mod dataverse;
pub mod doi;
pub mod renku;
pub mod url;
pub mod zenodo;

use std::sync::LazyLock;

use regex::Regex;

use super::error::{RemoteError, Result};
use super::http::HttpClient;
use super::model::RemoteDataset;
use super::settings::ProviderSettings;

static DOI_RE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?i)^(doi:\s*|(https?://)?((dx|www)\.)?doi\.org/)?(10\.\d+(.\d+)*/.+)$").ok()
});

/// The DOI in `uri` (`10.xxxx/…`) when `uri` is a DOI: bare, `doi:`-prefixed, or a
/// `doi.org` / `dx.doi.org` / `www.doi.org` URL (case-insensitive).
pub fn extract_doi(uri: &str) -> Option<String> {
    let re = DOI_RE.as_ref()?;
    re.captures(uri.trim())
        .and_then(|c| c.get(5))
        .map(|m| m.as_str().to_string())
}

/// Whether `uri` is a DOI (see [`extract_doi`]).
pub fn is_doi(uri: &str) -> bool {
    extract_doi(uri).is_some()
}

/// Finds the dataset `uri` names and reads its metadata and file list (no file content is
/// fetched).
pub fn resolve(uri: &str, settings: &ProviderSettings) -> Result<RemoteDataset> {
    let uri = uri.trim();
    let doi = extract_doi(uri);
    if doi.is_none() {
        let parsed = reqwest::Url::parse(uri).ok();
        let valid = parsed
            .as_ref()
            .is_some_and(|u| !u.scheme().is_empty() && u.host_str().is_some_and(|h| !h.is_empty()));
        if !valid {
            return Err(RemoteError::CannotParseUrl {
                uri: uri.to_string(),
            });
        }
    }
    let client = HttpClient::new(settings)?;
    if zenodo::supports(uri, settings) {
        return zenodo::fetch(&client, uri, settings);
    }
    match doi {
        Some(doi) => {
            let record = doi::resolve(&client, &doi, settings)?;
            tracing::debug!(%doi, url = %record.url, "DOI resolved");
            resolve_url(&client, uri, &record.url, Some(&doi), settings)
        }
        None => resolve_url(&client, uri, uri, None, settings),
    }
}

/// Tries the providers on `url` (the URI itself, or what a DOI resolved to).
fn resolve_url(
    client: &HttpClient,
    uri: &str,
    url: &str,
    doi: Option<&str>,
    settings: &ProviderSettings,
) -> Result<RemoteDataset> {
    let mut warnings = Vec::new();
    if doi.is_some() && zenodo::supports(url, settings) {
        let mut dataset = zenodo::fetch(client, url, settings)?;
        dataset.uri = uri.to_string();
        return Ok(dataset);
    }
    if url.starts_with("http://") || url.starts_with("https://") {
        match dataverse::detect(client, url) {
            Ok(true) => return dataverse::fetch(client, uri, url, doi),
            Ok(false) => {}
            Err(err) => warnings.push(format!("Couldn't test provider Dataverse: {err}")),
        }
    }
    if renku::supports(url) {
        return renku::fetch(client, uri, url, settings);
    }
    Err(RemoteError::ProviderNotFound {
        uri: uri.to_string(),
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doi_classification() {
        let cases = [
            ("10.5281/zenodo.3352923", Some("10.5281/zenodo.3352923")),
            ("doi:10.7910/DVN/EV6KLF", Some("10.7910/DVN/EV6KLF")),
            ("DOI: 10.7910/DVN/EV6KLF", Some("10.7910/DVN/EV6KLF")),
            (
                "https://doi.org/10.7910/DVN/EV6KLF",
                Some("10.7910/DVN/EV6KLF"),
            ),
            ("http://dx.doi.org/10.1000/182", Some("10.1000/182")),
            ("https://www.doi.org/10.1000.10/abc", Some("10.1000.10/abc")),
            ("doi.org/10.1000/xyz", Some("10.1000/xyz")),
            ("HTTPS://DOI.ORG/10.1000/XYZ", Some("10.1000/XYZ")),
            ("  10.1000/182  ", Some("10.1000/182")),
            ("10.1000/", None),
            ("11.1000/182", None),
            ("10.abc/182", None),
            ("https://zenodo.org/records/3352923", None),
            ("https://example.org/10.1000/182", None),
            ("foo", None),
        ];
        for (input, expected) in cases {
            assert_eq!(extract_doi(input).as_deref(), expected, "{input}");
        }
        assert!(is_doi("10.5281/zenodo.1"));
        assert!(!is_doi("zenodo.1"));
    }

    #[test]
    fn unparsable_uris_are_usage_errors() {
        let settings = ProviderSettings::default();
        for uri in ["foo", "no/scheme/here", "file:///tmp/x", "http://", ""] {
            let err = resolve(uri, &settings).unwrap_err();
            assert!(
                matches!(err, RemoteError::CannotParseUrl { .. }),
                "{uri}: {err}"
            );
            assert_eq!(err.to_string(), format!("Cannot parse URL '{uri}'"));
            assert_eq!(err.exit_code(), crate::error::ExitCode::Usage);
            let lib: crate::Error = err.into();
            assert_eq!(lib.exit_code(), crate::error::ExitCode::Usage);
            assert!(
                lib.to_string()
                    .starts_with("Invalid parameter value - Cannot parse URL")
            );
        }
    }
}
