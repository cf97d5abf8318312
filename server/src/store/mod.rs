//! The sqlx store: connection and migrations, the district, and the reads
//! the API and pages need. Writes that change live state are made by the
//! engine (see `engine`), each in one transaction that is committed before
//! anything is acknowledged or broadcast.
//!
//! SQLite runs in WAL mode with `synchronous = FULL`: a commit is on disk
//! (fsync) when it returns, so an acknowledged write survives a crash or a
//! power cut.

pub mod access;
mod alerts;
pub mod desk;
mod district;
pub mod history;
pub mod live;
mod patrol;
mod report;
pub mod review;
mod rows;
mod tally;

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};

pub use alerts::RunningTimer;
pub use report::ReportStatus;
pub use rows::{IncidentFilter, IncidentRow, UnitRow, millis, time};

pub type Tx<'a> = Transaction<'a, Sqlite>;

#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("cannot create the database directory {path}: {source}")]
    Directory { path: String, source: std::io::Error },
    #[error("a stored row is not valid: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// The write broke a uniqueness rule (a name or code already taken).
    pub fn is_duplicate(&self) -> bool {
        matches!(self, StoreError::Sqlx(sqlx::Error::Database(e)) if e.is_unique_violation())
    }
}

impl Store {
    /// Opens (creating if needed) and migrates the database at `url`.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
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
        let pool = SqlitePoolOptions::new()
            .max_connections(max)
            .min_connections(1)
            .after_connect(|conn, _| {
                Box::pin(async move {
                    let mut handle = conn.lock_handle().await?;
                    tally::register(handle.as_raw_handle()).map_err(|e| sqlx::Error::Configuration(e.into()))
                })
            })
            .connect_with(options)
            .await?;
        sqlx::migrate!("../migrations").run(&pool).await?;
        Ok(Store { pool })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub async fn begin(&self) -> Result<Tx<'static>, StoreError> {
        Ok(self.pool.begin().await?)
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}
