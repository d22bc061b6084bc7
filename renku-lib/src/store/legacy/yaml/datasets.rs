//! One revision of a dataset's `metadata.yml` (any layout of metadata versions 1–8), read
//! into [`OldDataset`] with the corrections renku-python's migrations m_0003 to m_0008 make
//! on the way to version 9: slugs from titles, files' `source` from their `url` (before v7),
//! v1 paths relative to the data directory, DOI identifiers, `sameAs` strings.

use chrono::{DateTime, FixedOffset};

use super::jsonld::{Doc, Known, NodeRef, iri::*};
use super::{YamlError, parse_yaml};
use crate::model::{ImageObject, Language, Person};
use crate::store::legacy::database::parse_datetime;

/// A file entry of a dataset revision.
#[derive(Debug, Clone, PartialEq)]
pub struct OldFile {
    /// Path as written (corrected later against the revision's tree).
    pub path: String,
    /// When the file was added.
    pub added: Option<DateTime<FixedOffset>>,
    /// Where it came from.
    pub source: Option<String>,
    /// Whether it is an external file.
    pub external: bool,
    /// The file in another repository it was imported from.
    pub based_on: Option<OldBasedOn>,
}

/// The remote file a dataset file was imported from.
#[derive(Debug, Clone, PartialEq)]
pub struct OldBasedOn {
    /// Path in the remote repository.
    pub path: String,
    /// URL of the remote repository.
    pub url: String,
    /// Commit (or blob) recorded for it in its label (`path@sha`).
    pub checksum: String,
}

/// A tag of a dataset revision.
#[derive(Debug, Clone, PartialEq)]
pub struct OldTag {
    /// Tag name.
    pub name: String,
    /// Description.
    pub description: String,
    /// When it was made.
    pub created: Option<DateTime<FixedOffset>>,
}

/// A reference to a URL (`schema:sameAs`, `prov:wasDerivedFrom`).
#[derive(Debug, Clone, PartialEq)]
pub struct OldUrl {
    /// The URL.
    pub url: String,
    /// Whether it was an IRI (`{'@id': …}`) rather than a string.
    pub is_iri: bool,
}

/// One revision of a dataset.
#[derive(Debug, Clone)]
pub struct OldDataset {
    /// Identifier, dashes removed.
    pub identifier: String,
    /// Machine name.
    pub slug: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// Creators.
    pub creators: Vec<Person>,
    /// Creation date.
    pub date_created: Option<DateTime<FixedOffset>>,
    /// Publication date of imported datasets.
    pub date_published: Option<DateTime<FixedOffset>>,
    /// Files.
    pub files: Vec<OldFile>,
    /// Keywords.
    pub keywords: Vec<String>,
    /// License.
    pub license: Option<String>,
    /// Version of an imported dataset.
    pub version: Option<String>,
    /// Source of an imported dataset.
    pub same_as: Option<OldUrl>,
    /// Whether the revision names a version it derives from.
    pub derived_from: bool,
    /// Tags.
    pub tags: Vec<OldTag>,
    /// Images (ids are set later, from the version's id).
    pub images: Vec<ImageObject>,
    /// Language.
    pub in_language: Option<Language>,
}

/// How to read a revision.
pub struct ReadOptions<'a> {
    /// The project's metadata version at that revision.
    pub project_version: u32,
    /// The directory holding the metadata file (`.renku/datasets/<uuid>` or `data/<name>`).
    pub dir: &'a str,
    /// Whether this is a pre-0.3.4 dataset kept in `data/<name>/metadata.yml`.
    pub in_data_dir: bool,
}

/// Whether `text` is a UUID (with or without dashes).
pub fn is_uuid(text: &str) -> bool {
    let hex: String = text.chars().filter(|c| *c != '-').collect();
    hex.len() == 32
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
        && (text.len() == 32 || text.len() == 36)
}

/// A UUID without dashes, lower-case.
pub fn dashless(text: &str) -> String {
    text.replace('-', "").to_ascii_lowercase()
}

fn date(
    node: NodeRef<'_>,
    props: &[&str],
    what: &str,
    shown: &str,
) -> Result<Option<DateTime<FixedOffset>>, YamlError> {
    match node.text(props) {
        None => Ok(None),
        Some(s) if s.trim().is_empty() || s == "None" => Ok(None),
        Some(s) => parse_datetime(&s)
            .map(Some)
            .ok_or_else(|| YamlError::Damaged {
                file: shown.to_string(),
                reason: format!("{what} '{s}' is not a date"),
            }),
    }
}

/// Reads one revision of a dataset metadata file. `shown` names the file and commit in
/// errors.
pub fn read(text: &str, shown: &str, opts: &ReadOptions<'_>) -> Result<OldDataset, YamlError> {
    let value = parse_yaml(text, shown)?;
    let doc = Doc::read(&value, Known::Dataset).map_err(|reason| YamlError::Damaged {
        file: shown.to_string(),
        reason,
    })?;
    let damaged = |reason: String| YamlError::Damaged {
        file: shown.to_string(),
        reason,
    };
    let node = doc
        .of_type(&[SCHEMA_DATASET, DCTYPES_DATASET])
        .into_iter()
        .next()
        .ok_or_else(|| damaged("it describes no dataset".into()))?;

    // Identifier: the recorded one when it is a UUID, else (DOI ids of early imports) the
    // directory's name, as renku-python's m_0003 does.
    let dir_name = opts.dir.rsplit('/').next().unwrap_or(opts.dir);
    let recorded = node
        .text(&[SCHEMA_IDENTIFIER])
        .or_else(|| node.ids(&[DCTYPES_DATASET]).into_iter().next());
    let identifier = match recorded.as_deref() {
        Some(i) if is_uuid(i) => dashless(i),
        Some(i) if is_uuid(i.rsplit('/').next().unwrap_or(i)) => {
            dashless(i.rsplit('/').next().unwrap_or(i))
        }
        _ if is_uuid(dir_name) => dashless(dir_name),
        other => {
            return Err(damaged(format!(
                "the dataset identifier {} is not a UUID",
                other
                    .map(|o| format!("'{o}'"))
                    .unwrap_or_else(|| "is missing and it".into())
            )));
        }
    };

    // Title and slug: v3+ keep the slug in schema:alternateName (v2: short_name); v1 only
    // has a name, which renku-python turned into the slug.
    let title = node
        .text(&[SCHEMA_NAME, DCTERMS_NAME])
        .filter(|t| !t.is_empty());
    let version = node.text(&[SCHEMA_VERSION]).filter(|v| !v.is_empty());
    let slug_recorded = node
        .text(&[SCHEMA_ALTERNATE_NAME])
        .filter(|s| !s.is_empty());
    let (slug, title) = if opts.in_data_dir {
        let name = dir_name.to_string();
        (default_slug(&name, None), name)
    } else {
        match (slug_recorded, title) {
            (Some(slug), Some(title)) => (slug, title),
            (Some(slug), None) => (slug.clone(), slug),
            (None, Some(title)) => (default_slug(&title, version.as_deref()), title),
            (None, None) => return Err(damaged("the dataset has no name".into())),
        }
    };
    let slug = if is_slug_valid(&slug) {
        slug
    } else {
        crate::util::slugify(&slug, true)
    };
    if slug.is_empty() {
        return Err(damaged(format!(
            "the dataset name '{title}' gives no usable slug"
        )));
    }

    let creators: Vec<Person> = node
        .nodes(&[SCHEMA_CREATOR])
        .into_iter()
        .filter_map(super::project::person)
        .collect();

    let mut files: Vec<OldFile> = Vec::new();
    let mut pending: Vec<NodeRef<'_>> = node.nodes(&[SCHEMA_HAS_PART]);
    pending.reverse();
    let mut guard = 0usize;
    while let Some(f) = pending.pop() {
        guard += 1;
        if guard > 1_000_000 {
            return Err(damaged("the dataset's file list does not end".into()));
        }
        // Directories (v1 `Collection`s) count by their members.
        if f.has_type(&[PROV_COLLECTION]) {
            let mut members = f.nodes(&[PROV_HAD_MEMBER]);
            members.reverse();
            pending.extend(members);
            continue;
        }
        let Some(path) = f.text(&[PROV_AT_LOCATION]).filter(|p| !p.is_empty()) else {
            continue;
        };
        let url = f.text(&[SCHEMA_URL]);
        let source = if opts.project_version < 7 {
            // m_0007: the source was kept in `url`.
            url.map(|u| u.replace("file://", ""))
        } else {
            f.text(&[RENKU_SOURCE])
        };
        let based_on = f.first_node(&[SCHEMA_IS_BASED_ON]).and_then(|b| {
            let path = b.text(&[PROV_AT_LOCATION])?;
            let url = b.text(&[SCHEMA_URL]).unwrap_or_default();
            let checksum = b
                .text(&[RDFS_LABEL])
                .and_then(|l| l.rsplit_once('@').map(|(_, sha)| sha.to_string()))
                .or_else(|| {
                    // `…/blob/<sha>/<path>` ids.
                    b.id().and_then(|id| {
                        let rest = id.split_once("/blob/")?.1;
                        Some(rest.split('/').next()?.to_string())
                    })
                })
                .unwrap_or_else(|| "0".repeat(40));
            Some(OldBasedOn {
                path,
                url,
                checksum,
            })
        });
        let file = OldFile {
            added: date(
                f,
                &[SCHEMA_DATE_CREATED],
                "the date a file was added",
                shown,
            )?,
            external: f.boolean(&[RENKU_EXTERNAL]).unwrap_or(false),
            source,
            based_on,
            path: path.clone(),
        };
        // m_0008: one entry per path, the last one wins.
        match files.iter().position(|e| e.path == path) {
            Some(i) => files[i] = file,
            None => files.push(file),
        }
    }

    let tags = node
        .nodes(&[SCHEMA_SUBJECT_OF])
        .into_iter()
        .filter_map(|t| {
            let name = t.text(&[SCHEMA_NAME])?;
            Some((t, name))
        })
        .map(|(t, name)| {
            Ok(OldTag {
                name,
                description: t.text(&[SCHEMA_DESCRIPTION]).unwrap_or_default(),
                created: date(t, &[SCHEMA_START_DATE], "a tag's date", shown)?,
            })
        })
        .collect::<Result<Vec<_>, YamlError>>()?;

    // sameAs: a URL node (v3+), a plain string (early versions), or a DOI `@id` (m_0003).
    let mut same_as = node
        .values(&[SCHEMA_SAME_AS])
        .first()
        .and_then(|v| match v {
            super::jsonld::Val::Lit(serde_json::Value::String(s)) => Some(OldUrl {
                url: s.clone(),
                is_iri: false,
            }),
            _ => None,
        });
    if same_as.is_none()
        && let Some(u) = node.first_node(&[SCHEMA_SAME_AS])
    {
        same_as = url_of(u);
    }
    if same_as.is_none()
        && let Some(id) = node.id()
        && let Some(doi) = doi_of(id)
    {
        same_as = Some(OldUrl {
            url: format!("https://doi.org/{doi}"),
            is_iri: false,
        });
    }
    let same_as = same_as.map(|mut u| {
        // Ids of datasets imported from a Renku deployment lose their dashes (as
        // renku-python's conversion does).
        if let Some((scheme, rest)) = u.url.split_once("://")
            && let Some((host, path)) = rest.split_once('/')
            && host.contains("renku")
        {
            u.url = format!("{scheme}://{host}/{}", path.replace('-', ""));
        }
        u
    });

    let license = node
        .values(&[SCHEMA_LICENSE])
        .first()
        .and_then(|v| match v {
            super::jsonld::Val::Lit(serde_json::Value::String(s)) => Some(s.clone()),
            super::jsonld::Val::Ref(id) => Some(id.clone()),
            super::jsonld::Val::Node(_) => node
                .first_node(&[SCHEMA_LICENSE])
                .and_then(|l| l.text(&[SCHEMA_URL]).or_else(|| l.id().map(str::to_string))),
            _ => None,
        });

    let images = node
        .nodes(&[SCHEMA_IMAGE])
        .into_iter()
        .filter_map(|i| {
            let content_url = i.text(&[SCHEMA_CONTENT_URL])?;
            let position = i
                .text(&[SCHEMA_POSITION])
                .and_then(|p| p.parse::<u32>().ok())
                .unwrap_or(0);
            Some(ImageObject {
                id: String::new(),
                content_url,
                position,
            })
        })
        .collect();
    let in_language = node.first_node(&[SCHEMA_IN_LANGUAGE]).and_then(|l| {
        let name = l.text(&[SCHEMA_NAME])?;
        Some(Language::new(&name, l.text(&[SCHEMA_ALTERNATE_NAME])))
    });

    Ok(OldDataset {
        identifier,
        slug,
        title,
        description: node.text(&[SCHEMA_DESCRIPTION]).filter(|d| !d.is_empty()),
        creators,
        date_created: date(node, &[SCHEMA_DATE_CREATED], "the creation date", shown)?,
        date_published: date(
            node,
            &[SCHEMA_DATE_PUBLISHED],
            "the publication date",
            shown,
        )?,
        files,
        keywords: node.texts(&[SCHEMA_KEYWORDS]),
        license,
        version,
        same_as,
        derived_from: !node.values(&[PROV_WAS_DERIVED_FROM]).is_empty(),
        tags,
        images,
        in_language,
    })
}

fn url_of(u: NodeRef<'_>) -> Option<OldUrl> {
    match u.values(&[SCHEMA_URL]).first()? {
        super::jsonld::Val::Lit(serde_json::Value::String(s)) => Some(OldUrl {
            url: s.clone(),
            is_iri: false,
        }),
        super::jsonld::Val::Ref(id) => Some(OldUrl {
            url: id.clone(),
            is_iri: true,
        }),
        super::jsonld::Val::Node(_) => u.ids(&[SCHEMA_URL]).into_iter().next().map(|id| OldUrl {
            url: id,
            is_iri: true,
        }),
        _ => None,
    }
}

/// The DOI in an id like `https://localhost/datasets/10.7910%2FDVN%2FEV6KLF` or
/// `10.7910/DVN/EV6KLF`.
fn doi_of(id: &str) -> Option<String> {
    let decoded = percent_encoding::percent_decode_str(id)
        .decode_utf8_lossy()
        .into_owned();
    let at = decoded.find("10.")?;
    let doi = &decoded[at..];
    let (prefix, suffix) = doi.split_once('/')?;
    (prefix.len() > 3
        && prefix[3..].bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && !suffix.is_empty())
    .then(|| doi.to_string())
}

/// renku-python's `is_dataset_slug_valid`: non-empty and unchanged by slugifying.
pub fn is_slug_valid(slug: &str) -> bool {
    !slug.is_empty() && crate::util::slugify(slug, false) == slug
}

/// renku-python's `generate_default_slug`: the name itself when it is a valid slug, else its
/// slug cut to 24 characters (with `_<version>` when a version is given).
pub fn default_slug(name: &str, version: Option<&str>) -> String {
    if is_slug_valid(name) {
        return name.to_string();
    }
    let mut slug: String = crate::util::slugify(name, true).chars().take(24).collect();
    if let Some(v) = version {
        let v: String = crate::util::slugify(v, true).chars().take(10).collect();
        let keep = slug.chars().count().saturating_sub(v.chars().count() + 1);
        slug = format!("{}_{v}", slug.chars().take(keep).collect::<String>());
    }
    crate::util::slugify(&slug, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(version: u32, dir: &str) -> ReadOptions<'_> {
        ReadOptions {
            project_version: version,
            dir,
            in_data_dir: false,
        }
    }

    #[test]
    fn reads_a_v2_compact_dataset_with_tags_and_sources() {
        let text = "'@context':\n  _id: '@id'\n  schema: http://schema.org/\n'@type': [schema:Dataset]\n_id: https://localhost/datasets/d9d57562-5506-4150-9369-f463ad134ced\ncreated: '2020-08-10T21:35:20.762474+00:00'\ncreator:\n- _id: mailto:a@b.c\n  email: a@b.c\n  name: A\nfiles:\n- '@type': [schema:DigitalDocument]\n  _id: https://localhost/blob/b32138c/data/mixed/data.txt\n  added: '2020-08-10T21:35:41.777561+00:00'\n  path: data/mixed/data.txt\n  url: file://../../../../tmp/data.txt\nidentifier: d9d57562-5506-4150-9369-f463ad134ced\nname: mixed\nshort_name: mixed\ntags:\n- '@type': schema:PublicationEvent\n  _id: _:v1@f77be1a\n  commit: f77be1a\n  created: '2020-08-10T21:35:56.043401+00:00'\n  description: first version\n  name: v1\n";
        let d = read(
            text,
            "m",
            &opts(2, ".renku/datasets/d9d57562-5506-4150-9369-f463ad134ced"),
        )
        .unwrap();
        assert_eq!(d.identifier, "d9d57562550641509369f463ad134ced");
        assert_eq!((d.slug.as_str(), d.title.as_str()), ("mixed", "mixed"));
        assert_eq!(d.creators[0].id, "mailto:a@b.c");
        assert_eq!(d.files.len(), 1);
        assert_eq!(
            d.files[0].source.as_deref(),
            Some("../../../../tmp/data.txt")
        );
        assert_eq!(d.tags[0].name, "v1");
        assert_eq!(d.tags[0].description, "first version");
    }

    #[test]
    fn slugs_follow_renku_python() {
        assert_eq!(default_slug("mydataset", None), "mydataset");
        assert_eq!(default_slug("My Data Set", None), "my_data_set");
        assert!(is_slug_valid("201901_us_flights_1"));
        assert!(!is_slug_valid("a b"));
    }

    #[test]
    fn dois_are_found_in_ids() {
        assert_eq!(
            doi_of("https://localhost/datasets/10.7910%2FDVN%2FEV6KLF").as_deref(),
            Some("10.7910/DVN/EV6KLF")
        );
        assert_eq!(doi_of("https://localhost/datasets/d9d57562"), None);
    }

    #[test]
    fn a_dataset_without_identifier_or_name_is_refused_naming_the_file() {
        let err = read(
            "'@type': http://schema.org/Dataset\nhttp://schema.org/name: x\n",
            "the file",
            &opts(8, ".renku/datasets/not-a-uuid"),
        )
        .unwrap_err();
        assert!(err.to_string().contains("the file"), "{err}");
        let err = read("a: b\n", "f2", &opts(8, ".renku/datasets/x")).unwrap_err();
        assert!(err.to_string().contains("describes no dataset"), "{err}");
    }
}
