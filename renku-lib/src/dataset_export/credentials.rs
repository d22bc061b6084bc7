//! Access tokens of the export providers, kept in the user's global configuration
//! (`~/.renku/renku.ini`, mode 0600): `zenodo.access_token`, `dataverse.access_token`, and
//! the default Dataverse server `dataverse.server_url`.

use std::path::{Path, PathBuf};

use crate::Result;
use crate::config::{IniDoc, global_config_path, write_global_at};

use super::Provider;
use super::error::ExportError;

/// The global configuration file the export providers read their settings from and store
/// access tokens in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobalConfigFile {
    path: PathBuf,
}

impl GlobalConfigFile {
    /// The user's own global file, `~/.renku/renku.ini`.
    pub fn user() -> Result<Self> {
        Ok(Self::at(global_config_path()?))
    }

    /// A global configuration file at `path` (another home, tests).
    pub fn at(path: impl Into<PathBuf>) -> Self {
        GlobalConfigFile { path: path.into() }
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The value of `section.key`, re-reading the file (a missing file has no values).
    pub fn get(&self, section: &str, key: &str) -> Result<Option<String>> {
        let doc = IniDoc::load(&self.path)?;
        Ok(doc
            .get(section, key)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string))
    }

    /// Sets `section.key` and writes the file (mode 0600).
    pub fn set(&self, section: &str, key: &str, value: &str) -> Result<()> {
        let mut doc = IniDoc::load(&self.path)?;
        doc.set(section, key, value);
        write_global_at(&self.path, &doc)
    }

    /// Removes `section.key`; returns whether it was set. The file is only rewritten when
    /// something was removed.
    pub fn remove(&self, section: &str, key: &str) -> Result<bool> {
        let mut doc = IniDoc::load(&self.path)?;
        if !doc.remove(section, key) {
            return Ok(false);
        }
        write_global_at(&self.path, &doc)?;
        Ok(true)
    }
}

/// Asks the user for an access token (the CLI reads it from the terminal without echo).
pub trait TokenPrompt {
    /// Shows `message` (several lines, the last one the prompt itself) and returns the
    /// answer. An empty answer means no token.
    fn ask_token(&self, message: &str) -> Result<String>;
}

/// A prompt that never has an answer (non-interactive use): a missing token is an error.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoPrompt;

impl TokenPrompt for NoPrompt {
    fn ask_token(&self, _message: &str) -> Result<String> {
        Ok(String::new())
    }
}

/// The text shown when a token is missing: where to create one, then the prompt.
pub fn token_prompt_text(token_url: &str) -> String {
    format!("You must configure an access token\nCreate one at: {token_url}\nAccess token")
}

/// The access token for `provider`: the one in the global configuration, or else one asked
/// for with `prompt` (showing where to create it, `token_url`) and then stored in the global
/// configuration.
pub fn access_token(
    provider: Provider,
    config: &GlobalConfigFile,
    prompt: &dyn TokenPrompt,
    token_url: &str,
) -> Result<String> {
    let section = provider.config_section();
    if let Some(token) = config.get(section, "access_token")? {
        return Ok(token);
    }
    let answer = prompt.ask_token(&token_prompt_text(token_url))?;
    let token = answer.trim();
    if token.is_empty() {
        return Err(ExportError::NoToken {
            provider: provider.display_name(),
        }
        .into());
    }
    if token.contains(['\n', '\r']) {
        return Err(crate::Error::Parameter(
            "An access token cannot span several lines.".into(),
        ));
    }
    config.set(section, "access_token", token)?;
    tracing::debug!(
        "stored the {} access token in {}",
        provider.display_name(),
        config.path().display()
    );
    Ok(token.to_string())
}

/// Removes the stored access token of `provider` (after the server rejected it); returns
/// whether one was stored.
pub fn forget_token(provider: Provider, config: &GlobalConfigFile) -> Result<bool> {
    config.remove(provider.config_section(), "access_token")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    struct Answer(RefCell<Vec<String>>, &'static str);

    impl TokenPrompt for Answer {
        fn ask_token(&self, message: &str) -> Result<String> {
            self.0.borrow_mut().push(message.to_string());
            Ok(self.1.to_string())
        }
    }

    #[test]
    fn prompts_once_then_reads_the_stored_token() {
        let dir = tempfile::tempdir().unwrap();
        let config = GlobalConfigFile::at(dir.path().join("renku.ini"));
        let prompt = Answer(RefCell::new(Vec::new()), "  secret-1 \n");
        let url = "https://zenodo.org/account/settings/applications/tokens/new/";
        let token = access_token(Provider::Zenodo, &config, &prompt, url).unwrap();
        assert_eq!(token, "secret-1");
        assert_eq!(
            prompt.0.borrow().as_slice(),
            [format!(
                "You must configure an access token\nCreate one at: {url}\nAccess token"
            )]
        );
        let text = std::fs::read_to_string(config.path()).unwrap();
        assert_eq!(text, "[zenodo]\naccess_token = secret-1\n\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(config.path())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // Second call: no prompt.
        let again = access_token(Provider::Zenodo, &config, &prompt, url).unwrap();
        assert_eq!(again, "secret-1");
        assert_eq!(prompt.0.borrow().len(), 1);
        assert!(forget_token(Provider::Zenodo, &config).unwrap());
        assert!(!forget_token(Provider::Zenodo, &config).unwrap());
        assert_eq!(config.get("zenodo", "access_token").unwrap(), None);
    }

    #[test]
    fn empty_answer_is_an_error_and_stores_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let config = GlobalConfigFile::at(dir.path().join("renku.ini"));
        let err = access_token(Provider::Dataverse, &config, &NoPrompt, "u").unwrap_err();
        assert!(
            err.to_string()
                .contains("No access token was entered for Dataverse")
        );
        assert!(!config.path().exists());
    }

    #[test]
    fn keeps_other_settings_when_storing_and_forgetting() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("renku.ini");
        std::fs::write(&path, "[dataverse]\nserver_url = https://dv.example\n").unwrap();
        let config = GlobalConfigFile::at(&path);
        let prompt = Answer(RefCell::new(Vec::new()), "tok");
        access_token(Provider::Dataverse, &config, &prompt, "u").unwrap();
        assert!(forget_token(Provider::Dataverse, &config).unwrap());
        assert_eq!(
            config.get("dataverse", "server_url").unwrap().as_deref(),
            Some("https://dv.example")
        );
    }
}
