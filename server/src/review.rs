//! The station chiefs' review, shared by the `/review` pages and the REST
//! API: a query checked at the edge ([`parse`]), the report of a selection
//! ([`report`]) and the incidents behind a figure ([`incidents`]). Figures
//! come from `Store::tally` (one pass in the database); definitions are in
//! `domain::review`.

use std::collections::BTreeMap;
use std::str::FromStr;

use app::review::{
    Changes, Choice, DayCount, FigureRow, HotCell, HotSpots, IncidentList, LateStages, ListedIncident, ReviewOptions,
    ReviewParams, ReviewReport, ZoneCompliance,
};
use chrono::{DateTime, Months, NaiveDate, Utc};
use domain::review::{Arrival, CLASS_NAMES, Figures, Grid, Outcome, Stage, StageTimes, TallySpec, change_pct};
use domain::time::{DateRange, LocalClock};
use domain::{Category, Channel, Coordinates, ResponseClass, StationCode};

use crate::engine::EngineHandle;
use crate::store::review::{Dimension, ListOrder, Only, Selection};
use crate::store::{Store, StoreError};

/// Why a review query was refused (a 400 for the API, a message on the page).
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn invalid(msg: impl Into<String>) -> ReviewError {
    ReviewError::Invalid(msg.into())
}

/// Incidents per drill-down page.
pub const PAGE_SIZE: i64 = 100;

pub const DEFINITIONS: &str = "Stages: dispatch = received to first unit dispatched; turnout = dispatched to \
     first unit en route; travel = en route to first unit on scene; response = received to first unit on scene. \
     Durations in whole seconds, truncated. Percentiles by nearest rank: the p-th percentile of n values is the \
     value at rank ceil(p*n/100) in ascending order; a stage never reached is left out. Compliance = met / (met + \
     breached): met when a unit was on scene within the arrival target of the zone class; breached when late or \
     never reached; incidents cancelled before arrival are excluded. The late stage of a breach is the first stage \
     over its own target (dispatch, then turnout), else travel. Closure rate = resolved or closed / count.";

/// A checked query.
pub struct Parsed {
    pub sel: Selection,
    pub previous: Selection,
    pub last_year: Selection,
    pub by: Option<Dimension>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub order: ListOrder,
    pub page: u64,
    /// The query as understood (dates filled in).
    pub params: ReviewParams,
    /// The same query over the previous period and last year's dates.
    pub previous_params: ReviewParams,
    pub last_year_params: ReviewParams,
}

fn field(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn short(s: &str) -> String {
    s.chars().take(40).collect()
}

fn number<T: FromStr + PartialOrd + std::fmt::Display>(
    name: &str,
    v: &Option<String>,
    lo: T,
    hi: T,
) -> Result<Option<T>, ReviewError> {
    let Some(s) = field(v) else { return Ok(None) };
    match s.parse::<T>() {
        Ok(n) if n >= lo && n <= hi => Ok(Some(n)),
        _ => Err(invalid(format!("{name} must be a whole number from {lo} to {hi}, got {:?}", short(s)))),
    }
}

/// Checks a query. Without dates the last 30 whole local days (up to
/// yesterday) are used when `default_dates`, else they are required.
pub async fn parse(
    store: &Store,
    q: &ReviewParams,
    offset_minutes: i32,
    now: DateTime<Utc>,
    default_dates: bool,
) -> Result<Parsed, ReviewError> {
    let clock = LocalClock::new(offset_minutes);
    // the API names its period; pages default to the last 30 whole days
    if !default_dates {
        match (field(&q.from), field(&q.to)) {
            (None, _) => return Err(invalid("from is required (a date like 2026-11-01)")),
            (_, None) => return Err(invalid("to is required (a date like 2026-11-30)")),
            _ => {}
        }
    }
    let range = DateRange::parse(field(&q.from), field(&q.to), clock.date(now)).map_err(|e| invalid(e.to_string()))?;
    let (from, to) = (range.from, range.to);
    let station = field(&q.station).map(StationCode::parse).transpose().map_err(|e| invalid(e.to_string()))?;
    if let Some(code) = &station
        && !store.station_exists(code.as_str()).await?
    {
        return Err(invalid(format!("no station has the code {:?}", short(code.as_str()))));
    }
    let zone_class = match field(&q.zone_class) {
        None => None,
        Some(z) if CLASS_NAMES.contains(&z) => Some(z.to_owned()),
        Some(z) => {
            return Err(invalid(format!("zone_class must be core, crowded, other or outside, got {:?}", short(z))));
        }
    };
    let category = field(&q.category).map(Category::from_str).transpose().map_err(|e| invalid(e.to_string()))?;
    let channel = field(&q.channel).map(Channel::from_str).transpose().map_err(|e| invalid(e.to_string()))?;
    let priority = number::<i64>("priority", &q.priority, 1, 3)?;
    let hour = number::<u32>("hour", &q.hour, 0, 23)?;
    let weekday = number::<u32>("weekday", &q.weekday, 0, 6)?;
    let by = match field(&q.by) {
        None => None,
        Some(b) => Some(
            Dimension::parse(b)
                .ok_or_else(|| invalid(format!("by must be {}, got {:?}", Dimension::NAMES, short(b))))?,
        ),
    };
    let only = match field(&q.only) {
        None => None,
        Some(o) => {
            Some(Only::parse(o).ok_or_else(|| invalid(format!("only must be {}, got {:?}", Only::NAMES, short(o))))?)
        }
    };
    let order = match field(&q.order) {
        None | Some("received") => ListOrder::Received,
        Some(o) => Stage::ALL.into_iter().find(|s| s.as_str() == o).map(ListOrder::Stage).ok_or_else(|| {
            invalid(format!("order must be received, dispatch, turnout, travel or response, got {:?}", short(o)))
        })?,
    };
    let page = number::<u64>("page", &q.page, 1, 1_000_000)?.unwrap_or(1);
    let bbox = match field(&q.bbox) {
        None => None,
        Some(b) => {
            let parts: Vec<f64> = b.split(',').filter_map(|x| x.trim().parse().ok()).collect();
            let ok = parts.len() == 4
                && Coordinates::parse(parts[0], parts[1]).is_ok()
                && Coordinates::parse(parts[2], parts[3]).is_ok()
                && parts[0] < parts[2]
                && parts[1] < parts[3];
            if !ok {
                return Err(invalid(format!(
                    "bbox must be south,west,north,east in degrees with south < north and west < east, got {:?}",
                    short(b)
                )));
            }
            Some((parts[0], parts[1], parts[2], parts[3]))
        }
    };
    let unit = match field(&q.unit) {
        None => None,
        Some(callsign) => {
            let units = store.unit_callsigns().await?;
            Some(
                units
                    .iter()
                    .find(|(_, c)| c == callsign)
                    .map(|(id, _)| *id)
                    .ok_or_else(|| invalid(format!("no unit has the callsign {:?}", short(callsign))))?,
            )
        }
    };
    // local midnight to local midnight, as UTC milliseconds
    let (start, end) = range.bounds(clock);
    let sel = Selection {
        from_ms: start.timestamp_millis(),
        to_ms: end.timestamp_millis(),
        station: station.map(|s| s.as_str().to_owned()),
        zone_class,
        category: category.map(|c| c.as_str().to_owned()),
        channel: channel.map(|c| c.as_str().to_owned()),
        priority,
        unit,
        hour,
        weekday,
        bbox,
        only,
    };
    // the same number of days just before, and the same dates a year before
    let ms = |d: NaiveDate| clock.day_start(d).timestamp_millis();
    let span = chrono::Duration::days(range.days());
    let previous = Selection { from_ms: ms(from - span), to_ms: ms(from), ..sel.clone() };
    let year_ago = |d: NaiveDate| d.checked_sub_months(Months::new(12)).unwrap_or(d);
    let next = |d: NaiveDate| d.succ_opt().unwrap_or(d);
    let last_year = Selection { from_ms: ms(year_ago(from)), to_ms: ms(next(year_ago(to))), ..sel.clone() };
    let mut params = q.clone();
    params.from = Some(from.to_string());
    params.to = Some(to.to_string());
    let dated = |f: NaiveDate, t: NaiveDate| {
        let mut p = params.clone();
        p.from = Some(f.to_string());
        p.to = Some(t.to_string());
        p
    };
    let previous_params = dated(from - span, from.pred_opt().unwrap_or(from));
    let last_year_params = dated(year_ago(from), year_ago(to));
    Ok(Parsed { sel, previous, last_year, by, from, to, order, page, params, previous_params, last_year_params })
}

fn row(key: String, label: String, f: &Figures) -> FigureRow {
    let p = |s: Stage, q: f64| f.percentile(s, q);
    FigureRow {
        key,
        label,
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
            .zip(CLASS_NAMES)
            .filter(|((m, b), _)| m + b > 0)
            .map(|((m, b), name)| {
                let c = domain::review::ratio(*m, m + b);
                (name.to_owned(), ZoneCompliance { met: *m, breached: *b, compliance: c })
            })
            .collect(),
        breached: f.breached(),
        late: LateStages { dispatch: f.late[0], turnout: f.late[1], travel: f.late[2] },
        closed: f.closed,
        cancelled: f.cancelled,
        closure_rate: f.closure_rate(),
        cancelled_share: f.cancelled_share(),
        count_last_year: None,
        count_vs_last_year_pct: None,
    }
}

/// (south, west, north, east) in degrees.
type Bounds = (f64, f64, f64, f64);

/// The response-time review: figures, comparisons, breakdowns and
/// drill-downs over the store's history, by the engine's rules.
#[derive(Clone)]
pub struct Review {
    store: Store,
    engine: EngineHandle,
}

impl Review {
    pub fn new(store: Store, engine: EngineHandle) -> Review {
        Review { store, engine }
    }

    /// The district's box, the grid over it, and the bin size in metres.
    pub fn grid_of(&self) -> Option<(Grid, u32, Bounds)> {
        let district = &self.engine.shared().district;
        let (sw, ne) = district.bounds()?;
        let span_m = sw
            .distance_m(Coordinates::parse(sw.lat(), ne.lon()).ok()?)
            .max(sw.distance_m(Coordinates::parse(ne.lat(), sw.lon()).ok()?));
        // about 40 bins across, in whole 50 m
        let bin_m = ((span_m / 40.0 / 50.0).ceil() * 50.0).max(100.0) as u32;
        let grid = Grid::over(sw, ne, f64::from(bin_m), 10_000)?;
        Some((grid, bin_m, (sw.lat(), sw.lon(), ne.lat(), ne.lon())))
    }

    /// The review of a selection: figures, comparisons, breakdown, calendar,
    /// response histogram and hot spots.
    pub async fn report(&self, q: &ReviewParams, default_dates: bool) -> Result<ReviewReport, ReviewError> {
        let settings = &self.engine.shared().settings;
        let offset = settings.utc_offset_minutes;
        let policy = settings.policy.clone();
        let store = &self.store;
        let p = parse(store, q, offset, Utc::now(), default_dates).await?;
        let grid = self.grid_of();
        let main_spec = TallySpec {
            groups: false,
            calendar: true,
            grid: grid.map(|g| g.0),
            offset_minutes: offset,
            policy: policy.clone(),
        };
        let plain = TallySpec { grid: None, calendar: false, ..main_spec.clone() };
        // a year's previous period is the same dates last year: count it once
        let same = (p.previous.from_ms, p.previous.to_ms) == (p.last_year.from_ms, p.last_year.to_ms);
        let (main, last_year) =
            tokio::try_join!(store.tally(&p.sel, p.by, &main_spec), store.tally(&p.last_year, p.by, &plain))?;
        let previous = if same { last_year.clone() } else { store.tally(&p.previous, None, &plain).await? };

        // names for groups and filters
        let stations: Vec<Choice> = self
            .engine
            .shared()
            .district
            .stations
            .iter()
            .map(|s| Choice { value: s.code.as_str().to_owned(), label: s.name.clone() })
            .collect();
        let units = store.unit_callsigns().await?;
        let label = |key: &str| -> String {
            match p.by {
                Some(Dimension::Station) => {
                    stations.iter().find(|c| c.value == key).map(|c| c.label.clone()).unwrap_or_else(|| key.to_owned())
                }
                Some(Dimension::Unit) => key
                    .parse::<i64>()
                    .ok()
                    .and_then(|id| units.iter().find(|(u, _)| *u == id))
                    .map(|(_, c)| c.clone())
                    .unwrap_or_else(|| key.to_owned()),
                _ => key.to_owned(),
            }
        };
        let breakdown = p.by.map(|_| {
            let mut rows: Vec<FigureRow> = main
                .groups
                .iter()
                .map(|(k, f)| {
                    let mut r = row(k.clone(), label(k), f);
                    // a unit group's key is its callsign in links and the CSV
                    if p.by == Some(Dimension::Unit) && k != "none" {
                        r.key = r.label.clone();
                    }
                    let before = last_year.groups.get(k).map(|f| f.count).unwrap_or(0);
                    r.count_last_year = Some(before);
                    r.count_vs_last_year_pct = change_pct(f.count as f64, before as f64);
                    r
                })
                .collect();
            rows.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
            rows
        });

        let (total, prev, ly) = (&main.total, &previous.total, &last_year.total);
        let pct = |now: Option<i64>, before: Option<i64>| match (now, before) {
            (Some(n), Some(b)) => change_pct(n as f64, b as f64),
            _ => None,
        };
        let pts = |now: Option<f64>, before: Option<f64>| now.zip(before).map(|(n, b)| (n - b) * 100.0);
        let change = Changes {
            count_vs_previous_pct: change_pct(total.count as f64, prev.count as f64),
            count_vs_last_year_pct: change_pct(total.count as f64, ly.count as f64),
            response_p50_vs_previous_pct: pct(
                total.percentile(Stage::Response, 50.0),
                prev.percentile(Stage::Response, 50.0),
            ),
            response_p50_vs_last_year_pct: pct(
                total.percentile(Stage::Response, 50.0),
                ly.percentile(Stage::Response, 50.0),
            ),
            response_p90_vs_previous_pct: pct(
                total.percentile(Stage::Response, 90.0),
                prev.percentile(Stage::Response, 90.0),
            ),
            response_p90_vs_last_year_pct: pct(
                total.percentile(Stage::Response, 90.0),
                ly.percentile(Stage::Response, 90.0),
            ),
            compliance_vs_previous_pts: pts(total.compliance(), prev.compliance()),
            compliance_vs_last_year_pts: pts(total.compliance(), ly.compliance()),
        };

        // every day of the period, empty ones too
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
        let mut days = vec![];
        let mut d = p.from;
        while d <= p.to {
            let n = (d - epoch).num_days();
            let (count, breached) = main.day(n);
            days.push(DayCount { date: d.to_string(), count, breached });
            d = match d.succ_opt() {
                Some(x) => x,
                None => break,
            };
        }

        // response times in 30 s bins up to 15 minutes, the rest in the last
        let mut histogram: Vec<(i64, u64)> = (0..=30).map(|i| (i * 30, 0)).collect();
        for (s, c) in total.stage(Stage::Response).iter() {
            let i = (s / 30).clamp(0, 30) as usize;
            histogram[i].1 += c;
        }

        let hot_spots = match grid {
            Some((g, bin_m, (south, west, north, east))) => {
                let width = 1000.0;
                let mid = ((south + north) / 2.0).to_radians().cos();
                let height = (width * (north - south) / ((east - west) * mid)).round();
                let x = |lon: f64| (lon - west) / (east - west) * width;
                let y = |lat: f64| (north - lat) / (north - south) * height;
                let outlines = self
                    .engine
                    .shared()
                    .district
                    .stations
                    .iter()
                    .map(|s| {
                        let mut d = String::new();
                        for (i, c) in s.area.ring().iter().enumerate() {
                            d.push_str(&format!(
                                "{}{:.1},{:.1} ",
                                if i == 0 { 'M' } else { 'L' },
                                x(c.lon()),
                                y(c.lat())
                            ));
                        }
                        d.push('Z');
                        d
                    })
                    .collect();
                let cells: Vec<HotCell> = main
                    .cells()
                    .map(|(cell, n)| {
                        let (s, w, n_, e) = g.bounds(cell);
                        HotCell {
                            bbox: format!("{s:.6},{w:.6},{n_:.6},{e:.6}"),
                            x: x(w),
                            y: y(n_),
                            w: x(e) - x(w),
                            h: y(s) - y(n_),
                            count: n,
                        }
                    })
                    .collect();
                let max = cells.iter().map(|c| c.count).max().unwrap_or(0);
                HotSpots { bin_m, width, height, outlines, cells, max }
            }
            None => HotSpots::default(),
        };

        let options = ReviewOptions {
            stations: stations.clone(),
            categories: Category::ALL
                .iter()
                .map(|c| Choice { value: c.as_str().into(), label: c.as_str().into() })
                .collect(),
            channels: Channel::ALL
                .iter()
                .map(|c| Choice { value: c.as_str().into(), label: c.as_str().into() })
                .collect(),
            units: units.iter().map(|(_, c)| Choice { value: c.clone(), label: c.clone() }).collect(),
        };
        let arrival_targets_s = CLASS_NAMES
            .iter()
            .map(|n| (n.to_string(), policy.arrival_target_s(n.parse::<ResponseClass>().ok())))
            .collect::<BTreeMap<_, _>>();
        Ok(ReviewReport {
            params: p.params.clone(),
            previous_params: p.previous_params.clone(),
            last_year_params: p.last_year_params.clone(),
            from: p.from.to_string(),
            to: p.to.to_string(),
            definitions: DEFINITIONS.to_owned(),
            total: row(String::new(), String::new(), total),
            previous_period: row(String::new(), String::new(), prev),
            same_period_last_year: row(String::new(), String::new(), ly),
            change,
            late: LateStages { dispatch: total.late[0], turnout: total.late[1], travel: total.late[2] },
            breakdown,
            heat: main.heat.iter().map(|r| r.to_vec()).collect(),
            days,
            response_histogram: histogram,
            hot_spots,
            options,
            dispatch_target_s: policy.dispatch_s,
            turnout_target_s: policy.turnout_s,
            arrival_targets_s,
        })
    }

    /// One page of the incidents behind a figure.
    pub async fn incidents(&self, q: &ReviewParams, default_dates: bool) -> Result<IncidentList, ReviewError> {
        let settings = &self.engine.shared().settings;
        let offset = settings.utc_offset_minutes;
        let policy = &settings.policy;
        let p = parse(&self.store, q, offset, Utc::now(), default_dates).await?;
        let skip = (p.page as i64 - 1) * PAGE_SIZE;
        let (total, rows) = self.store.review_incidents(&p.sel, p.order, PAGE_SIZE, skip, policy, offset).await?;
        let local = |ms: i64| {
            DateTime::<Utc>::from_timestamp_millis(ms + i64::from(offset) * 60_000)
                .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                .unwrap_or_default()
        };
        let incidents = rows
            .into_iter()
            .map(|r| {
                let times = StageTimes {
                    received_ms: r.received_at,
                    dispatched_ms: r.dispatched_at,
                    en_route_ms: r.en_route_at,
                    on_scene_ms: r.on_scene_at,
                    cancelled_ms: r.cancelled_at,
                };
                let class = r.zone_class.as_deref().and_then(|c| c.parse::<ResponseClass>().ok());
                let outcome = Outcome::of_status(r.status.as_str());
                let review_row = domain::review::ReviewRow { times, outcome, zone_class: class };
                let arrival = match Arrival::of(&times, policy.arrival_target_s(class)) {
                    Arrival::Met => "met",
                    Arrival::Breached => "breached",
                    Arrival::Excluded => "excluded",
                };
                ListedIncident {
                    id: r.id,
                    received: local(r.received_at),
                    category: r.category,
                    channel: r.channel,
                    priority: r.priority,
                    status: r.status,
                    station: r.station,
                    zone_class: r.zone_class,
                    address: r.address,
                    unit: r.unit,
                    dispatch_s: Stage::Dispatch.seconds(&times),
                    turnout_s: Stage::Turnout.seconds(&times),
                    travel_s: Stage::Travel.seconds(&times),
                    response_s: Stage::Response.seconds(&times),
                    arrival: arrival.to_owned(),
                    late_stage: domain::review::late_stage(&review_row, policy).map(|s| s.as_str().to_owned()),
                }
            })
            .collect();
        let pages = total.div_ceil(PAGE_SIZE as u64).max(1);
        Ok(IncidentList {
            params: p.params,
            from: p.from.to_string(),
            to: p.to.to_string(),
            total,
            page: p.page,
            pages,
            incidents,
        })
    }
}
