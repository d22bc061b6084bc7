//! Cooperative interruption (Ctrl-C).
//!
//! The command-line interface installs a signal handler that calls [`request`]. Long-running
//! library operations call [`check`] at safe points; a transaction that sees the request rolls
//! the repository back and returns [`Error::Interrupted`].

use std::sync::atomic::{AtomicBool, Ordering};

use crate::{Error, Result};

static REQUESTED: AtomicBool = AtomicBool::new(false);

/// Records that the user asked to stop (called from a signal handler).
pub fn request() {
    REQUESTED.store(true, Ordering::SeqCst);
}

/// Whether an interruption was requested.
pub fn is_requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}

/// Returns [`Error::Interrupted`] if an interruption was requested.
pub fn check() -> Result<()> {
    if is_requested() {
        Err(Error::Interrupted)
    } else {
        Ok(())
    }
}
