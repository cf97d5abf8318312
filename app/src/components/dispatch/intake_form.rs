use leptos::prelude::*;

use crate::components::location::{AddressField, LocationPicker, PickedLocation};
use crate::i18n::{self, msg, t};
use crate::security::CsrfField;
use crate::server_fns::CreateIncident;
use domain::{Category, Channel};

/// A new incident from a call: channel, category, priority, where, what.
#[component]
pub fn IntakeForm(
    create: ServerAction<CreateIncident>,
    location: PickedLocation,
    address: RwSignal<String>,
) -> impl IntoView {
    let lang = i18n::lang();
    let channels = Channel::ALL
        .iter()
        .map(|c| view! { <option value=c.as_str()>{i18n::channel(*c).get(lang)}</option> })
        .collect_view();
    let categories = Category::ALL
        .iter()
        .map(|c| view! { <option value=c.as_str()>{i18n::category(*c).get(lang)}</option> })
        .collect_view();
    let result = move || match create.value().get() {
        Some(Ok(i)) => view! { <p class="ok" role="status">{format!("{} #{}", t(msg::CREATED), i.id)}</p> }.into_any(),
        Some(Err(e)) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
        None => ().into_any(),
    };
    view! {
        <section class="panel intake">
            <h2>{t(msg::NEW_INCIDENT)}</h2>
            <ActionForm action=create attr:class="intake-form">
                <CsrfField />
                <label>
                    {t(msg::CHANNEL)}
                    <select id="intake-channel" name="form[channel]">{channels}</select>
                </label>
                <label>
                    {t(msg::CATEGORY)}
                    <select name="form[category]">{categories}</select>
                </label>
                <label>
                    {t(msg::PRIORITY)}
                    <select name="form[priority]">
                        <option value="">"—"</option>
                        <option value="1">{i18n::priority(domain::Priority::URGENT).get(lang)}</option>
                        <option value="2">{i18n::priority(domain::Priority::NORMAL).get(lang)}</option>
                        <option value="3">{i18n::priority(domain::Priority::LOW).get(lang)}</option>
                    </select>
                </label>
                <LocationPicker location=location names=["form[lat]", "form[lon]", "form[place]"] required=true />
                <p class="hint">{t(msg::PICK_ON_MAP)}</p>
                <AddressField address=address />
                <label>
                    {t(msg::DESCRIPTION)}
                    <textarea name="form[description]" maxlength="2000" rows="2"></textarea>
                </label>
                <label>
                    {t(msg::CONTACT)}
                    <input name="form[reporter_contact]" maxlength="100" autocomplete="off" />
                </label>
                <button type="submit">{t(msg::CREATE)}</button>
            </ActionForm>
            {result}
        </section>
    }
}
