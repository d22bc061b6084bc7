//! `renku graph query`: SPARQL 1.1 SELECT, ASK, CONSTRUCT and DESCRIBE over a project's
//! graph. The graph is kept as N-Triples in `.renku/cache/graph/` under a key of the
//! committed metadata (and the host), so repeated queries load it instead of rebuilding it.

use std::io::Write;
use std::path::PathBuf;
use std::str::FromStr;

use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{Term, Triple};
use oxigraph::sparql::results::{QueryResultsFormat, QueryResultsSerializer};
use oxigraph::sparql::{QueryResults, SparqlEvaluator};
use oxigraph::store::Store as RdfStore;

use super::GraphError;
use super::build::{Scope, build_graph};
use super::host::Host;
use crate::repo::ProjectDir;
use crate::{Error, Result};

/// How to print an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QueryFormat {
    /// An aligned table (IRIs abbreviated with the usual prefixes).
    #[default]
    Table,
    /// SPARQL 1.1 Query Results JSON.
    Json,
    /// SPARQL 1.1 Query Results CSV.
    Csv,
    /// SPARQL 1.1 Query Results TSV.
    Tsv,
}

impl FromStr for QueryFormat {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "table" => Ok(QueryFormat::Table),
            "json" => Ok(QueryFormat::Json),
            "csv" => Ok(QueryFormat::Csv),
            "tsv" => Ok(QueryFormat::Tsv),
            _ => Err(Error::Usage(format!(
                "Invalid value for '--format': '{s}' is not one of 'table', 'json', 'csv', 'tsv'."
            ))),
        }
    }
}

/// The answer to a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// SELECT: the variables and one row of bindings per solution.
    Solutions {
        /// Variable names, in the query's order.
        variables: Vec<String>,
        /// Bindings (`None`: unbound).
        rows: Vec<Vec<Option<Term>>>,
    },
    /// ASK.
    Boolean(bool),
    /// CONSTRUCT or DESCRIBE.
    Graph(Vec<Triple>),
}

/// Runs `sparql` on the graph of `project`.
pub fn query(project: &ProjectDir, sparql: &str) -> Result<Answer> {
    let prepared = SparqlEvaluator::new()
        .parse_query(sparql)
        .map_err(|e| Error::Parameter(format!("Invalid SPARQL query: {e}")))?;
    let store = project_store(project)?;
    let results = prepared
        .on_store(&store)
        .execute()
        .map_err(|e| graph_err(GraphError::Query(e.to_string())))?;
    Ok(match results {
        QueryResults::Boolean(b) => Answer::Boolean(b),
        QueryResults::Solutions(solutions) => {
            let variables: Vec<String> = solutions
                .variables()
                .iter()
                .map(|v| v.as_str().to_string())
                .collect();
            let mut rows = Vec::new();
            for s in solutions {
                let s = s.map_err(|e| graph_err(GraphError::Query(e.to_string())))?;
                rows.push(
                    variables
                        .iter()
                        .map(|v| s.get(v.as_str()).cloned())
                        .collect(),
                );
            }
            Answer::Solutions { variables, rows }
        }
        QueryResults::Graph(triples) => {
            let mut out = Vec::new();
            for t in triples {
                out.push(t.map_err(|e| graph_err(GraphError::Query(e.to_string())))?);
            }
            Answer::Graph(out)
        }
    })
}

/// Writes `answer` in a SPARQL results format (`Json`, `Csv`, `Tsv`); graphs are written as
/// N-Triples whatever the format.
pub fn write_answer(answer: &Answer, format: QueryFormat, out: &mut dyn Write) -> Result<()> {
    let results_format = match format {
        QueryFormat::Json | QueryFormat::Table => QueryResultsFormat::Json,
        QueryFormat::Csv => QueryResultsFormat::Csv,
        QueryFormat::Tsv => QueryResultsFormat::Tsv,
    };
    let io = |e: std::io::Error| graph_err(GraphError::Write(e));
    match answer {
        Answer::Boolean(b) => {
            let bytes = QueryResultsSerializer::from_format(results_format)
                .serialize_boolean_to_writer(Vec::new(), *b)
                .map_err(io)?;
            out.write_all(&bytes).map_err(io)?;
        }
        Answer::Solutions { variables, rows } => {
            let vars: Vec<oxigraph::sparql::Variable> = variables
                .iter()
                .filter_map(|v| oxigraph::sparql::Variable::new(v.as_str()).ok())
                .collect();
            let mut w = QueryResultsSerializer::from_format(results_format)
                .serialize_solutions_to_writer(Vec::new(), vars.clone())
                .map_err(io)?;
            for row in rows {
                let pairs = vars
                    .iter()
                    .zip(row)
                    .filter_map(|(v, t)| t.as_ref().map(|t| (v.as_ref(), t.as_ref())));
                w.serialize(pairs).map_err(io)?;
            }
            out.write_all(&w.finish().map_err(io)?).map_err(io)?;
        }
        Answer::Graph(triples) => {
            for t in triples {
                writeln!(out, "{t} .").map_err(io)?;
            }
        }
    }
    if !matches!(answer, Answer::Graph(_)) && format == QueryFormat::Json {
        writeln!(out).map_err(io)?;
    }
    Ok(())
}

fn graph_err(e: GraphError) -> Error {
    Error::Graph(Box::new(e))
}

/// The cache key of the project's graph: the committed `.renku/store` tree and the host;
/// `None` when the store has uncommitted changes (then the graph is built every time).
fn cache_key(project: &ProjectDir, host: &Host) -> Result<Option<String>> {
    let git = project.git()?;
    let Some(head) = git.head_id()? else {
        return Ok(None);
    };
    let dirty =
        crate::repo::status::changes_matching(&git, true, vec![crate::store::STORE_DIR.into()])?;
    if !dirty.is_empty() {
        return Ok(None);
    }
    let tree = git
        .repo()
        .find_commit(head)
        .and_then(|c| c.tree())
        .map_err(|e| Error::git("cannot read HEAD", e))?;
    let entry = tree
        .lookup_entry_by_path(crate::store::STORE_DIR)
        .map_err(|e| Error::git("cannot read HEAD tree", e))?;
    let Some(entry) = entry else {
        return Ok(None);
    };
    let host = format!("{host:?}");
    let digest = crate::util::sha256_hex(format!("{}\n{host}", entry.object_id()).as_bytes());
    Ok(Some(digest[..32].to_string()))
}

/// The project's graph, from the cache when it is there and current.
fn project_store(project: &ProjectDir) -> Result<RdfStore> {
    let origin = project.git().ok().and_then(|g| g.origin_url());
    let host = Host::resolve(origin.as_deref());
    let key = cache_key(project, &host)?;
    let dir: PathBuf = project.root().join(crate::store::CACHE_DIR).join("graph");
    if let Some(k) = &key {
        let file = dir.join(format!("{k}.nt"));
        if let Ok(f) = std::fs::File::open(&file) {
            let store = RdfStore::new().map_err(|e| graph_err(GraphError::Store(e)))?;
            let loaded = store.load_from_reader(
                RdfParser::from_format(RdfFormat::NTriples),
                std::io::BufReader::new(f),
            );
            match loaded {
                Ok(()) => return Ok(store),
                Err(e) => tracing::debug!("graph cache {} unreadable: {e}", file.display()),
            }
        }
    }
    let graph = build_graph(project, &Scope::Full)?;
    if let Some(k) = key {
        let mut bytes = Vec::new();
        let written = super::serialize::write_graph(
            &graph.store,
            super::serialize::ExportFormat::NTriples,
            false,
            &mut bytes,
        );
        if written.is_ok() {
            crate::util::ensure_ignored_dir(&project.root().join(crate::store::CACHE_DIR)).ok();
            // Only the current key is kept.
            let _ = std::fs::remove_dir_all(&dir);
            if let Err(e) = crate::util::write_atomic(&dir.join(format!("{k}.nt")), &bytes, None) {
                tracing::debug!("cannot cache the graph: {e}");
            }
        }
    }
    Ok(graph.store)
}
