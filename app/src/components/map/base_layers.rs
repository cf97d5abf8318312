//! The district's static layers: station areas, zones shaded by response
//! class, roads, landmarks and must-patrol points.

use domain::patrol::PointState;
use std::collections::BTreeMap;

use leptos::prelude::*;

use super::Projection;
use crate::i18n::{Lang, lang, msg, t};
use crate::wire::{MapData, PointStateView};

#[component]
pub fn BaseLayers(
    map: MapData,
    proj: Projection,
    /// Tonight's state of each must-patrol point, when the page keeps it.
    #[prop(optional)]
    point_states: Option<RwSignal<BTreeMap<String, PointStateView>>>,
) -> impl IntoView {
    let en = lang() == Lang::En;
    let stations = map
        .stations
        .iter()
        .map(|s| {
            let d = proj.ring_path(s.area.ring());
            view! { <path class="station-area" d=d data-station=s.code.to_string()></path> }
        })
        .collect_view();
    let zones = map
        .zones
        .iter()
        .map(|z| {
            let d = proj.ring_path(z.area.ring());
            let class = format!("zone zone-{}", z.class);
            view! { <path class=class d=d data-zone=z.code.clone()><title>{z.name.clone()}</title></path> }
        })
        .collect_view();
    let roads = map
        .roads
        .iter()
        .map(|r| {
            let class = format!("road road-{}", r.class);
            view! { <polyline class=class points=proj.line_points(&r.line)></polyline> }
        })
        .collect_view();
    let station_labels = map
        .stations
        .iter()
        .map(|s| {
            let (x, y) = proj.centroid(s.area.ring());
            let name = if en && !s.name_en.is_empty() { s.name_en.clone() } else { s.name.clone() };
            view! { <text class="station-label" x=format!("{x:.0}") y=format!("{y:.0}")>{name}</text> }
        })
        .collect_view();
    let landmarks = map
        .landmarks
        .iter()
        .filter(|l| l.kind != domain::district::LandmarkKind::Station)
        .map(|l| {
            let (x, y) = proj.point(&l.at);
            let name = if en && !l.name_en.is_empty() { l.name_en.clone() } else { l.name.clone() };
            view! {
                <g class=format!("landmark lm-{}", l.kind) transform=format!("translate({x:.0} {y:.0})")>
                    <circle r="38"></circle>
                    <text x="60" y="25">{name}</text>
                </g>
            }
        })
        .collect_view();
    let posts = map
        .landmarks
        .iter()
        .filter(|l| l.kind == domain::district::LandmarkKind::Station)
        .map(|l| {
            let (x, y) = proj.point(&l.at);
            view! {
                <g class="police-station" transform=format!("translate({x:.0} {y:.0})")>
                    <rect x="-55" y="-55" width="110" height="110" rx="12"></rect>
                    <text y="28">{t(msg::POLICE_GLYPH)}</text>
                </g>
            }
        })
        .collect_view();
    let points = map
        .patrol_points
        .iter()
        .map(|p| {
            let (x, y) = proj.point(&p.at);
            let code = p.code.to_string();
            let state = Signal::derive(move || {
                point_states.and_then(|s| s.with(|m| m.get(&code).map(|v| v.state))).unwrap_or(PointState::Idle)
            });
            let name = format!("{} {}", p.code, p.name);
            let title = move || match crate::i18n::point_state_label(state.get()) {
                Some(label) => format!("{name} · {label}"),
                None => name.clone(),
            };
            view! {
                <g
                    class=move || format!("patrol-point ps-{}", state.get())
                    data-point=p.code.to_string()
                    data-state=move || state.get().as_str()
                    transform=format!("translate({x:.0} {y:.0})")
                >
                    <title>{title}</title>
                    <path d="M0 -48 L48 0 L0 48 L-48 0 Z"></path>
                </g>
            }
        })
        .collect_view();
    // optional raster tiles from the deployment's tile server, under everything
    let tiles = map.tiles.as_ref().map(|t| {
        super::tiles::covering(&proj, &t.url, t.zoom)
            .into_iter()
            .map(|t| {
                view! {
                    <image
                        href=t.href
                        x=format!("{:.1}", t.x)
                        y=format!("{:.1}", t.y)
                        width=format!("{:.1}", t.w)
                        height=format!("{:.1}", t.h)
                        preserveAspectRatio="none"
                    ></image>
                }
            })
            .collect_view()
    });
    let with_tiles = map.tiles.is_some();
    view! {
        <g class="layer-base" class:with-tiles=with_tiles>
            <rect class="map-bg" x="0" y="0" width=format!("{:.0}", proj.width) height=format!("{:.0}", proj.height)></rect>
            <g class="layer-tiles">{tiles}</g>
            <g class="layer-stations">{stations}</g>
            <g class="layer-zones">{zones}</g>
            <g class="layer-roads">{roads}</g>
            <g class="layer-station-labels">{station_labels}</g>
            <g class="layer-landmarks">{landmarks}{posts}</g>
            <g class="layer-patrol-points">{points}</g>
        </g>
    }
}
