//! Building the graph of a project (or of the records written in some commits) into an
//! in-memory oxigraph store.

use std::collections::{BTreeMap, BTreeSet};

use oxigraph::model::NamedNode;
use oxigraph::store::Store as RdfStore;

use super::host::Host;
use super::mapping::{self, project::Part};
use super::writer::Writer;
use super::{GraphError, revision};
use crate::Result;
use crate::dataset::state::Datasets;
use crate::model::{Activity, Dataset, DatasetTag, Plan, Project, WorkflowFileActivityCollection};
use crate::repo::ProjectDir;
use crate::store::{Kind, Record, Store};

/// What to export.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Scope {
    /// The whole project: every dataset version, tag, plan version, activity and workflow
    /// file execution.
    #[default]
    Full,
    /// Only the records written in a commit (`REV`) or a range of commits (`A..B`).
    Revision(String),
}

/// The graph of a project: an in-memory store holding its triples in the default graph.
pub struct ProjectGraph {
    /// The triples.
    pub store: RdfStore,
    /// The host the ids were made absolute with.
    pub host: Host,
    /// The project node.
    pub project: NamedNode,
}

/// Builds the graph of `project` for `scope`, with the host from `RENKU_DOMAIN`, the git
/// remote or `localhost`. This is the entry point for everything that queries a project's
/// graph (`graph export`, SPARQL queries, lineage).
pub fn build_graph(project: &ProjectDir, scope: &Scope) -> Result<ProjectGraph> {
    let origin = project.git().ok().and_then(|g| g.origin_url());
    let host = Host::resolve(origin.as_deref());
    let only = match scope {
        Scope::Full => None,
        Scope::Revision(rev) => Some(revision::changed_records(project, rev)?),
    };
    build_from_store(&project.store(), host, only.as_ref())
}

/// The flattened JSON-LD of one dataset version with `files` (its live files), linked from
/// the project `project_id`, with the store's relative ids: the `METADATA.yml` of a local
/// export.
pub fn dataset_version_json_ld<'a>(
    dataset: &Dataset,
    files: impl IntoIterator<Item = &'a crate::model::DatasetFile>,
    project_id: &str,
) -> Result<serde_json::Value> {
    let mut w = Writer::new(Host::relative());
    let project = w.node(project_id);
    mapping::dataset::dataset(&mut w, dataset, files);
    mapping::project::link(&mut w, &project, Part::Dataset, &dataset.id);
    let rdf = RdfStore::new().map_err(GraphError::from)?;
    rdf.extend(w.into_quads()).map_err(GraphError::from)?;
    Ok(super::jsonld::to_json_ld(&rdf)?)
}

/// The flattened JSON-LD of one dataset file (its `schema:DigitalDocument` node and its
/// entity), with the store's relative ids: an item of `dataset ls-files --format json-ld`.
pub fn dataset_file_json_ld(file: &crate::model::DatasetFile) -> Result<serde_json::Value> {
    let mut w = Writer::new(Host::relative());
    mapping::dataset::dataset_file(&mut w, file);
    let rdf = RdfStore::new().map_err(GraphError::from)?;
    rdf.extend(w.into_quads()).map_err(GraphError::from)?;
    Ok(super::jsonld::to_json_ld(&rdf)?)
}

/// Builds the graph of the records in `store` (all of them, or only those in `only`).
pub fn build_from_store(
    store: &Store,
    host: Host,
    only: Option<&BTreeSet<(Kind, String)>>,
) -> Result<ProjectGraph> {
    let mut w = Writer::new(host.clone());
    let datasets = Datasets::load(store)?;
    let index = datasets.index();
    let wanted = |kind: Kind, vid: &str| only.is_none_or(|o| o.contains(&(kind, vid.to_string())));
    let versions = |kind: Kind| -> Vec<String> {
        index
            .entries
            .get(&kind)
            .map(|e| e.keys().filter(|v| wanted(kind, v)).cloned().collect())
            .unwrap_or_default()
    };

    let project_record: Record<Project> = store.project()?;
    let project = w.node(&project_record.data.id);
    let project_changed = only.is_none_or(|o| o.iter().any(|(k, _)| *k == Kind::Project));
    if project_changed {
        mapping::project::project(&mut w, &project_record.data);
    }

    // Datasets: every version with all its files.
    let mut removed_datasets: BTreeSet<String> = BTreeSet::new();
    for vid in versions(Kind::Dataset) {
        let state = datasets.state_of(&vid)?;
        let d: &Dataset = state.dataset();
        // As in the reference, a version lists its current files and the files it removed;
        // files removed by earlier versions are no longer part of it.
        let removed_here: BTreeSet<&str> = d
            .files
            .iter()
            .filter(|f| f.is_removed())
            .map(|f| f.id.as_str())
            .collect();
        let files = state
            .entries
            .values()
            .filter(|f| !f.is_removed() || removed_here.contains(f.id.as_str()));
        mapping::dataset::dataset(&mut w, d, files);
        mapping::project::link(&mut w, &project, Part::Dataset, &d.id);
    }
    // A removed dataset takes its tags with it, as in the reference.
    if let Some(entries) = index.entries.get(&Kind::Dataset) {
        for e in entries.values().filter(|e| e.removed) {
            removed_datasets.insert(e.object_id.clone());
        }
    }
    for (vid, entry) in index.live(Kind::DatasetTag) {
        if !wanted(Kind::DatasetTag, vid) {
            continue;
        }
        let dataset_object = entry.object_id.split('/').next().unwrap_or_default();
        if removed_datasets.contains(dataset_object) {
            continue;
        }
        let tag: Record<DatasetTag> = store.read(Kind::DatasetTag, vid)?;
        mapping::dataset::tag(&mut w, &tag.data);
    }

    // Plans: every version. Steps of workflow files are `renku:WorkflowFilePlan`s.
    let mut plans: BTreeMap<String, Plan> = BTreeMap::new();
    for vid in versions(Kind::Plan) {
        let record: Record<Plan> = store.read(Kind::Plan, &vid)?;
        plans.entry(record.data.id.clone()).or_insert(record.data);
    }
    let workflow_file_steps: BTreeSet<&str> = plans
        .values()
        .filter(|p| p.is_composite() && p.path.is_some())
        .flat_map(|p| p.steps.iter().map(String::as_str))
        .collect();
    for (id, plan) in &plans {
        mapping::workflow::plan(&mut w, plan, workflow_file_steps.contains(id.as_str()));
        mapping::project::link(&mut w, &project, Part::Plan, id);
    }

    // Activities (reverted ones too, as the reference exports them).
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for vid in versions(Kind::Activity) {
        let record: Record<Activity> = store.read(Kind::Activity, &vid)?;
        if seen.insert(record.data.id.clone()) {
            mapping::workflow::activity(&mut w, &record.data);
            mapping::project::link(&mut w, &project, Part::Activity, &record.data.id);
        }
    }
    for vid in versions(Kind::WorkflowFileActivityCollection) {
        let record: Record<WorkflowFileActivityCollection> =
            store.read(Kind::WorkflowFileActivityCollection, &vid)?;
        if seen.insert(record.data.id.clone()) {
            mapping::workflow::workflow_file_collection(&mut w, &record.data);
            mapping::project::link(&mut w, &project, Part::ActivityCollection, &record.data.id);
        }
    }

    let rdf = RdfStore::new().map_err(GraphError::from)?;
    rdf.extend(w.into_quads()).map_err(GraphError::from)?;
    Ok(ProjectGraph {
        store: rdf,
        host,
        project,
    })
}
