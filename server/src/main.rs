use std::process::ExitCode;

use server::{config::Config, shutdown_signal, telemetry, Application};
use services::{db, waitlist};

// Server rendering allocates many small strings per page; mimalloc measured
// faster than the system allocator here (see docs/BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "usage: server                   serve inssa (configured by environment variables)
       server export-waitlist   write the waitlist as CSV to standard output (reads DATABASE_URL)
       server healthcheck       exit 0 if the server on LISTEN_ADDR is up (for container health checks)";

#[tokio::main]
async fn main() -> ExitCode {
    let command = std::env::args().nth(1);
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("inssa: {e}");
            return ExitCode::from(2);
        }
    };
    match command.as_deref() {
        None => {}
        Some("export-waitlist") => return export_waitlist(&config).await,
        Some("healthcheck") => return healthcheck(&config).await,
        Some(_) => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    }
    telemetry::init(&config);

    let app = match Application::build(config).await {
        Ok(app) => app,
        Err(e) => {
            tracing::error!("inssa could not start: {e}");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(addr = %app.local_addr(), "inssa listening");
    match app.run_until(shutdown_signal()).await {
        Ok(()) => {
            tracing::info!("inssa stopped");
            ExitCode::SUCCESS
        }
        Err(e) => {
            tracing::error!("server error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The operator's export: never a public URL, only this command.
async fn export_waitlist(config: &Config) -> ExitCode {
    let result = async {
        let pool = db::pool(&config.database)?;
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        let count = waitlist::export_csv(&pool, &mut out).await?;
        std::io::Write::flush(&mut out)?;
        Ok::<u64, Box<dyn std::error::Error>>(count)
    }
    .await;
    match result {
        Ok(count) => {
            eprintln!("inssa: exported {count} signups");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("inssa: export failed: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Asks this machine's server for `/healthz`: the image's HEALTHCHECK, which
/// then needs no curl. Liveness, not readiness: the server listens only
/// after its migrations ran, so "up" means it can serve, and a database
/// outage must not get every replica restarted (they still serve pages).
async fn healthcheck(config: &Config) -> ExitCode {
    let mut addr = config.listen_addr;
    if addr.ip().is_unspecified() {
        addr.set_ip(if addr.is_ipv4() { [127, 0, 0, 1].into() } else { std::net::Ipv6Addr::LOCALHOST.into() });
    }
    let client = match reqwest::Client::builder().timeout(std::time::Duration::from_secs(3)).build() {
        Ok(client) => client,
        Err(e) => {
            eprintln!("inssa: healthcheck: {e}");
            return ExitCode::FAILURE;
        }
    };
    match client.get(format!("http://{addr}/healthz")).send().await {
        Ok(res) if res.status().is_success() => ExitCode::SUCCESS,
        Ok(res) => {
            eprintln!("inssa: unhealthy ({})", res.status());
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("inssa: healthcheck: {e}");
            ExitCode::FAILURE
        }
    }
}
