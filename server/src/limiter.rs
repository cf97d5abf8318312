//! A per-client sliding-window rate limit, for the public report form.
//! Memory stays bounded: windows that have emptied are dropped.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct RateLimiter {
    max: usize,
    window: Duration,
    hits: Mutex<HashMap<IpAddr, VecDeque<Instant>>>,
}

impl RateLimiter {
    pub fn new(max: usize, window: Duration) -> RateLimiter {
        RateLimiter { max, window, hits: Mutex::new(HashMap::new()) }
    }

    /// Counts a request from `client` at `now`; `Err(wait)` when the client
    /// is over its limit and may try again after `wait`.
    pub fn check(&self, client: IpAddr, now: Instant) -> Result<(), Duration> {
        let mut hits = self.hits.lock().unwrap_or_else(|p| p.into_inner());
        if hits.len() > 10_000 {
            hits.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < self.window));
        }
        let q = hits.entry(client).or_default();
        while q.front().is_some_and(|t| now.duration_since(*t) >= self.window) {
            q.pop_front();
        }
        if q.len() >= self.max {
            let oldest = q.front().copied().unwrap_or(now);
            return Err(self.window.saturating_sub(now.duration_since(oldest)));
        }
        q.push_back(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_max_per_window_per_client() {
        let l = RateLimiter::new(2, Duration::from_secs(60));
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().expect("ip"), "10.0.0.2".parse().expect("ip"));
        let t0 = Instant::now();
        assert!(l.check(a, t0).is_ok());
        assert!(l.check(a, t0 + Duration::from_secs(1)).is_ok());
        let wait = l.check(a, t0 + Duration::from_secs(2)).expect_err("third in a minute");
        assert_eq!(wait, Duration::from_secs(58));
        assert!(l.check(b, t0 + Duration::from_secs(2)).is_ok(), "another client is not affected");
        assert!(l.check(a, t0 + Duration::from_secs(60)).is_ok(), "the window moved on");
    }
}
