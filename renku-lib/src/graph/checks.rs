//! Graph-level checks for `renku doctor`: references to nodes the project's graph does not
//! have (an association's plan, a derivation, an entity …) and datasets that are both
//! imported (`schema:sameAs`) and derived (`prov:wasDerivedFrom`), which renku-python's
//! strict export refuses.

use oxigraph::model::Term;
use oxigraph::sparql::{QueryResults, SparqlEvaluator};

use super::GraphError;
use super::build::{Scope, build_graph};
use crate::repo::ProjectDir;
use crate::{Error, Result};

/// One graph-level problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphProblem {
    /// The node the problem is about.
    pub subject: String,
    /// What is wrong, for the user.
    pub message: String,
}

/// Runs the checks on the graph of `project`.
pub fn check(project: &ProjectDir) -> Result<Vec<GraphProblem>> {
    let graph = build_graph(project, &Scope::Full)?;
    let base = format!("{}/", graph.host.prefix());
    let mut out = Vec::new();
    // A reference inside the project (`https://<host>/…`) to a node that has no triples.
    let dangling = format!(
        "SELECT DISTINCT ?s ?p ?o WHERE {{ ?s ?p ?o . \
         FILTER(isIRI(?o) && STRSTARTS(STR(?o), \"{base}\") \
         && ?p != <http://www.w3.org/1999/02/22-rdf-syntax-ns#type>) \
         FILTER NOT EXISTS {{ ?o ?p2 ?o2 }} }} ORDER BY ?s ?p ?o"
    );
    for row in select(&graph.store, &dangling)? {
        let [s, p, o] = [&row[0], &row[1], &row[2]];
        out.push(GraphProblem {
            subject: s.clone(),
            message: format!(
                "{} of {s} refers to {o}, which is not in the project's graph",
                super::vocab::abbreviate(p)
            ),
        });
    }
    // The export writes only one of the two (the derivation), so this is a check of the
    // recorded metadata: a hand edit or another tool can leave both.
    let store = project.store();
    let datasets = crate::dataset::Datasets::load(&store)?;
    for state in datasets.all()? {
        let d = state.dataset();
        if d.same_as.is_some() && d.derived_from.is_some() {
            let id = graph.host.absolute(&d.id);
            out.push(GraphProblem {
                message: format!(
                    "dataset '{}' ({id}) has both schema:sameAs and prov:wasDerivedFrom (a strict export refuses it; the export keeps only the derivation)",
                    d.slug
                ),
                subject: id,
            });
        }
    }
    Ok(out)
}

/// The rows of a SELECT query, each term as text (IRIs without brackets).
fn select(store: &oxigraph::store::Store, query: &str) -> Result<Vec<Vec<String>>> {
    let err = |e: String| Error::Graph(Box::new(GraphError::Query(e)));
    let prepared = SparqlEvaluator::new()
        .parse_query(query)
        .map_err(|e| err(e.to_string()))?;
    let QueryResults::Solutions(solutions) = prepared
        .on_store(store)
        .execute()
        .map_err(|e| err(e.to_string()))?
    else {
        return Ok(Vec::new());
    };
    let variables: Vec<String> = solutions
        .variables()
        .iter()
        .map(|v| v.as_str().to_string())
        .collect();
    let mut rows = Vec::new();
    for s in solutions {
        let s = s.map_err(|e| err(e.to_string()))?;
        rows.push(
            variables
                .iter()
                .map(|v| match s.get(v.as_str()) {
                    Some(Term::NamedNode(n)) => n.as_str().to_string(),
                    Some(t) => t.to_string(),
                    None => String::new(),
                })
                .collect(),
        );
    }
    Ok(rows)
}
