//! The chat-group steward desk (群管家工作台): every resident message from the
//! community chat groups, newest first and live, each with its reply timer
//! (the policy's chat reply target; amber at 80%, red at 100%). The steward
//! replies, answers a consultation, marks it not police business, or turns
//! it into an incident in one step (category proposed by the triage rules,
//! location from the message, typed, a known place or a click on the map);
//! once that incident is resolved the desk offers the closing reply.
//!
//! Stewards name themselves in the name field (no accounts). Every action
//! is a plain form that works without JavaScript and from the keyboard
//! (J/K next/previous message, R reply, I convert, Esc leave a field).
//! Resident text is always rendered as text, never as HTML.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::desk::{Preset, Workbench};
use crate::i18n::{msg, t};
use crate::server_fns::get_desk;

#[component]
pub fn DeskPage() -> impl IntoView {
    let query = use_query_map();
    let preset = query.with_untracked(|q| Preset {
        message: q.get("message").and_then(|s| s.parse::<i64>().ok()).filter(|n| *n > 0),
    });
    let data = Resource::new(|| (), |_| get_desk());
    view! {
        <Title text=format!("{} · {}", t(msg::DESK), t(msg::APP)) />
        <Suspense fallback=|| view! { <p class="loading">{t(msg::LOADING)}</p> }>
            <ErrorBoundary fallback=crate::error_fallback>
                {move || {
                    let preset = preset.clone();
                    Suspend::new(async move { data.await.map(|d| view! { <Workbench data=d preset=preset /> }) })
                }}
            </ErrorBoundary>
        </Suspense>
    }
}
