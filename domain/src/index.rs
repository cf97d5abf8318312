//! The live fleet index: which available units can reach a point first, in
//! microseconds, kept in step with every position and status change.
//!
//! Units of different speeds compete, so the nearest unit is not always the
//! first to arrive: a motorbike 2 km away beats a foot patrol 600 m away. The
//! search is exact all the same:
//!
//! * available, placed units live in one R-tree, as points on the unit
//!   sphere, where straight-line (chord) order is great-circle order and a
//!   chord is never longer than its arc;
//! * the search is best-first over tree nodes keyed by the earliest any
//!   unit inside could arrive (distance at the fleet's top speed); each unit
//!   reached is checked against its own kind's reach and scored exactly; the
//!   search stops when no node left can beat or tie the K-th best ETA;
//! * a unit is only moved in its tree when it has drifted more than `slack`
//!   metres from the point it is filed under; the lower bounds subtract the
//!   slack, so results stay exact while most 1 Hz position reports cost a
//!   hash-map update instead of a tree removal and insertion.
//!
//! [`crate::fleet::recommend_scan`] is the definition; property tests hold
//! this index to it.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use std::collections::BinaryHeap;

use rstar::primitives::GeomWithData;
use rstar::{ParentNode, RStarInsertionStrategy, RTree, RTreeNode, RTreeParams};

use crate::coords::EARTH_RADIUS_M;
use crate::fleet::{Recommendation, UnitState, rank_order};
use crate::{Coordinates, TravelModel, UnitId, UnitKind, UnitStatus};

/// How far a unit may drift from where it is filed before it is re-filed.
pub const DEFAULT_SLACK_M: f64 = 25.0;

/// A filed unit: its point and its slot in `FleetIndex::entries`.
type Item = GeomWithData<[f64; 3], u32>;

/// Node sizes for the trees (rstar's default is 3–6).
struct Params;
impl RTreeParams for Params {
    const MIN_SIZE: usize = NODE_MIN;
    const MAX_SIZE: usize = NODE_MAX;
    const REINSERTION_COUNT: usize = NODE_REINSERT;
    type DefaultInsertionStrategy = RStarInsertionStrategy;
}
const NODE_MIN: usize = 6;
const NODE_MAX: usize = 16;
const NODE_REINSERT: usize = 4;

/// A position on the unit sphere.
fn unit_vector(c: Coordinates) -> [f64; 3] {
    let (lat, lon) = (c.lat().to_radians(), c.lon().to_radians());
    [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
}

fn chord2(a: [f64; 3], b: [f64; 3]) -> f64 {
    (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    state: UnitState,
    /// Where the unit is filed in the tree, if it is.
    filed: Option<[f64; 3]>,
}

pub struct FleetIndex {
    model: TravelModel,
    slack_m: f64,
    /// The squared chord of `slack_m`.
    slack_chord2: f64,
    tree: RTree<Item, Params>,
    /// The fastest kind's speed: what bounds a node's earliest arrival.
    top_speed_ms: f64,
    /// Speed of each kind, indexed like [`UnitKind::ALL`].
    speed_of: [f64; 5],
    /// Unit id → slot in `entries`; the trees hold slots, so a search never
    /// hashes.
    slots: HashMap<UnitId, u32>,
    entries: Vec<Entry>,
    free: Vec<u32>,
}

fn kind_slot(kind: UnitKind) -> usize {
    UnitKind::ALL.iter().position(|k| *k == kind).unwrap_or(0)
}

impl FleetIndex {
    pub fn new(model: TravelModel) -> FleetIndex {
        FleetIndex::with_slack(model, DEFAULT_SLACK_M)
    }

    /// An index that re-files a unit once it drifts `slack_m` metres (0:
    /// every move).
    pub fn with_slack(model: TravelModel, slack_m: f64) -> FleetIndex {
        let mut speed_of = [0.0; 5];
        for kind in UnitKind::ALL {
            speed_of[kind_slot(*kind)] = model.speed_ms(*kind);
        }
        let top_speed_ms = speed_of.iter().copied().fold(0.0, f64::max);
        let slack_m = slack_m.max(0.0);
        let slack_chord = 2.0 * (slack_m / (2.0 * EARTH_RADIUS_M)).sin();
        FleetIndex {
            model,
            slack_m,
            slack_chord2: slack_chord * slack_chord,
            tree: RTree::new_with_params(),
            top_speed_ms,
            speed_of,
            slots: HashMap::new(),
            entries: vec![],
            free: vec![],
        }
    }

    /// An index holding `units`, its trees packed in one pass (better
    /// shaped than the same trees built by one insertion at a time).
    pub fn from_units(model: TravelModel, units: impl IntoIterator<Item = UnitState>) -> FleetIndex {
        let mut ix = FleetIndex::new(model);
        let mut items: Vec<Item> = vec![];
        for state in units {
            if ix.slots.contains_key(&state.id) {
                ix.upsert(state);
                continue;
            }
            let slot = ix.entries.len() as u32;
            let filed =
                if state.status == UnitStatus::Available { state.position.map(|(c, _)| unit_vector(c)) } else { None };
            if let Some(p) = filed {
                items.push(Item::new(p, slot));
            }
            ix.entries.push(Entry { state, filed });
            ix.slots.insert(state.id, slot);
        }
        ix.tree = RTree::bulk_load_with_params(items);
        ix
    }

    pub fn model(&self) -> &TravelModel {
        &self.model
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    pub fn get(&self, id: UnitId) -> Option<UnitState> {
        self.slots.get(&id).map(|s| self.entries[*s as usize].state)
    }

    /// Adds a unit or replaces everything known about it.
    pub fn upsert(&mut self, state: UnitState) {
        if self.get(state.id).is_some_and(|old| old.kind != state.kind) {
            self.remove(state.id);
        }
        let slot = match self.slots.get(&state.id) {
            Some(s) => *s,
            None => {
                let s = match self.free.pop() {
                    Some(s) => s,
                    None => {
                        self.entries.push(Entry { state, filed: None });
                        (self.entries.len() - 1) as u32
                    }
                };
                self.slots.insert(state.id, s);
                self.entries[s as usize] = Entry { state, filed: None };
                s
            }
        };
        self.entries[slot as usize].state = state;
        self.refile(slot);
    }

    /// Changes a unit's status; `false` for an unknown unit.
    pub fn set_status(&mut self, id: UnitId, status: UnitStatus) -> bool {
        let Some(&slot) = self.slots.get(&id) else { return false };
        self.entries[slot as usize].state.status = status;
        self.refile(slot);
        true
    }

    /// Records a unit's position; `false` for an unknown unit.
    pub fn set_position(&mut self, id: UnitId, at: Coordinates, seen: DateTime<Utc>) -> bool {
        let Some(&slot) = self.slots.get(&id) else { return false };
        self.entries[slot as usize].state.position = Some((at, seen));
        self.refile(slot);
        true
    }

    pub fn remove(&mut self, id: UnitId) {
        let Some(slot) = self.slots.remove(&id) else { return };
        if let Some(p) = self.entries[slot as usize].filed.take() {
            self.tree.remove(&Item::new(p, slot));
        }
        // the slot is reused by the next unit added
        self.free.push(slot);
    }

    /// Takes units whose positions have gone stale out of the trees, so a
    /// search never wades through them; a new report files them again.
    /// Returns how many were taken out.
    pub fn sweep_stale(&mut self, now: DateTime<Utc>) -> usize {
        let mut n = 0;
        let FleetIndex { entries, tree, model, .. } = self;
        for (slot, e) in entries.iter_mut().enumerate() {
            if let (Some(p), Some((_, seen))) = (e.filed, e.state.position)
                && !crate::fleet::is_fresh(seen, now, model)
            {
                tree.remove(&Item::new(p, slot as u32));
                e.filed = None;
                n += 1;
            }
        }
        n
    }

    /// Files, moves or unfiles a unit in its tree after a change.
    fn refile(&mut self, slot: u32) {
        let FleetIndex { entries, tree, slack_chord2, .. } = self;
        let e = &mut entries[slot as usize];
        let want =
            if e.state.status == UnitStatus::Available { e.state.position.map(|(c, _)| unit_vector(c)) } else { None };
        match (e.filed, want) {
            (Some(old), Some(new)) if chord2(old, new) <= *slack_chord2 => {}
            (old, new) => {
                if let Some(p) = old {
                    tree.remove(&Item::new(p, slot));
                }
                if let Some(p) = new {
                    tree.insert(Item::new(p, slot));
                }
                e.filed = new;
            }
        }
    }

    /// The earliest a unit filed `c2` (squared chord, unit sphere) away, or
    /// anything in a box that close, could arrive at the top speed. A chord
    /// is never longer than its arc, so it bounds the distance from below;
    /// the true position may be up to `slack` closer than the filed one.
    fn lower_bound_eta(&self, c2: f64) -> f64 {
        // a micrometre of margin for floating-point rounding
        let m = (EARTH_RADIUS_M * c2.sqrt() - self.slack_m - 1e-6).max(0.0);
        m * self.model.detour_factor / self.top_speed_ms
    }

    /// The squared chord within which a unit filed there could still arrive
    /// by `eta_s` at `speed_ms`: the inverse of the bound above, with the
    /// same margin, so no unit that could tie is passed over.
    fn reach_chord2(&self, eta_s: f64, speed_ms: f64) -> f64 {
        let m = eta_s * speed_ms / self.model.detour_factor + self.slack_m + 1e-6;
        let c = m / EARTH_RADIUS_M * (1.0 + 1e-12);
        c * c
    }

    /// The top `k` candidates for `target` at `now`: the same answer as
    /// [`crate::fleet::recommend_scan`] over the same units.
    pub fn recommend(&self, target: Coordinates, now: DateTime<Utc>, k: usize) -> Vec<Recommendation> {
        if k == 0 || self.tree.size() == 0 {
            return vec![];
        }
        let q = unit_vector(target);
        let fresh_after = crate::fleet::fresh_after(now, &self.model);
        let mut best: Vec<Recommendation> = Vec::with_capacity(k + 1);
        let mut queue: BinaryHeap<Queued<'_>> = BinaryHeap::with_capacity(64);
        // How far (squared chord) a unit of each kind, and a node at the top
        // speed, may be and still beat the K-th ETA so far: infinite until K
        // units are scored. Pruning compares squared chords, no square roots.
        let mut reach2 = [f64::INFINITY; 5];
        let mut node_reach2 = f64::INFINITY;
        let root = self.tree.root();
        queue.push(Queued { lb: self.lower_bound_eta(root.envelope().distance_2(&q)), node: root });
        while let Some(Queued { lb, node }) = queue.pop() {
            if best.len() == k && lb > best[k - 1].eta_s {
                break;
            }
            for child in node.children() {
                match child {
                    RTreeNode::Parent(p) => {
                        let d2 = p.envelope().distance_2(&q);
                        if d2 <= node_reach2 {
                            queue.push(Queued { lb: self.lower_bound_eta(d2), node: p });
                        }
                    }
                    RTreeNode::Leaf(item) => {
                        let e = &self.entries[item.data as usize];
                        let kind = kind_slot(e.state.kind);
                        if chord2(*item.geom(), q) > reach2[kind] || e.state.status != UnitStatus::Available {
                            continue;
                        }
                        let Some((at, seen)) = e.state.position else { continue };
                        if seen <= fresh_after {
                            continue;
                        }
                        let distance_m = at.distance_m(target);
                        let r = Recommendation {
                            unit_id: e.state.id,
                            eta_s: self.model.eta_s(e.state.kind, distance_m),
                            distance_m,
                            by_road: false,
                        };
                        let pos = best.partition_point(|b| rank_order(b, &r).is_lt());
                        if pos < k {
                            best.insert(pos, r);
                            best.truncate(k);
                            if best.len() == k {
                                let kth = best[k - 1].eta_s;
                                for (reach, speed) in reach2.iter_mut().zip(self.speed_of) {
                                    *reach = self.reach_chord2(kth, speed);
                                }
                                node_reach2 = self.reach_chord2(kth, self.top_speed_ms);
                            }
                        }
                    }
                }
            }
        }
        best
    }
}

/// A tree node waiting in the search queue, smallest bound first.
struct Queued<'a> {
    lb: f64,
    node: &'a ParentNode<Item>,
}

impl PartialEq for Queued<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.lb.total_cmp(&other.lb).is_eq()
    }
}
impl Eq for Queued<'_> {}
impl PartialOrd for Queued<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Queued<'_> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        // reversed: BinaryHeap is a max-heap, the search wants the least bound
        other.lb.total_cmp(&self.lb)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};
    use proptest::prelude::*;

    use crate::fleet::recommend_scan;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 3, 0, 0).single().expect("valid date")
    }

    fn at(lat: f64, lon: f64) -> Coordinates {
        Coordinates::parse(lat, lon).expect("valid")
    }

    #[test]
    fn a_fast_unit_further_away_wins_and_busy_units_leave_the_index() {
        let mut ix = FleetIndex::new(TravelModel::default());
        let target = at(25.24, 110.20);
        ix.upsert(UnitState {
            id: UnitId(1),
            kind: UnitKind::Foot,
            status: UnitStatus::Available,
            position: Some((at(25.24 + 600.0 / 111_195.0, 110.20), now())),
        });
        ix.upsert(UnitState {
            id: UnitId(2),
            kind: UnitKind::Motorbike,
            status: UnitStatus::Available,
            position: Some((at(25.24 + 2000.0 / 111_195.0, 110.20), now())),
        });
        let ids = |v: Vec<Recommendation>| v.iter().map(|r| r.unit_id.0).collect::<Vec<_>>();
        assert_eq!(ids(ix.recommend(target, now(), 5)), vec![2, 1]);
        assert!(ix.set_status(UnitId(2), UnitStatus::Dispatched));
        assert_eq!(ids(ix.recommend(target, now(), 5)), vec![1]);
        assert!(ix.set_position(UnitId(1), at(25.2401, 110.2001), now() - Duration::seconds(500)));
        assert!(ix.recommend(target, now(), 5).is_empty(), "stale");
        assert_eq!(ix.sweep_stale(now()), 1);
        assert!(!ix.set_status(UnitId(99), UnitStatus::Available));
        ix.remove(UnitId(1));
        ix.remove(UnitId(2));
        assert!(ix.is_empty());
        assert_eq!(ix.tree.size(), 0, "nothing left in the tree");
    }

    #[test]
    fn a_unit_that_drifted_closer_within_the_slack_is_still_found() {
        let mut ix = FleetIndex::with_slack(TravelModel::default(), 1500.0);
        let target = at(25.24, 110.20);
        let north = |m: f64| at(25.24 + m / 111_195.0, 110.20);
        let unit = |id, m| UnitState {
            id: UnitId(id),
            kind: UnitKind::Car,
            status: UnitStatus::Available,
            position: Some((north(m), now())),
        };
        ix.upsert(unit(1, 500.0));
        ix.upsert(unit(2, 800.0));
        // filed at 800 m, now 300 m away: within the slack, so not re-filed
        ix.set_position(UnitId(2), north(300.0), now());
        let best = ix.recommend(target, now(), 1);
        assert_eq!(best.iter().map(|r| r.unit_id.0).collect::<Vec<_>>(), vec![2]);
    }

    /// A change to apply to the fleet between queries.
    #[derive(Debug, Clone)]
    enum Change {
        /// unit, small step north-east in metres (within or beyond the slack)
        Move(usize, f64, f64),
        /// unit, jump to a grid cell
        Jump(usize, u8, u8),
        Status(usize, u8),
        /// unit, how old its next report is (s)
        Age(usize, u16),
        Sweep,
    }

    fn change() -> impl Strategy<Value = Change> {
        prop_oneof![
            (0usize..40, -250.0f64..250.0, -250.0f64..250.0).prop_map(|(u, n, e)| Change::Move(u, n, e)),
            (0usize..40, -250.0f64..250.0, -250.0f64..250.0).prop_map(|(u, n, e)| Change::Move(u, n, e)),
            (0usize..40, 0u8..20, 0u8..20).prop_map(|(u, x, y)| Change::Jump(u, x, y)),
            (0usize..40, status()).prop_map(|(u, s)| Change::Status(u, s)),
            (0usize..40, age()).prop_map(|(u, a)| Change::Age(u, a)),
            Just(Change::Sweep),
        ]
    }

    /// Mostly available (index 1), sometimes anything else.
    fn status() -> impl Strategy<Value = u8> {
        prop_oneof![3 => Just(1u8), 1 => 0u8..6]
    }

    /// Mostly fresh, sometimes stale (the limit is 120 s).
    fn age() -> impl Strategy<Value = u16> {
        prop_oneof![4 => 0u16..110, 1 => 100u16..300]
    }

    fn grid(x: u8, y: u8) -> Coordinates {
        at(25.20 + f64::from(y) * 0.004, 110.15 + f64::from(x) * 0.004)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        /// After any sequence of moves, status changes, stale reports and
        /// sweeps, the index answers exactly what a scan answers: mixed kinds,
        /// busy and stale units, duplicate positions, K beyond the fleet.
        #[test]
        fn agrees_with_the_scan(
            fleet in proptest::collection::vec((0u8..5, status(), 0u8..20, 0u8..20, age()), 0..40),
            changes in proptest::collection::vec(change(), 0..200),
            queries in proptest::collection::vec((0u8..20, 0u8..20, prop_oneof![3 => 0usize..6, 1 => 0usize..60]), 1..12),
            slack in prop_oneof![Just(0.0), Just(DEFAULT_SLACK_M), Just(300.0), Just(1500.0)],
            packed in any::<bool>(),
        ) {
            let model = TravelModel::default();
            let mut units: Vec<UnitState> = fleet
                .iter()
                .enumerate()
                .map(|(i, (kind, status, x, y, age))| UnitState {
                    id: UnitId(i as i64 + 1),
                    kind: UnitKind::ALL[*kind as usize],
                    status: UnitStatus::ALL[*status as usize],
                    position: Some((grid(*x, *y), now() - Duration::seconds(i64::from(*age)))),
                })
                .collect();
            // built in one pass (as the engine starts) or one unit at a time
            let mut ix = if packed && slack == DEFAULT_SLACK_M {
                FleetIndex::from_units(model.clone(), units.iter().copied())
            } else {
                let mut ix = FleetIndex::with_slack(model.clone(), slack);
                for u in &units {
                    ix.upsert(*u);
                }
                ix
            };
            for c in changes {
                match c {
                    Change::Sweep => {
                        ix.sweep_stale(now());
                    }
                    Change::Move(i, _, _) | Change::Status(i, _) | Change::Age(i, _) | Change::Jump(i, _, _) if i >= units.len() => {}
                    Change::Move(i, n, e) => {
                        let (p, seen) = units[i].position.expect("placed");
                        let moved = at(p.lat() + n / 110_574.0, p.lon() + e / 100_700.0);
                        units[i].position = Some((moved, seen));
                        ix.set_position(units[i].id, moved, seen);
                    }
                    Change::Jump(i, x, y) => {
                        let seen = units[i].position.map(|(_, s)| s).unwrap_or_else(now);
                        units[i].position = Some((grid(x, y), seen));
                        ix.set_position(units[i].id, grid(x, y), seen);
                    }
                    Change::Status(i, s) => {
                        units[i].status = UnitStatus::ALL[s as usize];
                        ix.set_status(units[i].id, units[i].status);
                    }
                    Change::Age(i, a) => {
                        let p = units[i].position.map(|(c, _)| c).unwrap_or_else(|| grid(0, 0));
                        let seen = now() - Duration::seconds(i64::from(a));
                        units[i].position = Some((p, seen));
                        ix.set_position(units[i].id, p, seen);
                    }
                }
            }
            for (x, y, k) in queries {
                let target = grid(x, y);
                let got = ix.recommend(target, now(), k);
                let want = recommend_scan(&units, target, now(), k, &model);
                prop_assert_eq!(got, want);
            }
        }
    }
}
