//! Reads of alerts (timers turning amber or red, escalations).

use app::wire::{AlertView, RecommendationView};
use domain::timers::Running;
use domain::{IncidentId, StationCode, TimerKind, UnitId};
use sqlx::FromRow;

use super::{Store, StoreError, millis, on_db, time};

#[derive(Debug, FromRow)]
struct AlertRow {
    id: i64,
    at: i64,
    incident_id: Option<i64>,
    chat_message_id: Option<i64>,
    station: Option<String>,
    kind: String,
    timer_kind: String,
    level: String,
    deadline: i64,
    suggested_unit_id: Option<i64>,
    callsign: Option<String>,
    unit_kind: Option<String>,
    unit_force: Option<String>,
    unit_station: Option<String>,
}

#[derive(Debug, FromRow)]
struct RunningTimerRow {
    incident_id: i64,
    kind: String,
    amber_at: i64,
    deadline: i64,
    amber_fired: bool,
    red_fired: bool,
}

/// A timer to resume.
#[derive(Debug, Clone, Copy)]
pub struct RunningTimer {
    pub incident: IncidentId,
    pub kind: TimerKind,
    pub running: Running,
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

impl AlertRow {
    fn into_view(self) -> Result<AlertView, StoreError> {
        let suggested =
            match (self.suggested_unit_id, self.callsign, self.unit_kind, self.unit_force, self.unit_station) {
                (Some(id), Some(callsign), Some(kind), Some(force), Some(station)) => Some(RecommendationView {
                    unit_id: UnitId(id),
                    callsign,
                    kind: kind.parse().map_err(corrupt)?,
                    force: force.parse().map_err(corrupt)?,
                    station: StationCode::parse(&station).map_err(corrupt)?,
                    // what it was when raised is not kept: the unit has moved on
                    eta_s: 0.0,
                    distance_m: 0.0,
                    by_road: false,
                    lat: 0.0,
                    lon: 0.0,
                }),
                _ => None,
            };
        Ok(AlertView {
            id: self.id,
            at: time(self.at),
            incident: self.incident_id.map(IncidentId),
            chat_message: self.chat_message_id,
            station: self.station.as_deref().map(StationCode::parse).transpose().map_err(corrupt)?,
            kind: self.kind.parse().map_err(corrupt)?,
            timer: self.timer_kind.parse().map_err(corrupt)?,
            level: self.level.parse().map_err(corrupt)?,
            deadline: time(self.deadline),
            suggested,
        })
    }
}

impl Store {
    /// Alerts since `since`, newest first, at most `limit`.
    pub async fn alerts_since(
        &self,
        since: chrono::DateTime<chrono::Utc>,
        limit: u32,
    ) -> Result<Vec<AlertView>, StoreError> {
        let rows: Vec<AlertRow> = on_db!(self.db(), "SELECT a.id, a.at, a.incident_id, a.chat_message_id, a.station, a.kind, a.timer_kind, a.level, a.deadline, a.suggested_unit_id,
                    u.callsign, u.kind AS unit_kind, u.force AS unit_force, u.station AS unit_station
             FROM alerts a LEFT JOIN units u ON u.id = a.suggested_unit_id
             WHERE a.at >= ? ORDER BY a.id DESC LIMIT ?", |c, q| sqlx::query_as(q)
        .bind(millis(since))
        .bind(i64::from(limit))
        .fetch_all(c).await)?;
        rows.into_iter().map(AlertRow::into_view).collect()
    }

    /// Chat reply timers still to fire: unanswered messages whose red has
    /// not gone out, as (message id, received_at, amber fired).
    pub async fn running_chat_timers(&self) -> Result<Vec<(i64, i64, bool)>, StoreError> {
        Ok(on_db!(
            self.db(),
            "SELECT id, received_at, reply_amber_fired_at IS NOT NULL FROM chat_messages
             WHERE first_reply_at IS NULL AND reply_red_fired_at IS NULL
               AND (disposition IS NULL OR disposition NOT IN ('consultation', 'not_police'))",
            |c, q| sqlx::query_as(q).fetch_all(c).await
        )?)
    }

    /// Running timers (not stopped) with what already fired, for the engine
    /// to resume at start-up.
    pub async fn running_timers(&self) -> Result<Vec<RunningTimer>, StoreError> {
        let rows: Vec<RunningTimerRow> = on_db!(
            self.db(),
            "SELECT incident_id, kind, amber_at, deadline, amber_fired_at IS NOT NULL AS amber_fired,
                    red_fired_at IS NOT NULL AS red_fired
             FROM timers WHERE stopped_at IS NULL",
            |c, q| sqlx::query_as(q).fetch_all(c).await
        )?;
        rows.into_iter()
            .map(|r| {
                Ok(RunningTimer {
                    incident: IncidentId(r.incident_id),
                    kind: r.kind.parse().map_err(corrupt)?,
                    running: Running {
                        amber_at: time(r.amber_at),
                        deadline: time(r.deadline),
                        amber_fired: r.amber_fired,
                        red_fired: r.red_fired,
                    },
                })
            })
            .collect()
    }
}
