//! Reading the entities of a project's graph (projects, dataset versions, tags, plans,
//! persons, activities) with SPARQL through the [`GraphStore`] trait, so that the endpoints
//! and the search index work the same on any store.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, FixedOffset};
use oxigraph::model::{Literal, NamedNode};

use super::lineage::{ActivityIo, PathUse};
use super::store::{GraphScope, GraphStore, GraphStoreError, QueryLimits, Row};

const PREFIXES: &str = "PREFIX schema: <http://schema.org/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX renku: <https://swissdatasciencecenter.github.io/renku-ontology#>
";

/// Limits of the server's own queries: generous, since they read one project.
const OWN: QueryLimits = QueryLimits {
    timeout: std::time::Duration::from_secs(30),
    max_results: 5_000_000,
};

/// A SPARQL string literal of `value` (escaped).
pub fn literal(value: &str) -> String {
    Literal::new_simple_literal(value).to_string()
}

fn select(
    store: &dyn GraphStore,
    scope: &GraphScope,
    body: &str,
) -> Result<Vec<Row>, GraphStoreError> {
    let sparql = format!("{PREFIXES}{body}");
    Ok(store.query(&sparql, scope, &OWN)?.into_rows())
}

fn parse_date(text: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(text).ok().or_else(|| {
        chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|d| d.and_utc().fixed_offset())
    })
}

/// A person (creator, author).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PersonInfo {
    /// The person's IRI.
    pub id: String,
    /// Name.
    pub name: String,
    /// E-mail address.
    pub email: Option<String>,
    /// Affiliation.
    pub affiliation: Option<String>,
}

fn person(row: &Row) -> Option<PersonInfo> {
    Some(PersonInfo {
        id: row.text("p")?,
        name: row.non_empty("pname").unwrap_or_default(),
        email: row.non_empty("email"),
        affiliation: row.non_empty("aff"),
    })
}

const PERSON_FIELDS: &str = "OPTIONAL { ?p schema:name ?pname } OPTIONAL { ?p schema:email ?email } OPTIONAL { ?p schema:affiliation ?aff }";

/// The project node.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProjectInfo {
    /// `schema:name`.
    pub name: Option<String>,
    /// `schema:description`.
    pub description: Option<String>,
    /// `schema:keywords`, sorted.
    pub keywords: Vec<String>,
    /// `schema:dateCreated`.
    pub date_created: Option<DateTime<FixedOffset>>,
    /// `schema:dateModified` (the indexed commit's time).
    pub date_modified: Option<DateTime<FixedOffset>>,
    /// `schema:creator`.
    pub creator: Option<PersonInfo>,
    /// `schema:schemaVersion` (renku metadata version).
    pub schema_version: Option<String>,
    /// Image URLs in position order.
    pub images: Vec<String>,
}

/// The project node `iri` of `graph`.
pub fn project(store: &dyn GraphStore, graph: &NamedNode) -> Result<ProjectInfo, GraphStoreError> {
    let scope = GraphScope::one(graph);
    let mut info = ProjectInfo::default();
    let rows = select(
        store,
        &scope,
        &format!(
            "SELECT ?name ?description ?created ?modified ?version WHERE {{
               OPTIONAL {{ {graph} schema:name ?name }}
               OPTIONAL {{ {graph} schema:description ?description }}
               OPTIONAL {{ {graph} schema:dateCreated ?created }}
               OPTIONAL {{ {graph} schema:dateModified ?modified }}
               OPTIONAL {{ {graph} schema:schemaVersion ?version }}
             }} LIMIT 1"
        ),
    )?;
    if let Some(row) = rows.first() {
        info.name = row.non_empty("name");
        info.description = row.non_empty("description");
        info.date_created = row.text("created").as_deref().and_then(parse_date);
        info.date_modified = row.text("modified").as_deref().and_then(parse_date);
        info.schema_version = row.non_empty("version");
    }
    for row in select(
        store,
        &scope,
        &format!("SELECT ?k WHERE {{ {graph} schema:keywords ?k }}"),
    )? {
        if let Some(k) = row.non_empty("k") {
            info.keywords.push(k);
        }
    }
    info.keywords.sort();
    info.creator = select(
        store,
        &scope,
        &format!("SELECT ?p ?pname ?email ?aff WHERE {{ {graph} schema:creator ?p . {PERSON_FIELDS} }} LIMIT 1"),
    )?
    .first()
    .and_then(person);
    info.images = images(store, &scope, &graph.to_string())?
        .remove(graph.as_str())
        .unwrap_or_default();
    Ok(info)
}

/// Image URLs by owner, in position order, of the owners matched by `owner` (a SPARQL term
/// or variable pattern).
fn images(
    store: &dyn GraphStore,
    scope: &GraphScope,
    owner: &str,
) -> Result<HashMap<String, Vec<String>>, GraphStoreError> {
    let owner_var = if owner.starts_with('?') { owner } else { "?o" };
    let pattern = if owner.starts_with('?') {
        String::new()
    } else {
        format!("BIND({owner} AS ?o)")
    };
    let mut found: HashMap<String, Vec<(i64, String)>> = HashMap::new();
    for row in select(
        store,
        scope,
        &format!(
            "SELECT {owner_var} ?url ?pos WHERE {{ {pattern} {owner_var} schema:image ?i . ?i schema:contentUrl ?url . OPTIONAL {{ ?i schema:position ?pos }} }}"
        ),
    )? {
        let (Some(o), Some(url)) = (row.text(owner_var.trim_start_matches('?')), row.text("url"))
        else {
            continue;
        };
        let pos = row
            .text("pos")
            .and_then(|p| p.parse().ok())
            .unwrap_or(i64::MAX);
        found.entry(o).or_default().push((pos, url));
    }
    Ok(found
        .into_iter()
        .map(|(o, mut list)| {
            list.sort();
            (o, list.into_iter().map(|(_, u)| u).collect())
        })
        .collect())
}

/// One dataset version.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DatasetInfo {
    /// The version's IRI.
    pub iri: String,
    /// `schema:identifier`.
    pub identifier: String,
    /// `renku:originalIdentifier`: the identifier of the first version.
    pub initial_identifier: String,
    /// `renku:slug`.
    pub slug: String,
    /// `schema:name` (the title).
    pub name: String,
    /// `schema:description`.
    pub description: Option<String>,
    /// `schema:dateCreated`.
    pub date_created: Option<DateTime<FixedOffset>>,
    /// `schema:datePublished` (imported datasets).
    pub date_published: Option<DateTime<FixedOffset>>,
    /// `schema:dateModified`.
    pub date_modified: Option<DateTime<FixedOffset>>,
    /// Whether this version removed the dataset.
    pub removed: bool,
    /// `schema:sameAs` (imported from).
    pub same_as: Option<String>,
    /// `prov:wasDerivedFrom` (the previous version's IRI).
    pub derived_from: Option<String>,
    /// `schema:license`.
    pub license: Option<String>,
    /// `schema:version`.
    pub version: Option<String>,
    /// `schema:keywords`, sorted.
    pub keywords: Vec<String>,
    /// `schema:creator`s, by name.
    pub creators: Vec<PersonInfo>,
    /// Image URLs in position order.
    pub images: Vec<String>,
}

impl DatasetInfo {
    /// `datePublished` for imported datasets, else `dateCreated`.
    pub fn date(&self) -> Option<DateTime<FixedOffset>> {
        self.date_published.or(self.date_created)
    }
}

/// Every dataset version of `graph` (with `filter`, a SPARQL group pattern restricting `?ds`).
fn dataset_versions(
    store: &dyn GraphStore,
    scope: &GraphScope,
    filter: &str,
) -> Result<Vec<DatasetInfo>, GraphStoreError> {
    let mut versions: BTreeMap<String, DatasetInfo> = BTreeMap::new();
    for row in select(
        store,
        scope,
        &format!(
            "SELECT ?ds ?identifier ?initial ?slug ?name ?description ?created ?published ?modified ?removed ?sameAs ?derived ?license ?version WHERE {{
               ?ds a schema:Dataset ; schema:identifier ?identifier . {filter}
               OPTIONAL {{ ?ds renku:originalIdentifier ?initial }}
               OPTIONAL {{ ?ds renku:slug ?slug }}
               OPTIONAL {{ ?ds schema:name ?name }}
               OPTIONAL {{ ?ds schema:description ?description }}
               OPTIONAL {{ ?ds schema:dateCreated ?created }}
               OPTIONAL {{ ?ds schema:datePublished ?published }}
               OPTIONAL {{ ?ds schema:dateModified ?modified }}
               OPTIONAL {{ ?ds prov:invalidatedAtTime ?removed }}
               OPTIONAL {{ ?ds schema:sameAs/schema:url ?sameAs }}
               OPTIONAL {{ ?ds prov:wasDerivedFrom/schema:url ?derived }}
               OPTIONAL {{ ?ds schema:license ?license }}
               OPTIONAL {{ ?ds schema:version ?version }}
             }}"
        ),
    )? {
        let (Some(iri), Some(identifier)) = (row.text("ds"), row.text("identifier")) else {
            continue;
        };
        versions.entry(iri.clone()).or_insert_with(|| DatasetInfo {
            initial_identifier: row
                .non_empty("initial")
                .unwrap_or_else(|| identifier.clone()),
            slug: row.non_empty("slug").unwrap_or_default(),
            name: row.non_empty("name").unwrap_or_default(),
            description: row.non_empty("description"),
            date_created: row.text("created").as_deref().and_then(parse_date),
            date_published: row.text("published").as_deref().and_then(parse_date),
            date_modified: row.text("modified").as_deref().and_then(parse_date),
            removed: row.get("removed").is_some(),
            same_as: row.non_empty("sameAs"),
            derived_from: row.non_empty("derived"),
            license: row.non_empty("license"),
            version: row.non_empty("version"),
            iri,
            identifier,
            ..DatasetInfo::default()
        });
    }
    if versions.is_empty() {
        return Ok(Vec::new());
    }
    for row in select(
        store,
        scope,
        &format!("SELECT ?ds ?k WHERE {{ ?ds a schema:Dataset ; schema:keywords ?k . {filter} }}"),
    )? {
        if let (Some(ds), Some(k)) = (row.text("ds"), row.non_empty("k"))
            && let Some(v) = versions.get_mut(&ds)
        {
            v.keywords.push(k);
        }
    }
    for row in select(
        store,
        scope,
        &format!(
            "SELECT ?ds ?p ?pname ?email ?aff WHERE {{ ?ds a schema:Dataset ; schema:creator ?p . {filter} {PERSON_FIELDS} }}"
        ),
    )? {
        if let (Some(ds), Some(p)) = (row.text("ds"), person(&row))
            && let Some(v) = versions.get_mut(&ds)
        {
            v.creators.push(p);
        }
    }
    let mut found_images = images(store, scope, "?ds")?;
    let mut out: Vec<DatasetInfo> = versions.into_values().collect();
    for v in &mut out {
        v.keywords.sort();
        v.keywords.dedup();
        v.creators
            .sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        v.creators.dedup();
        v.images = found_images.remove(&v.iri).unwrap_or_default();
    }
    Ok(out)
}

/// The current version of every dataset of `graph` that is not removed, by slug.
pub fn datasets(
    store: &dyn GraphStore,
    graph: &NamedNode,
) -> Result<Vec<DatasetInfo>, GraphStoreError> {
    let versions = dataset_versions(store, &GraphScope::one(graph), "")?;
    Ok(current_versions(versions))
}

/// The newest version of each dataset (versions grouped by their initial identifier; a
/// version another one derives from is not the newest), without removed datasets.
pub fn current_versions(versions: Vec<DatasetInfo>) -> Vec<DatasetInfo> {
    let superseded: BTreeSet<String> = versions
        .iter()
        .filter_map(|v| v.derived_from.clone())
        .collect();
    let mut newest: BTreeMap<String, DatasetInfo> = BTreeMap::new();
    for v in versions {
        if superseded.contains(&v.iri) {
            continue;
        }
        let replace = match newest.get(&v.initial_identifier) {
            Some(current) => {
                (v.date_modified, &v.identifier) > (current.date_modified, &current.identifier)
            }
            None => true,
        };
        if replace {
            newest.insert(v.initial_identifier.clone(), v);
        }
    }
    let mut out: Vec<DatasetInfo> = newest.into_values().filter(|v| !v.removed).collect();
    out.sort_by(|a, b| a.slug.cmp(&b.slug).then(a.identifier.cmp(&b.identifier)));
    out
}

/// The dataset version with `identifier` in the graphs of `scope`, with the graph it is in
/// (the first by graph name when several projects hold it).
pub fn dataset_by_identifier(
    store: &dyn GraphStore,
    scope: &GraphScope,
    identifier: &str,
) -> Result<Option<(NamedNode, DatasetInfo)>, GraphStoreError> {
    let rows = select(
        store,
        scope,
        &format!(
            "SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?ds a schema:Dataset ; schema:identifier {} }} }} ORDER BY ?g",
            literal(identifier)
        ),
    )?;
    let Some(graph) = rows.iter().find_map(|r| match r.get("g") {
        Some(oxigraph::model::Term::NamedNode(n)) => Some(n.clone()),
        _ => None,
    }) else {
        return Ok(None);
    };
    let filter = format!("?ds schema:identifier {} .", literal(identifier));
    let found = dataset_versions(store, &GraphScope::one(&graph), &filter)?;
    Ok(found.into_iter().next().map(|d| (graph, d)))
}

/// The graphs of `scope` that hold a dataset version with `identifier`, sorted.
pub fn graphs_with_dataset(
    store: &dyn GraphStore,
    scope: &GraphScope,
    identifiers: &[String],
) -> Result<Vec<NamedNode>, GraphStoreError> {
    if identifiers.is_empty() {
        return Ok(Vec::new());
    }
    let values: Vec<String> = identifiers.iter().map(|i| literal(i)).collect();
    let rows = select(
        store,
        scope,
        &format!(
            "SELECT DISTINCT ?g WHERE {{ VALUES ?id {{ {} }} GRAPH ?g {{ ?ds a schema:Dataset ; schema:identifier ?id }} }} ORDER BY ?g",
            values.join(" ")
        ),
    )?;
    Ok(rows
        .iter()
        .filter_map(|r| match r.get("g") {
            Some(oxigraph::model::Term::NamedNode(n)) => Some(n.clone()),
            _ => None,
        })
        .collect())
}

/// A file of a dataset version.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DatasetFileInfo {
    /// Its path.
    pub location: String,
    /// Whether the version lists it as removed.
    pub removed: bool,
}

/// The files of the dataset version `iri` in `graph`, by path.
pub fn dataset_files(
    store: &dyn GraphStore,
    graph: &NamedNode,
    iri: &str,
) -> Result<Vec<DatasetFileInfo>, GraphStoreError> {
    let node = NamedNode::new(iri).map_err(|e| GraphStoreError::Evaluation(e.to_string()))?;
    let rows = select(
        store,
        &GraphScope::one(graph),
        &format!(
            "SELECT ?location ?removed WHERE {{ {node} schema:hasPart ?f . ?f prov:entity/prov:atLocation ?location . OPTIONAL {{ ?f prov:invalidatedAtTime ?removed }} }}"
        ),
    )?;
    let mut out: Vec<DatasetFileInfo> = rows
        .iter()
        .filter_map(|r| {
            Some(DatasetFileInfo {
                location: r.text("location")?,
                removed: r.get("removed").is_some(),
            })
        })
        .collect();
    out.sort();
    out.dedup();
    Ok(out)
}

/// A tag of a dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct TagInfo {
    /// Tag name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// When it was made.
    pub date: Option<DateTime<FixedOffset>>,
    /// The identifier of the version it names.
    pub dataset_identifier: Option<String>,
    /// The slug of that version.
    pub slug: Option<String>,
}

/// The tags of `graph`.
pub fn tags(store: &dyn GraphStore, graph: &NamedNode) -> Result<Vec<TagInfo>, GraphStoreError> {
    let rows = select(
        store,
        &GraphScope::one(graph),
        "SELECT ?name ?description ?date ?identifier ?slug ?target WHERE {
           ?tag a schema:PublicationEvent ; schema:name ?name ; schema:about/schema:url ?target .
           OPTIONAL { ?tag schema:description ?description }
           OPTIONAL { ?tag schema:startDate ?date }
           OPTIONAL { ?target schema:identifier ?identifier }
           OPTIONAL { ?target renku:slug ?slug }
         }",
    )?;
    let mut out: Vec<TagInfo> = rows
        .iter()
        .filter_map(|r| {
            let target = r.text("target").unwrap_or_default();
            Some(TagInfo {
                name: r.text("name")?,
                description: r.non_empty("description"),
                date: r.text("date").as_deref().and_then(parse_date),
                dataset_identifier: r.non_empty("identifier").or_else(|| {
                    target
                        .rsplit_once("/datasets/")
                        .map(|(_, id)| id.to_string())
                }),
                slug: r.non_empty("slug"),
            })
        })
        .collect();
    out.sort_by(|a, b| b.date.cmp(&a.date).then(a.name.cmp(&b.name)));
    Ok(out)
}

/// A plan (workflow).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PlanInfo {
    /// The plan version's IRI.
    pub iri: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Keywords, sorted.
    pub keywords: Vec<String>,
    /// Creators.
    pub creators: Vec<PersonInfo>,
    /// Created.
    pub date_created: Option<DateTime<FixedOffset>>,
    /// Modified.
    pub date_modified: Option<DateTime<FixedOffset>>,
    /// A composite plan.
    pub composite: bool,
    /// The command (single plans).
    pub command: Option<String>,
    derived_from: Option<String>,
    removed: bool,
}

/// The current version of every plan of `graph` that is not removed.
pub fn plans(store: &dyn GraphStore, graph: &NamedNode) -> Result<Vec<PlanInfo>, GraphStoreError> {
    let scope = GraphScope::one(graph);
    let mut found: BTreeMap<String, PlanInfo> = BTreeMap::new();
    for row in select(
        store,
        &scope,
        "SELECT ?plan ?name ?description ?created ?modified ?removed ?derived ?command ?composite WHERE {
           ?plan a prov:Plan .
           OPTIONAL { ?plan schema:name ?name }
           OPTIONAL { ?plan schema:description ?description }
           OPTIONAL { ?plan schema:dateCreated ?created }
           OPTIONAL { ?plan schema:dateModified ?modified }
           OPTIONAL { ?plan prov:invalidatedAtTime ?removed }
           OPTIONAL { ?plan prov:wasDerivedFrom ?derived }
           OPTIONAL { ?plan renku:command ?command }
           BIND(EXISTS { ?plan a renku:CompositePlan } AS ?composite)
         }",
    )? {
        let Some(iri) = row.text("plan") else { continue };
        found.entry(iri.clone()).or_insert_with(|| PlanInfo {
            name: row.non_empty("name").unwrap_or_default(),
            description: row.non_empty("description"),
            date_created: row.text("created").as_deref().and_then(parse_date),
            date_modified: row.text("modified").as_deref().and_then(parse_date),
            removed: row.get("removed").is_some(),
            derived_from: row.non_empty("derived"),
            command: row.non_empty("command"),
            composite: row.text("composite").as_deref() == Some("true"),
            iri,
            ..PlanInfo::default()
        });
    }
    for row in select(
        store,
        &scope,
        "SELECT ?plan ?k WHERE { ?plan a prov:Plan ; schema:keywords ?k }",
    )? {
        if let (Some(plan), Some(k)) = (row.text("plan"), row.non_empty("k"))
            && let Some(p) = found.get_mut(&plan)
        {
            p.keywords.push(k);
        }
    }
    for row in select(
        store,
        &scope,
        &format!(
            "SELECT ?plan ?p ?pname ?email ?aff WHERE {{ ?plan a prov:Plan ; schema:creator ?p . {PERSON_FIELDS} }}"
        ),
    )? {
        if let (Some(plan), Some(person)) = (row.text("plan"), person(&row))
            && let Some(p) = found.get_mut(&plan)
        {
            p.creators.push(person);
        }
    }
    let superseded: BTreeSet<String> = found
        .values()
        .filter_map(|p| p.derived_from.clone())
        .collect();
    let mut out: Vec<PlanInfo> = found
        .into_values()
        .filter(|p| !p.removed && !superseded.contains(&p.iri))
        .collect();
    for p in &mut out {
        p.keywords.sort();
        p.keywords.dedup();
        p.creators.sort();
        p.creators.dedup();
    }
    Ok(out)
}

/// Every person of `graph`.
pub fn persons(
    store: &dyn GraphStore,
    graph: &NamedNode,
) -> Result<Vec<PersonInfo>, GraphStoreError> {
    let rows = select(
        store,
        &GraphScope::one(graph),
        &format!("SELECT ?p ?pname ?email ?aff WHERE {{ ?p a schema:Person . {PERSON_FIELDS} }}"),
    )?;
    let mut out: BTreeMap<String, PersonInfo> = BTreeMap::new();
    for row in &rows {
        if let Some(p) = person(row)
            && !p.name.is_empty()
        {
            out.entry(p.id.clone()).or_insert(p);
        }
    }
    Ok(out.into_values().collect())
}

/// The paths every activity of `graph` read and wrote (its input and output parameter
/// values), with its command line.
pub fn activities(
    store: &dyn GraphStore,
    graph: &NamedNode,
) -> Result<Vec<ActivityIo>, GraphStoreError> {
    let scope = GraphScope::one(graph);
    struct Value {
        kind: String,
        value: String,
        position: Option<i64>,
        prefix: Option<String>,
        stream: Option<String>,
    }
    /// Start time, plan command and parameter values of an activity.
    type Found = (Option<DateTime<FixedOffset>>, Option<String>, Vec<Value>);
    let mut found: BTreeMap<String, Found> = BTreeMap::new();
    for row in select(
        store,
        &scope,
        "SELECT ?activity ?started ?command WHERE {
           ?activity a prov:Activity .
           OPTIONAL { ?activity prov:startedAtTime ?started }
           OPTIONAL { ?activity prov:qualifiedAssociation/prov:hadPlan/renku:command ?command }
         }",
    )? {
        if let Some(id) = row.text("activity") {
            found.entry(id).or_insert((
                row.text("started").as_deref().and_then(parse_date),
                row.non_empty("command"),
                Vec::new(),
            ));
        }
    }
    for row in select(
        store,
        &scope,
        "SELECT ?activity ?kind ?value ?position ?prefix ?stream WHERE {
           ?activity a prov:Activity ; renku:parameter ?pv .
           ?pv schema:valueReference ?param ; schema:value ?value .
           ?param a ?kind .
           FILTER(?kind IN (renku:CommandInput, renku:CommandOutput, renku:CommandParameter))
           OPTIONAL { ?param renku:position ?position }
           OPTIONAL { ?param renku:prefix ?prefix }
           OPTIONAL { ?param renku:mappedTo/renku:streamType ?stream }
         }",
    )? {
        let (Some(id), Some(kind), Some(value)) =
            (row.text("activity"), row.text("kind"), row.text("value"))
        else {
            continue;
        };
        if let Some(entry) = found.get_mut(&id) {
            entry.2.push(Value {
                kind,
                value,
                position: row.text("position").and_then(|p| p.parse().ok()),
                prefix: row.non_empty("prefix"),
                stream: row.non_empty("stream"),
            });
        }
    }
    let mut directories: BTreeSet<(String, String)> = BTreeSet::new();
    for row in select(
        store,
        &scope,
        "SELECT ?activity ?location WHERE {
           { ?activity prov:qualifiedUsage/prov:entity ?e } UNION { ?e prov:qualifiedGeneration/prov:activity ?activity }
           ?e a prov:Collection ; prov:atLocation ?location .
         }",
    )? {
        if let (Some(a), Some(l)) = (row.text("activity"), row.text("location")) {
            directories.insert((a, l));
        }
    }
    let mut out = Vec::new();
    for (id, (started, command, mut values)) in found {
        values.sort_by_key(|v| v.position.unwrap_or(i64::MAX));
        let mut label = command.unwrap_or_default();
        let mut inputs = Vec::new();
        let mut outputs = Vec::new();
        for v in &values {
            let text = match v.stream.as_deref() {
                Some("stdin") => format!("< {}", v.value),
                Some("stdout") => format!("> {}", v.value),
                Some("stderr") => format!("2> {}", v.value),
                _ => format!("{}{}", v.prefix.as_deref().unwrap_or(""), v.value),
            };
            if !label.is_empty() {
                label.push(' ');
            }
            label.push_str(&text);
            let path = PathUse {
                location: v.value.trim_end_matches('/').to_string(),
                directory: directories.contains(&(id.clone(), v.value.clone())),
            };
            if v.kind.ends_with("#CommandInput") {
                inputs.push(path);
            } else if v.kind.ends_with("#CommandOutput") {
                outputs.push(path);
            }
        }
        let Some(started) = started else { continue };
        out.push(ActivityIo {
            id,
            started,
            label,
            inputs,
            outputs,
        });
    }
    Ok(out)
}
