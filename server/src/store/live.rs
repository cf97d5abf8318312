//! The live state's writes: incidents, units, assignments, timers, alerts,
//! the position trail, chat messages and the desk's answers. Each is a typed
//! function on a transaction the engine holds, so one command's changes
//! commit together or not at all; the conditional ones answer whether they
//! took (`false`: somebody else was first, nothing changed).

use app::wire::{AlertView, ChatMessageView};
use chrono::{DateTime, Utc};
use domain::chat::{Delivery, Disposition, NewChatMessage};
use domain::unit::NewUnit;
use domain::{
    ChatMessageId, Coordinates, IncidentId, IncidentStatus, Location, NewIncident, StationCode, Timer, TimerKind,
    TimerLevel, UnitId, UnitStatus,
};

use super::{Store, StoreError, Tx, millis, on_db, on_tx};

/// A photo attached to a resident's report, checked (type from its bytes,
/// size) and named with a random id; stored with the incident.
#[derive(Debug, Clone)]
pub struct NewPhoto {
    pub id: String,
    pub content_type: &'static str,
    pub data: Vec<u8>,
}

/// What a status-log line is about.
#[derive(Debug, Clone, Copy)]
pub enum Subject {
    Incident(IncidentId),
    /// A unit, and the incident its change was about (if any).
    Unit(UnitId, Option<IncidentId>),
}

/// One line of the status log: who moved what from where to where, and why.
pub struct Change<'a> {
    pub at: DateTime<Utc>,
    pub actor: &'a str,
    pub reason: &'a str,
    pub subject: Subject,
    pub from: Option<&'a str>,
    pub to: &'a str,
}

pub async fn log(tx: &mut Tx<'_>, change: Change<'_>) -> Result<(), StoreError> {
    let (entity, id, incident) = match change.subject {
        Subject::Incident(i) => ("incident", i.0, None),
        Subject::Unit(u, i) => ("unit", u.0, i),
    };
    on_tx!(
        tx,
        "INSERT INTO status_log (at, entity, entity_id, from_status, to_status, actor, reason, incident_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        |c, q| sqlx::query(q)
            .bind(millis(change.at))
            .bind(entity)
            .bind(id)
            .bind(change.from)
            .bind(change.to)
            .bind(change.actor)
            .bind(change.reason)
            .bind(incident.map(|i| i.0))
            .execute(c)
            .await
            .map(|r| r.rows_affected())
    )?;
    Ok(())
}

/// Stores a new incident (status `new`) with its place; answers its id.
pub async fn insert_incident(
    tx: &mut Tx<'_>,
    new: &NewIncident,
    loc: &Location,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<IncidentId, StoreError> {
    let id: i64 = on_tx!(
        tx,
        "INSERT INTO incidents (external_id, channel, category, priority, status, lat, lon, address, description,
                                reporter_contact, station, zone, zone_class, received_at, created_by)
         VALUES (?, ?, ?, ?, 'new', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        |c, q| sqlx::query_scalar(q)
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
            .bind(millis(at))
            .bind(actor)
            .fetch_one(c)
            .await
    )?;
    Ok(IncidentId(id))
}

/// Files a resident's tracking code; `false` when the code is taken.
pub async fn insert_report_code(
    tx: &mut Tx<'_>,
    code: &str,
    incident: IncidentId,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let stored = on_tx!(
        tx,
        "INSERT INTO reports (code, incident_id, created_at) VALUES (?, ?, ?) ON CONFLICT (code) DO NOTHING",
        |c, q| sqlx::query(q).bind(code).bind(incident.0).bind(millis(at)).execute(c).await.map(|r| r.rows_affected())
    )?;
    Ok(stored == 1)
}

pub async fn insert_photo(
    tx: &mut Tx<'_>,
    incident: IncidentId,
    p: &NewPhoto,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    on_tx!(
        tx,
        "INSERT INTO photos (id, incident_id, content_type, bytes, data, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        |c, q| sqlx::query(q)
            .bind(&p.id)
            .bind(incident.0)
            .bind(p.content_type)
            .bind(p.data.len() as i64)
            .bind(&p.data)
            .bind(millis(at))
            .execute(c)
            .await
            .map(|r| r.rows_affected())
    )?;
    Ok(())
}

/// Moves an incident's row from `from` to `to`, writing the stage's time the
/// first time it is reached; `false` when the row was not in `from`.
pub async fn move_incident(
    tx: &mut Tx<'_>,
    id: IncidentId,
    from: IncidentStatus,
    to: IncidentStatus,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let col = match to {
        IncidentStatus::New => return Ok(false),
        IncidentStatus::Dispatched => "dispatched_at",
        IncidentStatus::EnRoute => "en_route_at",
        IncidentStatus::OnScene => "on_scene_at",
        IncidentStatus::Resolved => "resolved_at",
        IncidentStatus::Closed => "closed_at",
        IncidentStatus::Cancelled => "cancelled_at",
    };
    let sql = format!("UPDATE incidents SET status = ?, {col} = COALESCE({col}, ?) WHERE id = ? AND status = ?");
    let done = on_tx!(tx, &sql, |c, q| sqlx::query(q)
        .bind(to.as_str())
        .bind(millis(at))
        .bind(id.0)
        .bind(from.as_str())
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

/// Starts a response timer (once: a second start of the same kind is a no-op).
pub async fn start_timer(tx: &mut Tx<'_>, id: IncidentId, t: &Timer) -> Result<(), StoreError> {
    on_tx!(
        tx,
        "INSERT INTO timers (incident_id, kind, started_at, amber_at, deadline) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (incident_id, kind) DO NOTHING",
        |c, q| sqlx::query(q)
            .bind(id.0)
            .bind(t.kind.as_str())
            .bind(millis(t.started_at))
            .bind(millis(t.amber_at))
            .bind(millis(t.deadline))
            .execute(c)
            .await
            .map(|r| r.rows_affected())
    )?;
    Ok(())
}

pub async fn stop_timer(tx: &mut Tx<'_>, id: IncidentId, kind: TimerKind, at: DateTime<Utc>) -> Result<(), StoreError> {
    on_tx!(
        tx,
        "UPDATE timers SET stopped_at = ? WHERE incident_id = ? AND kind = ? AND stopped_at IS NULL",
        |c, q| sqlx::query(q)
            .bind(millis(at))
            .bind(id.0)
            .bind(kind.as_str())
            .execute(c)
            .await
            .map(|r| r.rows_affected())
    )?;
    Ok(())
}

/// Marks a running timer's level as fired; `false` when it fired before (a
/// restart) or was stopped meanwhile.
pub async fn mark_timer_fired(
    tx: &mut Tx<'_>,
    id: IncidentId,
    kind: TimerKind,
    level: TimerLevel,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let col = match level {
        TimerLevel::Amber => "amber_fired_at",
        TimerLevel::Red => "red_fired_at",
        TimerLevel::Green => return Ok(false),
    };
    let sql = format!(
        "UPDATE timers SET {col} = ? WHERE incident_id = ? AND kind = ? AND {col} IS NULL AND stopped_at IS NULL"
    );
    let marked = on_tx!(tx, &sql, |c, q| sqlx::query(q)
        .bind(millis(at))
        .bind(id.0)
        .bind(kind.as_str())
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(marked == 1)
}

/// An incident's station and place (for its alerts).
pub async fn incident_place(
    tx: &mut Tx<'_>,
    id: IncidentId,
) -> Result<(Option<StationCode>, Option<Coordinates>), StoreError> {
    let (station, lat, lon): (Option<String>, f64, f64) =
        on_tx!(tx, "SELECT station, lat, lon FROM incidents WHERE id = ?", |c, q| sqlx::query_as(q)
            .bind(id.0)
            .fetch_one(c)
            .await)?;
    Ok((station.as_deref().and_then(|s| StationCode::parse(s).ok()), Coordinates::parse(lat, lon).ok()))
}

/// Stores an alert; answers its id.
pub async fn insert_alert(tx: &mut Tx<'_>, a: &AlertView) -> Result<i64, StoreError> {
    Ok(on_tx!(tx, "INSERT INTO alerts (at, incident_id, chat_message_id, station, kind, timer_kind, level, deadline, suggested_unit_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id", |c, q| sqlx::query_scalar(q)
    .bind(millis(a.at))
    .bind(a.incident.map(|i| i.0))
    .bind(a.chat_message)
    .bind(a.station.as_ref().map(|s| s.as_str().to_owned()))
    .bind(a.kind.as_str())
    .bind(a.timer.as_str())
    .bind(a.level.as_str())
    .bind(millis(a.deadline))
    .bind(a.suggested.as_ref().map(|s| s.unit_id.0))
    .fetch_one(c).await)?)
}

/// Takes an available unit for an incident: the unit row (only if still
/// available), the assignment, and the incident's first unit (the review
/// credits it); `false` when the unit was taken meanwhile.
pub async fn take_unit(
    tx: &mut Tx<'_>,
    unit: UnitId,
    incident: IncidentId,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let taken = on_tx!(
        tx,
        "UPDATE units SET status = 'dispatched', incident_id = ?, updated_at = ? WHERE id = ? AND status = 'available'",
        |c, q| sqlx::query(q)
            .bind(incident.0)
            .bind(millis(at))
            .bind(unit.0)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
    )?;
    if taken != 1 {
        return Ok(false);
    }
    on_tx!(
        tx,
        "INSERT INTO assignments (incident_id, unit_id, assigned_at, assigned_by) VALUES (?, ?, ?, ?)",
        |c, q| sqlx::query(q)
            .bind(incident.0)
            .bind(unit.0)
            .bind(millis(at))
            .bind(actor)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
    )?;
    on_tx!(tx, "UPDATE incidents SET first_unit_id = COALESCE(first_unit_id, ?) WHERE id = ?", |c, q| sqlx::query(q)
        .bind(unit.0)
        .bind(incident.0)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(true)
}

/// Clears a unit's assignment and leaves it in `to`, free.
pub async fn release_unit(
    tx: &mut Tx<'_>,
    unit: UnitId,
    to: UnitStatus,
    reason: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    on_tx!(
        tx,
        "UPDATE assignments SET cleared_at = ?, clear_reason = ? WHERE unit_id = ? AND cleared_at IS NULL",
        |c, q| sqlx::query(q).bind(millis(at)).bind(reason).bind(unit.0).execute(c).await.map(|r| r.rows_affected())
    )?;
    on_tx!(tx, "UPDATE units SET status = ?, incident_id = NULL, updated_at = ? WHERE id = ?", |c, q| sqlx::query(q)
        .bind(to.as_str())
        .bind(millis(at))
        .bind(unit.0)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Moves a unit's status from `from` to `to` (its incident unchanged).
pub async fn set_unit_status(
    tx: &mut Tx<'_>,
    unit: UnitId,
    from: UnitStatus,
    to: UnitStatus,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done =
        on_tx!(tx, "UPDATE units SET status = ?, updated_at = ? WHERE id = ? AND status = ?", |c, q| sqlx::query(q)
            .bind(to.as_str())
            .bind(millis(at))
            .bind(unit.0)
            .bind(from.as_str())
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

/// Why a unit could not be registered.
#[derive(Debug)]
pub enum UnitInsertError {
    /// The callsign is taken (by this unit id, when it could be read).
    Callsign(Option<i64>),
    Store(StoreError),
}

impl From<sqlx::Error> for UnitInsertError {
    fn from(e: sqlx::Error) -> Self {
        UnitInsertError::Store(e.into())
    }
}

impl From<StoreError> for UnitInsertError {
    fn from(e: StoreError) -> Self {
        UnitInsertError::Store(e)
    }
}

/// Registers a unit, with its first position in the trail; the callsign's
/// unique index decides whether it is taken.
pub async fn insert_unit(tx: &mut Tx<'_>, new: &NewUnit, at: DateTime<Utc>) -> Result<UnitId, UnitInsertError> {
    let seen = new.position.map(|_| millis(at));
    let id: Result<i64, sqlx::Error> = on_tx!(
        tx,
        "INSERT INTO units (callsign, kind, force, station, status, lat, lon, seen_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        |c, q| sqlx::query_scalar(q)
            .bind(new.callsign.as_str())
            .bind(new.kind.as_str())
            .bind(new.force.as_str())
            .bind(new.station.as_str())
            .bind(new.status.as_str())
            .bind(new.position.map(|p| p.lat()))
            .bind(new.position.map(|p| p.lon()))
            .bind(seen)
            .bind(millis(at))
            .fetch_one(c)
            .await
    );
    let id = match id {
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            let existing: Option<i64> =
                on_tx!(tx, "SELECT id FROM units WHERE callsign = ?", |c, q| sqlx::query_scalar(q)
                    .bind(new.callsign.as_str())
                    .fetch_optional(c)
                    .await)?;
            return Err(UnitInsertError::Callsign(existing));
        }
        other => other?,
    };
    if let Some(p) = new.position {
        append_trail(tx, &[(UnitId(id), at, p)], at).await?;
    }
    Ok(UnitId(id))
}

/// Appends positions (unit, when, where) to the trail: few statements, many
/// rows each (every statement is a round trip to the SQLite worker thread;
/// SQLite takes up to 32,766 parameters).
pub async fn append_trail(
    tx: &mut Tx<'_>,
    points: &[(UnitId, DateTime<Utc>, Coordinates)],
    received: DateTime<Utc>,
) -> Result<(), StoreError> {
    for chunk in points.chunks(6000) {
        on_tx!(&mut *tx, |c| {
            let mut q = sqlx::QueryBuilder::new("INSERT INTO positions (unit_id, at, lat, lon, received_at) ");
            q.push_values(chunk, |mut b, (unit, at, p)| {
                b.push_bind(unit.0)
                    .push_bind(millis(*at))
                    .push_bind(p.lat())
                    .push_bind(p.lon())
                    .push_bind(millis(received));
            });
            q.build().execute(c).await.map(|r| r.rows_affected())
        })?;
    }
    Ok(())
}

/// Writes units' last positions (id, lat, lon, seen in ms) and records that
/// every trail row so far is reflected (start-up replays the rest).
pub async fn checkpoint_units(tx: &mut Tx<'_>, rows: &[(i64, f64, f64, i64)]) -> Result<(), StoreError> {
    for chunk in rows.chunks(8000) {
        on_tx!(&mut *tx, |c| {
            let mut q = sqlx::QueryBuilder::new("WITH v(id, lat, lon, seen) AS (");
            q.push_values(chunk, |mut b, r| {
                b.push_bind(r.0).push_bind(r.1).push_bind(r.2).push_bind(r.3);
            });
            q.push(") UPDATE units SET lat = v.lat, lon = v.lon, seen_at = v.seen FROM v WHERE units.id = v.id");
            q.build().execute(c).await.map(|r| r.rows_affected())
        })?;
    }
    on_tx!(
        tx,
        "UPDATE checkpoints SET value = (SELECT COALESCE(MAX(rowid), 0) FROM positions) WHERE name = 'units_checkpoint'",
        |c, q| sqlx::query(q).execute(c).await.map(|r| r.rows_affected())
    )?;
    Ok(())
}

/// Stores a chat-group message; answers its id.
pub async fn insert_chat_message(tx: &mut Tx<'_>, m: &NewChatMessage, at: DateTime<Utc>) -> Result<i64, StoreError> {
    let attachments = serde_json::to_string(&m.attachments).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(on_tx!(tx, "INSERT INTO chat_messages (group_id, group_name, message_id, sender_name, sender_phone, text, lat, lon, address,
                                    attachments, sent_at, received_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id", |c, q| sqlx::query_scalar(q)
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
    .bind(millis(at))
    .fetch_one(c).await)?)
}

/// A message's first answer; `false` when it was answered meanwhile.
pub async fn answer_message(
    tx: &mut Tx<'_>,
    id: ChatMessageId,
    steward: &str,
    disposition: Disposition,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done = on_tx!(
        tx,
        "UPDATE chat_messages SET first_reply_at = ?, answered_by = ?,
                disposition = CASE WHEN incident_id IS NULL THEN ? ELSE disposition END
         WHERE id = ? AND first_reply_at IS NULL",
        |c, q| sqlx::query(q)
            .bind(millis(at))
            .bind(steward)
            .bind(disposition.as_str())
            .bind(id.0)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
    )?;
    Ok(done == 1)
}

/// Links a message to the incident it became (answered now when
/// `replied`); `false` when it was linked meanwhile.
pub async fn link_message(
    tx: &mut Tx<'_>,
    id: ChatMessageId,
    incident: IncidentId,
    steward: &str,
    replied: bool,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done = on_tx!(
        tx,
        "UPDATE chat_messages SET incident_id = ?, disposition = 'incident',
                answered_by = COALESCE(answered_by, ?),
                first_reply_at = CASE WHEN ? THEN COALESCE(first_reply_at, ?) ELSE first_reply_at END
         WHERE id = ? AND incident_id IS NULL",
        |c, q| sqlx::query(q)
            .bind(incident.0)
            .bind(steward)
            .bind(replied)
            .bind(millis(at))
            .bind(id.0)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
    )?;
    Ok(done == 1)
}

/// Closes a message's loop; `false` when it was closed meanwhile.
pub async fn close_loop(
    tx: &mut Tx<'_>,
    id: ChatMessageId,
    steward: &str,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done = on_tx!(
        tx,
        "UPDATE chat_messages SET loop_closed_at = ?, loop_closed_by = ? WHERE id = ? AND loop_closed_at IS NULL",
        |c, q| sqlx::query(q).bind(millis(at)).bind(steward).bind(id.0).execute(c).await.map(|r| r.rows_affected())
    )?;
    Ok(done == 1)
}

/// Who closed a message's loop.
pub async fn loop_closed_by(tx: &mut Tx<'_>, id: ChatMessageId) -> Result<Option<String>, StoreError> {
    Ok(on_tx!(tx, "SELECT loop_closed_by FROM chat_messages WHERE id = ?", |c, q| sqlx::query_scalar(q)
        .bind(id.0)
        .fetch_optional(c)
        .await)?
    .flatten())
}

/// What kind of reply a steward sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyKind {
    /// The first answer.
    Answer,
    /// The message after the incident it became was resolved.
    Closing,
}

/// Stores a steward's reply, `pending` delivery when the group has a
/// webhook (the outbound task delivers it), `no_webhook` otherwise.
pub async fn insert_reply(
    tx: &mut Tx<'_>,
    m: &ChatMessageView,
    kind: ReplyKind,
    text: &str,
    steward: &str,
    has_webhook: bool,
    at: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let (delivery, next) =
        if has_webhook { (Delivery::Pending, Some(millis(at))) } else { (Delivery::NoWebhook, None) };
    let kind = match kind {
        ReplyKind::Answer => "answer",
        ReplyKind::Closing => "closing",
    };
    Ok(on_tx!(tx, "INSERT INTO chat_replies (chat_message_id, group_id, kind, text, steward, created_at, delivery, next_attempt_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id", |c, q| sqlx::query_scalar(q)
    .bind(m.id)
    .bind(&m.group_id)
    .bind(kind)
    .bind(text)
    .bind(steward)
    .bind(millis(at))
    .bind(delivery.as_str())
    .bind(next)
    .fetch_one(c).await)?)
}

/// Marks a message's reply timer level as fired; `false` when it fired
/// before, or the message was answered (or set aside) meanwhile.
pub async fn mark_chat_timer_fired(
    tx: &mut Tx<'_>,
    id: ChatMessageId,
    level: TimerLevel,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let col = match level {
        TimerLevel::Amber => "reply_amber_fired_at",
        TimerLevel::Red => "reply_red_fired_at",
        TimerLevel::Green => return Ok(false),
    };
    let sql = format!(
        "UPDATE chat_messages SET {col} = ? WHERE id = ? AND {col} IS NULL AND first_reply_at IS NULL
           AND (disposition IS NULL OR disposition NOT IN ('consultation', 'not_police'))"
    );
    let marked = on_tx!(tx, &sql, |c, q| sqlx::query(q)
        .bind(millis(at))
        .bind(id.0)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(marked == 1)
}

/// The result of one attempt to deliver a reply.
#[derive(Debug, Clone)]
pub struct DeliveryAttempt {
    pub reply: i64,
    pub attempt: i64,
    /// Delivered, pending (retried at `next_ms`) or failed.
    pub delivery: Delivery,
    pub next_ms: Option<i64>,
    pub error: Option<String>,
    pub at: DateTime<Utc>,
}

impl Store {
    /// Records a delivery attempt of a reply still pending.
    pub async fn record_delivery(&self, a: &DeliveryAttempt) -> Result<(), StoreError> {
        on_db!(
            self.db(),
            "UPDATE chat_replies SET attempts = ?, delivery = ?, next_attempt_at = ?, last_error = ?,
                    delivered_at = CASE WHEN ? = 'delivered' THEN ? ELSE delivered_at END
             WHERE id = ? AND delivery = 'pending'",
            |c, q| sqlx::query(q)
                .bind(a.attempt)
                .bind(a.delivery.as_str())
                .bind(a.next_ms)
                .bind(a.error.as_deref())
                .bind(a.delivery.as_str())
                .bind(millis(a.at))
                .bind(a.reply)
                .execute(c)
                .await
                .map(|r| r.rows_affected())
        )?;
        Ok(())
    }
}
