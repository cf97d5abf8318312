//! How fast the nearest-unit search and the position updates are.
//!
//! Fleets of 1k, 10k and 100k units spread over a 50 × 50 km district,
//! mixed kinds, 30% busy, 10% stale, like the reference figures. The
//! index is measured next to the brute-force scan in the same run.
//!
//!     cargo bench -p domain --bench recommend

use std::hint::black_box;

use chrono::{DateTime, Duration, TimeZone, Utc};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use domain::fleet::{UnitState, recommend_scan};
use domain::index::FleetIndex;
use domain::{Coordinates, TravelModel, UnitId, UnitKind, UnitStatus};

mod common;
use common::Rng;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 3, 0, 0).single().expect("valid date")
}

const CENTRE: (f64, f64) = (25.24, 110.20);
/// Half of 50 km in degrees of latitude and of longitude at 25°N.
const HALF: (f64, f64) = (0.226, 0.248);

fn point(rng: &mut Rng) -> Coordinates {
    Coordinates::parse(CENTRE.0 + (rng.next() * 2.0 - 1.0) * HALF.0, CENTRE.1 + (rng.next() * 2.0 - 1.0) * HALF.1)
        .expect("valid")
}

fn fleet(n: usize, rng: &mut Rng) -> Vec<UnitState> {
    (0..n)
        .map(|i| {
            let r = rng.next();
            let status = if r < 0.3 { UnitStatus::EnRoute } else { UnitStatus::Available };
            let age = if (0.3..0.4).contains(&r) { 600 } else { 5 };
            UnitState {
                id: UnitId(i as i64 + 1),
                kind: UnitKind::ALL[(rng.next() * 5.0) as usize % 5],
                status,
                position: Some((point(rng), now() - Duration::seconds(age))),
            }
        })
        .collect()
}

fn recommend(c: &mut Criterion) {
    let model = TravelModel::default();
    let mut group = c.benchmark_group("recommend_k5");
    for n in [1_000usize, 10_000, 100_000] {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ n as u64);
        let units = fleet(n, &mut rng);
        let mut index = FleetIndex::new(model.clone());
        for u in &units {
            index.upsert(*u);
        }
        // as the engine does every heartbeat: stale units leave the trees
        // (the search still checks freshness for any that went stale since)
        index.sweep_stale(now());
        let targets: Vec<Coordinates> = (0..1024).map(|_| point(&mut rng)).collect();
        let mut i = 0;
        group.bench_function(BenchmarkId::new("index", n), |b| {
            b.iter(|| {
                i = (i + 1) % targets.len();
                black_box(index.recommend(targets[i], now(), 5))
            })
        });
        let mut i = 0;
        group.bench_function(BenchmarkId::new("scan", n), |b| {
            b.iter(|| {
                i = (i + 1) % targets.len();
                black_box(recommend_scan(&units, targets[i], now(), 5, &model))
            })
        });
    }
    group.finish();
}

fn position_updates(c: &mut Criterion) {
    let model = TravelModel::default();
    let n = 100_000;
    let mut rng = Rng(42);
    let units = fleet(n, &mut rng);
    let mut group = c.benchmark_group("position_update_100k");
    group.throughput(Throughput::Elements(1));

    // 1 Hz reports of units moving at their kind's speed in some direction
    let mut index = FleetIndex::new(model.clone());
    for u in &units {
        index.upsert(*u);
    }
    let mut positions: Vec<Coordinates> = units.iter().map(|u| u.position.map(|(c, _)| c).expect("placed")).collect();
    let mut i = 0;
    group.bench_function("moving_1hz", |b| {
        b.iter(|| {
            i = (i + 1) % n;
            let speed = model.speed_ms(units[i].kind);
            let heading = rng.next() * std::f64::consts::TAU;
            let p = positions[i];
            let next = Coordinates::parse(
                p.lat() + speed * heading.cos() / 110_574.0,
                p.lon() + speed * heading.sin() / 100_700.0,
            )
            .unwrap_or(p);
            positions[i] = next;
            black_box(index.set_position(units[i].id, next, now()))
        })
    });

    // the worst case: every report lands somewhere new (always re-filed)
    let mut index = FleetIndex::new(model.clone());
    for u in &units {
        index.upsert(*u);
    }
    let jumps: Vec<Coordinates> = (0..4099).map(|_| point(&mut rng)).collect();
    let (mut i, mut j) = (0, 0);
    group.bench_function("teleporting", |b| {
        b.iter(|| {
            // 100,000 and 4,099 share no factor: a unit lands somewhere else every pass
            i = (i + 1) % n;
            j = (j + 1) % jumps.len();
            black_box(index.set_position(units[i].id, jumps[j], now()))
        })
    });
    group.finish();
}

criterion_group!(benches, recommend, position_updates);
criterion_main!(benches);
