//! Several servers on one PostgreSQL database (whatever the suite's
//! backend: these tests always run on PostgreSQL). Two servers in one
//! process, each with its own engine, hub and HTTP port, sharing the
//! database: what one does, the other's screens see, in the same order and
//! under the same numbers; the database keeps a unit taken once; and when
//! the leader goes, the other takes over.

use std::time::Duration;

use serde_json::{Value, json};
use server::Config;

use crate::helpers::{JINSHAN, TestApp, drop_database, postgres_database, start, test_config};

/// Fast elections for tests.
fn clustered(dir: &std::path::Path, url: &str) -> Config {
    let mut c = test_config(dir);
    c.database_url = url.to_owned();
    c.election.every = Duration::from_millis(100);
    c.election.keepalive = Duration::from_millis(400);
    c
}

/// Two servers on one fresh PostgreSQL database; the first leads.
async fn pair() -> (TestApp, TestApp, String) {
    let dir_a = tempfile::tempdir().expect("temp dir");
    let url = postgres_database(dir_a.path());
    let a = start(clustered(dir_a.path(), &url), dir_a).await;
    wait_for_role(&a, "leader").await;
    let dir_b = tempfile::tempdir().expect("temp dir");
    let b = start(clustered(dir_b.path(), &url), dir_b).await;
    assert_eq!(health(&b).await["role"], "follower");
    (a, b, url)
}

async fn health(app: &TestApp) -> Value {
    let r = app.anonymous().client.get(app.url("/healthz")).send().await.expect("request");
    r.json().await.expect("json")
}

/// Waits (bounded) until the server reports `role`.
async fn wait_for_role(app: &TestApp, role: &str) -> std::time::Duration {
    let started = std::time::Instant::now();
    loop {
        if health(app).await["role"] == role {
            return started.elapsed();
        }
        assert!(started.elapsed() < Duration::from_secs(10), "never became {role}: {}", health(app).await);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn an_incident_made_on_one_server_reaches_a_screen_on_the_other_within_a_second() {
    let (a, b, url) = pair().await;
    let mut screen_b = b.ws("").await;
    let snap = screen_b.next_within(Duration::from_secs(5)).await.expect("a snapshot");
    assert_eq!(snap["type"], "snapshot");
    let mut screen_a = a.ws("").await;
    let snap_a = screen_a.next_within(Duration::from_secs(5)).await.expect("a snapshot");
    assert_eq!(snap["epoch"], snap_a["epoch"], "one stream, one epoch, whichever server");

    let made = std::time::Instant::now();
    let incident = a.incident("dispute", JINSHAN.0, JINSHAN.1).await;
    let on_b = screen_b
        .wait_for(Duration::from_secs(1), |m| m["type"] == "incident" && m["incident"]["id"] == incident["id"])
        .await
        .expect("the incident reaches the other server's screen within a second");
    let took = made.elapsed();
    let on_a = screen_a
        .wait_for(Duration::from_secs(1), |m| m["type"] == "incident" && m["incident"]["id"] == incident["id"])
        .await
        .expect("and its own");
    assert_eq!(on_a["seq"], on_b["seq"], "the same number on both servers");
    eprintln!("incident on A → screen on B in {took:?}");

    // B serves it too, from its own mirror, with the same view
    let (status, on_b_api) = b.get(&format!("/api/v1/incidents/{}", incident["id"])).await;
    assert_eq!(status, 200, "{on_b_api}");
    assert_eq!(on_b_api["status"], "new");
    drop((a, b));
    drop_database(&url);
}

#[tokio::test]
async fn thirty_assigns_of_one_unit_split_across_two_servers_have_exactly_one_winner() {
    let (a, b, url) = pair().await;
    let unit = a.unit_by_callsign("JS-C1").await;
    let mut ids = vec![];
    for i in 0..30 {
        let on = if i % 2 == 0 { &a } else { &b };
        ids.push(on.incident("dispute", 25.25 + f64::from(i) * 0.0003, 110.21).await["id"].clone());
    }
    // both servers know every incident before the race starts
    let last = ids.last().cloned().expect("ids");
    for _ in 0..100 {
        if a.get(&format!("/api/v1/incidents/{last}")).await.0 == 200
            && b.get(&format!("/api/v1/incidents/{last}")).await.0 == 200
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let attempts = ids.iter().enumerate().map(|(k, id)| {
        let on = if k % 2 == 0 { &a } else { &b };
        let client = on.client.clone();
        let url = on.url(&format!("/api/v1/incidents/{id}/assign"));
        let body = json!({"unit_id": unit["id"]});
        async move { client.post(url).json(&body).send().await.expect("request").status().as_u16() }
    });
    let statuses = futures_util::future::join_all(attempts).await;
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 29, "{statuses:?}");
    let pool = crate::helpers::db(&url).await;
    let open: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM assignments WHERE cleared_at IS NULL")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(open, 1, "one open assignment in the database");
    let dispatched: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM incidents WHERE status = 'dispatched'")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(dispatched, 1);
    pool.close().await;
    drop((a, b));
    drop_database(&url);
}

#[tokio::test]
async fn a_screen_resumes_on_the_other_server_with_the_number_it_saw() {
    let (a, b, url) = pair().await;
    // a screen on A that stays, to compare
    let mut witness = a.ws("").await;
    let snap = witness.next_within(Duration::from_secs(5)).await.expect("a snapshot");
    let epoch = snap["epoch"].as_str().expect("epoch").to_owned();
    // the screen that moves: on A until it has seen the first incident
    let mut moving = a.ws("").await;
    moving.next_within(Duration::from_secs(5)).await.expect("a snapshot");
    let first = a.incident("dispute", JINSHAN.0, JINSHAN.1).await;
    let seen = moving
        .wait_for(Duration::from_secs(2), |m| m["type"] == "incident" && m["incident"]["id"] == first["id"])
        .await
        .expect("the first incident");
    let since = seen["seq"].as_u64().expect("seq");
    drop(moving);
    // meanwhile, on A
    let second = a.incident("theft", JINSHAN.0, JINSHAN.1).await;
    let third = a.incident("noise", JINSHAN.0, JINSHAN.1).await;
    // what the witness got after `since`, up to the third incident
    let mut want = vec![];
    loop {
        let m = witness.next_within(Duration::from_secs(2)).await.expect("the witness's events");
        if m["type"] == "heartbeat" || m["seq"].as_u64().unwrap_or(0) <= since {
            continue;
        }
        let done = m["type"] == "incident" && m["incident"]["id"] == third["id"];
        want.push((m["seq"].as_u64().expect("seq"), m["type"].clone()));
        if done {
            break;
        }
    }
    // B has them too (within a bound) before the screen comes back
    let last = want.last().map(|w| w.0).expect("events");
    for _ in 0..100 {
        if health(&b).await["seq"].as_u64().unwrap_or(0) >= last {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut back = b.ws(&format!("?since={since}&epoch={epoch}")).await;
    let mut got = vec![];
    while got.len() < want.len() {
        let m = back.next_within(Duration::from_secs(2)).await.expect("the missed events");
        assert_ne!(m["type"], "snapshot", "a resume, not a new snapshot: {m}");
        if m["type"] == "heartbeat" {
            continue;
        }
        got.push((m["seq"].as_u64().expect("seq"), m["type"].clone()));
    }
    assert_eq!(got, want, "exactly what it missed, in order, under the same numbers");
    assert_eq!(got[0].0, since + 1, "nothing skipped");
    assert!(second["id"] != third["id"]);
    drop((a, b));
    drop_database(&url);
}

#[tokio::test]
async fn when_the_leader_stops_the_other_server_leads_within_five_seconds() {
    let (a, b, url) = pair().await;
    assert_eq!(health(&a).await["role"], "leader");
    let term = health(&a).await["term"].as_i64().expect("term");
    let dir_a = a.stop().await;
    let took = wait_for_role(&b, "leader").await;
    assert!(took < Duration::from_secs(5), "took over in {took:?}");
    assert!(health(&b).await["term"].as_i64().expect("term") > term, "a new term");
    // and A, back, follows
    let a = start(clustered(dir_a.path(), &url), dir_a).await;
    assert_eq!(health(&a).await["role"], "follower");
    drop((a, b));
    drop_database(&url);
}

/// One file, imported into a SQLite server and into a PostgreSQL server:
/// every figure of the review, every breakdown, comparison, drill-down and
/// CSV is the same on both.
#[tokio::test]
async fn both_backends_count_one_file_the_same_way() {
    use crate::import::{DAY, file, import, random_past};
    let mut rows = random_past(700, 11, "march");
    // the previous period and the same month last year, for the comparisons
    for (seed, shift, prefix) in [(12, 28 * DAY, "feb"), (13, 365 * DAY, "last-year")] {
        let mut more = random_past(300, seed, prefix);
        for r in &mut more {
            r.received -= shift;
        }
        rows.extend(more);
    }
    let csv = file(&rows);
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = test_config(dir.path());
    config.database_url = format!("sqlite://{}/same.db", dir.path().display());
    let sqlite = start(config, dir).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let url = postgres_database(dir.path());
    let mut config = test_config(dir.path());
    config.database_url = url.clone();
    let postgres = start(config, dir).await;
    for app in [&sqlite, &postgres] {
        let (status, body) = import(app, csv.clone()).await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["imported"], rows.len());
    }

    let march = "from=2025-03-01&to=2025-03-31";
    let mut queries: Vec<String> = vec![
        format!("/api/v1/review?{march}"),
        "/api/v1/review?from=2025-01-01&to=2025-12-31".into(),
        "/api/v1/review?from=2024-03-01&to=2025-03-31".into(),
    ];
    for by in ["station", "zone_class", "category", "channel", "priority", "unit", "hour"] {
        queries.push(format!("/api/v1/review?{march}&by={by}"));
        queries.push(format!("/api/v1/review.csv?{march}&by={by}"));
    }
    for filter in ["zone_class=core", "zone_class=outside", "hour=20", "weekday=2", "priority=1", "category=fight"] {
        queries.push(format!("/api/v1/review?{march}&{filter}"));
    }
    for only in ["breached", "late_dispatch", "late_turnout", "late_travel", "closed", "cancelled", "response"] {
        queries.push(format!("/api/v1/review/incidents?{march}&only={only}"));
        queries.push(format!("/api/v1/review/incidents?{march}&only={only}&page=2"));
    }
    for table in ["heat.csv", "days.csv", "hotspots.csv", "incidents.csv"] {
        queries.push(format!("/api/v1/review/{table}?{march}"));
    }
    let mut compared = 0;
    for q in &queries {
        let get = |app: &TestApp| {
            let (client, url) = (app.client.clone(), app.url(q));
            async move {
                let r = client.get(url).send().await.expect("request");
                (r.status().as_u16(), r.text().await.expect("text"))
            }
        };
        let (a, b) = (get(&sqlite).await, get(&postgres).await);
        assert_eq!(a.0, 200, "{q}: {}", a.1);
        if q.contains(".csv") {
            assert_eq!(a, b, "{q}");
            assert!(a.1.lines().count() > 1, "{q} has lines");
        } else {
            let (a, b): (Value, Value) =
                (serde_json::from_str(&a.1).expect("json"), serde_json::from_str(&b.1).expect("json"));
            assert_eq!(a, b, "{q}");
        }
        compared += 1;
    }
    assert_eq!(compared, queries.len());
    // and the figures are not all empty
    let (_, r) = sqlite.get(&format!("/api/v1/review?{march}")).await;
    assert_eq!(r["total"]["count"], 700);
    drop((sqlite, postgres));
    drop_database(&url);
}

/// On PostgreSQL the review keeps the tallies of whole past buckets of a
/// period: they are used while nothing in their bucket changed, and any
/// change (a statement from anywhere, an import) is counted at once.
#[tokio::test]
async fn kept_review_tallies_are_used_until_their_incidents_change() {
    use crate::import::{DAY, file, import, random_past};
    // twelve months back from March 2025, 60 incidents in each
    let mut rows = vec![];
    for m in 0..12u64 {
        let mut month = random_past(60, 40 + m, &format!("m{m}"));
        for r in &mut month {
            r.received -= m as i64 * 30 * DAY;
        }
        rows.extend(month);
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let url = postgres_database(dir.path());
    let mut config = test_config(dir.path());
    config.database_url = url.clone();
    let app = start(config, dir).await;
    let (status, body) = import(&app, file(&rows)).await;
    assert_eq!(status, 201, "{body}");
    let year = "/api/v1/review?from=2024-03-01&to=2025-03-31&by=priority";
    let priorities = |r: &Value| -> Vec<(String, u64)> {
        r["breakdown"]
            .as_array()
            .expect("a breakdown")
            .iter()
            .map(|g| (g["key"].as_str().unwrap_or("").to_owned(), g["count"].as_u64().unwrap_or(0)))
            .collect()
    };
    let (status, first) = app.get(year).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(priorities(&first), vec![("1".to_owned(), 720)]);
    let (_, again) = app.get(year).await;
    assert_eq!(first, again);

    // a change hidden from the versions (their trigger off) is not seen:
    // the figures come from what was kept, not from a fresh count
    let pool = app.db().await;
    let run = |q: &'static str| {
        let pool = pool.clone();
        async move { sqlx::query(q).execute(&pool).await.expect(q) }
    };
    let september = "UPDATE incidents SET priority = 2 WHERE external_id LIKE 'm6-%'";
    run("ALTER TABLE incidents DISABLE TRIGGER incidents_review_update").await;
    run(september).await;
    run("ALTER TABLE incidents ENABLE TRIGGER incidents_review_update").await;
    let (_, kept) = app.get(year).await;
    assert_eq!(priorities(&kept), vec![("1".to_owned(), 720)], "the kept tallies were used");
    // the same statement with the versions kept: counted at once
    run(september).await;
    let (_, changed) = app.get(year).await;
    assert_eq!(priorities(&changed), vec![("1".to_owned(), 660), ("2".to_owned(), 60)]);

    // an import into an old month: counted at once
    let mut more = random_past(25, 99, "late");
    for r in &mut more {
        r.received -= 5 * 30 * DAY;
    }
    let (status, body) = import(&app, file(&more)).await;
    assert_eq!(status, 201, "{body}");
    let (_, imported) = app.get(year).await;
    assert_eq!(priorities(&imported), vec![("1".to_owned(), 685), ("2".to_owned(), 60)]);
    // and a short period inside one bucket agrees with the year's parts
    let (_, all) = app.get("/api/v1/review?from=2024-03-01&to=2025-03-31").await;
    assert_eq!(all["total"]["count"], 745);
    drop(app);
    drop_database(&url);
}

/// Events deleted before a server read them (it was far behind) leave a gap
/// in its numbers: it reloads its mirror from the database and goes on, and
/// its screens, seeing the gap, come back for a fresh snapshot.
#[tokio::test]
async fn a_server_that_finds_events_gone_reloads_and_goes_on() {
    let (a, b, url) = pair().await;
    let mut screen = b.ws("").await;
    screen.next_within(Duration::from_secs(5)).await.expect("a snapshot");
    let first = a.incident("dispute", JINSHAN.0, JINSHAN.1).await;
    screen
        .wait_for(Duration::from_secs(2), |m| m["type"] == "incident" && m["incident"]["id"] == first["id"])
        .await
        .expect("the first incident");
    // ten numbers the servers never read, as if pruned unread
    let pool = crate::helpers::db(&url).await;
    sqlx::query(
        "INSERT INTO events (seq, at, origin, payload) \
         SELECT MAX(seq) + 10, 0, 'elsewhere', '{\"type\":\"heartbeat\"}' FROM events",
    )
    .execute(&pool)
    .await
    .expect("a gap");
    pool.close().await;
    // a change made on A while nobody had read the gap: both go on
    let second = a.incident("theft", JINSHAN.0, JINSHAN.1).await;
    let seen = screen
        .wait_for(Duration::from_secs(3), |m| m["type"] == "incident" && m["incident"]["id"] == second["id"])
        .await
        .expect("the stream goes on after the gap");
    let (status, on_b) = b.get(&format!("/api/v1/incidents/{}", second["id"])).await;
    assert_eq!((status, on_b["id"].clone()), (200, second["id"].clone()));
    assert!(seen["seq"].as_u64().unwrap_or(0) > 10, "after the gap: {seen}");
    // both servers end at the journal's last number (more may follow: figures)
    let started = std::time::Instant::now();
    loop {
        let (ha, hb) = (health(&a).await, health(&b).await);
        if ha["seq"] == hb["seq"] && ha["lag"] == 0 && hb["lag"] == 0 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(3), "the servers do not meet: {ha} {hb}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop((a, b));
    drop_database(&url);
}

/// The leader's lock connection is cut (as when the network between the
/// leader and the database fails; here PostgreSQL ends that connection):
/// the leader notices within its keepalive and stops leading, the lock is
/// free, and within five seconds exactly one server leads, in a new term.
#[tokio::test]
async fn when_the_leaders_lock_connection_dies_one_server_leads_in_a_new_term() {
    let (a, b, url) = pair().await;
    let term = health(&a).await["term"].as_i64().expect("term");
    let pool = crate::helpers::db(&url).await;
    let pids: Vec<i32> = sqlx::query_scalar(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = 0 AND objid = 7270010 AND granted \
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    )
    .fetch_all(&pool)
    .await
    .expect("the lock's holder");
    assert_eq!(pids.len(), 1, "one server holds the lead: {pids:?}");
    let cut = std::time::Instant::now();
    let _: bool =
        sqlx::query_scalar("SELECT pg_terminate_backend($1)").bind(pids[0]).fetch_one(&pool).await.expect("terminated");
    pool.close().await;
    loop {
        let (ha, hb) = (health(&a).await, health(&b).await);
        let leaders: Vec<&Value> = [&ha, &hb].into_iter().filter(|h| h["role"] == "leader").collect();
        if leaders.len() == 1 && leaders[0]["term"].as_i64().unwrap_or(0) > term {
            let other = if ha["role"] == "leader" { &hb } else { &ha };
            assert_eq!(other["role"], "follower", "{ha} {hb}");
            eprintln!("lock connection cut; a new term after {:?}", cut.elapsed());
            break;
        }
        assert!(cut.elapsed() < Duration::from_secs(5), "no single new leader within 5 s: {ha} {hb}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop((a, b));
    drop_database(&url);
}
