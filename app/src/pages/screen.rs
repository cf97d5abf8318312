//! The wall screen (指挥大屏): the whole district, live, for a big display
//! that runs unattended. Rendered complete by the server, then kept live.
//!
//! `?rings=1` shows the reach rings (the toggle is a plain link, so it works
//! without JavaScript); `?lang=en` switches to English.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::board::{AlertTicker, Clock, FigureTiles, IncidentList, LinkBadge, StationTable};
use crate::components::map::{MapView, ReachState, reach_memo};
use crate::i18n::{msg, t};
use crate::live::{Link, Live};
use crate::server_fns::get_board;
use crate::wire::Board;

#[component]
pub fn ScreenPage() -> impl IntoView {
    let board = Resource::new(|| (), |_| get_board());
    view! {
        <Title text=format!("{} · {}", t(msg::WALL_SCREEN), t(msg::APP)) />
        <Suspense fallback=|| view! { <p class="loading">{t(msg::LOADING)}</p> }>
            <ErrorBoundary fallback=crate::error_fallback>
                {move || Suspend::new(async move { board.await.map(|b| view! { <WallScreen board=b /> }) })}
            </ErrorBoundary>
        </Suspense>
    }
}

#[component]
fn WallScreen(board: Board) -> impl IntoView {
    let live = Live::new(&board);
    let offset = board.map.utc_offset_minutes;
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        crate::live::client::start(live, String::new());
    });
    let query = use_query_map();
    let rings = Signal::derive(move || query.with(|q| q.get("rings").is_some_and(|v| v == "1")));
    // the same page with the rings toggled, every other parameter kept
    let toggle_href = move || {
        let on = rings.get();
        let mut parts: Vec<String> = query
            .with(|q| q.clone().into_iter().filter(|(k, _)| k != "rings").map(|(k, v)| format!("{k}={v}")).collect());
        if !on {
            parts.push("rings=1".to_owned());
        }
        if parts.is_empty() { "/screen".to_owned() } else { format!("/screen?{}", parts.join("&")) }
    };
    let reach = reach_memo(&board.map, live);
    let (show, hide) = (t(msg::SHOW_RINGS), t(msg::HIDE_RINGS));
    view! {
        <div class="screen" data-page="screen" class:rings-on=rings>
            <header class="top-bar">
                <h1>
                    {board.map.name.clone()}
                    <span class="sub">{t(msg::WALL_SCREEN)}</span>
                </h1>
                <a class="rings-toggle" href=toggle_href aria-pressed=move || rings.get().to_string()>
                    {move || if rings.get() { hide } else { show }}
                </a>
                <LinkBadge live=live />
                <Clock live=live offset_minutes=offset />
            </header>
            <div class="screen-main">
                <div class="map-frame">
                    <MapView map=board.map.clone() live=live reach=(rings, reach) pan_zoom=true canvas=true />
                    <NotLive live=live offset_minutes=offset />
                    <Legend rings=rings reach=reach />
                </div>
                <aside class="side">
                    <FigureTiles live=live />
                    <section class="panel panel-incidents">
                        <h2>{t(msg::OPEN_INCIDENTS)}</h2>
                        <IncidentList live=live limit=12 />
                    </section>
                    <section class="panel panel-alerts">
                        <h2>{t(msg::ALERTS)}</h2>
                        <AlertTicker live=live offset_minutes=offset limit=4 />
                    </section>
                    <section class="panel panel-stations">
                        <h2>{t(msg::STATIONS)}</h2>
                        <StationTable live=live />
                    </section>
                </aside>
            </div>
        </div>
    }
}

/// A banner across the map whenever the page is not live: the stream is down
/// (with the time the data is from), or the page was rendered without
/// scripts and will never update. Hidden while live.
#[component]
fn NotLive(live: Live, offset_minutes: i32) -> impl IntoView {
    let (not_live, since) = (t(msg::NOT_LIVE), t(msg::NOT_LIVE_SINCE));
    let down = move || matches!(live.link.get(), Link::Reconnecting | Link::SignedOut);
    let text = move || {
        live.now.track();
        let at = chrono::DateTime::from_timestamp_millis(
            (live.last_message_ms.get_untracked() + live.offset_ms.get_untracked()) as i64,
        )
        .unwrap_or_default();
        format!("{not_live} · {since} {}", crate::format::clock(at, offset_minutes))
    };
    // true once the page runs in the browser: a page without scripts keeps
    // the static notice the server rendered
    let scripted = RwSignal::new(false);
    Effect::new(move |_| scripted.set(true));
    view! {
        <div class="not-live" class:hidden=move || !down() role="alert">{text}</div>
        <div class="not-live not-live-static" class:hidden=move || scripted.get()>{t(msg::NOT_LIVE_NO_JS)}</div>
    }
}

#[component]
pub fn Legend(
    #[prop(optional, into)] rings: Signal<bool>,
    #[prop(optional)] reach: Option<Memo<ReachState>>,
) -> impl IntoView {
    use domain::UnitStatus;
    let lang = crate::i18n::lang();
    let statuses = [UnitStatus::Available, UnitStatus::Dispatched, UnitStatus::EnRoute, UnitStatus::OnScene, UnitStatus::OffDuty]
        .into_iter()
        .map(|s| view! { <li class=format!("lg-unit st-{s}")><span class="sw"></span>{crate::i18n::unit_status(s).get(lang)}</li> })
        .collect_view();
    let (band, covered, note) = (t(msg::REACH_BAND), t(msg::COVERED), t(msg::RINGS_NOTE));
    let reach_items = move || {
        let reach = reach?;
        rings.get().then(|| {
            let r = reach.get();
            let items = (0..3)
                .rev()
                .map(|b| {
                    let minutes = r.bands[b] / 60.0;
                    let m = if minutes.fract() == 0.0 { format!("{minutes:.0}") } else { format!("{minutes:.1}") };
                    view! {
                        <li class=format!("lg-reach reach-{b}") data-band=b.to_string()>
                            <span class="sw"></span>
                            {band.replace("{}", &m)}
                            <span class="share">{format!("{covered} {:.0}%", r.share[b] * 100.0)}</span>
                        </li>
                    }
                })
                .collect_view();
            // along the streets: each zone class within its own target
            let classes = r
                .classes
                .iter()
                .map(|c| {
                    let minutes = f64::from(c.target_s) / 60.0;
                    let name = crate::i18n::response_class(Some(c.class)).get(lang);
                    view! {
                        <li class=format!("lg-class class-{}", c.class) data-class=c.class.to_string()>
                            {format!("{name} ≤ {minutes:.0} {}", t(msg::MINUTES_SHORT))}
                            <span class="share">{format!("{:.0}%", c.share * 100.0)}</span>
                        </li>
                    }
                })
                .collect_view();
            let note = if r.routed { t(msg::STREET_REACH_NOTE) } else { note };
            view! {
                {items}
                {classes}
                <li class="lg-note">{note}</li>
            }
        })
    };
    view! {
        <ul class="legend" aria-label=t(msg::LEGEND)>
            <li class="lg-zone zone-core"><span class="sw"></span>{t(msg::ZONE_CORE)}</li>
            <li class="lg-zone zone-crowded"><span class="sw"></span>{t(msg::ZONE_CROWDED)}</li>
            <li class="lg-zone zone-other"><span class="sw"></span>{t(msg::ZONE_OTHER)}</li>
            <li class="lg-point"><span class="sw"></span>{t(msg::PATROL_POINT)}</li>
            <li class="lg-point ps-due"><span class="sw"></span>{t(msg::POINT_DUE)}</li>
            <li class="lg-point ps-visited"><span class="sw"></span>{t(msg::POINT_VISITED)}</li>
            <li class="lg-point ps-missed"><span class="sw"></span>{t(msg::POINT_MISSED)}</li>
            {statuses}
            {reach_items}
            <li class="lg-keys">{t(msg::MAP_KEYS)}</li>
        </ul>
    }
}
