//! One file per page.

pub mod desk;
pub mod dispatch;
pub mod home;
pub mod not_found;
pub mod points;
pub mod report;
pub mod review;
pub mod screen;
pub mod unit;
