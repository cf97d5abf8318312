//! `/notices`: the safety notices in force, for residents (no account,
//! phone-sized, no JavaScript: choose a station, or open it with the
//! phone's place as `?lat=&lon=`); and, for a station chief logged in, the
//! desk where they are written, scheduled, updated and cancelled (plain
//! forms, each carrying the session's form token).

use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{FixedOffset, NaiveDateTime, TimeZone, Utc};
use domain::access::{Permission, Principal, Scope};
use domain::notice::{Certainty, NoticeArea, NoticeCategory, NoticeDraft, NoticeStatus, Severity, Urgency};
use serde::Deserialize;

use crate::api::{ApiError, current_for, parse_current};
use crate::auth::layer::{Caller, CsrfToken};
use crate::notices::NoticeScope;
use crate::state::AppState;
use crate::store::notices::StoredNotice;
use crate::web::esc;

#[derive(Debug, Deserialize)]
pub struct PageQuery {
    station: Option<String>,
    lat: Option<f64>,
    lon: Option<f64>,
    /// What the last form did (shown once).
    done: Option<String>,
    /// Why the last form was refused.
    error: Option<String>,
}

fn local(ms: i64, offset: FixedOffset) -> String {
    offset.timestamp_millis_opt(ms).single().map(|t| t.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default()
}

fn local_input(ms: i64, offset: FixedOffset) -> String {
    offset.timestamp_millis_opt(ms).single().map(|t| t.format("%Y-%m-%dT%H:%M").to_string()).unwrap_or_default()
}

fn status_zh(s: NoticeStatus) -> &'static str {
    match s {
        NoticeStatus::Draft => "草稿 draft",
        NoticeStatus::Scheduled => "待发布 scheduled",
        NoticeStatus::Published => "已发布 published",
        NoticeStatus::Updated => "已更新 updated",
        NoticeStatus::Cancelled => "已撤销 cancelled",
    }
}

/// `GET /notices`.
pub async fn page(
    State(state): State<AppState>,
    who: Option<Extension<Principal>>,
    Extension(csrf): Extension<CsrfToken>,
    Query(q): Query<PageQuery>,
) -> Response {
    let offset = state.notices.offset();
    let chosen = parse_current(&state, q.station.as_deref(), q.lat, q.lon);
    let mut body = String::with_capacity(8192);
    body.push_str("<header class=\"notices-head\"><h1>安全提示 <span lang=\"en\">Safety notices</span></h1>");
    // the station chooser (a GET form: works without JavaScript)
    body.push_str("<form method=\"get\" action=\"/notices\" class=\"notices-choose\"><label>警务站 Station <select name=\"station\">");
    body.push_str("<option value=\"\">全部 All</option>");
    let selected = chosen.as_ref().ok().and_then(|(s, _)| s.clone());
    for (code, name) in state.notices.stations() {
        let sel = if selected.as_deref() == Some(code.as_str()) { " selected" } else { "" };
        body.push_str(&format!("<option value=\"{}\"{sel}>{}</option>", esc(code.as_str()), esc(name)));
    }
    body.push_str(
        "</select></label> <button type=\"submit\">查看 Show</button> \
         <button type=\"button\" class=\"notices-here\" hidden>我所在的位置 · Where I am</button></form></header>",
    );
    match chosen {
        Err(e) => body.push_str(&format!("<p class=\"notices-error\" role=\"alert\">{}</p>", esc(&e.to_string()))),
        Ok((station, at)) => match current_for(&state, station.as_deref(), at).await {
            Err(_) => body
                .push_str("<p class=\"notices-error\" role=\"alert\">暂时无法读取 · Cannot read the notices now</p>"),
            Ok(list) if list.is_empty() => {
                body.push_str("<p class=\"notices-empty\">目前没有安全提示 · No notices in force</p>")
            }
            Ok(list) => {
                body.push_str("<ul class=\"notices-list\">");
                for n in list {
                    let sev = if n.severity == "Moderate" || n.severity == "Severe" || n.severity == "Extreme" {
                        " notice-strong"
                    } else {
                        ""
                    };
                    body.push_str(&format!(
                        "<li class=\"notice{sev}\" data-notice=\"{id}\"><p class=\"notice-tag\">{cat}{upd}</p>\
                         <h2>{title}</h2><p class=\"notice-body\">{text}</p>",
                        id = n.id,
                        cat = esc(&n.category_zh),
                        upd = if n.status == "updated" { " · 已更新 updated" } else { "" },
                        title = esc(&n.title_zh),
                        text = esc(&n.body_zh),
                    ));
                    if let (Some(t), Some(b)) = (&n.title_en, &n.body_en) {
                        body.push_str(&format!(
                            "<div lang=\"en\" class=\"notice-en\"><h3>{}</h3><p>{}</p></div>",
                            esc(t),
                            esc(b)
                        ));
                    }
                    body.push_str(&format!(
                        "<p class=\"notice-meta\">{area} · {from} – {to}{cap}</p></li>",
                        area = esc(&n.area_desc),
                        from = local(n.effective.timestamp_millis(), offset),
                        to = local(n.expires.timestamp_millis(), offset),
                        cap = n.cap.map(|c| format!(" · <a href=\"{}\">CAP</a>", esc(&c))).unwrap_or_default(),
                    ));
                }
                body.push_str("</ul>");
            }
        },
    }
    body.push_str("<p class=\"notices-foot\">紧急情况请拨打 110 · In an emergency call 110 · <a href=\"/report\">报告问题 Report a problem</a> · <a href=\"/cap/feed.atom\">CAP feed</a></p>");

    // a chief's desk
    let desk = who.as_ref().and_then(|Extension(p)| p.scope(Permission::WriteNotices).ok().map(|s| (p, s)));
    if let Some((p, scope)) = desk {
        body.push_str(&chief_desk(&state, p, scope, &csrf.0, &q, offset).await);
    }
    let html = format!(
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width, initial-scale=1\"><title>安全提示 · Safety notices</title>\
         <link rel=\"stylesheet\" href=\"/pkg/command_room.css\"><script src=\"/notices.js\" defer></script></head>\
         <body class=\"notices-page\">\
         <main class=\"notices\">{body}</main></body></html>"
    );
    (StatusCode::OK, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}

fn category_options(selected: NoticeCategory) -> String {
    NoticeCategory::ALL
        .iter()
        .map(|c| {
            let sel = if *c == selected { " selected" } else { "" };
            format!("<option value=\"{}\"{sel}>{} {}</option>", c.as_str(), c.label_zh(), c.as_str())
        })
        .collect()
}

async fn chief_desk(
    state: &AppState,
    p: &Principal,
    scope: Scope,
    csrf: &str,
    q: &PageQuery,
    offset: FixedOffset,
) -> String {
    let station = match &scope {
        Scope::Station(s) => Some(s.clone()),
        _ => None,
    };
    let mut d = String::with_capacity(8192);
    d.push_str(&format!(
        "<section class=\"notices-desk\" aria-label=\"notices desk\"><h2>编写与发布 · Write and publish <small>{}</small></h2>",
        esc(&p.name)
    ));
    if let Some(done) = &q.done {
        d.push_str(&format!("<p class=\"notices-done\" role=\"status\">{}</p>", esc(done)));
    }
    if let Some(e) = &q.error {
        d.push_str(&format!("<p class=\"notices-error\" role=\"alert\">{}</p>", esc(e)));
    }
    let token = format!("<input type=\"hidden\" name=\"csrf\" value=\"{}\">", esc(csrf));
    let month = domain::time::Month::of(state.notices.clock(), Utc::now());
    d.push_str(&format!(
        "<form method=\"post\" action=\"/notices/calendar\" class=\"notices-inline\">{token}\
         <input type=\"hidden\" name=\"month\" value=\"{month}\">\
         <button type=\"submit\">生成本月日历草稿 · This month's calendar drafts</button></form>"
    ));
    let now = Utc::now().timestamp_millis();
    d.push_str(&format!(
        "<details class=\"notices-new\"><summary>新建提示 · New notice</summary>\
         <form method=\"post\" action=\"/notices/new\">{token}\
         <label>标题 Title <input name=\"title_zh\" required maxlength=\"120\"></label>\
         <label>内容 Text <textarea name=\"body_zh\" required maxlength=\"4000\" rows=\"4\"></textarea></label>\
         <label>English title <input name=\"title_en\" maxlength=\"120\"></label>\
         <label>English text <textarea name=\"body_en\" maxlength=\"4000\" rows=\"2\"></textarea></label>\
         <label>类别 Category <select name=\"category\">{cats}</select></label>\
         <label>生效 Effective <input type=\"datetime-local\" name=\"effective\" required value=\"{from}\"></label>\
         <label>失效 Expires <input type=\"datetime-local\" name=\"expires\" required value=\"{to}\"></label>\
         <button type=\"submit\">保存草稿 · Save draft</button></form></details>",
        cats = category_options(NoticeCategory::Other),
        from = local_input(now, offset),
        to = local_input(now + 7 * 86_400_000, offset),
    ));
    let list = match state.store.notices(station.as_ref(), 200).await {
        Ok(l) => l,
        Err(_) => {
            d.push_str("<p class=\"notices-error\">暂时无法读取 · Cannot read the notices now</p></section>");
            return d;
        }
    };
    d.push_str("<table class=\"notices-table\"><thead><tr><th>#</th><th>状态 Status</th><th>标题 Title</th><th>时间 Times</th><th>操作 Actions</th></tr></thead><tbody>");
    for n in &list {
        d.push_str(&notice_row(n, &token, offset));
    }
    d.push_str("</tbody></table></section>");
    d
}

fn notice_row(n: &StoredNotice, token: &str, offset: FixedOffset) -> String {
    let id = n.id;
    let mut actions = String::new();
    let post = |action: &str, label: &str, extra: &str| {
        format!(
            "<form method=\"post\" action=\"/notices/{id}/{action}\" class=\"notices-inline\">{token}{extra}\
             <button type=\"submit\" data-action=\"{action}\">{label}</button></form>"
        )
    };
    match n.status {
        NoticeStatus::Draft | NoticeStatus::Scheduled => {
            let at = n.publish_at.unwrap_or_else(|| Utc::now().timestamp_millis() + 3_600_000);
            actions.push_str(&post(
                "schedule",
                "定时发布 Schedule",
                &format!(
                    "<input type=\"datetime-local\" name=\"publish_at\" required value=\"{}\" aria-label=\"publish at\">",
                    local_input(at, offset)
                ),
            ));
            if n.status == NoticeStatus::Scheduled {
                actions.push_str(&post("unschedule", "退回草稿 Unschedule", ""));
            }
            actions.push_str(&post("cancel", "撤销 Cancel", ""));
        }
        NoticeStatus::Published | NoticeStatus::Updated => {
            actions.push_str(&format!(
                "<details><summary>更新 Update</summary><form method=\"post\" action=\"/notices/{id}/edit\">{token}\
                 <label>标题 Title <input name=\"title_zh\" required maxlength=\"120\" value=\"{t}\"></label>\
                 <label>内容 Text <textarea name=\"body_zh\" required maxlength=\"4000\" rows=\"4\">{b}</textarea></label>\
                 <button type=\"submit\" data-action=\"edit\">发送更新 Send update</button></form></details>",
                t = esc(&n.draft.title_zh),
                b = esc(&n.draft.body_zh),
            ));
            actions.push_str(&post("cancel", "撤销 Cancel", ""));
        }
        NoticeStatus::Cancelled => {}
    }
    let times = match (n.status, n.publish_at) {
        (NoticeStatus::Scheduled, Some(at)) => format!("发布 {}<br>", local(at, offset)),
        _ => String::new(),
    };
    format!(
        "<tr data-notice=\"{id}\" data-status=\"{st}\"><td>{id}</td><td>{status}</td><td>{title}{cal}</td>\
         <td>{times}{from} – {to}</td><td>{actions}</td></tr>",
        st = n.status.as_str(),
        status = status_zh(n.status),
        title = esc(&n.draft.title_zh),
        cal = n.calendar_key.as_ref().map(|k| format!(" <small>(日历 {})</small>", esc(k))).unwrap_or_default(),
        from = local(n.draft.effective_ms, offset),
        to = local(n.draft.expires_ms, offset),
    )
}

/// Back to the page with what was done, or why not.
fn back(result: Result<String, ApiError>) -> Response {
    let q = match result {
        Ok(done) => format!("done={}", crate::auth::layer::urlencode(&done)),
        Err(e) => format!("error={}", crate::auth::layer::urlencode(&e.to_string())),
    };
    Redirect::to(&format!("/notices?{q}")).into_response()
}

fn scope_of(who: &Caller) -> Result<NoticeScope, ApiError> {
    NoticeScope::of(who).map_err(ApiError::refused)
}

fn parse_local(s: &str, offset: FixedOffset, what: &str) -> Result<i64, ApiError> {
    let t = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| ApiError::BadRequest(format!("{what} must be a local time, YYYY-MM-DDTHH:MM; got {s:?}")))?;
    t.and_local_timezone(offset)
        .single()
        .map(|t| t.timestamp_millis())
        .ok_or_else(|| ApiError::BadRequest(format!("{what} is out of range")))
}

#[derive(Debug, Deserialize)]
pub struct NewForm {
    #[allow(dead_code)]
    csrf: String,
    title_zh: String,
    body_zh: String,
    title_en: Option<String>,
    body_en: Option<String>,
    category: String,
    effective: String,
    expires: String,
}

/// `POST /notices/new`: a chief's new draft for their station.
pub async fn create(State(state): State<AppState>, who: Caller, Form(f): Form<NewForm>) -> Response {
    back(
        async {
            let scope = scope_of(&who)?;
            let offset = state.notices.offset();
            let area = match &scope {
                NoticeScope::Station(s) => NoticeArea::Stations(vec![s.clone()]),
                NoticeScope::All => NoticeArea::District,
            };
            let draft = NoticeDraft {
                title_zh: f.title_zh,
                body_zh: f.body_zh,
                title_en: f.title_en,
                body_en: f.body_en,
                category: f.category.parse().map_err(ApiError::bad)?,
                area,
                effective_ms: parse_local(&f.effective, offset, "effective")?,
                expires_ms: parse_local(&f.expires, offset, "expires")?,
                urgency: Urgency::Expected,
                severity: Severity::Minor,
                certainty: Certainty::Likely,
            };
            let n = state.notices.create(&scope, None, draft, &who.name).await?;
            Ok(format!("草稿 #{} 已保存 · draft #{} saved", n.id, n.id))
        }
        .await,
    )
}

#[derive(Debug, Deserialize)]
pub struct ScheduleForm {
    #[allow(dead_code)]
    csrf: String,
    publish_at: String,
}

/// `POST /notices/{id}/schedule`.
pub async fn schedule(
    State(state): State<AppState>,
    who: Caller,
    Path(id): Path<i64>,
    Form(f): Form<ScheduleForm>,
) -> Response {
    back(
        async {
            let scope = scope_of(&who)?;
            let at = parse_local(&f.publish_at, state.notices.offset(), "publish_at")?;
            state.notices.schedule(&scope, id, at, &who.name).await?;
            Ok(format!("#{id} 已定时 · scheduled"))
        }
        .await,
    )
}

#[derive(Debug, Deserialize)]
pub struct TokenForm {
    #[allow(dead_code)]
    csrf: String,
}

/// `POST /notices/{id}/unschedule`.
pub async fn unschedule(
    State(state): State<AppState>,
    who: Caller,
    Path(id): Path<i64>,
    Form(_): Form<TokenForm>,
) -> Response {
    back(
        async {
            state.notices.unschedule(&scope_of(&who)?, id, &who.name).await?;
            Ok(format!("#{id} 已退回草稿 · back to draft"))
        }
        .await,
    )
}

/// `POST /notices/{id}/cancel`.
pub async fn cancel(
    State(state): State<AppState>,
    who: Caller,
    Path(id): Path<i64>,
    Form(_): Form<TokenForm>,
) -> Response {
    back(
        async {
            state.notices.cancel(&scope_of(&who)?, id, &who.name).await?;
            Ok(format!("#{id} 已撤销 · cancelled"))
        }
        .await,
    )
}

#[derive(Debug, Deserialize)]
pub struct EditForm {
    #[allow(dead_code)]
    csrf: String,
    title_zh: String,
    body_zh: String,
}

/// `POST /notices/{id}/edit`: a public notice's new title and text, sent as an update.
pub async fn edit(
    State(state): State<AppState>,
    who: Caller,
    Path(id): Path<i64>,
    Form(f): Form<EditForm>,
) -> Response {
    back(
        async {
            let scope = scope_of(&who)?;
            let n = state.notices.get(&scope, id).await?;
            let draft = NoticeDraft { title_zh: f.title_zh, body_zh: f.body_zh, ..n.draft };
            state.notices.edit(&scope, id, draft, &who.name).await?;
            Ok(format!("#{id} 已更新并发送 · updated and sent"))
        }
        .await,
    )
}

#[derive(Debug, Deserialize)]
pub struct CalendarForm {
    #[allow(dead_code)]
    csrf: String,
    month: String,
}

/// `POST /notices/calendar`: this month's drafts for the chief's station.
pub async fn calendar(State(state): State<AppState>, who: Caller, Form(f): Form<CalendarForm>) -> Response {
    back(
        async {
            let scope = scope_of(&who)?;
            let month = domain::time::Month::parse(&f.month).map_err(ApiError::bad)?;
            let stations = match &scope {
                NoticeScope::Station(s) => vec![s.clone()],
                NoticeScope::All => state.notices.all_stations(),
            };
            let made = state.notices.calendar_drafts(month, &stations, &who.name).await?;
            Ok(format!("{} 份日历草稿 · calendar drafts made: {}", made.len(), made.len()))
        }
        .await,
    )
}
