//! The chat-group steward desk's rules at the edge, shared by the REST API
//! and the page's server functions: checks the steward's input, builds the
//! incident a message becomes (category proposed by the triage rules,
//! location from the message or the steward), and hands the write to the
//! engine. Replies are delivered afterwards by `crate::outbound`.

use std::sync::Arc;

use app::wire::{ChatMessageView, ConvertForm, DeskMessage, DeskReview, IncidentView, ProposalView};
use chrono::Utc;
use domain::chat::{DeskFigures, Disposition, reply_text, steward_name};
use domain::time::{DateRange, LocalClock};
use domain::{Category, ChatMessageId, IncidentDraft};
use tokio::sync::Notify;

use crate::auth::Auth;
use crate::config::DeskConfig;
use crate::engine::EngineError;
use crate::engine::EngineHandle;
use crate::engine::desk::DeskAction;
use crate::store::Store;
use domain::access::Principal;

/// The chat-group desk: its configuration (triage rules, webhooks), the
/// outbound task's wake-up call, and the handles its actions need.
pub struct Desk {
    pub config: DeskConfig,
    /// Notified when a reply is stored, so delivery starts at once.
    pub wake: Arc<Notify>,
    store: Store,
    engine: EngineHandle,
    auth: Auth,
}

impl Desk {
    pub fn new(config: DeskConfig, store: Store, engine: EngineHandle, auth: Auth) -> Desk {
        Desk { config, wake: Arc::new(Notify::new()), store, engine, auth }
    }

    /// A chat message's sender's phone is shown: audited first.
    async fn audit_phone_view(&self, who: &Principal, message: ChatMessageId, ip: &str) -> Result<(), EngineError> {
        let e = self.auth.entry(Some(who), "phone_viewed", format!("chat message {message}"), "ok", "", ip);
        Ok(self.auth.audit(&[e]).await?)
    }

    pub fn has_webhook(&self, group_id: &str) -> bool {
        self.config.webhooks.contains_key(group_id)
    }

    pub fn proposal(&self, text: &str) -> Option<ProposalView> {
        self.config.triage.propose(text).map(|p| ProposalView {
            category: p.category,
            priority: p.priority,
            keyword: p.keyword,
        })
    }
}

fn invalid(e: impl std::fmt::Display) -> EngineError {
    EngineError::Invalid(e.to_string())
}

fn optional_text(raw: Option<&str>) -> Result<Option<String>, EngineError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => Ok(Some(reply_text(t).map_err(invalid)?.into_string())),
    }
}

impl Desk {
    /// A message with everything the steward sees of it; the sender's phone is
    /// audited as it is shown.
    pub async fn detail(
        &self,
        who: &domain::access::Principal,
        id: ChatMessageId,
        ip: &str,
    ) -> Result<DeskMessage, EngineError> {
        let (message, sender_phone) = self
            .store
            .chat_message(id)
            .await?
            .ok_or(EngineError::NotFound { what: "chat message", id: id.to_string() })?;
        if sender_phone.as_deref().is_some_and(|p| !p.is_empty()) {
            self.audit_phone_view(who, id, ip).await?;
        }
        let replies = self.store.chat_replies(id).await?;
        let proposal = self.proposal(&message.text);
        let has_webhook = self.has_webhook(&message.group_id);
        Ok(DeskMessage { message, sender_phone, replies, proposal, has_webhook })
    }

    /// The first answer: a reply (text required), a consultation or not police
    /// business (text optional). A second steward gets a conflict naming the first.
    pub async fn answer(
        &self,
        id: ChatMessageId,
        steward: &str,
        disposition: Disposition,
        text: Option<&str>,
    ) -> Result<ChatMessageView, EngineError> {
        let steward = steward_name(steward).map_err(invalid)?.into_string();
        let text = match disposition {
            Disposition::Replied => Some(reply_text(text.unwrap_or("")).map_err(invalid)?.into_string()),
            Disposition::Consultation | Disposition::NotPolice => optional_text(text)?,
            Disposition::Incident => return Err(invalid("to make an incident, convert the message")),
        };
        let (group, _) = self.group_of(id).await?;
        let has_webhook = self.has_webhook(&group);
        let out = self.engine.desk(DeskAction::Answer { message: id, steward, disposition, text, has_webhook }).await?;
        if out.reply.is_some() {
            self.wake.notify_one();
        }
        Ok(out.message)
    }

    async fn group_of(&self, id: ChatMessageId) -> Result<(String, ChatMessageView), EngineError> {
        let (m, _) = self
            .store
            .chat_message(id)
            .await?
            .ok_or(EngineError::NotFound { what: "chat message", id: id.to_string() })?;
        Ok((m.group_id.clone(), m))
    }

    /// Turns a message into an incident on the `chat` channel, linked to it.
    /// Location: the form's coordinates, else the known place picked, else the
    /// message's own; category: the form's, else the triage proposal, else other.
    pub async fn convert(
        &self,
        id: ChatMessageId,
        steward: &str,
        form: ConvertForm,
    ) -> Result<(ChatMessageView, IncidentView), EngineError> {
        let steward = steward_name(steward).map_err(invalid)?.into_string();
        let (m, phone) = self
            .store
            .chat_message(id)
            .await?
            .ok_or(EngineError::NotFound { what: "chat message", id: id.to_string() })?;
        let (lat, lon) = match (form.lat.trim(), form.lon.trim(), form.place.trim()) {
            ("", "", "") => match (m.lat, m.lon) {
                (Some(a), Some(b)) => (a, b),
                _ => {
                    return Err(invalid(
                        "the message has no location: type lat and lon, or pick a known place or a point on the map",
                    ));
                }
            },
            ("", "", place) => {
                let (a, b) =
                    place.split_once(',').ok_or_else(|| invalid(format!("place must be lat,lon, got {place:?}")))?;
                (number("lat", a)?, number("lon", b)?)
            }
            (a, b, _) => (number("lat", a)?, number("lon", b)?),
        };
        let proposal = self.proposal(&m.text);
        let category: Category = match form.category.trim() {
            "" => proposal.as_ref().map(|p| p.category).unwrap_or(Category::Other),
            c => c.parse().map_err(invalid)?,
        };
        let priority = match form.priority.trim() {
            "" => proposal.as_ref().filter(|p| p.category == category).map(|p| i64::from(p.priority.get())),
            p => Some(p.parse::<i64>().map_err(|_| invalid(format!("priority must be 1, 2 or 3, got {p:?}")))?),
        };
        let description = match form.description.trim() {
            "" => m.text.chars().take(domain::intake::DESCRIPTION_MAX).collect(),
            d => d.to_owned(),
        };
        let address = if form.address.trim().is_empty() { m.address.clone() } else { form.address };
        let draft = IncidentDraft {
            channel: Some("chat".into()),
            category: Some(category.as_str().into()),
            priority,
            lat: Some(lat),
            lon: Some(lon),
            address: Some(address),
            description: Some(description),
            reporter_contact: phone,
            external_id: Some(format!("chat-{id}")),
        };
        let new = draft.parse().map_err(invalid)?;
        let text = optional_text(Some(&form.reply))?;
        let has_webhook = self.has_webhook(&m.group_id);
        let out = self
            .engine
            .desk(DeskAction::Convert { message: id, steward, new: Box::new(new), text, has_webhook })
            .await?;
        if out.reply.is_some() {
            self.wake.notify_one();
        }
        let incident = out.incident.ok_or_else(|| EngineError::Invalid("no incident was made".into()))?;
        Ok((out.message, incident))
    }

    /// The closing reply once the linked incident is resolved.
    pub async fn close(&self, id: ChatMessageId, steward: &str, text: &str) -> Result<ChatMessageView, EngineError> {
        let steward = steward_name(steward).map_err(invalid)?.into_string();
        let text = reply_text(text).map_err(invalid)?.into_string();
        let (group, _) = self.group_of(id).await?;
        let has_webhook = self.has_webhook(&group);
        let out = self.engine.desk(DeskAction::Close { message: id, steward, text, has_webhook }).await?;
        self.wake.notify_one();
        Ok(out.message)
    }

    /// The desk's figures for messages received on local dates `from..=to`
    /// (default: the last 30 days ending yesterday, like the review).
    pub async fn review(&self, from: Option<&str>, to: Option<&str>) -> Result<DeskReview, EngineError> {
        let clock = LocalClock::new(self.engine.shared().settings.utc_offset_minutes);
        let range = DateRange::parse(from, to, clock.date(Utc::now())).map_err(invalid)?;
        let (start, end) = range.bounds(clock);
        let (from, to) = (range.from, range.to);
        let (from_ms, to_ms) = (crate::store::millis(start), crate::store::millis(end));
        let records = self.store.desk_records(from_ms, to_ms).await?;
        let target = self.engine.shared().settings.policy.chat_reply_s;
        Ok(DeskReview { from: from.to_string(), to: to.to_string(), figures: DeskFigures::count(&records, target) })
    }
}

fn number(field: &str, s: &str) -> Result<f64, EngineError> {
    s.trim()
        .parse::<f64>()
        .map_err(|_| invalid(format!("{field} must be a number, got {:?}", s.chars().take(30).collect::<String>())))
}
