//! Typed ids, so an incident id can never be passed where a unit id belongs.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} must be a positive integer, got {got:?}")]
pub struct IdError {
    pub what: &'static str,
    pub got: String,
}

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident, $what:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub struct $name(pub i64);

        impl $name {
            /// Parses a positive id from text (a path segment, a query value).
            pub fn parse(s: &str) -> Result<Self, IdError> {
                match s.trim().parse::<i64>() {
                    Ok(n) if n > 0 => Ok($name(n)),
                    _ => Err(IdError { what: $what, got: s.chars().take(40).collect() }),
                }
            }
            /// Checks a number received as such (JSON).
            pub fn from_i64(n: i64) -> Result<Self, IdError> {
                if n > 0 { Ok($name(n)) } else { Err(IdError { what: $what, got: n.to_string() }) }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// A unit (car, motorbike, e-bike, foot patrol, fixed post).
    UnitId,
    "unit id"
);
id_type!(
    /// An incident.
    IncidentId,
    "incident id"
);
id_type!(
    /// A message from a community chat group, as the desk stored it.
    ChatMessageId,
    "chat message id"
);

/// A must-patrol point's code (e.g. `PP01`), printed on its QR sheet and in
/// its addresses: 1–32 ASCII letters, digits, `-` and `_`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PointCode(String);

impl PointCode {
    pub fn parse(s: &str) -> Result<PointCode, IdError> {
        let s = s.trim();
        let ok =
            !s.is_empty() && s.len() <= 32 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if ok {
            Ok(PointCode(s.to_owned()))
        } else {
            Err(IdError { what: "point code (1-32 letters, digits, - or _)", got: s.chars().take(40).collect() })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PointCode {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        PointCode::parse(&s)
    }
}

impl From<PointCode> for String {
    fn from(c: PointCode) -> String {
        c.0
    }
}

impl std::fmt::Display for PointCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for PointCode {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for PointCode {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<String> for PointCode {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other
    }
}

/// A station's code (e.g. `JSL`): its id everywhere outside the database.
/// 1–16 characters of ASCII letters, digits, `-` and `_`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(value_type = String, example = "JSL"))]
pub struct StationCode(String);

impl StationCode {
    pub fn parse(s: &str) -> Result<StationCode, IdError> {
        let ok =
            !s.is_empty() && s.len() <= 16 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if ok {
            Ok(StationCode(s.to_owned()))
        } else {
            Err(IdError { what: "station code (1-16 letters, digits, - or _)", got: s.chars().take(40).collect() })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for StationCode {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        StationCode::parse(&s)
    }
}

impl std::fmt::Display for StationCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_positive_ids_only() {
        assert_eq!(UnitId::parse("42"), Ok(UnitId(42)));
        assert!(UnitId::parse("0").is_err());
        assert!(UnitId::parse("-3").is_err());
        assert!(IncidentId::parse("abc").is_err());
        assert!(IncidentId::parse("99999999999999999999").is_err());
        assert!(StationCode::parse("JSL").is_ok());
        assert!(StationCode::parse("").is_err());
        assert!(StationCode::parse("金水").is_err());
        assert!(StationCode::parse("a/b").is_err());
        let e = IncidentId::parse("x1").expect_err("not a number");
        assert_eq!(e.to_string(), "incident id must be a positive integer, got \"x1\"");
    }

    #[test]
    fn point_codes_are_short_plain_words() {
        assert_eq!(PointCode::parse(" PP01 ").map(|c| c.to_string()), Ok("PP01".to_owned()));
        assert!(PointCode::parse("").is_err());
        assert!(PointCode::parse("PP 01").is_err(), "no spaces inside");
        assert!(PointCode::parse("金山").is_err(), "ASCII only: it is printed in addresses");
        assert!(PointCode::parse(&"P".repeat(33)).is_err());
        let json = serde_json::to_string(&PointCode::parse("PP-1_a").expect("valid")).expect("json");
        assert_eq!(json, "\"PP-1_a\"", "a plain string on the wire");
        assert!(serde_json::from_str::<PointCode>("\"a/b\"").is_err());
        assert_eq!(
            ChatMessageId::parse("0").map_err(|e| e.to_string()),
            Err("chat message id must be a positive integer, got \"0\"".into())
        );
    }
}
