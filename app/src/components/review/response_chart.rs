use leptos::prelude::*;

use crate::i18n::{msg, t};
use crate::review::ReviewReport;

/// Response times in 30-second bins with the arrival targets marked.
#[component]
pub fn ResponseChart(r: ReviewReport) -> impl IntoView {
    let (w, h) = (900.0_f64, 160.0_f64);
    let bins = r.response_histogram.len().max(1) as f64;
    let max = r.response_histogram.iter().map(|b| b.1).max().unwrap_or(0).max(1) as f64;
    let bw = w / bins;
    let bars = r
        .response_histogram
        .iter()
        .enumerate()
        .map(|(i, (start, n))| {
            let hh = *n as f64 / max * (h - 20.0);
            let last = i + 1 == r.response_histogram.len();
            let label = if last { format!("≥ {} s: {n}", start) } else { format!("{}–{} s: {n}", start, start + 29) };
            view! {
                <g>
                    <title>{label}</title>
                    <rect class="bar" x=format!("{:.1}", i as f64 * bw + 1.0) y=format!("{:.1}", h - hh) width=format!("{:.1}", bw - 2.0) height=format!("{hh:.1}") />
                </g>
            }
        })
        .collect_view();
    let marks = r
        .arrival_targets_s
        .iter()
        .map(|(k, s)| {
            let x = (*s as f64 / 30.0 * bw).min(w);
            view! {
                <line x1=x y1="14" x2=x y2=h class="target-line" />
                <text x=x + 3.0 y="24" class="axis">{format!("{k} {s}s")}</text>
            }
        })
        .collect_view();
    view! {
        <svg class="chart" viewBox=format!("0 0 {w} {}", h + 18.0) role="img" aria-label=t(msg::REVIEW_RESPONSE_TIMES)>
            {bars}
            {marks}
            <line x1="0" y1=h x2=w y2=h class="axis-line" />
            <text x="0" y=h + 15.0 class="axis">"0"</text>
            <text x=w / 2.0 y=h + 15.0 class="axis" text-anchor="middle">"7:30"</text>
            <text x=w y=h + 15.0 class="axis" text-anchor="end">"15:00+"</text>
        </svg>
    }
}
