//! Review figures, aggregated inside the database: a selection of any size
//! is read in one pass over a covering index by the `review_tally` aggregate
//! (see `tally.rs`), which feeds `domain::review::Tally`; no incident row
//! leaves SQLite. The definitions are in `domain::review`; this module only
//! selects. The drill-down lists (the incidents behind a number) are paged.

use domain::ResponseClass;
use domain::review::{Outcome, ReviewRow, Stage, StageTimes, Tally, TallySpec};
use futures_util::{StreamExt, TryStreamExt};

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

    /// The statement with each `?` (outside quotes) replaced by its value as
    /// a literal, for statements that take no parameters (`COPY`). Text is
    /// dollar-quoted with a tag it does not contain, so no value can end its
    /// literal, whatever `standard_conforming_strings` says.
    fn inlined(&self) -> Result<String, StoreError> {
        let mut out = String::with_capacity(self.text.len() + 16 * self.args.len());
        let mut args = self.args.iter();
        let mut quote: Option<char> = None;
        for ch in self.text.chars() {
            match (quote, ch) {
                (None, '\'' | '"') => {
                    quote = Some(ch);
                    out.push(ch);
                }
                (Some(q), c) if c == q => {
                    quote = None;
                    out.push(c);
                }
                (None, '?') => match args.next() {
                    Some(Arg::Int(v)) => out.push_str(&format!("CAST({v} AS BIGINT)")),
                    Some(Arg::Real(v)) if v.is_finite() => out.push_str(&format!("CAST({v:?} AS DOUBLE PRECISION)")),
                    Some(Arg::Real(v)) => {
                        return Err(StoreError::Statement(format!("{v} is not a number to select by")));
                    }
                    Some(Arg::Text(v)) => {
                        if v.contains('\0') {
                            return Err(StoreError::Statement("a text to select by holds a NUL".into()));
                        }
                        let mut tag = "$cr$".to_owned();
                        let mut n = 0;
                        // the literal ends at the first tag after the opening one
                        while format!("{v}{tag}").find(&tag) != Some(v.len()) {
                            n += 1;
                            tag = format!("$cr{n}$");
                        }
                        out.push_str(&format!("CAST({tag}{v}{tag} AS TEXT)"));
                    }
                    None => return Err(StoreError::Statement("a statement has more ? than values".into())),
                },
                (_, c) => out.push(c),
            }
        }
        if args.next().is_some() {
            return Err(StoreError::Statement("a statement has more values than ?".into()));
        }
        Ok(out)
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
        if let Db::Postgres(pool) = self.db() {
            return self.tally_kept(pool, sel, by, &spec).await;
        }
        self.tally_split(sel, by, &spec).await
    }

    /// A long period in two halves at once; a short one in one pass.
    async fn tally_split(&self, sel: &Selection, by: Option<Dimension>, spec: &TallySpec) -> Result<Tally, StoreError> {
        let long = sel.to_ms - sel.from_ms > SPLIT_AFTER_DAYS * 86_400_000;
        if !long {
            return self.tally_part(sel, by, spec).await;
        }
        let mid = sel.from_ms + (sel.to_ms - sel.from_ms) / 2;
        let first = Selection { to_ms: mid, ..sel.clone() };
        let second = Selection { from_ms: mid, ..sel.clone() };
        let (mut a, b) = tokio::try_join!(self.tally_part(&first, by, spec), self.tally_part(&second, by, spec))?;
        a.merge(&b);
        Ok(a)
    }

    /// PostgreSQL: the whole buckets of the period from the tallies kept of
    /// them while their version is unchanged (`review_cache`), the rest
    /// counted now, two parts at a time.
    async fn tally_kept(
        &self,
        pool: &sqlx::PgPool,
        sel: &Selection,
        by: Option<Dimension>,
        spec: &TallySpec,
    ) -> Result<Tally, StoreError> {
        use super::review_cache::BUCKET_BITS;
        let size = 1i64 << BUCKET_BITS;
        // whole buckets [first, end) inside the period
        let first = sel.from_ms.div_euclid(size) + i64::from(sel.from_ms.rem_euclid(size) != 0);
        let end = sel.to_ms.div_euclid(size);
        if end <= first {
            return self.tally_split(sel, by, spec).await;
        }
        let versions: std::collections::HashMap<i64, i64> =
            sqlx::query_as("SELECT bucket, version FROM review_versions WHERE bucket >= $1 AND bucket < $2")
                .bind(first)
                .bind(end)
                .fetch_all(pool)
                .await?
                .into_iter()
                .collect();
        // everything but the period says what a kept tally counted
        let key = format!("{:?}|{by:?}|{spec:?}", Selection { from_ms: 0, to_ms: 0, ..sel.clone() });
        let mut tally = Tally::new(spec.clone());
        let mut todo: Vec<(Option<(i64, i64)>, Selection)> = vec![];
        if sel.from_ms < first * size {
            todo.push((None, Selection { to_ms: first * size, ..sel.clone() }));
        }
        for bucket in first..end {
            let version = versions.get(&bucket).copied().unwrap_or(0);
            match self.review_cache.get(bucket, &key, version) {
                Some(kept) => tally.merge(&kept),
                None => todo.push((
                    Some((bucket, version)),
                    Selection { from_ms: bucket * size, to_ms: (bucket + 1) * size, ..sel.clone() },
                )),
            }
        }
        if end * size < sel.to_ms {
            todo.push((None, Selection { from_ms: end * size, ..sel.clone() }));
        }
        let mut counted = futures_util::stream::iter(todo)
            .map(|(kept, part)| async move { self.tally_part(&part, by, spec).await.map(|t| (kept, t)) })
            .buffer_unordered(2);
        while let Some((kept, part)) = counted.try_next().await? {
            tally.merge(&part);
            if let Some((bucket, version)) = kept {
                // counted in a snapshot at least as new as `version`: if it is
                // newer, the version moved on too and this entry is not used
                self.review_cache.put(bucket, &key, version, std::sync::Arc::new(part));
            }
        }
        Ok(tally)
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
                    .map_err(|e| StoreError::Statement(format!("the review's count failed: {e}")))?
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
        let mut count = Sql::new(format!("SELECT COUNT(*) FROM incidents {indexed} WHERE "));
        where_clause(&mut count, sel, offset_ms, policy);
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
        // the count and the page at once (each a scan of the period)
        let total = async {
            let total: i64 =
                on_db!(self.db(), &count.text, |c, text| bind_args!(sqlx::query_scalar(text), &count.args)
                    .fetch_one(c)
                    .await)?;
            Ok::<_, StoreError>(total)
        };
        let rows = async {
            let rows: Vec<ListedIncident> =
                on_db!(self.db(), &q.text, |c, text| bind_args!(sqlx::query_as(text), &q.args).fetch_all(c).await)?;
            Ok::<_, StoreError>(rows)
        };
        let (total, rows) = tokio::try_join!(total, rows)?;
        Ok((total.max(0) as u64, rows))
    }

    /// The incidents of a review's selection as the deployment planner
    /// reads them (position, priority, zone class, stage times), oldest
    /// first, not cancelled, at most `plan::MAX_PLAN_ROWS`.
    pub async fn plan_rows(
        &self,
        sel: &Selection,
        offset_ms: i64,
        policy: &domain::ResponsePolicy,
    ) -> Result<Vec<super::plan::PlanRow>, StoreError> {
        type Row = (f64, f64, i64, Option<String>, Option<String>, i64, Option<i64>, Option<i64>, Option<i64>);
        let mut q = Sql::new(
            "SELECT lat, lon, priority, zone_class, station, received_at, dispatched_at, on_scene_at, resolved_at \
             FROM incidents WHERE cancelled_at IS NULL AND ",
        );
        where_clause(&mut q, sel, offset_ms, policy);
        q.push(" ORDER BY received_at, id LIMIT ").bind(Arg::Int(super::plan::MAX_PLAN_ROWS));
        let rows: Vec<Row> =
            on_db!(self.db(), &q.text, |c, text| bind_args!(sqlx::query_as(text), &q.args).fetch_all(c).await)?;
        Ok(rows
            .into_iter()
            .map(|r| super::plan::PlanRow {
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

    /// Unit callsigns by id (to name a breakdown by unit).
    pub async fn unit_callsigns(&self) -> Result<Vec<(i64, String)>, StoreError> {
        Ok(on_db!(self.db(), "SELECT id, callsign FROM units ORDER BY callsign", |c, q| sqlx::query_as(q)
            .fetch_all(c)
            .await)?)
    }
}

/// Streams one part of a selection from PostgreSQL into a tally with
/// `COPY … TO STDOUT (FORMAT binary)`: the rows arrive as fixed binary
/// fields read in place, without the per-row bookkeeping of a result set
/// (a full year of a million incidents: 1.4-2.0 s as a query, see the
/// README's performance table for COPY). COPY takes no parameters, so the
/// selection's values are written into the statement as literals
/// ([`Sql::inlined`]).
async fn tally_postgres(pool: sqlx::PgPool, q: Sql, spec: TallySpec) -> Result<Tally, StoreError> {
    use sqlx::postgres::PgPoolCopyExt;
    let statement = format!("COPY ({}) TO STDOUT (FORMAT binary)", q.inlined()?);
    let mut chunks = pool.copy_out_raw(&statement).await?;
    let mut tally = Tally::new(spec);
    let mut reader = CopyReader::default();
    while let Some(chunk) = chunks.try_next().await? {
        reader
            .feed(&chunk, |f| {
                let times = StageTimes {
                    received_ms: f.int(0)?.ok_or("received_at is null")?,
                    dispatched_ms: f.int(1)?,
                    en_route_ms: f.int(2)?,
                    on_scene_ms: f.int(3)?,
                    cancelled_ms: f.int(4)?,
                };
                let status = f.text(5)?.ok_or("status is null")?;
                let zone_class = f.text(6)?.and_then(|c| c.parse::<ResponseClass>().ok());
                let key = f.text(7)?.unwrap_or("");
                let row = ReviewRow { times, outcome: Outcome::of_status(status), zone_class };
                let at = match (f.real(8)?, f.real(9)?) {
                    (Some(lat), Some(lon)) => Some((lat, lon)),
                    _ => None,
                };
                tally.add(&row, key, at);
                Ok(())
            })
            .map_err(|e| StoreError::Corrupt(format!("the review's count read a bad row from PostgreSQL: {e}")))?;
    }
    if !reader.ended() {
        return Err(StoreError::Corrupt("the review's count from PostgreSQL ended early".into()));
    }
    Ok(tally)
}

/// The fields of one row of a binary COPY, each `None` when NULL.
struct CopyFields<'a> {
    fields: [Option<&'a [u8]>; COPY_FIELDS],
}

const COPY_FIELDS: usize = 10;

impl<'a> CopyFields<'a> {
    fn int(&self, i: usize) -> Result<Option<i64>, &'static str> {
        match self.fields[i] {
            None => Ok(None),
            Some(b) => Ok(Some(i64::from_be_bytes(b.try_into().map_err(|_| "an integer field is not 8 bytes")?))),
        }
    }

    fn real(&self, i: usize) -> Result<Option<f64>, &'static str> {
        match self.fields[i] {
            None => Ok(None),
            Some(b) => Ok(Some(f64::from_be_bytes(b.try_into().map_err(|_| "a real field is not 8 bytes")?))),
        }
    }

    fn text(&self, i: usize) -> Result<Option<&'a str>, &'static str> {
        match self.fields[i] {
            None => Ok(None),
            Some(b) => std::str::from_utf8(b).map(Some).map_err(|_| "a text field is not UTF-8"),
        }
    }
}

/// Reads PostgreSQL's binary COPY format (the signature, flags and header
/// extension, then tuples of length-prefixed fields, then -1) from chunks
/// cut anywhere; a tuple split across chunks waits in `pending`.
#[derive(Default)]
struct CopyReader {
    pending: Vec<u8>,
    header: bool,
    ended: bool,
}

const COPY_SIGNATURE: &[u8; 11] = b"PGCOPY\n\xff\r\n\0";

impl CopyReader {
    fn ended(&self) -> bool {
        self.ended
    }

    /// Hands every whole tuple of `chunk` (after what was pending) to `row`.
    fn feed(
        &mut self,
        chunk: &[u8],
        mut row: impl FnMut(&CopyFields<'_>) -> Result<(), &'static str>,
    ) -> Result<(), &'static str> {
        if self.pending.is_empty() {
            let used = self.parse(chunk, &mut row)?;
            self.pending.extend_from_slice(&chunk[used..]);
        } else {
            let mut buf = std::mem::take(&mut self.pending);
            buf.extend_from_slice(chunk);
            let used = self.parse(&buf, &mut row)?;
            buf.drain(..used);
            self.pending = buf;
        }
        Ok(())
    }

    /// Parses what it can of `buf`; returns how many bytes it used.
    fn parse(
        &mut self,
        buf: &[u8],
        row: &mut impl FnMut(&CopyFields<'_>) -> Result<(), &'static str>,
    ) -> Result<usize, &'static str> {
        let mut at = 0;
        if !self.header {
            // signature, flags (4), extension length (4), extension
            if buf.len() < 19 {
                return Ok(0);
            }
            if &buf[..11] != COPY_SIGNATURE {
                return Err("not a binary COPY");
            }
            let ext = u32::from_be_bytes(buf[15..19].try_into().unwrap_or_default()) as usize;
            if buf.len() < 19 + ext {
                return Ok(0);
            }
            at = 19 + ext;
            self.header = true;
        }
        loop {
            if self.ended {
                return if at == buf.len() { Ok(at) } else { Err("data after the end of a COPY") };
            }
            let Some(count) = buf.get(at..at + 2) else { return Ok(at) };
            let count = i16::from_be_bytes([count[0], count[1]]);
            if count == -1 {
                self.ended = true;
                at += 2;
                continue;
            }
            if count as usize != COPY_FIELDS {
                return Err("a row with the wrong number of fields");
            }
            let mut p = at + 2;
            let mut fields = CopyFields { fields: [None; COPY_FIELDS] };
            for f in fields.fields.iter_mut() {
                let Some(len) = buf.get(p..p + 4) else { return Ok(at) };
                let len = i32::from_be_bytes([len[0], len[1], len[2], len[3]]);
                p += 4;
                if len < 0 {
                    continue;
                }
                let Some(value) = buf.get(p..p + len as usize) else { return Ok(at) };
                *f = Some(value);
                p += len as usize;
            }
            row(&fields)?;
            at = p;
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_written_in_as_literals_that_cannot_break_out() {
        let mut q = Sql::new("SELECT 1 WHERE a = ");
        q.bind(Arg::Int(-5)).push(" AND b = '?' AND c = ").bind(Arg::Text("it's $cr$ x$cr".into()));
        q.push(" AND d < ").bind(Arg::Real(31.25));
        let text = q.inlined().expect("present");
        assert_eq!(
            text,
            "SELECT 1 WHERE a = CAST(-5 AS BIGINT) AND b = '?' AND c = CAST($cr1$it's $cr$ x$cr$cr1$ AS TEXT) \
             AND d < CAST(31.25 AS DOUBLE PRECISION)"
        );
        // a value ending in part of the tag would close it early: the tag moves on
        let mut q = Sql::new("");
        q.bind(Arg::Text("a$cr".into()));
        assert_eq!(q.inlined().expect("present"), "CAST($cr1$a$cr$cr1$ AS TEXT)");
        let mut q = Sql::new("");
        q.bind(Arg::Real(f64::NAN));
        assert!(matches!(q.inlined(), Err(StoreError::Statement(_))));
        let mut q = Sql::new("");
        q.bind(Arg::Text("a\0b".into()));
        assert!(matches!(q.inlined(), Err(StoreError::Statement(_))));
        let q = Sql { text: "a = ? AND b = ?".into(), args: vec![Arg::Int(1)] };
        assert!(matches!(q.inlined(), Err(StoreError::Statement(_))));
    }

    /// A binary COPY of two rows as PostgreSQL writes it.
    fn copy_bytes() -> Vec<u8> {
        let mut b = COPY_SIGNATURE.to_vec();
        b.extend(0u32.to_be_bytes());
        b.extend(4u32.to_be_bytes());
        b.extend([9, 9, 9, 9]); // a header extension, skipped
        for (received, dispatched, class) in [(1_000i64, Some(61_000i64), Some("core")), (2_000, None, None)] {
            b.extend((COPY_FIELDS as i16).to_be_bytes());
            let int = |b: &mut Vec<u8>, v: Option<i64>| match v {
                Some(v) => {
                    b.extend(8i32.to_be_bytes());
                    b.extend(v.to_be_bytes());
                }
                None => b.extend((-1i32).to_be_bytes()),
            };
            let text = |b: &mut Vec<u8>, v: Option<&str>| match v {
                Some(v) => {
                    b.extend((v.len() as i32).to_be_bytes());
                    b.extend(v.as_bytes());
                }
                None => b.extend((-1i32).to_be_bytes()),
            };
            int(&mut b, Some(received));
            int(&mut b, dispatched);
            int(&mut b, None);
            int(&mut b, None);
            int(&mut b, None);
            text(&mut b, Some("closed"));
            text(&mut b, class);
            text(&mut b, Some("RS"));
            for v in [31.5f64, 120.25] {
                b.extend(8i32.to_be_bytes());
                b.extend(v.to_be_bytes());
            }
        }
        b.extend((-1i16).to_be_bytes());
        b
    }

    #[test]
    fn a_binary_copy_is_read_whole_however_it_is_cut() {
        let bytes = copy_bytes();
        for size in [1, 2, 3, 7, 19, 23, 64, bytes.len()] {
            let mut reader = CopyReader::default();
            let mut seen = vec![];
            for chunk in bytes.chunks(size) {
                reader
                    .feed(chunk, |f| {
                        seen.push((
                            f.int(0)?.expect("present"),
                            f.int(1)?,
                            f.int(2)?,
                            f.text(5)?.expect("present").to_owned(),
                            f.text(6)?.map(str::to_owned),
                            f.text(7)?.expect("present").to_owned(),
                            f.real(8)?.expect("present"),
                            f.real(9)?.expect("present"),
                        ));
                        Ok(())
                    })
                    .expect("present");
            }
            assert!(reader.ended(), "chunks of {size}");
            assert_eq!(
                seen,
                vec![
                    (1_000, Some(61_000), None, "closed".into(), Some("core".into()), "RS".into(), 31.5, 120.25),
                    (2_000, None, None, "closed".into(), None, "RS".into(), 31.5, 120.25),
                ],
                "chunks of {size}"
            );
        }
    }

    #[test]
    fn a_broken_copy_is_refused_not_misread() {
        let mut bytes = copy_bytes();
        let ok = |_: &CopyFields<'_>| Ok(());
        // not a COPY
        assert!(CopyReader::default().feed(b"PGCOPX\n\xff\r\n\0\0\0\0\0\0\0\0\0", ok).is_err());
        // a row with the wrong number of fields
        let mut wrong = bytes.clone();
        wrong[23..25].copy_from_slice(&3i16.to_be_bytes());
        assert!(CopyReader::default().feed(&wrong, ok).is_err());
        // cut short: no error, but not ended, so the caller refuses it
        bytes.truncate(bytes.len() - 10);
        let mut reader = CopyReader::default();
        reader.feed(&bytes, ok).expect("present");
        assert!(!reader.ended());
        // an integer field of the wrong size
        let f = CopyFields { fields: [Some(&[1u8, 2][..]); COPY_FIELDS] };
        assert!(f.int(0).is_err());
        assert!(f.real(0).is_err());
    }
}
