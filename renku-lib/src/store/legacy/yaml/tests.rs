//! Property tests: the YAML-era readers answer arbitrary and mutated input with a result or
//! an error, never a panic.

use proptest::prelude::*;

use super::datasets::{self, ReadOptions};
use super::{cwl, project, workflow_yaml};

const V1_DATASET: &str = "'@context':\n  added: http://schema.org/dateCreated\n  authors:\n    '@container': '@list'\n  created: http://schema.org/dateCreated\n  dcterms: http://purl.org/dc/terms/\n  files:\n    '@container': '@index'\n  identifier:\n    '@id': dctypes:Dataset\n    '@type': '@id'\n  name: dcterms:name\n'@type': dctypes:Dataset\nauthors:\n- '@type': dcterms:creator\n  email: contact@justsam.io\n  name: sam\ncreated: 2019-08-23 18:57:48.385028\nfiles:\n  datafile:\n    '@type': http://schema.org/DigitalDocument\n    added: 2019-08-23 18:57:58.712279\n    path: datafile\n    url: null\nidentifier: b2bcadea-5d19-42f5-bd8d-1df676817327\nname: mydataset\n";

const V8_DATASET: &str = "- '@id': https://localhost/blob/8981114/data/local/README.rst\n  '@type':\n  - http://schema.org/DigitalDocument\n  http://schema.org/dateCreated:\n  - '@value': '2021-07-23T14:34:58.717165+00:00'\n  http://www.w3.org/ns/prov#atLocation:\n  - '@value': data/local/README.rst\n  https://swissdatasciencecenter.github.io/renku-ontology#source:\n  - '@value': ../README.rst\n- '@id': https://localhost/datasets/ef5bfc30-e33b-4265-a7c9-df464071ab29\n  '@type':\n  - http://schema.org/Dataset\n  http://schema.org/alternateName:\n  - '@value': local\n  http://schema.org/creator:\n  - '@id': mailto:m@x.ch\n  http://schema.org/dateCreated:\n  - '@value': '2021-07-23T14:34:58.718647+00:00'\n  http://schema.org/hasPart:\n  - '@id': https://localhost/blob/8981114/data/local/README.rst\n  http://schema.org/identifier:\n  - '@value': ef5bfc30-e33b-4265-a7c9-df464071ab29\n  http://schema.org/name:\n  - '@value': local\n  http://schema.org/sameAs:\n  - '@id': https://localhost/urls/x\n- '@id': https://localhost/urls/x\n  '@type':\n  - http://schema.org/URL\n  http://schema.org/url:\n  - '@id': https://dev.renku.ch/datasets/860f6b5b-4636-4c83-b6a9-b38ef198bcc0\n- '@id': mailto:m@x.ch\n  '@type':\n  - http://schema.org/Person\n  http://schema.org/name:\n  - '@value': M\n";

const PROJECT: &str = "'@id': https://localhost/projects/me/p\n'@type':\n- http://schema.org/Project\nhttp://schema.org/creator:\n  '@id': mailto:me@x.org\n  http://schema.org/email: me@x.org\n  http://schema.org/name: Me\nhttp://schema.org/dateCreated: '2021-07-23T14:33:42.864488+00:00'\nhttp://schema.org/name: p\nhttp://schema.org/schemaVersion: '8'\n";

const CWL: &str = "arguments:\n- position: 3\n  valueFrom: --yessir\nbaseCommand:\n- echo\nclass: CommandLineTool\ninputs:\n  input_1:\n    default: 4\n    inputBinding:\n      position: 1\n      prefix: -i=\n      separate: false\n  input_stdin:\n    default:\n      class: File\n      path: ../../stdin.txt\n    type: File\noutputs:\n  output_0:\n    outputBinding:\n      glob: $(inputs.input_1)\n  output_stdout:\n    type: stdout\nstderr: stderr.txt\nstdin: $(inputs.input_stdin.path)\nstdout: stdout.txt\nsuccessCodes: [0, 1]\n";

const WORKFLOW_YAML: &str = "- '@id': https://localhost/activities/commit/bdc801c645ba8129c88647a06d39057a160ecf4a\n  '@type': [http://purl.org/wf4ever/wfprov#ProcessRun]\n  http://www.w3.org/ns/prov#qualifiedAssociation:\n  - '@id': https://localhost/a/association\n  http://www.w3.org/ns/prov#qualifiedUsage:\n  - '@id': https://localhost/a/u\n- '@id': https://localhost/a/association\n  http://www.w3.org/ns/prov#hadPlan:\n  - '@id': https://localhost/runs/24bc\n- '@id': https://localhost/a/u\n  http://www.w3.org/ns/prov#entity:\n  - '@id': https://localhost/blob/9ecc28b281a0d92b9968db2d36592e0c56319bbf/in.txt\n- '@id': https://localhost/blob/9ecc28b281a0d92b9968db2d36592e0c56319bbf/in.txt\n  http://www.w3.org/ns/prov#atLocation:\n  - '@value': in.txt\n- '@id': https://localhost/runs/24bc\n  '@type': [https://swissdatasciencecenter.github.io/renku-ontology#Run]\n  https://swissdatasciencecenter.github.io/renku-ontology#command:\n  - '@value': wc\n  https://swissdatasciencecenter.github.io/renku-ontology#hasInputs:\n  - '@id': https://localhost/runs/24bc/inputs/1\n  https://swissdatasciencecenter.github.io/renku-ontology#hasSubprocess:\n  - '@id': https://localhost/runs/24bc/subprocess/1\n- '@id': https://localhost/runs/24bc/subprocess/1\n  https://swissdatasciencecenter.github.io/renku-ontology#index:\n  - '@value': 1\n  https://swissdatasciencecenter.github.io/renku-ontology#process:\n  - '@id': https://localhost/runs/24bc\n- '@id': https://localhost/runs/24bc/inputs/1\n  https://swissdatasciencecenter.github.io/renku-ontology#position:\n  - '@value': 1\n  https://swissdatasciencecenter.github.io/renku-ontology#consumes:\n  - '@id': https://localhost/blob/9ecc28b281a0d92b9968db2d36592e0c56319bbf/in.txt\n";

fn read_all(text: &str) {
    let _ = project::read(text, "p");
    let _ = workflow_yaml::read(text, "w");
    for (version, dir, in_data_dir) in [
        (1, "data/mydataset", true),
        (
            2,
            ".renku/datasets/b2bcadea-5d19-42f5-bd8d-1df676817327",
            false,
        ),
        (
            8,
            ".renku/datasets/ef5bfc30-e33b-4265-a7c9-df464071ab29",
            false,
        ),
    ] {
        let _ = datasets::read(
            text,
            "d",
            &ReadOptions {
                project_version: version,
                dir,
                in_data_dir,
            },
        );
    }
    if let Ok(cwl::Cwl::Tool(tool)) = cwl::parse(text, "c") {
        let _ = cwl::tool_to_run(&tool, ".renku/workflow/a.cwl", "ab".into(), &|_| false, "c");
    }
}

/// A mutation of `base`: bytes deleted, replaced or inserted at some positions.
fn mutated(base: &'static str) -> impl Strategy<Value = String> {
    proptest::collection::vec((any::<usize>(), 0u8..3, any::<char>()), 1..8).prop_map(
        move |edits| {
            let mut chars: Vec<char> = base.chars().collect();
            for (at, kind, c) in edits {
                if chars.is_empty() {
                    chars.push(c);
                    continue;
                }
                let at = at % chars.len();
                match kind {
                    0 => {
                        chars.remove(at);
                    }
                    1 => chars[at] = c,
                    _ => chars.insert(at, c),
                }
            }
            chars.into_iter().collect()
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
        read_all(&text);
    }

    #[test]
    fn yaml_shaped_text_never_panics(text in "([-a-z@':{}\\[\\] ]{0,12}\n){0,20}") {
        read_all(&text);
    }

    #[test]
    fn mutated_v1_datasets_never_panic(text in mutated(V1_DATASET)) {
        read_all(&text);
    }

    #[test]
    fn mutated_v8_datasets_never_panic(text in mutated(V8_DATASET)) {
        read_all(&text);
    }

    #[test]
    fn mutated_projects_never_panic(text in mutated(PROJECT)) {
        read_all(&text);
    }

    #[test]
    fn mutated_cwl_never_panics(text in mutated(CWL)) {
        read_all(&text);
    }

    #[test]
    fn mutated_workflow_yaml_never_panics(text in mutated(WORKFLOW_YAML)) {
        read_all(&text);
    }
}

#[test]
fn the_unmutated_documents_are_read() {
    let d = datasets::read(
        V8_DATASET,
        "d",
        &ReadOptions {
            project_version: 8,
            dir: ".renku/datasets/ef5bfc30-e33b-4265-a7c9-df464071ab29",
            in_data_dir: false,
        },
    )
    .unwrap();
    assert_eq!(d.slug, "local");
    assert_eq!(d.files.len(), 1);
    let same_as = d.same_as.unwrap();
    assert!(same_as.is_iri);
    assert_eq!(
        same_as.url,
        "https://dev.renku.ch/datasets/860f6b5b46364c83b6a9b38ef198bcc0"
    );
    let v1 = datasets::read(
        V1_DATASET,
        "d",
        &ReadOptions {
            project_version: 1,
            dir: "data/mydataset",
            in_data_dir: true,
        },
    )
    .unwrap();
    assert_eq!((v1.slug.as_str(), v1.files.len()), ("mydataset", 1));
    assert_eq!(v1.creators[0].id, "mailto:contact@justsam.io");
    assert!(project::read(PROJECT, "p").is_ok());
    let cwl::Cwl::Tool(tool) = cwl::parse(CWL, "c").unwrap() else {
        panic!("not a tool")
    };
    let run =
        cwl::tool_to_run(&tool, ".renku/workflow/a.cwl", "ab".into(), &|_| false, "c").unwrap();
    assert_eq!(run.success_codes, vec![0, 1]);
    // A plan whose subprocess is itself (a cycle in damaged data) ends.
    let runs = workflow_yaml::read(WORKFLOW_YAML, "w").unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].run.command, "wc");
    assert_eq!(run.inputs[0].value, "stdin.txt");
}
