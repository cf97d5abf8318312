//! The map: static layers once, then (optionally) reach rings, live
//! incidents and units, then an optional overlay (e.g. a dispatcher's
//! recommendations). Unit labels are placed by the label layout, on the
//! server for the first HTML and again in the browser as units move or the
//! view zooms. The wall screen also pans and zooms (see `pan_zoom`).

use std::collections::BTreeMap;

use domain::{UnitId, UnitStatus};
use leptos::prelude::*;

use super::label_layout::{self, Marker, Rect, Slot};
use super::pan_zoom::ViewBox;
use super::reach_layer::{ReachLayer, ReachState};
use super::{BaseLayers, IncidentMarker, Projection, UnitMarker};
use crate::live::Live;
use crate::wire::MapData;

/// Units working an incident are labelled first, then available ones, posts,
/// and the rest.
fn label_rank(status: UnitStatus, kind: domain::UnitKind) -> u8 {
    match status {
        UnitStatus::Dispatched | UnitStatus::EnRoute | UnitStatus::OnScene => 0,
        _ if kind == domain::UnitKind::Post => 2,
        UnitStatus::Available => 1,
        _ => 3,
    }
}

/// The label slot of every unit: one signal each, so a new layout touches
/// only the labels that move; and one signal that changes with any of them.
#[derive(Clone, Copy)]
pub struct LabelSlots(StoredValue<BTreeMap<UnitId, ArcRwSignal<Slot>>>, RwSignal<u64>);

impl LabelSlots {
    fn new(initial: Vec<(UnitId, Slot)>) -> LabelSlots {
        LabelSlots(
            StoredValue::new(initial.into_iter().map(|(id, s)| (id, ArcRwSignal::new(s))).collect()),
            RwSignal::new(0),
        )
    }

    /// The signal of one unit's slot (hidden until laid out).
    pub fn signal(&self, id: UnitId) -> ArcRwSignal<Slot> {
        self.0
            .try_update_value(|m| m.entry(id).or_insert_with(|| ArcRwSignal::new(Slot::Hidden)).clone())
            .unwrap_or_else(|| ArcRwSignal::new(Slot::Hidden))
    }

    /// One unit's slot now, without subscribing.
    pub fn get(&self, id: UnitId) -> Slot {
        self.0.with_value(|m| m.get(&id).map_or(Slot::Hidden, |s| s.get_untracked()))
    }

    /// Subscribes the running effect to every slot (to one signal that
    /// changes whenever a slot does).
    pub fn track_all(&self) {
        self.1.track();
    }

    fn apply(&self, result: Vec<(UnitId, Slot)>) {
        let mut changed = false;
        self.0.update_value(|m| {
            if m.len() > result.len() + 64 {
                // units gone from the map: forget their slots
                let keep: std::collections::BTreeSet<UnitId> = result.iter().map(|(id, _)| *id).collect();
                m.retain(|id, _| keep.contains(id));
            }
            for (id, slot) in result {
                let sig = m.entry(id).or_insert_with(|| ArcRwSignal::new(slot)).clone();
                if sig.get_untracked() != slot {
                    sig.set(slot);
                    changed = true;
                }
            }
        });
        if changed {
            self.1.update(|n| *n += 1);
        }
    }
}

/// What unit labels must not cover, in user units: landmarks with their
/// names, police stations and must-patrol points (as drawn by `BaseLayers`).
fn fixed_obstacles(map: &MapData, proj: &Projection) -> Vec<Rect> {
    use domain::district::LandmarkKind;
    let en = crate::i18n::lang() == crate::i18n::Lang::En;
    let around = |(x, y): (f64, f64), r: f64| Rect { x0: x - r, y0: y - r, x1: x + r, y1: y + r };
    let mut out = vec![];
    for l in &map.landmarks {
        let at = proj.point(&l.at);
        if l.kind == LandmarkKind::Station {
            out.push(around(at, 62.0));
        } else {
            out.push(around(at, 40.0));
            // the name: 105 units, from (60, 25) relative to the dot
            let name = if en && !l.name_en.is_empty() { &l.name_en } else { &l.name };
            let w = label_layout::text_width_em(name) * 105.0;
            out.push(Rect { x0: at.0 + 55.0, y0: at.1 + 25.0 - 105.0, x1: at.0 + 60.0 + w, y1: at.1 + 25.0 + 30.0 });
        }
    }
    for p in &map.patrol_points {
        out.push(around(proj.point(&p.at), 50.0));
    }
    out
}

/// The label slot of every unit with a position at zoom `z`. `tracked`:
/// subscribe (inside an effect) or read without subscribing. Subscribing
/// means to the unit list and the stream's sequence number, which changes
/// with every change to any unit (`Live::apply`), not to each unit's signal:
/// re-subscribing to 2,000 signals after each positions message was a good
/// part of the wall screen's script time.
fn layout(live: Live, proj: Projection, z: f64, obstacles: &[Rect], tracked: bool) -> Vec<(UnitId, Slot)> {
    let mut ids = vec![];
    let mut markers = vec![];
    let read = |units: &BTreeMap<UnitId, ArcRwSignal<crate::wire::UnitView>>| {
        for (id, sig) in units {
            let mut f = |u: &crate::wire::UnitView| {
                if let (Some(lat), Some(lon)) = (u.lat, u.lon) {
                    let (x, y) = proj.xy(lat, lon);
                    ids.push(*id);
                    markers.push(Marker {
                        x: x * z,
                        y: y * z,
                        width_em: label_layout::text_width_em(&u.callsign),
                        rank: label_rank(u.status, u.kind),
                        key: id.0,
                    });
                }
            };
            sig.with_untracked(&mut f)
        }
    };
    if tracked {
        live.seq.track();
        live.units.with(read)
    } else {
        live.units.with_untracked(read)
    }
    let obstacles: Vec<Rect> = obstacles.iter().map(|o| o.scaled(z)).collect();
    ids.into_iter().zip(label_layout::place(&markers, &obstacles)).collect()
}

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
    /// Reach rings, drawn while the signal is true.
    #[prop(optional)]
    reach: Option<(Signal<bool>, Memo<ReachState>)>,
    /// Mouse wheel, drag and keyboard pan and zoom (the wall screen).
    #[prop(optional)]
    pan_zoom: bool,
    /// In the browser, draw units and incidents on a canvas (thousands of
    /// units; see `live_canvas`). The server still renders them as SVG.
    #[prop(optional)]
    canvas: bool,
) -> impl IntoView {
    let proj = Projection::fit(&map);
    let full = ViewBox::full(proj.width, proj.height);
    let view_box = RwSignal::new(full);
    let zoom = Signal::from(Memo::new(move |_| view_box.with(|v| v.zoom(&full))));

    // label slots: one signal per unit, so a changed layout touches only the
    // labels that move; laid out once here (the server's HTML), then again
    // in the browser whenever a unit moves or the zoom changes
    let obstacles = StoredValue::new(fixed_obstacles(&map, &proj));
    let slots = LabelSlots::new(layout(live, proj, 1.0, &obstacles.read_value(), false));
    Effect::new(move |_| {
        let result = layout(live, proj, zoom.get(), &obstacles.read_value(), true);
        slots.apply(result);
    });
    let reach_view = move || {
        let (on, memo) = reach?;
        on.get().then(|| view! { <ReachLayer reach=memo /> })
    };
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
    // the incidents' timer levels in one memo, for the markers of a map
    // drawn on a canvas (see `IncidentMarker`)
    let levels = canvas.then(|| {
        Memo::new(move |_| {
            let now = live.now.get();
            live.incidents.with(|m| {
                m.iter().map(|(id, sig)| (*id, sig.with(|i| i.arrival_timer.level(now)))).collect::<BTreeMap<_, _>>()
            })
        })
    });
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
            let (x, y) = view_box.get_untracked().user_at(
                f64::from(ev.client_x()) - rect.left(),
                f64::from(ev.client_y()) - rect.top(),
                rect.width(),
                rect.height(),
            );
            cb.run(proj.lat_lon(x, y));
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = (ev, cb, svg_ref);
        }
    };
    let pz = super::pan_zoom::PanZoom::new(pan_zoom, svg_ref, view_box, full);
    let canvas_ref = NodeRef::<leptos::html::Canvas>::new();
    let canvas_on = RwSignal::new(false);
    if canvas {
        #[cfg(feature = "hydrate")]
        super::live_canvas::start(canvas_ref, live, proj, full, view_box, slots);
        Effect::new(move |_| {
            // the canvas (and the label layout) follow `live.seq`; the hidden
            // SVG markers do not need each position
            live.quiet_positions.set(true);
            canvas_on.set(true);
        });
    }
    let svg = view! {
        <svg
            node_ref=svg_ref
            class="map"
            class:pan-zoom=pan_zoom
            class:live-canvas=move || canvas_on.get()
            viewBox=move || view_box.get().attr()
            preserveAspectRatio="xMidYMid meet"
            role="img"
            aria-label=map.name.clone()
            data-zoom=move || format!("{:.2}", zoom.get())
            on:click=on_click
            on:wheel=move |ev| pz.wheel(&ev)
            on:pointerdown=move |ev| pz.down(&ev)
            on:pointermove=move |ev| pz.moved(&ev)
            on:pointerup=move |_| pz.up()
            on:pointerleave=move |_| pz.up()
        >
            <BaseLayers map=map.clone() proj=proj point_states=live.points />
            {reach_view}
            <g class="layer-overlay">{overlay_view}</g>
            // the live markers in a nested <svg> (same user space): hidden
            // under the canvas, a <g> with display: none would still be laid
            // out by Chromium (it keeps a hidden container for resources), an
            // <svg> with display: none is not
            <svg class="live-markers" overflow="visible">
            <g class="layer-incidents">
                <For
                    each=move || live.incident_list()
                    key=|(id, _)| *id
                    children=move |(_, sig)| view! { <IncidentMarker incident=sig proj=proj live=live zoom=zoom drawn_elsewhere=canvas levels=levels /> }
                />
            </g>
            <g class="layer-units">
                <For
                    each=move || live.unit_list()
                    key=|(id, _)| *id
                    children=move |(id, sig)| view! { <UnitMarker unit=sig proj=proj zoom=zoom label_slot=slots.signal(id) drawn_elsewhere=canvas /> }
                />
            </g>
            </svg>
        </svg>
    };
    let layer = canvas.then(|| view! { <canvas node_ref=canvas_ref class="live-layer" aria-hidden="true"></canvas> });
    if pan_zoom {
        // one wrapper carries the gesture's preview transform for the map and
        // the live layer (see `pan_zoom`)
        view! { <div class="map-pan">{svg}{layer}</div> }.into_any()
    } else {
        view! { {svg}{layer} }.into_any()
    }
}
