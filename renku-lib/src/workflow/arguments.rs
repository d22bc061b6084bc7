//! Splitting a command line into base command and arguments, and classifying arguments as
//! paths (inputs) or parameters, the way renku-python does.

use std::path::{Path, PathBuf};

/// One classified command-line argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Argument {
    /// 1-based position among the arguments (a flag and its value count once).
    pub position: u32,
    /// Prefix such as `-n ` (separate argument) or `--out=` (glued).
    pub prefix: Option<String>,
    /// The value as typed.
    pub value: String,
    /// For values naming a file or directory inside the project: the path relative to the
    /// project root.
    pub path: Option<String>,
    /// Whether that path is a directory.
    pub is_dir: bool,
}

/// Splits `argv` into the base command and the arguments. When the first word is a file
/// inside the project (`./script.sh`), the base command is empty and every word is an
/// argument. Otherwise leading words that look like sub-commands (`git log …`) join the base
/// command when at least two more words follow.
pub fn split_command(argv: &[String], cwd: &Path, root: &Path) -> (Vec<String>, Vec<String>) {
    let Some(first) = argv.first() else {
        return (Vec::new(), Vec::new());
    };
    if resolve_in_project(first, cwd, root).is_some() {
        return (Vec::new(), argv.to_vec());
    }
    let mut command = vec![first.clone()];
    let mut rest: &[String] = &argv[1..];
    if rest.len() >= 2 {
        while let Some(word) = rest.first() {
            if is_subcommand_word(word) && !cwd.join(word).exists() {
                command.push(word.clone());
                rest = &rest[1..];
            } else {
                break;
            }
        }
    }
    (command, rest.to_vec())
}

fn is_subcommand_word(word: &str) -> bool {
    let mut parts = word.splitn(2, '-');
    let a = parts.next().unwrap_or_default();
    let ok = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphabetic());
    match parts.next() {
        None => ok(a),
        Some(b) => ok(a) && ok(b),
    }
}

/// If `value` names an existing file, directory or symlink (relative to `cwd`, or absolute)
/// inside the project, its path relative to `root`.
pub fn resolve_in_project(value: &str, cwd: &Path, root: &Path) -> Option<(String, bool)> {
    if value.is_empty() {
        return None;
    }
    let p = Path::new(value);
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        cwd.join(p)
    };
    let meta = std::fs::symlink_metadata(&abs).ok()?;
    let normal = normalize(&abs);
    let rel = normal.strip_prefix(root).ok()?;
    if rel.as_os_str().is_empty() || rel.starts_with(".git") {
        return None;
    }
    let is_dir = if meta.file_type().is_symlink() {
        abs.is_dir()
    } else {
        meta.is_dir()
    };
    Some((rel.to_string_lossy().replace('\\', "/"), is_dir))
}

/// Removes `.` and `..` components without touching the file system.
pub fn normalize(p: &Path) -> PathBuf {
    crate::util::normalize_path(p)
}

/// Classifies the arguments. `is_excluded(value)` marks values that must never be paths
/// (stream targets, explicit `--param` values).
pub fn classify(
    args: &[String],
    cwd: &Path,
    root: &Path,
    is_excluded: &dyn Fn(&str) -> bool,
) -> Vec<Argument> {
    let mut out = Vec::new();
    let mut position = 0u32;
    let mut i = 0;
    let classify_value = |value: &str| -> (Option<String>, bool) {
        if is_excluded(value) {
            return (None, false);
        }
        match resolve_in_project(value, cwd, root) {
            Some((rel, is_dir)) => (Some(rel), is_dir),
            None => (None, false),
        }
    };
    while i < args.len() {
        let arg = &args[i];
        position += 1;
        let next_is_value = args.get(i + 1).is_some_and(|n| !n.starts_with('-'));
        let (prefix, value, consumed) =
            if let Some(rest) = arg.strip_prefix("--").filter(|r| !r.is_empty()) {
                match rest.split_once('=') {
                    Some((name, v)) => (Some(format!("--{name}=")), v.to_string(), 1),
                    None if next_is_value => (Some(format!("{arg} ")), args[i + 1].clone(), 2),
                    None => (None, arg.clone(), 1),
                }
            } else if arg.starts_with('-') && arg.len() > 1 && !is_number(arg) {
                if arg.len() == 2 {
                    if next_is_value {
                        (Some(format!("{arg} ")), args[i + 1].clone(), 2)
                    } else {
                        (None, arg.clone(), 1)
                    }
                } else if let Some(v) = arg[2..].strip_prefix('=') {
                    (Some(format!("{}=", &arg[..2])), v.to_string(), 1)
                } else {
                    (Some(arg[..2].to_string()), arg[2..].to_string(), 1)
                }
            } else {
                (None, arg.clone(), 1)
            };
        let (path, is_dir) = classify_value(&value);
        out.push(Argument {
            position,
            prefix,
            value,
            path,
            is_dir,
        });
        i += consumed;
    }
    out
}

fn is_number(s: &str) -> bool {
    s.parse::<f64>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_string).collect()
    }

    fn setup() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), "x").unwrap();
        std::fs::create_dir(dir.path().join("data")).unwrap();
        std::fs::write(dir.path().join("data/in.txt"), "x").unwrap();
        std::fs::write(dir.path().join("s.sh"), "x").unwrap();
        dir
    }

    #[test]
    fn subcommands_join_the_base_command() {
        let d = setup();
        let (cmd, args) = split_command(&words("git log --oneline a.txt"), d.path(), d.path());
        assert_eq!(cmd, words("git log"));
        assert_eq!(args, words("--oneline a.txt"));
        let (cmd, args) = split_command(&words("wc -l a.txt"), d.path(), d.path());
        assert_eq!((cmd, args), (words("wc"), words("-l a.txt")));
        let (cmd, args) = split_command(&words("./s.sh a.txt"), d.path(), d.path());
        assert!(cmd.is_empty());
        assert_eq!(args, words("./s.sh a.txt"));
    }

    #[test]
    fn classification_follows_the_reference_examples() {
        let d = setup();
        let none = |_: &str| false;
        let a = classify(&words("-l data/in.txt"), d.path(), d.path(), &none);
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].prefix.as_deref(), Some("-l "));
        assert_eq!(a[0].path.as_deref(), Some("data/in.txt"));

        let a = classify(&words("-n 10 a.txt"), d.path(), d.path(), &none);
        assert_eq!(
            (
                a[0].position,
                a[0].prefix.as_deref(),
                a[0].value.as_str(),
                a[0].path.is_none()
            ),
            (1, Some("-n "), "10", true)
        );
        assert_eq!((a[1].position, a[1].path.as_deref()), (2, Some("a.txt")));

        let a = classify(&words("--oneline -n 1 a.txt"), d.path(), d.path(), &none);
        assert_eq!(
            (a[0].prefix.as_deref(), a[0].value.as_str()),
            (None, "--oneline")
        );
        assert_eq!((a[1].position, a[1].value.as_str()), (2, "1"));
        assert_eq!((a[2].position, a[2].path.as_deref()), (3, Some("a.txt")));

        let a = classify(&words("--out=data -xVALUE -y=2"), d.path(), d.path(), &none);
        assert_eq!(
            (a[0].prefix.as_deref(), a[0].path.as_deref(), a[0].is_dir),
            (Some("--out="), Some("data"), true)
        );
        assert_eq!(
            (a[1].prefix.as_deref(), a[1].value.as_str()),
            (Some("-x"), "VALUE")
        );
        assert_eq!(
            (a[2].prefix.as_deref(), a[2].value.as_str()),
            (Some("-y="), "2")
        );

        let outside = classify(&words("/etc/hostname"), d.path(), d.path(), &none);
        assert!(outside[0].path.is_none());
        let excluded = classify(&words("a.txt"), d.path(), d.path(), &|v| v == "a.txt");
        assert!(excluded[0].path.is_none());
    }
}
