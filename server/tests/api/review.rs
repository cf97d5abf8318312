//! Review figures against an independent computation: incidents with known
//! stage times are written into the store directly (as history), then the
//! figures the API reports are recomputed here from the same rows by sorting.

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

use crate::helpers::{TestApp, by_sorting, spawn, sql};

/// 2025-03-01 00:00 in Lingui (UTC+8), in milliseconds.
const MARCH_2025: i64 = 1_740_758_400_000;
const DAY: i64 = 86_400_000;

/// Stage times, ms after received (None: never reached).
#[derive(Debug, Clone, Copy)]
struct Case {
    station: &'static str,
    class: Option<&'static str>,
    received: i64,
    dispatch: Option<i64>,
    en_route: Option<i64>,
    on_scene: Option<i64>,
    cancelled: Option<i64>,
    category: &'static str,
}

async fn insert(app: &TestApp, cases: &[Case]) {
    let pool = app.db().await;
    for c in cases {
        let abs = |d: Option<i64>| d.map(|d| c.received + d);
        let status = if c.cancelled.is_some() {
            "cancelled"
        } else if c.on_scene.is_some() {
            "closed"
        } else {
            "dispatched"
        };
        sqlx::query(&sql(
            "INSERT INTO incidents (channel, category, priority, status, lat, lon, station, zone_class, received_at,
             dispatched_at, en_route_at, on_scene_at, cancelled_at, created_by)
             VALUES ('phone', ?, 2, ?, 25.24, 110.2, ?, ?, ?, ?, ?, ?, ?, 'test')",
        ))
        .bind(c.category)
        .bind(status)
        .bind(c.station)
        .bind(c.class)
        .bind(c.received)
        .bind(abs(c.dispatch))
        .bind(abs(c.en_route))
        .bind(abs(c.on_scene))
        .bind(abs(c.cancelled))
        .execute(&pool)
        .await
        .expect("insert");
    }
}

fn target_ms(class: Option<&str>) -> i64 {
    match class {
        Some("core") => 60_000,
        Some("crowded") => 180_000,
        Some("other") => 300_000,
        _ => 540_000,
    }
}

/// What the review must say about `cases`, computed here.
fn expected(cases: &[&Case]) -> Value {
    let secs = |f: fn(&Case) -> Option<(i64, i64)>| -> Vec<i64> {
        cases.iter().filter_map(|c| f(c)).map(|(a, b)| (b - a).max(0) / 1000).collect()
    };
    let dispatch = secs(|c| c.dispatch.map(|d| (0, d)));
    let turnout = secs(|c| Some((c.dispatch?, c.en_route?)));
    let travel = secs(|c| Some((c.en_route?, c.on_scene?)));
    let response = secs(|c| c.on_scene.map(|o| (0, o)));
    let met = cases.iter().filter(|c| c.on_scene.is_some_and(|o| o <= target_ms(c.class))).count();
    let excluded = cases.iter().filter(|c| c.on_scene.is_none() && c.cancelled.is_some()).count();
    let breached = cases.len() - met - excluded;
    let compliance = if met + breached == 0 { Value::Null } else { Value::from(met as f64 / (met + breached) as f64) };
    serde_json::json!({
        "count": cases.len(),
        "dispatch_p50_s": by_sorting(dispatch.clone(), 50), "dispatch_p90_s": by_sorting(dispatch, 90),
        "turnout_p50_s": by_sorting(turnout.clone(), 50), "turnout_p90_s": by_sorting(turnout, 90),
        "travel_p50_s": by_sorting(travel.clone(), 50), "travel_p90_s": by_sorting(travel, 90),
        "response_p50_s": by_sorting(response.clone(), 50), "response_p90_s": by_sorting(response, 90),
        "compliance": compliance,
    })
}

fn assert_matches(got: &Value, want: &Value, what: &str) {
    for (k, v) in want.as_object().expect("object") {
        match (v.as_f64(), got[k].as_f64()) {
            (Some(a), Some(b)) => assert!((a - b).abs() < 1e-9, "{what}: {k} is {b}, expected {a}"),
            _ => assert_eq!(&got[k], v, "{what}: {k}"),
        }
    }
}

fn random_cases(n: usize, seed: u64) -> Vec<Case> {
    let mut rng = SmallRng::seed_from_u64(seed);
    let stations = ["JSL", "RS", "RMR", "SDFL"];
    let classes = [Some("core"), Some("crowded"), Some("other"), None];
    (0..n)
        .map(|_| {
            let dispatch = rng.random_range(0..200_000);
            let en_route = dispatch + rng.random_range(0..90_000);
            let fate = rng.random_range(0..10);
            let on_scene = (fate >= 2).then(|| en_route + rng.random_range(0..600_000));
            Case {
                station: stations[rng.random_range(0..4)],
                class: classes[rng.random_range(0..4)],
                received: MARCH_2025 + rng.random_range(0..30 * DAY),
                dispatch: Some(dispatch),
                en_route: (fate >= 1).then_some(en_route),
                on_scene,
                // fate 0: cancelled before anyone went; 1: dispatched, never
                // arrived; 9: arrived, then cancelled (the arrival counts)
                cancelled: match (fate, on_scene) {
                    (0, _) => Some(dispatch + 1_000),
                    (9, Some(o)) => Some(o + 1_000),
                    _ => None,
                },
                category: if fate % 2 == 0 { "fight" } else { "dispute" },
            }
        })
        .collect()
}

#[tokio::test]
async fn review_figures_match_an_independent_computation() {
    let app = spawn().await;
    let cases = random_cases(400, 11);
    insert(&app, &cases).await;

    let (status, r) = app.get("/api/v1/review?from=2025-03-01&to=2025-03-30&by=station").await;
    assert_eq!(status, 200, "{r}");
    let all: Vec<&Case> = cases.iter().collect();
    assert_matches(&r["total"], &expected(&all), "whole selection");
    let rows = r["breakdown"].as_array().expect("a breakdown");
    assert_eq!(rows.len(), 4);
    for row in rows {
        let st = row["key"].as_str().expect("a key");
        let mine: Vec<&Case> = cases.iter().filter(|c| c.station == st).collect();
        assert_matches(row, &expected(&mine), st);
    }

    // a long period is read by scanning the review indexes: the same figures
    let (_, long) = app.get("/api/v1/review?from=2025-01-01&to=2025-12-31&by=station").await;
    assert_matches(&long["total"], &expected(&all), "a whole year");
    for row in long["breakdown"].as_array().expect("a breakdown") {
        let st = row["key"].as_str().expect("a key");
        let mine: Vec<&Case> = cases.iter().filter(|c| c.station == st).collect();
        assert_matches(row, &expected(&mine), st);
    }
    let (_, r) = app.get("/api/v1/review?from=2025-01-01&to=2025-12-31&station=RS&category=fight").await;
    let mine: Vec<&Case> = cases.iter().filter(|c| c.station == "RS" && c.category == "fight").collect();
    assert_matches(&r["total"], &expected(&mine), "RS fights over a year");

    // filters narrow the same way
    let (_, r) = app.get("/api/v1/review?from=2025-03-01&to=2025-03-30&station=RS&category=fight").await;
    let mine: Vec<&Case> = cases.iter().filter(|c| c.station == "RS" && c.category == "fight").collect();
    assert_matches(&r["total"], &expected(&mine), "RS fights");
    let (_, r) = app.get("/api/v1/review?from=2025-03-01&to=2025-03-30&zone_class=outside").await;
    let mine: Vec<&Case> = cases.iter().filter(|c| c.class.is_none()).collect();
    assert_matches(&r["total"], &expected(&mine), "outside every zone");
}

#[tokio::test]
async fn empty_single_never_reached_and_cancelled_selections() {
    let app = spawn().await;
    // nothing at all
    let (status, r) = app.get("/api/v1/review?from=2024-01-01&to=2024-01-31").await;
    assert_eq!(status, 200);
    assert_eq!(r["total"]["count"], 0);
    assert_eq!(r["total"]["response_p90_s"], Value::Null);
    assert_eq!(r["total"]["compliance"], Value::Null);

    let one = Case {
        station: "JSL",
        class: Some("core"),
        received: MARCH_2025 + 3_600_000,
        dispatch: Some(20_500),
        en_route: Some(30_000),
        on_scene: Some(75_999),
        cancelled: None,
        category: "fight",
    };
    let never = Case { received: MARCH_2025 + DAY + 1, en_route: None, on_scene: None, ..one };
    let withdrawn = Case { received: MARCH_2025 + 2 * DAY + 1, on_scene: None, cancelled: Some(40_000), ..one };
    insert(&app, &[one, never, withdrawn]).await;

    let (_, r) = app.get("/api/v1/review?from=2025-03-01&to=2025-03-01").await;
    assert_eq!(r["total"]["count"], 1);
    assert_eq!(r["total"]["response_p50_s"], 75, "75.999 s counts as 75 whole seconds");
    assert_eq!(r["total"]["response_p90_s"], 75);
    assert_eq!(r["total"]["compliance"], 0.0, "76 s in a 60 s core zone is a breach");

    let (_, r) = app.get("/api/v1/review?from=2025-03-01&to=2025-03-03").await;
    assert_eq!(r["total"]["count"], 3);
    // never reached: no response time, but a breach; cancelled before arrival: excluded
    assert_eq!(r["total"]["compliance_by_zone_class"]["core"]["breached"], 2);
    assert_eq!(r["total"]["compliance_by_zone_class"]["core"]["met"], 0);
    assert_eq!(r["total"]["cancelled_share"].as_f64().map(|x| (x * 3.0).round()), Some(1.0));
    assert_eq!(r["total"]["turnout_p90_s"], 9, "turnout is counted for the two that went en route");
}

#[tokio::test]
async fn comparisons_with_the_previous_period_and_last_year() {
    let app = spawn().await;
    let mut cases = vec![];
    let base = Case {
        station: "JSL",
        class: Some("crowded"),
        received: 0,
        dispatch: Some(10_000),
        en_route: Some(20_000),
        on_scene: Some(100_000),
        cancelled: None,
        category: "fight",
    };
    // March 2025: 5 fights; February 2025 (the previous 31 days... and a
    // bit of January): 8; March 2024: 10
    for k in 0..5 {
        cases.push(Case { received: MARCH_2025 + k * DAY, ..base });
    }
    for k in 0..8 {
        cases.push(Case { received: MARCH_2025 - (k + 1) * DAY, ..base });
    }
    let march_2024 = MARCH_2025 - 365 * DAY;
    for k in 0..10 {
        cases.push(Case { received: march_2024 + k * DAY, ..base });
    }
    insert(&app, &cases).await;
    let (status, r) = app.get("/api/v1/review?from=2025-03-01&to=2025-03-31&category=fight").await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["total"]["count"], 5);
    assert_eq!(r["previous_period"]["count"], 8);
    assert_eq!(r["same_period_last_year"]["count"], 10);
    assert_eq!(r["change"]["count_vs_last_year_pct"], -50.0, "fights −50% year on year");
    assert_eq!(r["change"]["count_vs_previous_pct"], -37.5);
    // each comparison's count leads to exactly its incidents
    for (params, want) in [("previous_params", 8), ("last_year_params", 10)] {
        let p = &r[params];
        let q =
            format!("from={}&to={}&category=fight", p["from"].as_str().unwrap_or(""), p["to"].as_str().unwrap_or(""));
        assert_eq!(total_of(&app, &q).await, want, "{params}: {p}");
    }
}

#[tokio::test]
async fn bad_review_queries_are_refused_with_the_reason() {
    let app = spawn().await;
    for (q, needle) in [
        ("from=2025-03-01", "to"),
        ("from=2025-13-01&to=2025-03-02", "from must be a date"),
        ("from=2025-03-05&to=2025-03-01", "before"),
        ("from=2020-01-01&to=2025-03-01", "at most"),
        ("from=2025-03-01&to=2025-03-02&zone_class=beach", "zone_class"),
        ("from=2025-03-01&to=2025-03-02&category=arson", "category"),
        ("from=2025-03-01&to=2025-03-02&priority=7", "priority"),
        ("from=2025-03-01&to=2025-03-02&hour=24", "hour"),
        ("from=2025-03-01&to=2025-03-02&by=moon", "by must be"),
        ("from=2025-03-01&to=2025-03-02&colour=red", "colour"),
    ] {
        let (status, body) = app.get(&format!("/api/v1/review?{q}")).await;
        assert_eq!(status, 400, "{q}: {body}");
        assert!(body.to_string().contains(needle), "{q}: {body} should mention {needle}");
    }
}

#[tokio::test]
async fn the_csv_export_has_a_line_per_group() {
    let app = spawn().await;
    insert(&app, &random_cases(50, 3)).await;
    let r = app
        .client
        .get(app.url("/api/v1/review.csv?from=2025-03-01&to=2025-03-30&by=station"))
        .send()
        .await
        .expect("csv");
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap_or("").starts_with("text/csv"));
    let text = r.text().await.expect("text");
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("station,label,count,dispatch_p50_s"), "{}", lines[0]);
    assert_eq!(lines.len(), 5, "a header and four stations: {text}");
    let columns = lines[0].split(',').count();
    assert!(lines.iter().all(|l| l.split(',').count() == columns), "every line has the header's {columns} fields");
    // the late-stage and per-zone-class columns add up to the breaches
    let header: Vec<&str> = lines[0].split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap_or(usize::MAX);
    for l in &lines[1..] {
        let f: Vec<u64> = l.split(',').map(|x| x.parse().unwrap_or(0)).collect();
        let late = f[col("late_dispatch")] + f[col("late_turnout")] + f[col("late_travel")];
        let zones =
            ["core", "crowded", "other", "outside"].iter().map(|z| f[col(&format!("breached_{z}"))]).sum::<u64>();
        assert_eq!((late, zones), (f[col("breached")], f[col("breached")]), "{l}");
    }
    let counted: u64 =
        lines[1..].iter().map(|l| l.split(',').nth(2).and_then(|n| n.parse::<u64>().ok()).unwrap_or(0)).sum();
    assert_eq!(counted, 50);
}

#[tokio::test]
async fn every_review_table_exports_as_csv_with_its_header_s_width() {
    let app = spawn().await;
    insert(&app, &random_cases(50, 3)).await;
    let period = "from=2025-03-01&to=2025-03-30";
    let table = |name: &'static str| {
        let app = &app;
        async move {
            let r = app.client.get(app.url(&format!("/api/v1/review/{name}?{period}"))).send().await.expect(name);
            assert_eq!(r.status(), 200, "{name}");
            assert!(r.headers()["content-type"].to_str().unwrap_or("").starts_with("text/csv"), "{name}");
            let text = r.text().await.expect("text");
            assert!(text.ends_with("\r\n") && !text.replace("\r\n", "").contains('\n'), "{name}: CRLF line ends");
            let mut reader = csv::Reader::from_reader(text.as_bytes());
            let header: Vec<String> = reader.headers().expect("a header").iter().map(str::to_owned).collect();
            let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a well-formed line")).collect();
            assert!(rows.iter().all(|r| r.len() == header.len()), "{name}: every line has the header's width");
            (header, rows)
        }
    };
    let count = |rows: &[csv::StringRecord], col: usize| -> u64 {
        rows.iter().map(|r| r[col].parse::<u64>().expect("a count")).sum()
    };

    let (header, rows) = table("heat.csv").await;
    assert_eq!(header.len(), 25);
    assert_eq!((header[0].as_str(), header[1].as_str(), header[24].as_str()), ("weekday", "00", "23"));
    assert_eq!(
        rows.iter().map(|r| r[0].to_owned()).collect::<Vec<_>>(),
        ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    );
    assert_eq!((1..25).map(|h| count(&rows, h)).sum::<u64>(), 50);

    let (header, rows) = table("days.csv").await;
    assert_eq!(header, ["date", "count", "breached"]);
    assert_eq!(count(&rows, 1), 50);

    let (header, rows) = table("hotspots.csv").await;
    assert_eq!(header, ["south", "west", "north", "east", "count"]);
    for r in &rows {
        let b: Vec<f64> = (0..4).map(|i| r[i].parse().expect("degrees")).collect();
        assert!(b[0] < b[2] && b[1] < b[3], "a square: {r:?}");
    }
    assert!((1..=50).contains(&count(&rows, 4)));

    let (header, rows) = table("incidents.csv").await;
    assert_eq!(&header[..3], ["id", "received", "category"]);
    assert_eq!(header.last().map(String::as_str), Some("address"));
    assert_eq!(rows.len(), 50, "one page holds them all");
}

/// The late stage, computed here from the policy's defaults (dispatch 30 s,
/// turnout 30 s, arrival by class), for a breached case.
fn expected_late(c: &Case) -> Option<&'static str> {
    let target = target_ms(c.class);
    let breached = match c.on_scene {
        Some(o) => o > target,
        None => c.cancelled.is_none(),
    };
    if !breached {
        return None;
    }
    Some(match (c.dispatch, c.en_route) {
        (None, _) => "dispatch",
        (Some(d), _) if d / 1000 > 30 => "dispatch",
        (Some(_), None) => "turnout",
        (Some(d), Some(e)) if (e - d) / 1000 > 30 => "turnout",
        _ => "travel",
    })
}

async fn total_of(app: &TestApp, q: &str) -> u64 {
    let (status, body) = app.get(&format!("/api/v1/review/incidents?{q}")).await;
    assert_eq!(status, 200, "{q}: {body}");
    body["total"].as_u64().unwrap_or(u64::MAX)
}

#[tokio::test]
async fn every_figure_links_to_exactly_the_incidents_behind_it() {
    let app = spawn().await;
    let cases = random_cases(300, 5);
    insert(&app, &cases).await;
    let sel = "from=2025-03-01&to=2025-03-30";
    let (status, r) = app.get(&format!("/api/v1/review?{sel}")).await;
    assert_eq!(status, 200, "{r}");
    let t = &r["total"];
    assert_eq!(total_of(&app, sel).await, t["count"].as_u64().unwrap_or(0));
    assert_eq!(t["count"], 300);

    // breaches and their late stages: the tally (Rust), the list (SQL) and
    // this test's own computation agree
    let mut want = std::collections::BTreeMap::new();
    for c in &cases {
        if let Some(s) = expected_late(c) {
            *want.entry(s).or_insert(0u64) += 1;
        }
    }
    let breached: u64 = want.values().sum();
    assert_eq!(t["breached"], breached);
    assert_eq!(total_of(&app, &format!("{sel}&only=breached")).await, breached);
    for stage in ["dispatch", "turnout", "travel"] {
        let n = want.get(stage).copied().unwrap_or(0);
        assert_eq!(r["late"][stage], n, "late at {stage}");
        assert_eq!(total_of(&app, &format!("{sel}&only=late_{stage}")).await, n, "list late at {stage}");
    }
    assert!(want.values().filter(|n| **n > 0).count() >= 2, "the data exercises several stages: {want:?}");
    let cancelled = cases.iter().filter(|c| c.cancelled.is_some()).count() as u64;
    assert_eq!(total_of(&app, &format!("{sel}&only=cancelled")).await, cancelled);
    let reached = cases.iter().filter(|c| c.on_scene.is_some()).count() as u64;
    assert_eq!(total_of(&app, &format!("{sel}&only=response")).await, reached);

    // the comparison periods' figures lead to their incidents too
    for (params, figures) in [("previous_params", "previous_period"), ("last_year_params", "same_period_last_year")] {
        let q =
            format!("from={}&to={}", r[params]["from"].as_str().expect("from"), r[params]["to"].as_str().expect("to"));
        assert_eq!(total_of(&app, &q).await, r[figures]["count"].as_u64().unwrap_or(u64::MAX), "{params}");
    }
    assert_eq!(r["previous_params"]["to"], "2025-02-28", "the previous 30 days end the day before");
    assert_eq!(r["last_year_params"]["from"], "2024-03-01");

    // the weekday × hour table: every incident in one cell, and a cell's
    // link finds its incidents
    let heat: Vec<Vec<u64>> = serde_json::from_value(r["heat"].clone()).expect("heat is 7 × 24");
    assert_eq!((heat.len(), heat[0].len()), (7, 24));
    assert_eq!(heat.iter().flatten().sum::<u64>(), 300);
    let (w, h, n) = heat
        .iter()
        .enumerate()
        .flat_map(|(w, row)| row.iter().enumerate().map(move |(h, n)| (w, h, *n)))
        .max_by_key(|c| c.2)
        .expect("a cell");
    assert_eq!(total_of(&app, &format!("{sel}&weekday={w}&hour={h}")).await, n);
    // recomputed here: local (UTC+8) weekday and hour of each case
    let here = cases
        .iter()
        .filter(|c| {
            let local = c.received + 8 * 3_600_000;
            let day = local.div_euclid(DAY);
            ((day + 3).rem_euclid(7) as usize, (local.rem_euclid(DAY) / 3_600_000) as usize) == (w, h)
        })
        .count() as u64;
    assert_eq!(here, n);

    // days add up; the hot-spot bins hold every incident inside the map
    let days: u64 = r["days"].as_array().expect("days").iter().map(|d| d["count"].as_u64().unwrap_or(0)).sum();
    assert_eq!(days, 300);
    assert_eq!(r["days"].as_array().map(|d| d.len()), Some(30), "every day of the period, empty ones too");
    let cells = r["hot_spots"]["cells"].as_array().expect("cells");
    let binned: u64 = cells.iter().map(|c| c["count"].as_u64().unwrap_or(0)).sum();
    assert_eq!(binned, 300, "all test incidents are at one point inside the district");
    let bbox = cells[0]["bbox"].as_str().expect("bbox");
    assert_eq!(total_of(&app, &format!("{sel}&bbox={bbox}")).await, cells[0]["count"].as_u64().unwrap_or(0));

    // a breakdown's groups add up, and each group's link finds its incidents
    let (_, by) = app.get(&format!("/api/v1/review?{sel}&by=station")).await;
    let rows = by["breakdown"].as_array().expect("rows");
    assert_eq!(rows.iter().map(|g| g["count"].as_u64().unwrap_or(0)).sum::<u64>(), 300);
    for g in rows {
        let key = g["key"].as_str().expect("key");
        assert_eq!(total_of(&app, &format!("{sel}&station={key}")).await, g["count"].as_u64().unwrap_or(0));
    }
}

#[tokio::test]
async fn a_unit_filter_and_breakdown_credit_the_first_unit_dispatched() {
    let app = spawn().await;
    // a real incident through the engine: created, assigned, on scene
    let units = app.get("/api/v1/units").await.1;
    let unit = &units.as_array().expect("units")[0];
    let callsign = unit["callsign"].as_str().expect("callsign");
    let id = unit["id"].as_i64().expect("id");
    let (status, inc) = app
        .post(
            "/api/v1/incidents",
            serde_json::json!({"channel": "phone", "category": "fight", "priority": 1, "lat": 25.24, "lon": 110.2}),
        )
        .await;
    assert_eq!(status, 201, "{inc}");
    let iid = inc["id"].as_i64().expect("incident id");
    let (status, body) = app.post(&format!("/api/v1/incidents/{iid}/assign"), serde_json::json!({"unit_id": id})).await;
    assert_eq!(status, 200, "{body}");
    let today = chrono::Utc::now().date_naive();
    let sel = format!("from={}&to={}", today - chrono::Duration::days(1), today + chrono::Duration::days(1));
    let (_, r) = app.get(&format!("/api/v1/review?{sel}&by=unit")).await;
    let rows = r["breakdown"].as_array().expect("rows");
    assert_eq!(rows.len(), 1, "{r}");
    assert_eq!(rows[0]["key"], callsign);
    assert_eq!(rows[0]["count"], 1);
    assert_eq!(total_of(&app, &format!("{sel}&unit={callsign}")).await, 1);
    let (status, body) = app.get(&format!("/api/v1/review?{sel}&unit=NOBODY")).await;
    assert_eq!(status, 400);
    assert!(body.to_string().contains("no unit has the callsign"), "{body}");
}

#[tokio::test]
async fn new_review_filters_refuse_bad_values_with_the_reason() {
    let app = spawn().await;
    for (q, needle) in [
        ("weekday=7", "weekday"),
        ("bbox=1,2,3", "bbox"),
        ("bbox=25.3,110.2,25.2,110.3", "south < north"),
        ("only=everything", "only must be"),
        ("order=alphabet", "order must be"),
        ("station=XX", "no station has the code"),
        ("page=0", "page"),
    ] {
        for path in ["/api/v1/review", "/api/v1/review/incidents"] {
            let (status, body) = app.get(&format!("{path}?from=2025-03-01&to=2025-03-02&{q}")).await;
            assert_eq!(status, 400, "{path} {q}: {body}");
            assert!(body.to_string().contains(needle), "{path} {q}: {body} should mention {needle}");
        }
    }
}

#[tokio::test]
async fn the_review_page_renders_complete_without_javascript() {
    let app = spawn().await;
    let cases = random_cases(120, 9);
    insert(&app, &cases).await;
    let html = app
        .client
        .get(app.url("/review?from=2025-03-01&to=2025-03-30&by=category"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(html.contains(r#"data-figure="count""#), "the count links to its incidents");
    assert!(html.contains(">120</a>"), "the count is in the server's HTML");
    assert!(html.contains(r#"class="chart""#) && html.contains("<rect"), "charts are server SVG");
    assert!(html.contains(r#"class="hotspots""#), "the hot-spot map is there");
    assert!(html.contains("heat-table"), "the weekday × hour table is there");
    assert!(html.contains("/api/v1/review.csv?"), "the breakdown has its CSV");
    assert!(html.contains("nearest rank"), "the percentile definition is on the page");
    let list = app
        .client
        .get(app.url("/review/incidents?from=2025-03-01&to=2025-03-30&only=breached"))
        .send()
        .await
        .expect("list")
        .text()
        .await
        .expect("html");
    let want = cases.iter().filter(|c| expected_late(c).is_some()).count();
    assert!(list.contains(&format!(r#"data-total="{want}""#)), "the list says how many: {want}");
    // an incident's timeline from the status log
    let (_, inc) = app
        .post(
            "/api/v1/incidents",
            serde_json::json!({"channel": "phone", "category": "fight", "priority": 1, "lat": 25.24, "lon": 110.2}),
        )
        .await;
    let iid = inc["id"].as_i64().expect("incident id");
    let page = app
        .client
        .get(app.url(&format!("/review/incident/{iid}")))
        .send()
        .await
        .expect("timeline")
        .text()
        .await
        .expect("html");
    assert!(page.contains("review-timeline") && page.contains("→ new"), "the status log is shown");
    // a refused query says why and offers the way back
    let bad = app.client.get(app.url("/review?weekday=9")).send().await.expect("page").text().await.expect("html");
    assert!(bad.contains("weekday must be") && bad.contains(r#"href="/review""#), "{bad}");
}
