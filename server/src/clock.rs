//! The time, as the server's rules see it: the system clock, which a test
//! can move forward (a session idle for 31 minutes without waiting 31
//! minutes).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, Utc};

/// The system clock plus an offset that only tests change. Cheap to clone;
/// clones share the offset.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
    /// Wakes whoever sleeps until a time on this clock (the engine's timers)
    /// when a test moves it.
    moved: Arc<tokio::sync::Notify>,
}

impl Clock {
    pub fn system() -> Clock {
        Clock::default()
    }

    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }

    /// Moves this clock (and every clone of it) forward.
    pub fn advance(&self, by: Duration) {
        self.offset_ms.fetch_add(by.num_milliseconds(), Ordering::Relaxed);
        self.moved.notify_waiters();
    }

    /// Waits until this clock is moved (never, outside tests).
    pub async fn moved(&self) {
        self.moved.notified().await
    }

    /// How long to sleep until `at` on this clock.
    pub fn until(&self, at: DateTime<Utc>) -> std::time::Duration {
        (at - self.now()).to_std().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn clones_move_together() {
        let a = super::Clock::system();
        let b = a.clone();
        let before = b.now();
        a.advance(chrono::Duration::minutes(31));
        assert!(b.now() - before >= chrono::Duration::minutes(31));
    }
}
