//! Project maintenance: `renku gc`, `renku doctor`, `renku rollback`.

pub mod doctor;
pub mod gc;
pub mod rollback;
