//! The server's local time, large.

use leptos::prelude::*;

use crate::format;
use crate::live::Live;

#[component]
pub fn Clock(live: Live, offset_minutes: i32) -> impl IntoView {
    view! { <time class="clock">{move || format::clock(live.now.get(), offset_minutes)}</time> }
}
