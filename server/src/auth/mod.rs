//! Who is asking: people's logins and sessions, device tokens, and the audit
//! log. The permission table and the login rules are in `domain::access`
//! and `domain::login`; the route table in [`routes`] and the layer in
//! [`layer`] apply them to every request.
//!
//! - People log in with a name and a password (argon2id). A login makes a
//!   session: 256 random bits in an `HttpOnly`, `SameSite=Strict` cookie
//!   (`Secure` behind TLS), a new one at every login, only its SHA-256 in
//!   the database. It ends at logout, after `auth.idle_s` without user
//!   input, `auth.absolute_s` after the login, or when the account is
//!   locked, disabled or given a new password.
//! - Devices present `Authorization: Bearer crt_…`; a wall screen opens
//!   `/screen?token=…` once and gets a session cookie in exchange. Tokens
//!   are shown once, stored as SHA-256, revocable, and stamped as used.
//! - Every login, logout, refusal, view of personal data and change is a
//!   line in the append-only audit log, written before the answer.

pub mod handlers;
pub mod layer;
pub mod password;
pub mod routes;
pub mod secret;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, Utc};
use domain::access::{Principal, PrincipalId, Role};
use domain::login::{Failures, Lock, LoginPolicy, SessionState};
use domain::{StationCode, UnitId};
use tokio::sync::watch;

use crate::clock::Clock;
use crate::store::access::{AuditEntry, NewToken, NewUser, TokenRow, UserRow};
use crate::store::{Store, StoreError, time};

/// `[auth]` in the configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthConfig {
    pub policy: LoginPolicy,
    /// Cookies only over HTTPS (`Secure`, and the `__Host-` name prefix):
    /// on for every deployment behind TLS.
    pub secure_cookies: bool,
    /// Audit lines are kept this long (at least a year).
    pub audit_retention_days: u32,
    /// The demo's accounts and kiosk token (`[auth.demo]`); never in a real config.
    pub demo: Option<DemoAccounts>,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig { policy: LoginPolicy::default(), secure_cookies: false, audit_retention_days: 400, demo: None }
    }
}

/// `[auth.demo]`: one account per role with this password, and a kiosk
/// token, made at start-up (marked as demo) so the demo is one command.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoAccounts {
    pub password: String,
    pub kiosk_token: String,
}

/// How the request proved who it is.
#[derive(Debug, Clone)]
pub enum Via {
    /// A browser session (a person's, or a kiosk's from its token).
    Session { hash: [u8; 32], csrf: String, last_input: DateTime<Utc> },
    /// A device's bearer token.
    Token { id: i64 },
}

/// A principal and how it was established.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub principal: Principal,
    pub via: Via,
}

/// What a session cookie turned out to be.
#[derive(Debug)]
pub enum SessionCheck {
    Valid(Authenticated),
    /// It ended (idle, too old, logged out, account locked or disabled,
    /// token revoked); the cookie is to be cleared.
    Ended(&'static str),
}

/// What a login attempt came to.
#[derive(Debug)]
pub enum LoginOutcome {
    Ok {
        cookie: String,
        principal: Principal,
    },
    /// Wrong name or password (not saying which).
    Wrong,
    Locked(Lock),
    Disabled,
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Hash(#[from] password::HashError),
}

/// An account to make (the admin page, the CLI, the demo).
#[derive(Debug, Clone, Copy)]
pub struct NewAccount<'a> {
    pub name: &'a str,
    pub role: Role,
    /// A chief's station code.
    pub station: Option<&'a str>,
    /// An officer's unit's callsign.
    pub unit: Option<&'a str>,
    pub password: &'a str,
    /// Made by the demo (with its published password).
    pub demo: bool,
}

/// The login and token service; cheap to clone.
#[derive(Clone)]
pub struct Auth {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    config: AuthConfig,
    clock: Clock,
    /// Tokens by hash, as last read from the database.
    tokens: Mutex<HashMap<[u8; 32], CachedToken>>,
    /// When each token was last used, not yet stamped in the database.
    uses: Mutex<HashMap<i64, DateTime<Utc>>>,
    /// When each token's use was last written to the audit log.
    use_audited: Mutex<HashMap<i64, DateTime<Utc>>>,
    /// Refusals of anonymous callers already audited, by (address, path),
    /// so a scanner cannot fill the log.
    refusals_audited: Mutex<HashMap<(String, String), Instant>>,
    /// Sessions and their accounts as last read, by the cookie's hash: a
    /// person's every request would otherwise read both. Every change made
    /// here (logout, lock, disable, password, revocation) clears it; one
    /// made elsewhere (another server, the command line) is seen within
    /// `SESSION_CACHE`.
    sessions: Mutex<HashMap<[u8; 32], CachedSession>>,
}

#[derive(Clone)]
struct CachedSession {
    session: crate::store::access::SessionRow,
    user: Option<UserRow>,
    token: Option<TokenRow>,
    read: Instant,
}

#[derive(Clone)]
struct CachedToken {
    /// `None`: unknown or revoked.
    principal: Option<(i64, Principal)>,
    read: Instant,
}

/// How long a token read from the database is trusted before it is read
/// again (a revocation made on another server takes effect within this;
/// on this server it is at once).
const TOKEN_CACHE: StdDuration = StdDuration::from_secs(5);
/// How long a session read from the database is trusted.
const SESSION_CACHE: StdDuration = StdDuration::from_secs(2);
/// A session's last input is written at most this often.
const TOUCH_EVERY: Duration = Duration::seconds(15);
/// A token's use is audited at most once an hour.
const USE_AUDIT_EVERY: Duration = Duration::hours(1);

fn lock_of<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

/// The principal an account stands for.
pub fn user_principal(row: &UserRow) -> Result<Principal, StoreError> {
    Ok(Principal {
        id: PrincipalId::User(row.id),
        name: row.name.clone(),
        role: row.role.parse().map_err(corrupt)?,
        station: row.station.as_deref().map(StationCode::parse).transpose().map_err(corrupt)?,
        units: row.unit_id.map(UnitId).into_iter().collect::<Vec<_>>().into(),
        groups: vec![],
    })
}

/// The principal a token stands for.
pub fn token_principal(row: &TokenRow) -> Result<Principal, StoreError> {
    Ok(Principal {
        id: PrincipalId::Token(row.id),
        name: row.name.clone(),
        role: row.role.parse().map_err(corrupt)?,
        station: None,
        units: {
            // sorted, for `Principal::has_unit`
            let mut u: Vec<UnitId> = row.unit_ids().into_iter().map(UnitId).collect();
            u.sort_unstable();
            u.dedup();
            u.into()
        },
        groups: row.group_ids(),
    })
}

fn failures(row: &UserRow) -> Failures {
    Failures {
        count: u32::try_from(row.failed_count).unwrap_or(u32::MAX),
        since: row.failed_since.map(time),
        locked_at: row.locked_at.map(time),
    }
}

/// A login name: 2–40 letters, digits, `.`, `_` or `-` (ASCII, so no two
/// names look alike).
pub fn check_name(name: &str) -> Result<&str, AuthError> {
    let name = name.trim();
    let ok = (2..=40).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(name)
    } else {
        Err(AuthError::Invalid(format!(
            "a name has 2 to 40 letters, digits, '.', '_' or '-', got {:?}",
            name.chars().take(40).collect::<String>()
        )))
    }
}

impl Auth {
    pub fn new(store: Store, config: AuthConfig, clock: Clock) -> Auth {
        Auth {
            inner: Arc::new(Inner {
                store,
                config,
                clock,
                tokens: Mutex::new(HashMap::new()),
                uses: Mutex::new(HashMap::new()),
                use_audited: Mutex::new(HashMap::new()),
                refusals_audited: Mutex::new(HashMap::new()),
                sessions: Mutex::new(HashMap::new()),
            }),
        }
    }

    pub fn config(&self) -> &AuthConfig {
        &self.inner.config
    }

    pub fn policy(&self) -> &LoginPolicy {
        &self.inner.config.policy
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.inner.clock.now()
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    // ── the audit log ──

    /// Writes lines to the audit log; they are on disk when this returns.
    pub async fn audit(&self, entries: &[AuditEntry]) -> Result<(), StoreError> {
        self.inner.store.audit(entries).await
    }

    /// One line about `who` (or nobody).
    pub fn entry(
        &self,
        who: Option<&Principal>,
        action: &'static str,
        target: impl Into<String>,
        outcome: &'static str,
        detail: impl Into<String>,
        ip: &str,
    ) -> AuditEntry {
        AuditEntry {
            at: self.now(),
            actor: who.map(|p| p.name.clone()).unwrap_or_default(),
            role: who.map(|p| p.role.to_string()).unwrap_or_default(),
            action,
            target: target.into(),
            outcome,
            detail: detail.into(),
            ip: ip.to_owned(),
        }
    }

    /// A line about something an administrator (or the command line, `by`) did.
    pub fn admin_entry(&self, by: &str, action: &'static str, target: String, detail: String, ip: &str) -> AuditEntry {
        AuditEntry {
            at: self.now(),
            actor: by.to_owned(),
            role: "admin".into(),
            action,
            target,
            outcome: "ok",
            detail,
            ip: ip.to_owned(),
        }
    }

    /// Whether an anonymous refusal from `ip` for `path` is to be audited
    /// (once a minute per address and path).
    pub fn first_refusal(&self, ip: &str, path: &str) -> bool {
        let mut seen = lock_of(&self.inner.refusals_audited);
        let now = Instant::now();
        if seen.len() > 10_000 {
            seen.retain(|_, t| now.duration_since(*t) < StdDuration::from_secs(60));
        }
        match seen.get(&(ip.to_owned(), path.to_owned())) {
            Some(t) if now.duration_since(*t) < StdDuration::from_secs(60) => false,
            _ => {
                seen.insert((ip.to_owned(), path.to_owned()), now);
                true
            }
        }
    }

    // ── logging in and out ──

    /// Checks a name and password. Every outcome is audited.
    pub async fn login(&self, name: &str, password: &str, ip: &str) -> Result<LoginOutcome, StoreError> {
        let now = self.now();
        let policy = self.policy();
        let name = name.trim();
        let shown: String = name.chars().filter(|c| !c.is_control()).take(40).collect();
        let row = match check_name(name) {
            Ok(n) => self.inner.store.user_by_name(n).await?,
            Err(_) => None,
        };
        let password = password.chars().take(domain::login::MAX_PASSWORD_CHARS + 1).collect::<String>();
        let Some(row) = row else {
            // as long as a wrong password takes
            let _ = password::verify(password, password::decoy().to_owned()).await;
            let e = self.entry(None, "login_failed", format!("account {shown}"), "failed", "unknown name", ip);
            self.audit(&[e]).await?;
            return Ok(LoginOutcome::Wrong);
        };
        let who = user_principal(&row)?;
        let target = format!("account {}", row.name);
        if let Some(lock) = policy.lock(&failures(&row), now) {
            let e = self.entry(Some(&who), "login_locked", target, "refused", "the account is locked", ip);
            self.audit(&[e]).await?;
            return Ok(LoginOutcome::Locked(lock));
        }
        let right = password.chars().count() <= domain::login::MAX_PASSWORD_CHARS
            && password::verify(password, row.password_hash.clone()).await;
        if !right {
            let f = policy.after_failure(failures(&row), now);
            self.inner.store.set_failures(row.id, f.count, f.since, f.locked_at).await?;
            if f.locked_at.is_some() {
                self.forget_sessions();
            }
            if let Some(lock) = policy.lock(&f, now) {
                let detail = format!("{} failed logins within {} min", f.count, policy.failure_window.num_minutes());
                let e = self.entry(Some(&who), "login_locked", target, "refused", detail, ip);
                self.audit(&[e]).await?;
                return Ok(LoginOutcome::Locked(lock));
            }
            let e = self.entry(Some(&who), "login_failed", target, "failed", format!("failure {}", f.count), ip);
            self.audit(&[e]).await?;
            return Ok(LoginOutcome::Wrong);
        }
        if row.disabled_at.is_none() && policy.unused(time(row.last_login_at.unwrap_or(row.created_at)), now) {
            self.disable_unused(&row, now).await?;
            let e = self.entry(Some(&who), "login_refused", target, "refused", "disabled: unused", ip);
            self.audit(&[e]).await?;
            return Ok(LoginOutcome::Disabled);
        }
        if row.disabled_at.is_some() {
            let e = self.entry(Some(&who), "login_refused", target, "refused", "the account is disabled", ip);
            self.audit(&[e]).await?;
            return Ok(LoginOutcome::Disabled);
        }
        let cookie = secret::random();
        self.inner.store.record_login(row.id, &secret::hash(&cookie), &secret::random(), now).await?;
        let e = self.entry(Some(&who), "login", target, "ok", "", ip);
        self.audit(&[e]).await?;
        Ok(LoginOutcome::Ok { cookie, principal: who })
    }

    async fn disable_unused(&self, row: &UserRow, now: DateTime<Utc>) -> Result<(), StoreError> {
        let days = self.policy().disable_unused.num_days();
        let why = format!("not used for {days} days");
        self.inner.store.set_disabled(row.id, Some((now, &why)), now).await?;
        self.forget_sessions();
        let who = user_principal(row)?;
        let e = self.entry(Some(&who), "user_disabled", format!("account {}", row.name), "ok", why, "");
        self.audit(&[e]).await
    }

    /// Ends a session.
    pub async fn logout(&self, hash: &[u8; 32], who: &Principal, ip: &str) -> Result<(), StoreError> {
        self.forget_session(hash).await?;
        let e = self.entry(Some(who), "logout", format!("account {}", who.name), "ok", "", ip);
        self.audit(&[e]).await
    }

    /// What a session cookie stands for now.
    pub async fn session(&self, cookie: &str, ip: &str) -> Result<SessionCheck, StoreError> {
        if !secret::looks_like_secret(cookie) {
            return Ok(SessionCheck::Ended("not a session"));
        }
        let hash = secret::hash(cookie);
        let cached = lock_of(&self.inner.sessions).get(&hash).filter(|c| c.read.elapsed() < SESSION_CACHE).cloned();
        let CachedSession { session: s, user, token, .. } = match cached {
            Some(c) => c,
            None => {
                let Some(s) = self.inner.store.session(&hash).await? else {
                    return Ok(SessionCheck::Ended("no such session"));
                };
                let user = match s.user_id {
                    Some(id) => self.inner.store.user_by_id(id).await?,
                    None => None,
                };
                let token = match s.token_id {
                    Some(id) => self.inner.store.token_by_id(id).await?,
                    None => None,
                };
                let c = CachedSession { session: s, user, token, read: Instant::now() };
                let mut cache = lock_of(&self.inner.sessions);
                if cache.len() > 10_000 {
                    cache.retain(|_, c| c.read.elapsed() < SESSION_CACHE);
                }
                cache.insert(hash, c.clone());
                c
            }
        };
        let now = self.now();
        let via = Via::Session { hash, csrf: s.csrf.clone(), last_input: time(s.last_input_at) };
        if s.token_id.is_some() {
            return Ok(match token {
                Some(t) if t.revoked_at.is_none() => {
                    self.used(t.id, &token_principal(&t)?, ip).await?;
                    SessionCheck::Valid(Authenticated { principal: token_principal(&t)?, via })
                }
                _ => {
                    self.forget_session(&hash).await?;
                    SessionCheck::Ended("the token was revoked")
                }
            });
        }
        let Some(row) = user else {
            return Ok(SessionCheck::Ended("no such account"));
        };
        let principal = user_principal(&row)?;
        let ended = if row.disabled_at.is_some() {
            Some("the account is disabled")
        } else if self.policy().lock(&failures(&row), now).is_some() {
            Some("the account is locked")
        } else {
            match self.policy().session(time(s.created_at), time(s.last_input_at), now) {
                SessionState::Active => None,
                SessionState::Idle => Some("idle"),
                SessionState::Expired => Some("expired"),
            }
        };
        if let Some(why) = ended {
            if self.forget_session(&hash).await? {
                let e = self.entry(Some(&principal), "session_ended", format!("account {}", row.name), "ok", why, ip);
                self.audit(&[e]).await?;
            }
            return Ok(SessionCheck::Ended(why));
        }
        Ok(SessionCheck::Valid(Authenticated { principal, via }))
    }

    /// The person did something: their session's idle time starts again.
    pub async fn touch(&self, hash: &[u8; 32], last_input: DateTime<Utc>) -> Result<(), StoreError> {
        let now = self.now();
        if now - last_input >= TOUCH_EVERY {
            self.inner.store.touch_session(hash, now).await?;
            if let Some(c) = lock_of(&self.inner.sessions).get_mut(hash) {
                c.session.last_input_at = crate::store::millis(now);
            }
        }
        Ok(())
    }

    /// Deletes a session (and its cached copy); whether it was there.
    async fn forget_session(&self, hash: &[u8; 32]) -> Result<bool, StoreError> {
        lock_of(&self.inner.sessions).remove(hash);
        self.inner.store.delete_session(hash).await
    }

    /// Sessions are read again from the database (an account or a token changed).
    fn forget_sessions(&self) {
        lock_of(&self.inner.sessions).clear();
    }

    /// Whether a session is still what it was (for a live stream that
    /// outlasts the request that opened it).
    pub async fn still_valid(&self, cookie_hash: &[u8; 32], ip: &str) -> Result<bool, StoreError> {
        // re-run the whole check from the stored session
        let Some(s) = self.inner.store.session(cookie_hash).await? else { return Ok(false) };
        if let Some(token_id) = s.token_id {
            return Ok(self.inner.store.token_by_id(token_id).await?.is_some_and(|t| t.revoked_at.is_none()));
        }
        let Some(row) = self.inner.store.user_by_id(s.user_id.unwrap_or_default()).await? else { return Ok(false) };
        let now = self.now();
        let ok = row.disabled_at.is_none()
            && self.policy().lock(&failures(&row), now).is_none()
            && self.policy().session(time(s.created_at), time(s.last_input_at), now) == SessionState::Active;
        if !ok && self.forget_session(cookie_hash).await? {
            let who = user_principal(&row)?;
            let e = self.entry(Some(&who), "session_ended", format!("account {}", row.name), "ok", "stream", ip);
            self.audit(&[e]).await?;
        }
        Ok(ok)
    }

    // ── device tokens ──

    /// Whether a token is still good (not revoked), read from the database.
    pub async fn token_still_valid(&self, id: i64) -> Result<bool, StoreError> {
        Ok(self.inner.store.token_by_id(id).await?.is_some_and(|t| t.revoked_at.is_none()))
    }

    /// The principal behind a bearer token, if it is a live one.
    pub async fn token(&self, token: &str, ip: &str) -> Result<Option<(i64, Principal)>, StoreError> {
        if !secret::looks_like_token(token) {
            return Ok(None);
        }
        let hash = secret::hash(token);
        let cached = lock_of(&self.inner.tokens).get(&hash).cloned();
        let found = match cached {
            Some(c) if c.read.elapsed() < TOKEN_CACHE => c.principal,
            _ => {
                let row = self.inner.store.token_by_hash(&hash).await?;
                let principal = match row {
                    Some(r) if r.revoked_at.is_none() => Some((r.id, token_principal(&r)?)),
                    _ => None,
                };
                let mut cache = lock_of(&self.inner.tokens);
                if cache.len() > 10_000 {
                    cache.retain(|_, c| c.read.elapsed() < TOKEN_CACHE);
                }
                cache.insert(hash, CachedToken { principal: principal.clone(), read: Instant::now() });
                principal
            }
        };
        if let Some((id, p)) = &found {
            self.used(*id, p, ip).await?;
        }
        Ok(found)
    }

    /// Stamps a token's use (in memory; written every few seconds) and
    /// audits it once an hour.
    async fn used(&self, id: i64, who: &Principal, ip: &str) -> Result<(), StoreError> {
        let now = self.now();
        lock_of(&self.inner.uses).insert(id, now);
        let audit = {
            let mut audited = lock_of(&self.inner.use_audited);
            match audited.get(&id) {
                Some(t) if now - *t < USE_AUDIT_EVERY => false,
                _ => {
                    audited.insert(id, now);
                    true
                }
            }
        };
        if audit {
            let e = self.entry(Some(who), "token_used", format!("token {}", who.name), "ok", "", ip);
            self.audit(&[e]).await?;
        }
        Ok(())
    }

    /// Writes the token uses waiting in memory.
    pub async fn flush_uses(&self) -> Result<(), StoreError> {
        let uses: Vec<(i64, DateTime<Utc>)> = lock_of(&self.inner.uses).drain().collect();
        self.inner.store.stamp_tokens(&uses).await
    }

    /// A kiosk's token exchanged for a session cookie (`/screen?token=`).
    pub async fn kiosk_session(&self, token: &str, ip: &str) -> Result<Option<(String, Principal)>, StoreError> {
        let Some((id, principal)) = self.token(token, ip).await? else { return Ok(None) };
        if principal.role != Role::Kiosk {
            return Ok(None);
        }
        let cookie = secret::random();
        self.inner.store.insert_kiosk_session(&secret::hash(&cookie), id, &secret::random(), self.now()).await?;
        let e = self.entry(Some(&principal), "login", format!("token {}", principal.name), "ok", "kiosk", ip);
        self.audit(&[e]).await?;
        Ok(Some((cookie, principal)))
    }

    // ── administration (the admin page, the API and the CLI) ──

    /// Makes an account. `by` is the admin (or `cli`).
    pub async fn add_user(&self, by: &str, account: &NewAccount<'_>) -> Result<i64, AuthError> {
        let NewAccount { name, role, station, unit: unit_callsign, password, demo } = *account;
        let name = check_name(name)?;
        if !role.is_person() {
            return Err(AuthError::Invalid(format!(
                "{role} is a device's role: make a token for it (command-room tokens add)"
            )));
        }
        let station = match (role, station.map(str::trim).filter(|s| !s.is_empty())) {
            (Role::Chief, Some(code)) => {
                if !self.inner.store.station_exists(code).await? {
                    return Err(AuthError::NotFound(format!("no station has the code {code:?}")));
                }
                Some(code)
            }
            (Role::Chief, None) => return Err(AuthError::Invalid("a chief needs a station (--station CODE)".into())),
            (_, Some(_)) => return Err(AuthError::Invalid(format!("only a chief has a station, not a {role}"))),
            (_, None) => None,
        };
        let unit_id = match (role, unit_callsign.map(str::trim).filter(|s| !s.is_empty())) {
            (Role::Officer, Some(callsign)) => Some(
                self.inner
                    .store
                    .unit_id_by_callsign(callsign)
                    .await?
                    .ok_or_else(|| AuthError::NotFound(format!("no unit has the callsign {callsign:?}")))?,
            ),
            (Role::Officer, None) => {
                return Err(AuthError::Invalid("an officer needs a unit (--unit CALLSIGN)".into()));
            }
            (_, Some(_)) => return Err(AuthError::Invalid(format!("only an officer has a unit, not a {role}"))),
            (_, None) => None,
        };
        self.policy().check_password(password, name).map_err(|e| AuthError::Invalid(e.to_string()))?;
        if self.inner.store.user_by_name(name).await?.is_some() {
            return Err(AuthError::Conflict(format!("an account named {name:?} exists")));
        }
        let hash = password::hash(password.to_owned()).await?;
        let new = NewUser { name, role: role.as_str(), station, unit_id, password_hash: &hash, demo, created_by: by };
        let id = self.inner.store.insert_user(&new, self.now()).await?;
        let detail = format!(
            "{role}{}{}{}",
            station.map(|s| format!(", station {s}")).unwrap_or_default(),
            unit_callsign.map(|u| format!(", unit {u}")).unwrap_or_default(),
            if demo { ", demo" } else { "" }
        );
        self.audit(&[self.admin_entry(by, "user_created", format!("account {name}"), detail, "")]).await?;
        Ok(id)
    }

    /// Makes a device token; answers its id and the token itself (shown
    /// once, never stored).
    pub async fn add_token(
        &self,
        by: &str,
        name: &str,
        role: Role,
        unit_callsigns: &[String],
        groups: &[String],
        demo: Option<&str>,
    ) -> Result<(i64, String), AuthError> {
        let name = check_name(name)?;
        if role.is_person() {
            return Err(AuthError::Invalid(format!(
                "a token is for a device (kiosk, tracker or bridge), not a {role}: make an account"
            )));
        }
        let mut units = vec![];
        for callsign in unit_callsigns.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
            let id = self
                .inner
                .store
                .unit_id_by_callsign(callsign)
                .await?
                .ok_or_else(|| AuthError::NotFound(format!("no unit has the callsign {callsign:?}")))?;
            if !units.contains(&id) {
                units.push(id);
            }
        }
        let mut group_ids: Vec<String> = vec![];
        for g in groups.iter().map(|g| g.trim()).filter(|g| !g.is_empty()) {
            let g = domain::Text::parse("group", g, 100, true).map_err(|e| AuthError::Invalid(e.to_string()))?;
            if !group_ids.iter().any(|x| x == g.as_str()) {
                group_ids.push(g.into_string());
            }
        }
        match role {
            Role::Tracker if units.is_empty() => {
                return Err(AuthError::Invalid("a tracker token needs its units (--unit CALLSIGN …)".into()));
            }
            Role::Bridge if group_ids.is_empty() => {
                return Err(AuthError::Invalid("a bridge token needs its chat groups (--group ID …)".into()));
            }
            Role::Tracker | Role::Bridge | Role::Kiosk => {}
            _ => {}
        }
        if role != Role::Tracker && !units.is_empty() {
            return Err(AuthError::Invalid(format!("only a tracker token has units, not a {role}")));
        }
        if role != Role::Bridge && !group_ids.is_empty() {
            return Err(AuthError::Invalid(format!("only a bridge token has groups, not a {role}")));
        }
        let token = match demo {
            Some(t) if secret::looks_like_token(t) => t.to_owned(),
            Some(_) => {
                return Err(AuthError::Invalid("auth.demo.kiosk_token must look like crt_ and 43 characters".into()));
            }
            None => secret::new_token(),
        };
        let hash = secret::hash(&token);
        if self.inner.store.token_by_hash(&hash).await?.is_some() {
            return Err(AuthError::Conflict("that token is in use".into()));
        }
        let hint: String = token.chars().take(secret::TOKEN_PREFIX.len() + 4).collect();
        let new = NewToken {
            name,
            role: role.as_str(),
            secret_hash: &hash,
            hint: &hint,
            units: &units,
            groups: &group_ids,
            demo: demo.is_some(),
            created_by: by,
        };
        let id = match self.inner.store.insert_token(&new, self.now()).await {
            Ok(id) => id,
            Err(e) if e.is_duplicate() => {
                return Err(AuthError::Conflict(format!("a token named {name:?} exists")));
            }
            Err(e) => return Err(e.into()),
        };
        let detail = format!(
            "{role}{}{}",
            if unit_callsigns.is_empty() { String::new() } else { format!(", units {}", unit_callsigns.join(" ")) },
            if group_ids.is_empty() { String::new() } else { format!(", groups {}", group_ids.join(" ")) }
        );
        self.audit(&[self.admin_entry(by, "token_created", format!("token {name}"), detail, "")]).await?;
        Ok((id, token))
    }

    pub async fn revoke_token(&self, by: &Principal, id: i64, ip: &str) -> Result<(), AuthError> {
        let row =
            self.inner.store.token_by_id(id).await?.ok_or_else(|| AuthError::NotFound(format!("no token {id}")))?;
        if !self.inner.store.revoke_token(id, &by.name, self.now()).await? {
            return Err(AuthError::Conflict(format!("token {} is already revoked", row.name)));
        }
        lock_of(&self.inner.tokens).clear();
        self.forget_sessions();
        let e = self.entry(Some(by), "token_revoked", format!("token {}", row.name), "ok", "", ip);
        self.audit(&[e]).await?;
        Ok(())
    }

    pub async fn unlock(&self, by: &Principal, id: i64, ip: &str) -> Result<(), AuthError> {
        let row = self.user(id).await?;
        self.inner.store.unlock_user(id).await?;
        self.forget_sessions();
        let e = self.entry(Some(by), "user_unlocked", format!("account {}", row.name), "ok", "", ip);
        self.audit(&[e]).await?;
        Ok(())
    }

    pub async fn set_disabled(&self, by: &Principal, id: i64, disabled: bool, ip: &str) -> Result<(), AuthError> {
        let row = self.user(id).await?;
        if by.id == PrincipalId::User(id) && disabled {
            return Err(AuthError::Invalid("an admin cannot disable their own account".into()));
        }
        let now = self.now();
        self.inner.store.set_disabled(id, disabled.then_some((now, "disabled by an admin")), now).await?;
        self.forget_sessions();
        let action = if disabled { "user_disabled" } else { "user_enabled" };
        let e = self.entry(Some(by), action, format!("account {}", row.name), "ok", "", ip);
        self.audit(&[e]).await?;
        Ok(())
    }

    pub async fn set_password(&self, by: &str, id: i64, password: &str, ip: &str) -> Result<(), AuthError> {
        let row = self.user(id).await?;
        self.policy().check_password(password, &row.name).map_err(|e| AuthError::Invalid(e.to_string()))?;
        let hash = password::hash(password.to_owned()).await?;
        self.inner.store.set_password(id, &hash).await?;
        self.forget_sessions();
        let e = self.admin_entry(by, "password_set", format!("account {}", row.name), String::new(), ip);
        self.audit(&[e]).await?;
        Ok(())
    }

    async fn user(&self, id: i64) -> Result<UserRow, AuthError> {
        self.inner.store.user_by_id(id).await?.ok_or_else(|| AuthError::NotFound(format!("no account {id}")))
    }

    /// The demo's accounts (one per role, bound to the demo district's
    /// first station and unit) and its kiosk token, made when missing.
    pub async fn ensure_demo(&self, first_station: Option<&str>, first_unit: Option<&str>) -> Result<(), AuthError> {
        let Some(demo) = self.config().demo.clone() else { return Ok(()) };
        let accounts: [(&str, Role, Option<&str>, Option<&str>); 5] = [
            ("admin", Role::Admin, None, None),
            ("chief", Role::Chief, first_station, None),
            ("dispatcher", Role::Dispatcher, None, None),
            ("steward", Role::Steward, None, None),
            ("officer", Role::Officer, None, first_unit),
        ];
        for (name, role, station, unit) in accounts {
            if (role == Role::Chief && station.is_none()) || (role == Role::Officer && unit.is_none()) {
                continue;
            }
            if self.inner.store.user_by_name(name).await?.is_none() {
                let account = NewAccount { name, role, station, unit, password: &demo.password, demo: true };
                self.add_user("demo", &account).await?;
            }
        }
        if self.inner.store.token_by_hash(&secret::hash(&demo.kiosk_token)).await?.is_none() {
            self.add_token("demo", "demo-wall-screen", Role::Kiosk, &[], &[], Some(&demo.kiosk_token)).await?;
        }
        Ok(())
    }

    /// Housekeeping until `shutdown`: token stamps every 5 s; unused
    /// accounts disabled and dead sessions removed every 10 min; audit lines
    /// past their retention removed once a day.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let mut tick = tokio::time::interval(StdDuration::from_secs(5));
        let mut n: u64 = 0;
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = shutdown.changed() => {
                    let _ = self.flush_uses().await;
                    return;
                }
            }
            if let Err(e) = self.flush_uses().await {
                tracing::warn!(error = %e, "stamping token uses");
            }
            if n.is_multiple_of(120)
                && let Err(e) = self.sweep().await
            {
                tracing::warn!(error = %e, "account housekeeping");
            }
            if n.is_multiple_of(17_280) {
                let before = self.now() - Duration::days(i64::from(self.config().audit_retention_days));
                match self.inner.store.purge_audit(before).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(lines = n, "audit lines past their retention removed"),
                    Err(e) => tracing::warn!(error = %e, "removing old audit lines"),
                }
            }
            n += 1;
        }
    }

    /// Disables unused accounts and removes sessions that can no longer be used.
    pub async fn sweep(&self) -> Result<(), StoreError> {
        let now = self.now();
        let p = self.policy().clone();
        for row in self.inner.store.unused_users(now - p.disable_unused).await? {
            self.disable_unused(&row, now).await?;
        }
        self.inner.store.purge_sessions(now - p.absolute, now - p.idle).await?;
        Ok(())
    }
}
