//! Incidents: how they arrive, what they are, how urgent, and the stages they
//! move through.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{IncidentId, InvalidTransition, UnitId, named_enum};

named_enum! {
    /// How the incident reached the police.
    pub enum Channel ("channel") {
        Phone = "phone",
        WalkIn = "walk_in",
        /// A community chat group (the "second intake desk").
        Chat = "chat",
        /// A resident's report from the web page.
        Web = "web",
        /// Seen by a patrol.
        Patrol = "patrol",
        /// Seen on a video feed.
        Video = "video",
    }
}

named_enum! {
    /// What happened. The seeds' common cases, plus a catch-all.
    pub enum Category ("category") {
        Dispute = "dispute",
        Fight = "fight",
        Theft = "theft",
        LostPerson = "lost_person",
        Medical = "medical",
        Parking = "parking",
        Minors = "minors",
        Traffic = "traffic",
        Fraud = "fraud",
        Fire = "fire",
        Noise = "noise",
        Consultation = "consultation",
        Other = "other",
    }
}

impl Category {
    /// The priority a call of this category usually gets; the dispatcher may
    /// change it.
    pub fn default_priority(self) -> Priority {
        use Category::*;
        match self {
            Fight | Medical | Fire | LostPerson => Priority::URGENT,
            Dispute | Theft | Traffic | Fraud | Minors => Priority::NORMAL,
            Parking | Noise | Consultation | Other => Priority::LOW,
        }
    }
}

/// Urgency: 1 (urgent: life, violence, fire), 2 (normal), 3 (low).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "u8")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(value_type = u8))]
pub struct Priority(u8);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("priority must be 1 (urgent), 2 (normal) or 3 (low), got {0}")]
pub struct PriorityError(pub i64);

impl Priority {
    pub const URGENT: Priority = Priority(1);
    pub const NORMAL: Priority = Priority(2);
    pub const LOW: Priority = Priority(3);

    pub fn parse(n: i64) -> Result<Priority, PriorityError> {
        match n {
            1..=3 => Ok(Priority(n as u8)),
            _ => Err(PriorityError(n)),
        }
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<i64> for Priority {
    type Error = PriorityError;
    fn try_from(n: i64) -> Result<Self, Self::Error> {
        Priority::parse(n)
    }
}

impl From<Priority> for u8 {
    fn from(p: Priority) -> u8 {
        p.0
    }
}

named_enum! {
    /// The stages of an incident. Each has a timestamp on the incident, derived
    /// from the status log.
    pub enum IncidentStatus ("incident status") {
        New = "new",
        Dispatched = "dispatched",
        EnRoute = "en_route",
        OnScene = "on_scene",
        Resolved = "resolved",
        Closed = "closed",
        Cancelled = "cancelled",
    }
}

impl IncidentStatus {
    /// The moves allowed from here: `new → dispatched → en_route → on_scene →
    /// resolved → closed`, `cancelled` from any open stage before the scene is
    /// reached or worked. A first unit may report on scene without en route;
    /// a call may be resolved without a visit (advice on the phone, the caller
    /// withdrew) or before arrival.
    pub fn allowed_next(self) -> &'static [IncidentStatus] {
        use IncidentStatus::*;
        match self {
            New => &[Dispatched, Resolved, Cancelled],
            Dispatched => &[EnRoute, OnScene, Resolved, Cancelled],
            EnRoute => &[OnScene, Resolved, Cancelled],
            OnScene => &[Resolved],
            Resolved => &[Closed],
            Closed | Cancelled => &[],
        }
    }

    pub fn can_move_to(self, to: IncidentStatus) -> bool {
        self.allowed_next().contains(&to)
    }

    pub fn transition(self, to: IncidentStatus) -> Result<IncidentStatus, InvalidTransition> {
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

    /// What moving from here to `to` does, or why it may not: the one home
    /// of the rule the engine applies in a single transaction (stage time,
    /// timers stopped, timer started).
    pub fn plan(self, to: IncidentStatus) -> Result<Move, InvalidTransition> {
        use crate::TimerKind::{Arrival, Closure, Dispatch};
        self.transition(to)?;
        let stops: &'static [crate::TimerKind] = match to {
            IncidentStatus::Dispatched => &[Dispatch],
            IncidentStatus::OnScene => &[Arrival],
            IncidentStatus::Resolved => &[Dispatch, Arrival],
            IncidentStatus::Closed => &[Closure],
            IncidentStatus::Cancelled => &[Dispatch, Arrival, Closure],
            IncidentStatus::New | IncidentStatus::EnRoute => &[],
        };
        // a resolved case still has to be written up (closed) in time
        let starts = (to == IncidentStatus::Resolved).then_some(Closure);
        Ok(Move { from: self, to, stops, starts })
    }

    /// Still needs someone's attention on the street (shown on the map).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            IncidentStatus::New | IncidentStatus::Dispatched | IncidentStatus::EnRoute | IncidentStatus::OnScene
        )
    }

    /// How far along the stage order this is; used to move an incident
    /// forward (never back) when one of its units reports progress.
    pub fn rank(self) -> u8 {
        use IncidentStatus::*;
        match self {
            New => 0,
            Dispatched => 1,
            EnRoute => 2,
            OnScene => 3,
            Resolved => 4,
            Closed => 5,
            Cancelled => 6,
        }
    }
}

/// An allowed move of an incident (see [`IncidentStatus::plan`]): its stage
/// time is written the first time it is reached, `stops` end, `starts` begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Move {
    pub from: IncidentStatus,
    pub to: IncidentStatus,
    pub stops: &'static [crate::TimerKind],
    pub starts: Option<crate::TimerKind>,
}

impl Move {
    /// Whether the move stops a timer of this kind.
    pub fn stops(&self, kind: crate::TimerKind) -> bool {
        self.stops.contains(&kind)
    }
}

/// A response timer as an incident carries it: running until the stage it
/// measures is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageTimer {
    pub timer: crate::Timer,
    pub stopped_at: Option<DateTime<Utc>>,
}

/// An incident as the engine keeps it live: what it is, where, its stages
/// so far, its units, and its dispatch and arrival timers.
#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    pub id: IncidentId,
    pub status: IncidentStatus,
    pub channel: Channel,
    pub category: Category,
    pub priority: Priority,
    pub location: crate::Coordinates,
    pub address: String,
    pub description: String,
    pub place: crate::Location,
    /// Units currently assigned (not yet cleared).
    pub units: Vec<UnitId>,
    pub received_at: DateTime<Utc>,
    pub dispatched_at: Option<DateTime<Utc>>,
    pub en_route_at: Option<DateTime<Utc>>,
    pub on_scene_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub dispatch_timer: StageTimer,
    pub arrival_timer: StageTimer,
    pub external_id: Option<String>,
}

impl Incident {
    /// A new incident received at `now` where `place` says it is, its
    /// dispatch and arrival timers started by `policy`.
    pub fn received(
        id: IncidentId,
        new: crate::NewIncident,
        place: crate::Location,
        policy: &crate::ResponsePolicy,
        now: DateTime<Utc>,
    ) -> Incident {
        let timer = |kind| StageTimer { timer: policy.timer(kind, place.class, now), stopped_at: None };
        Incident {
            id,
            status: IncidentStatus::New,
            channel: new.channel,
            category: new.category,
            priority: new.priority,
            location: new.location,
            address: new.address.into_string(),
            description: new.description.into_string(),
            dispatch_timer: timer(crate::TimerKind::Dispatch),
            arrival_timer: timer(crate::TimerKind::Arrival),
            place,
            units: vec![],
            received_at: now,
            dispatched_at: None,
            en_route_at: None,
            on_scene_at: None,
            resolved_at: None,
            closed_at: None,
            cancelled_at: None,
            external_id: new.external_id,
        }
    }

    /// Moves the incident to `to` at `now`: the status, the stage's time
    /// (the first time only) and the timers the move stops. Answers the move,
    /// which also says which timer it starts; nothing changes when the move
    /// is not allowed.
    pub fn transition(&mut self, to: IncidentStatus, now: DateTime<Utc>) -> Result<Move, InvalidTransition> {
        let m = self.status.plan(to)?;
        self.status = to;
        let slot = match to {
            IncidentStatus::New => None,
            IncidentStatus::Dispatched => Some(&mut self.dispatched_at),
            IncidentStatus::EnRoute => Some(&mut self.en_route_at),
            IncidentStatus::OnScene => Some(&mut self.on_scene_at),
            IncidentStatus::Resolved => Some(&mut self.resolved_at),
            IncidentStatus::Closed => Some(&mut self.closed_at),
            IncidentStatus::Cancelled => Some(&mut self.cancelled_at),
        };
        if let Some(slot) = slot {
            slot.get_or_insert(now);
        }
        if m.stops(crate::TimerKind::Dispatch) {
            self.dispatch_timer.stopped_at.get_or_insert(now);
        }
        if m.stops(crate::TimerKind::Arrival) {
            self.arrival_timer.stopped_at.get_or_insert(now);
        }
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use IncidentStatus::*;

    #[test]
    fn the_normal_path_is_allowed() {
        let mut s = New;
        for next in [Dispatched, EnRoute, OnScene, Resolved, Closed] {
            s = s.transition(next).expect("allowed");
        }
        assert!(!s.is_open());
        assert!(s.allowed_next().is_empty());
    }

    #[test]
    fn on_scene_needs_someone_sent() {
        let err = New.transition(OnScene).expect_err("nobody was sent");
        assert_eq!(err.allowed, vec!["dispatched", "resolved", "cancelled"]);
        assert!(err.to_string().contains("allowed from new: dispatched, resolved, cancelled"));
    }

    #[test]
    fn final_states_allow_nothing() {
        let err = Closed.transition(New).expect_err("final");
        assert!(err.to_string().ends_with("nothing (final state)"), "{err}");
        assert!(Cancelled.transition(Dispatched).is_err());
        assert!(OnScene.transition(Cancelled).is_err(), "work on scene is resolved, not cancelled");
    }

    #[test]
    fn each_move_says_which_timers_stop_and_start() {
        use crate::TimerKind::*;
        let m = New.plan(IncidentStatus::Dispatched).expect("allowed");
        assert_eq!((m.stops, m.starts), (&[Dispatch][..], None));
        assert!(Dispatched.plan(EnRoute).expect("allowed").stops.is_empty());
        assert!(EnRoute.plan(OnScene).expect("allowed").stops(Arrival));
        let resolved = OnScene.plan(Resolved).expect("allowed");
        assert!(resolved.stops(Dispatch) && resolved.stops(Arrival));
        assert_eq!(resolved.starts, Some(Closure), "the write-up clock starts");
        assert_eq!(Resolved.plan(Closed).expect("allowed").stops, &[Closure][..]);
        assert_eq!(New.plan(Cancelled).expect("allowed").stops.len(), 3);
        assert!(New.plan(OnScene).is_err(), "the same rule as transition");
    }

    #[test]
    fn a_transition_writes_its_stage_once_and_stops_its_timers() {
        let policy = crate::ResponsePolicy::default();
        let t0 = DateTime::parse_from_rfc3339("2026-12-05T08:00:00Z").expect("time").with_timezone(&Utc);
        let new = crate::IncidentDraft {
            channel: Some("phone".into()),
            category: Some("fight".into()),
            lat: Some(25.25),
            lon: Some(110.21),
            ..Default::default()
        }
        .parse()
        .expect("valid");
        let place = crate::Location { station: None, zone: None, class: Some(crate::ResponseClass::Core) };
        let mut i = Incident::received(IncidentId(7), new, place, &policy, t0);
        assert_eq!(i.arrival_timer.timer.deadline - t0, chrono::Duration::seconds(policy.arrival_core_s.into()));
        let t1 = t0 + chrono::Duration::seconds(30);
        let m = i.transition(Dispatched, t1).expect("allowed");
        assert_eq!((i.status, i.dispatched_at, i.dispatch_timer.stopped_at), (Dispatched, Some(t1), Some(t1)));
        assert_eq!(m.stops, &[crate::TimerKind::Dispatch][..]);
        let t2 = t1 + chrono::Duration::seconds(60);
        i.transition(OnScene, t2).expect("allowed");
        assert_eq!((i.on_scene_at, i.arrival_timer.stopped_at), (Some(t2), Some(t2)));
        let before = i.clone();
        assert!(i.transition(Cancelled, t2).is_err(), "work on scene is resolved, not cancelled");
        assert_eq!(i, before, "a refused move changes nothing");
        let m = i.transition(Resolved, t2 + chrono::Duration::seconds(5)).expect("allowed");
        assert_eq!(m.starts, Some(crate::TimerKind::Closure));
        assert_eq!(i.arrival_timer.stopped_at, Some(t2), "stopped once, at its first stop");
    }

    #[test]
    fn priority_accepts_one_to_three() {
        assert_eq!(Priority::parse(1), Ok(Priority::URGENT));
        assert_eq!(Priority::parse(4), Err(PriorityError(4)));
        assert!(serde_json::from_str::<Priority>("0").is_err());
        assert_eq!(serde_json::to_string(&Priority::LOW).expect("json"), "3");
        assert!(Category::Fight.default_priority() < Category::Parking.default_priority());
    }
}
