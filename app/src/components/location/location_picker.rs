use leptos::prelude::*;

use super::{PickedLocation, place_label};
use crate::i18n::{Tr, msg, t};
use crate::wire::Place;

/// The coordinate fields of a form, and (unless the page has its own place
/// search) a list of known places. The map that sets the coordinates with a
/// click is the page's: it stands where the page's layout wants it, and its
/// `on_pick` calls [`PickedLocation::set`].
#[component]
pub fn LocationPicker(
    location: PickedLocation,
    /// The form's field names: latitude, longitude, known place.
    names: [&'static str; 3],
    /// The coordinates must be given (no known place to fall back on).
    #[prop(optional)]
    required: bool,
    /// The known places to choose from, with the list's label.
    #[prop(optional)]
    places: Option<(Vec<Place>, Tr)>,
    /// The known place chosen before (a form posted back).
    #[prop(optional)]
    chosen: String,
    /// The form sends the place's name and the server finds it (works
    /// without scripts); otherwise choosing one fills the coordinates.
    #[prop(optional)]
    by_name: bool,
) -> impl IntoView {
    let PickedLocation { lat, lon } = location;
    let [lat_name, lon_name, place_name] = names;
    let place_list = places.map(|(places, label)| {
        let options = places
            .iter()
            .map(|p| {
                let value = if by_name { p.name.clone() } else { format!("{:.6},{:.6}", p.lat, p.lon) };
                let selected = !chosen.is_empty() && chosen == p.name;
                view! { <option value=value selected=selected>{place_label(p)}</option> }
            })
            .collect_view();
        let on_change = move |ev: leptos::ev::Event| {
            if by_name {
                return;
            }
            let v = event_target_value(&ev);
            if let Some((a, b)) = v.split_once(',') {
                lat.set(a.to_owned());
                lon.set(b.to_owned());
            }
        };
        view! {
            <label class="field">
                <span>{t(label)}</span>
                <select name=place_name on:change=on_change>
                    <option value="" selected=chosen.is_empty()>"—"</option>
                    {options}
                </select>
            </label>
        }
    });
    view! {
        <div class="coords">
            <label>
                <span>{t(msg::LAT)}</span>
                <input name=lat_name inputmode="decimal" autocomplete="off" required=required value=lat.get_untracked() prop:value=move || lat.get() on:input=move |ev| lat.set(event_target_value(&ev)) />
            </label>
            <label>
                <span>{t(msg::LON)}</span>
                <input name=lon_name inputmode="decimal" autocomplete="off" required=required value=lon.get_untracked() prop:value=move || lon.get() on:input=move |ev| lon.set(event_target_value(&ev)) />
            </label>
        </div>
        {place_list}
    }
}
