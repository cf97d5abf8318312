//! Tonight's must-patrol points, kept by the engine: each point's state
//! (due, visited, missed, idle) follows the clock and the check-ins. When a
//! window opens, a unit checks in, or a window ends unvisited, the point's
//! new state goes out on the live stream; an opening that ended unvisited is
//! recorded as a miss in the same turn.

use std::collections::HashMap;

use app::wire::{Event, PointStateView};
use chrono::{DateTime, Duration, Utc};
use domain::district::PatrolPoint;
use domain::patrol::{PointState, next_change, state_since};

use super::{Engine, EngineError};

/// How far back check-ins matter for tonight's states (the outcome of an
/// opening stays 24 h after it ends; openings last at most a day).
const LOOKBACK_H: i64 = 60;

/// Each point's check-in times (recent ones only) and current state.
pub(super) struct PatrolBoard {
    pub(super) visits: HashMap<String, Vec<DateTime<Utc>>>,
    /// When each point began to be watched (see `Store::points_watched_since`).
    since: HashMap<String, DateTime<Utc>>,
    states: Vec<PointStateView>,
    /// When a state next changes by the clock alone.
    next: Option<DateTime<Utc>>,
}

/// A point's state at `now`, as screens and the API show it.
pub(crate) fn view(
    p: &PatrolPoint,
    visits: &[DateTime<Utc>],
    since: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    offset: i32,
) -> PointStateView {
    let (s, o) = state_since(p, visits, now, offset, since);
    PointStateView {
        code: p.code.to_string(),
        name: p.name.clone(),
        station: p.station.to_string(),
        state: s,
        window_start: o.map(|o| o.start),
        window_end: o.map(|o| o.end),
    }
}

impl PatrolBoard {
    pub(super) fn new(
        points: &[PatrolPoint],
        visits: HashMap<String, Vec<DateTime<Utc>>>,
        since: HashMap<String, DateTime<Utc>>,
        now: DateTime<Utc>,
        offset: i32,
    ) -> PatrolBoard {
        let states = points
            .iter()
            .map(|p| {
                view(
                    p,
                    visits.get(p.code.as_str()).map_or(&[], Vec::as_slice),
                    since.get(p.code.as_str()).copied(),
                    now,
                    offset,
                )
            })
            .collect();
        PatrolBoard { visits, since, states, next: next_change_of(points, now, offset) }
    }

    pub(super) fn views(&self) -> Vec<PointStateView> {
        self.states.clone()
    }

    /// Recomputes every state at `now`; answers the points whose state
    /// changed, as they are now.
    fn refresh(&mut self, points: &[PatrolPoint], now: DateTime<Utc>, offset: i32) -> Vec<PointStateView> {
        let cutoff = now - Duration::hours(LOOKBACK_H);
        let mut changed = vec![];
        for (p, old) in points.iter().zip(self.states.iter_mut()) {
            let visits = self.visits.entry(p.code.to_string()).or_default();
            visits.retain(|t| *t >= cutoff);
            let new = view(p, visits, self.since.get(p.code.as_str()).copied(), now, offset);
            if new != *old {
                *old = new.clone();
                changed.push(new);
            }
        }
        self.next = next_change_of(points, now, offset);
        changed
    }

    /// The next time a state changes by the clock alone.
    pub(super) fn next_change(&self) -> Option<DateTime<Utc>> {
        self.next
    }
}

fn next_change_of(points: &[PatrolPoint], now: DateTime<Utc>, offset: i32) -> Option<DateTime<Utc>> {
    points.iter().filter_map(|p| next_change(p, now, offset)).min()
}

impl Engine {
    /// Brings tonight's points up to `now`: publishes every change and
    /// records openings that just ended unvisited as misses.
    pub(super) async fn patrol_tick(&mut self, now: DateTime<Utc>) {
        self.patrol_tick_announcing(now, self.shared.cluster.is_leader()).await;
    }

    /// As `patrol_tick`; `announce`: publish the changes (the leader does,
    /// and the server that took a check-in). Misses are the leader's to record.
    pub(super) async fn patrol_tick_announcing(&mut self, now: DateTime<Utc>, announce: bool) {
        let (points, offset) = (super::read(&self.shared.points).clone(), self.shared.settings.utc_offset_minutes);
        let changed = self.patrol.refresh(&points, now, offset);
        let missed: Vec<_> = changed
            .iter()
            .filter(|v| v.state == PointState::Missed)
            .filter_map(|v| Some((v.code.clone(), v.station.clone(), v.window_start?, v.window_end?)))
            .collect();
        if !self.shared.cluster.is_leader() {
            if announce {
                for point in changed {
                    self.shared.hub.publish(Event::Point { point });
                }
            }
            return;
        }
        // the miss is durable before anyone is told
        match self.store.record_misses(&missed, now).await {
            Ok(_) => {
                for (point, station, _, end) in &missed {
                    tracing::warn!(point, station, window_end = %end, "must-patrol point missed");
                }
            }
            Err(e) => tracing::error!(error = %e, "cannot record missed patrol points"),
        }
        if announce {
            for point in changed {
                self.shared.hub.publish(Event::Point { point });
            }
        }
    }

    /// Stores an accepted check-in and shows the point as visited.
    pub(super) async fn check_in(&mut self, c: CheckIn, now: DateTime<Utc>) -> Result<i64, EngineError> {
        let id = self.store.insert_check_in(&c.point, c.unit_id, c.at, c.position, c.distance_m, c.method).await?;
        self.patrol.visits.entry(c.point).or_default().push(c.at);
        self.patrol_tick_announcing(now, true).await;
        Ok(id)
    }
}

impl Engine {
    /// A station chief's change to a point: stored, then in effect at once
    /// (check-ins, tonight's state, the next window the engine wakes for).
    pub(super) async fn edit_point(
        &mut self,
        point: PatrolPoint,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<PatrolPoint, EngineError> {
        let known = super::read(&self.shared.points).iter().position(|p| p.code == point.code);
        let Some(i) = known else {
            return Err(EngineError::NotFound { what: "must-patrol point", id: point.code.to_string() });
        };
        self.store.update_patrol_point(&point).await?;
        {
            let mut points = super::write(&self.shared.points);
            let mut next = (**points).clone();
            next[i] = point.clone();
            *points = std::sync::Arc::new(next);
        }
        tracing::info!(point = %point.code, actor, "must-patrol point edited");
        self.patrol_tick(now).await;
        Ok(point)
    }
}

/// An accepted check-in, as the engine stores it.
#[derive(Debug, Clone)]
pub struct CheckIn {
    pub point: String,
    pub unit_id: i64,
    pub at: DateTime<Utc>,
    pub position: Option<(f64, f64)>,
    pub distance_m: Option<f64>,
    pub method: domain::patrol::CheckInMethod,
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::district::TimeWindow;
    use domain::{Coordinates, StationCode};

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).expect("time").with_timezone(&Utc)
    }

    fn point(code: &str) -> PatrolPoint {
        PatrolPoint {
            code: domain::PointCode::parse(code).expect("code"),
            name: "金山广场".into(),
            station: StationCode::parse("JSL").expect("code"),
            at: Coordinates::parse(25.2481, 110.2096).expect("coords"),
            radius_m: 50.0,
            windows: vec![TimeWindow::parse("23:00-04:00").expect("window")],
        }
    }

    #[test]
    fn changes_are_reported_once_as_the_night_goes_on() {
        let points = vec![point("PP01"), point("PP02")];
        // 12:00Z is 20:00 local: last night's opening went unvisited
        let mut b = PatrolBoard::new(&points, HashMap::new(), HashMap::new(), at("2026-11-20T12:00:00Z"), 480);
        assert!(b.views().iter().all(|v| v.state == PointState::Missed));
        let next = b.next_change();
        assert_eq!(next, Some(at("2026-11-20T15:00:00Z")), "23:00 local opens the window");
        let opened = b.refresh(&points, at("2026-11-20T15:00:00Z"), 480);
        assert_eq!(opened.iter().map(|v| v.state.as_str()).collect::<Vec<_>>(), ["due", "due"]);
        assert!(b.refresh(&points, at("2026-11-20T15:00:01Z"), 480).is_empty(), "no change, nothing reported");
        b.visits.entry("PP01".into()).or_default().push(at("2026-11-20T16:00:00Z"));
        let visited = b.refresh(&points, at("2026-11-20T16:00:00Z"), 480);
        assert_eq!((visited.len(), visited[0].code.as_str(), visited[0].state.as_str()), (1, "PP01", "visited"));
        let ended = b.refresh(&points, at("2026-11-20T20:00:00Z"), 480);
        assert_eq!(ended.len(), 1, "only the unvisited point changes when the window ends");
        assert_eq!((ended[0].code.as_str(), ended[0].state.as_str()), ("PP02", "missed"));
        assert_eq!(ended[0].window_end, Some(at("2026-11-20T20:00:00Z")));
        assert_eq!(b.next_change(), Some(at("2026-11-21T15:00:00Z")), "tomorrow's opening");
    }

    #[test]
    fn a_point_first_watched_during_an_opening_is_not_missed_for_it() {
        let points = vec![point("PP01")];
        let since = HashMap::from([("PP01".to_owned(), at("2026-11-20T17:00:00Z"))]);
        let mut b = PatrolBoard::new(&points, HashMap::new(), since, at("2026-11-20T17:00:00Z"), 480);
        assert_eq!(b.views()[0].state, PointState::Due, "open now: it can still be visited");
        let ended = b.refresh(&points, at("2026-11-20T20:00:00Z"), 480);
        assert_eq!(ended[0].state, PointState::Idle, "the opening began before the point was watched");
        b.refresh(&points, at("2026-11-21T15:00:00Z"), 480);
        let ended = b.refresh(&points, at("2026-11-21T20:00:00Z"), 480);
        assert_eq!(ended[0].state, PointState::Missed, "the next night counts");
    }
}
