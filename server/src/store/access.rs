//! Accounts, device tokens, sessions and the audit log, as stored. What the
//! rows mean (who may do what, when a session or an account ends) is decided
//! in `domain::access` and `domain::login`; `crate::auth` joins the two.

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::{Store, StoreError, millis, on_db, on_tx};

/// A person's account as stored (the hash included: for the login check only).
#[derive(Debug, Clone, FromRow)]
pub struct UserRow {
    pub id: i64,
    pub name: String,
    pub role: String,
    pub station: Option<String>,
    pub unit_id: Option<i64>,
    pub password_hash: String,
    pub demo: bool,
    pub created_at: i64,
    pub created_by: String,
    pub last_login_at: Option<i64>,
    pub failed_count: i64,
    pub failed_since: Option<i64>,
    pub locked_at: Option<i64>,
    pub disabled_at: Option<i64>,
    pub disabled_why: String,
}

const USER_COLUMNS: &str = "id, name, role, station, unit_id, password_hash, demo, created_at, created_by, \
     last_login_at, failed_count, failed_since, locked_at, disabled_at, disabled_why";

/// A new account.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub name: &'a str,
    pub role: &'a str,
    pub station: Option<&'a str>,
    pub unit_id: Option<i64>,
    pub password_hash: &'a str,
    pub demo: bool,
    pub created_by: &'a str,
}

/// A device token as stored (never the token itself).
#[derive(Debug, Clone, FromRow)]
pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub role: String,
    pub hint: String,
    pub demo: bool,
    pub created_at: i64,
    pub created_by: String,
    pub revoked_at: Option<i64>,
    pub revoked_by: Option<String>,
    pub last_used_at: Option<i64>,
    /// A tracker's units (comma-separated ids, as SQLite aggregates them).
    #[sqlx(default)]
    pub units: Option<String>,
    /// A bridge's groups (joined with a newline).
    #[sqlx(default)]
    pub groups: Option<String>,
}

impl TokenRow {
    pub fn unit_ids(&self) -> Vec<i64> {
        self.units.as_deref().unwrap_or("").split(',').filter_map(|s| s.trim().parse().ok()).collect()
    }
    pub fn group_ids(&self) -> Vec<String> {
        self.groups.as_deref().unwrap_or("").split('\n').filter(|s| !s.is_empty()).map(str::to_owned).collect()
    }
}

const TOKEN_COLUMNS: &str = "t.id, t.name, t.role, t.hint, t.demo, t.created_at, t.created_by, t.revoked_at, \
     t.revoked_by, t.last_used_at, \
     (SELECT group_concat(unit_id, ',') FROM token_units WHERE token_id = t.id) AS units, \
     (SELECT group_concat(group_id, '\n') FROM token_groups WHERE token_id = t.id) AS groups";

/// A new token: its hash, never itself.
#[derive(Debug, Clone)]
pub struct NewToken<'a> {
    pub name: &'a str,
    pub role: &'a str,
    pub secret_hash: &'a [u8],
    pub hint: &'a str,
    pub units: &'a [i64],
    pub groups: &'a [String],
    pub demo: bool,
    pub created_by: &'a str,
}

/// A browser session as stored.
#[derive(Debug, Clone, FromRow)]
pub struct SessionRow {
    pub user_id: Option<i64>,
    pub token_id: Option<i64>,
    pub created_at: i64,
    pub last_input_at: i64,
    pub csrf: String,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, FromRow, serde::Serialize)]
pub struct AuditRow {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub target: String,
    pub outcome: String,
    pub detail: String,
    pub ip: String,
}

/// A line to add to the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub role: String,
    pub action: &'static str,
    pub target: String,
    pub outcome: &'static str,
    pub detail: String,
    pub ip: String,
}

/// Which audit lines to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub outcome: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Only lines older than this id (the next page).
    pub before: Option<i64>,
    pub limit: u32,
}

impl Store {
    // ── accounts ──

    pub async fn insert_user(&self, u: &NewUser<'_>, now: DateTime<Utc>) -> Result<i64, StoreError> {
        let id = on_db!(
            self.db(),
            "INSERT INTO users (name, role, station, unit_id, password_hash, demo, created_at, created_by)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            |c, q| sqlx::query_scalar(q)
                .bind(u.name)
                .bind(u.role)
                .bind(u.station)
                .bind(u.unit_id)
                .bind(u.password_hash)
                .bind(u.demo)
                .bind(millis(now))
                .bind(u.created_by)
                .fetch_one(c)
                .await
        )?;
        Ok(id)
    }

    pub async fn user_by_name(&self, name: &str) -> Result<Option<UserRow>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE name = ?");
        Ok(on_db!(self.db(), &sql, |c, q| sqlx::query_as(q).bind(name).fetch_optional(c).await)?)
    }

    pub async fn user_by_id(&self, id: i64) -> Result<Option<UserRow>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?");
        Ok(on_db!(self.db(), &sql, |c, q| sqlx::query_as(q).bind(id).fetch_optional(c).await)?)
    }

    pub async fn users(&self) -> Result<Vec<UserRow>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY name");
        Ok(on_db!(self.db(), &sql, |c, q| sqlx::query_as(q).fetch_all(c).await)?)
    }

    pub async fn count_users(&self) -> Result<i64, StoreError> {
        Ok(on_db!(self.db(), "SELECT count(*) FROM users", |c, q| sqlx::query_scalar(q).fetch_one(c).await)?)
    }

    /// Stores the failure count and lock after a wrong password.
    pub async fn set_failures(
        &self,
        id: i64,
        count: u32,
        since: Option<DateTime<Utc>>,
        locked_at: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        on_db!(
            self.db(),
            "UPDATE users SET failed_count = ?, failed_since = ?, locked_at = ? WHERE id = ?",
            |c, q| sqlx::query(q)
                .bind(i64::from(count))
                .bind(since.map(millis))
                .bind(locked_at.map(millis))
                .bind(id)
                .execute(c)
                .await
                .map(|r| r.rows_affected())
        )?;
        Ok(())
    }

    /// A successful login: the failures are forgotten, the lock (if it ran
    /// out) cleared, and the session stored, in one transaction.
    pub async fn record_login(
        &self,
        user_id: i64,
        session_hash: &[u8],
        csrf: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        on_tx!(
            &mut tx,
            "UPDATE users SET last_login_at = ?, failed_count = 0, failed_since = NULL, locked_at = NULL WHERE id = ?",
            |c, q| sqlx::query(q).bind(millis(now)).bind(user_id).execute(c).await.map(|r| r.rows_affected())
        )?;
        insert_session(&mut tx, session_hash, Some(user_id), None, csrf, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Clears an account's lock and failures (an admin's unlock).
    pub async fn unlock_user(&self, id: i64) -> Result<bool, StoreError> {
        let r = on_db!(
            self.db(),
            "UPDATE users SET failed_count = 0, failed_since = NULL, locked_at = NULL WHERE id = ?",
            |c, q| sqlx::query(q).bind(id).execute(c).await.map(|r| r.rows_affected())
        )?;
        Ok(r == 1)
    }

    /// Disables an account (or enables it again with `None`); a disabled
    /// account's sessions end at once. Enabling counts as a use, so the
    /// account is not disabled again for being unused before its owner logs in.
    pub async fn set_disabled(
        &self,
        id: i64,
        disabled: Option<(DateTime<Utc>, &str)>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let r = match disabled {
            Some((at, why)) => on_tx!(
                &mut tx,
                "UPDATE users SET disabled_at = ?, disabled_why = ? WHERE id = ?",
                |c, q| sqlx::query(q).bind(millis(at)).bind(why).bind(id).execute(c).await.map(|r| r.rows_affected())
            )?,
            None => on_tx!(
                &mut tx,
                "UPDATE users SET disabled_at = NULL, disabled_why = '', last_login_at = ? WHERE id = ?",
                |c, q| sqlx::query(q).bind(millis(now)).bind(id).execute(c).await.map(|r| r.rows_affected())
            )?,
        };
        on_tx!(&mut tx, "DELETE FROM sessions WHERE user_id = ?", |c, q| sqlx::query(q)
            .bind(id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        tx.commit().await?;
        Ok(r == 1)
    }

    /// A new password; every session of the account ends.
    pub async fn set_password(&self, id: i64, password_hash: &str) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let r = on_tx!(&mut tx, "UPDATE users SET password_hash = ? WHERE id = ?", |c, q| sqlx::query(q)
            .bind(password_hash)
            .bind(id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        on_tx!(&mut tx, "DELETE FROM sessions WHERE user_id = ?", |c, q| sqlx::query(q)
            .bind(id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        tx.commit().await?;
        Ok(r == 1)
    }

    /// Accounts not used (or, never used, not created) since `before`, still enabled.
    pub async fn unused_users(&self, before: DateTime<Utc>) -> Result<Vec<UserRow>, StoreError> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users
             WHERE disabled_at IS NULL AND coalesce(last_login_at, created_at) <= ?"
        );
        Ok(on_db!(self.db(), &sql, |c, q| sqlx::query_as(q).bind(millis(before)).fetch_all(c).await)?)
    }

    // ── tokens ──

    pub async fn insert_token(&self, t: &NewToken<'_>, now: DateTime<Utc>) -> Result<i64, StoreError> {
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(
            &mut tx,
            "INSERT INTO tokens (name, role, secret_hash, hint, demo, created_at, created_by)
             VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
            |c, q| sqlx::query_scalar(q)
                .bind(t.name)
                .bind(t.role)
                .bind(t.secret_hash)
                .bind(t.hint)
                .bind(t.demo)
                .bind(millis(now))
                .bind(t.created_by)
                .fetch_one(c)
                .await
        )?;
        for unit in t.units {
            on_tx!(&mut tx, "INSERT INTO token_units (token_id, unit_id) VALUES (?, ?)", |c, q| sqlx::query(q)
                .bind(id)
                .bind(unit)
                .execute(c)
                .await
                .map(|r| r.rows_affected()))?;
        }
        for group in t.groups {
            on_tx!(&mut tx, "INSERT INTO token_groups (token_id, group_id) VALUES (?, ?)", |c, q| sqlx::query(q)
                .bind(id)
                .bind(group)
                .execute(c)
                .await
                .map(|r| r.rows_affected()))?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// The token with this hash, revoked or not.
    pub async fn token_by_hash(&self, hash: &[u8]) -> Result<Option<TokenRow>, StoreError> {
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM tokens t WHERE t.secret_hash = ?");
        Ok(on_db!(self.db(), &sql, |c, q| sqlx::query_as(q).bind(hash).fetch_optional(c).await)?)
    }

    pub async fn token_by_id(&self, id: i64) -> Result<Option<TokenRow>, StoreError> {
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM tokens t WHERE t.id = ?");
        Ok(on_db!(self.db(), &sql, |c, q| sqlx::query_as(q).bind(id).fetch_optional(c).await)?)
    }

    pub async fn tokens(&self) -> Result<Vec<TokenRow>, StoreError> {
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM tokens t ORDER BY t.revoked_at IS NOT NULL, t.name");
        Ok(on_db!(self.db(), &sql, |c, q| sqlx::query_as(q).fetch_all(c).await)?)
    }

    /// Revokes a token; the kiosk sessions it opened end with it.
    pub async fn revoke_token(&self, id: i64, by: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let r = on_tx!(
            &mut tx,
            "UPDATE tokens SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL",
            |c, q| sqlx::query(q).bind(millis(now)).bind(by).bind(id).execute(c).await.map(|r| r.rows_affected())
        )?;
        on_tx!(&mut tx, "DELETE FROM sessions WHERE token_id = ?", |c, q| sqlx::query(q)
            .bind(id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        tx.commit().await?;
        Ok(r == 1)
    }

    /// Stamps when tokens were last used (a batch, every few seconds).
    pub async fn stamp_tokens(&self, uses: &[(i64, DateTime<Utc>)]) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        for (id, at) in uses {
            on_tx!(
                &mut tx,
                "UPDATE tokens SET last_used_at = max(coalesce(last_used_at, 0), ?) WHERE id = ?",
                |c, q| sqlx::query(q).bind(millis(*at)).bind(id).execute(c).await.map(|r| r.rows_affected())
            )?;
        }
        tx.commit().await?;
        Ok(())
    }

    // ── sessions ──

    /// A kiosk's session, from its token.
    pub async fn insert_kiosk_session(
        &self,
        hash: &[u8],
        token_id: i64,
        csrf: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        insert_session(&mut tx, hash, None, Some(token_id), csrf, now).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn session(&self, hash: &[u8]) -> Result<Option<SessionRow>, StoreError> {
        Ok(on_db!(
            self.db(),
            "SELECT user_id, token_id, created_at, last_input_at, csrf FROM sessions WHERE id_hash = ?",
            |c, q| sqlx::query_as(q).bind(hash).fetch_optional(c).await
        )?)
    }

    /// The person did something.
    pub async fn touch_session(&self, hash: &[u8], now: DateTime<Utc>) -> Result<(), StoreError> {
        on_db!(self.db(), "UPDATE sessions SET last_input_at = max(last_input_at, ?) WHERE id_hash = ?", |c, q| {
            sqlx::query(q).bind(millis(now)).bind(hash).execute(c).await.map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    pub async fn delete_session(&self, hash: &[u8]) -> Result<bool, StoreError> {
        let r = on_db!(self.db(), "DELETE FROM sessions WHERE id_hash = ?", |c, q| sqlx::query(q)
            .bind(hash)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(r == 1)
    }

    /// Removes people's sessions made before `before` or idle since
    /// `idle_before` (they cannot be used any more; this only keeps the
    /// table small).
    pub async fn purge_sessions(&self, before: DateTime<Utc>, idle_before: DateTime<Utc>) -> Result<u64, StoreError> {
        let r = on_db!(
            self.db(),
            "DELETE FROM sessions WHERE user_id IS NOT NULL AND (created_at <= ? OR last_input_at <= ?)",
            |c, q| sqlx::query(q)
                .bind(millis(before))
                .bind(millis(idle_before))
                .execute(c)
                .await
                .map(|r| r.rows_affected())
        )?;
        Ok(r)
    }

    /// How many sessions each account has open.
    pub async fn open_sessions(&self) -> Result<Vec<(i64, i64)>, StoreError> {
        Ok(on_db!(
            self.db(),
            "SELECT user_id, count(*) FROM sessions WHERE user_id IS NOT NULL GROUP BY user_id",
            |c, q| sqlx::query_as(q).fetch_all(c).await
        )?)
    }

    // ── the audit log ──

    /// Adds lines to the audit log, committed before this returns.
    pub async fn audit(&self, entries: &[AuditEntry]) -> Result<(), StoreError> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin().await?;
        for e in entries {
            on_tx!(
                &mut tx,
                "INSERT INTO audit_log (at, actor, role, action, target, outcome, detail, ip)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                |c, q| sqlx::query(q)
                    .bind(millis(e.at))
                    .bind(&e.actor)
                    .bind(&e.role)
                    .bind(e.action)
                    .bind(&e.target)
                    .bind(e.outcome)
                    .bind(&e.detail)
                    .bind(&e.ip)
                    .execute(c)
                    .await
                    .map(|r| r.rows_affected())
            )?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Audit lines, newest first.
    pub async fn audit_log(&self, f: &AuditFilter) -> Result<Vec<AuditRow>, StoreError> {
        let mut sql =
            String::from("SELECT id, at, actor, role, action, target, outcome, detail, ip FROM audit_log WHERE 1 = 1");
        if f.actor.is_some() {
            sql.push_str(" AND actor = ? COLLATE NOCASE");
        }
        if f.action.is_some() {
            sql.push_str(" AND action = ?");
        }
        if f.outcome.is_some() {
            sql.push_str(" AND outcome = ?");
        }
        if f.from.is_some() {
            sql.push_str(" AND at >= ?");
        }
        if f.to.is_some() {
            sql.push_str(" AND at < ?");
        }
        if f.before.is_some() {
            sql.push_str(" AND id < ?");
        }
        sql.push_str(" ORDER BY id DESC LIMIT ?");
        let rows: Vec<AuditRow> = on_db!(self.db(), &sql, |c, text| {
            let mut q = sqlx::query_as(text);
            if let Some(a) = &f.actor {
                q = q.bind(a);
            }
            if let Some(a) = &f.action {
                q = q.bind(a);
            }
            if let Some(o) = &f.outcome {
                q = q.bind(o);
            }
            if let Some(t) = f.from {
                q = q.bind(millis(t));
            }
            if let Some(t) = f.to {
                q = q.bind(millis(t));
            }
            if let Some(b) = f.before {
                q = q.bind(b);
            }
            q.bind(i64::from(f.limit)).fetch_all(c).await
        })?;
        Ok(rows)
    }

    /// Removes audit lines older than `before` (never younger than a year:
    /// the table's trigger refuses it).
    pub async fn purge_audit(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let r = on_db!(self.db(), "DELETE FROM audit_log WHERE at < ?", |c, q| sqlx::query(q)
            .bind(millis(before))
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(r)
    }

    /// A unit's id by its callsign (for accounts and tokens bound to units).
    pub async fn unit_id_by_callsign(&self, callsign: &str) -> Result<Option<i64>, StoreError> {
        Ok(on_db!(self.db(), "SELECT id FROM units WHERE callsign = ?", |c, q| sqlx::query_scalar(q)
            .bind(callsign)
            .fetch_optional(c)
            .await)?)
    }

    /// A station's first unit that moves (not a fixed post): the demo's officer's.
    pub async fn first_unit_of(&self, station: &str) -> Result<Option<String>, StoreError> {
        Ok(on_db!(
            self.db(),
            "SELECT callsign FROM units WHERE station = ? AND kind <> 'post' ORDER BY id LIMIT 1",
            |c, q| sqlx::query_scalar(q).bind(station).fetch_optional(c).await
        )?)
    }

    pub async fn station_exists(&self, code: &str) -> Result<bool, StoreError> {
        let n: i64 = on_db!(self.db(), "SELECT count(*) FROM stations WHERE code = ?", |c, q| sqlx::query_scalar(q)
            .bind(code)
            .fetch_one(c)
            .await)?;
        Ok(n == 1)
    }
}

async fn insert_session(
    tx: &mut super::Tx<'_>,
    hash: &[u8],
    user_id: Option<i64>,
    token_id: Option<i64>,
    csrf: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    on_tx!(
        tx,
        "INSERT INTO sessions (id_hash, user_id, token_id, created_at, last_input_at, csrf) VALUES (?, ?, ?, ?, ?, ?)",
        |c, q| sqlx::query(q)
            .bind(hash)
            .bind(user_id)
            .bind(token_id)
            .bind(millis(now))
            .bind(millis(now))
            .bind(csrf)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
    )?;
    Ok(())
}
