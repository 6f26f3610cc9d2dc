//! Probes before acting (issue 28 §1): a device's state read once per lock
//! within `PROBE_DEADLINE`, at most `PER_ACCOUNT` at a time per provider
//! account, and kept `KEEP` per lock, so that a group retry of 300 jobs on 40
//! locks sends at most 40 probes. The cache ages by the monotonic clock; the
//! time a probe is *shown* with is the caller's (the database's) clock.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::sync::Semaphore;

use super::{CallRecord, DeviceState, PROBE_DEADLINE};

/// How long a probe's answer is used for the same lock.
pub const KEEP: Duration = Duration::from_secs(60);

/// Probes in flight at once per provider account (customer, provider).
pub const PER_ACCOUNT: usize = 4;

/// One probe's answer.
#[derive(Debug, Clone)]
pub struct Probed {
    /// `TTLOCK:28991110`.
    pub lock: String,
    /// When it was read, on the caller's clock (the database's).
    pub at: DateTime<Utc>,
    /// The state, or why it could not be read (then the action proceeds,
    /// marked "device state unknown").
    pub state: Result<DeviceState, String>,
    /// The calls it took, redacted (the log file's "look only" calls).
    pub calls: Vec<CallRecord>,
}

type Account = (Option<i64>, String);

/// The probes of one console (or test): the cache and the per-account limit.
#[derive(Default)]
pub struct Probes {
    kept: Mutex<HashMap<String, (Instant, Arc<Probed>)>>,
    /// One probe per lock at a time: a second asker waits for the first's answer.
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    accounts: Mutex<HashMap<Account, Arc<Semaphore>>>,
}

impl Probes {
    /// The kept answer for `lock`, while it is younger than `KEEP`.
    pub fn kept(&self, lock: &str) -> Option<Arc<Probed>> {
        let kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        kept.get(lock)
            .filter(|(t, _)| t.elapsed() < KEEP)
            .map(|(_, p)| p.clone())
    }

    fn keep(&self, p: Arc<Probed>) {
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        kept.retain(|_, (t, _)| t.elapsed() < KEEP);
        kept.insert(p.lock.clone(), (Instant::now(), p));
    }

    fn lock_gate(&self, lock: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut m = self.locks.lock().unwrap_or_else(|p| p.into_inner());
        m.entry(lock.to_string()).or_default().clone()
    }

    fn account_gate(&self, account: Account) -> Arc<Semaphore> {
        let mut m = self.accounts.lock().unwrap_or_else(|p| p.into_inner());
        m.entry(account)
            .or_insert_with(|| Arc::new(Semaphore::new(PER_ACCOUNT)))
            .clone()
    }

    /// The state of one lock: kept, or read now (one attempt, within
    /// `PROBE_DEADLINE`, waiting for one of the account's `PER_ACCOUNT`
    /// slots). `read` is the provider's `device_state`, or `Err` when there
    /// is no client for the lock.
    pub async fn probe<F>(
        &self,
        customer: Option<i64>,
        provider: &str,
        lock: &str,
        now: DateTime<Utc>,
        read: F,
    ) -> Arc<Probed>
    where
        F: std::future::Future<Output = (Result<DeviceState, String>, Vec<CallRecord>)>,
    {
        if let Some(p) = self.kept(lock) {
            return p;
        }
        let gate = self.lock_gate(lock);
        let _one = gate.lock().await;
        if let Some(p) = self.kept(lock) {
            return p;
        }
        let slots = self.account_gate((customer, provider.to_ascii_uppercase()));
        let started = Instant::now();
        let (state, calls) = match slots.acquire_owned().await {
            Ok(_slot) => {
                // Bounded twice: the client's own deadline, and this one.
                match tokio::time::timeout(PROBE_DEADLINE + Duration::from_millis(500), read).await
                {
                    Ok(r) => r,
                    Err(_) => (
                        Err(format!("no answer within {} s", PROBE_DEADLINE.as_secs())),
                        Vec::new(),
                    ),
                }
            }
            Err(_) => (Err("probes are closed".into()), Vec::new()),
        };
        // Shown at the time it was asked, on the caller's clock, plus the
        // wait for a slot.
        let waited = chrono::Duration::from_std(started.elapsed()).unwrap_or_default();
        let p = Arc::new(Probed {
            lock: lock.to_string(),
            at: now + waited,
            state,
            calls,
        });
        self.keep(p.clone());
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn at_most_four_at_a_time_per_account_and_one_per_lock() {
        let probes = Arc::new(Probes::default());
        let in_flight = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let reads = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for n in 0..30 {
            let (probes, in_flight, most, reads) = (
                probes.clone(),
                in_flight.clone(),
                most.clone(),
                reads.clone(),
            );
            tasks.push(tokio::spawn(async move {
                let lock = format!("TTLOCK:{}", n % 10);
                probes
                    .probe(Some(1), "TTLOCK", &lock, Utc::now(), async {
                        reads.fetch_add(1, Ordering::SeqCst);
                        let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        in_flight.fetch_sub(1, Ordering::SeqCst);
                        (Ok(DeviceState::empty("test")), Vec::new())
                    })
                    .await
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(reads.load(Ordering::SeqCst), 10, "one read per lock");
        assert!(most.load(Ordering::SeqCst) <= PER_ACCOUNT);
        assert!(probes.kept("TTLOCK:3").is_some());
    }
}
