//! The review over the API: `GET /review` (figures of a selection, its
//! comparisons, breakdown, calendar and hot spots), `GET /review/incidents`
//! (the incidents behind a figure), and a CSV for every table. The same
//! computation serves the `/review` pages (`crate::review`).

use app::review::{FigureRow, ReviewParams};
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::doc::Error;
use super::{ApiError, ApiQuery};
use crate::auth::layer::Caller;
use crate::review::ReviewError;
use crate::state::AppState;

impl From<ReviewError> for ApiError {
    fn from(e: ReviewError) -> Self {
        match e {
            ReviewError::Invalid(m) => ApiError::BadRequest(m),
            ReviewError::Store(e) => e.into(),
        }
    }
}

/// `GET /review?from=&to=[&station=&zone_class=&category=&channel=&unit=&priority=&hour=&weekday=&bbox=][&by=]`
#[utoipa::path(get, path = "/review",
    summary = "Response-time figures for a selection, with the previous period and the same period last year",
    description = "Percentiles are nearest-rank over whole seconds; the definitions come with every answer. Besides the figures: arrival compliance per zone class, breaches by late stage, the weekday x hour table (heat), incidents per day, a response-time histogram and hot-spot squares over the district.",
    params(ReviewParams),
    responses(
        (status = 200, description = "Figures", body = app::review::ReviewReport),
        (status = 400, response = Error),
    ))]
pub async fn figures(State(state): State<AppState>, ApiQuery(q): ApiQuery<ReviewParams>) -> Result<Response, ApiError> {
    Ok(Json(state.review.report(&q, false).await?).into_response())
}

/// `GET /review/incidents?...[&only=&order=&page=]`: the incidents behind a
/// figure, 100 a page.
#[utoipa::path(get, path = "/review/incidents",
    summary = "The incidents behind a review figure, 100 a page, with stage times, arrival and late stage",
    params(ReviewParams),
    responses(
        (status = 200, description = "total, page, pages and incidents", body = app::review::IncidentList),
        (status = 400, response = Error),
    ))]
pub async fn incidents(
    State(state): State<AppState>,
    who: Caller,
    ApiQuery(q): ApiQuery<ReviewParams>,
) -> Result<Response, ApiError> {
    let q = crate::guard::review_incidents_for(&who, q)?;
    Ok(Json(state.review.incidents(&q, false).await?).into_response())
}

fn csv_response(name: String, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        body,
    )
        .into_response()
}

/// `GET /review.csv?...&by=`: one line per group (or the whole selection).
#[utoipa::path(get, path = "/review.csv", summary = "The same figures as CSV, one line per group",
    params(ReviewParams),
    responses(
        (status = 200, description = "CSV (UTF-8, CRLF line ends; a cell a spreadsheet would run as a formula starts with `'`)", content_type = "text/csv", body = String),
        (status = 400, response = Error),
    ))]
pub async fn csv(State(state): State<AppState>, ApiQuery(q): ApiQuery<ReviewParams>) -> Result<Response, ApiError> {
    let r = state.review.report(&q, false).await?;
    let by = r.params.by.clone().filter(|b| !b.is_empty()).unwrap_or_else(|| "selection".into());
    let body = figures_csv(&by, r.breakdown.as_deref().unwrap_or(std::slice::from_ref(&r.total)));
    Ok(csv_response(format!("review-{}-{}-{by}.csv", r.from, r.to), body))
}

/// The figures table as CSV.
pub fn figures_csv(by: &str, rows: &[FigureRow]) -> String {
    let mut out = format!(
        "{by},label,count,dispatch_p50_s,dispatch_p90_s,turnout_p50_s,turnout_p90_s,travel_p50_s,travel_p90_s,\
         response_p50_s,response_p90_s,compliance,breached,late_dispatch,late_turnout,late_travel,\
         met_core,breached_core,met_crowded,breached_crowded,met_other,breached_other,met_outside,breached_outside,\
         closure_rate,cancelled_share,count_last_year,count_vs_last_year_pct\r\n"
    );
    let n = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
    let f = |v: Option<f64>| v.map(|x| format!("{x:.4}")).unwrap_or_default();
    for row in rows {
        let key = if row.key.is_empty() { "all" } else { &row.key };
        let zone = |c: &str| {
            row.compliance_by_zone_class.get(c).map(|z| format!("{},{}", z.met, z.breached)).unwrap_or("0,0".into())
        };
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\r\n",
            csv_field(key),
            csv_field(&row.label),
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
            row.breached,
            row.late.dispatch,
            row.late.turnout,
            row.late.travel,
            zone("core"),
            zone("crowded"),
            zone("other"),
            zone("outside"),
            f(row.closure_rate),
            f(row.cancelled_share),
            row.count_last_year.map(|c| c.to_string()).unwrap_or_default(),
            f(row.count_vs_last_year_pct),
        ));
    }
    out
}

/// `GET /review/heat.csv`: incidents per weekday (Monday first) × hour.
#[utoipa::path(get, path = "/review/heat.csv", summary = "Incidents per local weekday (Monday first) x hour, as CSV",
    params(ReviewParams),
    responses(
        (status = 200, description = "CSV (UTF-8, CRLF line ends; a cell a spreadsheet would run as a formula starts with `'`)", content_type = "text/csv", body = String),
        (status = 400, response = Error),
    ))]
pub async fn heat_csv(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ReviewParams>,
) -> Result<Response, ApiError> {
    let r = state.review.report(&q, false).await?;
    let mut out = String::from("weekday");
    for h in 0..24 {
        out.push_str(&format!(",{h:02}"));
    }
    out.push_str("\r\n");
    for (w, row) in WEEKDAYS.iter().zip(&r.heat) {
        out.push_str(w);
        for n in row {
            out.push_str(&format!(",{n}"));
        }
        out.push_str("\r\n");
    }
    Ok(csv_response(format!("review-{}-{}-heat.csv", r.from, r.to), out))
}

pub const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// `GET /review/days.csv`: incidents and breaches per local day.
#[utoipa::path(get, path = "/review/days.csv", summary = "Incidents and breaches per local day, as CSV",
    params(ReviewParams),
    responses(
        (status = 200, description = "CSV (UTF-8, CRLF line ends; a cell a spreadsheet would run as a formula starts with `'`)", content_type = "text/csv", body = String),
        (status = 400, response = Error),
    ))]
pub async fn days_csv(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ReviewParams>,
) -> Result<Response, ApiError> {
    let r = state.review.report(&q, false).await?;
    let mut out = String::from("date,count,breached\r\n");
    for d in &r.days {
        out.push_str(&format!("{},{},{}\r\n", d.date, d.count, d.breached));
    }
    Ok(csv_response(format!("review-{}-{}-days.csv", r.from, r.to), out))
}

/// `GET /review/hotspots.csv`: incidents per hot-spot bin (only bins with
/// incidents).
#[utoipa::path(get, path = "/review/hotspots.csv", summary = "Incidents per hot-spot square (south,west,north,east,count), as CSV",
    params(ReviewParams),
    responses(
        (status = 200, description = "CSV (UTF-8, CRLF line ends; a cell a spreadsheet would run as a formula starts with `'`)", content_type = "text/csv", body = String),
        (status = 400, response = Error),
    ))]
pub async fn hotspots_csv(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ReviewParams>,
) -> Result<Response, ApiError> {
    let r = state.review.report(&q, false).await?;
    let mut out = String::from("south,west,north,east,count\r\n");
    for c in &r.hot_spots.cells {
        out.push_str(&format!("{},{}\r\n", c.bbox, c.count));
    }
    Ok(csv_response(format!("review-{}-{}-hotspots.csv", r.from, r.to), out))
}

/// `GET /review/incidents.csv`: one page of the incidents behind a figure.
#[utoipa::path(get, path = "/review/incidents.csv", summary = "One page of the incidents behind a review figure, as CSV",
    params(ReviewParams),
    responses(
        (status = 200, description = "CSV (UTF-8, CRLF line ends; a cell a spreadsheet would run as a formula starts with `'`)", content_type = "text/csv", body = String),
        (status = 400, response = Error),
    ))]
pub async fn incidents_csv(
    State(state): State<AppState>,
    who: Caller,
    ApiQuery(q): ApiQuery<ReviewParams>,
) -> Result<Response, ApiError> {
    let q = crate::guard::review_incidents_for(&who, q)?;
    let l = state.review.incidents(&q, false).await?;
    let mut out = String::from(
        "id,received,category,channel,priority,status,station,zone_class,unit,dispatch_s,turnout_s,travel_s,\
         response_s,arrival,late_stage,address\r\n",
    );
    let n = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
    for i in &l.incidents {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\r\n",
            i.id,
            i.received,
            i.category,
            i.channel,
            i.priority,
            i.status,
            csv_field(i.station.as_deref().unwrap_or("")),
            i.zone_class.as_deref().unwrap_or("outside"),
            csv_field(i.unit.as_deref().unwrap_or("")),
            n(i.dispatch_s),
            n(i.turnout_s),
            n(i.travel_s),
            n(i.response_s),
            i.arrival,
            i.late_stage.as_deref().unwrap_or(""),
            csv_field(&i.address),
        ));
    }
    Ok(csv_response(format!("review-{}-{}-incidents-p{}.csv", l.from, l.to, l.page), out))
}

/// A CSV field, quoted when it must be; a leading `=`, `+`, `-` or `@` is
/// escaped so a spreadsheet does not run it as a formula.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_owned() };
    if s.contains([',', '"', '\r', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}
