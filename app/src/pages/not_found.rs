use leptos::prelude::*;

use crate::i18n::{msg, t};

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
            resp.set_status(http::StatusCode::NOT_FOUND);
        }
    }
    view! {
        <main class="page-simple">
            <h1>{t(msg::NOT_FOUND)}</h1>
            <p>
                <a href="/" rel="external">"← "{t(msg::APP)}</a>
            </p>
        </main>
    }
}
