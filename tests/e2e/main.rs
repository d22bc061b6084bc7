//! End-to-end tests: run the real `renku` binary in temporary directories with real git.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;
mod compat;
mod compose;
mod config;
mod crash;
mod dataset;
mod dataset_export;
mod dataset_import;
mod dataset_storage;
mod export;
mod githooks;
mod global;
mod graph;
mod hosted;
mod init;
mod isolation;
mod iterate;
mod lfs;
mod lfs_commands;
mod lock;
mod login;
mod maintenance;
mod migrate;
mod migrate_yaml;
mod mv_rm;
mod oidc;
mod platform;
mod platform_access;
mod platform_reference;
mod project;
mod providers;
mod run;
mod sync;
mod template;
mod update;
mod verify;
mod visualize;
mod workflow_file;
