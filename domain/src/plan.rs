//! The deployment planner: where to post the units of an hour band so that
//! the most past incidents, weighted by priority, fall inside their zone's
//! arrival target. This is the maximal covering location problem (Church &
//! ReVelle, 1974) with units of several kinds (a car posted at a crossing
//! covers more than a foot patrol posted there).
//!
//! * [`Instance`]: the incidents' weights, the units to post (by kind
//!   group), and for each group and candidate post the incidents a unit of
//!   that group posted there reaches in time ([`covers`] computes them from
//!   the routed or the straight-line ETA).
//! * [`greedy`] posts one unit at a time where it adds the most uncovered
//!   weight. Coverage is monotone and submodular, so with one kind of unit
//!   the greedy answer covers at least (1 − 1/e) ≈ 63% of the optimum
//!   (Nemhauser, Wolsey & Fisher, 1978); with several kinds (a partition
//!   matroid) the guarantee is 1/2.
//! * [`improve`] then moves single units to other posts while that adds
//!   cover (a swap local search), and [`exact`] enumerates every posting of
//!   a small instance: the tests hold the first two to the third.

use crate::{Coordinates, UnitKind};

/// One planning problem.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Instance {
    /// The weight of each incident (its priority's).
    pub weights: Vec<f64>,
    /// `covers[g][j]`: the incidents (indices into `weights`, ascending) a
    /// unit of group `g` posted at candidate `j` reaches within target.
    pub covers: Vec<Vec<Vec<u32>>>,
    /// The group of each unit to post.
    pub units: Vec<usize>,
}

/// Where each unit is posted (an index into the candidates) and the weight
/// that covers.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub posts: Vec<usize>,
    pub covered: f64,
}

impl Instance {
    pub fn candidates(&self) -> usize {
        self.covers.first().map_or(0, Vec::len)
    }

    pub fn total_weight(&self) -> f64 {
        // a fold from +0: an empty sum of floats is -0, which prints as "-0"
        self.weights.iter().fold(0.0, |a, w| a + w)
    }

    /// The weight covered when unit `u` stands at `posts[u]`.
    pub fn coverage(&self, posts: &[usize]) -> f64 {
        let mut hit = vec![false; self.weights.len()];
        for (u, &j) in posts.iter().enumerate() {
            for &i in &self.covers[self.units[u]][j] {
                hit[i as usize] = true;
            }
        }
        hit.iter().zip(&self.weights).filter(|(h, _)| **h).fold(0.0, |a, (_, w)| a + w)
    }
}

/// Posts one unit at a time where it adds the most uncovered weight (ties:
/// the lower group, then the lower candidate).
pub fn greedy(inst: &Instance) -> Plan {
    let m = inst.candidates();
    let mut count = vec![0u32; inst.weights.len()];
    let mut posts: Vec<Option<usize>> = vec![None; inst.units.len()];
    if m == 0 {
        return Plan { posts: vec![], covered: 0.0 };
    }
    for _ in 0..inst.units.len() {
        // the best (gain, unit, post) among units still to post; units of one
        // group are interchangeable, so each group is tried once
        let mut best: Option<(f64, usize, usize)> = None;
        let mut tried = vec![false; inst.covers.len()];
        for (u, g) in inst.units.iter().enumerate() {
            if posts[u].is_some() || tried[*g] {
                continue;
            }
            tried[*g] = true;
            for j in 0..m {
                let gain: f64 = inst.covers[*g][j]
                    .iter()
                    .filter(|&&i| count[i as usize] == 0)
                    .map(|&i| inst.weights[i as usize])
                    .sum();
                if best.is_none_or(|(b, _, _)| gain > b + 1e-12) {
                    best = Some((gain, u, j));
                }
            }
        }
        let Some((_, u, j)) = best else { break };
        posts[u] = Some(j);
        for &i in &inst.covers[inst.units[u]][j] {
            count[i as usize] += 1;
        }
    }
    let posts: Vec<usize> = posts.into_iter().map(|p| p.unwrap_or(0)).collect();
    let covered = inst.coverage(&posts);
    Plan { posts, covered }
}

/// Moves single units to other posts while a move adds cover (at most
/// `rounds` passes over the units).
pub fn improve(inst: &Instance, plan: Plan, rounds: usize) -> Plan {
    let m = inst.candidates();
    let mut posts = plan.posts;
    let mut count = vec![0u32; inst.weights.len()];
    for (u, &j) in posts.iter().enumerate() {
        for &i in &inst.covers[inst.units[u]][j] {
            count[i as usize] += 1;
        }
    }
    for _ in 0..rounds {
        let mut moved = false;
        for (post, &g) in posts.iter_mut().zip(&inst.units) {
            let here = *post;
            // what the unit alone covers where it stands
            let lose: f64 = inst.covers[g][here]
                .iter()
                .filter(|&&i| count[i as usize] == 1)
                .map(|&i| inst.weights[i as usize])
                .sum();
            for &i in &inst.covers[g][here] {
                count[i as usize] -= 1;
            }
            let mut best = (lose, here);
            for j in 0..m {
                let gain: f64 = inst.covers[g][j]
                    .iter()
                    .filter(|&&i| count[i as usize] == 0)
                    .map(|&i| inst.weights[i as usize])
                    .sum();
                if gain > best.0 + 1e-9 {
                    best = (gain, j);
                }
            }
            *post = best.1;
            moved |= best.1 != here;
            for &i in &inst.covers[g][best.1] {
                count[i as usize] += 1;
            }
        }
        if !moved {
            break;
        }
    }
    let covered = inst.coverage(&posts);
    Plan { posts, covered }
}

/// Greedy, then swaps, then a few sideways steps out of a plateau (each
/// unit moved to another post that loses nothing, then swaps again),
/// keeping the best posting seen: the planner's answer.
pub fn solve(inst: &Instance) -> Plan {
    let mut best = improve(inst, greedy(inst), 50);
    let mut current = best.clone();
    for _ in 0..SIDEWAYS_ROUNDS {
        let Some(moved) = sideways(inst, &current) else { break };
        current = improve(inst, moved, 50);
        if current.covered > best.covered + 1e-9 {
            best = current.clone();
        }
    }
    best
}

/// How many sideways steps [`solve`] tries.
const SIDEWAYS_ROUNDS: usize = 3;

/// Every unit in turn moved to the lowest other post where it covers at
/// least as much new weight as it does where it stands (so nothing is
/// lost); `None` if no unit can move so.
fn sideways(inst: &Instance, plan: &Plan) -> Option<Plan> {
    let m = inst.candidates();
    let mut posts = plan.posts.clone();
    let mut count = vec![0u32; inst.weights.len()];
    for (u, &j) in posts.iter().enumerate() {
        for &i in &inst.covers[inst.units[u]][j] {
            count[i as usize] += 1;
        }
    }
    let mut any = false;
    for (post, &g) in posts.iter_mut().zip(&inst.units) {
        let here = *post;
        for &i in &inst.covers[g][here] {
            count[i as usize] -= 1;
        }
        let gain = |j: usize, count: &[u32]| -> f64 {
            inst.covers[g][j]
                .iter()
                .filter(|&&i| count[i as usize] == 0)
                .fold(0.0, |a, &i| a + inst.weights[i as usize])
        };
        let keep = gain(here, &count);
        if let Some(j) =
            (0..m).find(|&j| j != here && inst.covers[g][j] != inst.covers[g][here] && gain(j, &count) >= keep - 1e-9)
        {
            *post = j;
            any = true;
        }
        for &i in &inst.covers[g][*post] {
            count[i as usize] += 1;
        }
    }
    any.then(|| Plan { covered: inst.coverage(&posts), posts })
}

/// The optimum by enumerating every posting (units of one group as a
/// multiset); `None` if there are more than `limit` postings to try.
pub fn exact(inst: &Instance, limit: u64) -> Option<Plan> {
    let m = inst.candidates();
    if m == 0 || inst.units.is_empty() {
        return Some(Plan { posts: vec![0; inst.units.len()], covered: 0.0 });
    }
    // order units by group so that a group's posts can be kept non-decreasing
    let mut order: Vec<usize> = (0..inst.units.len()).collect();
    order.sort_by_key(|&u| inst.units[u]);
    let mut postings: u64 = 1;
    let mut u = 0;
    while u < order.len() {
        let g = inst.units[order[u]];
        let k = order[u..].iter().take_while(|&&v| inst.units[v] == g).count() as u64;
        // multisets of size k from m: C(m + k - 1, k)
        let mut c: u64 = 1;
        for i in 0..k {
            c = c.saturating_mul(m as u64 + i) / (i + 1);
        }
        postings = postings.saturating_mul(c);
        if postings > limit {
            return None;
        }
        u += k as usize;
    }
    let mut best = Plan { posts: vec![0; inst.units.len()], covered: -1.0 };
    let mut posts = vec![0usize; inst.units.len()];
    fn walk(inst: &Instance, order: &[usize], at: usize, posts: &mut Vec<usize>, best: &mut Plan) {
        if at == order.len() {
            let c = inst.coverage(posts);
            if c > best.covered + 1e-12 {
                *best = Plan { posts: posts.clone(), covered: c };
            }
            return;
        }
        let u = order[at];
        let from = if at > 0 && inst.units[order[at - 1]] == inst.units[u] { posts[order[at - 1]] } else { 0 };
        for j in from..inst.candidates() {
            posts[u] = j;
            walk(inst, order, at + 1, posts, best);
        }
    }
    walk(inst, &order, 0, &mut posts, &mut best);
    Some(best)
}

/// Which incidents a unit of `kind` posted at each candidate reaches within
/// its target: `eta(kind, from, to)` is the ranking's ETA (routed or
/// straight-line), `None` where there is no route.
pub fn covers(
    kind: UnitKind,
    candidates: &[Coordinates],
    incidents: &[(Coordinates, f64)],
    eta: impl Fn(UnitKind, Coordinates, Coordinates) -> Option<f64>,
) -> Vec<Vec<u32>> {
    candidates
        .iter()
        .map(|&post| {
            incidents
                .iter()
                .enumerate()
                .filter(|(_, (at, target_s))| eta(kind, post, *at).is_some_and(|s| s <= *target_s))
                .map(|(i, _)| i as u32)
                .collect()
        })
        .collect()
}

/// A daily band of local hours, `20-02` (8 pm to 2 am), `00-24` (all day).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HourBand {
    pub from: u8,
    pub to: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("hours must be two hours 0-24 like 20-02 (8 pm to 2 am) or 00-24 (all day), and not equal; got {0:?}")]
pub struct HourBandError(pub String);

impl HourBand {
    pub const ALL_DAY: HourBand = HourBand { from: 0, to: 24 };

    pub fn parse(s: &str) -> Result<HourBand, HourBandError> {
        let bad = || HourBandError(s.chars().take(20).collect());
        let (a, b) = s.trim().split_once('-').ok_or_else(bad)?;
        let h = |t: &str| t.trim().parse::<u8>().ok().filter(|h| *h <= 24).ok_or_else(bad);
        let (from, to) = (h(a)?, h(b)?);
        if from == to || from == 24 {
            return Err(bad());
        }
        Ok(HourBand { from, to })
    }

    /// Whether local hour `h` (0-23) is in the band (a band may cross midnight).
    pub fn contains(self, h: u32) -> bool {
        let (a, b) = (u32::from(self.from), u32::from(self.to));
        if a < b { (a..b).contains(&h) } else { h >= a || h < b }
    }
}

impl std::fmt::Display for HourBand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}-{:02}", self.from, self.to)
    }
}

impl HourBand {
    /// The band's length in hours.
    pub fn hours(self) -> u32 {
        let (a, b) = (u32::from(self.from), u32::from(self.to));
        if a < b { b - a } else { 24 - a + b }
    }

    /// The band's windows over a period, `[start, end)` in ms, one per day
    /// (a band crossing midnight runs into the next day).
    pub fn windows(self, range: &crate::time::DateRange, clock: crate::time::LocalClock) -> Vec<(i64, i64)> {
        let mut out = vec![];
        let mut day = range.from;
        while day <= range.to {
            let start = clock.day_start(day).timestamp_millis() + i64::from(self.from) * 3_600_000;
            out.push((start, start + i64::from(self.hours()) * 3_600_000));
            match day.succ_opt() {
                Some(d) => day = d,
                None => break,
            }
        }
        out
    }
}

/// The share of `windows` (ascending, not overlapping) a unit was on duty,
/// from its status before the first window and its changes `(at, status)`
/// in time order: 1.0 on duty throughout, 0.0 never.
pub fn on_duty_share(windows: &[(i64, i64)], at_start: crate::UnitStatus, changes: &[(i64, crate::UnitStatus)]) -> f64 {
    let total: i64 = windows.iter().map(|(a, b)| b - a).sum();
    if total <= 0 {
        return 0.0;
    }
    let mut status = at_start;
    let mut next = 0;
    let mut on = 0;
    for &(a, b) in windows {
        while next < changes.len() && changes[next].0 < a {
            status = changes[next].1;
            next += 1;
        }
        let inside: Vec<(i64, crate::UnitStatus)> =
            changes[next..].iter().take_while(|(at, _)| *at < b).copied().collect();
        on += crate::volunteers::on_duty_ms(status, &inside, a, b);
    }
    on as f64 / total as f64
}

/// How much an incident counts in the cover: urgent 3, normal 2, low 1.
pub fn weight(priority: crate::Priority) -> f64 {
    f64::from(4 - priority.get().clamp(1, 3))
}

/// A past incident as the what-if replay needs it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PastIncident {
    pub at: Coordinates,
    /// Milliseconds since the epoch when it was received.
    pub received_ms: i64,
    /// The arrival target of its zone class, seconds.
    pub target_s: u32,
    /// Recorded: received → dispatched, seconds (`None`: never dispatched;
    /// the replay leaves it out).
    pub dispatch_s: Option<f64>,
    /// Recorded: received → first unit on scene, seconds.
    pub arrival_s: Option<f64>,
    /// Recorded: on scene → resolved, seconds (the replay keeps the unit
    /// that long; [`DEFAULT_ON_SCENE_S`] when not recorded).
    pub on_scene_s: Option<f64>,
}

/// How long a unit stays at a scene when the record does not say.
pub const DEFAULT_ON_SCENE_S: f64 = 900.0;

/// Percentiles and compliance of a set of response times.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Figures {
    pub count: usize,
    pub dispatch_p50_s: Option<f64>,
    pub dispatch_p90_s: Option<f64>,
    pub arrival_p50_s: Option<f64>,
    pub arrival_p90_s: Option<f64>,
    /// Share of incidents reached within their zone class's target (1-3-5).
    pub compliance: Option<f64>,
}

/// One incident's outcome in the replay.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Replayed {
    /// Index into the incidents given.
    pub incident: usize,
    /// Index into the deployment of the unit sent.
    pub unit: usize,
    pub dispatch_s: f64,
    pub arrival_s: f64,
    pub within_target: bool,
}

/// The replay of a period against a deployment, beside what happened.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReplayReport {
    pub recorded: Figures,
    pub predicted: Figures,
    pub incidents: Vec<Replayed>,
}

fn figures(dispatch: &mut [f64], arrival: &mut [f64], within: usize, count: usize) -> Figures {
    use crate::stats::percentile_nearest_rank as p;
    Figures {
        count,
        dispatch_p50_s: p(dispatch, 50.0),
        dispatch_p90_s: p(dispatch, 90.0),
        arrival_p50_s: p(arrival, 50.0),
        arrival_p90_s: p(arrival, 90.0),
        compliance: (count > 0).then(|| within as f64 / count as f64),
    }
}

/// Replays `incidents` against units standing at `posts` (kind, position),
/// with the engine's rules: when the incident was dispatched in the record
/// (the dispatcher's own delay is kept), the free unit with the earliest
/// ETA is sent (none free: the first to come free, then); it arrives after
/// its ETA, stays as long as the record says, then returns to its post and
/// is free again on arrival there. `eta(kind, from, to)` is the ranking's
/// ETA in seconds (routed, or the straight-line model).
pub fn replay(
    incidents: &[PastIncident],
    posts: &[(UnitKind, Coordinates)],
    eta: impl Fn(UnitKind, Coordinates, Coordinates) -> f64,
) -> ReplayReport {
    let mut order: Vec<usize> = (0..incidents.len()).filter(|&i| incidents[i].dispatch_s.is_some()).collect();
    order.sort_by_key(|&i| (incidents[i].received_ms, i));
    // when each unit is free at its post, ms since the epoch
    let mut free_at: Vec<f64> = vec![f64::NEG_INFINITY; posts.len()];
    let mut out = vec![];
    let (mut rec_d, mut rec_a, mut rec_in) = (vec![], vec![], 0usize);
    let (mut pre_d, mut pre_a, mut pre_in) = (vec![], vec![], 0usize);
    for &i in &order {
        let inc = &incidents[i];
        let received = inc.received_ms as f64;
        let Some(delay) = inc.dispatch_s else { continue };
        rec_d.push(delay);
        if let Some(a) = inc.arrival_s {
            rec_a.push(a);
            if a <= f64::from(inc.target_s) {
                rec_in += 1;
            }
        }
        if posts.is_empty() {
            continue;
        }
        let mut at = received + delay * 1000.0;
        if !free_at.iter().any(|f| *f <= at) {
            at = free_at.iter().copied().fold(f64::INFINITY, f64::min);
        }
        let mut best: Option<(f64, usize)> = None;
        for (u, (kind, post)) in posts.iter().enumerate() {
            if free_at[u] > at {
                continue;
            }
            let t = eta(*kind, *post, inc.at);
            if best.is_none_or(|(b, _)| t < b) {
                best = Some((t, u));
            }
        }
        let Some((travel, u)) = best else { continue };
        let arrive = at + travel * 1000.0;
        let stay = inc.on_scene_s.unwrap_or(DEFAULT_ON_SCENE_S).max(0.0);
        let back = eta(posts[u].0, inc.at, posts[u].1);
        free_at[u] = arrive + (stay + back) * 1000.0;
        let dispatch_s = (at - received) / 1000.0;
        let arrival_s = (arrive - received) / 1000.0;
        let within_target = arrival_s <= f64::from(inc.target_s);
        pre_d.push(dispatch_s);
        pre_a.push(arrival_s);
        if within_target {
            pre_in += 1;
        }
        out.push(Replayed { incident: i, unit: u, dispatch_s, arrival_s, within_target });
    }
    let rec_count = rec_a.len();
    let pre_count = pre_a.len();
    ReplayReport {
        recorded: figures(&mut rec_d, &mut rec_a, rec_in, rec_count),
        predicted: figures(&mut pre_d, &mut pre_a, pre_in, pre_count),
        incidents: out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn inst(weights: &[f64], covers: Vec<Vec<Vec<u32>>>, units: &[usize]) -> Instance {
        Instance { weights: weights.to_vec(), covers, units: units.to_vec() }
    }

    #[test]
    fn greedy_can_be_beaten_and_the_swaps_find_the_optimum() {
        // the classic trap: post A covers the middle of two clusters and
        // wins the first pick; two units are better at B and C
        let weights = [1.0; 6];
        let covers = vec![vec![vec![1, 2, 3, 4], vec![0, 1, 2], vec![3, 4, 5]]];
        let i = inst(&weights, covers, &[0, 0]);
        let g = greedy(&i);
        assert_eq!(g.posts[0], 0, "greedy takes the middle first");
        assert_eq!(g.covered, 5.0);
        let best = exact(&i, 1000).expect("small");
        assert_eq!(best.covered, 6.0);
        assert_eq!(solve(&i).covered, 6.0, "moving the middle unit out covers everything");
    }

    #[test]
    fn two_kinds_can_hold_greedy_and_swaps_at_half_and_a_sideways_step_frees_them() {
        // kind 1 at post 0 reaches call 1, at post 1 call 0; kind 0 reaches
        // call 1 from post 1 only. Greedy sends kind 1 to post 0 (first of
        // three equal gains); kind 0 then adds nothing, and no single move
        // adds anything: half of the optimum (both calls), the guarantee of
        // greedy with several kinds (a partition matroid)
        let i = inst(&[2.0, 2.0], vec![vec![vec![], vec![1]], vec![vec![1], vec![0]]], &[1, 0]);
        assert_eq!(exact(&i, 100).expect("small").covered, 4.0);
        assert_eq!(improve(&i, greedy(&i), 50).covered, 2.0);
        // moving kind 1 to post 1 loses nothing and lets kind 0 take call 1
        assert_eq!(solve(&i).covered, 4.0);
    }

    #[test]
    fn kinds_cover_differently() {
        // a car at post 1 reaches all; a foot patrol only what is next to it
        let weights = [3.0, 1.0, 1.0];
        let covers = vec![vec![vec![0, 1, 2], vec![0]], vec![vec![1], vec![0]]];
        let i = inst(&weights, covers, &[0, 1]);
        let p = solve(&i);
        assert_eq!(p.covered, 5.0);
        assert_eq!(p.posts[0], 0);
        assert_eq!(exact(&i, 100).expect("small").covered, 5.0);
    }

    #[test]
    fn hour_bands_cross_midnight_and_bad_ones_are_refused() {
        let night = HourBand::parse("20-02").expect("valid");
        assert!(night.contains(23) && night.contains(0) && night.contains(1) && night.contains(20));
        assert!(!night.contains(2) && !night.contains(12));
        let day = HourBand::parse("00-24").expect("valid");
        assert!((0..24).all(|h| day.contains(h)));
        assert_eq!(night.to_string(), "20-02");
        for bad in ["", "20", "5-5", "25-03", "a-b", "24-02"] {
            assert!(HourBand::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(weight(crate::Priority::URGENT), 3.0);
        assert_eq!(weight(crate::Priority::LOW), 1.0);
    }

    #[test]
    fn units_on_duty_by_hour_band() {
        use crate::UnitStatus::{Available, OffDuty};
        let clock = crate::time::LocalClock::new(480);
        let range = crate::time::DateRange::parse(Some("2026-11-01"), Some("2026-11-02"), chrono::NaiveDate::MIN)
            .expect("valid");
        let night = HourBand::parse("20-02").expect("valid");
        let w = night.windows(&range, clock);
        assert_eq!(w.len(), 2);
        assert_eq!(night.hours(), 6);
        // 2026-11-01 20:00 +08:00 = 12:00 UTC
        assert_eq!(w[0].0, 1_793_534_400_000);
        assert_eq!(w[0].1 - w[0].0, 6 * 3_600_000);
        assert_eq!(w[1].0 - w[0].0, 86_400_000);
        let h = 3_600_000;
        // on duty the whole first night, off the second: half
        let changes = [(w[0].1 + h, OffDuty)];
        assert!((on_duty_share(&w, Available, &changes) - 0.5).abs() < 1e-12);
        // came on at 23:00 the first night and stayed: 3 + 6 of 12 hours
        let changes = [(w[0].0 + 3 * h, Available)];
        assert!((on_duty_share(&w, OffDuty, &changes) - 0.75).abs() < 1e-12);
        assert_eq!(on_duty_share(&w, OffDuty, &[]), 0.0);
        assert_eq!(on_duty_share(&[], Available, &[]), 0.0);
    }

    #[test]
    fn nothing_to_post_and_nowhere_to_post() {
        let empty = Instance::default();
        assert_eq!(solve(&empty).covered, 0.0);
        assert!(empty.total_weight().is_sign_positive() && empty.coverage(&[]).is_sign_positive(), "0, not -0");
        let i = inst(&[1.0], vec![vec![vec![0]]], &[]);
        assert_eq!(solve(&i), Plan { posts: vec![], covered: 0.0 });
        assert!(exact(&inst(&[1.0], vec![vec![vec![0]; 40]], &[0; 12]), 1_000_000).is_none(), "too many to enumerate");
    }

    #[test]
    fn covers_uses_the_eta_and_the_target() {
        let a = Coordinates::parse(25.0, 110.0).expect("valid");
        let b = Coordinates::parse(25.01, 110.0).expect("valid");
        let m = crate::TravelModel::default();
        let eta = |k: UnitKind, from: Coordinates, to: Coordinates| Some(m.eta_s(k, from.distance_m(to)));
        // 1.1 km by car is 180 s under the model: inside 300 s, outside 60 s
        let c = covers(UnitKind::Car, &[a], &[(b, 300.0), (b, 60.0), (a, 60.0)], eta);
        assert_eq!(c, vec![vec![0, 2]]);
        let none = covers(UnitKind::Car, &[a], &[(b, 300.0)], |_, _, _| None);
        assert_eq!(none, vec![Vec::<u32>::new()]);
    }

    /// A second, independent account of the same rules: a clock that ticks
    /// every 10 ms, units that travel by counting down their ETA, come back
    /// and wait at their posts. It writes the "record" the replay is held to.
    fn tick_simulation(
        incidents: &mut [PastIncident],
        posts: &[(UnitKind, Coordinates)],
        eta: &dyn Fn(UnitKind, Coordinates, Coordinates) -> f64,
    ) {
        #[derive(Clone, Copy)]
        enum State {
            Free,
            Going { scene: usize, left_ms: i64 },
            Staying { scene: usize, left_ms: i64 },
            Returning { left_ms: i64 },
        }
        let mut state = vec![State::Free; posts.len()];
        let mut waiting: Vec<usize> = vec![];
        let end = incidents.iter().map(|i| i.received_ms).max().unwrap_or(0) + 86_400_000;
        let start = incidents.iter().map(|i| i.received_ms).min().unwrap_or(0);
        let mut order: Vec<usize> = (0..incidents.len()).collect();
        order.sort_by_key(|&i| (incidents[i].received_ms, i));
        let mut next = 0;
        let mut now = start;
        while now <= end {
            // units move on
            for s in state.iter_mut() {
                *s = match *s {
                    State::Going { scene, left_ms } if left_ms <= 0 => {
                        let inc = &mut incidents[scene];
                        inc.arrival_s = Some((now - inc.received_ms) as f64 / 1000.0);
                        State::Staying {
                            scene,
                            left_ms: (inc.on_scene_s.unwrap_or(DEFAULT_ON_SCENE_S) * 1000.0) as i64,
                        }
                    }
                    State::Going { scene, left_ms } => State::Going { scene, left_ms: left_ms - 10 },
                    other => other,
                };
            }
            for (u, s) in state.iter_mut().enumerate() {
                *s = match *s {
                    State::Staying { scene, left_ms } if left_ms <= 0 => {
                        State::Returning { left_ms: (eta(posts[u].0, incidents[scene].at, posts[u].1) * 1000.0) as i64 }
                    }
                    State::Staying { scene, left_ms } => State::Staying { scene, left_ms: left_ms - 10 },
                    State::Returning { left_ms } if left_ms <= 0 => State::Free,
                    State::Returning { left_ms } => State::Returning { left_ms: left_ms - 10 },
                    other => other,
                };
            }
            // calls whose dispatcher has decided by now join the queue
            while next < order.len() {
                let inc = &incidents[order[next]];
                let due = inc.received_ms + (inc.dispatch_s.unwrap_or(0.0) * 1000.0) as i64;
                if due > now {
                    break;
                }
                waiting.push(order[next]);
                next += 1;
            }
            // the oldest waiting call gets the free unit with the earliest ETA
            while let Some(&scene) = waiting.first() {
                let free: Vec<usize> = (0..posts.len()).filter(|&u| matches!(state[u], State::Free)).collect();
                let Some(&u) = free.iter().min_by(|&&a, &&b| {
                    eta(posts[a].0, posts[a].1, incidents[scene].at).total_cmp(&eta(
                        posts[b].0,
                        posts[b].1,
                        incidents[scene].at,
                    ))
                }) else {
                    break;
                };
                waiting.remove(0);
                let inc = &mut incidents[scene];
                inc.dispatch_s = Some((now - inc.received_ms) as f64 / 1000.0);
                state[u] = State::Going { scene, left_ms: (eta(posts[u].0, posts[u].1, inc.at) * 1000.0) as i64 - 10 };
            }
            now += 10;
        }
    }

    #[test]
    fn replaying_an_unchanged_deployment_reproduces_the_record() {
        let model = crate::TravelModel::default();
        let eta = |k: UnitKind, a: Coordinates, b: Coordinates| model.eta_s(k, a.distance_m(b));
        let c = |x: f64, y: f64| Coordinates::parse(25.24 + y / 111_195.0, 110.2 + x / 100_000.0).expect("valid");
        let posts =
            vec![(UnitKind::Car, c(0.0, 0.0)), (UnitKind::Ebike, c(1500.0, 800.0)), (UnitKind::Foot, c(300.0, 300.0))];
        let mut seed = 42u64;
        let mut rnd = move || {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        // a busy evening: 40 calls over 3 hours, some while every unit is out
        let mut incidents: Vec<PastIncident> = (0..40)
            .map(|_| PastIncident {
                at: c(rnd() * 3000.0, rnd() * 2000.0),
                received_ms: 1_790_000_000_000 + (rnd() * 3.0 * 3_600_000.0) as i64,
                target_s: [60, 180, 300][(rnd() * 3.0) as usize % 3],
                // the dispatcher's own delay: 5-40 s (whole tenths, like the ticks)
                dispatch_s: Some((50.0 + rnd() * 350.0).round() / 10.0),
                arrival_s: None,
                on_scene_s: Some((rnd() * 900.0).round()),
            })
            .collect();
        let decided: Vec<f64> = incidents.iter().map(|i| i.dispatch_s.unwrap_or(0.0)).collect();
        tick_simulation(&mut incidents, &posts, &eta);
        assert!(incidents.iter().all(|i| i.arrival_s.is_some()), "the simulation answered every call");
        let queued = incidents.iter().zip(&decided).filter(|(i, d)| i.dispatch_s.unwrap_or(0.0) > **d + 0.05).count();
        assert!(queued > 0, "some calls waited for a unit, so the queueing rule is exercised");
        // the record keeps the dispatcher's delay; the wait for a unit is the replay's to find
        let record: Vec<PastIncident> =
            incidents.iter().zip(&decided).map(|(i, d)| PastIncident { dispatch_s: Some(*d), ..*i }).collect();
        let r = replay(&record, &posts, eta);
        assert_eq!(r.incidents.len(), 40);
        // stated tolerance: 1 s per incident (the simulation's 100 ms ticks
        // round each leg of a trip, and a queued call inherits the rounding
        // of the trips before it), so percentiles within 1 s and compliance
        // within one incident whose arrival is that close to its target
        for p in &r.incidents {
            let rec = incidents[p.incident];
            assert!((p.arrival_s - rec.arrival_s.expect("arrived")).abs() <= 1.0, "{p:?} vs {rec:?}");
            assert!((p.dispatch_s - rec.dispatch_s.expect("dispatched")).abs() <= 1.0, "{p:?} vs {rec:?}");
        }
        let sim: Vec<PastIncident> = incidents.clone();
        let recorded = replay(&sim, &[], eta).recorded;
        for (a, b) in [
            (r.predicted.arrival_p50_s, recorded.arrival_p50_s),
            (r.predicted.arrival_p90_s, recorded.arrival_p90_s),
            (r.predicted.dispatch_p90_s, recorded.dispatch_p90_s),
        ] {
            assert!((a.expect("a figure") - b.expect("a figure")).abs() <= 1.0, "{a:?} vs {b:?}");
        }
        assert!(
            (r.predicted.compliance.expect("a share") - recorded.compliance.expect("a share")).abs()
                <= 1.0 / 40.0 + 1e-9
        );
    }

    #[test]
    fn a_closer_post_improves_the_prediction_and_nothing_dispatched_is_left_out() {
        let model = crate::TravelModel::default();
        let eta = |k: UnitKind, a: Coordinates, b: Coordinates| model.eta_s(k, a.distance_m(b));
        let scene = Coordinates::parse(25.25, 110.2).expect("valid");
        let far = Coordinates::parse(25.27, 110.2).expect("valid");
        let inc = PastIncident {
            at: scene,
            received_ms: 0,
            target_s: 180,
            dispatch_s: Some(20.0),
            arrival_s: Some(400.0),
            on_scene_s: None,
        };
        let never = PastIncident { dispatch_s: None, arrival_s: None, ..inc };
        let a = replay(&[inc, never], &[(UnitKind::Car, far)], eta);
        let b = replay(&[inc, never], &[(UnitKind::Car, scene)], eta);
        assert_eq!(a.incidents.len(), 1, "the call never dispatched is not replayed");
        assert_eq!(a.recorded.arrival_p50_s, Some(400.0));
        assert_eq!(a.recorded.compliance, Some(0.0));
        assert!(!a.incidents[0].within_target);
        assert_eq!(b.incidents[0].arrival_s, 20.0, "posted on the spot: the dispatcher's delay only");
        assert_eq!(b.predicted.compliance, Some(1.0));
    }

    fn instance_strategy() -> impl Strategy<Value = Instance> {
        (1usize..3, 2usize..8, 1usize..25, 1usize..5).prop_flat_map(|(groups, m, n, p)| {
            (
                proptest::collection::vec(1u8..5, n),
                proptest::collection::vec(
                    proptest::collection::vec(proptest::collection::vec(proptest::bool::weighted(0.25), n), m),
                    groups,
                ),
                proptest::collection::vec(0..groups, p),
            )
                .prop_map(|(w, raw, units)| Instance {
                    weights: w.into_iter().map(f64::from).collect(),
                    covers: raw
                        .into_iter()
                        .map(|g| {
                            g.into_iter()
                                .map(|row| row.iter().enumerate().filter(|(_, b)| **b).map(|(i, _)| i as u32).collect())
                                .collect()
                        })
                        .collect(),
                    units,
                })
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        #[test]
        fn greedy_is_within_one_minus_one_over_e_of_the_optimum(i in instance_strategy()) {
            let best = exact(&i, 2_000_000).expect("small instances");
            prop_assert!((i.coverage(&best.posts) - best.covered).abs() < 1e-9);
            let g = greedy(&i);
            let s = solve(&i);
            prop_assert!((i.coverage(&g.posts) - g.covered).abs() < 1e-9);
            prop_assert!(g.covered <= best.covered + 1e-9);
            prop_assert!(s.covered <= best.covered + 1e-9, "no posting beats the enumeration");
            prop_assert!(s.covered >= g.covered - 1e-9, "the swaps never lose cover");
            let one_kind = i.units.iter().all(|&g| g == i.units[0]);
            let bound = if one_kind { 1.0 - (-1.0f64).exp() } else { 0.5 };
            prop_assert!(g.covered >= bound * best.covered - 1e-9, "greedy {} vs optimum {}", g.covered, best.covered);
            // (with several kinds the swaps alone do not lift the bound: two
            // units of different kinds can block each other, as in
            // `two_kinds_can_hold_greedy_and_swaps_at_half_…`)
            prop_assert!(s.covered >= bound * best.covered - 1e-9);
        }
    }
}
