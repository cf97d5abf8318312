use leptos::prelude::*;

use super::link;
use crate::i18n::{msg, t};
use crate::review::ReviewReport;

/// Incidents per day as bars, breaches in red, on a fixed 900 × 180 canvas.
#[component]
pub fn DaysChart(r: ReviewReport) -> impl IntoView {
    let sel = r.params.selection();
    let (w, h) = (900.0_f64, 180.0_f64);
    let max = r.days.iter().map(|d| d.count).max().unwrap_or(0).max(1) as f64;
    let n = r.days.len().max(1) as f64;
    let bw = w / n;
    let bars = r
        .days
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let x = i as f64 * bw;
            let hc = d.count as f64 / max * (h - 20.0);
            let hb = d.breached as f64 / max * (h - 20.0);
            let href = link("/review/incidents", &sel.with("from", Some(&d.date)).with("to", Some(&d.date)));
            view! {
                <a href=href rel="external">
                    <title>{format!("{}: {} / {}", d.date, d.count, d.breached)}</title>
                    <rect class="bar" x=format!("{:.1}", x + bw * 0.1) y=format!("{:.1}", h - hc) width=format!("{:.2}", (bw * 0.8).max(0.5)) height=format!("{hc:.1}") />
                    <rect class="bar-bad" x=format!("{:.1}", x + bw * 0.1) y=format!("{:.1}", h - hb) width=format!("{:.2}", (bw * 0.8).max(0.5)) height=format!("{hb:.1}") />
                </a>
            }
        })
        .collect_view();
    let first = r.days.first().map(|d| d.date.clone()).unwrap_or_default();
    let last = r.days.last().map(|d| d.date.clone()).unwrap_or_default();
    view! {
        <svg class="chart" viewBox=format!("0 0 {w} {}", h + 18.0) role="img" aria-label=t(msg::REVIEW_DAILY_CHART)>
            <text x="0" y="12" class="axis">{format!("{}", max as u64)}</text>
            {bars}
            <line x1="0" y1=h x2=w y2=h class="axis-line" />
            <text x="0" y=h + 15.0 class="axis">{first}</text>
            <text x=w y=h + 15.0 class="axis" text-anchor="end">{last}</text>
        </svg>
        <p class="chart-key"><span class="swatch bar"></span>{t(msg::REVIEW_KEY_INCIDENTS)} <span class="swatch bar-bad"></span>{t(msg::REVIEW_KEY_BREACHED)}</p>
    }
}
