//! The fan-out benchmark server: Command Room's own hub and per-client
//! websocket loop (`server::ws::fan_out`, the code behind `/ws`), fed by a
//! synthetic source that sends the same 200-byte messages as the Node.js
//! baseline, so the baseline's own clients can measure both in one run.
//!
//!     ws-bench PORT RATE      (RATE broadcasts/s; 0 = as fast as backpressure allows)
//!
//! Like the baseline: it starts pumping when a client sends `start`, stops on
//! `stop` (printing what it sent), exits on `exit` and after 120 s in any
//! case. Each message carries `ts`, CLOCK_MONOTONIC in ns, so a client on the
//! same machine can compute latency. In the maximum-rate mode the pump
//! pauses while the slowest client has more than ~64 KB unread, as the
//! baseline's does.
//!
//! Run both side by side: `scripts/ws-bench.sh`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::extract::ws::WebSocketUpgrade;
use axum::response::Response;
use axum::routing::get;
use axum::serve::ListenerExt;
use server::hub::{Hub, Subscription};
use server::ws::{Client, Feed, Filter, fan_out};
use tokio::sync::{Notify, watch};

/// 64 KB of 200-byte messages: the baseline's per-client threshold.
const HIGH_FRAMES: usize = 320;

struct Bench {
    hub: Hub,
    rate: u64,
    running: AtomicBool,
    started: Notify,
    clients: AtomicUsize,
    sent: AtomicU64,
    first_seq: AtomicU64,
    stalls: AtomicU64,
    t0: std::sync::Mutex<Instant>,
}

#[derive(Clone)]
struct Handle(Arc<Bench>);

impl Feed for Handle {
    async fn resubscribe(&self) -> Option<Subscription> {
        Some(Subscription { seq: self.0.hub.seq(), snapshot: Default::default(), rx: self.0.hub.subscribe() })
    }

    fn on_text(&self, text: &str) {
        let b = &self.0;
        match text {
            "start" if !b.running.load(Ordering::Acquire) => {
                b.sent.store(0, Ordering::Release);
                b.stalls.store(0, Ordering::Release);
                b.first_seq.store(b.hub.seq(), Ordering::Release);
                if let Ok(mut t) = b.t0.lock() {
                    *t = Instant::now();
                }
                b.running.store(true, Ordering::Release);
                b.started.notify_one();
                println!(
                    "server: start, clients={}, rate={}",
                    b.clients.load(Ordering::Acquire),
                    if b.rate == 0 { "max".to_owned() } else { b.rate.to_string() }
                );
            }
            "stop" => {
                b.running.store(false, Ordering::Release);
                let dt = b.t0.lock().map(|t| t.elapsed().as_secs_f64()).unwrap_or(1.0);
                let sent = b.sent.load(Ordering::Acquire);
                println!(
                    "server: stop after {dt:.1}s: sent {sent} msgs ({:.0}/s), broadcasts {}, stalls {}, rss {:.1} MiB",
                    sent as f64 / dt,
                    b.hub.seq() - b.first_seq.load(Ordering::Acquire),
                    b.stalls.load(Ordering::Acquire),
                    rss_mib()
                );
            }
            "exit" => {
                std::thread::spawn(|| {
                    std::thread::sleep(Duration::from_millis(200));
                    std::process::exit(0);
                });
            }
            _ => {}
        }
    }
}

fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

fn monotonic_ns() -> u128 {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    t.tv_sec as u128 * 1_000_000_000 + t.tv_nsec as u128
}

impl Bench {
    /// One broadcast: the baseline's message, to every client.
    fn broadcast(&self) {
        self.hub.publish_text(|seq| {
            format!(
                r#"{{"type":"unit_update","seq":{seq},"ts":{},"unit":"P-{:05}","lat":25.0812345,"lon":110.3012345,"status":"available","heading":123,"speed":45.6,"incident":null,"pad":"xxxxxxxxxxxxxxxxxxxxxx"}}"#,
                monotonic_ns(),
                (seq + 1) % 100_000
            )
        });
        self.sent.fetch_add(self.clients.load(Ordering::Acquire) as u64, Ordering::AcqRel);
    }

    async fn pump(self: Arc<Self>) {
        loop {
            if !self.running.load(Ordering::Acquire) {
                self.started.notified().await;
                continue;
            }
            if self.rate == 0 {
                if self.hub.backlog() > HIGH_FRAMES {
                    self.stalls.fetch_add(1, Ordering::AcqRel);
                    tokio::time::sleep(Duration::from_millis(1)).await;
                    continue;
                }
                for _ in 0..4 {
                    self.broadcast();
                }
                tokio::task::yield_now().await;
            } else {
                // paced: catch up every millisecond
                let elapsed = self.t0.lock().map(|t| t.elapsed()).unwrap_or_default();
                let due = (elapsed.as_millis() as u64) * self.rate / 1000;
                while self.hub.seq() - self.first_seq.load(Ordering::Acquire) < due {
                    self.broadcast();
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
    }
}

async fn upgrade(ws: WebSocketUpgrade, State(h): State<Handle>) -> Response {
    ws.on_upgrade(move |socket| async move {
        let bench = h.0.clone();
        bench.clients.fetch_add(1, Ordering::AcqRel);
        let sub = Subscription { seq: bench.hub.seq(), snapshot: Default::default(), rx: bench.hub.subscribe() };
        let client = Client::new(Filter::All, &sub.snapshot, sub.seq);
        let (_never, shutdown) = watch::channel(false);
        fan_out(socket, sub, client, vec![], h, shutdown).await;
        bench.clients.fetch_sub(1, Ordering::AcqRel);
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let port: u16 =
        args.next().and_then(|p| p.parse().ok()).ok_or_else(|| anyhow::anyhow!("usage: ws-bench PORT RATE"))?;
    let rate: u64 = args.next().and_then(|r| r.parse().ok()).unwrap_or(0);
    let bench = Arc::new(Bench {
        // the ring clients read from: as in the server, bounded
        hub: Hub::new(4096, 1, 1),
        rate,
        running: AtomicBool::new(false),
        started: Notify::new(),
        clients: AtomicUsize::new(0),
        sent: AtomicU64::new(0),
        first_seq: AtomicU64::new(0),
        stalls: AtomicU64::new(0),
        t0: std::sync::Mutex::new(Instant::now()),
    });
    tokio::spawn(bench.clone().pump());
    let app = Router::new().route("/", get(upgrade)).with_state(Handle(bench));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?.tap_io(server::startup::tune_connection);
    println!("server: listening 127.0.0.1:{port} pid {}", std::process::id());
    tokio::spawn(async {
        tokio::time::sleep(Duration::from_secs(120)).await;
        println!("server: hard timeout");
        std::process::exit(1);
    });
    axum::serve(listener, app).await?;
    Ok(())
}
