//! The station chiefs' review (警情回顾): figures for a selection of past
//! incidents next to the previous period (环比) and last year (同比),
//! breakdowns, the weekday × hour table, the hot-spot map, and the
//! incidents behind every number down to each one's timeline. Rendered
//! complete on the server (charts are server SVG), so it works and prints
//! without JavaScript; every table has a CSV.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::components::session::SessionBar;
use crate::i18n::{Lang, lang, msg, t};
use crate::review::{FigureRow, IncidentList, ReviewParams, ReviewReport};
use crate::server_fns::{get_incident, get_review, get_review_incidents};

/// The review's query from the address bar (`lang` is the page's own).
fn params_from_query() -> ReviewParams {
    let q = use_query_map();
    q.with_untracked(|q| {
        let get = |k: &str| q.get(k).filter(|v| !v.trim().is_empty());
        ReviewParams {
            from: get("from"),
            to: get("to"),
            station: get("station"),
            zone_class: get("zone_class"),
            category: get("category"),
            channel: get("channel"),
            unit: get("unit"),
            priority: get("priority"),
            hour: get("hour"),
            weekday: get("weekday"),
            by: get("by"),
            bbox: get("bbox"),
            only: get("only"),
            order: get("order"),
            page: get("page"),
        }
    })
}

/// A link to a page of the review with these params (keeping the language).
fn link(path: &str, p: &ReviewParams) -> String {
    let mut q = p.query();
    if lang() == Lang::En {
        if !q.is_empty() {
            q.push('&');
        }
        q.push_str("lang=en");
    }
    if q.is_empty() { path.to_owned() } else { format!("{path}?{q}") }
}

fn secs(v: Option<i64>) -> String {
    match v {
        None => "—".into(),
        Some(s) if s < 60 => format!("{s} s"),
        Some(s) => format!("{}:{:02}", s / 60, s % 60),
    }
}

fn pct(v: Option<f64>) -> String {
    v.map(|x| format!("{:.1}%", x * 100.0)).unwrap_or_else(|| "—".into())
}

/// A change in per cent with its sign ("−50%"); `better_down` marks a fall
/// as good (counts, times).
fn change(v: Option<f64>, better_down: bool) -> impl IntoView {
    let (text, class) = match v {
        None => ("—".to_owned(), "chg"),
        Some(x) => {
            let s = if x > 0.05 {
                format!("+{x:.1}%")
            } else if x < -0.05 {
                format!("−{:.1}%", -x)
            } else {
                "0%".to_owned()
            };
            let good = if better_down { x < -0.05 } else { x > 0.05 };
            let bad = if better_down { x > 0.05 } else { x < -0.05 };
            (
                s,
                if good {
                    "chg good"
                } else if bad {
                    "chg bad"
                } else {
                    "chg"
                },
            )
        }
    };
    view! { <span class=class>{text}</span> }
}

fn points(v: Option<f64>) -> impl IntoView {
    let (text, class) = match v {
        None => ("—".to_owned(), "chg"),
        Some(x) if x > 0.05 => (format!("+{x:.1} pt"), "chg good"),
        Some(x) if x < -0.05 => (format!("−{:.1} pt", -x), "chg bad"),
        Some(_) => ("0 pt".to_owned(), "chg"),
    };
    view! { <span class=class>{text}</span> }
}

#[component]
pub fn ReviewPage() -> impl IntoView {
    let params = params_from_query();
    let report = Resource::new(move || params.clone(), get_review);
    view! {
        <Title text=format!("{} · {}", t(msg::REVIEW_TITLE), t(msg::APP)) />
        <Suspense fallback=|| view! { <p class="loading">"…"</p> }>
            <ErrorBoundary fallback=review_error>
                {move || Suspend::new(async move { report.await.map(|r| view! { <Review r=r /> }) })}
            </ErrorBoundary>
        </Suspense>
    }
}

/// A refused query: the reason, and the way back to a review that works.
fn review_error(errors: ArcRwSignal<Errors>) -> impl IntoView {
    crate::set_error_status(&errors);
    let list = move || errors.with(|e| e.iter().map(|(_, e)| view! { <li>{e.to_string()}</li> }).collect_view());
    view! {
        <main class="review" data-page="review-error">
            <div class="error-panel" role="alert">
                <h1>{t(msg::REVIEW_THIS_REVIEW_CANNOT_BE)}</h1>
                <ul>{list}</ul>
                <p>
                    <a href=link("/review", &ReviewParams::default()) rel="external">
                        {t(msg::REVIEW_BACK_TO_LAST_30_DAYS)}
                    </a>
                </p>
            </div>
        </main>
    }
}

#[component]
fn Review(r: ReviewReport) -> impl IntoView {
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
            <crate::pages::desk::DeskReviewSection from=r.from.clone() to=r.to.clone() />
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

#[component]
fn FilterForm(r: ReviewReport) -> impl IntoView {
    let p = r.params.clone();
    let en = lang() == Lang::En;
    let select =
        move |name: &'static str, label: &'static str, current: Option<String>, choices: Vec<(String, String)>| {
            let current = current.unwrap_or_default();
            view! {
                <label>
                    {label}
                    <select name=name>
                        <option value="" selected=current.is_empty()>{t(msg::REVIEW_ALL)}</option>
                        {choices
                            .into_iter()
                            .map(|(v, l)| {
                                let sel = v == current;
                                view! { <option value=v selected=sel>{l}</option> }
                            })
                            .collect_view()}
                    </select>
                </label>
            }
        };
    let pairs = |v: &[crate::review::Choice]| v.iter().map(|c| (c.value.clone(), c.label.clone())).collect::<Vec<_>>();
    let coded = |dim: &str, v: &[crate::review::Choice]| {
        v.iter().map(|c| (c.value.clone(), code_label(dim, &c.value))).collect::<Vec<_>>()
    };
    let hours: Vec<(String, String)> = (0..24).map(|h| (h.to_string(), format!("{h:02}:00"))).collect();
    let weekdays: Vec<(String, String)> = WEEKDAYS_ZH
        .iter()
        .zip(WEEKDAYS_EN)
        .enumerate()
        .map(|(i, (zh, en_))| (i.to_string(), if en { en_.to_string() } else { zh.to_string() }))
        .collect();
    let classes: Vec<(String, String)> =
        ["core", "crowded", "other", "outside"].iter().map(|c| (c.to_string(), zone_label(c).to_owned())).collect();
    let priorities: Vec<(String, String)> = (1..=3).map(|p| (p.to_string(), p.to_string())).collect();
    let dims: Vec<(String, String)> = DIMENSIONS
        .iter()
        .map(|(k, zh, en_)| (k.to_string(), if en { en_.to_string() } else { zh.to_string() }))
        .collect();
    view! {
        <form class="review-filters no-print" method="get" action="/review">
            {en.then(|| view! { <input type="hidden" name="lang" value="en" /> })}
            <label>{t(msg::REVIEW_FROM)} <input type="date" name="from" value=p.from.clone().unwrap_or_default() required /></label>
            <label>{t(msg::REVIEW_TO)} <input type="date" name="to" value=p.to.clone().unwrap_or_default() required /></label>
            {select("station", t(msg::REVIEW_STATION), p.station.clone(), pairs(&r.options.stations))}
            {select("zone_class", t(msg::REVIEW_ZONE_CLASS), p.zone_class.clone(), classes)}
            {select("category", t(msg::CATEGORY), p.category.clone(), coded("category", &r.options.categories))}
            {select("channel", t(msg::REVIEW_CHANNEL), p.channel.clone(), coded("channel", &r.options.channels))}
            {select("unit", t(msg::REVIEW_UNIT), p.unit.clone(), pairs(&r.options.units))}
            {select("priority", t(msg::PRIORITY), p.priority.clone(), priorities)}
            {select("hour", t(msg::REVIEW_HOUR), p.hour.clone(), hours)}
            {select("weekday", t(msg::REVIEW_WEEKDAY), p.weekday.clone(), weekdays)}
            {select("by", t(msg::REVIEW_BREAK_DOWN_BY), p.by.clone(), dims)}
            {p.bbox.clone().map(|b| view! { <input type="hidden" name="bbox" value=b /> })}
            <button type="submit">{t(msg::REVIEW_APPLY)}</button>
        </form>
    }
}

const WEEKDAYS_ZH: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
const WEEKDAYS_EN: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const DIMENSIONS: [(&str, &str, &str); 7] = [
    ("station", "派出所", "station"),
    ("zone_class", "区域", "zone class"),
    ("category", "类别", "category"),
    ("channel", "渠道", "channel"),
    ("unit", "警力", "unit"),
    ("priority", "等级", "priority"),
    ("hour", "时段", "hour"),
];

/// A category's or channel's name in the page's language (the code when it
/// is neither).
fn code_label(dim: &str, code: &str) -> String {
    use std::str::FromStr;
    let l = lang();
    match dim {
        "category" => domain::Category::from_str(code).map(|c| crate::i18n::category(c).get(l).to_owned()).ok(),
        "channel" => domain::Channel::from_str(code).map(|c| crate::i18n::channel(c).get(l).to_owned()).ok(),
        _ => None,
    }
    .unwrap_or_else(|| code.to_owned())
}

fn zone_label(c: &str) -> &'static str {
    match c {
        "core" => t(msg::REVIEW_CORE),
        "crowded" => t(msg::REVIEW_CROWDED),
        "other" => t(msg::REVIEW_OTHER),
        _ => t(msg::REVIEW_OUTSIDE_ZONES),
    }
}

#[component]
fn ZoneTable(r: ReviewReport) -> impl IntoView {
    let sel = r.params.selection();
    let rows = r
        .total
        .compliance_by_zone_class
        .iter()
        .map(|(k, z)| {
            let href = link("/review/incidents", &sel.with("zone_class", Some(k)).with("only", Some("breached")));
            let target = r.arrival_targets_s.get(k).copied().unwrap_or(0);
            view! {
                <tr>
                    <th>{zone_label(k)}</th>
                    <td>{format!("{target} s")}</td>
                    <td>{z.met}</td>
                    <td><a href=href rel="external">{z.breached}</a></td>
                    <td>{pct(z.compliance)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div>
            <h3>{t(msg::REVIEW_ARRIVAL_BY_ZONE_CLASS)}</h3>
            <table class="small">
                <thead>
                    <tr>
                        <th></th>
                        <th>{t(msg::REVIEW_TARGET)}</th>
                        <th>{t(msg::REVIEW_MET)}</th>
                        <th>{t(msg::REVIEW_BREACHED)}</th>
                        <th>{t(msg::REVIEW_COMPLIANCE)}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

#[component]
fn Breakdown(r: ReviewReport) -> impl IntoView {
    let sel = r.params.selection();
    let links = DIMENSIONS
        .iter()
        .map(|(k, zh, en)| {
            let label = if lang() == Lang::En { *en } else { *zh };
            let current = r.params.by.as_deref() == Some(*k);
            view! {
                <a href=link("/review", &r.params.with("by", Some(k))) rel="external" class:current=current>{label}</a>
                " "
            }
        })
        .collect_view();
    let table = r.breakdown.clone().map(|rows| {
        let by = r.params.by.clone().unwrap_or_default();
        let filter_field = by.clone();
        let body = rows
            .into_iter()
            .map(|row| {
                let group = if row.key == "none" { None } else { Some(row.key.clone()) };
                let base = match (&group, filter_field.as_str()) {
                    (Some(k), "hour") => sel.with("hour", Some(k.trim_start_matches('0')).filter(|s| !s.is_empty()).or(Some("0"))),
                    (Some(k), f) => sel.with(f, Some(k)),
                    (None, _) => sel.clone(),
                };
                let all = link("/review/incidents", &base);
                let breached = link("/review/incidents", &base.with("only", Some("breached")));
                let label = if row.label.is_empty() { row.key.clone() } else { row.label.clone() };
                let label = match by.as_str() {
                    "zone_class" => zone_label(&row.key).to_owned(),
                    "category" | "channel" => code_label(&by, &row.key),
                    _ if row.key == "none" => t(msg::REVIEW_NONE).to_owned(),
                    _ => label,
                };
                view! {
                    <tr>
                        <th>{label}</th>
                        <td>{if group.is_some() { view! { <a href=all rel="external">{row.count}</a> }.into_any() } else { view! { <span>{row.count}</span> }.into_any() }}</td>
                        <td>{row.count_last_year.unwrap_or(0)}</td>
                        <td>{change(row.count_vs_last_year_pct, true)}</td>
                        <td>{secs(row.dispatch_p50_s)}</td>
                        <td>{secs(row.response_p50_s)} " / " {secs(row.response_p90_s)}</td>
                        <td>{pct(row.compliance)}</td>
                        <td>{if group.is_some() { view! { <a href=breached rel="external">{row.breached}</a> }.into_any() } else { view! { <span>{row.breached}</span> }.into_any() }}</td>
                        <td>{pct(row.closure_rate)}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <table class="breakdown">
                <thead>
                    <tr>
                        <th></th>
                        <th>{t(msg::REVIEW_INCIDENTS)}</th>
                        <th>{t(msg::REVIEW_LAST_YEAR)}</th>
                        <th>{t(msg::REVIEW_VS_LAST_YEAR)}</th>
                        <th>{t(msg::REVIEW_DISPATCH_P50)}</th>
                        <th>{t(msg::REVIEW_RESPONSE_P50_P90)}</th>
                        <th>{t(msg::REVIEW_COMPLIANCE)}</th>
                        <th>{t(msg::REVIEW_BREACHED)}</th>
                        <th>{t(msg::REVIEW_CLOSURE)}</th>
                    </tr>
                </thead>
                <tbody>{body}</tbody>
            </table>
        }
    });
    let csv = r.params.by.as_ref().map(|_| format!("/api/v1/review.csv?{}", r.params.query()));
    view! {
        <section class="sheet">
            <h2>
                {t(msg::REVIEW_BREAKDOWN)}
                {csv.map(|c| view! { <small class="no-print"><a href=c rel="external" download>"CSV"</a></small> })}
            </h2>
            <p class="by-links no-print">{t(msg::REVIEW_BY)} {links}</p>
            {table}
        </section>
    }
}

/// Patrol compliance for the same dates and station: openings of the
/// must-patrol windows that ended, and how many had an accepted check-in.
#[component]
fn PatrolSection(from: String, to: String, station: Option<String>) -> impl IntoView {
    let q = format!(
        "/api/v1/review/patrol?from={from}&to={to}{}",
        station.as_deref().map(|s| format!("&station={}", crate::review::encode(s))).unwrap_or_default()
    );
    let report = Resource::new(
        move || (from.clone(), to.clone(), station.clone()),
        |(f, t, s)| crate::server_fns::get_patrol_report(f, t, s),
    );
    let row = |r: crate::review::ComplianceRow, point: bool| {
        let label = if point { format!("{} {}", r.key, r.name) } else { r.name.clone() };
        view! {
            <tr data-patrol=r.key.clone()>
                <th>{label}</th>
                <td class="num">{r.openings}</td>
                <td class="num">{r.visited}</td>
                <td class="num">{pct(r.share)}</td>
            </tr>
        }
    };
    let body = move || {
        Suspend::new(async move {
            match report.await {
                Err(e) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
                Ok(p) => {
                    let stations = p.stations.into_iter().map(|r| row(r, false)).collect_view();
                    // the worst points first: where patrols are missed most
                    let mut points = p.points;
                    points.sort_by(|a, b| {
                        a.share.unwrap_or(1.0).total_cmp(&b.share.unwrap_or(1.0)).then_with(|| a.key.cmp(&b.key))
                    });
                    let points = points.into_iter().map(|r| row(r, true)).collect_view();
                    let head = move || {
                        view! {
                            <tr>
                                <th></th>
                                <th>{t(msg::REVIEW_OPENINGS)}</th>
                                <th>{t(msg::REVIEW_VISITED)}</th>
                                <th>{t(msg::REVIEW_VISIT_RATE)}</th>
                            </tr>
                        }
                    };
                    view! {
                        <table class="patrol-table">
                            <thead>{head()}</thead>
                            <tbody>{stations}</tbody>
                        </table>
                        <details class="patrol-points">
                            <summary>{t(msg::REVIEW_BY_POINT_LOWEST_COMPLIANCE)}</summary>
                            <table class="patrol-table">
                                <thead>{head()}</thead>
                                <tbody>{points}</tbody>
                            </table>
                        </details>
                    }
                    .into_any()
                }
            }
        })
    };
    view! {
        <section class="sheet patrol">
            <h2>
                {t(msg::REVIEW_MUST_PATROL_POINTS)}
                <small class="no-print"><a href=q rel="external">"JSON"</a></small>
            </h2>
            <p class="note">
                {t(msg::REVIEW_EACH_OPENING_OF_A)}
            </p>
            <Suspense fallback=|| view! { <p class="loading">"…"</p> }>{body}</Suspense>
        </section>
    }
}

#[component]
fn HeatTable(r: ReviewReport) -> impl IntoView {
    let sel = r.params.selection();
    let max = r.heat.iter().flatten().copied().max().unwrap_or(0).max(1);
    let en = lang() == Lang::En;
    let rows = r
        .heat
        .iter()
        .enumerate()
        .map(|(w, hours)| {
            let name = if en { WEEKDAYS_EN[w] } else { WEEKDAYS_ZH[w] };
            let cells = hours
                .iter()
                .enumerate()
                .map(|(h, n)| {
                    let level = ((*n as f64 / max as f64) * 9.0).ceil() as u32;
                    let href = link(
                        "/review/incidents",
                        &sel.with("weekday", Some(&w.to_string())).with("hour", Some(&h.to_string())),
                    );
                    // an empty cell has nothing behind it (and with a weekday
                    // or hour filter, its link would leave the selection)
                    let cell = if *n == 0 {
                        view! { <span>"0"</span> }.into_any()
                    } else {
                        view! { <a href=href rel="external" title=format!("{name} {h:02}:00 — {n}")>{*n}</a> }
                            .into_any()
                    };
                    view! { <td class=format!("heat h{level}")>{cell}</td> }
                })
                .collect_view();
            view! { <tr><th>{name}</th>{cells}</tr> }
        })
        .collect_view();
    view! {
        <table class="heat-table">
            <thead>
                <tr>
                    <th></th>
                    {(0..24).map(|h| view! { <th>{format!("{h:02}")}</th> }).collect_view()}
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

/// Incidents per day as bars, breaches in red, on a fixed 900 × 180 canvas.
#[component]
fn DaysChart(r: ReviewReport) -> impl IntoView {
    let sel = r.params.selection();
    let (w, h) = (900.0_f64, 180.0_f64);
    let max = r.days.iter().map(|d| d.count).max().unwrap_or(0).max(1) as f64;
    let n = r.days.len().max(1) as f64;
    let bw = w / n;
    let bars = r
        .days
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let x = i as f64 * bw;
            let hc = d.count as f64 / max * (h - 20.0);
            let hb = d.breached as f64 / max * (h - 20.0);
            let href = link("/review/incidents", &sel.with("from", Some(&d.date)).with("to", Some(&d.date)));
            view! {
                <a href=href rel="external">
                    <title>{format!("{}: {} / {}", d.date, d.count, d.breached)}</title>
                    <rect class="bar" x=format!("{:.1}", x + bw * 0.1) y=format!("{:.1}", h - hc) width=format!("{:.2}", (bw * 0.8).max(0.5)) height=format!("{hc:.1}") />
                    <rect class="bar-bad" x=format!("{:.1}", x + bw * 0.1) y=format!("{:.1}", h - hb) width=format!("{:.2}", (bw * 0.8).max(0.5)) height=format!("{hb:.1}") />
                </a>
            }
        })
        .collect_view();
    let first = r.days.first().map(|d| d.date.clone()).unwrap_or_default();
    let last = r.days.last().map(|d| d.date.clone()).unwrap_or_default();
    view! {
        <svg class="chart" viewBox=format!("0 0 {w} {}", h + 18.0) role="img" aria-label=t(msg::REVIEW_DAILY_CHART)>
            <text x="0" y="12" class="axis">{format!("{}", max as u64)}</text>
            {bars}
            <line x1="0" y1=h x2=w y2=h class="axis-line" />
            <text x="0" y=h + 15.0 class="axis">{first}</text>
            <text x=w y=h + 15.0 class="axis" text-anchor="end">{last}</text>
        </svg>
        <p class="chart-key"><span class="swatch bar"></span>{t(msg::REVIEW_KEY_INCIDENTS)} <span class="swatch bar-bad"></span>{t(msg::REVIEW_KEY_BREACHED)}</p>
    }
}

/// Response times in 30-second bins with the arrival targets marked.
#[component]
fn ResponseChart(r: ReviewReport) -> impl IntoView {
    let (w, h) = (900.0_f64, 160.0_f64);
    let bins = r.response_histogram.len().max(1) as f64;
    let max = r.response_histogram.iter().map(|b| b.1).max().unwrap_or(0).max(1) as f64;
    let bw = w / bins;
    let bars = r
        .response_histogram
        .iter()
        .enumerate()
        .map(|(i, (start, n))| {
            let hh = *n as f64 / max * (h - 20.0);
            let last = i + 1 == r.response_histogram.len();
            let label = if last { format!("≥ {} s: {n}", start) } else { format!("{}–{} s: {n}", start, start + 29) };
            view! {
                <g>
                    <title>{label}</title>
                    <rect class="bar" x=format!("{:.1}", i as f64 * bw + 1.0) y=format!("{:.1}", h - hh) width=format!("{:.1}", bw - 2.0) height=format!("{hh:.1}") />
                </g>
            }
        })
        .collect_view();
    let marks = r
        .arrival_targets_s
        .iter()
        .map(|(k, s)| {
            let x = (*s as f64 / 30.0 * bw).min(w);
            view! {
                <line x1=x y1="14" x2=x y2=h class="target-line" />
                <text x=x + 3.0 y="24" class="axis">{format!("{k} {s}s")}</text>
            }
        })
        .collect_view();
    view! {
        <svg class="chart" viewBox=format!("0 0 {w} {}", h + 18.0) role="img" aria-label=t(msg::REVIEW_RESPONSE_TIMES)>
            {bars}
            {marks}
            <line x1="0" y1=h x2=w y2=h class="axis-line" />
            <text x="0" y=h + 15.0 class="axis">"0"</text>
            <text x=w / 2.0 y=h + 15.0 class="axis" text-anchor="middle">"7:30"</text>
            <text x=w y=h + 15.0 class="axis" text-anchor="end">"15:00+"</text>
        </svg>
    }
}

/// Square bins over the station outlines, darker for more incidents; each
/// links to its incidents. No tiles: the district's own geometry.
#[component]
fn HotSpotMap(r: ReviewReport) -> impl IntoView {
    let hs = r.hot_spots.clone();
    let sel = r.params.selection();
    let max = hs.max.max(1) as f64;
    let outlines = hs.outlines.iter().map(|d| view! { <path d=d.clone() class="outline" /> }).collect_view();
    let cells = hs
        .cells
        .iter()
        .map(|c| {
            // square-root scale: a few hot spots do not wash out the rest
            let level = ((c.count as f64 / max).sqrt() * 9.0).ceil() as u32;
            let href = link("/review/incidents", &sel.with("bbox", Some(&c.bbox)));
            view! {
                <a href=href rel="external">
                    <rect class=format!("cell h{level}") x=format!("{:.1}", c.x) y=format!("{:.1}", c.y) width=format!("{:.1}", c.w) height=format!("{:.1}", c.h)>
                        <title>{c.count}</title>
                    </rect>
                </a>
            }
        })
        .collect_view();
    view! {
        <svg class="hotspots" viewBox=format!("0 0 {} {}", hs.width, hs.height) role="img" aria-label=t(msg::REVIEW_HOT_SPOT_MAP)>
            <rect class="land" x="0" y="0" width=hs.width height=hs.height />
            {cells}
            {outlines}
        </svg>
    }
}

#[component]
pub fn ReviewIncidentsPage() -> impl IntoView {
    let params = params_from_query();
    let list = Resource::new(move || params.clone(), get_review_incidents);
    view! {
        <Title text=format!("{} · {}", t(msg::REVIEW_INCIDENT_LIST), t(msg::APP)) />
        <Suspense fallback=|| view! { <p class="loading">"…"</p> }>
            <ErrorBoundary fallback=review_error>
                {move || Suspend::new(async move { list.await.map(|l| view! { <Incidents l=l /> }) })}
            </ErrorBoundary>
        </Suspense>
    }
}

fn only_label(only: Option<&str>) -> &'static str {
    match only {
        Some("breached") => t(msg::REVIEW_BREACHED_INCIDENTS),
        Some("late_dispatch") => t(msg::REVIEW_LATE_AT_DISPATCH),
        Some("late_turnout") => t(msg::REVIEW_LATE_AT_TURNOUT),
        Some("late_travel") => t(msg::REVIEW_LATE_IN_TRAVEL),
        Some("closed") => t(msg::REVIEW_CLOSED),
        Some("cancelled") => t(msg::REVIEW_CANCELLED),
        Some("dispatch") => t(msg::REVIEW_DISPATCHED_BY_DISPATCH_TIME),
        Some("turnout") => t(msg::REVIEW_EN_ROUTE_BY_TURNOUT),
        Some("travel") => t(msg::REVIEW_ON_SCENE_BY_TRAVEL),
        Some("response") => t(msg::REVIEW_ON_SCENE_BY_RESPONSE),
        _ => t(msg::REVIEW_ALL_INCIDENTS),
    }
}

#[component]
fn Incidents(l: IncidentList) -> impl IntoView {
    let p = l.params.clone();
    let back = link("/review", &p.with("only", None).with("order", None).with("page", None));
    let csv = format!("/api/v1/review/incidents.csv?{}", p.query());
    let page_link = |n: u64| link("/review/incidents", &p.with("page", Some(&n.to_string())));
    let prev = (l.page > 1).then(|| page_link(l.page - 1));
    let next = (l.page < l.pages).then(|| page_link(l.page + 1));
    let rows = l
        .incidents
        .iter()
        .map(|i| {
            let late = i.late_stage.clone();
            let cls = |s: &str| if late.as_deref() == Some(s) { "late" } else { "" };
            view! {
                <tr class=format!("arrival-{}", i.arrival)>
                    <td><a href=link(&format!("/review/incident/{}", i.id), &ReviewParams::default()) rel="external">{i.id}</a></td>
                    <td>{i.received.clone()}</td>
                    <td>{i.category.clone()}</td>
                    <td>{i.station.clone().unwrap_or_default()}</td>
                    <td>{i.unit.clone().unwrap_or_default()}</td>
                    <td class=cls("dispatch")>{secs(i.dispatch_s)}</td>
                    <td class=cls("turnout")>{secs(i.turnout_s)}</td>
                    <td class=cls("travel")>{secs(i.travel_s)}</td>
                    <td>{secs(i.response_s)}</td>
                    <td>{i.status.clone()}</td>
                    <td>{late.clone().unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <main class="review" data-page="review-incidents">
            <header class="review-head">
                <h1>{format!("{} — {} {} – {}", only_label(p.only.as_deref()), l.total, l.from, l.to)}</h1>
                <p class="filters-now" data-total=l.total>{format!("{} {}", l.total, t(msg::REVIEW_INCIDENT_COUNT))}</p>
                <nav class="no-print">
                    <a href=back rel="external">{t(msg::REVIEW_BACK_TO_THE_REVIEW)}</a>
                    " · "
                    <a href=csv rel="external" download>"CSV"</a>
                </nav>
            </header>
            <table class="incidents">
                <thead>
                    <tr>
                        <th>"#"</th>
                        <th>{t(msg::REVIEW_RECEIVED)}</th>
                        <th>{t(msg::CATEGORY)}</th>
                        <th>{t(msg::REVIEW_STATION)}</th>
                        <th>{t(msg::REVIEW_FIRST_UNIT)}</th>
                        <th>{t(msg::REVIEW_DISPATCH)}</th>
                        <th>{t(msg::REVIEW_TURNOUT)}</th>
                        <th>{t(msg::REVIEW_TRAVEL)}</th>
                        <th>{t(msg::REVIEW_RESPONSE)}</th>
                        <th>{t(msg::REVIEW_STATUS)}</th>
                        <th>{t(msg::REVIEW_LATE_STAGE)}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            <nav class="pager no-print">
                {prev.map(|h| view! { <a href=h rel="external">{t(msg::REVIEW_PREVIOUS)}</a> })}
                {format!(" {} / {} ", l.page, l.pages)}
                {next.map(|h| view! { <a href=h rel="external">{t(msg::REVIEW_NEXT)}</a> })}
            </nav>
        </main>
    }
}

#[component]
pub fn ReviewTimelinePage() -> impl IntoView {
    let id = use_params_map().with_untracked(|p| p.get("id")).and_then(|s| s.parse::<i64>().ok()).unwrap_or(0);
    let detail = Resource::new(move || id, get_incident);
    view! {
        <Title text=format!("{} {id} · {}", t(msg::INCIDENT), t(msg::APP)) />
        <Suspense fallback=|| view! { <p class="loading">"…"</p> }>
            <ErrorBoundary fallback=crate::error_fallback>
                {move || Suspend::new(async move {
                    detail.await.map(|d| {
                        let i = d.incident.clone();
                        let offset = chrono::Duration::minutes(i64::from(d.utc_offset_minutes));
                        let rows = d
                            .timeline
                            .iter()
                            .map(|e| {
                                view! {
                                    <tr>
                                        <td>{(e.at + offset).format("%Y-%m-%d %H:%M:%S").to_string()}</td>
                                        <td>{format!("{} {}", e.entity, e.entity_id)}</td>
                                        <td>{format!("{} → {}", e.from.clone().unwrap_or_else(|| "·".into()), e.to)}</td>
                                        <td>{e.actor.clone()}</td>
                                        <td>{e.reason.clone()}</td>
                                    </tr>
                                }
                            })
                            .collect_view();
                        view! {
                            <main class="review" data-page="review-timeline">
                                <header class="review-head">
                                    <h1>{format!("{} {} · {} · {}", t(msg::INCIDENT), i.id, i.category, i.status)}</h1>
                                    <p class="filters-now">{i.address.clone()}</p>
                                </header>
                                <h2>{t(msg::REVIEW_STATUS_LOG)}</h2>
                                <table class="incidents timeline">
                                    <thead>
                                        <tr>
                                            <th>{t(msg::REVIEW_AT)}</th>
                                            <th>{t(msg::REVIEW_ENTITY)}</th>
                                            <th>{t(msg::REVIEW_CHANGE)}</th>
                                            <th>{t(msg::ACTOR)}</th>
                                            <th>{t(msg::REVIEW_REASON)}</th>
                                        </tr>
                                    </thead>
                                    <tbody>{rows}</tbody>
                                </table>
                            </main>
                        }
                    })
                })}
            </ErrorBoundary>
        </Suspense>
    }
}
