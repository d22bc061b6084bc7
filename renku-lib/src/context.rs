//! What a command invocation tells the library: its arguments (for the commit message),
//! global switches, and how to tell the user that the command waits for the project lock.

use std::path::Path;

use crate::Result;
use crate::repo::lock::ProjectLock;
use crate::repo::transaction::Transaction;

/// Callback told who holds the project lock while a command waits for it.
pub type LockWaitNotice = Box<dyn Fn(Option<&str>)>;

/// The invocation of one command.
pub struct CommandContext {
    /// The command's arguments after the program name, as typed (recorded in commit messages).
    pub argv: Vec<String>,
    /// Whether Git LFS may be used (`-S/--no-external-storage` turns it off).
    pub external_storage: bool,
    /// Called once when the project lock is busy, with a description of its holder.
    pub on_lock_wait: LockWaitNotice,
}

impl CommandContext {
    /// A context for `argv` with external storage on and a silent lock wait.
    pub fn new(argv: Vec<String>) -> Self {
        CommandContext {
            argv,
            external_storage: true,
            on_lock_wait: Box::new(|_| {}),
        }
    }

    /// Takes the project lock and opens a transaction on the project at `root`.
    pub fn begin_transaction(&self, root: &Path) -> Result<Transaction> {
        Transaction::begin(root, self.lock(root)?)
    }

    /// Takes the project lock of the project at `root` (for commands that change the work
    /// tree without committing), announcing a wait through `on_lock_wait`.
    pub fn lock(&self, root: &Path) -> Result<ProjectLock> {
        let description = format!("renku {}", self.argv.join(" "));
        ProjectLock::acquire(root, &description, &mut |holder| {
            (self.on_lock_wait)(holder)
        })
    }
}
