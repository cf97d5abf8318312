use leptos::prelude::*;

use crate::i18n::{msg, t};

/// A form's address (`form[address]`), in a signal so that the page can
/// fill it (a known place picked, the message's own address).
#[component]
pub fn AddressField(address: RwSignal<String>) -> impl IntoView {
    view! {
        <label>
            {t(msg::ADDRESS)}
            <input name="form[address]" maxlength="200" value=address.get_untracked() prop:value=move || address.get() on:input=move |ev| address.set(event_target_value(&ev)) />
        </label>
    }
}
