//! The inssa server: the thin axum host. It reads the configuration, builds
//! the services (`services` crate), and serves the Leptos app, the JSON API,
//! files, health and metrics through its middleware (`http`).

pub mod config;
pub mod http;
pub mod telemetry;

use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};

use leptos::config::LeptosOptions;
use tokio::net::TcpListener;

use services::{db, metrics, profiles, upstream, waitlist, Services, SiteSettings};

use crate::{config::Config, http::AppState};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("could not listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("the database URL is not usable: {0}")]
    Database(sqlx::Error),
    #[error("database migrations failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("could not set up an HTTP client: {0}")]
    Upstream(reqwest::Error),
}

/// A server that is bound and migrated, ready to run.
pub struct Application {
    listener: TcpListener,
    state: AppState,
    config: Config,
}

impl Application {
    /// Binds the listen address, connects to Postgres and runs migrations.
    pub async fn build(config: Config) -> Result<Application, StartError> {
        let db = db::pool(&config.database).map_err(StartError::Database)?;
        db::migrate(&db, Duration::from_secs(30)).await?;

        let listener = TcpListener::bind(config.listen_addr)
            .await
            .map_err(|source| StartError::Bind { addr: config.listen_addr, source })?;
        let local_addr =
            listener.local_addr().map_err(|source| StartError::Bind { addr: config.listen_addr, source })?;

        let leptos_options = LeptosOptions::builder()
            .output_name(app::OUTPUT_NAME)
            .site_root(config.site_root.clone())
            .site_pkg_dir("pkg")
            .hash_files(config.hash_files)
            .site_addr(local_addr)
            .build();
        let site = SiteSettings {
            public_url: config.public_url.clone(),
            secure_cookies: config.secure_cookies(),
            contact_email: config.contact_email.clone(),
            version: env!("INSSA_COMMIT"),
            history_retention: config.profiles.history.retention,
            unconfirmed_signups_kept: config.waitlist.unconfirmed_for,
        };
        // Every replica books its calls in the budget Postgres holds per account.
        let upstream = Arc::new(
            upstream::ClubhouseClient::new(config.upstream.clone())
                .map_err(StartError::Upstream)?
                .with_shared_budget(db.clone())
                .await,
        );
        let profiles =
            profiles::ProfileService::new(profiles::ProfileStore { db: db.clone() }, upstream, config.profiles);
        let images = services::images::ImageFetcher::new(config.image_hosts.clone(), config.image_fetches_at_once)
            .map_err(StartError::Upstream)?;
        let cards = Arc::new(services::cards::CardService::new(config.cards.clone(), images.clone()));
        let waitlist = Arc::new(waitlist::WaitlistService::new(
            db.clone(),
            config.waitlist.clone(),
            services::mail::Mailer::new(&config.mail),
            config.public_url.clone(),
        ));
        let history = services::history::HistoryService { db: db.clone() };
        let state = AppState {
            leptos_options,
            db,
            services: Services { site, profiles: profiles.clone(), history, images, cards, waitlist },
            trusted_proxies: config.trusted_proxies.clone(),
            draining: Arc::new(std::sync::atomic::AtomicBool::new(false)),
            metrics_token: config.metrics_token.clone(),
            request_timeout: config.request_timeout,
            pages: Arc::new(http::PageCache::new(
                config.profiles.memory_for,
                config.profiles.fresh_for,
                config.page_memory_bytes,
                profiles.changes().clone(),
            )),
        };
        metrics::handle();
        Ok(Application { listener, state, config })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    /// Serves until `shutdown` resolves; then reports not-ready and keeps
    /// serving for the drain period (so the proxy moves traffic elsewhere),
    /// stops accepting, and lets in-flight requests finish for up to the
    /// grace period.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let Application { listener, state, config } = self;
        // axum does not set TCP_NODELAY; without it, responses written in two
        // parts (headers, then body) wait ~40 ms for a delayed ACK.
        let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let draining = state.draining.clone();
        let upkeep = tokio::spawn(metrics::upkeep_every(Duration::from_secs(5)));
        // Replicas hear of each other's writes: memory copies stay true.
        let profiles = state.services.profiles.clone();
        let heard = profiles.changes().subscribe();
        let watch = tokio::spawn(profiles.clone().watch_changes());
        let refresh = tokio::spawn(profiles.clone().run_refreshes());
        let scheduler = tokio::spawn(profiles.run_history_scheduler());
        let follow = tokio::spawn(state.pages.clone().follow_changes(heard));
        let outbox = tokio::spawn(state.services.waitlist.clone().run_outbox());
        let app = http::router(state);
        let (stopped_tx, stopped_rx) = tokio::sync::oneshot::channel::<()>();
        let (grace, drain) = (config.shutdown_grace, config.drain);
        let app = app.into_make_service_with_connect_info::<SocketAddr>();
        let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
            shutdown.await;
            draining.store(true, std::sync::atomic::Ordering::Relaxed);
            tracing::info!(
                drain_secs = drain.as_secs(),
                "shutting down: not ready, still serving while the proxy drains"
            );
            tokio::time::sleep(drain).await;
            tracing::info!("no longer accepting connections; finishing in-flight requests");
            let _ = stopped_tx.send(());
        });
        let result = tokio::select! {
            result = serve => result,
            // Requests still running after the grace period are cut off.
            _ = async { let _ = stopped_rx.await; tokio::time::sleep(grace).await } => {
                tracing::warn!("grace period over; closing remaining connections");
                Ok(())
            }
        };
        upkeep.abort();
        watch.abort();
        refresh.abort();
        scheduler.abort();
        follow.abort();
        // A mail cut off mid-send is sent again after its lease, by any replica.
        outbox.abort();
        result
    }
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
}
