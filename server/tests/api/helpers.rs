//! Starting a test server and talking to it, as someone: every test server
//! has an administrator, logged in, whose session the `TestApp`'s own
//! helpers use; `login`, `device` and `anonymous` give a test other
//! principals, each with its own cookie jar.

use std::path::PathBuf;
use std::time::Duration;

use domain::access::Role;
use futures_util::StreamExt;
use serde_json::{Value, json};
use server::auth::Auth;
use server::clock::Clock;
use server::{Application, Config};
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The password every test account has.
pub const PASSWORD: &str = "correct horse battery staple";

/// Someone talking to the server: a person's browser session (cookie), a
/// device's bearer token, or nobody.
#[derive(Clone)]
pub struct Session {
    pub base: String,
    pub port: u16,
    /// Keeps the session's cookies (and the anonymous form cookie).
    pub client: reqwest::Client,
    /// `cr_session=…` for a person, for the websocket handshake.
    pub cookie: Option<String>,
    /// A device's token.
    pub bearer: Option<String>,
    /// The token this session's forms carry.
    pub csrf: String,
    #[allow(dead_code)]
    pub name: String,
}

pub struct TestApp {
    /// The administrator's session: `app.get(…)` and the rest act as it.
    pub admin: Session,
    pub base: String,
    pub port: u16,
    pub client: reqwest::Client,
    pub dir: tempfile::TempDir,
    /// The access rules' clock (move it to expire sessions).
    pub clock: Clock,
    pub auth: Auth,
    /// The server's database (see [`db`]).
    pub database_url: String,
    /// Dropped with the app unless it was stopped (to start again on it).
    drop_database: bool,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl std::ops::Deref for TestApp {
    type Target = Session;
    fn deref(&self) -> &Session {
        &self.admin
    }
}

/// The backend the suite runs on: SQLite (a file in each test's directory)
/// unless `TEST_BACKEND=postgres`, when every test server gets a database of
/// its own on the server at `TEST_POSTGRES_URL` (default
/// `postgres://postgres@127.0.0.1:5432`), created here and dropped when the
/// test ends.
pub fn on_postgres() -> bool {
    std::env::var("TEST_BACKEND").is_ok_and(|b| b == "postgres")
}

/// The database of the test whose directory is `dir`: the same directory,
/// the same database, across a restart. On PostgreSQL it is created here
/// (empty) the first time.
pub fn database_url(dir: &std::path::Path) -> String {
    if !on_postgres() {
        return format!("sqlite://{}/test.db", dir.display());
    }
    postgres_database(dir)
}

/// A PostgreSQL database for the test whose directory is `dir`, whatever the
/// suite's backend (for the tests of several servers on one database).
pub fn postgres_database(dir: &std::path::Path) -> String {
    let name = format!("cr_test_{}", dir.file_name().and_then(|n| n.to_str()).unwrap_or("x").to_lowercase())
        .replace(|c: char| !c.is_ascii_alphanumeric(), "_");
    let marker = dir.join("postgres-database");
    if !marker.exists() {
        crate::common::create_database(&name);
        std::fs::write(&marker, &name).expect("the marker file");
    }
    format!("{}/{name}", crate::common::postgres_base())
}

/// Drops a test's PostgreSQL database (public for tests that start servers
/// of their own on it) (nothing on SQLite: the directory goes).
pub fn drop_database(url: &str) {
    if url.starts_with("postgres") {
        crate::common::drop_database_at(url);
    }
}

/// The test server's database, opened beside it (either backend), for what
/// the API does not show. Write statements with `?` and pass them through
/// [`sql`].
pub async fn db(url: &str) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::any::AnyPoolOptions::new().max_connections(1).connect(url).await.expect("open the test database")
}

/// `text` with its `?` placeholders in the dialect of the suite's backend.
pub fn sql(text: &str) -> String {
    if on_postgres() { server::store::numbered(text) } else { text.to_owned() }
}

/// A config for tests: port 0, a database in `dir`, the demo district, no
/// simulator, fast heartbeats.
pub fn test_config(dir: &std::path::Path) -> Config {
    Config {
        bind: "127.0.0.1:0".parse().expect("valid address"),
        database_url: database_url(dir),
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

/// Starts a server with `config`, keeping `dir` alive as long as the app,
/// and logs its administrator in (made on the first start).
pub async fn start(config: Config, dir: tempfile::TempDir) -> TestApp {
    start_with(config, dir, true, Clock::system()).await
}

/// As `start`, on `clock` (one a test has moved, e.g. across a restart).
pub async fn start_at(config: Config, dir: tempfile::TempDir, clock: Clock) -> TestApp {
    start_with(config, dir, true, clock).await
}

/// As `start`, with nobody logged in (`admin` is an anonymous session).
pub async fn start_anonymous(config: Config, dir: tempfile::TempDir) -> TestApp {
    start_with(config, dir, false, Clock::system()).await
}

async fn start_with(config: Config, dir: tempfile::TempDir, log_in: bool, clock: Clock) -> TestApp {
    let database_url = config.database_url.clone();
    let app = Application::build_with_clock(config, clock.clone()).await.expect("the server starts");
    let port = app.port();
    let auth = app.auth();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(app.run_until_stopped(async move {
        let _ = stopped.await;
    }));
    let base = format!("http://127.0.0.1:{port}");
    let anonymous = Session::anonymous_at(&base, port);
    if auth.store().user_by_name("test-admin").await.expect("store").is_none() {
        auth.add_user(
            "test",
            &server::auth::NewAccount {
                name: "test-admin",
                role: Role::Admin,
                station: None,
                unit: None,
                password: PASSWORD,
                demo: false,
            },
        )
        .await
        .expect("an admin");
    }
    let admin = if log_in { anonymous.log_in("test-admin", PASSWORD).await } else { anonymous };
    TestApp {
        base,
        port,
        client: admin.client.clone(),
        admin,
        dir,
        clock,
        auth,
        database_url,
        drop_database: true,
        stop: Some(stop),
        task: Some(task),
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if self.drop_database {
            // the server first: its connections would hold the database
            if let Some(t) = self.task.take() {
                t.abort();
            }
            drop_database(&self.database_url);
        }
    }
}

impl TestApp {
    /// The server's database, opened beside it.
    pub async fn db(&self) -> sqlx::AnyPool {
        db(&self.database_url).await
    }

    /// Stops the server gracefully and hands back its directory, so a test
    /// can start a new server on the same database.
    pub async fn stop(mut self) -> tempfile::TempDir {
        self.drop_database = false;
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            t.await.expect("server task joins").expect("server stopped cleanly");
        }
        let dir = tempfile::tempdir().expect("temp dir");
        std::mem::replace(&mut self.dir, dir)
    }

    /// A new account with `role` (and its station or unit), logged in.
    pub async fn login(&self, name: &str, role: Role, station: Option<&str>, unit: Option<&str>) -> Session {
        self.auth
            .add_user("test", &server::auth::NewAccount { name, role, station, unit, password: PASSWORD, demo: false })
            .await
            .expect("an account");
        self.anonymous().log_in(name, PASSWORD).await
    }

    /// A device with a new token of `role`.
    pub async fn device(&self, name: &str, role: Role, units: &[&str], groups: &[&str]) -> Session {
        let units: Vec<String> = units.iter().map(|s| s.to_string()).collect();
        let groups: Vec<String> = groups.iter().map(|s| s.to_string()).collect();
        let (_, token) = self.auth.add_token("test", name, role, &units, &groups, None).await.expect("a token");
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(reqwest::header::AUTHORIZATION, format!("Bearer {token}").parse().expect("a header value"));
        Session {
            client: reqwest::Client::builder().default_headers(headers).build().expect("client"),
            bearer: Some(token),
            name: name.to_owned(),
            ..Session::anonymous_at(&self.base, self.port)
        }
    }

    /// Nobody logged in.
    pub fn anonymous(&self) -> Session {
        Session::anonymous_at(&self.base, self.port)
    }
}

impl Session {
    fn anonymous_at(base: &str, port: u16) -> Session {
        Session {
            base: base.to_owned(),
            port,
            client: reqwest::Client::builder().cookie_store(true).build().expect("client"),
            cookie: None,
            bearer: None,
            csrf: String::new(),
            name: String::new(),
        }
    }

    /// A client that does not follow redirects and sends this session's
    /// cookie (to see where a page sends a browser).
    pub fn cookie_client(&self) -> reqwest::Client {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Some(c) = &self.cookie {
            headers.insert(reqwest::header::COOKIE, c.parse().expect("a cookie"));
        }
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .build()
            .expect("client")
    }

    /// Logs in with the API (the cookie lands in this session's jar).
    pub async fn log_in(&self, name: &str, password: &str) -> Session {
        let client = reqwest::Client::builder().cookie_store(true).build().expect("client");
        let r = client
            .post(format!("{}/api/v1/session", self.base))
            .json(&json!({"name": name, "password": password}))
            .send()
            .await
            .expect("request");
        assert_eq!(r.status().as_u16(), 200, "{name} logs in");
        let cookie = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with("cr_session="))
            .and_then(|c| c.split(';').next())
            .expect("a session cookie")
            .to_owned();
        let mut s = Session { client, cookie: Some(cookie), name: name.to_owned(), ..self.clone() };
        s.csrf = s.session_csrf().await;
        s
    }

    /// The form token of this session (what its pages' forms carry).
    pub async fn session_csrf(&self) -> String {
        let r = self.client.post(self.url("/sf/session")).send().await.expect("request");
        let v: Value = r.json().await.expect("json");
        v["csrf"].as_str().unwrap_or_default().to_owned()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A page as a browser gets it: status and HTML (`path`, or a whole
    /// address such as a redirect's `location`).
    pub async fn html(&self, path: &str) -> (u16, String) {
        let url = if path.starts_with("http") { path.to_owned() } else { self.url(path) };
        let r = self.client.get(url).header("accept", "text/html").send().await.expect("request");
        (r.status().as_u16(), r.text().await.expect("text"))
    }

    /// Posts a form as a browser without JavaScript does, from the page at
    /// `from`, with this session's form token; returns the status and where
    /// it redirects (a whole address).
    pub async fn post_form(&self, endpoint: &str, fields: &[(&str, &str)], from: &str) -> (u16, String) {
        let mut with_token: Vec<(&str, &str)> = fields.to_vec();
        with_token.push(("csrf", &self.csrf));
        self.post_form_raw(endpoint, &with_token, from).await
    }

    /// As `post_form`, with exactly these fields (no token added).
    pub async fn post_form_raw(&self, endpoint: &str, fields: &[(&str, &str)], from: &str) -> (u16, String) {
        let client = self.cookie_client();
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

    pub async fn delete(&self, path: &str) -> u16 {
        self.client.delete(self.url(path)).send().await.expect("request").status().as_u16()
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

    /// Calls a server function as the page's script does (URL-encoded
    /// arguments, JSON answer).
    pub async fn server_fn(&self, name: &str, fields: &[(&str, &str)]) -> (u16, Value) {
        let r = self
            .client
            .post(self.url(&format!("/sf/{name}")))
            .header("accept", "application/json")
            .form(fields)
            .send()
            .await
            .expect("request");
        let status = r.status().as_u16();
        let text = r.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
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

    /// The websocket handshake request for `/ws{query}`, with this
    /// session's credentials.
    pub fn ws_request(&self, query: &str) -> tokio_tungstenite::tungstenite::handshake::client::Request {
        let url = format!("ws://127.0.0.1:{}/ws{query}", self.port);
        let mut req = url.into_client_request().expect("a websocket request");
        if let Some(c) = &self.cookie {
            req.headers_mut().insert("cookie", c.parse().expect("a cookie"));
        }
        if let Some(t) = &self.bearer {
            req.headers_mut().insert("authorization", format!("Bearer {t}").parse().expect("a header"));
        }
        req
    }

    pub async fn ws(&self, query: &str) -> Ws {
        let (stream, _) = tokio_tungstenite::connect_async(self.ws_request(query)).await.expect("websocket connects");
        Ws { stream }
    }

    /// The websocket handshake's answer status, when it is refused.
    pub async fn ws_refused(&self, query: &str) -> u16 {
        match tokio_tungstenite::connect_async(self.ws_request(query)).await {
            Ok(_) => 101,
            Err(tokio_tungstenite::tungstenite::Error::Http(r)) => r.status().as_u16(),
            Err(e) => panic!("the handshake failed otherwise: {e}"),
        }
    }

    /// A websocket client with a tiny receive buffer: when it stops reading,
    /// the server's writes to it block almost at once (a stalled screen).
    pub async fn ws_small_buffer(&self, query: &str) -> Ws {
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket.set_recv_buffer_size(4096).expect("buffer size");
        let tcp = socket.connect(format!("127.0.0.1:{}", self.port).parse().expect("addr")).await.expect("connects");
        let (stream, _) =
            tokio_tungstenite::client_async(self.ws_request(query), tokio_tungstenite::MaybeTlsStream::Plain(tcp))
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

    /// Waits (at most `limit`) for the stream to be closed; the close code.
    pub async fn closed_within(&mut self, limit: Duration) -> Option<u16> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            match tokio::time::timeout_at(deadline, self.stream.next()).await {
                Err(_) => return None,
                Ok(None) => return Some(1006),
                Ok(Some(Ok(Message::Close(frame)))) => return Some(frame.map(|f| u16::from(f.code)).unwrap_or(1005)),
                Ok(Some(Ok(_))) => continue,
                Ok(Some(Err(_))) => return Some(1006),
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
