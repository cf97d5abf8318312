//! The wall screen's live layer in the browser: units and incidents drawn on
//! one `<canvas>` over the SVG district map.
//!
//! Why: with 2,000 units, one SVG element per unit costs Chromium a layout,
//! a paint chunk and a layerization step per element on every change, and
//! the screen managed 3–5 frames/s while panning (scripts/screen-bench.sh).
//! A canvas redraws everything in a few milliseconds, at most once per
//! animation frame and only when something changed.
//!
//! The SVG markers stay in the page: the server renders them (the first
//! HTML, and the whole screen without JavaScript), and in the browser they
//! keep their `data-status`/`data-level` attributes current but are not
//! displayed (`.map.live-canvas`). The canvas draws the same shapes, colours
//! and label slots (the label layout is shared), in the view the pan/zoom
//! gesture has reached.

use leptos::prelude::*;

use super::pan_zoom::ViewBox;
use super::{LabelSlots, Projection};
use crate::live::Live;

/// Draws the live layer on `canvas` whenever the units, incidents, label
/// slots, the clock or the view change. Call once, in the browser.
pub fn start(canvas: NodeRef<leptos::html::Canvas>, live: Live, proj: Projection, full: ViewBox, shown: RwSignal<ViewBox>, slots: LabelSlots) {
    use std::cell::Cell;
    use std::rc::Rc;

    let pending = Rc::new(Cell::new(false));
    Effect::new(move |_| {
        // subscribe to everything the picture depends on
        live.now.track();
        shown.track();
        live.units.with(|m| m.values().for_each(|s| s.track()));
        live.incidents.with(|m| m.values().for_each(|s| s.track()));
        slots.track_all();
        if pending.replace(true) {
            return;
        }
        let pending = pending.clone();
        request_animation_frame(move || {
            pending.set(false);
            if let Some(c) = canvas.get_untracked() {
                draw::frame(&c, live, proj, full, shown.get_untracked(), slots);
            }
        });
    });
}

mod draw {
    use domain::{UnitKind, UnitStatus};
    use leptos::prelude::*;
    use wasm_bindgen::{JsCast, JsValue};
    use web_sys::CanvasRenderingContext2d as Ctx;

    use super::super::label_layout::{FONT, Slot};
    use super::super::pan_zoom::ViewBox;
    use super::super::{LabelSlots, Projection};
    use crate::live::Live;

    const FONT_FAMILY: &str =
        "\"Noto Sans CJK SC\", \"Source Han Sans SC\", \"WenQuanYi Micro Hei\", \"Microsoft YaHei\", \"PingFang SC\", system-ui, sans-serif";
    const OUTLINE: &str = "#0a1324";

    /// Colours from the stylesheet's variables, so CSS stays their one home.
    fn var(name: &str, fallback: &str) -> String {
        let doc = window().document();
        doc.and_then(|d| d.document_element())
            .and_then(|el| window().get_computed_style(&el).ok().flatten())
            .and_then(|s| s.get_property_value(name).ok())
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| fallback.to_owned())
    }

    struct Palette {
        green: String,
        yellow: String,
        orange: String,
        purple: String,
        grey: String,
        red: String,
        amber: String,
        blue: String,
    }

    thread_local! {
        static PALETTE: Palette = Palette {
            green: var("--green", "#22c55e"),
            yellow: var("--yellow", "#facc15"),
            orange: var("--orange", "#fb923c"),
            purple: var("--purple", "#c084fc"),
            grey: var("--grey", "#6b7280"),
            red: var("--red", "#ef4444"),
            amber: var("--amber", "#f59e0b"),
            blue: var("--blue", "#3b82f6"),
        };
    }

    fn status_fill(p: &Palette, s: UnitStatus) -> &str {
        match s {
            UnitStatus::Available => &p.green,
            UnitStatus::Dispatched => &p.yellow,
            UnitStatus::EnRoute => &p.orange,
            UnitStatus::OnScene => &p.purple,
            UnitStatus::OffDuty => &p.grey,
            UnitStatus::OutOfService => "#374151",
        }
    }

    /// A rounded rectangle path.
    fn round_rect(ctx: &Ctx, x: f64, y: f64, w: f64, h: f64, r: f64) {
        ctx.begin_path();
        ctx.move_to(x + r, y);
        let _ = ctx.arc_to(x + w, y, x + w, y + h, r);
        let _ = ctx.arc_to(x + w, y + h, x, y + h, r);
        let _ = ctx.arc_to(x, y + h, x, y, r);
        let _ = ctx.arc_to(x, y, x + w, y, r);
        ctx.close_path();
    }

    /// The unit's shape around the origin, in marker units (as the SVG draws it).
    fn shape(ctx: &Ctx, kind: UnitKind) {
        match kind {
            UnitKind::Car => round_rect(ctx, -70.0, -48.0, 140.0, 96.0, 22.0),
            UnitKind::Motorbike => {
                ctx.begin_path();
                ctx.move_to(0.0, -70.0);
                ctx.line_to(64.0, 50.0);
                ctx.line_to(-64.0, 50.0);
                ctx.close_path();
            }
            UnitKind::Ebike => {
                ctx.begin_path();
                ctx.move_to(0.0, -66.0);
                ctx.line_to(60.0, 0.0);
                ctx.line_to(0.0, 66.0);
                ctx.line_to(-60.0, 0.0);
                ctx.close_path();
            }
            UnitKind::Foot => {
                ctx.begin_path();
                let _ = ctx.arc(0.0, 0.0, 52.0, 0.0, std::f64::consts::TAU);
            }
            UnitKind::Post => {
                ctx.begin_path();
                ctx.rect(-62.0, -62.0, 124.0, 124.0);
            }
        }
    }

    pub fn frame(
        canvas: &web_sys::HtmlCanvasElement,
        live: Live,
        proj: Projection,
        full: ViewBox,
        view: ViewBox,
        slots: LabelSlots,
    ) {
        let Some(frame) = canvas.parent_element() else { return };
        let (w, h) = (f64::from(frame.client_width()), f64::from(frame.client_height()));
        if w <= 0.0 || h <= 0.0 {
            return;
        }
        let dpr = window().device_pixel_ratio().max(1.0);
        let (pw, ph) = ((w * dpr).round() as u32, (h * dpr).round() as u32);
        if canvas.width() != pw || canvas.height() != ph {
            canvas.set_width(pw);
            canvas.set_height(ph);
        }
        let Ok(Some(ctx)) = canvas.get_context("2d") else { return };
        let Ok(ctx) = ctx.dyn_into::<Ctx>() else { return };
        let _ = ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0);
        ctx.clear_rect(0.0, 0.0, w, h);

        let (s, ox, oy) = view.fit(w, h);
        // markers keep their size on screen: CSS px per marker unit
        let m = s / view.zoom(&full);
        let to_screen = |x: f64, y: f64| (ox + (x - view.x) * s, oy + (y - view.y) * s);
        let margin = 400.0 * m;
        let on_screen = |x: f64, y: f64| x > -margin && y > -margin && x < w + margin && y < h + margin;
        let now = live.now.get_untracked();
        let debug = js_sys::Reflect::get(&window(), &JsValue::from_str("__crDebugLabels")).is_ok_and(|v| v.is_truthy());
        let drawn_labels = js_sys::Array::new();

        PALETTE.with(|p| {
            // incidents, under the units
            live.incidents.with_untracked(|incidents| {
                for sig in incidents.values() {
                    sig.with_untracked(|i| {
                        let (x, y) = proj.xy(i.lat, i.lon);
                        let (x, y) = to_screen(x, y);
                        if !on_screen(x, y) {
                            return;
                        }
                        let level = i.arrival_timer.level(now);
                        let left = (1.0 - i.arrival_timer.used(now)).clamp(0.0, 1.0);
                        let _ = ctx.set_transform(dpr * m, 0.0, 0.0, dpr * m, dpr * x, dpr * y);
                        ctx.set_line_width(38.0);
                        ctx.begin_path();
                        let _ = ctx.arc(0.0, 0.0, 130.0, 0.0, std::f64::consts::TAU);
                        ctx.set_stroke_style_str(if level == domain::TimerLevel::Red {
                            "rgba(239, 68, 68, 0.6)"
                        } else {
                            "rgba(255, 255, 255, 0.14)"
                        });
                        ctx.stroke();
                        if left > 0.0 {
                            ctx.begin_path();
                            let start = -std::f64::consts::FRAC_PI_2;
                            let _ = ctx.arc(0.0, 0.0, 130.0, start, start + left * std::f64::consts::TAU);
                            ctx.set_stroke_style_str(match level {
                                domain::TimerLevel::Green => &p.green,
                                domain::TimerLevel::Amber => &p.amber,
                                domain::TimerLevel::Red => &p.red,
                            });
                            ctx.stroke();
                        }
                        ctx.begin_path();
                        let _ = ctx.arc(0.0, 0.0, 62.0, 0.0, std::f64::consts::TAU);
                        ctx.set_fill_style_str(match i.priority.get() {
                            1 => &p.red,
                            2 => &p.orange,
                            _ => &p.blue,
                        });
                        ctx.fill();
                        ctx.set_line_width(12.0);
                        ctx.set_stroke_style_str("#fff");
                        ctx.stroke();
                        ctx.set_font(&format!("800 72px {FONT_FAMILY}"));
                        ctx.set_text_align("center");
                        ctx.set_fill_style_str("#fff");
                        let _ = ctx.fill_text(&i.id.to_string(), 0.0, 24.0);
                    });
                }
            });

            // units, then their labels on top
            let mut labels: Vec<(f64, f64, Slot, String, bool)> = vec![];
            live.units.with_untracked(|units| {
                for (id, sig) in units {
                    sig.with_untracked(|u| {
                        let (Some(lat), Some(lon)) = (u.lat, u.lon) else { return };
                        let (x, y) = proj.xy(lat, lon);
                        let (x, y) = to_screen(x, y);
                        if !on_screen(x, y) {
                            return;
                        }
                        let _ = ctx.set_transform(dpr * m, 0.0, 0.0, dpr * m, dpr * x, dpr * y);
                        shape(&ctx, u.kind);
                        ctx.set_fill_style_str(status_fill(p, u.status));
                        ctx.fill();
                        if u.kind == UnitKind::Post {
                            ctx.set_line_width(12.0);
                            ctx.set_stroke_style_str("#fff");
                            ctx.stroke();
                            ctx.begin_path();
                            ctx.move_to(-28.0, 0.0);
                            ctx.line_to(28.0, 0.0);
                            ctx.move_to(0.0, -28.0);
                            ctx.line_to(0.0, 28.0);
                            ctx.stroke();
                        } else {
                            ctx.set_line_width(14.0);
                            ctx.set_stroke_style_str(OUTLINE);
                            ctx.stroke();
                        }
                        let slot = slots.get(*id);
                        if slot != Slot::Hidden {
                            labels.push((x, y, slot, u.callsign.clone(), u.status == UnitStatus::OffDuty));
                        }
                    });
                }
            });
            ctx.set_font(&format!("700 {FONT}px {FONT_FAMILY}"));
            ctx.set_line_join("round");
            for (x, y, slot, text, off) in labels {
                let (dx, dy, anchor) = slot.anchor();
                let _ = ctx.set_transform(dpr * m, 0.0, 0.0, dpr * m, dpr * x, dpr * y);
                ctx.set_text_align(match anchor {
                    "start" => "left",
                    "end" => "right",
                    _ => "center",
                });
                ctx.set_line_width(22.0);
                ctx.set_stroke_style_str(OUTLINE);
                let _ = ctx.stroke_text(&text, dx, dy);
                ctx.set_fill_style_str(if off { "#9ca3af" } else { "#f1f5f9" });
                let _ = ctx.fill_text(&text, dx, dy);
                if debug && let Ok(t) = ctx.measure_text(&text) {
                    // the drawn glyphs' box, in CSS px of the page
                    let r = canvas.get_bounding_client_rect();
                    let (ax, ay) = (r.left() + x + dx * m, r.top() + y + dy * m);
                    let b = js_sys::Array::of5(
                        &JsValue::from_f64(ax - t.actual_bounding_box_left() * m),
                        &JsValue::from_f64(ay - t.actual_bounding_box_ascent() * m),
                        &JsValue::from_f64(ax + t.actual_bounding_box_right() * m),
                        &JsValue::from_f64(ay + t.actual_bounding_box_descent() * m),
                        &JsValue::from_str(&text),
                    );
                    drawn_labels.push(&b);
                }
            }
        });
        let _ = ctx.set_transform(1.0, 0.0, 0.0, 1.0, 0.0, 0.0);
        if debug {
            let _ = js_sys::Reflect::set(&window(), &JsValue::from_str("__crLabels"), &drawn_labels);
        }
        let _ = canvas.set_attribute("data-drawn", &live.seq.get_untracked().to_string());
    }
}
