//! Reading a renku-python project database (metadata versions 9 and 10) into our model:
//! the project, every dataset version and tag, every plan version, every activity and
//! activity collection. Ids are kept as renku-python wrote them.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDateTime};

use super::objectdb::{ObjectDb, ObjectDbError, PyObject, PyValue, oid_for_id};
use crate::model::{
    Activity, ActivityCollection, Annotation, CommandParameter, Dataset, DatasetFile, DatasetTag,
    Entity, Generation, ImageObject, Language, ParameterKind, ParameterLink, ParameterMapping,
    ParameterRef, ParameterValue, Person, Plan, Project, RemoteEntity, SoftwareAgent, Stream,
    TemplateMetadata, Url, Usage, WorkflowFileActivityCollection,
};

/// Everything read from a renku-python database.
#[derive(Debug, Clone)]
pub struct LegacyProject {
    /// The project metadata.
    pub project: Project,
    /// The database's schema version (`9` or `10`).
    pub schema_version: String,
    /// Every dataset, as its chain of versions (oldest first); each version's `files` is its
    /// complete file list.
    pub datasets: Vec<Vec<Dataset>>,
    /// Every dataset tag.
    pub tags: Vec<DatasetTag>,
    /// Every plan version (plans and composite plans).
    pub plans: Vec<Plan>,
    /// Every activity, with the time it was deleted (`workflow revert`), if it was.
    pub activities: Vec<(Activity, Option<DateTime<FixedOffset>>)>,
    /// Activity collections (several activities recorded by one command).
    pub collections: Vec<ActivityCollection>,
    /// Executions of workflow files.
    pub workflow_file_collections: Vec<WorkflowFileActivityCollection>,
    /// Content that was read but could not be kept exactly, for the user.
    pub warnings: Vec<String>,
}

type R<T> = Result<T, ObjectDbError>;

/// Datasets as chains of versions, oldest first.
type DatasetChains = Vec<Vec<Dataset>>;

/// A top-level object being converted: errors name its file and id.
struct Src<'a> {
    db: &'a ObjectDb,
    oid: String,
    what: String,
}

impl Src<'_> {
    fn err(&self, reason: impl std::fmt::Display) -> ObjectDbError {
        ObjectDbError::Damaged {
            path: self.db.shown_path(&self.oid),
            reason: format!("{}: {reason}", self.what),
        }
    }

    fn string(&self, o: &PyObject, name: &str) -> R<Option<String>> {
        match o.attr(name) {
            None | Some(PyValue::None) => Ok(None),
            Some(PyValue::Str(s)) => Ok(Some(s.clone())),
            Some(PyValue::Number(n)) => Ok(Some(n.to_string())),
            Some(other) => Err(self.err(format!(
                "{} of {} is not a string ({other:?})",
                name,
                o.class_name()
            ))),
        }
    }

    fn required(&self, o: &PyObject, name: &str) -> R<String> {
        self.string(o, name)?
            .ok_or_else(|| self.err(format!("{} has no {name}", o.class_name())))
    }

    fn bool(&self, o: &PyObject, name: &str) -> bool {
        matches!(o.attr(name), Some(PyValue::Bool(true)))
    }

    fn strings(&self, o: &PyObject, name: &str) -> R<Vec<String>> {
        match o.attr(name) {
            None | Some(PyValue::None) => Ok(Vec::new()),
            Some(v) => match v.as_items() {
                Some(items) => items
                    .iter()
                    .map(|i| match i {
                        PyValue::Str(s) => Ok(s.clone()),
                        other => Err(self.err(format!("{name} holds a non-string {other:?}"))),
                    })
                    .collect(),
                None => Err(self.err(format!("{name} is not a list"))),
            },
        }
    }

    fn items<'o>(&self, o: &'o PyObject, name: &str) -> R<&'o [PyValue]> {
        match o.attr(name) {
            None | Some(PyValue::None) => Ok(&[]),
            Some(v) => v
                .as_items()
                .ok_or_else(|| self.err(format!("{name} of {} is not a list", o.class_name()))),
        }
    }

    fn date(&self, o: &PyObject, name: &str) -> R<Option<DateTime<FixedOffset>>> {
        match o.attr(name) {
            None | Some(PyValue::None) => Ok(None),
            Some(PyValue::DateTime(s)) | Some(PyValue::Str(s)) => parse_datetime(s)
                .map(Some)
                .ok_or_else(|| self.err(format!("{name} '{s}' is not a date"))),
            Some(other) => Err(self.err(format!("{name} is not a date ({other:?})"))),
        }
    }

    /// An embedded object (or a reference, loaded).
    fn object(&self, v: &PyValue) -> R<Arc<PyObject>> {
        self.db
            .resolve(v)?
            .ok_or_else(|| self.err(format!("expected an object, found {v:?}")))
    }

    fn person(&self, v: &PyValue) -> R<Person> {
        let o = self.object(v)?;
        let email = self.string(&o, "email")?.filter(|e| !e.is_empty());
        let name = self
            .string(&o, "name")?
            .or_else(|| email.clone())
            .unwrap_or_default();
        let mut person = Person::new(name, email, self.string(&o, "affiliation")?);
        if let Some(id) = self.string(&o, "id")? {
            person.id = id;
        }
        person.alternate_name = self.string(&o, "alternate_name")?;
        Ok(person)
    }

    fn persons(&self, o: &PyObject, name: &str) -> R<Vec<Person>> {
        self.items(o, name)?
            .iter()
            .map(|p| self.person(p))
            .collect()
    }

    fn annotations(&self, o: &PyObject) -> R<Vec<Annotation>> {
        self.items(o, "annotations")?
            .iter()
            .map(|a| {
                let a = self.object(a)?;
                Ok(Annotation {
                    id: self.required(&a, "id")?,
                    body: a.attr("body").map(PyValue::to_json).unwrap_or_default(),
                    source: self.string(&a, "source")?.unwrap_or_default(),
                })
            })
            .collect()
    }

    fn images(&self, o: &PyObject) -> R<Vec<ImageObject>> {
        self.items(o, "images")?
            .iter()
            .map(|i| {
                let i = self.object(i)?;
                Ok(ImageObject {
                    id: self.required(&i, "id")?,
                    content_url: self.required(&i, "content_url")?,
                    position: match i.attr("position") {
                        Some(PyValue::Number(n)) => n.as_u64().unwrap_or(0) as u32,
                        _ => 0,
                    },
                })
            })
            .collect()
    }

    fn entity(&self, v: &PyValue) -> R<Entity> {
        let e = self.object(v)?;
        let path = self.required(&e, "path")?;
        let checksum = self.string(&e, "checksum")?.unwrap_or_default();
        let mut entity = Entity::new(&path, &checksum, e.class_name() == "Collection");
        if let Some(id) = self.string(&e, "id")? {
            entity.id = id;
        }
        Ok(entity)
    }
}

/// Parses Python's `datetime.isoformat()`; naive values (old data) are taken as UTC.
pub fn parse_datetime(s: &str) -> Option<DateTime<FixedOffset>> {
    let s = s.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d);
    }
    if let Ok(d) = DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%:z") {
        return Some(d);
    }
    if let Ok(d) = DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f%:z") {
        return Some(d);
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(n) = NaiveDateTime::parse_from_str(s, format) {
            return Some(n.and_utc().fixed_offset());
        }
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|n| n.and_utc().fixed_offset())
}

/// Reads the whole database. `fallback_person` stands in for a missing project creator.
pub fn read(db: &ObjectDb, fallback_person: &Person) -> R<LegacyProject> {
    let mut warnings = Vec::new();
    let (project, schema_version) = read_project(db, fallback_person)?;

    let plans = read_plans(db)?;
    let plan_ids: HashMap<String, String> = plans
        .iter()
        .map(|(oid, p)| (oid.clone(), p.id.clone()))
        .collect();
    let activities = read_activities(db, &plan_ids)?;
    let (collections, workflow_file_collections) = read_collections(db, &plan_ids)?;
    let (datasets, slugs_by_id) = read_datasets(db, &mut warnings)?;
    let tags = read_tags(db, &slugs_by_id)?;

    let mut legacy = LegacyProject {
        project,
        schema_version,
        datasets,
        tags,
        plans: plans.into_values().collect(),
        activities,
        collections,
        workflow_file_collections,
        warnings,
    };
    if legacy.schema_version == "9" {
        super::v9_fixes::apply(&mut legacy);
    }
    Ok(legacy)
}

fn read_project(db: &ObjectDb, fallback_person: &Person) -> R<(Project, String)> {
    let o = db.load("project")?;
    let src = Src {
        db,
        oid: "project".into(),
        what: "the project".into(),
    };
    let version = src.string(&o, "version")?.unwrap_or_else(|| "9".into());
    let id = src.required(&o, "id")?;
    let creator = match o.attr("creator") {
        None | Some(PyValue::None) => fallback_person.clone(),
        Some(v) => src.person(v)?,
    };
    let date_created = src
        .date(&o, "date_created")?
        .unwrap_or_else(crate::util::now);
    let image = match o.attr("image") {
        None | Some(PyValue::None) => None,
        Some(v) => {
            let i = src.object(v)?;
            Some(ImageObject {
                id: src.required(&i, "id")?,
                content_url: src.required(&i, "content_url")?,
                position: 0,
            })
        }
    };
    let template = read_template(&src, &o)?;
    let name = src
        .string(&o, "name")?
        .unwrap_or_else(|| id.rsplit('/').next().unwrap_or_default().to_string());
    let project = Project {
        id,
        name,
        description: src.string(&o, "description")?.filter(|d| !d.is_empty()),
        keywords: src.strings(&o, "keywords")?,
        creator,
        date_created,
        image,
        agent_version: src
            .string(&o, "agent_version")?
            .unwrap_or_else(|| "unknown".into()),
        template,
        annotations: src.annotations(&o)?,
    };
    Ok((project, version))
}

/// Template metadata: nested in v10 (`template_metadata`), flat attributes in v9.
fn read_template(src: &Src, o: &PyObject) -> R<Option<TemplateMetadata>> {
    // Nested (v10) the JSON string is `metadata`; flat on a v9 project, `template_metadata`.
    let (holder, metadata_attr): (Arc<PyObject>, &str) = match o.attr("template_metadata") {
        Some(v @ PyValue::Object(_)) => (src.object(v)?, "metadata"),
        _ => (Arc::new(o.clone()), "template_metadata"),
    };
    let Some(id) = src.string(&holder, "template_id")? else {
        return Ok(None);
    };
    let metadata = src.string(&holder, metadata_attr)?.unwrap_or_default();
    let mut parameters = BTreeMap::new();
    let mut allow_update = true;
    if !metadata.is_empty() {
        let parsed: serde_json::Value = serde_json::from_str(&metadata)
            .map_err(|e| src.err(format!("the template metadata is not JSON: {e}")))?;
        if let serde_json::Value::Object(map) = parsed {
            for (k, v) in map {
                if k == "__automated_update__" {
                    allow_update = v.as_bool().unwrap_or(true);
                } else if !k.starts_with("__") {
                    parameters.insert(k, v);
                }
            }
        }
    }
    if let Some(PyValue::Bool(b)) = holder.attr("automated_update") {
        allow_update = *b;
    }
    Ok(Some(TemplateMetadata {
        id,
        source: src
            .string(&holder, "template_source")?
            .unwrap_or_else(|| "renku".into()),
        reference: src.string(&holder, "template_ref")?,
        version: src.string(&holder, "template_version")?,
        ssh_supported: src.bool(&holder, "ssh_supported"),
        immutable_files: src.strings(&holder, "immutable_template_files")?,
        allow_update,
        parameters,
        recorded_metadata: (!metadata.is_empty()).then_some(metadata),
    }))
}

/// The objects an index refers to, loaded, with their oids.
fn index_objects(db: &ObjectDb, name: &str) -> R<Vec<(String, Arc<PyObject>)>> {
    let Some(entries) = db.index(name)? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (_, value) in entries {
        match &value {
            PyValue::Ref { oid, .. } => out.push((oid.clone(), db.load(oid)?)),
            other => {
                return Err(ObjectDbError::Damaged {
                    path: db.shown_path(name),
                    reason: format!("an entry of the index '{name}' is not a reference: {other:?}"),
                });
            }
        }
    }
    Ok(out)
}

fn class_of(o: &PyObject) -> &str {
    o.class_name()
}

fn read_plans(db: &ObjectDb) -> R<BTreeMap<String, Plan>> {
    let objects = index_objects(db, "plans")?;
    let by_oid: HashMap<String, Arc<PyObject>> = objects.iter().cloned().collect();
    let mut out = BTreeMap::new();
    for (oid, o) in &objects {
        let plan = convert_plan(db, oid, o, &by_oid)?;
        out.insert(oid.clone(), plan);
    }
    Ok(out)
}

fn convert_plan(
    db: &ObjectDb,
    oid: &str,
    o: &PyObject,
    by_oid: &HashMap<String, Arc<PyObject>>,
) -> R<Plan> {
    let mut src = Src {
        db,
        oid: oid.to_string(),
        what: format!("plan object {oid}"),
    };
    let id = src.required(o, "id")?;
    src.what = format!("plan {id}");
    let class = class_of(o);
    if !matches!(
        class,
        "Plan" | "CompositePlan" | "WorkflowFilePlan" | "WorkflowFileCompositePlan"
    ) {
        return Err(src.err(format!("unknown plan type {}", o.type_name)));
    }
    let date_created = src.date(o, "date_created")?;
    let date_modified = src.date(o, "date_modified")?;
    // v9 plans recorded deletion as `invalidated_at`.
    let date_removed = match src.date(o, "date_removed")? {
        Some(d) => Some(d),
        None => src.date(o, "invalidated_at")?,
    };
    let date_created = date_created
        .or(date_modified)
        .ok_or_else(|| src.err("the plan has no creation date"))?;
    let composite = matches!(class, "CompositePlan" | "WorkflowFileCompositePlan");
    let mut plan = Plan {
        id: id.clone(),
        name: src.string(o, "name")?.unwrap_or_default(),
        description: src.string(o, "description")?,
        command: src.string(o, "command")?.unwrap_or_default(),
        parameters: Vec::new(),
        success_codes: success_codes(&src, o)?,
        keywords: src.strings(o, "keywords")?,
        creators: src.persons(o, "creators")?,
        date_created,
        date_modified: date_modified.unwrap_or(date_created),
        date_removed,
        derived_from: src.string(o, "derived_from")?.filter(|d| *d != id),
        annotations: src.annotations(o)?,
        steps: Vec::new(),
        mappings: Vec::new(),
        links: Vec::new(),
        path: src.string(o, "path")?,
    };
    if !composite {
        for (attr, kind) in [
            ("inputs", ParameterKind::Input),
            ("outputs", ParameterKind::Output),
            ("parameters", ParameterKind::Parameter),
        ] {
            for p in src.items(o, attr)? {
                plan.parameters.push(parameter(&src, p, kind)?);
            }
        }
        // A step of a workflow file keeps its path only on the composite.
        if class == "WorkflowFilePlan" {
            plan.path = None;
        }
        return Ok(plan);
    }
    let mut steps: Vec<Arc<PyObject>> = Vec::new();
    for step in src.items(o, "plans")? {
        let obj = match step {
            PyValue::Ref { oid, .. } => match by_oid.get(oid) {
                Some(o) => o.clone(),
                None => db.load(oid)?,
            },
            other => src.object(other)?,
        };
        plan.steps.push(src.required(&obj, "id")?);
        steps.push(obj);
    }
    if plan.steps.is_empty() {
        return Err(src.err("the composite plan has no steps"));
    }
    let locate = |param_id: &str| -> R<ParameterRef> {
        locate_parameter(db, &src, &steps, by_oid, param_id, 0)?
            .map(|step| ParameterRef {
                step,
                id: param_id.to_string(),
            })
            .ok_or_else(|| {
                src.err(format!(
                    "the parameter {param_id} is in none of the composite plan's steps"
                ))
            })
    };
    for m in src.items(o, "mappings")? {
        let m = src.object(m)?;
        let mut maps_to = Vec::new();
        for target in src.items(&m, "mapped_parameters")? {
            let t = src.object(target)?;
            maps_to.push(locate(&src.required(&t, "id")?)?);
        }
        plan.mappings.push(ParameterMapping {
            id: src.required(&m, "id")?,
            name: src.string(&m, "name")?.unwrap_or_default(),
            description: src.string(&m, "description")?,
            default_value: m
                .attr("default_value")
                .filter(|v| !v.is_none())
                .map(PyValue::to_json),
            maps_to,
        });
    }
    for l in src.items(o, "links")? {
        let l = src.object(l)?;
        let source = l
            .attr("source")
            .ok_or_else(|| src.err("a link has no source"))?;
        let source = locate(&src.required(&*src.object(source)?, "id")?)?;
        let mut sinks = Vec::new();
        for sink in src.items(&l, "sinks")? {
            sinks.push(locate(&src.required(&*src.object(sink)?, "id")?)?);
        }
        plan.links.push(ParameterLink {
            id: src.required(&l, "id")?,
            source,
            sinks,
        });
    }
    Ok(plan)
}

/// The step path (indices from the composite down) of the plan holding parameter
/// `param_id`, or of the nested composite holding a mapping with that id.
fn locate_parameter(
    db: &ObjectDb,
    src: &Src,
    steps: &[Arc<PyObject>],
    by_oid: &HashMap<String, Arc<PyObject>>,
    param_id: &str,
    depth: usize,
) -> R<Option<Vec<usize>>> {
    if depth > 64 {
        return Err(src.err("composite plans are nested too deeply (or in a cycle)"));
    }
    let has_id = |list: &[PyValue]| -> R<bool> {
        for p in list {
            if src.string(&*src.object(p)?, "id")?.as_deref() == Some(param_id) {
                return Ok(true);
            }
        }
        Ok(false)
    };
    for (i, step) in steps.iter().enumerate() {
        let composite = matches!(
            class_of(step),
            "CompositePlan" | "WorkflowFileCompositePlan"
        );
        if !composite {
            for attr in ["inputs", "outputs", "parameters"] {
                if has_id(src.items(step, attr)?)? {
                    return Ok(Some(vec![i]));
                }
            }
            continue;
        }
        if has_id(src.items(step, "mappings")?)? {
            return Ok(Some(vec![i]));
        }
        let mut children = Vec::new();
        for c in src.items(step, "plans")? {
            children.push(match c {
                PyValue::Ref { oid, .. } => match by_oid.get(oid) {
                    Some(o) => o.clone(),
                    None => db.load(oid)?,
                },
                other => src.object(other)?,
            });
        }
        if let Some(mut rest) = locate_parameter(db, src, &children, by_oid, param_id, depth + 1)? {
            rest.insert(0, i);
            return Ok(Some(rest));
        }
    }
    Ok(None)
}

fn success_codes(src: &Src, o: &PyObject) -> R<Vec<i32>> {
    src.items(o, "success_codes")?
        .iter()
        .map(|c| match c {
            PyValue::Number(n) => n
                .as_i64()
                .map(|n| n as i32)
                .ok_or_else(|| src.err("a success code is not an integer")),
            other => Err(src.err(format!("a success code is not an integer: {other:?}"))),
        })
        .collect()
}

fn parameter(src: &Src, v: &PyValue, kind: ParameterKind) -> R<CommandParameter> {
    let p = src.object(v)?;
    let mapped_to = match p.attr("mapped_to") {
        None | Some(PyValue::None) => None,
        Some(m) => {
            let m = src.object(m)?;
            match src.string(&m, "stream_type")?.as_deref() {
                Some("stdin") => Some(Stream::Stdin),
                Some("stdout") => Some(Stream::Stdout),
                Some("stderr") => Some(Stream::Stderr),
                other => return Err(src.err(format!("unknown stream type {other:?}"))),
            }
        }
    };
    let encoding_format = match p.attr("encoding_format") {
        Some(PyValue::Str(s)) => Some(s.clone()),
        Some(v) => v
            .as_items()
            .and_then(|i| i.first())
            .and_then(|f| f.as_str())
            .map(str::to_string),
        None => None,
    };
    let position = match p.attr("position") {
        Some(PyValue::Number(n)) => n.as_u64().map(|n| n as u32),
        _ => None,
    };
    Ok(CommandParameter {
        id: src.required(&p, "id")?,
        kind,
        name: src.string(&p, "name")?.unwrap_or_default(),
        description: src.string(&p, "description")?,
        default_value: p
            .attr("default_value")
            .map(PyValue::to_json)
            .unwrap_or_default(),
        position,
        prefix: src.string(&p, "prefix")?,
        mapped_to,
        encoding_format,
        create_folder: src.bool(&p, "create_folder"),
        name_set_by_user: src.bool(&p, "name_set_by_user"),
    })
}

/// `(software agent, person)` of an `agents` list.
fn agents(src: &Src, o: &PyObject) -> R<(SoftwareAgent, Person)> {
    let mut software = None;
    let mut person = None;
    for a in src.items(o, "agents")? {
        let obj = src.object(a)?;
        if obj.class_name() == "SoftwareAgent" {
            software = Some(SoftwareAgent {
                id: src.required(&obj, "id")?,
                name: src.string(&obj, "name")?.unwrap_or_default(),
            });
        } else {
            person = Some(src.person(a)?);
        }
    }
    Ok((
        software.ok_or_else(|| src.err("no software agent"))?,
        person.ok_or_else(|| src.err("no person among the agents"))?,
    ))
}

/// The software agent of the association, when it names one.
fn association_agent(src: &Src, o: &PyObject) -> R<Option<SoftwareAgent>> {
    let Some(assoc) = o.attr("association") else {
        return Ok(None);
    };
    let assoc = src.object(assoc)?;
    match assoc.attr("agent") {
        None | Some(PyValue::None) => Ok(None),
        Some(a) => {
            let a = src.object(a)?;
            if a.class_name() != "SoftwareAgent" {
                return Ok(None);
            }
            Ok(Some(SoftwareAgent {
                id: src.required(&a, "id")?,
                name: src.string(&a, "name")?.unwrap_or_default(),
            }))
        }
    }
}

/// The id of the plan an association points at.
fn association_plan(src: &Src, o: &PyObject, plan_ids: &HashMap<String, String>) -> R<String> {
    let assoc = o
        .attr("association")
        .ok_or_else(|| src.err("no association"))?;
    let assoc = src.object(assoc)?;
    match assoc.attr("plan") {
        Some(PyValue::Ref { oid, .. }) => match plan_ids.get(oid) {
            Some(id) => Ok(id.clone()),
            None => src.required(&*src.db.load(oid)?, "id"),
        },
        Some(v @ PyValue::Object(_)) => src.required(&*src.object(v)?, "id"),
        _ => Err(src.err("the association has no plan")),
    }
}

fn read_activities(
    db: &ObjectDb,
    plan_ids: &HashMap<String, String>,
) -> R<Vec<(Activity, Option<DateTime<FixedOffset>>)>> {
    let mut out = Vec::new();
    for (oid, o) in index_objects(db, "activities")? {
        let mut src = Src {
            db,
            oid: oid.clone(),
            what: format!("activity object {oid}"),
        };
        let id = src.required(&o, "id")?;
        src.what = format!("activity {id}");
        let (agent, person) = agents(&src, &o)?;
        let started = src
            .date(&o, "started_at_time")?
            .ok_or_else(|| src.err("no start time"))?;
        let ended = src.date(&o, "ended_at_time")?.unwrap_or(started);
        let usages = |attr: &str| -> R<Vec<Usage>> {
            src.items(&o, attr)?
                .iter()
                .map(|u| {
                    let u = src.object(u)?;
                    Ok(Usage {
                        id: src.required(&u, "id")?,
                        entity: src.entity(u.attr("entity").unwrap_or(&PyValue::None))?,
                    })
                })
                .collect()
        };
        let generations = src
            .items(&o, "generations")?
            .iter()
            .map(|g| {
                let g = src.object(g)?;
                Ok(Generation {
                    id: src.required(&g, "id")?,
                    entity: src.entity(g.attr("entity").unwrap_or(&PyValue::None))?,
                })
            })
            .collect::<R<Vec<_>>>()?;
        let parameters = src
            .items(&o, "parameters")?
            .iter()
            .map(|p| {
                let p = src.object(p)?;
                Ok(ParameterValue {
                    id: src.required(&p, "id")?,
                    parameter_id: src.required(&p, "parameter_id")?,
                    value: p.attr("value").map(PyValue::to_json).unwrap_or_default(),
                })
            })
            .collect::<R<Vec<_>>>()?;
        let association_agent = association_agent(&src, &o)?.filter(|a| *a != agent);
        let invalidations = src
            .items(&o, "invalidations")?
            .iter()
            .map(|e| src.entity(e))
            .collect::<R<Vec<_>>>()?;
        let activity = Activity {
            association_agent,
            plan_id: association_plan(&src, &o, plan_ids)?,
            started_at_time: started,
            ended_at_time: ended,
            agent,
            person,
            usages: usages("usages")?,
            generations,
            hidden_usages: usages("hidden_usages")?,
            parameters,
            annotations: src.annotations(&o)?,
            invalidations,
            id,
        };
        out.push((activity, src.date(&o, "invalidated_at")?));
    }
    Ok(out)
}

fn read_collections(
    db: &ObjectDb,
    plan_ids: &HashMap<String, String>,
) -> R<(Vec<ActivityCollection>, Vec<WorkflowFileActivityCollection>)> {
    let mut plain = Vec::new();
    let mut files = Vec::new();
    for (oid, o) in index_objects(db, "activity-collections")? {
        let src = Src {
            db,
            oid: oid.clone(),
            what: format!("activity collection {oid}"),
        };
        let id = src.required(&o, "id")?;
        let mut activities = Vec::new();
        for a in src.items(&o, "activities")? {
            activities.push(src.required(&*src.object(a)?, "id")?);
        }
        if o.class_name() == "WorkflowFileActivityCollection" {
            let (agent, person) = agents(&src, &o)?;
            let started = src
                .date(&o, "started_at_time")?
                .ok_or_else(|| src.err("no start time"))?;
            files.push(WorkflowFileActivityCollection {
                id,
                activities,
                plan_id: association_plan(&src, &o, plan_ids)?,
                started_at_time: started,
                ended_at_time: src.date(&o, "ended_at_time")?.unwrap_or(started),
                agent,
                person,
            });
        } else {
            plain.push(ActivityCollection { id, activities });
        }
    }
    Ok((plain, files))
}

fn url(src: &Src, v: &PyValue) -> R<Url> {
    let u = src.object(v)?;
    let id = src.required(&u, "id")?;
    let iri = match src.string(&u, "url_id")? {
        Some(i) => Some(i),
        None => match u.attr("url") {
            Some(PyValue::Dict(m)) => m.get("@id").and_then(|v| v.as_str()).map(str::to_string),
            _ => None,
        },
    };
    if let Some(iri) = iri {
        return Ok(Url {
            id,
            url: iri,
            is_iri: true,
        });
    }
    let text = match src.string(&u, "url_str")? {
        Some(t) => t,
        None => src
            .string(&u, "url")?
            .ok_or_else(|| src.err("a URL has no value"))?,
    };
    Ok(Url {
        id,
        url: text,
        is_iri: false,
    })
}

fn dataset_file(src: &Src, v: &PyValue) -> R<DatasetFile> {
    let f = src.object(v)?;
    let entity = src.entity(f.attr("entity").unwrap_or(&PyValue::None))?;
    let based_on = match f.attr("based_on") {
        None | Some(PyValue::None) => None,
        Some(b) => {
            let b = src.object(b)?;
            Some(RemoteEntity {
                id: src.required(&b, "id")?,
                checksum: src.string(&b, "checksum")?.unwrap_or_default(),
                path: src.string(&b, "path")?.unwrap_or_default(),
                url: src.string(&b, "url")?.unwrap_or_default(),
            })
        }
    };
    let date_added = src
        .date(&f, "date_added")?
        .ok_or_else(|| src.err(format!("the file {} has no date_added", entity.path)))?;
    Ok(DatasetFile {
        id: src.required(&f, "id")?,
        entity,
        date_added,
        date_removed: src.date(&f, "date_removed")?,
        source: src.string(&f, "source")?,
        is_external: src.bool(&f, "is_external"),
        based_on,
        linked: src.bool(&f, "linked"),
        size: match f.attr("size") {
            Some(PyValue::Number(n)) => n.as_u64(),
            _ => None,
        },
    })
}

fn convert_dataset(
    db: &ObjectDb,
    oid: &str,
    o: &PyObject,
    warnings: &mut Vec<String>,
) -> R<Dataset> {
    let mut src = Src {
        db,
        oid: oid.to_string(),
        what: format!("dataset object {oid}"),
    };
    let id = src.required(o, "id")?;
    src.what = format!("dataset {id}");
    if o.class_name() != "Dataset" {
        return Err(src.err(format!("unknown dataset type {}", o.type_name)));
    }
    let identifier = match src.string(o, "identifier")? {
        Some(i) => i,
        None => id.rsplit('/').next().unwrap_or_default().to_string(),
    };
    // Since renku 2.8: `slug` + `name` (the title); before: `name` (the slug) + `title`.
    let (slug, name) = match src.string(o, "slug")? {
        Some(slug) => (slug.clone(), src.string(o, "name")?.unwrap_or(slug)),
        None => {
            let slug = src.required(o, "name")?;
            (slug.clone(), src.string(o, "title")?.unwrap_or(slug))
        }
    };
    // Several entries for one path: the current one wins over a removed one.
    let mut files: Vec<DatasetFile> = Vec::new();
    for f in src.items(o, "dataset_files")? {
        let file = dataset_file(&src, f)?;
        match files.iter().position(|e| e.entity.path == file.entity.path) {
            Some(i) => {
                warnings.push(format!(
                    "dataset {slug} ({id}) lists {} more than once; one entry is kept, the current one if any",
                    file.entity.path
                ));
                if files[i].is_removed() && !file.is_removed() {
                    files[i] = file;
                }
            }
            None => files.push(file),
        }
    }
    let date_created = src.date(o, "date_created")?;
    let date_published = src.date(o, "date_published")?;
    let date_modified = src
        .date(o, "date_modified")?
        .or(date_created)
        .or(date_published)
        .ok_or_else(|| src.err("the dataset has no dates"))?;
    let in_language = match o.attr("in_language") {
        None | Some(PyValue::None) => None,
        Some(l) => {
            let l = src.object(l)?;
            let name = src.required(&l, "name")?;
            let mut lang = Language::new(&name, src.string(&l, "alternate_name")?);
            if let Some(id) = src.string(&l, "id")? {
                lang.id = id;
            }
            Some(lang)
        }
    };
    Ok(Dataset {
        initial_identifier: src
            .string(o, "initial_identifier")?
            .unwrap_or_else(|| identifier.clone()),
        id,
        identifier,
        slug,
        name,
        description: src.string(o, "description")?,
        creators: src.persons(o, "creators")?,
        date_created,
        date_published,
        date_modified,
        date_removed: src.date(o, "date_removed")?,
        derived_from: match o.attr("derived_from") {
            None | Some(PyValue::None) => None,
            Some(v) => Some(url(&src, v)?),
        },
        same_as: match o.attr("same_as") {
            None | Some(PyValue::None) => None,
            Some(v) => Some(url(&src, v)?),
        },
        keywords: src.strings(o, "keywords")?,
        images: src.images(o)?,
        in_language,
        license: src.string(o, "license")?,
        version: src.string(o, "version")?,
        annotations: src.annotations(o)?,
        storage: src.string(o, "storage")?,
        datadir: src.string(o, "datadir")?,
        import_source: None,
        files,
        merges: Vec::new(),
    })
}

/// Every dataset as a chain of versions, and the slug of every version id.
fn read_datasets(
    db: &ObjectDb,
    warnings: &mut Vec<String>,
) -> R<(DatasetChains, HashMap<String, String>)> {
    // Newest versions: the provenance tails (removed datasets included) and the live ones.
    let mut heads: Vec<(String, Arc<PyObject>)> = index_objects(db, "datasets-provenance-tails")?;
    for (oid, o) in index_objects(db, "datasets")? {
        if !heads.iter().any(|(h, _)| *h == oid) {
            heads.push((oid, o));
        }
    }
    let mut by_id: BTreeMap<String, Dataset> = BTreeMap::new();
    let mut children: HashMap<String, Vec<String>> = HashMap::new();
    let mut pending: Vec<(String, Arc<PyObject>)> = heads;
    while let Some((oid, o)) = pending.pop() {
        let d = convert_dataset(db, &oid, &o, warnings)?;
        if by_id.contains_key(&d.id) {
            continue;
        }
        if let Some(parent_id) = d.derived_from.as_ref().and_then(parent_dataset_id) {
            children
                .entry(parent_id.clone())
                .or_default()
                .push(d.id.clone());
            if !by_id.contains_key(&parent_id) {
                let parent_oid = oid_for_id(&parent_id);
                match db.load(&parent_oid) {
                    Ok(p) => pending.push((parent_oid, p)),
                    Err(ObjectDbError::Missing { path, .. }) => warnings.push(format!(
                        "dataset {} ({}) derives from {parent_id}, whose object {path} is missing; its history starts here",
                        d.slug, d.id
                    )),
                    Err(e) => return Err(e),
                }
            }
        }
        by_id.insert(d.id.clone(), d);
    }
    // Chains: from each first version (one without a known parent) follow the children.
    let mut chains = Vec::new();
    let roots: Vec<String> = by_id
        .values()
        .filter(|d| {
            d.derived_from
                .as_ref()
                .and_then(parent_dataset_id)
                .is_none_or(|p| !by_id.contains_key(&p))
        })
        .map(|d| d.id.clone())
        .collect();
    let mut slugs = HashMap::new();
    for root in roots {
        let mut chain = Vec::new();
        let mut stack = vec![root];
        while let Some(id) = stack.pop() {
            let Some(d) = by_id.remove(&id) else { continue };
            if let Some(kids) = children.get(&id) {
                let mut kids = kids.clone();
                kids.sort();
                stack.extend(kids.into_iter().rev());
            }
            slugs.insert(d.id.clone(), d.slug.clone());
            chain.push(d);
        }
        chains.push(chain);
    }
    Ok((chains, slugs))
}

/// The id (`/datasets/<identifier>`) of the version a `derived_from` URL names; old data
/// may hold it absolute (`https://host/datasets/…`).
pub fn parent_dataset_id(url: &Url) -> Option<String> {
    let at = url.url.find("/datasets/")?;
    let identifier = url.url[at + "/datasets/".len()..].trim_end_matches('/');
    (!identifier.is_empty()).then(|| format!("/datasets/{identifier}"))
}

fn read_tags(db: &ObjectDb, slugs: &HashMap<String, String>) -> R<Vec<DatasetTag>> {
    let Some(entries) = db.index("datasets-tags")? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (slug, list) in entries {
        let list = db.resolve(&list)?.ok_or_else(|| ObjectDbError::Damaged {
            path: db.shown_path("datasets-tags"),
            reason: format!("the tags of {slug:?} are not a list"),
        })?;
        let src = Src {
            db,
            oid: list.oid.clone().unwrap_or_default(),
            what: "the tag list".into(),
        };
        for t in src.items(&list, "data")? {
            let PyValue::Ref { oid, .. } = t else {
                return Err(src.err("a tag is not a reference"));
            };
            let o = db.load(oid)?;
            let src = Src {
                db,
                oid: oid.clone(),
                what: format!("dataset tag {oid}"),
            };
            let dataset = url(
                &src,
                o.attr("dataset_id")
                    .ok_or_else(|| src.err("the tag names no dataset"))?,
            )?;
            let identifier = dataset
                .url
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_string();
            let dataset_slug = slugs
                .get(&dataset.url)
                .cloned()
                .or_else(|| slug.as_str().map(str::to_string))
                .unwrap_or_default();
            out.push(DatasetTag {
                id: src.required(&o, "id")?,
                name: src.required(&o, "name")?,
                description: src.string(&o, "description")?.unwrap_or_default(),
                date_created: src
                    .date(&o, "date_created")?
                    .ok_or_else(|| src.err("the tag has no date"))?,
                dataset_slug,
                dataset_identifier: identifier,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_python_datetimes() {
        let d = parse_datetime("2026-12-01T17:07:14.303054+00:00").unwrap();
        assert_eq!(d.timestamp_subsec_micros(), 303054);
        assert_eq!(
            parse_datetime("2020-05-01T10:00:00").unwrap().to_rfc3339(),
            "2020-05-01T10:00:00+00:00"
        );
        assert!(parse_datetime("2020-05-01T10:00:00+02:00").is_some());
        assert!(parse_datetime("yesterday").is_none());
    }
}
