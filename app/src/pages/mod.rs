//! One file per page.

pub mod admin;
pub mod desk;
pub mod dispatch;
pub mod home;
pub mod login;
pub mod not_found;
pub mod points;
pub mod report;
pub mod review;
pub mod screen;
pub mod unit;
