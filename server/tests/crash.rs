//! Tests of the real binary.
//!
//! Kill the real server with SIGKILL in the middle of a busy shift and start
//! it again: nothing acknowledged is lost, stored deadlines stand, a timer
//! that ran out while the server was down turns red once at start-up, and a
//! timer still running fires at its original deadline. The command line
//! makes the first admin and a tracker's token, as a deployment would.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

mod common;

use common::{launch, logged_in, repo};

/// Runs `command-room ARGS` with `stdin`; its exit code, stdout and stderr.
fn cli(args: &[&str], stdin: &str) -> (Option<i32>, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_command-room"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("written");
    let out = child.wait_with_output().expect("finishes");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const ADMIN_PASSWORD: &str = "night shift at jinshui 7";

/// GET `path` on the server as JSON.
async fn get(client: &reqwest::Client, base: &str, path: &str) -> Value {
    client.get(format!("{base}{path}")).send().await.expect("request").json().await.expect("json")
}

fn time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("a time, got {v}")))
        .expect("RFC 3339")
        .with_timezone(&Utc)
}

/// What the server acknowledged (2xx) before it died.
#[derive(Default)]
struct Acked {
    incidents: BTreeMap<i64, Value>,
    /// (incident, unit) assignments
    assignments: BTreeSet<(i64, i64)>,
    /// (unit, status) changes
    unit_moves: Vec<(i64, i64, String)>,
}

async fn busy_clients(
    base: String,
    client: reqwest::Client,
    acked: Arc<Mutex<Acked>>,
    stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut n = 0u32;
    while !*stop.borrow() {
        n += 1;
        // alternate a core-zone point (short target) and one outside every zone (long)
        let (lat, lon) =
            if n.is_multiple_of(2) { (25.2480, 110.2080 + f64::from(n % 7) * 0.0001) } else { (25.2680, 110.2330) };
        let body = json!({"channel": "phone", "category": "dispute", "lat": lat, "lon": lon, "address": "crash test"});
        let Ok(r) = client.post(format!("{base}/api/v1/incidents")).json(&body).send().await else { continue };
        if r.status().as_u16() != 201 {
            continue;
        }
        let Ok(incident) = r.json::<Value>().await else { continue };
        let id = incident["id"].as_i64().expect("id");
        acked.lock().expect("lock").incidents.insert(id, incident);
        // every other incident waits (for the simulated dispatcher): its
        // dispatch timer runs, and may run out while the server is down
        if n % 2 == 1 {
            continue;
        }
        // send the best unit, and move it along
        let Ok(r) = client.get(format!("{base}/api/v1/incidents/{id}/recommendations?k=1")).send().await else {
            continue;
        };
        let Ok(recs) = r.json::<Value>().await else { continue };
        let Some(unit) = recs.get(0).and_then(|r| r["unit_id"].as_i64()) else { continue };
        let Ok(r) =
            client.post(format!("{base}/api/v1/incidents/{id}/assign")).json(&json!({"unit_id": unit})).send().await
        else {
            continue;
        };
        if r.status().is_success() {
            acked.lock().expect("lock").assignments.insert((id, unit));
            if n.is_multiple_of(3) {
                let r = client
                    .post(format!("{base}/api/v1/units/{unit}/status"))
                    .json(&json!({"status": "en_route"}))
                    .send()
                    .await;
                if r.is_ok_and(|r| r.status().is_success()) {
                    acked.lock().expect("lock").unit_moves.push((id, unit, "en_route".into()));
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_shift_loses_nothing_and_timers_resume() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\nbind = \"127.0.0.1:0\"\nsite_root = {site:?}\nheartbeat_s = 1\n\
             [database]\nurl = \"sqlite://{db}/crash.db\"\n\
             [district]\nfile = {district:?}\n\
             [simulator]\nenabled = true\nspeed = 5\nseed = 7\n\
             [policy]\ndispatch_s = 3\narrival_core_s = 4\narrival_crowded_s = 5\narrival_other_s = 6\narrival_outside_s = 15\n",
            site = repo().join("target/site").display().to_string(),
            db = dir.path().display(),
            district = repo().join("config/district-lingui.toml").display().to_string(),
        ),
    )
    .expect("config written");

    let (mut server, base) = launch(&config);
    // the first admin, from the command line, as a deployment makes it
    let db = format!("sqlite://{}/crash.db", dir.path().display());
    let (code, out, err) = cli(
        &["users", "add", "--database", &db, "--name", "crash-admin", "--role", "admin"],
        &format!("{ADMIN_PASSWORD}\n"),
    );
    assert_eq!(code, Some(0), "{out} {err}");
    let (client, _) = logged_in(&base, "crash-admin", ADMIN_PASSWORD).await;
    // A sentinel nobody can reach during the test (90 km out, outside every
    // zone): its 15 s arrival timer must survive the crash and fire on time.
    let sentinel: Value = client
        .post(format!("{base}/api/v1/incidents"))
        .json(&json!({"channel": "phone", "category": "medical", "lat": 25.9, "lon": 110.9, "address": "far away"}))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let sentinel_id = sentinel["id"].as_i64().expect("the sentinel was created");
    let acked = Arc::new(Mutex::new(Acked::default()));
    acked.lock().expect("lock").incidents.insert(sentinel_id, sentinel.clone());
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let clients: Vec<_> = (0..3)
        .map(|_| tokio::spawn(busy_clients(base.clone(), client.clone(), acked.clone(), stopped.clone())))
        .collect();

    // a busy shift: clients and the simulator writing; kill once enough is acknowledged
    for _ in 0..200 {
        if acked.lock().expect("lock").incidents.len() >= 25 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.sigkill();
    let killed_at = Utc::now();
    let _ = stop.send(true);
    for c in clients {
        let _ = c.await;
    }
    let acked = std::mem::take(&mut *acked.lock().expect("lock"));
    assert!(acked.incidents.len() >= 25, "the shift was busy: {} incidents", acked.incidents.len());
    assert!(!acked.assignments.is_empty());

    // down long enough for core-zone arrival timers (4 s) to run out
    tokio::time::sleep(Duration::from_secs(3)).await;
    let restarted_at = Utc::now();
    let (mut server, base) = launch(&config);
    // sessions are in the database: the same cookie works after the restart

    // 1. everything acknowledged is there, as it was acknowledged
    for (id, before) in &acked.incidents {
        let r = client.get(format!("{base}/api/v1/incidents/{id}")).send().await.expect("request");
        assert_eq!(r.status().as_u16(), 200, "acknowledged incident {id} is missing");
        let after: Value = r.json().await.expect("json");
        for k in ["received_at", "lat", "lon", "zone_class"] {
            assert_eq!(after[k], before[k], "incident {id}: {k}");
        }
        for t in ["dispatch_timer", "arrival_timer"] {
            assert_eq!(after[t]["deadline"], before[t]["deadline"], "incident {id}: the {t} deadline stands");
            assert_eq!(after[t]["amber_at"], before[t]["amber_at"]);
        }
        let timeline = after["timeline"].as_array().expect("timeline");
        for (incident, unit) in acked.assignments.iter().filter(|(i, _)| i == id) {
            assert!(
                timeline.iter().any(|e| e["entity"] == "unit" && e["entity_id"] == *unit && e["to"] == "dispatched"),
                "acknowledged assignment of unit {unit} to incident {incident} is missing"
            );
        }
        for (_, unit, status) in acked.unit_moves.iter().filter(|(i, _, _)| i == id) {
            assert!(
                timeline.iter().any(|e| e["entity"] == "unit" && e["entity_id"] == *unit && e["to"] == status.as_str()),
                "acknowledged move of unit {unit} to {status} is missing"
            );
        }
    }

    // 2. timers that ran out while the server was down turn red at start-up,
    //    once (the engine fires them before it takes any command)
    // every alert since shortly before the crash ("Z", not "+00:00", in a URL)
    let since = (killed_at - chrono::Duration::minutes(10)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let alerts_path = format!("/api/v1/alerts?limit=1000&since={since}");
    let alerts: Vec<Value> = serde_json::from_value(get(&client, &base, &alerts_path).await).expect("a list");
    let mut expired_while_down = 0;
    for id in acked.incidents.keys() {
        let after = get(&client, &base, &format!("/api/v1/incidents/{id}")).await;
        for (field, kind) in [("dispatch_timer", "dispatch"), ("arrival_timer", "arrival")] {
            let t = &after[field];
            let deadline = time(&t["deadline"]);
            let running_at_kill = t["stopped_at"].as_str().is_none_or(|s| time(&json!(s)) >= restarted_at);
            if deadline > killed_at && deadline < restarted_at && running_at_kill {
                expired_while_down += 1;
                let reds: Vec<&Value> = alerts
                    .iter()
                    .filter(|a| {
                        a["incident"] == *id && a["timer"] == kind && a["level"] == "red" && a["kind"] == "timer"
                    })
                    .collect();
                assert_eq!(reds.len(), 1, "incident {id}: the {kind} timer ran out while down; red alerts: {reds:?}");
                assert!(time(&reds[0]["at"]) >= restarted_at, "incident {id}: red at start-up, not before the crash");
            }
        }
    }
    assert!(expired_while_down >= 1, "the test must see at least one timer run out while the server was down");
    // never twice: one alert per (incident, timer, level, kind), across the crash
    let mut seen = BTreeSet::new();
    for a in &alerts {
        let key = (a["incident"].as_i64(), a["timer"].to_string(), a["level"].to_string(), a["kind"].to_string());
        assert!(seen.insert(key.clone()), "fired twice: {key:?}");
    }

    // 3. a timer still running when the server died fires at its original deadline
    let deadline = time(&sentinel["arrival_timer"]["deadline"]);
    assert!(deadline > Utc::now(), "the sentinel's timer outlives the restart");
    let mut fired = None;
    for _ in 0..300 {
        let alerts: Vec<Value> = serde_json::from_value(get(&client, &base, &alerts_path).await).expect("a list");
        fired = alerts.into_iter().find(|a| {
            a["incident"] == sentinel_id && a["timer"] == "arrival" && a["level"] == "red" && a["kind"] == "timer"
        });
        if fired.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let fired = fired.expect("the sentinel's arrival timer turned red after the restart");
    let late = time(&fired["at"]) - deadline;
    assert!(
        late >= chrono::Duration::zero() && late < chrono::Duration::milliseconds(600),
        "fired {late} after its deadline"
    );
    eprintln!(
        "crash test: {} incidents, {} assignments, {} unit moves acknowledged; {expired_while_down} timers ran out while down; \
         the sentinel fired {} ms after its deadline",
        acked.incidents.len(),
        acked.assignments.len(),
        acked.unit_moves.len(),
        late.num_milliseconds()
    );
    server.sigkill();
}

#[test]
fn a_bad_config_is_refused_at_start_up_naming_the_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (text, key) in [
        ("[policy]\ndispatch_s = -5\n", "policy.dispatch_s"),
        ("[travel.speeds_kmh]\nfoot = 0\n", "travel.speeds_kmh.foot"),
        ("[travel.speeds_kmh]\nhovercraft = 40\n", "travel.speeds_kmh.hovercraft: unknown unit kind"),
        ("[server]\nbind = \"nowhere\"\n", "server.bind"),
    ] {
        let config = dir.path().join("bad.toml");
        std::fs::write(&config, text).expect("config written");
        let out = Command::new(env!("CARGO_BIN_EXE_command-room")).arg("--config").arg(&config).output().expect("runs");
        assert_eq!(out.status.code(), Some(2), "{text}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(key), "{key} not named in: {stderr}");
    }
}

#[tokio::test]
async fn the_command_line_makes_accounts_and_tokens_for_a_deployment() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("config.toml");
    let db = format!("sqlite://{}/cli.db", dir.path().display());
    std::fs::write(
        &config,
        format!(
            "[server]\nbind = \"127.0.0.1:0\"\nsite_root = {site:?}\n[database]\nurl = {db:?}\n[district]\nfile = {district:?}\n",
            site = repo().join("target/site").display().to_string(),
            district = repo().join("config/district-lingui.toml").display().to_string(),
        ),
    )
    .expect("config written");
    // the first admin on a fresh database, before the server ever ran
    let (code, out, err) =
        cli(&["users", "add", "--database", &db, "--name", "first-admin", "--role", "admin"], "bad\n");
    assert_eq!(code, Some(1), "a short password is refused: {out}");
    assert!(err.contains("at least 8 characters"), "{err}");
    let (code, _, err) =
        cli(&["users", "add", "--database", &db, "--name", "first-admin", "--role", "admin"], "password123\n");
    assert_eq!(code, Some(1));
    assert!(err.contains("most common"), "{err}");
    let (code, out, err) = cli(
        &["users", "add", "--database", &db, "--name", "first-admin", "--role", "admin"],
        "red lantern over the river\n",
    );
    assert_eq!(code, Some(0), "{out} {err}");
    assert!(out.contains("account first-admin (admin) made"), "{out}");
    let (code, _, err) = cli(
        &["users", "add", "--database", &db, "--name", "first-admin", "--role", "admin"],
        "red lantern over the river\n",
    );
    assert_eq!(code, Some(1), "no two accounts of one name");
    assert!(err.contains("exists"), "{err}");
    let (code, _, err) = cli(
        &["users", "add", "--database", &db, "--name", "x-chief", "--role", "chief"],
        "red lantern over the river\n",
    );
    assert_eq!(code, Some(1));
    assert!(err.contains("needs a station"), "{err}");
    // the server loads the district; units and stations exist from then on
    let (mut server, base) = launch(&config);
    let (code, out, err) = cli(
        &["users", "add", "--database", &db, "--name", "chen", "--role", "chief", "--station", "JSL"],
        "red lantern over the river\n",
    );
    assert_eq!(code, Some(0), "{out} {err}");
    let (code, out, err) = cli(
        &["tokens", "add", "--database", &db, "--role", "tracker", "--name", "gps-gateway", "--unit", "JS-C1", "JS-C2"],
        "",
    );
    assert_eq!(code, Some(0), "{out} {err}");
    let token = out.lines().last().expect("the token as the last line").trim().to_owned();
    assert!(token.starts_with("crt_") && token.len() == 47, "{token}");
    let (code, _, err) = cli(&["tokens", "add", "--database", &db, "--role", "tracker", "--name", "gps-2"], "");
    assert_eq!(code, Some(1));
    assert!(err.contains("needs its units"), "{err}");
    let (code, out, _) = cli(
        &["tokens", "add", "--database", &db, "--role", "bridge", "--name", "wechat", "--group", "jsl-shops-01"],
        "",
    );
    assert_eq!(code, Some(0));
    assert!(out.lines().last().is_some_and(|l| l.starts_with("crt_")));
    // the token works as a tracker's, for its units only
    let (admin, _) = logged_in(&base, "first-admin", "red lantern over the river").await;
    let units: Vec<Value> = admin.get(format!("{base}/api/v1/units")).send().await.expect("r").json().await.expect("j");
    let id = |c: &str| units.iter().find(|u| u["callsign"] == c).map(|u| u["id"].clone()).expect("a unit");
    let now = Utc::now().to_rfc3339();
    let r: Value = reqwest::Client::new()
        .post(format!("{base}/api/v1/positions"))
        .bearer_auth(&token)
        .json(&json!([
            {"unit_id": id("JS-C2"), "lat": 25.25, "lon": 110.21, "at": now},
            {"unit_id": id("RS-C1"), "lat": 25.25, "lon": 110.21, "at": now}
        ]))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(r["accepted"], 1, "{r}");
    assert_eq!(r["rejected"][0]["index"], 1, "not its unit: {r}");
    // listed, never shown again; revoked, refused
    let (_, out, _) = cli(&["tokens", "list", "--database", &db], "");
    assert!(out.contains("gps-gateway") && !out.contains(&token), "{out}");
    let (code, _, _) = cli(&["tokens", "revoke", "--database", &db, "--name", "gps-gateway"], "");
    assert_eq!(code, Some(0));
    // the server reads a token again within a few seconds of a revocation made elsewhere
    let mut refused = false;
    for _ in 0..40 {
        let r = reqwest::Client::new().get(format!("{base}/api/v1/units")).bearer_auth(&token).send().await.expect("r");
        if r.status().as_u16() == 401 {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(refused, "the revoked token is refused");
    let (_, out, _) = cli(&["users", "list", "--database", &db], "");
    assert!(out.contains("first-admin\tadmin") && out.contains("chen\tchief\tJSL"), "{out}");
    server.sigkill();
}

/// Runs `command-room ARGS` several times at once; their exit codes and output.
fn cli_together(args: &[&str], n: usize) -> Vec<(Option<i32>, String)> {
    let children: Vec<Child> = (0..n)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_command-room"))
                .args(args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("runs")
        })
        .collect();
    children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().expect("finishes");
            let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
            (out.status.code(), text)
        })
        .collect()
}

#[tokio::test]
async fn servers_starting_together_migrate_once_on_either_backend() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite = format!("sqlite://{}/together.db", dir.path().display());
    let db = common::TestDatabase::new("cr_migrate");
    let postgres = db.url.clone();
    for url in [&sqlite, &postgres] {
        let runs = cli_together(&["migrate", "--database", url], 4);
        for (code, out) in &runs {
            assert_eq!(*code, Some(0), "{url}: {out}");
            assert!(out.contains("is up to date"), "{out}");
        }
        let first = &runs[0].1;
        assert!(runs.iter().all(|(_, out)| out == first), "every run sees the same schema: {runs:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_backup_is_consistent_while_the_server_writes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("config.toml");
    let db = format!("sqlite://{}/live.db", dir.path().display());
    std::fs::write(
        &config,
        format!(
            "[server]\nbind = \"127.0.0.1:0\"\nsite_root = {site:?}\nheartbeat_s = 1\n\
             [database]\nurl = {db:?}\n[district]\nfile = {district:?}\n\
             [simulator]\nenabled = true\nspeed = 20\nseed = 3\n",
            site = repo().join("target/site").display().to_string(),
            district = repo().join("config/district-lingui.toml").display().to_string(),
        ),
    )
    .expect("config written");
    let (_server, _base) = launch(&config);
    // the simulator writes positions and incidents while the copy is made
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let copy = dir.path().join("copy.db");
    let (code, out, err) = cli(&["backup", "--database", &db, "--to", copy.to_str().expect("utf-8")], "");
    assert_eq!(code, Some(0), "{out} {err}");
    assert!(out.contains("backed up to"), "{out}");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", copy.display())).await.expect("the copy opens");
    let check: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&pool).await.expect("check");
    assert_eq!(check, "ok");
    let positions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM positions").fetch_one(&pool).await.expect("count");
    assert!(positions > 0, "the copy holds what was written");
    let migrations: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations").fetch_one(&pool).await.expect("count");
    assert!(migrations >= 11, "and the schema: {migrations}");
    pool.close().await;
    // never over an existing file
    let (code, _, err) = cli(&["backup", "--database", &db, "--to", copy.to_str().expect("utf-8")], "");
    assert_ne!(code, Some(0));
    assert!(err.contains("exists already"), "{err}");
}
