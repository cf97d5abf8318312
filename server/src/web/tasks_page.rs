//! `/tasks`: the monthly task list on an officer's phone (report a task
//! done with text, photos and the phone's position: a plain multipart form,
//! the position filled in by `/tasks.js` when the phone allows) and, for a
//! station chief, the station's tasks with accept / return and the progress
//! by officer (plain forms carrying the session's form token).

use axum::Extension;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use domain::access::{Permission, Principal, Scope};
use domain::tasks::TaskAction;
use serde::Deserialize;

use crate::api::ApiError;
use crate::auth::layer::{Caller, CsrfToken, urlencode};
use crate::state::AppState;
use crate::store::tasks::TaskRow;
use crate::tasks::TaskScope;
use crate::web::esc;

#[derive(Debug, Deserialize)]
pub struct PageQuery {
    done: Option<String>,
    error: Option<String>,
}

fn status_zh(s: &str) -> &'static str {
    match s {
        "open" => "待办 open",
        "submitted" => "待审核 submitted",
        "accepted" => "已通过 accepted",
        "returned" => "已退回 returned",
        _ => "?",
    }
}

fn kind_zh(s: &str) -> &'static str {
    match s {
        "visit" => "走访 visit",
        "hazard_check" => "隐患排查 hazard check",
        "follow_up" => "回访 follow-up",
        "publicity" => "宣传 publicity",
        _ => "?",
    }
}

/// `GET /tasks`.
pub async fn page(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Extension(csrf): Extension<CsrfToken>,
    Query(q): Query<PageQuery>,
) -> Response {
    let month = state.tasks.this_month().to_string();
    let token = format!("<input type=\"hidden\" name=\"csrf\" value=\"{}\">", esc(&csrf.0));
    let mut b = String::with_capacity(8192);
    b.push_str(&format!(
        "<header class=\"notices-head\"><h1>任务清单 <span lang=\"en\">Tasks · {month}</span></h1></header>"
    ));
    if let Some(done) = &q.done {
        b.push_str(&format!("<p class=\"notices-done\" role=\"status\">{}</p>", esc(done)));
    }
    if let Some(e) = &q.error {
        b.push_str(&format!("<p class=\"notices-error\" role=\"alert\">{}</p>", esc(e)));
    }
    let manage = who.scope(Permission::ManageTasks).ok();
    let rows = match &manage {
        Some(Scope::Station(s)) => state.store.tasks(&month, Some(s.as_str()), None).await,
        Some(_) => state.store.tasks(&month, None, None).await,
        None => match who.scope(Permission::OwnTasks) {
            Ok(Scope::Units(units)) => {
                let mut all = vec![];
                for u in units.iter() {
                    match state.store.tasks(&month, None, Some(u.0)).await {
                        Ok(r) => all.extend(r),
                        Err(e) => return error_page(&e.to_string()),
                    }
                }
                Ok(all)
            }
            _ => Ok(vec![]),
        },
    };
    let mut rows = match rows {
        Ok(r) => r,
        Err(e) => return error_page(&e.to_string()),
    };
    // what needs doing first: submitted for a chief, open or returned for an officer
    let first = |t: &TaskRow| match (manage.is_some(), t.status.as_str()) {
        (true, "submitted") | (false, "returned") => 0,
        (false, "open") => 1,
        (true, "open" | "returned") => 1,
        _ => 2,
    };
    rows.sort_by_key(|t| (first(t), t.id));
    if manage.is_some() {
        b.push_str(&format!(
            "<section class=\"notices-desk\"><form method=\"post\" action=\"/tasks/generate\" class=\"notices-inline\">{token}\
             <button type=\"submit\">生成本月任务清单 · Make this month's lists</button></form> \
             <a href=\"/api/v1/review/tasks.csv?month={month}\">进度 CSV · progress CSV</a>"
        ));
        let station = match &manage {
            Some(Scope::Station(s)) => Some(s.as_str().to_owned()),
            _ => None,
        };
        match state.tasks.progress(state.tasks.this_month(), station.as_deref()).await {
            Ok(progress) if !progress.is_empty() => {
                b.push_str("<table class=\"notices-table\" data-table=\"progress\"><thead><tr><th>民警 Officer</th><th>共 Total</th><th>待办 Open</th><th>待审核 Submitted</th><th>已通过 Accepted</th><th>已退回 Returned</th></tr></thead><tbody>");
                for (p, _) in progress {
                    b.push_str(&format!(
                        "<tr data-unit=\"{u}\"><td>{st} {u}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                        p.total,
                        p.open,
                        p.submitted,
                        p.accepted,
                        p.returned,
                        u = esc(&p.callsign),
                        st = esc(&p.station),
                    ));
                }
                b.push_str("</tbody></table>");
            }
            _ => {}
        }
        b.push_str("</section>");
    }
    if rows.is_empty() {
        b.push_str("<p class=\"notices-empty\">本月没有任务 · No tasks this month</p>");
    }
    b.push_str("<ul class=\"notices-list\">");
    for t in &rows {
        b.push_str(&task_card(&state, t, manage.is_some(), &token).await);
    }
    b.push_str("</ul>");
    let html = format!(
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width, initial-scale=1\"><title>任务清单 · Tasks</title>\
         <link rel=\"stylesheet\" href=\"/pkg/command_room.css\"><script src=\"/tasks.js\" defer></script></head>\
         <body class=\"notices-page\"><main class=\"notices\">{b}</main></body></html>"
    );
    (StatusCode::OK, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}

fn error_page(e: &str) -> Response {
    tracing::error!(error = %e, "cannot read tasks");
    (StatusCode::SERVICE_UNAVAILABLE, "暂时无法读取任务 · Cannot read the tasks now").into_response()
}

async fn task_card(state: &AppState, t: &TaskRow, chief: bool, token: &str) -> String {
    let id = t.id;
    let mut c = format!(
        "<li class=\"notice\" data-task=\"{id}\" data-status=\"{st}\"><p class=\"notice-tag\">{kind} · {status}</p>\
         <h2>{title}</h2><p class=\"notice-meta\">{reason} · {unit}</p>",
        st = esc(&t.status),
        kind = kind_zh(&t.kind),
        status = status_zh(&t.status),
        title = esc(&t.title),
        reason = esc(&t.reason),
        unit = esc(&t.callsign),
    );
    if let Some(text) = &t.report_text {
        c.push_str(&format!("<p class=\"notice-body\">{}</p>", esc(text)));
        if let Ok(photos) = state.store.task_photos(id).await {
            for (pid, _, _) in photos {
                c.push_str(&format!(
                    "<a href=\"/api/v1/tasks/photos/{pid}\"><img class=\"task-photo\" alt=\"photo\" src=\"/api/v1/tasks/photos/{pid}\"></a>"
                ));
            }
        }
    }
    if let Some(note) = &t.review_note {
        c.push_str(&format!("<p class=\"notices-error\">退回意见 · Note: {}</p>", esc(note)));
    }
    match (chief, t.status.as_str()) {
        (false, "open" | "returned") => c.push_str(&format!(
            "<form method=\"post\" action=\"/tasks/{id}/report\" enctype=\"multipart/form-data\" class=\"task-report\">{token}\
             <label>完成情况 What was done <textarea name=\"text\" required maxlength=\"2000\" rows=\"3\"></textarea></label>\
             <label>照片 Photo <input type=\"file\" name=\"photo\" accept=\"image/jpeg,image/png,image/webp\"></label>\
             <div class=\"task-place\"><label>纬度 lat <input name=\"lat\" inputmode=\"decimal\"></label>\
             <label>经度 lon <input name=\"lon\" inputmode=\"decimal\"></label>\
             <button type=\"button\" class=\"task-locate\" hidden>使用我的位置 · Use my location</button></div>\
             <button type=\"submit\" data-action=\"report\">提交 · Report done</button></form>"
        )),
        (true, "submitted") => c.push_str(&format!(
            "<form method=\"post\" action=\"/tasks/{id}/accept\" class=\"notices-inline\">{token}\
             <button type=\"submit\" data-action=\"accept\">通过 · Accept</button></form>\
             <form method=\"post\" action=\"/tasks/{id}/return\" class=\"notices-inline\">{token}\
             <input name=\"note\" required maxlength=\"500\" placeholder=\"退回原因 · why\" aria-label=\"note\">\
             <button type=\"submit\" data-action=\"return\">退回 · Return</button></form>"
        )),
        _ => {}
    }
    c.push_str("</li>");
    c
}

fn back(result: Result<String, ApiError>) -> Response {
    let q = match result {
        Ok(done) => format!("done={}", urlencode(&done)),
        Err(e) => format!("error={}", urlencode(&e.to_string())),
    };
    Redirect::to(&format!("/tasks?{q}")).into_response()
}

/// `POST /tasks/{id}/report` (multipart: text, photo, lat, lon).
pub async fn report(State(state): State<AppState>, who: Caller, Path(id): Path<i64>, mp: Multipart) -> Response {
    back(
        async {
            let scope = TaskScope::owning(&who).map_err(ApiError::refused)?;
            let (text, lat, lon, photos) = crate::api::read_task_report(mp).await?;
            let at = match (lat, lon) {
                (Some(lat), Some(lon)) => Some(domain::Coordinates::parse(lat, lon).map_err(ApiError::bad)?),
                (None, None) => None,
                _ => return Err(ApiError::BadRequest("lat and lon go together: give both or neither".into())),
            };
            let mut cleaned = vec![];
            for data in photos {
                match tokio::task::spawn_blocking(move || crate::photo::clean(&data)).await {
                    Ok(Ok(p)) => cleaned.push(p),
                    Ok(Err(e)) => {
                        return Err(ApiError::UnsupportedMediaType(format!("the photo could not be read: {e}")));
                    }
                    Err(_) => return Err(ApiError::Unavailable),
                }
            }
            state.tasks.report(&scope, id, &text, at, cleaned, &who.name).await?;
            Ok(format!("#{id} 已提交 · reported"))
        }
        .await,
    )
}

#[derive(Debug, Deserialize)]
pub struct ReviewForm {
    #[allow(dead_code)]
    csrf: String,
    note: Option<String>,
}

fn manage_scope(who: &Caller) -> Result<TaskScope, ApiError> {
    TaskScope::managing(who).map_err(ApiError::refused)
}

/// `POST /tasks/{id}/accept`.
pub async fn accept(
    State(state): State<AppState>,
    who: Caller,
    Path(id): Path<i64>,
    Form(f): Form<ReviewForm>,
) -> Response {
    back(
        async {
            state.tasks.review(&manage_scope(&who)?, id, TaskAction::Accept, f.note.as_deref(), &who.name).await?;
            Ok(format!("#{id} 已通过 · accepted"))
        }
        .await,
    )
}

/// `POST /tasks/{id}/return`.
pub async fn give_back(
    State(state): State<AppState>,
    who: Caller,
    Path(id): Path<i64>,
    Form(f): Form<ReviewForm>,
) -> Response {
    back(
        async {
            state.tasks.review(&manage_scope(&who)?, id, TaskAction::Return, f.note.as_deref(), &who.name).await?;
            Ok(format!("#{id} 已退回 · returned"))
        }
        .await,
    )
}

#[derive(Debug, Deserialize)]
pub struct TokenForm {
    #[allow(dead_code)]
    csrf: String,
}

/// `POST /tasks/generate`: this month's lists (the chief's station; all for an administrator).
pub async fn generate(State(state): State<AppState>, who: Caller, Form(_): Form<TokenForm>) -> Response {
    back(
        async {
            let stations = match manage_scope(&who)? {
                TaskScope::Station(s) => vec![s],
                _ => state.tasks.stations(),
            };
            let month = state.tasks.this_month();
            let mut made = 0;
            for s in stations {
                made += state.tasks.generate(&s, month, &who.name).await?.len();
            }
            Ok(format!("{made} 项新任务 · new tasks: {made}"))
        }
        .await,
    )
}
