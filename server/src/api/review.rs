//! `GET /review` and `GET /review.csv`: response-time figures for a
//! selection of incidents, next to the previous period (环比) and the same
//! period a year before (同比), optionally broken down by a dimension.
//! Definitions (stages, whole seconds, nearest-rank percentiles, compliance)
//! are in `domain::review`.

use std::collections::BTreeMap;
use std::str::FromStr;

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{Months, NaiveDate};
use domain::review::{Stage, change_pct};
use domain::{Category, Channel, StationCode};
use serde::{Deserialize, Serialize};

use super::{ApiError, ApiQuery};
use crate::store::review::{Dimension, Figures, Selection};
use crate::web::AppState;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewQuery {
    /// First day (local), `YYYY-MM-DD`.
    from: String,
    /// Last day (local, inclusive), `YYYY-MM-DD`.
    to: String,
    station: Option<String>,
    zone_class: Option<String>,
    category: Option<String>,
    channel: Option<String>,
    priority: Option<i64>,
    hour: Option<u32>,
    by: Option<String>,
}

/// The longest range a review covers.
const MAX_DAYS: i64 = 3 * 366;

/// A checked query: the selection, its comparison periods, the breakdown.
struct Parsed {
    sel: Selection,
    previous: Selection,
    last_year: Selection,
    by: Option<Dimension>,
    from: NaiveDate,
    to: NaiveDate,
}

fn day(name: &str, s: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| ApiError::BadRequest(format!("{name} must be a date like 2026-11-01, got {s:?}")))
}

fn parse(q: &ReviewQuery, offset_minutes: i32) -> Result<Parsed, ApiError> {
    let from = day("from", &q.from)?;
    let to = day("to", &q.to)?;
    if to < from {
        return Err(ApiError::BadRequest(format!("to ({to}) is before from ({from})")));
    }
    let days = (to - from).num_days() + 1;
    if days > MAX_DAYS {
        return Err(ApiError::BadRequest(format!("a review covers at most {MAX_DAYS} days, got {days}")));
    }
    let station = q.station.as_deref().map(StationCode::parse).transpose().map_err(ApiError::bad)?;
    let zone_class = match q.zone_class.as_deref() {
        None | Some("core" | "crowded" | "other" | "outside") => q.zone_class.clone(),
        Some(z) => {
            return Err(ApiError::BadRequest(format!(
                "zone_class must be core, crowded, other or outside, got {:?}",
                z.chars().take(40).collect::<String>()
            )));
        }
    };
    let category = q.category.as_deref().map(Category::from_str).transpose().map_err(ApiError::bad)?;
    let channel = q.channel.as_deref().map(Channel::from_str).transpose().map_err(ApiError::bad)?;
    if let Some(p) = q.priority
        && !(1..=3).contains(&p)
    {
        return Err(ApiError::BadRequest(format!("priority must be 1, 2 or 3, got {p}")));
    }
    if let Some(h) = q.hour
        && h > 23
    {
        return Err(ApiError::BadRequest(format!("hour must be between 0 and 23, got {h}")));
    }
    let by = match q.by.as_deref() {
        None => None,
        Some(b) => Some(Dimension::parse(b).ok_or_else(|| {
            ApiError::BadRequest(format!(
                "by must be station, zone_class, category, channel, priority or hour, got {:?}",
                b.chars().take(40).collect::<String>()
            ))
        })?),
    };
    // local midnight to local midnight, as UTC milliseconds
    let ms = |d: NaiveDate| {
        d.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp_millis() - i64::from(offset_minutes) * 60_000).unwrap_or(0)
    };
    let next = |d: NaiveDate| d.succ_opt().unwrap_or(d);
    let sel = Selection {
        from_ms: ms(from),
        to_ms: ms(next(to)),
        station: station.map(|s| s.as_str().to_owned()),
        zone_class,
        category: category.map(|c| c.as_str().to_owned()),
        channel: channel.map(|c| c.as_str().to_owned()),
        priority: q.priority,
        hour: q.hour,
    };
    // the same number of days just before, and the same dates a year before
    let span = chrono::Duration::days(days);
    let previous = Selection { from_ms: ms(from - span), to_ms: ms(from), ..sel.clone() };
    let year_ago = |d: NaiveDate| d.checked_sub_months(Months::new(12)).unwrap_or(d);
    let last_year = Selection { from_ms: ms(year_ago(from)), to_ms: ms(next(year_ago(to))), ..sel.clone() };
    Ok(Parsed { sel, previous, last_year, by, from, to })
}

/// One row of figures, as the API and the CSV show it.
#[derive(Debug, Serialize)]
pub struct Row {
    /// The group (empty for the whole selection).
    pub key: String,
    pub count: u64,
    pub dispatch_p50_s: Option<i64>,
    pub dispatch_p90_s: Option<i64>,
    pub turnout_p50_s: Option<i64>,
    pub turnout_p90_s: Option<i64>,
    pub travel_p50_s: Option<i64>,
    pub travel_p90_s: Option<i64>,
    pub response_p50_s: Option<i64>,
    pub response_p90_s: Option<i64>,
    /// Arrival compliance, 0–1, over every zone class.
    pub compliance: Option<f64>,
    /// Per zone class: met, breached, compliance.
    pub compliance_by_zone_class: BTreeMap<String, ZoneCompliance>,
    pub closure_rate: Option<f64>,
    pub cancelled_share: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct ZoneCompliance {
    pub met: u64,
    pub breached: u64,
    pub compliance: Option<f64>,
}

impl Row {
    fn of(key: String, f: &Figures) -> Row {
        let p = |s: Stage, q: f64| f.percentile(s, q);
        let share = |n: u64| (f.count > 0).then(|| n as f64 / f.count as f64);
        Row {
            key,
            count: f.count,
            dispatch_p50_s: p(Stage::Dispatch, 50.0),
            dispatch_p90_s: p(Stage::Dispatch, 90.0),
            turnout_p50_s: p(Stage::Turnout, 50.0),
            turnout_p90_s: p(Stage::Turnout, 90.0),
            travel_p50_s: p(Stage::Travel, 50.0),
            travel_p90_s: p(Stage::Travel, 90.0),
            response_p50_s: p(Stage::Response, 50.0),
            response_p90_s: p(Stage::Response, 90.0),
            compliance: f.compliance(),
            compliance_by_zone_class: f
                .arrival
                .iter()
                .map(|(k, (m, b))| {
                    let c = (m + b > 0).then(|| *m as f64 / (m + b) as f64);
                    (k.clone(), ZoneCompliance { met: *m, breached: *b, compliance: c })
                })
                .collect(),
            closure_rate: share(f.closed),
            cancelled_share: share(f.cancelled),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Review {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub definitions: &'static str,
    pub total: Row,
    /// The same number of days just before (环比) and the same dates a year
    /// before (同比): counts, closure, compliance and response times (the
    /// other stages' percentiles are left out).
    pub previous_period: Row,
    pub same_period_last_year: Row,
    /// Change in per cent of the count and the median response.
    pub change: Changes,
    pub breakdown: Option<Vec<Row>>,
}

#[derive(Debug, Serialize)]
pub struct Changes {
    pub count_vs_previous_pct: Option<f64>,
    pub count_vs_last_year_pct: Option<f64>,
    pub response_p50_vs_previous_pct: Option<f64>,
    pub response_p50_vs_last_year_pct: Option<f64>,
}

pub const DEFINITIONS: &str = "Stages: dispatch = received to first unit dispatched; turnout = dispatched to \
     first unit en route; travel = en route to first unit on scene; response = received to first unit on scene. \
     Durations in whole seconds, truncated. Percentiles by nearest rank: the p-th percentile of n values is the \
     value at rank ceil(p*n/100) in ascending order. Compliance = met / (met + breached): met when a unit was on \
     scene within the arrival target of the zone class; breached when late or never reached; incidents cancelled \
     before arrival are excluded. Closure rate = resolved or closed / count.";

async fn compute(state: &AppState, q: &ReviewQuery) -> Result<Review, ApiError> {
    let settings = &state.engine.shared().settings;
    let offset = settings.utc_offset_minutes;
    let p = parse(q, offset)?;
    let store = &state.store;
    let policy = &settings.policy;
    let whole = |m: &BTreeMap<String, Figures>| {
        m.values().fold(Figures::default(), |mut all, f| {
            all.merge(f);
            all
        })
    };
    // the three periods at once (the pool has several connections); the
    // comparisons need only counts and the response time
    let (main, previous, last_year) = tokio::try_join!(
        store.review(&p.sel, p.by, &Stage::ALL, policy, offset),
        store.review(&p.previous, None, &[Stage::Response], policy, offset),
        store.review(&p.last_year, None, &[Stage::Response], policy, offset),
    )?;
    let total = whole(&main);
    let (previous, last_year) = (whole(&previous), whole(&last_year));
    let breakdown = p.by.map(|_| main.iter().map(|(k, f)| Row::of(k.clone(), f)).collect());
    let median = |f: &Figures| f.percentile(Stage::Response, 50.0).map(|x| x as f64).unwrap_or(f64::NAN);
    let change = Changes {
        count_vs_previous_pct: change_pct(total.count as f64, previous.count as f64),
        count_vs_last_year_pct: change_pct(total.count as f64, last_year.count as f64),
        response_p50_vs_previous_pct: change_pct(median(&total), median(&previous)),
        response_p50_vs_last_year_pct: change_pct(median(&total), median(&last_year)),
    };
    Ok(Review {
        from: p.from,
        to: p.to,
        definitions: DEFINITIONS,
        total: Row::of(String::new(), &total),
        previous_period: Row::of(String::new(), &previous),
        same_period_last_year: Row::of(String::new(), &last_year),
        change,
        breakdown,
    })
}

/// `GET /review?from=&to=[&station=&zone_class=&category=&channel=&priority=&hour=][&by=]`
pub async fn figures(State(state): State<AppState>, ApiQuery(q): ApiQuery<ReviewQuery>) -> Result<Response, ApiError> {
    Ok(Json(compute(&state, &q).await?).into_response())
}

/// `GET /review.csv?...&by=`: one line per group (or the whole selection).
pub async fn csv(State(state): State<AppState>, ApiQuery(q): ApiQuery<ReviewQuery>) -> Result<Response, ApiError> {
    let r = compute(&state, &q).await?;
    let rows = match r.breakdown {
        Some(rows) => rows,
        None => vec![r.total],
    };
    let by = q.by.as_deref().unwrap_or("selection");
    let mut out = format!(
        "{by},count,dispatch_p50_s,dispatch_p90_s,turnout_p50_s,turnout_p90_s,travel_p50_s,travel_p90_s,\
         response_p50_s,response_p90_s,compliance,closure_rate,cancelled_share\r\n"
    );
    let n = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
    let f = |v: Option<f64>| v.map(|x| format!("{x:.4}")).unwrap_or_default();
    for row in rows {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{}\r\n",
            csv_field(if row.key.is_empty() { "all" } else { &row.key }),
            row.count,
            n(row.dispatch_p50_s),
            n(row.dispatch_p90_s),
            n(row.turnout_p50_s),
            n(row.turnout_p90_s),
            n(row.travel_p50_s),
            n(row.travel_p90_s),
            n(row.response_p50_s),
            n(row.response_p90_s),
            f(row.compliance),
            f(row.closure_rate),
            f(row.cancelled_share),
        ));
    }
    let name = format!("attachment; filename=\"review-{}-{}-{by}.csv\"", r.from, r.to);
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, name)], out)
        .into_response())
}

/// A CSV field, quoted when it must be; a leading `=`, `+`, `-` or `@` is
/// escaped so a spreadsheet does not run it as a formula.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_owned() };
    if s.contains([',', '"', '\r', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}
