//! The search documents of a project, read from its graph.

use oxigraph::model::NamedNode;
use serde_json::{Value, json};

use super::{EntityDoc, EntityKind, PersonDoc, ProjectEntities};
use crate::kg::json::{dataset_href, images, link, project_href};
use crate::kg::read;
use crate::kg::store::{GraphStore, GraphStoreError};
use crate::store::Project;

fn date_text(d: &Option<chrono::DateTime<chrono::FixedOffset>>) -> Value {
    crate::kg::json::date(d)
}

/// The documents of `project`, whose graph is `graph`; links start with `base`.
pub fn project_entities(
    store: &dyn GraphStore,
    graph: &NamedNode,
    project: &Project,
    base: &str,
) -> Result<ProjectEntities, GraphStoreError> {
    let info = read::project(store, graph)?;
    let name = info.name.clone().unwrap_or_else(|| project.name.clone());
    let description = info
        .description
        .clone()
        .or_else(|| (!project.description.is_empty()).then(|| project.description.clone()));
    let creators: Vec<String> = info.creator.iter().map(|c| c.name.clone()).collect();
    let path = project.path();
    let project_ref = json!({"path": path, "slug": path, "name": name});
    let mut entities = vec![EntityDoc {
        kind: EntityKind::Project,
        name: name.clone(),
        slug: Some(path.clone()),
        description: description.clone(),
        keywords: info.keywords.clone(),
        creators: creators.clone(),
        namespace: project.namespace.clone(),
        date: info
            .date_created
            .or_else(|| Some(project.created_at.fixed_offset())),
        date_modified: info.date_modified,
        item: json!({
            "type": "project",
            "id": graph.as_str(),
            "name": name,
            "slug": path,
            "path": path,
            "namespace": project.namespace,
            "namespaces": [{"rel": "namespace", "namespace": project.namespace}],
            "date": date_text(&info.date_created.or_else(|| Some(project.created_at.fixed_offset()))),
            "dateCreated": date_text(&info.date_created.or_else(|| Some(project.created_at.fixed_offset()))),
            "dateModified": date_text(&info.date_modified),
            "creator": creators.first(),
            "creators": creators,
            "keywords": info.keywords,
            "description": description,
            "images": images(&info.images),
            "_links": [link("details", project_href(base, project))],
        }),
    }];
    for d in read::datasets(store, graph)? {
        let creators: Vec<String> = d.creators.iter().map(|c| c.name.clone()).collect();
        entities.push(EntityDoc {
            kind: EntityKind::Dataset,
            name: d.name.clone(),
            slug: Some(d.slug.clone()),
            description: d.description.clone(),
            keywords: d.keywords.clone(),
            creators: creators.clone(),
            namespace: project.namespace.clone(),
            date: d.date(),
            date_modified: d.date_modified,
            item: json!({
                "type": "dataset",
                "id": d.iri,
                "identifier": d.identifier,
                "name": d.name,
                "slug": d.slug,
                "date": date_text(&d.date()),
                "dateModified": date_text(&d.date_modified),
                "creators": creators,
                "keywords": d.keywords,
                "description": d.description,
                "images": images(&d.images),
                "project": project_ref,
                "_links": [link("details", dataset_href(base, &d.identifier))],
            }),
        });
    }
    for p in read::plans(store, graph)? {
        let creators: Vec<String> = p.creators.iter().map(|c| c.name.clone()).collect();
        entities.push(EntityDoc {
            kind: EntityKind::Workflow,
            name: p.name.clone(),
            slug: None,
            description: p.description.clone(),
            keywords: p.keywords.clone(),
            creators: creators.clone(),
            namespace: project.namespace.clone(),
            date: p.date_created,
            date_modified: p.date_modified,
            item: json!({
                "type": "workflow",
                "id": p.iri,
                "name": p.name,
                "date": date_text(&p.date_created),
                "dateModified": date_text(&p.date_modified),
                "creators": creators,
                "keywords": p.keywords,
                "description": p.description,
                "workflowType": if p.composite { "CompositePlan" } else { "Plan" },
                "command": p.command,
                "project": project_ref,
                "_links": [],
            }),
        });
    }
    let persons = read::persons(store, graph)?
        .into_iter()
        .map(|p| PersonDoc {
            id: p.id,
            name: p.name,
            affiliation: p.affiliation,
        })
        .collect();
    Ok(ProjectEntities {
        project_id: project.id,
        visibility: project.visibility,
        entities,
        persons,
    })
}
