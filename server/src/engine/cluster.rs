//! Several servers on one PostgreSQL database.
//!
//! Every server runs an engine and takes commands; the database keeps the
//! guarantees that must hold across servers (a unit is taken once: its
//! update is conditional and an open assignment is unique; a timer level
//! fires once: its mark is conditional). What each server changes goes to
//! the shared event journal, which numbers it; every server reads the
//! journal in order (woken by `LISTEN/NOTIFY`, polling as a fallback), applies
//! the other servers' changes to its mirror and hands every event to its
//! clients under the journal's number. So a screen on any server sees every
//! change, in one order, and can resume on any server.
//!
//! One server at a time is the leader: whoever holds the advisory lock on a
//! connection of its own. Only the leader fires response and chat-reply
//! timers, records missed patrol windows, publishes the wall screen's
//! figures and delivers replies to chat groups. Each new leader takes the
//! next term, and a timer's alert is written only if the term is still the
//! current one (fencing). When the leader's process dies its connection
//! closes, PostgreSQL frees the lock, and a follower takes it within one
//! election interval, rebuilds its timers from the database and fires what
//! came due meanwhile (once: the marks are conditional).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use app::wire::Event;
use chrono::{DateTime, Utc};
use domain::StationCode;
use domain::timers::TimerWheel;

use super::{Engine, EngineError, EngineHandle, read, write};
use crate::store::Store;
use crate::store::cluster::{EVENTS_CHANNEL, still_leading, try_lead};

/// This server's place among the servers of its database.
#[derive(Debug)]
pub struct Cluster {
    /// Identifies this process in the journal and the leader's row.
    pub instance: String,
    /// Several servers may share the database (PostgreSQL).
    pub shared: bool,
    /// The term this server leads in; 0 while it follows.
    term: AtomicI64,
}

/// The role `/healthz` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The only server (SQLite).
    Single,
    Leader,
    Follower,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Single => "single",
            Role::Leader => "leader",
            Role::Follower => "follower",
        }
    }
}

impl Cluster {
    pub fn new(shared: bool) -> Cluster {
        let instance = format!("{:016x}", getrandom::u64().unwrap_or_else(|_| std::process::id().into()));
        Cluster { instance, shared, term: AtomicI64::new(0) }
    }

    /// Whether this server does the leader's work (always, alone on SQLite).
    pub fn is_leader(&self) -> bool {
        !self.shared || self.term() > 0
    }

    /// Stops doing the leader's work at once (the lock is lost or in doubt).
    pub fn step_down(&self) {
        if self.term.swap(0, Ordering::AcqRel) > 0 {
            tracing::warn!(instance = %self.instance, "this server no longer leads");
        }
    }

    pub fn term(&self) -> i64 {
        self.term.load(Ordering::Acquire)
    }

    pub fn role(&self) -> Role {
        match (self.shared, self.term() > 0) {
            (false, _) => Role::Single,
            (true, true) => Role::Leader,
            (true, false) => Role::Follower,
        }
    }
}

/// How long the journal keeps an event: a screen further behind than this
/// (or than its server's memory) gets a fresh snapshot.
const JOURNAL_KEPT_MS: i64 = 10 * 60 * 1000;

/// At most this many journal rows are read at once.
const CATCH_UP_BATCH: i64 = 1000;

impl Engine {
    /// Appends the events this server's last command made to the journal
    /// (which numbers them), then hands them to the clients. On a failure
    /// they wait for the next flush.
    pub(super) async fn flush_events(&mut self) {
        let hub = &self.shared.hub;
        if !hub.is_journalled() {
            return;
        }
        let pending = hub.take_pending();
        if pending.is_empty() {
            return;
        }
        let payloads: Vec<String> = pending.iter().map(|(e, _)| serde_json::to_string(e).unwrap_or_default()).collect();
        // wall-clock time (not the rules' clock a test may move): when it
        // was made, for `server_time` and the journal's pruning
        let now = crate::store::millis(Utc::now());
        match self.store.append_events(&self.shared.cluster.instance, now, &payloads).await {
            Ok(first) => {
                if first == hub.seq() + 1 {
                    // nobody else wrote in between: straight to the clients
                    let at = crate::store::time(now);
                    for (k, (event, stations)) in pending.into_iter().enumerate() {
                        hub.publish_at(first + k as u64, event, stations, at);
                    }
                } else {
                    // the other servers' events come first, from the journal
                    if let Err(e) = self.catch_up().await {
                        tracing::error!(error = %e, "cannot read the event journal");
                    }
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot append to the event journal; retrying");
                hub.return_pending(pending);
            }
        }
    }

    /// Reads the journal after the last event this server published and
    /// hands each to the clients in order, applying the other servers'
    /// changes to this server's mirror first.
    pub(super) async fn catch_up(&mut self) -> Result<u64, EngineError> {
        let mut applied = 0;
        let mut timers_changed = false;
        let mut visits_changed = false;
        loop {
            let rows = self.store.events_after(self.shared.hub.seq(), CATCH_UP_BATCH).await?;
            let n = rows.len() as i64;
            for row in rows {
                let seq = row.seq.max(0) as u64;
                if seq > self.shared.hub.seq() + 1 {
                    // events were pruned before this server read them (it
                    // was stopped or far behind): the database is the truth
                    self.resync(seq - 1).await?;
                    timers_changed = true;
                    visits_changed = true;
                }
                let event: Event = match serde_json::from_str(&row.payload) {
                    Ok(e) => e,
                    Err(e) => {
                        tracing::error!(seq, error = %e, "an unreadable journal event is skipped");
                        Event::Heartbeat
                    }
                };
                if row.origin != self.shared.cluster.instance {
                    let (t, v) = self.apply_remote(&event).await?;
                    timers_changed |= t;
                    visits_changed |= v;
                }
                let stations = self.stations_of(&event);
                if !self.shared.hub.publish_at(seq, event, stations, crate::store::time(row.at)) {
                    tracing::error!(seq, have = self.shared.hub.seq(), "journal events out of order");
                }
                applied += 1;
            }
            if n < CATCH_UP_BATCH {
                break;
            }
        }
        if timers_changed && self.shared.cluster.is_leader() {
            self.reload_timers().await?;
        }
        if visits_changed {
            self.reload_visits().await?;
        }
        Ok(applied)
    }

    /// Reloads the mirror from the database and continues the stream after
    /// `seq` (its screens see the gap and take a fresh snapshot).
    async fn resync(&mut self, seq: u64) -> Result<(), EngineError> {
        tracing::warn!(
            from = self.shared.hub.seq(),
            to = seq,
            "journal events pruned before they were read; reloading"
        );
        let units = self.store.load_units().await?;
        let open = self.store.load_open_incidents().await?;
        *write(&self.shared.fleet) = super::Fleet::new(self.shared.settings.travel.clone(), units);
        *write(&self.shared.open) = open.into_iter().map(|i| (i.id, i)).collect();
        self.shared.hub.journal_from(seq);
        self.figures_dirty = true;
        Ok(())
    }

    /// For a positions event, each unit's station (station screens filter
    /// on it).
    fn stations_of(&self, event: &Event) -> Arc<[Option<StationCode>]> {
        match event {
            Event::Positions { positions } => {
                let fleet = read(&self.shared.fleet);
                positions.iter().map(|p| fleet.get(p.unit_id).map(|u| u.station.clone())).collect()
            }
            _ => Arc::from([]),
        }
    }

    /// Another server's change, into this server's mirror; answers whether
    /// the running timers and the patrol visits may have changed.
    async fn apply_remote(&mut self, event: &Event) -> Result<(bool, bool), EngineError> {
        match event {
            Event::Incident { incident } => {
                // the database is the truth: the incident as committed
                match self.store.live_incident(incident.id).await? {
                    Some(i) if i.status.is_open() => {
                        write(&self.shared.open).insert(i.id, i);
                    }
                    _ => {
                        write(&self.shared.open).remove(&incident.id);
                    }
                }
                self.figures_dirty = true;
                return Ok((true, false));
            }
            Event::Unit { unit } => {
                write(&self.shared.fleet).put(unit.clone());
                self.figures_dirty = true;
            }
            Event::Positions { positions } => {
                let mut fleet = write(&self.shared.fleet);
                for p in positions {
                    if let Ok(at) = domain::Coordinates::parse(p.lat, p.lon) {
                        fleet.moved(p.unit_id, at, p.at);
                    }
                }
            }
            Event::Timer { alert } | Event::Escalation { alert } => {
                self.recent_alerts.push_front(alert.clone());
                self.recent_alerts.truncate(super::timers::RECENT_ALERTS);
            }
            Event::Chat { .. } => return Ok((true, false)),
            Event::Point { .. } => return Ok((false, true)),
            Event::Figures { figures } => {
                if !self.shared.cluster.is_leader() {
                    *write(&self.shared.figures) = figures.clone();
                }
            }
            Event::Snapshot(_) | Event::Heartbeat => {}
        }
        Ok((false, false))
    }

    /// The leader keeps the journal to its last few minutes.
    pub(super) async fn prune_journal(&mut self) {
        if !self.shared.cluster.shared || !self.shared.cluster.is_leader() {
            return;
        }
        let before = crate::store::millis(Utc::now()) - JOURNAL_KEPT_MS;
        if let Err(e) = self.store.prune_events(before).await {
            tracing::warn!(error = %e, "cannot prune the event journal");
        }
    }

    /// The running response and chat-reply timers, as the database has them.
    pub(super) async fn reload_timers(&mut self) -> Result<(), EngineError> {
        let mut wheel = TimerWheel::new();
        for t in self.store.running_timers().await? {
            wheel.start(t.incident, t.kind, t.running);
        }
        let mut chat_wheel = TimerWheel::new();
        for (id, received, amber_fired) in self.store.running_chat_timers().await? {
            let policy = &self.shared.settings.policy;
            let t = policy.timer(domain::TimerKind::ChatReply, None, crate::store::time(received));
            let running =
                domain::timers::Running { amber_at: t.amber_at, deadline: t.deadline, amber_fired, red_fired: false };
            chat_wheel.start(domain::ChatMessageId(id), domain::TimerKind::ChatReply, running);
        }
        self.wheel = wheel;
        self.chat_wheel = chat_wheel;
        Ok(())
    }

    /// The recent check-ins, as the database has them.
    async fn reload_visits(&mut self) -> Result<(), EngineError> {
        let now = self.now();
        let visits =
            self.store.check_in_times(now - chrono::Duration::hours(60), now + chrono::Duration::minutes(1)).await?;
        self.patrol.visits = visits;
        self.patrol_tick_announcing(now, false).await;
        Ok(())
    }

    /// This server became the leader in `term`: what the last leader may
    /// have left undone (timers that came due, windows that ended) is done
    /// now.
    pub(super) async fn lead(&mut self, term: i64, now: DateTime<Utc>) -> Result<(), EngineError> {
        self.catch_up().await?;
        self.shared.cluster.term.store(term, Ordering::Release);
        tracing::info!(term, instance = %self.shared.cluster.instance, "this server leads");
        self.reload_timers().await?;
        self.fire_timers(now).await;
        self.fire_chat_timers(now).await;
        let offset = self.shared.settings.utc_offset_minutes;
        let points = read(&self.shared.points).clone();
        crate::patrol::record_misses(&self.store, &points, offset, now).await?;
        self.figures_dirty = true;
        Ok(())
    }
}

impl EngineHandle {
    /// Reads the journal up to its end (see `Engine::catch_up`).
    pub async fn catch_up(&self) -> Result<u64, EngineError> {
        self.run_urgent(|e, _| Box::pin(async move { e.catch_up().await })).await
    }

    async fn lead(&self, term: i64) -> Result<(), EngineError> {
        self.run(move |e, now| Box::pin(async move { e.lead(term, now).await })).await
    }
}

/// How the servers of one database elect their leader and notice its loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Election {
    /// A follower tries to take the lock this often.
    pub every: Duration,
    /// The leader checks its connection this often, and gives up leading
    /// when the check does not answer within this long.
    pub keepalive: Duration,
}

impl Default for Election {
    fn default() -> Self {
        Election { every: Duration::from_millis(500), keepalive: Duration::from_secs(2) }
    }
}

/// The election: try for the lock; once held, keep checking the connection
/// that holds it, and stop leading the moment it fails.
pub async fn elect(store: Store, engine: EngineHandle, election: Election) {
    let cluster = &engine.shared().cluster;
    loop {
        let mut conn = match store.dedicated().await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "election: cannot connect; retrying");
                tokio::time::sleep(election.every).await;
                continue;
            }
        };
        // follow until the lock is free
        let term = loop {
            let now = crate::store::millis(engine.shared().settings.clock.now());
            match tokio::time::timeout(election.keepalive, try_lead(&mut conn, &cluster.instance, now)).await {
                Ok(Ok(Some(term))) => break Some(term),
                Ok(Ok(None)) => tokio::time::sleep(election.every).await,
                Ok(Err(e)) => {
                    tracing::warn!(error = %e, "election: the lock's connection failed");
                    break None;
                }
                Err(_) => break None,
            }
        };
        let Some(term) = term else { continue };
        if let Err(e) = engine.lead(term).await {
            tracing::error!(error = %e, "cannot take over as leader; giving the lock back");
            cluster.step_down();
            continue; // dropping the connection frees the lock
        }
        // lead while the connection answers
        loop {
            tokio::time::sleep(election.keepalive / 2).await;
            match tokio::time::timeout(election.keepalive, still_leading(&mut conn)).await {
                Ok(Ok(())) => {}
                _ => {
                    cluster.step_down();
                    break;
                }
            }
        }
    }
}

/// Tails the journal: on every notification (and every second, in case one
/// was lost or the listener reconnected) the engine reads what is new. The
/// listener runs on a task of its own and only leaves a wake-up behind, so
/// a notification that arrives while the engine reads is never lost and
/// the listener is never cancelled in the middle of a message.
pub async fn tail(store: Store, engine: EngineHandle) {
    let crate::store::Db::Postgres(pool) = store.db() else { return };
    let wake = Arc::new(tokio::sync::Notify::new());
    let listener = tokio::spawn(listen(pool.clone(), wake.clone()));
    // stops the listener when the tail stops (at shutdown it is aborted)
    struct Abort(tokio::task::JoinHandle<()>);
    impl Drop for Abort {
        fn drop(&mut self) {
            self.0.abort();
        }
    }
    let _listener = Abort(listener);
    loop {
        let _ = tokio::time::timeout(Duration::from_secs(1), wake.notified()).await;
        match engine.catch_up().await {
            Ok(_) => {}
            Err(EngineError::Stopped) => return,
            Err(e) => tracing::warn!(error = %e, "cannot read the event journal"),
        }
    }
}

async fn listen(pool: sqlx::PgPool, wake: Arc<tokio::sync::Notify>) {
    loop {
        let mut listener = match sqlx::postgres::PgListener::connect_with(&pool).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "journal listener: cannot connect; polling meanwhile");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if let Err(e) = listener.listen(EVENTS_CHANNEL).await {
            tracing::warn!(error = %e, "journal listener: cannot listen; polling meanwhile");
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        loop {
            match listener.try_recv().await {
                Ok(Some(_)) => wake.notify_one(),
                // reconnected: whatever was sent meanwhile is in the table
                Ok(None) => wake.notify_one(),
                Err(e) => {
                    tracing::warn!(error = %e, "journal listener failed; reconnecting");
                    wake.notify_one();
                    break;
                }
            }
        }
    }
}
