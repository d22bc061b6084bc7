//! Project-level operations: `init`, `project show`, `project edit`.

pub mod edit;
pub mod init;
pub mod migrate;
pub mod show;

use crate::model::Project;
use crate::repo::git::Git;

/// The namespace of a project: the owner part of the `origin` remote URL, else the local part
/// of the git user's e-mail (`jane@example.org` → `jane`).
pub fn namespace(git: &Git, email: &str) -> String {
    if let Some(url) = git.origin_url()
        && let Some(ns) = namespace_from_url(&url)
    {
        return ns;
    }
    email.split('@').next().unwrap_or(email).to_string()
}

/// The owner path of a git remote URL (`https://host/group/sub/name.git` → `group/sub`,
/// `git@host:owner/name.git` → `owner`).
pub fn namespace_from_url(url: &str) -> Option<String> {
    let path = if let Some((_, rest)) = url.split_once("://") {
        rest.split_once('/').map(|(_, p)| p)?
    } else if let Some((_, p)) = url.split_once(':') {
        p
    } else {
        return None;
    };
    let path = path.trim_end_matches('/').trim_end_matches(".git");
    let (owner, _name) = path.rsplit_once('/')?;
    let owner = owner.trim_start_matches("repos/").trim_matches('/');
    (!owner.is_empty()).then(|| owner.to_string())
}

/// Project name and id as the template and the store need them.
pub fn project_id(namespace: &str, name: &str) -> String {
    Project::make_id(namespace, name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespace_from_remote_urls() {
        assert_eq!(
            namespace_from_url("https://gitlab.example.org/group/sub/proj.git").as_deref(),
            Some("group/sub")
        );
        assert_eq!(
            namespace_from_url("git@github.com:owner/proj.git").as_deref(),
            Some("owner")
        );
        assert_eq!(
            namespace_from_url("https://renku.example.org/repos/ns/proj").as_deref(),
            Some("ns")
        );
        assert_eq!(namespace_from_url("/local/path").as_deref(), None);
    }
}
