//! Residents' reports as stored: what a tracking code may tell, and the
//! photos behind a dispatcher's incident detail.

use domain::IncidentStatus;

use super::{Store, StoreError, on_db, time};

/// What a resident may learn from a tracking code: the stage, nothing else.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ReportStatus {
    pub code: String,
    /// `received`, `on_the_way`, `handled` or `closed` (cancelled).
    pub stage: app::report::ReportStage,
    pub received_at: chrono::DateTime<chrono::Utc>,
    /// The station whose area the report is in (for its safety notices).
    #[serde(skip)]
    pub station: Option<String>,
}

impl Store {
    pub async fn report_status(&self, code: &str) -> Result<Option<ReportStatus>, StoreError> {
        let row: Option<(String, i64, Option<String>)> = on_db!(
            self.db(),
            "SELECT i.status, i.received_at, i.station FROM reports r JOIN incidents i ON i.id = r.incident_id WHERE r.code = ?",
            |c, q| sqlx::query_as(q).bind(code).fetch_optional(c).await
        )?;
        let Some((status, received, station)) = row else { return Ok(None) };
        let status: IncidentStatus =
            status.parse().map_err(|e: domain::UnknownName| StoreError::Corrupt(e.to_string()))?;
        let stage = app::report::ReportStage::from_status(status);
        Ok(Some(ReportStatus { code: code.to_owned(), stage, received_at: time(received), station }))
    }

    /// A report's photo by its id: (content type, bytes).
    pub async fn photo(&self, id: &str) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        Ok(on_db!(self.db(), "SELECT content_type, data FROM photos WHERE id = ?", |c, q| sqlx::query_as(q)
            .bind(id)
            .fetch_optional(c)
            .await)?)
    }

    /// The photos of an incident, oldest first (for the dispatcher's detail).
    pub async fn photos_of(&self, incident: domain::IncidentId) -> Result<Vec<app::report::PhotoRef>, StoreError> {
        let rows: Vec<(String, String, i64)> = on_db!(
            self.db(),
            "SELECT id, content_type, bytes FROM photos WHERE incident_id = ? ORDER BY created_at, id",
            |c, q| sqlx::query_as(q).bind(incident.0).fetch_all(c).await
        )?;
        Ok(rows
            .into_iter()
            .map(|(id, content_type, bytes)| app::report::PhotoRef { id, content_type, bytes })
            .collect())
    }
}
