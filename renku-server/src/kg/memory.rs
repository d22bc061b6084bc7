//! [`GraphStore`] on an in-memory oxigraph store (no RocksDB). What survives a restart is
//! written by [`super::files`].

use std::sync::mpsc;
use std::time::Duration;

use oxigraph::model::{GraphName, GraphNameRef, NamedNode, NamedOrBlankNode, Quad, Triple};
use oxigraph::sparql::{CancellationToken, QueryEvaluationError, QueryResults, SparqlEvaluator};
use oxigraph::store::Store;

use super::store::{
    GraphScope, GraphStore, GraphStoreError, ProtocolDataset, QueryAnswer, QueryLimits,
};

/// The embedded graph store.
pub struct MemoryGraphStore {
    store: Store,
}

fn storage(error: impl std::fmt::Display) -> GraphStoreError {
    GraphStoreError::Storage(error.to_string())
}

impl MemoryGraphStore {
    /// An empty store.
    pub fn new() -> Result<Self, GraphStoreError> {
        Ok(MemoryGraphStore {
            store: Store::new().map_err(storage)?,
        })
    }
}

/// Cancels `token` when `limit` passes before the returned sender is dropped.
fn watchdog(token: CancellationToken, limit: Duration) -> mpsc::Sender<()> {
    let (done, wait) = mpsc::channel::<()>();
    std::thread::spawn(move || {
        if let Err(mpsc::RecvTimeoutError::Timeout) = wait.recv_timeout(limit) {
            token.cancel();
        }
    });
    done
}

fn evaluation(error: QueryEvaluationError, limits: &QueryLimits) -> GraphStoreError {
    match error {
        QueryEvaluationError::Cancelled => GraphStoreError::Timeout(limits.timeout),
        other => GraphStoreError::Evaluation(other.to_string()),
    }
}

/// The graphs of `requested` (a `FROM`/`FROM NAMED` list of the query, `None` = not
/// restricted by the query) that `allowed` contains.
fn restrict(requested: Option<Vec<NamedNode>>, allowed: &[NamedNode]) -> Vec<NamedNode> {
    match requested {
        None => allowed.to_vec(),
        Some(list) => list.into_iter().filter(|g| allowed.contains(g)).collect(),
    }
}

impl GraphStore for MemoryGraphStore {
    fn replace_graph(&self, graph: &NamedNode, triples: &[Triple]) -> Result<(), GraphStoreError> {
        let mut transaction = self.store.start_transaction().map_err(storage)?;
        transaction.clear_graph(graph).map_err(storage)?;
        transaction.insert_named_graph(graph);
        let name = GraphName::NamedNode(graph.clone());
        let quads: Vec<Quad> = triples
            .iter()
            .map(|t| {
                Quad::new(
                    t.subject.clone(),
                    t.predicate.clone(),
                    t.object.clone(),
                    name.clone(),
                )
            })
            .collect();
        transaction.extend(&quads);
        transaction.commit().map_err(storage)
    }

    fn remove_graph(&self, graph: &NamedNode) -> Result<bool, GraphStoreError> {
        let existed = self.store.contains_named_graph(graph).map_err(storage)?;
        if existed {
            self.store.remove_named_graph(graph).map_err(storage)?;
        }
        Ok(existed)
    }

    fn graph_triples(&self, graph: &NamedNode) -> Result<Vec<Triple>, GraphStoreError> {
        self.store
            .quads_for_pattern(
                None,
                None,
                None,
                Some(GraphNameRef::NamedNode(graph.as_ref())),
            )
            .map(|quad| quad.map(Triple::from).map_err(storage))
            .collect()
    }

    fn graphs(&self) -> Result<Vec<NamedNode>, GraphStoreError> {
        let mut out = Vec::new();
        for name in self.store.named_graphs() {
            if let NamedOrBlankNode::NamedNode(n) = name.map_err(storage)? {
                out.push(n);
            }
        }
        Ok(out)
    }

    fn query_with_dataset(
        &self,
        sparql: &str,
        protocol: &ProtocolDataset,
        scope: &GraphScope,
        limits: &QueryLimits,
    ) -> Result<QueryAnswer, GraphStoreError> {
        let token = CancellationToken::new();
        // oxigraph is built without its HTTP client: `SERVICE` calls to other endpoints fail.
        let mut prepared = SparqlEvaluator::new()
            .with_cancellation_token(token.clone())
            .parse_query(sparql)
            .map_err(|e| GraphStoreError::Syntax(e.to_string()))?;
        let allowed = match scope {
            GraphScope::All => self.graphs()?,
            GraphScope::Only(list) => list.clone(),
        };
        let spec = prepared.dataset().clone();
        let (default, named) = if protocol.is_given() {
            (
                restrict(Some(protocol.default_graphs.clone()), &allowed),
                restrict(Some(protocol.named_graphs.clone()), &allowed),
            )
        } else if spec.is_default_dataset() {
            (allowed.clone(), allowed.clone())
        } else {
            let from = spec.default_graph_graphs().map(|graphs| {
                graphs
                    .iter()
                    .filter_map(|g| match g {
                        GraphName::NamedNode(n) => Some(n.clone()),
                        _ => None,
                    })
                    .collect::<Vec<_>>()
            });
            let from_named = spec.available_named_graphs().map(|graphs| {
                graphs
                    .iter()
                    .filter_map(|g| match g {
                        NamedOrBlankNode::NamedNode(n) => Some(n.clone()),
                        _ => None,
                    })
                    .collect::<Vec<_>>()
            });
            (restrict(from, &allowed), restrict(from_named, &allowed))
        };
        let dataset = prepared.dataset_mut();
        dataset.set_default_graph(default.into_iter().map(GraphName::NamedNode).collect());
        dataset.set_available_named_graphs(
            named.into_iter().map(NamedOrBlankNode::NamedNode).collect(),
        );
        let _watchdog = watchdog(token, limits.timeout);
        let results = prepared
            .on_store(&self.store)
            .execute()
            .map_err(|e| evaluation(e, limits))?;
        match results {
            QueryResults::Boolean(value) => Ok(QueryAnswer::Boolean(value)),
            QueryResults::Solutions(solutions) => {
                let variables = solutions.variables().to_vec();
                let mut rows = Vec::new();
                let mut truncated = false;
                for solution in solutions {
                    let solution = solution.map_err(|e| evaluation(e, limits))?;
                    if rows.len() == limits.max_results {
                        truncated = true;
                        break;
                    }
                    rows.push(solution.values().to_vec());
                }
                Ok(QueryAnswer::Solutions {
                    variables,
                    rows,
                    truncated,
                })
            }
            QueryResults::Graph(found) => {
                let mut triples = Vec::new();
                let mut truncated = false;
                for triple in found {
                    let triple = triple.map_err(|e| evaluation(e, limits))?;
                    if triples.len() == limits.max_results {
                        truncated = true;
                        break;
                    }
                    triples.push(triple);
                }
                Ok(QueryAnswer::Graph { triples, truncated })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::model::Literal;

    fn node(text: &str) -> NamedNode {
        NamedNode::new_unchecked(text)
    }

    fn triple(s: &str, o: &str) -> Triple {
        Triple::new(
            node(s),
            node("http://schema.org/name"),
            Literal::new_simple_literal(o),
        )
    }

    /// The values of `?n` in `answer`, sorted.
    fn sorted_names(answer: QueryAnswer) -> Vec<String> {
        let mut out: Vec<String> = answer
            .into_rows()
            .iter()
            .filter_map(|r| r.text("n"))
            .collect();
        out.sort();
        out
    }

    fn names(store: &MemoryGraphStore, sparql: &str, scope: &GraphScope) -> Vec<String> {
        sorted_names(
            store
                .query(sparql, scope, &QueryLimits::default())
                .expect("query"),
        )
    }

    fn store() -> (MemoryGraphStore, NamedNode, NamedNode) {
        let store = MemoryGraphStore::new().expect("store");
        let public = node("http://h/projects/a/public");
        let private = node("http://h/projects/a/private");
        store
            .replace_graph(&public, &[triple("http://h/x", "open")])
            .expect("load");
        store
            .replace_graph(&private, &[triple("http://h/y", "secret")])
            .expect("load");
        (store, public, private)
    }

    #[test]
    fn queries_see_only_their_graphs_whatever_the_query_asks() {
        let (store, public, _) = store();
        let scope = GraphScope::one(&public);
        for sparql in [
            "SELECT ?n WHERE { ?s <http://schema.org/name> ?n }",
            "SELECT ?n WHERE { GRAPH ?g { ?s <http://schema.org/name> ?n } }",
            "SELECT ?n FROM <http://h/projects/a/private> WHERE { ?s <http://schema.org/name> ?n }",
            "SELECT ?n FROM NAMED <http://h/projects/a/private> WHERE { GRAPH ?g { ?s <http://schema.org/name> ?n } }",
            "SELECT ?n WHERE { GRAPH <http://h/projects/a/private> { ?s <http://schema.org/name> ?n } }",
        ] {
            let found = names(&store, sparql, &scope);
            assert!(
                !found.contains(&"secret".to_string()),
                "{sparql}: {found:?}"
            );
        }
        assert_eq!(
            names(
                &store,
                "SELECT ?n WHERE { ?s <http://schema.org/name> ?n }",
                &scope
            ),
            vec!["open"]
        );
        assert_eq!(
            names(
                &store,
                "SELECT ?n WHERE { ?s <http://schema.org/name> ?n }",
                &GraphScope::All
            ),
            vec!["open", "secret"]
        );
        let ask = store
            .query(
                "ASK { GRAPH ?g { ?s ?p \"secret\" } }",
                &scope,
                &QueryLimits::default(),
            )
            .expect("ask");
        assert_eq!(ask, QueryAnswer::Boolean(false));
    }

    #[test]
    fn protocol_dataset_parameters_replace_from_clauses_within_the_scope() {
        let (store, public, private) = store();
        let sparql =
            "SELECT ?n FROM <http://h/projects/a/public> WHERE { ?s <http://schema.org/name> ?n }";
        let run = |dataset: &ProtocolDataset, scope: &GraphScope| -> Vec<String> {
            sorted_names(
                store
                    .query_with_dataset(sparql, dataset, scope, &QueryLimits::default())
                    .expect("query"),
            )
        };
        let private_only = ProtocolDataset {
            default_graphs: vec![private.clone()],
            named_graphs: Vec::new(),
        };
        // The parameter wins over FROM…
        assert_eq!(run(&private_only, &GraphScope::All), vec!["secret"]);
        // …but never reaches past the caller's graphs.
        assert!(run(&private_only, &GraphScope::one(&public)).is_empty());
        let both = ProtocolDataset {
            default_graphs: vec![public.clone(), private.clone()],
            named_graphs: Vec::new(),
        };
        assert_eq!(run(&both, &GraphScope::one(&public)), vec!["open"]);
        // Named graphs only: the default graph is empty, GRAPH ?g sees the named ones.
        let named = ProtocolDataset {
            default_graphs: Vec::new(),
            named_graphs: vec![public.clone()],
        };
        assert!(run(&named, &GraphScope::All).is_empty());
        let graphs = store
            .query_with_dataset(
                "SELECT ?n WHERE { GRAPH ?g { ?s <http://schema.org/name> ?n } }",
                &named,
                &GraphScope::All,
                &QueryLimits::default(),
            )
            .expect("query")
            .into_rows();
        assert_eq!(graphs.len(), 1);
        // Without parameters, FROM applies.
        assert_eq!(
            run(&ProtocolDataset::default(), &GraphScope::All),
            vec!["open"]
        );
    }

    #[test]
    fn replacing_a_graph_drops_its_old_triples_and_updates_are_refused() {
        let (store, public, _) = store();
        store
            .replace_graph(&public, &[triple("http://h/z", "new")])
            .expect("replace");
        let found = names(
            &store,
            "SELECT ?n WHERE { ?s <http://schema.org/name> ?n }",
            &GraphScope::one(&public),
        );
        assert_eq!(found, vec!["new"]);
        assert!(matches!(
            store.query(
                "INSERT DATA { <http://a> <http://b> <http://c> }",
                &GraphScope::All,
                &QueryLimits::default()
            ),
            Err(GraphStoreError::Syntax(_))
        ));
        assert!(
            store
                .query(
                    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
                    &GraphScope::All,
                    &QueryLimits::default()
                )
                .is_err(),
            "federated queries are refused"
        );
        assert!(store.remove_graph(&public).expect("remove"));
        assert!(!store.remove_graph(&public).expect("remove again"));
        assert_eq!(store.graphs().expect("graphs").len(), 1);
    }

    #[test]
    fn results_are_bounded_and_long_queries_stopped() {
        let store = MemoryGraphStore::new().expect("store");
        let graph = node("http://h/g");
        let triples: Vec<Triple> = (0..200)
            .map(|i| triple(&format!("http://h/s{i}"), &format!("v{i}")))
            .collect();
        store.replace_graph(&graph, &triples).expect("load");
        let limits = QueryLimits {
            timeout: Duration::from_secs(10),
            max_results: 50,
        };
        match store
            .query("SELECT ?n WHERE { ?s ?p ?n }", &GraphScope::All, &limits)
            .expect("query")
        {
            QueryAnswer::Solutions {
                rows, truncated, ..
            } => {
                assert_eq!(rows.len(), 50);
                assert!(truncated);
            }
            other => panic!("{other:?}"),
        }
        let limits = QueryLimits {
            timeout: Duration::from_millis(200),
            max_results: 10,
        };
        let started = std::time::Instant::now();
        let slow = store.query(
            "SELECT (COUNT(*) AS ?c) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f . ?g ?t ?h }",
            &GraphScope::All,
            &limits,
        );
        assert!(matches!(slow, Err(GraphStoreError::Timeout(_))), "{slow:?}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
