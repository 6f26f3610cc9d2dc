//! A lock's last 24 hours, pure: one cell per hour with the worst outcome
//! in it and whether a PIN changed, from the broker's logs and the
//! provider's own records the Lock logs pane already holds; and the
//! provider's record types (unlock by passcode, by app…) counted.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::providers::LockEvent;
use crate::store::traces::LogRow;

pub const HOURS: usize = 24;
const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;

/// The worst of an hour, in rising order. Each has its own character so
/// the strip reads without colour.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum HourOutcome {
    /// Older than the newest logs the pane read reach: not known.
    Unread,
    #[default]
    Quiet,
    Ok,
    Failed,
}

impl HourOutcome {
    pub fn char(self) -> char {
        match self {
            HourOutcome::Unread => '?',
            HourOutcome::Quiet => '·',
            HourOutcome::Ok => '▮',
            HourOutcome::Failed => '✗',
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Hour {
    pub outcome: HourOutcome,
    /// PIN (or share) changes the broker sent in the hour.
    pub pin_changes: u32,
}

/// The character under an hour with a PIN change.
pub const PIN_MARK: char = '▴';

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Day {
    /// Oldest first: `hours[23]` is the hour up to now.
    pub hours: [Hour; HOURS],
    /// The provider's record types in the 24 hours, most frequent first.
    pub kinds: Vec<(String, u32)>,
}

/// Whether a broker log changed the PINs on the lock (or tried to).
pub fn is_pin_change(action: &str) -> bool {
    matches!(
        action,
        "PASSCODE_ADD"
            | "PASSCODE_DELETE"
            | "DRIFT_ENFORCE_ADD_PIN"
            | "DRIFT_ENFORCE_DELETE_PIN"
            | "LOCK_SHARE"
            | "LOCK_REVOKE"
    )
}

/// Which hour `t` falls in (none outside the 24 hours before `now`: a lock
/// whose clock runs ahead does not paint the future).
fn hour_of(now: DateTime<Utc>, t: DateTime<Utc>) -> Option<usize> {
    let ago = now.signed_duration_since(t).num_milliseconds();
    if !(0..DAY_MS).contains(&ago) {
        return None;
    }
    let back = usize::try_from(ago / HOUR_MS).ok()?;
    (HOURS - 1).checked_sub(back)
}

/// The day of a lock from its `logs` (newest first, as the pane reads
/// them; `logs_cut` when the read stopped at its limit, so hours older
/// than the oldest log read are not known) and its provider's `events`.
pub fn day(logs: &[LogRow], logs_cut: bool, events: &[LockEvent], now: DateTime<Utc>) -> Day {
    let mut hours = [Hour::default(); HOURS];
    let worst = |h: &mut Hour, o: HourOutcome| h.outcome = h.outcome.max(o);
    for l in logs {
        let Some(h) = hour_of(now, l.created_at) else {
            continue;
        };
        let failed = crate::intents::failed(l);
        worst(
            &mut hours[h],
            if failed {
                HourOutcome::Failed
            } else {
                HourOutcome::Ok
            },
        );
        if is_pin_change(&l.action) {
            hours[h].pin_changes = hours[h].pin_changes.saturating_add(1);
        }
    }
    let mut kinds: BTreeMap<&str, u32> = BTreeMap::new();
    for e in events {
        let Some(h) = hour_of(now, e.at) else {
            continue;
        };
        worst(
            &mut hours[h],
            if e.success {
                HourOutcome::Ok
            } else {
                HourOutcome::Failed
            },
        );
        let n = kinds.entry(e.kind.as_str()).or_default();
        *n = n.saturating_add(1);
    }
    if logs_cut {
        // The oldest log read: hours wholly before it had logs not read.
        if let Some(oldest) = logs.iter().map(|l| l.created_at).min() {
            let first = hour_of(now, oldest).unwrap_or(0);
            for h in hours.iter_mut().take(first) {
                if h.outcome == HourOutcome::Quiet {
                    h.outcome = HourOutcome::Unread;
                }
            }
        }
    }
    let mut kinds: Vec<(String, u32)> =
        kinds.into_iter().map(|(k, n)| (k.to_string(), n)).collect();
    kinds.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Day { hours, kinds }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::facts::LogFacts;
    use chrono::Duration;
    use serde_json::Value;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-20T12:30:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn log(hours_ago: i64, action: &str, ok: bool) -> LogRow {
        LogRow {
            id: 1,
            action: action.into(),
            correlation_id: None,
            created_at: now() - Duration::minutes(hours_ago * 60 + 10),
            debug_session_id: None,
            door_id: None,
            door_name: None,
            error_message: None,
            external_id: None,
            lock_key: Some("TTLOCK:1".into()),
            ok,
            provider_type: Some("TTLOCK".into()),
            reconcile_job_id: None,
            request_json: None,
            response_json: None,
            odd: Vec::new(),
            raw_json: Vec::new(),
            facts: LogFacts::default(),
            detached: false,
        }
    }

    fn event(hours_ago: i64, kind: &str, success: bool) -> LockEvent {
        LockEvent {
            at: now() - Duration::minutes(hours_ago * 60 + 5),
            kind: kind.into(),
            who: None,
            success,
            raw: Value::Null,
        }
    }

    fn strip(d: &Day) -> String {
        d.hours.iter().map(|h| h.outcome.char()).collect()
    }

    #[test]
    fn each_hour_shows_its_worst_outcome_and_pin_changes_are_marked() {
        let logs = [
            log(0, "PASSCODE_LIST", true),
            log(0, "PASSCODE_DELETE", false),
            log(2, "PASSCODE_ADD", true),
            log(30, "PASSCODE_ADD", false),
        ];
        let events = [
            event(5, "unlock by passcode", true),
            event(5, "unlock by passcode", true),
            event(6, "unlock by app", false),
            event(7, "unlock by fingerprint", true),
            // Ahead of the console's clock, and a week ago: not in the day.
            event(-2, "unlock by app", true),
            event(100, "unlock by app", true),
        ];
        let d = day(&logs, false, &events, now());
        assert_eq!(strip(&d), "················▮✗▮··▮·✗");
        assert_eq!(d.hours[23].pin_changes, 1);
        assert_eq!(d.hours[21].pin_changes, 1);
        assert_eq!(d.hours.iter().map(|h| h.pin_changes).sum::<u32>(), 2);
        assert_eq!(
            d.kinds,
            [
                ("unlock by passcode".to_string(), 2),
                ("unlock by app".to_string(), 1),
                ("unlock by fingerprint".to_string(), 1),
            ]
        );
    }

    #[test]
    fn hours_older_than_a_cut_read_are_unknown_not_quiet() {
        let logs = [log(0, "PASSCODE_LIST", true), log(3, "PASSCODE_LIST", true)];
        let d = day(&logs, true, &[event(10, "unlock by app", true)], now());
        assert_eq!(strip(&d), "?????????????▮??????▮··▮");
        let d = day(&logs, false, &[], now());
        assert_eq!(strip(&d), "····················▮··▮");
        assert!(
            day(&[], true, &[], now())
                .hours
                .iter()
                .all(|h| h.outcome == HourOutcome::Quiet)
        );
    }
}
