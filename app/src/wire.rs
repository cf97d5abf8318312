//! The types that travel between the server and the browser: views of units
//! and incidents, the live stream's events, and what a page loads first.
//! Personal data (reporter contacts) is not in any of these broadcast views;
//! it is only in [`IncidentDetail`], which dispatchers fetch one at a time.

use chrono::{DateTime, Utc};
use domain::district::{Landmark, PatrolPoint, Road, Station, Zone};
use domain::{
    Category, Channel, Force, IncidentId, IncidentStatus, Priority, ResponseClass, ResponsePolicy, StationCode, Timer,
    TimerKind, TimerLevel, TravelModel, UnitId, UnitKind, UnitStatus,
};
use serde::{Deserialize, Serialize};

/// A unit as every screen sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UnitView {
    pub id: UnitId,
    pub callsign: String,
    pub kind: UnitKind,
    pub force: Force,
    pub station: StationCode,
    pub status: UnitStatus,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// When the last position was taken.
    pub seen_at: Option<DateTime<Utc>>,
    /// The incident the unit is working, if any.
    pub incident: Option<IncidentId>,
}

/// A response timer as screens show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TimerView {
    pub kind: TimerKind,
    pub started_at: DateTime<Utc>,
    pub amber_at: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    /// When the timer stopped (its stage was reached), if it has.
    pub stopped_at: Option<DateTime<Utc>>,
}

impl TimerView {
    pub fn from_timer(t: Timer, stopped_at: Option<DateTime<Utc>>) -> TimerView {
        TimerView { kind: t.kind, started_at: t.started_at, amber_at: t.amber_at, deadline: t.deadline, stopped_at }
    }

    /// The level at `now`, or at the moment it stopped.
    pub fn level(&self, now: DateTime<Utc>) -> TimerLevel {
        let t =
            Timer { kind: self.kind, started_at: self.started_at, amber_at: self.amber_at, deadline: self.deadline };
        t.level(self.stopped_at.unwrap_or(now))
    }

    /// Seconds left until the deadline at `now` (negative when overdue).
    pub fn remaining_s(&self, now: DateTime<Utc>) -> f64 {
        (self.deadline - self.stopped_at.unwrap_or(now)).num_milliseconds() as f64 / 1000.0
    }

    /// Fraction of the target used at `now`, from 0 (just started) to 1
    /// (breached) and beyond.
    pub fn used(&self, now: DateTime<Utc>) -> f64 {
        let total = (self.deadline - self.started_at).num_milliseconds().max(1) as f64;
        (self.stopped_at.unwrap_or(now) - self.started_at).num_milliseconds() as f64 / total
    }
}

/// An incident as every screen sees it (no personal data).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct IncidentView {
    pub id: IncidentId,
    pub status: IncidentStatus,
    pub channel: Channel,
    pub category: Category,
    pub priority: Priority,
    pub lat: f64,
    pub lon: f64,
    pub address: String,
    pub description: String,
    pub station: Option<StationCode>,
    pub zone: Option<String>,
    pub zone_class: Option<ResponseClass>,
    /// Units currently assigned (not yet cleared).
    pub units: Vec<UnitId>,
    pub received_at: DateTime<Utc>,
    pub dispatched_at: Option<DateTime<Utc>>,
    pub en_route_at: Option<DateTime<Utc>>,
    pub on_scene_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub dispatch_timer: TimerView,
    pub arrival_timer: TimerView,
    pub external_id: Option<String>,
}

impl IncidentView {
    /// How urgent the incident is right now, for sorting (smaller first):
    /// priority, then the arrival time left.
    pub fn urgency_key(&self, now: DateTime<Utc>) -> (u8, i64) {
        (self.priority.get(), (self.arrival_timer.remaining_s(now) * 1000.0) as i64)
    }
}

impl From<&domain::Incident> for IncidentView {
    fn from(i: &domain::Incident) -> IncidentView {
        let timer = |t: &domain::StageTimer| TimerView::from_timer(t.timer, t.stopped_at);
        IncidentView {
            id: i.id,
            status: i.status,
            channel: i.channel,
            category: i.category,
            priority: i.priority,
            lat: i.location.lat(),
            lon: i.location.lon(),
            address: i.address.clone(),
            description: i.description.clone(),
            station: i.place.station.clone(),
            zone: i.place.zone.clone(),
            zone_class: i.place.class,
            units: i.units.clone(),
            received_at: i.received_at,
            dispatched_at: i.dispatched_at,
            en_route_at: i.en_route_at,
            on_scene_at: i.on_scene_at,
            resolved_at: i.resolved_at,
            closed_at: i.closed_at,
            cancelled_at: i.cancelled_at,
            dispatch_timer: timer(&i.dispatch_timer),
            arrival_timer: timer(&i.arrival_timer),
            external_id: i.external_id.clone(),
        }
    }
}

/// One line of an incident's history, from the status log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LogEntry {
    pub at: DateTime<Utc>,
    /// `incident` or `unit`.
    pub entity: String,
    pub entity_id: i64,
    pub from: Option<String>,
    pub to: String,
    pub actor: String,
    pub reason: String,
}

/// One incident with what only dispatchers see: the reporter's contact and
/// the full timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct IncidentDetail {
    #[serde(flatten)]
    pub incident: IncidentView,
    pub reporter_contact: Option<String>,
    pub timeline: Vec<LogEntry>,
    /// The deployment's local time, for showing the timeline.
    #[serde(default)]
    pub utc_offset_minutes: i32,
    /// Photos a resident attached to their report (dispatchers only).
    #[serde(default)]
    pub photos: Vec<crate::report::PhotoRef>,
}

/// The dispatcher's intake form as posted: every field text, checked by the
/// domain's intake rules on the server.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IntakeForm {
    pub channel: String,
    pub category: String,
    #[serde(default)]
    pub priority: String,
    pub lat: String,
    pub lon: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub reporter_contact: String,
}

/// A candidate unit for an incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RecommendationView {
    pub unit_id: UnitId,
    pub callsign: String,
    pub kind: UnitKind,
    pub force: Force,
    pub station: StationCode,
    pub eta_s: f64,
    /// As the crow flies.
    pub distance_m: f64,
    /// The ETA is by road (the deployment routes on a road network and the
    /// unit has a route); false: the straight-line model's.
    #[serde(default)]
    pub by_road: bool,
    pub lat: f64,
    pub lon: f64,
}

/// Availability and workload of one station.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StationFigures {
    pub code: StationCode,
    pub name: String,
    pub units_available: u32,
    pub units_on_duty: u32,
    pub units_total: u32,
    pub open_incidents: u32,
}

/// The live figures on the wall screen's strip. "Today" is the local day of
/// the deployment's UTC offset.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Figures {
    pub day_start: Option<DateTime<Utc>>,
    pub incidents_today: u32,
    pub open_incidents: u32,
    /// Incidents received today that a unit has reached.
    pub reached_today: u32,
    /// Received → first unit on scene, nearest-rank median and 90th
    /// percentile over today's reached incidents.
    pub median_response_s: Option<f64>,
    pub p90_response_s: Option<f64>,
    /// Share of today's reached incidents reached within their target.
    pub compliance: Option<f64>,
    /// Today's arrival timers that turned red.
    pub breaches_today: u32,
    pub units_available: u32,
    pub units_total: u32,
    pub stations: Vec<StationFigures>,
}

/// A message from a community chat group, as the desk sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ChatMessageView {
    pub id: i64,
    pub group_id: String,
    pub group_name: String,
    pub message_id: String,
    pub sender_name: String,
    pub text: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub address: String,
    pub attachments: Vec<String>,
    pub sent_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    pub first_reply_at: Option<DateTime<Utc>>,
    pub incident: Option<IncidentId>,
    /// How the desk answered it (none yet: still waiting).
    #[serde(default)]
    pub disposition: Option<domain::chat::Disposition>,
    /// The steward who answered first.
    #[serde(default)]
    pub answered_by: Option<String>,
    /// The linked incident's status, so the desk sees it resolved.
    #[serde(default)]
    pub incident_status: Option<IncidentStatus>,
    /// When the closing reply went out (the loop is closed, 闭环).
    #[serde(default)]
    pub loop_closed_at: Option<DateTime<Utc>>,
}

impl ChatMessageView {
    /// A message as stored at `received_at`, not yet answered.
    pub fn received(id: i64, m: domain::chat::NewChatMessage, received_at: DateTime<Utc>) -> ChatMessageView {
        ChatMessageView {
            id,
            group_id: m.group_id,
            group_name: m.group_name.into_string(),
            message_id: m.message_id,
            sender_name: m.sender_name.into_string(),
            text: m.text.into_string(),
            lat: m.location.map(|c| c.lat()),
            lon: m.location.map(|c| c.lon()),
            address: m.address.into_string(),
            attachments: m.attachments,
            sent_at: m.sent_at,
            received_at,
            first_reply_at: None,
            incident: None,
            disposition: None,
            answered_by: None,
            incident_status: None,
            loop_closed_at: None,
        }
    }
}

/// A timer that turned amber or red, or an escalation (a red arrival timer,
/// with the best unit available when it was raised).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AlertView {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// The incident the timer is about (none for a chat reply timer).
    pub incident: Option<IncidentId>,
    /// The chat message a `chat_reply` timer is about.
    #[serde(default)]
    pub chat_message: Option<i64>,
    pub station: Option<StationCode>,
    /// `timer` or `escalation`.
    pub kind: domain::AlertKind,
    pub timer: TimerKind,
    pub level: TimerLevel,
    pub deadline: DateTime<Utc>,
    /// For an escalation: the next-best unit to send (none when nobody is free).
    pub suggested: Option<RecommendationView>,
}

/// A unit's reported position, as carried by the stream.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PositionView {
    pub unit_id: UnitId,
    pub lat: f64,
    pub lon: f64,
    pub at: DateTime<Utc>,
}

/// Everything live at one sequence number.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Identifies the server process; a sequence number only means something
    /// within one epoch.
    pub epoch: String,
    pub units: Vec<UnitView>,
    pub incidents: Vec<IncidentView>,
    pub figures: Figures,
    /// Today's latest alerts, newest first.
    pub alerts: Vec<AlertView>,
    /// Every must-patrol point's state tonight (due, visited, missed, idle).
    #[serde(default)]
    pub points: Vec<PointStateView>,
    /// The stream this snapshot starts is narrowed (to what the principal
    /// may see, or what the page asked for): its sequence numbers skip the
    /// events it does not carry.
    #[serde(default)]
    pub filtered: bool,
}

/// What the live stream carries. Every event is wrapped in an [`Envelope`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// The whole live state; the first message on every connection.
    Snapshot(Snapshot),
    /// An incident was created or changed.
    Incident { incident: IncidentView },
    /// A unit was registered or changed status.
    Unit { unit: UnitView },
    /// Units moved.
    Positions { positions: Vec<PositionView> },
    /// The figures changed.
    Figures { figures: Figures },
    /// A chat-group message arrived (no sender phone: that stays in the store).
    Chat { message: ChatMessageView },
    /// A response timer turned amber or red.
    Timer { alert: AlertView },
    /// A red arrival timer: the station chief is alerted, with the next-best unit.
    Escalation { alert: AlertView },
    /// A must-patrol point changed state: its window opened (due), a unit
    /// checked in (visited), or the window ended without one (missed).
    Point { point: PointStateView },
    /// Nothing happened; the connection and the server are alive.
    Heartbeat,
}

/// An event with its place in the stream: `seq` increases by one per event
/// within an epoch (a heartbeat repeats the last one), and `server_time` lets
/// a screen run countdowns on the server's clock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    pub seq: u64,
    /// Set on a `positions` message that merges several position events a
    /// slow client had not read yet (latest position per unit): the first
    /// sequence number it covers. Only position events are ever merged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_seq: Option<u64>,
    pub server_time: DateTime<Utc>,
    #[serde(flatten)]
    pub event: Event,
}

/// Raster tiles from a tile server the deployment names in its config (an
/// XYZ URL template on the police network), drawn under the vector layers.
/// None by default: the map draws from the district's own data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TileLayer {
    /// e.g. `http://tiles.police.internal/{z}/{x}/{y}.png`
    pub url: String,
    /// The one zoom level drawn for the whole district.
    pub zoom: u8,
}

/// The static map: the district's geometry and the rules that colour it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapData {
    pub name: String,
    pub stations: Vec<Station>,
    pub zones: Vec<Zone>,
    pub patrol_points: Vec<PatrolPoint>,
    pub landmarks: Vec<Landmark>,
    pub roads: Vec<Road>,
    pub policy: ResponsePolicy,
    pub travel: TravelModel,
    /// The deployment's local time (China: +480), for clocks and "today".
    pub utc_offset_minutes: i32,
    /// Landmarks and must-patrol points a dispatcher can pick by name or
    /// pinyin initials.
    #[serde(default)]
    pub places: Vec<Place>,
    /// Optional raster tiles under the vector layers.
    #[serde(default)]
    pub tiles: Option<TileLayer>,
    /// ETAs are routed on a road network: the rings are drawn along the
    /// streets (server function `street_reach`), not as circles.
    #[serde(default)]
    pub routed: bool,
}

/// Reach along streets: what the posts and available units reach by road
/// within each band, as a raster over the district.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StreetReach {
    pub grid: domain::roads::cover::Grid,
    /// The bands in seconds, smallest first.
    pub bands: [f64; 3],
    /// One character per cell, row-major from the north-west: `0`, `1` or
    /// `2` (the smallest band whose time some source reaches the cell's
    /// centre in, by road) or `.` (none).
    pub cells: String,
    /// Share of the station areas reached within each band (cumulative).
    pub share: [f64; 3],
    /// Share of each zone class's area reached within its own arrival
    /// target (core within the core target, and so on).
    pub classes: Vec<ClassCover>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassCover {
    pub class: domain::ResponseClass,
    pub target_s: u32,
    pub share: f64,
}

/// A known place: a landmark or a must-patrol point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Place {
    pub name: String,
    pub name_en: String,
    /// Pinyin initials, lower case: "jsgc" for 金山广场.
    pub initials: String,
    pub lat: f64,
    pub lon: f64,
}

impl Place {
    /// How well the place matches a query typed by a dispatcher (name, part
    /// of the English name, or pinyin initials); `None` when it does not.
    /// Smaller is better.
    pub fn rank(&self, query: &str) -> Option<u8> {
        let q = query.trim().to_lowercase();
        if q.is_empty() {
            return None;
        }
        let en = self.name_en.to_lowercase();
        if self.initials == q || self.name == q {
            Some(0)
        } else if self.initials.starts_with(&q) || self.name.starts_with(&q) {
            Some(1)
        } else if self.name.contains(&q) || self.initials.contains(&q) {
            Some(2)
        } else if en.split(|c: char| !c.is_alphanumeric()).any(|w| w.starts_with(&q)) {
            Some(3)
        } else if en.contains(&q) {
            Some(4)
        } else {
            None
        }
    }
}

/// The places matching a query, best first (then by name), at most `limit`.
pub fn search_places<'a>(places: &'a [Place], query: &str, limit: usize) -> Vec<&'a Place> {
    let mut hits: Vec<(u8, &Place)> = places.iter().filter_map(|p| p.rank(query).map(|r| (r, p))).collect();
    hits.sort_by(|a, b| {
        a.0.cmp(&b.0).then_with(|| a.1.name.len().cmp(&b.1.name.len())).then_with(|| a.1.name.cmp(&b.1.name))
    });
    hits.into_iter().take(limit).map(|(_, p)| p).collect()
}

/// What a live page loads first (and renders on the server).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Board {
    pub map: MapData,
    pub snapshot: Snapshot,
    /// The sequence number the snapshot is consistent with.
    pub seq: u64,
    pub server_time: DateTime<Utc>,
}

/// An accepted check-in at a must-patrol point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CheckInView {
    pub id: i64,
    pub point: String,
    pub unit_id: i64,
    pub callsign: String,
    pub at: DateTime<Utc>,
    /// How far from the point the unit's position was (none for a QR
    /// check-in without a position).
    pub distance_m: Option<f64>,
    /// `gps` (by position) or `qr` (the point's printed code).
    pub method: domain::patrol::CheckInMethod,
}

/// What the page a point's QR code opens shows (no personal data).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointPage {
    pub code: String,
    pub name: String,
    pub windows: String,
    pub due: bool,
    pub last_check_in: Option<CheckInView>,
    pub utc_offset_minutes: i32,
    /// Where it is and its radius and windows, for a station chief's edit.
    #[serde(default)]
    pub lat: f64,
    #[serde(default)]
    pub lon: f64,
    #[serde(default)]
    pub radius_m: f64,
    #[serde(default)]
    pub windows_list: Vec<String>,
}

/// A point's printable QR code page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointQr {
    pub code: String,
    pub name: String,
    pub station_name: String,
    pub windows: String,
    /// What the code opens: `/checkin/{code}?token=...` on this server.
    pub url: String,
    /// The code as an SVG path (`d`), one unit per module, and its size.
    pub path: String,
    pub size: u32,
}

/// An opening of a must-patrol point's window that ended without a check-in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MissView {
    pub point: String,
    pub station: String,
    pub window_start: DateTime<Utc>,
    pub window_end: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
}

/// A must-patrol point's state now (tonight's map): `due`, `visited`,
/// `missed` or `idle`, with the opening it refers to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PointStateView {
    pub code: String,
    pub name: String,
    pub station: String,
    pub state: domain::patrol::PointState,
    pub window_start: Option<DateTime<Utc>>,
    pub window_end: Option<DateTime<Utc>>,
}

/// A must-patrol point of the officer's station, as the phone shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointDue {
    pub code: String,
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    pub radius_m: f64,
    /// The windows, e.g. "00:00-04:00, 12:00-14:00".
    pub windows: String,
    /// A window is open now.
    pub due: bool,
    /// The latest check-in here in the last 24 hours, by any unit.
    pub last_check_in: Option<DateTime<Utc>>,
}

/// What an officer's phone page loads first: its own unit, the incident it
/// works, and where the live stream resumes. Nothing about other units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitPage {
    pub unit: UnitView,
    /// The unit's station, by name.
    pub station_name: String,
    /// The incident the unit works, while it is open.
    pub incident: Option<IncidentView>,
    /// The sequence number and epoch the two views are consistent with.
    pub seq: u64,
    pub epoch: String,
    pub server_time: DateTime<Utc>,
    pub utc_offset_minutes: i32,
    /// The station's must-patrol points, due ones first.
    #[serde(default)]
    pub points: Vec<PointDue>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_json_has_type_seq_and_server_time_at_the_top() {
        let env = Envelope {
            seq: 7,
            first_seq: None,
            server_time: DateTime::parse_from_rfc3339("2026-11-22T03:00:00Z").expect("valid").with_timezone(&Utc),
            event: Event::Positions {
                positions: vec![PositionView {
                    unit_id: UnitId(3),
                    lat: 25.24,
                    lon: 110.2,
                    at: DateTime::parse_from_rfc3339("2026-11-22T02:59:59Z").expect("valid").with_timezone(&Utc),
                }],
            },
        };
        let json = serde_json::to_value(&env).expect("serialise");
        assert_eq!(json["type"], "positions");
        assert_eq!(json["seq"], 7);
        assert_eq!(json["server_time"], "2026-11-22T03:00:00Z");
        assert_eq!(json["positions"][0]["unit_id"], 3);
        let back: Envelope = serde_json::from_value(json).expect("deserialise");
        assert_eq!(back, env);
        let hb = serde_json::to_value(Envelope { event: Event::Heartbeat, ..env }).expect("serialise");
        assert_eq!(hb["type"], "heartbeat");
    }

    fn place(name: &str, name_en: &str, initials: &str) -> Place {
        Place { name: name.into(), name_en: name_en.into(), initials: initials.into(), lat: 25.0, lon: 110.0 }
    }

    #[test]
    fn places_are_found_by_initials_name_or_english_best_first() {
        let places = vec![
            place("金山广场", "Jinshan Square", "jsgc"),
            place("金山广场东门", "Jinshan Square east gate", "jsgcdm"),
            place("临桂区人民医院", "Lingui People's Hospital", "lgqrmyy"),
            place("万达广场", "Wanda Plaza", "wdgc"),
        ];
        let names = |q: &str| search_places(&places, q, 10).iter().map(|p| p.name.clone()).collect::<Vec<_>>();
        assert_eq!(names("jsgc"), ["金山广场", "金山广场东门"], "exact initials first");
        assert_eq!(names("JSG"), ["金山广场", "金山广场东门"], "case does not matter");
        assert_eq!(names("广场"), ["万达广场", "金山广场", "金山广场东门"]);
        assert_eq!(names("医院"), ["临桂区人民医院"]);
        assert_eq!(names("hosp"), ["临桂区人民医院"]);
        assert_eq!(names("gc"), ["万达广场", "金山广场", "金山广场东门"], "initials anywhere");
        assert!(names("  ").is_empty());
        assert!(names("zzz").is_empty());
        assert_eq!(search_places(&places, "gc", 2).len(), 2);
    }
}

// ── The chat-group steward desk (/desk) ─────────────────────────────────────

impl ChatMessageView {
    /// The reply timer: from receipt to the first reply, against the policy's
    /// chat reply target (amber at 80%, red at 100%, like the other timers).
    pub fn reply_timer(&self, policy: &ResponsePolicy) -> TimerView {
        TimerView::from_timer(policy.timer(TimerKind::ChatReply, None, self.received_at), self.first_reply_at)
    }

    /// Whether the desk still owes the linked incident's closing reply.
    pub fn loop_open(&self) -> bool {
        self.loop_closed_at.is_none()
            && matches!(self.incident_status, Some(IncidentStatus::Resolved | IncidentStatus::Closed))
    }
}

/// A reply the desk sent to a group, with how its delivery went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ReplyView {
    pub id: i64,
    /// `answer` or `closing`.
    pub kind: String,
    pub text: String,
    pub steward: String,
    pub created_at: DateTime<Utc>,
    /// `pending`, `delivered`, `failed` or `no_webhook`.
    pub delivery: domain::chat::Delivery,
    pub attempts: i64,
    pub delivered_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

/// What the triage rules propose for a message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProposalView {
    pub category: Category,
    pub priority: Priority,
    pub keyword: String,
}

/// One message as the steward works on it: with the sender's phone (the
/// desk may show it; it is never broadcast), the replies and the proposal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DeskMessage {
    pub message: ChatMessageView,
    pub sender_phone: Option<String>,
    pub replies: Vec<ReplyView>,
    pub proposal: Option<ProposalView>,
    /// The group has an outbound webhook (replies reach the group).
    pub has_webhook: bool,
}

/// What the desk page loads first: the live board and the latest messages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeskData {
    pub board: Board,
    /// Newest first.
    pub messages: Vec<ChatMessageView>,
}

/// The convert form's fields as text (`form[category]`, ...).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConvertForm {
    pub category: String,
    #[serde(default)]
    pub priority: String,
    #[serde(default)]
    pub lat: String,
    #[serde(default)]
    pub lon: String,
    /// A known place as `lat,lon` (used when lat/lon are empty).
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub description: String,
    /// Sent to the group with the conversion (may be empty).
    #[serde(default)]
    pub reply: String,
}

/// The desk's figures for a period (local dates, both included).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DeskReview {
    pub from: String,
    pub to: String,
    #[serde(flatten)]
    pub figures: domain::chat::DeskFigures,
}

// ── administration (/admin) ─────────────────────────────────────────────────

/// A person's account as the admin page shows it (never the password hash).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserView {
    pub id: i64,
    pub name: String,
    pub role: domain::access::Role,
    pub station: Option<StationCode>,
    /// An officer's unit's callsign.
    pub unit: Option<String>,
    pub demo: bool,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub last_login_at: Option<DateTime<Utc>>,
    pub failed_count: u32,
    /// Locked since, and until (none: until an admin unlocks it).
    pub locked_at: Option<DateTime<Utc>>,
    pub locked_until: Option<DateTime<Utc>>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub disabled_why: String,
    /// Sessions open now.
    pub sessions: u32,
}

/// A device token as the admin page shows it (never the token).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenView {
    pub id: i64,
    pub name: String,
    pub role: domain::access::Role,
    /// Its first characters, to tell tokens apart.
    pub hint: String,
    pub units: Vec<String>,
    pub groups: Vec<String>,
    pub demo: bool,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// Everything the admin page lists, and what its forms offer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminData {
    pub users: Vec<UserView>,
    pub tokens: Vec<TokenView>,
    pub stations: Vec<(StationCode, String)>,
    pub callsigns: Vec<String>,
    pub utc_offset_minutes: i32,
}

/// The audit view's filter (every field as typed; empty: any).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct AuditQuery {
    /// Who acted (a person's or a device's name).
    #[serde(default)]
    pub actor: String,
    /// What was done, e.g. `login` or `change`.
    #[serde(default)]
    pub action: String,
    /// `ok`, `refused` or `failed`.
    #[serde(default)]
    pub outcome: String,
    /// From this local date, `YYYY-MM-DD`.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", param(format = Date))]
    pub from: String,
    /// To this local date (inclusive), `YYYY-MM-DD`.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", param(format = Date))]
    pub to: String,
    /// The next page: lines older than this id (`next` of the page before;
    /// the JSON list only).
    #[serde(default)]
    pub before: Option<i64>,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AuditView {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub target: String,
    pub outcome: String,
    pub detail: String,
    pub ip: String,
}

/// A page of the audit log, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AuditPage {
    pub rows: Vec<AuditView>,
    /// The `before` of the next page, if there is one.
    pub next: Option<i64>,
    pub utc_offset_minutes: i32,
}

/// The admin page's new-account form, as typed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NewUserForm {
    pub name: String,
    pub role: String,
    #[serde(default)]
    pub station: String,
    #[serde(default)]
    pub unit: String,
    pub password: String,
}

/// The admin page's new-token form, as typed (units and groups separated
/// by spaces or commas).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NewTokenForm {
    pub name: String,
    pub role: String,
    #[serde(default)]
    pub units: String,
    #[serde(default)]
    pub groups: String,
}
