//! Credentials for cloud storage, kept out of every repository.
//!
//! [`resolve`] looks, in this order, at:
//! 1. the environment: `AWS_ACCESS_KEY_ID` + `AWS_SECRET_ACCESS_KEY` (+ `AWS_SESSION_TOKEN`)
//!    for S3; `AZURE_STORAGE_ACCOUNT_KEY` (or `AZURE_STORAGE_KEY`) for Azure, ignored when
//!    `AZURE_STORAGE_ACCOUNT` names another account than the URI's;
//! 2. the per-user credential file [`CredentialStore::global`]
//!    (`~/.renku/storage-credentials.json`, next to the global `renku.ini`, mode 0600), keyed
//!    by [`StorageUri::credential_key`] (`s3://<endpoint>/<bucket>`, `azure://<account>`) and
//!    then by the fallback keys (`s3://<endpoint>`, `azure://<account>/<container>`);
//! 3. a [`CredentialPrompt`], which asks for each [`CredentialField`] and then whether to
//!    store the answers (`Store credentials?`).
//!
//! Without any of them the storage is accessed anonymously (public buckets); a private one
//! then answers with [`super::StorageError::Auth`].

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{Provider, StorageError, StorageResult, StorageUri};

/// Credentials for one storage. Secrets never show in `Debug` output.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Credentials {
    /// No credentials: unsigned requests (public buckets and containers).
    Anonymous,
    /// An S3 access key.
    S3 {
        /// Access key id.
        access_key_id: String,
        /// Secret access key.
        secret_access_key: String,
        /// Session token of temporary credentials.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        session_token: Option<String>,
    },
    /// An Azure storage account key (base64), for Shared Key authorization.
    AzureSharedKey {
        /// The account key as the Azure portal shows it.
        account_key: String,
    },
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Anonymous => f.write_str("Anonymous"),
            Credentials::S3 {
                access_key_id,
                session_token,
                ..
            } => f
                .debug_struct("S3")
                .field("access_key_id", access_key_id)
                .field("secret_access_key", &"<redacted>")
                .field(
                    "session_token",
                    &session_token.as_ref().map(|_| "<redacted>"),
                )
                .finish(),
            Credentials::AzureSharedKey { .. } => f
                .debug_struct("AzureSharedKey")
                .field("account_key", &"<redacted>")
                .finish(),
        }
    }
}

impl Credentials {
    /// Whether these credentials can be used for `provider`.
    pub fn fits(&self, provider: Provider) -> bool {
        matches!(
            (self, provider),
            (Credentials::Anonymous, _)
                | (Credentials::S3 { .. }, Provider::S3)
                | (Credentials::AzureSharedKey { .. }, Provider::Azure)
        )
    }

    /// The credentials `provider` needs, from the answers to [`fields`]`(provider)` in order.
    pub fn from_answers(provider: Provider, answers: &[String]) -> StorageResult<Credentials> {
        let answer = |i: usize| answers.get(i).map(|a| a.trim().to_string());
        let missing = || StorageError::InvalidCredentials {
            uri: provider.scheme().to_string(),
            reason: "a required value is empty".into(),
        };
        match provider {
            Provider::S3 => {
                let id = answer(0).filter(|a| !a.is_empty()).ok_or_else(missing)?;
                let secret = answer(1).filter(|a| !a.is_empty()).ok_or_else(missing)?;
                Ok(Credentials::S3 {
                    access_key_id: id,
                    secret_access_key: secret,
                    session_token: None,
                })
            }
            Provider::Azure => {
                let key = answer(0).filter(|a| !a.is_empty()).ok_or_else(missing)?;
                Ok(Credentials::AzureSharedKey { account_key: key })
            }
        }
    }
}

/// One value a [`CredentialPrompt`] asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CredentialField {
    /// The name shown to the user (`Access Key ID`).
    pub name: &'static str,
    /// Whether the answer is secret (the prompt should not echo it).
    pub secret: bool,
}

impl CredentialField {
    /// The prompt text: `Enter a value for '<name>'`.
    pub fn prompt(&self) -> String {
        format!("Enter a value for '{}'", self.name)
    }
}

/// The question asked after the values were entered.
pub const STORE_QUESTION: &str = "Store credentials?";

/// The values to ask for, in order, for `provider`.
pub fn fields(provider: Provider) -> &'static [CredentialField] {
    match provider {
        Provider::S3 => &[
            CredentialField {
                name: "Access Key ID",
                secret: false,
            },
            CredentialField {
                name: "Secret Access Key",
                secret: true,
            },
        ],
        Provider::Azure => &[CredentialField {
            name: "Account Key",
            secret: true,
        }],
    }
}

/// Asks the user for credentials (the CLI implements it on the terminal).
pub trait CredentialPrompt {
    /// Asks for one value ([`CredentialField::prompt`] is the text to show).
    fn ask_value(&mut self, uri: &StorageUri, field: &CredentialField) -> crate::Result<String>;
    /// Asks [`STORE_QUESTION`]; `true` stores the credentials in the credential file.
    fn ask_store(&mut self, uri: &StorageUri) -> crate::Result<bool>;
}

/// Where resolved credentials came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialSource {
    /// Environment variables.
    Environment,
    /// The credential file, under this key.
    Store(String),
    /// The prompt (and whether they were stored).
    Prompt {
        /// Whether the user chose to store them.
        stored: bool,
    },
    /// Nothing was found: anonymous access.
    None,
}

/// Credentials and their origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The credentials.
    pub credentials: Credentials,
    /// Where they came from.
    pub source: CredentialSource,
}

/// The credentials in the environment `env` for `uri`, if complete.
pub fn from_env(uri: &StorageUri, env: &dyn Fn(&str) -> Option<String>) -> Option<Credentials> {
    let get = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    match uri.provider() {
        Provider::S3 => Some(Credentials::S3 {
            access_key_id: get("AWS_ACCESS_KEY_ID")?,
            secret_access_key: get("AWS_SECRET_ACCESS_KEY")?,
            session_token: get("AWS_SESSION_TOKEN"),
        }),
        Provider::Azure => {
            if let Some(account) = get("AZURE_STORAGE_ACCOUNT")
                && Some(account.trim()) != uri.account()
            {
                return None;
            }
            let key = get("AZURE_STORAGE_ACCOUNT_KEY").or_else(|| get("AZURE_STORAGE_KEY"))?;
            Some(Credentials::AzureSharedKey { account_key: key })
        }
    }
}

/// Finds credentials for `uri`: environment (`env`), then `store`, then `prompt` (when given;
/// answers are saved in `store` if the user says so), else anonymous.
pub fn resolve(
    uri: &StorageUri,
    store: &CredentialStore,
    env: &dyn Fn(&str) -> Option<String>,
    prompt: Option<&mut dyn CredentialPrompt>,
) -> crate::Result<Resolved> {
    if let Some(credentials) = from_env(uri, env) {
        return Ok(Resolved {
            credentials,
            source: CredentialSource::Environment,
        });
    }
    if let Some((key, credentials)) = store.find(uri)? {
        return Ok(Resolved {
            credentials,
            source: CredentialSource::Store(key),
        });
    }
    let Some(prompt) = prompt else {
        return Ok(Resolved {
            credentials: Credentials::Anonymous,
            source: CredentialSource::None,
        });
    };
    let mut answers = Vec::new();
    for field in fields(uri.provider()) {
        answers.push(prompt.ask_value(uri, field)?);
    }
    let credentials = Credentials::from_answers(uri.provider(), &answers)?;
    let stored = prompt.ask_store(uri)?;
    if stored {
        store.save(uri, &credentials)?;
    }
    Ok(Resolved {
        credentials,
        source: CredentialSource::Prompt { stored },
    })
}

/// [`resolve`] with the process environment and the global credential file.
pub fn resolve_default(
    uri: &StorageUri,
    prompt: Option<&mut dyn CredentialPrompt>,
) -> crate::Result<Resolved> {
    let store = CredentialStore::global()?;
    resolve(uri, &store, &|name| std::env::var(name).ok(), prompt)
}

/// The per-user credential file: JSON `{"version": 1, "credentials": {<key>: {...}}}`,
/// written atomically with mode 0600.
#[derive(Debug, Clone)]
pub struct CredentialStore {
    path: PathBuf,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct StoreFile {
    version: u32,
    #[serde(default)]
    credentials: BTreeMap<String, Credentials>,
}

/// File name of the credential file in the global configuration directory.
pub const STORE_FILE_NAME: &str = "storage-credentials.json";

impl CredentialStore {
    /// The credential file beside the global configuration (`~/.renku/`).
    pub fn global() -> crate::Result<CredentialStore> {
        let config = crate::config::global_config_path()?;
        let dir = config.parent().unwrap_or(Path::new("."));
        Ok(CredentialStore::at(dir.join(STORE_FILE_NAME)))
    }

    /// A credential file at `path`.
    pub fn at(path: impl Into<PathBuf>) -> CredentialStore {
        CredentialStore { path: path.into() }
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn load(&self) -> StorageResult<StoreFile> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(StoreFile {
                    version: 1,
                    ..StoreFile::default()
                });
            }
            Err(e) => {
                return Err(StorageError::io(
                    format!("Cannot read {}", self.path.display()),
                    e,
                ));
            }
        };
        #[cfg(unix)]
        if let Ok(meta) = std::fs::metadata(&self.path) {
            use std::os::unix::fs::PermissionsExt;
            if meta.permissions().mode() & 0o077 != 0 {
                tracing::warn!(
                    "{} is readable by other users; it should have mode 0600",
                    self.path.display()
                );
            }
        }
        let file: StoreFile = serde_json::from_str(&text).map_err(|e| {
            StorageError::CredentialStore(format!(
                "Cannot parse the credential file {}: {e}\nHint: fix or remove the file.",
                self.path.display()
            ))
        })?;
        if file.version != 1 {
            return Err(StorageError::CredentialStore(format!(
                "The credential file {} has version {}, this renku reads version 1.",
                self.path.display(),
                file.version
            )));
        }
        Ok(file)
    }

    fn write(&self, file: &StoreFile) -> StorageResult<()> {
        let text = serde_json::to_string_pretty(file).map_err(|e| {
            StorageError::CredentialStore(format!("Cannot encode credentials: {e}"))
        })?;
        let dir = self.path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)
            .map_err(|e| StorageError::io(format!("Cannot create {}", dir.display()), e))?;
        // The temporary file is created with mode 0600, so the secrets are never readable by
        // others, not even for a moment.
        let mut tmp = tempfile::Builder::new()
            .prefix(".renku-tmp-")
            .tempfile_in(dir)
            .map_err(|e| {
                StorageError::io(format!("Cannot create a file in {}", dir.display()), e)
            })?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            tmp.as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o600))
                .map_err(|e| {
                    StorageError::io(format!("Cannot restrict {}", self.path.display()), e)
                })?;
        }
        use std::io::Write;
        tmp.write_all(format!("{text}\n").as_bytes())
            .and_then(|()| tmp.as_file().sync_all())
            .map_err(|e| StorageError::io(format!("Cannot write {}", self.path.display()), e))?;
        tmp.persist(&self.path).map_err(|e| {
            StorageError::io(format!("Cannot write {}", self.path.display()), e.error)
        })?;
        Ok(())
    }

    /// The stored credentials for `uri` and the key they were found under (the exact key
    /// first, then the fallback keys).
    pub fn find(&self, uri: &StorageUri) -> StorageResult<Option<(String, Credentials)>> {
        let file = self.load()?;
        let keys = std::iter::once(uri.credential_key()).chain(uri.credential_fallback_keys());
        for key in keys {
            if let Some(c) = file.credentials.get(&key)
                && c.fits(uri.provider())
            {
                return Ok(Some((key, c.clone())));
            }
        }
        Ok(None)
    }

    /// Stores `credentials` under `uri`'s [`StorageUri::credential_key`].
    pub fn save(&self, uri: &StorageUri, credentials: &Credentials) -> StorageResult<()> {
        if *credentials == Credentials::Anonymous || !credentials.fits(uri.provider()) {
            return Err(StorageError::InvalidCredentials {
                uri: uri.to_string(),
                reason: format!("these are not {} credentials", uri.provider()),
            });
        }
        let mut file = self.load()?;
        file.version = 1;
        file.credentials
            .insert(uri.credential_key(), credentials.clone());
        self.write(&file)
    }

    /// Removes the credentials stored under `uri`'s key; whether there were any.
    pub fn remove(&self, uri: &StorageUri) -> StorageResult<bool> {
        let mut file = self.load()?;
        let removed = file.credentials.remove(&uri.credential_key()).is_some();
        if removed {
            self.write(&file)?;
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Scripted {
        answers: Vec<String>,
        store: bool,
        asked: Vec<String>,
    }

    impl CredentialPrompt for Scripted {
        fn ask_value(
            &mut self,
            _uri: &StorageUri,
            field: &CredentialField,
        ) -> crate::Result<String> {
            self.asked.push(field.prompt());
            Ok(self.answers.remove(0))
        }
        fn ask_store(&mut self, _uri: &StorageUri) -> crate::Result<bool> {
            self.asked.push(STORE_QUESTION.to_string());
            Ok(self.store)
        }
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn environment_wins_and_is_complete_or_ignored() {
        let uri = StorageUri::parse("s3://s3.amazonaws.com/bucket/x").unwrap();
        let env = |k: &str| match k {
            "AWS_ACCESS_KEY_ID" => Some("AKIA1".to_string()),
            "AWS_SECRET_ACCESS_KEY" => Some("secret".to_string()),
            _ => None,
        };
        assert_eq!(
            from_env(&uri, &env),
            Some(Credentials::S3 {
                access_key_id: "AKIA1".into(),
                secret_access_key: "secret".into(),
                session_token: None
            })
        );
        let half = |k: &str| (k == "AWS_ACCESS_KEY_ID").then(|| "AKIA1".to_string());
        assert_eq!(from_env(&uri, &half), None);

        let az = StorageUri::parse("azure://acct1/cont").unwrap();
        let azenv = |k: &str| match k {
            "AZURE_STORAGE_KEY" => Some("a2V5".to_string()),
            "AZURE_STORAGE_ACCOUNT" => Some("other".to_string()),
            _ => None,
        };
        assert_eq!(from_env(&az, &azenv), None, "key of another account");
        let azenv = |k: &str| (k == "AZURE_STORAGE_ACCOUNT_KEY").then(|| "a2V5".to_string());
        assert_eq!(
            from_env(&az, &azenv),
            Some(Credentials::AzureSharedKey {
                account_key: "a2V5".into()
            })
        );
    }

    #[test]
    fn prompted_credentials_are_stored_with_mode_0600_and_found_again() {
        let dir = tempfile::tempdir().unwrap();
        let store = CredentialStore::at(dir.path().join("renku").join(STORE_FILE_NAME));
        let uri = StorageUri::parse("s3://127.0.0.1:5000/bucket/data").unwrap();
        let mut prompt = Scripted {
            answers: vec!["AKIAX".into(), "s3cr3t".into()],
            store: true,
            asked: vec![],
        };
        let got = resolve(&uri, &store, &no_env, Some(&mut prompt)).unwrap();
        assert_eq!(got.source, CredentialSource::Prompt { stored: true });
        assert_eq!(
            prompt.asked,
            vec![
                "Enter a value for 'Access Key ID'",
                "Enter a value for 'Secret Access Key'",
                "Store credentials?"
            ]
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(store.path())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let text = std::fs::read_to_string(store.path()).unwrap();
        assert!(text.contains("\"s3://127.0.0.1:5000/bucket\""), "{text}");

        // Another path in the same bucket finds them without asking.
        let other = uri.with_path("elsewhere");
        let again = resolve(&other, &store, &no_env, None).unwrap();
        assert_eq!(again.credentials, got.credentials);
        assert_eq!(
            again.source,
            CredentialSource::Store("s3://127.0.0.1:5000/bucket".into())
        );
        // Another bucket of the endpoint does not.
        let bucket2 = StorageUri::parse("s3://127.0.0.1:5000/bucket2").unwrap();
        let none = resolve(&bucket2, &store, &no_env, None).unwrap();
        assert_eq!(none.credentials, Credentials::Anonymous);
        assert!(store.remove(&uri).unwrap());
        assert!(!store.remove(&uri).unwrap());
        assert_eq!(store.find(&uri).unwrap(), None);
    }

    #[test]
    fn declined_store_writes_nothing_and_secrets_stay_out_of_debug() {
        let dir = tempfile::tempdir().unwrap();
        let store = CredentialStore::at(dir.path().join(STORE_FILE_NAME));
        let uri = StorageUri::parse("azure://acct1/cont").unwrap();
        let mut prompt = Scripted {
            answers: vec!["c2VjcmV0a2V5".into()],
            store: false,
            asked: vec![],
        };
        let got = resolve(&uri, &store, &no_env, Some(&mut prompt)).unwrap();
        assert_eq!(
            prompt.asked,
            vec!["Enter a value for 'Account Key'", "Store credentials?"]
        );
        assert!(!store.path().exists());
        assert!(!format!("{got:?}").contains("c2VjcmV0a2V5"));
    }

    #[test]
    fn a_damaged_credential_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(STORE_FILE_NAME);
        std::fs::write(&path, "{not json").unwrap();
        let store = CredentialStore::at(&path);
        let uri = StorageUri::parse("s3://e.org/bucket").unwrap();
        let err = store.find(&uri).unwrap_err().to_string();
        assert!(err.contains("Cannot parse the credential file"), "{err}");
        let mut prompt = Scripted {
            answers: vec![" ".into(), "x".into()],
            store: false,
            asked: vec![],
        };
        let empty = CredentialStore::at(dir.path().join("other.json"));
        let err = resolve(&uri, &empty, &no_env, Some(&mut prompt)).unwrap_err();
        assert!(err.to_string().contains("empty"), "{err}");
    }
}
