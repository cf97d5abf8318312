//! Response-time review: what the stages are, how they are measured, and
//! how the figures a station chief quotes in a meeting are defined.
//!
//! Every figure derives from an incident's stage times, which the engine
//! writes in the same transaction as the status-log row that made each stage
//! (the first time the incident reached it):
//!
//! | stage     | from          | to                   |
//! |-----------|---------------|----------------------|
//! | dispatch  | received      | first unit dispatched |
//! | turnout   | dispatched    | first unit en route  |
//! | travel    | en route      | first unit on scene  |
//! | response  | received      | first unit on scene  |
//!
//! Durations are counted in **whole seconds, truncated** (1.9 s counts as
//! 1 s), so every percentile is a whole number of seconds that some incident
//! actually had. Percentiles use the nearest-rank rule of [`crate::stats`]: the
//! p-th percentile of n values is the value at rank ⌈p·n/100⌉ in ascending
//! order. A stage an incident never reached is not a duration: it is left
//! out of that stage's percentiles (and counted by the compliance figure).
//!
//! **Arrival compliance** for a zone class is met ÷ (met + breached), where
//! an incident is *met* when a unit was on scene within the arrival target of
//! its zone class, *breached* when a unit arrived late or never arrived
//! (whatever its final state, unless cancelled), and *excluded* when it was
//! cancelled before anyone arrived (a caller who withdrew is not a breach).

use std::collections::BTreeMap;

/// A measured stage of the response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    Dispatch,
    Turnout,
    Travel,
    Response,
}

impl Stage {
    pub const ALL: [Stage; 4] = [Stage::Dispatch, Stage::Turnout, Stage::Travel, Stage::Response];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Dispatch => "dispatch",
            Stage::Turnout => "turnout",
            Stage::Travel => "travel",
            Stage::Response => "response",
        }
    }

    /// The stage's duration in whole seconds (truncated), if both ends were
    /// reached.
    pub fn seconds(self, t: &StageTimes) -> Option<i64> {
        let (from, to) = match self {
            Stage::Dispatch => (Some(t.received_ms), t.dispatched_ms),
            Stage::Turnout => (t.dispatched_ms, t.en_route_ms),
            Stage::Travel => (t.en_route_ms, t.on_scene_ms),
            Stage::Response => (Some(t.received_ms), t.on_scene_ms),
        };
        Some((to? - from?).max(0) / 1000)
    }
}

/// When an incident first reached each stage (milliseconds since the epoch).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StageTimes {
    pub received_ms: i64,
    pub dispatched_ms: Option<i64>,
    pub en_route_ms: Option<i64>,
    pub on_scene_ms: Option<i64>,
    pub cancelled_ms: Option<i64>,
}

/// How an incident counts for arrival compliance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    Met,
    Breached,
    /// Cancelled before any unit arrived.
    Excluded,
}

impl Arrival {
    pub fn of(t: &StageTimes, target_s: u32) -> Arrival {
        match (t.on_scene_ms, t.cancelled_ms) {
            (Some(on), _) if on - t.received_ms <= i64::from(target_s) * 1000 => Arrival::Met,
            (Some(_), _) => Arrival::Breached,
            (None, Some(_)) => Arrival::Excluded,
            (None, None) => Arrival::Breached,
        }
    }
}

/// A distribution of whole-second durations, as counts per second: exact
/// nearest-rank percentiles from any number of incidents in bounded memory
/// (one entry per distinct second).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Distribution {
    counts: BTreeMap<i64, u64>,
    n: u64,
}

impl Distribution {
    pub fn add(&mut self, seconds: i64, count: u64) {
        if count > 0 {
            *self.counts.entry(seconds).or_default() += count;
            self.n += count;
        }
    }

    pub fn count(&self) -> u64 {
        self.n
    }

    /// The p-th percentile (0 < p ≤ 100) by nearest rank; `None` when empty.
    pub fn percentile(&self, p: f64) -> Option<i64> {
        if self.n == 0 || !(p > 0.0 && p <= 100.0) {
            return None;
        }
        let rank = ((p / 100.0) * self.n as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (s, c) in &self.counts {
            seen += c;
            if seen >= rank {
                return Some(*s);
            }
        }
        self.counts.keys().next_back().copied()
    }

    pub fn merge(&mut self, other: &Distribution) {
        for (s, c) in &other.counts {
            self.add(*s, *c);
        }
    }
}

/// The change from `before` to `now` in per cent (`None` when there was
/// nothing before to compare with): 10 → 5 is −50%.
pub fn change_pct(now: f64, before: f64) -> Option<f64> {
    (before != 0.0 && before.is_finite() && now.is_finite()).then(|| (now - before) / before * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::percentile_nearest_rank;
    use proptest::prelude::*;

    fn times(received: i64, d: Option<i64>, e: Option<i64>, o: Option<i64>, c: Option<i64>) -> StageTimes {
        StageTimes { received_ms: received, dispatched_ms: d, en_route_ms: e, on_scene_ms: o, cancelled_ms: c }
    }

    #[test]
    fn stages_are_truncated_whole_seconds_between_first_times() {
        let t = times(1_000, Some(31_999), Some(62_000), Some(200_500), None);
        assert_eq!(Stage::Dispatch.seconds(&t), Some(30));
        assert_eq!(Stage::Turnout.seconds(&t), Some(30));
        assert_eq!(Stage::Travel.seconds(&t), Some(138));
        assert_eq!(Stage::Response.seconds(&t), Some(199));
        let never = times(0, Some(5_000), None, None, None);
        assert_eq!(Stage::Travel.seconds(&never), None);
        assert_eq!(Stage::Response.seconds(&never), None);
    }

    #[test]
    fn arrival_compliance_counts_late_and_never_and_excludes_cancelled() {
        assert_eq!(Arrival::of(&times(0, None, None, Some(60_000), None), 60), Arrival::Met);
        assert_eq!(Arrival::of(&times(0, None, None, Some(60_001), None), 60), Arrival::Breached);
        assert_eq!(Arrival::of(&times(0, Some(1), None, None, None), 60), Arrival::Breached);
        assert_eq!(Arrival::of(&times(0, Some(1), None, None, Some(9)), 60), Arrival::Excluded);
        // arrived, then cancelled: the arrival still counts
        assert_eq!(Arrival::of(&times(0, None, None, Some(1_000), Some(9_000)), 60), Arrival::Met);
    }

    #[test]
    fn empty_and_single() {
        let d = Distribution::default();
        assert_eq!(d.percentile(50.0), None);
        let mut one = Distribution::default();
        one.add(42, 1);
        assert_eq!(one.percentile(50.0), Some(42));
        assert_eq!(one.percentile(90.0), Some(42));
    }

    #[test]
    fn change_in_per_cent() {
        assert_eq!(change_pct(5.0, 10.0), Some(-50.0));
        assert_eq!(change_pct(15.0, 10.0), Some(50.0));
        assert_eq!(change_pct(3.0, 0.0), None);
    }

    proptest! {
        /// The histogram percentile equals sorting every value and taking
        /// the nearest rank.
        #[test]
        fn distribution_matches_sorting(values in proptest::collection::vec(0i64..2_000, 0..300), p in 1u32..=100) {
            let mut d = Distribution::default();
            for v in &values {
                d.add(*v, 1);
            }
            let mut f: Vec<f64> = values.iter().map(|v| *v as f64).collect();
            let expected = percentile_nearest_rank(&mut f, f64::from(p)).map(|x| x as i64);
            prop_assert_eq!(d.percentile(f64::from(p)), expected);
            prop_assert_eq!(d.count(), values.len() as u64);
        }
    }
}
