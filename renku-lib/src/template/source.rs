//! Where templates come from: the set bundled in the binary, or a template repository (a git
//! URL or a local directory with a `manifest.yaml`).

use std::path::{Path, PathBuf};
use std::process::Command;

use include_dir::{Dir, include_dir};

use super::manifest::{Manifest, TemplateEntry};
use crate::error::IoContext;
use crate::{Error, Result};

static BUNDLED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/templates");

/// Source name recorded for the bundled templates.
pub const BUNDLED_SOURCE: &str = "renku";

/// Version of the bundled template set; `renku template update` offers updates when a project
/// was made from another version.
pub const BUNDLED_VERSION: &str = concat!("renku-rs-", env!("CARGO_PKG_VERSION"));

enum Files {
    Bundled,
    Directory {
        root: PathBuf,
        _checkout: Option<tempfile::TempDir>,
    },
}

/// A set of templates with its manifest.
pub struct TemplateSource {
    /// `renku` for the bundled set, else the URL or path given.
    pub source: String,
    /// The git reference asked for, if any.
    pub reference: Option<String>,
    /// Version: the bundled set's version, or the commit of a git source.
    pub version: Option<String>,
    /// The manifest.
    pub manifest: Manifest,
    files: Files,
}

impl TemplateSource {
    /// The templates bundled in the binary.
    pub fn bundled() -> Result<TemplateSource> {
        let text = BUNDLED
            .get_file("manifest.yaml")
            .and_then(|f| f.contents_utf8())
            .ok_or_else(|| Error::Template("The bundled templates have no manifest".into()))?;
        Ok(TemplateSource {
            source: BUNDLED_SOURCE.into(),
            reference: None,
            version: Some(BUNDLED_VERSION.into()),
            manifest: Manifest::parse(text, "bundled manifest.yaml")?,
            files: Files::Bundled,
        })
    }

    /// Opens `source` (a git URL or a local path; `None` for the bundled set) at `reference`.
    /// Git sources are cloned into a temporary directory with the `git` executable.
    pub fn open(source: Option<&str>, reference: Option<&str>) -> Result<TemplateSource> {
        let Some(source) = source.filter(|s| *s != BUNDLED_SOURCE) else {
            if reference.is_some() {
                return Err(Error::Usage(
                    "Can't use '--template-ref' without specifying '--template-source'".into(),
                ));
            }
            return Self::bundled();
        };
        let local = Path::new(source);
        // Local sources are recorded as absolute paths so that later updates find them from
        // any directory.
        let absolute;
        let source = if local.exists() {
            absolute = std::fs::canonicalize(local)
                .io_context(|| format!("Cannot resolve {}", local.display()))?
                .to_string_lossy()
                .into_owned();
            absolute.as_str()
        } else {
            source
        };
        let local = Path::new(source);
        if local.is_dir() && !local.join(".git").exists() {
            if reference.is_some() {
                return Err(Error::Usage(format!(
                    "'{source}' is not a git repository; '--template-ref' cannot be used"
                )));
            }
            return Self::from_directory(source, local.to_path_buf(), None, None, None);
        }
        let checkout = tempfile::Builder::new()
            .prefix("renku-template-")
            .tempdir()
            .io_context(|| "Cannot create a temporary directory".into())?;
        let dir = checkout.path().join("repo");
        run_git(
            None,
            &[
                "clone",
                "--quiet",
                "--no-recurse-submodules",
                source,
                &dir.to_string_lossy(),
            ],
        )
        .map_err(|e| {
            Error::Template(format!(
                "Cannot clone the template repository '{source}': {e}"
            ))
        })?;
        if let Some(r) = reference {
            run_git(Some(&dir), &["checkout", "--quiet", r]).map_err(|e| {
                Error::Template(format!(
                    "Cannot check out reference '{r}' of '{source}': {e}"
                ))
            })?;
        }
        let version = run_git(Some(&dir), &["rev-parse", "HEAD"])
            .ok()
            .map(|s| s.trim().to_string());
        Self::from_directory(
            source,
            dir,
            reference.map(str::to_string),
            version,
            Some(checkout),
        )
    }

    fn from_directory(
        source: &str,
        root: PathBuf,
        reference: Option<String>,
        version: Option<String>,
        checkout: Option<tempfile::TempDir>,
    ) -> Result<TemplateSource> {
        let manifest_path = root.join("manifest.yaml");
        let text = std::fs::read_to_string(&manifest_path).map_err(|_| {
            Error::Template(format!(
                "There is no manifest.yaml in the template source '{source}'"
            ))
        })?;
        Ok(TemplateSource {
            source: source.to_string(),
            reference,
            version,
            manifest: Manifest::parse(&text, &format!("{source}/manifest.yaml"))?,
            files: Files::Directory {
                root,
                _checkout: checkout,
            },
        })
    }

    /// Whether this is the bundled set.
    pub fn is_bundled(&self) -> bool {
        matches!(self.files, Files::Bundled)
    }

    /// Finds a template by id or alias.
    pub fn template(&self, id: &str) -> Result<&TemplateEntry> {
        self.manifest
            .find(id)
            .ok_or_else(|| Error::Template(format!("The template with id '{id}' is not available")))
    }

    /// The files of `template` as `(relative path, content)`, sorted by path.
    pub fn files(&self, template: &TemplateEntry) -> Result<Vec<(String, Vec<u8>)>> {
        let mut out = Vec::new();
        match &self.files {
            Files::Bundled => {
                let dir = BUNDLED.get_dir(&template.folder).ok_or_else(|| {
                    Error::Template(format!("Template folder '{}' is missing", template.folder))
                })?;
                collect_bundled(dir, &template.folder, &mut out);
            }
            Files::Directory { root, .. } => {
                let base = root.join(&template.folder);
                if !base.is_dir() {
                    return Err(Error::Template(format!(
                        "Template folder '{}' does not exist in '{}'",
                        template.folder, self.source
                    )));
                }
                collect_directory(&base, &base, &mut out)?;
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }
}

fn collect_bundled(dir: &Dir<'static>, prefix: &str, out: &mut Vec<(String, Vec<u8>)>) {
    for file in dir.files() {
        let rel = file.path().strip_prefix(prefix).unwrap_or(file.path());
        out.push((
            rel.to_string_lossy().replace('\\', "/"),
            file.contents().to_vec(),
        ));
    }
    for sub in dir.dirs() {
        collect_bundled(sub, prefix, out);
    }
}

fn collect_directory(base: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) -> Result<()> {
    for entry in std::fs::read_dir(dir).io_context(|| format!("Cannot list {}", dir.display()))? {
        let entry = entry.io_context(|| format!("Cannot list {}", dir.display()))?;
        let path = entry.path();
        let ty = entry
            .file_type()
            .io_context(|| format!("Cannot stat {}", path.display()))?;
        if ty.is_dir() {
            if entry.file_name() == ".git" {
                continue;
            }
            collect_directory(base, &path, out)?;
        } else if ty.is_file() {
            let rel = path
                .strip_prefix(base)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            let bytes =
                std::fs::read(&path).io_context(|| format!("Cannot read {}", path.display()))?;
            out.push((rel, bytes));
        }
    }
    Ok(())
}

fn run_git(dir: Option<&Path>, args: &[&str]) -> std::result::Result<String, String> {
    let mut cmd = Command::new("git");
    if let Some(d) = dir {
        cmd.current_dir(d);
    }
    cmd.env("GIT_TERMINAL_PROMPT", "0");
    let out = cmd
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_set_has_required_templates_and_files() {
        let src = TemplateSource::bundled().unwrap();
        assert!(
            src.manifest.problems().is_empty(),
            "{:?}",
            src.manifest.problems()
        );
        let py = src.template("python-minimal").unwrap();
        let names: Vec<String> = src.files(py).unwrap().into_iter().map(|f| f.0).collect();
        for required in [
            ".gitignore",
            ".gitattributes",
            ".dockerignore",
            ".renkulfsignore",
            "Dockerfile",
            "README.md",
            "requirements.txt",
            "data/.gitkeep",
            "notebooks/.gitkeep",
            "workflows/my-workflow.yaml",
            ".renku/renku.ini",
        ] {
            assert!(
                names.iter().any(|n| n == required),
                "python-minimal lacks {required}: {names:?}"
            );
        }
        assert!(src.template("minimal").is_ok());
        assert!(src.template("nope").is_err());
    }

    #[test]
    fn local_directory_source() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("manifest.yaml"), "- folder: t\n  name: T\n").unwrap();
        std::fs::create_dir_all(dir.path().join("t/sub")).unwrap();
        std::fs::write(dir.path().join("t/sub/a.txt"), "x").unwrap();
        let src = TemplateSource::open(Some(&dir.path().to_string_lossy()), None).unwrap();
        let t = src.template("t").unwrap();
        assert_eq!(
            src.files(t).unwrap(),
            vec![("sub/a.txt".to_string(), b"x".to_vec())]
        );
    }
}
