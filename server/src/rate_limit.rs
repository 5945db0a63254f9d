//! Per-client limits (waitlist signups, searches), kept in this replica's
//! memory: each replica allows the limit, which is fine for a handful of
//! replicas and needs no shared state.

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::Mutex,
    time::{Duration, Instant},
};

/// At most `limit` events per client address per window.
pub struct ClientLimiter {
    limit: u32,
    window: Duration,
    seen: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

/// Entries kept before expired ones are swept.
const SWEEP_AT: usize = 10_000;

impl ClientLimiter {
    pub fn new(limit: u32, window: Duration) -> ClientLimiter {
        ClientLimiter { limit, window, seen: Mutex::new(HashMap::new()) }
    }

    /// Counts one event; `Err` holds how long until the client may try again.
    pub fn check(&self, ip: IpAddr) -> Result<(), Duration> {
        let now = Instant::now();
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if seen.len() >= SWEEP_AT {
            let window = self.window;
            seen.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let entry = seen.entry(ip).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        if entry.1 >= self.limit {
            return Err(self.window.saturating_sub(now.duration_since(entry.0)));
        }
        entry.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_each_address_separately() {
        let limiter = ClientLimiter::new(2, Duration::from_secs(60));
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        assert!(limiter.check(a).is_ok());
        assert!(limiter.check(a).is_ok());
        let wait = limiter.check(a).unwrap_err();
        assert!(wait > Duration::from_secs(55) && wait <= Duration::from_secs(60));
        assert!(limiter.check(b).is_ok());
    }

    #[test]
    fn the_window_resets() {
        let limiter = ClientLimiter::new(1, Duration::from_millis(30));
        let a: IpAddr = "::1".parse().unwrap();
        assert!(limiter.check(a).is_ok());
        assert!(limiter.check(a).is_err());
        std::thread::sleep(Duration::from_millis(40));
        assert!(limiter.check(a).is_ok());
    }
}
