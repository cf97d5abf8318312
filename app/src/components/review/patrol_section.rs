use leptos::prelude::*;

use super::pct;
use crate::i18n::{msg, t};

/// Patrol compliance for the same dates and station: openings of the
/// must-patrol windows that ended, and how many had an accepted check-in.
#[component]
pub fn PatrolSection(from: String, to: String, station: Option<String>) -> impl IntoView {
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
                    let volunteers = p.volunteers.into_iter().map(|r| row(r, false)).collect_view();
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
                        <h3 class="patrol-volunteers">"群防群治 · Volunteers' and security patrols"</h3>
                        <table class="patrol-table" data-table="volunteers">
                            <thead>{head()}</thead>
                            <tbody>{volunteers}</tbody>
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
