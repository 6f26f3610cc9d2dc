use chrono::{Duration, TimeZone, Utc};
use serde_json::json;

use super::*;
use crate::store::odd::Oddity;

fn row(id: i64, action: &str, ok: bool) -> LogRow {
    LogRow {
        id,
        action: action.into(),
        correlation_id: Some("c0ffee".into()),
        created_at: Utc.with_ymd_and_hms(2026, 2, 4, 14, 0, 0).unwrap() + Duration::seconds(id),
        debug_session_id: None,
        door_id: Some(2),
        door_name: Some("Main entrance".into()),
        error_message: (!ok).then(|| format!("gateway offline #{id}")),
        external_id: Some("28991110".into()),
        lock_key: Some(if id % 2 == 0 {
            "TTLOCK:28991110".into()
        } else {
            "DOORDECK:0d3a".into()
        }),
        ok,
        provider_type: Some("TTLOCK".into()),
        reconcile_job_id: (id % 3 != 0).then_some(72),
        request_json: Some(
            json!({"payload": {"keyboardPwdId": id, "date": 1_770_213_600_000_i64 + id},
                                  "name": "AB U9 C6"}),
        ),
        response_json: Some(json!({"summary": {"removes": 1}})),
        odd: Vec::new(),
        raw_json: Vec::new(),
        facts: LogFacts::default(),
        detached: false,
    }
}

/// Rows as the heads statement gives them: facts kept, payloads dropped.
fn heads_of(rows: &[LogRow]) -> Vec<LogRow> {
    rows.iter()
        .map(|r| {
            let mut h = r.clone();
            h.facts = LogFacts::of(r.request_json.as_ref(), r.response_json.as_ref());
            h.detach();
            h
        })
        .collect()
}

fn compact(heads: &[LogRow]) -> Logs {
    let mut b = HeadsBuilder::with_capacity(heads.len());
    for h in heads {
        b.push(h.clone());
    }
    Logs::Heads(b.finish())
}

fn sample() -> Vec<LogRow> {
    let mut rows: Vec<LogRow> = (1..=40)
        .map(|id| {
            row(
                id,
                if id % 7 == 0 {
                    "PASSCODE_ADD_INTENT"
                } else {
                    "PASSCODE_DELETE"
                },
                id % 5 != 0,
            )
        })
        .collect();
    // Hostile values: an odd time, NULL texts, an empty action.
    rows[3].odd.push(Oddity {
        column: "created_at",
        text: Some("infinity".into()),
        collapsed: false,
    });
    rows[4].correlation_id = None;
    rows[4].lock_key = None;
    rows[4].door_name = None;
    rows[5].action = String::new();
    rows[6].request_json = None;
    rows
}

#[test]
fn a_compact_head_is_the_detached_row_it_was_read_as() {
    let heads = heads_of(&sample());
    let logs = compact(&heads);
    assert_eq!(logs.len(), heads.len());
    for (i, h) in heads.iter().enumerate() {
        assert_eq!(logs.get(i).as_deref(), Some(h), "head {i}");
        // The columns read in place are the row's.
        assert_eq!(logs.id(i), h.id);
        assert_eq!(logs.created_at(i), h.created_at);
        assert_eq!(logs.ok(i), h.ok);
        assert_eq!(logs.action(i), h.action);
        assert_eq!(logs.lock_key(i), h.lock_key.as_deref());
        assert_eq!(logs.provider_type(i), h.provider_type.as_deref());
        assert_eq!(logs.door_name(i), h.door_name.as_deref());
        assert_eq!(logs.error_message(i), h.error_message.as_deref());
        assert_eq!(logs.reconcile_job_id(i), h.reconcile_job_id);
        assert_eq!(logs.target(i), h.facts.target.as_deref());
        assert_eq!(logs.requested_ms(i), h.facts.requested_ms);
        assert_eq!(logs.correlation_id(i), h.correlation_id.as_deref());
        assert_eq!(logs.change(i), &h.facts.change);
        assert_eq!(logs.odd(i), &h.odd[..]);
        assert!(logs.detached(i));
    }
    assert_eq!(logs.get(heads.len()), None);
    assert_eq!(logs.iter().count(), heads.len());
    // Each distinct text once: the correlation id, the lock keys, the door
    // are shared by every head.
    let Logs::Heads(h) = &logs else {
        unreachable!()
    };
    assert!(h.texts.len() < 60, "{} texts", h.texts.len());
    assert!(h.shapes.len() < 20, "{} shapes", h.shapes.len());
    assert!(
        std::mem::size_of::<Head>() <= 48,
        "{}",
        std::mem::size_of::<Head>()
    );
}

#[test]
fn attaching_payloads_keeps_at_most_the_kept_rows_nearest_the_selection() {
    let rows: Vec<LogRow> = (1..=3_000)
        .map(|id| row(id, "PASSCODE_LIST", true))
        .collect();
    let mut logs = compact(&heads_of(&rows));
    assert!(logs.has_detached());
    logs.attach(rows[0..200].to_vec(), 10);
    assert_eq!(logs.get(5).as_deref(), Some(&rows[5]));
    assert!(!logs.detached(5) && logs.detached(200));
    assert_eq!((0..logs.len()).filter(|&i| !logs.detached(i)).count(), 200);
    // Scrolling to the end: the rows farthest from the selection go back to
    // their heads, the heads unchanged.
    for start in (200..3_000).step_by(200) {
        logs.attach(rows[start..start + 200].to_vec(), start + 100);
    }
    let whole = (0..logs.len()).filter(|&i| !logs.detached(i)).count();
    assert_eq!(whole, PAYLOADS_KEPT);
    assert!(logs.detached(0) && !logs.detached(2_999));
    assert_eq!(logs.get(0).as_deref(), Some(&heads_of(&rows[0..1])[0]));
    assert!(logs.has_detached());
}

#[test]
fn unsettled_intents_are_found_on_heads_in_place() {
    let mut rows = Vec::new();
    for k in 0..3_000 {
        let req = json!({"name": "AB U9 C6", "provider_code_id": k.to_string()});
        let mut intent = row(2 * k + 1, "DRIFT_ENFORCE_DELETE_PIN_INTENT", false);
        intent.request_json = Some(req.clone());
        rows.push(intent);
        // The outcome of PIN 1,234 never logged.
        if k != 1_234 {
            let mut outcome = row(2 * k + 2, "DRIFT_ENFORCE_DELETE_PIN", true);
            outcome.request_json = Some(req);
            rows.push(outcome);
        }
    }
    let heads = heads_of(&rows);
    let logs = compact(&heads);
    let found = crate::intents::unsettled_at(&logs);
    assert_eq!(
        found.iter().map(|&i| logs.id(i)).collect::<Vec<_>>(),
        [2 * 1_234 + 1]
    );
    assert_eq!(found, crate::intents::unsettled_at(&heads));
}
