//! Rendering a template's files (Jinja syntax, minijinja) with the project's values.

use std::collections::BTreeMap;

use super::manifest::{TemplateEntry, convert_value};
use super::source::TemplateSource;
use crate::model::TemplateMetadata;
use crate::{Error, Result};

/// Values a template is rendered with.
#[derive(Debug, Clone, Default)]
pub struct RenderContext {
    /// Project name (`__name__`).
    pub name: String,
    /// Project description (`__project_description__`).
    pub description: String,
    /// Namespace of the project (`__namespace__`).
    pub namespace: String,
    /// `-p key=value` values given by the user.
    pub parameters: Vec<(String, String)>,
    /// Values stored from an earlier rendering, used where the user gave none.
    pub stored: BTreeMap<String, serde_json::Value>,
    /// Copy files that fail to render verbatim instead of failing.
    pub ignore_template_errors: bool,
}

/// A rendered template.
#[derive(Debug, Clone)]
pub struct RenderedTemplate {
    /// Rendered files `(relative path, content)`, sorted by path.
    pub files: Vec<(String, Vec<u8>)>,
    /// SHA-256 (hex) of each rendered file, for `.renku/template_checksums.json`.
    pub checksums: BTreeMap<String, String>,
    /// `-p` keys the template does not use.
    pub ignored_parameters: Vec<String>,
    /// What to record in the project about the template.
    pub metadata: TemplateMetadata,
}

/// Renders `entry` of `source` with `ctx`.
pub fn render(
    source: &TemplateSource,
    entry: &TemplateEntry,
    ctx: &RenderContext,
) -> Result<RenderedTemplate> {
    let mut values: BTreeMap<String, serde_json::Value> = BTreeMap::new();
    let mut ignored = Vec::new();
    for (k, v) in &ctx.parameters {
        match entry.variables.get(k) {
            Some(var) => {
                values.insert(k.clone(), convert_value(k, var, v)?);
            }
            None => ignored.push(k.clone()),
        }
    }
    let mut missing = Vec::new();
    for (k, var) in &entry.variables {
        if values.contains_key(k) {
            continue;
        }
        if let Some(v) = ctx.stored.get(k) {
            values.insert(k.clone(), v.clone());
        } else if let Some(d) = &var.default_value {
            values.insert(k.clone(), d.clone());
        } else {
            missing.push(k.clone());
        }
    }
    if !missing.is_empty() {
        return Err(Error::Parameter(format!(
            "Missing value for template parameter(s): {}. Set them with -p NAME=VALUE.",
            missing.join(", ")
        )));
    }

    let mut vars = values.clone();
    let s = |x: &str| serde_json::Value::String(x.to_string());
    vars.insert("__name__".into(), s(&ctx.name));
    vars.insert("__project_description__".into(), s(&ctx.description));
    vars.insert("__namespace__".into(), s(&ctx.namespace));
    vars.insert(
        "__project_slug__".into(),
        s(&crate::util::project_slug(&ctx.name)),
    );
    vars.insert(
        "__sanitized_project_name__".into(),
        s(&crate::util::project_slug(&ctx.name)),
    );
    vars.insert("__repository__".into(), s(""));
    vars.insert("__renku_version__".into(), s(crate::VERSION));
    vars.insert("__template_id__".into(), s(entry.id()));
    vars.insert("__template_source__".into(), s(&source.source));
    vars.insert(
        "__template_ref__".into(),
        s(source.reference.as_deref().unwrap_or("")),
    );
    vars.insert(
        "__template_version__".into(),
        s(source.version.as_deref().unwrap_or("")),
    );

    let mut env = minijinja::Environment::new();
    env.set_keep_trailing_newline(true);
    let mut files = Vec::new();
    let mut checksums = BTreeMap::new();
    for (path, bytes) in source.files(entry)? {
        let rendered = match std::str::from_utf8(&bytes) {
            Ok(text) if text.contains("{{") || text.contains("{%") || text.contains("{#") => {
                match env.render_str(text, &vars) {
                    Ok(out) => out.into_bytes(),
                    Err(e) if ctx.ignore_template_errors => {
                        tracing::warn!("copying {path} verbatim: {e}");
                        bytes
                    }
                    Err(e) => {
                        return Err(Error::Template(format!(
                            "Cannot render template file {path}: {e}"
                        )));
                    }
                }
            }
            _ => bytes,
        };
        checksums.insert(path.clone(), crate::util::sha256_hex(&rendered));
        files.push((path, rendered));
    }
    let metadata = TemplateMetadata {
        id: entry.id().to_string(),
        source: source.source.clone(),
        reference: source.reference.clone(),
        version: source.version.clone(),
        ssh_supported: entry.ssh_supported,
        immutable_files: entry.immutable_template_files.clone(),
        allow_update: entry.allow_template_update,
        parameters: values,
        recorded_metadata: None,
    };
    Ok(RenderedTemplate {
        files,
        checksums,
        ignored_parameters: ignored,
        metadata,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_name_and_parameters() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("manifest.yaml"),
            "- folder: t\n  name: T\n  variables:\n    greeting:\n      description: g\n      default_value: hi\n",
        )
        .unwrap();
        std::fs::create_dir(dir.path().join("t")).unwrap();
        std::fs::write(
            dir.path().join("t/README.md"),
            "# {{ __name__ }}\n{{ greeting }}\n",
        )
        .unwrap();
        let src = TemplateSource::open(Some(&dir.path().to_string_lossy()), None).unwrap();
        let entry = src.template("t").unwrap().clone();
        let ctx = RenderContext {
            name: "My Project".into(),
            parameters: vec![
                ("greeting".into(), "hello".into()),
                ("unused".into(), "x".into()),
            ],
            ..Default::default()
        };
        let out = render(&src, &entry, &ctx).unwrap();
        assert_eq!(out.files[0].1, b"# My Project\nhello\n");
        assert_eq!(out.ignored_parameters, vec!["unused".to_string()]);
        assert_eq!(
            out.metadata.parameters["greeting"],
            serde_json::json!("hello")
        );
        assert_eq!(
            out.checksums["README.md"],
            crate::util::sha256_hex(b"# My Project\nhello\n")
        );

        std::fs::write(dir.path().join("t/README.md"), "{{ broken").unwrap();
        assert!(render(&src, &entry, &ctx).is_err());
        let lenient = RenderContext {
            ignore_template_errors: true,
            ..ctx
        };
        assert_eq!(
            render(&src, &entry, &lenient).unwrap().files[0].1,
            b"{{ broken"
        );
    }
}
