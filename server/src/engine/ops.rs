//! The engine's write operations. Each one checks the request against the
//! live state and the domain's rules, writes everything it changes in one
//! transaction, commits, and only then updates the mirrors and publishes.

use std::collections::BTreeMap;

use app::wire::{ChatMessageView, Event, IncidentView, PositionView, UnitView};
use chrono::{DateTime, Duration, Utc};
use domain::chat::NewChatMessage;
use domain::unit::NewUnit;
use domain::{Channel, Coordinates, Incident, IncidentId, IncidentStatus, NewIncident, UnitId, UnitStatus};
use serde::Serialize;

use super::timers::TimerChange;
use super::{Engine, EngineError, read, write};
use crate::store::live::{self, Change, NewPhoto, Subject, UnitInsertError};
use crate::store::{Tx, millis};

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

/// Moves an incident in the transaction as `domain` plans it (row and
/// stage time, timers stopped and started, the log) and applies the move to
/// the view; answers the timer changes to make once committed.
async fn move_incident(
    tx: &mut Tx<'_>,
    policy: &domain::ResponsePolicy,
    i: &mut Incident,
    to: IncidentStatus,
    actor: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<Vec<TimerChange>, EngineError> {
    // the move applies to `i` at once; were the transaction to fail, the
    // caller drops `i` (a copy) with it
    let m = i.transition(to, now)?;
    if !live::move_incident(tx, i.id, m.from, m.to, now).await? {
        return Err(EngineError::Conflict(format!("incident {} changed meanwhile; reload and try again", i.id)));
    }
    let subject = Subject::Incident(i.id);
    live::log(tx, Change { at: now, actor, reason, subject, from: Some(m.from.as_str()), to: m.to.as_str() }).await?;
    let mut changes = vec![];
    for kind in m.stops {
        live::stop_timer(tx, i.id, *kind, now).await?;
        changes.push(TimerChange::Stop(i.id, *kind));
    }
    if let Some(kind) = m.starts {
        let t = policy.timer(kind, i.place.class, now);
        live::start_timer(tx, i.id, &t).await?;
        changes.push(TimerChange::Start(i.id, t));
    }
    Ok(changes)
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
    live::release_unit(tx, u.id, to, reason, now).await?;
    if from != to {
        let subject = Subject::Unit(u.id, u.incident);
        live::log(tx, Change { at: now, actor, reason, subject, from: Some(from.as_str()), to: to.as_str() }).await?;
    }
    u.status = to;
    u.incident = None;
    Ok(())
}

impl Engine {
    /// The incident, from the live mirror if open, else from the store.
    async fn load_incident(&self, id: IncidentId) -> Result<Incident, EngineError> {
        if let Some(i) = read(&self.shared.open).get(&id) {
            return Ok(i.clone());
        }
        match self.store.live_incident(id).await? {
            Some(i) => Ok(i),
            None => Err(EngineError::NotFound { what: "incident", id: id.to_string() }),
        }
    }

    fn unit_of(&self, id: UnitId) -> Result<UnitView, EngineError> {
        read(&self.shared.fleet).get(id).cloned().ok_or(EngineError::NotFound { what: "unit", id: id.to_string() })
    }

    /// Puts changed incidents and units into the mirrors and publishes them,
    /// in that order, after the commit.
    fn publish(&self, incidents: Vec<Incident>, units: Vec<UnitView>) {
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
        for i in &incidents {
            self.shared.hub.publish(Event::Incident { incident: IncidentView::from(i) });
        }
    }

    pub(super) async fn create_incident(
        &mut self,
        new: NewIncident,
        actor: &str,
        report_code: Option<&str>,
        photo: Option<NewPhoto>,
        now: DateTime<Utc>,
    ) -> Result<(IncidentView, bool), EngineError> {
        let mut tx = self.store.begin().await?;
        if let Some(ext) = &new.external_id
            && let Some(existing) = self.store.incident_by_external_id(&mut tx, ext).await?
        {
            return Ok((IncidentView::from(&existing), false));
        }
        let loc = self.shared.district.locate(new.location);
        let id = live::insert_incident(&mut tx, &new, &loc, actor, now).await?;
        let incident = Incident::received(id, new, loc, &self.shared.settings.policy, now);
        let (dispatch, arrival) = (incident.dispatch_timer.timer, incident.arrival_timer.timer);
        for t in [dispatch, arrival] {
            live::start_timer(&mut tx, id, &t).await?;
        }
        let reason = format!("received by {}", incident.channel);
        let change = Change { at: now, actor, reason: &reason, subject: Subject::Incident(id), from: None, to: "new" };
        live::log(&mut tx, change).await?;
        if let Some(code) = report_code
            && !live::insert_report_code(&mut tx, code, id, now).await?
        {
            return Err(EngineError::Conflict("tracking code already in use".into()));
        }
        if let Some(p) = &photo {
            live::insert_photo(&mut tx, id, p, now).await?;
        }
        tx.commit().await?;
        let view = IncidentView::from(&incident);
        self.apply_timers(vec![TimerChange::Start(id, dispatch), TimerChange::Start(id, arrival)]);
        tracing::info!(incident = id.0, category = %view.category, priority = view.priority.get(), "incident received");
        self.publish(vec![incident], vec![]);
        self.figures_dirty = true;
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
        if !live::take_unit(&mut tx, unit_id, id, actor, now).await? {
            return Err(EngineError::Conflict(format!("unit {} was taken meanwhile", unit.callsign)));
        }
        let reason = format!("sent to incident {id}");
        let subject = Subject::Unit(unit_id, Some(id));
        live::log(
            &mut tx,
            Change { at: now, actor, reason: &reason, subject, from: Some("available"), to: "dispatched" },
        )
        .await?;
        let mut timer_changes = vec![];
        if incident.status == IncidentStatus::New {
            let reason = format!("unit {} sent", unit.callsign);
            let policy = &self.shared.settings.policy;
            timer_changes =
                move_incident(&mut tx, policy, &mut incident, IncidentStatus::Dispatched, actor, &reason, now).await?;
        }
        tx.commit().await?;
        self.apply_timers(timer_changes);
        unit.status = UnitStatus::Dispatched;
        unit.incident = Some(id);
        incident.units.push(unit_id);
        tracing::info!(incident = id.0, unit = %unit.callsign, "unit assigned");
        let view = IncidentView::from(&incident);
        let from_chat = incident.channel == Channel::Chat;
        self.publish(vec![incident], vec![unit]);
        self.figures_dirty = true;
        if from_chat {
            self.desk_follow(id).await;
        }
        Ok(view)
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
        let policy = &self.shared.settings.policy;
        let timer_changes = move_incident(&mut tx, policy, &mut incident, to, actor, reason, now).await?;
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
        let view = IncidentView::from(&incident);
        let from_chat = incident.channel == Channel::Chat;
        self.publish(vec![incident], released);
        self.figures_dirty = true;
        if from_chat {
            self.desk_follow(id).await;
        }
        Ok(view)
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
                live::set_unit_status(&mut tx, id, from, to, now).await?;
                let subject = Subject::Unit(id, Some(inc));
                live::log(
                    &mut tx,
                    Change { at: now, actor, reason, subject, from: Some(from.as_str()), to: to.as_str() },
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
                    let policy = &self.shared.settings.policy;
                    timer_changes = move_incident(&mut tx, policy, &mut incident, stage, actor, &why, now).await?;
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
                live::set_unit_status(&mut tx, id, from, to, now).await?;
                let subject = Subject::Unit(id, None);
                live::log(
                    &mut tx,
                    Change { at: now, actor, reason, subject, from: Some(from.as_str()), to: to.as_str() },
                )
                .await?;
                unit.status = to;
            }
        }
        tx.commit().await?;
        self.apply_timers(timer_changes);
        tracing::info!(unit = %unit.callsign, status = %to, "unit status");
        self.publish(incidents, vec![unit.clone()]);
        self.figures_dirty = true;
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
        let id = match live::insert_unit(&mut tx, &new, now).await {
            Ok(id) => id,
            Err(UnitInsertError::Callsign(existing)) => {
                let which = existing.map(|i| format!(" {i}")).unwrap_or_default();
                return Err(EngineError::Conflict(format!("callsign {} is already unit{which}", new.callsign)));
            }
            Err(UnitInsertError::Store(e)) => return Err(e.into()),
        };
        let subject = Subject::Unit(id, None);
        live::log(
            &mut tx,
            Change { at: now, actor, reason: "registered", subject, from: None, to: new.status.as_str() },
        )
        .await?;
        tx.commit().await?;
        let unit = UnitView {
            id,
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
        self.figures_dirty = true;
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
        let id = live::insert_chat_message(&mut tx, &m, now).await?;
        tx.commit().await?;
        let view = ChatMessageView::received(id, m, now);
        tracing::info!(message = id, "chat message received");
        self.shared.hub.publish(Event::Chat { message: view.clone() });
        self.start_chat_timer(domain::ChatMessageId(view.id), view.received_at);
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
        let points: Vec<_> = accepted.iter().map(|r| (r.unit_id, r.at, r.at_position)).collect();
        let mut tx = self.store.begin().await?;
        live::append_trail(&mut tx, &points, now).await?;
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
        live::checkpoint_units(&mut tx, &rows).await?;
        tx.commit().await?;
        self.moved_since_checkpoint.clear();
        Ok(())
    }
}
