//! Configuration: a TOML file (every key optional), then `DATABASE_URL` from
//! the environment, then command-line flags. Checked at start-up; every error
//! names the key that is wrong.

use std::net::SocketAddr;
use std::path::PathBuf;

use domain::policy::PolicyConfig;
use domain::travel::TravelConfig;
use domain::{ResponsePolicy, TravelModel};
use serde::Deserialize;

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    pub bind: SocketAddr,
    /// `sqlite://path/to/file.db` (created if missing) or `sqlite::memory:`.
    pub database_url: String,
    /// Where the built site (pkg/, favicon) lives.
    pub site_root: PathBuf,
    /// The district file loaded into an empty database on the first start.
    pub district_file: Option<PathBuf>,
    /// Local time for clocks and "today" (China: +08:00 = 480).
    pub utc_offset_minutes: i32,
    pub policy: ResponsePolicy,
    pub travel: TravelModel,
    pub simulator: SimulatorConfig,
    /// Seconds between heartbeats on the live stream.
    pub heartbeat_s: u64,
    /// Residents' reports accepted per client address per window.
    pub reports_per_window: u32,
    pub reports_window_s: u64,
    /// Frames that wait for slow stream clients; one further behind gets a
    /// fresh snapshot.
    pub stream_ring: usize,
    /// How often a live stream checks that its session still stands
    /// (`stream.session_check_s`).
    pub stream_session_check_s: u64,
    /// Raster tiles under the vector map, from a tile server the deployment
    /// names (never the internet by default: none).
    pub tiles: Option<app::wire::TileLayer>,
    /// The chat-group desk: triage rules and outbound webhooks.
    pub desk: DeskConfig,
    /// Accounts, sessions, tokens, the audit log (`[auth]`).
    pub auth: crate::auth::AuthConfig,
    /// `https://command.police.internal`: the origin browsers reach this
    /// server at (`server.public_origin`). When set, requests for another
    /// `Host` are refused, state-changing requests must come from it, and
    /// check-in QR codes point to it.
    pub public_origin: Option<String>,
    /// The connection limits at the edge (`[server]`).
    pub edge: EdgeConfig,
    /// Safety notices: the CAP sender, the calendar, the stations' chat
    /// groups (`[notices]`).
    pub notices: NoticesConfig,
    /// The monthly task lists' rules (`tasks.rules_file`; the bundled
    /// `config/tasks.toml` when none is named).
    pub tasks: domain::tasks::TaskRules,
    /// Volunteers' points per check-in and per hour on duty
    /// (`volunteers.points_per_check_in`, `volunteers.points_per_hour`).
    pub volunteer_points: domain::volunteers::PointRule,
    /// Several servers on one PostgreSQL database: how often a follower
    /// tries for the lead, and how soon a leader whose connection stops
    /// answering gives it up (`database.election_ms`, `database.keepalive_ms`).
    pub election: crate::engine::Election,
    /// Routed ETAs: where the road network comes from, the speeds by mode
    /// and road class, how far a position may be from a road (`[roads]`).
    pub roads: crate::roads::RoadsSettings,
}

/// How much a client may hold of the server (`[server]`): a slow or
/// malicious client cannot keep connections open for nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct EdgeConfig {
    /// Connections served at once; more wait in the kernel's queue.
    pub max_connections: usize,
    /// A request's headers must arrive within this (slowloris); a kept-alive
    /// connection waiting this long for its next request is closed too.
    pub header_timeout_s: u64,
    /// A request's body must arrive within this.
    pub body_timeout_s: u64,
}

impl Default for EdgeConfig {
    fn default() -> Self {
        EdgeConfig { max_connections: 4096, header_timeout_s: 10, body_timeout_s: 60 }
    }
}

/// The chat-group steward desk (`[desk]`).
#[derive(Debug, Clone, PartialEq)]
pub struct DeskConfig {
    /// Keyword rules proposing a category (`desk.triage_file`; the demo
    /// rules in `config/triage.toml` by default, built in).
    pub triage: domain::triage::TriageRules,
    /// Where replies to each group go: group_id → URL (`[desk.webhooks]`).
    /// A group without one keeps its replies on the desk (`no_webhook`).
    pub webhooks: std::collections::BTreeMap<String, String>,
    /// The first retry waits this long, each next one twice as long (at most 5 min).
    pub retry_base_ms: u64,
    /// Delivery attempts before a reply is marked `failed`.
    pub max_attempts: u32,
    /// How long one delivery attempt may take.
    pub timeout_ms: u64,
}

/// The bundled task rules (a unit test in `domain` reads the same file).
pub fn default_task_rules() -> domain::tasks::TaskRules {
    domain::tasks::TaskRules::parse(crate::tasks::DEMO_RULES).unwrap_or(domain::tasks::TaskRules {
        forces: vec![domain::Force::Police],
        kinds: vec![domain::UnitKind::Foot],
        visit: vec![],
        hot_spots: 0,
        hot_spot_min: 1,
        follow_up: vec![],
        follow_up_max: 0,
        publicity: false,
    })
}

/// Safety notices (`[notices]`).
#[derive(Debug, Clone, PartialEq)]
pub struct NoticesConfig {
    /// CAP `<sender>`: with a message's identifier, unique for all time
    /// (`notices.sender`).
    pub sender: String,
    /// CAP `<senderName>`: who residents read it is from.
    pub sender_name: String,
    /// Prefix of every CAP identifier (`{prefix}.notice.{id}.{n}`).
    pub identifier_prefix: String,
    /// The seasonal calendar (`notices.calendar_file`; the bundled
    /// `config/notices-calendar.toml` when none is named).
    pub calendar: domain::notice::Calendar,
    /// Each station's chat groups, which its notices are posted to through
    /// `[desk.webhooks]` (`[notices.groups]`, station code → group ids).
    pub groups: std::collections::BTreeMap<String, Vec<String>>,
}

/// The bundled seasonal calendar (checked by a unit test).
pub const DEMO_CALENDAR: &str = include_str!("../../config/notices-calendar.toml");

impl Default for NoticesConfig {
    fn default() -> Self {
        NoticesConfig {
            sender: "command-room@lingui.example".into(),
            sender_name: "临桂公安".into(),
            identifier_prefix: "lingui".into(),
            calendar: domain::notice::Calendar::parse(DEMO_CALENDAR)
                .unwrap_or(domain::notice::Calendar { templates: vec![] }),
            groups: Default::default(),
        }
    }
}

/// The demo triage rules, built in so that a server without a rules file
/// still proposes categories.
pub const DEMO_TRIAGE: &str = include_str!("../../config/triage.toml");

impl Default for DeskConfig {
    fn default() -> Self {
        DeskConfig {
            // checked by a unit test; an empty rule set would only mean no proposals
            triage: domain::triage::TriageRules::from_toml(DEMO_TRIAGE).unwrap_or_default(),
            webhooks: Default::default(),
            retry_base_ms: 2000,
            max_attempts: 8,
            timeout_ms: 5000,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SimulatorConfig {
    pub enabled: bool,
    /// Simulated seconds per real second.
    pub speed: f64,
    pub seed: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: SocketAddr::from(([127, 0, 0, 1], 3000)),
            database_url: "sqlite://data/command-room.db".to_owned(),
            site_root: PathBuf::from("target/site"),
            district_file: None,
            utc_offset_minutes: 480,
            policy: ResponsePolicy::default(),
            travel: TravelModel::default(),
            simulator: SimulatorConfig { enabled: false, speed: 1.0, seed: 1 },
            heartbeat_s: 5,
            reports_per_window: 5,
            reports_window_s: 600,
            stream_ring: 256,
            stream_session_check_s: 15,
            tiles: None,
            desk: DeskConfig::default(),
            auth: crate::auth::AuthConfig::default(),
            public_origin: None,
            edge: EdgeConfig::default(),
            election: crate::engine::Election::default(),
            notices: NoticesConfig::default(),
            tasks: default_task_rules(),
            volunteer_points: domain::volunteers::PointRule::default(),
            roads: crate::roads::RoadsSettings::default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("config file {path}: {message}")]
    Syntax { path: String, message: String },
    #[error("{key}: {message}")]
    Invalid { key: String, message: String },
    #[error("{0}")]
    Usage(String),
}

fn invalid(key: &str, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid { key: key.to_owned(), message: message.into() }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    server: RawServer,
    #[serde(default)]
    database: RawDatabase,
    #[serde(default)]
    district: RawDistrict,
    #[serde(default)]
    simulator: RawSimulator,
    #[serde(default)]
    reports: RawReports,
    #[serde(default)]
    stream: RawStream,
    #[serde(default)]
    map: RawMap,
    #[serde(default)]
    policy: PolicyConfig,
    #[serde(default)]
    travel: TravelConfig,
    #[serde(default)]
    desk: RawDesk,
    #[serde(default)]
    auth: RawAuth,
    #[serde(default)]
    notices: RawNotices,
    #[serde(default)]
    tasks: RawTasks,
    #[serde(default)]
    volunteers: RawVolunteers,
    #[serde(default)]
    roads: RawRoads,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRoads {
    source: Option<String>,
    #[serde(default)]
    speeds_kmh: std::collections::BTreeMap<String, std::collections::BTreeMap<String, f64>>,
    max_snap_m: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVolunteers {
    points_per_check_in: Option<i64>,
    points_per_hour: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTasks {
    rules_file: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNotices {
    sender: Option<String>,
    sender_name: Option<String>,
    identifier_prefix: Option<String>,
    calendar_file: Option<PathBuf>,
    #[serde(default)]
    groups: std::collections::BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAuth {
    max_failures: Option<i64>,
    failure_window_s: Option<i64>,
    lockout_s: Option<i64>,
    idle_s: Option<i64>,
    absolute_s: Option<i64>,
    disable_unused_days: Option<i64>,
    min_password_chars: Option<i64>,
    secure_cookies: Option<bool>,
    audit_retention_days: Option<i64>,
    demo: Option<RawDemo>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDemo {
    password: String,
    kiosk_token: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDesk {
    triage_file: Option<PathBuf>,
    retry_base_ms: Option<i64>,
    max_attempts: Option<i64>,
    timeout_ms: Option<i64>,
    #[serde(default)]
    webhooks: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawServer {
    bind: Option<String>,
    site_root: Option<PathBuf>,
    utc_offset: Option<String>,
    heartbeat_s: Option<i64>,
    public_origin: Option<String>,
    max_connections: Option<i64>,
    header_timeout_s: Option<i64>,
    body_timeout_s: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDatabase {
    url: Option<String>,
    election_ms: Option<i64>,
    keepalive_ms: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDistrict {
    file: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMap {
    tiles_url: Option<String>,
    tiles_zoom: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStream {
    ring: Option<i64>,
    session_check_s: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReports {
    per_window: Option<i64>,
    window_s: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSimulator {
    enabled: Option<bool>,
    speed: Option<f64>,
    seed: Option<u64>,
}

/// Parses "+08:00", "-05:30" or "Z" into minutes east of UTC.
pub fn parse_utc_offset(s: &str) -> Option<i32> {
    if s == "Z" || s == "+00:00" {
        return Some(0);
    }
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':')?;
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    if (0..=14).contains(&h) && (0..60).contains(&m) { Some(sign * (h * 60 + m)) } else { None }
}

fn check_speed(key: &str, speed: f64) -> Result<f64, ConfigError> {
    if speed.is_finite() && (0.1..=1000.0).contains(&speed) {
        Ok(speed)
    } else {
        Err(invalid(key, format!("must be between 0.1 and 1000, got {speed}")))
    }
}

impl Config {
    /// Reads a config file over the defaults.
    pub fn from_file(path: &std::path::Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Read { path: path.display().to_string(), source })?;
        Config::from_toml(&text).map_err(|e| match e {
            ConfigError::Syntax { message, .. } => ConfigError::Syntax { path: path.display().to_string(), message },
            other => other,
        })
    }

    /// Parses config text over the defaults.
    pub fn from_toml(text: &str) -> Result<Config, ConfigError> {
        let raw: RawConfig =
            toml::from_str(text).map_err(|e| ConfigError::Syntax { path: "<text>".into(), message: e.to_string() })?;
        let mut c = Config::default();
        if let Some(bind) = raw.server.bind {
            c.bind = bind
                .parse()
                .map_err(|_| invalid("server.bind", format!("must be an address like 127.0.0.1:3000, got {bind:?}")))?;
        }
        if let Some(root) = raw.server.site_root {
            c.site_root = root;
        }
        if let Some(off) = raw.server.utc_offset {
            c.utc_offset_minutes = parse_utc_offset(&off)
                .ok_or_else(|| invalid("server.utc_offset", format!("must look like +08:00, got {off:?}")))?;
        }
        if let Some(hb) = raw.server.heartbeat_s {
            if !(1..=60).contains(&hb) {
                return Err(invalid("server.heartbeat_s", format!("must be between 1 and 60, got {hb}")));
            }
            c.heartbeat_s = hb as u64;
        }
        if let Some(url) = raw.database.url {
            c.database_url = check_database_url(&url)?;
        }
        let millis = |key: &str, v: i64| {
            if (50..=60_000).contains(&v) {
                Ok(std::time::Duration::from_millis(v as u64))
            } else {
                Err(invalid(key, format!("must be between 50 and 60000 milliseconds, got {v}")))
            }
        };
        if let Some(v) = raw.database.election_ms {
            c.election.every = millis("database.election_ms", v)?;
        }
        if let Some(v) = raw.database.keepalive_ms {
            c.election.keepalive = millis("database.keepalive_ms", v)?;
        }
        c.district_file = raw.district.file;
        if let Some(e) = raw.simulator.enabled {
            c.simulator.enabled = e;
        }
        if let Some(s) = raw.simulator.speed {
            c.simulator.speed = check_speed("simulator.speed", s)?;
        }
        if let Some(seed) = raw.simulator.seed {
            c.simulator.seed = seed;
        }
        if let Some(n) = raw.reports.per_window {
            if !(1..=10_000).contains(&n) {
                return Err(invalid("reports.per_window", format!("must be between 1 and 10000, got {n}")));
            }
            c.reports_per_window = n as u32;
        }
        if let Some(w) = raw.reports.window_s {
            if !(1..=86_400).contains(&w) {
                return Err(invalid("reports.window_s", format!("must be between 1 and 86400, got {w}")));
            }
            c.reports_window_s = w as u64;
        }
        if let Some(n) = raw.stream.ring {
            if !(8..=65_536).contains(&n) {
                return Err(invalid("stream.ring", format!("must be between 8 and 65536, got {n}")));
            }
            c.stream_ring = n as usize;
        }
        if let Some(n) = raw.stream.session_check_s {
            if !(1..=300).contains(&n) {
                return Err(invalid("stream.session_check_s", format!("must be between 1 and 300, got {n}")));
            }
            c.stream_session_check_s = n as u64;
        }
        if let Some(url) = raw.map.tiles_url {
            let placeholders = ["{z}", "{x}", "{y}"].iter().all(|p| url.contains(p));
            let scheme = url.starts_with("http://") || url.starts_with("https://") || url.starts_with('/');
            if !(placeholders && scheme) {
                return Err(invalid(
                    "map.tiles_url",
                    format!("must be an http(s) URL or a path with {{z}}, {{x}} and {{y}}, got {url:?}"),
                ));
            }
            let zoom = raw.map.tiles_zoom.unwrap_or(15);
            if !(1..=20).contains(&zoom) {
                return Err(invalid("map.tiles_zoom", format!("must be between 1 and 20, got {zoom}")));
            }
            c.tiles = Some(app::wire::TileLayer { url, zoom: zoom as u8 });
        } else if raw.map.tiles_zoom.is_some() {
            return Err(invalid("map.tiles_zoom", "needs map.tiles_url"));
        }
        c.desk = desk_config(raw.desk)?;
        c.auth = auth_config(raw.auth)?;
        c.notices = notices_config(raw.notices)?;
        for (key, v, slot) in [
            (
                "volunteers.points_per_check_in",
                raw.volunteers.points_per_check_in,
                &mut c.volunteer_points.per_check_in,
            ),
            ("volunteers.points_per_hour", raw.volunteers.points_per_hour, &mut c.volunteer_points.per_hour),
        ] {
            match v {
                None => {}
                Some(n) if (0..=1000).contains(&n) => *slot = n as u32,
                Some(n) => return Err(invalid(key, format!("must be between 0 and 1000, got {n}"))),
            }
        }
        if let Some(path) = raw.tasks.rules_file {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| invalid("tasks.rules_file", format!("cannot read {}: {e}", path.display())))?;
            c.tasks = domain::tasks::TaskRules::parse(&text)
                .map_err(|e| invalid("tasks.rules_file", format!("{}: {e}", path.display())))?;
        }
        if let Some(o) = raw.server.public_origin {
            let host = o.strip_prefix("https://").or_else(|| o.strip_prefix("http://")).unwrap_or("");
            let ok = !host.is_empty() && host.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b));
            if !ok {
                return Err(invalid(
                    "server.public_origin",
                    format!("must be a scheme and a host, like https://command.police.internal, got {o:?}"),
                ));
            }
            c.public_origin = Some(o);
        }
        let range = |key: &str, v: Option<i64>, lo: i64, hi: i64, default: u64| -> Result<u64, ConfigError> {
            match v {
                None => Ok(default),
                Some(n) if (lo..=hi).contains(&n) => Ok(n as u64),
                Some(n) => Err(invalid(key, format!("must be between {lo} and {hi}, got {n}"))),
            }
        };
        let e = EdgeConfig::default();
        c.edge = EdgeConfig {
            max_connections: range(
                "server.max_connections",
                raw.server.max_connections,
                16,
                1_000_000,
                e.max_connections as u64,
            )? as usize,
            header_timeout_s: range(
                "server.header_timeout_s",
                raw.server.header_timeout_s,
                1,
                300,
                e.header_timeout_s,
            )?,
            body_timeout_s: range("server.body_timeout_s", raw.server.body_timeout_s, 1, 3600, e.body_timeout_s)?,
        };
        c.policy = ResponsePolicy::validated(&raw.policy).map_err(|e| invalid("policy", e.to_string()))?;
        c.travel = TravelModel::validated(&raw.travel).map_err(|e| invalid("travel", e.to_string()))?;
        let roads = domain::roads::RoadsConfig { speeds_kmh: raw.roads.speeds_kmh, max_snap_m: raw.roads.max_snap_m };
        c.roads = crate::roads::RoadsSettings {
            source: match raw.roads.source.as_deref() {
                None => crate::roads::RoadSource::default(),
                Some(s) => s.parse().map_err(|e: String| invalid("roads.source", e))?,
            },
            speeds: domain::roads::RoadSpeeds::validated(&roads).map_err(|e| invalid("roads", e.to_string()))?,
            max_snap_m: domain::roads::max_snap_m(&roads).map_err(|e| invalid("roads", e.to_string()))?,
        };
        Ok(c)
    }

    /// Applies `DATABASE_URL` if set.
    pub fn with_env(mut self, database_url: Option<String>) -> Result<Config, ConfigError> {
        if let Some(url) = database_url.filter(|u| !u.is_empty()) {
            self.database_url = check_database_url(&url).map_err(|e| match e {
                ConfigError::Invalid { message, .. } => invalid("DATABASE_URL", message),
                other => other,
            })?;
        }
        Ok(self)
    }

    /// Applies command-line flags (see `USAGE`).
    pub fn with_args(mut self, args: &Args) -> Result<Config, ConfigError> {
        if let Some(b) = &args.bind {
            self.bind = b
                .parse()
                .map_err(|_| ConfigError::Usage(format!("--bind must be an address like 127.0.0.1:3000, got {b:?}")))?;
        }
        if let Some(u) = &args.database {
            self.database_url = check_database_url(u).map_err(|e| ConfigError::Usage(format!("--database: {e}")))?;
        }
        if let Some(d) = &args.district {
            self.district_file = if d == "none" { None } else { Some(PathBuf::from(d)) };
        }
        if let Some(r) = &args.site_root {
            self.site_root = PathBuf::from(r);
        }
        if let Some(s) = args.simulate {
            self.simulator.enabled = s;
        }
        if let Some(s) = args.speed {
            self.simulator.speed = check_speed("--speed", s)?;
        }
        if let Some(r) = &args.roads {
            self.roads.source = r.parse().map_err(|e: String| ConfigError::Usage(format!("--roads: {e}")))?;
        }
        Ok(self)
    }
}

fn desk_config(raw: RawDesk) -> Result<DeskConfig, ConfigError> {
    let mut d = DeskConfig::default();
    if let Some(path) = raw.triage_file {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| invalid("desk.triage_file", format!("cannot read {}: {e}", path.display())))?;
        d.triage = domain::triage::TriageRules::from_toml(&text)
            .map_err(|e| invalid("desk.triage_file", format!("{}: {e}", path.display())))?;
    }
    let number = |key: &str, v: Option<i64>, lo: i64, hi: i64, default: u64| -> Result<u64, ConfigError> {
        match v {
            None => Ok(default),
            Some(n) if (lo..=hi).contains(&n) => Ok(n as u64),
            Some(n) => Err(invalid(key, format!("must be between {lo} and {hi}, got {n}"))),
        }
    };
    d.retry_base_ms = number("desk.retry_base_ms", raw.retry_base_ms, 10, 600_000, d.retry_base_ms)?;
    d.max_attempts = number("desk.max_attempts", raw.max_attempts, 1, 100, u64::from(d.max_attempts))? as u32;
    d.timeout_ms = number("desk.timeout_ms", raw.timeout_ms, 100, 60_000, d.timeout_ms)?;
    for (group, url) in raw.webhooks {
        let key = format!("desk.webhooks.{group}");
        if group.is_empty() || group.len() > 64 || !group.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(invalid(&key, "a group id has 1 to 64 printable characters without spaces"));
        }
        let ok = (url.starts_with("http://") || url.starts_with("https://"))
            && url.len() <= 500
            && url.bytes().all(|b| b.is_ascii_graphic());
        if !ok {
            return Err(invalid(&key, format!("must be an http(s) URL, got {url:?}")));
        }
        d.webhooks.insert(group, url);
    }
    Ok(d)
}

fn notices_config(raw: RawNotices) -> Result<NoticesConfig, ConfigError> {
    let mut n = NoticesConfig::default();
    // CAP's sender and identifiers: no spaces, commas or '<' '&' (they are
    // joined by ',' and ' ' in <references>)
    let token = |key: &str, v: Option<String>, default: String| -> Result<String, ConfigError> {
        match v {
            None => Ok(default),
            Some(s)
                if !s.is_empty()
                    && s.len() <= 120
                    && s.bytes().all(|b| b.is_ascii_graphic() && !b",<&\"'".contains(&b)) =>
            {
                Ok(s)
            }
            Some(s) => Err(invalid(
                key,
                format!("1 to 120 printable characters without spaces, commas, <, &, quotes; got {s:?}"),
            )),
        }
    };
    n.sender = token("notices.sender", raw.sender, n.sender)?;
    n.identifier_prefix = token("notices.identifier_prefix", raw.identifier_prefix, n.identifier_prefix)?;
    if let Some(name) = raw.sender_name {
        let name = name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 80 {
            return Err(invalid("notices.sender_name", "1 to 80 characters"));
        }
        n.sender_name = name;
    }
    if let Some(path) = raw.calendar_file {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| invalid("notices.calendar_file", format!("cannot read {}: {e}", path.display())))?;
        n.calendar = domain::notice::Calendar::parse(&text)
            .map_err(|e| invalid("notices.calendar_file", format!("{}: {e}", path.display())))?;
    }
    for (station, groups) in raw.groups {
        let key = format!("notices.groups.{station}");
        domain::StationCode::parse(&station).map_err(|e| invalid(&key, e.to_string()))?;
        for g in &groups {
            if g.is_empty() || g.len() > 64 || !g.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(invalid(&key, "a group id has 1 to 64 printable characters without spaces"));
            }
        }
        n.groups.insert(station, groups);
    }
    Ok(n)
}

fn auth_config(raw: RawAuth) -> Result<crate::auth::AuthConfig, ConfigError> {
    use chrono::Duration;
    let mut a = crate::auth::AuthConfig::default();
    let p = &mut a.policy;
    let number = |key: &str, v: Option<i64>, lo: i64, hi: i64| -> Result<Option<i64>, ConfigError> {
        match v {
            None => Ok(None),
            Some(n) if (lo..=hi).contains(&n) => Ok(Some(n)),
            Some(n) => Err(invalid(key, format!("must be between {lo} and {hi}, got {n}"))),
        }
    };
    if let Some(n) = number("auth.max_failures", raw.max_failures, 1, 100)? {
        p.max_failures = n as u32;
    }
    if let Some(n) = number("auth.failure_window_s", raw.failure_window_s, 1, 86_400)? {
        p.failure_window = Duration::seconds(n);
    }
    if let Some(n) = number("auth.lockout_s", raw.lockout_s, 0, 30 * 86_400)? {
        // 0: until an administrator unlocks the account
        p.lockout = (n > 0).then(|| Duration::seconds(n));
    }
    if let Some(n) = number("auth.idle_s", raw.idle_s, 1, 86_400)? {
        p.idle = Duration::seconds(n);
    }
    if let Some(n) = number("auth.absolute_s", raw.absolute_s, 60, 7 * 86_400)? {
        p.absolute = Duration::seconds(n);
    }
    if let Some(n) = number("auth.disable_unused_days", raw.disable_unused_days, 1, 3650)? {
        p.disable_unused = Duration::days(n);
    }
    if let Some(n) = number("auth.min_password_chars", raw.min_password_chars, 8, 64)? {
        p.min_password_chars = n as usize;
    }
    if let Some(s) = raw.secure_cookies {
        a.secure_cookies = s;
    }
    if let Some(n) = number("auth.audit_retention_days", raw.audit_retention_days, 365, 36_500)? {
        a.audit_retention_days = n as u32;
    }
    if let Some(d) = raw.demo {
        a.policy.check_password(&d.password, "demo").map_err(|e| invalid("auth.demo.password", e.to_string()))?;
        if !crate::auth::secret::looks_like_token(&d.kiosk_token) {
            return Err(invalid("auth.demo.kiosk_token", "must be crt_ and 43 letters, digits, - or _"));
        }
        a.demo = Some(crate::auth::DemoAccounts { password: d.password, kiosk_token: d.kiosk_token });
    }
    Ok(a)
}

fn check_database_url(url: &str) -> Result<String, ConfigError> {
    if crate::store::Backend::of_url(url).is_some() {
        Ok(url.to_owned())
    } else {
        // only the scheme: the rest may hold a password
        let scheme = url.split_once(':').map_or("none", |(s, _)| s);
        Err(invalid(
            "database.url",
            format!(
                "must be sqlite://path/to/file.db or postgres://user@host:port/database, got a URL with scheme {scheme:?}"
            ),
        ))
    }
}

/// The server's flags (see `crate::cli`), as the configuration takes them.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Args {
    pub config: Option<PathBuf>,
    pub bind: Option<String>,
    pub database: Option<String>,
    pub district: Option<String>,
    pub site_root: Option<String>,
    pub simulate: Option<bool>,
    pub speed: Option<f64>,
    /// `--roads straight-line|district|imported`
    pub roads: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_config_is_valid() {
        let c = Config::from_toml(include_str!("../../config/demo.toml")).expect("valid demo config");
        assert!(c.simulator.enabled);
        assert_eq!(c.utc_offset_minutes, 480);
        assert!(c.district_file.is_some());
    }

    #[test]
    fn errors_name_the_key() {
        let e = Config::from_toml("[policy]\narrival_core_s = -1").expect_err("negative target").to_string();
        assert!(e.contains("policy.arrival_core_s"), "{e}");
        let e = Config::from_toml("[travel.speeds_kmh]\nfoot = 0").expect_err("zero speed").to_string();
        assert!(e.contains("travel.speeds_kmh.foot"), "{e}");
        let e = Config::from_toml("[roads]\nsource = \"river\"").expect_err("unknown source").to_string();
        assert!(e.starts_with("roads.source: unknown source \"river\""), "{e}");
        let e = Config::from_toml("[roads.speeds_kmh.car]\npath = 500").expect_err("speed").to_string();
        assert!(e.contains("roads.speeds_kmh.car.path must be 0 (closed)"), "{e}");
        let c = Config::from_toml("[roads]\nsource = \"district\"\nmax_snap_m = 300").expect("valid");
        assert_eq!((c.roads.source, c.roads.max_snap_m), (crate::roads::RoadSource::District, 300.0));
        let e = Config::from_toml("[travel.speeds_kmh]\nsubmarine = 10").expect_err("unknown kind").to_string();
        assert!(e.contains("travel.speeds_kmh.submarine: unknown unit kind"), "{e}");
        let e = Config::from_toml("[server]\nbind = \"nowhere\"").expect_err("bad bind").to_string();
        assert!(e.starts_with("server.bind"), "{e}");
        let e = Config::from_toml("[server]\nport = 3000").expect_err("unknown key").to_string();
        assert!(e.contains("unknown field `port`"), "{e}");
        let e = Config::from_toml("[database]\nurl = \"mysql://x:secret@h\"").expect_err("unsupported").to_string();
        assert!(e.starts_with("database.url"), "{e}");
        assert!(!e.contains("secret"), "a password is never repeated: {e}");
        let c = Config::from_toml("[database]\nurl = \"postgres://cr@db.internal/command_room\"").expect("postgres");
        assert_eq!(c.database_url, "postgres://cr@db.internal/command_room");
        let e = Config::from_toml("[map]\ntiles_url = \"http://t/{z}/{x}.png\"").expect_err("no {y}").to_string();
        assert!(e.starts_with("map.tiles_url"), "{e}");
        let e = Config::from_toml("[map]\ntiles_url = \"http://t/{z}/{x}/{y}.png\"\ntiles_zoom = 30")
            .expect_err("zoom")
            .to_string();
        assert!(e.starts_with("map.tiles_zoom"), "{e}");
    }

    #[test]
    fn the_notices_section_is_checked() {
        let c = Config::from_toml(
            "[notices]\nsender = \"cr@x.example\"\nsender_name = \"金水路警务站\"\n[notices.groups]\nJSL = [\"jsl-shops-01\"]\n",
        )
        .expect("valid");
        assert_eq!(c.notices.sender, "cr@x.example");
        assert_eq!(c.notices.sender_name, "金水路警务站");
        assert_eq!(c.notices.groups["JSL"], vec!["jsl-shops-01".to_owned()]);
        // the bundled calendar is read (a template for every month the seeds name)
        assert!(!c.notices.calendar.for_month(1).is_empty());
        let e = Config::from_toml("[notices]\nsender = \"a,b\"").expect_err("a comma").to_string();
        assert!(e.starts_with("notices.sender"), "{e}");
        let e = Config::from_toml("[notices.groups]\n\"J S\" = []").expect_err("a bad code").to_string();
        assert!(e.starts_with("notices.groups"), "{e}");
        let e = Config::from_toml("[notices]\ncalendar_file = \"/nowhere.toml\"").expect_err("missing").to_string();
        assert!(e.starts_with("notices.calendar_file"), "{e}");
    }

    #[test]
    fn the_desk_section_is_checked() {
        assert!(!DeskConfig::default().triage.rules.is_empty(), "the built-in triage rules parse");
        let c = Config::from_toml(
            "[desk]\nretry_base_ms = 50\n[desk.webhooks]\njsl-shops-01 = \"http://127.0.0.1:9/hook\"\n",
        )
        .expect("valid");
        assert_eq!(c.desk.webhooks.get("jsl-shops-01").map(String::as_str), Some("http://127.0.0.1:9/hook"));
        assert_eq!(c.desk.retry_base_ms, 50);
        let e = Config::from_toml("[desk.webhooks]\ng1 = \"ftp://x\"").expect_err("bad url").to_string();
        assert!(e.starts_with("desk.webhooks.g1"), "{e}");
        let dir = std::env::temp_dir().join(format!("triage-{}.toml", std::process::id()));
        std::fs::write(&dir, "[[rule]]\nkeywords = [\"偷\"]\ncategory = \"stealing\"\n").expect("write");
        let e = Config::from_toml(&format!("[desk]\ntriage_file = {:?}", dir.display().to_string()))
            .expect_err("bad rule")
            .to_string();
        let _ = std::fs::remove_file(&dir);
        assert!(e.starts_with("desk.triage_file") && e.contains("rule 1 (line 2)"), "{e}");
    }

    #[test]
    fn tiles_are_optional_and_off_by_default() {
        assert_eq!(Config::default().tiles, None);
        let c =
            Config::from_toml("[map]\ntiles_url = \"http://tiles.police.internal/{z}/{x}/{y}.png\"").expect("valid");
        let t = c.tiles.expect("tiles");
        assert_eq!((t.url.as_str(), t.zoom), ("http://tiles.police.internal/{z}/{x}/{y}.png", 15));
    }

    #[test]
    fn offsets_and_flags() {
        assert_eq!(parse_utc_offset("+08:00"), Some(480));
        assert_eq!(parse_utc_offset("-05:30"), Some(-330));
        assert_eq!(parse_utc_offset("Z"), Some(0));
        assert_eq!(parse_utc_offset("8"), None);
        let a = crate::cli::server_args(["command-room", "--simulate", "--speed", "10", "--bind", "127.0.0.1:0"])
            .expect("valid flags");
        let c = Config::default().with_args(&a).expect("valid");
        assert!(c.simulator.enabled);
        assert_eq!(c.simulator.speed, 10.0);
        assert_eq!(c.bind.port(), 0);
        assert!(crate::cli::server_args(["command-room", "--speed"]).is_err());
        assert!(crate::cli::server_args(["command-room", "--frobnicate"]).is_err());
        assert!(crate::cli::server_args(["command-room", "--speed", "fast"]).is_err());
        assert!(Config::default().with_args(&Args { speed: Some(0.0), ..Args::default() }).is_err());
    }
}
