//! A device's state as its provider reports it (issue 28 §1): whether the
//! lock can be reached now, through which gateway, its battery, whether it is
//! locked, and when it was last seen. Read as ONE attempt within a short
//! deadline (`PROBE_DEADLINE`), never with the clients' usual timeout and
//! retries: a probe answers quickly or says it could not tell. Every number
//! from the provider is range-checked; nothing received panics.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::{CallRecord, Outcome, ProviderError, from_ms, redact};

/// How long one device-state read may take, all its calls together.
pub const PROBE_DEADLINE: Duration = Duration::from_secs(2);

/// Below this battery (percent) a device counts as low.
pub const LOW_BATTERY_PCT: u8 = 10;

/// The gateway a lock is reached through (TTLock).
#[derive(Debug, Clone, PartialEq)]
pub struct GatewayState {
    pub id: String,
    pub name: Option<String>,
    /// `gateway/detail`'s `isOnline`.
    pub online: bool,
    /// When the gateway last reported the lock (`listByLock`'s `rssiUpdateDate`).
    pub last_seen: Option<DateTime<Utc>>,
}

/// What the provider says about a device now.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceState {
    /// Can it be reached now? `None`: the provider does not say.
    pub online: Option<bool>,
    pub gateway: Option<GatewayState>,
    /// Battery, percent (0–100); `None` when not reported or out of range.
    pub battery_pct: Option<u8>,
    /// Locked (`Some(true)`), unlocked, or unknown.
    pub locked: Option<bool>,
    /// When the device (or its gateway) was last heard from.
    pub last_seen: Option<DateTime<Utc>>,
    /// The endpoints the state was read from, e.g.
    /// `TTLock lock/detail, gateway/listByLock, gateway/detail`.
    pub source: String,
    /// The answers it was read from, redacted, by endpoint.
    pub raw: Value,
}

impl DeviceState {
    pub fn empty(source: &str) -> DeviceState {
        DeviceState {
            online: None,
            gateway: None,
            battery_pct: None,
            locked: None,
            last_seen: None,
            source: source.to_string(),
            raw: json!({}),
        }
    }

    /// Notes one endpoint's answer (redacted) as a source of this state.
    pub fn saw(&mut self, endpoint: &str, answer: &Value) {
        self.source
            .push_str(if self.source.contains(' ') { ", " } else { " " });
        self.source.push_str(endpoint);
        self.raw[endpoint] = redact::value(answer);
    }

    pub fn battery_low(&self) -> bool {
        self.battery_pct.is_some_and(|b| b < LOW_BATTERY_PCT)
    }
}

/// A battery percentage as sent: an integer 0–100 (or its numeric string),
/// anything else `None`.
pub fn battery(v: Option<&Value>) -> Option<u8> {
    let n = match v? {
        Value::Number(n) => n.as_i64()?,
        Value::String(s) => s.trim().parse::<i64>().ok()?,
        _ => return None,
    };
    u8::try_from(n).ok().filter(|b| *b <= 100)
}

/// A millisecond time as sent (integer or numeric string, > 0).
pub fn millis(v: Option<&Value>) -> Option<DateTime<Utc>> {
    let n = match v? {
        Value::Number(n) => n.as_i64()?,
        Value::String(s) => s.trim().parse::<i64>().ok()?,
        _ => return None,
    };
    (n > 0).then(|| from_ms(n)).flatten()
}

/// A seconds time as sent (integer or float, > 0, within chrono's range).
pub fn seconds(v: Option<&Value>) -> Option<DateTime<Utc>> {
    let s = v?
        .as_f64()
        .filter(|s| s.is_finite() && *s > 0.0 && *s < 1e13)?;
    // Both casts are in range: checked just above.
    DateTime::from_timestamp(s.trunc() as i64, (s.fract() * 1e9) as u32)
}

/// Doordeck's `GET /device/{id}`: `state.connected`, `state.locked`,
/// `lastOperation` (seconds, int or float).
pub fn doordeck_device(d: &Value) -> DeviceState {
    let mut st = DeviceState::empty("Doordeck");
    st.online = d.pointer("/state/connected").and_then(Value::as_bool);
    st.locked = d.pointer("/state/locked").and_then(Value::as_bool);
    st.last_seen = seconds(d.get("lastOperation"));
    st.saw("device", d);
    st
}

/// Runs one device-state read within `deadline`: past it the read stops
/// and answers a timeout with the calls it made so far. A provider's
/// "offline" answer is a state (`online: false`), not an error.
pub async fn within<F>(deadline: Duration, source: &str, read: F) -> Outcome<DeviceState>
where
    F: AsyncFnOnce(&mut Vec<CallRecord>) -> Result<DeviceState, ProviderError>,
{
    let mut calls = Vec::new();
    let result = match tokio::time::timeout(deadline, read(&mut calls)).await {
        Ok(Err(e)) if e.is_offline() => {
            let mut st = DeviceState::empty(source);
            st.online = Some(false);
            st.raw = json!({"error": e.to_string()});
            Ok(st)
        }
        Ok(r) => r,
        Err(_) => Err(ProviderError::Timeout {
            seconds: deadline.as_secs().max(1),
        }),
    };
    Outcome { result, calls }
}
