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
//! and label slots (the label layout is shared), in the committed view;
//! during a pan/zoom gesture the canvas is moved with the SVG by a CSS
//! transform, like the SVG (see `pan_zoom`).

use leptos::prelude::*;

use super::pan_zoom::ViewBox;
use super::{LabelSlots, Projection};
use crate::live::Live;

/// Draws the live layer on `canvas` whenever the units, incidents, label
/// slots, the clock or the view change. Call once, in the browser.
pub fn start(
    canvas: NodeRef<leptos::html::Canvas>,
    live: Live,
    proj: Projection,
    full: ViewBox,
    view_box: RwSignal<ViewBox>,
    slots: LabelSlots,
) {
    use std::cell::Cell;
    use std::rc::Rc;

    // the map frame's size, read when the window is resized rather than in
    // every frame: reading it forces a style and layout pass in the middle
    // of the animation frame (`clientWidth` was the page's costliest call in
    // a CPU profile of scripts/screen-bench.sh)
    // (and a redraw: the canvas has a fixed size in CSS px, see `canvas_size`)
    let resizes = RwSignal::new(0u32);
    let resized = leptos::prelude::window_event_listener(leptos::ev::resize, move |_| {
        draw::forget_size();
        resizes.update(|n| *n = n.wrapping_add(1));
    });
    on_cleanup(move || resized.remove());
    let pending = Rc::new(Cell::new(false));
    Effect::new(move |_| {
        // subscribe to everything the picture depends on: every change to a
        // unit or an incident comes with a new sequence number (`Live::apply`),
        // so one signal stands for thousands (subscribing to each unit's
        // signal in every run cost more than drawing)
        live.now.track();
        live.seq.track();
        live.units.track();
        live.incidents.track();
        view_box.track();
        slots.track_all();
        resizes.track();
        if pending.replace(true) {
            return;
        }
        let pending = pending.clone();
        request_animation_frame(move || {
            pending.set(false);
            if let Some(c) = canvas.get_untracked() {
                draw::frame(&c, live, proj, full, view_box.get_untracked(), slots);
            }
        });
    });
}

mod draw {
    use domain::{UnitKind, UnitStatus};
    use leptos::prelude::*;
    use wasm_bindgen::{JsCast, JsValue};
    use web_sys::CanvasRenderingContext2d as Ctx;

    use super::super::canvas_size::{CanvasSize, canvas_size};
    use super::super::label_layout::{FONT, MARKER_R, Marker, Slot, label_box, text_width_em};
    use super::super::pan_zoom::ViewBox;
    use super::super::{LabelSlots, Projection};
    use crate::live::Live;

    const FONT_FAMILY: &str = "\"Noto Sans CJK SC\", \"Source Han Sans SC\", \"WenQuanYi Micro Hei\", \"Microsoft YaHei\", \"PingFang SC\", system-ui, sans-serif";
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

    /// Adds a unit's shape at `(x, y)` (CSS px), `m` px per marker unit, to
    /// the current path (as the SVG draws it: see `unit_marker.rs`).
    fn add_shape(ctx: &Ctx, kind: UnitKind, x: f64, y: f64, m: f64) {
        let p = |dx: f64, dy: f64| (x + dx * m, y + dy * m);
        let poly = |pts: &[(f64, f64)]| {
            for (k, (dx, dy)) in pts.iter().enumerate() {
                let (px, py) = p(*dx, *dy);
                if k == 0 { ctx.move_to(px, py) } else { ctx.line_to(px, py) }
            }
            ctx.close_path();
        };
        match kind {
            UnitKind::Car => {
                let (x0, y0, w, h, r) = (x - 70.0 * m, y - 48.0 * m, 140.0 * m, 96.0 * m, 22.0 * m);
                ctx.move_to(x0 + r, y0);
                let _ = ctx.arc_to(x0 + w, y0, x0 + w, y0 + h, r);
                let _ = ctx.arc_to(x0 + w, y0 + h, x0, y0 + h, r);
                let _ = ctx.arc_to(x0, y0 + h, x0, y0, r);
                let _ = ctx.arc_to(x0, y0, x0 + w, y0, r);
                ctx.close_path();
            }
            UnitKind::Motorbike => poly(&[(0.0, -70.0), (64.0, 50.0), (-64.0, 50.0)]),
            UnitKind::Ebike => poly(&[(0.0, -66.0), (60.0, 0.0), (0.0, 66.0), (-60.0, 0.0)]),
            UnitKind::Foot => {
                ctx.move_to(x + 52.0 * m, y);
                let _ = ctx.arc(x, y, 52.0 * m, 0.0, std::f64::consts::TAU);
            }
            UnitKind::Post => {
                poly(&[(-62.0, -62.0), (62.0, -62.0), (62.0, 62.0), (-62.0, 62.0)]);
                for (a, b) in [((-28.0, 0.0), (28.0, 0.0)), ((0.0, -28.0), (0.0, 28.0))] {
                    let (ax, ay) = p(a.0, a.1);
                    let (bx, by) = p(b.0, b.1);
                    ctx.move_to(ax, ay);
                    ctx.line_to(bx, by);
                }
            }
        }
    }

    /// A small canvas of `size` CSS px (at `dpr`), drawn once by `paint` with
    /// the origin at its centre; blitting it is far cheaper than filling and
    /// outlining the same shape again (the canvas is software-rendered here).
    fn sprite(size: f64, dpr: f64, paint: impl FnOnce(&Ctx)) -> Option<web_sys::HtmlCanvasElement> {
        let c: web_sys::HtmlCanvasElement = window().document()?.create_element("canvas").ok()?.dyn_into().ok()?;
        let px = (size * dpr).ceil() as u32;
        c.set_width(px);
        c.set_height(px);
        let ctx: Ctx = c.get_context("2d").ok()??.dyn_into().ok()?;
        let _ = ctx.set_transform(dpr, 0.0, 0.0, dpr, size / 2.0 * dpr, size / 2.0 * dpr);
        paint(&ctx);
        Some(c)
    }

    /// Sprites by key, made for one marker scale and pixel ratio.
    #[derive(Default)]
    struct Sprites {
        scale: (f64, f64),
        units: std::collections::HashMap<(UnitKind, UnitStatus), Option<web_sys::HtmlCanvasElement>>,
        /// Track and dot of an incident, by (priority index, red).
        incidents: std::collections::HashMap<(usize, bool), Option<web_sys::HtmlCanvasElement>>,
    }

    thread_local! {
        static SPRITES: std::cell::RefCell<Sprites> = std::cell::RefCell::new(Sprites::default());
    }

    /// Adds a circle (or an arc of one, from 12 o'clock clockwise) to the current path.
    fn add_arc(ctx: &Ctx, x: f64, y: f64, r: f64, fraction: f64) {
        let start = -std::f64::consts::FRAC_PI_2;
        ctx.move_to(x + r * start.cos(), y + r * start.sin());
        let _ = ctx.arc(x, y, r, start, start + fraction * std::f64::consts::TAU);
    }

    thread_local! {
        /// The canvas's size in CSS px, once read (see `start`).
        static SIZE: std::cell::Cell<Option<(f64, f64)>> = const { std::cell::Cell::new(None) };
        /// The bitmap and element size last set.
        static LAST: std::cell::Cell<Option<CanvasSize>> = const { std::cell::Cell::new(None) };
    }

    /// Reads the canvas's size again in the next frame (the window was resized).
    pub fn forget_size() {
        SIZE.set(None);
    }

    pub fn frame(
        canvas: &web_sys::HtmlCanvasElement,
        live: Live,
        proj: Projection,
        full: ViewBox,
        view: ViewBox,
        slots: LabelSlots,
    ) {
        let (w, h) = match SIZE.get() {
            Some(size) => size,
            None => {
                let Some(frame) = canvas.parent_element() else { return };
                let size = (f64::from(frame.client_width()), f64::from(frame.client_height()));
                SIZE.set(Some(size).filter(|(w, h)| *w > 0.0 && *h > 0.0));
                size
            }
        };
        if w <= 0.0 || h <= 0.0 {
            return;
        }
        let size = canvas_size(w, h, window().device_pixel_ratio());
        // canvas pixels per CSS px
        let dpr = size.scale;
        // the bitmap and the element's size together: two sizes can share a
        // bitmap (a 4K frame at 1 screen px per CSS px, and the same screen
        // zoomed to 200%) and need different element sizes
        if LAST.get() != Some(size) {
            LAST.set(Some(size));
            if canvas.width() != size.width || canvas.height() != size.height {
                canvas.set_width(size.width);
                canvas.set_height(size.height);
            }
            // enlarged by a whole number, without filtering (see `canvas_size`)
            let style = (size.enlarged > 1)
                .then(|| format!("width:{}px;height:{}px;image-rendering:pixelated", size.css_width, size.css_height));
            let _ = match style {
                Some(style) => canvas.set_attribute("style", &style),
                None => canvas.remove_attribute("style"),
            };
        }
        let Ok(Some(ctx)) = canvas.get_context("2d") else { return };
        let Ok(ctx) = ctx.dyn_into::<Ctx>() else { return };
        // the whole bitmap: it may reach a fraction of a CSS px past the frame
        let _ = ctx.set_transform(1.0, 0.0, 0.0, 1.0, 0.0, 0.0);
        ctx.clear_rect(0.0, 0.0, f64::from(size.width), f64::from(size.height));
        let _ = ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0);

        let (s, ox, oy) = view.fit(w, h);
        // markers keep their size on screen: CSS px per marker unit
        let m = s / view.zoom(&full);
        let to_screen = |x: f64, y: f64| (ox + (x - view.x) * s, oy + (y - view.y) * s);
        let margin = 400.0 * m;
        let on_screen = |x: f64, y: f64| x > -margin && y > -margin && x < w + margin && y < h + margin;
        let now = live.now.get_untracked();
        let debug = js_sys::Reflect::get(&window(), &JsValue::from_str("__crDebugLabels")).is_ok_and(|v| v.is_truthy());
        let drawn_labels = js_sys::Array::new();

        // grouped by colour so the style is set once per group; one small path
        // per shape (a software rasteriser walks a path's whole bounding box,
        // so one path of a thousand scattered shapes is slower)
        PALETTE.with(|p| {
            // incidents, under the units
            // (x, y, priority index, red) of each incident
            let mut marks: Vec<(f64, f64, usize, bool)> = vec![];
            let mut rings: [Vec<(f64, f64, f64)>; 3] = Default::default(); // by level
            let mut ids: Vec<(f64, f64, String)> = vec![];
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
                        let lvl = match level {
                            domain::TimerLevel::Green => 0,
                            domain::TimerLevel::Amber => 1,
                            domain::TimerLevel::Red => 2,
                        };
                        marks.push((x, y, usize::from(i.priority.get().clamp(1, 3) - 1), lvl == 2));
                        if left > 0.0 {
                            rings[lvl].push((x, y, left));
                        }
                        ids.push((x, y, i.id.to_string()));
                    });
                }
            });
            SPRITES.with_borrow_mut(|sp| {
                // the marker scale is the same at every zoom, up to rounding
                if (sp.scale.0 - m).abs() > 1e-6 * m || sp.scale.1 != dpr {
                    *sp = Sprites { scale: (m, dpr), ..Sprites::default() };
                }
                let size = 2.0 * (130.0 + 19.0 + 2.0) * m;
                for &(x, y, prio, red) in &marks {
                    {
                        let img = sp.incidents.entry((prio, red)).or_insert_with(|| {
                            sprite(size, dpr, |c| {
                                c.set_line_width(38.0 * m);
                                c.set_stroke_style_str(if red {
                                    "rgba(239, 68, 68, 0.6)"
                                } else {
                                    "rgba(255, 255, 255, 0.14)"
                                });
                                c.begin_path();
                                add_arc(c, 0.0, 0.0, 130.0 * m, 1.0);
                                c.stroke();
                                c.begin_path();
                                add_arc(c, 0.0, 0.0, 62.0 * m, 1.0);
                                c.set_fill_style_str([&p.red, &p.orange, &p.blue][prio]);
                                c.fill();
                                c.set_line_width(12.0 * m);
                                c.set_stroke_style_str("#fff");
                                c.stroke();
                            })
                        });
                        if let Some(img) = img {
                            let _ = ctx.draw_image_with_html_canvas_element_and_dw_and_dh(
                                img,
                                x - size / 2.0,
                                y - size / 2.0,
                                size,
                                size,
                            );
                        }
                    }
                }
            });
            ctx.set_line_width(38.0 * m);
            for (list, colour) in rings.iter().zip([&p.green, &p.amber, &p.red]) {
                ctx.set_stroke_style_str(colour);
                for &(x, y, f) in list {
                    ctx.begin_path();
                    add_arc(&ctx, x, y, 130.0 * m, f);
                    ctx.stroke();
                }
            }
            // incident numbers only where they are large enough to read
            if 72.0 * m >= 11.0 {
                ctx.set_font(&format!("800 {:.1}px {FONT_FAMILY}", 72.0 * m));
                ctx.set_text_align("center");
                ctx.set_fill_style_str("#fff");
                for (x, y, id) in ids {
                    let _ = ctx.fill_text(&id, x, y + 24.0 * m);
                }
            }

            // units by kind and status, then their labels on top
            let mut groups: std::collections::BTreeMap<(UnitKind, UnitStatus), Vec<(f64, f64)>> = Default::default();
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
                        groups.entry((u.kind, u.status)).or_default().push((x, y));
                        let slot = slots.get(*id);
                        if slot != Slot::Hidden {
                            labels.push((x, y, slot, u.callsign.clone(), u.status == UnitStatus::OffDuty));
                        }
                    });
                }
            });
            SPRITES.with_borrow_mut(|sp| {
                let size = 2.0 * (MARKER_R + 2.0) * m;
                for ((kind, status), list) in &groups {
                    let img = sp.units.entry((*kind, *status)).or_insert_with(|| {
                        sprite(size, dpr, |c| {
                            c.begin_path();
                            add_shape(c, *kind, 0.0, 0.0, m);
                            c.set_fill_style_str(status_fill(p, *status));
                            c.fill();
                            if *kind == UnitKind::Post {
                                c.set_line_width(12.0 * m);
                                c.set_stroke_style_str("#fff");
                            } else {
                                c.set_line_width(14.0 * m);
                                c.set_stroke_style_str(OUTLINE);
                            }
                            c.stroke();
                        })
                    });
                    let Some(img) = img else { continue };
                    for &(x, y) in list {
                        let _ = ctx.draw_image_with_html_canvas_element_and_dw_and_dh(
                            img,
                            x - size / 2.0,
                            y - size / 2.0,
                            size,
                            size,
                        );
                    }
                }
            });
            // labels on a dark plate the size of the box the layout reserved
            // (plates never overlap; outlining the letters instead, as the SVG
            // does, costs a software canvas several times more)
            ctx.set_fill_style_str("rgba(10, 19, 36, 0.78)");
            for (x, y, slot, text, _) in &labels {
                let b = label_box(&Marker { x: 0.0, y: 0.0, width_em: text_width_em(text), rank: 0, key: 0 }, *slot);
                ctx.fill_rect(
                    x + b.x0 * m,
                    y + (b.y0 + 0.12 * FONT) * m,
                    (b.x1 - b.x0) * m,
                    (b.y1 - b.y0 - 0.12 * FONT) * m,
                );
            }
            ctx.set_font(&format!("700 {:.1}px {FONT_FAMILY}", FONT * m));
            let r = debug.then(|| canvas.get_bounding_client_rect());
            for (x, y, slot, text, off) in &labels {
                let (dx, dy, anchor) = slot.anchor();
                ctx.set_text_align(match anchor {
                    "start" => "left",
                    "end" => "right",
                    _ => "center",
                });
                let (ax, ay) = (x + dx * m, y + dy * m);
                ctx.set_fill_style_str(if *off { "#9ca3af" } else { "#f1f5f9" });
                let _ = ctx.fill_text(text, ax, ay);
                if let Some(r) = &r
                    && let Ok(t) = ctx.measure_text(text)
                {
                    // the drawn glyphs' box, in CSS px of the page
                    let (px, py) = (r.left() + ax, r.top() + ay);
                    let b = js_sys::Array::of5(
                        &JsValue::from_f64(px - t.actual_bounding_box_left()),
                        &JsValue::from_f64(py - t.actual_bounding_box_ascent()),
                        &JsValue::from_f64(px + t.actual_bounding_box_right()),
                        &JsValue::from_f64(py + t.actual_bounding_box_descent()),
                        &JsValue::from_str(text),
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
