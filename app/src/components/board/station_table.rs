//! Units available and on duty, and open incidents, by station.

use leptos::prelude::*;

use crate::i18n::{Lang, lang, msg, t};
use crate::live::Live;

#[component]
pub fn StationTable(live: Live) -> impl IntoView {
    let en = lang() == Lang::En;
    let rows = move || {
        live.figures.with(|f| {
            f.stations
                .iter()
                .map(|s| {
                    let name = if en { s.code.to_string() } else { s.name.clone() };
                    view! {
                        <tr data-station=s.code.to_string()>
                            <th scope="row">{name}</th>
                            <td class:zero=s.units_available == 0>{format!("{}/{}", s.units_available, s.units_on_duty)}</td>
                            <td>{s.open_incidents.to_string()}</td>
                        </tr>
                    }
                })
                .collect_view()
        })
    };
    let (h1, h2, h3) = (t(msg::STATION), t(msg::AVAILABLE_ON_DUTY), t(msg::OPEN));
    view! {
        <table class="station-table">
            <thead>
                <tr>
                    <th>{h1}</th>
                    <th>{h2}</th>
                    <th>{h3}</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
