//! Intent before, outcome after: before each provider change lockdesk
//! commits an `<ACTION>_INTENT` log row, and after it the `<ACTION>` outcome
//! as always. An intent with no outcome is a change that was sent to the
//! provider by a process that died before it could say what happened:
//! "interrupted", derived when shown, settled by the lock's next drift preview.

use std::collections::HashSet;

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

/// What pairs an outcome with its intent: the outcome's action, the
/// correlation id, the change (`same_change`).
type Pairing<'a> = (&'a str, Option<&'a str>, &'a [Option<Value>; 2]);

/// The intents among `logs` (one trace) that have no outcome, by index,
/// read in place (a big trace's heads are no rows). An outcome pairs with an
/// intent by its action, correlation id and change (the facts, not the
/// payloads): the outcomes are indexed once by those, so a runaway drift
/// job's 50,000 intents are not each compared with its 50,000 outcomes.
pub fn unsettled_at<L: LogColumns + ?Sized>(logs: &L) -> Vec<usize> {
    let n = logs.count();
    let awaited: HashSet<&str> = (0..n).filter_map(|i| outcome_of(logs.action(i))).collect();
    if awaited.is_empty() {
        return Vec::new();
    }
    let outcomes: HashSet<Pairing> = (0..n)
        .filter(|&o| awaited.contains(logs.action(o)))
        .map(|o| (logs.action(o), logs.correlation_id(o), logs.change(o)))
        .collect();
    (0..n)
        .filter(|&i| {
            outcome_of(logs.action(i)).is_some_and(|outcome| {
                !outcomes.contains(&(outcome, logs.correlation_id(i), logs.change(i)))
            })
        })
        .collect()
}

/// `unsettled_at` as rows.
pub fn unsettled(logs: &[LogRow]) -> Vec<&LogRow> {
    unsettled_at(logs).into_iter().map(|i| &logs[i]).collect()
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
