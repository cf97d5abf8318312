//! `/plan`: the deployment planner for the command room and station chiefs.
//!
//! A plain GET form (works without JavaScript; a printable page): a period
//! of past incidents and a band of hours, the units to post by kind, and
//! the candidate posts (must-patrol points, landmarks, positions typed in
//! or clicked on the map by `/plan.js`). The answer: where to post each
//! unit so that the most incidents, weighted by priority, fall inside
//! their zone class's arrival target (greedy, then swaps; the exact optimum
//! beside it when the instance is small enough to enumerate), and the
//! what-if replay of the period's incidents against that deployment beside
//! what actually happened, drawn on the map.
//!
//! ETAs are the ranking's: routed when the deployment has a road network,
//! the straight-line model otherwise.

use std::fmt::Write;

use axum::Extension;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::access::{Permission, Principal, Scope};
use domain::plan::{self, HourBand, Instance, PastIncident};
use domain::time::{DateRange, LocalClock};
use domain::{Coordinates, UnitKind, UnitStatus};
use serde::Deserialize;

use crate::state::AppState;
use crate::store::plan::PlanRow;
use crate::web::esc;

#[derive(Debug, Default, Deserialize)]
pub struct PlanQuery {
    from: Option<String>,
    to: Option<String>,
    hours: Option<String>,
    units: Option<String>,
    points: Option<String>,
    landmarks: Option<String>,
    extra: Option<String>,
    /// Present once the form has been sent (then unticked boxes mean no).
    run: Option<String>,
    // the review's selection (see `crate::review::parse`)
    station: Option<String>,
    zone_class: Option<String>,
    category: Option<String>,
    channel: Option<String>,
    priority: Option<String>,
    weekday: Option<String>,
    unit: Option<String>,
}

/// The most units, candidate posts and typed-in posts a plan takes.
const MAX_UNITS: usize = 200;
const MAX_CANDIDATES: usize = 300;
const MAX_EXTRA: usize = 50;
/// Postings the exact optimum may enumerate before the page says it skipped it.
const EXACT_LIMIT: u64 = 200_000;

/// A checked request.
struct Params {
    range: DateRange,
    hours: HourBand,
    units: Vec<(UnitKind, usize)>,
    points: bool,
    landmarks: bool,
    extra: Vec<Coordinates>,
    extra_text: String,
}

fn parse_units(s: &str) -> Result<Vec<(UnitKind, usize)>, String> {
    let mut out: Vec<(UnitKind, usize)> = vec![];
    for part in s.split([',', ' ', '\n']).map(str::trim).filter(|p| !p.is_empty()) {
        let (k, n) = part.split_once('=').ok_or_else(|| format!("units: {part:?} is not kind=count, e.g. car=3"))?;
        let kind: UnitKind = k.trim().parse().map_err(|e| format!("units: {e}"))?;
        let n: usize = n.trim().parse().map_err(|_| format!("units: {part:?}: the count must be a whole number"))?;
        match out.iter_mut().find(|(x, _)| *x == kind) {
            Some(row) => row.1 += n,
            None => out.push((kind, n)),
        }
    }
    let total: usize = out.iter().map(|(_, n)| n).sum();
    if total == 0 || total > MAX_UNITS {
        return Err(format!("units: post between 1 and {MAX_UNITS} units in all, got {total}"));
    }
    Ok(out)
}

fn parse_extra(s: &str) -> Result<Vec<Coordinates>, String> {
    let mut out = vec![];
    for (i, line) in s.lines().map(str::trim).filter(|l| !l.is_empty()).enumerate() {
        if i >= MAX_EXTRA {
            return Err(format!("posts: at most {MAX_EXTRA} positions may be typed in"));
        }
        let mut nums = line.split([',', ' ', '\t']).filter(|t| !t.is_empty()).map(str::parse::<f64>);
        let (Some(Ok(lat)), Some(Ok(lon)), None) = (nums.next(), nums.next(), nums.next()) else {
            return Err(format!("posts, line {}: {line:?} is not \"lat, lon\"", i + 1));
        };
        out.push(Coordinates::parse(lat, lon).map_err(|e| format!("posts, line {}: {e}", i + 1))?);
    }
    Ok(out)
}

/// The units a caller may post: of their scope, not fixed posts.
fn postable(state: &AppState, scope: &Scope) -> Vec<app::wire::UnitView> {
    let mut units = state.engine.units();
    units.retain(|u| u.kind != UnitKind::Post && !matches!(scope, Scope::Station(own) if &u.station != own));
    units
}

/// The units a caller may post when the status log says nothing: those
/// on duty now, by kind.
fn default_units(state: &AppState, scope: &Scope) -> Vec<(UnitKind, usize)> {
    let mut out: Vec<(UnitKind, usize)> = vec![];
    for u in postable(state, scope) {
        if matches!(u.status, UnitStatus::OffDuty | UnitStatus::OutOfService) {
            continue;
        }
        match out.iter_mut().find(|(k, _)| *k == u.kind) {
            Some(row) => row.1 += 1,
            None => out.push((u.kind, 1)),
        }
    }
    out
}

/// How many units of each kind (not fixed posts) of the caller's scope
/// were on duty in the band's hours, on average over the period, from the
/// status log.
async fn on_duty_by_kind(
    state: &AppState,
    scope: &Scope,
    p: &Params,
    clock: LocalClock,
) -> Result<Vec<(UnitKind, f64)>, crate::store::StoreError> {
    let windows = p.hours.windows(&p.range, clock);
    let (Some(first), Some(last)) = (windows.first(), windows.last()) else { return Ok(vec![]) };
    let mut out: Vec<(UnitKind, f64)> = vec![];
    for u in postable(state, scope) {
        let (start, changes) = state.store.unit_status_history(u.id.0, first.0, last.1).await?;
        let parse = |s: &str| s.parse::<UnitStatus>().unwrap_or(UnitStatus::OffDuty);
        let changes: Vec<(i64, UnitStatus)> = changes.iter().map(|(at, s)| (*at, parse(s))).collect();
        let share = plan::on_duty_share(&windows, parse(&start), &changes);
        match out.iter_mut().find(|(k, _)| *k == u.kind) {
            Some(row) => row.1 += share,
            None => out.push((u.kind, share)),
        }
    }
    out.sort_by_key(|(k, _)| UnitKind::ALL.iter().position(|x| x == k));
    Ok(out)
}

fn units_text(units: &[(UnitKind, usize)]) -> String {
    units.iter().map(|(k, n)| format!("{k}={n}")).collect::<Vec<_>>().join(", ")
}

fn params(q: &PlanQuery, clock: LocalClock) -> Result<Params, String> {
    let today = clock.date(chrono::Utc::now());
    let range = DateRange::parse(q.from.as_deref(), q.to.as_deref(), today).map_err(|e| e.to_string())?;
    let hours = match q.hours.as_deref().map(str::trim).filter(|h| !h.is_empty()) {
        Some(h) => HourBand::parse(h).map_err(|e| e.to_string())?,
        None => HourBand::ALL_DAY,
    };
    // none named: the units on duty in these hours in the period (below)
    let units = match q.units.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        Some(u) => parse_units(u)?,
        None => vec![],
    };
    let sent = q.run.is_some();
    let extra_text = q.extra.clone().unwrap_or_default();
    Ok(Params {
        range,
        hours,
        units,
        points: !sent || q.points.is_some(),
        landmarks: !sent || q.landmarks.is_some(),
        extra: parse_extra(&extra_text)?,
        extra_text,
    })
}

/// A candidate post: its label and position.
struct Candidate {
    label: String,
    at: Coordinates,
}

fn candidates(state: &AppState, p: &Params, scope: &Scope) -> Vec<Candidate> {
    let map = &state.map;
    let own_area = match scope {
        Scope::Station(own) => map.stations.iter().find(|s| &s.code == own).map(|s| s.area.clone()),
        _ => None,
    };
    let inside = |at: Coordinates| own_area.as_ref().is_none_or(|a| a.contains(at));
    let mut out = vec![];
    if p.points {
        for pt in state.engine.patrol_points().iter() {
            if inside(pt.at) {
                out.push(Candidate { label: format!("{} {}", pt.code, pt.name), at: pt.at });
            }
        }
    }
    if p.landmarks {
        for l in &map.landmarks {
            if inside(l.at) {
                out.push(Candidate { label: l.name.clone(), at: l.at });
            }
        }
    }
    for (i, at) in p.extra.iter().enumerate() {
        out.push(Candidate { label: format!("#{} ({:.5}, {:.5})", i + 1, at.lat(), at.lon()), at: *at });
    }
    out.truncate(MAX_CANDIDATES);
    out
}

/// What the page shows.
struct Outcome {
    incidents: Vec<PastIncident>,
    weights: Vec<f64>,
    greedy: plan::Plan,
    solved: plan::Plan,
    optimum: Option<plan::Plan>,
    units: Vec<UnitKind>,
    replay: plan::ReplayReport,
    routed: bool,
}

fn compute(state: &AppState, p: &Params, rows: &[PlanRow], cands: &[Candidate], clock: LocalClock) -> Outcome {
    let policy = &state.map.policy;
    let model = state.map.travel.clone();
    let routing = state.engine.routing();
    let mut incidents = vec![];
    let mut weights = vec![];
    for r in rows {
        let Some(received) = chrono::DateTime::from_timestamp_millis(r.received_at) else { continue };
        use chrono::Timelike;
        if !p.hours.contains(clock.local(received).hour()) {
            continue;
        }
        let Ok(at) = Coordinates::parse(r.lat, r.lon) else { continue };
        let class = r.zone_class.as_deref().and_then(|c| c.parse().ok());
        let secs = |t: Option<i64>, from: i64| t.map(|t| (t - from) as f64 / 1000.0);
        incidents.push(PastIncident {
            at,
            received_ms: r.received_at,
            target_s: policy.arrival_target_s(class),
            dispatch_s: secs(r.dispatched_at, r.received_at),
            arrival_s: secs(r.on_scene_at, r.received_at),
            on_scene_s: match (r.on_scene_at, r.resolved_at) {
                (Some(a), Some(b)) if b >= a => Some((b - a) as f64 / 1000.0),
                _ => None,
            },
        });
        weights.push(domain::Priority::parse(r.priority).map(plan::weight).unwrap_or(1.0));
    }
    let limit = incidents.iter().map(|i| f64::from(i.target_s)).fold(0.0, f64::max);
    let scenes: Vec<Coordinates> = incidents.iter().map(|i| i.at).collect();
    let kinds: Vec<UnitKind> = p.units.iter().map(|(k, _)| *k).collect();
    // the scenes join the network once per mode, not once per candidate
    let snapped: Vec<Vec<Option<domain::roads::Snap>>> = match &routing {
        Some(r) => domain::roads::Mode::ALL.iter().map(|m| r.snaps(*m, &scenes)).collect(),
        None => vec![],
    };
    let covers: Vec<Vec<Vec<u32>>> = kinds
        .iter()
        .map(|&kind| {
            cands
                .iter()
                .map(|c| {
                    let etas: Vec<Option<f64>> = match &routing {
                        Some(r) => r.etas_from(kind, c.at, &snapped[domain::roads::Mode::of(kind) as usize], limit),
                        None => scenes.iter().map(|s| Some(model.eta_s(kind, c.at.distance_m(*s)))).collect(),
                    };
                    etas.iter()
                        .zip(&incidents)
                        .enumerate()
                        .filter(|(_, (e, inc))| e.is_some_and(|s| s <= f64::from(inc.target_s)))
                        .map(|(i, _)| i as u32)
                        .collect()
                })
                .collect()
        })
        .collect();
    let units: Vec<usize> = p.units.iter().enumerate().flat_map(|(g, (_, n))| std::iter::repeat_n(g, *n)).collect();
    let inst = Instance { weights: weights.clone(), covers, units: units.clone() };
    let (greedy, solved, optimum) = if cands.is_empty() {
        let none = plan::Plan { posts: vec![], covered: 0.0 };
        (none.clone(), none, None)
    } else {
        let g = plan::greedy(&inst);
        let s = plan::solve(&inst);
        (g, s, plan::exact(&inst, EXACT_LIMIT))
    };
    let posted: Vec<(UnitKind, Coordinates)> =
        solved.posts.iter().zip(&units).map(|(&j, &g)| (kinds[g], cands[j].at)).collect();
    let eta = |k: UnitKind, a: Coordinates, b: Coordinates| {
        routing.as_ref().and_then(|r| r.eta_s(k, a, b)).unwrap_or_else(|| model.eta_s(k, a.distance_m(b)))
    };
    let replay = plan::replay(&incidents, &posted, eta);
    Outcome {
        incidents,
        weights,
        greedy,
        solved,
        optimum,
        units: units.iter().map(|&g| kinds[g]).collect(),
        replay,
        routed: routing.is_some(),
    }
}

fn pct(v: Option<f64>) -> String {
    v.map(|x| format!("{:.1}%", x * 100.0)).unwrap_or_else(|| "—".into())
}

fn kind_zh(k: UnitKind) -> String {
    let t = app::i18n::unit_kind(k);
    format!("{} {}", t.0, t.1)
}

/// `GET /plan`.
pub async fn page(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Query(q): Query<PlanQuery>,
) -> Response {
    let scope = match who.scope(Permission::PlanDeployment) {
        Ok(s) => s,
        Err(_) => return (StatusCode::FORBIDDEN, "不可使用部署规划 · You may not plan deployments").into_response(),
    };
    let clock = LocalClock::new(state.map.utc_offset_minutes);
    let mut b = String::with_capacity(32 * 1024);
    b.push_str(
        "<header class=\"notices-head\"><h1>警力部署规划 <span lang=\"en\">Deployment planner</span></h1></header>",
    );
    let mut p = match params(&q, clock) {
        Ok(p) => p,
        Err(e) => {
            form(&mut b, &q, None);
            let _ = write!(b, "<p class=\"notices-error\" role=\"alert\">{}</p>", esc(&e));
            return html(StatusCode::BAD_REQUEST, &b);
        }
    };
    // the units on duty in these hours, on average over the period
    let on_duty = match on_duty_by_kind(&state, &scope, &p, clock).await {
        Ok(d) => d,
        Err(e) => {
            tracing::error!(error = %e, "cannot read the units' status history");
            return (StatusCode::SERVICE_UNAVAILABLE, "暂时无法读取警力记录 · Cannot read the units' history now")
                .into_response();
        }
    };
    if p.units.is_empty() {
        p.units = on_duty.iter().map(|(k, n)| (*k, n.round() as usize)).filter(|(_, n)| *n > 0).collect();
        if p.units.is_empty() {
            p.units = default_units(&state, &scope);
        }
        if p.units.is_empty() {
            p.units = vec![(UnitKind::Car, 1)];
        }
    }
    form(&mut b, &q, Some(&p));
    let averages: Vec<String> = on_duty.iter().map(|(k, n)| format!("{k} {n:.1}")).collect();
    let _ = write!(
        b,
        "<p class=\"hint plan-on-duty\" data-on-duty=\"{}\">这些时段平均在岗 · On duty in these hours, on average over the period (status log): {}</p>",
        esc(&averages.join(", ")),
        if averages.is_empty() { "—".to_owned() } else { esc(&averages.join(", ")) }
    );
    // the incidents: the review's selection, a chief's held to their station
    let review = app::review::ReviewParams {
        from: Some(p.range.from.to_string()),
        to: Some(p.range.to.to_string()),
        station: match &scope {
            Scope::Station(own) => Some(own.to_string()),
            _ => q.station.clone(),
        },
        zone_class: q.zone_class.clone(),
        category: q.category.clone(),
        channel: q.channel.clone(),
        priority: q.priority.clone(),
        weekday: q.weekday.clone(),
        unit: q.unit.clone(),
        ..Default::default()
    };
    let offset = state.map.utc_offset_minutes;
    let sel = match crate::review::parse(&state.store, &review, offset, chrono::Utc::now(), true).await {
        Ok(parsed) => parsed.sel,
        Err(crate::review::ReviewError::Invalid(e)) => {
            let _ = write!(b, "<p class=\"notices-error\" role=\"alert\">{}</p>", esc(&e));
            return html(StatusCode::BAD_REQUEST, &b);
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot check the selection to plan over");
            return (StatusCode::SERVICE_UNAVAILABLE, "暂时无法读取警情 · Cannot read the incidents now")
                .into_response();
        }
    };
    let rows = match state.store.plan_rows(&sel, i64::from(offset) * 60_000, &state.map.policy).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "cannot read the incidents to plan over");
            return (StatusCode::SERVICE_UNAVAILABLE, "暂时无法读取警情 · Cannot read the incidents now")
                .into_response();
        }
    };
    let cands = std::sync::Arc::new(candidates(&state, &p, &scope));
    let (st, c2) = (state.clone(), cands.clone());
    let outcome = match tokio::task::spawn_blocking(move || compute(&st, &p, &rows, &c2, clock)).await {
        Ok(o) => o,
        Err(_) => return (StatusCode::INTERNAL_SERVER_ERROR, "规划失败 · The plan failed").into_response(),
    };
    results(&mut b, &state, &outcome, &cands);
    html(StatusCode::OK, &b)
}

fn html(status: StatusCode, body: &str) -> Response {
    let page = format!(
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width, initial-scale=1\"><title>警力部署规划 · Deployment planner</title>\
         <link rel=\"stylesheet\" href=\"/pkg/command_room.css\"><script src=\"/plan.js\" defer></script></head>\
         <body class=\"notices-page plan-page\"><main class=\"notices plan\">{body}</main></body></html>"
    );
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response()
}

fn form(b: &mut String, q: &PlanQuery, p: Option<&Params>) {
    let v = |o: &Option<String>| esc(o.as_deref().unwrap_or(""));
    let (from, to, hours, units) = match p {
        Some(p) => (p.range.from.to_string(), p.range.to.to_string(), p.hours.to_string(), units_text(&p.units)),
        None => (v(&q.from), v(&q.to), v(&q.hours), v(&q.units)),
    };
    let checked = |on: bool| if on { " checked" } else { "" };
    let (points, landmarks) = p.map_or((true, true), |p| (p.points, p.landmarks));
    let extra = p.map_or_else(|| v(&q.extra), |p| esc(&p.extra_text));
    let selection = selection_fields(q);
    let _ = write!(
        b,
        "<form method=\"get\" action=\"/plan\" class=\"plan-form\"><input type=\"hidden\" name=\"run\" value=\"1\">\
         <label>从 From <input type=\"date\" name=\"from\" value=\"{from}\"></label>\
         <label>至 To <input type=\"date\" name=\"to\" value=\"{to}\"></label>\
         <label>时段 Hours <input name=\"hours\" value=\"{hours}\" placeholder=\"20-02\" size=\"6\"></label>\
         {selection}\
         <label>警力 Units <input name=\"units\" value=\"{units}\" placeholder=\"car=3, ebike=2, foot=4\" size=\"28\"></label>\
         <fieldset><legend>候选岗位 Candidate posts</legend>\
         <label><input type=\"checkbox\" name=\"points\" value=\"1\"{}> 必巡点 patrol points</label>\
         <label><input type=\"checkbox\" name=\"landmarks\" value=\"1\"{}> 地标 landmarks</label>\
         <label class=\"plan-extra\">其他位置（每行 纬度,经度；可在地图上点选） Other posts (lat, lon per line; or click the map)\
         <textarea name=\"extra\" rows=\"3\">{extra}</textarea></label></fieldset>\
         <button type=\"submit\">规划 Plan</button> <button type=\"button\" class=\"plan-print\">打印 Print</button></form>",
        checked(points),
        checked(landmarks),
    );
}

/// The review's filters on the incidents planned over (each a select; the
/// server checks them as the review does).
fn selection_fields(q: &PlanQuery) -> String {
    let select = |name: &str, label: &str, current: &Option<String>, values: &[&str]| {
        let mut out = format!("<label>{label} <select name=\"{name}\"><option value=\"\">全部 all</option>");
        for v in values {
            let chosen = if current.as_deref() == Some(*v) { " selected" } else { "" };
            let _ = write!(out, "<option value=\"{v}\"{chosen}>{v}</option>");
        }
        out.push_str("</select></label>");
        out
    };
    let categories: Vec<&str> = domain::Category::ALL.iter().map(|c| c.as_str()).collect();
    let channels: Vec<&str> = domain::Channel::ALL.iter().map(|c| c.as_str()).collect();
    [
        select("category", "类别 Category", &q.category, &categories),
        select("priority", "等级 Priority", &q.priority, &["1", "2", "3"]),
        select("zone_class", "区域 Zone", &q.zone_class, &["core", "crowded", "other", "outside"]),
        select("channel", "来源 Channel", &q.channel, &channels),
    ]
    .concat()
}

fn results(b: &mut String, state: &AppState, o: &Outcome, cands: &[Candidate]) {
    let total: f64 = o.weights.iter().fold(0.0, |a, w| a + w);
    let share = |c: f64| if total > 0.0 { c / total } else { 0.0 };
    let _ = write!(
        b,
        "<section class=\"plan-summary\" data-incidents=\"{n}\" data-total-weight=\"{total}\" data-coverage-greedy=\"{g}\" \
         data-coverage-plan=\"{s}\" data-coverage-optimum=\"{opt}\" data-routed=\"{routed}\">\
         <h2>覆盖 Cover</h2><p>{n} 起警情（按优先级加权 {total}） · {n} incidents, weight {total} (urgent 3, normal 2, low 1); \
         ETA {eta}</p><ul>\
         <li>贪心 Greedy: {g} ({gp})</li><li>调整后 After swaps: <strong>{s} ({sp})</strong></li><li>{optline}</li></ul>\
         <p class=\"hint\">贪心解不低于最优解的 (1 − 1/e) ≈ 63%（同类警力；多类 ≥ 50%）· Greedy covers at least (1 − 1/e) ≈ 63% of the optimum with one kind of unit (50% with several); the swaps only add.</p></section>",
        n = o.incidents.len(),
        g = o.greedy.covered,
        s = o.solved.covered,
        gp = pct(Some(share(o.greedy.covered))),
        sp = pct(Some(share(o.solved.covered))),
        opt = o.optimum.as_ref().map(|p| p.covered.to_string()).unwrap_or_default(),
        routed = o.routed,
        eta = if o.routed { "沿道路 by road" } else { "直线模型 straight-line model" },
        optline = match &o.optimum {
            Some(p) => format!(
                "最优 Optimum (every posting tried): {} — 差距 gap {}",
                p.covered,
                pct(Some(if p.covered > 0.0 { 1.0 - o.solved.covered / p.covered } else { 0.0 }))
            ),
            None => format!(
                "最优解未枚举（超过 {EXACT_LIMIT} 种） · Optimum not enumerated (more than {EXACT_LIMIT} postings)"
            ),
        },
    );
    // where each unit goes
    b.push_str("<table class=\"notices-table plan-posts\"><thead><tr><th>#</th><th>警力 Unit</th><th>岗位 Post</th><th>位置 Position</th></tr></thead><tbody>");
    for (u, (&j, kind)) in o.solved.posts.iter().zip(&o.units).enumerate() {
        let c = &cands[j];
        let _ = write!(
            b,
            "<tr data-post=\"{j}\"><td>{}</td><td>{}</td><td>{}</td><td>{:.5}, {:.5}</td></tr>",
            u + 1,
            kind_zh(*kind),
            esc(&c.label),
            c.at.lat(),
            c.at.lon()
        );
    }
    b.push_str("</tbody></table>");
    // the replay beside the record
    let (r, p) = (&o.replay.recorded, &o.replay.predicted);
    b.push_str("<h2>推演 What-if replay</h2><table class=\"notices-table plan-replay\"><thead><tr><th></th><th>实际 Recorded</th><th>按此部署推演 Predicted</th></tr></thead><tbody>");
    for (key, label, rec, pre) in [
        (
            "dispatch_p50",
            "派警 P50 dispatch",
            app::format::duration(r.dispatch_p50_s),
            app::format::duration(p.dispatch_p50_s),
        ),
        (
            "dispatch_p90",
            "派警 P90 dispatch",
            app::format::duration(r.dispatch_p90_s),
            app::format::duration(p.dispatch_p90_s),
        ),
        (
            "arrival_p50",
            "到场 P50 arrival",
            app::format::duration(r.arrival_p50_s),
            app::format::duration(p.arrival_p50_s),
        ),
        (
            "arrival_p90",
            "到场 P90 arrival",
            app::format::duration(r.arrival_p90_s),
            app::format::duration(p.arrival_p90_s),
        ),
        ("compliance", "1-3-5 达标 compliance", pct(r.compliance), pct(p.compliance)),
    ] {
        let _ = write!(
            b,
            "<tr data-figure=\"{key}\"><th>{label}</th><td class=\"num\">{rec}</td><td class=\"num\">{pre}</td></tr>"
        );
    }
    let _ = write!(
        b,
        "</tbody></table><p class=\"hint\">推演：按实际派警用时，派最早到达的空闲警力，现场停留按实际，结束后返回岗位。· The replay keeps each call's recorded dispatcher delay, sends the free unit with the earliest ETA, keeps the recorded time on scene, then the unit returns to its post. {} incidents replayed.</p>",
        o.replay.incidents.len()
    );
    map_svg(b, state, o, cands);
}

/// The map: stations, roads, the incidents (reached in time in the replay
/// or not) and the posts.
fn map_svg(b: &mut String, state: &AppState, o: &Outcome, cands: &[Candidate]) {
    let map = &state.map;
    let mut pts: Vec<Coordinates> = map.stations.iter().flat_map(|s| s.area.ring().iter().copied()).collect();
    pts.extend(o.incidents.iter().map(|i| i.at));
    pts.extend(cands.iter().map(|c| c.at));
    let Some(first) = pts.first() else { return };
    let (mut s, mut n, mut w, mut e) = (first.lat(), first.lat(), first.lon(), first.lon());
    for p in &pts {
        (s, n, w, e) = (s.min(p.lat()), n.max(p.lat()), w.min(p.lon()), e.max(p.lon()));
    }
    let kx = s.to_radians().cos().max(0.01);
    let (width, height) = (((e - w) * kx).max(1e-6), (n - s).max(1e-6));
    let scale = 900.0 / width.max(height);
    let (vw, vh) = (width * scale + 20.0, height * scale + 20.0);
    let xy = |c: Coordinates| (10.0 + (c.lon() - w) * kx * scale, 10.0 + (n - c.lat()) * scale);
    let _ = write!(
        b,
        "<figure class=\"plan-map\"><svg viewBox=\"0 0 {vw:.0} {vh:.0}\" role=\"img\" aria-label=\"部署与推演 Posts and the replay\" \
         data-north=\"{n}\" data-west=\"{w}\" data-scale=\"{scale}\" data-kx=\"{kx}\">"
    );
    for st in &map.stations {
        let d: Vec<String> = st.area.ring().iter().map(|c| xy(*c)).map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
        let _ = write!(b, "<polygon class=\"plan-station\" points=\"{}\"></polygon>", d.join(" "));
    }
    for r in &map.roads {
        let d: Vec<String> = r.line.iter().map(|c| xy(*c)).map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
        let _ = write!(b, "<polyline class=\"plan-road\" points=\"{}\"></polyline>", d.join(" "));
    }
    let mut reached = vec![None; o.incidents.len()];
    for r in &o.replay.incidents {
        reached[r.incident] = Some(r.within_target);
    }
    for (i, inc) in o.incidents.iter().enumerate() {
        let (x, y) = xy(inc.at);
        let class = match reached[i] {
            Some(true) => "covered",
            Some(false) => "uncovered",
            None => "not-replayed",
        };
        let _ = write!(b, "<circle class=\"plan-inc {class}\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"4\"></circle>");
    }
    let mut used = std::collections::BTreeMap::<usize, usize>::new();
    for &j in &o.solved.posts {
        *used.entry(j).or_default() += 1;
    }
    for (j, count) in used {
        let (x, y) = xy(cands[j].at);
        let _ = write!(
            b,
            "<g class=\"plan-post\" data-post=\"{j}\"><rect x=\"{:.1}\" y=\"{:.1}\" width=\"14\" height=\"14\"></rect><text x=\"{:.1}\" y=\"{:.1}\">{}</text></g>",
            x - 7.0,
            y - 7.0,
            x + 10.0,
            y + 5.0,
            if count > 1 { format!("{} ×{count}", esc(&cands[j].label)) } else { esc(&cands[j].label) }
        );
    }
    let covered = reached.iter().filter(|r| **r == Some(true)).count();
    let _ = write!(
        b,
        "</svg><figcaption><span class=\"plan-key covered\"></span> 推演中按时到达 reached in time ({covered}) \
         <span class=\"plan-key uncovered\"></span> 超时 late ({}) · 方块 squares: 岗位 posts</figcaption></figure>",
        reached.iter().filter(|r| **r == Some(false)).count()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_posts_are_checked_at_the_edge() {
        assert_eq!(parse_units("car=3, foot=2,car=1").expect("valid"), vec![(UnitKind::Car, 4), (UnitKind::Foot, 2)]);
        assert!(parse_units("tank=3").expect_err("kind").contains("unit kind"));
        assert!(parse_units("car").expect_err("form").contains("kind=count"));
        assert!(parse_units("car=0").expect_err("none").contains("between 1 and 200"));
        assert!(parse_units("car=500").is_err());
        assert_eq!(parse_extra("25.24, 110.2\n\n25.25 110.21").expect("valid").len(), 2);
        assert!(parse_extra("95, 110").expect_err("lat").contains("line 1: lat must be"));
        assert!(parse_extra("25.2").expect_err("one number").contains("not \"lat, lon\""));
        assert!(parse_extra(&"25.2,110.2\n".repeat(51)).is_err());
    }
}
