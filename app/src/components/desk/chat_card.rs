use leptos::prelude::*;

use super::{answered, desk_href};
use crate::format;
use crate::i18n::{self, Lang, msg, t};
use crate::live::Live;
use crate::wire::ChatMessageView;
use domain::ResponsePolicy;

/// One message in the list, with its reply timer and what became of it.
#[component]
pub fn ChatCard(
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
