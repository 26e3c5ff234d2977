//! Remembers, for a few seconds, who is behind a bearer token or a session,
//! so that a busy API client costs no database round trip per request to
//! authenticate (and no write to record its token's use).
//!
//! Every change that can end or alter a caller on this node — revoking a
//! token, disabling a user, changing or resetting a password — empties the
//! cache at once after its commit. Other nodes sharing the database learn of
//! it when their entries expire: [`TTL`] is the bound on how long a revoked
//! token or a disabled user may still be served elsewhere.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::Caller;
use crate::admin::SessionStamp;

/// How long another node may keep serving a caller that was revoked here.
pub const TTL: Duration = Duration::from_secs(5);

/// Enough for every live session and token of a large deployment; beyond it
/// the cache starts over rather than grow without bound.
const CAPACITY: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    /// The SHA-256 of a token's secret.
    Token(String),
    Session(SessionStamp),
}

#[derive(Debug)]
struct Entry {
    caller: Caller,
    until: Instant,
}

#[derive(Debug, Default)]
pub(crate) struct CallerCache {
    entries: Mutex<HashMap<Key, Entry>>,
    /// Bumped by every invalidation: a look-up that started before it must
    /// not store what it read, which may predate the change.
    generation: AtomicU64,
}

/// A ticket taken before reading the database on a miss.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ticket(u64);

impl CallerCache {
    pub(crate) fn get(&self, key: &Key) -> Option<Caller> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            .filter(|entry| entry.until > Instant::now())
            .map(|entry| entry.caller.clone())
    }

    pub(crate) fn ticket(&self) -> Ticket {
        Ticket(self.generation.load(Ordering::Acquire))
    }

    /// Keeps `caller` unless the cache was invalidated since `ticket`.
    pub(crate) fn put(&self, ticket: Ticket, key: Key, caller: Caller) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if self.generation.load(Ordering::Acquire) != ticket.0 {
            return;
        }
        if entries.len() >= CAPACITY {
            let now = Instant::now();
            entries.retain(|_, entry| entry.until > now);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(
            key,
            Entry {
                caller,
                until: Instant::now() + TTL,
            },
        );
    }

    /// Forgets every caller; called after a change to any account or token
    /// has committed.
    pub(crate) fn invalidate(&self) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use qudao_domain::admin::Role;

    fn caller() -> Caller {
        Caller::new(7, "seven".to_owned(), "Seven".to_owned(), Role::Admin, None)
    }

    #[test]
    fn remembers_until_invalidated() {
        let cache = CallerCache::default();
        let key = Key::Token("abc".to_owned());
        cache.put(cache.ticket(), key.clone(), caller());
        assert_eq!(cache.get(&key).map(|c| c.login), Some("seven".to_owned()));
        cache.invalidate();
        assert!(cache.get(&key).is_none());
    }

    #[test]
    fn a_lookup_older_than_an_invalidation_is_not_kept() {
        let cache = CallerCache::default();
        let key = Key::Session(SessionStamp {
            user_id: 7,
            password_changed_at: 1,
        });
        let ticket = cache.ticket();
        cache.invalidate();
        cache.put(ticket, key.clone(), caller());
        assert!(cache.get(&key).is_none());
    }
}
