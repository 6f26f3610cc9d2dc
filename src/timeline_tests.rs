// The findings of `summarize`, each on a trace built here.

use super::*;
use crate::store::facts::LogFacts;
use crate::store::traces::{AuditRow, JobRow};
use serde_json::{Value, json};

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&format!("2026-11-20T{s}Z"))
        .unwrap()
        .with_timezone(&Utc)
}

fn log(
    id: i64,
    at: &str,
    action: &str,
    lock: &str,
    error: Option<&str>,
    req: Value,
    resp: Value,
) -> LogRow {
    LogRow {
        id,
        action: action.into(),
        correlation_id: Some("c".into()),
        created_at: t(at),
        debug_session_id: None,
        door_id: None,
        door_name: None,
        error_message: error.map(str::to_string),
        external_id: None,
        lock_key: Some(lock.into()),
        ok: error.is_none(),
        provider_type: Some(lock.split(':').next().unwrap().into()),
        reconcile_job_id: Some(7),
        facts: LogFacts::of(Some(&req), Some(&resp)),
        request_json: Some(req),
        response_json: Some(resp),
        odd: Vec::new(),
        raw_json: Vec::new(),
        detached: false,
    }
}

fn job(status: &str) -> JobRow {
    JobRow {
        id: 7,
        job_type: "reconcile_user".into(),
        user_id: 9,
        reason: None,
        status: status.into(),
        attempt_count: 1,
        last_error: None,
        next_run_at: None,
        correlation_id: Some("c".into()),
        debug_session_id: None,
        payload: None,
        created_at: t("14:00:00"),
        updated_at: t("14:00:09"),
        odd: Vec::new(),
        raw_json: Vec::new(),
        interrupted: false,
    }
}

const B: &str = "ACCESS_BROKER:unknown";
const LOCK: &str = "TTLOCK:28990411";

fn findings(trace: &Trace) -> Vec<String> {
    summarize(trace, &t("15:30:00"), Duration::minutes(15)).anomalies
}

#[test]
fn a_lock_clock_far_from_the_brokers_is_flagged() {
    let query = json!({"path": "/v3/lock/queryDate"});
    let fast = t("14:00:00").timestamp_millis() + 4 * 60 * 1000;
    let records = json!({"list": [{"lockDate": 1_000_000 + 30_000, "serverDate": 1_000_000}]});
    let trace = Trace {
        correlation_id: "c".into(),
        logs: vec![
            log(
                1,
                "14:00:00",
                "LOCK_DATE",
                LOCK,
                None,
                query,
                json!({"date": fast}),
            ),
            log(
                2,
                "14:00:01",
                "AUDIT_TRAIL_FETCH",
                "TTLOCK:1",
                None,
                json!({}),
                records,
            ),
        ]
        .into(),
        ..Trace::default()
    };
    assert_eq!(
        findings(&trace),
        [
            "the clock of TTLOCK:28990411 is 4m00s ahead of the broker's (log #1): its own records' times are off by as much"
        ]
    );
}

#[test]
fn a_job_done_after_a_failed_provider_step_in_the_same_run_is_flagged() {
    let trace = Trace {
        correlation_id: "c".into(),
        jobs: vec![job("done")],
        logs: vec![
            log(
                1,
                "14:00:00",
                "RECONCILE_JOB_START",
                B,
                None,
                json!({}),
                Value::Null,
            ),
            log(
                2,
                "14:00:01",
                "PASSCODE_DELETE",
                LOCK,
                Some("TTLock errcode -3002"),
                json!({}),
                json!({"errcode": -3002}),
            ),
            log(
                3,
                "14:00:02",
                "RECONCILE_JOB_DONE",
                B,
                None,
                json!({}),
                json!({}),
            ),
        ]
        .into(),
        ..Trace::default()
    };
    assert_eq!(
        findings(&trace),
        [
            "job #7 was marked done after a failed provider step in the same run: log #2 PASSCODE_DELETE on TTLOCK:28990411: TTLock errcode -3002 (errcode -3002: gateway offline)"
        ]
    );
}

#[test]
fn a_pin_added_for_a_user_whose_access_was_revoked_is_flagged() {
    let revoke = AuditRow {
        id: 40,
        created_at: t("14:00:00"),
        entity_type: "UserAccessLevel".into(),
        entity_id: Some(3),
        action: "update".into(),
        before_json: Some(json!({"user_id": 9, "status": "active"})),
        after_json: Some(json!({"user_id": 9, "status": "revoked"})),
        correlation_id: Some("c".into()),
        actor: None,
        source: None,
        odd: Vec::new(),
        raw_json: Vec::new(),
        changed: Vec::new(),
    };
    let trace = Trace {
        correlation_id: "c".into(),
        audit: vec![revoke],
        jobs: vec![job("done")],
        logs: vec![
            log(
                1,
                "14:00:05",
                "RECONCILE_JOB_START",
                B,
                None,
                json!({}),
                Value::Null,
            ),
            log(
                2,
                "14:00:06",
                "PASSCODE_ADD",
                LOCK,
                None,
                json!({}),
                json!({"keyboardPwdId": 5}),
            ),
            log(
                3,
                "14:00:07",
                "RECONCILE_JOB_DONE",
                B,
                None,
                json!({}),
                json!({}),
            ),
        ]
        .into(),
    };
    assert_eq!(
        findings(&trace),
        [
            "a PIN was added for user 9 on TTLOCK:28990411 (log #2) after their access was revoked (audit row #40), and nothing here removes it"
        ]
    );
    // Removed after: nothing to say.
    let mut fixed = trace.clone();
    let crate::store::traces::Logs::Whole(rows) = &mut fixed.logs else {
        unreachable!("a trace built of rows")
    };
    rows.insert(
        2,
        log(
            4,
            "14:00:06",
            "PASSCODE_DELETE",
            LOCK,
            None,
            json!({}),
            json!({}),
        ),
    );
    rows[2].created_at = t("14:00:06") + Duration::milliseconds(500);
    assert!(findings(&fixed).is_empty(), "{:?}", findings(&fixed));
}

#[test]
fn a_runaway_jobs_done_reports_are_listed_to_a_bound_then_counted() {
    // 30 done steps each reporting 2 removes, none logged: 30 findings of
    // one kind, of which the first REPORTS_LISTED are listed.
    let logs: Vec<LogRow> = (1..=30)
        .map(|id| {
            log(
                id,
                "14:00:02",
                "RECONCILE_JOB_DONE",
                B,
                None,
                json!({}),
                json!({"summary": {"removes": 2}}),
            )
        })
        .collect();
    let trace = Trace {
        correlation_id: "c".into(),
        jobs: vec![job("done")],
        logs: logs.into(),
        ..Trace::default()
    };
    let f = findings(&trace);
    assert_eq!(f.len(), REPORTS_LISTED + 1, "{f:#?}");
    assert_eq!(
        f[0],
        "job #7 reports removes: 2 but 0 successful delete calls are logged"
    );
    assert_eq!(
        f[REPORTS_LISTED],
        format!(
            "job #7 has {} more reports like these from its done steps, not listed (the first {REPORTS_LISTED} are)",
            30 - REPORTS_LISTED
        )
    );
}

/// A runaway drift job: an intent and its outcome per PIN, 50,000 of each.
fn drift_pairs(n: i64) -> Vec<LogRow> {
    let mut rows = Vec::new();
    for k in 0..n {
        let req = json!({"name": format!("AB U{k} C6"), "provider_code_id": k.to_string()});
        let mut intent = log(
            2 * k + 1,
            "14:00:00",
            "DRIFT_ENFORCE_DELETE_PIN_INTENT",
            LOCK,
            None,
            req.clone(),
            Value::Null,
        );
        intent.ok = false;
        rows.push(intent);
        rows.push(log(
            2 * k + 2,
            "14:00:01",
            "DRIFT_ENFORCE_DELETE_PIN",
            LOCK,
            None,
            req,
            json!({}),
        ));
    }
    rows
}

#[test]
fn a_runaway_drift_jobs_intents_are_paired_with_their_outcomes_in_place() {
    let trace = |logs: Vec<LogRow>| Trace {
        correlation_id: "c".into(),
        audit: Vec::new(),
        jobs: Vec::new(),
        logs: logs.into(),
    };
    let settled = drift_pairs(50_000);
    assert!(findings(&trace(settled.clone())).is_empty());
    // One outcome missing: that intent, and only it, is interrupted.
    let mut one = settled.clone();
    one.remove(2 * 31_337 + 1);
    assert_eq!(
        findings(&trace(one)),
        [
            "interrupted after a change was sent to the provider: log #62675 DRIFT_ENFORCE_DELETE_PIN_INTENT has no outcome; the lock's next drift preview settles it"
        ]
    );
    // An outcome of another change does not settle it.
    let mut other = settled.clone();
    other[2 * 7 + 1].facts.change[1] = Some(json!("elsewhere"));
    assert_eq!(findings(&trace(other)).len(), 1);
    // Many missing: the first few named, the rest counted.
    let many: Vec<LogRow> = settled
        .into_iter()
        .filter(|l| l.id > 2 * 25 || l.id % 2 == 1)
        .collect();
    let f = findings(&trace(many));
    assert_eq!(f.len(), crate::timeline::UNSETTLED_SHOWN + 1, "{f:?}");
    assert!(
        f[0].contains("log #1 DRIFT_ENFORCE_DELETE_PIN_INTENT"),
        "{f:?}"
    );
    assert_eq!(
        f.last().map(String::as_str),
        Some(
            "and 5 more changes interrupted after they were sent to the provider, with no outcome"
        )
    );
}
