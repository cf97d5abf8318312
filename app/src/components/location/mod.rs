//! Where something happened: typed coordinates, a click on the map or a
//! known place. The same picker serves the dispatch console's intake form,
//! the desk's convert form and the residents' report form.

mod address_field;
mod location_picker;
mod picked_location;

pub use address_field::AddressField;
pub use location_picker::LocationPicker;
pub use picked_location::{PickedLocation, place_label};
