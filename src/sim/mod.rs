//! Loopback simulators of the TTLock and Doordeck clouds, with real state
//! (accounts, expiring tokens, locks, passcodes, shares, the locks' own
//! records) and faults settable per lock at run time. Used by `lockdesk sim`,
//! `lockdesk demo` and the tests; they follow ../shared/PROVIDER-APIS.md.

pub mod doordeck;
pub mod seed;
pub mod ttlock;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::providers::settings::{DoordeckAccount, ProviderSettings, TtLockAccount};

/// A fault a lock (or its account) shows until cleared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    GatewayOffline,
    Busy,
    Slow(Duration),
    /// A change is applied at once, its answer sent only after the wait:
    /// the caller can die between the change and its log.
    SlowAnswer(Duration),
    ServerError,
    /// Every token of the lock's account expires now.
    TokenExpiry,
    RateLimit,
    /// The lock refuses the PINs it is sent.
    RefusePin,
    /// TTLock's passcode list answers without `pages`.
    ListNoPages,
    /// TTLock's passcode list answers with `pages` that is not an integer.
    ListPagesNotInteger,
    /// TTLock's passcode list reports a `total` larger than the codes it sends.
    ListTotalTooHigh,
    /// TTLock's passcode list holds one code more than lockdesk lists
    /// (filler codes after the lock's own).
    ListOverBound,
    /// Doordeck's users of the device hold one more than lockdesk lists
    /// (filler users after the device's own).
    UsersOverBound,
    /// The lock's battery reads 7 % (below the 10 % lockdesk refuses at).
    BatteryLow,
}

/// The battery a lock with `Fault::BatteryLow` reports, in percent.
pub const LOW_BATTERY_PCT: i64 = 7;

impl Fault {
    pub fn parse(s: &str) -> Option<Fault> {
        Some(match s {
            "gateway_offline" | "offline" => Fault::GatewayOffline,
            "busy" => Fault::Busy,
            "slow" => Fault::Slow(Duration::from_secs(20)),
            "slow_answer" => Fault::SlowAnswer(Duration::from_secs(20)),
            "server_error" | "5xx" => Fault::ServerError,
            "token_expiry" => Fault::TokenExpiry,
            "rate_limit" => Fault::RateLimit,
            "refuse_pin" => Fault::RefusePin,
            "list_no_pages" => Fault::ListNoPages,
            "list_pages_not_integer" => Fault::ListPagesNotInteger,
            "list_total_too_high" => Fault::ListTotalTooHigh,
            "list_over_bound" => Fault::ListOverBound,
            "users_over_bound" => Fault::UsersOverBound,
            "battery_low" => Fault::BatteryLow,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone)]
pub struct TtAccount {
    pub customer: i64,
    pub client_id: String,
    pub client_secret: String,
    pub username: String,
    pub password: String,
    pub uid: i64,
}

#[derive(Debug, Clone)]
pub struct TtLock {
    pub uid: i64,
    pub name: String,
    /// Passcodes as the API lists them (the real code and name inside).
    pub passcodes: Vec<Value>,
    pub records: Vec<Value>,
    /// The lock's clock minus real time.
    pub clock_offset_ms: i64,
    /// The gateway the lock is reached through (`None`: not on a gateway).
    pub gateway: Option<i64>,
    /// Battery, percent.
    pub battery: i64,
    /// When a remote unlock last opened it (ms); it locks itself again after
    /// `AUTO_LOCK_SECS`.
    pub unlocked_at_ms: Option<i64>,
}

/// A TTLock lock's auto-lock time, seconds (`lock/detail`'s `autoLockTime`).
pub const AUTO_LOCK_SECS: i64 = 5;

/// A TTLock gateway (G2): locks reach the cloud through it.
#[derive(Debug, Clone)]
pub struct TtGateway {
    pub uid: i64,
    pub name: String,
    pub mac: String,
    /// Off only when a test or `lockdesk sim fault` takes it down; a
    /// `gateway_offline` fault on any of its locks does the same.
    pub online: bool,
}

#[derive(Debug, Clone)]
pub struct DdAccount {
    pub customer: i64,
    pub email: String,
    pub password: String,
    pub user_id: String,
}

#[derive(Debug, Clone)]
pub struct DdDevice {
    pub owner: String,
    pub name: String,
    /// `{userId, email, displayName, publicKey, role, orphan}`.
    pub users: Vec<Value>,
    pub events: Vec<Value>,
    pub connected: bool,
    /// When an unlock operation last opened it (s); it locks itself again
    /// after its `unlockTime`.
    pub unlocked_at: Option<i64>,
}

/// Everything the two simulated clouds hold.
#[derive(Debug, Default)]
pub struct SimState {
    pub token_ttl_secs: i64,
    pub tt_accounts: Vec<TtAccount>,
    pub tt_tokens: HashMap<String, (i64, DateTime<Utc>)>,
    pub tt_refresh: HashMap<String, i64>,
    pub tt_locks: BTreeMap<i64, TtLock>,
    pub tt_gateways: BTreeMap<i64, TtGateway>,
    pub dd_accounts: Vec<DdAccount>,
    pub dd_tokens: HashMap<String, (String, DateTime<Utc>)>,
    pub dd_refresh: HashMap<String, String>,
    pub dd_devices: BTreeMap<String, DdDevice>,
    /// email → (user id, public key), for `/directory/query`.
    pub directory: HashMap<String, (String, String)>,
    pub jtis: HashSet<String>,
    /// By lock key (`TTLOCK:28991110`).
    pub faults: HashMap<String, Fault>,
    /// When each fault was set: an offline gateway was last seen then.
    pub fault_since: HashMap<String, DateTime<Utc>>,
    pub next_id: i64,
    pub rng_state: u64,
    /// Passcodes deleted, over all locks (what a test counts).
    pub tt_deletes: u64,
    /// Doordeck users revoked, over all devices (what a test counts).
    pub dd_revokes: u64,
    /// Requests served, over both clouds, and the most served at once.
    pub requests: u64,
    pub in_flight: u64,
    pub max_in_flight: u64,
    /// Device-state reads answered (TTLock `lock/detail`, Doordeck
    /// `GET /device/{id}`): one per probe, what a test counts.
    pub device_reads: u64,
    /// The world's clock minus this machine's: where the demo or a test
    /// pins the console's clock, the world (and so these clouds) was built
    /// at that time, and what the devices report of it — when a gateway
    /// was last seen, when a fault began — must be on the same clock, or a
    /// header would say "last seen" days after its probe.
    pub clock_offset: chrono::Duration,
}

impl SimState {
    pub fn new() -> SimState {
        SimState {
            token_ttl_secs: 7_776_000,
            next_id: 70_000_000,
            rng_state: 0x5EED,
            ..SimState::default()
        }
    }

    /// Now on the world's clock (`clock_offset`): the time the devices
    /// report facts of the world by. (Tokens, unlock timers and the locks'
    /// own clocks run on this machine's, as the console reads them.)
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.clock_offset
    }

    pub fn token(&mut self) -> String {
        let mut r = crate::seeds::Rng(
            self.rng_state ^ Utc::now().timestamp_nanos_opt().unwrap_or(0) as u64,
        );
        let t = r.hex32();
        self.rng_state = r.next_u64();
        t
    }

    pub fn fault(&self, lock_key: &str) -> Option<Fault> {
        self.faults.get(lock_key).copied()
    }

    /// Sets (or with `None` clears) a fault on one lock, by lock key.
    pub fn apply_fault(&mut self, lock_key: &str, fault: Option<Fault>) {
        match fault {
            Some(Fault::TokenExpiry) => {
                // Expire every token now; the fault itself does not linger.
                let past = Utc::now() - chrono::Duration::seconds(1);
                self.tt_tokens.values_mut().for_each(|t| t.1 = past);
                self.dd_tokens.values_mut().for_each(|t| t.1 = past);
            }
            Some(f) => {
                if self.faults.insert(lock_key.to_string(), f) != Some(f) {
                    let now = self.now();
                    self.fault_since.insert(lock_key.to_string(), now);
                }
            }
            None => {
                self.faults.remove(lock_key);
                self.fault_since.remove(lock_key);
            }
        }
    }

    /// Gives every TTLock lock without one a gateway of its own (G2, named
    /// after the lock's door), so that remote operations and the gateway
    /// reads have something to answer from.
    pub fn add_gateways(&mut self) {
        let mut next = 347_000_i64;
        let ids: Vec<i64> = self.tt_locks.keys().copied().collect();
        for id in ids {
            let Some(lock) = self.tt_locks.get_mut(&id) else {
                continue;
            };
            if lock.gateway.is_some() {
                continue;
            }
            while self.tt_gateways.contains_key(&next) {
                next += 1;
            }
            lock.gateway = Some(next);
            let b = next.to_be_bytes();
            self.tt_gateways.insert(
                next,
                TtGateway {
                    uid: lock.uid,
                    name: format!("G2_{}", lock.name),
                    mac: format!("DC:A4:{:02X}:{:02X}:{:02X}:{:02X}", b[4], b[5], b[6], b[7]),
                    online: true,
                },
            );
            next += 1;
        }
    }

    /// Whether a gateway is offline now, and since when: taken down itself,
    /// or through a `gateway_offline` fault on one of its locks.
    pub fn gateway_offline(&self, gateway: i64) -> Option<DateTime<Utc>> {
        let gw = self.tt_gateways.get(&gateway)?;
        let by_fault = self
            .tt_locks
            .iter()
            .filter(|(_, l)| l.gateway == Some(gateway))
            .map(|(id, _)| format!("TTLOCK:{id}"))
            .filter(|k| self.fault(k) == Some(Fault::GatewayOffline))
            .map(|k| {
                self.fault_since
                    .get(&k)
                    .copied()
                    .unwrap_or_else(|| self.now())
            })
            .min();
        match (gw.online, by_fault) {
            (_, Some(t)) => Some(t),
            (false, None) => Some(self.now()),
            (true, None) => None,
        }
    }

    /// A lock's battery as the lock reports it (a `battery_low` fault wins).
    pub fn battery(&self, lock_id: i64) -> i64 {
        if self.fault(&format!("TTLOCK:{lock_id}")) == Some(Fault::BatteryLow) {
            return LOW_BATTERY_PCT;
        }
        self.tt_locks.get(&lock_id).map_or(0, |l| l.battery)
    }

    /// The settings a console needs to reach these simulators with these accounts.
    pub fn provider_settings(&self, ttlock_url: &str, doordeck_url: &str) -> ProviderSettings {
        let mut s = ProviderSettings {
            ttlock_base_url: ttlock_url.to_string(),
            doordeck_base_url: doordeck_url.to_string(),
            timeout: Duration::from_secs(10),
            ..ProviderSettings::default()
        };
        for a in &self.tt_accounts {
            s.customers.entry(a.customer).or_default().ttlock = Some(TtLockAccount {
                base_url: ttlock_url.to_string(),
                client_id: a.client_id.clone(),
                client_secret: a.client_secret.clone(),
                username: a.username.clone(),
                password: a.password.clone(),
            });
        }
        for a in &self.dd_accounts {
            s.customers.entry(a.customer).or_default().doordeck = Some(DoordeckAccount {
                base_url: doordeck_url.to_string(),
                email: a.email.clone(),
                password: a.password.clone(),
            });
        }
        s
    }
}

/// A request as the handlers see it.
pub struct Req {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: HashMap<String, String>,
    pub body: Bytes,
}

impl Req {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
}

/// A response: status, content type and body.
pub struct Resp {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
}

impl Resp {
    pub fn json(status: u16, v: &Value) -> Resp {
        Resp {
            status,
            content_type: "application/json",
            body: v.to_string(),
        }
    }

    pub fn empty(status: u16) -> Resp {
        Resp {
            status,
            content_type: "application/json",
            body: String::new(),
        }
    }
}

pub type Shared = Arc<Mutex<SimState>>;

type Handler = fn(Shared, Req) -> std::pin::Pin<Box<dyn std::future::Future<Output = Resp> + Send>>;

async fn serve(listener: TcpListener, state: Shared, handler: Handler) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let state = state.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req: hyper::Request<Incoming>| {
                let state = state.clone();
                async move {
                    let (parts, body) = req.into_parts();
                    let body = body
                        .collect()
                        .await
                        .map(|b| b.to_bytes())
                        .unwrap_or_default();
                    let query = parts
                        .uri
                        .query()
                        .map(|q| {
                            serde_urlencoded::from_str::<Vec<(String, String)>>(q)
                                .unwrap_or_default()
                        })
                        .unwrap_or_default();
                    let headers = parts
                        .headers
                        .iter()
                        .map(|(k, v)| {
                            (
                                k.as_str().to_ascii_lowercase(),
                                v.to_str().unwrap_or("").to_string(),
                            )
                        })
                        .collect();
                    {
                        let mut st = self::state(&state);
                        st.requests += 1;
                        st.in_flight += 1;
                        st.max_in_flight = st.max_in_flight.max(st.in_flight);
                    }
                    let counted = state.clone();
                    let r = handler(
                        state,
                        Req {
                            method: parts.method.as_str().to_string(),
                            path: parts.uri.path().to_string(),
                            query,
                            headers,
                            body,
                        },
                    )
                    .await;
                    self::state(&counted).in_flight -= 1;
                    let resp = hyper::Response::builder()
                        .status(r.status)
                        .header("content-type", r.content_type)
                        .body(Full::new(Bytes::from(r.body)))
                        .unwrap_or_else(|_| hyper::Response::new(Full::new(Bytes::new())));
                    Ok::<_, Infallible>(resp)
                }
            });
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// Both simulators, running on loopback until dropped.
pub struct Sim {
    pub state: Shared,
    pub ttlock_url: String,
    pub doordeck_url: String,
    tasks: Vec<JoinHandle<()>>,
}

impl Sim {
    /// Starts both servers on free loopback ports.
    pub async fn start(state: SimState, activity: bool) -> std::io::Result<Sim> {
        let state = Arc::new(Mutex::new(state));
        let tt = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let dd = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let ttlock_url = format!("http://{}", tt.local_addr()?);
        let doordeck_url = format!("http://{}", dd.local_addr()?);
        let mut tasks = vec![
            tokio::spawn(serve(tt, state.clone(), |s, r| {
                Box::pin(ttlock::handle(s, r))
            })),
            tokio::spawn(serve(dd, state.clone(), |s, r| {
                Box::pin(doordeck::handle(s, r))
            })),
        ];
        if activity {
            tasks.push(tokio::spawn(seed::people_use_doors(state.clone())));
        }
        Ok(Sim {
            state,
            ttlock_url,
            doordeck_url,
            tasks,
        })
    }

    pub fn provider_settings(&self) -> ProviderSettings {
        self.lock()
            .provider_settings(&self.ttlock_url, &self.doordeck_url)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SimState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Sets (or with `None` clears) a fault on one lock, by lock key.
    pub fn set_fault(&self, lock_key: &str, fault: Option<Fault>) {
        self.lock().apply_fault(lock_key, fault);
    }

    pub fn set_token_ttl(&self, secs: i64) {
        self.lock().token_ttl_secs = secs;
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// `n` filler entries made by `one(i)` for the over-bound faults: one more
/// than lockdesk lists, together with what is already there.
pub fn fillers(have: usize, one: impl Fn(usize) -> Value) -> Vec<Value> {
    let want = crate::providers::listing::MAX_LIST_RECORDS + 1;
    (0..want.saturating_sub(have)).map(one).collect()
}

/// Locks the shared state, surviving a poisoned mutex (a panicked handler
/// must not take the whole simulator down).
pub fn state(s: &Shared) -> std::sync::MutexGuard<'_, SimState> {
    s.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::{Fault, SimState};
    use chrono::{Duration, Utc};

    #[test]
    fn faults_begin_on_the_worlds_clock() {
        let mut st = SimState::new();
        // A world built at a pinned time ten days ago.
        st.clock_offset = -Duration::days(10);
        st.apply_fault("TTLOCK:1", Some(Fault::GatewayOffline));
        let since = st.fault_since["TTLOCK:1"];
        let want = Utc::now() - Duration::days(10);
        assert!((want - since).abs() < Duration::minutes(1), "{since}");
        assert!((st.now() - want).abs() < Duration::minutes(1));
    }
}
