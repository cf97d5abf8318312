//! The dispatch console (调度台): take a call, set its location by a click
//! on the map, by coordinates or by a known place (name or pinyin initials),
//! see the nearest units with their ETAs at once, assign, add a backup,
//! reassign, follow the incident's timeline. Everything works from the
//! keyboard (see the shortcuts line), and without JavaScript: every action is
//! a form, every selection a link.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::board::{Clock, IncidentList, LinkBadge};
use crate::components::location::{LocationPicker, PickedLocation, place_label};
use crate::components::map::{MapView, Overlay};
use crate::components::session::SessionBar;
use crate::error::AppError;
use crate::format;
use crate::i18n::{self, Lang, lang, msg, t};
use crate::live::Live;
use crate::security::CsrfField;
use crate::server_fns::{
    AssignUnit, CreateIncident, ReassignUnit, SetIncidentStatus, get_board, get_incident, get_recommendations,
    get_recommendations_at,
};
use crate::wire::{Board, IncidentView, Place, RecommendationView, search_places};
use domain::{Category, Channel, IncidentId, IncidentStatus};

/// What the address bar can preset: the selected incident, and a location
/// picked without JavaScript (a place link or the search form).
#[derive(Debug, Clone, Default)]
struct Preset {
    incident: Option<IncidentId>,
    lat: String,
    lon: String,
    address: String,
    place: String,
}

#[component]
pub fn DispatchPage() -> impl IntoView {
    let query = use_query_map();
    let preset = query.with_untracked(|q| Preset {
        incident: q.get("incident").and_then(|s| IncidentId::parse(&s).ok()),
        lat: q.get("lat").unwrap_or_default(),
        lon: q.get("lon").unwrap_or_default(),
        address: q.get("address").unwrap_or_default(),
        place: q.get("place").unwrap_or_default(),
    });
    let board = Resource::new(|| (), |_| get_board());
    view! {
        <Title text=format!("{} · {}", t(msg::DISPATCH), t(msg::APP)) />
        <Suspense fallback=|| view! { <p class="loading">{t(msg::LOADING)}</p> }>
            <ErrorBoundary fallback=crate::error_fallback>
                {move || {
                    let preset = preset.clone();
                    Suspend::new(async move { board.await.map(|b| view! { <Console board=b preset=preset /> }) })
                }}
            </ErrorBoundary>
        </Suspense>
    }
}

#[component]
fn Console(board: Board, preset: Preset) -> impl IntoView {
    let live = Live::new(&board);
    let offset = board.map.utc_offset_minutes;
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        crate::live::client::start(live, String::new());
    });
    let selected = RwSignal::new(preset.incident);
    let assign = ServerAction::<AssignUnit>::new();
    let reassign = ServerAction::<ReassignUnit>::new();
    let create = ServerAction::<CreateIncident>::new();
    let set_status = ServerAction::<SetIncidentStatus>::new();
    Effect::new(move |_| {
        if let Some(Ok(incident)) = create.value().get() {
            selected.set(Some(incident.id));
            // leave the form, so the number keys send a unit at once
            #[cfg(feature = "hydrate")]
            {
                use wasm_bindgen::JsCast;
                if let Some(el) = document().active_element().and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
                    let _ = el.blur();
                }
            }
        }
    });
    let location = PickedLocation::new(preset.lat.clone(), preset.lon.clone());
    let pick_addr = RwSignal::new(preset.address.clone());
    // the intake form's location, once it is a valid position
    let picked = Memo::new(move |_| location.position());
    // Recommendations follow the selection (or, before an incident exists,
    // the intake form's location), every assignment, and every change in the
    // number of available units.
    let recs = Resource::new(
        move || {
            (
                selected.get(),
                picked.get(),
                assign.version().get() + reassign.version().get(),
                live.figures.with(|f| f.units_available),
            )
        },
        |(sel, at, _, _)| async move {
            match (sel, at) {
                (Some(id), _) => get_recommendations(id.0, 5).await,
                (None, Some((lat, lon))) => get_recommendations_at(lat, lon, 5).await,
                (None, None) => Ok(vec![]),
            }
        },
    );
    let selected_incident =
        Memo::new(move |_| selected.get().and_then(|id| live.incidents.with(|m| m.get(&id).map(|s| s.get()))));
    let overlay = Signal::derive(move || Overlay {
        target: selected_incident.get().map(|i| (i.lat, i.lon)).or_else(|| picked.get()),
        candidates: recs
            .get()
            .and_then(Result::ok)
            .unwrap_or_default()
            .into_iter()
            .map(|r| (r.lat, r.lon, r.callsign))
            .collect(),
    });
    let on_pick = Callback::new(move |(lat, lon): (f64, f64)| {
        location.set(lat, lon);
        selected.set(None);
    });
    let on_place = Callback::new(move |(lat, lon, name): (f64, f64, String)| {
        location.set(lat, lon);
        pick_addr.set(name);
        selected.set(None);
    });
    let places = StoredValue::new(board.map.places.clone());
    #[cfg(feature = "hydrate")]
    shortcuts(live, selected, recs, assign);
    view! {
        <div class="dispatch" data-page="dispatch">
            <header class="top-bar">
                <h1>
                    {board.map.name.clone()}
                    <span class="sub">{t(msg::DISPATCH)}</span>
                </h1>
                <p class="shortcuts" aria-label=t(msg::KEYBOARD_SHORTCUTS)>
                    {t(msg::DISPATCH_KEYS_HELP)}
                </p>
                <LinkBadge live=live />
                <Clock live=live offset_minutes=offset />
                <SessionBar />
            </header>
            <div class="dispatch-main">
                <aside class="dispatch-left">
                    <PlaceSearch places=places initial=preset.place.clone() on_pick=on_place />
                    <IntakeForm create=create location=location address=pick_addr />
                    <section class="panel">
                        <h2>{t(msg::OPEN_INCIDENTS)}</h2>
                        <IncidentList live=live selected=selected href_prefix="/dispatch?incident=" />
                    </section>
                </aside>
                <div class="map-frame">
                    <MapView map=board.map.clone() live=live overlay=overlay on_pick=on_pick />
                </div>
                <aside class="dispatch-right">
                    <IncidentPanel incident=selected_incident.into() live=live offset_minutes=offset />
                    <Recommendations
                        recs=recs
                        assign=assign
                        reassign=reassign
                        incident=selected_incident.into()
                        picked=picked.into()
                        live=live
                    />
                    <StatusButtons incident=selected_incident.into() action=set_status />
                </aside>
            </div>
        </div>
    }
}

/// The console's keys (see the shortcuts line in the header): J/K through
/// the incidents, / the place search, N the intake form, 1–5 send that
/// recommended unit, Escape deselects.
#[cfg(feature = "hydrate")]
fn shortcuts(
    live: Live,
    selected: RwSignal<Option<IncidentId>>,
    recs: Resource<Result<Vec<RecommendationView>, AppError>>,
    assign: ServerAction<AssignUnit>,
) {
    use crate::components::list_shortcuts::{focus, use_list_shortcuts};
    let list = move || live.incidents_by_urgency().into_iter().map(|i| i.id).collect();
    use_list_shortcuts(list, selected, move |key, ev| match key {
        "/" => {
            ev.prevent_default();
            focus("place-q");
        }
        "n" | "N" => {
            ev.prevent_default();
            focus("intake-channel");
        }
        "1" | "2" | "3" | "4" | "5" => {
            let Some(incident) = selected.get_untracked() else { return };
            let rank = key.parse::<usize>().unwrap_or(1) - 1;
            let unit = recs.get_untracked().and_then(Result::ok).and_then(|r| r.get(rank).map(|r| r.unit_id));
            if let Some(unit) = unit {
                assign.dispatch(AssignUnit { incident: incident.0, unit: unit.0 });
            }
        }
        "Escape" => selected.set(None),
        _ => {}
    });
}

/// Known places by name or pinyin initials. With the browser code the list
/// follows each keystroke (arrows and Enter pick); without it the form
/// searches on the server and each hit is a link that presets the location.
#[component]
fn PlaceSearch(
    places: StoredValue<Vec<Place>>,
    initial: String,
    on_pick: Callback<(f64, f64, String)>,
) -> impl IntoView {
    let en = lang() == Lang::En;
    let q = RwSignal::new(initial);
    let active = RwSignal::new(0usize);
    let results = Memo::new(move |_| {
        places.with_value(|p| search_places(p, &q.get(), 8).into_iter().cloned().collect::<Vec<Place>>())
    });
    let pick = move |p: &Place| {
        on_pick.run((p.lat, p.lon, p.name.clone()));
        q.set(String::new());
        active.set(0);
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let n = results.with_untracked(Vec::len);
        match ev.key().as_str() {
            "ArrowDown" if n > 0 => {
                ev.prevent_default();
                active.update(|a| *a = (*a + 1).min(n - 1));
            }
            "ArrowUp" if n > 0 => {
                ev.prevent_default();
                active.update(|a| *a = a.saturating_sub(1));
            }
            "Enter" => {
                ev.prevent_default();
                if let Some(p) = results.with_untracked(|r| r.get(active.get_untracked()).cloned()) {
                    pick(&p);
                }
            }
            _ => {}
        }
    };
    let rows = move || {
        results
            .get()
            .into_iter()
            .enumerate()
            .map(|(i, p)| {
                let href = format!(
                    "/dispatch?lat={:.6}&lon={:.6}&address={}{}",
                    p.lat,
                    p.lon,
                    crate::review::encode(&p.name),
                    if en { "&lang=en" } else { "" }
                );
                let label = place_label(&p);
                let initials = p.initials.clone();
                let on_click = move |ev: leptos::ev::MouseEvent| {
                    ev.prevent_default();
                    pick(&p);
                };
                view! {
                    <li role="option" class="place-hit" class:active=move || active.get() == i aria-selected=move || (active.get() == i).to_string()>
                        <a href=href on:click=on_click rel="external">
                            <span class="place-name">{label}</span>
                            <span class="place-initials">{initials}</span>
                        </a>
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <section class="panel place-search">
            <form method="get" action="/dispatch" role="search">
                {en.then(|| view! { <input type="hidden" name="lang" value="en" /> })}
                <label for="place-q">{t(msg::DISPATCH_PLACE_NAME_OR_PINYIN)}</label>
                <input
                    id="place-q"
                    name="place"
                    autocomplete="off"
                    placeholder=t(msg::DISPATCH_PLACE_EXAMPLE)
                    prop:value=move || q.get()
                    on:input=move |ev| {
                        q.set(event_target_value(&ev));
                        active.set(0);
                    }
                    on:keydown=on_key
                    aria-controls="place-results"
                />
            </form>
            <ul id="place-results" class="place-results" role="listbox">{rows}</ul>
        </section>
    }
}

#[component]
fn IntakeForm(
    create: ServerAction<CreateIncident>,
    location: PickedLocation,
    address: RwSignal<String>,
) -> impl IntoView {
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
                <CsrfField />
                <label>
                    {t(msg::CHANNEL)}
                    <select id="intake-channel" name="form[channel]">{channels}</select>
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
                <LocationPicker location=location names=["form[lat]", "form[lon]", "form[place]"] required=true />
                <p class="hint">{t(msg::PICK_ON_MAP)}</p>
                <label>
                    {t(msg::ADDRESS)}
                    <input name="form[address]" maxlength="200" value=address.get_untracked() prop:value=move || address.get() on:input=move |ev| address.set(event_target_value(&ev)) />
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
fn IncidentPanel(incident: Signal<Option<IncidentView>>, live: Live, offset_minutes: i32) -> impl IntoView {
    let lang = i18n::lang();
    // the detail (reporter contact, timeline) follows every change of the incident
    let detail = Resource::new(
        move || incident.with(|i| i.as_ref().map(|i| (i.id, i.status, i.units.clone()))),
        |key| async move {
            match key {
                Some((id, _, _)) => get_incident(id.0).await.map(Some),
                None => Ok(None),
            }
        },
    );
    let timeline = move || {
        Suspend::new(async move {
            match detail.await {
                Ok(Some(d)) => {
                    let contact = d.reporter_contact.clone().filter(|c| !c.is_empty());
                    let rows = d
                        .timeline
                        .into_iter()
                        .map(|e| {
                            let who_what = if e.entity == "unit" {
                                let name = domain::UnitId::from_i64(e.entity_id)
                                    .ok()
                                    .and_then(|u| live.unit(u))
                                    .map(|u| u.callsign)
                                    .unwrap_or_else(|| format!("#{}", e.entity_id));
                                let to =
                                    e.to.parse::<domain::UnitStatus>()
                                        .map(|s| i18n::unit_status(s).get(lang))
                                        .unwrap_or("?");
                                format!("{name} → {to}")
                            } else {
                                let to =
                                    e.to.parse::<IncidentStatus>()
                                        .map(|s| i18n::incident_status(s).get(lang))
                                        .unwrap_or("?");
                                format!("{} → {to}", t(msg::INCIDENT))
                            };
                            view! {
                                <li>
                                    <time>{format::clock(e.at, offset_minutes)}</time>
                                    <span class="tl-what">{who_what}</span>
                                    <span class="tl-who">{e.actor}</span>
                                    {(!e.reason.is_empty()).then(|| view! { <span class="tl-why">{e.reason}</span> })}
                                </li>
                            }
                        })
                        .collect_view();
                    // photos a resident attached to the report (dispatchers only)
                    let photos = (!d.photos.is_empty()).then(|| {
                        let items = d
                            .photos
                            .iter()
                            .map(|p| {
                                view! {
                                    <a href=p.url() target="_blank" rel="external noopener" data-photo=p.id.clone()>
                                        <img src=p.url() alt=t(msg::DISPATCH_REPORTER_S_PHOTO) loading="lazy" />
                                    </a>
                                }
                            })
                            .collect_view();
                        view! { <div class="report-photos">{items}</div> }
                    });
                    view! {
                        {contact.map(|c| view! { <p class="contact"><span>{t(msg::CONTACT)}</span>" "{c}</p> })}
                        {photos}
                        <h3>{t(msg::TIMELINE)}</h3>
                        <ol class="timeline">{rows}</ol>
                    }
                    .into_any()
                }
                Ok(None) => ().into_any(),
                Err(e) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
            }
        })
    };
    let summary = move || match incident.get() {
        None => view! { <p class="hint">{t(msg::SELECT_INCIDENT)}</p> }.into_any(),
        Some(i) => {
            let now = live.now.get();
            let level = i.arrival_timer.level(now).as_str();
            let units = i.units.iter().filter_map(|u| live.unit(*u)).map(|u| u.callsign).collect::<Vec<_>>().join(", ");
            view! {
                <div class="incident-detail" data-incident-id=i.id.to_string()>
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
                </div>
            }
            .into_any()
        }
    };
    view! {
        <section class="panel incident-panel">
            {summary}
            <Transition fallback=|| ()>{timeline}</Transition>
        </section>
    }
}

#[component]
fn Recommendations(
    recs: Resource<Result<Vec<RecommendationView>, AppError>>,
    assign: ServerAction<AssignUnit>,
    reassign: ServerAction<ReassignUnit>,
    incident: Signal<Option<IncidentView>>,
    picked: Signal<Option<(f64, f64)>>,
    live: Live,
) -> impl IntoView {
    let lang = i18n::lang();
    let list = move || {
        Suspend::new(async move {
            let recs = recs.await;
            let target = incident.get_untracked();
            if target.is_none() && picked.get_untracked().is_none() {
                return ().into_any();
            }
            match recs {
                Err(e) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
                Ok(list) if list.is_empty() => view! { <p class="hint">{t(msg::NO_CANDIDATES)}</p> }.into_any(),
                Ok(list) => {
                    let rows = list
                        .into_iter()
                        .enumerate()
                        .map(|(rank, r)| {
                            let actions = target.clone().map(|i| {
                                let incident = i.id.0.to_string();
                                let unit = r.unit_id.0.to_string();
                                let (incident2, unit2) = (incident.clone(), unit.clone());
                                let (label, class) = if i.units.is_empty() {
                                    (t(msg::ASSIGN), "assign")
                                } else {
                                    (t(msg::DISPATCH_ADD_AS_BACKUP), "assign backup")
                                };
                                // reassigning replaces the first unit still on the incident
                                let replace = i.units.first().copied().map(|from| {
                                    let name = live.unit(from).map(|u| u.callsign).unwrap_or_else(|| from.to_string());
                                    view! {
                                        <ActionForm action=reassign attr:class="assign-form">
                                            <CsrfField />
                                            <input type="hidden" name="incident" value=incident2.clone() />
                                            <input type="hidden" name="from" value=from.0.to_string() />
                                            <input type="hidden" name="to" value=unit2.clone() />
                                            <button type="submit" class="reassign" title=format!("{}{name}", t(msg::DISPATCH_REASSIGN_SEND_INSTEAD_OF))>
                                                {t(msg::DISPATCH_REASSIGN)}
                                            </button>
                                        </ActionForm>
                                    }
                                });
                                view! {
                                    <ActionForm action=assign attr:class="assign-form">
                                        <CsrfField />
                                        <input type="hidden" name="incident" value=incident.clone() />
                                        <input type="hidden" name="unit" value=unit.clone() />
                                        <button type="submit" class=class aria-keyshortcuts=(rank + 1).to_string()>{label}</button>
                                    </ActionForm>
                                    {replace}
                                }
                            });
                            view! {
                                <li class="candidate-row" data-unit-id=r.unit_id.to_string() data-callsign=r.callsign.clone()>
                                    <span class="rank">{rank + 1}</span>
                                    <span class="callsign">{r.callsign.clone()}</span>
                                    <span class="kind">{format!("{} · {}", i18n::unit_kind(r.kind).get(lang), i18n::force(r.force).get(lang))}</span>
                                    <span class="eta" title=t(msg::ETA)>{format::duration(Some(r.eta_s))}</span>
                                    <span class="dist" title=t(msg::DISTANCE)>{format::distance(r.distance_m)}</span>
                                    <div class="candidate-actions">{actions}</div>
                                </li>
                            }
                        })
                        .collect_view();
                    let note = target.is_none().then(|| {
                        view! {
                            <p class="hint preview-note">
                                {t(msg::DISPATCH_NEAREST_UNITS_TO_THE)}
                            </p>
                        }
                    });
                    view! {
                        {note}
                        <ul class="candidates">{rows}</ul>
                    }
                    .into_any()
                }
            }
        })
    };
    let conflict_note = t(msg::DISPATCH_NOT_SENT_THAT_UNIT);
    let outcome = move || {
        let result = match (assign.value().get(), reassign.value().get()) {
            (Some(Err(e)), _) | (_, Some(Err(e))) => Err(e),
            (Some(Ok(i)), _) | (_, Some(Ok(i))) => Ok(i),
            (None, None) => return ().into_any(),
        };
        match result {
            Ok(i) => view! { <p class="ok" role="status">{format!("{} #{}", t(msg::ASSIGNED), i.id)}</p> }.into_any(),
            Err(AppError::Conflict(m)) => view! {
                <div class="error conflict" role="alert" data-conflict="true">
                    <p>{conflict_note}</p>
                    <p class="detail">{m}</p>
                </div>
            }
            .into_any(),
            Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
        }
    };
    view! {
        <section class="panel recommendations">
            <h2>{t(msg::RECOMMENDED)}</h2>
            <Transition fallback=|| view! { <p class="loading">{t(msg::LOADING)}</p> }>
                {list}
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
                        <CsrfField />
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
