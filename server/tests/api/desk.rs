//! The chat-group steward desk: intake (idempotent, validated, bounded),
//! replies stored and delivered to the group's webhook (a real HTTP server
//! started here, failing on demand), two stewards racing, a message turned
//! into an incident, consultations and not police business, the loop closed
//! after the incident is resolved, the review's desk figures, and the page
//! (resident text escaped, plain forms without JavaScript).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use domain::access::Role;

use crate::helpers::{Session, TestApp, by_sorting, spawn, spawn_with};

/// A chat steward's account, logged in.
async fn steward(app: &TestApp, name: &str) -> Session {
    app.login(name, Role::Steward, None, None).await
}

const GROUP: &str = "jsl-shops-01";
const PHONE: &str = "13977301234";

fn chat(message_id: &str, text: &str) -> Value {
    json!({
        "group_id": GROUP, "group_name": "金水路商户群", "message_id": message_id,
        "sender_name": "张老板", "sender_phone": PHONE,
        "text": text, "lat": 25.2566, "lon": 110.2001,
        "sent_at": Utc::now().to_rfc3339()
    })
}

async fn message(app: &TestApp, message_id: &str, text: &str) -> i64 {
    let (s, body) = app.post("/api/v1/chat/messages", chat(message_id, text)).await;
    assert_eq!(s, 201, "{body}");
    body["id"].as_i64().expect("an id")
}

/// What the webhook got: the idempotency key and the JSON body.
type Received = (Option<String>, Value);

/// A chat platform's webhook: records every POST; fails the first
/// `fail_first` with 500 (or every one, with `usize::MAX`).
#[derive(Clone, Default)]
struct Hook {
    got: Arc<Mutex<Vec<Received>>>,
    fail_first: Arc<AtomicUsize>,
}

impl Hook {
    fn received(&self) -> Vec<Received> {
        self.got.lock().expect("lock").clone()
    }
}

async fn receive(State(hook): State<Hook>, headers: HeaderMap, body: axum::Json<Value>) -> StatusCode {
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_owned);
    hook.got.lock().expect("lock").push((key, body.0));
    let left = hook.fail_first.load(Ordering::SeqCst);
    if left > 0 {
        hook.fail_first.store(left.saturating_sub(1), Ordering::SeqCst);
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    StatusCode::OK
}

async fn hook_server(fail_first: usize) -> (String, Hook) {
    let hook = Hook { fail_first: Arc::new(AtomicUsize::new(fail_first)), ..Hook::default() };
    let router = axum::Router::new().route("/hook", axum::routing::post(receive)).with_state(hook.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (format!("http://{addr}/hook"), hook)
}

/// A desk whose group GROUP replies to `url`, retrying fast.
async fn desk_with_hook(url: &str, max_attempts: u32) -> TestApp {
    let url = url.to_owned();
    spawn_with(move |c| {
        c.desk.webhooks.insert(GROUP.to_owned(), url);
        c.desk.retry_base_ms = 50;
        c.desk.max_attempts = max_attempts;
    })
    .await
}

/// Waits (at most 10 s) until the message's replies all reach a final
/// delivery state; returns the message's detail.
async fn settled(app: &TestApp, id: i64) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (s, d) = app.get(&format!("/api/v1/chat/messages/{id}")).await;
        assert_eq!(s, 200, "{d}");
        let pending = d["replies"].as_array().expect("replies").iter().any(|r| r["delivery"] == "pending");
        if !pending {
            return d;
        }
        assert!(tokio::time::Instant::now() < deadline, "replies still pending: {d}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn local_today() -> String {
    (Utc::now() + chrono::Duration::hours(8)).date_naive().to_string()
}

fn error_message(body: &Value) -> String {
    body["error"]["message"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn desk_intake_is_idempotent_validated_and_bounded() {
    let app = spawn().await;
    let id = message(&app, "m-1", "@临桂公安 店门口两个人吵架了").await;
    // the bridge retries: same message, no second row
    let (s, again) = app.post("/api/v1/chat/messages", chat("m-1", "@临桂公安 店门口两个人吵架了")).await;
    assert_eq!((s, again["id"].as_i64()), (200, Some(id)));
    // convert, then the bridge retries again: still one message, one incident
    let (s, conv) = app.post(&format!("/api/v1/chat/messages/{id}/incident"), json!({"steward": "王五"})).await;
    assert_eq!(s, 201, "{conv}");
    let (s, again) = app.post("/api/v1/chat/messages", chat("m-1", "@临桂公安 店门口两个人吵架了")).await;
    assert_eq!((s, again["incident"].clone()), (200, conv["incident"]["id"].clone()));
    let (_, list) = app.get("/api/v1/chat/messages").await;
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    let (_, incidents) = app.get("/api/v1/incidents").await;
    assert_eq!(incidents.as_array().map(Vec::len), Some(1), "no second incident");

    // too large: refused before parsing, saying so
    let big = json!({"group_id": GROUP, "message_id": "m-big", "sender_name": "x", "text": "很".repeat(40_000), "sent_at": Utc::now().to_rfc3339()});
    let (s, body) = app.post_raw("/api/v1/chat/messages", "application/json", body_bytes(&big)).await;
    assert_eq!(s, 413, "{body}");
    assert!(error_message(&body).contains("too large"), "{body}");
    // not JSON, not an object, unknown fields, a bad id
    let (s, body) = app.post_raw("/api/v1/chat/messages", "application/json", "{\"group_id\": ").await;
    assert_eq!(s, 400, "{body}");
    let (s, _) = app.post_raw("/api/v1/chat/messages", "text/plain", "hello").await;
    assert_eq!(s, 415);
    let mut unknown = chat("m-2", "x");
    unknown["colour"] = json!("red");
    let (s, body) = app.post("/api/v1/chat/messages", unknown).await;
    assert_eq!(s, 400);
    assert!(error_message(&body).contains("unknown field `colour`"), "{body}");
    let (s, body) = app.post("/api/v1/chat/messages", chat("has space", "x")).await;
    assert_eq!(s, 400);
    assert!(error_message(&body).starts_with("message_id must be"), "{body}");
    let (_, list) = app.get("/api/v1/chat/messages").await;
    assert_eq!(list.as_array().map(Vec::len), Some(1), "nothing refused was stored");
    // desk actions check their input too
    let (s, body) = app.post(&format!("/api/v1/chat/messages/{id}/reply"), json!({"text": " "})).await;
    assert_eq!((s, error_message(&body)), (400, "text is required".to_owned()));
    let (s, _) = app.post("/api/v1/chat/messages/999/reply", json!({"text": "好"})).await;
    assert_eq!(s, 404);
    let (s, _) = app.get("/api/v1/chat/messages/abc").await;
    assert_eq!(s, 400);
}

fn body_bytes(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).expect("json")
}

#[tokio::test]
async fn desk_reply_is_stored_answered_and_delivered_to_the_group_webhook() {
    let (url, hook) = hook_server(0).await;
    let app = desk_with_hook(&url, 8).await;
    let mut ws = app.ws("").await;
    ws.next_within(Duration::from_secs(5)).await.expect("snapshot");
    let id = message(&app, "m-10", "请问办理居住证去哪里？").await;
    let wang = steward(&app, "wang-wu").await;
    // a name in the body is not who answers: the logged-in steward is
    let (s, m) = wang
        .post(
            &format!("/api/v1/chat/messages/{id}/reply"),
            json!({"steward": "Chief Wang", "text": "请到金水路警务站办理。"}),
        )
        .await;
    assert_eq!(s, 201, "{m}");
    assert_eq!(m["disposition"], "replied");
    assert_eq!(m["answered_by"], "wang-wu");
    let replied: DateTime<Utc> = m["first_reply_at"].as_str().and_then(|s| s.parse().ok()).expect("first_reply_at");
    let received: DateTime<Utc> = m["received_at"].as_str().and_then(|s| s.parse().ok()).expect("received_at");
    assert!(replied >= received);
    // the desk sees it answered, live
    let ev = ws
        .wait_for(Duration::from_secs(5), |e| e["type"] == "chat" && e["message"]["first_reply_at"].is_string())
        .await
        .expect("a chat event for the answer");
    assert_eq!(ev["message"]["id"], id);
    assert!(!ev.to_string().contains(PHONE), "the phone stays off the stream");

    let d = settled(&app, id).await;
    let r = &d["replies"][0];
    assert_eq!(
        (r["delivery"].as_str(), r["attempts"].as_i64(), r["kind"].as_str()),
        (Some("delivered"), Some(1), Some("answer"))
    );
    assert_eq!(r["text"], "请到金水路警务站办理。");
    assert_eq!(d["sender_phone"], PHONE, "the desk may see the phone");
    let got = hook.received();
    assert_eq!(got.len(), 1, "delivered once");
    assert_eq!(got[0].0.as_deref(), Some(format!("reply-{}", r["id"]).as_str()));
    assert_eq!(got[0].1["text"], "请到金水路警务站办理。");
    assert_eq!(got[0].1["reply_to"], "m-10");
    assert_eq!(got[0].1["group_id"], GROUP);
    // answered messages leave the unanswered queue
    let (_, queue) = app.get("/api/v1/chat/messages?unanswered=true").await;
    assert_eq!(queue.as_array().map(Vec::len), Some(0));
}

#[tokio::test]
async fn desk_webhook_failures_are_retried_then_given_up_and_recorded() {
    // fails twice, then takes it
    let (url, hook) = hook_server(2).await;
    let app = desk_with_hook(&url, 8).await;
    let id = message(&app, "m-20", "小区门口乱停车").await;
    let (s, _) =
        app.post(&format!("/api/v1/chat/messages/{id}/reply"), json!({"steward": "李四", "text": "已通知物业"})).await;
    assert_eq!(s, 201);
    let d = settled(&app, id).await;
    assert_eq!(
        (d["replies"][0]["delivery"].as_str(), d["replies"][0]["attempts"].as_i64()),
        (Some("delivered"), Some(3))
    );
    assert_eq!(hook.received().len(), 3);
    let keys: Vec<_> = hook.received().into_iter().map(|(k, _)| k).collect();
    assert!(keys.windows(2).all(|w| w[0] == w[1]), "every retry carries the same idempotency key");

    // a platform that never answers well: given up after max_attempts, with the reason
    let (url, hook) = hook_server(usize::MAX).await;
    let app = desk_with_hook(&url, 2).await;
    let id = message(&app, "m-21", "请问").await;
    let (s, _) =
        app.post(&format!("/api/v1/chat/messages/{id}/reply"), json!({"steward": "李四", "text": "您好"})).await;
    assert_eq!(s, 201, "the steward's answer never waits for the platform");
    let d = settled(&app, id).await;
    let r = &d["replies"][0];
    assert_eq!((r["delivery"].as_str(), r["attempts"].as_i64()), (Some("failed"), Some(2)));
    assert_eq!(r["last_error"], "HTTP 500");
    assert_eq!(hook.received().len(), 2);

    // a dead address: the answer is still stored at once
    let app = desk_with_hook("http://127.0.0.1:9/hook", 1).await;
    let id = message(&app, "m-22", "请问").await;
    let (s, m) =
        app.post(&format!("/api/v1/chat/messages/{id}/reply"), json!({"steward": "李四", "text": "您好"})).await;
    assert_eq!(s, 201, "{m}");
    let d = settled(&app, id).await;
    assert_eq!(d["replies"][0]["delivery"], "failed");
    assert_eq!(d["replies"][0]["last_error"], "cannot connect");
}

#[tokio::test]
async fn desk_two_stewards_racing_only_one_answers() {
    let (url, hook) = hook_server(0).await;
    let app = desk_with_hook(&url, 8).await;
    let id = message(&app, "m-30", "有人晕倒了").await;
    let path = format!("/api/v1/chat/messages/{id}/reply");
    let (wang, zhao, sun) =
        (steward(&app, "wang-wu").await, steward(&app, "zhao-liu").await, steward(&app, "sun-qi").await);
    let (a, b) =
        tokio::join!(wang.post(&path, json!({"text": "马上派人"})), zhao.post(&path, json!({"text": "收到"})),);
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(statuses, [201, 409], "{} {}", a.1, b.1);
    let (winner, loser) = if a.0 == 201 { (a.1, b.1) } else { (b.1, a.1) };
    let who = winner["answered_by"].as_str().expect("a name").to_owned();
    assert!(who == "wang-wu" || who == "zhao-liu", "{who}");
    let msg = error_message(&loser);
    assert!(msg.contains(&format!("already answered by {who} at ")), "{msg}");
    // the other answers are refused the same way, naming the first
    for (path, body) in [
        (format!("/api/v1/chat/messages/{id}/answer"), json!({"disposition": "consultation"})),
        (format!("/api/v1/chat/messages/{id}/reply"), json!({"text": "又一条"})),
    ] {
        let (s, body) = sun.post(&path, body).await;
        assert_eq!(s, 409, "{body}");
        assert!(error_message(&body).contains(&who), "{body}");
    }
    let d = settled(&app, id).await;
    assert_eq!(d["replies"].as_array().map(Vec::len), Some(1), "nothing double-sent");
    assert_eq!(hook.received().len(), 1);

    // two stewards converting the same message: one incident
    let id = message(&app, "m-31", "市场里有人打架").await;
    let path = format!("/api/v1/chat/messages/{id}/incident");
    let (a, b) = tokio::join!(wang.post(&path, json!({})), zhao.post(&path, json!({})));
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(statuses, [201, 409], "{} {}", a.1, b.1);
    let (_, incidents) = app.get("/api/v1/incidents").await;
    assert_eq!(incidents.as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn desk_convert_makes_a_linked_chat_incident_with_the_triage_category() {
    let app = spawn().await;
    let mut ws = app.ws("").await;
    ws.next_within(Duration::from_secs(5)).await.expect("snapshot");
    let id = message(&app, "m-40", "@临桂公安 店门口两个人吵架了").await;
    let (s, detail) = app.get(&format!("/api/v1/chat/messages/{id}")).await;
    assert_eq!(s, 200);
    assert_eq!(detail["proposal"]["category"], "dispute");
    assert_eq!(detail["proposal"]["keyword"], "吵架");
    let (s, body) = app
        .post(&format!("/api/v1/chat/messages/{id}/incident"), json!({"steward": "王五", "reply": "收到，民警马上到"}))
        .await;
    assert_eq!(s, 201, "{body}");
    let incident = &body["incident"];
    assert_eq!((incident["channel"].as_str(), incident["category"].as_str()), (Some("chat"), Some("dispute")));
    assert_eq!(incident["priority"], 2);
    assert_eq!((incident["lat"].as_f64(), incident["lon"].as_f64()), (Some(25.2566), Some(110.2001)));
    assert_eq!(body["message"]["incident"], incident["id"]);
    assert_eq!(body["message"]["disposition"], "incident");
    assert!(body["message"]["first_reply_at"].is_string(), "the reply sent with it answers the message");
    // the incident is live like any other: on the stream, in the list, on the console
    ws.wait_for(Duration::from_secs(5), |e| e["type"] == "incident" && e["incident"]["id"] == incident["id"])
        .await
        .expect("the incident on the stream");
    let (_, one) = app.get(&format!("/api/v1/incidents/{}", incident["id"])).await;
    assert_eq!(one["reporter_contact"], PHONE, "the dispatcher can call back");
    assert_eq!(one["description"], "@临桂公安 店门口两个人吵架了");
    let (_, html) = app.html(&format!("/dispatch?incident={}", incident["id"])).await;
    assert!(html.contains(&format!("data-incident-id=\"{}\"", incident["id"])));
    // a second conversion is refused
    let (s, body) = app.post(&format!("/api/v1/chat/messages/{id}/incident"), json!({"steward": "赵六"})).await;
    assert_eq!(s, 409, "{body}");
    assert!(error_message(&body).contains(&format!("already incident {}", incident["id"])), "{body}");

    // the steward overrides the proposal and the message has no location
    let mut no_loc = chat("m-41", "电动车被偷了");
    no_loc.as_object_mut().expect("object").remove("lat");
    no_loc.as_object_mut().expect("object").remove("lon");
    let (_, m) = app.post("/api/v1/chat/messages", no_loc).await;
    let id = m["id"].as_i64().expect("id");
    let (s, body) = app.post(&format!("/api/v1/chat/messages/{id}/incident"), json!({"steward": "王五"})).await;
    assert_eq!(s, 400);
    assert!(error_message(&body).contains("no location"), "{body}");
    let (s, body) = app
        .post(
            &format!("/api/v1/chat/messages/{id}/incident"),
            json!({"steward": "王五", "category": "fraud", "priority": 1, "lat": 25.248, "lon": 110.208, "address": "金山广场"}),
        )
        .await;
    assert_eq!(s, 201, "{body}");
    assert_eq!(
        (body["incident"]["category"].as_str(), body["incident"]["priority"].as_i64()),
        (Some("fraud"), Some(1))
    );
    assert!(body["message"]["first_reply_at"].is_null(), "no reply was sent with it");
    let (s, body) = app
        .post(&format!("/api/v1/chat/messages/{id}/incident"), json!({"steward": "王五", "category": "robbery"}))
        .await;
    assert!(s == 400 || s == 409, "{body}");
}

#[tokio::test]
async fn desk_consultation_and_not_police_count_as_answered() {
    let app = spawn().await;
    let a = message(&app, "m-50", "请问身份证丢了怎么补办").await;
    let b = message(&app, "m-51", "楼上装修太吵").await;
    let (s, m) = app
        .post(
            &format!("/api/v1/chat/messages/{a}/answer"),
            json!({"steward": "王五", "disposition": "consultation", "text": "带户口本到派出所办理"}),
        )
        .await;
    assert_eq!(s, 201, "{m}");
    assert_eq!((m["disposition"].as_str(), m["first_reply_at"].is_string()), (Some("consultation"), true));
    let (s, m) = app
        .post(&format!("/api/v1/chat/messages/{b}/answer"), json!({"steward": "王五", "disposition": "not_police"}))
        .await;
    assert_eq!(s, 201, "{m}");
    assert_eq!(m["disposition"], "not_police");
    let (_, d) = app.get(&format!("/api/v1/chat/messages/{b}")).await;
    assert_eq!(d["replies"], json!([]), "no text, nothing sent");
    assert_eq!(d["has_webhook"], false);
    let (_, d) = app.get(&format!("/api/v1/chat/messages/{a}")).await;
    assert_eq!(d["replies"][0]["delivery"], "no_webhook", "kept on the desk when the group has no webhook");
    // neither can become an incident now, and a bad disposition is named
    let (s, _) = app.post(&format!("/api/v1/chat/messages/{b}/incident"), json!({"steward": "赵六"})).await;
    assert_eq!(s, 409);
    let c = message(&app, "m-52", "x").await;
    let (s, body) = app
        .post(&format!("/api/v1/chat/messages/{c}/answer"), json!({"steward": "王五", "disposition": "maybe"}))
        .await;
    assert_eq!(s, 400);
    assert!(error_message(&body).contains("unknown disposition \"maybe\""), "{body}");
    let (_, queue) = app.get("/api/v1/chat/messages?unanswered=true").await;
    let ids: Vec<i64> = queue.as_array().expect("list").iter().filter_map(|m| m["id"].as_i64()).collect();
    assert_eq!(ids, [c]);
}

#[tokio::test]
async fn desk_loop_closes_after_the_incident_is_resolved() {
    let (url, hook) = hook_server(0).await;
    let app = desk_with_hook(&url, 8).await;
    let mut ws = app.ws("").await;
    ws.next_within(Duration::from_secs(5)).await.expect("snapshot");
    let id = message(&app, "m-60", "有个老人走失了，穿蓝衣服").await;
    let (wang, zhao) = (steward(&app, "wang-wu").await, steward(&app, "zhao-liu").await);
    let (s, body) = wang.post(&format!("/api/v1/chat/messages/{id}/incident"), json!({})).await;
    assert_eq!(s, 201, "{body}");
    assert_eq!(body["incident"]["category"], "lost_person");
    let incident = body["incident"]["id"].clone();
    let close = format!("/api/v1/chat/messages/{id}/close");
    let (s, early) = wang.post(&close, json!({})).await;
    assert_eq!(s, 409, "not before the incident is resolved");
    assert!(error_message(&early).contains("once it is resolved"), "{early}");

    let unit = app.unit_by_callsign("JS-P1").await;
    let (s, _) = app.post(&format!("/api/v1/incidents/{incident}/assign"), json!({"unit_id": unit["id"]})).await;
    assert_eq!(s, 200);
    let (s, _) = app.post(&format!("/api/v1/incidents/{incident}/status"), json!({"status": "resolved"})).await;
    assert_eq!(s, 200);
    // the desk hears it: the message now shows its incident resolved
    let ev = ws
        .wait_for(Duration::from_secs(5), |e| e["type"] == "chat" && e["message"]["incident_status"] == "resolved")
        .await
        .expect("a chat event for the resolved incident");
    assert_eq!(ev["message"]["id"], id);
    let (_, html) = wang.html(&format!("/desk?message={id}")).await;
    assert!(html.contains("class=\"close-loop\""), "the closing reply is offered");
    assert!(html.contains("已处理，谢谢。"));

    let (s, m) = wang.post(&close, json!({})).await;
    assert_eq!(s, 201, "{m}");
    assert!(m["loop_closed_at"].is_string());
    let (s, again) = zhao.post(&close, json!({})).await;
    assert_eq!(s, 409);
    assert!(error_message(&again).contains("already closed by wang-wu"), "{again}");
    let d = settled(&app, id).await;
    let kinds: Vec<_> = d["replies"].as_array().expect("replies").iter().map(|r| r["kind"].clone()).collect();
    assert_eq!(kinds, [json!("closing")], "one closing reply (no reply was sent with the conversion)");
    assert_eq!(d["replies"][0]["text"], "已处理，谢谢。");
    assert_eq!(d["replies"][0]["delivery"], "delivered");
    assert_eq!(hook.received().last().map(|(_, b)| b["kind"].clone()), Some(json!("closing")));
    let (_, html) = app.html(&format!("/desk?message={id}")).await;
    assert!(!html.contains("class=\"close-loop\""), "offered once");
    assert!(html.contains("已闭环"));
}

#[tokio::test]
async fn desk_review_counts_the_period() {
    let app = spawn().await;
    let mut ids = vec![];
    for (i, text) in ["请问", "吵架了", "打架了", "太吵", "乱停车", "没人理"].iter().enumerate() {
        ids.push(message(&app, &format!("m-7{i}"), text).await);
    }
    let post = |path: String, body: Value| {
        let app = &app;
        async move {
            let (s, b) = app.post(&path, body).await;
            assert_eq!(s, 201, "{b}");
            b
        }
    };
    post(format!("/api/v1/chat/messages/{}/answer", ids[0]), json!({"steward": "a", "disposition": "consultation"}))
        .await;
    let conv =
        post(format!("/api/v1/chat/messages/{}/incident", ids[1]), json!({"steward": "a", "reply": "收到"})).await;
    post(format!("/api/v1/chat/messages/{}/incident", ids[2]), json!({"steward": "a"})).await;
    post(format!("/api/v1/chat/messages/{}/answer", ids[3]), json!({"steward": "a", "disposition": "not_police"}))
        .await;
    post(format!("/api/v1/chat/messages/{}/reply", ids[4]), json!({"steward": "a", "text": "好"})).await;
    let incident = &conv["incident"]["id"];
    let unit = app.unit_by_callsign("JS-P1").await;
    assert_eq!(app.post(&format!("/api/v1/incidents/{incident}/assign"), json!({"unit_id": unit["id"]})).await.0, 200);
    assert_eq!(app.post(&format!("/api/v1/incidents/{incident}/status"), json!({"status": "resolved"})).await.0, 200);
    post(format!("/api/v1/chat/messages/{}/close", ids[1]), json!({"steward": "a"})).await;

    // expected figures, from the messages as the API lists them
    let (_, list) = app.get("/api/v1/chat/messages").await;
    let secs: Vec<i64> = list
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|m| {
            let r: DateTime<Utc> = m["received_at"].as_str()?.parse().ok()?;
            let f: DateTime<Utc> = m["first_reply_at"].as_str()?.parse().ok()?;
            Some((f - r).num_milliseconds() / 1000)
        })
        .collect();
    assert_eq!(secs.len(), 4, "consultation, convert with a reply, not police, reply");
    let today = local_today();
    let (s, f) = app.get(&format!("/api/v1/review/desk?from={today}&to={today}")).await;
    assert_eq!(s, 200, "{f}");
    assert_eq!(f["received"], 6);
    assert_eq!(f["answered"], 4);
    assert_eq!(f["first_reply_median_s"], by_sorting(secs.clone(), 50));
    assert_eq!(f["first_reply_p90_s"], by_sorting(secs.clone(), 90));
    assert_eq!(f["within_target"], secs.iter().filter(|s| **s <= 60).count());
    assert_eq!(f["within_target_share"].as_f64(), Some(4.0 / 6.0));
    assert_eq!((f["incidents"].as_i64(), f["consultations"].as_i64()), (Some(2), Some(1)));
    assert_eq!((f["not_police"].as_i64(), f["loops_closed"].as_i64()), (Some(1), Some(1)));
    assert_eq!(f["target_s"], 60);
    // another period holds none of them; bad dates are named
    let (_, f) = app.get("/api/v1/review/desk?from=2025-01-01&to=2025-01-31").await;
    assert_eq!((f["received"].as_i64(), f["first_reply_median_s"].clone()), (Some(0), Value::Null));
    let (s, body) = app.get("/api/v1/review/desk?from=yesterday").await;
    assert_eq!(s, 400);
    assert!(error_message(&body).starts_with("from must be a date"), "{body}");
    // and the review page shows the desk's section
    let (s, html) = app.html(&format!("/review?from={today}&to={today}")).await;
    assert_eq!(s, 200);
    assert!(html.contains("class=\"desk-review"), "the review has a desk section");
}

#[tokio::test]
async fn desk_page_escapes_resident_text_and_keeps_the_phone_off_public_pages() {
    let app = spawn().await;
    // also a text that tries to leave a form field
    let id = message(&app, "m-80", "<script>alert(1)</script> 门口有人吵架 </textarea><b>x</b>").await;
    let (s, html) = app.html(&format!("/desk?message={id}")).await;
    assert_eq!(s, 200);
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "shown as text");
    assert!(!html.contains("<b>x</b>"), "no markup from a resident");
    if let Some(at) = html.find("<script>alert(1)") {
        let from = html.floor_char_boundary(at.saturating_sub(300));
        panic!("never as markup: ...{}", &html[from..(at + 60).min(html.len())]);
    }
    assert!(html.contains("class=\"reply-timer"), "each message has its reply timer");
    assert!(html.contains(&format!("data-message-id=\"{id}\"")));
    assert!(html.contains(PHONE), "the desk shows the phone of the selected message");
    assert!(html.contains("data-category=\"dispute\""), "with the triage proposal");
    for page in ["/screen", "/dispatch"] {
        let (_, html) = app.html(page).await;
        assert!(!html.contains(PHONE), "{page} never shows a sender's phone");
    }
    let (_, html) = app.html("/desk?lang=en").await;
    assert!(html.contains("Chat-group desk") && html.contains("Waiting for a reply"));
    let (_, doc) = app.get("/api/v1/openapi.json").await;
    for p in [
        "/chat/messages/{id}",
        "/chat/messages/{id}/reply",
        "/chat/messages/{id}/answer",
        "/chat/messages/{id}/incident",
        "/chat/messages/{id}/close",
        "/review/desk",
    ] {
        assert!(doc["paths"].get(p).is_some(), "{p} is documented");
    }
}

#[tokio::test]
async fn desk_forms_work_without_javascript_and_explain_a_conflict() {
    let app = spawn().await;
    let id = message(&app, "m-90", "我的电瓶被偷了").await;
    let (wang, zhao) = (steward(&app, "wang-wu").await, steward(&app, "zhao-liu").await);
    let from = format!("/desk?message={id}");
    let ids = id.to_string();
    let (s, to) = wang
        .post_form("/sf/desk_answer", &[("id", &ids), ("disposition", "replied"), ("text", "请留在原地")], &from)
        .await;
    assert!(matches!(s, 302 | 303), "{s}");
    assert!(!to.contains("__err"), "{to}");
    // a second steward with an old page
    let (_, to) =
        zhao.post_form("/sf/desk_answer", &[("id", &ids), ("disposition", "replied"), ("text", "好")], &from).await;
    assert!(to.contains("__err="), "{to}");
    let (s, html) = zhao.html(&to).await;
    assert_eq!(s, 200);
    assert!(html.contains("data-conflict=\"true\""), "the conflict is explained");
    assert!(html.contains("already answered by wang-wu"));
    // convert from the page's form, with a known place
    let (s, to) = wang
        .post_form(
            "/sf/desk_convert",
            &[
                ("id", &ids),
                ("form[category]", "theft"),
                ("form[priority]", ""),
                ("form[lat]", ""),
                ("form[lon]", ""),
                ("form[place]", "25.248000,110.208000"),
                ("form[address]", "金山广场"),
                ("form[description]", "电瓶被盗"),
                ("form[reply]", ""),
            ],
            &from,
        )
        .await;
    assert!(matches!(s, 302 | 303));
    assert!(!to.contains("__err"), "{to}");
    let (_, d) = app.get(&format!("/api/v1/chat/messages/{id}")).await;
    let incident = d["message"]["incident"].clone();
    let (_, i) = app.get(&format!("/api/v1/incidents/{incident}")).await;
    assert_eq!(
        (i["category"].as_str(), i["lat"].as_f64(), i["channel"].as_str()),
        (Some("theft"), Some(25.248), Some("chat"))
    );
    assert_eq!(i["timeline"][0]["actor"], "desk:wang-wu", "the steward is the actor in the log");
}

#[tokio::test]
async fn desk_reply_timer_turns_amber_then_red_as_alerts_unless_answered() {
    // a 5-minute target: amber at 4 min, red at 5 min (the test moves the clock)
    let app = spawn_with(|c| c.policy.chat_reply_s = 300).await;
    let mut ws = app.ws("").await;
    ws.next_within(Duration::from_secs(5)).await.expect("snapshot");
    let answered = message(&app, "m-100", "请问").await;
    let (s, _) =
        app.post(&format!("/api/v1/chat/messages/{answered}/reply"), json!({"steward": "王五", "text": "您好"})).await;
    assert_eq!(s, 201);
    let waiting = message(&app, "m-101", "有人打架").await;
    let is = |level: &'static str| {
        move |e: &Value| e["type"] == "timer" && e["alert"]["timer"] == "chat_reply" && e["alert"]["level"] == level
    };
    app.clock.advance(chrono::Duration::seconds(241));
    let amber = ws.wait_for(Duration::from_secs(10), is("amber")).await.expect("an amber chat reply alert");
    assert_eq!(amber["alert"]["chat_message"], waiting);
    assert!(amber["alert"]["incident"].is_null());
    app.clock.advance(chrono::Duration::seconds(60));
    let red = ws.wait_for(Duration::from_secs(10), is("red")).await.expect("a red chat reply alert");
    assert_eq!(red["alert"]["chat_message"], waiting);
    // the answered one (received earlier, so past its deadline too) never alerted
    let (_, alerts) = app.get("/api/v1/alerts").await;
    let about: Vec<Value> = alerts.as_array().expect("alerts").iter().map(|a| a["chat_message"].clone()).collect();
    assert_eq!(about, [json!(waiting), json!(waiting)], "red and amber for the waiting message only: {alerts}");
    // the red breach is on the wall screen's ticker, server-rendered
    let (_, html) = app.html("/screen").await;
    assert!(html.contains(&format!("data-chat-message-id=\"{waiting}\"")), "on the ticker");
}
