//! `renku graph query`.

use std::path::PathBuf;

use clap::Args;
use renku_lib::graph::oxigraph::model::Term;
use renku_lib::graph::query::{Answer, QueryFormat, query, write_answer};
use renku_lib::graph::vocab::abbreviate;
use renku_lib::{Error, Result};

use crate::commands::Env;

/// Run a SPARQL 1.1 query (SELECT, ASK, CONSTRUCT, DESCRIBE) on the project's graph.
///
/// The graph is the one `renku graph export --full` writes; it is cached (in
/// .renku/cache/graph) for the committed metadata, so repeated queries do not rebuild it.
/// SELECT results print as a table (IRIs shortened with the prov:, schema:, renku: … prefixes)
/// or in the SPARQL results formats; ASK prints true or false (exit 0 either way);
/// CONSTRUCT and DESCRIBE print N-Triples.
#[derive(Debug, Args)]
pub struct QueryArgs {
    /// The query text (or use -f).
    #[arg(required_unless_present = "file", conflicts_with = "file")]
    pub query: Option<String>,
    /// Read the query from this file.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Output format: table, json, csv or tsv.
    #[arg(long, default_value = "table")]
    pub format: String,
}

fn show(term: &Option<Term>) -> String {
    match term {
        None => String::new(),
        Some(Term::NamedNode(n)) => abbreviate(n.as_str()),
        Some(Term::BlankNode(b)) => format!("_:{}", b.as_str()),
        Some(Term::Literal(l)) => l.value().to_string(),
        #[allow(unreachable_patterns)]
        Some(other) => other.to_string(),
    }
}

/// Runs `renku graph query`.
pub fn run(env: &Env, args: QueryArgs) -> Result<u8> {
    let format: QueryFormat = args.format.parse()?;
    let text = match (&args.query, &args.file) {
        (Some(q), _) => q.clone(),
        (None, Some(f)) => std::fs::read_to_string(f)
            .map_err(|e| Error::io(format!("Cannot read {}", f.display()), e))?,
        (None, None) => return Err(Error::Usage("Missing argument 'QUERY'.".into())),
    };
    let project = env.project()?;
    let answer = query(&project, &text)?;
    match (&answer, format) {
        (Answer::Solutions { variables, rows }, QueryFormat::Table) => {
            let cells: Vec<Vec<String>> =
                rows.iter().map(|r| r.iter().map(show).collect()).collect();
            let headers: Vec<&str> = variables.iter().map(String::as_str).collect();
            let aligns = vec![false; headers.len()];
            crate::out!("{}", crate::ui::table(&headers, &cells, &aligns));
        }
        (Answer::Boolean(b), QueryFormat::Table) => crate::outln!("{b}"),
        _ => {
            let mut bytes = Vec::new();
            write_answer(&answer, format, &mut bytes)?;
            crate::out!("{}", String::from_utf8_lossy(&bytes));
        }
    }
    Ok(0)
}
