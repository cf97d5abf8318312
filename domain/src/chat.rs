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
pub struct ChatDraft {
    pub group_id: Option<String>,
    pub group_name: Option<String>,
    pub message_id: Option<String>,
    pub sender_name: Option<String>,
    pub sender_phone: Option<String>,
    pub text: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub address: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    #[serde(default)]
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
