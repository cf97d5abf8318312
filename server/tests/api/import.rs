//! History import (`POST /api/v1/review/import`): a valid file is counted by
//! the review exactly as computed here; a file with any bad line writes
//! nothing and names the lines; re-importing is refused; imported incidents
//! never become live, not even after a restart.

use std::time::Duration;

use chrono::{DateTime, FixedOffset, SecondsFormat};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

use crate::helpers::{JINSHAN, JSL_OUTSIDE_ZONES, NOWHERE, TestApp, by_sorting, spawn, start, test_config};

/// 2025-03-01 00:00 in Lingui (UTC+8), in milliseconds.
pub(crate) const MARCH_2025: i64 = 1_740_758_400_000;
pub(crate) const DAY: i64 = 86_400_000;
pub(crate) const HEADER: &str = "external_id,received_at,channel,category,priority,lat,lon,address,description,unit,\
                      dispatched_at,en_route_at,on_scene_at,resolved_at,closed_at,cancelled_at";

/// A past incident: stage times in ms after received (None: not reached).
#[derive(Debug, Clone)]
pub(crate) struct Past {
    id: String,
    at: (f64, f64),
    /// The zone class `at` falls in (None: outside every zone).
    class: Option<&'static str>,
    pub(crate) received: i64,
    dispatch: Option<i64>,
    en_route: Option<i64>,
    on_scene: Option<i64>,
    resolved: Option<i64>,
    closed: Option<i64>,
    cancelled: Option<i64>,
    unit: Option<&'static str>,
    description: String,
}

/// In Lingui's offset (+08:00), so the file's offsets are really read.
pub(crate) fn local(ms: i64) -> String {
    let east8 = FixedOffset::east_opt(8 * 3600).expect("a valid offset");
    DateTime::from_timestamp_millis(ms)
        .expect("a valid time")
        .with_timezone(&east8)
        .to_rfc3339_opts(SecondsFormat::Millis, false)
}

impl Past {
    fn line(&self) -> String {
        let t = |d: Option<i64>| d.map(|d| local(self.received + d)).unwrap_or_default();
        let description = format!("\"{}\"", self.description.replace('"', "\"\""));
        format!(
            "{},{},phone,fight,1,{},{},test,{description},{},{},{},{},{},{},{}",
            self.id,
            local(self.received),
            self.at.0,
            self.at.1,
            self.unit.unwrap_or(""),
            t(self.dispatch),
            t(self.en_route),
            t(self.on_scene),
            t(self.resolved),
            t(self.closed),
            t(self.cancelled),
        )
    }

    /// How many lines it takes in the file.
    fn lines(&self) -> u64 {
        1 + self.description.matches('\n').count() as u64
    }
}

pub(crate) fn file(rows: &[Past]) -> String {
    let mut out = format!("{HEADER}\r\n");
    for r in rows {
        out.push_str(&r.line());
        out.push_str("\r\n");
    }
    out
}

/// `n` past incidents in March 2025 with random stage times and fates.
pub(crate) fn random_past(n: usize, seed: u64, prefix: &str) -> Vec<Past> {
    let mut rng = SmallRng::seed_from_u64(seed);
    let places = [(JINSHAN, Some("core")), (JSL_OUTSIDE_ZONES, None), (NOWHERE, None)];
    (0..n)
        .map(|k| {
            let (at, class) = places[rng.random_range(0..3)];
            let dispatch = rng.random_range(0..120_000);
            let en_route = dispatch + rng.random_range(0..60_000);
            let on_scene = en_route + rng.random_range(0..600_000);
            let resolved = on_scene + rng.random_range(0..3_600_000);
            let mut p = Past {
                id: format!("{prefix}-{k}"),
                at,
                class,
                received: MARCH_2025 + rng.random_range(0..28 * DAY),
                dispatch: Some(dispatch),
                en_route: Some(en_route),
                on_scene: Some(on_scene),
                resolved: Some(resolved),
                closed: Some(resolved + rng.random_range(0..86_400_000)),
                cancelled: None,
                unit: (k % 3 == 0).then_some("JS-P1"),
                description: format!("case {k}, \"quoted\""),
            };
            match rng.random_range(0..10) {
                // cancelled while en route
                0 => (p.on_scene, p.resolved, p.closed, p.cancelled) = (None, None, None, Some(en_route + 1_000)),
                // sent, never arrived, closed on the phone
                1 => (p.en_route, p.on_scene, p.resolved) = (None, None, None),
                // on scene straight after dispatch, resolved, not closed yet
                2 => (p.en_route, p.closed) = (None, None),
                // advice on the phone: nobody sent
                3 => (p.dispatch, p.en_route, p.on_scene, p.unit) = (None, None, None, None),
                _ => {}
            }
            p
        })
        .collect()
}

/// What the review must say about `rows`: counts, percentiles of whole
/// seconds, and arrival compliance per zone class.
fn expected(rows: &[Past]) -> Value {
    let secs = |f: fn(&Past) -> Option<(i64, i64)>| -> Vec<i64> {
        rows.iter().filter_map(f).map(|(a, b)| (b - a).max(0) / 1000).collect()
    };
    let dispatch = secs(|c| c.dispatch.map(|d| (0, d)));
    let turnout = secs(|c| Some((c.dispatch?, c.en_route?)));
    let travel = secs(|c| Some((c.en_route?, c.on_scene?)));
    let response = secs(|c| c.on_scene.map(|o| (0, o)));
    let mut by_class = serde_json::Map::new();
    for class in ["core", "outside"] {
        let mine: Vec<&Past> = rows.iter().filter(|r| r.class.unwrap_or("outside") == class).collect();
        let target = if class == "core" { 60_000 } else { 540_000 };
        let met = mine.iter().filter(|c| c.on_scene.is_some_and(|o| o <= target)).count();
        let excluded = mine.iter().filter(|c| c.on_scene.is_none() && c.cancelled.is_some()).count();
        by_class.insert(class.into(), serde_json::json!({"met": met, "breached": mine.len() - met - excluded}));
    }
    let closed = rows.iter().filter(|r| r.cancelled.is_none()).count();
    serde_json::json!({
        "count": rows.len(),
        "dispatch_p50_s": by_sorting(dispatch.clone(), 50), "dispatch_p90_s": by_sorting(dispatch, 90),
        "turnout_p50_s": by_sorting(turnout.clone(), 50), "turnout_p90_s": by_sorting(turnout, 90),
        "travel_p50_s": by_sorting(travel.clone(), 50), "travel_p90_s": by_sorting(travel, 90),
        "response_p50_s": by_sorting(response.clone(), 50), "response_p90_s": by_sorting(response, 90),
        "compliance_by_zone_class": by_class,
        "closure_rate": closed as f64 / rows.len() as f64,
    })
}

pub(crate) async fn import(app: &TestApp, body: impl Into<reqwest::Body>) -> (u16, Value) {
    app.post_raw("/api/v1/review/import", "text/csv", body).await
}

async fn review_of_march(app: &TestApp) -> Value {
    let (status, r) = app.get("/api/v1/review?from=2025-03-01&to=2025-03-31").await;
    assert_eq!(status, 200, "{r}");
    r
}

/// Opens the test server's database beside it.
async fn db(app: &TestApp) -> sqlx::AnyPool {
    app.db().await
}

async fn count(app: &TestApp, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&db(app).await).await.expect("count")
}

/// The lines a 422 names, in order.
fn lines(body: &Value) -> Vec<u64> {
    body["error"]["rows"].as_array().expect("rows").iter().map(|r| r["line"].as_u64().expect("a line")).collect()
}

#[tokio::test]
async fn a_valid_file_is_imported_and_counted_by_the_review() {
    let app = spawn().await;
    let rows = random_past(120, 7, "old");
    let r = app
        .client
        .post(app.url("/api/v1/review/import"))
        .header("content-type", "text/csv; charset=utf-8")
        .header("x-actor", "migration")
        .body(file(&rows))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), 201);
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["imported"], 120, "{body}");
    let first = rows.iter().map(|r| r.received).min().unwrap_or_default();
    let last = rows.iter().map(|r| r.received).max().unwrap_or_default();
    let from = DateTime::parse_from_rfc3339(body["from"].as_str().expect("from")).expect("a time");
    let to = DateTime::parse_from_rfc3339(body["to"].as_str().expect("to")).expect("a time");
    assert_eq!((from.timestamp_millis(), to.timestamp_millis()), (first, last));

    // the review counts exactly these, with the percentiles computed here
    let review = review_of_march(&app).await;
    let want = expected(&rows);
    for (k, v) in want.as_object().expect("object") {
        match (k.as_str(), v.as_f64()) {
            ("closure_rate", Some(x)) => {
                let got = review["total"][k].as_f64().expect("a rate");
                assert!((got - x).abs() < 1e-9, "{k}: {got} != {x}");
            }
            ("compliance_by_zone_class", _) => {
                for class in ["core", "outside"] {
                    for f in ["met", "breached"] {
                        assert_eq!(review["total"][k][class][f], v[class][f], "{class} {f}: {review}");
                    }
                }
            }
            _ => assert_eq!(&review["total"][k], v, "{k}"),
        }
    }
    // placed by the district: Jinshan square is JSL's core zone; far away is no station
    let (_, by_station) = app.get("/api/v1/review?from=2025-03-01&to=2025-03-31&by=station").await;
    let groups: Vec<(String, u64)> = by_station["breakdown"]
        .as_array()
        .expect("a breakdown")
        .iter()
        .map(|g| (g["key"].as_str().unwrap_or("").to_owned(), g["count"].as_u64().unwrap_or(0)))
        .collect();
    let nowhere = rows.iter().filter(|r| r.at == NOWHERE).count() as u64;
    assert_eq!(groups, vec![("JSL".to_owned(), 120 - nowhere), ("none".to_owned(), nowhere)]);

    // each one is a whole ended incident: stage times, timeline, first unit, author
    let pool = db(&app).await;
    let (id, status, zone_class, first_unit, created_by): (i64, String, Option<String>, Option<i64>, String) =
        sqlx::query_as(
            "SELECT id, status, zone_class, first_unit_id, created_by FROM incidents WHERE external_id = 'old-0'",
        )
        .fetch_one(&pool)
        .await
        .expect("old-0 is stored");
    let old0 = &rows[0];
    assert_eq!(zone_class.as_deref(), old0.class);
    assert_eq!(created_by, "test-admin", "the logged-in principal, not the X-Actor header");
    let js_p1 = app.unit_by_callsign("JS-P1").await["id"].as_i64();
    assert_eq!(first_unit, js_p1.filter(|_| old0.unit.is_some()));
    let mut credited: Vec<(String, Option<i64>)> =
        sqlx::query_as("SELECT external_id, first_unit_id FROM incidents").fetch_all(&pool).await.expect("rows");
    credited.sort();
    let mut want: Vec<(String, Option<i64>)> =
        rows.iter().map(|r| (r.id.clone(), js_p1.filter(|_| r.unit.is_some()))).collect();
    want.sort();
    assert_eq!(credited, want, "the first unit, by callsign");
    assert!(want.iter().any(|(_, u)| u.is_some()) && want.iter().any(|(_, u)| u.is_none()));
    let (s, one) = app.get(&format!("/api/v1/incidents/{id}")).await;
    assert_eq!(s, 200, "{one}");
    assert_eq!(one["status"], status);
    assert_eq!(one["external_id"], "old-0");
    let timeline = one["timeline"].as_array().expect("a timeline");
    let stages = 1 + [old0.dispatch, old0.en_route, old0.on_scene, old0.resolved, old0.closed, old0.cancelled]
        .iter()
        .filter(|t| t.is_some())
        .count();
    assert_eq!(timeline.len(), stages, "one log row per stage reached: {timeline:?}");
    assert_eq!(timeline[0]["to"], "new");
    assert!(timeline.iter().all(|e| e["reason"] == "imported" && e["actor"] == "test-admin"), "{timeline:?}");
    assert_eq!(timeline.last().map(|e| e["to"].clone()), Some(Value::from(status.clone())));
    let log_rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM status_log WHERE reason = 'imported'")
        .fetch_one(&pool)
        .await
        .expect("count");
    let want_log: usize = rows
        .iter()
        .map(|r| {
            1 + [r.dispatch, r.en_route, r.on_scene, r.resolved, r.closed, r.cancelled]
                .iter()
                .filter(|t| t.is_some())
                .count()
        })
        .sum();
    assert_eq!(log_rows as usize, want_log);

    // none of them is live: not on the stream, not among open incidents,
    // no running timer, and still not after a restart (no alert fires)
    for open in ["new", "dispatched", "en_route", "on_scene"] {
        let (_, list) = app.get(&format!("/api/v1/incidents?status={open}")).await;
        assert_eq!(list.as_array().map(Vec::len), Some(0), "{open}: {list}");
    }
    let running: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM timers WHERE stopped_at IS NULL")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(running, 0);
    pool.close().await;
    let dir = app.stop().await;
    let again = start(test_config(dir.path()), dir).await;
    let mut ws = again.ws("").await;
    let snap = ws.next_within(Duration::from_secs(5)).await.expect("snapshot");
    assert_eq!(snap["type"], "snapshot");
    assert_eq!(snap["incidents"].as_array().map(Vec::len), Some(0), "{}", snap["incidents"]);
    let (_, alerts) = again.get("/api/v1/alerts?since=2000-01-01T00:00:00Z").await;
    assert_eq!(alerts.as_array().map(Vec::len), Some(0), "{alerts}");
    assert_eq!(review_of_march(&again).await["total"]["count"], 120);
}

#[tokio::test]
async fn one_bad_line_among_many_writes_nothing_and_is_named() {
    let app = spawn().await;
    let (s, _) = import(&app, file(&random_past(30, 1, "before"))).await;
    assert_eq!(s, 201);
    let review_before = review_of_march(&app).await;
    let incidents_before = count(&app, "incidents").await;
    let log_before = count(&app, "status_log").await;

    let mut rows = random_past(80, 2, "new");
    // a description over three lines, then a bad line right after it
    rows[40].description = "first line\nsecond, \"quoted\"\r\nthird".into();
    rows[41].id = "new-41 with spaces".into();
    rows[60].unit = Some("NO-SUCH");
    rows[60].dispatch = rows[60].dispatch.or(Some(0));
    let line_of = |k: usize| 2 + rows[..k].iter().map(Past::lines).sum::<u64>();
    let (bad_id_line, bad_unit_line) = (line_of(41), line_of(60));
    assert_eq!(bad_id_line, 2 + 41 + 2, "the description's two line breaks count");
    let mut body = file(&rows);
    // and a line whose time is not a time, with another offset style
    let bad_time = rows[70].line().replacen(&local(rows[70].received), "2025-03-05 10:00", 1);
    body = body.replacen(&rows[70].line(), &bad_time, 1);

    let (status, r) = import(&app, body).await;
    assert_eq!(status, 422, "{r}");
    assert_eq!(r["error"]["code"], "invalid_rows");
    assert_eq!(r["error"]["message"], "nothing was imported: 3 problems on 3 lines");
    assert_eq!(lines(&r), vec![bad_id_line, bad_unit_line, line_of(70)]);
    let reported = r["error"]["rows"].as_array().expect("rows");
    assert_eq!(reported[0]["column"], "external_id");
    assert!(reported[0]["reason"].as_str().unwrap_or("").contains("\"new-41 with spaces\""), "{r}");
    assert_eq!(reported[1]["column"], "unit");
    assert_eq!(reported[1]["reason"], "unit \"NO-SUCH\" is not the callsign of any unit");
    assert_eq!(reported[2]["column"], "received_at");
    assert!(reported[2]["reason"].as_str().unwrap_or("").starts_with("received_at \"2025-03-05 10:00\" is not"));
    assert_eq!(r["error"]["more"], 0);

    // nothing written: no incident, no log row, the same review
    assert_eq!(count(&app, "incidents").await, incidents_before);
    assert_eq!(count(&app, "status_log").await, log_before);
    assert_eq!(review_of_march(&app).await, review_before);

    // the same file without its bad lines imports, multi-line description and all
    rows.remove(60);
    rows.remove(41);
    let (status, r) = import(&app, file(&rows)).await;
    assert_eq!(status, 201, "{r}");
    assert_eq!(r["imported"], 78);
    let stored: String = sqlx::query_scalar("SELECT description FROM incidents WHERE external_id = 'new-40'")
        .fetch_one(&db(&app).await)
        .await
        .expect("new-40");
    assert_eq!(stored, "first line\nsecond, \"quoted\"\nthird");
}

#[tokio::test]
async fn importing_the_same_file_again_is_refused_and_writes_nothing() {
    let app = spawn().await;
    let rows = random_past(250, 3, "twice");
    let (status, r) = import(&app, file(&rows)).await;
    assert_eq!(status, 201, "{r}");
    let incidents = count(&app, "incidents").await;
    let review = review_of_march(&app).await;

    let (status, r) = import(&app, file(&rows)).await;
    assert_eq!(status, 422, "{r}");
    assert_eq!(r["error"]["message"], "nothing was imported: 250 problems on 250 lines");
    // the first 200 shown, the rest counted
    assert_eq!(lines(&r), (2..202).collect::<Vec<u64>>());
    assert_eq!(r["error"]["more"], 50);
    let first = &r["error"]["rows"][0];
    assert_eq!(first["column"], "external_id");
    let reason = first["reason"].as_str().unwrap_or("");
    assert!(reason.starts_with("external_id \"twice-0\" is already imported (incident "), "{reason}");
    assert_eq!(count(&app, "incidents").await, incidents);
    assert_eq!(review_of_march(&app).await, review);

    // one new line among old ones: still nothing
    let mut more = rows[..3].to_vec();
    more.extend(random_past(1, 4, "fresh"));
    let (status, r) = import(&app, file(&more)).await;
    assert_eq!(status, 422);
    assert_eq!(lines(&r), vec![2, 3, 4]);
    assert_eq!(count(&app, "incidents").await, incidents);
}

#[tokio::test]
async fn empty_files_and_bad_headers_are_refused_on_line_1() {
    let app = spawn().await;
    let (status, r) = import(&app, "").await;
    assert_eq!(status, 422, "{r}");
    assert_eq!(lines(&r), vec![1]);
    assert!(r["error"]["rows"][0]["reason"].as_str().unwrap_or("").starts_with("the file is empty"), "{r}");

    let (status, r) = import(&app, format!("{HEADER}\r\n")).await;
    assert_eq!(status, 422, "{r}");
    assert_eq!(r["error"]["rows"][0]["reason"], "the file names its columns but has no incidents");

    let (status, r) = import(&app, "external_id,received_at,kanal,category,lat,lon,closed_at\r\nx\r\n").await;
    assert_eq!(status, 422, "{r}");
    assert_eq!(lines(&r), vec![1, 1]);
    assert!(r["error"]["rows"][0]["reason"].as_str().unwrap_or("").starts_with("unknown column \"kanal\""), "{r}");
    assert_eq!(r["error"]["rows"][1]["reason"], "required column channel is missing");
    assert_eq!(r["error"]["rows"][1]["column"], "channel");
    assert_eq!(count(&app, "incidents").await, 0);
}

#[tokio::test]
async fn too_large_and_not_csv_are_refused() {
    let app = spawn().await;
    // just over 32 MiB: a valid header and one long line
    let mut big = format!("{HEADER}\r\n").into_bytes();
    big.resize(32 * 1024 * 1024 + 1, b'x');
    let (status, r) = import(&app, big).await;
    assert_eq!(status, 413, "{r}");
    assert_eq!(r["error"]["code"], "too_large");
    assert!(r["error"]["message"].as_str().unwrap_or("").contains("32 MiB"), "{r}");

    // 3 MiB, over the API's usual 2 MB, is fine for an import (the line is just bad)
    let mut mid = format!("{HEADER}\r\n").into_bytes();
    mid.resize(3 * 1024 * 1024, b'x');
    let (status, r) = import(&app, mid).await;
    assert_eq!(status, 422, "{r}");
    assert_eq!(r["error"]["rows"][0]["reason"], "1 field where the header names 16");

    let csv = file(&random_past(2, 5, "typed"));
    for ct in ["application/json", "text/plain", "text/csv; charset=gbk"] {
        let (status, r) = app.post_raw("/api/v1/review/import", ct, csv.clone()).await;
        assert_eq!(status, 415, "{ct}: {r}");
        assert_eq!(r["error"]["code"], "unsupported_media_type");
    }
    let r = app.client.post(app.url("/api/v1/review/import")).body(csv).send().await.expect("request");
    assert_eq!(r.status(), 415, "no content type");
    assert_eq!(count(&app, "incidents").await, 0);
}

/// The benchmark (not a test): 100,000 past incidents through the API in one
/// import, while a client keeps creating live incidents; prints the time
/// and how long the slowest live write waited behind the import.
///
///     cargo test --release -p server --test api import_100k -- --ignored --nocapture
#[tokio::test]
#[ignore = "a benchmark: run with --ignored --nocapture"]
async fn import_100k() {
    let app = spawn().await;
    let mut rows = random_past(100_000, 100, "bench");
    for r in &mut rows {
        r.description.clear();
    }
    let body = file(&rows);
    let size = body.len();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    // live writes during the import: each one's latency
    let live = {
        let (client, url, done) = (app.client.clone(), app.url("/api/v1/incidents"), done.clone());
        tokio::spawn(async move {
            let mut slowest = Duration::ZERO;
            let mut n = 0;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                let t = std::time::Instant::now();
                let body =
                    serde_json::json!({"channel": "phone", "category": "fight", "lat": JINSHAN.0, "lon": JINSHAN.1});
                let r = client.post(&url).json(&body).send().await.expect("request");
                assert_eq!(r.status(), 201, "a live write during the import");
                slowest = slowest.max(t.elapsed());
                n += 1;
            }
            (n, slowest)
        })
    };
    let t = std::time::Instant::now();
    let (status, r) = import(&app, body).await;
    let took = t.elapsed();
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    assert_eq!(status, 201, "{r}");
    assert_eq!(r["imported"], 100_000);
    let (n, slowest) = live.await.expect("live writes");
    println!(
        "imported 100,000 incidents ({:.1} MB of CSV) in {:.2} s ({:.0} incidents/s); \
         {n} live incidents created meanwhile, the slowest in {:.0} ms",
        size as f64 / 1e6,
        took.as_secs_f64(),
        100_000.0 / took.as_secs_f64(),
        slowest.as_secs_f64() * 1000.0
    );
    assert_eq!(review_of_march(&app).await["total"]["count"], 100_000);
}

#[tokio::test]
async fn the_readme_example_imports() {
    let app = spawn().await;
    let readme = std::fs::read_to_string(crate::helpers::repo_root().join("README.md")).expect("README.md");
    let example = readme.split("```csv\n").nth(1).and_then(|b| b.split("```").next()).expect("a CSV example");
    let (status, r) = import(&app, example.to_owned()).await;
    assert_eq!(status, 201, "{r}");
    assert_eq!(r["imported"], 2);
    let (status, cancelled, description): (String, Option<i64>, String) =
        sqlx::query_as("SELECT status, cancelled_at, description FROM incidents WHERE external_id = 'old-2'")
            .fetch_one(&db(&app).await)
            .await
            .expect("old-2");
    assert_eq!((status.as_str(), cancelled.is_some()), ("cancelled", true));
    assert_eq!(description, "music,\nafter midnight");
}
