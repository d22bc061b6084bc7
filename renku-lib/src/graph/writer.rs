//! Collecting the triples of a graph: absolute ids, typed literals in the forms the reference
//! writes and the SHACL shape accepts.

use chrono::{DateTime, FixedOffset, Utc};
use oxigraph::model::{GraphName, Literal, NamedNode, NamedNodeRef, Quad, Term};

use super::host::Host;
use super::vocab::{RDF_TYPE, xsd};

/// Accumulates the quads of an export (in the default graph).
pub struct Writer {
    host: Host,
    quads: Vec<Quad>,
}

impl Writer {
    /// An empty writer making ids absolute with `host`.
    pub fn new(host: Host) -> Writer {
        Writer {
            host,
            quads: Vec::new(),
        }
    }

    /// The host.
    pub fn host(&self) -> &Host {
        &self.host
    }

    /// The quads collected so far.
    pub fn into_quads(self) -> Vec<Quad> {
        self.quads
    }

    /// The node for a store id (made absolute).
    pub fn node(&self, id: &str) -> NamedNode {
        NamedNode::new_unchecked(self.host.absolute(id))
    }

    /// Adds one triple.
    pub fn add(&mut self, s: &NamedNode, p: NamedNodeRef<'_>, o: impl Into<Term>) {
        self.quads.push(Quad::new(
            s.clone(),
            p.into_owned(),
            o.into(),
            GraphName::DefaultGraph,
        ));
    }

    /// Adds a raw quad (annotation bodies).
    pub fn push(&mut self, quad: Quad) {
        self.quads.push(quad);
    }

    /// Adds `rdf:type` triples.
    pub fn types(&mut self, s: &NamedNode, types: &[NamedNodeRef<'_>]) {
        for t in types {
            self.add(s, RDF_TYPE, t.into_owned());
        }
    }

    /// Adds a plain string literal.
    pub fn string(&mut self, s: &NamedNode, p: NamedNodeRef<'_>, value: &str) {
        self.add(s, p, Literal::new_simple_literal(value));
    }

    /// Adds a plain string literal when there is a value.
    pub fn opt_string(&mut self, s: &NamedNode, p: NamedNodeRef<'_>, value: Option<&str>) {
        if let Some(v) = value {
            self.string(s, p, v);
        }
    }

    /// Adds a link to the node of store id `id`.
    pub fn link(&mut self, s: &NamedNode, p: NamedNodeRef<'_>, id: &str) {
        let o = self.node(id);
        self.add(s, p, o);
    }

    /// Adds a date as the plain string the shape requires.
    pub fn date(&mut self, s: &NamedNode, p: NamedNodeRef<'_>, date: &DateTime<FixedOffset>) {
        self.string(s, p, &date_text(date));
    }

    /// Adds an activity time (`xsd:dateTime`, seconds).
    pub fn date_time(&mut self, s: &NamedNode, p: NamedNodeRef<'_>, date: &DateTime<FixedOffset>) {
        self.add(
            s,
            p,
            Literal::new_typed_literal(date_text(date), xsd::DATE_TIME),
        );
    }

    /// Adds a workflow-file collection time (`xsd:dateTime`, microseconds kept).
    pub fn date_time_precise(
        &mut self,
        s: &NamedNode,
        p: NamedNodeRef<'_>,
        date: &DateTime<FixedOffset>,
    ) {
        let date = normalize_offset(date);
        let text = date.format("%Y-%m-%dT%H:%M:%S%.6f%:z").to_string();
        self.add(s, p, Literal::new_typed_literal(text, xsd::DATE_TIME));
    }

    /// Adds an integer.
    pub fn integer(&mut self, s: &NamedNode, p: NamedNodeRef<'_>, value: i64) {
        self.add(s, p, Literal::from(value));
    }

    /// Adds a boolean.
    pub fn boolean(&mut self, s: &NamedNode, p: NamedNodeRef<'_>, value: bool) {
        self.add(s, p, Literal::from(value));
    }
}

/// The offset is kept unless it is negative: the shape's date pattern requires a `+`, so
/// such dates are written in UTC (`+00:00`).
fn normalize_offset(date: &DateTime<FixedOffset>) -> DateTime<FixedOffset> {
    if date.offset().local_minus_utc() < 0 {
        date.with_timezone(&Utc).fixed_offset()
    } else {
        *date
    }
}

/// `YYYY-MM-DDTHH:MM:SS+HH:MM`: no fractional seconds, never `Z`, never a negative offset.
pub fn date_text(date: &DateTime<FixedOffset>) -> String {
    normalize_offset(date)
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// `YYYY-MM-DD` (`schema:datePublished`).
pub fn date_only_text(date: &DateTime<FixedOffset>) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// A literal for a parameter value: strings stay strings, integers become `xsd:integer`,
/// other numbers `xsd:double` (in the canonical form JSON-LD gives them), anything else
/// (booleans, null, objects) its JSON text, since the shape allows no other datatypes.
pub fn value_literal(value: &serde_json::Value) -> Literal {
    match value {
        serde_json::Value::String(s) => Literal::new_simple_literal(s),
        serde_json::Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Literal::from(i)
            } else if let Some(f) = n.as_f64() {
                Literal::new_typed_literal(canonical_double(f), xsd::DOUBLE)
            } else {
                Literal::new_simple_literal(n.to_string())
            }
        }
        other => Literal::new_simple_literal(other.to_string()),
    }
}

/// The canonical lexical form of an `xsd:double` as JSON-LD's RDF conversion writes it
/// (`1.5E0`, `1.0E1`).
pub fn canonical_double(f: f64) -> String {
    if !f.is_finite() {
        return if f.is_nan() {
            "NaN".into()
        } else if f > 0.0 {
            "INF".into()
        } else {
            "-INF".into()
        };
    }
    let text = format!("{f:E}");
    match text.split_once('E') {
        Some((mantissa, exp)) if !mantissa.contains('.') => format!("{mantissa}.0E{exp}"),
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_have_the_shape_form() {
        let d = DateTime::parse_from_rfc3339("2024-03-01T10:20:30.123456-05:00").unwrap();
        assert_eq!(date_text(&d), "2024-03-01T15:20:30+00:00");
        let d = DateTime::parse_from_rfc3339("2024-03-01T10:20:30Z").unwrap();
        assert_eq!(date_text(&d), "2024-03-01T10:20:30+00:00");
        let d = DateTime::parse_from_rfc3339("2024-03-01T10:20:30+02:00").unwrap();
        assert_eq!(date_text(&d), "2024-03-01T10:20:30+02:00");
        assert_eq!(date_only_text(&d), "2024-03-01");
    }

    #[test]
    fn values_have_allowed_datatypes() {
        assert_eq!(value_literal(&serde_json::json!(3)), Literal::from(3));
        assert_eq!(value_literal(&serde_json::json!("a")).value(), "a");
        let b = value_literal(&serde_json::json!(true));
        assert_eq!(b.datatype(), xsd::STRING);
        assert_eq!(b.value(), "true");
        assert_eq!(value_literal(&serde_json::json!(1.5)).value(), "1.5E0");
        assert_eq!(canonical_double(10.0), "1.0E1");
    }
}
