//! What the deployment planner reads: the incidents of a period, where they
//! were and how the response went.

use super::{Store, StoreError};
use crate::on_db;

/// One past incident: position, priority, zone class and stage times (ms).
#[derive(Debug, Clone, PartialEq)]
pub struct PlanRow {
    pub lat: f64,
    pub lon: f64,
    pub priority: i64,
    pub zone_class: Option<String>,
    pub station: Option<String>,
    pub received_at: i64,
    pub dispatched_at: Option<i64>,
    pub on_scene_at: Option<i64>,
    pub resolved_at: Option<i64>,
}

/// At most this many incidents are planned over (a year of a busy district).
pub const MAX_PLAN_ROWS: i64 = 50_000;

impl Store {
    /// Incidents received in `[from_ms, to_ms)`, of one station or all,
    /// oldest first, not cancelled.
    pub async fn plan_incidents(
        &self,
        from_ms: i64,
        to_ms: i64,
        station: Option<&str>,
    ) -> Result<Vec<PlanRow>, StoreError> {
        type Row = (f64, f64, i64, Option<String>, Option<String>, i64, Option<i64>, Option<i64>, Option<i64>);
        let rows: Vec<Row> = on_db!(
            self.db(),
            "SELECT lat, lon, priority, zone_class, station, received_at, dispatched_at, on_scene_at, resolved_at
             FROM incidents
             WHERE received_at >= ? AND received_at < ? AND cancelled_at IS NULL AND (CAST(? AS TEXT) IS NULL OR station = ?)
             ORDER BY received_at, id LIMIT ?",
            |c, q| sqlx::query_as(q)
                .bind(from_ms)
                .bind(to_ms)
                .bind(station)
                .bind(station)
                .bind(MAX_PLAN_ROWS)
                .fetch_all(c)
                .await
        )?;
        Ok(rows
            .into_iter()
            .map(|r| PlanRow {
                lat: r.0,
                lon: r.1,
                priority: r.2,
                zone_class: r.3,
                station: r.4,
                received_at: r.5,
                dispatched_at: r.6,
                on_scene_at: r.7,
                resolved_at: r.8,
            })
            .collect())
    }
}
