//! Free text from the outside (addresses, descriptions, contacts), bounded
//! and cleaned once at the edge.

use serde::{Deserialize, Serialize};

/// Text that is at most a known number of characters, has no control
/// characters other than newlines and tabs, and is trimmed. It is stored as
/// text and rendered escaped; it is never interpreted.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Text(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("{field} is required")]
    Empty { field: &'static str },
    #[error("{field} is too long: {len} characters, at most {max}")]
    TooLong { field: &'static str, len: usize, max: usize },
    #[error("{field} contains a control character (U+{code:04X})")]
    Control { field: &'static str, code: u32 },
}

impl Text {
    /// Parses `raw` for `field`: trimmed, at most `max` characters, no control
    /// characters except `\n` and `\t`. `required` rejects empty text.
    pub fn parse(field: &'static str, raw: &str, max: usize, required: bool) -> Result<Text, TextError> {
        let trimmed = raw.trim();
        if required && trimmed.is_empty() {
            return Err(TextError::Empty { field });
        }
        let len = trimmed.chars().count();
        if len > max {
            return Err(TextError::TooLong { field, len, max });
        }
        if let Some(c) = trimmed.chars().find(|c| c.is_control() && *c != '\n' && *c != '\t') {
            return Err(TextError::Control { field, code: c as u32 });
        }
        Ok(Text(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_bounds_and_rejects_control_characters() {
        assert_eq!(
            Text::parse("address", "  人民路 12号 ", 10, true).map(|t| t.into_string()),
            Ok("人民路 12号".to_owned())
        );
        assert_eq!(Text::parse("address", "   ", 10, true), Err(TextError::Empty { field: "address" }));
        assert_eq!(Text::parse("address", "", 10, false).map(|t| t.is_empty()), Ok(true));
        // counted in characters, not bytes: 5 CJK characters fit in 5
        assert!(Text::parse("d", "金水路警务", 5, true).is_ok());
        assert_eq!(Text::parse("d", "金水路警务站", 5, true), Err(TextError::TooLong { field: "d", len: 6, max: 5 }));
        assert_eq!(Text::parse("d", "a\u{0}b", 5, true), Err(TextError::Control { field: "d", code: 0 }));
        assert!(Text::parse("d", "line one\nline\ttwo", 50, true).is_ok());
    }
}
