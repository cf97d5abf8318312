//! Pan and zoom for the wall screen's map: mouse wheel, drag, and the keys
//! `+` `-` arrows and `0` (reset).
//!
//! The view is the SVG's `viewBox`. Rewriting it repaints the map, so while a
//! gesture runs the already-painted map (and the live canvas over it) is
//! moved by a CSS transform (the compositor moves a layer; no repaint), and
//! the `viewBox` is committed once the gesture pauses (150 ms), or, for a
//! zoom, as soon as the gesture turns into a pan (see `commit_before`); the
//! canvas then redraws in the committed view. Markers and labels are drawn at 1/zoom,
//! so they keep their size on screen; the label layout runs again on commit.
//!
//! The transform goes on a wrapper around the SVG and the canvas
//! (`.map-pan`), not on the SVG: a change to the SVG's own `style` made
//! Chromium recalculate the style of all its ~7,800 elements (the hidden
//! markers included) and lay the map out again on every wheel or pointer
//! step (scripts/screen-bench.sh with BENCH_TRACE=1); a change to the
//! wrapper's transform is a compositing change only.

/// A `viewBox` in the map's user units (metres).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ViewBox {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

/// The deepest zoom: a sixteenth of the district across.
pub const MAX_ZOOM: f64 = 16.0;

impl ViewBox {
    pub fn full(width: f64, height: f64) -> ViewBox {
        ViewBox { x: 0.0, y: 0.0, w: width, h: height }
    }

    pub fn attr(&self) -> String {
        format!("{:.0} {:.0} {:.0} {:.0}", self.x, self.y, self.w, self.h)
    }

    /// How many times closer than the whole map.
    pub fn zoom(&self, full: &ViewBox) -> f64 {
        full.w / self.w
    }

    /// Zooms by `factor` (>1: closer) keeping the user point `(px, py)` where
    /// it is on screen; clamped to [whole map, [`MAX_ZOOM`]].
    pub fn zoom_at(&self, factor: f64, px: f64, py: f64, full: &ViewBox) -> ViewBox {
        let w = (self.w / factor).clamp(full.w / MAX_ZOOM, full.w);
        let k = w / self.w;
        let h = self.h * k;
        ViewBox { x: px - (px - self.x) * k, y: py - (py - self.y) * k, w, h }.clamped(full)
    }

    /// Moves by `(dx, dy)` user units.
    pub fn pan(&self, dx: f64, dy: f64, full: &ViewBox) -> ViewBox {
        ViewBox { x: self.x + dx, y: self.y + dy, ..*self }.clamped(full)
    }

    /// Keeps the view's centre over the map.
    fn clamped(self, full: &ViewBox) -> ViewBox {
        let cx = (self.x + self.w / 2.0).clamp(full.x, full.x + full.w);
        let cy = (self.y + self.h / 2.0).clamp(full.y, full.y + full.h);
        ViewBox { x: cx - self.w / 2.0, y: cy - self.h / 2.0, ..self }
    }

    /// Scale (CSS px per user unit) and offset of this view drawn into a
    /// `width` × `height` px element with `xMidYMid meet`.
    pub fn fit(&self, width: f64, height: f64) -> (f64, f64, f64) {
        let s = (width / self.w).min(height / self.h);
        (s, (width - self.w * s) / 2.0, (height - self.h * s) / 2.0)
    }

    /// The user point under element pixel `(px, py)`.
    pub fn user_at(&self, px: f64, py: f64, width: f64, height: f64) -> (f64, f64) {
        let (s, ox, oy) = self.fit(width, height);
        (self.x + (px - ox) / s, self.y + (py - oy) / s)
    }

    /// The CSS transform (origin top-left) that makes the element, painted
    /// with view `self`, look as if painted with view `to`.
    pub fn preview(&self, to: &ViewBox, width: f64, height: f64) -> (f64, f64, f64) {
        let (s0, ox0, oy0) = self.fit(width, height);
        let (s1, ox1, oy1) = to.fit(width, height);
        let k = s1 / s0;
        // screen = ox + (u - x) s; solve screen1 = k screen0 + t for every u
        (k, ox1 - k * ox0 + (self.x * s0 * k - to.x * s1), oy1 - k * oy0 + (self.y * s0 * k - to.y * s1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: ViewBox = ViewBox { x: 0.0, y: 0.0, w: 10_000.0, h: 8_000.0 };

    fn close(a: (f64, f64), b: (f64, f64)) -> bool {
        (a.0 - b.0).abs() < 1e-6 && (a.1 - b.1).abs() < 1e-6
    }

    #[test]
    fn zoom_keeps_the_point_under_the_cursor() {
        let (w, h) = (1_400.0, 1_000.0);
        let (px, py) = (300.0, 200.0);
        let u = FULL.user_at(px, py, w, h);
        let z = FULL.zoom_at(2.0, u.0, u.1, &FULL);
        assert!((z.zoom(&FULL) - 2.0).abs() < 1e-9);
        assert!(close(z.user_at(px, py, w, h), u));
    }

    #[test]
    fn zoom_and_pan_are_bounded() {
        assert_eq!(FULL.zoom_at(0.5, 5_000.0, 4_000.0, &FULL), FULL, "never further out than the whole map");
        let deep = FULL.zoom_at(1_000.0, 5_000.0, 4_000.0, &FULL);
        assert!((deep.zoom(&FULL) - MAX_ZOOM).abs() < 1e-9);
        let far = deep.pan(1e9, -1e9, &FULL);
        assert!((far.x + far.w / 2.0 - 10_000.0).abs() < 1e-6 && (far.y + far.h / 2.0).abs() < 1e-6);
    }

    #[test]
    fn a_zoom_is_committed_when_the_gesture_turns_into_a_pan() {
        let committed = FULL.zoom_at(1.5, 3_000.0, 2_000.0, &FULL);
        let zoomed = committed.zoom_at(1.25, 3_100.0, 2_100.0, &FULL);
        // still zooming, or nothing pending: nothing to commit
        assert_eq!(commit_before(&committed, Some(zoomed), &zoomed.zoom_at(1.25, 3_100.0, 2_100.0, &FULL)), None);
        assert_eq!(commit_before(&committed, None, &committed.pan(50.0, 0.0, &FULL)), None);
        // a pan from a pending pan: the preview stays a whole-pixel move
        let panned = committed.pan(40.0, 10.0, &FULL);
        assert_eq!(commit_before(&committed, Some(panned), &panned.pan(40.0, 10.0, &FULL)), None);
        // a pan from a pending zoom: the zoom is committed first
        assert_eq!(commit_before(&committed, Some(zoomed), &zoomed.pan(40.0, 10.0, &FULL)), Some(zoomed));
        let (k, _, _) = zoomed.preview(&zoomed.pan(40.0, 10.0, &FULL), 1_400.0, 1_000.0);
        assert_eq!(k, 1.0, "after the commit the pan's preview is not scaled");
    }

    #[test]
    fn a_pan_previews_by_whole_pixels() {
        let (w, h) = (1_400.0, 1_000.0);
        let from = FULL.zoom_at(1.7, 3_000.0, 2_000.0, &FULL);
        let (k, tx, ty) = from.preview(&from.pan(123.4, -56.7, &FULL), w, h);
        assert_eq!(k, 1.0, "a pan keeps the scale exactly");
        assert!(tx.fract() != 0.0 && ty.fract() != 0.0, "this pan is by fractions of a pixel: {tx} {ty}");
        assert_eq!(preview_style(k, tx, ty, 1.0), format!("transform:translate({}px,{}px)", tx.round(), ty.round()));
        // at 2 screen pixels per CSS px, half CSS pixels are whole screen pixels
        assert_eq!(preview_style(1.0, 10.3, -4.8, 2.0), "transform:translate(10.5px,-5px)",);
        assert_eq!(
            preview_style(1.0, 10.3, -4.8, 1.5),
            format!("transform:translate({}px,{}px)", 15.0 / 1.5, -7.0 / 1.5)
        );
        let (k, tx, ty) = from.preview(&from.zoom_at(1.3, 3_100.0, 2_050.0, &FULL), w, h);
        assert_eq!(preview_style(k, tx, ty, 1.0), format!("transform:translate({tx:.1}px,{ty:.1}px) scale({k:.5})"));
    }

    #[test]
    fn the_preview_transform_matches_the_committed_view() {
        let (w, h) = (1_400.0, 1_000.0);
        let from = FULL.zoom_at(1.7, 3_000.0, 2_000.0, &FULL);
        let to = from.zoom_at(1.3, 4_000.0, 5_000.0, &FULL).pan(250.0, -120.0, &FULL);
        let (k, tx, ty) = from.preview(&to, w, h);
        for u in [(3_000.0, 2_000.0), (4_500.0, 5_500.0), (0.0, 0.0)] {
            let (s0, ox0, oy0) = from.fit(w, h);
            let (s1, ox1, oy1) = to.fit(w, h);
            let before = (ox0 + (u.0 - from.x) * s0, oy0 + (u.1 - from.y) * s0);
            let after = (ox1 + (u.0 - to.x) * s1, oy1 + (u.1 - to.y) * s1);
            assert!(close((k * before.0 + tx, k * before.1 + ty), after), "{u:?}");
        }
    }
}

use leptos::prelude::*;

/// The gesture handlers of one map. Copy, so each `on:` handler holds one;
/// they do nothing when the map does not pan and zoom, or on the server.
#[derive(Clone, Copy)]
#[cfg_attr(not(feature = "hydrate"), expect(dead_code, reason = "only the browser handles gestures"))]
pub struct PanZoom {
    enabled: bool,
    svg: NodeRef<leptos::svg::Svg>,
    /// The committed view (the SVG's `viewBox`).
    view_box: RwSignal<ViewBox>,
    full: ViewBox,
    state: StoredValue<Gesture>,
}

/// A gesture in progress.
#[derive(Debug, Clone, Copy, Default)]
#[cfg_attr(not(feature = "hydrate"), expect(dead_code, reason = "only the browser handles gestures"))]
struct Gesture {
    /// The view the gesture has reached (previewed by a CSS transform).
    pending: Option<ViewBox>,
    /// The last pointer position of a drag (client px).
    drag: Option<(f64, f64)>,
    /// Bumped by every step; a step commits only if none came after it.
    step: u64,
}

#[cfg_attr(not(feature = "hydrate"), expect(unused_variables, reason = "only the browser handles gestures"))]
impl PanZoom {
    pub fn new(enabled: bool, svg: NodeRef<leptos::svg::Svg>, view_box: RwSignal<ViewBox>, full: ViewBox) -> PanZoom {
        let pz = PanZoom { enabled, svg, view_box, full, state: StoredValue::new(Gesture::default()) };
        #[cfg(feature = "hydrate")]
        if enabled {
            let handle = window_event_listener(leptos::ev::keydown, move |e| pz.key(&e));
            on_cleanup(move || handle.remove());
        }
        pz
    }

    pub fn wheel(&self, ev: &web_sys_or_unit::WheelEvent) {
        #[cfg(feature = "hydrate")]
        {
            if !self.enabled {
                return;
            }
            ev.prevent_default();
            let Some((left, top, w, h)) = self.frame() else { return };
            let cur = self.current();
            let (ux, uy) = cur.user_at(f64::from(ev.client_x()) - left, f64::from(ev.client_y()) - top, w, h);
            let dy = ev.delta_y() * if ev.delta_mode() == 1 { 40.0 } else { 1.0 };
            self.go(cur.zoom_at((-dy * 0.002).exp(), ux, uy, &self.full));
        }
    }

    pub fn down(&self, ev: &web_sys_or_unit::PointerEvent) {
        #[cfg(feature = "hydrate")]
        if self.enabled && ev.button() == 0 {
            let at = (f64::from(ev.client_x()), f64::from(ev.client_y()));
            self.state.update_value(|g| g.drag = Some(at));
        }
    }

    pub fn moved(&self, ev: &web_sys_or_unit::PointerEvent) {
        #[cfg(feature = "hydrate")]
        {
            if !self.enabled {
                return;
            }
            let Some((x0, y0)) = self.state.with_value(|g| g.drag) else { return };
            let (x, y) = (f64::from(ev.client_x()), f64::from(ev.client_y()));
            self.state.update_value(|g| g.drag = Some((x, y)));
            let Some((_, _, w, h)) = self.frame() else { return };
            let cur = self.current();
            let (s, _, _) = cur.fit(w, h);
            self.go(cur.pan(-(x - x0) / s, -(y - y0) / s, &self.full));
        }
    }

    pub fn up(&self) {
        #[cfg(feature = "hydrate")]
        self.state.update_value(|g| g.drag = None);
    }

    #[cfg(feature = "hydrate")]
    fn key(&self, ev: &web_sys::KeyboardEvent) {
        use wasm_bindgen::JsCast;
        if ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
            return;
        }
        // never steal keys from a form field
        if let Some(t) = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            && matches!(t.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
        {
            return;
        }
        let cur = self.current();
        let (cx, cy) = (cur.x + cur.w / 2.0, cur.y + cur.h / 2.0);
        let step = 0.15;
        let next = match ev.key().as_str() {
            "+" | "=" => cur.zoom_at(1.25, cx, cy, &self.full),
            "-" | "_" => cur.zoom_at(0.8, cx, cy, &self.full),
            "ArrowLeft" => cur.pan(-cur.w * step, 0.0, &self.full),
            "ArrowRight" => cur.pan(cur.w * step, 0.0, &self.full),
            "ArrowUp" => cur.pan(0.0, -cur.h * step, &self.full),
            "ArrowDown" => cur.pan(0.0, cur.h * step, &self.full),
            "0" => self.full,
            _ => return,
        };
        ev.prevent_default();
        self.go(next);
    }

    /// The view now: the gesture's, else the committed one.
    #[cfg(feature = "hydrate")]
    fn current(&self) -> ViewBox {
        self.state.with_value(|g| g.pending).unwrap_or_else(|| self.view_box.get_untracked())
    }

    /// The wrapper that carries the preview transform (`.map-pan`: the SVG
    /// and the live canvas).
    #[cfg(feature = "hydrate")]
    fn layer(&self) -> Option<web_sys::Element> {
        self.svg.get_untracked()?.parent_element()
    }

    /// The map frame's position and size (client px). The frame, not the
    /// wrapper: the wrapper carries the preview transform.
    #[cfg(feature = "hydrate")]
    fn frame(&self) -> Option<(f64, f64, f64, f64)> {
        let r = self.layer()?.parent_element()?.get_bounding_client_rect();
        (r.width() > 0.0 && r.height() > 0.0).then(|| (r.left(), r.top(), r.width(), r.height()))
    }

    /// Shows `next` at once with a CSS transform; commits it as the
    /// `viewBox` when the gesture pauses, or, for a zoom, when the gesture
    /// turns into a pan (see [`commit_before`]).
    #[cfg(feature = "hydrate")]
    fn go(&self, next: ViewBox) {
        let Some(layer) = self.layer() else { return };
        let Some((_, _, w, h)) = self.frame() else { return };
        let mut committed = self.view_box.get_untracked();
        if let Some(zoomed) = commit_before(&committed, self.state.with_value(|g| g.pending), &next) {
            self.view_box.set(zoomed);
            committed = zoomed;
        }
        let (k, tx, ty) = committed.preview(&next, w, h);
        let style = preview_style(k, tx, ty, window().device_pixel_ratio());
        let _ = layer.set_attribute("style", &style);
        let mut step = 0;
        self.state.update_value(|g| {
            g.pending = Some(next);
            g.step += 1;
            step = g.step;
        });
        let me = *self;
        set_timeout(
            move || {
                // a later step will commit
                let Some(vb) = me.state.with_value(|g| (g.step == step).then_some(g.pending).flatten()) else {
                    return;
                };
                me.state.update_value(|g| g.pending = None);
                me.view_box.set(vb);
                if let Some(layer) = me.layer() {
                    let _ = layer.remove_attribute("style");
                }
            },
            std::time::Duration::from_millis(150),
        );
    }
}

/// The view to commit before previewing `next`, if any: a zoom that the
/// gesture is now panning. A zoom's preview is a scaled copy of the painted
/// map, which a software compositor resamples with filtering in every frame
/// (25 ms of a 4K frame, in a trace of scripts/screen-bench.sh); a pan from
/// a committed view moves painted tiles by whole pixels. So the zoom is
/// painted once, at its scale, and the pan goes on from there.
pub fn commit_before(committed: &ViewBox, pending: Option<ViewBox>, next: &ViewBox) -> Option<ViewBox> {
    let pending = pending?;
    let is_pan = next.w == pending.w && next.h == pending.h;
    let pending_zoom = pending.w != committed.w || pending.h != committed.h;
    (is_pan && pending_zoom).then_some(pending)
}

/// The preview transform's CSS, on a screen of `dpr` screen pixels per CSS
/// px. A pan (no change of scale) moves by whole screen pixels: the
/// compositor then copies the map's painted tiles as they are;
/// at a fraction of a pixel it resamples every one of them with filtering,
/// which cost a software compositor 1 ms per tile at 3840×2160
/// (scripts/screen-bench.sh with `BENCH_TRACE_CATEGORIES=viz`). The commit
/// moves the map the remaining fraction of a pixel.
pub fn preview_style(k: f64, tx: f64, ty: f64, dpr: f64) -> String {
    if k == 1.0 {
        let dpr = if dpr.is_finite() && dpr > 0.0 { dpr } else { 1.0 };
        let whole = |t: f64| (t * dpr).round() / dpr;
        format!("transform:translate({}px,{}px)", whole(tx), whole(ty))
    } else {
        format!("transform:translate({tx:.1}px,{ty:.1}px) scale({k:.5})")
    }
}

/// The event types the handlers take, in every build (the server never calls them).
pub mod web_sys_or_unit {
    pub use leptos::ev::{PointerEvent, WheelEvent};
}
