//! Git hosting: bare repositories on disk, smart HTTP through `git http-backend`, and the
//! Git LFS batch API with its object transfers.

pub mod http_backend;
pub mod lfs;
pub mod repos;
pub mod routes;
