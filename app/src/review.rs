//! The station chiefs' review as it travels from the server to the page and
//! the API: a selection's figures, its comparisons, breakdowns, the weekday
//! × hour table, the days, the hot-spot bins and the drill-down lists. The
//! numbers are computed on the server (`domain::review` defines them); these
//! types only carry them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A review's query as typed in the form or a link: every field text,
/// checked on the server. Empty fields count as absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams, utoipa::ToSchema), into_params(parameter_in = Query))]
pub struct ReviewParams {
    /// First day, local date YYYY-MM-DD.
    #[cfg_attr(feature = "ssr", param(value_type = String, format = Date, required = true))]
    pub from: Option<String>,
    /// Last day (inclusive), local date YYYY-MM-DD; at most 1,098 days after from.
    #[cfg_attr(feature = "ssr", param(value_type = String, format = Date, required = true))]
    pub to: Option<String>,
    /// One station code.
    pub station: Option<String>,
    /// core, crowded, other or outside.
    #[cfg_attr(feature = "ssr", param(value_type = Option<ZoneClassParam>))]
    pub zone_class: Option<String>,
    /// One incident category.
    #[cfg_attr(feature = "ssr", param(value_type = Option<domain::Category>))]
    pub category: Option<String>,
    /// One intake channel.
    #[cfg_attr(feature = "ssr", param(value_type = Option<domain::Channel>))]
    pub channel: Option<String>,
    /// The first unit dispatched, by callsign.
    pub unit: Option<String>,
    /// 1, 2 or 3.
    #[cfg_attr(feature = "ssr", param(value_type = Option<u8>, minimum = 1, maximum = 3))]
    pub priority: Option<String>,
    /// Local hour of the day the incidents were received.
    #[cfg_attr(feature = "ssr", param(value_type = Option<u8>, minimum = 0, maximum = 23))]
    pub hour: Option<String>,
    /// Local weekday the incidents were received, 0 = Monday.
    #[cfg_attr(feature = "ssr", param(value_type = Option<u8>, minimum = 0, maximum = 6))]
    pub weekday: Option<String>,
    /// Break the selection down by (figures and `review.csv`).
    #[cfg_attr(feature = "ssr", param(value_type = Option<ReviewBy>))]
    pub by: Option<String>,
    /// `south,west,north,east` in degrees: one hot-spot square.
    pub bbox: Option<String>,
    /// Drill-down lists only: only the incidents behind one figure.
    #[cfg_attr(feature = "ssr", param(value_type = Option<ReviewOnly>))]
    pub only: Option<String>,
    /// Drill-down lists only: `received` (newest first, the default) or a
    /// stage (longest first).
    #[cfg_attr(feature = "ssr", param(value_type = Option<ReviewOrder>))]
    pub order: Option<String>,
    /// Drill-down lists only: 1-based page of 100.
    #[cfg_attr(feature = "ssr", param(value_type = Option<u32>, minimum = 1))]
    pub page: Option<String>,
}

/// The values of the review's enumerated parameters, for the API document.
#[cfg(feature = "ssr")]
mod review_param_values {
    #![allow(dead_code)]

    /// A zone class, or `outside` (no zone).
    #[derive(utoipa::ToSchema)]
    #[schema(rename_all = "snake_case")]
    pub enum ZoneClassParam {
        Core,
        Crowded,
        Other,
        Outside,
    }

    /// What a selection is broken down by.
    #[derive(utoipa::ToSchema)]
    #[schema(rename_all = "snake_case")]
    pub enum ReviewBy {
        Station,
        ZoneClass,
        Category,
        Channel,
        Priority,
        Unit,
        Hour,
    }

    /// The incidents behind one figure.
    #[derive(utoipa::ToSchema)]
    #[schema(rename_all = "snake_case")]
    pub enum ReviewOnly {
        Breached,
        LateDispatch,
        LateTurnout,
        LateTravel,
        Closed,
        Cancelled,
        Dispatch,
        Turnout,
        Travel,
        Response,
    }

    /// The drill-down list's order.
    #[derive(utoipa::ToSchema)]
    #[schema(rename_all = "snake_case")]
    pub enum ReviewOrder {
        Received,
        Dispatch,
        Turnout,
        Travel,
        Response,
    }
}
#[cfg(feature = "ssr")]
pub use review_param_values::{ReviewBy, ReviewOnly, ReviewOrder, ZoneClassParam};

impl ReviewParams {
    /// The fields in query-string order, as (name, value), absent and empty
    /// ones left out.
    pub fn pairs(&self) -> Vec<(&'static str, &str)> {
        [
            ("from", &self.from),
            ("to", &self.to),
            ("station", &self.station),
            ("zone_class", &self.zone_class),
            ("category", &self.category),
            ("channel", &self.channel),
            ("unit", &self.unit),
            ("priority", &self.priority),
            ("hour", &self.hour),
            ("weekday", &self.weekday),
            ("by", &self.by),
            ("bbox", &self.bbox),
            ("only", &self.only),
            ("order", &self.order),
            ("page", &self.page),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_deref().filter(|v| !v.trim().is_empty()).map(|v| (k, v)))
        .collect()
    }

    /// The query string (without `?`).
    pub fn query(&self) -> String {
        self.pairs().iter().map(|(k, v)| format!("{k}={}", encode(v))).collect::<Vec<_>>().join("&")
    }

    /// A copy with one field set (`None` clears it).
    pub fn with(&self, field: &str, value: Option<&str>) -> ReviewParams {
        let mut p = self.clone();
        let v = value.map(str::to_owned);
        match field {
            "from" => p.from = v,
            "to" => p.to = v,
            "station" => p.station = v,
            "zone_class" => p.zone_class = v,
            "category" => p.category = v,
            "channel" => p.channel = v,
            "unit" => p.unit = v,
            "priority" => p.priority = v,
            "hour" => p.hour = v,
            "weekday" => p.weekday = v,
            "by" => p.by = v,
            "bbox" => p.bbox = v,
            "only" => p.only = v,
            "order" => p.order = v,
            "page" => p.page = v,
            _ => {}
        }
        p
    }

    /// The selection alone: the list-only fields and the breakdown cleared.
    pub fn selection(&self) -> ReviewParams {
        ReviewParams { by: None, only: None, order: None, page: None, ..self.clone() }
    }
}

/// Percent-encodes a query value (RFC 3986 unreserved characters kept).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Arrival compliance of one zone class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ZoneCompliance {
    pub met: u64,
    pub breached: u64,
    pub compliance: Option<f64>,
}

/// One row of figures: a whole selection or one group of a breakdown.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FigureRow {
    /// The group (empty for the whole selection).
    pub key: String,
    /// What people call the group (a station's name, a unit's callsign).
    pub label: String,
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
    pub compliance_by_zone_class: BTreeMap<String, ZoneCompliance>,
    pub breached: u64,
    /// Breaches by the stage that was late.
    pub late: LateStages,
    pub closed: u64,
    pub cancelled: u64,
    pub closure_rate: Option<f64>,
    pub cancelled_share: Option<f64>,
    /// Breakdowns only: the same group's count a year before, and the
    /// change in per cent ("fights −50% year on year").
    pub count_last_year: Option<u64>,
    pub count_vs_last_year_pct: Option<f64>,
}

/// Changes in per cent (`None`: nothing to compare with).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Changes {
    pub count_vs_previous_pct: Option<f64>,
    pub count_vs_last_year_pct: Option<f64>,
    pub response_p50_vs_previous_pct: Option<f64>,
    pub response_p50_vs_last_year_pct: Option<f64>,
    pub response_p90_vs_previous_pct: Option<f64>,
    pub response_p90_vs_last_year_pct: Option<f64>,
    /// Compliance change in percentage points.
    pub compliance_vs_previous_pts: Option<f64>,
    pub compliance_vs_last_year_pts: Option<f64>,
}

/// Breached incidents by the stage that was late.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LateStages {
    pub dispatch: u64,
    pub turnout: u64,
    pub travel: u64,
}

/// One local day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DayCount {
    pub date: String,
    pub count: u64,
    pub breached: u64,
}

/// One hot-spot bin with incidents in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct HotCell {
    /// `south,west,north,east` (for the drill-down link).
    pub bbox: String,
    /// Position on the hot-spot map, in its viewBox units.
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    pub count: u64,
}

/// The hot-spot map: square bins over the district's outline.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct HotSpots {
    pub bin_m: u32,
    pub width: f64,
    pub height: f64,
    /// SVG path data, one per station area.
    pub outlines: Vec<String>,
    pub cells: Vec<HotCell>,
    pub max: u64,
}

/// A choice in a filter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Choice {
    pub value: String,
    pub label: String,
}

/// What the filters offer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ReviewOptions {
    pub stations: Vec<Choice>,
    pub categories: Vec<Choice>,
    pub channels: Vec<Choice>,
    pub units: Vec<Choice>,
}

/// A review of one selection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ReviewReport {
    /// The query, checked and filled in (dates defaulted).
    pub params: ReviewParams,
    /// The same query over the previous period and the same dates last
    /// year (their figures link to their incidents too).
    pub previous_params: ReviewParams,
    pub last_year_params: ReviewParams,
    pub from: String,
    pub to: String,
    pub definitions: String,
    pub total: FigureRow,
    /// The same number of days just before (环比) and the same dates a year
    /// before (同比).
    pub previous_period: FigureRow,
    pub same_period_last_year: FigureRow,
    pub change: Changes,
    pub late: LateStages,
    pub breakdown: Option<Vec<FigureRow>>,
    /// Incidents per weekday (Monday first) × hour.
    pub heat: Vec<Vec<u64>>,
    pub days: Vec<DayCount>,
    /// Response times, whole seconds, in 30-second bins: (bin start, count);
    /// the last bin holds everything from its start on.
    pub response_histogram: Vec<(i64, u64)>,
    pub hot_spots: HotSpots,
    pub options: ReviewOptions,
    /// Targets, for the page's captions.
    pub dispatch_target_s: u32,
    pub turnout_target_s: u32,
    pub arrival_targets_s: BTreeMap<String, u32>,
}

/// One incident in a drill-down list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ListedIncident {
    pub id: i64,
    /// Local time, `YYYY-MM-DD HH:MM:SS`.
    pub received: String,
    pub category: String,
    pub channel: String,
    pub priority: i64,
    pub status: String,
    pub station: Option<String>,
    pub zone_class: Option<String>,
    pub address: String,
    pub unit: Option<String>,
    pub dispatch_s: Option<i64>,
    pub turnout_s: Option<i64>,
    pub travel_s: Option<i64>,
    pub response_s: Option<i64>,
    /// Arrival: `met`, `breached` or `excluded`.
    pub arrival: String,
    /// For a breached incident, the stage that was late.
    pub late_stage: Option<String>,
}

/// A page of the incidents behind a figure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct IncidentList {
    pub params: ReviewParams,
    pub from: String,
    pub to: String,
    /// How many in all (the figure clicked).
    pub total: u64,
    pub page: u64,
    pub pages: u64,
    pub incidents: Vec<ListedIncident>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_strings_leave_out_empty_fields_and_encode_values() {
        let p = ReviewParams {
            from: Some("2026-10-01".into()),
            station: Some(String::new()),
            bbox: Some("25.1,110.2,25.2,110.3".into()),
            unit: Some("巡 1".into()),
            ..Default::default()
        };
        assert_eq!(p.query(), "from=2026-10-01&unit=%E5%B7%A1%201&bbox=25.1%2C110.2%2C25.2%2C110.3");
        let q = p.with("by", Some("station")).with("unit", None);
        assert_eq!(q.query(), "from=2026-10-01&by=station&bbox=25.1%2C110.2%2C25.2%2C110.3");
        assert_eq!(q.with("page", Some("2")).selection().query(), "from=2026-10-01&bbox=25.1%2C110.2%2C25.2%2C110.3");
    }
}

/// Patrol compliance over a period: openings of must-patrol windows that
/// ended, and how many had a check-in, by station and by point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PatrolReport {
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
    pub stations: Vec<ComplianceRow>,
    pub points: Vec<ComplianceRow>,
    /// The same openings by station, counting only check-ins by volunteer
    /// and security units (群防群治), shown separately.
    #[serde(default)]
    pub volunteers: Vec<ComplianceRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ComplianceRow {
    /// The station's or the point's code.
    pub key: String,
    pub name: String,
    pub station: String,
    pub openings: u32,
    pub visited: u32,
    pub share: Option<f64>,
}

/// The review's community-policing section: notices published per month
/// and station with their deliveries, and the monthly tasks' progress by
/// officer (a chief: their station's officers).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CommunityReview {
    pub notices: Vec<NoticeMonthRow>,
    pub tasks: Vec<TaskProgressRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoticeMonthRow {
    pub month: String,
    pub station: String,
    pub published: i64,
    pub delivered: i64,
    pub failed: i64,
    pub pending: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskProgressRow {
    pub month: String,
    pub station: String,
    pub unit: String,
    pub total: i64,
    pub open: i64,
    pub submitted: i64,
    pub accepted: i64,
    pub returned: i64,
    pub overdue: i64,
}
