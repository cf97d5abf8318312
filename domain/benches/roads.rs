//! How fast the routed nearest-unit ranking is, beside the straight-line
//! index and a plain Dijkstra, on two networks:
//!
//! * the demo district's own road lines (config/district-lingui.toml) with
//!   its 45 seed units and 255 more spread over the district;
//! * a 50 × 50 km city: a 500 × 500 grid of streets 100 m apart (250,000
//!   nodes), every tenth street a major road, alternate minor streets
//!   one-way, 5% of the blocks' streets missing, and a river down the
//!   middle crossed by a bridge every 2 km; 1,000 units (30% busy).
//!
//! Criterion reports each ranking's time; then 2,000 random scenes per
//! network are timed one by one and p50 / p99 / max printed, since the
//! target is a p99:
//!
//!     cargo bench -p domain --bench roads

use std::hint::black_box;
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use domain::district::RoadClass;
use domain::fleet::UnitState;
use domain::index::FleetIndex;
use domain::roads::{DEFAULT_MAX_SNAP_M, RoadNetwork, RoadSpeeds, Routing};
use domain::{Coordinates, TravelModel, UnitId, UnitKind, UnitStatus};

mod common;
use common::Rng;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 6, 3, 0, 0).single().expect("valid date")
}

const LAT0: f64 = 25.0;
const LON0: f64 = 110.0;
const M_PER_DEG: f64 = 111_195.0;

fn xy(x: f64, y: f64) -> Coordinates {
    Coordinates::parse(LAT0 + y / M_PER_DEG, LON0 + x / (M_PER_DEG * LAT0.to_radians().cos())).expect("valid")
}

/// The 50 × 50 km city described at the top.
fn city(rng: &mut Rng) -> RoadNetwork {
    const N: u32 = 500;
    const STEP: f64 = 100.0;
    let mut nodes = vec![];
    for r in 0..N {
        for c in 0..N {
            nodes.push(xy(f64::from(c) * STEP, f64::from(r) * STEP));
        }
    }
    let id = |c: u32, r: u32| r * N + c;
    let mut edges = vec![];
    for r in 0..N {
        for c in 0..N {
            // east: the river runs between columns 249 and 250
            if c + 1 < N {
                let river = c == 249;
                let bridge = river && r % 20 == 0;
                let major = r % 10 == 0;
                if (!river || bridge) && (major || rng.next() > 0.05) {
                    let class = if major || bridge { RoadClass::Major } else { RoadClass::Minor };
                    // alternate minor streets are one-way, east on even rows, west on odd
                    let oneway = !major && !bridge && r % 2 == 1;
                    let (a, b) = if r % 4 == 1 { (id(c + 1, r), id(c, r)) } else { (id(c, r), id(c + 1, r)) };
                    edges.push((a, b, class, oneway));
                }
            }
            // north
            if r + 1 < N {
                let major = c % 10 == 0;
                if major || rng.next() > 0.05 {
                    edges.push((
                        id(c, r),
                        id(c, r + 1),
                        if major { RoadClass::Major } else { RoadClass::Minor },
                        false,
                    ));
                }
            }
        }
    }
    RoadNetwork::measured(nodes, edges).expect("valid")
}

fn fleet(n: usize, rng: &mut Rng, mut at: impl FnMut(&mut Rng) -> Coordinates) -> Vec<UnitState> {
    (0..n)
        .map(|i| {
            let busy = rng.next() < 0.3;
            let kind = [UnitKind::Car, UnitKind::Car, UnitKind::Motorbike, UnitKind::Ebike, UnitKind::Foot]
                [(rng.next() * 5.0) as usize % 5];
            UnitState {
                id: UnitId(i as i64 + 1),
                kind,
                status: if busy { UnitStatus::EnRoute } else { UnitStatus::Available },
                position: Some((at(rng), now() - Duration::seconds(5))),
            }
        })
        .collect()
}

fn percentiles(name: &str, mut samples: Vec<StdDuration>) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)];
    println!(
        "{name}: n = {}, p50 = {:.1} µs, p99 = {:.1} µs, max = {:.1} µs",
        samples.len(),
        at(0.50).as_secs_f64() * 1e6,
        at(0.99).as_secs_f64() * 1e6,
        samples[samples.len() - 1].as_secs_f64() * 1e6
    );
}

struct Case {
    name: &'static str,
    routing: Routing,
    units: Vec<UnitState>,
    index: FleetIndex,
    scenes: Vec<Coordinates>,
}

fn cases() -> Vec<Case> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let model = TravelModel::default();
    let mut out = vec![];

    let text = include_str!("../../config/district-lingui.toml");
    let district = domain::District::from_toml(text).expect("the demo district");
    let (lo, hi) = district.bounds().expect("bounds");
    let mut in_district = |rng: &mut Rng| {
        Coordinates::parse(lo.lat() + rng.next() * (hi.lat() - lo.lat()), lo.lon() + rng.next() * (hi.lon() - lo.lon()))
            .expect("valid")
    };
    let started = Instant::now();
    let routing = Routing::build(
        &RoadNetwork::from_roads(&district.roads),
        &RoadSpeeds::default(),
        model.clone(),
        DEFAULT_MAX_SNAP_M,
    );
    println!("demo district: {routing:?}, prepared in {:.1} ms", started.elapsed().as_secs_f64() * 1e3);
    let mut units: Vec<UnitState> = district
        .units
        .iter()
        .enumerate()
        .map(|(i, u)| UnitState {
            id: UnitId(i as i64 + 1),
            kind: u.kind,
            status: UnitStatus::Available,
            position: Some((u.at, now() - Duration::seconds(5))),
        })
        .collect();
    for (i, mut u) in fleet(255, &mut rng, &mut in_district).into_iter().enumerate() {
        u.id = UnitId(1000 + i as i64);
        units.push(u);
    }
    let scenes = (0..2000).map(|_| in_district(&mut rng)).collect();
    let index = FleetIndex::from_units(model.clone(), units.iter().copied());
    out.push(Case { name: "demo district, 300 units", routing, units, index, scenes });

    let net = city(&mut rng);
    let started = Instant::now();
    let routing = Routing::build(&net, &RoadSpeeds::default(), model.clone(), DEFAULT_MAX_SNAP_M);
    println!("50 × 50 km city: {routing:?}, prepared in {:.1} s", started.elapsed().as_secs_f64());
    let mut in_city = |rng: &mut Rng| xy(rng.next() * 49_900.0, rng.next() * 49_900.0);
    let units = fleet(1000, &mut rng, &mut in_city);
    let scenes = (0..2000).map(|_| in_city(&mut rng)).collect();
    let index = FleetIndex::from_units(model, units.iter().copied());
    out.push(Case { name: "50 × 50 km city, 1000 units", routing, units, index, scenes });
    out
}

fn bench(c: &mut Criterion) {
    for case in cases() {
        let mut group = c.benchmark_group(format!("k5 {}", case.name));
        group.sample_size(20);
        let mut i = 0;
        group.bench_function("straight-line index", |b| {
            b.iter(|| {
                i = (i + 1) % case.scenes.len();
                black_box(case.index.recommend(case.scenes[i], now(), 5))
            })
        });
        group.bench_function("routed (CH, proven top K)", |b| {
            b.iter(|| {
                i = (i + 1) % case.scenes.len();
                black_box(case.routing.recommend(&case.units, case.scenes[i], now(), 5))
            })
        });
        group.bench_function("plain Dijkstra", |b| {
            b.iter(|| {
                i = (i + 1) % case.scenes.len();
                black_box(case.routing.recommend_dijkstra(&case.units, case.scenes[i], now(), 5))
            })
        });
        group.finish();

        let mut straight = vec![];
        let mut routed = vec![];
        let mut shortlist = 0usize;
        let mut dijkstra = vec![];
        let mut disagree = 0;
        for (n, scene) in case.scenes.iter().enumerate() {
            let t = Instant::now();
            black_box(case.index.recommend(*scene, now(), 5));
            straight.push(t.elapsed());
            let t = Instant::now();
            let (got, count) = case.routing.recommend_counting(&case.units, *scene, now(), 5);
            routed.push(t.elapsed());
            shortlist += count;
            // the plain Dijkstra is slow on the city: time a tenth of the scenes
            if n % 10 == 0 {
                let t = Instant::now();
                let want = case.routing.recommend_dijkstra(&case.units, *scene, now(), 5);
                dijkstra.push(t.elapsed());
                if want != got {
                    disagree += 1;
                }
            }
        }
        println!("\n{}:", case.name);
        percentiles("  straight-line index      ", straight);
        percentiles("  routed (CH, proven top K)", routed);
        percentiles("  plain Dijkstra           ", dijkstra);
        println!(
            "  units routed per query: {:.1} of {}; routed vs Dijkstra rankings that differ: {disagree}",
            shortlist as f64 / case.scenes.len() as f64,
            case.units.len()
        );
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
