//! Check-ins at must-patrol points.

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::{Store, StoreError, millis, time};

pub use app::wire::CheckInView as CheckIn;

#[derive(Debug, FromRow)]
struct Row {
    id: i64,
    point_code: String,
    unit_id: i64,
    callsign: String,
    at: i64,
    distance_m: f64,
    method: String,
}

impl Store {
    /// Stores an accepted check-in; committed when this returns.
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_check_in(
        &self,
        point: &str,
        unit_id: i64,
        at: DateTime<Utc>,
        lat: f64,
        lon: f64,
        distance_m: f64,
        method: &str,
    ) -> Result<i64, StoreError> {
        let id = sqlx::query_scalar(
            "INSERT INTO check_ins (point_code, unit_id, at, lat, lon, distance_m, method)
             VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(point)
        .bind(unit_id)
        .bind(millis(at))
        .bind(lat)
        .bind(lon)
        .bind(distance_m)
        .bind(method)
        .fetch_one(self.pool())
        .await?;
        Ok(id)
    }

    /// Check-ins since `since`, newest first, optionally at one point.
    pub async fn check_ins(&self, since: DateTime<Utc>, point: Option<&str>) -> Result<Vec<CheckIn>, StoreError> {
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT c.id, c.point_code, c.unit_id, u.callsign, c.at, c.distance_m, c.method
             FROM check_ins c JOIN units u ON u.id = c.unit_id
             WHERE c.at >= ? AND (? IS NULL OR c.point_code = ?)
             ORDER BY c.at DESC, c.id DESC LIMIT 1000",
        )
        .bind(millis(since))
        .bind(point)
        .bind(point)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| CheckIn {
                id: r.id,
                point: r.point_code,
                unit_id: r.unit_id,
                callsign: r.callsign,
                at: time(r.at),
                distance_m: r.distance_m,
                method: r.method,
            })
            .collect())
    }
}
