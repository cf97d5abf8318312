//! Check-ins at must-patrol points.

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::{Store, StoreError, millis, on_db, on_tx, time};

pub use app::wire::CheckInView as CheckIn;

#[derive(Debug, FromRow)]
struct Row {
    id: i64,
    point_code: String,
    unit_id: i64,
    callsign: String,
    at: i64,
    distance_m: Option<f64>,
    method: String,
}

impl Store {
    /// Stores an accepted check-in; committed when this returns.
    pub async fn insert_check_in(
        &self,
        point: &str,
        unit_id: i64,
        at: DateTime<Utc>,
        position: Option<(f64, f64)>,
        distance_m: Option<f64>,
        method: domain::patrol::CheckInMethod,
    ) -> Result<i64, StoreError> {
        let id = on_db!(
            self.db(),
            "INSERT INTO check_ins (point_code, unit_id, at, lat, lon, distance_m, method)
             VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
            |c, q| sqlx::query_scalar(q)
                .bind(point)
                .bind(unit_id)
                .bind(millis(at))
                .bind(position.map(|p| p.0))
                .bind(position.map(|p| p.1))
                .bind(distance_m)
                .bind(method.as_str())
                .fetch_one(c)
                .await
        )?;
        Ok(id)
    }

    /// Check-ins since `since`, newest first, optionally at one point.
    pub async fn check_ins(&self, since: DateTime<Utc>, point: Option<&str>) -> Result<Vec<CheckIn>, StoreError> {
        let rows: Vec<Row> = on_db!(
            self.db(),
            "SELECT c.id, c.point_code, c.unit_id, u.callsign, c.at, c.distance_m, c.method
             FROM check_ins c JOIN units u ON u.id = c.unit_id
             WHERE c.at >= ? AND (? IS NULL OR c.point_code = ?)
             ORDER BY c.at DESC, c.id DESC LIMIT 1000",
            |c, q| sqlx::query_as(q).bind(millis(since)).bind(point).bind(point).fetch_all(c).await
        )?;
        rows.into_iter()
            .map(|r| {
                Ok(CheckIn {
                    id: r.id,
                    point: r.point_code,
                    unit_id: r.unit_id,
                    callsign: r.callsign,
                    at: time(r.at),
                    distance_m: r.distance_m,
                    method: r.method.parse().map_err(|e: domain::UnknownName| StoreError::Corrupt(e.to_string()))?,
                })
            })
            .collect()
    }
}

impl Store {
    /// When each point was checked in at, from `since` to `until`.
    pub async fn check_in_times(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<std::collections::HashMap<String, Vec<DateTime<Utc>>>, StoreError> {
        self.check_in_times_of(since, until, None).await
    }

    /// As [`Store::check_in_times`], counting only check-ins by units of
    /// these forces (all with `None`).
    pub async fn check_in_times_of(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        forces: Option<&[&str]>,
    ) -> Result<std::collections::HashMap<String, Vec<DateTime<Utc>>>, StoreError> {
        let all: Vec<(String, i64, String)> = on_db!(
            self.db(),
            "SELECT c.point_code, c.at, u.force FROM check_ins c JOIN units u ON u.id = c.unit_id
             WHERE c.at >= ? AND c.at < ? ORDER BY c.at",
            |c, q| sqlx::query_as(q).bind(millis(since)).bind(millis(until)).fetch_all(c).await
        )?;
        let rows: Vec<(String, i64)> = all
            .into_iter()
            .filter(|(_, _, f)| forces.is_none_or(|fs| fs.contains(&f.as_str())))
            .map(|(p, at, _)| (p, at))
            .collect();
        let mut by_point: std::collections::HashMap<String, Vec<DateTime<Utc>>> = Default::default();
        for (p, at) in rows {
            by_point.entry(p).or_default().push(time(at));
        }
        Ok(by_point)
    }

    /// Records openings that ended without a check-in (point, station,
    /// start, end), in one transaction; returns how many were new.
    pub async fn record_misses(
        &self,
        misses: &[(String, String, DateTime<Utc>, DateTime<Utc>)],
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        if misses.is_empty() {
            return Ok(0);
        }
        let mut tx = self.begin().await?;
        let mut new = 0;
        for (point, station, start, end) in misses {
            let r = on_tx!(
                &mut tx,
                "INSERT INTO patrol_misses (point_code, station, window_start, window_end, recorded_at)
                 VALUES (?, ?, ?, ?, ?) ON CONFLICT (point_code, window_start) DO NOTHING",
                |c, q| sqlx::query(q)
                    .bind(point)
                    .bind(station)
                    .bind(millis(*start))
                    .bind(millis(*end))
                    .bind(millis(now))
                    .execute(c)
                    .await
                    .map(|r| r.rows_affected())
            )?;
            new += r as usize;
        }
        tx.commit().await?;
        Ok(new)
    }

    /// Misses recorded since `since`, newest first.
    pub async fn misses(&self, since: DateTime<Utc>) -> Result<Vec<app::wire::MissView>, StoreError> {
        let rows: Vec<(String, String, i64, i64, i64)> = on_db!(
            self.db(),
            "SELECT point_code, station, window_start, window_end, recorded_at FROM patrol_misses
             WHERE window_end >= ? ORDER BY window_end DESC, point_code LIMIT 1000",
            |c, q| sqlx::query_as(q).bind(millis(since)).fetch_all(c).await
        )?;
        Ok(rows
            .into_iter()
            .map(|(point, station, s, e, r)| app::wire::MissView {
                point,
                station,
                window_start: time(s),
                window_end: time(e),
                recorded_at: time(r),
            })
            .collect())
    }
}

impl Store {
    /// The token a point's printed QR code carries, if one was made.
    pub async fn point_token(&self, point: &str) -> Result<Option<String>, StoreError> {
        Ok(on_db!(self.db(), "SELECT token FROM patrol_tokens WHERE point_code = ?", |c, q| sqlx::query_scalar(q)
            .bind(point)
            .fetch_optional(c)
            .await)?)
    }

    /// Replaces a point's QR token (its printed sheet stops working); false
    /// when the point has none.
    pub async fn rotate_point_token(&self, point: &str, token: &str) -> Result<bool, StoreError> {
        let r = on_db!(self.db(), "UPDATE patrol_tokens SET token = ? WHERE point_code = ?", |c, q| sqlx::query(q)
            .bind(token)
            .bind(point)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(r == 1)
    }

    /// Stores `token` for the point unless it has one; returns 1 when stored.
    pub async fn make_point_token(&self, point: &str, token: &str, now: DateTime<Utc>) -> Result<i64, StoreError> {
        let r = on_db!(
            self.db(),
            "INSERT INTO patrol_tokens (point_code, token, created_at) VALUES (?, ?, ?)
             ON CONFLICT (point_code) DO NOTHING",
            |c, q| sqlx::query(q).bind(point).bind(token).bind(millis(now)).execute(c).await.map(|r| r.rows_affected())
        )?;
        Ok(r as i64)
    }

    /// When the server first knew each must-patrol point (its QR token was
    /// made then, at the first start-up with the point): openings before it
    /// are not counted as missed.
    pub async fn points_watched_since(&self) -> Result<std::collections::HashMap<String, DateTime<Utc>>, StoreError> {
        let rows: Vec<(String, i64)> =
            on_db!(self.db(), "SELECT point_code, created_at FROM patrol_tokens", |c, q| sqlx::query_as(q)
                .fetch_all(c)
                .await)?;
        Ok(rows.into_iter().map(|(p, at)| (p, super::time(at))).collect())
    }

    /// A station chief's change to a point (its code and station stay).
    pub async fn update_patrol_point(&self, p: &domain::district::PatrolPoint) -> Result<(), StoreError> {
        let windows: Vec<String> = p.windows.iter().map(|w| String::from(*w)).collect();
        on_db!(
            self.db(),
            "UPDATE patrol_points SET name = ?, lat = ?, lon = ?, radius_m = ?, windows = ? WHERE code = ?",
            |c, q| sqlx::query(q)
                .bind(&p.name)
                .bind(p.at.lat())
                .bind(p.at.lon())
                .bind(p.radius_m)
                .bind(serde_json::to_string(&windows).unwrap_or_else(|_| "[]".into()))
                .bind(p.code.as_str())
                .execute(c)
                .await
                .map(|r| r.rows_affected())
        )?;
        Ok(())
    }
}
