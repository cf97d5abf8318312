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

use crate::{Coordinates, ResponseClass, ResponsePolicy};

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
/// (a dense array for the first half hour, one entry per distinct second
/// beyond, so adding is an array increment in the common case).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Distribution {
    /// Counts of seconds `0..DENSE` (empty until the first one).
    dense: Vec<u64>,
    /// Counts of every other second.
    sparse: BTreeMap<i64, u64>,
    n: u64,
}

/// Seconds counted in the dense array.
const DENSE: i64 = 1800;

impl Distribution {
    pub fn add(&mut self, seconds: i64, count: u64) {
        if count == 0 {
            return;
        }
        if (0..DENSE).contains(&seconds) {
            if self.dense.is_empty() {
                self.dense = vec![0; DENSE as usize];
            }
            self.dense[seconds as usize] += count;
        } else {
            *self.sparse.entry(seconds).or_default() += count;
        }
        self.n += count;
    }

    pub fn count(&self) -> u64 {
        self.n
    }

    /// (second, count) in ascending order, seconds with no count left out.
    pub fn iter(&self) -> impl Iterator<Item = (i64, u64)> + '_ {
        let below = self.sparse.range(..0).map(|(s, c)| (*s, *c));
        let dense = self.dense.iter().enumerate().filter(|(_, c)| **c > 0).map(|(s, c)| (s as i64, *c));
        let above = self.sparse.range(DENSE..).map(|(s, c)| (*s, *c));
        below.chain(dense).chain(above)
    }

    /// The p-th percentile (0 < p ≤ 100) by nearest rank; `None` when empty.
    pub fn percentile(&self, p: f64) -> Option<i64> {
        if self.n == 0 || !(p > 0.0 && p <= 100.0) {
            return None;
        }
        let rank = ((p / 100.0) * self.n as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        let mut last = None;
        for (s, c) in self.iter() {
            seen += c;
            last = Some(s);
            if seen >= rank {
                return Some(s);
            }
        }
        last
    }

    pub fn merge(&mut self, other: &Distribution) {
        for (s, c) in other.iter() {
            self.add(s, c);
        }
    }
}

/// The change from `before` to `now` in per cent (`None` when there was
/// nothing before to compare with): 10 → 5 is −50%.
pub fn change_pct(now: f64, before: f64) -> Option<f64> {
    (before != 0.0 && before.is_finite() && now.is_finite()).then(|| (now - before) / before * 100.0)
}

/// How an incident ended, as far as a review cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Resolved or closed.
    Closed,
    Cancelled,
    /// Still open.
    Open,
}

impl Outcome {
    /// How an incident in a stored status ended.
    pub fn of_status(status: &str) -> Outcome {
        match status {
            "resolved" | "closed" => Outcome::Closed,
            "cancelled" => Outcome::Cancelled,
            _ => Outcome::Open,
        }
    }
}

/// One incident as a review reads it: its stage times, how it ended, its
/// zone class (`None`: outside every zone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReviewRow {
    pub times: StageTimes,
    pub outcome: Outcome,
    pub zone_class: Option<ResponseClass>,
}

/// The figures of a set of incidents: counts, arrival compliance per zone
/// class, and one [`Distribution`] per stage. Built one incident at a time
/// in bounded memory (one entry per distinct second), and merged.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    pub count: u64,
    /// Resolved or closed.
    pub closed: u64,
    pub cancelled: u64,
    /// (met, breached) per zone class; index by [`class_index`].
    pub arrival: [(u64, u64); 4],
    /// Breached incidents by the stage that was late (dispatch, turnout,
    /// travel; see [`late_stage`]).
    pub late: [u64; 3],
    pub stages: [Distribution; 4],
}

/// The slot of a zone class in [`Figures::arrival`]: core, crowded, other,
/// outside.
pub fn class_index(class: Option<ResponseClass>) -> usize {
    match class {
        Some(ResponseClass::Core) => 0,
        Some(ResponseClass::Crowded) => 1,
        Some(ResponseClass::Other) => 2,
        None => 3,
    }
}

/// The zone-class names in [`Figures::arrival`] order.
pub const CLASS_NAMES: [&str; 4] = ["core", "crowded", "other", "outside"];

impl Figures {
    /// Counts one incident under `policy`; returns the stage that was late
    /// when its arrival was breached.
    pub fn add(&mut self, row: &ReviewRow, policy: &ResponsePolicy) -> Option<Stage> {
        self.count += 1;
        match row.outcome {
            Outcome::Closed => self.closed += 1,
            Outcome::Cancelled => self.cancelled += 1,
            Outcome::Open => {}
        }
        let slot = &mut self.arrival[class_index(row.zone_class)];
        match Arrival::of(&row.times, policy.arrival_target_s(row.zone_class)) {
            Arrival::Met => slot.0 += 1,
            Arrival::Breached => slot.1 += 1,
            Arrival::Excluded => {}
        }
        for (k, stage) in Stage::ALL.iter().enumerate() {
            if let Some(s) = stage.seconds(&row.times) {
                self.stages[k].add(s, 1);
            }
        }
        let late = late_stage(row, policy);
        if let Some(stage) = late {
            self.late[stage as usize] += 1;
        }
        late
    }

    /// Counts one incident as things stand at `now_ms`: like [`Figures::add`]
    /// once it is decided, but an incident still open, nobody on scene,
    /// inside its arrival target is neither met nor breached yet. A day's
    /// figures taken after the day are exactly the review's.
    pub fn add_at(&mut self, row: &ReviewRow, policy: &ResponsePolicy, now_ms: i64) -> Option<Stage> {
        let target_ms = i64::from(policy.arrival_target_s(row.zone_class)) * 1000;
        let running = row.outcome == Outcome::Open
            && row.times.on_scene_ms.is_none()
            && row.times.cancelled_ms.is_none()
            && now_ms <= row.times.received_ms + target_ms;
        if !running {
            return self.add(row, policy);
        }
        self.count += 1;
        for (k, stage) in Stage::ALL.iter().enumerate() {
            if let Some(s) = stage.seconds(&row.times) {
                self.stages[k].add(s, 1);
            }
        }
        None
    }

    pub fn merge(&mut self, other: &Figures) {
        self.count += other.count;
        self.closed += other.closed;
        self.cancelled += other.cancelled;
        for (a, b) in self.arrival.iter_mut().zip(other.arrival.iter()) {
            a.0 += b.0;
            a.1 += b.1;
        }
        for (a, b) in self.late.iter_mut().zip(other.late) {
            *a += b;
        }
        for (a, b) in self.stages.iter_mut().zip(other.stages.iter()) {
            a.merge(b);
        }
    }

    pub fn stage(&self, stage: Stage) -> &Distribution {
        &self.stages[stage as usize]
    }

    pub fn percentile(&self, stage: Stage, p: f64) -> Option<i64> {
        self.stage(stage).percentile(p)
    }

    /// Met ÷ (met + breached) over every zone class; `None` when nothing
    /// counts.
    pub fn compliance(&self) -> Option<f64> {
        let (m, b) = self.arrival.iter().fold((0, 0), |(m, b), (x, y)| (m + x, b + y));
        ratio(m, m + b)
    }

    pub fn breached(&self) -> u64 {
        self.arrival.iter().map(|a| a.1).sum()
    }

    pub fn closure_rate(&self) -> Option<f64> {
        ratio(self.closed, self.count)
    }

    pub fn cancelled_share(&self) -> Option<f64> {
        ratio(self.cancelled, self.count)
    }
}

/// `a ÷ b`, `None` when `b` is 0.
pub fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

/// Which stage made a breached incident late: the first stage, in order,
/// that went over its own target (dispatch, then turnout), else travel, the
/// rest of the way. An incident never dispatched was late at dispatch; one
/// dispatched but never en route, at turnout. `None` when the arrival was
/// met or does not count (cancelled before anyone arrived).
pub fn late_stage(row: &ReviewRow, policy: &ResponsePolicy) -> Option<Stage> {
    if Arrival::of(&row.times, policy.arrival_target_s(row.zone_class)) != Arrival::Breached {
        return None;
    }
    match Stage::Dispatch.seconds(&row.times) {
        None => return Some(Stage::Dispatch),
        Some(s) if s > i64::from(policy.dispatch_s) => return Some(Stage::Dispatch),
        Some(_) => {}
    }
    match Stage::Turnout.seconds(&row.times) {
        None => Some(Stage::Turnout),
        Some(s) if s > i64::from(policy.turnout_s) => Some(Stage::Turnout),
        Some(_) => Some(Stage::Travel),
    }
}

/// When an incident was received, in local time: the day (days since
/// 1970-01-01), the weekday (0 = Monday) and the hour (0–23).
pub fn local_day_hour(received_ms: i64, offset_minutes: i32) -> (i64, u8, u8) {
    let local = received_ms + i64::from(offset_minutes) * 60_000;
    let day = local.div_euclid(86_400_000);
    let hour = (local.rem_euclid(86_400_000) / 3_600_000) as u8;
    // 1970-01-01 was a Thursday (weekday 3)
    let weekday = (day + 3).rem_euclid(7) as u8;
    (day, weekday, hour)
}

/// Square bins over a box for a hot-spot map: `size_m` on a side (measured
/// at the box's middle latitude), `cols × rows` of them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Grid {
    pub south: f64,
    pub west: f64,
    pub dlat: f64,
    pub dlon: f64,
    pub cols: usize,
    pub rows: usize,
}

impl Grid {
    /// Bins of about `size_m` metres over `(sw, ne)`; `None` for an empty box
    /// or a size that would make more than `max_cells` bins.
    pub fn over(sw: Coordinates, ne: Coordinates, size_m: f64, max_cells: usize) -> Option<Grid> {
        if size_m.is_nan() || size_m <= 0.0 || ne.lat() <= sw.lat() || ne.lon() <= sw.lon() {
            return None;
        }
        let mid = ((sw.lat() + ne.lat()) / 2.0).to_radians();
        let dlat = size_m / 111_320.0;
        let dlon = size_m / (111_320.0 * mid.cos().max(0.01));
        let rows = ((ne.lat() - sw.lat()) / dlat).ceil() as usize;
        let cols = ((ne.lon() - sw.lon()) / dlon).ceil() as usize;
        (rows * cols <= max_cells).then_some(Grid { south: sw.lat(), west: sw.lon(), dlat, dlon, cols, rows })
    }

    /// The bin a point falls in (row-major from the south-west), `None`
    /// outside the box.
    pub fn cell(&self, lat: f64, lon: f64) -> Option<usize> {
        let r = ((lat - self.south) / self.dlat).floor();
        let c = ((lon - self.west) / self.dlon).floor();
        (r >= 0.0 && c >= 0.0 && (r as usize) < self.rows && (c as usize) < self.cols)
            .then(|| r as usize * self.cols + c as usize)
    }

    /// The (south-west, north-east) corners of a bin.
    pub fn bounds(&self, cell: usize) -> (f64, f64, f64, f64) {
        let (r, c) = ((cell / self.cols) as f64, (cell % self.cols) as f64);
        let (s, w) = (self.south + r * self.dlat, self.west + c * self.dlon);
        (s, w, s + self.dlat, w + self.dlon)
    }
}

/// What a [`Tally`] keeps besides the whole selection's figures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TallySpec {
    /// Figures per group (the caller hands each incident's group key).
    pub groups: bool,
    /// Counts per weekday × hour and per local day.
    pub calendar: bool,
    /// Counts per hot-spot bin.
    pub grid: Option<Grid>,
    /// Local time's offset from UTC.
    pub offset_minutes: i32,
    pub policy: ResponsePolicy,
}

/// Everything a review page shows about one period, built one incident at a
/// time in memory bounded by the number of groups, days, bins and distinct
/// seconds (never by the number of incidents).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    pub spec: TallySpec,
    pub total: Figures,
    pub groups: BTreeMap<String, Figures>,
    /// Incidents per weekday (0 = Monday) × hour.
    pub heat: [[u64; 24]; 7],
    /// (incidents, breached) per local day, from `first_day` (days since
    /// 1970-01-01) on.
    days: Vec<(u64, u64)>,
    first_day: i64,
    /// Incidents per hot-spot bin (empty until the first).
    cells: Vec<u64>,
}

impl Tally {
    pub fn new(spec: TallySpec) -> Tally {
        Tally { spec, ..Tally::default() }
    }

    /// Counts one incident, in group `key` (ignored unless the spec asks for
    /// groups), at `at` (for the hot-spot bins).
    pub fn add(&mut self, row: &ReviewRow, key: &str, at: Option<(f64, f64)>) {
        let policy = &self.spec.policy;
        let late = self.total.add(row, policy);
        if self.spec.groups {
            match self.groups.get_mut(key) {
                Some(f) => {
                    f.add(row, policy);
                }
                None => {
                    let mut f = Figures::default();
                    f.add(row, policy);
                    self.groups.insert(key.to_owned(), f);
                }
            }
        }
        if self.spec.calendar {
            let (day, weekday, hour) = local_day_hour(row.times.received_ms, self.spec.offset_minutes);
            self.heat[usize::from(weekday)][usize::from(hour)] += 1;
            let d = self.day_slot(day);
            d.0 += 1;
            d.1 += u64::from(late.is_some());
        }
        if let (Some(grid), Some((lat, lon))) = (self.spec.grid, at)
            && let Some(cell) = grid.cell(lat, lon)
        {
            self.add_cell(cell, 1);
        }
    }

    fn day_slot(&mut self, day: i64) -> &mut (u64, u64) {
        if self.days.is_empty() {
            self.first_day = day;
        }
        if day < self.first_day {
            let shift = (self.first_day - day) as usize;
            self.days.splice(0..0, std::iter::repeat_n((0, 0), shift));
            self.first_day = day;
        }
        let i = (day - self.first_day) as usize;
        if i >= self.days.len() {
            self.days.resize(i + 1, (0, 0));
        }
        &mut self.days[i]
    }

    fn add_cell(&mut self, cell: usize, n: u64) {
        if cell >= self.cells.len() {
            let size = self.spec.grid.map(|g| g.rows * g.cols).unwrap_or(0).max(cell + 1);
            self.cells.resize(size, 0);
        }
        self.cells[cell] += n;
    }

    /// (incidents, breached) on a local day (days since 1970-01-01).
    pub fn day(&self, day: i64) -> (u64, u64) {
        usize::try_from(day - self.first_day).ok().and_then(|i| self.days.get(i)).copied().unwrap_or((0, 0))
    }

    /// (day, (incidents, breached)) for every day with incidents.
    pub fn days(&self) -> impl Iterator<Item = (i64, (u64, u64))> + '_ {
        self.days.iter().enumerate().filter(|(_, d)| d.0 > 0).map(|(i, d)| (self.first_day + i as i64, *d))
    }

    /// (bin, incidents) for every hot-spot bin with incidents.
    pub fn cells(&self) -> impl Iterator<Item = (usize, u64)> + '_ {
        self.cells.iter().enumerate().filter(|(_, n)| **n > 0).map(|(c, n)| (c, *n))
    }

    /// Adds another tally of the same spec (e.g. a slice of the period).
    /// Roughly how many bytes the tally holds (to bound a cache of them).
    pub fn approx_bytes(&self) -> usize {
        let figures = |f: &Figures| {
            std::mem::size_of::<Figures>()
                + f.stages.iter().map(|d| d.dense.len() * 8 + d.sparse.len() * 48).sum::<usize>()
        };
        std::mem::size_of::<Tally>()
            + figures(&self.total)
            + self.groups.iter().map(|(k, f)| k.len() + 48 + figures(f)).sum::<usize>()
            + self.days.len() * 16
            + self.cells.len() * 8
    }

    pub fn merge(&mut self, other: &Tally) {
        self.total.merge(&other.total);
        for (k, f) in &other.groups {
            self.groups.entry(k.clone()).or_default().merge(f);
        }
        for (row, other_row) in self.heat.iter_mut().zip(other.heat.iter()) {
            for (a, b) in row.iter_mut().zip(other_row) {
                *a += b;
            }
        }
        for (d, (n, b)) in other.days() {
            let e = self.day_slot(d);
            e.0 += n;
            e.1 += b;
        }
        for (c, n) in other.cells() {
            self.add_cell(c, n);
        }
    }
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

    fn row(t: StageTimes, outcome: Outcome, class: Option<ResponseClass>) -> ReviewRow {
        ReviewRow { times: t, outcome, zone_class: class }
    }

    #[test]
    fn late_stage_is_the_first_over_its_own_target_else_travel() {
        let p = ResponsePolicy::default(); // dispatch 30 s, turnout 30 s, core 60 s
        let core = Some(ResponseClass::Core);
        let late = |t| late_stage(&row(t, Outcome::Closed, core), &p);
        // met: nothing was late
        assert_eq!(late(times(0, Some(10_000), Some(20_000), Some(60_000), None)), None);
        // dispatch 31 s
        assert_eq!(late(times(0, Some(31_000), Some(32_000), Some(90_000), None)), Some(Stage::Dispatch));
        // never dispatched and never reached
        assert_eq!(late(times(0, None, None, None, None)), Some(Stage::Dispatch));
        // turnout 31 s
        assert_eq!(late(times(0, Some(10_000), Some(41_000), Some(70_000), None)), Some(Stage::Turnout));
        // dispatched, never en route
        assert_eq!(late(times(0, Some(10_000), None, None, None)), Some(Stage::Turnout));
        // dispatch and turnout within their targets, the total over: travel
        assert_eq!(late(times(0, Some(20_000), Some(40_000), Some(61_000), None)), Some(Stage::Travel));
        // cancelled before anyone arrived: not a breach
        assert_eq!(late(times(0, Some(90_000), None, None, Some(100_000))), None);
    }

    #[test]
    fn figures_count_outcomes_compliance_and_stages() {
        let p = ResponsePolicy::default();
        let mut f = Figures::default();
        f.add(
            &row(times(0, Some(5_000), Some(9_000), Some(50_000), None), Outcome::Closed, Some(ResponseClass::Core)),
            &p,
        );
        f.add(&row(times(0, Some(5_000), None, None, Some(20_000)), Outcome::Cancelled, None), &p);
        f.add(&row(times(0, None, None, None, None), Outcome::Open, Some(ResponseClass::Other)), &p);
        assert_eq!((f.count, f.closed, f.cancelled), (3, 1, 1));
        assert_eq!(f.arrival, [(1, 0), (0, 0), (0, 1), (0, 0)]);
        // the open one was never dispatched: late at dispatch
        assert_eq!(f.late, [1, 0, 0]);
        assert_eq!(f.compliance(), Some(0.5));
        assert_eq!(f.stage(Stage::Dispatch).count(), 2);
        assert_eq!(f.percentile(Stage::Response, 50.0), Some(50));
        let mut twice = f.clone();
        twice.merge(&f);
        assert_eq!(twice.count, 6);
        assert_eq!(twice.stage(Stage::Dispatch).count(), 4);
        assert_eq!(twice.compliance(), Some(0.5));
    }

    #[test]
    fn local_day_weekday_and_hour() {
        // 2026-11-22 (a Sunday) 23:30 at UTC+8 is 15:30 UTC
        let ms = 1_795_361_400_000; // 2026-11-22T15:30:00Z
        let (day, weekday, hour) = local_day_hour(ms, 480);
        assert_eq!((weekday, hour), (6, 23));
        // 30 minutes later it is Monday 00:00 local, the next day
        let (next, weekday, hour) = local_day_hour(ms + 1_800_000, 480);
        assert_eq!((next - day, weekday, hour), (1, 0, 0));
        // before the epoch
        assert_eq!(local_day_hour(-1, 0), (-1, 2, 23));
    }

    #[test]
    fn grid_bins_points_and_rejects_outside() {
        let sw = Coordinates::parse(31.0, 121.0).expect("valid");
        let ne = Coordinates::parse(31.01, 121.01).expect("valid");
        let g = Grid::over(sw, ne, 250.0, 10_000).expect("a grid");
        assert!(g.rows >= 4 && g.cols >= 4, "{g:?}");
        assert_eq!(g.cell(31.0, 121.0), Some(0));
        assert_eq!(g.cell(30.999, 121.0), None);
        let c = g.cell(31.005, 121.005).expect("inside");
        let (s, w, n, e) = g.bounds(c);
        assert!(s <= 31.005 && 31.005 < n && w <= 121.005 && 121.005 < e);
        assert!(Grid::over(sw, ne, 1.0, 100).is_none(), "too many cells");
    }

    fn arbitrary_row(seed: u64) -> (ReviewRow, &'static str, (f64, f64)) {
        // a small deterministic generator (no rand in domain)
        let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let mut next = |m: u64| {
            x ^= x >> 33;
            x = x.wrapping_mul(0xff51afd7ed558ccd);
            x ^= x >> 33;
            x % m
        };
        let received = 1_700_000_000_000 + next(90 * 86_400_000) as i64;
        let d = (next(4) > 0).then(|| received + next(120_000) as i64);
        let e = d.filter(|_| next(5) > 0).map(|d| d + next(90_000) as i64);
        let o = e.filter(|_| next(5) > 0).map(|e| e + next(2_400_000) as i64);
        let cancelled = (o.is_none() && next(3) == 0).then(|| received + 1);
        let outcome = if cancelled.is_some() {
            Outcome::Cancelled
        } else if next(2) == 0 {
            Outcome::Closed
        } else {
            Outcome::Open
        };
        let class = [Some(ResponseClass::Core), Some(ResponseClass::Crowded), Some(ResponseClass::Other), None]
            [next(4) as usize];
        let key = ["a", "b", "c"][next(3) as usize];
        let at = (31.0 + next(1000) as f64 / 100_000.0, 121.0 + next(1000) as f64 / 100_000.0);
        (ReviewRow { times: times(received, d, e, o, cancelled), outcome, zone_class: class }, key, at)
    }

    #[test]
    fn a_tally_in_parts_equals_the_tally_of_the_whole() {
        let sw = Coordinates::parse(31.0, 121.0).expect("valid");
        let ne = Coordinates::parse(31.01, 121.01).expect("valid");
        let spec = TallySpec {
            groups: true,
            calendar: true,
            grid: Grid::over(sw, ne, 200.0, 10_000),
            offset_minutes: 480,
            policy: ResponsePolicy::default(),
        };
        let rows: Vec<_> = (0..3_000).map(arbitrary_row).collect();
        let mut whole = Tally::new(spec.clone());
        for (r, k, at) in &rows {
            whole.add(r, k, Some(*at));
        }
        // in reverse order, in two parts, merged
        let (mut a, mut b) = (Tally::new(spec.clone()), Tally::new(spec));
        for (i, (r, k, at)) in rows.iter().enumerate().rev() {
            if i % 3 == 0 { a.add(r, k, Some(*at)) } else { b.add(r, k, Some(*at)) }
        }
        a.merge(&b);
        assert_eq!(a.total, whole.total);
        assert_eq!(a.groups, whole.groups);
        assert_eq!(a.total.late, whole.total.late);
        assert_eq!(a.heat, whole.heat);
        assert_eq!(a.days().collect::<Vec<_>>(), whole.days().collect::<Vec<_>>());
        assert_eq!(a.cells().collect::<Vec<_>>(), whole.cells().collect::<Vec<_>>());
        // every incident is in one day, one heat cell, one bin and one group
        assert_eq!(whole.days().map(|(_, (n, _))| n).sum::<u64>(), 3_000);
        assert_eq!(whole.heat.iter().flatten().sum::<u64>(), 3_000);
        assert_eq!(whole.cells().map(|(_, n)| n).sum::<u64>(), 3_000);
        assert_eq!(whole.groups.values().map(|f| f.count).sum::<u64>(), 3_000);
        assert_eq!(whole.total.late.iter().sum::<u64>(), whole.total.breached());
        assert_eq!(whole.groups.values().map(|f| f.late[2]).sum::<u64>(), whole.total.late[2]);
        assert_eq!(whole.days().map(|(_, (_, b))| b).sum::<u64>(), whole.total.breached());
    }

    proptest! {
        /// The histogram percentile equals sorting every value and taking
        /// the nearest rank.
        #[test]
        fn distribution_matches_sorting(values in proptest::collection::vec(0i64..4_000, 0..300), p in 1u32..=100) {
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
