//! The Postgres pool and the schema migrations.

use std::time::Duration;

use sqlx::{
    migrate::Migrator,
    postgres::{PgConnectOptions, PgPoolOptions},
    PgPool,
};

use crate::config::Config;

/// The SQL files in `migrations/`, compiled into the binary. Migrations a
/// newer release applied are ignored, not refused: during a rolling update
/// or a rollback the previous release must still start on the database its
/// successor migrated (migrations only add, so it can run on it).
pub static MIGRATOR: Migrator = Migrator { ignore_missing: true, ..sqlx::migrate!("../migrations") };

/// A pool that connects on demand: the server starts, reports not-ready and
/// recovers by itself when the database comes and goes.
pub fn pool(config: &Config) -> Result<PgPool, sqlx::Error> {
    let mut options: PgConnectOptions = config.database_url.parse()?;
    if let Some(password) = &config.database_password {
        options = options.password(password.expose());
    }
    Ok(PgPoolOptions::new()
        .max_connections(config.database_max_connections)
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
