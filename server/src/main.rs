use std::process::ExitCode;

use server::{config::Config, shutdown_signal, telemetry, Application};

#[tokio::main]
async fn main() -> ExitCode {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("inssa: {e}");
            return ExitCode::from(2);
        }
    };
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
