//! The project lock: one writer at a time.
//!
//! The lock is an advisory `flock` on `<git dir>/renku/lock`. The kernel releases it when the
//! holding process ends in any way (even `kill -9`), so a stale lock file never blocks anyone:
//! only a live process can hold the lock. The file records who holds it, for the waiting
//! message. Readers never take the lock.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::IoContext;
use crate::{Error, Result};

/// Environment variable with the number of seconds to wait for the lock (default 60).
pub const LOCK_TIMEOUT_ENV: &str = "RENKU_LOCK_TIMEOUT";
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// A held project lock; released when dropped.
#[derive(Debug)]
pub struct ProjectLock {
    file: File,
    path: PathBuf,
}

/// How long to wait for the lock: `RENKU_LOCK_TIMEOUT` seconds, else 60 s.
pub fn configured_timeout() -> Duration {
    std::env::var(LOCK_TIMEOUT_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
        .unwrap_or(DEFAULT_TIMEOUT)
}

impl ProjectLock {
    /// Path of the lock file of the project at `root`.
    pub fn path_for(root: &Path) -> Result<PathBuf> {
        Ok(super::renku_git_dir(root)?.join("lock"))
    }

    /// Takes the lock of the project at `root`, waiting up to [`configured_timeout`].
    /// `on_wait` is called once, with the holder's description, if the lock is busy.
    pub fn acquire(
        root: &Path,
        description: &str,
        on_wait: &mut dyn FnMut(Option<&str>),
    ) -> Result<ProjectLock> {
        Self::acquire_with_timeout(root, description, configured_timeout(), on_wait)
    }

    /// Like [`ProjectLock::acquire`] with an explicit timeout.
    pub fn acquire_with_timeout(
        root: &Path,
        description: &str,
        timeout: Duration,
        on_wait: &mut dyn FnMut(Option<&str>),
    ) -> Result<ProjectLock> {
        let path = Self::path_for(root)?;
        let parent = path.parent().unwrap_or(root);
        std::fs::create_dir_all(parent)
            .io_context(|| format!("Cannot create {}", parent.display()))?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .io_context(|| format!("Cannot open the lock file {}", path.display()))?;
        let start = Instant::now();
        let mut told = false;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) => {
                    let holder = read_holder(&mut file);
                    if start.elapsed() >= timeout {
                        return Err(Error::Locked { holder });
                    }
                    if !told {
                        on_wait(holder.as_deref());
                        told = true;
                    }
                    crate::interrupt::check()?;
                    std::thread::sleep(POLL_INTERVAL);
                }
                Err(TryLockError::Error(e)) => {
                    return Err(Error::io(format!("Cannot lock {}", path.display()), e));
                }
            }
        }
        let holder = format!("process {} ({description})", std::process::id());
        // Best effort: the description only serves the waiting message of other processes.
        let _ = file
            .set_len(0)
            .and_then(|_| file.seek(SeekFrom::Start(0)))
            .and_then(|_| file.write_all(holder.as_bytes()));
        Ok(ProjectLock { file, path })
    }

    /// Takes the lock only if it is free right now.
    pub fn try_acquire(root: &Path, description: &str) -> Result<Option<ProjectLock>> {
        match Self::acquire_with_timeout(root, description, Duration::ZERO, &mut |_| {}) {
            Ok(lock) => Ok(Some(lock)),
            Err(Error::Locked { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Path of the lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn read_holder(file: &mut File) -> Option<String> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.read_to_string(&mut text).ok()?;
    let text = text.trim().to_string();
    (!text.is_empty()).then_some(text)
}

impl Drop for ProjectLock {
    fn drop(&mut self) {
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_times_out_and_first_release_frees_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        let first =
            ProjectLock::acquire_with_timeout(dir.path(), "first", Duration::ZERO, &mut |_| {})
                .unwrap();
        let mut waited_for = None;
        let err = ProjectLock::acquire_with_timeout(
            dir.path(),
            "second",
            Duration::from_millis(120),
            &mut |h| waited_for = h.map(str::to_string),
        )
        .unwrap_err();
        assert!(matches!(err, Error::Locked { .. }));
        assert!(waited_for.unwrap().contains("first"));
        drop(first);
        assert!(
            ProjectLock::try_acquire(dir.path(), "third")
                .unwrap()
                .is_some()
        );
    }
}
