//! Rows as stored, their conversion into the views the outside sees, and the
//! read queries.

use app::wire::{IncidentView, LogEntry, UnitView};
use chrono::{DateTime, Utc};
use domain::{IncidentId, IncidentStatus, Priority, StationCode, TimerKind, UnitId};
use sqlx::FromRow;

use super::{Store, StoreError, on_db, on_tx};

/// Milliseconds since the epoch, the stored form of every time.
pub fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// The time a stored millisecond count stands for.
pub fn time(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

fn opt_time(ms: Option<i64>) -> Option<DateTime<Utc>> {
    ms.map(time)
}

fn parse<T: std::str::FromStr<Err = domain::UnknownName>>(s: &str) -> Result<T, StoreError> {
    s.parse().map_err(|e: domain::UnknownName| StoreError::Corrupt(e.to_string()))
}

#[derive(Debug, Clone, FromRow)]
pub struct UnitRow {
    pub id: i64,
    pub callsign: String,
    pub kind: String,
    pub force: String,
    pub station: String,
    pub status: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub seen_at: Option<i64>,
    pub incident_id: Option<i64>,
}

impl UnitRow {
    pub fn into_view(self) -> Result<UnitView, StoreError> {
        Ok(UnitView {
            id: UnitId(self.id),
            callsign: self.callsign,
            kind: parse(&self.kind)?,
            force: parse(&self.force)?,
            station: StationCode::parse(&self.station).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            status: parse(&self.status)?,
            lat: self.lat,
            lon: self.lon,
            seen_at: opt_time(self.seen_at),
            incident: self.incident_id.map(IncidentId),
        })
    }
}

#[derive(Debug, Clone, FromRow)]
pub struct IncidentRow {
    pub id: i64,
    pub external_id: Option<String>,
    pub channel: String,
    pub category: String,
    pub priority: i64,
    pub status: String,
    pub lat: f64,
    pub lon: f64,
    pub address: String,
    pub description: String,
    pub reporter_contact: Option<String>,
    pub station: Option<String>,
    pub zone: Option<String>,
    pub zone_class: Option<String>,
    pub received_at: i64,
    pub dispatched_at: Option<i64>,
    pub en_route_at: Option<i64>,
    pub on_scene_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub cancelled_at: Option<i64>,
    pub d_started: i64,
    pub d_amber: i64,
    pub d_deadline: i64,
    pub d_stopped: Option<i64>,
    pub a_started: i64,
    pub a_amber: i64,
    pub a_deadline: i64,
    pub a_stopped: Option<i64>,
    /// Comma-separated ids of the units currently assigned.
    pub unit_ids: Option<String>,
}

/// The columns an [`IncidentRow`] needs, joined with its two timers and its
/// open assignments.
pub const INCIDENT_SELECT: &str = "
    SELECT i.id, i.external_id, i.channel, i.category, i.priority, i.status, i.lat, i.lon,
           i.address, i.description, i.reporter_contact, i.station, i.zone, i.zone_class,
           i.received_at, i.dispatched_at, i.en_route_at, i.on_scene_at, i.resolved_at,
           i.closed_at, i.cancelled_at,
           d.started_at AS d_started, d.amber_at AS d_amber, d.deadline AS d_deadline, d.stopped_at AS d_stopped,
           a.started_at AS a_started, a.amber_at AS a_amber, a.deadline AS a_deadline, a.stopped_at AS a_stopped,
           (SELECT group_concat(unit_id) FROM assignments s WHERE s.incident_id = i.id AND s.cleared_at IS NULL) AS unit_ids
    FROM incidents i
    JOIN timers d ON d.incident_id = i.id AND d.kind = 'dispatch'
    JOIN timers a ON a.incident_id = i.id AND a.kind = 'arrival'";

impl IncidentRow {
    /// The incident and, separately, the reporter contact.
    pub fn into_incident(self) -> Result<(domain::Incident, Option<String>), StoreError> {
        let corrupt = |e: &dyn std::fmt::Display| StoreError::Corrupt(e.to_string());
        let units = self
            .unit_ids
            .as_deref()
            .unwrap_or("")
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|s| s.parse::<i64>().map(UnitId).map_err(|e| corrupt(&e)))
            .collect::<Result<Vec<_>, _>>()?;
        let timer = |kind, started, amber, deadline, stopped| domain::StageTimer {
            timer: domain::Timer { kind, started_at: time(started), amber_at: time(amber), deadline: time(deadline) },
            stopped_at: opt_time(stopped),
        };
        let incident = domain::Incident {
            id: IncidentId(self.id),
            status: parse(&self.status)?,
            channel: parse(&self.channel)?,
            category: parse(&self.category)?,
            priority: Priority::parse(self.priority).map_err(|e| corrupt(&e))?,
            location: domain::Coordinates::parse(self.lat, self.lon).map_err(|e| corrupt(&e))?,
            address: self.address,
            description: self.description,
            place: domain::Location {
                station: self.station.as_deref().map(StationCode::parse).transpose().map_err(|e| corrupt(&e))?,
                zone: self.zone,
                class: self.zone_class.as_deref().map(parse).transpose()?,
            },
            units,
            received_at: time(self.received_at),
            dispatched_at: opt_time(self.dispatched_at),
            en_route_at: opt_time(self.en_route_at),
            on_scene_at: opt_time(self.on_scene_at),
            resolved_at: opt_time(self.resolved_at),
            closed_at: opt_time(self.closed_at),
            cancelled_at: opt_time(self.cancelled_at),
            dispatch_timer: timer(TimerKind::Dispatch, self.d_started, self.d_amber, self.d_deadline, self.d_stopped),
            arrival_timer: timer(TimerKind::Arrival, self.a_started, self.a_amber, self.a_deadline, self.a_stopped),
            external_id: self.external_id,
        };
        Ok((incident, self.reporter_contact))
    }

    /// The broadcast view and, separately, the reporter contact.
    pub fn into_view(self) -> Result<(IncidentView, Option<String>), StoreError> {
        self.into_incident().map(|(i, contact)| (IncidentView::from(&i), contact))
    }
}

#[derive(Debug, FromRow)]
struct LogRow {
    at: i64,
    entity: String,
    entity_id: i64,
    from_status: Option<String>,
    to_status: String,
    actor: String,
    reason: String,
}

/// Filters for listing incidents.
#[derive(Debug, Clone, Default)]
pub struct IncidentFilter {
    pub status: Option<IncidentStatus>,
    pub station: Option<StationCode>,
    pub since: Option<DateTime<Utc>>,
    pub limit: u32,
}

impl Store {
    pub async fn load_units(&self) -> Result<Vec<UnitView>, StoreError> {
        let rows: Vec<UnitRow> = on_db!(
            self.db(),
            "SELECT id, callsign, kind, force, station, status, lat, lon, seen_at, incident_id FROM units ORDER BY id",
            |c, q| sqlx::query_as(q).fetch_all(c).await
        )?;
        rows.into_iter().map(UnitRow::into_view).collect()
    }

    /// Applies to `units` the trail rows written after the last checkpoint
    /// (positions acknowledged but not yet in `units`): the newest per unit
    /// wins. Returns the units that moved.
    pub async fn apply_trail_after_checkpoint(
        &self,
        units: &mut [UnitView],
    ) -> Result<std::collections::HashSet<UnitId>, StoreError> {
        let rows: Vec<(i64, f64, f64, i64)> = on_db!(
            self.db(),
            "SELECT unit_id, lat, lon, at FROM positions
             WHERE rowid > (SELECT value FROM checkpoints WHERE name = 'units_checkpoint') ORDER BY rowid",
            |c, q| sqlx::query_as(q).fetch_all(c).await
        )?;
        let mut moved = std::collections::HashSet::new();
        let by_id: std::collections::HashMap<i64, usize> = units.iter().enumerate().map(|(i, u)| (u.id.0, i)).collect();
        for (unit_id, lat, lon, at) in rows {
            let Some(&i) = by_id.get(&unit_id) else { continue };
            let u = &mut units[i];
            if u.seen_at.is_none_or(|seen| time(at) > seen) {
                u.lat = Some(lat);
                u.lon = Some(lon);
                u.seen_at = Some(time(at));
                moved.insert(u.id);
            }
        }
        Ok(moved)
    }

    pub async fn load_open_incidents(&self) -> Result<Vec<domain::Incident>, StoreError> {
        let sql =
            format!("{INCIDENT_SELECT} WHERE i.status IN ('new', 'dispatched', 'en_route', 'on_scene') ORDER BY i.id");
        let rows: Vec<IncidentRow> = on_db!(self.db(), &sql, |c, q| sqlx::query_as(q).fetch_all(c).await)?;
        rows.into_iter().map(|r| r.into_incident().map(|(i, _)| i)).collect()
    }

    /// One incident as the engine keeps it.
    pub async fn live_incident(&self, id: IncidentId) -> Result<Option<domain::Incident>, StoreError> {
        let sql = format!("{INCIDENT_SELECT} WHERE i.id = ?");
        let row: Option<IncidentRow> =
            on_db!(self.db(), &sql, |c, q| sqlx::query_as(q).bind(id.0).fetch_optional(c).await)?;
        Ok(row.map(IncidentRow::into_incident).transpose()?.map(|(i, _)| i))
    }

    /// One incident with its reporter contact.
    pub async fn incident(&self, id: IncidentId) -> Result<Option<(IncidentView, Option<String>)>, StoreError> {
        let sql = format!("{INCIDENT_SELECT} WHERE i.id = ?");
        let row: Option<IncidentRow> =
            on_db!(self.db(), &sql, |c, q| sqlx::query_as(q).bind(id.0).fetch_optional(c).await)?;
        row.map(IncidentRow::into_view).transpose()
    }

    pub async fn incident_by_external_id(
        &self,
        tx: &mut super::Tx<'_>,
        external_id: &str,
    ) -> Result<Option<domain::Incident>, StoreError> {
        let sql = format!("{INCIDENT_SELECT} WHERE i.external_id = ?");
        let row: Option<IncidentRow> =
            on_tx!(tx, &sql, |c, q| sqlx::query_as(q).bind(external_id).fetch_optional(c).await)?;
        Ok(row.map(IncidentRow::into_incident).transpose()?.map(|(i, _)| i))
    }

    pub async fn list_incidents(&self, f: &IncidentFilter) -> Result<Vec<IncidentView>, StoreError> {
        let mut sql = format!("{INCIDENT_SELECT} WHERE 1 = 1");
        if f.status.is_some() {
            sql.push_str(" AND i.status = ?");
        }
        if f.station.is_some() {
            sql.push_str(" AND i.station = ?");
        }
        if f.since.is_some() {
            sql.push_str(" AND i.received_at >= ?");
        }
        sql.push_str(" ORDER BY i.id DESC LIMIT ?");
        let rows: Vec<IncidentRow> = on_db!(self.db(), &sql, |c, text| {
            let mut q = sqlx::query_as(text);
            if let Some(s) = f.status {
                q = q.bind(s.as_str());
            }
            if let Some(s) = &f.station {
                q = q.bind(s.as_str().to_owned());
            }
            if let Some(t) = f.since {
                q = q.bind(millis(t));
            }
            q.bind(i64::from(f.limit)).fetch_all(c).await
        })?;
        rows.into_iter().map(|r| r.into_view().map(|(v, _)| v)).collect()
    }

    /// The incident's history from the status log: its own rows and those of
    /// the units sent to it.
    pub async fn timeline(&self, id: IncidentId) -> Result<Vec<LogEntry>, StoreError> {
        let rows: Vec<LogRow> = on_db!(
            self.db(),
            "SELECT at, entity, entity_id, from_status, to_status, actor, reason FROM status_log
             WHERE (entity = 'incident' AND entity_id = ?1) OR incident_id = ?1 ORDER BY id",
            |c, q| sqlx::query_as(q).bind(id.0).fetch_all(c).await
        )?;
        Ok(rows
            .into_iter()
            .map(|r| LogEntry {
                at: time(r.at),
                entity: r.entity,
                entity_id: r.entity_id,
                from: r.from_status,
                to: r.to_status,
                actor: r.actor,
                reason: r.reason,
            })
            .collect())
    }

    /// (received, first on scene, arrival deadline) of the incidents received
    /// since `since`, for today's figures.
    /// The incidents received since `since`, as the review reads them.
    pub async fn review_rows_since(&self, since: DateTime<Utc>) -> Result<Vec<domain::review::ReviewRow>, StoreError> {
        type Row = (i64, Option<i64>, Option<i64>, Option<i64>, Option<i64>, String, Option<String>);
        let rows: Vec<Row> = on_db!(
            self.db(),
            "SELECT received_at, dispatched_at, en_route_at, on_scene_at, cancelled_at, status, zone_class
             FROM incidents WHERE received_at >= ?",
            |c, q| sqlx::query_as(q).bind(millis(since)).fetch_all(c).await
        )?;
        rows.into_iter()
            .map(|(received_ms, dispatched_ms, en_route_ms, on_scene_ms, cancelled_ms, status, class)| {
                let zone_class = class.as_deref().map(parse).transpose()?;
                let times =
                    domain::review::StageTimes { received_ms, dispatched_ms, en_route_ms, on_scene_ms, cancelled_ms };
                Ok(domain::review::ReviewRow {
                    times,
                    outcome: domain::review::Outcome::of_status(&status),
                    zone_class,
                })
            })
            .collect()
    }
}
