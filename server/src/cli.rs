//! The command line: `command-room [FLAGS]` serves; `command-room users …`
//! and `command-room tokens …` make and manage accounts and device tokens on
//! a database (the first admin of a deployment, scripts).
//!
//! The interface of `users add` and `tokens add` is fixed (others rely on
//! it): `users add` reads the password from standard input; `tokens add`
//! prints the token as its last line.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use domain::access::Role;

use crate::auth::Auth;
use crate::clock::Clock;
use crate::config::{Args, Config};
use crate::store::Store;

#[derive(Debug, Parser)]
#[command(name = "command-room", version, about = "The Command Room server (指挥室)", long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Read settings from a TOML file (see config/demo.toml).
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,
    /// Listen on ADDR (default 127.0.0.1:3000).
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<String>,
    /// sqlite://path/to/file.db (default sqlite://data/command-room.db) or
    /// postgres://user@host:port/database (DATABASE_URL in the environment
    /// also sets it).
    #[arg(long, value_name = "URL", global = true)]
    pub database: Option<String>,
    /// District data loaded into an empty database; `none` for an empty district.
    #[arg(long, value_name = "FILE")]
    pub district: Option<String>,
    /// The built site (default target/site).
    #[arg(long, value_name = "DIR")]
    pub site_root: Option<String>,
    /// Run the demo simulator (incidents, dispatcher, moving units).
    #[arg(long, conflicts_with = "no_simulate")]
    pub simulate: bool,
    /// Do not run it, whatever the config file says.
    #[arg(long)]
    pub no_simulate: bool,
    /// Simulated seconds per real second (default 1).
    #[arg(long, value_name = "N")]
    pub speed: Option<f64>,
    /// Where ETAs come from: straight-line (the default), district (the
    /// district file's road lines) or imported (`roads import`); sets
    /// `roads.source`.
    #[arg(long, value_name = "SOURCE")]
    pub roads: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// People's accounts.
    #[command(subcommand)]
    Users(Users),
    /// Device tokens (wall screens, trackers, chat bridges).
    #[command(subcommand)]
    Tokens(Tokens),
    /// Brings the database's schema up to date and exits (safe while other
    /// servers start or run: PostgreSQL's migrations hold an advisory lock,
    /// SQLite's a lock file beside the database).
    Migrate,
    /// The road network routed ETAs use (`[roads] source = "imported"`).
    #[command(subcommand)]
    Roads(Roads),
    /// Copies a SQLite database, consistent, while servers use it
    /// (`VACUUM INTO`); for PostgreSQL use pg_dump (see the README).
    Backup {
        /// Where the copy goes (must not exist yet).
        #[arg(long, value_name = "FILE")]
        to: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum Users {
    /// Make an account; the password is read from standard input.
    Add {
        #[arg(long)]
        name: String,
        /// admin, chief, dispatcher, steward or officer.
        #[arg(long)]
        role: Role,
        /// A chief's station (its code).
        #[arg(long, value_name = "CODE")]
        station: Option<String>,
        /// An officer's unit (its callsign).
        #[arg(long, value_name = "CALLSIGN")]
        unit: Option<String>,
    },
    /// List the accounts.
    List,
    /// Unlock an account locked after failed logins.
    Unlock {
        #[arg(long)]
        name: String,
    },
    /// Set an account's password (read from standard input); its sessions end.
    Passwd {
        #[arg(long)]
        name: String,
    },
    /// Enable a disabled account (for instance one unused for 90 days).
    Enable {
        #[arg(long)]
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum Roads {
    /// Import the roads of an OpenStreetMap extract (.osm.pbf), replacing
    /// the stored network; servers use it from their next start.
    Import {
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// What network is stored.
    Status,
}

#[derive(Debug, Subcommand)]
pub enum Tokens {
    /// Make a device token; prints it as the last line (shown once).
    Add {
        /// kiosk, tracker or bridge.
        #[arg(long)]
        role: Role,
        #[arg(long)]
        name: String,
        /// A tracker's units (callsigns).
        #[arg(long = "unit", value_name = "CALLSIGN", num_args = 1..)]
        units: Vec<String>,
        /// A bridge's chat groups.
        #[arg(long = "group", value_name = "ID", num_args = 1..)]
        groups: Vec<String>,
    },
    /// List the tokens (never the tokens themselves).
    List,
    /// Revoke a token by its name.
    Revoke {
        #[arg(long)]
        name: String,
    },
}

/// The server's flags from a command line (tests and `main`).
pub fn server_args<I, T>(args: I) -> Result<Args, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    Cli::try_parse_from(args).map(|c| c.server_args())
}

impl Cli {
    pub fn server_args(&self) -> Args {
        Args {
            config: self.config.clone(),
            bind: self.bind.clone(),
            database: self.database.clone(),
            district: self.district.clone(),
            site_root: self.site_root.clone(),
            simulate: if self.simulate {
                Some(true)
            } else if self.no_simulate {
                Some(false)
            } else {
                None
            },
            speed: self.speed,
            roads: self.roads.clone(),
        }
    }

    /// The configuration: the file, then `DATABASE_URL`, then the flags.
    pub fn config(&self) -> Result<Config, crate::config::ConfigError> {
        match &self.config {
            Some(path) => Config::from_file(path),
            None => Ok(Config::default()),
        }
        .and_then(|c| c.with_env(std::env::var("DATABASE_URL").ok()))
        .and_then(|c| c.with_args(&self.server_args()))
    }
}

/// One line of standard input, without its line break (a password).
fn read_password(out: &mut impl Write) -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        write!(out, "password: ")?;
        out.flush()?;
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line).context("reading the password from standard input")?;
    Ok(line.trim_end_matches(['\n', '\r']).to_owned())
}

/// Runs an account or token command against the configured database;
/// writes what it did to `out`.
pub async fn run(command: &Command, config: &Config, out: &mut impl Write) -> anyhow::Result<()> {
    let store = Store::connect(&config.database_url).await.context("opening the database")?;
    let auth = Auth::new(store.clone(), config.auth.clone(), Clock::system());
    let by = "cli";
    let user_id = |name: String| {
        let store = store.clone();
        async move {
            store.user_by_name(&name).await?.map(|u| u.id).ok_or_else(|| anyhow::anyhow!("no account named {name:?}"))
        }
    };
    match command {
        Command::Migrate => {
            let (count, version) = store.schema_version().await?;
            writeln!(
                out,
                "the {} database is up to date: {count} migrations, version {version}",
                store.backend().as_str()
            )?;
        }
        Command::Backup { to } => {
            let bytes = store.backup_to(to).await?;
            writeln!(out, "backed up to {} ({bytes} bytes)", to.display())?;
        }
        Command::Roads(Roads::Import { file }) => {
            let path = file.clone();
            let (net, report) = tokio::task::spawn_blocking(move || crate::roads::read_osm(&path)).await??;
            let source = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            store.save_road_network(&net, &source, chrono::Utc::now()).await?;
            audit(&auth, "roads_imported", &format!("{source}: {} nodes, {} edges", report.nodes, report.edges))
                .await?;
            writeln!(
                out,
                "imported {source}: {} ways, {} nodes, {} edges ({} way nodes outside the extract were left out); \
                 set [roads] source = \"imported\" and restart the servers to route on it",
                report.ways, report.nodes, report.edges, report.missing_nodes
            )?;
        }
        Command::Roads(Roads::Status) => match store.road_network_summary().await? {
            Some(s) => writeln!(
                out,
                "{}: {} nodes, {} edges, imported {}",
                s.source,
                s.nodes,
                s.edges,
                chrono::DateTime::from_timestamp_millis(s.imported_at).map(|t| t.to_rfc3339()).unwrap_or_default()
            )?,
            None => writeln!(out, "no road network is stored")?,
        },
        Command::Users(Users::Add { name, role, station, unit }) => {
            let password = read_password(out)?;
            let account = crate::auth::NewAccount {
                name,
                role: *role,
                station: station.as_deref(),
                unit: unit.as_deref(),
                password: &password,
                demo: false,
            };
            auth.add_user(by, &account).await?;
            writeln!(out, "account {name} ({role}) made")?;
        }
        Command::Users(Users::List) => {
            for u in store.users().await? {
                let bound = u.station.clone().or(u.unit_id.map(|id| format!("unit {id}"))).unwrap_or_default();
                let state = if u.disabled_at.is_some() {
                    "disabled"
                } else if u.locked_at.is_some() {
                    "locked"
                } else {
                    "active"
                };
                writeln!(out, "{}\t{}\t{bound}\t{state}{}", u.name, u.role, if u.demo { "\tdemo" } else { "" })?;
            }
        }
        Command::Users(Users::Unlock { name }) => {
            let id = user_id(name.clone()).await?;
            store.unlock_user(id).await?;
            audit(&auth, "user_unlocked", name).await?;
            writeln!(out, "account {name} unlocked")?;
        }
        Command::Users(Users::Passwd { name }) => {
            let id = user_id(name.clone()).await?;
            let password = read_password(out)?;
            auth.set_password(by, id, &password, "").await?;
            writeln!(out, "account {name}: new password set; its sessions ended")?;
        }
        Command::Users(Users::Enable { name }) => {
            let id = user_id(name.clone()).await?;
            store.set_disabled(id, None, chrono::Utc::now()).await?;
            audit(&auth, "user_enabled", name).await?;
            writeln!(out, "account {name} enabled")?;
        }
        Command::Tokens(Tokens::Add { role, name, units, groups }) => {
            let (_, token) = auth.add_token(by, name, *role, units, groups, None).await?;
            writeln!(out, "token {name} ({role}) made; it is shown this once:")?;
            writeln!(out, "{token}")?;
        }
        Command::Tokens(Tokens::List) => {
            for t in store.tokens().await? {
                let state = if t.revoked_at.is_some() { "revoked" } else { "valid" };
                writeln!(out, "{}\t{}\t{}…\t{state}", t.name, t.role, t.hint)?;
            }
        }
        Command::Tokens(Tokens::Revoke { name }) => {
            let t = store
                .tokens()
                .await?
                .into_iter()
                .find(|t| t.name.eq_ignore_ascii_case(name))
                .ok_or_else(|| anyhow::anyhow!("no token named {name:?}"))?;
            if !store.revoke_token(t.id, by, chrono::Utc::now()).await? {
                anyhow::bail!("token {name} is already revoked");
            }
            audit(&auth, "token_revoked", &format!("token {name}")).await?;
            writeln!(out, "token {name} revoked")?;
        }
    }
    Ok(())
}

async fn audit(auth: &Auth, action: &'static str, target: &str) -> anyhow::Result<()> {
    auth.audit(&[auth.admin_entry("cli", action, target.to_owned(), "command line".into(), "")]).await?;
    Ok(())
}
