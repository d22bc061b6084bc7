//! Integration tests of renku-server: the real server on 127.0.0.1, real HTTP, real `git`
//! and `git-lfs`, and tokens from a test identity provider.

mod auth;
mod git;
mod kg;
mod kg_access;
mod kg_index;
mod projects;
mod renku_project;
mod support;
mod tls;
