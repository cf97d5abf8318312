//! Review figures, aggregated inside the database: a selection of any size
//! comes back as counts and per-second histograms (one row per distinct
//! second), never as its incident rows. The definitions are in
//! `domain::review`; this module only counts.

use std::collections::BTreeMap;

use domain::ResponsePolicy;
use domain::review::{Distribution, Stage};
use sqlx::{QueryBuilder, Sqlite};

use super::{Store, StoreError};

/// Which incidents a review covers: received in `[from_ms, to_ms)`, and
/// optionally one station, zone class, category, channel, priority, hour of
/// the day (local time).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    pub from_ms: i64,
    pub to_ms: i64,
    pub station: Option<String>,
    /// `core`, `crowded`, `other`, or `outside` (in no zone).
    pub zone_class: Option<String>,
    pub category: Option<String>,
    pub channel: Option<String>,
    pub priority: Option<i64>,
    pub hour: Option<u32>,
}

/// A dimension to break a selection down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    Station,
    ZoneClass,
    Category,
    Channel,
    Priority,
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
            "hour" => Dimension::Hour,
            _ => return None,
        })
    }

    /// The grouping expression (as text, so every group key is a string).
    fn sql(self, offset_ms: i64) -> String {
        match self {
            Dimension::Station => "COALESCE(station, 'none')".into(),
            Dimension::ZoneClass => "COALESCE(zone_class, 'outside')".into(),
            Dimension::Category => "category".into(),
            Dimension::Channel => "channel".into(),
            Dimension::Priority => "CAST(priority AS TEXT)".into(),
            Dimension::Hour => format!("printf('%02d', {})", local_hour(offset_ms)),
        }
    }
}

/// The figures of one selection (or one group of a breakdown).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    pub count: u64,
    /// Resolved or closed.
    pub closed: u64,
    pub cancelled: u64,
    /// Arrival compliance per zone class (`core`, `crowded`, `other`,
    /// `outside`): (met, breached).
    pub arrival: BTreeMap<String, (u64, u64)>,
    pub stages: BTreeMap<Stage, Distribution>,
}

impl Figures {
    pub fn percentile(&self, stage: Stage, p: f64) -> Option<i64> {
        self.stages.get(&stage).and_then(|d| d.percentile(p))
    }

    /// Met ÷ (met + breached) over every zone class.
    pub fn compliance(&self) -> Option<f64> {
        let (m, b) = self.arrival.values().fold((0, 0), |(m, b), (x, y)| (m + x, b + y));
        (m + b > 0).then(|| m as f64 / (m + b) as f64)
    }
}

impl Figures {
    /// Adds another group's figures (a breakdown's groups make its total).
    pub fn merge(&mut self, other: &Figures) {
        self.count += other.count;
        self.closed += other.closed;
        self.cancelled += other.cancelled;
        for (k, (m, b)) in &other.arrival {
            let e = self.arrival.entry(k.clone()).or_default();
            e.0 += m;
            e.1 += b;
        }
        for (stage, d) in &other.stages {
            self.stages.entry(*stage).or_default().merge(d);
        }
    }
}

/// Beyond this many days a selection is read by scanning the review
/// indexes whole (one ordered pass, no sort); shorter ones are found through
/// the received-time and station indexes.
const SCAN_AFTER_DAYS: i64 = 62;

impl Store {
    /// The figures of a selection, per group when `by` is given (else one
    /// group with an empty key), with histograms for `stages`.
    pub async fn review(
        &self,
        sel: &Selection,
        by: Option<Dimension>,
        stages: &[Stage],
        policy: &ResponsePolicy,
        offset_minutes: i32,
    ) -> Result<BTreeMap<String, Figures>, StoreError> {
        let offset_ms = i64::from(offset_minutes) * 60_000;
        let key = by.map(|d| d.sql(offset_ms)).unwrap_or_else(|| "''".into());
        let long = sel.to_ms - sel.from_ms > SCAN_AFTER_DAYS * 86_400_000;
        let mut out: BTreeMap<String, Figures> = BTreeMap::new();

        // counts and arrival compliance, per group and zone class
        let target = |class: Option<domain::ResponseClass>| i64::from(policy.arrival_target_s(class)) * 1000;
        let mut q = QueryBuilder::<Sqlite>::new(format!(
            "SELECT {key} AS k, COALESCE(zone_class, 'outside') AS zc, COUNT(*),
                    SUM(status IN ('resolved', 'closed')), SUM(status = 'cancelled'),
                    SUM(on_scene_at IS NOT NULL AND on_scene_at - received_at <=
                        CASE zone_class WHEN 'core' THEN {} WHEN 'crowded' THEN {} WHEN 'other' THEN {} ELSE {} END),
                    SUM(on_scene_at IS NULL AND cancelled_at IS NOT NULL)
             FROM incidents {} WHERE ",
            target(Some(domain::ResponseClass::Core)),
            target(Some(domain::ResponseClass::Crowded)),
            target(Some(domain::ResponseClass::Other)),
            target(None),
            if long { "INDEXED BY incidents_review" } else { "" },
        ));
        where_clause(&mut q, sel, offset_ms);
        q.push(" GROUP BY k, zc");
        let rows: Vec<(String, String, i64, i64, i64, i64, i64)> = q.build_query_as().fetch_all(self.pool()).await?;
        for (k, zc, count, closed, cancelled, met, excluded) in rows {
            let f = out.entry(k).or_default();
            f.count += count as u64;
            f.closed += closed as u64;
            f.cancelled += cancelled as u64;
            let breached = count - met - excluded;
            let e = f.arrival.entry(zc).or_default();
            e.0 += met as u64;
            e.1 += breached as u64;
        }

        // one histogram per stage and group: whole seconds, truncated (the
        // generated columns of migration 0005)
        for stage in stages {
            let (column, reached) = match stage {
                Stage::Dispatch => ("dispatch_s", "dispatched_at IS NOT NULL"),
                Stage::Turnout => ("turnout_s", "dispatched_at IS NOT NULL AND en_route_at IS NOT NULL"),
                Stage::Travel => ("travel_s", "en_route_at IS NOT NULL AND on_scene_at IS NOT NULL"),
                Stage::Response => ("response_s", "on_scene_at IS NOT NULL"),
            };
            let index = if long { format!("INDEXED BY incidents_review_{}", stage.as_str()) } else { String::new() };
            let mut q = QueryBuilder::<Sqlite>::new(format!(
                "SELECT {column} AS s, {key} AS k, COUNT(*) FROM incidents {index} WHERE {reached} AND "
            ));
            where_clause(&mut q, sel, offset_ms);
            q.push(" GROUP BY s, k");
            let rows: Vec<(i64, String, i64)> = q.build_query_as().fetch_all(self.pool()).await?;
            for (s, k, n) in rows {
                out.entry(k).or_default().stages.entry(*stage).or_default().add(s, n as u64);
            }
        }
        Ok(out)
    }
}

fn where_clause(q: &mut QueryBuilder<'_, Sqlite>, sel: &Selection, offset_ms: i64) {
    q.push("received_at >= ").push_bind(sel.from_ms).push(" AND received_at < ").push_bind(sel.to_ms);
    if let Some(s) = &sel.station {
        q.push(" AND station = ").push_bind(s.clone());
    }
    match sel.zone_class.as_deref() {
        Some("outside") => {
            q.push(" AND zone_class IS NULL");
        }
        Some(z) => {
            q.push(" AND zone_class = ").push_bind(z.to_owned());
        }
        None => {}
    }
    if let Some(c) = &sel.category {
        q.push(" AND category = ").push_bind(c.clone());
    }
    if let Some(c) = &sel.channel {
        q.push(" AND channel = ").push_bind(c.clone());
    }
    if let Some(p) = sel.priority {
        q.push(" AND priority = ").push_bind(p);
    }
    if let Some(h) = sel.hour {
        q.push(format!(" AND {} = ", local_hour(offset_ms))).push_bind(i64::from(h));
    }
}

/// The local hour (0–23) an incident was received, in SQL.
fn local_hour(offset_ms: i64) -> String {
    format!("((received_at + {offset_ms}) / 3600000) % 24")
}
