//! Search filters, sorting and paging on hand-made documents.

use chrono::DateTime;
use serde_json::json;

use super::*;

fn date(text: &str) -> Option<DateTime<FixedOffset>> {
    Some(DateTime::parse_from_rfc3339(text).expect("date"))
}

fn entity(
    kind: EntityKind,
    name: &str,
    namespace: &str,
    creators: &[&str],
    day: &str,
) -> EntityDoc {
    EntityDoc {
        kind,
        name: name.into(),
        slug: Some(name.to_lowercase().replace(' ', "-")),
        description: Some(format!("about {name}")),
        keywords: vec!["shared".into()],
        creators: creators.iter().map(|c| c.to_string()).collect(),
        namespace: namespace.into(),
        date: date(&format!("{day}T10:00:00+00:00")),
        date_modified: date(&format!("{day}T12:00:00+00:00")),
        item: json!({"type": kind.as_str(), "name": name}),
    }
}

fn person(id: &str, name: &str) -> PersonDoc {
    PersonDoc {
        id: id.into(),
        name: name.into(),
        affiliation: None,
    }
}

fn index() -> SearchIndex {
    let index = SearchIndex::new().expect("index");
    index
        .replace_project(&ProjectEntities {
            project_id: 1,
            visibility: Visibility::Public,
            entities: vec![
                entity(
                    EntityKind::Project,
                    "Flights",
                    "alice",
                    &["Alice Doe"],
                    "2024-01-10",
                ),
                entity(
                    EntityKind::Dataset,
                    "Airports",
                    "alice",
                    &["Alice Doe"],
                    "2024-02-10",
                ),
                entity(
                    EntityKind::Workflow,
                    "Count flights",
                    "alice",
                    &["Bob Roe"],
                    "2024-03-10",
                ),
            ],
            persons: vec![
                person("mailto:alice@x", "Alice Doe"),
                person("mailto:bob@x", "Bob Roe"),
            ],
        })
        .expect("index public");
    index
        .replace_project(&ProjectEntities {
            project_id: 2,
            visibility: Visibility::Private,
            entities: vec![
                entity(
                    EntityKind::Project,
                    "Secret plans",
                    "carol",
                    &["Carol Poe"],
                    "2024-04-10",
                ),
                entity(
                    EntityKind::Dataset,
                    "Secret flights",
                    "carol",
                    &["Carol Poe"],
                    "2024-05-10",
                ),
            ],
            persons: vec![
                person("mailto:carol@x", "Carol Poe"),
                person("mailto:bob@x", "Bob Roe"),
            ],
        })
        .expect("index private");
    index
}

fn request(params: &[(&str, &str)]) -> SearchRequest {
    let params: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    SearchRequest::from_params(&params).expect("request")
}

fn values(page: &SearchPage) -> Vec<Value> {
    page.items
        .iter()
        .map(|i| i.value().expect("an item is JSON"))
        .collect()
}

fn names(page: &SearchPage) -> Vec<String> {
    values(page)
        .iter()
        .map(|i| i["name"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn member_of(projects: &[i64]) -> SearchAccess {
    SearchAccess {
        everything: false,
        public: true,
        projects: projects.to_vec(),
    }
}

#[test]
fn private_documents_need_membership_or_admin() {
    let index = index();
    let anonymous = index
        .search(
            &request(&[("query", "flights")]),
            &SearchAccess::anonymous(),
        )
        .expect("search");
    assert_eq!(anonymous.total, 2);
    assert!(!names(&anonymous).iter().any(|n| n.contains("Secret")));
    let everything = index
        .search(&request(&[]), &SearchAccess::anonymous())
        .expect("search");
    assert!(
        !names(&everything)
            .iter()
            .any(|n| n.contains("Secret") || n == "Carol Poe")
    );
    // Bob appears in both projects: public through the public one.
    assert!(names(&everything).contains(&"Bob Roe".to_string()));

    let member = index
        .search(&request(&[("query", "secret")]), &member_of(&[2]))
        .expect("search");
    assert_eq!(member.total, 2);
    let admin = SearchAccess {
        everything: true,
        public: true,
        projects: Vec::new(),
    };
    let all = index.search(&request(&[]), &admin).expect("search");
    assert_eq!(all.total, 8);
    let visible = index
        .search(&request(&[("visibility", "private")]), &member_of(&[]))
        .expect("search");
    assert_eq!(visible.total, 0);
    let items = values(
        &index
            .search(&request(&[("query", "airports")]), &member_of(&[]))
            .expect("search"),
    );
    assert_eq!(items[0]["visibility"], "public");
    assert!(items[0]["matchingScore"].as_f64().expect("score") > 0.0);
}

#[test]
fn filters_by_type_creator_namespace_and_date() {
    let index = index();
    let admin = SearchAccess {
        everything: true,
        public: true,
        projects: Vec::new(),
    };
    let datasets = index
        .search(&request(&[("type", "dataset")]), &admin)
        .expect("search");
    assert_eq!(names(&datasets), vec!["Airports", "Secret flights"]);
    let both = index
        .search(
            &request(&[("type", "dataset"), ("type", "workflow")]),
            &admin,
        )
        .expect("search");
    assert_eq!(both.total, 3);
    let by_creator = index
        .search(&request(&[("creator", "bob roe")]), &admin)
        .expect("search");
    assert_eq!(names(&by_creator), vec!["Count flights"]);
    let by_namespace = index
        .search(&request(&[("namespace", "carol")]), &admin)
        .expect("search");
    assert_eq!(by_namespace.total, 2);
    let by_date = index
        .search(
            &request(&[("since", "2024-02-01"), ("until", "2024-04-10")]),
            &admin,
        )
        .expect("search");
    assert_eq!(
        names(&by_date),
        vec!["Airports", "Count flights", "Secret plans"]
    );
}

#[test]
fn sorting_and_paging() {
    let index = index();
    let admin = SearchAccess {
        everything: true,
        public: true,
        projects: Vec::new(),
    };
    let by_date = index
        .search(
            &request(&[
                ("type", "project"),
                ("type", "dataset"),
                ("sort", "date:desc"),
            ]),
            &admin,
        )
        .expect("search");
    assert_eq!(
        names(&by_date),
        vec!["Secret flights", "Secret plans", "Airports", "Flights"]
    );
    let page2 = index
        .search(
            &request(&[("sort", "name:asc"), ("page", "2"), ("per_page", "3")]),
            &admin,
        )
        .expect("search");
    assert_eq!(page2.total, 8);
    assert_eq!(names(&page2), vec!["Carol Poe", "Count flights", "Flights"]);
    let relevant = index
        .search(&request(&[("query", "count flights")]), &admin)
        .expect("search");
    assert_eq!(names(&relevant)[0], "Count flights");
}

#[test]
fn replacing_and_removing_a_project_updates_persons() {
    let index = index();
    index
        .replace_project(&ProjectEntities {
            project_id: 1,
            visibility: Visibility::Private,
            entities: vec![entity(
                EntityKind::Project,
                "Flights",
                "alice",
                &[],
                "2024-01-10",
            )],
            persons: vec![person("mailto:alice@x", "Alice Doe")],
        })
        .expect("replace");
    let anonymous = index
        .search(&request(&[]), &SearchAccess::anonymous())
        .expect("search");
    assert_eq!(anonymous.total, 0, "{:?}", names(&anonymous));
    let member = index
        .search(&request(&[("type", "person")]), &member_of(&[1]))
        .expect("search");
    assert_eq!(names(&member), vec!["Alice Doe"]);
    index.remove_project(1).expect("remove");
    let admin = SearchAccess {
        everything: true,
        public: true,
        projects: Vec::new(),
    };
    let left = index.search(&request(&[]), &admin).expect("search");
    assert_eq!(
        names(&left),
        vec!["Bob Roe", "Carol Poe", "Secret flights", "Secret plans"]
    );
}

#[test]
fn members_of_public_and_private_projects_see_both_with_the_same_scores() {
    let index = index();
    let query = request(&[("query", "flights")]);
    let anonymous = index
        .search(&query, &SearchAccess::anonymous())
        .expect("search");
    // A member of the public project 1 and the private project 2: the public one is found
    // through its visibility, the private one through the membership.
    let member = index.search(&query, &member_of(&[1, 2])).expect("search");
    assert_eq!(member.total, anonymous.total + 1);
    assert!(names(&member).iter().any(|n| n.contains("Secret")));
    // Access adds nothing to the score: public items score as they do for anyone.
    let score = |page: &SearchPage, name: &str| {
        values(page)
            .into_iter()
            .find(|i| i["name"] == name)
            .and_then(|i| i["matchingScore"].as_f64())
    };
    assert!(score(&anonymous, "Flights").is_some());
    assert_eq!(score(&anonymous, "Flights"), score(&member, "Flights"));
    // Only the member's projects (a role filter): the public project counts again.
    let only_mine = SearchAccess {
        everything: false,
        public: false,
        projects: vec![1],
    };
    let mine = index.search(&query, &only_mine).expect("search");
    assert_eq!(mine.total, anonymous.total);
    assert!(!names(&mine).iter().any(|n| n.contains("Secret")));
    let none = SearchAccess {
        everything: false,
        public: false,
        projects: Vec::new(),
    };
    assert_eq!(index.search(&query, &none).expect("search").total, 0);
}

#[test]
fn items_keep_their_stored_json_and_gain_a_score() {
    let item = SearchItem::scored(r#"{"type":"project","name":"A \"}\" b"}"#, 1.5).expect("item");
    let value = item.value().expect("JSON");
    assert_eq!(value["name"], "A \"}\" b");
    assert_eq!(value["matchingScore"], 1.5);
    let empty = SearchItem::scored("{}", 2.0).expect("item");
    assert_eq!(empty.value().expect("JSON"), json!({"matchingScore": 2.0}));
    let nan = SearchItem::scored(r#"{"a":1}"#, f32::NAN).expect("item");
    assert_eq!(nan.value().expect("JSON")["matchingScore"], 0);
    assert!(SearchItem::scored("[1]", 1.0).is_err());
    let page = SearchPage {
        total: 2,
        items: vec![item, empty],
    };
    let array: Value = serde_json::from_str(&page.json_array()).expect("array");
    assert_eq!(array.as_array().map(Vec::len), Some(2));
    assert_eq!(array[1]["matchingScore"], 2.0);
    let nothing = SearchPage {
        total: 0,
        items: Vec::new(),
    };
    assert_eq!(nothing.json_array(), "[]");
}
