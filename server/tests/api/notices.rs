//! Safety notices end to end: the calendar's drafts, a chief scheduling
//! one, the publisher sending it at its time to the station's chat groups
//! (a real webhook started here), the public page and the CAP 1.2 feed
//! (every document validated against the OASIS schema), an update and a
//! cancel with their references, the review's count; a chief held to their
//! station; bad input refused with nothing stored; the page's plain forms.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chrono::{Datelike, FixedOffset, Utc};
use serde_json::{Value, json};

use domain::access::Role;

use crate::common::{validate_cap, well_formed};
use crate::helpers::{Session, TestApp, spawn_with};

const HOOKED: &str = "jsl-shops-01";
const UNHOOKED: &str = "jsl-community-02";
/// Inside Jinshuilu's (JSL) area.
const IN_JSL: (f64, f64) = (25.2566, 110.2101);

type Received = (Option<String>, Value);

#[derive(Clone, Default)]
struct Hook {
    got: Arc<Mutex<Vec<Received>>>,
}

async fn receive(State(hook): State<Hook>, headers: HeaderMap, body: axum::Json<Value>) -> StatusCode {
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_owned);
    hook.got.lock().expect("lock").push((key, body.0));
    StatusCode::OK
}

async fn hook_server() -> (String, Hook) {
    let hook = Hook::default();
    let router = axum::Router::new().route("/hook", axum::routing::post(receive)).with_state(hook.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (format!("http://{addr}/hook"), hook)
}

/// A server whose station JSL has two chat groups, one with a webhook.
async fn with_groups(url: &str) -> TestApp {
    let url = url.to_owned();
    spawn_with(move |c| {
        c.desk.webhooks.insert(HOOKED.to_owned(), url);
        c.desk.retry_base_ms = 50;
        c.notices.groups.insert("JSL".into(), vec![HOOKED.into(), UNHOOKED.into()]);
    })
    .await
}

/// Waits (at most 10 s) until `done` holds for the notice's detail.
async fn notice_until(who: &Session, id: i64, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (s, n) = who.get(&format!("/api/v1/notices/{id}")).await;
        assert_eq!(s, 200, "{n}");
        if done(&n) {
            return n;
        }
        assert!(tokio::time::Instant::now() < deadline, "waited 10 s for {what}: {n}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn settled(n: &Value) -> bool {
    n["deliveries"].as_array().is_some_and(|d| d.iter().all(|x| x["delivery"] != "pending"))
}

fn east8() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("valid")
}

/// A CAP document, as anyone fetches it.
async fn cap(app: &TestApp, path: &str) -> String {
    let (s, xml) = app.anonymous().html(path).await;
    assert_eq!(s, 200, "{path}: {xml}");
    if let Err(e) = validate_cap(&xml) {
        panic!("{path} is not valid CAP 1.2:\n{e}\n{xml}");
    }
    xml
}

#[tokio::test]
async fn a_chief_schedules_a_calendar_draft_and_it_reaches_the_groups_the_page_and_the_feed() {
    let (url, hook) = hook_server().await;
    let app = with_groups(&url).await;
    let chief = app.login("chief-jsl", Role::Chief, Some("JSL"), None).await;

    // the publisher made this month's calendar drafts for every station at start-up
    let month = domain::time::Month::of(domain::time::LocalClock::new(480), Utc::now());
    let calendar = domain::notice::Calendar::parse(server::config::DEMO_CALENDAR).expect("the bundled calendar");
    let expected = calendar.for_month(month.month).len();
    assert!(expected > 0, "the bundled calendar has {}'s themes", month.month);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let drafts = loop {
        let (s, list) = chief.get("/api/v1/notices").await;
        assert_eq!(s, 200, "{list}");
        let drafts: Vec<Value> = list
            .as_array()
            .expect("a list")
            .iter()
            .filter(|n| n["calendar_key"].is_string() && n["status"] == "draft")
            .cloned()
            .collect();
        if drafts.len() == expected {
            break drafts;
        }
        assert!(tokio::time::Instant::now() < deadline, "the month's drafts: {list}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    };
    assert!(drafts.iter().all(|d| d["station"] == "JSL" && d["stations"] == json!(["JSL"])), "a chief sees their own");
    assert_eq!(
        drafts.iter().map(|d| d["calendar_month"].as_str().unwrap_or("")).collect::<Vec<_>>(),
        vec![month.to_string(); expected]
    );
    // asked for by hand: another month's are made once, for the chief's station only
    let (s, made) = chief.post("/api/v1/notices/calendar", json!({"month": "2027-06"})).await;
    assert_eq!(s, 201, "{made}");
    assert_eq!(made["made"].as_array().map(Vec::len), Some(calendar.for_month(6).len()));
    assert!(made["made"].as_array().expect("made").iter().all(|n| n["station"] == "JSL"));
    let (_, again) = chief.post("/api/v1/notices/calendar", json!({"month": "2027-06"})).await;
    assert_eq!(again["made"], json!([]), "once per station, template and month");

    // nothing is public yet
    let draft = &drafts[0];
    let id = draft["id"].as_i64().expect("an id");
    let title = draft["title_zh"].as_str().expect("a title").to_owned();
    let (_, page) = app.anonymous().html("/notices?station=JSL").await;
    assert!(!page.contains(&title), "a draft is not public");
    // scheduled a second from now: published by the publisher, then delivered
    let at = (Utc::now() + chrono::Duration::seconds(1)).to_rfc3339();
    let (s, n) = chief.post(&format!("/api/v1/notices/{id}/schedule"), json!({"publish_at": at})).await;
    assert_eq!(s, 200, "{n}");
    assert_eq!(n["status"], "scheduled");
    let (_, page) = app.anonymous().html("/notices?station=JSL").await;
    assert!(!page.contains(&title), "a scheduled notice is not public before its time");
    let n = notice_until(&chief, id, "publication and delivery", |n| n["status"] == "published" && settled(n)).await;
    let messages = n["messages"].as_array().expect("messages");
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["msg_type"], "Alert");
    let mut deliveries: Vec<(String, String)> = n["deliveries"]
        .as_array()
        .expect("deliveries")
        .iter()
        .map(|d| (d["group_id"].as_str().unwrap_or("").to_owned(), d["delivery"].as_str().unwrap_or("").to_owned()))
        .collect();
    deliveries.sort();
    assert_eq!(
        deliveries,
        vec![(UNHOOKED.to_owned(), "no_webhook".to_owned()), (HOOKED.to_owned(), "delivered".to_owned())]
    );
    let got = hook.got.lock().expect("lock").clone();
    assert_eq!(got.len(), 1, "posted once: {got:?}");
    let delivery_id =
        n["deliveries"].as_array().expect("d").iter().find(|d| d["group_id"] == HOOKED).expect("hooked")["id"].clone();
    assert_eq!(got[0].0, Some(format!("notice-{delivery_id}")));
    assert_eq!((got[0].1["kind"].as_str(), got[0].1["msg_type"].as_str()), (Some("notice"), Some("Alert")));
    assert_eq!(got[0].1["title"], title.as_str());
    assert_eq!(got[0].1["group_id"], HOOKED);

    // the CAP document, valid, with an offset time and no references
    let first = cap(&app, messages[0]["cap"].as_str().expect("a cap link")).await;
    assert!(first.contains("<msgType>Alert</msgType>") && !first.contains("<references>"), "{first}");
    assert!(first.contains("+08:00</sent>"), "{first}");
    assert!(first.contains(&format!("<headline>{title}</headline>")), "{first}");
    // the residents' page: for JSL and for a place in JSL, not for another station
    let (s, page) = app.anonymous().html("/notices?station=JSL").await;
    assert_eq!(s, 200);
    assert!(page.contains(&title), "{page}");
    assert!(!page.contains("notices-desk"), "no desk for residents");
    let (_, other) = app.anonymous().html("/notices?station=RS").await;
    assert!(!other.contains(&title), "another station's residents do not see it");
    let (s, here) = app.anonymous().get(&format!("/api/v1/notices/current?lat={}&lon={}", IN_JSL.0, IN_JSL.1)).await;
    assert_eq!(s, 200, "{here}");
    assert!(here.as_array().expect("a list").iter().any(|n| n["id"] == id), "{here}");
    // the feed links the document
    let (s, feed) = app.anonymous().html("/cap/feed.atom").await;
    assert_eq!(s, 200);
    well_formed(&feed).expect("the Atom feed is well-formed XML");
    assert!(feed.contains(&format!("href=\"{}\"", messages[0]["cap"].as_str().expect("link"))), "{feed}");

    // an update: sent at once, referencing the alert
    let mut body = json!({
        "title_zh": title, "body_zh": "更新：请注意用电安全，人走断电。", "category": n["category"],
        "stations": ["JSL"], "effective": n["effective"], "expires": n["expires"],
    });
    let (s, u) = chief.put(&format!("/api/v1/notices/{id}"), body.clone()).await;
    assert_eq!(s, 200, "{u}");
    assert_eq!(u["status"], "updated");
    let n = notice_until(&chief, id, "the update's delivery", settled).await;
    let messages = n["messages"].as_array().expect("messages").clone();
    assert_eq!(messages.iter().map(|m| m["msg_type"].as_str().unwrap_or("")).collect::<Vec<_>>(), ["Alert", "Update"]);
    let update = cap(&app, messages[1]["cap"].as_str().expect("link")).await;
    let first_id = messages[0]["identifier"].as_str().expect("an identifier");
    assert!(update.contains("<references>") && update.contains(&format!(",{first_id},")), "{update}");
    assert!(update.contains("人走断电"), "{update}");
    let (_, page) = app.anonymous().html("/notices?station=JSL").await;
    assert!(page.contains("人走断电") && page.contains("updated"), "the page shows the update");

    // a cancel: sent, referencing both; gone from the page, still in the feed as a Cancel
    let (s, c) = chief.post(&format!("/api/v1/notices/{id}/cancel"), json!({})).await;
    assert_eq!(s, 200, "{c}");
    assert_eq!(c["status"], "cancelled");
    let n = notice_until(&chief, id, "the cancel's delivery", settled).await;
    let messages = n["messages"].as_array().expect("messages").clone();
    assert_eq!(messages.len(), 3);
    let cancel = cap(&app, messages[2]["cap"].as_str().expect("link")).await;
    assert!(cancel.contains("<msgType>Cancel</msgType>"));
    let second_id = messages[1]["identifier"].as_str().expect("an identifier");
    assert!(cancel.contains(&format!(",{first_id},")) && cancel.contains(&format!(",{second_id},")), "{cancel}");
    let (_, page) = app.anonymous().html("/notices?station=JSL").await;
    assert!(!page.contains("人走断电"), "a cancelled notice is not shown");
    let (_, feed) = app.anonymous().html("/cap/feed.atom").await;
    assert!(feed.contains(&format!("/cap/{}.xml", messages[2]["id"])) && feed.contains("[Cancel]"), "{feed}");
    let got = hook.got.lock().expect("lock").clone();
    assert_eq!(
        got.iter().map(|g| g.1["msg_type"].as_str().unwrap_or("")).collect::<Vec<_>>(),
        ["Alert", "Update", "Cancel"]
    );
    // a cancelled notice moves no more
    body["body_zh"] = json!("again");
    let (s, e) = chief.put(&format!("/api/v1/notices/{id}"), body).await;
    assert_eq!(s, 409, "{e}");

    // the review: one published in JSL this month, its three hooked deliveries all delivered
    let today = Utc::now().with_timezone(&east8()).date_naive();
    let first_day = today.with_day(1).expect("the first");
    let (s, r) = app.get(&format!("/api/v1/review/notices?from={first_day}&to={today}")).await;
    assert_eq!(s, 200, "{r}");
    let row = r.as_array().expect("rows").iter().find(|x| x["station"] == "JSL").cloned().expect("JSL's row");
    assert_eq!(
        (row["published"].as_i64(), row["deliveries"].as_i64(), row["delivered"].as_i64(), row["failed"].as_i64()),
        (Some(1), Some(6), Some(3), Some(0)),
        "{row}"
    );
    assert_eq!(row["success"], 1.0);
}

fn notice_body(stations: Option<Value>) -> Value {
    let now = Utc::now();
    let mut b = json!({
        "title_zh": "夜市防盗提示", "body_zh": "请保管好随身财物。", "category": "theft",
        "effective": now.to_rfc3339(), "expires": (now + chrono::Duration::days(3)).to_rfc3339(),
    });
    if let Some(s) = stations {
        b["stations"] = s;
    }
    b
}

#[tokio::test]
async fn a_chief_writes_for_their_own_station_only_and_bad_notices_are_refused_whole() {
    let app = spawn_with(|_| {}).await;
    let jsl = app.login("chief-jsl", Role::Chief, Some("JSL"), None).await;
    let rs = app.login("chief-rs", Role::Chief, Some("RS"), None).await;
    let count = |v: &Value| v.as_array().map(Vec::len).unwrap_or(0);
    let (_, before) = jsl.get("/api/v1/notices").await;

    // another station, or the whole district: refused
    let (s, e) = jsl.post("/api/v1/notices", notice_body(Some(json!(["RS"])))).await;
    assert_eq!(s, 403, "{e}");
    let (s, e) = jsl.post("/api/v1/notices", notice_body(None)).await;
    assert_eq!(s, 403, "{e}");
    // what is wrong is named
    let bad = [
        (json!({"title_zh": "  "}), "title"),
        (json!({"category": "weather"}), "notice category"),
        (json!({"expires": "2020-01-01T00:00:00Z"}), "expires before"),
        (json!({"stations": ["J S"]}), "station"),
        (json!({"stations": ["XX"]}), "no station XX"),
        (json!({"title_en": "only a title"}), "English"),
        (json!({"urgency": "Soon"}), "urgency"),
        (json!({"surprise": 1}), "surprise"),
    ];
    for (change, names) in bad {
        let mut b = notice_body(Some(json!(["JSL"])));
        for (k, v) in change.as_object().expect("an object") {
            b[k] = v.clone();
        }
        let (s, e) = jsl.post("/api/v1/notices", b).await;
        assert_eq!(s, 400, "{change}: {e}");
        assert!(e.to_string().contains(names), "{change}: {e}");
    }
    let mut b = notice_body(None);
    b["polygon"] = json!([[25.25, 110.20], [91.0, 110.21], [25.26, 110.22]]);
    let (s, e) = jsl.post("/api/v1/notices", b).await;
    assert_eq!(s, 400, "{e}");
    assert!(e.to_string().contains("lat"), "{e}");
    let (_, after) = jsl.get("/api/v1/notices").await;
    assert_eq!(count(&after), count(&before), "nothing refused was stored");

    // a drawn area of their own is fine
    let mut b = notice_body(None);
    b["polygon"] = json!([[25.25, 110.20], [25.26, 110.21], [25.25, 110.22]]);
    let (s, n) = jsl.post("/api/v1/notices", b).await;
    assert_eq!(s, 201, "{n}");
    assert_eq!((n["area"].as_str(), n["station"].as_str()), (Some("polygon"), Some("JSL")));
    assert_eq!(n["polygon"].as_array().map(Vec::len), Some(4), "the ring is closed");
    let id = n["id"].as_i64().expect("an id");
    // another station's chief does not find it, nor can move it
    assert_eq!(rs.get(&format!("/api/v1/notices/{id}")).await.0, 404);
    let (s, _) = rs.post(&format!("/api/v1/notices/{id}/cancel"), json!({})).await;
    assert_eq!(s, 404);
    let (_, rs_list) = rs.get("/api/v1/notices").await;
    assert!(!rs_list.as_array().expect("a list").iter().any(|x| x["id"] == id));
    // moves the machine refuses: 409, named
    let (s, e) = jsl.post(&format!("/api/v1/notices/{id}/unschedule"), json!({})).await;
    assert_eq!(s, 409, "{e}");
    assert!(e.to_string().contains("a draft notice cannot be unscheduled"), "{e}");
    // a publication time after it expires
    let late = (Utc::now() + chrono::Duration::days(10)).to_rfc3339();
    let (s, e) = jsl.post(&format!("/api/v1/notices/{id}/schedule"), json!({"publish_at": late})).await;
    assert_eq!(s, 400, "{e}");
    let (s, _) = jsl.post(&format!("/api/v1/notices/{id}/cancel"), json!({})).await;
    assert_eq!(s, 200);
    let (s, e) = jsl.post(&format!("/api/v1/notices/{id}/cancel"), json!({})).await;
    assert_eq!(s, 409, "{e}");
    // ids that are not ids
    assert_eq!(jsl.get("/api/v1/notices/abc").await.0, 404);
    assert_eq!(jsl.get("/api/v1/notices/0").await.0, 404);
    assert_eq!(app.anonymous().html("/cap/abc.xml").await.0, 404);
    assert_eq!(app.anonymous().html("/cap/99999.xml").await.0, 404);
    // the public list refuses a bad place or station clearly
    assert_eq!(app.anonymous().get("/api/v1/notices/current?lat=95&lon=110").await.0, 400);
    assert_eq!(app.anonymous().get("/api/v1/notices/current?lat=25").await.0, 400);
    assert_eq!(app.anonymous().get("/api/v1/notices/current?station=NOPE").await.0, 404);
    // who may not write notices at all
    let dispatcher = app.login("disp-1", Role::Dispatcher, None, None).await;
    assert_eq!(dispatcher.post("/api/v1/notices", notice_body(Some(json!(["JSL"])))).await.0, 403);
    assert_eq!(dispatcher.get("/api/v1/notices").await.0, 403);
    assert_eq!(app.anonymous().post("/api/v1/notices", notice_body(Some(json!(["JSL"])))).await.0, 401);
}

#[tokio::test]
async fn a_chief_writes_and_publishes_a_notice_with_the_page_s_plain_forms() {
    let app = spawn_with(|_| {}).await;
    let chief = app.login("chief-jsl", Role::Chief, Some("JSL"), None).await;
    let (s, page) = chief.html("/notices").await;
    assert_eq!(s, 200);
    assert!(page.contains("notices-desk") && page.contains("name=\"csrf\""), "the chief's desk with form tokens");
    let now = Utc::now().with_timezone(&east8());
    let fmt = |t: chrono::DateTime<FixedOffset>| t.format("%Y-%m-%dT%H:%M").to_string();
    let (from, to) = (fmt(now - chrono::Duration::hours(1)), fmt(now + chrono::Duration::days(2)));
    let fields = [
        ("title_zh", "仙湖路夜市 <防盗> 提示"),
        ("body_zh", "人多拥挤，请看好手机钱包。"),
        ("title_en", ""),
        ("body_en", ""),
        ("category", "theft"),
        ("effective", from.as_str()),
        ("expires", to.as_str()),
    ];
    let (s, to_page) = chief.post_form("/notices/new", &fields, "/notices").await;
    assert_eq!(s, 303, "{to_page}");
    assert!(to_page.starts_with("/notices?done="), "{to_page}");
    // without the form token: refused, nothing stored
    let (s, _) = chief.post_form_raw("/notices/new", &fields, "/notices").await;
    assert_eq!(s, 403);
    let (_, list) = chief.get("/api/v1/notices").await;
    let mine: Vec<&Value> = list.as_array().expect("a list").iter().filter(|n| n["calendar_key"].is_null()).collect();
    assert_eq!(mine.len(), 1, "{list}");
    let id = mine[0]["id"].as_i64().expect("an id");
    // scheduled for a minute ago: published at once
    let a_minute_ago = fmt(now - chrono::Duration::minutes(1));
    let (s, _) =
        chief.post_form(&format!("/notices/{id}/schedule"), &[("publish_at", a_minute_ago.as_str())], "/notices").await;
    assert_eq!(s, 303);
    notice_until(&chief, id, "publication", |n| n["status"] == "published").await;
    let (_, public) = app.anonymous().html("/notices").await;
    assert!(public.contains("仙湖路夜市 &lt;防盗&gt; 提示"), "shown, escaped: {public}");
    // a bad time on the form comes back as a message, not a crash
    let (s, back) =
        chief.post_form(&format!("/notices/{id}/schedule"), &[("publish_at", "tomorrow")], "/notices").await;
    assert_eq!(s, 303);
    assert!(back.starts_with("/notices?error="), "{back}");
    // an update through the form is sent as a CAP Update
    let (s, _) = chief
        .post_form(
            &format!("/notices/{id}/edit"),
            &[("title_zh", "仙湖路夜市防盗提示"), ("body_zh", "已加派巡逻。")],
            "/notices",
        )
        .await;
    assert_eq!(s, 303);
    let n = notice_until(&chief, id, "the update", |n| n["status"] == "updated").await;
    assert_eq!(n["messages"].as_array().map(Vec::len), Some(2));
    cap(&app, n["messages"][1]["cap"].as_str().expect("link")).await;
}
