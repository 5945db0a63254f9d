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
  --token T          the default account's token, always accepted (default sim-token; or SIM_TOKEN)
  --accounts-file P  more accounts, one `user_id token device_id` a line (the app's
                     CLUBHOUSE_ACCOUNTS_FILE format; blank lines and # comments skipped)
  --calls-per-minute N
                     per-token limit over any 60 s, answered 429 beyond it (default none)
  --latency-ms N     added latency per API call (default 0)
  --drift SECS       every SECS seconds a few of the synthetic crowd change: followers
                     (mostly up), now and then a bio; seeded by --seed (default off)
  -h, --help         this text

Faults can be changed at run time: PUT /_sim/faults with a JSON body such as
{\"rate_429\": 0.2, \"retry_after_secs\": 10}. GET /_sim/calls reads the call
counters, DELETE /_sim/calls resets them (and the account stats).
GET /_sim/accounts reads each account's stats, by user id; PUT /_sim/accounts/ID
with {\"banned\": true} bans one. POST /_sim/people {\"username\": \"…\"} adds a
person, PUT /_sim/people/NAME with fields changes one (name, bio, twitter,
instagram, photo_url, num_followers, num_following, username, clubs: [club ids],
invited_by: username), DELETE removes one; the change shows in the next get_profile.";

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
            "--accounts-file" => {
                let text = std::fs::read_to_string(&value).map_err(|e| format!("--accounts-file {value}: {e}"))?;
                config.accounts =
                    simulator::parse_accounts_file(&text).map_err(|e| format!("--accounts-file {value}: {e}"))?;
            }
            "--calls-per-minute" => {
                config.calls_per_minute = Some(
                    number("a count")?.try_into().map_err(|_| format!("--calls-per-minute: {value} is too large"))?,
                )
            }
            "--latency-ms" => latency_ms = number("milliseconds")?,
            "--drift" => config.drift_every = Some(std::time::Duration::from_secs(number("seconds")?.max(1))),
            other => return Err(format!("unknown option {other}")),
        }
    }
    if config.token.is_empty() {
        return Err("the token cannot be empty".into());
    }
    config.validate()?;
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
    let labels: Vec<u64> =
        std::iter::once(options.config.user_id).chain(options.config.accounts.iter().map(|a| a.user_id)).collect();
    let calls_per_minute = options.config.calls_per_minute;
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
    tracing::info!(?labels, ?calls_per_minute, "accounts, by user id");
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
        let o = args(&["--calls-per-minute", "30"]).unwrap().unwrap();
        assert_eq!(o.config.calls_per_minute, Some(30));
        assert!(args(&["--calls-per-minute", "-1"]).unwrap_err().contains("--calls-per-minute"));
        assert!(args(&["--calls-per-minute", "99999999999"]).unwrap_err().contains("--calls-per-minute"));
    }

    #[test]
    fn the_accounts_file_is_read_and_its_errors_name_the_line_not_the_token() {
        let dir = std::env::temp_dir().join(format!("clubhouse-simulator-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("accounts");
        std::fs::write(&good, "# accounts\n910000001 tok-one dev-1\n910000002 tok-two dev-2\n").unwrap();
        let o = args(&["--accounts-file", good.to_str().unwrap()]).unwrap().unwrap();
        let labels: Vec<u64> = o.config.accounts.iter().map(|a| a.user_id).collect();
        assert_eq!(labels, [910000001, 910000002]);
        assert_eq!(o.config.accounts[1].token, "tok-two");

        let bad = dir.join("bad-accounts");
        std::fs::write(&bad, "910000001 tok-one dev-1\n\n910000002 secret-token\n").unwrap();
        let error = args(&["--accounts-file", bad.to_str().unwrap()]).unwrap_err();
        assert!(error.contains("--accounts-file") && error.contains("line 3"), "{error}");
        assert!(!error.contains("secret-token"), "{error}");

        let clash = dir.join("clashing-accounts");
        std::fs::write(&clash, "910000001 sim-token dev-1\n").unwrap();
        let error = args(&["--accounts-file", clash.to_str().unwrap()]).unwrap_err();
        assert!(error.contains("same token") && !error.contains("sim-token"), "{error}");

        let missing = dir.join("no-such-file");
        assert!(args(&["--accounts-file", missing.to_str().unwrap()]).unwrap_err().contains("--accounts-file"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
