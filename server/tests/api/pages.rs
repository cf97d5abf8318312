//! The pages as the server renders them: the first HTML already holds the
//! map, the units and the figures.

use crate::helpers::{JINSHAN, spawn};

#[tokio::test]
async fn the_wall_screen_is_complete_in_the_first_html() {
    let app = spawn().await;
    let i = app.incident("fight", JINSHAN.0, JINSHAN.1).await;
    let (status, page) = app.html("/screen").await;
    assert_eq!(status, 200);
    assert!(page.contains("<svg"), "the map is rendered on the server");
    assert_eq!(page.matches("data-unit-id=").count(), 45, "every unit is on the map");
    for station in ["金水路警务站", "榕山警务站", "人民路警务站", "时代枫林警务站"] {
        assert!(page.contains(station), "{station}");
    }
    assert!(page.contains(&format!("data-incident-id=\"{}\"", i["id"])), "the open incident is on the map");
    assert!(page.contains("data-figure=\"open\""));
    assert!(page.contains("/pkg/command_room.js"), "and then it hydrates");
}

#[tokio::test]
async fn the_screen_never_shows_personal_data() {
    let app = spawn().await;
    let (s, _) = app
        .post(
            "/api/v1/incidents",
            serde_json::json!({"channel": "phone", "category": "theft", "lat": 25.24, "lon": 110.2, "reporter_contact": "13812345678"}),
        )
        .await;
    assert_eq!(s, 201);
    let (_, page) = app.html("/screen").await;
    assert!(!page.contains("13812345678"));
}

#[tokio::test]
async fn dispatch_renders_recommendations_for_the_selected_incident_without_javascript() {
    let app = spawn().await;
    let i = app.incident("fight", JINSHAN.0, JINSHAN.1).await;
    let (status, page) = app.html(&format!("/dispatch?incident={}", i["id"])).await;
    assert_eq!(status, 200);
    assert!(page.contains("JS-P1"), "the nearest unit is listed");
    assert!(page.contains("class=\"assign\""), "with an assign button");
    assert!(page.contains("action=\"/sf/assign\""), "that posts a plain form");
}

#[tokio::test]
async fn english_and_unknown_pages() {
    let app = spawn().await;
    let (status, page) = app.html("/screen?lang=en").await;
    assert_eq!(status, 200);
    assert!(page.contains("Open incidents"));
    assert!(page.contains("lang=\"en\""));
    let (status, _) = app.html("/no-such-page").await;
    assert_eq!(status, 404);
    let (status, page) = app.html("/").await;
    assert_eq!(status, 200);
    for link in ["/screen", "/dispatch", "/desk", "/review", "/report"] {
        assert!(page.contains(&format!("href=\"{link}")), "the home page links {link}");
    }
}

#[tokio::test]
async fn the_openapi_document_describes_every_endpoint() {
    let app = spawn().await;
    let (status, doc) = app.get("/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    assert_eq!(doc["openapi"].as_str().map(|v| v.starts_with("3.")), Some(true));
    let paths = doc["paths"].as_object().expect("paths");
    for p in [
        "/incidents",
        "/incidents/{id}",
        "/incidents/{id}/recommendations",
        "/incidents/{id}/assign",
        "/incidents/{id}/status",
        "/units",
        "/units/{id}/status",
        "/positions",
        "/chat/messages",
        "/reports",
        "/reports/{code}",
        "/alerts",
        "/checkins",
        "/patrol/points",
        "/patrol/misses",
        "/review/patrol",
        "/review",
        "/review.csv",
        "/review/incidents",
        "/review/incidents.csv",
        "/review/heat.csv",
        "/review/days.csv",
        "/review/hotspots.csv",
        "/review/import",
    ] {
        assert!(paths.contains_key(p), "{p} is documented");
    }
}
