//! New incidents as they arrive from any channel: a loose draft (what a JSON
//! body or a form holds) parsed once into a [`NewIncident`] that is valid by
//! construction.

use serde::{Deserialize, Serialize};

use crate::{Category, Channel, Coordinates, Priority, Text};

/// Limits on free text, in characters.
pub const ADDRESS_MAX: usize = 200;
pub const DESCRIPTION_MAX: usize = 2000;
pub const CONTACT_MAX: usize = 100;
pub const EXTERNAL_ID_MAX: usize = 100;

/// An incident as submitted: every field optional and loosely typed, so a
/// missing or wrong field is reported by [`IncidentDraft::parse`] with its
/// name instead of a generic decoding error.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IncidentDraft {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::Channel))]
    pub channel: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::Category))]
    pub category: Option<String>,
    /// 1 urgent, 2 normal, 3 low; default by category.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u8>, minimum = 1, maximum = 3))]
    pub priority: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(value_type = f64, minimum = -90, maximum = 90))]
    pub lat: Option<f64>,
    #[cfg_attr(feature = "openapi", schema(value_type = f64, minimum = -180, maximum = 180))]
    pub lon: Option<f64>,
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub address: Option<String>,
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub description: Option<String>,
    /// Personal data: stored, shown to dispatchers, never broadcast.
    #[cfg_attr(feature = "openapi", schema(max_length = 100))]
    pub reporter_contact: Option<String>,
    /// Idempotency key from the sending system: the same key returns the
    /// same incident.
    #[cfg_attr(feature = "openapi", schema(max_length = 100))]
    pub external_id: Option<String>,
}

/// A valid new incident.
#[derive(Debug, Clone, PartialEq)]
pub struct NewIncident {
    pub channel: Channel,
    pub category: Category,
    pub priority: Priority,
    pub location: Coordinates,
    pub address: Text,
    pub description: Text,
    /// Personal data: stored, shown to dispatchers, never logged or broadcast.
    pub reporter_contact: Option<Text>,
    pub external_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum IntakeError {
    #[error("{0} is required")]
    Missing(&'static str),
    #[error(transparent)]
    Name(#[from] crate::UnknownName),
    #[error(transparent)]
    Priority(#[from] crate::incident::PriorityError),
    #[error(transparent)]
    Coordinates(#[from] crate::CoordinatesError),
    #[error(transparent)]
    Text(#[from] crate::TextError),
    #[error("external_id must be 1 to {EXTERNAL_ID_MAX} printable ASCII characters")]
    ExternalId,
}

impl IncidentDraft {
    pub fn parse(&self) -> Result<NewIncident, IntakeError> {
        let channel: Channel = self.channel.as_deref().ok_or(IntakeError::Missing("channel"))?.parse()?;
        let category: Category = self.category.as_deref().ok_or(IntakeError::Missing("category"))?.parse()?;
        let priority = match self.priority {
            Some(p) => Priority::parse(p)?,
            None => category.default_priority(),
        };
        let lat = self.lat.ok_or(IntakeError::Missing("lat"))?;
        let lon = self.lon.ok_or(IntakeError::Missing("lon"))?;
        let location = Coordinates::parse(lat, lon)?;
        let address = Text::parse("address", self.address.as_deref().unwrap_or(""), ADDRESS_MAX, false)?;
        let description =
            Text::parse("description", self.description.as_deref().unwrap_or(""), DESCRIPTION_MAX, false)?;
        let reporter_contact = match self.reporter_contact.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(c) => Some(Text::parse("reporter_contact", c, CONTACT_MAX, true)?),
        };
        let external_id = match self.external_id.as_deref() {
            None => None,
            Some(id) => {
                let ok = !id.is_empty() && id.len() <= EXTERNAL_ID_MAX && id.bytes().all(|b| b.is_ascii_graphic());
                if !ok {
                    return Err(IntakeError::ExternalId);
                }
                Some(id.to_owned())
            }
        };
        Ok(NewIncident { channel, category, priority, location, address, description, reporter_contact, external_id })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> IncidentDraft {
        IncidentDraft {
            channel: Some("phone".into()),
            category: Some("dispute".into()),
            lat: Some(25.2565),
            lon: Some(110.199),
            address: Some("仙湖路 宵夜街".into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_complete_draft_parses_with_the_category_priority() {
        let n = draft().parse().expect("valid");
        assert_eq!(n.channel, Channel::Phone);
        assert_eq!(n.priority, Category::Dispute.default_priority());
        assert_eq!(n.address.as_str(), "仙湖路 宵夜街");
        assert!(n.reporter_contact.is_none());
    }

    #[test]
    fn each_problem_is_named() {
        let msg = |d: IncidentDraft| d.parse().expect_err("invalid").to_string();
        assert_eq!(msg(IncidentDraft { lat: None, ..draft() }), "lat is required");
        assert_eq!(
            msg(IncidentDraft { lat: Some(125.0), ..draft() }),
            "lat must be a finite number between -90 and 90, got 125"
        );
        assert!(
            msg(IncidentDraft { channel: Some("pigeon".into()), ..draft() }).starts_with("unknown channel \"pigeon\"")
        );
        assert!(msg(IncidentDraft { category: None, ..draft() }).starts_with("category is required"));
        assert!(msg(IncidentDraft { priority: Some(9), ..draft() }).starts_with("priority must be"));
        assert!(
            msg(IncidentDraft { description: Some("x".repeat(2001)), ..draft() })
                .starts_with("description is too long")
        );
        assert!(msg(IncidentDraft { external_id: Some("a b".into()), ..draft() }).starts_with("external_id"));
    }

    #[test]
    fn unknown_fields_are_refused() {
        let err =
            serde_json::from_str::<IncidentDraft>(r#"{"channel":"phone","latitude":1}"#).expect_err("unknown field");
        assert!(err.to_string().contains("unknown field `latitude`"), "{err}");
    }
}
