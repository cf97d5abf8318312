// each test binary uses a part of what is here
#![allow(dead_code)]

//! What the tests of the real binary share: the repository, and the server
//! process (started from a config file, killed when dropped).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The server process, killed when dropped (also when a test fails).
pub struct Server(pub Child);

impl Server {
    pub fn sigkill(&mut self) {
        self.0.kill().expect("SIGKILL");
        self.0.wait().expect("reaped");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the real binary; returns it and its base URL once it listens.
pub fn launch(config: &Path) -> (Server, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_command-room"))
        .arg("--config")
        .arg(config)
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server starts");
    let out = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if let Some(at) = line.find("listening on http://") {
                // "http://127.0.0.1:PORT"
                let _ = tx.send(line[at + "listening on ".len()..].trim().to_owned());
            }
        }
    });
    let server = Server(child);
    let base = rx.recv_timeout(Duration::from_secs(60)).expect("the server says where it listens");
    (server, base)
}

/// Logs `name` in: a client sending its session cookie on every request,
/// and the cookie (`cr_session=…`, for a websocket handshake).
pub async fn logged_in(base: &str, name: &str, password: &str) -> (reqwest::Client, String) {
    let r = reqwest::Client::new()
        .post(format!("{base}/api/v1/session"))
        .json(&serde_json::json!({"name": name, "password": password}))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status().as_u16(), 200, "{name} logs in");
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.split(';').next().filter(|c| c.starts_with("cr_session=")))
        .expect("a session cookie")
        .to_owned();
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("cookie", cookie.parse().expect("a header"));
    let client =
        reqwest::Client::builder().default_headers(headers).timeout(Duration::from_secs(5)).build().expect("client");
    (client, cookie)
}

/// The PostgreSQL server the tests use (`TEST_POSTGRES_URL`, as
/// `scripts/test.sh` ensures; default `postgres://postgres@127.0.0.1:5432`),
/// without a database name.
pub fn postgres_base() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432".to_owned())
        .trim_end_matches('/')
        .to_owned()
}

/// Runs `sql` on the server's maintenance database, on a runtime and thread
/// of its own (so from sync code, from `Drop`, or inside another runtime);
/// `false` when it failed.
fn on_postgres_server(sql: String) -> bool {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime").block_on(async move {
            use sqlx::Connection;
            let Ok(mut c) = sqlx::PgConnection::connect(&format!("{}/postgres", postgres_base())).await else {
                return false;
            };
            sqlx::query(&sql).execute(&mut c).await.is_ok()
        })
    })
    .join()
    .unwrap_or(false)
}

/// Makes the empty database `name`; its URL.
pub fn create_database(name: &str) -> String {
    assert!(on_postgres_server(format!("CREATE DATABASE {name}")), "cannot create the test database {name}");
    format!("{}/{name}", postgres_base())
}

/// Drops the database at `url` (its connections closed first).
pub fn drop_database_at(url: &str) {
    if let Some((_, name)) = url.rsplit_once('/') {
        on_postgres_server(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    }
}

/// A fresh PostgreSQL database, dropped with this.
pub struct TestDatabase {
    pub url: String,
}

impl TestDatabase {
    /// `prefix` and this process's id name it (`DROP … IF EXISTS` first, in
    /// case an earlier run died before its drop).
    pub fn new(prefix: &str) -> TestDatabase {
        let name = format!("{prefix}_{}", std::process::id());
        on_postgres_server(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        TestDatabase { url: create_database(&name) }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        drop_database_at(&self.url);
    }
}

/// xmllint's verdict on a CAP document against the OASIS CAP 1.2 schema
/// (`tests/data/CAP-v1.2.xsd`): Ok, or its complaint. xmllint is Debian's
/// libxml2-utils (`scripts/test.sh` installs it).
pub fn validate_cap(xml: &str) -> Result<(), String> {
    xmllint(xml, Some(&repo().join("server/tests/data/CAP-v1.2.xsd")))
}

/// xmllint's verdict on a document's well-formedness alone.
pub fn well_formed(xml: &str) -> Result<(), String> {
    xmllint(xml, None)
}

fn xmllint(xml: &str, schema: Option<&Path>) -> Result<(), String> {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("doc.xml");
    std::fs::write(&file, xml).expect("write the document");
    let mut cmd = Command::new("xmllint");
    cmd.arg("--noout");
    if let Some(s) = schema {
        cmd.arg("--schema").arg(s);
    }
    let out = cmd.arg(&file).output().expect("xmllint (Debian's libxml2-utils; scripts/test.sh installs it)");
    if out.status.success() { Ok(()) } else { Err(String::from_utf8_lossy(&out.stderr).into_owned()) }
}
