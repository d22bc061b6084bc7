//! Readers for the metadata formats renku-python writes, used by `renku migrate`
//! (`docs/architecture.md`, "store::legacy").

pub mod database;
pub mod dataset_dates;
pub mod objectdb;
pub mod v9_fixes;
pub mod yaml;
