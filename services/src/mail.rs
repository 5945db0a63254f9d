//! Sending mail over SMTP (lettre): the settings, and one send that says
//! whether a failure is worth retrying. What is sent, and when, is the
//! waitlist's outbox (`waitlist::outbox`).

use std::time::Duration;

use lettre::{
    message::Mailbox,
    transport::smtp::{authentication::Credentials, PoolConfig},
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};
use secrecy::{ExposeSecret, SecretString};

use crate::config::{ConfigError, Env};

/// The local MailDev the run and test commands start.
const LOCAL_SMTP_URL: &str = "smtp://127.0.0.1:1025";
const LOCAL_SENDER: &str = "inssa <waitlist@localhost>";

/// `SMTP_*`, `MAIL_*`.
#[derive(Clone, Debug)]
pub struct MailSettings {
    /// `SMTP_URL`: `smtps://host:465` (TLS), `smtp://host:587?tls=required`
    /// (STARTTLS), or `smtp://host:port` (plain, local servers only); a user
    /// name may go before the host (`smtps://user@host`). No password: that
    /// is `SMTP_PASSWORD` or `SMTP_PASSWORD_FILE`.
    pub smtp_url: String,
    pub smtp_password: Option<SecretString>,
    /// `MAIL_FROM`: the sender, with its name (`inssa <waitlist@inssa.club>`).
    pub from: Mailbox,
    /// `MAIL_TIMEOUT_SECS`: the longest one SMTP conversation may take.
    pub timeout: Duration,
    /// `MAIL_CONNECTIONS`: SMTP connections kept open, and mails sent at once.
    /// lettre cannot set TCP_NODELAY, so each mail waits out a delayed ACK
    /// (about 40 ms) at the end of its data; throughput comes from sending
    /// several at once.
    pub connections: u32,
}

impl MailSettings {
    pub fn from_env(env: &Env) -> Result<MailSettings, ConfigError> {
        let smtp_url = env.get("SMTP_URL").unwrap_or_else(|| LOCAL_SMTP_URL.to_owned());
        if has_password(&smtp_url) {
            // Not shown: the value holds a password.
            return Err(ConfigError::new(
                "SMTP_URL",
                "must not contain a password; put it in SMTP_PASSWORD_FILE (or SMTP_PASSWORD)",
            ));
        }
        if let Err(e) = AsyncSmtpTransport::<Tokio1Executor>::from_url(&smtp_url) {
            return Err(ConfigError::new(
                "SMTP_URL",
                format!("expected smtp://host:port or smtps://host:port (with ?tls=required for STARTTLS); got {smtp_url:?}: {e}"),
            ));
        }
        let from_text = env.get("MAIL_FROM").unwrap_or_else(|| LOCAL_SENDER.to_owned());
        let from = from_text.parse::<Mailbox>().map_err(|_| {
            ConfigError::new(
                "MAIL_FROM",
                format!("expected an address with a name, e.g. inssa <waitlist@inssa.club>; got {from_text:?}"),
            )
        })?;
        Ok(MailSettings {
            smtp_url,
            smtp_password: env.secret("SMTP_PASSWORD", "SMTP_PASSWORD_FILE")?,
            from,
            timeout: env.secs("MAIL_TIMEOUT_SECS", 20, 600)?.max(Duration::from_secs(1)),
            connections: env.number("MAIL_CONNECTIONS", 8, 1, 100)?,
        })
    }
}

/// The `user[:password]` before the host in `scheme://user:password@host`.
fn userinfo(url: &str) -> Option<&str> {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next()?;
    authority.rsplit_once('@').map(|(userinfo, _)| userinfo)
}

fn has_password(url: &str) -> bool {
    userinfo(url).is_some_and(|u| u.contains(':'))
}

/// Why a mail was not sent.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The server is down, busy or said "try later" (4xx): send again later.
    #[error("mail not sent, will retry: {0}")]
    Transient(String),
    /// The server refused this mail (5xx), or it could not be built.
    #[error("mail refused: {0}")]
    Permanent(String),
}

/// The SMTP connection pool.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    connections: u32,
}

impl Mailer {
    /// Connects lazily: a server that is down now is only tried when there is mail.
    pub fn new(settings: &MailSettings) -> Mailer {
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(&settings.smtp_url)
            .expect("SMTP_URL was checked when the settings were read")
            .timeout(Some(settings.timeout))
            .pool_config(PoolConfig::new().max_size(settings.connections).idle_timeout(Duration::from_secs(30)));
        if let Some(password) = &settings.smtp_password {
            let user = user_of(&settings.smtp_url).unwrap_or_default();
            builder = builder.credentials(Credentials::new(user, password.expose_secret().to_owned()));
        }
        Mailer { transport: builder.build(), from: settings.from.clone(), connections: settings.connections }
    }

    /// How many mails to send at once.
    pub fn connections(&self) -> usize {
        self.connections as usize
    }

    pub fn sender(&self) -> &Mailbox {
        &self.from
    }

    pub async fn send(&self, message: Message) -> Result<(), SendError> {
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(SendError::Permanent(e.to_string())),
            // Connection refused, timeouts, TLS trouble and 4xx answers may
            // all pass: try again later.
            Err(e) => Err(SendError::Transient(e.to_string())),
        }
    }
}

/// The user name in `scheme://user@host`, percent-decoded.
fn user_of(url: &str) -> Option<String> {
    userinfo(url).map(|user| percent_encoding::percent_decode_str(user).decode_utf8_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Result<MailSettings, ConfigError> {
        let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let lookup = move |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        MailSettings::from_env(&Env::new(&lookup))
    }

    #[test]
    fn defaults_to_the_local_maildev() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.smtp_url, "smtp://127.0.0.1:1025");
        assert_eq!(s.from.to_string(), "inssa <waitlist@localhost>");
    }

    #[test]
    fn refuses_bad_values_clearly_without_showing_passwords() {
        let e = settings(&[("SMTP_URL", "smtps://me:hunter2@mail.example.com")]).unwrap_err();
        assert_eq!(e.var, "SMTP_URL");
        assert!(!e.to_string().contains("hunter2"), "{e}");
        let e = settings(&[("SMTP_URL", "http://mail.example.com")]).unwrap_err();
        assert!(e.to_string().contains("smtp://host:port"), "{e}");
        let e = settings(&[("MAIL_FROM", "not an address")]).unwrap_err();
        assert_eq!(e.var, "MAIL_FROM");
        assert!(settings(&[("SMTP_URL", "smtp://relay.example.com:587?tls=required")]).is_ok());
    }

    #[test]
    fn the_user_comes_from_the_url() {
        assert_eq!(user_of("smtps://mail%40inssa.club@smtp.example.com:465").as_deref(), Some("mail@inssa.club"));
        assert_eq!(user_of("smtp://smtp.example.com"), None);
        assert!(has_password("smtp://a:b@host"));
        assert!(!has_password("smtp://a@host:25"));
    }
}
