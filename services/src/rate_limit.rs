//! Per-client limits (waitlist signups, searches), kept in this replica's
//! memory: each replica allows the limit, which is fine for a handful of
//! replicas and needs no shared state.
//!
//! A client is an IPv4 address or an IPv6 /64: one home or server is handed
//! a whole /64, so keying on full IPv6 addresses would let it rotate past
//! any limit.
//!
//! Hand-written rather than governor's keyed limiter: governor's GCRA spreads
//! an allowance evenly (ten signups an hour become one per six minutes),
//! while a visitor may well sign up twice in a row and search in bursts; a
//! fixed window per client is what the limits promise.

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
    state: Mutex<State>,
}

struct State {
    seen: HashMap<IpAddr, (Instant, u32)>,
    /// Expired entries are swept when the map reaches this size. After a
    /// sweep it becomes twice what is left, so many live clients cost an
    /// occasional sweep rather than one on every check.
    sweep_at: usize,
}

/// The smallest map size that triggers a sweep.
const SWEEP_AT: usize = 10_000;

/// The key a client is counted under: an IPv4 address (IPv4-mapped IPv6
/// included) or the /64 network of an IPv6 address.
pub(crate) fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !u128::from(u64::MAX)).into()),
        },
    }
}

impl ClientLimiter {
    pub fn new(limit: u32, window: Duration) -> ClientLimiter {
        ClientLimiter { limit, window, state: Mutex::new(State { seen: HashMap::new(), sweep_at: SWEEP_AT }) }
    }

    /// Counts one event; `Err` holds how long until the client may try again.
    pub fn check(&self, ip: IpAddr) -> Result<(), Duration> {
        self.check_at(ip, Instant::now())
    }

    fn check_at(&self, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let State { seen, sweep_at } = &mut *state;
        if seen.len() >= *sweep_at {
            let window = self.window;
            seen.retain(|_, (start, _)| now.duration_since(*start) < window);
            *sweep_at = SWEEP_AT.max(seen.len() * 2);
        }
        let entry = seen.entry(client_key(ip)).or_insert((now, 0));
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
    fn an_ipv6_64_is_one_client() {
        let limiter = ClientLimiter::new(1, Duration::from_secs(60));
        let first: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let same_network: IpAddr = "2001:db8:1:2:ffff:ffff:ffff:ffff".parse().unwrap();
        let next_network: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert!(limiter.check(first).is_ok());
        assert!(limiter.check(same_network).is_err());
        assert!(limiter.check(next_network).is_ok());
    }

    #[test]
    fn an_ipv4_mapped_address_is_the_ipv4_client() {
        let limiter = ClientLimiter::new(1, Duration::from_secs(60));
        assert!(limiter.check("203.0.113.7".parse().unwrap()).is_ok());
        assert!(limiter.check("::ffff:203.0.113.7".parse().unwrap()).is_err());
        assert!(limiter.check("203.0.113.8".parse().unwrap()).is_ok());
    }

    #[test]
    fn many_live_clients_are_kept_and_expired_ones_swept() {
        let window = Duration::from_secs(60);
        let limiter = ClientLimiter::new(1, window);
        let client = |i: u32| IpAddr::from(std::net::Ipv4Addr::from(i));
        let start = Instant::now();
        let live = SWEEP_AT as u32 + 10;
        for i in 0..live {
            assert!(limiter.check_at(client(i), start).is_ok());
        }
        // Past the sweep size every live client is still counted, and the
        // next sweep waits until the map has doubled.
        assert!(limiter.check_at(client(0), start).is_err());
        assert!(limiter.check_at(client(live - 1), start).is_err());
        assert_eq!(limiter.state.lock().unwrap().sweep_at, 2 * SWEEP_AT);

        // A window later, the map fills to that size and is swept: the
        // expired clients go, the ones seen since stay.
        let later = start + window + Duration::from_millis(1);
        let newcomers = 2 * SWEEP_AT as u32 - live;
        for i in 0..newcomers {
            assert!(limiter.check_at(client(1_000_000 + i), later).is_ok());
        }
        assert!(limiter.check_at(client(0), later).is_ok(), "an expired client starts afresh");
        assert!(limiter.check_at(client(1_000_000), later).is_err(), "a newcomer is still counted");
        assert_eq!(limiter.state.lock().unwrap().seen.len(), newcomers as usize + 1);
    }

    #[test]
    fn the_window_resets() {
        let window = Duration::from_secs(60);
        let limiter = ClientLimiter::new(1, window);
        let a: IpAddr = "::1".parse().unwrap();
        let start = Instant::now();
        assert!(limiter.check_at(a, start).is_ok());
        assert_eq!(limiter.check_at(a, start + Duration::from_secs(59)), Err(Duration::from_secs(1)));
        assert!(limiter.check_at(a, start + window).is_ok());
    }
}
