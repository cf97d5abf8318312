//! The dispatch console as the server renders it and as its forms post
//! without JavaScript: known places by name or pinyin initials, units
//! recommended as soon as a location is set, backup, reassignment, a taken
//! unit explained, and the incident's timeline.

use serde_json::{Value, json};

use crate::helpers::{JINSHAN, TestApp, spawn};

async fn assign(app: &TestApp, incident: &Value, unit: &Value) -> Value {
    let (s, body) =
        app.post(&format!("/api/v1/incidents/{}/assign", incident["id"]), json!({"unit_id": unit["id"]})).await;
    assert_eq!(s, 200, "{body}");
    body
}

#[tokio::test]
async fn known_places_are_found_by_pinyin_initials_and_preset_the_location() {
    let app = spawn().await;
    let (status, html) = app.html("/dispatch?place=jsgc").await;
    assert_eq!(status, 200);
    assert!(html.contains("金山广场"), "金山广场 by its initials");
    let hit = html.split("class=\"place-hit").nth(1).expect("a hit");
    let href = hit.split("href=\"").nth(1).and_then(|h| h.split('"').next()).expect("a link").replace("&amp;", "&");
    assert!(href.starts_with("/dispatch?lat=25.") && href.contains("&lon=110."), "{href}");
    // the link presets the intake form's location, and units are recommended at once
    let (status, html) = app.html(&href).await;
    assert_eq!(status, 200);
    assert!(html.contains("name=\"form[lat]\"") && html.contains("value=\"25."), "the latitude is filled in");
    assert!(html.contains("class=\"candidate-row\""), "recommendations for the location, before any incident");
    assert!(html.contains("preview-note"));
    assert!(!html.contains("class=\"assign\""), "nothing to assign to yet");
    // a patrol point by its computed initials, and nothing for nonsense
    let (_, html) = app.html("/dispatch?place=jsgcdm").await;
    assert!(html.contains("金山广场东门"));
    let (_, html) = app.html("/dispatch?place=qqqqqq").await;
    assert!(!html.contains("class=\"place-hit"));
}

#[tokio::test]
async fn backup_and_reassignment_from_the_console() {
    let app = spawn().await;
    let incident = app.incident("fight", JINSHAN.0, JINSHAN.1).await;
    let id = incident["id"].as_i64().expect("id");
    let first = app.unit_by_callsign("JS-P1").await;
    assign(&app, &incident, &first).await;
    let from = format!("/dispatch?incident={id}");
    let (_, html) = app.html(&from).await;
    assert!(html.contains("title=\"改派：替换 JS-P1\""), "reassign names the unit it replaces");
    assert!(html.contains("class=\"assign backup\""), "with a unit on it, more units are backup");

    // backup: a second unit joins
    let backup = app.unit_by_callsign("JS-F1").await;
    let (status, to) =
        app.post_form("/sf/assign", &[("incident", &id.to_string()), ("unit", &backup["id"].to_string())], &from).await;
    assert!(matches!(status, 302 | 303));
    assert!(!to.contains("__err"), "{to}");
    let (_, i) = app.get(&format!("/api/v1/incidents/{id}")).await;
    assert_eq!(i["units"].as_array().map(Vec::len), Some(2), "{i}");

    // reassign the first unit to a third: the first is free again, the incident keeps two units
    let third = app.unit_by_callsign("JS-F2").await;
    let (status, to) = app
        .post_form(
            "/sf/reassign",
            &[("incident", &id.to_string()), ("from", &first["id"].to_string()), ("to", &third["id"].to_string())],
            &from,
        )
        .await;
    assert!(matches!(status, 302 | 303));
    assert!(!to.contains("__err"), "{to}");
    let (_, i) = app.get(&format!("/api/v1/incidents/{id}")).await;
    let units: Vec<i64> = i["units"].as_array().expect("units").iter().filter_map(Value::as_i64).collect();
    assert!(units.contains(&third["id"].as_i64().expect("id")) && !units.contains(&first["id"].as_i64().expect("id")));
    assert_eq!(app.unit_by_callsign("JS-P1").await["status"], "available");
    assert_eq!(app.unit_by_callsign("JS-F2").await["status"], "dispatched");
    let reason = i["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .find(|e| e["entity"] == "unit" && e["entity_id"] == first["id"] && e["to"] == "available")
        .map(|e| e["reason"].clone());
    assert_eq!(reason, Some(json!("reassigned: JS-F2 sent instead")));

    // the timeline is on the console, with who did what
    let (_, html) = app.html(&from).await;
    assert!(html.contains("class=\"timeline\""));
    assert!(html.contains("reassigned: JS-F2 sent instead"));
    assert!(html.contains("JS-F2 → 已派"), "unit steps named by callsign");
}

#[tokio::test]
async fn a_unit_taken_meanwhile_is_explained_and_nothing_changes() {
    let app = spawn().await;
    let a = app.incident("fight", JINSHAN.0, JINSHAN.1).await;
    let b = app.incident("theft", JINSHAN.0, JINSHAN.1).await;
    let unit = app.unit_by_callsign("JS-P1").await;
    assign(&app, &a, &unit).await;
    // a second dispatcher, looking at an old list, sends the same unit to b
    let from = format!("/dispatch?incident={}", b["id"]);
    let (status, to) = app
        .post_form("/sf/assign", &[("incident", &b["id"].to_string()), ("unit", &unit["id"].to_string())], &from)
        .await;
    assert!(matches!(status, 302 | 303));
    assert!(to.contains("__err="), "{to}");
    let (status, html) = app.html(&to).await;
    assert_eq!(status, 200);
    assert!(html.contains("data-conflict=\"true\""), "the conflict is explained");
    assert!(html.contains("推荐列表已刷新"));
    let (_, i) = app.get(&format!("/api/v1/incidents/{}", b["id"])).await;
    assert_eq!(i["units"], json!([]), "b got nothing");
    // the refreshed list no longer offers the taken unit
    let list = html.split("class=\"candidates\"").nth(1).expect("a list");
    assert!(!list.contains("data-callsign=\"JS-P1\""), "JS-P1 is not recommended any more");
    // reassigning to a unit that is taken leaves the old one in place
    let other = app.unit_by_callsign("JS-F1").await;
    assign(&app, &b, &other).await;
    let (_, to) = app
        .post_form(
            "/sf/reassign",
            &[("incident", &b["id"].to_string()), ("from", &other["id"].to_string()), ("to", &unit["id"].to_string())],
            &from,
        )
        .await;
    assert!(to.contains("__err="), "{to}");
    assert_eq!(app.unit_by_callsign("JS-F1").await["status"], "dispatched", "still on b");
}
