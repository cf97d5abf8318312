//! The live engine: one task that makes every change to live state
//! (incidents, assignments, unit status, positions), one at a time, each
//! committed to the store before it is acknowledged or broadcast.
//!
//! Serialising the writes gives three guarantees cheaply: a unit can only be
//! taken once (the second assignment sees it busy), events go out in commit
//! order (sequence numbers never lie), and a snapshot taken between two
//! commands is exactly consistent with a sequence number. Readers do not
//! queue: the fleet and the open incidents are mirrored in `Shared` behind
//! read-write locks that are never held across an `.await`.

pub mod cluster;
pub mod desk;
mod error;
pub mod figures;
mod fleet;
mod ops;
pub(crate) mod patrol;
mod timers;

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use std::collections::{HashSet, VecDeque};

use app::wire::{AlertView, ChatMessageView, Figures, IncidentView, RecommendationView, Snapshot, UnitView};
use chrono::{DateTime, Utc};
use domain::chat::NewChatMessage;
use domain::history::{PastIncident, RowError};
use domain::timers::TimerWheel;
use domain::{
    Coordinates, District, IncidentId, IncidentStatus, NewIncident, ResponsePolicy, TravelModel, UnitId, UnitStatus,
};
use tokio::sync::{mpsc, oneshot};

pub use crate::store::live::NewPhoto;
pub use cluster::{Cluster, Election, Role};
pub use domain::unit::NewUnit;
pub use error::EngineError;
pub use fleet::Fleet;
pub use ops::{PositionOutcome, PositionReport, Rejection};

use crate::hub::{Hub, SharedSnapshot, Subscription};
use crate::store::Store;
use crate::store::history::{ImportError, ImportSummary};
pub use patrol::CheckIn;

/// The rules the engine applies.
#[derive(Debug, Clone)]
pub struct Settings {
    pub policy: ResponsePolicy,
    pub travel: TravelModel,
    pub utc_offset_minutes: i32,
    pub heartbeat: Duration,
    /// Frames waiting for slow stream clients.
    pub stream_ring: usize,
    /// The time the rules see (tests move it instead of waiting).
    pub clock: crate::clock::Clock,
    /// The road network ETAs are routed on, once prepared; until then (and
    /// without one) the straight-line model.
    pub roads: Arc<crate::roads::Roads>,
}

impl Settings {
    /// The district's wall clock.
    pub fn local(&self) -> domain::time::LocalClock {
        domain::time::LocalClock::new(self.utc_offset_minutes)
    }
}

/// What every reader may see without asking the engine.
pub struct Shared {
    pub district: Arc<District>,
    pub settings: Settings,
    pub hub: Hub,
    /// Identifies the event stream: this process's (SQLite), or the shared
    /// database's (PostgreSQL: the same on every server).
    pub epoch: String,
    /// Leader or follower among the servers of one database.
    pub cluster: Cluster,
    pub fleet: RwLock<Fleet>,
    pub open: RwLock<BTreeMap<IncidentId, domain::Incident>>,
    pub figures: RwLock<Figures>,
    /// The must-patrol points as they are now (a station chief may edit
    /// them; `district` keeps them as loaded).
    pub points: RwLock<Arc<Vec<domain::district::PatrolPoint>>>,
}

type Reply<T> = oneshot::Sender<Result<T, EngineError>>;

/// At most this many positions are committed together.
const MAX_GROUP_POSITIONS: usize = 50_000;

type Fut<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// A command: what it does to the engine, given the time it is taken. Each
/// is written once, as an `EngineHandle` method calling an `Engine` method.
type Job = Box<dyn for<'a> FnOnce(&'a mut Engine, DateTime<Utc>) -> Fut<'a, ()> + Send>;

enum Command {
    Run(Job),
    /// Kept apart: batches waiting together are committed together.
    Positions {
        reports: Vec<PositionReport>,
        reply: Reply<PositionOutcome>,
    },
}

/// A cheap, cloneable handle to the engine.
#[derive(Clone)]
pub struct EngineHandle {
    tx: mpsc::Sender<Command>,
    /// Taken before the other commands: reading the shared journal (the
    /// other servers' changes reach this server's screens without waiting
    /// behind its own queue).
    urgent: mpsc::Sender<Command>,
    shared: Arc<Shared>,
}

struct Engine {
    store: Store,
    shared: Arc<Shared>,
    rx: mpsc::Receiver<Command>,
    urgent_rx: mpsc::Receiver<Command>,
    /// Every running response timer; the loop sleeps until the next is due.
    wheel: TimerWheel<IncidentId>,
    /// Every running chat reply timer, by message id (see `desk`).
    chat_wheel: TimerWheel<domain::ChatMessageId>,
    /// Today's latest alerts, newest first, for snapshots.
    recent_alerts: VecDeque<AlertView>,
    /// Units whose last position is newer than the `units` table's.
    moved_since_checkpoint: HashSet<UnitId>,
    /// The figures need recomputing.
    figures_dirty: bool,
    /// The last snapshot built, with its sequence number and when: clients
    /// connecting together share it instead of each holding a copy.
    snapshot_cache: Option<(u64, std::time::Instant, Arc<SharedSnapshot>)>,
    /// Tonight's must-patrol points.
    patrol: patrol::PatrolBoard,
}

/// How long a snapshot may be handed to new clients while nothing changes.
const SNAPSHOT_REUSE: Duration = Duration::from_secs(1);

/// How soon the figures follow a change.
const FIGURES_EVERY: Duration = Duration::from_millis(250);

/// Loads the live state from the store and starts the engine task.
pub async fn start(
    store: Store,
    district: Arc<District>,
    settings: Settings,
) -> Result<(EngineHandle, tokio::task::JoinHandle<()>), EngineError> {
    let mut units = store.load_units().await?;
    // positions acknowledged after the last checkpoint are in the trail
    let replayed = store.apply_trail_after_checkpoint(&mut units).await?;
    let open = store.load_open_incidents().await?;
    let fleet = Fleet::new(settings.travel.clone(), units);
    let ring = settings.stream_ring;
    let points = RwLock::new(Arc::new(district.patrol_points.clone()));
    let cluster = Cluster::new(store.is_shared());
    let epoch =
        if cluster.shared { store.cluster_epoch().await? } else { format!("{:x}", Utc::now().timestamp_micros()) };
    let shared = Arc::new(Shared {
        district,
        points,
        settings,
        // the ring holds what slow clients have not read yet: events of at
        // most ~100 KB (position events are split to that size)
        hub: Hub::new(ring, 8192, 32 << 20),
        epoch,
        cluster,
        fleet: RwLock::new(fleet),
        open: RwLock::new(open.into_iter().map(|i| (i.id, i)).collect()),
        figures: RwLock::new(Figures::default()),
    });
    if shared.cluster.shared {
        // numbered by the shared journal from its end on
        shared.hub.journal_from(store.last_event().await?);
    }
    let mut wheel = TimerWheel::new();
    for t in store.running_timers().await? {
        wheel.start(t.incident, t.kind, t.running);
    }
    let mut chat_wheel = TimerWheel::new();
    for (id, received, amber_fired) in store.running_chat_timers().await? {
        let t = shared.settings.policy.timer(domain::TimerKind::ChatReply, None, crate::store::time(received));
        let running =
            domain::timers::Running { amber_at: t.amber_at, deadline: t.deadline, amber_fired, red_fired: false };
        chat_wheel.start(domain::ChatMessageId(id), domain::TimerKind::ChatReply, running);
    }
    let now = shared.settings.clock.now();
    let recent_alerts =
        store.alerts_since(shared.settings.local().start_of_day(now), timers::RECENT_ALERTS as u32).await?.into();
    let offset = shared.settings.utc_offset_minutes;
    let points = &shared.district.patrol_points;
    // openings that ended while the server was down are misses too
    crate::patrol::record_misses(&store, points, offset, now).await?;
    let visits = store.check_in_times(now - chrono::Duration::hours(60), now + chrono::Duration::minutes(1)).await?;
    let since = store.points_watched_since().await?;
    let patrol = patrol::PatrolBoard::new(points, visits, since, now, offset);
    let (tx, rx) = mpsc::channel(1024);
    let (urgent, urgent_rx) = mpsc::channel(16);
    let mut engine = Engine {
        store,
        shared: shared.clone(),
        rx,
        urgent_rx,
        wheel,
        chat_wheel,
        recent_alerts,
        moved_since_checkpoint: replayed,
        figures_dirty: false,
        snapshot_cache: None,
        patrol,
    };
    // Timers that ran out while the server was down fire before any command
    // is taken, so nothing can stop them unseen (on a shared database, the
    // leader does it: this server when it is elected).
    let now = engine.now();
    engine.fire_timers(now).await;
    engine.fire_chat_timers(now).await;
    engine.refresh_figures(now).await?;
    engine.flush_events().await;
    let task = tokio::spawn(engine.run());
    Ok((EngineHandle { tx, urgent, shared }, task))
}

impl Engine {
    async fn run(mut self) {
        let mut heartbeat = tokio::time::interval(self.shared.settings.heartbeat);
        heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut figures_tick = tokio::time::interval(FIGURES_EVERY);
        figures_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            // timers that expired while the server was down are due at once
            // (only the leader fires them)
            let next_timer = match (self.wheel.next_due(), self.chat_wheel.next_due()) {
                _ if !self.shared.cluster.is_leader() => None,
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            let clock = self.shared.settings.clock.clone();
            let timer_due = async {
                match next_timer {
                    Some(at) => tokio::time::sleep(clock.until(at)).await,
                    None => std::future::pending().await,
                }
            };
            let next_point = self.patrol.next_change();
            let point_due = async {
                match next_point {
                    Some(at) => tokio::time::sleep(clock.until(at)).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                biased;
                Some(cmd) = self.urgent_rx.recv() => self.handle(cmd).await,
                cmd = self.rx.recv() => match cmd {
                    Some(cmd) => self.handle(cmd).await,
                    None => break,
                },
                // a test moved the clock: the sleeps above are recomputed
                _ = clock.moved() => {}
                _ = figures_tick.tick(), if self.figures_dirty => {
                    if let Err(e) = self.refresh_figures(self.now()).await {
                        tracing::error!(error = %e, "cannot refresh figures");
                    }
                }
                _ = timer_due => {
                    let now = self.now();
                    self.fire_timers(now).await;
                    self.fire_chat_timers(now).await;
                }
                _ = point_due => {
                    // a window opened or closed
                    self.patrol_tick(self.now()).await;
                }
                _ = heartbeat.tick() => {
                    write(&self.shared.fleet).sweep(self.now());
                    if let Err(e) = self.checkpoint_positions().await {
                        tracing::error!(error = %e, "cannot checkpoint unit positions");
                    }
                    // time passes without events: overdue timers change the figures
                    if let Err(e) = self.refresh_figures(self.now()).await {
                        tracing::error!(error = %e, "cannot refresh figures");
                    }
                    self.shared.hub.heartbeat();
                    self.prune_journal().await;
                }
            }
            // what that did, into the shared journal (no-op on SQLite)
            self.flush_events().await;
        }
        if let Err(e) = self.checkpoint_positions().await {
            tracing::error!(error = %e, "cannot checkpoint unit positions at shutdown");
        }
        tracing::info!("engine stopped");
    }

    /// Now, on the engine's clock, in whole milliseconds (as stored: memory
    /// stays identical to the store).
    fn now(&self) -> DateTime<Utc> {
        crate::store::time(crate::store::millis(self.shared.settings.clock.now()))
    }

    async fn handle(&mut self, cmd: Command) {
        let now = self.now();
        match cmd {
            Command::Run(job) => job(self, now).await,
            Command::Positions { reports, reply } => {
                // group commit: take every position batch already waiting
                let mut group = vec![(reports, reply)];
                let mut count = group[0].0.len();
                let mut next = None;
                while count < MAX_GROUP_POSITIONS {
                    match self.rx.try_recv() {
                        Ok(Command::Positions { reports, reply }) => {
                            count += reports.len();
                            group.push((reports, reply));
                        }
                        Ok(other) => {
                            next = Some(other);
                            break;
                        }
                        Err(_) => break,
                    }
                }
                self.positions(group, now).await;
                if let Some(cmd) = next {
                    Box::pin(self.handle(cmd)).await;
                }
            }
        }
    }

    /// A snapshot and the live feed after it, with nothing in between.
    async fn subscribe(&mut self) -> Result<Subscription, EngineError> {
        let rx = self.shared.hub.subscribe();
        let seq = self.shared.hub.seq();
        let snapshot = match &self.snapshot_cache {
            // every change publishes an event, so an unchanged sequence
            // number means an unchanged state; the age bound is a second
            // line of defence
            Some((at, built, snap)) if *at == seq && built.elapsed() < SNAPSHOT_REUSE => snap.clone(),
            _ => {
                let snap = Arc::new(SharedSnapshot::new(self.snapshot()));
                self.snapshot_cache = Some((seq, std::time::Instant::now(), snap.clone()));
                snap
            }
        };
        Ok(Subscription { seq, snapshot, rx })
    }

    /// Past incidents in one transaction (see `store::history`): a command,
    /// so that live writes wait their turn instead of timing out on the
    /// database's write lock while a large import holds it.
    async fn import_history(
        &mut self,
        rows: Vec<PastIncident>,
        actor: &str,
    ) -> Result<Result<ImportSummary, Vec<RowError>>, EngineError> {
        let started = std::time::Instant::now();
        let (district, policy) = (&self.shared.district, &self.shared.settings.policy);
        // boxed: the import's large future must not grow every command's
        let r = match Box::pin(self.store.import_history(&rows, district, policy, actor)).await {
            Ok(summary) => {
                let ms = started.elapsed().as_millis() as u64;
                tracing::info!(imported = summary.imported, actor = %actor, ms, "history imported");
                Ok(summary)
            }
            Err(ImportError::Rows(errors)) => Err(errors),
            Err(ImportError::Store(e)) => return Err(EngineError::Store(e)),
        };
        // today's figures count an incident received today, imported or not
        self.figures_dirty = true;
        Ok(r)
    }

    fn snapshot(&self) -> Snapshot {
        Snapshot {
            epoch: self.shared.epoch.clone(),
            units: read(&self.shared.fleet).views().values().cloned().collect(),
            incidents: read(&self.shared.open).values().map(IncidentView::from).collect(),
            figures: read(&self.shared.figures).clone(),
            alerts: self.recent_alerts.iter().cloned().collect(),
            points: self.patrol.views(),
            filtered: false,
        }
    }

    async fn refresh_figures(&mut self, now: DateTime<Utc>) -> Result<(), EngineError> {
        self.figures_dirty = false;
        let start = self.shared.settings.local().start_of_day(now);
        let today = self.store.review_rows_since(start).await?;
        let f = {
            let fleet = read(&self.shared.fleet);
            let open = read(&self.shared.open);
            let policy = &self.shared.settings.policy;
            figures::compute(&self.shared.district, policy, fleet.views(), &open, &today, now, start)
        };
        let changed = *read(&self.shared.figures) != f;
        // among several servers, the leader's figures are everyone's
        if changed && self.shared.cluster.is_leader() {
            *write(&self.shared.figures) = f.clone();
            self.shared.hub.publish(app::wire::Event::Figures { figures: f });
        }
        Ok(())
    }
}

/// Reads a lock; a poisoned lock (a panic while writing) still holds the last
/// state, which is better than stopping the command room.
pub(crate) fn read<T>(l: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(|p| p.into_inner())
}

pub(crate) fn write<T>(l: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(|p| p.into_inner())
}

/// The top `k` units for a point at `now`, with what a screen shows of them.
pub(crate) fn recommend_at(shared: &Shared, at: Coordinates, k: usize, now: DateTime<Utc>) -> Vec<RecommendationView> {
    let fleet = read(&shared.fleet);
    let ranked = match shared.settings.roads.routing() {
        Some(roads) => roads.recommend(fleet.states(), at, now, k),
        None => fleet.index().recommend(at, now, k),
    };
    ranked
        .into_iter()
        .filter_map(|r| {
            let u = fleet.get(r.unit_id)?;
            Some(RecommendationView {
                unit_id: u.id,
                callsign: u.callsign.clone(),
                kind: u.kind,
                force: u.force,
                station: u.station.clone(),
                eta_s: (r.eta_s * 10.0).round() / 10.0,
                distance_m: (r.distance_m * 10.0).round() / 10.0,
                by_road: r.by_road,
                lat: u.lat.unwrap_or_default(),
                lon: u.lon.unwrap_or_default(),
            })
        })
        .collect()
}

impl EngineHandle {
    /// Runs `f` on the engine task, in turn with every other command.
    async fn run<T, F>(&self, f: F) -> Result<T, EngineError>
    where
        T: Send + 'static,
        F: for<'a> FnOnce(&'a mut Engine, DateTime<Utc>) -> Fut<'a, Result<T, EngineError>> + Send + 'static,
    {
        self.run_on(&self.tx, f).await
    }

    /// As `run`, ahead of the commands waiting.
    async fn run_urgent<T, F>(&self, f: F) -> Result<T, EngineError>
    where
        T: Send + 'static,
        F: for<'a> FnOnce(&'a mut Engine, DateTime<Utc>) -> Fut<'a, Result<T, EngineError>> + Send + 'static,
    {
        self.run_on(&self.urgent, f).await
    }

    async fn run_on<T, F>(&self, queue: &mpsc::Sender<Command>, f: F) -> Result<T, EngineError>
    where
        T: Send + 'static,
        F: for<'a> FnOnce(&'a mut Engine, DateTime<Utc>) -> Fut<'a, Result<T, EngineError>> + Send + 'static,
    {
        let (reply, rx) = oneshot::channel();
        let job: Job = Box::new(move |engine, now| {
            Box::pin(async move {
                let r = f(engine, now).await;
                // the command's events are in the journal before it is answered
                engine.flush_events().await;
                if let Err(EngineError::Store(e)) = &r {
                    tracing::error!(error = %e, "engine command failed in the store");
                }
                let _ = reply.send(r);
            })
        });
        queue.send(Command::Run(job)).await.map_err(|_| EngineError::Stopped)?;
        rx.await.map_err(|_| EngineError::Stopped)?
    }

    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Creates an incident; `false` when the external id was seen before and
    /// the existing incident is returned instead.
    pub async fn create_incident(&self, new: NewIncident, actor: String) -> Result<(IncidentView, bool), EngineError> {
        self.run(move |e, now| Box::pin(async move { e.create_incident(new, &actor, None, None, now).await })).await
    }

    /// Creates an incident from a resident's report, stored with its
    /// tracking code and its photo (if any) in the same transaction. A code
    /// already in use is a conflict (pick another).
    pub async fn create_reported_incident(
        &self,
        new: NewIncident,
        code: String,
        photo: Option<NewPhoto>,
    ) -> Result<IncidentView, EngineError> {
        self.run(move |e, now| {
            Box::pin(async move { e.create_incident(new, "resident", Some(&code), photo, now).await.map(|(i, _)| i) })
        })
        .await
    }

    /// The must-patrol points as they are now.
    pub fn patrol_points(&self) -> Arc<Vec<domain::district::PatrolPoint>> {
        read(&self.shared.points).clone()
    }

    /// Stores a station chief's change to a point (same code and station);
    /// its state follows at once.
    pub async fn edit_point(
        &self,
        point: domain::district::PatrolPoint,
        actor: String,
    ) -> Result<domain::district::PatrolPoint, EngineError> {
        self.run(move |e, now| Box::pin(async move { e.edit_point(point, &actor, now).await })).await
    }

    /// Stores an accepted check-in; the point shows as visited at once.
    pub async fn check_in(&self, check_in: CheckIn) -> Result<i64, EngineError> {
        self.run(move |e, now| Box::pin(async move { e.check_in(check_in, now).await })).await
    }

    /// Stores a chat-group message; `false` when it was delivered before.
    pub async fn chat_message(&self, message: NewChatMessage) -> Result<(ChatMessageView, bool), EngineError> {
        self.run(move |e, now| Box::pin(async move { e.chat_message(message, now).await })).await
    }

    pub async fn assign(&self, incident: IncidentId, unit: UnitId, actor: String) -> Result<IncidentView, EngineError> {
        self.run(move |e, now| Box::pin(async move { e.assign(incident, unit, &actor, now).await })).await
    }

    pub async fn incident_status(
        &self,
        incident: IncidentId,
        to: IncidentStatus,
        reason: String,
        actor: String,
    ) -> Result<IncidentView, EngineError> {
        self.run(move |e, now| Box::pin(async move { e.incident_status(incident, to, &reason, &actor, now).await }))
            .await
    }

    pub async fn unit_status(
        &self,
        unit: UnitId,
        to: UnitStatus,
        reason: String,
        actor: String,
    ) -> Result<UnitView, EngineError> {
        self.run(move |e, now| Box::pin(async move { e.unit_status(unit, to, &reason, &actor, now).await })).await
    }

    pub async fn register_unit(&self, new: NewUnit, actor: String) -> Result<UnitView, EngineError> {
        self.run(move |e, now| Box::pin(async move { e.register_unit(new, &actor, now).await })).await
    }

    pub async fn positions(&self, reports: Vec<PositionReport>) -> Result<PositionOutcome, EngineError> {
        let (reply, rx) = oneshot::channel();
        self.tx.send(Command::Positions { reports, reply }).await.map_err(|_| EngineError::Stopped)?;
        rx.await.map_err(|_| EngineError::Stopped)?
    }

    /// Imports past incidents, all or none: the rows the database refuses
    /// (external ids already stored, unknown callsigns) come back instead.
    pub async fn import_history(
        &self,
        rows: Vec<PastIncident>,
        actor: String,
    ) -> Result<Result<ImportSummary, Vec<RowError>>, EngineError> {
        self.run(move |e, _| Box::pin(async move { e.import_history(rows, &actor).await })).await
    }

    /// A steward's action on a chat message (see `desk`).
    pub async fn desk(&self, action: desk::DeskAction) -> Result<desk::DeskOutcome, EngineError> {
        self.run(move |e, now| Box::pin(async move { e.desk(action, now).await })).await
    }

    /// Records an attempt to deliver a reply, in turn with the engine's own
    /// writes (so it never contends with them for SQLite's write lock), and
    /// shows the message's new delivery state.
    pub async fn record_delivery(
        &self,
        attempt: crate::store::live::DeliveryAttempt,
        message: i64,
    ) -> Result<(), EngineError> {
        self.run(move |e, now| {
            Box::pin(async move {
                e.store.record_delivery(&attempt).await?;
                e.desk(desk::DeskAction::Refresh { message: domain::ChatMessageId(message) }, now).await.map(|_| ())
            })
        })
        .await
    }

    /// A snapshot and the live feed after it, with nothing in between.
    pub async fn subscribe(&self) -> Result<Subscription, EngineError> {
        self.run(|e, _| Box::pin(e.subscribe())).await
    }

    pub fn units(&self) -> Vec<UnitView> {
        read(&self.shared.fleet).views().values().cloned().collect()
    }

    pub fn unit(&self, id: UnitId) -> Option<UnitView> {
        read(&self.shared.fleet).get(id).cloned()
    }

    pub fn open_incidents(&self) -> Vec<IncidentView> {
        read(&self.shared.open).values().map(IncidentView::from).collect()
    }

    /// The road network ETAs are routed on, if any.
    pub fn routing(&self) -> Option<Arc<domain::roads::Routing>> {
        self.shared.settings.roads.routing()
    }

    /// The raster reach along streets is drawn on, when ETAs are routed.
    pub fn street_cover(&self) -> Option<Arc<crate::roads::StreetCover>> {
        self.shared.settings.roads.street()
    }

    /// The top `k` units for a point at `now` (see `domain::index`).
    pub fn recommend_at(&self, at: Coordinates, k: usize, now: DateTime<Utc>) -> Vec<RecommendationView> {
        recommend_at(&self.shared, at, k, now)
    }

    /// The top `k` units for an open incident.
    pub fn recommend(
        &self,
        incident: IncidentId,
        k: usize,
        now: DateTime<Utc>,
    ) -> Result<Vec<RecommendationView>, EngineError> {
        let at = {
            let open = read(&self.shared.open);
            open.get(&incident)
                .ok_or(EngineError::NotFound { what: "open incident", id: incident.to_string() })?
                .location
        };
        Ok(self.recommend_at(at, k, now))
    }

    /// The map's data and a snapshot (for pages).
    pub async fn board(&self) -> Result<(Arc<SharedSnapshot>, u64), EngineError> {
        let sub = self.subscribe().await?;
        Ok((sub.snapshot, sub.seq))
    }
}
