//! `CLUBHOUSE_*`: where the upstream is and how gently to call it.

use secrecy::SecretString;

use super::{LimiterSettings, UpstreamConfig};
use crate::config::{check_token, ConfigError, Env};

/// The simulator the run command starts, and its well-known test account.
/// Not secrets: the simulator accepts nothing else and holds invented people.
pub const SIMULATOR_BASE_URL: &str = "http://127.0.0.1:4010/api";
const SIMULATOR_TOKEN: &str = "sim-token";
const SIMULATOR_USER_ID: u64 = 910000000;
const DEFAULT_DEVICE_ID: &str = "5B9E0F4A-7C1D-4E2B-9A3F-6D8C1B2E4F70";

impl UpstreamConfig {
    pub fn from_env(env: &Env) -> Result<UpstreamConfig, ConfigError> {
        let custom_base = env.get("CLUBHOUSE_BASE_URL");
        let base_url =
            custom_base.clone().unwrap_or_else(|| SIMULATOR_BASE_URL.to_owned()).trim_end_matches('/').to_owned();
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(ConfigError::new(
                "CLUBHOUSE_BASE_URL",
                format!("expected an http:// or https:// URL, got {base_url:?}"),
            ));
        }
        // The simulator's token is the default only while the simulator is the
        // upstream: a real API never silently gets a made-up token.
        let token = match (env.secret("CLUBHOUSE_TOKEN", "CLUBHOUSE_TOKEN_FILE")?, custom_base.is_some()) {
            (Some(token), _) => token,
            (None, false) => SecretString::from(SIMULATOR_TOKEN),
            (None, true) => {
                return Err(ConfigError::new(
                    "CLUBHOUSE_TOKEN",
                    "required (or CLUBHOUSE_TOKEN_FILE) when CLUBHOUSE_BASE_URL is set",
                ))
            }
        };
        check_token("CLUBHOUSE_TOKEN", secrecy::ExposeSecret::expose_secret(&token))?;
        let user_id = match env.parsed("CLUBHOUSE_USER_ID", "expected a numeric Clubhouse user id")? {
            Some(id) => Some(id),
            None if custom_base.is_none() => Some(SIMULATOR_USER_ID),
            None => None,
        };
        let header_safe = |var: &'static str, default: &str| {
            let value = env.get(var).unwrap_or_else(|| default.to_owned());
            if value.bytes().all(|b| b.is_ascii_graphic()) {
                Ok(value)
            } else {
                Err(ConfigError::new(var, format!("expected printable ASCII without spaces, got {value:?}")))
            }
        };
        Ok(UpstreamConfig {
            base_url,
            token,
            user_id,
            device_id: header_safe("CLUBHOUSE_DEVICE_ID", DEFAULT_DEVICE_ID)?,
            app_build: header_safe("CLUBHOUSE_APP_BUILD", "3389")?,
            app_version: header_safe("CLUBHOUSE_APP_VERSION", "1.0.1")?,
            locale: header_safe("CLUBHOUSE_LOCALE", "en_US")?,
            timeout: env.millis("CLUBHOUSE_TIMEOUT_MS", 8_000, 100, 120_000)?,
            limiter: LimiterSettings {
                interval: env.millis("CLUBHOUSE_MIN_INTERVAL_MS", 2_000, 0, 600_000)?,
                burst: env.number("CLUBHOUSE_BURST", 5, 1, 1000)?,
                max_concurrent: env.number("CLUBHOUSE_MAX_CONCURRENT", 2, 1, 256)?,
                max_wait: env.millis("CLUBHOUSE_MAX_WAIT_MS", 3_000, 0, 600_000)?,
            },
            auth_pause: env.secs("CLUBHOUSE_AUTH_PAUSE_SECS", 900, 86_400)?,
            high_usage_pause: env.secs("CLUBHOUSE_HIGH_USAGE_PAUSE_SECS", 300, 86_400)?,
            rate_limit_pause: env.secs("CLUBHOUSE_RATE_LIMIT_PAUSE_SECS", 30, 86_400)?,
            backoff_base: env.millis("CLUBHOUSE_BACKOFF_BASE_MS", 1_000, 1, 600_000)?,
            backoff_max: env.millis("CLUBHOUSE_BACKOFF_MAX_MS", 60_000, 1, 3_600_000)?,
            max_body_bytes: 4 * 1024 * 1024,
        })
    }

    /// Whether calls go to the simulator the run command starts.
    pub fn is_simulator(&self) -> bool {
        self.base_url == SIMULATOR_BASE_URL
    }
}
