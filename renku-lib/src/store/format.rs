//! Detection of a project's metadata format: ours (and which version), renku-python's object
//! database (v9/v10) or its older YAML formats (v1–v8).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::IoContext;
use crate::{Error, Result};

/// Repository-relative path of the format marker.
pub const FORMAT_FILE: &str = ".renku/store/format.json";
/// Name of our metadata format, as written in the marker.
pub const FORMAT_NAME: &str = "renku-rs";
/// Version of the metadata format this build writes (and the newest it reads).
pub const FORMAT_VERSION: u32 = 1;

/// Content of `.renku/store/format.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormatMarker {
    /// Always [`FORMAT_NAME`].
    pub format: String,
    /// The format version.
    pub version: u32,
}

impl FormatMarker {
    /// The marker of the current format.
    pub fn current() -> Self {
        FormatMarker {
            format: FORMAT_NAME.into(),
            version: FORMAT_VERSION,
        }
    }
}

/// What kind of project metadata a directory holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProjectFormat {
    /// Our format, at the given version.
    Native {
        /// Version from the marker.
        version: u32,
    },
    /// renku-python's object database (`.renku/metadata/root`), schema version 9 or 10.
    RenkuPythonDatabase {
        /// `version` of the database's project object, when readable.
        schema_version: Option<String>,
    },
    /// renku-python's YAML formats (metadata versions 1–8).
    RenkuPythonLegacy {
        /// `schema:schemaVersion` of `.renku/metadata.yml`, when present.
        schema_version: Option<String>,
    },
    /// No renku metadata at all.
    None,
}

/// Looks at `root/.renku` and tells which metadata format it holds.
pub fn detect(root: &Path) -> Result<ProjectFormat> {
    let renku = root.join(".renku");
    let marker = root.join(FORMAT_FILE);
    match std::fs::read(&marker) {
        Ok(bytes) => {
            let m: FormatMarker = serde_json::from_slice(&bytes)
                .map_err(|e| Error::Store(format!("{FORMAT_FILE} is damaged: {e}")))?;
            if m.format != FORMAT_NAME {
                return Err(Error::Store(format!(
                    "{FORMAT_FILE} names an unknown format '{}'",
                    m.format
                )));
            }
            return Ok(ProjectFormat::Native { version: m.version });
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(format!("Cannot read {}", marker.display()), e)),
    }
    if renku.join("metadata").join("root").is_file() {
        let schema_version = std::fs::read(renku.join("metadata").join("project"))
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .and_then(|v| match v.get("version") {
                Some(serde_json::Value::String(s)) => Some(s.clone()),
                Some(serde_json::Value::Number(n)) => Some(n.to_string()),
                _ => None,
            });
        return Ok(ProjectFormat::RenkuPythonDatabase { schema_version });
    }
    let legacy_yaml = renku.join("metadata.yml");
    if legacy_yaml.is_file() {
        let text = std::fs::read_to_string(&legacy_yaml)
            .io_context(|| format!("Cannot read {}", legacy_yaml.display()))?;
        return Ok(ProjectFormat::RenkuPythonLegacy {
            schema_version: legacy_schema_version(&text),
        });
    }
    // The oldest renku-python releases wrote no metadata.yml but kept datasets, refs or
    // workflows under .renku/.
    for legacy_dir in ["datasets", "refs", "workflow", "vendors"] {
        if renku.join(legacy_dir).exists() {
            return Ok(ProjectFormat::RenkuPythonLegacy {
                schema_version: None,
            });
        }
    }
    Ok(ProjectFormat::None)
}

fn legacy_schema_version(text: &str) -> Option<String> {
    // Matches both `schemaVersion: 8` and `'http://schema.org/schemaVersion': '9'`; compact
    // files of versions 1–7 name it `version` (with `schema:schemaVersion` in the context).
    let Some(line) = text
        .lines()
        .find(|l| l.contains("schemaVersion") && !l.trim_start().starts_with("version:"))
    else {
        return text
            .lines()
            .find_map(|l| l.strip_prefix("version:"))
            .map(|v| v.trim().trim_matches(['\'', '"']).trim().to_string())
            .filter(|v| !v.is_empty());
    };
    let after = &line[line.find("schemaVersion")? + "schemaVersion".len()..];
    let value = after
        .trim_start_matches(['\'', '"'])
        .trim_start()
        .strip_prefix(':')?;
    let value = value.trim().trim_matches(['\'', '"']).trim();
    (!value.is_empty()).then(|| value.to_string())
}

/// Checks that the project at `root` can be worked on by this build: our current format.
/// Older or foreign formats give [`Error::MigrationRequired`] (exit 3), a newer format of
/// ours [`Error::UnsupportedProject`] (exit 4), no metadata [`Error::NotAProject`] (exit 2).
pub fn ensure_supported(root: &Path) -> Result<()> {
    match detect(root)? {
        ProjectFormat::Native { version } if version == FORMAT_VERSION => Ok(()),
        ProjectFormat::Native { version } if version > FORMAT_VERSION => {
            Err(Error::UnsupportedProject {
                found: version,
                supported: FORMAT_VERSION,
            })
        }
        ProjectFormat::Native { version } => Err(Error::MigrationRequired {
            detail: format!(
                "The project uses version {version} of this renku's metadata format (current: {FORMAT_VERSION})."
            ),
        }),
        ProjectFormat::RenkuPythonDatabase { schema_version } => Err(Error::MigrationRequired {
            detail: format!(
                "The project was written by renku-python (metadata database, schema version {}).",
                schema_version.as_deref().unwrap_or("unknown")
            ),
        }),
        ProjectFormat::RenkuPythonLegacy { schema_version } => Err(Error::MigrationRequired {
            detail: format!(
                "The project was written by an old renku-python (metadata version {}).",
                schema_version.as_deref().unwrap_or("1")
            ),
        }),
        ProjectFormat::None => Err(Error::NotAProject {
            path: root.to_path_buf(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_legacy_schema_version() {
        let text = "# dummy\n'http://schema.org/schemaVersion': '9'\n";
        assert_eq!(legacy_schema_version(text).as_deref(), Some("9"));
        assert_eq!(
            legacy_schema_version("schemaVersion: 8\n").as_deref(),
            Some("8")
        );
        let compact = "'@context':\n  version: schema:schemaVersion\nname: p\nversion: '2'\n";
        assert_eq!(legacy_schema_version(compact).as_deref(), Some("2"));
    }

    #[test]
    fn detects_formats() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(detect(dir.path()).unwrap(), ProjectFormat::None);
        std::fs::create_dir_all(dir.path().join(".renku/metadata")).unwrap();
        std::fs::write(dir.path().join(".renku/metadata/root"), "{}").unwrap();
        std::fs::write(
            dir.path().join(".renku/metadata/project"),
            r#"{"version": "10"}"#,
        )
        .unwrap();
        assert_eq!(
            detect(dir.path()).unwrap(),
            ProjectFormat::RenkuPythonDatabase {
                schema_version: Some("10".into())
            }
        );
        assert_eq!(
            ensure_supported(dir.path()).unwrap_err().exit_code(),
            crate::error::ExitCode::MigrationRequired
        );
        std::fs::create_dir_all(dir.path().join(".renku/store")).unwrap();
        std::fs::write(
            dir.path().join(FORMAT_FILE),
            r#"{"format": "renku-rs", "version": 99}"#,
        )
        .unwrap();
        assert_eq!(
            ensure_supported(dir.path()).unwrap_err().exit_code(),
            crate::error::ExitCode::Unsupported
        );
    }
}
