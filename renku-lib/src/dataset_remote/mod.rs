//! The remote side of `renku dataset import` and `renku dataset add URL`.
//!
//! * [`providers`] turns a URI (a DOI, a Zenodo record, a Dataverse dataset, a dataset on a
//!   Renku server, a plain web URL) into a [`RemoteDataset`]: its metadata and the files to
//!   fetch. No file content is fetched there.
//! * [`download`] streams files to temporary files next to their destination, in parallel,
//!   checks free disk space, sizes and checksums, and moves them into place only when every
//!   file of the call arrived intact.
//! * [`archive`] unpacks zip and tar archives (`dataset import -x`), refusing entries that
//!   would land outside the destination.
//!
//! Network endpoints come from [`ProviderSettings`], so tests (and users of sandboxes or
//! mirrors) can point the providers at another server.

pub mod archive;
pub mod download;
pub mod error;
pub mod http;
pub mod model;
pub mod naming;
pub mod providers;
pub mod settings;

pub use error::RemoteError;
pub use model::{
    Checksum, ChecksumAlgorithm, ProviderKind, RemoteDataset, RemoteFile, RemoteMetadata,
    RenkuSource,
};
pub use settings::{ProviderSettings, TokenSource};
