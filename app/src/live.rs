//! The live state of a page: units, open incidents and figures as signals,
//! kept current by the websocket stream. Each unit and incident has its own
//! signal, so a position update re-renders one marker, not the map.
//!
//! Time on a page is the server's: every message carries `server_time`, and
//! countdowns use the client clock corrected by the measured offset, so a
//! wrong clock on the wall screen's PC cannot make a timer lie.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use domain::{IncidentId, UnitId};
use leptos::prelude::*;

use crate::wire::{
    AlertView, Board, ChatMessageView, Envelope, Event, Figures, IncidentView, PointStateView, Snapshot, UnitView,
};

/// How many alerts a page keeps (newest first).
pub const ALERTS_KEPT: usize = 30;

/// The state of the connection, as the page shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// Rendered by the server; the stream has not answered yet.
    Connecting,
    Live,
    /// The stream is down; the page is showing the last known state.
    Reconnecting,
    /// The server ended the stream because the session ended (logged out,
    /// idle, locked): the page stops and asks for a new login.
    SignedOut,
}

/// The close code the server ends a stream with when its session ended.
pub const CLOSE_SIGNED_OUT: u16 = 4401;

#[derive(Clone, Copy)]
pub struct Live {
    pub units: RwSignal<BTreeMap<UnitId, ArcRwSignal<UnitView>>>,
    pub incidents: RwSignal<BTreeMap<IncidentId, ArcRwSignal<IncidentView>>>,
    pub figures: RwSignal<Figures>,
    /// Today's latest timer alerts and escalations, newest first.
    pub alerts: RwSignal<Vec<AlertView>>,
    /// Tonight's must-patrol points by code.
    pub points: RwSignal<BTreeMap<String, PointStateView>>,
    pub link: RwSignal<Link>,
    /// Server clock minus client clock, in milliseconds.
    pub offset_ms: RwSignal<f64>,
    /// The server's "now", advanced once a second in the browser.
    pub now: RwSignal<DateTime<Utc>>,
    /// Client clock (ms) when the last message arrived.
    pub last_message_ms: RwSignal<f64>,
    /// The last sequence number applied, and its epoch.
    pub seq: RwSignal<u64>,
    pub epoch: RwSignal<String>,
    /// The stream is narrowed to a station or a unit: its sequence numbers
    /// skip the events it does not carry (the server still either delivers
    /// every event the filter wants or sends a fresh snapshot).
    pub filtered: RwSignal<bool>,
    /// Chat-group messages seen on the stream (the desk seeds it with the
    /// latest ones), by id; at most `CHAT_KEPT`.
    pub chat: RwSignal<BTreeMap<i64, ChatMessageView>>,
    /// Positions messages update units without notifying each unit's
    /// signal (only a unit's first position does); whoever draws positions
    /// tracks `seq`, which every applied message changes. Set by the wall
    /// screen's canvas: notifying 1,000 signals per message (and everything
    /// subscribed to each) was most of its script time, for markers that
    /// are not displayed.
    pub quiet_positions: RwSignal<bool>,
}

/// How many chat messages a page keeps (the newest).
pub const CHAT_KEPT: usize = 500;

/// Milliseconds since the epoch on this machine's clock.
pub fn client_now_ms() -> f64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        Utc::now().timestamp_millis() as f64
    }
}

fn ms_to_time(ms: f64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms as i64).unwrap_or_default()
}

impl Live {
    pub fn new(board: &Board) -> Live {
        Live::from_snapshot(&board.snapshot, board.seq, board.server_time)
    }

    /// The state of a snapshot taken at `seq` when the server's clock read
    /// `server_time`.
    pub fn from_snapshot(snapshot: &Snapshot, seq: u64, server_time: DateTime<Utc>) -> Live {
        let live = Live {
            units: RwSignal::new(BTreeMap::new()),
            incidents: RwSignal::new(BTreeMap::new()),
            figures: RwSignal::new(Figures::default()),
            alerts: RwSignal::new(Vec::new()),
            points: RwSignal::new(BTreeMap::new()),
            link: RwSignal::new(Link::Connecting),
            offset_ms: RwSignal::new(server_time.timestamp_millis() as f64 - client_now_ms()),
            now: RwSignal::new(server_time),
            last_message_ms: RwSignal::new(client_now_ms()),
            seq: RwSignal::new(seq),
            epoch: RwSignal::new(snapshot.epoch.clone()),
            filtered: RwSignal::new(false),
            chat: RwSignal::new(BTreeMap::new()),
            quiet_positions: RwSignal::new(false),
        };
        live.load_snapshot(snapshot);
        live
    }

    /// The server's time now, by the corrected client clock.
    pub fn server_now(&self) -> DateTime<Utc> {
        ms_to_time(client_now_ms() + self.offset_ms.get_untracked())
    }

    /// Advances `now`; called once a second in the browser.
    pub fn tick(&self) {
        self.now.set(self.server_now());
    }

    /// Replaces the state with a snapshot, touching only what changed.
    fn load_snapshot(&self, snap: &Snapshot) {
        reconcile(self.units, snap.units.iter().map(|u| (u.id, u.clone())));
        reconcile(self.incidents, snap.incidents.iter().filter(|i| i.status.is_open()).map(|i| (i.id, i.clone())));
        self.figures.set(snap.figures.clone());
        let mut alerts = snap.alerts.clone();
        alerts.truncate(ALERTS_KEPT);
        if self.alerts.with_untracked(|a| *a != alerts) {
            self.alerts.set(alerts);
        }
        let points: BTreeMap<String, PointStateView> =
            snap.points.iter().map(|p| (p.code.clone(), p.clone())).collect();
        if self.points.with_untracked(|p| *p != points) {
            self.points.set(points);
        }
        self.epoch.set(snap.epoch.clone());
        if snap.filtered {
            self.filtered.set(true);
        }
    }

    /// Applies one message from the stream. Returns `false` when the
    /// message shows that something was missed (a gap in the sequence); the
    /// caller then reconnects, resuming from the last good sequence.
    pub fn apply(&self, env: Envelope) -> bool {
        let received = client_now_ms();
        self.offset_ms.set(env.server_time.timestamp_millis() as f64 - received);
        self.last_message_ms.set(received);
        self.now.set(env.server_time);
        let last = self.seq.get_untracked();
        let filtered = self.filtered.get_untracked();
        // a merged positions message covers first_seq..=seq
        let first = env.first_seq.unwrap_or(env.seq);
        match &env.event {
            Event::Snapshot(_) => {}
            Event::Heartbeat if env.seq == last || (filtered && env.seq > last) => {}
            Event::Heartbeat => return false,
            _ if env.seq <= last => return true, // already applied
            _ if first != last + 1 && !filtered => return false,
            _ => {}
        }
        self.seq.set(env.seq);
        match env.event {
            Event::Snapshot(snap) => self.load_snapshot(&snap),
            Event::Incident { incident } => {
                if incident.status.is_open() {
                    upsert(self.incidents, incident.id, incident);
                } else {
                    self.incidents.update(|m| {
                        m.remove(&incident.id);
                    });
                }
            }
            Event::Unit { unit } => upsert(self.units, unit.id, unit),
            Event::Positions { positions } => {
                let quiet = self.quiet_positions.get_untracked();
                self.units.with_untracked(|units| {
                    for p in positions {
                        if let Some(sig) = units.get(&p.unit_id) {
                            let set = |u: &mut UnitView| {
                                u.lat = Some(p.lat);
                                u.lon = Some(p.lon);
                                u.seen_at = Some(p.at);
                            };
                            if quiet && sig.with_untracked(|u| u.lat.is_some()) {
                                sig.update_untracked(set);
                            } else {
                                sig.update(set);
                            }
                        }
                    }
                });
            }
            Event::Figures { figures } => self.figures.set(figures),
            Event::Timer { alert } | Event::Escalation { alert } => self.alerts.update(|list| {
                if !list.iter().any(|a| a.id == alert.id && a.kind == alert.kind) {
                    list.insert(0, alert);
                    list.truncate(ALERTS_KEPT);
                }
            }),
            Event::Point { point } => self.points.update(|m| {
                m.insert(point.code.clone(), point);
            }),
            Event::Chat { message } => self.chat.update(|m| {
                m.insert(message.id, message);
                while m.len() > CHAT_KEPT {
                    m.pop_first();
                }
            }),
            Event::Heartbeat => {}
        }
        if self.link.get_untracked() != Link::Live {
            self.link.set(Link::Live);
        }
        true
    }

    /// Units in id order, each with its own signal.
    pub fn unit_list(&self) -> Vec<(UnitId, ArcRwSignal<UnitView>)> {
        self.units.with(|m| m.iter().map(|(k, v)| (*k, v.clone())).collect())
    }

    pub fn incident_list(&self) -> Vec<(IncidentId, ArcRwSignal<IncidentView>)> {
        self.incidents.with(|m| m.iter().map(|(k, v)| (*k, v.clone())).collect())
    }

    /// Open incidents, most urgent first (priority, then time left).
    pub fn incidents_by_urgency(&self) -> Vec<IncidentView> {
        let now = self.now.get();
        let mut list: Vec<IncidentView> = self.incidents.with(|m| m.values().map(|s| s.get()).collect());
        list.sort_by_key(|i| i.urgency_key(now));
        list
    }

    pub fn unit(&self, id: UnitId) -> Option<UnitView> {
        self.units.with(|m| m.get(&id).map(|s| s.get()))
    }

    pub fn seconds_since_last_message(&self) -> f64 {
        (client_now_ms() - self.last_message_ms.get_untracked()) / 1000.0
    }
}

fn upsert<K: Ord + Copy + Send + Sync + 'static, V: PartialEq + Send + Sync + 'static>(
    map: RwSignal<BTreeMap<K, ArcRwSignal<V>>>,
    key: K,
    value: V,
) {
    let existing = map.with_untracked(|m| m.get(&key).cloned());
    match existing {
        Some(sig) => {
            if sig.with_untracked(|v| *v != value) {
                sig.set(value);
            }
        }
        None => map.update(|m| {
            m.insert(key, ArcRwSignal::new(value));
        }),
    }
}

fn reconcile<K: Ord + Copy + Send + Sync + 'static, V: PartialEq + Send + Sync + 'static>(
    map: RwSignal<BTreeMap<K, ArcRwSignal<V>>>,
    items: impl Iterator<Item = (K, V)>,
) {
    let items: BTreeMap<K, V> = items.collect();
    let keys_changed =
        map.with_untracked(|m| m.len() != items.len() || m.keys().zip(items.keys()).any(|(a, b)| a != b));
    if keys_changed {
        map.update(|m| {
            m.retain(|k, _| items.contains_key(k));
        });
    }
    for (k, v) in items {
        upsert(map, k, v);
    }
}

#[cfg(feature = "hydrate")]
pub mod client {
    //! The websocket client: connects, applies messages, and reconnects with
    //! backoff and jitter, resuming from the last sequence it saw.

    use std::cell::{Cell, RefCell};
    use std::rc::Rc;
    use std::time::Duration;

    use leptos::prelude::*;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    use web_sys::{CloseEvent, Event, MessageEvent, WebSocket};

    use super::{Link, Live};
    use crate::wire::Envelope;

    /// No message (not even a heartbeat) for this long: the connection is
    /// dead even if the browser has not noticed.
    const SILENCE_LIMIT_S: f64 = 12.0;

    struct Conn {
        ws: WebSocket,
        _on_message: Closure<dyn FnMut(MessageEvent)>,
        _on_close: Closure<dyn FnMut(CloseEvent)>,
        _on_error: Closure<dyn FnMut(Event)>,
    }

    struct Client {
        live: Live,
        /// Extra query for the stream, e.g. `station=JSL`.
        filter: String,
        conn: RefCell<Option<Conn>>,
        attempt: Cell<u32>,
        pending: Cell<bool>,
    }

    /// Starts the stream for this page (`filter`: "", "station=JSL" or
    /// "unit=12"); call once, in the browser.
    pub fn start(live: Live, filter: String) {
        // narrowed by the page's filter, or already by the server (the
        // board said so): never widened here
        if !filter.is_empty() {
            live.filtered.set(true);
        }
        let client = Rc::new(Client {
            live,
            filter,
            conn: RefCell::new(None),
            attempt: Cell::new(0),
            pending: Cell::new(false),
        });
        client.open();
        let c = client.clone();
        set_interval(move || c.watchdog(), Duration::from_secs(1));
    }

    impl Client {
        fn url(&self) -> Option<String> {
            let loc = window().location();
            let scheme = if loc.protocol().ok()? == "https:" { "wss" } else { "ws" };
            let host = loc.host().ok()?;
            let mut q = vec![];
            if !self.filter.is_empty() {
                q.push(self.filter.clone());
            }
            let epoch = self.live.epoch.get_untracked();
            if !epoch.is_empty() {
                q.push(format!("since={}&epoch={}", self.live.seq.get_untracked(), epoch));
            }
            Some(format!("{scheme}://{host}/ws{}{}", if q.is_empty() { "" } else { "?" }, q.join("&")))
        }

        fn open(self: &Rc<Self>) {
            let Some(url) = self.url() else { return };
            let ws = match WebSocket::new(&url) {
                Ok(ws) => ws,
                Err(_) => return self.schedule(),
            };
            let me = self.clone();
            let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
                let Some(text) = e.data().as_string() else { return };
                match serde_json::from_str::<Envelope>(&text) {
                    Ok(env) => {
                        me.attempt.set(0);
                        if !me.live.apply(env) {
                            // a gap: reconnect and resume from the last good sequence
                            me.restart();
                        }
                    }
                    Err(err) => leptos::logging::warn!("unreadable stream message: {err}"),
                }
            });
            let me = self.clone();
            let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |e: CloseEvent| {
                me.conn.borrow_mut().take();
                if e.code() == super::CLOSE_SIGNED_OUT {
                    // the session ended: reconnecting would only be refused
                    me.live.link.set(Link::SignedOut);
                    return;
                }
                me.live.link.set(Link::Reconnecting);
                me.schedule();
            });
            let on_error = Closure::<dyn FnMut(Event)>::new(move |_e: Event| {});
            ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
            ws.set_onerror(Some(on_error.as_ref().unchecked_ref()));
            *self.conn.borrow_mut() =
                Some(Conn { ws, _on_message: on_message, _on_close: on_close, _on_error: on_error });
        }

        /// Reconnects after an exponential backoff (0.5 s doubling to 3 s)
        /// with ±50% jitter: a hundred screens do not all return at once, and
        /// none waits more than 4.5 s once the server is back.
        fn schedule(self: &Rc<Self>) {
            if self.pending.replace(true) {
                return;
            }
            let attempt = self.attempt.get();
            self.attempt.set(attempt.saturating_add(1));
            let base = (500.0 * 2f64.powi(attempt.min(5) as i32)).min(3_000.0);
            let delay = base * (0.5 + js_sys::Math::random());
            let me = self.clone();
            set_timeout(
                move || {
                    me.pending.set(false);
                    me.open();
                },
                Duration::from_millis(delay as u64),
            );
        }

        /// Drops the current connection and opens a new one at once.
        fn restart(self: &Rc<Self>) {
            if let Some(conn) = self.conn.borrow_mut().take() {
                conn.ws.set_onclose(None);
                let _ = conn.ws.close();
            }
            self.open();
        }

        fn watchdog(self: &Rc<Self>) {
            self.live.tick();
            if self.live.link.get_untracked() == Link::SignedOut {
                return;
            }
            if self.live.seconds_since_last_message() > SILENCE_LIMIT_S {
                if self.live.link.get_untracked() == Link::Live {
                    self.live.link.set(Link::Reconnecting);
                }
                if let Some(conn) = self.conn.borrow_mut().take() {
                    // the close handler is dropped with `conn`: reconnect here
                    conn.ws.set_onclose(None);
                    let _ = conn.ws.close();
                    self.schedule();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::PositionView;
    use domain::{Force, StationCode, UnitKind, UnitStatus};

    /// Signals live in a reactive owner, as they do on a page.
    fn in_owner(f: impl FnOnce()) {
        Owner::new_root(None).with(f)
    }

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_795_000_000 + s, 0).expect("a time")
    }

    fn unit(id: i64) -> UnitView {
        UnitView {
            id: UnitId(id),
            callsign: format!("U{id}"),
            kind: UnitKind::Foot,
            force: Force::Police,
            station: StationCode::parse("JSL").expect("a code"),
            status: UnitStatus::Available,
            lat: Some(25.24),
            lon: Some(110.2),
            seen_at: Some(t(0)),
            incident: None,
        }
    }

    fn live_at(seq: u64) -> Live {
        let snap = Snapshot { epoch: "e1".into(), units: vec![unit(1), unit(2)], ..Snapshot::default() };
        Live::from_snapshot(&snap, seq, t(0))
    }

    fn env(seq: u64, first_seq: Option<u64>, event: Event) -> Envelope {
        Envelope { seq, first_seq, server_time: t(seq as i64), event }
    }

    fn moved(id: i64, lat: f64, at: i64) -> Event {
        Event::Positions { positions: vec![PositionView { unit_id: UnitId(id), lat, lon: 110.2, at: t(at) }] }
    }

    fn lat_of(live: &Live, id: i64) -> Option<f64> {
        live.unit(UnitId(id)).and_then(|u| u.lat)
    }

    #[test]
    fn the_next_number_applies_and_a_gap_asks_for_a_resume() {
        in_owner(|| {
            let live = live_at(10);
            assert!(live.apply(env(11, None, moved(1, 25.25, 1))));
            assert_eq!(live.seq.get_untracked(), 11);
            assert_eq!(lat_of(&live, 1), Some(25.25));
            assert_eq!(live.link.get_untracked(), Link::Live);
            // 12 never came: 13 is refused and not applied
            assert!(!live.apply(env(13, None, moved(1, 25.26, 2))));
            assert_eq!(live.seq.get_untracked(), 11);
            assert_eq!(lat_of(&live, 1), Some(25.25));
        });
    }

    #[test]
    fn quiet_positions_update_units_and_the_sequence_but_not_each_units_signal() {
        in_owner(|| {
            let live = live_at(10);
            live.quiet_positions.set(true);
            let sig = live.units.with_untracked(|m| m[&UnitId(1)].clone());
            let notified = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
            let (n, s) = (notified.clone(), sig.clone());
            // a subscriber of the unit's own signal, and one of the sequence
            let seen = ArcMemo::new(move |_| {
                n.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                s.with(|u| u.status)
            });
            let seq = ArcMemo::new(move |_| live.seq.get());
            assert_eq!(seen.get_untracked(), UnitStatus::Available);
            let before = notified.load(std::sync::atomic::Ordering::SeqCst);
            assert!(live.apply(env(11, None, moved(1, 25.25, 1))));
            assert_eq!(lat_of(&live, 1), Some(25.25), "the position is applied");
            assert_eq!(seq.get_untracked(), 11, "readers of positions see the new sequence number");
            let _ = seen.get_untracked();
            assert_eq!(
                notified.load(std::sync::atomic::Ordering::SeqCst),
                before,
                "the unit's signal was not notified"
            );
            // a change of status still notifies
            let mut busy = unit(1);
            busy.status = UnitStatus::Dispatched;
            assert!(live.apply(env(12, None, Event::Unit { unit: busy })));
            assert_eq!(seen.get_untracked(), UnitStatus::Dispatched);
        });
    }

    #[test]
    fn a_repeat_is_ignored() {
        in_owner(|| {
            let live = live_at(10);
            assert!(live.apply(env(11, None, moved(1, 25.25, 1))));
            assert!(live.apply(env(11, None, moved(1, 25.99, 1))));
            assert!(live.apply(env(9, None, moved(1, 25.98, 1))));
            assert_eq!(lat_of(&live, 1), Some(25.25));
            assert_eq!(live.seq.get_untracked(), 11);
        });
    }

    #[test]
    fn a_merged_positions_message_covers_its_range() {
        in_owner(|| {
            let live = live_at(10);
            assert!(live.apply(env(15, Some(11), moved(2, 25.27, 5))));
            assert_eq!(live.seq.get_untracked(), 15);
            assert_eq!(lat_of(&live, 2), Some(25.27));
            // a merged message that starts past the next number is a gap
            assert!(!live.apply(env(20, Some(17), moved(2, 25.28, 6))));
            assert_eq!(lat_of(&live, 2), Some(25.27));
        });
    }

    #[test]
    fn a_heartbeat_must_repeat_the_last_number_unless_the_stream_is_filtered() {
        in_owner(|| {
            let live = live_at(10);
            assert!(live.apply(env(10, None, Event::Heartbeat)));
            assert!(!live.apply(env(12, None, Event::Heartbeat)), "events 11 and 12 were missed");
            let phone = live_at(10);
            phone.filtered.set(true);
            // a filtered stream skips numbers it does not carry
            assert!(phone.apply(env(12, None, Event::Heartbeat)));
            assert!(phone.apply(env(15, None, moved(1, 25.3, 3))));
            assert_eq!(lat_of(&phone, 1), Some(25.3));
        });
    }

    #[test]
    fn a_stream_the_server_narrowed_says_so_in_its_snapshot() {
        in_owner(|| {
            // a wall screen asks for everything and gets everything but the
            // chat: the server marks its snapshot, and the page then takes
            // the gaps the chat leaves without reconnecting
            let live = live_at(10);
            let narrowed = Snapshot { epoch: "e1".into(), units: vec![unit(1)], filtered: true, ..Snapshot::default() };
            assert!(live.apply(env(12, None, Event::Snapshot(narrowed))));
            assert!(live.apply(env(14, None, Event::Heartbeat)), "13 was a chat message, not for this screen");
            assert!(live.apply(env(16, None, moved(1, 25.31, 4))));
            assert_eq!(lat_of(&live, 1), Some(25.31));
            // an unmarked snapshot does not widen it again
            let plain = Snapshot { epoch: "e1".into(), units: vec![unit(1)], ..Snapshot::default() };
            assert!(live.apply(env(20, None, Event::Snapshot(plain))));
            assert!(live.apply(env(22, None, Event::Heartbeat)));
        });
    }

    #[test]
    fn a_snapshot_replaces_the_state_whatever_its_number() {
        in_owner(|| {
            let live = live_at(500);
            let fresh = Snapshot { epoch: "e2".into(), units: vec![unit(2), unit(3)], ..Snapshot::default() };
            // a restarted server counts from the start again
            assert!(live.apply(env(4, None, Event::Snapshot(fresh))));
            assert_eq!(live.seq.get_untracked(), 4);
            assert_eq!(live.epoch.get_untracked(), "e2");
            assert!(live.unit(UnitId(1)).is_none(), "a unit gone from the snapshot is gone from the screen");
            assert!(live.unit(UnitId(3)).is_some());
            assert!(live.apply(env(5, None, moved(3, 25.21, 9))));
            assert_eq!(lat_of(&live, 3), Some(25.21));
        });
    }

    fn alert(id: i64, kind: &str) -> crate::wire::AlertView {
        crate::wire::AlertView {
            id,
            at: t(id),
            incident: Some(IncidentId(id)),
            chat_message: None,
            station: None,
            kind: kind.parse().expect("an alert kind"),
            timer: domain::TimerKind::Arrival,
            level: domain::TimerLevel::Red,
            deadline: t(id),
            suggested: None,
        }
    }

    #[test]
    fn alerts_from_the_stream_go_first_once_each() {
        in_owner(|| {
            let snap = Snapshot { epoch: "e1".into(), alerts: vec![alert(1, "timer")], ..Snapshot::default() };
            let live = Live::from_snapshot(&snap, 10, t(0));
            assert_eq!(live.alerts.get_untracked().len(), 1, "the snapshot's alerts are on the first HTML");
            assert!(live.apply(env(11, None, Event::Timer { alert: alert(2, "timer") })));
            assert!(live.apply(env(12, None, Event::Escalation { alert: alert(2, "escalation") })));
            assert!(live.apply(env(13, None, Event::Timer { alert: alert(2, "timer") })), "a repeat is ignored");
            let kinds: Vec<(i64, &str)> =
                live.alerts.get_untracked().into_iter().map(|a| (a.id, a.kind.as_str())).collect();
            assert_eq!(kinds, vec![(2, "escalation"), (2, "timer"), (1, "timer")]);
            for k in 0..40 {
                assert!(live.apply(env(14 + k, None, Event::Timer { alert: alert(100 + k as i64, "timer") })));
            }
            assert_eq!(live.alerts.get_untracked().len(), ALERTS_KEPT);
        });
    }

    #[test]
    fn the_clock_follows_the_server_not_the_screen() {
        in_owner(|| {
            let live = live_at(10);
            let ahead = Utc::now() + chrono::Duration::hours(2);
            assert!(live.apply(Envelope { seq: 10, first_seq: None, server_time: ahead, event: Event::Heartbeat }));
            let off = (live.server_now() - ahead).num_seconds().abs();
            assert!(off < 5, "server_now follows the server's clock, off by {off} s");
        });
    }

    fn point(code: &str, state: &str) -> PointStateView {
        PointStateView {
            code: code.into(),
            name: code.into(),
            station: "JSL".into(),
            state: state.parse().expect("a point state"),
            window_start: None,
            window_end: None,
        }
    }

    #[test]
    fn patrol_points_follow_the_stream() {
        in_owner(|| {
            let snap = Snapshot {
                epoch: "e1".into(),
                points: vec![point("PP01", "due"), point("PP02", "idle")],
                ..Snapshot::default()
            };
            let live = Live::from_snapshot(&snap, 10, t(0));
            let state = |code: &str| live.points.with_untracked(|m| m.get(code).map(|p| p.state.as_str()));
            assert_eq!(state("PP01"), Some("due"));
            assert!(live.apply(env(11, None, Event::Point { point: point("PP01", "visited") })));
            assert_eq!(state("PP01"), Some("visited"));
            assert_eq!(state("PP02"), Some("idle"), "the others are untouched");
        });
    }
}
