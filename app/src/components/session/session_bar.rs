//! The logged-in principal's name and role, and a logout button (a plain
//! form, so it works before the script arrives). Devices (a wall screen)
//! show nothing.

use leptos::prelude::*;

use crate::i18n::{msg, role_label, t};
use crate::security::{CsrfField, use_session};

#[component]
pub fn SessionBar() -> impl IntoView {
    let session = use_session();
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let who = match session {
                    Some(s) => s.await.ok().and_then(|s| s.who),
                    None => None,
                };
                who.filter(|w| w.role.is_person())
                    .map(|w| {
                        view! {
                            <div class="session-bar" data-role=w.role.as_str()>
                                <span class="session-who" title=t(msg::LOGGED_IN_AS)>
                                    <span class="session-name">{w.name.clone()}</span>
                                    " · "
                                    <span class="session-role">{role_label(w.role)}</span>
                                </span>
                                <form class="logout-form" method="post" action="/logout">
                                    <CsrfField />
                                    <button type="submit" class="logout-button">{t(msg::LOGOUT)}</button>
                                </form>
                            </div>
                        }
                    })
            })}
        </Suspense>
    }
}

/// Keeps a person's session alive while they use the page: a keystroke, a
/// click or a touch tells the server (at most once a minute). Background
/// work (the live stream, refreshes) does not, so a session left alone ends
/// after the configured idle time.
pub fn use_input_keepalive() {
    #[cfg(feature = "hydrate")]
    {
        use std::cell::Cell;
        use std::rc::Rc;
        let last = Rc::new(Cell::new(crate::live::client_now_ms()));
        let session = use_session();
        let on_input = move || {
            let person = session.and_then(|s| s.get_untracked()).and_then(|s| s.ok()).and_then(|s| s.who);
            if !person.is_some_and(|w| w.role.is_person()) {
                return;
            }
            let now = crate::live::client_now_ms();
            if now - last.get() >= 60_000.0 {
                last.set(now);
                leptos::task::spawn_local(async move {
                    let _ = crate::server_fns::touch().await;
                });
            }
        };
        let a = on_input.clone();
        let b = on_input.clone();
        let _ = window_event_listener(leptos::ev::keydown, move |_| a());
        let _ = window_event_listener(leptos::ev::pointerdown, move |_| b());
    }
}
