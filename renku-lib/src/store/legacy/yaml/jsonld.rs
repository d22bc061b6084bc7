//! A tolerant reader for the JSON-LD renku-python stored as YAML.
//!
//! renku-python wrote three shapes over the years: compact documents with a small (v1) or
//! nested (v2–v7) `@context` and short keys (`name`, `files`, `_id`), and flattened, expanded
//! documents (v8 datasets, v5–v8 workflows): a list of nodes with full IRIs as keys,
//! `{'@value': …}` literals and `{'@id': …}` references. This module reads all of them into
//! one node graph keyed by full IRIs. It is not a complete JSON-LD processor: it implements
//! what those files use (term definitions, compact IRIs, scoped contexts, `@id` coercion,
//! `@index`/`@list` containers, `@value`/`@id` objects, embedded and flattened nodes), and,
//! like renku-python's own migrations, reads compact documents with renku's well-known
//! context laid over the file's (the v1 context leaves `files`, `authors` and `path`
//! undefined; renku's context defines them).

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

/// Namespaces renku-python used, for compact IRIs whose prefix the file does not define.
const PREFIXES: &[(&str, &str)] = &[
    ("schema", "http://schema.org/"),
    ("prov", "http://www.w3.org/ns/prov#"),
    (
        "renku",
        "https://swissdatasciencecenter.github.io/renku-ontology#",
    ),
    ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
    ("wfprov", "http://purl.org/wf4ever/wfprov#"),
    ("foaf", "http://xmlns.com/foaf/0.1/"),
    ("dcterms", "http://purl.org/dc/terms/"),
    ("dctypes", "http://purl.org/dc/dcmitypes/"),
    ("scoro", "http://purl.org/spar/scoro/"),
    ("oa", "http://www.w3.org/ns/oa#"),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
];

/// How deep documents may nest (objects, lists, scoped contexts) before they are refused.
const MAX_DEPTH: usize = 64;

/// Which well-known context to lay over a compact document's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Known {
    /// `.renku/metadata.yml`.
    Project,
    /// A dataset's `metadata.yml`.
    Dataset,
    /// Nothing (expanded documents).
    None,
}

/// A value of a property.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    /// A literal (string, number, boolean).
    Lit(Value),
    /// A node of the document (embedded, or named by `@id` and defined in the document).
    Node(usize),
    /// A reference to a node by id that the document may or may not define.
    Ref(String),
}

/// A node: its id (if any), types and properties (full IRIs).
#[derive(Debug, Clone, Default)]
pub struct Node {
    /// `@id`, expanded.
    pub id: Option<String>,
    /// `@type`s, expanded.
    pub types: Vec<String>,
    /// Property IRI → values, in document order.
    pub props: BTreeMap<String, Vec<Val>>,
}

/// A parsed document: all its nodes.
#[derive(Debug, Default)]
pub struct Doc {
    nodes: Vec<Node>,
    by_id: HashMap<String, usize>,
    /// The top-level nodes, in document order.
    roots: Vec<usize>,
}

#[derive(Debug, Clone, Default)]
struct TermDef {
    iri: Option<String>,
    type_id: bool,
    index: bool,
    context: Option<Value>,
}

#[derive(Debug, Clone, Default)]
struct Ctx {
    terms: HashMap<String, TermDef>,
}

impl Ctx {
    /// Adds the definitions of a `@context` value.
    fn apply(&mut self, value: &Value, depth: usize) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err("the @context nests too deeply".into());
        }
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    if k.starts_with('@') {
                        continue;
                    }
                    let def = match v {
                        Value::String(s) => TermDef {
                            iri: Some(s.clone()),
                            ..TermDef::default()
                        },
                        Value::Object(d) => TermDef {
                            iri: d.get("@id").and_then(Value::as_str).map(str::to_string),
                            type_id: d.get("@type").and_then(Value::as_str) == Some("@id"),
                            index: d.get("@container").and_then(Value::as_str) == Some("@index"),
                            context: d.get("@context").cloned(),
                        },
                        Value::Null => TermDef::default(),
                        _ => continue,
                    };
                    self.terms.insert(k.clone(), def);
                }
                Ok(())
            }
            Value::Array(items) => {
                for i in items {
                    self.apply(i, depth + 1)?;
                }
                Ok(())
            }
            // Remote contexts (URLs) and nulls: nothing to add.
            _ => Ok(()),
        }
    }

    /// Whether `key` stands for `@id` here.
    fn is_id_key(&self, key: &str) -> bool {
        key == "@id"
            || self
                .terms
                .get(key)
                .and_then(|d| d.iri.as_deref())
                .is_some_and(|i| i == "@id")
    }

    /// The full IRI of a term, compact IRI or absolute IRI; `None` for undefined terms.
    fn expand(&self, key: &str) -> Option<String> {
        let mut current = key.to_string();
        for _ in 0..8 {
            if let Some(def) = self.terms.get(&current) {
                match &def.iri {
                    Some(iri) if iri != &current => {
                        current = iri.clone();
                        continue;
                    }
                    Some(_) => {}
                    None => return None,
                }
            }
            return self.expand_compact(&current);
        }
        None
    }

    /// Expands `prefix:suffix` with the file's or the well-known prefixes; absolute IRIs
    /// and blank node ids stay as they are; plain words are undefined.
    fn expand_compact(&self, text: &str) -> Option<String> {
        let (prefix, suffix) = text.split_once(':')?;
        if prefix == "_" || suffix.starts_with("//") {
            return Some(text.to_string());
        }
        if let Some(base) = self
            .terms
            .get(prefix)
            .and_then(|d| d.iri.as_deref())
            .filter(|i| i.contains("://"))
        {
            return Some(format!("{base}{suffix}"));
        }
        if let Some((_, base)) = PREFIXES.iter().find(|(p, _)| *p == prefix) {
            return Some(format!("{base}{suffix}"));
        }
        // `mailto:…`, `urn:…` and other schemes.
        Some(text.to_string())
    }

    /// An id or type value: terms and compact IRIs expanded, anything else kept.
    fn expand_value(&self, text: &str) -> String {
        if let Some(def) = self.terms.get(text)
            && let Some(iri) = &def.iri
            && iri != "@id"
        {
            return self.expand_compact(iri).unwrap_or_else(|| iri.clone());
        }
        self.expand_compact(text)
            .unwrap_or_else(|| text.to_string())
    }
}

fn known_context(known: Known) -> Option<Value> {
    let text = match known {
        Known::Project => PROJECT_CONTEXT,
        Known::Dataset => DATASET_CONTEXT,
        Known::None => return None,
    };
    serde_json::from_str(text).ok()
}

impl Doc {
    /// Reads a document (already parsed from YAML). `known` selects renku's context for
    /// compact documents.
    pub fn read(value: &Value, known: Known) -> Result<Doc, String> {
        let mut doc = Doc::default();
        let base = Ctx::default();
        let overlay = known_context(known);
        match value {
            Value::Array(items) => {
                for item in items {
                    if let Val::Node(i) = doc.value_node(item, &base, overlay.as_ref(), 0)? {
                        doc.roots.push(i);
                    }
                }
            }
            Value::Object(_) => {
                if let Val::Node(i) = doc.value_node(value, &base, overlay.as_ref(), 0)? {
                    doc.roots.push(i);
                }
            }
            Value::Null => {}
            other => {
                return Err(format!(
                    "expected a mapping or a list, found {}",
                    kind(other)
                ));
            }
        }
        Ok(doc)
    }

    /// Builds the node for an object (or a reference for an id-only object).
    fn value_node(
        &mut self,
        value: &Value,
        parent: &Ctx,
        overlay: Option<&Value>,
        depth: usize,
    ) -> Result<Val, String> {
        if depth > MAX_DEPTH {
            return Err("the document nests too deeply".into());
        }
        let Value::Object(map) = value else {
            return Err(format!("expected a mapping, found {}", kind(value)));
        };
        let mut ctx = parent.clone();
        if let Some(local) = map.get("@context") {
            ctx.apply(local, 0)?;
        }
        if let Some(o) = overlay {
            ctx.apply(o, 0)?;
        }
        let mut node = Node::default();
        let mut has_props = false;
        for (key, v) in map {
            if key == "@context" {
                continue;
            }
            if ctx.is_id_key(key) {
                if let Value::String(s) = v {
                    node.id = Some(ctx.expand_value(s));
                }
                continue;
            }
            if key == "@type" {
                let list: Vec<&Value> = match v {
                    Value::Array(a) => a.iter().collect(),
                    other => vec![other],
                };
                for t in list {
                    if let Value::String(s) = t {
                        node.types.push(ctx.expand_value(s));
                    }
                }
                continue;
            }
            if key.starts_with('@') {
                continue;
            }
            let Some(iri) = ctx.expand(key) else { continue };
            has_props = true;
            let def = ctx.terms.get(key).cloned().unwrap_or_default();
            // A term's own context applies to its values (JSON-LD 1.1 scoped contexts).
            let mut inner = ctx.clone();
            if let Some(scoped) = &def.context {
                inner.apply(scoped, 0)?;
            }
            let inner_overlay = overlay.and_then(|o| scoped_overlay(o, key));
            let mut values = Vec::new();
            self.values(
                v,
                &def,
                &inner,
                inner_overlay.as_ref(),
                depth + 1,
                &mut values,
            )?;
            let entry = node.props.entry(iri).or_default();
            for val in values {
                if !entry.contains(&val) {
                    entry.push(val);
                }
            }
        }
        if !has_props && node.types.is_empty() {
            return Ok(match node.id {
                Some(id) => Val::Ref(id),
                None => Val::Lit(Value::Null),
            });
        }
        Ok(Val::Node(self.add(node)))
    }

    fn values(
        &mut self,
        value: &Value,
        def: &TermDef,
        ctx: &Ctx,
        overlay: Option<&Value>,
        depth: usize,
        out: &mut Vec<Val>,
    ) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err("the document nests too deeply".into());
        }
        match value {
            Value::Null => {}
            Value::Array(items) => {
                for i in items {
                    self.values(i, def, ctx, overlay, depth + 1, out)?;
                }
            }
            Value::Object(map) => {
                if let Some(v) = map.get("@value") {
                    if !v.is_null() {
                        out.push(Val::Lit(v.clone()));
                    }
                } else if let Some(list) = map.get("@list").or_else(|| map.get("@set")) {
                    self.values(list, def, ctx, overlay, depth + 1, out)?;
                } else if def.index || is_index_map(map, ctx) {
                    for v in map.values() {
                        self.values(v, def, ctx, overlay, depth + 1, out)?;
                    }
                } else {
                    match self.value_node(value, ctx, overlay, depth + 1)? {
                        Val::Lit(Value::Null) => {}
                        v => out.push(v),
                    }
                }
            }
            Value::String(s) if def.type_id => out.push(Val::Ref(ctx.expand_value(s))),
            other => out.push(Val::Lit(other.clone())),
        }
        Ok(())
    }

    /// Adds a node, merging it into an earlier node with the same id.
    fn add(&mut self, node: Node) -> usize {
        if let Some(id) = &node.id
            && let Some(&existing) = self.by_id.get(id)
        {
            let target = &mut self.nodes[existing];
            for t in node.types {
                if !target.types.contains(&t) {
                    target.types.push(t);
                }
            }
            for (k, vs) in node.props {
                let entry = target.props.entry(k).or_default();
                for v in vs {
                    if !entry.contains(&v) {
                        entry.push(v);
                    }
                }
            }
            return existing;
        }
        let index = self.nodes.len();
        if let Some(id) = &node.id {
            self.by_id.insert(id.clone(), index);
        }
        self.nodes.push(node);
        index
    }

    /// The top-level nodes.
    pub fn roots(&self) -> impl Iterator<Item = NodeRef<'_>> {
        self.roots.iter().map(|&index| NodeRef { doc: self, index })
    }

    /// Every node with one of the `types`, top-level nodes first.
    pub fn of_type(&self, types: &[&str]) -> Vec<NodeRef<'_>> {
        let mut order: Vec<usize> = self.roots.clone();
        for i in 0..self.nodes.len() {
            if !order.contains(&i) {
                order.push(i);
            }
        }
        order
            .into_iter()
            .filter(|&i| {
                self.nodes[i]
                    .types
                    .iter()
                    .any(|t| types.contains(&t.as_str()))
            })
            .map(|index| NodeRef { doc: self, index })
            .collect()
    }

    /// The node with id `id`.
    pub fn node(&self, id: &str) -> Option<NodeRef<'_>> {
        self.by_id
            .get(id)
            .map(|&index| NodeRef { doc: self, index })
    }
}

/// An index container written without a declaration (v1 `files`): a mapping whose keys are
/// no keywords or terms and whose values are all mappings.
fn is_index_map(map: &serde_json::Map<String, Value>, ctx: &Ctx) -> bool {
    !map.is_empty()
        && map.iter().all(|(k, v)| {
            v.is_object() && !k.starts_with('@') && !ctx.terms.contains_key(k) && !k.contains(':')
        })
}

/// The part of the well-known context that applies below `key`.
fn scoped_overlay(overlay: &Value, key: &str) -> Option<Value> {
    overlay.get(key)?.get("@context").cloned()
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// A node of a [`Doc`].
#[derive(Clone, Copy)]
pub struct NodeRef<'a> {
    doc: &'a Doc,
    index: usize,
}

impl std::fmt::Debug for NodeRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeRef")
            .field("id", &self.id())
            .field("types", &self.node().types)
            .finish()
    }
}

impl<'a> NodeRef<'a> {
    fn node(&self) -> &'a Node {
        &self.doc.nodes[self.index]
    }

    /// The node's id.
    pub fn id(&self) -> Option<&'a str> {
        self.node().id.as_deref()
    }

    /// Whether the node has one of `types`.
    pub fn has_type(&self, types: &[&str]) -> bool {
        self.node()
            .types
            .iter()
            .any(|t| types.contains(&t.as_str()))
    }

    /// The values of the first of `props` the node has.
    pub fn values(&self, props: &[&str]) -> &'a [Val] {
        for p in props {
            if let Some(v) = self.node().props.get(*p)
                && !v.is_empty()
            {
                return v;
            }
        }
        &[]
    }

    /// The first literal of `props` as text (numbers and booleans written out), or the id a
    /// reference names.
    pub fn text(&self, props: &[&str]) -> Option<String> {
        self.values(props).iter().find_map(|v| match v {
            Val::Lit(Value::String(s)) => Some(s.clone()),
            Val::Lit(Value::Number(n)) => Some(n.to_string()),
            Val::Lit(Value::Bool(b)) => Some(b.to_string()),
            Val::Ref(id) => Some(id.clone()),
            Val::Node(i) => self.doc.nodes[*i].id.clone(),
            _ => None,
        })
    }

    /// Every literal of `props` as text.
    pub fn texts(&self, props: &[&str]) -> Vec<String> {
        self.values(props)
            .iter()
            .filter_map(|v| match v {
                Val::Lit(Value::String(s)) => Some(s.clone()),
                Val::Lit(Value::Number(n)) => Some(n.to_string()),
                _ => None,
            })
            .collect()
    }

    /// The first literal of `props`, unchanged.
    pub fn literal(&self, props: &[&str]) -> Option<&'a Value> {
        self.values(props).iter().find_map(|v| match v {
            Val::Lit(l) => Some(l),
            _ => None,
        })
    }

    /// The first boolean of `props` (`"true"`/`"false"` strings too).
    pub fn boolean(&self, props: &[&str]) -> Option<bool> {
        match self.literal(props)? {
            Value::Bool(b) => Some(*b),
            Value::String(s) => match s.to_ascii_lowercase().as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// The nodes `props` point at: embedded nodes and references the document defines.
    pub fn nodes(&self, props: &[&str]) -> Vec<NodeRef<'a>> {
        self.values(props)
            .iter()
            .filter_map(|v| match v {
                Val::Node(i) => Some(NodeRef {
                    doc: self.doc,
                    index: *i,
                }),
                Val::Ref(id) => self.doc.node(id),
                Val::Lit(_) => None,
            })
            .collect()
    }

    /// The first node `props` point at.
    pub fn first_node(&self, props: &[&str]) -> Option<NodeRef<'a>> {
        self.nodes(props).into_iter().next()
    }

    /// The ids `props` point at (references, or ids of embedded nodes).
    pub fn ids(&self, props: &[&str]) -> Vec<String> {
        self.values(props)
            .iter()
            .filter_map(|v| match v {
                Val::Ref(id) => Some(id.clone()),
                Val::Node(i) => self.doc.nodes[*i].id.clone(),
                Val::Lit(_) => None,
            })
            .collect()
    }
}

/// IRIs of the properties and types the readers look at.
pub mod iri {
    macro_rules! iris {
        ($($name:ident = $value:expr;)*) => { $(
            #[doc = concat!("`", $value, "`")]
            pub const $name: &str = $value;
        )* };
    }
    iris! {
        SCHEMA_NAME = "http://schema.org/name";
        SCHEMA_ALTERNATE_NAME = "http://schema.org/alternateName";
        SCHEMA_DESCRIPTION = "http://schema.org/description";
        SCHEMA_CREATOR = "http://schema.org/creator";
        SCHEMA_EMAIL = "http://schema.org/email";
        SCHEMA_AFFILIATION = "http://schema.org/affiliation";
        SCHEMA_DATE_CREATED = "http://schema.org/dateCreated";
        SCHEMA_DATE_PUBLISHED = "http://schema.org/datePublished";
        SCHEMA_DATE_UPDATED = "http://schema.org/dateUpdated";
        SCHEMA_SCHEMA_VERSION = "http://schema.org/schemaVersion";
        SCHEMA_AGENT = "http://schema.org/agent";
        SCHEMA_IDENTIFIER = "http://schema.org/identifier";
        SCHEMA_HAS_PART = "http://schema.org/hasPart";
        SCHEMA_KEYWORDS = "http://schema.org/keywords";
        SCHEMA_LICENSE = "http://schema.org/license";
        SCHEMA_VERSION = "http://schema.org/version";
        SCHEMA_URL = "http://schema.org/url";
        SCHEMA_SAME_AS = "http://schema.org/sameAs";
        SCHEMA_SUBJECT_OF = "http://schema.org/subjectOf";
        SCHEMA_IS_BASED_ON = "http://schema.org/isBasedOn";
        SCHEMA_IN_LANGUAGE = "http://schema.org/inLanguage";
        SCHEMA_IMAGE = "http://schema.org/image";
        SCHEMA_CONTENT_URL = "http://schema.org/contentUrl";
        SCHEMA_POSITION = "http://schema.org/position";
        SCHEMA_START_DATE = "http://schema.org/startDate";
        SCHEMA_LOCATION = "http://schema.org/location";
        SCHEMA_ABOUT = "http://schema.org/about";
        SCHEMA_DATASET = "http://schema.org/Dataset";
        SCHEMA_PROJECT = "http://schema.org/Project";
        SCHEMA_DIGITAL_DOCUMENT = "http://schema.org/DigitalDocument";
        SCHEMA_PUBLICATION_EVENT = "http://schema.org/PublicationEvent";
        DCTERMS_NAME = "http://purl.org/dc/terms/name";
        DCTERMS_EMAIL = "http://purl.org/dc/terms/email";
        DCTYPES_DATASET = "http://purl.org/dc/dcmitypes/Dataset";
        FOAF_NAME = "http://xmlns.com/foaf/0.1/name";
        FOAF_PROJECT = "http://xmlns.com/foaf/0.1/Project";
        SCORO_AFFILIATE = "http://purl.org/spar/scoro/affiliate";
        PROV_AT_LOCATION = "http://www.w3.org/ns/prov#atLocation";
        PROV_WAS_DERIVED_FROM = "http://www.w3.org/ns/prov#wasDerivedFrom";
        PROV_COLLECTION = "http://www.w3.org/ns/prov#Collection";
        PROV_HAD_MEMBER = "http://www.w3.org/ns/prov#hadMember";
        RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label";
        RENKU_EXTERNAL = "https://swissdatasciencecenter.github.io/renku-ontology#external";
        RENKU_SOURCE = "https://swissdatasciencecenter.github.io/renku-ontology#source";
        RENKU_TEMPLATE_ID = "https://swissdatasciencecenter.github.io/renku-ontology#templateId";
        RENKU_TEMPLATE_SOURCE = "https://swissdatasciencecenter.github.io/renku-ontology#templateSource";
        RENKU_TEMPLATE_REFERENCE = "https://swissdatasciencecenter.github.io/renku-ontology#templateReference";
        RENKU_TEMPLATE_VERSION = "https://swissdatasciencecenter.github.io/renku-ontology#templateVersion";
        RENKU_TEMPLATE_METADATA = "https://swissdatasciencecenter.github.io/renku-ontology#templateMetadata";
        RENKU_IMMUTABLE_TEMPLATE_FILES = "https://swissdatasciencecenter.github.io/renku-ontology#immutableTemplateFiles";
        RENKU_AUTOMATED_TEMPLATE_UPDATE = "https://swissdatasciencecenter.github.io/renku-ontology#automatedTemplateUpdate";
    }
}

/// renku's context for compact project documents (the terms renku-python's migrations read
/// `.renku/metadata.yml` with).
const PROJECT_CONTEXT: &str = r#"{
  "_id": "@id",
  "name": "schema:name",
  "created": "schema:dateCreated",
  "updated": "schema:dateUpdated",
  "version": "schema:schemaVersion",
  "agent_version": "schema:agent",
  "creator": {"@id": "schema:creator", "@context": {
    "_id": "@id", "name": "schema:name", "email": "schema:email", "label": "rdfs:label",
    "affiliation": "schema:affiliation", "alternate_name": "schema:alternateName"}}
}"#;

/// renku's context for compact dataset documents, plus the v1 names (`authors`, `files`
/// keyed by path) its migrations renamed.
const DATASET_CONTEXT: &str = r#"{
  "_id": "@id",
  "_label": "rdfs:label",
  "path": "prov:atLocation",
  "_project": {"@id": "schema:isPartOf", "@context": {
    "_id": "@id", "name": "schema:name", "created": "schema:dateCreated",
    "updated": "schema:dateUpdated", "version": "schema:schemaVersion"}},
  "creator": {"@id": "schema:creator", "@context": {
    "_id": "@id", "name": "schema:name", "email": "schema:email", "label": "rdfs:label",
    "affiliation": "schema:affiliation", "alternate_name": "schema:alternateName"}},
  "authors": {"@id": "schema:creator", "@context": {
    "_id": "@id", "name": "schema:name", "email": "schema:email", "label": "rdfs:label",
    "affiliation": "schema:affiliation", "alternate_name": "schema:alternateName"}},
  "date_published": "schema:datePublished",
  "description": "schema:description",
  "identifier": "schema:identifier",
  "in_language": {"@id": "schema:inLanguage", "@context": {
    "alternate_name": "schema:alternateName", "name": "schema:name"}},
  "keywords": "schema:keywords",
  "based_on": "schema:isBasedOn",
  "license": "schema:license",
  "name": "schema:name",
  "url": "schema:url",
  "version": "schema:version",
  "created": "schema:dateCreated",
  "files": {"@id": "schema:hasPart", "@context": {
    "_id": "@id", "_label": "rdfs:label", "path": "prov:atLocation",
    "added": "schema:dateCreated", "name": "schema:name", "url": "schema:url",
    "external": "renku:external", "source": "renku:source", "based_on": "schema:isBasedOn",
    "_project": {"@id": "schema:isPartOf", "@context": {
      "_id": "@id", "name": "schema:name", "created": "schema:dateCreated",
      "version": "schema:schemaVersion"}},
    "creator": {"@id": "schema:creator", "@context": {
      "_id": "@id", "name": "schema:name", "email": "schema:email", "label": "rdfs:label",
      "affiliation": "schema:affiliation", "alternate_name": "schema:alternateName"}},
    "authors": {"@id": "schema:creator", "@context": {
      "_id": "@id", "name": "schema:name", "email": "schema:email", "label": "rdfs:label",
      "affiliation": "schema:affiliation", "alternate_name": "schema:alternateName"}}}},
  "tags": {"@id": "schema:subjectOf", "@context": {
    "_id": "@id", "name": "schema:name", "description": "schema:description",
    "commit": "schema:location", "created": "schema:startDate", "dataset": "schema:about"}},
  "same_as": {"@id": "schema:sameAs", "@context": {"_id": "@id", "url": "schema:url"}},
  "derived_from": {"@id": "prov:wasDerivedFrom", "@context": {"_id": "@id", "url": "schema:url"}},
  "short_name": "schema:alternateName"
}"#;

#[cfg(test)]
mod tests {
    use super::iri::*;
    use super::*;

    fn read(yaml: &str, known: Known) -> Doc {
        let v: Value = serde_saphyr::from_str(yaml).unwrap();
        Doc::read(&v, known).unwrap()
    }

    #[test]
    fn reads_v1_compact_datasets_with_index_containers() {
        let doc = read(
            "'@context':\n  name: dcterms:name\n  dcterms: http://purl.org/dc/terms/\n  files:\n    '@container': '@index'\n'@type': dctypes:Dataset\nauthors:\n- name: sam\n  email: s@x\nfiles:\n  datafile:\n    path: datafile\n    added: 2019-08-23 18:57:58.712279\nidentifier: b2bc\nname: mydataset\n",
            Known::Dataset,
        );
        let ds = doc.of_type(&[DCTYPES_DATASET]);
        assert_eq!(ds.len(), 1);
        let d = ds[0];
        assert_eq!(d.text(&[SCHEMA_NAME]).as_deref(), Some("mydataset"));
        assert_eq!(d.text(&[SCHEMA_IDENTIFIER]).as_deref(), Some("b2bc"));
        let files = d.nodes(&[SCHEMA_HAS_PART]);
        assert_eq!(files.len(), 1);
        assert_eq!(
            files[0].text(&[PROV_AT_LOCATION]).as_deref(),
            Some("datafile")
        );
        let creators = d.nodes(&[SCHEMA_CREATOR]);
        assert_eq!(creators[0].text(&[SCHEMA_EMAIL]).as_deref(), Some("s@x"));
    }

    #[test]
    fn reads_flattened_expanded_documents_and_resolves_references() {
        let doc = read(
            "- '@id': https://localhost/datasets/a\n  '@type': [http://schema.org/Dataset]\n  http://schema.org/creator:\n  - '@id': mailto:x@y\n  http://schema.org/name:\n  - '@value': Title\n- '@id': mailto:x@y\n  '@type': [http://schema.org/Person]\n  http://schema.org/name:\n  - '@value': X\n",
            Known::None,
        );
        let d = doc.of_type(&[SCHEMA_DATASET])[0];
        assert_eq!(d.id(), Some("https://localhost/datasets/a"));
        assert_eq!(d.text(&[SCHEMA_NAME]).as_deref(), Some("Title"));
        let p = d.first_node(&[SCHEMA_CREATOR]).unwrap();
        assert_eq!(p.text(&[SCHEMA_NAME]).as_deref(), Some("X"));
        assert_eq!(d.ids(&[SCHEMA_CREATOR]), vec!["mailto:x@y".to_string()]);
    }

    #[test]
    fn scoped_contexts_and_aliases_apply_below_their_term() {
        let doc = read(
            "'@context':\n  _id: '@id'\n  schema: http://schema.org/\n  creator:\n    '@id': schema:creator\n    '@context':\n      label: rdfs:label\n'@type': [schema:Project]\n_id: https://localhost/projects/a/b\ncreator:\n  _id: mailto:a@b\n  label: A\n",
            Known::None,
        );
        let p = doc.of_type(&[SCHEMA_PROJECT])[0];
        assert_eq!(p.id(), Some("https://localhost/projects/a/b"));
        let c = p.first_node(&[SCHEMA_CREATOR]).unwrap();
        assert_eq!(c.id(), Some("mailto:a@b"));
        assert_eq!(c.text(&[RDFS_LABEL]).as_deref(), Some("A"));
    }

    #[test]
    fn refuses_scalars_and_runaway_nesting() {
        assert!(Doc::read(&Value::String("x".into()), Known::None).is_err());
        let mut v = serde_json::json!({"http://schema.org/name": "x"});
        for _ in 0..200 {
            v = serde_json::json!({"http://schema.org/hasPart": v});
        }
        assert!(Doc::read(&v, Known::None).is_err());
    }
}
