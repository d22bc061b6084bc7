//! The graph of a hosted project at a commit: renku-lib's graph export of the metadata in
//! that commit, read straight from the bare repository (no checkout), plus the facts only
//! the server knows (path, namespace, visibility) and the denormalised predicates search
//! relies on.

use std::collections::BTreeSet;
use std::path::Path;

use chrono::{DateTime, FixedOffset, Utc};
use oxigraph::model::{Literal, NamedNode, NamedNodeRef, NamedOrBlankNode, Term, Triple};
use renku_lib::graph::Host;
use renku_lib::graph::vocab::{RDF_TYPE, prov, renku, schema, xsd};
use renku_lib::model::Person;

use crate::store::{Project, UserRecord};

/// Where a project's renku metadata lives in its repository.
const STORE_PATH: &str = ".renku/store";
/// Where renku-python (metadata versions 9 and 10) keeps its object database.
const LEGACY_DATABASE_PATH: &str = ".renku/metadata";

/// Why a commit could not be exported.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The repository or the commit could not be read.
    #[error("cannot read the repository: {0}")]
    Git(String),
    /// The metadata could not be written to the scratch directory.
    #[error("cannot prepare the metadata: {0}")]
    Io(String),
    /// renku-lib could not build the graph (damaged or unreadable metadata).
    #[error("cannot build the graph of the metadata: {0}")]
    Metadata(String),
}

/// A project's exported graph.
#[derive(Debug, Clone)]
pub struct Exported {
    /// The triples (the project node renamed to the project's IRI).
    pub triples: Vec<Triple>,
    /// When the commit was made.
    pub commit_time: Option<DateTime<FixedOffset>>,
    /// Something worth telling (the repository holds no renku metadata, …).
    pub note: Option<String>,
}

/// The IRI of a hosted project (also the name of its graph): `<public url>/projects/<ns>/<name>`.
pub fn project_iri(host: &Host, project: &Project) -> NamedNode {
    NamedNode::new_unchecked(format!(
        "{}/projects/{}/{}",
        host.prefix(),
        project.namespace,
        project.name
    ))
}

fn git(error: impl std::fmt::Display) -> ExportError {
    ExportError::Git(error.to_string())
}

/// Exports the metadata of `commit` in the bare repository `repo`. A commit without renku
/// metadata gives a graph with the project node only.
pub fn export_commit(
    repo: &Path,
    commit: &str,
    host: &Host,
    project: &Project,
    creator: Option<&UserRecord>,
) -> Result<Exported, ExportError> {
    let iri = project_iri(host, project);
    let repository = gix::open(repo).map_err(git)?;
    let id = gix::ObjectId::from_hex(commit.as_bytes())
        .map_err(|e| ExportError::Git(format!("'{commit}' is not a commit id: {e}")))?;
    let commit_object = repository.find_commit(id).map_err(git)?;
    let commit_time = commit_object.time().ok().and_then(|t| {
        let offset = FixedOffset::east_opt(t.offset)?;
        DateTime::from_timestamp(t.seconds, 0).map(|d| d.with_timezone(&offset))
    });
    let tree = commit_object.tree().map_err(git)?;
    let subtree = |path: &str| -> Result<Option<gix::Tree<'_>>, ExportError> {
        match tree.lookup_entry_by_path(path).map_err(git)? {
            Some(e) if e.mode().is_tree() => Ok(Some(e.object().map_err(git)?.into_tree())),
            _ => Ok(None),
        }
    };
    // The store is read from a scratch directory holding exactly the commit's metadata
    // files: renku-lib's reader works on a directory and keeps its cache next to it.
    let scratch = tempfile::tempdir().map_err(|e| ExportError::Io(e.to_string()))?;
    let mut note = None;
    if let Some(store_tree) = subtree(STORE_PATH)? {
        copy_tree(
            &repository,
            &store_tree,
            &scratch.path().join(STORE_PATH),
            STORE_PATH,
        )?;
    } else if let Some(database) = subtree(LEGACY_DATABASE_PATH)? {
        // A renku-python project (metadata versions 9 and 10): converted as `renku migrate`
        // would, in the scratch directory only.
        let dir = scratch.path().join(LEGACY_DATABASE_PATH);
        copy_tree(&repository, &database, &dir, LEGACY_DATABASE_PATH)?;
        let fallback = Person::new(
            creator
                .and_then(|c| c.name.clone().or_else(|| c.username.clone()))
                .unwrap_or_else(|| project.namespace.clone()),
            creator.and_then(|c| c.email.clone()),
            None,
        );
        let warnings =
            renku_lib::project::migrate::convert_database_into(&dir, scratch.path(), &fallback)
                .map_err(|e| ExportError::Metadata(e.to_string()))?;
        if !warnings.is_empty() {
            note = Some(format!(
                "read from renku-python metadata: {}",
                warnings.join("; ")
            ));
        }
    } else {
        let yaml_era = tree
            .lookup_entry_by_path(".renku/metadata.yml")
            .map_err(git)?
            .is_some();
        let note = if yaml_era {
            "the repository holds metadata of renku-python before 1.0; run `renku migrate` and push to index its datasets and workflows"
        } else {
            "the repository holds no renku metadata; only the project is indexed"
        };
        return Ok(Exported {
            triples: minimal_project_triples(&iri, host, project, creator),
            commit_time,
            note: Some(note.to_string()),
        });
    }
    let store = renku_lib::store::Store::new(scratch.path());
    let graph = renku_lib::graph::build_from_store(&store, host.clone(), None)
        .map_err(|e| ExportError::Metadata(e.to_string()))?;
    let exported_project = graph.project.clone();
    let mut triples = Vec::new();
    for quad in graph.store.iter() {
        let quad = quad.map_err(|e| ExportError::Metadata(e.to_string()))?;
        triples.push(rename(Triple::from(quad), &exported_project, &iri));
    }
    Ok(Exported {
        triples,
        commit_time,
        note,
    })
}

/// Writes the blobs of `tree` (the directory `label` of a commit) below `dest`.
fn copy_tree(
    repository: &gix::Repository,
    tree: &gix::Tree<'_>,
    dest: &Path,
    label: &str,
) -> Result<(), ExportError> {
    let mut recorder = gix::traverse::tree::Recorder::default();
    tree.traverse().breadthfirst(&mut recorder).map_err(git)?;
    let mut dirs: BTreeSet<std::path::PathBuf> = BTreeSet::new();
    for record in recorder.records {
        if !record.mode.is_blob() {
            continue;
        }
        let rel = record.filepath.to_string();
        if rel.split('/').any(|part| part == ".." || part.is_empty()) {
            return Err(ExportError::Metadata(format!(
                "unexpected path '{rel}' in {label}"
            )));
        }
        let path = dest.join(&rel);
        if let Some(parent) = path.parent()
            && dirs.insert(parent.to_path_buf())
        {
            std::fs::create_dir_all(parent).map_err(|e| ExportError::Io(e.to_string()))?;
        }
        let blob = repository.find_object(record.oid).map_err(git)?;
        std::fs::write(&path, &blob.data).map_err(|e| ExportError::Io(e.to_string()))?;
    }
    Ok(())
}

/// The triple with the node `from` replaced by `to` (the project node of the metadata gets
/// the project's IRI on this server, whatever name it was created with).
fn rename(mut triple: Triple, from: &NamedNode, to: &NamedNode) -> Triple {
    if from == to {
        return triple;
    }
    if let NamedOrBlankNode::NamedNode(s) = &triple.subject
        && s == from
    {
        triple.subject = to.clone().into();
    }
    if let Term::NamedNode(o) = &triple.object
        && o == from
    {
        triple.object = to.clone().into();
    }
    triple
}

fn add(out: &mut Vec<Triple>, s: &NamedNode, p: NamedNodeRef<'_>, o: impl Into<Term>) {
    out.push(Triple::new(s.clone(), p.into_owned(), o));
}

fn text(value: &str) -> Literal {
    Literal::new_simple_literal(value)
}

fn date_time(value: &DateTime<FixedOffset>) -> Literal {
    Literal::new_typed_literal(
        value.to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        xsd::DATE_TIME,
    )
}

/// The project node of a repository without renku metadata: name, creation date and the
/// creator as the server knows them.
pub fn minimal_project_triples(
    iri: &NamedNode,
    host: &Host,
    project: &Project,
    creator: Option<&UserRecord>,
) -> Vec<Triple> {
    let mut out = Vec::new();
    add(&mut out, iri, RDF_TYPE, schema::PROJECT.into_owned());
    add(&mut out, iri, RDF_TYPE, prov::LOCATION.into_owned());
    add(&mut out, iri, schema::NAME, text(&project.name));
    let created: DateTime<FixedOffset> = project.created_at.with_timezone(&Utc).fixed_offset();
    add(&mut out, iri, schema::DATE_CREATED, date_time(&created));
    if let Some(user) = creator {
        let name = user
            .name
            .clone()
            .or_else(|| user.username.clone())
            .unwrap_or_else(|| user.id.clone());
        let person = Person::new(name, user.email.clone(), None);
        let node = NamedNode::new_unchecked(host.absolute(&person.id));
        add(&mut out, &node, RDF_TYPE, prov::PERSON.into_owned());
        add(&mut out, &node, RDF_TYPE, schema::PERSON.into_owned());
        add(&mut out, &node, schema::NAME, text(&person.name));
        if let Some(email) = &person.email {
            add(&mut out, &node, schema::EMAIL, text(email));
        }
        add(&mut out, iri, schema::CREATOR, node);
    }
    out
}

/// Predicates of the project node that come from the server's records and are rewritten
/// whenever those change.
const RECORD_FACTS: [NamedNodeRef<'static>; 7] = [
    renku_facts::PROJECT_PATH,
    renku::SLUG,
    renku_facts::PROJECT_NAMESPACE,
    renku_facts::PROJECT_NAMESPACES,
    renku_facts::PROJECT_VISIBILITY,
    renku_facts::KEYWORDS_CONCAT,
    renku_facts::CREATORS_NAMES_CONCAT,
];

/// The renku ontology terms the server adds (renku-graph wrote the same).
pub mod renku_facts {
    use oxigraph::model::NamedNodeRef;

    const fn term(iri: &'static str) -> NamedNodeRef<'static> {
        NamedNodeRef::new_unchecked(iri)
    }
    /// `renku:projectPath`: `namespace/name`.
    pub const PROJECT_PATH: NamedNodeRef<'static> =
        term("https://swissdatasciencecenter.github.io/renku-ontology#projectPath");
    /// `renku:projectNamespace`.
    pub const PROJECT_NAMESPACE: NamedNodeRef<'static> =
        term("https://swissdatasciencecenter.github.io/renku-ontology#projectNamespace");
    /// `renku:projectNamespaces`: every namespace the project is under.
    pub const PROJECT_NAMESPACES: NamedNodeRef<'static> =
        term("https://swissdatasciencecenter.github.io/renku-ontology#projectNamespaces");
    /// `renku:projectVisibility`: `public` or `private`.
    pub const PROJECT_VISIBILITY: NamedNodeRef<'static> =
        term("https://swissdatasciencecenter.github.io/renku-ontology#projectVisibility");
    /// `renku:keywordsConcat`: the keywords joined by spaces.
    pub const KEYWORDS_CONCAT: NamedNodeRef<'static> =
        term("https://swissdatasciencecenter.github.io/renku-ontology#keywordsConcat");
    /// `renku:creatorsNamesConcat`: the creators' names joined by spaces.
    pub const CREATORS_NAMES_CONCAT: NamedNodeRef<'static> =
        term("https://swissdatasciencecenter.github.io/renku-ontology#creatorsNamesConcat");
}

/// `triples` with the server's facts about `project` brought up to date: the record facts of
/// the project node are replaced, and every project and dataset node gets its keyword and
/// creator-name concatenations. With `commit_time`, the project's `schema:dateModified` is
/// set to it.
pub fn with_server_facts(
    triples: Vec<Triple>,
    iri: &NamedNode,
    project: &Project,
    commit_time: Option<&DateTime<FixedOffset>>,
) -> Vec<Triple> {
    let is_concat = |p: &NamedNode| {
        p.as_ref() == renku_facts::KEYWORDS_CONCAT
            || p.as_ref() == renku_facts::CREATORS_NAMES_CONCAT
    };
    let mut out: Vec<Triple> = triples
        .into_iter()
        .filter(|t| {
            let on_project = matches!(&t.subject, NamedOrBlankNode::NamedNode(s) if s == iri);
            if on_project && RECORD_FACTS.contains(&t.predicate.as_ref()) {
                return false;
            }
            if on_project && commit_time.is_some() && t.predicate.as_ref() == schema::DATE_MODIFIED
            {
                return false;
            }
            !is_concat(&t.predicate)
        })
        .collect();

    // Names of nodes, to concatenate creators.
    let mut names: std::collections::HashMap<NamedOrBlankNode, String> =
        std::collections::HashMap::new();
    for t in &out {
        if t.predicate.as_ref() == schema::NAME
            && let Term::Literal(l) = &t.object
        {
            names.insert(t.subject.clone(), l.value().to_string());
        }
    }
    let mut subjects: Vec<NamedOrBlankNode> = vec![iri.clone().into()];
    for t in &out {
        if t.predicate.as_ref() == RDF_TYPE
            && t.object == Term::NamedNode(schema::DATASET.into_owned())
        {
            subjects.push(t.subject.clone());
        }
    }
    // One pass: keywords and creator names of the nodes that get concatenations.
    let mut collected: std::collections::HashMap<NamedOrBlankNode, (Vec<String>, Vec<String>)> =
        subjects
            .iter()
            .map(|s| (s.clone(), Default::default()))
            .collect();
    for t in &out {
        let Some((keywords, creators)) = collected.get_mut(&t.subject) else {
            continue;
        };
        if t.predicate.as_ref() == schema::KEYWORDS
            && let Term::Literal(l) = &t.object
        {
            keywords.push(l.value().to_string());
        }
        if t.predicate.as_ref() == schema::CREATOR {
            let creator: Option<NamedOrBlankNode> = match &t.object {
                Term::NamedNode(n) => Some(n.clone().into()),
                Term::BlankNode(b) => Some(b.clone().into()),
                _ => None,
            };
            if let Some(name) = creator.and_then(|c| names.get(&c)) {
                creators.push(name.clone());
            }
        }
    }
    let mut extra = Vec::new();
    for subject in subjects {
        let Some((mut keywords, mut creators)) = collected.remove(&subject) else {
            continue;
        };
        keywords.sort();
        keywords.dedup();
        creators.sort();
        creators.dedup();
        if !keywords.is_empty() {
            extra.push(Triple::new(
                subject.clone(),
                renku_facts::KEYWORDS_CONCAT.into_owned(),
                text(&keywords.join(" ")),
            ));
        }
        if !creators.is_empty() {
            extra.push(Triple::new(
                subject.clone(),
                renku_facts::CREATORS_NAMES_CONCAT.into_owned(),
                text(&creators.join(" ")),
            ));
        }
    }
    out.extend(extra);
    let path = project.path();
    add(&mut out, iri, renku_facts::PROJECT_PATH, text(&path));
    add(&mut out, iri, renku::SLUG, text(&path));
    add(
        &mut out,
        iri,
        renku_facts::PROJECT_NAMESPACE,
        text(&project.namespace),
    );
    let mut prefix = String::new();
    for part in project.namespace.split('/') {
        if !prefix.is_empty() {
            prefix.push('/');
        }
        prefix.push_str(part);
        add(
            &mut out,
            iri,
            renku_facts::PROJECT_NAMESPACES,
            text(&prefix),
        );
    }
    add(
        &mut out,
        iri,
        renku_facts::PROJECT_VISIBILITY,
        text(project.visibility.as_str()),
    );
    if let Some(time) = commit_time {
        add(&mut out, iri, schema::DATE_MODIFIED, date_time(time));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Visibility;

    fn project(visibility: Visibility) -> Project {
        Project {
            id: 1,
            namespace: "alice".into(),
            name: "flights".into(),
            visibility,
            description: String::new(),
            created_at: Utc::now(),
            creator: "alice-id".into(),
        }
    }

    fn values(triples: &[Triple], s: &NamedNode, p: NamedNodeRef<'_>) -> Vec<String> {
        let mut out: Vec<String> = triples
            .iter()
            .filter(|t| matches!(&t.subject, NamedOrBlankNode::NamedNode(n) if n == s))
            .filter(|t| t.predicate.as_ref() == p)
            .map(|t| match &t.object {
                Term::Literal(l) => l.value().to_string(),
                other => other.to_string(),
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn server_facts_are_replaced_not_accumulated() {
        let host = Host::new("http://h:1");
        let iri = project_iri(&host, &project(Visibility::Public));
        assert_eq!(iri.as_str(), "http://h:1/projects/alice/flights");
        let user = UserRecord {
            id: "alice-id".into(),
            username: Some("alice".into()),
            email: Some("alice@example.org".into()),
            name: Some("Alice Tester".into()),
        };
        let mut triples =
            minimal_project_triples(&iri, &host, &project(Visibility::Public), Some(&user));
        triples.push(Triple::new(
            iri.clone(),
            schema::KEYWORDS.into_owned(),
            text("planes"),
        ));
        let once = with_server_facts(triples, &iri, &project(Visibility::Public), None);
        let twice = with_server_facts(once, &iri, &project(Visibility::Private), None);
        assert_eq!(
            values(&twice, &iri, renku_facts::PROJECT_VISIBILITY),
            vec!["private"]
        );
        assert_eq!(
            values(&twice, &iri, renku_facts::KEYWORDS_CONCAT),
            vec!["planes"]
        );
        assert_eq!(
            values(&twice, &iri, renku_facts::CREATORS_NAMES_CONCAT),
            vec!["Alice Tester"]
        );
        assert_eq!(
            values(&twice, &iri, renku_facts::PROJECT_PATH),
            vec!["alice/flights"]
        );
        assert_eq!(values(&twice, &iri, schema::NAME), vec!["flights"]);
    }
}
