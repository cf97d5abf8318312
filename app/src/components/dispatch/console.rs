use leptos::prelude::*;

use super::{IncidentPanel, IntakeForm, PlaceSearch, Preset, Recommendations, StatusButtons};
use crate::components::board::{Clock, IncidentList, LinkBadge};
use crate::components::location::PickedLocation;
use crate::components::map::{MapView, Overlay};
use crate::components::session::SessionBar;
#[cfg(feature = "hydrate")]
use crate::error::AppError;
use crate::i18n::{msg, t};
use crate::live::Live;
use crate::server_fns::{
    AssignUnit, CreateIncident, ReassignUnit, SetIncidentStatus, get_recommendations, get_recommendations_at,
};
use crate::wire::Board;
#[cfg(feature = "hydrate")]
use crate::wire::RecommendationView;
#[cfg(feature = "hydrate")]
use domain::IncidentId;

/// The console: the live board, the intake form and the selected
/// incident's panels.
#[component]
pub fn Console(board: Board, preset: Preset) -> impl IntoView {
    let live = Live::new(&board);
    let offset = board.map.utc_offset_minutes;
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        crate::live::client::start(live, String::new());
    });
    let selected = RwSignal::new(preset.incident);
    let assign = ServerAction::<AssignUnit>::new();
    let reassign = ServerAction::<ReassignUnit>::new();
    let create = ServerAction::<CreateIncident>::new();
    let set_status = ServerAction::<SetIncidentStatus>::new();
    Effect::new(move |_| {
        if let Some(Ok(incident)) = create.value().get() {
            selected.set(Some(incident.id));
            // leave the form, so the number keys send a unit at once
            #[cfg(feature = "hydrate")]
            {
                use wasm_bindgen::JsCast;
                if let Some(el) = document().active_element().and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
                    let _ = el.blur();
                }
            }
        }
    });
    let location = PickedLocation::new(preset.lat.clone(), preset.lon.clone());
    let pick_addr = RwSignal::new(preset.address.clone());
    // the intake form's location, once it is a valid position
    let picked = Memo::new(move |_| location.position());
    // Recommendations follow the selection (or, before an incident exists,
    // the intake form's location), every assignment, and every change in the
    // number of available units.
    let recs = Resource::new(
        move || {
            (
                selected.get(),
                picked.get(),
                assign.version().get() + reassign.version().get(),
                live.figures.with(|f| f.units_available),
            )
        },
        |(sel, at, _, _)| async move {
            match (sel, at) {
                (Some(id), _) => get_recommendations(id.0, 5).await,
                (None, Some((lat, lon))) => get_recommendations_at(lat, lon, 5).await,
                (None, None) => Ok(vec![]),
            }
        },
    );
    let selected_incident =
        Memo::new(move |_| selected.get().and_then(|id| live.incidents.with(|m| m.get(&id).map(|s| s.get()))));
    let overlay = Signal::derive(move || Overlay {
        target: selected_incident.get().map(|i| (i.lat, i.lon)).or_else(|| picked.get()),
        candidates: recs
            .get()
            .and_then(Result::ok)
            .unwrap_or_default()
            .into_iter()
            .map(|r| (r.lat, r.lon, r.callsign))
            .collect(),
    });
    let on_pick = Callback::new(move |(lat, lon): (f64, f64)| {
        location.set(lat, lon);
        selected.set(None);
    });
    let on_place = Callback::new(move |(lat, lon, name): (f64, f64, String)| {
        location.set(lat, lon);
        pick_addr.set(name);
        selected.set(None);
    });
    let places = StoredValue::new(board.map.places.clone());
    #[cfg(feature = "hydrate")]
    shortcuts(live, selected, recs, assign);
    view! {
        <div class="dispatch" data-page="dispatch">
            <header class="top-bar">
                <h1>
                    {board.map.name.clone()}
                    <span class="sub">{t(msg::DISPATCH)}</span>
                </h1>
                <p class="shortcuts" aria-label=t(msg::KEYBOARD_SHORTCUTS)>
                    {t(msg::DISPATCH_KEYS_HELP)}
                </p>
                <LinkBadge live=live />
                <Clock live=live offset_minutes=offset />
                <SessionBar />
            </header>
            <div class="dispatch-main">
                <aside class="dispatch-left">
                    <PlaceSearch places=places initial=preset.place.clone() on_pick=on_place />
                    <IntakeForm create=create location=location address=pick_addr />
                    <section class="panel">
                        <h2>{t(msg::OPEN_INCIDENTS)}</h2>
                        <IncidentList live=live selected=selected href_prefix="/dispatch?incident=" />
                    </section>
                </aside>
                <div class="map-frame">
                    <MapView map=board.map.clone() live=live overlay=overlay on_pick=on_pick />
                </div>
                <aside class="dispatch-right">
                    <IncidentPanel incident=selected_incident.into() live=live offset_minutes=offset />
                    <Recommendations
                        recs=recs
                        assign=assign
                        reassign=reassign
                        incident=selected_incident.into()
                        picked=picked.into()
                        live=live
                    />
                    <StatusButtons incident=selected_incident.into() action=set_status />
                </aside>
            </div>
        </div>
    }
}

/// The console's keys (see the shortcuts line in the header): J/K through
/// the incidents, / the place search, N the intake form, 1–5 send that
/// recommended unit, Escape deselects.
#[cfg(feature = "hydrate")]
fn shortcuts(
    live: Live,
    selected: RwSignal<Option<IncidentId>>,
    recs: Resource<Result<Vec<RecommendationView>, AppError>>,
    assign: ServerAction<AssignUnit>,
) {
    use crate::components::list_shortcuts::{focus, use_list_shortcuts};
    let list = move || live.incidents_by_urgency().into_iter().map(|i| i.id).collect();
    use_list_shortcuts(list, selected, move |key, ev| match key {
        "/" => {
            ev.prevent_default();
            focus("place-q");
        }
        "n" | "N" => {
            ev.prevent_default();
            focus("intake-channel");
        }
        "1" | "2" | "3" | "4" | "5" => {
            let Some(incident) = selected.get_untracked() else { return };
            let rank = key.parse::<usize>().unwrap_or(1) - 1;
            let unit = recs.get_untracked().and_then(Result::ok).and_then(|r| r.get(rank).map(|r| r.unit_id));
            if let Some(unit) = unit {
                assign.dispatch(AssignUnit { incident: incident.0, unit: unit.0 });
            }
        }
        "Escape" => selected.set(None),
        _ => {}
    });
}
