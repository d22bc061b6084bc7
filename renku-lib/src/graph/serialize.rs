//! Writing a graph in one of the export formats, and the `graph export` operation.

use std::io::Write;
use std::str::FromStr;

use oxigraph::io::{RdfFormat, RdfSerializer};
use oxigraph::model::{Literal, Term};
use oxigraph::store::Store as RdfStore;

use super::build::{ProjectGraph, Scope, build_graph};
use super::{GraphError, shacl, vocab};
use crate::Result;
use crate::repo::ProjectDir;

/// The output formats of `graph export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExportFormat {
    /// Flattened, expanded JSON-LD (the default, as in the reference).
    #[default]
    JsonLd,
    /// N-Triples.
    NTriples,
    /// Turtle.
    Turtle,
    /// RDF/XML.
    RdfXml,
    /// Graphviz dot, top to bottom.
    Dot,
    /// Graphviz dot, left to right.
    DotLandscape,
}

impl FromStr for ExportFormat {
    type Err = GraphError;

    /// Parses a format name, case-insensitively (`jsonld`, `json-ld`, `nt`, `turtle`, `rdf`,
    /// `dot`, `dot-landscape`).
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "jsonld" | "json-ld" => Ok(ExportFormat::JsonLd),
            "nt" | "ntriples" | "n-triples" => Ok(ExportFormat::NTriples),
            "turtle" | "ttl" => Ok(ExportFormat::Turtle),
            "rdf" | "xml" | "rdfxml" => Ok(ExportFormat::RdfXml),
            "dot" => Ok(ExportFormat::Dot),
            "dot-landscape" => Ok(ExportFormat::DotLandscape),
            _ => Err(GraphError::UnknownFormat(s.to_string())),
        }
    }
}

/// Writes `store` to `out` in `format` (JSON-LD pretty-printed unless `indent` is false).
pub fn write_graph(
    store: &RdfStore,
    format: ExportFormat,
    indent: bool,
    out: &mut dyn Write,
) -> std::result::Result<(), GraphError> {
    let rdf_format = match format {
        ExportFormat::JsonLd => return super::jsonld::write_json_ld(store, out, indent),
        ExportFormat::Dot => return super::dot::write_dot(store, out, false),
        ExportFormat::DotLandscape => return super::dot::write_dot(store, out, true),
        ExportFormat::NTriples => RdfFormat::NTriples,
        ExportFormat::Turtle => RdfFormat::Turtle,
        ExportFormat::RdfXml => RdfFormat::RdfXml,
    };
    let mut serializer = RdfSerializer::from_format(rdf_format);
    if rdf_format != RdfFormat::NTriples {
        for (prefix, ns) in vocab::PREFIXES {
            serializer = serializer
                .with_prefix(*prefix, *ns)
                .map_err(|e| GraphError::Shape(e.to_string()))?;
        }
    }
    let mut writer = serializer.for_writer(out);
    for quad in store.iter() {
        let mut quad = quad?;
        if let Term::Literal(l) = &quad.object
            && let Some(fixed) = reference_time_form(l)
        {
            quad.object = Term::Literal(fixed);
        }
        writer.serialize_triple(quad.as_ref())?;
    }
    writer.finish()?;
    Ok(())
}

/// The store gives `xsd:dateTime` values back in canonical form: UTC as `Z`, trailing zeros
/// of the fraction dropped. renku-python (and the shape's date pattern) write `+00:00` and
/// six fraction digits. Returns the literal in that form when it differs.
pub(crate) fn reference_time_form(l: &Literal) -> Option<Literal> {
    if l.datatype() != vocab::xsd::DATE_TIME {
        return None;
    }
    let value = l.value();
    let mut text = match value.strip_suffix('Z') {
        Some(rest) => format!("{rest}+00:00"),
        None => value.to_string(),
    };
    if let Some(dot) = text.find('.') {
        let digits = text[dot + 1..]
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count();
        if digits < 6 {
            text.insert_str(dot + 1 + digits, &"0".repeat(6 - digits));
        }
    }
    (text != value).then(|| Literal::new_typed_literal(text, vocab::xsd::DATE_TIME))
}

/// Options of `graph export`.
#[derive(Debug, Clone, Default)]
pub struct ExportOptions {
    /// What to export.
    pub scope: Scope,
    /// Output format.
    pub format: ExportFormat,
    /// Validate against the SHACL shape first and fail with its violations.
    pub strict: bool,
    /// Pretty-print JSON-LD.
    pub indent: bool,
}

/// `renku graph export`: builds the graph of `project`, validates it when `strict` (failing
/// with [`GraphError::NotConforming`] and writing nothing), then writes it to `out`.
pub fn export(
    project: &ProjectDir,
    opts: &ExportOptions,
    out: &mut dyn Write,
) -> Result<ProjectGraph> {
    let graph = build_graph(project, &opts.scope)?;
    if opts.strict {
        let violations = shacl::validate(&graph.store)?;
        if !violations.is_empty() {
            return Err(GraphError::NotConforming(violations).into());
        }
    }
    write_graph(&graph.store, opts.format, opts.indent, out)?;
    out.flush().map_err(GraphError::from)?;
    Ok(graph)
}

/// Like [`export`], writing to the file at `path`: the output goes to a temporary file next
/// to it, which replaces `path` only once the export succeeded.
pub fn export_to_file(
    project: &ProjectDir,
    opts: &ExportOptions,
    path: &std::path::Path,
) -> Result<ProjectGraph> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let tmp = tempfile::NamedTempFile::new_in(&dir)
        .map_err(|e| crate::Error::io(format!("Cannot write to {}", dir.display()), e))?;
    let graph = {
        let mut out = std::io::BufWriter::new(tmp.as_file());
        export(project, opts, &mut out)?
    };
    tmp.persist(path)
        .map_err(|e| crate::Error::io(format!("Cannot write {}", path.display()), e.error))?;
    Ok(graph)
}

#[cfg(test)]
mod time_form_tests {
    use super::*;

    #[test]
    fn times_are_written_as_the_reference_writes_them() {
        let t = |v: &str| Literal::new_typed_literal(v, vocab::xsd::DATE_TIME);
        let fixed = |v: &str| reference_time_form(&t(v)).map(|l| l.value().to_string());
        assert_eq!(
            fixed("2026-12-01T17:07:14Z").as_deref(),
            Some("2026-12-01T17:07:14+00:00")
        );
        assert_eq!(
            fixed("2026-12-01T17:36:09.19686Z").as_deref(),
            Some("2026-12-01T17:36:09.196860+00:00")
        );
        assert_eq!(fixed("2026-12-01T17:07:14+01:00"), None);
        assert_eq!(fixed("2026-12-01T17:07:14.123456+01:00"), None);
        let plain = Literal::new_simple_literal("2026-12-01T17:07:14Z");
        assert!(reference_time_form(&plain).is_none());
    }
}
