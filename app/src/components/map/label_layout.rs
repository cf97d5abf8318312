//! Where each unit's callsign goes, so that no two labels overlap and no label
//! covers another unit. Pure and deterministic: the same units at the same
//! zoom give the same layout on the server (first HTML) and in the browser.
//!
//! Greedy, most important unit first (rank, then key): each label tries
//! below, above, right and left of its marker and takes the first place that
//! is free of every marker, every fixed obstacle (landmarks and their names,
//! patrol points) and every label already placed; a label with no free place
//! is hidden. A uniform grid keeps each test to the few boxes
//! nearby, so 2,000 units take well under a millisecond.
//!
//! Units: the layout works in "label space", the map's metres times the zoom,
//! in which markers and labels keep a constant size (they are drawn scaled by
//! 1/zoom, so they stay the same size on screen).

use std::collections::HashMap;

/// The marker's half-size and the label's font, in label space. Markers are
/// drawn within ±70 units plus their outline.
pub const MARKER_R: f64 = 78.0;
pub const FONT: f64 = 110.0;
/// Space between a marker and its label.
const GAP: f64 = 8.0;
/// Ascent and descent of the label's font, as a fraction of the font size:
/// generous, so that the browser's own text box (which includes the font's
/// line gap) stays inside the box reserved here.
const ASCENT: f64 = 1.0;
const DESCENT: f64 = 0.32;

/// Where a label sits relative to its marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Slot {
    #[default]
    Below,
    Above,
    Right,
    Left,
    /// No free place: not drawn.
    Hidden,
}

impl Slot {
    const TRIES: [Slot; 4] = [Slot::Below, Slot::Above, Slot::Right, Slot::Left];

    /// The text's anchor point relative to the marker's centre (label
    /// space), and its SVG `text-anchor`.
    pub fn anchor(self) -> (f64, f64, &'static str) {
        let mid = (ASCENT - DESCENT) / 2.0 * FONT;
        match self {
            Slot::Below | Slot::Hidden => (0.0, MARKER_R + GAP + ASCENT * FONT, "middle"),
            Slot::Above => (0.0, -(MARKER_R + GAP + DESCENT * FONT), "middle"),
            Slot::Right => (MARKER_R + GAP, mid, "start"),
            Slot::Left => (-(MARKER_R + GAP), mid, "end"),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Slot::Below => "below",
            Slot::Above => "above",
            Slot::Right => "right",
            Slot::Left => "left",
            Slot::Hidden => "hidden",
        }
    }
}

/// An axis-aligned box.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
}

impl Rect {
    /// The box scaled about the origin (user units → label space).
    pub fn scaled(&self, k: f64) -> Rect {
        Rect { x0: self.x0 * k, y0: self.y0 * k, x1: self.x1 * k, y1: self.y1 * k }
    }

    pub fn overlaps(&self, o: &Rect) -> bool {
        self.x0 < o.x1 && o.x0 < self.x1 && self.y0 < o.y1 && o.y0 < self.y1
    }
}

/// A unit to label, in label space.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Marker {
    pub x: f64,
    pub y: f64,
    /// The label's width in em (see [`text_width_em`]).
    pub width_em: f64,
    /// Smaller is placed first (e.g. units working an incident before idle ones).
    pub rank: u8,
    /// Breaks ties, so the layout never depends on input order.
    pub key: i64,
}

/// A bold sans-serif label's width in em: a little more than the widest
/// Latin capitals and digits take, a full em for each CJK character.
pub fn text_width_em(text: &str) -> f64 {
    text.chars().map(|c| if c.is_ascii() { 0.66 } else { 1.05 }).sum::<f64>() + 0.2
}

/// The box a label takes in a slot.
pub fn label_box(m: &Marker, slot: Slot) -> Rect {
    let (dx, dy, anchor) = slot.anchor();
    let w = m.width_em * FONT;
    let (ax, ay) = (m.x + dx, m.y + dy);
    let (x0, x1) = match anchor {
        "start" => (ax, ax + w),
        "end" => (ax - w, ax),
        _ => (ax - w / 2.0, ax + w / 2.0),
    };
    Rect { x0, y0: ay - ASCENT * FONT, x1, y1: ay + DESCENT * FONT }
}

fn marker_box(m: &Marker) -> Rect {
    Rect { x0: m.x - MARKER_R, y0: m.y - MARKER_R, x1: m.x + MARKER_R, y1: m.y + MARKER_R }
}

/// A fast hash for grid cells (the default SipHash was the layout's main
/// cost in the browser; the keys are small integers, not attacker input).
#[derive(Default)]
struct CellHasher(u64);

impl std::hash::Hasher for CellHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }

    fn write_i32(&mut self, n: i32) {
        self.write_u64(u64::from(n as u32));
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// Boxes bucketed by grid cell.
struct Grid {
    cell: f64,
    cells: HashMap<(i32, i32), Vec<Rect>, std::hash::BuildHasherDefault<CellHasher>>,
}

impl Grid {
    fn span(&self, r: &Rect) -> impl Iterator<Item = (i32, i32)> + use<> {
        let c = self.cell;
        let (i0, i1) = ((r.x0 / c).floor() as i32, (r.x1 / c).floor() as i32);
        let (j0, j1) = ((r.y0 / c).floor() as i32, (r.y1 / c).floor() as i32);
        (i0..=i1).flat_map(move |i| (j0..=j1).map(move |j| (i, j)))
    }

    fn insert(&mut self, r: Rect) {
        for k in self.span(&r).collect::<Vec<_>>() {
            self.cells.entry(k).or_default().push(r);
        }
    }

    fn is_free(&self, r: &Rect) -> bool {
        self.span(r).all(|k| self.cells.get(&k).is_none_or(|v| v.iter().all(|o| !o.overlaps(r))))
    }
}

/// The slot of each marker, in input order. `obstacles`: boxes (label
/// space) no label may cover.
pub fn place(markers: &[Marker], obstacles: &[Rect]) -> Vec<Slot> {
    let mut grid =
        Grid { cell: 4.0 * FONT, cells: HashMap::with_capacity_and_hasher(markers.len(), Default::default()) };
    for o in obstacles {
        grid.insert(*o);
    }
    for m in markers {
        grid.insert(marker_box(m));
    }
    let mut order: Vec<usize> = (0..markers.len()).collect();
    order.sort_by_key(|&i| (markers[i].rank, markers[i].key));
    let mut slots = vec![Slot::Hidden; markers.len()];
    for i in order {
        let m = &markers[i];
        if let Some(slot) = Slot::TRIES.into_iter().find(|&s| grid.is_free(&label_box(m, s))) {
            grid.insert(label_box(m, slot));
            slots[i] = slot;
        }
    }
    slots
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marker(x: f64, y: f64, key: i64) -> Marker {
        Marker { x, y, width_em: text_width_em("JS-C1"), rank: 1, key }
    }

    /// A small deterministic generator (no `rand` in the app crate).
    fn lcg(seed: &mut u64) -> f64 {
        *seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (*seed >> 11) as f64 / (1u64 << 53) as f64
    }

    fn assert_no_overlap(markers: &[Marker], slots: &[Slot]) {
        let placed: Vec<(usize, Rect)> = slots
            .iter()
            .enumerate()
            .filter(|(_, s)| **s != Slot::Hidden)
            .map(|(i, s)| (i, label_box(&markers[i], *s)))
            .collect();
        for (n, (i, a)) in placed.iter().enumerate() {
            for (j, b) in &placed[n + 1..] {
                assert!(!a.overlaps(b), "labels of {i} and {j} overlap: {a:?} {b:?}");
            }
            for (k, m) in markers.iter().enumerate() {
                assert!(!a.overlaps(&marker_box(m)), "label of {i} covers marker {k}");
            }
        }
    }

    #[test]
    fn lone_markers_get_their_label_below() {
        let ms = [marker(0.0, 0.0, 1), marker(5_000.0, 0.0, 2)];
        assert_eq!(place(&ms, &[]), vec![Slot::Below, Slot::Below]);
    }

    #[test]
    fn a_neighbour_below_pushes_the_label_elsewhere() {
        // the second marker sits where the first one's label would go
        let ms = [marker(0.0, 0.0, 1), marker(0.0, 200.0, 2)];
        let slots = place(&ms, &[]);
        assert_ne!(slots[0], Slot::Below);
        assert_ne!(slots[0], Slot::Hidden);
        assert_no_overlap(&ms, &slots);
    }

    #[test]
    fn the_more_important_unit_keeps_its_label() {
        // two units on the same spot: only one label fits anywhere near
        let mut a = marker(0.0, 0.0, 9);
        a.rank = 0;
        let b = marker(0.0, 0.0, 1);
        let slots = place(&[b, a], &[]);
        assert_eq!(slots[1], Slot::Below, "rank 0 is placed first");
        assert_no_overlap(&[b, a], &slots);
    }

    #[test]
    fn a_crowd_of_two_thousand_has_no_overlapping_labels_and_does_not_depend_on_order() {
        // 2,000 units in 10 km × 10 km at the default zoom (label space = metres)
        let mut seed = 5;
        let ms: Vec<Marker> = (0..2_000)
            .map(|k| Marker {
                x: lcg(&mut seed) * 10_000.0,
                y: lcg(&mut seed) * 10_000.0,
                width_em: text_width_em(&format!("U{k}")),
                rank: (k % 3) as u8,
                key: k,
            })
            .collect();
        let slots = place(&ms, &[]);
        assert_no_overlap(&ms, &slots);
        let shown = slots.iter().filter(|s| **s != Slot::Hidden).count();
        assert!(shown > 200, "the isolated units keep a label ({shown} shown)");
        assert!(shown < 2_000, "a crowd this dense cannot label everyone ({shown} shown)");
        // the same units in reverse order get the same slots
        let mut rev = ms.clone();
        rev.reverse();
        let mut back = place(&rev, &[]);
        back.reverse();
        assert_eq!(back, slots);
    }

    #[test]
    fn zooming_in_reveals_more_labels() {
        let mut seed = 11;
        let pts: Vec<(f64, f64)> = (0..400).map(|_| (lcg(&mut seed) * 3_000.0, lcg(&mut seed) * 3_000.0)).collect();
        let at = |z: f64| {
            let ms: Vec<Marker> = pts.iter().enumerate().map(|(k, (x, y))| marker(x * z, y * z, k as i64)).collect();
            let slots = place(&ms, &[]);
            assert_no_overlap(&ms, &slots);
            slots.iter().filter(|s| **s != Slot::Hidden).count()
        };
        assert!(at(4.0) > at(1.0));
    }

    #[test]
    fn obstacles_keep_labels_off() {
        let m = marker(0.0, 0.0, 1);
        let below = label_box(&m, Slot::Below);
        assert_eq!(place(&[m], &[below]), vec![Slot::Above]);
        let all: Vec<Rect> = Slot::TRIES.iter().map(|s| label_box(&m, *s)).collect();
        assert_eq!(place(&[m], &all), vec![Slot::Hidden]);
    }

    #[test]
    fn cjk_labels_are_wider_than_latin_ones() {
        assert!(text_width_em("金水01") > text_width_em("JS-01"));
    }
}
