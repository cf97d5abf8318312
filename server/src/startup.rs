//! Start-up as a library call: `Application::build(config)` opens and
//! migrates the store, loads the district, starts the engine (and the
//! simulator if asked) and binds the listener; `run_until_stopped(signal)`
//! serves until the signal fires. Tests start the real server on port 0.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::extract::ConnectInfo;
use chrono::Utc;
use hyper_util::rt::{TokioIo, TokioTimer};
use leptos::prelude::LeptosOptions;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt;

use crate::auth::Auth;
use crate::auth::layer::Gate;
use crate::auth::routes::{RuleTable, uncovered};
use crate::clock::Clock;
use crate::config::{Config, EdgeConfig};
use crate::engine::{self, EngineHandle, Settings};
use crate::state::{AppState, map_data};
use crate::store::Store;
use crate::web::router;

/// Every accepted connection: small messages go out at once (no Nagle
/// delay), and the kernel holds at most 64 KiB for a client, so a slow
/// client backs up into the hub's ring, where its positions are merged or it
/// is given a fresh snapshot, instead of into seconds of socket buffer.
pub fn tune_connection(tcp: &mut tokio::net::TcpStream) {
    let _ = tcp.set_nodelay(true);
    let _ = socket2::SockRef::from(&*tcp).set_send_buffer_size(64 * 1024);
}

pub struct Application {
    listener: TcpListener,
    addr: SocketAddr,
    port: u16,
    state: AppState,
    engine_task: tokio::task::JoinHandle<()>,
    shutdown: watch::Sender<bool>,
    simulator: Option<tokio::task::JoinHandle<()>>,
    /// Delivers the desk's replies and the notices to the groups' webhooks.
    outbound: tokio::task::JoinHandle<()>,
    /// Publishes scheduled notices; makes the calendar's monthly drafts.
    publisher: tokio::task::JoinHandle<()>,
    /// Makes the month's task lists.
    task_lists: tokio::task::JoinHandle<()>,
    /// Token stamps, unused accounts, old sessions and audit lines.
    housekeeping: tokio::task::JoinHandle<()>,
    /// The leader election and the journal's tail (PostgreSQL).
    cluster_tasks: Vec<tokio::task::JoinHandle<()>>,
    edge: EdgeConfig,
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        Application::build_with_clock(config, Clock::system()).await
    }

    /// As `build`, with the clock the access rules use (tests move it forward).
    pub async fn build_with_clock(config: Config, clock: Clock) -> anyhow::Result<Application> {
        let store = Store::connect(&config.database_url).await.with_context(|| "opening the database".to_string())?;
        if !store.has_district().await? {
            match &config.district_file {
                Some(path) => {
                    let text = std::fs::read_to_string(path)
                        .with_context(|| format!("reading the district file {}", path.display()))?;
                    let district = domain::District::from_toml(&text)
                        .with_context(|| format!("district file {}", path.display()))?;
                    store.import_district(&district, &path.display().to_string(), Utc::now()).await?;
                    tracing::info!(
                        stations = district.stations.len(),
                        zones = district.zones.len(),
                        patrol_points = district.patrol_points.len(),
                        units = district.units.len(),
                        "district loaded from {}",
                        path.display()
                    );
                }
                None => tracing::info!("starting with an empty district"),
            }
        }
        let district = Arc::new(store.load_district().await?);
        // every must-patrol point has the secret its printed QR code carries,
        // made here before the engine takes over the writes
        crate::patrol::ensure_tokens(&store, &district.patrol_points).await?;
        let auth = Auth::new(store.clone(), config.auth.clone(), clock.clone());
        if config.auth.demo.is_some() {
            let station = district.stations.first().map(|s| s.code.to_string());
            let unit = match &station {
                Some(s) => store.first_unit_of(s).await?,
                None => None,
            };
            auth.ensure_demo(station.as_deref(), unit.as_deref()).await.context("making the demo's accounts")?;
            tracing::warn!("DEMO ACCOUNTS are enabled (auth.demo): never use this configuration for real work");
        }
        let roads = crate::roads::prepare(&store, &district, &config.roads, &config.travel)
            .await
            .context("preparing the road network ([roads])")?;
        let settings = Settings {
            policy: config.policy.clone(),
            travel: config.travel.clone(),
            utc_offset_minutes: config.utc_offset_minutes,
            heartbeat: Duration::from_secs(config.heartbeat_s),
            stream_ring: config.stream_ring,
            clock: clock.clone(),
            roads,
        };
        let mut map = map_data(&district, &settings);
        map.tiles = config.tiles.clone();
        let map = Arc::new(map);
        let (engine, engine_task) = engine::start(store.clone(), district.clone(), settings).await?;
        // several servers on one database: elect a leader, tail the journal
        let cluster_tasks = if store.is_shared() {
            vec![
                tokio::spawn(engine::cluster::elect(store.clone(), engine.clone(), config.election)),
                tokio::spawn(engine::cluster::tail(store.clone(), engine.clone())),
            ]
        } else {
            vec![]
        };

        // every route with its rule; no page or server function without one
        let (_, api_rules) = crate::api::router();
        let table = Arc::new(RuleTable::with_api(api_rules).context("the route table")?);
        let missing = uncovered(&table);
        if !missing.is_empty() {
            anyhow::bail!("routes without a rule in the permission table: {}", missing.join(", "));
        }

        let listener = TcpListener::bind(config.bind).await.with_context(|| format!("binding {}", config.bind))?;
        let addr = listener.local_addr()?;
        let leptos_options = LeptosOptions::builder()
            .output_name("command_room")
            .site_root(config.site_root.to_string_lossy().to_string())
            .site_pkg_dir("pkg")
            .site_addr(addr)
            .build();
        let (shutdown, shutdown_rx) = watch::channel(false);
        let reports_limiter = crate::limiter::RateLimiter::new(
            config.reports_per_window as usize,
            Duration::from_secs(config.reports_window_s),
        );
        let desk = Arc::new(crate::desk::Desk::new(config.desk.clone(), store.clone(), engine.clone(), auth.clone()));
        let notices = Arc::new(
            crate::notices::Notices::new(
                store.clone(),
                config.notices.clone(),
                crate::notices::hooked_groups(&config.desk.webhooks),
                &district,
                config.utc_offset_minutes,
                config.public_origin.clone(),
                desk.wake.clone(),
            )
            .map_err(|e| anyhow::anyhow!(e))?,
        );
        let publisher =
            tokio::spawn(crate::notices::run(notices.clone(), store.clone(), engine.clone(), shutdown_rx.clone()));
        let tasks = Arc::new(crate::tasks::Tasks::new(
            store.clone(),
            engine.clone(),
            crate::review::Review::new(store.clone(), engine.clone()),
            config.tasks.clone(),
            config.utc_offset_minutes,
        ));
        let task_lists = tokio::spawn(crate::tasks::run(tasks.clone(), engine.clone(), shutdown_rx.clone()));
        let outbound = tokio::spawn(crate::outbound::run(
            store.clone(),
            engine.clone(),
            config.desk.clone(),
            desk.wake.clone(),
            shutdown_rx.clone(),
        ));
        let image_origins = config
            .tiles
            .as_ref()
            .and_then(|t| {
                let rest = t.url.strip_prefix("http://").or_else(|| t.url.strip_prefix("https://"))?;
                let host = rest.split('/').next()?;
                Some(format!("{}{host}", &t.url[..t.url.len() - rest.len()]))
            })
            .into_iter()
            .collect();
        let gate = Gate { auth: auth.clone(), table, public_origin: config.public_origin.clone(), image_origins };
        let housekeeping = tokio::spawn(auth.clone().run(shutdown_rx.clone()));
        let state = AppState {
            leptos_options,
            store: store.clone(),
            engine: engine.clone(),
            map: map.clone(),
            shutdown: shutdown_rx.clone(),
            reports: Arc::new(crate::report::Reports::new(engine.clone(), reports_limiter, map.clone())),
            review: crate::review::Review::new(store.clone(), engine.clone()),
            patrol: crate::patrol::Patrol::new(store.clone(), engine.clone(), Arc::clone(&map)),
            notices,
            tasks,
            volunteer_points: config.volunteer_points,
            desk,
            auth,
            gate,
            session_recheck: Duration::from_secs(config.stream_session_check_s),
        };
        if config.simulator.enabled {
            tokio::spawn(crate::notices::demo(state.notices.clone(), store.clone()));
        }
        let simulator = config.simulator.enabled.then(|| {
            tracing::info!(speed = config.simulator.speed, "simulator running");
            tokio::spawn(crate::simulator::run(engine.clone(), district.clone(), config.simulator.clone(), shutdown_rx))
        });
        Ok(Application {
            listener,
            addr,
            port: addr.port(),
            state,
            engine_task,
            shutdown,
            simulator,
            outbound,
            publisher,
            task_lists,
            housekeeping,
            cluster_tasks,
            edge: config.edge.clone(),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The address the server listens on (with the real port when 0 was asked).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn engine(&self) -> EngineHandle {
        self.state.engine.clone()
    }

    /// Logins, tokens and the audit log (the CLI and tests make accounts with it).
    pub fn auth(&self) -> Auth {
        self.state.auth.clone()
    }

    /// Serves until `signal` completes, then closes live streams, stops the
    /// simulator and lets the engine finish what it was doing.
    pub async fn run_until_stopped(self, signal: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let Application {
            listener,
            state,
            engine_task,
            shutdown,
            simulator,
            outbound,
            publisher,
            task_lists,
            housekeeping,
            cluster_tasks,
            edge,
            ..
        } = self;
        let app = router(state)
            .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(Duration::from_secs(edge.body_timeout_s)));
        let stop = async move {
            signal.await;
            tracing::info!("shutting down");
            let _ = shutdown.send(true);
        };
        serve(listener, app, &edge, stop).await;
        if let Some(sim) = simulator {
            let _ = tokio::time::timeout(Duration::from_secs(5), sim).await;
        }
        let _ = tokio::time::timeout(Duration::from_secs(5), outbound).await;
        let _ = tokio::time::timeout(Duration::from_secs(5), publisher).await;
        let _ = tokio::time::timeout(Duration::from_secs(5), task_lists).await;
        let _ = tokio::time::timeout(Duration::from_secs(5), housekeeping).await;
        // the lead is given up (its connection closes) and the tail stops
        for t in cluster_tasks {
            t.abort();
            let _ = t.await;
        }
        // every handle is gone now; the engine drains its queue and stops
        let _ = tokio::time::timeout(Duration::from_secs(10), engine_task).await;
        Ok(())
    }
}

/// Accepts connections until `stop`, at most `edge.max_connections` at a
/// time (more wait in the kernel's queue), each HTTP/1 with a header-read
/// timeout (a client dribbling its headers, or idling between requests, is
/// cut off), then lets the open ones finish (at most 10 s).
async fn serve(listener: TcpListener, app: axum::Router, edge: &EdgeConfig, stop: impl Future<Output = ()>) {
    let permits = Arc::new(Semaphore::new(edge.max_connections));
    let (closing, closing_rx) = watch::channel(false);
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(Duration::from_secs(edge.header_timeout_s)).keep_alive(true);
    tokio::pin!(stop);
    loop {
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
            _ = &mut stop => break,
        };
        let (mut tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // out of file descriptors and the like: wait a moment, do not spin
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut stop => break,
        };
        tune_connection(&mut tcp);
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            let app = app.clone();
            async move {
                Ok::<_, Infallible>(app.oneshot(req.map(axum::body::Body::new)).await.unwrap_or_else(|e| match e {}))
            }
        });
        let conn = builder.serve_connection(TokioIo::new(tcp), service).with_upgrades();
        let mut closing = closing_rx.clone();
        tokio::spawn(async move {
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = closing.changed() => {
                    // finish the request in hand, take no more
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
            drop(permit);
        });
    }
    drop(listener);
    let _ = closing.send(true);
    // every connection's permit back means every connection closed
    let all = u32::try_from(edge.max_connections).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(Duration::from_secs(10), permits.acquire_many(all)).await;
}
