//! The JSON shapes of the knowledge-graph API (field names as renku clients read them).

use chrono::{DateTime, FixedOffset};
use serde_json::{Value, json};

use super::read::{DatasetInfo, PersonInfo, TagInfo};
use crate::store::Project;

/// `{rel, href}`.
pub fn link(rel: &str, href: String) -> Value {
    json!({"rel": rel, "href": href})
}

/// A date as the API writes it.
pub fn date(value: &Option<DateTime<FixedOffset>>) -> Value {
    match value {
        Some(d) => Value::from(d.to_rfc3339()),
        None => Value::Null,
    }
}

/// A person: `{name, email?, affiliation?}`.
pub fn person(p: &PersonInfo) -> Value {
    let mut out = json!({"name": p.name});
    if let Some(email) = &p.email {
        out["email"] = Value::from(email.clone());
    }
    if let Some(affiliation) = &p.affiliation {
        out["affiliation"] = Value::from(affiliation.clone());
    }
    out
}

/// Images: `[{location, _links: [{rel: view, href}]}]` (a view link for absolute URLs).
pub fn images(urls: &[String]) -> Value {
    Value::Array(
        urls.iter()
            .map(|u| {
                let links = if u.starts_with("http://") || u.starts_with("https://") {
                    vec![link("view", u.clone())]
                } else {
                    Vec::new()
                };
                json!({"location": u, "_links": links})
            })
            .collect(),
    )
}

/// `<base>/knowledge-graph/projects/<ns>/<name>`.
pub fn project_href(base: &str, project: &Project) -> String {
    format!("{base}/knowledge-graph/projects/{}", project.path())
}

/// `<base>/knowledge-graph/datasets/<identifier>`.
pub fn dataset_href(base: &str, identifier: &str) -> String {
    format!("{base}/knowledge-graph/datasets/{identifier}")
}

/// The clone URL of a project.
pub fn clone_url(base: &str, project: &Project) -> String {
    format!("{base}/repos/{}.git", project.path())
}

fn dataset_dates(d: &DatasetInfo, out: &mut Value) {
    match (&d.date_published, &d.date_created) {
        (Some(published), _) => {
            out["datePublished"] = Value::from(published.format("%Y-%m-%d").to_string())
        }
        (None, Some(_)) => out["dateCreated"] = date(&d.date_created),
        (None, None) => {}
    }
    out["dateModified"] = date(&d.date_modified);
}

fn dataset_origin(d: &DatasetInfo, out: &mut Value) {
    if let Some(from) = &d.derived_from {
        out["derivedFrom"] = Value::from(from.clone());
    } else {
        out["sameAs"] = Value::from(d.same_as.clone().unwrap_or_else(|| d.iri.clone()));
    }
}

/// An entry of `/projects/<ns>/<name>/datasets`.
pub fn dataset_entry(base: &str, project: &Project, d: &DatasetInfo) -> Value {
    let mut out = json!({
        "identifier": d.identifier,
        "versions": {"initial": d.initial_identifier},
        "name": d.name,
        "title": d.name,
        "slug": d.slug,
        "images": images(&d.images),
        "_links": [
            link("details", dataset_href(base, &d.identifier)),
            link("initial-version", dataset_href(base, &d.initial_identifier)),
            link(
                "tags",
                format!("{}/datasets/{}/tags", project_href(base, project), d.slug),
            ),
        ],
    });
    dataset_dates(d, &mut out);
    dataset_origin(d, &mut out);
    out
}

/// `{path, slug, name, visibility, _links[project-details]}` of a project.
pub fn project_ref(base: &str, project: &Project, name: &str) -> Value {
    json!({
        "path": project.path(),
        "slug": project.path(),
        "name": name,
        "visibility": project.visibility,
        "_links": [link("project-details", project_href(base, project))],
    })
}

/// `/datasets/<id>`: one dataset version with its files and project.
pub fn dataset_details(
    base: &str,
    project: &Project,
    project_name: &str,
    d: &DatasetInfo,
    files: &[String],
    used_in: Vec<Value>,
) -> Value {
    let mut project_json = project_ref(base, project, project_name);
    project_json["dataset"] = json!({"identifier": d.identifier});
    let mut out = json!({
        "identifier": d.identifier,
        "name": d.name,
        "title": d.name,
        "slug": d.slug,
        "versions": {"initial": d.initial_identifier},
        "url": d.iri,
        "description": d.description,
        "published": {
            "creator": d.creators.iter().map(person).collect::<Vec<_>>(),
        },
        "created": date(&d.date_created),
        "hasPart": files.iter().map(|f| json!({"atLocation": f})).collect::<Vec<_>>(),
        "project": project_json,
        "usedIn": used_in,
        "keywords": d.keywords,
        "images": images(&d.images),
        "_links": [
            link("self", dataset_href(base, &d.identifier)),
            link("initial-version", dataset_href(base, &d.initial_identifier)),
            link(
                "tags",
                format!("{}/datasets/{}/tags", project_href(base, project), d.slug),
            ),
        ],
    });
    if let Some(published) = &d.date_published {
        out["published"]["datePublished"] = Value::from(published.format("%Y-%m-%d").to_string());
    }
    out["dateModified"] = date(&d.date_modified);
    if let Some(license) = &d.license {
        out["license"] = Value::from(license.clone());
    }
    if let Some(version) = &d.version {
        out["version"] = Value::from(version.clone());
    }
    dataset_origin(d, &mut out);
    out
}

/// An entry of `/projects/<ns>/<name>/datasets/<slug>/tags`.
pub fn tag_entry(base: &str, t: &TagInfo) -> Value {
    let mut links = Vec::new();
    if let Some(identifier) = &t.dataset_identifier {
        links.push(link("dataset-details", dataset_href(base, identifier)));
    }
    json!({
        "name": t.name,
        "description": t.description,
        "date": date(&t.date),
        "_links": links,
    })
}
