//! Renku in Rust — the domain library.
//!
//! `renku_lib` holds all domain logic of the `renku` toolkit: the project model, the metadata
//! store on disk, repository access through gix, transactions and the project lock, project
//! templates and configuration. It never prints and never exits the process; every fallible
//! operation returns a typed [`Error`] that knows its command-line exit code.
//!
//! The command-line interface (`renku-cli`) is a thin layer over the functions exported here.

pub mod cloud_storage;
pub mod config;
pub mod context;
pub mod dataset;
pub mod dataset_export;
pub mod dataset_remote;
pub mod error;
pub mod exec;
pub mod githooks;
pub mod graph;
pub mod interrupt;
pub mod maintenance;
pub mod model;
pub mod platform;
pub mod project;
pub mod repo;
pub mod storage;
pub mod store;
pub mod sync;
pub mod template;
pub mod util;
pub mod workflow;
pub mod worktree;

pub use error::{Error, Result};

/// The version of this renku implementation (the crate version).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The name under which this implementation records itself as a software agent.
pub fn agent_name() -> String {
    format!("renku {VERSION}")
}
