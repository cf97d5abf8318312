//! Today's figures in tiles readable from across the room.

use domain::patrol::PointState;
use leptos::prelude::*;

use crate::format;
use crate::i18n::{msg, t};
use crate::live::Live;

#[component]
pub fn FigureTiles(live: Live) -> impl IntoView {
    let f = live.figures;
    let tile = |label: &'static str, key: &'static str, value: Signal<String>, warn: Signal<bool>| {
        view! {
            <div class="tile" class:tile-warn=move || warn.get() data-figure=key>
                <div class="tile-value">{move || value.get()}</div>
                <div class="tile-label">{label}</div>
            </div>
        }
    };
    // tonight's must-patrol points: visited of those with an opening, and
    // the missed ones named in the tile
    let points = live.points;
    let count = move |state: PointState| points.with(|m| m.values().filter(|p| p.state == state).count());
    let patrol = move || {
        let (visited, due, missed) = (count(PointState::Visited), count(PointState::Due), count(PointState::Missed));
        let missed_text = (missed > 0).then(|| format!(" · {missed} {}", t(msg::POINT_MISSED)));
        view! {
            <div
                class="tile tile-patrol"
                class:tile-warn={missed > 0}
                data-figure="patrol"
                data-visited=visited
                data-due=due
                data-missed=missed
            >
                <div class="tile-value">{format!("{visited}/{}", visited + due + missed)}<small>{missed_text}</small></div>
                <div class="tile-label">{t(msg::PATROL_TONIGHT)}</div>
            </div>
        }
    };
    view! {
        <div class="tiles">
            {tile(t(msg::OPEN_INCIDENTS), "open", Signal::derive(move || f.with(|f| f.open_incidents.to_string())), Signal::derive(|| false))}
            {tile(
                t(msg::UNITS_AVAILABLE),
                "available",
                Signal::derive(move || f.with(|f| format!("{}/{}", f.units_available, f.units_total))),
                Signal::derive(move || f.with(|f| f.units_total > 0 && f.units_available == 0)),
            )}
            {tile(t(msg::TODAY), "today", Signal::derive(move || f.with(|f| f.incidents_today.to_string())), Signal::derive(|| false))}
            {tile(t(msg::MEDIAN_RESPONSE), "median", Signal::derive(move || f.with(|f| format::duration(f.median_response_s))), Signal::derive(|| false))}
            {tile(t(msg::P90_RESPONSE), "p90", Signal::derive(move || f.with(|f| format::duration(f.p90_response_s))), Signal::derive(|| false))}
            {tile(
                t(msg::COMPLIANCE),
                "compliance",
                Signal::derive(move || f.with(|f| format::percent(f.compliance))),
                Signal::derive(move || f.with(|f| f.compliance.is_some_and(|c| c < 0.9))),
            )}
            {tile(
                t(msg::BREACHES),
                "breaches",
                Signal::derive(move || f.with(|f| f.breaches_today.to_string())),
                Signal::derive(move || f.with(|f| f.breaches_today > 0)),
            )}
            {patrol}
        </div>
    }
}
