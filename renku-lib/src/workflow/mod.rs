//! Recording work: `renku run` (argument classification, input and output detection) and
//! the plan and activity queries behind `renku workflow` and `renku log`.

pub mod arguments;
pub mod compose;
pub mod composite;
pub mod cwl;
pub mod describe;
pub mod export;
pub mod file;
pub mod file_run;
pub mod isolation;
pub mod log;
pub mod manage;
pub mod query;
pub mod run;
