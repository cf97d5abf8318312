//! The wall screen (指挥大屏): the whole district, live, for a big display
//! that runs unattended. Rendered complete by the server, then kept live.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::board::{Clock, FigureTiles, IncidentList, LinkBadge, StationTable};
use crate::components::map::MapView;
use crate::i18n::{msg, t};
use crate::live::Live;
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
    view! {
        <div class="screen" data-page="screen">
            <header class="top-bar">
                <h1>
                    {board.map.name.clone()}
                    <span class="sub">{t(msg::WALL_SCREEN)}</span>
                </h1>
                <LinkBadge live=live />
                <Clock live=live offset_minutes=offset />
            </header>
            <div class="screen-main">
                <div class="map-frame">
                    <MapView map=board.map.clone() live=live />
                    <Legend />
                </div>
                <aside class="side">
                    <FigureTiles live=live />
                    <section class="panel">
                        <h2>{t(msg::OPEN_INCIDENTS)}</h2>
                        <IncidentList live=live limit=14 />
                    </section>
                    <section class="panel">
                        <h2>{t(msg::STATIONS)}</h2>
                        <StationTable live=live />
                    </section>
                </aside>
            </div>
        </div>
    }
}

#[component]
pub fn Legend() -> impl IntoView {
    use domain::UnitStatus;
    let lang = crate::i18n::lang();
    let statuses = [UnitStatus::Available, UnitStatus::Dispatched, UnitStatus::EnRoute, UnitStatus::OnScene, UnitStatus::OffDuty]
        .into_iter()
        .map(|s| view! { <li class=format!("lg-unit st-{s}")><span class="sw"></span>{crate::i18n::unit_status(s).get(lang)}</li> })
        .collect_view();
    view! {
        <ul class="legend" aria-label=t(msg::LEGEND)>
            <li class="lg-zone zone-core"><span class="sw"></span>{t(msg::ZONE_CORE)}</li>
            <li class="lg-zone zone-crowded"><span class="sw"></span>{t(msg::ZONE_CROWDED)}</li>
            <li class="lg-zone zone-other"><span class="sw"></span>{t(msg::ZONE_OTHER)}</li>
            <li class="lg-point"><span class="sw"></span>{t(msg::PATROL_POINT)}</li>
            {statuses}
        </ul>
    }
}
