//! The chat-group desk's writes, run by the engine like every other write:
//! answering a message (a reply, a consultation, not police business),
//! turning it into an incident, and closing the loop once that incident is
//! resolved. Each is a conditional update, so when two stewards act on the
//! same message the second is told who was first and nothing is sent twice.
//! A reply is stored (durable) with its delivery `pending`; the outbound
//! task (`crate::outbound`) delivers it afterwards.

use app::wire::{AlertView, ChatMessageView, Event, IncidentView};
use chrono::{DateTime, Duration, Utc};
use domain::chat::Disposition;
use domain::timers::{Due, Running};
use domain::{ChatMessageId, IncidentId, IncidentStatus, NewIncident, TimerKind};

use super::{Engine, EngineError};
use crate::store::live::{self, ReplyKind::Answer, ReplyKind::Closing};

/// What a steward does to a message.
#[derive(Debug, Clone)]
pub enum DeskAction {
    /// The first answer: a reply (`Replied`, text required), or a
    /// consultation / not police business (text optional).
    Answer {
        message: ChatMessageId,
        steward: String,
        disposition: Disposition,
        text: Option<String>,
        has_webhook: bool,
    },
    /// Turns the message into an incident (optionally replying at once).
    Convert { message: ChatMessageId, steward: String, new: Box<NewIncident>, text: Option<String>, has_webhook: bool },
    /// The closing reply after the linked incident was resolved.
    Close { message: ChatMessageId, steward: String, text: String, has_webhook: bool },
    /// Publishes the message again (its replies' delivery changed).
    Refresh { message: ChatMessageId },
}

#[derive(Debug, Clone)]
pub struct DeskOutcome {
    pub message: ChatMessageView,
    /// The reply stored, if any (to deliver).
    pub reply: Option<i64>,
    pub incident: Option<IncidentView>,
}

fn not_found(id: ChatMessageId) -> EngineError {
    EngineError::NotFound { what: "chat message", id: id.to_string() }
}

impl Engine {
    fn local_clock(&self, at: DateTime<Utc>) -> String {
        self.shared.settings.local().hms(at)
    }

    /// "already answered by 王五 at 14:03:05 (consultation)".
    fn already_answered(&self, m: &ChatMessageView) -> EngineError {
        let who = m.answered_by.as_deref().unwrap_or("another steward");
        let at = m.first_reply_at.map(|t| self.local_clock(t)).unwrap_or_default();
        let how = m.disposition.map(|d| format!(" ({d})")).unwrap_or_default();
        EngineError::Conflict(format!("message {} was already answered by {who} at {at}{how}", m.id))
    }

    async fn publish_chat(&self, id: ChatMessageId) -> Result<ChatMessageView, EngineError> {
        let (view, _) = self.store.chat_message(id).await?.ok_or_else(|| not_found(id))?;
        self.shared.hub.publish(Event::Chat { message: view.clone() });
        Ok(view)
    }

    pub(super) async fn desk(&mut self, action: DeskAction, now: DateTime<Utc>) -> Result<DeskOutcome, EngineError> {
        match action {
            DeskAction::Answer { message, steward, disposition, text, has_webhook } => {
                if disposition == Disposition::Incident {
                    return Err(EngineError::Invalid("an incident is made with the convert action".into()));
                }
                let mut tx = self.store.begin().await?;
                let (m, _) = self.store.chat_message_in(&mut tx, message).await?.ok_or_else(|| not_found(message))?;
                if m.first_reply_at.is_some() {
                    return Err(self.already_answered(&m));
                }
                if matches!(m.disposition, Some(Disposition::Consultation | Disposition::NotPolice)) {
                    return Err(self.already_answered(&m));
                }
                if !live::answer_message(&mut tx, message, &steward, disposition, now).await? {
                    return Err(self.already_answered(&m));
                }
                let reply = match text.as_deref() {
                    Some(t) => Some(live::insert_reply(&mut tx, &m, Answer, t, &steward, has_webhook, now).await?),
                    None => None,
                };
                tx.commit().await?;
                self.chat_wheel.stop(message, TimerKind::ChatReply);
                tracing::info!(message = message.0, disposition = %disposition, "chat message answered");
                self.figures_dirty = true;
                Ok(DeskOutcome { message: self.publish_chat(message).await?, reply, incident: None })
            }
            DeskAction::Convert { message, steward, new, text, has_webhook } => {
                let (m, _) = self.store.chat_message(message).await?.ok_or_else(|| not_found(message))?;
                if let Some(i) = m.incident {
                    let who = m.answered_by.as_deref().unwrap_or("another steward");
                    return Err(EngineError::Conflict(format!(
                        "message {message} is already incident {i} (answered by {who})"
                    )));
                }
                if matches!(m.disposition, Some(Disposition::Consultation | Disposition::NotPolice)) {
                    return Err(self.already_answered(&m));
                }
                // The incident carries the message as its external id: were
                // the link below lost (a crash between the two commits), a
                // retry finds the same incident instead of making a second.
                let actor = format!("desk:{steward}");
                let (incident, _) = self.create_incident(*new, &actor, None, None, now).await?;
                let mut tx = self.store.begin().await?;
                let reply_now = text.is_some();
                if !live::link_message(&mut tx, message, incident.id, &steward, reply_now, now).await? {
                    return Err(EngineError::Conflict(format!("message {message} changed meanwhile; reload")));
                }
                let reply = match text.as_deref() {
                    Some(t) => Some(live::insert_reply(&mut tx, &m, Answer, t, &steward, has_webhook, now).await?),
                    None => None,
                };
                tx.commit().await?;
                if reply_now {
                    self.chat_wheel.stop(message, TimerKind::ChatReply);
                }
                tracing::info!(message = message.0, incident = incident.id.0, "chat message turned into an incident");
                self.figures_dirty = true;
                Ok(DeskOutcome { message: self.publish_chat(message).await?, reply, incident: Some(incident) })
            }
            DeskAction::Close { message, steward, text, has_webhook } => {
                let mut tx = self.store.begin().await?;
                let (m, _) = self.store.chat_message_in(&mut tx, message).await?.ok_or_else(|| not_found(message))?;
                let Some(incident) = m.incident else {
                    return Err(EngineError::Conflict(format!("message {message} did not become an incident")));
                };
                if let Some(at) = m.loop_closed_at {
                    let who = live::loop_closed_by(&mut tx, message).await?;
                    return Err(EngineError::Conflict(format!(
                        "the loop of message {message} was already closed by {} at {}",
                        who.unwrap_or_default(),
                        self.local_clock(at)
                    )));
                }
                let status = m.incident_status.unwrap_or(IncidentStatus::New);
                if !matches!(status, IncidentStatus::Resolved | IncidentStatus::Closed) {
                    return Err(EngineError::Conflict(format!(
                        "incident {incident} is {status}; the loop is closed once it is resolved"
                    )));
                }
                if !live::close_loop(&mut tx, message, &steward, now).await? {
                    return Err(EngineError::Conflict(format!("message {message} changed meanwhile; reload")));
                }
                let reply = live::insert_reply(&mut tx, &m, Closing, &text, &steward, has_webhook, now).await?;
                tx.commit().await?;
                tracing::info!(message = message.0, incident = incident.0, "chat loop closed");
                Ok(DeskOutcome { message: self.publish_chat(message).await?, reply: Some(reply), incident: None })
            }
            DeskAction::Refresh { message } => {
                Ok(DeskOutcome { message: self.publish_chat(message).await?, reply: None, incident: None })
            }
        }
    }

    /// Starts a message's reply timer (at intake).
    pub(super) fn start_chat_timer(&mut self, id: ChatMessageId, received_at: DateTime<Utc>) {
        let t = self.shared.settings.policy.timer(TimerKind::ChatReply, None, received_at);
        let running = Running { amber_at: t.amber_at, deadline: t.deadline, amber_fired: false, red_fired: false };
        self.chat_wheel.start(id, TimerKind::ChatReply, running);
    }

    /// Fires the chat reply timers that are due, like the incidents' (see
    /// `timers`): marked and recorded as alerts in one transaction, then
    /// published to every screen (the ticker, `/api/v1/alerts`).
    pub(super) async fn fire_chat_timers(&mut self, now: DateTime<Utc>) {
        if !self.shared.cluster.is_leader() {
            return;
        }
        let due = self.chat_wheel.take_due(now);
        if due.is_empty() {
            return;
        }
        match self.record_chat(&due, now).await {
            Ok(alerts) => {
                for a in alerts {
                    tracing::info!(message = a.chat_message, level = %a.level, "chat reply alert");
                    self.recent_alerts.push_front(a.clone());
                    self.recent_alerts.truncate(super::timers::RECENT_ALERTS);
                    self.shared.hub.publish(Event::Timer { alert: a });
                }
                self.figures_dirty = true;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot record chat reply alerts; retrying in 5 s");
                for d in due {
                    self.chat_wheel.unfire(d, now + Duration::seconds(5));
                }
            }
        }
    }

    async fn record_chat(&self, due: &[Due<ChatMessageId>], now: DateTime<Utc>) -> Result<Vec<AlertView>, EngineError> {
        let mut tx = self.store.begin().await?;
        let mut out = vec![];
        for d in due {
            // not once answered (meanwhile, or before a restart), and only once
            if !live::mark_chat_timer_fired(&mut tx, d.key, d.level, now).await? {
                continue;
            }
            let mut alert = AlertView {
                id: 0,
                at: now,
                incident: None,
                chat_message: Some(d.key.0),
                station: None,
                kind: domain::AlertKind::Timer,
                timer: TimerKind::ChatReply,
                level: d.level,
                deadline: d.deadline,
                suggested: None,
            };
            alert.id = live::insert_alert(&mut tx, &alert).await?;
            out.push(alert);
        }
        tx.commit().await?;
        Ok(out)
    }

    /// After an incident made from a chat message (channel `chat`, the only
    /// ones linked to messages) changed: the desk sees the messages it came
    /// from change too (dispatched, resolved: time to close the loop).
    pub(super) async fn desk_follow(&self, incident: IncidentId) {
        match self.store.chat_by_incident(incident).await {
            Ok(list) => {
                for m in list {
                    self.shared.hub.publish(Event::Chat { message: m });
                }
            }
            Err(e) => tracing::error!(error = %e, "cannot follow an incident's chat messages"),
        }
    }
}
