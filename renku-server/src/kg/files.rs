//! What survives a restart of the embedded graph store: one N-Triples file per project,
//! `<data-dir>/graphs/<project id>.nt`, replaced atomically (temporary file + rename) after
//! each change. The first line is a comment naming the graph and the commit it was built
//! from; the server loads the files at start and re-indexes a project whose file is missing
//! or damaged.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use oxigraph::io::{RdfFormat, RdfParser, RdfSerializer};
use oxigraph::model::{NamedNode, Triple};
use serde::{Deserialize, Serialize};

const MAGIC: &str = "# renku-server graph ";

/// What the first line of a graph file records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraphHeader {
    /// The project (server id).
    pub project_id: i64,
    /// The named graph (the project IRI).
    pub graph: String,
    /// The commit the graph was built from (empty for a project without commits).
    pub commit: String,
}

/// A graph read back from its file.
#[derive(Debug, Clone)]
pub struct StoredGraph {
    /// Its header.
    pub header: GraphHeader,
    /// Its triples.
    pub triples: Vec<Triple>,
}

/// Errors reading or writing graph files.
#[derive(Debug, thiserror::Error)]
pub enum GraphFileError {
    /// The file system failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a graph file this server wrote, or it is damaged.
    #[error("{path} is damaged: {message}")]
    Damaged {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// The directory of graph files.
#[derive(Debug, Clone)]
pub struct GraphFiles {
    dir: PathBuf,
}

impl GraphFiles {
    /// Graph files under `dir` (created when missing).
    pub fn new(dir: PathBuf) -> Result<Self, GraphFileError> {
        std::fs::create_dir_all(&dir).map_err(|source| GraphFileError::Io {
            path: dir.clone(),
            source,
        })?;
        Ok(GraphFiles { dir })
    }

    /// The file of a project.
    pub fn path(&self, project_id: i64) -> PathBuf {
        self.dir.join(format!("{project_id}.nt"))
    }

    /// Writes the graph of a project, replacing its file atomically.
    pub fn write(&self, header: &GraphHeader, triples: &[Triple]) -> Result<(), GraphFileError> {
        let path = self.path(header.project_id);
        let io = |source| GraphFileError::Io {
            path: path.clone(),
            source,
        };
        let temp = tempfile::NamedTempFile::new_in(&self.dir).map_err(io)?;
        {
            let mut out = std::io::BufWriter::new(temp.as_file());
            let line = serde_json::to_string(header).map_err(|e| GraphFileError::Damaged {
                path: path.clone(),
                message: e.to_string(),
            })?;
            writeln!(out, "{MAGIC}{line}").map_err(io)?;
            let mut writer = RdfSerializer::from_format(RdfFormat::NTriples).for_writer(&mut out);
            for triple in triples {
                writer.serialize_triple(triple).map_err(io)?;
            }
            writer.finish().map_err(io)?;
            out.flush().map_err(io)?;
        }
        temp.as_file().sync_data().map_err(io)?;
        temp.persist(&path).map_err(|e| io(e.error))?;
        Ok(())
    }

    /// Reads the graph file of a project; `Ok(None)` when there is none.
    pub fn read(&self, project_id: i64) -> Result<Option<StoredGraph>, GraphFileError> {
        let path = self.path(project_id);
        let file = match std::fs::File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(GraphFileError::Io { path, source }),
        };
        read_file(&path, file).map(Some)
    }

    /// Deletes the file of a project (no error when there is none).
    pub fn remove(&self, project_id: i64) -> Result<(), GraphFileError> {
        let path = self.path(project_id);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(GraphFileError::Io { path, source }),
        }
    }

    /// The project ids that have a file.
    pub fn project_ids(&self) -> Result<Vec<i64>, GraphFileError> {
        let entries = std::fs::read_dir(&self.dir).map_err(|source| GraphFileError::Io {
            path: self.dir.clone(),
            source,
        })?;
        let mut ids = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name();
            if let Some(id) = name
                .to_str()
                .and_then(|n| n.strip_suffix(".nt"))
                .and_then(|n| n.parse().ok())
            {
                ids.push(id);
            }
        }
        ids.sort_unstable();
        Ok(ids)
    }
}

fn read_file(path: &Path, file: std::fs::File) -> Result<StoredGraph, GraphFileError> {
    let damaged = |message: String| GraphFileError::Damaged {
        path: path.to_path_buf(),
        message,
    };
    let mut reader = BufReader::new(file);
    let mut first = String::new();
    reader
        .read_line(&mut first)
        .map_err(|source| GraphFileError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    let header_text = first
        .trim_end()
        .strip_prefix(MAGIC)
        .ok_or_else(|| damaged("no graph header".into()))?;
    let header: GraphHeader =
        serde_json::from_str(header_text).map_err(|e| damaged(format!("bad header: {e}")))?;
    NamedNode::new(&header.graph).map_err(|e| damaged(format!("bad graph name: {e}")))?;
    let mut triples = Vec::new();
    for quad in RdfParser::from_format(RdfFormat::NTriples).for_reader(reader) {
        let quad = quad.map_err(|e| damaged(e.to_string()))?;
        triples.push(Triple::from(quad));
    }
    Ok(StoredGraph { header, triples })
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::model::Literal;

    #[test]
    fn graphs_round_trip_and_damage_is_reported() {
        let dir = tempfile::tempdir().expect("dir");
        let files = GraphFiles::new(dir.path().join("graphs")).expect("files");
        let header = GraphHeader {
            project_id: 7,
            graph: "http://h/projects/a/b".into(),
            commit: "abc".into(),
        };
        let triples = vec![Triple::new(
            NamedNode::new_unchecked("http://h/x"),
            NamedNode::new_unchecked("http://schema.org/name"),
            Literal::new_simple_literal("a \"quoted\"\nname"),
        )];
        files.write(&header, &triples).expect("write");
        let back = files.read(7).expect("read").expect("a graph");
        assert_eq!(back.header, header);
        assert_eq!(back.triples, triples);
        assert_eq!(files.project_ids().expect("ids"), vec![7]);
        assert!(files.read(8).expect("read").is_none());

        std::fs::write(files.path(7), "<http://a> <http://b> .\n").expect("damage");
        assert!(matches!(files.read(7), Err(GraphFileError::Damaged { .. })));
        std::fs::write(
            files.path(7),
            format!(
                "{MAGIC}{}\n<http://a> <http://b> \"unterminated .\n",
                serde_json::to_string(&header).expect("json")
            ),
        )
        .expect("damage");
        assert!(matches!(files.read(7), Err(GraphFileError::Damaged { .. })));
        files.remove(7).expect("remove");
        files.remove(7).expect("remove again");
        assert!(files.project_ids().expect("ids").is_empty());
    }
}
