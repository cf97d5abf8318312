//! `GET /ws`: the live stream.
//!
//! A client gets a snapshot and then every event, each with its sequence
//! number and the server time. A client that reconnects with
//! `?since=SEQ&epoch=EPOCH` gets exactly the events it missed while the
//! server still holds them (then a heartbeat), or a fresh snapshot.
//! `?station=CODE` narrows the stream (and the snapshot) to one station,
//! `?unit=ID` to one unit and the incident it works.
//!
//! Slow clients cannot hurt anyone. All clients read one shared, bounded ring
//! of serialised frames; each client's task takes everything waiting for it
//! at once and writes it with one flush. Consecutive position events in that
//! backlog are merged into one (the latest position per unit, marked with
//! `first_seq`); every other event is delivered as it is, or, if the client
//! fell so far behind that the ring overwrote frames it had not read, the
//! client gets a fresh snapshot instead. A client whose socket takes nothing
//! for `SEND_TIMEOUT` is disconnected (it reconnects and resumes).

use std::collections::BTreeMap;
use std::time::Duration;

use app::wire::{Event, PositionView, Snapshot};
use axum::extract::State;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::response::{IntoResponse, Response};
use domain::{IncidentId, StationCode, UnitId};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::sync::watch;

use crate::api::{ApiError, ApiQuery};
use crate::auth::{Authenticated, Via};
use crate::hub::{Frame, SharedSnapshot, Subscription, encode};
use crate::state::AppState;
use domain::access::{Permission, Principal, Scope};

/// How often a stream checks that its session or token still stands
/// (logged out, idle, locked, disabled, revoked: the stream ends with
/// close code 4401 and the page asks for a new login).
pub const RECHECK: Duration = Duration::from_secs(15);
/// The close code of a stream whose session ended.
pub const CLOSE_SIGNED_OUT: u16 = 4401;

/// How long a client's socket may refuse data before it is dropped.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// The most frames one client takes from the ring in one go.
const MAX_DRAIN: usize = 512;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WsQuery {
    since: Option<u64>,
    epoch: Option<String>,
    station: Option<String>,
    unit: Option<String>,
}

/// What part of the stream a client gets: what it asked for, narrowed to
/// what its principal may see (a client-chosen filter can only narrow).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    All,
    /// The wall screen's view: everything but the chat groups' messages.
    Screen,
    /// The chat desk's view: messages, incidents, alerts and figures; no
    /// units, positions or patrol points.
    Desk,
    /// A station chief's screen.
    Station(StationCode),
    /// An officer's phone: the unit and the incident it works.
    Unit(UnitId),
}

impl Filter {
    /// The filter for `who` asking for `q`: 403 when the query asks for
    /// more than the principal may see.
    fn parse(q: &WsQuery, state: &AppState, who: &Principal) -> Result<Filter, ApiError> {
        let asked = match (&q.station, &q.unit) {
            (Some(_), Some(_)) => return Err(ApiError::BadRequest("choose station or unit, not both".into())),
            (Some(s), None) => {
                let code = StationCode::parse(s).map_err(ApiError::bad)?;
                if !state.engine.shared().district.stations.iter().any(|st| st.code == code) {
                    return Err(ApiError::NotFound(format!("unknown station {s:?}")));
                }
                Filter::Station(code)
            }
            (None, Some(u)) => {
                let id = UnitId::parse(u).map_err(ApiError::bad)?;
                if state.engine.unit(id).is_none() {
                    return Err(ApiError::NotFound(format!("unit {id} not found")));
                }
                Filter::Unit(id)
            }
            (None, None) => Filter::All,
        };
        let refused = |e: domain::access::Refusal| ApiError::Forbidden(e.to_string());
        let scope = who.scope(Permission::Stream).map_err(refused)?;
        Ok(match (scope, asked) {
            (Scope::All, asked) => asked,
            (Scope::Screen, Filter::All) => Filter::Screen,
            (Scope::Screen, narrower) => narrower,
            (Scope::Desk, Filter::All) => Filter::Desk,
            (Scope::Desk, _) => {
                return Err(ApiError::Forbidden("the desk's stream is not narrowed by station or unit".into()));
            }
            (Scope::Station(own), Filter::All) => Filter::Station(own),
            (Scope::Station(own), Filter::Station(s)) if s == own => Filter::Station(own),
            (Scope::Station(own), Filter::Unit(id)) if state.engine.unit(id).is_some_and(|u| u.station == own) => {
                Filter::Unit(id)
            }
            (Scope::Station(_), _) => {
                return Err(ApiError::Forbidden(format!("a {} may only stream their own station", who.role)));
            }
            (Scope::Units(units), Filter::All) => match units.first() {
                Some(u) => Filter::Unit(*u),
                None => return Err(ApiError::Forbidden("no unit is bound to this account".into())),
            },
            (Scope::Units(_), Filter::Unit(id)) if who.has_unit(id) => Filter::Unit(id),
            (Scope::Units(_), _) => {
                return Err(ApiError::Forbidden(format!("a {} may only stream their own unit", who.role)));
            }
            (Scope::Groups(_), _) => return Err(ApiError::Forbidden("this principal receives nothing".into())),
        })
    }

    /// The part of a snapshot this filter shows, as the message that
    /// carries it (copying only that part).
    /// The whole snapshot and each station's part are serialised once per
    /// shared snapshot.
    pub fn encode_snapshot(&self, seq: u64, shared: &SharedSnapshot) -> Utf8Bytes {
        let snap: &Snapshot = shared;
        let part = match self {
            Filter::All => return shared.encoded("", |s| encode(seq, None, &Event::Snapshot(s.clone()))),
            // the snapshot carries no chat messages: the screen's is the whole
            // one, marked as the start of a narrowed stream ('#' is in no station code)
            Filter::Screen => {
                return shared.encoded("#screen", |s| {
                    encode(seq, None, &Event::Snapshot(Snapshot { filtered: true, ..s.clone() }))
                });
            }
            Filter::Desk => Snapshot {
                epoch: snap.epoch.clone(),
                units: vec![],
                incidents: snap.incidents.clone(),
                figures: snap.figures.clone(),
                alerts: snap.alerts.clone(),
                points: vec![],
                filtered: true,
            },
            Filter::Station(code) => {
                return shared.encoded(code.as_str(), |s| encode(seq, None, &Event::Snapshot(station_part(s, code))));
            }
            Filter::Unit(id) => {
                let incidents: Vec<_> = snap.incidents.iter().filter(|i| i.units.contains(id)).cloned().collect();
                Snapshot {
                    epoch: snap.epoch.clone(),
                    units: snap.units.iter().filter(|u| u.id == *id).cloned().collect(),
                    alerts: snap
                        .alerts
                        .iter()
                        .filter(|a| incidents.iter().any(|i| Some(i.id) == a.incident))
                        .cloned()
                        .collect(),
                    incidents,
                    figures: snap.figures.clone(),
                    // the phone lists its station's points itself
                    points: vec![],
                    filtered: true,
                }
            }
        };
        encode(seq, None, &Event::Snapshot(part))
    }
}

/// One station's part of a snapshot.
fn station_part(snap: &Snapshot, code: &StationCode) -> Snapshot {
    Snapshot {
        epoch: snap.epoch.clone(),
        units: snap.units.iter().filter(|u| &u.station == code).cloned().collect(),
        incidents: snap.incidents.iter().filter(|i| i.station.as_ref() == Some(code)).cloned().collect(),
        figures: snap.figures.clone(),
        alerts: snap.alerts.iter().filter(|a| a.station.as_ref() == Some(code)).cloned().collect(),
        points: snap.points.iter().filter(|p| p.station == code.as_str()).cloned().collect(),
        filtered: true,
    }
}

pub async fn handler(
    State(state): State<AppState>,
    axum::Extension(who): axum::Extension<Authenticated>,
    headers: axum::http::HeaderMap,
    ApiQuery(q): ApiQuery<WsQuery>,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    // a page of another site cannot open the stream with this browser's cookie
    if let Some(origin) = headers.get(axum::http::header::ORIGIN)
        && !state.gate.same_origin_value(origin, &headers)
    {
        return Err(ApiError::Forbidden("the live stream is not open to pages of another origin".into()));
    }
    // the query is checked first, so a bad filter gets a precise answer
    let filter = Filter::parse(&q, &state, &who.principal)?;
    let ws =
        ws.map_err(|_| ApiError::BadRequest("/ws is a websocket: connect with an Upgrade: websocket request".into()))?;
    // clients send next to nothing: small read buffers and messages; writes
    // go out at every flush, so no large write buffer is kept either
    let ws = ws.read_buffer_size(4 * 1024).max_message_size(64 * 1024).write_buffer_size(16 * 1024);
    Ok(ws.on_upgrade(move |socket| serve(socket, state, q, filter, who)).into_response())
}

/// One client's view of the stream: its filter, and (for an officer's phone)
/// the incident its unit was last sent to.
pub struct Client {
    filter: Filter,
    incident: Option<IncidentId>,
    /// The last sequence number delivered (or deliberately filtered out).
    last: u64,
}

impl Client {
    pub fn new(filter: Filter, snap: &Snapshot, seq: u64) -> Client {
        let incident = match &filter {
            Filter::Unit(id) => snap.units.iter().find(|u| u.id == *id).and_then(|u| u.incident),
            _ => None,
        };
        Client { filter, incident, last: seq }
    }

    /// Whether this client wants a (non-positions) event.
    fn wants(&mut self, e: &Event) -> bool {
        match (&self.filter, e) {
            (Filter::All, _) | (_, Event::Heartbeat | Event::Snapshot(_)) => true,
            (Filter::Screen, Event::Chat { .. }) => false,
            (Filter::Screen, _) => true,
            (Filter::Desk, Event::Chat { .. } | Event::Incident { .. } | Event::Figures { .. }) => true,
            (Filter::Desk, Event::Timer { .. } | Event::Escalation { .. }) => true,
            (Filter::Desk, Event::Unit { .. } | Event::Positions { .. } | Event::Point { .. }) => false,
            (Filter::Station(s), Event::Unit { unit }) => &unit.station == s,
            (Filter::Station(s), Event::Incident { incident }) => incident.station.as_ref() == Some(s),
            (Filter::Station(s), Event::Timer { alert } | Event::Escalation { alert }) => {
                alert.station.as_ref() == Some(s)
            }
            (Filter::Station(_), Event::Figures { .. }) => true,
            (Filter::Station(s), Event::Point { point }) => point.station == s.as_str(),
            (Filter::Unit(id), Event::Unit { unit }) => {
                if unit.id == *id && unit.incident.is_some() {
                    self.incident = unit.incident;
                }
                unit.id == *id
            }
            (Filter::Unit(id), Event::Incident { incident }) => {
                incident.units.contains(id) || Some(incident.id) == self.incident
            }
            (Filter::Unit(_), Event::Timer { alert } | Event::Escalation { alert }) => {
                alert.incident.is_some() && alert.incident == self.incident
            }
            (_, Event::Figures { .. } | Event::Chat { .. } | Event::Positions { .. } | Event::Point { .. }) => false,
        }
    }

    /// The positions of a frame this client wants.
    fn pick(&self, f: &Frame, positions: &[PositionView]) -> Vec<PositionView> {
        match &self.filter {
            Filter::All | Filter::Screen => positions.to_vec(),
            Filter::Desk => vec![],
            Filter::Station(s) => positions
                .iter()
                .enumerate()
                .filter(|(i, _)| f.stations.get(*i).is_some_and(|st| st.as_ref() == Some(s)))
                .map(|(_, p)| *p)
                .collect(),
            Filter::Unit(id) => positions.iter().filter(|p| p.unit_id == *id).copied().collect(),
        }
    }

    /// What to send for a backlog of frames: each wanted event as it was
    /// serialised, except runs of position events, merged into one message
    /// (latest position per unit) unless the run is a single event the
    /// client wants whole.
    fn render(&mut self, frames: &[Frame]) -> Vec<Utf8Bytes> {
        let mut out = vec![];
        let mut run = PositionRun::default();
        for f in frames {
            if f.is_heartbeat() {
                // a heartbeat repeats the last number: send it if nothing newer went out
                run.flush(&mut out, self);
                if f.seq >= self.last {
                    out.push(f.json.clone());
                }
                continue;
            }
            if f.seq <= self.last {
                continue; // delivered already (a replay overlapping the live feed)
            }
            match &*f.event {
                Event::Positions { positions } => {
                    let picked = self.pick(f, positions);
                    run.add(f, picked.len() == positions.len(), picked);
                }
                other => {
                    run.flush(&mut out, self);
                    if self.wants(other) {
                        out.push(f.json.clone());
                    }
                    self.last = f.seq;
                }
            }
        }
        run.flush(&mut out, self);
        out
    }
}

/// Consecutive position events waiting to be sent as one.
#[derive(Default)]
struct PositionRun {
    first: Option<u64>,
    last: u64,
    latest: BTreeMap<UnitId, PositionView>,
    /// The only frame of the run, when the client wants all of it as is.
    whole: Option<Frame>,
    frames: usize,
}

impl PositionRun {
    fn add(&mut self, f: &Frame, all_of_it: bool, picked: Vec<PositionView>) {
        self.first.get_or_insert(f.seq);
        self.last = f.seq;
        self.frames += 1;
        self.whole = (self.frames == 1 && all_of_it).then(|| f.clone());
        for p in picked {
            let keep = self.latest.get(&p.unit_id).is_none_or(|old| p.at >= old.at);
            if keep {
                self.latest.insert(p.unit_id, p);
            }
        }
    }

    fn flush(&mut self, out: &mut Vec<Utf8Bytes>, client: &mut Client) {
        let Some(first) = self.first else { return };
        client.last = self.last;
        if let Some(f) = self.whole.take() {
            out.push(f.json);
        } else if !self.latest.is_empty() {
            let positions: Vec<PositionView> = std::mem::take(&mut self.latest).into_values().collect();
            let first_seq = (first != self.last).then_some(first);
            out.push(encode(self.last, first_seq, &Event::Positions { positions }));
        }
        *self = PositionRun::default();
    }
}

/// Where a client's frames come from, besides the live feed.
pub trait Feed: Send + Sync {
    /// A fresh subscription for a client that fell behind the ring.
    fn resubscribe(&self) -> impl std::future::Future<Output = Option<Subscription>> + Send;
    /// Whether the client may still have the stream (its session stands).
    fn still_allowed(&self) -> impl std::future::Future<Output = bool> + Send {
        async { true }
    }
    /// How often to ask `still_allowed`.
    fn recheck_every(&self) -> Duration {
        RECHECK
    }
    /// A text message the client sent (the stream ignores them).
    fn on_text(&self, _text: &str) {}
}

struct EngineFeed(AppState, Authenticated);

impl Feed for EngineFeed {
    async fn resubscribe(&self) -> Option<Subscription> {
        self.0.engine.subscribe().await.ok()
    }

    fn recheck_every(&self) -> Duration {
        self.0.session_recheck
    }

    async fn still_allowed(&self) -> bool {
        let auth = &self.0.auth;
        let r = match &self.1.via {
            Via::Session { hash, .. } => auth.still_valid(hash, "").await,
            Via::Token { id } => auth.token_still_valid(*id).await,
        };
        // a store that does not answer does not end a wall screen's stream
        r.unwrap_or(true)
    }
}

async fn serve(socket: WebSocket, state: AppState, q: WsQuery, filter: Filter, who: Authenticated) {
    let shutdown = state.shutdown.clone();
    let shared = state.engine.shared().clone();
    let Ok(sub) = state.engine.subscribe().await else { return };
    let mut client = Client::new(filter.clone(), &sub.snapshot, sub.seq);
    // Resume when the client's place is still in the replay buffer, else
    // start from a snapshot.
    let resume = match (q.since, q.epoch.as_deref()) {
        (Some(since), Some(epoch)) if epoch == shared.epoch => shared.hub.replay_since(since),
        _ => None,
    };
    let first: Vec<Utf8Bytes> = match resume {
        Some(frames) => {
            client.last = q.since.unwrap_or(0);
            let mut missed: Vec<Frame> = frames.into_iter().filter(|f| f.seq <= sub.seq).collect();
            // then a heartbeat that says "you are current"
            missed.push(Frame::new(sub.seq, Event::Heartbeat));
            client.render(&missed)
        }
        None => vec![filter.encode_snapshot(sub.seq, &sub.snapshot)],
    };
    fan_out(socket, sub, client, first, EngineFeed(state, who), shutdown).await;
}

/// Serves one client: `first` (its snapshot or missed events), then the live
/// feed, drained and flushed in bulk, until it leaves, stalls past
/// `SEND_TIMEOUT`, or the server shuts down.
pub async fn fan_out(
    socket: WebSocket,
    sub: Subscription,
    mut client: Client,
    first: Vec<Utf8Bytes>,
    feed: impl Feed,
    mut shutdown: watch::Receiver<bool>,
) {
    let (mut sink, mut incoming) = socket.split();
    // only the live feed is kept: the snapshot (shared, and large for a big
    // fleet) is not held for the life of the connection
    let mut rx = sub.rx;
    if !send(&mut sink, first).await {
        return;
    }
    let every = feed.recheck_every();
    let mut recheck = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    loop {
        tokio::select! {
            _ = recheck.tick() => {
                if !feed.still_allowed().await {
                    let frame = axum::extract::ws::CloseFrame { code: CLOSE_SIGNED_OUT, reason: "session ended".into() };
                    let _ = tokio::time::timeout(SEND_TIMEOUT, sink.send(Message::Close(Some(frame)))).await;
                    break;
                }
            }
            frame = rx.recv() => {
                let mut frames = match frame {
                    Ok(f) => vec![f],
                    Err(RecvError::Lagged(_)) => vec![],
                    Err(RecvError::Closed) => break,
                };
                // take everything already waiting, so one flush carries it
                let mut lagged = frames.is_empty();
                while !lagged && frames.len() < MAX_DRAIN {
                    match rx.try_recv() {
                        Ok(f) => frames.push(f),
                        Err(TryRecvError::Lagged(_)) => lagged = true,
                        Err(TryRecvError::Empty | TryRecvError::Closed) => break,
                    }
                }
                let out = if lagged {
                    // frames this client had not read were overwritten: a
                    // state change may be among them, so start again from a snapshot
                    tracing::debug!("websocket client lagged; sending a snapshot");
                    let Some(fresh) = feed.resubscribe().await else { break };
                    rx = fresh.rx;
                    client = Client::new(client.filter.clone(), &fresh.snapshot, fresh.seq);
                    vec![client.filter.encode_snapshot(fresh.seq, &fresh.snapshot)]
                } else {
                    client.render(&frames)
                };
                if !send(&mut sink, out).await {
                    break;
                }
            }
            msg = incoming.next() => match msg {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(Message::Text(t))) => feed.on_text(t.as_str()),
                Some(Ok(_)) => {}
            },
            _ = shutdown.changed() => {
                let _ = sink.send(Message::Close(None)).await;
                break;
            }
        }
    }
}

/// Writes messages with one flush; false when the client is gone or has
/// taken nothing for `SEND_TIMEOUT`.
async fn send(sink: &mut futures_util::stream::SplitSink<WebSocket, Message>, out: Vec<Utf8Bytes>) -> bool {
    if out.is_empty() {
        return true;
    }
    let write = async {
        for m in out {
            sink.feed(Message::Text(m)).await?;
        }
        sink.flush().await
    };
    matches!(tokio::time::timeout(SEND_TIMEOUT, write).await, Ok(Ok(())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn pos(unit: i64, at_s: i64) -> PositionView {
        PositionView { unit_id: UnitId(unit), lat: 25.0, lon: 110.0, at: Utc::now() + chrono::Duration::seconds(at_s) }
    }

    fn positions(seq: u64, ps: Vec<PositionView>, stations: Vec<Option<StationCode>>) -> Frame {
        Frame { stations: std::sync::Arc::from(stations), ..Frame::new(seq, Event::Positions { positions: ps }) }
    }

    fn decode(b: &Utf8Bytes) -> serde_json::Value {
        serde_json::from_str(b.as_str()).expect("json")
    }

    #[test]
    fn a_backlog_of_positions_becomes_one_message_with_the_latest_per_unit() {
        let mut c = Client { filter: Filter::All, incident: None, last: 10 };
        let out = c.render(&[
            positions(11, vec![pos(1, 0), pos(2, 0)], vec![None, None]),
            positions(12, vec![pos(1, 1)], vec![None]),
            Frame::new(13, Event::Figures { figures: Default::default() }),
            positions(14, vec![pos(3, 0)], vec![None]),
        ]);
        assert_eq!(out.len(), 3);
        let merged = decode(&out[0]);
        assert_eq!((merged["seq"].as_u64(), merged["first_seq"].as_u64()), (Some(12), Some(11)));
        assert_eq!(merged["positions"].as_array().map(Vec::len), Some(2), "units 1 and 2, unit 1 at its latest");
        assert_eq!(decode(&out[1])["type"], "figures", "state changes are never merged or dropped");
        let single = decode(&out[2]);
        assert_eq!((single["seq"].as_u64(), single.get("first_seq")), (Some(14), None));
        assert_eq!(c.last, 14);
    }

    #[test]
    fn a_station_screen_gets_its_own_units_only() {
        let jsl = StationCode::parse("JSL").expect("code");
        let rs = StationCode::parse("RS").expect("code");
        let mut c = Client { filter: Filter::Station(jsl.clone()), incident: None, last: 0 };
        let out = c.render(&[
            positions(1, vec![pos(1, 0), pos(2, 0)], vec![Some(jsl.clone()), Some(rs.clone())]),
            Frame::new(2, Event::Chat { message: chat() }),
            positions(3, vec![pos(2, 1)], vec![Some(rs)]),
        ]);
        assert_eq!(out.len(), 1);
        let only = decode(&out[0]);
        assert_eq!(only["positions"][0]["unit_id"], 1);
        assert_eq!(only["positions"].as_array().map(Vec::len), Some(1));
        assert_eq!(c.last, 3, "filtered-out events count as delivered");
    }

    fn chat() -> app::wire::ChatMessageView {
        app::wire::ChatMessageView {
            id: 1,
            group_id: "g".into(),
            group_name: String::new(),
            message_id: "m".into(),
            sender_name: "x".into(),
            text: "t".into(),
            lat: None,
            lon: None,
            address: String::new(),
            attachments: vec![],
            sent_at: Utc::now(),
            received_at: Utc::now(),
            first_reply_at: None,
            incident: None,
            disposition: None,
            answered_by: None,
            incident_status: None,
            loop_closed_at: None,
        }
    }
}
