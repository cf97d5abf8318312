//! The steward desk's parts (see `pages::desk`), one component a file, and
//! what they share; and the review's desk section.

mod chat_card;
mod detail;
mod message_detail;
mod review_section;
mod workbench;

pub use chat_card::ChatCard;
pub use detail::Detail;
pub use message_detail::MessageDetail;
pub use review_section::DeskReviewSection;
pub use workbench::Workbench;

use leptos::prelude::*;

use crate::live::Live;
use crate::server_fns::{DeskAnswer, DeskClose, DeskConvert};
use crate::wire::{ChatMessageView, MapData};
use domain::chat::Disposition;

/// What the address bar can preset: the selected message.
#[derive(Debug, Clone, Default)]
pub struct Preset {
    pub message: Option<i64>,
}

/// What the desk's parts share: the live state, the steward's actions on a
/// message (answer it: a reply, a consultation, not police business; make
/// it an incident; close the loop), the district's clock and its map.
#[derive(Clone, Copy)]
pub struct Desk {
    pub live: Live,
    pub answer: ServerAction<DeskAnswer>,
    pub convert: ServerAction<DeskConvert>,
    pub close: ServerAction<DeskClose>,
    /// The district's UTC offset, in minutes.
    pub offset: i32,
    pub map: StoredValue<MapData>,
}

impl Desk {
    pub fn new(live: Live, map: MapData) -> Self {
        Desk {
            live,
            answer: ServerAction::new(),
            convert: ServerAction::new(),
            close: ServerAction::new(),
            offset: map.utc_offset_minutes,
            map: StoredValue::new(map),
        }
    }
}

/// A link to the desk keeping the language.
fn desk_href(message: Option<i64>, en: bool) -> String {
    let mut q = vec![];
    if let Some(m) = message {
        q.push(format!("message={m}"));
    }
    if en {
        q.push("lang=en".to_owned());
    }
    if q.is_empty() { "/desk".to_owned() } else { format!("/desk?{}", q.join("&")) }
}

/// Answered: replied to, or closed as a consultation / not police business.
fn answered(m: &ChatMessageView) -> bool {
    m.first_reply_at.is_some() || matches!(m.disposition, Some(Disposition::Consultation | Disposition::NotPolice))
}
