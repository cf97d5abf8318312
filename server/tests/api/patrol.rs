//! Check-ins at must-patrol points: accepted only for a unit of the point's
//! station, on duty, while a window is open, with a fresh position inside
//! the radius (and the phone's, if sent); every refusal says why and stores
//! nothing. The district is the demo one with PP01 due all day and PP02
//! due only in an hour that is not now.

use chrono::{Duration, Timelike, Utc};
use serde_json::{Value, json};

use crate::helpers::{TestApp, db, repo_root, spawn_with, sql, start, test_config};

const PP01: (f64, f64) = (25.2481, 110.2096);

/// The demo district with PP01 open all day and PP02 open only two hours
/// from now (local time, UTC+8).
async fn app() -> TestApp {
    let h = (Utc::now() + Duration::minutes(480)).hour();
    app_with_pp02(&format!("[\"{:02}:00-{:02}:00\"]", (h + 2) % 24, (h + 3) % 24)).await
}

/// The demo district with PP01 open all day and PP02's windows as given.
async fn app_with_pp02(pp02_windows: &str) -> TestApp {
    let text = std::fs::read_to_string(repo_root().join("config/district-lingui.toml")).expect("district");
    let closed = pp02_windows.to_owned();
    let set = |text: &str, code: &str, windows: &str| {
        let at = text.find(&format!("code = \"{code}\"")).expect("the point");
        let w = at + text[at..].find("windows = ").expect("its windows");
        let end = w + text[w..].find('\n').expect("end of line");
        format!("{}windows = {windows}{}", &text[..w], &text[end..])
    };
    let text = set(&text, "PP01", "[\"00:00-12:00\", \"12:00-00:00\"]");
    let text = set(&text, "PP02", &closed);
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("district.toml");
    std::fs::write(&path, text).expect("write");
    let app = spawn_with(|c| c.district_file = Some(path.clone())).await;
    // the district is read at the first start; the file may go now
    drop(dir);
    watched_for_days(app).await
}

/// Restarts the server as one that has watched every point for three days:
/// a fresh server counts no opening before its first start as missed.
async fn watched_for_days(app: TestApp) -> TestApp {
    let url = app.database_url.clone();
    let dir = app.stop().await;
    let pool = db(&url).await;
    let three_days_ago = (Utc::now() - Duration::days(3)).timestamp_millis();
    sqlx::query(&sql("UPDATE patrol_tokens SET created_at = ?"))
        .bind(three_days_ago)
        .execute(&pool)
        .await
        .expect("update");
    pool.close().await;
    start(test_config(dir.path()), dir).await
}

async fn place_at(app: &TestApp, unit: &Value, lat: f64, lon: f64, age_s: i64) {
    let at = (Utc::now() - Duration::seconds(age_s)).to_rfc3339();
    let (s, body) =
        app.post("/api/v1/positions", json!([{"unit_id": unit["id"], "lat": lat, "lon": lon, "at": at}])).await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["accepted"], 1, "{body}");
}

async fn check_in(app: &TestApp, body: Value) -> (u16, Value) {
    app.post("/api/v1/checkins", body).await
}

fn message(body: &Value) -> String {
    body["error"]["message"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn a_unit_at_a_due_point_is_checked_in_and_it_is_stored() {
    let app = app().await;
    let unit = app.unit_by_callsign("JS-F1").await;
    // about 11 m north of the point
    place_at(&app, &unit, PP01.0 + 0.0001, PP01.1, 0).await;
    let (s, c) = check_in(&app, json!({"unit_id": unit["id"], "point": "PP01", "lat": PP01.0, "lon": PP01.1})).await;
    assert_eq!(s, 201, "{c}");
    assert_eq!(c["point"], "PP01");
    assert_eq!(c["callsign"], "JS-F1");
    assert_eq!(c["method"], "gps");
    let d = c["distance_m"].as_f64().expect("distance");
    assert!((d - 11.1).abs() < 1.0, "{d}");
    let (s, list) = app.get("/api/v1/checkins?point=PP01").await;
    assert_eq!(s, 200);
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(list[0]["id"], c["id"]);
    let (_, other) = app.get("/api/v1/checkins?point=PP02").await;
    assert_eq!(other, json!([]));
}

#[tokio::test]
async fn refusals_say_why_and_store_nothing() {
    let app = app().await;
    let unit = app.unit_by_callsign("JS-F1").await;

    place_at(&app, &unit, PP01.0 + 0.002, PP01.1, 0).await; // ~220 m north
    let (s, e) = check_in(&app, json!({"unit_id": unit["id"], "point": "PP01"})).await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(e["error"]["code"], "refused");
    assert!(message(&e).contains("the unit's latest position is 222 m from point PP01; check in within 50 m"), "{e}");

    // at the point, but the window is closed
    place_at(&app, &unit, 25.2479, 110.2069, 0).await; // PP02
    let (s, e) = check_in(&app, json!({"unit_id": unit["id"], "point": "PP02"})).await;
    assert_eq!(s, 422);
    assert!(message(&e).contains("point PP02 is not due now"), "{e}");

    // at the point, but the phone says it is elsewhere
    place_at(&app, &unit, PP01.0, PP01.1, 0).await;
    let (s, e) = check_in(&app, json!({"unit_id": unit["id"], "point": "PP01", "lat": 25.26, "lon": 110.21})).await;
    assert_eq!(s, 422);
    assert!(message(&e).contains("the phone's position is"), "{e}");

    // a new unit with no position, then one from ten minutes ago: neither proves anything now
    let (st, fresh) = app
        .post(
            "/api/v1/units",
            json!({"callsign": "JS-T9", "kind": "foot", "force": "police", "station": "JSL", "status": "available"}),
        )
        .await;
    assert_eq!(st, 201, "{fresh}");
    let (s, e) = check_in(&app, json!({"unit_id": fresh["id"], "point": "PP01"})).await;
    assert_eq!(s, 422);
    assert!(message(&e).contains("JS-T9 has no reported position"), "{e}");
    place_at(&app, &fresh, PP01.0, PP01.1, 600).await;
    let (s, e) = check_in(&app, json!({"unit_id": fresh["id"], "point": "PP01"})).await;
    assert_eq!(s, 422);
    assert!(message(&e).contains("JS-T9's latest position is 600 s old"), "{e}");

    // another station's unit at this station's point
    let other = app.unit_by_callsign("RS-F1").await;
    place_at(&app, &other, PP01.0, PP01.1, 0).await;
    let (s, e) = check_in(&app, json!({"unit_id": other["id"], "point": "PP01"})).await;
    assert_eq!(s, 422);
    assert_eq!(message(&e), "RS-F1 belongs to station RS; point PP01 is station JSL's");

    // an off-duty unit
    let (s, body) = app.post(&format!("/api/v1/units/{}/status", unit["id"]), json!({"status": "off_duty"})).await;
    assert_eq!(s, 200, "{body}");
    place_at(&app, &unit, PP01.0, PP01.1, 0).await;
    let (s, e) = check_in(&app, json!({"unit_id": unit["id"], "point": "PP01"})).await;
    assert_eq!(s, 422);
    assert!(message(&e).contains("off_duty"), "{e}");

    let (_, list) = app.get("/api/v1/checkins").await;
    assert_eq!(list, json!([]), "nothing refused is stored");
}

#[tokio::test]
async fn malformed_check_ins_are_refused_at_the_edge() {
    let app = app().await;
    let unit = app.unit_by_callsign("JS-F1").await;
    for (body, status, needle) in [
        (json!({"unit_id": unit["id"], "point": "PP99"}), 404, "no must-patrol point has the code \"PP99\""),
        (json!({"unit_id": 999999, "point": "PP01"}), 404, "unit 999999 not found"),
        (json!({"unit_id": 0, "point": "PP01"}), 400, ""),
        (json!({"unit_id": unit["id"], "point": "PP01", "lat": 25.2}), 400, "lat and lon go together"),
        (json!({"unit_id": unit["id"], "point": "PP01", "lat": 95.0, "lon": 110.0}), 400, "lat"),
        (json!({"unit_id": unit["id"], "point": ""}), 400, "point"),
        (json!({"unit_id": unit["id"], "point": "PP01", "extra": 1}), 400, "extra"),
    ] {
        let (s, e) = check_in(&app, body.clone()).await;
        assert_eq!(s, status, "{body} -> {e}");
        assert!(message(&e).contains(needle), "{body} -> {e}");
    }
    let (s, _) = app.get("/api/v1/checkins?since=yesterday").await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn the_phone_page_lists_due_points_and_checks_in_with_a_plain_form() {
    let app = app().await;
    let unit = app.unit_by_callsign("JS-F1").await;
    place_at(&app, &unit, PP01.0, PP01.1, 0).await;
    let (_, page) = app.html("/unit/JS-F1").await;
    assert!(page.contains("data-point=\"PP01\""), "its station's points are listed");
    assert!(page.contains("name=\"point\" value=\"PP01\""), "a due point has a check-in form");
    assert!(page.contains("class=\"checkin\""));
    assert!(
        page.contains("data-point=\"PP02\"") && !page.contains("name=\"point\" value=\"PP02\""),
        "a point not due has none"
    );
    assert!(!page.contains("data-point=\"RS"), "no other station's points");

    let fields = |point| [("callsign", "JS-F1"), ("point", point), ("lat", ""), ("lon", "")];
    let (status, to) = app.post_form("/sf/officer_check_in", &fields("PP01"), "/unit/JS-F1").await;
    assert!(matches!(status, 302 | 303));
    assert!(!to.contains("__err"), "{to}");
    let (_, list) = app.get("/api/v1/checkins?point=PP01").await;
    assert_eq!(list[0]["callsign"], "JS-F1");

    let (_, to) = app.post_form("/sf/officer_check_in", &fields("PP02"), "/unit/JS-F1").await;
    assert!(to.contains("__err"), "{to}");
    let (_, page) = app.html(&to).await;
    assert!(page.contains("point PP02 is not due now"), "the refusal is on the page");
}

#[tokio::test]
async fn tonight_every_point_is_due_visited_or_missed() {
    let app = app().await;
    let (s, points) = app.get("/api/v1/patrol/points").await;
    assert_eq!(s, 200);
    let state = |points: &Value, code: &str| {
        points.as_array().expect("points").iter().find(|p| p["code"] == code).map(|p| p["state"].clone())
    };
    assert_eq!(state(&points, "PP01"), Some(json!("due")), "open all day, not visited yet");
    assert_eq!(state(&points, "PP02"), Some(json!("missed")), "yesterday's opening went unvisited");
    let unit = app.unit_by_callsign("JS-F1").await;
    place_at(&app, &unit, PP01.0, PP01.1, 0).await;
    let (s, _) = check_in(&app, json!({"unit_id": unit["id"], "point": "PP01"})).await;
    assert_eq!(s, 201);
    let (_, points) = app.get("/api/v1/patrol/points").await;
    assert_eq!(state(&points, "PP01"), Some(json!("visited")));
    assert_eq!(points.as_array().map(Vec::len), Some(count_points()), "every point of the district");
}

fn count_points() -> usize {
    let text = std::fs::read_to_string(repo_root().join("config/district-lingui.toml")).expect("district");
    text.matches("[[patrol_points]]").count()
}

#[tokio::test]
async fn missed_openings_are_recorded_once_each() {
    let app = app().await;
    // yesterday's opening ended while no server ran: recorded at start-up
    let (s, misses) = app.get("/api/v1/patrol/misses").await;
    assert_eq!(s, 200);
    assert!(misses.as_array().is_some_and(|a| a.iter().any(|x| x["point"] == "PP02")), "{misses}");
    let list = misses.as_array().expect("misses");
    let pp02 = list.iter().find(|x| x["point"] == "PP02").expect("PP02");
    assert_eq!(pp02["station"], "JSL");
    let (start, end) = (pp02["window_start"].as_str().expect("start"), pp02["window_end"].as_str().expect("end"));
    assert!(start < end);
    let mut keys: Vec<(String, String)> =
        list.iter().map(|x| (x["point"].to_string(), x["window_start"].to_string())).collect();
    let n = keys.len();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), n, "each opening once");
    let (s, _) = app.get("/api/v1/patrol/misses?since=noon").await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn patrol_compliance_by_station_and_point() {
    let app = app().await;
    let yesterday = (Utc::now() + Duration::minutes(480)).date_naive() - chrono::Days::new(1);
    let (s, r) = app.get(&format!("/api/v1/review/patrol?from={yesterday}&to={yesterday}&station=JSL")).await;
    assert_eq!(s, 200, "{r}");
    let row = |code: &str| r["points"].as_array().expect("points").iter().find(|p| p["key"] == code).cloned();
    assert_eq!(row("PP02").map(|p| (p["openings"].clone(), p["visited"].clone())), Some((json!(1), json!(0))));
    assert_eq!(row("PP01").map(|p| p["openings"].clone()), Some(json!(2)), "two openings a day");
    assert!(r["points"].as_array().expect("points").iter().all(|p| p["station"] == "JSL"));
    let jsl = &r["stations"][0];
    assert_eq!(jsl["key"], "JSL");
    let sum = |f: &str| r["points"].as_array().expect("p").iter().map(|p| p[f].as_u64().unwrap_or(0)).sum::<u64>();
    assert_eq!(jsl["openings"].as_u64(), Some(sum("openings")));
    assert_eq!(jsl["visited"].as_u64(), Some(sum("visited")));
    for bad in ["from=2026-13-01", "station=XX", "from=2026-11-10&to=2026-11-01", "from=2022-01-01&to=2026-01-01"] {
        let (s, e) = app.get(&format!("/api/v1/review/patrol?{bad}")).await;
        assert_eq!(s, 400, "{bad}: {e}");
    }
}

#[tokio::test]
async fn the_review_page_shows_patrol_compliance_for_its_dates() {
    let app = app().await;
    let (s, r) = app.get("/api/v1/review/patrol?station=JSL").await;
    assert_eq!(s, 200);
    let jsl = &r["stations"][0];
    let (_, page) = app.html("/review?station=JSL").await;
    let row = page.split("data-patrol=\"JSL\"").nth(1).and_then(|t| t.split("</tr>").next()).expect("JSL's row");
    let cells: Vec<String> =
        row.split("<td class=\"num\">").skip(1).map(|c| c.split('<').next().unwrap_or_default().to_owned()).collect();
    assert_eq!(cells[0], jsl["openings"].to_string(), "{row}");
    assert_eq!(cells[1], jsl["visited"].to_string(), "{row}");
    assert!(page.contains("data-patrol=\"PP02\""), "the points too");
    assert!(!page.contains("data-patrol=\"RS\""), "only the chosen station");
}

/// The token in a point's printed QR code, read off its page.
async fn token_of(app: &TestApp, code: &str) -> String {
    let (status, page) = app.html(&format!("/points/{code}/qr")).await;
    assert_eq!(status, 200);
    assert!(page.contains("class=\"qr\"") && page.contains("<path d=\"M"), "the code is drawn on the server");
    let url = page.split("class=\"qr-url no-print\">").nth(1).and_then(|t| t.split('<').next()).expect("the address");
    assert!(url.starts_with(&format!("{}/checkin/{code}?token=", app.base)), "{url}");
    url.split("token=").nth(1).expect("a token").to_owned()
}

#[tokio::test]
async fn a_printed_qr_code_stands_in_for_poor_gps_and_is_recorded_as_such() {
    let app = app().await;
    let token = token_of(&app, "PP01").await;
    assert_eq!(token_of(&app, "PP01").await, token, "one code per point: reprinting gives the same");
    assert_ne!(token_of(&app, "PP03").await, token);
    let unit = app.unit_by_callsign("JS-F1").await;
    // 220 m away: by GPS refused, by the point's code accepted
    place_at(&app, &unit, PP01.0 + 0.002, PP01.1, 0).await;
    let (s, _) = check_in(&app, json!({"unit_id": unit["id"], "point": "PP01"})).await;
    assert_eq!(s, 422);
    let (s, c) = check_in(&app, json!({"unit_id": unit["id"], "point": "PP01", "qr_token": token})).await;
    assert_eq!(s, 201, "{c}");
    assert_eq!(c["method"], "qr");
    assert!(c["distance_m"].as_f64().is_some_and(|d| d > 200.0), "the position is still recorded: {c}");
    // another point's code, or a made-up one, is refused
    let (s, e) = check_in(&app, json!({"unit_id": unit["id"], "point": "PP01", "qr_token": "not-the-code"})).await;
    assert_eq!(s, 422);
    assert!(message(&e).contains("the QR code does not belong to point PP01"), "{e}");
    // the code does not open a closed window
    let pp02 = token_of(&app, "PP02").await;
    let (s, e) = check_in(&app, json!({"unit_id": unit["id"], "point": "PP02", "qr_token": pp02})).await;
    assert_eq!(s, 422);
    assert!(message(&e).contains("not due now"), "{e}");
    let (s, _) = app.html("/points/PP99/qr").await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn the_page_behind_the_code_checks_in_with_a_plain_form() {
    let app = app().await;
    let token = token_of(&app, "PP01").await;
    let from = format!("/checkin/PP01?token={token}");
    let (_, page) = app.html(&from).await;
    assert!(page.contains("PP01 金山广场东门") && page.contains("现在开放"));
    assert!(page.contains(&format!("name=\"qr_token\" value=\"{token}\"")));
    let (status, to) = app
        .post_form("/sf/officer_check_in", &[("callsign", "JS-F2"), ("point", "PP01"), ("qr_token", &token)], &from)
        .await;
    assert!(matches!(status, 302 | 303));
    assert!(!to.contains("__err"), "{to}");
    let (_, list) = app.get("/api/v1/checkins?point=PP01").await;
    assert_eq!(list[0]["callsign"], "JS-F2");
    assert_eq!(list[0]["method"], "qr");
    // back on the page: the check-in is shown (no JavaScript needed)
    let (_, page) = app.html(&to).await;
    assert!(page.contains("JS-F2 · qr"), "the latest check-in is on the page");
}

/// A point's state in a snapshot message.
fn snapshot_state(snap: &Value, code: &str) -> Option<String> {
    snap["points"].as_array()?.iter().find(|p| p["code"] == code).and_then(|p| p["state"].as_str()).map(str::to_owned)
}

/// The opening tag of the first element with this attribute.
fn tag_with<'a>(html: &'a str, attr: &str) -> &'a str {
    let at = html.find(attr).unwrap_or_else(|| panic!("no element has {attr}"));
    let start = html[..at].rfind('<').expect("its tag");
    &html[start..at + html[at..].find('>').expect("end of tag")]
}

/// The `<g>` of a must-patrol point in a page's map.
fn point_markup<'a>(html: &'a str, code: &str) -> &'a str {
    tag_with(html, &format!("data-point=\"{code}\""))
}

#[tokio::test]
async fn a_window_that_ends_unvisited_is_missed_on_the_stream_at_once_and_recorded() {
    // PP02 opened a minute ago and closes in 6 s (local time, to the second)
    let local = Utc::now() + Duration::minutes(480);
    // to the second, as the window is written
    let end = (local + Duration::seconds(6)).with_nanosecond(0).expect("whole second");
    let windows = format!("[\"{}-{}\"]", (local - Duration::minutes(1)).format("%H:%M:%S"), end.format("%H:%M:%S"));
    let app = app_with_pp02(&windows).await;
    let mut ws = app.ws("").await;
    let snap = ws.next_within(std::time::Duration::from_secs(5)).await.expect("snapshot");
    assert_eq!(snap["type"], "snapshot");
    assert_eq!(snapshot_state(&snap, "PP02").as_deref(), Some("due"), "open now: {}", snap["points"]);
    let (_, html) = app.html("/screen").await;
    assert!(point_markup(&html, "PP02").contains("ps-due"), "{}", point_markup(&html, "PP02"));
    // the engine wakes when the window ends; no request is needed
    let missed = ws
        .wait_for(std::time::Duration::from_secs(15), |m| m["type"] == "point" && m["point"]["code"] == "PP02")
        .await
        .expect("a point event for PP02 when its window ends");
    assert_eq!(missed["point"]["state"], "missed", "{missed}");
    assert!(Utc::now() + Duration::minutes(480) >= end, "not before the window ended");
    assert_eq!(missed["point"]["station"], "JSL");
    // durable before it was published
    let (_, misses) = app.get("/api/v1/patrol/misses").await;
    let row = misses.as_array().expect("misses").iter().find(|m| m["point"] == "PP02").cloned().expect("recorded");
    assert_eq!(row["window_end"], missed["point"]["window_end"]);
    // the wall screen shows it as missed, on the map and in the ticker
    let (_, html) = app.html("/screen").await;
    assert!(point_markup(&html, "PP02").contains("ps-missed"), "{}", point_markup(&html, "PP02"));
    assert!(html.contains("alert-patrol-miss"), "the ticker names the missed point");
}

#[tokio::test]
async fn a_check_in_shows_the_point_visited_on_the_stream_and_the_wall_screen() {
    let app = app().await;
    let mut all = app.ws("").await;
    let snap = all.next_within(std::time::Duration::from_secs(5)).await.expect("snapshot");
    assert_eq!(snapshot_state(&snap, "PP01").as_deref(), Some("due"));
    let mut other_station = app.ws("?station=RS").await;
    let snap = other_station.next_within(std::time::Duration::from_secs(5)).await.expect("snapshot");
    assert_eq!(snapshot_state(&snap, "PP01"), None, "a station's screen gets its own points only");
    let (_, html) = app.html("/screen").await;
    let tile = tag_with(&html, "data-figure=\"patrol\"");
    assert!(tile.contains("data-visited=\"0\""), "{tile}");
    let unit = app.unit_by_callsign("JS-F1").await;
    place_at(&app, &unit, PP01.0, PP01.1, 0).await;
    let (s, c) = check_in(&app, json!({"unit_id": unit["id"], "point": "PP01"})).await;
    assert_eq!(s, 201, "{c}");
    let ev = all
        .wait_for(std::time::Duration::from_secs(5), |m| m["type"] == "point" && m["point"]["code"] == "PP01")
        .await
        .expect("PP01's new state on the stream");
    assert_eq!(ev["point"]["state"], "visited");
    let leaked = other_station.wait_for(std::time::Duration::from_millis(300), |m| m["type"] == "point").await;
    assert!(leaked.is_none(), "station RS got JSL's point: {leaked:?}");
    let (_, html) = app.html("/screen").await;
    assert!(point_markup(&html, "PP01").contains("ps-visited"), "{}", point_markup(&html, "PP01"));
    let tile = tag_with(&html, "data-figure=\"patrol\"");
    assert!(tile.contains("data-visited=\"1\""), "{tile}");
}

#[tokio::test]
async fn a_fresh_server_does_not_count_openings_before_it_knew_the_point() {
    // PP02's windows ended before this server first started
    let h = (Utc::now() + Duration::minutes(480)).hour();
    let text = std::fs::read_to_string(repo_root().join("config/district-lingui.toml")).expect("district");
    let at = text.find("code = \"PP02\"").expect("PP02");
    let w = at + text[at..].find("windows = ").expect("windows");
    let end = w + text[w..].find('\n').expect("line");
    let windows = format!("windows = [\"{:02}:00-{:02}:00\"]", (h + 2) % 24, (h + 3) % 24);
    let text = format!("{}{windows}{}", &text[..w], &text[end..]);
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("district.toml");
    std::fs::write(&path, text).expect("write");
    let app = spawn_with(|c| c.district_file = Some(path.clone())).await;
    let (_, points) = app.get("/api/v1/patrol/points").await;
    let pp02 = points.as_array().expect("points").iter().find(|p| p["code"] == "PP02").cloned().expect("PP02");
    assert_eq!(pp02["state"], "idle", "not missed: nobody was watching last time: {pp02}");
    let (_, misses) = app.get("/api/v1/patrol/misses").await;
    assert_eq!(misses, serde_json::json!([]), "nothing recorded");
    // once watched for days, the same opening is a miss
    let app = watched_for_days(app).await;
    let (_, points) = app.get("/api/v1/patrol/points").await;
    let pp02 = points.as_array().expect("points").iter().find(|p| p["code"] == "PP02").cloned().expect("PP02");
    assert_eq!(pp02["state"], "missed", "{pp02}");
}

#[tokio::test]
async fn a_station_chief_edits_a_point_and_it_is_in_effect_at_once() {
    let app = app().await;
    let mut ws = app.ws("").await;
    let snap = ws.next_within(std::time::Duration::from_secs(5)).await.expect("snapshot");
    assert_ne!(snapshot_state(&snap, "PP02").as_deref(), Some("due"), "closed now");
    // open all day, a wider radius, a new name
    let edit =
        json!({"name": "金山广场 东门岗", "radius_m": 80, "windows": ["00:00-12:00", "12:00-00:00"], "by": "陈所长"});
    let (s, p) = app.put("/api/v1/patrol/points/PP02", edit).await;
    assert_eq!(s, 200, "{p}");
    assert_eq!((p["name"].as_str(), p["radius_m"].as_f64()), (Some("金山广场 东门岗"), Some(80.0)));
    let ev = ws
        .wait_for(std::time::Duration::from_secs(5), |m| m["type"] == "point" && m["point"]["code"] == "PP02")
        .await
        .expect("the new state on the stream");
    assert_eq!(ev["point"]["state"], "due");
    // a check-in is judged by the edited point: 60 m away is inside 80 m
    let unit = app.unit_by_callsign("JS-F1").await;
    let (lat, lon) = (p["lat"].as_f64().expect("lat"), p["lon"].as_f64().expect("lon"));
    place_at(&app, &unit, lat + 0.00054, lon, 0).await;
    let (s, c) = check_in(&app, json!({"unit_id": unit["id"], "point": "PP02"})).await;
    assert_eq!(s, 201, "{c}");
    // the pages draw the point as it is now
    let (_, html) = app.html("/points/PP02/edit").await;
    assert!(html.contains("金山广场 东门岗") && html.contains("00:00-12:00, 12:00-00:00"), "the form shows the edit");
    // and it survives a restart
    let dir = app.stop().await;
    let again = start(test_config(dir.path()), dir).await;
    let (_, points) = again.get("/api/v1/patrol/points").await;
    let pp02 = points.as_array().expect("points").iter().find(|p| p["code"] == "PP02").cloned().expect("PP02");
    assert_eq!(pp02["name"], "金山广场 东门岗");
}

#[tokio::test]
async fn a_bad_edit_says_what_is_wrong_and_changes_nothing() {
    let app = app().await;
    let (_, before) = app.get("/api/v1/patrol/points").await;
    for (body, says) in [
        (json!({"lat": 25.30, "lon": 110.30}), "must stay inside station"),
        (json!({"lat": 25.25}), "lat and lon go together"),
        (json!({"radius_m": 0}), "radius_m must be between 5 and 2000"),
        (json!({"windows": []}), "give 1 to 6 windows"),
        (json!({"windows": ["24:00-01:00"]}), "is not a time like 04:00"),
        (json!({"name": ""}), "name is required"),
        (json!({"colour": "red"}), "unknown field"),
    ] {
        let (s, e) = app.put("/api/v1/patrol/points/PP01", body.clone()).await;
        assert_eq!(s, 400, "{body}: {e}");
        assert!(message(&e).contains(says), "{body}: {e}");
    }
    let (s, e) = app.put("/api/v1/patrol/points/PP99", json!({"radius_m": 50})).await;
    assert_eq!(s, 404, "{e}");
    let (_, after) = app.get("/api/v1/patrol/points").await;
    assert_eq!(before, after, "nothing changed");
}

#[tokio::test]
async fn the_edit_page_works_without_javascript() {
    let app = app().await;
    let (_, html) = app.html("/points/PP01/edit").await;
    assert!(html.contains("name=\"radius_m\""), "the form is in the first HTML");
    let fields = |radius: &str| {
        vec![
            ("code", "PP01".to_owned()),
            ("name", "金山广场".to_owned()),
            ("lat", "25.2481".to_owned()),
            ("lon", "110.2096".to_owned()),
            ("radius_m", radius.to_owned()),
            ("windows", "00:00-12:00, 12:00-00:00".to_owned()),
            ("by", "陈所长".to_owned()),
        ]
    };
    let post = |f: Vec<(&'static str, String)>| {
        let app = &app;
        async move {
            let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.post_form("/sf/edit_point", &f, "/points/PP01/edit").await
        }
    };
    let (status, to) = post(fields("120")).await;
    assert!(matches!(status, 302 | 303), "{status}");
    assert!(!to.contains("__err"), "{to}");
    let (_, page) = app.html("/points/PP01/edit").await;
    assert!(page.contains("value=\"120\""), "saved");
    let (_, to) = post(fields("lots")).await;
    assert!(to.contains("__err"), "{to}");
    let (_, page) = app.html(&to).await;
    assert!(page.contains("radius_m must be a number"), "the problem is on the page");
}
