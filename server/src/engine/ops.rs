//! The engine's write operations. Each one checks the request against the
//! live state and the domain's rules, writes everything it changes in one
//! transaction, commits, and only then updates the mirrors and publishes.

use std::collections::BTreeMap;

use app::wire::{ChatMessageView, Event, IncidentView, PositionView, TimerView, UnitView};
use chrono::{DateTime, Duration, Utc};
use domain::chat::NewChatMessage;
use domain::{
    Coordinates, Force, IncidentId, IncidentStatus, NewIncident, StationCode, Text, TimerKind, UnitId, UnitKind,
    UnitStatus,
};
use serde::Serialize;

use super::timers::TimerChange;
use super::{Engine, EngineError, read, write};
use crate::store::{Tx, millis};

/// A unit to register.
#[derive(Debug, Clone)]
pub struct NewUnit {
    pub callsign: Text,
    pub kind: UnitKind,
    pub force: Force,
    pub station: StationCode,
    pub position: Option<Coordinates>,
    pub status: UnitStatus,
}

/// A position from a tracker or a phone, already checked for shape.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PositionReport {
    /// Where the report was in its batch (for the answer).
    pub index: usize,
    pub unit_id: UnitId,
    pub at_position: Coordinates,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rejection {
    pub index: usize,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PositionOutcome {
    pub accepted: usize,
    pub rejected: Vec<Rejection>,
}

/// How far ahead of the server's clock a position may be dated.
const FUTURE_TOLERANCE_S: i64 = 30;
/// How old a position may be and still be accepted into the trail.
const MAX_AGE_H: i64 = 24;

/// One status change, for the log.
struct Change<'a> {
    entity: &'static str,
    id: i64,
    from: Option<&'a str>,
    to: &'a str,
    /// For a unit's change: the incident it was about.
    incident: Option<IncidentId>,
}

async fn log(tx: &mut Tx<'_>, at: DateTime<Utc>, actor: &str, reason: &str, c: Change<'_>) -> Result<(), EngineError> {
    let Change { entity, id, from, to, incident } = c;
    sqlx::query("INSERT INTO status_log (at, entity, entity_id, from_status, to_status, actor, reason, incident_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(millis(at))
        .bind(entity)
        .bind(id)
        .bind(from)
        .bind(to)
        .bind(actor)
        .bind(reason)
        .bind(incident.map(|i| i.0))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The incident stage column a status writes its time to.
fn stage_column(s: IncidentStatus) -> Option<&'static str> {
    match s {
        IncidentStatus::New => None,
        IncidentStatus::Dispatched => Some("dispatched_at"),
        IncidentStatus::EnRoute => Some("en_route_at"),
        IncidentStatus::OnScene => Some("on_scene_at"),
        IncidentStatus::Resolved => Some("resolved_at"),
        IncidentStatus::Closed => Some("closed_at"),
        IncidentStatus::Cancelled => Some("cancelled_at"),
    }
}

fn set_stage(i: &mut IncidentView, s: IncidentStatus, at: DateTime<Utc>) {
    i.status = s;
    let slot = match s {
        IncidentStatus::New => return,
        IncidentStatus::Dispatched => &mut i.dispatched_at,
        IncidentStatus::EnRoute => &mut i.en_route_at,
        IncidentStatus::OnScene => &mut i.on_scene_at,
        IncidentStatus::Resolved => &mut i.resolved_at,
        IncidentStatus::Closed => &mut i.closed_at,
        IncidentStatus::Cancelled => &mut i.cancelled_at,
    };
    slot.get_or_insert(at);
}

/// Moves an incident to `to` in the transaction: the row, its stage time
/// (first time only), the timers the move stops or starts, and the log.
/// Returns the timer changes to apply once the transaction is committed.
async fn move_incident(
    tx: &mut Tx<'_>,
    engine: &Engine,
    i: &mut IncidentView,
    to: IncidentStatus,
    actor: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<Vec<TimerChange>, EngineError> {
    let mut changes = vec![];
    let from = i.status;
    from.transition(to)?;
    let col = stage_column(to).ok_or_else(|| EngineError::Invalid("an incident cannot move back to new".into()))?;
    let sql = format!("UPDATE incidents SET status = ?, {col} = COALESCE({col}, ?) WHERE id = ? AND status = ?");
    let done = sqlx::query(&sql)
        .bind(to.as_str())
        .bind(millis(now))
        .bind(i.id.0)
        .bind(from.as_str())
        .execute(&mut **tx)
        .await?;
    if done.rows_affected() != 1 {
        return Err(EngineError::Conflict(format!("incident {} changed meanwhile; reload and try again", i.id)));
    }
    log(
        tx,
        now,
        actor,
        reason,
        Change { entity: "incident", id: i.id.0, from: Some(from.as_str()), to: to.as_str(), incident: None },
    )
    .await?;
    let stops: &[TimerKind] = match to {
        IncidentStatus::Dispatched => &[TimerKind::Dispatch],
        IncidentStatus::OnScene => &[TimerKind::Arrival],
        IncidentStatus::Resolved => &[TimerKind::Dispatch, TimerKind::Arrival],
        IncidentStatus::Closed => &[TimerKind::Closure],
        IncidentStatus::Cancelled => &[TimerKind::Dispatch, TimerKind::Arrival, TimerKind::Closure],
        IncidentStatus::New | IncidentStatus::EnRoute => &[],
    };
    for kind in stops {
        stop_timer(tx, i.id, *kind, now).await?;
        changes.push(TimerChange::Stop(i.id, *kind));
    }
    if to == IncidentStatus::Resolved {
        // the case now has to be closed (written up) in time
        let t = engine.shared.settings.policy.timer(TimerKind::Closure, i.zone_class, now);
        sqlx::query("INSERT OR IGNORE INTO timers (incident_id, kind, started_at, amber_at, deadline) VALUES (?, 'closure', ?, ?, ?)")
            .bind(i.id.0)
            .bind(millis(t.started_at))
            .bind(millis(t.amber_at))
            .bind(millis(t.deadline))
            .execute(&mut **tx)
            .await?;
        changes.push(TimerChange::Start(i.id, t));
    }
    set_stage(i, to, now);
    if matches!(to, IncidentStatus::Dispatched | IncidentStatus::Resolved | IncidentStatus::Cancelled) {
        i.dispatch_timer.stopped_at.get_or_insert(now);
    }
    if matches!(to, IncidentStatus::OnScene | IncidentStatus::Resolved | IncidentStatus::Cancelled) {
        i.arrival_timer.stopped_at.get_or_insert(now);
    }
    Ok(changes)
}

async fn stop_timer(tx: &mut Tx<'_>, id: IncidentId, kind: TimerKind, now: DateTime<Utc>) -> Result<(), EngineError> {
    sqlx::query("UPDATE timers SET stopped_at = ? WHERE incident_id = ? AND kind = ? AND stopped_at IS NULL")
        .bind(millis(now))
        .bind(id.0)
        .bind(kind.as_str())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Releases a unit from its incident in the transaction (assignment row,
/// unit row, log), leaving it in `to`.
async fn release_unit(
    tx: &mut Tx<'_>,
    u: &mut UnitView,
    to: UnitStatus,
    actor: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), EngineError> {
    let from = u.status;
    let incident = u.incident;
    sqlx::query("UPDATE assignments SET cleared_at = ?, clear_reason = ? WHERE unit_id = ? AND cleared_at IS NULL")
        .bind(millis(now))
        .bind(reason)
        .bind(u.id.0)
        .execute(&mut **tx)
        .await?;
    sqlx::query("UPDATE units SET status = ?, incident_id = NULL, updated_at = ? WHERE id = ?")
        .bind(to.as_str())
        .bind(millis(now))
        .bind(u.id.0)
        .execute(&mut **tx)
        .await?;
    if from != to {
        log(
            tx,
            now,
            actor,
            reason,
            Change { entity: "unit", id: u.id.0, from: Some(from.as_str()), to: to.as_str(), incident },
        )
        .await?;
    }
    u.status = to;
    u.incident = None;
    Ok(())
}

impl Engine {
    /// The incident, from the live mirror if open, else from the store.
    async fn load_incident(&self, id: IncidentId) -> Result<IncidentView, EngineError> {
        if let Some(i) = read(&self.shared.open).get(&id) {
            return Ok(i.clone());
        }
        match self.store.incident(id).await? {
            Some((i, _)) => Ok(i),
            None => Err(EngineError::NotFound { what: "incident", id: id.to_string() }),
        }
    }

    fn unit_of(&self, id: UnitId) -> Result<UnitView, EngineError> {
        read(&self.shared.fleet).get(id).cloned().ok_or(EngineError::NotFound { what: "unit", id: id.to_string() })
    }

    /// Puts changed incidents and units into the mirrors and publishes them,
    /// in that order, after the commit.
    fn publish(&self, incidents: Vec<IncidentView>, units: Vec<UnitView>) {
        {
            let mut fleet = write(&self.shared.fleet);
            for u in &units {
                fleet.put(u.clone());
            }
        }
        {
            let mut open = write(&self.shared.open);
            for i in &incidents {
                if i.status.is_open() {
                    open.insert(i.id, i.clone());
                } else {
                    open.remove(&i.id);
                }
            }
        }
        for u in units {
            self.shared.hub.publish(Event::Unit { unit: u });
        }
        for i in incidents {
            self.shared.hub.publish(Event::Incident { incident: i });
        }
    }

    pub(super) async fn create_incident(
        &mut self,
        new: NewIncident,
        actor: &str,
        report_code: Option<&str>,
        photo: Option<super::NewPhoto>,
        now: DateTime<Utc>,
    ) -> Result<(IncidentView, bool), EngineError> {
        let mut tx = self.store.begin().await?;
        if let Some(ext) = &new.external_id
            && let Some(existing) = self.store.incident_by_external_id(&mut tx, ext).await?
        {
            return Ok((existing, false));
        }
        let loc = self.shared.district.locate(new.location);
        let policy = &self.shared.settings.policy;
        let dispatch = policy.timer(TimerKind::Dispatch, loc.class, now);
        let arrival = policy.timer(TimerKind::Arrival, loc.class, now);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO incidents (external_id, channel, category, priority, status, lat, lon, address, description,
                                    reporter_contact, station, zone, zone_class, received_at, created_by)
             VALUES (?, ?, ?, ?, 'new', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(new.external_id.as_deref())
        .bind(new.channel.as_str())
        .bind(new.category.as_str())
        .bind(i64::from(new.priority.get()))
        .bind(new.location.lat())
        .bind(new.location.lon())
        .bind(new.address.as_str())
        .bind(new.description.as_str())
        .bind(new.reporter_contact.as_ref().map(|c| c.as_str()))
        .bind(loc.station.as_ref().map(|s| s.as_str()))
        .bind(loc.zone.as_deref())
        .bind(loc.class.map(|c| c.as_str()))
        .bind(millis(now))
        .bind(actor)
        .fetch_one(&mut *tx)
        .await?;
        for t in [dispatch, arrival] {
            sqlx::query(
                "INSERT INTO timers (incident_id, kind, started_at, amber_at, deadline) VALUES (?, ?, ?, ?, ?)",
            )
            .bind(id)
            .bind(t.kind.as_str())
            .bind(millis(t.started_at))
            .bind(millis(t.amber_at))
            .bind(millis(t.deadline))
            .execute(&mut *tx)
            .await?;
        }
        log(
            &mut tx,
            now,
            actor,
            &format!("received by {}", new.channel),
            Change { entity: "incident", id, from: None, to: "new", incident: None },
        )
        .await?;
        if let Some(code) = report_code {
            let stored = sqlx::query(
                "INSERT INTO reports (code, incident_id, created_at) VALUES (?, ?, ?) ON CONFLICT (code) DO NOTHING",
            )
            .bind(code)
            .bind(id)
            .bind(millis(now))
            .execute(&mut *tx)
            .await?;
            if stored.rows_affected() != 1 {
                return Err(EngineError::Conflict("tracking code already in use".into()));
            }
        }
        if let Some(p) = photo {
            sqlx::query(
                "INSERT INTO photos (id, incident_id, content_type, bytes, data, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(&p.id)
            .bind(id)
            .bind(p.content_type)
            .bind(p.data.len() as i64)
            .bind(&p.data)
            .bind(millis(now))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        let view = IncidentView {
            id: IncidentId(id),
            status: IncidentStatus::New,
            channel: new.channel,
            category: new.category,
            priority: new.priority,
            lat: new.location.lat(),
            lon: new.location.lon(),
            address: new.address.into_string(),
            description: new.description.into_string(),
            station: loc.station,
            zone: loc.zone,
            zone_class: loc.class,
            units: vec![],
            received_at: now,
            dispatched_at: None,
            en_route_at: None,
            on_scene_at: None,
            resolved_at: None,
            closed_at: None,
            cancelled_at: None,
            dispatch_timer: TimerView::from_timer(dispatch, None),
            arrival_timer: TimerView::from_timer(arrival, None),
            external_id: new.external_id,
        };
        self.apply_timers(vec![
            TimerChange::Start(IncidentId(id), dispatch),
            TimerChange::Start(IncidentId(id), arrival),
        ]);
        tracing::info!(incident = id, category = %view.category, priority = view.priority.get(), "incident received");
        self.publish(vec![view.clone()], vec![]);
        Ok((view, true))
    }

    pub(super) async fn assign(
        &mut self,
        id: IncidentId,
        unit_id: UnitId,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<IncidentView, EngineError> {
        let mut incident = self.load_incident(id).await?;
        if !incident.status.is_open() {
            return Err(EngineError::Conflict(format!(
                "incident {id} is {}; units can only be sent to an open incident",
                incident.status
            )));
        }
        let mut unit = self.unit_of(unit_id)?;
        if unit.status != UnitStatus::Available {
            let on = match unit.incident {
                Some(i) if i == id => " (already on this incident)".to_owned(),
                Some(i) => format!(" (on incident {i})"),
                None => String::new(),
            };
            return Err(EngineError::Conflict(format!(
                "unit {} is not available: it is {}{on}",
                unit.callsign, unit.status
            )));
        }
        let mut tx = self.store.begin().await?;
        let taken = sqlx::query("UPDATE units SET status = 'dispatched', incident_id = ?, updated_at = ? WHERE id = ? AND status = 'available'")
            .bind(id.0)
            .bind(millis(now))
            .bind(unit_id.0)
            .execute(&mut *tx)
            .await?;
        if taken.rows_affected() != 1 {
            return Err(EngineError::Conflict(format!("unit {} was taken meanwhile", unit.callsign)));
        }
        sqlx::query("INSERT INTO assignments (incident_id, unit_id, assigned_at, assigned_by) VALUES (?, ?, ?, ?)")
            .bind(id.0)
            .bind(unit_id.0)
            .bind(millis(now))
            .bind(actor)
            .execute(&mut *tx)
            .await?;
        // the review credits the incident to its first unit
        sqlx::query("UPDATE incidents SET first_unit_id = COALESCE(first_unit_id, ?) WHERE id = ?")
            .bind(unit_id.0)
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        let reason = format!("sent to incident {id}");
        let change =
            Change { entity: "unit", id: unit_id.0, from: Some("available"), to: "dispatched", incident: Some(id) };
        log(&mut tx, now, actor, &reason, change).await?;
        let mut timer_changes = vec![];
        if incident.status == IncidentStatus::New {
            let reason = format!("unit {} sent", unit.callsign);
            timer_changes =
                move_incident(&mut tx, self, &mut incident, IncidentStatus::Dispatched, actor, &reason, now).await?;
        }
        tx.commit().await?;
        self.apply_timers(timer_changes);
        unit.status = UnitStatus::Dispatched;
        unit.incident = Some(id);
        incident.units.push(unit_id);
        tracing::info!(incident = id.0, unit = %unit.callsign, "unit assigned");
        self.publish(vec![incident.clone()], vec![unit]);
        Ok(incident)
    }

    pub(super) async fn incident_status(
        &mut self,
        id: IncidentId,
        to: IncidentStatus,
        reason: &str,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<IncidentView, EngineError> {
        let mut incident = self.load_incident(id).await?;
        if to == IncidentStatus::Dispatched {
            return Err(EngineError::Conflict(format!(
                "an incident is dispatched by assigning a unit: POST /api/v1/incidents/{id}/assign"
            )));
        }
        incident.status.transition(to)?;
        let mut tx = self.store.begin().await?;
        let timer_changes = move_incident(&mut tx, self, &mut incident, to, actor, reason, now).await?;
        let mut released = vec![];
        if matches!(to, IncidentStatus::Resolved | IncidentStatus::Cancelled) {
            let why = format!("incident {id} {to}");
            for unit_id in std::mem::take(&mut incident.units) {
                let mut u = self.unit_of(unit_id)?;
                let back = if u.status.is_busy() { UnitStatus::Available } else { u.status };
                release_unit(&mut tx, &mut u, back, actor, &why, now).await?;
                released.push(u);
            }
        }
        tx.commit().await?;
        self.apply_timers(timer_changes);
        tracing::info!(incident = id.0, status = %to, "incident moved");
        self.publish(vec![incident.clone()], released);
        Ok(incident)
    }

    pub(super) async fn unit_status(
        &mut self,
        id: UnitId,
        to: UnitStatus,
        reason: &str,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<UnitView, EngineError> {
        let mut unit = self.unit_of(id)?;
        if to == UnitStatus::Dispatched {
            return Err(EngineError::Conflict(
                "a unit is dispatched by assigning it to an incident: POST /api/v1/incidents/{id}/assign".into(),
            ));
        }
        let from = unit.status;
        from.transition(to)?;
        let mut tx = self.store.begin().await?;
        let mut incidents = vec![];
        let mut timer_changes = vec![];
        match (unit.incident, to) {
            (Some(inc), UnitStatus::EnRoute | UnitStatus::OnScene) => {
                sqlx::query("UPDATE units SET status = ?, updated_at = ? WHERE id = ? AND status = ?")
                    .bind(to.as_str())
                    .bind(millis(now))
                    .bind(id.0)
                    .bind(from.as_str())
                    .execute(&mut *tx)
                    .await?;
                log(
                    &mut tx,
                    now,
                    actor,
                    reason,
                    Change {
                        entity: "unit",
                        id: id.0,
                        from: Some(from.as_str()),
                        to: to.as_str(),
                        incident: Some(inc),
                    },
                )
                .await?;
                unit.status = to;
                // the incident follows its most advanced unit
                let mut incident = self.load_incident(inc).await?;
                let stage = if to == UnitStatus::OnScene { IncidentStatus::OnScene } else { IncidentStatus::EnRoute };
                if incident.status.rank() < stage.rank() && incident.status.can_move_to(stage) {
                    let why = format!(
                        "unit {} {}",
                        unit.callsign,
                        if to == UnitStatus::OnScene { "on scene" } else { "en route" }
                    );
                    timer_changes = move_incident(&mut tx, self, &mut incident, stage, actor, &why, now).await?;
                    incidents.push(incident);
                }
            }
            (Some(inc), UnitStatus::Available | UnitStatus::OffDuty | UnitStatus::OutOfService) => {
                let why = if reason.is_empty() { format!("released from incident {inc}") } else { reason.to_owned() };
                release_unit(&mut tx, &mut unit, to, actor, &why, now).await?;
                let mut incident = self.load_incident(inc).await?;
                incident.units.retain(|u| *u != id);
                incidents.push(incident);
            }
            _ => {
                sqlx::query("UPDATE units SET status = ?, updated_at = ? WHERE id = ? AND status = ?")
                    .bind(to.as_str())
                    .bind(millis(now))
                    .bind(id.0)
                    .bind(from.as_str())
                    .execute(&mut *tx)
                    .await?;
                log(
                    &mut tx,
                    now,
                    actor,
                    reason,
                    Change { entity: "unit", id: id.0, from: Some(from.as_str()), to: to.as_str(), incident: None },
                )
                .await?;
                unit.status = to;
            }
        }
        tx.commit().await?;
        self.apply_timers(timer_changes);
        tracing::info!(unit = %unit.callsign, status = %to, "unit status");
        self.publish(incidents, vec![unit.clone()]);
        Ok(unit)
    }

    pub(super) async fn register_unit(
        &mut self,
        new: NewUnit,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<UnitView, EngineError> {
        if !self.shared.district.stations.iter().any(|s| s.code == new.station) {
            return Err(EngineError::Invalid(format!("unknown station {:?}", new.station.as_str())));
        }
        if new.status.is_busy() {
            return Err(EngineError::Invalid(format!(
                "a new unit cannot start as {}; send it to an incident instead",
                new.status
            )));
        }
        if let Some(existing) = read(&self.shared.fleet).views().values().find(|u| u.callsign == new.callsign.as_str())
        {
            return Err(EngineError::Conflict(format!(
                "callsign {} is already unit {}",
                existing.callsign, existing.id
            )));
        }
        let mut tx = self.store.begin().await?;
        let seen = new.position.map(|_| millis(now));
        let id: Result<i64, sqlx::Error> = sqlx::query_scalar(
            "INSERT INTO units (callsign, kind, force, station, status, lat, lon, seen_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(new.callsign.as_str())
        .bind(new.kind.as_str())
        .bind(new.force.as_str())
        .bind(new.station.as_str())
        .bind(new.status.as_str())
        .bind(new.position.map(|p| p.lat()))
        .bind(new.position.map(|p| p.lon()))
        .bind(seen)
        .bind(millis(now))
        .fetch_one(&mut *tx)
        .await;
        // the callsign's unique index decides, not a scan of the fleet
        let id = match id {
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                drop(tx);
                let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM units WHERE callsign = ?")
                    .bind(new.callsign.as_str())
                    .fetch_optional(self.store.pool())
                    .await?;
                let which = existing.map(|i| format!(" {i}")).unwrap_or_default();
                return Err(EngineError::Conflict(format!("callsign {} is already unit{which}", new.callsign)));
            }
            other => other?,
        };
        if let Some(p) = new.position {
            sqlx::query("INSERT INTO positions (unit_id, at, lat, lon, received_at) VALUES (?, ?, ?, ?, ?)")
                .bind(id)
                .bind(millis(now))
                .bind(p.lat())
                .bind(p.lon())
                .bind(millis(now))
                .execute(&mut *tx)
                .await?;
        }
        log(
            &mut tx,
            now,
            actor,
            "registered",
            Change { entity: "unit", id, from: None, to: new.status.as_str(), incident: None },
        )
        .await?;
        tx.commit().await?;
        let unit = UnitView {
            id: UnitId(id),
            callsign: new.callsign.into_string(),
            kind: new.kind,
            force: new.force,
            station: new.station,
            status: new.status,
            lat: new.position.map(|p| p.lat()),
            lon: new.position.map(|p| p.lon()),
            seen_at: new.position.map(|_| now),
            incident: None,
        };
        tracing::info!(unit = %unit.callsign, "unit registered");
        self.publish(vec![], vec![unit.clone()]);
        Ok(unit)
    }

    pub(super) async fn chat_message(
        &mut self,
        m: NewChatMessage,
        now: DateTime<Utc>,
    ) -> Result<(ChatMessageView, bool), EngineError> {
        let mut tx = self.store.begin().await?;
        if let Some(existing) = self.store.chat_by_key(&mut tx, &m.group_id, &m.message_id).await? {
            return Ok((existing, false));
        }
        let attachments = serde_json::to_string(&m.attachments).map_err(|e| EngineError::Invalid(e.to_string()))?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO chat_messages (group_id, group_name, message_id, sender_name, sender_phone, text, lat, lon, address,
                                        attachments, sent_at, received_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(&m.group_id)
        .bind(m.group_name.as_str())
        .bind(&m.message_id)
        .bind(m.sender_name.as_str())
        .bind(m.sender_phone.as_ref().map(|p| p.as_str()))
        .bind(m.text.as_str())
        .bind(m.location.map(|c| c.lat()))
        .bind(m.location.map(|c| c.lon()))
        .bind(m.address.as_str())
        .bind(attachments)
        .bind(millis(m.sent_at))
        .bind(millis(now))
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        let view = ChatMessageView {
            id,
            group_id: m.group_id,
            group_name: m.group_name.into_string(),
            message_id: m.message_id,
            sender_name: m.sender_name.into_string(),
            text: m.text.into_string(),
            lat: m.location.map(|c| c.lat()),
            lon: m.location.map(|c| c.lon()),
            address: m.address.into_string(),
            attachments: m.attachments,
            sent_at: m.sent_at,
            received_at: now,
            first_reply_at: None,
            incident: None,
            disposition: None,
            answered_by: None,
            incident_status: None,
            loop_closed_at: None,
        };
        tracing::info!(message = id, "chat message received");
        self.shared.hub.publish(Event::Chat { message: view.clone() });
        Ok((view, true))
    }

    /// Position batches, several requests at once (group commit): each is
    /// checked on its own, all accepted reports go into the trail in one
    /// transaction, and each request gets its own answer after the commit.
    /// Units' last positions are checkpointed separately (see
    /// `checkpoint_positions`); the trail alone makes a report durable.
    pub(super) async fn positions(
        &mut self,
        requests: Vec<(Vec<PositionReport>, super::Reply<PositionOutcome>)>,
        now: DateTime<Utc>,
    ) {
        let mut outcomes = Vec::with_capacity(requests.len());
        let mut replies = Vec::with_capacity(requests.len());
        let mut accepted = vec![];
        // the newest accepted report per unit moves the unit
        let mut newest: BTreeMap<UnitId, PositionReport> = BTreeMap::new();
        {
            let fleet = read(&self.shared.fleet);
            for (reports, reply) in requests {
                let mut outcome = PositionOutcome { accepted: 0, rejected: vec![] };
                for r in reports {
                    let Some(unit) = fleet.get(r.unit_id) else {
                        outcome
                            .rejected
                            .push(Rejection { index: r.index, reason: format!("unknown unit {}", r.unit_id) });
                        continue;
                    };
                    if r.at > now + Duration::seconds(FUTURE_TOLERANCE_S) {
                        let reason = format!("at is more than {FUTURE_TOLERANCE_S} s in the future");
                        outcome.rejected.push(Rejection { index: r.index, reason });
                        continue;
                    }
                    if r.at < now - Duration::hours(MAX_AGE_H) {
                        outcome
                            .rejected
                            .push(Rejection { index: r.index, reason: format!("at is more than {MAX_AGE_H} h old") });
                        continue;
                    }
                    outcome.accepted += 1;
                    accepted.push(r);
                    let later_than_known = unit.seen_at.is_none_or(|seen| r.at > seen);
                    let later_than_batch = newest.get(&r.unit_id).is_none_or(|n| r.at > n.at);
                    if later_than_known && later_than_batch {
                        newest.insert(r.unit_id, r);
                    }
                }
                outcomes.push(outcome);
                replies.push(reply);
            }
        }
        if !accepted.is_empty()
            && let Err(e) = self.append_trail(&accepted, now).await
        {
            tracing::error!(error = %e, "position batch failed in the store");
            for reply in replies {
                let _ = reply.send(Err(EngineError::Store(crate::store::StoreError::Corrupt(
                    "the trail could not be written".into(),
                ))));
            }
            return;
        }
        let moved: Vec<PositionView> = newest
            .values()
            .copied()
            .map(|r| PositionView { unit_id: r.unit_id, lat: r.at_position.lat(), lon: r.at_position.lon(), at: r.at })
            .collect();
        // In short holds of the lock, so a recommendation never waits for a
        // whole merged batch to be filed.
        let newest: Vec<PositionReport> = newest.into_values().collect();
        for chunk in newest.chunks(256) {
            let mut fleet = write(&self.shared.fleet);
            for r in chunk {
                fleet.moved(r.unit_id, r.at_position, r.at);
            }
        }
        self.moved_since_checkpoint.extend(newest.iter().map(|r| r.unit_id));
        // events of at most 1,000 positions (about 100 KB each), each
        // position with its unit's station (for station screens)
        for piece in moved.chunks(1000) {
            let stations = {
                let fleet = read(&self.shared.fleet);
                piece.iter().map(|p| fleet.get(p.unit_id).map(|u| u.station.clone())).collect()
            };
            self.shared.hub.publish_positions(Event::Positions { positions: piece.to_vec() }, stations);
        }
        for (reply, outcome) in replies.into_iter().zip(outcomes) {
            let _ = reply.send(Ok(outcome));
        }
    }

    /// Appends reports to the trail in one transaction.
    async fn append_trail(&self, accepted: &[PositionReport], now: DateTime<Utc>) -> Result<(), EngineError> {
        let mut tx = self.store.begin().await?;
        // Few statements, many rows each: every statement is a round trip to
        // the SQLite worker thread. (SQLite takes up to 32,766 parameters.)
        for chunk in accepted.chunks(6000) {
            let mut q = sqlx::QueryBuilder::new("INSERT INTO positions (unit_id, at, lat, lon, received_at) ");
            q.push_values(chunk, |mut b, r| {
                b.push_bind(r.unit_id.0)
                    .push_bind(millis(r.at))
                    .push_bind(r.at_position.lat())
                    .push_bind(r.at_position.lon())
                    .push_bind(millis(now));
            });
            q.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Writes the last position of every unit that moved since the last
    /// checkpoint into `units`, with the trail rowid it reflects. Start-up
    /// replays the trail after that rowid.
    pub(super) async fn checkpoint_positions(&mut self) -> Result<(), EngineError> {
        if self.moved_since_checkpoint.is_empty() {
            return Ok(());
        }
        let rows: Vec<(i64, f64, f64, i64)> = {
            let fleet = read(&self.shared.fleet);
            self.moved_since_checkpoint
                .iter()
                .filter_map(|id| {
                    let u = fleet.get(*id)?;
                    Some((id.0, u.lat?, u.lon?, millis(u.seen_at?)))
                })
                .collect()
        };
        let mut tx = self.store.begin().await?;
        for chunk in rows.chunks(8000) {
            let mut q = sqlx::QueryBuilder::new("WITH v(id, lat, lon, seen) AS (");
            q.push_values(chunk, |mut b, r| {
                b.push_bind(r.0).push_bind(r.1).push_bind(r.2).push_bind(r.3);
            });
            q.push(") UPDATE units SET lat = v.lat, lon = v.lon, seen_at = v.seen FROM v WHERE units.id = v.id");
            q.build().execute(&mut *tx).await?;
        }
        // the engine is the only writer: every trail row so far is reflected
        sqlx::query(
            "UPDATE checkpoints SET value = (SELECT COALESCE(MAX(rowid), 0) FROM positions) WHERE name = 'units_checkpoint'",
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.moved_since_checkpoint.clear();
        Ok(())
    }
}
