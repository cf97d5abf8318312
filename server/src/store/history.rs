//! History import: past incidents from an older system (parsed and checked
//! by `domain::history`) written as ended incidents, all in one transaction
//! or none at all.
//!
//! Each incident is stored as the live engine would have left it: its final
//! status and stage times, the station, zone and zone class its point falls
//! in (`District::locate`, as at intake), its first unit, its dispatch and
//! arrival timers (stopped when the stage that stops them was reached, with
//! the deadlines of today's policy; every incident view shows these two),
//! and one status-log row per stage reached (reason `imported`). So the
//! review counts it like any other incident. Every timer is stopped and
//! every status is final, so nothing imported reaches the live engine: it
//! loads only open incidents and running timers. (No closure timer is
//! written: nothing reads a stopped one, and a running one for a case
//! resolved but never closed would fire an alert years late.)
//!
//! The transaction holds SQLite's write lock while it runs (about 6 s for
//! 100,000 incidents on a 2-core machine), so the engine runs imports as
//! one of its commands: live writes queue behind an import instead of
//! timing out on the lock.
//!
//! Problems only the database can see (an external id already stored, a
//! callsign no unit has) are row errors like the file's own, found inside
//! the writing transaction before its first write.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use domain::history::{PastIncident, Problem, RowError};
use domain::{District, IncidentStatus, ResponsePolicy, TimerKind};
use serde::Serialize;
use sqlx::{Connection, QueryBuilder};

use super::{Db, Store, StoreError, Tx, millis, on_tx};

/// What an import wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub imported: u64,
    /// The earliest and latest received time among the imported incidents.
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Rows the database refuses; nothing was written.
    #[error("{} rows cannot be imported", .0.len())]
    Rows(Vec<RowError>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for ImportError {
    fn from(e: sqlx::Error) -> Self {
        ImportError::Store(e.into())
    }
}

/// At most this many rows per statement (SQLite takes up to 32,766
/// parameters per statement; an incident row has 21).
const INCIDENTS_PER_INSERT: usize = 1_000;
const TIMERS_PER_INSERT: usize = 4_000;
const LOG_PER_INSERT: usize = 5_000;
const IDS_PER_SELECT: usize = 5_000;

/// A timer row: (kind, started, amber, deadline, stopped).
type TimerRow = (TimerKind, i64, i64, i64, i64);

/// One incident's rows, computed before the transaction starts.
struct Prepared<'a> {
    row: &'a PastIncident,
    station: Option<String>,
    zone: Option<String>,
    zone_class: Option<&'static str>,
    timers: Vec<TimerRow>,
}

fn prepare<'a>(row: &'a PastIncident, district: &District, policy: &ResponsePolicy) -> Prepared<'a> {
    let loc = district.locate(row.location);
    // a timer stops at the first of the stages that stop it live (see
    // `engine::ops::move_incident`), or when the case ended without them
    let first = |ts: &[Option<DateTime<Utc>>]| ts.iter().flatten().min().copied().unwrap_or(row.ended_at());
    let ended = [row.resolved_at, row.closed_at, row.cancelled_at];
    let timer = |kind: TimerKind, started: DateTime<Utc>, stopped: DateTime<Utc>| {
        let t = policy.timer(kind, loc.class, started);
        (kind, millis(t.started_at), millis(t.amber_at), millis(t.deadline), millis(stopped))
    };
    let timers = vec![
        timer(TimerKind::Dispatch, row.received_at, first(&[row.dispatched_at, ended[0], ended[1], ended[2]])),
        timer(TimerKind::Arrival, row.received_at, first(&[row.on_scene_at, ended[0], ended[1], ended[2]])),
    ];
    Prepared {
        row,
        station: loc.station.map(|s| s.as_str().to_owned()),
        zone: loc.zone,
        zone_class: loc.class.map(|c| c.as_str()),
        timers,
    }
}

/// The rows the database refuses (sorted by line), and the unit id of every
/// callsign the rows name.
async fn check(tx: &mut Tx<'_>, rows: &[PastIncident]) -> Result<(Vec<RowError>, HashMap<String, i64>), StoreError> {
    let mut errors = vec![];
    let named: HashSet<&str> = rows.iter().filter_map(|r| r.unit.as_ref().map(|u| u.as_str())).collect();
    let mut units: HashMap<String, i64> = HashMap::new();
    if !named.is_empty() {
        let all: Vec<(String, i64)> =
            on_tx!(&mut *tx, "SELECT callsign, id FROM units", |c, q| sqlx::query_as(q).fetch_all(c).await)?;
        units = all.into_iter().filter(|(c, _)| named.contains(c.as_str())).collect();
    }
    for r in rows {
        if let Some(u) = &r.unit
            && !units.contains_key(u.as_str())
        {
            errors.push(RowError { line: r.line, problem: Problem::unknown_unit(u.as_str()) });
        }
    }
    let mut stored: HashMap<String, i64> = HashMap::new();
    for chunk in rows.chunks(IDS_PER_SELECT) {
        let found: Vec<(String, i64)> = on_tx!(&mut *tx, |c| {
            let mut q = QueryBuilder::new("SELECT external_id, id FROM incidents WHERE external_id IN (");
            let mut ids = q.separated(", ");
            for r in chunk {
                ids.push_bind(r.external_id.as_str());
            }
            q.push(")");
            q.build_query_as().fetch_all(c).await
        })?;
        stored.extend(found);
    }
    for r in rows {
        if let Some(id) = stored.get(&r.external_id) {
            errors.push(RowError { line: r.line, problem: Problem::already_imported(&r.external_id, *id) });
        }
    }
    errors.sort_by_key(|e| e.line);
    Ok((errors, units))
}

impl Store {
    /// The problems the database would find with `rows`, without writing:
    /// for reporting every problem of a file whose other lines are already
    /// refused.
    pub async fn history_conflicts(&self, rows: &[PastIncident]) -> Result<Vec<RowError>, StoreError> {
        // read-only: the transaction is rolled back when dropped
        let mut tx = self.begin().await?;
        Ok(check(&mut tx, rows).await?.0)
    }

    /// Writes `rows` as ended incidents, in one transaction, or nothing when
    /// any row is refused. `district` places each point as at intake;
    /// `policy` gives the timers' deadlines.
    pub async fn import_history(
        &self,
        rows: &[PastIncident],
        district: &District,
        policy: &ResponsePolicy,
        actor: &str,
    ) -> Result<ImportSummary, ImportError> {
        // in the order received: the indexes led by received_at grow at their end
        let mut prepared: Vec<Prepared<'_>> = rows.iter().map(|r| prepare(r, district, policy)).collect();
        prepared.sort_by_key(|p| p.row.received_at);
        let mut conn;
        let mut tx = match self.db() {
            Db::Sqlite(pool) => {
                conn = pool.acquire().await?;
                // A page cache big enough for the index pages one large
                // transaction touches (256 MiB at most; only what is used is
                // allocated); the connection is then closed rather than
                // returned to the pool with it.
                conn.close_on_drop();
                sqlx::query("PRAGMA cache_size = -262144").execute(&mut *conn).await?;
                // the write lock from the start: what is checked is what is written over
                Tx::Sqlite(conn.begin_with("BEGIN IMMEDIATE").await?)
            }
            Db::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                // one import at a time across every server: what is checked
                // is what is written over
                sqlx::query("SELECT pg_advisory_xact_lock(7270001)").execute(&mut *tx).await?;
                Tx::Postgres(tx)
            }
        };
        let (errors, units) = check(&mut tx, rows).await?;
        if !errors.is_empty() {
            return Err(ImportError::Rows(errors));
        }

        let mut ids: HashMap<String, i64> = HashMap::with_capacity(rows.len());
        for chunk in prepared.chunks(INCIDENTS_PER_INSERT) {
            let written: Vec<(String, i64)> = on_tx!(&mut tx, |c| {
                let mut q = QueryBuilder::new(
                    "INSERT INTO incidents (external_id, channel, category, priority, status, lat, lon, address, \
                 description, station, zone, zone_class, received_at, dispatched_at, en_route_at, on_scene_at, \
                 resolved_at, closed_at, cancelled_at, created_by, first_unit_id) ",
                );
                q.push_values(chunk, |mut b, p| {
                    let r = p.row;
                    let ms = |t: Option<DateTime<Utc>>| t.map(millis);
                    b.push_bind(r.external_id.as_str())
                        .push_bind(r.channel.as_str())
                        .push_bind(r.category.as_str())
                        .push_bind(i64::from(r.priority.get()))
                        .push_bind(r.status().as_str())
                        .push_bind(r.location.lat())
                        .push_bind(r.location.lon())
                        .push_bind(r.address.as_str())
                        .push_bind(r.description.as_str())
                        .push_bind(p.station.as_deref())
                        .push_bind(p.zone.as_deref())
                        .push_bind(p.zone_class)
                        .push_bind(millis(r.received_at))
                        .push_bind(ms(r.dispatched_at))
                        .push_bind(ms(r.en_route_at))
                        .push_bind(ms(r.on_scene_at))
                        .push_bind(ms(r.resolved_at))
                        .push_bind(ms(r.closed_at))
                        .push_bind(ms(r.cancelled_at))
                        .push_bind(actor)
                        .push_bind(r.unit.as_ref().and_then(|u| units.get(u.as_str()).copied()));
                });
                q.push(" RETURNING external_id, id");
                q.build_query_as().fetch_all(c).await
            })?;
            ids.extend(written);
        }
        let id_of = |p: &Prepared<'_>| {
            ids.get(&p.row.external_id)
                .copied()
                .ok_or_else(|| StoreError::Corrupt(format!("the imported incident {:?} has no id", p.row.external_id)))
        };

        let mut timers: Vec<(i64, TimerRow)> = Vec::with_capacity(prepared.len() * 2);
        let mut log: Vec<(i64, i64, Option<IncidentStatus>, IncidentStatus)> = Vec::with_capacity(prepared.len() * 5);
        for p in &prepared {
            let id = id_of(p)?;
            timers.extend(p.timers.iter().map(|t| (id, *t)));
            let mut from = None;
            for (status, at) in p.row.stages() {
                log.push((millis(at), id, from, status));
                from = Some(status);
            }
        }
        for chunk in timers.chunks(TIMERS_PER_INSERT) {
            on_tx!(&mut tx, |c| {
                let mut q = QueryBuilder::new(
                    "INSERT INTO timers (incident_id, kind, started_at, amber_at, deadline, stopped_at) ",
                );
                q.push_values(chunk, |mut b, (id, (kind, started, amber, deadline, stopped))| {
                    b.push_bind(*id)
                        .push_bind(kind.as_str())
                        .push_bind(*started)
                        .push_bind(*amber)
                        .push_bind(*deadline)
                        .push_bind(*stopped);
                });
                q.build().execute(c).await.map(|r| r.rows_affected())
            })?;
        }
        for chunk in log.chunks(LOG_PER_INSERT) {
            on_tx!(&mut tx, |c| {
                let mut q = QueryBuilder::new(
                    "INSERT INTO status_log (at, entity, entity_id, from_status, to_status, actor, reason) ",
                );
                q.push_values(chunk, |mut b, (at, id, from, to)| {
                    b.push_bind(*at)
                        .push("'incident'")
                        .push_bind(*id)
                        .push_bind(from.map(|s| s.as_str()))
                        .push_bind(to.as_str())
                        .push_bind(actor)
                        .push("'imported'");
                });
                q.build().execute(c).await.map(|r| r.rows_affected())
            })?;
        }
        tx.commit().await?;
        Ok(ImportSummary {
            imported: rows.len() as u64,
            from: rows.iter().map(|r| r.received_at).min(),
            to: rows.iter().map(|r| r.received_at).max(),
        })
    }
}
