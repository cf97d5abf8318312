//! Says plainly whether the screen is live, and how old its data is when not.

use leptos::prelude::*;

use crate::i18n::{msg, t};
use crate::live::{Link, Live};

#[component]
pub fn LinkBadge(live: Live) -> impl IntoView {
    let (live_txt, connecting, reconnecting, last, ago) =
        (t(msg::LIVE), t(msg::CONNECTING), t(msg::RECONNECTING), t(msg::LAST_UPDATE), t(msg::SECONDS_AGO));
    let state = move || live.link.get();
    let text = move || match state() {
        Link::Live => live_txt.to_owned(),
        Link::Connecting => connecting.to_owned(),
        Link::Reconnecting => {
            live.now.track();
            format!("{reconnecting} ({last} {:.0} {ago})", live.seconds_since_last_message().max(0.0))
        }
        Link::SignedOut => t(msg::SIGNED_OUT_LIVE).to_owned(),
    };
    let class = move || match state() {
        Link::Live => "link-badge link-live",
        Link::Connecting => "link-badge link-connecting",
        Link::Reconnecting => "link-badge link-down",
        Link::SignedOut => "link-badge link-down link-signed-out",
    };
    let login = move || {
        (state() == Link::SignedOut).then(|| {
            view! { <a class="link-login" href="/login" rel="external">{t(msg::LOGIN)}</a> }
        })
    };
    view! {
        <div class=class role="status" aria-live="polite" data-link=move || format!("{:?}", state()).to_lowercase()>
            <span class="link-dot"></span>
            <span class="link-text">{text}</span>
            {login}
        </div>
    }
}
