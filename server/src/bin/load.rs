//! Load tool: starts the real server (release build) on a fresh database,
//! registers N units through the API, streams their positions through
//! `POST /api/v1/positions` while asking for recommendations through the API,
//! and reports what was sustained.
//!
//!     cargo build --release -p server
//!     cargo run --release -p server --features load-tool --bin load -- --units 10000 --seconds 30
//!
//! Phases: (1) paced: every unit reports once a second, while `--recs`
//! recommendation requests a second are timed; (2) flat out: positions as
//! fast as the server acknowledges them. Every accepted position is durable
//! (the unit's trail); the tool counts the trail rows at the end to prove it.
//!
//! The tool acts as the deployment would: an administrator made with the
//! command line (`command-room users add`) registers the units and asks for
//! recommendations with a session cookie; a tracker token bound to every
//! unit (`command-room tokens add`) reports the positions.
//!
//! With `--postgres postgres://user@host:port` the servers share a fresh
//! PostgreSQL database (made here, dropped at the end) instead of a SQLite
//! file, and `--instances N` starts N servers on it: positions go to every
//! server in turn, recommendations are asked of the first, and websocket
//! clients watch the last, so what they see crossed between servers
//! through the shared event journal.
//!
//! With `--ws-clients N`, N websocket clients watch the live stream during
//! the paced phase (a mix of unfiltered wall screens, station screens,
//! officers' phones and clients that never read). The tool reports messages
//! and positions delivered per second, the latency from a position's report
//! (stamped when its batch is sent) and from an event's publication to its
//! receipt, sequence gaps seen by unfiltered clients (must be 0), the server's
//! RSS every 30 s, and whether the server dropped the clients that never read.

use sqlx::Connection;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

struct Args {
    units: usize,
    seconds: u64,
    batch: usize,
    concurrency: usize,
    recs_per_s: u64,
    incidents: usize,
    server_bin: PathBuf,
    flat_out_s: u64,
    ws_clients: usize,
    ws_all_pct: usize,
    ws_stalled: usize,
    /// A PostgreSQL server's URL (without a database): run on it.
    postgres: Option<String>,
    instances: usize,
}

fn parse_args() -> Args {
    let mut a = Args {
        units: 10_000,
        seconds: 30,
        batch: 1_000,
        concurrency: 4,
        recs_per_s: 200,
        incidents: 50,
        server_bin: std::env::current_exe()
            .ok()
            .and_then(|p| p.parent().map(|d| d.join("command-room")))
            .unwrap_or_default(),
        flat_out_s: 10,
        ws_clients: 0,
        ws_all_pct: 5,
        ws_stalled: 10,
        postgres: None,
        instances: 1,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut val = || it.next().unwrap_or_else(|| usage(&format!("{flag} needs a value")));
        let num = |v: String| v.parse::<u64>().unwrap_or_else(|_| usage(&format!("not a number: {v}")));
        match flag.as_str() {
            "--units" => a.units = num(val()) as usize,
            "--seconds" => a.seconds = num(val()),
            "--batch" => a.batch = num(val()) as usize,
            "--concurrency" => a.concurrency = num(val()) as usize,
            "--recs" => a.recs_per_s = num(val()),
            "--incidents" => a.incidents = num(val()) as usize,
            "--flat-out" => a.flat_out_s = num(val()),
            "--server-bin" => a.server_bin = PathBuf::from(val()),
            "--ws-clients" => a.ws_clients = num(val()) as usize,
            "--ws-all" => a.ws_all_pct = num(val()) as usize,
            "--ws-stalled" => a.ws_stalled = num(val()) as usize,
            "--postgres" => a.postgres = Some(val().trim_end_matches('/').to_owned()),
            "--instances" => a.instances = (num(val()) as usize).max(1),
            "--help" | "-h" => usage(""),
            other => usage(&format!("unknown option {other}")),
        }
    }
    a
}

fn usage(msg: &str) -> ! {
    eprintln!(
        "{msg}\nusage: load [--units N=10000] [--seconds S=30] [--batch B=1000] [--concurrency C=4] [--recs R=200]\n\
         \x20           [--incidents M=50] [--flat-out S=10] [--server-bin PATH]\n\
         \x20           [--ws-clients W=0] [--ws-all PCT=5] [--ws-stalled S=10]\n\
         \x20           [--postgres postgres://user@host:port] [--instances N=1]"
    );
    std::process::exit(2)
}

/// The server process, stopped when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn rss_mb(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

/// Nearest rank, as the review defines it (`domain::stats`).
fn percentile(values: &mut [f64], p: f64) -> f64 {
    domain::stats::percentile_nearest_rank(values, p).unwrap_or(f64::NAN)
}

/// The demo district's extent: units are spread over it.
const SOUTH_WEST: (f64, f64) = (25.208, 110.162);
const NORTH_EAST: (f64, f64) = (25.272, 110.238);
const STATIONS: [&str; 4] = ["JSL", "RS", "RMR", "SDFL"];
const KINDS: [&str; 5] = ["car", "motorbike", "ebike", "foot", "post"];

fn random_point(rng: &mut SmallRng) -> (f64, f64) {
    (rng.random_range(SOUTH_WEST.0..NORTH_EAST.0), rng.random_range(SOUTH_WEST.1..NORTH_EAST.1))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = parse_args();
    raise_open_files();
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = tempfile_dir()?;
    let config = dir.join("load.toml");
    let database = match &args.postgres {
        Some(base) => {
            let name = format!("cr_load_{}", std::process::id());
            let mut c = sqlx::PgConnection::connect(&format!("{base}/postgres")).await?;
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut c).await?;
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut c).await?;
            format!("{base}/{name}")
        }
        None => format!("sqlite://{}/load.db", dir.display()),
    };
    std::fs::write(
        &config,
        format!(
            "[server]\nbind = \"127.0.0.1:0\"\nsite_root = {:?}\n[database]\nurl = {database:?}\n[district]\nfile = {:?}\n[simulator]\nenabled = false\n",
            repo.join("target/site").display().to_string(),
            repo.join("config/district-lingui.toml").display().to_string()
        ),
    )?;
    let mut servers = vec![start(&args.server_bin, &config)?];
    for _ in 1..args.instances {
        servers.push(start(&args.server_bin, &config)?);
    }
    let server = &servers[0];
    let pid = server.child.id();
    let pids: Vec<u32> = servers.iter().map(|s| s.child.id()).collect();
    println!(
        "{} server(s) {} (pids {pids:?}) on {}",
        servers.len(),
        servers.iter().map(|s| s.base.as_str()).collect::<Vec<_>>().join(", "),
        if args.postgres.is_some() { "PostgreSQL" } else { "SQLite" }
    );
    let base = server.base.clone();
    let bases: Vec<String> = servers.iter().map(|s| s.base.clone()).collect();
    let watched = servers.last().map(|s| s.base.clone()).unwrap_or_else(|| base.clone());
    // an administrator, as a deployment makes its first one, logged in
    let password = "load tool at the night desk";
    cli(
        &args.server_bin,
        &["users", "add", "--database", &database, "--name", "load-admin", "--role", "admin"],
        password,
    )?;
    let cookie = log_in(&base, "load-admin", password).await?;
    let client = with_header(reqwest::header::COOKIE, &cookie)?;

    // 1. register the units
    let t = Instant::now();
    let ids = register(&client, &base, args.units).await?;
    println!(
        "registered {} units in {:.1} s ({:.0}/s); server RSS {:.1} MB",
        ids.len(),
        t.elapsed().as_secs_f64(),
        ids.len() as f64 / t.elapsed().as_secs_f64(),
        rss_mb(pid)
    );

    // a tracker bound to every unit reports their positions
    let callsigns: Vec<String> = (0..args.units).map(|i| format!("L-{i}")).collect();
    let mut token_args =
        vec!["tokens", "add", "--database", &database, "--role", "tracker", "--name", "load-tracker", "--unit"];
    token_args.extend(callsigns.iter().map(String::as_str));
    let token = cli(&args.server_bin, &token_args, "")?;
    let tracker = with_header(reqwest::header::AUTHORIZATION, &format!("Bearer {token}"))?;

    // incidents to ask recommendations for
    let mut rng = SmallRng::seed_from_u64(7);
    let mut incidents = vec![];
    for _ in 0..args.incidents {
        let (lat, lon) = random_point(&mut rng);
        let r: Value = client
            .post(format!("{base}/api/v1/incidents"))
            .json(&json!({"channel": "phone", "category": "dispute", "lat": lat, "lon": lon}))
            .send()
            .await?
            .json()
            .await?;
        incidents.push(r["id"].as_i64().unwrap_or(1));
    }

    // websocket clients: a mix of wall screens, station chiefs' screens,
    // officers' phones and a few clients that never read
    let (stop_ws, stop_rx) = tokio::sync::watch::channel(false);
    let seen = Arc::new(ws::Seen::default());
    let hist = Arc::new(std::sync::Mutex::new(ws::Hist::default()));
    let published = Arc::new(std::sync::Mutex::new(ws::Hist::default()));
    let mut ws_tasks = vec![];
    if args.ws_clients > 0 {
        let t = Instant::now();
        let ws_base = watched.replacen("http://", "ws://", 1);
        let n_all = (args.ws_clients * args.ws_all_pct).div_ceil(100);
        let n_station = args.ws_clients * 15 / 100;
        let mut kinds = vec![];
        for i in 0..args.ws_clients {
            kinds.push(if i < args.ws_stalled {
                ws::Kind::Stalled
            } else if i < args.ws_stalled + n_all {
                ws::Kind::All
            } else if i < args.ws_stalled + n_all + n_station {
                ws::Kind::Station(STATIONS[i % 4])
            } else {
                ws::Kind::Unit(ids[i % ids.len().max(1)])
            });
        }
        let count = |f: fn(&ws::Kind) -> bool| kinds.iter().filter(|k| f(k)).count();
        let readers = args.ws_clients - count(|k| matches!(k, ws::Kind::Stalled));
        println!(
            "websocket clients: {} all, {} station, {} unit, {} stalled",
            count(|k| matches!(k, ws::Kind::All)),
            count(|k| matches!(k, ws::Kind::Station(_))),
            count(|k| matches!(k, ws::Kind::Unit(_))),
            count(|k| matches!(k, ws::Kind::Stalled))
        );
        for (i, kind) in kinds.into_iter().enumerate() {
            let url = match kind {
                ws::Kind::Station(s) => format!("{ws_base}/ws?station={s}"),
                ws::Kind::Unit(id) => format!("{ws_base}/ws?unit={id}"),
                _ => format!("{ws_base}/ws"),
            };
            ws_tasks.push(tokio::spawn(ws::client(
                url,
                cookie.clone(),
                kind,
                stop_rx.clone(),
                seen.clone(),
                hist.clone(),
                published.clone(),
            )));
            if i % 50 == 49 {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        let wait = Instant::now() + Duration::from_secs(60);
        while (seen.ready.load(Ordering::Relaxed) as usize) < readers && Instant::now() < wait {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        println!(
            "{} of {readers} reading clients had their snapshot after {:.1} s",
            seen.ready.load(Ordering::Relaxed),
            t.elapsed().as_secs_f64()
        );
    }

    // 2. paced: every unit once a second, recommendations timed alongside
    let rss_start = rss_mb(pid);
    let ws_start = (seen.messages.load(Ordering::Relaxed), seen.bytes.load(Ordering::Relaxed));
    let accepted = Arc::new(AtomicU64::new(0));
    let sender = Sender {
        client: tracker.clone(),
        bases: bases.clone(),
        batch: args.batch,
        concurrency: args.concurrency,
        accepted: accepted.clone(),
    };
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let recs = {
        let (client, base, incidents) = (client.clone(), base.clone(), incidents.clone());
        let rate = args.recs_per_s;
        tokio::spawn(async move {
            let mut lat = vec![];
            let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / rate.max(1)));
            let mut i = 0;
            while Instant::now() < deadline {
                tick.tick().await;
                i += 1;
                let id = incidents[i % incidents.len()];
                let t = Instant::now();
                let r = client.get(format!("{base}/api/v1/incidents/{id}/recommendations?k=5")).send().await;
                if let Ok(r) = r
                    && r.status().is_success()
                    && r.bytes().await.is_ok()
                {
                    lat.push(t.elapsed().as_secs_f64() * 1000.0);
                }
            }
            lat
        })
    };
    let mut second = 0u64;
    let mut behind = 0;
    let paced_started = Instant::now();
    while Instant::now() < deadline {
        let tick_at = paced_started + Duration::from_secs(second);
        tokio::time::sleep_until(tick_at.into()).await;
        second += 1;
        let t = Instant::now();
        send_round(&sender, &ids, &mut rng, Some(Duration::from_millis(900))).await;
        if t.elapsed() > Duration::from_secs(1) {
            behind += 1;
        }
        if args.ws_clients > 0 && second.is_multiple_of(30) {
            println!("  {second:>4} s: server RSS {:.1} MB", rss_mb(pid));
        }
    }
    let paced_s = paced_started.elapsed().as_secs_f64();
    if args.ws_clients > 0 {
        let _ = stop_ws.send(true);
        for t in ws_tasks.drain(..) {
            let _ = t.await;
        }
        let msgs = seen.messages.load(Ordering::Relaxed) - ws_start.0;
        let bytes = seen.bytes.load(Ordering::Relaxed) - ws_start.1;
        let h = hist.lock().map_err(|_| anyhow::anyhow!("histogram poisoned"))?;
        println!(
            "websocket: {:.0} messages/s ({:.1} MB/s) delivered, {:.0} positions/s; {} merged messages, {} fresh snapshots, {} sequence gaps; {} of {} stalled clients dropped by the server",
            msgs as f64 / paced_s,
            bytes as f64 / paced_s / 1e6,
            seen.positions.load(Ordering::Relaxed) as f64 / paced_s,
            seen.merged.load(Ordering::Relaxed),
            seen.resnapshots.load(Ordering::Relaxed),
            seen.gaps.load(Ordering::Relaxed),
            seen.dropped_stalled.load(Ordering::Relaxed),
            args.ws_stalled.min(args.ws_clients),
        );
        println!(
            "position latency, report time to client receipt (HTTP ingest, fsync, fan-out): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms over {} positions",
            h.percentile(50.0),
            h.percentile(99.0),
            h.percentile(100.0),
            h.count()
        );
        let p = published.lock().map_err(|_| anyhow::anyhow!("histogram poisoned"))?;
        println!(
            "event latency, publication (journalled, on the server that made it) to receipt by unfiltered clients: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms over {} messages",
            p.percentile(50.0),
            p.percentile(99.0),
            p.percentile(100.0),
            p.count()
        );
    }
    let mut lat = recs.await?;
    let (p50, p99, max) = (percentile(&mut lat, 50.0), percentile(&mut lat, 99.0), percentile(&mut lat, 100.0));
    let paced_accepted = accepted.load(Ordering::Relaxed);
    println!(
        "paced {} units at 1 Hz for {:.0} s: {:.0} positions/s accepted ({} rounds late), RSS {:.1} -> {:.1} MB",
        ids.len(),
        paced_s,
        paced_accepted as f64 / paced_s,
        behind,
        rss_start,
        rss_mb(pid)
    );
    println!(
        "recommendations over HTTP while loaded: {} requests, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        lat.len(),
        p50,
        p99,
        max
    );

    // 3. flat out
    let before = accepted.load(Ordering::Relaxed);
    let t = Instant::now();
    let end = t + Duration::from_secs(args.flat_out_s);
    while Instant::now() < end {
        send_round(&sender, &ids, &mut rng, None).await;
    }
    let flat = accepted.load(Ordering::Relaxed) - before;
    println!(
        "flat out for {:.0} s: {:.0} positions/s accepted in batches of {} ({} requests in flight); RSS {:.1} MB",
        t.elapsed().as_secs_f64(),
        flat as f64 / t.elapsed().as_secs_f64(),
        args.batch,
        args.concurrency,
        rss_mb(pid)
    );

    // 4. every accepted position is in the trail
    drop(servers);
    let total = accepted.load(Ordering::Relaxed);
    let rows: i64 = if let Some(base) = &args.postgres {
        let mut c = sqlx::PgConnection::connect(&database).await?;
        let n = sqlx::query_scalar("SELECT COUNT(*) FROM positions").fetch_one(&mut c).await?;
        drop(c);
        let mut c = sqlx::PgConnection::connect(&format!("{base}/postgres")).await?;
        let name = database.rsplit('/').next().unwrap_or_default();
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut c).await?;
        n
    } else {
        let mut c = sqlx::SqliteConnection::connect(&database).await?;
        sqlx::query_scalar("SELECT COUNT(*) FROM positions").fetch_one(&mut c).await?
    };
    // registration stores each unit's first position too
    let expected = total + ids.len() as u64;
    println!(
        "trail rows {rows}, accepted {total} + {} at registration: {}",
        ids.len(),
        if rows as u64 == expected { "all durable" } else { "MISMATCH" }
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

fn tempfile_dir() -> anyhow::Result<PathBuf> {
    let d = std::env::temp_dir().join(format!("command-room-load-{}", std::process::id()));
    std::fs::create_dir_all(&d)?;
    Ok(d)
}

/// Runs `command-room ARGS` with `stdin`; its last line of output.
fn cli(bin: &PathBuf, args: &[&str], stdin: &str) -> anyhow::Result<String> {
    use std::io::Write;
    let mut child =
        Command::new(bin).args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
    child.stdin.take().ok_or_else(|| anyhow::anyhow!("no stdin"))?.write_all(format!("{stdin}\n").as_bytes())?;
    let out = child.wait_with_output()?;
    if !out.status.success() {
        anyhow::bail!("command-room {}: {}", args.first().unwrap_or(&""), String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8_lossy(&out.stdout).lines().last().unwrap_or_default().trim().to_owned())
}

/// Logs in; the session cookie (`cr_session=…`).
async fn log_in(base: &str, name: &str, password: &str) -> anyhow::Result<String> {
    let r = reqwest::Client::new()
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"name": name, "password": password}))
        .send()
        .await?;
    r.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.split(';').next().filter(|c| c.starts_with("cr_session=")).map(str::to_owned))
        .ok_or_else(|| anyhow::anyhow!("the login gave no session"))
}

/// A client that sends `value` in `name` with every request.
fn with_header(name: reqwest::header::HeaderName, value: &str) -> anyhow::Result<reqwest::Client> {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(name, value.parse()?);
    Ok(reqwest::Client::builder().pool_max_idle_per_host(64).default_headers(headers).build()?)
}

fn start(bin: &PathBuf, config: &PathBuf) -> anyhow::Result<Server> {
    let mut child = Command::new(bin)
        .arg("--config")
        .arg(config)
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "warn,command_room=info")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| {
            anyhow::anyhow!("cannot start {}: {e} (build it: cargo build --release -p server)", bin.display())
        })?;
    let out = child.stdout.take().ok_or_else(|| anyhow::anyhow!("no stdout"))?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if let Some(at) = line.find("listening on ") {
                let _ = tx.send(line[at + "listening on ".len()..].trim().to_owned());
            }
        }
    });
    let base = rx.recv_timeout(Duration::from_secs(60))?;
    Ok(Server { child, base })
}

async fn register(client: &reqwest::Client, base: &str, n: usize) -> anyhow::Result<Vec<i64>> {
    let next = Arc::new(AtomicU64::new(0));
    let mut tasks = vec![];
    for w in 0..16 {
        let (client, base, next) = (client.clone(), base.to_owned(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut rng = SmallRng::seed_from_u64(w);
            let mut ids = vec![];
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                if i >= n {
                    break;
                }
                let (lat, lon) = random_point(&mut rng);
                let body = json!({"callsign": format!("L-{i}"), "kind": KINDS[i % 5], "force": "police",
                                  "station": STATIONS[i % 4], "lat": lat, "lon": lon, "status": "available"});
                let r = client.post(format!("{base}/api/v1/units")).json(&body).send().await;
                if let Ok(r) = r
                    && let Ok(v) = r.json::<Value>().await
                    && let Some(id) = v["id"].as_i64()
                {
                    ids.push(id);
                }
            }
            ids
        }));
    }
    let mut all = vec![];
    for t in tasks {
        all.extend(t.await?);
    }
    Ok(all)
}

/// Where position rounds go and what they count.
struct Sender {
    client: reqwest::Client,
    /// The servers, in turn.
    bases: Vec<String>,
    batch: usize,
    concurrency: usize,
    accepted: Arc<AtomicU64>,
}

/// Units and where they report, for one request.
type Batch = Vec<(i64, (f64, f64))>;

/// One report from every unit, in batches, `concurrency` requests at a time;
/// each batch is stamped with the time it is sent. `spread`: the batches
/// leave evenly over that time (units report at their own moment in the
/// second, not all at once), else as fast as they are acknowledged.
async fn send_round(s: &Sender, ids: &[i64], rng: &mut SmallRng, spread: Option<Duration>) {
    let Sender { client, bases, batch, concurrency, accepted } = s;
    let (batch, concurrency) = (*batch, *concurrency);
    let n = ids.len().div_ceil(batch.max(1)).max(1) as u32;
    let start = tokio::time::Instant::now();
    let chunks: Vec<(tokio::time::Instant, Batch)> = ids
        .chunks(batch)
        .enumerate()
        .map(|(j, c)| {
            (start + spread.unwrap_or_default() * j as u32 / n, c.iter().map(|id| (*id, random_point(rng))).collect())
        })
        .rev()
        .collect();
    let queue = Arc::new(std::sync::Mutex::new(chunks));
    let mut tasks = vec![];
    for k in 0..concurrency {
        let base = &bases[k % bases.len().max(1)];
        let (client, url, queue, accepted) =
            (client.clone(), format!("{base}/api/v1/positions"), queue.clone(), accepted.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let chunk = queue.lock().ok().and_then(|mut q| q.pop());
                let Some((slot, chunk)) = chunk else { break };
                tokio::time::sleep_until(slot).await;
                let now = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
                let items: Vec<Value> = chunk
                    .iter()
                    .map(|(id, (lat, lon))| json!({"unit_id": id, "lat": lat, "lon": lon, "at": now}))
                    .collect();
                let body = serde_json::to_string(&items).unwrap_or_default();
                let r = client.post(&url).header("content-type", "application/json").body(body).send().await;
                if let Ok(r) = r
                    && let Ok(v) = r.json::<Value>().await
                {
                    accepted.fetch_add(v["accepted"].as_u64().unwrap_or(0), Ordering::Relaxed);
                }
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
}

/// A thousand websocket clients need more than the usual 1,024 descriptors
/// (here and in the server, which inherits the limit).
fn raise_open_files() {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut l = getrlimit(Resource::Nofile);
    l.current = l.maximum.or(Some(65_536));
    let _ = setrlimit(Resource::Nofile, l);
}

/// What the websocket clients are, and what they saw.
mod ws {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use chrono::{DateTime, Utc};
    use domain::review::Distribution;
    use futures_util::StreamExt;
    use tokio::sync::watch;
    use tokio_tungstenite::tungstenite::Message;

    /// What part of the stream a client asks for.
    #[derive(Clone, Copy, Debug)]
    pub enum Kind {
        /// A wall screen or a dispatcher: everything.
        All,
        /// A station chief's screen.
        Station(&'static str),
        /// An officer's phone.
        Unit(i64),
        /// A client that connects and never reads.
        Stalled,
    }

    /// Latencies in tenths of a millisecond, as a nearest-rank
    /// distribution (the review's, `domain::review`).
    #[derive(Default)]
    pub struct Hist(Distribution);

    impl Hist {
        fn add(&mut self, ms: f64) {
            self.0.add((ms.max(0.0) * 10.0) as i64, 1);
        }
        /// The p-th percentile in ms (truncated to 0.1 ms).
        pub fn percentile(&self, p: f64) -> f64 {
            self.0.percentile(p).map_or(f64::NAN, |t| t as f64 / 10.0)
        }
        pub fn count(&self) -> u64 {
            self.0.count()
        }
    }

    /// Counters shared by every client.
    #[derive(Default)]
    pub struct Seen {
        pub messages: AtomicU64,
        pub bytes: AtomicU64,
        pub positions: AtomicU64,
        /// Messages that merged several position events (a client behind).
        pub merged: AtomicU64,
        /// Snapshots after the first (a client so far behind it was reset).
        pub resnapshots: AtomicU64,
        /// Sequence numbers skipped by an unfiltered client (must stay 0).
        pub gaps: AtomicU64,
        /// Clients past their first snapshot.
        pub ready: AtomicU64,
        /// Stalled clients the server disconnected.
        pub dropped_stalled: AtomicU64,
    }

    fn number_after(text: &str, key: &str) -> Option<u64> {
        let at = text.find(key)? + key.len();
        let digits: &str = &text[at..];
        let end = digits.find(|c: char| !c.is_ascii_digit()).unwrap_or(digits.len());
        digits[..end].parse().ok()
    }

    /// Runs one client until `stop`, counting what it receives.
    pub async fn client(
        url: String,
        cookie: String,
        kind: Kind,
        mut stop: watch::Receiver<bool>,
        seen: Arc<Seen>,
        hist: Arc<Mutex<Hist>>,
        published: Arc<Mutex<Hist>>,
    ) {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let Ok(mut req) = url.as_str().into_client_request() else { return };
        if let Ok(v) = cookie.parse() {
            req.headers_mut().insert("cookie", v);
        }
        let Ok((mut stream, _)) = tokio_tungstenite::connect_async(req).await else {
            eprintln!("cannot connect {url}");
            return;
        };
        if let Kind::Stalled = kind {
            let _ = stop.changed().await;
            // the server should have given up on it: read what the kernel
            // buffered and see whether the stream ends
            let ended = tokio::time::timeout(Duration::from_secs(10), async {
                while let Some(Ok(m)) = stream.next().await {
                    if m.is_close() {
                        return true;
                    }
                }
                true
            })
            .await
            .unwrap_or(false);
            if ended {
                seen.dropped_stalled.fetch_add(1, Ordering::Relaxed);
            }
            return;
        }
        let mut last_seq = 0u64;
        let mut snapshots = 0;
        let mut lat = vec![];
        loop {
            let msg = tokio::select! {
                m = stream.next() => m,
                _ = stop.changed() => break,
            };
            let Some(Ok(Message::Text(text))) = msg else {
                if matches!(msg, Some(Ok(_))) {
                    continue;
                }
                break;
            };
            let now = Utc::now();
            let text = text.as_str();
            seen.messages.fetch_add(1, Ordering::Relaxed);
            seen.bytes.fetch_add(text.len() as u64, Ordering::Relaxed);
            let head = &text[..text.len().min(160)];
            let seq = number_after(head, "\"seq\":").unwrap_or(0);
            let first = number_after(head, "\"first_seq\":");
            if head.contains("\"type\":\"snapshot\"") {
                snapshots += 1;
                if snapshots == 1 {
                    seen.ready.fetch_add(1, Ordering::Relaxed);
                } else {
                    seen.resnapshots.fetch_add(1, Ordering::Relaxed);
                }
                last_seq = seq;
                continue;
            }
            if let Kind::All = kind {
                let expected_first = if head.contains("\"type\":\"heartbeat\"") { last_seq } else { last_seq + 1 };
                if first.unwrap_or(seq) != expected_first && seq != last_seq {
                    seen.gaps.fetch_add(1, Ordering::Relaxed);
                }
            }
            last_seq = last_seq.max(seq);
            // an unmerged message to an unfiltered client is the frame as
            // published: its server time is when the event was published
            if let (Kind::All, None) = (kind, first)
                && let Some(i) = head.find("\"server_time\":\"")
                && let Some(len) = head[i + 15..].find('"')
                && let Ok(t) = DateTime::parse_from_rfc3339(&head[i + 15..i + 15 + len])
                && let Ok(mut h) = published.lock()
            {
                h.add((now - t.with_timezone(&Utc)).num_microseconds().unwrap_or(0) as f64 / 1000.0);
            }
            if head.contains("\"type\":\"positions\"") {
                if first.is_some() {
                    seen.merged.fetch_add(1, Ordering::Relaxed);
                }
                for (i, _) in text.match_indices("\"at\":\"") {
                    let from = i + 6;
                    let Some(len) = text[from..].find('"') else { continue };
                    if let Ok(at) = DateTime::parse_from_rfc3339(&text[from..from + len]) {
                        lat.push((now - at.with_timezone(&Utc)).num_microseconds().unwrap_or(0) as f64 / 1000.0);
                    }
                }
                seen.positions.fetch_add(lat.len() as u64, Ordering::Relaxed);
                if let Ok(mut h) = hist.lock() {
                    for ms in lat.drain(..) {
                        h.add(ms);
                    }
                }
            }
        }
    }
}
