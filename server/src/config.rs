//! Configuration from the environment (12-factor), with local defaults that
//! match the development run: a private Postgres and the Clubhouse simulator.

use std::{
    env, fmt,
    net::{IpAddr, SocketAddr},
    str::FromStr,
    time::Duration,
};

use crate::upstream::{LimiterSettings, Secret, UpstreamConfig};

/// Everything the server reads from its environment.
#[derive(Clone)]
pub struct Config {
    /// `LISTEN_ADDR` (or `LEPTOS_SITE_ADDR`, which cargo-leptos sets).
    pub listen_addr: SocketAddr,
    /// `DATABASE_URL`. May hold a password: never printed.
    pub database_url: String,
    /// `DATABASE_PASSWORD_FILE`: a file (a Docker secret) whose content is
    /// the database password, used instead of one in `DATABASE_URL`.
    pub database_password: Option<Secret>,
    /// `DATABASE_MAX_CONNECTIONS`.
    pub database_max_connections: u32,
    /// `PUBLIC_URL`: the absolute address visitors use, for canonical links.
    pub public_url: String,
    /// `LOG_LEVEL`: a tracing filter such as `info` or `server=debug,info`.
    pub log_level: String,
    /// `LOG_FORMAT`: `text` or `json`.
    pub log_format: LogFormat,
    /// `LEPTOS_SITE_ROOT`: the folder with the built site (`pkg/`, favicon).
    pub site_root: String,
    /// `LEPTOS_HASH_FILES`: whether the site's assets carry content hashes in
    /// their names (then they are cached for a year). Defaults to whether
    /// cargo-leptos left a `hash.txt` beside the binary.
    pub hash_files: bool,
    /// `SHUTDOWN_GRACE_SECS`: how long in-flight requests may take after SIGTERM.
    pub shutdown_grace: Duration,
    /// `CLUBHOUSE_*`: the upstream API (the simulator by default).
    pub upstream: UpstreamConfig,
    /// `PROFILE_FRESH_SECS`: how long a cached profile is served without asking Clubhouse.
    pub profile_fresh_for: Duration,
    /// `PROFILE_NOT_FOUND_SECS`: how long "no such user" is remembered.
    pub profile_not_found_for: Duration,
    /// `PROFILE_MEMORY_SECS`: how long a fresh profile stays in this replica's memory (0: off).
    pub profile_memory_for: Duration,
    /// `IMAGE_HOSTS`: hosts (`host` or `host:port`) the image proxy may fetch from.
    pub image_hosts: Vec<String>,
    /// `IMAGE_FETCHES_AT_ONCE`: outside image fetches in flight at a time (per replica).
    pub image_fetches_at_once: u32,
    /// `WAITLIST_SIGNUPS_PER_HOUR`: signups one client address may make per hour (per replica).
    pub waitlist_signups_per_hour: u32,
    /// `SEARCHES_PER_MINUTE`: searches one client address may make per minute (per replica).
    pub searches_per_minute: u32,
    /// `TRUSTED_PROXIES`: peer addresses or networks (`10.0.0.0/24`) whose
    /// `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpNetwork>,
    /// `REQUEST_TIMEOUT_SECS`: the longest a request may take before it is
    /// answered 503 (a slow upstream must not pile up connections).
    pub request_timeout: Duration,
    /// `DRAIN_SECS`: after SIGTERM, how long the server keeps serving while
    /// reporting not-ready, so the proxy stops sending it new requests.
    pub drain: Duration,
    /// `METRICS_TOKEN`: when set, `/metrics` needs `Authorization: Bearer <it>`.
    pub metrics_token: Option<Secret>,
}

/// An address range such as `10.0.0.0/24` or a single address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpNetwork {
    base: IpAddr,
    prefix: u8,
}

impl IpNetwork {
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match (self.base, ip) {
            // An IPv4 peer may show up as ::ffff:a.b.c.d on a dual-stack socket.
            (IpAddr::V4(_), IpAddr::V6(v6)) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            _ => ip,
        };
        match (self.base, ip) {
            (IpAddr::V4(base), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(base) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(base), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(base) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for IpNetwork {
    type Err = ();

    fn from_str(s: &str) -> Result<IpNetwork, ()> {
        let (addr, prefix) = match s.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (s, None),
        };
        let base: IpAddr = addr.parse().map_err(|_| ())?;
        let max = if base.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or(())?,
            None => max,
        };
        Ok(IpNetwork { base, prefix })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// A variable with a value we cannot use. The value itself is only shown
/// for variables that cannot hold secrets.
#[derive(Debug, thiserror::Error)]
#[error("invalid {var}: {reason}")]
pub struct ConfigError {
    pub var: &'static str,
    pub reason: String,
}

pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:54329/inssa";

/// The simulator the run command starts, and its well-known test account.
/// Not secrets: the simulator accepts nothing else and holds invented people.
pub const SIMULATOR_BASE_URL: &str = "http://127.0.0.1:4010/api";
const SIMULATOR_HOST: &str = "127.0.0.1:4010";
/// Where Clubhouse keeps avatars and club photos.
const CLUBHOUSE_IMAGE_HOSTS: &[&str] =
    &["clubhouseprod.s3.amazonaws.com", "production-clubhouse-avatars.s3.amazonaws.com"];
const SIMULATOR_TOKEN: &str = "sim-token";
const SIMULATOR_USER_ID: u64 = 910000000;
const DEFAULT_DEVICE_ID: &str = "5B9E0F4A-7C1D-4E2B-9A3F-6D8C1B2E4F70";

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| env::var(name).ok())
    }

    /// Reads configuration through `lookup`, so tests need not touch the
    /// process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let get = |name: &str| lookup(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());

        let listen_addr = match get("LISTEN_ADDR").or_else(|| get("LEPTOS_SITE_ADDR")) {
            Some(v) => parse_shown("LISTEN_ADDR", &v, "expected host:port, e.g. 127.0.0.1:3000")?,
            None => SocketAddr::from(([127, 0, 0, 1], 3000)),
        };
        let database_url = get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        let database_password = file_secret("DATABASE_PASSWORD_FILE", get("DATABASE_PASSWORD_FILE"))?.map(Secret::new);
        if !(database_url.starts_with("postgres://") || database_url.starts_with("postgresql://")) {
            return Err(ConfigError {
                var: "DATABASE_URL",
                reason: "expected a postgres:// or postgresql:// URL".into(),
            });
        }
        let database_max_connections = match get("DATABASE_MAX_CONNECTIONS") {
            Some(v) => parse_range("DATABASE_MAX_CONNECTIONS", &v, 1, 1000)?,
            None => 10,
        };
        let public_url = get("PUBLIC_URL")
            .unwrap_or_else(|| format!("http://localhost:{}", listen_addr.port()))
            .trim_end_matches('/')
            .to_owned();
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            return Err(ConfigError {
                var: "PUBLIC_URL",
                reason: format!("expected an http:// or https:// URL, got {public_url:?}"),
            });
        }
        let log_level = get("LOG_LEVEL").unwrap_or_else(|| "info".to_owned());
        if tracing_subscriber::EnvFilter::try_new(&log_level).is_err() {
            return Err(ConfigError {
                var: "LOG_LEVEL",
                reason: format!("{log_level:?} is not a level or filter such as info, debug or server=debug,info"),
            });
        }
        let log_format = match get("LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError { var: "LOG_FORMAT", reason: format!("expected text or json, got {other:?}") })
            }
        };
        let site_root = get("LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".to_owned());
        // Leptos reads the hashes from `hash.txt` beside the binary on every
        // render and panics without it, so "true" must come with the file.
        let hash_file_exists =
            std::env::current_exe().ok().and_then(|exe| Some(exe.parent()?.join("hash.txt").exists())).unwrap_or(false);
        let hash_files = match get("LEPTOS_HASH_FILES").as_deref() {
            Some("true") if hash_file_exists => true,
            Some("true") => {
                return Err(ConfigError {
                    var: "LEPTOS_HASH_FILES",
                    reason: "true, but there is no hash.txt beside the server binary (build with cargo leptos)".into(),
                })
            }
            Some("false") => false,
            Some(other) => {
                return Err(ConfigError {
                    var: "LEPTOS_HASH_FILES",
                    reason: format!("expected true or false, got {other:?}"),
                })
            }
            None => hash_file_exists,
        };
        let shutdown_grace = Duration::from_secs(match get("SHUTDOWN_GRACE_SECS") {
            Some(v) => parse_range("SHUTDOWN_GRACE_SECS", &v, 0, 3600)?,
            None => 20,
        });

        let upstream = upstream_from(&get)?;
        let secs = |var: &'static str, default: u64| -> Result<Duration, ConfigError> {
            Ok(Duration::from_secs(match get(var) {
                Some(v) => parse_range(var, &v, 0, 30 * 86_400)?,
                None => default,
            }))
        };
        let profile_fresh_for = secs("PROFILE_FRESH_SECS", 2 * 3600)?;
        let profile_not_found_for = secs("PROFILE_NOT_FOUND_SECS", 10 * 60)?;
        let profile_memory_for = secs("PROFILE_MEMORY_SECS", 10)?;
        let image_hosts = match get("IMAGE_HOSTS") {
            Some(list) => list.split(',').map(|h| h.trim().to_ascii_lowercase()).filter(|h| !h.is_empty()).collect(),
            None => {
                let mut hosts: Vec<String> = CLUBHOUSE_IMAGE_HOSTS.iter().map(|h| h.to_string()).collect();
                if upstream.base_url == SIMULATOR_BASE_URL {
                    hosts.push(SIMULATOR_HOST.to_owned());
                }
                hosts
            }
        };
        for host in &image_hosts {
            if host.contains('/') || host.contains(char::is_whitespace) {
                return Err(ConfigError {
                    var: "IMAGE_HOSTS",
                    reason: format!("expected host or host:port names, got {host:?}"),
                });
            }
        }

        let image_fetches_at_once = match get("IMAGE_FETCHES_AT_ONCE") {
            Some(v) => parse_range("IMAGE_FETCHES_AT_ONCE", &v, 1, 10_000)?,
            None => 16,
        };
        let waitlist_signups_per_hour = match get("WAITLIST_SIGNUPS_PER_HOUR") {
            Some(v) => parse_range("WAITLIST_SIGNUPS_PER_HOUR", &v, 1, 1_000_000)?,
            None => 10,
        };
        let trusted_proxies = match get("TRUSTED_PROXIES") {
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|ip| {
                    parse_shown(
                        "TRUSTED_PROXIES",
                        ip,
                        "expected comma-separated IP addresses or networks (10.0.0.0/24)",
                    )
                })
                .collect::<Result<Vec<_>, _>>()?,
            None => vec![],
        };
        let searches_per_minute = match get("SEARCHES_PER_MINUTE") {
            Some(v) => parse_range("SEARCHES_PER_MINUTE", &v, 1, 1_000_000)?,
            None => 30,
        };
        let request_timeout = Duration::from_secs(match get("REQUEST_TIMEOUT_SECS") {
            Some(v) => parse_range("REQUEST_TIMEOUT_SECS", &v, 1, 3600)?,
            None => 30,
        });
        let drain = Duration::from_secs(match get("DRAIN_SECS") {
            Some(v) => parse_range("DRAIN_SECS", &v, 0, 600)?,
            None => 5,
        });
        let metrics_token = match secret(&get, "METRICS_TOKEN")? {
            Some(token) if token.chars().any(|c| c.is_whitespace() || c.is_control()) => {
                return Err(ConfigError {
                    var: "METRICS_TOKEN",
                    reason: "must not contain spaces or control characters".into(),
                })
            }
            token => token.map(Secret::new),
        };

        Ok(Config {
            waitlist_signups_per_hour,
            searches_per_minute,
            trusted_proxies,
            request_timeout,
            drain,
            metrics_token,
            upstream,
            profile_fresh_for,
            profile_not_found_for,
            profile_memory_for,
            image_hosts,
            image_fetches_at_once,
            listen_addr,
            database_url,
            database_password,
            database_max_connections,
            public_url,
            log_level,
            log_format,
            site_root,
            hash_files,
            shutdown_grace,
        })
    }

    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

// Hand-written so that the database URL (and later the upstream token) can
// never reach a log line through `{:?}`.
impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("listen_addr", &self.listen_addr)
            .field("database_url", &"<redacted>")
            .field("database_password", &self.database_password)
            .field("database_max_connections", &self.database_max_connections)
            .field("public_url", &self.public_url)
            .field("log_level", &self.log_level)
            .field("log_format", &self.log_format)
            .field("site_root", &self.site_root)
            .field("hash_files", &self.hash_files)
            .field("shutdown_grace", &self.shutdown_grace)
            .field("upstream", &self.upstream)
            .field("profile_fresh_for", &self.profile_fresh_for)
            .field("profile_not_found_for", &self.profile_not_found_for)
            .field("profile_memory_for", &self.profile_memory_for)
            .field("image_hosts", &self.image_hosts)
            .field("image_fetches_at_once", &self.image_fetches_at_once)
            .field("waitlist_signups_per_hour", &self.waitlist_signups_per_hour)
            .field("searches_per_minute", &self.searches_per_minute)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("request_timeout", &self.request_timeout)
            .field("drain", &self.drain)
            .field("metrics_token", &self.metrics_token)
            .finish()
    }
}

fn upstream_from(get: &dyn Fn(&str) -> Option<String>) -> Result<UpstreamConfig, ConfigError> {
    let custom_base = get("CLUBHOUSE_BASE_URL");
    let base_url =
        custom_base.clone().unwrap_or_else(|| SIMULATOR_BASE_URL.to_owned()).trim_end_matches('/').to_owned();
    if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
        return Err(ConfigError {
            var: "CLUBHOUSE_BASE_URL",
            reason: format!("expected an http:// or https:// URL, got {base_url:?}"),
        });
    }
    // The simulator's token is the default only while the simulator is the
    // upstream: a real API never silently gets a made-up token.
    let token = match (secret(get, "CLUBHOUSE_TOKEN")?, custom_base.is_some()) {
        (Some(token), _) => token,
        (None, false) => SIMULATOR_TOKEN.to_owned(),
        (None, true) => {
            return Err(ConfigError {
                var: "CLUBHOUSE_TOKEN",
                reason: "required (or CLUBHOUSE_TOKEN_FILE) when CLUBHOUSE_BASE_URL is set".into(),
            })
        }
    };
    if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(ConfigError {
            var: "CLUBHOUSE_TOKEN",
            reason: "must not contain spaces or control characters".into(),
        });
    }
    let user_id = match get("CLUBHOUSE_USER_ID") {
        Some(v) => Some(parse_shown("CLUBHOUSE_USER_ID", &v, "expected a numeric Clubhouse user id")?),
        None if custom_base.is_none() => Some(SIMULATOR_USER_ID),
        None => None,
    };
    let device_id = get("CLUBHOUSE_DEVICE_ID").unwrap_or_else(|| DEFAULT_DEVICE_ID.to_owned());
    let header_safe = |var: &'static str, value: String| {
        if value.bytes().all(|b| b.is_ascii_graphic()) {
            Ok(value)
        } else {
            Err(ConfigError { var, reason: format!("expected printable ASCII without spaces, got {value:?}") })
        }
    };
    let ms = |var: &'static str, default: u64, min: u64, max: u64| -> Result<Duration, ConfigError> {
        Ok(Duration::from_millis(match get(var) {
            Some(v) => parse_range(var, &v, min, max)?,
            None => default,
        }))
    };
    let secs = |var: &'static str, default: u64| -> Result<Duration, ConfigError> {
        Ok(Duration::from_secs(match get(var) {
            Some(v) => parse_range(var, &v, 0, 86_400)?,
            None => default,
        }))
    };
    Ok(UpstreamConfig {
        base_url,
        token: Secret::new(token),
        user_id,
        device_id: header_safe("CLUBHOUSE_DEVICE_ID", device_id)?,
        app_build: header_safe("CLUBHOUSE_APP_BUILD", get("CLUBHOUSE_APP_BUILD").unwrap_or_else(|| "3389".into()))?,
        app_version: header_safe(
            "CLUBHOUSE_APP_VERSION",
            get("CLUBHOUSE_APP_VERSION").unwrap_or_else(|| "1.0.1".into()),
        )?,
        locale: header_safe("CLUBHOUSE_LOCALE", get("CLUBHOUSE_LOCALE").unwrap_or_else(|| "en_US".into()))?,
        timeout: ms("CLUBHOUSE_TIMEOUT_MS", 8_000, 100, 120_000)?,
        limiter: LimiterSettings {
            interval: ms("CLUBHOUSE_MIN_INTERVAL_MS", 2_000, 0, 600_000)?,
            burst: match get("CLUBHOUSE_BURST") {
                Some(v) => parse_range("CLUBHOUSE_BURST", &v, 1, 1000)?,
                None => 5,
            },
            max_concurrent: match get("CLUBHOUSE_MAX_CONCURRENT") {
                Some(v) => parse_range("CLUBHOUSE_MAX_CONCURRENT", &v, 1, 256)?,
                None => 2,
            },
            max_wait: ms("CLUBHOUSE_MAX_WAIT_MS", 3_000, 0, 600_000)?,
        },
        auth_pause: secs("CLUBHOUSE_AUTH_PAUSE_SECS", 900)?,
        high_usage_pause: secs("CLUBHOUSE_HIGH_USAGE_PAUSE_SECS", 300)?,
        rate_limit_pause: secs("CLUBHOUSE_RATE_LIMIT_PAUSE_SECS", 30)?,
        backoff_base: ms("CLUBHOUSE_BACKOFF_BASE_MS", 1_000, 1, 600_000)?,
        backoff_max: ms("CLUBHOUSE_BACKOFF_MAX_MS", 60_000, 1, 3_600_000)?,
        max_body_bytes: 4 * 1024 * 1024,
    })
}

/// `NAME`, or the content of the file `NAME_FILE` names (Docker secrets),
/// but not both.
fn secret(get: &dyn Fn(&str) -> Option<String>, name: &'static str) -> Result<Option<String>, ConfigError> {
    let file_var: &'static str = match name {
        "CLUBHOUSE_TOKEN" => "CLUBHOUSE_TOKEN_FILE",
        "METRICS_TOKEN" => "METRICS_TOKEN_FILE",
        _ => unreachable!("every secret has a _FILE variable"),
    };
    match (get(name), get(file_var)) {
        (Some(_), Some(_)) => {
            Err(ConfigError { var: file_var, reason: format!("set either {name} or {file_var}, not both") })
        }
        (Some(value), None) => Ok(Some(value)),
        (None, path) => file_secret(file_var, path),
    }
}

/// Reads a secret from a file, without its trailing newline. The error names
/// the path, never the content.
fn file_secret(var: &'static str, path: Option<String>) -> Result<Option<String>, ConfigError> {
    let Some(path) = path else { return Ok(None) };
    let content = std::fs::read_to_string(&path)
        .map_err(|e| ConfigError { var, reason: format!("cannot read {path:?}: {e}") })?;
    let value = content.trim_end_matches(['\n', '\r']).to_owned();
    if value.is_empty() {
        return Err(ConfigError { var, reason: format!("{path:?} is empty") });
    }
    Ok(Some(value))
}

fn parse_shown<T: FromStr>(var: &'static str, value: &str, expected: &str) -> Result<T, ConfigError> {
    value.parse().map_err(|_| ConfigError { var, reason: format!("{expected}; got {value:?}") })
}

fn parse_range<T>(var: &'static str, value: &str, min: T, max: T) -> Result<T, ConfigError>
where
    T: FromStr + PartialOrd + fmt::Display + Copy,
{
    let n: T = parse_shown(var, value, &format!("expected a whole number from {min} to {max}"))?;
    if n < min || n > max {
        return Err(ConfigError { var, reason: format!("expected a whole number from {min} to {max}; got {value:?}") });
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_fit_the_local_run() {
        let c = config(&[]).unwrap();
        assert_eq!(c.listen_addr.to_string(), "127.0.0.1:3000");
        assert_eq!(c.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(c.public_url, "http://localhost:3000");
        assert_eq!(c.log_format, LogFormat::Text);
        assert!(!c.secure_cookies());
    }

    #[test]
    fn reads_values() {
        let c = config(&[
            ("LEPTOS_SITE_ADDR", "0.0.0.0:8080"),
            ("PUBLIC_URL", "https://inssa.club/"),
            ("LOG_FORMAT", "json"),
            ("DATABASE_MAX_CONNECTIONS", "25"),
        ])
        .unwrap();
        assert_eq!(c.listen_addr.port(), 8080);
        assert_eq!(c.public_url, "https://inssa.club");
        assert_eq!(c.log_format, LogFormat::Json);
        assert_eq!(c.database_max_connections, 25);
        assert!(c.secure_cookies());
    }

    #[test]
    fn bad_values_name_the_variable() {
        let cases = [
            ("LISTEN_ADDR", "localhost"),
            ("DATABASE_URL", "mysql://x"),
            ("DATABASE_MAX_CONNECTIONS", "0"),
            ("DATABASE_MAX_CONNECTIONS", "many"),
            ("LOG_FORMAT", "xml"),
            ("LOG_LEVEL", "[[["),
            ("PUBLIC_URL", "inssa.club"),
            ("SHUTDOWN_GRACE_SECS", "-1"),
            ("CLUBHOUSE_BASE_URL", "ftp://x"),
            ("CLUBHOUSE_USER_ID", "me"),
            ("CLUBHOUSE_BURST", "0"),
            ("CLUBHOUSE_MIN_INTERVAL_MS", "fast"),
            ("CLUBHOUSE_TIMEOUT_MS", "5"),
            ("CLUBHOUSE_DEVICE_ID", "has space"),
            ("PROFILE_FRESH_SECS", "two hours"),
            ("IMAGE_HOSTS", "https://evil.example/"),
            ("WAITLIST_SIGNUPS_PER_HOUR", "0"),
            ("TRUSTED_PROXIES", "10.0.0.1,nginx"),
            ("TRUSTED_PROXIES", "10.0.0.0/33"),
            ("SEARCHES_PER_MINUTE", "0"),
            ("REQUEST_TIMEOUT_SECS", "0"),
            ("DRAIN_SECS", "soon"),
            ("CLUBHOUSE_TOKEN_FILE", "/no/such/secret"),
            ("DATABASE_PASSWORD_FILE", "/no/such/secret"),
            ("METRICS_TOKEN", "has space"),
        ];
        for (var, value) in cases {
            let err = config(&[(var, value)]).expect_err(var);
            assert_eq!(err.var, var, "{value}");
            assert!(err.to_string().starts_with(&format!("invalid {var}: ")), "{err}");
        }
    }

    #[test]
    fn the_simulator_is_the_default_upstream() {
        let c = config(&[]).unwrap();
        assert_eq!(c.upstream.base_url, SIMULATOR_BASE_URL);
        assert_eq!(c.upstream.token.expose(), "sim-token");
        assert_eq!(c.upstream.user_id, Some(910000000));
    }

    #[test]
    fn another_upstream_needs_its_own_token() {
        let err = config(&[("CLUBHOUSE_BASE_URL", "https://www.clubhouseapi.com/api/")]).unwrap_err();
        assert_eq!(err.var, "CLUBHOUSE_TOKEN");
        let c = config(&[
            ("CLUBHOUSE_BASE_URL", "https://www.clubhouseapi.com/api/"),
            ("CLUBHOUSE_TOKEN", "0123456789abcdef0123456789abcdef01234567"),
            ("CLUBHOUSE_USER_ID", "1234"),
        ])
        .unwrap();
        assert_eq!(c.upstream.base_url, "https://www.clubhouseapi.com/api");
        assert_eq!(c.upstream.user_id, Some(1234));
    }

    #[test]
    fn secrets_stay_out_of_errors_and_debug() {
        let c = config(&[("CLUBHOUSE_TOKEN", "0123456789abcdef-secret")]).unwrap();
        assert!(!format!("{c:?} {c:#?}").contains("0123456789abcdef-secret"));
        let err = config(&[("DATABASE_URL", "mysql://user:hunter2@db/x")]).unwrap_err();
        assert!(!err.to_string().contains("hunter2"));
        let c = config(&[("DATABASE_URL", "postgres://user:hunter2@db/x")]).unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
    }

    #[test]
    fn trusted_proxies_take_networks() {
        let c = config(&[("TRUSTED_PROXIES", "10.20.0.0/24, 127.0.0.1, fd00::/8")]).unwrap();
        let trusted = |ip: &str| c.trusted_proxies.iter().any(|n| n.contains(ip.parse().unwrap()));
        assert!(trusted("10.20.0.7"));
        assert!(trusted("::ffff:10.20.0.255"), "an IPv4 peer on a dual-stack socket");
        assert!(!trusted("10.20.1.7"));
        assert!(trusted("127.0.0.1"));
        assert!(!trusted("127.0.0.2"));
        assert!(trusted("fd12::1"));
        assert!(!trusted("fe80::1"));
        let everyone = config(&[("TRUSTED_PROXIES", "0.0.0.0/0")]).unwrap();
        assert!(everyone.trusted_proxies[0].contains("203.0.113.9".parse().unwrap()));
    }

    #[test]
    fn secrets_can_come_from_files() {
        let dir = std::env::temp_dir().join(format!("inssa-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let token = dir.join("token");
        std::fs::write(&token, "file-token-123\n").unwrap();
        let password = dir.join("password");
        std::fs::write(&password, "pa ss:word\n").unwrap();
        let token_path = token.to_str().unwrap();
        let c = config(&[
            ("CLUBHOUSE_BASE_URL", "https://www.clubhouseapi.com/api"),
            ("CLUBHOUSE_TOKEN_FILE", token_path),
            ("DATABASE_PASSWORD_FILE", password.to_str().unwrap()),
        ])
        .unwrap();
        assert_eq!(c.upstream.token.expose(), "file-token-123");
        assert_eq!(c.database_password.as_ref().unwrap().expose(), "pa ss:word");
        assert!(!format!("{c:?}").contains("pa ss:word"));

        let both = config(&[("CLUBHOUSE_TOKEN", "x"), ("CLUBHOUSE_TOKEN_FILE", token_path)]).unwrap_err();
        assert_eq!(both.var, "CLUBHOUSE_TOKEN_FILE");
        std::fs::write(&token, "\n").unwrap();
        let empty = config(&[("CLUBHOUSE_TOKEN_FILE", token_path)]).unwrap_err();
        assert!(empty.to_string().contains("is empty"), "{empty}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    mod properties {
        use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

        use proptest::prelude::*;

        use super::IpNetwork;

        /// Whether `a` and `b` agree on their first `prefix` bits, bit by bit.
        fn same_prefix(a: u128, b: u128, bits: u32, prefix: u8) -> bool {
            (0..u32::from(prefix)).all(|i| (a >> (bits - 1 - i)) & 1 == (b >> (bits - 1 - i)) & 1)
        }

        proptest! {
            /// TRUSTED_PROXIES entries: any text parses or is refused without
            /// a panic; a network holds exactly the addresses that share its
            /// prefix, IPv4 peers seen as IPv4-mapped IPv6 included.
            #[test]
            fn networks_hold_exactly_the_addresses_under_their_prefix(
                text in any::<String>(),
                base in any::<u32>(),
                other in any::<u32>(),
                flip in 0u32..32,
                prefix in 0u8..=32,
                base6 in any::<u128>(),
                other6 in any::<u128>(),
                prefix6 in 0u8..=128,
            ) {
                let _ = text.parse::<IpNetwork>();
                let network: IpNetwork = format!("{}/{prefix}", Ipv4Addr::from(base)).parse().unwrap();
                for ip in [base, other, base ^ (1 << flip)] {
                    let inside = same_prefix(base.into(), ip.into(), 32, prefix);
                    prop_assert_eq!(network.contains(IpAddr::V4(ip.into())), inside);
                    prop_assert_eq!(network.contains(IpAddr::V6(Ipv4Addr::from(ip).to_ipv6_mapped())), inside);
                }
                let network6: IpNetwork = format!("{}/{prefix6}", Ipv6Addr::from(base6)).parse().unwrap();
                for ip in [base6, other6, base6 ^ (1 << (flip * 4))] {
                    prop_assert_eq!(network6.contains(IpAddr::V6(ip.into())), same_prefix(base6, ip, 128, prefix6));
                }
                let too_long = format!("{}/33", Ipv4Addr::from(base));
                prop_assert!(too_long.parse::<IpNetwork>().is_err());
            }
        }
    }
}
