//! Start-up as a library call: `Application::build(config)` opens and
//! migrates the store, loads the district, starts the engine (and the
//! simulator if asked) and binds the listener; `run_until_stopped(signal)`
//! serves until the signal fires. Tests start the real server on port 0.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::serve::ListenerExt;
use chrono::Utc;
use leptos::prelude::LeptosOptions;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::config::Config;
use crate::engine::{self, EngineHandle, Settings};
use crate::store::Store;
use crate::web::{AppState, map_data, router};

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
    addr: std::net::SocketAddr,
    port: u16,
    state: AppState,
    engine_task: tokio::task::JoinHandle<()>,
    shutdown: watch::Sender<bool>,
    simulator: Option<tokio::task::JoinHandle<()>>,
    /// Delivers the desk's replies to the groups' webhooks.
    outbound: tokio::task::JoinHandle<()>,
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Application> {
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
        let settings = Settings {
            policy: config.policy.clone(),
            travel: config.travel.clone(),
            utc_offset_minutes: config.utc_offset_minutes,
            heartbeat: Duration::from_secs(config.heartbeat_s),
            stream_ring: config.stream_ring,
        };
        let mut map = map_data(&district, &settings);
        map.tiles = config.tiles.clone();
        let map = Arc::new(map);
        let (engine, engine_task) = engine::start(store.clone(), district.clone(), settings).await?;

        let listener = TcpListener::bind(config.bind).await.with_context(|| format!("binding {}", config.bind))?;
        let addr = listener.local_addr()?;
        let leptos_options = LeptosOptions::builder()
            .output_name("command_room")
            .site_root(config.site_root.to_string_lossy().to_string())
            .site_pkg_dir("pkg")
            .site_addr(addr)
            .build();
        let (shutdown, shutdown_rx) = watch::channel(false);
        let reports_limiter = Arc::new(crate::limiter::RateLimiter::new(
            config.reports_per_window as usize,
            Duration::from_secs(config.reports_window_s),
        ));
        let desk = Arc::new(crate::desk::Desk::new(config.desk.clone()));
        let outbound = tokio::spawn(crate::outbound::run(
            store.clone(),
            engine.clone(),
            config.desk.clone(),
            desk.wake.clone(),
            shutdown_rx.clone(),
        ));
        let state = AppState {
            leptos_options,
            store,
            engine: engine.clone(),
            map,
            shutdown: shutdown_rx.clone(),
            reports_limiter,
            desk,
        };
        let simulator = config.simulator.enabled.then(|| {
            tracing::info!(speed = config.simulator.speed, "simulator running");
            tokio::spawn(crate::simulator::run(engine.clone(), district.clone(), config.simulator.clone(), shutdown_rx))
        });
        Ok(Application { listener, addr, port: addr.port(), state, engine_task, shutdown, simulator, outbound })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The address the server listens on (with the real port when 0 was asked).
    pub fn local_addr(&self) -> std::net::SocketAddr {
        self.addr
    }

    pub fn engine(&self) -> EngineHandle {
        self.state.engine.clone()
    }

    /// Serves until `signal` completes, then closes live streams, stops the
    /// simulator and lets the engine finish what it was doing.
    pub async fn run_until_stopped(self, signal: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let Application { listener, state, engine_task, shutdown, simulator, outbound, .. } = self;
        let app = router(state);
        let stop = async move {
            signal.await;
            tracing::info!("shutting down");
            let _ = shutdown.send(true);
        };
        let listener = listener.tap_io(tune_connection);
        axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
            .with_graceful_shutdown(stop)
            .await?;
        if let Some(sim) = simulator {
            let _ = tokio::time::timeout(Duration::from_secs(5), sim).await;
        }
        let _ = tokio::time::timeout(Duration::from_secs(5), outbound).await;
        // every handle is gone now; the engine drains its queue and stops
        let _ = tokio::time::timeout(Duration::from_secs(10), engine_task).await;
        Ok(())
    }
}
