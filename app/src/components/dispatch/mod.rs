//! The dispatch console's parts (see `pages::dispatch`), one component a
//! file.

mod console;
mod incident_panel;
mod intake_form;
mod place_search;
mod recommendations;
mod status_buttons;

pub use console::Console;
pub use incident_panel::IncidentPanel;
pub use intake_form::IntakeForm;
pub use place_search::PlaceSearch;
pub use recommendations::Recommendations;
pub use status_buttons::StatusButtons;

use domain::IncidentId;

/// What the address bar can preset: the selected incident, and a location
/// picked without JavaScript (a place link or the search form).
#[derive(Debug, Clone, Default)]
pub struct Preset {
    pub incident: Option<IncidentId>,
    pub lat: String,
    pub lon: String,
    pub address: String,
    pub place: String,
}
