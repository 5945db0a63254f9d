//! `CLUBHOUSE_*`: where the upstream is, which accounts call it, and how
//! gently.

use secrecy::{ExposeSecret, SecretString};

use super::{LimiterSettings, UpstreamConfig};
use crate::config::{check_token, ConfigError, Env};

/// One Clubhouse account the server calls with. Each has its own budget,
/// pauses and ban state.
#[derive(Clone, Debug)]
pub struct UpstreamAccount {
    /// Names the account in `/readyz`, `/metrics`, logs and the shared
    /// budget's row: its user id, never anything secret.
    pub label: String,
    pub token: SecretString,
    /// `CH-UserID`.
    pub user_id: Option<u64>,
    /// A stable device id (`CH-DeviceId`), the one the token was issued to.
    pub device_id: String,
}

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
        let header_safe = |var: &'static str, default: &str| {
            let value = env.get(var).unwrap_or_else(|| default.to_owned());
            if value.bytes().all(|b| b.is_ascii_graphic()) {
                Ok(value)
            } else {
                Err(ConfigError::new(var, format!("expected printable ASCII without spaces, got {value:?}")))
            }
        };
        let accounts = match env.get("CLUBHOUSE_ACCOUNTS_FILE") {
            Some(path) => {
                if env.get("CLUBHOUSE_TOKEN").is_some() || env.get("CLUBHOUSE_TOKEN_FILE").is_some() {
                    return Err(ConfigError::new(
                        "CLUBHOUSE_ACCOUNTS_FILE",
                        "set either CLUBHOUSE_ACCOUNTS_FILE or CLUBHOUSE_TOKEN(_FILE), not both",
                    ));
                }
                let content = std::fs::read_to_string(&path)
                    .map_err(|e| ConfigError::new("CLUBHOUSE_ACCOUNTS_FILE", format!("cannot read {path:?}: {e}")))?;
                parse_accounts(&content)
                    .map_err(|reason| ConfigError::new("CLUBHOUSE_ACCOUNTS_FILE", format!("{path:?}: {reason}")))?
            }
            None => vec![single_account(
                env,
                custom_base.is_some(),
                header_safe("CLUBHOUSE_DEVICE_ID", DEFAULT_DEVICE_ID)?,
            )?],
        };
        Ok(UpstreamConfig {
            base_url,
            accounts,
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

/// The account of `CLUBHOUSE_TOKEN` / `CLUBHOUSE_USER_ID` / `CLUBHOUSE_DEVICE_ID`.
fn single_account(env: &Env, custom_base: bool, device_id: String) -> Result<UpstreamAccount, ConfigError> {
    // The simulator's token is the default only while the simulator is the
    // upstream: a real API never silently gets a made-up token.
    let token = match (env.secret("CLUBHOUSE_TOKEN", "CLUBHOUSE_TOKEN_FILE")?, custom_base) {
        (Some(token), _) => token,
        (None, false) => SecretString::from(SIMULATOR_TOKEN),
        (None, true) => {
            return Err(ConfigError::new(
                "CLUBHOUSE_TOKEN",
                "required (or CLUBHOUSE_TOKEN_FILE, or CLUBHOUSE_ACCOUNTS_FILE) when CLUBHOUSE_BASE_URL is set",
            ))
        }
    };
    check_token("CLUBHOUSE_TOKEN", token.expose_secret())?;
    let user_id = match env.parsed("CLUBHOUSE_USER_ID", "expected a numeric Clubhouse user id")? {
        Some(id) => Some(id),
        None if !custom_base => Some(SIMULATOR_USER_ID),
        None => None,
    };
    let label = user_id.map_or_else(|| "account-1".to_owned(), |id: u64| id.to_string());
    Ok(UpstreamAccount { label, token, user_id, device_id })
}

/// `CLUBHOUSE_ACCOUNTS_FILE`: one account a line, `user_id token device_id`
/// separated by spaces or tabs; blank lines and `#` comments are skipped.
/// Errors name the line, never its token.
pub fn parse_accounts(content: &str) -> Result<Vec<UpstreamAccount>, String> {
    let mut accounts: Vec<UpstreamAccount> = Vec::new();
    for (index, line) in content.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let n = index + 1;
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [user_id, token, device_id] = fields[..] else {
            return Err(format!("line {n}: expected three fields (user id, token, device id), found {}", fields.len()));
        };
        let user_id: u64 = user_id.parse().map_err(|_| format!("line {n}: the user id is not a number"))?;
        if !device_id.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(format!("line {n}: the device id must be printable ASCII"));
        }
        check_token("CLUBHOUSE_ACCOUNTS_FILE", token)
            .map_err(|_| format!("line {n}: the token has control characters"))?;
        let label = user_id.to_string();
        if accounts.iter().any(|a| a.label == label) {
            return Err(format!("line {n}: user id {user_id} is listed twice"));
        }
        accounts.push(UpstreamAccount {
            label,
            token: SecretString::from(token.to_owned()),
            user_id: Some(user_id),
            device_id: device_id.to_owned(),
        });
    }
    if accounts.is_empty() {
        return Err("no accounts in the file (one a line: user id, token, device id)".into());
    }
    Ok(accounts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_file_lines_parse_and_errors_name_the_line_not_the_token() {
        let accounts = parse_accounts("# pool\n\n910000001 tok-a DEV-A\n910000002\ttok-b   DEV-B\n").unwrap();
        let labels: Vec<&str> = accounts.iter().map(|a| a.label.as_str()).collect();
        assert_eq!(labels, ["910000001", "910000002"]);
        assert_eq!(accounts[1].token.expose_secret(), "tok-b");
        assert_eq!(accounts[1].device_id, "DEV-B");

        let err = parse_accounts("1 secret-token\n").unwrap_err();
        assert!(err.contains("line 1") && !err.contains("secret-token"), "{err}");
        let err = parse_accounts("1 a D\nx secret-token D\n").unwrap_err();
        assert!(err.contains("line 2") && !err.contains("secret-token"), "{err}");
        assert!(parse_accounts("1 a D\n1 b E\n").unwrap_err().contains("twice"));
        assert!(parse_accounts("# nothing\n").unwrap_err().contains("no accounts"));
    }

    #[test]
    fn the_accounts_file_replaces_the_single_account_variables() {
        let path = std::env::temp_dir().join(format!("inssa-accounts-{}", std::process::id()));
        std::fs::write(&path, "11 tok-a DEV-A\n12 tok-b DEV-B\n").unwrap();
        let file = path.to_string_lossy().into_owned();
        let config = |vars: &[(&str, &str)]| {
            let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            let lookup = move |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
            UpstreamConfig::from_env(&Env::new(&lookup))
        };
        let accounts = config(&[("CLUBHOUSE_ACCOUNTS_FILE", &file)]).unwrap().accounts;
        assert_eq!(accounts.iter().map(|a| a.label.as_str()).collect::<Vec<_>>(), ["11", "12"]);
        let both = config(&[("CLUBHOUSE_ACCOUNTS_FILE", &file), ("CLUBHOUSE_TOKEN", "t")]).unwrap_err();
        assert!(both.to_string().contains("not both"), "{both}");
        let missing = config(&[("CLUBHOUSE_ACCOUNTS_FILE", "/nonexistent/accounts")]).unwrap_err();
        assert!(missing.to_string().contains("CLUBHOUSE_ACCOUNTS_FILE"), "{missing}");
        // Without the file: the single account, as before.
        let single = config(&[]).unwrap().accounts;
        assert_eq!((single.len(), single[0].label.as_str()), (1, "910000000"));
        std::fs::remove_file(path).unwrap();
    }
}
