use leptos::prelude::*;

use crate::i18n::{Lang, lang};
use crate::wire::Place;
use domain::Coordinates;

/// The coordinates a form holds, as typed (text, so that a half-typed
/// number stays as it is), set by a click on the map or a known place.
#[derive(Debug, Clone, Copy)]
pub struct PickedLocation {
    pub lat: RwSignal<String>,
    pub lon: RwSignal<String>,
}

impl PickedLocation {
    pub fn new(lat: String, lon: String) -> Self {
        PickedLocation { lat: RwSignal::new(lat), lon: RwSignal::new(lon) }
    }

    /// A position known in advance, or empty fields.
    pub fn at(lat: Option<f64>, lon: Option<f64>) -> Self {
        let text = |v: Option<f64>| v.map(|v| format!("{v:.6}")).unwrap_or_default();
        PickedLocation::new(text(lat), text(lon))
    }

    /// Sets both fields (a click on the map, a known place).
    pub fn set(self, lat: f64, lon: f64) {
        self.lat.set(format!("{lat:.6}"));
        self.lon.set(format!("{lon:.6}"));
    }

    /// The fields' position once it is a valid one (tracked).
    pub fn position(self) -> Option<(f64, f64)> {
        let lat = self.lat.get().trim().parse::<f64>().ok()?;
        let lon = self.lon.get().trim().parse::<f64>().ok()?;
        Coordinates::parse(lat, lon).ok().map(|_| (lat, lon))
    }
}

/// A known place's name in the page's language.
pub fn place_label(p: &Place) -> String {
    if lang() == Lang::En && !p.name_en.is_empty() { p.name_en.clone() } else { p.name.clone() }
}
