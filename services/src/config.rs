//! The one loader every part's settings are read with: environment
//! variables (12-factor), trimmed, with errors that name the variable and
//! never show a secret. Each area reads its own settings beside its code
//! (`db::DbConfig`, `upstream::UpstreamConfig`, `profiles::ProfileSettings`,
//! `waitlist::WaitlistSettings`, the server's HTTP settings); hand-written
//! because the crates that map environments onto structs (envy, config)
//! cannot say "a whole number from 1 to 1000" or read Docker secret files.

use std::{fmt, str::FromStr, time::Duration};

use secrecy::SecretString;

/// A variable with a value we cannot use. The value itself is only shown
/// for variables that cannot hold secrets.
#[derive(Debug, thiserror::Error)]
#[error("invalid {var}: {reason}")]
pub struct ConfigError {
    pub var: &'static str,
    pub reason: String,
}

impl ConfigError {
    pub fn new(var: &'static str, reason: impl Into<String>) -> ConfigError {
        ConfigError { var, reason: reason.into() }
    }
}

/// Where settings come from: the process environment, or a map in tests.
pub struct Env<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
}

impl<'a> Env<'a> {
    pub fn new(lookup: &'a dyn Fn(&str) -> Option<String>) -> Env<'a> {
        Env { lookup }
    }

    /// The trimmed value; empty counts as unset.
    pub fn get(&self, name: &str) -> Option<String> {
        (self.lookup)(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
    }

    /// A value parsed by `FromStr`; the error shows it (never use for secrets).
    pub fn parsed<T: FromStr>(&self, var: &'static str, expected: &str) -> Result<Option<T>, ConfigError> {
        self.get(var).map(|value| parse_shown(var, &value, expected)).transpose()
    }

    /// A whole number from `min` to `max`, `default` when unset.
    pub fn number<T>(&self, var: &'static str, default: T, min: T, max: T) -> Result<T, ConfigError>
    where
        T: FromStr + PartialOrd + fmt::Display + Copy,
    {
        match self.get(var) {
            Some(value) => parse_range(var, &value, min, max),
            None => Ok(default),
        }
    }

    /// Seconds from 0 to `max_secs`.
    pub fn secs(&self, var: &'static str, default_secs: u64, max_secs: u64) -> Result<Duration, ConfigError> {
        self.number(var, default_secs, 0, max_secs).map(Duration::from_secs)
    }

    /// Milliseconds from `min_ms` to `max_ms`.
    pub fn millis(
        &self,
        var: &'static str,
        default_ms: u64,
        min_ms: u64,
        max_ms: u64,
    ) -> Result<Duration, ConfigError> {
        self.number(var, default_ms, min_ms, max_ms).map(Duration::from_millis)
    }

    /// `NAME`, or the content of the file `NAME_FILE` names (Docker
    /// secrets), but not both.
    pub fn secret(&self, name: &'static str, file_var: &'static str) -> Result<Option<SecretString>, ConfigError> {
        match (self.get(name), self.get(file_var)) {
            (Some(_), Some(_)) => Err(ConfigError::new(file_var, format!("set either {name} or {file_var}, not both"))),
            (Some(value), None) => Ok(Some(SecretString::from(value))),
            (None, _) => self.secret_file(file_var),
        }
    }

    /// A secret read from the file `var` names, without its trailing
    /// newline. The error names the path, never the content.
    pub fn secret_file(&self, var: &'static str) -> Result<Option<SecretString>, ConfigError> {
        let Some(path) = self.get(var) else { return Ok(None) };
        let content =
            std::fs::read_to_string(&path).map_err(|e| ConfigError::new(var, format!("cannot read {path:?}: {e}")))?;
        let value = content.trim_end_matches(['\n', '\r']);
        if value.is_empty() {
            return Err(ConfigError::new(var, format!("{path:?} is empty")));
        }
        Ok(Some(SecretString::from(value.to_owned())))
    }
}

/// Refuses a token that could not travel in a header as it is.
pub fn check_token(var: &'static str, token: &str) -> Result<(), ConfigError> {
    if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(ConfigError::new(var, "must not contain spaces or control characters"));
    }
    Ok(())
}

fn parse_shown<T: FromStr>(var: &'static str, value: &str, expected: &str) -> Result<T, ConfigError> {
    value.parse().map_err(|_| ConfigError::new(var, format!("{expected}; got {value:?}")))
}

fn parse_range<T>(var: &'static str, value: &str, min: T, max: T) -> Result<T, ConfigError>
where
    T: FromStr + PartialOrd + fmt::Display + Copy,
{
    let expected = format!("expected a whole number from {min} to {max}");
    let n: T = parse_shown(var, value, &expected)?;
    if n < min || n > max {
        return Err(ConfigError::new(var, format!("{expected}; got {value:?}")));
    }
    Ok(n)
}
