//! `/login`: a name and a password, in a plain form that works without
//! JavaScript (`POST /login`). The server sends the person back here with
//! the reason when it refuses (`?error=wrong|locked|disabled`), when a
//! session ended (`?ended=idle|expired|…`) or after a logout (`?out=1`).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::i18n::{Lang, lang, msg, role_label, t};
use crate::security::{CsrfField, use_session};

#[component]
pub fn LoginPage() -> impl IntoView {
    let q = use_query_map();
    let get = move |k: &str| q.with_untracked(|q| q.get(k)).unwrap_or_default();
    let next = get("next");
    let notice = move |offset: i32| match (get("error").as_str(), get("ended").as_str(), get("out").as_str()) {
        ("wrong", _, _) => Some(("login-error", t(msg::LOGIN_WRONG).to_owned())),
        ("locked", _, _) => Some((
            "login-error login-locked",
            match get("until").parse::<i64>().ok().and_then(|s| chrono::DateTime::from_timestamp(s, 0)) {
                Some(until) => t(msg::LOGIN_LOCKED_UNTIL).replace("{}", &crate::format::date_hm(until, offset)),
                None => t(msg::LOGIN_LOCKED).to_owned(),
            },
        )),
        ("disabled", _, _) => Some(("login-error", t(msg::LOGIN_DISABLED).to_owned())),
        ("unavailable", _, _) => Some(("login-error", t(msg::LOGIN_UNAVAILABLE).to_owned())),
        (_, "idle", _) => Some(("login-note", t(msg::SESSION_IDLE).to_owned())),
        (_, "expired", _) => Some(("login-note", t(msg::SESSION_EXPIRED).to_owned())),
        (_, e, _) if !e.is_empty() => Some(("login-note", t(msg::SESSION_ENDED).to_owned())),
        (_, _, "1") => Some(("login-note", t(msg::LOGGED_OUT).to_owned())),
        _ => None,
    };
    let session = use_session();
    let already = move || {
        Suspend::new(async move {
            let s = match session {
                Some(s) => s.await.ok(),
                None => None,
            };
            let offset = s.as_ref().map(|s| s.utc_offset_minutes).unwrap_or(0);
            let notice = notice(offset).map(|(class, text)| view! { <p class=class role="alert">{text}</p> });
            let who = s.and_then(|s| s.who).map(|w| {
                view! {
                    <p class="login-already">
                        {t(msg::LOGGED_IN_AS)}" "<strong>{w.name.clone()}</strong>" · "{role_label(w.role)}" — "
                        <a href=w.home.clone() rel="external">{w.home.clone()}</a>
                    </p>
                }
            });
            (notice, who)
        })
    };
    let en = lang() == Lang::En;
    let action = if en { "/login?lang=en" } else { "/login" };
    view! {
        <Title text=format!("{} · {}", t(msg::LOGIN), t(msg::APP)) />
        <main class="page-simple login-page">
            <h1>{t(msg::APP)}</h1>
            <Suspense fallback=|| ()>{already}</Suspense>
            <form class="login-form" method="post" action=action>
                <CsrfField />
                <input type="hidden" name="next" value=next />
                <label>
                    <span>{t(msg::LOGIN_NAME)}</span>
                    <input type="text" name="name" autocomplete="username" required autofocus maxlength="40" />
                </label>
                <label>
                    <span>{t(msg::PASSWORD)}</span>
                    <input type="password" name="password" autocomplete="current-password" required maxlength="128" />
                </label>
                <button type="submit" class="login-button">{t(msg::LOGIN)}</button>
            </form>
            <p class="login-public">
                <a href="/report" rel="external">{t(msg::LOGIN_RESIDENTS)}</a>
            </p>
        </main>
    }
}
