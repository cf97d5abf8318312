//! Position batches: accepted durably, rejected one by one with a reason.

use chrono::{Duration, Utc};
use serde_json::json;

use crate::helpers::{JINSHAN, spawn};

#[tokio::test]
async fn a_batch_is_checked_item_by_item() {
    let app = spawn().await;
    let unit = app.unit_by_callsign("FL-C1").await;
    let id = unit["id"].as_i64().expect("id");
    let now = Utc::now();
    let batch = json!({"positions": [
        {"unit_id": id, "lat": 25.2301, "lon": 110.2101, "at": (now - Duration::seconds(2)).to_rfc3339()},
        {"unit_id": id, "lat": 25.2302, "lon": 110.2102, "at": now.to_rfc3339()},
        {"unit_id": 9999, "lat": 25.23, "lon": 110.21, "at": now.to_rfc3339()},
        {"unit_id": id, "lat": 125.0, "lon": 110.21, "at": now.to_rfc3339()},
        {"unit_id": id, "lat": 25.23, "lon": 110.21, "at": (now + Duration::minutes(5)).to_rfc3339()},
        {"unit_id": id, "lat": 25.23, "lon": 110.21, "at": "yesterday"},
        {"unit_id": id, "lat": 25.23, "lon": 110.21},
    ]});
    let (status, body) = app.post("/api/v1/positions", batch).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["accepted"], 2);
    let rejected = body["rejected"].as_array().expect("rejections");
    let indexes: Vec<i64> = rejected.iter().filter_map(|r| r["index"].as_i64()).collect();
    assert_eq!(indexes, [2, 3, 4, 5, 6]);
    let reason = |i: usize| rejected[i]["reason"].as_str().unwrap_or_default().to_owned();
    assert!(reason(0).contains("unknown unit 9999"), "{}", reason(0));
    assert!(reason(1).contains("lat must be"), "{}", reason(1));
    assert!(reason(2).contains("future"), "{}", reason(2));
    assert!(reason(4).contains("missing field `at`"), "{}", reason(4));
    // the newest accepted position moved the unit
    let unit = app.unit_by_callsign("FL-C1").await;
    assert_eq!(unit["lat"], 25.2302);
    assert_eq!(unit["lon"], 110.2102);
}

#[tokio::test]
async fn an_older_report_is_kept_but_does_not_move_the_unit_back() {
    let app = spawn().await;
    let id = app.unit_by_callsign("FL-C2").await["id"].as_i64().expect("id");
    app.place(id, 25.231, 110.211).await;
    let old = (Utc::now() - Duration::seconds(30)).to_rfc3339();
    let (status, body) =
        app.post("/api/v1/positions", json!([{"unit_id": id, "lat": 25.0, "lon": 110.0, "at": old}])).await;
    assert_eq!((status, body["accepted"].as_i64()), (200, Some(1)));
    let unit = app.unit_by_callsign("FL-C2").await;
    assert_eq!(unit["lat"], 25.231);
}

#[tokio::test]
async fn a_stale_unit_is_not_recommended_until_it_reports() {
    let app = spawn().await;
    let post = app.unit_by_callsign("JS-P1").await;
    let id = post["id"].as_i64().expect("id");
    // a new available unit whose only report is ten minutes old
    let stale = (Utc::now() - Duration::minutes(10)).to_rfc3339();
    let (status, fresh) = app
        .post(
            "/api/v1/units",
            json!({"callsign": "T-STALE", "kind": "post", "force": "police", "station": "JSL", "status": "available"}),
        )
        .await;
    assert_eq!(status, 201, "{fresh}");
    let stale_id = fresh["id"].as_i64().expect("id");
    let (_, body) = app
        .post("/api/v1/positions", json!([{"unit_id": stale_id, "lat": JINSHAN.0, "lon": JINSHAN.1, "at": stale}]))
        .await;
    assert_eq!(body["accepted"], 1);
    let i = app.incident("fight", JINSHAN.0, JINSHAN.1).await;
    let (_, recs) = app.get(&format!("/api/v1/incidents/{}/recommendations?k=50", i["id"])).await;
    let ids: Vec<i64> = recs.as_array().expect("list").iter().filter_map(|r| r["unit_id"].as_i64()).collect();
    assert!(!ids.contains(&stale_id), "a 10-minute-old position is stale");
    assert!(ids.contains(&id));
    app.place(stale_id, JINSHAN.0, JINSHAN.1).await;
    let (_, recs) = app.get(&format!("/api/v1/incidents/{}/recommendations?k=50", i["id"])).await;
    let ids: Vec<i64> = recs.as_array().expect("list").iter().filter_map(|r| r["unit_id"].as_i64()).collect();
    assert!(ids.contains(&stale_id), "fresh again after reporting");
}

#[tokio::test]
async fn empty_and_oversized_batches_are_refused() {
    let app = spawn().await;
    assert_eq!(app.post("/api/v1/positions", json!([])).await.0, 400);
    let now = Utc::now().to_rfc3339();
    let many: Vec<_> = (0..10_001).map(|_| json!({"unit_id": 1, "lat": 25.2, "lon": 110.2, "at": now})).collect();
    let (status, body) = app.post("/api/v1/positions", json!(many)).await;
    assert_eq!(status, 413, "{body}");
}
