//! Command Room's user interface: the pages and components (Leptos, rendered
//! on the server and hydrated in the browser), the server functions they
//! call, and the wire types the browser shares with the server.

#![recursion_limit = "256"]

pub mod backend;
pub mod components;
pub mod error;
pub mod format;
pub mod i18n;
pub mod live;
pub mod pages;
pub mod report;
pub mod review;
pub mod security;
pub mod server_fns;
pub mod wire;

use leptos::prelude::*;
use leptos_meta::{Html, MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::hooks::use_query_map;
use leptos_router::{SsrMode, path};

use crate::i18n::{Lang, msg, t};

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="zh-CN">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // who is logged in, and the token every form carries: one request per page
    let session: security::SessionResource = Resource::new(|| (), |_| server_fns::get_session());
    provide_context(session);
    components::session::use_input_keepalive();
    view! {
        <Stylesheet id="command-room" href="/pkg/command_room.css" />
        <Title text=msg::APP.0 />
        <Router>
            <LangScope>
                <Routes fallback=pages::not_found::NotFound>
                    <Route path=path!("/") view=pages::home::HomePage />
                    <Route path=path!("/login") view=pages::login::LoginPage ssr=SsrMode::Async />
                    <Route path=path!("/admin") view=pages::admin::AdminPage ssr=SsrMode::Async />
                    <Route path=path!("/screen") view=pages::screen::ScreenPage ssr=SsrMode::Async />
                    <Route path=path!("/dispatch") view=pages::dispatch::DispatchPage ssr=SsrMode::Async />
                    <Route path=path!("/unit/:callsign") view=pages::unit::UnitPhonePage ssr=SsrMode::Async />
                    <Route path=path!("/points/:code/qr") view=pages::points::PointQrPage ssr=SsrMode::Async />
                    <Route path=path!("/points/:code/edit") view=pages::points::PointEditPage ssr=SsrMode::Async />
                    <Route path=path!("/checkin/:code") view=pages::points::QrCheckInPage ssr=SsrMode::Async />
                    <Route path=path!("/review") view=pages::review::ReviewPage ssr=SsrMode::Async />
                    <Route path=path!("/review/incidents") view=pages::review::ReviewIncidentsPage ssr=SsrMode::Async />
                    <Route path=path!("/review/incident/:id") view=pages::review::ReviewTimelinePage ssr=SsrMode::Async />
                    <Route path=path!("/desk") view=pages::desk::DeskPage ssr=SsrMode::Async />
                    // residents' reports (public: no units, no personal data)
                    <Route path=path!("/report") view=pages::report::ReportPage ssr=SsrMode::Async />
                    <Route path=path!("/report/:code") view=pages::report::ReportTrackPage ssr=SsrMode::Async />
                </Routes>
            </LangScope>
        </Router>
    }
}

/// Sets the page language from `?lang=` for everything inside.
#[component]
fn LangScope(children: Children) -> impl IntoView {
    let q = use_query_map();
    let lang = Lang::from_query(q.with_untracked(|q| q.get("lang")).as_deref());
    provide_context(lang);
    view! {
        <Html attr:lang=lang.html_lang() />
        {children()}
    }
}

/// What an async view shows when loading its data failed.
pub fn error_fallback(errors: ArcRwSignal<Errors>) -> impl IntoView {
    set_error_status(&errors);
    let list = move || errors.with(|e| e.iter().map(|(_, e)| view! { <li>{e.to_string()}</li> }).collect_view());
    view! {
        <div class="error-panel" role="alert">
            <h2>{t(msg::ERROR)}</h2>
            <ul>{list}</ul>
        </div>
    }
}

/// On the server, answers a failed page with the HTTP status of its error
/// (400 for bad input, 404, 409, 503, 500), not "200 OK".
pub fn set_error_status(errors: &ArcRwSignal<Errors>) {
    #[cfg(feature = "ssr")]
    {
        let status = errors.with_untracked(|e| {
            e.iter()
                .filter_map(|(_, e)| e.downcast_ref::<error::AppError>().map(error::AppError::http_status))
                .max()
                .unwrap_or(500)
        });
        if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
            res.set_status(http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR));
        }
    }
    #[cfg(not(feature = "ssr"))]
    let _ = errors;
}
