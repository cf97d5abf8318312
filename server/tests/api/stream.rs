//! The live stream: snapshot first, then sequenced deltas; resume from a
//! sequence number; a fresh snapshot when the epoch is unknown.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{JINSHAN, spawn};

const WAIT: Duration = Duration::from_secs(5);

fn seq(v: &Value) -> u64 {
    v["seq"].as_u64().expect("a sequence number")
}

#[tokio::test]
async fn a_client_gets_a_snapshot_then_sequenced_events() {
    let app = spawn().await;
    let mut ws = app.ws("").await;
    let snap = ws.next_within(WAIT).await.expect("a first message");
    assert_eq!(snap["type"], "snapshot");
    assert!(snap["server_time"].is_string());
    assert!(snap["units"].as_array().map(Vec::len).unwrap_or(0) >= 40);
    let s0 = seq(&snap);

    let created = app.incident("fight", JINSHAN.0, JINSHAN.1).await;
    let ev = ws.wait_for(WAIT, |m| m["type"] == "incident").await.expect("the incident event");
    assert_eq!(ev["incident"]["id"], created["id"]);
    assert!(seq(&ev) > s0);

    let unit = app.unit_by_callsign("JS-P1").await;
    assert_eq!(
        app.post(&format!("/api/v1/incidents/{}/assign", created["id"]), json!({"unit_id": unit["id"]})).await.0,
        200
    );
    let mut seen = vec![];
    let mut last = seq(&ev);
    while seen.len() < 2 {
        let m = ws.next_within(WAIT).await.expect("more events");
        if m["type"] == "heartbeat" {
            assert_eq!(seq(&m), last, "a heartbeat repeats the last number");
            continue;
        }
        assert_eq!(seq(&m), last + 1, "no gaps, no repeats: {m}");
        last = seq(&m);
        if m["type"] == "unit" || m["type"] == "incident" {
            seen.push(m);
        }
    }
    assert_eq!(seen[0]["type"], "unit");
    assert_eq!(seen[0]["unit"]["status"], "dispatched");
    assert_eq!(seen[1]["incident"]["status"], "dispatched");
}

#[tokio::test]
async fn the_stream_carries_no_personal_data() {
    let app = spawn().await;
    let mut ws = app.ws("").await;
    ws.next_within(WAIT).await.expect("snapshot");
    let (s, _) = app
        .post("/api/v1/incidents", json!({"channel": "phone", "category": "theft", "lat": 25.24, "lon": 110.2, "reporter_contact": "13812345678"}))
        .await;
    assert_eq!(s, 201);
    let ev = ws.wait_for(WAIT, |m| m["type"] == "incident").await.expect("the incident");
    assert!(!ev.to_string().contains("13812345678"));
    let mut again = app.ws("").await;
    let snap = again.next_within(WAIT).await.expect("snapshot");
    assert!(!snap.to_string().contains("13812345678"));
}

#[tokio::test]
async fn a_client_that_reconnects_gets_exactly_what_it_missed() {
    let app = spawn().await;
    let mut ws = app.ws("").await;
    let snap = ws.next_within(WAIT).await.expect("snapshot");
    let epoch = snap["epoch"].as_str().expect("an epoch").to_owned();
    let since = seq(&snap);
    drop(ws);
    let a = app.incident("dispute", 25.25, 110.21).await;
    let b = app.incident("parking", 25.23, 110.19).await;
    let mut ws = app.ws(&format!("?since={since}&epoch={epoch}")).await;
    let mut incidents = vec![];
    let mut last = since;
    loop {
        let m = ws.next_within(WAIT).await.expect("the missed events, then a heartbeat");
        assert_ne!(m["type"], "snapshot", "resumed, not restarted");
        if m["type"] == "heartbeat" {
            assert_eq!(seq(&m), last, "the heartbeat says the client is current");
            break;
        }
        assert_eq!(seq(&m), last + 1, "in order, no gap, no duplicate");
        last = seq(&m);
        if m["type"] == "incident" {
            incidents.push(m["incident"]["id"].clone());
        }
    }
    assert_eq!(incidents, [a["id"].clone(), b["id"].clone()]);

    // an unknown epoch (e.g. from before a restart) gets a snapshot
    let mut ws = app.ws(&format!("?since={since}&epoch=not-this-one")).await;
    assert_eq!(ws.next_within(WAIT).await.expect("a message")["type"], "snapshot");
}

#[tokio::test]
async fn heartbeats_keep_coming() {
    let app = spawn().await;
    let mut ws = app.ws("").await;
    ws.next_within(WAIT).await.expect("snapshot");
    let hb = ws.wait_for(WAIT, |m| m["type"] == "heartbeat").await;
    assert!(hb.is_some(), "a heartbeat within 5 s (the test server beats every second)");
}
