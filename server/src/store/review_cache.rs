//! Tallies of whole past buckets of the review, kept in memory (PostgreSQL
//! only: SQLite's in-process aggregate reads a year in half a second, while
//! PostgreSQL has to send every row over its protocol).
//!
//! A full-year review reads about two million incidents (the year and the
//! year before). Most of them lie in buckets of `received_at` (2^31 ms,
//! about 24.9 days) nobody has changed since they were last counted: the
//! migration `review_versions` bumps a bucket's version in the transaction
//! of every statement that inserts, changes or deletes an incident in it,
//! whichever server or import made it. A kept tally is used only while its
//! bucket's version is the one it was counted at, so a kept figure is never
//! stale; the ragged ends of a period and changed buckets are counted anew.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use domain::review::Tally;

/// `received_at >> BUCKET_BITS` is an incident's bucket (as in the migration).
pub const BUCKET_BITS: u32 = 31;

/// What the kept tallies may hold, roughly, before the least recently used
/// go (a year by unit, the widest breakdown, is about 40 MB).
pub const BUDGET_BYTES: usize = 128 << 20;

pub struct ReviewCache {
    inner: Mutex<Inner>,
    budget: usize,
}

impl Default for ReviewCache {
    fn default() -> ReviewCache {
        ReviewCache::new(BUDGET_BYTES)
    }
}

#[derive(Default)]
struct Inner {
    entries: HashMap<(i64, String), Entry>,
    bytes: usize,
    clock: u64,
}

struct Entry {
    version: i64,
    tally: Arc<Tally>,
    bytes: usize,
    used: u64,
}

impl ReviewCache {
    pub fn new(budget: usize) -> ReviewCache {
        ReviewCache { inner: Mutex::default(), budget }
    }

    /// The tally kept for `bucket` under `key`, if it was counted at `version`.
    pub fn get(&self, bucket: i64, key: &str, version: i64) -> Option<Arc<Tally>> {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.clock += 1;
        let now = inner.clock;
        let e = inner.entries.get_mut(&(bucket, key.to_owned()))?;
        if e.version != version {
            return None;
        }
        e.used = now;
        Some(e.tally.clone())
    }

    /// Keeps a tally counted at `version`, dropping the least recently used
    /// while over budget.
    pub fn put(&self, bucket: i64, key: &str, version: i64, tally: Arc<Tally>) {
        let bytes = tally.approx_bytes();
        if bytes > self.budget / 4 {
            return;
        }
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.clock += 1;
        let used = inner.clock;
        if let Some(old) = inner.entries.insert((bucket, key.to_owned()), Entry { version, tally, bytes, used }) {
            inner.bytes -= old.bytes;
        }
        inner.bytes += bytes;
        while inner.bytes > self.budget {
            let Some(oldest) = inner.entries.iter().min_by_key(|(_, e)| e.used).map(|(k, _)| k.clone()) else {
                break;
            };
            if let Some(e) = inner.entries.remove(&oldest) {
                inner.bytes -= e.bytes;
            }
        }
    }

    /// How many tallies are kept, and their bytes (for tests and /healthz).
    pub fn size(&self) -> (usize, usize) {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        (inner.entries.len(), inner.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::review::TallySpec;

    #[test]
    fn a_kept_tally_is_used_only_at_its_version_and_the_oldest_go_first() {
        let t = Arc::new(Tally::new(TallySpec::default()));
        let budget = t.approx_bytes() * 20;
        let cache = ReviewCache::new(budget);
        cache.put(7, "k", 3, t.clone());
        assert!(cache.get(7, "k", 3).is_some());
        assert!(cache.get(7, "k", 4).is_none(), "a changed bucket is counted anew");
        assert!(cache.get(8, "k", 3).is_none());
        assert!(cache.get(7, "other", 3).is_none());
        // fill past the budget: the least recently used go, the one just read stays
        let n = 30;
        for b in 0..n as i64 {
            cache.put(100 + b, "k", 1, t.clone());
            assert!(cache.get(7, "k", 3).is_some());
        }
        let (entries, bytes) = cache.size();
        assert!(bytes <= budget, "{bytes}");
        assert_eq!(entries, 20);
        assert!(cache.get(100, "k", 1).is_none(), "the oldest went");
        assert!(cache.get(7, "k", 3).is_some());
    }
}
