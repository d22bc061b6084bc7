//! What the server last recorded about each signed-in user, so that a request writes the
//! user to the store only when something changed.
//!
//! Every authenticated request names its user; writing that user to the database each time
//! would put a write (and a blocking-thread hop) on every request, read-only ones included.
//! [`SeenUsers`] remembers, per subject, the record last written and when: a request writes
//! again only when the user is new to this process, one of the recorded fields (user name,
//! email, name) changed, or the last write is older than the refresh interval (so that the
//! "last seen" time stays roughly current).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::store::UserRecord;

/// How long a recorded user is not written again when nothing changed.
pub const DEFAULT_REFRESH: Duration = Duration::from_secs(3600);

/// How many users are remembered at most; beyond that, entries due for a refresh are dropped
/// first, then everything (a forgotten user costs one more write, nothing else).
pub const DEFAULT_CAPACITY: usize = 100_000;

/// The users recorded by this process, by subject.
#[derive(Debug)]
pub struct SeenUsers {
    recorded: Mutex<HashMap<String, (UserRecord, Instant)>>,
    refresh: Duration,
    capacity: usize,
}

impl Default for SeenUsers {
    fn default() -> Self {
        SeenUsers::new(DEFAULT_REFRESH, DEFAULT_CAPACITY)
    }
}

impl SeenUsers {
    /// Remembers up to `capacity` users and writes an unchanged one again after `refresh`.
    pub fn new(refresh: Duration, capacity: usize) -> Self {
        SeenUsers {
            recorded: Mutex::new(HashMap::new()),
            refresh,
            capacity: capacity.max(1),
        }
    }

    /// Whether `user` must be written at `now`: new, changed, or due for a refresh.
    pub fn needs_recording(&self, user: &UserRecord, now: Instant) -> bool {
        let Ok(recorded) = self.recorded.lock() else {
            return true;
        };
        match recorded.get(&user.id) {
            Some((last, at)) => last != user || now.saturating_duration_since(*at) >= self.refresh,
            None => true,
        }
    }

    /// Notes that `user` was written at `now`.
    pub fn remember(&self, user: UserRecord, now: Instant) {
        let Ok(mut recorded) = self.recorded.lock() else {
            return;
        };
        if recorded.len() >= self.capacity && !recorded.contains_key(&user.id) {
            let refresh = self.refresh;
            recorded.retain(|_, (_, at)| now.saturating_duration_since(*at) < refresh);
            if recorded.len() >= self.capacity {
                recorded.clear();
            }
        }
        recorded.insert(user.id.clone(), (user, now));
    }

    /// Forgets `id` (its next request writes it again).
    pub fn forget(&self, id: &str) {
        if let Ok(mut recorded) = self.recorded.lock() {
            recorded.remove(id);
        }
    }

    /// Writes `user` with `write` when [`needs_recording`](Self::needs_recording) says so and
    /// remembers it when the write succeeded; `Ok(true)` when it wrote.
    pub fn record_with<E>(
        &self,
        user: &UserRecord,
        now: Instant,
        write: impl FnOnce(&UserRecord) -> Result<(), E>,
    ) -> Result<bool, E> {
        if !self.needs_recording(user, now) {
            return Ok(false);
        }
        write(user)?;
        self.remember(user.clone(), now);
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alice(email: &str) -> UserRecord {
        UserRecord {
            id: "alice-id".into(),
            username: Some("alice".into()),
            email: Some(email.into()),
            name: Some("Alice Tester".into()),
        }
    }

    #[test]
    fn the_same_user_is_written_once_and_again_when_a_field_changes() {
        let seen = SeenUsers::default();
        let mut writes = Vec::new();
        let mut write = |u: &UserRecord| -> Result<(), ()> {
            writes.push(u.clone());
            Ok(())
        };
        let now = Instant::now();
        assert_eq!(
            seen.record_with(&alice("a@example.org"), now, &mut write),
            Ok(true)
        );
        assert_eq!(
            seen.record_with(
                &alice("a@example.org"),
                now + Duration::from_secs(5),
                &mut write
            ),
            Ok(false)
        );
        assert_eq!(
            seen.record_with(
                &alice("new@example.org"),
                now + Duration::from_secs(6),
                &mut write
            ),
            Ok(true)
        );
        assert_eq!(
            seen.record_with(
                &alice("new@example.org"),
                now + Duration::from_secs(7),
                &mut write
            ),
            Ok(false)
        );
        // Another user is written on its own.
        let mut bob = alice("bob@example.org");
        bob.id = "bob-id".into();
        assert_eq!(seen.record_with(&bob, now, &mut write), Ok(true));
        let emails: Vec<_> = writes
            .iter()
            .map(|u| u.email.clone().unwrap_or_default())
            .collect();
        assert_eq!(
            emails,
            ["a@example.org", "new@example.org", "bob@example.org"]
        );
    }

    #[test]
    fn an_unchanged_user_is_written_again_after_the_refresh_interval() {
        let seen = SeenUsers::new(Duration::from_secs(60), 10);
        let now = Instant::now();
        seen.remember(alice("a@example.org"), now);
        assert!(!seen.needs_recording(&alice("a@example.org"), now + Duration::from_secs(59)));
        assert!(seen.needs_recording(&alice("a@example.org"), now + Duration::from_secs(60)));
        seen.forget("alice-id");
        assert!(seen.needs_recording(&alice("a@example.org"), now));
    }

    #[test]
    fn a_failed_write_is_tried_again() {
        let seen = SeenUsers::default();
        let now = Instant::now();
        assert_eq!(
            seen.record_with(&alice("a@example.org"), now, |_| Err("disk full")),
            Err("disk full")
        );
        assert_eq!(
            seen.record_with(&alice("a@example.org"), now, |_| Ok::<(), &str>(())),
            Ok(true)
        );
    }

    #[test]
    fn the_memory_stays_bounded() {
        let seen = SeenUsers::new(Duration::from_secs(60), 3);
        let now = Instant::now();
        for i in 0..10 {
            let mut user = alice("a@example.org");
            user.id = format!("user-{i}");
            seen.remember(user, now);
            assert!(seen.recorded.lock().expect("lock").len() <= 3);
        }
        // The newest is still known.
        let mut last = alice("a@example.org");
        last.id = "user-9".into();
        assert!(!seen.needs_recording(&last, now));
    }
}
