//! Free-text search over projects, datasets, workflows (plans) and persons, on tantivy.
//!
//! One document per project, per current dataset version, per current plan (each tagged
//! with its project), and one per person (tagged with every project the person appears in).
//! Visibility and membership are applied at query time: a document is found when one of its
//! projects is public, or the caller is a member of one of them, or the caller is an
//! administrator. The index lives in memory and is filled from the knowledge graph (at start
//! from the persisted graphs, then after every index job); see [`documents`].

pub mod documents;
pub mod request;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Bound;
use std::sync::Mutex;

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde_json::Value;
use tantivy::collector::sort_key::{SortBySimilarityScore, SortByStaticFastValue, SortByString};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, Occur, Query, QueryParser, RangeQuery, TermQuery,
    TermSetQuery,
};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TEXT, TantivyDocument,
    Value as _,
};
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, Order, ReloadPolicy, Score, Term};

pub use request::{EntityKind, SearchRequest, SortField};

use crate::store::Visibility;

/// Errors of the search index.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// tantivy failed.
    #[error("search index error: {0}")]
    Index(String),
}

fn index_error(error: impl std::fmt::Display) -> SearchError {
    SearchError::Index(error.to_string())
}

/// One entity to index (a project, dataset or workflow of one project).
#[derive(Debug, Clone, PartialEq)]
pub struct EntityDoc {
    /// What it is.
    pub kind: EntityKind,
    /// Name (title).
    pub name: String,
    /// Slug: the project path, the dataset slug.
    pub slug: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Keywords.
    pub keywords: Vec<String>,
    /// Creator names.
    pub creators: Vec<String>,
    /// The project's namespace.
    pub namespace: String,
    /// Creation (or publication) date.
    pub date: Option<DateTime<FixedOffset>>,
    /// Last modification.
    pub date_modified: Option<DateTime<FixedOffset>>,
    /// The item as `/entities` shows it (without `matchingScore`; `visibility` is set when
    /// the document is written).
    pub item: Value,
}

/// A person found in a project.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PersonDoc {
    /// The person's IRI.
    pub id: String,
    /// Name.
    pub name: String,
    /// Affiliation.
    pub affiliation: Option<String>,
}

/// Everything one project contributes to the index.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectEntities {
    /// The project.
    pub project_id: i64,
    /// Its visibility.
    pub visibility: Visibility,
    /// Its project, dataset and workflow documents.
    pub entities: Vec<EntityDoc>,
    /// The persons in it.
    pub persons: Vec<PersonDoc>,
}

/// Whose documents a search may return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchAccess {
    /// Everything (administrators).
    pub everything: bool,
    /// Documents of public projects.
    pub public: bool,
    /// Documents of these projects (the caller's memberships).
    pub projects: Vec<i64>,
}

impl SearchAccess {
    /// An anonymous caller: public projects only.
    pub fn anonymous() -> Self {
        SearchAccess {
            everything: false,
            public: true,
            projects: Vec::new(),
        }
    }
}

/// One page of results.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchPage {
    /// How many documents matched.
    pub total: usize,
    /// The items of the page, each with its `matchingScore`.
    pub items: Vec<SearchItem>,
}

impl SearchPage {
    /// The items as one JSON array, their stored text copied as it is.
    pub fn json_array(&self) -> String {
        let length = self.items.iter().map(|i| i.0.len() + 1).sum::<usize>() + 2;
        let mut out = String::with_capacity(length);
        out.push('[');
        for (n, item) in self.items.iter().enumerate() {
            if n > 0 {
                out.push(',');
            }
            out.push_str(&item.0);
        }
        out.push(']');
        out
    }
}

/// One result: the JSON object stored for the entity at index time, with its
/// `matchingScore` added. Kept as text: answering a search copies it rather than parsing
/// and serialising it again.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchItem(String);

impl SearchItem {
    /// `stored` (a JSON object written by the index) with `"matchingScore": score` added.
    fn scored(stored: &str, score: Score) -> Result<Self, SearchError> {
        let body = stored
            .trim_end()
            .strip_suffix('}')
            .ok_or_else(|| index_error("a stored item is not a JSON object"))?;
        let score = serde_json::Number::from_f64(f64::from(score))
            .map(|n| n.to_string())
            .unwrap_or_else(|| "0".to_string());
        let separator = if body.trim_end().ends_with('{') {
            ""
        } else {
            ","
        };
        Ok(SearchItem(format!(
            "{body}{separator}\"matchingScore\":{score}}}"
        )))
    }

    /// The item's JSON text.
    pub fn json(&self) -> &str {
        &self.0
    }

    /// The item parsed.
    pub fn value(&self) -> Result<Value, serde_json::Error> {
        serde_json::from_str(&self.0)
    }
}

struct Fields {
    kind: Field,
    owner: Field,
    person: Field,
    project: Field,
    visibility: Field,
    name: Field,
    name_sort: Field,
    slug: Field,
    description: Field,
    keywords: Field,
    creators: Field,
    creator_exact: Field,
    namespace: Field,
    namespace_exact: Field,
    date: Field,
    date_modified: Field,
    item: Field,
}

#[derive(Default)]
struct Persons {
    /// Person IRI → (project → what that project says about them).
    seen: HashMap<String, BTreeMap<i64, PersonDoc>>,
    /// Project → the persons in it.
    by_project: HashMap<i64, BTreeSet<String>>,
    /// Project → its visibility.
    visibility: HashMap<i64, Visibility>,
}

/// The search index.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    persons: Mutex<Persons>,
    fields: Fields,
}

fn tantivy_date(date: &DateTime<FixedOffset>) -> tantivy::DateTime {
    tantivy::DateTime::from_timestamp_secs(date.timestamp())
}

impl SearchIndex {
    /// An empty index in memory.
    pub fn new() -> Result<Self, SearchError> {
        let mut builder = Schema::builder();
        let fields = Fields {
            kind: builder.add_text_field("type", STRING | STORED),
            owner: builder.add_u64_field("owner", INDEXED),
            person: builder.add_text_field("person", STRING),
            project: builder.add_u64_field("project", INDEXED | STORED),
            visibility: builder.add_text_field("visibility", STRING),
            name: builder.add_text_field("name", TEXT),
            name_sort: builder.add_text_field("name_sort", STRING | FAST),
            slug: builder.add_text_field("slug", TEXT),
            description: builder.add_text_field("description", TEXT),
            keywords: builder.add_text_field("keywords", TEXT),
            creators: builder.add_text_field("creators", TEXT),
            creator_exact: builder.add_text_field("creator", STRING),
            namespace: builder.add_text_field("namespace", TEXT),
            namespace_exact: builder.add_text_field("namespace_exact", STRING),
            date: builder.add_date_field("date", INDEXED | FAST),
            date_modified: builder.add_date_field("date_modified", FAST),
            item: builder.add_text_field("item", STORED),
        };
        let index = Index::create_in_ram(builder.build());
        let writer = index
            .writer_with_num_threads(1, 20_000_000)
            .map_err(index_error)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(index_error)?;
        Ok(SearchIndex {
            index,
            reader,
            writer: Mutex::new(writer),
            persons: Mutex::new(Persons::default()),
            fields,
        })
    }

    fn entity_document(
        &self,
        project_id: i64,
        visibility: Visibility,
        e: &EntityDoc,
    ) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.kind, e.kind.as_str());
        doc.add_u64(f.owner, project_id as u64);
        doc.add_u64(f.project, project_id as u64);
        doc.add_text(f.visibility, visibility.as_str());
        doc.add_text(f.name, &e.name);
        doc.add_text(f.name_sort, e.name.to_lowercase());
        if let Some(slug) = &e.slug {
            doc.add_text(f.slug, slug);
        }
        if let Some(description) = &e.description {
            doc.add_text(f.description, description);
        }
        for k in &e.keywords {
            doc.add_text(f.keywords, k);
        }
        for c in &e.creators {
            doc.add_text(f.creators, c);
            doc.add_text(f.creator_exact, c.to_lowercase());
        }
        doc.add_text(f.namespace, &e.namespace);
        doc.add_text(f.namespace_exact, e.namespace.to_lowercase());
        if let Some(date) = &e.date {
            doc.add_date(f.date, tantivy_date(date));
        }
        if let Some(date) = e.date_modified.as_ref().or(e.date.as_ref()) {
            doc.add_date(f.date_modified, tantivy_date(date));
        }
        let mut item = e.item.clone();
        if let Value::Object(map) = &mut item {
            map.insert("visibility".into(), Value::from(visibility.as_str()));
        }
        doc.add_text(f.item, item.to_string());
        doc
    }

    fn person_document(
        &self,
        id: &str,
        by_project: &BTreeMap<i64, PersonDoc>,
        persons: &Persons,
    ) -> Option<TantivyDocument> {
        let f = &self.fields;
        let first = by_project.values().next()?;
        let public = by_project
            .keys()
            .any(|p| persons.visibility.get(p) == Some(&Visibility::Public));
        let visibility = if public {
            Visibility::Public
        } else {
            Visibility::Private
        };
        let mut doc = TantivyDocument::default();
        doc.add_text(f.kind, EntityKind::Person.as_str());
        doc.add_text(f.person, id);
        for project in by_project.keys() {
            doc.add_u64(f.project, *project as u64);
        }
        doc.add_text(f.visibility, visibility.as_str());
        doc.add_text(f.name, &first.name);
        doc.add_text(f.name_sort, first.name.to_lowercase());
        let mut item = serde_json::json!({
            "type": "person",
            "id": id,
            "name": first.name,
            "_links": [],
        });
        if let Some(affiliation) = by_project.values().find_map(|p| p.affiliation.clone()) {
            item["affiliation"] = Value::from(affiliation);
        }
        doc.add_text(f.item, item.to_string());
        Some(doc)
    }

    /// Rewrites the documents of the persons in `ids`.
    fn refresh_persons(
        &self,
        writer: &IndexWriter,
        persons: &Persons,
        ids: &BTreeSet<String>,
    ) -> Result<(), SearchError> {
        for id in ids {
            writer.delete_term(Term::from_field_text(self.fields.person, id));
            if let Some(by_project) = persons.seen.get(id)
                && let Some(doc) = self.person_document(id, by_project, persons)
            {
                writer.add_document(doc).map_err(index_error)?;
            }
        }
        Ok(())
    }

    fn commit(
        &self,
        mut writer: std::sync::MutexGuard<'_, IndexWriter>,
    ) -> Result<(), SearchError> {
        writer.commit().map_err(index_error)?;
        drop(writer);
        self.reader.reload().map_err(index_error)
    }

    fn lock(
        &self,
    ) -> Result<
        (
            std::sync::MutexGuard<'_, IndexWriter>,
            std::sync::MutexGuard<'_, Persons>,
        ),
        SearchError,
    > {
        let writer = self
            .writer
            .lock()
            .map_err(|_| SearchError::Index("the index writer was poisoned".into()))?;
        let persons = self
            .persons
            .lock()
            .map_err(|_| SearchError::Index("the person registry was poisoned".into()))?;
        Ok((writer, persons))
    }

    /// Replaces everything `entities.project_id` contributed; searches see the old or the new
    /// documents, never a mix.
    pub fn replace_project(&self, entities: &ProjectEntities) -> Result<(), SearchError> {
        let (writer, mut persons) = self.lock()?;
        let id = entities.project_id;
        writer.delete_term(Term::from_field_u64(self.fields.owner, id as u64));
        for e in &entities.entities {
            writer
                .add_document(self.entity_document(id, entities.visibility, e))
                .map_err(index_error)?;
        }
        let mut touched: BTreeSet<String> = persons.by_project.remove(&id).unwrap_or_default();
        for old in &touched {
            if let Some(entry) = persons.seen.get_mut(old) {
                entry.remove(&id);
                if entry.is_empty() {
                    persons.seen.remove(old);
                }
            }
        }
        persons.visibility.insert(id, entities.visibility);
        let mut now = BTreeSet::new();
        for p in &entities.persons {
            persons
                .seen
                .entry(p.id.clone())
                .or_default()
                .insert(id, p.clone());
            now.insert(p.id.clone());
        }
        touched.extend(now.iter().cloned());
        persons.by_project.insert(id, now);
        self.refresh_persons(&writer, &persons, &touched)?;
        drop(persons);
        self.commit(writer)
    }

    /// Removes everything a project contributed.
    pub fn remove_project(&self, project_id: i64) -> Result<(), SearchError> {
        let (writer, mut persons) = self.lock()?;
        writer.delete_term(Term::from_field_u64(self.fields.owner, project_id as u64));
        let touched = persons.by_project.remove(&project_id).unwrap_or_default();
        for old in &touched {
            if let Some(entry) = persons.seen.get_mut(old) {
                entry.remove(&project_id);
                if entry.is_empty() {
                    persons.seen.remove(old);
                }
            }
        }
        persons.visibility.remove(&project_id);
        self.refresh_persons(&writer, &persons, &touched)?;
        drop(persons);
        self.commit(writer)
    }

    fn text_query(&self, text: &str) -> Box<dyn Query> {
        let f = &self.fields;
        let mut parser = QueryParser::for_index(
            &self.index,
            vec![
                f.name,
                f.slug,
                f.description,
                f.keywords,
                f.creators,
                f.namespace,
            ],
        );
        parser.set_field_boost(f.name, 3.0);
        parser.set_field_boost(f.slug, 2.0);
        parser.set_field_boost(f.keywords, 2.0);
        parser.set_field_boost(f.creators, 1.5);
        let (query, _errors) = parser.parse_query_lenient(text);
        query
    }

    fn any_of(&self, field: Field, values: impl IntoIterator<Item = String>) -> Box<dyn Query> {
        let clauses: Vec<(Occur, Box<dyn Query>)> = values
            .into_iter()
            .map(|v| {
                (
                    Occur::Should,
                    Box::new(TermQuery::new(
                        Term::from_field_text(field, &v),
                        IndexRecordOption::Basic,
                    )) as Box<dyn Query>,
                )
            })
            .collect();
        Box::new(BooleanQuery::new(clauses))
    }

    /// What `access` may see, as a filter that adds nothing to the score. The caller's
    /// public projects are left out of the membership terms when public documents are seen
    /// anyway (their documents all carry `visibility: public`), so that a user who is a
    /// member of many public projects does not pay one term per project on every search.
    fn access_query(&self, access: &SearchAccess) -> Result<Option<Box<dyn Query>>, SearchError> {
        if access.everything {
            return Ok(None);
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if access.public {
            clauses.push((
                Occur::Should,
                Box::new(TermQuery::new(
                    Term::from_field_text(self.fields.visibility, Visibility::Public.as_str()),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        let members: Vec<Term> = {
            let persons = self
                .persons
                .lock()
                .map_err(|_| SearchError::Index("the person registry was poisoned".into()))?;
            access
                .projects
                .iter()
                .filter(|p| {
                    !access.public || persons.visibility.get(p) != Some(&Visibility::Public)
                })
                .map(|p| Term::from_field_u64(self.fields.project, *p as u64))
                .collect()
        };
        if !members.is_empty() {
            clauses.push((Occur::Should, Box::new(TermSetQuery::new(members))));
        }
        Ok(Some(Box::new(ConstScoreQuery::new(
            Box::new(BooleanQuery::new(clauses)),
            0.0,
        ))))
    }

    fn day(date: NaiveDate, end: bool) -> tantivy::DateTime {
        let time = if end {
            date.and_hms_opt(23, 59, 59)
        } else {
            date.and_hms_opt(0, 0, 0)
        };
        tantivy::DateTime::from_timestamp_secs(time.map(|t| t.and_utc().timestamp()).unwrap_or(0))
    }

    /// The query of `request` for a caller with `access`.
    fn build_query(
        &self,
        request: &SearchRequest,
        access: &SearchAccess,
    ) -> Result<Box<dyn Query>, SearchError> {
        let f = &self.fields;
        let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        match request.query.as_deref().map(str::trim) {
            Some(text) if !text.is_empty() => must.push((Occur::Must, self.text_query(text))),
            _ => must.push((Occur::Must, Box::new(AllQuery))),
        }
        if let Some(filter) = self.access_query(access)? {
            must.push((Occur::Must, filter));
        }
        if !request.kinds.is_empty() {
            must.push((
                Occur::Must,
                self.any_of(f.kind, request.kinds.iter().map(|k| k.as_str().to_string())),
            ));
        }
        if !request.visibilities.is_empty() {
            must.push((
                Occur::Must,
                self.any_of(
                    f.visibility,
                    request.visibilities.iter().map(|v| v.as_str().to_string()),
                ),
            ));
        }
        if !request.creators.is_empty() {
            must.push((
                Occur::Must,
                self.any_of(
                    f.creator_exact,
                    request.creators.iter().map(|c| c.to_lowercase()),
                ),
            ));
        }
        if !request.namespaces.is_empty() {
            must.push((
                Occur::Must,
                self.any_of(
                    f.namespace_exact,
                    request.namespaces.iter().map(|n| n.to_lowercase()),
                ),
            ));
        }
        if request.since.is_some() || request.until.is_some() {
            let lower = match request.since {
                Some(d) => Bound::Included(Term::from_field_date_for_search(
                    f.date,
                    Self::day(d, false),
                )),
                None => Bound::Unbounded,
            };
            let upper = match request.until {
                Some(d) => {
                    Bound::Included(Term::from_field_date_for_search(f.date, Self::day(d, true)))
                }
                None => Bound::Unbounded,
            };
            must.push((Occur::Must, Box::new(RangeQuery::new(lower, upper))));
        }
        Ok(Box::new(BooleanQuery::new(must)))
    }

    /// Runs `request` for a caller with `access`.
    pub fn search(
        &self,
        request: &SearchRequest,
        access: &SearchAccess,
    ) -> Result<SearchPage, SearchError> {
        let searcher = self.reader.searcher();
        let query = self.build_query(request, access)?;
        let limit = request.per_page.max(1);
        let offset = request
            .per_page
            .saturating_mul(request.page.saturating_sub(1));
        let top = TopDocs::with_limit(limit).and_offset(offset);
        let order = |desc: bool| if desc { Order::Desc } else { Order::Asc };
        let by_score = (SortBySimilarityScore, Order::Desc);
        let (total, hits): (usize, Vec<(Score, DocAddress)>) = match request.sort.field {
            SortField::MatchingScore => {
                let (total, hits) = searcher
                    .search(
                        &query,
                        &(
                            Count,
                            top.order_by((SortBySimilarityScore, order(request.sort.descending))),
                        ),
                    )
                    .map_err(index_error)?;
                (total, hits)
            }
            SortField::Name => {
                let (total, hits) = searcher
                    .search(
                        &query,
                        &(
                            Count,
                            top.order_by((
                                (
                                    SortByString::for_field("name_sort"),
                                    order(request.sort.descending),
                                ),
                                by_score,
                            )),
                        ),
                    )
                    .map_err(index_error)?;
                (total, hits.into_iter().map(|((_, s), a)| (s, a)).collect())
            }
            SortField::Date | SortField::DateModified => {
                let field = if request.sort.field == SortField::Date {
                    "date"
                } else {
                    "date_modified"
                };
                let (total, hits) = searcher
                    .search(
                        &query,
                        &(
                            Count,
                            top.order_by((
                                (
                                    SortByStaticFastValue::<tantivy::DateTime>::for_field(field),
                                    order(request.sort.descending),
                                ),
                                by_score,
                            )),
                        ),
                    )
                    .map_err(index_error)?;
                (total, hits.into_iter().map(|((_, s), a)| (s, a)).collect())
            }
        };
        let mut items = Vec::with_capacity(hits.len());
        for (score, address) in hits {
            let doc: TantivyDocument = searcher.doc(address).map_err(index_error)?;
            let Some(text) = doc.get_first(self.fields.item).and_then(|v| v.as_str()) else {
                continue;
            };
            items.push(SearchItem::scored(text, score)?);
        }
        Ok(SearchPage { total, items })
    }
}

#[cfg(test)]
mod tests;
