//! Pacing for every upstream call of the process: a GCRA rate limit (one
//! call per `interval` on average, up to `burst` back to back), a cap on
//! concurrent calls, and pauses after the upstream pushes back.
//!
//! Hand-written rather than governor (which does GCRA): the pauses after a
//! 429, "high usage" or a refused token, each with its reason for `/readyz`,
//! the cap on calls in flight and the bounded wait for a turn are one state
//! that governor does not hold.

use std::{
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use tokio::{
    sync::{OwnedSemaphorePermit, Semaphore},
    time::Instant,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LimiterSettings {
    /// Average spacing of calls.
    pub interval: Duration,
    /// Calls allowed back to back after a quiet period.
    pub burst: u32,
    /// Calls in flight at once.
    pub max_concurrent: usize,
    /// The longest a caller waits for its turn; beyond that it is refused at
    /// once, so a page can fall back to its cache instead of hanging.
    pub max_wait: Duration,
}

/// Who a call is for, most urgent first. A lower priority may only take a
/// turn that leaves some of the burst for the ones above it, and waits less
/// (refreshes and background work not at all), so it never books the slots
/// a visitor arriving next would need.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    /// A visitor's first view of a profile (nothing cached).
    FirstView,
    /// A search: may cost a call on every query.
    Search,
    /// The refresh of a stale profile, which is served meanwhile.
    Refresh,
    /// Work no one waits for: requests of a client past its share of the
    /// budget (and, later, the history scheduler).
    Background,
}

impl Priority {
    /// Calls of the burst this priority leaves unused for the ones above.
    pub fn headroom(self, burst: u32) -> u32 {
        let wanted = match self {
            Priority::FirstView => 0,
            Priority::Search => 1,
            Priority::Refresh => burst.div_ceil(2),
            Priority::Background => burst,
        };
        wanted.min(burst - 1)
    }

    /// How long a caller of this priority may wait for its turn.
    pub fn max_wait(self, max_wait: Duration) -> Duration {
        match self {
            Priority::FirstView => max_wait,
            Priority::Search => max_wait / 2,
            Priority::Refresh | Priority::Background => Duration::ZERO,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::FirstView => "first_view",
            Priority::Search => "search",
            Priority::Refresh => "refresh",
            Priority::Background => "background",
        }
    }
}

impl LimiterSettings {
    /// GCRA's tolerance for `priority`: how far ahead of the schedule a call may start.
    pub fn tolerance(&self, priority: Priority) -> Duration {
        self.interval * (self.burst - 1 - priority.headroom(self.burst))
    }
}

/// Why calls are paused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PauseReason {
    RateLimited,
    Failing,
    Unauthorized { status: u16 },
}

impl PauseReason {
    pub fn as_str(self) -> &'static str {
        match self {
            PauseReason::RateLimited => "rate_limited",
            PauseReason::Failing => "failing",
            PauseReason::Unauthorized { .. } => "unauthorized",
        }
    }

    /// How the shared budget stores it (`unauthorized:403`).
    pub fn to_stored(self) -> String {
        match self {
            PauseReason::Unauthorized { status } => format!("unauthorized:{status}"),
            other => other.as_str().to_owned(),
        }
    }

    pub fn from_stored(stored: &str) -> PauseReason {
        match stored.split_once(':') {
            Some(("unauthorized", status)) => PauseReason::Unauthorized { status: status.parse().unwrap_or(401) },
            _ if stored == "rate_limited" => PauseReason::RateLimited,
            _ => PauseReason::Failing,
        }
    }
}

/// A caller that did not get a turn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Denied {
    Paused { remaining: Duration, reason: PauseReason },
    Busy { wait: Duration },
}

pub struct Limiter {
    settings: LimiterSettings,
    schedule: Mutex<Schedule>,
    concurrency: Arc<Semaphore>,
    waits: AtomicU64,
    denials: AtomicU64,
}

struct Schedule {
    /// GCRA's theoretical arrival time of the next call.
    tat: Instant,
    pause: Option<(Instant, PauseReason)>,
}

/// Held while a call is in flight.
pub struct Permit {
    _slot: OwnedSemaphorePermit,
    scheduled_at: Instant,
}

impl Permit {
    /// The start time the rate limit granted this call.
    pub fn scheduled_at(&self) -> Instant {
        self.scheduled_at
    }
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct LimiterSnapshot {
    pub in_flight: usize,
    pub paused_for_ms: Option<u64>,
    pub pause_reason: Option<&'static str>,
    /// Callers that had to wait for their turn, since start.
    pub waits: u64,
    /// Callers refused because the wait would be too long or calls are paused.
    pub denials: u64,
}

impl Limiter {
    pub fn new(settings: LimiterSettings) -> Limiter {
        let settings = LimiterSettings {
            burst: settings.burst.max(1),
            max_concurrent: settings.max_concurrent.max(1),
            ..settings
        };
        Limiter {
            settings,
            schedule: Mutex::new(Schedule { tat: Instant::now(), pause: None }),
            concurrency: Arc::new(Semaphore::new(settings.max_concurrent)),
            waits: AtomicU64::new(0),
            denials: AtomicU64::new(0),
        }
    }

    pub fn settings(&self) -> LimiterSettings {
        self.settings
    }

    /// Waits for a first view's turn (at most `max_wait`) and a free slot.
    pub async fn acquire(&self) -> Result<Permit, Denied> {
        self.acquire_for(Priority::FirstView).await
    }

    /// Waits for this caller's turn (at most its priority's wait) and a free slot.
    pub async fn acquire_for(&self, priority: Priority) -> Result<Permit, Denied> {
        let now = Instant::now();
        let deadline = now + priority.max_wait(self.settings.max_wait);
        let start_at = self.reserve(now, priority).inspect_err(|_| {
            self.denials.fetch_add(1, Ordering::Relaxed);
        })?;
        self.start_at(start_at, deadline).await
    }

    /// Sleeps until `start_at` (a turn booked here or in the shared budget),
    /// then takes a slot, waiting for one until `deadline` at most.
    pub async fn start_at(&self, start_at: Instant, deadline: Instant) -> Result<Permit, Denied> {
        if start_at > Instant::now() {
            self.waits.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep_until(start_at).await;
        }
        let remaining = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(remaining, self.concurrency.clone().acquire_owned()).await {
            Ok(Ok(slot)) => Ok(Permit { _slot: slot, scheduled_at: start_at }),
            _ => {
                self.denials.fetch_add(1, Ordering::Relaxed);
                Err(Denied::Busy { wait: self.settings.interval })
            }
        }
    }

    /// When a call of `priority` could start, without booking it.
    pub fn next_start(&self, priority: Priority) -> Instant {
        let now = Instant::now();
        let schedule = self.schedule.lock().unwrap_or_else(|e| e.into_inner());
        Self::earliest(&schedule, now, self.settings.tolerance(priority)).0
    }

    /// The pause in force, if any.
    pub fn paused_until(&self) -> Option<(Instant, PauseReason)> {
        let now = Instant::now();
        self.schedule.lock().unwrap_or_else(|e| e.into_inner()).pause.filter(|(until, _)| *until > now)
    }

    /// The earliest start under GCRA and the pause, and the pause's reason
    /// when it is what holds the call back.
    fn earliest(schedule: &Schedule, now: Instant, tolerance: Duration) -> (Instant, Instant, Option<PauseReason>) {
        let (base, reason) = match schedule.pause {
            Some((until, reason)) if until > now => (until, Some(reason)),
            _ => (now, None),
        };
        let tat = schedule.tat.max(base);
        (tat.checked_sub(tolerance).unwrap_or(base).max(base), base, reason)
    }

    /// Books the earliest start time allowed by the rate and any pause.
    fn reserve(&self, now: Instant, priority: Priority) -> Result<Instant, Denied> {
        let mut schedule = self.schedule.lock().unwrap_or_else(|e| e.into_inner());
        let (start, base, reason) = Self::earliest(&schedule, now, self.settings.tolerance(priority));
        let wait = start - now;
        if wait > priority.max_wait(self.settings.max_wait) {
            return Err(match reason {
                Some(reason) => Denied::Paused { remaining: base - now, reason },
                None => Denied::Busy { wait },
            });
        }
        schedule.tat = schedule.tat.max(base) + self.settings.interval;
        Ok(start)
    }

    /// Moves this schedule past a call starting at `start` (booked in the
    /// shared budget), as if it had been booked here.
    pub fn follow(&self, start: Instant) {
        let mut schedule = self.schedule.lock().unwrap_or_else(|e| e.into_inner());
        schedule.tat = schedule.tat.max(start) + self.settings.interval;
    }

    /// Stops all calls for `duration` (a longer pause already set wins).
    pub fn pause(&self, duration: Duration, reason: PauseReason) {
        let until = Instant::now() + duration;
        let mut schedule = self.schedule.lock().unwrap_or_else(|e| e.into_inner());
        match schedule.pause {
            Some((current, _)) if current >= until => {}
            _ => schedule.pause = Some((until, reason)),
        }
    }

    /// Ends a pause early (after a success, for example).
    pub fn resume(&self) {
        self.schedule.lock().unwrap_or_else(|e| e.into_inner()).pause = None;
    }

    pub fn snapshot(&self) -> LimiterSnapshot {
        let now = Instant::now();
        let pause = self.schedule.lock().unwrap_or_else(|e| e.into_inner()).pause.filter(|(until, _)| *until > now);
        LimiterSnapshot {
            in_flight: self.settings.max_concurrent - self.concurrency.available_permits(),
            paused_for_ms: pause.map(|(until, _)| (until - now).as_millis() as u64),
            pause_reason: pause.map(|(_, reason)| reason.as_str()),
            waits: self.waits.load(Ordering::Relaxed),
            denials: self.denials.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(interval_ms: u64, burst: u32, max_concurrent: usize, max_wait_ms: u64) -> LimiterSettings {
        LimiterSettings {
            interval: Duration::from_millis(interval_ms),
            burst,
            max_concurrent,
            max_wait: Duration::from_millis(max_wait_ms),
        }
    }

    /// Concurrent callers never get more starts than burst + window/interval
    /// in any window, and are not held back longer than that requires.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_callers_keep_the_rate() {
        let limiter = Arc::new(Limiter::new(settings(20, 3, 100, 60_000)));
        let origin = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..40 {
            let limiter = limiter.clone();
            tasks.push(tokio::spawn(async move { limiter.acquire().await.unwrap().scheduled_at() }));
        }
        let mut starts = Vec::new();
        for t in tasks {
            starts.push(t.await.unwrap());
        }
        starts.sort();
        for (i, first) in starts.iter().enumerate() {
            for w_ms in [1u64, 10, 20, 50, 200] {
                let w = Duration::from_millis(w_ms);
                let in_window = starts[i..].iter().take_while(|s| **s < *first + w).count();
                assert!(in_window as u64 <= 3 + w_ms / 20, "{in_window} starts within {w_ms} ms");
            }
        }
        let span = starts[39] - origin;
        assert!(span <= Duration::from_millis(37 * 20 + 100), "{span:?}");
    }

    #[tokio::test]
    async fn refuses_at_once_when_the_wait_is_too_long() {
        let limiter = Limiter::new(settings(10_000, 1, 10, 500));
        let _first = limiter.acquire().await.unwrap();
        let before = Instant::now();
        assert!(matches!(limiter.acquire().await, Err(Denied::Busy { .. })));
        assert!(before.elapsed() < Duration::from_millis(100), "no waiting when it would be too long");
        assert_eq!(limiter.snapshot().denials, 1);
    }

    #[tokio::test]
    async fn a_pause_blocks_calls_until_it_ends() {
        let limiter = Limiter::new(settings(1, 5, 10, 1000));
        limiter.pause(Duration::from_secs(30), PauseReason::RateLimited);
        match limiter.acquire().await {
            Err(Denied::Paused { remaining, reason: PauseReason::RateLimited }) => {
                assert!(remaining > Duration::from_secs(29))
            }
            other => panic!("{:?}", other.map(|_| ())),
        }
        assert_eq!(limiter.snapshot().pause_reason, Some("rate_limited"));
        limiter.resume();
        assert!(limiter.acquire().await.is_ok());
        // A short pause within max_wait is waited out instead of refused.
        let before = Instant::now();
        limiter.pause(Duration::from_millis(300), PauseReason::Failing);
        assert!(limiter.acquire().await.is_ok());
        assert!(before.elapsed() >= Duration::from_millis(300));
    }

    /// Lower priorities leave part of the burst to the higher ones and
    /// never wait: after a refresh takes what it may, a first view still
    /// starts at once.
    #[tokio::test]
    async fn lower_priorities_leave_headroom_for_first_views() {
        let limiter = Limiter::new(settings(10_000, 4, 10, 1000));
        assert_eq!(Priority::Refresh.headroom(4), 2);
        assert!(limiter.acquire_for(Priority::Refresh).await.is_ok());
        assert!(limiter.acquire_for(Priority::Refresh).await.is_ok());
        assert!(matches!(limiter.acquire_for(Priority::Refresh).await, Err(Denied::Busy { .. })));
        assert!(matches!(limiter.acquire_for(Priority::Background).await, Err(Denied::Busy { .. })));
        assert!(limiter.acquire_for(Priority::Search).await.is_ok(), "a search may use all but one");
        assert!(matches!(limiter.acquire_for(Priority::Search).await, Err(Denied::Busy { .. })));
        let before = Instant::now();
        assert!(limiter.acquire().await.is_ok(), "the last call of the burst is a first view's");
        assert!(before.elapsed() < Duration::from_millis(100));
        // With a burst of one there is no headroom to keep.
        assert_eq!(Priority::Background.headroom(1), 0);
    }

    #[test]
    fn pause_reasons_survive_storage() {
        for reason in [PauseReason::RateLimited, PauseReason::Failing, PauseReason::Unauthorized { status: 403 }] {
            assert_eq!(PauseReason::from_stored(&reason.to_stored()), reason);
        }
    }

    #[tokio::test]
    async fn caps_concurrent_calls() {
        let limiter = Limiter::new(settings(1, 100, 2, 200));
        let a = limiter.acquire().await.unwrap();
        let _b = limiter.acquire().await.unwrap();
        assert_eq!(limiter.snapshot().in_flight, 2);
        assert!(matches!(limiter.acquire().await, Err(Denied::Busy { .. })));
        drop(a);
        assert!(limiter.acquire().await.is_ok());
    }
}
