//! The station chiefs' review (警情回顾): figures for a selection of past
//! incidents next to the previous period (环比) and last year (同比),
//! breakdowns, the weekday × hour table, the hot-spot map, and the
//! incidents behind every number down to each one's timeline. Rendered
//! complete on the server (charts are server SVG), so it works and prints
//! without JavaScript; every table has a CSV.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::components::review::{Incidents, ReviewSheet, link};
use crate::i18n::{msg, t};
use crate::review::ReviewParams;
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

#[component]
pub fn ReviewPage() -> impl IntoView {
    let params = params_from_query();
    let report = Resource::new(move || params.clone(), get_review);
    view! {
        <Title text=format!("{} · {}", t(msg::REVIEW_TITLE), t(msg::APP)) />
        <Suspense fallback=|| view! { <p class="loading">"…"</p> }>
            <ErrorBoundary fallback=review_error>
                {move || Suspend::new(async move { report.await.map(|r| view! { <ReviewSheet r=r /> }) })}
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
