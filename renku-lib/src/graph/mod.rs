//! The project's knowledge graph: the RDF mapping of the model and `renku graph export`.
//!
//! * [`build::build_graph`] builds the graph of a whole project, or of the records written in
//!   some commits, into an in-memory oxigraph store ([`build::ProjectGraph`]). Everything that
//!   queries a project's graph starts there.
//! * [`mapping`] maps each model type to the reference's RDF types, predicates, ids and
//!   literal forms; [`writer`] holds the literal conventions (dates, numbers), [`host`] the
//!   host that makes ids absolute, [`vocab`] the vocabularies.
//! * [`serialize`] writes a graph as flattened expanded JSON-LD ([`jsonld`]), N-Triples,
//!   Turtle, RDF/XML or Graphviz dot ([`dot`]).
//! * [`shacl`] validates a graph against renku-python's SHACL shape, bundled as
//!   `renku-shacl-shape.json` (from renku-python 2.9.4, Apache License 2.0, © Swiss Data
//!   Science Center; see `SHAPE-NOTICE.md` next to it).

pub mod build;
pub mod checks;
pub mod dot;
pub mod host;
pub mod jsonld;
pub mod mapping;
pub mod query;
pub mod revision;
pub mod serialize;
pub mod shacl;
pub mod vocab;
pub mod writer;

pub use build::{ProjectGraph, Scope, build_from_store, build_graph};
pub use host::Host;
pub use oxigraph;
pub use serialize::{ExportFormat, ExportOptions, export, export_to_file, write_graph};
pub use shacl::{Violation, validate};

/// Errors of the graph module.
#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    /// The in-memory RDF store failed.
    #[error("RDF store error: {0}")]
    Store(#[from] oxigraph::store::StorageError),
    /// A SPARQL query failed.
    #[error("SPARQL query failed: {0}")]
    Query(String),
    /// The SHACL shape could not be read.
    #[error("The SHACL shape is invalid: {0}")]
    Shape(String),
    /// Writing the output failed.
    #[error("Cannot write the graph: {0}")]
    Write(#[from] std::io::Error),
    /// An unknown export format was asked for.
    #[error(
        "Invalid value for '--format': '{0}' is not one of 'json-ld', 'jsonld', 'nt', 'turtle', 'rdf', 'dot', 'dot-landscape'."
    )]
    UnknownFormat(String),
    /// The graph does not conform to the SHACL shape.
    #[error("{}", shacl::report(.0))]
    NotConforming(Vec<Violation>),
}

#[cfg(test)]
mod tests;
