//! The residents' pages, public and without an account (phone, 390×844):
//!
//! - `/report`: report a problem: category, description, location (the
//!   phone's position with permission, a tap on the district map, typed
//!   coordinates or a known place), an optional photo and contact. A plain
//!   multipart form posted to the server's `POST /report` handler, which
//!   redirects to the tracking page, or renders this page again with the
//!   problem and everything typed (see `server/src/report.rs`). The browser
//!   code only adds the position button and the map tap.
//! - `/report/{code}`: the stage of one report (received, on the way,
//!   handled; closed when cancelled) and when it was received. Nothing
//!   else: no units, callsigns, names, positions or other reports. The page
//!   asks again every few seconds (or reloads itself without JavaScript);
//!   it never opens the live stream, which carries unit positions.
//!
//! The map here is the district's public layers only: the server leaves
//! out units, incidents and must-patrol points before sending it.

use chrono::{DateTime, FixedOffset, Utc};
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_params_map;

use crate::components::location::{LocationPicker, PickedLocation};
use crate::components::map::{MapView, Projection};
use crate::error::AppError;
use crate::i18n::{self, Lang, lang, msg, t};
use crate::live::Live;
use crate::report::{PHOTO_MAX_BYTES, ReportField, ReportFormPage, ReportStage, ReportTrack};
use crate::security::CsrfField;
use crate::server_fns::{get_report_form, get_report_track};
use crate::wire::Snapshot;
use domain::Category;

/// `?lang=en` to keep on links and the form's address.
fn lang_query() -> &'static str {
    if lang() == Lang::En { "?lang=en" } else { "" }
}

/// The categories in the order a resident is likely to need them.
const RESIDENT_CATEGORIES: [Category; 13] = [
    Category::Fight,
    Category::Theft,
    Category::Dispute,
    Category::Noise,
    Category::Parking,
    Category::LostPerson,
    Category::Medical,
    Category::Fire,
    Category::Traffic,
    Category::Fraud,
    Category::Minors,
    Category::Consultation,
    Category::Other,
];

#[cfg(feature = "ssr")]
fn set_status(code: u16) {
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::from_u16(code).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR));
    }
}

#[cfg(not(feature = "ssr"))]
fn set_status(_code: u16) {}

#[component]
pub fn ReportPage() -> impl IntoView {
    let page = Resource::new(|| (), |_| get_report_form());
    view! {
        <Title text=format!("{} · {}", t(msg::REPORT_TITLE), t(msg::APP)) />
        <Meta name="theme-color" content="#0f172a" />
        <Suspense fallback=|| view! { <p class="loading">{t(msg::LOADING)}</p> }>
            <ErrorBoundary fallback=crate::error_fallback>
                {move || Suspend::new(async move { page.await.map(|p| view! { <ReportForm page=p /> }) })}
            </ErrorBoundary>
        </Suspense>
    }
}

/// What the position button is doing.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(not(feature = "hydrate"), expect(dead_code, reason = "only the browser finds or fails a position"))]
enum Locating {
    Idle,
    Waiting,
    Found { accuracy_m: f64 },
    Failed(String),
}

#[component]
fn ReportForm(page: ReportFormPage) -> impl IntoView {
    let l = lang();
    let (problem, fields) = match page.posted.clone() {
        Some(p) => (Some(p.problem), p.fields),
        None => (None, Default::default()),
    };
    let bad = problem.as_ref().and_then(|p| p.field());
    let invalid = move |f: ReportField| if bad == Some(f) { "true" } else { "false" };
    let location = PickedLocation::new(fields.lat.clone(), fields.lon.clone());
    let locating = RwSignal::new(Locating::Idle);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));

    let picked = Memo::new(move |_| location.position());
    let on_pick = Callback::new(move |(la, lo): (f64, f64)| {
        location.set(la, lo);
        locating.set(Locating::Idle);
    });
    let locate = move |_| {
        #[cfg(feature = "hydrate")]
        client::locate(location.lat, location.lon, locating);
    };
    let locating_text = move || match locating.get() {
        Locating::Idle => String::new(),
        Locating::Waiting => t(msg::REPORT_GETTING_THE_PHONE_S).to_owned(),
        Locating::Found { accuracy_m } => {
            format!("{} ±{:.0} m", t(msg::REPORT_USING_THE_PHONE_S), accuracy_m)
        }
        Locating::Failed(why) => format!("{} ({why})", t(msg::REPORT_NO_POSITION_TAP_THE)),
    };

    let categories = RESIDENT_CATEGORIES
        .iter()
        .map(|c| {
            let selected = fields.category == c.as_str();
            view! { <option value=c.as_str() selected=selected>{i18n::category(*c).get(l)}</option> }
        })
        .collect_view();
    // the district map, public layers only, with no live units or incidents
    let live = Live::from_snapshot(&Snapshot::default(), 0, page.server_time);
    let proj = Projection::fit(&page.map);
    let marker = move || {
        picked.get().map(|(la, lo)| {
            let (x, y) = proj.xy(la, lo);
            view! {
                <g class="report-pin" transform=format!("translate({x:.0} {y:.0})")>
                    <circle r="320" class="pin-halo"></circle>
                    <circle r="110" class="pin-dot"></circle>
                </g>
            }
        })
    };

    let error = problem.map(|p| {
        let mut text = p.message(l);
        if fields.had_photo {
            text.push_str(t(msg::REPORT_PLEASE_CHOOSE_THE_PHOTO));
        }
        view! {
            <p class="error report-error" role="alert" data-field=p.field().map(|f| f.as_str()).unwrap_or("")>
                {text}
            </p>
        }
    });
    let max_mb = PHOTO_MAX_BYTES / (1024 * 1024);
    let other_lang = if l == Lang::En { "/report" } else { "/report?lang=en" };

    view! {
        <main class="resident report" data-page="report">
            <header class="resident-top">
                <h1>{t(msg::REPORT_TITLE)}</h1>
                <p class="emergency">{t(msg::REPORT_IN_AN_EMERGENCY_CALL)}</p>
            </header>
            {error}
            <form
                class="report-form"
                method="post"
                action=format!("/report{}", lang_query())
                enctype="multipart/form-data"
                accept-charset="utf-8"
            >
                <CsrfField />
                <label class="field">
                    <span>{t(msg::REPORT_WHAT_HAPPENED)}</span>
                    <select name="category" required aria-invalid=invalid(ReportField::Category)>
                        <option value="" disabled selected=fields.category.is_empty()>
                            {t(msg::REPORT_CHOOSE_A_CATEGORY)}
                        </option>
                        {categories}
                    </select>
                </label>
                <label class="field">
                    <span>{t(msg::REPORT_DESCRIBE_IT)}</span>
                    <textarea
                        name="description"
                        rows="4"
                        maxlength=domain::intake::DESCRIPTION_MAX.to_string()
                        aria-invalid=invalid(ReportField::Description)
                        placeholder=t(msg::REPORT_E_G_TWO_PEOPLE)
                    >
                        {rcdata(&fields.description)}
                    </textarea>
                </label>

                <fieldset class="location" aria-invalid=invalid(ReportField::Location)>
                    <legend>{t(msg::REPORT_WHERE)}</legend>
                    <Show
                        when=move || hydrated.get()
                        fallback=|| view! { <p class="hint">{t(msg::REPORT_WITHOUT_SCRIPTS_TYPE_COORDINATES)}</p> }
                    >
                        <button
                            type="button"
                            class="big locate"
                            on:click=locate
                            disabled=move || locating.get() == Locating::Waiting
                        >
                            {t(msg::REPORT_USE_MY_LOCATION)}
                        </button>
                    </Show>
                    <p class="locating" role="status" data-locating=move || match locating.get() { Locating::Idle => "idle", Locating::Waiting => "waiting", Locating::Found { .. } => "found", Locating::Failed(_) => "failed" }>
                        {locating_text}
                    </p>
                    <div class="report-map">
                        <MapView map=page.map.clone() live=live on_pick=on_pick />
                        <svg class="report-pin-layer" viewBox=proj.view_box() preserveAspectRatio="xMidYMid meet" aria-hidden="true">
                            {marker}
                        </svg>
                    </div>
                    <p class="hint">{t(msg::REPORT_OR_TAP_THE_MAP)}</p>
                    <LocationPicker
                        location=location
                        names=["lat", "lon", "place"]
                        places=(page.places.clone(), msg::REPORT_OR_CHOOSE_A_PLACE)
                        chosen=fields.place.clone()
                        by_name=true
                    />
                    <label class="field">
                        <span>{t(msg::REPORT_ADDRESS_OR_LANDMARK_OPTIONAL)}</span>
                        <input
                            name="address"
                            maxlength=domain::intake::ADDRESS_MAX.to_string()
                            value=fields.address.clone()
                            aria-invalid=invalid(ReportField::Address)
                        />
                    </label>
                </fieldset>

                <label class="field">
                    <span>{format!("{} (JPEG/PNG/WebP, ≤ {max_mb} MB)", t(msg::REPORT_PHOTO_OPTIONAL))}</span>
                    <input type="file" name="photo" accept="image/jpeg,image/png,image/webp" aria-invalid=invalid(ReportField::Photo) />
                </label>
                <label class="field">
                    <span>{t(msg::REPORT_PHONE_OR_CONTACT_OPTIONAL)}</span>
                    <input
                        name="contact"
                        type="tel"
                        maxlength=domain::intake::CONTACT_MAX.to_string()
                        autocomplete="tel"
                        value=fields.contact.clone()
                        aria-invalid=invalid(ReportField::Contact)
                    />
                    <small>{t(msg::REPORT_ONLY_THE_POLICE_SEE)}</small>
                </label>
                <button type="submit" class="big primary send">{t(msg::REPORT_SEND_THE_REPORT)}</button>
            </form>
            <nav class="resident-foot">
                <a href=other_lang rel="external">{t(msg::SWITCH_LANG)}</a>
            </nav>
        </main>
    }
}

/// Text for inside a `<textarea>`, escaped here: Leptos (tachys 0.2)
/// writes a textarea's children to the HTML unescaped, so text containing
/// `</textarea><script>` would otherwise end the field and run. The
/// browser decodes the entities, so the field shows exactly what was typed.
fn rcdata(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn local(at: DateTime<Utc>, offset_minutes: i32) -> String {
    let tz = FixedOffset::east_opt(offset_minutes * 60).unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero"));
    at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

/// The tracking page reloads itself this often (seconds) without
/// JavaScript; with it, it asks every `client::POLL_MS`.
const RELOAD_S: &str = "30";

#[component]
pub fn ReportTrackPage() -> impl IntoView {
    let params = use_params_map();
    let code = params.with_untracked(|p| p.get("code").unwrap_or_default());
    let track = Resource::new(move || code.clone(), get_report_track);
    view! {
        <Title text=format!("{} · {}", t(msg::REPORT_TRACK_TITLE), t(msg::APP)) />
        <Meta name="theme-color" content="#0f172a" />
        <Meta http_equiv="refresh" content=RELOAD_S />
        <Suspense fallback=|| view! { <p class="loading">{t(msg::LOADING)}</p> }>
            {move || Suspend::new(async move {
                match track.await {
                    Ok(t) => view! { <Track track=t /> }.into_any(),
                    Err(e) => view! { <TrackError error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn TrackError(error: AppError) -> impl IntoView {
    set_status(error.http_status());
    let text = match &error {
        AppError::NotFound(_) => t(msg::REPORT_THERE_IS_NO_REPORT),
        AppError::Invalid(_) => t(msg::REPORT_THIS_IS_NOT_A),
        _ => t(msg::REPORT_THE_STATUS_CANNOT_BE),
    };
    view! {
        <main class="resident track" data-page="report-track">
            <h1>{t(msg::REPORT_TRACK_TITLE)}</h1>
            <p class="error" role="alert" data-status=error.http_status().to_string()>{text}</p>
            <p><a href=format!("/report{}", lang_query()) rel="external">{t(msg::REPORT_NEW_REPORT)}</a></p>
        </main>
    }
}

#[component]
fn Track(track: ReportTrack) -> impl IntoView {
    let code = track.code.clone();
    let offset = track.utc_offset_minutes;
    let received = local(track.received_at, offset);
    // the safety notices of the report's area (a plain link: no data of the report)
    let notices = track.station.clone().map(|s| {
        view! {
            <p class="track-notices">
                <a href=format!("/notices?station={}", crate::review::encode(&s)) rel="external">
                    "本区安全提示 · Safety notices for your area"
                </a>
            </p>
        }
    });
    let current = RwSignal::new(track);
    let checked = RwSignal::new(None::<Result<DateTime<Utc>, String>>);
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        client::poll(current, checked);
    });
    let stage = Memo::new(move |_| current.with(|t| t.stage));
    let steps = move || {
        let s = stage.get();
        let order = [ReportStage::Received, ReportStage::OnTheWay, ReportStage::Handled];
        let reached = order.iter().position(|o| *o == s).unwrap_or(0);
        order
            .iter()
            .enumerate()
            .map(|(i, o)| {
                let class = if s == ReportStage::Closed {
                    if i == 0 { "step done" } else { "step skipped" }
                } else if i < reached {
                    "step done"
                } else if i == reached {
                    "step current"
                } else {
                    "step"
                };
                view! { <li class=class data-step=o.as_str()>{o.label().get(lang())}</li> }
            })
            .collect_view()
    };
    let checked_text = move || match checked.get() {
        None => String::new(),
        Some(Ok(at)) => {
            let tz = FixedOffset::east_opt(offset * 60).unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero"));
            format!("{} {}", t(msg::REPORT_CHECKED_AT), at.with_timezone(&tz).format("%H:%M:%S"))
        }
        Some(Err(_)) => t(msg::REPORT_CANNOT_CHECK_RIGHT_NOW).to_owned(),
    };
    view! {
        <main class="resident track" data-page="report-track" data-stage=move || stage.get().as_str()>
            <h1>{t(msg::REPORT_TRACK_TITLE)}</h1>
            <p class="code">
                <span>{t(msg::REPORT_TRACKING_CODE)}</span>
                " "
                <strong>{code}</strong>
            </p>
            <p class="received">{format!("{} {received}", t(msg::REPORT_RECEIVED))}</p>
            {notices}
            <p class=move || format!("stage stage-{}", stage.get().as_str()) role="status">
                {move || stage.get().label().get(lang())}
            </p>
            <ol class="steps">{steps}</ol>
            <p class="explain">{move || stage.get().explain().get(lang())}</p>
            <p class="hint">
                {t(msg::REPORT_KEEP_THIS_PAGE_OR)}
                " "
                <span class="checked">{checked_text}</span>
            </p>
            <p class="emergency">{t(msg::REPORT_IN_AN_EMERGENCY_CALL)}</p>
            <nav class="resident-foot">
                <a href=format!("/report{}", lang_query()) rel="external">{t(msg::REPORT_ANOTHER_REPORT)}</a>
            </nav>
        </main>
    }
}

#[cfg(feature = "hydrate")]
mod client {
    //! The browser side: the phone's position for the form (asked once,
    //! with the browser's permission), and polling a report's stage.

    use leptos::prelude::*;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;

    use super::Locating;
    use crate::report::ReportTrack;

    /// How often the tracking page asks for the stage.
    pub const POLL_MS: u32 = 4_000;

    pub fn locate(lat: RwSignal<String>, lon: RwSignal<String>, locating: RwSignal<Locating>) {
        let Ok(geo) = window().navigator().geolocation() else {
            locating.set(Locating::Failed("no geolocation in this browser".into()));
            return;
        };
        locating.set(Locating::Waiting);
        let on_fix = Closure::<dyn FnMut(web_sys::Position)>::once(move |p: web_sys::Position| {
            let c = p.coords();
            lat.set(format!("{:.6}", c.latitude()));
            lon.set(format!("{:.6}", c.longitude()));
            locating.set(Locating::Found { accuracy_m: c.accuracy() });
        });
        let on_error = Closure::<dyn FnMut(web_sys::PositionError)>::once(move |e: web_sys::PositionError| {
            locating.set(Locating::Failed(e.message()));
        });
        let opts = web_sys::PositionOptions::new();
        opts.set_enable_high_accuracy(true);
        opts.set_timeout(20_000);
        let _ = geo.get_current_position_with_error_callback_and_options(
            on_fix.as_ref().unchecked_ref(),
            Some(on_error.as_ref().unchecked_ref()),
            &opts,
        );
        // called at most once each, by the browser, later
        on_fix.forget();
        on_error.forget();
    }

    /// Asks for the stage every few seconds while the page is open.
    pub fn poll(
        current: RwSignal<ReportTrack>,
        checked: RwSignal<Option<Result<chrono::DateTime<chrono::Utc>, String>>>,
    ) {
        let code = current.with_untracked(|t| t.code.clone());
        let tick = move || {
            let code = code.clone();
            leptos::task::spawn_local(async move {
                match crate::server_fns::get_report_track(code).await {
                    Ok(t) => {
                        if current.with_untracked(|c| c.stage != t.stage) {
                            current.set(t);
                        }
                        // the browser's clock (chrono's needs a feature this build leaves out)
                        let now = chrono::DateTime::from_timestamp_millis(js_sys::Date::now() as i64);
                        checked.set(Some(now.ok_or_else(String::new)));
                    }
                    Err(e) => checked.set(Some(Err(e.to_string()))),
                }
            });
        };
        let _ = set_interval_with_handle(tick, std::time::Duration::from_millis(u64::from(POLL_MS)));
    }
}
