//! The officer's phone page (`/unit/{callsign}`): rendered complete on the
//! server, every status button a plain form that works without JavaScript,
//! a refused move explained on the page, and nothing of other units.

use serde_json::{Value, json};

use domain::access::Role;

use crate::helpers::{JINSHAN, TestApp, spawn};

/// An incident near Jinshan Road assigned to `callsign`.
async fn assigned(app: &TestApp, callsign: &str, contact: &str) -> (Value, Value) {
    let (s, incident) = app
        .post(
            "/api/v1/incidents",
            json!({"channel": "phone", "category": "fight", "lat": JINSHAN.0, "lon": JINSHAN.1,
                   "address": "金水路 88 号门口", "description": "两人在店门口推搡", "reporter_contact": contact}),
        )
        .await;
    assert_eq!(s, 201, "{incident}");
    let unit = app.unit_by_callsign(callsign).await;
    let (s, body) =
        app.post(&format!("/api/v1/incidents/{}/assign", incident["id"]), json!({"unit_id": unit["id"]})).await;
    assert_eq!(s, 200, "{body}");
    (incident, unit)
}

#[tokio::test]
async fn the_phone_page_shows_its_assignment_and_nothing_of_other_units() {
    let app = spawn().await;
    let (incident, unit) = assigned(&app, "JS-P1", "13912345678").await;
    let officer = app.login("officer-p1", Role::Officer, None, Some("JS-P1")).await;
    let (status, html) = officer.html("/unit/JS-P1").await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!("data-incident-id=\"{}\"", incident["id"])), "the assignment is on the page");
    assert!(html.contains("金水路 88 号门口") && html.contains("两人在店门口推搡") && html.contains("打架斗殴"));
    assert!(html.contains("data-status=\"dispatched\""), "the unit's status");
    assert!(html.contains("action=\"/sf/officer_status\""), "the buttons are plain forms");
    assert!(html.contains("data-to=\"en_route\"") && html.contains("data-to=\"on_scene\""));
    assert!(!html.contains("data-to=\"resolved\""), "resolving needs the unit on scene first");
    assert!(!html.contains("13912345678"), "the reporter's contact is for dispatchers only");
    // the phone sees its own unit, never the fleet
    for u in app.units().await {
        if u["station"] != unit["station"] {
            let cs = u["callsign"].as_str().expect("callsign");
            assert!(!html.contains(cs), "{cs} is another station's unit");
        }
    }
    assert_eq!(html.matches("data-unit-id=").count(), 1);
    assert!(html.contains("/pkg/command_room.js"), "and then it hydrates");

    let (status, en) = officer.html("/unit/JS-P1?lang=en").await;
    assert_eq!(status, 200);
    assert!(en.contains("En route") && en.contains("Since dispatch") && en.contains("Fight"));
    assert!(!en.contains("出发") && !en.contains("派警至今"), "no Chinese labels left on the English page");
}

#[tokio::test]
async fn status_buttons_work_without_javascript_and_the_log_names_the_officer() {
    let app = spawn().await;
    let (incident, unit) = assigned(&app, "JS-P1", "").await;
    let officer = app.login("officer-p1", Role::Officer, None, Some("JS-P1")).await;
    let id = incident["id"].as_i64().expect("id");
    let from = "/unit/JS-P1";
    for (to, incident_status) in [("en_route", "en_route"), ("on_scene", "on_scene")] {
        let (status, location) =
            officer.post_form("/sf/officer_status", &[("callsign", "JS-P1"), ("status", to)], from).await;
        assert!(matches!(status, 302 | 303), "a form post redirects back: {status}");
        assert_eq!(location.trim_end_matches('?'), app.url(from), "back to the page, with no error");
        assert_eq!(app.unit_by_callsign("JS-P1").await["status"], to);
        let (_, i) = app.get(&format!("/api/v1/incidents/{id}")).await;
        assert_eq!(i["status"], incident_status, "the incident follows its unit");
    }
    let (_, html) = officer.html(from).await;
    assert!(html.contains("data-to=\"resolved\""), "on scene: the officer can report it handled");

    let (status, location) =
        officer.post_form("/sf/officer_resolve", &[("callsign", "JS-P1"), ("incident", &id.to_string())], from).await;
    assert!(matches!(status, 302 | 303));
    assert_eq!(location.trim_end_matches('?'), app.url(from));
    let (_, i) = app.get(&format!("/api/v1/incidents/{id}")).await;
    assert_eq!(i["status"], "resolved");
    assert_eq!(app.unit_by_callsign("JS-P1").await["status"], "available", "resolving frees the unit");
    let by_officer: Vec<&str> = i["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .filter(|e| e["actor"] == "officer-p1")
        .filter_map(|e| e["to"].as_str())
        .collect();
    for stage in ["en_route", "on_scene", "resolved"] {
        assert!(by_officer.contains(&stage), "{stage} is logged as the officer's: {by_officer:?}");
    }
    let (_, html) = officer.html(from).await;
    assert!(html.contains("暂无任务"), "no assignment any more");
    assert!(!html.contains(&format!("data-incident-id=\"{id}\"")));
    let _ = unit;
}

#[tokio::test]
async fn a_refused_move_comes_back_to_the_page_with_its_reason() {
    let app = spawn().await;
    let from = "/unit/JS-F1";
    assert_eq!(app.unit_by_callsign("JS-F1").await["status"], "available");
    // available units cannot report on scene: nothing changes, the page says why
    let (status, location) =
        app.post_form("/sf/officer_status", &[("callsign", "JS-F1"), ("status", "on_scene")], from).await;
    assert!(matches!(status, 302 | 303));
    assert!(location.contains("__err="), "the error travels in the address: {location}");
    assert_eq!(app.unit_by_callsign("JS-F1").await["status"], "available");
    let path = location.strip_prefix(&app.base).expect("same origin").to_owned();
    let (status, html) = app.html(&path).await;
    assert_eq!(status, 200, "the page itself is fine");
    assert!(html.contains("cannot move from available to on_scene"), "the reason is shown");

    // dispatching is the dispatcher's: explained, not done
    let (_, location) =
        app.post_form("/sf/officer_status", &[("callsign", "JS-F1"), ("status", "dispatched")], from).await;
    let (_, html) = app.html(location.strip_prefix(&app.base).expect("same origin")).await;
    assert!(html.contains("assigning it to an incident"), "{location}");

    // an unknown status and someone else's incident
    let (_, location) = app.post_form("/sf/officer_status", &[("callsign", "JS-F1"), ("status", "flying")], from).await;
    let (_, html) = app.html(location.strip_prefix(&app.base).expect("same origin")).await;
    assert!(html.contains("flying"), "the unknown status is named");
    let (other, _) = assigned(&app, "JS-P1", "").await;
    let (_, location) = app
        .post_form("/sf/officer_resolve", &[("callsign", "JS-F1"), ("incident", &other["id"].to_string())], from)
        .await;
    let (_, html) = app.html(location.strip_prefix(&app.base).expect("same origin")).await;
    assert!(html.contains("is not working incident"), "only one's own incident");
    let (_, i) = app.get(&format!("/api/v1/incidents/{}", other["id"])).await;
    assert_eq!(i["status"], "dispatched", "and it is untouched");
}

#[tokio::test]
async fn unknown_and_malformed_callsigns_are_refused_with_their_status() {
    let app = spawn().await;
    let (status, html) = app.html("/unit/NO-SUCH").await;
    assert_eq!(status, 404);
    assert!(html.contains("NO-SUCH"), "the page names what it did not find");
    let long = "X".repeat(40);
    let (status, _) = app.html(&format!("/unit/{long}")).await;
    assert_eq!(status, 400);
    // the same status for a review query the server refuses
    let (status, _) = app.html("/review?from=2026-13-01").await;
    assert_eq!(status, 400);
}
