//! An incident on the map: a dot coloured by priority inside a ring that
//! drains as the arrival timer runs, turning amber, then red. Drawn at
//! 1/zoom so it keeps its size on screen.

use std::collections::BTreeMap;

use domain::{IncidentId, TimerLevel};
use leptos::prelude::*;

use super::Projection;
use crate::live::Live;
use crate::wire::IncidentView;

const RING_R: f64 = 130.0;

#[component]
pub fn IncidentMarker(
    incident: ArcRwSignal<IncidentView>,
    proj: Projection,
    live: Live,
    /// Drawn at 1/zoom, so it keeps its size on screen.
    zoom: Signal<f64>,
    /// The browser draws incidents elsewhere (the wall screen's canvas):
    /// keep status and level current, not position, zoom or the ring.
    #[prop(optional)]
    drawn_elsewhere: bool,
    /// Every open incident's timer level, kept by one memo (the wall
    /// screen): each marker reads its own and re-renders only when a level
    /// changes, instead of each subscribing to the clock. With hundreds of
    /// markers on the clock, every message that advanced it re-ran them all,
    /// and un-subscribing each from the clock's long subscriber list cost
    /// more than the rest of the message.
    #[prop(default = None)]
    levels: Option<Memo<BTreeMap<IncidentId, TimerLevel>>>,
) -> impl IntoView {
    let id = incident.with_untracked(|i| i.id);
    let i = incident.clone();
    let transform = move || {
        let z = if drawn_elsewhere { 1.0 } else { zoom.get() };
        let at = |i: &IncidentView| proj.xy(i.lat, i.lon);
        let (x, y) = if drawn_elsewhere { i.with_untracked(at) } else { i.with(at) };
        if (z - 1.0).abs() < 1e-9 {
            format!("translate({x:.0} {y:.0})")
        } else {
            format!("translate({x:.0} {y:.0}) scale({:.4})", 1.0 / z)
        }
    };
    let i = incident.clone();
    let level = move || match levels {
        Some(levels) => levels
            .with(|m| m.get(&id).copied())
            .unwrap_or_else(|| i.with(|i| i.arrival_timer.level(live.now.get())))
            .as_str(),
        None => i.with(|i| i.arrival_timer.level(live.now.get()).as_str()),
    };
    let i = incident.clone();
    let circumference = 2.0 * std::f64::consts::PI * RING_R;
    let dash = move || {
        let now = if drawn_elsewhere { live.now.get_untracked() } else { live.now.get() };
        let left = i.with(|i| (1.0 - i.arrival_timer.used(now)).clamp(0.0, 1.0));
        format!("{:.0} {:.0}", circumference * left, circumference)
    };
    let i = incident.clone();
    let class = move || i.with(|i| format!("incident prio-{} is-{}", i.priority.get(), i.status));
    let i = incident.clone();
    let status = move || i.with(|i| i.status.as_str());
    let lvl = level.clone();
    view! {
        <g class=class data-incident-id=id.to_string() data-status=status data-level=level transform=transform>
            <circle class="ring-track" r=RING_R.to_string()></circle>
            <circle
                class=move || format!("ring lvl-{}", lvl())
                r=RING_R.to_string()
                stroke-dasharray=dash
                transform="rotate(-90)"
            ></circle>
            <circle class="dot" r="62"></circle>
            <text class="incident-id" y="24">{id.to_string()}</text>
        </g>
    }
}
