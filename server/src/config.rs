//! The server's configuration: its own HTTP settings, and each service's
//! settings read by that service (`services::config::Env` is the loader).
//! Local defaults match the development run: a private Postgres and the
//! Clubhouse simulator.

use std::{
    env,
    net::{IpAddr, SocketAddr},
    time::Duration,
};

use ipnet::IpNet;
use secrecy::SecretString;
pub use services::config::ConfigError;
use services::{
    cards::CardSettings,
    config::{check_token, Env},
    db::DbConfig,
    mail::MailSettings,
    profiles::ProfileSettings,
    upstream::UpstreamConfig,
    waitlist::WaitlistSettings,
};

/// Everything the server reads from its environment.
#[derive(Clone, Debug)]
pub struct Config {
    /// `LISTEN_ADDR` (or `LEPTOS_SITE_ADDR`, which cargo-leptos sets).
    pub listen_addr: SocketAddr,
    /// `PUBLIC_URL`: the absolute address visitors use, for canonical links.
    pub public_url: String,
    /// `CONTACT_EMAIL`: the address `/about` gives for removal requests
    /// (default `privacy@` the public host).
    pub contact_email: String,
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
    /// `DRAIN_SECS`: after SIGTERM, how long the server keeps serving while
    /// reporting not-ready, so the proxy stops sending it new requests.
    pub drain: Duration,
    /// `REQUEST_TIMEOUT_SECS`: the longest a request may take before it is
    /// answered 503 (a slow upstream must not pile up connections).
    pub request_timeout: Duration,
    /// `TRUSTED_PROXIES`: peer addresses or networks (`10.0.0.0/24`) whose
    /// `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpNet>,
    /// `METRICS_TOKEN`: when set, `/metrics` needs `Authorization: Bearer <it>`.
    pub metrics_token: Option<SecretString>,
    /// `IMAGE_HOSTS`: hosts (`host` or `host:port`) the image proxy may fetch from.
    pub image_hosts: Vec<String>,
    /// `IMAGE_FETCHES_AT_ONCE`: outside image fetches in flight at a time (per replica).
    pub image_fetches_at_once: u32,
    /// `PAGE_MEMORY_MIB`: the budget of replayed pages, in bytes.
    pub page_memory_bytes: u64,
    /// `DATABASE_*`.
    pub database: DbConfig,
    /// `CLUBHOUSE_*`: the upstream API (the simulator by default).
    pub upstream: UpstreamConfig,
    /// `PROFILE_*`, `SEARCHES_PER_MINUTE`.
    pub profiles: ProfileSettings,
    /// `WAITLIST_*`, and the outbox's `MAIL_*` timings.
    pub waitlist: WaitlistSettings,
    /// `SMTP_*`, `MAIL_FROM`, `MAIL_TIMEOUT_SECS`: where mail goes (the local MailDev by default).
    pub mail: MailSettings,
    /// `CARD_*`: share cards.
    pub cards: CardSettings,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// The simulator's address, for the image allow-list while it is the upstream.
const SIMULATOR_HOST: &str = "127.0.0.1:4010";
/// Where Clubhouse keeps avatars and club photos.
const CLUBHOUSE_IMAGE_HOSTS: &[&str] =
    &["clubhouseprod.s3.amazonaws.com", "production-clubhouse-avatars.s3.amazonaws.com"];

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| env::var(name).ok())
    }

    /// Reads configuration through `lookup`, so tests need not touch the
    /// process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let env = Env::new(&lookup);
        let listen_addr = match env.get("LISTEN_ADDR").or_else(|| env.get("LEPTOS_SITE_ADDR")) {
            Some(v) => v.parse().map_err(|_| {
                ConfigError::new("LISTEN_ADDR", format!("expected host:port, e.g. 127.0.0.1:3000; got {v:?}"))
            })?,
            None => SocketAddr::from(([127, 0, 0, 1], 3000)),
        };
        let public_url = env
            .get("PUBLIC_URL")
            .unwrap_or_else(|| format!("http://localhost:{}", listen_addr.port()))
            .trim_end_matches('/')
            .to_owned();
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            return Err(ConfigError::new(
                "PUBLIC_URL",
                format!("expected an http:// or https:// URL, got {public_url:?}"),
            ));
        }
        let contact_email = match env.get("CONTACT_EMAIL") {
            Some(address) => address,
            None => {
                let host = public_url.split("://").nth(1).unwrap_or("").split([':', '/']).next().unwrap_or("");
                format!("privacy@{host}")
            }
        };
        // Shown as text and in a mailto: link, so only a plain address.
        let plain = |c: char| c.is_ascii_alphanumeric() || "@.-_+".contains(c);
        if contact_email.split('@').count() != 2 || contact_email.starts_with('@') || !contact_email.chars().all(plain)
        {
            return Err(ConfigError::new(
                "CONTACT_EMAIL",
                format!("expected a plain address such as privacy@example.com, got {contact_email:?}"),
            ));
        }
        let log_level = env.get("LOG_LEVEL").unwrap_or_else(|| "info".to_owned());
        if tracing_subscriber::EnvFilter::try_new(&log_level).is_err() {
            return Err(ConfigError::new(
                "LOG_LEVEL",
                format!("{log_level:?} is not a level or filter such as info, debug or server=debug,info"),
            ));
        }
        let log_format = match env.get("LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => return Err(ConfigError::new("LOG_FORMAT", format!("expected text or json, got {other:?}"))),
        };
        let upstream = UpstreamConfig::from_env(&env)?;
        let image_hosts = match env.get("IMAGE_HOSTS") {
            Some(list) => list.split(',').map(|h| h.trim().to_ascii_lowercase()).filter(|h| !h.is_empty()).collect(),
            None => {
                let mut hosts: Vec<String> = CLUBHOUSE_IMAGE_HOSTS.iter().map(|h| h.to_string()).collect();
                if upstream.is_simulator() {
                    hosts.push(SIMULATOR_HOST.to_owned());
                }
                hosts
            }
        };
        if let Some(host) = image_hosts.iter().find(|h| h.contains('/') || h.contains(char::is_whitespace)) {
            return Err(ConfigError::new("IMAGE_HOSTS", format!("expected host or host:port names, got {host:?}")));
        }
        let trusted_proxies = match env.get("TRUSTED_PROXIES") {
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|entry| {
                    parse_network(entry).ok_or_else(|| {
                        ConfigError::new(
                            "TRUSTED_PROXIES",
                            format!("expected comma-separated IP addresses or networks (10.0.0.0/24); got {entry:?}"),
                        )
                    })
                })
                .collect::<Result<Vec<_>, _>>()?,
            None => vec![],
        };
        let metrics_token = env.secret("METRICS_TOKEN", "METRICS_TOKEN_FILE")?;
        if let Some(token) = &metrics_token {
            check_token("METRICS_TOKEN", secrecy::ExposeSecret::expose_secret(token))?;
        }
        Ok(Config {
            listen_addr,
            public_url,
            contact_email,
            log_level,
            log_format,
            site_root: env.get("LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".to_owned()),
            hash_files: hash_files(&env)?,
            shutdown_grace: env.secs("SHUTDOWN_GRACE_SECS", 20, 3600)?,
            drain: env.secs("DRAIN_SECS", 5, 600)?,
            request_timeout: Duration::from_secs(env.number("REQUEST_TIMEOUT_SECS", 30, 1, 3600)?),
            trusted_proxies,
            metrics_token,
            image_hosts,
            image_fetches_at_once: env.number("IMAGE_FETCHES_AT_ONCE", 16, 1, 10_000)?,
            page_memory_bytes: env.number("PAGE_MEMORY_MIB", 48, 0, 64 * 1024)? << 20,
            database: DbConfig::from_env(&env)?,
            upstream,
            profiles: ProfileSettings::from_env(&env)?,
            waitlist: WaitlistSettings::from_env(&env)?,
            mail: MailSettings::from_env(&env)?,
            cards: CardSettings::from_env(&env)?,
        })
    }

    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

/// Leptos reads the hashes from `hash.txt` beside the binary on every
/// render and panics without it, so "true" must come with the file.
fn hash_files(env: &Env) -> Result<bool, ConfigError> {
    let hash_file_exists =
        std::env::current_exe().ok().and_then(|exe| Some(exe.parent()?.join("hash.txt").exists())).unwrap_or(false);
    match env.get("LEPTOS_HASH_FILES").as_deref() {
        Some("true") if hash_file_exists => Ok(true),
        Some("true") => Err(ConfigError::new(
            "LEPTOS_HASH_FILES",
            "true, but there is no hash.txt beside the server binary (build with cargo leptos)",
        )),
        Some("false") => Ok(false),
        Some(other) => Err(ConfigError::new("LEPTOS_HASH_FILES", format!("expected true or false, got {other:?}"))),
        None => Ok(hash_file_exists),
    }
}

/// `10.0.0.0/24` or a single address (a network of one).
pub fn parse_network(entry: &str) -> Option<IpNet> {
    entry.parse::<IpNet>().ok().or_else(|| entry.parse::<IpAddr>().ok().map(IpNet::from))
}

/// Whether `ip` is in `network`; an IPv4 peer may show up as
/// `::ffff:a.b.c.d` on a dual-stack socket, which ipnet does not map.
pub fn network_contains(network: &IpNet, ip: IpAddr) -> bool {
    let ip = match (network, ip) {
        (IpNet::V4(_), IpAddr::V6(v6)) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        _ => ip,
    };
    network.contains(&ip)
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_fit_the_local_run() {
        let c = config(&[]).unwrap();
        assert_eq!(c.listen_addr.to_string(), "127.0.0.1:3000");
        assert_eq!(c.database.url, services::db::DEFAULT_DATABASE_URL);
        assert_eq!(c.public_url, "http://localhost:3000");
        assert_eq!(c.contact_email, "privacy@localhost");
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
        assert_eq!(c.contact_email, "privacy@inssa.club");
        assert_eq!(c.log_format, LogFormat::Json);
        assert_eq!(c.database.max_connections, 25);
        assert!(c.secure_cookies());
    }

    #[test]
    fn bad_values_name_the_variable() {
        let cases = [
            ("CONTACT_EMAIL", "not an address"),
            ("CONTACT_EMAIL", "a@b@c"),
            ("CONTACT_EMAIL", "x@y\"><script>"),
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
        assert_eq!(c.upstream.base_url, services::upstream::SIMULATOR_BASE_URL);
        assert_eq!(c.upstream.accounts[0].token.expose_secret(), "sim-token");
        assert_eq!(c.upstream.accounts[0].user_id, Some(910000000));
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
        assert_eq!(c.upstream.accounts[0].user_id, Some(1234));
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
        let trusted = |ip: &str| c.trusted_proxies.iter().any(|n| network_contains(n, ip.parse().unwrap()));
        assert!(trusted("10.20.0.7"));
        assert!(trusted("::ffff:10.20.0.255"), "an IPv4 peer on a dual-stack socket");
        assert!(!trusted("10.20.1.7"));
        assert!(trusted("127.0.0.1"));
        assert!(!trusted("127.0.0.2"));
        assert!(trusted("fd12::1"));
        assert!(!trusted("fe80::1"));
        let everyone = config(&[("TRUSTED_PROXIES", "0.0.0.0/0")]).unwrap();
        assert!(network_contains(&everyone.trusted_proxies[0], "203.0.113.9".parse().unwrap()));
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
        assert_eq!(c.upstream.accounts[0].token.expose_secret(), "file-token-123");
        assert_eq!(c.database.password.as_ref().unwrap().expose_secret(), "pa ss:word");
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

        use super::{network_contains, parse_network};

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
                let _ = parse_network(&text);
                let network = parse_network(&format!("{}/{prefix}", Ipv4Addr::from(base))).unwrap();
                for ip in [base, other, base ^ (1 << flip)] {
                    let inside = same_prefix(base.into(), ip.into(), 32, prefix);
                    prop_assert_eq!(network_contains(&network, IpAddr::V4(ip.into())), inside);
                    prop_assert_eq!(network_contains(&network, IpAddr::V6(Ipv4Addr::from(ip).to_ipv6_mapped())), inside);
                }
                let network6 = parse_network(&format!("{}/{prefix6}", Ipv6Addr::from(base6))).unwrap();
                for ip in [base6, other6, base6 ^ (1 << (flip * 4))] {
                    prop_assert_eq!(network_contains(&network6, IpAddr::V6(ip.into())), same_prefix(base6, ip, 128, prefix6));
                }
                let too_long = format!("{}/33", Ipv4Addr::from(base));
                prop_assert!(parse_network(&too_long).is_none());
            }
        }
    }
}
