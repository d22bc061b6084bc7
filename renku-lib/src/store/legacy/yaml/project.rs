//! `.renku/metadata.yml` of the YAML-era formats: the project's name, creator, creation date,
//! metadata version and template.

use chrono::{DateTime, FixedOffset};

use super::jsonld::{Doc, Known, NodeRef, iri::*};
use super::{YamlError, parse_yaml};
use crate::model::Person;
use crate::store::legacy::database::parse_datetime;

/// The project as `.renku/metadata.yml` describes it.
#[derive(Debug, Clone, Default)]
pub struct OldProject {
    /// `@id` (`https://localhost/projects/<namespace>/<name>`), absent in version 1.
    pub id: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Creation date.
    pub created: Option<DateTime<FixedOffset>>,
    /// Creator (absent in version 1).
    pub creator: Option<Person>,
    /// Metadata version (`schema:schemaVersion`), `1` when missing.
    pub version: u32,
    /// Version of renku-python that last wrote it.
    pub agent_version: Option<String>,
    /// Template id.
    pub template_id: Option<String>,
    /// Template source.
    pub template_source: Option<String>,
    /// Template reference.
    pub template_ref: Option<String>,
    /// Template version.
    pub template_version: Option<String>,
    /// Template metadata (a JSON text).
    pub template_metadata: Option<String>,
    /// Template files that must not change.
    pub immutable_template_files: Vec<String>,
    /// Whether template updates may be applied automatically.
    pub automated_update: Option<bool>,
}

/// Reads `.renku/metadata.yml` (any version). `shown` names the file (and commit) in errors.
pub fn read(text: &str, shown: &str) -> Result<OldProject, YamlError> {
    let value = parse_yaml(text, shown)?;
    let doc = Doc::read(&value, Known::Project).map_err(|reason| YamlError::Damaged {
        file: shown.to_string(),
        reason,
    })?;
    let node = doc
        .of_type(&[SCHEMA_PROJECT, FOAF_PROJECT])
        .into_iter()
        .next()
        .or_else(|| doc.roots().next())
        .ok_or_else(|| YamlError::Damaged {
            file: shown.to_string(),
            reason: "it describes no project".into(),
        })?;
    let created = match node.text(&[SCHEMA_DATE_CREATED]) {
        Some(d) => Some(parse_datetime(&d).ok_or_else(|| YamlError::Damaged {
            file: shown.to_string(),
            reason: format!("the creation date '{d}' is not a date"),
        })?),
        None => None,
    };
    let version = match node.text(&[SCHEMA_SCHEMA_VERSION]) {
        None => 1,
        Some(v) => v.trim().parse::<u32>().map_err(|_| YamlError::Damaged {
            file: shown.to_string(),
            reason: format!("the metadata version '{v}' is not a number"),
        })?,
    };
    Ok(OldProject {
        id: node
            .id()
            .filter(|i| !i.starts_with("_:"))
            .map(str::to_string),
        name: node
            .text(&[SCHEMA_NAME, FOAF_NAME])
            .filter(|n| !n.is_empty()),
        created,
        creator: node.first_node(&[SCHEMA_CREATOR]).and_then(person),
        version,
        agent_version: node.text(&[SCHEMA_AGENT]),
        template_id: node.text(&[RENKU_TEMPLATE_ID]),
        template_source: node.text(&[RENKU_TEMPLATE_SOURCE]),
        template_ref: node.text(&[RENKU_TEMPLATE_REFERENCE]),
        template_version: node.text(&[RENKU_TEMPLATE_VERSION]),
        template_metadata: node.text(&[RENKU_TEMPLATE_METADATA]),
        immutable_template_files: node.texts(&[RENKU_IMMUTABLE_TEMPLATE_FILES]),
        automated_update: node.boolean(&[RENKU_AUTOMATED_TEMPLATE_UPDATE]),
    })
}

/// The metadata version a `.renku/metadata.yml` declares, `1` when it cannot tell.
pub fn version_of(text: &str) -> u32 {
    read(text, "").map(|p| p.version).unwrap_or(1)
}

/// A person node (`schema:Person`, or v1's `dcterms:creator`) as renku-python converted it:
/// name, e-mail, affiliation and alternate name; the id is derived from them.
pub fn person(node: NodeRef<'_>) -> Option<Person> {
    let email = node
        .text(&[SCHEMA_EMAIL, DCTERMS_EMAIL])
        .filter(|e| !e.trim().is_empty() && e != "None");
    let name = node
        .text(&[SCHEMA_NAME, DCTERMS_NAME, FOAF_NAME])
        .or_else(|| node.text(&[RDFS_LABEL]))
        .or_else(|| email.clone())?;
    let affiliation = node
        .text(&[SCHEMA_AFFILIATION, SCORO_AFFILIATE])
        .filter(|a| !a.trim().is_empty());
    let mut p = Person::new(name, email, affiliation);
    p.alternate_name = node
        .text(&[SCHEMA_ALTERNATE_NAME])
        .filter(|a| !a.trim().is_empty());
    Some(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_project_layout() {
        let v1 = "'@context':\n  created: http://schema.org/dateCreated\n  foaf: http://xmlns.com/foaf/0.1/\n  name: foaf:name\n  version: http://schema.org/schemaVersion\n'@type': foaf:Project\ncreated: 2019-02-20 20:00:52.180444\nname: old-repo\nversion: '1'\n";
        let p = read(v1, "v1").unwrap();
        assert_eq!(p.name.as_deref(), Some("old-repo"));
        assert_eq!(p.version, 1);
        assert!(p.creator.is_none() && p.id.is_none());
        assert_eq!(
            p.created.unwrap().to_rfc3339(),
            "2019-02-20T20:00:52.180444+00:00"
        );

        let v8 = "'@id': https://localhost/projects/me/p\n'@type':\n- http://schema.org/Project\nhttp://schema.org/agent: 0.16.0\nhttp://schema.org/creator:\n  '@id': mailto:me@x.org\n  http://schema.org/email: me@x.org\n  http://schema.org/name: Me\nhttp://schema.org/dateCreated: '2021-07-23T14:33:42.864488+00:00'\nhttp://schema.org/name: p\nhttp://schema.org/schemaVersion: '8'\nhttps://swissdatasciencecenter.github.io/renku-ontology#templateId: python-minimal\n";
        let p = read(v8, "v8").unwrap();
        assert_eq!(p.id.as_deref(), Some("https://localhost/projects/me/p"));
        assert_eq!(p.version, 8);
        assert_eq!(p.creator.unwrap().id, "mailto:me@x.org");
        assert_eq!(p.template_id.as_deref(), Some("python-minimal"));
        assert_eq!(p.agent_version.as_deref(), Some("0.16.0"));
    }

    #[test]
    fn damaged_files_name_the_file() {
        let err = read("a: [unclosed", ".renku/metadata.yml at abc1234").unwrap_err();
        assert!(
            err.to_string().contains(".renku/metadata.yml at abc1234"),
            "{err}"
        );
        let err = read("- 1\n- 2\n", "m").unwrap_err();
        assert!(err.to_string().contains("m:"), "{err}");
        let err = read(
            "http://schema.org/schemaVersion: nine\n'@type': http://schema.org/Project\n",
            "m",
        )
        .unwrap_err();
        assert!(err.to_string().contains("not a number"), "{err}");
    }
}
