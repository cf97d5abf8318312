//! Who may see and do what, as run against the real server: every route of
//! the rule table refused to anonymous callers, the role × route matrix,
//! officers held to their unit and chiefs to their station, devices to
//! their one job, the lockout, idle and daily session ends, cross-site
//! requests, the live stream narrowed by principal, actors that are the
//! logged-in principal whatever the client writes, the audit log, tokens,
//! passwords, and the hardened edge (CSP, framing, title, slow clients).

use std::collections::BTreeMap;
use std::time::Duration;

use axum::http::Method;
use chrono::Utc;
use domain::access::{Grant, Role, grant};
use serde_json::{Value, json};
use server::auth::routes::{Access, RouteRule, RuleTable, uncovered};

use crate::helpers::{JINSHAN, PASSWORD, Session, TestApp, spawn, spawn_with};

/// The table the server uses.
fn table() -> RuleTable {
    RuleTable::with_api(server::api::router().1).expect("a valid table")
}

/// A path of the table with its parameters filled in.
fn concrete(path: &str) -> String {
    path.replace("{id}", "1").replace("{code}", "PP01").replace("{callsign}", "JS-P1").replace("{unit}", "1")
}

fn error_code(v: &Value) -> String {
    v["error"]["code"].as_str().unwrap_or_default().to_owned()
}

/// One request of the matrix: the route as `who` calls it, the status.
async fn call(who: &Session, r: &RouteRule) -> u16 {
    let url = who.url(&concrete(&r.path));
    let req = match r.method {
        Method::GET => who.client.get(&url),
        Method::POST => who.client.post(&url),
        Method::PUT => who.client.put(&url),
        Method::DELETE => who.client.delete(&url),
        ref m => panic!("no method {m} in the table"),
    };
    let req = if r.rule.page { req.header("accept", "text/html") } else { req };
    let req = if r.method == Method::GET {
        req
    } else if r.path.starts_with("/sf/") {
        req.header("content-type", "application/x-www-form-urlencoded").body("")
    } else {
        req.json(&json!({}))
    };
    req.send().await.expect("request").status().as_u16()
}

/// Whether `role` is let through by the table for this rule.
fn allowed(role: Role, access: &Access) -> bool {
    match access {
        Access::Public => true,
        Access::Needs(p) => grant(role, *p) != Grant::Refused,
        Access::AnyOf(ps) => ps.iter().any(|p| grant(role, *p) != Grant::Refused),
    }
}

/// Changes that end the caller's own session: tested on their own.
fn ends_the_session(r: &RouteRule) -> bool {
    (r.path == "/logout" && r.method == Method::POST) || (r.path == "/api/v1/session" && r.method == Method::DELETE)
}

#[tokio::test]
async fn every_route_has_a_rule_and_anonymous_callers_are_refused() {
    let app = spawn().await;
    let t = table();
    assert_eq!(uncovered(&t), Vec::<String>::new(), "every page and server function has a rule");
    assert!(t.all().len() > 80, "{} routes", t.all().len());
    let anonymous = app.anonymous();
    let plain = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let mut checked = 0;
    for r in t.all() {
        if r.rule.access == Access::Public {
            continue;
        }
        let url = anonymous.url(&concrete(&r.path));
        let req = plain.request(r.method.clone(), &url);
        let req = if r.rule.page { req.header("accept", "text/html") } else { req.json(&json!({})) };
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        if r.rule.page {
            assert_eq!(status, 303, "{} {}: a page sends the visitor to log in", r.method, r.path);
            let to = res.headers()["location"].to_str().expect("a location").to_owned();
            assert!(to.starts_with("/login?next="), "{} {}: {to}", r.method, r.path);
        } else {
            assert_eq!(status, 401, "{} {} refuses an anonymous caller", r.method, r.path);
            let body: Value = res.json().await.unwrap_or(Value::Null);
            assert_eq!(error_code(&body), "unauthorized", "{} {}: {body}", r.method, r.path);
        }
        checked += 1;
    }
    assert!(checked > 70, "{checked} protected routes");
    // and the public ones answer without a login
    for path in [
        "/",
        "/login",
        "/report",
        "/healthz",
        "/api/v1/reports/ABCD-2345",
        "/notices",
        "/cap/feed.atom",
        "/api/v1/notices/current",
    ] {
        let s = plain.get(anonymous.url(path)).send().await.expect("request").status().as_u16();
        assert!(s == 200 || s == 404, "{path}: {s}");
    }
    // an unknown API path is not a way around it either
    assert_eq!(plain.get(anonymous.url("/api/v1/nothing-here")).send().await.expect("request").status(), 401);
    assert_eq!(app.get("/api/v1/nothing-here").await.0, 404, "(logged in: not found)");
    // the stream: no upgrade for nobody
    assert_eq!(anonymous.ws_refused("").await, 401);
}

/// One session per role, with what binds it.
async fn everyone(app: &TestApp) -> Vec<(Role, Session)> {
    vec![
        (Role::Admin, app.admin.clone()),
        (Role::Chief, app.login("chief-jsl", Role::Chief, Some("JSL"), None).await),
        (Role::Dispatcher, app.login("disp-1", Role::Dispatcher, None, None).await),
        (Role::Steward, app.login("stew-1", Role::Steward, None, None).await),
        (Role::Officer, app.login("off-p1", Role::Officer, None, Some("JS-P1")).await),
        (Role::Kiosk, app.device("wall-1", Role::Kiosk, &[], &[]).await),
        (Role::Tracker, app.device("gps-1", Role::Tracker, &["JS-P1"], &[]).await),
        (Role::Bridge, app.device("bridge-1", Role::Bridge, &[], &["jsl-shops-01"]).await),
    ]
}

#[tokio::test]
async fn the_role_route_matrix_as_run() {
    let app = spawn().await;
    let people = everyone(&app).await;
    let t = table();
    let mut matrix: BTreeMap<String, String> = BTreeMap::new();
    let mut refusals = 0;
    for r in t.all() {
        if ends_the_session(r) {
            continue;
        }
        let mut row = String::new();
        for (role, who) in &people {
            let status = call(who, r).await;
            let expect = allowed(*role, &r.rule.access);
            if expect {
                assert!(status != 401 && status != 403, "{role} may use {} {} but got {status}", r.method, r.path);
                row.push_str(" ✓ ");
            } else {
                assert_eq!(status, 403, "{role} may not use {} {}", r.method, r.path);
                refusals += 1;
                row.push_str(" · ");
            }
        }
        matrix.insert(format!("{:6} {}", r.method.as_str(), r.path), row);
    }
    assert!(refusals > 300, "{refusals} refusals checked");
    // the matrix, for the record (cargo test … -- --nocapture)
    println!("\n{:54} admin chief disp  stew  off   kiosk track bridge", "route");
    for (route, row) in &matrix {
        let cells: Vec<&str> = row.split_whitespace().collect();
        println!("{route:54} {}", cells.iter().map(|c| format!("{c:5}")).collect::<Vec<_>>().join(" "));
    }
    // every refusal by a logged-in principal is in the audit log
    let (_, audit) = app.get("/api/v1/audit?action=refused&outcome=refused").await;
    assert!(audit["rows"].as_array().is_some_and(|r| r.len() == 100), "a full page of refusals: {audit}");
}

#[tokio::test]
async fn an_officer_moves_and_places_their_own_unit_only() {
    let app = spawn().await;
    let officer = app.login("off-p1", Role::Officer, None, Some("JS-P1")).await;
    let (p1, p2) = (app.unit_by_callsign("JS-P1").await, app.unit_by_callsign("JS-F1").await);
    let before = p2.clone();
    // unit B's status: refused, unchanged
    let (s, body) = officer.post(&format!("/api/v1/units/{}/status", p2["id"]), json!({"status": "off_duty"})).await;
    assert_eq!(s, 403, "{body}");
    assert_eq!(error_code(&body), "forbidden");
    let (s, _) = officer.server_fn("officer_status", &[("callsign", "JS-F1"), ("status", "off_duty")]).await;
    assert_eq!(s, 403, "the phone page's form too");
    // unit B's position: rejected by index, unit A's taken
    let now = Utc::now().to_rfc3339();
    let (s, body) = officer
        .post(
            "/api/v1/positions",
            json!([
                {"unit_id": p2["id"], "lat": 25.25, "lon": 110.21, "at": now},
                {"unit_id": p1["id"], "lat": JINSHAN.0, "lon": JINSHAN.1, "at": now}
            ]),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["accepted"], 1, "{body}");
    assert_eq!(body["rejected"][0]["index"], 0);
    assert!(body["rejected"][0]["reason"].as_str().unwrap_or_default().contains("may not report unit"), "{body}");
    let after = app.unit_by_callsign("JS-F1").await;
    assert_eq!((after["lat"].clone(), after["status"].clone()), (before["lat"].clone(), before["status"].clone()));
    // their own unit: yes
    let (s, body) = officer.post(&format!("/api/v1/units/{}/status", p1["id"]), json!({"status": "off_duty"})).await;
    assert_eq!(s, 200, "{body}");
    // another unit's phone page, the fleet, the console: not theirs
    assert_eq!(officer.html("/unit/JS-F1").await.0, 403);
    assert_eq!(officer.html("/dispatch").await.0, 403);
    let (s, units) = officer.get("/api/v1/units").await;
    assert_eq!(s, 200);
    assert_eq!(units.as_array().map(Vec::len), Some(1), "only their own unit: {units}");
    // `/unit` takes an officer to their own page
    let plain = officer.cookie_client();
    let r = plain.get(officer.url("/unit")).send().await.expect("request");
    assert_eq!(r.headers()["location"], "/unit/JS-P1");
    // a tracker is held to its units the same way
    let tracker = app.device("gps-1", Role::Tracker, &["JS-P1"], &[]).await;
    let (_, body) =
        tracker.post("/api/v1/positions", json!([{"unit_id": p2["id"], "lat": 25.25, "lon": 110.21, "at": now}])).await;
    assert_eq!((body["accepted"].as_i64(), body["rejected"].as_array().map(Vec::len)), (Some(0), Some(1)));
    assert_eq!(tracker.get("/api/v1/units").await.0, 403, "a tracker reads nothing");
}

#[tokio::test]
async fn a_kiosk_shows_the_screen_and_changes_nothing() {
    let app = spawn().await;
    let kiosk_token = {
        let (_, t) = app.auth.add_token("test", "wall-1", Role::Kiosk, &[], &[], None).await.expect("a token");
        t
    };
    let incident = app
        .post(
            "/api/v1/incidents",
            json!({"channel": "phone", "category": "fight", "lat": JINSHAN.0, "lon": JINSHAN.1,
                   "reporter_contact": "13900001111", "description": "x"}),
        )
        .await
        .1;
    // /screen?token= once: a cookie, and the screen without the token in its address
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .expect("client");
    let r = client.get(app.url(&format!("/screen?token={kiosk_token}&lang=en"))).send().await.expect("request");
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(r.headers()["location"], "/screen?lang=en", "the token leaves the address");
    let set = r.headers()["set-cookie"].to_str().expect("a cookie").to_owned();
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict"), "{set}");
    let r = client.get(app.url("/screen")).header("accept", "text/html").send().await.expect("request");
    assert_eq!(r.status().as_u16(), 200);
    let html = r.text().await.expect("html");
    assert!(html.contains("data-page=\"screen\"") || html.contains("class=\"screen"), "the wall screen");
    assert!(!html.contains("13900001111"), "never a reporter's contact");
    // it cannot assign, take calls, read incidents or contacts
    let unit = app.unit_by_callsign("JS-P1").await;
    let assign = format!("/api/v1/incidents/{}/assign", incident["id"]);
    let r = client.post(app.url(&assign)).json(&json!({"unit_id": unit["id"]})).send().await.expect("request");
    assert_eq!(r.status().as_u16(), 403);
    let r = client
        .post(app.url("/sf/assign"))
        .form(&[("incident", incident["id"].to_string()), ("unit", unit["id"].to_string())])
        .send()
        .await
        .expect("request");
    assert_eq!(r.status().as_u16(), 403);
    let r = client.get(app.url(&format!("/api/v1/incidents/{}", incident["id"]))).send().await.expect("request");
    assert_eq!(r.status().as_u16(), 403);
    assert_eq!(app.unit_by_callsign("JS-P1").await["status"], unit["status"], "nothing changed");
    // a token that is not valid opens nothing
    let r = client.get(app.url("/screen?token=crt_not-a-real-token-aaaaaaaaaaaaaaaaaaaaaaaaaaaaa")).send().await;
    assert_eq!(r.expect("request").status().as_u16(), 401);
    // revoking the token ends the screen's session
    let id = app.auth.store().tokens().await.expect("tokens").into_iter().find(|t| t.name == "wall-1").expect("it").id;
    app.auth.revoke_token(&app_principal(&app).await, id, "").await.expect("revoked");
    let r = client.get(app.url("/screen")).header("accept", "text/html").send().await.expect("request");
    assert_eq!(r.status().as_u16(), 303, "back to the login page");
}

/// The test admin as a principal (for calls made straight to the service).
async fn app_principal(app: &TestApp) -> domain::access::Principal {
    let row = app.auth.store().user_by_name("test-admin").await.expect("store").expect("the admin");
    server::auth::user_principal(&row).expect("a principal")
}

async fn login_status(app: &TestApp, name: &str, password: &str) -> (u16, Value) {
    let r = app
        .anonymous()
        .client
        .post(app.url("/api/v1/session"))
        .json(&json!({"name": name, "password": password}))
        .send()
        .await
        .expect("request");
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn five_failed_logins_lock_the_account_until_an_admin_unlocks_it() {
    let app = spawn().await;
    let _ = app.login("disp-1", Role::Dispatcher, None, None).await;
    for attempt in 1..=4 {
        let (s, body) = login_status(&app, "disp-1", "wrong password here").await;
        assert_eq!(s, 401, "attempt {attempt}: {body}");
        assert_eq!(body["error"]["message"], "wrong name or password");
    }
    let (s, body) = login_status(&app, "disp-1", "wrong password here").await;
    assert_eq!(s, 423, "the fifth locks it: {body}");
    // the right password does not open it meanwhile, and the answer says why
    let (s, body) = login_status(&app, "disp-1", PASSWORD).await;
    assert_eq!(s, 423, "{body}");
    assert!(body["error"]["message"].as_str().unwrap_or_default().contains("an administrator must unlock"), "{body}");
    // a day later, still locked (no lockout time configured)
    app.clock.advance(chrono::Duration::hours(24));
    assert_eq!(login_status(&app, "disp-1", PASSWORD).await.0, 423);
    // (the admin's own session ended meanwhile: a new login)
    let app_admin = app.admin.log_in("test-admin", PASSWORD).await;
    // the admin page shows it locked; the admin unlocks it
    let (_, admin) = app_admin.server_fn("admin", &[]).await;
    let row = admin["users"].as_array().expect("users").iter().find(|u| u["name"] == "disp-1").cloned().expect("it");
    assert!(row["locked_at"].is_string(), "{row}");
    let (s, done) = app_admin.server_fn("admin_user", &[("id", &row["id"].to_string()), ("action", "unlock")]).await;
    assert_eq!(s, 200, "{done}");
    assert_eq!(login_status(&app, "disp-1", PASSWORD).await.0, 200);
    // each step is in the audit log
    let (_, audit) = app_admin.get("/api/v1/audit?actor=disp-1").await;
    let actions: Vec<&str> =
        audit["rows"].as_array().expect("rows").iter().filter_map(|r| r["action"].as_str()).collect();
    for a in ["login_failed", "login_locked", "login"] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
    let (_, unlocked) = app_admin.get("/api/v1/audit?action=user_unlocked").await;
    assert_eq!(unlocked["rows"][0]["actor"], "test-admin");
    // an unknown name is refused the same way (and audited)
    assert_eq!(login_status(&app, "nobody-here", PASSWORD).await.0, 401);
}

#[tokio::test]
async fn a_configured_lockout_opens_by_itself() {
    let app = spawn_with(|c| c.auth.policy.lockout = Some(chrono::Duration::minutes(30))).await;
    let _ = app.login("disp-1", Role::Dispatcher, None, None).await;
    for _ in 0..5 {
        login_status(&app, "disp-1", "wrong password here").await;
    }
    let (s, body) = login_status(&app, "disp-1", PASSWORD).await;
    assert_eq!(s, 423);
    assert!(body["error"]["message"].as_str().unwrap_or_default().contains("until"), "{body}");
    app.clock.advance(chrono::Duration::minutes(31));
    assert_eq!(login_status(&app, "disp-1", PASSWORD).await.0, 200);
}

#[tokio::test]
async fn sessions_end_after_thirty_idle_minutes_and_after_twelve_hours() {
    let app = spawn_with(|c| c.stream_session_check_s = 1).await;
    let disp = app.login("disp-1", Role::Dispatcher, None, None).await;
    let mut ws = disp.ws("").await;
    ws.next_within(Duration::from_secs(5)).await.expect("a snapshot");
    // 29 minutes without input: still in; the live stream does not count as input
    app.clock.advance(chrono::Duration::minutes(29));
    assert_eq!(disp.get("/api/v1/units").await.0, 200, "any request of the person's counts as input");
    app.clock.advance(chrono::Duration::minutes(29));
    assert_eq!(disp.get("/api/v1/units").await.0, 200);
    // background requests (position reports, the stream, refreshes) do not
    app.clock.advance(chrono::Duration::minutes(20));
    let (s, _) = disp.server_fn("board", &[]).await;
    assert_eq!(s, 200, "a page's refresh is allowed...");
    app.clock.advance(chrono::Duration::minutes(11));
    let (s, body) = disp.get("/api/v1/units").await;
    assert_eq!(s, 401, "...but it kept nothing alive: 31 minutes since the last input: {body}");
    assert!(body["error"]["message"].as_str().unwrap_or_default().contains("without input"), "{body}");
    // the open stream ends too, with the code that tells the page to ask for a login
    assert_eq!(ws.closed_within(Duration::from_secs(5)).await, Some(4401));
    // a page request goes to the login page, saying why
    let disp = disp.log_in("disp-1", PASSWORD).await;
    app.clock.advance(chrono::Duration::minutes(31));
    let plain = disp.cookie_client();
    let r = plain.get(disp.url("/dispatch")).header("accept", "text/html").send().await.expect("request");
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(r.headers()["location"], "/login?next=%2Fdispatch&ended=idle");

    // busy all day: out after 12 hours anyway
    let disp = disp.log_in("disp-1", PASSWORD).await;
    for _ in 0..28 {
        app.clock.advance(chrono::Duration::minutes(25));
        assert_eq!(disp.get("/api/v1/units").await.0, 200);
    }
    app.clock.advance(chrono::Duration::minutes(25));
    let (s, body) = disp.get("/api/v1/units").await;
    assert_eq!(s, 401, "12 h after the login: {body}");
    assert!(body["error"]["message"].as_str().unwrap_or_default().contains("working day"), "{body}");
    // devices have no such limits
    let wall = app.device("wall-1", Role::Kiosk, &[], &[]).await;
    app.clock.advance(chrono::Duration::days(3));
    assert_eq!(wall.get("/api/v1/units").await.0, 200);
}

#[tokio::test]
async fn accounts_unused_for_ninety_days_are_disabled() {
    let app = spawn().await;
    let _ = app.login("stew-1", Role::Steward, None, None).await;
    app.clock.advance(chrono::Duration::days(89));
    assert_eq!(login_status(&app, "stew-1", PASSWORD).await.0, 200, "used within 90 days");
    app.clock.advance(chrono::Duration::days(91));
    let (s, body) = login_status(&app, "stew-1", PASSWORD).await;
    assert_eq!(s, 403, "{body}");
    assert!(body["error"]["message"].as_str().unwrap_or_default().contains("disabled"), "{body}");
    // (every account went unused meanwhile: a new admin, made now, checks)
    app.auth
        .add_user(
            "test",
            &server::auth::NewAccount {
                name: "admin-2",
                role: Role::Admin,
                station: None,
                unit: None,
                password: PASSWORD,
                demo: false,
            },
        )
        .await
        .expect("an admin");
    let admin = app.anonymous().log_in("admin-2", PASSWORD).await;
    let app_ = &app;
    let app = &admin;
    let (_, audit) = app.get("/api/v1/audit?action=user_disabled&actor=stew-1").await;
    assert_eq!(audit["rows"][0]["target"], "account stew-1");
    // the admin enables it again
    let id = app_.auth.store().user_by_name("stew-1").await.expect("store").expect("row").id;
    let (s, _) = app.server_fn("admin_user", &[("id", &id.to_string()), ("action", "enable")]).await;
    assert_eq!(s, 200);
    assert_eq!(login_status(app_, "stew-1", PASSWORD).await.0, 200);
}

#[tokio::test]
async fn cross_site_requests_are_refused() {
    let app = spawn().await;
    let disp = app.login("disp-1", Role::Dispatcher, None, None).await;
    let incident = app.incident("fight", JINSHAN.0, JINSHAN.1).await;
    let unit = app.unit_by_callsign("JS-P1").await;
    let fields = [("incident", incident["id"].to_string()), ("unit", unit["id"].to_string())];
    // another origin, by Origin or by Sec-Fetch-Site: refused, nothing assigned, no redirect to the referrer
    for (header, value) in [("origin", "https://evil.example"), ("sec-fetch-site", "cross-site")] {
        let r = disp
            .client
            .post(disp.url("/sf/assign"))
            .header(header, value)
            .header("accept", "text/html")
            .header("referer", "https://evil.example/page")
            .form(&fields)
            .send()
            .await
            .expect("request");
        assert_eq!(r.status().as_u16(), 403, "{header}: {value}");
        assert!(r.headers().get("location").is_none());
        let r = disp
            .client
            .post(disp.url(&format!("/api/v1/incidents/{}/assign", incident["id"])))
            .header(header, value)
            .json(&json!({"unit_id": unit["id"]}))
            .send()
            .await
            .expect("request");
        assert_eq!(r.status().as_u16(), 403, "the API as well: {header}");
    }
    assert_eq!(app.unit_by_callsign("JS-P1").await["status"], unit["status"], "nothing was assigned");
    // the plain form needs its token: without it, or with another session's, refused
    let (s, _) =
        disp.post_form_raw("/sf/assign", &[("incident", &fields[0].1), ("unit", &fields[1].1)], "/dispatch").await;
    assert_eq!(s, 403);
    let other = app.login("disp-2", Role::Dispatcher, None, None).await;
    let (s, _) = disp
        .post_form_raw(
            "/sf/assign",
            &[("incident", &fields[0].1), ("unit", &fields[1].1), ("csrf", &other.csrf)],
            "/dispatch",
        )
        .await;
    assert_eq!(s, 403);
    // with it (and from the same origin), done
    let (s, to) =
        disp.post_form("/sf/assign", &[("incident", &fields[0].1), ("unit", &fields[1].1)], "/dispatch").await;
    assert!(matches!(s, 302 | 303), "{s} {to}");
    assert_eq!(app.unit_by_callsign("JS-P1").await["status"], "dispatched");
    // the same-origin browser request passes
    let r = disp
        .client
        .post(disp.url(&format!("/api/v1/incidents/{}/status", incident["id"])))
        .header("origin", disp.base.clone())
        .header("sec-fetch-site", "same-origin")
        .json(&json!({"status": "cancelled", "reason": "test"}))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status().as_u16(), 200);
    // the live stream refuses another origin's page
    let mut req = disp.ws_request("");
    req.headers_mut().insert("origin", "https://evil.example".parse().expect("a header"));
    match tokio_tungstenite::connect_async(req).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => assert_eq!(r.status().as_u16(), 403),
        other => panic!("expected a refusal, got {:?}", other.map(|_| ())),
    }
    // refusals are audited with the reason
    let (_, audit) = app.get("/api/v1/audit?action=refused&actor=disp-1").await;
    let details: Vec<&str> =
        audit["rows"].as_array().expect("rows").iter().filter_map(|r| r["detail"].as_str()).collect();
    assert!(details.iter().any(|d| d.contains("another site")), "{details:?}");
    assert!(details.iter().any(|d| d.contains("no form token")), "{details:?}");
}

#[tokio::test]
async fn an_anonymous_report_from_another_site_is_refused() {
    let app = spawn().await;
    let boundary = "----x";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"category\"\r\n\r\nnoise\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"lat\"\r\n\r\n25.25\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"lon\"\r\n\r\n110.21\r\n--{boundary}--\r\n"
    );
    let plain = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let r = plain
        .post(app.url("/report"))
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .header("accept", "text/html")
        .body(body.clone())
        .send()
        .await
        .expect("request");
    assert_eq!(r.status().as_u16(), 403, "no form token");
    let r = plain
        .post(app.url("/report"))
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .header("origin", "https://evil.example")
        .body(body)
        .send()
        .await
        .expect("request");
    assert_eq!(r.status().as_u16(), 403, "another origin");
    let (_, list) = app.get("/api/v1/incidents").await;
    assert_eq!(list.as_array().map(Vec::len), Some(0), "nothing was filed");
}

#[tokio::test]
async fn the_stream_carries_what_the_principal_may_see() {
    let app = spawn().await;
    let officer = app.login("off-p1", Role::Officer, None, Some("JS-P1")).await;
    let chief = app.login("chief-rs", Role::Chief, Some("RS"), None).await;
    let steward = app.login("stew-1", Role::Steward, None, None).await;
    let kiosk = app.device("wall-1", Role::Kiosk, &[], &[]).await;
    let bridge = app.device("bridge-1", Role::Bridge, &[], &["jsl-shops-01"]).await;
    let (p1, p2) = (app.unit_by_callsign("JS-P1").await, app.unit_by_callsign("JS-F1").await);
    // a client-chosen filter only narrows
    assert_eq!(officer.ws_refused(&format!("?unit={}", p2["id"])).await, 403);
    assert_eq!(officer.ws_refused("?station=JSL").await, 403);
    assert_eq!(chief.ws_refused("?station=JSL").await, 403);
    assert_eq!(bridge.ws_refused("").await, 403, "a bridge receives nothing");
    assert_eq!(steward.ws_refused("?station=JSL").await, 403);
    let mut officer_ws = officer.ws("").await;
    let mut chief_ws = chief.ws("").await;
    let mut steward_ws = steward.ws("").await;
    let mut kiosk_ws = kiosk.ws("").await;
    let mut all_ws = app.ws("").await;
    let snap = officer_ws.next_within(Duration::from_secs(5)).await.expect("a snapshot");
    let units: Vec<Value> = snap["units"].as_array().cloned().unwrap_or_default();
    assert_eq!(units.len(), 1, "the officer's snapshot has their unit only");
    assert_eq!(units[0]["id"], p1["id"]);
    let snap = chief_ws.next_within(Duration::from_secs(5)).await.expect("a snapshot");
    assert!(snap["units"].as_array().expect("units").iter().all(|u| u["station"] == "RS"), "the chief's station");
    let snap = steward_ws.next_within(Duration::from_secs(5)).await.expect("a snapshot");
    assert_eq!(snap["units"].as_array().map(Vec::len), Some(0), "the desk sees no units");
    kiosk_ws.next_within(Duration::from_secs(5)).await.expect("a snapshot");
    all_ws.next_within(Duration::from_secs(5)).await.expect("a snapshot");
    // positions of two units and a chat message
    app.place(p2["id"].as_i64().expect("id"), 25.2500, 110.2100).await;
    app.place(p1["id"].as_i64().expect("id"), 25.2501, 110.2101).await;
    let (s, _) = bridge
        .post(
            "/api/v1/chat/messages",
            json!({"group_id": "jsl-shops-01", "group_name": "群", "message_id": "m-1", "sender_name": "张",
                   "sender_phone": "13977300000", "text": "门口吵架", "sent_at": Utc::now().to_rfc3339()}),
        )
        .await;
    assert_eq!(s, 201);
    let (s, _) = bridge
        .post(
            "/api/v1/chat/messages",
            json!({"group_id": "other-group", "group_name": "群", "message_id": "m-2", "sender_name": "张", "text": "x",
                   "sent_at": Utc::now().to_rfc3339()}),
        )
        .await;
    assert_eq!(s, 403, "a bridge posts for its own groups only");
    // the full stream gets both positions and the chat; wait until it has
    let all =
        all_ws.wait_for(Duration::from_secs(5), |e| e["type"] == "chat").await.expect("the chat on the full stream");
    assert!(!all.to_string().contains("13977300000"), "never the sender's phone");
    // the officer: their unit's position only, no chat
    let pos = officer_ws.wait_for(Duration::from_secs(5), |e| e["type"] == "positions").await.expect("their position");
    assert!(pos["positions"].as_array().expect("positions").iter().all(|p| p["unit_id"] == p1["id"]), "{pos}");
    // the kiosk: the positions, never the chat; the steward: the chat, never positions
    let kiosk_saw = collect(&mut kiosk_ws, Duration::from_secs(2)).await;
    assert!(kiosk_saw.iter().any(|e| e["type"] == "positions"));
    assert!(!kiosk_saw.iter().any(|e| e["type"] == "chat"), "no chat text on the wall screen");
    let steward_saw = collect(&mut steward_ws, Duration::from_secs(2)).await;
    assert!(steward_saw.iter().any(|e| e["type"] == "chat"));
    assert!(!steward_saw.iter().any(|e| e["type"] == "positions" || e["type"] == "unit"), "no unit positions");
    let officer_saw = collect(&mut officer_ws, Duration::from_secs(1)).await;
    assert!(!officer_saw.iter().any(|e| e["type"] == "chat"));
    let chief_saw = collect(&mut chief_ws, Duration::from_secs(1)).await;
    let jsl_units = [p1["id"].clone(), p2["id"].clone()];
    for e in chief_saw.iter().filter(|e| e["type"] == "positions") {
        let ps = e["positions"].as_array().expect("positions");
        assert!(ps.iter().all(|p| !jsl_units.contains(&p["unit_id"])), "JSL's units are not RS's: {e}");
    }
}

/// Every message arriving within `d`.
async fn collect(ws: &mut crate::helpers::Ws, d: Duration) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + d;
    let mut out = vec![];
    while let Some(m) = ws.next_within(deadline.saturating_duration_since(tokio::time::Instant::now())).await {
        out.push(m);
    }
    out
}

#[tokio::test]
async fn the_actor_is_the_logged_in_principal_whatever_the_client_writes() {
    let app = spawn().await;
    let disp = app.login("disp-1", Role::Dispatcher, None, None).await;
    let r = disp
        .client
        .post(disp.url("/api/v1/incidents"))
        .header("x-actor", "chief")
        .json(&json!({"channel": "phone", "category": "fight", "lat": JINSHAN.0, "lon": JINSHAN.1}))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status().as_u16(), 201);
    let incident: Value = r.json().await.expect("json");
    let (_, detail) = app.get(&format!("/api/v1/incidents/{}", incident["id"])).await;
    assert_eq!(detail["timeline"][0]["actor"], "disp-1", "{detail}");
    // a chief's point edit with a `by`: recorded as the chief
    let chief = app.login("chief-jsl", Role::Chief, Some("JSL"), None).await;
    let (s, _) = chief.put("/api/v1/patrol/points/PP01", json!({"radius_m": 60, "by": "Someone Else"})).await;
    assert_eq!(s, 200);
    let (_, audit) = app.get("/api/v1/audit?action=change&actor=chief-jsl").await;
    assert_eq!(audit["rows"][0]["target"], "PUT /api/v1/patrol/points/PP01");
    assert_eq!(audit["rows"][0]["outcome"], "ok");
}

#[tokio::test]
async fn views_of_personal_data_are_audited_and_others_never_see_it() {
    let app = spawn().await;
    let disp = app.login("disp-1", Role::Dispatcher, None, None).await;
    let chief = app.login("chief-jsl", Role::Chief, Some("JSL"), None).await;
    let (_, incident) = disp
        .post(
            "/api/v1/incidents",
            json!({"channel": "phone", "category": "fight", "lat": JINSHAN.0, "lon": JINSHAN.1,
                   "reporter_contact": "13912345678"}),
        )
        .await;
    let path = format!("/api/v1/incidents/{}", incident["id"]);
    let (_, seen) = disp.get(&path).await;
    assert_eq!(seen["reporter_contact"], "13912345678");
    let (_, audit) = app.get("/api/v1/audit?action=contact_viewed").await;
    let row = &audit["rows"][0];
    assert_eq!(
        (row["actor"].as_str(), row["target"].as_str()),
        (Some("disp-1"), Some(format!("incident {}", incident["id"]).as_str()))
    );
    // the chief reads the incident of their station, without the contact, and that is not a contact view
    let (s, seen) = chief.get(&path).await;
    assert_eq!(s, 200);
    assert!(seen["reporter_contact"].is_null(), "{seen}");
    let (_, html) = chief.html(&format!("/review/incident/{}", incident["id"])).await;
    assert!(!html.contains("13912345678"), "nor on the review's timeline page");
    let (_, audit) = app.get("/api/v1/audit?action=contact_viewed").await;
    assert_eq!(audit["rows"].as_array().map(Vec::len), Some(1));
    // the console page shows it to the dispatcher, audited again
    let (_, html) = disp.html(&format!("/dispatch?incident={}", incident["id"])).await;
    assert!(html.contains("13912345678"));
    let (_, audit) = app.get("/api/v1/audit?action=contact_viewed").await;
    let views = audit["rows"].as_array().map(Vec::len).unwrap_or(0);
    assert!(views >= 2, "the page's view is audited too: {audit}");
    // a steward's view of a sender's phone
    let steward = app.login("stew-1", Role::Steward, None, None).await;
    let (_, m) = app
        .post(
            "/api/v1/chat/messages",
            json!({"group_id": "g1", "group_name": "群", "message_id": "m-1", "sender_name": "张", "sender_phone": "13977300000",
                   "text": "x", "sent_at": Utc::now().to_rfc3339()}),
        )
        .await;
    let (_, d) = steward.get(&format!("/api/v1/chat/messages/{}", m["id"])).await;
    assert_eq!(d["sender_phone"], "13977300000");
    let (_, audit) = app.get("/api/v1/audit?action=phone_viewed").await;
    assert_eq!(audit["rows"][0]["actor"], "stew-1");
    // the audit log as CSV, for the admin only
    let r = app.client.get(app.url("/api/v1/audit.csv?action=contact_viewed")).send().await.expect("request");
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = r.text().await.expect("text");
    assert_eq!(csv.lines().count(), 1 + views, "a header and a line per view: {csv}");
    assert!(csv.lines().next().is_some_and(|h| h.starts_with("id,at,actor,role,action")));
    assert_eq!(disp.get("/api/v1/audit").await.0, 403);
    // and the log cannot be changed, nor thinned before a year
    let pool = app.db().await;
    assert!(sqlx::query("UPDATE audit_log SET actor = 'x'").execute(&pool).await.is_err(), "append-only");
    assert!(sqlx::query("DELETE FROM audit_log").execute(&pool).await.is_err(), "kept a year");
    pool.close().await;
}

#[tokio::test]
async fn a_chief_sees_their_station_and_only_the_figures_of_others() {
    let app = spawn().await;
    let chief = app.login("chief-jsl", Role::Chief, Some("JSL"), None).await;
    // an RS incident and a JSL one
    let rs_unit = app.units().await.into_iter().find(|u| u["station"] == "RS").expect("an RS unit");
    let rs = app
        .incident("noise", rs_unit["lat"].as_f64().unwrap_or(25.27), rs_unit["lon"].as_f64().unwrap_or(110.26))
        .await;
    let jsl = app.incident("fight", JINSHAN.0, JINSHAN.1).await;
    assert_eq!(jsl["station"], "JSL");
    let (s, _) = chief.get(&format!("/api/v1/incidents/{}", jsl["id"])).await;
    assert_eq!(s, 200);
    if rs["station"] != "JSL" {
        let (s, body) = chief.get(&format!("/api/v1/incidents/{}", rs["id"])).await;
        assert_eq!(s, 403, "{body}");
        assert_eq!(chief.html(&format!("/review/incident/{}", rs["id"])).await.0, 403);
    }
    let (_, list) = chief.get("/api/v1/incidents").await;
    assert!(list.as_array().expect("list").iter().all(|i| i["station"] == "JSL"), "their station's: {list}");
    assert_eq!(chief.get("/api/v1/incidents?station=RS").await.0, 403);
    // figures of every station: yes; the incidents behind another's: no
    let period = "from=2026-01-01&to=2026-12-31";
    assert_eq!(chief.get(&format!("/api/v1/review?{period}&by=station")).await.0, 200);
    let (s, body) = chief.get(&format!("/api/v1/review?{period}&station=RS")).await;
    assert_eq!(s, 200, "{body}");
    let (s, body) = chief.get(&format!("/api/v1/review/incidents?{period}&station=RS")).await;
    assert_eq!(s, 403, "{body}");
    assert_eq!(chief.get(&format!("/api/v1/review/incidents.csv?{period}&station=RS")).await.0, 403);
    let (s, own) = chief.get(&format!("/api/v1/review/incidents?{period}")).await;
    assert_eq!(s, 200);
    assert_eq!(own["params"]["station"], "JSL", "narrowed to their station: {own}");
    // their station's points: edit, print, rotate; another's: no
    let rs_point = app
        .get("/api/v1/patrol/points")
        .await
        .1
        .as_array()
        .expect("points")
        .iter()
        .find(|p| p["station"] == "RS")
        .cloned();
    assert_eq!(chief.html("/points/PP01/qr").await.0, 200);
    if let Some(p) = rs_point {
        let code = p["code"].as_str().expect("a code");
        assert_eq!(chief.html(&format!("/points/{code}/qr")).await.0, 403);
        assert_eq!(chief.put(&format!("/api/v1/patrol/points/{code}"), json!({"radius_m": 50})).await.0, 403);
        assert_eq!(chief.post(&format!("/api/v1/patrol/points/{code}/token"), json!({})).await.0, 403);
    }
    let (_, points) = chief.get("/api/v1/patrol/points").await;
    assert!(points.as_array().expect("points").iter().all(|p| p["station"] == "JSL"));
    // never the console, the desk or the admin page
    for page in ["/dispatch", "/desk", "/admin"] {
        assert_eq!(chief.html(page).await.0, 403, "{page}");
    }
}

#[tokio::test]
async fn a_rotated_qr_code_stops_working() {
    let app = spawn().await;
    let chief = app.login("chief-jsl", Role::Chief, Some("JSL"), None).await;
    // open all day, so a check-in is judged by its code
    let (s, _) = chief.put("/api/v1/patrol/points/PP01", json!({"windows": ["00:00-12:00", "12:00-00:00"]})).await;
    assert_eq!(s, 200);
    let (_, old) = chief.server_fn("point_qr", &[("code", "PP01")]).await;
    let old_url = old["url"].as_str().expect("a url").to_owned();
    let old_token = old_url.split("token=").nth(1).expect("a token").to_owned();
    let (s, new) = chief.post("/api/v1/patrol/points/PP01/token", json!({})).await;
    assert_eq!(s, 200, "{new}");
    let new_token = new["url"].as_str().expect("a url").split("token=").nth(1).expect("a token").to_owned();
    assert_ne!(old_token, new_token);
    let officer = app.login("off-f1", Role::Officer, None, Some("JS-F1")).await;
    let unit = app.unit_by_callsign("JS-F1").await;
    let (s, body) =
        officer.post("/api/v1/checkins", json!({"unit_id": unit["id"], "point": "PP01", "qr_token": old_token})).await;
    assert_eq!(s, 422, "the printed sheet's old code: {body}");
    assert!(body["error"]["message"].as_str().unwrap_or_default().contains("QR code does not belong"), "{body}");
    let (s, body) =
        officer.post("/api/v1/checkins", json!({"unit_id": unit["id"], "point": "PP01", "qr_token": new_token})).await;
    assert_eq!(s, 201, "the new one: {body}");
}

#[tokio::test]
async fn tokens_are_shown_once_stored_hashed_stamped_and_revocable() {
    let app = spawn().await;
    let tracker = app.device("gps-1", Role::Tracker, &["JS-P1"], &[]).await;
    let token = tracker.bearer.clone().expect("a token");
    assert!(token.starts_with("crt_") && token.len() == 47, "{token}");
    let pool = app.db().await;
    let (hash, hint): (Vec<u8>, String) = sqlx::query_as("SELECT secret_hash, hint FROM tokens WHERE name = 'gps-1'")
        .fetch_one(&pool)
        .await
        .expect("row");
    assert_eq!(hash.len(), 32, "a SHA-256");
    assert!(!String::from_utf8_lossy(&hash).contains(&token[4..]), "never the token itself");
    assert!(token.starts_with(&hint) && hint.len() == 8);
    let p1 = app.unit_by_callsign("JS-P1").await;
    let now = Utc::now().to_rfc3339();
    let (s, _) =
        tracker.post("/api/v1/positions", json!([{"unit_id": p1["id"], "lat": 25.25, "lon": 110.21, "at": now}])).await;
    assert_eq!(s, 200);
    app.auth.flush_uses().await.expect("stamped");
    let used: Option<i64> =
        sqlx::query_scalar("SELECT last_used_at FROM tokens WHERE name = 'gps-1'").fetch_one(&pool).await.expect("row");
    assert!(used.is_some(), "its use is stamped");
    pool.close().await;
    // revoked from the admin page: refused at once
    let id = app.auth.store().tokens().await.expect("tokens")[0].id;
    let (s, _) = app.server_fn("admin_revoke_token", &[("id", &id.to_string())]).await;
    assert_eq!(s, 200);
    let (s, body) =
        tracker.post("/api/v1/positions", json!([{"unit_id": p1["id"], "lat": 25.25, "lon": 110.21, "at": now}])).await;
    assert_eq!(s, 401, "{body}");
    let (_, audit) = app.get("/api/v1/audit?action=token_revoked").await;
    assert_eq!(audit["rows"][0]["target"], "token gps-1");
    // made on the admin page: the token once, in the answer
    let (s, made) = app
        .server_fn(
            "admin_add_token",
            &[("form[name]", "wall-2"), ("form[role]", "kiosk"), ("form[units]", ""), ("form[groups]", "")],
        )
        .await;
    assert_eq!(s, 200, "{made}");
    assert!(made.as_str().is_some_and(|t| t.starts_with("crt_")), "{made}");
    let (_, admin) = app.server_fn("admin", &[]).await;
    assert!(!admin.to_string().contains(made.as_str().unwrap_or("x")), "the list never shows it again");
}

#[tokio::test]
async fn passwords_and_names_are_checked() {
    let app = spawn().await;
    for (password, says) in
        [("short", "at least 8 characters"), ("password123", "most common"), ("dispatcher-jones-1", "account's name")]
    {
        let (s, body) = app
            .server_fn(
                "admin_add_user",
                &[
                    ("form[name]", "jones"),
                    ("form[role]", "dispatcher"),
                    ("form[station]", ""),
                    ("form[unit]", ""),
                    ("form[password]", password),
                ],
            )
            .await;
        let msg = body.to_string();
        assert!(s == 400 || msg.contains(says), "{password}: {s} {msg}");
        assert!(msg.contains(says) || password.contains("jones"), "{password}: {msg}");
    }
    let (s, body) = app
        .server_fn(
            "admin_add_user",
            &[
                ("form[name]", "chief-x"),
                ("form[role]", "chief"),
                ("form[station]", ""),
                ("form[unit]", ""),
                ("form[password]", PASSWORD),
            ],
        )
        .await;
    assert!(body.to_string().contains("needs a station"), "{s} {body}");
    let (s, body) = app
        .server_fn(
            "admin_add_user",
            &[
                ("form[name]", "jones"),
                ("form[role]", "dispatcher"),
                ("form[station]", ""),
                ("form[unit]", ""),
                ("form[password]", PASSWORD),
            ],
        )
        .await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(login_status(&app, "jones", PASSWORD).await.0, 200);
    // the hash is argon2id
    let row = app.auth.store().user_by_name("jones").await.expect("store").expect("row");
    assert!(row.password_hash.starts_with("$argon2id$"));
}

#[tokio::test]
async fn logging_out_ends_the_session() {
    let app = spawn().await;
    let disp = app.login("disp-1", Role::Dispatcher, None, None).await;
    assert_eq!(disp.get("/api/v1/session").await.1["role"], "dispatcher");
    assert_eq!(disp.delete("/api/v1/session").await, 204);
    assert_eq!(disp.get("/api/v1/units").await.0, 401);
    // the form on every page
    let disp = disp.log_in("disp-1", PASSWORD).await;
    let (s, to) = disp.post_form("/logout", &[], "/dispatch").await;
    assert_eq!((s, to.as_str()), (303, "/login?out=1"));
    assert_eq!(disp.get("/api/v1/units").await.0, 401);
    // a new login is a new session: the old cookie stays dead
    let again = disp.log_in("disp-1", PASSWORD).await;
    assert_ne!(again.cookie, disp.cookie, "the id changes at every login");
    let (_, audit) = app.get("/api/v1/audit?action=logout").await;
    assert_eq!(audit["rows"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn pages_carry_a_strict_csp_no_framing_and_no_markup_from_the_address() {
    let app = spawn().await;
    let r = app.client.get(app.url("/dispatch")).header("accept", "text/html").send().await.expect("request");
    let csp = r.headers()["content-security-policy"].to_str().expect("a CSP").to_owned();
    assert!(csp.contains("script-src 'self' 'nonce-"), "{csp}");
    assert!(
        !csp.split(';').find(|d| d.trim().starts_with("script-src")).unwrap_or("").contains("unsafe-inline"),
        "{csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(r.headers()["x-frame-options"], "DENY");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    let nonce = csp.split("'nonce-").nth(1).and_then(|s| s.split('\'').next()).expect("a nonce").to_owned();
    let html = r.text().await.expect("html");
    // every inline script carries this answer's nonce
    let inline: Vec<&str> = html.split("<script").skip(1).filter(|s| !s.trim_start().starts_with("src")).collect();
    assert!(!inline.is_empty());
    for s in &inline {
        let tag = s.split('>').next().unwrap_or("");
        assert!(tag.contains(&format!("nonce=\"{nonce}\"")), "an inline script without the nonce: <script{tag}>");
    }
    // the title reflects no markup from the address
    let (s, html) = app.html("/unit/%3C%2Ftitle%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E").await;
    assert!(s == 400 || s == 404, "{s}");
    assert!(!html.contains("</title><script>"), "no markup in the title");
    assert!(!html.contains("<script>alert(1)"));
}

#[tokio::test]
async fn the_import_error_list_is_bounded() {
    let app = spawn().await;
    // 32 MiB of one-character lines: millions of bad lines
    let mut body = String::from("external_id,received_at,channel,category,lat,lon,closed_at\n");
    body.push_str(&"a\n".repeat((32 * 1024 * 1024 - body.len()) / 2));
    let (s, answer) = app.post_raw("/api/v1/review/import", "text/csv", body).await;
    assert_eq!(s, 422, "{}", &answer.to_string()[..200.min(answer.to_string().len())]);
    let rows = answer["error"]["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 200, "the first 200 problems");
    assert_eq!(rows[0]["line"], 2);
    let more = answer["error"]["more"].as_u64().expect("more");
    assert!(more > 16_000_000, "every problem counted: {more}");
    assert!(
        answer["error"]["message"].as_str().unwrap_or_default().contains("more than"),
        "{}",
        answer["error"]["message"]
    );
}

#[tokio::test]
async fn a_client_that_dribbles_its_headers_is_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_with(|c| c.edge.header_timeout_s = 1).await;
    let mut tcp = tokio::net::TcpStream::connect(("127.0.0.1", app.port)).await.expect("connects");
    let started = tokio::time::Instant::now();
    let closed = async {
        let mut buf = [0u8; 512];
        for b in b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ".iter().cycle() {
            if tcp.write_all(&[*b]).await.is_err() {
                return true;
            }
            // a byte now and then, never the end of the headers
            match tokio::time::timeout(Duration::from_millis(300), tcp.read(&mut buf)).await {
                Ok(Ok(0)) | Ok(Err(_)) => return true,
                Ok(Ok(_)) => return true,
                Err(_) => {}
            }
        }
        false
    };
    let cut = tokio::time::timeout(Duration::from_secs(10), closed).await.unwrap_or(false);
    assert!(cut, "the connection was closed");
    let took = started.elapsed();
    assert!(took < Duration::from_secs(5), "within the header timeout and a little: {took:?}");
    // an idle kept-alive connection is closed as well, and normal requests still work
    assert_eq!(app.get("/healthz").await.0, 200);
}

#[tokio::test]
async fn another_host_is_refused_when_the_public_origin_is_set() {
    let dir = tempfile::tempdir().expect("dir");
    let mut config = crate::helpers::test_config(dir.path());
    config.public_origin = Some("https://command.police.internal".into());
    let app = crate::helpers::start_anonymous(config, dir).await;
    let r = app.anonymous().client.get(app.url("/login")).header("host", "evil.example").send().await.expect("request");
    assert_eq!(r.status().as_u16(), 421);
    let r = app.anonymous().client.get(app.url("/login")).header("host", "command.police.internal").send().await;
    assert_eq!(r.expect("request").status().as_u16(), 200);
}

#[tokio::test]
async fn the_api_description_matches_the_rule_table() {
    let app = spawn().await;
    let (s, doc) = app.get("/api/v1/openapi.json").await;
    assert_eq!(s, 200);
    let t = table();
    let api: Vec<&RouteRule> = t.all().iter().filter(|r| r.path.starts_with("/api/v1/")).collect();
    let mut documented = 0;
    for r in &api {
        let path = r.path.trim_start_matches("/api/v1");
        let op = &doc["paths"][path][r.method.as_str().to_lowercase()];
        assert!(op.is_object(), "{} {} is documented", r.method, r.path);
        let want = match r.rule.access {
            Access::Public => "public".to_owned(),
            Access::Needs(p) => p.as_str().to_owned(),
            Access::AnyOf(ps) => ps.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(" | "),
        };
        assert_eq!(op["x-permission"], want.as_str(), "{} {}: the documented permission", r.method, r.path);
        documented += 1;
    }
    // and nothing is documented that the router does not serve
    for (path, ops) in doc["paths"].as_object().expect("paths") {
        for method in ops.as_object().expect("operations").keys() {
            let full = format!("/api/v1{path}");
            let served = api.iter().any(|r| r.path == full && r.method.as_str().eq_ignore_ascii_case(method));
            assert!(served, "{method} {full} is documented but not served");
        }
    }
    assert_eq!(documented, api.len());
}

#[tokio::test]
async fn the_desk_stream_follows_the_incidents_its_messages_became() {
    let app = spawn().await;
    let steward = app.login("stew-1", Role::Steward, None, None).await;
    let mut ws = steward.ws("").await;
    ws.next_within(Duration::from_secs(5)).await.expect("a snapshot");
    let (_, m) = app
        .post(
            "/api/v1/chat/messages",
            json!({"group_id": "g1", "group_name": "群", "message_id": "m-1", "sender_name": "张", "text": "打架了",
                   "lat": JINSHAN.0, "lon": JINSHAN.1, "sent_at": Utc::now().to_rfc3339()}),
        )
        .await;
    let (s, conv) = steward.post(&format!("/api/v1/chat/messages/{}/incident", m["id"]), json!({})).await;
    assert_eq!(s, 201, "{conv}");
    let unit = app.unit_by_callsign("JS-F1").await;
    let (s, _) =
        app.post(&format!("/api/v1/incidents/{}/assign", conv["incident"]["id"]), json!({"unit_id": unit["id"]})).await;
    assert_eq!(s, 200);
    ws.wait_for(Duration::from_secs(5), |e| e["type"] == "chat" && e["message"]["incident_status"] == "dispatched")
        .await
        .expect("the desk hears its incident dispatched");
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_until_one_closes() {
    let app = spawn_with(|c| {
        c.edge.max_connections = 16;
        c.edge.header_timeout_s = 30;
    })
    .await;
    // the admin's client holds a kept-alive connection of its own: fill the rest
    let mut held = vec![];
    for _ in 0..16 {
        held.push(tokio::net::TcpStream::connect(("127.0.0.1", app.port)).await.expect("connects"));
    }
    let fresh = reqwest::Client::new();
    let url = app.url("/healthz");
    let waiting = tokio::spawn(async move { fresh.get(url).send().await.map(|r| r.status().as_u16()) });
    // not served while every place is taken (the kernel holds it in the queue)
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(!waiting.is_finished(), "a request beyond the cap waits");
    // a place frees: it is served
    held.clear();
    let status = tokio::time::timeout(Duration::from_secs(5), waiting).await.expect("served").expect("joins");
    assert_eq!(status.expect("a response"), 200);
}
