use leptos::prelude::*;

use super::{
    Breakdown, CommunitySection, DaysChart, FilterForm, HeatTable, HotSpotMap, PatrolSection, ResponseChart, ZoneTable,
    change, link, pct, points, secs,
};
use crate::components::session::SessionBar;
use crate::i18n::{msg, t};
use crate::review::{FigureRow, ReviewParams, ReviewReport};

/// The review of one selection: the figures next to the previous period
/// and last year, the breakdowns, the charts and the hot spots.
#[component]
pub fn ReviewSheet(r: ReviewReport) -> impl IntoView {
    let sel = r.params.selection();
    let drill = |only: Option<&str>, order: Option<&str>| {
        link("/review/incidents", &sel.with("only", only).with("order", order))
    };
    let total = r.total.clone();
    let title = format!("{} {} — {}", t(msg::REVIEW_TITLE), r.from, r.to);
    let csv = |path: &str, p: &ReviewParams| format!("/api/v1/{path}?{}", p.query());
    let filters = describe_filters(&r);
    let h_count = drill(None, None);
    let h_response = drill(Some("response"), Some("response"));
    let h_breached = drill(Some("breached"), None);
    let h_closed = drill(Some("closed"), None);
    let h_cancelled = drill(Some("cancelled"), None);
    let h_late = [
        drill(Some("late_dispatch"), Some("dispatch")),
        drill(Some("late_turnout"), Some("turnout")),
        drill(Some("late_travel"), Some("travel")),
    ];
    let dispatch_row =
        stage_row(t(msg::REVIEW_DISPATCH_P50_P90), "dispatch", &r, |f| (f.dispatch_p50_s, f.dispatch_p90_s), &drill);
    let turnout_row =
        stage_row(t(msg::REVIEW_TURNOUT_P50_P90), "turnout", &r, |f| (f.turnout_p50_s, f.turnout_p90_s), &drill);
    let travel_row =
        stage_row(t(msg::REVIEW_TRAVEL_P50_P90), "travel", &r, |f| (f.travel_p50_s, f.travel_p90_s), &drill);
    let csv_main = csv("review.csv", &r.params);
    let csv_days = csv("review/days.csv", &r.params);
    let csv_heat = csv("review/heat.csv", &r.params);
    let csv_hot = csv("review/hotspots.csv", &r.params);
    let home = link("/", &ReviewParams::default());
    let targets = format!(
        "{}: {}",
        t(msg::REVIEW_ARRIVAL_TARGETS_S),
        r.arrival_targets_s.iter().map(|(k, v)| format!("{k} {v}")).collect::<Vec<_>>().join(", ")
    );
    let (prev, ly, change_) = (r.previous_period.clone(), r.same_period_last_year.clone(), r.change.clone());
    let h_prev = link("/review/incidents", &r.previous_params.selection());
    let h_ly = link("/review/incidents", &r.last_year_params.selection());
    let h_prev_breached = link("/review/incidents", &r.previous_params.selection().with("only", Some("breached")));
    let h_ly_breached = link("/review/incidents", &r.last_year_params.selection().with("only", Some("breached")));
    let late = r.late.clone();
    let (dispatch_target, turnout_target) = (r.dispatch_target_s, r.turnout_target_s);
    let bin_m = r.hot_spots.bin_m;
    let definitions = r.definitions.clone();
    view! {
        <main class="review" data-page="review">
            <header class="review-head">
                <SessionBar />
                <h1>{title}</h1>
                <p class="filters-now">{filters}</p>
                <nav class="no-print">
                    <a href=home rel="external">{t(msg::REVIEW_HOME)}</a>
                    " · "
                    <a href=csv_main rel="external" download>{t(msg::REVIEW_CSV)}</a>
                </nav>
            </header>
            <FilterForm r=r.clone() />
            <section class="sheet">
                <h2>{t(msg::REVIEW_FIGURES)}</h2>
                <table class="figures">
                    <thead>
                        <tr>
                            <th></th>
                            <th>{t(msg::REVIEW_THIS_PERIOD)}</th>
                            <th>{t(msg::REVIEW_PREVIOUS_PERIOD)}</th>
                            <th>{t(msg::REVIEW_VS_PREVIOUS)}</th>
                            <th>{t(msg::REVIEW_SAME_PERIOD_LAST_YEAR)}</th>
                            <th>{t(msg::REVIEW_VS_LAST_YEAR)}</th>
                        </tr>
                    </thead>
                    <tbody>
                        <tr>
                            <th>{t(msg::REVIEW_INCIDENTS)}</th>
                            <td><a href=h_count rel="external" data-figure="count">{total.count}</a></td>
                            <td><a href=h_prev rel="external" data-figure="previous_count">{prev.count}</a></td>
                            <td>{change(change_.count_vs_previous_pct, true)}</td>
                            <td><a href=h_ly rel="external" data-figure="last_year_count">{ly.count}</a></td>
                            <td>{change(change_.count_vs_last_year_pct, true)}</td>
                        </tr>
                        {dispatch_row}
                        {turnout_row}
                        {travel_row}
                        <tr>
                            <th>{t(msg::REVIEW_RESPONSE_P50_P90)}</th>
                            <td>
                                <a href=h_response rel="external">
                                    {secs(total.response_p50_s)} " / " {secs(total.response_p90_s)}
                                </a>
                            </td>
                            <td>{secs(prev.response_p50_s)} " / " {secs(prev.response_p90_s)}</td>
                            <td>{change(change_.response_p50_vs_previous_pct, true)} " / " {change(change_.response_p90_vs_previous_pct, true)}</td>
                            <td>{secs(ly.response_p50_s)} " / " {secs(ly.response_p90_s)}</td>
                            <td>{change(change_.response_p50_vs_last_year_pct, true)} " / " {change(change_.response_p90_vs_last_year_pct, true)}</td>
                        </tr>
                        <tr>
                            <th>{t(msg::REVIEW_ARRIVAL_COMPLIANCE)}</th>
                            <td>
                                {pct(total.compliance)} " ("
                                <a href=h_breached rel="external" data-figure="breached">{total.breached}</a>
                                {t(msg::REVIEW_BREACHED_SUFFIX)}
                            </td>
                            <td>{pct(prev.compliance)} " (" <a href=h_prev_breached rel="external">{prev.breached}</a> ")"</td>
                            <td>{points(change_.compliance_vs_previous_pts)}</td>
                            <td>{pct(ly.compliance)} " (" <a href=h_ly_breached rel="external">{ly.breached}</a> ")"</td>
                            <td>{points(change_.compliance_vs_last_year_pts)}</td>
                        </tr>
                        <tr>
                            <th>{t(msg::REVIEW_CLOSURE_RATE)}</th>
                            <td><a href=h_closed rel="external">{pct(total.closure_rate)}</a></td>
                            <td>{pct(prev.closure_rate)}</td>
                            <td></td>
                            <td>{pct(ly.closure_rate)}</td>
                            <td></td>
                        </tr>
                        <tr>
                            <th>{t(msg::REVIEW_CANCELLED_SHARE)}</th>
                            <td><a href=h_cancelled rel="external">{pct(total.cancelled_share)}</a></td>
                            <td>{pct(prev.cancelled_share)}</td>
                            <td></td>
                            <td>{pct(ly.cancelled_share)}</td>
                            <td></td>
                        </tr>
                    </tbody>
                </table>
                <div class="two">
                    <ZoneTable r=r.clone() />
                    <div>
                        <h3>{t(msg::REVIEW_LATE_STAGE_OF_EACH)}</h3>
                        <table class="small">
                            <tbody>
                                <tr>
                                    <th>{format!("{} (> {} s)", t(msg::REVIEW_DISPATCH), dispatch_target)}</th>
                                    <td><a href=h_late[0].clone() rel="external" data-figure="late_dispatch">{late.dispatch}</a></td>
                                </tr>
                                <tr>
                                    <th>{format!("{} (> {} s)", t(msg::REVIEW_TURNOUT), turnout_target)}</th>
                                    <td><a href=h_late[1].clone() rel="external" data-figure="late_turnout">{late.turnout}</a></td>
                                </tr>
                                <tr>
                                    <th>{t(msg::REVIEW_TRAVEL)}</th>
                                    <td><a href=h_late[2].clone() rel="external" data-figure="late_travel">{late.travel}</a></td>
                                </tr>
                            </tbody>
                        </table>
                    </div>
                </div>
            </section>
            <section class="sheet charts">
                <h2>{t(msg::REVIEW_INCIDENTS_PER_DAY)} <small class="no-print"><a href=csv_days rel="external" download>"CSV"</a></small></h2>
                <DaysChart r=r.clone() />
                <h2>{t(msg::REVIEW_RESPONSE_TIMES)}</h2>
                <ResponseChart r=r.clone() />
            </section>
            <Breakdown r=r.clone() />
            <section class="sheet">
                <h2>{t(msg::REVIEW_WEEKDAY_HOUR)} <small class="no-print"><a href=csv_heat rel="external" download>"CSV"</a></small></h2>
                <HeatTable r=r.clone() />
            </section>
            <section class="sheet">
                <h2>
                    {format!("{} ({} m)", t(msg::REVIEW_HOT_SPOTS), bin_m)}
                    <small class="no-print"><a href=csv_hot rel="external" download>"CSV"</a></small>
                </h2>
                <p class="note no-print">{t(msg::REVIEW_FILTER_BY_CATEGORY_WITH)}</p>
                <HotSpotMap r=r.clone() />
            </section>
            <PatrolSection from=r.from.clone() to=r.to.clone() station=r.params.station.clone() />
            <CommunitySection from=r.from.clone() to=r.to.clone() />
            <crate::components::desk::DeskReviewSection from=r.from.clone() to=r.to.clone() />
            <details class="definitions" open>
                <summary>{t(msg::REVIEW_DEFINITIONS)}</summary>
                <p>{definitions}</p>
                <p>{targets}</p>
            </details>
        </main>
    }
}

fn stage_row(
    label: &'static str,
    stage: &'static str,
    r: &ReviewReport,
    get: fn(&FigureRow) -> (Option<i64>, Option<i64>),
    drill: &dyn Fn(Option<&str>, Option<&str>) -> String,
) -> impl IntoView + use<> {
    let (a, b) = get(&r.total);
    let (pa, pb) = get(&r.previous_period);
    let (la, lb) = get(&r.same_period_last_year);
    view! {
        <tr>
            <th>{label}</th>
            <td><a href=drill(Some(stage), Some(stage)) rel="external">{secs(a)} " / " {secs(b)}</a></td>
            <td>{secs(pa)} " / " {secs(pb)}</td>
            <td></td>
            <td>{secs(la)} " / " {secs(lb)}</td>
            <td></td>
        </tr>
    }
}

fn describe_filters(r: &ReviewReport) -> String {
    let p = &r.params;
    let mut parts = vec![];
    let mut add = |name: &str, v: &Option<String>| {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            parts.push(format!("{name} {v}"));
        }
    };
    add(t(msg::REVIEW_FILTER_STATION), &p.station);
    add(t(msg::REVIEW_FILTER_ZONE_CLASS), &p.zone_class);
    add(t(msg::REVIEW_FILTER_CATEGORY), &p.category);
    add(t(msg::REVIEW_FILTER_CHANNEL), &p.channel);
    add(t(msg::REVIEW_FILTER_UNIT), &p.unit);
    add(t(msg::REVIEW_FILTER_PRIORITY), &p.priority);
    add(t(msg::REVIEW_FILTER_HOUR), &p.hour);
    add(t(msg::REVIEW_FILTER_WEEKDAY), &p.weekday);
    add(t(msg::REVIEW_FILTER_SQUARE), &p.bbox);
    if parts.is_empty() { t(msg::REVIEW_ALL_INCIDENTS).to_owned() } else { parts.join(" · ") }
}
