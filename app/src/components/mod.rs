//! Components, one per file, grouped by feature.

pub mod board;
#[cfg(feature = "hydrate")]
pub mod list_shortcuts;
pub mod location;
pub mod map;
pub mod review;
pub mod session;
