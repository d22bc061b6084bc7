//! Plain domain types (serde, no I/O).

pub mod annotation;
pub mod image;
pub mod person;
pub mod project;

pub use annotation::Annotation;
pub use image::ImageObject;
pub use person::Person;
pub use project::{Project, TemplateMetadata};
