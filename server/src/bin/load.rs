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
            "--help" | "-h" => usage(""),
            other => usage(&format!("unknown option {other}")),
        }
    }
    a
}

fn usage(msg: &str) -> ! {
    eprintln!(
        "{msg}\nusage: load [--units N=10000] [--seconds S=30] [--batch B=1000] [--concurrency C=4] [--recs R=200]\n\
         \x20           [--incidents M=50] [--flat-out S=10] [--server-bin PATH]"
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

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
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
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = tempfile_dir()?;
    let config = dir.join("load.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\nbind = \"127.0.0.1:0\"\nsite_root = {:?}\n[database]\nurl = \"sqlite://{}/load.db\"\n[district]\nfile = {:?}\n[simulator]\nenabled = false\n",
            repo.join("target/site").display().to_string(),
            dir.display(),
            repo.join("config/district-lingui.toml").display().to_string()
        ),
    )?;
    let server = start(&args.server_bin, &config)?;
    let pid = server.child.id();
    println!("server {} (pid {pid}), database in {}", server.base, dir.display());
    let client = reqwest::Client::builder().pool_max_idle_per_host(64).build()?;
    let base = server.base.clone();

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

    // 2. paced: every unit once a second, recommendations timed alongside
    let rss_start = rss_mb(pid);
    let accepted = Arc::new(AtomicU64::new(0));
    let sender = Sender {
        client: client.clone(),
        base: base.clone(),
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
        send_round(&sender, &ids, &mut rng).await;
        if t.elapsed() > Duration::from_secs(1) {
            behind += 1;
        }
    }
    let paced_s = paced_started.elapsed().as_secs_f64();
    let mut lat = recs.await?;
    lat.sort_by(f64::total_cmp);
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
        percentile(&lat, 50.0),
        percentile(&lat, 99.0),
        lat.last().copied().unwrap_or(f64::NAN)
    );

    // 3. flat out
    let before = accepted.load(Ordering::Relaxed);
    let t = Instant::now();
    let end = t + Duration::from_secs(args.flat_out_s);
    while Instant::now() < end {
        send_round(&sender, &ids, &mut rng).await;
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
    drop(server);
    let total = accepted.load(Ordering::Relaxed);
    let out = Command::new("sqlite3").arg(dir.join("load.db")).arg("SELECT COUNT(*) FROM positions").output();
    match out {
        Ok(o) if o.status.success() => {
            let rows: u64 = String::from_utf8_lossy(&o.stdout).trim().parse().unwrap_or(0);
            // registration stores each unit's first position too
            let expected = total + ids.len() as u64;
            println!(
                "trail rows {rows}, accepted {total} + {} at registration: {}",
                ids.len(),
                if rows == expected { "all durable" } else { "MISMATCH" }
            );
        }
        _ => println!("(sqlite3 not installed: trail rows not counted)"),
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

fn tempfile_dir() -> anyhow::Result<PathBuf> {
    let d = std::env::temp_dir().join(format!("command-room-load-{}", std::process::id()));
    std::fs::create_dir_all(&d)?;
    Ok(d)
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
    base: String,
    batch: usize,
    concurrency: usize,
    accepted: Arc<AtomicU64>,
}

/// One report from every unit, in batches, `concurrency` requests at a time.
async fn send_round(s: &Sender, ids: &[i64], rng: &mut SmallRng) {
    let Sender { client, base, batch, concurrency, accepted } = s;
    let (batch, concurrency) = (*batch, *concurrency);
    let now = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let bodies: Vec<String> = ids
        .chunks(batch)
        .map(|chunk| {
            let items: Vec<Value> = chunk
                .iter()
                .map(|id| {
                    let (lat, lon) = random_point(rng);
                    json!({"unit_id": id, "lat": lat, "lon": lon, "at": now})
                })
                .collect();
            serde_json::to_string(&items).unwrap_or_default()
        })
        .collect();
    let queue = Arc::new(std::sync::Mutex::new(bodies));
    let mut tasks = vec![];
    for _ in 0..concurrency {
        let (client, url, queue, accepted) =
            (client.clone(), format!("{base}/api/v1/positions"), queue.clone(), accepted.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let body = queue.lock().ok().and_then(|mut q| q.pop());
                let Some(body) = body else { break };
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
