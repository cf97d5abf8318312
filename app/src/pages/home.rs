//! The front page: what each screen is for.

use leptos::prelude::*;

use crate::components::session::SessionBar;
use crate::i18n::{Lang, lang, msg, t};

#[component]
pub fn HomePage() -> impl IntoView {
    let en = lang() == Lang::En;
    let q = if en { "?lang=en" } else { "" };
    let other = if en { "/" } else { "/?lang=en" };
    let review_desc = t(msg::HOME_REVIEW_DESC);
    let (screen_desc, dispatch_desc) = (t(msg::HOME_SCREEN_DESC), t(msg::HOME_DISPATCH_DESC));
    view! {
        <main class="page-simple home">
            <SessionBar />
            <h1>{t(msg::APP)}</h1>
            <p class="login-link">
                <a href=format!("/login{q}") rel="external">{t(msg::LOGIN)}</a>
                " — "
                {t(msg::HOME_LOGIN_NOTE)}
            </p>
            <p class="intro">{t(msg::HOME_INTRO)}</p>
            <p class="resident-link">
                <a href=format!("/report{q}") rel="external">{t(msg::HOME_RESIDENTS)}</a>
                " — "
                {t(msg::HOME_RESIDENTS_NOTE)}
            </p>
            <ul class="page-links">
                <li>
                    <a href=format!("/screen{q}") rel="external">{t(msg::WALL_SCREEN)}</a>
                    " — "
                    {screen_desc}
                </li>
                <li>
                    <a href=format!("/dispatch{q}") rel="external">{t(msg::DISPATCH)}</a>
                    " — "
                    {dispatch_desc}
                </li>
                <li>
                    <a href=format!("/desk{q}") rel="external">{t(msg::HOME_DESK)}</a>
                    " — "
                    {t(msg::HOME_DESK_DESC)}
                </li>
                <li>
                    <a href=format!("/review{q}") rel="external">{t(msg::HOME_REVIEW)}</a>
                    " — "
                    {review_desc}
                </li>
                <li>
                    <a href="/api/v1/openapi.json" rel="external">{t(msg::API_DOC)}</a>
                </li>
            </ul>
            <p>
                <a href=other rel="external">{t(msg::SWITCH_LANG)}</a>
            </p>
        </main>
    }
}
