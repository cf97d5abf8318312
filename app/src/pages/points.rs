//! Must-patrol points on paper and on the phone: `/points/{code}/qr` is the
//! printable sheet a station chief posts at the point; its QR code opens
//! `/checkin/{code}?token=...`, where an officer whose GPS is poor checks in
//! with a plain form (the token stands in for the position; the window and
//! the station still apply, and the check-in is recorded as `qr`).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::format;
use crate::i18n::{msg, t};
use crate::security::CsrfField;
use crate::server_fns::{EditPoint, OfficerCheckIn, RotatePointToken, get_point_page, get_point_qr};

#[component]
pub fn PointQrPage() -> impl IntoView {
    let code = use_params_map().with_untracked(|p| p.get("code").unwrap_or_default());
    let rotate = ServerAction::<RotatePointToken>::new();
    let qr = Resource::new(move || (code.clone(), rotate.version().get()), |(c, _)| get_point_qr(c));
    view! {
        <Title text=format!("{} · {}", t(msg::POINTS_PATROL_POINT_QR_CODE), t(msg::APP)) />
        <Suspense fallback=|| view! { <p class="loading">{t(msg::LOADING)}</p> }>
            <ErrorBoundary fallback=crate::error_fallback>
                {move || Suspend::new(async move {
                    qr.await.map(|q| {
                        let view_box = format!("-4 -4 {} {}", q.size + 8, q.size + 8);
                        let code_field = q.code.clone();
                        view! {
                            <main class="qr-sheet" data-point=q.code.clone()>
                                <h1>{format!("{} {}", q.code, q.name)}</h1>
                                <p class="qr-meta">{format!("{} · {} {}", q.station_name, t(msg::POINTS_WINDOWS_LOWER), q.windows)}</p>
                                <svg class="qr" viewBox=view_box shape-rendering="crispEdges" role="img" aria-label=q.url.clone()>
                                    <rect x="-4" y="-4" width=(q.size + 8).to_string() height=(q.size + 8).to_string() fill="#fff"></rect>
                                    <path d=q.path fill="#000"></path>
                                </svg>
                                <p class="qr-help">
                                    {t(msg::POINTS_WHEN_THE_PHONE_S)}
                                </p>
                                <p class="qr-url no-print">{q.url}</p>
                                <ActionForm action=rotate attr:class="rotate-form no-print">
                                    <CsrfField />
                                    <input type="hidden" name="code" value=code_field />
                                    <button type="submit" class="rotate-button">
                                        {t(msg::POINTS_NEW_CODE_THE_PRINTED)}
                                    </button>
                                </ActionForm>
                                {move || rotate.value().get().map(|r| match r {
                                    Ok(_) => view! { <p class="ok no-print" role="status">{t(msg::POINTS_NEW_CODE_MADE_PRINT)}</p> }.into_any(),
                                    Err(e) => view! { <p class="error no-print" role="alert">{e.to_string()}</p> }.into_any(),
                                })}
                            </main>
                        }
                    })
                })}
            </ErrorBoundary>
        </Suspense>
    }
}

#[component]
pub fn QrCheckInPage() -> impl IntoView {
    let code = use_params_map().with_untracked(|p| p.get("code").unwrap_or_default());
    let token = use_query_map().with_untracked(|q| q.get("token").unwrap_or_default());
    let action = ServerAction::<OfficerCheckIn>::new();
    let page = Resource::new(move || (code.clone(), action.version().get()), |(c, _)| get_point_page(c));
    let session = crate::security::use_session();
    view! {
        <Title text=format!("{} · {}", t(msg::POINTS_PATROL_CHECK_IN), t(msg::APP)) />
        <Suspense fallback=|| view! { <p class="loading">{t(msg::LOADING)}</p> }>
            <ErrorBoundary fallback=crate::error_fallback>
                {move || {
                    let token = token.clone();
                    Suspend::new(async move {
                        // the logged-in officer's unit, filled in
                        let own_unit = match session {
                            Some(s) => s.await.ok().and_then(|s| s.who).and_then(|w| w.unit).unwrap_or_default(),
                            None => String::new(),
                        };
                        page.await.map(|p| {
                            let (code, code2, title) = (p.code.clone(), p.code.clone(), format!("{} {}", p.code, p.name));
                            let last = p.last_check_in.clone().map(|c| {
                                format!(
                                    "{} {} · {} · {}",
                                    t(msg::POINTS_LAST_CHECK_IN),
                                    format::clock_hm(c.at, p.utc_offset_minutes),
                                    c.callsign,
                                    c.method
                                )
                            });
                            let outcome = move || match action.value().get() {
                                Some(Ok(c)) => view! {
                                    <p class="ok checkin-ok" role="status">{format!("{} {} · {}", t(msg::POINTS_CHECKED_IN), c.point, c.callsign)}</p>
                                }
                                .into_any(),
                                Some(Err(e)) => view! { <p class="error officer-error checkin-refused" role="alert">{e.to_string()}</p> }.into_any(),
                                None => ().into_any(),
                            };
                            view! {
                                <main class="officer qr-checkin" data-point=code2>
                                    <h1>{title}</h1>
                                    <p class="sub">
                                        {format!("{} {} · ", t(msg::POINTS_WINDOWS), p.windows)}
                                        {if p.due { t(msg::POINTS_OPEN_NOW) } else { t(msg::POINTS_NOT_OPEN_NOW) }}
                                    </p>
                                    {outcome}
                                    {last.map(|l| view! { <p class="last-checkin">{l}</p> })}
                                    <ActionForm action=action attr:class="qr-form">
                                        <CsrfField />
                                        <label>
                                            {t(msg::POINTS_CALLSIGN)}
                                            <input name="callsign" required maxlength="32" autocomplete="on" autocapitalize="characters" value=own_unit />
                                        </label>
                                        <input type="hidden" name="point" value=code />
                                        <input type="hidden" name="qr_token" value=token />
                                        <button type="submit" class="big primary">{t(msg::POINTS_CHECK_IN_BY_QR)}</button>
                                    </ActionForm>
                                </main>
                            }
                        })
                    })
                }}
            </ErrorBoundary>
        </Suspense>
    }
}

/// `/points/{code}/edit`: a station chief changes a point's name, place,
/// radius and windows with a plain form; the change is in effect at once.
#[component]
pub fn PointEditPage() -> impl IntoView {
    let code = use_params_map().with_untracked(|p| p.get("code").unwrap_or_default());
    let action = ServerAction::<EditPoint>::new();
    let page = Resource::new(move || (code.clone(), action.version().get()), |(c, _)| get_point_page(c));
    view! {
        <Title text=format!("{} · {}", t(msg::POINTS_EDIT_PATROL_POINT), t(msg::APP)) />
        <Suspense fallback=|| view! { <p class="loading">{t(msg::LOADING)}</p> }>
            <ErrorBoundary fallback=crate::error_fallback>
                {move || Suspend::new(async move {
                    page.await.map(|p| {
                        let qr_link = format!("/points/{}/qr", p.code);
                        let (code, code_field, title) = (p.code.clone(), p.code.clone(), format!("{} {}", p.code, p.name));
                        let sub = format!("{} {}", t(msg::POINTS_WINDOWS), p.windows);
                        let (name, lat, lon) = (p.name.clone(), format!("{:.6}", p.lat), format!("{:.6}", p.lon));
                        let (radius, windows) = (format!("{}", p.radius_m), p.windows_list.join(", "));
                        let outcome = move || match action.value().get() {
                            Some(Ok(_)) => view! { <p class="ok point-saved" role="status">{t(msg::POINTS_SAVED_IN_EFFECT_NOW)}</p> }.into_any(),
                            Some(Err(e)) => view! { <p class="error point-refused" role="alert">{e.to_string()}</p> }.into_any(),
                            None => ().into_any(),
                        };
                        view! {
                            <main class="page-simple point-edit" data-point=code>
                                <h1>{title}</h1>
                                <p class="sub">{sub}</p>
                                {outcome}
                                <ActionForm action=action attr:class="edit-form">
                                    <CsrfField />
                                    <input type="hidden" name="code" value=code_field />
                                    <label>{t(msg::NAME)}<input name="name" required maxlength="40" value=name /></label>
                                    <label>{t(msg::LAT)}<input name="lat" inputmode="decimal" required value=lat /></label>
                                    <label>{t(msg::LON)}<input name="lon" inputmode="decimal" required value=lon /></label>
                                    <label>{t(msg::POINTS_CHECK_IN_RADIUS_M)}<input name="radius_m" inputmode="decimal" required value=radius /></label>
                                    <label>
                                        {t(msg::POINTS_WINDOWS_E_G_00)}
                                        <input name="windows" required value=windows />
                                    </label>
                                    <label>{t(msg::POINTS_CHANGED_BY)}<input name="by" maxlength="40" autocomplete="name" /></label>
                                    <button type="submit" class="primary">{t(msg::POINTS_SAVE)}</button>
                                </ActionForm>
                                <p><a href=qr_link rel="external">{t(msg::POINTS_PRINT_THE_QR_CODE)}</a></p>
                            </main>
                        }
                    })
                })}
            </ErrorBoundary>
        </Suspense>
    }
}
