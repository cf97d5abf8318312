use leptos::prelude::*;

use crate::format;
use crate::i18n::{self, msg, t};
use crate::live::Live;
use crate::server_fns::get_incident;
use crate::wire::IncidentView;
use domain::IncidentStatus;

/// The selected incident: its details, the reporter's contact and photos,
/// its timeline.
#[component]
pub fn IncidentPanel(incident: Signal<Option<IncidentView>>, live: Live, offset_minutes: i32) -> impl IntoView {
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
