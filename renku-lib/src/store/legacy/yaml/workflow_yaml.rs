//! The workflow YAML files of metadata versions 5–8 (renku-python 0.11–0.16, and what
//! renku-python's m_0005 made of CWL files): `.renku/workflow/<uuid>_<cmd>.yaml`, a
//! flattened, expanded JSON-LD document with one `wfprov:ProcessRun` (or a
//! `wfprov:WorkflowRun` of several) associated with a `renku:Run` plan whose inputs consume
//! and outputs produce `/blob/<commit>/<path>` entities.

use chrono::{DateTime, FixedOffset};

use super::jsonld::{Doc, Known, NodeRef};
use super::workflows::{OldParam, OldRun};
use super::{YamlError, parse_yaml};
use crate::model::{Person, SoftwareAgent, Stream};
use crate::store::legacy::database::parse_datetime;

const WFPROV: &str = "http://purl.org/wf4ever/wfprov#";
const PROV: &str = "http://www.w3.org/ns/prov#";
const RENKU: &str = "https://swissdatasciencecenter.github.io/renku-ontology#";
const SCHEMA: &str = "http://schema.org/";
const RDFS_LABEL: &str = "http://www.w3.org/2000/01/rdf-schema#label";

fn p(ns: &str, local: &str) -> String {
    format!("{ns}{local}")
}

/// One execution read from a workflow YAML file.
#[derive(Debug, Clone)]
pub struct YamlExecution {
    /// Id of the recorded process run (`…/activities/commit/<sha>[/steps/step_<n>]`).
    pub process_id: String,
    /// The commit it names.
    pub commit: Option<String>,
    /// Index of the plan step within the process run (0 when it has no steps).
    pub index: usize,
    /// The run.
    pub run: OldRun,
    /// Start.
    pub started: Option<DateTime<FixedOffset>>,
    /// End.
    pub ended: Option<DateTime<FixedOffset>>,
    /// Who ran it.
    pub person: Option<Person>,
    /// The renku that recorded it (the agent of its association).
    pub agent: Option<SoftwareAgent>,
    /// The software agent among the agents it is associated with (`prov:wasAssociatedWith`):
    /// the renku that recorded it, or the one that converted a CWL file into this file.
    pub associated_agent: Option<SoftwareAgent>,
    /// Paths used, with the commit of the entity recorded (from `/blob/<sha>/<path>` ids).
    pub used: Vec<(String, Option<String>)>,
    /// Paths generated, with their commits.
    pub generated: Vec<(String, Option<String>)>,
    /// Paths the run deleted (entities naming it in `prov:wasInvalidatedBy`), with the
    /// commits recorded in their ids.
    pub invalidated: Vec<(String, Option<String>)>,
}

/// The commit in an id like `…/blob/<sha>/<path>` or `…/activities/commit/<sha>…`.
fn commit_in(id: &str, marker: &str) -> Option<String> {
    let rest = &id[id.find(marker)? + marker.len()..];
    let sha = rest.split('/').next()?;
    (sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit())).then(|| sha.to_string())
}

fn date(
    n: NodeRef<'_>,
    prop: &str,
    shown: &str,
) -> Result<Option<DateTime<FixedOffset>>, YamlError> {
    match n.text(&[prop]) {
        None => Ok(None),
        Some(s) => parse_datetime(&s)
            .map(Some)
            .ok_or_else(|| YamlError::Damaged {
                file: shown.to_string(),
                reason: format!("'{s}' is not a date"),
            }),
    }
}

/// Reads a workflow YAML file into its executions, in the order renku-python migrates them.
pub fn read(text: &str, shown: &str) -> Result<Vec<YamlExecution>, YamlError> {
    let value = parse_yaml(text, shown)?;
    let doc = Doc::read(&value, Known::None).map_err(|reason| YamlError::Damaged {
        file: shown.to_string(),
        reason,
    })?;
    let damaged = |reason: String| YamlError::Damaged {
        file: shown.to_string(),
        reason,
    };
    let workflow_run = p(WFPROV, "WorkflowRun");
    let process_run = p(WFPROV, "ProcessRun");
    let activity = p(PROV, "Activity");
    let tops = doc.of_type(&[&workflow_run]);
    let mut processes: Vec<NodeRef<'_>> = Vec::new();
    if let Some(wf) = tops.first() {
        // A workflow run: its step runs, in the order of the plan's subprocesses.
        let plan = wf
            .first_node(&[&p(PROV, "qualifiedAssociation")])
            .and_then(|a| a.first_node(&[&p(PROV, "hadPlan")]))
            .ok_or_else(|| damaged("the workflow run has no plan".into()))?;
        let mut steps: Vec<(i64, String)> = plan
            .nodes(&[&p(RENKU, "hasSubprocess")])
            .into_iter()
            .filter_map(|s| {
                let index = s
                    .text(&[&p(RENKU, "index")])
                    .and_then(|i| i.parse::<i64>().ok())
                    .unwrap_or(0);
                let process = s.ids(&[&p(RENKU, "process")]).into_iter().next()?;
                Some((index, process))
            })
            .collect();
        steps.sort();
        let runs: Vec<NodeRef<'_>> = doc
            .of_type(&[&process_run])
            .into_iter()
            .filter(|r| r.id() != wf.id())
            .collect();
        for (_, plan_id) in steps {
            if let Some(r) = runs.iter().find(|r| {
                r.first_node(&[&p(PROV, "qualifiedAssociation")])
                    .map(|a| a.ids(&[&p(PROV, "hadPlan")]))
                    .unwrap_or_default()
                    .contains(&plan_id)
            }) {
                processes.push(*r);
            }
        }
        if processes.is_empty() {
            return Err(damaged("the workflow run has no steps".into()));
        }
    } else {
        let runs = doc.of_type(&[&process_run, &activity]);
        let run = runs
            .first()
            .ok_or_else(|| damaged("it records no run".into()))?;
        processes.push(*run);
    }

    let mut out = Vec::new();
    for process in processes {
        let process_id = process
            .id()
            .ok_or_else(|| damaged("a run has no id".into()))?
            .to_string();
        let association = process
            .first_node(&[&p(PROV, "qualifiedAssociation")])
            .ok_or_else(|| damaged(format!("the run {process_id} has no association")))?;
        let plan = association
            .first_node(&[&p(PROV, "hadPlan")])
            .ok_or_else(|| damaged(format!("the run {process_id} names no plan")))?;
        let software_agent = |a: NodeRef<'_>| -> Option<SoftwareAgent> {
            let name = a
                .text(&[RDFS_LABEL])
                .or_else(|| a.text(&[&p(SCHEMA, "name")]))?;
            Some(SoftwareAgent {
                id: a.id()?.to_string(),
                name,
            })
        };
        let agent = association
            .first_node(&[&p(PROV, "agent")])
            .and_then(software_agent)
            .filter(|a| a.name.starts_with("renku "));
        let associated_agent = process
            .nodes(&[&p(PROV, "wasAssociatedWith")])
            .into_iter()
            .find(|a| a.has_type(&[&p(PROV, "SoftwareAgent")]))
            .and_then(software_agent);
        let person = process
            .nodes(&[&p(PROV, "wasAssociatedWith")])
            .into_iter()
            .find(|a| a.has_type(&[&p(SCHEMA, "Person"), &p(PROV, "Person")]))
            .and_then(super::project::person);
        let started = date(process, &p(PROV, "startedAtTime"), shown)?;
        let ended = date(process, &p(PROV, "endedAtTime"), shown)?;
        let commit = commit_in(&process_id, "/activities/commit/");

        // Entities the run used and generated, with the commit recorded in their ids.
        let entity_of = |n: NodeRef<'_>| -> Option<(String, Option<String>)> {
            let path = n.text(&[&p(PROV, "atLocation")])?;
            Some((path, n.id().and_then(|id| commit_in(id, "/blob/"))))
        };
        let used: Vec<(String, Option<String>)> = process
            .nodes(&[&p(PROV, "qualifiedUsage")])
            .into_iter()
            .filter_map(|u| u.first_node(&[&p(PROV, "entity")]))
            .filter_map(entity_of)
            .collect();
        let generation_ids: Vec<String> = doc
            .of_type(&[&p(PROV, "Generation")])
            .into_iter()
            .filter(|g| {
                g.ids(&[&p(PROV, "activity")])
                    .iter()
                    .any(|a| Some(a.as_str()) == process.id())
            })
            .filter_map(|g| g.id().map(str::to_string))
            .collect();
        let mut generated: Vec<(String, Option<String>)> = Vec::new();
        for e in doc.of_type(&[&p(PROV, "Entity")]) {
            let gens = e.ids(&[&p(PROV, "qualifiedGeneration")]);
            if gens.iter().any(|g| generation_ids.contains(g))
                && let Some(x) = entity_of(e)
                && !generated.contains(&x)
            {
                generated.push(x);
            }
        }

        let mut invalidated: Vec<(String, Option<String>)> = Vec::new();
        for e in doc.of_type(&[&p(PROV, "Entity")]) {
            if e.ids(&[&p(PROV, "wasInvalidatedBy")])
                .iter()
                .any(|a| Some(a.as_str()) == process.id())
                && let Some(x) = entity_of(e)
                && !invalidated.contains(&x)
            {
                invalidated.push(x);
            }
        }

        let sub: Vec<NodeRef<'_>> = {
            let mut steps: Vec<(i64, NodeRef<'_>)> = plan
                .nodes(&[&p(RENKU, "hasSubprocess")])
                .into_iter()
                .filter_map(|s| {
                    let index = s
                        .text(&[&p(RENKU, "index")])
                        .and_then(|i| i.parse::<i64>().ok())
                        .unwrap_or(0);
                    Some((index, s.first_node(&[&p(RENKU, "process")])?))
                })
                .collect();
            steps.sort_by_key(|(i, _)| *i);
            steps.into_iter().map(|(_, n)| n).collect()
        };
        let plans: Vec<NodeRef<'_>> = if sub.is_empty() { vec![plan] } else { sub };
        for (index, plan) in plans.into_iter().enumerate() {
            let run = run_of(plan, shown)?;
            let inputs: Vec<&String> = run.inputs.iter().map(|i| &i.value).collect();
            let outputs: Vec<&String> = run.outputs.iter().map(|o| &o.value).collect();
            out.push(YamlExecution {
                process_id: process_id.clone(),
                commit: commit.clone(),
                index,
                started,
                ended,
                person: person.clone(),
                agent: agent.clone(),
                associated_agent: associated_agent.clone(),
                used: used
                    .iter()
                    .filter(|(p, _)| inputs.contains(&p))
                    .cloned()
                    .collect(),
                generated: generated
                    .iter()
                    .chain(used.iter())
                    .filter(|(p, _)| outputs.contains(&p))
                    .cloned()
                    .collect(),
                invalidated: invalidated.clone(),
                run,
            });
        }
    }
    Ok(out)
}

/// A `renku:Run` plan as an [`OldRun`].
fn run_of(plan: NodeRef<'_>, shown: &str) -> Result<OldRun, YamlError> {
    let damaged = |reason: String| YamlError::Damaged {
        file: shown.to_string(),
        reason,
    };
    let id = plan
        .id()
        .ok_or_else(|| damaged("a run plan has no id".into()))?;
    let id_hex = id
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    if id_hex.is_empty() {
        return Err(damaged(format!("the run plan id '{id}' names no run")));
    }
    let command = plan
        .text(&[&p(RENKU, "command")])
        .ok_or_else(|| damaged(format!("the run {id} has no command")))?;
    let param = |n: NodeRef<'_>, value: Option<String>| -> Result<OldParam, YamlError> {
        let pid = n.id().unwrap_or_default();
        let postfix = pid.rsplit('/').next().unwrap_or_default().to_string();
        let stream = n
            .first_node(&[&p(RENKU, "mappedTo")])
            .and_then(|m| m.text(&[&p(RENKU, "streamType")]))
            .or_else(|| {
                n.ids(&[&p(RENKU, "mappedTo")])
                    .first()
                    .and_then(|i| i.rsplit('/').next().map(str::to_string))
            })
            .and_then(|s| match s.as_str() {
                "stdin" => Some(Stream::Stdin),
                "stdout" => Some(Stream::Stdout),
                "stderr" => Some(Stream::Stderr),
                _ => None,
            });
        let value = value
            .or_else(|| n.text(&[&p(SCHEMA, "defaultValue")]))
            .ok_or_else(|| damaged(format!("the parameter {pid} has no value")))?;
        Ok(OldParam {
            postfix,
            name: n.text(&[&p(SCHEMA, "name")]),
            description: n.text(&[&p(SCHEMA, "description")]),
            position: n
                .text(&[&p(RENKU, "position")])
                .and_then(|x| x.parse::<u32>().ok())
                .filter(|x| *x > 0),
            prefix: n.text(&[&p(RENKU, "prefix")]),
            value,
            stream,
            is_dir: false,
            create_folder: n.boolean(&[&p(RENKU, "createFolder")]).unwrap_or(false),
        })
    };
    let file = |n: NodeRef<'_>, prop: &str| -> (Option<String>, bool) {
        match n.first_node(&[prop]) {
            Some(e) => (
                e.text(&[&p(PROV, "atLocation")]),
                e.has_type(&[&p(PROV, "Collection")]),
            ),
            None => (None, false),
        }
    };
    let mut run = OldRun {
        id_hex,
        command,
        name: plan.text(&[&p(SCHEMA, "name")]),
        description: plan.text(&[&p(SCHEMA, "description")]),
        keywords: plan.texts(&[&p(SCHEMA, "keywords")]),
        success_codes: plan
            .texts(&[&p(RENKU, "successCodes")])
            .iter()
            .filter_map(|c| c.parse().ok())
            .collect(),
        ..OldRun::default()
    };
    for n in plan.nodes(&[&p(RENKU, "hasInputs")]) {
        let (path, is_dir) = file(n, &p(RENKU, "consumes"));
        let mut param = param(n, path)?;
        param.is_dir = is_dir;
        run.inputs.push(param);
    }
    for n in plan.nodes(&[&p(RENKU, "hasOutputs")]) {
        let (path, is_dir) = file(n, &p(RENKU, "produces"));
        let mut param = param(n, path)?;
        param.is_dir = is_dir;
        run.outputs.push(param);
    }
    for n in plan.nodes(&[&p(RENKU, "hasArguments")]) {
        let value = n.text(&[&p(RENKU, "value")]);
        run.arguments.push(param(n, value)?);
    }
    Ok(run)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUN: &str = "- '@id': https://github.com/swissdatasciencecenter/renku-python/tree/v0.11.0\n  '@type': [http://www.w3.org/ns/prov#SoftwareAgent]\n  http://www.w3.org/2000/01/rdf-schema#label:\n  - '@value': renku 0.11.0\n- '@id': https://localhost/activities/commit/bdc801c645ba8129c88647a06d39057a160ecf4a\n  '@type': [http://purl.org/wf4ever/wfprov#ProcessRun, http://www.w3.org/ns/prov#Activity]\n  http://www.w3.org/ns/prov#startedAtTime:\n  - '@value': '2020-04-14T14:57:44+02:00'\n  http://www.w3.org/ns/prov#endedAtTime:\n  - '@value': '2020-04-14T14:57:45+02:00'\n  http://www.w3.org/ns/prov#qualifiedAssociation:\n  - '@id': https://localhost/activities/commit/bdc801c645ba8129c88647a06d39057a160ecf4a/association\n  http://www.w3.org/ns/prov#qualifiedUsage:\n  - '@id': https://localhost/activities/commit/bdc801c645ba8129c88647a06d39057a160ecf4a/inputs/1\n  http://www.w3.org/ns/prov#wasAssociatedWith:\n  - '@id': mailto:a@b.c\n  - '@id': https://github.com/swissdatasciencecenter/renku-python/tree/v0.11.0\n- '@id': https://localhost/activities/commit/bdc801c645ba8129c88647a06d39057a160ecf4a/association\n  '@type': [http://www.w3.org/ns/prov#Association]\n  http://www.w3.org/ns/prov#agent:\n  - '@id': https://github.com/swissdatasciencecenter/renku-python/tree/v0.11.0\n  http://www.w3.org/ns/prov#hadPlan:\n  - '@id': https://localhost/runs/24bc66de-ab62-589e-f880-0f5a9d5c46bd\n- '@id': https://localhost/activities/commit/bdc801c645ba8129c88647a06d39057a160ecf4a/inputs/1\n  '@type': [http://www.w3.org/ns/prov#Usage]\n  http://www.w3.org/ns/prov#entity:\n  - '@id': https://localhost/blob/9ecc28b281a0d92b9968db2d36592e0c56319bbf/in.txt\n- '@id': https://localhost/blob/9ecc28b281a0d92b9968db2d36592e0c56319bbf/in.txt\n  '@type': [http://www.w3.org/ns/prov#Entity]\n  http://www.w3.org/ns/prov#atLocation:\n  - '@value': in.txt\n- '@id': https://localhost/blob/bdc801c645ba8129c88647a06d39057a160ecf4a/out.txt\n  '@type': [http://www.w3.org/ns/prov#Entity]\n  http://www.w3.org/ns/prov#atLocation:\n  - '@value': out.txt\n  http://www.w3.org/ns/prov#qualifiedGeneration:\n  - '@id': https://localhost/activities/commit/bdc801c645ba8129c88647a06d39057a160ecf4a/outputs/stdout\n- '@id': https://localhost/blob/bdc801c645ba8129c88647a06d39057a160ecf4a/old.txt\n  '@type': [http://www.w3.org/ns/prov#Entity]\n  http://www.w3.org/ns/prov#atLocation:\n  - '@value': old.txt\n  http://www.w3.org/ns/prov#wasInvalidatedBy:\n  - '@id': https://localhost/activities/commit/bdc801c645ba8129c88647a06d39057a160ecf4a\n- '@id': https://localhost/activities/commit/bdc801c645ba8129c88647a06d39057a160ecf4a/outputs/stdout\n  '@type': [http://www.w3.org/ns/prov#Generation]\n  http://www.w3.org/ns/prov#activity:\n  - '@id': https://localhost/activities/commit/bdc801c645ba8129c88647a06d39057a160ecf4a\n- '@id': https://localhost/runs/24bc66de-ab62-589e-f880-0f5a9d5c46bd\n  '@type': [http://www.w3.org/ns/prov#Plan, https://swissdatasciencecenter.github.io/renku-ontology#Run]\n  https://swissdatasciencecenter.github.io/renku-ontology#command:\n  - '@value': wc\n  https://swissdatasciencecenter.github.io/renku-ontology#hasInputs:\n  - '@id': https://localhost/runs/24bc66de-ab62-589e-f880-0f5a9d5c46bd/inputs/1\n  https://swissdatasciencecenter.github.io/renku-ontology#hasOutputs:\n  - '@id': https://localhost/runs/24bc66de-ab62-589e-f880-0f5a9d5c46bd/outputs/stdout\n- '@id': https://localhost/runs/24bc66de-ab62-589e-f880-0f5a9d5c46bd/inputs/1\n  '@type': [https://swissdatasciencecenter.github.io/renku-ontology#CommandInput]\n  https://swissdatasciencecenter.github.io/renku-ontology#position:\n  - '@value': 1\n  https://swissdatasciencecenter.github.io/renku-ontology#consumes:\n  - '@id': https://localhost/blob/9ecc28b281a0d92b9968db2d36592e0c56319bbf/in.txt\n- '@id': https://localhost/runs/24bc66de-ab62-589e-f880-0f5a9d5c46bd/outputs/stdout\n  '@type': [https://swissdatasciencecenter.github.io/renku-ontology#CommandOutput]\n  https://swissdatasciencecenter.github.io/renku-ontology#mappedTo:\n  - '@id': https://localhost/iostreams/stdout\n  https://swissdatasciencecenter.github.io/renku-ontology#produces:\n  - '@id': https://localhost/blob/bdc801c645ba8129c88647a06d39057a160ecf4a/out.txt\n- '@id': mailto:a@b.c\n  '@type': [http://schema.org/Person]\n  http://schema.org/name:\n  - '@value': A\n  http://schema.org/email:\n  - '@value': a@b.c\n";

    #[test]
    fn reads_a_process_run_with_its_plan_usages_and_generations() {
        let runs = read(RUN, "r.yaml").unwrap();
        assert_eq!(runs.len(), 1);
        let r = &runs[0];
        assert_eq!(
            r.commit.as_deref(),
            Some("bdc801c645ba8129c88647a06d39057a160ecf4a")
        );
        assert_eq!(r.run.id_hex, "24bc66de-ab62-589e-f880-0f5a9d5c46bd");
        assert_eq!(r.run.command, "wc");
        assert_eq!(r.run.inputs[0].value, "in.txt");
        assert_eq!(r.run.inputs[0].postfix, "1");
        assert_eq!(r.run.outputs[0].stream, Some(Stream::Stdout));
        assert_eq!(
            r.used,
            vec![(
                "in.txt".into(),
                Some("9ecc28b281a0d92b9968db2d36592e0c56319bbf".into())
            )]
        );
        assert_eq!(
            r.generated,
            vec![(
                "out.txt".into(),
                Some("bdc801c645ba8129c88647a06d39057a160ecf4a".into())
            )]
        );
        assert_eq!(
            r.invalidated,
            vec![(
                "old.txt".into(),
                Some("bdc801c645ba8129c88647a06d39057a160ecf4a".into())
            )]
        );
        assert_eq!(r.agent.as_ref().unwrap().name, "renku 0.11.0");
        assert_eq!(r.associated_agent, r.agent);
        assert_eq!(r.person.as_ref().unwrap().id, "mailto:a@b.c");
        assert!(r.started.is_some() && r.ended.is_some());
    }

    #[test]
    fn files_that_record_no_run_are_refused_naming_the_file() {
        let err = read(
            "- '@id': x\n  '@type': [http://schema.org/Thing]\n",
            "w.yaml (commit 1234567)",
        )
        .unwrap_err();
        assert!(err.to_string().contains("w.yaml (commit 1234567)"), "{err}");
        assert!(read(": :", "w").is_err());
    }
}
