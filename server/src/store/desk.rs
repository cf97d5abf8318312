//! The chat-group steward desk as stored: a message (its row shape and
//! columns), the queue, one message with its replies, the
//! messages linked to an incident, replies due for delivery, and the rows
//! the desk's review counts.

use app::wire::{ChatMessageView, ReplyView};
use domain::chat::DeskRecord;
use domain::{ChatMessageId, IncidentId};
use sqlx::FromRow;

use super::{Store, StoreError, Tx, on_db, on_tx, time};

#[derive(Debug, FromRow)]
struct ReplyRow {
    id: i64,
    kind: String,
    text: String,
    steward: String,
    created_at: i64,
    delivery: String,
    attempts: i64,
    delivered_at: Option<i64>,
    last_error: Option<String>,
}

/// received_at, first_reply_at, incident_id, disposition, loop_closed_at
type DeskRow = (i64, Option<i64>, Option<i64>, Option<String>, Option<i64>);

/// A reply waiting for (another) delivery attempt.
#[derive(Debug, Clone, FromRow)]
pub struct DueReply {
    pub id: i64,
    pub chat_message_id: i64,
    pub group_id: String,
    /// The platform's id of the message answered.
    pub message_id: String,
    pub kind: String,
    pub text: String,
    pub steward: String,
    pub created_at: i64,
    pub attempts: i64,
}

impl Store {
    /// One message, with the sender's phone (personal data: for the desk only).
    pub async fn chat_message(
        &self,
        id: ChatMessageId,
    ) -> Result<Option<(ChatMessageView, Option<String>)>, StoreError> {
        let sql = format!("SELECT {CHAT_COLUMNS} FROM chat_messages WHERE id = ?");
        let row: Option<ChatRow> =
            on_db!(self.db(), &sql, |c, q| sqlx::query_as(q).bind(id.0).fetch_optional(c).await)?;
        let Some(row) = row else { return Ok(None) };
        let phone: Option<String> =
            on_db!(self.db(), "SELECT sender_phone FROM chat_messages WHERE id = ?", |c, q| sqlx::query_scalar(q)
                .bind(id.0)
                .fetch_one(c)
                .await)?;
        Ok(Some((row.into_view(), phone)))
    }

    /// One message inside a transaction, with its phone.
    pub async fn chat_message_in(
        &self,
        tx: &mut Tx<'_>,
        id: ChatMessageId,
    ) -> Result<Option<(ChatMessageView, Option<String>)>, StoreError> {
        let sql = format!("SELECT {CHAT_COLUMNS} FROM chat_messages WHERE id = ?");
        let row: Option<ChatRow> = on_tx!(tx, &sql, |c, q| sqlx::query_as(q).bind(id.0).fetch_optional(c).await)?;
        let Some(row) = row else { return Ok(None) };
        let phone: Option<String> =
            on_tx!(tx, "SELECT sender_phone FROM chat_messages WHERE id = ?", |c, q| sqlx::query_scalar(q)
                .bind(id.0)
                .fetch_one(c)
                .await)?;
        Ok(Some((row.into_view(), phone)))
    }

    pub async fn chat_replies(&self, chat_message_id: ChatMessageId) -> Result<Vec<ReplyView>, StoreError> {
        let rows: Vec<ReplyRow> = on_db!(
            self.db(),
            "SELECT id, kind, text, steward, created_at, delivery, attempts, delivered_at, last_error
             FROM chat_replies WHERE chat_message_id = ? ORDER BY id",
            |c, q| sqlx::query_as(q).bind(chat_message_id.0).fetch_all(c).await
        )?;
        rows.into_iter()
            .map(|r| {
                Ok(ReplyView {
                    id: r.id,
                    kind: r.kind,
                    text: r.text,
                    steward: r.steward,
                    created_at: time(r.created_at),
                    delivery: r
                        .delivery
                        .parse()
                        .map_err(|e: domain::UnknownName| StoreError::Corrupt(e.to_string()))?,
                    attempts: r.attempts,
                    delivered_at: r.delivered_at.map(time),
                    last_error: r.last_error,
                })
            })
            .collect()
    }

    /// The messages an incident was made from.
    pub async fn chat_by_incident(&self, incident: IncidentId) -> Result<Vec<ChatMessageView>, StoreError> {
        let sql = format!("SELECT {CHAT_COLUMNS} FROM chat_messages WHERE incident_id = ? ORDER BY id");
        let rows: Vec<ChatRow> = on_db!(self.db(), &sql, |c, q| sqlx::query_as(q).bind(incident.0).fetch_all(c).await)?;
        Ok(rows.into_iter().map(ChatRow::into_view).collect())
    }

    /// Replies whose next delivery attempt is due at `now_ms`, oldest first.
    pub async fn due_replies(&self, now_ms: i64, limit: u32) -> Result<Vec<DueReply>, StoreError> {
        Ok(on_db!(self.db(), "SELECT r.id, r.chat_message_id, r.group_id, m.message_id, r.kind, r.text, r.steward, r.created_at, r.attempts
             FROM chat_replies r JOIN chat_messages m ON m.id = r.chat_message_id
             WHERE r.delivery = 'pending' AND r.next_attempt_at <= ? ORDER BY r.next_attempt_at, r.id LIMIT ?", |c, q| sqlx::query_as(q)
        .bind(now_ms)
        .bind(i64::from(limit))
        .fetch_all(c).await)?)
    }

    /// When the next pending reply is due.
    pub async fn next_reply_due(&self) -> Result<Option<i64>, StoreError> {
        Ok(on_db!(self.db(), "SELECT MIN(next_attempt_at) FROM chat_replies WHERE delivery = 'pending'", |c, q| {
            sqlx::query_scalar(q).fetch_one(c).await
        })?)
    }

    /// Every message received in `[from_ms, to_ms)`, as the review counts it.
    pub async fn desk_records(&self, from_ms: i64, to_ms: i64) -> Result<Vec<DeskRecord>, StoreError> {
        let rows: Vec<DeskRow> = on_db!(
            self.db(),
            "SELECT received_at, first_reply_at, incident_id, disposition, loop_closed_at
             FROM chat_messages WHERE received_at >= ? AND received_at < ?",
            |c, q| sqlx::query_as(q).bind(from_ms).bind(to_ms).fetch_all(c).await
        )?;
        Ok(rows
            .into_iter()
            .map(|(received, first, incident, disposition, closed)| DeskRecord {
                // whole seconds, truncated (as the review's response times)
                first_reply_s: first.map(|f| (f - received).max(0) / 1000),
                incident: incident.is_some(),
                disposition: disposition.and_then(|d| d.parse().ok()),
                loop_closed: closed.is_some(),
            })
            .collect())
    }
}

#[derive(Debug, FromRow)]
pub(crate) struct ChatRow {
    id: i64,
    group_id: String,
    group_name: String,
    message_id: String,
    sender_name: String,
    text: String,
    lat: Option<f64>,
    lon: Option<f64>,
    address: String,
    attachments: String,
    sent_at: i64,
    received_at: i64,
    first_reply_at: Option<i64>,
    incident_id: Option<i64>,
    disposition: Option<String>,
    answered_by: Option<String>,
    incident_status: Option<String>,
    loop_closed_at: Option<i64>,
}

impl ChatRow {
    pub(crate) fn into_view(self) -> ChatMessageView {
        ChatMessageView {
            id: self.id,
            group_id: self.group_id,
            group_name: self.group_name,
            message_id: self.message_id,
            sender_name: self.sender_name,
            text: self.text,
            lat: self.lat,
            lon: self.lon,
            address: self.address,
            attachments: serde_json::from_str(&self.attachments).unwrap_or_default(),
            sent_at: time(self.sent_at),
            received_at: time(self.received_at),
            first_reply_at: self.first_reply_at.map(time),
            incident: self.incident_id.map(domain::IncidentId),
            disposition: self.disposition.and_then(|d| d.parse().ok()),
            answered_by: self.answered_by,
            incident_status: self.incident_status.and_then(|s| s.parse().ok()),
            loop_closed_at: self.loop_closed_at.map(time),
        }
    }
}

pub(crate) const CHAT_COLUMNS: &str = "id, group_id, group_name, message_id, sender_name, text, lat, lon, address, attachments,
                            sent_at, received_at, first_reply_at, incident_id, disposition, answered_by,
                            (SELECT status FROM incidents WHERE incidents.id = chat_messages.incident_id) AS incident_status,
                            loop_closed_at";

impl Store {
    pub async fn chat_by_key(
        &self,
        tx: &mut Tx<'_>,
        group_id: &str,
        message_id: &str,
    ) -> Result<Option<ChatMessageView>, StoreError> {
        let sql = format!("SELECT {CHAT_COLUMNS} FROM chat_messages WHERE group_id = ? AND message_id = ?");
        let row: Option<ChatRow> =
            on_tx!(tx, &sql, |c, q| sqlx::query_as(q).bind(group_id).bind(message_id).fetch_optional(c).await)?;
        Ok(row.map(ChatRow::into_view))
    }

    /// The desk's queue, newest first; `unanswered` keeps only messages
    /// without a reply.
    pub async fn chat_messages(&self, unanswered: bool, limit: u32) -> Result<Vec<ChatMessageView>, StoreError> {
        let filter = if unanswered { "WHERE first_reply_at IS NULL" } else { "" };
        let sql = format!("SELECT {CHAT_COLUMNS} FROM chat_messages {filter} ORDER BY id DESC LIMIT ?");
        let rows: Vec<ChatRow> =
            on_db!(self.db(), &sql, |c, q| sqlx::query_as(q).bind(i64::from(limit)).fetch_all(c).await)?;
        Ok(rows.into_iter().map(ChatRow::into_view).collect())
    }
}
