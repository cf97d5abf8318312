use leptos::prelude::*;

use super::{link, pct, zone_label};
use crate::i18n::{msg, t};
use crate::review::ReviewReport;

#[component]
pub fn ZoneTable(r: ReviewReport) -> impl IntoView {
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
