use leptos::prelude::*;

use super::link;
use crate::i18n::{msg, t};
use crate::review::ReviewReport;

#[component]
pub fn HeatTable(r: ReviewReport) -> impl IntoView {
    let sel = r.params.selection();
    let max = r.heat.iter().flatten().copied().max().unwrap_or(0).max(1);
    let rows = r
        .heat
        .iter()
        .enumerate()
        .map(|(w, hours)| {
            let name = t(msg::WEEKDAYS[w]);
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
