//! The map: static layers once, then live incidents and units, then an
//! optional overlay (e.g. a dispatcher's recommendations).

use leptos::prelude::*;

use super::{BaseLayers, IncidentMarker, Projection, UnitMarker};
use crate::live::Live;
use crate::wire::MapData;

/// Lines from recommended units to the incident they were recommended for.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Overlay {
    /// (lat, lon) of the incident, if one is selected.
    pub target: Option<(f64, f64)>,
    /// (lat, lon, label) of each recommended unit, best first.
    pub candidates: Vec<(f64, f64, String)>,
}

#[component]
pub fn MapView(
    map: MapData,
    live: Live,
    #[prop(optional, into)] overlay: Option<Signal<Overlay>>,
    /// Called with (lat, lon) when the map is clicked.
    #[prop(optional, into)]
    on_pick: Option<Callback<(f64, f64)>>,
) -> impl IntoView {
    let proj = Projection::fit(&map);
    let overlay_view = move || {
        let o = overlay.map(|o| o.get()).unwrap_or_default();
        let Some((tlat, tlon)) = o.target else { return ().into_any() };
        let (tx, ty) = proj.xy(tlat, tlon);
        o.candidates
            .into_iter()
            .enumerate()
            .map(|(rank, (lat, lon, label))| {
                let (x, y) = proj.xy(lat, lon);
                view! {
                    <g class=format!("candidate rank-{rank}")>
                        <line x1=format!("{x:.0}") y1=format!("{y:.0}") x2=format!("{tx:.0}") y2=format!("{ty:.0}")></line>
                        <text x=format!("{:.0}", x + 90.0) y=format!("{:.0}", y - 90.0)>{format!("{}. {label}", rank + 1)}</text>
                    </g>
                }
            })
            .collect_view()
            .into_any()
    };
    let svg_ref = NodeRef::<leptos::svg::Svg>::new();
    let on_click = move |ev: leptos::ev::MouseEvent| {
        let Some(cb) = on_pick else { return };
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let Some(svg) = svg_ref.get() else { return };
            let el: &web_sys::Element = svg.unchecked_ref();
            let rect = el.get_bounding_client_rect();
            // the viewBox keeps its aspect ratio (xMidYMid meet): one scale, centred
            let scale = (proj.width / rect.width()).max(proj.height / rect.height());
            let off_x = (rect.width() - proj.width / scale) / 2.0;
            let off_y = (rect.height() - proj.height / scale) / 2.0;
            let x = (f64::from(ev.client_x()) - rect.left() - off_x) * scale;
            let y = (f64::from(ev.client_y()) - rect.top() - off_y) * scale;
            cb.run(proj.lat_lon(x, y));
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = (ev, cb, svg_ref);
        }
    };
    view! {
        <svg
            node_ref=svg_ref
            class="map"
            viewBox=proj.view_box()
            preserveAspectRatio="xMidYMid meet"
            role="img"
            aria-label=map.name.clone()
            on:click=on_click
        >
            <BaseLayers map=map.clone() proj=proj />
            <g class="layer-overlay">{overlay_view}</g>
            <g class="layer-incidents">
                <For
                    each=move || live.incident_list()
                    key=|(id, _)| *id
                    children=move |(_, sig)| view! { <IncidentMarker incident=sig proj=proj live=live /> }
                />
            </g>
            <g class="layer-units">
                <For
                    each=move || live.unit_list()
                    key=|(id, _)| *id
                    children=move |(_, sig)| view! { <UnitMarker unit=sig proj=proj /> }
                />
            </g>
        </svg>
    }
}
