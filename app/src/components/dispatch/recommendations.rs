use leptos::prelude::*;

use crate::error::AppError;
use crate::format;
use crate::i18n::{self, msg, t};
use crate::live::Live;
use crate::security::CsrfField;
use crate::server_fns::{AssignUnit, ReassignUnit};
use crate::wire::{IncidentView, RecommendationView};

/// The nearest units with their ETAs, each with its assign (or backup) and
/// reassign buttons; before an incident exists, those near the picked
/// location.
#[component]
pub fn Recommendations(
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
                                    <span class="eta" title=if r.by_road { t(msg::ETA_BY_ROAD) } else { t(msg::ETA) }>
                                        {format::duration(Some(r.eta_s))}
                                        {r.by_road.then(|| view! { <small class="eta-basis">{t(msg::BY_ROAD)}</small> })}
                                    </span>
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
