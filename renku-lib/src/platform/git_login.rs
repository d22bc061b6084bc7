//! The git side of a login, as renku-python sets it up.
//!
//! Logging in rewrites the project's remote to go through the deployment
//! (`https://<host>/repos/<namespace>/<project>`), keeps the old URL in a remote named
//! `renku-backup-<remote>`, and installs the credential helper
//! `!renku credentials --hostname <host>` in the repository's own configuration, so that
//! git authenticates with the stored token. Logging out removes the helper and puts the
//! backed-up URLs back.
//!
//! Every change of one login or logout is written to `.git/config` at once (edited in
//! memory, then renamed over the old file): an error leaves the configuration as it was.

use std::path::{Path, PathBuf};

use gix::bstr::{BStr, ByteSlice};

use super::endpoint::GitRemoteUrl;
use super::{PlatformError, Result};

/// Prefix of the remotes that keep the URLs login replaced.
pub const BACKUP_PREFIX: &str = "renku-backup-";
/// How renku's credential helper starts (`!renku credentials --hostname <host>`).
pub const HELPER_PREFIX: &str = "!renku credentials";
/// The path under which a deployment serves git repositories.
pub const REPOS_PATH: &str = "repos";

/// A configured git remote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remote {
    /// Its name (`origin`).
    pub name: String,
    /// Its (first) URL.
    pub url: String,
}

/// What a login changes in the git configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitLoginPlan {
    /// The remote that is rewritten.
    pub remote: Remote,
    /// Name of its backup remote.
    pub backup: String,
    /// The URL the remote gets.
    pub new_url: String,
    /// The credential helper installed.
    pub helper: String,
}

/// What a login changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitLogin {
    /// The plan that was carried out.
    pub plan: GitLoginPlan,
    /// Whether the backup remote existed already (it was kept as it was).
    pub backup_existed: bool,
}

/// What a logout changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GitLogout {
    /// Remotes whose URL was restored from their backup: (remote, URL).
    pub restored: Vec<(String, String)>,
    /// Whether a renku credential helper was removed.
    pub helper_removed: bool,
}

fn config_error(path: &Path, detail: impl std::fmt::Display) -> PlatformError {
    PlatformError::GitConfig {
        path: path.display().to_string(),
        detail: detail.to_string(),
    }
}

fn open(root: &Path) -> Result<gix::Repository> {
    gix::discover(root).map_err(|e| config_error(root, format!("not a git repository ({e})")))
}

/// The remotes of the repository at `root`, sorted by name.
pub fn remotes(root: &Path) -> Result<Vec<Remote>> {
    let repo = open(root)?;
    Ok(remotes_of(&repo))
}

fn remotes_of(repo: &gix::Repository) -> Vec<Remote> {
    let config = repo.config_snapshot();
    let mut out: Vec<Remote> = repo
        .remote_names()
        .into_iter()
        .filter_map(|name| {
            let name = name.to_str_lossy().into_owned();
            let url = config
                .string(format!("remote.{name}.url").as_str())
                .map(|u| u.to_str_lossy().into_owned())?;
            Some(Remote { name, url })
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// The remote a login rewrites (the reference's rule): the only remote, else the one the
/// current branch tracks, else none. Backup remotes do not count.
pub fn default_remote(root: &Path) -> Result<Option<Remote>> {
    let repo = open(root)?;
    let all: Vec<Remote> = remotes_of(&repo)
        .into_iter()
        .filter(|r| !r.name.starts_with(BACKUP_PREFIX))
        .collect();
    if all.len() == 1 {
        return Ok(all.into_iter().next());
    }
    let branch = repo
        .head_name()
        .ok()
        .flatten()
        .map(|n| n.shorten().to_str_lossy().into_owned());
    let tracked = branch.and_then(|b| {
        repo.config_snapshot()
            .string(format!("branch.{b}.remote").as_str())
            .map(|r| r.to_str_lossy().into_owned())
    });
    Ok(tracked.and_then(|t| all.into_iter().find(|r| r.name == t)))
}

/// The URL through the deployment `host` (`host[:port]`) for a remote at `remote_url`:
/// `<scheme>://<host>/repos/<path>`, where a leading `gitlab/` of the path is dropped and so
/// is a `gitlab.` prefix of the host; `scheme` is the endpoint's (`https` unless the user
/// named an `http://` endpoint). `None` when the remote is a local path.
pub fn renku_repo_url(remote_url: &str, scheme: &str, host: &str) -> Option<String> {
    let parsed = GitRemoteUrl::parse(remote_url)?;
    let mut path = parsed.path.as_str();
    if let Some(rest) = path.strip_prefix("gitlab/") {
        path = rest;
    }
    let path = if path == REPOS_PATH || path.starts_with(&format!("{REPOS_PATH}/")) {
        path.to_string()
    } else {
        format!("{REPOS_PATH}/{path}")
    };
    let host = host.strip_prefix("gitlab.").unwrap_or(host);
    Some(format!("{scheme}://{host}/{path}"))
}

/// The credential helper for `host`.
pub fn credential_helper(host: &str) -> String {
    format!("{HELPER_PREFIX} --hostname {host}")
}

/// The host a renku credential helper value answers for, if it is one of renku's.
pub fn helper_host(helper: &str) -> Option<&str> {
    let rest = helper.trim().strip_prefix(HELPER_PREFIX)?;
    let mut words = rest.split_whitespace();
    while let Some(w) = words.next() {
        if w == "--hostname" {
            return words.next();
        }
        if let Some(h) = w.strip_prefix("--hostname=") {
            return Some(h);
        }
    }
    Some("")
}

/// Works out what logging in to `host` changes for `remote`; fails when the remote is a
/// local path (there is nothing to route through the deployment).
pub fn plan_login(remote: &Remote, scheme: &str, host: &str) -> Result<GitLoginPlan> {
    let new_url =
        renku_repo_url(&remote.url, scheme, host).ok_or_else(|| PlatformError::NoUniqueRemote {
            detail: format!(
                "the remote '{}' ({}) is a local path, not a repository on a server",
                remote.name, remote.url
            ),
        })?;
    Ok(GitLoginPlan {
        backup: format!("{BACKUP_PREFIX}{}", remote.name),
        remote: remote.clone(),
        new_url,
        helper: credential_helper(host),
    })
}

/// The repository's own configuration file, edited in memory and written back at once.
struct LocalConfig {
    path: PathBuf,
    file: gix::config::File,
    original: Vec<u8>,
}

impl LocalConfig {
    fn load(root: &Path) -> Result<LocalConfig> {
        let repo = open(root)?;
        let path = repo.common_dir().join("config");
        let original = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(config_error(&path, e)),
        };
        let file = gix::config::File::from_bytes_no_includes(
            &original,
            gix::config::file::Metadata::from(gix::config::Source::Local),
            Default::default(),
        )
        .map_err(|e| config_error(&path, e))?;
        Ok(LocalConfig {
            path,
            file,
            original,
        })
    }

    fn set(
        &mut self,
        section: &str,
        subsection: Option<&str>,
        key: &str,
        value: &str,
    ) -> Result<()> {
        self.file
            .set_raw_value_by(section, subsection.map(BStr::new), key, value)
            .map(|_| ())
            .map_err(|e| config_error(&self.path, e))
    }

    fn has_section(&self, section: &str, subsection: &str) -> bool {
        self.file
            .section(section, Some(BStr::new(subsection)))
            .is_ok()
    }

    fn value(&self, section: &str, subsection: &str, key: &str) -> Option<String> {
        self.file
            .section(section, Some(BStr::new(subsection)))
            .ok()
            .and_then(|s| s.value(key))
            .map(|v| v.to_str_lossy().into_owned())
    }

    /// Writes the file back (atomically, keeping its permissions) if it changed.
    fn save(&self) -> Result<bool> {
        let bytes = self.file.to_bstring();
        if bytes.as_slice() == self.original.as_slice() {
            return Ok(false);
        }
        let permissions = std::fs::metadata(&self.path).ok().map(|m| m.permissions());
        crate::util::write_atomic(&self.path, &bytes, None)
            .map_err(|e| config_error(&self.path, e))?;
        if let Some(p) = permissions {
            std::fs::set_permissions(&self.path, p).map_err(|e| config_error(&self.path, e))?;
        }
        Ok(true)
    }
}

/// Carries out `plan` in the repository at `root`: backup remote (unless one exists),
/// new remote URL and credential helper, in one write of the configuration.
pub fn apply_login(root: &Path, plan: &GitLoginPlan) -> Result<GitLogin> {
    let mut config = LocalConfig::load(root)?;
    let backup_existed = config.has_section("remote", &plan.backup);
    if !backup_existed {
        let fetch = format!("+refs/heads/*:refs/remotes/{}/*", plan.backup);
        let path = config.path.clone();
        let mut section = config
            .file
            .new_section("remote", Some(plan.backup.clone().into()))
            .map_err(|e| config_error(&path, e))?;
        section
            .push("url", Some(BStr::new(&plan.remote.url)))
            .and_then(|s| s.push("fetch", Some(BStr::new(&fetch))))
            .map_err(|e| config_error(&path, e))?;
    }
    config.set("remote", Some(&plan.remote.name), "url", &plan.new_url)?;
    config.set("credential", None, "helper", &plan.helper)?;
    config.save()?;
    Ok(GitLogin {
        plan: plan.clone(),
        backup_existed,
    })
}

/// Undoes logins in the repository at `root`: removes renku's credential helpers and puts
/// back the URLs kept in `renku-backup-*` remotes, dropping those. With `host`, only the
/// helper for that host and the remotes that point at it are touched. One write.
pub fn apply_logout(root: &Path, host: Option<&str>) -> Result<GitLogout> {
    let mut config = LocalConfig::load(root)?;
    let mut outcome = GitLogout::default();
    let matches_host = |h: &str| host.is_none_or(|wanted| wanted == h);

    // Credential helpers.
    let ids: Vec<_> = config
        .file
        .sections_and_ids_by_name("credential")
        .map(|it| {
            it.filter(|(s, _)| s.header().subsection_name().is_none())
                .map(|(_, id)| id)
                .collect()
        })
        .unwrap_or_default();
    for id in ids {
        let Some(mut section) = config.file.section_mut_by_id(id) else {
            continue;
        };
        let values: Vec<String> = section
            .values("helper")
            .iter()
            .map(|v| v.to_str_lossy().into_owned())
            .collect();
        let is_ours = |v: &String| helper_host(v).is_some_and(matches_host);
        if !values.iter().any(is_ours) {
            continue;
        }
        while section.remove("helper").is_some() {}
        for v in values.iter().filter(|v| !is_ours(v)) {
            section
                .push("helper", Some(BStr::new(v)))
                .map_err(|e| config_error(&config.path, e))?;
        }
        outcome.helper_removed = true;
        if section.num_values() == 0 {
            config.file.remove_section_by_id(id);
        }
    }

    // Backup remotes.
    let backups: Vec<String> = config
        .file
        .sections_by_name("remote")
        .map(|it| {
            it.filter_map(|s| {
                s.header()
                    .subsection_name()
                    .map(|n| n.to_str_lossy().into_owned())
            })
            .filter(|n| n.starts_with(BACKUP_PREFIX))
            .collect()
        })
        .unwrap_or_default();
    for backup in backups {
        let Some(name) = backup.strip_prefix(BACKUP_PREFIX).map(str::to_string) else {
            continue;
        };
        let Some(url) = config.value("remote", &backup, "url") else {
            continue;
        };
        if let Some(wanted) = host {
            let current = config.value("remote", &name, "url").unwrap_or_default();
            let points_there = GitRemoteUrl::parse(&current).is_some_and(|u| {
                let key = match u.port {
                    Some(p) => format!("{}:{p}", u.host),
                    None => u.host.clone(),
                };
                key == wanted || format!("gitlab.{key}") == wanted
            });
            if !points_there {
                continue;
            }
        }
        config.set("remote", Some(&name), "url", &url)?;
        config
            .file
            .remove_section("remote", Some(BStr::new(&backup)));
        outcome.restored.push((name, url));
    }
    config.save()?;
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_urls_go_through_the_deployment() {
        let cases = [
            (
                "git@gitlab.renkulab.io:ns/p.git",
                "renkulab.io",
                "https://renkulab.io/repos/ns/p.git",
            ),
            (
                "https://renkulab.io/gitlab/group/sub/p.git",
                "renkulab.io",
                "https://renkulab.io/repos/group/sub/p.git",
            ),
            (
                "https://renku.org/repos/ns/p",
                "gitlab.renku.org:8443",
                "https://renku.org:8443/repos/ns/p",
            ),
            (
                "ssh://git@h.org:2222/ns/p",
                "127.0.0.1:9000",
                "https://127.0.0.1:9000/repos/ns/p",
            ),
        ];
        for (remote, host, expected) in cases {
            assert_eq!(
                renku_repo_url(remote, "https", host).as_deref(),
                Some(expected),
                "{remote}"
            );
        }
        assert_eq!(renku_repo_url("/srv/p.git", "https", "h.org"), None);
        // An http endpoint (named so by the user) keeps its scheme.
        assert_eq!(
            renku_repo_url(
                "http://127.0.0.1:9000/repos/ns/p.git",
                "http",
                "127.0.0.1:9000"
            )
            .as_deref(),
            Some("http://127.0.0.1:9000/repos/ns/p.git")
        );
    }

    #[test]
    fn helper_values_name_their_host() {
        assert_eq!(
            helper_host(&credential_helper("renku.org:8443")),
            Some("renku.org:8443")
        );
        assert_eq!(
            helper_host("!renku credentials --hostname=a.org"),
            Some("a.org")
        );
        assert_eq!(helper_host("!renku credentials"), Some(""));
        assert_eq!(helper_host("cache --timeout 60"), None);
        assert_eq!(helper_host("store"), None);
    }

    fn repo_with(config: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let status = std::process::Command::new("git")
            .args(["init", "-q"])
            .arg(dir.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .status()
            .unwrap();
        assert!(status.success());
        let path = dir.path().join(".git/config");
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str(config);
        std::fs::write(&path, text).unwrap();
        dir
    }

    #[test]
    fn login_and_logout_edit_the_config_in_one_go() {
        let dir = repo_with(
            "[remote \"origin\"]\n\turl = git@gitlab.example.org:ns/p.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n[credential]\n\thelper = cache\n",
        );
        let root = dir.path();
        let remote = default_remote(root).unwrap().unwrap();
        assert_eq!(remote.name, "origin");
        let plan = plan_login(&remote, "https", "example.org").unwrap();
        let done = apply_login(root, &plan).unwrap();
        assert!(!done.backup_existed);
        let names: Vec<String> = remotes(root).unwrap().into_iter().map(|r| r.name).collect();
        assert_eq!(names, ["origin", "renku-backup-origin"]);
        // The backup does not make the choice of remote ambiguous.
        let again = default_remote(root).unwrap().unwrap();
        assert_eq!(again.url, "https://example.org/repos/ns/p.git");
        let text = std::fs::read_to_string(root.join(".git/config")).unwrap();
        assert!(
            text.contains("helper = !renku credentials --hostname example.org"),
            "{text}"
        );
        assert!(!text.contains("helper = cache"), "{text}");
        // Logging in again keeps the first backup.
        let second =
            apply_login(root, &plan_login(&again, "https", "example.org").unwrap()).unwrap();
        assert!(second.backup_existed);

        // Another host's logout leaves everything alone.
        let other = apply_logout(root, Some("elsewhere.org")).unwrap();
        assert_eq!(other, GitLogout::default());
        let out = apply_logout(root, Some("example.org")).unwrap();
        assert!(out.helper_removed);
        assert_eq!(
            out.restored,
            vec![(
                "origin".to_string(),
                "git@gitlab.example.org:ns/p.git".to_string()
            )]
        );
        let names: Vec<String> = remotes(root).unwrap().into_iter().map(|r| r.name).collect();
        assert_eq!(names, ["origin"]);
        let text = std::fs::read_to_string(root.join(".git/config")).unwrap();
        assert!(!text.contains("renku credentials"), "{text}");
        assert!(!text.contains("renku-backup"), "{text}");
    }

    #[test]
    fn logout_keeps_other_helpers() {
        let dir = repo_with(
            "[credential]\n\thelper = store\n\thelper = !renku credentials --hostname a.org\n",
        );
        let out = apply_logout(dir.path(), None).unwrap();
        assert!(out.helper_removed);
        let text = std::fs::read_to_string(dir.path().join(".git/config")).unwrap();
        assert!(text.contains("helper = store"), "{text}");
        assert!(!text.contains("renku"), "{text}");
        // Nothing left to do: the file is not rewritten.
        assert_eq!(
            apply_logout(dir.path(), None).unwrap(),
            GitLogout::default()
        );
    }

    #[test]
    fn several_remotes_need_an_upstream_to_choose() {
        let dir = repo_with(
            "[remote \"a\"]\n\turl = https://a.org/x\n[remote \"b\"]\n\turl = https://b.org/x\n",
        );
        assert_eq!(default_remote(dir.path()).unwrap(), None);
        let path = dir.path().join(".git/config");
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str("[branch \"main\"]\n\tremote = b\n\tmerge = refs/heads/main\n[branch \"master\"]\n\tremote = b\n");
        std::fs::write(&path, text).unwrap();
        assert_eq!(default_remote(dir.path()).unwrap().unwrap().name, "b");
    }

    #[test]
    fn local_path_remotes_cannot_be_routed() {
        let remote = Remote {
            name: "origin".into(),
            url: "/srv/git/p.git".into(),
        };
        let err = plan_login(&remote, "https", "h.org").unwrap_err();
        assert!(matches!(err, PlatformError::NoUniqueRemote { .. }), "{err}");
    }
}
