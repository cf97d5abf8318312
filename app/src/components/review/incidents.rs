use leptos::prelude::*;

use super::{link, secs};
use crate::i18n::{msg, t};
use crate::review::{IncidentList, ReviewParams};

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
pub fn Incidents(l: IncidentList) -> impl IntoView {
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
