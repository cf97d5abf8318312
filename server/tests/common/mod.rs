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
