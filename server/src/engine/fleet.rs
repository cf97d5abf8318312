//! The live fleet as readers see it: every unit's view, and the spatial
//! index the recommendations search. Both change together, under one lock,
//! so a search never sees a unit the views do not, or the other way round.

use std::collections::BTreeMap;

use app::wire::UnitView;
use chrono::{DateTime, Utc};
use domain::fleet::UnitState;
use domain::index::FleetIndex;
use domain::{Coordinates, TravelModel, UnitId};

pub struct Fleet {
    views: BTreeMap<UnitId, UnitView>,
    index: FleetIndex,
}

/// What the index needs from a view.
fn state(u: &UnitView) -> UnitState {
    UnitState {
        id: u.id,
        kind: u.kind,
        status: u.status,
        position: match (u.lat, u.lon, u.seen_at) {
            (Some(lat), Some(lon), Some(seen)) => Coordinates::parse(lat, lon).ok().map(|c| (c, seen)),
            _ => None,
        },
    }
}

impl Fleet {
    pub fn new(model: TravelModel, units: Vec<UnitView>) -> Fleet {
        let index = FleetIndex::from_units(model, units.iter().map(state));
        Fleet { views: units.into_iter().map(|u| (u.id, u)).collect(), index }
    }

    pub fn views(&self) -> &BTreeMap<UnitId, UnitView> {
        &self.views
    }

    pub fn get(&self, id: UnitId) -> Option<&UnitView> {
        self.views.get(&id)
    }

    /// Every unit as the rankings see it.
    pub fn states(&self) -> impl Iterator<Item = UnitState> + '_ {
        self.views.values().map(state)
    }

    pub fn index(&self) -> &FleetIndex {
        &self.index
    }

    /// Adds or replaces a unit (registration, status change).
    pub fn put(&mut self, u: UnitView) {
        self.index.upsert(state(&u));
        self.views.insert(u.id, u);
    }

    /// Moves a unit; `false` for an unknown unit.
    pub fn moved(&mut self, id: UnitId, at: Coordinates, seen: DateTime<Utc>) -> bool {
        let Some(u) = self.views.get_mut(&id) else { return false };
        u.lat = Some(at.lat());
        u.lon = Some(at.lon());
        u.seen_at = Some(seen);
        self.index.set_position(id, at, seen)
    }

    /// Takes stale units out of the search tree (see `FleetIndex::sweep_stale`).
    pub fn sweep(&mut self, now: DateTime<Utc>) -> usize {
        self.index.sweep_stale(now)
    }
}
