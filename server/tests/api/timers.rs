//! Response timers: amber at 80%, red at 100%, each exactly once, as events
//! on the stream; a red arrival timer escalates with the next-best unit;
//! a stopped timer stays quiet; timers resume across a restart. The tests
//! move the server's clock instead of waiting for it.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use server::Config;

use crate::helpers::{JINSHAN, TestApp, spawn_with, start_at, test_config};

/// Dispatch within 60 s, arrival in a core zone within 180 s: amber at 48 s
/// and 144 s, red at 60 s and 180 s.
/// Units' positions stay fresh for the time the tests move through (no
/// tracker reports here).
fn targets(c: &mut Config) {
    c.policy.dispatch_s = 60;
    c.policy.arrival_core_s = 180;
    c.travel.staleness_s = 3600;
}

/// Moves the app's clock to `at_s` seconds after `from`.
fn move_to(app: &TestApp, from: DateTime<Utc>, at_s: i64) {
    let by = from + chrono::Duration::seconds(at_s) - app.clock.now();
    app.clock.advance(by.max(chrono::Duration::zero()));
}

fn time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().expect("a time")).expect("RFC 3339").with_timezone(&Utc)
}

/// Timer and escalation events for `incident`, until `n` have arrived.
async fn alerts_for(ws: &mut crate::helpers::Ws, incident: &Value, n: usize) -> Vec<Value> {
    let mut out = vec![];
    while out.len() < n {
        let m = ws
            .wait_for(Duration::from_secs(8), |m| {
                (m["type"] == "timer" || m["type"] == "escalation") && m["alert"]["incident"] == *incident
            })
            .await
            .unwrap_or_else(|| panic!("alert {} of {n} did not come; got {out:?}", out.len() + 1));
        out.push(m);
    }
    out
}

async fn stored_alerts(app: &TestApp, incident: &Value) -> Vec<(String, String, String)> {
    let (_, list) = app.get("/api/v1/alerts").await;
    let mut v: Vec<(String, String, String)> = list
        .as_array()
        .expect("a list")
        .iter()
        .filter(|a| a["incident"] == *incident)
        .map(|a| {
            (
                a["kind"].as_str().unwrap_or("").into(),
                a["timer"].as_str().unwrap_or("").into(),
                a["level"].as_str().unwrap_or("").into(),
            )
        })
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn timers_turn_amber_then_red_once_and_red_arrival_escalates() {
    let app = spawn_with(targets).await;
    let mut ws = app.ws("").await;
    ws.next_within(Duration::from_secs(5)).await.expect("snapshot");
    let i = app.incident("fight", JINSHAN.0, JINSHAN.1).await;
    let id = i["id"].clone();
    let received = time(&i["received_at"]);
    let s = |a: &str, b: &str, c: &str| (a.to_owned(), b.to_owned(), c.to_owned());
    let mut got = vec![];
    // one step at a time: each moment gives its alerts and nothing else (the
    // quiet steps stay seconds before the next alert: real time runs on too)
    for (at_s, want) in [
        (45, vec![]),
        (48, vec![s("timer", "dispatch", "amber")]),
        (60, vec![s("timer", "dispatch", "red")]),
        (140, vec![]),
        (144, vec![s("timer", "arrival", "amber")]),
        (180, vec![s("timer", "arrival", "red"), s("escalation", "arrival", "red")]),
    ] {
        move_to(&app, received, at_s);
        let alerts = alerts_for(&mut ws, &id, want.len()).await;
        let seen: Vec<_> = alerts
            .iter()
            .map(|m| {
                let a = &m["alert"];
                s(
                    m["type"].as_str().unwrap_or(""),
                    a["timer"].as_str().unwrap_or(""),
                    a["level"].as_str().unwrap_or(""),
                )
            })
            .collect();
        assert_eq!(seen, want, "at {at_s} s");
        // not early: the next heartbeat comes before any further alert
        let m = ws
            .wait_for(Duration::from_secs(5), |m| m["type"] == "heartbeat" || m["alert"]["incident"] == id)
            .await
            .expect("a message");
        assert_eq!(m["type"], "heartbeat", "nothing else due at {at_s} s: {m}");
        for a in &alerts {
            let fired = time(&a["alert"]["at"]);
            let due = received + chrono::Duration::seconds(at_s);
            assert!(fired >= due, "{a} fired early");
            assert!(fired - due < chrono::Duration::seconds(2), "{a} fired late");
        }
        got.extend(alerts);
    }
    // the escalation names the best unit that is free: the post on the square
    assert_eq!(got[4]["alert"]["suggested"]["callsign"], "JS-P1");
    // and nothing more, twenty minutes on (within a session's idle limit)
    move_to(&app, received, 1200);
    for _ in 0..3 {
        let m = ws
            .wait_for(Duration::from_secs(5), |m| m["type"] == "heartbeat" || m["type"] == "timer")
            .await
            .expect("a message");
        assert_eq!(m["type"], "heartbeat", "no second alert: {m}");
    }
    assert_eq!(stored_alerts(&app, &id).await.len(), 5);
}

#[tokio::test]
async fn a_timer_stopped_in_time_stays_quiet() {
    let app = spawn_with(targets).await;
    let mut ws = app.ws("").await;
    ws.next_within(Duration::from_secs(5)).await.expect("snapshot");
    let i = app.incident("fight", JINSHAN.0, JINSHAN.1).await;
    let unit = app.unit_by_callsign("JS-P1").await;
    // dispatched at once: the dispatch timer stops before amber (48 s)
    assert_eq!(app.post(&format!("/api/v1/incidents/{}/assign", i["id"]), json!({"unit_id": unit["id"]})).await.0, 200);
    // a second incident whose dispatch timer does run out
    let other = app.incident("noise", 25.26, 110.22).await;
    move_to(&app, time(&i["received_at"]), 61);
    let got = alerts_for(&mut ws, &other["id"], 2).await;
    assert_eq!(got[1]["alert"]["level"], "red");
    assert!(stored_alerts(&app, &i["id"]).await.is_empty(), "the stopped timer never fired");
}

#[tokio::test]
async fn timers_resume_across_a_restart_and_fire_once() {
    let app = spawn_with(|c| {
        c.policy.dispatch_s = 600;
        c.policy.arrival_core_s = 120;
    })
    .await;
    let i = app.incident("fight", JINSHAN.0, JINSHAN.1).await;
    let deadline = time(&i["arrival_timer"]["deadline"]);
    let clock = app.clock.clone();
    let dir = app.stop().await;
    // down for three minutes while the arrival timer runs out
    clock.advance(chrono::Duration::minutes(3));
    let mut config = test_config(dir.path());
    config.policy.dispatch_s = 600;
    config.policy.arrival_core_s = 120;
    let again = start_at(config.clone(), dir, clock.clone()).await;
    let (_, after) = again.get(&format!("/api/v1/incidents/{}", i["id"])).await;
    assert_eq!(time(&after["arrival_timer"]["deadline"]), deadline, "the stored deadline, not a new one");
    // amber, red and the escalation go out at start-up, once
    let mut want = vec![
        ("escalation".to_owned(), "arrival".to_owned(), "red".to_owned()),
        ("timer".into(), "arrival".into(), "amber".into()),
        ("timer".into(), "arrival".into(), "red".into()),
    ];
    want.sort();
    let mut tries = 0;
    while stored_alerts(&again, &i["id"]).await != want {
        tries += 1;
        assert!(tries < 50, "alerts after restart: {:?}", stored_alerts(&again, &i["id"]).await);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // a second restart fires nothing again
    let dir = again.stop().await;
    let third = start_at(config, dir, clock).await;
    let mut ws = third.ws("").await;
    let snap = ws.next_within(Duration::from_secs(5)).await.expect("snapshot");
    assert!(snap["alerts"].as_array().map(|a| a.len() >= 3).unwrap_or(false), "the snapshot carries today's alerts");
    for _ in 0..2 {
        let m = ws
            .wait_for(Duration::from_secs(5), |m| m["type"] == "heartbeat" || m["type"] == "timer")
            .await
            .expect("a message");
        assert_eq!(m["type"], "heartbeat", "nothing fires twice: {m}");
    }
    assert_eq!(stored_alerts(&third, &i["id"]).await, want);
}
