//! `command-room`: reads the configuration and runs the server until Ctrl-C
//! or SIGTERM; or, with `users …` / `tokens …`, manages accounts and device
//! tokens (see `command-room --help`).

use anyhow::Context;
use clap::Parser;
use server::cli::Cli;
use server::startup::Application;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Info level never carries personal data or positions; `RUST_LOG=debug`
    // is for a developer's machine.
    let cli = Cli::parse();
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    if cli.command.is_some() {
        // a command's standard output is its answer (a token on the last line)
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    } else {
        tracing_subscriber::fmt().with_env_filter(filter).init();
    }
    let config = match cli.config() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("configuration error: {e}");
            std::process::exit(2);
        }
    };
    if let Some(command) = &cli.command {
        let mut out = std::io::stdout();
        if let Err(e) = server::cli::run(command, &config, &mut out).await {
            eprintln!("error: {e:#}");
            std::process::exit(1);
        }
        return Ok(());
    }
    let demo = config.auth.demo.clone();
    let app = Application::build(config).await.context("starting the server")?;
    tracing::info!("Command Room listening on http://{}", app.local_addr());
    if let Some(d) = demo {
        // the demo's published password and wall-screen link (config/demo.toml)
        println!("demo accounts: admin, chief, dispatcher, steward, officer — password {}", d.password);
        println!("wall screen (kiosk): http://{}/screen?token={}", app.local_addr(), d.kiosk_token);
    }
    app.run_until_stopped(shutdown_signal()).await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
