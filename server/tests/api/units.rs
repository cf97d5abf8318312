//! The fleet: registration and the unit status machine over HTTP.

use serde_json::{Value, json};

use crate::helpers::spawn;

#[tokio::test]
async fn the_demo_fleet_is_loaded() {
    let app = spawn().await;
    let units = app.units().await;
    assert!(units.len() >= 40, "{} units", units.len());
    for kind in ["car", "motorbike", "ebike", "foot", "post"] {
        assert!(units.iter().any(|u| u["kind"] == kind), "no {kind}");
    }
}

#[tokio::test]
async fn registering_a_unit_checks_every_field() {
    let app = spawn().await;
    let (status, unit) = app
        .post("/api/v1/units", json!({"callsign": "JS-X9", "kind": "ebike", "force": "volunteer", "station": "JSL", "lat": 25.25, "lon": 110.21, "status": "available"}))
        .await;
    assert_eq!(status, 201, "{unit}");
    assert_eq!(unit["status"], "available");
    assert!(unit["seen_at"].is_string());
    let (status, unit) = app
        .post("/api/v1/units", json!({"callsign": "JS-X10", "kind": "foot", "force": "police", "station": "JSL"}))
        .await;
    assert_eq!(status, 201, "{unit}");
    assert_eq!(unit["status"], "off_duty", "a new unit without a status is off duty");
    assert_eq!(unit["lat"], Value::Null);

    let bad = [
        (json!({"callsign": "JS-X9", "kind": "ebike", "force": "volunteer", "station": "JSL"}), 409, "already unit"),
        (
            json!({"callsign": "Z1", "kind": "tank", "force": "police", "station": "JSL"}),
            400,
            "unknown unit kind \"tank\"",
        ),
        (json!({"callsign": "Z1", "kind": "car", "force": "army", "station": "JSL"}), 400, "unknown force"),
        (json!({"callsign": "Z1", "kind": "car", "force": "police", "station": "XYZ"}), 400, "unknown station"),
        (
            json!({"callsign": "Z1", "kind": "car", "force": "police", "station": "JSL", "lat": 25.2}),
            400,
            "lat and lon go together",
        ),
        (
            json!({"callsign": "Z1", "kind": "car", "force": "police", "station": "JSL", "status": "on_scene"}),
            400,
            "cannot start as on_scene",
        ),
        (json!({"callsign": "", "kind": "car", "force": "police", "station": "JSL"}), 400, "callsign is required"),
    ];
    for (body, code, expected) in bad {
        let (status, answer) = app.post("/api/v1/units", body.clone()).await;
        assert_eq!(status, code, "{body} -> {answer}");
        let message = answer["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(expected), "{body}: expected {expected:?} in {message:?}");
    }
}

#[tokio::test]
async fn unit_moves_follow_the_machine() {
    let app = spawn().await;
    let unit = app.unit_by_callsign("RS-F1").await;
    let id = unit["id"].as_i64().expect("id");
    let (status, body) = app.post(&format!("/api/v1/units/{id}/status"), json!({"status": "on_scene"})).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["allowed"], json!(["dispatched", "off_duty", "out_of_service"]));
    let (status, body) = app.post(&format!("/api/v1/units/{id}/status"), json!({"status": "dispatched"})).await;
    assert_eq!(status, 409, "{body}");
    assert!(body["error"]["message"].as_str().unwrap_or_default().contains("assigning"));
    let (status, body) = app
        .post(&format!("/api/v1/units/{id}/status"), json!({"status": "out_of_service", "reason": "flat tyre"}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "out_of_service");
    assert_eq!(app.post("/api/v1/units/0/status", json!({"status": "available"})).await.0, 400);
    assert_eq!(app.post("/api/v1/units/4040/status", json!({"status": "available"})).await.0, 404);
}

#[tokio::test]
async fn a_unit_stood_down_leaves_its_incident() {
    let app = spawn().await;
    let i = app.incident("noise", 25.25, 110.21).await;
    let unit = app.unit_by_callsign("JS-C2").await;
    let uid = unit["id"].as_i64().expect("id");
    assert_eq!(app.post(&format!("/api/v1/incidents/{}/assign", i["id"]), json!({"unit_id": uid})).await.0, 200);
    let (status, body) =
        app.post(&format!("/api/v1/units/{uid}/status"), json!({"status": "available", "reason": "stood down"})).await;
    assert_eq!(status, 200, "{body}");
    let (_, inc) = app.get(&format!("/api/v1/incidents/{}", i["id"])).await;
    assert_eq!(inc["units"], json!([]));
    assert_eq!(inc["status"], "dispatched", "the incident waits for another unit");
}

#[tokio::test]
async fn the_server_starts_with_an_empty_district() {
    let app = crate::helpers::spawn_with(|c| c.district_file = None).await;
    assert!(app.units().await.is_empty());
    let r = app.client.get(app.url("/screen")).send().await.expect("request");
    assert_eq!(r.status().as_u16(), 200);
    let (status, body) =
        app.post("/api/v1/units", json!({"callsign": "A1", "kind": "car", "force": "police", "station": "JSL"})).await;
    assert_eq!(status, 400, "no stations yet: {body}");
}
