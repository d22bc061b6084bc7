//! Configuration (`renku config`): built-in defaults, the global file `~/.renku/renku.ini` and
//! the project's `.renku/renku.ini`; later sources win.
//!
//! Keys are written `section.key`; a key without a dot belongs to section `renku`.

pub mod ops;

use std::path::{Path, PathBuf};

use crate::error::IoContext;
use crate::{Error, Result};

/// Repository-relative path of the project configuration file.
pub const LOCAL_CONFIG: &str = ".renku/renku.ini";

/// The built-in defaults, in the order `renku config show --default` prints them.
pub const DEFAULTS: &[(&str, &str, &str)] = &[
    ("interactive", "default_url", "/lab"),
    ("renku", "autocommit_lfs", "false"),
    ("renku", "lfs_threshold", "100kb"),
    ("renku", "check_datadir_files", "true"),
];

/// Keys that cannot change once set in the project configuration.
pub const READ_ONLY_KEYS: &[(&str, &str)] = &[("renku", "data_directory")];

/// Which configuration source to look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Defaults, global and local merged.
    Merged,
    /// Only the project file.
    Local,
    /// Only the user's global file.
    Global,
    /// Only the built-in defaults.
    Default,
}

/// Path of the user's global configuration file: `~/.renku/renku.ini`.
pub fn global_config_path() -> Result<PathBuf> {
    let home = std::env::home_dir()
        .filter(|h| !h.as_os_str().is_empty())
        .ok_or_else(|| {
            Error::Config("Cannot find the home directory for the global configuration.".into())
        })?;
    Ok(home.join(".renku").join("renku.ini"))
}

/// Splits `section.key` (or `key`, meaning `renku.key`).
pub fn split_key(key: &str) -> Result<(String, String)> {
    let key = key.trim();
    let (section, name) = match key.split_once('.') {
        Some((s, k)) => (s.trim(), k.trim()),
        None => ("renku", key),
    };
    if section.is_empty() || name.is_empty() || key.contains(['\n', '\r', '=', '[', ']']) {
        return Err(Error::Parameter(format!(
            "Invalid configuration key '{key}'."
        )));
    }
    Ok((section.to_string(), name.to_string()))
}

/// An ordered INI document (sections and keys keep the order they were written in).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IniDoc {
    sections: Vec<(String, Vec<(String, String)>)>,
}

impl IniDoc {
    /// Parses INI text (`key = value` or `key: value`, `#`/`;` comments, no quoting).
    pub fn parse(text: &str, origin: &str) -> Result<IniDoc> {
        let opt = ini::ParseOption {
            enabled_quote: false,
            enabled_escape: false,
            enabled_indented_mutiline_value: true,
            enabled_preserve_key_leading_whitespace: false,
        };
        let parsed = ini::Ini::load_from_str_opt(text, opt).map_err(|e| {
            Error::Config(format!("Cannot parse the configuration file {origin}: {e}"))
        })?;
        let mut doc = IniDoc::default();
        for (section, props) in parsed.iter() {
            let Some(section) = section else {
                if props.iter().next().is_some() {
                    return Err(Error::Config(format!(
                        "Cannot parse the configuration file {origin}: keys outside of a [section]"
                    )));
                }
                continue;
            };
            for (k, v) in props.iter() {
                doc.set(section, k, v);
            }
            if doc.sections.iter().all(|(s, _)| s != section) {
                doc.sections.push((section.to_string(), Vec::new()));
            }
        }
        Ok(doc)
    }

    /// Reads and parses `path`; a missing file gives an empty document.
    pub fn load(path: &Path) -> Result<IniDoc> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(&text, &path.display().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(IniDoc::default()),
            Err(e) => Err(Error::io(format!("Cannot read {}", path.display()), e)),
        }
    }

    /// The built-in defaults.
    pub fn defaults() -> IniDoc {
        let mut doc = IniDoc::default();
        for (s, k, v) in DEFAULTS {
            doc.set(s, k, v);
        }
        doc
    }

    /// The value of `section.key`.
    pub fn get(&self, section: &str, key: &str) -> Option<&str> {
        self.sections
            .iter()
            .find(|(s, _)| s == section)
            .and_then(|(_, kv)| kv.iter().find(|(k, _)| k == key))
            .map(|(_, v)| v.as_str())
    }

    /// Sets `section.key`, keeping its position if it exists.
    pub fn set(&mut self, section: &str, key: &str, value: &str) {
        let idx = match self.sections.iter().position(|(s, _)| s == section) {
            Some(i) => i,
            None => {
                self.sections.push((section.to_string(), Vec::new()));
                self.sections.len() - 1
            }
        };
        let kv = &mut self.sections[idx].1;
        match kv.iter_mut().find(|(k, _)| k == key) {
            Some(entry) => entry.1 = value.to_string(),
            None => kv.push((key.to_string(), value.to_string())),
        }
    }

    /// Removes `section.key`; returns whether it existed. An emptied section is dropped.
    pub fn remove(&mut self, section: &str, key: &str) -> bool {
        let Some(idx) = self.sections.iter().position(|(s, _)| s == section) else {
            return false;
        };
        let kv = &mut self.sections[idx].1;
        let before = kv.len();
        kv.retain(|(k, _)| k != key);
        let removed = kv.len() != before;
        if kv.is_empty() {
            self.sections.remove(idx);
        }
        removed
    }

    /// Removes a whole section; returns whether it existed.
    pub fn remove_section(&mut self, section: &str) -> bool {
        let before = self.sections.len();
        self.sections.retain(|(s, _)| s != section);
        before != self.sections.len()
    }

    /// Overlays `other` on `self` (values of `other` win).
    pub fn merge(&mut self, other: &IniDoc) {
        for (s, kv) in &other.sections {
            for (k, v) in kv {
                self.set(s, k, v);
            }
        }
    }

    /// Whether the document has no sections.
    pub fn is_empty(&self) -> bool {
        self.sections.is_empty()
    }

    /// Renders the document: `[section]`, `key = value` lines, a blank line after each section.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for (s, kv) in &self.sections {
            out.push_str(&format!("[{s}]\n"));
            for (k, v) in kv {
                out.push_str(&format!("{k} = {}\n", v.replace('\n', "\n\t")));
            }
            out.push('\n');
        }
        out
    }
}

/// The configuration of a project (or of the user outside a project).
#[derive(Debug, Clone)]
pub struct Config {
    /// Built-in defaults.
    pub defaults: IniDoc,
    /// The user's global file.
    pub global: IniDoc,
    /// The project's file, when inside a project.
    pub local: Option<IniDoc>,
}

impl Config {
    /// Loads defaults, the global file and (with a project root) the project file.
    pub fn load(project_root: Option<&Path>) -> Result<Config> {
        let global = IniDoc::load(&global_config_path()?)?;
        let local = match project_root {
            Some(root) => Some(IniDoc::load(&root.join(LOCAL_CONFIG))?),
            None => None,
        };
        Ok(Config {
            defaults: IniDoc::defaults(),
            global,
            local,
        })
    }

    /// The document for `scope`.
    pub fn document(&self, scope: Scope) -> IniDoc {
        match scope {
            Scope::Default => self.defaults.clone(),
            Scope::Global => self.global.clone(),
            Scope::Local => self.local.clone().unwrap_or_default(),
            Scope::Merged => {
                let mut doc = self.defaults.clone();
                doc.merge(&self.global);
                if let Some(local) = &self.local {
                    doc.merge(local);
                }
                doc
            }
        }
    }

    /// The effective value of `key` (`section.key` or `key`).
    pub fn value(&self, key: &str) -> Option<String> {
        let (s, k) = split_key(key).ok()?;
        self.document(Scope::Merged).get(&s, &k).map(str::to_string)
    }
}

/// Writes the global configuration file atomically, readable only by the user (it may hold
/// access tokens).
pub fn write_global(doc: &IniDoc) -> Result<()> {
    write_global_at(&global_config_path()?, doc)
}

/// Writes `doc` atomically to `path` as a global configuration file: readable only by the
/// user. [`write_global`] with an explicit location (tests, other homes).
pub fn write_global_at(path: &Path, doc: &IniDoc) -> Result<()> {
    let path = path.to_path_buf();
    crate::util::write_atomic(&path, doc.render().as_bytes(), None)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
            .io_context(|| format!("Cannot restrict permissions of {}", path.display()))?;
    }
    Ok(())
}

/// Parses a size such as `100kb`, `1.5mb` or `2g` (decimal units; `b`, `kb`, `mb`, `gb`,
/// `tb`, and the one-letter forms `k`, `m`, `g`, `t`, `p`, `e`, `z`, `y`) into bytes.
pub fn parse_size(text: &str) -> Result<u64> {
    let t = text.trim().to_ascii_lowercase();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let num: f64 = num
        .parse()
        .map_err(|_| Error::Config(format!("Invalid size '{text}'.")))?;
    let factor: f64 = match unit.trim() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "t" | "tb" => 1e12,
        "p" | "pb" => 1e15,
        "e" | "eb" => 1e18,
        "z" | "zb" | "y" | "yb" => return Ok(u64::MAX),
        other => {
            return Err(Error::Config(format!(
                "Invalid size unit '{other}' in '{text}'."
            )));
        }
    };
    Ok((num * factor).min(u64::MAX as f64) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_default_to_renku_section() {
        assert_eq!(
            split_key("lfs_threshold").unwrap(),
            ("renku".into(), "lfs_threshold".into())
        );
        assert_eq!(
            split_key("http.renku.example.org").unwrap(),
            ("http".into(), "renku.example.org".into())
        );
        assert!(split_key("a.").is_err());
        assert!(split_key("").is_err());
    }

    #[test]
    fn renders_like_configparser() {
        let doc = IniDoc::parse(
            "[interactive]\ndefault_url = /lab\n# c\n[renku]\nx: 1\n",
            "t",
        )
        .unwrap();
        assert_eq!(
            doc.render(),
            "[interactive]\ndefault_url = /lab\n\n[renku]\nx = 1\n\n"
        );
    }

    #[test]
    fn merge_overrides_and_removal_drops_empty_sections() {
        let mut a = IniDoc::defaults();
        let mut b = IniDoc::default();
        b.set("renku", "lfs_threshold", "1mb");
        a.merge(&b);
        assert_eq!(a.get("renku", "lfs_threshold"), Some("1mb"));
        assert!(b.remove("renku", "lfs_threshold"));
        assert!(b.is_empty());
    }

    #[test]
    fn sizes_parse_with_decimal_units() {
        assert_eq!(parse_size("100kb").unwrap(), 100_000);
        assert_eq!(parse_size("2M").unwrap(), 2_000_000);
        assert_eq!(parse_size("10").unwrap(), 10);
        assert!(parse_size("ten").is_err());
    }
}
