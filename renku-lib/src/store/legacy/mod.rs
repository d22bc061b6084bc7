//! Readers for the metadata formats renku-python writes, used by `renku migrate`
//! (`docs/renku-python-formats.md`).

pub mod database;
pub mod objectdb;
