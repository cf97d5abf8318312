//! The sqlx store, on one of two backends: SQLite (the default, embedded)
//! or PostgreSQL (several servers on one database), chosen by the URL.
//! Connection and migrations, the district, and the reads the API and pages
//! need. Writes that change live state are made by the engine (see
//! `engine` and `live`), each in one transaction that is committed before
//! anything is acknowledged or broadcast.
//!
//! The SQL is written once, with `?` placeholders, in the subset both
//! backends speak; [`on_db!`] and [`on_tx!`] run the same statement code
//! against whichever connection is open (compiled once per backend), with
//! the placeholders numbered for PostgreSQL. The few things SQLite has and
//! PostgreSQL lacks (`group_concat`, the two-argument `max`, the `NOCASE`
//! collation) are defined by the PostgreSQL migrations, so the statements
//! stay the same; where a backend does better its own way (the review's
//! tally, the history import's locking), the code says so.
//!
//! SQLite runs in WAL mode with `synchronous = FULL`, PostgreSQL with its
//! default `synchronous_commit = on`: a commit is on disk (fsync) when it
//! returns, so an acknowledged write survives a crash or a power cut.

pub mod access;
mod alerts;
pub mod cluster;
pub mod desk;
mod district;
pub mod history;
pub mod live;
pub mod notices;
mod patrol;
pub mod plan;
mod report;
pub mod review;
pub mod review_cache;
pub mod roads;
mod rows;
mod tally;
pub mod tasks;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};

pub use alerts::RunningTimer;
pub use report::ReportStatus;
pub use rows::{IncidentFilter, IncidentRow, UnitRow, millis, time};

/// An open database: the connection pool of one backend.
#[derive(Clone)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Which backend a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend a database URL names, if it is one of ours.
    pub fn of_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A transaction on either backend (see [`on_tx!`]).
pub enum Tx<'a> {
    Sqlite(Transaction<'a, Sqlite>),
    Postgres(Transaction<'a, Postgres>),
}

impl Tx<'_> {
    /// Commits: durable when this returns.
    pub async fn commit(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}

/// `sql` with its `?` placeholders numbered `$1`, `$2`, … for PostgreSQL; an
/// explicit `?N` becomes `$N`, and a `?` inside a quoted literal or
/// identifier is left alone.
pub fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    let mut quote: Option<char> = None;
    let mut chars = sql.chars().peekable();
    while let Some(ch) = chars.next() {
        match (quote, ch) {
            (None, '\'' | '"') => {
                quote = Some(ch);
                out.push(ch);
            }
            (Some(q), c) if c == q => {
                quote = None;
                out.push(c);
            }
            (None, '?') => {
                out.push('$');
                if chars.peek().is_some_and(char::is_ascii_digit) {
                    while let Some(d) = chars.next_if(char::is_ascii_digit) {
                        out.push(d);
                    }
                } else {
                    n += 1;
                    out.push_str(&n.to_string());
                }
            }
            (_, c) => out.push(c),
        }
    }
    out
}

/// Runs `$body` on the store's pool: `$c` is the backend's pool and `$q` the
/// statement `$sql` in its dialect. The body is compiled once per backend.
#[macro_export]
#[doc(hidden)]
macro_rules! on_db {
    ($db:expr, $sql:expr, |$c:ident, $q:ident| $body:expr) => {
        match $db {
            $crate::store::Db::Sqlite($c) => {
                let $q: &str = $sql;
                $body
            }
            $crate::store::Db::Postgres($c) => {
                let numbered = $crate::store::numbered($sql);
                let $q: &str = &numbered;
                $body
            }
        }
    };
    ($db:expr, |$c:ident| $body:expr) => {
        match $db {
            $crate::store::Db::Sqlite($c) => $body,
            $crate::store::Db::Postgres($c) => $body,
        }
    };
}

/// As [`on_db!`], on an open transaction: `$c` is its connection.
#[macro_export]
#[doc(hidden)]
macro_rules! on_tx {
    ($tx:expr, $sql:expr, |$c:ident, $q:ident| $body:expr) => {
        match $tx {
            $crate::store::Tx::Sqlite(t) => {
                let $c = &mut **t;
                let $q: &str = $sql;
                $body
            }
            $crate::store::Tx::Postgres(t) => {
                let $c = &mut **t;
                let numbered = $crate::store::numbered($sql);
                let $q: &str = &numbered;
                $body
            }
        }
    };
    ($tx:expr, |$c:ident| $body:expr) => {
        match $tx {
            $crate::store::Tx::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
            $crate::store::Tx::Postgres(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}

pub(crate) use crate::{on_db, on_tx};

#[derive(Clone)]
pub struct Store {
    db: Db,
    /// Tallies of whole past buckets (PostgreSQL only; see `review_cache`).
    review_cache: std::sync::Arc<review_cache::ReviewCache>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("cannot create the database directory {path}: {source}")]
    Directory { path: String, source: std::io::Error },
    #[error("the migration lock {path}: {source}")]
    Lock { path: String, source: std::io::Error },
    #[error("a stored row is not valid: {0}")]
    Corrupt(String),
    #[error("backup: {0}")]
    Backup(String),
    #[error("a statement could not be built: {0}")]
    Statement(String),
    #[error("unsupported database URL {0:?}: use sqlite://path/to/file.db or postgres://user@host/db")]
    Url(String),
}

impl StoreError {
    /// The write broke a uniqueness rule (a name or code already taken).
    pub fn is_duplicate(&self) -> bool {
        matches!(self, StoreError::Sqlx(sqlx::Error::Database(e)) if e.is_unique_violation())
    }
}

impl Store {
    /// Opens (creating if needed) and migrates the database at `url`.
    /// Several servers may start at once on one database: PostgreSQL's
    /// migrator holds an advisory lock, and SQLite's is serialised by a
    /// lock file beside the database.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        let store = Store::open(url).await?;
        store.migrate(url).await?;
        Ok(store)
    }

    /// Opens the database without migrating it.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        match Backend::of_url(url) {
            Some(Backend::Sqlite) => {
                Ok(Store { db: Db::Sqlite(open_sqlite(url).await?), review_cache: Default::default() })
            }
            Some(Backend::Postgres) => {
                Ok(Store { db: Db::Postgres(open_postgres(url).await?), review_cache: Default::default() })
            }
            None => Err(StoreError::Url(url.to_owned())),
        }
    }

    /// Brings the schema up to date (idempotent; safe with several
    /// processes at once).
    pub async fn migrate(&self, url: &str) -> Result<(), StoreError> {
        match &self.db {
            Db::Sqlite(pool) => {
                let _lock = sqlite_migration_lock(url)?;
                sqlx::migrate!("../migrations/sqlite").run(pool).await?;
            }
            Db::Postgres(pool) => sqlx::migrate!("../migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn backend(&self) -> Backend {
        match self.db {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    pub async fn begin(&self) -> Result<Tx<'static>, StoreError> {
        Ok(match &self.db {
            Db::Sqlite(p) => Tx::Sqlite(p.begin().await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// How many migrations are applied, and the latest one's version.
    pub async fn schema_version(&self) -> Result<(i64, i64), StoreError> {
        Ok(on_db!(
            &self.db,
            "SELECT COUNT(*), COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success",
            |c, q| sqlx::query_as(q).fetch_one(c).await
        )?)
    }

    /// A consistent copy of a SQLite database at `to`, made while it is in
    /// use (`VACUUM INTO`: one read transaction, so the copy is one moment
    /// of the database); answers its size. PostgreSQL has pg_dump.
    pub async fn backup_to(&self, to: &std::path::Path) -> Result<u64, StoreError> {
        let Db::Sqlite(pool) = &self.db else {
            return Err(StoreError::Backup("use pg_dump for PostgreSQL (see the README)".into()));
        };
        if to.exists() {
            return Err(StoreError::Backup(format!("{} exists already; the backup goes to a new file", to.display())));
        }
        let path = to.to_str().ok_or_else(|| StoreError::Backup("the backup path is not valid UTF-8".into()))?;
        sqlx::query("VACUUM INTO ?").bind(path).execute(pool).await?;
        std::fs::metadata(to).map(|m| m.len()).map_err(|e| StoreError::Backup(format!("{}: {e}", to.display())))
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        on_db!(&self.db, "SELECT 1", |c, q| sqlx::query(q).execute(c).await.map(|r| r.rows_affected()))?;
        Ok(())
    }
}

async fn open_sqlite(url: &str) -> Result<SqlitePool, StoreError> {
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5))
        // 8 MB of page cache per connection (the default is 2 MB)
        .pragma("cache_size", "-8000");
    if let Some(dir) = options.get_filename().parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|source| StoreError::Directory { path: dir.display().to_string(), source })?;
    }
    // An in-memory database exists once per connection: keep it to one.
    let max = if url.contains(":memory:") { 1 } else { 8 };
    Ok(SqlitePoolOptions::new()
        .max_connections(max)
        .min_connections(1)
        .after_connect(|conn, _| {
            Box::pin(async move {
                let mut handle = conn.lock_handle().await?;
                tally::register(handle.as_raw_handle()).map_err(|e| sqlx::Error::Configuration(e.into()))
            })
        })
        .connect_with(options)
        .await?)
}

async fn open_postgres(url: &str) -> Result<PgPool, StoreError> {
    let options = PgConnectOptions::from_str(url)?.application_name("command-room");
    Ok(PgPoolOptions::new()
        .max_connections(16)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await?)
}

/// An exclusive lock on `<database>.migrate.lock` while SQLite migrates
/// (released when the file is dropped); none for an in-memory database.
fn sqlite_migration_lock(url: &str) -> Result<Option<std::fs::File>, StoreError> {
    let options = SqliteConnectOptions::from_str(url)?;
    let db = options.get_filename();
    if url.contains(":memory:") || db.as_os_str().is_empty() {
        return Ok(None);
    }
    let path = db.with_extension("migrate.lock");
    let err = |source| StoreError::Lock { path: path.display().to_string(), source };
    let file = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&path).map_err(err)?;
    file.lock().map_err(err)?;
    Ok(Some(file))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_for_postgres() {
        assert_eq!(
            numbered("SELECT a FROM t WHERE b = ? AND c IN (?, ?)"),
            "SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)"
        );
        assert_eq!(numbered("WHERE x = ?1 OR y = ?1"), "WHERE x = $1 OR y = $1");
        assert_eq!(numbered("SELECT '?', \"a?\" FROM t WHERE v = ?"), "SELECT '?', \"a?\" FROM t WHERE v = $1");
        assert_eq!(numbered("no placeholders"), "no placeholders");
    }

    #[test]
    fn backends_are_named_by_their_urls() {
        assert_eq!(Backend::of_url("sqlite://data/x.db"), Some(Backend::Sqlite));
        assert_eq!(Backend::of_url("sqlite::memory:"), Some(Backend::Sqlite));
        assert_eq!(Backend::of_url("postgres://cr@db/cr"), Some(Backend::Postgres));
        assert_eq!(Backend::of_url("postgresql://cr@db/cr"), Some(Backend::Postgres));
        assert_eq!(Backend::of_url("mysql://x"), None);
    }
}
