//! The officer's phone page (`/unit/{callsign}`, 390×844): the current
//! assignment with distance, bearing and time since dispatch, big status
//! buttons that follow the unit's status machine, and location sharing
//! through the same ingest path as the vehicle trackers.
//!
//! Built for a slow connection: the server renders the whole page, and every
//! button is a form that posts without JavaScript (an error comes back in the
//! address, and the page shows it). Once the browser code arrives the page is kept live
//! over the stream narrowed to this unit, and it says when it is offline.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_params_map;

use crate::components::board::LinkBadge;
use crate::components::session::SessionBar;
use crate::format;
use crate::i18n::{self, Lang, Tr, lang, msg, t};
use crate::live::Live;
use crate::security::CsrfField;
use crate::server_fns::{OfficerCheckIn, OfficerResolve, OfficerStatus, get_unit_page};
use crate::wire::{IncidentView, PointDue, Snapshot, UnitPage, UnitView};
use domain::{Coordinates, UnitStatus};

#[component]
pub fn UnitPhonePage() -> impl IntoView {
    let params = use_params_map();
    let callsign = params.with_untracked(|p| p.get("callsign").unwrap_or_default());
    let title = crate::format::title_with(&callsign, t(msg::APP));
    let page = Resource::new(move || callsign.clone(), get_unit_page);
    view! {
        <Title text=title />
        <Meta name="theme-color" content="#0f172a" />
        <Suspense fallback=|| view! { <p class="loading">{t(msg::LOADING)}</p> }>
            <ErrorBoundary fallback=crate::error_fallback>
                {move || Suspend::new(async move { page.await.map(|p| view! { <Officer page=p /> }) })}
            </ErrorBoundary>
        </Suspense>
    }
}

/// Where the phone is, when the officer shares it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fix {
    pub lat: f64,
    pub lon: f64,
    pub accuracy_m: f64,
}

/// What the location sharing is doing, as the page says it.
#[derive(Debug, Clone, PartialEq)]
pub enum Sharing {
    Off,
    Waiting,
    On { sent: u32 },
    Failed(String),
}

#[component]
fn Officer(page: UnitPage) -> impl IntoView {
    let unit_id = page.unit.id;
    let callsign = page.unit.callsign.clone();
    let snapshot = Snapshot {
        epoch: page.epoch.clone(),
        units: vec![page.unit.clone()],
        incidents: page.incident.clone().into_iter().collect(),
        ..Snapshot::default()
    };
    let live = Live::from_snapshot(&snapshot, page.seq, page.server_time);
    let online = RwSignal::new(true);
    let fix = RwSignal::new(None::<Fix>);
    let sharing = RwSignal::new(Sharing::Off);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| {
        hydrated.set(true);
        #[cfg(feature = "hydrate")]
        {
            crate::live::client::start(live, format!("unit={}", unit_id.0));
            client::watch_online(online, live);
        }
    });
    let unit = Memo::new(move |_| live.unit(unit_id));
    let incident = Memo::new(move |_| {
        let id = unit.get()?.incident?;
        live.incidents.with(|m| m.get(&id).map(|s| s.get()))
    });
    let status_action = ServerAction::<OfficerStatus>::new();
    let resolve_action = ServerAction::<OfficerResolve>::new();
    // a form posted without JavaScript comes back with its error in the
    // address, and the action starts with it
    let check_in_action = ServerAction::<OfficerCheckIn>::new();
    let error = move || match (status_action.value().get(), resolve_action.value().get()) {
        (Some(Err(e)), _) | (_, Some(Err(e))) => {
            Some(view! { <p class="error officer-error" role="alert">{e.to_string()}</p> })
        }
        _ => None,
    };
    let en = lang() == Lang::En;
    let other_lang = if en { format!("/unit/{callsign}") } else { format!("/unit/{callsign}?lang=en") };
    let status_text = move || unit.get().map(|u| i18n::unit_status(u.status).get(lang())).unwrap_or_default();
    let status_class = move || format!("officer-status st-{}", unit.get().map(|u| u.status.as_str()).unwrap_or(""));
    let kind = i18n::unit_kind(page.unit.kind).get(lang());
    let force = i18n::force(page.unit.force).get(lang());
    view! {
        <main class="officer" data-page="unit" data-unit-id=unit_id.to_string()>
            <header class="officer-top">
                <div class="officer-id">
                    <h1>{callsign.clone()}</h1>
                    <p class="sub">{format!("{kind} · {force} · {}", page.station_name)}</p>
                </div>
                <LinkBadge live=live />
            </header>
            <SessionBar />
            <p class="officer-tasks"><a href="/tasks" rel="external">"任务清单 · This month's tasks"</a></p>
            <p class="offline-banner" role="alert" class:shown=move || !online.get() data-online=move || online.get().to_string()>
                {t(msg::UNIT_OFFLINE_SHOWING_THE_LAST)}
            </p>
            <p class=status_class data-status=move || unit.get().map(|u| u.status.as_str()).unwrap_or("")>
                <span class="label">{t(msg::UNIT_STATUS)}</span>
                <span class="value">{status_text}</span>
            </p>
            {error}
            <Assignment incident=incident.into() unit=unit.into() fix=fix.into() live=live />
            <StatusButtons unit=unit.into() incident=incident.into() status_action=status_action resolve_action=resolve_action />
            <LocationSharing unit_id=unit_id hydrated=hydrated fix=fix sharing=sharing live=live />
            <Points points=page.points.clone() callsign=callsign.clone() unit=unit.into() fix=fix.into() action=check_in_action offset_minutes=page.utc_offset_minutes />
            <nav class="officer-foot">
                <a href=other_lang rel="external">{t(msg::SWITCH_LANG)}</a>
            </nav>
        </main>
    }
}

/// The compass point of a bearing, e.g. 45° → 东北 / NE.
pub fn compass(bearing_deg: f64) -> Tr {
    const POINTS: [Tr; 8] = [
        msg::BEARING_N,
        msg::BEARING_NE,
        msg::BEARING_E,
        msg::BEARING_SE,
        msg::BEARING_S,
        msg::BEARING_SW,
        msg::BEARING_W,
        msg::BEARING_NW,
    ];
    let i = ((bearing_deg.rem_euclid(360.0) + 22.5) / 45.0) as usize % 8;
    POINTS[i]
}

#[component]
fn Assignment(
    incident: Signal<Option<IncidentView>>,
    unit: Signal<Option<UnitView>>,
    fix: Signal<Option<Fix>>,
    live: Live,
) -> impl IntoView {
    move || {
        let Some(i) = incident.get() else {
            return view! {
                <section class="assignment none" data-incident-id="">
                    <p>{t(msg::UNIT_NO_ASSIGNMENT_STANDING_BY)}</p>
                </section>
            }
            .into_any();
        };
        let l = lang();
        let now = live.now.get();
        // from the phone when it shares its position, else from the unit's last report
        let (from, from_phone) = match (fix.get(), unit.get()) {
            (Some(f), _) => (Coordinates::parse(f.lat, f.lon).ok(), true),
            (None, Some(UnitView { lat: Some(lat), lon: Some(lon), .. })) => (Coordinates::parse(lat, lon).ok(), false),
            _ => (None, false),
        };
        let to = Coordinates::parse(i.lat, i.lon).ok();
        let where_ = match (from, to) {
            (Some(a), Some(b)) => {
                let d = a.distance_m(b);
                let b = a.bearing_deg(b);
                format!(
                    "{} · {} {:.0}° · {}",
                    format::distance(d),
                    compass(b).get(l),
                    b,
                    if from_phone { t(msg::UNIT_FROM_THIS_PHONE) } else { t(msg::UNIT_FROM_THE_LAST_REPORTED) }
                )
            }
            _ => t(msg::UNIT_POSITION_UNKNOWN).to_owned(),
        };
        let since =
            i.dispatched_at.map(|d| format::duration(Some((now - d).num_milliseconds().max(0) as f64 / 1000.0)));
        let level = i.arrival_timer.level(now).as_str();
        view! {
            <section class=format!("assignment prio-{}", i.priority.get()) data-incident-id=i.id.to_string()>
                <h2>
                    <span class="cat">{i18n::category(i.category).get(l)}</span>
                    <span class="prio">{i18n::priority(i.priority).get(l)}</span>
                    <span class="id">{format!("#{}", i.id)}</span>
                </h2>
                <p class="address">{if i.address.is_empty() { format!("{:.5}, {:.5}", i.lat, i.lon) } else { i.address.clone() }}</p>
                <p class="desc">{i.description.clone()}</p>
                <dl>
                    <dt>{t(msg::UNIT_DISTANCE_AND_BEARING)}</dt>
                    <dd class="where">{where_}</dd>
                    <dt>{t(msg::UNIT_SINCE_DISPATCH)}</dt>
                    <dd class="since">{since.unwrap_or_else(|| "—".to_owned())}</dd>
                    <dt>{t(msg::ARRIVAL)}</dt>
                    <dd class=format!("countdown lvl-{level}")>{format::arrival(&i, now, t(msg::OVERDUE))}</dd>
                </dl>
            </section>
        }
        .into_any()
    }
}

/// The station's must-patrol points, due ones first; a due point can be
/// checked in at (the server decides by the unit's position and the window).
#[component]
fn Points(
    points: Vec<PointDue>,
    callsign: String,
    unit: Signal<Option<UnitView>>,
    fix: Signal<Option<Fix>>,
    action: ServerAction<OfficerCheckIn>,
    offset_minutes: i32,
) -> impl IntoView {
    if points.is_empty() {
        return ().into_any();
    }
    let outcome = move || match action.value().get() {
        Some(Ok(c)) => view! {
            <p class="ok checkin-ok" role="status" data-point=c.point.clone()>
                {format!(
                    "{} {} · {} · {}",
                    t(msg::UNIT_CHECKED_IN_AT),
                    c.point,
                    c.distance_m.map(format::distance).unwrap_or_else(|| "QR".to_owned()),
                    format::clock(c.at, offset_minutes)
                )}
            </p>
        }
        .into_any(),
        Some(Err(e)) => {
            view! { <p class="error officer-error checkin-refused" role="alert">{e.to_string()}</p> }.into_any()
        }
        None => ().into_any(),
    };
    let rows = points
        .into_iter()
        .map(|p| {
            let to = Coordinates::parse(p.lat, p.lon).ok();
            let distance = move || {
                let from = match (fix.get(), unit.get()) {
                    (Some(f), _) => Coordinates::parse(f.lat, f.lon).ok(),
                    (None, Some(UnitView { lat: Some(lat), lon: Some(lon), .. })) => Coordinates::parse(lat, lon).ok(),
                    _ => None,
                };
                match (from, to) {
                    (Some(a), Some(b)) => format::distance(a.distance_m(b)),
                    _ => "—".to_owned(),
                }
            };
            let last = p
                .last_check_in
                .map(|at| format!("{} {}", t(msg::UNIT_LAST_CHECK_IN), format::clock_hm(at, offset_minutes)))
                .unwrap_or_else(|| t(msg::UNIT_NO_CHECK_IN_IN).to_owned());
            let (callsign, code) = (callsign.clone(), p.code.clone());
            let form = p.due.then(move || {
                let lat = move || fix.get().map(|f| format!("{:.6}", f.lat)).unwrap_or_default();
                let lon = move || fix.get().map(|f| format!("{:.6}", f.lon)).unwrap_or_default();
                view! {
                    <ActionForm action=action attr:class="checkin-form">
                        <CsrfField />
                        <input type="hidden" name="callsign" value=callsign />
                        <input type="hidden" name="point" value=code.clone() />
                        <input type="hidden" name="lat" prop:value=lat />
                        <input type="hidden" name="lon" prop:value=lon />
                        <button type="submit" class="checkin" data-point=code>{t(msg::UNIT_CHECK_IN)}</button>
                    </ActionForm>
                }
            });
            view! {
                <li class="point-row" class:due=p.due data-point=p.code.clone()>
                    <div class="point-text">
                        <span class="point-name">{format!("{} {}", p.code, p.name)}</span>
                        <span class="point-meta">
                            {format!("{} · ±{:.0} m · ", p.windows, p.radius_m)}
                            {distance}
                            {format!(" · {last}")}
                        </span>
                    </div>
                    {form}
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="points">
            <h2>{t(msg::UNIT_MUST_PATROL_POINTS_THIS)}</h2>
            {outcome}
            <ul class="point-list">{rows}</ul>
        </section>
    }
    .into_any()
}

/// The buttons the unit's status allows, largest first.
#[component]
fn StatusButtons(
    unit: Signal<Option<UnitView>>,
    incident: Signal<Option<IncidentView>>,
    status_action: ServerAction<OfficerStatus>,
    resolve_action: ServerAction<OfficerResolve>,
) -> impl IntoView {
    move || {
        let Some(u) = unit.get() else { return ().into_any() };
        let own = u.callsign.clone();
        let move_to = |to: UnitStatus, label: Tr, class: &'static str| {
            let callsign = own.clone();
            view! {
                <ActionForm action=status_action attr:class="big-form">
                    <CsrfField />
                    <input type="hidden" name="callsign" value=callsign />
                    <input type="hidden" name="status" value=to.as_str() />
                    <button type="submit" class=format!("big {class}") data-to=to.as_str()>{label.get(lang())}</button>
                </ActionForm>
            }
            .into_any()
        };
        let resolve = incident.get().filter(|_| u.status == UnitStatus::OnScene).map(|i| {
            view! {
                <ActionForm action=resolve_action attr:class="big-form">
                    <CsrfField />
                    <input type="hidden" name="callsign" value=u.callsign.to_string() />
                    <input type="hidden" name="incident" value=i.id.0.to_string() />
                    <button type="submit" class="big primary" data-to="resolved">{t(msg::UNIT_RESOLVED)}</button>
                </ActionForm>
            }
            .into_any()
        });
        let back = msg::UNIT_BACK_AVAILABLE;
        let buttons: Vec<AnyView> = match u.status {
            UnitStatus::Dispatched => vec![
                move_to(UnitStatus::EnRoute, msg::UNIT_GO_EN_ROUTE, "primary"),
                move_to(UnitStatus::OnScene, msg::UNIT_GO_ON_SCENE, "secondary"),
            ],
            UnitStatus::EnRoute => vec![move_to(UnitStatus::OnScene, msg::UNIT_GO_ON_SCENE, "primary")],
            UnitStatus::OnScene => {
                resolve.into_iter().chain([move_to(UnitStatus::Available, back, "secondary")]).collect()
            }
            UnitStatus::Available => vec![move_to(UnitStatus::OffDuty, msg::UNIT_GO_OFF_DUTY, "quiet")],
            UnitStatus::OffDuty | UnitStatus::OutOfService => {
                vec![move_to(UnitStatus::Available, msg::UNIT_GO_ON_DUTY, "primary")]
            }
        };
        view! { <section class="status-buttons-big">{buttons}</section> }.into_any()
    }
}

#[component]
fn LocationSharing(
    unit_id: domain::UnitId,
    hydrated: RwSignal<bool>,
    fix: RwSignal<Option<Fix>>,
    sharing: RwSignal<Sharing>,
    live: Live,
) -> impl IntoView {
    let start = move |_| {
        #[cfg(feature = "hydrate")]
        client::share_location(unit_id, live, fix, sharing);
        #[cfg(not(feature = "hydrate"))]
        let _ = (unit_id, live, fix);
    };
    let state = move || match sharing.get() {
        Sharing::Off => t(msg::UNIT_LOCATION_NOT_SHARED).to_owned(),
        Sharing::Waiting => t(msg::UNIT_GETTING_A_POSITION_FIX).to_owned(),
        Sharing::On { sent } => {
            let acc = fix.get().map(|f| format!(" · ±{:.0} m", f.accuracy_m)).unwrap_or_default();
            format!("{}{acc} · {} {sent}", t(msg::UNIT_SHARING_LOCATION), t(msg::UNIT_SENT))
        }
        Sharing::Failed(why) => format!("{}: {why}", t(msg::UNIT_CANNOT_SHARE_LOCATION)),
    };
    view! {
        <section class="sharing" data-sharing=move || match sharing.get() { Sharing::Off => "off", Sharing::Waiting => "waiting", Sharing::On { .. } => "on", Sharing::Failed(_) => "failed" }>
            // the button needs the browser code; without it the page says so
            <Show
                when=move || hydrated.get()
                fallback=|| view! { <p class="hint">{t(msg::UNIT_LOCATION_SHARING_NEEDS_THE)}</p> }
            >
                <button
                    type="button"
                    class="big share"
                    on:click=start
                    disabled=move || matches!(sharing.get(), Sharing::Waiting | Sharing::On { .. })
                >
                    {t(msg::UNIT_SHARE_MY_LOCATION)}
                </button>
            </Show>
            <p class="sharing-state" role="status">{state}</p>
        </section>
    }
}

#[cfg(feature = "hydrate")]
mod client {
    //! The browser side: online/offline, and the phone's position sent
    //! through `POST /api/v1/positions`, like a vehicle tracker's.

    use std::cell::Cell;
    use std::rc::Rc;

    use leptos::prelude::*;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;

    use super::{Fix, Sharing};
    use crate::live::Live;

    /// Send at most one position per this many milliseconds, unless the
    /// phone moved more than `MIN_MOVE_M`.
    const MIN_INTERVAL_MS: f64 = 5_000.0;
    const MIN_MOVE_M: f64 = 15.0;

    /// Follows the browser's online state; going offline also marks the
    /// stream as down at once (the next message marks it live again).
    pub fn watch_online(online: RwSignal<bool>, live: Live) {
        let w = window();
        online.set(w.navigator().on_line());
        for (name, value) in [("online", true), ("offline", false)] {
            let cb = Closure::<dyn FnMut()>::new(move || {
                online.set(value);
                if !value {
                    live.link.set(crate::live::Link::Reconnecting);
                }
            });
            let _ = w.add_event_listener_with_callback(name, cb.as_ref().unchecked_ref());
            cb.forget(); // lives as long as the page
        }
    }

    pub fn share_location(unit: domain::UnitId, live: Live, fix: RwSignal<Option<Fix>>, sharing: RwSignal<Sharing>) {
        let Ok(geo) = window().navigator().geolocation() else {
            sharing.set(Sharing::Failed("this browser has no geolocation".into()));
            return;
        };
        sharing.set(Sharing::Waiting);
        let last_sent: Rc<Cell<Option<(f64, f64, f64)>>> = Rc::new(Cell::new(None));
        let sent = Rc::new(Cell::new(0u32));
        let on_fix = Closure::<dyn FnMut(web_sys::Position)>::new(move |p: web_sys::Position| {
            let c = p.coords();
            let f = Fix { lat: c.latitude(), lon: c.longitude(), accuracy_m: c.accuracy() };
            fix.set(Some(f));
            let now = js_sys::Date::now();
            let due = match last_sent.get() {
                None => true,
                Some((t, lat, lon)) => {
                    let moved = match (domain::Coordinates::parse(lat, lon), domain::Coordinates::parse(f.lat, f.lon)) {
                        (Ok(a), Ok(b)) => a.distance_m(b),
                        _ => 0.0,
                    };
                    now - t >= MIN_INTERVAL_MS || moved >= MIN_MOVE_M
                }
            };
            if !due {
                return;
            }
            last_sent.set(Some((now, f.lat, f.lon)));
            // the server's clock, not the phone's
            let at = live.server_now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            let body =
                format!(r#"{{"positions":[{{"unit_id":{},"lat":{},"lon":{},"at":"{at}"}}]}}"#, unit.0, f.lat, f.lon);
            let sent = sent.clone();
            leptos::task::spawn_local(async move {
                match post_json("/api/v1/positions", &body).await {
                    Ok(()) => {
                        sent.set(sent.get() + 1);
                        sharing.set(Sharing::On { sent: sent.get() });
                    }
                    Err(e) => sharing.set(Sharing::Failed(e)),
                }
            });
        });
        let on_error = Closure::<dyn FnMut(web_sys::PositionError)>::new(move |e: web_sys::PositionError| {
            sharing.set(Sharing::Failed(e.message()));
        });
        let opts = web_sys::PositionOptions::new();
        opts.set_enable_high_accuracy(true);
        opts.set_maximum_age(5_000);
        let _ = geo.watch_position_with_error_callback_and_options(
            on_fix.as_ref().unchecked_ref(),
            Some(on_error.as_ref().unchecked_ref()),
            &opts,
        );
        on_fix.forget();
        on_error.forget();
    }

    async fn post_json(url: &str, body: &str) -> Result<(), String> {
        let init = web_sys::RequestInit::new();
        init.set_method("POST");
        init.set_body(&wasm_bindgen::JsValue::from_str(body));
        let headers = web_sys::Headers::new().map_err(|_| "headers".to_owned())?;
        headers.set("content-type", "application/json").map_err(|_| "headers".to_owned())?;
        init.set_headers(&headers);
        let promise = window().fetch_with_str_and_init(url, &init);
        let resp = wasm_bindgen_futures::JsFuture::from(promise).await.map_err(|_| "offline".to_owned())?;
        let resp: web_sys::Response = resp.dyn_into().map_err(|_| "no response".to_owned())?;
        if resp.ok() { Ok(()) } else { Err(format!("the server answered {}", resp.status())) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compass_points_cover_the_circle() {
        assert_eq!(compass(0.0).1, "N");
        assert_eq!(compass(22.4).1, "N");
        assert_eq!(compass(22.6).1, "NE");
        assert_eq!(compass(90.0).1, "E");
        assert_eq!(compass(181.0).1, "S");
        assert_eq!(compass(315.0).1, "NW");
        assert_eq!(compass(359.9).1, "N");
        assert_eq!(compass(-90.0).1, "W");
    }
}
