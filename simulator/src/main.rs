//! `clubhouse-simulator`: serves the simulated Clubhouse API until stopped.

use std::{net::SocketAddr, process::ExitCode};

use simulator::{Faults, SimConfig};

const USAGE: &str = "\
clubhouse-simulator: a stand-in for the unofficial Clubhouse API

Options:
  --port N           port to listen on (default 4010)
  --bind ADDR        address to listen on (default 127.0.0.1)
  --public-url URL   base URL clients use, for photo URLs (default http://<bind>:<port>)
  --people N         people in the dataset (default 3000)
  --seed N           dataset seed (default 42)
  --token T          accepted API token (default sim-token; or SIM_TOKEN)
  --latency-ms N     added latency per API call (default 0)
  -h, --help         this text

Faults can be changed at run time: PUT /_sim/faults with a JSON body such as
{\"rate_429\": 0.2, \"retry_after_secs\": 10}. GET /_sim/calls reads the call
counters, DELETE /_sim/calls resets them.";

#[derive(Debug)]
struct Options {
    addr: SocketAddr,
    config: SimConfig,
    latency_ms: u64,
}

fn parse(args: impl Iterator<Item = String>) -> Result<Option<Options>, String> {
    let mut config = SimConfig::default();
    if let Ok(token) = std::env::var("SIM_TOKEN") {
        config.token = token;
    }
    let (mut port, mut bind, mut latency_ms) = (4010u16, "127.0.0.1".to_owned(), 0u64);
    let mut args = args.peekable();
    while let Some(flag) = args.next() {
        if flag == "-h" || flag == "--help" {
            return Ok(None);
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = |what: &str| value.parse::<u64>().map_err(|_| format!("{flag}: {what} expected, got {value:?}"));
        match flag.as_str() {
            "--port" => port = number("a port")?.try_into().map_err(|_| format!("--port: {value} is not a port"))?,
            "--bind" => bind = value.clone(),
            "--public-url" => config.public_base_url = Some(value.clone()),
            "--people" => config.people = number("a count")? as usize,
            "--seed" => config.seed = number("a number")?,
            "--token" => config.token = value.clone(),
            "--latency-ms" => latency_ms = number("milliseconds")?,
            other => return Err(format!("unknown option {other}")),
        }
    }
    if config.token.is_empty() {
        return Err("the token cannot be empty".into());
    }
    let addr = format!("{bind}:{port}").parse().map_err(|_| format!("--bind: {bind:?} is not an IP address"))?;
    Ok(Some(Options { addr, config, latency_ms }))
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let options = match parse(std::env::args().skip(1)) {
        Ok(Some(options)) => options,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("clubhouse-simulator: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let people = options.config.people;
    let running = match simulator::spawn_on(options.config, options.addr).await {
        Ok(running) => running,
        Err(e) => {
            eprintln!("clubhouse-simulator: cannot listen on {}: {e}", options.addr);
            return ExitCode::FAILURE;
        }
    };
    running.sim.set_faults(Faults { latency_ms: options.latency_ms, ..Faults::default() });
    tracing::info!(
        "Clubhouse simulator on {}/api with {people} synthetic people (try get_profile for odessa.finch)",
        running.base_url
    );
    shutdown_signal().await;
    tracing::info!("stopping");
    ExitCode::SUCCESS
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Result<Option<Options>, String> {
        parse(list.iter().map(|s| s.to_string()))
    }

    #[test]
    fn flags_parse_and_bad_values_are_named() {
        let o = args(&["--port", "0", "--people", "50", "--latency-ms", "20"]).unwrap().unwrap();
        assert_eq!((o.addr.port(), o.config.people, o.latency_ms), (0, 50, 20));
        assert!(args(&["--help"]).unwrap().is_none());
        assert!(args(&["--port", "70000"]).unwrap_err().contains("--port"));
        assert!(args(&["--people", "many"]).unwrap_err().contains("--people"));
        assert!(args(&["--bind", "localhost"]).unwrap_err().contains("--bind"));
        assert!(args(&["--what", "1"]).unwrap_err().contains("unknown option"));
        assert!(args(&["--port"]).unwrap_err().contains("needs a value"));
    }
}
