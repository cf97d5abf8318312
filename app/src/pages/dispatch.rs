//! The dispatch console (调度台): take a call, set its location by a click
//! on the map, by coordinates or by a known place (name or pinyin initials),
//! see the nearest units with their ETAs at once, assign, add a backup,
//! reassign, follow the incident's timeline. Everything works from the
//! keyboard (see the shortcuts line), and without JavaScript: every action is
//! a form, every selection a link.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::dispatch::{Console, Preset};
use crate::i18n::{msg, t};
use crate::server_fns::get_board;
use domain::IncidentId;

#[component]
pub fn DispatchPage() -> impl IntoView {
    let query = use_query_map();
    let preset = query.with_untracked(|q| Preset {
        incident: q.get("incident").and_then(|s| IncidentId::parse(&s).ok()),
        lat: q.get("lat").unwrap_or_default(),
        lon: q.get("lon").unwrap_or_default(),
        address: q.get("address").unwrap_or_default(),
        place: q.get("place").unwrap_or_default(),
    });
    let board = Resource::new(|| (), |_| get_board());
    view! {
        <Title text=format!("{} · {}", t(msg::DISPATCH), t(msg::APP)) />
        <Suspense fallback=|| view! { <p class="loading">{t(msg::LOADING)}</p> }>
            <ErrorBoundary fallback=crate::error_fallback>
                {move || {
                    let preset = preset.clone();
                    Suspend::new(async move { board.await.map(|b| view! { <Console board=b preset=preset /> }) })
                }}
            </ErrorBoundary>
        </Suspense>
    }
}
