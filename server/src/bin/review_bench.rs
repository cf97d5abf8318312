//! Review benchmark: starts the server on a history database (made by
//! `gen-history`) and times every review page, API answer and CSV export
//! for a full year over all stations and for one station's month, with the
//! process's memory before and after.
//!
//! ```text
//! cargo run --release -p server --features load-tool --bin gen-history -- --db data/history.db
//! cargo run --release -p server --features load-tool --bin review-bench -- --db data/history.db
//! # the same on PostgreSQL (a database gen-history filled)
//! cargo run --release -p server --features load-tool --bin review-bench -- --db postgres://postgres@127.0.0.1/history
//! ```

use std::time::{Duration, Instant};

use chrono::Utc;
use server::{Application, Config};

fn rss_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut db = "data/history.db".to_owned();
    let mut runs = 5usize;
    let mut station = "RS".to_owned();
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let val = it.next().ok_or_else(|| anyhow::anyhow!("{flag} needs a value"))?;
        match flag.as_str() {
            "--db" => db = val,
            "--runs" => runs = val.parse()?,
            "--station" => station = val,
            other => {
                anyhow::bail!("unknown option {other}; usage: review-bench [--db PATH] [--runs N] [--station CODE]")
            }
        }
    }
    let url = if db.contains("://") { db.clone() } else { format!("sqlite://{db}") };
    if !db.contains("://") && !std::path::Path::new(&db).exists() {
        anyhow::bail!("{db} does not exist; make it with gen-history first");
    }
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let config = Config {
        bind: "127.0.0.1:0".parse()?,
        database_url: url,
        district_file: Some(root.join("config/district-lingui.toml")),
        site_root: root.join("target/site"),
        ..Config::default()
    };
    let app = Application::build(config).await?;
    let base = format!("http://127.0.0.1:{}", app.port());
    // a chief of all stations reads the review: an administrator, logged in
    let auth = app.auth();
    let password = "review bench at the station";
    if auth.store().user_by_name("bench-admin").await?.is_none() {
        auth.add_user(
            "bench",
            &server::auth::NewAccount {
                name: "bench-admin",
                role: domain::access::Role::Admin,
                station: None,
                unit: None,
                password,
                demo: false,
            },
        )
        .await?;
    }
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until_stopped(async move {
        let _ = stop_rx.await;
    }));
    let login = reqwest::Client::new()
        .post(format!("{base}/api/v1/session"))
        .json(&serde_json::json!({"name": "bench-admin", "password": password}))
        .send()
        .await?;
    let cookie = login
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.split(';').next().filter(|c| c.starts_with("cr_session=")).map(str::to_owned))
        .ok_or_else(|| anyhow::anyhow!("the bench could not log in"))?;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::COOKIE, cookie.parse()?);
    let client = reqwest::Client::builder().timeout(Duration::from_secs(120)).default_headers(headers).build()?;

    let today = (Utc::now() + chrono::Duration::hours(8)).date_naive();
    let year = format!("from={}&to={today}", today - chrono::Duration::days(364));
    let month = format!("from={}&to={today}&station={station}", today - chrono::Duration::days(29));
    let mut cases: Vec<(String, String)> = vec![];
    for (scope, q) in [("year, all stations", &year), ("station month", &month)] {
        cases.push((format!("{scope}: page /review"), format!("/review?{q}")));
        cases.push((format!("{scope}: API figures"), format!("/api/v1/review?{q}")));
        for by in ["station", "zone_class", "category", "channel", "unit", "priority", "hour"] {
            cases.push((format!("{scope}: page by {by}"), format!("/review?{q}&by={by}")));
            cases.push((format!("{scope}: CSV by {by}"), format!("/api/v1/review.csv?{q}&by={by}")));
        }
        cases.push((format!("{scope}: CSV heat"), format!("/api/v1/review/heat.csv?{q}")));
        cases.push((format!("{scope}: CSV days"), format!("/api/v1/review/days.csv?{q}")));
        cases.push((format!("{scope}: CSV hot spots"), format!("/api/v1/review/hotspots.csv?{q}")));
        cases.push((format!("{scope}: page incidents"), format!("/review/incidents?{q}")));
        cases.push((format!("{scope}: page breaches"), format!("/review/incidents?{q}&only=breached")));
        cases.push((
            format!("{scope}: page late travel, longest"),
            format!("/review/incidents?{q}&only=late_travel&order=travel"),
        ));
        cases.push((format!("{scope}: CSV incidents"), format!("/api/v1/review/incidents.csv?{q}&only=breached")));
    }
    let rss_before = rss_kb("VmRSS:");
    println!("{:<48} {:>9} {:>9} {:>9} {:>10}", "case", "min ms", "median", "max ms", "bytes");
    let mut worst: Vec<(String, f64)> = vec![];
    for (name, path) in &cases {
        let mut times = vec![];
        let mut bytes = 0;
        for _ in 0..runs {
            let t = Instant::now();
            let r = client.get(format!("{base}{path}")).send().await?;
            let status = r.status();
            let body = r.bytes().await?;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            if !status.is_success() {
                println!("{name}: {path} answered {status} ({} bytes)", body.len());
                break;
            }
            bytes = body.len();
        }
        if times.len() < runs {
            continue;
        }
        times.sort_by(f64::total_cmp);
        let median = times[times.len() / 2];
        println!("{name:<48} {:>9.1} {:>9.1} {:>9.1} {bytes:>10}", times[0], median, times[times.len() - 1]);
        worst.push((name.clone(), median));
    }
    let by_scope = |s: &str| worst.iter().filter(|(n, _)| n.starts_with(s)).map(|(_, m)| *m).fold(0.0, f64::max);
    println!(
        "slowest median: year, all stations {:.1} ms (target < 1000); station month {:.1} ms (target < 100)",
        by_scope("year"),
        by_scope("station")
    );
    println!(
        "memory: RSS {} MB before the cases, {} MB after, peak {} MB",
        rss_before / 1024,
        rss_kb("VmRSS:") / 1024,
        rss_kb("VmHWM:") / 1024
    );
    let _ = stop_tx.send(());
    server.await??;
    Ok(())
}
