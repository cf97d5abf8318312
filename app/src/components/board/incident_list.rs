//! Open incidents, most urgent first, with live arrival countdowns.

use leptos::prelude::*;

use crate::format;
use crate::i18n::{self, msg, t};
use crate::live::Live;
use domain::IncidentId;

#[component]
pub fn IncidentList(
    live: Live,
    /// The selected incident, if the list selects (dispatch console).
    #[prop(optional, into)]
    selected: Option<RwSignal<Option<IncidentId>>>,
    /// Link target for a row, e.g. `/dispatch?incident=` (works without JavaScript).
    #[prop(optional)]
    href_prefix: Option<&'static str>,
    #[prop(optional)] limit: Option<usize>,
) -> impl IntoView {
    let lang = i18n::lang();
    let none = t(msg::NONE_OPEN);
    let overdue = t(msg::OVERDUE);
    let rows = move || {
        let now = live.now.get();
        let list = live.incidents_by_urgency();
        if list.is_empty() {
            return view! { <li class="empty">{none}</li> }.into_any();
        }
        list.into_iter()
            .take(limit.unwrap_or(usize::MAX))
            .map(|i| {
                let id = i.id;
                let level = i.arrival_timer.level(now).as_str();
                let countdown = format::arrival(&i, now, overdue);
                let is_selected = move || selected.is_some_and(|s| s.get() == Some(id));
                let on_click = move |ev: leptos::ev::MouseEvent| {
                    if let Some(s) = selected {
                        ev.prevent_default();
                        s.set(Some(id));
                    }
                };
                let href = href_prefix.map(|p| format!("{p}{id}"));
                view! {
                    <li class=format!("incident-row prio-{} lvl-{level}", i.priority.get()) class:selected=is_selected data-incident-id=id.to_string()>
                        <a href=href on:click=on_click>
                            <span class="row-id">{format!("#{id}")}</span>
                            <span class="row-cat">{i18n::category(i.category).get(lang)}</span>
                            <span class="row-status">{i18n::incident_status(i.status).get(lang)}</span>
                            <span class=format!("row-countdown lvl-{level}")>{countdown}</span>
                            <span class="row-addr">{i.address.clone()}</span>
                        </a>
                    </li>
                }
            })
            .collect_view()
            .into_any()
    };
    view! { <ul class="incident-list">{rows}</ul> }
}
