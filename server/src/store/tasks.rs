//! Monthly task lists (migration `tasks`): the rules are in
//! `domain::tasks`; this module stores.

use domain::tasks::{TaskSpec, TaskStatus};

use super::{Store, StoreError, on_db, on_tx};

/// A stored task.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct TaskRow {
    pub id: i64,
    pub station: String,
    pub unit_id: i64,
    pub callsign: String,
    pub month: String,
    pub kind: String,
    pub title: String,
    pub reason: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub status: String,
    pub report_text: Option<String>,
    pub report_lat: Option<f64>,
    pub report_lon: Option<f64>,
    pub reported_at: Option<i64>,
    pub reported_by: Option<String>,
    pub reviewed_at: Option<i64>,
    pub reviewed_by: Option<String>,
    pub review_note: Option<String>,
    pub created_at: i64,
}

const COLUMNS: &str = "t.id, t.station, t.unit_id, u.callsign, t.month, t.kind, t.title, t.reason, t.lat, t.lon, \
    t.status, t.report_text, t.report_lat, t.report_lon, t.reported_at, t.reported_by, t.reviewed_at, t.reviewed_by, \
    t.review_note, t.created_at";

/// A report as sent: text, the phone's place, photos (cleaned).
#[derive(Debug, Clone)]
pub struct TaskReport {
    pub text: String,
    pub at: Option<(f64, f64)>,
    pub photos: Vec<(String, &'static str, Vec<u8>)>,
}

/// Progress of one officer (unit) in a month.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct TaskProgress {
    pub station: String,
    pub callsign: String,
    pub total: i64,
    pub open: i64,
    pub submitted: i64,
    pub accepted: i64,
    pub returned: i64,
}

/// A past incident's place and category (for follow-ups and hot spots).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct PastRow {
    pub id: i64,
    pub category: String,
    pub lat: f64,
    pub lon: f64,
    pub address: String,
}

impl Store {
    /// Stores a month's tasks, each once (station, month, key): the new ids.
    pub async fn insert_tasks(
        &self,
        station: &str,
        month: &str,
        tasks: &[(i64, TaskSpec)],
        now_ms: i64,
        by: &str,
    ) -> Result<Vec<i64>, StoreError> {
        let mut tx = self.begin().await?;
        let mut made = vec![];
        for (unit, t) in tasks {
            let id: Option<i64> = on_tx!(
                &mut tx,
                "INSERT INTO tasks (station, unit_id, month, kind, title, reason, lat, lon, task_key, status, created_at, created_by)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?) ON CONFLICT DO NOTHING RETURNING id",
                |c, q| sqlx::query_scalar(q)
                    .bind(station)
                    .bind(unit)
                    .bind(month)
                    .bind(t.kind.as_str())
                    .bind(&t.title)
                    .bind(&t.reason)
                    .bind(t.at.map(|a| a.lat()))
                    .bind(t.at.map(|a| a.lon()))
                    .bind(&t.key)
                    .bind(now_ms)
                    .bind(by)
                    .fetch_optional(c)
                    .await
            )?;
            made.extend(id);
        }
        tx.commit().await?;
        Ok(made)
    }

    pub async fn task(&self, id: i64) -> Result<Option<TaskRow>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM tasks t JOIN units u ON u.id = t.unit_id WHERE t.id = ?");
        Ok(on_db!(self.db(), &sql, |c, q| sqlx::query_as(q).bind(id).fetch_optional(c).await)?)
    }

    /// A month's tasks: of one unit, of one station, or all.
    pub async fn tasks(
        &self,
        month: &str,
        station: Option<&str>,
        unit: Option<i64>,
    ) -> Result<Vec<TaskRow>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM tasks t JOIN units u ON u.id = t.unit_id
             WHERE t.month = ? AND (? IS NULL OR t.station = ?) AND (? IS NULL OR t.unit_id = ?) ORDER BY t.id"
        );
        Ok(on_db!(self.db(), &sql, |c, q| sqlx::query_as(q)
            .bind(month)
            .bind(station)
            .bind(station)
            .bind(unit)
            .bind(unit)
            .fetch_all(c)
            .await)?)
    }

    /// Records a report (text, place, photos) while the task is `from`.
    pub async fn submit_task(
        &self,
        id: i64,
        from: TaskStatus,
        report: &TaskReport,
        now_ms: i64,
        by: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let n = on_tx!(
            &mut tx,
            "UPDATE tasks SET status = 'submitted', report_text = ?, report_lat = ?, report_lon = ?, reported_at = ?,
                 reported_by = ?, reviewed_at = NULL, reviewed_by = NULL WHERE id = ? AND status = ?",
            |c, q| sqlx::query(q)
                .bind(&report.text)
                .bind(report.at.map(|a| a.0))
                .bind(report.at.map(|a| a.1))
                .bind(now_ms)
                .bind(by)
                .bind(id)
                .bind(from.as_str())
                .execute(c)
                .await
                .map(|r| r.rows_affected())
        )?;
        if n != 1 {
            return Ok(false);
        }
        for (pid, content_type, data) in &report.photos {
            on_tx!(
                &mut tx,
                "INSERT INTO task_photos (id, task_id, content_type, bytes, data, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                |c, q| sqlx::query(q)
                    .bind(pid)
                    .bind(id)
                    .bind(*content_type)
                    .bind(data.len() as i64)
                    .bind(data.as_slice())
                    .bind(now_ms)
                    .execute(c)
                    .await
                    .map(|_| ())
            )?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// A chief's verdict while the task is submitted.
    pub async fn review_task(
        &self,
        id: i64,
        to: TaskStatus,
        note: Option<&str>,
        now_ms: i64,
        by: &str,
    ) -> Result<bool, StoreError> {
        let n = on_db!(
            self.db(),
            "UPDATE tasks SET status = ?, review_note = ?, reviewed_at = ?, reviewed_by = ? WHERE id = ? AND status = 'submitted'",
            |c, q| sqlx::query(q)
                .bind(to.as_str())
                .bind(note)
                .bind(now_ms)
                .bind(by)
                .bind(id)
                .execute(c)
                .await
                .map(|r| r.rows_affected())
        )?;
        Ok(n == 1)
    }

    /// A task's photos: (id, content type, bytes).
    pub async fn task_photos(&self, task: i64) -> Result<Vec<(String, String, i64)>, StoreError> {
        Ok(on_db!(
            self.db(),
            "SELECT id, content_type, bytes FROM task_photos WHERE task_id = ? ORDER BY created_at, id",
            |c, q| sqlx::query_as(q).bind(task).fetch_all(c).await
        )?)
    }

    /// One photo with its task (for the permission check).
    pub async fn task_photo(&self, id: &str) -> Result<Option<(i64, String, Vec<u8>)>, StoreError> {
        Ok(on_db!(self.db(), "SELECT task_id, content_type, data FROM task_photos WHERE id = ?", |c, q| {
            sqlx::query_as(q).bind(id).fetch_optional(c).await
        })?)
    }

    /// Each officer's progress in a month (of one station, or all).
    pub async fn task_progress(&self, month: &str, station: Option<&str>) -> Result<Vec<TaskProgress>, StoreError> {
        Ok(on_db!(
            self.db(),
            "SELECT t.station, u.callsign, COUNT(*) AS total,
                    SUM(CASE WHEN t.status = 'open' THEN 1 ELSE 0 END) AS open,
                    SUM(CASE WHEN t.status = 'submitted' THEN 1 ELSE 0 END) AS submitted,
                    SUM(CASE WHEN t.status = 'accepted' THEN 1 ELSE 0 END) AS accepted,
                    SUM(CASE WHEN t.status = 'returned' THEN 1 ELSE 0 END) AS returned
             FROM tasks t JOIN units u ON u.id = t.unit_id
             WHERE t.month = ? AND (? IS NULL OR t.station = ?)
             GROUP BY t.station, u.callsign ORDER BY t.station, u.callsign",
            |c, q| sqlx::query_as(q).bind(month).bind(station).bind(station).fetch_all(c).await
        )?)
    }

    /// Incidents received in `[from_ms, to_ms)` in a station (follow-ups, hot spots).
    pub async fn past_incidents(&self, station: &str, from_ms: i64, to_ms: i64) -> Result<Vec<PastRow>, StoreError> {
        Ok(on_db!(
            self.db(),
            "SELECT id, category, lat, lon, address FROM incidents
             WHERE station = ? AND received_at >= ? AND received_at < ? ORDER BY received_at, id LIMIT 100000",
            |c, q| sqlx::query_as(q).bind(station).bind(from_ms).bind(to_ms).fetch_all(c).await
        )?)
    }

    /// A station's units of these forces and kinds (its community officers), by callsign.
    pub async fn community_units(
        &self,
        station: &str,
        forces: &[&str],
        kinds: &[&str],
    ) -> Result<Vec<(i64, String)>, StoreError> {
        let rows: Vec<(i64, String, String, String)> = on_db!(
            self.db(),
            "SELECT id, callsign, force, kind FROM units WHERE station = ? ORDER BY callsign",
            |c, q| sqlx::query_as(q).bind(station).fetch_all(c).await
        )?;
        Ok(rows
            .into_iter()
            .filter(|(_, _, f, k)| forces.contains(&f.as_str()) && kinds.contains(&k.as_str()))
            .map(|(id, callsign, _, _)| (id, callsign))
            .collect())
    }
}

/// A volunteer or security unit's month: (unit id, callsign, station, force).
pub type VolunteerUnit = (i64, String, String, String);

impl Store {
    /// Volunteer and security units (of one station, or all), by callsign.
    pub async fn volunteer_units(&self, station: Option<&str>) -> Result<Vec<VolunteerUnit>, StoreError> {
        Ok(on_db!(
            self.db(),
            "SELECT id, callsign, station, force FROM units WHERE force IN ('volunteer', 'security')
             AND (? IS NULL OR station = ?) ORDER BY station, callsign",
            |c, q| sqlx::query_as(q).bind(station).bind(station).fetch_all(c).await
        )?)
    }

    /// A unit's status at `from_ms` and its changes in `[from_ms, to_ms)`.
    pub async fn unit_status_history(
        &self,
        unit: i64,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<(String, Vec<(i64, String)>), StoreError> {
        let before: Option<String> = on_db!(
            self.db(),
            "SELECT to_status FROM status_log WHERE entity = 'unit' AND entity_id = ? AND at < ? ORDER BY at DESC, id DESC LIMIT 1",
            |c, q| sqlx::query_scalar(q).bind(unit).bind(from_ms).fetch_optional(c).await
        )?;
        let changes: Vec<(i64, Option<String>, String)> = on_db!(
            self.db(),
            "SELECT at, from_status, to_status FROM status_log WHERE entity = 'unit' AND entity_id = ? AND at >= ? AND at < ?
             ORDER BY at, id",
            |c, q| sqlx::query_as(q).bind(unit).bind(from_ms).bind(to_ms).fetch_all(c).await
        )?;
        let start = match (before, changes.first().and_then(|c| c.1.clone())) {
            (Some(s), _) => s,
            (None, Some(s)) => s,
            (None, None) => on_db!(self.db(), "SELECT status FROM units WHERE id = ?", |c, q| sqlx::query_scalar(q)
                .bind(unit)
                .fetch_one(c)
                .await)?,
        };
        Ok((start, changes.into_iter().map(|(at, _, to)| (at, to)).collect()))
    }

    /// Check-ins per unit in `[from_ms, to_ms)`.
    pub async fn check_in_counts(&self, from_ms: i64, to_ms: i64) -> Result<Vec<(i64, i64)>, StoreError> {
        Ok(on_db!(
            self.db(),
            "SELECT unit_id, COUNT(*) FROM check_ins WHERE at >= ? AND at < ? GROUP BY unit_id",
            |c, q| sqlx::query_as(q).bind(from_ms).bind(to_ms).fetch_all(c).await
        )?)
    }
}
