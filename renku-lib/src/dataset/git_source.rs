//! Files from git repositories (`dataset add <repo URL> [-s PATH…] [--ref REF]`): the
//! repository is cloned once into the cache (`.renku/cache/git/<host>/<path>`) and updated
//! on later use; the files are copied from the checked-out revision and recorded with the
//! remote path and blob id they came from.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::repo::ProjectDir;
use crate::repo::git::Git;
use crate::{Error, Result};

use super::add::{Origin, Pending};

/// The URL git is given for a `dataset add` URL (`git+https://…` → `https://…`).
pub fn clone_url(url: &str) -> &str {
    url.strip_prefix("git+").unwrap_or(url)
}

/// Where the clone of `url` lives, relative to the project root.
fn cache_dir(url: &str) -> String {
    let plain = clone_url(url);
    let rest = match plain.find("://") {
        Some(i) => &plain[i + 3..],
        None => plain.strip_prefix("git@").unwrap_or(plain),
    };
    let cleaned: String = rest
        .trim_end_matches('/')
        .trim_end_matches(".git")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '/') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let cleaned = cleaned
        .split('/')
        .filter(|s| !s.is_empty() && *s != "." && *s != "..")
        .collect::<Vec<_>>()
        .join("/");
    format!("{}/git/{cleaned}", crate::store::CACHE_DIR)
}

fn git_command(dir: Option<&Path>) -> Command {
    let mut cmd = Command::new("git");
    if let Some(d) = dir {
        cmd.arg("-C").arg(d);
    }
    cmd.env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_LFS_SKIP_SMUDGE", "1")
        .stdin(std::process::Stdio::null());
    cmd
}

/// The git setting that sends `Authorization: Bearer <token>` to the origin of `remote`
/// (`http.<origin>/.extraHeader`); `None` for remotes that are not http(s) URLs.
fn bearer_header_config(remote: &str, token: &str) -> Option<(String, String)> {
    let parsed = reqwest::Url::parse(remote).ok()?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return None;
    }
    let origin = parsed.origin().ascii_serialization();
    Some((
        format!("http.{origin}/.extraHeader"),
        format!("Authorization: Bearer {token}"),
    ))
}

/// Adds `key = value` to the configuration of the git command through its environment
/// (`GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_n`/`GIT_CONFIG_VALUE_n`), after any entries the
/// environment already has.
fn add_env_config(cmd: &mut Command, key: &str, value: &str) {
    let n = std::env::var("GIT_CONFIG_COUNT")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    cmd.env("GIT_CONFIG_COUNT", (n + 1).to_string())
        .env(format!("GIT_CONFIG_KEY_{n}"), key)
        .env(format!("GIT_CONFIG_VALUE_{n}"), value);
}

fn run_git(mut cmd: Command, what: &str) -> Result<String> {
    let out = cmd
        .output()
        .map_err(|e| Error::io(format!("Cannot run git to {what}"), e))?;
    if !out.status.success() {
        return Err(Error::Failed(format!(
            "Cannot {what}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// A checked-out revision of a remote repository.
pub struct Checkout {
    /// Absolute path of the clone.
    pub dir: PathBuf,
    /// The commit checked out.
    pub commit: String,
    /// Blob id of every file in the commit.
    pub files: BTreeMap<String, String>,
}

/// Clones (or fetches) `url` into the project's cache and checks out `reference` (default:
/// the remote's default branch).
pub fn checkout(project: &ProjectDir, url: &str, reference: Option<&str>) -> Result<Checkout> {
    checkout_with_token(project, url, reference, None)
}

/// Like [`checkout`], sending `token` as a bearer token to the host of `url` (a Renku
/// deployment's repositories). The token travels in git's environment for these commands
/// only; it is never written to the clone's configuration or its remote URL.
pub fn checkout_with_token(
    project: &ProjectDir,
    url: &str,
    reference: Option<&str>,
    token: Option<&str>,
) -> Result<Checkout> {
    let dir = project.root().join(cache_dir(url));
    let remote = clone_url(url);
    let auth = token.and_then(|t| bearer_header_config(remote, t));
    let git_command = |dir: Option<&Path>| {
        let mut cmd = git_command(dir);
        if let Some((key, value)) = &auth {
            add_env_config(&mut cmd, key, value);
        }
        cmd
    };
    crate::util::ensure_ignored_dir(&project.root().join(crate::store::CACHE_DIR))?;
    if dir.join(".git").is_dir() {
        let mut cmd = git_command(Some(&dir));
        cmd.args(["fetch", "-q", "--tags", "origin"]);
        run_git(cmd, &format!("fetch {remote}"))?;
    } else {
        if let Some(parent) = dir.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| Error::io(format!("Cannot create {}", parent.display()), e))?;
        }
        let mut cmd = git_command(None);
        cmd.args(["clone", "-q", "--no-checkout", remote]).arg(&dir);
        if let Err(e) = run_git(cmd, &format!("clone {remote}")) {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(e);
        }
    }
    let target = match reference {
        Some(r) => {
            let mut cmd = git_command(Some(&dir));
            cmd.args(["rev-parse", "--verify", "-q"])
                .arg(format!("origin/{r}^{{commit}}"));
            match run_git(cmd, "resolve the reference") {
                Ok(c) => c,
                Err(_) => {
                    let mut cmd = git_command(Some(&dir));
                    cmd.args(["rev-parse", "--verify", "-q"])
                        .arg(format!("{r}^{{commit}}"));
                    run_git(cmd, &format!("find the reference '{r}' in {remote}"))?
                }
            }
        }
        None => {
            let mut cmd = git_command(Some(&dir));
            cmd.args(["rev-parse", "--verify", "-q", "origin/HEAD^{commit}"]);
            match run_git(cmd, "resolve the default branch") {
                Ok(c) => c,
                Err(_) => {
                    let mut cmd = git_command(Some(&dir));
                    cmd.args(["rev-parse", "--verify", "-q", "HEAD^{commit}"]);
                    run_git(cmd, &format!("find a commit in {remote}"))?
                }
            }
        }
    };
    let mut cmd = git_command(Some(&dir));
    cmd.args(["checkout", "-q", "--force", "--detach", &target]);
    run_git(cmd, &format!("check out {target} of {remote}"))?;
    let git = Git::open(&dir)?;
    let commit = gix::ObjectId::from_hex(target.as_bytes())
        .map_err(|e| Error::Git(format!("bad commit id {target}: {e}")))?;
    let files = git
        .files_under(commit, "")?
        .into_iter()
        .map(|(p, id)| (p, id.to_string()))
        .collect();
    Ok(Checkout {
        dir,
        commit: target,
        files,
    })
}

/// The files `dataset add URL` brings in from the git repository at `url`: the paths or
/// globs `sources` (all top-level entries when empty), under `dest_root`.
pub(crate) fn pending(
    project: &ProjectDir,
    url: &str,
    sources: &[String],
    reference: Option<&str>,
    dest_root: &str,
) -> Result<Vec<Pending>> {
    let co = checkout(project, url, reference)?;
    let selected = select(&co.files, sources)?;
    pull_lfs_objects(&co, &selected)?;
    Ok(selected
        .into_iter()
        .map(|(remote_path, dest_inner)| {
            let blob = co.files.get(&remote_path).cloned().unwrap_or_default();
            Pending {
                dest: format!("{dest_root}/{dest_inner}"),
                origin: Origin::Git {
                    abs: co.dir.join(&remote_path),
                    url: clone_url(url).to_string(),
                    path: remote_path.clone(),
                    blob,
                },
                source: clone_url(url).to_string(),
            }
        })
        .collect())
}

/// `(path in the repository, path under the destination)` of the selected files.
pub(crate) fn select(
    files: &BTreeMap<String, String>,
    sources: &[String],
) -> Result<Vec<(String, String)>> {
    if sources.is_empty() {
        return Ok(files.keys().map(|p| (p.clone(), p.clone())).collect());
    }
    let mut out = Vec::new();
    for pattern in sources {
        let pattern = pattern.trim().trim_matches('/');
        let glob = globset::GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()
            .map_err(|e| Error::Parameter(format!("Invalid source pattern '{pattern}': {e}")))?
            .compile_matcher();
        let mut found = false;
        for path in files.keys() {
            // A match on the path itself or on one of its parent directories.
            let mut prefix = String::new();
            for (i, part) in path.split('/').enumerate() {
                if i > 0 {
                    prefix.push('/');
                }
                prefix.push_str(part);
                if glob.is_match(&prefix) {
                    let base_start = prefix.rfind('/').map_or(0, |i| i + 1);
                    let inner = path[base_start..].to_string();
                    out.push((path.clone(), inner));
                    found = true;
                    break;
                }
            }
        }
        if !found {
            return Err(Error::Parameter(format!(
                "No such file or directory: {pattern}"
            )));
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Fetches the LFS content of selected files that are LFS pointers in the clone (one
/// `git lfs pull` for all of them).
fn pull_lfs_objects(co: &Checkout, selected: &[(String, String)]) -> Result<()> {
    let mut pointers = Vec::new();
    for (path, _) in selected {
        let abs = co.dir.join(path);
        let Ok(meta) = std::fs::metadata(&abs) else {
            continue;
        };
        if meta.len() > 1024 {
            continue;
        }
        let bytes = std::fs::read(&abs).unwrap_or_default();
        if crate::repo::lfs::Pointer::parse(&bytes).is_some() {
            pointers.push(path.clone());
        }
    }
    if pointers.is_empty() {
        return Ok(());
    }
    let mut cmd = Command::new("git");
    cmd.arg("-C")
        .arg(&co.dir)
        .args(["lfs", "pull", "-I"])
        .arg(pointers.join(","))
        .stdin(std::process::Stdio::null());
    run_git(cmd, "fetch the Git LFS content of the source repository").map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_dirs_are_inside_the_cache() {
        assert_eq!(
            cache_dir("git+https://github.com/org/repo.git"),
            ".renku/cache/git/github.com/org/repo"
        );
        assert_eq!(
            cache_dir("git@github.com:org/repo.git"),
            ".renku/cache/git/github.com_org/repo"
        );
        assert!(!cache_dir("file:///../../etc.git").contains(".."));
    }

    #[test]
    fn sources_select_files_and_directories() {
        let files: BTreeMap<String, String> = ["a.txt", "dir/b.csv", "dir/sub/c.csv", "x/y.md"]
            .iter()
            .map(|p| (p.to_string(), "0".repeat(40)))
            .collect();
        let sel = select(&files, &["dir".into()]).unwrap();
        assert_eq!(
            sel,
            vec![
                ("dir/b.csv".into(), "dir/b.csv".into()),
                ("dir/sub/c.csv".into(), "dir/sub/c.csv".into())
            ]
        );
        let sel = select(&files, &["dir/*.csv".into()]).unwrap();
        assert_eq!(sel, vec![("dir/b.csv".into(), "b.csv".into())]);
        let sel = select(&files, &["**/*.csv".into()]).unwrap();
        assert_eq!(sel.len(), 2);
        assert!(select(&files, &["missing".into()]).is_err());
    }
}
