//! `/admin`: accounts (make, unlock, disable, enable, set a password),
//! device tokens (make, shown once; revoke) and the audit log (filtered,
//! paged, as CSV). For administrators only; every action here is itself
//! audited.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::session::SessionBar;
use crate::format;
use crate::i18n::{msg, role_label, t};
use crate::security::CsrfField;
use crate::server_fns::{AdminAddToken, AdminAddUser, AdminRevokeToken, AdminUser, get_admin, get_audit};
use crate::wire::{AuditQuery, TokenView, UserView};

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
                                    <h2>{t(msg::ADMIN_ACCOUNTS)}</h2>
                                    {move || result(user_action.value().get())}
                                    <table class="admin-table users-table">
                                        <thead>
                                            <tr>
                                                <th>{t(msg::LOGIN_NAME)}</th>
                                                <th>{t(msg::ADMIN_ROLE)}</th>
                                                <th>{t(msg::ADMIN_STATION_UNIT)}</th>
                                                <th>{t(msg::ADMIN_LAST_LOGIN)}</th>
                                                <th>{t(msg::ADMIN_STATE)}</th>
                                                <th>{t(msg::ADMIN_ACTIONS)}</th>
                                            </tr>
                                        </thead>
                                        <tbody>{users}</tbody>
                                    </table>
                                    <h3>{t(msg::ADMIN_NEW_ACCOUNT)}</h3>
                                    {move || result(add_user.value().get())}
                                    <ActionForm action=add_user attr:class="admin-form new-user-form">
                                        <CsrfField />
                                        <label>{t(msg::LOGIN_NAME)}<input name="form[name]" required maxlength="40" pattern="[A-Za-z0-9._-]{2,40}" /></label>
                                        <label>
                                            {t(msg::ADMIN_ROLE)}
                                            <select name="form[role]">
                                                {domain::access::Role::PEOPLE.iter().map(|r| view! { <option value=r.as_str()>{role_label(*r)}</option> }).collect_view()}
                                            </select>
                                        </label>
                                        <label>
                                            {t(msg::ADMIN_STATION_CHIEF)}
                                            <select name="form[station]">
                                                <option value="">"—"</option>
                                                {stations.into_iter().map(|(c, n)| view! { <option value=c.to_string()>{format!("{c} {n}")}</option> }).collect_view()}
                                            </select>
                                        </label>
                                        <label>
                                            {t(msg::ADMIN_UNIT_CALLSIGN_OFFICER)}
                                            <input name="form[unit]" list="admin-callsigns" maxlength="32" />
                                        </label>
                                        <datalist id="admin-callsigns">
                                            {callsigns.iter().map(|c| view! { <option value=c.clone()></option> }).collect_view()}
                                        </datalist>
                                        <label>{t(msg::ADMIN_PASSWORD_AT_LEAST_8)}<input name="form[password]" type="password" required minlength="8" maxlength="128" autocomplete="new-password" /></label>
                                        <button type="submit">{t(msg::ADMIN_CREATE)}</button>
                                    </ActionForm>
                                </section>
                                <section class="admin-section" id="tokens">
                                    <h2>{t(msg::ADMIN_DEVICE_TOKENS)}</h2>
                                    {move || result(revoke.value().get())}
                                    <table class="admin-table tokens-table">
                                        <thead>
                                            <tr>
                                                <th>{t(msg::NAME)}</th>
                                                <th>{t(msg::ADMIN_TOKEN_KIND)}</th>
                                                <th>{t(msg::ADMIN_BOUND_TO)}</th>
                                                <th>{t(msg::ADMIN_STARTS)}</th>
                                                <th>{t(msg::ADMIN_LAST_USED)}</th>
                                                <th>{t(msg::ADMIN_STATE)}</th>
                                                <th></th>
                                            </tr>
                                        </thead>
                                        <tbody>{tokens}</tbody>
                                    </table>
                                    <h3>{t(msg::ADMIN_NEW_TOKEN)}</h3>
                                    {move || add_token.value().get().map(|r| match r {
                                        Ok(token) => view! {
                                            <div class="new-token" role="status">
                                                <p>{t(msg::ADMIN_THE_NEW_TOKEN_SHOWN)}</p>
                                                <code class="token-value">{token}</code>
                                            </div>
                                        }.into_any(),
                                        Err(e) => view! { <p class="error admin-result" role="alert">{e.to_string()}</p> }.into_any(),
                                    })}
                                    <ActionForm action=add_token attr:class="admin-form new-token-form">
                                        <CsrfField />
                                        <label>{t(msg::NAME)}<input name="form[name]" required maxlength="40" pattern="[A-Za-z0-9._-]{2,40}" /></label>
                                        <label>
                                            {t(msg::ADMIN_TOKEN_KIND)}
                                            <select name="form[role]">
                                                {domain::access::Role::DEVICES.iter().map(|r| view! { <option value=r.as_str()>{role_label(*r)}</option> }).collect_view()}
                                            </select>
                                        </label>
                                        <label>{t(msg::ADMIN_UNIT_CALLSIGNS_TRACKER_SPACE)}<input name="form[units]" maxlength="2000" /></label>
                                        <label>{t(msg::ADMIN_CHAT_GROUPS_BRIDGE_SPACE)}<input name="form[groups]" maxlength="2000" /></label>
                                        <button type="submit">{t(msg::ADMIN_CREATE)}</button>
                                    </ActionForm>
                                </section>
                            }
                        })
                    })}
                </ErrorBoundary>
            </Suspense>
            <section class="admin-section" id="audit">
                <h2>{t(msg::ADMIN_AUDIT_LOG)}</h2>
                <form class="admin-filter" method="get" action="/admin#audit">
                    <label>{t(msg::ACTOR)}<input name="actor" value=query.actor.clone() maxlength="40" /></label>
                    <label>{t(msg::ADMIN_ACTION)}<input name="action" value=query.action.clone() maxlength="40" placeholder="login_failed" /></label>
                    <label>
                        {t(msg::ADMIN_OUTCOME)}
                        <select name="outcome">
                            {["", "ok", "refused", "failed"].into_iter().map(|o| view! { <option value=o selected=o == query.outcome>{if o.is_empty() { "—" } else { o }}</option> }).collect_view()}
                        </select>
                    </label>
                    <label>{t(msg::ADMIN_FROM)}<input type="date" name="from" value=query.from.clone() /></label>
                    <label>{t(msg::ADMIN_TO)}<input type="date" name="to" value=query.to.clone() /></label>
                    <button type="submit">{t(msg::ADMIN_FILTER)}</button>
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
                                        view! { <a class="audit-next" rel="external" href=audit_link(&q)>{t(msg::ADMIN_OLDER)}</a> }
                                    });
                                    view! {
                                        <table class="admin-table audit-table">
                                            <thead>
                                                <tr>
                                                    <th>{t(msg::ADMIN_WHEN)}</th>
                                                    <th>{t(msg::ACTOR)}</th>
                                                    <th>{t(msg::ADMIN_ACTION)}</th>
                                                    <th>{t(msg::ADMIN_TARGET)}</th>
                                                    <th>{t(msg::ADMIN_OUTCOME)}</th>
                                                    <th>{t(msg::ADMIN_DETAIL)}</th>
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
        format!("{} ({})", t(msg::ADMIN_DISABLED), u.disabled_why)
    } else if let Some(at) = u.locked_at {
        match u.locked_until {
            Some(until) => format!("{} {}", t(msg::ADMIN_LOCKED_UNTIL), format::date_hm(until, offset)),
            None => format!("{} {}", t(msg::ADMIN_LOCKED_SINCE), format::date_hm(at, offset)),
        }
    } else if u.sessions > 0 {
        format!("{} · {} {}", t(msg::ADMIN_ACTIVE), u.sessions, t(msg::ADMIN_SESSIONS))
    } else {
        t(msg::ADMIN_ACTIVE).to_owned()
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
                {locked.then(|| button("unlock", t(msg::ADMIN_UNLOCK)))}
                {if disabled { button("enable", t(msg::ADMIN_ENABLE)) } else { button("disable", t(msg::ADMIN_DISABLE)) }}
                <ActionForm action=action attr:class="inline-form password-form">
                    <CsrfField />
                    <input type="hidden" name="id" value=id2 />
                    <input type="hidden" name="action" value="password" />
                    <input type="password" name="password" minlength="8" maxlength="128" autocomplete="new-password" placeholder=t(msg::ADMIN_NEW_PASSWORD) />
                    <button type="submit" data-action="password">{t(msg::ADMIN_SET_PASSWORD)}</button>
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
        Some(at) => format!("{} {}", t(msg::ADMIN_REVOKED), format::date_hm(at, offset)),
        None => t(msg::ADMIN_VALID).to_owned(),
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
                        <button type="submit" data-action="revoke">{t(msg::ADMIN_REVOKE)}</button>
                    </ActionForm>
                })}
            </td>
        </tr>
    }
}
