//! Each visitor's share of the upstream budget. Only requests that cost
//! upstream calls count (first views of uncached profiles, searches, JSON
//! misses); cached pages never do. Within its share a client's requests get
//! their normal priority; past it they are served only from budget no one
//! else needs (the lowest priority, no waiting), and a client has only a
//! few such requests in flight at once (the others wait for a place, then
//! are told to retry): a flood of unknown usernames from one address cannot
//! book the turns the next visitor needs.
//!
//! Kept per replica, like the other per-client limits (`rate_limit`).

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::{rate_limit::ClientLimiter, upstream::Priority, ClientIp};

pub struct ClientShare {
    within_share: ClientLimiter,
    at_once: u32,
    /// Each client's places for requests in flight; a client with none in
    /// flight has no entry.
    places: Mutex<HashMap<IpAddr, Arc<Semaphore>>>,
}

/// A client's place while its upstream request runs; dropping it frees it.
pub struct ShareTicket<'a> {
    share: &'a ClientShare,
    place: Option<(IpAddr, OwnedSemaphorePermit)>,
    pub priority: Priority,
}

impl Drop for ShareTicket<'_> {
    fn drop(&mut self) {
        let Some((key, permit)) = self.place.take() else { return };
        drop(permit);
        self.share.forget_if_idle(key);
    }
}

/// Past this many clients, those with nothing in flight are swept out (a
/// waiter cancelled with its request leaves its entry behind).
const SWEEP_AT: usize = 10_000;

impl ClientShare {
    /// `per_minute` requests a minute at their own priority, `at_once` in flight.
    pub fn new(per_minute: u32, at_once: u32) -> ClientShare {
        ClientShare {
            within_share: ClientLimiter::new(per_minute, Duration::from_secs(60)),
            at_once: at_once.max(1),
            places: Mutex::new(HashMap::new()),
        }
    }

    /// Forgets a client once no request holds or awaits one of its places.
    fn forget_if_idle(&self, key: IpAddr) {
        let mut places = self.places.lock().unwrap_or_else(|e| e.into_inner());
        if places.get(&key).is_some_and(|s| Arc::strong_count(s) == 1) {
            places.remove(&key);
        }
    }

    /// A ticket for one request that may cost upstream calls at `priority`:
    /// it waits up to `wait` for one of the client's `at_once` places, or is
    /// `None` (told to retry). Without a known address (internal work) no
    /// share applies.
    pub async fn admit(&self, client: Option<ClientIp>, priority: Priority, wait: Duration) -> Option<ShareTicket<'_>> {
        let Some(ClientIp(ip)) = client else { return Some(ShareTicket { share: self, place: None, priority }) };
        let key = crate::rate_limit::client_key(ip);
        let places = {
            let mut all = self.places.lock().unwrap_or_else(|e| e.into_inner());
            if all.len() >= SWEEP_AT {
                all.retain(|_, s| Arc::strong_count(s) > 1);
            }
            all.entry(key).or_insert_with(|| Arc::new(Semaphore::new(self.at_once as usize))).clone()
        };
        let permit = tokio::time::timeout(wait, places.acquire_owned()).await;
        let Ok(Ok(permit)) = permit else {
            self.forget_if_idle(key);
            return None;
        };
        let priority = if self.within_share.check(ip).is_ok() { priority } else { Priority::Background };
        Some(ShareTicket { share: self, place: Some((key, permit)), priority })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Duration = Duration::ZERO;

    #[tokio::test]
    async fn past_its_share_a_client_goes_last_and_at_most_at_once_in_flight() {
        let share = ClientShare::new(2, 2);
        let flooder = Some(ClientIp("192.0.2.1".parse().unwrap()));
        let neighbour = Some(ClientIp("2001:db8::1".parse().unwrap()));
        let a = share.admit(flooder, Priority::FirstView, NOW).await.unwrap();
        let b = share.admit(flooder, Priority::FirstView, NOW).await.unwrap();
        assert_eq!((a.priority, b.priority), (Priority::FirstView, Priority::FirstView));
        assert!(share.admit(flooder, Priority::FirstView, NOW).await.is_none(), "two in flight at once");
        // A third waits for a place and gets the one freed.
        let (c, ()) = tokio::join!(share.admit(flooder, Priority::FirstView, Duration::from_secs(5)), async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            drop(a);
        });
        let c = c.unwrap();
        assert_eq!(c.priority, Priority::Background, "past its share of the minute");
        // Another client has its own share, counted for its whole IPv6 /64; no address, no share.
        let other_host_same_64 = Some(ClientIp("2001:db8::2".parse().unwrap()));
        assert_eq!(share.admit(neighbour, Priority::Search, NOW).await.unwrap().priority, Priority::Search);
        assert_eq!(share.admit(other_host_same_64, Priority::Search, NOW).await.unwrap().priority, Priority::Search);
        let third_of_that_64 = Some(ClientIp("2001:db8::3".parse().unwrap()));
        assert_eq!(share.admit(third_of_that_64, Priority::Search, NOW).await.unwrap().priority, Priority::Background);
        assert!(share.admit(None, Priority::FirstView, NOW).await.is_some());
        drop((b, c));
        assert!(share.places.lock().unwrap().is_empty(), "a client with nothing in flight is forgotten");
        // A client refused after waiting is forgotten too.
        let held =
            [share.admit(flooder, Priority::Search, NOW).await, share.admit(flooder, Priority::Search, NOW).await];
        assert!(share.admit(flooder, Priority::Search, Duration::from_millis(10)).await.is_none());
        drop(held);
        assert!(share.places.lock().unwrap().is_empty());
    }
}
