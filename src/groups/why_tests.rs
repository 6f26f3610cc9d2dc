// why_cases: one golden sentence per case of issue 26.

use super::*;
use crate::store::facts::LogFacts;
use serde_json::{Value, json};

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&format!("2026-11-20T{s}Z"))
        .unwrap()
        .with_timezone(&Utc)
}

fn cx() -> Context {
    Context {
        now: t("15:30:00"),
        stuck_after: Duration::minutes(15),
        typical: Some(Duration::seconds(40)),
        lock_held: None,
    }
}

fn job(status: &str, attempts: i32, next: Option<&str>) -> JobRow {
    JobRow {
        id: 7,
        job_type: "reconcile_user".into(),
        user_id: 9,
        reason: None,
        status: status.into(),
        attempt_count: attempts,
        last_error: None,
        next_run_at: next.map(t),
        correlation_id: Some("c".into()),
        debug_session_id: None,
        payload: None,
        created_at: t("14:00:00"),
        updated_at: t("15:00:00"),
        odd: Vec::new(),
        raw_json: Vec::new(),
        interrupted: false,
    }
}

fn log(
    id: i64,
    at: &str,
    action: &str,
    provider: &str,
    error: Option<&str>,
    resp: Value,
) -> LogRow {
    let lock = match provider {
        "TTLOCK" => "TTLOCK:28990137",
        "DOORDECK" => "DOORDECK:6b1c2f0e-5d3a-4c8e-9f10-2a3b4c5d6e7f",
        _ => "ACCESS_BROKER:unknown",
    };
    let request = json!({"name": "AB U9 C6"});
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
        ok: error.is_none() && !action.ends_with("_INTENT"),
        provider_type: Some(provider.into()),
        reconcile_job_id: Some(7),
        facts: LogFacts::of(Some(&request), Some(&resp)),
        request_json: Some(request),
        response_json: Some(resp),
        odd: Vec::new(),
        raw_json: Vec::new(),
        detached: false,
    }
}

const B: &str = "ACCESS_BROKER";

/// One attempt at `m` minutes past 14:00 failing with `error` from `provider`.
fn failed_run(
    first_id: i64,
    m: u32,
    provider: &str,
    action: &str,
    error: &str,
    resp: Value,
) -> Vec<LogRow> {
    let at = |s: u32| format!("14:{m:02}:{s:02}");
    vec![
        log(
            first_id,
            &at(0),
            "RECONCILE_JOB_START",
            B,
            None,
            Value::Null,
        ),
        log(first_id + 1, &at(2), action, provider, Some(error), resp),
        log(
            first_id + 2,
            &at(3),
            "RECONCILE_JOB_FAILED",
            B,
            Some(error),
            Value::Null,
        ),
    ]
}

fn doordeck_503(id: i64, m: u32) -> Vec<LogRow> {
    failed_run(
        id,
        m,
        "DOORDECK",
        "LOCK_SHARE",
        "Doordeck HTTP 503: device offline",
        json!({"http_status": 503, "body": {"code": 503, "message": "Device offline"}}),
    )
}

fn ttlock(id: i64, m: u32, code: i64, msg: &str, action: &str) -> Vec<LogRow> {
    failed_run(
        id,
        m,
        "TTLOCK",
        action,
        &format!("TTLock errcode {code}: {msg}"),
        json!({"errcode": code, "errmsg": msg}),
    )
}

/// A name, the job, its logs, the context, the golden sentence.
type Case = (
    &'static str,
    JobRow,
    Vec<LogRow>,
    Context,
    Option<&'static str>,
);

/// The cases with their golden sentences.
fn cases() -> Vec<Case> {
    let c = cx();
    let mut cases: Vec<Case> = Vec::new();
    // Attempts exhausted with the same error.
    let same = [doordeck_503(1, 0), doordeck_503(4, 10), doordeck_503(7, 30)].concat();
    cases.push(("same error", job("dead", 3, None), same, c,
        Some("Dead after 3 attempts over 30 min: Doordeck 503 'device offline' on LOCK_SHARE each time; nothing will retry it.")));
    // A different error each attempt.
    let differ = [
        ttlock(1, 0, -3002, "gateway offline", "PASSCODE_ADD"),
        ttlock(4, 10, -3003, "gateway busy, try later", "PASSCODE_ADD"),
    ]
    .concat();
    cases.push(("different errors", job("failed", 2, Some("15:42:00")), differ, c,
        Some("Failed after 2 attempts over 10 min, failing differently: TTLock -3002 'gateway offline' on PASSCODE_ADD, then TTLock -3003 'gateway busy, try later' on PASSCODE_ADD; it retries at 15:42 UTC (in 12 min).")));
    // Credentials: TTLock 10004, Doordeck 401.
    cases.push(("token", job("failed", 1, Some("15:42:00")), ttlock(1, 0, 10004, "invalid grant", "PASSCODE_ADD"), c,
        Some("Failed: the provider refused the account's credentials (TTLock 10004 'token invalid, expired or revoked' on PASSCODE_ADD); no retry can succeed until the customer's token or password is renewed; it retries at 15:42 UTC (in 12 min).")));
    cases.push(("doordeck 401", job("dead", 1, None),
        failed_run(1, 0, "DOORDECK", "LOCK_REVOKE", "HTTP 401: unauthorized", json!({"http_status": 401})), c,
        Some("Dead: the provider refused the account's credentials (Doordeck 401 'unauthorized (bad or expired token)' on LOCK_REVOKE); no retry can succeed until the customer's token or password is renewed; nothing will retry it.")));
    // Offline: gateway -3002, Doordeck 503.
    cases.push(("gateway offline", job("failed", 1, Some("15:42:00")), ttlock(1, 0, -3002, "gateway offline", "PASSCODE_ADD"), c,
        Some("Failed: the device was offline (TTLock -3002 'gateway offline' on PASSCODE_ADD at TTLOCK:28990137); a retry succeeds only once it is back online; it retries at 15:42 UTC (in 12 min).")));
    cases.push(("device offline", job("failed", 1, None), doordeck_503(1, 0), c,
        Some("Failed: the device was offline (Doordeck 503 'device offline' on LOCK_SHARE at DOORDECK:6b1c2f0e-5d3a-4c8e-9f10-2a3b4c5d6e7f); a retry succeeds only once it is back online; no retry is scheduled.")));
    // Busy.
    cases.push(("busy", job("failed", 1, Some("15:20:00")), ttlock(1, 0, -3003, "gateway busy, try later", "PASSCODE_DELETE"), c,
        Some("Failed: the device was busy (TTLock -3003 'gateway busy, try later' on PASSCODE_DELETE at TTLOCK:28990137), which passes; a retry should succeed; its retry was due at 15:20 UTC (10 min ago) and no worker has taken it.")));
    // Rate-limited.
    cases.push(("rate", job("failed", 1, Some("15:42:00")), ttlock(1, 0, 30006, "exceeds the restrictions of API call number", "PASSCODE_LIST"), c,
        Some("Failed: rate-limited by the provider (TTLock 30006 'API call rate limit exceeded' on PASSCODE_LIST); retries succeed once the limit resets; it retries at 15:42 UTC (in 12 min).")));
    // Running with no log for over 3× the usual, and the fallback.
    let mut running = job("running", 1, None);
    running.created_at = t("12:30:00");
    running.updated_at = t("12:30:00");
    let started = vec![log(
        1,
        "12:30:01",
        "RECONCILE_JOB_START",
        B,
        None,
        Value::Null,
    )];
    cases.push(("stuck", running.clone(), started.clone(), c,
        Some("Stuck: reconcile_user started 3 h ago, no log for 2 h 59 min, over 3× the usual 40 s of its type.")));
    cases.push(("stuck, no history", running.clone(), started.clone(), Context { typical: None, ..c },
        Some("Stuck: reconcile_user started 3 h ago, no log for 2 h 59 min, over the 15 min stuck threshold (no done job of its type to compare).")));
    // A drift run nobody holds the lock of.
    let mut drift = running.clone();
    drift.job_type = DRIFT.into();
    let drift_logs = vec![
        log(
            1,
            "12:30:01",
            "DRIFT_ENFORCE_JOB_START",
            B,
            None,
            Value::Null,
        ),
        log(
            2,
            "12:30:02",
            "PASSCODE_LIST",
            "TTLOCK",
            None,
            json!({"list": []}),
        ),
    ];
    cases.push(("stuck drift", drift, drift_logs, Context { lock_held: Some(false), ..c },
        Some("Stuck: drift enforcement started 3 h ago on TTLOCK:28990137, no log for 2 h 59 min, over 3× the usual 40 s of its type, no session holds its lock.")));
    // Running, but not for long: not in trouble.
    let mut fresh = running.clone();
    fresh.updated_at = t("15:29:00");
    cases.push((
        "running fine",
        fresh,
        vec![log(
            1,
            "15:29:00",
            "RECONCILE_JOB_START",
            B,
            None,
            Value::Null,
        )],
        c,
        None,
    ));
    // Waiting for next_run_at, with an error of no known kind.
    cases.push(("waiting", job("failed", 1, Some("15:42:00")), ttlock(1, 0, -3009, "custom passcode storage full", "PASSCODE_ADD"), c,
        Some("Failed, waiting for its next run at 15:42 UTC (in 12 min): TTLock -3009 'custom passcode storage full' on PASSCODE_ADD.")));
    // Interrupted after a change was sent.
    let mut intr = [ttlock(1, 0, -3002, "gateway offline", "PASSCODE_ADD")].concat();
    intr.push(log(
        9,
        "14:05:00",
        "DRIFT_ENFORCE_DELETE_PIN_INTENT",
        "TTLOCK",
        None,
        Value::Null,
    ));
    cases.push(("interrupted", job("failed", 1, None), intr, c,
        Some("Interrupted after a change was sent to the provider: DRIFT_ENFORCE_DELETE_PIN_INTENT (log #9) on TTLOCK:28990137 has no outcome logged; the lock's next drift preview settles it.")));
    // The provider took it, the record failed.
    let recorded = vec![
        log(1, "14:00:00", "RECONCILE_JOB_START", B, None, Value::Null),
        log(
            2,
            "14:00:01",
            "PASSCODE_ADD",
            "TTLOCK",
            None,
            json!({"keyboardPwdId": 50123456}),
        ),
        log(
            3,
            "14:00:02",
            "RECONCILE_JOB_FAILED",
            B,
            Some("could not write lock_pin_states: deadlock detected (pid 4411)"),
            Value::Null,
        ),
    ];
    cases.push(("recorded", job("dead", 1, None), recorded, c,
        Some("Dead although its last attempt succeeded at the provider: 1 call went through, then recording the result failed ('could not write lock_pin_states: deadlock detected (pid <n>)'); the change is on the lock, so check it before a retry sends it again; nothing will retry it.")));
    // A job that is done is not in trouble.
    cases.push(("done", job("done", 1, None), Vec::new(), c, None));
    cases
}

#[test]
fn why_cases() {
    for (name, j, logs, cx, want) in &cases() {
        assert_eq!(why(j, logs, cx).as_deref(), *want, "{name}");
    }
}

/// A trace's logs: the case's job's, each after another job's step, as a
/// big trace holds them (compact heads, their payloads attached).
fn in_a_big_trace(logs: &[LogRow]) -> (crate::store::traces::Logs, Vec<usize>) {
    let mut b = crate::store::compact::HeadsBuilder::with_capacity(2 * logs.len());
    let mut whole = Vec::new();
    for l in logs {
        let mut other = log(
            1000 + l.id,
            "12:00:00",
            "PASSCODE_ADD",
            "TTLOCK",
            Some("x"),
            json!({"errcode": 1}),
        );
        other.reconcile_job_id = Some(8);
        for r in [other, l.clone()] {
            let mut h = r.clone();
            h.detach();
            b.push(h);
            whole.push(r);
        }
    }
    let mut trace = crate::store::traces::Logs::Heads(b.finish());
    trace.attach(whole, 0);
    let mine = (0..logs.len()).map(|i| 2 * i + 1).collect();
    (trace, mine)
}

#[test]
fn why_reads_a_jobs_logs_among_a_big_traces_heads_in_place() {
    use crate::store::subset::Subset;
    for (name, j, logs, cx, want) in &cases() {
        let (trace, mine) = in_a_big_trace(logs);
        assert!(matches!(trace, crate::store::traces::Logs::Heads(_)));
        let s = why(j, &Subset::new(&trace, &mine), cx);
        assert_eq!(s.as_deref(), *want, "{name}");
    }
}

#[test]
fn a_runaway_jobs_repeated_failures_are_counted_not_held() {
    // 500 attempts failing alike, then two others: the sentence names the
    // first four changes between them, as from a list of every one.
    let mut logs: Vec<LogRow> = (0..500).flat_map(|k| doordeck_503(1 + 3 * k, 0)).collect();
    logs.extend(ttlock(2000, 10, -3002, "gateway offline", "PASSCODE_ADD"));
    logs.extend(doordeck_503(3000, 20));
    let s = why(&job("dead", 3, None), &logs, &cx()).expect("a sentence");
    assert!(s.starts_with("Dead after 502 attempts"), "{s}");
    assert!(s.contains("failing differently: Doordeck 503"), "{s}");
    assert_eq!(s.matches(", then ").count(), 2, "{s}");
}

#[test]
fn attempts_are_runs_from_start_to_done_or_failed() {
    let logs = [
        vec![log(
            0,
            "13:59:00",
            "RECONCILE_ENQUEUED",
            B,
            None,
            Value::Null,
        )],
        doordeck_503(1, 0),
        vec![log(
            4,
            "14:10:00",
            "RECONCILE_JOB_START",
            B,
            None,
            Value::Null,
        )],
    ]
    .concat();
    let a = attempts(&logs);
    assert_eq!(a.len(), 2);
    assert_eq!(a[0].calls.len(), 1);
    assert!(a[0].failed());
    assert_eq!(a[0].failure().map(|l| l.id), Some(2));
    assert!(a[1].end.is_none() && !a[1].failed());
    // Hostile: a job whose times are at the edges does not panic.
    let mut j = job("running", i32::MAX, None);
    j.created_at = DateTime::<Utc>::MIN_UTC;
    j.updated_at = DateTime::<Utc>::MIN_UTC;
    assert_eq!(
        why(
            &j,
            &[],
            &Context {
                typical: Some(Duration::MAX),
                ..cx()
            }
        ),
        None
    );
    assert!(
        why(
            &j,
            &[],
            &Context {
                typical: None,
                ..cx()
            }
        )
        .is_some()
    );
}
