use std::process::ExitCode;

use server::{config::Config, db, shutdown_signal, telemetry, waitlist, Application};

// Server rendering allocates many small strings per page; mimalloc measured
// faster than the system allocator here (see docs/BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "usage: server                   serve inssa (configured by environment variables)
       server export-waitlist   write the waitlist as CSV to standard output (reads DATABASE_URL)";

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
        let pool = db::pool(config)?;
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
