//! Review figures, aggregated inside the database: a selection of any size
//! is read in one pass over a covering index by the `review_tally` aggregate
//! (see `tally.rs`), which feeds `domain::review::Tally`; no incident row
//! leaves SQLite. The definitions are in `domain::review`; this module only
//! selects. The drill-down lists (the incidents behind a number) are paged.

use domain::ResponseClass;
use domain::review::{Outcome, ReviewRow, Stage, StageTimes, Tally, TallySpec};
use futures_util::TryStreamExt;

use super::tally::Token;
use super::{Db, Store, StoreError, on_db};

/// A value bound to a `?` of a statement built at run time.
#[derive(Debug, Clone, PartialEq)]
enum Arg {
    Int(i64),
    Text(String),
    Real(f64),
}

/// A statement with `?` placeholders and their values, in order.
#[derive(Debug, Default)]
struct Sql {
    text: String,
    args: Vec<Arg>,
}

impl Sql {
    fn new(text: impl Into<String>) -> Sql {
        Sql { text: text.into(), args: vec![] }
    }

    fn push(&mut self, text: impl AsRef<str>) -> &mut Sql {
        self.text.push_str(text.as_ref());
        self
    }

    fn bind(&mut self, arg: Arg) -> &mut Sql {
        self.text.push('?');
        self.args.push(arg);
        self
    }
}

/// Binds a [`Sql`]'s values to a query of either backend.
macro_rules! bind_args {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                Arg::Int(v) => q.bind(*v),
                Arg::Text(v) => q.bind(v.as_str()),
                Arg::Real(v) => q.bind(*v),
            };
        }
        q
    }};
}

/// Which incidents a review covers: received in `[from_ms, to_ms)`, and
/// optionally one station, zone class, category, channel, priority, first
/// unit, local hour, local weekday, and a box on the map.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Selection {
    pub from_ms: i64,
    pub to_ms: i64,
    pub station: Option<String>,
    /// `core`, `crowded`, `other`, or `outside` (in no zone).
    pub zone_class: Option<String>,
    pub category: Option<String>,
    pub channel: Option<String>,
    pub priority: Option<i64>,
    /// The first unit dispatched (its id).
    pub unit: Option<i64>,
    pub hour: Option<u32>,
    /// 0 = Monday.
    pub weekday: Option<u32>,
    /// (south, west, north, east): a hot-spot bin.
    pub bbox: Option<(f64, f64, f64, f64)>,
    /// Only the incidents behind one figure (drill-down lists).
    pub only: Option<Only>,
}

/// The incidents behind one figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Only {
    /// Arrival late or never (not cancelled before arrival).
    Breached,
    /// Breached, and this stage was the late one (`domain::review::late_stage`).
    Late(Stage),
    Closed,
    Cancelled,
    /// The stage was reached (the incidents behind its percentiles).
    Reached(Stage),
}

impl Only {
    pub fn parse(s: &str) -> Option<Only> {
        Some(match s {
            "breached" => Only::Breached,
            "late_dispatch" => Only::Late(Stage::Dispatch),
            "late_turnout" => Only::Late(Stage::Turnout),
            "late_travel" => Only::Late(Stage::Travel),
            "closed" => Only::Closed,
            "cancelled" => Only::Cancelled,
            "dispatch" => Only::Reached(Stage::Dispatch),
            "turnout" => Only::Reached(Stage::Turnout),
            "travel" => Only::Reached(Stage::Travel),
            "response" => Only::Reached(Stage::Response),
            _ => return None,
        })
    }

    pub const NAMES: &'static str = "breached, late_dispatch, late_turnout, late_travel, closed, cancelled, dispatch, \
                                     turnout, travel or response";
}

/// A dimension to break a selection down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    Station,
    ZoneClass,
    Category,
    Channel,
    Priority,
    Unit,
    Hour,
}

impl Dimension {
    pub fn parse(s: &str) -> Option<Dimension> {
        Some(match s {
            "station" => Dimension::Station,
            "zone_class" => Dimension::ZoneClass,
            "category" => Dimension::Category,
            "channel" => Dimension::Channel,
            "priority" => Dimension::Priority,
            "unit" => Dimension::Unit,
            "hour" => Dimension::Hour,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Station => "station",
            Dimension::ZoneClass => "zone_class",
            Dimension::Category => "category",
            Dimension::Channel => "channel",
            Dimension::Priority => "priority",
            Dimension::Unit => "unit",
            Dimension::Hour => "hour",
        }
    }

    pub const NAMES: &'static str = "station, zone_class, category, channel, priority, unit or hour";

    /// The group key of an incident, as text. Units are keyed by id (the
    /// caller names them); incidents never dispatched fall under `none`.
    fn sql(self, offset_ms: i64) -> String {
        match self {
            Dimension::Station => "COALESCE(station, 'none')".into(),
            Dimension::ZoneClass => "COALESCE(zone_class, 'outside')".into(),
            Dimension::Category => "category".into(),
            Dimension::Channel => "channel".into(),
            Dimension::Priority => "CAST(priority AS TEXT)".into(),
            Dimension::Unit => "COALESCE(CAST(first_unit_id AS TEXT), 'none')".into(),
            Dimension::Hour => {
                let h = local_hour(offset_ms);
                format!("(CASE WHEN {h} < 10 THEN '0' ELSE '' END || CAST({h} AS TEXT))")
            }
        }
    }
}

/// A stage's duration in whole seconds (as `domain::review::Stage::seconds`
/// and the generated columns of migration 0005), written over the columns
/// the review index covers so a list never reads the table to filter or
/// order.
/// `t` is the table's alias with its dot (or nothing).
fn stage_sql(stage: Stage, t: &str) -> String {
    let (to, from) = match stage {
        Stage::Dispatch => ("dispatched_at", "received_at"),
        Stage::Turnout => ("en_route_at", "dispatched_at"),
        Stage::Travel => ("on_scene_at", "en_route_at"),
        Stage::Response => ("on_scene_at", "received_at"),
    };
    format!("(MAX({t}{to} - {t}{from}, 0) / 1000)")
}

/// Beyond this many days a selection is counted in two halves at once (the
/// pool has a connection per core to spare).
const SPLIT_AFTER_DAYS: i64 = 62;

/// One incident of a drill-down list.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ListedIncident {
    pub id: i64,
    pub received_at: i64,
    pub category: String,
    pub channel: String,
    pub priority: i64,
    pub status: String,
    pub station: Option<String>,
    pub zone_class: Option<String>,
    pub address: String,
    pub dispatched_at: Option<i64>,
    pub en_route_at: Option<i64>,
    pub on_scene_at: Option<i64>,
    pub cancelled_at: Option<i64>,
    pub unit: Option<String>,
}

/// How a drill-down list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListOrder {
    /// Newest first.
    Received,
    /// Longest first.
    Stage(Stage),
}

impl Store {
    /// The tally of a selection: figures (per group of `by`, if given),
    /// late stages, the weekday × hour table, days and hot-spot bins as the
    /// spec asks. One pass over the covering index per half of a long period.
    pub async fn tally(&self, sel: &Selection, by: Option<Dimension>, spec: &TallySpec) -> Result<Tally, StoreError> {
        let mut spec = spec.clone();
        spec.groups = by.is_some();
        let long = sel.to_ms - sel.from_ms > SPLIT_AFTER_DAYS * 86_400_000;
        if !long {
            return self.tally_part(sel, by, &spec).await;
        }
        let mid = sel.from_ms + (sel.to_ms - sel.from_ms) / 2;
        let first = Selection { to_ms: mid, ..sel.clone() };
        let second = Selection { from_ms: mid, ..sel.clone() };
        let (mut a, b) = tokio::try_join!(self.tally_part(&first, by, &spec), self.tally_part(&second, by, &spec))?;
        a.merge(&b);
        Ok(a)
    }

    async fn tally_part(&self, sel: &Selection, by: Option<Dimension>, spec: &TallySpec) -> Result<Tally, StoreError> {
        let offset_ms = i64::from(spec.offset_minutes) * 60_000;
        let key = by.map(|d| d.sql(offset_ms)).unwrap_or_else(|| "''".into());
        match self.db() {
            // one pass inside SQLite: the `review_tally` aggregate (tally.rs)
            Db::Sqlite(pool) => {
                let token = Token::new(spec.clone());
                let mut q = Sql::new(format!(
                    "SELECT review_tally({}, received_at, dispatched_at, en_route_at, on_scene_at, cancelled_at, \
                     status, zone_class, {key}, lat, lon) FROM incidents INDEXED BY incidents_review WHERE ",
                    token.id()
                ));
                where_clause(&mut q, sel, offset_ms, &spec.policy);
                let _: Option<i64> = bind_args!(sqlx::query_scalar(&q.text), &q.args).fetch_one(pool).await?;
                // no row at all: nothing was tallied
                Ok(token.take().unwrap_or_else(|| Tally::new(spec.clone())))
            }
            // PostgreSQL streams the same columns (an index-only scan of
            // incidents_review) into the same `domain::review::Tally`, so
            // both backends give the same figures by construction
            // PostgreSQL streams the same columns into the same
            // `domain::review::Tally`, so both backends give the same figures
            // by construction; on a task of its own, so the halves of a long
            // period are read on both cores
            Db::Postgres(pool) => {
                let mut q = Sql::new(format!(
                    "SELECT received_at, dispatched_at, en_route_at, on_scene_at, cancelled_at, status, \
                     zone_class, {key} AS key, lat, lon FROM incidents WHERE "
                ));
                where_clause(&mut q, sel, offset_ms, &spec.policy);
                tokio::spawn(tally_postgres(pool.clone(), q, spec.clone()))
                    .await
                    .map_err(|e| StoreError::Corrupt(format!("the review's count failed: {e}")))?
            }
        }
    }

    /// How many incidents of a selection, and one page of them (`limit`
    /// after skipping `offset`).
    pub async fn review_incidents(
        &self,
        sel: &Selection,
        order: ListOrder,
        limit: i64,
        offset: i64,
        policy: &domain::ResponsePolicy,
        offset_minutes: i32,
    ) -> Result<(u64, Vec<ListedIncident>), StoreError> {
        let offset_ms = i64::from(offset_minutes) * 60_000;
        let indexed = match self.db() {
            Db::Sqlite(_) => "INDEXED BY incidents_review",
            Db::Postgres(_) => "",
        };
        let mut q = Sql::new(format!("SELECT COUNT(*) FROM incidents {indexed} WHERE "));
        where_clause(&mut q, sel, offset_ms, policy);
        let total: i64 =
            on_db!(self.db(), &q.text, |c, text| bind_args!(sqlx::query_scalar(text), &q.args).fetch_one(c).await)?;
        // the page's ids from the covering index, then their rows
        let mut q = Sql::new(format!(
            "SELECT i.id, i.received_at, i.category, i.channel, i.priority, i.status, i.station, i.zone_class, \
             i.address, i.dispatched_at, i.en_route_at, i.on_scene_at, i.cancelled_at, u.callsign AS unit \
             FROM incidents i LEFT JOIN units u ON u.id = i.first_unit_id \
             WHERE i.id IN (SELECT id FROM incidents {indexed} WHERE "
        ));
        where_clause(&mut q, sel, offset_ms, policy);
        let (inner, outer) = match order {
            ListOrder::Received => ("received_at DESC, id DESC".to_owned(), "i.received_at DESC, i.id DESC".to_owned()),
            ListOrder::Stage(s) => {
                (format!("{} DESC, id DESC", stage_sql(s, "")), format!("{} DESC, i.id DESC", stage_sql(s, "i.")))
            }
        };
        q.push(format!(" ORDER BY {inner} LIMIT ")).bind(Arg::Int(limit)).push(" OFFSET ").bind(Arg::Int(offset));
        q.push(format!(") ORDER BY {outer}"));
        let rows: Vec<ListedIncident> =
            on_db!(self.db(), &q.text, |c, text| bind_args!(sqlx::query_as(text), &q.args).fetch_all(c).await)?;
        Ok((total.max(0) as u64, rows))
    }

    /// Unit callsigns by id (to name a breakdown by unit).
    pub async fn unit_callsigns(&self) -> Result<Vec<(i64, String)>, StoreError> {
        Ok(on_db!(self.db(), "SELECT id, callsign FROM units ORDER BY callsign", |c, q| sqlx::query_as(q)
            .fetch_all(c)
            .await)?)
    }
}

/// Streams one part of a selection from PostgreSQL into a tally, reading
/// each row in place (no allocation per row).
async fn tally_postgres(pool: sqlx::PgPool, q: Sql, spec: TallySpec) -> Result<Tally, StoreError> {
    use sqlx::Row;
    let text = super::numbered(&q.text);
    let mut rows = bind_args!(sqlx::query(&text), &q.args).fetch(&pool);
    let mut tally = Tally::new(spec);
    while let Some(r) = rows.try_next().await? {
        let times = StageTimes {
            received_ms: r.try_get(0)?,
            dispatched_ms: r.try_get(1)?,
            en_route_ms: r.try_get(2)?,
            on_scene_ms: r.try_get(3)?,
            cancelled_ms: r.try_get(4)?,
        };
        let status: &str = r.try_get(5)?;
        let class: Option<&str> = r.try_get(6)?;
        let key: &str = r.try_get(7)?;
        let zone_class = class.and_then(|c| c.parse::<ResponseClass>().ok());
        let row = ReviewRow { times, outcome: Outcome::of_status(status), zone_class };
        tally.add(&row, key, Some((r.try_get(8)?, r.try_get(9)?)));
    }
    Ok(tally)
}

fn where_clause(q: &mut Sql, sel: &Selection, offset_ms: i64, policy: &domain::ResponsePolicy) {
    q.push("received_at >= ").bind(Arg::Int(sel.from_ms)).push(" AND received_at < ").bind(Arg::Int(sel.to_ms));
    if let Some(s) = &sel.station {
        q.push(" AND station = ").bind(Arg::Text(s.clone()));
    }
    match sel.zone_class.as_deref() {
        Some("outside") => {
            q.push(" AND zone_class IS NULL");
        }
        Some(z) => {
            q.push(" AND zone_class = ").bind(Arg::Text(z.to_owned()));
        }
        None => {}
    }
    if let Some(c) = &sel.category {
        q.push(" AND category = ").bind(Arg::Text(c.clone()));
    }
    if let Some(c) = &sel.channel {
        q.push(" AND channel = ").bind(Arg::Text(c.clone()));
    }
    if let Some(p) = sel.priority {
        q.push(" AND priority = ").bind(Arg::Int(p));
    }
    if let Some(u) = sel.unit {
        q.push(" AND first_unit_id = ").bind(Arg::Int(u));
    }
    if let Some(h) = sel.hour {
        q.push(format!(" AND {} = ", local_hour(offset_ms))).bind(Arg::Int(i64::from(h)));
    }
    if let Some(w) = sel.weekday {
        q.push(format!(" AND ((received_at + {offset_ms}) / 86400000 + 3) % 7 = ")).bind(Arg::Int(i64::from(w)));
    }
    if let Some((s, w, n, e)) = sel.bbox {
        q.push(" AND lat >= ").bind(Arg::Real(s)).push(" AND lat < ").bind(Arg::Real(n));
        q.push(" AND lon >= ").bind(Arg::Real(w)).push(" AND lon < ").bind(Arg::Real(e));
    }
    match sel.only {
        None => {}
        Some(Only::Closed) => {
            q.push(" AND status IN ('resolved', 'closed')");
        }
        Some(Only::Cancelled) => {
            q.push(" AND status = 'cancelled'");
        }
        Some(Only::Reached(stage)) => {
            q.push(format!(" AND {} IS NOT NULL", stage_sql(stage, "")));
        }
        Some(Only::Breached) => {
            q.push(format!(" AND {}", breached_sql(policy)));
        }
        Some(Only::Late(stage)) => {
            q.push(format!(" AND {} AND {} = '{}'", breached_sql(policy), late_sql(policy), stage.as_str()));
        }
    }
}

/// `domain::review::Arrival` in SQL: late, or never reached and not
/// cancelled.
fn breached_sql(p: &domain::ResponsePolicy) -> String {
    use domain::ResponseClass::*;
    let t = |c| i64::from(p.arrival_target_s(c)) * 1000;
    format!(
        "(CASE WHEN on_scene_at IS NOT NULL THEN on_scene_at - received_at > \
         CASE zone_class WHEN 'core' THEN {} WHEN 'crowded' THEN {} WHEN 'other' THEN {} ELSE {} END \
         ELSE cancelled_at IS NULL END)",
        t(Some(Core)),
        t(Some(Crowded)),
        t(Some(Other)),
        t(None)
    )
}

/// `domain::review::late_stage` in SQL (for a breached incident).
fn late_sql(p: &domain::ResponsePolicy) -> String {
    format!(
        "(CASE WHEN dispatched_at IS NULL OR {} > {} THEN 'dispatch' \
         WHEN en_route_at IS NULL OR {} > {} THEN 'turnout' ELSE 'travel' END)",
        stage_sql(Stage::Dispatch, ""),
        p.dispatch_s,
        stage_sql(Stage::Turnout, ""),
        p.turnout_s
    )
}

/// The local hour (0–23) an incident was received, in SQL.
fn local_hour(offset_ms: i64) -> String {
    format!("((received_at + {offset_ms}) / 3600000) % 24")
}
