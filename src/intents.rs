//! Intent before, outcome after: before each provider change lockdesk
//! commits an `<ACTION>_INTENT` log row, and after it the `<ACTION>` outcome
//! as always. An intent with no outcome is a change that was sent to the
//! provider by a process that died before it could say what happened:
//! "interrupted", derived when shown, settled by the lock's next drift preview.

use serde_json::Value;

use crate::store::facts::LogFacts;
use crate::store::traces::{LogColumns, LogRow};

/// What an intent's action ends with.
pub const SUFFIX: &str = "_INTENT";

/// The outcome action an intent waits for (`DRIFT_ENFORCE_DELETE_PIN`).
pub fn outcome_of(intent: &str) -> Option<&str> {
    intent.strip_suffix(SUFFIX)
}

/// Whether a log row failed: an intent is `ok = false` by design (it says
/// a change is about to be sent) and is not a failure.
pub fn failed(l: &LogRow) -> bool {
    !l.ok && outcome_of(&l.action).is_none()
}

/// `failed` of log `i`, read in place (a big trace's heads are no rows).
pub fn failed_at<L: LogColumns + ?Sized>(logs: &L, i: usize) -> bool {
    !logs.ok(i) && outcome_of(logs.action(i)).is_none()
}

/// Whether a log row is an intent.
pub fn is_intent(l: &LogRow) -> bool {
    outcome_of(&l.action).is_some()
}

/// Whether two requests name the same change: the same code name and the
/// same provider code id (an add has none until the provider answers).
pub fn same_change(a: &Value, b: &Value) -> bool {
    LogFacts::of(Some(a), None).change == LogFacts::of(Some(b), None).change
}

/// The intents among `logs` (one trace) that have no outcome.
pub fn unsettled(logs: &[LogRow]) -> Vec<&LogRow> {
    let all: Vec<&LogRow> = logs.iter().collect();
    unsettled_of(&all).into_iter().map(|p| all[p]).collect()
}

/// The positions in `logs` of the intents with no outcome among them.
fn unsettled_of(logs: &[&LogRow]) -> Vec<usize> {
    (0..logs.len())
        .filter(|&p| {
            let i = logs[p];
            let Some(outcome) = outcome_of(&i.action) else {
                return false;
            };
            // By the facts, not the payloads: a big trace's logs are heads.
            !logs.iter().any(|o| {
                o.action == outcome
                    && o.correlation_id == i.correlation_id
                    && o.facts.change == i.facts.change
            })
        })
        .collect()
}

/// `unsettled` of logs read in place: the indices of the intents with no
/// outcome. Only the intents and the logs that could be their outcomes are
/// read whole (a handful): a runaway job's other heads are never built.
pub fn unsettled_at<L: LogColumns + ?Sized>(logs: &L) -> Vec<usize> {
    let n = logs.count();
    let outcomes: std::collections::BTreeSet<&str> =
        (0..n).filter_map(|i| outcome_of(logs.action(i))).collect();
    if outcomes.is_empty() {
        return Vec::new();
    }
    let rows: Vec<(usize, std::borrow::Cow<'_, LogRow>)> = (0..n)
        .filter(|&i| {
            let a = logs.action(i);
            outcome_of(a).is_some() || outcomes.contains(a)
        })
        .map(|i| (i, logs.row(i)))
        .collect();
    let only: Vec<&LogRow> = rows.iter().map(|(_, r)| &**r).collect();
    unsettled_of(&only).into_iter().map(|p| rows[p].0).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_outcome_matches_its_intent_by_the_change_it_names() {
        let del =
            json!({"name": "AB U9 C6", "provider_code_id": "50957532", "provider_type": "TTLOCK"});
        let add = json!({"name": "AB U9 C6", "code_last4": "***11"});
        assert!(same_change(&del, &del));
        assert!(!same_change(
            &del,
            &json!({"name": "AB U9 C6", "provider_code_id": "1"})
        ));
        assert!(same_change(
            &add,
            &json!({"name": "AB U9 C6", "code_last4": null})
        ));
        assert_eq!(
            outcome_of("DRIFT_ENFORCE_DELETE_PIN_INTENT"),
            Some("DRIFT_ENFORCE_DELETE_PIN")
        );
        assert_eq!(outcome_of("DRIFT_ENFORCE_DELETE_PIN"), None);
    }
}
