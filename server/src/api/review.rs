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
    let body = figures_csv(&by, r.breakdown.as_deref().unwrap_or(std::slice::from_ref(&r.total)))?;
    Ok(csv_response(format!("review-{}-{}-{by}.csv", r.from, r.to), body))
}

/// The figures table as CSV.
pub fn figures_csv(by: &str, rows: &[FigureRow]) -> Result<String, ApiError> {
    let mut t = Table::new();
    t.row([
        by,
        "label",
        "count",
        "dispatch_p50_s",
        "dispatch_p90_s",
        "turnout_p50_s",
        "turnout_p90_s",
        "travel_p50_s",
        "travel_p90_s",
        "response_p50_s",
        "response_p90_s",
        "compliance",
        "breached",
        "late_dispatch",
        "late_turnout",
        "late_travel",
        "met_core",
        "breached_core",
        "met_crowded",
        "breached_crowded",
        "met_other",
        "breached_other",
        "met_outside",
        "breached_outside",
        "closure_rate",
        "cancelled_share",
        "count_last_year",
        "count_vs_last_year_pct",
    ])?;
    let n = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
    let f = |v: Option<f64>| v.map(|x| format!("{x:.4}")).unwrap_or_default();
    for row in rows {
        let key = if row.key.is_empty() { "all" } else { &row.key };
        let mut cells = vec![
            text_cell(key),
            text_cell(&row.label),
            row.count.to_string(),
            n(row.dispatch_p50_s),
            n(row.dispatch_p90_s),
            n(row.turnout_p50_s),
            n(row.turnout_p90_s),
            n(row.travel_p50_s),
            n(row.travel_p90_s),
            n(row.response_p50_s),
            n(row.response_p90_s),
            f(row.compliance),
            row.breached.to_string(),
            row.late.dispatch.to_string(),
            row.late.turnout.to_string(),
            row.late.travel.to_string(),
        ];
        for class in ["core", "crowded", "other", "outside"] {
            let (met, breached) =
                row.compliance_by_zone_class.get(class).map(|z| (z.met, z.breached)).unwrap_or((0, 0));
            cells.push(met.to_string());
            cells.push(breached.to_string());
        }
        cells.extend([
            f(row.closure_rate),
            f(row.cancelled_share),
            row.count_last_year.map(|c| c.to_string()).unwrap_or_default(),
            f(row.count_vs_last_year_pct),
        ]);
        t.row(cells)?;
    }
    t.finish()
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
    let mut t = Table::new();
    t.row(std::iter::once("weekday".to_owned()).chain((0..24).map(|h| format!("{h:02}"))))?;
    for (w, row) in WEEKDAYS.iter().zip(&r.heat) {
        t.row(std::iter::once((*w).to_owned()).chain(row.iter().map(u64::to_string)))?;
    }
    Ok(csv_response(format!("review-{}-{}-heat.csv", r.from, r.to), t.finish()?))
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
    let mut t = Table::new();
    t.row(["date", "count", "breached"])?;
    for d in &r.days {
        t.row([d.date.clone(), d.count.to_string(), d.breached.to_string()])?;
    }
    Ok(csv_response(format!("review-{}-{}-days.csv", r.from, r.to), t.finish()?))
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
    let mut t = Table::new();
    t.row(["south", "west", "north", "east", "count"])?;
    for c in &r.hot_spots.cells {
        // the bin's `south,west,north,east`, one column each
        let count = c.count.to_string();
        t.row(c.bbox.split(',').chain([count.as_str()]))?;
    }
    Ok(csv_response(format!("review-{}-{}-hotspots.csv", r.from, r.to), t.finish()?))
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
    let mut t = Table::new();
    t.row([
        "id",
        "received",
        "category",
        "channel",
        "priority",
        "status",
        "station",
        "zone_class",
        "unit",
        "dispatch_s",
        "turnout_s",
        "travel_s",
        "response_s",
        "arrival",
        "late_stage",
        "address",
    ])?;
    let n = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
    for i in &l.incidents {
        t.row([
            i.id.to_string(),
            i.received.clone(),
            i.category.clone(),
            i.channel.clone(),
            i.priority.to_string(),
            i.status.clone(),
            text_cell(i.station.as_deref().unwrap_or("")),
            i.zone_class.clone().unwrap_or_else(|| "outside".into()),
            text_cell(i.unit.as_deref().unwrap_or("")),
            n(i.dispatch_s),
            n(i.turnout_s),
            n(i.travel_s),
            n(i.response_s),
            i.arrival.clone(),
            i.late_stage.clone().unwrap_or_default(),
            text_cell(&i.address),
        ])?;
    }
    Ok(csv_response(format!("review-{}-{}-incidents-p{}.csv", l.from, l.to, l.page), t.finish()?))
}

/// A CSV table (UTF-8, CRLF line ends, quoted where a cell must be) written
/// by `csv::Writer`.
struct Table(csv::Writer<Vec<u8>>);

impl Table {
    fn new() -> Table {
        Table(csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(vec![]))
    }

    fn row<I, T>(&mut self, cells: I) -> Result<(), ApiError>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        self.0.write_record(cells).map_err(csv_failed)
    }

    fn finish(self) -> Result<String, ApiError> {
        let bytes = self.0.into_inner().map_err(|e| csv_failed(e.into_error().into()))?;
        String::from_utf8(bytes).map_err(|e| {
            tracing::error!(error = %e, "a review CSV is not UTF-8");
            ApiError::Internal
        })
    }
}

fn csv_failed(e: csv::Error) -> ApiError {
    tracing::error!(error = %e, "writing a review CSV");
    ApiError::Internal
}

/// A text cell: a leading `=`, `+`, `-` or `@` is escaped so a spreadsheet
/// does not run it as a formula (the writer quotes what must be quoted).
fn text_cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_figures_csv_quotes_what_it_must_and_defuses_formulas() {
        let rows = [
            FigureRow { key: "JSL".into(), label: "金水, 城区".into(), count: 3, ..Default::default() },
            FigureRow { key: "=1+1".into(), label: "say \"hi\"".into(), count: 1, ..Default::default() },
        ];
        let csv = figures_csv("station", &rows).expect("written");
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert!(lines[0].starts_with("station,label,count,dispatch_p50_s,"), "{}", lines[0]);
        assert!(lines[1].starts_with("JSL,\"金水, 城区\",3,"), "{}", lines[1]);
        assert!(lines[2].starts_with("'=1+1,\"say \"\"hi\"\"\",1,"), "{}", lines[2]);
        assert_eq!(lines[3], "", "every line ends with CRLF");
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        let width = reader.headers().expect("a header").len();
        assert_eq!(width, 28);
        assert!(reader.records().all(|r| r.is_ok_and(|r| r.len() == width)));
    }
}
