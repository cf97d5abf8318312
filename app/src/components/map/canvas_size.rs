//! The size of the wall screen's live canvas (see `live_canvas`).
//!
//! A canvas drawn in software costs, in every frame, its pixels to clear and
//! draw, a copy to the compositor, and the compositor's pass over the screen
//! to scale and blend it. At 3840×2160 that pass alone took 18 ms of a 50 ms
//! frame (scripts/screen-bench.sh with `BENCH_TRACE_CATEGORIES=viz`): the
//! bitmap was scaled up by a fraction, with filtering. So on a screen larger
//! than 1920×1080 the canvas is drawn at a whole fraction of the screen's
//! resolution (½ at 4K: the detail of a 1080p wall) and the browser enlarges
//! each canvas pixel to exactly 2×2 screen pixels (`image-rendering:
//! pixelated`), which is a plain copy, with no filtering (5 ms in the same
//! trace), and looks as sharp as the same picture on a 1080p screen.

/// The most canvas pixels drawn: a 1920×1080 screen's worth.
pub const MAX_PIXELS: f64 = 1920.0 * 1080.0;

/// The canvas bitmap and element sizes for a map frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CanvasSize {
    /// The bitmap, in canvas pixels.
    pub width: u32,
    pub height: u32,
    /// Canvas pixels per CSS px (what drawing in CSS px is scaled by).
    pub scale: f64,
    /// Screen pixels across each canvas pixel: 1, or the whole number the
    /// browser enlarges the canvas by.
    pub enlarged: u32,
    /// The element's size in CSS px when `enlarged` > 1: the bitmap times
    /// `enlarged` screen pixels, so at least the frame (the frame clips the
    /// rest, under one canvas pixel).
    pub css_width: f64,
    pub css_height: f64,
}

/// The canvas for a `width` × `height` CSS px frame on a screen of `dpr`
/// screen pixels per CSS px.
pub fn canvas_size(width: f64, height: f64, dpr: f64) -> CanvasSize {
    let dpr = if dpr.is_finite() && dpr >= 1.0 { dpr } else { 1.0 };
    let (width, height) = (width.max(0.0), height.max(0.0));
    let screen_pixels = width * height * dpr * dpr;
    if screen_pixels <= MAX_PIXELS {
        return CanvasSize {
            width: (width * dpr).round() as u32,
            height: (height * dpr).round() as u32,
            scale: dpr,
            enlarged: 1,
            css_width: width,
            css_height: height,
        };
    }
    // the bitmap rounds up, to cover the frame: a larger factor if that
    // takes it over the budget
    let mut enlarged = (screen_pixels / MAX_PIXELS).sqrt().ceil();
    while (width * dpr / enlarged).ceil() * (height * dpr / enlarged).ceil() > MAX_PIXELS {
        enlarged += 1.0;
    }
    let scale = dpr / enlarged;
    let (w, h) = ((width * scale).ceil(), (height * scale).ceil());
    CanvasSize {
        width: w as u32,
        height: h as u32,
        scale,
        enlarged: enlarged as u32,
        css_width: w / scale,
        css_height: h / scale,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_1080p_frame_is_drawn_at_the_screens_resolution() {
        let c = canvas_size(1436.0, 1013.0, 1.0);
        assert_eq!((c.width, c.height, c.enlarged), (1436, 1013, 1));
        assert_eq!(c.scale, 1.0);
        assert_eq!((c.css_width, c.css_height), (1436.0, 1013.0));
        // a small window on a high-density screen: full detail while it fits
        let c = canvas_size(800.0, 600.0, 2.0);
        assert_eq!((c.width, c.height, c.enlarged, c.scale), (1600, 1200, 1, 2.0));
    }

    #[test]
    fn a_4k_frame_is_drawn_at_half_resolution_and_doubled_exactly() {
        // the wall screen's map frame at 3840×2160 CSS px
        let c = canvas_size(2872.0, 2025.0, 1.0);
        assert_eq!(c.enlarged, 2);
        assert_eq!(c.scale, 0.5);
        assert_eq!((c.width, c.height), (1436, 1013));
        // each canvas pixel is exactly 2×2 screen pixels, covering the frame
        assert_eq!((c.css_width, c.css_height), (2872.0, 2026.0));
        assert!(f64::from(c.width * c.height) <= MAX_PIXELS);
        // the same screen at 2 screen pixels per CSS px: one canvas pixel per CSS px
        let c = canvas_size(1436.0, 1013.0, 2.0);
        assert_eq!((c.width, c.height, c.enlarged, c.scale), (1436, 1013, 2, 1.0));
    }

    #[test]
    fn the_bitmap_never_exceeds_the_budget_and_always_covers_the_frame() {
        for (w, h, dpr) in [
            (5000.0, 3000.0, 1.0),
            (7680.0, 4320.0, 1.0),
            (1921.0, 1081.0, 1.0),
            (3000.0, 2000.0, 1.5),
            (3841.0, 2159.0, 1.0),
        ] {
            let c = canvas_size(w, h, dpr);
            assert!(f64::from(c.width) * f64::from(c.height) <= MAX_PIXELS, "{w}×{h}@{dpr}: {c:?}");
            assert!(c.enlarged >= 2, "{w}×{h}@{dpr}: {c:?}");
            assert!(c.css_width >= w && c.css_height >= h, "{w}×{h}@{dpr}: {c:?}");
            assert!(c.css_width - w < 1.0 / c.scale + 1e-9, "{w}×{h}@{dpr}: {c:?}");
        }
    }

    #[test]
    fn odd_input_gives_a_usable_size() {
        for dpr in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert_eq!(canvas_size(1436.0, 1013.0, dpr).scale, 1.0, "dpr {dpr}");
        }
        assert_eq!(canvas_size(0.0, 0.0, 1.0).width, 0);
        assert_eq!(canvas_size(-5.0, 10.0, 1.0).width, 0);
    }
}
