//! renku-server: the hosted Renku platform as one binary over renku-lib.
//!
//! The server hosts git repositories (smart HTTP through `git http-backend`, Git LFS), keeps
//! a registry of projects and their members, validates OIDC access tokens issued by an
//! external identity provider, and serves the knowledge graph built from the projects'
//! renku metadata. Everything it needs lives under one data directory: a SQLite file for its
//! own state, bare git repositories and the knowledge graph's files. See `docs/server.md`.

pub mod api;
pub mod auth;
pub mod config;
pub mod error;
pub mod git;
pub mod kg;
pub mod metrics;
pub mod search;
pub mod server;
pub mod state;
pub mod store;

pub use config::ServerConfig;
pub use server::{RunningServer, start};
