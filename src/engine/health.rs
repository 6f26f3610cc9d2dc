//! Device health before acting (issue 28 §1): the devices an action is
//! about, each probed (`Providers::probe`: one attempt, 2 s, at most 4 at a
//! time per account, kept 60 s per lock) and judged: an offline gateway or
//! lock, or a battery below 10 %, refuses the action on that device unless
//! the operator typed `override`; an unreadable state proceeds, marked
//! "device state unknown"; a job whose devices are unknown proceeds, marked
//! "device unknown". The sentences here are pure, so that the panes, the
//! dialogs and the bundle say the same thing.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::providers::probe::Probed;
use crate::providers::settings::Providers;
use crate::providers::{DeviceState, health::LOW_BATTERY_PCT};

/// A device an action is about: the lock, and what is needed to ask its
/// provider (the door's integration customer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// `TTLOCK:28991110`.
    pub lock: String,
    pub provider: String,
    pub external_id: String,
    pub customer: Option<i64>,
    pub door: Option<i64>,
}

/// What a probe's answer means for acting on the device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Reachable, battery fine.
    Fine,
    /// Offline or battery low: refused unless overridden. The reason, with
    /// when the device was last seen.
    Refuse(String),
    /// The state could not be read: the action proceeds, marked.
    StateUnknown(String),
}

/// One device, probed and judged.
#[derive(Debug, Clone)]
pub struct DeviceCheck {
    pub device: Device,
    pub probe: Arc<Probed>,
    pub verdict: Verdict,
}

impl DeviceCheck {
    /// `TTLOCK:28991110: gateway G2 offline, last seen 09:12 UTC (probe 12:01 UTC)`.
    pub fn line(&self) -> String {
        let what = match &self.verdict {
            Verdict::Fine => format!("reachable ({})", state_words(&self.probe)),
            Verdict::Refuse(r) => r.clone(),
            Verdict::StateUnknown(why) => format!("device state unknown: {why}"),
        };
        format!(
            "{}: {what} (probe {})",
            self.device.lock,
            hm(&self.probe.at)
        )
    }

    /// The probe's answer as the audit row's `device_override` keeps it.
    pub fn record(&self) -> Value {
        json!({
            "lock": self.device.lock,
            "probed_at": self.probe.at.to_rfc3339(),
            "verdict": self.line(),
            "state": probe_json(&self.probe),
        })
    }
}

/// `12:01 UTC`.
pub fn hm(t: &DateTime<Utc>) -> String {
    format!("{} UTC", t.format("%H:%M"))
}

/// The probe's answer as JSON (redacted: the provider's answers are).
pub fn probe_json(p: &Probed) -> Value {
    match &p.state {
        Ok(s) => json!({
            "online": s.online,
            "gateway": s.gateway.as_ref().map(|g| json!({"id": g.id, "name": g.name, "online": g.online,
                "last_seen": g.last_seen.map(|t| t.to_rfc3339())})),
            "battery_pct": s.battery_pct,
            "locked": s.locked,
            "last_seen": s.last_seen.map(|t| t.to_rfc3339()),
            "source": s.source,
        }),
        Err(e) => json!({"unreadable": e}),
    }
}

/// A state in a few words: `gateway G2 online, battery 80 %`.
pub fn state_words(p: &Probed) -> String {
    let Ok(s) = &p.state else {
        return "state unknown".into();
    };
    let mut parts = Vec::new();
    match (&s.gateway, s.online) {
        (Some(g), _) => parts.push(format!(
            "gateway {} {}",
            gateway_name(g),
            if g.online { "online" } else { "offline" }
        )),
        (None, Some(true)) => parts.push("online".into()),
        (None, Some(false)) => parts.push("offline".into()),
        (None, None) => {}
    }
    if let Some(b) = s.battery_pct {
        parts.push(format!("battery {b} %"));
    }
    if parts.is_empty() {
        parts.push("no state reported".into());
    }
    parts.join(", ")
}

fn gateway_name(g: &crate::providers::GatewayState) -> String {
    g.name.clone().unwrap_or_else(|| g.id.clone())
}

fn last_seen(s: &DeviceState) -> String {
    let seen = s.gateway.as_ref().and_then(|g| g.last_seen).or(s.last_seen);
    match seen {
        Some(t) => format!(", last seen {}", hm(&t)),
        None => ", last seen: not reported".into(),
    }
}

/// Judges one probe's answer (pure).
pub fn judge(p: &Probed) -> Verdict {
    let s = match &p.state {
        Ok(s) => s,
        Err(e) => return Verdict::StateUnknown(e.clone()),
    };
    if let Some(g) = s.gateway.as_ref().filter(|g| !g.online) {
        return Verdict::Refuse(format!(
            "gateway {} offline{}",
            gateway_name(g),
            last_seen(s)
        ));
    }
    if s.online == Some(false) {
        return Verdict::Refuse(format!("device offline{}", last_seen(s)));
    }
    if s.battery_low() {
        return Verdict::Refuse(format!(
            "battery {} % (below {LOW_BATTERY_PCT} %){}",
            s.battery_pct.unwrap_or(0),
            last_seen(s)
        ));
    }
    if s.online.is_none() && s.gateway.is_none() && s.battery_pct.is_none() {
        return Verdict::StateUnknown("the provider reported no state".into());
    }
    Verdict::Fine
}

/// Probes every device (each lock once, kept 60 s; at most 4 at a time per
/// account) and judges each, in the order given. `now` is the database's
/// clock.
pub async fn check(
    providers: &Providers,
    devices: &[Device],
    now: DateTime<Utc>,
) -> Vec<DeviceCheck> {
    let mut unique: Vec<&Device> = Vec::new();
    for d in devices {
        if !unique.iter().any(|u| u.lock == d.lock) {
            unique.push(d);
        }
    }
    let probes = futures_util::future::join_all(
        unique
            .iter()
            .map(|d| providers.probe(d.customer, &d.provider, &d.external_id, now)),
    )
    .await;
    unique
        .into_iter()
        .zip(probes)
        .map(|(d, probe)| DeviceCheck {
            device: d.clone(),
            verdict: judge(&probe),
            probe,
        })
        .collect()
}

/// Why the checks refuse the action (each refused device in one line), or
/// `None` when they let it go ahead.
pub fn refusal(checks: &[DeviceCheck]) -> Option<String> {
    let refused: Vec<String> = checks
        .iter()
        .filter(|c| matches!(c.verdict, Verdict::Refuse(_)))
        .map(DeviceCheck::line)
        .collect();
    (!refused.is_empty()).then(|| refused.join("; "))
}

/// The `device_override` value of an audit row: the probe's answer of each
/// refused device the operator overrode.
pub fn override_record(checks: &[DeviceCheck]) -> Option<Value> {
    let refused: Vec<Value> = checks
        .iter()
        .filter(|c| matches!(c.verdict, Verdict::Refuse(_)))
        .map(DeviceCheck::record)
        .collect();
    (!refused.is_empty()).then_some(Value::Array(refused))
}

/// Notes for an action that went ahead: "device state unknown" per lock
/// whose state could not be read, "device unknown" for a job with no device.
pub fn notes(checks: &[DeviceCheck], devices_known: bool) -> Vec<String> {
    let mut n: Vec<String> = checks
        .iter()
        .filter_map(|c| match &c.verdict {
            Verdict::StateUnknown(_) => Some(c.line()),
            _ => None,
        })
        .collect();
    if !devices_known {
        n.push("device unknown".into());
    }
    n
}

/// Facts about a lock with where they come from and how old they are, for
/// the drift preview (pure): `gateway G2 offline (probe 12:01 UTC) · the
/// cloud's list of the lock's PINs, which may be stale, matches the broker`.
/// `drift` is the plan's count of changes (`Some(0)`: none), `None` when the
/// lock could not be listed.
pub fn lock_facts(probe: Option<&Probed>, drift: Option<usize>) -> String {
    let state = match probe {
        Some(p) => match judge(p) {
            Verdict::StateUnknown(why) => {
                format!("device state unknown: {why} (probe {})", hm(&p.at))
            }
            _ => format!("{} (probe {})", state_words(p), hm(&p.at)),
        },
        None => "device state not probed".into(),
    };
    let reachable = probe.is_some_and(|p| judge(p) == Verdict::Fine);
    let list = if reachable {
        "the cloud's list of the lock's PINs"
    } else {
        "the cloud's list of the lock's PINs, which may be stale,"
    };
    let listing = match drift {
        Some(0) => format!("{list} matches the broker"),
        Some(n) => format!("{list} differs from the broker in {n} PIN(s)"),
        None => "the cloud's list of the lock's PINs could not be read".into(),
    };
    format!("{state} · {listing}")
}

/// The device's state as the lock pane's header says it, where it comes
/// from and how old it is (pure): `device: gateway G2 offline, last seen
/// 09:12 UTC (probe 12:01 UTC)`, `device: gateway G2 online, battery 80 %
/// (probe 12:01 UTC)`, or `device: state unknown (probe failed at 12:01
/// UTC: no answer within 2 s)`.
pub fn device_fact(p: &Probed) -> String {
    let at = hm(&p.at);
    match (&p.state, judge(p)) {
        (Err(e), _) => format!("device: state unknown (probe failed at {at}: {e})"),
        (Ok(_), Verdict::StateUnknown(why)) => {
            format!("device: state unknown, {why} (probe {at})")
        }
        (Ok(_), Verdict::Refuse(reason)) => format!("device: {reason} (probe {at})"),
        (Ok(_), Verdict::Fine) => format!("device: {} (probe {at})", state_words(p)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::GatewayState;
    use chrono::TimeZone;

    fn probed(state: Result<DeviceState, String>) -> Probed {
        Probed {
            lock: "TTLOCK:28991110".into(),
            at: Utc.with_ymd_and_hms(2026, 11, 20, 12, 1, 0).unwrap(),
            state,
            calls: Vec::new(),
        }
    }

    fn ttlock(gw_online: bool, battery: u8) -> DeviceState {
        let mut s = DeviceState::empty("TTLock lock/detail");
        s.gateway = Some(GatewayState {
            id: "347001".into(),
            name: Some("G2".into()),
            online: gw_online,
            last_seen: Some(Utc.with_ymd_and_hms(2026, 11, 20, 9, 12, 0).unwrap()),
        });
        s.battery_pct = Some(battery);
        s
    }

    #[test]
    fn offline_and_low_battery_refuse_and_unreadable_proceeds() {
        let off = probed(Ok(ttlock(false, 80)));
        assert_eq!(
            judge(&off),
            Verdict::Refuse("gateway G2 offline, last seen 09:12 UTC".into())
        );
        let low = probed(Ok(ttlock(true, 7)));
        assert!(
            matches!(judge(&low), Verdict::Refuse(r) if r.starts_with("battery 7 % (below 10 %)"))
        );
        assert_eq!(judge(&probed(Ok(ttlock(true, 80)))), Verdict::Fine);
        assert!(matches!(
            judge(&probed(Err("no answer within 2 s".into()))),
            Verdict::StateUnknown(_)
        ));
    }

    #[test]
    fn the_drift_preview_says_where_a_fact_comes_from() {
        let off = probed(Ok(ttlock(false, 80)));
        assert_eq!(
            lock_facts(Some(&off), Some(0)),
            "gateway G2 offline, battery 80 % (probe 12:01 UTC) · the cloud's list of the lock's PINs, \
             which may be stale, matches the broker"
        );
        let on = probed(Ok(ttlock(true, 80)));
        assert_eq!(
            lock_facts(Some(&on), Some(2)),
            "gateway G2 online, battery 80 % (probe 12:01 UTC) · the cloud's list of the lock's PINs differs from the broker in 2 PIN(s)"
        );
        assert!(lock_facts(None, None).starts_with("device state not probed"));
    }

    #[test]
    fn the_lock_header_says_the_device_state_and_its_probe() {
        assert_eq!(
            device_fact(&probed(Ok(ttlock(false, 80)))),
            "device: gateway G2 offline, last seen 09:12 UTC (probe 12:01 UTC)"
        );
        assert_eq!(
            device_fact(&probed(Ok(ttlock(true, 80)))),
            "device: gateway G2 online, battery 80 % (probe 12:01 UTC)"
        );
        assert_eq!(
            device_fact(&probed(Err("no answer within 2 s".into()))),
            "device: state unknown (probe failed at 12:01 UTC: no answer within 2 s)"
        );
        assert_eq!(
            device_fact(&probed(Ok(DeviceState::empty("Doordeck device")))),
            "device: state unknown, the provider reported no state (probe 12:01 UTC)"
        );
    }
}
