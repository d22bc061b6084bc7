//! Where login tokens are kept: the OS keyring when one answers, else a file only the user
//! can read.
//!
//! * [`KeyringStore`]: the freedesktop Secret Service over D-Bus (GNOME Keyring, KWallet,
//!   KeePassXC …), one item per host: service `renku`, user `host[:port]`.
//! * [`FileStore`]: `~/.renku/tokens.json` (next to the global `renku.ini`), mode `0600`,
//!   written atomically.
//! * [`open_default`]: the store `RENKU_TOKEN_STORE` asks for — `file`, `keyring`, or `auto`
//!   (the default): the keyring, falling back to the file when no keyring service answers
//!   (no D-Bus session in CI, containers, servers) or when it refuses a token.
//!
//! [`StoredTokens`] hands the stored tokens to the dataset providers
//! ([`crate::dataset_remote::TokenSource`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use serde::{Deserialize, Serialize};

use super::{PlatformError, Result};

/// Environment variable choosing the token store: `auto` (default), `keyring` or `file`.
pub const TOKEN_STORE_ENV: &str = "RENKU_TOKEN_STORE";
/// The keyring service name of renku's items.
pub const KEYRING_SERVICE: &str = "renku";
/// File name of the file store, in the global configuration directory.
pub const TOKEN_FILE: &str = "tokens.json";

/// A place to keep one access token per Renku host (`host[:port]`).
pub trait TokenStore: Send + Sync {
    /// A name for messages: `keyring`, or the file's path.
    fn name(&self) -> String;
    /// The token stored for `host`.
    fn get(&self, host: &str) -> Result<Option<String>>;
    /// Stores `token` for `host`, replacing any earlier one.
    fn set(&self, host: &str, token: &str) -> Result<()>;
    /// Removes the token of `host`; whether there was one.
    fn remove(&self, host: &str) -> Result<bool>;
    /// The hosts that have a token, sorted.
    fn hosts(&self) -> Result<Vec<String>>;
}

fn store_error(action: &'static str, store: &str, detail: impl std::fmt::Display) -> PlatformError {
    PlatformError::TokenStore {
        action,
        store: store.to_string(),
        detail: detail.to_string(),
    }
}

// ---- the file ----

/// Tokens in a JSON file readable only by the user.
#[derive(Debug, Clone)]
pub struct FileStore {
    path: PathBuf,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct TokenFile {
    #[serde(default)]
    tokens: BTreeMap<String, FileEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct FileEntry {
    access_token: String,
}

impl FileStore {
    /// The store at `path`.
    pub fn at(path: impl Into<PathBuf>) -> FileStore {
        FileStore { path: path.into() }
    }

    /// The user's store: `tokens.json` in the global configuration directory (`~/.renku/`).
    pub fn user() -> Result<FileStore> {
        let config = crate::config::global_config_path()
            .map_err(|e| PlatformError::StoreUnavailable(e.to_string()))?;
        let dir = config.parent().unwrap_or(Path::new("."));
        Ok(FileStore::at(dir.join(TOKEN_FILE)))
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn load(&self, action: &'static str) -> Result<TokenFile> {
        let bytes = match std::fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(TokenFile::default()),
            Err(e) => return Err(store_error(action, &self.name(), e)),
        };
        warn_if_readable_by_others(&self.path);
        serde_json::from_slice(&bytes).map_err(|e| {
            store_error(
                action,
                &self.name(),
                format!("the file is damaged ({e}); remove it and log in again"),
            )
        })
    }

    fn save(&self, file: &TokenFile) -> Result<()> {
        let mut text = serde_json::to_string_pretty(file)
            .map_err(|e| store_error("store", &self.name(), e))?;
        text.push('\n');
        // The temporary file is created with mode 0600, so the token is never readable by
        // others, not even for a moment.
        crate::util::write_atomic(&self.path, text.as_bytes(), None)
            .map_err(|e| store_error("store", &self.name(), e))?;
        restrict_permissions(&self.path).map_err(|e| store_error("store", &self.name(), e))
    }
}

#[cfg(unix)]
fn restrict_permissions(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn restrict_permissions(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(unix)]
fn warn_if_readable_by_others(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(
            "{} can be read by other users; run 'chmod 600 {}'",
            path.display(),
            path.display()
        );
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_path: &Path) {}

impl TokenStore for FileStore {
    fn name(&self) -> String {
        self.path.display().to_string()
    }

    fn get(&self, host: &str) -> Result<Option<String>> {
        Ok(self
            .load("read")?
            .tokens
            .get(host)
            .map(|e| e.access_token.clone()))
    }

    fn set(&self, host: &str, token: &str) -> Result<()> {
        let mut file = self.load("store")?;
        file.tokens.insert(
            host.to_string(),
            FileEntry {
                access_token: token.to_string(),
            },
        );
        self.save(&file)
    }

    fn remove(&self, host: &str) -> Result<bool> {
        let mut file = self.load("remove")?;
        if file.tokens.remove(host).is_none() {
            return Ok(false);
        }
        self.save(&file)?;
        Ok(true)
    }

    fn hosts(&self) -> Result<Vec<String>> {
        Ok(self.load("read")?.tokens.into_keys().collect())
    }
}

// ---- the keyring ----

/// Tokens in the OS keyring (the Secret Service on Linux and the BSDs).
pub struct KeyringStore {
    store: std::sync::Arc<keyring_core::CredentialStore>,
}

impl std::fmt::Debug for KeyringStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyringStore").finish_non_exhaustive()
    }
}

impl KeyringStore {
    /// Connects to the keyring service; fails when none answers.
    #[cfg(all(
        unix,
        not(any(target_os = "macos", target_os = "ios", target_os = "android"))
    ))]
    pub fn connect() -> Result<KeyringStore> {
        let store = zbus_secret_service_keyring_store::Store::new().map_err(|e| {
            PlatformError::StoreUnavailable(format!("No keyring service answers: {e}"))
        })?;
        Ok(KeyringStore { store })
    }

    /// Connects to the keyring service; this build has none for this operating system.
    #[cfg(not(all(
        unix,
        not(any(target_os = "macos", target_os = "ios", target_os = "android"))
    )))]
    pub fn connect() -> Result<KeyringStore> {
        Err(PlatformError::StoreUnavailable(
            "This build of renku has no keyring support for this operating system.".into(),
        ))
    }

    fn entry(&self, action: &'static str, host: &str) -> Result<keyring_core::Entry> {
        keyring_core::Entry::new_in_store(&self.store, KEYRING_SERVICE, host)
            .map_err(|e| store_error(action, "keyring", e))
    }
}

impl TokenStore for KeyringStore {
    fn name(&self) -> String {
        "keyring".to_string()
    }

    fn get(&self, host: &str) -> Result<Option<String>> {
        match self.entry("read", host)?.get_password() {
            Ok(token) => Ok(Some(token)),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(store_error("read", "keyring", e)),
        }
    }

    fn set(&self, host: &str, token: &str) -> Result<()> {
        self.entry("store", host)?
            .set_password(token)
            .map_err(|e| store_error("store", "keyring", e))
    }

    fn remove(&self, host: &str) -> Result<bool> {
        match self.entry("remove", host)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring_core::Error::NoEntry) => Ok(false),
            Err(e) => Err(store_error("remove", "keyring", e)),
        }
    }

    fn hosts(&self) -> Result<Vec<String>> {
        let spec = std::collections::HashMap::from([("service", KEYRING_SERVICE)]);
        let entries = keyring_core::Entry::search_in_store(&self.store, &spec)
            .map_err(|e| store_error("read", "keyring", e))?;
        let mut hosts: Vec<String> = entries
            .iter()
            .filter_map(|e| e.get_specifiers())
            .filter(|(service, _)| service == KEYRING_SERVICE)
            .map(|(_, user)| user)
            .collect();
        hosts.sort();
        hosts.dedup();
        Ok(hosts)
    }
}

// ---- the keyring with the file behind it ----

/// The keyring first, the file for what the keyring cannot take (and for tokens stored
/// there while no keyring answered).
#[derive(Debug)]
pub struct LayeredStore {
    keyring: KeyringStore,
    file: FileStore,
}

impl LayeredStore {
    /// The keyring, backed by `file`.
    pub fn new(keyring: KeyringStore, file: FileStore) -> LayeredStore {
        LayeredStore { keyring, file }
    }
}

impl TokenStore for LayeredStore {
    fn name(&self) -> String {
        self.keyring.name()
    }

    fn get(&self, host: &str) -> Result<Option<String>> {
        match self.keyring.get(host) {
            Ok(Some(token)) => return Ok(Some(token)),
            Ok(None) => {}
            Err(e) => tracing::warn!("{e}"),
        }
        self.file.get(host)
    }

    fn set(&self, host: &str, token: &str) -> Result<()> {
        match self.keyring.set(host, token) {
            Ok(()) => {
                // An older token in the file would outlive a logout of the keyring's one.
                self.file.remove(host)?;
                Ok(())
            }
            Err(e) => {
                tracing::warn!("{e}; storing it in {} instead", self.file.name());
                self.file.set(host, token)
            }
        }
    }

    fn remove(&self, host: &str) -> Result<bool> {
        let in_keyring = self.keyring.remove(host)?;
        let in_file = self.file.remove(host)?;
        Ok(in_keyring || in_file)
    }

    fn hosts(&self) -> Result<Vec<String>> {
        let mut hosts = self.keyring.hosts()?;
        hosts.extend(self.file.hosts()?);
        hosts.sort();
        hosts.dedup();
        Ok(hosts)
    }
}

// ---- in memory ----

/// Tokens in memory (notebooks and tests that must not touch the user's stores).
#[derive(Debug, Default)]
pub struct MemoryStore {
    tokens: Mutex<BTreeMap<String, String>>,
}

impl MemoryStore {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, String>> {
        self.tokens.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl TokenStore for MemoryStore {
    fn name(&self) -> String {
        "memory".to_string()
    }

    fn get(&self, host: &str) -> Result<Option<String>> {
        Ok(self.lock().get(host).cloned())
    }

    fn set(&self, host: &str, token: &str) -> Result<()> {
        self.lock().insert(host.to_string(), token.to_string());
        Ok(())
    }

    fn remove(&self, host: &str) -> Result<bool> {
        Ok(self.lock().remove(host).is_some())
    }

    fn hosts(&self) -> Result<Vec<String>> {
        Ok(self.lock().keys().cloned().collect())
    }
}

// ---- choosing ----

/// Which store `RENKU_TOKEN_STORE` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreChoice {
    /// The keyring when it answers, else the file.
    Auto,
    /// Only the keyring (an error when none answers).
    Keyring,
    /// Only the file.
    File,
}

impl StoreChoice {
    /// The choice in the environment (`auto` when unset or empty).
    pub fn from_env() -> Result<StoreChoice> {
        match std::env::var(TOKEN_STORE_ENV) {
            Ok(v) => StoreChoice::parse(&v),
            Err(_) => Ok(StoreChoice::Auto),
        }
    }

    /// Parses `auto`, `keyring` or `file` (case-insensitive; empty means `auto`).
    pub fn parse(text: &str) -> Result<StoreChoice> {
        match text.trim().to_ascii_lowercase().as_str() {
            "" | "auto" | "default" => Ok(StoreChoice::Auto),
            "keyring" => Ok(StoreChoice::Keyring),
            "file" => Ok(StoreChoice::File),
            other => Err(PlatformError::StoreUnavailable(format!(
                "{TOKEN_STORE_ENV}={other} names no token store; use auto, keyring or file."
            ))),
        }
    }
}

/// The store `RENKU_TOKEN_STORE` chooses (see the module documentation).
pub fn open_default() -> Result<Box<dyn TokenStore>> {
    let file = FileStore::user()?;
    match StoreChoice::from_env()? {
        StoreChoice::File => Ok(Box::new(file)),
        StoreChoice::Keyring => Ok(Box::new(KeyringStore::connect()?)),
        StoreChoice::Auto => match KeyringStore::connect() {
            Ok(keyring) => Ok(Box::new(LayeredStore::new(keyring, file))),
            Err(e) => {
                tracing::debug!("{e}; tokens are kept in {}", file.name());
                Ok(Box::new(file))
            }
        },
    }
}

/// The stored tokens as a [`crate::dataset_remote::TokenSource`]; the store is opened on the
/// first lookup, so commands that never need a token never touch it.
#[derive(Default)]
pub struct StoredTokens {
    store: OnceLock<Option<Box<dyn TokenStore>>>,
}

impl std::fmt::Debug for StoredTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredTokens").finish_non_exhaustive()
    }
}

impl StoredTokens {
    /// Tokens from [`open_default`].
    pub fn new() -> StoredTokens {
        StoredTokens::default()
    }

    /// Tokens from `store`.
    pub fn with_store(store: Box<dyn TokenStore>) -> StoredTokens {
        let cell = OnceLock::new();
        let _ = cell.set(Some(store));
        StoredTokens { store: cell }
    }
}

impl crate::dataset_remote::TokenSource for StoredTokens {
    fn token(&self, host: &str) -> Option<String> {
        let store = self.store.get_or_init(|| match open_default() {
            Ok(s) => Some(s),
            Err(e) => {
                tracing::warn!("{e}");
                None
            }
        });
        match store.as_ref()?.get(host) {
            Ok(token) => token,
            Err(e) => {
                tracing::warn!("{e}");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset_remote::TokenSource;

    #[test]
    fn file_store_keeps_tokens_per_host_in_a_private_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::at(dir.path().join("sub/tokens.json"));
        assert_eq!(store.get("a.org").unwrap(), None);
        assert!(store.hosts().unwrap().is_empty());
        store.set("a.org", "t1").unwrap();
        store.set("b.org:8443", "t2").unwrap();
        store.set("a.org", "t3").unwrap();
        assert_eq!(store.get("a.org").unwrap().as_deref(), Some("t3"));
        assert_eq!(store.get("b.org:8443").unwrap().as_deref(), Some("t2"));
        assert_eq!(store.get("b.org").unwrap(), None);
        assert_eq!(store.hosts().unwrap(), vec!["a.org", "b.org:8443"]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(store.path())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
        }
        assert!(store.remove("a.org").unwrap());
        assert!(!store.remove("a.org").unwrap());
        assert_eq!(store.hosts().unwrap(), vec!["b.org:8443"]);
    }

    #[cfg(unix)]
    #[test]
    fn file_store_makes_a_too_open_file_private_again_when_writing() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.json");
        std::fs::write(&path, r#"{"tokens":{"x.org":{"access_token":"old"}}}"#).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let store = FileStore::at(&path);
        assert_eq!(store.get("x.org").unwrap().as_deref(), Some("old"));
        store.set("y.org", "new").unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
        assert_eq!(store.get("x.org").unwrap().as_deref(), Some("old"));
    }

    #[test]
    fn a_damaged_file_is_a_clear_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.json");
        std::fs::write(&path, "{not json").unwrap();
        let store = FileStore::at(&path);
        let err = store.get("x.org").unwrap_err();
        assert!(err.to_string().contains("damaged"), "{err}");
        assert!(store.set("x.org", "t").is_err());
        // Nothing was overwritten.
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{not json");
    }

    #[test]
    fn store_choices_parse() {
        assert_eq!(StoreChoice::parse("").unwrap(), StoreChoice::Auto);
        assert_eq!(StoreChoice::parse("FILE").unwrap(), StoreChoice::File);
        assert_eq!(StoreChoice::parse("keyring").unwrap(), StoreChoice::Keyring);
        assert!(StoreChoice::parse("vault").is_err());
    }

    #[test]
    fn stored_tokens_answer_for_their_host_only() {
        let memory = MemoryStore::default();
        memory.set("renku.example.org", "jwt").unwrap();
        let tokens = StoredTokens::with_store(Box::new(memory));
        assert_eq!(tokens.token("renku.example.org").as_deref(), Some("jwt"));
        assert_eq!(tokens.token("other.org"), None);
    }
}
