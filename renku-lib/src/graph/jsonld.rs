//! Flattened, expanded JSON-LD as the reference writes it: an array of node objects sorted by
//! `@id`, no `@context`, every key a full IRI, every value an array of `{"@id": …}` or
//! `{"@value": …}` objects. Written node by node from the store.

use std::collections::BTreeMap;
use std::io::Write;

use oxigraph::model::{Literal, NamedOrBlankNode, NamedOrBlankNodeRef, Term, TermRef};
use oxigraph::store::Store as RdfStore;
use serde_json::{Value, json};

use super::GraphError;
use super::vocab::{RDF_TYPE, xsd};

/// Writes the JSON-LD of `store` to `out`, pretty-printed with two-space indentation like the
/// reference (or compact, one line, with `indent` false).
pub fn write_json_ld(
    store: &RdfStore,
    out: &mut dyn Write,
    indent: bool,
) -> Result<(), GraphError> {
    let subjects = sorted_subjects(store)?;
    out.write_all(b"[")?;
    for (i, subject) in subjects.iter().enumerate() {
        let node = node_object(store, subject.as_ref())?;
        if i > 0 {
            out.write_all(b",")?;
        }
        if indent {
            out.write_all(b"\n")?;
            let text = serde_json::to_string_pretty(&node).map_err(std::io::Error::other)?;
            for (n, line) in text.lines().enumerate() {
                if n > 0 {
                    out.write_all(b"\n")?;
                }
                out.write_all(b"  ")?;
                out.write_all(line.as_bytes())?;
            }
        } else {
            serde_json::to_writer(&mut *out, &node).map_err(std::io::Error::other)?;
        }
    }
    if indent && !subjects.is_empty() {
        out.write_all(b"\n")?;
    }
    out.write_all(b"]")?;
    if indent {
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// The JSON-LD of `store` as one value (for tests and callers that want the document).
pub fn to_json_ld(store: &RdfStore) -> Result<Value, GraphError> {
    let mut nodes = Vec::new();
    for subject in sorted_subjects(store)? {
        nodes.push(
            serde_json::to_value(node_object(store, subject.as_ref())?)
                .map_err(std::io::Error::other)?,
        );
    }
    Ok(Value::Array(nodes))
}

/// Every subject of the store, sorted by its id as JSON-LD writes it.
fn sorted_subjects(store: &RdfStore) -> Result<Vec<NamedOrBlankNode>, GraphError> {
    let mut subjects: Vec<NamedOrBlankNode> = Vec::new();
    let mut last: Option<NamedOrBlankNode> = None;
    for quad in store.iter() {
        let quad = quad?;
        if last.as_ref() != Some(&quad.subject) {
            last = Some(quad.subject.clone());
            subjects.push(quad.subject);
        }
    }
    subjects.sort_by_key(node_id);
    subjects.dedup();
    Ok(subjects)
}

fn node_id(n: &NamedOrBlankNode) -> String {
    match n {
        NamedOrBlankNode::NamedNode(n) => n.as_str().to_string(),
        NamedOrBlankNode::BlankNode(b) => format!("_:{}", b.as_str()),
    }
}

fn node_object(
    store: &RdfStore,
    subject: NamedOrBlankNodeRef<'_>,
) -> Result<BTreeMap<String, Value>, GraphError> {
    let mut types: Vec<String> = Vec::new();
    let mut props: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for quad in store.quads_for_pattern(Some(subject), None, None, None) {
        let quad = quad?;
        if quad.predicate.as_ref() == RDF_TYPE
            && let Term::NamedNode(t) = &quad.object
        {
            types.push(t.as_str().to_string());
            continue;
        }
        props
            .entry(quad.predicate.as_str().to_string())
            .or_default()
            .push(value_object(quad.object.as_ref()));
    }
    let mut node = BTreeMap::new();
    node.insert(
        "@id".to_string(),
        Value::String(node_id(&subject.into_owned())),
    );
    if !types.is_empty() {
        types.sort();
        types.dedup();
        node.insert(
            "@type".to_string(),
            Value::Array(types.into_iter().map(Value::String).collect()),
        );
    }
    for (p, mut values) in props {
        values.sort_by_key(|v| v.to_string());
        node.insert(p, Value::Array(values));
    }
    Ok(node)
}

/// `{"@id": …}` for nodes; `{"@value": …}` for literals, with native JSON numbers and
/// booleans for `xsd:integer`, `xsd:double` and `xsd:boolean`, `@type` for other datatypes.
fn value_object(term: TermRef<'_>) -> Value {
    match term {
        TermRef::NamedNode(n) => json!({"@id": n.as_str()}),
        TermRef::BlankNode(b) => json!({"@id": format!("_:{}", b.as_str())}),
        TermRef::Literal(l) => literal_object(&l.into_owned()),
        #[allow(unreachable_patterns)]
        _ => json!({"@value": term.to_string()}),
    }
}

fn literal_object(l: &Literal) -> Value {
    if let Some(fixed) = super::serialize::reference_time_form(l) {
        return json!({"@type": fixed.datatype().as_str(), "@value": fixed.value()});
    }
    if let Some(lang) = l.language() {
        return json!({"@value": l.value(), "@language": lang});
    }
    let dt = l.datatype();
    if dt == xsd::STRING {
        return json!({"@value": l.value()});
    }
    if dt == xsd::INTEGER
        && let Ok(i) = l.value().parse::<i64>()
    {
        return json!({"@value": i});
    }
    if dt == xsd::BOOLEAN {
        match l.value() {
            "true" | "1" => return json!({"@value": true}),
            "false" | "0" => return json!({"@value": false}),
            _ => {}
        }
    }
    if dt == xsd::DOUBLE
        && let Ok(f) = l.value().parse::<f64>()
        && let Some(n) = serde_json::Number::from_f64(f)
    {
        return json!({"@value": Value::Number(n)});
    }
    json!({"@type": dt.as_str(), "@value": l.value()})
}
