//! The id and date fixes renku-python's own migration of a version-9 database applies
//! (its `m_0010__metadata_fixes`), so that a v9 project converted by us has the ids
//! renku-python 2.9.4 gives it:
//!
//! * activity ids that do not start with `/activities/` get that prefix — the activity's
//!   own, its usages', generations' and parameter values' ids — and a generation id with
//!   `/usages/` in it (an old bug) says `/generations/`; collections follow the new ids;
//! * `remote-entity` in the id of a file's `based_on` becomes `remote-entities`;
//! * dataset image ids lose their dashes;
//! * a plan removed before it was created is removed when it was created; every plan
//!   version's own date becomes its modification date and its creation date that of the
//!   first version of its derivation chain (removed no earlier than a second later);
//! * an activity started before its plan was created starts then, and ends no earlier than
//!   it started;
//! * dataset dates as [`super::dataset_dates::fix_chain`] corrects them;
//! * a removed plan that is no derivative of another is kept as not removed, and a derived
//!   copy of it (same parameters, a new id) carries the removal — renku-python gives the copy
//!   a random id, we derive it from the plan's id so that migrating twice gives the same;
//! * the project's software agent becomes the renku that migrated it.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, FixedOffset, TimeDelta};

use super::database::LegacyProject;
use crate::model::Plan;

const ACTIVITIES: &str = "/activities/";

/// `id` under `/activities/`.
fn activity_id(id: &str) -> String {
    if id.starts_with(ACTIVITIES) {
        id.to_string()
    } else {
        format!("{ACTIVITIES}{}", id.trim_start_matches('/'))
    }
}

/// Applies the fixes to everything read from a version-9 database.
pub fn apply(project: &mut LegacyProject) {
    let mut renamed: HashMap<String, String> = HashMap::new();
    for (activity, _) in &mut project.activities {
        let new_id = activity_id(&activity.id);
        if new_id != activity.id {
            renamed.insert(activity.id.clone(), new_id.clone());
            activity.id = new_id;
        }
        for g in &mut activity.generations {
            g.id = activity_id(&g.id).replace("/usages/", "/generations/");
        }
        for u in activity
            .usages
            .iter_mut()
            .chain(activity.hidden_usages.iter_mut())
        {
            u.id = activity_id(&u.id);
        }
        for p in &mut activity.parameters {
            p.id = activity_id(&p.id);
        }
    }
    let follow = |ids: &mut Vec<String>| {
        for id in ids.iter_mut() {
            if let Some(new) = renamed.get(id.as_str()) {
                *id = new.clone();
            }
        }
    };
    for c in &mut project.collections {
        follow(&mut c.activities);
    }
    for c in &mut project.workflow_file_collections {
        follow(&mut c.activities);
    }
    for version in project.datasets.iter_mut().flatten() {
        for f in &mut version.files {
            if let Some(based_on) = &mut f.based_on {
                based_on.id = based_on
                    .id
                    .replace("/remote-entity//", "/remote-entities/")
                    .replace("/remote-entity/", "/remote-entities/");
            }
        }
        for image in &mut version.images {
            image.id = image.id.replace('-', "");
        }
    }
    let project_created = project.project.date_created;
    for chain in &mut project.datasets {
        super::dataset_dates::fix_chain(chain, project_created);
    }
    for plan in &mut project.plans {
        if let Some(removed) = plan.date_removed
            && removed < plan.date_created
        {
            plan.date_removed = Some(plan.date_created);
        }
    }
    date_plans_by_their_chain(&mut project.plans);
    let plan_created: HashMap<&str, DateTime<FixedOffset>> = project
        .plans
        .iter()
        .map(|p| (p.id.as_str(), p.date_created))
        .collect();
    for (activity, removed) in &mut project.activities {
        if let Some(created) = plan_created.get(activity.plan_id.as_str())
            && activity.started_at_time < *created
        {
            activity.started_at_time = *created;
        }
        if activity.ended_at_time < activity.started_at_time {
            activity.ended_at_time = activity.started_at_time;
        }
        if let Some(at) = removed
            && *at < activity.ended_at_time
        {
            *at = activity.ended_at_time;
        }
    }
    project.project.agent_version = crate::VERSION.to_string();
    let mut derived = Vec::new();
    for plan in &mut project.plans {
        if plan.date_removed.is_some() && plan.derived_from.is_none() {
            let mut copy = plan.clone();
            let hex = super::yaml::workflows::stable_hex(&["removed plan", &plan.id], 32);
            copy.id = match plan.id.find("/plans/") {
                Some(at) => format!("{}/plans/{hex}", &plan.id[..at]),
                None => format!("/plans/{hex}"),
            };
            copy.derived_from = Some(plan.id.clone());
            plan.date_removed = None;
            derived.push(copy);
        }
    }
    project.plans.extend(derived);
}

/// Version 9 dated each plan version by when it was written; from version 10 on a version's
/// creation date is that of the first version of its chain and its own date is its
/// modification date.
fn date_plans_by_their_chain(plans: &mut [Plan]) {
    let by_id: HashMap<String, (DateTime<FixedOffset>, Option<String>)> = plans
        .iter()
        .map(|p| (p.id.clone(), (p.date_created, p.derived_from.clone())))
        .collect();
    for plan in plans.iter_mut() {
        let mut created = plan.date_created;
        let mut parent = plan.derived_from.clone();
        let mut seen = HashSet::from([plan.id.clone()]);
        while let Some(id) = parent {
            let Some((date, next)) = by_id.get(&id) else {
                break;
            };
            if !seen.insert(id) {
                break;
            }
            created = *date;
            parent = next.clone();
        }
        plan.date_modified = plan.date_created;
        plan.date_created = created;
        if let Some(removed) = plan.date_removed
            && removed < created
        {
            plan.date_removed = Some(created + TimeDelta::seconds(1));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Activity, ActivityCollection, Dataset, Plan, Project};
    use serde_json::json;

    fn entity(path: &str) -> serde_json::Value {
        json!({"id": format!("/entities/abc/{path}"), "path": path, "checksum": "abc"})
    }

    fn v9_project() -> LegacyProject {
        let person = json!({"id": "mailto:a@b.c", "name": "A"});
        let agent = json!({"id": "https://github.com/swissdatasciencecenter/renku-python/tree/v1.0.0", "name": "renku 1.0.0"});
        let activity: Activity = serde_json::from_value(json!({
            "id": "/1234", "plan_id": "/plans/p1",
            "started_at_time": "2021-01-01T00:00:00+00:00",
            "ended_at_time": "2021-01-01T00:00:01+00:00",
            "agent": agent, "person": person,
            "usages": [{"id": "/1234/usages/1", "entity": entity("in.txt")}],
            "generations": [{"id": "/1234/usages/2", "entity": entity("out.txt")}],
            "parameters": [{"id": "/1234/parameter-value/3", "parameter_id": "/plans/p1/parameters/n", "value": 1}]
        }))
        .expect("activity");
        let plan: Plan = serde_json::from_value(json!({
            "id": "/plans/p1", "name": "p", "command": "cp",
            "parameters": [], "success_codes": [], "keywords": [], "creators": [],
            "date_created": "2021-01-02T00:00:00+00:00",
            "date_modified": "2021-01-02T00:00:00+00:00",
            "date_removed": "2021-01-01T00:00:00+00:00",
            "annotations": [], "steps": [], "mappings": [], "links": []
        }))
        .expect("plan");
        let dataset: Dataset = serde_json::from_value(json!({
            "id": "/datasets/d1", "identifier": "d1", "initial_identifier": "d1",
            "slug": "d", "name": "d", "date_modified": "2021-03-01T00:00:00+00:00",
            "date_created": "2021-02-01T00:00:00+00:00",
            "images": [{"id": "/datasets/d1/images/0-a", "content_url": "x.png", "position": 0}],
            "files": [{
                "id": "/dataset-files/f1", "entity": entity("data/d/x"),
                "date_added": "2021-02-01T00:00:00+00:00",
                "based_on": {"id": "/remote-entity//github.com/x/abc/x", "checksum": "abc", "path": "x", "url": "https://github.com/x"}
            }]
        }))
        .expect("dataset");
        let project: Project = serde_json::from_value(json!({
            "id": "/projects/ns/p", "name": "p", "date_created": "2021-01-01T00:00:00+00:00",
            "creator": person, "version": "9", "agent_version": "1.0.0"
        }))
        .expect("project");
        LegacyProject {
            project,
            schema_version: "9".into(),
            datasets: vec![vec![dataset]],
            tags: Vec::new(),
            plans: vec![plan],
            activities: vec![(activity, None)],
            collections: vec![ActivityCollection {
                id: "/activity-collection/c".into(),
                activities: vec!["/1234".into()],
            }],
            workflow_file_collections: Vec::new(),
            warnings: Vec::new(),
        }
    }

    #[test]
    fn renku_pythons_v9_fixes_are_applied() {
        let mut p = v9_project();
        apply(&mut p);
        let (a, _) = &p.activities[0];
        assert_eq!(a.id, "/activities/1234");
        assert_eq!(a.usages[0].id, "/activities/1234/usages/1");
        assert_eq!(a.generations[0].id, "/activities/1234/generations/2");
        assert_eq!(a.parameters[0].id, "/activities/1234/parameter-value/3");
        assert_eq!(
            p.collections[0].activities,
            vec!["/activities/1234".to_string()]
        );
        let d = &p.datasets[0][0];
        assert_eq!(
            d.files[0].based_on.as_ref().map(|b| b.id.as_str()),
            Some("/remote-entities/github.com/x/abc/x")
        );
        assert_eq!(d.images[0].id, "/datasets/d1/images/0a");
        // The removed plan is kept, its derived copy carries the removal (from its creation).
        assert_eq!(p.plans.len(), 2);
        assert_eq!(p.plans[0].date_removed, None);
        let copy = &p.plans[1];
        assert!(
            copy.id.starts_with("/plans/") && copy.id != "/plans/p1",
            "{}",
            copy.id
        );
        assert_eq!(copy.derived_from.as_deref(), Some("/plans/p1"));
        assert_eq!(copy.date_removed, Some(p.plans[0].date_created));
        assert_eq!(copy.date_modified, p.plans[0].date_modified);
        // One version: its creation date is its modification date.
        assert_eq!(d.date_modified, d.date_created.expect("created"));
        // Applying them again changes nothing.
        let once = format!("{:?} {:?}", p.activities, p.plans);
        apply(&mut p);
        assert_eq!(format!("{:?} {:?}", p.activities, p.plans), once);
        // The copy's id does not depend on the run.
        let mut again = v9_project();
        apply(&mut again);
        assert_eq!(again.plans[1].id, p.plans[1].id);
    }

    fn plan(id: &str, created: &str, derived_from: Option<&str>) -> Plan {
        serde_json::from_value(json!({
            "id": id, "name": "p", "command": "cp",
            "parameters": [], "success_codes": [], "keywords": [], "creators": [],
            "date_created": created, "date_modified": created,
            "derived_from": derived_from,
            "annotations": [], "steps": [], "mappings": [], "links": []
        }))
        .expect("plan")
    }

    #[test]
    fn plan_versions_share_the_first_creation_date_and_activities_follow() {
        let mut p = v9_project();
        p.plans = vec![
            plan("/plans/p1", "2021-01-02T00:00:00+00:00", None),
            plan("/plans/p2", "2021-01-05T00:00:00+00:00", Some("/plans/p1")),
            plan("/plans/p3", "2021-01-07T00:00:00+00:00", Some("/plans/p2")),
        ];
        // Written when it was removed, recorded as removed a moment before.
        p.plans[2].date_removed =
            chrono::DateTime::parse_from_rfc3339("2021-01-01T00:00:00+00:00").ok();
        apply(&mut p);
        let date = |s: &str| chrono::DateTime::parse_from_rfc3339(s).expect("date");
        let first = date("2021-01-02T00:00:00+00:00");
        assert!(p.plans.iter().all(|plan| plan.date_created == first));
        assert_eq!(p.plans[1].date_modified, date("2021-01-05T00:00:00+00:00"));
        assert_eq!(p.plans[2].date_modified, date("2021-01-07T00:00:00+00:00"));
        // First raised to its own date, then kept after the chain's creation.
        assert_eq!(
            p.plans[2].date_removed,
            Some(date("2021-01-07T00:00:00+00:00"))
        );
        // The activity of p1 started before p1 existed: it starts (and ends) then.
        let (a, _) = &p.activities[0];
        assert_eq!(a.started_at_time, first);
        assert_eq!(a.ended_at_time, first);
        assert_eq!(p.project.agent_version, crate::VERSION);
    }

    #[test]
    fn activity_ids_get_their_prefix_and_generations_their_name() {
        assert_eq!(activity_id("/abc"), "/activities/abc");
        assert_eq!(activity_id("abc/usages/1"), "/activities/abc/usages/1");
        assert_eq!(activity_id("/activities/abc"), "/activities/abc");
    }
}

#[cfg(test)]
mod date_tests {
    use crate::model::Dataset;
    use serde_json::json;

    fn version(id: &str, created: &str) -> Dataset {
        serde_json::from_value(json!({
            "id": format!("/datasets/{id}"), "identifier": id, "initial_identifier": "v1",
            "slug": "d", "name": "d", "date_modified": "2030-01-01T00:00:00+00:00",
            "date_created": created
        }))
        .expect("dataset")
    }

    #[test]
    fn versions_are_dated_by_modification_and_share_the_first_creation() {
        let project_created =
            chrono::DateTime::parse_from_rfc3339("2021-01-01T00:00:00+00:00").expect("date");
        let mut chain = vec![
            version("v1", "2020-06-01T00:00:00+00:00"),
            version("v2", "2021-05-01T00:00:00+00:00"),
        ];
        super::super::dataset_dates::fix_chain(&mut chain, project_created);
        // Created before the project: the project's creation date (no files to date it).
        assert_eq!(chain[0].date_created, Some(project_created));
        assert_eq!(chain[0].date_modified, project_created);
        assert_eq!(chain[1].date_created, Some(project_created));
        assert_eq!(
            chain[1].date_modified.to_rfc3339(),
            "2021-05-01T00:00:00+00:00"
        );
    }
}
