//! Command Room's rules, with no I/O: the parsed types every edge produces
//! (coordinates, ids, enums, bounded text), the status machines of units and
//! incidents, the response-time policy and its timers, the travel-time model,
//! the nearest-unit ranking, and the district (stations, zones, patrol points)
//! with point-in-polygon lookup, reach rings (what "1-3-5" covers), and the checks on past incidents imported
//! from an older system; road networks with routed ETAs and reach along
//! streets (`roads`), and the deployment planner with its what-if replay
//! (`plan`).
//!
//! Every function that needs the time takes `now` as an argument, so the
//! decisions that matter most can be tested in microseconds and benchmarked.

pub mod access;
pub mod chat;
pub mod coords;
pub mod district;
pub mod fleet;
pub mod history;
pub mod ids;
pub mod incident;
pub mod index;
pub mod intake;
pub mod login;
pub mod notice;
pub mod patrol;
pub mod plan;
pub mod policy;
pub mod reach;
pub mod review;
pub mod roads;
pub mod stats;
pub mod tasks;
pub mod text;
pub mod time;
pub mod timers;
pub mod travel;
pub mod triage;
pub mod unit;
pub mod volunteers;

pub use coords::{Coordinates, CoordinatesError};
pub use district::{District, DistrictError, Location};
pub use fleet::{Recommendation, UnitState};
pub use ids::{ChatMessageId, IdError, IncidentId, PointCode, StationCode, UnitId};
pub use incident::{Category, Channel, Incident, IncidentStatus, Move, Priority, StageTimer};
pub use intake::{IncidentDraft, IntakeError, NewIncident};
pub use policy::{AlertKind, ResponseClass, ResponsePolicy, Timer, TimerKind, TimerLevel};
pub use text::{Text, TextError};
pub use travel::TravelModel;
pub use unit::{Force, UnitKind, UnitStatus};

/// A move a status machine does not allow, with the moves it does allow from
/// there, so an API can answer "409: on_scene is not allowed from new; allowed:
/// dispatched, resolved, cancelled".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot move from {from} to {to}; allowed from {from}: {}", allowed_list(.allowed))]
pub struct InvalidTransition {
    pub from: &'static str,
    pub to: &'static str,
    pub allowed: Vec<&'static str>,
}

fn allowed_list(allowed: &[&'static str]) -> String {
    if allowed.is_empty() { "nothing (final state)".to_owned() } else { allowed.join(", ") }
}

/// Declares a closed set of names that travel as snake_case strings (JSON, SQL,
/// TOML), with `as_str`, `ALL`, `FromStr` and a parse error that lists the
/// accepted values. One macro so every enum at every edge parses the same way.
macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident ($what:literal) {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[derive(serde::Serialize, serde::Deserialize)]
        $vis enum $name {
            $( $(#[$vmeta])* #[serde(rename = $text)] $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The wire name (JSON, SQL, TOML).
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        /// The OpenAPI schema: a string, one of the wire names.
        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .title(Some($what))
                    .enum_values(Some([$($text),+]))
                    .into()
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}

        impl std::str::FromStr for $name {
            type Err = $crate::UnknownName;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::UnknownName {
                        what: $what,
                        got: s.chars().take(40).collect(),
                        allowed: &[$($text),+],
                    }),
                }
            }
        }
    };
}
pub(crate) use named_enum;

/// A name that is not one of an enum's values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {got:?}; expected one of: {}", .allowed.join(", "))]
pub struct UnknownName {
    pub what: &'static str,
    pub got: String,
    pub allowed: &'static [&'static str],
}
