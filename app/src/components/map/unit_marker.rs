//! A unit on the map: a shape by kind, a colour by status, its callsign in
//! the place the label layout gave it. Drawn at 1/zoom so it keeps its size
//! on screen when the map is zoomed.

use leptos::prelude::*;

use super::Projection;
use super::label_layout::Slot;
use crate::wire::UnitView;
use domain::UnitKind;

#[component]
pub fn UnitMarker(
    unit: ArcRwSignal<UnitView>,
    proj: Projection,
    /// How many times closer than the whole map the view is.
    zoom: Signal<f64>,
    /// Where the callsign goes (from the label layout).
    label_slot: ArcRwSignal<Slot>,
    /// The browser draws units elsewhere (the wall screen's canvas): keep
    /// status and label slot current, but leave position and zoom as the
    /// server rendered them (thousands of hidden transforms a second are
    /// pure cost).
    #[prop(optional)]
    drawn_elsewhere: bool,
) -> impl IntoView {
    let (id, callsign, kind) = unit.with_untracked(|u| (u.id, u.callsign.clone(), u.kind));
    // what the marker's class, `data-status` and `hidden` show: a memo, so a
    // position update (a thousand a message on the wall screen) re-runs one
    // comparison per unit instead of three attribute updates
    let u = unit.clone();
    let shown = Memo::new(move |_| u.with(|u| (u.status, u.lat.is_none())));
    let status = move || shown.with(|s| s.0.as_str());
    let u = unit.clone();
    let transform = move || {
        let read = |f: &mut dyn FnMut(&UnitView) -> String| {
            if drawn_elsewhere { u.with_untracked(|u| f(u)) } else { u.with(|u| f(u)) }
        };
        let z = if drawn_elsewhere { 1.0 } else { zoom.get() };
        read(&mut |u: &UnitView| match (u.lat, u.lon) {
            (Some(lat), Some(lon)) => {
                let (x, y) = proj.xy(lat, lon);
                if (z - 1.0).abs() < 1e-9 {
                    format!("translate({x:.0} {y:.0})")
                } else {
                    format!("translate({x:.0} {y:.0}) scale({:.4})", 1.0 / z)
                }
            }
            _ => "translate(-1000 -1000)".to_owned(),
        })
    };
    let hidden = move || shown.with(|s| s.1);
    let s = status;
    let label = callsign.clone();
    let shape = match kind {
        UnitKind::Car => {
            view! { <rect class="shape" x="-70" y="-48" width="140" height="96" rx="22"></rect> }.into_any()
        }
        UnitKind::Motorbike => view! { <path class="shape" d="M0 -70 L64 50 L-64 50 Z"></path> }.into_any(),
        UnitKind::Ebike => view! { <path class="shape" d="M0 -66 L60 0 L0 66 L-60 0 Z"></path> }.into_any(),
        UnitKind::Foot => view! { <circle class="shape" r="52"></circle> }.into_any(),
        UnitKind::Post => {
            view! { <path class="shape" d="M-62 -62 H62 V62 H-62 Z M-28 0 H28 M0 -28 V28"></path> }.into_any()
        }
    };
    // the label: in the slot the layout gives it (read once when the unit
    // is drawn elsewhere; `data-slot` and `hidden` stay current)
    let first = label_slot.get_untracked().anchor();
    let (s1, s2, s3, s4, s5) =
        (label_slot.clone(), label_slot.clone(), label_slot.clone(), label_slot.clone(), label_slot);
    let anchor = move |s: &ArcRwSignal<Slot>| if drawn_elsewhere { first } else { s.get().anchor() };
    view! {
        <g
            class=move || format!("unit st-{} kind-{}", s(), kind)
            class:hidden=hidden
            data-unit-id=id.to_string()
            data-callsign=label.clone()
            data-status=status
            transform=transform
        >
            {shape}
            <text
                class="unit-label"
                class:hidden=move || s1.get() == Slot::Hidden
                data-slot=move || s2.get().as_str()
                x=move || format!("{:.0}", anchor(&s3).0)
                y=move || format!("{:.0}", anchor(&s4).1)
                text-anchor=move || anchor(&s5).2
            >
                {callsign}
            </text>
        </g>
    }
}
