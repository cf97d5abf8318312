//! Must-patrol points on paper and on the phone: `/points/{code}/qr` is the
//! printable sheet a station chief posts at the point; its QR code opens
//! `/checkin/{code}?token=...`, where an officer whose GPS is poor checks in
//! with a plain form (the token stands in for the position; the window and
//! the station still apply, and the check-in is recorded as `qr`).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::format;
use crate::i18n::{Tr, lang, msg, t};
use crate::security::CsrfField;
use crate::server_fns::{EditPoint, OfficerCheckIn, RotatePointToken, get_point_page, get_point_qr};

fn tr(zh: &'static str, en: &'static str) -> &'static str {
    Tr(zh, en).get(lang())
}

#[component]
pub fn PointQrPage() -> impl IntoView {
    let code = use_params_map().with_untracked(|p| p.get("code").unwrap_or_default());
    let rotate = ServerAction::<RotatePointToken>::new();
    let qr = Resource::new(move || (code.clone(), rotate.version().get()), |(c, _)| get_point_qr(c));
    view! {
        <Title text=format!("{} · {}", tr("必巡点二维码", "Patrol point QR code"), t(msg::APP)) />
        <Suspense fallback=|| view! { <p class="loading">{t(msg::LOADING)}</p> }>
            <ErrorBoundary fallback=crate::error_fallback>
                {move || Suspend::new(async move {
                    qr.await.map(|q| {
                        let view_box = format!("-4 -4 {} {}", q.size + 8, q.size + 8);
                        let code_field = q.code.clone();
                        view! {
                            <main class="qr-sheet" data-point=q.code.clone()>
                                <h1>{format!("{} {}", q.code, q.name)}</h1>
                                <p class="qr-meta">{format!("{} · {} {}", q.station_name, tr("巡逻时段", "windows"), q.windows)}</p>
                                <svg class="qr" viewBox=view_box shape-rendering="crispEdges" role="img" aria-label=q.url.clone()>
                                    <rect x="-4" y="-4" width=(q.size + 8).to_string() height=(q.size + 8).to_string() fill="#fff"></rect>
                                    <path d=q.path fill="#000"></path>
                                </svg>
                                <p class="qr-help">
                                    {tr(
                                        "手机定位不准时，扫此码签到（仍需在巡逻时段内、本站警力）。",
                                        "When the phone's GPS is poor, scan this code to check in (still only in the window, and for this station's units).",
                                    )}
                                </p>
                                <p class="qr-url no-print">{q.url}</p>
                                <ActionForm action=rotate attr:class="rotate-form no-print">
                                    <CsrfField />
                                    <input type="hidden" name="code" value=code_field />
                                    <button type="submit" class="rotate-button">
                                        {tr("换新二维码（旧码立即作废）", "New code (the printed one stops working at once)")}
                                    </button>
                                </ActionForm>
                                {move || rotate.value().get().map(|r| match r {
                                    Ok(_) => view! { <p class="ok no-print" role="status">{tr("已换新码：请打印并张贴新二维码。", "New code made: print and post this sheet.")}</p> }.into_any(),
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
        <Title text=format!("{} · {}", tr("必巡点签到", "Patrol check-in"), t(msg::APP)) />
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
                                    tr("最近签到", "Last check-in"),
                                    format::clock_hm(c.at, p.utc_offset_minutes),
                                    c.callsign,
                                    c.method
                                )
                            });
                            let outcome = move || match action.value().get() {
                                Some(Ok(c)) => view! {
                                    <p class="ok checkin-ok" role="status">{format!("{} {} · {}", tr("已签到", "Checked in"), c.point, c.callsign)}</p>
                                }
                                .into_any(),
                                Some(Err(e)) => view! { <p class="error officer-error checkin-refused" role="alert">{e.to_string()}</p> }.into_any(),
                                None => ().into_any(),
                            };
                            view! {
                                <main class="officer qr-checkin" data-point=code2>
                                    <h1>{title}</h1>
                                    <p class="sub">
                                        {format!("{} {} · ", tr("巡逻时段", "Windows"), p.windows)}
                                        {if p.due { tr("现在开放", "open now") } else { tr("现在未开放", "not open now") }}
                                    </p>
                                    {outcome}
                                    {last.map(|l| view! { <p class="last-checkin">{l}</p> })}
                                    <ActionForm action=action attr:class="qr-form">
                                        <CsrfField />
                                        <label>
                                            {tr("呼号", "Callsign")}
                                            <input name="callsign" required maxlength="32" autocomplete="on" autocapitalize="characters" value=own_unit />
                                        </label>
                                        <input type="hidden" name="point" value=code />
                                        <input type="hidden" name="qr_token" value=token />
                                        <button type="submit" class="big primary">{tr("扫码签到", "Check in by QR code")}</button>
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
        <Title text=format!("{} · {}", tr("编辑必巡点", "Edit patrol point"), t(msg::APP)) />
        <Suspense fallback=|| view! { <p class="loading">{t(msg::LOADING)}</p> }>
            <ErrorBoundary fallback=crate::error_fallback>
                {move || Suspend::new(async move {
                    page.await.map(|p| {
                        let qr_link = format!("/points/{}/qr", p.code);
                        let (code, code_field, title) = (p.code.clone(), p.code.clone(), format!("{} {}", p.code, p.name));
                        let sub = format!("{} {}", tr("巡逻时段", "Windows"), p.windows);
                        let (name, lat, lon) = (p.name.clone(), format!("{:.6}", p.lat), format!("{:.6}", p.lon));
                        let (radius, windows) = (format!("{}", p.radius_m), p.windows_list.join(", "));
                        let outcome = move || match action.value().get() {
                            Some(Ok(_)) => view! { <p class="ok point-saved" role="status">{tr("已保存，立即生效。", "Saved; in effect now.")}</p> }.into_any(),
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
                                    <label>{tr("名称", "Name")}<input name="name" required maxlength="40" value=name /></label>
                                    <label>{tr("纬度", "Latitude")}<input name="lat" inputmode="decimal" required value=lat /></label>
                                    <label>{tr("经度", "Longitude")}<input name="lon" inputmode="decimal" required value=lon /></label>
                                    <label>{tr("签到半径（米）", "Check-in radius (m)")}<input name="radius_m" inputmode="decimal" required value=radius /></label>
                                    <label>
                                        {tr("巡逻时段（如 00:00-04:00，多个用逗号分隔）", "Windows (e.g. 00:00-04:00, separated by commas)")}
                                        <input name="windows" required value=windows />
                                    </label>
                                    <label>{tr("修改人", "Changed by")}<input name="by" maxlength="40" autocomplete="name" /></label>
                                    <button type="submit" class="primary">{tr("保存", "Save")}</button>
                                </ActionForm>
                                <p><a href=qr_link rel="external">{tr("打印二维码", "Print the QR code")}</a></p>
                            </main>
                        }
                    })
                })}
            </ErrorBoundary>
        </Suspense>
    }
}
