//! The Postgres pool and the schema migrations.

use std::time::Duration;

use sqlx::{
    migrate::Migrator,
    postgres::{PgConnectOptions, PgPoolOptions},
    PgPool,
};

use secrecy::{ExposeSecret, SecretString};

use crate::config::{ConfigError, Env};

pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:54329/inssa";

/// How to reach Postgres.
#[derive(Clone)]
pub struct DbConfig {
    /// `DATABASE_URL`. May hold a password: never printed.
    pub url: String,
    /// `DATABASE_PASSWORD_FILE`: a file (a Docker secret) whose content is
    /// the database password, used instead of one in `DATABASE_URL`.
    pub password: Option<SecretString>,
    /// `DATABASE_MAX_CONNECTIONS`: the pool size of this replica.
    pub max_connections: u32,
}

impl DbConfig {
    pub fn from_env(env: &Env) -> Result<DbConfig, ConfigError> {
        let url = env.get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(ConfigError::new("DATABASE_URL", "expected a postgres:// or postgresql:// URL"));
        }
        Ok(DbConfig {
            url,
            password: env.secret_file("DATABASE_PASSWORD_FILE")?,
            max_connections: env.number("DATABASE_MAX_CONNECTIONS", 10, 1, 1000)?,
        })
    }
}

// Hand-written so that the URL, which may hold a password, never reaches a log.
impl std::fmt::Debug for DbConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbConfig")
            .field("url", &"<redacted>")
            .field("password", &self.password)
            .field("max_connections", &self.max_connections)
            .finish()
    }
}

/// The SQL files in `migrations/`, compiled into the binary. Migrations a
/// newer release applied are ignored, not refused: during a rolling update
/// or a rollback the previous release must still start on the database its
/// successor migrated (migrations only add, so it can run on it).
pub static MIGRATOR: Migrator = Migrator { ignore_missing: true, ..sqlx::migrate!("../migrations") };

/// A pool that connects on demand: the server starts, reports not-ready and
/// recovers by itself when the database comes and goes.
pub fn pool(config: &DbConfig) -> Result<PgPool, sqlx::Error> {
    let mut options: PgConnectOptions = config.url.parse()?;
    if let Some(password) = &config.password {
        options = options.password(password.expose_secret());
    }
    Ok(PgPoolOptions::new()
        .max_connections(config.max_connections)
        .acquire_timeout(Duration::from_secs(3))
        .connect_lazy_with(options.application_name("inssa")))
}

/// Applies pending migrations. sqlx takes a Postgres advisory lock around
/// them, so replicas that start together apply each migration once.
/// Retries while the database is still starting, up to `patience`.
pub async fn migrate(pool: &PgPool, patience: Duration) -> Result<(), sqlx::migrate::MigrateError> {
    let deadline = tokio::time::Instant::now() + patience;
    let mut delay = Duration::from_millis(100);
    loop {
        match MIGRATOR.run(pool).await {
            Ok(()) => return Ok(()),
            Err(sqlx::migrate::MigrateError::Execute(sqlx::Error::PoolTimedOut | sqlx::Error::Io(_)))
                if tokio::time::Instant::now() + delay < deadline =>
            {
                tracing::warn!("database not reachable yet; retrying migrations in {delay:?}");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(2));
            }
            Err(e) => return Err(e),
        }
    }
}

/// True when a trivial query answers within a second.
pub async fn is_reachable(pool: &PgPool) -> bool {
    let probe = sqlx::query_scalar::<_, i32>("select 1").fetch_one(pool);
    matches!(tokio::time::timeout(Duration::from_secs(1), probe).await, Ok(Ok(1)))
}
