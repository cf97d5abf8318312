//! Units: what they are (kind, force) and the status machine they follow.

use crate::{InvalidTransition, named_enum};

named_enum! {
    /// What a unit moves with; it decides the unit's speed in the travel model.
    pub enum UnitKind ("unit kind") {
        Car = "car",
        Motorbike = "motorbike",
        Ebike = "ebike",
        Foot = "foot",
        /// A fixed post, e.g. a square's "1-minute rapid response point".
        Post = "post",
    }
}

named_enum! {
    /// Who staffs a unit.
    pub enum Force ("force") {
        Police = "police",
        Auxiliary = "auxiliary",
        Volunteer = "volunteer",
        Security = "security",
    }
}

named_enum! {
    /// Where a unit is in its working cycle.
    pub enum UnitStatus ("unit status") {
        OffDuty = "off_duty",
        Available = "available",
        Dispatched = "dispatched",
        EnRoute = "en_route",
        OnScene = "on_scene",
        OutOfService = "out_of_service",
    }
}

/// A unit to register, checked at the edge.
#[derive(Debug, Clone)]
pub struct NewUnit {
    pub callsign: crate::Text,
    pub kind: UnitKind,
    pub force: Force,
    pub station: crate::StationCode,
    pub position: Option<crate::Coordinates>,
    pub status: UnitStatus,
}

impl UnitStatus {
    /// The moves allowed from here. `off_duty → available → dispatched →
    /// en_route → on_scene → available`; `out_of_service` from anywhere; a unit
    /// sent to an incident may be stood down (back to `available`) before it
    /// arrives, and may report `on_scene` without `en_route` when it was close.
    pub fn allowed_next(self) -> &'static [UnitStatus] {
        use UnitStatus::*;
        match self {
            OffDuty => &[Available, OutOfService],
            Available => &[Dispatched, OffDuty, OutOfService],
            Dispatched => &[EnRoute, OnScene, Available, OutOfService],
            EnRoute => &[OnScene, Available, OutOfService],
            OnScene => &[Available, OutOfService],
            OutOfService => &[Available, OffDuty],
        }
    }

    pub fn can_move_to(self, to: UnitStatus) -> bool {
        self.allowed_next().contains(&to)
    }

    /// Checks a move, naming the allowed ones when it is refused.
    pub fn transition(self, to: UnitStatus) -> Result<UnitStatus, InvalidTransition> {
        if self.can_move_to(to) {
            Ok(to)
        } else {
            Err(InvalidTransition {
                from: self.as_str(),
                to: to.as_str(),
                allowed: self.allowed_next().iter().map(|s| s.as_str()).collect(),
            })
        }
    }

    /// Whether the unit is working an incident.
    pub fn is_busy(self) -> bool {
        matches!(self, UnitStatus::Dispatched | UnitStatus::EnRoute | UnitStatus::OnScene)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use UnitStatus::*;

    #[test]
    fn follows_the_working_cycle() {
        let mut s = OffDuty;
        for next in [Available, Dispatched, EnRoute, OnScene, Available] {
            s = s.transition(next).expect("allowed");
        }
        assert_eq!(s, Available);
    }

    #[test]
    fn out_of_service_from_anywhere() {
        for &s in UnitStatus::ALL {
            if s != OutOfService {
                assert!(s.can_move_to(OutOfService), "{s} -> out_of_service");
            }
        }
    }

    #[test]
    fn refusal_names_the_allowed_moves() {
        let err = OffDuty.transition(OnScene).expect_err("not allowed");
        assert_eq!(
            err.to_string(),
            "cannot move from off_duty to on_scene; allowed from off_duty: available, out_of_service"
        );
        assert!(Available.transition(EnRoute).is_err());
        assert!(OnScene.transition(Dispatched).is_err());
    }

    #[test]
    fn names_round_trip() {
        for &s in UnitStatus::ALL {
            assert_eq!(s.as_str().parse::<UnitStatus>(), Ok(s));
            assert_eq!(serde_json::to_string(&s).expect("json"), format!("\"{}\"", s.as_str()));
        }
        let err = "flying".parse::<UnitKind>().expect_err("unknown");
        assert_eq!(err.to_string(), "unknown unit kind \"flying\"; expected one of: car, motorbike, ebike, foot, post");
    }
}
