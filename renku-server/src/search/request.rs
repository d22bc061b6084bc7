//! The parameters of `/knowledge-graph/entities`, parsed and checked.

use chrono::NaiveDate;

use crate::store::{Role, Visibility};

/// The kinds of entity search finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum EntityKind {
    /// A project.
    Project,
    /// A dataset (its current version).
    Dataset,
    /// A workflow (a plan's current version).
    Workflow,
    /// A person.
    Person,
}

impl EntityKind {
    /// The `type` value.
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Project => "project",
            EntityKind::Dataset => "dataset",
            EntityKind::Workflow => "workflow",
            EntityKind::Person => "person",
        }
    }

    /// Parses a `type` value.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "project" => Some(EntityKind::Project),
            "dataset" => Some(EntityKind::Dataset),
            "workflow" => Some(EntityKind::Workflow),
            "person" => Some(EntityKind::Person),
            _ => None,
        }
    }
}

/// What results are ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortField {
    /// Relevance.
    MatchingScore,
    /// Name.
    Name,
    /// Creation or publication date.
    Date,
    /// Last modification.
    DateModified,
}

/// The order of results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    /// By what.
    pub field: SortField,
    /// Largest first.
    pub descending: bool,
}

impl Sort {
    /// Parses `field[:asc|:desc]` (the default direction: descending for the score and
    /// dates, ascending for names).
    pub fn parse(text: &str) -> Result<Sort, String> {
        let (name, direction) = match text.split_once(':') {
            Some((n, d)) => (n, Some(d)),
            None => (text, None),
        };
        let field = match name {
            "matchingScore" => SortField::MatchingScore,
            "name" => SortField::Name,
            "date" => SortField::Date,
            "dateModified" => SortField::DateModified,
            other => {
                return Err(format!(
                    "sort must be one of matchingScore, name, date, dateModified, not '{other}'"
                ));
            }
        };
        let descending = match direction {
            None => field != SortField::Name,
            Some("asc") => false,
            Some("desc") => true,
            Some(other) => {
                return Err(format!("sort direction must be asc or desc, not '{other}'"));
            }
        };
        Ok(Sort { field, descending })
    }
}

/// A search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchRequest {
    /// Free text.
    pub query: Option<String>,
    /// Only these kinds (all when empty).
    pub kinds: Vec<EntityKind>,
    /// Only entities with one of these creators (names, case-insensitive).
    pub creators: Vec<String>,
    /// Only entities of projects with one of these visibilities.
    pub visibilities: Vec<Visibility>,
    /// Only entities of projects in one of these namespaces.
    pub namespaces: Vec<String>,
    /// Only entities of projects where the caller has one of these roles.
    pub roles: Vec<Role>,
    /// Created (or published) on or after.
    pub since: Option<NaiveDate>,
    /// Created (or published) on or before.
    pub until: Option<NaiveDate>,
    /// Order.
    pub sort: Sort,
    /// Page number, from 1.
    pub page: usize,
    /// Items per page.
    pub per_page: usize,
}

/// Default page size.
pub const DEFAULT_PER_PAGE: usize = 20;
/// Largest page size.
pub const MAX_PER_PAGE: usize = 100;

/// `page` and `per_page` from query parameters (`per_page_default` when absent).
pub fn paging(
    params: &[(String, String)],
    per_page_default: usize,
) -> Result<(usize, usize), String> {
    let mut page = 1;
    let mut per_page = per_page_default;
    for (key, value) in params {
        match key.as_str() {
            "page" => {
                page = value
                    .parse::<usize>()
                    .ok()
                    .filter(|p| *p >= 1)
                    .ok_or_else(|| format!("page must be a number from 1, not '{value}'"))?
            }
            "per_page" => {
                per_page = value
                    .parse::<usize>()
                    .ok()
                    .filter(|p| (1..=MAX_PER_PAGE).contains(p))
                    .ok_or_else(|| {
                        format!("per_page must be a number from 1 to {MAX_PER_PAGE}, not '{value}'")
                    })?
            }
            _ => {}
        }
    }
    Ok((page, per_page))
}

fn date(key: &str, value: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map_err(|_| format!("{key} must be a date YYYY-MM-DD, not '{value}'"))
}

impl SearchRequest {
    /// Parses the query parameters of `/entities`; the error names the bad parameter.
    pub fn from_params(params: &[(String, String)]) -> Result<SearchRequest, String> {
        let (page, per_page) = paging(params, DEFAULT_PER_PAGE)?;
        let mut request = SearchRequest {
            query: None,
            kinds: Vec::new(),
            creators: Vec::new(),
            visibilities: Vec::new(),
            namespaces: Vec::new(),
            roles: Vec::new(),
            since: None,
            until: None,
            sort: Sort {
                field: SortField::MatchingScore,
                descending: true,
            },
            page,
            per_page,
        };
        let mut sort = None;
        for (key, value) in params {
            match key.as_str() {
                "query" | "q" => request.query = Some(value.clone()),
                "type" => request.kinds.push(EntityKind::parse(value).ok_or_else(|| {
                    format!("type must be project, dataset, workflow or person, not '{value}'")
                })?),
                "creator" => request.creators.push(value.clone()),
                "visibility" => request.visibilities.push(match value.as_str() {
                    "public" => Visibility::Public,
                    "private" => Visibility::Private,
                    other => {
                        return Err(format!(
                            "visibility must be public or private, not '{other}'"
                        ));
                    }
                }),
                "namespace" => request.namespaces.push(value.trim_matches('/').to_string()),
                "role" => request.roles.push(Role::parse(value).ok_or_else(|| {
                    format!("role must be owner, maintainer or reader, not '{value}'")
                })?),
                "since" => request.since = Some(date("since", value)?),
                "until" => request.until = Some(date("until", value)?),
                "sort" => {
                    if sort.is_none() {
                        sort = Some(Sort::parse(value)?);
                    }
                }
                "page" | "per_page" => {}
                other => return Err(format!("unknown parameter '{other}'")),
            }
        }
        if let (Some(since), Some(until)) = (request.since, request.until)
            && since > until
        {
            return Err("since must not be after until".into());
        }
        let has_text = request
            .query
            .as_deref()
            .is_some_and(|q| !q.trim().is_empty());
        request.sort = sort.unwrap_or(if has_text {
            Sort {
                field: SortField::MatchingScore,
                descending: true,
            }
        } else {
            Sort {
                field: SortField::Name,
                descending: false,
            }
        });
        Ok(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn parameters_are_parsed_and_checked() {
        let r = SearchRequest::from_params(&params(&[
            ("query", "flights"),
            ("type", "dataset"),
            ("type", "project"),
            ("sort", "date:asc"),
            ("page", "2"),
            ("per_page", "5"),
            ("since", "2024-01-01"),
        ]))
        .expect("valid");
        assert_eq!(r.kinds, vec![EntityKind::Dataset, EntityKind::Project]);
        assert_eq!(
            r.sort,
            Sort {
                field: SortField::Date,
                descending: false
            }
        );
        assert_eq!((r.page, r.per_page), (2, 5));
        let r = SearchRequest::from_params(&[]).expect("valid");
        assert_eq!(r.sort.field, SortField::Name);
        assert_eq!(r.per_page, DEFAULT_PER_PAGE);
        for bad in [
            ("type", "file"),
            ("sort", "size"),
            ("sort", "name:up"),
            ("page", "0"),
            ("per_page", "101"),
            ("since", "yesterday"),
            ("visibility", "internal"),
            ("role", "guest"),
            ("colour", "red"),
        ] {
            let error = SearchRequest::from_params(&params(&[bad])).expect_err("invalid");
            assert!(
                error.contains(bad.0) || error.contains(bad.1),
                "{bad:?}: {error}"
            );
        }
        assert!(
            SearchRequest::from_params(&params(&[
                ("since", "2024-02-01"),
                ("until", "2024-01-01")
            ]))
            .is_err()
        );
    }
}
