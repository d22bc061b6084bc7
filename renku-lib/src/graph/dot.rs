//! Graphviz dot output of a graph, drawn like the reference's: one table per node with its
//! types and literal properties, one labelled edge per link between nodes.

use std::collections::BTreeMap;
use std::io::Write;

use oxigraph::model::{NamedOrBlankNode, Term};
use oxigraph::store::Store as RdfStore;

use super::GraphError;
use super::vocab::{RDF_TYPE, abbreviate};

/// Writes `store` as a dot digraph; `landscape` lays it out left to right.
pub fn write_dot(store: &RdfStore, out: &mut dyn Write, landscape: bool) -> Result<(), GraphError> {
    let mut ids: BTreeMap<String, usize> = BTreeMap::new();
    let mut rows: BTreeMap<usize, Vec<(String, String, bool)>> = BTreeMap::new();
    let mut edges: Vec<(usize, usize, String)> = Vec::new();
    let id_of = |n: String, ids: &mut BTreeMap<String, usize>| -> usize {
        let next = ids.len();
        *ids.entry(n).or_insert(next)
    };
    for quad in store.iter() {
        let quad = quad?;
        let s = id_of(term_text(&quad.subject), &mut ids);
        rows.entry(s).or_default();
        let p = abbreviate(quad.predicate.as_str());
        match &quad.object {
            Term::NamedNode(t) if quad.predicate.as_ref() == RDF_TYPE => {
                rows.entry(s)
                    .or_default()
                    .push(("rdf:type".into(), t.as_str().to_string(), true));
            }
            Term::NamedNode(n) => {
                let o = id_of(n.as_str().to_string(), &mut ids);
                edges.push((s, o, p));
            }
            Term::BlankNode(b) => {
                let o = id_of(format!("_:{}", b.as_str()), &mut ids);
                edges.push((s, o, p));
            }
            Term::Literal(l) => {
                let text = if l.datatype() == super::vocab::xsd::STRING && l.language().is_none() {
                    format!("\"{}\"", l.value())
                } else {
                    format!("\"{}\"^^{}", l.value(), abbreviate(l.datatype().as_str()))
                };
                rows.entry(s).or_default().push((p, text, false));
            }
            #[allow(unreachable_patterns)]
            _ => {}
        }
    }
    writeln!(out, "digraph {{ ")?;
    writeln!(out, " node [ fontname=\"DejaVu Sans\" ] ; ")?;
    if landscape {
        writeln!(out, " rankdir=\"LR\" ")?;
    }
    for (s, o, p) in &edges {
        writeln!(
            out,
            "\tnode{s} -> node{o} [ color=BLACK, label=< <font point-size=\"12\" color=\"#336633\">{}</font> > ] ;",
            escape(p)
        )?;
    }
    let names: BTreeMap<usize, &String> = ids.iter().map(|(k, v)| (*v, k)).collect();
    for (n, name) in names {
        let mut node_rows = rows.remove(&n).unwrap_or_default();
        node_rows.sort_by(|a, b| (!a.2, &a.0, &a.1).cmp(&(!b.2, &b.0, &b.1)));
        writeln!(out, "# {name} node{n}")?;
        let mut table = format!(
            "<table color=\"#666666\" cellborder=\"0\" cellspacing=\"0\" border=\"1\"><tr><td colspan=\"2\" bgcolor=\"grey\"><B>{}</B></td></tr><tr><td href=\"{}\" bgcolor=\"#eeeeee\" colspan=\"2\"><font point-size=\"12\" color=\"#6666ff\">{}</font></td></tr>",
            escape(label(name)),
            escape(name),
            escape(name)
        );
        for (p, v, bold) in node_rows {
            if bold {
                table.push_str(&format!(
                    "<tr><td align=\"left\"><b>{}</b></td><td align=\"left\"><b>{}</b></td></tr>",
                    escape(&p),
                    escape(&v)
                ));
            } else {
                table.push_str(&format!(
                    "<tr><td align=\"left\">{}</td><td align=\"left\">{}</td></tr>",
                    escape(&p),
                    escape(&v)
                ));
            }
        }
        table.push_str("</table>");
        writeln!(
            out,
            "node{n} [ shape=none, color=black label=< {table} > ] "
        )?;
    }
    writeln!(out, "}}")?;
    Ok(())
}

fn term_text(n: &NamedOrBlankNode) -> String {
    match n {
        NamedOrBlankNode::NamedNode(n) => n.as_str().to_string(),
        NamedOrBlankNode::BlankNode(b) => format!("_:{}", b.as_str()),
    }
}

/// The last segment of an IRI (`…/inputs/1` → `1`).
fn label(iri: &str) -> &str {
    iri.trim_end_matches(['/', '#'])
        .rsplit(['/', '#'])
        .next()
        .unwrap_or(iri)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
