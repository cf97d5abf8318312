//! The demo simulator: a district's day in miniature, so the screens are
//! alive. It runs only when asked (`--simulate` or `simulator.enabled`).
//!
//! * Incidents arrive as a Poisson process, about 20 a day per station at
//!   real speed, shaped by an hour-of-day profile, with the seeds' mix of
//!   categories and channels, mostly in crowded and core zones.
//! * A simulated dispatcher assigns the top recommendation after a short
//!   delay, exactly as a person would through the engine.
//! * Units turn out, drive to the incident at their kind's speed (so they
//!   arrive when the travel model said), work the scene, resolve it and
//!   patrol again. Positions go through the same ingest path as real
//!   trackers (`EngineHandle::positions`).
//!
//! `speed` compresses simulated time: at 10, ten simulated seconds pass per
//! real second (arrivals, driving, scene time). Response timers stay real.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Timelike, Utc};
use domain::district::{Area, LandmarkKind};
use domain::{
    Category, Channel, Coordinates, District, IncidentDraft, IncidentId, IncidentStatus, ResponseClass, UnitId,
    UnitKind, UnitStatus,
};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use tokio::sync::watch;

use crate::config::SimulatorConfig;
use crate::engine::{EngineHandle, PositionReport};

const ACTOR: &str = "simulator";

/// Messages from the community chat groups per simulated hour (the second
/// intake desk), and what residents write.
const CHAT_PER_HOUR: f64 = 8.0;
const CHAT_GROUPS: &[(&str, &str)] =
    &[("jsl-shops-01", "金水路商户群"), ("rs-community-02", "榕山社区群"), ("fl-residents-03", "枫林小区业主群")];
const CHAT_TEXTS: &[(&str, bool)] = &[
    ("@临桂公安 金山广场门口有两个人吵架，声音很大", false),
    ("@临桂公安 小区门口电动车乱停，把消防通道堵住了", false),
    ("@临桂公安 店里刚才有人偷了手机跑了，往万达方向", false),
    ("@临桂公安 请问办居住证要带什么材料？", true),
    ("@临桂公安 请问警务站晚上几点还有人？", true),
    ("@临桂公安 我家老人走失了，穿蓝色外套，七十多岁", false),
];
/// The share of must-patrol openings a simulated unit visits.
const PATROL_VISITED: f64 = 0.85;
/// The simulated steward answers a message this long after it arrives
/// (simulated seconds); a few are left for a person at /desk.
const STEWARD_ANSWERS: f64 = 0.8;
/// Real-speed arrivals per station per day.
const PER_STATION_PER_DAY: f64 = 20.0;
/// Relative arrival rate by local hour (quiet before dawn, busy in the
/// evening around the night-food street).
const HOUR_PROFILE: [f64; 24] = [
    0.9, 0.7, 0.5, 0.35, 0.3, 0.35, 0.5, 0.8, 1.0, 1.1, 1.2, 1.2, 1.1, 1.0, 1.0, 1.05, 1.1, 1.2, 1.35, 1.45, 1.5, 1.4,
    1.25, 1.1,
];
const CATEGORY_MIX: [(Category, f64); 11] = [
    (Category::Dispute, 22.0),
    (Category::Theft, 14.0),
    (Category::Parking, 14.0),
    (Category::Consultation, 12.0),
    (Category::Fight, 8.0),
    (Category::LostPerson, 7.0),
    (Category::Medical, 6.0),
    (Category::Traffic, 6.0),
    (Category::Minors, 4.0),
    (Category::Noise, 4.0),
    (Category::Fraud, 3.0),
];
const CHANNEL_MIX: [(Channel, f64); 6] = [
    (Channel::Phone, 40.0),
    (Channel::Chat, 30.0),
    (Channel::Patrol, 12.0),
    (Channel::Web, 8.0),
    (Channel::WalkIn, 5.0),
    (Channel::Video, 5.0),
];

fn describe(c: Category) -> &'static str {
    match c {
        Category::Dispute => "两名商户因摊位位置发生争执，情绪激动",
        Category::Fight => "宵夜摊两桌客人发生打斗",
        Category::Theft => "电动车电瓶被盗，车主报警",
        Category::LostPerson => "一名老人走失，家属求助",
        Category::Medical => "路人突发疾病倒地，需要协助",
        Category::Parking => "电动车乱停堵塞消防通道",
        Category::Minors => "多名未成年人深夜聚集",
        Category::Traffic => "两车剐蹭，双方发生纠纷",
        Category::Fraud => "疑似电信诈骗，居民求助",
        Category::Fire => "有烟雾冒出，请求查看",
        Category::Noise => "深夜噪音扰民",
        Category::Consultation => "咨询户籍与居住证办理",
        Category::Other => "群众求助",
    }
}

/// Minutes on scene, by category (simulated time).
fn scene_minutes(c: Category, rng: &mut SmallRng) -> f64 {
    let base = match c {
        Category::Consultation | Category::Parking | Category::Noise => 4.0,
        Category::Dispute | Category::Minors | Category::Traffic => 10.0,
        Category::Fight | Category::Theft | Category::Fraud => 15.0,
        Category::LostPerson | Category::Medical | Category::Fire | Category::Other => 12.0,
    };
    base * rng.random_range(0.6..1.6)
}

fn patrol_kmh(kind: UnitKind) -> f64 {
    match kind {
        UnitKind::Car | UnitKind::Motorbike => 18.0,
        UnitKind::Ebike => 10.0,
        UnitKind::Foot => 4.0,
        UnitKind::Post => 0.0,
    }
}

/// A value from a weighted mix (weights need not sum to 1).
pub fn pick<T: Copy>(mix: &[(T, f64)], rng: &mut SmallRng) -> T {
    let total: f64 = mix.iter().map(|(_, w)| w).sum();
    let mut x = rng.random_range(0.0..total);
    for (v, w) in mix {
        if x < *w {
            return *v;
        }
        x -= w;
    }
    mix[mix.len() - 1].0
}

/// A uniformly random point inside an area (rejection sampling in its box).
fn point_in(area: &Area, rng: &mut SmallRng) -> Option<Coordinates> {
    let ring = area.ring();
    let (mut s, mut n, mut w, mut e) = (90.0f64, -90.0f64, 180.0f64, -180.0f64);
    for c in ring {
        s = s.min(c.lat());
        n = n.max(c.lat());
        w = w.min(c.lon());
        e = e.max(c.lon());
    }
    for _ in 0..200 {
        let c = Coordinates::parse(rng.random_range(s..=n), rng.random_range(w..=e)).ok()?;
        if area.contains(c) {
            return Some(c);
        }
    }
    None
}

/// Poisson-distributed count with mean `lambda` (Knuth; lambda is small).
fn poisson(lambda: f64, rng: &mut SmallRng) -> u32 {
    let l = (-lambda).exp();
    let (mut k, mut p) = (0u32, 1.0f64);
    loop {
        p *= rng.random::<f64>();
        if p <= l || k > 50 {
            return k;
        }
        k += 1;
    }
}

#[derive(Default)]
struct UnitPlan {
    /// Where an idle unit is patrolling to.
    patrol_to: Option<Coordinates>,
    /// The must-patrol point it is walking to, to check in there.
    point: Option<String>,
    /// When a dispatched unit sets off (real time).
    turnout_at: Option<DateTime<Utc>>,
    /// When a unit on scene is done (real time).
    done_at: Option<DateTime<Utc>>,
    /// The last time a position was reported for it.
    reported_at: Option<DateTime<Utc>>,
}

struct Sim {
    engine: EngineHandle,
    district: Arc<District>,
    rng: SmallRng,
    speed: f64,
    plans: HashMap<UnitId, UnitPlan>,
    /// When the simulated dispatcher will assign a new incident (real time).
    dispatch_at: HashMap<IncidentId, DateTime<Utc>>,
    /// When a resolved incident will be closed (real time).
    close_at: HashMap<IncidentId, DateTime<Utc>>,
    /// When the simulated steward answers a chat message (real time).
    /// Must-patrol openings already visited or given up (point, start), and
    /// which unit is on its way to which point.
    openings: std::collections::HashSet<(String, DateTime<Utc>)>,
    /// (When, and whether the message was a consultation.)
    answer_at: HashMap<i64, (DateTime<Utc>, bool)>,
    chat_count: u64,
    /// The first few incidents come early so a fresh demo has work to show.
    warm_up: Vec<DateTime<Utc>>,
    utc_offset_minutes: i32,
}

pub async fn run(
    engine: EngineHandle,
    district: Arc<District>,
    config: SimulatorConfig,
    mut shutdown: watch::Receiver<bool>,
) {
    if district.stations.is_empty() {
        tracing::warn!("the simulator needs a district with stations; not running");
        return;
    }
    let now = Utc::now();
    let utc_offset_minutes = engine.shared().settings.utc_offset_minutes;
    let warm_up = if engine.open_incidents().is_empty() {
        [3, 25, 60, 110].iter().map(|s| now + chrono::Duration::seconds(*s)).collect()
    } else {
        vec![]
    };
    let mut sim = Sim {
        engine,
        district,
        rng: SmallRng::seed_from_u64(config.seed),
        speed: config.speed,
        plans: HashMap::new(),
        dispatch_at: HashMap::new(),
        close_at: HashMap::new(),
        answer_at: HashMap::new(),
        chat_count: 0,
        openings: Default::default(),
        warm_up,
        utc_offset_minutes,
    };
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => sim.step(1.0).await,
            _ = shutdown.changed() => break,
        }
    }
    tracing::info!("simulator stopped");
}

impl Sim {
    /// Simulated seconds to real time from now.
    fn after(&self, sim_seconds: f64) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::milliseconds((sim_seconds / self.speed * 1000.0) as i64)
    }

    async fn step(&mut self, real_dt: f64) {
        let now = Utc::now();
        let sim_dt = real_dt * self.speed;
        self.arrivals(now, sim_dt).await;
        self.dispatch(now).await;
        self.move_units(now, sim_dt).await;
        self.close(now).await;
        self.chat(now, sim_dt).await;
    }

    /// Residents write in the chat groups; the simulated steward answers
    /// most of them within the minute (a consultation is answered as one).
    async fn chat(&mut self, now: DateTime<Utc>, sim_dt: f64) {
        let n = poisson(CHAT_PER_HOUR / 3600.0 * sim_dt, &mut self.rng);
        for _ in 0..n {
            self.chat_count += 1;
            let (group_id, group_name) = CHAT_GROUPS[self.rng.random_range(0..CHAT_GROUPS.len())];
            let (text, consultation) = CHAT_TEXTS[self.rng.random_range(0..CHAT_TEXTS.len())];
            let draft = domain::chat::ChatDraft {
                group_id: Some(group_id.into()),
                group_name: Some(group_name.into()),
                message_id: Some(format!("sim-{}-{}", now.timestamp_millis(), self.chat_count)),
                sender_name: Some(format!("居民{:03}", self.rng.random_range(1..1000))),
                text: Some(text.into()),
                sent_at: Some(now),
                ..Default::default()
            };
            let Ok(message) = draft.parse() else { continue };
            match self.engine.chat_message(message).await {
                Ok((m, true)) if self.rng.random::<f64>() < STEWARD_ANSWERS => {
                    let delay = self.rng.random_range(10.0..45.0);
                    self.answer_at.insert(m.id, (self.after(delay), consultation));
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "simulator could not post a chat message"),
            }
        }
        let due: Vec<(i64, bool)> =
            self.answer_at.iter().filter(|(_, (t, _))| *t <= now).map(|(id, (_, c))| (*id, *c)).collect();
        for (id, consultation) in due {
            self.answer_at.remove(&id);
            let (disposition, reply) = if consultation {
                (domain::chat::Disposition::Consultation, "您好，已收到，值班民警会尽快回复您。")
            } else {
                (domain::chat::Disposition::Replied, "收到，已通知附近民警，请保持电话畅通。")
            };
            // a person at /desk may have answered first: that is fine
            let _ = self
                .engine
                .desk(crate::engine::desk::DeskAction::Answer {
                    message: domain::ChatMessageId(id),
                    steward: "模拟群管家".into(),
                    disposition,
                    text: Some(reply.into()),
                    has_webhook: false,
                })
                .await;
        }
    }

    async fn arrivals(&mut self, now: DateTime<Utc>, sim_dt: f64) {
        let local_hour =
            ((now.hour() as i32 * 60 + now.minute() as i32 + self.utc_offset_minutes).rem_euclid(1440) / 60) as usize;
        let mean: f64 = HOUR_PROFILE.iter().sum::<f64>() / 24.0;
        let per_second =
            self.district.stations.len() as f64 * PER_STATION_PER_DAY / 86_400.0 * HOUR_PROFILE[local_hour] / mean;
        let mut n = poisson(per_second * sim_dt, &mut self.rng);
        let due = self.warm_up.iter().filter(|t| **t <= now).count();
        self.warm_up.retain(|t| *t > now);
        n += due as u32;
        for _ in 0..n {
            if let Some(draft) = self.new_incident() {
                match draft.parse() {
                    Ok(new) => match self.engine.create_incident(new, ACTOR.to_owned()).await {
                        Ok((i, _)) => {
                            let delay = self.rng.random_range(8.0..25.0);
                            self.dispatch_at.insert(i.id, self.after(delay));
                        }
                        Err(e) => tracing::warn!(error = %e, "simulator could not create an incident"),
                    },
                    Err(e) => tracing::warn!(error = %e, "simulator made an invalid incident"),
                }
            }
        }
    }

    fn new_incident(&mut self) -> Option<IncidentDraft> {
        let d = self.district.clone();
        let rng = &mut self.rng;
        let busy: Vec<_> = d.zones.iter().filter(|z| z.class != ResponseClass::Other).collect();
        let towns: Vec<_> = d.zones.iter().filter(|z| z.class == ResponseClass::Other).collect();
        let roll = rng.random::<f64>();
        let at = if roll < 0.55 && !busy.is_empty() {
            point_in(&busy[rng.random_range(0..busy.len())].area, rng)
        } else if roll < 0.85 && !towns.is_empty() {
            point_in(&towns[rng.random_range(0..towns.len())].area, rng)
        } else {
            point_in(&d.stations[rng.random_range(0..d.stations.len())].area, rng)
        }?;
        let category = pick(&CATEGORY_MIX, rng);
        let channel = pick(&CHANNEL_MIX, rng);
        let near = d
            .landmarks
            .iter()
            .filter(|l| l.kind != LandmarkKind::Station)
            .min_by(|a, b| a.at.distance_m(at).total_cmp(&b.at.distance_m(at)))
            .map(|l| format!("{}附近", l.name))
            .unwrap_or_default();
        Some(IncidentDraft {
            channel: Some(channel.as_str().to_owned()),
            category: Some(category.as_str().to_owned()),
            priority: None,
            lat: Some((at.lat() * 1e6).round() / 1e6),
            lon: Some((at.lon() * 1e6).round() / 1e6),
            address: Some(near),
            description: Some(format!("【演示】{}", describe(category))),
            reporter_contact: Some(format!("139****{:04}", rng.random_range(0..10_000))),
            external_id: None,
        })
    }

    async fn dispatch(&mut self, now: DateTime<Utc>) {
        let open = self.engine.open_incidents();
        // incidents created by people are dispatched by the simulated
        // dispatcher too, after the same delay
        for i in open.iter().filter(|i| i.status == IncidentStatus::New) {
            if !self.dispatch_at.contains_key(&i.id) {
                let delay = self.rng.random_range(8.0..25.0);
                let at = self.after(delay);
                self.dispatch_at.insert(i.id, at);
            }
        }
        let due: Vec<IncidentId> = self.dispatch_at.iter().filter(|(_, t)| **t <= now).map(|(id, _)| *id).collect();
        for id in due {
            let still_new = open.iter().any(|i| i.id == id && i.status == IncidentStatus::New);
            if !still_new {
                self.dispatch_at.remove(&id);
                continue;
            }
            let Ok(recs) = self.engine.recommend(id, 1, now) else {
                self.dispatch_at.remove(&id);
                continue;
            };
            match recs.first() {
                Some(r) => match self.engine.assign(id, r.unit_id, ACTOR.to_owned()).await {
                    Ok(_) => {
                        self.dispatch_at.remove(&id);
                        let turnout = self.rng.random_range(5.0..25.0);
                        let at = self.after(turnout);
                        self.plans.entry(r.unit_id).or_default().turnout_at = Some(at);
                    }
                    Err(e) => tracing::debug!(error = %e, "simulated assignment refused; retrying"),
                },
                None => {
                    // nobody free: try again shortly
                    let at = self.after(20.0);
                    self.dispatch_at.insert(id, at);
                }
            }
        }
    }

    async fn move_units(&mut self, now: DateTime<Utc>, sim_dt: f64) {
        let units = self.engine.units();
        let open: HashMap<IncidentId, _> = self.engine.open_incidents().into_iter().map(|i| (i.id, i)).collect();
        let travel = self.engine.shared().settings.travel.clone();
        let points = self.engine.patrol_points();
        let mut reports = vec![];
        for u in units {
            let (Some(lat), Some(lon)) = (u.lat, u.lon) else { continue };
            let Ok(here) = Coordinates::parse(lat, lon) else { continue };
            let plan = self.plans.entry(u.id).or_default();
            let mut to = here;
            match (u.status, u.incident.and_then(|i| open.get(&i))) {
                (UnitStatus::Dispatched, Some(_)) => {
                    if plan.turnout_at.is_none() {
                        plan.turnout_at =
                            Some(Utc::now() + chrono::Duration::milliseconds((10_000.0 / self.speed) as i64));
                    }
                    if plan.turnout_at.is_some_and(|t| t <= now) {
                        plan.turnout_at = None;
                        let _ = self
                            .engine
                            .unit_status(u.id, UnitStatus::EnRoute, "turned out".into(), ACTOR.to_owned())
                            .await;
                    }
                }
                (UnitStatus::EnRoute, Some(incident)) => {
                    let Ok(target) = Coordinates::parse(incident.lat, incident.lon) else { continue };
                    // straight-line progress at speed ÷ detour: arrival matches the ETA
                    let step = travel.reach_m(u.kind, sim_dt);
                    let left = here.distance_m(target);
                    if left <= step.max(10.0) {
                        to = target;
                        reports.push(report(u.id, to, now));
                        plan.reported_at = Some(now);
                        let _ = self.engine.positions(std::mem::take(&mut reports)).await;
                        let _ = self
                            .engine
                            .unit_status(u.id, UnitStatus::OnScene, "arrived".into(), ACTOR.to_owned())
                            .await;
                        let minutes = scene_minutes(incident.category, &mut self.rng);
                        let done =
                            Utc::now() + chrono::Duration::milliseconds((minutes * 60_000.0 / self.speed) as i64);
                        self.plans.entry(u.id).or_default().done_at = Some(done);
                        continue;
                    }
                    to = here.towards(target, step / left);
                }
                (UnitStatus::OnScene, Some(incident)) => {
                    if plan.done_at.is_none() {
                        plan.done_at =
                            Some(Utc::now() + chrono::Duration::milliseconds((600_000.0 / self.speed) as i64));
                    }
                    if plan.done_at.is_some_and(|t| t <= now) {
                        plan.done_at = None;
                        let id = incident.id;
                        if incident.status == IncidentStatus::OnScene {
                            if self
                                .engine
                                .incident_status(
                                    id,
                                    IncidentStatus::Resolved,
                                    "handled (simulated)".into(),
                                    ACTOR.to_owned(),
                                )
                                .await
                                .is_ok()
                            {
                                let delay = self.rng.random_range(120.0..900.0);
                                let at = self.after(delay);
                                self.close_at.insert(id, at);
                            }
                        } else {
                            let _ = self
                                .engine
                                .unit_status(u.id, UnitStatus::Available, "cleared".into(), ACTOR.to_owned())
                                .await;
                        }
                    }
                }
                (UnitStatus::Available, _) => {
                    let kmh = patrol_kmh(u.kind);
                    if kmh > 0.0 {
                        let station_area =
                            self.district.stations.iter().find(|s| s.code == u.station).map(|s| s.area.clone());
                        let need_new = plan.patrol_to.is_none_or(|t| t.distance_m(here) < 20.0);
                        if need_new {
                            // at a must-patrol point: check in; otherwise go to
                            // a due one of the station, or anywhere in its area
                            if let Some(code) = plan.point.take()
                                && let Some(p) = points.iter().find(|p| p.code == code)
                            {
                                let d = here.distance_m(p.at);
                                let c = crate::engine::CheckIn {
                                    point: code,
                                    unit_id: u.id.0,
                                    at: now,
                                    position: Some((here.lat(), here.lon())),
                                    distance_m: Some(d),
                                    method: domain::patrol::CheckInMethod::Gps,
                                };
                                if d <= p.radius_m
                                    && let Err(e) = self.engine.check_in(c).await
                                {
                                    tracing::warn!(error = %e, "simulated check-in refused");
                                }
                            }
                            let plan = self.plans.entry(u.id).or_default();
                            let due = points.iter().find_map(|p| {
                                if p.station != u.station {
                                    return None;
                                }
                                let (state, o) = domain::patrol::state_at(p, &[], now, self.utc_offset_minutes);
                                let o = o.filter(|_| state == domain::patrol::PointState::Due)?;
                                let key = (p.code.to_string(), o.start);
                                (!self.openings.contains(&key)).then_some((key, p.at))
                            });
                            plan.patrol_to = match due {
                                // most openings get a visit; some are missed, as in life
                                Some((key, at)) => {
                                    self.openings.insert(key.clone());
                                    if self.rng.random::<f64>() < PATROL_VISITED {
                                        plan.point = Some(key.0);
                                        Some(at)
                                    } else {
                                        station_area.and_then(|a| point_in(&a, &mut self.rng))
                                    }
                                }
                                None => station_area.and_then(|a| point_in(&a, &mut self.rng)),
                            };
                        }
                        let plan = self.plans.entry(u.id).or_default();
                        if let Some(target) = plan.patrol_to {
                            let step = kmh / 3.6 * sim_dt;
                            let left = here.distance_m(target);
                            to = if left <= step { target } else { here.towards(target, step / left) };
                        }
                    }
                }
                _ => {}
            }
            // a moving unit reports every tick; a still one every 20 s, so it stays fresh
            let plan = self.plans.entry(u.id).or_default();
            let moved = to != here;
            let quiet = plan.reported_at.is_none_or(|t| (now - t).num_seconds() >= 20);
            if moved || quiet {
                plan.reported_at = Some(now);
                reports.push(report(u.id, to, now));
            }
        }
        if !reports.is_empty()
            && let Err(e) = self.engine.positions(reports).await
        {
            tracing::warn!(error = %e, "simulated positions refused");
        }
    }

    async fn close(&mut self, now: DateTime<Utc>) {
        let due: Vec<IncidentId> = self.close_at.iter().filter(|(_, t)| **t <= now).map(|(id, _)| *id).collect();
        for id in due {
            self.close_at.remove(&id);
            let _ = self
                .engine
                .incident_status(id, IncidentStatus::Closed, "case recorded (simulated)".into(), ACTOR.to_owned())
                .await;
        }
    }
}

fn report(unit_id: UnitId, at: Coordinates, now: DateTime<Utc>) -> PositionReport {
    PositionReport { index: 0, unit_id, at_position: at, at: now }
}
