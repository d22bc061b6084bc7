//! Persons: creators of projects, datasets and plans.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// A person (`schema:Person`, `prov:Person`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// `mailto:<email>` when the e-mail is known, else `/persons/<quoted full identity>`.
    pub id: String,
    /// Full name.
    pub name: String,
    /// E-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Affiliation (institution).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affiliation: Option<String>,
    /// Alternative name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alternate_name: Option<String>,
}

impl Person {
    /// Creates a person, computing the id from the e-mail (or the full identity without one).
    pub fn new(
        name: impl Into<String>,
        email: Option<String>,
        affiliation: Option<String>,
    ) -> Self {
        let name = name.into();
        let email = email.filter(|e| !e.trim().is_empty());
        let affiliation = affiliation.filter(|a| !a.trim().is_empty());
        let mut person = Person {
            id: String::new(),
            name,
            email,
            affiliation,
            alternate_name: None,
        };
        person.id = person.compute_id();
        person
    }

    fn compute_id(&self) -> String {
        match &self.email {
            Some(email) => format!("mailto:{email}"),
            None => format!(
                "/persons/{}",
                crate::util::quote_path(&self.full_identity())
            ),
        }
    }

    /// `Name <email> [affiliation]` with missing parts left out.
    pub fn full_identity(&self) -> String {
        let mut s = self.name.clone();
        if let Some(email) = &self.email {
            s.push_str(&format!(" <{email}>"));
        }
        if let Some(aff) = &self.affiliation {
            s.push_str(&format!(" [{aff}]"));
        }
        s
    }

    /// Parses `Name <email> [affiliation]` strictly: the e-mail is required and must look like
    /// one (the rule `dataset create`, `run` and `project edit` use for `--creator`).
    pub fn parse_strict(text: &str) -> Result<Self> {
        let invalid = || {
            Error::Parameter(format!(
                "Email is invalid: \"{text}\".\nA valid format is \"Name <email> [affiliation]\""
            ))
        };
        let (name, email, affiliation) = split_identity(text).ok_or_else(invalid)?;
        let email = email.ok_or_else(invalid)?;
        if !is_valid_email(&email) || name.is_empty() {
            return Err(invalid());
        }
        Ok(Person::new(name, Some(email), affiliation))
    }
}

impl Person {
    /// Parses `Name <email> [affiliation]` leniently (the rule of `project edit` and
    /// `dataset edit`): without a valid e-mail the whole text is the name. The second value
    /// is a warning for the user when the e-mail was missing or malformed.
    pub fn parse_lenient(text: &str) -> (Person, Option<String>) {
        match Person::parse_strict(text) {
            Ok(p) => (p, None),
            Err(_) => {
                let (name, affiliation) = match split_identity(text) {
                    Some((n, _, a)) if !n.is_empty() => (n, a),
                    _ => (text.trim().to_string(), None),
                };
                (
                    Person::new(name, None, affiliation),
                    Some(format!("No email or wrong format for: {text}")),
                )
            }
        }
    }
}

impl std::fmt::Display for Person {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.full_identity())
    }
}

/// Splits `Name <email> [affiliation]` into its parts; `None` when brackets are unbalanced.
fn split_identity(text: &str) -> Option<(String, Option<String>, Option<String>)> {
    let text = text.trim();
    let (rest, affiliation) = match text.rfind('[') {
        Some(start) if text.ends_with(']') => (
            text[..start].trim(),
            Some(text[start + 1..text.len() - 1].trim().to_string()),
        ),
        _ if text.contains('[') || text.contains(']') => return None,
        _ => (text, None),
    };
    let (name, email) = match rest.find('<') {
        Some(start) => {
            let end = rest[start..].find('>')? + start;
            if !rest[end + 1..].trim().is_empty() {
                return None;
            }
            (
                rest[..start].trim().to_string(),
                Some(rest[start + 1..end].trim().to_string()),
            )
        }
        None if rest.contains('>') => return None,
        None => (rest.to_string(), None),
    };
    Some((name, email, affiliation))
}

fn is_valid_email(email: &str) -> bool {
    let mut parts = email.split('@');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(local), Some(domain), None) => {
            !local.is_empty()
                && !domain.is_empty()
                && !email.chars().any(char::is_whitespace)
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_full_identity() {
        let p = Person::parse_strict("Jane Doe <jane@example.org> [SDSC]").unwrap();
        assert_eq!(p.name, "Jane Doe");
        assert_eq!(p.email.as_deref(), Some("jane@example.org"));
        assert_eq!(p.affiliation.as_deref(), Some("SDSC"));
        assert_eq!(p.id, "mailto:jane@example.org");
        assert_eq!(p.to_string(), "Jane Doe <jane@example.org> [SDSC]");
    }

    #[test]
    fn rejects_missing_email() {
        let err = Person::parse_strict("John Doe").unwrap_err();
        assert!(err.to_string().contains("Email is invalid: \"John Doe\""));
        assert!(Person::parse_strict("John <not-an-email>").is_err());
        assert!(Person::parse_strict("John <a@b> [x").is_err());
    }

    #[test]
    fn id_without_email_quotes_identity() {
        let p = Person::new("Rooth, Mats", None, Some("Cornell University".into()));
        assert_eq!(
            p.id,
            "/persons/Rooth%2C%20Mats%20%5BCornell%20University%5D"
        );
    }
}
