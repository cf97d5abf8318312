//! Running response timers and what is due: a set of `(moment, timer)`
//! pairs, so the engine only has to sleep until the earliest one. Each
//! timer turns amber once and red once; what already fired (stored, so it
//! survives a restart) never fires again.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};

use crate::{TimerKind, TimerLevel};

/// A running timer's schedule and what has already gone out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Running {
    pub amber_at: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    pub amber_fired: bool,
    pub red_fired: bool,
}

impl Running {
    /// The next transition and when it is due, if any is left.
    fn next(&self) -> Option<(DateTime<Utc>, TimerLevel)> {
        if !self.amber_fired {
            Some((self.amber_at, TimerLevel::Amber))
        } else if !self.red_fired {
            Some((self.deadline, TimerLevel::Red))
        } else {
            None
        }
    }
}

/// A transition that is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due<K> {
    pub key: K,
    pub kind: TimerKind,
    pub level: TimerLevel,
    pub deadline: DateTime<Utc>,
}

/// Timers keyed by what they time (an incident, a chat message) and kind.
#[derive(Debug, Clone)]
pub struct TimerWheel<K: Ord + Copy + std::hash::Hash> {
    queue: BTreeSet<(DateTime<Utc>, K, TimerKind)>,
    running: HashMap<(K, TimerKind), Running>,
}

impl<K: Ord + Copy + std::hash::Hash> Default for TimerWheel<K> {
    fn default() -> Self {
        TimerWheel { queue: BTreeSet::new(), running: HashMap::new() }
    }
}

impl<K: Ord + Copy + std::hash::Hash> TimerWheel<K> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts (or resumes, with what already fired) a timer.
    pub fn start(&mut self, key: K, kind: TimerKind, timer: Running) {
        self.stop(key, kind);
        if let Some((at, _)) = timer.next() {
            self.queue.insert((at, key, kind));
        }
        self.running.insert((key, kind), timer);
    }

    /// Stops a timer: nothing more will fire for it.
    pub fn stop(&mut self, key: K, kind: TimerKind) {
        if let Some(old) = self.running.remove(&(key, kind))
            && let Some((at, _)) = old.next()
        {
            self.queue.remove(&(at, key, kind));
        }
    }

    pub fn get(&self, key: K, kind: TimerKind) -> Option<Running> {
        self.running.get(&(key, kind)).copied()
    }

    /// When the next transition is due.
    pub fn next_due(&self) -> Option<DateTime<Utc>> {
        self.queue.first().map(|(at, _, _)| *at)
    }

    /// Takes every transition due at `now`, earliest first; a timer whose
    /// amber and red are both due gives both, amber first.
    pub fn take_due(&mut self, now: DateTime<Utc>) -> Vec<Due<K>> {
        let mut out = vec![];
        while let Some(&(at, key, kind)) = self.queue.first() {
            if at > now {
                break;
            }
            self.queue.pop_first();
            let Some(t) = self.running.get_mut(&(key, kind)) else { continue };
            let level = if !t.amber_fired {
                t.amber_fired = true;
                TimerLevel::Amber
            } else {
                t.red_fired = true;
                TimerLevel::Red
            };
            out.push(Due { key, kind, level, deadline: t.deadline });
            if let Some((next, _)) = t.next() {
                self.queue.insert((next, key, kind));
            }
        }
        out
    }

    /// Puts a transition back (it could not be recorded): it will be due
    /// again at `retry_at`.
    pub fn unfire(&mut self, due: Due<K>, retry_at: DateTime<Utc>) {
        let Some(t) = self.running.get_mut(&(due.key, due.kind)) else { return };
        if let Some((at, _)) = t.next() {
            self.queue.remove(&(at, due.key, due.kind));
        }
        match due.level {
            TimerLevel::Amber => t.amber_fired = false,
            TimerLevel::Red => t.red_fired = false,
            TimerLevel::Green => {}
        }
        self.queue.insert((retry_at, due.key, due.kind));
    }

    pub fn len(&self) -> usize {
        self.running.len()
    }

    pub fn is_empty(&self) -> bool {
        self.running.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn t(s: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 3, 0, 0).single().expect("valid") + Duration::seconds(s)
    }

    fn running(amber: i64, red: i64) -> Running {
        Running { amber_at: t(amber), deadline: t(red), amber_fired: false, red_fired: false }
    }

    #[test]
    fn amber_then_red_each_once() {
        let mut w = TimerWheel::new();
        w.start(1u32, TimerKind::Arrival, running(48, 60));
        assert_eq!(w.next_due(), Some(t(48)));
        assert!(w.take_due(t(47)).is_empty());
        let d = w.take_due(t(48));
        assert_eq!(d.iter().map(|d| d.level).collect::<Vec<_>>(), [TimerLevel::Amber]);
        assert!(w.take_due(t(50)).is_empty(), "amber only once");
        assert_eq!(w.next_due(), Some(t(60)));
        assert_eq!(w.take_due(t(60))[0].level, TimerLevel::Red);
        assert!(w.take_due(t(10_000)).is_empty(), "red only once");
        assert_eq!(w.next_due(), None);
    }

    #[test]
    fn a_stopped_timer_never_fires() {
        let mut w = TimerWheel::new();
        w.start(1u32, TimerKind::Dispatch, running(24, 30));
        w.start(2u32, TimerKind::Dispatch, running(24, 30));
        w.stop(1, TimerKind::Dispatch);
        let d = w.take_due(t(100));
        assert!(d.iter().all(|d| d.key == 2));
        assert_eq!(d.len(), 2);
    }

    #[test]
    fn resuming_after_a_restart_fires_only_what_did_not_fire() {
        let mut w = TimerWheel::new();
        // amber went out before the crash; the deadline passed while down
        w.start(7u32, TimerKind::Arrival, Running { amber_fired: true, ..running(48, 60) });
        // both passed while down
        w.start(8u32, TimerKind::Arrival, running(48, 60));
        // everything went out already
        w.start(9u32, TimerKind::Arrival, Running { amber_fired: true, red_fired: true, ..running(48, 60) });
        let d = w.take_due(t(120));
        let got: Vec<(u32, TimerLevel)> = d.iter().map(|d| (d.key, d.level)).collect();
        assert_eq!(got, [(8, TimerLevel::Amber), (7, TimerLevel::Red), (8, TimerLevel::Red)]);
    }

    #[test]
    fn a_transition_that_could_not_be_recorded_comes_back() {
        let mut w = TimerWheel::new();
        w.start(1u32, TimerKind::Closure, running(10, 20));
        let d = w.take_due(t(10));
        w.unfire(d[0], t(15));
        assert_eq!(w.next_due(), Some(t(15)));
        assert_eq!(w.take_due(t(15))[0].level, TimerLevel::Amber);
    }
}
