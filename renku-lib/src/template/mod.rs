//! Project templates: the bundled ones and template repositories (`manifest.yaml` + one
//! folder per template), their parameters, rendering, and applying them to a project.

pub mod apply;
pub mod manifest;
pub mod ops;
pub mod render;
pub mod source;

pub use manifest::{Manifest, TemplateEntry, Variable, VariableType};
pub use render::{RenderedTemplate, render};
pub use source::TemplateSource;

/// The template chosen by `renku init` when none is given and no one can be asked.
pub const DEFAULT_TEMPLATE: &str = "python-minimal";

/// Parses one `-p/--parameter` argument of the form `key=value`.
pub fn parse_parameter(text: &str) -> crate::Result<(String, String)> {
    match text.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => {
            let unquote = |s: &str| s.trim().trim_matches('"').to_string();
            Ok((unquote(k), unquote(v)))
        }
        _ => Err(crate::Error::Usage(format!(
            "Invalid parameter value for --parameter \"{text}\": Parameter format must be --parameter \"param1\"=\"value\"."
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_need_key_and_equals() {
        assert_eq!(parse_parameter("a=b").unwrap(), ("a".into(), "b".into()));
        assert_eq!(
            parse_parameter("\"a\"=\"b c\"").unwrap(),
            ("a".into(), "b c".into())
        );
        assert_eq!(parse_parameter("a=").unwrap(), ("a".into(), "".into()));
        assert!(parse_parameter("foo").is_err());
        assert!(parse_parameter("=x").is_err());
    }
}
