//! SHACL validation of a graph against renku-python's shape (`renku-shacl-shape.json`,
//! bundled; see `SHAPE-NOTICE.md`), with the semantics pyshacl gives it: node shapes with
//! class and SPARQL targets, closed shapes, property shapes on predicate and inverse paths,
//! and the constraints the shape uses (`sh:class`, `sh:datatype`, `sh:nodeKind`,
//! `sh:minCount`, `sh:maxCount`, `sh:pattern` with `sh:flags`, `sh:in`, `sh:minInclusive`,
//! `sh:or`, SPARQL constraints). `sh:moreThanOrEquals` is not SHACL Core and, as in pyshacl,
//! has no effect. The shape graph holds no class hierarchy, so RDFS inference adds nothing
//! to `sh:class` checks beyond `rdfs:subClassOf` triples of the data, which are followed.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use oxigraph::io::{JsonLdProfileSet, RdfFormat};
use oxigraph::model::{
    Literal, NamedNode, NamedNodeRef, NamedOrBlankNode, NamedOrBlankNodeRef, Term, TermRef,
    Variable,
};
use oxigraph::sparql::{QueryResults, SparqlEvaluator};
use oxigraph::store::Store as RdfStore;
use regex::Regex;

use super::GraphError;
use super::vocab::{RDF, RDF_TYPE, RDFS, SH, abbreviate, xsd};

/// The bundled shape (renku-python 2.9.4, Apache-2.0).
pub const SHAPE_JSON: &str = include_str!("renku-shacl-shape.json");

/// One SHACL violation.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Violation {
    /// The node that violates the shape.
    pub focus: String,
    /// The property path, when a property shape was violated (`schema:name`, `^prov:x`).
    pub path: Option<String>,
    /// The SHACL constraint component (`MinCountConstraintComponent`, …).
    pub component: String,
    /// The offending value, if any.
    pub value: Option<String>,
    /// What is wrong.
    pub message: String,
}

/// A readable report of `violations` in the style of pyshacl's.
pub fn report(violations: &[Violation]) -> String {
    let mut out = format!(
        "The graph does not conform to the SHACL shape.\nValidation Report\nConforms: False\nResults ({}):",
        violations.len()
    );
    for v in violations {
        out.push_str(&format!(
            "\nConstraint Violation in {}:\n\tSeverity: sh:Violation\n\tFocus Node: {}",
            v.component, v.focus
        ));
        if let Some(p) = &v.path {
            out.push_str(&format!("\n\tResult Path: {p}"));
        }
        if let Some(value) = &v.value {
            out.push_str(&format!("\n\tValue Node: {value}"));
        }
        out.push_str(&format!("\n\tMessage: {}", v.message));
    }
    out
}

#[derive(Debug, Clone)]
enum Path {
    Predicate(NamedNode),
    Inverse(NamedNode),
}

impl Path {
    fn text(&self) -> String {
        match self {
            Path::Predicate(p) => abbreviate(p.as_str()),
            Path::Inverse(p) => format!("^{}", abbreviate(p.as_str())),
        }
    }
}

#[derive(Debug, Clone)]
enum Constraint {
    Class(NamedNode),
    Datatype(NamedNode),
    NodeKind(NamedNode),
    Pattern(Regex, String),
    In(Vec<Term>),
    MinInclusive(f64),
    Or(Vec<Vec<Constraint>>),
}

#[derive(Debug, Clone)]
struct PropertyShape {
    path: Path,
    min: Option<u64>,
    max: Option<u64>,
    constraints: Vec<Constraint>,
}

#[derive(Debug, Clone)]
struct SparqlConstraint {
    query: String,
    message: String,
}

#[derive(Debug, Clone)]
enum Target {
    Class(NamedNode),
    Select(String),
}

#[derive(Debug, Clone)]
struct NodeShape {
    targets: Vec<Target>,
    closed: bool,
    ignored: Vec<NamedNode>,
    properties: Vec<PropertyShape>,
    sparql: Vec<SparqlConstraint>,
}

fn sh(local: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{SH}{local}"))
}

struct ShapeGraph {
    store: RdfStore,
}

impl ShapeGraph {
    fn objects(&self, s: NamedOrBlankNodeRef<'_>, p: &NamedNode) -> Result<Vec<Term>, GraphError> {
        let mut out = Vec::new();
        for q in self
            .store
            .quads_for_pattern(Some(s), Some(p.as_ref()), None, None)
        {
            out.push(q?.object);
        }
        Ok(out)
    }

    fn object(
        &self,
        s: NamedOrBlankNodeRef<'_>,
        p: &NamedNode,
    ) -> Result<Option<Term>, GraphError> {
        Ok(self.objects(s, p)?.into_iter().next())
    }

    fn list(&self, head: &Term) -> Result<Vec<Term>, GraphError> {
        let first = NamedNode::new_unchecked(format!("{RDF}first"));
        let rest = NamedNode::new_unchecked(format!("{RDF}rest"));
        let nil = format!("{RDF}nil");
        let mut out = Vec::new();
        let mut cur = head.clone();
        for _ in 0..10_000 {
            let node = match &cur {
                Term::NamedNode(n) if n.as_str() == nil => break,
                Term::NamedNode(n) => NamedOrBlankNode::from(n.clone()),
                Term::BlankNode(b) => NamedOrBlankNode::from(b.clone()),
                _ => return Err(GraphError::Shape("a list is a literal".into())),
            };
            if let Some(v) = self.object(node.as_ref(), &first)? {
                out.push(v);
            }
            match self.object(node.as_ref(), &rest)? {
                Some(next) => cur = next,
                None => break,
            }
        }
        Ok(out)
    }

    fn prefixes(&self, s: NamedOrBlankNodeRef<'_>) -> Result<String, GraphError> {
        let mut out = String::new();
        for p in self.objects(s, &sh("prefixes"))? {
            let Some(node) = as_node(&p) else { continue };
            for decl in self.objects(node.as_ref(), &sh("declare"))? {
                let Some(decl) = as_node(&decl) else { continue };
                let prefix = self.object(decl.as_ref(), &sh("prefix"))?;
                let ns = self.object(decl.as_ref(), &sh("namespace"))?;
                if let (Some(Term::Literal(prefix)), Some(Term::Literal(ns))) = (prefix, ns) {
                    out.push_str(&format!("PREFIX {}: <{}>\n", prefix.value(), ns.value()));
                }
            }
        }
        Ok(out)
    }

    fn constraints(&self, s: NamedOrBlankNodeRef<'_>) -> Result<Vec<Constraint>, GraphError> {
        let mut out = Vec::new();
        for c in self.objects(s, &sh("class"))? {
            if let Term::NamedNode(n) = c {
                out.push(Constraint::Class(n));
            }
        }
        for c in self.objects(s, &sh("datatype"))? {
            if let Term::NamedNode(n) = c {
                out.push(Constraint::Datatype(n));
            }
        }
        for c in self.objects(s, &sh("nodeKind"))? {
            if let Term::NamedNode(n) = c {
                out.push(Constraint::NodeKind(n));
            }
        }
        let flags = match self.object(s, &sh("flags"))? {
            Some(Term::Literal(l)) => l.value().to_string(),
            _ => String::new(),
        };
        for c in self.objects(s, &sh("pattern"))? {
            if let Term::Literal(l) = c {
                let source = if flags.contains('i') {
                    format!("(?i){}", l.value())
                } else {
                    l.value().to_string()
                };
                let re = Regex::new(&source)
                    .map_err(|e| GraphError::Shape(format!("pattern {}: {e}", l.value())))?;
                out.push(Constraint::Pattern(re, l.value().to_string()));
            }
        }
        for c in self.objects(s, &sh("in"))? {
            out.push(Constraint::In(self.list(&c)?));
        }
        for c in self.objects(s, &sh("minInclusive"))? {
            if let Term::Literal(l) = c
                && let Ok(v) = l.value().parse::<f64>()
            {
                out.push(Constraint::MinInclusive(v));
            }
        }
        for c in self.objects(s, &sh("or"))? {
            let mut alternatives = Vec::new();
            for alt in self.list(&c)? {
                let Some(node) = as_node(&alt) else { continue };
                alternatives.push(self.constraints(node.as_ref())?);
            }
            out.push(Constraint::Or(alternatives));
        }
        Ok(out)
    }

    fn count(&self, s: NamedOrBlankNodeRef<'_>, p: &str) -> Result<Option<u64>, GraphError> {
        Ok(match self.object(s, &sh(p))? {
            Some(Term::Literal(l)) => l.value().parse().ok(),
            _ => None,
        })
    }

    fn property(&self, s: NamedOrBlankNodeRef<'_>) -> Result<Option<PropertyShape>, GraphError> {
        let path = match self.object(s, &sh("path"))? {
            Some(Term::NamedNode(p)) => Path::Predicate(p),
            Some(Term::BlankNode(b)) => match self.object(b.as_ref().into(), &sh("inversePath"))? {
                Some(Term::NamedNode(p)) => Path::Inverse(p),
                _ => return Err(GraphError::Shape("unsupported property path".into())),
            },
            _ => return Ok(None),
        };
        Ok(Some(PropertyShape {
            path,
            min: self.count(s, "minCount")?,
            max: self.count(s, "maxCount")?,
            constraints: self.constraints(s)?,
        }))
    }

    fn node_shapes(&self) -> Result<Vec<NodeShape>, GraphError> {
        let node_shape = sh("NodeShape");
        let mut shapes = Vec::new();
        let subjects: Vec<NamedOrBlankNode> = self
            .store
            .quads_for_pattern(None, Some(RDF_TYPE), Some(node_shape.as_ref().into()), None)
            .map(|q| q.map(|q| q.subject))
            .collect::<Result<_, _>>()?;
        for s in subjects {
            let s = s.as_ref();
            let mut targets = Vec::new();
            for t in self.objects(s, &sh("targetClass"))? {
                if let Term::NamedNode(n) = t {
                    targets.push(Target::Class(n));
                }
            }
            for t in self.objects(s, &sh("target"))? {
                let Some(node) = as_node(&t) else { continue };
                if let Some(Term::Literal(q)) = self.object(node.as_ref(), &sh("select"))? {
                    let prefixes = self.prefixes(node.as_ref())?;
                    targets.push(Target::Select(format!("{prefixes}{}", q.value())));
                }
            }
            let closed = matches!(self.object(s, &sh("closed"))?, Some(Term::Literal(l)) if l.value() == "true");
            let mut ignored = Vec::new();
            for head in self.objects(s, &sh("ignoredProperties"))? {
                for t in self.list(&head)? {
                    if let Term::NamedNode(n) = t {
                        ignored.push(n);
                    }
                }
            }
            let mut properties = Vec::new();
            for p in self.objects(s, &sh("property"))? {
                let Some(node) = as_node(&p) else { continue };
                if let Some(prop) = self.property(node.as_ref())? {
                    properties.push(prop);
                }
            }
            let mut sparql = Vec::new();
            for c in self.objects(s, &sh("sparql"))? {
                let Some(node) = as_node(&c) else { continue };
                if let Some(Term::Literal(q)) = self.object(node.as_ref(), &sh("select"))? {
                    let prefixes = self.prefixes(node.as_ref())?;
                    let message = match self.object(node.as_ref(), &sh("message"))? {
                        Some(Term::Literal(m)) => m.value().to_string(),
                        _ => "SPARQL constraint violated".into(),
                    };
                    sparql.push(SparqlConstraint {
                        query: format!("{prefixes}{}", q.value()),
                        message,
                    });
                }
            }
            shapes.push(NodeShape {
                targets,
                closed,
                ignored,
                properties,
                sparql,
            });
        }
        Ok(shapes)
    }
}

fn as_node(t: &Term) -> Option<NamedOrBlankNode> {
    match t {
        Term::NamedNode(n) => Some(n.clone().into()),
        Term::BlankNode(b) => Some(b.clone().into()),
        _ => None,
    }
}

fn shapes() -> Result<&'static Vec<NodeShape>, GraphError> {
    static SHAPES: OnceLock<Result<Vec<NodeShape>, String>> = OnceLock::new();
    SHAPES
        .get_or_init(|| load_shapes(SHAPE_JSON).map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| GraphError::Shape(e.clone()))
}

fn load_shapes(json: &str) -> Result<Vec<NodeShape>, GraphError> {
    let store = RdfStore::new()?;
    store
        .load_from_reader(
            RdfFormat::JsonLd {
                profile: JsonLdProfileSet::empty(),
            },
            json.as_bytes(),
        )
        .map_err(|e| GraphError::Shape(e.to_string()))?;
    ShapeGraph { store }.node_shapes()
}

/// Validates `data` against the bundled shape; an empty list means it conforms.
pub fn validate(data: &RdfStore) -> Result<Vec<Violation>, GraphError> {
    let mut out = Vec::new();
    let v = Validator { data };
    for shape in shapes()? {
        for focus in v.focus_nodes(shape)? {
            v.check(shape, &focus, &mut out)?;
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

struct Validator<'a> {
    data: &'a RdfStore,
}

fn term_text(t: TermRef<'_>) -> String {
    match t {
        TermRef::NamedNode(n) => format!("<{}>", n.as_str()),
        other => other.to_string(),
    }
}

impl Validator<'_> {
    fn select(
        &self,
        query: &str,
        this: Option<&NamedOrBlankNode>,
    ) -> Result<Vec<Term>, GraphError> {
        let prepared = SparqlEvaluator::new()
            .parse_query(query)
            .map_err(|e| GraphError::Query(e.to_string()))?;
        let mut bound = prepared.on_store(self.data);
        let var = Variable::new_unchecked("this");
        if let Some(t) = this {
            bound = bound.substitute_variable(var.clone(), Term::from(t.clone()));
        }
        let mut out = Vec::new();
        match bound
            .execute()
            .map_err(|e| GraphError::Query(e.to_string()))?
        {
            QueryResults::Solutions(solutions) => {
                for s in solutions {
                    let s = s.map_err(|e| GraphError::Query(e.to_string()))?;
                    match s.get(&var) {
                        Some(t) => out.push(t.clone()),
                        None => {
                            if let Some(t) = this {
                                out.push(Term::from(t.clone()));
                            }
                        }
                    }
                }
            }
            _ => return Err(GraphError::Query("a SHACL query must be a SELECT".into())),
        }
        Ok(out)
    }

    fn focus_nodes(&self, shape: &NodeShape) -> Result<Vec<NamedOrBlankNode>, GraphError> {
        let mut out: BTreeSet<String> = BTreeSet::new();
        let mut nodes = Vec::new();
        let mut push = |n: NamedOrBlankNode, nodes: &mut Vec<NamedOrBlankNode>| {
            if out.insert(n.to_string()) {
                nodes.push(n);
            }
        };
        for t in &shape.targets {
            match t {
                Target::Class(c) => {
                    for class in self.subclasses(c)? {
                        for q in self.data.quads_for_pattern(
                            None,
                            Some(RDF_TYPE),
                            Some(class.as_ref().into()),
                            None,
                        ) {
                            push(q?.subject, &mut nodes);
                        }
                    }
                }
                Target::Select(query) => {
                    for t in self.select(query, None)? {
                        if let Some(n) = as_node(&t) {
                            push(n, &mut nodes);
                        }
                    }
                }
            }
        }
        Ok(nodes)
    }

    /// `class` and every class declared (in the data) to be a subclass of it.
    fn subclasses(&self, class: &NamedNode) -> Result<Vec<NamedNode>, GraphError> {
        let sub = NamedNode::new_unchecked(format!("{RDFS}subClassOf"));
        let mut out = vec![class.clone()];
        let mut i = 0;
        while i < out.len() && out.len() < 1000 {
            let current = out[i].clone();
            for q in self.data.quads_for_pattern(
                None,
                Some(sub.as_ref()),
                Some(current.as_ref().into()),
                None,
            ) {
                if let NamedOrBlankNode::NamedNode(n) = q?.subject
                    && !out.contains(&n)
                {
                    out.push(n);
                }
            }
            i += 1;
        }
        Ok(out)
    }

    fn has_class(&self, value: &Term, class: &NamedNode) -> Result<bool, GraphError> {
        let Some(node) = as_node(value) else {
            return Ok(false);
        };
        for c in self.subclasses(class)? {
            if self.data.contains(oxigraph::model::QuadRef::new(
                node.as_ref(),
                RDF_TYPE,
                c.as_ref(),
                oxigraph::model::GraphNameRef::DefaultGraph,
            ))? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    fn values(&self, focus: &NamedOrBlankNode, path: &Path) -> Result<Vec<Term>, GraphError> {
        let mut out = Vec::new();
        match path {
            Path::Predicate(p) => {
                for q in
                    self.data
                        .quads_for_pattern(Some(focus.as_ref()), Some(p.as_ref()), None, None)
                {
                    out.push(q?.object);
                }
            }
            Path::Inverse(p) => {
                let object: TermRef<'_> = match focus {
                    NamedOrBlankNode::NamedNode(n) => n.as_ref().into(),
                    NamedOrBlankNode::BlankNode(b) => b.as_ref().into(),
                };
                for q in self
                    .data
                    .quads_for_pattern(None, Some(p.as_ref()), Some(object), None)
                {
                    out.push(q?.subject.into());
                }
            }
        }
        Ok(out)
    }

    /// The name of the first constraint `value` fails, if any.
    fn failure(
        &self,
        value: &Term,
        constraints: &[Constraint],
    ) -> Result<Option<(String, String)>, GraphError> {
        for c in constraints {
            let (ok, component, message) = match c {
                Constraint::Class(class) => (
                    self.has_class(value, class)?,
                    "ClassConstraintComponent",
                    format!("Value does not have class {}", abbreviate(class.as_str())),
                ),
                Constraint::Datatype(dt) => (
                    has_datatype(value, dt.as_ref()),
                    "DatatypeConstraintComponent",
                    format!(
                        "Value is not Literal with datatype {}",
                        abbreviate(dt.as_str())
                    ),
                ),
                Constraint::NodeKind(kind) => (
                    has_node_kind(value, kind),
                    "NodeKindConstraintComponent",
                    format!("Value is not of Node Kind {}", abbreviate(kind.as_str())),
                ),
                Constraint::Pattern(re, source) => {
                    let text = match value {
                        Term::NamedNode(n) => Some(n.as_str().to_string()),
                        Term::Literal(l) => Some(l.value().to_string()),
                        _ => None,
                    };
                    (
                        text.is_some_and(|t| re.is_match(&t)),
                        "PatternConstraintComponent",
                        format!("Value does not match pattern '{source}'"),
                    )
                }
                Constraint::In(allowed) => (
                    allowed.contains(value),
                    "InConstraintComponent",
                    "Value is not in the allowed list".to_string(),
                ),
                Constraint::MinInclusive(min) => (
                    matches!(value, Term::Literal(l) if l.value().parse::<f64>().is_ok_and(|v| v >= *min)),
                    "MinInclusiveConstraintComponent",
                    format!("Value is not >= {min}"),
                ),
                Constraint::Or(alternatives) => {
                    let mut any = false;
                    for alt in alternatives {
                        if self.failure(value, alt)?.is_none() {
                            any = true;
                            break;
                        }
                    }
                    (
                        any,
                        "OrConstraintComponent",
                        "Value does not conform to any shape of sh:or".to_string(),
                    )
                }
            };
            if !ok {
                return Ok(Some((component.to_string(), message)));
            }
        }
        Ok(None)
    }

    fn check(
        &self,
        shape: &NodeShape,
        focus: &NamedOrBlankNode,
        out: &mut Vec<Violation>,
    ) -> Result<(), GraphError> {
        let focus_text = focus.to_string();
        if shape.closed {
            let mut allowed: BTreeSet<&str> = shape.ignored.iter().map(|n| n.as_str()).collect();
            for p in &shape.properties {
                if let Path::Predicate(n) = &p.path {
                    allowed.insert(n.as_str());
                }
            }
            for q in self
                .data
                .quads_for_pattern(Some(focus.as_ref()), None, None, None)
            {
                let q = q?;
                if !allowed.contains(q.predicate.as_str()) {
                    out.push(Violation {
                        focus: focus_text.clone(),
                        path: Some(abbreviate(q.predicate.as_str())),
                        component: "ClosedConstraintComponent".into(),
                        value: Some(term_text(q.object.as_ref())),
                        message: format!(
                            "Node {focus_text} is closed. It cannot have value: {}",
                            term_text(q.object.as_ref())
                        ),
                    });
                }
            }
        }
        for p in &shape.properties {
            let values = self.values(focus, &p.path)?;
            let n = values.len() as u64;
            if let Some(min) = p.min
                && n < min
            {
                out.push(Violation {
                    focus: focus_text.clone(),
                    path: Some(p.path.text()),
                    component: "MinCountConstraintComponent".into(),
                    value: None,
                    message: format!("Less than {min} values on {focus_text}->{}", p.path.text()),
                });
            }
            if let Some(max) = p.max
                && n > max
            {
                out.push(Violation {
                    focus: focus_text.clone(),
                    path: Some(p.path.text()),
                    component: "MaxCountConstraintComponent".into(),
                    value: None,
                    message: format!("More than {max} values on {focus_text}->{}", p.path.text()),
                });
            }
            for value in &values {
                if let Some((component, message)) = self.failure(value, &p.constraints)? {
                    out.push(Violation {
                        focus: focus_text.clone(),
                        path: Some(p.path.text()),
                        component,
                        value: Some(term_text(value.as_ref())),
                        message,
                    });
                }
            }
        }
        for c in &shape.sparql {
            if !self.select(&c.query, Some(focus))?.is_empty() {
                out.push(Violation {
                    focus: focus_text.clone(),
                    path: None,
                    component: "SPARQLConstraintComponent".into(),
                    value: None,
                    message: c.message.clone(),
                });
            }
        }
        Ok(())
    }
}

fn has_datatype(value: &Term, dt: NamedNodeRef<'_>) -> bool {
    let Term::Literal(l) = value else {
        return false;
    };
    if l.datatype() != dt {
        return false;
    }
    well_formed(l)
}

/// Whether a literal's lexical form is valid for the datatypes the shape uses.
fn well_formed(l: &Literal) -> bool {
    let v = l.value();
    let dt = l.datatype();
    if dt == xsd::INTEGER {
        let digits = v.strip_prefix(['+', '-']).unwrap_or(v);
        !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
    } else if dt == xsd::BOOLEAN {
        matches!(v, "true" | "false" | "1" | "0")
    } else if dt == xsd::DATE_TIME {
        chrono::DateTime::parse_from_rfc3339(v).is_ok()
            || chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S%.f").is_ok()
    } else if dt == xsd::DOUBLE || dt == xsd::DECIMAL {
        v.parse::<f64>().is_ok() || matches!(v, "INF" | "-INF" | "NaN")
    } else {
        true
    }
}

fn has_node_kind(value: &Term, kind: &NamedNode) -> bool {
    let local = kind.as_str().strip_prefix(SH).unwrap_or(kind.as_str());
    let (iri, blank, literal) = match value {
        Term::NamedNode(_) => (true, false, false),
        Term::BlankNode(_) => (false, true, false),
        Term::Literal(_) => (false, false, true),
        #[allow(unreachable_patterns)]
        _ => (false, false, false),
    };
    match local {
        "IRI" => iri,
        "BlankNode" => blank,
        "Literal" => literal,
        "BlankNodeOrIRI" => blank || iri,
        "BlankNodeOrLiteral" => blank || literal,
        "IRIOrLiteral" => iri || literal,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_shape_loads() {
        let shapes = shapes().unwrap();
        assert_eq!(shapes.len(), 24);
        assert!(shapes.iter().any(|s| s.sparql.len() == 2));
        assert!(
            shapes
                .iter()
                .any(|s| s.targets.iter().any(|t| matches!(t, Target::Select(_))))
        );
    }
}
