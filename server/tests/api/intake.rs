//! Chat-group intake and residents' reports.

use std::time::Duration;

use chrono::Utc;
use serde_json::{Value, json};

use crate::helpers::{spawn, spawn_with};

fn chat(message_id: &str) -> Value {
    json!({
        "group_id": "jsl-shops-01", "group_name": "金水路商户群", "message_id": message_id,
        "sender_name": "张老板", "sender_phone": "13977301234",
        "text": "@临桂公安 店门口两个人吵起来了", "lat": 25.2566, "lon": 110.2001,
        "sent_at": Utc::now().to_rfc3339(), "attachments": ["https://im.example/photo/1.jpg"]
    })
}

#[tokio::test]
async fn a_chat_message_is_stored_once_however_often_it_is_delivered() {
    let app = spawn().await;
    let mut ws = app.ws("").await;
    ws.next_within(Duration::from_secs(5)).await.expect("snapshot");
    let (s1, first) = app.post("/api/v1/chat/messages", chat("m-1001")).await;
    let (s2, again) = app.post("/api/v1/chat/messages", chat("m-1001")).await;
    assert_eq!((s1, s2), (201, 200), "{first} {again}");
    assert_eq!(first["id"], again["id"]);
    let (_, list) = app.get("/api/v1/chat/messages?unanswered=true").await;
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    assert!(!list.to_string().contains("13977301234"), "the sender's phone stays in the store");
    let ev = ws.wait_for(Duration::from_secs(5), |m| m["type"] == "chat").await.expect("a chat event");
    assert_eq!(ev["message"]["text"], "@临桂公安 店门口两个人吵起来了");
    assert!(!ev.to_string().contains("13977301234"));
}

#[tokio::test]
async fn a_malformed_chat_message_is_refused_with_the_reason() {
    let app = spawn().await;
    let mut no_text = chat("m-1");
    no_text.as_object_mut().expect("object").remove("text");
    let mut long = chat("m-2");
    long["text"] = json!("很".repeat(4001));
    let mut half = chat("m-3");
    half.as_object_mut().expect("object").remove("lon");
    let mut bad_url = chat("m-4");
    bad_url["attachments"] = json!(["javascript:alert(1)"]);
    for (body, expected) in [
        (no_text, "text is required"),
        (long, "text is too long"),
        (half, "lat and lon go together"),
        (bad_url, "attachments[0]"),
    ] {
        let (status, answer) = app.post("/api/v1/chat/messages", body).await;
        assert_eq!(status, 400, "{answer}");
        assert!(answer["error"]["message"].as_str().unwrap_or_default().contains(expected), "{answer}");
    }
    let (_, list) = app.get("/api/v1/chat/messages").await;
    assert_eq!(list.as_array().map(Vec::len), Some(0));
}

#[tokio::test]
async fn a_report_answers_a_tracking_code_that_follows_the_incident() {
    let app = spawn().await;
    let (status, body) = app
        .post(
            "/api/v1/reports",
            json!({"category": "parking", "description": "<script>alert(1)</script> 电动车堵门", "lat": 25.2315, "lon": 110.2125, "contact": "13800001111"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let code = body["tracking_code"].as_str().expect("a code").to_owned();
    assert_eq!(code.len(), 9);
    assert_eq!(body["status_url"], format!("/report/{code}"));
    let (_, st) = app.get(&format!("/api/v1/reports/{code}")).await;
    assert_eq!(st["stage"], "received");
    assert_eq!(st.as_object().map(|o| o.len()), Some(3), "the stage and nothing else: {st}");

    // the report is an incident on the web channel; send someone
    let (_, list) = app.get("/api/v1/incidents").await;
    let incident = list.as_array().and_then(|l| l.first().cloned()).expect("an incident");
    assert_eq!(incident["channel"], "web");
    assert_eq!(incident["description"], "<script>alert(1)</script> 电动车堵门", "stored as text");
    let unit = app.unit_by_callsign("FL-M1").await;
    assert_eq!(
        app.post(&format!("/api/v1/incidents/{}/assign", incident["id"]), json!({"unit_id": unit["id"]})).await.0,
        200
    );
    let (_, st) = app.get(&format!("/api/v1/reports/{}", code.to_lowercase())).await;
    assert_eq!(st["stage"], "on_the_way");
    assert_eq!(
        app.post(&format!("/api/v1/incidents/{}/status", incident["id"]), json!({"status": "resolved"})).await.0,
        200
    );
    let (_, st) = app.get(&format!("/api/v1/reports/{code}")).await;
    assert_eq!(st["stage"], "handled");

    assert_eq!(app.get("/api/v1/reports/ZZZZ-ZZZZ").await.0, 404);
    assert_eq!(app.get("/api/v1/reports/not-a-code").await.0, 400);
}

#[tokio::test]
async fn reports_are_rate_limited_per_client_with_a_clear_message() {
    let app = spawn_with(|c| c.reports_per_window = 2).await;
    let body = json!({"category": "noise", "lat": 25.24, "lon": 110.2});
    assert_eq!(app.post("/api/v1/reports", body.clone()).await.0, 201);
    assert_eq!(app.post("/api/v1/reports", body.clone()).await.0, 201);
    let r = app.client.post(app.url("/api/v1/reports")).json(&body).send().await.expect("request");
    assert_eq!(r.status().as_u16(), 429);
    assert!(r.headers().get("retry-after").is_some());
    let answer: Value = r.json().await.expect("json");
    assert!(answer["error"]["message"].as_str().unwrap_or_default().contains("too many reports"), "{answer}");
    // an invalid report does not use up the allowance, and is refused as invalid
    let (status, _) = app.post("/api/v1/reports", json!({"category": "noise", "lat": 95.0, "lon": 110.2})).await;
    assert_eq!(status, 400);
    let (_, list) = app.get("/api/v1/incidents").await;
    assert_eq!(list.as_array().map(Vec::len), Some(2), "nothing beyond the limit was stored");
}
