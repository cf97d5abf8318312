//! Two real servers on one PostgreSQL database, and the leader killed with
//! SIGKILL in the middle of a shift: the other takes over within five
//! seconds, fires every timer that came due (each level once), nothing the
//! dead server acknowledged is lost, and the event stream a screen on the
//! survivor reads has no number skipped or repeated.
//!
//! Needs a PostgreSQL server (`TEST_POSTGRES_URL`, default
//! `postgres://postgres@127.0.0.1:5432`, as `scripts/test.sh` ensures); the
//! test makes its own database and drops it.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::{Value, json};
use sqlx::Connection;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

mod common;

use common::{TestDatabase, launch, logged_in, repo};

const PASSWORD: &str = "two servers one database";

async fn health(base: &str) -> Value {
    match reqwest::get(format!("{base}/healthz")).await {
        Ok(r) => r.json().await.unwrap_or(Value::Null),
        Err(_) => Value::Null,
    }
}

async fn wait_for_role(base: &str, role: &str, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if health(base).await["role"] == role {
            return Some(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_of_the_leader_the_other_takes_over_and_fires_each_timer_once() {
    let db = TestDatabase::new("cr_failover");
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\nbind = \"127.0.0.1:0\"\nsite_root = {site:?}\nheartbeat_s = 1\n\
             [database]\nurl = {url:?}\nelection_ms = 100\nkeepalive_ms = 500\n\
             [district]\nfile = {district:?}\n\
             [policy]\ndispatch_s = 4\narrival_core_s = 6\narrival_crowded_s = 6\narrival_other_s = 6\narrival_outside_s = 6\n",
            site = repo().join("target/site").display().to_string(),
            url = db.url,
            district = repo().join("config/district-lingui.toml").display().to_string(),
        ),
    )
    .expect("config written");

    let (mut a, base_a) = launch(&config);
    wait_for_role(&base_a, "leader", Duration::from_secs(10)).await.expect("the first server leads");
    let (_b, base_b) = launch(&config);
    assert_eq!(health(&base_b).await["role"], "follower");
    let mut cli = Command::new(env!("CARGO_BIN_EXE_command-room"))
        .args(["users", "add", "--database", &db.url, "--name", "failover-admin", "--role", "admin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the CLI runs");
    cli.stdin.take().expect("stdin").write_all(format!("{PASSWORD}\n").as_bytes()).expect("written");
    assert!(cli.wait().expect("the CLI ends").success());
    let (client_a, cookie) = logged_in(&base_a, "failover-admin", PASSWORD).await;

    // a screen on the survivor, reading everything from the start
    let mut req = format!("{}/ws", base_b.replace("http://", "ws://")).into_client_request().expect("request");
    req.headers_mut().insert("cookie", cookie.parse().expect("a cookie"));
    let (mut screen, _) = tokio_tungstenite::connect_async(req).await.expect("the screen connects");
    let screen_task = tokio::spawn(async move {
        let mut seqs = vec![];
        while let Some(Ok(m)) = screen.next().await {
            if let Message::Text(t) = m {
                let v: Value = serde_json::from_str(t.as_str()).unwrap_or(Value::Null);
                if v["type"] != "heartbeat" && v["type"] != "snapshot" {
                    seqs.push(v["seq"].as_u64().unwrap_or(0));
                }
                if v["type"] == "snapshot" {
                    seqs.push(v["seq"].as_u64().unwrap_or(0));
                }
            }
        }
        seqs
    });

    // incidents acknowledged by the leader: their timers (4 s to dispatch,
    // 6 s to arrive) come due after it is dead
    let mut acked = vec![];
    for k in 0..8 {
        let body = json!({"channel": "phone", "category": "dispute", "lat": 25.2480, "lon": 110.2080 + f64::from(k) * 0.0001, "address": "failover"});
        let r = client_a.post(format!("{base_a}/api/v1/incidents")).json(&body).send().await.expect("request");
        assert_eq!(r.status().as_u16(), 201);
        let v: Value = r.json().await.expect("json");
        acked.push(v["id"].as_i64().expect("id"));
    }
    a.sigkill();
    let killed = Instant::now();

    let took = wait_for_role(&base_b, "leader", Duration::from_secs(10)).await.expect("the survivor leads");
    assert!(took < Duration::from_secs(5), "took over in {took:?}");
    eprintln!("leader killed; the other server led {took:?} later");

    // every acknowledged incident is there, through the survivor
    let (client_b, _) = logged_in(&base_b, "failover-admin", PASSWORD).await;
    for id in &acked {
        let r = client_b.get(format!("{base_b}/api/v1/incidents/{id}")).send().await.expect("request");
        assert_eq!(r.status().as_u16(), 200, "incident {id} was acknowledged");
    }
    // every timer level fires, once: dispatch and arrival, amber and red
    let mut fired: BTreeMap<(i64, String, String), usize> = BTreeMap::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        let v: Value = client_b
            .get(format!("{base_b}/api/v1/alerts?limit=500"))
            .send()
            .await
            .expect("request")
            .json()
            .await
            .expect("json");
        fired.clear();
        for a in v.as_array().into_iter().flatten().filter(|a| a["kind"] == "timer") {
            let key = (
                a["incident"].as_i64().unwrap_or(0),
                a["timer"].as_str().unwrap_or("").to_owned(),
                a["level"].as_str().unwrap_or("").to_owned(),
            );
            *fired.entry(key).or_default() += 1;
        }
        if fired.len() == acked.len() * 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for id in &acked {
        for timer in ["dispatch", "arrival"] {
            for level in ["amber", "red"] {
                let n = fired.get(&(*id, timer.to_owned(), level.to_owned())).copied().unwrap_or(0);
                assert_eq!(n, 1, "incident {id}: the {level} {timer} alert fired {n} times: {fired:?}");
            }
        }
    }
    eprintln!("every timer fired once, {:?} after the kill", killed.elapsed());

    // the journal is gapless, and the survivor's screen read it all, in order
    let mut c = sqlx::PgConnection::connect(&db.url).await.expect("the database");
    let (n, max): (i64, i64) =
        sqlx::query_as("SELECT COUNT(*), COALESCE(MAX(seq), 0) FROM events").fetch_one(&mut c).await.expect("count");
    assert_eq!(n, max, "no number skipped in the journal");
    drop(c);
    drop(_b);
    let seqs =
        tokio::time::timeout(Duration::from_secs(10), screen_task).await.expect("the screen ends").expect("joins");
    assert!(seqs.len() > acked.len(), "{seqs:?}");
    for w in seqs.windows(2) {
        assert_eq!(w[1], w[0] + 1, "the screen saw every number once, in order: {seqs:?}");
    }
    assert_eq!(*seqs.last().expect("seqs") as i64, max, "and up to the journal's end");
}
