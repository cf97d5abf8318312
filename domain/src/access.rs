//! Who may see and do what: the roles, the permissions every route, page,
//! server function and stream needs, and the one table that joins them.
//!
//! The table is [`grant`]: for a role and a permission, whether it is
//! refused, granted everywhere, or granted only within the principal's own
//! station, unit(s) or chat groups (and, for the live stream, which view).
//! Two places read it and nothing else decides:
//! - the server's authorisation layer, before any handler runs, with
//!   [`Principal::scope`] (may this principal use this route at all, and
//!   what must the answer be narrowed to);
//! - the handlers, once they know the resource, with [`Principal::may`]
//!   (this incident's station, this unit, this group).
//!
//! A principal is a person with an account (admin, station chief,
//! dispatcher, chat steward, patrol officer) or a device with a token (wall
//! screen kiosk, vehicle tracker, chat bridge). The rules for people's
//! sessions and passwords are in [`crate::login`].

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::ids::{IncidentId, StationCode, UnitId};
use crate::named_enum;

named_enum! {
    /// What a principal is for. People log in with a name and a password;
    /// devices present a token.
    pub enum Role ("role") {
        /// Everything, including accounts, tokens, units, imports and the audit log.
        Admin = "admin",
        /// A station chief (警务站/派出所负责人), bound to one station.
        Chief = "chief",
        /// The command room's dispatcher (调度/指挥员).
        Dispatcher = "dispatcher",
        /// A chat-group steward (群管家).
        Steward = "steward",
        /// A patrol officer, bound to one unit.
        Officer = "officer",
        /// A wall screen: read-only, with a device token.
        Kiosk = "kiosk",
        /// A vehicle tracker or phone gateway, bound to its units.
        Tracker = "tracker",
        /// A chat-platform bridge, bound to its groups; it receives nothing.
        Bridge = "bridge",
    }
}

impl Role {
    /// Roles held by people (name and password, sessions that expire).
    pub const PEOPLE: &'static [Role] = &[Role::Admin, Role::Chief, Role::Dispatcher, Role::Steward, Role::Officer];
    /// Roles held by devices (a token; no idle or daily re-login).
    pub const DEVICES: &'static [Role] = &[Role::Kiosk, Role::Tracker, Role::Bridge];

    pub fn is_person(self) -> bool {
        Role::PEOPLE.contains(&self)
    }

    /// The page a principal of this role starts from after logging in.
    pub fn home(self) -> &'static str {
        match self {
            Role::Admin => "/admin",
            Role::Chief => "/review",
            Role::Dispatcher => "/dispatch",
            Role::Steward => "/desk",
            Role::Officer => "/unit",
            Role::Kiosk => "/screen",
            Role::Tracker | Role::Bridge => "/",
        }
    }
}

named_enum! {
    /// What a route, page, server function or stream needs. Each is one
    /// line of [`grant`].
    pub enum Permission ("permission") {
        /// The live board: units with positions, open incidents, tonight's
        /// points and the figures (the wall screen, the fleet list).
        ViewLive = "view_live",
        /// The live stream (`/ws`), narrowed to what the principal may see.
        Stream = "stream",
        /// Incidents and their timelines, without the reporter's contact.
        ReadIncidents = "read_incidents",
        /// A reporter's contact and photos (every view is audited).
        ReadContact = "read_contact",
        /// Take a call: create an incident.
        TakeCall = "take_call",
        /// The units recommended for an incident or a place.
        Recommend = "recommend",
        /// Send, back up and reassign units.
        Dispatch = "dispatch",
        /// Move an incident along its stages (resolve, close, cancel).
        IncidentStatus = "incident_status",
        /// Register a unit.
        RegisterUnit = "register_unit",
        /// Move a unit along its status machine.
        UnitStatus = "unit_status",
        /// Report a unit's position.
        ReportPosition = "report_position",
        /// Timers that turned amber or red, and escalations.
        ReadAlerts = "read_alerts",
        /// Check a unit in at a must-patrol point.
        CheckIn = "check_in",
        /// Must-patrol points' state, check-ins and misses.
        ReadPatrol = "read_patrol",
        /// Edit a must-patrol point, print and rotate its QR code.
        EditPoint = "edit_point",
        /// The review's figures (aggregates: counts, percentiles, shares,
        /// breakdowns, patrol and desk figures).
        ReviewFigures = "review_figures",
        /// The incidents behind a review figure, and their timelines.
        ReviewIncidents = "review_incidents",
        /// Import past incidents.
        ImportHistory = "import_history",
        /// The chat desk's messages (the sender's phone is audited).
        ReadDesk = "read_desk",
        /// Reply to, answer, convert and close chat messages.
        AnswerChat = "answer_chat",
        /// Post messages from the chat groups (a bridge).
        PostChat = "post_chat",
        /// An officer's phone page.
        OfficerPage = "officer_page",
        /// Safety notices: write, schedule, update and cancel them, make a
        /// month's drafts from the calendar, and see their deliveries.
        WriteNotices = "write_notices",
        /// One's own monthly tasks: see them and report them done.
        OwnTasks = "own_tasks",
        /// A station's monthly tasks: make the lists, see every officer's,
        /// accept or return reports, and the progress.
        ManageTasks = "manage_tasks",
        /// The deployment planner (`/plan`): where to post units, and the
        /// what-if replay of past incidents against a deployment.
        PlanDeployment = "plan_deployment",
        /// Accounts, tokens and the audit log.
        Administer = "administer",
        /// One's own session: who am I, log out, the API description.
        OwnSession = "own_session",
    }
}

/// How far a grant reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grant {
    Refused,
    /// Everything.
    All,
    /// Only what belongs to the principal's station.
    OwnStation,
    /// Only the principal's unit(s), and the incident(s) they work.
    OwnUnits,
    /// Only the principal's chat groups.
    OwnGroups,
    /// The wall screen's view of the stream: no chat messages.
    Screen,
    /// The chat desk's view of the stream: messages, incidents and alerts,
    /// no units or positions.
    Desk,
}

/// The permission table: what `role` may do of `permission`.
///
/// Written as one match over (permission, role) so that the whole table is
/// in one place and a new role or permission does not compile until every
/// cell is decided.
pub fn grant(role: Role, permission: Permission) -> Grant {
    use Grant::*;
    use Permission as P;
    use Role as R;
    if role == R::Admin {
        return All;
    }
    match (permission, role) {
        (P::ViewLive, R::Dispatcher | R::Kiosk) => All,
        (P::ViewLive, R::Chief) => OwnStation,
        (P::ViewLive, R::Officer) => OwnUnits,

        (P::Stream, R::Dispatcher) => All,
        (P::Stream, R::Kiosk) => Screen,
        (P::Stream, R::Chief) => OwnStation,
        (P::Stream, R::Officer) => OwnUnits,
        (P::Stream, R::Steward) => Desk,

        (P::ReadIncidents, R::Dispatcher) => All,
        (P::ReadIncidents, R::Chief) => OwnStation,
        (P::ReadIncidents, R::Officer) => OwnUnits,

        (P::ReadContact | P::TakeCall | P::Recommend | P::Dispatch, R::Dispatcher) => All,

        (P::IncidentStatus, R::Dispatcher) => All,
        (P::IncidentStatus, R::Officer) => OwnUnits,

        (P::UnitStatus, R::Dispatcher) => All,
        (P::UnitStatus, R::Officer) => OwnUnits,

        (P::ReportPosition, R::Officer | R::Tracker) => OwnUnits,

        (P::ReadAlerts, R::Dispatcher) => All,
        (P::ReadAlerts, R::Chief) => OwnStation,

        (P::CheckIn, R::Officer) => OwnUnits,

        (P::ReadPatrol, R::Dispatcher) => All,
        (P::ReadPatrol, R::Chief) => OwnStation,

        (P::EditPoint, R::Chief) => OwnStation,

        // aggregates of every station; the incidents behind them only of one's own
        (P::ReviewFigures, R::Chief) => All,
        (P::ReviewIncidents, R::Chief) => OwnStation,

        (P::ReadDesk | P::AnswerChat, R::Steward) => All,

        (P::PostChat, R::Bridge) => OwnGroups,

        (P::OfficerPage, R::Officer) => OwnUnits,

        (P::WriteNotices, R::Chief) => OwnStation,

        (P::OwnTasks, R::Officer) => OwnUnits,
        (P::ManageTasks, R::Chief) => OwnStation,

        // the command room plans the district; a chief their own station
        (P::PlanDeployment, R::Dispatcher) => All,
        (P::PlanDeployment, R::Chief) => OwnStation,

        (P::OwnSession, _) => All,

        _ => Refused,
    }
}

/// A person with an account, or a device with a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    pub id: PrincipalId,
    /// The account's or token's name: what the status log, the replies and
    /// the audit log record as the actor.
    pub name: String,
    pub role: Role,
    /// A chief's station.
    pub station: Option<StationCode>,
    /// An officer's unit, or a tracker's units, sorted (a tracker may
    /// carry thousands: see [`Principal::has_unit`]).
    pub units: Arc<[UnitId]>,
    /// A bridge's chat groups.
    pub groups: Vec<String>,
}

/// Which account or token a principal is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum PrincipalId {
    User(i64),
    Token(i64),
}

/// What an answer must be narrowed to, for a principal and a permission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    Station(StationCode),
    /// (Shared with the principal: a tracker's may be thousands.)
    Units(Arc<[UnitId]>),
    Groups(Vec<String>),
    Screen,
    Desk,
}

/// The thing a handler is about to show or change.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// Something that belongs to a station (a point, a station's list).
    Station(&'a StationCode),
    /// A unit, with its station.
    Unit { id: UnitId, station: &'a StationCode },
    /// An incident, with its station (if it falls in one) and the units on it.
    Incident { id: IncidentId, station: Option<&'a StationCode>, units: &'a [UnitId] },
    /// A chat group.
    Group(&'a str),
}

/// Why a principal may not do something; the server answers 403 with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("a {role} may not {permission}")]
    Role { role: Role, permission: Permission },
    #[error("a {role} may only {permission} for their own {within}")]
    Outside { role: Role, permission: Permission, within: &'static str },
    #[error("this {role} account is not bound to a {needs}")]
    Unbound { role: Role, needs: &'static str },
}

impl Principal {
    pub fn grant(&self, permission: Permission) -> Grant {
        grant(self.role, permission)
    }

    /// Whether the principal may use `permission` at all, and what the
    /// answer must be narrowed to.
    pub fn scope(&self, permission: Permission) -> Result<Scope, Refusal> {
        let refused = Refusal::Role { role: self.role, permission };
        match self.grant(permission) {
            Grant::Refused => Err(refused),
            Grant::All => Ok(Scope::All),
            Grant::Screen => Ok(Scope::Screen),
            Grant::Desk => Ok(Scope::Desk),
            Grant::OwnStation => match &self.station {
                Some(s) => Ok(Scope::Station(s.clone())),
                None => Err(Refusal::Unbound { role: self.role, needs: "station" }),
            },
            Grant::OwnUnits if self.units.is_empty() => Err(Refusal::Unbound { role: self.role, needs: "unit" }),
            Grant::OwnUnits => Ok(Scope::Units(self.units.clone())),
            Grant::OwnGroups if self.groups.is_empty() => {
                Err(Refusal::Unbound { role: self.role, needs: "chat group" })
            }
            Grant::OwnGroups => Ok(Scope::Groups(self.groups.clone())),
        }
    }

    /// Whether the principal may use `permission` on `target`.
    pub fn may(&self, permission: Permission, target: Target<'_>) -> Result<(), Refusal> {
        let outside = |within| Refusal::Outside { role: self.role, permission, within };
        let ok = match self.scope(permission)? {
            Scope::All | Scope::Screen | Scope::Desk => true,
            Scope::Station(own) => match target {
                Target::Station(s) | Target::Unit { station: s, .. } => *s == own,
                Target::Incident { station, .. } => station == Some(&own),
                Target::Group(_) => false,
            },
            Scope::Units(_) => match target {
                Target::Unit { id, .. } => self.has_unit(id),
                Target::Incident { units, .. } => units.iter().any(|u| self.has_unit(*u)),
                Target::Station(_) | Target::Group(_) => false,
            },
            Scope::Groups(own) => matches!(target, Target::Group(g) if own.iter().any(|o| o == g)),
        };
        if ok {
            Ok(())
        } else {
            Err(outside(match self.grant(permission) {
                Grant::OwnStation => "station",
                Grant::OwnGroups => "chat groups",
                _ => "unit",
            }))
        }
    }

    /// Whether `id` is one of the principal's units (`units` is sorted).
    pub fn has_unit(&self, id: UnitId) -> bool {
        self.units.binary_search(&id).is_ok()
    }

    /// What the status log and the audit log record as the actor.
    pub fn actor(&self) -> String {
        self.name.clone()
    }

    pub fn is_person(&self) -> bool {
        self.role.is_person()
    }

    /// The page this principal starts from (an officer's is their unit's).
    pub fn home(&self, callsign: Option<&str>) -> String {
        match (self.role, callsign) {
            (Role::Officer, Some(c)) => format!("/unit/{c}"),
            (role, _) => role.home().to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Grant::*;
    use Permission as P;

    /// The table as the issue states it, written out cell by cell and
    /// independently of `grant`: rows are permissions, columns the roles in
    /// this order: admin, chief, dispatcher, steward, officer, kiosk,
    /// tracker, bridge. `-` refused, `A` all, `S` own station, `U` own
    /// units, `G` own groups, `K` the screen's view, `D` the desk's view.
    const TABLE: &[(Permission, &str)] = &[
        (P::ViewLive, "ASA-UA--"),
        (P::Stream, "ASADUK--"),
        (P::ReadIncidents, "ASA-U---"),
        (P::ReadContact, "A-A-----"),
        (P::TakeCall, "A-A-----"),
        (P::Recommend, "A-A-----"),
        (P::Dispatch, "A-A-----"),
        (P::IncidentStatus, "A-A-U---"),
        (P::RegisterUnit, "A-------"),
        (P::UnitStatus, "A-A-U---"),
        (P::ReportPosition, "A---U-U-"),
        (P::ReadAlerts, "ASA-----"),
        (P::CheckIn, "A---U---"),
        (P::ReadPatrol, "ASA-----"),
        (P::EditPoint, "AS------"),
        (P::ReviewFigures, "AA------"),
        (P::ReviewIncidents, "AS------"),
        (P::ImportHistory, "A-------"),
        (P::ReadDesk, "A--A----"),
        (P::AnswerChat, "A--A----"),
        (P::PostChat, "A------G"),
        (P::OfficerPage, "A---U---"),
        (P::WriteNotices, "AS------"),
        (P::OwnTasks, "A---U---"),
        (P::ManageTasks, "AS------"),
        (P::PlanDeployment, "ASA-----"),
        (P::Administer, "A-------"),
        (P::OwnSession, "AAAAAAAA"),
    ];

    fn cell(c: char) -> Grant {
        match c {
            '-' => Refused,
            'A' => All,
            'S' => OwnStation,
            'U' => OwnUnits,
            'G' => OwnGroups,
            'K' => Screen,
            'D' => Desk,
            other => panic!("unknown cell {other}"),
        }
    }

    #[test]
    fn the_table_is_exactly_the_issue_s_table_for_every_role_and_permission() {
        // every permission has a row, once
        let rows: Vec<Permission> = TABLE.iter().map(|(p, _)| *p).collect();
        assert_eq!(rows, Permission::ALL, "one row per permission, in declaration order");
        for (permission, row) in TABLE {
            let cells: Vec<char> = row.chars().collect();
            assert_eq!(cells.len(), Role::ALL.len(), "{permission}: one cell per role");
            for (role, c) in Role::ALL.iter().zip(cells) {
                assert_eq!(grant(*role, *permission), cell(c), "{role} × {permission}");
            }
        }
    }

    #[test]
    fn devices_receive_nothing_beyond_their_one_job() {
        for p in Permission::ALL.iter().filter(|p| **p != P::OwnSession) {
            let kiosk = grant(Role::Kiosk, *p);
            assert!(matches!(kiosk, Refused | All | Screen), "kiosk × {p}: {kiosk:?}");
            if kiosk != Refused {
                assert!(matches!(p, P::ViewLive | P::Stream), "a kiosk only reads the screen: {p}");
            }
            let tracker = grant(Role::Tracker, *p);
            assert_eq!(tracker != Refused, *p == P::ReportPosition, "tracker × {p}");
            let bridge = grant(Role::Bridge, *p);
            assert_eq!(bridge != Refused, *p == P::PostChat, "bridge × {p}");
        }
        // and the kiosk's stream is the screen's view, never the chat
        assert_eq!(grant(Role::Kiosk, P::Stream), Screen);
    }

    fn person(role: Role) -> Principal {
        Principal {
            id: PrincipalId::User(1),
            name: "test".into(),
            role,
            station: None,
            units: Arc::from([]),
            groups: vec![],
        }
    }

    fn code(s: &str) -> StationCode {
        StationCode::parse(s).expect("valid code")
    }

    #[test]
    fn a_chief_is_held_to_their_station() {
        let chief = Principal { station: Some(code("JSL")), ..person(Role::Chief) };
        let (own, other) = (code("JSL"), code("XG"));
        assert_eq!(chief.scope(P::ReviewIncidents), Ok(Scope::Station(own.clone())));
        assert_eq!(chief.scope(P::ReviewFigures), Ok(Scope::All), "others' figures, aggregated");
        assert!(chief.may(P::EditPoint, Target::Station(&own)).is_ok());
        let refused = chief.may(P::EditPoint, Target::Station(&other)).expect_err("another station");
        assert_eq!(refused.to_string(), "a chief may only edit_point for their own station");
        let incident = |station| Target::Incident { id: IncidentId(1), station, units: &[] };
        assert!(chief.may(P::ReadIncidents, incident(Some(&own))).is_ok());
        assert!(chief.may(P::ReadIncidents, incident(Some(&other))).is_err());
        assert!(chief.may(P::ReadIncidents, incident(None)).is_err(), "outside every station");
        assert!(chief.may(P::ReadContact, incident(Some(&own))).is_err(), "never the reporter's contact");
        // a chief without a station is refused, not given everything
        let unbound = person(Role::Chief);
        assert_eq!(unbound.scope(P::EditPoint), Err(Refusal::Unbound { role: Role::Chief, needs: "station" }));
    }

    #[test]
    fn an_officer_is_held_to_their_unit_and_its_incident() {
        let officer = Principal { units: Arc::from([UnitId(1)]), ..person(Role::Officer) };
        let jsl = code("JSL");
        assert!(officer.may(P::UnitStatus, Target::Unit { id: UnitId(1), station: &jsl }).is_ok());
        assert!(officer.may(P::UnitStatus, Target::Unit { id: UnitId(2), station: &jsl }).is_err());
        assert!(officer.may(P::ReportPosition, Target::Unit { id: UnitId(2), station: &jsl }).is_err());
        let worked = Target::Incident { id: IncidentId(7), station: Some(&jsl), units: &[UnitId(3), UnitId(1)] };
        let other = Target::Incident { id: IncidentId(8), station: Some(&jsl), units: &[UnitId(2)] };
        assert!(officer.may(P::IncidentStatus, worked).is_ok());
        assert!(officer.may(P::IncidentStatus, other).is_err());
        assert!(officer.may(P::Dispatch, worked).is_err(), "an officer does not dispatch");
        assert!(officer.may(P::EditPoint, Target::Station(&jsl)).is_err());
        let unbound = person(Role::Officer);
        assert!(unbound.scope(P::OfficerPage).is_err(), "an officer account without a unit sees nothing");
    }

    #[test]
    fn a_tracker_with_many_units_is_checked_by_search() {
        let units: Vec<UnitId> = (1..=10_000).map(|n| UnitId(n * 2)).collect();
        let tracker = Principal { units: units.into(), ..person(Role::Tracker) };
        let jsl = code("JSL");
        assert!(tracker.has_unit(UnitId(9_998)));
        assert!(!tracker.has_unit(UnitId(9_999)));
        assert!(tracker.may(P::ReportPosition, Target::Unit { id: UnitId(20_000), station: &jsl }).is_ok());
        assert!(tracker.may(P::ReportPosition, Target::Unit { id: UnitId(20_001), station: &jsl }).is_err());
    }

    #[test]
    fn a_bridge_posts_for_its_groups_only() {
        let bridge = Principal { groups: vec!["jsl-shops-01".into()], ..person(Role::Bridge) };
        assert!(bridge.may(P::PostChat, Target::Group("jsl-shops-01")).is_ok());
        let e = bridge.may(P::PostChat, Target::Group("xg-market")).expect_err("another group");
        assert_eq!(e.to_string(), "a bridge may only post_chat for their own chat groups");
        assert!(bridge.scope(P::ReadDesk).is_err());
    }

    #[test]
    fn admins_and_dispatchers_reach_everything_they_are_granted() {
        let jsl = code("JSL");
        for role in [Role::Admin, Role::Dispatcher] {
            let p = person(role);
            assert!(p.may(P::Dispatch, Target::Incident { id: IncidentId(1), station: None, units: &[] }).is_ok());
            assert!(p.may(P::UnitStatus, Target::Unit { id: UnitId(9), station: &jsl }).is_ok());
        }
        assert!(person(Role::Dispatcher).scope(P::Administer).is_err());
        assert!(person(Role::Admin).scope(P::Administer).is_ok());
    }

    #[test]
    fn people_and_devices() {
        for r in Role::ALL {
            assert_ne!(Role::PEOPLE.contains(r), Role::DEVICES.contains(r), "{r} is a person or a device");
        }
        assert_eq!(Role::PEOPLE.len() + Role::DEVICES.len(), Role::ALL.len());
        assert_eq!(person(Role::Officer).home(Some("JS-P1")), "/unit/JS-P1");
        assert_eq!(person(Role::Dispatcher).home(None), "/dispatch");
    }
}
