//! The event hub: numbers every event, keeps the recent ones for clients
//! that reconnect, and fans them out. Only the engine publishes, so sequence
//! numbers follow commit order exactly.
//!
//! On a database several servers share (PostgreSQL) the numbers are the
//! shared journal's: the hub is *journalled*, `publish` only queues the
//! event, the engine appends the queue to the journal (which numbers it),
//! and every event, this server's and the others', reaches the clients
//! through `publish_at` in the journal's order (see `engine::cluster`).
//!
//! A frame is serialised once and shared by every client it goes to; it also
//! carries the event itself (and, for positions, each unit's station) so a
//! client's filter or a slow client's coalescing can work without parsing.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use app::wire::{Envelope, Event};
use axum::extract::ws::Utf8Bytes;
use chrono::Utc;
use domain::StationCode;
use tokio::sync::broadcast;

/// One serialised event, shared by every client it goes to.
#[derive(Debug, Clone)]
pub struct Frame {
    pub seq: u64,
    pub json: Utf8Bytes,
    pub event: Arc<Event>,
    /// For a `positions` event: the station of each position's unit.
    pub stations: Arc<[Option<StationCode>]>,
}

impl Frame {
    /// A frame for `event` at `seq`, serialised now.
    pub fn new(seq: u64, event: Event) -> Frame {
        Frame::made_at(seq, event, Utc::now())
    }

    /// A frame whose `server_time` is when the event was made (on this
    /// server, or on another for a journalled event).
    pub fn made_at(seq: u64, event: Event, at: chrono::DateTime<Utc>) -> Frame {
        Frame { seq, json: encode_at(seq, None, &event, at), event: Arc::new(event), stations: Arc::from([]) }
    }

    pub fn is_heartbeat(&self) -> bool {
        matches!(*self.event, Event::Heartbeat)
    }
}

/// An event waiting for the journal, with its units' stations (positions).
pub type Pending = (Event, Arc<[Option<StationCode>]>);

pub struct Hub {
    tx: broadcast::Sender<Frame>,
    seq: std::sync::atomic::AtomicU64,
    /// Journalled: events wait in `pending` for their numbers.
    journalled: std::sync::atomic::AtomicBool,
    pending: Mutex<Vec<Pending>>,
    replay: Mutex<Replay>,
    replay_capacity: usize,
    replay_bytes: usize,
}

/// The recent events kept for clients that reconnect, bounded by count and
/// by size (position events can be large).
#[derive(Default)]
struct Replay {
    frames: VecDeque<Frame>,
    bytes: usize,
}

impl Hub {
    /// A hub keeping at most `replay_capacity` events and `replay_bytes`
    /// bytes of them for reconnecting clients; `channel_capacity` frames wait
    /// for slow clients (a client further behind gets a fresh snapshot).
    pub fn new(channel_capacity: usize, replay_capacity: usize, replay_bytes: usize) -> Hub {
        let (tx, _) = broadcast::channel(channel_capacity);
        Hub {
            tx,
            seq: std::sync::atomic::AtomicU64::new(0),
            journalled: std::sync::atomic::AtomicBool::new(false),
            pending: Mutex::new(vec![]),
            replay: Mutex::new(Replay::default()),
            replay_capacity,
            replay_bytes,
        }
    }

    /// The sequence number of the last event published.
    pub fn seq(&self) -> u64 {
        self.seq.load(std::sync::atomic::Ordering::Acquire)
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Frame> {
        self.tx.subscribe()
    }

    /// Publishes an event under the next sequence number.
    pub fn publish(&self, event: Event) -> u64 {
        self.publish_with(event, Arc::from([]))
    }

    /// Publishes positions with each unit's station (for station filters).
    pub fn publish_positions(&self, event: Event, stations: Vec<Option<StationCode>>) -> u64 {
        self.publish_with(event, Arc::from(stations))
    }

    /// From now on events are numbered by the journal, the next after `seq`
    /// (the journal's last at start-up).
    pub fn journal_from(&self, seq: u64) {
        self.seq.store(seq, std::sync::atomic::Ordering::Release);
        self.journalled.store(true, std::sync::atomic::Ordering::Release);
    }

    pub fn is_journalled(&self) -> bool {
        self.journalled.load(std::sync::atomic::Ordering::Acquire)
    }

    /// The events waiting for the journal, oldest first.
    pub fn take_pending(&self) -> Vec<Pending> {
        self.pending.lock().map(|mut p| std::mem::take(&mut *p)).unwrap_or_default()
    }

    /// Puts events the journal could not take back in front of the queue.
    pub fn return_pending(&self, mut events: Vec<Pending>) {
        if let Ok(mut p) = self.pending.lock() {
            events.append(&mut p);
            *p = events;
        }
    }

    /// Publishes a journalled event under its number, stamped with the time
    /// it was made (`at`: when the server that made it journalled it);
    /// `false` (and nothing sent) when it is not the next one.
    pub fn publish_at(
        &self,
        seq: u64,
        event: Event,
        stations: Arc<[Option<StationCode>]>,
        at: chrono::DateTime<Utc>,
    ) -> bool {
        if seq != self.seq() + 1 {
            return false;
        }
        self.send_frame(Frame { stations, ..Frame::made_at(seq, event, at) });
        true
    }

    fn publish_with(&self, event: Event, stations: Arc<[Option<StationCode>]>) -> u64 {
        if self.is_journalled() {
            if let Ok(mut p) = self.pending.lock() {
                p.push((event, stations));
            }
            return 0;
        }
        let seq = self.seq() + 1;
        self.send(seq, event, stations);
        seq
    }

    fn send(&self, seq: u64, event: Event, stations: Arc<[Option<StationCode>]>) {
        self.send_frame(Frame { stations, ..Frame::new(seq, event) });
    }

    fn send_frame(&self, frame: Frame) {
        self.seq.store(frame.seq, std::sync::atomic::Ordering::Release);
        if let Ok(mut replay) = self.replay.lock() {
            replay.bytes += frame.json.len();
            replay.frames.push_back(frame.clone());
            while replay.frames.len() > self.replay_capacity
                || (replay.bytes > self.replay_bytes && replay.frames.len() > 1)
            {
                if let Some(old) = replay.frames.pop_front() {
                    replay.bytes -= old.json.len();
                }
            }
        }
        // no receivers is fine: nobody is watching
        let _ = self.tx.send(frame);
    }

    /// Publishes a frame whose text is made by `text` from its sequence
    /// number, passed to clients as it is (for the fan-out benchmark, which
    /// sends the same messages as the Node.js baseline).
    pub fn publish_text(&self, text: impl FnOnce(u64) -> String) -> u64 {
        let seq = self.seq() + 1;
        // an event a client passes through unchanged
        let frame = Frame {
            seq,
            json: Utf8Bytes::from(text(seq)),
            event: Arc::new(Event::Figures { figures: Default::default() }),
            stations: Arc::from([]),
        };
        self.seq.store(seq, std::sync::atomic::Ordering::Release);
        let _ = self.tx.send(frame);
        seq
    }

    /// Frames not yet read by the slowest client.
    pub fn backlog(&self) -> usize {
        self.tx.len()
    }

    /// Sends a heartbeat carrying the current sequence number (not a new
    /// one, and not kept for replay).
    pub fn heartbeat(&self) {
        let _ = self.tx.send(Frame::new(self.seq(), Event::Heartbeat));
    }

    /// The events after `since`, if the replay buffer still holds all of them.
    pub fn replay_since(&self, since: u64) -> Option<Vec<Frame>> {
        let replay = self.replay.lock().ok()?;
        let replay = &replay.frames;
        let current = self.seq();
        if since > current {
            return None;
        }
        if since == current {
            return Some(vec![]);
        }
        let first = replay.front()?.seq;
        if since + 1 < first {
            return None;
        }
        Some(replay.iter().filter(|f| f.seq > since).cloned().collect())
    }
}

/// Serialises an event in its envelope, stamped now.
pub fn encode(seq: u64, first_seq: Option<u64>, event: &Event) -> Utf8Bytes {
    encode_at(seq, first_seq, event, Utc::now())
}

/// Serialises an event in its envelope, stamped `server_time`.
pub fn encode_at(seq: u64, first_seq: Option<u64>, event: &Event, server_time: chrono::DateTime<Utc>) -> Utf8Bytes {
    #[derive(serde::Serialize)]
    struct Borrowed<'a> {
        seq: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        first_seq: Option<u64>,
        server_time: chrono::DateTime<Utc>,
        #[serde(flatten)]
        event: &'a Event,
    }
    let env = Borrowed { seq, first_seq, server_time, event };
    match serde_json::to_string(&env) {
        Ok(s) => Utf8Bytes::from(s),
        Err(e) => {
            tracing::error!(error = %e, "cannot serialise an event");
            let fallback = Envelope { seq, first_seq: None, server_time: Utc::now(), event: Event::Heartbeat };
            Utf8Bytes::from(serde_json::to_string(&fallback).unwrap_or_default())
        }
    }
}

/// What a new client needs: the snapshot's frame and the live feed after it.
pub struct Subscription {
    pub seq: u64,
    /// Shared by every client that subscribed at the same sequence number.
    pub snapshot: Arc<SharedSnapshot>,
    pub rx: broadcast::Receiver<Frame>,
}

/// A snapshot shared by the clients that subscribe at one sequence number,
/// with its serialised forms (whole, per station), made once: a thousand
/// screens connecting together cost one serialisation, not a thousand.
#[derive(Debug, Default)]
pub struct SharedSnapshot {
    snapshot: app::wire::Snapshot,
    encoded: Mutex<Vec<(String, Utf8Bytes)>>,
}

impl SharedSnapshot {
    pub fn new(snapshot: app::wire::Snapshot) -> SharedSnapshot {
        SharedSnapshot { snapshot, encoded: Mutex::new(vec![]) }
    }

    /// The serialised form named `key`, made by `make` the first time.
    pub fn encoded(&self, key: &str, make: impl FnOnce(&app::wire::Snapshot) -> Utf8Bytes) -> Utf8Bytes {
        let Ok(mut cache) = self.encoded.lock() else { return make(&self.snapshot) };
        if let Some((_, json)) = cache.iter().find(|(k, _)| k == key) {
            return json.clone();
        }
        let json = make(&self.snapshot);
        cache.push((key.to_owned(), json.clone()));
        json
    }
}

impl std::ops::Deref for SharedSnapshot {
    type Target = app::wire::Snapshot;
    fn deref(&self) -> &app::wire::Snapshot {
        &self.snapshot
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_events_and_replays_while_it_can() {
        let hub = Hub::new(16, 3, 1 << 20);
        let mut rx = hub.subscribe();
        for _ in 0..5 {
            hub.publish(Event::Heartbeat);
        }
        assert_eq!(hub.seq(), 5);
        assert_eq!(rx.try_recv().map(|f| f.seq).ok(), Some(1));
        assert_eq!(hub.replay_since(5).map(|v| v.len()), Some(0));
        assert_eq!(hub.replay_since(3).map(|v| v.iter().map(|f| f.seq).collect::<Vec<_>>()), Some(vec![4, 5]));
        assert_eq!(hub.replay_since(2).map(|v| v.len()), Some(3));
        assert!(hub.replay_since(1).is_none(), "event 2 is gone");
        assert!(hub.replay_since(9).is_none(), "from the future");
        hub.heartbeat();
        assert_eq!(hub.seq(), 5, "a heartbeat does not take a number");
    }

    #[test]
    fn replay_is_bounded_by_size_too() {
        let hub = Hub::new(16, 1000, 400);
        for _ in 0..20 {
            hub.publish(Event::Heartbeat);
        }
        let kept = hub.replay_since(hub.seq() - 1).map(|v| v.len());
        assert_eq!(kept, Some(1));
        let frames = hub.replay.lock().map(|r| (r.frames.len(), r.bytes)).expect("lock");
        assert!(frames.1 <= 400 + 200 && frames.0 < 20, "{frames:?}");
    }
}
