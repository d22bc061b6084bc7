//! Plain domain types (serde, no I/O).

pub mod activity;
pub mod activity_collection;
pub mod annotation;
pub mod composite;
pub mod dataset;
pub mod image;
pub mod person;
pub mod plan;
pub mod project;

pub use activity::{Activity, Entity, Generation, ParameterValue, SoftwareAgent, Usage};
pub use activity_collection::{ActivityCollection, WorkflowFileActivityCollection};
pub use annotation::Annotation;
pub use composite::{ParameterLink, ParameterMapping, ParameterRef};
pub use dataset::{Dataset, DatasetFile, DatasetTag, ImportSource, Language, RemoteEntity, Url};
pub use image::ImageObject;
pub use person::Person;
pub use plan::{CommandParameter, ParameterKind, Plan, Stream};
pub use project::{Project, TemplateMetadata};
