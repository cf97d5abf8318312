//! The one map ("一张图"): the district drawn from its own data as SVG, with
//! live units and incidents on top. No tiles, no internet.

mod base_layers;
pub mod canvas_size;
mod incident_marker;
pub mod label_layout;
#[cfg(feature = "hydrate")]
mod live_canvas;
mod map_view;
pub mod pan_zoom;
mod projection;
mod reach_layer;
pub mod tiles;
mod unit_marker;

pub use base_layers::BaseLayers;
pub use incident_marker::IncidentMarker;
pub use map_view::{LabelSlots, MapView, Overlay};
pub use projection::Projection;
pub use reach_layer::{ReachLayer, ReachState, reach_memo};
pub use unit_marker::UnitMarker;
