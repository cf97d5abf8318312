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
