//! Components, one per file, grouped by feature.

pub mod board;
pub mod map;
pub mod session;
