//! Starting a test server and talking to it.

use std::path::PathBuf;
use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{Value, json};
use server::{Application, Config};
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::Message;

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub struct TestApp {
    pub base: String,
    pub port: u16,
    pub client: reqwest::Client,
    pub dir: tempfile::TempDir,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

/// A config for tests: port 0, a database in `dir`, the demo district, no
/// simulator, fast heartbeats.
pub fn test_config(dir: &std::path::Path) -> Config {
    Config {
        bind: "127.0.0.1:0".parse().expect("valid address"),
        database_url: format!("sqlite://{}/test.db", dir.display()),
        district_file: Some(repo_root().join("config/district-lingui.toml")),
        site_root: repo_root().join("target/site"),
        heartbeat_s: 1,
        ..Config::default()
    }
}

pub async fn spawn() -> TestApp {
    spawn_with(|_| {}).await
}

pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = test_config(dir.path());
    adjust(&mut config);
    start(config, dir).await
}

/// Starts a server with `config`, keeping `dir` alive as long as the app.
pub async fn start(config: Config, dir: tempfile::TempDir) -> TestApp {
    let app = Application::build(config).await.expect("the server starts");
    let port = app.port();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(app.run_until_stopped(async move {
        let _ = stopped.await;
    }));
    TestApp {
        base: format!("http://127.0.0.1:{port}"),
        port,
        client: reqwest::Client::new(),
        dir,
        stop: Some(stop),
        task: Some(task),
    }
}

impl TestApp {
    /// Stops the server gracefully and hands back its directory, so a test
    /// can start a new server on the same database.
    pub async fn stop(mut self) -> tempfile::TempDir {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            t.await.expect("server task joins").expect("server stopped cleanly");
        }
        let dir = tempfile::tempdir().expect("temp dir");
        std::mem::replace(&mut self.dir, dir)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A page as a browser gets it: status and HTML (`path`, or a whole
    /// address such as a redirect's `location`).
    pub async fn html(&self, path: &str) -> (u16, String) {
        let url = if path.starts_with("http") { path.to_owned() } else { self.url(path) };
        let r = self.client.get(url).send().await.expect("request");
        (r.status().as_u16(), r.text().await.expect("text"))
    }

    /// Posts a form as a browser without JavaScript does, from the page at
    /// `from`; returns the status and where it redirects (a whole address).
    pub async fn post_form(&self, endpoint: &str, fields: &[(&str, &str)], from: &str) -> (u16, String) {
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        let r = client
            .post(self.url(endpoint))
            .header("accept", "text/html,application/xhtml+xml")
            .header("referer", self.url(from))
            .form(fields)
            .send()
            .await
            .expect("request");
        let location = r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        (r.status().as_u16(), location)
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let r = self.client.get(self.url(path)).send().await.expect("request");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn put(&self, path: &str, body: Value) -> (u16, Value) {
        let r = self.client.put(self.url(path)).json(&body).send().await.expect("request");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let r = self.client.post(self.url(path)).json(&body).send().await.expect("request");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn post_raw(&self, path: &str, content_type: &str, body: impl Into<reqwest::Body>) -> (u16, Value) {
        let r = self
            .client
            .post(self.url(path))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("request");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Creates an incident and returns its JSON.
    pub async fn incident(&self, category: &str, lat: f64, lon: f64) -> Value {
        let (status, body) = self
            .post(
                "/api/v1/incidents",
                json!({"channel": "phone", "category": category, "lat": lat, "lon": lon, "address": "test", "description": "test"}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body
    }

    pub async fn units(&self) -> Vec<Value> {
        let (status, body) = self.get("/api/v1/units").await;
        assert_eq!(status, 200);
        body.as_array().cloned().expect("a list of units")
    }

    pub async fn unit_by_callsign(&self, callsign: &str) -> Value {
        self.units().await.into_iter().find(|u| u["callsign"] == callsign).expect("the unit exists")
    }

    /// Reports a fresh position for a unit through the ingest API.
    pub async fn place(&self, unit_id: i64, lat: f64, lon: f64) {
        let now = chrono::Utc::now().to_rfc3339();
        let (status, body) =
            self.post("/api/v1/positions", json!([{"unit_id": unit_id, "lat": lat, "lon": lon, "at": now}])).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["accepted"], 1, "{body}");
    }

    pub async fn ws(&self, query: &str) -> Ws {
        let url = format!("ws://127.0.0.1:{}/ws{query}", self.port);
        let (stream, _) = tokio_tungstenite::connect_async(url).await.expect("websocket connects");
        Ws { stream }
    }

    /// A websocket client with a tiny receive buffer: when it stops reading,
    /// the server's writes to it block almost at once (a stalled screen).
    pub async fn ws_small_buffer(&self, query: &str) -> Ws {
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket.set_recv_buffer_size(4096).expect("buffer size");
        let tcp = socket.connect(format!("127.0.0.1:{}", self.port).parse().expect("addr")).await.expect("connects");
        let url = format!("ws://127.0.0.1:{}/ws{query}", self.port);
        let (stream, _) = tokio_tungstenite::client_async(url, tokio_tungstenite::MaybeTlsStream::Plain(tcp))
            .await
            .expect("websocket handshake");
        Ws { stream }
    }
}

pub struct Ws {
    pub stream: tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
}

impl Ws {
    /// The next JSON message, waiting at most `limit`.
    pub async fn next_within(&mut self, limit: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let msg = tokio::time::timeout_at(deadline, self.stream.next()).await.ok()??.ok()?;
            if let Message::Text(t) = msg {
                return serde_json::from_str(t.as_str()).ok();
            }
        }
    }

    /// Waits (at most `limit`) for a message matching `pred`, skipping others.
    pub async fn wait_for(&mut self, limit: Duration, pred: impl Fn(&Value) -> bool) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let msg = self.next_within(left).await?;
            if pred(&msg) {
                return Some(msg);
            }
        }
    }
}

/// Jinshan Square (core zone, 金水路警务站).
pub const JINSHAN: (f64, f64) = (25.2480, 110.2080);
/// A point in 金水路警务站's area outside every zone.
pub const JSL_OUTSIDE_ZONES: (f64, f64) = (25.2680, 110.2330);
/// Far outside the district.
pub const NOWHERE: (f64, f64) = (30.0, 120.0);

/// The nearest-rank percentile, computed the plain way: sort, take rank ⌈pn/100⌉.
pub fn by_sorting(mut v: Vec<i64>, p: i64) -> Value {
    if v.is_empty() {
        return Value::Null;
    }
    v.sort();
    let n = v.len() as i64;
    let rank = (p * n + 99) / 100;
    Value::from(v[(rank.max(1) - 1) as usize])
}
