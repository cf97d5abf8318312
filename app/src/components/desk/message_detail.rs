use leptos::prelude::*;

use super::{Desk, answered};
use crate::components::location::{AddressField, LocationPicker, PickedLocation};
use crate::components::map::{MapView, Overlay};
use crate::format;
use crate::i18n::{self, Lang, Tr, msg, t};
use crate::security::CsrfField;
use crate::wire::DeskMessage;
use domain::chat::{Delivery, Disposition};
use domain::{Category, IncidentStatus};

/// A message in full, with the forms that answer it: reply, consultation,
/// not police business, make it an incident, close the loop.
#[component]
pub fn MessageDetail(d: DeskMessage, desk: Desk) -> impl IntoView {
    let Desk { live, answer, convert, close, offset, map } = desk;
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
            let delivery = match r.delivery {
                Delivery::Delivered => t(msg::DESK_DELIVERED),
                Delivery::Pending => t(msg::DESK_SENDING),
                Delivery::Failed => t(msg::DESK_FAILED),
                Delivery::NoWebhook => t(msg::DESK_NO_WEBHOOK_FOR_THIS),
            };
            let err = r.last_error.clone().map(|e| format!(" ({e}, {}×)", r.attempts));
            view! {
                <li class=format!("reply delivery-{}", r.delivery) data-delivery=r.delivery.as_str()>
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
    let known_places = map.with_value(|m| m.places.clone());
    // an answer without text: a consultation answered, not police business
    let quick_answer = move |disposition: &'static str, class: &'static str, label: Tr| {
        view! {
            <ActionForm action=answer attr:class="desk-form">
                <CsrfField />
                <input type="hidden" name="id" value=id.to_string() />
                <input type="hidden" name="disposition" value=disposition />
                <input type="hidden" name="text" value="" />
                <button type="submit" class=class>{t(label)}</button>
            </ActionForm>
        }
    };

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
                    {quick_answer("consultation", "mark-consultation", msg::DESK_CONSULTATION_ANSWERED)}
                    {quick_answer("not_police", "mark-not-police", msg::DESK_NOT_POLICE_BUSINESS)}
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
                        <AddressField address=conv_addr />
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
