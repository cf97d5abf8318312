use leptos::prelude::*;

use super::link;
use crate::i18n::{msg, t};
use crate::review::ReviewReport;

/// Square bins over the station outlines, darker for more incidents; each
/// links to its incidents. No tiles: the district's own geometry.
#[component]
pub fn HotSpotMap(r: ReviewReport) -> impl IntoView {
    let hs = r.hot_spots.clone();
    let sel = r.params.selection();
    let max = hs.max.max(1) as f64;
    let outlines = hs.outlines.iter().map(|d| view! { <path d=d.clone() class="outline" /> }).collect_view();
    let cells = hs
        .cells
        .iter()
        .map(|c| {
            // square-root scale: a few hot spots do not wash out the rest
            let level = ((c.count as f64 / max).sqrt() * 9.0).ceil() as u32;
            let href = link("/review/incidents", &sel.with("bbox", Some(&c.bbox)));
            view! {
                <a href=href rel="external">
                    <rect class=format!("cell h{level}") x=format!("{:.1}", c.x) y=format!("{:.1}", c.y) width=format!("{:.1}", c.w) height=format!("{:.1}", c.h)>
                        <title>{c.count}</title>
                    </rect>
                </a>
            }
        })
        .collect_view();
    view! {
        <svg class="hotspots" viewBox=format!("0 0 {} {}", hs.width, hs.height) role="img" aria-label=t(msg::REVIEW_HOT_SPOT_MAP)>
            <rect class="land" x="0" y="0" width=hs.width height=hs.height />
            {cells}
            {outlines}
        </svg>
    }
}
