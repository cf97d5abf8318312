//! Messages from community chat groups, parsed at the edge.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{Coordinates, CoordinatesError, Text, TextError};

pub const TEXT_MAX: usize = 4000;
pub const MAX_ATTACHMENTS: usize = 10;
pub const URL_MAX: usize = 500;

/// A message as a bridge sends it (loose, so every problem can be named).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChatDraft {
    #[cfg_attr(feature = "openapi", schema(value_type = String, max_length = 64))]
    pub group_id: Option<String>,
    #[cfg_attr(feature = "openapi", schema(max_length = 80))]
    pub group_name: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, max_length = 128))]
    pub message_id: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, max_length = 64))]
    pub sender_name: Option<String>,
    /// Personal data: never broadcast.
    #[cfg_attr(feature = "openapi", schema(max_length = 32))]
    pub sender_phone: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, max_length = 4000))]
    pub text: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub address: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = DateTime<Utc>))]
    pub sent_at: Option<DateTime<Utc>>,
    /// Attachment URLs (at most 10).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 10))]
    pub attachments: Vec<String>,
}

/// A valid chat message.
#[derive(Debug, Clone, PartialEq)]
pub struct NewChatMessage {
    pub group_id: String,
    pub group_name: Text,
    pub message_id: String,
    pub sender_name: Text,
    /// Personal data.
    pub sender_phone: Option<Text>,
    pub text: Text,
    pub location: Option<Coordinates>,
    pub address: Text,
    pub sent_at: DateTime<Utc>,
    pub attachments: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ChatError {
    #[error("{0} is required")]
    Missing(&'static str),
    #[error("{0} must be 1 to {1} printable characters without spaces")]
    BadId(&'static str, usize),
    #[error(transparent)]
    Text(#[from] TextError),
    #[error(transparent)]
    Coordinates(#[from] CoordinatesError),
    #[error("lat and lon go together: give both or neither")]
    HalfLocation,
    #[error("at most {MAX_ATTACHMENTS} attachments, got {0}")]
    TooManyAttachments(usize),
    #[error("attachments[{0}] must be an http(s) URL of at most {URL_MAX} characters")]
    BadAttachment(usize),
}

fn id(field: &'static str, v: Option<&str>, max: usize) -> Result<String, ChatError> {
    let v = v.ok_or(ChatError::Missing(field))?;
    if v.is_empty() || v.len() > max || !v.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ChatError::BadId(field, max));
    }
    Ok(v.to_owned())
}

impl ChatDraft {
    pub fn parse(&self) -> Result<NewChatMessage, ChatError> {
        let location = match (self.lat, self.lon) {
            (Some(lat), Some(lon)) => Some(Coordinates::parse(lat, lon)?),
            (None, None) => None,
            _ => return Err(ChatError::HalfLocation),
        };
        if self.attachments.len() > MAX_ATTACHMENTS {
            return Err(ChatError::TooManyAttachments(self.attachments.len()));
        }
        for (i, a) in self.attachments.iter().enumerate() {
            let ok = (a.starts_with("http://") || a.starts_with("https://"))
                && a.len() <= URL_MAX
                && a.bytes().all(|b| b.is_ascii_graphic());
            if !ok {
                return Err(ChatError::BadAttachment(i));
            }
        }
        Ok(NewChatMessage {
            group_id: id("group_id", self.group_id.as_deref(), 64)?,
            group_name: Text::parse("group_name", self.group_name.as_deref().unwrap_or(""), 80, false)?,
            message_id: id("message_id", self.message_id.as_deref(), 128)?,
            sender_name: Text::parse(
                "sender_name",
                self.sender_name.as_deref().ok_or(ChatError::Missing("sender_name"))?,
                64,
                true,
            )?,
            sender_phone: match self.sender_phone.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(p) => Some(Text::parse("sender_phone", p, 32, true)?),
            },
            text: Text::parse("text", self.text.as_deref().ok_or(ChatError::Missing("text"))?, TEXT_MAX, true)?,
            location,
            address: Text::parse("address", self.address.as_deref().unwrap_or(""), 200, false)?,
            sent_at: self.sent_at.ok_or(ChatError::Missing("sent_at"))?,
            attachments: self.attachments.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> ChatDraft {
        ChatDraft {
            group_id: Some("jsl-shops-01".into()),
            message_id: Some("m-1".into()),
            sender_name: Some("张老板".into()),
            text: Some("@临桂公安 门口有人吵架".into()),
            sent_at: Some(Utc::now()),
            ..Default::default()
        }
    }

    #[test]
    fn parses_and_names_each_problem() {
        assert!(draft().parse().is_ok());
        let msg = |d: ChatDraft| d.parse().expect_err("invalid").to_string();
        assert_eq!(msg(ChatDraft { text: None, ..draft() }), "text is required");
        assert_eq!(msg(ChatDraft { text: Some("  ".into()), ..draft() }), "text is required");
        assert!(msg(ChatDraft { message_id: Some("a b".into()), ..draft() }).starts_with("message_id must be"));
        assert_eq!(msg(ChatDraft { lat: Some(25.0), ..draft() }), "lat and lon go together: give both or neither");
        assert!(msg(ChatDraft { attachments: vec!["ftp://x".into()], ..draft() }).starts_with("attachments[0]"));
        assert!(msg(ChatDraft { text: Some("x".repeat(4001)), ..draft() }).starts_with("text is too long"));
    }
}

// ── The steward desk ──────────────────────────────────────────────────────

crate::named_enum! {
    /// Where a steward's reply is on its way to the group.
    pub enum Delivery ("delivery") {
        /// Stored, waiting for (another) attempt.
        Pending = "pending",
        Delivered = "delivered",
        /// Given up after the last attempt.
        Failed = "failed",
        /// The group has no webhook: a steward posts it by hand.
        NoWebhook = "no_webhook",
    }
}

/// The longest wait between two delivery attempts.
pub const RETRY_MAX_MS: u64 = 300_000;

/// What one delivery attempt (the `attempt`-th, from 1) leads to: delivered,
/// failed for good at `max_attempts`, or pending again after a wait that
/// doubles from `retry_base_ms` (at most [`RETRY_MAX_MS`]).
pub fn after_attempt(delivered: bool, attempt: i64, max_attempts: u32, retry_base_ms: u64) -> (Delivery, Option<u64>) {
    if delivered {
        (Delivery::Delivered, None)
    } else if attempt >= i64::from(max_attempts) {
        (Delivery::Failed, None)
    } else {
        let doubling = 1u64 << (attempt - 1).clamp(0, 20) as u32;
        (Delivery::Pending, Some(retry_base_ms.saturating_mul(doubling).min(RETRY_MAX_MS)))
    }
}

crate::named_enum! {
    /// How the desk answered a message (each counts as answered).
    pub enum Disposition ("disposition") {
        /// A reply went to the group.
        Replied = "replied",
        /// It became an incident.
        Incident = "incident",
        /// A question answered (咨询).
        Consultation = "consultation",
        /// Not police business.
        NotPolice = "not_police",
    }
}

pub const REPLY_MAX: usize = 1000;
pub const STEWARD_MAX: usize = 40;

/// A steward's name as typed in the desk's name field (there are no accounts).
pub fn steward_name(raw: &str) -> Result<Text, TextError> {
    Text::parse("steward", raw, STEWARD_MAX, true)
}

/// A reply's text.
pub fn reply_text(raw: &str) -> Result<Text, TextError> {
    Text::parse("text", raw, REPLY_MAX, true)
}

/// The desk's figures for a period, from each message's whole seconds to its
/// first reply (`None`: never answered) and what became of it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeskFigures {
    pub received: u64,
    pub answered: u64,
    /// Nearest rank, whole seconds (see `stats`), over answered messages.
    pub first_reply_median_s: Option<i64>,
    pub first_reply_p90_s: Option<i64>,
    /// Answered within the target, of all received (unanswered ones missed it).
    pub within_target: u64,
    pub within_target_share: Option<f64>,
    pub incidents: u64,
    pub consultations: u64,
    pub not_police: u64,
    pub loops_closed: u64,
    pub target_s: u32,
}

/// One message as the desk's review counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeskRecord {
    pub first_reply_s: Option<i64>,
    pub incident: bool,
    pub disposition: Option<Disposition>,
    pub loop_closed: bool,
}

impl DeskFigures {
    pub fn count(records: &[DeskRecord], target_s: u32) -> DeskFigures {
        let mut replies: Vec<f64> = records.iter().filter_map(|r| r.first_reply_s).map(|s| s as f64).collect();
        let answered = replies.len() as u64;
        let within =
            records.iter().filter(|r| r.first_reply_s.is_some_and(|s| s <= i64::from(target_s))).count() as u64;
        let received = records.len() as u64;
        let pct = |v: &mut Vec<f64>, p| crate::stats::percentile_nearest_rank(v, p).map(|x| x as i64);
        DeskFigures {
            received,
            answered,
            first_reply_median_s: pct(&mut replies, 50.0),
            first_reply_p90_s: pct(&mut replies, 90.0),
            within_target: within,
            within_target_share: (received > 0).then(|| within as f64 / received as f64),
            incidents: records.iter().filter(|r| r.incident).count() as u64,
            consultations: records.iter().filter(|r| r.disposition == Some(Disposition::Consultation)).count() as u64,
            not_police: records.iter().filter(|r| r.disposition == Some(Disposition::NotPolice)).count() as u64,
            loops_closed: records.iter().filter(|r| r.loop_closed).count() as u64,
            target_s,
        }
    }
}

#[cfg(test)]
mod desk_tests {
    use super::*;

    fn rec(s: Option<i64>) -> DeskRecord {
        DeskRecord { first_reply_s: s, incident: false, disposition: None, loop_closed: false }
    }

    #[test]
    fn desk_figures_count_unanswered_as_late() {
        let mut v = vec![rec(Some(10)), rec(Some(70)), rec(Some(30)), rec(None), rec(Some(60))];
        v[1].incident = true;
        v[1].loop_closed = true;
        v[2].disposition = Some(Disposition::Consultation);
        v[4].disposition = Some(Disposition::NotPolice);
        let f = DeskFigures::count(&v, 60);
        assert_eq!((f.received, f.answered, f.within_target), (5, 4, 3));
        assert_eq!((f.first_reply_median_s, f.first_reply_p90_s), (Some(30), Some(70)));
        assert_eq!(f.within_target_share, Some(0.6));
        assert_eq!((f.incidents, f.consultations, f.not_police, f.loops_closed), (1, 1, 1, 1));
        let empty = DeskFigures::count(&[], 60);
        assert_eq!((empty.received, empty.first_reply_median_s, empty.within_target_share), (0, None, None));
    }

    #[test]
    fn steward_names_and_replies_are_bounded_text() {
        assert!(steward_name("  ").is_err());
        assert!(steward_name(&"王".repeat(41)).is_err());
        assert_eq!(steward_name(" 王五 ").map(|t| t.into_string()), Ok("王五".to_owned()));
        assert!(reply_text(&"x".repeat(1001)).is_err());
    }

    #[test]
    fn a_failed_delivery_waits_twice_as_long_each_time_then_gives_up() {
        assert_eq!(after_attempt(true, 1, 5, 1000), (Delivery::Delivered, None));
        assert_eq!(after_attempt(false, 1, 5, 1000), (Delivery::Pending, Some(1000)));
        assert_eq!(after_attempt(false, 3, 5, 1000), (Delivery::Pending, Some(4000)));
        assert_eq!(after_attempt(false, 4, 5, 100_000), (Delivery::Pending, Some(RETRY_MAX_MS)), "capped");
        assert_eq!(after_attempt(false, 5, 5, 1000), (Delivery::Failed, None));
        assert_eq!("no_webhook".parse::<Delivery>(), Ok(Delivery::NoWebhook));
    }
}
