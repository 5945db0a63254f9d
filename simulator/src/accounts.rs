//! Several service accounts, one token each: which token a call came with,
//! that token's own minute limit and ban switch, and what it has been
//! answered. Accounts are named by their user id, never by their token, so
//! that nothing the simulator shows or logs can leak one.

use std::{
    collections::{HashMap, VecDeque},
    sync::Mutex,
};

use serde::{Deserialize, Serialize};

use crate::SimConfig;

/// An account besides the default one (`SimConfig::token`/`user_id`).
#[derive(Clone, PartialEq, Eq)]
pub struct SimAccount {
    /// The account's label in stats and in `/_sim/accounts/{label}`.
    pub user_id: u64,
    /// The `Authorization: Token …` value of the account.
    pub token: String,
    /// Calls allowed in any 60 seconds; `None` takes `SimConfig::calls_per_minute`.
    pub calls_per_minute: Option<u32>,
}

// By hand, so that a token never reaches a log line through `{:?}`.
impl std::fmt::Debug for SimAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimAccount")
            .field("user_id", &self.user_id)
            .field("token", &"<redacted>")
            .field("calls_per_minute", &self.calls_per_minute)
            .finish()
    }
}

/// What one account has been answered since the last reset.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountStats {
    /// The account's user id.
    pub label: u64,
    /// The account's own ban switch (the global `banned` fault is apart).
    pub banned: bool,
    /// Calls that got an answer from the application: past authentication,
    /// bans, throttling and injected errors (the high-usage and malformed
    /// faults are the application's answers, so those calls count).
    pub calls: u64,
    /// 429s from the account's own minute limit.
    pub throttled: u64,
    /// 403s while banned, by its own switch or by the global fault.
    pub refused: u64,
    /// When each counted call arrived, in ms since the simulator started;
    /// the last [`CALL_TIMES_KEPT`] of them.
    pub call_times_ms: Vec<u64>,
}

/// Call times kept per account; older ones are dropped first.
pub const CALL_TIMES_KEPT: usize = 10_000;

/// The span of the per-token limit.
const WINDOW_MS: u64 = 60_000;

pub(crate) struct Accounts {
    list: Vec<Account>,
    by_token: HashMap<String, usize>,
}

struct Account {
    label: u64,
    calls_per_minute: Option<u32>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    banned: bool,
    calls: u64,
    throttled: u64,
    refused: u64,
    call_times_ms: VecDeque<u64>,
    /// Admitted calls of the last minute. Kept apart from the stats: a reset
    /// of the counters does not give an account its quota back, as it would
    /// not upstream.
    window: VecDeque<u64>,
}

impl Accounts {
    /// The default account first, then `config.accounts` in order. A
    /// repeated (label, token) pair is the same account; `SimConfig::validate`
    /// refuses any other repetition.
    pub fn new(config: &SimConfig) -> Accounts {
        let default = SimAccount { user_id: config.user_id, token: config.token.clone(), calls_per_minute: None };
        let mut accounts = Accounts { list: Vec::new(), by_token: HashMap::new() };
        for account in std::iter::once(&default).chain(&config.accounts) {
            if accounts.by_token.contains_key(&account.token) {
                continue;
            }
            accounts.by_token.insert(account.token.clone(), accounts.list.len());
            accounts.list.push(Account {
                label: account.user_id,
                calls_per_minute: account.calls_per_minute.or(config.calls_per_minute),
                state: Mutex::new(State::default()),
            });
        }
        accounts
    }

    /// The account a token belongs to.
    pub fn find(&self, token: &str) -> Option<usize> {
        self.by_token.get(token).copied()
    }

    pub fn label(&self, account: usize) -> u64 {
        self.list[account].label
    }

    /// `text` with every accepted token replaced, for messages that echo input.
    pub fn redact(&self, text: &str) -> String {
        self.by_token.keys().fold(text.to_owned(), |text, token| text.replace(token.as_str(), "<token>"))
    }

    fn state(&self, account: usize) -> std::sync::MutexGuard<'_, State> {
        self.list[account].state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// True, and counted as refused, if the account may not call now.
    pub fn refuse_if_banned(&self, account: usize, banned_everywhere: bool) -> bool {
        let mut state = self.state(account);
        if banned_everywhere || state.banned {
            state.refused += 1;
            return true;
        }
        false
    }

    /// Takes a place in the account's minute, or gives the seconds until one
    /// frees up (counted as throttled).
    pub fn admit(&self, account: usize, now_ms: u64) -> Result<(), u64> {
        let Some(limit) = self.list[account].calls_per_minute else { return Ok(()) };
        let mut state = self.state(account);
        while state.window.front().is_some_and(|&t| now_ms.saturating_sub(t) >= WINDOW_MS) {
            state.window.pop_front();
        }
        if state.window.len() < limit as usize {
            state.window.push_back(now_ms);
            return Ok(());
        }
        state.throttled += 1;
        let frees_at = state.window.front().map_or(now_ms + WINDOW_MS, |&t| t + WINDOW_MS);
        Err(frees_at.saturating_sub(now_ms).div_ceil(1000).max(1))
    }

    pub fn count_call(&self, account: usize, arrived_ms: u64) {
        let mut state = self.state(account);
        state.calls += 1;
        if state.call_times_ms.len() >= CALL_TIMES_KEPT {
            state.call_times_ms.pop_front();
        }
        state.call_times_ms.push_back(arrived_ms);
    }

    /// False if no account has the label.
    pub fn set_banned(&self, label: u64, banned: bool) -> bool {
        let Some(account) = self.list.iter().position(|a| a.label == label) else { return false };
        self.state(account).banned = banned;
        true
    }

    pub fn stats(&self) -> Vec<AccountStats> {
        (0..self.list.len()).map(|i| self.stats_of(i)).collect()
    }

    pub fn stats_by_label(&self, label: u64) -> Option<AccountStats> {
        self.list.iter().position(|a| a.label == label).map(|i| self.stats_of(i))
    }

    fn stats_of(&self, account: usize) -> AccountStats {
        let state = self.state(account);
        AccountStats {
            label: self.list[account].label,
            banned: state.banned,
            calls: state.calls,
            throttled: state.throttled,
            refused: state.refused,
            call_times_ms: state.call_times_ms.iter().copied().collect(),
        }
    }

    /// Clears the stats; bans and the minute windows stay.
    pub fn reset(&self) {
        for account in 0..self.list.len() {
            let mut state = self.state(account);
            state.calls = 0;
            state.throttled = 0;
            state.refused = 0;
            state.call_times_ms.clear();
        }
    }
}

/// Reads an accounts file as the app's `CLUBHOUSE_ACCOUNTS_FILE` has it: one
/// `user_id token device_id` a line, separated by whitespace; blank lines and
/// lines starting with `#` are skipped. The device id is checked for being
/// there and otherwise ignored. Errors name the line, never its text (it
/// holds a token).
pub fn parse_accounts_file(text: &str) -> Result<Vec<SimAccount>, String> {
    let mut accounts: Vec<SimAccount> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [user_id, token, _device_id] = fields[..] else {
            return Err(format!(
                "line {number}: expected three fields, user_id token device_id, found {}",
                fields.len()
            ));
        };
        let user_id = user_id
            .parse::<u64>()
            .ok()
            .filter(|&id| id > 0)
            .ok_or_else(|| format!("line {number}: the user id is not a positive whole number"))?;
        if accounts.iter().any(|a| a.user_id == user_id) {
            return Err(format!("line {number}: user id {user_id} is already on an earlier line"));
        }
        if accounts.iter().any(|a| a.token == token) {
            return Err(format!("line {number}: the token is already on an earlier line"));
        }
        accounts.push(SimAccount { user_id, token: token.to_owned(), calls_per_minute: None });
    }
    Ok(accounts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(accounts: Vec<SimAccount>, calls_per_minute: Option<u32>) -> SimConfig {
        SimConfig { accounts, calls_per_minute, ..SimConfig::default() }
    }

    #[test]
    fn the_accounts_file_parses_and_names_bad_lines() {
        let text = "# user_id token device_id\n\n910000001 tok-one dev-1\n  910000002\ttok-two   dev-2  \n";
        let accounts = parse_accounts_file(text).unwrap();
        assert_eq!(
            accounts,
            vec![
                SimAccount { user_id: 910000001, token: "tok-one".into(), calls_per_minute: None },
                SimAccount { user_id: 910000002, token: "tok-two".into(), calls_per_minute: None },
            ]
        );
        assert_eq!(parse_accounts_file("").unwrap(), vec![]);
        for (text, line) in [
            ("910000001 secret-token\n", "line 1:"),
            ("# ok\n910000001 secret-token dev extra\n", "line 2:"),
            ("\n\nsecret-token 910000001 dev\n", "line 3:"),
            ("910000001 secret-token dev\n910000001 other-token dev\n", "line 2:"),
            ("910000001 secret-token dev\n910000002 secret-token dev\n", "line 2:"),
        ] {
            let error = parse_accounts_file(text).unwrap_err();
            assert!(error.starts_with(line), "{error}");
            assert!(!error.contains("secret-token"), "the token is never shown: {error}");
        }
    }

    #[test]
    fn the_debug_form_hides_the_token() {
        let account = SimAccount { user_id: 1, token: "secret-token".into(), calls_per_minute: Some(3) };
        assert!(!format!("{account:?}").contains("secret-token"));
    }

    #[test]
    fn the_minute_limit_slides() {
        let accounts = Accounts::new(&config(
            vec![SimAccount { user_id: 7, token: "seven".into(), calls_per_minute: Some(2) }],
            None,
        ));
        let seven = accounts.find("seven").unwrap();
        assert_eq!(accounts.admit(seven, 1_000), Ok(()));
        assert_eq!(accounts.admit(seven, 30_000), Ok(()));
        assert_eq!(accounts.admit(seven, 30_500), Err(31), "the first call leaves the window at 61 s");
        assert_eq!(accounts.admit(seven, 60_999), Err(1), "at least a second");
        assert_eq!(accounts.admit(seven, 61_000), Ok(()));
        let default = accounts.find("sim-token").unwrap();
        for t in 0..100 {
            assert_eq!(accounts.admit(default, t), Ok(()), "no limit unless configured");
        }
        assert_eq!(accounts.stats_by_label(7).unwrap().throttled, 2);
        accounts.reset();
        assert_eq!(accounts.stats_by_label(7).unwrap().throttled, 0);
        assert_eq!(accounts.admit(seven, 61_001), Err(29), "a reset keeps the window");
    }

    #[test]
    fn the_shared_limit_applies_where_an_account_has_none() {
        let accounts = Accounts::new(&config(
            vec![
                SimAccount { user_id: 7, token: "seven".into(), calls_per_minute: None },
                SimAccount { user_id: 8, token: "eight".into(), calls_per_minute: Some(3) },
            ],
            Some(1),
        ));
        let admitted =
            |token: &str| (0..5).filter(|&t| accounts.admit(accounts.find(token).unwrap(), t).is_ok()).count();
        assert_eq!((admitted("sim-token"), admitted("seven"), admitted("eight")), (1, 1, 3));
    }

    #[test]
    fn call_times_keep_the_latest() {
        let accounts = Accounts::new(&SimConfig::default());
        for t in 0..(CALL_TIMES_KEPT as u64 + 5) {
            accounts.count_call(0, t);
        }
        let stats = &accounts.stats()[0];
        assert_eq!(stats.calls, CALL_TIMES_KEPT as u64 + 5);
        assert_eq!(stats.call_times_ms.len(), CALL_TIMES_KEPT);
        assert_eq!(stats.call_times_ms[0], 5);
    }
}
