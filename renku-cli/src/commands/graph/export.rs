//! `renku graph export`.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use renku_lib::graph::{ExportFormat, ExportOptions, GraphError, Scope};
use renku_lib::{Error, Result};

use crate::commands::Env;

/// Export the project's knowledge graph.
///
/// Writes the provenance and dataset metadata of the project as RDF (PROV-O, schema.org and
/// the renku ontology): every dataset version, tag, plan version, activity and workflow file
/// execution, linked from the project node. The default output is flattened, expanded
/// JSON-LD sorted by `@id`; relative ids are prefixed with `https://<host>`, where the host
/// is `$RENKU_DOMAIN`, else the host of the git remote `origin`, else `localhost`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Output format: json-ld (also jsonld), nt (N-Triples), turtle, rdf (RDF/XML), dot or
    /// dot-landscape (Graphviz). Case-insensitive.
    #[arg(long, default_value = "json-ld", value_parser = parse_format)]
    pub format: ExportFormat,
    /// Export only the metadata written in a commit (REV) or a range of commits (A..B).
    #[arg(long, value_name = "REV")]
    pub revision: Option<String>,
    /// Export the whole project (the default; overrides --revision).
    #[arg(short = 'f', long)]
    pub full: bool,
    /// Validate the graph against renku's SHACL shape; exit 1 with the violations if it does
    /// not conform.
    #[arg(long)]
    pub strict: bool,
    /// Write compact JSON-LD on one line.
    #[arg(long)]
    pub no_indent: bool,
    /// Write to FILE instead of the standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

fn parse_format(s: &str) -> std::result::Result<ExportFormat, String> {
    s.parse::<ExportFormat>().map_err(|e| e.to_string())
}

/// Runs `renku graph export`.
pub fn run(env: &Env, args: ExportArgs) -> Result<u8> {
    let project = env.project()?;
    let scope = match (&args.revision, args.full) {
        (Some(rev), false) => Scope::Revision(rev.clone()),
        _ => Scope::Full,
    };
    let opts = ExportOptions {
        scope,
        format: args.format,
        strict: args.strict,
        indent: !args.no_indent,
    };
    let result = match &args.output {
        Some(path) => renku_lib::graph::export_to_file(&project, &opts, path).map(|_| ()),
        None => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            let r = renku_lib::graph::export(&project, &opts, &mut out).map(|_| ());
            let _ = out.flush();
            r
        }
    };
    match result {
        Ok(()) => Ok(0),
        // `renku graph export | head`: a closed pipe ends the output quietly.
        Err(Error::Graph(e)) if matches!(e.as_ref(), GraphError::Write(io) if io.kind() == std::io::ErrorKind::BrokenPipe) => {
            Ok(0)
        }
        Err(e) => Err(e),
    }
}
