//! The terminal side of cloud-storage credentials: `Enter a value for '<name>'` prompts
//! (secret values are not echoed on a terminal) and `Store credentials?`.

use renku_lib::cloud_storage::StorageUri;
use renku_lib::cloud_storage::credentials::{CredentialField, CredentialPrompt, STORE_QUESTION};
use renku_lib::{Error, Result};

/// Asks for credentials on stderr, reading the answers from stdin.
#[derive(Debug, Default)]
pub struct TerminalCredentials;

impl CredentialPrompt for TerminalCredentials {
    fn ask_value(&mut self, _uri: &StorageUri, field: &CredentialField) -> Result<String> {
        let prompt = format!("{}: ", field.prompt());
        let answer = if field.secret && crate::ui::interactive() {
            ask_hidden(&prompt)
        } else {
            crate::ui::ask(&prompt)
        };
        answer.ok_or(Error::Aborted)
    }

    fn ask_store(&mut self, _uri: &StorageUri) -> Result<bool> {
        Ok(crate::ui::confirm(STORE_QUESTION))
    }
}

/// Reads a line from the terminal without echoing it.
#[cfg(unix)]
fn ask_hidden(prompt: &str) -> Option<String> {
    use rustix::termios::{LocalModes, OptionalActions, tcgetattr, tcsetattr};
    let stdin = std::io::stdin();
    let Ok(saved) = tcgetattr(&stdin) else {
        return crate::ui::ask(prompt);
    };
    let mut quiet = saved.clone();
    quiet.local_modes.remove(LocalModes::ECHO);
    if tcsetattr(&stdin, OptionalActions::Now, &quiet).is_err() {
        return crate::ui::ask(prompt);
    }
    let answer = crate::ui::ask(prompt);
    let _ = tcsetattr(&stdin, OptionalActions::Now, &saved);
    eprintln!();
    answer
}

#[cfg(not(unix))]
fn ask_hidden(prompt: &str) -> Option<String> {
    crate::ui::ask(prompt)
}
