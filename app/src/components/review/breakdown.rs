use leptos::prelude::*;

use super::{DIMENSIONS, change, code_label, link, pct, secs, zone_label};
use crate::i18n::{msg, t};
use crate::review::ReviewReport;

#[component]
pub fn Breakdown(r: ReviewReport) -> impl IntoView {
    let sel = r.params.selection();
    let links = DIMENSIONS
        .iter()
        .map(|(k, label)| {
            let label = t(*label);
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
