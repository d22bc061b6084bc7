//! What a provider found at a URI: dataset metadata and the files to fetch.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::model::Person;

/// Which provider produced a [`RemoteDataset`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    /// zenodo.org (or its sandbox, or a server configured in its place).
    Zenodo,
    /// A Dataverse installation.
    Dataverse,
    /// A dataset of a project on a Renku server.
    Renku,
    /// A single file at an http(s) URL (`dataset add URL`).
    Web,
}

impl ProviderKind {
    /// The provider's display name (`Zenodo`, `Dataverse`, `Renku`, `Web`).
    pub fn name(self) -> &'static str {
        match self {
            ProviderKind::Zenodo => "Zenodo",
            ProviderKind::Dataverse => "Dataverse",
            ProviderKind::Renku => "Renku",
            ProviderKind::Web => "Web",
        }
    }
}

impl std::fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A checksum algorithm a provider announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChecksumAlgorithm {
    /// MD5 (Zenodo, Dataverse).
    Md5,
    /// SHA-256.
    Sha256,
}

impl ChecksumAlgorithm {
    /// `md5` or `sha256`.
    pub fn name(self) -> &'static str {
        match self {
            ChecksumAlgorithm::Md5 => "md5",
            ChecksumAlgorithm::Sha256 => "sha256",
        }
    }

    /// Parses an algorithm name as providers write it (`md5`, `MD5`, `SHA-256`, …).
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().replace('-', "").as_str() {
            "md5" => Some(ChecksumAlgorithm::Md5),
            "sha256" => Some(ChecksumAlgorithm::Sha256),
            _ => None,
        }
    }
}

/// A checksum announced by a provider: algorithm and lower-case hex digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checksum {
    /// The algorithm.
    pub algorithm: ChecksumAlgorithm,
    /// The digest as lower-case hex.
    pub hex: String,
}

impl Checksum {
    /// A checksum from an algorithm and a hex digest; `None` when the digest is not hex of
    /// the algorithm's length.
    pub fn new(algorithm: ChecksumAlgorithm, hex: &str) -> Option<Self> {
        let hex = hex.trim().to_ascii_lowercase();
        let len = match algorithm {
            ChecksumAlgorithm::Md5 => 32,
            ChecksumAlgorithm::Sha256 => 64,
        };
        (hex.len() == len && hex.bytes().all(|b| b.is_ascii_hexdigit()))
            .then_some(Checksum { algorithm, hex })
    }

    /// Parses `md5:<hex>` (Zenodo's form) or a bare hex digest taken as `default`.
    pub fn parse_prefixed(text: &str, default: ChecksumAlgorithm) -> Option<Self> {
        match text.split_once(':') {
            Some((algo, hex)) => Checksum::new(ChecksumAlgorithm::parse(algo)?, hex),
            None => Checksum::new(default, text),
        }
    }
}

/// One file of a remote dataset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteFile {
    /// Where to download it from.
    pub url: String,
    /// Where it goes, relative to the dataset's data directory (sanitised: no `..`, no
    /// absolute paths). `None` for a plain URL whose name is only known from the response
    /// (`Content-Disposition`, else the URL's last path segment).
    pub path: Option<PathBuf>,
    /// Size in bytes, when the provider announced it.
    pub size: Option<u64>,
    /// Checksum, when the provider announced one.
    pub checksum: Option<Checksum>,
    /// Media type or format, when the provider announced one.
    pub file_type: Option<String>,
}

impl RemoteFile {
    /// The download request that fetches this file.
    pub fn to_request(&self) -> crate::dataset_remote::download::DownloadRequest {
        crate::dataset_remote::download::DownloadRequest {
            url: self.url.clone(),
            name: self.path.clone(),
            size: self.size,
            checksum: self.checksum.clone(),
        }
    }
}

/// Metadata of a remote dataset, mapped onto renku's dataset fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteMetadata {
    /// The title (`schema:name`).
    pub name: String,
    /// A slug for the imported dataset: from the title and version (see
    /// [`crate::dataset_remote::naming::suggest_slug`]).
    pub slug: String,
    /// Description (may be HTML, as providers deliver it).
    pub description: Option<String>,
    /// Creators, with affiliation when known.
    pub creators: Vec<Person>,
    /// Keywords.
    pub keywords: Vec<String>,
    /// License (an id such as `cc-by-4.0`, or a URL).
    pub license: Option<String>,
    /// The remote version.
    pub version: Option<String>,
    /// Publication date as the provider gives it (normally `YYYY-MM-DD`).
    pub date_published: Option<String>,
    /// Language (e.g. `eng`).
    pub in_language: Option<String>,
    /// Image URLs.
    pub images: Vec<String>,
    /// The source the dataset is the same as: the DOI URL or the URL imported from.
    pub same_as: String,
    /// The tag to create after import, derived from the version
    /// ([`crate::dataset_remote::naming::tag_name`]).
    pub tag: Option<String>,
}

/// Where a dataset imported from a Renku server lives; the caller clones the project and
/// copies the dataset's files from it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenkuSource {
    /// The Renku server's base URL (`https://host[:port]`).
    pub host_url: String,
    /// `namespace/name` of the project that holds the dataset.
    pub project_path: String,
    /// The project's knowledge-graph URL.
    pub project_kg_url: String,
    /// Clone URL over HTTPS, as the knowledge graph reports it.
    pub project_url_http: Option<String>,
    /// Clone URL over SSH, as the knowledge graph reports it.
    pub project_url_ssh: Option<String>,
    /// The dataset's slug in the source project.
    pub dataset_slug: String,
    /// The identifier of the dataset version the URI named (or the latest one).
    pub dataset_identifier: String,
    /// The dataset's latest version URI (without `/knowledge-graph`), when known.
    pub latest_version_uri: Option<String>,
    /// Paths of the dataset's files in the source project, when the knowledge graph listed
    /// them.
    pub files: Vec<String>,
}

/// A dataset found at a URI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteDataset {
    /// The provider that understood the URI.
    pub provider: ProviderKind,
    /// The URI as the user gave it.
    pub uri: String,
    /// The dataset's metadata.
    pub metadata: RemoteMetadata,
    /// Files to download (empty for Renku sources, whose files come from a clone).
    pub files: Vec<RemoteFile>,
    /// URI of a newer version, when the record is not the latest one.
    pub newer_version: Option<String>,
    /// Project and dataset on a Renku server, for Renku sources.
    pub renku: Option<RenkuSource>,
}

impl RemoteDataset {
    /// Download requests for all files.
    pub fn download_requests(&self) -> Vec<crate::dataset_remote::download::DownloadRequest> {
        self.files.iter().map(RemoteFile::to_request).collect()
    }

    /// Sum of the announced file sizes (files without a size count as 0).
    pub fn total_size(&self) -> u64 {
        self.files.iter().filter_map(|f| f.size).sum()
    }
}
