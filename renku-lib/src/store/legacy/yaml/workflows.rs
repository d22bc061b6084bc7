//! Recorded runs of the YAML era ([`OldRun`], read from CWL or workflow YAML files) turned
//! into plans and activities the way renku-python's m_0009 converts them: parameter ids
//! `<plan>/<inputs|outputs|parameters>/<position or stream>`, names `<prefix or kind>-<position>`,
//! one parameter value per used input, generated output and argument. Where renku-python
//! draws random hex digits (names and ids of unpositioned parameters, usages, generations,
//! values) we derive them from a hash of what they belong to, so migrating the same project
//! twice gives the same result.

use chrono::{DateTime, FixedOffset};
use sha2::{Digest, Sha256};

use crate::model::{
    Activity, CommandParameter, Entity, Generation, ParameterKind, ParameterValue, Person, Plan,
    SoftwareAgent, Stream, Usage,
};

/// An input, output or argument of a recorded run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OldParam {
    /// Last segment of the parameter's id: its position, `stdin`/`stdout`/`stderr`, or empty
    /// (then a stable hex id is made).
    pub postfix: String,
    /// Name, when recorded.
    pub name: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Position on the command line.
    pub position: Option<u32>,
    /// Prefix (a trailing space means a separate argument).
    pub prefix: Option<String>,
    /// Path (inputs, outputs) or value (arguments).
    pub value: String,
    /// Stream the file is connected to.
    pub stream: Option<Stream>,
    /// Whether the path is a directory.
    pub is_dir: bool,
    /// For outputs: whether the command created the directory.
    pub create_folder: bool,
}

/// A recorded run: the command and its parameters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OldRun {
    /// The plan's identifier (`/plans/<id_hex>`).
    pub id_hex: String,
    /// Base command.
    pub command: String,
    /// Exit codes counted as success.
    pub success_codes: Vec<i32>,
    /// Inputs.
    pub inputs: Vec<OldParam>,
    /// Outputs.
    pub outputs: Vec<OldParam>,
    /// Arguments.
    pub arguments: Vec<OldParam>,
    /// Name, when recorded.
    pub name: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Keywords.
    pub keywords: Vec<String>,
}

/// One execution of a run.
#[derive(Debug, Clone)]
pub struct Execution {
    /// `/activities/<hex>`.
    pub activity_id: String,
    /// Start.
    pub started: DateTime<FixedOffset>,
    /// End.
    pub ended: DateTime<FixedOffset>,
    /// Who ran it.
    pub person: Person,
    /// The renku that recorded it (the activity's association names it).
    pub agent: SoftwareAgent,
    /// The software agent the activity is associated with; `None`: the renku migrating it
    /// (what renku-python records for runs it converts from CWL).
    pub associated_agent: Option<SoftwareAgent>,
    /// Entities of the inputs, at the run's commit.
    pub used: Vec<Entity>,
    /// Entities of the outputs the run's commit changed.
    pub generated: Vec<Entity>,
    /// Entities of the files the run's commit deleted, as they were before.
    pub invalidated: Vec<Entity>,
}

/// `len` hex digits of a hash of `parts`.
pub fn stable_hex(parts: &[&str], len: usize) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0u8]);
    }
    h.finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
        .chars()
        .take(len)
        .collect()
}

/// renku-python's name of an unnamed parameter: the slug of its prefix (stripped of spaces,
/// dashes and `=`) or the kind, then `-` and the position (or 4 hex digits).
fn parameter_name(base: &str, prefix: Option<&str>, position: Option<u32>, salt: &str) -> String {
    let name = match prefix {
        Some(p) if !p.is_empty() => {
            crate::util::slugify(p.trim_matches(|c| c == ' ' || c == '-' || c == '='), true)
        }
        _ => base.to_string(),
    };
    match position {
        Some(p) => format!("{name}-{p}"),
        None => format!("{name}-{}", stable_hex(&[salt, "name"], 4)),
    }
}

/// The plan of `run`, created at `date`.
pub fn plan_of(run: &OldRun, date: DateTime<FixedOffset>) -> Plan {
    let plan_id = format!("/plans/{}", run.id_hex);
    let mut parameters = Vec::new();
    for (kind, list, base) in [
        (ParameterKind::Input, &run.inputs, "input"),
        (ParameterKind::Output, &run.outputs, "output"),
        (ParameterKind::Parameter, &run.arguments, "param"),
    ] {
        for (i, p) in list.iter().enumerate() {
            let salt = format!("{plan_id}/{}/{i}/{}", kind.as_str(), p.value);
            let postfix = if p.postfix.is_empty() {
                stable_hex(&[&salt, "id"], 32)
            } else {
                p.postfix.clone()
            };
            let id = format!("{plan_id}/{}/{postfix}", kind.id_segment());
            let name =
                p.name.clone().filter(|n| !n.is_empty()).unwrap_or_else(|| {
                    parameter_name(base, p.prefix.as_deref(), p.position, &salt)
                });
            let encoding_format = (kind != ParameterKind::Parameter).then(|| {
                if p.is_dir {
                    "inode/directory".to_string()
                } else {
                    "application/octet-stream".to_string()
                }
            });
            parameters.push(CommandParameter {
                id,
                kind,
                name,
                description: p.description.clone(),
                default_value: serde_json::Value::String(p.value.clone()),
                position: p.position,
                prefix: p.prefix.clone(),
                mapped_to: if kind == ParameterKind::Parameter {
                    None
                } else {
                    p.stream
                },
                encoding_format,
                create_folder: kind == ParameterKind::Output && p.create_folder,
                name_set_by_user: false,
            });
        }
    }
    let mut plan = Plan {
        id: plan_id.clone(),
        name: String::new(),
        description: run.description.clone(),
        command: run.command.clone(),
        parameters,
        success_codes: run.success_codes.clone(),
        keywords: run.keywords.clone(),
        creators: Vec::new(),
        date_created: date,
        date_modified: date,
        date_removed: None,
        derived_from: None,
        annotations: Vec::new(),
        steps: Vec::new(),
        mappings: Vec::new(),
        links: Vec::new(),
        path: None,
    };
    plan.name = match run.name.clone().filter(|n| !n.is_empty()) {
        Some(n) => n,
        None => crate::workflow::run::plan_name_with_suffix(
            &plan.to_argv(),
            &stable_hex(&[&plan_id, "plan-name"], 5),
        ),
    };
    plan
}

/// The activity of one execution of `plan`: a usage per input entity, a generation per
/// generated entity, and a value for every input used, output generated and argument.
pub fn activity_of(plan: &Plan, exec: &Execution) -> Activity {
    let id = &exec.activity_id;
    let child = |segment: &str, key: &str| {
        format!("{id}/{segment}/{}", stable_hex(&[id, segment, key], 32))
    };
    let usages: Vec<Usage> = exec
        .used
        .iter()
        .map(|e| Usage {
            id: child("usages", &e.path),
            entity: e.clone(),
        })
        .collect();
    let generations: Vec<Generation> = exec
        .generated
        .iter()
        .map(|e| Generation {
            id: child("generations", &e.path),
            entity: e.clone(),
        })
        .collect();
    let mut parameters = Vec::new();
    for (kind, entities) in [
        (ParameterKind::Input, &exec.used),
        (ParameterKind::Output, &exec.generated),
    ] {
        // One parameter per path; the last one declared wins, as in renku-python.
        let mut by_path: Vec<&CommandParameter> = Vec::new();
        for p in plan.of_kind(kind) {
            by_path.retain(|q| q.value_text() != p.value_text());
            by_path.push(p);
        }
        for e in entities {
            if let Some(at) = by_path.iter().position(|p| p.value_text() == e.path) {
                let p = by_path.remove(at);
                parameters.push(ParameterValue {
                    id: child("parameter-value", &p.id),
                    parameter_id: p.id.clone(),
                    value: serde_json::Value::String(e.path.clone()),
                });
            }
        }
    }
    for p in plan.of_kind(ParameterKind::Parameter) {
        parameters.push(ParameterValue {
            id: child("parameter-value", &p.id),
            parameter_id: p.id.clone(),
            value: p.default_value.clone(),
        });
    }
    // As in renku-python's migration, the activity is associated with the renku that
    // converted the run into workflow YAML (for CWL runs the migrating one), its association
    // with the renku that recorded the run.
    let agent = exec
        .associated_agent
        .clone()
        .unwrap_or_else(SoftwareAgent::current);
    Activity {
        association_agent: (exec.agent != agent).then(|| exec.agent.clone()),
        id: id.clone(),
        plan_id: plan.id.clone(),
        started_at_time: exec.started,
        ended_at_time: exec.ended.max(exec.started),
        agent,
        person: exec.person.clone(),
        usages,
        generations,
        hidden_usages: Vec::new(),
        parameters,
        annotations: Vec::new(),
        invalidations: exec.invalidated.clone(),
    }
}

/// The software agent of a commit renku-python made: its committer when that differs from
/// the author and looks like `renku X.Y.Z`, else renku-python's stand-in for unknown
/// versions.
pub fn agent_of_commit(author: (&str, &str), committer: (&str, &str)) -> SoftwareAgent {
    if author != committer && committer.0.starts_with("renku ") {
        return SoftwareAgent {
            id: committer.1.to_string(),
            name: committer.0.to_string(),
        };
    }
    SoftwareAgent {
        id: "https://github.com/swissdatasciencecenter/renku-python/tree/pre-0.11.0".into(),
        name: "renku pre 0.11.0".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run() -> OldRun {
        OldRun {
            id_hex: "8b3a192b12b2abd3ddc0ec727ed0d456684d19a1".into(),
            command: "openssl rand".into(),
            outputs: vec![OldParam {
                postfix: "2".into(),
                position: Some(2),
                value: "output_rand".into(),
                ..OldParam::default()
            }],
            arguments: vec![
                OldParam {
                    postfix: "1".into(),
                    position: Some(1),
                    prefix: Some("-o".into()),
                    value: "ut".into(),
                    ..OldParam::default()
                },
                OldParam {
                    postfix: "3".into(),
                    position: Some(3),
                    value: "32".into(),
                    ..OldParam::default()
                },
            ],
            ..OldRun::default()
        }
    }

    #[test]
    fn plans_get_renku_python_ids_and_names() {
        let date = crate::util::now();
        let plan = plan_of(&run(), date);
        assert_eq!(plan.id, "/plans/8b3a192b12b2abd3ddc0ec727ed0d456684d19a1");
        let ids: Vec<(&str, &str)> = plan
            .parameters
            .iter()
            .map(|p| {
                (
                    p.id.rsplit_once("/plans/8b3a192b12b2abd3ddc0ec727ed0d456684d19a1")
                        .unwrap()
                        .1,
                    p.name.as_str(),
                )
            })
            .collect();
        assert_eq!(
            ids,
            vec![
                ("/outputs/2", "output-2"),
                ("/parameters/1", "o-1"),
                ("/parameters/3", "param-3")
            ]
        );
        assert!(
            plan.name.starts_with("openssl-rand--out-o-"),
            "{}",
            plan.name
        );
        assert_eq!(plan.name, plan_of(&run(), date).name, "names are stable");
        assert_eq!(
            plan.to_argv(),
            vec!["openssl", "rand", "-out", "output_rand", "32"]
        );
    }

    #[test]
    fn activities_have_one_value_per_used_generated_and_argument() {
        let plan = plan_of(&run(), crate::util::now());
        let exec = Execution {
            activity_id: "/activities/abc".into(),
            started: crate::util::now(),
            ended: crate::util::now(),
            person: Person::new("A", Some("a@b.c".into()), None),
            agent: agent_of_commit(("A", "a@b.c"), ("renku 0.10.3", "https://x/v0.10.3")),
            used: vec![],
            generated: vec![Entity::new("output_rand", "abc", false)],
            invalidated: vec![Entity::new("old.txt", "def", false)],
            associated_agent: None,
        };
        let a = activity_of(&plan, &exec);
        assert_eq!(a.parameters.len(), 3);
        assert_eq!(a.invalidations, exec.invalidated);
        assert_eq!(a.generations.len(), 1);
        assert!(
            a.generations[0]
                .id
                .starts_with("/activities/abc/generations/")
        );
        assert_eq!(a.agent, SoftwareAgent::current());
        assert_eq!(a.association_agent.as_ref().unwrap().name, "renku 0.10.3");
        // A run converted into workflow YAML names the renku it is associated with.
        let recorded = Execution {
            associated_agent: Some(exec.agent.clone()),
            ..exec.clone()
        };
        let a = activity_of(&plan, &recorded);
        assert_eq!(a.agent, exec.agent);
        assert_eq!(a.association_agent, None);
        assert_eq!(
            agent_of_commit(("A", "a@b.c"), ("A", "a@b.c")).name,
            "renku pre 0.11.0"
        );
    }
}
