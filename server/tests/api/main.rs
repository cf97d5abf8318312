//! API tests: each starts the real server on port 0 with a fresh SQLite file
//! and the demo district, and talks to it over HTTP and websockets.

// the binary tests' shared part: here for its PostgreSQL test databases
#[path = "../common/mod.rs"]
mod common;
mod helpers;

mod access;
mod cluster;
mod desk;
mod dispatch;
mod import;
mod incidents;
mod intake;
mod notices;
mod officer;
mod pages;
mod patrol;
mod plan;
mod positions;
mod report;
mod restart;
mod review;
mod roads;
mod stream;
mod tasks;
mod timers;
mod units;
mod volunteers;
