//! The history replay: project, dataset versions and recorded runs from every commit.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, FixedOffset};
use gix::ObjectId;

use super::cwl::{self, Cwl, WORKFLOW_DIR};
use super::datasets::{self, OldDataset, ReadOptions, dashless, is_uuid};
use super::project::{self, OldProject};
use super::workflow_yaml;
use super::workflows::{self, Execution, stable_hex};
use super::{DATASETS_DIR, PROJECT_FILE, ReadContext, YamlError};
use crate::model::{
    Activity, Dataset, DatasetFile, DatasetTag, Entity, ImageObject, Person, Plan, Project,
    RemoteEntity, TemplateMetadata, Url,
};
use crate::repo::git::{Git, HistoryCommit, TreeItem};
use crate::store::legacy::database::LegacyProject;

/// 40 zeros: renku-python's checksum of an entity that cannot be found.
const MISSING_CHECKSUM: &str = "0000000000000000000000000000000000000000";

fn short(id: ObjectId) -> String {
    id.to_hex_with_len(7).to_string()
}

fn shown(path: &str, commit: ObjectId) -> String {
    format!("{path} (commit {})", short(commit))
}

fn text_of(git: &Git, id: ObjectId, path: &str, commit: ObjectId) -> Result<String, YamlError> {
    let bytes = git.blob_bytes(id)?;
    String::from_utf8(bytes).map_err(|_| YamlError::Damaged {
        file: shown(path, commit),
        reason: "it is not UTF-8 text".into(),
    })
}

/// Reads the whole project from its history.
pub fn read(ctx: &ReadContext<'_>) -> Result<LegacyProject, YamlError> {
    let git = ctx.git;
    let commits = git.history()?;
    let Some(head) = commits.last() else {
        return Err(YamlError::Repository(
            "the repository has no commits to migrate".into(),
        ));
    };
    let head_tree = head.tree;
    let head_id = head.id;
    let trees: HashMap<ObjectId, ObjectId> = commits.iter().map(|c| (c.id, c.tree)).collect();

    let old_project = match git.tree_item(head_tree, PROJECT_FILE)? {
        Some(TreeItem::File(id)) => project::read(
            &text_of(git, id, PROJECT_FILE, head_id)?,
            &shown(PROJECT_FILE, head_id),
        )?,
        _ => OldProject {
            version: 1,
            ..OldProject::default()
        },
    };
    let first_date = commits.first().map(|c| c.author.time);
    let project = convert_project(ctx, &old_project, first_date);

    let mut replay = Replay {
        git,
        project: &project,
        versions: BTreeMap::new(),
        order: Vec::new(),
        by_slug: HashMap::new(),
        tags: Vec::new(),
        warnings: Vec::new(),
        versions_cache: HashMap::new(),
    };
    let mut runs: Vec<(String, usize)> = Vec::new();
    let mut run_commit: HashMap<String, usize> = HashMap::new();
    let mut yaml_runs: Vec<(String, usize)> = Vec::new();
    let mut yaml_commit: HashMap<String, usize> = HashMap::new();
    for (n, commit) in commits.iter().enumerate() {
        crate::interrupt::check().map_err(YamlError::from)?;
        let parent_tree = commit.parents.first().and_then(|p| trees.get(p)).copied();
        let version = replay.project_version(commit.tree)?;

        let mut changes = git.changes_under(parent_tree, Some(commit.tree), DATASETS_DIR)?;
        changes.retain(|c| {
            let parts: Vec<&str> = c.path.split('/').collect();
            parts.len() == 4 && c.path.ends_with(".yml")
        });
        let mut in_data = Vec::new();
        if version < 2 {
            in_data = git.changes_under(parent_tree, Some(commit.tree), "data")?;
            in_data.retain(|c| {
                let parts: Vec<&str> = c.path.split('/').collect();
                parts.len() == 3 && parts[2] == "metadata.yml"
            });
        }
        for (change, data_dir) in changes
            .iter()
            .map(|c| (c, false))
            .chain(in_data.iter().map(|c| (c, true)))
        {
            replay.dataset_change(commit, parent_tree, version, change, data_dir)?;
        }

        for c in git.changes_under(parent_tree, Some(commit.tree), WORKFLOW_DIR)? {
            if c.path.ends_with(".yaml") && matches!(c.new, Some(TreeItem::File(_))) {
                if yaml_commit.insert(c.path.clone(), n).is_none() {
                    yaml_runs.push((c.path.clone(), n));
                }
                continue;
            }
            if !c.path.ends_with(".cwl") || !matches!(c.new, Some(TreeItem::File(_))) {
                continue;
            }
            // The newest commit that wrote a CWL file is the run's, as in renku-python.
            if run_commit.insert(c.path.clone(), n).is_none() {
                runs.push((c.path.clone(), n));
            }
        }
    }

    let mut plans: Vec<Plan> = Vec::new();
    let mut activities: Vec<(Activity, Option<DateTime<FixedOffset>>)> = Vec::new();
    for (path, n) in by_last_commit(runs, &run_commit) {
        // renku-python migrates only the CWL files the project still has.
        if !matches!(git.tree_item(head_tree, &path)?, Some(TreeItem::File(_))) {
            continue;
        }
        let commit = &commits[n];
        let parent_tree = commit.parents.first().and_then(|p| trees.get(p)).copied();
        let mut run_plans = convert_cwl_run(git, commit, parent_tree, &path, &mut replay.warnings)?;
        for (plan, activity) in run_plans.drain(..) {
            plans.push(plan);
            activities.push((activity, None));
        }
    }

    // Runs recorded as workflow YAML (versions 5–8), in the order of their commits.
    let by_sha: HashMap<String, usize> = commits
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.to_string(), i))
        .collect();
    for (path, n) in by_last_commit(yaml_runs, &yaml_commit) {
        if !matches!(git.tree_item(head_tree, &path)?, Some(TreeItem::File(_))) {
            continue;
        }
        for (plan, activity) in convert_yaml_run(
            git,
            &commits,
            &by_sha,
            &trees,
            n,
            &path,
            &mut replay.warnings,
        )? {
            if !plans.iter().any(|p| p.id == plan.id) {
                plans.push(plan);
            }
            if !activities.iter().any(|(a, _)| a.id == activity.id) {
                activities.push((activity, None));
            }
        }
    }

    let datasets = replay.finish();
    let mut warnings = std::mem::take(&mut replay.warnings);
    let tags = std::mem::take(&mut replay.tags);
    drop(replay);
    warnings.sort();
    warnings.dedup();
    Ok(LegacyProject {
        project,
        schema_version: old_project.version.to_string(),
        datasets,
        tags,
        plans,
        activities,
        collections: Vec::new(),
        workflow_file_collections: Vec::new(),
        warnings,
    })
}

/// The project record: ids as renku-python 2.9.4 makes them (namespace from the remote, else
/// the creator's e-mail; name from the remote, else the metadata).
fn convert_project(
    ctx: &ReadContext<'_>,
    old: &OldProject,
    first_date: Option<DateTime<FixedOffset>>,
) -> Project {
    let creator = old
        .creator
        .clone()
        .unwrap_or_else(|| ctx.fallback_person.clone());
    let remote_name = ctx.origin.and_then(|url| {
        let last = url.trim_end_matches('/').rsplit(['/', ':']).next()?;
        let name = last.trim_end_matches(".git");
        (!name.is_empty()).then(|| name.to_string())
    });
    let name = old
        .name
        .clone()
        .or_else(|| remote_name.clone())
        .unwrap_or_else(|| ctx.directory_name.to_string());
    let namespace = ctx
        .origin
        .and_then(crate::project::namespace_from_url)
        .unwrap_or_else(|| {
            let email = creator
                .email
                .clone()
                .or_else(|| ctx.fallback_person.email.clone())
                .unwrap_or_default();
            email.split('@').next().unwrap_or_default().to_string()
        });
    let namespace = if namespace.is_empty() {
        "local".to_string()
    } else {
        namespace
    };
    let id = Project::make_id(&namespace, remote_name.as_deref().unwrap_or(&name));
    let template = old.template_id.clone().map(|id| {
        let mut parameters = BTreeMap::new();
        let mut allow_update = old.automated_update.unwrap_or(true);
        if let Some(text) = &old.template_metadata
            && let Ok(serde_json::Value::Object(map)) =
                serde_json::from_str::<serde_json::Value>(text)
        {
            for (k, v) in map {
                if k == "__automated_update__" {
                    allow_update = v.as_bool().unwrap_or(allow_update);
                } else if !k.starts_with("__") {
                    parameters.insert(k, v);
                }
            }
        }
        TemplateMetadata {
            id,
            source: old
                .template_source
                .clone()
                .unwrap_or_else(|| "renku".into()),
            reference: old.template_ref.clone(),
            version: old.template_version.clone(),
            ssh_supported: false,
            immutable_files: old.immutable_template_files.clone(),
            allow_update,
            parameters,
            recorded_metadata: old.template_metadata.clone(),
        }
    });
    Project {
        id,
        name,
        description: None,
        keywords: Vec::new(),
        creator,
        date_created: old.created.or(first_date).unwrap_or_else(crate::util::now),
        image: None,
        agent_version: crate::VERSION.to_string(),
        template,
        annotations: Vec::new(),
    }
}

/// The dataset state while the history is replayed.
struct Replay<'a> {
    git: &'a Git,
    project: &'a Project,
    /// Every version by identifier.
    versions: BTreeMap<String, Dataset>,
    /// Identifiers in the order they were made.
    order: Vec<String>,
    /// Slug → identifier of the current version.
    by_slug: HashMap<String, String>,
    tags: Vec<DatasetTag>,
    warnings: Vec<String>,
    /// Project metadata version by the blob id of `.renku/metadata.yml`.
    versions_cache: HashMap<Option<ObjectId>, u32>,
}

impl Replay<'_> {
    fn project_version(&mut self, tree: ObjectId) -> Result<u32, YamlError> {
        let blob = match self.git.tree_item(tree, PROJECT_FILE)? {
            Some(TreeItem::File(id)) => Some(id),
            _ => None,
        };
        if let Some(v) = self.versions_cache.get(&blob) {
            return Ok(*v);
        }
        let v = match blob {
            Some(id) => match String::from_utf8(self.git.blob_bytes(id)?) {
                Ok(text) => project::version_of(&text),
                Err(_) => 1,
            },
            None => 1,
        };
        self.versions_cache.insert(blob, v);
        Ok(v)
    }

    fn dataset_change(
        &mut self,
        commit: &HistoryCommit,
        parent_tree: Option<ObjectId>,
        version: u32,
        change: &crate::repo::git::TreeChange,
        in_data_dir: bool,
    ) -> Result<(), YamlError> {
        let dir = change
            .path
            .rsplit_once('/')
            .map(|(d, _)| d.to_string())
            .unwrap_or_default();
        let dir_name = dir.rsplit('/').next().unwrap_or_default().to_string();
        // renku-python only knows datasets kept in a directory named by a UUID.
        if !in_data_dir
            && !is_uuid(&dir_name)
            && !is_uuid(dir_name.rsplit("%2F").next().unwrap_or_default())
        {
            self.warnings.push(format!(
                "{} is not in a dataset directory named by a UUID; it was skipped, as renku-python does",
                change.path
            ));
            return Ok(());
        }
        let (blob, removed) = match (change.new, change.old) {
            (Some(TreeItem::File(id)), _) => (id, false),
            (None, Some(TreeItem::File(id))) => (id, true),
            _ => return Ok(()),
        };
        let read_at = if removed {
            parent_tree.map(|_| commit.parents[0]).unwrap_or(commit.id)
        } else {
            commit.id
        };
        let file = shown(&change.path, read_at);
        let text = text_of(self.git, blob, &change.path, read_at)?;
        let old = datasets::read(
            &text,
            &file,
            &ReadOptions {
                project_version: version,
                dir: &dir,
                in_data_dir,
            },
        )?;
        let initial = if in_data_dir {
            old.identifier.clone()
        } else {
            dashless(dir_name.rsplit("%2F").next().unwrap_or(&dir_name))
        };
        let dataset = self.convert(&old, commit, &dir, in_data_dir, &initial)?;
        self.update(dataset, &old, commit, removed);
        Ok(())
    }

    /// renku-python's `convert_dataset`: the revision as a dataset version, its files looked
    /// up in the commit's tree (files the tree lacks are left out).
    fn convert(
        &mut self,
        old: &OldDataset,
        commit: &HistoryCommit,
        dir: &str,
        in_data_dir: bool,
        initial: &str,
    ) -> Result<Dataset, YamlError> {
        let mut files = Vec::new();
        for f in &old.files {
            let Some((path, item)) = self.resolve_file(commit.tree, &f.path, dir, in_data_dir)?
            else {
                continue;
            };
            let (checksum, is_dir) = match item {
                TreeItem::File(id) | TreeItem::Link(id) => (id.to_string(), false),
                TreeItem::Dir(id) => (id.to_string(), true),
                TreeItem::Submodule(_) => {
                    self.warnings.push(format!(
                        "dataset {}: {path} is a git submodule at commit {}; it is not kept as a file",
                        old.slug,
                        short(commit.id)
                    ));
                    continue;
                }
            };
            let based_on = f
                .based_on
                .as_ref()
                .map(|b| RemoteEntity::new(&b.url, &b.path, &b.checksum));
            let added = f.added.or(old.date_created).unwrap_or(commit.author.time);
            let key = format!(
                "{initial}\0{path}\0{checksum}\0{}\0{:?}\0{:?}\0{}",
                added.to_rfc3339(),
                f.source,
                based_on.as_ref().map(|b| &b.id),
                f.external
            );
            files.push(DatasetFile {
                id: format!("/dataset-files/{}", stable_hex(&[&key], 32)),
                entity: Entity::new(&path, &checksum, is_dir),
                date_added: added,
                date_removed: None,
                source: f.source.clone(),
                is_external: f.external,
                based_on,
                linked: false,
                size: None,
            });
        }
        let identifier = old.identifier.clone();
        let mut creators = old.creators.clone();
        if creators.is_empty() {
            creators.push(self.project.creator.clone());
        }
        let (date_created, date_published) = match (old.date_created, old.date_published) {
            (_, Some(p)) => (None, Some(p)),
            (c, None) => (Some(c.unwrap_or(commit.author.time)), None),
        };
        let date_modified = date_created
            .or(date_published)
            .unwrap_or(commit.author.time);
        let same_as = old
            .same_as
            .as_ref()
            .map(|u| Url::external(&u.url, u.is_iri));
        Ok(Dataset {
            id: Dataset::id_for(&identifier),
            identifier: identifier.clone(),
            initial_identifier: initial.to_string(),
            slug: old.slug.clone(),
            name: old.title.clone(),
            description: old.description.clone(),
            creators,
            date_created,
            date_published,
            date_modified,
            date_removed: None,
            derived_from: None,
            same_as,
            keywords: old.keywords.clone(),
            images: old
                .images
                .iter()
                .map(|i| ImageObject {
                    id: format!("{}/images/{}", Dataset::id_for(&identifier), i.position),
                    content_url: i.content_url.clone(),
                    position: i.position,
                })
                .collect(),
            in_language: old.in_language.clone(),
            license: old.license.clone(),
            version: old.version.clone(),
            annotations: Vec::new(),
            storage: None,
            datadir: None,
            import_source: None,
            files,
            merges: Vec::new(),
        })
    }

    /// Where a recorded file path is in the commit's tree. Version 1 recorded paths relative
    /// to the dataset's directory (or its `data/` directory); renku-python's m_0003 tries the
    /// path as given first, then those.
    fn resolve_file(
        &self,
        tree: ObjectId,
        path: &str,
        dir: &str,
        in_data_dir: bool,
    ) -> Result<Option<(String, TreeItem)>, YamlError> {
        let mut candidates: Vec<String> = Vec::new();
        if path.starts_with("..") {
            // Relative to the directory of the metadata file.
            if let Some(p) = cwl::join_normalized(dir, path) {
                candidates.push(p);
            }
        } else if let Some(p) = cwl::join_normalized("", path) {
            candidates.push(p.clone());
            if in_data_dir {
                candidates.push(format!("{dir}/{p}"));
            }
            candidates.push(format!("data/{p}"));
        }
        for c in candidates {
            if let Some(item) = self.git.tree_item(tree, &c)? {
                return Ok(Some((c, item)));
            }
        }
        Ok(None)
    }

    /// renku-python's `update_during_migration`.
    fn update(&mut self, mut d: Dataset, old: &OldDataset, commit: &HistoryCommit, remove: bool) {
        let date = commit.author.time;
        let current = self
            .by_slug
            .get(&d.slug)
            .and_then(|id| self.versions.get(id))
            .cloned();
        let same_id = self.versions.contains_key(&d.identifier);
        let new_identifier = {
            let hex = commit.id.to_string();
            let tail: String = d
                .identifier
                .chars()
                .rev()
                .take(12)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            format!("{}{tail}", &hex[..20])
        };
        match &current {
            Some(cur) => {
                update_files_from(&mut d, cur, date);
                let identifier = if same_id {
                    new_identifier
                } else {
                    d.identifier.clone()
                };
                let date_created = if same_id { Some(date) } else { d.date_created };
                d.identifier = identifier.clone();
                d.id = Dataset::id_for(&identifier);
                d.initial_identifier = cur.initial_identifier.clone();
                d.derived_from = Some(Url::dataset(&cur.identifier));
                d.same_as = None;
                d.date_created = date_created.or(cur.date_created);
                d.date_published = cur.date_published;
                d.date_modified = date;
                for image in &mut d.images {
                    image.id = format!("{}/images/{}", d.id, image.position);
                }
            }
            None => {
                if remove {
                    self.warnings
                        .push(format!("deleting a dataset not seen before: '{}'", d.slug));
                }
                if old.derived_from {
                    self.warnings.push(format!(
                        "dataset '{}' ({}) names a version it derives from that its history does not have; its history starts at commit {}",
                        d.slug,
                        d.identifier,
                        short(commit.id)
                    ));
                }
                if same_id {
                    d.identifier = new_identifier.clone();
                    d.initial_identifier = new_identifier.clone();
                    d.id = Dataset::id_for(&new_identifier);
                }
            }
        }
        if self.versions.contains_key(&d.identifier) {
            // Two revisions in one commit with the same identifier: keep the first.
            self.warnings.push(format!(
                "dataset '{}' has two revisions with identifier {} in commit {}; the second was skipped",
                d.slug,
                d.identifier,
                short(commit.id)
            ));
            return;
        }
        if remove {
            d.date_removed = Some(date.max(d.date_modified));
            self.tags.retain(|t| t.dataset_slug != d.slug);
            self.by_slug.remove(&d.slug);
        } else {
            let existing: Vec<String> = self
                .tags
                .iter()
                .filter(|t| t.dataset_slug == d.slug)
                .map(|t| t.name.clone())
                .collect();
            for tag in &old.tags {
                if existing.contains(&tag.name) {
                    continue;
                }
                self.tags.push(DatasetTag {
                    id: DatasetTag::id_for(&tag.name, &d.identifier),
                    name: tag.name.clone(),
                    description: tag.description.clone(),
                    date_created: tag.created.unwrap_or(date),
                    dataset_slug: d.slug.clone(),
                    dataset_identifier: d.identifier.clone(),
                });
            }
            self.by_slug.insert(d.slug.clone(), d.identifier.clone());
        }
        self.order.push(d.identifier.clone());
        self.versions.insert(d.identifier.clone(), d);
    }

    /// renku-python's m_0010 date fixes, then the chains of versions, oldest first.
    fn finish(&mut self) -> Vec<Vec<Dataset>> {
        let project_created = self.project.date_created;
        let mut children: HashMap<String, Vec<String>> = HashMap::new();
        let mut roots = Vec::new();
        for id in &self.order {
            let d = &self.versions[id];
            match d.derived_from.as_ref().and_then(|u| u.dataset_identifier()) {
                Some(parent) if self.versions.contains_key(parent) => children
                    .entry(parent.to_string())
                    .or_default()
                    .push(id.clone()),
                _ => roots.push(id.clone()),
            }
        }
        let mut chains = Vec::new();
        for root in roots {
            let mut chain = vec![root.clone()];
            let mut at = root;
            while let Some(kids) = children.get(&at) {
                let Some(next) = kids.first() else { break };
                chain.push(next.clone());
                at = next.clone();
            }
            let mut versions: Vec<Dataset> = chain
                .iter()
                .filter_map(|id| self.versions.remove(id))
                .collect();
            crate::store::legacy::dataset_dates::fix_chain(&mut versions, project_created);
            chains.push(versions);
        }
        chains
    }
}

/// renku-python's `Dataset.update_files_from`: entries equal to the current version's are
/// reused (same id), files the current version had and this one lacks get a removed copy.
fn update_files_from(d: &mut Dataset, current: &Dataset, date: DateTime<FixedOffset>) {
    let mut current_files: Vec<&DatasetFile> =
        current.files.iter().filter(|f| !f.is_removed()).collect();
    let mut files = Vec::new();
    for f in &d.files {
        match current_files
            .iter()
            .position(|c| c.entity.path == f.entity.path)
        {
            Some(at) => {
                let c = current_files.remove(at);
                if same_content(c, f) {
                    files.push(c.clone());
                } else {
                    files.push(f.clone());
                }
            }
            None => files.push(f.clone()),
        }
    }
    for c in current_files {
        let mut gone = c.clone();
        gone.id = format!(
            "/dataset-files/{}",
            stable_hex(&[&c.id, "removed", &date.to_rfc3339()], 32)
        );
        gone.date_removed = Some(date.max(c.date_added));
        files.push(gone);
    }
    d.files = files;
}

fn same_content(a: &DatasetFile, b: &DatasetFile) -> bool {
    a.based_on == b.based_on
        && a.date_added == b.date_added
        && a.date_removed == b.date_removed
        && a.entity == b.entity
        && a.is_external == b.is_external
        && a.linked == b.linked
        && a.source == b.source
}

/// The plans and activities one CWL file at its commit records.
fn convert_cwl_run(
    git: &Git,
    commit: &HistoryCommit,
    parent_tree: Option<ObjectId>,
    path: &str,
    warnings: &mut Vec<String>,
) -> Result<Vec<(Plan, Activity)>, YamlError> {
    let file = shown(path, commit.id);
    let Some(TreeItem::File(blob)) = git.tree_item(commit.tree, path)? else {
        return Ok(Vec::new());
    };
    let cwl = cwl::parse(&text_of(git, blob, path, commit.id)?, &file)?;
    let hex = commit.id.to_string();
    let sha1 = |text: &str| -> String {
        use sha1::Digest;
        sha1::Sha1::digest(text.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    let is_single_run = matches!(cwl, Cwl::Tool(_));
    let steps: Vec<(String, cwl::Tool)> = match cwl {
        Cwl::Tool(tool) => vec![(path.to_string(), tool)],
        Cwl::Workflow(runs) => {
            let dir = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
            let mut out = Vec::new();
            for run in runs {
                let step_path =
                    cwl::join_normalized(dir, &run).ok_or_else(|| YamlError::Damaged {
                        file: file.clone(),
                        reason: format!("the step file '{run}' is outside the repository"),
                    })?;
                let step_file = shown(&step_path, commit.id);
                let Some(TreeItem::File(b)) = git.tree_item(commit.tree, &step_path)? else {
                    return Err(YamlError::Damaged {
                        file: file.clone(),
                        reason: format!("the step file {step_path} does not exist in that commit"),
                    });
                };
                match cwl::parse(&text_of(git, b, &step_path, commit.id)?, &step_file)? {
                    Cwl::Tool(t) => out.push((step_path, t)),
                    Cwl::Workflow(_) => {
                        return Err(YamlError::Damaged {
                            file: step_file,
                            reason: "workflows nested in workflows are not supported".into(),
                        });
                    }
                }
            }
            out
        }
    };
    let is_dir =
        |p: &str| -> bool { matches!(git.tree_item(commit.tree, p), Ok(Some(TreeItem::Dir(_)))) };
    let person = Person::new(
        commit.author.name.clone(),
        Some(commit.author.email.clone()),
        None,
    );
    let agent = workflows::agent_of_commit(
        (&commit.author.name, &commit.author.email),
        (&commit.committer.name, &commit.committer.email),
    );
    // renku-python (m_0005) records the files a single run's commit deleted as invalidated
    // by its activity, with their content before; merge commits have no such diff, and the
    // steps of a workflow run record none.
    let deleted = match commit.parents.len() {
        1 => git.files_deleted(parent_tree, commit.tree)?,
        _ => Vec::new(),
    };
    let invalidated: Vec<Entity> = if is_single_run {
        deleted
            .iter()
            .map(|(path, blob)| Entity::new(path, &blob.to_string(), false))
            .collect()
    } else {
        if !deleted.is_empty() {
            let paths: Vec<&str> = deleted.iter().map(|(p, _)| p.as_str()).collect();
            warnings.push(format!(
                "the workflow run recorded at commit {} deleted {}; renku-python keeps that for single runs only, so it is not part of its activities",
                short(commit.id),
                paths.join(", ")
            ));
        }
        Vec::new()
    };
    let mut out = Vec::new();
    for (i, (step_path, tool)) in steps.iter().enumerate() {
        let step_file = shown(step_path, commit.id);
        let run = cwl::tool_to_run(
            tool,
            step_path,
            sha1(&format!("{step_path}@{hex}")),
            &is_dir,
            &step_file,
        )?;
        let plan = workflows::plan_of(&run, commit.author.time);
        let mut used = Vec::new();
        for input in &run.inputs {
            let entity = match git.tree_item(commit.tree, &input.value)? {
                Some(TreeItem::Dir(id)) => Entity::new(&input.value, &id.to_string(), true),
                Some(item) => Entity::new(&input.value, &item.id().to_string(), false),
                None => {
                    warnings.push(format!(
                        "the input {} of the run at commit {} is not in that commit; it is recorded with checksum {MISSING_CHECKSUM}",
                        input.value,
                        short(commit.id)
                    ));
                    Entity::new(&input.value, MISSING_CHECKSUM, false)
                }
            };
            if !used.iter().any(|u: &Entity| u.path == entity.path) {
                used.push(entity);
            }
        }
        let mut generated = Vec::new();
        for output in &run.outputs {
            let now = git.tree_item(commit.tree, &output.value)?;
            let before = match parent_tree {
                Some(t) => git.tree_item(t, &output.value)?,
                None => None,
            };
            // renku-python records a generation only for outputs the run's commit changed.
            let Some(item) = now.filter(|n| Some(*n) != before) else {
                continue;
            };
            let entity = Entity::new(
                &output.value,
                &item.id().to_string(),
                matches!(item, TreeItem::Dir(_)),
            );
            if !generated.iter().any(|g: &Entity| g.path == entity.path) {
                generated.push(entity);
            }
        }
        let suffix = if i == 0 { String::new() } else { i.to_string() };
        let exec = Execution {
            activity_id: format!("/activities/{}", sha1(&format!("{hex}{suffix}"))),
            started: commit.author.time,
            ended: commit.committer.time,
            person: person.clone(),
            agent: agent.clone(),
            used,
            generated,
            invalidated: invalidated.clone(),
            associated_agent: None,
        };
        let activity = workflows::activity_of(&plan, &exec);
        out.push((plan, activity));
    }
    Ok(out)
}

/// renku-python's activity id of a migrated process run: a SHA-1 of the commit (and step)
/// part of its id, with the index of the plan step appended after the first.
fn activity_id_of(process_id: &str, index: usize) -> String {
    use sha1::Digest;
    let parts: Vec<&str> = process_id.trim_end_matches('/').rsplitn(4, '/').collect();
    // rsplitn gives the last part first.
    let original = if parts.len() >= 3 && parts[1] == "steps" {
        format!("{}/{}/{}", parts[2], parts[1], parts[0])
    } else {
        parts.first().copied().unwrap_or_default().to_string()
    };
    let suffix = if index == 0 {
        String::new()
    } else {
        index.to_string()
    };
    let digest: String = sha1::Sha1::digest(format!("{original}{suffix}").as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("/activities/{digest}")
}

/// The plans and activities a workflow YAML file (versions 5–8) records.
fn convert_yaml_run(
    git: &Git,
    commits: &[HistoryCommit],
    by_sha: &HashMap<String, usize>,
    trees: &HashMap<ObjectId, ObjectId>,
    n: usize,
    path: &str,
    warnings: &mut Vec<String>,
) -> Result<Vec<(Plan, Activity)>, YamlError> {
    let file_commit = &commits[n];
    let Some(TreeItem::File(blob)) = git.tree_item(file_commit.tree, path)? else {
        return Ok(Vec::new());
    };
    let file = shown(path, file_commit.id);
    let executions = workflow_yaml::read(&text_of(git, blob, path, file_commit.id)?, &file)?;
    let commit_of = |sha: Option<&String>| -> &HistoryCommit {
        sha.and_then(|s| by_sha.get(s))
            .map(|&i| &commits[i])
            .unwrap_or(file_commit)
    };
    let parent_tree_of = |c: &HistoryCommit| c.parents.first().and_then(|p| trees.get(p)).copied();
    let mut out = Vec::new();
    for exec in executions {
        let commit = commit_of(exec.commit.as_ref());
        let mut run = exec.run.clone();
        for p in run.inputs.iter_mut().chain(run.outputs.iter_mut()) {
            if !p.is_dir {
                p.is_dir = matches!(
                    git.tree_item(commit.tree, &p.value)?,
                    Some(TreeItem::Dir(_))
                );
            }
        }
        let started = exec.started.unwrap_or(commit.author.time);
        let plan = workflows::plan_of(&run, started);
        let mut used = Vec::new();
        for (p, sha) in &exec.used {
            let at = commit_of(sha.as_ref());
            let entity = match git.tree_item(at.tree, p)? {
                Some(TreeItem::Dir(id)) => Entity::new(p, &id.to_string(), true),
                Some(item) => Entity::new(p, &item.id().to_string(), false),
                None => {
                    warnings.push(format!(
                        "the input {p} of the run recorded in {path} is not in commit {}; it is recorded with checksum {MISSING_CHECKSUM}",
                        short(at.id)
                    ));
                    Entity::new(p, MISSING_CHECKSUM, false)
                }
            };
            if !used.iter().any(|u: &Entity| u.path == entity.path) {
                used.push(entity);
            }
        }
        let mut generated = Vec::new();
        for (p, sha) in &exec.generated {
            let at = commit_of(sha.as_ref());
            let now = git.tree_item(at.tree, p)?;
            let before = match parent_tree_of(at) {
                Some(t) => git.tree_item(t, p)?,
                None => None,
            };
            let Some(item) = now.filter(|x| Some(*x) != before) else {
                continue;
            };
            let entity = Entity::new(p, &item.id().to_string(), matches!(item, TreeItem::Dir(_)));
            if !generated.iter().any(|g: &Entity| g.path == entity.path) {
                generated.push(entity);
            }
        }
        let mut invalidated = Vec::new();
        for (p, sha) in &exec.invalidated {
            let entity = match content_before_deletion(
                git,
                commits,
                by_sha,
                commit_of(sha.as_ref()),
                p,
            )? {
                Some(item) => {
                    Entity::new(p, &item.id().to_string(), matches!(item, TreeItem::Dir(_)))
                }
                None => {
                    warnings.push(format!(
                        "the file {p} the run recorded in {path} deleted was never committed; it is recorded with checksum {MISSING_CHECKSUM}"
                    ));
                    Entity::new(p, MISSING_CHECKSUM, false)
                }
            };
            if !invalidated.iter().any(|e: &Entity| e.path == entity.path) {
                invalidated.push(entity);
            }
        }
        let execution = Execution {
            activity_id: activity_id_of(&exec.process_id, exec.index),
            started,
            ended: exec.ended.unwrap_or(commit.committer.time),
            person: exec.person.clone().unwrap_or_else(|| {
                Person::new(
                    commit.author.name.clone(),
                    Some(commit.author.email.clone()),
                    None,
                )
            }),
            agent: exec.agent.clone().unwrap_or_else(|| {
                workflows::agent_of_commit(
                    (&commit.author.name, &commit.author.email),
                    (&commit.committer.name, &commit.committer.email),
                )
            }),
            used,
            generated,
            invalidated,
            associated_agent: exec.associated_agent.clone(),
        };
        out.push((plan.clone(), workflows::activity_of(&plan, &execution)));
    }
    Ok(out)
}

/// What `path` held at `commit`, or, when `commit` lacks it, in the first parent of the
/// newest commit on its first-parent line that deleted it: how renku-python's m_0009 finds
/// the content of a file a run deleted.
fn content_before_deletion(
    git: &Git,
    commits: &[HistoryCommit],
    by_sha: &HashMap<String, usize>,
    commit: &HistoryCommit,
    path: &str,
) -> Result<Option<TreeItem>, YamlError> {
    if let Some(item) = git.tree_item(commit.tree, path)? {
        return Ok(Some(item));
    }
    let mut at = commit;
    while let Some(&parent) = at.parents.first().and_then(|p| by_sha.get(&p.to_string())) {
        at = &commits[parent];
        if let Some(item) = git.tree_item(at.tree, path)? {
            return Ok(Some(item));
        }
    }
    Ok(None)
}

/// The run files of `runs`, each with the commit that wrote it last (`last_commit`), in the
/// order of those commits (then by path).
fn by_last_commit(
    runs: Vec<(String, usize)>,
    last_commit: &HashMap<String, usize>,
) -> Vec<(String, usize)> {
    let mut ordered: Vec<(String, usize)> = runs
        .into_iter()
        .map(|(path, first)| {
            let n = last_commit.get(&path).copied().unwrap_or(first);
            (path, n)
        })
        .collect();
    ordered.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    ordered
}
