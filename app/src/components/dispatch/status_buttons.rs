use leptos::prelude::*;

use crate::i18n::{msg, t};
use crate::security::CsrfField;
use crate::server_fns::SetIncidentStatus;
use crate::wire::IncidentView;
use domain::IncidentStatus;

/// The moves the selected incident can make now (resolve, cancel, close).
#[component]
pub fn StatusButtons(incident: Signal<Option<IncidentView>>, action: ServerAction<SetIncidentStatus>) -> impl IntoView {
    let buttons = move || {
        let Some(i) = incident.get() else { return ().into_any() };
        let moves = [
            (IncidentStatus::Resolved, msg::RESOLVE),
            (IncidentStatus::Cancelled, msg::CANCEL),
            (IncidentStatus::Closed, msg::CLOSE),
        ];
        moves
            .into_iter()
            .filter(|(to, _)| i.status.can_move_to(*to))
            .map(|(to, label)| {
                view! {
                    <ActionForm action=action attr:class="status-form">
                        <CsrfField />
                        <input type="hidden" name="incident" value=i.id.0.to_string() />
                        <input type="hidden" name="status" value=to.as_str() />
                        <input type="hidden" name="reason" value="" />
                        <button type="submit" class=format!("to-{to}")>{t(label)}</button>
                    </ActionForm>
                }
            })
            .collect_view()
            .into_any()
    };
    let outcome = move || match action.value().get() {
        Some(Err(e)) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
        _ => ().into_any(),
    };
    view! { <section class="panel status-buttons">{buttons}{outcome}</section> }
}
