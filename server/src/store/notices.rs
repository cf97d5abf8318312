//! Safety notices, their CAP messages and those messages' deliveries to
//! chat groups (migration `notices`). The rules (what a draft must hold,
//! which move a status allows, what a CAP document says) are in
//! `domain::notice`; this module only stores.

use domain::notice::{NoticeArea, NoticeDraft, NoticeStatus, SentMessage};
use domain::{Coordinates, StationCode};

use super::{Store, StoreError, Tx, on_db, on_tx};

/// A stored notice.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredNotice {
    pub id: i64,
    pub station: Option<StationCode>,
    pub status: NoticeStatus,
    pub draft: NoticeDraft,
    pub publish_at: Option<i64>,
    pub calendar_key: Option<String>,
    pub calendar_month: Option<String>,
    pub created_at: i64,
    pub created_by: String,
    pub updated_at: i64,
    pub updated_by: String,
}

const COLUMNS: &str = "id, station, status, title_zh, body_zh, title_en, body_en, category, area_kind, \
    area_stations, area_polygon, effective_at, expires_at, urgency, severity, certainty, publish_at, calendar_key, \
    calendar_month, created_at, created_by, updated_at, updated_by";

#[derive(sqlx::FromRow)]
struct NoticeRow {
    id: i64,
    station: Option<String>,
    status: String,
    title_zh: String,
    body_zh: String,
    title_en: Option<String>,
    body_en: Option<String>,
    category: String,
    area_kind: String,
    area_stations: Option<String>,
    area_polygon: Option<String>,
    effective_at: i64,
    expires_at: i64,
    urgency: String,
    severity: String,
    certainty: String,
    publish_at: Option<i64>,
    calendar_key: Option<String>,
    calendar_month: Option<String>,
    created_at: i64,
    created_by: String,
    updated_at: i64,
    updated_by: String,
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("notice {what}: {e}"))
}

/// `lat,lon lat,lon …` (CAP's polygon form, as stored).
pub fn polygon_text(ring: &[Coordinates]) -> String {
    ring.iter().map(|c| format!("{},{}", c.lat(), c.lon())).collect::<Vec<_>>().join(" ")
}

fn parse_polygon(text: &str) -> Result<Vec<Coordinates>, StoreError> {
    text.split_whitespace()
        .map(|pair| {
            let (lat, lon) = pair.split_once(',').ok_or_else(|| corrupt("polygon", pair))?;
            let lat: f64 = lat.parse().map_err(|e| corrupt("polygon", e))?;
            let lon: f64 = lon.parse().map_err(|e| corrupt("polygon", e))?;
            Coordinates::parse(lat, lon).map_err(|e| corrupt("polygon", e))
        })
        .collect()
}

impl TryFrom<NoticeRow> for StoredNotice {
    type Error = StoreError;
    fn try_from(r: NoticeRow) -> Result<StoredNotice, StoreError> {
        let area = match r.area_kind.as_str() {
            "district" => NoticeArea::District,
            "stations" => NoticeArea::Stations(
                r.area_stations
                    .as_deref()
                    .unwrap_or("")
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(|s| StationCode::parse(s).map_err(|e| corrupt("station", e)))
                    .collect::<Result<_, _>>()?,
            ),
            "polygon" => NoticeArea::Polygon(parse_polygon(r.area_polygon.as_deref().unwrap_or(""))?),
            other => return Err(corrupt("area", other)),
        };
        Ok(StoredNotice {
            id: r.id,
            station: r.station.as_deref().map(StationCode::parse).transpose().map_err(|e| corrupt("station", e))?,
            status: r.status.parse().map_err(|e| corrupt("status", e))?,
            draft: NoticeDraft {
                title_zh: r.title_zh,
                body_zh: r.body_zh,
                title_en: r.title_en,
                body_en: r.body_en,
                category: r.category.parse().map_err(|e| corrupt("category", e))?,
                area,
                effective_ms: r.effective_at,
                expires_ms: r.expires_at,
                urgency: r.urgency.parse().map_err(|e| corrupt("urgency", e))?,
                severity: r.severity.parse().map_err(|e| corrupt("severity", e))?,
                certainty: r.certainty.parse().map_err(|e| corrupt("certainty", e))?,
            },
            publish_at: r.publish_at,
            calendar_key: r.calendar_key,
            calendar_month: r.calendar_month,
            created_at: r.created_at,
            created_by: r.created_by,
            updated_at: r.updated_at,
            updated_by: r.updated_by,
        })
    }
}

/// How a draft's area is stored: (kind, stations, polygon).
fn area_columns(area: &NoticeArea) -> (&'static str, Option<String>, Option<String>) {
    match area {
        NoticeArea::District => ("district", None, None),
        NoticeArea::Stations(s) => ("stations", Some(s.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(",")), None),
        NoticeArea::Polygon(ring) => ("polygon", None, Some(polygon_text(ring))),
    }
}

/// A new notice's place in the calendar, if it came from it.
#[derive(Debug, Clone)]
pub struct CalendarOrigin<'a> {
    pub key: &'a str,
    pub month: &'a str,
}

/// One CAP message as stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct StoredMessage {
    pub id: i64,
    pub notice_id: i64,
    pub msg_type: String,
    pub identifier: String,
    pub sent_at: i64,
    pub xml: String,
}

/// One delivery of a message to a chat group.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct StoredDelivery {
    pub id: i64,
    pub message_id: i64,
    pub group_id: String,
    pub delivery: String,
    pub attempts: i64,
    pub next_attempt_at: Option<i64>,
    pub delivered_at: Option<i64>,
    pub last_error: Option<String>,
}

/// A delivery due now, with what to post.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DueNotice {
    pub id: i64,
    pub message_id: i64,
    pub group_id: String,
    pub attempts: i64,
    pub notice_id: i64,
    pub msg_type: String,
    pub identifier: String,
    pub sent_at: i64,
    pub title_zh: String,
    pub body_zh: String,
}

/// A month and station's notices, for the review.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct NoticeMonthRow {
    /// The local month, `2026-12`.
    pub month: String,
    pub station: String,
    pub published: i64,
    pub deliveries: i64,
    pub delivered: i64,
    pub failed: i64,
    pub pending: i64,
}

impl Store {
    /// Stores a new draft; `None` when the calendar already made this one
    /// (same station, template and month).
    pub async fn insert_notice(
        &self,
        station: Option<&StationCode>,
        d: &NoticeDraft,
        calendar: Option<CalendarOrigin<'_>>,
        now_ms: i64,
        by: &str,
    ) -> Result<Option<i64>, StoreError> {
        let (kind, stations, polygon) = area_columns(&d.area);
        let id: Option<i64> = on_db!(
            self.db(),
            "INSERT INTO notices (station, status, title_zh, body_zh, title_en, body_en, category, area_kind,
                 area_stations, area_polygon, effective_at, expires_at, urgency, severity, certainty,
                 calendar_key, calendar_month, created_at, created_by, updated_at, updated_by)
             VALUES (?, 'draft', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT DO NOTHING RETURNING id",
            |c, q| sqlx::query_scalar(q)
                .bind(station.map(|s| s.as_str()))
                .bind(&d.title_zh)
                .bind(&d.body_zh)
                .bind(d.title_en.as_deref())
                .bind(d.body_en.as_deref())
                .bind(d.category.as_str())
                .bind(kind)
                .bind(stations.as_deref())
                .bind(polygon.as_deref())
                .bind(d.effective_ms)
                .bind(d.expires_ms)
                .bind(d.urgency.as_str())
                .bind(d.severity.as_str())
                .bind(d.certainty.as_str())
                .bind(calendar.as_ref().map(|c| c.key))
                .bind(calendar.as_ref().map(|c| c.month))
                .bind(now_ms)
                .bind(by)
                .bind(now_ms)
                .bind(by)
                .fetch_optional(c)
                .await
        )?;
        Ok(id)
    }

    pub async fn notice(&self, id: i64) -> Result<Option<StoredNotice>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM notices WHERE id = ?");
        let row: Option<NoticeRow> =
            on_db!(self.db(), &sql, |c, q| sqlx::query_as(q).bind(id).fetch_optional(c).await)?;
        row.map(StoredNotice::try_from).transpose()
    }

    /// Notices newest first: one station's (and the district's), or all.
    pub async fn notices(&self, station: Option<&StationCode>, limit: i64) -> Result<Vec<StoredNotice>, StoreError> {
        let rows: Vec<NoticeRow> = match station {
            Some(s) => {
                let sql = format!(
                    "SELECT {COLUMNS} FROM notices WHERE station = ? OR station IS NULL ORDER BY updated_at DESC, id DESC LIMIT ?"
                );
                on_db!(self.db(), &sql, |c, q| sqlx::query_as(q).bind(s.as_str()).bind(limit).fetch_all(c).await)?
            }
            None => {
                let sql = format!("SELECT {COLUMNS} FROM notices ORDER BY updated_at DESC, id DESC LIMIT ?");
                on_db!(self.db(), &sql, |c, q| sqlx::query_as(q).bind(limit).fetch_all(c).await)?
            }
        };
        rows.into_iter().map(StoredNotice::try_from).collect()
    }

    /// Public notices in force at `now_ms` (published or updated, between
    /// effective and expiry), newest first.
    pub async fn current_notices(&self, now_ms: i64) -> Result<Vec<StoredNotice>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM notices WHERE status IN ('published', 'updated') AND effective_at <= ? AND expires_at > ?
             ORDER BY updated_at DESC, id DESC LIMIT 500"
        );
        let rows: Vec<NoticeRow> =
            on_db!(self.db(), &sql, |c, q| sqlx::query_as(q).bind(now_ms).bind(now_ms).fetch_all(c).await)?;
        rows.into_iter().map(StoredNotice::try_from).collect()
    }

    /// Changes a notice's text and settings while it is still `status`
    /// (false: it moved on meanwhile).
    pub async fn edit_notice(
        &self,
        id: i64,
        status: NoticeStatus,
        d: &NoticeDraft,
        now_ms: i64,
        by: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let ok = edit_in(&mut tx, id, status, status, d, None, now_ms, by).await?;
        tx.commit().await?;
        Ok(ok)
    }

    /// Moves a notice from `from` to `to` without sending anything
    /// (schedule, unschedule, cancel before publication).
    pub async fn move_notice(
        &self,
        id: i64,
        from: NoticeStatus,
        to: NoticeStatus,
        publish_at: Option<i64>,
        now_ms: i64,
        by: &str,
    ) -> Result<bool, StoreError> {
        let n = on_db!(
            self.db(),
            "UPDATE notices SET status = ?, publish_at = ?, updated_at = ?, updated_by = ? WHERE id = ? AND status = ?",
            |c, q| sqlx::query(q)
                .bind(to.as_str())
                .bind(publish_at)
                .bind(now_ms)
                .bind(by)
                .bind(id)
                .bind(from.as_str())
                .execute(c)
                .await
                .map(|r| r.rows_affected())
        )?;
        Ok(n == 1)
    }

    /// How many notices there are (a change tells the task lists to look again).
    pub async fn notice_count(&self) -> Result<i64, StoreError> {
        Ok(on_db!(self.db(), "SELECT COUNT(*) FROM notices", |c, q| sqlx::query_scalar(q).fetch_one(c).await)?)
    }

    /// Scheduled notices whose time has come.
    pub async fn due_notices(&self, now_ms: i64) -> Result<Vec<i64>, StoreError> {
        Ok(on_db!(
            self.db(),
            "SELECT id FROM notices WHERE status = 'scheduled' AND publish_at <= ? ORDER BY publish_at, id LIMIT 100",
            |c, q| sqlx::query_scalar(q).bind(now_ms).fetch_all(c).await
        )?)
    }

    /// When the next scheduled notice is due.
    pub async fn next_notice_due(&self) -> Result<Option<i64>, StoreError> {
        Ok(on_db!(self.db(), "SELECT MIN(publish_at) FROM notices WHERE status = 'scheduled'", |c, q| {
            sqlx::query_scalar(q).fetch_one(c).await
        })?)
    }

    /// A notice's CAP messages, oldest first.
    pub async fn notice_messages(&self, notice_id: i64) -> Result<Vec<StoredMessage>, StoreError> {
        Ok(on_db!(
            self.db(),
            "SELECT id, notice_id, msg_type, identifier, sent_at, xml FROM notice_messages WHERE notice_id = ? ORDER BY id",
            |c, q| sqlx::query_as(q).bind(notice_id).fetch_all(c).await
        )?)
    }

    pub async fn notice_message(&self, id: i64) -> Result<Option<StoredMessage>, StoreError> {
        Ok(on_db!(
            self.db(),
            "SELECT id, notice_id, msg_type, identifier, sent_at, xml FROM notice_messages WHERE id = ?",
            |c, q| sqlx::query_as(q).bind(id).fetch_optional(c).await
        )?)
    }

    /// The newest message of each notice sent since `since_ms`, newest
    /// first (the Atom feed).
    pub async fn recent_messages(&self, since_ms: i64, limit: i64) -> Result<Vec<StoredMessage>, StoreError> {
        Ok(on_db!(
            self.db(),
            "SELECT id, notice_id, msg_type, identifier, sent_at, xml FROM notice_messages m
             WHERE sent_at >= ? AND id = (SELECT MAX(id) FROM notice_messages n WHERE n.notice_id = m.notice_id)
             ORDER BY sent_at DESC, id DESC LIMIT ?",
            |c, q| sqlx::query_as(q).bind(since_ms).bind(limit).fetch_all(c).await
        )?)
    }

    /// The deliveries of a notice's messages.
    pub async fn notice_deliveries(&self, notice_id: i64) -> Result<Vec<StoredDelivery>, StoreError> {
        Ok(on_db!(
            self.db(),
            "SELECT d.id, d.message_id, d.group_id, d.delivery, d.attempts, d.next_attempt_at, d.delivered_at, d.last_error
             FROM notice_deliveries d JOIN notice_messages m ON m.id = d.message_id
             WHERE m.notice_id = ? ORDER BY d.id",
            |c, q| sqlx::query_as(q).bind(notice_id).fetch_all(c).await
        )?)
    }

    pub async fn due_notice_deliveries(&self, now_ms: i64, limit: i64) -> Result<Vec<DueNotice>, StoreError> {
        Ok(on_db!(
            self.db(),
            "SELECT d.id, d.message_id, d.group_id, d.attempts, m.notice_id, m.msg_type, m.identifier, m.sent_at,
                    n.title_zh, n.body_zh
             FROM notice_deliveries d JOIN notice_messages m ON m.id = d.message_id JOIN notices n ON n.id = m.notice_id
             WHERE d.delivery = 'pending' AND d.next_attempt_at <= ? ORDER BY d.next_attempt_at, d.id LIMIT ?",
            |c, q| sqlx::query_as(q).bind(now_ms).bind(limit).fetch_all(c).await
        )?)
    }

    pub async fn next_notice_delivery_due(&self) -> Result<Option<i64>, StoreError> {
        Ok(on_db!(
            self.db(),
            "SELECT MIN(next_attempt_at) FROM notice_deliveries WHERE delivery = 'pending'",
            |c, q| sqlx::query_scalar(q).fetch_one(c).await
        )?)
    }

    /// Records one delivery attempt (only while still pending).
    pub async fn record_notice_delivery(
        &self,
        id: i64,
        attempt: i64,
        delivery: &str,
        next_ms: Option<i64>,
        error: Option<&str>,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        on_db!(
            self.db(),
            "UPDATE notice_deliveries SET attempts = ?, delivery = ?, next_attempt_at = ?, last_error = ?,
                    delivered_at = CASE WHEN ? = 'delivered' THEN ? ELSE delivered_at END
             WHERE id = ? AND delivery = 'pending'",
            |c, q| sqlx::query(q)
                .bind(attempt)
                .bind(delivery)
                .bind(next_ms)
                .bind(error)
                .bind(delivery)
                .bind(now_ms)
                .bind(id)
                .execute(c)
                .await
                .map(|_| ())
        )?;
        Ok(())
    }

    /// Notices published (first sent) per local month and station in
    /// `[from_ms, to_ms)`, with their messages' deliveries.
    pub async fn notice_months(
        &self,
        from_ms: i64,
        to_ms: i64,
        offset_minutes: i32,
    ) -> Result<Vec<NoticeMonthRow>, StoreError> {
        // the month is computed here from each first message's time
        let rows: Vec<(i64, Option<String>, i64, i64, i64, i64)> = on_db!(
            self.db(),
            "SELECT m.sent_at, n.station,
                    (SELECT COUNT(*) FROM notice_deliveries d JOIN notice_messages x ON x.id = d.message_id WHERE x.notice_id = n.id),
                    (SELECT COUNT(*) FROM notice_deliveries d JOIN notice_messages x ON x.id = d.message_id WHERE x.notice_id = n.id AND d.delivery = 'delivered'),
                    (SELECT COUNT(*) FROM notice_deliveries d JOIN notice_messages x ON x.id = d.message_id WHERE x.notice_id = n.id AND d.delivery = 'failed'),
                    (SELECT COUNT(*) FROM notice_deliveries d JOIN notice_messages x ON x.id = d.message_id WHERE x.notice_id = n.id AND d.delivery = 'pending')
             FROM notice_messages m JOIN notices n ON n.id = m.notice_id
             WHERE m.msg_type = 'Alert' AND m.sent_at >= ? AND m.sent_at < ? ORDER BY m.sent_at",
            |c, q| sqlx::query_as(q).bind(from_ms).bind(to_ms).fetch_all(c).await
        )?;
        let clock = domain::time::LocalClock::new(offset_minutes);
        let mut out: std::collections::BTreeMap<(String, String), NoticeMonthRow> = Default::default();
        for (sent, station, deliveries, delivered, failed, pending) in rows {
            let month = domain::time::Month::of(clock, super::time(sent)).to_string();
            let station = station.unwrap_or_else(|| "district".into());
            let e = out.entry((month.clone(), station.clone())).or_insert(NoticeMonthRow {
                month,
                station,
                published: 0,
                deliveries: 0,
                delivered: 0,
                failed: 0,
                pending: 0,
            });
            e.published += 1;
            e.deliveries += deliveries;
            e.delivered += delivered;
            e.failed += failed;
            e.pending += pending;
        }
        Ok(out.into_values().collect())
    }
}

/// Changes a notice inside `tx` while it is `from` (the first statement,
/// so SQLite takes the write lock at once); false if it moved on.
#[allow(clippy::too_many_arguments)]
pub async fn edit_in(
    tx: &mut Tx<'_>,
    id: i64,
    from: NoticeStatus,
    to: NoticeStatus,
    d: &NoticeDraft,
    publish_at: Option<Option<i64>>,
    now_ms: i64,
    by: &str,
) -> Result<bool, StoreError> {
    let (kind, stations, polygon) = area_columns(&d.area);
    let keep_publish = publish_at.is_none();
    let publish_at = publish_at.flatten();
    let n = on_tx!(
        tx,
        "UPDATE notices SET status = ?, title_zh = ?, body_zh = ?, title_en = ?, body_en = ?, category = ?,
             area_kind = ?, area_stations = ?, area_polygon = ?, effective_at = ?, expires_at = ?, urgency = ?,
             severity = ?, certainty = ?, publish_at = CASE WHEN ? THEN publish_at ELSE ? END,
             updated_at = ?, updated_by = ?
         WHERE id = ? AND status = ?",
        |c, q| sqlx::query(q)
            .bind(to.as_str())
            .bind(&d.title_zh)
            .bind(&d.body_zh)
            .bind(d.title_en.as_deref())
            .bind(d.body_en.as_deref())
            .bind(d.category.as_str())
            .bind(kind)
            .bind(stations.as_deref())
            .bind(polygon.as_deref())
            .bind(d.effective_ms)
            .bind(d.expires_ms)
            .bind(d.urgency.as_str())
            .bind(d.severity.as_str())
            .bind(d.certainty.as_str())
            .bind(keep_publish)
            .bind(publish_at)
            .bind(now_ms)
            .bind(by)
            .bind(id)
            .bind(from.as_str())
            .execute(c)
            .await
            .map(|r| r.rows_affected())
    )?;
    Ok(n == 1)
}

/// The messages already sent for a notice, oldest first (what a new one
/// references), inside `tx`.
pub async fn sent_in(tx: &mut Tx<'_>, notice_id: i64) -> Result<Vec<SentMessage>, StoreError> {
    let rows: Vec<(String, i64)> =
        on_tx!(tx, "SELECT identifier, sent_at FROM notice_messages WHERE notice_id = ? ORDER BY id", |c, q| {
            sqlx::query_as(q).bind(notice_id).fetch_all(c).await
        })?;
    Ok(rows.into_iter().map(|(identifier, sent_ms)| SentMessage { identifier, sent_ms }).collect())
}

/// Stores a sent message and its deliveries (one per group: `pending`, due
/// now, where the group has a webhook; `no_webhook` otherwise).
pub async fn message_in(
    tx: &mut Tx<'_>,
    notice_id: i64,
    msg_type: &str,
    identifier: &str,
    sent_ms: i64,
    xml: &str,
    groups: &[(String, bool)],
) -> Result<i64, StoreError> {
    let id: i64 = on_tx!(
        tx,
        "INSERT INTO notice_messages (notice_id, msg_type, identifier, sent_at, xml) VALUES (?, ?, ?, ?, ?) RETURNING id",
        |c, q| sqlx::query_scalar(q)
            .bind(notice_id)
            .bind(msg_type)
            .bind(identifier)
            .bind(sent_ms)
            .bind(xml)
            .fetch_one(c)
            .await
    )?;
    for (group, hooked) in groups {
        let (delivery, next) = if *hooked { ("pending", Some(sent_ms)) } else { ("no_webhook", None) };
        on_tx!(
            tx,
            "INSERT INTO notice_deliveries (message_id, group_id, delivery, next_attempt_at) VALUES (?, ?, ?, ?)",
            |c, q| sqlx::query(q).bind(id).bind(group).bind(delivery).bind(next).execute(c).await.map(|_| ())
        )?;
    }
    Ok(id)
}
