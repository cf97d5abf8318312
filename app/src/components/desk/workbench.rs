use leptos::prelude::*;

use super::{ChatCard, Desk, Detail, Preset, answered};
use crate::components::board::{Clock, LinkBadge};
use crate::components::session::SessionBar;
use crate::i18n::{msg, t};
use crate::live::Live;
#[cfg(feature = "hydrate")]
use crate::wire::ChatMessageView;
use crate::wire::DeskData;

/// The desk: the live list of messages and the selected one's detail.
#[component]
pub fn Workbench(data: DeskData, preset: Preset) -> impl IntoView {
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
                    if let Ok(d) = crate::server_fns::get_desk().await {
                        live.chat.update(|m| m.extend(d.messages.into_iter().map(|x| (x.id, x))));
                    }
                });
            }
            _ => {}
        });
    }
    let selected = RwSignal::new(preset.message);
    // newest first
    let messages = Memo::new(move |_| live.chat.with(|m| m.values().rev().cloned().collect::<Vec<_>>()));
    let waiting = move || messages.with(|l| l.iter().filter(|m| !answered(m)).count());
    let loops = move || messages.with(|l| l.iter().filter(|m| m.loop_open()).count());
    #[cfg(feature = "hydrate")]
    shortcuts(messages, selected);
    let desk = Desk::new(live, data.board.map.clone());
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
                    <Detail selected=selected desk=desk />
                </section>
            </div>
        </div>
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
