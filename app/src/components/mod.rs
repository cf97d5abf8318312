//! Components, one per file, grouped by feature.

pub mod board;
pub mod desk;
pub mod dispatch;
#[cfg(feature = "hydrate")]
pub mod list_shortcuts;
pub mod location;
pub mod map;
pub mod review;
pub mod session;
