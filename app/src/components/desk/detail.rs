use leptos::prelude::*;

use super::{Desk, MessageDetail};
use crate::error::AppError;
use crate::i18n::{msg, t};
use crate::server_fns::get_desk_message;

/// The selected message (loaded afresh on every change) and what the last
/// action came to.
#[component]
pub fn Detail(selected: RwSignal<Option<i64>>, desk: Desk) -> impl IntoView {
    let Desk { live, answer, convert, close, .. } = desk;
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
                    <MessageDetail d=d desk=desk />
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
