//! Provider clients (TTLock, Doordeck) behind one trait the engine and the
//! console use. Every call is timed out, recorded in the seeds' request/response
//! shape, and redacted at the edge before anything else sees it.

pub mod doordeck;
pub mod health;
pub mod listing;
pub mod probe;
pub mod redact;
pub mod settings;
pub mod ttlock;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Once;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

pub use health::{DeviceState, GatewayState, PROBE_DEADLINE};
pub use listing::Listing;

pub type BoxFut<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One HTTP call as integration_logs stores it: already redacted.
#[derive(Debug, Clone, PartialEq)]
pub struct CallRecord {
    /// PASSCODE_LIST, PASSCODE_ADD, PASSCODE_DELETE, LOCK_SHARE, LOCK_REVOKE, AUDIT_TRAIL_FETCH…
    pub action: String,
    pub provider: &'static str,
    pub lock_id: Option<String>,
    /// `{base_host, method, path, payload, url}`.
    pub request: Value,
    pub response: Value,
    pub ok: bool,
    pub error: Option<String>,
    pub at: DateTime<Utc>,
}

impl CallRecord {
    pub fn request_json(base_host: &str, method: &str, path: &str, payload: &Value) -> Value {
        json!({
            "base_host": base_host,
            "method": method,
            "path": path,
            "payload": redact::value(payload),
            "url": format!("{base_host}{path}"),
        })
    }
}

/// What went wrong in a provider call, typed, with its documented meaning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderError {
    /// A TTLock business error (`errcode` ≠ 0).
    TtLock { code: i64, meaning: &'static str },
    /// An HTTP error status (Doordeck's main signal; TTLock 5xx).
    Http { status: u16, meaning: &'static str },
    /// No answer within the timeout.
    Timeout { seconds: u64 },
    /// The connection failed (URL removed from the message).
    Network(String),
    /// The answer was not what the API documents.
    Decode(String),
    /// lockdesk has no credentials or URL for this customer and provider.
    NotConfigured(String),
    /// The lock holds more than lockdesk lists (listing::MAX_LIST_*).
    OverBound(String),
}

impl ProviderError {
    /// Whether a change sent with this answer may still have reached the
    /// lock: no answer, a broken connection, an answer lockdesk could not
    /// read, or a server error. A provider's own refusal (an errcode, a 4xx)
    /// means nothing was changed.
    pub fn may_have_landed(&self) -> bool {
        match self {
            ProviderError::Timeout { .. }
            | ProviderError::Network(_)
            | ProviderError::Decode(_) => true,
            ProviderError::Http { status, .. } => *status >= 500,
            ProviderError::TtLock { .. }
            | ProviderError::NotConfigured(_)
            | ProviderError::OverBound(_) => false,
        }
    }
}

impl fmt::Display for ProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProviderError::TtLock { code, meaning } => {
                write!(f, "TTLock errcode {code}: {meaning}")
            }
            ProviderError::Http { status, meaning } => write!(f, "HTTP {status}: {meaning}"),
            ProviderError::Timeout { seconds } => write!(f, "no answer within {seconds} s"),
            ProviderError::Network(m) => write!(f, "network error: {m}"),
            ProviderError::Decode(m) => write!(f, "unexpected answer: {m}"),
            ProviderError::NotConfigured(m) => write!(f, "not configured: {m}"),
            ProviderError::OverBound(m) => write!(
                f,
                "the lock holds more than lockdesk lists ({m}); lockdesk plans and changes nothing on it"
            ),
        }
    }
}

impl std::error::Error for ProviderError {}

impl ProviderError {
    /// Busy and similar: the same request may simply be sent again.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ProviderError::TtLock {
                code: -3003 | -3037 | 1 | 90000,
                ..
            }
        ) || matches!(
            self,
            ProviderError::Http {
                status: 425 | 502 | 504,
                ..
            }
        )
    }

    /// The lock or its gateway cannot be reached.
    pub fn is_offline(&self) -> bool {
        matches!(
            self,
            ProviderError::TtLock {
                code: -2012 | -3002 | -3036 | -3034 | -3035,
                ..
            }
        ) || matches!(self, ProviderError::Http { status: 503, .. })
    }

    pub fn is_rate_limited(&self) -> bool {
        matches!(
            self,
            ProviderError::TtLock {
                code: 30006 | 30007,
                ..
            }
        ) || matches!(self, ProviderError::Http { status: 429, .. })
    }
}

/// The outcome of one logical operation and every call it took.
#[derive(Debug)]
pub struct Outcome<T> {
    pub result: Result<T, ProviderError>,
    pub calls: Vec<CallRecord>,
}

/// A passcode (TTLock) or a share (Doordeck) on a lock.
#[derive(Debug, Clone, PartialEq)]
pub struct LockAccess {
    /// keyboardPwdId, or the Doordeck user id.
    pub id: String,
    /// The name on the lock (`AB U9 C6`) or the user's email.
    pub name: Option<String>,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
}

/// What to put on a lock.
#[derive(Debug, Clone)]
pub struct Grant {
    /// `AB U{user} C{credential}`.
    pub name: String,
    /// The PIN (TTLock). Never logged: redaction masks it.
    pub pin: Option<String>,
    /// The Doordeck user to share with.
    pub user_email: Option<String>,
}

/// One event from the lock's own audit trail.
#[derive(Debug, Clone, PartialEq)]
pub struct LockEvent {
    pub at: DateTime<Utc>,
    /// Doordeck event type or TTLock record type, readable.
    pub kind: String,
    pub who: Option<String>,
    pub success: bool,
    /// The redacted item as the provider sent it.
    pub raw: Value,
}

/// One provider account, as the engine and console use it.
pub trait Provider: Send + Sync {
    fn name(&self) -> &'static str;
    /// Everything on the lock now (all pages, within listing's bounds), and
    /// whether that is the whole lock.
    fn list_access<'a>(&'a self, lock_id: &'a str) -> BoxFut<'a, Outcome<Listing>>;
    /// Puts a PIN (TTLock, via gateway) or a share (Doordeck) on the lock; returns its id.
    fn grant<'a>(&'a self, lock_id: &'a str, grant: &'a Grant) -> BoxFut<'a, Outcome<String>>;
    /// Removes a passcode or share by id.
    fn revoke<'a>(&'a self, lock_id: &'a str, access_id: &'a str) -> BoxFut<'a, Outcome<()>>;
    /// The lock's own audit trail between two times, newest first.
    fn audit_trail<'a>(
        &'a self,
        lock_id: &'a str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> BoxFut<'a, Outcome<Vec<LockEvent>>>;
    /// The lock's own clock, where the provider can tell.
    fn lock_time<'a>(&'a self, lock_id: &'a str) -> BoxFut<'a, Outcome<Option<DateTime<Utc>>>>;
    /// Can the lock be reached right now? (TTLock: a gateway round trip.)
    fn probe<'a>(&'a self, lock_id: &'a str) -> BoxFut<'a, Outcome<()>>;
    /// The device's state as the provider reports it (reachable, gateway,
    /// battery, last seen), read as ONE attempt of each call, all within
    /// `deadline` (`PROBE_DEADLINE` for a probe before acting): no retries,
    /// not the client's usual timeout. Recorded and redacted like every call.
    /// A provider that cannot tell answers `NotConfigured`.
    fn device_state<'a>(
        &'a self,
        lock_id: &'a str,
        deadline: std::time::Duration,
    ) -> BoxFut<'a, Outcome<DeviceState>> {
        let _ = (lock_id, deadline);
        Box::pin(async move {
            Outcome {
                result: Err(ProviderError::NotConfigured(format!(
                    "{} does not report a device's state",
                    self.name()
                ))),
                calls: Vec::new(),
            }
        })
    }
}

/// The HTTP client every provider uses: rustls with the ring provider (the
/// same one sqlx uses), a timeout on every call.
pub fn http_client(timeout: Duration) -> reqwest::Client {
    static RING: Once = Once::new();
    RING.call_once(|| {
        // Fails only if another provider was installed first, which is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(5)))
        .user_agent(concat!("lockdesk/", env!("CARGO_PKG_VERSION")))
        .build()
        // Only a TLS set-up failure gets here; send_bounded still times every
        // exchange out, so the plain client cannot wait forever.
        .unwrap_or_else(|_| reqwest::Client::new())
}

/// A reqwest error in words, without its URL (which can carry a token).
pub fn network_error(e: reqwest::Error, timeout: Duration, secrets: &[&str]) -> ProviderError {
    if e.is_timeout() {
        return ProviderError::Timeout {
            seconds: timeout.as_secs(),
        };
    }
    let e = e.without_url();
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(&e);
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    ProviderError::Network(redact::text(&msg, secrets))
}

/// The largest answer body lockdesk reads from a provider; a lock's whole
/// passcode list is far below this.
pub const MAX_BODY: usize = 4 << 20;

/// The most pages lockdesk reads of a lock's own audit trail (200 records
/// each): a provider whose page count never ends is cut off with an error,
/// not followed. (A lock's passcode list has its own, checked bounds:
/// `listing`.)
pub const MAX_PAGES: i64 = 100;

/// The page count of an audit-trail answer: at least 1, and an error past
/// `MAX_PAGES`. The trail is only looked at, never planned from.
pub fn page_count(body: &Value) -> Result<i64, ProviderError> {
    let pages = body
        .get("pages")
        .and_then(Value::as_i64)
        .unwrap_or(1)
        .max(1);
    if pages > MAX_PAGES {
        return Err(ProviderError::Decode(format!(
            "the provider reports {pages} pages; lockdesk reads at most {MAX_PAGES} (200 items each)"
        )));
    }
    Ok(pages)
}

/// Sends a request and reads its body, at most `MAX_BODY` bytes, the whole
/// exchange within `timeout` (whatever the client's own settings).
pub async fn send_bounded(
    req: reqwest::RequestBuilder,
    timeout: Duration,
    secrets: &[&str],
) -> Result<(u16, String), ProviderError> {
    let exchange = async {
        let mut resp = req
            .send()
            .await
            .map_err(|e| network_error(e, timeout, secrets))?;
        let status = resp.status().as_u16();
        if resp.content_length().is_some_and(|n| n > MAX_BODY as u64) {
            return Err(too_large());
        }
        let mut body: Vec<u8> = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| network_error(e, timeout, secrets))?
        {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok((status, String::from_utf8_lossy(&body).into_owned()))
    };
    tokio::time::timeout(timeout, exchange)
        .await
        .unwrap_or(Err(ProviderError::Timeout {
            seconds: timeout.as_secs(),
        }))
}

fn too_large() -> ProviderError {
    ProviderError::Decode(format!(
        "the answer is larger than {} MiB; lockdesk stopped reading it",
        MAX_BODY >> 20
    ))
}

/// Sends one request and reads its JSON body (`{}` when empty) and the
/// body's length in bytes. An HTTP error status becomes
/// `ProviderError::Http` with the provider's own documented `meaning`;
/// transport errors lose their URL and `secrets`.
pub async fn send_json(
    req: reqwest::RequestBuilder,
    timeout: Duration,
    secrets: &[&str],
    meaning: fn(u16) -> &'static str,
) -> Result<(Value, usize), ProviderError> {
    let (status, text) = send_bounded(req, timeout, secrets).await?;
    let bytes = text.len();
    if status >= 400 {
        return Err(ProviderError::Http {
            status,
            meaning: meaning(status),
        });
    }
    if text.trim().is_empty() {
        return Ok((Value::Object(serde_json::Map::new()), bytes));
    }
    // Any depth: an answer nested deeper than lockdesk holds is collapsed
    // (jsontext), never a stack overflow.
    crate::jsontext::parse(&text)
        .map(|p| (p.value, bytes))
        .map_err(|_| ProviderError::Decode(format!("not JSON (HTTP {status})")))
}

/// Milliseconds since the epoch → time.
pub fn from_ms(ms: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms)
}

/// Calls the console makes only to look go to the log file, in the
/// integration_logs shape, never to the database.
pub fn log_look(call: &CallRecord) {
    tracing::info!(
        target: "lockdesk::provider_calls",
        action = %call.action,
        provider = call.provider,
        lock = call.lock_id.as_deref().unwrap_or(""),
        ok = call.ok,
        error = call.error.as_deref().unwrap_or(""),
        request_json = %call.request,
        response_json = %call.response,
        "provider call (look only)"
    );
}
