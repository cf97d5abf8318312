//! Several servers on one PostgreSQL database: the shared event journal and
//! the leader's term (see migrations/postgres/…_cluster.sql). SQLite has one
//! server, so none of this exists there.

use sqlx::Connection;

use super::{Db, Store, StoreError, Tx, on_tx};

/// The advisory lock whose holder is the leader (held on a connection of its
/// own, for as long as the leader lives).
pub const LEADER_LOCK: i64 = 7_270_010;
/// Taken by every transaction that appends events, so they commit in the
/// order of their numbers.
const EVENTS_LOCK: i64 = 7_270_011;
/// The channel a commit of events notifies (payload: the last seq).
pub const EVENTS_CHANNEL: &str = "command_room_events";

/// One journalled event.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredEvent {
    pub seq: i64,
    /// When the server that made it journalled it (ms).
    pub at: i64,
    pub origin: String,
    pub payload: String,
}

impl Store {
    /// Whether this store is shared by several servers (PostgreSQL).
    pub fn is_shared(&self) -> bool {
        matches!(self.db(), Db::Postgres(_))
    }

    /// The stream's identity, the same on every server of the database.
    pub async fn cluster_epoch(&self) -> Result<String, StoreError> {
        let Db::Postgres(pool) = self.db() else { return Err(StoreError::Corrupt("no cluster on SQLite".into())) };
        Ok(sqlx::query_scalar("SELECT epoch FROM cluster").fetch_one(pool).await?)
    }

    /// The last event's number (0: none yet).
    pub async fn last_event(&self) -> Result<u64, StoreError> {
        let Db::Postgres(pool) = self.db() else { return Ok(0) };
        let seq: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM events").fetch_one(pool).await?;
        Ok(seq.max(0) as u64)
    }

    /// Appends events (already serialised) in one transaction; answers the
    /// first one's number (the rest follow it).
    pub async fn append_events(&self, origin: &str, at_ms: i64, payloads: &[String]) -> Result<u64, StoreError> {
        let Db::Postgres(pool) = self.db() else { return Err(StoreError::Corrupt("no journal on SQLite".into())) };
        let mut tx = pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(EVENTS_LOCK).execute(&mut *tx).await?;
        let last: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM events").fetch_one(&mut *tx).await?;
        let seqs: Vec<i64> = (1..=payloads.len() as i64).map(|k| last + k).collect();
        sqlx::query(
            "INSERT INTO events (seq, at, origin, payload) SELECT s, $2, $3, p FROM UNNEST($1::bigint[], $4::text[]) AS e(s, p)",
        )
        .bind(&seqs)
        .bind(at_ms)
        .bind(origin)
        .bind(payloads)
        .execute(&mut *tx)
        .await?;
        let last_new = last + payloads.len() as i64;
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(EVENTS_CHANNEL)
            .bind(last_new.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok((last + 1) as u64)
    }

    /// Deletes the events older than `before_ms`, but never the last one
    /// (it carries the stream's number); answers how many went.
    pub async fn prune_events(&self, before_ms: i64) -> Result<u64, StoreError> {
        let Db::Postgres(pool) = self.db() else { return Ok(0) };
        Ok(sqlx::query("DELETE FROM events WHERE at < $1 AND seq < (SELECT MAX(seq) FROM events)")
            .bind(before_ms)
            .execute(pool)
            .await?
            .rows_affected())
    }

    /// The events after `seq`, in order, at most `limit`.
    pub async fn events_after(&self, seq: u64, limit: i64) -> Result<Vec<StoredEvent>, StoreError> {
        let Db::Postgres(pool) = self.db() else { return Ok(vec![]) };
        Ok(sqlx::query_as("SELECT seq, at, origin, payload FROM events WHERE seq > $1 ORDER BY seq LIMIT $2")
            .bind(seq as i64)
            .bind(limit)
            .fetch_all(pool)
            .await?)
    }

    /// A connection of its own, outside the pool, for the leader's lock and
    /// the events listener (a pool would hand it to others).
    pub async fn dedicated(&self) -> Result<sqlx::PgConnection, StoreError> {
        let Db::Postgres(pool) = self.db() else { return Err(StoreError::Corrupt("no cluster on SQLite".into())) };
        Ok(sqlx::PgConnection::connect_with(&pool.connect_options()).await?)
    }
}

/// Tries to take the leader's lock on `conn`; on success, takes the next term.
pub async fn try_lead(conn: &mut sqlx::PgConnection, instance: &str, now_ms: i64) -> Result<Option<i64>, StoreError> {
    let got: bool =
        sqlx::query_scalar("SELECT pg_try_advisory_lock($1)").bind(LEADER_LOCK).fetch_one(&mut *conn).await?;
    if !got {
        return Ok(None);
    }
    let term: i64 =
        sqlx::query_scalar("UPDATE cluster SET term = term + 1, leader = $1, leader_since = $2 RETURNING term")
            .bind(instance)
            .bind(now_ms)
            .fetch_one(&mut *conn)
            .await?;
    Ok(Some(term))
}

/// Whether the leader's connection still answers (and so still holds the lock).
pub async fn still_leading(conn: &mut sqlx::PgConnection) -> Result<(), StoreError> {
    sqlx::query("SELECT 1").execute(&mut *conn).await?;
    Ok(())
}

/// Fencing: inside a leader's transaction, `false` when `term` is no longer
/// the current one (another server took over); the caller rolls back.
pub async fn holds_term(tx: &mut Tx<'_>, term: i64) -> Result<bool, StoreError> {
    match tx {
        Tx::Sqlite(_) => Ok(true),
        Tx::Postgres(_) => {
            let current: i64 =
                on_tx!(tx, "SELECT term FROM cluster FOR SHARE", |c, q| sqlx::query_scalar(q).fetch_one(c).await)?;
            Ok(current == term)
        }
    }
}
