//! Reads for the chat-group desk and residents' reports.

use app::wire::ChatMessageView;
use domain::IncidentStatus;
use sqlx::FromRow;

use super::{Store, StoreError, Tx, time};

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

/// What a resident may learn from a tracking code: the stage, nothing else.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ReportStatus {
    pub code: String,
    /// `received`, `on_the_way`, `handled` or `closed` (cancelled).
    pub stage: app::report::ReportStage,
    pub received_at: chrono::DateTime<chrono::Utc>,
}

impl Store {
    pub async fn chat_by_key(
        &self,
        tx: &mut Tx<'_>,
        group_id: &str,
        message_id: &str,
    ) -> Result<Option<ChatMessageView>, StoreError> {
        let sql = format!("SELECT {CHAT_COLUMNS} FROM chat_messages WHERE group_id = ? AND message_id = ?");
        let row: Option<ChatRow> =
            sqlx::query_as(&sql).bind(group_id).bind(message_id).fetch_optional(&mut **tx).await?;
        Ok(row.map(ChatRow::into_view))
    }

    /// The desk's queue, newest first; `unanswered` keeps only messages
    /// without a reply.
    pub async fn chat_messages(&self, unanswered: bool, limit: u32) -> Result<Vec<ChatMessageView>, StoreError> {
        let filter = if unanswered { "WHERE first_reply_at IS NULL" } else { "" };
        let sql = format!("SELECT {CHAT_COLUMNS} FROM chat_messages {filter} ORDER BY id DESC LIMIT ?");
        let rows: Vec<ChatRow> = sqlx::query_as(&sql).bind(i64::from(limit)).fetch_all(self.pool()).await?;
        Ok(rows.into_iter().map(ChatRow::into_view).collect())
    }

    pub async fn report_status(&self, code: &str) -> Result<Option<ReportStatus>, StoreError> {
        let row: Option<(String, i64)> = sqlx::query_as(
            "SELECT i.status, i.received_at FROM reports r JOIN incidents i ON i.id = r.incident_id WHERE r.code = ?",
        )
        .bind(code)
        .fetch_optional(self.pool())
        .await?;
        let Some((status, received)) = row else { return Ok(None) };
        let status: IncidentStatus =
            status.parse().map_err(|e: domain::UnknownName| StoreError::Corrupt(e.to_string()))?;
        let stage = app::report::ReportStage::from_status(status);
        Ok(Some(ReportStatus { code: code.to_owned(), stage, received_at: time(received) }))
    }

    /// A report's photo by its id: (content type, bytes).
    pub async fn photo(&self, id: &str) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        Ok(sqlx::query_as("SELECT content_type, data FROM photos WHERE id = ?")
            .bind(id)
            .fetch_optional(self.pool())
            .await?)
    }

    /// The photos of an incident, oldest first (for the dispatcher's detail).
    pub async fn photos_of(&self, incident: domain::IncidentId) -> Result<Vec<app::report::PhotoRef>, StoreError> {
        let rows: Vec<(String, String, i64)> =
            sqlx::query_as("SELECT id, content_type, bytes FROM photos WHERE incident_id = ? ORDER BY created_at, id")
                .bind(incident.0)
                .fetch_all(self.pool())
                .await?;
        Ok(rows
            .into_iter()
            .map(|(id, content_type, bytes)| app::report::PhotoRef { id, content_type, bytes })
            .collect())
    }
}
