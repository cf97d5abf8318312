//! Intake, lookup, recommendations, assignment and the incident status
//! machine over HTTP.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::helpers::{JINSHAN, JSL_OUTSIDE_ZONES, NOWHERE, spawn};

fn t(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().expect("a time")).expect("RFC 3339").with_timezone(&Utc)
}

#[tokio::test]
async fn health_reports_the_database() {
    let app = spawn().await;
    let (status, body) = app.get("/healthz").await;
    assert_eq!(status, 200);
    assert_eq!(body["database"], "ok");
}

#[tokio::test]
async fn an_incident_gets_its_station_zone_class_and_arrival_target() {
    let app = spawn().await;
    let core = app.incident("fight", JINSHAN.0, JINSHAN.1).await;
    assert_eq!(core["station"], "JSL");
    assert_eq!(core["zone"], "jinshan-square");
    assert_eq!(core["zone_class"], "core");
    assert_eq!(core["status"], "new");
    assert_eq!(core["priority"], 1, "a fight is urgent by default");
    let received = t(&core["received_at"]);
    assert_eq!((t(&core["arrival_timer"]["deadline"]) - received).num_seconds(), 60);
    assert_eq!((t(&core["arrival_timer"]["amber_at"]) - received).num_seconds(), 48);
    assert_eq!((t(&core["dispatch_timer"]["deadline"]) - received).num_seconds(), 30);

    let outside = app.incident("dispute", JSL_OUTSIDE_ZONES.0, JSL_OUTSIDE_ZONES.1).await;
    assert_eq!(outside["station"], "JSL");
    assert_eq!(outside["zone_class"], Value::Null);
    let received = t(&outside["received_at"]);
    assert_eq!((t(&outside["arrival_timer"]["deadline"]) - received).num_seconds(), 540);

    let nowhere = app.incident("theft", NOWHERE.0, NOWHERE.1).await;
    assert_eq!(nowhere["station"], Value::Null);
}

#[tokio::test]
async fn the_same_external_id_returns_the_same_incident() {
    let app = spawn().await;
    let body = json!({"channel": "chat", "category": "parking", "lat": 25.24, "lon": 110.2, "external_id": "wx-group-7:msg-991"});
    let (s1, first) = app.post("/api/v1/incidents", body.clone()).await;
    let (s2, second) = app.post("/api/v1/incidents", body).await;
    assert_eq!((s1, s2), (201, 200));
    assert_eq!(first["id"], second["id"]);
    let (_, list) = app.get("/api/v1/incidents").await;
    assert_eq!(list.as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn bad_input_gets_a_precise_400_and_nothing_is_stored() {
    let app = spawn().await;
    let cases = [
        (json!({"channel": "phone", "category": "fight", "lat": 95.0, "lon": 110.2}), "lat must be"),
        (json!({"channel": "phone", "category": "fight", "lat": 25.2, "lon": 190.0}), "lon must be"),
        (json!({"channel": "phone", "category": "fight", "lon": 110.2}), "lat is required"),
        (json!({"channel": "fax", "category": "fight", "lat": 25.2, "lon": 110.2}), "unknown channel \"fax\""),
        (
            json!({"channel": "phone", "category": "ufo", "lat": 25.2, "lon": 110.2}),
            "unknown category \"ufo\"; expected one of: dispute",
        ),
        (
            json!({"channel": "phone", "category": "fight", "lat": 25.2, "lon": 110.2, "priority": 7}),
            "priority must be",
        ),
        (
            json!({"channel": "phone", "category": "fight", "lat": 25.2, "lon": 110.2, "colour": "red"}),
            "unknown field `colour`",
        ),
        (json!({"channel": "phone", "category": "fight", "lat": "north", "lon": 110.2}), "invalid type"),
        (
            json!({"channel": "phone", "category": "fight", "lat": 25.2, "lon": 110.2, "description": "x".repeat(2001)}),
            "description is too long",
        ),
    ];
    for (body, expected) in cases {
        let (status, answer) = app.post("/api/v1/incidents", body.clone()).await;
        assert_eq!(status, 400, "{body} -> {answer}");
        assert_eq!(answer["error"]["code"], "bad_request");
        let message = answer["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(expected), "{body}: expected {expected:?} in {message:?}");
    }
    let (status, answer) = app.post_raw("/api/v1/incidents", "application/json", "{not json").await;
    assert_eq!(status, 400, "{answer}");
    let (status, _) = app.post_raw("/api/v1/incidents", "text/plain", "hello").await;
    assert_eq!(status, 415);
    let (status, answer) = app.post_raw("/api/v1/incidents", "application/json", vec![b' '; 3 * 1024 * 1024]).await;
    assert_eq!(status, 413, "{answer}");
    let (_, list) = app.get("/api/v1/incidents").await;
    assert_eq!(list.as_array().map(Vec::len), Some(0), "nothing was stored");
}

#[tokio::test]
async fn ids_are_checked_and_unknown_ones_are_404() {
    let app = spawn().await;
    let (status, body) = app.get("/api/v1/incidents/abc").await;
    assert_eq!(status, 400);
    assert!(body["error"]["message"].as_str().unwrap_or_default().contains("incident id must be a positive integer"));
    assert_eq!(app.get("/api/v1/incidents/999").await.0, 404);
    assert_eq!(app.get("/api/v1/incidents/999/recommendations").await.0, 404);
    assert_eq!(app.get("/api/v1/nothing-here").await.0, 404);
    let (status, body) = app.get("/api/v1/incidents?status=lost").await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test]
async fn the_reporter_contact_is_only_in_the_single_incident_view() {
    let app = spawn().await;
    let (status, created) = app
        .post(
            "/api/v1/incidents",
            json!({"channel": "phone", "category": "medical", "lat": 25.24, "lon": 110.2, "reporter_contact": "13907731234"}),
        )
        .await;
    assert_eq!(status, 201);
    assert!(created.get("reporter_contact").is_none(), "{created}");
    let id = created["id"].as_i64().expect("an id");
    let (_, one) = app.get(&format!("/api/v1/incidents/{id}")).await;
    assert_eq!(one["reporter_contact"], "13907731234");
    assert_eq!(one["timeline"][0]["to"], "new");
    let (_, list) = app.get("/api/v1/incidents").await;
    assert!(!list.to_string().contains("13907731234"));
}

#[tokio::test]
async fn recommendations_follow_the_travel_model() {
    let app = spawn().await;
    let incident = app.incident("fight", JINSHAN.0, JINSHAN.1).await;
    let id = incident["id"].as_i64().expect("an id");
    let (status, recs) = app.get(&format!("/api/v1/incidents/{id}/recommendations?k=5")).await;
    assert_eq!(status, 200, "{recs}");
    let recs = recs.as_array().cloned().expect("a list");
    assert_eq!(recs.len(), 5);
    let units = app.units().await;
    let target = domain::Coordinates::parse(JINSHAN.0, JINSHAN.1).expect("valid");
    let model = domain::TravelModel::default();
    let mut last = 0.0;
    for r in &recs {
        let u = units.iter().find(|u| u["id"] == r["unit_id"]).expect("a known unit");
        assert_eq!(u["status"], "available");
        let at = domain::Coordinates::parse(u["lat"].as_f64().expect("lat"), u["lon"].as_f64().expect("lon"))
            .expect("valid");
        let kind: domain::UnitKind = u["kind"].as_str().expect("kind").parse().expect("a kind");
        let d = at.distance_m(target);
        let eta = model.eta_s(kind, d);
        assert!((r["distance_m"].as_f64().expect("distance") - d).abs() <= 0.06, "{r}");
        assert!((r["eta_s"].as_f64().expect("eta") - eta).abs() <= 0.06, "{r}");
        assert!(eta >= last, "ranked by ETA");
        last = eta;
    }
    // the fixed post on the square is first: it is standing there
    assert_eq!(recs[0]["callsign"], "JS-P1");
    let (status, _) = app.get(&format!("/api/v1/incidents/{id}/recommendations?k=0")).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn assigning_moves_incident_and_unit_and_a_taken_unit_is_409() {
    let app = spawn().await;
    let a = app.incident("fight", JINSHAN.0, JINSHAN.1).await;
    let b = app.incident("dispute", JINSHAN.0, JINSHAN.1 + 0.001).await;
    let unit = app.unit_by_callsign("JS-P1").await;
    let (status, assigned) =
        app.post(&format!("/api/v1/incidents/{}/assign", a["id"]), json!({"unit_id": unit["id"]})).await;
    assert_eq!(status, 200, "{assigned}");
    assert_eq!(assigned["status"], "dispatched");
    assert_eq!(assigned["units"], json!([unit["id"]]));
    assert!(assigned["dispatch_timer"]["stopped_at"].is_string());
    assert_eq!(app.unit_by_callsign("JS-P1").await["status"], "dispatched");

    let (status, refused) =
        app.post(&format!("/api/v1/incidents/{}/assign", b["id"]), json!({"unit_id": unit["id"]})).await;
    assert_eq!(status, 409, "{refused}");
    let msg = refused["error"]["message"].as_str().unwrap_or_default();
    assert!(msg.contains("JS-P1 is not available: it is dispatched"), "{msg}");
    assert!(msg.contains(&format!("on incident {}", a["id"])), "{msg}");
    let (status, _) = app.post(&format!("/api/v1/incidents/{}/assign", b["id"]), json!({"unit_id": 9999})).await;
    assert_eq!(status, 404);
    let (status, _) = app.post(&format!("/api/v1/incidents/{}/assign", b["id"]), json!({"unit": 1})).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn concurrent_assignments_of_one_unit_have_exactly_one_winner() {
    let app = spawn().await;
    let unit = app.unit_by_callsign("JS-C1").await;
    let mut ids = vec![];
    for i in 0..12 {
        ids.push(app.incident("dispute", 25.25 + f64::from(i) * 0.0005, 110.21).await["id"].clone());
    }
    let attempts = ids.iter().map(|id| {
        let client = app.client.clone();
        let url = app.url(&format!("/api/v1/incidents/{id}/assign"));
        let body = json!({"unit_id": unit["id"]});
        async move { client.post(url).json(&body).send().await.expect("request").status().as_u16() }
    });
    let statuses = futures_util::future::join_all(attempts).await;
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 11, "{statuses:?}");
    let (_, list) = app.get("/api/v1/incidents?status=dispatched").await;
    assert_eq!(list.as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn invalid_moves_are_409_with_the_allowed_ones() {
    let app = spawn().await;
    let i = app.incident("theft", JINSHAN.0, JINSHAN.1).await;
    let (status, body) =
        app.post(&format!("/api/v1/incidents/{}/status", i["id"]), json!({"status": "on_scene"})).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "invalid_transition");
    assert_eq!(body["error"]["allowed"], json!(["dispatched", "resolved", "cancelled"]));
    let (status, body) =
        app.post(&format!("/api/v1/incidents/{}/status", i["id"]), json!({"status": "dispatched"})).await;
    assert_eq!(status, 409);
    assert!(body["error"]["message"].as_str().unwrap_or_default().contains("assign"));
    let (status, _) = app.post(&format!("/api/v1/incidents/{}/status", i["id"]), json!({"status": "teleported"})).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn unit_progress_drives_the_incident_stages_and_resolution_frees_the_unit() {
    let app = spawn().await;
    let i = app.incident("lost_person", JINSHAN.0, JINSHAN.1).await;
    let id = i["id"].as_i64().expect("id");
    let unit = app.unit_by_callsign("JS-M1").await;
    let uid = unit["id"].as_i64().expect("id");
    assert_eq!(app.post(&format!("/api/v1/incidents/{id}/assign"), json!({"unit_id": uid})).await.0, 200);
    let (s, u) = app.post(&format!("/api/v1/units/{uid}/status"), json!({"status": "en_route"})).await;
    assert_eq!(s, 200, "{u}");
    let (_, inc) = app.get(&format!("/api/v1/incidents/{id}")).await;
    assert_eq!(inc["status"], "en_route");
    assert!(inc["en_route_at"].is_string());
    assert_eq!(app.post(&format!("/api/v1/units/{uid}/status"), json!({"status": "on_scene"})).await.0, 200);
    let (_, inc) = app.get(&format!("/api/v1/incidents/{id}")).await;
    assert_eq!(inc["status"], "on_scene");
    assert!(inc["arrival_timer"]["stopped_at"].is_string());
    let (s, resolved) = app
        .post(&format!("/api/v1/incidents/{id}/status"), json!({"status": "resolved", "reason": "found, taken home"}))
        .await;
    assert_eq!(s, 200, "{resolved}");
    assert_eq!(resolved["units"], json!([]));
    let unit = app.unit_by_callsign("JS-M1").await;
    assert_eq!(unit["status"], "available");
    assert_eq!(unit["incident"], Value::Null);
    assert_eq!(app.post(&format!("/api/v1/incidents/{id}/status"), json!({"status": "closed"})).await.0, 200);
    let (_, detail) = app.get(&format!("/api/v1/incidents/{id}")).await;
    let stages: Vec<&str> = detail["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .filter(|e| e["entity"] == "incident")
        .filter_map(|e| e["to"].as_str())
        .collect();
    assert_eq!(stages, ["new", "dispatched", "en_route", "on_scene", "resolved", "closed"]);
    let unit_moves = detail["timeline"].as_array().expect("timeline").iter().filter(|e| e["entity"] == "unit").count();
    assert_eq!(unit_moves, 4, "dispatched, en route, on scene, available");
    assert!(detail["timeline"].as_array().expect("timeline").iter().any(|e| e["reason"] == "found, taken home"));
    // a closed incident takes no more units
    let (s, _) = app.post(&format!("/api/v1/incidents/{id}/assign"), json!({"unit_id": uid})).await;
    assert_eq!(s, 409);
}
