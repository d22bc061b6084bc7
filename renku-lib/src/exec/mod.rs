//! Staleness and re-execution: the activity graph, `status`, `update`/`rerun` planning, the
//! local executor and reproducibility checks (`rerun --check`) (DESIGN.md §5), and lineage and
//! its drawings (`workflow visualize`).

pub mod current;
pub mod cwl;
pub mod execute;
pub mod executor;
pub mod graph;
pub mod iterate;
pub mod lineage;
pub mod revert;
pub mod status;
pub mod update;
pub mod verify;
pub mod visualize;
