//! The chat-group steward desk (群管家工作台): every resident message from the
//! community chat groups, newest first and live, each with its reply timer
//! (the policy's chat reply target; amber at 80%, red at 100%). The steward
//! replies, answers a consultation, marks it not police business, or turns
//! it into an incident in one step (category proposed by the triage rules,
//! location from the message, typed, a known place or a click on the map);
//! once that incident is resolved the desk offers the closing reply.
//!
//! Stewards name themselves in the name field (no accounts). Every action
//! is a plain form that works without JavaScript and from the keyboard
//! (J/K next/previous message, R reply, I convert, Esc leave a field).
//! Resident text is always rendered as text, never as HTML.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::board::{Clock, LinkBadge};
use crate::components::location::{LocationPicker, PickedLocation};
use crate::components::map::{MapView, Overlay};
use crate::components::session::SessionBar;
use crate::error::AppError;
use crate::format;
use crate::i18n::{self, Lang, msg, t};
use crate::live::Live;
use crate::security::CsrfField;
use crate::server_fns::{DeskAnswer, DeskClose, DeskConvert, get_desk, get_desk_message};
use crate::wire::{ChatMessageView, DeskData, DeskMessage, Place};
use domain::chat::Disposition;
use domain::{Category, IncidentStatus, ResponsePolicy};

#[derive(Debug, Clone, Default)]
struct Preset {
    message: Option<i64>,
}

#[component]
pub fn DeskPage() -> impl IntoView {
    let query = use_query_map();
    let preset = query.with_untracked(|q| Preset {
        message: q.get("message").and_then(|s| s.parse::<i64>().ok()).filter(|n| *n > 0),
    });
    let data = Resource::new(|| (), |_| get_desk());
    view! {
        <Title text=format!("{} · {}", t(msg::DESK), t(msg::APP)) />
        <Suspense fallback=|| view! { <p class="loading">{t(msg::LOADING)}</p> }>
            <ErrorBoundary fallback=crate::error_fallback>
                {move || {
                    let preset = preset.clone();
                    Suspend::new(async move { data.await.map(|d| view! { <Desk data=d preset=preset /> }) })
                }}
            </ErrorBoundary>
        </Suspense>
    }
}

/// A link to the desk keeping the language.
fn desk_href(message: Option<i64>, en: bool) -> String {
    let mut q = vec![];
    if let Some(m) = message {
        q.push(format!("message={m}"));
    }
    if en {
        q.push("lang=en".to_owned());
    }
    if q.is_empty() { "/desk".to_owned() } else { format!("/desk?{}", q.join("&")) }
}

/// Answered: replied to, or closed as a consultation / not police business.
fn answered(m: &ChatMessageView) -> bool {
    m.first_reply_at.is_some() || matches!(m.disposition, Some(Disposition::Consultation | Disposition::NotPolice))
}

#[component]
fn Desk(data: DeskData, preset: Preset) -> impl IntoView {
    let live = Live::new(&data.board);
    live.chat.set(data.messages.iter().map(|m| (m.id, m.clone())).collect());
    let offset = data.board.map.utc_offset_minutes;
    let policy = StoredValue::new(data.board.map.policy.clone());
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        crate::live::client::start(live, String::new());
    });
    // Messages that arrived while the stream was down are not in the fresh
    // snapshot it resumes with: after a reconnection, load the latest again.
    #[cfg(feature = "hydrate")]
    {
        let was_down = StoredValue::new(false);
        Effect::new(move |_| match live.link.get() {
            crate::live::Link::Reconnecting => was_down.set_value(true),
            crate::live::Link::Live if was_down.get_value() => {
                was_down.set_value(false);
                leptos::task::spawn_local(async move {
                    if let Ok(d) = get_desk().await {
                        live.chat.update(|m| m.extend(d.messages.into_iter().map(|x| (x.id, x))));
                    }
                });
            }
            _ => {}
        });
    }
    let selected = RwSignal::new(preset.message);
    let answer = ServerAction::<DeskAnswer>::new();
    let convert = ServerAction::<DeskConvert>::new();
    let close = ServerAction::<DeskClose>::new();
    // newest first
    let messages = Memo::new(move |_| live.chat.with(|m| m.values().rev().cloned().collect::<Vec<_>>()));
    let waiting = move || messages.with(|l| l.iter().filter(|m| !answered(m)).count());
    let loops = move || messages.with(|l| l.iter().filter(|m| m.loop_open()).count());
    #[cfg(feature = "hydrate")]
    shortcuts(messages, selected);
    let map = StoredValue::new(data.board.map.clone());
    let places = StoredValue::new(data.board.map.places.clone());
    view! {
        <div class="desk" data-page="desk">
            <header class="top-bar">
                <h1>
                    {data.board.map.name.clone()}
                    <span class="sub">{t(msg::DESK)}</span>
                </h1>
                <SessionBar />
                <p class="shortcuts" aria-label=t(msg::KEYBOARD_SHORTCUTS)>
                    {t(msg::DESK_KEYS_HELP)}
                </p>
                <LinkBadge live=live />
                <Clock live=live offset_minutes=offset />
            </header>
            <div class="desk-main">
                <section class="panel desk-queue" aria-label=t(msg::DESK_MESSAGES)>
                    <h2>
                        {t(msg::DESK_MESSAGES)}
                        <span class="desk-counts">
                            <span class="count-waiting" data-waiting=move || waiting().to_string()>
                                {move || format!("{} {}", t(msg::DESK_WAITING), waiting())}
                            </span>
                            " · "
                            <span class="count-loops">{move || format!("{} {}", t(msg::DESK_TO_CLOSE), loops())}</span>
                        </span>
                    </h2>
                    <ol class="chat-list">
                        <For each=move || messages.get() key=|m| (m.id, m.first_reply_at, m.disposition, m.incident_status, m.loop_closed_at) let:m>
                            <ChatCard m=m live=live policy=policy selected=selected offset=offset />
                        </For>
                    </ol>
                    {move || messages.with(Vec::is_empty).then(|| view! { <p class="hint">{t(msg::DESK_NO_MESSAGES_YET)}</p> })}
                </section>
                <section class="panel desk-detail">
                    <Detail
                        selected=selected
                        live=live
                        answer=answer
                        convert=convert
                        close=close
                        offset=offset
                        map=map
                        places=places
                    />
                </section>
            </div>
        </div>
    }
}

#[component]
fn ChatCard(
    m: ChatMessageView,
    live: Live,
    policy: StoredValue<ResponsePolicy>,
    selected: RwSignal<Option<i64>>,
    offset: i32,
) -> impl IntoView {
    let lang = i18n::lang();
    let en = lang == Lang::En;
    let id = m.id;
    let timer = policy.with_value(|p| m.reply_timer(p));
    let replied_in = m.first_reply_at.map(|at| (at - m.received_at).num_milliseconds() as f64 / 1000.0);
    let timer_text = move || {
        let now = live.now.get();
        match replied_in {
            Some(s) => format!("✓ {}", format::duration(Some(s))),
            None => format::countdown(timer.remaining_s(now)),
        }
    };
    let level = move || timer.level(live.now.get()).as_str();
    let status = status_line(&m, lang);
    let href = move || desk_href(Some(id), en);
    let on_click = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        selected.set(Some(id));
    };
    let loop_open = m.loop_open();
    view! {
        <li
            class="chat-card"
            class:selected=move || selected.get() == Some(id)
            class:waiting=!answered(&m)
            class:loop-open=loop_open
            data-message-id=id.to_string()
        >
            <a href=href on:click=on_click rel="external">
                <div class="chat-head">
                    <span class="chat-group">{m.group_name.clone()}</span>
                    <span class="chat-sender">{m.sender_name.clone()}</span>
                    <time>{format::clock(m.received_at, offset)}</time>
                    <span
                        class=move || format!("reply-timer lvl-{}", level())
                        data-level=level
                        title=t(msg::DESK_REPLY_TIMER)
                    >
                        {timer_text}
                    </span>
                </div>
                <p class="chat-text">{m.text.clone()}</p>
                <p class="chat-status">{status}</p>
            </a>
        </li>
    }
}

/// What became of a message, in a few words.
fn status_line(m: &ChatMessageView, lang: Lang) -> String {
    let mut parts = vec![];
    match m.disposition {
        Some(d) => parts.push(i18n::disposition(d).get(lang).to_owned()),
        None if m.first_reply_at.is_none() => parts.push(msg::DESK_WAITING_FOR_REPLY.get(lang).to_owned()),
        None => {}
    }
    if let (Some(i), Some(s)) = (m.incident, m.incident_status) {
        parts.push(format!("#{i} {}", i18n::incident_status(s).get(lang)));
    }
    if m.loop_closed_at.is_some() {
        parts.push(msg::DESK_LOOP_CLOSED.get(lang).to_owned());
    } else if m.loop_open() {
        parts.push(msg::DESK_TELL_GROUP_HANDLED.get(lang).to_owned());
    }
    if let Some(by) = &m.answered_by {
        parts.push(format!("{} {by}", msg::DESK_HANDLED_BY.get(lang)));
    }
    parts.join(" · ")
}

#[component]
fn Detail(
    selected: RwSignal<Option<i64>>,
    live: Live,
    answer: ServerAction<DeskAnswer>,
    convert: ServerAction<DeskConvert>,
    close: ServerAction<DeskClose>,
    offset: i32,
    map: StoredValue<crate::wire::MapData>,
    places: StoredValue<Vec<Place>>,
) -> impl IntoView {
    // the detail follows the message's every change on the stream and every action
    let detail = Resource::new(
        move || {
            let id = selected.get();
            let version = id.and_then(|id| live.chat.with(|m| m.get(&id).cloned()));
            (id, version, answer.version().get() + convert.version().get() + close.version().get())
        },
        |(id, _, _)| async move {
            match id {
                Some(id) => get_desk_message(id).await.map(Some),
                None => Ok(None),
            }
        },
    );
    let body = move || {
        Suspend::new(async move {
            match detail.await {
                Ok(Some(d)) => view! {
                    <MessageDetail d=d live=live answer=answer convert=convert close=close offset=offset map=map places=places />
                }
                .into_any(),
                Ok(None) => view! { <p class="hint">{t(msg::DESK_PICK_A_MESSAGE_ON)}</p> }.into_any(),
                Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
            }
        })
    };
    // what the last action came to (cleared when another message is picked)
    let last: RwSignal<Option<Result<String, AppError>>> = RwSignal::new(None);
    let dismissed = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(r) = answer.value().get() {
            last.set(Some(r.map(|_| t(msg::DESK_SAVED_SENDING_TO_THE).to_owned())));
        }
    });
    Effect::new(move |_| {
        if let Some(r) = convert.value().get() {
            last.set(Some(r.map(|i| format!("{} #{}", t(msg::DESK_INCIDENT_CREATED), i.id))));
        }
    });
    Effect::new(move |_| {
        if let Some(r) = close.value().get() {
            last.set(Some(r.map(|_| t(msg::DESK_CLOSING_REPLY_SAVED_SENDING).to_owned())));
        }
    });
    Effect::new(move |prev: Option<Option<i64>>| {
        let now = selected.get();
        if prev.is_some_and(|p| p != now) {
            last.set(None);
            dismissed.set(true);
        }
        now
    });
    let outcome = move || {
        // without JavaScript the page is rendered after the post: the action's value is all there is
        let result = last.get().or_else(|| {
            if dismissed.get() {
                return None;
            }
            match (answer.value().get(), convert.value().get(), close.value().get()) {
                (Some(Err(e)), _, _) | (_, Some(Err(e)), _) | (_, _, Some(Err(e))) => Some(Err(e)),
                _ => None,
            }
        });
        match result {
            None => ().into_any(),
            Some(Ok(m)) => view! { <p class="ok" role="status">{m}</p> }.into_any(),
            Some(Err(AppError::Conflict(m))) => view! {
                <div class="error conflict" role="alert" data-conflict="true">
                    <p>{t(msg::DESK_NOT_SENT_ANOTHER_STEWARD)}</p>
                    <p class="detail">{m}</p>
                </div>
            }
            .into_any(),
            Some(Err(e)) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
        }
    };
    view! {
        {outcome}
        <Transition fallback=|| view! { <p class="loading">{t(msg::LOADING)}</p> }>{body}</Transition>
    }
}

#[component]
fn MessageDetail(
    d: DeskMessage,
    live: Live,
    answer: ServerAction<DeskAnswer>,
    convert: ServerAction<DeskConvert>,
    close: ServerAction<DeskClose>,
    offset: i32,
    map: StoredValue<crate::wire::MapData>,
    places: StoredValue<Vec<Place>>,
) -> impl IntoView {
    let lang = i18n::lang();
    let en = lang == Lang::En;
    let m = d.message.clone();
    let id = m.id;
    // Resident text goes into an input's value (an attribute, escaped), never
    // into a textarea's content: Leptos writes a textarea's text unescaped.
    let desc = m.text.clone();
    let loop_open = m.loop_open();
    let can_answer = !answered(&m);
    let can_convert =
        m.incident.is_none() && !matches!(m.disposition, Some(Disposition::Consultation | Disposition::NotPolice));
    let proposal = d.proposal.clone();
    let proposal_line = proposal.as_ref().map(|p| {
        view! {
            <p class="proposal" data-category=p.category.as_str()>
                {format!(
                    "{}{} · {}（{}“{}”）",
                    t(msg::DESK_PROPOSED),
                    i18n::category(p.category).get(lang),
                    i18n::priority(p.priority).get(lang),
                    t(msg::DESK_KEYWORD),
                    p.keyword
                )}
            </p>
        }
    });
    let location = match (m.lat, m.lon) {
        (Some(a), Some(b)) => format!("{a:.5}, {b:.5} {}", m.address),
        _ if !m.address.is_empty() => format!("{} ({})", m.address, t(msg::DESK_NO_COORDINATES)),
        _ => t(msg::DESK_THE_MESSAGE_HAS_NO).to_owned(),
    };
    let attachments = m.attachments.iter().map(|a| view! { <li>{a.clone()}</li> }).collect_view();
    let incident_line = m.incident.map(|i| {
        let status = m.incident_status.map(|s| i18n::incident_status(s).get(lang)).unwrap_or("?");
        let href = format!("/dispatch?incident={i}{}", if en { "&lang=en" } else { "" });
        view! {
            <p class="linked-incident" data-incident-id=i.to_string() data-incident-status=m.incident_status.map(|s| s.as_str()).unwrap_or("")>
                {t(msg::DESK_INCIDENT)}" "
                <a href=href rel="external">{format!("#{i}")}</a>
                " · "{status}
            </p>
        }
    });
    let replies = d
        .replies
        .iter()
        .map(|r| {
            let delivery = match r.delivery.as_str() {
                "delivered" => t(msg::DESK_DELIVERED),
                "pending" => t(msg::DESK_SENDING),
                "failed" => t(msg::DESK_FAILED),
                _ => t(msg::DESK_NO_WEBHOOK_FOR_THIS),
            };
            let err = r.last_error.clone().map(|e| format!(" ({e}, {}×)", r.attempts));
            view! {
                <li class=format!("reply delivery-{}", r.delivery) data-delivery=r.delivery.clone()>
                    <time>{format::clock(r.created_at, offset)}</time>
                    <span class="reply-who">{r.steward.clone()}</span>
                    <span class="reply-text">{r.text.clone()}</span>
                    <span class="reply-delivery">{delivery}{err}</span>
                </li>
            }
        })
        .collect_view();

    // the convert form's location: the message's own, a click on the map, a known place
    let conv_at = PickedLocation::at(m.lat, m.lon);
    let conv_addr = RwSignal::new(m.address.clone());
    let on_pick = Callback::new(move |(lat, lon): (f64, f64)| conv_at.set(lat, lon));
    let overlay = Signal::derive(move || Overlay { target: conv_at.position(), candidates: vec![] });
    let proposed = proposal.as_ref().map(|p| p.category);
    let proposed_priority = proposal.as_ref().map(|p| p.priority);
    let categories = Category::ALL
        .iter()
        .map(|c| {
            view! { <option value=c.as_str() selected=Some(*c) == proposed>{i18n::category(*c).get(lang)}</option> }
        })
        .collect_view();
    let priority_option = move |p: domain::Priority| {
        view! { <option value=p.get().to_string() selected=Some(p) == proposed_priority>{i18n::priority(p).get(lang)}</option> }
    };
    let known_places = places.get_value();

    view! {
        <article class="message-detail" data-message-id=id.to_string()>
            <h2>{format!("{} · {}", m.group_name, m.sender_name)}</h2>
            <dl>
                <dt>{t(msg::DESK_RECEIVED)}</dt>
                <dd>{format::clock(m.received_at, offset)}</dd>
                <dt>{t(msg::DESK_PHONE)}</dt>
                <dd class="sender-phone">{d.sender_phone.clone().unwrap_or_else(|| "—".to_owned())}</dd>
                <dt>{t(msg::ADDRESS)}</dt>
                <dd>{location}</dd>
            </dl>
            <blockquote class="chat-text full">{m.text.clone()}</blockquote>
            {(!m.attachments.is_empty()).then(|| view! { <ul class="attachments">{attachments}</ul> })}
            {proposal_line}
            {incident_line}
            {(!d.has_webhook).then(|| view! {
                <p class="hint">{t(msg::DESK_THIS_GROUP_HAS_NO)}</p>
            })}

            {can_answer.then(|| view! {
                <ActionForm action=answer attr:class="desk-form reply-form">
                    <CsrfField />
                    <input type="hidden" name="id" value=id.to_string() />
                    <input type="hidden" name="disposition" value="replied" />
                    <label for="reply-text">{t(msg::DESK_REPLY_TO_THE_GROUP)}</label>
                    <textarea id="reply-text" name="text" rows="3" maxlength="1000" required></textarea>
                    <button type="submit" class="send-reply">{t(msg::DESK_SEND_REPLY)}</button>
                </ActionForm>
                <div class="desk-quick">
                    <ActionForm action=answer attr:class="desk-form">
                        <CsrfField />
                        <input type="hidden" name="id" value=id.to_string() />
                        <input type="hidden" name="disposition" value="consultation" />
                        <input type="hidden" name="text" value="" />
                        <button type="submit" class="mark-consultation">{t(msg::DESK_CONSULTATION_ANSWERED)}</button>
                    </ActionForm>
                    <ActionForm action=answer attr:class="desk-form">
                        <CsrfField />
                        <input type="hidden" name="id" value=id.to_string() />
                        <input type="hidden" name="disposition" value="not_police" />
                        <input type="hidden" name="text" value="" />
                        <button type="submit" class="mark-not-police">{t(msg::DESK_NOT_POLICE_BUSINESS)}</button>
                    </ActionForm>
                </div>
            })}

            {can_convert.then(|| view! {
                <details class="convert" open=true>
                    <summary>{t(msg::DESK_MAKE_IT_AN_INCIDENT)}</summary>
                    <ActionForm action=convert attr:class="desk-form convert-form">
                        <CsrfField />
                        <input type="hidden" name="id" value=id.to_string() />
                        <div class="row">
                            <label>
                                {t(msg::CATEGORY)}
                                <select id="convert-category" name="form[category]">{categories}</select>
                            </label>
                            <label>
                                {t(msg::PRIORITY)}
                                <select name="form[priority]">
                                    <option value="">"—"</option>
                                    {priority_option(domain::Priority::URGENT)}
                                    {priority_option(domain::Priority::NORMAL)}
                                    {priority_option(domain::Priority::LOW)}
                                </select>
                            </label>
                        </div>
                        <LocationPicker
                            location=conv_at
                            names=["form[lat]", "form[lon]", "form[place]"]
                            places=(known_places, msg::DESK_OR_A_KNOWN_PLACE)
                        />
                        <p class="hint">{t(msg::DESK_OR_CLICK_THE_MAP)}</p>
                        <label>
                            {t(msg::ADDRESS)}
                            <input name="form[address]" maxlength="200" value=conv_addr.get_untracked() prop:value=move || conv_addr.get() on:input=move |ev| conv_addr.set(event_target_value(&ev)) />
                        </label>
                        <label>
                            {t(msg::DESCRIPTION)}
                            <input name="form[description]" maxlength="2000" value=desc />
                        </label>
                        <label>
                            {t(msg::DESK_ALSO_REPLY)}
                            <input name="form[reply]" maxlength="1000" value=t(msg::CONVERT_REPLY) />
                        </label>
                        <button type="submit" class="convert-button">{t(msg::DESK_MAKE_IT_AN_INCIDENT)}</button>
                    </ActionForm>
                    <div class="desk-map">
                        <MapView map=map.get_value() live=live overlay=overlay on_pick=on_pick />
                    </div>
                </details>
            })}

            {loop_open.then(|| view! {
                <ActionForm action=close attr:class="desk-form close-form">
                    <CsrfField />
                    <input type="hidden" name="id" value=id.to_string() />
                    <label for="closing-text">{t(msg::DESK_THE_INCIDENT_IS_RESOLVED)}</label>
                    <textarea id="closing-text" name="text" rows="2" maxlength="1000" required>{t(msg::CLOSING_REPLY)}</textarea>
                    <button type="submit" class="close-loop">{t(msg::DESK_SEND_AND_CLOSE_THE)}</button>
                </ActionForm>
            })}
            {m.loop_closed_at.map(|at| view! {
                <p class="loop-closed">{format!("{} {}", t(msg::DESK_LOOP_CLOSED_AT), format::clock(at, offset))}</p>
            })}
            {(m.incident.is_some() && !loop_open && m.loop_closed_at.is_none()
                && !matches!(m.incident_status, Some(IncidentStatus::Cancelled)))
                .then(|| view! { <p class="hint">{t(msg::DESK_ONCE_THE_INCIDENT_IS)}</p> })}

            <h3>{t(msg::DESK_REPLIES_SENT)}</h3>
            <ol class="replies">{replies}</ol>
        </article>
    }
}

/// J/K move through the messages, R focuses the reply, I the convert form.
#[cfg(feature = "hydrate")]
fn shortcuts(messages: Memo<Vec<ChatMessageView>>, selected: RwSignal<Option<i64>>) {
    use crate::components::list_shortcuts::{focus, use_list_shortcuts};
    let list = move || messages.with_untracked(|l| l.iter().map(|m| m.id).collect());
    use_list_shortcuts(list, selected, |key, ev| match key {
        "r" | "R" => {
            ev.prevent_default();
            focus("reply-text");
        }
        "i" | "I" => {
            ev.prevent_default();
            focus("convert-category");
        }
        _ => {}
    });
}

/// The review's desk section: what the chat-group desk did in the period
/// (all groups; the station filter does not apply to chat messages).
#[component]
pub fn DeskReviewSection(from: String, to: String) -> impl IntoView {
    let q = format!("/api/v1/review/desk?from={from}&to={to}");
    let report = Resource::new(move || (from.clone(), to.clone()), |(f, t)| crate::server_fns::get_desk_review(f, t));
    let body = move || {
        Suspend::new(async move {
            match report.await {
                Err(e) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
                Ok(r) => {
                    let f = r.figures;
                    let secs = |s: Option<i64>| format::duration(s.map(|s| s as f64));
                    let rows = [
                        (t(msg::DESK_MESSAGES_RECEIVED), f.received.to_string(), "received"),
                        (t(msg::DESK_ANSWERED), f.answered.to_string(), "answered"),
                        (t(msg::DESK_FIRST_REPLY_MEDIAN), secs(f.first_reply_median_s), "median"),
                        (t(msg::DESK_FIRST_REPLY_90TH_PERCENTILE), secs(f.first_reply_p90_s), "p90"),
                        (
                            t(msg::DESK_ANSWERED_WITHIN_TARGET),
                            format!("{} ({}/{})", format::percent(f.within_target_share), f.within_target, f.received),
                            "within",
                        ),
                        (t(msg::DESK_TURNED_INTO_INCIDENTS), f.incidents.to_string(), "incidents"),
                        (t(msg::DESK_CONSULTATIONS_ANSWERED), f.consultations.to_string(), "consultations"),
                        (t(msg::DESK_NOT_POLICE_BUSINESS), f.not_police.to_string(), "not_police"),
                        (t(msg::DESK_LOOPS_CLOSED), f.loops_closed.to_string(), "loops"),
                    ]
                    .into_iter()
                    .map(|(label, value, key)| view! { <tr data-desk=key><th>{label}</th><td class="num">{value}</td></tr> })
                    .collect_view();
                    view! {
                        <table class="desk-review-table">
                            <tbody>{rows}</tbody>
                        </table>
                        <p class="note">
                            {format!(
                                "{} {} s",
                                t(msg::DESK_TARGET_FIRST_REPLY_WITHIN),
                                f.target_s
                            )}
                        </p>
                    }
                    .into_any()
                }
            }
        })
    };
    view! {
        <section class="sheet desk-review">
            <h2>
                {t(msg::DESK)}
                <small class="no-print"><a href=q rel="external">"JSON"</a></small>
            </h2>
            <Suspense fallback=|| view! { <p class="loading">"…"</p> }>{body}</Suspense>
        </section>
    }
}
