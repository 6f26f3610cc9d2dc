//! Refreshing a user's doors from their providers, on demand: each lock's
//! list and a week of its own records, at most `PER_ACCOUNT` calls at a time
//! per provider account, every list and page bounded (`providers::listing`,
//! `providers::MAX_PAGES`), answers kept `TTL_SECONDS` (by the database's
//! clock the caller passes) and every call logged as a look.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use futures_util::future::join_all;
use tokio::sync::Semaphore;

use super::records::{self, Who};
use super::{Listing, UserPins};
use crate::providers::settings::Providers;
use crate::providers::{self, LockEvent};

/// Calls at once per provider account.
pub const PER_ACCOUNT: usize = 4;
/// How long a lock's answers are reused.
pub const TTL_SECONDS: i64 = 60;
/// How far back the lock's own records are read.
pub const RECORD_DAYS: i64 = 7;

/// What one lock said, as kept: its list (ids and names, masked as read)
/// and its records.
#[derive(Debug, Clone)]
pub struct LockLive {
    pub read_at: DateTime<Utc>,
    /// `(id, name)` of each passcode or share; `Err`: why the list failed.
    pub listed: Result<Vec<(String, Option<String>)>, String>,
    pub records: Result<Vec<LockEvent>, String>,
}

/// Answers by lock key, shared by every refresh of a console.
#[derive(Debug, Default, Clone)]
pub struct Cache(Arc<Mutex<HashMap<String, LockLive>>>);

impl Cache {
    fn get(&self, key: &str, now: DateTime<Utc>) -> Option<LockLive> {
        let map = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.get(key)
            .filter(|l| now.signed_duration_since(l.read_at) < Duration::seconds(TTL_SECONDS))
            .cloned()
    }

    fn put(&self, key: String, live: LockLive) {
        let mut map = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.insert(key, live);
    }
}

async fn read(
    providers: &Providers,
    customer: Option<i64>,
    provider: &str,
    lock: &str,
    now: DateTime<Utc>,
) -> LockLive {
    let client = match providers.client(customer, provider) {
        Ok(c) => c,
        Err(e) => {
            let e = format!("{provider}: {e}");
            return LockLive {
                read_at: now,
                listed: Err(e.clone()),
                records: Err(e),
            };
        }
    };
    let listed = client.list_access(lock).await;
    listed.calls.iter().for_each(providers::log_look);
    let listed = match listed.result {
        Ok(l) if l.incomplete.is_none() => {
            Ok(l.items.into_iter().map(|a| (a.id, a.name)).collect())
        }
        Ok(l) => Err(format!(
            "the lock's list is incomplete ({})",
            l.incomplete.unwrap_or_default()
        )),
        Err(e) => Err(format!("{provider}: {e}")),
    };
    let from = now
        .checked_sub_signed(Duration::days(RECORD_DAYS))
        .unwrap_or(now);
    let trail = client.audit_trail(lock, from, now).await;
    trail.calls.iter().for_each(providers::log_look);
    LockLive {
        read_at: now,
        listed,
        records: trail.result.map_err(|e| format!("{provider}: {e}")),
    }
}

/// Reads the locks of `doors` (indices into `u.doors`; all when empty) from
/// their providers, or the cache, and lays the answers over the rows; then
/// decides every door again. Returns how many locks were read live.
pub async fn refresh(
    providers: &Providers,
    cache: &Cache,
    u: &mut UserPins,
    who: &Who,
    only: Option<i64>,
) -> usize {
    let now = u.now;
    let mut wanted: BTreeMap<String, (Option<i64>, String, String)> = BTreeMap::new();
    for d in u
        .doors
        .iter()
        .filter(|d| only.is_none_or(|o| o == d.door_id))
    {
        if let (Some(key), Some(ext)) = (d.lock_key(), d.external_id.clone()) {
            wanted.insert(key, (d.customer, d.provider.clone(), ext));
        }
    }
    let mut gates: HashMap<(Option<i64>, String), Arc<Semaphore>> = HashMap::new();
    let mut reads = Vec::new();
    let mut answers: HashMap<String, LockLive> = HashMap::new();
    for (key, (customer, provider, ext)) in wanted {
        if let Some(hit) = cache.get(&key, now) {
            answers.insert(key, hit);
            continue;
        }
        let gate = gates
            .entry((customer, provider.to_ascii_uppercase()))
            .or_insert_with(|| Arc::new(Semaphore::new(PER_ACCOUNT)))
            .clone();
        reads.push(async move {
            // A closed semaphore cannot happen (never closed); read anyway.
            let _permit = gate.acquire_owned().await.ok();
            let live = read(providers, customer, &provider, &ext, now).await;
            (key, live)
        });
    }
    let fresh = join_all(reads).await;
    let read_live = fresh.len();
    for (key, live) in fresh {
        cache.put(key.clone(), live.clone());
        answers.insert(key, live);
    }
    for d in &mut u.doors {
        let Some(live) = d.lock_key().and_then(|k| answers.get(&k)) else {
            continue;
        };
        let mut who = who.clone();
        who.vendor_ids = d
            .sync
            .iter()
            .filter_map(|s| s.vendor_pin_id.clone())
            .collect();
        d.listing = Some(match &live.listed {
            Ok(items) => {
                let page: Vec<serde_json::Value> = items
                    .iter()
                    .map(|(id, name)| serde_json::json!({"keyboardPwdId": id, "keyboardPwdName": name, "userId": id, "email": name}))
                    .collect();
                Listing {
                    log_id: None,
                    at: Some(live.read_at),
                    holds: Some(records::holds(&serde_json::Value::Array(page), &who)),
                    error: None,
                }
            }
            Err(e) => Listing {
                log_id: None,
                at: Some(live.read_at),
                holds: None,
                error: Some(e.clone()),
            },
        });
        if let Ok(events) = &live.records {
            let raws: Vec<&serde_json::Value> = events.iter().map(|e| &e.raw).collect();
            let (ok, failed) = records::uses(raws, &who);
            d.last_ok = ok.or(d.last_ok.take());
            d.last_failed = failed.or(d.last_failed.take());
            d.uses_read = true;
        }
    }
    u.decide_all();
    read_live
}
