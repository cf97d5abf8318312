//! The dispatch console (调度台): take a call, see the nearest units with
//! their ETAs, assign with one click, watch every open timer. Works without
//! JavaScript too: every action is a form, every selection a link.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::board::{Clock, IncidentList, LinkBadge};
use crate::components::map::{MapView, Overlay};
use crate::error::AppError;
use crate::format;
use crate::i18n::{self, msg, t};
use crate::live::Live;
use crate::server_fns::{AssignUnit, CreateIncident, SetIncidentStatus, get_board, get_recommendations};
use crate::wire::{Board, IncidentView, RecommendationView};
use domain::{Category, Channel, IncidentId, IncidentStatus};

#[component]
pub fn DispatchPage() -> impl IntoView {
    let query = use_query_map();
    let initial = query.with_untracked(|q| q.get("incident").and_then(|s| IncidentId::parse(&s).ok()));
    let board = Resource::new(|| (), |_| get_board());
    view! {
        <Title text=format!("{} · {}", t(msg::DISPATCH), t(msg::APP)) />
        <Suspense fallback=|| view! { <p class="loading">{t(msg::LOADING)}</p> }>
            <ErrorBoundary fallback=crate::error_fallback>
                {move || Suspend::new(async move { board.await.map(|b| view! { <Console board=b initial=initial /> }) })}
            </ErrorBoundary>
        </Suspense>
    }
}

#[component]
fn Console(board: Board, initial: Option<IncidentId>) -> impl IntoView {
    let live = Live::new(&board);
    let offset = board.map.utc_offset_minutes;
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        crate::live::client::start(live, String::new());
    });
    let selected = RwSignal::new(initial);
    let assign = ServerAction::<AssignUnit>::new();
    let create = ServerAction::<CreateIncident>::new();
    let set_status = ServerAction::<SetIncidentStatus>::new();
    Effect::new(move |_| {
        if let Some(Ok(incident)) = create.value().get() {
            selected.set(Some(incident.id));
        }
    });
    // Recommendations follow the selection, every assignment, and every
    // change in the number of available units.
    let recs = Resource::new(
        move || (selected.get(), assign.version().get(), live.figures.with(|f| f.units_available)),
        |(sel, _, _)| async move {
            match sel {
                Some(id) => get_recommendations(id.0, 5).await,
                None => Ok(vec![]),
            }
        },
    );
    let selected_incident =
        Memo::new(move |_| selected.get().and_then(|id| live.incidents.with(|m| m.get(&id).map(|s| s.get()))));
    let overlay = Signal::derive(move || Overlay {
        target: selected_incident.get().map(|i| (i.lat, i.lon)),
        candidates: recs
            .get()
            .and_then(Result::ok)
            .unwrap_or_default()
            .into_iter()
            .map(|r| (r.lat, r.lon, r.callsign))
            .collect(),
    });
    let pick_lat = RwSignal::new(String::new());
    let pick_lon = RwSignal::new(String::new());
    let on_pick = Callback::new(move |(lat, lon): (f64, f64)| {
        pick_lat.set(format!("{lat:.6}"));
        pick_lon.set(format!("{lon:.6}"));
    });
    view! {
        <div class="dispatch" data-page="dispatch">
            <header class="top-bar">
                <h1>
                    {board.map.name.clone()}
                    <span class="sub">{t(msg::DISPATCH)}</span>
                </h1>
                <LinkBadge live=live />
                <Clock live=live offset_minutes=offset />
            </header>
            <div class="dispatch-main">
                <aside class="dispatch-left">
                    <IntakeForm create=create lat=pick_lat lon=pick_lon />
                    <section class="panel">
                        <h2>{t(msg::OPEN_INCIDENTS)}</h2>
                        <IncidentList live=live selected=selected href_prefix="/dispatch?incident=" />
                    </section>
                </aside>
                <div class="map-frame">
                    <MapView map=board.map.clone() live=live overlay=overlay on_pick=on_pick />
                </div>
                <aside class="dispatch-right">
                    <IncidentPanel incident=selected_incident.into() live=live />
                    <Recommendations recs=recs assign=assign selected=selected />
                    <StatusButtons incident=selected_incident.into() action=set_status />
                </aside>
            </div>
        </div>
    }
}

#[component]
fn IntakeForm(create: ServerAction<CreateIncident>, lat: RwSignal<String>, lon: RwSignal<String>) -> impl IntoView {
    let lang = i18n::lang();
    let channels = Channel::ALL
        .iter()
        .map(|c| view! { <option value=c.as_str()>{i18n::channel(*c).get(lang)}</option> })
        .collect_view();
    let categories = Category::ALL
        .iter()
        .map(|c| view! { <option value=c.as_str()>{i18n::category(*c).get(lang)}</option> })
        .collect_view();
    let result = move || match create.value().get() {
        Some(Ok(i)) => view! { <p class="ok" role="status">{format!("{} #{}", t(msg::CREATED), i.id)}</p> }.into_any(),
        Some(Err(e)) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
        None => ().into_any(),
    };
    view! {
        <section class="panel intake">
            <h2>{t(msg::NEW_INCIDENT)}</h2>
            <ActionForm action=create attr:class="intake-form">
                <label>
                    {t(msg::CHANNEL)}
                    <select name="form[channel]">{channels}</select>
                </label>
                <label>
                    {t(msg::CATEGORY)}
                    <select name="form[category]">{categories}</select>
                </label>
                <label>
                    {t(msg::PRIORITY)}
                    <select name="form[priority]">
                        <option value="">"—"</option>
                        <option value="1">{i18n::priority(domain::Priority::URGENT).get(lang)}</option>
                        <option value="2">{i18n::priority(domain::Priority::NORMAL).get(lang)}</option>
                        <option value="3">{i18n::priority(domain::Priority::LOW).get(lang)}</option>
                    </select>
                </label>
                <div class="coords">
                    <label>
                        {t(msg::LAT)}
                        <input name="form[lat]" inputmode="decimal" required prop:value=move || lat.get() on:input=move |ev| lat.set(event_target_value(&ev)) />
                    </label>
                    <label>
                        {t(msg::LON)}
                        <input name="form[lon]" inputmode="decimal" required prop:value=move || lon.get() on:input=move |ev| lon.set(event_target_value(&ev)) />
                    </label>
                </div>
                <p class="hint">{t(msg::PICK_ON_MAP)}</p>
                <label>
                    {t(msg::ADDRESS)}
                    <input name="form[address]" maxlength="200" />
                </label>
                <label>
                    {t(msg::DESCRIPTION)}
                    <textarea name="form[description]" maxlength="2000" rows="2"></textarea>
                </label>
                <label>
                    {t(msg::CONTACT)}
                    <input name="form[reporter_contact]" maxlength="100" autocomplete="off" />
                </label>
                <button type="submit">{t(msg::CREATE)}</button>
            </ActionForm>
            {result}
        </section>
    }
}

#[component]
fn IncidentPanel(incident: Signal<Option<IncidentView>>, live: Live) -> impl IntoView {
    let lang = i18n::lang();
    move || match incident.get() {
        None => view! { <section class="panel"><p class="hint">{t(msg::SELECT_INCIDENT)}</p></section> }.into_any(),
        Some(i) => {
            let now = live.now.get();
            let level = i.arrival_timer.level(now).as_str();
            let units = i.units.iter().filter_map(|u| live.unit(*u)).map(|u| u.callsign).collect::<Vec<_>>().join(", ");
            view! {
                <section class="panel incident-detail" data-incident-id=i.id.to_string()>
                    <h2>{format!("{} #{}", t(msg::SELECTED), i.id)}</h2>
                    <dl>
                        <dt>{t(msg::CATEGORY)}</dt>
                        <dd>{format!("{} · {}", i18n::category(i.category).get(lang), i18n::priority(i.priority).get(lang))}</dd>
                        <dt>{t(msg::ADDRESS)}</dt>
                        <dd>{i.address.clone()}</dd>
                        <dt>{t(msg::DESCRIPTION)}</dt>
                        <dd class="desc">{i.description.clone()}</dd>
                        <dt>{t(msg::ARRIVAL)}</dt>
                        <dd class=format!("lvl-{level} countdown")>
                            {format::arrival(&i, now, t(msg::OVERDUE))}
                            " · "
                            {i18n::response_class(i.zone_class).get(lang)}
                        </dd>
                        <dt>{t(msg::UNITS)}</dt>
                        <dd class="assigned-units">{if units.is_empty() { "—".to_owned() } else { units }}</dd>
                        <dt>{t(msg::RECEIVED)}</dt>
                        <dd>{format!("{} · {}", i18n::channel(i.channel).get(lang), i18n::incident_status(i.status).get(lang))}</dd>
                    </dl>
                </section>
            }
            .into_any()
        }
    }
}

#[component]
fn Recommendations(
    recs: Resource<Result<Vec<RecommendationView>, AppError>>,
    assign: ServerAction<AssignUnit>,
    selected: RwSignal<Option<IncidentId>>,
) -> impl IntoView {
    let lang = i18n::lang();
    let list = move || {
        Suspend::new(async move {
            let recs = recs.await;
            let Some(incident) = selected.get_untracked() else { return ().into_any() };
            match recs {
                Err(e) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
                Ok(list) if list.is_empty() => view! { <p class="hint">{t(msg::NO_CANDIDATES)}</p> }.into_any(),
                Ok(list) => list
                    .into_iter()
                    .enumerate()
                    .map(|(rank, r)| {
                        view! {
                            <li class="candidate-row" data-unit-id=r.unit_id.to_string() data-callsign=r.callsign.clone()>
                                <span class="rank">{rank + 1}</span>
                                <span class="callsign">{r.callsign.clone()}</span>
                                <span class="kind">{format!("{} · {}", i18n::unit_kind(r.kind).get(lang), i18n::force(r.force).get(lang))}</span>
                                <span class="eta" title=t(msg::ETA)>{format::duration(Some(r.eta_s))}</span>
                                <span class="dist" title=t(msg::DISTANCE)>{format::distance(r.distance_m)}</span>
                                <ActionForm action=assign attr:class="assign-form">
                                    <input type="hidden" name="incident" value=incident.0.to_string() />
                                    <input type="hidden" name="unit" value=r.unit_id.0.to_string() />
                                    <button type="submit" class="assign">{t(msg::ASSIGN)}</button>
                                </ActionForm>
                            </li>
                        }
                    })
                    .collect_view()
                    .into_any(),
            }
        })
    };
    let outcome = move || match assign.value().get() {
        Some(Ok(i)) => view! { <p class="ok" role="status">{format!("{} #{}", t(msg::ASSIGNED), i.id)}</p> }.into_any(),
        Some(Err(e)) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
        None => ().into_any(),
    };
    view! {
        <section class="panel recommendations">
            <h2>{t(msg::RECOMMENDED)}</h2>
            <Transition fallback=|| view! { <p class="loading">{t(msg::LOADING)}</p> }>
                <ul class="candidates">{list}</ul>
            </Transition>
            {outcome}
        </section>
    }
}

#[component]
fn StatusButtons(incident: Signal<Option<IncidentView>>, action: ServerAction<SetIncidentStatus>) -> impl IntoView {
    let buttons = move || {
        let Some(i) = incident.get() else { return ().into_any() };
        let moves = [
            (IncidentStatus::Resolved, msg::RESOLVE),
            (IncidentStatus::Cancelled, msg::CANCEL),
            (IncidentStatus::Closed, msg::CLOSE),
        ];
        moves
            .into_iter()
            .filter(|(to, _)| i.status.can_move_to(*to))
            .map(|(to, label)| {
                view! {
                    <ActionForm action=action attr:class="status-form">
                        <input type="hidden" name="incident" value=i.id.0.to_string() />
                        <input type="hidden" name="status" value=to.as_str() />
                        <input type="hidden" name="reason" value="" />
                        <button type="submit" class=format!("to-{to}")>{t(label)}</button>
                    </ActionForm>
                }
            })
            .collect_view()
            .into_any()
    };
    let outcome = move || match action.value().get() {
        Some(Err(e)) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
        _ => ().into_any(),
    };
    view! { <section class="panel status-buttons">{buttons}{outcome}</section> }
}
