//! The Command Room server: configuration, start-up, the sqlx store, the
//! live engine (units, incidents, assignments, timers), the event hub and
//! websocket stream, the REST API, the pages' backend and the simulator.

pub mod api;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod desk;
pub mod engine;
pub mod guard;
pub mod hub;
pub mod limiter;
pub mod notices;
pub mod outbound;
pub mod pages;
pub mod patrol;
pub mod photo;
pub mod report;
pub mod review;
pub mod roads;
pub mod simulator;
pub mod startup;
pub mod state;
pub mod store;
pub mod tasks;
pub mod web;
pub mod ws;

pub use config::Config;
pub use startup::Application;
