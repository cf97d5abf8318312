//! `/admin`: accounts (make, unlock, disable, enable, set a password),
//! device tokens (make, shown once; revoke) and the audit log (filtered,
//! paged, as CSV). For administrators only; every action here is itself
//! audited.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::session::SessionBar;
use crate::format;
use crate::i18n::{Tr, lang, msg, role_label, t};
use crate::security::CsrfField;
use crate::server_fns::{AdminAddToken, AdminAddUser, AdminRevokeToken, AdminUser, get_admin, get_audit};
use crate::wire::{AuditQuery, TokenView, UserView};

fn tr(zh: &'static str, en: &'static str) -> &'static str {
    Tr(zh, en).get(lang())
}

#[component]
pub fn AdminPage() -> impl IntoView {
    let add_user = ServerAction::<AdminAddUser>::new();
    let user_action = ServerAction::<AdminUser>::new();
    let add_token = ServerAction::<AdminAddToken>::new();
    let revoke = ServerAction::<AdminRevokeToken>::new();
    let data = Resource::new(
        move || {
            add_user.version().get() + user_action.version().get() + add_token.version().get() + revoke.version().get()
        },
        |_| get_admin(),
    );
    let q = use_query_map();
    let query = q.with_untracked(|q| AuditQuery {
        actor: q.get("actor").unwrap_or_default(),
        action: q.get("action").unwrap_or_default(),
        outcome: q.get("outcome").unwrap_or_default(),
        from: q.get("from").unwrap_or_default(),
        to: q.get("to").unwrap_or_default(),
        before: q.get("before").and_then(|b| b.parse().ok()),
    });
    let audit_query = query.clone();
    let audit = Resource::new(
        move || (audit_query.clone(), user_action.version().get() + revoke.version().get()),
        |(q, _)| get_audit(q),
    );
    let result = move |v: Option<Result<String, crate::error::AppError>>| {
        v.map(|r| match r {
            Ok(m) => view! { <p class="ok admin-result" role="status">{m}</p> }.into_any(),
            Err(e) => view! { <p class="error admin-result" role="alert">{e.to_string()}</p> }.into_any(),
        })
    };
    view! {
        <Title text=format!("{} · {}", t(msg::ADMIN), t(msg::APP)) />
        <main class="admin-page">
            <header class="top-bar admin-head">
                <h1>{t(msg::ADMIN)}</h1>
                <SessionBar />
            </header>
            <Suspense fallback=|| view! { <p class="loading">{t(msg::LOADING)}</p> }>
                <ErrorBoundary fallback=crate::error_fallback>
                    {move || Suspend::new(async move {
                        data.await.map(|d| {
                            let offset = d.utc_offset_minutes;
                            let users = d.users.into_iter().map(|u| view! { <UserRow u offset action=user_action /> }).collect_view();
                            let tokens = d.tokens.into_iter().map(|k| view! { <TokenRow k offset action=revoke /> }).collect_view();
                            let stations = d.stations.clone();
                            let callsigns = d.callsigns.clone();
                            view! {
                                <section class="admin-section" id="users">
                                    <h2>{tr("账号", "Accounts")}</h2>
                                    {move || result(user_action.value().get())}
                                    <table class="admin-table users-table">
                                        <thead>
                                            <tr>
                                                <th>{tr("用户名", "Name")}</th>
                                                <th>{tr("角色", "Role")}</th>
                                                <th>{tr("警务站/单位", "Station / unit")}</th>
                                                <th>{tr("最近登录", "Last login")}</th>
                                                <th>{tr("状态", "State")}</th>
                                                <th>{tr("操作", "Actions")}</th>
                                            </tr>
                                        </thead>
                                        <tbody>{users}</tbody>
                                    </table>
                                    <h3>{tr("新建账号", "New account")}</h3>
                                    {move || result(add_user.value().get())}
                                    <ActionForm action=add_user attr:class="admin-form new-user-form">
                                        <CsrfField />
                                        <label>{tr("用户名", "Name")}<input name="form[name]" required maxlength="40" pattern="[A-Za-z0-9._-]{2,40}" /></label>
                                        <label>
                                            {tr("角色", "Role")}
                                            <select name="form[role]">
                                                {domain::access::Role::PEOPLE.iter().map(|r| view! { <option value=r.as_str()>{role_label(*r)}</option> }).collect_view()}
                                            </select>
                                        </label>
                                        <label>
                                            {tr("警务站（所长）", "Station (chief)")}
                                            <select name="form[station]">
                                                <option value="">"—"</option>
                                                {stations.into_iter().map(|(c, n)| view! { <option value=c.to_string()>{format!("{c} {n}")}</option> }).collect_view()}
                                            </select>
                                        </label>
                                        <label>
                                            {tr("单位呼号（民警）", "Unit callsign (officer)")}
                                            <input name="form[unit]" list="admin-callsigns" maxlength="32" />
                                        </label>
                                        <datalist id="admin-callsigns">
                                            {callsigns.iter().map(|c| view! { <option value=c.clone()></option> }).collect_view()}
                                        </datalist>
                                        <label>{tr("初始密码（至少8位）", "Password (at least 8)")}<input name="form[password]" type="password" required minlength="8" maxlength="128" autocomplete="new-password" /></label>
                                        <button type="submit">{tr("新建", "Create")}</button>
                                    </ActionForm>
                                </section>
                                <section class="admin-section" id="tokens">
                                    <h2>{tr("设备令牌", "Device tokens")}</h2>
                                    {move || result(revoke.value().get())}
                                    <table class="admin-table tokens-table">
                                        <thead>
                                            <tr>
                                                <th>{tr("名称", "Name")}</th>
                                                <th>{tr("类型", "Role")}</th>
                                                <th>{tr("绑定", "Bound to")}</th>
                                                <th>{tr("开头", "Starts")}</th>
                                                <th>{tr("最近使用", "Last used")}</th>
                                                <th>{tr("状态", "State")}</th>
                                                <th></th>
                                            </tr>
                                        </thead>
                                        <tbody>{tokens}</tbody>
                                    </table>
                                    <h3>{tr("新建令牌", "New token")}</h3>
                                    {move || add_token.value().get().map(|r| match r {
                                        Ok(token) => view! {
                                            <div class="new-token" role="status">
                                                <p>{tr("新令牌（只显示这一次，请立即复制到设备上）：", "The new token (shown this once: copy it to the device now):")}</p>
                                                <code class="token-value">{token}</code>
                                            </div>
                                        }.into_any(),
                                        Err(e) => view! { <p class="error admin-result" role="alert">{e.to_string()}</p> }.into_any(),
                                    })}
                                    <ActionForm action=add_token attr:class="admin-form new-token-form">
                                        <CsrfField />
                                        <label>{tr("名称", "Name")}<input name="form[name]" required maxlength="40" pattern="[A-Za-z0-9._-]{2,40}" /></label>
                                        <label>
                                            {tr("类型", "Role")}
                                            <select name="form[role]">
                                                {domain::access::Role::DEVICES.iter().map(|r| view! { <option value=r.as_str()>{role_label(*r)}</option> }).collect_view()}
                                            </select>
                                        </label>
                                        <label>{tr("单位呼号（定位终端，空格分隔）", "Unit callsigns (tracker; space-separated)")}<input name="form[units]" maxlength="2000" /></label>
                                        <label>{tr("群号（网关，空格分隔）", "Chat groups (bridge; space-separated)")}<input name="form[groups]" maxlength="2000" /></label>
                                        <button type="submit">{tr("新建", "Create")}</button>
                                    </ActionForm>
                                </section>
                            }
                        })
                    })}
                </ErrorBoundary>
            </Suspense>
            <section class="admin-section" id="audit">
                <h2>{tr("审计日志", "Audit log")}</h2>
                <form class="admin-filter" method="get" action="/admin#audit">
                    <label>{tr("操作人", "Actor")}<input name="actor" value=query.actor.clone() maxlength="40" /></label>
                    <label>{tr("动作", "Action")}<input name="action" value=query.action.clone() maxlength="40" placeholder="login_failed" /></label>
                    <label>
                        {tr("结果", "Outcome")}
                        <select name="outcome">
                            {["", "ok", "refused", "failed"].into_iter().map(|o| view! { <option value=o selected=o == query.outcome>{if o.is_empty() { "—" } else { o }}</option> }).collect_view()}
                        </select>
                    </label>
                    <label>{tr("从", "From")}<input type="date" name="from" value=query.from.clone() /></label>
                    <label>{tr("到", "To")}<input type="date" name="to" value=query.to.clone() /></label>
                    <button type="submit">{tr("筛选", "Filter")}</button>
                    <a class="csv-link" rel="external" href=audit_csv(&query)>"CSV"</a>
                </form>
                <Suspense fallback=|| view! { <p class="loading">{t(msg::LOADING)}</p> }>
                    <ErrorBoundary fallback=crate::error_fallback>
                        {move || {
                            let query = query.clone();
                            Suspend::new(async move {
                                audit.await.map(|page| {
                                    let offset = page.utc_offset_minutes;
                                    let next = page.next.map(|b| {
                                        let mut q = query.clone();
                                        q.before = Some(b);
                                        view! { <a class="audit-next" rel="external" href=audit_link(&q)>{tr("更早 →", "Older →")}</a> }
                                    });
                                    view! {
                                        <table class="admin-table audit-table">
                                            <thead>
                                                <tr>
                                                    <th>{tr("时间", "When")}</th>
                                                    <th>{tr("操作人", "Actor")}</th>
                                                    <th>{tr("动作", "Action")}</th>
                                                    <th>{tr("对象", "Target")}</th>
                                                    <th>{tr("结果", "Outcome")}</th>
                                                    <th>{tr("说明", "Detail")}</th>
                                                    <th>IP</th>
                                                </tr>
                                            </thead>
                                            <tbody>
                                                {page.rows.into_iter().map(|r| {
                                                    let class = format!("audit-{}", r.outcome);
                                                    let data_action = r.action.clone();
                                                    view! {
                                                    <tr class=class data-action=data_action>
                                                        <td>{format::date_hm(r.at, offset)}</td>
                                                        <td>{if r.actor.is_empty() { "—".to_owned() } else { format!("{} ({})", r.actor, r.role) }}</td>
                                                        <td>{r.action}</td>
                                                        <td>{r.target}</td>
                                                        <td>{r.outcome}</td>
                                                        <td>{r.detail}</td>
                                                        <td>{r.ip}</td>
                                                    </tr>
                                                    }
                                                }).collect_view()}
                                            </tbody>
                                        </table>
                                        {next}
                                    }
                                })
                            })
                        }}
                    </ErrorBoundary>
                </Suspense>
            </section>
        </main>
    }
}

fn audit_params(q: &AuditQuery) -> String {
    let mut p = vec![];
    for (k, v) in
        [("actor", &q.actor), ("action", &q.action), ("outcome", &q.outcome), ("from", &q.from), ("to", &q.to)]
    {
        if !v.is_empty() {
            p.push(format!("{k}={}", urlencode(v)));
        }
    }
    if let Some(b) = q.before {
        p.push(format!("before={b}"));
    }
    p.join("&")
}

fn audit_link(q: &AuditQuery) -> String {
    format!("/admin?{}#audit", audit_params(q))
}

fn audit_csv(q: &AuditQuery) -> String {
    let mut q = q.clone();
    q.before = None;
    format!("/api/v1/audit.csv?{}", audit_params(&q))
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[component]
fn UserRow(u: UserView, offset: i32, action: ServerAction<AdminUser>) -> impl IntoView {
    let state = if u.disabled_at.is_some() {
        format!("{} ({})", tr("已停用", "disabled"), u.disabled_why)
    } else if let Some(at) = u.locked_at {
        match u.locked_until {
            Some(until) => format!("{} {}", tr("已锁定至", "locked until"), format::date_hm(until, offset)),
            None => format!("{} {}", tr("已锁定", "locked since"), format::date_hm(at, offset)),
        }
    } else if u.sessions > 0 {
        format!("{} · {} {}", tr("正常", "active"), u.sessions, tr("个会话", "sessions"))
    } else {
        tr("正常", "active").to_owned()
    };
    let bound = match (&u.station, &u.unit) {
        (Some(s), _) => s.to_string(),
        (_, Some(c)) => c.clone(),
        _ => String::new(),
    };
    let id = u.id.to_string();
    let button = move |what: &'static str, label: &'static str| {
        let id = id.clone();
        view! {
            <ActionForm action=action attr:class="inline-form">
                <CsrfField />
                <input type="hidden" name="id" value=id />
                <input type="hidden" name="action" value=what />
                <button type="submit" data-action=what>{label}</button>
            </ActionForm>
        }
    };
    let locked = u.locked_at.is_some();
    let disabled = u.disabled_at.is_some();
    let id2 = u.id.to_string();
    view! {
        <tr data-user=u.name.clone() class:locked=locked class:disabled=disabled>
            <td>{u.name.clone()}{u.demo.then(|| view! { <span class="demo-tag">{t(msg::DEMO)}</span> })}</td>
            <td>{role_label(u.role)}</td>
            <td>{bound}</td>
            <td>{u.last_login_at.map(|t| format::date_hm(t, offset)).unwrap_or_else(|| "—".into())}</td>
            <td class="user-state">{state}</td>
            <td class="user-actions">
                {locked.then(|| button("unlock", tr("解锁", "Unlock")))}
                {if disabled { button("enable", tr("启用", "Enable")) } else { button("disable", tr("停用", "Disable")) }}
                <ActionForm action=action attr:class="inline-form password-form">
                    <CsrfField />
                    <input type="hidden" name="id" value=id2 />
                    <input type="hidden" name="action" value="password" />
                    <input type="password" name="password" minlength="8" maxlength="128" autocomplete="new-password" placeholder=tr("新密码", "new password") />
                    <button type="submit" data-action="password">{tr("重设密码", "Set password")}</button>
                </ActionForm>
            </td>
        </tr>
    }
}

#[component]
fn TokenRow(k: TokenView, offset: i32, action: ServerAction<AdminRevokeToken>) -> impl IntoView {
    let bound = if !k.units.is_empty() { k.units.join(" ") } else { k.groups.join(" ") };
    let revoked = k.revoked_at.is_some();
    let state = match k.revoked_at {
        Some(at) => format!("{} {}", tr("已吊销", "revoked"), format::date_hm(at, offset)),
        None => tr("有效", "valid").to_owned(),
    };
    let id = k.id.to_string();
    view! {
        <tr data-token=k.name.clone() class:revoked=revoked>
            <td>{k.name.clone()}{k.demo.then(|| view! { <span class="demo-tag">{t(msg::DEMO)}</span> })}</td>
            <td>{role_label(k.role)}</td>
            <td>{bound}</td>
            <td><code>{format!("{}…", k.hint)}</code></td>
            <td>{k.last_used_at.map(|t| format::date_hm(t, offset)).unwrap_or_else(|| "—".into())}</td>
            <td>{state}</td>
            <td>
                {(!revoked).then(|| view! {
                    <ActionForm action=action attr:class="inline-form">
                        <CsrfField />
                        <input type="hidden" name="id" value=id.clone() />
                        <button type="submit" data-action="revoke">{tr("吊销", "Revoke")}</button>
                    </ActionForm>
                })}
            </td>
        </tr>
    }
}
