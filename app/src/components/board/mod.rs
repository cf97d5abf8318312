//! The live panels around the map: connection state, clock, figures, the
//! open incidents, the stations' availability, and the latest breaches and
//! escalations.

mod alert_ticker;
mod clock;
mod figure_tiles;
mod incident_list;
mod link_badge;
mod station_table;

pub use alert_ticker::AlertTicker;
pub use clock::Clock;
pub use figure_tiles::FigureTiles;
pub use incident_list::IncidentList;
pub use link_badge::LinkBadge;
pub use station_table::StationTable;
