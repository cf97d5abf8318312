//! History generator: writes past incidents with realistic stage times and
//! their status-log rows into a store (SQLite or PostgreSQL), for the review
//! pages' benchmark.
//!
//!     cargo run --release -p server --features load-tool --bin gen-history -- \
//!         --db data/history.db --incidents 1000000
//!     cargo run --release -p server --features load-tool --bin gen-history -- \
//!         --db postgres://postgres@127.0.0.1/history --incidents 1000000
//!
//! The last 365 days get `--incidents` incidents; the year before gets the
//! same profile with a trend (fights twice as common, disputes +20%, the rest
//! +5%), so year-on-year comparisons show "fights −50%". Arrival times follow
//! the zone class (core areas are reached fastest); about 4% of incidents are
//! cancelled before arrival and 2% are never reached. Hour-of-day follows a
//! night-market city: quiet at 05:00, busiest 20:00–23:00.

use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use domain::{Coordinates, District};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use server::on_tx;
use server::simulator::pick;
use server::store::Store;
use sqlx::QueryBuilder;

/// Relative incident volume per local hour.
const HOURS: [(i64, f64); 24] = [
    (0, 5.0),
    (1, 4.0),
    (2, 3.0),
    (3, 2.0),
    (4, 1.5),
    (5, 1.0),
    (6, 1.5),
    (7, 3.0),
    (8, 4.5),
    (9, 5.0),
    (10, 5.0),
    (11, 5.5),
    (12, 6.0),
    (13, 5.5),
    (14, 5.0),
    (15, 5.0),
    (16, 5.5),
    (17, 6.5),
    (18, 7.5),
    (19, 8.5),
    (20, 9.5),
    (21, 10.0),
    (22, 9.5),
    (23, 7.5),
];

/// (category, share, trend: last year's volume relative to this year's)
const CATEGORIES: [(&str, f64, f64); 13] = [
    ("dispute", 0.22, 1.2),
    ("fight", 0.06, 2.0),
    ("theft", 0.10, 1.05),
    ("lost_person", 0.07, 1.05),
    ("medical", 0.05, 1.05),
    ("parking", 0.14, 1.05),
    ("minors", 0.03, 1.05),
    ("traffic", 0.08, 1.05),
    ("fraud", 0.04, 1.05),
    ("fire", 0.01, 1.05),
    ("noise", 0.08, 1.05),
    ("consultation", 0.07, 1.05),
    ("other", 0.05, 1.05),
];

const CHANNELS: [(&str, f64); 6] =
    [("phone", 0.5), ("chat", 0.2), ("walk_in", 0.1), ("web", 0.1), ("patrol", 0.07), ("video", 0.03)];

/// A log-normal duration in milliseconds with this median.
fn lognormal(rng: &mut SmallRng, median_s: f64, spread: f64) -> i64 {
    // Box-Muller
    let (u1, u2): (f64, f64) = (rng.random_range(1e-9..1.0), rng.random_range(0.0..1.0));
    let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
    (median_s * (spread * z).exp() * 1000.0) as i64
}

struct Incident {
    channel: &'static str,
    category: &'static str,
    priority: i64,
    status: &'static str,
    lat: f64,
    lon: f64,
    station: Option<String>,
    zone: Option<String>,
    class: Option<&'static str>,
    received: i64,
    dispatched: Option<i64>,
    en_route: Option<i64>,
    on_scene: Option<i64>,
    resolved: Option<i64>,
    closed: Option<i64>,
    cancelled: Option<i64>,
    /// The first unit dispatched (one of the station's own).
    unit: Option<i64>,
}

/// Where an incident happens: most near the places people gather (the
/// district's landmarks and patrol points, within a few hundred metres),
/// the rest anywhere in the box, so a hot-spot map has hot spots.
fn place(rng: &mut SmallRng, district: &District, (sw, ne): (Coordinates, Coordinates)) -> Coordinates {
    let spots: Vec<Coordinates> =
        district.landmarks.iter().map(|l| l.at).chain(district.patrol_points.iter().map(|p| p.at)).collect();
    if !spots.is_empty() && rng.random_range(0.0..1.0) < 0.65 {
        let c = spots[rng.random_range(0..spots.len())];
        // a normal offset (Box-Muller), 180 m standard deviation
        let (u, v): (f64, f64) = (rng.random_range(f64::EPSILON..1.0), rng.random_range(0.0..1.0));
        let r = (-2.0 * u.ln()).sqrt() * 180.0;
        let (dn, de) = (r * (std::f64::consts::TAU * v).cos(), r * (std::f64::consts::TAU * v).sin());
        let lat = c.lat() + dn / 111_320.0;
        let lon = c.lon() + de / (111_320.0 * c.lat().to_radians().cos());
        if let Ok(p) = Coordinates::parse(lat.clamp(sw.lat(), ne.lat()), lon.clamp(sw.lon(), ne.lon())) {
            return p;
        }
    }
    Coordinates::parse(rng.random_range(sw.lat()..ne.lat()), rng.random_range(sw.lon()..ne.lon())).unwrap_or(sw)
}

/// One incident received on the local day starting at `day_start_ms`,
/// somewhere in the box `(sw, ne)` around the district.
fn generate(
    rng: &mut SmallRng,
    district: &District,
    (sw, ne): (Coordinates, Coordinates),
    day_start_ms: i64,
    category: &'static str,
) -> Incident {
    let hour = pick(&HOURS, rng);
    let received = day_start_ms + hour * 3_600_000 + rng.random_range(0..3_600_000);
    let at = place(rng, district, (sw, ne));
    let loc = district.locate(at);
    let class = loc.class.map(|c| c.as_str());
    let travel_median = match class {
        Some("core") => 35.0,
        Some("crowded") => 110.0,
        Some("other") => 190.0,
        _ => 320.0,
    };
    let priority = match category {
        "fight" | "medical" | "fire" | "lost_person" => 1,
        "parking" | "noise" | "consultation" | "other" => 3,
        _ => 2,
    };
    let mut i = Incident {
        channel: pick(&CHANNELS, rng),
        category,
        priority,
        status: "closed",
        lat: at.lat(),
        lon: at.lon(),
        station: loc.station.map(|s| s.as_str().to_owned()),
        zone: loc.zone,
        class,
        received,
        dispatched: None,
        en_route: None,
        on_scene: None,
        resolved: None,
        closed: None,
        cancelled: None,
        unit: None,
    };
    let fate: f64 = rng.random_range(0.0..1.0);
    let dispatched = received + lognormal(rng, 40.0, 0.6);
    i.dispatched = Some(dispatched);
    if fate < 0.02 {
        // dispatched, never reached, closed by phone later
        i.closed = Some(dispatched + lognormal(rng, 1800.0, 0.5));
        return i;
    }
    let en_route = dispatched + lognormal(rng, 20.0, 0.5);
    i.en_route = Some(en_route);
    if fate < 0.06 {
        i.status = "cancelled";
        i.cancelled = Some(en_route + lognormal(rng, 60.0, 0.5));
        return i;
    }
    let on_scene = en_route + lognormal(rng, travel_median, 0.45);
    i.on_scene = Some(on_scene);
    let resolved = on_scene + lognormal(rng, 900.0, 0.7);
    i.resolved = Some(resolved);
    if fate < 0.10 {
        i.status = "resolved";
    } else {
        i.closed = Some(resolved + lognormal(rng, 600.0, 0.5));
    }
    i
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut db = "data/history.db".to_owned();
    let mut n: u64 = 1_000_000;
    let mut district_file = concat!(env!("CARGO_MANIFEST_DIR"), "/../config/district-lingui.toml").to_owned();
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let val = it.next().ok_or_else(|| anyhow::anyhow!("{flag} needs a value"))?;
        match flag.as_str() {
            "--db" => db = val,
            "--incidents" => n = val.parse()?,
            "--district" => district_file = val,
            other => anyhow::bail!(
                "unknown option {other}; usage: gen-history [--db PATH] [--incidents N] [--district FILE]"
            ),
        }
    }
    let district = District::from_toml(&std::fs::read_to_string(&district_file)?)?;
    let bounds = district.bounds().ok_or_else(|| anyhow::anyhow!("the district {district_file} has no areas"))?;
    let url = if db.contains("://") { db.clone() } else { format!("sqlite://{db}") };
    let store = Store::connect(&url).await?;
    if !store.has_district().await? {
        store.import_district(&district, &district_file, Utc::now()).await?;
    }
    // the district's units by station, to credit incidents to
    let mut tx = store.begin().await?;
    let rows: Vec<(i64, String)> =
        on_tx!(&mut tx, "SELECT id, station FROM units", |c, q| sqlx::query_as(q).fetch_all(c).await)?;
    drop(tx);
    let all_units: Vec<i64> = rows.iter().map(|(id, _)| *id).collect();
    let mut units: std::collections::HashMap<String, Vec<i64>> = Default::default();
    for (id, station) in rows {
        units.entry(station).or_default().push(id);
    }
    let t = Instant::now();
    let mut rng = SmallRng::seed_from_u64(2026);
    let today = Utc::now().date_naive();
    let offset_ms = 8 * 3_600_000;
    let mut written = 0u64;
    let mut batch: Vec<Incident> = Vec::with_capacity(2_000);
    // two years: the last 365 days (n incidents), and the year before with the trend
    for year in [1i64, 0] {
        let per_day = n as f64 / 365.0;
        for d in 0..365i64 {
            let date = today - Duration::days(365 * year + 365 - d);
            let day_start = date.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp_millis()).unwrap_or(0) - offset_ms;
            for (category, share, trend) in CATEGORIES {
                let mean = per_day * share * if year == 1 { trend } else { 1.0 };
                // a whole number of incidents whose expectation is `mean`
                let count = mean.floor() as u64 + u64::from(rng.random_range(0.0..1.0) < mean.fract());
                for _ in 0..count {
                    let mut i = generate(&mut rng, &district, bounds, day_start, category);
                    if i.dispatched.is_some() {
                        let own = i.station.as_ref().and_then(|s| units.get(s)).filter(|u| !u.is_empty());
                        let pool = own.unwrap_or(&all_units);
                        if !pool.is_empty() {
                            i.unit = Some(pool[rng.random_range(0..pool.len())]);
                        }
                    }
                    batch.push(i);
                    if batch.len() == batch.capacity() {
                        written += write(&store, &mut batch).await?;
                    }
                }
            }
        }
        written += write(&store, &mut batch).await?;
        println!("{} incidents written after {:.1} s", written, t.elapsed().as_secs_f64());
    }
    let mut tx = store.begin().await?;
    on_tx!(&mut tx, "ANALYZE", |c, q| sqlx::query(q).execute(c).await.map(|_| ()))?;
    tx.commit().await?;
    println!("done: {written} incidents in {db} in {:.1} s", t.elapsed().as_secs_f64());
    Ok(())
}

/// Writes a batch of incidents and their status-log rows in one transaction.
async fn write(store: &Store, batch: &mut Vec<Incident>) -> anyhow::Result<u64> {
    if batch.is_empty() {
        return Ok(0);
    }
    let mut tx = store.begin().await?;
    let mut ids: Vec<i64> = Vec::with_capacity(batch.len());
    for chunk in batch.chunks(500) {
        let written: Vec<i64> = on_tx!(&mut tx, |c| {
            let mut q = QueryBuilder::new(
                "INSERT INTO incidents (channel, category, priority, status, lat, lon, station, zone, zone_class, \
             received_at, dispatched_at, en_route_at, on_scene_at, resolved_at, closed_at, cancelled_at, created_by, \
             first_unit_id) ",
            );
            q.push_values(chunk, |mut b, i| {
                b.push_bind(i.channel)
                    .push_bind(i.category)
                    .push_bind(i.priority)
                    .push_bind(i.status)
                    .push_bind(i.lat)
                    .push_bind(i.lon)
                    .push_bind(i.station.clone())
                    .push_bind(i.zone.clone())
                    .push_bind(i.class)
                    .push_bind(i.received)
                    .push_bind(i.dispatched)
                    .push_bind(i.en_route)
                    .push_bind(i.on_scene)
                    .push_bind(i.resolved)
                    .push_bind(i.closed)
                    .push_bind(i.cancelled)
                    .push_bind("history")
                    .push_bind(i.unit);
            });
            q.push(" RETURNING id");
            q.build_query_scalar().fetch_all(c).await
        })?;
        ids.extend(written);
    }
    anyhow::ensure!(ids.len() == batch.len(), "{} incidents written, {} ids returned", batch.len(), ids.len());
    // each incident's dispatch and arrival timers, stopped (a past incident
    // is read like any other: its view carries both)
    let policy = domain::ResponsePolicy::default();
    let mut timers: Vec<(i64, &str, i64, i64, i64, i64)> = Vec::with_capacity(batch.len() * 2);
    for (k, i) in batch.iter().enumerate() {
        let id = ids[k];
        let end = i.closed.or(i.resolved).or(i.cancelled).unwrap_or(i.received);
        let class = i.class.and_then(|c| c.parse::<domain::ResponseClass>().ok());
        let received = DateTime::<Utc>::from_timestamp_millis(i.received).unwrap_or_default();
        for (kind, stopped) in [
            (domain::TimerKind::Dispatch, i.dispatched.unwrap_or(end)),
            (domain::TimerKind::Arrival, i.on_scene.unwrap_or(end)),
        ] {
            let t = policy.timer(kind, class, received);
            let ms = |at: DateTime<Utc>| at.timestamp_millis();
            timers.push((id, kind.as_str(), ms(t.started_at), ms(t.amber_at), ms(t.deadline), stopped));
        }
    }
    for chunk in timers.chunks(2_000) {
        on_tx!(&mut tx, |c| {
            let mut q = QueryBuilder::new(
                "INSERT INTO timers (incident_id, kind, started_at, amber_at, deadline, stopped_at) ",
            );
            q.push_values(chunk, |mut b, (id, kind, started, amber, deadline, stopped)| {
                b.push_bind(*id)
                    .push_bind(*kind)
                    .push_bind(*started)
                    .push_bind(*amber)
                    .push_bind(*deadline)
                    .push_bind(*stopped);
            });
            q.build().execute(c).await.map(|_| ())
        })?;
    }
    // the status log: one row per stage reached
    let mut log: Vec<(i64, i64, Option<&str>, &str)> = vec![];
    for (k, i) in batch.iter().enumerate() {
        let id = ids[k];
        let mut from: Option<&str> = None;
        for (at, to) in [
            (Some(i.received), "new"),
            (i.dispatched, "dispatched"),
            (i.en_route, "en_route"),
            (i.on_scene, "on_scene"),
            (i.resolved, "resolved"),
            (i.closed, "closed"),
            (i.cancelled, "cancelled"),
        ] {
            if let Some(at) = at {
                log.push((at, id, from, to));
                from = Some(to);
            }
        }
    }
    for chunk in log.chunks(2_000) {
        on_tx!(&mut tx, |c| {
            let mut q = QueryBuilder::new(
                "INSERT INTO status_log (at, entity, entity_id, from_status, to_status, actor, reason) ",
            );
            q.push_values(chunk, |mut b, (at, id, from, to)| {
                b.push_bind(*at)
                    .push_bind("incident")
                    .push_bind(*id)
                    .push_bind(*from)
                    .push_bind(*to)
                    .push_bind("history")
                    .push_bind("");
            });
            q.build().execute(c).await.map(|_| ())
        })?;
    }
    tx.commit().await?;
    let n = batch.len() as u64;
    batch.clear();
    Ok(n)
}
