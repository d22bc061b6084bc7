//! `renku migrate`: converts a project written by renku-python (its object database,
//! metadata versions 9 and 10, or its YAML and CWL files, versions 1–8, replayed from the
//! git history) into our metadata format, in one commit. Ids are kept, so links to the
//! project's datasets, plans and activities from elsewhere still resolve.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::context::CommandContext;
use crate::model::{
    Activity, ActivityCollection, Dataset, DatasetFile, DatasetTag, ImportSource, Person, Plan,
    Project, WorkflowFileActivityCollection,
};
use crate::repo::ProjectDir;
use crate::store::format::{FORMAT_FILE, FORMAT_VERSION, FormatMarker, ProjectFormat};
use crate::store::legacy::database::{self, LegacyProject};
use crate::store::legacy::objectdb::ObjectDb;
use crate::store::legacy::yaml::{self, cwl};
use crate::store::{Kind, Record, Store};
use crate::{Error, Result};

/// Directory of renku-python's object database, relative to the project root.
pub const LEGACY_DATABASE_DIR: &str = ".renku/metadata";

/// What `renku migrate --check` finds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MigrationCheck {
    /// The project is in our current format.
    NotRequired,
    /// The project must be migrated; `from` says what it is now.
    Required {
        /// A description of the format found.
        from: String,
    },
    /// The project was written by a newer renku; this one cannot migrate it.
    Unsupported {
        /// Why.
        reason: String,
    },
}

/// Tells whether the project containing `start` needs `renku migrate`.
pub fn check(start: &Path) -> Result<MigrationCheck> {
    let root = ProjectDir::locate(start);
    Ok(match crate::store::format::detect(&root)? {
        ProjectFormat::None => return Err(Error::NotAProject { path: root }),
        ProjectFormat::Native { version } if version == FORMAT_VERSION => {
            MigrationCheck::NotRequired
        }
        ProjectFormat::Native { version } if version > FORMAT_VERSION => {
            MigrationCheck::Unsupported {
                reason: format!(
                    "the project uses metadata format version {version}; this renku supports up to {FORMAT_VERSION}"
                ),
            }
        }
        ProjectFormat::Native { version } => MigrationCheck::Required {
            from: format!("metadata format version {version}"),
        },
        ProjectFormat::RenkuPythonDatabase { schema_version } => match schema_version.as_deref() {
            Some(v) if v.parse::<u32>().is_ok_and(|n| n > 10) => MigrationCheck::Unsupported {
                reason: format!("renku-python metadata version {v} is newer than 10"),
            },
            v => MigrationCheck::Required {
                from: format!(
                    "renku-python's metadata database (version {})",
                    v.unwrap_or("unknown")
                ),
            },
        },
        ProjectFormat::RenkuPythonLegacy { schema_version } => MigrationCheck::Required {
            from: format!(
                "renku-python's YAML metadata (version {})",
                schema_version.as_deref().unwrap_or("1")
            ),
        },
    })
}

/// What a migration did.
#[derive(Debug, Clone, Default)]
pub struct MigrateReport {
    /// `false` when the project was already in the current format.
    pub migrated: bool,
    /// The format the project was in.
    pub from: String,
    /// Datasets migrated (each with all its versions).
    pub datasets: usize,
    /// Dataset versions written.
    pub dataset_versions: usize,
    /// Dataset tags written.
    pub tags: usize,
    /// Plan versions written.
    pub plans: usize,
    /// Activities written.
    pub activities: usize,
    /// Activity collections (plain and workflow-file) written.
    pub collections: usize,
    /// Things that could not be kept exactly.
    pub warnings: Vec<String>,
}

/// Migrates the project containing `start` into the current format in one commit. The work
/// tree must be clean; on any error the repository is left as it was.
pub fn migrate(ctx: &CommandContext, start: &Path) -> Result<MigrateReport> {
    let root = ProjectDir::locate(start);
    let from = match check(&root)? {
        MigrationCheck::NotRequired => return Ok(MigrateReport::default()),
        MigrationCheck::Unsupported { reason } => {
            return Err(Error::Failed(format!(
                "Cannot migrate the project: {reason}."
            )));
        }
        MigrationCheck::Required { from } => from,
    };
    let yaml_era = match crate::store::format::detect(&root)? {
        ProjectFormat::RenkuPythonDatabase { .. } => false,
        ProjectFormat::RenkuPythonLegacy { schema_version } => {
            if let Some(v) = schema_version.as_deref()
                && v.parse::<u32>().is_ok_and(|n| n > 8)
            {
                return Err(Error::Failed(format!(
                    "Cannot migrate the project: .renku/metadata.yml says metadata version {v}, but there is no metadata database in {LEGACY_DATABASE_DIR}."
                )));
            }
            true
        }
        _ => {
            return Err(Error::Failed(format!(
                "Cannot migrate the project: migrating from {from} is not supported by this renku."
            )));
        }
    };
    crate::repo::transaction::recover_if_abandoned(&root)?;
    let project_dir = ProjectDir::at(&root);
    let git = project_dir.git()?;
    crate::repo::status::ensure_clean(&git)?;
    let fallback = {
        let (name, email) = git.identity()?;
        Person::new(name, Some(email), None)
    };

    let legacy = if yaml_era {
        let origin = git.origin_url();
        let directory_name = root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "project".into());
        yaml::read(&yaml::ReadContext {
            git: &git,
            fallback_person: &fallback,
            origin: origin.as_deref(),
            directory_name: &directory_name,
        })
        .map_err(|e| {
            Error::Failed(format!(
                "Cannot migrate the project: the renku-python metadata is damaged.\n{e}"
            ))
        })?
    } else {
        let db = ObjectDb::open(root.join(LEGACY_DATABASE_DIR), LEGACY_DATABASE_DIR);
        database::read(&db, &fallback).map_err(|e| {
            Error::Failed(format!(
                "Cannot migrate the project: the renku-python metadata is damaged.\n{e}"
            ))
        })?
    };

    let mut tx = ctx.begin_transaction(&root)?;
    let store = Store::new(&root);
    let records = to_records(&legacy, tx.id())?;
    let from = if yaml_era {
        format!(
            "renku-python's YAML metadata (version {})",
            legacy.schema_version
        )
    } else {
        from
    };
    let mut report = MigrateReport {
        migrated: true,
        from,
        datasets: legacy.datasets.len(),
        dataset_versions: records.datasets.len(),
        tags: records.tags.len(),
        plans: records.plans.len(),
        activities: legacy.activities.len(),
        collections: records.collections.len() + records.workflow_file_collections.len(),
        warnings: legacy.warnings.clone(),
    };
    tx.write_file(
        FORMAT_FILE,
        &crate::store::record::canonical_json(&FormatMarker::current())?,
    )?;
    store.put(&mut tx, &records.project)?;
    store.put_all(&mut tx, &records.datasets)?;
    store.put_all(&mut tx, &records.tags)?;
    store.put_all(&mut tx, &records.plans)?;
    store.put_all(&mut tx, &records.activities)?;
    store.put_all(&mut tx, &records.collections)?;
    store.put_all(&mut tx, &records.workflow_file_collections)?;

    if yaml_era {
        remove_yaml_era_files(&mut tx, &git, &root, &mut report)?;
    } else {
        super::init::remove_tree_files(&mut tx, &root, LEGACY_DATABASE_DIR)?;
    }
    if root.join(".renku/metadata.yml").is_file() {
        tx.remove_file(".renku/metadata.yml")?;
    }
    if let Some(text) = without_merge_driver(&root)? {
        tx.write_file(".gitattributes", text.as_bytes())?;
    }
    tx.commit(&ctx.argv)?;
    remove_empty_dirs(&root.join(LEGACY_DATABASE_DIR));
    for dir in [
        yaml::DATASETS_DIR,
        yaml::REFS_DIR,
        yaml::VENDORS_DIR,
        cwl::WORKFLOW_DIR,
    ] {
        remove_empty_dirs(&root.join(dir));
    }
    report.warnings.sort();
    Ok(report)
}

/// Converts renku-python's object database in `database_dir` (a copy of a project's
/// `.renku/metadata`, versions 9 and 10) into our format below `root`, as `renku migrate`
/// would, but as plain files: no git, no commit. Returns what could not be kept exactly.
/// For readers of repositories they do not own, such as a server indexing a pushed commit.
pub fn convert_database_into(
    database_dir: &Path,
    root: &Path,
    fallback: &Person,
) -> Result<Vec<String>> {
    let db = ObjectDb::open(database_dir, LEGACY_DATABASE_DIR);
    let legacy = database::read(&db, fallback)
        .map_err(|e| Error::Failed(format!("the renku-python metadata is damaged.\n{e}")))?;
    let records = to_records(&legacy, "converted")?;
    let mut files: Vec<(String, Vec<u8>)> = vec![(
        FORMAT_FILE.to_string(),
        crate::store::record::canonical_json(&FormatMarker::current())?,
    )];
    fn add<T: serde::Serialize>(
        files: &mut Vec<(String, Vec<u8>)>,
        records: &[Record<T>],
    ) -> Result<()> {
        for record in records {
            files.push((
                Store::record_path(record.kind, &record.version_id),
                crate::store::record::encode(record)?,
            ));
        }
        Ok(())
    }
    add(&mut files, std::slice::from_ref(&records.project))?;
    add(&mut files, &records.datasets)?;
    add(&mut files, &records.tags)?;
    add(&mut files, &records.plans)?;
    add(&mut files, &records.activities)?;
    add(&mut files, &records.collections)?;
    add(&mut files, &records.workflow_file_collections)?;
    for (rel, bytes) in files {
        let path = root.join(&rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| Error::io(format!("Cannot create {}", parent.display()), e))?;
        }
        std::fs::write(&path, bytes).map_err(|e| Error::io(format!("Cannot write {rel}"), e))?;
    }
    Ok(legacy.warnings)
}

/// Removes what renku-python kept its YAML-era metadata in, as its migration does: the
/// tracked files under `.renku/datasets`, `.renku/workflow` and `.renku/refs` (dataset
/// references are symbolic links), and the submodules under `.renku/vendors` it imported
/// data with, with their `.gitmodules` sections.
fn remove_yaml_era_files(
    tx: &mut crate::repo::transaction::Transaction,
    git: &crate::repo::git::Git,
    root: &Path,
    report: &mut MigrateReport,
) -> Result<()> {
    use crate::repo::git::TreeItem;
    let Some(head) = git.head_id()? else {
        return Ok(());
    };
    let tree = git
        .repo()
        .find_commit(head)
        .map_err(|e| Error::git("cannot read HEAD", e))?
        .tree_id()
        .map_err(|e| Error::git("cannot read HEAD", e))?
        .detach();
    let mut files = Vec::new();
    let mut submodules = Vec::new();
    for dir in [
        yaml::DATASETS_DIR,
        cwl::WORKFLOW_DIR,
        yaml::REFS_DIR,
        yaml::VENDORS_DIR,
    ] {
        for change in git.changes_under(None, Some(tree), dir)? {
            match change.new {
                Some(TreeItem::Submodule(_)) => submodules.push(change.path),
                Some(_) => files.push(change.path),
                None => {}
            }
        }
    }
    tx.remove_files(&files)?;
    for s in &submodules {
        tx.remove_submodule(s)?;
    }
    if !submodules.is_empty() {
        let gitmodules = root.join(".gitmodules");
        if let Ok(text) = std::fs::read_to_string(&gitmodules) {
            let kept = without_submodules(&text, &submodules);
            if kept.trim().is_empty() {
                tx.remove_file(".gitmodules")?;
            } else if kept != text {
                tx.write_file(".gitmodules", kept.as_bytes())?;
            }
        }
        report.warnings.push(format!(
            "removed the git submodules renku-python imported data with: {}",
            submodules.join(", ")
        ));
    }
    Ok(())
}

/// `.gitmodules` text without the sections of the submodules at `paths`.
fn without_submodules(text: &str, paths: &[String]) -> String {
    let mut sections: Vec<Vec<&str>> = vec![Vec::new()];
    for line in text.lines() {
        if line.trim_start().starts_with('[') {
            sections.push(Vec::new());
        }
        if let Some(last) = sections.last_mut() {
            last.push(line);
        }
    }
    let mut out = String::new();
    for section in sections {
        let drop = section.iter().any(|l| {
            l.split_once('=').is_some_and(|(k, v)| {
                k.trim() == "path" && paths.iter().any(|p| p == v.trim().trim_matches('"'))
            })
        });
        if drop {
            continue;
        }
        for l in section {
            out.push_str(l);
            out.push('\n');
        }
    }
    out
}

/// Removes `dir` and the directories below it that are empty (what is left of renku-python's
/// database once its files are gone); anything else stays.
fn remove_empty_dirs(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            remove_empty_dirs(&entry.path());
        }
    }
    // Fails, harmlessly, when something is left inside.
    let _ = std::fs::remove_dir(dir);
}

/// `.gitattributes` without renku-python's merge driver line, when it has one.
fn without_merge_driver(root: &Path) -> Result<Option<String>> {
    let path = root.join(".gitattributes");
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(None);
    };
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| !l.contains("merge=renkumerge"))
        .collect();
    if kept.len() == text.lines().count() {
        return Ok(None);
    }
    let mut out = kept.join("\n");
    if !out.is_empty() {
        out.push('\n');
    }
    Ok(Some(out))
}

/// The records of a migrated project.
struct Records {
    project: Record<Project>,
    datasets: Vec<Record<Dataset>>,
    tags: Vec<Record<DatasetTag>>,
    plans: Vec<Record<Plan>>,
    activities: Vec<Record<Activity>>,
    collections: Vec<Record<ActivityCollection>>,
    workflow_file_collections: Vec<Record<WorkflowFileActivityCollection>>,
}

/// A record version id for an object id: its trailing 32 hex digits when it has them (ids
/// renku-python generated), else 32 hex digits of a hash of `salt` and the id (so that
/// migrating the same project twice gives the same files).
fn version_id_for(salt: &str, id: &str) -> String {
    let last = id.rsplit('/').next().unwrap_or(id);
    if last.len() == 32 && last.bytes().all(|b| b.is_ascii_hexdigit()) {
        return last.to_ascii_lowercase();
    }
    hashed_version_id(salt, id)
}

/// 32 hex digits of a hash of `salt` and `id`: the version id of a second record of one
/// object (a removal), which must differ from the first's whatever the id looks like.
fn hashed_version_id(salt: &str, id: &str) -> String {
    let digest = Sha256::digest(format!("{salt}:{id}").as_bytes());
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

fn to_records(legacy: &LegacyProject, transaction: &str) -> Result<Records> {
    let p = &legacy.project;
    let project = Record {
        kind: Kind::Project,
        object_id: p.id.clone(),
        version_id: version_id_for("project", &p.id),
        derived_from: None,
        date: crate::util::now(),
        removed: false,
        transaction: transaction.to_string(),
        data: p.clone(),
    };

    let mut datasets = Vec::new();
    for chain in &legacy.datasets {
        datasets.extend(dataset_records(chain, transaction));
    }

    let mut tags = Vec::new();
    let initial_of: HashMap<&str, &str> = legacy
        .datasets
        .iter()
        .flatten()
        .map(|d| (d.identifier.as_str(), d.initial_identifier.as_str()))
        .collect();
    for tag in &legacy.tags {
        let initial = initial_of
            .get(tag.dataset_identifier.as_str())
            .copied()
            .unwrap_or(tag.dataset_identifier.as_str());
        tags.push(Record {
            kind: Kind::DatasetTag,
            object_id: DatasetTag::object_id(initial, &tag.name),
            version_id: version_id_for("tag", &tag.id),
            derived_from: None,
            date: tag.date_created,
            removed: false,
            transaction: transaction.to_string(),
            data: tag.clone(),
        });
    }

    // Plans: each chain of derivatives is one object, named by its first version's id.
    let by_id: HashMap<&str, &Plan> = legacy.plans.iter().map(|p| (p.id.as_str(), p)).collect();
    let first_of = |plan: &Plan| -> String {
        let mut current = plan;
        let mut steps = 0;
        while let Some(parent) = current.derived_from.as_deref().and_then(|d| by_id.get(d)) {
            current = parent;
            steps += 1;
            if steps > by_id.len() {
                break;
            }
        }
        current.id.clone()
    };
    let mut plans: Vec<Record<Plan>> = legacy
        .plans
        .iter()
        .map(|plan| Record {
            kind: Kind::Plan,
            object_id: first_of(plan),
            version_id: version_id_for("plan", &plan.id),
            derived_from: plan
                .derived_from
                .as_deref()
                .filter(|d| by_id.contains_key(d))
                .map(|d| version_id_for("plan", d)),
            date: plan.date_removed.unwrap_or(plan.date_modified),
            removed: plan.date_removed.is_some(),
            transaction: transaction.to_string(),
            data: plan.clone(),
        })
        .collect();
    plans.sort_by(|a, b| a.version_id.cmp(&b.version_id));

    let mut activities = Vec::new();
    for (activity, deleted) in &legacy.activities {
        let first = Record {
            kind: Kind::Activity,
            object_id: activity.id.clone(),
            version_id: version_id_for("activity", &activity.id),
            derived_from: None,
            date: activity.ended_at_time,
            removed: false,
            transaction: transaction.to_string(),
            data: activity.clone(),
        };
        if let Some(when) = deleted {
            let mut removal = first.clone();
            removal.version_id = hashed_version_id("activity-removal", &activity.id);
            removal.derived_from = Some(first.version_id.clone());
            removal.date = *when;
            removal.removed = true;
            activities.push(removal);
        }
        activities.push(first);
    }

    let collections = legacy
        .collections
        .iter()
        .map(|c| Record {
            kind: Kind::ActivityCollection,
            object_id: c.id.clone(),
            version_id: version_id_for("collection", &c.id),
            derived_from: None,
            date: crate::util::now(),
            removed: false,
            transaction: transaction.to_string(),
            data: c.clone(),
        })
        .collect();
    let workflow_file_collections = legacy
        .workflow_file_collections
        .iter()
        .map(|c| Record {
            kind: Kind::WorkflowFileActivityCollection,
            object_id: c.id.clone(),
            version_id: version_id_for("workflow-file-collection", &c.id),
            derived_from: None,
            date: c.ended_at_time,
            removed: false,
            transaction: transaction.to_string(),
            data: c.clone(),
        })
        .collect();

    Ok(Records {
        project,
        datasets,
        tags,
        plans,
        activities,
        collections,
        workflow_file_collections,
    })
}

/// The records of one dataset's versions (oldest first): each holds only the file entries
/// that differ from the version it derives from (see `docs/metadata-format.md`).
fn dataset_records(chain: &[Dataset], transaction: &str) -> Vec<Record<Dataset>> {
    let mut folded: HashMap<String, BTreeMap<String, DatasetFile>> = HashMap::new();
    let mut out = Vec::new();
    let object_id = chain
        .first()
        .map(|d| d.initial_identifier.clone())
        .unwrap_or_default();
    for d in chain {
        let parent = d
            .derived_from
            .as_ref()
            .and_then(database::parent_dataset_id)
            .and_then(|id| id.strip_prefix("/datasets/").map(str::to_string))
            .filter(|p| folded.contains_key(p));
        let base = parent
            .as_ref()
            .and_then(|p| folded.get(p))
            .cloned()
            .unwrap_or_default();
        let mine: BTreeMap<String, DatasetFile> = d
            .files
            .iter()
            .map(|f| (f.entity.path.clone(), f.clone()))
            .collect();
        let mut delta: Vec<DatasetFile> = mine
            .values()
            .filter(|f| base.get(&f.entity.path) != Some(*f))
            .cloned()
            .collect();
        // Files the parent had that this version no longer lists are gone from it.
        let removal_date = d.date_removed.unwrap_or(d.date_modified);
        for (path, f) in &base {
            if !mine.contains_key(path) && !f.is_removed() {
                let mut gone = f.clone();
                gone.date_removed = Some(removal_date.max(f.date_added));
                delta.push(gone);
            }
        }
        let mut state = base;
        for f in &delta {
            state.insert(f.entity.path.clone(), f.clone());
        }
        folded.insert(d.identifier.clone(), state);

        let mut data = d.clone();
        data.files = delta;
        if data.same_as.is_some() && parent.is_none() {
            data.import_source = data.same_as.as_ref().map(|s| ImportSource {
                provider: provider_of(&s.url, s.is_iri),
                uri: s.url.clone(),
                version: d.version.clone(),
                tag: None,
            });
        }
        out.push(Record {
            kind: Kind::Dataset,
            object_id: object_id.clone(),
            version_id: d.identifier.clone(),
            derived_from: parent,
            date: d.date_removed.unwrap_or(d.date_modified),
            removed: d.date_removed.is_some(),
            transaction: transaction.to_string(),
            data,
        });
    }
    out
}

/// The provider an imported dataset came from, guessed from its `sameAs`.
fn provider_of(url: &str, is_iri: bool) -> String {
    let lower = url.to_ascii_lowercase();
    if lower.contains("zenodo") {
        "zenodo"
    } else if lower.contains("dataverse") || lower.contains("/dvn/") {
        "dataverse"
    } else if is_iri || lower.contains("/datasets/") {
        "renku"
    } else {
        "doi"
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_ids_are_the_ids_hex_or_a_stable_hash() {
        assert_eq!(
            version_id_for("plan", "/plans/7879d8e5cc0748ecb197acd300676e05"),
            "7879d8e5cc0748ecb197acd300676e05"
        );
        let dashed = version_id_for("plan", "/plans/7879d8e5-cc07-48ec-b197-acd300676e05");
        assert_eq!(dashed.len(), 32);
        assert_eq!(
            dashed,
            version_id_for("plan", "/plans/7879d8e5-cc07-48ec-b197-acd300676e05")
        );
        assert_ne!(
            dashed,
            version_id_for("activity", "/plans/7879d8e5-cc07-48ec-b197-acd300676e05")
        );
    }

    #[test]
    fn a_reverted_activity_keeps_its_record_and_gets_a_removal() {
        // renku-python's own activity ids end in 32 hex digits, which become the version id
        // of the activity's record; its removal must be a record of its own.
        let person = serde_json::json!({"id": "mailto:a@b.c", "name": "A"});
        let project: Project = serde_json::from_value(serde_json::json!({
            "id": "/projects/ns/p", "name": "p", "date_created": "2021-01-01T00:00:00+00:00",
            "creator": person, "version": "10", "agent_version": "2.9.4"
        }))
        .unwrap();
        let activity: Activity = serde_json::from_value(serde_json::json!({
            "id": "/activities/1beb291f27f24e8a8adc49822dd6307f", "plan_id": "/plans/p1",
            "started_at_time": "2021-01-01T00:00:00+00:00",
            "ended_at_time": "2021-01-01T00:00:01+00:00",
            "agent": {"id": "https://github.com/swissdatasciencecenter/renku-python/tree/v2.9.4", "name": "renku 2.9.4"},
            "person": person, "usages": [], "generations": [], "parameters": []
        }))
        .unwrap();
        let legacy = LegacyProject {
            project,
            schema_version: "10".into(),
            datasets: Vec::new(),
            tags: Vec::new(),
            plans: Vec::new(),
            activities: vec![(activity, Some(crate::util::now()))],
            collections: Vec::new(),
            workflow_file_collections: Vec::new(),
            warnings: Vec::new(),
        };
        let records = to_records(&legacy, "t").unwrap();
        let versions: std::collections::BTreeSet<&str> = records
            .activities
            .iter()
            .map(|r| r.version_id.as_str())
            .collect();
        assert_eq!(versions.len(), 2, "{versions:?}");
        let removal = records.activities.iter().find(|r| r.removed).unwrap();
        assert_eq!(
            removal.derived_from.as_deref(),
            Some("1beb291f27f24e8a8adc49822dd6307f")
        );
    }

    #[test]
    fn merge_driver_lines_are_dropped() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(".gitattributes"),
            "*.csv filter=lfs diff=lfs merge=lfs -text\n.renku/metadata/** merge=renkumerge\n",
        )
        .unwrap();
        assert_eq!(
            without_merge_driver(dir.path()).unwrap().as_deref(),
            Some("*.csv filter=lfs diff=lfs merge=lfs -text\n")
        );
        std::fs::write(dir.path().join(".gitattributes"), "*.csv -text\n").unwrap();
        assert_eq!(without_merge_driver(dir.path()).unwrap(), None);
    }
}
